//! The audit log for administrators: filter by action, person, record and dates.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::FormErrors;
use crate::error::AppResult;
use crate::models::audit::{self, AuditEntry, AuditFilter};
use crate::web::csv_export::{self, Chunk};
use crate::web::extract::{AdminOnly, Staff};
use crate::web::layout::Layout;
use crate::web::render;
use crate::web::staff::fmt_time;

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct Query {
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    record_type: String,
    #[serde(default)]
    record_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "staff/admin/audit.html")]
struct AuditPage {
    layout: Layout,
    q: Query,
    errors: FormErrors,
    actions: Vec<String>,
    rows: Vec<AuditEntry>,
    page: i64,
    prev_url: String,
    next_url: String,
    csv_url: String,
}

impl AuditPage {
    fn when(&self, e: &AuditEntry) -> String {
        fmt_time(&e.at)
    }
    fn time(&self, t: &chrono::NaiveDateTime) -> String {
        fmt_time(t)
    }
}

fn parse_date(s: &str, field: &str, errors: &mut FormErrors) -> Option<NaiveDate> {
    if s.trim().is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, "Use a date like 2026-11-23.");
            None
        }
    }
}

fn page_url(q: &Query, page: i64) -> String {
    let params = [
        ("action", q.action.as_str()),
        ("actor", q.actor.as_str()),
        ("record_type", q.record_type.as_str()),
        ("record_id", q.record_id.as_str()),
        ("from", q.from.as_str()),
        ("to", q.to.as_str()),
    ];
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.append_pair("page", &page.to_string());
    format!("/staff/audit?{}", s.finish())
}

/// The filter the query asks for; a date that cannot be read is named in `errors` and left
/// out.
fn filter_of(q: &Query, errors: &mut FormErrors) -> AuditFilter {
    let from = parse_date(&q.from, "from", errors);
    let to = parse_date(&q.to, "to", errors);
    AuditFilter {
        action: q.action.trim().chars().take(100).collect(),
        actor: q.actor.trim().chars().take(200).collect(),
        record_type: q.record_type.trim().chars().take(50).collect(),
        record_id: q.record_id.trim().chars().take(50).collect(),
        from: from.and_then(|d| d.and_hms_opt(0, 0, 0)),
        // "to" is inclusive: everything before the next midnight.
        to: to
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
    }
}

/// The address of the CSV of the list as filtered (every page).
fn csv_url(q: &Query) -> String {
    let url = page_url(q, 1);
    let query = url
        .trim_start_matches("/staff/audit?")
        .trim_end_matches("page=1")
        .trim_end_matches('&');
    if query.is_empty() {
        "/staff/audit.csv".into()
    } else {
        format!("/staff/audit.csv?{query}")
    }
}

pub async fn list(staff: Staff<AdminOnly>, q: web::Query<Query>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let mut errors = FormErrors::new();
    let filter = filter_of(&q, &mut errors);
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (rows, more, actions) = staff
        .state
        .db
        .run(move |c| {
            let (rows, more) = audit::search(c, &filter, page, PER_PAGE)?;
            Ok((rows, more, audit::actions(c)?))
        })
        .await?;
    let prev_url = if page > 1 {
        page_url(&q, page - 1)
    } else {
        String::new()
    };
    let next_url = if more {
        page_url(&q, page + 1)
    } else {
        String::new()
    };
    render(&AuditPage {
        layout: staff.layout("Audit log", "/staff/audit"),
        csv_url: csv_url(&q),
        q,
        errors,
        actions,
        rows,
        page,
        prev_url,
        next_url,
    })
}

/// `GET /staff/audit.csv`: every entry the page's filters select, newest first; streamed a
/// chunk at a time.
pub async fn export_csv(staff: Staff<AdminOnly>, q: web::Query<Query>) -> AppResult<HttpResponse> {
    let mut errors = FormErrors::new();
    let filter = filter_of(&q, &mut errors);
    if !errors.is_empty() {
        return Err(crate::error::AppError::BadRequest(
            "A date in the filter cannot be read. Use a date like 2026-11-23.".into(),
        ));
    }
    const HEADER: &[&str] = &[
        "When (UTC)",
        "Who",
        "Action",
        "Record",
        "Record id",
        "Details",
        "From",
        "Times",
        "Last (UTC)",
    ];
    csv_export::stream(
        &staff.state.db,
        "audit-log.csv",
        HEADER,
        move |c, before| {
            let rows = audit::chunk_before(c, &filter, before, csv_export::CHUNK)?;
            Ok(Chunk::of(
                rows,
                |e| e.id,
                |e| {
                    vec![vec![
                        fmt_time(&e.at),
                        e.actor,
                        e.action,
                        e.record_type.unwrap_or_default(),
                        e.record_id.unwrap_or_default(),
                        e.details,
                        e.client_addr.unwrap_or_default(),
                        e.repeats.to_string(),
                        e.last_at.as_ref().map(fmt_time).unwrap_or_default(),
                    ]]
                },
            ))
        },
    )
    .await
}
