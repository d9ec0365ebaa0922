//! A sponsor's impact report: for one of its terms, what the foundation did in that period
//! (grants awarded, by programme and by country; events supported) and how often the
//! sponsor was shown and clicked in each placement slot, month by month.
//!
//! Read-only. Grant figures are the foundation's, not the sponsor's money alone: the page
//! says so. Events appear by name only when their organisers opted in to the public register.

use chrono::{Datelike, NaiveDate};

use crate::db::DbConn;
use crate::domain::Currency;
use crate::domain::sponsorship::Status;
use crate::error::AppResult;
use crate::models::grant_register::{self, AwardRow};
use crate::models::invoices;
use crate::models::sponsorships::Sponsorship;
use crate::models::{placement_slots, portal_views, tiers};

/// A term that can be reported on: one that was agreed and paid, or is running.
pub fn reportable(s: &Sponsorship) -> bool {
    matches!(s.status(), Status::Paid | Status::Active | Status::Expired)
}

/// One term in the term picker.
#[derive(Clone, Debug)]
pub struct Term {
    pub id: i64,
    pub tier: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Term {
    pub fn label(&self) -> String {
        format!(
            "{} · {} – {}",
            self.tier,
            self.start.format("%-d %b %Y"),
            self.end.format("%-d %b %Y")
        )
    }
}

/// Grants of one programme and country.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantGroup {
    pub programme: String,
    pub country: String,
    pub count: i64,
    /// Foundation currency, minor units.
    pub amount: i64,
}

/// An event the foundation funded (named only with its organisers' consent).
#[derive(Clone, Debug)]
pub struct EventView {
    pub name: String,
    pub place: String,
    pub dates: String,
    pub attendance: i32,
}

/// Impressions and clicks of one slot in one month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visibility {
    pub slot: String,
    /// First day of the month.
    pub month: NaiveDate,
    pub impressions: i64,
    pub clicks: i64,
}

/// One month over all slots, for the chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthTotal {
    pub month: NaiveDate,
    pub impressions: i64,
    pub clicks: i64,
}

/// What one sponsorship gave beside what all the sponsorships of its time gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub own: i64,
    pub all: i64,
}

impl Share {
    /// "4.2%", or "less than 0.1%"; one decimal, rounded.
    pub fn percent_label(&self) -> String {
        if self.all <= 0 {
            return "0%".into();
        }
        let tenths =
            (i128::from(self.own) * 1000 + i128::from(self.all) / 2) / i128::from(self.all);
        if tenths == 0 && self.own > 0 {
            return "less than 0.1%".into();
        }
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

/// The report for one term.
pub struct Impact {
    pub terms: Vec<Term>,
    /// The term reported on (None: the sponsor has no paid or running term yet).
    pub term: Option<Term>,
    /// The last day counted: the term's end, or today if the term is still running.
    pub until: Option<NaiveDate>,
    pub currency: Currency,
    /// Grants whose recipients opted in to the public register, by programme and country.
    pub grants: Vec<GrantGroup>,
    /// The others, only as a count and a sum (no programme, country or event).
    pub unlisted_count: i64,
    pub unlisted_amount: i64,
    pub grants_count: i64,
    pub grants_total: i64,
    /// This sponsorship's part of the sponsorship money received for the terms that ran
    /// during it (in the report's currency).
    pub share: Option<Share>,
    /// Countries reached.
    pub countries: usize,
    pub events: Vec<EventView>,
    /// Events funded whose organisers did not opt in to being named.
    pub unnamed_events: i64,
    pub attendees: i64,
    pub visibility: Vec<Visibility>,
    pub months: Vec<MonthTotal>,
    pub impressions: i64,
    pub clicks: i64,
    /// How the organisation used the foundation's infrastructure in the term (from the
    /// imported usage figures of periods within it).
    pub usage: Vec<crate::domain::usage::Series>,
}

fn month_of(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
}

fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

/// Groups awards by programme and country, largest amount first.
pub fn group_grants(rows: &[AwardRow]) -> Vec<GrantGroup> {
    let mut out: Vec<GrantGroup> = Vec::new();
    for r in rows {
        let country = crate::domain::country::name(r.country_code())
            .unwrap_or(r.country_code())
            .to_string();
        let amount = r.awarded_base_minor.unwrap_or(0);
        match out
            .iter_mut()
            .find(|g| g.programme == r.programme_name && g.country == country)
        {
            Some(g) => {
                g.count += 1;
                g.amount = g.amount.saturating_add(amount);
            }
            None => out.push(GrantGroup {
                programme: r.programme_name.clone(),
                country,
                count: 1,
                amount,
            }),
        }
    }
    out.sort_by(|a, b| {
        b.amount
            .cmp(&a.amount)
            .then(a.programme.cmp(&b.programme))
            .then(a.country.cmp(&b.country))
    });
    out
}

/// The report on term `term_id` of the sponsor (its current or latest term when None or
/// not one of its reportable terms).
pub fn impact(
    conn: &mut DbConn,
    sponsor_id: i64,
    term_id: Option<i64>,
    today: NaiveDate,
    currency: Currency,
) -> AppResult<Impact> {
    let mut terms = Vec::new();
    for s in portal_views::sponsorships_of(conn, sponsor_id)? {
        if reportable(&s) && s.start_date <= today {
            terms.push(Term {
                id: s.id,
                tier: tiers::find(conn, s.tier_id)?.name,
                start: s.start_date,
                end: s.end_date,
            });
        }
    }
    terms.sort_by(|a, b| b.start.cmp(&a.start).then(b.id.cmp(&a.id)));
    let chosen = term_id
        .and_then(|id| terms.iter().find(|t| t.id == id))
        .or_else(|| terms.iter().find(|t| t.start <= today && today <= t.end))
        .or_else(|| terms.first())
        .cloned();
    let mut out = Impact {
        terms,
        term: chosen.clone(),
        until: None,
        currency,
        grants: Vec::new(),
        unlisted_count: 0,
        unlisted_amount: 0,
        grants_count: 0,
        grants_total: 0,
        share: None,
        countries: 0,
        events: Vec::new(),
        unnamed_events: 0,
        attendees: 0,
        visibility: Vec::new(),
        months: Vec::new(),
        impressions: 0,
        clicks: 0,
        usage: Vec::new(),
    };
    let Some(term) = chosen else {
        return Ok(out);
    };
    let until = term.end.min(today);
    out.until = Some(until);
    out.usage = super::prospects::usage_within(conn, sponsor_id, term.start, term.end)?;

    let code = currency.code();
    let all = invoices::net_received_for_terms(conn, code, term.start, term.end, None)?;
    let own = invoices::net_received_for_terms(conn, code, term.start, term.end, Some(term.id))?;
    if all > 0 {
        out.share = Some(Share { own, all });
    }

    let awards = grant_register::awarded_between(conn, term.start, until)?;
    // Grants whose recipients did not opt in to the public register are only counted: a
    // group of one would give away its programme, country and amount.
    let listed: Vec<AwardRow> = awards.iter().filter(|a| a.public_opt_in).cloned().collect();
    out.grants = group_grants(&listed);
    for a in awards.iter().filter(|a| !a.public_opt_in) {
        out.unlisted_count += 1;
        out.unlisted_amount = out
            .unlisted_amount
            .saturating_add(a.awarded_base_minor.unwrap_or(0));
    }
    out.grants_count = awards.len() as i64;
    out.grants_total = awards
        .iter()
        .map(|a| a.awarded_base_minor.unwrap_or(0))
        .fold(0i64, |s, v| s.saturating_add(v));
    let mut countries: Vec<&str> = awards.iter().map(|a| a.country_code()).collect();
    countries.sort_unstable();
    countries.dedup();
    out.countries = countries.len();
    for a in awards.iter().filter(|a| a.programme_kind == "event") {
        if a.public_opt_in {
            out.attendees += i64::from(a.attendance.max(0));
            let country =
                crate::domain::country::name(a.country_code()).unwrap_or(a.country_code());
            out.events.push(EventView {
                name: a.event_name.clone(),
                place: if a.city.is_empty() {
                    country.to_string()
                } else {
                    format!("{}, {country}", a.city)
                },
                dates: crate::domain::grants::event_dates(a.starts_on, a.ends_on),
                attendance: a.attendance,
            });
        } else {
            out.unnamed_events += 1;
        }
    }

    // Visibility: daily counts summed per slot and month, every month of the period shown.
    let slots = placement_slots::all(conn)?;
    let stats = placement_slots::stats(conn, term.start, until, Some(sponsor_id))?;
    let mut month = month_of(term.start);
    while month <= until {
        let next = next_month(month);
        let in_month: Vec<_> = stats
            .iter()
            .filter(|r| r.day >= month && r.day < next)
            .collect();
        let total = MonthTotal {
            month,
            impressions: in_month.iter().map(|r| r.impressions).sum(),
            clicks: in_month.iter().map(|r| r.clicks).sum(),
        };
        for slot in &slots {
            let rows: Vec<_> = in_month.iter().filter(|r| r.slot_id == slot.id).collect();
            if rows.is_empty() {
                continue;
            }
            out.visibility.push(Visibility {
                slot: slot.name.clone(),
                month,
                impressions: rows.iter().map(|r| r.impressions).sum(),
                clicks: rows.iter().map(|r| r.clicks).sum(),
            });
        }
        out.impressions += total.impressions;
        out.clicks += total.clicks;
        out.months.push(total);
        month = next;
    }
    out.visibility
        .sort_by(|a, b| a.slot.cmp(&b.slot).then(a.month.cmp(&b.month)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_roll_over_the_year() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 17).unwrap();
        assert_eq!(month_of(d), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(next_month(d), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
    }
}
