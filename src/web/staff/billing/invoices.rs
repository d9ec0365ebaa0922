//! Invoices on the staff side: issue one for a sponsorship whose agreement is accepted, the
//! list with a status filter, one invoice with its payments, recording a payment or refund
//! by hand, accepting a flagged payment, and the printable invoice and receipt.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::dates::parse_date;
use crate::domain::form::Fields;
use crate::domain::{Currency, FormErrors, Money, text};
use crate::error::{AppError, AppResult};
use crate::models::invoices::{self, Invoice, ListRow, METHODS, Payment, money_label};
use crate::models::{sponsors, sponsorships};
use crate::services::billing::{self, Kind, PaymentInput};
use crate::web::csv_export::{self, Chunk};
use crate::web::extract::Staff;
use crate::web::extract::{MoneyStaff, RoleRule, SponsorshipsStaff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::pager::Pager;
use crate::web::staff::fmt_time;
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<MoneyStaff>;

/// How long an invoice runs by default.
pub const DEFAULT_DUE_DAYS: i64 = 30;

/// The status as staff read it: an open invoice with some money in is "Partly paid" with
/// what is still due (the same sum `billing` refuses overpayments against).
fn status_text(inv: &Invoice, paid_minor: i64) -> String {
    if inv.is_open() && paid_minor > 0 {
        format!(
            "Partly paid — {} due",
            money_label(inv.amount_minor.saturating_sub(paid_minor), &inv.currency)
        )
    } else {
        inv.status_label().to_string()
    }
}

/// Whether this staff member may open sponsor and sponsorship pages (the treasurer may not).
fn can_open_sponsorships(staff: &S) -> bool {
    SponsorshipsStaff::allows(&staff.user.roles)
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `POST /staff/sponsorships/{id}/invoice`: issue the invoice (dates default to today and
/// today + 30 days).
pub async fn issue(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    // The list of invoices has its own "ready to invoice" forms (for the treasurer, who does
    // not see sponsorship pages).
    let back = if f.get("from") == "invoices" {
        "/staff/invoices".to_string()
    } else {
        format!("/staff/sponsorships/{id}")
    };
    let issued_on = match f.get("issued_on").trim() {
        "" => today(),
        s => match parse_date(s, "the issue date") {
            Ok(d) => d,
            Err(m) => return Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        },
    };
    let due_on = match f.get("due_on").trim() {
        "" => issued_on + chrono::Duration::days(DEFAULT_DUE_DAYS),
        s => match parse_date(s, "the due date") {
            Ok(d) => d,
            Err(m) => return Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        },
    };
    let actor = staff.actor();
    let settings = staff.state.settings.clone();
    match staff
        .state
        .db
        .run(move |c| billing::issue_invoice(c, &settings, &actor, id, issued_on, due_on))
        .await
    {
        Ok(inv) => Ok(redirect_with_flash(
            &format!("/staff/invoices/{}", inv.id),
            FlashKind::Success,
            &format!(
                "Invoice {} issued and emailed to the billing contacts.",
                inv.number
            ),
        )),
        Err(AppError::Conflict(m)) | Err(AppError::BadRequest(m)) => {
            Ok(redirect_with_flash(&back, FlashKind::Error, &m))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: String,
}

/// Invoices listed on a page.
const PER_PAGE: i64 = 50;

/// The statuses the list filters by.
const STATUSES: [(&str, &str); 4] = [
    ("open", "Awaiting payment"),
    ("paid", "Paid"),
    ("refunded", "Refunded"),
    ("void", "Void"),
];

#[derive(Template)]
#[template(path = "staff/billing/invoices/list.html")]
struct ListPage {
    layout: Layout,
    /// Each invoice with its status as shown (see `status_text`).
    rows: Vec<(ListRow, String)>,
    pager: Pager,
    status: String,
    can_open_sponsorships: bool,
    statuses: [(&'static str, &'static str); 4],
    flagged: usize,
    /// Sponsorships whose agreement is accepted, waiting for their invoice.
    ready: Vec<sponsorships::Row>,
    /// What billing settings still lack before an invoice can be issued.
    billing_missing: Vec<&'static str>,
}

/// The list's status filter, when it names one of ours.
fn status_filter(q: &ListQuery) -> Option<String> {
    STATUSES
        .iter()
        .find(|(k, _)| *k == q.status)
        .map(|(k, _)| k.to_string())
}

/// `GET /staff/invoices.csv?status=open`: the invoices the list shows, with what was paid
/// and refunded on each, oldest first, for spreadsheets; streamed a chunk at a time.
pub async fn export_csv(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let status = status_filter(&q);
    const HEADER: &[&str] = &[
        "Invoice",
        "Issued",
        "Due",
        "Status",
        "Sponsor",
        "Description",
        "Amount",
        "Currency",
        "Paid",
        "Refunded",
        "Outstanding",
        "Paid on",
    ];
    csv_export::stream(&staff.state.db, "invoices.csv", HEADER, move |c, after| {
        let list = invoices::chunk_after(c, status.as_deref(), after, csv_export::CHUNK)?;
        let ids: Vec<i64> = list.iter().map(|r| r.invoice.id).collect();
        let payments = invoices::payments_of_all(c, &ids)?;
        Ok(Chunk::of(
            list,
            |r| r.invoice.id,
            |r| {
                let inv = &r.invoice;
                let t = invoices::totals_of(payments.get(&inv.id).map_or(&[][..], Vec::as_slice));
                let outstanding = if inv.is_open() {
                    inv.amount_minor.saturating_sub(t.paid_minor).max(0)
                } else {
                    0
                };
                let cur = &inv.currency;
                vec![vec![
                    inv.number.clone(),
                    inv.issued_on.to_string(),
                    inv.due_on.to_string(),
                    status_text(inv, t.paid_minor),
                    r.sponsor_name.clone(),
                    inv.description.clone(),
                    invoices::money_plain(inv.amount_minor, cur),
                    cur.clone(),
                    invoices::money_plain(t.paid_minor, cur),
                    invoices::money_plain(t.refunded_minor, cur),
                    invoices::money_plain(outstanding, cur),
                    inv.paid_at
                        .map(|d| d.date().to_string())
                        .unwrap_or_default(),
                ]]
            },
        ))
    })
    .await
}

/// `GET /staff/payments.csv?status=open`: every payment and refund recorded on the invoices
/// the list shows; streamed a chunk of invoices at a time.
pub async fn export_payments_csv(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let status = status_filter(&q);
    const HEADER: &[&str] = &[
        "Invoice",
        "Sponsor",
        "Kind",
        "Method",
        "Amount",
        "Currency",
        "Received on",
        "Reference",
        "Counted",
        "Note",
        "Recorded by",
    ];
    csv_export::stream(&staff.state.db, "payments.csv", HEADER, move |c, after| {
        let list = invoices::chunk_after(c, status.as_deref(), after, csv_export::CHUNK)?;
        let ids: Vec<i64> = list.iter().map(|r| r.invoice.id).collect();
        let mut payments = invoices::payments_of_all(c, &ids)?;
        Ok(Chunk::of(
            list,
            |r| r.invoice.id,
            |r| {
                payments
                    .remove(&r.invoice.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| {
                        vec![
                            r.invoice.number.clone(),
                            r.sponsor_name.clone(),
                            if p.is_refund() { "Refund" } else { "Payment" }.to_string(),
                            p.method_label().to_string(),
                            invoices::money_plain(p.amount_minor, &p.currency),
                            p.currency.clone(),
                            p.received_on.to_string(),
                            p.reference.clone(),
                            if p.flagged { "no: to check" } else { "yes" }.to_string(),
                            p.flag_note.clone(),
                            p.recorded_by.clone(),
                        ]
                    })
                    .collect()
            },
        ))
    })
    .await
}

/// `GET /staff/invoices?status=open`.
pub async fn list(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let status = status_filter(&q);
    let filter = status.clone();
    let asked = q.page.clone();
    let page_url = crate::web::pager::links(
        "/staff/invoices",
        status
            .as_ref()
            .map(|s| format!("status={s}"))
            .unwrap_or_default(),
    );
    let settings = staff.state.settings.clone();
    let (rows, pager, flagged, ready, billing_missing) = staff
        .state
        .db
        .run(move |c| {
            let ready = sponsorships::list(
                c,
                &sponsorships::Filter {
                    status: Some(crate::domain::sponsorship::Status::AgreementAccepted),
                    ..Default::default()
                },
                200,
            )?;
            let total = invoices::count(c, filter.as_deref())?;
            let pager = Pager::new(Some(asked.as_str()), total, PER_PAGE, page_url);
            let list = invoices::page(c, filter.as_deref(), pager.offset(), PER_PAGE)?;
            let ids: Vec<i64> = list.iter().map(|r| r.invoice.id).collect();
            let payments = invoices::payments_of_all(c, &ids)?;
            let rows = list
                .into_iter()
                .map(|r| {
                    let paid = if r.invoice.is_open() {
                        invoices::totals_of(
                            payments.get(&r.invoice.id).map_or(&[][..], Vec::as_slice),
                        )
                        .paid_minor
                    } else {
                        0
                    };
                    let shown = status_text(&r.invoice, paid);
                    (r, shown)
                })
                .collect();
            let missing = billing::missing_invoice_details(c, &settings)?;
            Ok((rows, pager, invoices::flagged(c)?.len(), ready, missing))
        })
        .await?;
    render(&ListPage {
        pager,
        layout: staff.layout("Invoices", "/staff/invoices"),
        rows,
        status: status.unwrap_or_default(),
        can_open_sponsorships: can_open_sponsorships(&staff),
        statuses: STATUSES,
        flagged,
        ready,
        billing_missing,
    })
}

/// One of the two money forms (payment or refund) as typed.
#[derive(Clone, Debug, Default)]
pub struct MoneyInput {
    pub method: String,
    pub reference: String,
    pub received_on: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "staff/billing/invoices/show.html")]
struct ShowPage {
    layout: Layout,
    inv: Invoice,
    sponsor_id: i64,
    sponsor_name: String,
    can_open_sponsorships: bool,
    /// "Awaiting payment", "Partly paid — $15,000.00 due", "Paid", …
    status_text: String,
    payments: Vec<Payment>,
    paid: String,
    refunded: String,
    outstanding: String,
    net: i64,
    methods: [(&'static str, &'static str); 5],
    pay: MoneyInput,
    refund: MoneyInput,
    errors: FormErrors,
    /// The reason typed in the "void this invoice" form.
    void_reason: String,
}

impl ShowPage {
    /// An invoice can be voided while it waits for payment and nothing was recorded on it.
    fn can_void(&self) -> bool {
        self.inv.is_open() && self.payments.is_empty()
    }
    /// The refund form: once something was paid, or to show what was wrong with one.
    fn show_refund(&self) -> bool {
        self.net > 0
            || [
                "refund_method",
                "refund_amount",
                "refund_received_on",
                "refund_reference",
            ]
            .iter()
            .any(|k| self.errors.has(k))
    }
    fn amount_hint(&self) -> String {
        format!("In {}.", self.inv.currency)
    }
    fn refund_hint(&self) -> String {
        format!(
            "In {}. Refunding everything paid cancels the sponsorship.",
            self.inv.currency
        )
    }
    fn created(&self, p: &Payment) -> String {
        fmt_time(&p.created_at)
    }
}

async fn show_page(
    staff: &S,
    id: i64,
    pay: Option<MoneyInput>,
    refund: Option<MoneyInput>,
    errors: FormErrors,
) -> AppResult<ShowPage> {
    let (inv, sponsor_id, sponsor_name, payments, totals) = staff
        .state
        .db
        .run(move |c| {
            let inv = invoices::find(c, id)?;
            let s = sponsorships::find(c, inv.sponsorship_id)?;
            let sponsor = sponsors::find(c, s.sponsor_id)?;
            let payments = invoices::payments_of(c, id)?;
            let totals = invoices::totals(c, id)?;
            Ok((inv, sponsor.id, sponsor.name, payments, totals))
        })
        .await?;
    let outstanding = if inv.is_open() {
        inv.amount_minor.saturating_sub(totals.paid_minor)
    } else {
        0
    };
    let plain = |minor: i64| {
        Money::from_db(minor, &inv.currency)
            .map(|m| m.plain())
            .unwrap_or_default()
    };
    let today = today().format("%Y-%m-%d").to_string();
    let pay = pay.unwrap_or_else(|| MoneyInput {
        method: "bank_transfer".into(),
        received_on: today.clone(),
        amount: if outstanding > 0 {
            plain(outstanding)
        } else {
            String::new()
        },
        ..Default::default()
    });
    let refund = refund.unwrap_or_else(|| MoneyInput {
        method: "bank_transfer".into(),
        received_on: today,
        ..Default::default()
    });
    Ok(ShowPage {
        layout: staff.layout(&format!("Invoice {}", inv.number), "/staff/invoices"),
        paid: money_label(totals.paid_minor, &inv.currency),
        refunded: money_label(totals.refunded_minor, &inv.currency),
        outstanding: money_label(outstanding, &inv.currency),
        net: totals.net_minor(),
        status_text: status_text(&inv, totals.paid_minor),
        can_open_sponsorships: can_open_sponsorships(staff),
        inv,
        sponsor_id,
        sponsor_name,
        payments,
        methods: METHODS,
        pay,
        refund,
        errors,
        void_reason: String::new(),
    })
}

/// `GET /staff/invoices/{id}`.
pub async fn show(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&show_page(&staff, *id, None, None, FormErrors::new()).await?)
}

/// `POST /staff/invoices/{id}/void`: voids an open invoice with nothing paid on it, so a
/// corrected one can be issued (the number stays taken: no gaps).
pub async fn void(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let typed = Fields(form.into_inner()).get("void_reason");
    let checked = text::optional_multi_line(&typed, "the reason", 2000).and_then(|r| {
        if r.is_empty() {
            Err("Say why the invoice is void: the sponsor's billing contacts receive it.".into())
        } else {
            Ok(r)
        }
    });
    let reason = match checked {
        Ok(r) => r,
        Err(m) => {
            let mut errors = FormErrors::new();
            errors.add("void_reason", m);
            let mut page = show_page(&staff, id, None, None, errors).await?;
            page.void_reason = typed;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let settings = staff.state.settings.clone();
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| billing::void_invoice(c, &settings, &actor, id, &reason))
        .await;
    let back = format!("/staff/invoices/{id}");
    match r {
        Ok(inv) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            &format!(
                "Invoice {} is void and the billing contacts have been told. Issue the corrected one from the Invoices page.",
                inv.number
            ),
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

/// `POST /staff/invoices/{id}/payments`: a payment (`kind=payment`) or a refund
/// (`kind=refund`, fields prefixed `refund_`) recorded by hand.
pub async fn record(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    let kind = match f.get("kind").as_str() {
        "payment" => Kind::Payment,
        "refund" => Kind::Refund,
        _ => {
            return Err(AppError::BadRequest(
                "The form did not say whether this is a payment or a refund.".into(),
            ));
        }
    };
    let prefix = if kind == Kind::Refund { "refund_" } else { "" };
    let field = |name: &str| format!("{prefix}{name}");
    let input = MoneyInput {
        method: f.get(&field("method")),
        reference: f.get(&field("reference")),
        received_on: f.get(&field("received_on")),
        amount: f.get(&field("amount")),
    };
    let inv = staff
        .state
        .db
        .run(move |c| Ok(invoices::find(c, id)?))
        .await?;
    let mut errors = FormErrors::new();
    if !METHODS.iter().any(|(k, _)| *k == input.method) {
        errors.add(&field("method"), "Choose how the money came or went.");
    }
    let reference = text::optional_multi_line(&input.reference, "the reference", 200)
        .and_then(|r| {
            if r.contains('\n') {
                Err("The reference must be on one line.".to_string())
            } else {
                Ok(r)
            }
        })
        .map_err(|m| errors.add(&field("reference"), m))
        .ok();
    let received_on = parse_date(
        &input.received_on,
        if kind == Kind::Refund {
            "the date the refund was made"
        } else {
            "the date the money arrived"
        },
    )
    .map_err(|m| errors.add(&field("received_on"), m))
    .ok();
    if received_on.is_some_and(|d| d > today() + chrono::Duration::days(1)) {
        errors.add(&field("received_on"), "The date cannot be in the future.");
    }
    let currency = Currency::parse(&inv.currency).map_err(AppError::BadRequest)?;
    let amount = match Money::parse(&input.amount, currency) {
        Ok(m) if m.minor <= 0 => {
            errors.add(&field("amount"), "The amount must be more than zero.");
            None
        }
        Ok(m) => Some(m),
        Err(m) => {
            errors.add(&field("amount"), m);
            None
        }
    };
    let keep = |errors: FormErrors| {
        let (pay, refund) = if kind == Kind::Refund {
            (None, Some(input.clone()))
        } else {
            (Some(input.clone()), None)
        };
        (pay, refund, errors)
    };
    let (Some(reference), Some(received_on), Some(amount), true) =
        (reference, received_on, amount, errors.is_empty())
    else {
        let (pay, refund, errors) = keep(errors);
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(&staff, id, pay, refund, errors).await?,
        );
    };
    let p = PaymentInput {
        invoice_id: id,
        kind,
        method: input.method.clone(),
        amount_minor: amount.minor,
        currency: inv.currency.clone(),
        reference,
        received_on,
        stripe_ref: None,
        refund_of: None,
    };
    let actor = staff.actor();
    let settings = staff.state.settings.clone();
    let r = staff
        .state
        .db
        .run(move |c| billing::record_manual(c, &settings, &actor, &p))
        .await;
    match r {
        Ok(_) => Ok(redirect_with_flash(
            &format!("/staff/invoices/{id}"),
            FlashKind::Success,
            if kind == Kind::Refund {
                "Refund recorded."
            } else {
                "Payment recorded."
            },
        )),
        Err(AppError::BadRequest(m)) | Err(AppError::Conflict(m)) => {
            let mut e = FormErrors::new();
            e.add(&field("amount"), m);
            let (pay, refund, errors) = keep(e);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_page(&staff, id, pay, refund, errors).await?,
            )
        }
        Err(e) => Err(e),
    }
}

/// `POST /staff/payments/{id}/accept`: a flagged payment, checked, now counts.
pub async fn accept(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let actor = staff.actor();
    let settings = staff.state.settings.clone();
    let (invoice_id, r) = staff
        .state
        .db
        .run(move |c| {
            let p = invoices::find_payment(c, id)?;
            Ok((
                p.invoice_id,
                billing::accept_flagged(c, &settings, &actor, id),
            ))
        })
        .await?;
    let back = format!("/staff/invoices/{invoice_id}");
    match r {
        Ok(()) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            "Payment accepted: it now counts towards the invoice.",
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

/// `GET /staff/invoices/{id}/print`.
pub async fn print(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    crate::web::invoice_print::page(&staff, id, None, false, format!("/staff/invoices/{id}")).await
}

/// `GET /staff/invoices/{id}/receipt`.
pub async fn receipt(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    crate::web::invoice_print::page(&staff, id, None, true, format!("/staff/invoices/{id}")).await
}
