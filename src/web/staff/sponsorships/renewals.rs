//! Renewals for sponsorship staff: terms ending soon with their reminders and renewal
//! applications, and the renewal rate by year.

use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppResult;
use crate::services::renewals::{self, RateRow, Upcoming};
use crate::web::extract::{SponsorshipsStaff, Staff};
use crate::web::layout::Layout;
use crate::web::render;

/// How far ahead the page looks.
const WINDOW_DAYS: i64 = 90;

#[derive(Template)]
#[template(path = "staff/sponsorships/renewals/list.html")]
struct RenewalsPage {
    layout: Layout,
    upcoming: Vec<Upcoming>,
    rates: Vec<RateRow>,
    window: i64,
}

impl RenewalsPage {
    /// "201 terms end in the next 90 days (12 within 30 days); 1 renewal asked for."
    fn summary(&self) -> String {
        let n = self.upcoming.len();
        let soon = self.upcoming.iter().filter(|u| u.days_left <= 30).count();
        let renewing = self.upcoming.iter().filter(|u| u.renewal.is_some()).count();
        format!(
            "{n} term{} end{} in the next {} days ({soon} within 30 days); {renewing} renewal{} asked for.",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
            self.window,
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

pub async fn list(staff: Staff<SponsorshipsStaff>) -> AppResult<HttpResponse> {
    let today = chrono::Utc::now().date_naive();
    let (upcoming, rates) = staff
        .state
        .db
        .run(move |c| {
            Ok((
                renewals::upcoming(c, today, WINDOW_DAYS)?,
                renewals::rate_by_year(c, today)?,
            ))
        })
        .await?;
    render(&RenewalsPage {
        layout: staff.layout("Renewals", "/staff/sponsorships"),
        upcoming,
        rates,
        window: WINDOW_DAYS,
    })
}
