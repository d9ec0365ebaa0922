//! Failed sign-ins, counted per account and per client address for throttling.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::login_failures;

#[derive(Clone, Copy, Debug)]
pub enum Scope {
    Account,
    Address,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::Address => "address",
        }
    }
}

pub fn record(conn: &mut DbConn, scope: Scope, key: &str) -> QueryResult<usize> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::scope.eq(scope.as_str()),
            login_failures::key.eq(key),
            login_failures::at.eq(super::now()),
        ))
        .execute(conn)
}

/// Failures in the window, and the oldest of them (which decides when the lock lifts).
pub fn recent(
    conn: &mut DbConn,
    scope: Scope,
    key: &str,
    window: Duration,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    let since = super::now() - window;
    let q = login_failures::table
        .filter(login_failures::scope.eq(scope.as_str()))
        .filter(login_failures::key.eq(key))
        .filter(login_failures::at.gt(since));
    let n: i64 = q.count().get_result(conn)?;
    let oldest: Option<NaiveDateTime> = q
        .select(login_failures::at)
        .order(login_failures::at.asc())
        .first(conn)
        .optional()?;
    Ok((n, oldest))
}

/// A successful sign-in clears the account's count.
pub fn clear(conn: &mut DbConn, scope: Scope, key: &str) -> QueryResult<usize> {
    diesel::delete(
        login_failures::table
            .filter(login_failures::scope.eq(scope.as_str()))
            .filter(login_failures::key.eq(key)),
    )
    .execute(conn)
}

pub fn purge_older_than(conn: &mut DbConn, age: Duration) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::at.lt(super::now() - age)))
        .execute(conn)
}
