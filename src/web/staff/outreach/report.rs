//! `/staff/prospects/report`: the pipeline by stage and owner with usage and the list price
//! of the tiers asked for, and how prospects moved through the stages year by year;
//! `/staff/prospects.csv`: every prospect, streamed.

use actix_web::HttpResponse;
use askama::Template;

use crate::domain::prospects::{STAGES, Stage, figure_words};
use crate::error::AppResult;
use crate::models::prospects::{self as rows, Entered, PipelineCell};
use crate::models::usage as usage_rows;
use crate::web::csv_export::{self, Chunk};
use crate::web::extract::{OutreachStaff, Staff};
use crate::web::layout::Layout;
use crate::web::render;

type S = Staff<OutreachStaff>;

/// One owner's line of the pipeline.
pub struct OwnerLine {
    pub owner: String,
    /// Prospects at each stage, in `STAGES` order.
    pub counts: Vec<i64>,
    pub open: i64,
    pub usage: f64,
    /// Asked-for list prices of open prospects, per currency ("USD 45,000.00").
    pub asked: Vec<String>,
}

/// One year of the conversion table.
pub struct YearLine {
    pub year: String,
    /// Prospects that reached each stage in the year (in `STAGES` order).
    pub entered: Vec<i64>,
    /// Won as a share of those contacted that year.
    pub rate: String,
}

#[derive(Template)]
#[template(path = "staff/outreach/report.html")]
struct ReportPage {
    layout: Layout,
    stages: Vec<&'static str>,
    owners: Vec<OwnerLine>,
    totals: Vec<i64>,
    years: Vec<YearLine>,
    metric: String,
}

impl ReportPage {
    fn usage(&self, v: &f64) -> String {
        if *v <= 0.0 {
            "—".into()
        } else {
            figure_words(*v)
        }
    }
}

fn money_sum(by_currency: &[(String, i64)]) -> Vec<String> {
    by_currency
        .iter()
        .filter(|(_, v)| *v > 0)
        .map(|(c, v)| match crate::domain::Money::from_db(*v, c) {
            Ok(m) => m.to_string(),
            Err(_) => format!("{c} {v}"),
        })
        .collect()
}

fn owner_lines(cells: &[PipelineCell]) -> Vec<OwnerLine> {
    let mut names: Vec<Option<String>> = cells.iter().map(|c| c.owner.clone()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let mine: Vec<&PipelineCell> = cells.iter().filter(|c| c.owner == name).collect();
            let counts: Vec<i64> = STAGES
                .iter()
                .map(|s| {
                    mine.iter()
                        .filter(|c| c.stage == s.as_str())
                        .map(|c| c.n)
                        .sum()
                })
                .collect();
            let open_cells: Vec<&&PipelineCell> = mine
                .iter()
                .filter(|c| Stage::parse(&c.stage).is_some_and(Stage::is_open))
                .collect();
            let mut by_currency: Vec<(String, i64)> = Vec::new();
            for c in &open_cells {
                if let Some(cur) = &c.currency {
                    match by_currency.iter_mut().find(|(k, _)| k == cur) {
                        Some((_, v)) => *v = v.saturating_add(c.asked_minor),
                        None => by_currency.push((cur.clone(), c.asked_minor)),
                    }
                }
            }
            OwnerLine {
                owner: name.unwrap_or_else(|| "Nobody yet".into()),
                open: open_cells.iter().map(|c| c.n).sum(),
                usage: open_cells.iter().map(|c| c.usage).sum(),
                asked: money_sum(&by_currency),
                counts,
            }
        })
        .collect()
}

fn year_lines(entered: &[Entered]) -> Vec<YearLine> {
    let mut years: Vec<String> = entered.iter().map(|e| e.year.clone()).collect();
    years.sort();
    years.dedup();
    years.reverse();
    years
        .into_iter()
        .map(|year| {
            let of = |s: Stage| {
                entered
                    .iter()
                    .filter(|e| e.year == year && e.to_stage == s.as_str())
                    .map(|e| e.n)
                    .sum::<i64>()
            };
            let contacted = of(Stage::Contacted);
            let won = of(Stage::Won);
            YearLine {
                rate: if contacted > 0 {
                    format!("{}%", won * 100 / contacted)
                } else {
                    "—".into()
                },
                entered: STAGES.iter().map(|s| of(*s)).collect(),
                year,
            }
        })
        .collect()
}

/// `GET /staff/prospects/report`.
pub async fn report(staff: S) -> AppResult<HttpResponse> {
    let today = chrono::Utc::now().date_naive();
    let (cells, entered, metric) = staff
        .state
        .db
        .run(move |c| {
            let metric = usage_rows::metrics(c)?
                .into_iter()
                .next()
                .map(|(m, _)| m)
                .unwrap_or_default();
            let from = (today - chrono::Duration::days(365 * 5)).and_time(chrono::NaiveTime::MIN);
            Ok((
                rows::pipeline(c, &metric)?,
                rows::entered_by_year(c, from)?,
                metric,
            ))
        })
        .await?;
    let owners = owner_lines(&cells);
    let totals = (0..STAGES.len())
        .map(|i| owners.iter().map(|o| o.counts[i]).sum())
        .collect();
    render(&ReportPage {
        layout: staff.layout("Pipeline report", "/staff/prospects"),
        stages: STAGES.iter().map(|s| s.label()).collect(),
        owners,
        totals,
        years: year_lines(&entered),
        metric: crate::domain::usage::metric_label(&metric),
    })
}

/// `GET /staff/prospects.csv`: every prospect with its owner, stage, follow-up, the tier
/// asked for and its list price, and its usage of the most common metric over its last
/// year of figures; streamed a chunk at a time.
pub async fn export_csv(staff: S) -> AppResult<HttpResponse> {
    const HEADER: &[&str] = &[
        "Organisation",
        "Domain",
        "Stage",
        "Owner",
        "Follow-up",
        "Not before",
        "Tier asked for",
        "List price",
        "Usage metric",
        "Usage, last year of figures",
        "Sponsored before",
        "Do not contact",
        "Added",
    ];
    let metric = staff
        .state
        .db
        .run(move |c| {
            Ok(usage_rows::metrics(c)?
                .into_iter()
                .next()
                .map(|(m, _)| m)
                .unwrap_or_default())
        })
        .await?;
    csv_export::stream(&staff.state.db, "prospects.csv", HEADER, move |c, after| {
        let chunk = rows::export_chunk(c, after, csv_export::CHUNK)?;
        let ids: Vec<i64> = chunk.iter().map(|(p, _)| p.id).collect();
        let usage = usage_rows::totals_for(c, &ids, &metric)?;
        let tier_ids: Vec<i64> = chunk.iter().filter_map(|(p, _)| p.asked_tier_id).collect();
        let tiers = crate::models::tiers::find_many(c, &tier_ids)?;
        let metric = metric.clone();
        Ok(Chunk::of(
            chunk,
            |(p, _)| p.id,
            |(p, owner)| {
                let tier = p
                    .asked_tier_id
                    .and_then(|id| tiers.iter().find(|t| t.id == id));
                vec![vec![
                    p.name.clone(),
                    p.domain.clone(),
                    p.stage().label().to_string(),
                    owner.unwrap_or_default(),
                    p.follow_up_on.map(|d| d.to_string()).unwrap_or_default(),
                    p.not_before.map(|d| d.to_string()).unwrap_or_default(),
                    tier.map(|t| t.name.clone()).unwrap_or_default(),
                    tier.map(|t| {
                        format!(
                            "{} {}",
                            t.currency,
                            crate::models::invoices::money_plain(t.price_minor, &t.currency)
                        )
                    })
                    .unwrap_or_default(),
                    metric.clone(),
                    usage.get(&p.id).map(|v| format!("{v}")).unwrap_or_default(),
                    if p.sponsor_id.is_some() { "yes" } else { "no" }.to_string(),
                    if p.do_not_contact { "yes" } else { "no" }.to_string(),
                    p.created_at.date().to_string(),
                ]]
            },
        ))
    })
    .await
}
