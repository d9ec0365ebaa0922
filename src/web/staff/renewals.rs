//! Renewals for sponsorship staff: terms ending soon with their reminders and renewal
//! applications, and the renewal rate by year.

use actix_web::HttpResponse;
use askama::Template;

use crate::auth::{Staff, extract::SponsorshipsStaff};
use crate::error::AppResult;
use crate::services::renewals::{self, RateRow, Upcoming};
use crate::web::layout::Layout;
use crate::web::render;

/// How far ahead the page looks.
const WINDOW_DAYS: i64 = 90;

#[derive(Template)]
#[template(path = "staff/renewals/list.html")]
struct RenewalsPage {
    layout: Layout,
    upcoming: Vec<Upcoming>,
    rates: Vec<RateRow>,
    window: i64,
}

impl RenewalsPage {
    fn reminders(&self, u: &Upcoming) -> String {
        if u.reminders.is_empty() {
            "none yet".into()
        } else {
            u.reminders
                .iter()
                .map(|d| format!("{d}-day"))
                .collect::<Vec<_>>()
                .join(", ")
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
