//! Starting a card payment: a Stripe Checkout Session for what the invoice still owes,
//! computed here from the invoice and the payments that count, never taken from the browser.
//!
//! Idempotency key: `steward-checkout-{invoice id}-{outstanding minor units}{CURRENCY}-{attempt}`
//! where `attempt` is one more than the number of sessions already stored for the invoice.
//! Repeating the same request (a retry after a time-out, a double click before the first
//! session was stored) sends the same key, so Stripe hands back the same session instead of
//! making a second one; a new amount, or a new attempt after a session was stored and has
//! expired, gets a new key.

use std::collections::HashMap;
use std::str::FromStr;

use stripe::{IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_checkout::CheckoutSessionMode;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionPaymentIntentData, ProductData,
};

use super::store::{self, NewCheckoutSession};
use crate::config::Settings;
use crate::db::write_tx;
use crate::error::{AppError, AppResult};
use crate::models::invoices::{self, Invoice};
use crate::services::audit::{self, Actor};
use crate::state::AppState;

/// What the sponsor's click leads to.
#[derive(Debug)]
pub enum Checkout {
    /// Go to Stripe's payment page.
    Redirect(String),
    /// Stripe did not give us a session (its error is in the log); nothing was stored.
    Unavailable { invoice: Box<Invoice> },
}

/// The idempotency key for this invoice, amount, attempt and payer (see the module comment).
/// The payer's address is part of the request (it prefills Stripe's form), so two contacts
/// clicking at once must not share a key: Stripe refuses one key with two different bodies.
pub fn idempotency_key(
    invoice_id: i64,
    outstanding_minor: i64,
    currency: &str,
    attempt: i64,
    email: &str,
) -> String {
    let who = &crate::auth::token::digest(&email.to_ascii_lowercase())[..12];
    format!("steward-checkout-{invoice_id}-{outstanding_minor}{currency}-{attempt}-{who}")
}

/// A reused session must stay usable long enough for the sponsor to pay.
const REUSE_MARGIN_MINUTES: i64 = 10;

struct Plan {
    invoice: Invoice,
    outstanding: i64,
    reuse: Option<String>,
    attempt: i64,
}

/// Starts (or resumes) card payment of an invoice of `sponsor_id`. Another sponsor's
/// invoice is `NotFound`; an invoice with nothing left to pay is a `Conflict` with a message.
pub async fn start(
    state: &AppState,
    sponsor_id: i64,
    invoice_id: i64,
    email: &str,
    actor: &Actor,
) -> AppResult<Checkout> {
    let settings = state.settings.clone();
    let plan = state
        .db
        .run(move |c| {
            let invoice = invoices::find_for_sponsor(c, invoice_id, sponsor_id)?;
            if !invoice.is_open() {
                return Err(AppError::Conflict(format!(
                    "Invoice {} is {}: there is nothing to pay.",
                    invoice.number,
                    invoice.status_label().to_lowercase()
                )));
            }
            let paid = invoices::totals(c, invoice.id)?.paid_minor;
            let outstanding = invoice.amount_minor.saturating_sub(paid);
            if outstanding <= 0 {
                return Err(AppError::Conflict(format!(
                    "Invoice {} has been paid in full; it will show as paid shortly.",
                    invoice.number
                )));
            }
            let usable_until =
                crate::models::now() + chrono::Duration::minutes(REUSE_MARGIN_MINUTES);
            let reuse =
                store::open_session(c, invoice.id, outstanding, &invoice.currency, usable_until)?
                    .map(|s| s.url);
            let attempt = store::session_count(c, invoice.id)? + 1;
            Ok(Plan {
                invoice,
                outstanding,
                reuse,
                attempt,
            })
        })
        .await?;
    if let Some(url) = plan.reuse {
        return Ok(Checkout::Redirect(url));
    }
    let Plan {
        invoice,
        outstanding,
        attempt,
        ..
    } = plan;

    let key = idempotency_key(invoice.id, outstanding, &invoice.currency, attempt, email);
    let request = session_request(&settings.base_url, &invoice, outstanding, email);
    let client = match super::client(&settings) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(invoice = invoice.id, error = %e, "cannot build the Stripe client");
            return Ok(Checkout::Unavailable {
                invoice: Box::new(invoice),
            });
        }
    };
    let strategy = match IdempotencyKey::new(&key) {
        Ok(k) => RequestStrategy::Idempotent(k),
        Err(e) => {
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "idempotency key: {e}"
            )));
        }
    };
    let session = match request
        .customize()
        .request_strategy(strategy)
        .send(&client)
        .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(invoice = invoice.id, error = %e, "Stripe refused to create a Checkout Session");
            return Ok(Checkout::Unavailable {
                invoice: Box::new(invoice),
            });
        }
    };
    let Some(url) = session
        .url
        .clone()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    else {
        tracing::warn!(invoice = invoice.id, "Stripe's Checkout Session has no URL");
        return Ok(Checkout::Unavailable {
            invoice: Box::new(invoice),
        });
    };
    let expires_at = chrono::DateTime::from_timestamp(session.expires_at, 0)
        .map(|t| t.naive_utc())
        .unwrap_or_else(|| crate::models::now() + chrono::Duration::hours(23));
    let row = NewCheckoutSession {
        invoice_id: invoice.id,
        stripe_id: session.id.as_str().to_string(),
        url,
        amount_minor: outstanding,
        currency: invoice.currency.clone(),
        status: "open".into(),
        expires_at,
        created_at: crate::models::now(),
    };
    let actor = actor.clone();
    let number = invoice.number.clone();
    let url = state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                // Two clicks at once send the same key and get the same session: store it once.
                if let Some(existing) = store::find_session(c, &row.stripe_id)? {
                    return Ok(existing.url);
                }
                store::insert_session(c, &row)?;
                audit::record(
                    c,
                    &actor,
                    "payment.checkout",
                    Some(("invoice", &row.invoice_id.to_string())),
                    &format!(
                        "{number} · card payment started for {} · Stripe session {}",
                        invoices::money_label(row.amount_minor, &row.currency),
                        row.stripe_id
                    ),
                )?;
                Ok(row.url.clone())
            })
        })
        .await;
    match url {
        Ok(u) => {
            // An older session for another amount (or about to expire) could still take a
            // second payment from a tab left open: close it.
            expire_sessions(state, invoice.id, Some(session.id.as_str())).await;
            Ok(Checkout::Redirect(u))
        }
        // The other click stored it between our look and our insert.
        Err(AppError::Conflict(_)) => {
            let id = session.id.as_str().to_string();
            let found = state
                .db
                .run(move |c| Ok(store::find_session(c, &id)?))
                .await?;
            found
                .map(|s| Checkout::Redirect(s.url))
                .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("checkout session vanished")))
        }
        Err(e) => Err(e),
    }
}

/// The Create Checkout Session request: one line item for the outstanding amount, the
/// invoice id in the session's and the payment's metadata, our own return pages.
pub fn session_request(
    base_url: &str,
    invoice: &Invoice,
    outstanding: i64,
    email: &str,
) -> CreateCheckoutSession {
    let base = base_url.trim_end_matches('/');
    let metadata: HashMap<String, String> = [
        ("invoice_id".to_string(), invoice.id.to_string()),
        ("invoice_number".to_string(), invoice.number.clone()),
    ]
    .into_iter()
    .collect();
    let currency = stripe_types::Currency::from_str(&invoice.currency.to_ascii_lowercase())
        .unwrap_or_else(|never| match never {});
    let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency);
    price.unit_amount = Some(outstanding);
    let mut product = ProductData::new(format!("Invoice {}", invoice.number));
    product.description = Some(invoice.description.clone()).filter(|d| !d.trim().is_empty());
    price.product_data = Some(product);
    let mut item = CreateCheckoutSessionLineItems::new();
    item.price_data = Some(price);
    item.quantity = Some(1);
    let mut pi = CreateCheckoutSessionPaymentIntentData::new();
    pi.metadata = Some(metadata.clone());
    pi.description = Some(format!("Invoice {}", invoice.number));
    let mut req = CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Payment)
        .line_items(vec![item])
        .client_reference_id(invoice.id.to_string())
        .metadata(metadata)
        .payment_intent_data(pi)
        .success_url(format!(
            "{base}/portal/payments/success?invoice={}",
            invoice.id
        ))
        .cancel_url(format!(
            "{base}/portal/payments/cancelled?invoice={}",
            invoice.id
        ));
    if crate::domain::EmailAddress::parse(email).is_ok() {
        req = req.customer_email(email.to_string());
    }
    req
}

/// Asks Stripe to expire the invoice's open sessions other than `keep`, and marks ours
/// expired when Stripe agrees. Best effort: a failure is logged, and a payment that still
/// comes through an old session is flagged as a possible double payment for staff.
pub async fn expire_sessions(state: &AppState, invoice_id: i64, keep: Option<&str>) -> usize {
    let keep = keep.map(str::to_string);
    let open = match state
        .db
        .run(move |c| {
            Ok(store::sessions_of(c, invoice_id)?
                .into_iter()
                .filter(|s| s.status == "open" && Some(&s.stripe_id) != keep.as_ref())
                .map(|s| s.stripe_id)
                .collect::<Vec<_>>())
        })
        .await
    {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(invoice = invoice_id, error = %e, "cannot list checkout sessions to expire");
            return 0;
        }
    };
    expire_at_stripe(&state.db, &state.settings, open).await
}

/// Expires open sessions of invoices that are no longer open (paid by bank transfer, say).
/// The worker runs this regularly.
pub async fn expire_stale(db: &crate::db::Db, settings: &Settings) -> usize {
    if !settings.stripe_enabled() {
        return 0;
    }
    match db
        .run(|c| Ok(store::open_sessions_of_settled_invoices(c)?))
        .await
    {
        Ok(ids) => expire_at_stripe(db, settings, ids).await,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list stale checkout sessions");
            0
        }
    }
}

async fn expire_at_stripe(db: &crate::db::Db, settings: &Settings, ids: Vec<String>) -> usize {
    if ids.is_empty() {
        return 0;
    }
    let client = match super::client(settings) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "cannot build the Stripe client to expire sessions");
            return 0;
        }
    };
    let mut n = 0;
    for id in ids {
        let req = stripe_checkout::checkout_session::ExpireCheckoutSession::new(id.as_str());
        match req.send(&client).await {
            Ok(_) => {
                let sid = id.clone();
                if db
                    .run(move |c| Ok(store::close_session(c, &sid, "expired")?))
                    .await
                    .unwrap_or(false)
                {
                    n += 1;
                }
            }
            Err(e) => {
                tracing::warn!(session = %id, error = %e, "Stripe did not expire an old checkout session");
            }
        }
    }
    n
}
