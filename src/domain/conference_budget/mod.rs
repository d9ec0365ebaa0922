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

mod analysis;

pub use analysis::{
    Analysis, BreakEven, Exposure, Scenario, Step, TooLarge, Totals, Variance, analyse, break_even,
    exposure_on, net_at, variances,
};

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
mod tests;
