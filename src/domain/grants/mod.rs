//! Grants: the application lifecycle and its one table of allowed moves, programme kinds and
//! rules, reviewers' votes, the quorum that grows with the amount, and exchange rates.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use super::money::{Currency, MAX_MINOR, Money};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Submitted,
    UnderReview,
    InfoRequested,
    Approved,
    Declined,
    Withdrawn,
    Paid,
    ReportDue,
    ReportReceived,
    Closed,
}

use Status::*;

/// Every allowed move. Anything not here is refused with `IllegalMove`.
pub const TRANSITIONS: &[(Status, Status)] = &[
    (Submitted, UnderReview),
    (Submitted, Withdrawn),
    (UnderReview, InfoRequested),
    (UnderReview, Approved),
    (UnderReview, Declined),
    (UnderReview, Withdrawn),
    // The applicant answered (or staff take the question back).
    (InfoRequested, UnderReview),
    (InfoRequested, Declined),
    (InfoRequested, Withdrawn),
    // Awarded but not yet paid: the applicant may still step back (event cancelled).
    (Approved, Withdrawn),
    (Approved, Paid),
    // The event is over: the worker asks for the report.
    (Paid, ReportDue),
    // A report filed before the worker asked for it.
    (Paid, ReportReceived),
    (ReportDue, ReportReceived),
    (ReportReceived, Closed),
];

/// A move the table does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("A grant application that is {} cannot become {}.", from.label().to_lowercase(), to.label().to_lowercase())]
pub struct IllegalMove {
    pub from: Status,
    pub to: Status,
}

/// Checks one move against the table.
pub fn transition(from: Status, to: Status) -> Result<Status, IllegalMove> {
    if TRANSITIONS.contains(&(from, to)) {
        Ok(to)
    } else {
        Err(IllegalMove { from, to })
    }
}

impl Status {
    pub const ALL: [Status; 10] = [
        Submitted,
        UnderReview,
        InfoRequested,
        Approved,
        Declined,
        Withdrawn,
        Paid,
        ReportDue,
        ReportReceived,
        Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Submitted => "submitted",
            UnderReview => "under_review",
            InfoRequested => "info_requested",
            Approved => "approved",
            Declined => "declined",
            Withdrawn => "withdrawn",
            Paid => "paid",
            ReportDue => "report_due",
            ReportReceived => "report_received",
            Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Submitted => "Submitted",
            UnderReview => "Under review",
            InfoRequested => "Information requested",
            Approved => "Approved",
            Declined => "Declined",
            Withdrawn => "Withdrawn",
            Paid => "Paid",
            ReportDue => "Report due",
            ReportReceived => "Report received",
            Closed => "Closed",
        }
    }

    /// The badge colour for lists.
    pub fn badge(self) -> &'static str {
        match self {
            Approved | Paid | ReportReceived | Closed => "success",
            Submitted | UnderReview | InfoRequested | ReportDue => "warning",
            Declined => "danger",
            Withdrawn => "neutral",
        }
    }

    /// Where this status may go next.
    pub fn next(self) -> Vec<Status> {
        TRANSITIONS
            .iter()
            .filter(|(f, _)| *f == self)
            .map(|(_, t)| *t)
            .collect()
    }

    /// Still being reviewed: reviewers may vote, the applicant may be asked questions.
    pub fn in_review(self) -> bool {
        matches!(self, Submitted | UnderReview | InfoRequested)
    }

    /// Awarded: counts against the programme's budget.
    pub fn awarded(self) -> bool {
        matches!(self, Approved | Paid | ReportDue | ReportReceived | Closed)
    }

    /// The applicant may still withdraw.
    pub fn can_withdraw(self) -> bool {
        transition(self, Withdrawn).is_ok()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown grant status {s:?}"))
    }
}

/// What a programme funds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Event,
    Sprint,
    Workshop,
    Development,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Event, Kind::Sprint, Kind::Workshop, Kind::Development];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Event => "event",
            Kind::Sprint => "sprint",
            Kind::Workshop => "workshop",
            Kind::Development => "development",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Event => "Conference or event",
            Kind::Sprint => "Sprint",
            Kind::Workshop => "Workshop or outreach",
            Kind::Development => "Development work",
        }
    }

    /// People attend it, so an expected attendance is required.
    pub fn has_attendance(self) -> bool {
        !matches!(self, Kind::Development)
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| "Choose what the programme funds.".to_string())
    }
}

/// A reviewer's vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Vote {
    Approve,
    Decline,
    Abstain,
}

impl Vote {
    pub const ALL: [Vote; 3] = [Vote::Approve, Vote::Decline, Vote::Abstain];

    pub fn as_str(self) -> &'static str {
        match self {
            Vote::Approve => "approve",
            Vote::Decline => "decline",
            Vote::Abstain => "abstain",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Vote::Approve => "Approve",
            Vote::Decline => "Decline",
            Vote::Abstain => "Abstain",
        }
    }
}

impl FromStr for Vote {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vote::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| "Choose approve, decline or abstain.".to_string())
    }
}

/// How a grant was paid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    BankTransfer,
    Paypal,
    Cheque,
    Card,
    Other,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::BankTransfer,
        Method::Paypal,
        Method::Cheque,
        Method::Card,
        Method::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::BankTransfer => "bank_transfer",
            Method::Paypal => "paypal",
            Method::Cheque => "cheque",
            Method::Card => "card",
            Method::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::BankTransfer => "Bank transfer",
            Method::Paypal => "PayPal",
            Method::Cheque => "Cheque",
            Method::Card => "Card",
            Method::Other => "Other",
        }
    }
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| "Choose how the grant was paid.".to_string())
    }
}

/// The approvals needed for an amount (foundation currency, minor units): the threshold rows
/// are `(from amount, approvals)`; the highest row at or below the amount applies, and at
/// least one approval is always needed.
pub fn approvals_needed(thresholds: &[(i64, i32)], amount_base_minor: i64) -> i32 {
    thresholds
        .iter()
        .filter(|(from, _)| *from <= amount_base_minor)
        .max_by_key(|(from, _)| *from)
        .map(|(_, n)| (*n).max(1))
        .unwrap_or(1)
}

/// One million: exchange rates are stored as integers times this.
pub const RATE_SCALE: i64 = 1_000_000;

/// Parses an exchange rate as people type it ("0.92", "1", "156.3"): foundation currency
/// units per one unit of the other currency, up to six decimals, more than zero.
pub fn parse_rate(input: &str) -> Result<i64, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Enter the exchange rate, like 0.92.".into());
    }
    if s.starts_with('-') {
        return Err("The exchange rate must be more than zero.".into());
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(
            "Enter the exchange rate in figures with a point for decimals, like 0.92.".into(),
        );
    }
    if frac.len() > 6 {
        return Err("Use at most 6 digits after the decimal point in the exchange rate.".into());
    }
    if whole.len() > 7 {
        return Err("That exchange rate is too large (at most 1,000,000).".into());
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| "Enter the exchange rate in figures.".to_string())?
    };
    let mut f = frac.to_string();
    while f.len() < 6 {
        f.push('0');
    }
    let f: i64 = f
        .parse()
        .map_err(|_| "Enter the exchange rate in figures.".to_string())?;
    let micros = w * RATE_SCALE + f;
    if micros == 0 {
        return Err("The exchange rate must be more than zero.".into());
    }
    if micros > 1_000_000 * RATE_SCALE {
        return Err("That exchange rate is too large (at most 1,000,000).".into());
    }
    Ok(micros)
}

/// An event's dates for people: "3 March 2027", or "3 March 2027 – 5 March 2027".
pub fn event_dates(starts_on: NaiveDate, ends_on: NaiveDate) -> String {
    if starts_on == ends_on {
        starts_on.format("%-d %B %Y").to_string()
    } else {
        format!(
            "{} – {}",
            starts_on.format("%-d %B %Y"),
            ends_on.format("%-d %B %Y")
        )
    }
}

/// A stored rate for people: "0.92", "1", "156.3".
pub fn rate_label(micros: i64) -> String {
    let whole = micros / RATE_SCALE;
    let frac = micros % RATE_SCALE;
    if frac == 0 {
        return whole.to_string();
    }
    let f = format!("{frac:06}");
    format!("{whole}.{}", f.trim_end_matches('0'))
}

/// Converts an amount to the foundation currency at `rate_micros` (foundation units per unit),
/// rounding half up; None when the result would exceed the largest amount we store.
pub fn convert(amount: Money, rate_micros: i64, to: Currency) -> Option<Money> {
    if amount.currency == to {
        return Some(amount);
    }
    let num = i128::from(amount.minor)
        .checked_mul(i128::from(rate_micros))?
        .checked_mul(10i128.pow(to.exponent()))?;
    let den = 10i128.pow(amount.currency.exponent()) * i128::from(RATE_SCALE);
    let minor = (num + den / 2) / den;
    let minor = i64::try_from(minor).ok()?;
    (minor <= MAX_MINOR).then(|| Money::new(minor, to))
}

/// The policy quoted to an applicant whose event has no code of conduct.
pub const COC_POLICY: &str = "The foundation funds events only when they publish a code of conduct that says what behaviour is expected, how to report a problem, and how reports are handled.";

/// A programme's rules, as data.
#[derive(Clone, Debug)]
pub struct Rules {
    pub kind: Kind,
    pub requires_coc: bool,
    pub min_lead_days: i32,
    /// In the foundation currency.
    pub max_amount: Option<Money>,
    /// Guideline per attendee, in the foundation currency (advice to reviewers, not a limit).
    pub per_attendee: Option<Money>,
}

/// What the rules are checked against. A field that did not parse is None: its own message
/// is already on the form, and the rules that need it are skipped, so that every other rule
/// is still checked in the same answer.
#[derive(Clone, Debug, Default)]
pub struct RuleInput {
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub attendance: Option<i32>,
    pub coc_url: Option<String>,
    pub requested: Option<Money>,
    /// The request in the foundation currency (at the reference rate).
    pub requested_base: Option<Money>,
    pub total_budget: Option<Money>,
}

/// Checks an application against its programme's rules on `today`; every failure is
/// `(field, sentence)` for the form.
pub fn check_rules(rules: &Rules, a: &RuleInput, today: NaiveDate) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if let (Some(starts_on), Some(ends_on)) = (a.starts_on, a.ends_on)
        && ends_on < starts_on
    {
        errors.push((
            "ends_on",
            "The event cannot end before it starts.".to_string(),
        ));
    }
    let earliest = today + chrono::Duration::days(i64::from(rules.min_lead_days));
    if let Some(starts_on) = a.starts_on {
        if starts_on < today {
            errors.push((
                "starts_on",
                "That date has passed: grants are for events still to come.".to_string(),
            ));
        } else if starts_on > today + chrono::Duration::days(3 * 366) {
            errors.push((
                "starts_on",
                "That is more than three years away: apply when the event is at most three years ahead (check the year).".to_string(),
            ));
        } else if starts_on < earliest {
            errors.push((
                "starts_on",
                format!(
                    "This programme needs applications at least {} days before the event starts, so reviewers have time. The earliest start date we can accept today is {}.",
                    rules.min_lead_days,
                    earliest.format("%-d %B %Y")
                ),
            ));
        }
    }
    if rules.requires_coc && a.coc_url.as_deref().is_some_and(|u| u.trim().is_empty()) {
        errors.push((
            "coc_url",
            format!("This programme requires a published code of conduct. Our policy: “{COC_POLICY}” Give the address where yours is published."),
        ));
    }
    if rules.kind.has_attendance() && a.attendance.is_some_and(|n| n < 1) {
        errors.push((
            "attendance",
            "Enter how many people you expect, as a whole number of at least 1.".to_string(),
        ));
    }
    if let (Some(max), Some(requested), Some(requested_base)) =
        (rules.max_amount, a.requested, a.requested_base)
        && requested_base.minor > max.minor
    {
        let about = if requested.currency == requested_base.currency {
            String::new()
        } else {
            format!(" (about {requested_base} at our reference rate)")
        };
        errors.push((
            "requested",
            format!(
                "This programme grants at most {max}. You asked for {requested}{about}; ask for less, or describe a smaller part of the event for us to fund."
            ),
        ));
    }
    if let (Some(requested), Some(total)) = (a.requested, a.total_budget)
        && total.minor > 0
        && requested.minor > total.minor
    {
        errors.push((
            "requested",
            format!(
                "The amount requested ({requested}) is more than the event's total budget ({total})."
            ),
        ));
    }
    errors
}

/// The per-attendee figure of a request (foundation currency), for the guideline shown to
/// reviewers; None without attendance.
pub fn per_attendee(requested_base: Money, attendance: i32) -> Option<Money> {
    (attendance > 0).then(|| {
        Money::new(
            requested_base.minor / i64::from(attendance),
            requested_base.currency,
        )
    })
}

/// Folds an organisation's name for matching earlier applications of the same group:
/// lower case, letters and digits only, common legal-form words dropped.
pub fn group_key(organisation: &str) -> String {
    const DROP: &[&str] = &[
        "inc",
        "ltd",
        "llc",
        "gmbh",
        "ev",
        "the",
        "association",
        "assoc",
    ];
    organisation
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !DROP.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
