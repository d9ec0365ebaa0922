//! Staff review of grant applications: who may see an application (one access check for
//! every route), reviewers assigned by hand or in turn, conflicts of interest, votes, the
//! quorum, information requests and the decision against the programme's budget.
//!
//! Two deciders at once: the decision takes the `GRANT_DECISIONS` lock first (PostgreSQL
//! advisory lock; SQLite's write transaction already serialises writers), then holds the
//! application row, reads it again and only then counts votes and the budget. The decision row
//! has the application as its primary key and the status move is conditional, so whatever
//! happens exactly one decision and one email come out; the other decider is told who was first.

use crate::config::Settings;
use crate::db::{DbConn, lock_keys, serialize_on, write_tx};
use crate::domain::grants::{self, Status, Vote, approvals_needed, transition};
use crate::domain::{Currency, EmailAddress, Money, Role};
use crate::email::{self, GrantDecisionEmail, GrantInfoRequestEmail};
use crate::error::{AppError, AppResult, SaveError};
use crate::models::grant_applications::{self as apps, GrantApplication};
use crate::models::grant_reviews as reviews;
use crate::models::{grant_programmes as programmes, users};

use super::audit::{self, Actor};
use super::grant_money::BudgetRow;
use super::grants::{applicant_link, changed, move_to};

/// The sentence a recused member of staff gets on every page of the application.
pub const RECUSED: &str =
    "You declared a conflict of interest on this application, so you no longer have access to it.";

/// Who is looking at or changing an application.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub user_id: i64,
    pub name: String,
    pub roles: Vec<Role>,
    pub actor: Actor,
}

impl Viewer {
    pub fn is_decider(&self) -> bool {
        self.roles.contains(&Role::GrantsDecider)
    }
    /// Reviews or decides grants at all.
    pub fn is_grants_staff(&self) -> bool {
        self.is_decider() || self.roles.contains(&Role::GrantsReviewer)
    }
}

/// What the access check found: the application and the viewer's part in it.
#[derive(Clone, Debug)]
pub struct Access {
    pub app: GrantApplication,
    /// Assigned to review it (and not recused).
    pub assigned: bool,
    pub decider: bool,
    /// Has cast a vote on it.
    pub voted: bool,
}

impl Access {
    /// Others' votes are shown to assigned reviewers once they have voted, and to deciders
    /// who are not reviewers of it (they decide on the votes); never to anyone else.
    pub fn sees_votes(&self) -> bool {
        if self.assigned {
            self.voted
        } else {
            self.decider
        }
    }
}

/// THE access check for every staff route of an application (page, files, messages, votes,
/// assignment, conflict, decision): grants staff only; 404 for an unknown application; 403
/// for anyone who declared a conflict of interest on it, whatever else their roles allow.
pub fn check_access(conn: &mut DbConn, viewer: &Viewer, id: i64) -> AppResult<Access> {
    if !viewer.is_grants_staff() {
        return Err(AppError::Forbidden);
    }
    let app = apps::find(conn, id)?;
    ensure_not_recused(conn, viewer.user_id, id)?;
    let row = reviews::find(conn, id, viewer.user_id)?;
    let voted = reviews::vote_of(conn, id, viewer.user_id)?.is_some();
    Ok(Access {
        app,
        assigned: row.is_some(),
        decider: viewer.is_decider(),
        voted,
    })
}

/// 403 for a member of staff recused from the application. `check_access` uses it; other
/// staff routes of an application (payments, say) call it too, so recusal holds everywhere.
pub fn ensure_not_recused(conn: &mut DbConn, user_id: i64, application_id: i64) -> AppResult<()> {
    if reviews::is_recused(conn, application_id, user_id)? {
        return Err(AppError::ForbiddenWith(RECUSED.into()));
    }
    Ok(())
}

fn deciders_only(viewer: &Viewer) -> AppResult<()> {
    if viewer.is_decider() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Statuses in which reviewers work on an application (assign, vote).
pub const REVIEWING: [Status; 2] = [Status::UnderReview, Status::InfoRequested];

fn not_reviewing(app: &GrantApplication) -> AppError {
    AppError::Conflict(format!(
        "This application is {}: that can only be done while it is under review or waiting for information. Nothing was changed.",
        app.status().label().to_lowercase()
    ))
}

/// `submitted → under_review` (the review starts), or `info_requested → under_review`
/// (staff take their question back and go on without the answer).
pub fn start_review(conn: &mut DbConn, viewer: &Viewer, id: i64) -> AppResult<()> {
    write_tx(conn, |conn| {
        let a = check_access(conn, viewer, id)?.app;
        let note = if a.status() == Status::InfoRequested {
            "review resumed without waiting for the answer"
        } else {
            "review started"
        };
        move_to(conn, &viewer.actor, id, Status::UnderReview, note)?;
        Ok(())
    })
}

/// Asks the applicant for information: the message is kept with the application, the
/// application moves to `info_requested` (from under review; a further question while it
/// already waits leaves it there), and the applicant is emailed a fresh private link.
pub fn request_info(
    conn: &mut DbConn,
    settings: &Settings,
    viewer: &Viewer,
    id: i64,
    message: &str,
) -> AppResult<()> {
    let message = message.trim();
    if message.is_empty() {
        return Err(AppError::BadRequest(
            "Write what you need to know: it is sent to the applicant.".into(),
        ));
    }
    write_tx(conn, |conn| {
        let a = check_access(conn, viewer, id)?.app;
        match a.status() {
            Status::UnderReview => {
                move_to(
                    conn,
                    &viewer.actor,
                    id,
                    Status::InfoRequested,
                    "information requested",
                )?;
            }
            Status::InfoRequested => {
                if !apps::hold(conn, id, &[Status::InfoRequested])? {
                    return Err(changed(conn, id)?);
                }
            }
            other => {
                // The table's own sentence ("… that is submitted cannot become information
                // requested").
                let e = transition(other, Status::InfoRequested)
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                return Err(AppError::Conflict(format!(
                    "{e} Start the review first, or write to the applicant by email."
                )));
            }
        }
        apps::add_message(conn, id, false, &viewer.name, message)?;
        let to = EmailAddress::parse(&a.applicant_email).map_err(|e| {
            AppError::Conflict(format!(
                "The applicant's address cannot receive email ({e}). Nothing was sent."
            ))
        })?;
        let link = applicant_link(conn, settings, &a)?;
        email::enqueue(
            conn,
            &to,
            &GrantInfoRequestEmail {
                foundation: settings.foundation_name.clone(),
                name: a.applicant_name.clone(),
                reference: a.reference(),
                event: a.event_name.clone(),
                message: message.to_string(),
                link,
            },
        )?;
        audit::record(
            conn,
            &viewer.actor,
            "grant.info_request",
            Some(("grant_application", &id.to_string())),
            &format!(
                "{}: information requested from {}",
                a.reference(),
                a.applicant_email
            ),
        )?;
        Ok(())
    })
}

/// Staff who may be given applications to review: active grants reviewers.
pub fn reviewer_pool(conn: &mut DbConn) -> AppResult<Vec<users::User>> {
    Ok(users::active_with_role(conn, Role::GrantsReviewer)?)
}

/// Assigns a reviewer by hand (deciders).
pub fn assign(conn: &mut DbConn, viewer: &Viewer, id: i64, user_id: i64) -> AppResult<String> {
    deciders_only(viewer)?;
    write_tx(conn, |conn| {
        let a = check_access(conn, viewer, id)?.app;
        if !apps::hold(conn, id, &REVIEWING)? {
            return Err(not_reviewing(&a));
        }
        let Some(user) = reviewer_pool(conn)?.into_iter().find(|u| u.id == user_id) else {
            return Err(AppError::BadRequest(
                "Choose one of the grants reviewers listed.".into(),
            ));
        };
        if let Some(row) = reviews::find(conn, id, user_id)? {
            return Err(AppError::Conflict(if row.conflict {
                format!(
                    "{} declared a conflict of interest on this application and cannot review it.",
                    user.name
                )
            } else {
                format!("{} already reviews this application.", user.name)
            }));
        }
        reviews::assign(conn, id, user_id, &viewer.actor.label)?;
        audit::record(
            conn,
            &viewer.actor,
            "grant.assign",
            Some(("grant_application", &id.to_string())),
            &format!("{}: {} assigned to review", a.reference(), user.email),
        )?;
        Ok(user.name)
    })
}

/// Assigns the next `count` reviewers in turn (deciders): whoever was given an application
/// longest ago (or never) comes first, so work goes round the team. Reviewers already on the
/// application, or recused from it, and the person assigning are skipped. Returns the names
/// assigned.
pub fn assign_in_turn(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: i64,
    count: usize,
) -> AppResult<Vec<String>> {
    deciders_only(viewer)?;
    if !(1..=10).contains(&count) {
        return Err(AppError::BadRequest(
            "Assign between 1 and 10 reviewers at a time.".into(),
        ));
    }
    write_tx(conn, |conn| {
        let a = check_access(conn, viewer, id)?.app;
        if !apps::hold(conn, id, &REVIEWING)? {
            return Err(not_reviewing(&a));
        }
        let on_it: Vec<i64> = reviews::reviewers(conn, id)?
            .into_iter()
            .map(|r| r.reviewer.user_id)
            .collect();
        let last = reviews::last_assigned(conn)?;
        // Never the person assigning: a decider who reviews would otherwise help form the
        // quorum of their own decision without meaning to (they can still add themselves by
        // hand).
        let mut pool: Vec<users::User> = reviewer_pool(conn)?
            .into_iter()
            .filter(|u| !on_it.contains(&u.id) && u.id != viewer.user_id)
            .collect();
        pool.sort_by_key(|u| (last.get(&u.id).copied(), u.id));
        if pool.is_empty() {
            return Err(AppError::Conflict(
                "Every grants reviewer already reviews this application or is recused from it. Add reviewers on the staff page first."
                    .into(),
            ));
        }
        let mut names = Vec::new();
        for u in pool.into_iter().take(count) {
            reviews::assign(conn, id, u.id, &viewer.actor.label)?;
            audit::record(
                conn,
                &viewer.actor,
                "grant.assign",
                Some(("grant_application", &id.to_string())),
                &format!(
                    "{}: {} assigned to review (in turn)",
                    a.reference(),
                    u.email
                ),
            )?;
            names.push(u.name);
        }
        Ok(names)
    })
}

/// Takes a reviewer off an application (deciders); one who voted or declared a conflict
/// stays, as a record.
pub fn unassign(conn: &mut DbConn, viewer: &Viewer, id: i64, user_id: i64) -> AppResult<String> {
    deciders_only(viewer)?;
    write_tx(conn, |conn| {
        let a = check_access(conn, viewer, id)?.app;
        if !apps::hold(conn, id, &REVIEWING)? {
            return Err(not_reviewing(&a));
        }
        let user = users::find(conn, users::UserId(user_id))?;
        let Some(row) = reviews::find(conn, id, user_id)? else {
            return Err(AppError::NotFound);
        };
        if row.conflict {
            return Err(AppError::Conflict(format!(
                "{} declared a conflict of interest: the record stays.",
                user.name
            )));
        }
        if reviews::vote_of(conn, id, user_id)?.is_some() {
            return Err(AppError::Conflict(format!(
                "{} has voted: a reviewer who voted stays on the record.",
                user.name
            )));
        }
        reviews::unassign(conn, id, user_id)?;
        audit::record(
            conn,
            &viewer.actor,
            "grant.unassign",
            Some(("grant_application", &id.to_string())),
            &format!("{}: {} no longer reviews it", a.reference(), user.email),
        )?;
        Ok(user.name)
    })
}

/// Declares a conflict of interest: the viewer is recused from the application for good
/// (recorded with the note and time, audited); a vote already cast no longer counts and is
/// removed. From now on every route of the application answers them 403.
pub fn declare_conflict(conn: &mut DbConn, viewer: &Viewer, id: i64, note: &str) -> AppResult<()> {
    write_tx(conn, |conn| {
        let a = check_access(conn, viewer, id)?.app;
        apps::hold(conn, id, &[])?;
        // While in review the vote is withdrawn; once decided, the votes the decision rested
        // on stay as they were (the recusal is still recorded and enforced).
        let earlier = if a.status().in_review() {
            reviews::vote_of(conn, id, viewer.user_id)?
        } else {
            None
        };
        reviews::declare_conflict(conn, id, viewer.user_id, note, &viewer.actor.label)?;
        if earlier.is_some() {
            reviews::delete_vote(conn, id, viewer.user_id)?;
        }
        audit::record(
            conn,
            &viewer.actor,
            "grant.conflict",
            Some(("grant_application", &id.to_string())),
            &format!(
                "{}: conflict of interest declared, recused{}{}",
                a.reference(),
                match &earlier {
                    Some(v) => format!(" (earlier vote “{}” withdrawn)", v.vote().label()),
                    None => String::new(),
                },
                if note.is_empty() {
                    String::new()
                } else {
                    format!(": {note}")
                }
            ),
        )?;
        Ok(())
    })
}

/// A reviewer's vote as the form gives it.
#[derive(Clone, Debug)]
pub struct Ballot {
    pub vote: Vote,
    /// 1–5; required with approve or decline.
    pub score: Option<i32>,
    pub comment: String,
}

/// Casts or changes the viewer's vote; only reviewers assigned to the application vote, and
/// only while it is under review or waiting for information.
pub fn vote(conn: &mut DbConn, viewer: &Viewer, id: i64, b: &Ballot) -> AppResult<()> {
    if b.score.is_some_and(|s| !(1..=5).contains(&s)) {
        return Err(AppError::BadRequest("Choose a score from 1 to 5.".into()));
    }
    if b.vote != Vote::Abstain && b.score.is_none() {
        return Err(AppError::BadRequest(
            "Give a score from 1 to 5 with your vote.".into(),
        ));
    }
    write_tx(conn, |conn| {
        let access = check_access(conn, viewer, id)?;
        if !access.assigned {
            return Err(AppError::ForbiddenWith(
                "Only reviewers assigned to this application vote on it.".into(),
            ));
        }
        if !apps::hold(conn, id, &REVIEWING)? {
            return Err(not_reviewing(&access.app));
        }
        reviews::set_vote(conn, id, viewer.user_id, b.vote, b.score, &b.comment)?;
        audit::record(
            conn,
            &viewer.actor,
            if access.voted {
                "grant.vote_change"
            } else {
                "grant.vote"
            },
            Some(("grant_application", &id.to_string())),
            &format!(
                "{}: {}{}",
                access.app.reference(),
                b.vote.label(),
                b.score.map(|s| format!(", score {s}")).unwrap_or_default()
            ),
        )?;
        Ok(())
    })
}

/// The votes that count, tallied, against the approvals an amount needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub approve: i32,
    pub decline: i32,
    pub abstain: i32,
    /// Approvals (or, for declining, votes other than abstain) the amount needs.
    pub needed: i32,
}

impl Tally {
    pub fn cast(&self) -> i32 {
        self.approve + self.decline + self.abstain
    }
    /// Enough approvals to approve.
    pub fn can_approve(&self) -> bool {
        self.approve >= self.needed
    }
    /// Enough votes (not abstentions) to decline.
    pub fn can_decline(&self) -> bool {
        self.approve + self.decline >= self.needed
    }
}

/// Tallies the counted votes for `amount_base_minor` (foundation currency).
pub fn tally(conn: &mut DbConn, id: i64, amount_base_minor: i64) -> AppResult<Tally> {
    let thresholds = programmes::quorum(conn)?;
    let mut t = Tally {
        needed: approvals_needed(&thresholds, amount_base_minor),
        ..Tally::default()
    };
    for v in reviews::votes(conn, id)? {
        match v.vote.vote() {
            Vote::Approve => t.approve += 1,
            Vote::Decline => t.decline += 1,
            Vote::Abstain => t.abstain += 1,
        }
    }
    Ok(t)
}

/// The award in the foundation currency at today's reference rate, or, when the currency has
/// no reference rate any more, at the rate used when the application was made.
fn reference_base(
    conn: &mut DbConn,
    a: &GrantApplication,
    award: Money,
    base: Currency,
) -> AppResult<Money> {
    if let Some(rate) = programmes::rate(conn, award.currency, base)?
        && let Some(m) = grants::convert(award, rate, base)
    {
        return Ok(m);
    }
    let implied = i128::from(award.minor) * i128::from(a.requested_base_minor)
        / i128::from(a.requested_minor.max(1));
    Ok(Money::new(i64::try_from(implied).unwrap_or(i64::MAX), base))
}

/// The budget an application counts against: its programme in its budget year.
pub fn budget_for(conn: &mut DbConn, a: &GrantApplication) -> AppResult<BudgetRow> {
    let p = programmes::find(conn, a.programme_id)?;
    super::grant_money::budget_of(conn, p, a.budget_year)
}

/// The decision as the decider gave it.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The award in the application's currency, and the rate to the foundation currency
    /// (foundation units per unit, ×10^6) its base amount is counted at.
    Approve {
        award: Money,
        rate_micros: i64,
    },
    Decline,
}

#[derive(Clone, Debug)]
pub struct Decision {
    pub outcome: Outcome,
    /// Sent to the applicant (required when declining).
    pub note: String,
    /// The decider ticked "award beyond the remaining budget".
    pub override_budget: bool,
    pub override_reason: String,
}

/// A decider who also reviews the application sees the votes, and decides, after casting
/// their own.
pub const VOTE_FIRST: &str = "You review this application too: cast your vote first. You will then see the other reviewers' votes, and can decide.";

/// "approved by ana@example.org on 2026-11-23 10:04 UTC": for the decider who came second.
fn already_decided(d: &apps::GrantDecision) -> AppError {
    AppError::Conflict(format!(
        "This application was already {} by {} on {}. Nothing was changed.",
        d.outcome,
        d.decided_by,
        d.decided_at.format("%Y-%m-%d %H:%M UTC")
    ))
}

/// Decides an application (deciders): approve (award ≤ requested, within the programme's
/// remaining budget for the year unless overridden with a reason, with the quorum of
/// approvals the award needs) or decline (with a quorum of votes); writes the decision, moves
/// the status, emails the applicant and audits it, in one transaction.
pub fn decide(
    conn: &mut DbConn,
    settings: &Settings,
    viewer: &Viewer,
    id: i64,
    d: &Decision,
) -> Result<(), SaveError> {
    deciders_only(viewer)?;
    let note = d.note.trim().to_string();
    if matches!(d.outcome, Outcome::Decline) && note.is_empty() {
        return Err(SaveError::field(
            "note",
            "Say why the application is declined: it is sent to the applicant.",
        ));
    }
    // A refusal that belongs next to a form field: the transaction is rolled back with it.
    let mut refused: Option<(&'static str, String)> = None;
    let r = write_tx(conn, |conn| {
        decide_in_tx(conn, settings, viewer, id, d, &note, &mut refused)
    });
    match (r, refused) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some((field, m))) => Err(SaveError::field(field, m)),
        (Err(e), None) => Err(SaveError::Failed(e)),
    }
}

fn decide_in_tx(
    conn: &mut DbConn,
    settings: &Settings,
    viewer: &Viewer,
    id: i64,
    d: &Decision,
    note: &str,
    refused: &mut Option<(&'static str, String)>,
) -> AppResult<()> {
    let mut refuse = |field: &'static str, m: String| {
        *refused = Some((field, m.clone()));
        AppError::BadRequest(m)
    };
    let base = settings.currency();
    serialize_on(conn, lock_keys::GRANT_DECISIONS)?;
    let access = check_access(conn, viewer, id)?;
    if access.assigned && !access.voted {
        return Err(AppError::Conflict(VOTE_FIRST.into()));
    }
    let a = access.app;
    if let Some(earlier) = apps::decision(conn, id)? {
        return Err(already_decided(&earlier));
    }
    let to = match d.outcome {
        Outcome::Approve { .. } => Status::Approved,
        Outcome::Decline => Status::Declined,
    };
    transition(a.status(), to).map_err(|e| AppError::Conflict(e.to_string()))?;
    // Hold the row: a vote or recusal in flight finishes first and is counted, and none can
    // slip in before this decision commits.
    if !apps::hold(conn, id, &[a.status()])? {
        return Err(changed(conn, id)?);
    }
    let currency =
        Currency::parse(&a.currency).map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?;
    let requested = Money::new(a.requested_minor, currency);
    let (award, award_base, rate) = match &d.outcome {
        Outcome::Approve { award, rate_micros } => {
            let (base_amount, rate) =
                check_award(conn, &a, *award, *rate_micros, base, &mut refuse)?;
            (Some(*award), Some(base_amount), Some(rate))
        }
        Outcome::Decline => (None, None, None),
    };
    // Quorum and budget take the larger of the decider's figure and the reference figure, so
    // a favourable rate cannot lower the bar.
    let amount_for_quorum = match (&d.outcome, award_base) {
        (Outcome::Approve { award, .. }, Some(b)) => {
            b.minor.max(reference_base(conn, &a, *award, base)?.minor)
        }
        _ => a.requested_base_minor,
    };
    let t = tally(conn, id, amount_for_quorum)?;
    check_votes(&t, to, Money::new(amount_for_quorum, base), &mut refuse)?;
    let (override_reason, budget_note) = match award_base {
        // Checked at the larger figure (see amount_for_quorum).
        Some(_) => check_budget(
            conn,
            &a,
            d,
            Money::new(amount_for_quorum, base),
            &mut refuse,
        )?,
        None => (String::new(), String::new()),
    };
    reviews::insert_decision(
        conn,
        &reviews::NewDecision {
            application_id: id,
            outcome: to.as_str(),
            awarded_minor: award.map(|m| m.minor),
            awarded_base_minor: award_base.map(|m| m.minor),
            rate_micros: rate,
            note,
            override_reason: &override_reason,
            decided_by: &viewer.actor.label,
        },
    )?;
    let history = match award {
        Some(m) => format!("awarded {m}"),
        None => "declined".to_string(),
    };
    move_to(conn, &viewer.actor, id, to, &history)?;
    let recipient = EmailAddress::parse(&a.applicant_email).map_err(|e| {
        AppError::Conflict(format!(
            "The applicant's address cannot receive email ({e}). Nothing was decided."
        ))
    })?;
    let link = applicant_link(conn, settings, &a)?;
    email::enqueue(
        conn,
        &recipient,
        &GrantDecisionEmail {
            foundation: settings.foundation_name.clone(),
            name: a.applicant_name.clone(),
            reference: a.reference(),
            event: a.event_name.clone(),
            approved: award.is_some(),
            amount: award.map(|m| m.to_string()).unwrap_or_default(),
            requested: requested.to_string(),
            note: note.to_string(),
            link,
        },
    )?;
    let what = match (award, award_base) {
        (Some(m), Some(b)) if m.currency != b.currency => format!(
            "approved, {m} ({b} at {})",
            grants::rate_label(rate.unwrap_or(grants::RATE_SCALE))
        ),
        (Some(m), _) => format!("approved, {m}"),
        _ => "declined".to_string(),
    };
    audit::record(
        conn,
        &viewer.actor,
        "grant.decide",
        Some(("grant_application", &id.to_string())),
        &format!(
            "{}: {what} · votes {} approve, {} decline, {} abstain, {} needed{}",
            a.reference(),
            t.approve,
            t.decline,
            t.abstain,
            t.needed,
            if budget_note.is_empty() {
                String::new()
            } else {
                format!(" · {budget_note}")
            }
        ),
    )?;
    if !override_reason.is_empty() {
        audit::record(
            conn,
            &viewer.actor,
            "grant.budget_override",
            Some(("grant_application", &id.to_string())),
            &format!(
                "{}: {budget_note}. Reason: {override_reason}",
                a.reference()
            ),
        )?;
    }
    Ok(())
}

/// An award the decider may make: in the request's currency, more than zero, no more than
/// requested, and at a rate within 20% of the reference. Returns it in the foundation's
/// currency, with the rate used.
fn check_award(
    conn: &mut DbConn,
    a: &GrantApplication,
    award: Money,
    rate_micros: i64,
    base: Currency,
    refuse: &mut impl FnMut(&'static str, String) -> AppError,
) -> AppResult<(Money, i64)> {
    let currency =
        Currency::parse(&a.currency).map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?;
    let requested = Money::new(a.requested_minor, currency);
    if award.currency != currency {
        return Err(refuse(
            "award",
            format!(
                "Award the grant in {}, the currency of the request.",
                a.currency
            ),
        ));
    }
    if award.minor <= 0 {
        return Err(refuse(
            "award",
            "The award must be more than zero; to give nothing, decline.".into(),
        ));
    }
    if award.minor > a.requested_minor {
        return Err(refuse(
            "award",
            format!("The award cannot be more than the {requested} requested."),
        ));
    }
    let rate = if currency == base {
        grants::RATE_SCALE
    } else {
        rate_micros
    };
    let award_base = match grants::convert(award, rate, base) {
        Some(m) if m.minor > 0 => m,
        Some(_) => {
            return Err(refuse(
                "rate",
                "At that rate the award comes to nothing: check the exchange rate.".into(),
            ));
        }
        None => {
            return Err(refuse(
                "rate",
                "At that rate the award is too large to record: check the exchange rate.".into(),
            ));
        }
    };
    // The decider's rate may differ from the reference (the rate of the day), but not
    // wildly: a typo ("108" for "1.08") or a made-up rate must not shrink the award
    // below the quorum and the budget, nor make the payment figures meaningless.
    let reference = reference_base(conn, a, award, base)?;
    let (lo, hi) = (
        reference.minor - reference.minor / 5,
        reference.minor + reference.minor / 5,
    );
    if award_base.minor < lo || award_base.minor > hi {
        return Err(refuse(
            "rate",
            format!(
                "At that rate the award would be {award_base}, more than 20% away from {reference} at the reference rate. Check the rate; if the reference rate is out of date, change it under Quorum and rates first."
            ),
        ));
    }
    Ok((award_base, rate))
}

/// Enough votes from reviewers without a conflict of interest for the move: approvals for
/// `amount` to approve, approve-or-decline votes to decline.
fn check_votes(
    t: &Tally,
    to: Status,
    amount: Money,
    refuse: &mut impl FnMut(&'static str, String) -> AppError,
) -> AppResult<()> {
    let plural = |n: i32| if n == 1 { "" } else { "s" };
    if to == Status::Approved && !t.can_approve() {
        return Err(refuse(
            "outcome",
            format!(
                "Approving {} needs {} approval{} from reviewers without a conflict of interest; it has {}.",
                amount,
                t.needed,
                plural(t.needed),
                t.approve
            ),
        ));
    }
    if to == Status::Declined && !t.can_decline() {
        return Err(refuse(
            "outcome",
            format!(
                "Declining needs {} vote{} (approve or decline, not abstain) from reviewers without a conflict of interest; it has {}.",
                t.needed,
                plural(t.needed),
                t.approve + t.decline
            ),
        ));
    }
    Ok(())
}

/// An award within what is left of the programme's budget for its year; beyond it only with
/// the override ticked and a reason. Returns the reason and a note for the audit log (both
/// empty within the budget).
fn check_budget(
    conn: &mut DbConn,
    a: &GrantApplication,
    d: &Decision,
    award_base: Money,
    refuse: &mut impl FnMut(&'static str, String) -> AppError,
) -> AppResult<(String, String)> {
    let base = award_base.currency;
    let b = budget_for(conn, a)?;
    let left = b.left_to_award();
    if award_base.minor <= left {
        return Ok((String::new(), String::new()));
    }
    let why = match b.cap {
        Some(cap) => format!(
            "This award ({}) is more than the {} left in the {} budget for {} (cap {}, committed {}, paid {}).",
            award_base,
            Money::new(left, base),
            b.programme.name,
            a.budget_year,
            Money::new(cap, base),
            Money::new(b.used.committed, base),
            Money::new(b.used.paid, base)
        ),
        None => format!(
            "The {} programme has no budget set for {}, so nothing is left to award.",
            b.programme.name, a.budget_year
        ),
    };
    if !d.override_budget {
        return Err(refuse(
            "override_reason",
            format!(
                "{why} To award it anyway, tick “Award beyond the budget” and give the reason."
            ),
        ));
    }
    let reason = d.override_reason.trim();
    if reason.is_empty() {
        return Err(refuse(
            "override_reason",
            format!(
                "{why} Give the reason for going beyond it: it is kept with the decision and in the audit log."
            ),
        ));
    }
    let note = format!(
        "beyond the budget: {} awarded, {} left of {}",
        award_base,
        Money::new(left, base),
        b.cap
            .map(|c| Money::new(c, base).to_string())
            .unwrap_or_else(|| "no cap".into())
    );
    Ok((reason.to_string(), note))
}
