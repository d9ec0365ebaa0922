//! The sponsor impact page, shared by the sponsor portal and staff: the report from
//! `services::impact`, and its monthly visibility chart laid out as numbers for the SVG
//! template.

use actix_web::HttpResponse;
use askama::Template;

use crate::domain::Money;
use crate::error::AppResult;
use crate::services::impact::{Impact, MonthTotal};
use crate::web::chart::columns;
use crate::web::layout::Layout;

const WIDTH: i64 = 720;
const HEIGHT: i64 = 260;
const PLOT_X: i64 = 60;
const PLOT_TOP: i64 = 24;
const PLOT_H: i64 = 180;
const PLOT_W: i64 = WIDTH - PLOT_X - 10;

/// One month's bar: impressions as its height, clicks written above it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthBar {
    pub x: i64,
    pub w: i64,
    pub y: i64,
    pub h: i64,
    pub label: String,
    pub label_x: i64,
    pub impressions: i64,
    pub clicks: i64,
}

/// Impressions per month, with clicks, over the term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisibilityChart {
    pub width: i64,
    pub height: i64,
    pub plot_x: i64,
    pub plot_top: i64,
    pub base_y: i64,
    pub right: i64,
    pub max: i64,
    pub bars: Vec<MonthBar>,
}

pub fn chart(months: &[MonthTotal]) -> VisibilityChart {
    let max = months.iter().map(|m| m.impressions).max().unwrap_or(0);
    let n = months.len();
    let base_y = PLOT_TOP + PLOT_H;
    let impressions: Vec<i64> = months.iter().map(|m| m.impressions).collect();
    let cols = columns(&impressions, PLOT_X, PLOT_W, base_y, PLOT_H);
    let bars = months
        .iter()
        .zip(cols)
        .map(|(m, c)| {
            MonthBar {
                x: c.x,
                w: c.w,
                y: c.y,
                h: c.h,
                // Short labels when there are many months.
                label: if n > 8 {
                    m.month.format("%b %y").to_string()
                } else {
                    m.month.format("%b %Y").to_string()
                },
                label_x: c.mid,
                impressions: m.impressions,
                clicks: m.clicks,
            }
        })
        .collect();
    VisibilityChart {
        width: WIDTH,
        height: HEIGHT,
        plot_x: PLOT_X,
        plot_top: PLOT_TOP,
        base_y,
        right: WIDTH - 10,
        max,
        bars,
    }
}

/// The data of `impact.html` (one template for both audiences).
#[derive(Template)]
#[template(path = "impact.html")]
pub struct ImpactPage {
    pub layout: Layout,
    pub sponsor_name: String,
    pub r: Impact,
    pub chart: VisibilityChart,
    /// Where the term picker sends the form (the page's own path).
    pub action: String,
    /// Staff see a back link to the sponsor.
    pub back: Option<String>,
    pub printed: String,
}

impl ImpactPage {
    fn usage_charts(&self) -> Vec<crate::web::usage_chart::UsageChart> {
        crate::web::usage_chart::charts(&self.r.usage)
    }
    fn money(&self, minor: &i64) -> String {
        Money::new(*minor, self.r.currency).to_string()
    }
    fn month(&self, d: &chrono::NaiveDate) -> String {
        d.format("%B %Y").to_string()
    }
    fn is_term(&self, id: &i64) -> bool {
        self.r.term.as_ref().is_some_and(|t| t.id == *id)
    }
    fn rate(&self, impressions: &i64, clicks: &i64) -> String {
        if *impressions <= 0 {
            return "—".into();
        }
        // One decimal, from integers (per mille, then formatted).
        let pm = i128::from(*clicks) * 1000 / i128::from(*impressions);
        format!("{}.{}%", pm / 10, pm % 10)
    }
    fn day(&self, d: &chrono::NaiveDate) -> String {
        d.format("%-d %B %Y").to_string()
    }
}

/// `?term=` of the impact page.
#[derive(serde::Deserialize)]
pub struct TermQuery {
    #[serde(default)]
    term: String,
}

/// Builds and renders the report on the sponsor's term asked for (a term that is not one of
/// its own is ignored: the current one is shown).
pub async fn respond(
    state: &crate::state::AppState,
    mut layout: Layout,
    sponsor_id: i64,
    q: &TermQuery,
    action: String,
    back: Option<String>,
) -> AppResult<HttpResponse> {
    let term = q.term.trim().parse::<i64>().ok();
    let today = chrono::Utc::now().date_naive();
    let currency = state.settings.currency();
    let (sponsor, r) = state
        .db
        .run(move |c| {
            let sponsor = crate::models::sponsors::find(c, sponsor_id)?;
            let r = crate::services::impact::impact(c, sponsor_id, term, today, currency)?;
            Ok((sponsor, r))
        })
        .await?;
    layout.title = format!("Impact report: {}", sponsor.name);
    crate::web::render(&ImpactPage {
        layout,
        sponsor_name: sponsor.name,
        chart: chart(&r.months),
        r,
        action,
        back,
        printed: crate::web::staff::fmt_time(&crate::models::now()),
    })
}

/// `GET /portal/impact`.
pub async fn portal(
    p: crate::web::extract::portal::SponsorPortal,
    q: actix_web::web::Query<TermQuery>,
) -> AppResult<HttpResponse> {
    let mut layout = p.layout("Impact", "");
    layout.portal = true;
    layout.nav = Layout::portal_nav("/portal/impact");
    respond(
        &p.state,
        layout,
        p.sponsor_id,
        &q,
        "/portal/impact".into(),
        None,
    )
    .await
}

/// `GET /staff/sponsors/{id}/impact`.
pub async fn staff(
    staff: crate::web::extract::Staff<crate::web::extract::SponsorshipsStaff>,
    id: actix_web::web::Path<i64>,
    q: actix_web::web::Query<TermQuery>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let layout = staff.layout("Impact", "/staff/sponsors");
    let path = format!("/staff/sponsors/{id}/impact");
    respond(
        &staff.state,
        layout,
        id,
        &q,
        path,
        Some(format!("/staff/sponsors/{id}")),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn m(month: u32, impressions: i64, clicks: i64) -> MonthTotal {
        MonthTotal {
            month: NaiveDate::from_ymd_opt(2027, month, 1).unwrap(),
            impressions,
            clicks,
        }
    }

    #[test]
    fn bars_scale_to_the_busiest_month_and_stay_in_the_plot() {
        let c = chart(&[m(1, 100, 3), m(2, 50, 1), m(3, 0, 0)]);
        assert_eq!(c.bars.len(), 3);
        assert_eq!(c.bars[0].h, PLOT_H);
        assert_eq!(c.bars[1].h, PLOT_H / 2);
        assert_eq!(c.bars[2].h, 0);
        for b in &c.bars {
            assert!(b.x >= PLOT_X && b.x + b.w <= WIDTH - 10);
            assert_eq!(b.y + b.h, c.base_y);
        }
        assert!(chart(&[]).bars.is_empty());
        assert_eq!(chart(&[m(1, 0, 0)]).bars[0].h, 0);
    }
}
