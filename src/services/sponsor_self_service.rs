//! What a sponsor's contacts change themselves in the portal: their colleagues (primary
//! contacts add and remove primary, billing and marketing contacts), the billing address
//! (primary and billing contacts), and switching between the sponsors one address is a
//! contact of. Public text goes through staff approval (`portal_actions::propose_profile`).

use crate::db::{DbConn, write_tx_with};
use crate::error::{AppError, AppResult, SaveError};
use crate::models::portal_tokens::{self, Scope};
use crate::models::portal_views;
use crate::models::sponsors::{self, Contact};

use super::audit::{self, Actor};
use super::sponsors::{self as sponsors_service, NewContact};

/// A sponsor keeps at most this many contacts (a colleague list, not a mailing list).
pub const MAX_CONTACTS: usize = 25;

/// What the contact at one address may do for one sponsor, from the roles it holds there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContactRoles {
    pub primary: bool,
    pub billing: bool,
    pub marketing: bool,
}

impl ContactRoles {
    /// The roles of `email` among `contacts`.
    pub fn of(contacts: &[Contact], email: &str) -> ContactRoles {
        let mut r = ContactRoles::default();
        for c in contacts
            .iter()
            .filter(|c| c.email.eq_ignore_ascii_case(email))
        {
            match c.role.as_str() {
                "primary" => r.primary = true,
                "billing" => r.billing = true,
                "marketing" => r.marketing = true,
                _ => {}
            }
        }
        r
    }
    /// Adding and removing colleagues.
    pub fn may_manage_contacts(self) -> bool {
        self.primary
    }
    /// The billing address (and the invoice details).
    pub fn may_edit_billing(self) -> bool {
        self.primary || self.billing
    }
    /// The public profile and logo (then approved by staff).
    pub fn may_edit_profile(self) -> bool {
        self.primary || self.marketing
    }
}

/// The roles of `email` for sponsor `sponsor_id`.
pub fn roles(conn: &mut DbConn, sponsor_id: i64, email: &str) -> AppResult<ContactRoles> {
    Ok(ContactRoles::of(
        &sponsors::contacts(conn, sponsor_id)?,
        email,
    ))
}

/// A primary contact (`by`) adds a colleague to the sponsor. Refused next to the field: the
/// same address already in that role, or a full list. 403 for anyone else.
pub fn add_colleague(
    conn: &mut DbConn,
    actor: &Actor,
    sponsor_id: i64,
    by: &str,
    new: &NewContact,
) -> Result<i64, SaveError> {
    write_tx_with(conn, |conn| {
        let contacts = sponsors_service::lock_contacts(conn, sponsor_id)?;
        if !ContactRoles::of(&contacts, by).may_manage_contacts() {
            return Err(AppError::Forbidden.into());
        }
        if contacts
            .iter()
            .any(|c| c.email.eq_ignore_ascii_case(new.email.as_str()) && c.role == new.role)
        {
            return Err(SaveError::field(
                "contact_email",
                format!("{} is already a {} contact.", new.email, new.role),
            ));
        }
        if contacts.len() >= MAX_CONTACTS {
            return Err(SaveError::field(
                "contact_email",
                format!("A sponsor has at most {MAX_CONTACTS} contacts: remove one first."),
            ));
        }
        Ok(sponsors_service::insert_contact(
            conn, actor, sponsor_id, new,
        )?)
    })
}

/// A primary contact (`by`) removes a colleague (or their own entry), by the same rules as
/// staff (`sponsors::remove_contact_in`). Returns whether `by` lost access.
pub fn remove_colleague(
    conn: &mut DbConn,
    actor: &Actor,
    sponsor_id: i64,
    by: &str,
    contact_id: i64,
) -> AppResult<bool> {
    write_tx_with(conn, |conn| {
        let gone =
            sponsors_service::remove_contact_in(conn, actor, sponsor_id, contact_id, |contacts| {
                if ContactRoles::of(contacts, by).may_manage_contacts() {
                    Ok(())
                } else {
                    Err(AppError::Forbidden)
                }
            })?;
        Ok(!gone.still_a_contact && gone.email.eq_ignore_ascii_case(by))
    })
}

/// A primary or billing contact (`by`) sets the postal address printed on the sponsor's
/// invoices (from the next invoice on; issued ones keep theirs).
pub fn set_billing_address(
    conn: &mut DbConn,
    actor: &Actor,
    sponsor_id: i64,
    by: &str,
    address: &str,
) -> AppResult<bool> {
    write_tx_with(conn, |conn| {
        let contacts = sponsors_service::lock_contacts(conn, sponsor_id)?;
        if !ContactRoles::of(&contacts, by).may_edit_billing() {
            return Err(AppError::Forbidden);
        }
        let s = sponsors::find(conn, sponsor_id)?;
        if s.billing_address == address {
            return Ok(false);
        }
        sponsors::set_billing_address(conn, sponsor_id, address)?;
        audit::record(
            conn,
            actor,
            "sponsor.billing_address",
            Some(("sponsor", &sponsor_id.to_string())),
            "billing address changed from the portal",
        )?;
        Ok(true)
    })
}

/// One of the other sponsors an address is a contact of, with its sponsorships.
pub struct OtherSponsor {
    pub id: i64,
    pub name: String,
    /// (tier, term, status label), newest term first.
    pub sponsorships: Vec<(String, String, &'static str)>,
}

/// The sponsors besides `current` that `email` is a contact of, with their sponsorships
/// (two queries whatever their number).
pub fn other_sponsors(
    conn: &mut DbConn,
    current: i64,
    email: &str,
) -> AppResult<Vec<OtherSponsor>> {
    let others: Vec<(i64, String)> = portal_views::contacts_with_email(conn, email)?
        .into_iter()
        .filter(|(s, _)| s.id != current)
        .map(|(s, _)| (s.id, s.name))
        .collect();
    if others.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = others.iter().map(|(id, _)| *id).collect();
    let terms = portal_views::sponsorships_of_many(conn, &ids)?;
    Ok(others
        .into_iter()
        .map(|(id, name)| OtherSponsor {
            id,
            name,
            sponsorships: terms
                .iter()
                .filter(|(t, _)| t.sponsor_id == id)
                .map(|(t, tier)| {
                    let term = format!(
                        "{} – {}",
                        t.start_date.format("%-d %B %Y"),
                        t.end_date.format("%-d %B %Y")
                    );
                    (tier.clone(), term, t.status().label())
                })
                .collect(),
        })
        .collect())
}

/// A fresh link to sponsor `to` for `email`, expiring when the link in use does, and the
/// sponsor's name: the address must be a contact of `to` (else 404, as for any record not
/// one's own).
pub fn switch(
    conn: &mut DbConn,
    to: i64,
    email: &str,
    expires_at: chrono::NaiveDateTime,
) -> AppResult<(String, String)> {
    if !portal_views::is_contact(conn, to, email)? {
        return Err(AppError::NotFound);
    }
    let sponsor = sponsors::find(conn, to)?;
    if expires_at <= crate::models::now() {
        return Err(AppError::Gone(
            "Your link has expired: ask for a new one.".into(),
        ));
    }
    let raw = portal_tokens::issue_until(conn, Scope::Sponsor, to, email, expires_at)?;
    Ok((raw, sponsor.name))
}
