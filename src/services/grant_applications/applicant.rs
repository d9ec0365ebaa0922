//! What the applicant does after applying, through their private link: replies to staff
//! questions, withdrawal, the post-event report, and asking for fresh links.

use super::{
    GRANT_LINKS, MAX_LINKS_PER_REQUEST, StoredFile, reviewers_or_deciders, staff_with_role,
    tell_staff,
};
use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::domain::grants::Status;
use crate::domain::{EmailAddress, Role};
use crate::email::{self, GrantLinkItem, GrantPortalLinkEmail};
use crate::error::{AppError, AppResult};
use crate::models::grant_applications::{self as apps, GrantApplication};
use crate::services::audit::{self, Actor};
use crate::services::grants as lifecycle;
use crate::services::portal_actions::send_links_within_limits;

/// Whether the post-event report can be sent on `today`: the grant is paid and the event's
/// last day has come (the worker marks the report due the day after).
pub fn report_open(a: &GrantApplication, today: chrono::NaiveDate) -> bool {
    match a.status() {
        Status::ReportDue => true,
        Status::Paid => today >= a.ends_on,
        _ => false,
    }
}

/// Whether the applicant may still write to reviewers about an application in this status.
pub fn may_message(status: Status) -> bool {
    !matches!(
        status,
        Status::Declined | Status::Withdrawn | Status::Closed
    )
}

/// The applicant writes to the reviewers. An answer while information is requested moves the
/// application back to review. Returns whether it moved.
pub fn reply(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    id: i64,
    body: &str,
) -> AppResult<bool> {
    write_tx(conn, |conn| {
        let a = apps::find(conn, id)?;
        let status = a.status();
        if !may_message(status) {
            return Err(AppError::Conflict(format!(
                "This application is {}, so messages are closed. If you need to reach us, reply to one of our emails.",
                status.label().to_lowercase()
            )));
        }
        apps::add_message(conn, id, true, &a.applicant_name, body)?;
        let moved = status == Status::InfoRequested;
        if moved {
            lifecycle::move_to(
                conn,
                actor,
                id,
                Status::UnderReview,
                "the applicant replied",
            )?;
        }
        audit::record(
            conn,
            actor,
            "grant.applicant_message",
            Some(("grant_application", &id.to_string())),
            &format!(
                "{}: message of {} characters",
                a.reference(),
                body.chars().count()
            ),
        )?;
        let to = reviewers_or_deciders(conn, id)?;
        let what = if moved {
            "The applicant answered your request for information; the application is back under review."
        } else {
            "The applicant sent a message."
        };
        let link = lifecycle::staff_url(settings, a.id);
        tell_staff(conn, settings, &a, &to, what, body, &link)?;
        Ok(moved)
    })
}

/// The applicant withdraws. Only statuses the transition table lets go to `withdrawn` allow
/// it; anything else is a 409 that says why.
pub fn withdraw(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let a = apps::find(conn, id)?;
        let status = a.status();
        if !status.can_withdraw() {
            return Err(AppError::Conflict(match status {
                Status::Withdrawn => "You have already withdrawn this application.".to_string(),
                Status::Paid | Status::ReportDue | Status::ReportReceived | Status::Closed => {
                    "This grant has already been paid, so it can no longer be withdrawn. If your event was cancelled, please write to us about returning the money.".to_string()
                }
                other => format!(
                    "This application is {}, so there is nothing to withdraw.",
                    other.label().to_lowercase()
                ),
            }));
        }
        // Hold the row (a payment being recorded finishes first), then look for money paid:
        // part of an award already paid cannot simply vanish with a withdrawal.
        if !apps::hold(conn, id, &[status])? {
            return Err(AppError::Conflict(
                "This application changed a moment ago. Reload the page to see where it stands."
                    .into(),
            ));
        }
        if apps::disbursed(conn, id)? > 0 {
            return Err(AppError::Conflict(
                "Part of this grant has already been paid, so it can no longer be withdrawn here. If your event was cancelled, please write to us about returning the money.".into(),
            ));
        }
        let note = if reason.is_empty() {
            "withdrawn by the applicant".to_string()
        } else {
            format!("withdrawn by the applicant: {reason}")
        };
        lifecycle::move_to(conn, actor, id, Status::Withdrawn, &note)?;
        let to = reviewers_or_deciders(conn, id)?;
        tell_staff(
            conn,
            settings,
            &a,
            &to,
            "The applicant withdrew the application.",
            reason,
            &lifecycle::staff_url(settings, a.id),
        )?;
        Ok(())
    })
}

/// The post-event report: its text and attachments, once, while the grant is paid and the
/// report not yet received. Moves the application to `report_received` and tells the
/// treasurers (or the deciders when there is no treasurer).
pub fn submit_report(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    id: i64,
    body: &str,
    files: &[StoredFile],
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let a = apps::find(conn, id)?;
        let status = a.status();
        if !matches!(status, Status::Paid | Status::ReportDue) {
            return Err(AppError::Conflict(match status {
                Status::ReportReceived | Status::Closed => {
                    "We already have your report for this grant. Thank you!".to_string()
                }
                _ => format!(
                    "A report is sent after the grant is paid and the event is over; this application is {}.",
                    status.label().to_lowercase()
                ),
            }));
        }
        if apps::report(conn, id)?.is_some() {
            return Err(AppError::Conflict(
                "We already have your report for this grant. Thank you!".into(),
            ));
        }
        if !report_open(&a, chrono::Utc::now().date_naive()) {
            return Err(AppError::Conflict(format!(
                "The report is about how it went: send it once the event is over, from {}.",
                a.ends_on.format("%-d %B %Y")
            )));
        }
        apps::insert_report(conn, id, body, &actor.label, crate::models::now())?;
        for f in files {
            apps::add_file(conn, id, "report", &f.key, &f.name, f.content_type, f.size)?;
        }
        lifecycle::move_to(
            conn,
            actor,
            id,
            Status::ReportReceived,
            "report sent by the applicant",
        )?;
        audit::record(
            conn,
            actor,
            "grant.report",
            Some(("grant_application", &id.to_string())),
            &format!(
                "{}: report of {} characters, {} attachment(s)",
                a.reference(),
                body.chars().count(),
                files.len()
            ),
        )?;
        let mut to = staff_with_role(conn, Role::Treasurer, id)?;
        if to.is_empty() {
            to = staff_with_role(conn, Role::GrantsDecider, id)?;
        }
        // The treasurer closes the grant from its payments page, where the report is shown.
        let link = format!("{}/payments", lifecycle::staff_url(settings, a.id));
        tell_staff(
            conn,
            settings,
            &a,
            &to,
            "The applicant sent the post-event report.",
            "",
            &link,
        )?;
        Ok(())
    })
}

/// Emails fresh private links to `email` for its newest applications, within the same limits
/// as the sponsor portal's link requests (per client address, a cooldown per recipient, a
/// daily cap per recipient). Returns how many links were sent; the page answers the same
/// whatever this is, and unknown addresses are not written down.
pub fn request_links(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    email: &EmailAddress,
) -> AppResult<usize> {
    write_tx(conn, |conn| {
        let mut matches = apps::for_email(conn, email.as_str())?;
        matches.truncate(MAX_LINKS_PER_REQUEST);
        send_links_within_limits(conn, actor, &GRANT_LINKS, email, matches.len(), |conn| {
            let Some(first) = matches.first() else {
                return Ok(0);
            };
            let mut items = Vec::new();
            for a in &matches {
                items.push(GrantLinkItem {
                    label: format!("{} · {}", a.reference(), a.event_name),
                    link: lifecycle::applicant_link(conn, settings, a)?,
                });
            }
            let sent = items.len();
            email::enqueue(
                conn,
                email,
                crate::email::About::GrantApplication(first.id),
                &GrantPortalLinkEmail {
                    foundation: settings.foundation_name.clone(),
                    name: first.applicant_name.clone(),
                    items,
                    expires_days: settings.portal_link_days,
                },
            )?;
            Ok(sent)
        })
    })
}
