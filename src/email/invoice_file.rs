//! The invoice and the receipt as files attached to their emails: the same document as the
//! printable page (one partial), as a self-contained HTML file with its styles inside, which
//! any browser opens and prints or saves as PDF.

use askama::Template;

use crate::models::invoices::{Invoice, Payment, money_label, totals_of};

/// A file sent with an email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub body: String,
}

/// What the foundation prints on its invoices.
#[derive(Clone, Debug, Default)]
pub struct Issuer {
    pub name: String,
    pub address: String,
    pub tax_id: String,
    pub bank_instructions: String,
}

#[derive(Template)]
#[template(path = "invoices/file.html")]
struct InvoiceFile {
    receipt: bool,
    invoice: Invoice,
    foundation: String,
    foundation_address: String,
    foundation_tax_id: String,
    bank_instructions: String,
    payments: Vec<Payment>,
    paid: String,
    refunded: String,
    outstanding: String,
    has_refunds: bool,
}

/// The figures printed under an invoice's line: paid, refunded, still due.
pub struct Sums {
    pub paid: String,
    pub refunded: String,
    pub outstanding: String,
    pub has_refunds: bool,
}

impl Sums {
    /// From the invoice's payments, by the rule of `invoices::totals_of`.
    pub fn of(invoice: &Invoice, payments: &[Payment]) -> Sums {
        let totals = totals_of(payments);
        let outstanding = if invoice.is_open() {
            invoice.amount_minor.saturating_sub(totals.paid_minor)
        } else {
            0
        };
        Sums {
            paid: money_label(totals.paid_minor, &invoice.currency),
            refunded: money_label(totals.refunded_minor, &invoice.currency),
            outstanding: money_label(outstanding, &invoice.currency),
            has_refunds: totals.refunded_minor > 0,
        }
    }
}

/// The invoice (or, with `receipt`, its receipt) with these payments, as an attachment.
pub fn file(
    issuer: &Issuer,
    invoice: Invoice,
    payments: Vec<Payment>,
    receipt: bool,
) -> askama::Result<Attachment> {
    let sums = Sums::of(&invoice, &payments);
    let filename = format!(
        "{}-{}.html",
        if receipt { "receipt" } else { "invoice" },
        invoice.number
    );
    let body = InvoiceFile {
        receipt,
        paid: sums.paid,
        refunded: sums.refunded,
        outstanding: sums.outstanding,
        has_refunds: sums.has_refunds,
        payments: payments.into_iter().filter(|p| !p.flagged).collect(),
        invoice,
        foundation: issuer.name.clone(),
        foundation_address: issuer.address.clone(),
        foundation_tax_id: issuer.tax_id.clone(),
        bank_instructions: issuer.bank_instructions.clone(),
    }
    .render()?;
    Ok(Attachment {
        filename,
        content_type: "text/html; charset=utf-8".into(),
        body,
    })
}
