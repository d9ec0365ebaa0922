//! Queries of the public application and the sponsor portal. Every look-up a portal page
//! makes for a record takes the sponsor id of the visitor's link, so one sponsor's link can
//! never reach another's records.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{agreements, audit_log, sponsor_contacts, sponsors, sponsorships};

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

/// Sets what an application adds to a new sponsor beyond the staff fields.
pub fn set_application_extras(
    conn: &mut DbConn,
    sponsor_id: i64,
    billing_address: &str,
) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(sponsor_id))
        .set(sponsors::billing_address.eq(billing_address))
        .execute(conn)
}

/// Stores a description proposed from the portal (replacing an earlier proposal).
pub fn set_description_pending(
    conn: &mut DbConn,
    sponsor_id: i64,
    text: &str,
) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(sponsor_id))
        .set((
            sponsors::description_pending.eq(Some(text)),
            sponsors::updated_at.eq(super::now()),
        ))
        .execute(conn)
}

/// Publishes the proposed description, only if it is still the text staff looked at.
pub fn approve_description_if(conn: &mut DbConn, sponsor_id: i64, seen: &str) -> QueryResult<bool> {
    let n = diesel::update(
        sponsors::table
            .find(sponsor_id)
            .filter(sponsors::description_pending.eq(seen)),
    )
    .set((
        sponsors::description.eq(seen),
        sponsors::description_pending.eq(None::<String>),
        sponsors::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Drops the proposed description, only if it is still the text staff looked at.
pub fn reject_description_if(conn: &mut DbConn, sponsor_id: i64, seen: &str) -> QueryResult<bool> {
    let n = diesel::update(
        sponsors::table
            .find(sponsor_id)
            .filter(sponsors::description_pending.eq(seen)),
    )
    .set((
        sponsors::description_pending.eq(None::<String>),
        sponsors::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Sponsors that have a contact with this address (any case), with the contact's name.
pub fn contacts_with_email(conn: &mut DbConn, email: &str) -> QueryResult<Vec<(Sponsor, String)>> {
    // Addresses are stored lower-cased; the fold here also covers rows entered before that.
    let rows: Vec<(Sponsor, String, String)> = sponsor_contacts::table
        .inner_join(sponsors::table)
        .select((
            Sponsor::as_select(),
            sponsor_contacts::name,
            sponsor_contacts::email,
        ))
        .order((sponsors::id.asc(), sponsor_contacts::id.asc()))
        .load(conn)?;
    let mut out: Vec<(Sponsor, String)> = Vec::new();
    for (s, name, e) in rows {
        if e.eq_ignore_ascii_case(email) && !out.iter().any(|(o, _)| o.id == s.id) {
            out.push((s, name));
        }
    }
    Ok(out)
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
