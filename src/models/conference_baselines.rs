//! Approved budget versions: frozen snapshots of a conference's budget inputs. Rows are only
//! ever inserted (a database trigger refuses updates).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::conference_baselines;
use crate::domain::conference_budget::Inputs;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = conference_baselines)]
pub struct Baseline {
    pub id: i64,
    pub conference_id: i64,
    pub version: i32,
    pub approved_at: NaiveDateTime,
    pub approved_by: String,
    pub note: String,
    pub snapshot: String,
}

impl Baseline {
    /// The frozen inputs (written by `insert` from the same type).
    pub fn inputs(&self) -> Result<Inputs, serde_json::Error> {
        serde_json::from_str(&self.snapshot)
    }
}

/// Newest first.
pub fn of(conn: &mut DbConn, conference_id: i64) -> QueryResult<Vec<Baseline>> {
    conference_baselines::table
        .filter(conference_baselines::conference_id.eq(conference_id))
        .order(conference_baselines::version.desc())
        .select(Baseline::as_select())
        .load(conn)
}

/// The most recent approved version, if any.
pub fn latest(conn: &mut DbConn, conference_id: i64) -> QueryResult<Option<Baseline>> {
    conference_baselines::table
        .filter(conference_baselines::conference_id.eq(conference_id))
        .order(conference_baselines::version.desc())
        .select(Baseline::as_select())
        .first(conn)
        .optional()
}

/// The latest approved version of each of some conferences that has one (one query).
pub fn latest_versions_of(
    conn: &mut DbConn,
    conference_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, i32>> {
    let rows: Vec<(i64, i32)> = conference_baselines::table
        .filter(conference_baselines::conference_id.eq_any(conference_ids))
        .select((
            conference_baselines::conference_id,
            conference_baselines::version,
        ))
        .load(conn)?;
    let mut out = std::collections::HashMap::new();
    for (id, v) in rows {
        let e = out.entry(id).or_insert(v);
        *e = (*e).max(v);
    }
    Ok(out)
}

pub fn find(conn: &mut DbConn, conference_id: i64, version: i32) -> QueryResult<Baseline> {
    conference_baselines::table
        .filter(conference_baselines::conference_id.eq(conference_id))
        .filter(conference_baselines::version.eq(version))
        .select(Baseline::as_select())
        .first(conn)
}

/// Stores a new version; the (conference, version) key refuses a second one with the number.
pub fn insert(
    conn: &mut DbConn,
    conference_id: i64,
    version: i32,
    approved_by: &str,
    note: &str,
    inputs: &Inputs,
) -> QueryResult<i64> {
    let snapshot = serde_json::to_string(inputs)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(conference_baselines::table)
        .values((
            conference_baselines::conference_id.eq(conference_id),
            conference_baselines::version.eq(version),
            conference_baselines::approved_at.eq(super::now()),
            conference_baselines::approved_by.eq(approved_by),
            conference_baselines::note.eq(note),
            conference_baselines::snapshot.eq(snapshot),
        ))
        .returning(conference_baselines::id)
        .get_result(conn)
}
