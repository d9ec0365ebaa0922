//! Public grant pages: the programmes open for applications with their rules in plain words,
//! and the register of awarded grants (only those whose applicants agreed to be listed), with
//! filters and a CSV download.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::grants::COC_POLICY;
use crate::domain::{Currency, Money, country};
use crate::error::AppResult;
use crate::models::grant_programmes::{self as programmes, GrantProgramme};
use crate::models::grant_register::{self, RegisterFilter, RegisterRow};
use crate::web::csv_export::{self, Chunk};
use crate::web::extract::Ctx;
use crate::web::layout::Layout;
use crate::web::pager::Pager;
use crate::web::{render, urlencode};

/// A programme as the public page shows it.
pub struct ProgrammeView {
    pub name: String,
    pub kind: &'static str,
    pub description: String,
    /// The rules, one plain sentence each.
    pub rules: Vec<String>,
}

/// The rules of a programme in plain words (amounts in the foundation currency).
pub fn rules_in_words(p: &GrantProgramme, base: Currency) -> Vec<String> {
    let mut v = Vec::new();
    if p.requires_coc {
        v.push(format!(
            "Your event must publish a code of conduct. {COC_POLICY}"
        ));
    }
    if p.min_lead_days > 0 {
        v.push(format!(
            "Apply at least {} days before the event starts, so reviewers have time.",
            p.min_lead_days
        ));
    }
    if let Some(max) = p.max_amount_minor {
        v.push(format!(
            "We grant at most {} per application.",
            Money::new(max, base)
        ));
    }
    if let Some(per) = p.per_attendee_minor {
        v.push(format!(
            "As a guide, reviewers expect about {} per expected attendee.",
            Money::new(per, base)
        ));
    }
    if p.kind().has_attendance() {
        v.push("Tell us how many people you expect to attend.".into());
    }
    v.push(if p.kind().has_attendance() {
        format!(
            "After the event, send us a short report within {} days.",
            p.report_days
        )
    } else {
        format!(
            "When the work is done, send us a short report within {} days.",
            p.report_days
        )
    });
    v
}

#[derive(Template)]
#[template(path = "public/grants/index.html")]
struct IndexPage {
    layout: Layout,
    programmes: Vec<ProgrammeView>,
    currencies: String,
}

/// `GET /grants`: what we fund and how to apply.
pub async fn index(ctx: Ctx) -> AppResult<HttpResponse> {
    let base = ctx.settings().currency();
    let (open, currencies) = ctx
        .state
        .db
        .run(move |c| Ok(programmes::offer(c, base)?))
        .await?;
    let programmes = open
        .iter()
        .map(|p| ProgrammeView {
            name: p.name.clone(),
            kind: p.kind().label(),
            description: p.description.clone(),
            rules: rules_in_words(p, base),
        })
        .collect();
    render(&IndexPage {
        layout: ctx.layout("Grants", "/grants"),
        programmes,
        currencies: currencies.join(", "),
    })
}

/// The register's filters as they arrive in the query string.
#[derive(Deserialize, Default, Clone)]
pub struct RegisterQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    programme: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    page: String,
}

/// Grants listed on a page of the register.
const REGISTER_PER_PAGE: i64 = 50;

impl RegisterQuery {
    /// The filters understood; anything else (a typo, a hostile value) means "all".
    fn filter(&self) -> RegisterFilter {
        RegisterFilter {
            year: self
                .year
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|y| (2000..=2200).contains(y)),
            programme_id: self.programme.trim().parse::<i64>().ok().filter(|p| *p > 0),
            country: country::parse(&self.country, "the country")
                .ok()
                .map(str::to_string),
        }
    }
}

/// The query string for a filter ("" when there is none), for links that keep it.
fn query_string(f: &RegisterFilter) -> String {
    let mut parts = Vec::new();
    if let Some(y) = f.year {
        parts.push(format!("year={y}"));
    }
    if let Some(p) = f.programme_id {
        parts.push(format!("programme={p}"));
    }
    if let Some(c) = &f.country {
        parts.push(format!("country={}", urlencode(c)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

#[derive(Template)]
#[template(path = "public/grants/register.html")]
struct RegisterPage {
    layout: Layout,
    rows: Vec<RegisterRow>,
    pager: Pager,
    filter: RegisterFilter,
    years: Vec<i32>,
    programmes: Vec<(i64, String)>,
    countries: Vec<(String, String)>,
    csv_href: String,
}

impl RegisterPage {
    fn year_selected(&self, y: &i32) -> bool {
        self.filter.year == Some(*y)
    }
    fn programme_selected(&self, id: &i64) -> bool {
        self.filter.programme_id == Some(*id)
    }
    fn country_selected(&self, code: &str) -> bool {
        self.filter.country.as_deref() == Some(code)
    }
    fn filtered(&self) -> bool {
        self.filter != RegisterFilter::default()
    }
}

/// `GET /grants/register?year=&programme=&country=&page=`: a page of the register.
pub async fn register(ctx: Ctx, q: web::Query<RegisterQuery>) -> AppResult<HttpResponse> {
    let filter = q.filter();
    let f = filter.clone();
    let asked = q.page.clone();
    // Public and read far more often than grants are decided: reuse the page for a few
    // seconds (STEWARD_PUBLIC_CACHE_SECS), keyed by the filter and page as understood.
    let db = ctx.state.db.clone();
    let key = format!(
        "grants-register:{}:{}:{}",
        chrono::Utc::now().date_naive(),
        query_string(&filter),
        asked.trim().parse::<i64>().unwrap_or(1).max(1)
    );
    let qs = query_string(&filter);
    let page_url =
        crate::web::pager::links("/grants/register", qs.trim_start_matches('?').to_string());
    let (rows, pager, choices) = ctx
        .state
        .public_cache
        .get_or_build(key, async move {
            db.run(move |c| {
                let total = grant_register::count(c, &f)?;
                let pager = Pager::new(Some(asked.as_str()), total, REGISTER_PER_PAGE, page_url);
                let rows = grant_register::page(c, &f, pager.offset(), REGISTER_PER_PAGE)?;
                Ok((rows, pager, grant_register::choices(c)?))
            })
            .await
        })
        .await?;
    // The choices offered are those that list something.
    let mut countries: Vec<(String, String)> = choices
        .countries
        .iter()
        .map(|code| {
            let name = country::name(code).unwrap_or(code).to_string();
            (code.clone(), name)
        })
        .collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    render(&RegisterPage {
        layout: ctx.layout("Grants register", "/grants"),
        csv_href: format!("/grants/register.csv{}", query_string(&filter)),
        rows,
        pager,
        filter,
        years: choices.years.clone(),
        programmes: choices.programmes.clone(),
        countries,
    })
}

/// `GET /grants/register.csv`: the register with the same filters, for spreadsheets, every
/// grant they select, newest first; streamed a chunk at a time. Every cell goes through
/// `domain::csv`, so a name that looks like a formula stays text.
pub async fn register_csv(ctx: Ctx, q: web::Query<RegisterQuery>) -> AppResult<HttpResponse> {
    let filter = q.filter();
    const HEADER: &[&str] = &[
        "Grant",
        "Year",
        "Programme",
        "Organisation",
        "Event",
        "City",
        "Country",
        "Starts",
        "Ends",
        "Awarded",
        "Currency",
    ];
    csv_export::stream(
        &ctx.state.db,
        "grants-register.csv",
        HEADER,
        move |c, before| {
            let rows = grant_register::chunk_before(c, &filter, before, csv_export::CHUNK)?;
            Ok(Chunk::of(
                rows,
                |r| r.id,
                |r| {
                    vec![vec![
                        r.reference(),
                        r.budget_year.to_string(),
                        r.programme_name.clone(),
                        r.organisation.clone(),
                        r.event_name.clone(),
                        r.city.clone(),
                        r.country_name().to_string(),
                        r.starts_on.to_string(),
                        r.ends_on.to_string(),
                        r.awarded_plain(),
                        r.currency.clone(),
                    ]]
                },
            ))
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_ignore_what_they_do_not_understand() {
        let q = RegisterQuery {
            year: "2027".into(),
            programme: "3".into(),
            country: "gh".into(),
            page: "2".into(),
        };
        let f = q.filter();
        assert_eq!(f.year, Some(2027));
        assert_eq!(f.programme_id, Some(3));
        assert_eq!(f.country.as_deref(), Some("GH"));
        assert_eq!(query_string(&f), "?year=2027&programme=3&country=GH");
        let q = RegisterQuery {
            year: "1e9".into(),
            programme: "-1".into(),
            country: "<script>".into(),
            page: "x".into(),
        };
        assert_eq!(q.filter(), RegisterFilter::default());
        assert_eq!(query_string(&RegisterFilter::default()), "");
    }
}
