//! Votes, the tally against the quorum, and the decision: approve with an amount (in the
//! request's currency, at a rate near the reference, within the programme's budget or past it
//! with a reason) or decline with a reason.

use super::{REVIEWING, Viewer, check_access, deciders_only, not_reviewing};
use crate::config::Settings;
use crate::db::{DbConn, lock_keys, serialize_on, write_tx};
use crate::domain::grants::{self, Status, Vote, approvals_needed, transition};
use crate::domain::{Currency, EmailAddress, Money};
use crate::email::{self, GrantDecisionEmail};
use crate::error::{AppError, AppResult, SaveError};
use crate::models::grant_applications::{self as apps, GrantApplication};
use crate::models::grant_programmes as programmes;
use crate::models::grant_reviews as reviews;
use crate::services::audit::{self};
use crate::services::grant_money::BudgetRow;
use crate::services::grants::{applicant_link, changed, move_to};

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
    crate::services::grant_money::budget_of(conn, p, a.budget_year)
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
        crate::email::About::GrantApplication(id),
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
