//! Invoices and payments: numbering without gaps, recording payments and refunds (by hand
//! or from Stripe), and settling an invoice and its sponsorship when the money is in.
//!
//! The rules that keep the books right whatever order events arrive in:
//! - a payment counts towards its invoice unless it is flagged (its amount or currency did
//!   not match what was asked, or the invoice was no longer open); staff check flagged ones;
//! - an invoice is paid once the payments that count reach its amount;
//! - an invoice whose payments have all been refunded is "refunded", and its sponsorship is
//!   cancelled; partial refunds are shown but change nothing;
//! - Stripe objects are recorded once each (`stripe_ref` is unique); a charge's refunds are
//!   one row holding the running total.

use chrono::NaiveDate;

use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::domain::sponsorship::Status;
use crate::email::{self, InvoiceIssuedEmail, InvoiceVoidedEmail, ReceiptEmail};
use crate::error::{AppError, AppResult};
use crate::models::invoices::{self, Invoice, NewInvoice, NewPayment, money_label};
use crate::models::{app_settings, sponsors, sponsorships, tiers};

use super::audit::{self, Actor};
use super::portal;

/// Where bank-transfer instructions are kept (staff edit them on the billing settings page).
pub const BANK_INSTRUCTIONS_KEY: &str = "billing.bank_instructions";

/// The foundation's postal address, printed at the top of invoices and receipts.
pub const FOUNDATION_ADDRESS_KEY: &str = "billing.foundation_address";
/// The foundation's tax or charity registration number (VAT ID, EIN…), printed beside it.
pub const FOUNDATION_TAX_ID_KEY: &str = "billing.foundation_tax_id";

/// What an invoice needs from the foundation and is not written yet, as the settings page
/// names it: accounts-payable teams refuse an invoice without the issuer's address, and a
/// sponsor cannot pay one that does not say how (card payment only when Stripe is set up).
pub fn missing_invoice_details(
    conn: &mut DbConn,
    settings: &Settings,
) -> AppResult<Vec<&'static str>> {
    let mut missing = Vec::new();
    let address = app_settings::get(conn, FOUNDATION_ADDRESS_KEY)?.unwrap_or_default();
    if address.trim().is_empty() {
        missing.push("the foundation's postal address");
    }
    if bank_instructions(conn)?.trim().is_empty() && !settings.stripe_enabled() {
        missing.push("the bank-transfer instructions");
    }
    Ok(missing)
}

/// The refusal when invoice details are missing ("…: add the foundation's postal address and
/// the bank-transfer instructions in Billing settings.").
pub fn missing_details_message(missing: &[&str]) -> String {
    format!(
        "An invoice cannot be issued yet: add {} in Billing settings (Invoices → Billing settings).",
        missing.join(" and ")
    )
}

/// What the foundation prints on its invoices, from the settings.
pub fn issuer(
    conn: &mut DbConn,
    settings: &Settings,
) -> AppResult<crate::email::invoice_file::Issuer> {
    Ok(crate::email::invoice_file::Issuer {
        name: settings.foundation_name.clone(),
        address: app_settings::get(conn, FOUNDATION_ADDRESS_KEY)?.unwrap_or_default(),
        tax_id: app_settings::get(conn, FOUNDATION_TAX_ID_KEY)?.unwrap_or_default(),
        bank_instructions: bank_instructions(conn)?,
    })
}

/// Invoice `id` (or its receipt) as the file attached to its email, as it stands now.
pub fn invoice_file(
    conn: &mut DbConn,
    settings: &Settings,
    id: i64,
    receipt: bool,
) -> AppResult<crate::email::Attachment> {
    let issuer = issuer(conn, settings)?;
    let inv = invoices::find(conn, id)?;
    let payments = invoices::payments_of(conn, id)?;
    Ok(crate::email::invoice_file::file(
        &issuer, inv, payments, receipt,
    )?)
}

/// The bank-transfer instructions shown on invoices and in the portal; empty until staff
/// write them.
pub fn bank_instructions(conn: &mut DbConn) -> AppResult<String> {
    Ok(app_settings::get(conn, BANK_INSTRUCTIONS_KEY)?.unwrap_or_default())
}

/// Issues the invoice for a sponsorship whose agreement is accepted, numbered `YYYY-NNNN`
/// for the year of `issued_on`, and emails it to the billing contacts.
pub fn issue_invoice(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    sponsorship_id: i64,
    issued_on: NaiveDate,
    due_on: NaiveDate,
) -> AppResult<Invoice> {
    if due_on < issued_on {
        return Err(AppError::BadRequest(
            "The due date must be on or after the issue date.".into(),
        ));
    }
    let missing = missing_invoice_details(conn, settings)?;
    if !missing.is_empty() {
        return Err(AppError::BadRequest(missing_details_message(&missing)));
    }
    let year = chrono::Datelike::year(&issued_on);
    invoices::ensure_counter(conn, year)?;
    write_tx(conn, |conn| {
        let s = sponsorships::find(conn, sponsorship_id)?;
        if s.status() != Status::AgreementAccepted {
            return Err(AppError::Conflict(format!(
                "An invoice can be issued once the agreement is accepted; this sponsorship is {}.",
                s.status().label().to_lowercase()
            )));
        }
        // Sponsorships recorded with no fee (in-kind support) have nothing to invoice; say
        // so rather than fail on the invoices CHECK (amount > 0).
        if s.fee_minor <= 0 {
            return Err(AppError::Conflict(
                "This sponsorship has no fee, so there is nothing to invoice. Record in-kind support on the sponsor instead.".into(),
            ));
        }
        if invoices::for_sponsorship(conn, s.id)?
            .iter()
            .any(|i| i.status != "void")
        {
            return Err(AppError::Conflict(
                "This sponsorship already has an invoice.".into(),
            ));
        }
        let sponsor = sponsors::find(conn, s.sponsor_id)?;
        let tier = tiers::find(conn, s.tier_id)?;
        let seq = invoices::next_seq(conn, year)?;
        let number = invoices::format_number(year, seq);
        let bill_to = if sponsor.billing_address.trim().is_empty() {
            sponsor.name.clone()
        } else {
            format!("{}\n{}", sponsor.name, sponsor.billing_address.trim())
        };
        let now = crate::models::now();
        let id = invoices::insert(
            conn,
            &NewInvoice {
                sponsorship_id: s.id,
                year,
                seq,
                number: number.clone(),
                issued_on,
                due_on,
                amount_minor: s.fee_minor,
                currency: s.currency.clone(),
                description: format!(
                    "{} sponsorship, {} – {}",
                    tier.name,
                    s.start_date.format("%-d %B %Y"),
                    s.end_date.format("%-d %B %Y")
                ),
                bill_to,
                status: "open".into(),
                paid_at: None,
                created_by: actor.label.clone(),
                created_at: now,
                po_number: s.po_number.clone(),
                buyer_tax_id: sponsor.tax_id.clone(),
            },
        )?;
        if !sponsorships::set_status_if(conn, s.id, Status::AgreementAccepted, Status::Invoiced)? {
            return Err(AppError::Conflict(
                "Someone changed this sponsorship at the same moment. Nothing was issued.".into(),
            ));
        }
        sponsorships::add_event(
            conn,
            s.id,
            &actor.label,
            Some(Status::AgreementAccepted),
            Status::Invoiced,
            &format!("invoice {number}"),
        )?;
        let amount = money_label(s.fee_minor, &s.currency);
        let file = invoice_file(conn, settings, id, false)?;
        for r in portal::recipients(conn, sponsor.id, "billing")? {
            let link = format!(
                "{}?next=/portal/invoices/{id}",
                portal::sponsor_link(conn, settings, sponsor.id, r.email.as_str())?
            );
            email::enqueue_with(
                conn,
                &r.email,
                crate::email::About::Invoice(id),
                &InvoiceIssuedEmail {
                    foundation: settings.foundation_name.clone(),
                    name: r.name.clone(),
                    sponsor: sponsor.name.clone(),
                    number: number.clone(),
                    amount: amount.clone(),
                    due_on: due_on.format("%-d %B %Y").to_string(),
                    link,
                    card: settings.stripe_enabled(),
                },
                std::slice::from_ref(&file),
            )?;
        }
        audit::record(
            conn,
            actor,
            "invoice.issue",
            Some(("invoice", &id.to_string())),
            &format!("{number} · {} · {amount}", sponsor.name),
        )?;
        Ok(invoices::find(conn, id)?)
    })
}

/// Voids an open invoice on which nothing has been paid (a wrong amount, address or term):
/// it keeps its number (no gaps), the sponsorship goes back to "agreement accepted" so a
/// corrected invoice can be issued, and the billing contacts are told. Checkout sessions
/// still open for it are closed by the worker.
pub fn void_invoice(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    invoice_id: i64,
    reason: &str,
) -> AppResult<Invoice> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::BadRequest("Say why the invoice is void.".into()));
    }
    write_tx(conn, |conn| {
        invoices::lock(conn, invoice_id)?;
        let inv = invoices::find(conn, invoice_id)?;
        if !inv.is_open() {
            return Err(AppError::Conflict(format!(
                "Invoice {} is {}: only an invoice awaiting payment can be voided.",
                inv.number,
                inv.status_label().to_lowercase()
            )));
        }
        if !invoices::payments_of(conn, inv.id)?.is_empty() {
            return Err(AppError::Conflict(format!(
                "Money has been recorded against invoice {}: refund it (or accept it) instead of voiding the invoice.",
                inv.number
            )));
        }
        if !invoices::set_status_if(conn, inv.id, "open", "void", None)? {
            return Err(AppError::Conflict(
                "Someone changed this invoice at the same moment. Nothing was changed.".into(),
            ));
        }
        let s = sponsorships::find(conn, inv.sponsorship_id)?;
        if s.status() == Status::Invoiced {
            crate::domain::sponsorship::transition(Status::Invoiced, Status::AgreementAccepted)
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            if sponsorships::set_status_if(conn, s.id, Status::Invoiced, Status::AgreementAccepted)?
            {
                sponsorships::add_event(
                    conn,
                    s.id,
                    &actor.label,
                    Some(Status::Invoiced),
                    Status::AgreementAccepted,
                    &format!("invoice {} voided: {reason}", inv.number),
                )?;
            }
        }
        let sponsor = sponsors::find(conn, s.sponsor_id)?;
        for r in portal::recipients(conn, sponsor.id, "billing")? {
            email::enqueue(
                conn,
                &r.email,
                crate::email::About::Invoice(inv.id),
                &InvoiceVoidedEmail {
                    foundation: settings.foundation_name.clone(),
                    name: r.name.clone(),
                    sponsor: sponsor.name.clone(),
                    number: inv.number.clone(),
                    reason: reason.to_string(),
                },
            )?;
        }
        audit::record(
            conn,
            actor,
            "invoice.void",
            Some(("invoice", &inv.id.to_string())),
            &format!("{} · {} · {reason}", inv.number, sponsor.name),
        )?;
        Ok(invoices::find(conn, inv.id)?)
    })
}

/// Payment or refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Payment,
    Refund,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Payment => "payment",
            Kind::Refund => "refund",
        }
    }
}

/// Money that arrived (or went back) against an invoice.
#[derive(Clone, Debug)]
pub struct PaymentInput {
    pub invoice_id: i64,
    pub kind: Kind,
    /// One of `invoices::METHODS`.
    pub method: String,
    pub amount_minor: i64,
    pub currency: String,
    pub reference: String,
    pub received_on: NaiveDate,
    /// The Stripe object this is (payment intent id, or `refund:<charge id>`), so that the
    /// same money reported twice is recorded once.
    pub stripe_ref: Option<String>,
    /// For a Stripe refund: the payment intent it gives back (see `invoices::totals`).
    pub refund_of: Option<String>,
}

/// What recording did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// A new row; `flagged` when it was held back for a staff check (and why).
    New {
        payment_id: i64,
        flagged: Option<String>,
    },
    /// A Stripe refund total that grew.
    RefundRaised { payment_id: i64 },
    /// Already known: nothing changed.
    Duplicate,
}

/// Records a payment or refund and settles the invoice, inside the caller's transaction
/// (the Stripe webhook writes its event row in the same one).
pub fn record_in(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    p: &PaymentInput,
) -> AppResult<Recorded> {
    if p.amount_minor <= 0 || p.amount_minor > crate::domain::money::MAX_MINOR {
        return Err(AppError::BadRequest(
            "The amount must be more than zero.".into(),
        ));
    }
    invoices::lock(conn, p.invoice_id)?;
    let inv = invoices::find(conn, p.invoice_id)?;
    if let Some(r) = &p.stripe_ref
        && let Some(existing) = invoices::find_by_stripe_ref(conn, r)?
    {
        if p.kind == Kind::Refund && invoices::raise_refund(conn, existing.id, p.amount_minor)? {
            audit::record(
                conn,
                actor,
                "payment.refund",
                Some(("invoice", &inv.id.to_string())),
                &format!(
                    "{} · refunds on this charge now {}",
                    inv.number,
                    money_label(p.amount_minor, &p.currency)
                ),
            )?;
            settle(conn, settings, actor, inv.id)?;
            return Ok(Recorded::RefundRaised {
                payment_id: existing.id,
            });
        }
        return Ok(Recorded::Duplicate);
    }
    let flag = if p.kind == Kind::Refund {
        None
    } else if p.currency != inv.currency {
        Some(format!(
            "Paid in {}, but the invoice is in {}.",
            p.currency, inv.currency
        ))
    } else if !inv.is_open() {
        Some(format!(
            "The invoice was already {} when this payment arrived: check for a double payment.",
            inv.status_label().to_lowercase()
        ))
    } else {
        let outstanding = inv
            .amount_minor
            .saturating_sub(invoices::totals(conn, inv.id)?.paid_minor);
        if p.stripe_ref.is_some() && p.amount_minor != outstanding {
            Some(format!(
                "Stripe reported {}, but {} was due.",
                money_label(p.amount_minor, &p.currency),
                money_label(outstanding, &inv.currency)
            ))
        } else if p.amount_minor > outstanding {
            Some(format!(
                "{} is more than the {} still due.",
                money_label(p.amount_minor, &p.currency),
                money_label(outstanding, &inv.currency)
            ))
        } else {
            None
        }
    };
    let id = invoices::insert_payment(
        conn,
        &NewPayment {
            invoice_id: inv.id,
            kind: p.kind.as_str().into(),
            method: p.method.clone(),
            amount_minor: p.amount_minor,
            currency: p.currency.clone(),
            reference: p.reference.clone(),
            received_on: p.received_on,
            stripe_ref: p.stripe_ref.clone(),
            flagged: flag.is_some(),
            flag_note: flag.clone().unwrap_or_default(),
            recorded_by: actor.label.clone(),
            created_at: crate::models::now(),
            refund_of: p.refund_of.clone(),
        },
    )?;
    audit::record(
        conn,
        actor,
        if p.kind == Kind::Refund {
            "payment.refund"
        } else {
            "payment.record"
        },
        Some(("invoice", &inv.id.to_string())),
        &format!(
            "{} · {} {} by {}{}{}",
            inv.number,
            p.kind.as_str(),
            money_label(p.amount_minor, &p.currency),
            invoices::method_label(&p.method),
            if p.reference.is_empty() {
                String::new()
            } else {
                format!(" · ref {}", p.reference)
            },
            flag.as_deref()
                .map(|f| format!(" · FLAGGED: {f}"))
                .unwrap_or_default()
        ),
    )?;
    settle(conn, settings, actor, inv.id)?;
    Ok(Recorded::New {
        payment_id: id,
        flagged: flag,
    })
}

/// Records a payment or refund entered by staff, in its own transaction.
pub fn record_manual(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    p: &PaymentInput,
) -> AppResult<Recorded> {
    write_tx(conn, |conn| {
        invoices::lock(conn, p.invoice_id)?;
        let inv = invoices::find(conn, p.invoice_id)?;
        if p.kind == Kind::Payment && !inv.is_open() {
            return Err(AppError::Conflict(format!(
                "Invoice {} is {}: there is nothing left to pay.",
                inv.number,
                inv.status_label().to_lowercase()
            )));
        }
        if p.currency != inv.currency {
            return Err(AppError::BadRequest(format!(
                "Record the amount in {}, the invoice's currency.",
                inv.currency
            )));
        }
        let t = invoices::totals(conn, inv.id)?;
        if p.kind == Kind::Payment && p.amount_minor > inv.amount_minor.saturating_sub(t.paid_minor)
        {
            return Err(AppError::BadRequest(format!(
                "That is more than the {} still due on invoice {}.",
                money_label(inv.amount_minor.saturating_sub(t.paid_minor), &inv.currency),
                inv.number
            )));
        }
        if p.kind == Kind::Refund && p.amount_minor > t.net_minor() {
            return Err(AppError::BadRequest(format!(
                "That is more than the {} paid and not yet refunded.",
                money_label(t.net_minor(), &inv.currency)
            )));
        }
        record_in(conn, settings, actor, p)
    })
}

/// Counts a flagged payment after a staff check.
pub fn accept_flagged(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    payment_id: i64,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let p = invoices::find_payment(conn, payment_id)?;
        invoices::lock(conn, p.invoice_id)?;
        let inv = invoices::find(conn, p.invoice_id)?;
        if p.currency != inv.currency {
            return Err(AppError::Conflict(format!(
                "This payment is in {} and invoice {} in {}: it cannot count towards it. Refund it, or ask the sponsor to pay in {}.",
                p.currency, inv.number, inv.currency, inv.currency
            )));
        }
        if invoices::refunded_of(conn, &p)? > 0 {
            return Err(AppError::Conflict(
                "This payment has been refunded (in part or in full), so it cannot count towards the invoice as it stands.".into(),
            ));
        }
        if !invoices::unflag(conn, p.id)? {
            return Err(AppError::Conflict(
                "This payment is no longer flagged (someone checked it a moment ago).".into(),
            ));
        }
        audit::record(
            conn,
            actor,
            "payment.accept",
            Some(("invoice", &p.invoice_id.to_string())),
            &format!("accepted flagged payment of {}", p.amount_label()),
        )?;
        settle(conn, settings, actor, p.invoice_id)
    })
}

/// Brings the invoice and its sponsorship in line with the money recorded against it.
fn settle(conn: &mut DbConn, settings: &Settings, actor: &Actor, invoice_id: i64) -> AppResult<()> {
    let inv = invoices::find(conn, invoice_id)?;
    let t = invoices::totals(conn, inv.id)?;
    let s = sponsorships::find(conn, inv.sponsorship_id)?;
    let now = crate::models::now();
    let today = now.date();
    if t.paid_minor > 0 && t.refunded_minor >= t.paid_minor {
        for from in ["open", "paid"] {
            if invoices::set_status_if(conn, inv.id, from, "refunded", inv.paid_at)? {
                audit::record(
                    conn,
                    actor,
                    "invoice.refunded",
                    Some(("invoice", &inv.id.to_string())),
                    &format!("{} refunded in full", inv.number),
                )?;
                let current = s.status();
                if matches!(current, Status::Invoiced | Status::Paid | Status::Active)
                    && sponsorships::set_status_if(conn, s.id, current, Status::Cancelled)?
                {
                    sponsorships::add_event(
                        conn,
                        s.id,
                        &actor.label,
                        Some(current),
                        Status::Cancelled,
                        &format!("payment for invoice {} refunded in full", inv.number),
                    )?;
                    // Its place in the tier is free again: the waitlist follows.
                    super::sponsorship_review::settle_waitlist(conn, settings, s.tier_id)?;
                }
            }
        }
        return Ok(());
    }
    if inv.is_open() && t.paid_minor >= inv.amount_minor {
        if !invoices::set_status_if(conn, inv.id, "open", "paid", Some(now))? {
            return Ok(());
        }
        if s.status() == Status::Invoiced
            && sponsorships::set_status_if(conn, s.id, Status::Invoiced, Status::Paid)?
        {
            sponsorships::add_event(
                conn,
                s.id,
                &actor.label,
                Some(Status::Invoiced),
                Status::Paid,
                &format!("invoice {} paid", inv.number),
            )?;
            if s.start_date <= today
                && today <= s.end_date
                && sponsorships::set_status_if(conn, s.id, Status::Paid, Status::Active)?
            {
                sponsorships::add_event(
                    conn,
                    s.id,
                    &actor.label,
                    Some(Status::Paid),
                    Status::Active,
                    "term has started",
                )?;
            }
        }
        let sponsor = sponsors::find(conn, s.sponsor_id)?;
        let file = invoice_file(conn, settings, inv.id, true)?;
        for r in portal::recipients(conn, sponsor.id, "billing")? {
            let link = format!(
                "{}?next=/portal/invoices/{}/receipt",
                portal::sponsor_link(conn, settings, sponsor.id, r.email.as_str())?,
                inv.id
            );
            email::enqueue_with(
                conn,
                &r.email,
                crate::email::About::Invoice(inv.id),
                &ReceiptEmail {
                    foundation: settings.foundation_name.clone(),
                    name: r.name.clone(),
                    sponsor: sponsor.name.clone(),
                    number: inv.number.clone(),
                    amount: inv.amount_label(),
                    paid_on: today.format("%-d %B %Y").to_string(),
                    link,
                },
                std::slice::from_ref(&file),
            )?;
        }
        audit::record(
            conn,
            actor,
            "invoice.paid",
            Some(("invoice", &inv.id.to_string())),
            &format!(
                "{} paid · {} · {}",
                inv.number,
                sponsor.name,
                inv.amount_label()
            ),
        )?;
    }
    Ok(())
}

/// Moves paid sponsorships whose term has begun to active (the worker runs this daily).
pub fn activate_started(conn: &mut DbConn, today: NaiveDate) -> AppResult<usize> {
    let ids = sponsorships::paid_and_started(conn, today)?;
    let mut n = 0;
    for id in ids {
        write_tx(conn, |conn| {
            if sponsorships::set_status_if(conn, id, Status::Paid, Status::Active)? {
                sponsorships::add_event(
                    conn,
                    id,
                    "system",
                    Some(Status::Paid),
                    Status::Active,
                    "term has started",
                )?;
                n += 1;
            }
            Ok(())
        })?;
    }
    Ok(n)
}

/// The sponsor's purchase-order number and VAT or tax ID, as typed in the portal or by staff.
#[derive(Clone, Debug, Default)]
pub struct InvoiceDetails {
    pub po_number: String,
    pub tax_id: String,
}

impl InvoiceDetails {
    /// Both fields checked: single lines of at most 100 and 50 characters (a header-like
    /// value must not break the printed invoice or an email); (field, message) when not.
    pub fn parse(
        po_number: &str,
        tax_id: &str,
    ) -> Result<InvoiceDetails, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let po =
            crate::domain::text::optional_single_line(po_number, "the purchase-order number", 100)
                .map_err(|m| errors.push(("po_number", m)))
                .ok();
        let tax = crate::domain::text::optional_single_line(tax_id, "the VAT or tax ID", 50)
            .map_err(|m| errors.push(("tax_id", m)))
            .ok();
        match (po, tax) {
            (Some(po_number), Some(tax_id)) if errors.is_empty() => {
                Ok(InvoiceDetails { po_number, tax_id })
            }
            _ => Err(errors),
        }
    }
}

/// Whether the contact at `email` may change the sponsor's invoice details (its primary and
/// billing contacts may; a marketing contact may not).
pub fn may_edit_invoice_details(
    conn: &mut DbConn,
    sponsor_id: i64,
    email: &str,
) -> AppResult<bool> {
    Ok(sponsors::contacts(conn, sponsor_id)?.iter().any(|c| {
        c.email.eq_ignore_ascii_case(email) && (c.role == "primary" || c.role == "billing")
    }))
}

/// Records the purchase-order number of sponsorship `sponsorship_id` and the sponsor's tax
/// ID before its invoice is issued (an issued invoice keeps what it printed). `sponsor_id`
/// scopes the sponsorship: another sponsor's is not found.
pub fn set_invoice_details(
    conn: &mut DbConn,
    actor: &Actor,
    sponsor_id: i64,
    sponsorship_id: i64,
    d: &InvoiceDetails,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let s = sponsorships::find(conn, sponsorship_id)?;
        if s.sponsor_id != sponsor_id {
            return Err(AppError::NotFound);
        }
        if !s.status().before_invoice() {
            return Err(AppError::Conflict(
                "The invoice for this sponsorship is issued already, and an issued invoice does not change. Write to us if it needs a purchase-order number or tax ID: we void it and issue a corrected one.".into(),
            ));
        }
        // Only while still before the invoice: an invoice issued at the same moment wins.
        if !sponsorships::set_po_number_before_invoice(conn, s.id, &d.po_number)? {
            return Err(AppError::Conflict(
                "The invoice was issued at the same moment; nothing was changed.".into(),
            ));
        }
        sponsors::set_tax_id(conn, sponsor_id, &d.tax_id)?;
        audit::record(
            conn,
            actor,
            "sponsorship.invoice_details",
            Some(("sponsorship", &s.id.to_string())),
            &format!("PO number “{}”, tax ID “{}”", d.po_number, d.tax_id),
        )?;
        Ok(())
    })
}
