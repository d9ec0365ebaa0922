//! One-time tokens for first-run setup, invitations and password resets (digests only).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::users::UserId;
use crate::db::DbConn;
use crate::db::schema::auth_tokens;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Setup,
    Reset,
    Invite,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Setup => "setup",
            Purpose::Reset => "reset",
            Purpose::Invite => "invite",
        }
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = auth_tokens)]
pub struct AuthToken {
    pub token_hash: String,
    pub purpose: String,
    pub user_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut DbConn,
    token_hash: &str,
    purpose: Purpose,
    user: Option<UserId>,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(auth_tokens::table)
        .values((
            auth_tokens::token_hash.eq(token_hash),
            auth_tokens::purpose.eq(purpose.as_str()),
            auth_tokens::user_id.eq(user.map(|u| u.0)),
            auth_tokens::created_at.eq(super::now()),
            auth_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
}

/// Why a token cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Used,
    Expired,
}

/// The usable token with this digest and one of these purposes.
pub fn find_usable(
    conn: &mut DbConn,
    token_hash: &str,
    purposes: &[Purpose],
) -> QueryResult<Result<AuthToken, TokenProblem>> {
    let names: Vec<&str> = purposes.iter().map(|p| p.as_str()).collect();
    let t: Option<AuthToken> = auth_tokens::table
        .find(token_hash)
        .filter(auth_tokens::purpose.eq_any(names))
        .select(AuthToken::as_select())
        .first(conn)
        .optional()?;
    Ok(match t {
        None => Err(TokenProblem::Unknown),
        Some(t) if t.used_at.is_some() => Err(TokenProblem::Used),
        Some(t) if t.expires_at <= super::now() => Err(TokenProblem::Expired),
        Some(t) => Ok(t),
    })
}

/// Marks a token used, only if it still is unused; returns false when someone was first.
pub fn consume(conn: &mut DbConn, token_hash: &str) -> QueryResult<bool> {
    let n = diesel::update(
        auth_tokens::table
            .find(token_hash)
            .filter(auth_tokens::used_at.is_null()),
    )
    .set(auth_tokens::used_at.eq(Some(super::now())))
    .execute(conn)?;
    Ok(n == 1)
}

/// Voids a user's unused tokens of a purpose (e.g. older reset links once a new one is sent).
pub fn void_for_user(conn: &mut DbConn, user: UserId, purposes: &[Purpose]) -> QueryResult<usize> {
    let names: Vec<&str> = purposes.iter().map(|p| p.as_str()).collect();
    diesel::update(
        auth_tokens::table
            .filter(auth_tokens::user_id.eq(user.0))
            .filter(auth_tokens::purpose.eq_any(names))
            .filter(auth_tokens::used_at.is_null()),
    )
    .set(auth_tokens::used_at.eq(Some(super::now())))
    .execute(conn)
}

/// Voids every unused setup token (once an admin exists).
pub fn void_setup(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::update(
        auth_tokens::table
            .filter(auth_tokens::purpose.eq(Purpose::Setup.as_str()))
            .filter(auth_tokens::used_at.is_null()),
    )
    .set(auth_tokens::used_at.eq(Some(super::now())))
    .execute(conn)
}
