//! Sponsorships (sponsor × tier × term), their status history and benefit fulfilment.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{benefit_fulfilments, sponsors, sponsorship_events, sponsorships, tiers};
use crate::domain::Money;
use crate::domain::sponsorship::Status;

use super::sponsors::Sponsor;
use super::tiers::Tier;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sponsorships)]
pub struct Sponsorship {
    pub id: i64,
    pub sponsor_id: i64,
    pub tier_id: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub fee_minor: i64,
    pub currency: String,
    pub status: String,
    pub published_early: bool,
    pub notes: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set on applications from the public form or the portal; a resubmitted form has the
    /// same key, so it cannot create a second application.
    pub application_key: Option<String>,
    /// An application for a full tier, waiting for a place.
    pub waitlisted: bool,
    /// The term this one renews.
    pub renewal_of_id: Option<i64>,
    /// The server's price when the application was made (list price less the best rule).
    pub list_price_minor: Option<i64>,
    /// Why the agreed fee differs from the price, when it does.
    pub fee_reason: String,
    /// The sponsor's purchase-order number for this term, printed on its invoice.
    pub po_number: String,
}

impl Sponsorship {
    /// The stored status (the CHECK constraint keeps it one of ours).
    pub fn status(&self) -> Status {
        self.status.parse().unwrap_or(Status::Cancelled)
    }
    pub fn fee(&self) -> Option<Money> {
        Money::from_db(self.fee_minor, &self.currency).ok()
    }
    pub fn fee_label(&self) -> String {
        self.fee()
            .map(|m| m.to_string())
            .unwrap_or_else(|| format!("{} {}", self.fee_minor, self.currency))
    }
    pub fn term(&self) -> String {
        format!(
            "{} – {}",
            self.start_date.format("%Y-%m-%d"),
            self.end_date.format("%Y-%m-%d")
        )
    }
    pub fn is_visible_on(&self, today: NaiveDate) -> bool {
        crate::domain::sponsorship::is_visible(
            self.status(),
            self.published_early,
            self.start_date,
            self.end_date,
            today,
        )
    }
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = sponsorships)]
pub struct NewSponsorship {
    pub sponsor_id: i64,
    pub tier_id: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub fee_minor: i64,
    pub currency: String,
    pub status: String,
    pub published_early: bool,
    pub notes: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub application_key: Option<String>,
    pub waitlisted: bool,
    pub renewal_of_id: Option<i64>,
    pub list_price_minor: Option<i64>,
    pub fee_reason: String,
}

impl NewSponsorship {
    /// An application (status `applied`) for a term at the server's price `price`, with the
    /// key that makes a resubmitted form the same application. Set `waitlisted` and
    /// `renewal_of_id` on the result where they apply.
    pub fn application(
        sponsor_id: i64,
        tier_id: i64,
        (start_date, end_date): (NaiveDate, NaiveDate),
        price: Money,
        application_key: String,
    ) -> NewSponsorship {
        let now = super::now();
        NewSponsorship {
            sponsor_id,
            tier_id,
            start_date,
            end_date,
            fee_minor: price.minor,
            currency: price.currency.code().to_string(),
            status: Status::Applied.as_str().to_string(),
            published_early: false,
            notes: String::new(),
            created_at: now,
            updated_at: now,
            application_key: Some(application_key),
            waitlisted: false,
            renewal_of_id: None,
            list_price_minor: Some(price.minor),
            fee_reason: String::new(),
        }
    }
}

pub fn insert(conn: &mut DbConn, s: &NewSponsorship) -> QueryResult<i64> {
    diesel::insert_into(sponsorships::table)
        .values(s)
        .returning(sponsorships::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Sponsorship> {
    sponsorships::table
        .find(id)
        .select(Sponsorship::as_select())
        .first(conn)
}

/// Moves the status only if it still is `from`; false when someone else moved it first.
/// Takes the sponsorship's row until the transaction ends (a no-op write), so two changes
/// that read and then write its children go one after the other on PostgreSQL. 0 when there
/// is no such sponsorship.
pub fn lock(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(sponsorships::table.find(id))
        .set(sponsorships::updated_at.eq(super::now()))
        .execute(conn)
}

pub fn set_status_if(conn: &mut DbConn, id: i64, from: Status, to: Status) -> QueryResult<bool> {
    let n = diesel::update(
        sponsorships::table
            .find(id)
            .filter(sponsorships::status.eq(from.as_str())),
    )
    .set((
        sponsorships::status.eq(to.as_str()),
        sponsorships::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_published_early(conn: &mut DbConn, id: i64, published: bool) -> QueryResult<bool> {
    let n = diesel::update(
        sponsorships::table
            .find(id)
            .filter(sponsorships::published_early.eq(!published)),
    )
    .set((
        sponsorships::published_early.eq(published),
        sponsorships::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A sponsorship with its sponsor and tier, for lists.
#[derive(Clone, Debug)]
pub struct Row {
    pub sponsorship: Sponsorship,
    pub sponsor: Sponsor,
    pub tier: Tier,
}

/// Filters for the staff list; empty means any.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Part of the sponsor's name, ignoring case and accents.
    pub search: String,
    pub tier_id: Option<i64>,
    pub status: Option<Status>,
    /// Any of these statuses, listed in this order (empty: any status).
    pub statuses: Vec<Status>,
    /// Terms that overlap this calendar year.
    pub year: Option<i32>,
    pub sponsor_id: Option<i64>,
}

type Joined = diesel::dsl::InnerJoin<
    diesel::dsl::InnerJoin<sponsorships::table, sponsors::table>,
    tiers::table,
>;
type Backend = <DbConn as diesel::Connection>::Backend;

/// The sponsorships a filter selects, with their sponsor and tier, in SQL (the name search
/// compares the sponsor's folded `search_name`).
fn filtered(f: &Filter) -> diesel::dsl::IntoBoxed<'static, Joined, Backend> {
    let mut q = sponsorships::table
        .inner_join(sponsors::table)
        .inner_join(tiers::table)
        .into_boxed();
    if let Some(t) = f.tier_id {
        q = q.filter(sponsorships::tier_id.eq(t));
    }
    if let Some(s) = f.status {
        q = q.filter(sponsorships::status.eq(s.as_str()));
    }
    if !f.statuses.is_empty() {
        let names: Vec<&'static str> = f.statuses.iter().map(|s| s.as_str()).collect();
        q = q.filter(sponsorships::status.eq_any(names));
    }
    if let Some(y) = f.year {
        let (first, last) = (
            NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or_default(),
        );
        q = q
            .filter(sponsorships::start_date.le(last))
            .filter(sponsorships::end_date.ge(first));
    }
    if let Some(s) = f.sponsor_id {
        q = q.filter(sponsorships::sponsor_id.eq(s));
    }
    let needle = crate::domain::slug::fold(f.search.trim());
    if !needle.is_empty() {
        q = q.filter(
            sponsors::search_name
                .like(super::sponsors::contains_pattern(&needle))
                .escape('\\'),
        );
    }
    q
}

/// The rows of a sponsorships ⋈ sponsors ⋈ tiers query.
fn joined(rows: Vec<(Sponsorship, Sponsor, Tier)>) -> Vec<Row> {
    rows.into_iter()
        .map(|(sponsorship, sponsor, tier)| Row {
            sponsorship,
            sponsor,
            tier,
        })
        .collect()
}

/// How many sponsorships a filter selects (one `COUNT`).
pub fn count(conn: &mut DbConn, f: &Filter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}

/// One page of what a filter selects: newest term first (or, with `statuses`, in their
/// order first).
pub fn page(conn: &mut DbConn, f: &Filter, offset: i64, limit: i64) -> QueryResult<Vec<Row>> {
    let mut q = filtered(f);
    if !f.statuses.is_empty() {
        let mut case = String::from("CASE sponsorships.status");
        for (i, s) in f.statuses.iter().enumerate() {
            case.push_str(&format!(" WHEN '{}' THEN {i}", s.as_str()));
        }
        case.push_str(" ELSE 99 END");
        q = q.order(diesel::dsl::sql::<diesel::sql_types::Integer>(&case));
        q = q.then_order_by((sponsorships::start_date.desc(), sponsorships::id.desc()));
    } else {
        q = q.order((sponsorships::start_date.desc(), sponsorships::id.desc()));
    }
    let rows: Vec<(Sponsorship, Sponsor, Tier)> = q
        .offset(offset.max(0))
        .limit(limit.max(0))
        .select((
            Sponsorship::as_select(),
            Sponsor::as_select(),
            Tier::as_select(),
        ))
        .load(conn)?;
    Ok(joined(rows))
}

/// Up to `limit` rows a filter selects with an id above `after`, by id (a chunk of an
/// export).
pub fn chunk_after(
    conn: &mut DbConn,
    f: &Filter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Row>> {
    let rows: Vec<(Sponsorship, Sponsor, Tier)> = filtered(f)
        .filter(sponsorships::id.gt(after.unwrap_or(0)))
        .order(sponsorships::id.asc())
        .limit(limit.max(0))
        .select((
            Sponsorship::as_select(),
            Sponsor::as_select(),
            Tier::as_select(),
        ))
        .load(conn)?;
    Ok(joined(rows))
}

/// The first `limit` rows a filter selects.
pub fn list(conn: &mut DbConn, f: &Filter, limit: i64) -> QueryResult<Vec<Row>> {
    page(conn, f, 0, limit)
}

/// Every sponsorship of a programme's tiers, whatever its status, with sponsor and tier
/// (a conference's sponsorship revenue), largest fee first.
pub fn for_programme(conn: &mut DbConn, programme_id: i64) -> QueryResult<Vec<Row>> {
    Ok(for_programmes(conn, &[programme_id])?
        .remove(&programme_id)
        .unwrap_or_default())
}

/// [`for_programme`] for several programmes at once (one query), by programme.
pub fn for_programmes(
    conn: &mut DbConn,
    programme_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<Row>>> {
    let rows: Vec<(Sponsorship, Sponsor, Tier)> = sponsorships::table
        .inner_join(sponsors::table)
        .inner_join(tiers::table)
        .filter(tiers::programme_id.eq_any(programme_ids))
        .order((sponsorships::fee_minor.desc(), sponsorships::id.asc()))
        .select((
            Sponsorship::as_select(),
            Sponsor::as_select(),
            Tier::as_select(),
        ))
        .load(conn)?;
    let mut out: std::collections::HashMap<i64, Vec<Row>> = Default::default();
    for (sponsorship, sponsor, tier) in rows {
        out.entry(tier.programme_id).or_default().push(Row {
            sponsorship,
            sponsor,
            tier,
        });
    }
    Ok(out)
}

/// How many sponsorships are in each of these statuses.
pub fn count_with_status(conn: &mut DbConn, statuses: &[Status]) -> QueryResult<i64> {
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    sponsorships::table
        .filter(sponsorships::status.eq_any(names))
        .count()
        .get_result(conn)
}

/// Benefits not yet delivered on sponsorships that are paid or active.
pub fn count_pending_benefits(conn: &mut DbConn) -> QueryResult<i64> {
    benefit_fulfilments::table
        .inner_join(sponsorships::table)
        .filter(benefit_fulfilments::status.eq("pending"))
        .filter(sponsorships::status.eq_any(["paid", "active"]))
        .count()
        .get_result(conn)
}

/// The SQL side of `domain::sponsorship::is_visible`: not ended, and paid, active or
/// published early (the start date and the rest are checked in Rust on the rows read).
macro_rules! may_be_visible {
    ($today:expr) => {
        sponsorships::end_date.ge($today).and(
            sponsorships::status
                .eq_any([Status::Paid.as_str(), Status::Active.as_str()])
                .or(sponsorships::published_early.eq(true)),
        )
    };
}

/// Every (tier, sponsor) pair visible on `today`, read without the sponsors' text: enough to
/// count and order the whole wall before reading the few sponsors a page shows.
/// With `tier_ids`, only in those tiers (a placement slot's).
pub fn visible_pairs(
    conn: &mut DbConn,
    today: NaiveDate,
    tier_ids: Option<&[i64]>,
) -> QueryResult<Vec<(i64, i64)>> {
    let mut q = sponsorships::table
        .filter(may_be_visible!(today))
        .into_boxed();
    if let Some(ids) = tier_ids {
        q = q.filter(sponsorships::tier_id.eq_any(ids.to_vec()));
    }
    let rows: Vec<(i64, i64, String, bool, NaiveDate, NaiveDate)> = q
        .select((
            sponsorships::tier_id,
            sponsorships::sponsor_id,
            sponsorships::status,
            sponsorships::published_early,
            sponsorships::start_date,
            sponsorships::end_date,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, status, early, start, end)| {
            crate::domain::sponsorship::is_visible(
                status.parse().unwrap_or(Status::Cancelled),
                *early,
                *start,
                *end,
                today,
            )
        })
        .map(|(tier, sponsor, ..)| (tier, sponsor))
        .collect())
}

/// The rows that could be visible on `today` of some sponsors (the jobs fair's).
pub fn candidates_for_public_of_many(
    conn: &mut DbConn,
    today: NaiveDate,
    sponsor_ids: &[i64],
) -> QueryResult<Vec<Row>> {
    super::in_chunks(sponsor_ids, |chunk| candidates(conn, today, chunk))
}

/// The same for one sponsor (its profile reads its own rows, not the whole wall).
pub fn candidates_for_public_of(
    conn: &mut DbConn,
    today: NaiveDate,
    sponsor_id: i64,
) -> QueryResult<Vec<Row>> {
    candidates(conn, today, &[sponsor_id])
}

/// The rows of these sponsors that could be visible on `today`, checked with `is_visible_on`.
fn candidates(conn: &mut DbConn, today: NaiveDate, sponsor_ids: &[i64]) -> QueryResult<Vec<Row>> {
    let rows: Vec<(Sponsorship, Sponsor, Tier)> = sponsorships::table
        .inner_join(sponsors::table)
        .inner_join(tiers::table)
        .filter(may_be_visible!(today))
        .filter(sponsorships::sponsor_id.eq_any(sponsor_ids))
        .select((
            Sponsorship::as_select(),
            Sponsor::as_select(),
            Tier::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(s, _, _)| s.is_visible_on(today))
        .map(|(sponsorship, sponsor, tier)| Row {
            sponsorship,
            sponsor,
            tier,
        })
        .collect())
}

/// Paid and active terms ending between `today` and `days` days later, soonest first
/// (renewal reminders and the staff renewals page).
pub fn running_ending_within(
    conn: &mut DbConn,
    today: NaiveDate,
    days: i64,
) -> QueryResult<Vec<Sponsorship>> {
    sponsorships::table
        .filter(sponsorships::status.eq_any([Status::Paid.as_str(), Status::Active.as_str()]))
        .filter(sponsorships::end_date.ge(today))
        .filter(sponsorships::end_date.le(today + chrono::Duration::days(days)))
        .order(sponsorships::end_date.asc())
        .select(Sponsorship::as_select())
        .load(conn)
}

/// Paid and active terms ending from `today` to `days` ahead: what the renewals page lists and
/// the dashboard counts.
fn ending_within(
    today: NaiveDate,
    days: i64,
) -> sponsorships::BoxedQuery<'static, <DbConn as diesel::Connection>::Backend> {
    sponsorships::table
        .filter(sponsorships::status.eq_any([Status::Paid.as_str(), Status::Active.as_str()]))
        .filter(sponsorships::end_date.ge(today))
        .filter(sponsorships::end_date.le(today + chrono::Duration::days(days)))
        .into_boxed()
}

/// How many applications wait for a place (their tier is full).
pub fn count_waitlisted_applications(conn: &mut DbConn) -> QueryResult<i64> {
    sponsorships::table
        .filter(sponsorships::status.eq(Status::Applied.as_str()))
        .filter(sponsorships::waitlisted.eq(true))
        .count()
        .get_result(conn)
}

/// How many terms end within `days` (one `COUNT`).
pub fn count_ending_within(conn: &mut DbConn, today: NaiveDate, days: i64) -> QueryResult<i64> {
    ending_within(today, days).count().get_result(conn)
}

/// How many of the terms ending within `days` have a live renewal application.
pub fn count_ending_within_renewing(
    conn: &mut DbConn,
    today: NaiveDate,
    days: i64,
) -> QueryResult<i64> {
    let renewal = diesel::alias!(sponsorships as renewal);
    ending_within(today, days)
        .filter(diesel::dsl::exists(
            renewal
                .filter(
                    renewal
                        .field(sponsorships::renewal_of_id)
                        .eq(sponsorships::id.nullable()),
                )
                .filter(
                    renewal
                        .field(sponsorships::status)
                        .ne_all([Status::Rejected.as_str(), Status::Cancelled.as_str()]),
                ),
        ))
        .count()
        .get_result(conn)
}

/// One page of the terms ending within `days`, soonest first, with the sponsor's and the
/// tier's names (one query).
pub fn ending_within_page(
    conn: &mut DbConn,
    today: NaiveDate,
    days: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Sponsorship, String, String)>> {
    let rows: Vec<(Sponsorship, String, String)> = ending_within(today, days)
        .inner_join(sponsors::table)
        .inner_join(tiers::table)
        .order((sponsorships::end_date.asc(), sponsorships::id.asc()))
        .offset(offset)
        .limit(limit)
        .select((Sponsorship::as_select(), sponsors::name, tiers::name))
        .load(conn)?;
    Ok(rows)
}

/// The live renewal applications (not turned down or withdrawn) of these terms.
pub fn renewals_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Sponsorship>> {
    sponsorships::table
        .filter(sponsorships::renewal_of_id.eq_any(ids))
        .filter(
            sponsorships::status.ne_all([Status::Rejected.as_str(), Status::Cancelled.as_str()]),
        )
        .select(Sponsorship::as_select())
        .load(conn)
}

/// (sponsor, end date) of the real terms (paid, active or expired) that ended before `today`.
pub fn ended_terms(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<(i64, i64, NaiveDate)>> {
    sponsorships::table
        .filter(sponsorships::status.eq_any([
            Status::Paid.as_str(),
            Status::Active.as_str(),
            Status::Expired.as_str(),
        ]))
        .filter(sponsorships::end_date.lt(today))
        .select((
            sponsorships::id,
            sponsorships::sponsor_id,
            sponsorships::end_date,
        ))
        .load(conn)
}

/// (id, sponsor, start date) of the sponsorships that were agreed (approved or later), except
/// those cancelled.
pub fn agreed_starts(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64, NaiveDate)>> {
    sponsorships::table
        .filter(sponsorships::status.ne_all([
            Status::Applied.as_str(),
            Status::Rejected.as_str(),
            Status::Cancelled.as_str(),
        ]))
        .select((
            sponsorships::id,
            sponsorships::sponsor_id,
            sponsorships::start_date,
        ))
        .load(conn)
}

/// The renewal application of a term, if one exists and was not turned down or withdrawn.
pub fn renewal_of(conn: &mut DbConn, id: i64) -> QueryResult<Option<Sponsorship>> {
    sponsorships::table
        .filter(sponsorships::renewal_of_id.eq(id))
        .filter(
            sponsorships::status.ne_all([Status::Rejected.as_str(), Status::Cancelled.as_str()]),
        )
        .select(Sponsorship::as_select())
        .first(conn)
        .optional()
}

/// Paid sponsorships whose term has begun and not ended (for the worker to activate).
pub fn paid_and_started(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<i64>> {
    sponsorships::table
        .filter(sponsorships::status.eq("paid"))
        .filter(sponsorships::start_date.le(today))
        .filter(sponsorships::end_date.ge(today))
        .select(sponsorships::id)
        .load(conn)
}

/// Active sponsorships whose term has ended (for the worker to expire).
pub fn ended_active(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<i64>> {
    sponsorships::table
        .filter(sponsorships::status.eq("active"))
        .filter(sponsorships::end_date.lt(today))
        .select(sponsorships::id)
        .load(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sponsorship_events)]
pub struct Event {
    pub id: i64,
    pub sponsorship_id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: String,
}

pub fn add_event(
    conn: &mut DbConn,
    id: i64,
    actor: &str,
    from: Option<Status>,
    to: Status,
    note: &str,
) -> QueryResult<usize> {
    diesel::insert_into(sponsorship_events::table)
        .values((
            sponsorship_events::sponsorship_id.eq(id),
            sponsorship_events::at.eq(super::now()),
            sponsorship_events::actor.eq(actor),
            sponsorship_events::from_status.eq(from.map(|s| s.as_str())),
            sponsorship_events::to_status.eq(to.as_str()),
            sponsorship_events::note.eq(note),
        ))
        .execute(conn)
}

pub fn events(conn: &mut DbConn, id: i64) -> QueryResult<Vec<Event>> {
    sponsorship_events::table
        .filter(sponsorship_events::sponsorship_id.eq(id))
        .order(sponsorship_events::id.asc())
        .select(Event::as_select())
        .load(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = benefit_fulfilments)]
pub struct Fulfilment {
    pub id: i64,
    pub sponsorship_id: i64,
    pub position: i32,
    pub description: String,
    pub quantity: Option<i32>,
    pub status: String,
    pub delivered_by: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub note: String,
}

impl Fulfilment {
    pub fn label(&self) -> String {
        match self.quantity {
            Some(q) => format!("{q} × {}", self.description),
            None => self.description.clone(),
        }
    }
    pub fn is_delivered(&self) -> bool {
        self.status == "delivered"
    }
}

/// Copies the tier's benefits into a checklist for this sponsorship.
pub fn create_checklist(
    conn: &mut DbConn,
    id: i64,
    benefits: &[super::tiers::Benefit],
) -> QueryResult<()> {
    for b in benefits {
        diesel::insert_into(benefit_fulfilments::table)
            .values((
                benefit_fulfilments::sponsorship_id.eq(id),
                benefit_fulfilments::position.eq(b.position),
                benefit_fulfilments::description.eq(&b.description),
                benefit_fulfilments::quantity.eq(b.quantity),
                benefit_fulfilments::status.eq("pending"),
                benefit_fulfilments::note.eq(""),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn checklist(conn: &mut DbConn, id: i64) -> QueryResult<Vec<Fulfilment>> {
    benefit_fulfilments::table
        .filter(benefit_fulfilments::sponsorship_id.eq(id))
        .order((
            benefit_fulfilments::position.asc(),
            benefit_fulfilments::id.asc(),
        ))
        .select(Fulfilment::as_select())
        .load(conn)
}

/// Changes only the note of one item (scoped to its sponsorship).
pub fn set_fulfilment_note(
    conn: &mut DbConn,
    sponsorship_id: i64,
    item_id: i64,
    note: &str,
) -> QueryResult<usize> {
    diesel::update(
        benefit_fulfilments::table
            .filter(benefit_fulfilments::id.eq(item_id))
            .filter(benefit_fulfilments::sponsorship_id.eq(sponsorship_id)),
    )
    .set(benefit_fulfilments::note.eq(note))
    .execute(conn)
}

/// Marks one item delivered or pending again (scoped to its sponsorship).
pub fn set_fulfilment(
    conn: &mut DbConn,
    sponsorship_id: i64,
    item_id: i64,
    delivered: bool,
    by: &str,
    note: &str,
) -> QueryResult<usize> {
    let (status, by, at) = if delivered {
        ("delivered", Some(by.to_string()), Some(super::now()))
    } else {
        ("pending", None, None)
    };
    diesel::update(
        benefit_fulfilments::table
            .filter(benefit_fulfilments::id.eq(item_id))
            .filter(benefit_fulfilments::sponsorship_id.eq(sponsorship_id)),
    )
    .set((
        benefit_fulfilments::status.eq(status),
        benefit_fulfilments::delivered_by.eq(by),
        benefit_fulfilments::delivered_at.eq(at),
        benefit_fulfilments::note.eq(note),
    ))
    .execute(conn)
}

/// Sponsors with at least one sponsorship that is not simply expired (one in progress, or
/// one that was refused or called off). The thank-you page leaves these out of its in-kind
/// list unless they are visible, so it never announces an applicant before staff do.
pub fn sponsors_with_unfinished_or_refused(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    sponsorships::table
        .filter(sponsorships::status.ne("expired"))
        .select(sponsorships::sponsor_id)
        .distinct()
        .load(conn)
}

/// Sets the purchase-order number of a sponsorship whose invoice is not issued yet; false
/// when it is (or the sponsorship moved past that at the same moment).
pub fn set_po_number_before_invoice(conn: &mut DbConn, id: i64, po: &str) -> QueryResult<bool> {
    use crate::domain::sponsorship::Status;
    let n = diesel::update(sponsorships::table.filter(sponsorships::id.eq(id)).filter(
        sponsorships::status.eq_any([
            Status::Applied.as_str(),
            Status::Approved.as_str(),
            Status::AgreementSent.as_str(),
            Status::AgreementAccepted.as_str(),
        ]),
    ))
    .set(sponsorships::po_number.eq(po))
    .execute(conn)?;
    Ok(n == 1)
}
