//! `POST /webhooks/stripe`: Stripe's events, verified on the raw bytes before anything is read.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::AppError;
use crate::payments::{events, webhook};
use crate::state::AppState;
use crate::web::errors::PageRendered;

/// Largest body we read; Stripe's events are a few kilobytes.
pub const BODY_LIMIT: usize = 256 * 1024;

/// A short plain-text answer (Stripe shows it in its dashboard); never an HTML error page.
fn plain(status: StatusCode, text: &str) -> HttpResponse {
    let mut res = HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(format!("{text}\n"));
    res.extensions_mut().insert(PageRendered);
    res
}

/// Receives one event: 400 when the signature is missing, wrong or outside the five-minute
/// window (nothing stored); 200 when stored, ignored or already seen; 500 only when our
/// database fails, so that Stripe tries again later.
pub async fn receive_stripe_event(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> HttpResponse {
    let settings = state.settings.clone();
    if settings.stripe_webhook_secrets.is_empty() {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "Stripe webhooks are not configured on this server",
        );
    }
    let header = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if let Err(e) = webhook::verify(header, &body, &settings.stripe_webhook_secrets, now) {
        tracing::warn!(reason = e.message(), "Stripe webhook refused");
        return plain(StatusCode::BAD_REQUEST, e.message());
    }
    let Ok(payload) = String::from_utf8(body.to_vec()) else {
        return plain(StatusCode::BAD_REQUEST, "body is not UTF-8");
    };
    match state
        .db
        .run(move |c| events::receive(c, &settings, &payload))
        .await
    {
        Ok(events::Handled::Stored(outcome)) => plain(StatusCode::OK, outcome),
        Ok(events::Handled::Duplicate) => plain(StatusCode::OK, "duplicate"),
        Err(AppError::BadRequest(m)) => plain(StatusCode::BAD_REQUEST, &m),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "Stripe webhook could not be applied");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not be applied now; please retry",
            )
        }
    }
}

/// The body limit for the webhook route: larger bodies get 413.
pub fn payload_config() -> web::PayloadConfig {
    web::PayloadConfig::new(BODY_LIMIT)
}
