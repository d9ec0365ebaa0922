//! Private links for sponsor contacts (and grant applicants): random tokens stored as digests,
//! each scoped to one record and expiring.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::portal_tokens;

/// What a private link opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Sponsor,
    GrantApplication,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Sponsor => "sponsor",
            Scope::GrantApplication => "grant_application",
        }
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = portal_tokens)]
pub struct PortalToken {
    pub id: i64,
    pub token_hash: String,
    pub scope: String,
    pub scope_id: i64,
    pub email: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

/// Stores a new link for `email` to the record; returns the raw token (shown once, in the
/// email, never stored).
pub fn issue(
    conn: &mut DbConn,
    scope: Scope,
    scope_id: i64,
    email: &str,
    valid_for: chrono::Duration,
) -> QueryResult<String> {
    issue_until(conn, scope, scope_id, email, super::now() + valid_for)
}

/// A new link that expires at `expires_at` (e.g. with the link it is issued from).
pub fn issue_until(
    conn: &mut DbConn,
    scope: Scope,
    scope_id: i64,
    email: &str,
    expires_at: chrono::NaiveDateTime,
) -> QueryResult<String> {
    let raw = crate::auth::token::new_token();
    diesel::insert_into(portal_tokens::table)
        .values((
            portal_tokens::token_hash.eq(crate::auth::token::digest(&raw)),
            portal_tokens::scope.eq(scope.as_str()),
            portal_tokens::scope_id.eq(scope_id),
            portal_tokens::email.eq(email),
            portal_tokens::created_at.eq(super::now()),
            portal_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(raw)
}

/// The live (unexpired) link for this raw token and scope, if any.
pub fn find_live(conn: &mut DbConn, raw: &str, scope: Scope) -> QueryResult<Option<PortalToken>> {
    if !crate::auth::token::looks_valid(raw) {
        return Ok(None);
    }
    portal_tokens::table
        .filter(portal_tokens::token_hash.eq(crate::auth::token::digest(raw)))
        .filter(portal_tokens::scope.eq(scope.as_str()))
        .filter(portal_tokens::expires_at.gt(super::now()))
        .select(PortalToken::as_select())
        .first(conn)
        .optional()
}

/// Whether a raw token exists at all but has expired (to say "expired" rather than "unknown").
pub fn is_expired(conn: &mut DbConn, raw: &str) -> QueryResult<bool> {
    if !crate::auth::token::looks_valid(raw) {
        return Ok(false);
    }
    let n: i64 = portal_tokens::table
        .filter(portal_tokens::token_hash.eq(crate::auth::token::digest(raw)))
        .filter(portal_tokens::expires_at.le(super::now()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Notes the last use (at most once a minute, to spare writes).
pub fn touch(conn: &mut DbConn, t: &PortalToken) -> QueryResult<()> {
    let now = super::now();
    if t.last_used_at
        .is_none_or(|at| now - at > chrono::Duration::minutes(1))
    {
        diesel::update(portal_tokens::table.find(t.id))
            .set(portal_tokens::last_used_at.eq(Some(now)))
            .execute(conn)?;
    }
    Ok(())
}

/// Ends the links to a record that were sent to one address (a contact removed).
pub fn revoke_for_email(
    conn: &mut DbConn,
    scope: Scope,
    scope_id: i64,
    email: &str,
) -> QueryResult<usize> {
    let ids: Vec<(i64, String)> = portal_tokens::table
        .filter(portal_tokens::scope.eq(scope.as_str()))
        .filter(portal_tokens::scope_id.eq(scope_id))
        .select((portal_tokens::id, portal_tokens::email))
        .load(conn)?;
    let mine: Vec<i64> = ids
        .into_iter()
        .filter(|(_, e)| e.eq_ignore_ascii_case(email))
        .map(|(id, _)| id)
        .collect();
    diesel::delete(portal_tokens::table.filter(portal_tokens::id.eq_any(mine))).execute(conn)
}

/// Drops links that expired more than a day ago (housekeeping).
pub fn delete_expired(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::delete(
        portal_tokens::table
            .filter(portal_tokens::expires_at.lt(super::now() - chrono::Duration::days(1))),
    )
    .execute(conn)
}
