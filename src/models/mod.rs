//! One file per table: the row, its insert and update structs, and its queries.

pub mod agreements;
pub mod app_settings;
pub mod assets;
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
pub mod prospects;
pub mod renewal_reminders;
pub mod sessions;
pub mod sponsors;
pub mod sponsorships;
pub mod stories;
pub mod tiers;
pub mod timeline;
pub mod usage;
pub mod users;

/// The current time, UTC, as stored in every timestamp column.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Runs `load` on `ids` a thousand at a time (well inside what one statement may bind on
/// either database) and joins the rows: the children of many parents without a query each.
pub fn in_chunks<T>(
    ids: &[i64],
    mut load: impl FnMut(&[i64]) -> diesel::QueryResult<Vec<T>>,
) -> diesel::QueryResult<Vec<T>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(1000) {
        out.extend(load(chunk)?);
    }
    Ok(out)
}

/// Rows grouped by the parent they belong to (the children of one page of parents, read
/// with one `IN (…)` query), each group in the order read.
pub fn by_parent<T>(
    rows: Vec<T>,
    parent: impl Fn(&T) -> i64,
) -> std::collections::HashMap<i64, Vec<T>> {
    let mut out: std::collections::HashMap<i64, Vec<T>> = Default::default();
    for r in rows {
        out.entry(parent(&r)).or_default().push(r);
    }
    out
}
