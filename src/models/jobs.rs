//! Job listings of sponsors, shown on the public jobs page while the sponsor is active.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::jobs;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: i64,
    pub sponsor_id: i64,
    pub title: String,
    pub location: String,
    pub remote: bool,
    pub url: String,
    pub expires_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = jobs)]
pub struct NewJob {
    pub sponsor_id: i64,
    pub title: String,
    pub location: String,
    pub remote: bool,
    pub url: String,
    pub expires_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, j: &NewJob) -> QueryResult<i64> {
    diesel::insert_into(jobs::table)
        .values(j)
        .returning(jobs::id)
        .get_result(conn)
}

pub fn for_sponsor(conn: &mut DbConn, sponsor_id: i64) -> QueryResult<Vec<Job>> {
    jobs::table
        .filter(jobs::sponsor_id.eq(sponsor_id))
        .order(jobs::expires_on.desc())
        .select(Job::as_select())
        .load(conn)
}

/// Listings that have not expired on `today`, soonest to expire last.
pub fn current(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<Job>> {
    jobs::table
        .filter(jobs::expires_on.ge(today))
        .order((jobs::created_at.desc(), jobs::id.desc()))
        .select(Job::as_select())
        .load(conn)
}

/// One sponsor's current listings, newest first.
pub fn current_of(conn: &mut DbConn, today: NaiveDate, sponsor_id: i64) -> QueryResult<Vec<Job>> {
    jobs::table
        .filter(jobs::sponsor_id.eq(sponsor_id))
        .filter(jobs::expires_on.ge(today))
        .order((jobs::created_at.desc(), jobs::id.desc()))
        .select(Job::as_select())
        .load(conn)
}

/// Deletes a listing of this sponsor.
pub fn delete(conn: &mut DbConn, sponsor_id: i64, id: i64) -> QueryResult<usize> {
    diesel::delete(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::sponsor_id.eq(sponsor_id)),
    )
    .execute(conn)
}
