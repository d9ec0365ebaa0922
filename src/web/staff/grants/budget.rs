//! The grants budget page: for a year, each programme's cap, what is committed (awarded, not
//! yet paid) and paid, and what remains, with a bar chart drawn on the server as SVG (the
//! template writes every element, so names are escaped like any other text).

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use crate::domain::{Currency, Money};
use crate::error::AppResult;
use crate::models::grant_register;
use crate::services::grant_money::{self, BudgetRow};
use crate::web::chart::{scale, shorten};
use crate::web::extract::GrantsMoney;
use crate::web::extract::Staff;
use crate::web::layout::Layout;
use crate::web::render;

/// The chart's drawing size (the SVG scales to its box).
const WIDTH: i64 = 720;
const LABEL_W: i64 = 190;
const PLOT_X: i64 = LABEL_W + 10;
const PLOT_W: i64 = WIDTH - PLOT_X - 20;
const ROW_H: i64 = 34;
const BAR_H: i64 = 18;
const TOP: i64 = 10;
const LEGEND_H: i64 = 34;
/// Longer programme names are shortened in the chart (the table has them in full).
const LABEL_CHARS: usize = 26;

/// One programme's bar, in drawing units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    /// The shortened name shown; `title` has the full sentence.
    pub label: String,
    pub title: String,
    pub y: i64,
    pub text_y: i64,
    pub paid_w: i64,
    pub committed_x: i64,
    pub committed_w: i64,
    /// The cap's position, if the programme has one for the year.
    pub cap_x: Option<i64>,
    /// Room left under the cap: from the end of the bar to the cap.
    pub remaining_x: i64,
    pub remaining_w: i64,
    /// Committed and paid together exceed the cap.
    pub over: bool,
}

/// The whole chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    pub width: i64,
    pub height: i64,
    pub plot_x: i64,
    /// The plot's width (the track behind each bar) and each bar's height.
    pub plot_w: i64,
    pub bar_h: i64,
    pub label_x: i64,
    pub legend_y: i64,
    pub bars: Vec<Bar>,
}

/// Lays out one bar per programme: paid, then committed, then the room left up to the cap,
/// on one scale (the largest cap or use of the year).
pub fn chart(rows: &[BudgetRow], base: Currency) -> Chart {
    let max = rows
        .iter()
        .map(|r| r.cap.unwrap_or(0).max(r.used.used()))
        .max()
        .unwrap_or(0);
    let money = |m: i64| Money::new(m, base).to_string();
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let y = TOP + i as i64 * ROW_H;
            let paid_w = scale(r.used.paid, max, PLOT_W);
            let used_w = scale(r.used.used(), max, PLOT_W).max(paid_w);
            let cap_x = r.cap.map(|c| PLOT_X + scale(c, max, PLOT_W));
            let (remaining_x, remaining_w) = match cap_x {
                Some(cx) if cx > PLOT_X + used_w => (PLOT_X + used_w, cx - PLOT_X - used_w),
                _ => (PLOT_X + used_w, 0),
            };
            let title = format!(
                "{}: paid {}, committed {}, {}",
                r.programme.name,
                money(r.used.paid),
                money(r.used.committed),
                match (r.cap, r.remaining()) {
                    (Some(c), Some(left)) if left >= 0 =>
                        format!("cap {}, {} remaining", money(c), money(left)),
                    (Some(c), Some(left)) => format!("cap {}, over by {}", money(c), money(-left)),
                    _ => "no cap set".to_string(),
                }
            );
            Bar {
                label: shorten(&r.programme.name, LABEL_CHARS),
                title,
                y,
                text_y: y + BAR_H - 4,
                paid_w,
                committed_x: PLOT_X + paid_w,
                committed_w: used_w - paid_w,
                cap_x,
                remaining_x,
                remaining_w,
                over: r.remaining().is_some_and(|left| left < 0),
            }
        })
        .collect::<Vec<_>>();
    let legend_y = TOP + bars.len() as i64 * ROW_H + 6;
    Chart {
        width: WIDTH,
        height: legend_y + LEGEND_H,
        plot_x: PLOT_X,
        plot_w: PLOT_W,
        bar_h: BAR_H,
        label_x: LABEL_W,
        legend_y,
        bars,
    }
}

#[derive(Deserialize, Default)]
pub struct BudgetQuery {
    #[serde(default)]
    year: String,
}

#[derive(Template)]
#[template(path = "staff/grants/budget.html")]
struct BudgetPage {
    layout: Layout,
    year: i32,
    years: Vec<i32>,
    rows: Vec<BudgetRow>,
    chart: Chart,
    base: Currency,
}

impl BudgetPage {
    fn money(&self, minor: &i64) -> String {
        Money::new(*minor, self.base).to_string()
    }
    fn cap(&self, r: &BudgetRow) -> String {
        r.cap
            .map(|c| self.money(&c))
            .unwrap_or_else(|| "no cap set".into())
    }
    fn remaining(&self, r: &BudgetRow) -> String {
        match r.remaining() {
            Some(left) if left < 0 => format!("over by {}", self.money(&-left)),
            Some(left) => self.money(&left),
            None => "—".into(),
        }
    }
    fn over(&self, r: &BudgetRow) -> bool {
        r.remaining().is_some_and(|l| l < 0)
    }
    fn total(&self, f: fn(&BudgetRow) -> i64) -> String {
        self.money(&self.rows.iter().map(f).fold(0i64, i64::saturating_add))
    }
    fn total_cap(&self) -> String {
        self.total(|r| r.cap.unwrap_or(0))
    }
    fn total_committed(&self) -> String {
        self.total(|r| r.used.committed)
    }
    fn total_paid(&self) -> String {
        self.total(|r| r.used.paid)
    }
    fn total_remaining(&self) -> String {
        self.total(|r| r.remaining().unwrap_or(0))
    }
}

/// `GET /staff/grants/budget?year=2027`: the current year unless another is chosen.
pub async fn page(
    staff: Staff<GrantsMoney>,
    q: web::Query<BudgetQuery>,
) -> AppResult<HttpResponse> {
    let this_year = chrono::Utc::now().date_naive().year();
    let year = q
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2200).contains(y))
        .unwrap_or(this_year);
    let base = staff.state.settings.currency();
    let (rows, mut years) = staff
        .state
        .db
        .run(move |c| {
            Ok((
                grant_money::budget(c, year)?,
                grant_register::budget_years(c)?,
            ))
        })
        .await?;
    for y in [this_year, year] {
        if !years.contains(&y) {
            years.push(y);
        }
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    render(&BudgetPage {
        layout: staff.layout(&format!("Grants budget {year}"), "/staff/grants"),
        chart: chart(&rows, base),
        year,
        years,
        rows,
        base,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::grant_applications::BudgetUse;
    use crate::models::grant_programmes::GrantProgramme;

    fn row(name: &str, cap: Option<i64>, committed: i64, paid: i64) -> BudgetRow {
        let t = chrono::NaiveDate::from_ymd_opt(2027, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        BudgetRow {
            programme: GrantProgramme {
                id: 1,
                name: name.into(),
                kind: "event".into(),
                description: String::new(),
                is_open: true,
                requires_coc: true,
                min_lead_days: 0,
                max_amount_minor: None,
                per_attendee_minor: None,
                report_days: 60,
                created_at: t,
                updated_at: t,
            },
            cap,
            used: BudgetUse { committed, paid },
        }
    }

    #[test]
    fn bars_share_one_scale_and_stay_inside_the_plot() {
        let usd = crate::domain::money::USD;
        const BIG: i64 = crate::domain::money::MAX_MINOR * 1000;
        let c = chart(
            &[
                row("Events", Some(1_000_000), 200_000, 300_000),
                row("Sprints", None, 0, 0),
                row("Over", Some(100_000), 0, 250_000),
                row(&"x".repeat(100), Some(BIG), BIG, BIG),
            ],
            usd,
        );
        assert_eq!(c.bars.len(), 4);
        for b in &c.bars {
            assert!(b.paid_w >= 0 && b.committed_w >= 0 && b.remaining_w >= 0);
            assert!(b.committed_x + b.committed_w <= PLOT_X + PLOT_W);
            assert!(
                b.cap_x
                    .is_none_or(|x| (PLOT_X..=PLOT_X + PLOT_W).contains(&x))
            );
            assert!(b.label.chars().count() <= LABEL_CHARS);
        }
        // The huge row sets the scale without overflowing.
        assert_eq!(c.bars[3].paid_w, PLOT_W / 2);
        assert_eq!(
            c.bars[3].committed_x + c.bars[3].committed_w,
            PLOT_X + PLOT_W
        );
        assert!(c.bars[3].over);
        let c = chart(
            &[
                row("Events", Some(1_000_000), 200_000, 300_000),
                row("Over", Some(100_000), 0, 250_000),
            ],
            usd,
        );
        let e = &c.bars[0];
        assert_eq!(e.paid_w, PLOT_W * 3 / 10);
        assert_eq!(e.committed_w, PLOT_W * 5 / 10 - PLOT_W * 3 / 10);
        assert_eq!(e.cap_x, Some(PLOT_X + PLOT_W));
        assert_eq!(e.remaining_x + e.remaining_w, PLOT_X + PLOT_W);
        assert!(!e.over);
        assert!(c.bars[1].over);
        assert!(
            c.bars[1].title.contains("over by $1,500.00"),
            "{}",
            c.bars[1].title
        );
        assert_eq!(c.bars[1].remaining_w, 0);
        // Nothing at all: an empty chart, no division by zero.
        assert!(chart(&[], usd).bars.is_empty());
        assert_eq!(scale(5, 0, PLOT_W), 0);
    }
}
