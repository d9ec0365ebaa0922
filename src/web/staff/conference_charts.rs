//! The conference budget's two charts, laid out on the server as numbers for an SVG template
//! (the template writes every element, so names are escaped like any other text):
//! estimate against actual by category, and the net result against attendance with the
//! break-even point and the three scenarios marked.

use crate::domain::budget::{Analysis, BreakEven, Inputs, net_at};
use crate::domain::{Currency, Money};
use crate::web::chart::{scale, shorten};

const WIDTH: i64 = 720;
const LABEL_W: i64 = 150;
const PLOT_X: i64 = LABEL_W + 10;
const PLOT_W: i64 = WIDTH - PLOT_X - 20;
const ROW_H: i64 = 44;
const BAR_H: i64 = 14;
const TOP: i64 = 10;
const LEGEND_H: i64 = 34;
const LABEL_CHARS: usize = 20;

/// One category: the estimate bar above the actual bar, and a mark at what is committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryBars {
    pub label: String,
    pub title: String,
    pub estimate_y: i64,
    pub actual_y: i64,
    pub text_y: i64,
    pub estimate_w: i64,
    pub actual_w: i64,
    pub committed_x: Option<i64>,
    /// Spent more than estimated.
    pub over: bool,
    /// The amounts written beside (or, near the end of the plot, inside) each bar.
    pub estimate_value: Value,
    pub actual_value: Value,
}

/// An amount written at the end of a bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    pub text: String,
    pub x: i64,
    pub y: i64,
    /// Written inside the bar, right-aligned (light on dark).
    pub inside: bool,
}

/// Room a value needs after a bar before it goes inside it.
const VALUE_W: i64 = 110;

fn value(text: String, bar_w: i64, y: i64) -> Value {
    let inside = bar_w > PLOT_W - VALUE_W;
    Value {
        text,
        x: if inside {
            PLOT_X + bar_w - 4
        } else {
            PLOT_X + bar_w + 4
        },
        y,
        inside,
    }
}

/// Estimate against actual, by category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryChart {
    pub width: i64,
    pub height: i64,
    pub plot_x: i64,
    pub plot_w: i64,
    pub bar_h: i64,
    pub label_x: i64,
    pub legend_y: i64,
    pub rows: Vec<CategoryBars>,
}

pub fn categories(a: &Analysis, cur: Currency) -> CategoryChart {
    let max = a
        .categories
        .iter()
        .map(|t| t.estimate.max(t.actual).max(t.committed))
        .max()
        .unwrap_or(0);
    let money = |m: i64| Money::new(m, cur).to_string();
    let rows = a
        .categories
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let y = TOP + i as i64 * ROW_H;
            let estimate_w = scale(t.estimate, max, PLOT_W);
            let actual_w = scale(t.actual, max, PLOT_W);
            CategoryBars {
                label: shorten(&t.category, LABEL_CHARS),
                title: format!(
                    "{}: estimate {}, committed {}, actual {}",
                    t.category,
                    money(t.estimate),
                    money(t.committed),
                    money(t.actual)
                ),
                estimate_y: y,
                actual_y: y + BAR_H + 2,
                text_y: y + BAR_H + 5,
                estimate_w,
                actual_w,
                estimate_value: value(money(t.estimate), estimate_w, y + BAR_H - 3),
                actual_value: value(money(t.actual), actual_w, y + 2 * BAR_H - 1),
                committed_x: (t.committed > 0).then(|| PLOT_X + scale(t.committed, max, PLOT_W)),
                over: t.actual > t.estimate,
            }
        })
        .collect::<Vec<_>>();
    let legend_y = TOP + rows.len() as i64 * ROW_H + 4;
    CategoryChart {
        width: WIDTH,
        height: legend_y + LEGEND_H,
        plot_x: PLOT_X,
        plot_w: PLOT_W,
        bar_h: BAR_H,
        label_x: LABEL_W,
        legend_y,
        rows,
    }
}

/// A labelled tick on an axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tick {
    pub at: i64,
    pub label: String,
}

/// A scenario's point on the net-result line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    pub x: i64,
    pub y: i64,
    pub label: String,
    pub title: String,
    pub loss: bool,
}

/// The net result against attendance, from none to the cap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetChart {
    pub width: i64,
    pub height: i64,
    pub left: i64,
    pub right: i64,
    pub top: i64,
    pub bottom: i64,
    /// The line, as SVG polyline points.
    pub points: String,
    /// Where the net result is zero.
    pub zero_y: i64,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    /// The break-even attendance's position and label, when within the cap.
    pub break_even: Option<Tick>,
    pub scenarios: Vec<Point>,
}

const NET_W: i64 = 720;
const NET_H: i64 = 300;
const NET_LEFT: i64 = 110;
const NET_RIGHT: i64 = NET_W - 50;
const NET_TOP: i64 = 30;
const NET_BOTTOM: i64 = NET_H - 50;
const SAMPLES: i64 = 24;

/// Lays out the net-result chart; None when a figure is too large to compute.
pub fn net(i: &Inputs, a: &Analysis, cur: Currency) -> Option<NetChart> {
    let cap = i.attendance_cap.max(1);
    let mut samples = Vec::new();
    for k in 0..=SAMPLES {
        let n = cap * k / SAMPLES;
        samples.push((n, net_at(i, n).ok()?));
    }
    let lo = samples.iter().map(|s| s.1).min()?.min(0);
    let hi = samples.iter().map(|s| s.1).max()?.max(0);
    let span = (hi - lo).max(1);
    let x_of = |n: i64| NET_LEFT + scale(n, cap, NET_RIGHT - NET_LEFT);
    let y_of = |v: i64| NET_BOTTOM - scale(v.saturating_sub(lo), span, NET_BOTTOM - NET_TOP);
    let points = samples
        .iter()
        .map(|(n, v)| format!("{},{}", x_of(*n), y_of(*v)))
        .collect::<Vec<_>>()
        .join(" ");
    let money = |m: i64| Money::new(m, cur).to_string();
    let x_ticks = (0..=4)
        .map(|k| {
            let n = cap * k / 4;
            Tick {
                at: x_of(n),
                label: n.to_string(),
            }
        })
        .collect();
    let mut y_ticks = vec![Tick {
        at: y_of(0),
        label: money(0),
    }];
    if hi > 0 {
        y_ticks.push(Tick {
            at: y_of(hi),
            label: money(hi),
        });
    }
    if lo < 0 {
        y_ticks.push(Tick {
            at: y_of(lo),
            label: money(lo),
        });
    }
    let break_even = match a.break_even {
        BreakEven::At(n) => Some(Tick {
            at: x_of(n),
            label: format!("Break-even: {n}"),
        }),
        _ => None,
    };
    let scenarios = a
        .scenarios
        .iter()
        .map(|s| Point {
            x: x_of(s.attendance),
            y: y_of(s.net),
            label: s.label.to_string(),
            title: format!(
                "{}: {} attendees, net {}",
                s.label,
                s.attendance,
                money(s.net)
            ),
            loss: s.net < 0,
        })
        .collect();
    Some(NetChart {
        width: NET_W,
        height: NET_H,
        left: NET_LEFT,
        right: NET_RIGHT,
        top: NET_TOP,
        bottom: NET_BOTTOM,
        points,
        zero_y: y_of(0),
        x_ticks,
        y_ticks,
        break_even,
        scenarios,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::budget::{Basis, CostLine, Ticket, analyse};

    fn inputs() -> Inputs {
        Inputs {
            currency: "USD".into(),
            attendance_cap: 1000,
            scenarios: [400, 600, 1000],
            insurance_cover: 0,
            costs: vec![
                CostLine {
                    category: "Venue".into(),
                    item: "Hall".into(),
                    basis: Basis::Fixed,
                    estimate: 5_000_000,
                    committed: Some(5_000_000),
                    actual: Some(6_000_000),
                    liability: None,
                    liability_from: None,
                },
                CostLine {
                    category: "A very long category name indeed".into(),
                    item: "Food".into(),
                    basis: Basis::PerAttendee,
                    estimate: 5_000,
                    committed: None,
                    actual: None,
                    liability: None,
                    liability_from: None,
                },
            ],
            tickets: vec![Ticket {
                name: "Regular".into(),
                price: 20_000,
                share_permille: 1000,
            }],
            revenue: vec![],
            sponsorship_committed: 0,
            sponsorship_paid: 0,
        }
    }

    #[test]
    fn category_bars_share_a_scale_and_stay_in_the_plot() {
        let usd = crate::domain::money::USD;
        let i = inputs();
        let a = analyse(&i, chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()).unwrap();
        let c = categories(&a, usd);
        assert_eq!(c.rows.len(), 2);
        // Actual $60,000 is the largest figure: the full width.
        assert_eq!(c.rows[0].actual_w, PLOT_W);
        assert_eq!(c.rows[0].estimate_w, PLOT_W * 5 / 6);
        assert!(c.rows[0].over);
        assert_eq!(c.rows[0].committed_x, Some(PLOT_X + PLOT_W * 5 / 6));
        // $50 × 600 = $30,000.
        assert_eq!(c.rows[1].estimate_w, PLOT_W / 2);
        assert_eq!(c.rows[1].committed_x, None);
        assert!(c.rows[1].label.chars().count() <= LABEL_CHARS);
        assert!(
            c.rows[1]
                .title
                .starts_with("A very long category name indeed")
        );
        // A full-width bar has its amount inside; a short one beside it.
        assert!(c.rows[0].actual_value.inside);
        assert_eq!(c.rows[0].actual_value.text, "$60,000.00");
        assert_eq!(c.rows[0].actual_value.x, PLOT_X + PLOT_W - 4);
        assert!(!c.rows[1].estimate_value.inside);
        assert_eq!(c.rows[1].estimate_value.x, PLOT_X + PLOT_W / 2 + 4);
    }

    #[test]
    fn the_net_line_crosses_zero_at_break_even() {
        let usd = crate::domain::money::USD;
        let i = inputs();
        let a = analyse(&i, chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()).unwrap();
        // F = 60,000; margin 150 a head: break-even at 400.
        assert_eq!(a.break_even, BreakEven::At(400));
        let c = net(&i, &a, usd).unwrap();
        let be = c.break_even.clone().unwrap();
        assert_eq!(be.at, NET_LEFT + (NET_RIGHT - NET_LEFT) * 400 / 1000);
        // The pessimistic scenario sits on the zero line, at the break-even point.
        assert_eq!(c.scenarios[0].y, c.zero_y);
        assert_eq!(c.scenarios[0].x, be.at);
        assert!(c.points.split(' ').count() == SAMPLES as usize + 1);
        for p in c.points.split(' ') {
            let (x, y) = p.split_once(',').unwrap();
            let (x, y): (i64, i64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!((NET_LEFT..=NET_RIGHT).contains(&x));
            assert!((NET_TOP..=NET_BOTTOM).contains(&y));
        }
        // Nothing at all still draws (a flat line at zero), without dividing by zero.
        let empty = Inputs {
            costs: vec![],
            tickets: vec![],
            ..inputs()
        };
        let a = analyse(&empty, chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()).unwrap();
        let c = net(&empty, &a, usd).unwrap();
        assert!(c.break_even.is_none());
        assert_eq!(c.y_ticks.len(), 1);
    }
}
