//! Payments waiting for a person: Stripe events no invoice could be found for ("unmatched
//! payments"), to apply to an invoice or dismiss with a note, and payments flagged because
//! their amount or currency differed from what was due, to accept.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::models::invoices::{self, money_label};
use crate::payments::{events, store};
use crate::services::billing;
use crate::web::extract::{MoneyStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::fmt_time;
use crate::web::{redirect_with_flash, render_status};

const QUEUE: &str = "/staff/payments/unmatched";

pub struct UnmatchedView {
    pub event_id: String,
    pub event_type: String,
    pub amount: String,
    pub email: String,
    pub description: String,
    pub received: String,
    pub detail: String,
}

pub struct FlaggedView {
    pub id: i64,
    pub invoice_id: i64,
    pub invoice_number: String,
    pub amount: String,
    pub method: String,
    pub reference: String,
    pub note: String,
}

/// A form error shown next to one event's field.
#[derive(Default)]
pub struct RowError {
    pub event_id: String,
    pub field: String,
    pub message: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "staff/billing/unmatched_payments.html")]
struct QueuePage {
    layout: Layout,
    unmatched: Vec<UnmatchedView>,
    flagged: Vec<FlaggedView>,
    error: RowError,
}

fn first_text<'a>(v: &'a Value, paths: &[&[&str]]) -> Option<&'a str> {
    paths.iter().find_map(|p| {
        let mut cur = v;
        for k in *p {
            cur = cur.get(*k)?;
        }
        cur.as_str().filter(|s| !s.is_empty())
    })
}

fn view(e: store::StripeEventRow) -> UnmatchedView {
    let parsed: Option<events::Event> = serde_json::from_str(&e.payload).ok();
    let obj = parsed.as_ref().map(|p| &p.data.object);
    let amount = obj
        .and_then(|o| events::money_of(&e.event_type, o))
        .map(|m| {
            let label = money_label(m.amount_minor, &m.currency);
            if m.kind == billing::Kind::Refund {
                format!("{label} refunded")
            } else {
                label
            }
        })
        .unwrap_or_else(|| "—".into());
    let email = obj
        .and_then(|o| {
            first_text(
                o,
                &[
                    &["customer_details", "email"],
                    &["customer_email"],
                    &["receipt_email"],
                    &["billing_details", "email"],
                ],
            )
        })
        .unwrap_or("")
        .to_string();
    let description = obj
        .and_then(|o| first_text(o, &[&["description"]]))
        .unwrap_or("")
        .to_string();
    UnmatchedView {
        event_id: e.event_id,
        event_type: e.event_type,
        amount,
        email,
        description,
        received: fmt_time(&e.received_at),
        detail: e.detail,
    }
}

async fn page(
    staff: &Staff<MoneyStaff>,
    status: StatusCode,
    error: RowError,
) -> AppResult<HttpResponse> {
    let (events, flagged) = staff
        .state
        .db
        .run(|c| {
            let events = store::unmatched(c, 200)?;
            let mut flagged = Vec::new();
            for p in invoices::flagged(c)? {
                let inv = invoices::find(c, p.invoice_id)?;
                flagged.push(FlaggedView {
                    id: p.id,
                    invoice_id: inv.id,
                    invoice_number: inv.number,
                    amount: p.amount_label(),
                    method: p.method_label().to_string(),
                    reference: p.reference,
                    note: p.flag_note,
                });
            }
            Ok((events, flagged))
        })
        .await?;
    render_status(
        status,
        &QueuePage {
            layout: staff.layout("Payments to check", QUEUE),
            unmatched: events.into_iter().map(view).collect(),
            flagged,
            error,
        },
    )
}

/// `GET /staff/payments/unmatched`
pub async fn queue(staff: Staff<MoneyStaff>) -> AppResult<HttpResponse> {
    page(&staff, StatusCode::OK, RowError::default()).await
}

#[derive(Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    invoice_number: String,
}

/// `POST /staff/payments/unmatched/{event}/apply`: records the event's payment against the
/// invoice with that number and marks the event resolved, once.
pub async fn apply(
    staff: Staff<MoneyStaff>,
    path: web::Path<String>,
    form: web::Form<ApplyForm>,
) -> AppResult<HttpResponse> {
    let event_id = path.into_inner();
    let number = form.invoice_number.trim().to_string();
    if number.is_empty() || number.len() > 40 {
        return page(
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            RowError {
                event_id,
                field: "invoice_number".into(),
                message: "Enter the invoice number, e.g. 2027-0042.".into(),
                value: number,
            },
        )
        .await;
    }
    let settings = staff.state.settings.clone();
    let actor = staff.actor();
    let (id, n) = (event_id.clone(), number.clone());
    let result = staff
        .state
        .db
        .run(move |c| events::apply_unmatched(c, &settings, &actor, &id, &n))
        .await;
    match result {
        Ok(inv) => Ok(redirect_with_flash(
            QUEUE,
            FlashKind::Success,
            &format!("The payment was applied to invoice {}.", inv.number),
        )),
        Err(AppError::BadRequest(message)) => {
            page(
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                RowError {
                    event_id,
                    field: "invoice_number".into(),
                    message,
                    value: number,
                },
            )
            .await
        }
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(QUEUE, FlashKind::Info, &m)),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct DismissForm {
    #[serde(default)]
    note: String,
}

/// `POST /staff/payments/unmatched/{event}/dismiss`: resolved without touching any invoice,
/// with a note saying why.
pub async fn dismiss(
    staff: Staff<MoneyStaff>,
    path: web::Path<String>,
    form: web::Form<DismissForm>,
) -> AppResult<HttpResponse> {
    let event_id = path.into_inner();
    let note = form.note.trim().to_string();
    let problem = if note.is_empty() {
        Some("Say why, e.g. \u{201c}refunded in Stripe directly\u{201d}.")
    } else if note.chars().count() > 500 {
        Some("Keep the note under 500 characters.")
    } else {
        None
    };
    if let Some(message) = problem {
        return page(
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            RowError {
                event_id,
                field: "note".into(),
                message: message.into(),
                value: note,
            },
        )
        .await;
    }
    let actor = staff.actor();
    let id = event_id.clone();
    let result = staff
        .state
        .db
        .run(move |c| events::dismiss_unmatched(c, &actor, &id, &note))
        .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            QUEUE,
            FlashKind::Success,
            "The payment was dismissed with your note.",
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(QUEUE, FlashKind::Info, &m)),
        Err(e) => Err(e),
    }
}

/// `POST /staff/payments/flagged/{id}/accept`: a flagged payment counts after all.
pub async fn accept(staff: Staff<MoneyStaff>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let settings = staff.state.settings.clone();
    let actor = staff.actor();
    let result = staff
        .state
        .db
        .run(move |c| billing::accept_flagged(c, &settings, &actor, id))
        .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            QUEUE,
            FlashKind::Success,
            "The payment now counts towards its invoice.",
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(QUEUE, FlashKind::Info, &m)),
        Err(e) => Err(e),
    }
}
