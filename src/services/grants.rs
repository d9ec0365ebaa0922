//! The grant lifecycle's one entry point for status moves: every move is checked against the
//! transition table, made conditionally on the current status, written to the application's
//! history and to the audit log, in the caller's transaction.

use crate::db::DbConn;
use crate::domain::grants::{Status, transition};
use crate::error::{AppError, AppResult};
use crate::models::grant_applications::{self as apps, GrantApplication};

use super::audit::{self, Actor};

/// Moves an application to `to`. An illegal move is a 409 with the table's sentence; a move
/// that lost a race (someone else moved it first) is a 409 that says so. Returns the
/// application as it was before the move.
pub fn move_to(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    to: Status,
    note: &str,
) -> AppResult<GrantApplication> {
    let a = apps::find(conn, id)?;
    let from = a.status();
    transition(from, to).map_err(|e| AppError::Conflict(e.to_string()))?;
    if !apps::move_status(conn, id, from, to, &actor.label, note)? {
        return Err(changed(conn, id)?);
    }
    audit::record(
        conn,
        actor,
        "grant.status",
        Some(("grant_application", &id.to_string())),
        &format!(
            "{}: {} → {}{}",
            a.reference(),
            from.as_str(),
            to.as_str(),
            if note.is_empty() {
                String::new()
            } else {
                format!(" ({note})")
            }
        ),
    )?;
    Ok(a)
}

/// The 409 for a change that lost a race: says where the application stands now.
pub fn changed(conn: &mut DbConn, id: i64) -> AppResult<AppError> {
    let now = apps::find(conn, id)?;
    Ok(AppError::Conflict(format!(
        "This application changed while you were looking at it: it is now {}. Nothing was changed.",
        now.status().label().to_lowercase()
    )))
}

/// A fresh private link to an application for its applicant, for an email. Each email
/// carries its own link; each expires after `portal_link_days`.
pub fn applicant_link(
    conn: &mut DbConn,
    settings: &crate::config::Settings,
    a: &GrantApplication,
) -> AppResult<String> {
    let raw = crate::models::portal_tokens::issue(
        conn,
        crate::models::portal_tokens::Scope::GrantApplication,
        a.id,
        &a.applicant_email,
        chrono::Duration::days(settings.portal_link_days),
    )?;
    Ok(format!(
        "{}/grants/portal/enter/{raw}",
        settings.base_url.trim_end_matches('/')
    ))
}

/// Staff pages of an application, for links in staff emails.
pub fn staff_url(settings: &crate::config::Settings, id: i64) -> String {
    format!(
        "{}/staff/grants/{id}",
        settings.base_url.trim_end_matches('/')
    )
}
