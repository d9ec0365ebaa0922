//! The monthly placement report: impressions, clicks and click-through per slot and sponsor.

use super::SECTION;
use crate::domain::FormErrors;
use crate::error::AppResult;
use crate::models::placement_slots::{self};
use crate::services::placements::{self};
use crate::web::extract::{PlacementsStaff, Staff};
use crate::web::layout::Layout;
use crate::web::pager::Pager;
use crate::web::{render, render_status};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;

// ---------------------------------------------------------------------------------------
// The monthly report
// ---------------------------------------------------------------------------------------

/// The report's query string.
#[derive(Deserialize)]
pub struct ReportQuery {
    month: Option<String>,
    #[serde(default)]
    page: String,
}

/// Lines of the report on a page.
const PER_PAGE: i64 = 100;

/// One sponsor in one slot over the month.
pub type ReportRow = placement_slots::PeriodLine;

impl ReportRow {
    pub fn ctr(&self) -> String {
        click_through(self.impressions, self.clicks)
    }
}

/// Clicks per impression as a percentage with one decimal ("2.5%"), or a dash.
pub fn click_through(impressions: i64, clicks: i64) -> String {
    if impressions <= 0 {
        return "—".into();
    }
    let tenths = (clicks.saturating_mul(1000) + impressions / 2) / impressions;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// The first day of a `YYYY-MM` month.
pub fn parse_month(input: &str) -> Result<NaiveDate, String> {
    let s = input.trim();
    let shaped = s.len() == 7
        && s.as_bytes()[4] == b'-'
        && s.bytes()
            .enumerate()
            .all(|(i, b)| i == 4 || b.is_ascii_digit());
    let first = shaped
        .then(|| NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok())
        .flatten()
        .filter(|d| (2000..=2200).contains(&d.year()));
    first.ok_or_else(|| "Choose a month as YYYY-MM, like 2027-03.".to_string())
}

#[derive(Template)]
#[template(path = "staff/placements/report.html")]
struct ReportPage {
    layout: Layout,
    errors: FormErrors,
    month: String,
    month_label: String,
    prev: String,
    next: String,
    rows: Vec<ReportRow>,
    pager: Pager,
    total_impressions: i64,
    total_clicks: i64,
}

impl ReportPage {
    fn num(&self, n: &i64) -> String {
        crate::domain::text::thousands(*n)
    }
    fn total_ctr(&self) -> String {
        click_through(self.total_impressions, self.total_clicks)
    }
}

/// `GET /staff/placements/report?month=YYYY-MM` (default: this month), by impressions.
pub async fn report(
    staff: Staff<PlacementsStaff>,
    q: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let asked = q.month.clone().unwrap_or_default();
    let mut errors = FormErrors::new();
    let this_month = placements::today().with_day(1).unwrap_or_default();
    let first = if asked.trim().is_empty() {
        this_month
    } else {
        match parse_month(&asked) {
            Ok(d) => d,
            Err(m) => {
                errors.add("month", m);
                this_month
            }
        }
    };
    let next = first + Months::new(1);
    let prev = first - Months::new(1);
    let last = next.pred_opt().unwrap_or(first);

    let month = first.format("%Y-%m").to_string();
    let page_url = crate::web::pager::links("/staff/placements/report", format!("month={month}"));
    let asked_page = q.page.clone();
    let (rows, pager, (total_impressions, total_clicks)) = if errors.is_empty() {
        staff
            .state
            .db
            .run(move |c| {
                let total = placement_slots::period_line_count(c, first, last)?;
                let pager = Pager::new(Some(asked_page.as_str()), total, PER_PAGE, page_url);
                let rows = placement_slots::period_lines(c, first, last, pager.offset(), PER_PAGE)?;
                Ok((rows, pager, placement_slots::period_totals(c, first, last)?))
            })
            .await?
    } else {
        (Vec::new(), Pager::new(None, 0, PER_PAGE, page_url), (0, 0))
    };
    let page = ReportPage {
        layout: staff.layout("Placement report", SECTION),
        month: if errors.is_empty() { month } else { asked },
        month_label: first.format("%B %Y").to_string(),
        prev: prev.format("%Y-%m").to_string(),
        next: next.format("%Y-%m").to_string(),
        rows,
        pager,
        total_impressions,
        total_clicks,
        errors,
    };
    if page.errors.is_empty() {
        render(&page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        assert_eq!(
            parse_month("2027-03").unwrap(),
            NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()
        );
        for bad in [
            "2027-13",
            "2027-3",
            "27-03",
            "2027/03",
            "",
            "abcd-ef",
            "1999-12",
            "2027-03-01",
        ] {
            assert!(parse_month(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rates_and_numbers() {
        assert_eq!(click_through(0, 0), "—");
        assert_eq!(click_through(200, 5), "2.5%");
        assert_eq!(click_through(3, 1), "33.3%");
        assert_eq!(click_through(3, 2), "66.7%");
        assert_eq!(click_through(10, 10), "100.0%");
        assert_eq!(crate::domain::text::thousands(0), "0");
        assert_eq!(crate::domain::text::thousands(999), "999");
        assert_eq!(crate::domain::text::thousands(1000), "1,000");
        assert_eq!(crate::domain::text::thousands(1234567), "1,234,567");
    }
}
