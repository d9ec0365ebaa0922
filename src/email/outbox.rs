//! Queues a message in the outbox inside the caller's transaction.

use crate::db::DbConn;
use crate::domain::EmailAddress;
use crate::error::AppResult;
use crate::models::outbox::{self, NewOutboxMessage};

use super::Email;

/// Renders `email` and writes it to the outbox; the worker sends it after commit.
pub fn enqueue(conn: &mut DbConn, to: &EmailAddress, email: &dyn Email) -> AppResult<i64> {
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
        },
    )?;
    Ok(id)
}
