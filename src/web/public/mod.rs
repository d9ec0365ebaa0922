//! Pages for people who are not signed in.

pub mod auth;
pub mod grants;
pub mod home;
pub mod placements;
pub mod sponsors;
pub mod stories;
pub mod usage;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract::Ctx;
use crate::web::layout::Layout;
use crate::web::middleware::{FLASH_COOKIE, SESSION_COOKIE, cookie_name};
use crate::web::render;

/// How long browsers and shared caches may keep a visitor's page.
pub const PUBLIC_CACHE: &str = "public, max-age=60";

/// Today (UTC): what public pages show is what is visible on this day.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The page frame, and whether the page is the same for everyone. A visitor without a
/// session or flash cookie gets the shared frame and no cookie is set (a cached response
/// must not hand one visitor's cookie to the next); anyone else goes through `Ctx`.
pub async fn page_layout(
    req: &HttpRequest,
    state: &AppState,
    title: &str,
    section: &str,
) -> AppResult<(Layout, bool)> {
    let https = state.settings.https();
    let personal = req
        .cookie(&cookie_name(SESSION_COOKIE, https))
        .is_some_and(|c| !c.value().is_empty())
        || req.cookie(FLASH_COOKIE).is_some();
    if personal {
        let ctx = Ctx::extract(req).await?;
        return Ok((ctx.layout(title, section), false));
    }
    Ok((
        Layout::bare(title, &state.settings.foundation_name)
            .public_at(&state.settings.base_url, req.path()),
        true,
    ))
}

/// Renders the page; a shared page may be cached briefly, a personal one gets the
/// middleware's `no-store`.
pub fn respond<T: Template>(page: &T, shared: bool) -> AppResult<HttpResponse> {
    let mut res = render(page)?;
    if shared {
        let h = res.headers_mut();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PUBLIC_CACHE),
        );
        h.append(header::VARY, HeaderValue::from_static("Cookie"));
    }
    Ok(res)
}
