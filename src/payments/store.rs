//! The two tables the Stripe integration owns: Checkout Sessions we created, and webhook
//! events we accepted (the event id is the primary key, so each event is applied once).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{checkout_sessions, stripe_events};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = checkout_sessions)]
pub struct CheckoutSessionRow {
    pub id: i64,
    pub invoice_id: i64,
    pub stripe_id: String,
    pub url: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = checkout_sessions)]
pub struct NewCheckoutSession {
    pub invoice_id: i64,
    pub stripe_id: String,
    pub url: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// An open session for this invoice and amount that is still usable after `usable_until`.
pub fn open_session(
    conn: &mut DbConn,
    invoice_id: i64,
    amount_minor: i64,
    currency: &str,
    usable_until: NaiveDateTime,
) -> QueryResult<Option<CheckoutSessionRow>> {
    checkout_sessions::table
        .filter(checkout_sessions::invoice_id.eq(invoice_id))
        .filter(checkout_sessions::status.eq("open"))
        .filter(checkout_sessions::amount_minor.eq(amount_minor))
        .filter(checkout_sessions::currency.eq(currency))
        .filter(checkout_sessions::expires_at.gt(usable_until))
        .order(checkout_sessions::id.desc())
        .select(CheckoutSessionRow::as_select())
        .first(conn)
        .optional()
}

/// How many sessions were ever stored for the invoice (the attempt counter of the
/// idempotency key).
pub fn session_count(conn: &mut DbConn, invoice_id: i64) -> QueryResult<i64> {
    checkout_sessions::table
        .filter(checkout_sessions::invoice_id.eq(invoice_id))
        .count()
        .get_result(conn)
}

pub fn sessions_of(conn: &mut DbConn, invoice_id: i64) -> QueryResult<Vec<CheckoutSessionRow>> {
    checkout_sessions::table
        .filter(checkout_sessions::invoice_id.eq(invoice_id))
        .order(checkout_sessions::id.asc())
        .select(CheckoutSessionRow::as_select())
        .load(conn)
}

pub fn find_session(conn: &mut DbConn, stripe_id: &str) -> QueryResult<Option<CheckoutSessionRow>> {
    checkout_sessions::table
        .filter(checkout_sessions::stripe_id.eq(stripe_id))
        .select(CheckoutSessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_session(conn: &mut DbConn, s: &NewCheckoutSession) -> QueryResult<i64> {
    diesel::insert_into(checkout_sessions::table)
        .values(s)
        .returning(checkout_sessions::id)
        .get_result(conn)
}

/// Open, unexpired sessions whose invoice is no longer open (paid, refunded or void).
pub fn open_sessions_of_settled_invoices(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    checkout_sessions::table
        .inner_join(crate::db::schema::invoices::table)
        .filter(checkout_sessions::status.eq("open"))
        .filter(checkout_sessions::expires_at.gt(crate::models::now()))
        .filter(crate::db::schema::invoices::status.ne("open"))
        .select(checkout_sessions::stripe_id)
        .load(conn)
}

/// Moves a session from open to `to` ("complete" or "expired"); false when it was not open.
pub fn close_session(conn: &mut DbConn, stripe_id: &str, to: &str) -> QueryResult<bool> {
    let n = diesel::update(
        checkout_sessions::table
            .filter(checkout_sessions::stripe_id.eq(stripe_id))
            .filter(checkout_sessions::status.eq("open")),
    )
    .set(checkout_sessions::status.eq(to))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = stripe_events)]
pub struct StripeEventRow {
    pub event_id: String,
    pub event_type: String,
    pub received_at: NaiveDateTime,
    pub invoice_id: Option<i64>,
    pub outcome: String,
    pub detail: String,
    pub payload: String,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<String>,
    pub resolution_note: String,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = stripe_events)]
pub struct NewStripeEvent<'a> {
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub received_at: NaiveDateTime,
    pub invoice_id: Option<i64>,
    pub outcome: &'a str,
    pub detail: &'a str,
    pub payload: &'a str,
    pub resolution_note: &'a str,
}

pub fn event_exists(conn: &mut DbConn, event_id: &str) -> QueryResult<bool> {
    let n: i64 = stripe_events::table
        .filter(stripe_events::event_id.eq(event_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn find_event(conn: &mut DbConn, event_id: &str) -> QueryResult<StripeEventRow> {
    stripe_events::table
        .find(event_id)
        .select(StripeEventRow::as_select())
        .first(conn)
}

pub fn insert_event(conn: &mut DbConn, e: &NewStripeEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(stripe_events::table)
        .values(e)
        .execute(conn)?;
    Ok(())
}

/// Payment events no invoice could be found for, waiting for staff, oldest first.
pub fn unmatched(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<StripeEventRow>> {
    stripe_events::table
        .filter(stripe_events::outcome.eq("unmatched"))
        .filter(stripe_events::resolved_at.is_null())
        .order(stripe_events::received_at.asc())
        .limit(limit)
        .select(StripeEventRow::as_select())
        .load(conn)
}

/// How many unmatched payment events wait for staff (for the dashboard).
pub fn unmatched_count(conn: &mut DbConn) -> QueryResult<i64> {
    stripe_events::table
        .filter(stripe_events::outcome.eq("unmatched"))
        .filter(stripe_events::resolved_at.is_null())
        .count()
        .get_result(conn)
}

/// Marks an unmatched event resolved, only if nobody resolved it first (two staff clicking
/// at once produce one resolution). `invoice_id` is set when it was applied to an invoice.
pub fn resolve_unmatched(
    conn: &mut DbConn,
    event_id: &str,
    by: &str,
    note: &str,
    invoice_id: Option<i64>,
) -> QueryResult<bool> {
    let n = diesel::update(
        stripe_events::table
            .filter(stripe_events::event_id.eq(event_id))
            .filter(stripe_events::outcome.eq("unmatched"))
            .filter(stripe_events::resolved_at.is_null()),
    )
    .set((
        stripe_events::resolved_at.eq(Some(crate::models::now())),
        stripe_events::resolved_by.eq(Some(by)),
        stripe_events::resolution_note.eq(note),
        stripe_events::invoice_id.eq(invoice_id),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Writes down what an event did (in the transaction that stored it).
pub fn set_event_outcome(
    conn: &mut DbConn,
    event_id: &str,
    invoice_id: Option<i64>,
    outcome: &str,
    detail: &str,
) -> QueryResult<()> {
    diesel::update(stripe_events::table.filter(stripe_events::event_id.eq(event_id)))
        .set((
            stripe_events::invoice_id.eq(invoice_id),
            stripe_events::outcome.eq(outcome),
            stripe_events::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// An invoice by its number (`2027-0042`), for staff applying an unmatched payment.
pub fn invoice_by_number(
    conn: &mut DbConn,
    number: &str,
) -> QueryResult<Option<crate::models::invoices::Invoice>> {
    use crate::db::schema::invoices;
    invoices::table
        .filter(invoices::number.eq(number))
        .select(crate::models::invoices::Invoice::as_select())
        .first(conn)
        .optional()
}
