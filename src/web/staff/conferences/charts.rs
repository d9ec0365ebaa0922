//! The conference budget's two charts, laid out on the server as numbers for an SVG template
//! (the template writes every element, so names are escaped like any other text):
//! estimate against actual by category, and the net result against attendance with the
//! break-even point and the three scenarios marked.

use crate::domain::conference_budget::{Analysis, BreakEven, Inputs, net_at};
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
    /// Written inside the bar (light on dark).
    pub inside: bool,
    /// `start` or `end`: which end of the text `x` is.
    pub anchor: &'static str,
}

/// Room a value needs after a bar before it goes inside it.
const VALUE_W: i64 = 110;

/// About how wide a chart text of `chars` characters is at 13 px (a little generous).
fn text_w(chars: usize) -> i64 {
    chars as i64 * 15 / 2
}

/// A text's box on the chart: (left, top, right, bottom), from its anchor point and baseline.
type TextBox = (i64, i64, i64, i64);

fn text_box(x: i64, y: i64, chars: usize, anchor: &str) -> TextBox {
    let w = text_w(chars);
    let left = match anchor {
        "end" => x - w,
        "middle" => x - w / 2,
        _ => x,
    };
    (left, y - 11, left + w, y + 3)
}

fn overlaps(a: TextBox, b: TextBox) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// An amount at the end of a bar, kept clear of the bar's "committed" mark: a value that
/// would be written across the mark moves to its far side.
fn value_clear_of(text: String, bar_w: i64, y: i64, mark: Option<i64>) -> Value {
    let mut v = value(text, bar_w, y);
    let Some(mark) = mark else {
        return v;
    };
    let chars = v.text.chars().count();
    let (left, _, right, _) = text_box(v.x, v.y, chars, v.anchor);
    if mark + 2 < left || mark - 2 > right {
        return v;
    }
    let w = text_w(chars);
    if v.inside {
        // Inside, right-aligned: end just before the mark.
        v.x = mark - 4;
        if v.x - w < PLOT_X {
            v.inside = false;
            v.anchor = "start";
            v.x = mark + 4;
        }
    } else if mark + 4 + w <= WIDTH {
        v.x = mark + 4;
    } else if mark - 4 - w >= PLOT_X + bar_w + 2 {
        // No room after the mark: between the bar's end and the mark.
        v.x = mark - 4;
        v.anchor = "end";
    } else {
        // Inside the bar, before the mark.
        v.inside = true;
        v.anchor = "end";
        v.x = mark - 4;
    }
    v
}

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
        anchor: if inside { "end" } else { "start" },
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
            let committed_x = (t.committed > 0).then(|| PLOT_X + scale(t.committed, max, PLOT_W));
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
                estimate_value: value_clear_of(
                    money(t.estimate),
                    estimate_w,
                    y + BAR_H - 3,
                    committed_x,
                ),
                actual_value: value_clear_of(
                    money(t.actual),
                    actual_w,
                    y + 2 * BAR_H - 1,
                    committed_x,
                ),
                committed_x,
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

/// A scenario's point on the net-result line, with where its label goes (clear of the other
/// labels and the break-even label).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    pub x: i64,
    pub y: i64,
    pub label: String,
    pub label_x: i64,
    pub label_y: i64,
    pub anchor: &'static str,
    pub title: String,
    pub loss: bool,
}

/// The break-even line and its label (beside the line, on whichever side has room).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub at: i64,
    pub label: String,
    pub label_x: i64,
    pub label_y: i64,
    pub anchor: &'static str,
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
    pub break_even: Option<Mark>,
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
    // Labels are placed one by one, each clear of those already placed: the break-even
    // label first (at the top, right of its line, or left of it near the right edge), then
    // each scenario's above its point, or below it, or further out.
    let mut placed: Vec<TextBox> = Vec::new();
    let break_even = match a.break_even {
        BreakEven::At(n) => {
            let at = x_of(n);
            let label = format!("Break-even: {n}");
            let chars = label.chars().count();
            let (label_x, anchor) = if at + 4 + text_w(chars) <= NET_W {
                (at + 4, "start")
            } else {
                (at - 4, "end")
            };
            let label_y = NET_TOP - 8;
            placed.push(text_box(label_x, label_y, chars, anchor));
            // The dashed line itself: no scenario label is written across it.
            placed.push((at - 2, NET_TOP, at + 2, NET_BOTTOM));
            Some(Mark {
                at,
                label,
                label_x,
                label_y,
                anchor,
            })
        }
        _ => None,
    };
    // Every scenario's marker is an obstacle for every label.
    for s in &a.scenarios {
        let (x, y) = (x_of(s.attendance), y_of(s.net));
        placed.push((x - 6, y - 6, x + 6, y + 6));
    }
    let mut scenarios = Vec::new();
    for s in &a.scenarios {
        let (x, y) = (x_of(s.attendance), y_of(s.net));
        let label = s.label.to_string();
        let chars = label.chars().count();
        // Nearest first: above, below, beside, then one text row further out each time.
        let mut candidates = vec![
            (x, y - 10, "middle"),
            (x, y + 20, "middle"),
            (x + 9, y + 4, "start"),
            (x - 9, y + 4, "end"),
        ];
        for row in 1..=8 {
            let d = row * 14;
            candidates.extend([
                (x, y - 10 - d, "middle"),
                (x, y + 20 + d, "middle"),
                (x + 9, y + 4 - d, "start"),
                (x - 9, y + 4 - d, "end"),
                (x + 9, y + 4 + d, "start"),
                (x - 9, y + 4 + d, "end"),
            ]);
        }
        let fits = |(cx, cy, anchor): (i64, i64, &str)| {
            let b = text_box(cx, cy, chars, anchor);
            b.0 >= 0 && b.2 <= NET_W && b.1 >= 0 && b.3 <= NET_H
                && !placed.iter().any(|p| overlaps(*p, b))
                // Nor over its own marker.
                && !overlaps(b, (x - 6, y - 6, x + 6, y + 6))
        };
        let (label_x, label_y, anchor) = candidates
            .iter()
            .copied()
            .find(|c| fits(*c))
            .unwrap_or(candidates[0]);
        placed.push(text_box(label_x, label_y, chars, anchor));
        scenarios.push(Point {
            x,
            y,
            label,
            label_x,
            label_y,
            anchor,
            title: format!(
                "{}: {} attendees, net {}",
                s.label,
                s.attendance,
                money(s.net)
            ),
            loss: s.net < 0,
        });
    }
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
    use crate::domain::conference_budget::{Basis, CostLine, Ticket, analyse};

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

    /// The net chart's labels, and what they must keep clear of (the break-even line, the
    /// scenarios' markers).
    fn label_boxes(c: &NetChart) -> (Vec<TextBox>, Vec<TextBox>) {
        let (mut labels, mut obstacles) = (Vec::new(), Vec::new());
        if let Some(b) = &c.break_even {
            labels.push(text_box(
                b.label_x,
                b.label_y,
                b.label.chars().count(),
                b.anchor,
            ));
            obstacles.push((b.at - 2, NET_TOP, b.at + 2, NET_BOTTOM));
        }
        for p in &c.scenarios {
            labels.push(text_box(
                p.label_x,
                p.label_y,
                p.label.chars().count(),
                p.anchor,
            ));
            obstacles.push((p.x - 6, p.y - 6, p.x + 6, p.y + 6));
        }
        (labels, obstacles)
    }

    #[test]
    fn no_two_labels_of_the_net_chart_overlap_whatever_the_budget() {
        let usd = crate::domain::money::USD;
        // Break-even at every scenario, scenarios bunched together, at the top and bottom of
        // the plot, near the right edge: 600 budgets.
        for fixed in [0, 1_000_000, 3_000_000, 6_000_000, 9_000_000, 14_000_000] {
            for price in [5_000, 10_000, 20_000, 40_000, 80_000] {
                for scenarios in [
                    [400, 600, 1000],
                    [380, 400, 420],
                    [990, 995, 1000],
                    [10, 20, 30],
                ] {
                    for cap in [1000, 100_000] {
                        let i = Inputs {
                            attendance_cap: cap,
                            scenarios: scenarios.map(|s| s * cap / 1000),
                            costs: vec![CostLine {
                                category: "Venue".into(),
                                item: "Hall".into(),
                                basis: Basis::Fixed,
                                estimate: fixed * cap / 1000,
                                committed: None,
                                actual: None,
                                liability: None,
                                liability_from: None,
                            }],
                            tickets: vec![Ticket {
                                name: "Regular".into(),
                                price,
                                share_permille: 1000,
                            }],
                            ..inputs()
                        };
                        let today = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
                        let a = analyse(&i, today).unwrap();
                        let c = net(&i, &a, usd).unwrap();
                        let (labels, obstacles) = label_boxes(&c);
                        for (k, a) in labels.iter().enumerate() {
                            assert!(
                                a.0 >= 0 && a.2 <= NET_W && a.1 >= 0 && a.3 <= NET_H,
                                "{a:?} outside the chart"
                            );
                            for b in labels[k + 1..].iter().chain(&obstacles) {
                                // Bunched scenarios may leave no room at all; the layout only
                                // promises no overlap where a free place exists, and the
                                // cases above all have one.
                                assert!(
                                    !overlaps(*a, *b),
                                    "labels overlap: {a:?} and {b:?} (fixed {fixed}, price {price}, scenarios {scenarios:?}, cap {cap})"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn an_amount_never_sits_under_the_committed_mark() {
        for (bar_w, mark) in [
            (100, 100 + PLOT_X + 20),
            (300, PLOT_X + 290),
            (PLOT_W, PLOT_X + PLOT_W - 30),
            // The mark near the right edge, the bar short or long.
            (200, PLOT_X + PLOT_W - 5),
            (PLOT_W - 150, PLOT_X + PLOT_W - 140),
        ] {
            let v = value_clear_of("$12,345.00".into(), bar_w, 20, Some(mark));
            let b = text_box(v.x, v.y, 10, v.anchor);
            assert!(b.0 >= PLOT_X && b.2 <= WIDTH, "{v:?} leaves the chart");
            assert!(
                mark < b.0 - 1 || mark > b.2 + 1,
                "{v:?} covers the mark at {mark}"
            );
        }
    }
}
