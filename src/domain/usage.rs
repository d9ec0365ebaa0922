//! Usage evidence: how much an organisation used the foundation's infrastructure in a period
//! (package downloads, bandwidth, documentation page views, CI minutes, or any other metric
//! with its unit), as staff import it from a CSV file. This module reads and checks the
//! file's header and one row at a time; it knows nothing of the database.

use chrono::NaiveDate;

/// The columns a usage file has (in any order; the header row names them).
pub const REQUIRED_COLUMNS: [&str; 4] = ["organisation", "period", "metric", "value"];
pub const OPTIONAL_COLUMNS: [&str; 2] = ["domain", "unit"];
pub const ORGANISATION_MAX: usize = 200;
pub const DOMAIN_MAX: usize = 253;
pub const METRIC_MAX: usize = 80;
pub const UNIT_MAX: usize = 30;
/// No real figure is larger; a larger one is a mistake (a pasted identifier, say).
pub const VALUE_MAX: f64 = 1e15;

/// The period a figure covers: a year, a quarter or a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    Year(i32),
    Quarter(i32, u32),
    Month(i32, u32),
}

impl Period {
    /// "2026", "2026-Q3" (or "2026 Q3", "Q3 2026") or "2026-07".
    pub fn parse(input: &str) -> Result<Period, String> {
        let s = input.trim().to_ascii_uppercase().replace(' ', "-");
        let bad = || {
            format!(
                "\"{}\" is not a year (2026), a quarter (2026-Q3) or a month (2026-07)",
                input.trim()
            )
        };
        let year = |y: &str| -> Result<i32, String> {
            match y.parse::<i32>() {
                Ok(y) if (2000..=2100).contains(&y) => Ok(y),
                _ => Err(bad()),
            }
        };
        let parts: Vec<&str> = s.split('-').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(bad());
        }
        let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
        match parts.as_slice() {
            [y] if y.len() == 4 && digits(y) => Ok(Period::Year(year(y)?)),
            [y, q] | [q, y] if q.starts_with('Q') && y.len() == 4 && digits(y) => match &q[1..] {
                "1" | "2" | "3" | "4" => Ok(Period::Quarter(year(y)?, q[1..].parse().unwrap_or(0))),
                _ => Err(bad()),
            },
            [y, m] if y.len() == 4 && digits(y) && m.len() <= 2 && digits(m) => {
                match m.parse::<u32>() {
                    Ok(m) if (1..=12).contains(&m) => Ok(Period::Month(year(y)?, m)),
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }

    /// The canonical form, as stored and shown: "2026", "2026-Q3", "2026-07".
    pub fn key(&self) -> String {
        match self {
            Period::Year(y) => format!("{y}"),
            Period::Quarter(y, q) => format!("{y}-Q{q}"),
            Period::Month(y, m) => format!("{y}-{m:02}"),
        }
    }

    pub fn first_day(&self) -> NaiveDate {
        let (y, m) = match *self {
            Period::Year(y) => (y, 1),
            Period::Quarter(y, q) => (y, q.clamp(1, 4) * 3 - 2),
            Period::Month(y, m) => (y, m),
        };
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(&self) -> NaiveDate {
        let next = match *self {
            Period::Year(y) => NaiveDate::from_ymd_opt(y + 1, 1, 1),
            Period::Quarter(y, 4) | Period::Month(y, 12) => NaiveDate::from_ymd_opt(y + 1, 1, 1),
            Period::Quarter(y, q) => NaiveDate::from_ymd_opt(y, q.clamp(1, 4) * 3 + 1, 1),
            Period::Month(y, m) => NaiveDate::from_ymd_opt(y, m + 1, 1),
        };
        next.and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
    }

    /// Whether the period lies within the term from `start` to `end` (inclusive).
    pub fn within(&self, start: NaiveDate, end: NaiveDate) -> bool {
        self.first_day() >= start && self.last_day() <= end
    }
    /// As a reader says it: "2026", "Q3 2026", "July 2026".
    pub fn label(&self) -> String {
        match *self {
            Period::Year(y) => format!("{y}"),
            Period::Quarter(y, q) => format!("Q{q} {y}"),
            Period::Month(..) => self.first_day().format("%B %Y").to_string(),
        }
    }

    /// 0 for a month, 1 for a quarter, 2 for a year: the finer, the lower.
    fn coarseness(&self) -> u8 {
        match self {
            Period::Month(..) => 0,
            Period::Quarter(..) => 1,
            Period::Year(_) => 2,
        }
    }
}

/// A metric's name as stored: trimmed, single spaces, lower case (files spell the same
/// metric "Package downloads" and "package downloads").
pub fn metric_key(metric: &str) -> String {
    metric
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A stored metric name as a heading: "package downloads" → "Package downloads".
pub fn metric_label(metric: &str) -> String {
    let mut c = metric.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One metric's figures over time, at one granularity, oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub metric: String,
    pub unit: String,
    pub points: Vec<(Period, f64)>,
}

/// The most points a series keeps (the newest).
pub const SERIES_POINTS: usize = 12;

impl Series {
    /// The total over the last year of figures (the periods that start within a year of the
    /// newest one's end), with the first and last day it covers.
    pub fn last_year(&self) -> Option<(f64, NaiveDate, NaiveDate)> {
        let end = self.points.last()?.0.last_day();
        let start = end
            .checked_sub_months(chrono::Months::new(12))
            .and_then(|d| d.succ_opt())
            .unwrap_or(NaiveDate::MIN);
        let within: Vec<&(Period, f64)> = self
            .points
            .iter()
            .filter(|(p, _)| p.first_day() >= start)
            .collect();
        let first = within.first()?.0.first_day();
        Some((within.iter().map(|(_, v)| v).sum(), first, end))
    }
}

/// Figures (metric, unit, period key, value) as one series a metric: where a metric has
/// figures for months and for the quarters or years they make up, only the finest are kept,
/// so nothing is counted twice. Metrics in order of name; the newest points kept.
pub fn series(figures: impl IntoIterator<Item = (String, String, String, f64)>) -> Vec<Series> {
    let mut by_metric: std::collections::BTreeMap<String, (String, Vec<(Period, f64)>)> =
        Default::default();
    for (metric, unit, key, value) in figures {
        let Ok(p) = Period::parse(&key) else {
            continue;
        };
        let e = by_metric.entry(metric).or_default();
        if e.0.is_empty() {
            e.0 = unit;
        }
        e.1.push((p, value));
    }
    by_metric
        .into_iter()
        .map(|(metric, (unit, mut points))| {
            let finest = points
                .iter()
                .map(|(p, _)| p.coarseness())
                .min()
                .unwrap_or(0);
            points.retain(|(p, _)| p.coarseness() == finest);
            points.sort_by_key(|(p, _)| p.first_day());
            points.dedup_by_key(|(p, _)| *p);
            let cut = points.len().saturating_sub(SERIES_POINTS);
            points.drain(..cut);
            Series {
                metric,
                unit,
                points,
            }
        })
        .collect()
}

/// Where each column is in the file's rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    organisation: usize,
    domain: Option<usize>,
    period: usize,
    metric: usize,
    unit: Option<usize>,
    value: usize,
}

impl Header {
    /// Reads the header row: each required column once, the optional ones at most once, and
    /// nothing else (a misspelt column would otherwise be silently ignored).
    pub fn parse<'a>(cells: impl IntoIterator<Item = &'a str>) -> Result<Header, String> {
        let mut found: Vec<(String, usize)> = Vec::new();
        for (i, cell) in cells.into_iter().enumerate() {
            let name = cell
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase();
            if name.is_empty() {
                continue;
            }
            if !REQUIRED_COLUMNS.contains(&name.as_str())
                && !OPTIONAL_COLUMNS.contains(&name.as_str())
            {
                return Err(format!(
                    "The first line names a column \"{}\" we do not know. The columns are: {}, and optionally {}.",
                    cell.trim(),
                    REQUIRED_COLUMNS.join(", "),
                    OPTIONAL_COLUMNS.join(" and ")
                ));
            }
            if found.iter().any(|(n, _)| *n == name) {
                return Err(format!("The first line names the column \"{name}\" twice."));
            }
            found.push((name, i));
        }
        let at = |n: &str| found.iter().find(|(f, _)| f == n).map(|(_, i)| *i);
        let missing: Vec<&str> = REQUIRED_COLUMNS
            .iter()
            .copied()
            .filter(|c| at(c).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "The first line must name the columns; {} {} missing. The columns are: {}, and optionally {}.",
                missing.join(", "),
                if missing.len() == 1 { "is" } else { "are" },
                REQUIRED_COLUMNS.join(", "),
                OPTIONAL_COLUMNS.join(" and ")
            ));
        }
        Ok(Header {
            organisation: at("organisation").unwrap_or(0),
            domain: at("domain"),
            period: at("period").unwrap_or(0),
            metric: at("metric").unwrap_or(0),
            unit: at("unit"),
            value: at("value").unwrap_or(0),
        })
    }

    /// How many cells a row has.
    fn width(&self) -> usize {
        [
            Some(self.organisation),
            self.domain,
            Some(self.period),
            Some(self.metric),
            self.unit,
            Some(self.value),
        ]
        .into_iter()
        .flatten()
        .max()
        .map_or(0, |m| m + 1)
    }
}

/// One figure, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct UsageRow {
    pub organisation: String,
    /// The organisation's web domain (lower case, without "www."), or "" when not given.
    pub domain: String,
    pub period: Period,
    /// As written (trimmed), compared without regard to case.
    pub metric: String,
    pub unit: String,
    pub value: f64,
}

/// A text cell: trimmed, at most `max` characters, nothing a spreadsheet would run as a
/// formula, no control characters.
fn text_cell(cell: &str, what: &str, max: usize, required: bool) -> Result<String, String> {
    let v = cell.trim();
    if v.is_empty() {
        return if required {
            Err(format!("the {what} is empty"))
        } else {
            Ok(String::new())
        };
    }
    if v.chars().any(char::is_control) {
        return Err(format!(
            "the {what} contains characters that cannot be shown"
        ));
    }
    if let Some(first) = v
        .chars()
        .next()
        .filter(|c| matches!(c, '=' | '+' | '-' | '@'))
    {
        return Err(format!(
            "the {what} starts with \"{first}\", which a spreadsheet runs as a formula"
        ));
    }
    if v.chars().count() > max {
        return Err(format!("the {what} is longer than {max} characters"));
    }
    Ok(v.to_string())
}

/// A figure: digits with an optional decimal point; thousands may be grouped with commas,
/// spaces or underscores ("48,000,000").
fn value_cell(cell: &str) -> Result<f64, String> {
    let v = cell.trim();
    let (whole, fraction) = v.split_once('.').unwrap_or((v, ""));
    // Thousands grouped by one separator, in threes ("48,000,000"); a comma anywhere else
    // is a decimal comma, which would silently read as a different number, so it is refused.
    let groups: Vec<&str> = whole.split([',', '_', ' ', '\u{a0}']).collect();
    let grouped = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits: String = groups.concat();
    let well_formed = grouped
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit())
        && !(v.contains('.') && fraction.is_empty());
    let digits = if fraction.is_empty() {
        digits
    } else {
        format!("{digits}.{fraction}")
    };
    match digits.parse::<f64>() {
        Ok(n) if well_formed && n.is_finite() && n <= VALUE_MAX => Ok(n),
        _ if v.is_empty() => Err("the value is empty".into()),
        _ => Err(format!(
            "the value \"{}\" is not a figure (write it like 48000000 or 1234.5)",
            v.chars().take(40).collect::<String>()
        )),
    }
}

/// Checks one row of the file. Every problem of the row is named, in the order of the
/// columns, so the line can be fixed in one go.
pub fn parse_row(header: &Header, cells: &[&str]) -> Result<UsageRow, String> {
    if cells.len() < header.width() {
        return Err(format!(
            "it has {} cells where the first line names {}",
            cells.len(),
            header.width()
        ));
    }
    let cell = |i: usize| cells.get(i).copied().unwrap_or("");
    let mut problems = Vec::new();
    let organisation = text_cell(
        cell(header.organisation),
        "organisation",
        ORGANISATION_MAX,
        true,
    )
    .map_err(|e| problems.push(e))
    .unwrap_or_default();
    let domain = match header
        .domain
        .map(cell)
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => String::new(),
        Some(d) => match super::organisations::host_of(d)
            .filter(|h| h.len() <= DOMAIN_MAX && h.contains('.'))
        {
            Some(h) => h,
            None => {
                problems.push(format!(
                    "the domain \"{}\" is not a web domain",
                    d.chars().take(60).collect::<String>()
                ));
                String::new()
            }
        },
    };
    let period = Period::parse(cell(header.period))
        .map_err(|e| problems.push(format!("the period {e}")))
        .ok();
    let metric = text_cell(cell(header.metric), "metric", METRIC_MAX, true)
        .map_err(|e| problems.push(e))
        .unwrap_or_default();
    let unit = header
        .unit
        .map(|u| text_cell(cell(u), "unit", UNIT_MAX, false))
        .transpose()
        .map_err(|e| problems.push(e))
        .ok()
        .flatten()
        .unwrap_or_default();
    let value = value_cell(cell(header.value))
        .map_err(|e| problems.push(e))
        .ok();
    match (period, value) {
        (Some(period), Some(value)) if problems.is_empty() => Ok(UsageRow {
            organisation,
            domain,
            period,
            metric,
            unit,
            value,
        }),
        _ => Err(problems.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn periods_are_years_quarters_or_months() {
        assert_eq!(Period::parse("2026"), Ok(Period::Year(2026)));
        assert_eq!(Period::parse(" 2026-q3 "), Ok(Period::Quarter(2026, 3)));
        assert_eq!(Period::parse("Q4 2025"), Ok(Period::Quarter(2025, 4)));
        assert_eq!(Period::parse("2026-7"), Ok(Period::Month(2026, 7)));
        assert_eq!(
            Period::parse("2026-07").map(|p| p.key()),
            Ok("2026-07".into())
        );
        for bad in [
            "",
            "26",
            "2026-13",
            "2026-Q5",
            "2026-00",
            "1999",
            "July 2026",
            "2026-07-01",
            "2026-+7",
            "-2026",
            "2026-",
            "2026--07",
            "2026-Q",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        let q = Period::Quarter(2026, 4);
        assert_eq!(
            (q.first_day(), q.last_day()),
            (d(2026, 10, 1), d(2026, 12, 31))
        );
        let m = Period::Month(2024, 2);
        assert_eq!(
            (m.first_day(), m.last_day()),
            (d(2024, 2, 1), d(2024, 2, 29))
        );
        assert_eq!(Period::Year(2026).last_day(), d(2026, 12, 31));
        assert!(Period::Quarter(2026, 2).within(d(2026, 1, 1), d(2026, 12, 31)));
        assert!(!Period::Year(2026).within(d(2026, 3, 1), d(2027, 2, 28)));
    }

    #[test]
    fn the_header_names_every_required_column_once_in_any_order() {
        let h =
            Header::parse(["\u{feff}Value", "metric", "ORGANISATION", "period"]).expect("header");
        assert_eq!(h.value, 0);
        assert_eq!(h.domain, None);
        assert!(
            Header::parse(["organisation", "period", "metric"])
                .unwrap_err()
                .contains("value is missing")
        );
        assert!(
            Header::parse(["organisation", "period", "metric", "value", "vaule"])
                .unwrap_err()
                .contains("\"vaule\"")
        );
        assert!(
            Header::parse(["organisation", "period", "metric", "value", "metric"])
                .unwrap_err()
                .contains("twice")
        );
        // A spreadsheet's trailing empty columns are not columns.
        assert!(Header::parse(["organisation", "period", "metric", "value", "", " "]).is_ok());
    }

    #[test]
    fn a_row_is_checked_and_every_problem_named() {
        let h = Header::parse([
            "organisation",
            "domain",
            "period",
            "metric",
            "unit",
            "value",
        ])
        .expect("header");
        let row = parse_row(
            &h,
            &[
                "  Acme Inc. ",
                "https://www.ACME.example/",
                "2026-Q1",
                "Package downloads",
                "downloads",
                "48,000,000",
            ],
        )
        .expect("row");
        assert_eq!(row.organisation, "Acme Inc.");
        assert_eq!(row.domain, "acme.example");
        assert_eq!(row.period, Period::Quarter(2026, 1));
        assert_eq!(row.value, 48_000_000.0);
        for (written, value) in [
            ("1 234 567", 1_234_567.0),
            ("12.5", 12.5),
            ("0", 0.0),
            ("1_000", 1000.0),
        ] {
            let r = parse_row(&h, &["Acme", "", "2026", "m", "", written]).expect(written);
            assert_eq!(r.value, value, "{written}");
        }
        let ok = parse_row(&h, &["Acme", "", "2026", "Bandwidth", "", "1234.5"]).expect("row");
        assert_eq!(
            (ok.domain.as_str(), ok.unit.as_str(), ok.value),
            ("", "", 1234.5)
        );

        let e = parse_row(
            &h,
            &[
                "=HYPERLINK(\"x\")",
                "not a domain",
                "2026-13",
                "",
                "@unit",
                "-5",
            ],
        )
        .unwrap_err();
        for part in [
            "formula",
            "not a web domain",
            "period",
            "metric is empty",
            "unit starts with \"@\"",
            "not a figure",
        ] {
            assert!(e.contains(part), "{part} in {e}");
        }
        assert!(
            parse_row(&h, &["Acme", "", "2026"])
                .unwrap_err()
                .contains("3 cells")
        );
        for bad in [
            "1e99",
            "NaN",
            "inf",
            "12.3.4",
            "0x10",
            "1,2.3.",
            ".",
            "1234,5",
            "1,5",
            "12,34,567",
            "5.",
        ] {
            assert!(
                parse_row(&h, &["Acme", "", "2026", "m", "", bad]).is_err(),
                "{bad}"
            );
        }
        assert!(parse_row(&h, &["Acme\u{7}", "", "2026", "m", "", "1"]).is_err());
        assert!(parse_row(&h, &[&"a".repeat(201), "", "2026", "m", "", "1"]).is_err());
    }

    #[test]
    fn series_keep_the_finest_periods_and_sum_the_last_year() {
        let f =
            |m: &str, k: &str, v: f64| (m.to_string(), "packages".to_string(), k.to_string(), v);
        let s = series([
            f("package downloads", "2025", 999.0),
            f("package downloads", "2025-Q4", 40.0),
            f("package downloads", "2025-Q1", 10.0),
            f("package downloads", "2025-Q2", 20.0),
            f("package downloads", "2025-Q3", 30.0),
            f("package downloads", "2024-Q4", 5.0),
            f("ci minutes", "2026-03", 7.0),
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].metric, "ci minutes");
        let d = &s[1];
        assert_eq!(
            d.points.len(),
            5,
            "the year is left out: its quarters are there"
        );
        let (total, from, to) = d.last_year().unwrap();
        assert_eq!(total, 100.0);
        assert_eq!(from, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
        assert_eq!(to, NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
        assert_eq!(metric_key("  Package   Downloads "), "package downloads");
        assert_eq!(metric_label("package downloads"), "Package downloads");
        assert_eq!(Period::parse("2026-07").unwrap().label(), "July 2026");
    }
}
