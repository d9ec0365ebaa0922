//! What the applicant side of grants reads and writes beyond `grant_applications`: payments
//! as the applicant sees them and the report row.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{grant_disbursements, grant_reports};

/// One payment of a grant, as the applicant is shown it.
#[derive(Clone, Debug, Queryable)]
pub struct Payment {
    pub paid_on: NaiveDate,
    pub method: String,
    pub amount_minor: i64,
    pub currency: String,
}

/// The payments of one application, oldest first.
pub fn payments(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<Payment>> {
    grant_disbursements::table
        .filter(grant_disbursements::application_id.eq(application_id))
        .order((
            grant_disbursements::paid_on.asc(),
            grant_disbursements::id.asc(),
        ))
        .select((
            grant_disbursements::paid_on,
            grant_disbursements::method,
            grant_disbursements::amount_minor,
            grant_disbursements::currency,
        ))
        .load(conn)
}

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
