//! Sponsor use cases: details, contacts and job listings, each in one transaction with its
//! audit entry.

use chrono::NaiveDate;

use crate::db::{DbConn, write_tx};
use crate::domain::EmailAddress;
use crate::error::{AppError, AppResult};
use crate::models::jobs::{self, NewJob};
use crate::models::sponsors::{self, SponsorFields};

use super::audit::{self, Actor};

/// Creates or updates a sponsor; refuses a slug another sponsor has. Returns the id.
pub fn save(
    c: &mut DbConn,
    actor: &Actor,
    id: Option<i64>,
    fields: &SponsorFields,
) -> AppResult<i64> {
    write_tx(c, |c| {
        if sponsors::slug_taken(c, &fields.slug, id)? {
            return Err(AppError::Conflict(format!(
                "Another sponsor already uses \"{}\".",
                fields.slug
            )));
        }
        let sid = match id {
            Some(id) => {
                sponsors::find(c, id)?;
                sponsors::update(c, id, fields)?;
                id
            }
            None => sponsors::insert(c, fields)?,
        };
        audit::record(
            c,
            actor,
            if id.is_some() {
                "sponsor.update"
            } else {
                "sponsor.create"
            },
            Some(("sponsor", &sid.to_string())),
            &fields.name,
        )?;
        Ok(sid)
    })
}

/// Adds a contact to a sponsor.
pub fn add_contact(
    c: &mut DbConn,
    actor: &Actor,
    id: i64,
    name: &str,
    email: &EmailAddress,
    role: &str,
) -> AppResult<()> {
    write_tx(c, |c| {
        sponsors::find(c, id)?;
        let cid = sponsors::add_contact(c, id, name, email.as_str(), role)?;
        audit::record(
            c,
            actor,
            "sponsor.contact_add",
            Some(("sponsor", &id.to_string())),
            &format!("{role} contact {email} (#{cid})"),
        )
    })
}

/// Removes a contact of this sponsor (NotFound for another sponsor's contact), and ends
/// the portal links sent to that address unless another contact of the sponsor has it.
pub fn remove_contact(c: &mut DbConn, actor: &Actor, id: i64, cid: i64) -> AppResult<()> {
    write_tx(c, |c| {
        if sponsors::lock(c, id)? == 0 {
            return Err(AppError::NotFound);
        }
        let contacts = sponsors::contacts(c, id)?;
        let Some(gone) = contacts.iter().find(|x| x.id == cid) else {
            return Err(AppError::NotFound);
        };
        if super::sponsor_self_service::leaves_no_primary(&contacts, gone) {
            return Err(AppError::Conflict(
                super::sponsor_self_service::LAST_PRIMARY.into(),
            ));
        }
        if sponsors::remove_contact(c, id, cid)? == 0 {
            return Err(AppError::NotFound);
        }
        let still_a_contact = contacts
            .iter()
            .any(|x| x.id != cid && x.email.eq_ignore_ascii_case(&gone.email));
        let revoked = if still_a_contact {
            0
        } else {
            crate::models::portal_tokens::revoke_for_email(
                c,
                crate::models::portal_tokens::Scope::Sponsor,
                id,
                &gone.email,
            )?
        };
        audit::record(
            c,
            actor,
            "sponsor.contact_remove",
            Some(("sponsor", &id.to_string())),
            &format!(
                "contact #{cid} ({}){}",
                gone.email,
                if revoked > 0 {
                    format!(" · {revoked} portal link(s) ended")
                } else {
                    String::new()
                }
            ),
        )
    })
}

/// Adds a job listing to a sponsor.
#[allow(clippy::too_many_arguments)]
pub fn add_job(
    c: &mut DbConn,
    actor: &Actor,
    id: i64,
    title: String,
    location: String,
    remote: bool,
    url: String,
    expires_on: NaiveDate,
) -> AppResult<()> {
    write_tx(c, |c| {
        sponsors::find(c, id)?;
        let jid = jobs::insert(
            c,
            &NewJob {
                sponsor_id: id,
                title: title.clone(),
                location,
                remote,
                url,
                expires_on,
                created_at: crate::models::now(),
            },
        )?;
        audit::record(
            c,
            actor,
            "job.create",
            Some(("job", &jid.to_string())),
            &title,
        )
    })
}

/// Removes a job listing of this sponsor.
pub fn remove_job(c: &mut DbConn, actor: &Actor, id: i64, jid: i64) -> AppResult<()> {
    write_tx(c, |c| {
        if jobs::delete(c, id, jid)? == 0 {
            return Err(AppError::NotFound);
        }
        audit::record(c, actor, "job.delete", Some(("job", &jid.to_string())), "")
    })
}
