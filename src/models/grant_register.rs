//! What the transparency pages read: the public register of awarded grants (only those whose
//! applicants opted in) and the years that have budgets or grants.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    grant_applications as ga, grant_budgets, grant_decisions as gdec, grant_programmes as gp,
};
use crate::domain::Money;
use crate::domain::grants::{self, Status};

/// One awarded grant as the public sees it: no applicant name, email or amounts requested.
#[derive(Clone, Debug, Queryable)]
pub struct RegisterRow {
    pub id: i64,
    pub organisation: String,
    pub event_name: String,
    pub city: String,
    pub event_country: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub budget_year: i32,
    pub currency: String,
    pub programme_id: i64,
    pub programme_name: String,
    pub awarded_minor: Option<i64>,
}

impl RegisterRow {
    pub fn reference(&self) -> String {
        format!("G-{}", self.id)
    }
    pub fn country_name(&self) -> &str {
        crate::domain::country::name(&self.event_country).unwrap_or(&self.event_country)
    }
    /// The award in the application's currency, for people.
    pub fn awarded_label(&self) -> String {
        super::invoices::money_label(self.awarded_minor.unwrap_or(0), &self.currency)
    }
    /// The award as a plain figure for spreadsheets ("1500.00").
    pub fn awarded_plain(&self) -> String {
        let minor = self.awarded_minor.unwrap_or(0);
        Money::from_db(minor, &self.currency)
            .map(|m| m.plain())
            .unwrap_or_else(|_| minor.to_string())
    }
    pub fn dates(&self) -> String {
        grants::event_dates(self.starts_on, self.ends_on)
    }
}

/// The register's filters; None means all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegisterFilter {
    pub year: Option<i32>,
    pub programme_id: Option<i64>,
    /// An ISO code of the country where the event takes place.
    pub country: Option<String>,
}

/// The statuses of a grant that was awarded and still stands (withdrawn after approval is
/// not listed: the money was never granted).
fn listed_statuses() -> Vec<&'static str> {
    Status::ALL
        .into_iter()
        .filter(|s| s.awarded())
        .map(|s| s.as_str())
        .collect()
}

type Joined = diesel::dsl::InnerJoin<diesel::dsl::InnerJoin<ga::table, gdec::table>, gp::table>;
type Backend = <DbConn as diesel::Connection>::Backend;

/// The listed grants (awarded, still standing, applicant opted in) with no filter.
fn listed() -> diesel::dsl::IntoBoxed<'static, Joined, Backend> {
    ga::table
        .inner_join(gdec::table)
        .inner_join(gp::table)
        .filter(gdec::outcome.eq("approved"))
        .filter(ga::public_opt_in.eq(true))
        .filter(ga::status.eq_any(listed_statuses()))
        .into_boxed()
}

/// The listed grants a filter selects, in SQL.
fn filtered(f: &RegisterFilter) -> diesel::dsl::IntoBoxed<'static, Joined, Backend> {
    let mut q = listed();
    if let Some(y) = f.year {
        q = q.filter(ga::budget_year.eq(y));
    }
    if let Some(p) = f.programme_id {
        q = q.filter(ga::programme_id.eq(p));
    }
    if let Some(c) = &f.country {
        q = q.filter(ga::event_country.eq(c.clone()));
    }
    q
}

macro_rules! register_columns {
    () => {
        (
            ga::id,
            ga::organisation,
            ga::event_name,
            ga::city,
            ga::event_country,
            ga::starts_on,
            ga::ends_on,
            ga::budget_year,
            ga::currency,
            ga::programme_id,
            gp::name,
            gdec::awarded_minor,
        )
    };
}

/// How many listed grants a filter selects.
pub fn count(conn: &mut DbConn, f: &RegisterFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}

/// One page of the register, newest year first.
pub fn page(
    conn: &mut DbConn,
    f: &RegisterFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<RegisterRow>> {
    filtered(f)
        .order((ga::budget_year.desc(), ga::starts_on.desc(), ga::id.desc()))
        .offset(offset.max(0))
        .limit(limit.max(0))
        .select(register_columns!())
        .load(conn)
}

/// Up to `limit` listed grants a filter selects with an id below `before`, newest first (a
/// chunk of the export).
pub fn chunk_before(
    conn: &mut DbConn,
    f: &RegisterFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<RegisterRow>> {
    let mut q = filtered(f);
    if let Some(b) = before {
        q = q.filter(ga::id.lt(b));
    }
    q.order(ga::id.desc())
        .limit(limit.max(0))
        .select(register_columns!())
        .load(conn)
}

/// What the register's filters offer: the years (newest first), programmes and event
/// countries that list something, each read with one `DISTINCT` query.
#[derive(Clone, Debug)]
pub struct RegisterChoices {
    pub years: Vec<i32>,
    pub programmes: Vec<(i64, String)>,
    pub countries: Vec<String>,
}

pub fn choices(conn: &mut DbConn) -> QueryResult<RegisterChoices> {
    let years: Vec<i32> = listed()
        .select(ga::budget_year)
        .distinct()
        .order(ga::budget_year.desc())
        .load(conn)?;
    let programmes: Vec<(i64, String)> = listed()
        .select((ga::programme_id, gp::name))
        .distinct()
        .order((gp::name.asc(), ga::programme_id.asc()))
        .load(conn)?;
    let countries: Vec<String> = listed().select(ga::event_country).distinct().load(conn)?;
    Ok(RegisterChoices {
        years,
        programmes,
        countries,
    })
}

/// Years with a budget cap or an application, newest first.
pub fn budget_years(conn: &mut DbConn) -> QueryResult<Vec<i32>> {
    let mut years: Vec<i32> = grant_budgets::table
        .select(grant_budgets::year)
        .distinct()
        .load(conn)?;
    years.extend(
        ga::table
            .select(ga::budget_year)
            .distinct()
            .load::<i32>(conn)?,
    );
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    Ok(years)
}

/// One grant awarded in a period, for a sponsor's impact page. The page shows names of
/// events only where the applicant opted in to the public register.
#[derive(Clone, Debug, Queryable)]
pub struct AwardRow {
    pub id: i64,
    pub programme_name: String,
    pub programme_kind: String,
    pub event_name: String,
    pub city: String,
    pub country: String,
    pub event_country: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub attendance: i32,
    pub public_opt_in: bool,
    /// In the foundation's currency.
    pub awarded_base_minor: Option<i64>,
    pub decided_at: chrono::NaiveDateTime,
}

impl AwardRow {
    /// Where the work happens: the event's country, else the applicant's.
    pub fn country_code(&self) -> &str {
        if self.event_country.is_empty() {
            &self.country
        } else {
            &self.event_country
        }
    }
}

/// Grants decided "approved" between two days (inclusive) that still stand, oldest first.
pub fn awarded_between(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<AwardRow>> {
    let start = from.and_hms_opt(0, 0, 0).unwrap_or_default();
    let end = (to + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    ga::table
        .inner_join(gdec::table)
        .inner_join(gp::table)
        .filter(gdec::outcome.eq("approved"))
        .filter(ga::status.eq_any(listed_statuses()))
        .filter(gdec::decided_at.ge(start))
        .filter(gdec::decided_at.lt(end))
        .order((gdec::decided_at.asc(), ga::id.asc()))
        .select((
            ga::id,
            gp::name,
            gp::kind,
            ga::event_name,
            ga::city,
            ga::country,
            ga::event_country,
            ga::starts_on,
            ga::ends_on,
            ga::attendance,
            ga::public_opt_in,
            gdec::awarded_base_minor,
            gdec::decided_at,
        ))
        .load(conn)
}
