//! One error type for the whole app and the one place that turns errors into responses.
//! The page itself (with the request id) is drawn by `web::errors`, which wraps every route.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::domain::FormErrors;

/// What went wrong, in the terms a response needs.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("you do not have access to this page")]
    Forbidden,
    /// Refused with an explanation (e.g. a form without a valid CSRF token).
    #[error("{0}")]
    ForbiddenWith(String),
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// The request body arrived too slowly and was cut off.
    #[error("what you sent arrived too slowly")]
    TooSlow,
    /// Not signed in: send the browser to the sign-in page.
    #[error("please sign in")]
    LoginRequired { next: String },
    /// A portal page (sponsor's or applicant's, under `home`) without a live private link:
    /// send the visitor to `{home}/link` to ask for a new one.
    #[error("please open your private link")]
    LinkRequired { home: &'static str, expired: bool },
    /// A state change that lost a race or is not allowed now; the text is shown to the user.
    #[error("{0}")]
    Conflict(String),
    /// Bad input that has no form to go back to; the text is shown to the user.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// The database is busy (a lock held too long) or out of connections: nothing was
    /// written, and the same request is likely to work in a few seconds.
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What a use case answers when it saved nothing because of what was typed: the messages to
/// show next to the fields of the form that asked (the handler shows the form again with
/// them, status 422), or any other error. The one type for "refused, show this next to the
/// field" from every service that checks fields inside its transaction.
#[derive(Debug)]
pub enum SaveError {
    Refused(FormErrors),
    Failed(AppError),
}

impl SaveError {
    /// Refused with one message, next to `field`.
    pub fn field(field: &str, message: impl Into<String>) -> SaveError {
        SaveError::Refused(FormErrors::one(field, message))
    }
}

impl From<AppError> for SaveError {
    fn from(e: AppError) -> SaveError {
        SaveError::Failed(e)
    }
}

impl From<diesel::result::Error> for SaveError {
    fn from(e: diesel::result::Error) -> SaveError {
        SaveError::Failed(e.into())
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound,
            // Two people creating the same thing at once: the unique constraint decides, and
            // the loser gets a clear message rather than an error page.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::Conflict(
                "That is already taken: someone saved the same thing a moment ago. Choose another."
                    .into(),
            ),
            other if is_busy_db_error(&other) => AppError::busy(),
            other => AppError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// Seconds a browser is told to wait before trying a busy database again.
pub const RETRY_AFTER_SECS: u32 = 5;

impl AppError {
    /// The database could not be had in time: a "try again" page, never a generic error.
    pub fn busy() -> AppError {
        AppError::Unavailable(
            "The database is busy right now and nothing was saved. Try again in a few seconds."
                .into(),
        )
    }
}

/// A lock waited on for longer than allowed: SQLite's `database is locked` after its busy
/// timeout, PostgreSQL's `lock_timeout` (55P03) or a serialisation failure. These are
/// temporary by nature; the transaction was rolled back.
pub fn is_busy_db_error(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message().to_ascii_lowercase();
            m.contains("database is locked")
                || m.contains("database table is locked")
                || m.contains("database is busy")
                || m.contains("lock timeout")
        }
        _ => false,
    }
}

/// Whether an unexpected error was, somewhere in its chain, a busy database.
fn chain_is_busy(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<diesel::result::Error>()
            .is_some_and(is_busy_db_error)
            || c.downcast_ref::<diesel::r2d2::PoolError>().is_some()
    })
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Unexpected(anyhow::Error::new(e).context("template rendering failed"))
    }
}

/// A message meant for the person who made the request, carried to the error page.
#[derive(Clone, Debug)]
pub struct UserMessage(pub String);

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::ForbiddenWith(_) => StatusCode::FORBIDDEN,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooSlow => StatusCode::REQUEST_TIMEOUT,
            AppError::LoginRequired { .. } | AppError::LinkRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(e) if chain_is_busy(e) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::LoginRequired { next } = self {
            let target = if next.is_empty() || next == "/" {
                "/login".to_string()
            } else {
                format!("/login?next={}", crate::domain::text::urlencode(next))
            };
            return HttpResponse::SeeOther()
                .insert_header(("Location", target))
                .finish();
        }
        if let AppError::LinkRequired { home, expired } = self {
            let target = if *expired {
                format!("{home}/link?expired=1")
            } else {
                format!("{home}/link")
            };
            return HttpResponse::SeeOther()
                .insert_header(("Location", target))
                .finish();
        }
        let status = self.status_code();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(error = %format!("{self:#}"), "database busy; answered 503");
            let mut res = HttpResponse::build(status)
                .insert_header(("Retry-After", RETRY_AFTER_SECS.to_string()))
                .finish();
            res.extensions_mut()
                .insert(UserMessage(AppError::busy().to_string()));
            return res;
        }
        if let AppError::Unexpected(e) = self {
            // The cause chain goes to the log; the page shows only the request id.
            tracing::error!(error = %format!("{e:#}"), "unexpected error");
        }
        let mut res = HttpResponse::build(status).finish();
        let message = match self {
            AppError::Conflict(m)
            | AppError::ForbiddenWith(m)
            | AppError::BadRequest(m)
            | AppError::Gone(m)
            | AppError::TooManyRequests(m) => Some(m.clone()),
            _ => None,
        };
        if let Some(m) = message {
            res.extensions_mut().insert(UserMessage(m));
        }
        res
    }
}
