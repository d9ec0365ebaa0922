//! `/usage/{token}`: the private page an outreach email links to. It shows one organisation
//! its own usage (charts drawn on the server) and the sponsorship levels at today's prices
//! for its size, to whoever holds the link until it expires; then it is gone. Its "do not
//! contact me again" part keeps working after that.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::{AppError, AppResult};
use crate::services::prospects as svc;
use crate::web::extract::Ctx;
use crate::web::layout::Layout;
use crate::web::usage_chart::{UsageChart, charts};
use crate::web::{redirect_with_flash, render};

#[derive(Template)]
#[template(path = "public/usage.html")]
struct UsagePage {
    layout: Layout,
    organisation: String,
    charts: Vec<UsageChart>,
    levels: Vec<svc::Level>,
    token: String,
    expires_on: String,
    org_size: Option<i32>,
    /// A sponsor before: it renews from its sponsor portal (the application form would turn
    /// it away as already known).
    former_sponsor: bool,
}

/// `GET /usage/{token}`.
pub async fn show(ctx: Ctx, token: web::Path<String>) -> AppResult<HttpResponse> {
    let raw = token.into_inner();
    let r = raw.clone();
    let client = ctx.client_addr().to_string();
    let today = chrono::Utc::now().date_naive();
    let found = ctx
        .state
        .db
        .run(move |c| svc::usage_page(c, &client, &r, today))
        .await?;
    let Some(svc::UsagePage {
        prospect: p,
        link,
        series,
        levels,
    }) = found
    else {
        return Err(AppError::Gone(
            "This private page has expired or does not exist. Ask the person who wrote to you \
             for a new link."
                .into(),
        ));
    };
    render(&UsagePage {
        layout: ctx.layout(
            &format!("{} and {}", p.name, ctx.settings().foundation_name),
            "",
        ),
        organisation: p.name,
        charts: charts(&series),
        levels,
        token: raw,
        expires_on: link.expires_at.format("%-d %B %Y").to_string(),
        org_size: p.org_size,
        former_sponsor: p.sponsor_id.is_some(),
    })
}

#[derive(Template)]
#[template(path = "public/usage_stop.html")]
struct StopPage {
    layout: Layout,
    email: String,
    token: String,
    done: bool,
}

/// `GET /usage/{token}/stop`: asks to confirm (a link followed by a mail scanner changes
/// nothing).
pub async fn stop_form(ctx: Ctx, token: web::Path<String>) -> AppResult<HttpResponse> {
    let raw = token.into_inner();
    let r = raw.clone();
    let found = ctx
        .state
        .db
        .run(move |c| {
            let Some((_, link)) = svc::stop_link(c, &r)? else {
                return Ok(None);
            };
            let done = crate::models::usage::is_do_not_contact(c, &link.email)?;
            Ok(Some((link.email, done)))
        })
        .await?;
    let Some((email, done)) = found else {
        return Err(AppError::NotFound);
    };
    render(&StopPage {
        layout: ctx.layout("Stop hearing from us", ""),
        email,
        token: raw,
        done,
    })
}

/// `POST /usage/{token}/stop`.
pub async fn stop(ctx: Ctx, token: web::Path<String>) -> AppResult<HttpResponse> {
    let raw = token.into_inner();
    let r = raw.clone();
    let client = ctx.client_addr().to_string();
    ctx.state
        .db
        .run(move |c| svc::stop_contact(c, &client, &r))
        .await?;
    Ok(redirect_with_flash(
        &format!("/usage/{raw}/stop"),
        crate::web::layout::FlashKind::Success,
        "Done: we will not write to you again, except for anything the law or a payment \
         requires.",
    ))
}
