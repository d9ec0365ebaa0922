//! Usage charts (one a metric), drawn on the server as SVG: the staff's prospect page, the
//! organisation's private usage page and the sponsor's impact report use the same one.

use crate::domain::prospects::figure_words;
use crate::domain::usage::{Series, metric_label};
use crate::web::chart::columns;

const WIDTH: i64 = 640;
const HEIGHT: i64 = 220;
const PLOT_X: i64 = 16;
const PLOT_TOP: i64 = 28;
const PLOT_H: i64 = 150;

/// One period's column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub x: i64,
    pub w: i64,
    pub y: i64,
    pub h: i64,
    pub mid: i64,
    pub label: String,
    pub value: String,
}

/// One metric's chart, with the same figures as a table for those who do not see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageChart {
    pub title: String,
    pub unit: String,
    pub width: i64,
    pub height: i64,
    pub base_y: i64,
    pub right: i64,
    pub bars: Vec<Bar>,
    /// "48 million packages in the year to 31 December 2025" (empty without a year).
    pub summary: String,
}

impl UsageChart {
    /// A sentence for screen readers: the chart's figures in words.
    pub fn description(&self) -> String {
        let points: Vec<String> = self
            .bars
            .iter()
            .map(|b| format!("{}: {}", b.label, b.value))
            .collect();
        format!("{} by period. {}", self.title, points.join("; "))
    }
}

fn with_unit(v: f64, unit: &str) -> String {
    if unit.is_empty() {
        figure_words(v)
    } else {
        format!("{} {unit}", figure_words(v))
    }
}

/// A chart for each series.
pub fn charts(series: &[Series]) -> Vec<UsageChart> {
    series
        .iter()
        .map(|s| {
            // Columns are laid out from whole numbers (figures may have decimals).
            let values: Vec<i64> = s
                .points
                .iter()
                .map(|(_, v)| v.round().clamp(0.0, i64::MAX as f64) as i64)
                .collect();
            let base_y = PLOT_TOP + PLOT_H;
            let cols = columns(&values, PLOT_X, WIDTH - PLOT_X * 2, base_y, PLOT_H);
            let bars = s
                .points
                .iter()
                .zip(cols)
                .map(|((p, v), c)| Bar {
                    x: c.x,
                    w: c.w,
                    y: c.y,
                    h: c.h.max(1),
                    mid: c.mid,
                    label: p.label(),
                    value: figure_words(*v),
                })
                .collect();
            let summary = s
                .last_year()
                .map(|(total, _, to)| {
                    format!(
                        "{} in the year to {}",
                        with_unit(total, &s.unit),
                        to.format("%-d %B %Y")
                    )
                })
                .unwrap_or_default();
            UsageChart {
                title: metric_label(&s.metric),
                unit: s.unit.clone(),
                width: WIDTH,
                height: HEIGHT,
                base_y,
                right: WIDTH - PLOT_X,
                bars,
                summary,
            }
        })
        .collect()
}
