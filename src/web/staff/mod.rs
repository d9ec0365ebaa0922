//! Pages for signed-in staff. Each handler names the roles it admits in its signature.

pub mod account;
pub mod agreements;
pub mod applications;
pub mod audit;
pub mod billing_settings;
pub mod conference_charts;
pub mod conference_lines;
pub mod conferences;
pub mod descriptions;
pub mod grant_budget;
pub mod grant_payments;
pub mod grant_programmes;
pub mod grant_review;
pub mod grant_settings;
pub mod home;
pub mod invoices;
pub mod logos;
pub mod outbox;
pub mod payments_queue;
pub mod placements;
pub mod renewals;
pub mod revenue_chart;
pub mod sponsors;
pub mod sponsorships;
pub mod stories;
pub mod tiers;
pub mod users;

/// A timestamp as staff read it (UTC, minutes).
pub fn fmt_time(t: &chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An optional timestamp, or a dash.
pub fn fmt_opt_time(t: &Option<chrono::NaiveDateTime>) -> String {
    t.as_ref().map(fmt_time).unwrap_or_else(|| "—".into())
}
