//! The grants queue (`/staff/grants`), filtered by status and programme or "assigned to me",
//! and its CSV. Applications the viewer is recused from are never listed.

use super::GrantsQueue;
use super::{back, viewer};
use crate::domain::grants::Status;
use crate::error::AppResult;
use crate::models::grant_applications::{self as apps, GrantApplication};
use crate::models::grant_programmes::{self, GrantProgramme};
use crate::models::grant_reviews::{self as reviews};
use crate::web::csv_export::{self, Chunk};
use crate::web::extract::Staff;
use crate::web::layout::Layout;
use crate::web::pager::Pager;
use crate::web::render;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

// ---------------------------------------------------------------------------------------
// The queue

#[derive(Deserialize, Default, Clone)]
pub struct QueueQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    programme: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    page: String,
}

/// Applications listed on a page.
const PER_PAGE: i64 = 50;

pub struct QueueRow {
    pub app: GrantApplication,
    pub programme: String,
    /// Reviewers not recused, and how many of them voted.
    pub reviewers: usize,
    pub votes: usize,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "staff/grants/queue.html")]
struct QueuePage {
    layout: Layout,
    q: QueueQuery,
    rows: Vec<QueueRow>,
    pager: Pager,
    programmes: Vec<GrantProgramme>,
    statuses: Vec<Status>,
    /// Reviews or decides (not only the treasurer): review pages and "assigned to me".
    reviewer: bool,
}

impl QueuePage {
    /// The CSV of what the queue shows, with the same filters.
    fn csv_href(&self) -> String {
        let mut q = vec![format!("status={}", crate::web::urlencode(&self.q.status))];
        if !self.q.programme.is_empty() {
            q.push(format!(
                "programme={}",
                crate::web::urlencode(&self.q.programme)
            ));
        }
        if !self.q.mine.is_empty() {
            q.push("mine=1".to_string());
        }
        format!("/staff/grants.csv?{}", q.join("&"))
    }
    fn received(&self, a: &GrantApplication) -> String {
        a.created_at.format("%Y-%m-%d").to_string()
    }
    /// Where a row leads: the review page for reviewers, the payments for the treasurer.
    fn href(&self, a: &GrantApplication) -> Option<String> {
        if self.reviewer {
            Some(back(a.id))
        } else if a.status().awarded() {
            Some(format!("/staff/grants/{}/payments", a.id))
        } else {
            None
        }
    }
}

/// Which statuses a queue filter means; "" is the default: still in review.
fn statuses_for(filter: &str) -> Vec<Status> {
    match filter {
        "" | "open" => vec![
            Status::Submitted,
            Status::UnderReview,
            Status::InfoRequested,
        ],
        "in_review" => vec![Status::UnderReview, Status::InfoRequested],
        "awarded" => Status::ALL.into_iter().filter(|s| s.awarded()).collect(),
        "all" => Vec::new(),
        s => match s.parse::<Status>() {
            Ok(st) => vec![st],
            Err(_) => vec![
                Status::Submitted,
                Status::UnderReview,
                Status::InfoRequested,
            ],
        },
    }
}

/// `GET /staff/grants`: the queue, filtered by status and programme, or "assigned to me".
/// Applications the viewer is recused from are not listed.
pub async fn queue(
    staff: Staff<GrantsQueue>,
    q: web::Query<QueueQuery>,
) -> AppResult<HttpResponse> {
    let reviewer = viewer(&staff).is_grants_staff();
    let q = with_default_status(q.into_inner(), reviewer);
    let filter = queue_filter(&staff, &q, reviewer);
    let asked = q.page.clone();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("status", &q.status);
    if !q.programme.is_empty() {
        query.append_pair("programme", &q.programme);
    }
    if !q.mine.is_empty() {
        query.append_pair("mine", "1");
    }
    let page_url = crate::web::pager::links("/staff/grants", query.finish());
    let (rows, pager, all_programmes) = staff
        .state
        .db
        .run(move |c| {
            let total = apps::queue_count(c, &filter)?;
            let pager = Pager::new(Some(asked.as_str()), total, PER_PAGE, page_url);
            let list = apps::queue_page(c, &filter, pager.offset(), PER_PAGE)?;
            let progs = grant_programmes::all(c)?;
            let rows = queue_rows(c, filter.viewer, list, &progs)?;
            Ok((rows, pager, progs))
        })
        .await?;
    render(&QueuePage {
        layout: staff.layout("Grant applications", "/staff/grants"),
        q,
        rows,
        pager,
        programmes: all_programmes,
        statuses: Status::ALL.to_vec(),
        reviewer,
    })
}

/// The treasurer and administrators have nothing to do with grants in review: their queue
/// opens on the awarded ones.
fn with_default_status(mut q: QueueQuery, reviewer: bool) -> QueueQuery {
    if !reviewer && q.status.is_empty() {
        q.status = "awarded".into();
    }
    q
}

/// What the queue's filters select for this viewer (never what they are recused from).
fn queue_filter(staff: &Staff<GrantsQueue>, q: &QueueQuery, reviewer: bool) -> apps::QueueFilter {
    apps::QueueFilter {
        statuses: statuses_for(&q.status),
        programme: q.programme.parse().ok(),
        viewer: staff.user.user.id,
        mine_only: reviewer && !q.mine.is_empty(),
    }
}

/// The queue's rows for some applications: programme names, reviewers and votes, and which
/// are assigned to the viewer (two queries whatever the number of rows).
fn queue_rows(
    c: &mut crate::db::DbConn,
    viewer: i64,
    list: Vec<GrantApplication>,
    progs: &[GrantProgramme],
) -> AppResult<Vec<QueueRow>> {
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    let summary = reviews::summary(c, &ids)?;
    let mine = reviews::assigned_to_among(c, viewer, &ids)?;
    Ok(list
        .into_iter()
        .map(|app| {
            let (reviewers, votes) = summary.get(&app.id).copied().unwrap_or_default();
            QueueRow {
                programme: progs
                    .iter()
                    .find(|p| p.id == app.programme_id)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                mine: mine.contains(&app.id),
                reviewers,
                votes,
                app,
            }
        })
        .collect())
}

/// `GET /staff/grants.csv`: the queue with its filters, for spreadsheets, with each
/// decision's award (applications the viewer is recused from are left out here too);
/// streamed a chunk at a time, newest first.
pub async fn export_csv(
    staff: Staff<GrantsQueue>,
    q: web::Query<QueueQuery>,
) -> AppResult<HttpResponse> {
    let reviewer = viewer(&staff).is_grants_staff();
    let q = with_default_status(q.into_inner(), reviewer);
    let filter = queue_filter(&staff, &q, reviewer);
    const HEADER: &[&str] = &[
        "Application",
        "Received",
        "Status",
        "Programme",
        "Applicant",
        "Email",
        "Organisation",
        "Country",
        "Event",
        "Starts",
        "Ends",
        "City",
        "Event country",
        "Attendance",
        "Requested",
        "Currency",
        "Awarded",
        "Decided on",
        "Reviewers",
        "Votes",
    ];
    csv_export::stream(&staff.state.db, "grants.csv", HEADER, move |c, before| {
        use crate::models::invoices::money_plain;
        let list = apps::queue_chunk_before(c, &filter, before, csv_export::CHUNK)?;
        let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
        let mut decisions = apps::decisions_of(c, &ids)?;
        let progs = grant_programmes::all(c)?;
        let rows = queue_rows(c, filter.viewer, list, &progs)?;
        Ok(Chunk::of(
            rows,
            |r| r.app.id,
            |r| {
                let a = &r.app;
                let d = decisions.remove(&a.id);
                vec![vec![
                    a.reference(),
                    a.created_at.date().to_string(),
                    a.status().label().to_string(),
                    r.programme.clone(),
                    a.applicant_name.clone(),
                    a.applicant_email.clone(),
                    a.organisation.clone(),
                    a.country.clone(),
                    a.event_name.clone(),
                    a.starts_on.to_string(),
                    a.ends_on.to_string(),
                    a.city.clone(),
                    a.event_country.clone(),
                    a.attendance.to_string(),
                    money_plain(a.requested_minor, &a.currency),
                    a.currency.clone(),
                    d.as_ref()
                        .and_then(|d| d.awarded_minor)
                        .map(|m| money_plain(m, &a.currency))
                        .unwrap_or_default(),
                    d.map(|d| d.decided_at.date().to_string())
                        .unwrap_or_default(),
                    r.reviewers.to_string(),
                    r.votes.to_string(),
                ]]
            },
        ))
    })
    .await
}
