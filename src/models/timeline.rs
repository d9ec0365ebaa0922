//! One timeline per sponsor and per grant application: the audit log's changes and the
//! outbox's emails about the record or anything that belongs to it, newest first, paged in
//! SQL (one count and one page whatever the size of the log).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use crate::db::DbConn;

/// Whose timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Sponsor(i64),
    GrantApplication(i64),
    Prospect(i64),
}

impl Owner {
    fn id(&self) -> i64 {
        match *self {
            Owner::Sponsor(id) | Owner::GrantApplication(id) | Owner::Prospect(id) => id,
        }
    }

    /// The records on this timeline, as a condition on `record_type` and `record_id` (the
    /// audit log and the outbox name records the same way). `$1` is the owner's id.
    fn records(&self) -> &'static str {
        match self {
            Owner::Sponsor(_) => {
                "((record_type = 'sponsor' AND record_id = CAST($1 AS TEXT)) \
                 OR (record_type = 'sponsorship' AND record_id IN \
                     (SELECT CAST(id AS TEXT) FROM sponsorships WHERE sponsor_id = $1)) \
                 OR (record_type = 'invoice' AND record_id IN \
                     (SELECT CAST(i.id AS TEXT) FROM invoices i \
                      JOIN sponsorships s ON s.id = i.sponsorship_id WHERE s.sponsor_id = $1)) \
                 OR (record_type = 'agreement' AND record_id IN \
                     (SELECT CAST(a.id AS TEXT) FROM agreements a \
                      JOIN sponsorships s ON s.id = a.sponsorship_id WHERE s.sponsor_id = $1)) \
                 OR (record_type = 'story' AND record_id IN \
                     (SELECT CAST(id AS TEXT) FROM stories \
                      WHERE sponsor_id = $1 OR author_sponsor_id = $1)) \
                 OR (record_type = 'job' AND record_id IN \
                     (SELECT CAST(id AS TEXT) FROM jobs WHERE sponsor_id = $1)))"
            }
            Owner::GrantApplication(_) => {
                "(record_type = 'grant_application' AND record_id = CAST($1 AS TEXT))"
            }
            Owner::Prospect(_) => "(record_type = 'prospect' AND record_id = CAST($1 AS TEXT))",
        }
    }
}

/// One line of a timeline: a change (from the audit log) or an email (from the outbox).
#[derive(Clone, Debug, QueryableByName)]
pub struct Item {
    /// "change" or "email".
    #[diesel(sql_type = Text)]
    pub source: String,
    /// The audit entry's or the email's id.
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Timestamp)]
    pub at: NaiveDateTime,
    /// Who made the change; whom the email went to.
    #[diesel(sql_type = Text)]
    pub who: String,
    /// The audit action; the kind of email.
    #[diesel(sql_type = Text)]
    pub what: String,
    /// The change's details; the email's subject.
    #[diesel(sql_type = Text)]
    pub detail: String,
    /// An email's status (pending, sent, failed); none for a change.
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<String>,
    /// Why the last attempt to send failed.
    #[diesel(sql_type = Nullable<Text>)]
    pub error: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub record_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub record_id: Option<String>,
}

impl Item {
    pub fn is_email(&self) -> bool {
        self.source == "email"
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many changes and emails the timeline holds.
pub fn count(conn: &mut DbConn, owner: Owner) -> QueryResult<i64> {
    let r = owner.records();
    let sql = crate::db::numbered_params(
        conn,
        format!(
            "SELECT (SELECT COUNT(*) FROM audit_log WHERE {r}) \
             + (SELECT COUNT(*) FROM outbox WHERE {r}) AS n"
        ),
    );
    let rows: Vec<Count> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql)
            .bind::<BigInt, _>(owner.id())
            .load(c)?,
        DbConn::Pg(c) => diesel::sql_query(sql)
            .bind::<BigInt, _>(owner.id())
            .load(c)?,
    };
    Ok(rows.first().map(|c| c.n).unwrap_or(0))
}

/// `limit` items from `offset`, newest first (an email and a change at the same second: the
/// email, which the change caused, above it).
pub fn page(conn: &mut DbConn, owner: Owner, offset: i64, limit: i64) -> QueryResult<Vec<Item>> {
    let r = owner.records();
    let sql = crate::db::numbered_params(
        conn,
        format!(
            "SELECT 'change' AS source, id, at, actor AS who, action AS what, \
                    details AS detail, CAST(NULL AS TEXT) AS status, \
                    CAST(NULL AS TEXT) AS error, record_type, record_id \
             FROM audit_log WHERE {r} \
             UNION ALL \
             SELECT 'email' AS source, id, created_at AS at, to_addr AS who, kind AS what, \
                    subject AS detail, status, last_error AS error, record_type, record_id \
             FROM outbox WHERE {r} \
             ORDER BY at DESC, source DESC, id DESC LIMIT $2 OFFSET $3"
        ),
    );
    let id = owner.id();
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql)
            .bind::<BigInt, _>(id)
            .bind::<BigInt, _>(limit.max(0))
            .bind::<BigInt, _>(offset.max(0))
            .load(c),
        DbConn::Pg(c) => diesel::sql_query(sql)
            .bind::<BigInt, _>(id)
            .bind::<BigInt, _>(limit.max(0))
            .bind::<BigInt, _>(offset.max(0))
            .load(c),
    }
}

/// Whether email `email_id` is on the timeline (so staff of that sponsor or application may
/// read it, and nobody reads another record's mail by changing the id in the address).
pub fn has_email(conn: &mut DbConn, owner: Owner, email_id: i64) -> QueryResult<bool> {
    let r = owner.records();
    let sql = crate::db::numbered_params(
        conn,
        format!("SELECT COUNT(*) AS n FROM outbox WHERE id = $2 AND {r}"),
    );
    let rows: Vec<Count> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql)
            .bind::<BigInt, _>(owner.id())
            .bind::<BigInt, _>(email_id)
            .load(c)?,
        DbConn::Pg(c) => diesel::sql_query(sql)
            .bind::<BigInt, _>(owner.id())
            .bind::<BigInt, _>(email_id)
            .load(c)?,
    };
    Ok(rows.first().is_some_and(|c| c.n > 0))
}
