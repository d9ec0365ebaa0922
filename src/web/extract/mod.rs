//! Extractors: `Ctx` for every page (user if signed in, CSRF token, flash), and
//! `Staff<Rule>`, which admits only signed-in staff whose roles satisfy the rule. Access
//! control for an area is the rule in its handlers' signatures.

pub mod portal;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use rand::RngCore;

use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::models::sessions;
use crate::models::users::{self, User, UserId};
use crate::services::Actor;
use crate::state::AppState;
use crate::web::layout::{Flash, Layout, UserView, parse_flash};
use crate::web::middleware::{
    CSRF_COOKIE, FLASH_COOKIE, RequestInfo, SESSION_COOKIE, build_cookie, cookie_name,
};

/// The signed-in staff member behind a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: User,
    pub roles: Vec<Role>,
    /// Digest of the session token (the session's primary key).
    pub session_hash: String,
}

/// Everything a handler needs about the request, whoever sent it.
pub struct Ctx {
    pub state: web::Data<AppState>,
    pub info: Rc<RequestInfo>,
    pub current: Option<CurrentUser>,
    pub csrf_token: String,
    pub flashes: Vec<Flash>,
    pub user_agent: String,
    /// The request's path (without the query).
    pub path: String,
}

impl Ctx {
    pub fn settings(&self) -> &crate::config::Settings {
        &self.state.settings
    }

    /// The layout for a page; `section` is the nav href to highlight.
    pub fn layout(&self, title: &str, section: &str) -> Layout {
        let mut l = Layout::bare(title, &self.state.settings.foundation_name)
            .public_at(&self.state.settings.base_url, &self.path);
        l.csrf = self.csrf_token.clone();
        l.flashes = self.flashes.clone();
        if let Some(c) = &self.current {
            let view = UserView {
                id: c.user.id,
                name: c.user.name.clone(),
                email: c.user.email.clone(),
                roles: c.roles.clone(),
            };
            l.nav = Layout::nav_for(&view, section);
            l.user = Some(view);
        }
        l
    }

    /// Who is acting, for the audit log.
    pub fn actor(&self) -> Actor {
        match &self.current {
            Some(c) => Actor::from_user(&c.user, &self.info.client_addr),
            None => Actor::visitor("visitor", &self.info.client_addr),
        }
    }

    pub fn client_addr(&self) -> &str {
        &self.info.client_addr
    }

    /// Sets the session cookie (after sign-in) and a fresh CSRF nonce with it.
    pub fn start_session_cookie(&self, raw_token: &str) {
        let https = self.info.https;
        self.info
            .add_cookie(build_cookie(SESSION_COOKIE, raw_token.to_string(), https));
    }

    /// Removes the session cookie.
    pub fn end_session_cookie(&self) {
        let mut c = build_cookie(SESSION_COOKIE, String::new(), self.info.https);
        c.make_removal();
        self.info.add_cookie(c);
    }
}

fn new_nonce() -> String {
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no app state")))?;
            let info = req
                .extensions()
                .get::<Rc<RequestInfo>>()
                .cloned()
                .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no request info")))?;
            let https = info.https;

            // The signed-in user, if the session cookie names a live session.
            let raw_session = req
                .cookie(&cookie_name(SESSION_COOKIE, https))
                .map(|c| c.value().to_string())
                .filter(|v| !v.is_empty());
            let mut current = None;
            if let Some(raw) = raw_session.clone() {
                if crate::auth::token::looks_valid(&raw) {
                    let hash = crate::auth::token::digest(&raw);
                    let idle = chrono::Duration::minutes(state.settings.session_idle_minutes);
                    current = state.db.run(move |c| load_current(c, &hash, idle)).await?;
                }
                if current.is_none() {
                    let mut gone = build_cookie(SESSION_COOKIE, String::new(), https);
                    gone.make_removal();
                    info.add_cookie(gone);
                }
            }
            // The CSRF token is bound to the session cookie the browser holds now.
            let staff_session = if current.is_some() {
                raw_session.unwrap_or_default()
            } else {
                String::new()
            };
            let portal_cookie = crate::web::middleware::portal_cookies(&req, https);
            let session_for_csrf = crate::auth::csrf::binding(&staff_session, &portal_cookie);

            let nonce = match req.cookie(&cookie_name(CSRF_COOKIE, https)) {
                Some(c) if c.value().len() >= 32 => c.value().to_string(),
                _ => {
                    let n = new_nonce();
                    info.add_cookie(build_cookie(CSRF_COOKIE, n.clone(), https));
                    n
                }
            };
            let csrf_token =
                crate::auth::csrf::token_for(&state.csrf_key, &nonce, &session_for_csrf);

            let mut flashes = Vec::new();
            if let Some(c) = req.cookie(FLASH_COOKIE) {
                if let Some(f) = parse_flash(c.value()) {
                    flashes.push(f);
                }
                let mut gone = actix_web::cookie::Cookie::build(FLASH_COOKIE, "")
                    .path("/")
                    .finish();
                gone.make_removal();
                info.add_cookie(gone);
            }
            let user_agent = req
                .headers()
                .get("User-Agent")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();

            Ok(Ctx {
                state,
                info,
                current,
                csrf_token,
                flashes,
                user_agent,
                path: req.path().to_string(),
            })
        })
    }
}

fn load_current(
    conn: &mut crate::db::DbConn,
    hash: &str,
    idle: chrono::Duration,
) -> AppResult<Option<CurrentUser>> {
    let Some(s) = sessions::find_live(conn, hash, idle)? else {
        return Ok(None);
    };
    let user = users::find(conn, UserId(s.user_id))?;
    if user.is_disabled {
        sessions::delete(conn, hash)?;
        return Ok(None);
    }
    sessions::touch(conn, &s)?;
    let roles = users::roles_of(conn, user.user_id())?;
    Ok(Some(CurrentUser {
        user,
        roles,
        session_hash: s.id_hash,
    }))
}

/// A rule over a user's roles.
pub trait RoleRule {
    fn allows(roles: &[Role]) -> bool;
}

/// Any signed-in staff member, whatever their roles.
pub struct AnyStaff;
impl RoleRule for AnyStaff {
    fn allows(_: &[Role]) -> bool {
        true
    }
}

macro_rules! role_rule {
    ($name:ident, $doc:literal, [$($role:expr),+]) => {
        #[doc = $doc]
        pub struct $name;
        impl RoleRule for $name {
            fn allows(roles: &[Role]) -> bool {
                [$($role),+].iter().any(|r| roles.contains(r))
            }
        }
    };
}

role_rule!(AdminOnly, "Administrators.", [Role::Admin]);
role_rule!(
    SponsorshipsStaff,
    "Staff who manage sponsors, tiers and sponsorships.",
    [Role::Sponsorships]
);
role_rule!(
    PlacementsStaff,
    "Staff who manage thank-you placements: editors and sponsorship staff.",
    [Role::Editor, Role::Sponsorships]
);
role_rule!(
    MoneyStaff,
    "Staff who issue invoices and record payments and refunds: the treasurer and sponsorship staff.",
    [Role::Treasurer, Role::Sponsorships]
);

role_rule!(
    GrantsStaff,
    "Staff who review or decide grant applications.",
    [Role::GrantsReviewer, Role::GrantsDecider]
);
role_rule!(
    GrantsDeciders,
    "Staff who decide grant applications against the budget.",
    [Role::GrantsDecider]
);
role_rule!(
    GrantsMoney,
    "Staff who see grant budgets and payments: deciders and the treasurer.",
    [Role::GrantsDecider, Role::Treasurer]
);
role_rule!(
    GrantsAdmin,
    "Staff who set up grant programmes, budgets, quorum and exchange rates.",
    [Role::Admin, Role::GrantsDecider, Role::Treasurer]
);
role_rule!(
    ConferenceStaff,
    "Staff who manage conference budgets: the treasurer and administrators.",
    [Role::Treasurer, Role::Admin]
);
role_rule!(
    StoryEditors,
    "Editors, who write, publish and return success stories.",
    [Role::Editor]
);
role_rule!(
    SiteEditors,
    "Who keep the public website's text: administrators and editors.",
    [Role::Admin, Role::Editor]
);
role_rule!(
    OutreachStaff,
    "Who see prospects and usage figures and write to prospects: sponsorship staff and administrators.",
    [Role::Sponsorships, Role::Admin]
);
role_rule!(
    TreasurerOnly,
    "The treasurer, who records money paid out.",
    [Role::Treasurer]
);

/// A signed-in staff member whose roles satisfy `R`; otherwise sign-in (GET) or 403.
pub struct Staff<R: RoleRule> {
    pub ctx: Ctx,
    pub user: CurrentUser,
    _rule: PhantomData<R>,
}

impl<R: RoleRule> std::ops::Deref for Staff<R> {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}

impl<R: RoleRule + 'static> FromRequest for Staff<R> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = Ctx::from_request(req, payload);
        let method = req.method().clone();
        let path_and_query = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        Box::pin(async move {
            let ctx = fut.await?;
            let Some(user) = ctx.current.clone() else {
                let next = if method == Method::GET {
                    path_and_query
                } else {
                    String::new()
                };
                return Err(AppError::LoginRequired { next });
            };
            if !R::allows(&user.roles) {
                return Err(AppError::Forbidden);
            }
            Ok(Staff {
                ctx,
                user,
                _rule: PhantomData,
            })
        })
    }
}
