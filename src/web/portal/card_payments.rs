//! Card payment from the sponsor portal: the Pay button starts a Stripe Checkout Session
//! (the amount is the invoice's, computed on the server; nothing posted by the browser is
//! read), and Stripe sends the sponsor back to one of two pages that say what is known.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::models::invoices::{self, Invoice};
use crate::payments::checkout::{self, Checkout};
use crate::services::billing;
use crate::web::extract::portal::SponsorPortal;
use crate::web::layout::Layout;
use crate::web::{redirect, render, render_status};

/// The page shown when Stripe did not give us a payment page.
#[derive(Template)]
#[template(path = "portal/card_payments/unavailable.html")]
struct UnavailablePage {
    layout: Layout,
    invoice: Invoice,
    bank_instructions: String,
}

/// `POST /portal/invoices/{id}/pay`: 303 to Stripe's payment page for what is still due.
/// Only the invoice id in the path is used; any amount in the form is ignored.
pub async fn pay_invoice(portal: SponsorPortal, path: web::Path<i64>) -> AppResult<HttpResponse> {
    if !portal.state.settings.stripe_enabled() {
        return Err(AppError::NotFound);
    }
    let invoice_id = path.into_inner();
    let actor = portal.actor();
    match checkout::start(
        &portal.state,
        portal.sponsor_id,
        invoice_id,
        &portal.email,
        &actor,
    )
    .await?
    {
        Checkout::Redirect(url) => Ok(redirect(&url)),
        Checkout::Unavailable { invoice } => {
            let bank_instructions = portal.state.db.run(billing::bank_instructions).await?;
            render_status(
                StatusCode::SERVICE_UNAVAILABLE,
                &UnavailablePage {
                    layout: portal.layout("Card payment is not available right now", ""),
                    invoice: *invoice,
                    bank_instructions,
                },
            )
        }
    }
}

#[derive(Deserialize)]
pub struct ReturnQuery {
    invoice: Option<i64>,
}

#[derive(Template)]
#[template(path = "portal/card_payments/returned.html")]
struct ReturnedPage {
    layout: Layout,
    invoice: Invoice,
    /// true: back from paying; false: the sponsor cancelled on Stripe's page.
    completed: bool,
    stripe_enabled: bool,
}

async fn returned(
    portal: SponsorPortal,
    q: web::Query<ReturnQuery>,
    completed: bool,
) -> AppResult<HttpResponse> {
    let id = q.invoice.ok_or(AppError::NotFound)?;
    let sponsor = portal.sponsor_id;
    let invoice = portal
        .state
        .db
        .run(move |c| Ok(invoices::find_for_sponsor(c, id, sponsor)?))
        .await?;
    let title = if invoice.is_paid() {
        "Payment received"
    } else if completed {
        "Thank you: waiting for Stripe's confirmation"
    } else {
        "Payment cancelled"
    };
    render(&ReturnedPage {
        layout: portal.layout(title, ""),
        invoice,
        completed,
        stripe_enabled: portal.state.settings.stripe_enabled(),
    })
}

/// `GET /portal/payments/success?invoice={id}`: Stripe has the card details; the invoice is
/// paid only once Stripe's signed event says so.
pub async fn payment_success(
    portal: SponsorPortal,
    q: web::Query<ReturnQuery>,
) -> AppResult<HttpResponse> {
    returned(portal, q, true).await
}

/// `GET /portal/payments/cancelled?invoice={id}`: no payment was taken.
pub async fn payment_cancelled(
    portal: SponsorPortal,
    q: web::Query<ReturnQuery>,
) -> AppResult<HttpResponse> {
    returned(portal, q, false).await
}
