//! HTTP: the whole route table, and helpers shared by handlers.

pub mod assets;
pub mod chart;
pub mod csv_export;
pub mod errors;
pub mod extract;
pub mod impact;
pub mod invoice_print;
pub mod layout;
pub mod middleware;
pub mod multipart;
pub mod pager;
pub mod portal;
pub mod public;
pub mod routes;
pub mod staff;
pub mod story_form;
pub mod usage_chart;
pub mod webhooks;

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::{AppError, AppResult};

/// The application: the form limits, the middleware around every request, and the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            .limit(middleware::FORM_BODY_LIMIT)
            .error_handler(|e, _| {
                AppError::BadRequest(format!("The form could not be read: {e}")).into()
            }),
    )
    .service(
        web::scope("")
            .wrap(errors::ErrorPages)
            .wrap(middleware::Context)
            // Outermost, so it compresses the body that is finally sent: an error page drawn
            // over a handler's response is never labelled with the handler's encoding.
            .wrap(actix_web::middleware::Compress::default())
            .configure(routes::routes)
            .default_service(web::to(not_found)),
    );
}

/// A route for GET, and for HEAD (the same answer without the body, which actix leaves out),
/// as caches and link checkers send it.
pub(crate) fn get() -> actix_web::Route {
    web::route().guard(actix_web::guard::Any(actix_web::guard::Get()).or(actix_web::guard::Head()))
}

async fn not_found() -> AppResult<HttpResponse> {
    Err(AppError::NotFound)
}

/// Renders a page with status 200.
pub fn render<T: Template>(page: &T) -> AppResult<HttpResponse> {
    render_status(actix_web::http::StatusCode::OK, page)
}

/// Renders a page with a chosen status (422 for a form with errors). The error-page layer
/// leaves such a page alone.
pub fn render_status<T: Template>(
    status: actix_web::http::StatusCode,
    page: &T,
) -> AppResult<HttpResponse> {
    let body = page.render()?;
    let mut res = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body);
    res.extensions_mut().insert(errors::PageRendered);
    Ok(res)
}

/// `303 See Other` to `location`, with a flash message for the next page.
pub fn redirect_with_flash(location: &str, kind: layout::FlashKind, message: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location.to_string()))
        .cookie(layout::flash_cookie(kind, message))
        .finish()
}

/// Whether an upload declares (Content-Length) more than `limit` bytes: such a body is
/// refused before a byte of it is read. A body without a declared length is still cut off
/// at the limit while it streams.
pub fn declares_more_than(req: &actix_web::HttpRequest, limit: usize) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > limit)
}

/// A CSV download (`domain::csv` builds the body) named `filename`.
pub fn csv_response(filename: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

/// `303 See Other` to `location`.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location.to_string()))
        .finish()
}

/// Percent-encodes a string for a query parameter.
pub use crate::domain::text::urlencode;

/// Only local paths are followed after sign-in (no open redirect).
pub fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if ok {
        next.to_string()
    } else {
        "/staff".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;
    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next("/staff/users"), "/staff/users");
        assert_eq!(safe_next("//evil.example"), "/staff");
        assert_eq!(safe_next("https://evil.example"), "/staff");
        assert_eq!(safe_next("/\\evil.example"), "/staff");
        assert_eq!(safe_next("/x\r\nSet-Cookie: a=b"), "/staff");
    }
}
