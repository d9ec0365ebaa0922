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

/// One sponsor in one slot over a period: names and sums.
#[derive(Clone, Debug)]
pub struct PeriodLine {
    pub sponsor: String,
    pub slot: String,
    pub slot_key: String,
    pub impressions: i64,
    pub clicks: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// How many (slot, sponsor) pairs counted something between `from` and `to` (inclusive).
pub fn period_line_count(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> QueryResult<i64> {
    // Dates are formatted by chrono, never typed by a user.
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM placement_stats \
         WHERE day >= '{from}' AND day <= '{to}' GROUP BY slot_id, sponsor_id) AS pairs"
    );
    let rows: Vec<Count> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql).load(c)?,
        DbConn::Pg(c) => diesel::sql_query(sql).load(c)?,
    };
    Ok(rows.first().map_or(0, |r| r.n))
}

/// The impressions and clicks counted between `from` and `to` (inclusive), in all.
pub fn period_totals(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> QueryResult<(i64, i64)> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    placement_stats::table
        .filter(placement_stats::day.ge(from))
        .filter(placement_stats::day.le(to))
        .select((
            sql::<BigInt>("CAST(COALESCE(SUM(impressions), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(clicks), 0) AS BIGINT)"),
        ))
        .first(conn)
}

/// One page of the sums per (slot, sponsor) between `from` and `to` (inclusive), most
/// impressions first, grouped and summed in SQL; the names of the page's sponsors and slots
/// come with one more query each.
pub fn period_lines(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<PeriodLine>> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let sums: Vec<(i64, i64, i64, i64)> = placement_stats::table
        .filter(placement_stats::day.ge(from))
        .filter(placement_stats::day.le(to))
        .group_by((placement_stats::slot_id, placement_stats::sponsor_id))
        .select((
            placement_stats::slot_id,
            placement_stats::sponsor_id,
            sql::<BigInt>("CAST(SUM(impressions) AS BIGINT)"),
            sql::<BigInt>("CAST(SUM(clicks) AS BIGINT)"),
        ))
        .order(sql::<BigInt>(
            "SUM(impressions) DESC, SUM(clicks) DESC, sponsor_id, slot_id",
        ))
        .offset(offset.max(0))
        .limit(limit.max(0))
        .load(conn)?;
    let sponsor_ids: Vec<i64> = sums.iter().map(|s| s.1).collect();
    let names = super::sponsors::names_of(conn, &sponsor_ids)?;
    let slots: std::collections::HashMap<i64, (String, String)> = all(conn)?
        .into_iter()
        .map(|s| (s.id, (s.name, s.key)))
        .collect();
    Ok(sums
        .into_iter()
        .map(|(slot_id, sponsor_id, impressions, clicks)| {
            let (slot, slot_key) = slots.get(&slot_id).cloned().unwrap_or_default();
            PeriodLine {
                sponsor: names.get(&sponsor_id).cloned().unwrap_or_default(),
                slot,
                slot_key,
                impressions,
                clicks,
            }
        })
        .collect())
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
