//! The dashboard's revenue charts, laid out as numbers for the SVG template: the year's
//! revenue by tier (horizontal bars) and by month (one column a month).

use crate::domain::Money;
use crate::services::revenue::Revenue;
use crate::web::chart::{columns, scale, shorten};

const WIDTH: i64 = 720;
const LABEL_W: i64 = 250;
const ROW_H: i64 = 30;
const BAR_H: i64 = 18;
const VALUE_W: i64 = 110;
const PLOT_TOP: i64 = 24;
const PLOT_H: i64 = 160;
const MONTH_PLOT_X: i64 = 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierBar {
    /// Shortened to fit beside the bar.
    pub label: String,
    pub name: String,
    pub title: String,
    /// Empty when the viewer may not open the list.
    pub href: String,
    pub y: i64,
    pub text_y: i64,
    pub w: i64,
    pub value: String,
    pub value_x: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthColumn {
    pub label: &'static str,
    pub title: String,
    pub x: i64,
    pub w: i64,
    pub y: i64,
    pub h: i64,
    pub mid: i64,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevenueCharts {
    pub width: i64,
    pub tier_height: i64,
    pub plot_x: i64,
    pub bar_h: i64,
    pub tiers: Vec<TierBar>,
    pub month_height: i64,
    pub base_y: i64,
    pub right: i64,
    pub month_x: i64,
    pub months: Vec<MonthColumn>,
    pub total: String,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Short amounts for the columns: "$12.5k", "$3,400".
fn short(m: Money) -> String {
    let units = m.minor / 10i64.pow(m.currency.exponent());
    if units.abs() >= 10_000 {
        let tenths = m.minor / (10i64.pow(m.currency.exponent()) * 100);
        let sign = if tenths < 0 { "-" } else { "" };
        let n = format!("{}.{}k", tenths.abs() / 10, tenths.abs() % 10);
        match m.currency.symbol() {
            "" => format!("{sign}{n} {}", m.currency.code()),
            sym => format!("{sign}{sym}{n}"),
        }
    } else {
        // Whole units: the cents do not fit under a column.
        let whole = Money::new(
            m.minor - m.minor % 10i64.pow(m.currency.exponent()),
            m.currency,
        );
        let text = whole.to_string();
        match text.split_once('.') {
            Some((head, tail)) => {
                // Drop ".00" (and keep a code written after the number).
                let rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
                format!("{head}{rest}")
            }
            None => text,
        }
    }
}

/// `link_tiers`: the viewer may open the sponsorships list (else the tiers are not links).
pub fn charts(r: &Revenue, link_tiers: bool) -> RevenueCharts {
    let cur = r.currency;
    let plot_x = LABEL_W + 10;
    let plot_w = WIDTH - plot_x - VALUE_W;
    let max = r.tiers.iter().map(|t| t.minor).max().unwrap_or(0);
    let tiers = r
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let y = 8 + i as i64 * ROW_H;
            let w = scale(t.minor, max, plot_w);
            let value = Money::new(t.minor, cur).to_string();
            TierBar {
                label: shorten(&t.label, 34),
                name: t.label.clone(),
                title: format!("{}: {value}", t.label),
                href: if link_tiers {
                    format!("/staff/sponsorships?tier={}", t.tier_id)
                } else {
                    String::new()
                },
                y,
                text_y: y + BAR_H - 4,
                w,
                value_x: plot_x + w + 6,
                value,
            }
        })
        .collect::<Vec<_>>();
    let base_y = PLOT_TOP + PLOT_H;
    let cols = columns(
        &r.months,
        MONTH_PLOT_X,
        WIDTH - MONTH_PLOT_X - 10,
        base_y,
        PLOT_H,
    );
    let months = r
        .months
        .iter()
        .zip(cols)
        .enumerate()
        .map(|(i, (v, c))| MonthColumn {
            label: MONTHS[i],
            title: format!("{} {}: {}", MONTHS[i], r.year, Money::new(*v, cur)),
            x: c.x,
            w: c.w,
            y: c.y,
            h: c.h,
            mid: c.mid,
            value: if *v == 0 {
                String::new()
            } else {
                short(Money::new(*v, cur))
            },
        })
        .collect();
    RevenueCharts {
        width: WIDTH,
        tier_height: 8 + tiers.len().max(1) as i64 * ROW_H,
        plot_x,
        bar_h: BAR_H,
        tiers,
        month_height: base_y + 26,
        base_y,
        right: WIDTH - 10,
        month_x: MONTH_PLOT_X,
        months,
        total: Money::new(r.total, cur).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use crate::services::revenue::TierRevenue;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn bars_and_columns_scale_to_the_largest() {
        let mut months = [0; 12];
        months[0] = 1_000_000;
        months[5] = 250_000;
        let r = Revenue {
            year: 2027,
            currency: usd(),
            tiers: vec![
                TierRevenue {
                    tier_id: 1,
                    label: "Gold".into(),
                    minor: 1_000_000,
                },
                TierRevenue {
                    tier_id: 2,
                    label: "Silver".into(),
                    minor: 250_000,
                },
            ],
            months,
            total: 1_250_000,
            unconverted: vec![],
        };
        let c = charts(&r, true);
        assert_eq!(charts(&r, false).tiers[0].href, "");
        assert!((c.tiers[1].w * 4 - c.tiers[0].w).abs() < 4, "{:?}", c.tiers);
        assert_eq!(c.tiers[0].href, "/staff/sponsorships?tier=1");
        assert_eq!(c.months[0].h, PLOT_H);
        assert_eq!(c.months[5].h, PLOT_H / 4);
        assert_eq!(c.months[1].value, "");
        assert_eq!(c.months[0].value, "$10.0k");
        assert_eq!(c.months[5].value, "$2,500");
        assert_eq!(c.total, "$12,500.00");
        for m in &c.months {
            assert!(m.x + m.w <= c.right && m.y + m.h == c.base_y);
        }
    }

    #[test]
    fn short_amounts() {
        assert_eq!(short(Money::new(1_250_000, usd())), "$12.5k");
        assert_eq!(short(Money::new(340_099, usd())), "$3,400");
        assert_eq!(short(Money::new(-1_250_000, usd())), "-$12.5k");
    }
}
