//! The one helper every service uses to write the audit log.

use crate::db::DbConn;
use crate::error::AppResult;
use crate::models::audit::{self, NewAuditEntry};
use crate::models::users::User;

/// Who caused a change, and from where.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub label: String,
    pub client_addr: Option<String>,
}

impl Actor {
    /// A signed-in staff member.
    pub fn staff(user_id: i64, email: &str, client_addr: &str) -> Actor {
        Actor {
            user_id: Some(user_id),
            label: email.to_string(),
            client_addr: Some(client_addr.to_string()),
        }
    }
    pub fn from_user(u: &User, client_addr: &str) -> Actor {
        Actor::staff(u.id, &u.email, client_addr)
    }
    /// Someone not signed in (a visitor, or a person holding a private link).
    pub fn visitor(label: &str, client_addr: &str) -> Actor {
        Actor {
            user_id: None,
            label: label.to_string(),
            client_addr: Some(client_addr.to_string()),
        }
    }
    /// The app itself (worker, command line).
    pub fn system(label: &str) -> Actor {
        Actor {
            user_id: None,
            label: label.to_string(),
            client_addr: None,
        }
    }
}

/// The row for `actor` doing `action` to `record` (type, id), now.
fn entry<'a>(
    actor: &'a Actor,
    action: &'a str,
    record: Option<(&'a str, &'a str)>,
    details: &'a str,
) -> NewAuditEntry<'a> {
    NewAuditEntry {
        at: crate::models::now(),
        actor_user_id: actor.user_id,
        actor: &actor.label,
        action,
        record_type: record.map(|r| r.0),
        record_id: record.map(|r| r.1),
        details,
        client_addr: actor.client_addr.as_deref(),
    }
}

/// Writes one audit entry, or, when the same thing (same action, actor, client, record and
/// details) was already written within `window`, counts it on that entry. For refusals a
/// client can repeat at will (failed or throttled sign-ins): the evidence stays, one row per
/// window instead of one per attempt.
pub fn record_repeatable(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    record: Option<(&str, &str)>,
    details: &str,
    window: chrono::Duration,
) -> AppResult<()> {
    let e = entry(actor, action, record, details);
    if !audit::count_repeat(conn, &e, e.at - window)? {
        audit::insert(conn, &e)?;
    }
    Ok(())
}

/// Writes one audit entry. `record` is (type, id), e.g. ("user", "42").
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    record: Option<(&str, &str)>,
    details: &str,
) -> AppResult<()> {
    audit::insert(conn, &entry(actor, action, record, details))?;
    Ok(())
}
