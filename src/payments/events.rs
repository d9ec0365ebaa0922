//! Applying Stripe webhook events. Each event is parsed into our own small structs (so an
//! event type or field we do not know cannot break parsing), stored in `stripe_events` under
//! its id in the SAME transaction as its effect, and answered 2xx:
//!
//! - `checkout.session.completed` (paid) and `payment_intent.succeeded`: a card payment,
//!   recorded once per payment intent (`stripe_ref` = the intent's id) whichever comes first;
//! - `charge.refunded`: the charge's running refund total (`stripe_ref` = `refund:<charge>`);
//! - `payment_intent.payment_failed`: stored and audited, nothing changes (a failure after a
//!   success does not undo it);
//! - `checkout.session.expired`: our stored session is marked expired;
//! - payment events whose invoice cannot be found are stored as `unmatched` for staff;
//! - every other type is stored as `ignored` (so a redelivery is recognised) and changes
//!   nothing.
//!
//! Money goes through `billing::record_in`, which dedupes on `stripe_ref`, flags amounts that
//! differ from what is due, settles the invoice and sends the receipt; so duplicated,
//! concurrent or out-of-order events end in the same state.

use serde::Deserialize;
use serde_json::Value;

use super::store::{self, NewStripeEvent};
use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::error::{AppError, AppResult};
use crate::models::invoices::{self, Invoice, money_label};
use crate::services::audit::{self, Actor};
use crate::services::billing::{self, Kind, PaymentInput, Recorded};

/// The envelope of every Stripe event; `data.object` is read field by field.
#[derive(Debug, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub created: i64,
    pub data: EventData,
}

#[derive(Debug, Deserialize)]
pub struct EventData {
    pub object: Value,
}

/// What receiving an event did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    /// Stored now, with this outcome (`applied`, `no_change`, `ignored`, `unmatched`, `flagged`).
    Stored(&'static str),
    /// Seen before (the event id is already stored): nothing done.
    Duplicate,
}

/// Money an event reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money {
    pub kind: Kind,
    pub amount_minor: i64,
    /// Upper case, as we store currencies.
    pub currency: String,
    /// The Stripe object this money is (see `PaymentInput::stripe_ref`).
    pub stripe_ref: String,
    /// Shown to staff as the payment's reference.
    pub reference: String,
    /// For a refund: the payment intent of the refunded charge.
    pub refund_of: Option<String>,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn int(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

/// An id field that Stripe may send as a string or, expanded, as an object with an `id`.
fn id_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn meta<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The money in a payment event, if it carries any (a checkout that is not yet paid does not).
pub fn money_of(kind: &str, obj: &Value) -> Option<Money> {
    let currency = text(obj, "currency")?.to_ascii_uppercase();
    match kind {
        "checkout.session.completed" => {
            if text(obj, "payment_status") != Some("paid") {
                return None;
            }
            let session = text(obj, "id")?;
            let pi = id_of(obj, "payment_intent");
            Some(Money {
                kind: Kind::Payment,
                amount_minor: int(obj, "amount_total")?,
                currency,
                stripe_ref: pi.clone().unwrap_or_else(|| format!("checkout:{session}")),
                reference: pi.unwrap_or_else(|| session.to_string()),
                refund_of: None,
            })
        }
        "payment_intent.succeeded" => {
            let id = text(obj, "id")?;
            Some(Money {
                kind: Kind::Payment,
                amount_minor: int(obj, "amount_received")?,
                currency,
                stripe_ref: id.to_string(),
                reference: id.to_string(),
                refund_of: None,
            })
        }
        "charge.refunded" => {
            let id = text(obj, "id")?;
            Some(Money {
                kind: Kind::Refund,
                amount_minor: int(obj, "amount_refunded")?,
                currency,
                stripe_ref: format!("refund:{id}"),
                reference: id.to_string(),
                refund_of: id_of(obj, "payment_intent"),
            })
        }
        _ => None,
    }
}

/// The invoice an event is about, or why none could be found.
fn find_invoice(conn: &mut DbConn, kind: &str, obj: &Value) -> AppResult<Result<Invoice, String>> {
    // Our own stored session is the surest link for a completed checkout.
    if kind.starts_with("checkout.session.")
        && let Some(id) = text(obj, "id")
        && let Some(s) = store::find_session(conn, id)?
    {
        return Ok(Ok(invoices::find(conn, s.invoice_id)?));
    }
    let named = meta(obj, "invoice_id").or_else(|| {
        kind.starts_with("checkout.session.")
            .then(|| text(obj, "client_reference_id"))
            .flatten()
    });
    if let Some(raw) = named {
        let Ok(id) = raw.parse::<i64>() else {
            return Ok(Err(format!(
                "The invoice id in the metadata ({raw:?}) is not ours."
            )));
        };
        let inv = match invoices::find(conn, id) {
            Ok(i) => i,
            Err(diesel::result::Error::NotFound) => {
                return Ok(Err(format!(
                    "No invoice has the id {id} named in the metadata."
                )));
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(number) = meta(obj, "invoice_number")
            && number != inv.number
        {
            return Ok(Err(format!(
                "The metadata names invoice {number}, but invoice id {id} is {}.",
                inv.number
            )));
        }
        return Ok(Ok(inv));
    }
    // A refund of a charge we know through its payment intent.
    if kind == "charge.refunded"
        && let Some(pi) = id_of(obj, "payment_intent")
        && let Some(p) = invoices::find_by_stripe_ref(conn, &pi)?
    {
        return Ok(Ok(invoices::find(conn, p.invoice_id)?));
    }
    Ok(Err("No invoice is named in the event.".into()))
}

/// Records `m` against the invoice; returns (outcome, detail).
fn apply_money(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    inv: &Invoice,
    m: &Money,
    received_on: chrono::NaiveDate,
) -> AppResult<(&'static str, String)> {
    if m.amount_minor <= 0 || m.amount_minor > crate::domain::money::MAX_MINOR {
        return Ok((
            "no_change",
            format!("amount {} is not a payment we can record", m.amount_minor),
        ));
    }
    let r = billing::record_in(
        conn,
        settings,
        actor,
        &PaymentInput {
            invoice_id: inv.id,
            kind: m.kind,
            method: "card".into(),
            amount_minor: m.amount_minor,
            currency: m.currency.clone(),
            reference: m.reference.clone(),
            received_on,
            stripe_ref: Some(m.stripe_ref.clone()),
            refund_of: m.refund_of.clone(),
        },
    )?;
    let amount = money_label(m.amount_minor, &m.currency);
    Ok(match r {
        Recorded::New {
            flagged: Some(why), ..
        } => ("flagged", format!("{amount} held for a staff check: {why}")),
        Recorded::New { flagged: None, .. } => (
            "applied",
            format!("{} {amount} recorded on {}", m.kind.as_str(), inv.number),
        ),
        Recorded::RefundRaised { .. } => {
            ("applied", format!("refunds on {} now {amount}", inv.number))
        }
        Recorded::Duplicate => (
            "no_change",
            format!("{} {} was already recorded", m.kind.as_str(), m.stripe_ref),
        ),
    })
}

fn event_date(event: &Event) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp(event.created, 0)
        .filter(|_| event.created > 0)
        .map(|t| t.date_naive())
        .unwrap_or_else(|| crate::models::now().date())
}

/// The effect of one event; runs inside the transaction that stored the event row.
fn effect(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    event: &Event,
) -> AppResult<(Option<i64>, &'static str, String)> {
    let obj = &event.data.object;
    let kind = event.kind.as_str();
    match kind {
        "checkout.session.completed" | "payment_intent.succeeded" | "charge.refunded" => {
            if kind == "checkout.session.completed"
                && let Some(id) = text(obj, "id")
            {
                store::close_session(conn, id, "complete")?;
            }
            let found = find_invoice(conn, kind, obj)?;
            let Some(m) = money_of(kind, obj) else {
                let inv = found.ok().map(|i| i.id);
                return Ok((
                    inv,
                    "no_change",
                    format!(
                        "no money yet (payment status {})",
                        text(obj, "payment_status").unwrap_or("unknown")
                    ),
                ));
            };
            match found {
                Ok(inv) => {
                    let (outcome, detail) =
                        apply_money(conn, settings, actor, &inv, &m, event_date(event))?;
                    Ok((Some(inv.id), outcome, detail))
                }
                Err(why) => Ok((None, "unmatched", why)),
            }
        }
        "payment_intent.payment_failed" => {
            let inv = find_invoice(conn, kind, obj)?.ok().map(|i| i.id);
            let why = obj
                .get("last_payment_error")
                .and_then(|e| text(e, "message"))
                .unwrap_or("no reason given");
            Ok((inv, "no_change", format!("payment attempt failed: {why}")))
        }
        "checkout.session.expired" => {
            let inv = find_invoice(conn, kind, obj)?.ok().map(|i| i.id);
            if let Some(id) = text(obj, "id") {
                store::close_session(conn, id, "expired")?;
            }
            Ok((inv, "no_change", "checkout session expired".into()))
        }
        _ => Ok((None, "ignored", String::new())),
    }
}

/// One attempt: store the event row first (its primary key decides between duplicates, also
/// concurrent ones: the second insert waits for the first transaction and then fails), then
/// apply the effect and write down what it did.
fn apply_once(
    conn: &mut DbConn,
    settings: &Settings,
    event: &Event,
    payload: &str,
) -> AppResult<Handled> {
    write_tx(conn, |conn| {
        if store::event_exists(conn, &event.id)? {
            return Ok(Handled::Duplicate);
        }
        let received_at = crate::models::now();
        store::insert_event(
            conn,
            &NewStripeEvent {
                event_id: &event.id,
                event_type: &event.kind,
                received_at,
                invoice_id: None,
                outcome: "no_change",
                detail: "",
                payload,
                resolution_note: "",
            },
        )?;
        let actor = Actor::system("stripe");
        let (invoice_id, outcome, detail) = effect(conn, settings, &actor, event)?;
        store::set_event_outcome(conn, &event.id, invoice_id, outcome, &detail)?;
        if outcome != "ignored" {
            let id_text = invoice_id.map(|i| i.to_string());
            audit::record(
                conn,
                &actor,
                &format!("stripe.{outcome}"),
                Some(match &id_text {
                    Some(i) => ("invoice", i.as_str()),
                    None => ("stripe_event", event.id.as_str()),
                }),
                &format!("{} {}: {detail}", event.kind, event.id),
            )?;
        }
        Ok(Handled::Stored(outcome))
    })
}

/// Applies a verified webhook payload once. A duplicate (before or at the same time) is
/// `Duplicate`; a payload that is not an event is a `BadRequest`.
pub fn receive(conn: &mut DbConn, settings: &Settings, payload: &str) -> AppResult<Handled> {
    let event: Event = serde_json::from_str(payload)
        .map_err(|_| AppError::BadRequest("not a Stripe event".into()))?;
    if event.id.trim().is_empty() || event.id.len() > 255 {
        return Err(AppError::BadRequest("event id missing".into()));
    }
    let mut tries = 0;
    loop {
        tries += 1;
        match apply_once(conn, settings, &event, payload) {
            Ok(h) => return Ok(h),
            Err(e) => {
                // Lost a race with the same event: the winner has applied it.
                if store::event_exists(conn, &event.id)? {
                    return Ok(Handled::Duplicate);
                }
                // Lost a race with another event about the same money (a unique
                // `stripe_ref`): run again, and the dedupe sees the winner's row.
                if tries < 3 && matches!(e, AppError::Conflict(_)) {
                    continue;
                }
                return Err(e);
            }
        }
    }
}

/// Staff apply an unmatched event to an invoice (by its number): the payment is recorded and
/// the event marked resolved in one transaction, once.
pub fn apply_unmatched(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    event_id: &str,
    invoice_number: &str,
) -> AppResult<Invoice> {
    write_tx(conn, |conn| {
        let ev = store::find_event(conn, event_id)?;
        if ev.outcome != "unmatched" || ev.resolved_at.is_some() {
            return Err(AppError::Conflict(
                "This payment has already been dealt with (someone resolved it a moment ago)."
                    .into(),
            ));
        }
        let event: Event = serde_json::from_str(&ev.payload)
            .map_err(|_| AppError::BadRequest("The stored event cannot be read.".into()))?;
        let Some(m) = money_of(&event.kind, &event.data.object) else {
            return Err(AppError::BadRequest(
                "This event carries no payment to apply; dismiss it instead.".into(),
            ));
        };
        let inv = store::invoice_by_number(conn, invoice_number.trim())?.ok_or_else(|| {
            AppError::BadRequest(format!("There is no invoice {invoice_number:?}."))
        })?;
        if !store::resolve_unmatched(
            conn,
            event_id,
            &actor.label,
            &format!("applied to invoice {}", inv.number),
            Some(inv.id),
        )? {
            return Err(AppError::Conflict(
                "This payment has already been dealt with (someone resolved it a moment ago)."
                    .into(),
            ));
        }
        let (_, detail) = apply_money(conn, settings, actor, &inv, &m, event_date(&event))?;
        audit::record(
            conn,
            actor,
            "stripe.unmatched.apply",
            Some(("invoice", &inv.id.to_string())),
            &format!(
                "{} {} applied to {}: {detail}",
                event.kind, event.id, inv.number
            ),
        )?;
        Ok(inv)
    })
}

/// Staff dismiss an unmatched event with a note (e.g. refunded in Stripe directly), once.
pub fn dismiss_unmatched(
    conn: &mut DbConn,
    actor: &Actor,
    event_id: &str,
    note: &str,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        store::find_event(conn, event_id)?;
        if !store::resolve_unmatched(conn, event_id, &actor.label, note, None)? {
            return Err(AppError::Conflict(
                "This payment has already been dealt with (someone resolved it a moment ago)."
                    .into(),
            ));
        }
        audit::record(
            conn,
            actor,
            "stripe.unmatched.dismiss",
            Some(("stripe_event", event_id)),
            note,
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_money_from_each_payment_event() {
        let cs = serde_json::json!({"id": "cs_1", "payment_status": "paid", "amount_total": 500,
            "currency": "usd", "payment_intent": "pi_1"});
        let m = money_of("checkout.session.completed", &cs).unwrap();
        assert_eq!(
            (m.amount_minor, m.currency.as_str(), m.stripe_ref.as_str()),
            (500, "USD", "pi_1")
        );
        let unpaid = serde_json::json!({"id": "cs_1", "payment_status": "unpaid", "amount_total": 500, "currency": "usd"});
        assert_eq!(money_of("checkout.session.completed", &unpaid), None);
        let pi = serde_json::json!({"id": "pi_1", "amount_received": 700, "currency": "eur"});
        assert_eq!(
            money_of("payment_intent.succeeded", &pi)
                .unwrap()
                .stripe_ref,
            "pi_1"
        );
        let ch = serde_json::json!({"id": "ch_1", "amount_refunded": 300, "currency": "usd",
            "payment_intent": {"id": "pi_1"}});
        let r = money_of("charge.refunded", &ch).unwrap();
        assert_eq!(
            (r.kind, r.stripe_ref.as_str(), r.amount_minor),
            (Kind::Refund, "refund:ch_1", 300)
        );
        assert_eq!(id_of(&ch, "payment_intent").as_deref(), Some("pi_1"));
        assert_eq!(money_of("customer.created", &ch), None);
    }
}
