//! Renewals for sponsorship staff: terms ending soon with their reminders and renewal
//! applications, and the renewal rate by year.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::text;
use crate::error::AppResult;
use crate::services::renewals::{self, EndingCounts, RateRow, Upcoming};
use crate::web::extract::{SponsorshipsStaff, Staff};
use crate::web::layout::Layout;
use crate::web::pager::Pager;
use crate::web::render;

/// How far ahead the page looks.
const WINDOW_DAYS: i64 = 90;

/// Terms listed on a page.
const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "staff/sponsorships/renewals/list.html")]
struct RenewalsPage {
    layout: Layout,
    upcoming: Vec<Upcoming>,
    counts: EndingCounts,
    pager: Pager,
    rates: Vec<RateRow>,
    window: i64,
}

impl RenewalsPage {
    /// "201 terms end in the next 90 days (12 within 30 days); 1 renewal asked for."
    fn summary(&self) -> String {
        let EndingCounts {
            total: n,
            within_30: soon,
            renewing,
        } = self.counts;
        format!(
            "{} term{} end{} in the next {} days ({} within 30 days); {} renewal{} asked for.",
            text::thousands(n),
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
            self.window,
            text::thousands(soon),
            text::thousands(renewing),
            if renewing == 1 { "" } else { "s" },
        )
    }
    fn reminders(&self, u: &Upcoming) -> String {
        if u.reminders.is_empty() {
            "none sent yet".into()
        } else {
            // The latest reminder (the smallest threshold recorded). Larger thresholds first
            // reached late are recorded as passed without an email, so listing them all would
            // claim emails that were never sent.
            format!("{}-day sent", u.reminders[u.reminders.len() - 1])
        }
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<String>,
}

/// `GET /staff/renewals`: a page of the terms ending soon (with the counts of all of them)
/// and the renewal rate by year.
pub async fn list(
    staff: Staff<SponsorshipsStaff>,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let today = chrono::Utc::now().date_naive();
    let asked = q.into_inner().page;
    let (upcoming, counts, pager, rates) = staff
        .state
        .db
        .run(move |c| {
            let counts = renewals::ending_counts(c, today, WINDOW_DAYS)?;
            let pager = Pager::new(
                asked.as_deref(),
                counts.total,
                PER_PAGE,
                crate::web::pager::links("/staff/renewals", String::new()),
            );
            Ok((
                renewals::upcoming(c, today, WINDOW_DAYS, pager.offset(), PER_PAGE)?,
                counts,
                pager,
                renewals::rate_by_year(c, today)?,
            ))
        })
        .await?;
    render(&RenewalsPage {
        layout: staff.layout("Renewals", "/staff/sponsorships"),
        upcoming,
        counts,
        pager,
        rates,
        window: WINDOW_DAYS,
    })
}
