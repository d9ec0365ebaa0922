//! One file per table: the row, its insert and update structs, and its queries.

pub mod agreements;
pub mod app_settings;
pub mod audit;
pub mod auth_tokens;
pub mod conference_baselines;
pub mod conference_lines;
pub mod conferences;
pub mod grant_applications;
pub mod grant_disbursements;
pub mod grant_programmes;
pub mod grant_register;
pub mod grant_report_reminders;
pub mod grant_reviews;
pub mod invoices;
pub mod jobs;
pub mod login_failures;
pub mod outbox;
pub mod placement_slots;
pub mod portal_tokens;
pub mod portal_views;
pub mod programmes;
pub mod renewal_reminders;
pub mod sessions;
pub mod sponsors;
pub mod sponsorships;
pub mod stories;
pub mod tiers;
pub mod users;

/// The current time, UTC, as stored in every timestamp column.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
