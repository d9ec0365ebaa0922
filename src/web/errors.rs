//! Error pages: every 4xx/5xx response that is not already a page gets one, with the
//! request id and a plain explanation, never internals.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::StatusCode;
use actix_web::{Error, HttpMessage, HttpResponse};
use askama::Template;
use futures_util::future::LocalBoxFuture;

use crate::error::UserMessage;
use crate::web::layout::Layout;
use crate::web::middleware::RequestInfo;

/// Marks a response that is already a full page (e.g. a form shown again with status 422).
#[derive(Clone, Copy)]
pub struct PageRendered;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    code: u16,
    heading: String,
    message: String,
    request_id: String,
    /// Where the page's one button leads: (href, label).
    back: (&'static str, &'static str),
}

/// Where an error page sends people: staff back to their dashboard (a staff member refused
/// one page still has it), sponsors back to their portal, everyone else to the home page.
fn back_for(path: &str) -> (&'static str, &'static str) {
    let portal = path == "/portal" || path.starts_with("/portal/");
    if path == "/staff" || path.starts_with("/staff/") {
        ("/staff", "Back to the dashboard")
    } else if portal && !path.starts_with("/portal/link") && !path.starts_with("/portal/enter") {
        ("/portal", "Back to your portal")
    } else {
        ("/", "Go to the home page")
    }
}

fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (
            "The request could not be understood",
            "Something in the request was not as expected. Go back and try again.",
        ),
        403 => (
            "You do not have access to this page",
            "Your account does not have the role this page needs. If you think it should, ask an administrator.",
        ),
        404 => (
            "Page not found",
            "There is nothing at this address. Check the link, or start again from the home page.",
        ),
        405 => (
            "Not allowed",
            "This address does not accept that kind of request.",
        ),
        408 => (
            "That took too long",
            "What you sent arrived too slowly and was stopped. Try again, on a better connection if you can.",
        ),
        409 => (
            "That could not be done",
            "Someone may have changed this at the same time. Reload the page to see where things stand.",
        ),
        410 => (
            "This link no longer works",
            "The link has expired or has already been used.",
        ),
        413 => ("Too large", "What you sent is larger than we accept."),
        415 => (
            "Not accepted",
            "The request was sent in a form we do not accept.",
        ),
        429 => ("Too many attempts", "Please wait a while and try again."),
        503 => (
            "Temporarily unavailable",
            "Steward cannot serve this right now. Try again in a minute.",
        ),
        s if s >= 500 => (
            "Something went wrong on our side",
            "The problem has been logged. Try again in a minute; if it keeps happening, tell an administrator and quote the request id below.",
        ),
        _ => ("That did not work", "Go back and try again."),
    }
}

/// Renders the error page for a response (no user, no navigation: error pages stay simple).
pub fn error_page(res: &ServiceResponse<impl MessageBody>) -> Option<HttpResponse> {
    let status = res.status();
    let request_id = res
        .request()
        .extensions()
        .get::<Rc<RequestInfo>>()
        .map(|i| i.id.clone())
        .unwrap_or_default();
    let (heading, generic) = describe(status);
    let back = back_for(res.request().path());
    let generic = if status == StatusCode::NOT_FOUND && back.0 == "/portal" {
        "There is nothing at this address in your sponsor portal. Check the link, or go back to your portal's overview."
    } else {
        generic
    };
    let message = res
        .response()
        .extensions()
        .get::<UserMessage>()
        .map(|m| m.0.clone())
        .unwrap_or_else(|| generic.to_string());
    let foundation = res
        .request()
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|s| s.settings.foundation_name.clone())
        .unwrap_or_default();
    let page = ErrorPage {
        layout: Layout::bare(heading, &foundation),
        code: status.as_u16(),
        heading: heading.to_string(),
        message,
        request_id,
        back,
    };
    let body = page.render().ok()?;
    let mut out = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body);
    // Keep headers the handler chose (e.g. Allow, Retry-After), but not its body type.
    for (k, v) in res.response().headers() {
        // The body is new: none of the old body's type, length or encoding applies to it.
        if k != actix_web::http::header::CONTENT_TYPE
            && k != actix_web::http::header::CONTENT_LENGTH
            && k != actix_web::http::header::CONTENT_ENCODING
        {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    Some(out)
}

pub struct ErrorPages;

impl<S, B> Transform<S, ServiceRequest> for ErrorPages
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = ErrorPagesMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ErrorPagesMiddleware {
            service: Rc::new(service),
        }))
    }
}

pub struct ErrorPagesMiddleware<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for ErrorPagesMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        Box::pin(async move {
            // Errors returned (not rendered) by inner layers pass through; handlers and
            // extractors turn theirs into responses, which are drawn below.
            let res = service.call(req).await?;
            let status = res.status();
            let already_page = res.response().extensions().get::<PageRendered>().is_some();
            if (status.is_client_error() || status.is_server_error())
                && !already_page
                && let Some(page) = error_page(&res)
            {
                return Ok(res.into_response(page).map_into_right_body());
            }
            Ok(res.map_into_left_body())
        })
    }
}
