//! Private links for sponsor contacts, and who a sponsor's emails go to.

use crate::config::Settings;
use crate::db::DbConn;
use crate::domain::EmailAddress;
use crate::error::AppResult;
use crate::models::portal_tokens::{self, Scope};
use crate::models::sponsors;

/// A fresh private link to the sponsor's portal for one contact address, for an email.
/// Each email carries its own link; each expires after `portal_link_days`.
pub fn sponsor_link(
    conn: &mut DbConn,
    settings: &Settings,
    sponsor_id: i64,
    email: &str,
) -> AppResult<String> {
    let raw = portal_tokens::issue(
        conn,
        Scope::Sponsor,
        sponsor_id,
        email,
        chrono::Duration::days(settings.portal_link_days),
    )?;
    Ok(format!(
        "{}/portal/enter/{raw}",
        settings.base_url.trim_end_matches('/')
    ))
}

/// A contact an email goes to.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub name: String,
    pub email: EmailAddress,
}

/// The contacts for a kind of message: those with `role` ("billing", "primary",
/// "marketing"), or the primary contacts when none has it, or everyone. One per address.
pub fn recipients(conn: &mut DbConn, sponsor_id: i64, role: &str) -> AppResult<Vec<Recipient>> {
    let all = sponsors::contacts(conn, sponsor_id)?;
    let mut pick: Vec<_> = all.iter().filter(|c| c.role == role).collect();
    if pick.is_empty() {
        pick = all.iter().filter(|c| c.role == "primary").collect();
    }
    if pick.is_empty() {
        pick = all.iter().collect();
    }
    let mut out: Vec<Recipient> = Vec::new();
    for c in pick {
        // Stored addresses were checked when entered; skip anything that no longer parses.
        let Ok(email) = EmailAddress::parse(&c.email) else {
            continue;
        };
        if out.iter().any(|r| r.email.as_str() == email.as_str()) {
            continue;
        }
        out.push(Recipient {
            name: c.name.clone(),
            email,
        });
    }
    Ok(out)
}

/// Every contact of the sponsor, one per address (for decisions every contact should hear
/// about: an application approved or rejected).
pub fn recipients_all(conn: &mut DbConn, sponsor_id: i64) -> AppResult<Vec<Recipient>> {
    let mut out: Vec<Recipient> = Vec::new();
    for c in sponsors::contacts(conn, sponsor_id)? {
        let Ok(email) = EmailAddress::parse(&c.email) else {
            continue;
        };
        if !out.iter().any(|r| r.email.as_str() == email.as_str()) {
            out.push(Recipient {
                name: c.name,
                email,
            });
        }
    }
    Ok(out)
}
