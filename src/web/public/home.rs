//! The landing page and the health check.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::error::AppResult;
use crate::services::public::{self, Home};
use crate::state::AppState;
use crate::web::layout::Layout;
use crate::web::public::{page_layout, respond, today};

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    layout: Layout,
    home: Home,
    about: Vec<String>,
}

/// `GET /`: the foundation's front page: who it is, its sponsors by top tiers, the newest
/// stories, the grants open now and how to support it. Like the sponsor wall, what it reads is
/// shared for a few seconds; visitors get a page a browser may keep for a minute, a
/// signed-in person one of their own.
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let today = today();
    let foundation = state.settings.foundation_name.clone();
    let (layout, shared) = page_layout(&req, &state, &foundation, "/").await?;
    // Read at most once every few seconds however busy the page is (the public cache, for
    // `public_cache_secs`, as the sponsor wall's data is).
    let db = state.db.clone();
    let home = state
        .public_cache
        .get_or_build(format!("home:{today}"), async move {
            db.run(move |c| public::home(c, today)).await
        })
        .await?;
    let layout = layout.described(&home.site.description);
    respond(
        &HomePage {
            about: home.site.about_paragraphs(&foundation),
            layout,
            home,
        },
        shared,
    )
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(state: actix_web::web::Data<crate::state::AppState>) -> HttpResponse {
    match state.db.run(crate::db::ping).await {
        Ok(()) => HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"{"status":"ok","database":"ok"}"#),
        Err(_) => HttpResponse::ServiceUnavailable()
            .content_type("application/json")
            .body(r#"{"status":"error","database":"unavailable"}"#),
    }
}

/// `GET /robots.txt`: public pages may be indexed; staff pages, private links and counted
/// redirects may not.
pub async fn robots() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(
            "User-agent: *\nDisallow: /staff\nDisallow: /setup\nDisallow: /account\nDisallow: /go/\nDisallow: /login\n",
        )
}
