//! An application's review page (`/staff/grants/{id}`), the answers every form on it shares
//! (back with a flash, or the page again with the problem), and the file downloads.

use super::{Reviewers, access, back, viewer, web_url};
use crate::domain::form::Fields;
use crate::domain::grants::{self, Status, Vote};
use crate::domain::{Currency, FormErrors, Money};
use crate::error::{AppError, AppResult};
use crate::models::grant_applications::{
    self as apps, BudgetLine, GrantApplication, GrantDecision, GrantEvent, GrantFile, GrantMessage,
};
use crate::models::grant_programmes::{self, GrantProgramme};
use crate::models::grant_reviews::{self as reviews, ReviewerRow, VoteRow};
use crate::models::users::User;
use crate::services::grant_money::BudgetRow;
use crate::services::grant_review::{self as service, Access, Tally};
use crate::web::extract::RoleRule;
use crate::web::extract::Staff;
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::fmt_time;
use crate::web::{redirect_with_flash, render, render_status};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

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
    /// Changes and emails on the application's timeline.
    timeline_total: i64,
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
    timeline_total: i64,
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
                timeline_total: crate::models::timeline::count(
                    c,
                    crate::models::timeline::Owner::GrantApplication(id),
                )?,
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
        timeline_total: l.timeline_total,
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
pub(super) async fn refused<R: RoleRule>(
    staff: &Staff<R>,
    id: i64,
    m: &str,
) -> AppResult<HttpResponse> {
    problem_page(staff, id, StatusCode::UNPROCESSABLE_ENTITY, m.to_string()).await
}

/// Answers a service result: 303 back with a flash, or the page again with the problem.
pub(super) async fn answer<R: RoleRule>(
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
pub(super) async fn refused_form<R: RoleRule>(
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
pub(super) async fn answer_form<R: RoleRule>(
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
