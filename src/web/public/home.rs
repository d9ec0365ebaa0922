//! The landing page and the health check.

use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppResult;
use crate::web::extract::Ctx;
use crate::web::layout::Layout;
use crate::web::render;

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    layout: Layout,
}

pub async fn home(ctx: Ctx) -> AppResult<HttpResponse> {
    // The page title reads "Welcome · <foundation>" (the layout adds the name).
    render(&HomePage {
        layout: ctx.layout("Welcome", "/"),
    })
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
