//! Invoices (numbered per year without gaps) and the payments and refunds against them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    invoice_counters, invoices, payments, programmes, sponsors, sponsorships, tiers,
};
use crate::domain::Money;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = invoices)]
pub struct Invoice {
    pub id: i64,
    pub sponsorship_id: i64,
    pub year: i32,
    pub seq: i32,
    pub number: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub amount_minor: i64,
    pub currency: String,
    pub description: String,
    pub bill_to: String,
    pub status: String,
    pub paid_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// The sponsor's purchase-order number, as it was when the invoice was issued.
    pub po_number: String,
    /// The sponsor's VAT or tax ID, as it was when the invoice was issued.
    pub buyer_tax_id: String,
}

impl Invoice {
    pub fn amount(&self) -> Option<Money> {
        Money::from_db(self.amount_minor, &self.currency).ok()
    }
    /// The amount as people write it, e.g. "$10,000.00".
    pub fn amount_label(&self) -> String {
        money_label(self.amount_minor, &self.currency)
    }
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
    pub fn is_paid(&self) -> bool {
        self.status == "paid"
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "open" => "Awaiting payment",
            "paid" => "Paid",
            "refunded" => "Refunded",
            "void" => "Void",
            _ => "Unknown",
        }
    }
    pub fn badge(&self) -> &'static str {
        match self.status.as_str() {
            "paid" => "success",
            "open" => "warning",
            "refunded" | "void" => "neutral",
            _ => "neutral",
        }
    }
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = invoices)]
pub struct NewInvoice {
    pub sponsorship_id: i64,
    pub year: i32,
    pub seq: i32,
    pub number: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub amount_minor: i64,
    pub currency: String,
    pub description: String,
    pub bill_to: String,
    pub status: String,
    pub paid_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub po_number: String,
    pub buyer_tax_id: String,
}

/// `2027-0042`: the year and a sequence that restarts each year.
pub fn format_number(year: i32, seq: i32) -> String {
    format!("{year}-{seq:04}")
}

/// Makes sure the year's counter row exists. Runs outside the invoice's transaction: a lost
/// race here is harmless (the other instance created the row), and on PostgreSQL a failed
/// statement would otherwise abort the transaction.
pub fn ensure_counter(conn: &mut DbConn, year: i32) -> QueryResult<()> {
    let exists: i64 = invoice_counters::table
        .filter(invoice_counters::year.eq(year))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        match diesel::insert_into(invoice_counters::table)
            .values((
                invoice_counters::year.eq(year),
                invoice_counters::last_seq.eq(0),
            ))
            .execute(conn)
        {
            Ok(_) => {}
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Takes the year's next number. Must run inside the transaction that inserts the invoice:
/// the UPDATE holds the counter row (PostgreSQL) or the write lock (SQLite) until commit, so
/// concurrent invoices queue here, and a rollback gives the number back. No gaps, no
/// duplicates.
pub fn next_seq(conn: &mut DbConn, year: i32) -> QueryResult<i32> {
    let n = diesel::update(invoice_counters::table.filter(invoice_counters::year.eq(year)))
        .set(invoice_counters::last_seq.eq(invoice_counters::last_seq + 1))
        .execute(conn)?;
    if n != 1 {
        return Err(diesel::result::Error::NotFound);
    }
    invoice_counters::table
        .filter(invoice_counters::year.eq(year))
        .select(invoice_counters::last_seq)
        .first(conn)
}

pub fn insert(conn: &mut DbConn, inv: &NewInvoice) -> QueryResult<i64> {
    diesel::insert_into(invoices::table)
        .values(inv)
        .returning(invoices::id)
        .get_result(conn)
}

/// Holds the invoice row until the transaction ends (PostgreSQL), so two payments for one
/// invoice are weighed one after the other (the second then sees the first). SQLite's write
/// transaction already serialises writers.
pub fn lock(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query("SELECT id FROM invoices WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(id)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Invoice> {
    invoices::table
        .find(id)
        .select(Invoice::as_select())
        .first(conn)
}

/// An invoice only if it belongs to this sponsor (portal look-ups: no IDOR).
pub fn find_for_sponsor(conn: &mut DbConn, id: i64, sponsor_id: i64) -> QueryResult<Invoice> {
    invoices::table
        .inner_join(sponsorships::table)
        .filter(invoices::id.eq(id))
        .filter(sponsorships::sponsor_id.eq(sponsor_id))
        .select(Invoice::as_select())
        .first(conn)
}

pub fn for_sponsorship(conn: &mut DbConn, sponsorship_id: i64) -> QueryResult<Vec<Invoice>> {
    invoices::table
        .filter(invoices::sponsorship_id.eq(sponsorship_id))
        .order(invoices::id.asc())
        .select(Invoice::as_select())
        .load(conn)
}

/// The invoices of many sponsorships at once, by sponsorship, oldest first.
pub fn for_sponsorships(
    conn: &mut DbConn,
    sponsorship_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<Invoice>>> {
    let rows = super::in_chunks(sponsorship_ids, |chunk| {
        invoices::table
            .filter(invoices::sponsorship_id.eq_any(chunk))
            .order(invoices::id.asc())
            .select(Invoice::as_select())
            .load(conn)
    })?;
    Ok(super::by_parent(rows, |i| i.sponsorship_id))
}

pub fn for_sponsor(conn: &mut DbConn, sponsor_id: i64) -> QueryResult<Vec<Invoice>> {
    invoices::table
        .inner_join(sponsorships::table)
        .filter(sponsorships::sponsor_id.eq(sponsor_id))
        .order(invoices::id.desc())
        .select(Invoice::as_select())
        .load(conn)
}

/// An invoice with its sponsor's name, for staff lists.
#[derive(Clone, Debug)]
pub struct ListRow {
    pub invoice: Invoice,
    pub sponsor_id: i64,
    pub sponsor_name: String,
}

/// Staff list, newest first; `status` filters when given.
pub fn list(conn: &mut DbConn, status: Option<&str>, limit: i64) -> QueryResult<Vec<ListRow>> {
    page(conn, status, 0, limit)
}

/// Up to `limit` invoices with this status (or any) and an id above `after`, oldest first,
/// with their sponsor (a chunk of an export).
pub fn chunk_after(
    conn: &mut DbConn,
    status: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ListRow>> {
    let mut q = invoices::table
        .inner_join(sponsorships::table.inner_join(sponsors::table))
        .select((Invoice::as_select(), sponsors::id, sponsors::name))
        .filter(invoices::id.gt(after.unwrap_or(0)))
        .order(invoices::id.asc())
        .limit(limit.max(0))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(invoices::status.eq(s.to_string()));
    }
    Ok(q.load::<(Invoice, i64, String)>(conn)?
        .into_iter()
        .map(|(invoice, sponsor_id, sponsor_name)| ListRow {
            invoice,
            sponsor_id,
            sponsor_name,
        })
        .collect())
}

/// How many invoices have this status (or any).
pub fn count(conn: &mut DbConn, status: Option<&str>) -> QueryResult<i64> {
    let mut q = invoices::table.into_boxed();
    if let Some(s) = status {
        q = q.filter(invoices::status.eq(s.to_string()));
    }
    q.count().get_result(conn)
}

/// One page of the invoices with this status (or any), newest first, with their sponsor.
pub fn page(
    conn: &mut DbConn,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<ListRow>> {
    let mut q = invoices::table
        .inner_join(sponsorships::table.inner_join(sponsors::table))
        .select((Invoice::as_select(), sponsors::id, sponsors::name))
        .order(invoices::id.desc())
        .offset(offset.max(0))
        .limit(limit.max(0))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(invoices::status.eq(s.to_string()));
    }
    Ok(q.load::<(Invoice, i64, String)>(conn)?
        .into_iter()
        .map(|(invoice, sponsor_id, sponsor_name)| ListRow {
            invoice,
            sponsor_id,
            sponsor_name,
        })
        .collect())
}

/// Moves an invoice between statuses only from the one expected (concurrent clicks and
/// duplicate webhooks settle it once).
pub fn set_status_if(
    conn: &mut DbConn,
    id: i64,
    from: &str,
    to: &str,
    paid_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let n = diesel::update(
        invoices::table
            .filter(invoices::id.eq(id))
            .filter(invoices::status.eq(from)),
    )
    .set((invoices::status.eq(to), invoices::paid_at.eq(paid_at)))
    .execute(conn)?;
    Ok(n == 1)
}

// Payments and refunds.

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = payments)]
pub struct Payment {
    pub id: i64,
    pub invoice_id: i64,
    pub kind: String,
    pub method: String,
    pub amount_minor: i64,
    pub currency: String,
    pub reference: String,
    pub received_on: NaiveDate,
    pub stripe_ref: Option<String>,
    pub flagged: bool,
    pub flag_note: String,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
    /// For a refund: the Stripe reference of the payment it gives back, when known.
    pub refund_of: Option<String>,
}

/// An amount in minor units and a stored currency code, formatted for people.
/// An amount in minor units as a plain figure for spreadsheets ("1500.00"; the minor units
/// as they are for an unknown stored currency).
pub fn money_plain(minor: i64, currency: &str) -> String {
    Money::from_db(minor, currency)
        .map(|m| m.plain())
        .unwrap_or_else(|_| minor.to_string())
}

pub fn money_label(minor: i64, currency: &str) -> String {
    Money::from_db(minor, currency)
        .map(|m| m.to_string())
        .unwrap_or_else(|_| format!("{minor} {currency}"))
}

impl Payment {
    pub fn amount_label(&self) -> String {
        money_label(self.amount_minor, &self.currency)
    }
    pub fn is_refund(&self) -> bool {
        self.kind == "refund"
    }
    pub fn method_label(&self) -> &'static str {
        method_label(&self.method)
    }
}

/// How money can arrive.
pub const METHODS: [(&str, &str); 5] = [
    ("bank_transfer", "Bank transfer"),
    ("card", "Card (Stripe)"),
    ("cheque", "Cheque"),
    ("cash", "Cash"),
    ("other", "Other"),
];

pub fn method_label(m: &str) -> &'static str {
    METHODS
        .iter()
        .find(|(k, _)| *k == m)
        .map(|(_, l)| *l)
        .unwrap_or("Other")
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = payments)]
pub struct NewPayment {
    pub invoice_id: i64,
    pub kind: String,
    pub method: String,
    pub amount_minor: i64,
    pub currency: String,
    pub reference: String,
    pub received_on: NaiveDate,
    pub stripe_ref: Option<String>,
    pub flagged: bool,
    pub flag_note: String,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
    pub refund_of: Option<String>,
}

pub fn insert_payment(conn: &mut DbConn, p: &NewPayment) -> QueryResult<i64> {
    diesel::insert_into(payments::table)
        .values(p)
        .returning(payments::id)
        .get_result(conn)
}

pub fn payments_of(conn: &mut DbConn, invoice_id: i64) -> QueryResult<Vec<Payment>> {
    payments::table
        .filter(payments::invoice_id.eq(invoice_id))
        .order(payments::id.asc())
        .select(Payment::as_select())
        .load(conn)
}

/// The payments of many invoices at once (a query per thousand invoices), each list in the
/// order of `payments_of`.
pub fn payments_of_all(
    conn: &mut DbConn,
    invoice_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<Payment>>> {
    let rows = super::in_chunks(invoice_ids, |chunk| {
        payments::table
            .filter(payments::invoice_id.eq_any(chunk))
            .order(payments::id.asc())
            .select(Payment::as_select())
            .load(conn)
    })?;
    Ok(super::by_parent(rows, |p| p.invoice_id))
}

pub fn find_payment(conn: &mut DbConn, id: i64) -> QueryResult<Payment> {
    payments::table
        .find(id)
        .select(Payment::as_select())
        .first(conn)
}

pub fn find_by_stripe_ref(conn: &mut DbConn, r: &str) -> QueryResult<Option<Payment>> {
    payments::table
        .filter(payments::stripe_ref.eq(r))
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

/// Raises a Stripe refund row to the charge's cumulative refunded amount (refund events
/// report the running total, and may arrive out of order: the total only grows).
pub fn raise_refund(conn: &mut DbConn, id: i64, amount_minor: i64) -> QueryResult<bool> {
    let n = diesel::update(
        payments::table
            .filter(payments::id.eq(id))
            .filter(payments::amount_minor.lt(amount_minor)),
    )
    .set(payments::amount_minor.eq(amount_minor))
    .execute(conn)?;
    Ok(n == 1)
}

/// Clears the flag on a payment staff have checked (it then counts towards the invoice).
pub fn unflag(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        payments::table
            .filter(payments::id.eq(id))
            .filter(payments::flagged.eq(true)),
    )
    .set(payments::flagged.eq(false))
    .execute(conn)?;
    Ok(n == 1)
}

/// Payments held back for a staff check (amount or currency differed from the invoice, or
/// it arrived after the invoice was paid), unless refunded in full since.
pub fn flagged(conn: &mut DbConn) -> QueryResult<Vec<Payment>> {
    let held: Vec<Payment> = payments::table
        .filter(payments::flagged.eq(true))
        .order(payments::id.desc())
        .select(Payment::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(held.len());
    for p in held {
        if refunded_of(conn, &p)? < p.amount_minor {
            out.push(p);
        }
    }
    Ok(out)
}

/// How much of payment `p` has been given back (refunds naming its Stripe reference).
pub fn refunded_of(conn: &mut DbConn, p: &Payment) -> QueryResult<i64> {
    let Some(r) = &p.stripe_ref else {
        return Ok(0);
    };
    let amounts: Vec<i64> = payments::table
        .filter(payments::kind.eq("refund"))
        .filter(payments::refund_of.eq(r))
        .select(payments::amount_minor)
        .load(conn)?;
    Ok(amounts.into_iter().fold(0i64, i64::saturating_add))
}

/// Totals on an invoice: payments that count (not flagged) and refunds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub paid_minor: i64,
    pub refunded_minor: i64,
}

impl Totals {
    pub fn net_minor(&self) -> i64 {
        self.paid_minor.saturating_sub(self.refunded_minor)
    }
}

/// A refund counts against the invoice when it gives back money that counted: a refund
/// entered by hand, or one of a payment that is recorded and not flagged. A refund of a
/// flagged payment (a double payment sent back) leaves the invoice as it is; a refund of a
/// payment we have not heard of yet counts once that payment arrives (events can come out
/// of order).
pub fn totals(conn: &mut DbConn, invoice_id: i64) -> QueryResult<Totals> {
    Ok(totals_of(&payments_of(conn, invoice_id)?))
}

/// The totals of an invoice from its payments (see `totals`).
pub fn totals_of(rows: &[Payment]) -> Totals {
    let counted: Vec<&str> = rows
        .iter()
        .filter(|p| !p.is_refund() && !p.flagged)
        .filter_map(|p| p.stripe_ref.as_deref())
        .collect();
    let mut t = Totals::default();
    for p in rows {
        if p.is_refund() {
            let counts = match &p.refund_of {
                None => true,
                Some(r) => counted.contains(&r.as_str()),
            };
            if counts {
                t.refunded_minor = t.refunded_minor.saturating_add(p.amount_minor);
            }
        } else if !p.flagged {
            t.paid_minor = t.paid_minor.saturating_add(p.amount_minor);
        }
    }
    t
}

/// What is waiting to be paid.
pub struct OpenSummary {
    pub open: i64,
    /// Past their due date.
    pub overdue: i64,
    /// Outstanding minor units per currency code.
    pub by_currency: Vec<(String, i64)>,
}

/// Open invoices, how many are overdue on `today`, and what they still owe per currency.
pub fn open_summary(conn: &mut DbConn, today: NaiveDate) -> QueryResult<OpenSummary> {
    let open: Vec<Invoice> = invoices::table
        .filter(invoices::status.eq("open"))
        .select(Invoice::as_select())
        .load(conn)?;
    let overdue = open.iter().filter(|i| i.due_on < today).count() as i64;
    let ids: Vec<i64> = open.iter().map(|i| i.id).collect();
    let payments = payments_of_all(conn, &ids)?;
    let mut by_currency: Vec<(String, i64)> = Vec::new();
    for i in &open {
        let paid = totals_of(payments.get(&i.id).map_or(&[][..], Vec::as_slice)).paid_minor;
        let due = i.amount_minor.saturating_sub(paid);
        match by_currency.iter_mut().find(|(c, _)| *c == i.currency) {
            Some((_, v)) => *v = v.saturating_add(due),
            None => by_currency.push((i.currency.clone(), due)),
        }
    }
    by_currency.sort();
    Ok(OpenSummary {
        open: open.len() as i64,
        overdue,
        by_currency,
    })
}

/// Payments held back for a staff check (not refunded in full since).
pub fn flagged_count(conn: &mut DbConn) -> QueryResult<i64> {
    Ok(flagged(conn)?.len() as i64)
}

/// A payment or refund on a sponsorship invoice, with the tier it was for.
#[derive(Clone, Debug, Queryable)]
pub struct Received {
    pub kind: String,
    pub amount_minor: i64,
    pub currency: String,
    pub refund_of: Option<String>,
    pub flagged: bool,
    pub received_on: NaiveDate,
    pub tier_id: i64,
    pub tier: String,
    pub programme: String,
    pub programme_year: i32,
}

impl Received {
    pub fn is_refund(&self) -> bool {
        self.kind == "refund"
    }
}

/// Payments and refunds received between two days (inclusive).
pub fn received_between(
    conn: &mut DbConn,
    first: NaiveDate,
    last: NaiveDate,
) -> QueryResult<Vec<Received>> {
    payments::table
        .inner_join(
            invoices::table.inner_join(
                sponsorships::table.inner_join(tiers::table.inner_join(programmes::table)),
            ),
        )
        .filter(payments::received_on.ge(first))
        .filter(payments::received_on.le(last))
        .select((
            payments::kind,
            payments::amount_minor,
            payments::currency,
            payments::refund_of,
            payments::flagged,
            payments::received_on,
            tiers::id,
            tiers::name,
            programmes::name,
            programmes::year,
        ))
        .load(conn)
}

/// Of these Stripe references, those of recorded payments that count (not flagged): a
/// refund of one gives back money that counted (the rule of [`totals`]).
pub fn counted_refs(conn: &mut DbConn, refs: &[String]) -> QueryResult<Vec<String>> {
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    payments::table
        .filter(payments::kind.ne("refund"))
        .filter(payments::flagged.eq(false))
        .filter(payments::stripe_ref.eq_any(refs))
        .select(payments::stripe_ref.assume_not_null())
        .load(conn)
}

#[derive(QueryableByName)]
struct Sum {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Money received in `currency` on the invoices of sponsorships whose terms overlap
/// `start..=end` (of sponsorship `only` when given), less the refunds that count (the rule of
/// `totals_of`, in SQL: flagged payments do not count, nor refunds of them).
pub fn net_received_for_terms(
    conn: &mut DbConn,
    currency: &str,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
    only: Option<i64>,
) -> QueryResult<i64> {
    use diesel::sql_types::{BigInt, Date, Text};
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(CASE WHEN p.kind = 'refund' THEN -p.amount_minor \
                ELSE p.amount_minor END), 0) AS BIGINT) AS n \
         FROM payments p \
         JOIN invoices i ON i.id = p.invoice_id \
         JOIN sponsorships s ON s.id = i.sponsorship_id \
         WHERE p.currency = $1 AND s.start_date <= $2 AND s.end_date >= $3 {} \
         AND ((p.kind <> 'refund' AND p.flagged = $5) \
              OR (p.kind = 'refund' AND (p.refund_of IS NULL OR p.refund_of IN \
                  (SELECT q.stripe_ref FROM payments q WHERE q.invoice_id = p.invoice_id \
                   AND q.kind <> 'refund' AND q.flagged = $5 AND q.stripe_ref IS NOT NULL))))",
        if only.is_some() {
            "AND s.id = $4"
        } else {
            "AND $4 = $4"
        }
    );
    let only = only.unwrap_or(0);
    let sql = crate::db::numbered_params(conn, sql);
    let rows: Vec<Sum> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql)
            .bind::<Text, _>(currency)
            .bind::<Date, _>(end)
            .bind::<Date, _>(start)
            .bind::<BigInt, _>(only)
            .bind::<diesel::sql_types::Bool, _>(false)
            .load(c)?,
        DbConn::Pg(c) => diesel::sql_query(sql)
            .bind::<Text, _>(currency)
            .bind::<Date, _>(end)
            .bind::<Date, _>(start)
            .bind::<BigInt, _>(only)
            .bind::<diesel::sql_types::Bool, _>(false)
            .load(c)?,
    };
    Ok(rows.first().map(|s| s.n).unwrap_or(0))
}
