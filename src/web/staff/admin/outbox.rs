//! The email outbox for administrators: what is waiting, what failed and why; retry.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::error::AppResult;
use crate::models::outbox::{self, OutboxLine, OutboxMessage};
use crate::services::audit;
use crate::web::extract::{AdminOnly, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::pager::Pager;
use crate::web::staff::{fmt_opt_time, fmt_time};
use crate::web::{redirect_with_flash, render};

#[derive(Deserialize)]
pub struct Filter {
    status: Option<String>,
    /// Part of a recipient's address.
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

/// Emails listed on a page.
const PER_PAGE: i64 = 100;

pub struct Tab {
    pub value: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "staff/admin/outbox/list.html")]
struct ListPage {
    layout: Layout,
    tabs: Vec<Tab>,
    status: String,
    /// The recipient searched for, as typed.
    to: String,
    rows: Vec<OutboxLine>,
    pager: Pager,
}

impl ListPage {
    /// The search, for the tabs' links ("" when none).
    fn to_query(&self) -> String {
        if self.to.is_empty() {
            String::new()
        } else {
            format!("&to={}", crate::domain::text::urlencode(&self.to))
        }
    }
    fn count(&self, n: &i64) -> String {
        crate::domain::text::thousands(*n)
    }
    fn time(&self, t: &chrono::NaiveDateTime) -> String {
        fmt_time(t)
    }
    fn opt_time(&self, t: &Option<chrono::NaiveDateTime>) -> String {
        fmt_opt_time(t)
    }
}

pub async fn list(staff: Staff<AdminOnly>, q: web::Query<Filter>) -> AppResult<HttpResponse> {
    let status = match q.status.as_deref() {
        Some("failed") => "failed",
        Some("sent") => "sent",
        _ => "pending",
    };
    let asked = q.page.clone();
    let to: String = q.to.trim().chars().take(254).collect();
    let to_q = crate::domain::text::urlencode(&to);
    let page_url = crate::web::pager::links(
        "/staff/outbox",
        if to.is_empty() {
            format!("status={status}")
        } else {
            format!("status={status}&to={to_q}")
        },
    );
    let search = to.clone();
    let (rows, counts, pager) = staff
        .state
        .db
        .run(move |c| {
            let counts = [
                outbox::count_with_status_to(c, "pending", &search)?,
                outbox::count_with_status_to(c, "failed", &search)?,
                outbox::count_with_status_to(c, "sent", &search)?,
            ];
            let total = match status {
                "pending" => counts[0],
                "failed" => counts[1],
                _ => counts[2],
            };
            let pager = Pager::new(Some(asked.as_str()), total, PER_PAGE, page_url);
            let rows = outbox::page(c, status, &search, pager.offset(), PER_PAGE)?;
            Ok((rows, counts, pager))
        })
        .await?;
    let tabs = [
        ("pending", "Waiting"),
        ("failed", "Failed"),
        ("sent", "Sent"),
    ]
    .iter()
    .zip(counts)
    .map(|((value, label), count)| Tab {
        value,
        label,
        count,
        current: *value == status,
    })
    .collect();
    render(&ListPage {
        layout: staff.layout("Email outbox", "/staff/outbox"),
        tabs,
        status: status.to_string(),
        to,
        rows,
        pager,
    })
}

#[derive(Template)]
#[template(path = "staff/admin/outbox/show.html")]
struct ShowPage {
    layout: Layout,
    m: OutboxMessage,
    /// The text as sent, private links masked.
    text: String,
    created: String,
    next_attempt: String,
    sent: String,
    keep_days: i64,
}

pub async fn show(staff: Staff<AdminOnly>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let m = staff
        .state
        .db
        .run(move |c| Ok(outbox::find(c, id)?))
        .await?;
    render(&ShowPage {
        layout: staff.layout("Email", "/staff/outbox"),
        created: fmt_time(&m.created_at),
        next_attempt: fmt_time(&m.next_attempt_at),
        sent: fmt_opt_time(&m.sent_at),
        keep_days: staff.settings().outbox_keep_bodies_days,
        text: crate::domain::text::mask_private_links(&m.body_text),
        m,
    })
}

pub async fn retry(staff: Staff<AdminOnly>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let actor = staff.actor();
    let n = staff
        .state
        .db
        .run(move |c| {
            crate::db::write_tx(c, |c| {
                outbox::find(c, id)?;
                let n = outbox::retry_now(c, id)?;
                if n == 1 {
                    audit::record(
                        c,
                        &actor,
                        "email.retry",
                        Some(("outbox", &id.to_string())),
                        "",
                    )?;
                }
                Ok(n)
            })
        })
        .await?;
    Ok(if n == 1 {
        redirect_with_flash(
            "/staff/outbox",
            FlashKind::Success,
            "The email will be sent again in a moment.",
        )
    } else {
        redirect_with_flash(
            "/staff/outbox?status=sent",
            FlashKind::Info,
            "That email has already been sent.",
        )
    })
}
