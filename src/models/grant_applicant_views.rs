//! What the applicant side of grants reads and writes beyond `grant_applications`: the report
//! row, and who to tell when the applicant writes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{grant_reports, grant_reviewers, users};

/// Stores the post-event report. The application id is the key, so a second report for the
/// same grant fails on the unique constraint instead of replacing the first.
pub fn insert_report(
    conn: &mut DbConn,
    application_id: i64,
    body: &str,
    submitted_by: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(grant_reports::table)
        .values((
            grant_reports::application_id.eq(application_id),
            grant_reports::body.eq(body),
            grant_reports::submitted_by.eq(submitted_by),
            grant_reports::submitted_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Name and address of each assigned reviewer who has not declared a conflict of interest
/// and whose account is active: they are told when the applicant writes.
pub fn active_reviewers(
    conn: &mut DbConn,
    application_id: i64,
) -> QueryResult<Vec<(String, String)>> {
    grant_reviewers::table
        .inner_join(users::table)
        .filter(grant_reviewers::application_id.eq(application_id))
        .filter(grant_reviewers::conflict.eq(false))
        .filter(users::is_disabled.eq(false))
        .order(users::id.asc())
        .select((users::name, users::email))
        .load(conn)
}
