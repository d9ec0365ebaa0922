//! Queries of the public application and the sponsor portal. Every look-up a portal page
//! makes for a record takes the sponsor id of the visitor's link, so one sponsor's link can
//! never reach another's records.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{agreements, audit_log, sponsor_contacts, sponsors, sponsorships, tiers};

use super::sponsors::Sponsor;
use super::sponsorships::Sponsorship;

/// Records the online acceptance, only if the agreement is still waiting for it.
pub fn accept_if_sent(
    conn: &mut DbConn,
    id: i64,
    name: &str,
    title: &str,
    email: &str,
    addr: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        agreements::table
            .find(id)
            .filter(agreements::status.eq("sent"))
            .filter(agreements::kind.eq("generated")),
    )
    .set((
        agreements::status.eq("accepted"),
        agreements::accepted_name.eq(Some(name)),
        agreements::accepted_title.eq(Some(title)),
        agreements::accepted_email.eq(Some(email)),
        agreements::accepted_at.eq(Some(at)),
        agreements::accepted_addr.eq(Some(addr)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A sponsor's sponsorships, newest first.
pub fn sponsorships_of(conn: &mut DbConn, sponsor_id: i64) -> QueryResult<Vec<Sponsorship>> {
    sponsorships::table
        .filter(sponsorships::sponsor_id.eq(sponsor_id))
        .order((sponsorships::created_at.desc(), sponsorships::id.desc()))
        .select(Sponsorship::as_select())
        .load(conn)
}

/// The sponsorships of several sponsors with their tier's name, newest first (one query per
/// thousand sponsors): the overview of a contact of several sponsors.
pub fn sponsorships_of_many(
    conn: &mut DbConn,
    sponsor_ids: &[i64],
) -> QueryResult<Vec<(Sponsorship, String)>> {
    super::in_chunks(sponsor_ids, |chunk| {
        sponsorships::table
            .inner_join(tiers::table)
            .filter(sponsorships::sponsor_id.eq_any(chunk))
            .order((sponsorships::start_date.desc(), sponsorships::id.desc()))
            .select((Sponsorship::as_select(), tiers::name))
            .load(conn)
    })
}

/// Ids of sponsorships that some later sponsorship renews.
pub fn renewed_ids(conn: &mut DbConn, sponsor_id: i64) -> QueryResult<Vec<i64>> {
    let ids: Vec<Option<i64>> = sponsorships::table
        .filter(sponsorships::sponsor_id.eq(sponsor_id))
        .filter(sponsorships::renewal_of_id.is_not_null())
        // A renewal that was turned down or withdrawn can be asked for again.
        .filter(sponsorships::status.ne_all(["rejected", "cancelled"]))
        .select(sponsorships::renewal_of_id)
        .load(conn)?;
    Ok(ids.into_iter().flatten().collect())
}

/// Whether an application with this form key exists (a resubmitted form).
pub fn application_key_used(conn: &mut DbConn, key: &str) -> QueryResult<bool> {
    let n: i64 = sponsorships::table
        .filter(sponsorships::application_key.eq(key))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Every sponsor's (id, name, slug, website), to recognise an organisation that already
/// exists.
pub fn sponsor_identities(conn: &mut DbConn) -> QueryResult<Vec<(i64, String, String, String)>> {
    sponsors::table
        .select((
            sponsors::id,
            sponsors::name,
            sponsors::slug,
            sponsors::website,
        ))
        .load(conn)
}

/// A public profile proposed from the portal: description, tagline and website, approved
/// together. (A proposal from before taglines and websites were proposed has `None`: keep
/// the published ones.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub description: String,
    pub tagline: Option<String>,
    pub website: Option<String>,
}

impl Proposal {
    /// The proposal waiting on a sponsor, if any.
    pub fn of(s: &Sponsor) -> Option<Proposal> {
        Some(Proposal {
            description: s.description_pending.clone()?,
            tagline: s.tagline_pending.clone(),
            website: s.website_pending.clone(),
        })
    }
}

/// Stores a profile proposed from the portal (replacing an earlier proposal).
pub fn set_profile_pending(conn: &mut DbConn, sponsor_id: i64, p: &Proposal) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(sponsor_id))
        .set((
            sponsors::description_pending.eq(Some(&p.description)),
            sponsors::tagline_pending.eq(p.tagline.as_ref()),
            sponsors::website_pending.eq(p.website.as_ref()),
            sponsors::updated_at.eq(super::now()),
        ))
        .execute(conn)
}

/// Publishes a proposed profile and drops the proposal. The caller holds the sponsor's row
/// (`sponsors::lock`) and has checked that this is what waits.
pub fn publish_profile(
    conn: &mut DbConn,
    sponsor_id: i64,
    description: &str,
    tagline: &str,
    website: &str,
) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(sponsor_id))
        .set((
            sponsors::description.eq(description),
            sponsors::tagline.eq(tagline),
            sponsors::website.eq(website),
        ))
        .execute(conn)?;
    clear_profile_proposal(conn, sponsor_id)
}

/// Drops the waiting proposal (published or rejected).
pub fn clear_profile_proposal(conn: &mut DbConn, sponsor_id: i64) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(sponsor_id))
        .set((
            sponsors::description_pending.eq(None::<String>),
            sponsors::tagline_pending.eq(None::<String>),
            sponsors::website_pending.eq(None::<String>),
            sponsors::updated_at.eq(super::now()),
        ))
        .execute(conn)
}

/// The sponsors that have a contact with this address, with the contact's name, by the
/// indexed address (stored lower-cased), one row per sponsor: as many as the address is a
/// contact of (a handful), never the whole table.
pub fn contacts_with_email(conn: &mut DbConn, email: &str) -> QueryResult<Vec<(Sponsor, String)>> {
    let rows: Vec<(Sponsor, String)> = sponsor_contacts::table
        .inner_join(sponsors::table)
        .filter(sponsor_contacts::email.eq(email.to_lowercase()))
        .select((Sponsor::as_select(), sponsor_contacts::name))
        .order((sponsors::id.asc(), sponsor_contacts::id.asc()))
        .load(conn)?;
    let mut out: Vec<(Sponsor, String)> = Vec::new();
    for (s, name) in rows {
        if !out.iter().any(|(o, _)| o.id == s.id) {
            out.push((s, name));
        }
    }
    Ok(out)
}

/// Whether `email` is a contact of sponsor `sponsor_id` (by the indexed address).
pub fn is_contact(conn: &mut DbConn, sponsor_id: i64, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        sponsor_contacts::table
            .filter(sponsor_contacts::sponsor_id.eq(sponsor_id))
            .filter(sponsor_contacts::email.eq(email.to_lowercase())),
    ))
    .get_result(conn)
}

/// Audit entries of one action on one record since `since` (per-recipient cooldown).
pub fn actions_on_record_since(
    conn: &mut DbConn,
    action: &str,
    record_type: &str,
    record_id: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    audit_log::table
        .filter(audit_log::action.eq(action))
        .filter(audit_log::record_type.eq(record_type))
        .filter(audit_log::record_id.eq(record_id))
        .filter(audit_log::at.gt(since))
        .count()
        .get_result(conn)
}

/// Audit entries of one action from one client address since `since` (per-address throttle).
pub fn actions_from_addr_since(
    conn: &mut DbConn,
    action: &str,
    addr: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    audit_log::table
        .filter(audit_log::action.eq(action))
        .filter(audit_log::client_addr.eq(addr))
        .filter(audit_log::at.gt(since))
        .count()
        .get_result(conn)
}
