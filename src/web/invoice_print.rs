//! The printable invoice and receipt, one page shared by staff and the sponsor portal.

use actix_web::HttpResponse;
use askama::Template;

use crate::error::{AppError, AppResult};
use crate::models::invoices::{self, Invoice, Payment};
use crate::services::billing;
use crate::web::extract::Ctx;
use crate::web::layout::Layout;
use crate::web::render;

#[derive(Template)]
#[template(path = "invoices/document.html")]
struct DocumentPage {
    layout: Layout,
    receipt: bool,
    invoice: Invoice,
    /// The foundation's name, address and tax ID, printed at the top.
    foundation: String,
    foundation_tax_id: String,
    foundation_address: String,
    bank_instructions: String,
    payments: Vec<Payment>,
    paid: String,
    refunded: String,
    outstanding: String,
    has_refunds: bool,
    /// Where "Back" goes (staff invoice page or the portal).
    back: String,
    /// Shown to the sponsor with card payments on: the "Pay by card" button.
    pay_by_card: bool,
}

/// Renders invoice `id` (or its receipt). `sponsor_scope` limits it to one sponsor's
/// invoices (portal); staff pass None.
pub async fn page(
    ctx: &Ctx,
    id: i64,
    sponsor_scope: Option<i64>,
    receipt: bool,
    back: String,
) -> AppResult<HttpResponse> {
    let settings = ctx.state.settings.clone();
    let (invoice, payments, issuer) = ctx
        .state
        .db
        .run(move |c| {
            let inv = match sponsor_scope {
                Some(s) => invoices::find_for_sponsor(c, id, s)?,
                None => invoices::find(c, id)?,
            };
            let payments = invoices::payments_of(c, inv.id)?;
            Ok((inv, payments, billing::issuer(c, &settings)?))
        })
        .await?;
    if receipt && !invoice.is_paid() && invoice.status != "refunded" {
        return Err(AppError::NotFound);
    }
    let title = if receipt {
        format!("Receipt for invoice {}", invoice.number)
    } else {
        format!("Invoice {}", invoice.number)
    };
    let sums = crate::email::invoice_file::Sums::of(&invoice, &payments);
    let mut layout = ctx.layout(&title, "/staff/invoices");
    let portal = sponsor_scope.is_some();
    if portal {
        // The sponsor portal's header, not the staff or public one.
        layout.portal = true;
        layout.nav = Layout::portal_nav("/portal/invoices");
    }
    render(&DocumentPage {
        layout,
        receipt,
        paid: sums.paid,
        refunded: sums.refunded,
        outstanding: sums.outstanding,
        has_refunds: sums.has_refunds,
        payments: payments.into_iter().filter(|p| !p.flagged).collect(),
        invoice,
        foundation: issuer.name,
        foundation_address: issuer.address,
        foundation_tax_id: issuer.tax_id,
        bank_instructions: issuer.bank_instructions,
        back,
        pay_by_card: portal && ctx.state.settings.stripe_enabled(),
    })
}
