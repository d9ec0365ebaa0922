//! Grant programmes (rules as data), their yearly budgets, the quorum thresholds and the
//! reference exchange rates.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{exchange_rates, grant_budgets, grant_programmes, grant_quorum};
use crate::domain::grants::{Kind, Rules};
use crate::domain::{Currency, Money};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = grant_programmes)]
pub struct GrantProgramme {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub is_open: bool,
    pub requires_coc: bool,
    pub min_lead_days: i32,
    pub max_amount_minor: Option<i64>,
    pub per_attendee_minor: Option<i64>,
    pub report_days: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl GrantProgramme {
    pub fn kind(&self) -> Kind {
        self.kind.parse().unwrap_or(Kind::Event)
    }
    /// The rules as the domain checks them; amounts are in the foundation currency.
    pub fn rules(&self, base: Currency) -> Rules {
        Rules {
            kind: self.kind(),
            requires_coc: self.requires_coc,
            min_lead_days: self.min_lead_days,
            max_amount: self.max_amount_minor.map(|m| Money::new(m, base)),
            per_attendee: self.per_attendee_minor.map(|m| Money::new(m, base)),
        }
    }
}

/// The fields staff edit.
#[derive(Clone, Debug, Insertable, AsChangeset)]
#[diesel(table_name = grant_programmes, treat_none_as_null = true)]
pub struct ProgrammeFields {
    pub name: String,
    pub kind: String,
    pub description: String,
    pub is_open: bool,
    pub requires_coc: bool,
    pub min_lead_days: i32,
    pub max_amount_minor: Option<i64>,
    pub per_attendee_minor: Option<i64>,
    pub report_days: i32,
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<GrantProgramme>> {
    grant_programmes::table
        .order(grant_programmes::name.asc())
        .select(GrantProgramme::as_select())
        .load(conn)
}

/// Programmes offered on the public form.
pub fn open(conn: &mut DbConn) -> QueryResult<Vec<GrantProgramme>> {
    grant_programmes::table
        .filter(grant_programmes::is_open.eq(true))
        .order(grant_programmes::name.asc())
        .select(GrantProgramme::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<GrantProgramme> {
    grant_programmes::table
        .find(id)
        .select(GrantProgramme::as_select())
        .first(conn)
}

pub fn insert(conn: &mut DbConn, f: &ProgrammeFields) -> QueryResult<i64> {
    let now = super::now();
    diesel::insert_into(grant_programmes::table)
        .values((
            f,
            grant_programmes::created_at.eq(now),
            grant_programmes::updated_at.eq(now),
        ))
        .returning(grant_programmes::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, f: &ProgrammeFields) -> QueryResult<usize> {
    diesel::update(grant_programmes::table.find(id))
        .set((f, grant_programmes::updated_at.eq(super::now())))
        .execute(conn)
}

/// A programme's cap for a year, if one is set.
pub fn cap(conn: &mut DbConn, programme_id: i64, year: i32) -> QueryResult<Option<i64>> {
    grant_budgets::table
        .find((programme_id, year))
        .select(grant_budgets::cap_minor)
        .first(conn)
        .optional()
}

/// Every cap of a programme, by year.
pub fn caps(conn: &mut DbConn, programme_id: i64) -> QueryResult<Vec<(i32, i64)>> {
    grant_budgets::table
        .filter(grant_budgets::programme_id.eq(programme_id))
        .order(grant_budgets::year.asc())
        .select((grant_budgets::year, grant_budgets::cap_minor))
        .load(conn)
}

/// Sets (or replaces) a programme's cap for a year.
pub fn set_cap(conn: &mut DbConn, programme_id: i64, year: i32, cap_minor: i64) -> QueryResult<()> {
    let n = diesel::update(grant_budgets::table.find((programme_id, year)))
        .set(grant_budgets::cap_minor.eq(cap_minor))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(grant_budgets::table)
            .values((
                grant_budgets::programme_id.eq(programme_id),
                grant_budgets::year.eq(year),
                grant_budgets::cap_minor.eq(cap_minor),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The quorum thresholds `(from amount, approvals)`, lowest first.
pub fn quorum(conn: &mut DbConn) -> QueryResult<Vec<(i64, i32)>> {
    grant_quorum::table
        .order(grant_quorum::min_amount_minor.asc())
        .select((grant_quorum::min_amount_minor, grant_quorum::approvals))
        .load(conn)
}

/// Replaces the quorum thresholds (in the caller's transaction).
pub fn set_quorum(conn: &mut DbConn, rows: &[(i64, i32)]) -> QueryResult<()> {
    diesel::delete(grant_quorum::table).execute(conn)?;
    for (from, n) in rows {
        diesel::insert_into(grant_quorum::table)
            .values((
                grant_quorum::min_amount_minor.eq(from),
                grant_quorum::approvals.eq(n),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = exchange_rates)]
pub struct ExchangeRate {
    pub currency: String,
    pub rate_micros: i64,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

pub fn rates(conn: &mut DbConn) -> QueryResult<Vec<ExchangeRate>> {
    exchange_rates::table
        .order(exchange_rates::currency.asc())
        .select(ExchangeRate::as_select())
        .load(conn)
}

/// The reference rate of a currency to the foundation currency (1 for the foundation's own).
pub fn rate(conn: &mut DbConn, currency: Currency, base: Currency) -> QueryResult<Option<i64>> {
    if currency == base {
        return Ok(Some(crate::domain::grants::RATE_SCALE));
    }
    exchange_rates::table
        .find(currency.code())
        .select(exchange_rates::rate_micros)
        .first(conn)
        .optional()
}

pub fn set_rate(conn: &mut DbConn, currency: &str, rate_micros: i64, by: &str) -> QueryResult<()> {
    let now = super::now();
    let n = diesel::update(exchange_rates::table.find(currency))
        .set((
            exchange_rates::rate_micros.eq(rate_micros),
            exchange_rates::updated_at.eq(now),
            exchange_rates::updated_by.eq(by),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(exchange_rates::table)
            .values((
                exchange_rates::currency.eq(currency),
                exchange_rates::rate_micros.eq(rate_micros),
                exchange_rates::updated_at.eq(now),
                exchange_rates::updated_by.eq(by),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete_rate(conn: &mut DbConn, currency: &str) -> QueryResult<usize> {
    diesel::delete(exchange_rates::table.find(currency)).execute(conn)
}

/// What the grants pages offer: the open programmes and the currencies an application may
/// use (the foundation's first).
pub fn offer(conn: &mut DbConn, base: Currency) -> QueryResult<(Vec<GrantProgramme>, Vec<String>)> {
    Ok((open(conn)?, accepted_currencies(conn, base)?))
}

/// Currencies a request may be made in: the foundation's own, then those with a rate.
pub fn accepted_currencies(conn: &mut DbConn, base: Currency) -> QueryResult<Vec<String>> {
    let mut v = vec![base.code().to_string()];
    v.extend(
        rates(conn)?
            .into_iter()
            .map(|r| r.currency)
            .filter(|c| c != base.code()),
    );
    Ok(v)
}
