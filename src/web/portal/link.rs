//! `/portal/link`: ask for a fresh private link by entering a contact address. The answer is
//! the same whether the address is known or not; `/portal/leave` ends the visit.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::{EmailAddress, FormErrors};
use crate::error::AppResult;
use crate::services::Actor;
use crate::services::portal_actions;
use crate::web::extract::Ctx;
use crate::web::extract::portal::LinkKind;
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

/// The query of a page where a new private link is asked for (sponsors' and applicants').
#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    expired: Option<String>,
    #[serde(default)]
    unknown: Option<String>,
    #[serde(default)]
    sent: Option<String>,
}

impl LinkQuery {
    /// Why the visitor is here: "expired", "unknown", or "".
    pub(super) fn reason(&self) -> &'static str {
        if self.expired.is_some() {
            "expired"
        } else if self.unknown.is_some() {
            "unknown"
        } else {
            ""
        }
    }

    /// A link request was just answered.
    pub(super) fn sent(&self) -> bool {
        self.sent.is_some()
    }
}

/// `GET /portal/link`.
pub async fn form(ctx: Ctx, q: web::Query<LinkQuery>) -> AppResult<HttpResponse> {
    render(&LinkPage {
        layout: ctx.layout("Your sponsor portal link", ""),
        email: String::new(),
        errors: FormErrors::new(),
        reason: q.reason(),
        sent: q.sent(),
    })
}

/// A request for a new private link.
#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    email: String,
}

impl LinkForm {
    /// The address, or what was typed (at most 300 characters) with the message for the form.
    pub(super) fn parse(self) -> Result<EmailAddress, (String, FormErrors)> {
        let typed: String = self.email.chars().take(300).collect();
        EmailAddress::parse(&typed).map_err(|m| {
            let mut errors = FormErrors::new();
            errors.add("email", m);
            (typed, errors)
        })
    }
}

/// `POST /portal/link`: emails a link to each sponsor the address is a contact of, within
/// the throttle; always answers the same way.
pub async fn request(ctx: Ctx, form: web::Form<LinkForm>) -> AppResult<HttpResponse> {
    let email = match form.into_inner().parse() {
        Ok(e) => e,
        Err((typed, errors)) => {
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
