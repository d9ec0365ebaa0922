//! What other sites show: a placement slot as an embeddable HTML snippet and as JSON, both
//! cacheable, and the counting redirect their links go through.
//!
//! No cookies, no trackers: these handlers take the app state, not `Ctx` (which would set a
//! CSRF cookie on every visitor of every site that embeds us). Each response that shows
//! sponsors — a 200 or a 304, both being a page view — adds one impression per sponsor shown;
//! views that browsers or proxies answer from their cache (`max-age=300`) never reach us, so
//! the counts are a floor, not a census.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentEncoding};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::models::placement_slots::{self, Slot};
use crate::models::sponsors;
use crate::services::placements::{self, Placed};
use crate::state::AppState;
use crate::web::errors::PageRendered;
use crate::web::middleware::AllowFraming;

/// How long browsers and proxies may reuse a snippet or feed without asking.
const CACHE_CONTROL: &str = "public, max-age=300";

/// One sponsor as the snippet and the feed show it.
#[derive(Clone, Debug, Serialize)]
pub struct SponsorView {
    pub name: String,
    pub tier: String,
    /// Our counting redirect (absolute).
    pub url: String,
    pub website: String,
    /// The approved logo (absolute), or null: then the name is shown.
    pub logo: Option<String>,
    pub tagline: String,
}

/// The JSON feed of a slot.
#[derive(Debug, Serialize)]
struct Feed<'a> {
    slot: &'a str,
    name: &'a str,
    sponsors: &'a [SponsorView],
}

#[derive(Template)]
#[template(path = "public/placement_embed.html")]
struct EmbedPage<'a> {
    foundation: &'a str,
    slot_name: &'a str,
    css_url: String,
    sponsors: &'a [SponsorView],
}

/// The approved small logo of a sponsor. (Stands in for `Sponsor::logo_url` until the logo
/// work lands; the key is server-chosen, but only a plain one is put into a URL.)
/// The click-through URL of a sponsor in a slot, absolute from the configured base URL.
pub fn click_url(base_url: &str, slot_key: &str, sponsor_slug: &str) -> String {
    format!("{base_url}/go/{slot_key}/{sponsor_slug}")
}

fn view(base_url: &str, slot: &Slot, p: &Placed) -> SponsorView {
    SponsorView {
        name: p.sponsor.name.clone(),
        tier: p.tier.name.clone(),
        url: click_url(base_url, &slot.key, &p.sponsor.slug),
        website: p.sponsor.website.clone(),
        logo: p
            .sponsor
            .logo_url("s")
            .map(|path| format!("{base_url}{path}")),
        tagline: p.sponsor.tagline.clone(),
    }
}

/// The slot named in the URL and who fills it today; counts one impression each.
async fn load_and_count(state: &AppState, key: String) -> AppResult<(Slot, Vec<SponsorView>)> {
    let day = placements::today();
    let db = state.db.clone();
    let (slot, placed) = state
        .public_cache
        .get_or_build(format!("slot:{key}:{day}"), async move {
            db.run(move |c| {
                let slot = placement_slots::find_by_key(c, &key)?.ok_or(AppError::NotFound)?;
                let placed = placements::fill(c, &slot, day)?;
                Ok((slot, placed))
            })
            .await
        })
        .await?;
    state
        .placements
        .add_impressions(slot.id, placed.iter().map(|p| p.sponsor.id), day);
    let base = &state.settings.base_url;
    let views = placed.iter().map(|p| view(base, &slot, p)).collect();
    Ok((slot, views))
}

/// A strong validator: a digest of exactly the bytes sent.
fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(body)[..16]))
}

/// True when `If-None-Match` names this ETag (weak comparison, as RFC 9110 asks for here)
/// or is `*`.
fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

/// A cacheable answer: 200 with the body, or 304 without one when the client has it.
fn cacheable(req: &HttpRequest, body: Vec<u8>, content_type: &str) -> HttpResponse {
    let etag = etag_of(&body);
    let fresh = not_modified(req, &etag);
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL));
    if fresh {
        return res.finish();
    }
    // Sent as is: compressing would change the bytes behind the strong ETag (and snippets
    // are small).
    res.insert_header(ContentEncoding::Identity)
        .content_type(content_type)
        .body(body)
}

/// `GET /embed/placements/{slot}`: a small page for an `<iframe>` on another site. The
/// only response any site may frame.
pub async fn embed(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (slot, sponsors) = load_and_count(&state, key.into_inner()).await?;
    let base = &state.settings.base_url;
    let page = EmbedPage {
        foundation: &state.settings.foundation_name,
        slot_name: &slot.name,
        css_url: format!("{base}{}", crate::web::assets::url("css/steward.css")),
        sponsors: &sponsors,
    };
    let body = page.render()?;
    let mut res = cacheable(&req, body.into_bytes(), "text/html; charset=utf-8");
    res.extensions_mut().insert(AllowFraming);
    Ok(res)
}

/// `GET /api/placements/{slot}.json`: the same, as data, readable from any origin.
pub async fn json(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> AppResult<HttpResponse> {
    let key = key.into_inner();
    let (slot, sponsors) = match load_and_count(&state, key).await {
        Ok(found) => found,
        Err(AppError::NotFound) => return Ok(json_not_found()),
        Err(e) => return Err(e),
    };
    let body = serde_json::to_vec(&Feed {
        slot: &slot.key,
        name: &slot.name,
        sponsors: &sponsors,
    })
    .map_err(|e| AppError::Unexpected(e.into()))?;
    let mut res = cacheable(&req, body, "application/json");
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    Ok(res)
}

/// A 404 a script on another site can read (JSON, with the CORS header), instead of our
/// HTML error page.
fn json_not_found() -> HttpResponse {
    let mut res = HttpResponse::build(StatusCode::NOT_FOUND)
        .content_type("application/json")
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(r#"{"error":"no such placement slot"}"#);
    res.extensions_mut().insert(PageRendered);
    res
}

/// `GET /go/{slot}/{sponsor}`: counts a click and sends the visitor to the sponsor's stored
/// website. Nothing from the request decides where to: an unknown slot or sponsor, or one
/// not placed in that slot today, is a 404, so this is no open redirect.
pub async fn click(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (key, slug) = path.into_inner();
    let day = placements::today();
    let (slot, sponsor) = state
        .db
        .run(move |c| {
            let slot = placement_slots::find_by_key(c, &key)?.ok_or(AppError::NotFound)?;
            let sponsor = sponsors::find_by_slug(c, &slug)?.ok_or(AppError::NotFound)?;
            let placed = placements::eligible_ids(c, &slot, day)?
                .iter()
                .any(|p| p.0 == sponsor.id);
            if !placed {
                return Err(AppError::NotFound);
            }
            Ok((slot, sponsor))
        })
        .await?;
    // Websites are checked when entered; check again, as this one becomes a Location header.
    let target = match url::Url::parse(&sponsor.website) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => u,
        _ => {
            tracing::warn!(
                sponsor = sponsor.id,
                "sponsor website is not an http(s) URL"
            );
            return Err(AppError::NotFound);
        }
    };
    state.placements.add_click(slot.id, sponsor.id, day);
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, target.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
