//! Money paid out on grants: one row per payment, with the rate used to the foundation
//! currency, and the treasurer's list of grants that are awarded, paid or waiting for a report.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{grant_applications as ga, grant_disbursements as gd};
use crate::domain::grants::{Method, Status, rate_label};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = gd)]
pub struct Disbursement {
    pub id: i64,
    pub application_id: i64,
    pub paid_on: NaiveDate,
    pub method: String,
    pub amount_minor: i64,
    pub currency: String,
    /// Foundation units per unit of `currency`, times 10^6.
    pub rate_micros: i64,
    /// The payment in the foundation currency at `rate_micros`.
    pub base_minor: i64,
    pub reference: String,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

impl Disbursement {
    pub fn method_label(&self) -> &'static str {
        self.method
            .parse::<Method>()
            .map(|m| m.label())
            .unwrap_or("Other")
    }
    pub fn amount_label(&self) -> String {
        super::invoices::money_label(self.amount_minor, &self.currency)
    }
    pub fn rate_label(&self) -> String {
        rate_label(self.rate_micros)
    }
}

/// A payment as the treasurer recorded it (checked by the service).
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = gd)]
pub struct NewDisbursement {
    pub application_id: i64,
    pub paid_on: NaiveDate,
    pub method: String,
    pub amount_minor: i64,
    pub currency: String,
    pub rate_micros: i64,
    pub base_minor: i64,
    pub reference: String,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewDisbursement) -> QueryResult<i64> {
    diesel::insert_into(gd::table)
        .values(new)
        .returning(gd::id)
        .get_result(conn)
}

/// The payments of one application, oldest first.
pub fn for_application(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<Disbursement>> {
    gd::table
        .filter(gd::application_id.eq(application_id))
        .order((gd::paid_on.asc(), gd::id.asc()))
        .select(Disbursement::as_select())
        .load(conn)
}

/// Applications the treasurer follows: awarded and not yet closed, oldest event first.
pub fn awarded_open(
    conn: &mut DbConn,
) -> QueryResult<Vec<crate::models::grant_applications::GrantApplication>> {
    let statuses = [
        Status::Approved,
        Status::Paid,
        Status::ReportDue,
        Status::ReportReceived,
    ]
    .map(|s| s.as_str());
    ga::table
        .filter(ga::status.eq_any(statuses))
        .order((ga::starts_on.asc(), ga::id.asc()))
        .select(crate::models::grant_applications::GrantApplication::as_select())
        .load(conn)
}
