//! The request context layer around every route: request id and logging, the client address,
//! CSRF verification and body limits for state-changing requests, cookies queued by
//! extractors, and the security headers on every response (error pages and static files too).

use std::cell::RefCell;
use std::future::{Ready, ready};
use std::net::IpAddr;
use std::rc::Rc;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{Error, HttpMessage, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use rand::RngCore;
use tracing::Instrument;

use crate::auth::csrf;
use crate::error::AppError;
use crate::state::AppState;

/// Largest urlencoded form body accepted (checked while reading, before buffering more).
pub const FORM_BODY_LIMIT: usize = 256 * 1024;
/// Most fields one form may carry.
pub const FORM_FIELD_LIMIT: usize = 500;
/// The name of the form field holding the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";

/// Facts about the request in hand, shared with extractors through request extensions.
pub struct RequestInfo {
    pub id: String,
    pub client_addr: String,
    pub https: bool,
    /// Cookies that extractors want set on the response.
    pub cookies_out: RefCell<Vec<Cookie<'static>>>,
}

impl RequestInfo {
    pub fn add_cookie(&self, c: Cookie<'static>) {
        self.cookies_out.borrow_mut().push(c);
    }
}

/// Cookie names; over HTTPS they carry the `__Host-` prefix, which pins them to this host.
pub fn cookie_name(base: &str, https: bool) -> String {
    if https {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

pub const SESSION_COOKIE: &str = "steward_session";
pub const CSRF_COOKIE: &str = "steward_csrf";
pub const FLASH_COOKIE: &str = "steward_flash";
/// Holds a sponsor's (or applicant's) private link after they open it, so the token leaves
/// the address bar and every later page knows who they are.
pub const PORTAL_COOKIE: &str = "steward_portal";
/// The grant applicant's private link (kept apart from a sponsor's, so one person can be both).
pub const GRANT_PORTAL_COOKIE: &str = "steward_grant";

/// The private-link cookies a browser holds (sponsor and applicant), for the CSRF binding.
pub fn portal_cookies(req: &actix_web::HttpRequest, https: bool) -> String {
    let get = |base: &str| {
        req.cookie(&cookie_name(base, https))
            .map(|c| c.value().to_string())
            .unwrap_or_default()
    };
    let (sponsor, grant) = (get(PORTAL_COOKIE), get(GRANT_PORTAL_COOKIE));
    if grant.is_empty() {
        sponsor
    } else {
        format!("{sponsor}|{grant}")
    }
}

/// A cookie with our standard attributes: HttpOnly, SameSite=Lax, path /, Secure on HTTPS.
pub fn build_cookie(base: &str, value: String, https: bool) -> Cookie<'static> {
    Cookie::build(cookie_name(base, https), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .finish()
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the last address
/// that proxy appended to `X-Forwarded-For` (earlier entries can be forged by the client).
pub fn client_addr(req: &ServiceRequest, trusted: &[String]) -> String {
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    if !trusted.iter().any(|t| t == &peer) {
        return peer;
    }
    let forwarded: Vec<String> = req
        .headers()
        .get_all("X-Forwarded-For")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_string())
        .collect();
    // Walk from the right, skipping our own proxies, to the first untrusted hop.
    for hop in forwarded.iter().rev() {
        if hop.parse::<IpAddr>().is_err() {
            break;
        }
        if !trusted.iter().any(|t| t == hop) {
            return hop.clone();
        }
    }
    peer
}

fn new_request_id() -> String {
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub struct Context;

impl<S, B> Transform<S, ServiceRequest> for Context
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = ContextMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ContextMiddleware {
            service: Rc::new(service),
        }))
    }
}

pub struct ContextMiddleware<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for ContextMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        Box::pin(async move {
            let started = Instant::now();
            let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
                return Err(actix_web::error::ErrorInternalServerError("no app state"));
            };
            let https = state.settings.https();
            let info = Rc::new(RequestInfo {
                id: new_request_id(),
                client_addr: client_addr(&req, &state.settings.trusted_proxies),
                https,
                cookies_out: RefCell::new(Vec::new()),
            });
            req.extensions_mut().insert(info.clone());
            let span = tracing::info_span!("request", id = %info.id);

            async move {
                let method = req.method().clone();
                let too_slow = Rc::new(std::cell::Cell::new(false));
                let queries = std::cell::Cell::new(0u64);
                if is_state_changing(&method) {
                    let body = req.take_payload();
                    req.set_payload(Payload::Stream {
                        payload: Box::pin(MinRate::new(body, too_slow.clone())),
                    });
                }
                // No clone of the request may live across the call: routing needs it unshared.
                let mut res = match guard_state_change(&mut req, &state, &method).await {
                    Err(e) => {
                        // This layer sits outside the error-page layer, so draw the page here.
                        let r = req.error_response(e);
                        match crate::web::errors::error_page(&r) {
                            Some(page) => r.into_response(page).map_into_right_body(),
                            None => r.map_into_right_body(),
                        }
                    }
                    Ok(()) => match counted(service.call(req), &queries).await {
                        // However the reader of a cut-off body answered (a flash, a form
                        // error), the client gets a 408 and the connection is closed.
                        Ok(r) if too_slow.get() => {
                            let r = r.error_response(AppError::TooSlow);
                            match crate::web::errors::error_page(&r) {
                                Some(page) => r.into_response(page).map_into_right_body(),
                                None => r.map_into_right_body(),
                            }
                        }
                        Ok(r) => r.map_into_left_body(),
                        Err(e) => {
                            tracing::error!(error = %e, "middleware error");
                            return Err(e);
                        }
                    },
                };
                if too_slow.get() {
                    res.response_mut()
                        .head_mut()
                        .set_connection_type(actix_web::http::ConnectionType::Close);
                }

                // A cookie the handler set itself (e.g. a new flash message) wins over one an
                // extractor queued (e.g. removing the flash it just showed).
                let set_by_handler: Vec<String> = res
                    .response()
                    .cookies()
                    .map(|c| c.name().to_string())
                    .collect();
                for c in info.cookies_out.borrow().iter() {
                    if !set_by_handler.iter().any(|n| n == c.name()) {
                        let _ = res.response_mut().add_cookie(c);
                    }
                }
                // A response that sets a cookie, or that was made for a signed-in person, must
                // never sit in a shared cache, whatever the handler allowed.
                let is_page = res
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("text/html"));
                let personal = res.headers().contains_key(header::SET_COOKIE)
                    || (is_page
                        && res
                            .request()
                            .cookie(&cookie_name(SESSION_COOKIE, https))
                            .is_some());
                let shared = res
                    .headers()
                    .get(header::CACHE_CONTROL)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("public"));
                if personal && shared {
                    res.headers_mut().insert(
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("private, no-cache"),
                    );
                }
                let framable = res.response().extensions().get::<AllowFraming>().is_some();
                let portal = res.request().path().starts_with("/portal");
                set_security_headers(res.headers_mut(), https, &info.id);
                if framable {
                    allow_framing(res.headers_mut());
                } else if portal {
                    allow_checkout_redirect(res.headers_mut());
                }

                // The route pattern, never the raw path: private links carry tokens.
                let route = res
                    .request()
                    .match_pattern()
                    .unwrap_or_else(|| "(unmatched)".into());
                tracing::info!(
                    method = %method,
                    route = %crate::telemetry::sanitize(&route),
                    status = res.status().as_u16(),
                    ms = started.elapsed().as_millis() as u64,
                    queries = queries.get(),
                    client = %info.client_addr,
                    "request"
                );
                if state.settings.query_count_header {
                    res.headers_mut().insert(
                        header::HeaderName::from_static("x-query-count"),
                        HeaderValue::from(queries.get()),
                    );
                }
                Ok(res)
            }
            .instrument(span)
            .await
        })
    }
}

/// Awaits a request's handling and notes how many database queries it made.
async fn counted<F: std::future::Future>(fut: F, queries: &std::cell::Cell<u64>) -> F::Output {
    let (out, n) = crate::db::counting_queries(fut).await;
    queries.set(n);
    out
}

/// A request body may take this long before it must keep up a minimum rate.
pub const BODY_GRACE: std::time::Duration = std::time::Duration::from_secs(10);
/// The slowest a request body may arrive once the grace is over (bytes per second, on
/// average since the body began): a phone on a poor connection manages far more; a client
/// trickling bytes to hold a connection and a file handle open does not.
pub const BODY_MIN_BYTES_PER_SEC: u64 = 1024;
/// However fast it started, a body must be complete within this long (the largest upload we
/// take, 10 MB, needs 35 KB/s for it).
pub const BODY_MAX_TIME: std::time::Duration = std::time::Duration::from_secs(300);

/// A request body that fails with "timed out" once it falls behind the minimum rate, so a
/// slow-body client cannot pin connections. The error reaches whoever reads the body (the
/// CSRF check for forms, the upload handlers), which answer 408.
struct MinRate<S> {
    inner: S,
    started: tokio::time::Instant,
    received: u64,
    timer: std::pin::Pin<Box<tokio::time::Sleep>>,
    /// Set once the body has been cut off; the middleware reads it after the handler.
    failed: Rc<std::cell::Cell<bool>>,
}

impl<S> MinRate<S> {
    fn new(inner: S, failed: Rc<std::cell::Cell<bool>>) -> MinRate<S> {
        let started = tokio::time::Instant::now();
        MinRate {
            inner,
            started,
            received: 0,
            timer: Box::pin(tokio::time::sleep_until(started + BODY_GRACE)),
            failed,
        }
    }

    /// When the body, having sent `received` bytes, must have sent more.
    fn deadline(&self) -> tokio::time::Instant {
        let earned = std::time::Duration::from_millis(
            self.received.saturating_mul(1000) / BODY_MIN_BYTES_PER_SEC,
        );
        (self.started + BODY_GRACE + earned).min(self.started + BODY_MAX_TIME)
    }
}

/// The error a too-slow body ends with.
pub fn too_slow_error() -> actix_web::error::PayloadError {
    actix_web::error::PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the request body arrived too slowly",
    ))
}

/// Whether a body error is the slow-body cut-off.
pub fn is_too_slow(e: &actix_web::error::PayloadError) -> bool {
    matches!(e, actix_web::error::PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

impl<S> futures_util::Stream for MinRate<S>
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    type Item = Result<web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if self.failed.get() {
            return Poll::Ready(None);
        }
        match std::pin::Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.received += chunk.len() as u64;
                let deadline = self.deadline();
                self.timer.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Pending => {
                if self.timer.as_mut().poll(cx).is_ready() {
                    self.failed.set(true);
                    Poll::Ready(Some(Err(too_slow_error())))
                } else {
                    Poll::Pending
                }
            }
            other => other,
        }
    }
}

fn is_state_changing(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// For POST and friends: enforce body limits and verify the CSRF token before any handler
/// runs. Webhooks are exempt (they are verified by their signature).
async fn guard_state_change(
    req: &mut ServiceRequest,
    state: &AppState,
    method: &Method,
) -> Result<(), AppError> {
    if !is_state_changing(method) || req.path().starts_with("/webhooks/") {
        return Ok(());
    }
    let forbidden = || {
        AppError::ForbiddenWith(
            "This form has expired or did not come from this site. Go back, reload the page and try again."
                .into(),
        )
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();

    let https = state.settings.https();
    let nonce = req
        .cookie(&cookie_name(CSRF_COOKIE, https))
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let session = req
        .cookie(&cookie_name(SESSION_COOKIE, https))
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let portal = portal_cookies(req.request(), https);
    let session = csrf::binding(&session, &portal);

    let submitted = if content_type.starts_with("application/x-www-form-urlencoded") {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > FORM_BODY_LIMIT) {
            return Err(AppError::PayloadTooLarge);
        }
        let mut payload = req.take_payload();
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                if is_too_slow(&e) {
                    AppError::TooSlow
                } else {
                    AppError::BadRequest("The form could not be read.".into())
                }
            })?;
            if body.len() + chunk.len() > FORM_BODY_LIMIT {
                return Err(AppError::PayloadTooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let body = body.freeze();
        let fields: Vec<(String, String)> = web::Query::<Vec<(String, String)>>::from_query(
            std::str::from_utf8(&body).unwrap_or("\u{0}"),
        )
        .map(|q| q.into_inner())
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
        if fields.len() > FORM_FIELD_LIMIT {
            return Err(AppError::BadRequest("The form has too many fields.".into()));
        }
        let token = fields
            .iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let replay = body.clone();
        req.set_payload(Payload::Stream {
            payload: Box::pin(futures_util::stream::once(async move { Ok(replay) })),
        });
        token
    } else if content_type.starts_with("multipart/form-data") {
        // Uploads carry the token in the query string, so it can be checked before the
        // (large) body is read.
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .ok()
            .and_then(|q| {
                q.0.into_iter()
                    .find(|(k, _)| k == CSRF_FIELD)
                    .map(|(_, v)| v)
            })
            .unwrap_or_default()
    } else {
        return Err(forbidden());
    };

    if csrf::verify(&state.csrf_key, &nonce, &session, &submitted) {
        Ok(())
    } else {
        Err(forbidden())
    }
}

/// Marks a response that any site may show in a frame: only the placement embed sets it.
/// Every other response keeps `X-Frame-Options: DENY` and `frame-ancestors 'none'`.
#[derive(Clone, Copy, Debug)]
pub struct AllowFraming;

/// The content security policy, with the given `frame-ancestors` source list.
fn csp(frame_ancestors: &str) -> String {
    csp_with(frame_ancestors, "'self'")
}

fn csp_with(frame_ancestors: &str, form_action: &str) -> String {
    format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors {frame_ancestors}; form-action {form_action}"
    )
}

/// Where the sponsor portal's "Pay by card" form ends up: our POST answers 303 to Stripe
/// Checkout, and browsers apply `form-action` to a form's redirects too. Only portal pages
/// get this; everywhere else forms may post only to us.
pub const STRIPE_CHECKOUT_ORIGIN: &str = "https://checkout.stripe.com";

fn allow_checkout_redirect(h: &mut header::HeaderMap) {
    if let Ok(v) = HeaderValue::from_str(&csp_with(
        "'none'",
        &format!("'self' {STRIPE_CHECKOUT_ORIGIN}"),
    )) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
}

/// Lets other sites frame this response: no `X-Frame-Options`, `frame-ancestors *`.
fn allow_framing(h: &mut header::HeaderMap) {
    h.remove(HeaderName::from_static("x-frame-options"));
    if let Ok(v) = HeaderValue::from_str(&csp("*")) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
}

/// The response headers SECURITY.md asks for, on every response.
pub fn set_security_headers(h: &mut header::HeaderMap, https: bool, request_id: &str) {
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    set("content-security-policy", &csp("'none'"));
    set("x-content-type-options", "nosniff");
    set("referrer-policy", "same-origin");
    set("x-frame-options", "DENY");
    set("cross-origin-opener-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    set("x-request-id", request_id);
    if https {
        set(
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        );
    }
    let _ = set;
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
