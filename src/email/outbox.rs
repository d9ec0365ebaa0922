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
    Prospect(i64),
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
            About::Prospect(id) => ("prospect", id),
            About::Account => return None,
        };
        Some((t, id.to_string()))
    }
}

/// Kinds sent even to an address that asked not to be contacted: legal and payment
/// notices (agreements, invoices, receipts, money paid out), and the security and sign-in
/// messages a person asks for themselves (an invitation, a password reset, a private link).
pub const ALWAYS_SENT: &[&str] = &[
    "agreement_sent",
    "agreement_accepted",
    "agreement_accepted_staff",
    "invoice_issued",
    "invoice_voided",
    "receipt",
    "grant_payment_sent",
    "invite",
    "password_reset",
    "password_changed",
    "portal_link",
    "grant_portal_link",
];

/// Whether an email of `kind` to an address that asked not to be contacted is held back.
pub fn held_back_by_wish(kind: &str) -> bool {
    !ALWAYS_SENT.contains(&kind)
}

/// Renders `email` and writes it to the outbox; the worker sends it after commit. An address
/// that asked not to be contacted gets only the kinds in [`ALWAYS_SENT`]: anything else is
/// not written (None), and the audit log says so on the record's timeline.
pub fn enqueue(
    conn: &mut DbConn,
    to: &EmailAddress,
    about: About,
    email: &dyn Email,
) -> AppResult<Option<i64>> {
    enqueue_with(conn, to, about, email, &[])
}

/// [`enqueue`] with files attached (written in the same transaction as the email).
pub fn enqueue_with(
    conn: &mut DbConn,
    to: &EmailAddress,
    about: About,
    email: &dyn Email,
    attachments: &[super::Attachment],
) -> AppResult<Option<i64>> {
    if held_back_by_wish(email.kind())
        && crate::models::usage::is_do_not_contact(conn, to.as_str())?
    {
        let record = about.record();
        crate::models::audit::insert(
            conn,
            &crate::models::audit::NewAuditEntry {
                at: crate::models::now(),
                actor_user_id: None,
                actor: "system",
                action: "email.held_back",
                record_type: record.as_ref().map(|r| r.0),
                record_id: record.as_ref().map(|r| r.1.as_str()),
                details: &format!(
                    "{} to {}: they asked not to be contacted",
                    email.kind(),
                    to.as_str()
                ),
                client_addr: None,
            },
        )?;
        return Ok(None);
    }
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
    Ok(Some(id))
}
