//! Pages for signed-in staff. Each handler names the roles it admits in its signature.

pub mod account;
pub mod admin;
pub mod billing;
pub mod conferences;
pub mod dashboard;
pub mod grants;
pub mod outreach;
pub mod placements;
pub mod site;
pub mod sponsors;
pub mod sponsorships;
pub mod stories;
pub mod timeline;

/// A timestamp as staff read it (UTC, minutes).
pub fn fmt_time(t: &chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An optional timestamp, or a dash.
pub fn fmt_opt_time(t: &Option<chrono::NaiveDateTime>) -> String {
    t.as_ref().map(fmt_time).unwrap_or_else(|| "—".into())
}
