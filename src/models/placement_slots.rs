//! Placement slots (named spots on our pages or other sites), the tiers eligible for them,
//! and impression and click counts per sponsor, slot and day.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{placement_slot_tiers, placement_slots, placement_stats};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = placement_slots)]
pub struct Slot {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub description: String,
    pub topic: Option<String>,
    pub max_sponsors: i32,
    pub created_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConn,
    key: &str,
    name: &str,
    description: &str,
    topic: Option<&str>,
    max_sponsors: i32,
    tier_ids: &[i64],
) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(placement_slots::table)
        .values((
            placement_slots::key.eq(key),
            placement_slots::name.eq(name),
            placement_slots::description.eq(description),
            placement_slots::topic.eq(topic),
            placement_slots::max_sponsors.eq(max_sponsors),
            placement_slots::created_at.eq(super::now()),
        ))
        .returning(placement_slots::id)
        .get_result(conn)?;
    set_tiers(conn, id, tier_ids)?;
    Ok(id)
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    name: &str,
    description: &str,
    topic: Option<&str>,
    max_sponsors: i32,
    tier_ids: &[i64],
) -> QueryResult<usize> {
    let n = diesel::update(placement_slots::table.find(id))
        .set((
            placement_slots::name.eq(name),
            placement_slots::description.eq(description),
            placement_slots::topic.eq(topic),
            placement_slots::max_sponsors.eq(max_sponsors),
        ))
        .execute(conn)?;
    set_tiers(conn, id, tier_ids)?;
    Ok(n)
}

fn set_tiers(conn: &mut DbConn, id: i64, tier_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(placement_slot_tiers::table.filter(placement_slot_tiers::slot_id.eq(id)))
        .execute(conn)?;
    for t in tier_ids {
        diesel::insert_into(placement_slot_tiers::table)
            .values((
                placement_slot_tiers::slot_id.eq(id),
                placement_slot_tiers::tier_id.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Slot> {
    placement_slots::table
        .find(id)
        .select(Slot::as_select())
        .first(conn)
}

pub fn find_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<Slot>> {
    placement_slots::table
        .filter(placement_slots::key.eq(key))
        .select(Slot::as_select())
        .first(conn)
        .optional()
}

pub fn key_taken(conn: &mut DbConn, key: &str) -> QueryResult<bool> {
    Ok(find_by_key(conn, key)?.is_some())
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Slot>> {
    placement_slots::table
        .order(placement_slots::key.asc())
        .select(Slot::as_select())
        .load(conn)
}

pub fn tier_ids(conn: &mut DbConn, slot_id: i64) -> QueryResult<Vec<i64>> {
    placement_slot_tiers::table
        .filter(placement_slot_tiers::slot_id.eq(slot_id))
        .select(placement_slot_tiers::tier_id)
        .load(conn)
}

/// Adds counts for one sponsor, slot and day (update, or insert the first row).
pub fn add_counts(
    conn: &mut DbConn,
    slot_id: i64,
    sponsor_id: i64,
    day: NaiveDate,
    impressions: i64,
    clicks: i64,
) -> QueryResult<()> {
    let update = |conn: &mut DbConn| {
        diesel::update(
            placement_stats::table
                .filter(placement_stats::slot_id.eq(slot_id))
                .filter(placement_stats::sponsor_id.eq(sponsor_id))
                .filter(placement_stats::day.eq(day)),
        )
        .set((
            placement_stats::impressions.eq(placement_stats::impressions + impressions),
            placement_stats::clicks.eq(placement_stats::clicks + clicks),
        ))
        .execute(conn)
    };
    if update(conn)? > 0 {
        return Ok(());
    }
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(placement_stats::table)
            .values((
                placement_stats::slot_id.eq(slot_id),
                placement_stats::sponsor_id.eq(sponsor_id),
                placement_stats::day.eq(day),
                placement_stats::impressions.eq(impressions),
                placement_stats::clicks.eq(clicks),
            ))
            .execute(conn)
    });
    match inserted {
        // Another instance inserted the day's row first: add to it instead. (A savepoint
        // keeps the surrounding PostgreSQL transaction usable after the failed insert.)
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => update(conn).map(|_| ()),
        other => other.map(|_| ()),
    }
}

#[derive(Clone, Debug, Queryable)]
pub struct StatRow {
    pub slot_id: i64,
    pub sponsor_id: i64,
    pub day: NaiveDate,
    pub impressions: i64,
    pub clicks: i64,
}

/// Daily counts between two dates (inclusive), optionally for one sponsor.
pub fn stats(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    sponsor_id: Option<i64>,
) -> QueryResult<Vec<StatRow>> {
    let mut q = placement_stats::table
        .filter(placement_stats::day.ge(from))
        .filter(placement_stats::day.le(to))
        .into_boxed();
    if let Some(s) = sponsor_id {
        q = q.filter(placement_stats::sponsor_id.eq(s));
    }
    q.select((
        placement_stats::slot_id,
        placement_stats::sponsor_id,
        placement_stats::day,
        placement_stats::impressions,
        placement_stats::clicks,
    ))
    .order(placement_stats::day.asc())
    .load(conn)
}

/// Of the given ids, the slots and the sponsors that still exist (the placement counter
/// drops counts for removed ones instead of failing every flush on a foreign key).
pub fn existing_targets(
    conn: &mut DbConn,
    slot_ids: &[i64],
    sponsor_ids: &[i64],
) -> QueryResult<(Vec<i64>, Vec<i64>)> {
    use crate::db::schema::sponsors;
    let slots = placement_slots::table
        .filter(placement_slots::id.eq_any(slot_ids))
        .select(placement_slots::id)
        .load(conn)?;
    let sponsors = sponsors::table
        .filter(sponsors::id.eq_any(sponsor_ids))
        .select(sponsors::id)
        .load(conn)?;
    Ok((slots, sponsors))
}
