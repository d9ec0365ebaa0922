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

/// The sections of the treasurer's list of awarded grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Approved, not yet paid.
    ToPay,
    /// Paid, waiting for the report.
    Waiting,
    /// Report received, to close.
    ToClose,
}

impl Stage {
    fn statuses(self) -> Vec<&'static str> {
        match self {
            Stage::ToPay => vec![Status::Approved.as_str()],
            Stage::Waiting => vec![Status::Paid.as_str(), Status::ReportDue.as_str()],
            Stage::ToClose => vec![Status::ReportReceived.as_str()],
        }
    }
}

type Boxed = ga::BoxedQuery<'static, <DbConn as diesel::Connection>::Backend>;

/// The grants of a stage, without those `viewer` is recused from.
fn of_stage(stage: Stage, viewer: i64) -> Boxed {
    use crate::db::schema::grant_reviewers as gr;
    ga::table
        .filter(ga::status.eq_any(stage.statuses()))
        .filter(
            ga::id.ne_all(
                gr::table
                    .filter(gr::user_id.eq(viewer))
                    .filter(gr::conflict.eq(true))
                    .select(gr::application_id),
            ),
        )
        .into_boxed()
}

/// How many grants a stage holds for `viewer`.
pub fn stage_count(conn: &mut DbConn, stage: Stage, viewer: i64) -> QueryResult<i64> {
    of_stage(stage, viewer).count().get_result(conn)
}

/// How many grants waiting for their report are past its due date, for `viewer`.
pub fn overdue_count(conn: &mut DbConn, viewer: i64, today: NaiveDate) -> QueryResult<i64> {
    of_stage(Stage::Waiting, viewer)
        .filter(ga::report_due_on.lt(today))
        .count()
        .get_result(conn)
}

/// One page of a stage: to pay by event start; waiting by report due date (overdue ones
/// come first, having the earliest dates; none last); to close by event start.
pub fn stage_page(
    conn: &mut DbConn,
    stage: Stage,
    viewer: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<crate::models::grant_applications::GrantApplication>> {
    let q = of_stage(stage, viewer);
    let q = match stage {
        Stage::Waiting => q.order((
            ga::report_due_on.is_null().asc(),
            ga::report_due_on.asc(),
            ga::id.asc(),
        )),
        _ => q.order((ga::starts_on.asc(), ga::id.asc())),
    };
    q.offset(offset.max(0))
        .limit(limit.max(0))
        .select(crate::models::grant_applications::GrantApplication::as_select())
        .load(conn)
}

/// What has been paid on each of some grants, in the foundation currency (one query).
pub fn paid_base_of(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = gd::table
        .filter(gd::application_id.eq_any(ids))
        .select((gd::application_id, gd::base_minor))
        .load(conn)?;
    let mut out = std::collections::HashMap::new();
    for (id, minor) in rows {
        *out.entry(id).or_insert(0) += minor;
    }
    Ok(out)
}
