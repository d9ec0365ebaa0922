//! Conferences and their ticket types.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{conference_tickets, conferences};
use crate::domain::Currency;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = conferences)]
pub struct Conference {
    pub id: i64,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub venue: String,
    pub city: String,
    pub attendance_cap: i32,
    pub currency: String,
    pub pessimistic: i32,
    pub likely: i32,
    pub optimistic: i32,
    pub insurance_cover_minor: i64,
    /// The sponsorship programme whose sponsorships fund it.
    pub programme_id: Option<i64>,
    pub notes: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Conference {
    /// The stored currency (checked when saved).
    pub fn currency(&self) -> Currency {
        Currency::parse(&self.currency).unwrap_or(crate::domain::money::USD)
    }
    /// "3 June 2027 – 5 June 2027".
    pub fn dates(&self) -> String {
        crate::domain::grants::event_dates(self.starts_on, self.ends_on)
    }
    /// "Venue, City", whichever are set.
    pub fn place(&self) -> String {
        [self.venue.as_str(), self.city.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The fields staff edit.
#[derive(Clone, Debug, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(table_name = conferences, treat_none_as_null = true)]
pub struct ConferenceFields {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub venue: String,
    pub city: String,
    pub attendance_cap: i32,
    pub currency: String,
    pub pessimistic: i32,
    pub likely: i32,
    pub optimistic: i32,
    pub insurance_cover_minor: i64,
    pub programme_id: Option<i64>,
    pub notes: String,
}

impl ConferenceFields {
    pub fn of(c: &Conference) -> ConferenceFields {
        ConferenceFields {
            name: c.name.clone(),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            venue: c.venue.clone(),
            city: c.city.clone(),
            attendance_cap: c.attendance_cap,
            currency: c.currency.clone(),
            pessimistic: c.pessimistic,
            likely: c.likely,
            optimistic: c.optimistic,
            insurance_cover_minor: c.insurance_cover_minor,
            programme_id: c.programme_id,
            notes: c.notes.clone(),
        }
    }
}

/// Latest first.
type Boxed = conferences::BoxedQuery<'static, <DbConn as diesel::Connection>::Backend>;

/// The conferences ending on or after `ending_from` (or all).
fn ending(ending_from: Option<NaiveDate>) -> Boxed {
    let mut q = conferences::table.into_boxed();
    if let Some(d) = ending_from {
        q = q.filter(conferences::ends_on.ge(d));
    }
    q
}

/// How many conferences end on or after `ending_from` (or all).
pub fn count(conn: &mut DbConn, ending_from: Option<NaiveDate>) -> QueryResult<i64> {
    ending(ending_from).count().get_result(conn)
}

/// One page of the conferences: all of them latest first, or those ending on or after
/// `ending_from` soonest first.
pub fn page(
    conn: &mut DbConn,
    ending_from: Option<NaiveDate>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Conference>> {
    let q = ending(ending_from);
    let q = if ending_from.is_some() {
        q.order((
            conferences::starts_on.asc(),
            conferences::name.asc(),
            conferences::id.asc(),
        ))
    } else {
        q.order((
            conferences::starts_on.desc(),
            conferences::name.asc(),
            conferences::id.asc(),
        ))
    };
    q.offset(offset.max(0))
        .limit(limit.max(0))
        .select(Conference::as_select())
        .load(conn)
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Conference>> {
    conferences::table
        .order((conferences::starts_on.desc(), conferences::name.asc()))
        .select(Conference::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Conference> {
    conferences::table
        .find(id)
        .select(Conference::as_select())
        .first(conn)
}

/// The conference a sponsorship programme funds, if any.
pub fn for_programme(conn: &mut DbConn, programme_id: i64) -> QueryResult<Option<Conference>> {
    conferences::table
        .filter(conferences::programme_id.eq(programme_id))
        .select(Conference::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, f: &ConferenceFields) -> QueryResult<i64> {
    let now = super::now();
    diesel::insert_into(conferences::table)
        .values((
            f,
            conferences::created_at.eq(now),
            conferences::updated_at.eq(now),
        ))
        .returning(conferences::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, f: &ConferenceFields) -> QueryResult<usize> {
    diesel::update(conferences::table.find(id))
        .set((f, conferences::updated_at.eq(super::now())))
        .execute(conn)
}

/// Holds the conference's row for the rest of the transaction (PostgreSQL; SQLite's write
/// transaction already does), so that changes to one conference's budget run one at a time
/// and each sees what the one before wrote. Changes nothing.
pub fn hold(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(conferences::table.find(id))
        .set(conferences::id.eq(id))
        .execute(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = conference_tickets)]
pub struct TicketType {
    pub id: i64,
    pub conference_id: i64,
    pub name: String,
    pub price_minor: i64,
    pub share_permille: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields staff edit.
#[derive(Clone, Debug, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(table_name = conference_tickets)]
pub struct TicketFields {
    pub name: String,
    pub price_minor: i64,
    pub share_permille: i32,
}

/// In the order they were added.
pub fn tickets(conn: &mut DbConn, conference_id: i64) -> QueryResult<Vec<TicketType>> {
    conference_tickets::table
        .filter(conference_tickets::conference_id.eq(conference_id))
        .order(conference_tickets::id.asc())
        .select(TicketType::as_select())
        .load(conn)
}

/// The ticket types of some conferences, by conference (one query).
pub fn tickets_of(
    conn: &mut DbConn,
    conference_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<TicketType>>> {
    let rows: Vec<TicketType> = conference_tickets::table
        .filter(conference_tickets::conference_id.eq_any(conference_ids))
        .order(conference_tickets::id.asc())
        .select(TicketType::as_select())
        .load(conn)?;
    Ok(super::by_parent(rows, |r| r.conference_id))
}

/// A ticket type of this conference (another conference's is not found).
pub fn find_ticket(conn: &mut DbConn, conference_id: i64, id: i64) -> QueryResult<TicketType> {
    conference_tickets::table
        .filter(conference_tickets::conference_id.eq(conference_id))
        .filter(conference_tickets::id.eq(id))
        .select(TicketType::as_select())
        .first(conn)
}

pub fn insert_ticket(conn: &mut DbConn, conference_id: i64, f: &TicketFields) -> QueryResult<i64> {
    diesel::insert_into(conference_tickets::table)
        .values((
            f,
            conference_tickets::conference_id.eq(conference_id),
            conference_tickets::created_at.eq(super::now()),
            conference_tickets::updated_at.eq(super::now()),
        ))
        .returning(conference_tickets::id)
        .get_result(conn)
}

pub fn update_ticket(conn: &mut DbConn, id: i64, f: &TicketFields) -> QueryResult<usize> {
    diesel::update(conference_tickets::table.find(id))
        .set((f, conference_tickets::updated_at.eq(super::now())))
        .execute(conn)
}

pub fn delete_ticket(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(conference_tickets::table.find(id)).execute(conn)
}
