//! Public sponsor pages: the logo wall, sponsor profiles, the thank-you page and the jobs fair.
//!
//! Visitors get one shared page that sets no cookie and may be cached for a minute; a
//! signed-in staff member gets their own page (with their name and navigation), which is
//! never stored by a cache.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use crate::error::{AppError, AppResult};
use crate::services::public::{self, JobGroup, Level, Profile, Thanks, TierGroup};
use crate::state::AppState;
use crate::web::layout::Layout;
use crate::web::public::{PUBLIC_CACHE, page_layout, respond, today};

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
    /// Listings and sponsors in all (the page shows some of the sponsors).
    count: usize,
    sponsors: usize,
    pager: crate::web::pager::Pager,
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
    let count = groups.iter().map(|g| g.total).sum();
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

/// Sponsors whose listings a page of the jobs fair shows.
const JOBS_PER_PAGE: usize = 20;

/// `GET /jobs?page=`: current listings of active sponsors, 20 sponsors a page.
pub async fn jobs(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<LevelQuery>,
) -> AppResult<HttpResponse> {
    let today = today();
    let db = state.db.clone();
    let all = state
        .public_cache
        .get_or_build(format!("jobs:{today}"), async move {
            db.run(move |c| public::jobs(c, today)).await
        })
        .await?;
    let count = all.iter().map(|g| g.jobs.len()).sum();
    let sponsors = all.len();
    let pager = crate::web::pager::Pager::new(
        Some(q.page.as_str()),
        sponsors as i64,
        JOBS_PER_PAGE as i64,
        crate::web::pager::links("/jobs", String::new()),
    );
    let groups = all
        .into_iter()
        .skip(pager.offset() as usize)
        .take(JOBS_PER_PAGE)
        .collect();
    let (layout, shared) = page_layout(&req, &state, "Jobs at our sponsors", "/jobs").await?;
    respond(
        &JobsPage {
            layout,
            groups,
            count,
            sponsors,
            pager,
        },
        shared,
    )
}

#[derive(Template)]
#[template(path = "public/sponsor_level.html")]
struct LevelPage {
    layout: Layout,
    g: TierGroup,
    pager: crate::web::pager::Pager,
}

/// Names listed on a page of one level.
const LEVEL_PER_PAGE: i64 = 100;

#[derive(serde::Deserialize)]
pub struct LevelQuery {
    #[serde(default)]
    page: String,
}

/// `GET /sponsors/level/{tier}?page=`: everyone at one sponsorship level, by name, in
/// today's fair order, a page at a time (the wall shows the first few of a busy level).
pub async fn level(
    req: HttpRequest,
    state: web::Data<AppState>,
    tier: web::Path<i64>,
    q: web::Query<LevelQuery>,
) -> AppResult<HttpResponse> {
    let tier = tier.into_inner();
    let today = today();
    let asked = q
        .page
        .trim()
        .parse::<i64>()
        .unwrap_or(1)
        .clamp(1, i64::from(u32::MAX));
    let db = state.db.clone();
    let g = state
        .public_cache
        .get_or_build(format!("level:{tier}:{asked}:{today}"), async move {
            db.run(move |c| {
                let offset = usize::try_from((asked - 1) * LEVEL_PER_PAGE).unwrap_or(usize::MAX);
                public::tier_page(c, today, tier, offset, LEVEL_PER_PAGE as usize)
            })
            .await
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let pager = crate::web::pager::Pager::new(
        Some(&asked.to_string()),
        g.total as i64,
        LEVEL_PER_PAGE,
        crate::web::pager::links(&format!("/sponsors/level/{tier}"), String::new()),
    );
    if pager.page != asked {
        // Past the last page: the last page's address, not an empty list.
        return Ok(crate::web::redirect(&format!(
            "/sponsors/level/{tier}?page={}",
            pager.page
        )));
    }
    let title = format!("{} sponsors", g.name);
    let (layout, shared) = page_layout(&req, &state, &title, "/sponsors").await?;
    respond(&LevelPage { layout, g, pager }, shared)
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
