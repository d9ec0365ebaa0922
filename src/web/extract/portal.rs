//! Who a portal visitor is: the sponsor contact (or grant applicant) whose private link is in
//! the portal cookie. Every portal handler takes `SponsorPortal` (or `GrantPortal`) and loads
//! records only through its `sponsor_id` (or `application_id`), so one link can never reach
//! another's records.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::Ctx;
use crate::error::AppError;
use crate::models::portal_tokens::{self, PortalToken, Scope};
use crate::web::middleware::{GRANT_PORTAL_COOKIE, PORTAL_COOKIE, build_cookie, cookie_name};

/// One kind of private link: the cookie that holds it once opened, what its tokens open, and
/// the pages it leads to.
#[derive(Clone, Copy, Debug)]
pub struct LinkKind {
    cookie: &'static str,
    scope: Scope,
    home: &'static str,
}

impl LinkKind {
    /// Sponsor contacts' links, to `/portal`.
    pub const SPONSOR: LinkKind = LinkKind {
        cookie: PORTAL_COOKIE,
        scope: Scope::Sponsor,
        home: "/portal",
    };
    /// Grant applicants' links, to `/grants/portal` (a cookie of their own, so one person can
    /// be both).
    pub const APPLICANT: LinkKind = LinkKind {
        cookie: GRANT_PORTAL_COOKIE,
        scope: Scope::GrantApplication,
        home: "/grants/portal",
    };

    /// What the link's tokens open.
    pub fn scope(self) -> Scope {
        self.scope
    }

    /// The overview the link opens; `{home}/link` is where a new link is asked for.
    pub fn home(self) -> &'static str {
        self.home
    }

    /// Stores the raw link token in the cookie (after the visitor opens their link).
    pub fn set_cookie(self, ctx: &Ctx, raw: &str) {
        ctx.info
            .add_cookie(build_cookie(self.cookie, raw.to_string(), ctx.info.https));
    }

    /// Removes the cookie (leaving, or when the link has expired).
    pub fn clear_cookie(self, ctx: &Ctx) {
        let mut c = build_cookie(self.cookie, String::new(), ctx.info.https);
        c.make_removal();
        ctx.info.add_cookie(c);
    }

    /// The live token in the request's cookie (its use recorded), or the error that sends the
    /// visitor to ask for a new link; a dead token's cookie is removed.
    fn signed_in(
        self,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> impl Future<Output = Result<(Ctx, PortalToken), AppError>> + 'static {
        let fut = Ctx::from_request(req, payload);
        let https = req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .map(|s| s.settings.https())
            .unwrap_or(false);
        let raw = req
            .cookie(&cookie_name(self.cookie, https))
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        let required = move |expired| AppError::LinkRequired {
            home: self.home,
            expired,
        };
        async move {
            let ctx = fut.await?;
            if raw.is_empty() {
                return Err(required(false));
            }
            let found = ctx
                .state
                .db
                .run(move |c| {
                    let t = portal_tokens::find_live(c, &raw, self.scope)?;
                    if let Some(t) = &t {
                        portal_tokens::touch(c, t)?;
                    }
                    Ok(t)
                })
                .await?;
            match found {
                Some(t) => Ok((ctx, t)),
                None => {
                    self.clear_cookie(&ctx);
                    Err(required(true))
                }
            }
        }
    }
}

/// A sponsor contact signed in by private link.
pub struct SponsorPortal {
    pub ctx: Ctx,
    pub sponsor_id: i64,
    /// The contact address the link was sent to.
    pub email: String,
    /// When the link in use expires.
    pub expires_at: chrono::NaiveDateTime,
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

impl FromRequest for SponsorPortal {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = LinkKind::SPONSOR.signed_in(req, payload);
        Box::pin(async move {
            let (ctx, t) = fut.await?;
            Ok(SponsorPortal {
                ctx,
                sponsor_id: t.scope_id,
                email: t.email,
                expires_at: t.expires_at,
            })
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

impl FromRequest for GrantPortal {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = LinkKind::APPLICANT.signed_in(req, payload);
        Box::pin(async move {
            let (ctx, t) = fut.await?;
            Ok(GrantPortal {
                ctx,
                application_id: t.scope_id,
                email: t.email,
            })
        })
    }
}
