//! Small key/value settings kept in the database, shared by every app instance.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::app_settings::dsl as s;

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    s::app_settings
        .filter(s::key.eq(key))
        .select(s::value)
        .first(conn)
        .optional()
}

/// Every setting whose key starts with `prefix` (one query).
pub fn with_prefix(conn: &mut DbConn, prefix: &str) -> QueryResult<Vec<(String, String)>> {
    let pattern = format!(
        "{}%",
        prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    s::app_settings
        .filter(s::key.like(pattern).escape('\\'))
        .select((s::key, s::value))
        .load(conn)
}

/// Stores `value` unless the key already has one; returns the value that is stored.
pub fn get_or_insert(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<String> {
    if let Some(v) = get(conn, key)? {
        return Ok(v);
    }
    // Another instance may insert between our read and write; the primary key settles it.
    let _ = diesel::insert_into(s::app_settings)
        .values((s::key.eq(key), s::value.eq(value)))
        .execute(conn);
    get(conn, key)?.ok_or(diesel::result::Error::NotFound)
}

/// Stores `value` under `key`, replacing any earlier value.
pub fn set(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<()> {
    let n = diesel::update(s::app_settings.filter(s::key.eq(key)))
        .set(s::value.eq(value))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(s::app_settings)
            .values((s::key.eq(key), s::value.eq(value)))
            .execute(conn)?;
    }
    Ok(())
}
