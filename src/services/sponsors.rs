//! Sponsor use cases: details, contacts and job listings, each in one transaction with its
//! audit entry.

use chrono::NaiveDate;

use crate::db::{DbConn, write_tx};
use crate::domain::{EmailAddress, FormErrors};
use crate::error::{AppError, AppResult};
use crate::models::jobs::{self, NewJob};
use crate::models::portal_tokens::{self, Scope};
use crate::models::sponsors::{self, CONTACT_ROLES, Contact, SponsorFields};

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

/// A contact as typed: name, address and role, checked.
pub struct NewContact {
    pub name: String,
    pub email: EmailAddress,
    pub role: &'static str,
}

/// Checks a contact's fields, for staff and for the portal alike (messages next to
/// `contact_name`, `contact_email`, `contact_role`).
pub fn parse_contact(name: &str, email: &str, role: &str) -> Result<NewContact, FormErrors> {
    let mut errors = FormErrors::new();
    let name = crate::domain::text::single_line(name, "the contact's name", 200)
        .map_err(|m| errors.add("contact_name", m))
        .ok();
    let email = EmailAddress::parse(email)
        .map_err(|e| errors.add("contact_email", e.to_string()))
        .ok();
    let role = CONTACT_ROLES
        .iter()
        .find(|(k, _)| *k == role)
        .map(|(k, _)| *k);
    if role.is_none() {
        errors.add("contact_role", "Choose primary, billing or marketing.");
    }
    match (name, email, role, errors.is_empty()) {
        (Some(name), Some(email), Some(role), true) => Ok(NewContact { name, email, role }),
        _ => Err(errors),
    }
}

/// Adds a contact inside the caller's transaction, with its audit entry.
pub(super) fn insert_contact(
    c: &mut DbConn,
    actor: &Actor,
    id: i64,
    new: &NewContact,
) -> AppResult<i64> {
    let cid = sponsors::add_contact(c, id, &new.name, new.email.as_str(), new.role)?;
    audit::record(
        c,
        actor,
        "sponsor.contact_add",
        Some(("sponsor", &id.to_string())),
        &format!("{} contact {} (#{cid})", new.role, new.email),
    )?;
    Ok(cid)
}

/// Staff add a contact to a sponsor.
pub fn add_contact(c: &mut DbConn, actor: &Actor, id: i64, new: &NewContact) -> AppResult<()> {
    write_tx(c, |c| {
        sponsors::find(c, id)?;
        insert_contact(c, actor, id, new).map(|_| ())
    })
}

/// Why the last primary contact stays.
const LAST_PRIMARY: &str =
    "Every sponsor needs a primary contact: add another primary contact before removing this one.";

/// Takes the sponsor's row for the rest of the transaction (see `sponsors::lock`), so two
/// changes to its contacts go one after the other, and returns its contacts.
pub(super) fn lock_contacts(c: &mut DbConn, id: i64) -> AppResult<Vec<Contact>> {
    if sponsors::lock(c, id)? == 0 {
        return Err(AppError::NotFound);
    }
    Ok(sponsors::contacts(c, id)?)
}

/// A contact removed: its address, and whether the address is still a contact of the
/// sponsor in another role (then its links go on working).
pub struct Removed {
    pub email: String,
    pub still_a_contact: bool,
}

/// Removes contact `cid` of sponsor `id` inside the caller's transaction, once `may`
/// allows it given the contacts (NotFound for another sponsor's contact). The sponsor keeps
/// a primary contact; the portal links sent to the address end unless another contact of
/// the sponsor has it.
pub(super) fn remove_contact_in(
    c: &mut DbConn,
    actor: &Actor,
    id: i64,
    cid: i64,
    may: impl FnOnce(&[Contact]) -> AppResult<()>,
) -> AppResult<Removed> {
    let contacts = lock_contacts(c, id)?;
    may(&contacts)?;
    let Some(gone) = contacts.iter().find(|x| x.id == cid) else {
        return Err(AppError::NotFound);
    };
    let another_primary = contacts.iter().any(|x| x.id != cid && x.role == "primary");
    if gone.role == "primary" && !another_primary {
        return Err(AppError::Conflict(LAST_PRIMARY.into()));
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
        portal_tokens::revoke_for_email(c, Scope::Sponsor, id, &gone.email)?
    };
    audit::record(
        c,
        actor,
        "sponsor.contact_remove",
        Some(("sponsor", &id.to_string())),
        &format!(
            "{} contact #{cid} ({}){}",
            gone.role,
            gone.email,
            if revoked > 0 {
                format!(" · {revoked} portal link(s) ended")
            } else {
                String::new()
            }
        ),
    )?;
    Ok(Removed {
        email: gone.email.clone(),
        still_a_contact,
    })
}

/// Staff remove a contact of this sponsor.
pub fn remove_contact(c: &mut DbConn, actor: &Actor, id: i64, cid: i64) -> AppResult<()> {
    write_tx(c, |c| {
        remove_contact_in(c, actor, id, cid, |_| Ok(())).map(|_| ())
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
