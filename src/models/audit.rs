//! The audit log: who did what to which record, when (UTC) and from where.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::audit_log;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub details: String,
    pub client_addr: Option<String>,
    /// How many times this happened (repeated refusals from one client are counted on one
    /// entry); 1 for everything else.
    pub repeats: i32,
    /// When a repeated entry last happened.
    pub last_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry<'a> {
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub record_type: Option<&'a str>,
    pub record_id: Option<&'a str>,
    pub details: &'a str,
    pub client_addr: Option<&'a str>,
}

pub fn insert(conn: &mut DbConn, e: &NewAuditEntry<'_>) -> QueryResult<usize> {
    diesel::insert_into(audit_log::table)
        .values(e)
        .execute(conn)
}

/// Counts one more occurrence on the newest entry that matches `e` (action, actor, client,
/// record and details) and began after `since`; false when there is none.
pub fn count_repeat(
    conn: &mut DbConn,
    e: &NewAuditEntry<'_>,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    let mut q = audit_log::table
        .filter(audit_log::action.eq(e.action))
        .filter(audit_log::actor.eq(e.actor))
        .filter(audit_log::details.eq(e.details))
        .filter(audit_log::at.gt(since))
        .into_boxed();
    q = match e.client_addr {
        Some(a) => q.filter(audit_log::client_addr.eq(a)),
        None => q.filter(audit_log::client_addr.is_null()),
    };
    q = match e.record_id {
        Some(r) => q.filter(audit_log::record_id.eq(r)),
        None => q.filter(audit_log::record_id.is_null()),
    };
    let latest: Option<i64> = q
        .order(audit_log::at.desc())
        .select(audit_log::id)
        .first(conn)
        .optional()?;
    let Some(id) = latest else {
        return Ok(false);
    };
    diesel::update(audit_log::table.find(id))
        .set((
            audit_log::repeats.eq(audit_log::repeats + 1),
            audit_log::last_at.eq(Some(e.at)),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Filters for the audit page; empty strings mean "any".
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub action: String,
    pub actor: String,
    pub record_type: String,
    pub record_id: String,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

type Boxed = audit_log::BoxedQuery<'static, <DbConn as diesel::Connection>::Backend>;

/// The entries a filter selects, in SQL.
fn filtered(f: &AuditFilter) -> Boxed {
    let mut q = audit_log::table.into_boxed();
    if !f.action.is_empty() {
        q = q.filter(
            audit_log::action
                .like(format!("{}%", escape_like(&f.action)))
                .escape('\\'),
        );
    }
    if !f.actor.is_empty() {
        q = q.filter(
            audit_log::actor
                .like(format!("%{}%", escape_like(&f.actor)))
                .escape('\\'),
        );
    }
    if !f.record_type.is_empty() {
        q = q.filter(audit_log::record_type.eq(f.record_type.clone()));
    }
    if !f.record_id.is_empty() {
        q = q.filter(audit_log::record_id.eq(f.record_id.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(audit_log::at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(audit_log::at.lt(to));
    }
    q
}

/// One page of entries matching the filter, newest first, and whether there are more.
pub fn search(
    conn: &mut DbConn,
    f: &AuditFilter,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<AuditEntry>, bool)> {
    let mut rows: Vec<AuditEntry> = filtered(f)
        .order(audit_log::id.desc())
        .offset((page.max(1) - 1) * per_page)
        .limit(per_page + 1)
        .select(AuditEntry::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    Ok((rows, more))
}

/// Up to `limit` entries matching the filter with an id below `before`, newest first (a
/// chunk of the export).
pub fn chunk_before(
    conn: &mut DbConn,
    f: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let mut q = filtered(f);
    if let Some(b) = before {
        q = q.filter(audit_log::id.lt(b));
    }
    q.order(audit_log::id.desc())
        .limit(limit.max(0))
        .select(AuditEntry::as_select())
        .load(conn)
}

#[derive(QueryableByName)]
struct Action {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    action: Option<String>,
}

/// The distinct actions recorded, for the filter's suggestions. A loose index scan (the next
/// action after each one, from the index on action) reads one index entry per distinct
/// action, not a million rows.
pub fn actions(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    const SQL: &str = "WITH RECURSIVE a(action) AS ( \
        SELECT MIN(action) FROM audit_log \
        UNION ALL \
        SELECT (SELECT MIN(l.action) FROM audit_log l WHERE l.action > a.action) \
        FROM a WHERE a.action IS NOT NULL) \
        SELECT action FROM a WHERE action IS NOT NULL";
    let rows: Vec<Action> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(SQL).load(c)?,
        DbConn::Pg(c) => diesel::sql_query(SQL).load(c)?,
    };
    Ok(rows.into_iter().filter_map(|a| a.action).collect())
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
