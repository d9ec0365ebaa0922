//! The grants queue (`/staff/grants`), filtered by status and programme or "assigned to me",
//! and its CSV. Applications the viewer is recused from are never listed.

use super::GrantsQueue;
use super::{back, viewer};
use crate::domain::grants::Status;
use crate::error::AppResult;
use crate::models::grant_applications::{self as apps, GrantApplication};
use crate::models::grant_programmes::{self, GrantProgramme};
use crate::models::grant_reviews::{self as reviews};
use crate::web::extract::Staff;
use crate::web::layout::Layout;
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
}

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
    let (rows, all_programmes) = queue_rows(&staff, &q, reviewer).await?;
    render(&QueuePage {
        layout: staff.layout("Grant applications", "/staff/grants"),
        q,
        rows,
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

/// The queue's rows for a filter, without the applications the viewer is recused from.
async fn queue_rows(
    staff: &Staff<GrantsQueue>,
    q: &QueueQuery,
    reviewer: bool,
) -> AppResult<(Vec<QueueRow>, Vec<GrantProgramme>)> {
    let user_id = staff.user.user.id;
    let statuses = statuses_for(&q.status);
    let programme: Option<i64> = q.programme.parse().ok();
    let mine_only = reviewer && !q.mine.is_empty();
    staff
        .state
        .db
        .run(move |c| {
            let recused = reviews::recused_from(c, user_id)?;
            let mine = reviews::assigned_to(c, user_id)?;
            let progs = grant_programmes::all(c)?;
            let apps: Vec<GrantApplication> = apps::list(c, &statuses)?
                .into_iter()
                .filter(|a| !recused.contains(&a.id))
                .filter(|a| programme.is_none_or(|p| a.programme_id == p))
                .filter(|a| !mine_only || mine.contains(&a.id))
                .collect();
            let ids: Vec<i64> = apps.iter().map(|a| a.id).collect();
            let summary = reviews::summary(c, &ids)?;
            let rows = apps
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
                .collect();
            Ok((rows, progs))
        })
        .await
}

/// `GET /staff/grants.csv`: the queue with its filters, for spreadsheets, with each
/// decision's award (applications the viewer is recused from are left out here too).
pub async fn export_csv(
    staff: Staff<GrantsQueue>,
    q: web::Query<QueueQuery>,
) -> AppResult<HttpResponse> {
    let reviewer = viewer(&staff).is_grants_staff();
    let q = with_default_status(q.into_inner(), reviewer);
    let (rows, _) = queue_rows(&staff, &q, reviewer).await?;
    let body = staff
        .state
        .db
        .run(move |c| {
            use crate::models::invoices::money_plain;
            let mut csv = crate::domain::csv::Csv::new();
            csv.row([
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
            ]);
            for r in rows {
                let a = &r.app;
                let d = apps::decision(c, a.id)?;
                csv.row([
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
                ]);
            }
            Ok(csv.finish())
        })
        .await?;
    Ok(crate::web::csv_response("grants.csv", body))
}
