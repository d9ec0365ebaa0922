//! Queues a message in the outbox inside the caller's transaction.

use crate::db::DbConn;
use crate::domain::EmailAddress;
use crate::error::AppResult;
use crate::models::outbox::{self, NewOutboxMessage};

use super::Email;

/// The record an email is about, named as in the audit log, so the email shows on that
/// record's timeline (a sponsor's page lists the emails about it and its sponsorships,
/// invoices and stories; a grant application's page lists its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum About {
    Sponsor(i64),
    Sponsorship(i64),
    Invoice(i64),
    Story(i64),
    GrantApplication(i64),
    /// Staff accounts (invitations, password mail): on no timeline.
    Account,
}

impl About {
    /// (record type, record id) as the audit log writes them; None for accounts.
    pub fn record(&self) -> Option<(&'static str, String)> {
        let (t, id) = match *self {
            About::Sponsor(id) => ("sponsor", id),
            About::Sponsorship(id) => ("sponsorship", id),
            About::Invoice(id) => ("invoice", id),
            About::Story(id) => ("story", id),
            About::GrantApplication(id) => ("grant_application", id),
            About::Account => return None,
        };
        Some((t, id.to_string()))
    }
}

/// Renders `email` and writes it to the outbox; the worker sends it after commit.
pub fn enqueue(
    conn: &mut DbConn,
    to: &EmailAddress,
    about: About,
    email: &dyn Email,
) -> AppResult<i64> {
    enqueue_with(conn, to, about, email, &[])
}

/// [`enqueue`] with files attached (written in the same transaction as the email).
pub fn enqueue_with(
    conn: &mut DbConn,
    to: &EmailAddress,
    about: About,
    email: &dyn Email,
    attachments: &[super::Attachment],
) -> AppResult<i64> {
    // A subject is a header: it must be one line whatever the data held.
    let subject: String = email
        .subject()?
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string();
    let text = email.text()?;
    let html = email.html()?;
    let now = crate::models::now();
    let record = about.record();
    let id = outbox::insert(
        conn,
        &NewOutboxMessage {
            kind: email.kind(),
            to_addr: to.as_str(),
            subject: &subject,
            body_text: &text,
            body_html: &html,
            status: "pending",
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            record_type: record.as_ref().map(|r| r.0),
            record_id: record.as_ref().map(|r| r.1.as_str()),
        },
    )?;
    for a in attachments {
        outbox::add_attachment(conn, id, &a.filename, &a.content_type, &a.body)?;
    }
    Ok(id)
}
