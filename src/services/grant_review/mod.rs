//! Staff review of grant applications: who may see an application (one access check for
//! every route), reviewers assigned by hand or in turn, conflicts of interest, votes, the
//! quorum, information requests and the decision against the programme's budget.
//!
//! Two deciders at once: the decision takes the `GRANT_DECISIONS` lock first (PostgreSQL
//! advisory lock; SQLite's write transaction already serialises writers), then holds the
//! application row, reads it again and only then counts votes and the budget. The decision row
//! has the application as its primary key and the status move is conditional, so whatever
//! happens exactly one decision and one email come out; the other decider is told who was first.

mod decide;

pub use decide::{Ballot, Decision, Outcome, Tally, VOTE_FIRST, budget_for, decide, tally, vote};

use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::domain::grants::{Status, transition};
use crate::domain::{EmailAddress, Role};
use crate::email::{self, GrantInfoRequestEmail};
use crate::error::{AppError, AppResult};
use crate::models::grant_applications::{self as apps, GrantApplication};
use crate::models::grant_reviews as reviews;
use crate::models::users;

use super::audit::{self, Actor};
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
            crate::email::About::GrantApplication(id),
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
