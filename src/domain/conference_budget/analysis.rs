//! The arithmetic of a conference budget: totals by category, the net result at any
//! attendance, break-even, the exposure if cancelled on a day, the three scenarios, and the
//! variance against an approved baseline.

use chrono::NaiveDate;

use super::{Basis, CostLine, Inputs, MAX_ATTENDANCE, SCENARIOS};
use crate::domain::money::MAX_MINOR;

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
