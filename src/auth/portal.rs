//! Who a portal visitor is: the sponsor contact whose private link is in the portal cookie.
//! Every portal handler takes `SponsorPortal` and loads records only through its
//! `sponsor_id`, so one sponsor's link can never reach another's records.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::extract::Ctx;
use crate::error::AppError;
use crate::models::portal_tokens::{self, Scope};
use crate::web::middleware::{GRANT_PORTAL_COOKIE, PORTAL_COOKIE, build_cookie, cookie_name};

/// A sponsor contact signed in by private link.
pub struct SponsorPortal {
    pub ctx: Ctx,
    pub sponsor_id: i64,
    /// The contact address the link was sent to.
    pub email: String,
}

impl std::ops::Deref for SponsorPortal {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}

impl SponsorPortal {
    /// Who is acting, for the audit log and status histories.
    pub fn actor(&self) -> crate::services::audit::Actor {
        crate::services::audit::Actor::visitor(
            &format!("sponsor contact {}", self.email),
            self.ctx.client_addr(),
        )
    }
}

/// Stores the raw link token in the portal cookie (after the visitor opens their link).
pub fn set_portal_cookie(ctx: &Ctx, raw: &str) {
    ctx.info
        .add_cookie(build_cookie(PORTAL_COOKIE, raw.to_string(), ctx.info.https));
}

/// Removes the portal cookie (leaving the portal, or when the link has expired).
pub fn clear_portal_cookie(ctx: &Ctx) {
    let mut c = build_cookie(PORTAL_COOKIE, String::new(), ctx.info.https);
    c.make_removal();
    ctx.info.add_cookie(c);
}

impl FromRequest for SponsorPortal {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = Ctx::from_request(req, payload);
        let https = req
            .app_data::<actix_web::web::Data<crate::startup::AppState>>()
            .map(|s| s.settings.https())
            .unwrap_or(false);
        let raw = req
            .cookie(&cookie_name(PORTAL_COOKIE, https))
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        Box::pin(async move {
            let ctx = fut.await?;
            if raw.is_empty() {
                return Err(AppError::PortalLinkRequired { expired: false });
            }
            let lookup = raw.clone();
            let found = ctx
                .state
                .db
                .run(move |c| {
                    let t = portal_tokens::find_live(c, &lookup, Scope::Sponsor)?;
                    if let Some(t) = &t {
                        portal_tokens::touch(c, t)?;
                    }
                    Ok(t)
                })
                .await?;
            match found {
                Some(t) => Ok(SponsorPortal {
                    ctx,
                    sponsor_id: t.scope_id,
                    email: t.email,
                }),
                None => {
                    clear_portal_cookie(&ctx);
                    Err(AppError::PortalLinkRequired { expired: true })
                }
            }
        })
    }
}

/// A grant applicant signed in by private link: the link is scoped to one application, and
/// every applicant handler loads records only through `application_id`.
pub struct GrantPortal {
    pub ctx: Ctx,
    pub application_id: i64,
    /// The address the link was sent to.
    pub email: String,
}

impl std::ops::Deref for GrantPortal {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}

impl GrantPortal {
    /// Who is acting, for the audit log and the application's history.
    pub fn actor(&self) -> crate::services::audit::Actor {
        crate::services::audit::Actor::visitor(
            &format!("applicant {}", self.email),
            self.ctx.client_addr(),
        )
    }
}

/// Stores the raw link token in the applicant cookie.
pub fn set_grant_cookie(ctx: &Ctx, raw: &str) {
    ctx.info.add_cookie(build_cookie(
        GRANT_PORTAL_COOKIE,
        raw.to_string(),
        ctx.info.https,
    ));
}

/// Removes the applicant cookie.
pub fn clear_grant_cookie(ctx: &Ctx) {
    let mut c = build_cookie(GRANT_PORTAL_COOKIE, String::new(), ctx.info.https);
    c.make_removal();
    ctx.info.add_cookie(c);
}

impl FromRequest for GrantPortal {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = Ctx::from_request(req, payload);
        let https = req
            .app_data::<actix_web::web::Data<crate::startup::AppState>>()
            .map(|s| s.settings.https())
            .unwrap_or(false);
        let raw = req
            .cookie(&cookie_name(GRANT_PORTAL_COOKIE, https))
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        Box::pin(async move {
            let ctx = fut.await?;
            if raw.is_empty() {
                return Err(AppError::GrantLinkRequired { expired: false });
            }
            let lookup = raw.clone();
            let found = ctx
                .state
                .db
                .run(move |c| {
                    let t = portal_tokens::find_live(c, &lookup, Scope::GrantApplication)?;
                    if let Some(t) = &t {
                        portal_tokens::touch(c, t)?;
                    }
                    Ok(t)
                })
                .await?;
            match found {
                Some(t) => Ok(GrantPortal {
                    ctx,
                    application_id: t.scope_id,
                    email: t.email,
                }),
                None => {
                    clear_grant_cookie(&ctx);
                    Err(AppError::GrantLinkRequired { expired: true })
                }
            }
        })
    }
}
