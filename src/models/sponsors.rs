//! Sponsors (organisations) and their contacts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{sponsor_contacts, sponsors};
use crate::domain::Money;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sponsors)]
pub struct Sponsor {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub website: String,
    pub description: String,
    pub tagline: String,
    pub org_size: Option<i32>,
    pub country: String,
    pub topics: String,
    pub inkind_description: String,
    pub inkind_value_minor: Option<i64>,
    pub inkind_currency: Option<String>,
    pub logo_key: Option<String>,
    pub logo_pending_key: Option<String>,
    pub logo_approved_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A description proposed from the portal, waiting for staff approval.
    pub description_pending: Option<String>,
    /// The postal address printed on invoices.
    pub billing_address: String,
    /// The sponsor's VAT or tax ID, printed on its invoices.
    pub tax_id: String,
    /// The tagline proposed with `description_pending`, when it changes.
    pub tagline_pending: Option<String>,
    /// The website proposed with `description_pending`, when it changes.
    pub website_pending: Option<String>,
}

impl Sponsor {
    /// The estimated monthly value of in-kind support, if any.
    pub fn inkind_value(&self) -> Option<Money> {
        match (self.inkind_value_minor, &self.inkind_currency) {
            (Some(v), Some(c)) => Money::from_db(v, c).ok(),
            _ => None,
        }
    }
    pub fn gives_in_kind(&self) -> bool {
        !self.inkind_description.trim().is_empty()
    }
    /// A description or logo proposed from the portal waits for staff.
    pub fn has_update_to_approve(&self) -> bool {
        self.description_pending.is_some() || self.logo_pending_key.is_some()
    }
    /// Topic tags, e.g. ["cloud", "security"].
    pub fn topic_list(&self) -> Vec<&str> {
        self.topics
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// The fields staff edit on a sponsor.
#[derive(Clone, Debug, Insertable, AsChangeset)]
#[diesel(table_name = sponsors, treat_none_as_null = true)]
pub struct SponsorFields {
    pub name: String,
    pub slug: String,
    pub website: String,
    pub description: String,
    pub tagline: String,
    pub org_size: Option<i32>,
    pub country: String,
    pub topics: String,
    pub inkind_description: String,
    pub inkind_value_minor: Option<i64>,
    pub inkind_currency: Option<String>,
}

pub fn insert(conn: &mut DbConn, f: &SponsorFields) -> QueryResult<i64> {
    let now = super::now();
    diesel::insert_into(sponsors::table)
        .values((
            f,
            sponsors::search_name.eq(crate::domain::slug::fold(&f.name)),
            sponsors::created_at.eq(now),
            sponsors::updated_at.eq(now),
        ))
        .returning(sponsors::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, f: &SponsorFields) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(id))
        .set((
            f,
            sponsors::search_name.eq(crate::domain::slug::fold(&f.name)),
            sponsors::updated_at.eq(super::now()),
        ))
        .execute(conn)
}

/// Fills the folded search name of sponsors recorded before it existed (run at start-up;
/// nothing to do afterwards, as every insert and change sets it). Returns how many.
pub fn fill_search_names(conn: &mut DbConn) -> QueryResult<usize> {
    let missing: Vec<(i64, String)> = sponsors::table
        .filter(sponsors::search_name.is_null())
        .select((sponsors::id, sponsors::name))
        .load(conn)?;
    conn.transaction(|conn| {
        for (id, name) in &missing {
            diesel::update(sponsors::table.find(id))
                .set(sponsors::search_name.eq(crate::domain::slug::fold(name)))
                .execute(conn)?;
        }
        Ok(missing.len())
    })
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Sponsor> {
    sponsors::table
        .find(id)
        .select(Sponsor::as_select())
        .first(conn)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Sponsor>> {
    sponsors::table
        .filter(sponsors::slug.eq(slug))
        .select(Sponsor::as_select())
        .first(conn)
        .optional()
}

pub fn slug_taken(conn: &mut DbConn, slug: &str, except: Option<i64>) -> QueryResult<bool> {
    let mut q = sponsors::table.filter(sponsors::slug.eq(slug)).into_boxed();
    if let Some(id) = except {
        q = q.filter(sponsors::id.ne(id));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

/// A `LIKE` pattern that finds `needle` anywhere, with `%`, `_` and `\` taken as characters
/// (use with `.escape('\\')`).
pub fn contains_pattern(needle: &str) -> String {
    let escaped = needle
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The sponsors whose name contains `search` (ignoring case and accents, through the folded
/// `search_name`), and with `pending` only those with an update to approve.
fn matching(
    search: &str,
    pending: bool,
) -> sponsors::BoxedQuery<'static, <DbConn as diesel::Connection>::Backend> {
    let mut q = sponsors::table.into_boxed();
    let needle = crate::domain::slug::fold(search.trim());
    if !needle.is_empty() {
        q = q.filter(
            sponsors::search_name
                .like(contains_pattern(&needle))
                .escape('\\'),
        );
    }
    if pending {
        q = q.filter(
            sponsors::description_pending
                .is_not_null()
                .or(sponsors::logo_pending_key.is_not_null()),
        );
    }
    q
}

/// How many sponsors `page` can show for this search (one `COUNT`).
pub fn count_matching(conn: &mut DbConn, search: &str, pending: bool) -> QueryResult<i64> {
    matching(search, pending).count().get_result(conn)
}

/// One page of the sponsors matching a search, by name.
pub fn page(
    conn: &mut DbConn,
    search: &str,
    pending: bool,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Sponsor>> {
    matching(search, pending)
        .order((sponsors::name.asc(), sponsors::id.asc()))
        .offset(offset.max(0))
        .limit(limit.max(0))
        .select(Sponsor::as_select())
        .load(conn)
}

/// Up to `limit` sponsors the search selects with an id above `after`, by id (a chunk of an
/// export).
pub fn chunk_after(
    conn: &mut DbConn,
    search: &str,
    pending: bool,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Sponsor>> {
    matching(search, pending)
        .filter(sponsors::id.gt(after.unwrap_or(0)))
        .order(sponsors::id.asc())
        .limit(limit.max(0))
        .select(Sponsor::as_select())
        .load(conn)
}

/// How many sponsors have a proposed description or logo waiting for staff (the same rule
/// as [`Sponsor::has_update_to_approve`]).
pub fn count_with_update_to_approve(conn: &mut DbConn) -> QueryResult<i64> {
    sponsors::table
        .filter(
            sponsors::description_pending
                .is_not_null()
                .or(sponsors::logo_pending_key.is_not_null()),
        )
        .count()
        .get_result(conn)
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Sponsor>> {
    sponsors::table
        .order(sponsors::name.asc())
        .select(Sponsor::as_select())
        .load(conn)
}

/// Sponsors that give something in kind, by name.
pub fn in_kind_donors(conn: &mut DbConn) -> QueryResult<Vec<Sponsor>> {
    sponsors::table
        .filter(sponsors::inkind_description.ne(""))
        .order(sponsors::name.asc())
        .select(Sponsor::as_select())
        .load(conn)
}

/// Stores a newly uploaded logo as waiting for approval.
pub fn set_pending_logo(conn: &mut DbConn, id: i64, key: &str) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(id))
        .set((
            sponsors::logo_pending_key.eq(Some(key)),
            sponsors::updated_at.eq(super::now()),
        ))
        .execute(conn)
}

/// Makes the waiting logo the public one; returns the replaced key (to delete its files).
pub fn approve_pending_logo(
    conn: &mut DbConn,
    id: i64,
) -> QueryResult<Option<(String, Option<String>)>> {
    let s = find(conn, id)?;
    let Some(pending) = s.logo_pending_key.clone() else {
        return Ok(None);
    };
    let n = diesel::update(
        sponsors::table
            .find(id)
            .filter(sponsors::logo_pending_key.eq(&pending)),
    )
    .set((
        sponsors::logo_key.eq(Some(&pending)),
        sponsors::logo_pending_key.eq(None::<String>),
        sponsors::logo_approved_at.eq(Some(super::now())),
        sponsors::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok(if n == 1 {
        Some((pending, s.logo_key))
    } else {
        None
    })
}

/// Drops the waiting logo; returns its key.
pub fn reject_pending_logo(conn: &mut DbConn, id: i64) -> QueryResult<Option<String>> {
    let s = find(conn, id)?;
    let Some(pending) = s.logo_pending_key else {
        return Ok(None);
    };
    // Only the logo we looked at: an upload that lands in between is not dropped unseen.
    let n = diesel::update(
        sponsors::table
            .find(id)
            .filter(sponsors::logo_pending_key.eq(&pending)),
    )
    .set((
        sponsors::logo_pending_key.eq(None::<String>),
        sponsors::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok(if n == 1 { Some(pending) } else { None })
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sponsor_contacts)]
pub struct Contact {
    pub id: i64,
    pub sponsor_id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub created_at: NaiveDateTime,
}

/// Contact roles.
pub const CONTACT_ROLES: [(&str, &str); 3] = [
    ("primary", "Primary"),
    ("billing", "Billing"),
    ("marketing", "Marketing"),
];

pub fn contacts(conn: &mut DbConn, sponsor_id: i64) -> QueryResult<Vec<Contact>> {
    sponsor_contacts::table
        .filter(sponsor_contacts::sponsor_id.eq(sponsor_id))
        .order((sponsor_contacts::role.asc(), sponsor_contacts::name.asc()))
        .select(Contact::as_select())
        .load(conn)
}

/// The contacts of many sponsors at once (a query per thousand sponsors, not one each), in
/// the order of `contacts`.
pub fn contacts_of_all(
    conn: &mut DbConn,
    sponsor_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<Contact>>> {
    let rows = super::in_chunks(sponsor_ids, |chunk| {
        sponsor_contacts::table
            .filter(sponsor_contacts::sponsor_id.eq_any(chunk))
            .order((
                sponsor_contacts::sponsor_id.asc(),
                sponsor_contacts::role.asc(),
                sponsor_contacts::name.asc(),
            ))
            .select(Contact::as_select())
            .load(conn)
    })?;
    Ok(super::by_parent(rows, |c| c.sponsor_id))
}

/// Some sponsors, by id (a query per thousand).
pub fn find_many(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Sponsor>> {
    let rows = super::in_chunks(ids, |chunk| {
        sponsors::table
            .filter(sponsors::id.eq_any(chunk))
            .select(Sponsor::as_select())
            .load(conn)
    })?;
    Ok(rows.into_iter().map(|s| (s.id, s)).collect())
}

/// The topic tags of some sponsors, by id (a query per thousand).
pub fn topics_of(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    let rows = super::in_chunks(ids, |chunk| {
        sponsors::table
            .filter(sponsors::id.eq_any(chunk))
            .select((sponsors::id, sponsors::topics))
            .load(conn)
    })?;
    Ok(rows.into_iter().collect())
}

/// The names of some sponsors, by id (a query per thousand).
pub fn names_of(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    let rows = super::in_chunks(ids, |chunk| {
        sponsors::table
            .filter(sponsors::id.eq_any(chunk))
            .select((sponsors::id, sponsors::name))
            .load(conn)
    })?;
    Ok(rows.into_iter().collect())
}

/// The contacts of one role as "Name <email>", joined with "; " (a cell of an export).
pub fn contacts_with_role(contacts: &[Contact], role: &str) -> String {
    contacts
        .iter()
        .filter(|x| x.role == role)
        .map(|x| format!("{} <{}>", x.name, x.email))
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn add_contact(
    conn: &mut DbConn,
    sponsor_id: i64,
    name: &str,
    email: &str,
    role: &str,
) -> QueryResult<i64> {
    diesel::insert_into(sponsor_contacts::table)
        .values((
            sponsor_contacts::sponsor_id.eq(sponsor_id),
            sponsor_contacts::name.eq(name),
            sponsor_contacts::email.eq(email),
            sponsor_contacts::role.eq(role),
            sponsor_contacts::created_at.eq(super::now()),
        ))
        .returning(sponsor_contacts::id)
        .get_result(conn)
}

/// Takes the sponsor's row until the transaction ends (a no-op write), so two changes to its
/// contact list go one after the other on PostgreSQL and each check sees the other's change
/// (SQLite's write transaction already serialises writers). 0 when there is no such sponsor.
pub fn lock(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(id))
        .set(sponsors::updated_at.eq(super::now()))
        .execute(conn)
}

/// Removes a contact of this sponsor (the sponsor id guards against removing another's).
pub fn remove_contact(conn: &mut DbConn, sponsor_id: i64, contact_id: i64) -> QueryResult<usize> {
    diesel::delete(
        sponsor_contacts::table
            .filter(sponsor_contacts::id.eq(contact_id))
            .filter(sponsor_contacts::sponsor_id.eq(sponsor_id)),
    )
    .execute(conn)
}

// Logos: URLs for templates, and the look-up behind the public logo files.

impl Sponsor {
    /// The public URL of the approved logo at a size of `media::SIZES` ("l" or "s"), if any.
    pub fn logo_url(&self, size: &str) -> Option<String> {
        self.logo_key
            .as_deref()
            .filter(|k| crate::media::valid_key(k) && crate::media::valid_size(size))
            .map(|k| crate::media::logo_url(k, size))
    }

    /// The staff-only preview of the logo waiting for approval, if any.
    pub fn pending_logo_url(&self) -> Option<String> {
        self.logo_pending_key
            .as_ref()
            .map(|_| format!("/staff/sponsors/{}/logo/pending.png", self.id))
    }
}

/// True when `key` is the approved (public) logo of some sponsor.
pub fn is_approved_logo(conn: &mut DbConn, key: &str) -> QueryResult<bool> {
    Ok(sponsors::table
        .filter(sponsors::logo_key.eq(key))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Sets the sponsor's VAT or tax ID (printed on invoices issued from now on).
/// Sets the postal address printed on the sponsor's next invoices.
pub fn set_billing_address(conn: &mut DbConn, id: i64, address: &str) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(id))
        .set(sponsors::billing_address.eq(address))
        .execute(conn)
}

pub fn set_tax_id(conn: &mut DbConn, id: i64, tax_id: &str) -> QueryResult<usize> {
    diesel::update(sponsors::table.find(id))
        .set(sponsors::tax_id.eq(tax_id))
        .execute(conn)
}
