//! Grant review for staff: the queue (`/staff/grants`) and each application's review page
//! (`/staff/grants/{id}`) with its file downloads, information requests, reviewers, conflict
//! of interest, votes and the decision. Every route of an application goes through
//! `services::grant_review::check_access` first, so a recused member of staff gets 403 on all
//! of them.

pub mod budget;
pub mod payments;
pub mod programmes;
pub mod settings;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::DbConn;
use crate::domain::form::Fields;
use crate::domain::grants::{self, Status, Vote};
use crate::domain::{Currency, FormErrors, Money, Role, text};
use crate::error::{AppError, AppResult};
use crate::models::grant_applications::{
    self as apps, BudgetLine, GrantApplication, GrantDecision, GrantEvent, GrantFile, GrantMessage,
};
use crate::models::grant_programmes::{self, GrantProgramme};
use crate::models::grant_reviews::{self as reviews, ReviewerRow, VoteRow};
use crate::models::users::User;
use crate::services::grant_money::BudgetRow;
use crate::services::grant_review::{
    self as service, Access, Ballot, DecideError, Decision, Outcome, Tally, Viewer,
};
use crate::web::extract::Staff;
use crate::web::extract::{GrantsDeciders, GrantsStaff, RoleRule};
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::fmt_time;
use crate::web::{redirect_with_flash, render, render_status};

/// The queue is open to the treasurer (to find awarded grants to pay) and to administrators
/// (who set programmes up) too; the review pages are not.
pub struct GrantsQueue;
impl RoleRule for GrantsQueue {
    fn allows(roles: &[Role]) -> bool {
        [
            Role::GrantsReviewer,
            Role::GrantsDecider,
            Role::Treasurer,
            Role::Admin,
        ]
        .iter()
        .any(|r| roles.contains(r))
    }
}

type Reviewers = Staff<GrantsStaff>;
type Deciders = Staff<GrantsDeciders>;

fn viewer<R: RoleRule>(staff: &Staff<R>) -> Viewer {
    Viewer {
        user_id: staff.user.user.id,
        name: staff.user.user.name.clone(),
        roles: staff.user.roles.clone(),
        actor: staff.actor(),
    }
}

/// Runs a service call for the viewer on the database's blocking pool.
async fn act<R: RoleRule, T: Send + 'static>(
    staff: &Staff<R>,
    f: impl FnOnce(&mut DbConn, &Viewer) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let v = viewer(staff);
    staff.state.db.run(move |c| f(c, &v)).await
}

/// The one guard at the top of every application route (the services check again inside
/// their transactions).
async fn access<R: RoleRule>(staff: &Staff<R>, id: i64) -> AppResult<Access> {
    act(staff, move |c, v| service::check_access(c, v, id)).await
}

fn back(id: i64) -> String {
    format!("/staff/grants/{id}")
}

/// A link only for web addresses; anything else is shown as text.
fn web_url(s: &str) -> Option<&str> {
    let lower = s.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(s.trim())
}

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

// ---------------------------------------------------------------------------------------
// The review page

/// What the forms on the page hold (kept when a form is sent back with errors).
#[derive(Clone, Debug, Default)]
pub struct PageInput {
    pub vote: String,
    pub score: String,
    pub comment: String,
    pub message: String,
    pub conflict_note: String,
    /// Reviewers to assign in turn: what the quorum still lacks (that form is never sent
    /// back with what was typed; its problems show on top of the page).
    pub count: String,
    pub outcome: String,
    pub award: String,
    pub rate: String,
    pub note: String,
    pub override_budget: bool,
    pub override_reason: String,
}

impl PageInput {
    /// What a sent-back form held, over the page's defaults.
    fn overlay(&mut self, p: &Fields) {
        let has = |k: &str| p.0.iter().any(|(n, _)| n == k);
        for (name, slot) in [
            ("vote", &mut self.vote),
            ("score", &mut self.score),
            ("comment", &mut self.comment),
            ("message", &mut self.message),
            ("conflict_note", &mut self.conflict_note),
            ("outcome", &mut self.outcome),
            ("award", &mut self.award),
            ("rate", &mut self.rate),
            ("note", &mut self.note),
            ("override_reason", &mut self.override_reason),
        ] {
            if has(name) {
                *slot = p.get(name);
            }
        }
        if has("outcome") {
            self.override_budget = p.checked("override_budget");
        }
    }
}

/// An earlier application of the same group, with its award.
pub struct Earlier {
    pub app: GrantApplication,
    pub decision: Option<GrantDecision>,
    pub overdue: bool,
}

struct Loaded {
    access: Access,
    programme: GrantProgramme,
    lines: Vec<BudgetLine>,
    files: Vec<GrantFile>,
    events: Vec<GrantEvent>,
    messages: Vec<GrantMessage>,
    earlier: Vec<Earlier>,
    reviewers: Vec<ReviewerRow>,
    votes: Vec<VoteRow>,
    my_vote: Option<reviews::GrantVote>,
    pool: Vec<User>,
    tally: Tally,
    thresholds: Vec<(i64, i32)>,
    decision: Option<GrantDecision>,
    budget: BudgetRow,
    reference_rate: Option<i64>,
}

#[derive(Template)]
#[template(path = "staff/grants/show.html")]
struct ShowPage {
    layout: Layout,
    a: GrantApplication,
    access: Access,
    programme: GrantProgramme,
    lines: Vec<BudgetLine>,
    files: Vec<GrantFile>,
    events: Vec<GrantEvent>,
    messages: Vec<GrantMessage>,
    earlier: Vec<Earlier>,
    reviewers: Vec<ReviewerRow>,
    /// Others' votes: empty unless the viewer may see them (see `Access::sees_votes`).
    votes: Vec<VoteRow>,
    /// How many votes are cast (shown to everyone).
    votes_cast: usize,
    my_vote: Option<reviews::GrantVote>,
    /// Reviewers a decider may still assign.
    pool: Vec<User>,
    tally: Tally,
    thresholds: Vec<(i64, i32)>,
    decision: Option<GrantDecision>,
    budget: BudgetRow,
    base: Currency,
    /// The application is in another currency than the foundation's.
    foreign: bool,
    f: PageInput,
    errors: FormErrors,
    problem: Option<String>,
}

impl ShowPage {
    fn when(&self, t: &chrono::NaiveDateTime) -> String {
        fmt_time(t)
    }
    fn base_money(&self, minor: &i64) -> String {
        Money::new(*minor, self.base).to_string()
    }
    fn app_money(&self, minor: &i64) -> String {
        self.a.money_label(*minor)
    }
    fn link<'a>(&self, s: &'a str) -> Option<&'a str> {
        web_url(s)
    }
    fn in_review(&self) -> bool {
        service::REVIEWING.contains(&self.a.status())
    }
    fn can_start(&self) -> bool {
        self.a.status() == Status::Submitted
    }
    fn can_resume(&self) -> bool {
        self.a.status() == Status::InfoRequested
    }
    fn can_vote(&self) -> bool {
        self.access.assigned && self.in_review()
    }
    fn can_decide(&self) -> bool {
        self.access.decider && self.decision.is_none() && self.in_review() && self.sees_votes()
    }
    /// A decider who reviews it too and has not voted yet.
    fn must_vote_first(&self) -> bool {
        self.access.decider && self.access.assigned && !self.access.voted
    }
    fn can_approve(&self) -> bool {
        self.a.status() == Status::UnderReview
    }
    fn sees_votes(&self) -> bool {
        self.access.sees_votes()
    }
    fn has_voted(&self, user_id: &i64) -> bool {
        self.votes.iter().any(|v| v.vote.user_id == *user_id)
    }
    fn vote_options(&self) -> Vec<Vote> {
        Vote::ALL.to_vec()
    }
    fn scores(&self) -> Vec<String> {
        (1..=5).map(|n| n.to_string()).collect()
    }
    fn per_attendee(&self) -> Option<String> {
        grants::per_attendee(
            Money::new(self.a.requested_base_minor, self.base),
            self.a.attendance,
        )
        .map(|m| m.to_string())
    }
    /// The request per attendee is above the programme's guideline.
    fn above_guideline(&self) -> bool {
        match (
            grants::per_attendee(
                Money::new(self.a.requested_base_minor, self.base),
                self.a.attendance,
            ),
            self.programme.per_attendee_minor,
        ) {
            (Some(p), Some(g)) => p.minor > g,
            _ => false,
        }
    }
    fn awarded(&self) -> bool {
        self.a.status().awarded()
    }
    fn decision_amount(&self, d: &GrantDecision) -> String {
        d.awarded_minor
            .map(|m| self.a.money_label(m))
            .unwrap_or_default()
    }
    fn earlier_award(&self, e: &Earlier) -> String {
        match &e.decision {
            Some(d) if d.approved() => d
                .awarded_minor
                .map(|m| e.app.money_label(m))
                .unwrap_or_default(),
            _ => String::new(),
        }
    }
    fn threshold_label(&self, from: &i64, n: &i32) -> String {
        format!(
            "from {}: {n} approval{}",
            Money::new(*from, self.base),
            if *n == 1 { "" } else { "s" }
        )
    }
    /// "$4,000.00 left", or "over by $6,000.00" when awards already passed the cap.
    fn remaining(&self) -> String {
        let left = self.budget.remaining().unwrap_or(0);
        if left < 0 {
            format!("over by {}", Money::new(-left, self.base))
        } else {
            format!("{} left", Money::new(left, self.base))
        }
    }
}

/// How many more reviewers the quorum needs (at least one): the in-turn form starts there.
fn default_count(reviewers: &[ReviewerRow], needed: i32) -> usize {
    let active = reviewers.iter().filter(|r| !r.reviewer.conflict).count();
    (needed.max(1) as usize).saturating_sub(active).max(1)
}

async fn load<R: RoleRule>(staff: &Staff<R>, id: i64) -> AppResult<Loaded> {
    let v = viewer(staff);
    let base = staff.state.settings.currency();
    staff
        .state
        .db
        .run(move |c| {
            let access = service::check_access(c, &v, id)?;
            let a = access.app.clone();
            let programme = grant_programmes::find(c, a.programme_id)?;
            let today = chrono::Utc::now().date_naive();
            let mut earlier = Vec::new();
            // Applications the viewer is recused from stay out of sight here too.
            let recused = reviews::recused_from(c, v.user_id)?;
            for e in apps::same_group(c, &a)?
                .into_iter()
                .filter(|e| !recused.contains(&e.id))
            {
                let decision = apps::decision(c, e.id)?;
                earlier.push(Earlier {
                    overdue: e.report_overdue(today),
                    decision,
                    app: e,
                });
            }
            let reviewers = reviews::reviewers(c, id)?;
            let votes = reviews::votes(c, id)?;
            let my_vote = reviews::vote_of(c, id, v.user_id)?;
            let pool = if access.decider {
                service::reviewer_pool(c)?
                    .into_iter()
                    .filter(|u| !reviewers.iter().any(|r| r.reviewer.user_id == u.id))
                    .collect()
            } else {
                Vec::new()
            };
            let decision = apps::decision(c, id)?;
            // The quorum for the amount on the table: the award once decided, else the request.
            let amount = decision
                .as_ref()
                .and_then(|d| d.awarded_base_minor)
                .unwrap_or(a.requested_base_minor);
            let tally = service::tally(c, id, amount)?;
            let reference_rate = match Currency::parse(&a.currency) {
                Ok(cur) => grant_programmes::rate(c, cur, base)?,
                Err(_) => None,
            };
            Ok(Loaded {
                programme,
                lines: apps::budget_lines(c, id)?,
                files: apps::files(c, id)?,
                events: apps::events(c, id)?,
                messages: apps::messages(c, id)?,
                earlier,
                reviewers,
                votes,
                my_vote,
                pool,
                tally,
                thresholds: grant_programmes::quorum(c)?,
                decision,
                budget: service::budget_for(c, &a)?,
                reference_rate,
                access,
            })
        })
        .await
}

async fn show_page<R: RoleRule>(
    staff: &Staff<R>,
    id: i64,
    posted: Option<&Fields>,
    errors: FormErrors,
    problem: Option<String>,
) -> AppResult<ShowPage> {
    let l = load(staff, id).await?;
    let base = staff.state.settings.currency();
    let a = l.access.app.clone();
    let foreign = a.currency != base.code();
    let mine = l.my_vote.as_ref();
    let mut f = PageInput {
        vote: mine.map(|v| v.vote.clone()).unwrap_or_default(),
        score: mine
            .and_then(|v| v.score)
            .map(|s| s.to_string())
            .unwrap_or_default(),
        comment: mine.map(|v| v.comment.clone()).unwrap_or_default(),
        count: default_count(&l.reviewers, l.tally.needed).to_string(),
        outcome: "approve".into(),
        award: Money::from_db(a.requested_minor, &a.currency)
            .map(|m| m.plain())
            .unwrap_or_default(),
        rate: l.reference_rate.map(grants::rate_label).unwrap_or_default(),
        ..PageInput::default()
    };
    if let Some(p) = posted {
        f.overlay(p);
    }
    let votes_cast = l.votes.len();
    let votes = if l.access.sees_votes() {
        l.votes
    } else {
        Vec::new()
    };
    Ok(ShowPage {
        layout: staff.layout(
            &format!("{} · {}", a.reference(), a.event_name),
            "/staff/grants",
        ),
        access: l.access,
        programme: l.programme,
        lines: l.lines,
        files: l.files,
        events: l.events,
        messages: l.messages,
        earlier: l.earlier,
        reviewers: l.reviewers,
        votes,
        votes_cast,
        my_vote: l.my_vote,
        pool: l.pool,
        tally: l.tally,
        thresholds: l.thresholds,
        decision: l.decision,
        budget: l.budget,
        base,
        foreign,
        f,
        errors,
        problem,
        a,
    })
}

/// `GET /staff/grants/{id}`.
pub async fn show(staff: Reviewers, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&show_page(&staff, *id, None, FormErrors::new(), None).await?)
}

/// Re-renders the page with the problem on top (a refused move, a lost race).
async fn problem_page<R: RoleRule>(
    staff: &Staff<R>,
    id: i64,
    status: StatusCode,
    m: String,
) -> AppResult<HttpResponse> {
    render_status(
        status,
        &show_page(staff, id, None, FormErrors::new(), Some(m)).await?,
    )
}

/// The page again with a problem about what was sent (status 422).
async fn refused<R: RoleRule>(staff: &Staff<R>, id: i64, m: &str) -> AppResult<HttpResponse> {
    problem_page(staff, id, StatusCode::UNPROCESSABLE_ENTITY, m.to_string()).await
}

/// Answers a service result: 303 back with a flash, or the page again with the problem.
async fn answer<R: RoleRule>(
    staff: &Staff<R>,
    id: i64,
    r: AppResult<String>,
) -> AppResult<HttpResponse> {
    match r {
        Ok(m) => Ok(redirect_with_flash(&back(id), FlashKind::Success, &m)),
        Err(AppError::Conflict(m)) => problem_page(staff, id, StatusCode::CONFLICT, m).await,
        Err(AppError::BadRequest(m)) => refused(staff, id, &m).await,
        Err(e) => Err(e),
    }
}

/// The page again with what was typed and the messages beside the fields (status 422).
async fn refused_form<R: RoleRule>(
    staff: &Staff<R>,
    id: i64,
    f: &Fields,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &show_page(staff, id, Some(f), errors, None).await?,
    )
}

/// Answers a form's service result: 303 back with `done`, or on a conflict the page again
/// with the problem on top and what was typed kept.
async fn answer_form<R: RoleRule>(
    staff: &Staff<R>,
    id: i64,
    f: &Fields,
    r: AppResult<()>,
    done: &str,
) -> AppResult<HttpResponse> {
    match r {
        Ok(()) => Ok(redirect_with_flash(&back(id), FlashKind::Success, done)),
        Err(AppError::Conflict(m)) => render_status(
            StatusCode::CONFLICT,
            &show_page(staff, id, Some(f), FormErrors::new(), Some(m)).await?,
        ),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Files

/// `GET /staff/grants/{id}/files/{file_id}`: a file of this application only, as a download
/// with its checked type (never shown inline).
pub async fn file(staff: Reviewers, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, file_id) = path.into_inner();
    access(&staff, id).await?;
    let f = staff
        .state
        .db
        .run(move |c| Ok(apps::file_of(c, id, file_id)?))
        .await?;
    crate::web::portal::grants::file_response(staff.state.settings.data_dir.clone(), &f).await
}

// ---------------------------------------------------------------------------------------
// Status, messages, reviewers, conflict

/// `POST /staff/grants/{id}/start`: submitted → under review, or back to under review from
/// information requested without waiting for the answer.
pub async fn start(staff: Reviewers, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let r = act(&staff, move |c, v| service::start_review(c, v, id))
        .await
        .map(|()| "The application is under review.".to_string());
    answer(&staff, id, r).await
}

/// `POST /staff/grants/{id}/messages`: asks the applicant for information (email with a link).
pub async fn request_info(
    staff: Reviewers,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let f = Fields(form.into_inner());
    let mut errors = FormErrors::new();
    let message = match text::optional_multi_line(&f.get("message"), "the message", 5000) {
        Ok(m) if m.is_empty() => {
            errors.add(
                "message",
                "Write what you need to know: it is sent to the applicant.",
            );
            None
        }
        Ok(m) => Some(m),
        Err(m) => {
            errors.add("message", m);
            None
        }
    };
    let Some(message) = message else {
        return refused_form(&staff, id, &f, errors).await;
    };
    let settings = staff.state.settings.clone();
    let r = act(&staff, move |c, v| {
        service::request_info(c, &settings, v, id, &message)
    })
    .await;
    answer_form(
        &staff,
        id,
        &f,
        r,
        "Question sent. The applicant has been emailed a link to answer it.",
    )
    .await
}

/// `POST /staff/grants/{id}/assign`: a reviewer chosen by hand (deciders).
pub async fn assign(
    staff: Deciders,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let Ok(user_id) = Fields(form.into_inner())
        .get("user_id")
        .trim()
        .parse::<i64>()
    else {
        return refused(&staff, id, "Choose one of the grants reviewers listed.").await;
    };
    let r = act(&staff, move |c, v| service::assign(c, v, id, user_id))
        .await
        .map(|name| format!("{name} now reviews this application."));
    answer(&staff, id, r).await
}

/// `POST /staff/grants/{id}/assign/next`: the next reviewers in turn (deciders).
pub async fn assign_next(
    staff: Deciders,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let Ok(n) = Fields(form.into_inner())
        .get("count")
        .trim()
        .parse::<usize>()
    else {
        return refused(
            &staff,
            id,
            "Enter how many reviewers to assign, from 1 to 10.",
        )
        .await;
    };
    let r = act(&staff, move |c, v| service::assign_in_turn(c, v, id, n))
        .await
        .map(|names| format!("Assigned in turn: {}.", names.join(", ")));
    answer(&staff, id, r).await
}

/// `POST /staff/grants/{id}/unassign`: takes a reviewer who has not voted off (deciders).
pub async fn unassign(
    staff: Deciders,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let user_id: i64 = Fields(form.into_inner())
        .get("user_id")
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let r = act(&staff, move |c, v| service::unassign(c, v, id, user_id))
        .await
        .map(|name| format!("{name} no longer reviews this application."));
    answer(&staff, id, r).await
}

/// `POST /staff/grants/{id}/conflict`: the viewer declares a conflict of interest and is
/// recused for good; they are sent back to the queue, as the page is closed to them now.
pub async fn conflict(
    staff: Reviewers,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let f = Fields(form.into_inner());
    let note = match text::optional_multi_line(&f.get("conflict_note"), "the note", 1000) {
        Ok(n) => n,
        Err(m) => {
            let mut errors = FormErrors::new();
            errors.add("conflict_note", m);
            return refused_form(&staff, id, &f, errors).await;
        }
    };
    act(&staff, move |c, v| {
        service::declare_conflict(c, v, id, &note)
    })
    .await?;
    Ok(redirect_with_flash(
        "/staff/grants",
        FlashKind::Success,
        &format!(
            "Conflict of interest recorded: you are recused from G-{id} and no longer have access to it."
        ),
    ))
}

// ---------------------------------------------------------------------------------------
// Votes

/// `POST /staff/grants/{id}/vote`: approve, decline or abstain, with a score and a comment.
pub async fn vote(
    staff: Reviewers,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let f = Fields(form.into_inner());
    let mut errors = FormErrors::new();
    let vote = f
        .get("vote")
        .parse::<Vote>()
        .map_err(|m| errors.add("vote", m))
        .ok();
    let score = match f.get("score").trim() {
        "" => None,
        s => match s.parse::<i32>() {
            Ok(n) if (1..=5).contains(&n) => Some(n),
            _ => {
                errors.add("score", "Choose a score from 1 to 5.");
                None
            }
        },
    };
    if vote.is_some_and(|v| v != Vote::Abstain) && score.is_none() && !errors.has("score") {
        errors.add("score", "Give a score from 1 to 5 with your vote.");
    }
    let comment = text::optional_multi_line(&f.get("comment"), "the comment", 5000)
        .map_err(|m| errors.add("comment", m))
        .ok();
    let (Some(vote), Some(comment), true) = (vote, comment, errors.is_empty()) else {
        return refused_form(&staff, id, &f, errors).await;
    };
    let b = Ballot {
        vote,
        score,
        comment,
    };
    let r = act(&staff, move |c, v| service::vote(c, v, id, &b)).await;
    answer_form(
        &staff,
        id,
        &f,
        r,
        "Vote recorded. The other reviewers' votes are shown below.",
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The decision

/// `POST /staff/grants/{id}/decide`: approve with an amount or decline with a reason
/// (deciders).
pub async fn decide(
    staff: Deciders,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let a = access(&staff, id).await?.app;
    let f = Fields(form.into_inner());
    let base = staff.state.settings.currency();
    let currency = Currency::parse(&a.currency).map_err(AppError::BadRequest)?;
    let mut errors = FormErrors::new();
    let note = text::optional_multi_line(&f.get("note"), "the note", 5000)
        .map_err(|m| errors.add("note", m))
        .ok();
    let override_reason = text::optional_multi_line(&f.get("override_reason"), "the reason", 2000)
        .map_err(|m| errors.add("override_reason", m))
        .ok();
    let outcome = match f.get("outcome").as_str() {
        "approve" => {
            let award = match Money::parse(&f.get("award"), currency) {
                Ok(m) if m.minor <= 0 => {
                    errors.add(
                        "award",
                        "The award must be more than zero; to give nothing, decline.",
                    );
                    None
                }
                Ok(m) => Some(m),
                Err(m) => {
                    errors.add("award", m);
                    None
                }
            };
            let rate = if currency == base {
                Some(grants::RATE_SCALE)
            } else {
                grants::parse_rate(&f.get("rate"))
                    .map_err(|m| errors.add("rate", m))
                    .ok()
            };
            match (award, rate) {
                (Some(award), Some(rate_micros)) => Some(Outcome::Approve { award, rate_micros }),
                _ => None,
            }
        }
        "decline" => Some(Outcome::Decline),
        _ => {
            errors.add("outcome", "Choose approve or decline.");
            None
        }
    };
    let (Some(outcome), Some(note), Some(override_reason), true) =
        (outcome, note, override_reason, errors.is_empty())
    else {
        return refused_form(&staff, id, &f, errors).await;
    };
    let d = Decision {
        outcome,
        note,
        override_budget: f.checked("override_budget"),
        override_reason,
    };
    let settings = staff.state.settings.clone();
    let r = act(&staff, move |c, v| {
        Ok(service::decide(c, &settings, v, id, &d))
    })
    .await?;
    let r = match r {
        Err(DecideError::Field(field, m)) => {
            let mut errors = FormErrors::new();
            errors.add(field, m);
            return refused_form(&staff, id, &f, errors).await;
        }
        Err(DecideError::App(e)) => Err(e),
        Ok(()) => Ok(()),
    };
    answer_form(
        &staff,
        id,
        &f,
        r,
        "Decision recorded. The applicant has been emailed.",
    )
    .await
}
