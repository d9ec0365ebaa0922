//! Public sponsor pages: the logo wall, sponsor profiles, the thank-you page and the jobs fair.
//!
//! Visitors get one shared page that sets no cookie and may be cached for a minute; a
//! signed-in staff member gets their own page (with their name and navigation), which is
//! never stored by a cache.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::services::public::{self, JobGroup, Level, Profile, Thanks, TierGroup};
use crate::startup::AppState;
use crate::web::layout::Layout;
use crate::web::middleware::{FLASH_COOKIE, SESSION_COOKIE, cookie_name};
use crate::web::render;

/// How long browsers and shared caches may keep a visitor's page.
const PUBLIC_CACHE: &str = "public, max-age=60";

#[derive(Template)]
#[template(path = "public/sponsors.html")]
struct SponsorsPage {
    layout: Layout,
    groups: Vec<TierGroup>,
    levels: Vec<Level>,
    count: usize,
}

#[derive(Template)]
#[template(path = "public/sponsor_profile.html")]
struct ProfilePage {
    layout: Layout,
    p: Profile,
}

#[derive(Template)]
#[template(path = "public/thanks.html")]
struct ThanksPage {
    layout: Layout,
    thanks: Thanks,
}

#[derive(Template)]
#[template(path = "public/jobs.html")]
struct JobsPage {
    layout: Layout,
    groups: Vec<JobGroup>,
    count: usize,
}

/// `GET /sponsors`: the logo wall, by tier. For visitors the whole rendered page is shared
/// (it is the same for all of them), so a busy wall costs one render every few seconds.
pub async fn wall(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let today = today();
    let (layout, shared) = page_layout(&req, &state, "Our sponsors", "/sponsors").await?;
    if shared {
        let st = state.clone();
        let body = state
            .public_cache
            .get_or_build(format!("wall-page:{today}"), async move {
                let page = wall_page(&st, layout, today).await?;
                Ok(web::Bytes::from(page.render()?))
            })
            .await?;
        return Ok(shared_page(body));
    }
    respond(&wall_page(&state, layout, today).await?, false)
}

async fn wall_page(state: &AppState, layout: Layout, today: NaiveDate) -> AppResult<SponsorsPage> {
    let db = state.db.clone();
    let (groups, levels) = state
        .public_cache
        .get_or_build(format!("wall:{today}"), async move {
            db.run(move |c| {
                Ok((
                    public::sponsor_wall(c, today)?,
                    public::sponsor_levels(c, today)?,
                ))
            })
            .await
        })
        .await?;
    let count = groups.iter().map(|g| g.sponsors.len()).sum();
    Ok(SponsorsPage {
        layout,
        groups,
        levels,
        count,
    })
}

/// `GET /sponsors/{slug}`: a visible sponsor's profile; 404 for anyone else.
pub async fn profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    // Slugs are lower-case ASCII letters, digits and hyphens; anything else is not ours.
    if !crate::domain::slug::looks_like_slug(&slug) {
        return Err(AppError::NotFound);
    }
    let today = today();
    let db = state.db.clone();
    let p = state
        .public_cache
        .get_or_build(format!("profile:{slug}:{today}"), async move {
            db.run(move |c| public::profile(c, &slug, today)).await
        })
        .await?;
    let (layout, shared) = page_layout(&req, &state, &p.sponsor.name, "/sponsors").await?;
    respond(&ProfilePage { layout, p }, shared)
}

/// `GET /thanks`: everyone who supports the foundation today, and in-kind donors.
pub async fn thanks(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let today = today();
    let db = state.db.clone();
    let thanks = state
        .public_cache
        .get_or_build(format!("thanks:{today}"), async move {
            db.run(move |c| public::thanks(c, today)).await
        })
        .await?;
    let (layout, shared) = page_layout(&req, &state, "Thank you", "/thanks").await?;
    respond(&ThanksPage { layout, thanks }, shared)
}

/// `GET /jobs`: current listings of active sponsors.
pub async fn jobs(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let today = today();
    let db = state.db.clone();
    let groups = state
        .public_cache
        .get_or_build(format!("jobs:{today}"), async move {
            db.run(move |c| public::jobs(c, today)).await
        })
        .await?;
    let (layout, shared) = page_layout(&req, &state, "Jobs at our sponsors", "/jobs").await?;
    let count = groups.iter().map(|g| g.jobs.len()).sum();
    respond(
        &JobsPage {
            layout,
            groups,
            count,
        },
        shared,
    )
}

pub(super) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The page frame, and whether the page is the same for everyone. A visitor without a
/// session or flash cookie gets the shared frame and no cookie is set (a cached response
/// must not hand one visitor's cookie to the next); anyone else goes through `Ctx`.
pub(super) async fn page_layout(
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
    Ok((Layout::bare(title, &state.settings.foundation_name), true))
}

/// A shared page rendered earlier: the same headers `respond` gives one.
fn shared_page(body: web::Bytes) -> HttpResponse {
    let mut res = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, PUBLIC_CACHE))
        .insert_header((header::VARY, "Cookie"))
        .body(body);
    res.extensions_mut()
        .insert(crate::web::errors::PageRendered);
    res
}

/// Renders the page; a shared page may be cached briefly, a personal one gets the
/// middleware's `no-store`.
pub(super) fn respond<T: Template>(page: &T, shared: bool) -> AppResult<HttpResponse> {
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
