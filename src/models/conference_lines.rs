//! A conference's cost lines (budget lines) and its donations and other revenue lines.
//! Amounts are stored in the line's own currency with the rate that converts them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{conference_lines, conference_revenue};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = conference_lines)]
pub struct CostLine {
    pub id: i64,
    pub conference_id: i64,
    pub category: String,
    pub item: String,
    pub basis: String,
    pub currency: String,
    pub rate_micros: i64,
    pub estimate_minor: i64,
    pub committed_minor: Option<i64>,
    pub actual_minor: Option<i64>,
    pub liability_minor: Option<i64>,
    pub liability_from: Option<NaiveDate>,
    pub vendor: String,
    pub notes: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CostLine {
    pub fn basis(&self) -> crate::domain::conference_budget::Basis {
        self.basis
            .parse()
            .unwrap_or(crate::domain::conference_budget::Basis::Fixed)
    }
}

/// The fields staff edit.
#[derive(Clone, Debug, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(table_name = conference_lines, treat_none_as_null = true)]
pub struct CostLineFields {
    pub category: String,
    pub item: String,
    pub basis: String,
    pub currency: String,
    pub rate_micros: i64,
    pub estimate_minor: i64,
    pub committed_minor: Option<i64>,
    pub actual_minor: Option<i64>,
    pub liability_minor: Option<i64>,
    pub liability_from: Option<NaiveDate>,
    pub vendor: String,
    pub notes: String,
}

/// In the order they were added.
pub fn costs(conn: &mut DbConn, conference_id: i64) -> QueryResult<Vec<CostLine>> {
    conference_lines::table
        .filter(conference_lines::conference_id.eq(conference_id))
        .order(conference_lines::id.asc())
        .select(CostLine::as_select())
        .load(conn)
}

/// The cost lines of some conferences, by conference (one query).
pub fn costs_of(
    conn: &mut DbConn,
    conference_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<CostLine>>> {
    let rows: Vec<CostLine> = conference_lines::table
        .filter(conference_lines::conference_id.eq_any(conference_ids))
        .order(conference_lines::id.asc())
        .select(CostLine::as_select())
        .load(conn)?;
    Ok(super::by_parent(rows, |r| r.conference_id))
}

/// A line of this conference (another conference's is not found).
pub fn find_cost(conn: &mut DbConn, conference_id: i64, id: i64) -> QueryResult<CostLine> {
    conference_lines::table
        .filter(conference_lines::conference_id.eq(conference_id))
        .filter(conference_lines::id.eq(id))
        .select(CostLine::as_select())
        .first(conn)
}

pub fn count_costs(conn: &mut DbConn, conference_id: i64) -> QueryResult<i64> {
    conference_lines::table
        .filter(conference_lines::conference_id.eq(conference_id))
        .count()
        .get_result(conn)
}

pub fn insert_cost(conn: &mut DbConn, conference_id: i64, f: &CostLineFields) -> QueryResult<i64> {
    let now = super::now();
    diesel::insert_into(conference_lines::table)
        .values((
            f,
            conference_lines::conference_id.eq(conference_id),
            conference_lines::created_at.eq(now),
            conference_lines::updated_at.eq(now),
        ))
        .returning(conference_lines::id)
        .get_result(conn)
}

pub fn update_cost(conn: &mut DbConn, id: i64, f: &CostLineFields) -> QueryResult<usize> {
    diesel::update(conference_lines::table.find(id))
        .set((f, conference_lines::updated_at.eq(super::now())))
        .execute(conn)
}

pub fn delete_cost(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(conference_lines::table.find(id)).execute(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = conference_revenue)]
pub struct RevenueLine {
    pub id: i64,
    pub conference_id: i64,
    pub kind: String,
    pub item: String,
    pub currency: String,
    pub rate_micros: i64,
    pub expected_minor: i64,
    pub received_minor: Option<i64>,
    pub notes: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RevenueLine {
    pub fn kind(&self) -> crate::domain::conference_budget::RevenueKind {
        self.kind
            .parse()
            .unwrap_or(crate::domain::conference_budget::RevenueKind::Other)
    }
}

/// The fields staff edit.
#[derive(Clone, Debug, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(table_name = conference_revenue, treat_none_as_null = true)]
pub struct RevenueFields {
    pub kind: String,
    pub item: String,
    pub currency: String,
    pub rate_micros: i64,
    pub expected_minor: i64,
    pub received_minor: Option<i64>,
    pub notes: String,
}

pub fn revenue(conn: &mut DbConn, conference_id: i64) -> QueryResult<Vec<RevenueLine>> {
    conference_revenue::table
        .filter(conference_revenue::conference_id.eq(conference_id))
        .order(conference_revenue::id.asc())
        .select(RevenueLine::as_select())
        .load(conn)
}

/// The revenue lines of some conferences, by conference (one query).
pub fn revenue_of(
    conn: &mut DbConn,
    conference_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<RevenueLine>>> {
    let rows: Vec<RevenueLine> = conference_revenue::table
        .filter(conference_revenue::conference_id.eq_any(conference_ids))
        .order(conference_revenue::id.asc())
        .select(RevenueLine::as_select())
        .load(conn)?;
    Ok(super::by_parent(rows, |r| r.conference_id))
}

/// A revenue line of this conference (another conference's is not found).
pub fn find_revenue(conn: &mut DbConn, conference_id: i64, id: i64) -> QueryResult<RevenueLine> {
    conference_revenue::table
        .filter(conference_revenue::conference_id.eq(conference_id))
        .filter(conference_revenue::id.eq(id))
        .select(RevenueLine::as_select())
        .first(conn)
}

pub fn count_revenue(conn: &mut DbConn, conference_id: i64) -> QueryResult<i64> {
    conference_revenue::table
        .filter(conference_revenue::conference_id.eq(conference_id))
        .count()
        .get_result(conn)
}

pub fn insert_revenue(
    conn: &mut DbConn,
    conference_id: i64,
    f: &RevenueFields,
) -> QueryResult<i64> {
    let now = super::now();
    diesel::insert_into(conference_revenue::table)
        .values((
            f,
            conference_revenue::conference_id.eq(conference_id),
            conference_revenue::created_at.eq(now),
            conference_revenue::updated_at.eq(now),
        ))
        .returning(conference_revenue::id)
        .get_result(conn)
}

pub fn update_revenue(conn: &mut DbConn, id: i64, f: &RevenueFields) -> QueryResult<usize> {
    diesel::update(conference_revenue::table.find(id))
        .set((f, conference_revenue::updated_at.eq(super::now())))
        .execute(conn)
}

pub fn delete_revenue(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(conference_revenue::table.find(id)).execute(conn)
}
