//! Server-side staff sessions. The cookie holds a random token; the table holds its digest.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::users::UserId;
use crate::db::DbConn;
use crate::db::schema::sessions;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id_hash: String,
    pub user_id: i64,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub client_addr: String,
    pub user_agent: String,
}

#[derive(Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: i64,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub client_addr: &'a str,
    pub user_agent: &'a str,
}

pub fn insert(conn: &mut DbConn, new: &NewSession<'_>) -> QueryResult<usize> {
    diesel::insert_into(sessions::table)
        .values(new)
        .execute(conn)
}

/// The live session with this digest; expired ones (idle or absolute) are deleted on sight.
pub fn find_live(conn: &mut DbConn, id_hash: &str, idle: Duration) -> QueryResult<Option<Session>> {
    let s: Option<Session> = sessions::table
        .find(id_hash)
        .select(Session::as_select())
        .first(conn)
        .optional()?;
    let now = super::now();
    match s {
        Some(s) if s.expires_at > now && s.last_seen_at + idle > now => Ok(Some(s)),
        Some(_) => {
            delete(conn, id_hash)?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Records activity, at most once a minute per session to spare the database.
pub fn touch(conn: &mut DbConn, s: &Session) -> QueryResult<()> {
    let now = super::now();
    if now - s.last_seen_at > Duration::seconds(60) {
        diesel::update(sessions::table.find(&s.id_hash))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete(conn: &mut DbConn, id_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id_hash)).execute(conn)
}

/// Ends every session of a user, optionally keeping one.
pub fn delete_for_user(conn: &mut DbConn, user: UserId, keep: Option<&str>) -> QueryResult<usize> {
    let q = sessions::table.filter(sessions::user_id.eq(user.0));
    match keep {
        Some(k) => diesel::delete(q.filter(sessions::id_hash.ne(k))).execute(conn),
        None => diesel::delete(q).execute(conn),
    }
}

pub fn count_for_user(conn: &mut DbConn, user: UserId) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::user_id.eq(user.0))
        .count()
        .get_result(conn)
}

/// Removes sessions past their absolute lifetime or idle limit.
pub fn purge_expired(conn: &mut DbConn, idle: Duration) -> QueryResult<usize> {
    let now = super::now();
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_seen_at.le(now - idle)),
        ),
    )
    .execute(conn)
}
