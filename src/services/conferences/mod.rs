//! Conference budgets: saving conferences, ticket types, cost and revenue lines, approving a
//! baseline, and gathering the live budget (with sponsorship read from the sponsorships of
//! the tied programme, never entered twice). Each change runs in one transaction with its
//! audit entry, which says what the values were before.

mod budget_lines;

pub use budget_lines::{
    add_cost, add_revenue, add_ticket, delete_cost, delete_revenue, delete_ticket, update_cost,
    update_revenue, update_ticket,
};

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::db::{DbConn, write_tx, write_tx_with};
use crate::domain::conference_budget::{self, Basis, Inputs};
use crate::domain::money::MAX_MINOR;
use crate::domain::sponsorship::Status;
use crate::domain::{Currency, Money};
use crate::error::{AppError, AppResult, SaveError};
use crate::models::conference_baselines as baselines;
use crate::models::conference_lines::{self as lines, CostLine, RevenueLine};
use crate::models::conferences::{self, Conference, ConferenceFields, TicketType};
use crate::models::grant_programmes;
use crate::models::sponsorships::{self, Row};

use super::audit::{self, Actor};

fn refuse<T>(field: &'static str, message: impl Into<String>) -> Result<T, SaveError> {
    Err(SaveError::field(field, message))
}

/// Refuses a save made from a form opened before someone else saved the same record (`seen`
/// is the record's `updated_at` when the form was opened; None skips the check).
fn check_seen(
    seen: Option<NaiveDateTime>,
    now: NaiveDateTime,
    what: &str,
) -> Result<(), SaveError> {
    match seen {
        Some(t) if t != now => refuse(
            "form",
            format!(
                "Someone else saved {what} while you were editing. Nothing was changed: reload the page to see their version, then make your change again."
            ),
        ),
        _ => Ok(()),
    }
}

/// An amount for the audit log ("—" when not set).
fn amount(minor: Option<i64>, currency: &str) -> String {
    match minor {
        Some(m) => Money::from_db(m, currency)
            .map(|m| m.to_string())
            .unwrap_or_else(|_| format!("{m} {currency}")),
        None => "—".into(),
    }
}

/// "label: old → new" for each field that differs.
fn diff(pairs: &[(&str, String, String)]) -> Vec<String> {
    pairs
        .iter()
        .filter(|(_, a, b)| a != b)
        .map(|(label, a, b)| format!("{label}: {a} → {b}"))
        .collect()
}

fn conference_pairs(old: &ConferenceFields, new: &ConferenceFields) -> Vec<String> {
    let cur = &new.currency;
    diff(&[
        ("name", old.name.clone(), new.name.clone()),
        (
            "starts",
            old.starts_on.to_string(),
            new.starts_on.to_string(),
        ),
        ("ends", old.ends_on.to_string(), new.ends_on.to_string()),
        ("venue", old.venue.clone(), new.venue.clone()),
        ("city", old.city.clone(), new.city.clone()),
        (
            "attendance cap",
            old.attendance_cap.to_string(),
            new.attendance_cap.to_string(),
        ),
        ("currency", old.currency.clone(), new.currency.clone()),
        (
            "scenarios",
            format!("{}/{}/{}", old.pessimistic, old.likely, old.optimistic),
            format!("{}/{}/{}", new.pessimistic, new.likely, new.optimistic),
        ),
        (
            "insurance cover",
            amount(Some(old.insurance_cover_minor), &old.currency),
            amount(Some(new.insurance_cover_minor), cur),
        ),
        (
            "sponsorship programme",
            old.programme_id
                .map(|p| p.to_string())
                .unwrap_or("none".into()),
            new.programme_id
                .map(|p| p.to_string())
                .unwrap_or("none".into()),
        ),
        (
            "notes",
            if old.notes.is_empty() { "empty" } else { "set" }.into(),
            if new.notes.is_empty() { "empty" } else { "set" }.into(),
        ),
    ])
}

/// The checks that span rows: the name is free, the programme funds no other conference,
/// the currency stays while amounts are entered in it, and no per-attendee line would exceed
/// the largest amount at the new cap.
fn check_conference(
    c: &mut DbConn,
    id: Option<i64>,
    f: &ConferenceFields,
) -> Result<(), SaveError> {
    let taken = conferences::all(c)?
        .iter()
        .any(|x| Some(x.id) != id && x.name.to_lowercase() == f.name.to_lowercase());
    if taken {
        return refuse(
            "name",
            format!(
                "There is already a conference called “{}”. Choose another name.",
                f.name
            ),
        );
    }
    if let Some(p) = f.programme_id {
        let programme = crate::models::programmes::find(c, p)?;
        let years = [f.starts_on.year(), f.ends_on.year()];
        if !years.contains(&programme.year) {
            return refuse(
                "programme_id",
                format!(
                    "“{}” is for {}, and this conference takes place in {}. Choose the programme whose sponsorships pay for this conference.",
                    programme.title(),
                    programme.year,
                    f.starts_on.year()
                ),
            );
        }
        if let Some(other) = conferences::for_programme(c, p)?
            && Some(other.id) != id
        {
            return refuse(
                "programme_id",
                format!(
                    "That programme's sponsorships already fund “{}”: a sponsorship counts for one conference only.",
                    other.name
                ),
            );
        }
    }
    if let Some(id) = id {
        let old = conferences::find(c, id)?;
        let has_amounts = lines::count_costs(c, id)? > 0
            || lines::count_revenue(c, id)? > 0
            || !conferences::tickets(c, id)?.is_empty();
        if old.currency != f.currency && baselines::latest(c, id)?.is_some() {
            return refuse(
                "currency",
                format!(
                    "A budget in {} has been approved: the currency cannot change, or the comparison with it would mean nothing.",
                    old.currency
                ),
            );
        }
        if old.currency != f.currency && has_amounts {
            return refuse(
                "currency",
                format!(
                    "The budget already has amounts in {}: the currency cannot change now. Lines in other currencies carry their own exchange rate.",
                    old.currency
                ),
            );
        }
        let cur = Currency::parse(&f.currency).map_err(AppError::BadRequest)?;
        for l in lines::costs(c, id)? {
            if l.basis() == Basis::PerAttendee
                && total_at(
                    l.estimate_minor,
                    &l.currency,
                    l.rate_micros,
                    cur,
                    i64::from(f.attendance_cap),
                )
                .is_none()
            {
                return refuse(
                    "attendance_cap",
                    format!(
                        "At {} attendees the line “{}” would cost more than {}. Lower the cap or the line.",
                        f.attendance_cap,
                        l.item,
                        Money::new(MAX_MINOR, cur)
                    ),
                );
            }
        }
    }
    Ok(())
}

/// A per-attendee estimate's total at `n` attendees in the conference currency, if it fits
/// the amounts we store.
fn total_at(estimate: i64, currency: &str, rate: i64, conf: Currency, n: i64) -> Option<i64> {
    let from = Currency::parse(currency).ok()?;
    let per_head = conference_budget::convert(estimate, from, rate, conf)?;
    per_head.checked_mul(n).filter(|t| *t <= MAX_MINOR)
}

/// Creates a conference; returns its id.
pub fn create(conn: &mut DbConn, actor: &Actor, f: &ConferenceFields) -> Result<i64, SaveError> {
    write_tx_with(conn, |c| {
        check_conference(c, None, f)?;
        let id = conferences::insert(c, f)?;
        audit::record(
            c,
            actor,
            "conference.create",
            Some(("conference", &id.to_string())),
            &format!(
                "{} ({} – {}), cap {}, {}",
                f.name, f.starts_on, f.ends_on, f.attendance_cap, f.currency
            ),
        )?;
        Ok(id)
    })
}

/// Saves a conference's details; false when nothing changed.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    f: &ConferenceFields,
    seen: Option<NaiveDateTime>,
) -> Result<bool, SaveError> {
    write_tx_with(conn, |c| {
        conferences::hold(c, id)?;
        let row = conferences::find(c, id)?;
        check_seen(seen, row.updated_at, "these details")?;
        let old = ConferenceFields::of(&row);
        check_conference(c, Some(id), f)?;
        let changed = conference_pairs(&old, f);
        if changed.is_empty() {
            return Ok(false);
        }
        conferences::update(c, id, f)?;
        audit::record(
            c,
            actor,
            "conference.update",
            Some(("conference", &id.to_string())),
            &format!("{}: {}", old.name, changed.join("; ")),
        )?;
        Ok(true)
    })
}

/// A sponsorship of the tied programme, as the budget counts it.
#[derive(Clone, Debug)]
pub struct SponsorshipLine {
    pub row: Row,
    /// Agreed (approved or later, not rejected or cancelled): counted as committed.
    pub counted: bool,
    /// Paid on its invoices, net of refunds, in the sponsorship's currency.
    pub paid_minor: i64,
    /// Fee and paid in the conference currency (None: no exchange rate for its currency).
    pub fee_converted: Option<i64>,
    pub paid_converted: Option<i64>,
}

/// The live budget of a conference: its rows, the sponsorships read live, and the inputs the
/// analysis takes (everything in the conference currency).
#[derive(Clone, Debug)]
pub struct LiveBudget {
    pub conference: Conference,
    pub costs: Vec<CostLine>,
    pub tickets: Vec<TicketType>,
    pub revenue: Vec<RevenueLine>,
    /// The tied programme's title ("Conference sponsorship 2027"), if any.
    pub programme: Option<String>,
    pub sponsorships: Vec<SponsorshipLine>,
    /// Applications not yet approved, in the conference currency (not counted).
    pub pipeline: i64,
    /// Currencies of counted sponsorships without an exchange rate (not counted either).
    pub unconverted: Vec<String>,
    pub inputs: Inputs,
}

fn counted(s: Status) -> bool {
    !matches!(s, Status::Applied | Status::Rejected | Status::Cancelled)
}

/// Gathers a conference's live budget. `base` is the foundation currency, through which a
/// sponsorship in another currency is converted at the reference rates.
pub fn live(conn: &mut DbConn, id: i64, base: Currency) -> AppResult<LiveBudget> {
    let conference = conferences::find(conn, id)?;
    let mut budgets = live_many(conn, vec![conference], base)?;
    budgets
        .pop()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no live budget")))
}

/// What the live budgets of some conferences read: each kind of row with one query for all
/// of them, so a list of conferences costs the same number of queries however long it is.
struct Rows {
    costs: HashMap<i64, Vec<CostLine>>,
    tickets: HashMap<i64, Vec<TicketType>>,
    revenue: HashMap<i64, Vec<RevenueLine>>,
    programmes: HashMap<i64, crate::models::programmes::Programme>,
    sponsorships: HashMap<i64, Vec<Row>>,
    invoices: HashMap<i64, Vec<crate::models::invoices::Invoice>>,
    payments: HashMap<i64, Vec<crate::models::invoices::Payment>>,
    /// Reference rates to the foundation currency, read once per currency.
    rates: HashMap<Currency, Option<i64>>,
}

impl Rows {
    fn load(conn: &mut DbConn, list: &[Conference]) -> AppResult<Rows> {
        let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
        let pids: Vec<i64> = list.iter().filter_map(|c| c.programme_id).collect();
        let sponsorships = sponsorships::for_programmes(conn, &pids)?;
        let sids: Vec<i64> = sponsorships
            .values()
            .flatten()
            .map(|r| r.sponsorship.id)
            .collect();
        let invoices = crate::models::invoices::for_sponsorships(conn, &sids)?;
        let invoice_ids: Vec<i64> = invoices.values().flatten().map(|i| i.id).collect();
        Ok(Rows {
            costs: lines::costs_of(conn, &ids)?,
            tickets: conferences::tickets_of(conn, &ids)?,
            revenue: lines::revenue_of(conn, &ids)?,
            programmes: crate::models::programmes::find_many(conn, &pids)?,
            payments: crate::models::invoices::payments_of_all(conn, &invoice_ids)?,
            sponsorships,
            invoices,
            rates: HashMap::new(),
        })
    }

    fn rate(
        &mut self,
        conn: &mut DbConn,
        code: Currency,
        base: Currency,
    ) -> AppResult<Option<i64>> {
        if let Some(r) = self.rates.get(&code) {
            return Ok(*r);
        }
        let r = grant_programmes::rate(conn, code, base)?;
        self.rates.insert(code, r);
        Ok(r)
    }
}

/// The live budgets of some conferences, in their order (see [`live`]).
pub fn live_many(
    conn: &mut DbConn,
    list: Vec<Conference>,
    base: Currency,
) -> AppResult<Vec<LiveBudget>> {
    let mut rows = Rows::load(conn, &list)?;
    list.into_iter()
        .map(|conference| live_of(conn, conference, base, &mut rows))
        .collect()
}

fn live_of(
    conn: &mut DbConn,
    conference: Conference,
    base: Currency,
    rows: &mut Rows,
) -> AppResult<LiveBudget> {
    let id = conference.id;
    let cur = conference.currency();
    let costs = rows.costs.remove(&id).unwrap_or_default();
    let tickets = rows.tickets.remove(&id).unwrap_or_default();
    let revenue = rows.revenue.remove(&id).unwrap_or_default();
    let too_large = || AppError::Unexpected(anyhow::anyhow!(conference_budget::TooLarge));

    let conv = |minor: i64, currency: &str, rate: i64| -> AppResult<i64> {
        let from =
            Currency::parse(currency).map_err(|m| AppError::Unexpected(anyhow::anyhow!(m)))?;
        conference_budget::convert(minor, from, rate, cur).ok_or_else(too_large)
    };
    let opt = |minor: Option<i64>, currency: &str, rate: i64| -> AppResult<Option<i64>> {
        minor.map(|m| conv(m, currency, rate)).transpose()
    };
    let mut cost_inputs = Vec::new();
    for l in &costs {
        cost_inputs.push(conference_budget::CostLine {
            category: conference_budget::category_label(&l.category).to_string(),
            item: l.item.clone(),
            basis: l.basis(),
            estimate: conv(l.estimate_minor, &l.currency, l.rate_micros)?,
            committed: opt(l.committed_minor, &l.currency, l.rate_micros)?,
            actual: opt(l.actual_minor, &l.currency, l.rate_micros)?,
            liability: opt(l.liability_minor, &l.currency, l.rate_micros)?,
            liability_from: l.liability_from,
        });
    }
    let mut revenue_inputs = Vec::new();
    for r in &revenue {
        revenue_inputs.push(conference_budget::Revenue {
            kind: r.kind(),
            item: r.item.clone(),
            expected: conv(r.expected_minor, &r.currency, r.rate_micros)?,
            received: opt(r.received_minor, &r.currency, r.rate_micros)?,
        });
    }

    // Sponsorship, live from the tied programme.
    let mut programme = None;
    let mut sponsorship_lines = Vec::new();
    let mut pipeline = 0i64;
    let mut unconverted: Vec<String> = Vec::new();
    let (mut committed, mut paid) = (0i64, 0i64);
    if let Some(pid) = conference.programme_id {
        programme = rows.programmes.get(&pid).map(|p| p.title());
        let to_rate = rows.rate(conn, cur, base)?;
        let list = rows.sponsorships.get(&pid).cloned().unwrap_or_default();
        for row in list {
            let s = &row.sponsorship;
            let Some(fee) = s.fee() else { continue };
            let mut paid_minor = 0i64;
            for inv in rows.invoices.get(&s.id).map_or(&[][..], Vec::as_slice) {
                let of = rows.payments.get(&inv.id).map_or(&[][..], Vec::as_slice);
                paid_minor =
                    paid_minor.saturating_add(crate::models::invoices::totals_of(of).net_minor());
            }
            let from_rate = rows.rate(conn, fee.currency, base)?;
            let convert = |minor: i64| match (from_rate, to_rate) {
                _ if fee.currency == cur => Some(minor),
                (Some(f), Some(t)) => {
                    conference_budget::cross_convert(Money::new(minor, fee.currency), f, cur, t)
                }
                _ => None,
            };
            let fee_converted = convert(fee.minor);
            let paid_converted = convert(paid_minor);
            let is_counted = counted(s.status());
            match (is_counted, fee_converted) {
                (true, Some(f)) => {
                    committed = committed.checked_add(f).ok_or_else(too_large)?;
                    paid = paid
                        .checked_add(paid_converted.unwrap_or(0))
                        .ok_or_else(too_large)?;
                }
                (true, None) => {
                    let code = fee.currency.code().to_string();
                    if !unconverted.contains(&code) {
                        unconverted.push(code);
                    }
                }
                (false, Some(f)) if s.status() == Status::Applied => {
                    pipeline = pipeline.saturating_add(f);
                }
                _ => {}
            }
            sponsorship_lines.push(SponsorshipLine {
                row,
                counted: is_counted,
                paid_minor,
                fee_converted,
                paid_converted,
            });
        }
    }

    let inputs = Inputs {
        currency: cur.code().to_string(),
        attendance_cap: i64::from(conference.attendance_cap),
        scenarios: [
            i64::from(conference.pessimistic),
            i64::from(conference.likely),
            i64::from(conference.optimistic),
        ],
        insurance_cover: conference.insurance_cover_minor,
        costs: cost_inputs,
        tickets: tickets
            .iter()
            .map(|t| conference_budget::Ticket {
                name: t.name.clone(),
                price: t.price_minor,
                share_permille: t.share_permille,
            })
            .collect(),
        revenue: revenue_inputs,
        sponsorship_committed: committed,
        sponsorship_paid: paid,
    };
    Ok(LiveBudget {
        conference,
        costs,
        tickets,
        revenue,
        programme,
        sponsorships: sponsorship_lines,
        pipeline,
        unconverted,
        inputs,
    })
}

/// What approving a baseline did.
#[derive(Debug, PartialEq, Eq)]
pub enum Approval {
    /// A new version with this number.
    Approved(i32),
    /// The budget is what this version already froze.
    Unchanged(i32),
}

/// Freezes the live budget as the next approved version.
pub fn approve_baseline(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    note: &str,
    base: Currency,
) -> AppResult<Approval> {
    write_tx(conn, |c| {
        // Holds the conference row, so two approvals at once get consecutive numbers.
        conferences::hold(c, id)?;
        let budget = live(c, id, base)?;
        if budget.costs.is_empty() {
            return Err(AppError::Conflict(
                "Add the budget's cost lines before approving it.".into(),
            ));
        }
        let latest = baselines::latest(c, id)?;
        if let Some(b) = &latest
            && b.inputs().ok().as_ref() == Some(&budget.inputs)
        {
            return Ok(Approval::Unchanged(b.version));
        }
        let version = latest.map(|b| b.version + 1).unwrap_or(1);
        baselines::insert(c, id, version, &actor.label, note, &budget.inputs)?;
        let a = conference_budget::analyse(&budget.inputs, chrono::Utc::now().date_naive())
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?;
        audit::record(
            c,
            actor,
            "conference_baseline.approve",
            Some(("conference", &id.to_string())),
            &format!(
                "{}: version {version} approved (costs {}, net {} at likely attendance){}",
                budget.conference.name,
                Money::new(a.likely().costs, budget.conference.currency()),
                Money::new(a.likely().net, budget.conference.currency()),
                if note.is_empty() {
                    String::new()
                } else {
                    format!("; note: {note}")
                }
            ),
        )?;
        Ok(Approval::Approved(version))
    })
}

/// A conference with its analysis, for the list and the dashboard.
pub struct Summary {
    pub conference: Conference,
    pub analysis: Result<conference_budget::Analysis, conference_budget::TooLarge>,
    /// The latest approved version, if any.
    pub baseline: Option<i32>,
}

/// A page of the conferences (or of those ending on or after `ending_from`, soonest first)
/// with their live analysis, every kind of row read once for the whole page.
pub fn summaries(
    conn: &mut DbConn,
    base: Currency,
    today: NaiveDate,
    ending_from: Option<NaiveDate>,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<Summary>> {
    let list = conferences::page(conn, ending_from, offset, limit)?;
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let versions = baselines::latest_versions_of(conn, &ids)?;
    Ok(live_many(conn, list, base)?
        .into_iter()
        .map(|b| Summary {
            analysis: conference_budget::analyse(&b.inputs, today),
            baseline: versions.get(&b.conference.id).copied(),
            conference: b.conference,
        })
        .collect())
}

/// The day the analysis is computed for.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}
