//! Agreements: generated from the template and accepted online, or signed elsewhere and
//! uploaded as a PDF.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{agreements, sponsorships};

use super::sponsorships::Sponsorship;

/// One agreement: generated and sent (then accepted online), or uploaded, signed elsewhere.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = agreements)]
pub struct Agreement {
    pub id: i64,
    pub sponsorship_id: i64,
    pub kind: String,
    pub body: String,
    pub file_key: Option<String>,
    pub file_name: Option<String>,
    pub status: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub accepted_name: Option<String>,
    pub accepted_title: Option<String>,
    pub accepted_email: Option<String>,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_addr: Option<String>,
    /// The foundation's countersignature: the staff member, their title, when.
    pub countersigned_user_id: Option<i64>,
    pub countersigned_name: Option<String>,
    pub countersigned_title: Option<String>,
    pub countersigned_at: Option<NaiveDateTime>,
}

impl Agreement {
    pub fn is_countersigned(&self) -> bool {
        self.countersigned_at.is_some()
    }
    pub fn is_sent(&self) -> bool {
        self.status == "sent"
    }
    pub fn is_accepted(&self) -> bool {
        self.status == "accepted"
    }
    pub fn is_uploaded(&self) -> bool {
        self.kind == "uploaded"
    }
    pub fn has_file(&self) -> bool {
        self.file_key.is_some()
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "sent" => "Sent, waiting for acceptance",
            "accepted" => "Accepted",
            "superseded" => "Replaced by a later version",
            _ => "Unknown",
        }
    }
    pub fn badge(&self) -> &'static str {
        match self.status.as_str() {
            "accepted" => "success",
            "sent" => "warning",
            _ => "neutral",
        }
    }
    pub fn kind_label(&self) -> &'static str {
        if self.is_uploaded() {
            "Signed elsewhere (PDF)"
        } else {
            "Generated from the template"
        }
    }
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Agreement> {
    agreements::table
        .find(id)
        .select(Agreement::as_select())
        .first(conn)
}

/// An agreement and its sponsorship, only if the sponsorship belongs to this sponsor (portal
/// look-ups: another sponsor's agreement is NotFound, never a page).
pub fn find_for_sponsor(
    conn: &mut DbConn,
    id: i64,
    sponsor_id: i64,
) -> QueryResult<(Agreement, Sponsorship)> {
    agreements::table
        .inner_join(sponsorships::table)
        .filter(agreements::id.eq(id))
        .filter(sponsorships::sponsor_id.eq(sponsor_id))
        .select((Agreement::as_select(), Sponsorship::as_select()))
        .first(conn)
}

/// The agreements of one sponsorship, newest first (superseded ones included).
pub fn for_sponsorship(conn: &mut DbConn, sponsorship_id: i64) -> QueryResult<Vec<Agreement>> {
    agreements::table
        .filter(agreements::sponsorship_id.eq(sponsorship_id))
        .order(agreements::id.desc())
        .select(Agreement::as_select())
        .load(conn)
}

/// A generated agreement, sent and waiting for the sponsor.
pub fn insert_generated(
    conn: &mut DbConn,
    sponsorship_id: i64,
    body: &str,
    created_by: &str,
) -> QueryResult<i64> {
    diesel::insert_into(agreements::table)
        .values((
            agreements::sponsorship_id.eq(sponsorship_id),
            agreements::kind.eq("generated"),
            agreements::body.eq(body),
            agreements::status.eq("sent"),
            agreements::created_by.eq(created_by),
            agreements::created_at.eq(super::now()),
        ))
        .returning(agreements::id)
        .get_result(conn)
}

/// An agreement signed elsewhere and uploaded as a PDF: accepted when stored.
pub fn insert_uploaded(
    conn: &mut DbConn,
    sponsorship_id: i64,
    file_key: &str,
    file_name: &str,
    created_by: &str,
    client_addr: Option<String>,
) -> QueryResult<i64> {
    let now = super::now();
    diesel::insert_into(agreements::table)
        .values((
            agreements::sponsorship_id.eq(sponsorship_id),
            agreements::kind.eq("uploaded"),
            agreements::body.eq(""),
            agreements::file_key.eq(file_key),
            agreements::file_name.eq(file_name),
            agreements::status.eq("accepted"),
            agreements::created_by.eq(created_by),
            agreements::created_at.eq(now),
            agreements::accepted_name.eq(format!("signed elsewhere, uploaded by {created_by}")),
            agreements::accepted_at.eq(now),
            agreements::accepted_addr.eq(client_addr),
        ))
        .returning(agreements::id)
        .get_result(conn)
}

/// Marks the sponsorship's agreements still waiting for acceptance as replaced.
pub fn supersede_sent(conn: &mut DbConn, sponsorship_id: i64) -> QueryResult<usize> {
    diesel::update(
        agreements::table
            .filter(agreements::sponsorship_id.eq(sponsorship_id))
            .filter(agreements::status.eq("sent")),
    )
    .set(agreements::status.eq("superseded"))
    .execute(conn)
}

/// Records the foundation's countersignature on an accepted agreement that has none; false
/// when it is not accepted or someone countersigned first.
pub fn countersign(
    conn: &mut DbConn,
    id: i64,
    user_id: i64,
    name: &str,
    title: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        agreements::table
            .filter(agreements::id.eq(id))
            .filter(agreements::status.eq("accepted"))
            .filter(agreements::countersigned_at.is_null()),
    )
    .set((
        agreements::countersigned_user_id.eq(Some(user_id)),
        agreements::countersigned_name.eq(Some(name)),
        agreements::countersigned_title.eq(Some(title)),
        agreements::countersigned_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
