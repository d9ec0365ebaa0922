//! `/portal/link`: ask for a fresh private link by entering a contact address. The answer is
//! the same whether the address is known or not; `/portal/leave` ends the visit.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::Ctx;
use crate::auth::portal::LinkKind;
use crate::domain::{EmailAddress, FormErrors};
use crate::error::AppResult;
use crate::services::Actor;
use crate::services::portal_actions;
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render, render_status};

#[derive(Template)]
#[template(path = "portal/link.html")]
struct LinkPage {
    layout: Layout,
    email: String,
    errors: FormErrors,
    /// Why the visitor is here: "expired", "unknown", or "".
    reason: &'static str,
    sent: bool,
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    expired: Option<String>,
    #[serde(default)]
    unknown: Option<String>,
    #[serde(default)]
    sent: Option<String>,
}

/// `GET /portal/link`.
pub async fn form(ctx: Ctx, q: web::Query<LinkQuery>) -> AppResult<HttpResponse> {
    let reason = if q.expired.is_some() {
        "expired"
    } else if q.unknown.is_some() {
        "unknown"
    } else {
        ""
    };
    render(&LinkPage {
        layout: ctx.layout("Your sponsor portal link", ""),
        email: String::new(),
        errors: FormErrors::new(),
        reason,
        sent: q.sent.is_some(),
    })
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    email: String,
}

/// `POST /portal/link`: emails a link to each sponsor the address is a contact of, within
/// the throttle; always answers the same way.
pub async fn request(ctx: Ctx, form: web::Form<LinkForm>) -> AppResult<HttpResponse> {
    let typed: String = form.into_inner().email.chars().take(300).collect();
    let email = match EmailAddress::parse(&typed) {
        Ok(e) => e,
        Err(m) => {
            let mut errors = FormErrors::new();
            errors.add("email", m);
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &LinkPage {
                    layout: ctx.layout("Your sponsor portal link", ""),
                    email: typed,
                    errors,
                    reason: "",
                    sent: false,
                },
            );
        }
    };
    let actor = Actor::visitor("portal link request", ctx.client_addr());
    let settings = ctx.state.settings.clone();
    ctx.state
        .db
        .run(move |c| portal_actions::request_links(c, &settings, &actor, &email))
        .await?;
    Ok(redirect_with_flash(
        "/portal/link?sent=1",
        FlashKind::Info,
        "If that address is one of our sponsor contacts, a link is on its way. It can take a few minutes to arrive.",
    ))
}

/// `POST /portal/leave`: forgets the link in this browser.
pub async fn leave(ctx: Ctx) -> AppResult<HttpResponse> {
    LinkKind::SPONSOR.clear_cookie(&ctx);
    Ok(redirect_with_flash(
        "/portal/link",
        FlashKind::Success,
        "You have left the sponsor portal. Your emailed link still works until it expires.",
    ))
}
