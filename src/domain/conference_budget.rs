//! Conference budgets, as pure arithmetic: totals by category, the net result for three
//! attendance scenarios, break-even attendance, the exposure if the event were cancelled on a
//! given day, and the variance against an approved baseline.
//!
//! Every amount is an integer in minor units of the conference currency (lines in other
//! currencies are converted before they get here). Sums and products run in `i128`, and a
//! result that does not fit the amounts we store is an error, never a wrapped number.
//!
//! The model, as the README documents it, for attendance `N`:
//! - costs(N) = F + Σ max(vᵢ·N, mᵢ), where F is the sum of the fixed lines' forecasts (what
//!   is committed, or the estimate while nothing is signed; what was actually spent when that
//!   is more), vᵢ a per-attendee line's estimate and mᵢ its minimum: what is committed or
//!   spent on it (a catering contract's guaranteed minimum is owed however few come);
//! - revenue(N) = tickets(N) + R, where tickets(N) = ⌊P·N / 1000⌋ with P = Σ price × share‰
//!   (so p = P/1000 is the average ticket income per attendee; complimentary places have no
//!   ticket), and R is the committed sponsorship plus the expected donations and other lines;
//! - net(N) = revenue(N) − costs(N);
//! - break-even attendance: the fewest attendees with net(N) ≥ 0. While every per-attendee
//!   line is above its minimum that is N* = ⌈(F − R) / (p − v)⌉ with v = Σ vᵢ; a line still
//!   below its minimum counts the minimum in F and drops out of v. The costs are piecewise
//!   linear, so the answer is exact on each piece (see `break_even`). There is none when
//!   p ≤ v and revenue does not already cover the costs: more attendees never close the gap.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Currency;
use super::money::MAX_MINOR;

/// The standard categories: (stored key, label). Staff may name others.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("venue", "Venue"),
    ("catering", "Catering"),
    ("av", "A/V"),
    ("room_block", "Room block"),
    ("staff", "Staff"),
    ("financial_aid", "Financial aid"),
    ("swag", "Swag"),
    ("insurance", "Insurance"),
    ("travel", "Travel"),
    ("other", "Other"),
];

/// The label of a stored category: a standard one's label, or the name staff gave it.
pub fn category_label(key: &str) -> &str {
    CATEGORIES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or(key)
}

/// Most attendees a conference may plan for (far above any real one; keeps products small).
pub const MAX_ATTENDANCE: i64 = 1_000_000;
/// Most cost lines, ticket types and revenue lines one conference may have.
pub const MAX_LINES: usize = 500;

/// How a cost line grows with attendance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// One amount whatever the attendance (the venue hire).
    Fixed,
    /// An amount per attendee (catering, badges).
    PerAttendee,
}

impl Basis {
    pub const ALL: [Basis; 2] = [Basis::Fixed, Basis::PerAttendee];
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Fixed => "fixed",
            Basis::PerAttendee => "per_attendee",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Basis::Fixed => "Fixed",
            Basis::PerAttendee => "Per attendee",
        }
    }
}

impl std::str::FromStr for Basis {
    type Err = String;
    fn from_str(s: &str) -> Result<Basis, String> {
        Basis::ALL
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| "Choose fixed or per attendee.".to_string())
    }
}

/// What kind of revenue line (tickets and sponsorship have their own sources).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueKind {
    Donation,
    Other,
}

impl RevenueKind {
    pub const ALL: [RevenueKind; 2] = [RevenueKind::Donation, RevenueKind::Other];
    pub fn as_str(self) -> &'static str {
        match self {
            RevenueKind::Donation => "donation",
            RevenueKind::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RevenueKind::Donation => "Donation",
            RevenueKind::Other => "Other revenue",
        }
    }
}

impl std::str::FromStr for RevenueKind {
    type Err = String;
    fn from_str(s: &str) -> Result<RevenueKind, String> {
        RevenueKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| "Choose donation or other revenue.".to_string())
    }
}

/// A cost line in the conference currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostLine {
    /// The category's label.
    pub category: String,
    pub item: String,
    pub basis: Basis,
    /// Per attendee for a per-attendee line, the total otherwise.
    pub estimate: i64,
    /// Signed for, as a total (None: no contract yet).
    pub committed: Option<i64>,
    /// Spent, as a total (None: nothing yet).
    pub actual: Option<i64>,
    /// Owed if the event is cancelled…
    pub liability: Option<i64>,
    /// …from this day on (None: already).
    pub liability_from: Option<NaiveDate>,
}

impl CostLine {
    /// The estimate as a total at attendance `n`.
    fn estimate_at(&self, n: i64) -> i128 {
        match self.basis {
            Basis::Fixed => i128::from(self.estimate),
            Basis::PerAttendee => i128::from(self.estimate) * i128::from(n),
        }
    }

    /// A fixed line's forecast: the contract (or the estimate while nothing is signed), or
    /// what was spent if that is more. Spending part of a contract does not lower it.
    fn latest_fixed(&self) -> i128 {
        let planned = self.committed.unwrap_or(self.estimate);
        i128::from(planned.max(self.actual.unwrap_or(0)))
    }

    /// A per-attendee line's minimum: what is committed or already spent on it.
    fn minimum(&self) -> i128 {
        i128::from(self.committed.unwrap_or(0).max(self.actual.unwrap_or(0)))
    }

    /// The line's forecast at attendance `n` (what the scenarios count).
    fn forecast_at(&self, n: i64) -> i128 {
        match self.basis {
            Basis::Fixed => self.latest_fixed(),
            Basis::PerAttendee => self.estimate_at(n).max(self.minimum()),
        }
    }

    /// The most attendees at which a per-attendee line still costs its minimum (None: at any
    /// attendance, when its estimate is zero; Some(-1): never, when it has no minimum).
    fn minimum_until(&self) -> Option<i128> {
        let (v, m) = (i128::from(self.estimate), self.minimum());
        if m == 0 {
            Some(-1)
        } else if v == 0 {
            None
        } else {
            Some(m / v)
        }
    }

    /// The cancellation liability in force on `day`.
    pub fn liability_on(&self, day: NaiveDate) -> i64 {
        match (self.liability, self.liability_from) {
            (Some(l), None) => l,
            (Some(l), Some(from)) if from <= day => l,
            _ => 0,
        }
    }
}

/// A ticket type: its price and the share of attendees expected to buy it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub name: String,
    pub price: i64,
    /// Tenths of a percent (125 = 12.5%).
    pub share_permille: i32,
}

/// A donation or other revenue line in the conference currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revenue {
    pub kind: RevenueKind,
    pub item: String,
    /// Counted in the scenarios.
    pub expected: i64,
    /// Received so far (None: nothing yet).
    pub received: Option<i64>,
}

/// Everything the analysis reads: the live budget, or a baseline frozen as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    pub currency: String,
    pub attendance_cap: i64,
    /// Attendance for the pessimistic, likely and optimistic scenarios.
    pub scenarios: [i64; 3],
    /// The most event-cancellation insurance pays.
    pub insurance_cover: i64,
    pub costs: Vec<CostLine>,
    pub tickets: Vec<Ticket>,
    pub revenue: Vec<Revenue>,
    /// Sponsorship agreed (approved or later, not cancelled), and paid of it.
    pub sponsorship_committed: i64,
    pub sponsorship_paid: i64,
}

/// The scenario names, in the order of `Inputs::scenarios`.
pub const SCENARIOS: [&str; 3] = ["Pessimistic", "Likely", "Optimistic"];

/// A figure did not fit the amounts we store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("The budget's totals are too large to compute. Check the amounts and the attendance cap.")]
pub struct TooLarge;

fn fit(v: i128) -> Result<i64, TooLarge> {
    let limit = i128::from(MAX_MINOR) * i128::from(MAX_ATTENDANCE);
    if v.abs() > limit {
        return Err(TooLarge);
    }
    i64::try_from(v).map_err(|_| TooLarge)
}

/// Estimate, committed, actual and forecast for a category (or the whole budget).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub category: String,
    /// At the likely attendance.
    pub estimate: i64,
    pub committed: i64,
    pub actual: i64,
    /// What the likely scenario counts.
    pub forecast: i64,
}

/// One scenario's figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    pub label: &'static str,
    pub attendance: i64,
    pub tickets: i64,
    /// Sponsorship, donations and other revenue (the same in every scenario).
    pub other_revenue: i64,
    pub revenue: i64,
    pub costs: i64,
    pub net: i64,
    /// Costs divided by attendance (None with no attendees).
    pub cost_per_attendee: Option<i64>,
}

/// Where the event breaks even.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakEven {
    /// The event breaks even at any attendance up to the cap (revenue other than tickets
    /// covers the costs, and attendees up to the cap do not change that).
    Covered,
    /// At this many attendees, within the cap.
    At(i64),
    /// Only at this many attendees, more than the cap allows.
    BeyondCap(i64),
    /// Each attendee costs at least what their ticket brings in: more attendees never close
    /// the gap at current prices.
    Never,
    /// Revenue other than tickets covers the costs, but an attendee costs more than their
    /// ticket brings in: the result stays at or above zero only up to this many attendees
    /// (fewer than the cap).
    UpTo(i64),
}

/// The exposure if the event were cancelled on a day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exposure {
    /// Liabilities in force that day.
    pub in_force: i64,
    /// What insurance pays of them (at most the cover).
    pub insured: i64,
    /// What the foundation would owe itself.
    pub exposure: i64,
}

/// A day from which the exposure changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub from: NaiveDate,
    pub exposure: Exposure,
}

/// The whole analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analysis {
    pub categories: Vec<Totals>,
    pub total: Totals,
    pub scenarios: Vec<Scenario>,
    pub break_even: BreakEven,
    /// F: the fixed costs at their forecasts.
    pub fixed_costs: i64,
    /// v: the cost per attendee of the per-attendee lines.
    pub cost_per_head: i64,
    /// P/1000 rounded down: average ticket income per attendee.
    pub ticket_income_per_head: i64,
    /// Share of attendees with a paid ticket type (‰); the rest come free.
    pub ticket_share_permille: i64,
    /// R: sponsorship committed, donations and other revenue.
    pub other_revenue: i64,
    pub sponsorship_committed: i64,
    pub sponsorship_paid: i64,
    pub donations_expected: i64,
    pub revenue_received: i64,
    /// The exposure if cancelled on the day asked about, and the days it changes after that.
    pub exposure: Exposure,
    pub upcoming: Vec<Step>,
}

impl Analysis {
    /// The likely scenario.
    pub fn likely(&self) -> &Scenario {
        &self.scenarios[1]
    }
}

/// Σ price × share‰ over the ticket types (1000 × the average income per attendee).
fn ticket_income_per_thousand(i: &Inputs) -> i128 {
    i.tickets
        .iter()
        .map(|t| i128::from(t.price) * i128::from(t.share_permille))
        .sum()
}

/// Ticket income at attendance `n`, rounded down.
fn tickets_at(i: &Inputs, n: i64) -> i128 {
    ticket_income_per_thousand(i) * i128::from(n) / 1000
}

/// F: the fixed lines at their forecasts.
fn fixed_costs(i: &Inputs) -> i128 {
    i.costs
        .iter()
        .filter(|l| l.basis == Basis::Fixed)
        .map(CostLine::latest_fixed)
        .sum()
}

/// v: the per-attendee estimates, summed.
fn cost_per_head(i: &Inputs) -> i128 {
    i.costs
        .iter()
        .filter(|l| l.basis == Basis::PerAttendee)
        .map(|l| i128::from(l.estimate))
        .sum()
}

fn other_revenue(i: &Inputs) -> i128 {
    i128::from(i.sponsorship_committed)
        + i.revenue
            .iter()
            .map(|r| i128::from(r.expected))
            .sum::<i128>()
}

/// Every cost at attendance `n`.
fn costs_at(i: &Inputs, n: i64) -> i128 {
    i.costs.iter().map(|l| l.forecast_at(n)).sum()
}

/// The net result at attendance `n` (for the chart as well as the scenarios).
pub fn net_at(i: &Inputs, n: i64) -> Result<i64, TooLarge> {
    fit(tickets_at(i, n) + other_revenue(i) - costs_at(i, n))
}

/// On attendances `start..=end` (end None: no end), the costs are `fixed + per_head·N`.
struct Piece {
    start: i128,
    end: Option<i128>,
    fixed: i128,
    per_head: i128,
}

/// The pieces on which the costs are linear: a per-attendee line counts its minimum up to
/// the attendance where its estimate passes it, then its estimate per attendee.
fn pieces(i: &Inputs) -> Vec<Piece> {
    let per: Vec<&CostLine> = i
        .costs
        .iter()
        .filter(|l| l.basis == Basis::PerAttendee)
        .collect();
    let mut ends: Vec<i128> = per
        .iter()
        .filter_map(|l| l.minimum_until())
        .filter(|t| *t >= 0)
        .collect();
    ends.sort_unstable();
    ends.dedup();
    let mut out = Vec::new();
    let mut start = 0i128;
    for end in ends.into_iter().map(Some).chain([None]) {
        if end.is_some_and(|e| e < start) {
            continue;
        }
        // A line is at its minimum on the whole piece if it stays there past the piece's end.
        let at_minimum = |l: &&CostLine| match (l.minimum_until(), end) {
            (None, _) => true,
            (Some(t), Some(e)) => t >= e,
            (Some(_), None) => false,
        };
        let (minimums, linear): (Vec<&CostLine>, Vec<&CostLine>) =
            per.iter().copied().partition(at_minimum);
        out.push(Piece {
            start,
            end,
            fixed: fixed_costs(i) + minimums.iter().map(|l| l.minimum()).sum::<i128>(),
            per_head: linear.iter().map(|l| i128::from(l.estimate)).sum(),
        });
        match end {
            Some(e) => start = e + 1,
            None => break,
        }
    }
    out
}

/// On a piece, the attendances where net ≥ 0, as `(from, to)` (to None: no end). With
/// margin m = P − 1000·v and gap D = costs − R at no attendance, net(N) = ⌊m·N/1000⌋ − D
/// (v·N is whole), so net(N) ≥ 0 ⇔ m·N ≥ 1000·D.
fn solvent(i: &Inputs, p: &Piece) -> Option<(i128, Option<i128>)> {
    let gap = p.fixed - other_revenue(i);
    let margin = ticket_income_per_thousand(i) - 1000 * p.per_head;
    let (from, to) = match margin.signum() {
        1 => ((1000 * gap + margin - 1).div_euclid(margin).max(0), None),
        0 if gap <= 0 => (0, None),
        -1 if gap <= 0 => (0, Some((1000 * -gap).div_euclid(-margin))),
        _ => return None,
    };
    let from = from.max(p.start);
    let to = match (to, p.end) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    match to {
        Some(t) if t < from => None,
        _ => Some((from, to)),
    }
}

/// Break-even attendance, exactly, by the model in the module's documentation: the costs are
/// linear on each piece, so each piece is solved by the formula, and the net result is
/// concave (a line only ever adds cost per attendee), so the attendances that break even
/// form one run.
pub fn break_even(i: &Inputs) -> BreakEven {
    let cap = i128::from(i.attendance_cap);
    let runs: Vec<(i128, Option<i128>)> = pieces(i).iter().filter_map(|p| solvent(i, p)).collect();
    let Some(&(first, _)) = runs.first() else {
        return BreakEven::Never;
    };
    // The end of the run that starts at `first`.
    let mut last = runs[0].1;
    for (from, to) in &runs[1..] {
        match last {
            Some(l) if *from == l + 1 => last = *to,
            _ => break,
        }
    }
    let as_i64 = |n: i128| i64::try_from(n).unwrap_or(i64::MAX);
    match (first, last) {
        (0, Some(l)) if l < cap => BreakEven::UpTo(as_i64(l)),
        (0, _) => BreakEven::Covered,
        (f, _) if f <= cap => BreakEven::At(as_i64(f)),
        (f, _) => BreakEven::BeyondCap(as_i64(f)),
    }
}

/// The exposure if cancelled on `day`: liabilities in force less what insurance pays.
pub fn exposure_on(i: &Inputs, day: NaiveDate) -> Result<Exposure, TooLarge> {
    let in_force = fit(i
        .costs
        .iter()
        .map(|l| i128::from(l.liability_on(day)))
        .sum())?;
    let insured = in_force.min(i.insurance_cover);
    Ok(Exposure {
        in_force,
        insured,
        exposure: in_force - insured,
    })
}

/// Analyses the budget; `today` decides which cancellation liabilities are in force.
pub fn analyse(i: &Inputs, today: NaiveDate) -> Result<Analysis, TooLarge> {
    let likely = i.scenarios[1];
    // Categories in order of first appearance, standard or not.
    let mut categories: Vec<(String, [i128; 4])> = Vec::new();
    for l in &i.costs {
        let row = match categories.iter_mut().find(|(c, _)| *c == l.category) {
            Some((_, r)) => r,
            None => {
                categories.push((l.category.clone(), [0; 4]));
                &mut categories.last_mut().expect("just pushed").1
            }
        };
        row[0] += l.estimate_at(likely);
        row[1] += i128::from(l.committed.unwrap_or(0));
        row[2] += i128::from(l.actual.unwrap_or(0));
        row[3] += l.forecast_at(likely);
    }
    let totals = |name: &str, r: &[i128; 4]| -> Result<Totals, TooLarge> {
        Ok(Totals {
            category: name.to_string(),
            estimate: fit(r[0])?,
            committed: fit(r[1])?,
            actual: fit(r[2])?,
            forecast: fit(r[3])?,
        })
    };
    let mut sum = [0i128; 4];
    let mut category_totals = Vec::new();
    for (name, r) in &categories {
        for k in 0..4 {
            sum[k] += r[k];
        }
        category_totals.push(totals(name, r)?);
    }
    let total = totals("Total", &sum)?;

    let fixed = fixed_costs(i);
    let per_head = cost_per_head(i);
    let other = other_revenue(i);
    let mut scenarios = Vec::new();
    for (k, label) in SCENARIOS.into_iter().enumerate() {
        let n = i.scenarios[k];
        let tickets = tickets_at(i, n);
        let costs = costs_at(i, n);
        scenarios.push(Scenario {
            label,
            attendance: n,
            tickets: fit(tickets)?,
            other_revenue: fit(other)?,
            revenue: fit(tickets + other)?,
            costs: fit(costs)?,
            net: fit(tickets + other - costs)?,
            cost_per_attendee: if n > 0 {
                Some(fit(costs / i128::from(n))?)
            } else {
                None
            },
        });
    }

    let exposure = exposure_on(i, today)?;
    let mut days: Vec<NaiveDate> = i
        .costs
        .iter()
        .filter(|l| l.liability.is_some())
        .filter_map(|l| l.liability_from)
        .filter(|d| *d > today)
        .collect();
    days.sort_unstable();
    days.dedup();
    let mut upcoming = Vec::new();
    for d in days {
        upcoming.push(Step {
            from: d,
            exposure: exposure_on(i, d)?,
        });
    }

    Ok(Analysis {
        categories: category_totals,
        total,
        scenarios,
        break_even: break_even(i),
        fixed_costs: fit(fixed)?,
        cost_per_head: fit(per_head)?,
        ticket_income_per_head: fit(ticket_income_per_thousand(i) / 1000)?,
        ticket_share_permille: i.tickets.iter().map(|t| i64::from(t.share_permille)).sum(),
        other_revenue: fit(other)?,
        sponsorship_committed: i.sponsorship_committed,
        sponsorship_paid: i.sponsorship_paid,
        donations_expected: fit(i.revenue.iter().map(|r| i128::from(r.expected)).sum())?,
        revenue_received: fit(i
            .revenue
            .iter()
            .map(|r| i128::from(r.received.unwrap_or(0)))
            .sum())?,
        exposure,
        upcoming,
    })
}

/// One row of the comparison with the baseline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variance {
    pub label: String,
    pub baseline: i64,
    pub live: i64,
    /// live − baseline.
    pub change: i64,
    /// The change makes the result worse (a cost up, revenue or net down).
    pub worse: bool,
}

impl Variance {
    fn new(label: String, baseline: i64, live: i64, cost: bool) -> Variance {
        let change = live.saturating_sub(baseline);
        Variance {
            label,
            baseline,
            live,
            change,
            worse: if cost { change > 0 } else { change < 0 },
        }
    }
}

/// The live forecast against the baseline: each category's forecast (at the likely
/// attendance), total costs and revenue, each scenario's net result, and the exposure.
pub fn variances(baseline: &Analysis, live: &Analysis) -> Vec<Variance> {
    let mut out = Vec::new();
    let mut names: Vec<&str> = baseline
        .categories
        .iter()
        .map(|t| t.category.as_str())
        .collect();
    for t in &live.categories {
        if !names.contains(&t.category.as_str()) {
            names.push(&t.category);
        }
    }
    let forecast = |a: &Analysis, name: &str| {
        a.categories
            .iter()
            .find(|t| t.category == name)
            .map(|t| t.forecast)
            .unwrap_or(0)
    };
    for name in names {
        out.push(Variance::new(
            name.to_string(),
            forecast(baseline, name),
            forecast(live, name),
            true,
        ));
    }
    out.push(Variance::new(
        "Costs (likely)".into(),
        baseline.likely().costs,
        live.likely().costs,
        true,
    ));
    out.push(Variance::new(
        "Revenue (likely)".into(),
        baseline.likely().revenue,
        live.likely().revenue,
        false,
    ));
    for (b, l) in baseline.scenarios.iter().zip(&live.scenarios) {
        out.push(Variance::new(
            format!("Net result, {}", l.label.to_lowercase()),
            b.net,
            l.net,
            false,
        ));
    }
    out.push(Variance::new(
        "Exposure if cancelled today".into(),
        baseline.exposure.exposure,
        live.exposure.exposure,
        true,
    ));
    out
}

/// Converts an amount at `rate_micros` (units of `to` per unit of the amount's currency,
/// times 10^6), rounding half up; None when the result would exceed what we store.
pub fn convert(minor: i64, from: Currency, rate_micros: i64, to: Currency) -> Option<i64> {
    super::grants::convert(super::Money::new(minor, from), rate_micros, to).map(|m| m.minor)
}

/// Converts between two currencies through the foundation currency, given each one's
/// reference rate to it (`from_rate`, `to_rate`: foundation units per unit, times 10^6; the
/// foundation's own currency has 10^6). Rounds half up; None on overflow.
pub fn cross_convert(
    amount: super::Money,
    from_rate: i64,
    to: Currency,
    to_rate: i64,
) -> Option<i64> {
    if amount.currency == to {
        return Some(amount.minor);
    }
    if to_rate <= 0 {
        return None;
    }
    let num = i128::from(amount.minor)
        .checked_mul(i128::from(from_rate))?
        .checked_mul(10i128.pow(to.exponent()))?;
    let den = i128::from(to_rate) * 10i128.pow(amount.currency.exponent());
    let minor = (num + den / 2) / den;
    i64::try_from(minor).ok().filter(|m| *m <= MAX_MINOR)
}

/// The rate from one currency to another, given each one's rate to the foundation currency
/// (all times 10^6), rounded half up; None when `to_rate` is not positive or it overflows.
pub fn cross_rate(from_rate: i64, to_rate: i64) -> Option<i64> {
    if to_rate <= 0 {
        return None;
    }
    let r = (i128::from(from_rate) * 1_000_000 + i128::from(to_rate) / 2) / i128::from(to_rate);
    i64::try_from(r).ok().filter(|r| *r > 0)
}

/// Parses a share of attendance as people type it ("40", "12.5", "12.5%") into tenths of a
/// percent.
pub fn parse_share(input: &str) -> Result<i32, String> {
    let s = input.trim().trim_end_matches('%').trim();
    let msg = || "Enter the share as a percentage from 0 to 100, like 40 or 12.5.".to_string();
    if s.is_empty() {
        return Err(msg());
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || whole.len() > 3
        || frac.len() > 1
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(msg());
    }
    let w: i32 = whole.parse().map_err(|_| msg())?;
    let f: i32 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| msg())?
    };
    let permille = w * 10 + f;
    if permille > 1000 {
        return Err(msg());
    }
    Ok(permille)
}

/// A share in tenths of a percent for people: "40%", "12.5%".
pub fn share_label(permille: i64) -> String {
    if permille % 10 == 0 {
        format!("{}%", permille / 10)
    } else {
        format!("{}.{}%", permille / 10, permille % 10)
    }
}

/// Parses an attendance figure: a whole number from 0 to `max`.
pub fn parse_attendance(input: &str, max: i64) -> Result<i64, String> {
    match input.trim().replace([',', ' '], "").parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "Enter a whole number of attendees from 0 to {max}."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn fixed(cat: &str, estimate: i64) -> CostLine {
        CostLine {
            category: cat.into(),
            item: format!("{cat} line"),
            basis: Basis::Fixed,
            estimate,
            committed: None,
            actual: None,
            liability: None,
            liability_from: None,
        }
    }

    fn per_head(cat: &str, estimate: i64) -> CostLine {
        CostLine {
            basis: Basis::PerAttendee,
            ..fixed(cat, estimate)
        }
    }

    fn ticket(price: i64, share_permille: i32) -> Ticket {
        Ticket {
            name: "t".into(),
            price,
            share_permille,
        }
    }

    fn inputs() -> Inputs {
        Inputs {
            currency: "USD".into(),
            attendance_cap: 1500,
            scenarios: [900, 1200, 1500],
            insurance_cover: 0,
            costs: vec![],
            tickets: vec![],
            revenue: vec![],
            sponsorship_committed: 0,
            sponsorship_paid: 0,
        }
    }

    /// A conference worked by hand: venue $200,000 fixed (contract signed for $210,000),
    /// A/V $50,000 fixed (committed $50,000, $48,000 spent so far), catering $60 a head, badges $5 a head; tickets
    /// $400 for 60%, $150 for 30%, 10% free; sponsorship $150,000, a $20,000 donation.
    fn worked() -> Inputs {
        let mut venue = fixed("Venue", 20_000_000);
        venue.committed = Some(21_000_000);
        let mut av = fixed("A/V", 5_000_000);
        av.committed = Some(5_000_000);
        av.actual = Some(4_800_000);
        Inputs {
            costs: vec![
                venue,
                av,
                per_head("Catering", 6_000),
                per_head("Swag", 500),
            ],
            tickets: vec![ticket(40_000, 600), ticket(15_000, 300)],
            revenue: vec![Revenue {
                kind: RevenueKind::Donation,
                item: "Friends of the conference".into(),
                expected: 2_000_000,
                received: Some(500_000),
            }],
            sponsorship_committed: 15_000_000,
            sponsorship_paid: 10_000_000,
            ..inputs()
        }
    }

    #[test]
    fn scenarios_match_the_hand_computed_figures() {
        let a = analyse(&worked(), d(2027, 1, 1)).unwrap();
        // F = 210,000 + 50,000 = 260,000 (the A/V contract stands though $48,000 is spent);
        // v = 65; P/1000 = 400·0.6 + 150·0.3 = 285; R = 150,000 + 20,000 = 170,000.
        assert_eq!(a.fixed_costs, 26_000_000);
        assert_eq!(a.cost_per_head, 6_500);
        assert_eq!(a.ticket_income_per_head, 28_500);
        assert_eq!(a.other_revenue, 17_000_000);
        assert_eq!(a.ticket_share_permille, 900);
        // 900 attendees: tickets 256,500; costs 260,000 + 58,500 = 318,500;
        // net 256,500 + 170,000 − 318,500 = 108,000.
        let p = &a.scenarios[0];
        assert_eq!(
            (p.attendance, p.tickets, p.revenue, p.costs, p.net),
            (900, 25_650_000, 42_650_000, 31_850_000, 10_800_000)
        );
        assert_eq!(p.cost_per_attendee, Some(35_388));
        // 1,200: tickets 342,000; costs 338,000; net 174,000.
        let l = a.likely();
        assert_eq!(
            (l.tickets, l.costs, l.net),
            (34_200_000, 33_800_000, 17_400_000)
        );
        // 1,500: tickets 427,500; costs 357,500; net 240,000.
        let o = &a.scenarios[2];
        assert_eq!(
            (o.tickets, o.costs, o.net),
            (42_750_000, 35_750_000, 24_000_000)
        );
        // Break-even: ⌈(260,000 − 170,000) / (285 − 65)⌉ = ⌈409.09⌉ = 410.
        assert_eq!(a.break_even, BreakEven::At(410));
        assert_eq!(net_at(&worked(), 410).unwrap(), 20_000);
        assert_eq!(net_at(&worked(), 409).unwrap(), -2_000);
        // Totals at the likely attendance: estimate 200,000 + 50,000 + 72,000 + 6,000.
        assert_eq!(a.total.estimate, 32_800_000);
        assert_eq!(a.total.committed, 26_000_000);
        assert_eq!(a.total.actual, 4_800_000);
        assert_eq!(a.total.forecast, 33_800_000);
        assert_eq!(a.categories.len(), 4);
        assert_eq!(a.categories[0].category, "Venue");
        assert_eq!(a.categories[0].forecast, 21_000_000);
        assert_eq!(a.revenue_received, 500_000);
    }

    #[test]
    fn break_even_rounds_up_to_a_whole_attendee() {
        let mut i = inputs();
        i.costs = vec![fixed("Venue", 100_001)];
        i.tickets = vec![ticket(1_000, 1000)];
        // 100,001 / 1,000 = 100.001 attendees: 101 are needed.
        assert_eq!(break_even(&i), BreakEven::At(101));
        assert!(net_at(&i, 100).unwrap() < 0);
        assert!(net_at(&i, 101).unwrap() >= 0);
    }

    #[test]
    fn break_even_edge_cases() {
        // Ticket price equal to the cost per attendee: never, however many come.
        let mut i = inputs();
        i.costs = vec![fixed("Venue", 1_000_000), per_head("Catering", 5_000)];
        i.tickets = vec![ticket(5_000, 1000)];
        assert_eq!(break_even(&i), BreakEven::Never);
        // Below the cost: never.
        i.tickets = vec![ticket(4_999, 1000)];
        assert_eq!(break_even(&i), BreakEven::Never);
        // No tickets at all and uncovered costs: never.
        i.tickets.clear();
        assert_eq!(break_even(&i), BreakEven::Never);
        // Sponsorship covers everything fixed and there is no per-head cost: covered at 0.
        let mut i = inputs();
        i.costs = vec![fixed("Venue", 1_000_000)];
        i.sponsorship_committed = 1_000_000;
        assert_eq!(break_even(&i), BreakEven::Covered);
        // Zero fixed costs, a positive margin: covered from the first attendee (0).
        let mut i = inputs();
        i.costs = vec![per_head("Catering", 1_000)];
        i.tickets = vec![ticket(2_000, 1000)];
        assert_eq!(break_even(&i), BreakEven::Covered);
        // Zero fixed costs but each attendee loses money: only with nobody there.
        i.tickets = vec![ticket(500, 1000)];
        assert_eq!(break_even(&i), BreakEven::UpTo(0));
        assert!(net_at(&i, 1).unwrap() < 0);
        // Sponsorship leaves $1,000 spare and each attendee loses $5: up to 200 attendees.
        i.sponsorship_committed = 100_000;
        assert_eq!(break_even(&i), BreakEven::UpTo(200));
        assert_eq!(net_at(&i, 200).unwrap(), 0);
        assert!(net_at(&i, 201).unwrap() < 0);
        // Nothing at all: covered (0 = 0).
        assert_eq!(break_even(&inputs()), BreakEven::Covered);
        // Needs more people than the cap allows.
        let mut i = inputs();
        i.costs = vec![fixed("Venue", 10_000_000)];
        i.tickets = vec![ticket(1_000, 1000)];
        assert_eq!(break_even(&i), BreakEven::BeyondCap(10_000));
        // Exactly at the cap is still within it.
        i.costs = vec![fixed("Venue", 1_500_000)];
        assert_eq!(break_even(&i), BreakEven::At(1500));
        // Half the attendees come free: each paying ticket has to carry two people.
        let mut i = inputs();
        i.costs = vec![fixed("Venue", 1_000_000)];
        i.tickets = vec![ticket(10_000, 500)];
        assert_eq!(break_even(&i), BreakEven::At(200));
    }

    #[test]
    fn a_per_attendee_contract_minimum_is_owed_however_few_come() {
        // Venue $10,000; catering $50 a head with $15,000 signed (the minimum up to 300).
        let mut catering = per_head("Catering", 5_000);
        catering.committed = Some(1_500_000);
        let mut i = inputs();
        i.costs = vec![fixed("Venue", 1_000_000), catering];
        i.tickets = vec![ticket(10_000, 1000)];
        // At 100 attendees catering still costs $15,000, not $5,000.
        assert_eq!(net_at(&i, 100).unwrap(), 1_000_000 - 2_500_000);
        // $100 tickets: 100·N ≥ 25,000 below 300 attendees, so 250 break even (not 200).
        assert_eq!(break_even(&i), BreakEven::At(250));
        assert!(net_at(&i, 249).unwrap() < 0);
        assert_eq!(net_at(&i, 250).unwrap(), 0);
        // $60 tickets: not below 300 (that needs 417); above it 10·N ≥ 10,000: 1,000.
        i.tickets = vec![ticket(6_000, 1000)];
        assert_eq!(break_even(&i), BreakEven::At(1000));
        assert_eq!(net_at(&i, 1000).unwrap(), 0);
        assert!(net_at(&i, 999).unwrap() < 0);
        // The pessimistic scenario counts the minimum.
        i.scenarios = [100, 1200, 1500];
        let a = analyse(&i, d(2027, 1, 1)).unwrap();
        assert_eq!(a.scenarios[0].costs, 2_500_000);
        assert_eq!(a.categories[1].forecast, 6_000_000);
        // Spent more than the estimate on a per-attendee line: the spending is the minimum.
        let mut swag = per_head("Swag", 100);
        swag.actual = Some(500_000);
        i.costs.push(swag);
        assert_eq!(net_at(&i, 0).unwrap(), -(1_000_000 + 1_500_000 + 500_000));
        // Sponsorship of $30,000 and $40 tickets: covered below 300; above it the event
        // loses $10 an attendee from $20,000 spare: up to 2,000 attendees.
        let mut catering = per_head("Catering", 5_000);
        catering.committed = Some(1_500_000);
        let mut i = inputs();
        i.costs = vec![fixed("Venue", 1_000_000), catering];
        i.tickets = vec![ticket(4_000, 1000)];
        i.sponsorship_committed = 3_000_000;
        i.attendance_cap = 3000;
        assert_eq!(break_even(&i), BreakEven::UpTo(2000));
        assert_eq!(net_at(&i, 2000).unwrap(), 0);
        assert!(net_at(&i, 2001).unwrap() < 0);
        // The same with a cap of 2,000: covered at any attendance the venue allows.
        i.attendance_cap = 2000;
        assert_eq!(break_even(&i), BreakEven::Covered);
        // A per-attendee line of $0 with a minimum is a fixed cost at any attendance.
        let mut flat = per_head("Staff", 0);
        flat.committed = Some(100_000);
        let mut i = inputs();
        i.costs = vec![flat];
        i.tickets = vec![ticket(1_000, 1000)];
        assert_eq!(break_even(&i), BreakEven::At(100));
    }

    /// A small deterministic generator, so the cross-check covers many budgets.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: u64) -> i64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n) as i64
        }
    }

    #[test]
    fn break_even_agrees_with_trying_every_attendance() {
        let mut rng = Lcg(7);
        for case in 0..400 {
            let mut i = inputs();
            i.attendance_cap = 1 + rng.next(400);
            i.scenarios = [0, 0, i.attendance_cap];
            for _ in 0..rng.next(4) {
                i.costs.push(fixed("Venue", rng.next(50_000)));
            }
            for _ in 0..rng.next(4) {
                let mut l = per_head("Catering", rng.next(300));
                if rng.next(2) == 0 {
                    l.committed = Some(rng.next(60_000));
                }
                if rng.next(3) == 0 {
                    l.actual = Some(rng.next(30_000));
                }
                i.costs.push(l);
            }
            for _ in 0..rng.next(3) {
                i.tickets.push(ticket(rng.next(500), rng.next(400) as i32));
            }
            i.sponsorship_committed = rng.next(3) * rng.next(40_000);
            let limit = 5_000;
            let ok: Vec<i64> = (0..=limit)
                .filter(|n| net_at(&i, *n).unwrap() >= 0)
                .collect();
            let expected = match (ok.first(), ok.last()) {
                // Nothing within reach: never, or only past the brute force's limit.
                (None, _) if matches!(break_even(&i), BreakEven::BeyondCap(n) if n > limit) => {
                    assert!(net_at(&i, limit * 100).unwrap() >= 0, "case {case}");
                    continue;
                }
                (None, _) => BreakEven::Never,
                // Every attendance that breaks even is one run (the net result is concave).
                (Some(0), Some(&l)) if l < i.attendance_cap => BreakEven::UpTo(l),
                (Some(0), _) => BreakEven::Covered,
                (Some(&f), _) if f <= i.attendance_cap => BreakEven::At(f),
                (Some(&f), _) if f < limit => BreakEven::BeyondCap(f),
                // Beyond the brute force's reach: compare only that it is past the cap.
                (Some(_), _) => {
                    assert!(matches!(break_even(&i), BreakEven::BeyondCap(n) if n >= limit));
                    continue;
                }
            };
            if let (Some(&f), Some(&l)) = (ok.first(), ok.last()) {
                assert_eq!(ok.len() as i64, l - f + 1, "case {case}: one run");
            }
            assert_eq!(break_even(&i), expected, "case {case}: {i:?}");
        }
    }

    #[test]
    fn no_attendance_gives_no_cost_per_attendee() {
        let mut i = worked();
        i.scenarios = [0, 0, 0];
        let a = analyse(&i, d(2027, 1, 1)).unwrap();
        for s in &a.scenarios {
            assert_eq!(s.cost_per_attendee, None);
            assert_eq!(s.tickets, 0);
            assert_eq!(s.net, 17_000_000 - 26_000_000);
        }
        assert_eq!(a.total.estimate, 25_000_000);
    }

    #[test]
    fn liabilities_apply_from_their_date() {
        let mut venue = fixed("Venue", 20_000_000);
        venue.liability = Some(5_000_000);
        venue.liability_from = Some(d(2027, 3, 1));
        let mut catering = per_head("Catering", 6_000);
        catering.liability = Some(2_000_000);
        catering.liability_from = Some(d(2027, 5, 1));
        let mut deposit = fixed("A/V", 1_000_000);
        deposit.liability = Some(300_000);
        let mut none = fixed("Swag", 100);
        none.liability_from = Some(d(2027, 1, 1));
        let i = Inputs {
            costs: vec![venue, catering, deposit, none],
            insurance_cover: 1_000_000,
            ..inputs()
        };
        // The day before: only the line without a date.
        let before = exposure_on(&i, d(2027, 2, 28)).unwrap();
        assert_eq!(before.in_force, 300_000);
        assert_eq!(before.insured, 300_000);
        assert_eq!(before.exposure, 0);
        // On the day itself the venue's liability is in force.
        let on = exposure_on(&i, d(2027, 3, 1)).unwrap();
        assert_eq!(on.in_force, 5_300_000);
        assert_eq!(on.exposure, 4_300_000);
        let after = exposure_on(&i, d(2027, 6, 1)).unwrap();
        assert_eq!(after.in_force, 7_300_000);
        assert_eq!(after.exposure, 6_300_000);
        // The analysis lists the days it changes after today, in order.
        let a = analyse(&i, d(2027, 2, 1)).unwrap();
        assert_eq!(a.exposure.exposure, 0);
        let days: Vec<_> = a.upcoming.iter().map(|s| s.from).collect();
        assert_eq!(days, vec![d(2027, 3, 1), d(2027, 5, 1)]);
        assert_eq!(a.upcoming[1].exposure.exposure, 6_300_000);
        let a = analyse(&i, d(2027, 5, 1)).unwrap();
        assert!(a.upcoming.is_empty());
    }

    #[test]
    fn huge_figures_are_an_error_not_a_wrapped_number() {
        let mut i = inputs();
        i.attendance_cap = MAX_ATTENDANCE;
        i.scenarios = [MAX_ATTENDANCE; 3];
        i.costs = (0..MAX_LINES)
            .map(|_| per_head("Catering", MAX_MINOR))
            .collect();
        assert_eq!(analyse(&i, d(2027, 1, 1)), Err(TooLarge));
        assert_eq!(net_at(&i, MAX_ATTENDANCE), Err(TooLarge));
        // The largest single line at the largest attendance still computes.
        i.costs = vec![per_head("Catering", MAX_MINOR / MAX_ATTENDANCE)];
        let a = analyse(&i, d(2027, 1, 1)).unwrap();
        assert_eq!(a.likely().costs, MAX_MINOR);
        // Liabilities that overflow when summed.
        let mut l = fixed("Venue", 0);
        l.liability = Some(i64::MAX);
        let i = Inputs {
            costs: vec![l.clone(), l],
            ..inputs()
        };
        assert_eq!(exposure_on(&i, d(2027, 1, 1)), Err(TooLarge));
    }

    #[test]
    fn variance_against_the_baseline() {
        let today = d(2027, 1, 1);
        let baseline = analyse(&worked(), today).unwrap();
        let mut live = worked();
        live.costs[0].actual = Some(22_000_000);
        live.costs.push(fixed("Childcare", 300_000));
        live.sponsorship_committed += 1_000_000;
        let live = analyse(&live, today).unwrap();
        let v = variances(&baseline, &live);
        let venue = v.iter().find(|r| r.label == "Venue").unwrap();
        assert_eq!(
            (venue.baseline, venue.live, venue.change),
            (21_000_000, 22_000_000, 1_000_000)
        );
        assert!(venue.worse);
        let child = v.iter().find(|r| r.label == "Childcare").unwrap();
        assert_eq!((child.baseline, child.change), (0, 300_000));
        let revenue = v.iter().find(|r| r.label == "Revenue (likely)").unwrap();
        assert_eq!(revenue.change, 1_000_000);
        assert!(!revenue.worse);
        let net = v.iter().find(|r| r.label == "Net result, likely").unwrap();
        assert_eq!(net.change, 1_000_000 - 1_000_000 - 300_000);
        assert!(net.worse);
        // The same budget has no variance.
        assert!(
            variances(&baseline, &baseline)
                .iter()
                .all(|r| r.change == 0)
        );
    }

    #[test]
    fn a_snapshot_reads_back_as_it_was_written() {
        let json = serde_json::to_string(&worked()).unwrap();
        let back: Inputs = serde_json::from_str(&json).unwrap();
        assert_eq!(back, worked());
    }

    #[test]
    fn shares_and_attendance_as_typed() {
        assert_eq!(parse_share("40"), Ok(400));
        assert_eq!(parse_share("12.5"), Ok(125));
        assert_eq!(parse_share(" 12.5 % "), Ok(125));
        assert_eq!(parse_share("100"), Ok(1000));
        assert_eq!(parse_share("0"), Ok(0));
        // "5." is 5%, as a person who typed the point meant.
        assert_eq!(parse_share("5."), Ok(50));
        for bad in ["", "-5", "100.1", "12.55", "abc", "1e2", "1000", ".5"] {
            assert!(parse_share(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(share_label(125), "12.5%");
        assert_eq!(share_label(400), "40%");
        assert_eq!(parse_attendance("1,500", 2000), Ok(1500));
        assert!(parse_attendance("-1", 2000).is_err());
        assert!(parse_attendance("2001", 2000).is_err());
        assert!(parse_attendance("1.5", 2000).is_err());
        assert!(parse_attendance("99999999999999999999", 2000).is_err());
    }

    #[test]
    fn conversions_round_half_up_and_refuse_overflow() {
        let usd = Currency::parse("USD").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        // €100.00 at 1.08 is $108.00.
        assert_eq!(convert(10_000, eur, 1_080_000, usd), Some(10_800));
        // The conference's own currency is unchanged.
        assert_eq!(convert(12_345, usd, 1_000_000, usd), Some(12_345));
        // ¥1,000 at 0.0067 is $6.70.
        assert_eq!(convert(1_000, jpy, 6_700, usd), Some(670));
        assert_eq!(convert(MAX_MINOR, eur, 2_000_000, usd), None);
        // Through the foundation currency: €100 (1.08) in GBP (1.27) is £85.04.
        let gbp = Currency::parse("GBP").unwrap();
        assert_eq!(
            cross_convert(
                super::super::Money::new(10_000, eur),
                1_080_000,
                gbp,
                1_270_000
            ),
            Some(8_504)
        );
        // Foundation currency to another: $127 is £100.
        assert_eq!(
            cross_convert(
                super::super::Money::new(12_700, usd),
                1_000_000,
                gbp,
                1_270_000
            ),
            Some(10_000)
        );
        assert_eq!(
            cross_convert(super::super::Money::new(MAX_MINOR, usd), 1_000_000, jpy, 1),
            None
        );
    }

    #[test]
    fn cross_rates_go_through_the_foundation_currency() {
        // EUR 1.08 and GBP 1.27 in dollars: 1 EUR = 0.850394 GBP.
        assert_eq!(cross_rate(1_080_000, 1_270_000), Some(850_394));
        assert_eq!(cross_rate(1_080_000, 1_000_000), Some(1_080_000));
        assert_eq!(cross_rate(1, 0), None);
        assert_eq!(cross_rate(1, 1_000_000_000_000), None);
    }

    #[test]
    fn categories_have_labels_and_custom_names_stay() {
        assert_eq!(category_label("av"), "A/V");
        assert_eq!(category_label("room_block"), "Room block");
        assert_eq!(category_label("Childcare"), "Childcare");
        assert_eq!("per_attendee".parse::<Basis>(), Ok(Basis::PerAttendee));
        assert!("weekly".parse::<Basis>().is_err());
        assert!("grant".parse::<RevenueKind>().is_err());
    }
}
