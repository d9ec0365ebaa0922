//! Public success stories: the list (category filter, pages), one story, the Atom feed, and
//! the pictures of published stories. Only stories that are published and whose day has
//! come are shown; anything else is a 404.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use atom_syndication as atom;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use crate::domain::story::{CATEGORIES, category_label};
use crate::error::{AppError, AppResult};
use crate::models::stories::{self, Story};
use crate::state::AppState;
use crate::web::layout::Layout;
use crate::web::public::{page_layout, respond, today};

/// Stories on one page of the list.
pub const PER_PAGE: i64 = 10;
/// Entries in the feed.
const FEED_ENTRIES: i64 = 30;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    page: String,
}

#[derive(Template)]
#[template(path = "public/stories.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Story>,
    /// The category filters: those with stories, and the one chosen.
    categories: Vec<(&'static str, &'static str)>,
    category: String,
    page: i64,
    pages: i64,
    total: i64,
}

impl ListPage {
    /// The list URL for another page, keeping the category.
    fn page_url(&self, page: i64) -> String {
        match (self.category.is_empty(), page) {
            (true, 1) => "/stories".into(),
            (true, p) => format!("/stories?page={p}"),
            (false, 1) => format!("/stories?category={}", self.category),
            (false, p) => format!("/stories?category={}&page={p}", self.category),
        }
    }
    fn category_title(&self) -> &'static str {
        category_label(&self.category)
    }
}

/// `GET /stories`.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let category = q.category.trim().to_string();
    if !category.is_empty() && !CATEGORIES.iter().any(|(k, _)| *k == category) {
        return Err(AppError::NotFound);
    }
    let page = if q.page.trim().is_empty() {
        1
    } else {
        match q.page.trim().parse::<i64>() {
            Ok(p) if (1..=100_000).contains(&p) => p,
            _ => return Err(AppError::NotFound),
        }
    };
    let today = today();
    let cat = category.clone();
    let ((rows, total), with_stories) = state
        .db
        .run(move |c| {
            let cat = (!cat.is_empty()).then_some(cat.as_str());
            Ok((
                stories::public_page(c, today, cat, (page - 1) * PER_PAGE, PER_PAGE)?,
                stories::public_categories(c, today)?,
            ))
        })
        .await?;
    // A filter that would show nothing is left out (unless it is the one chosen).
    let categories = CATEGORIES
        .iter()
        .copied()
        .filter(|(k, _)| *k == category || with_stories.iter().any(|c| c == k))
        .collect();
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    if page > pages {
        return Err(AppError::NotFound);
    }
    let (layout, shared) = page_layout(&req, &state, "Success stories", "/stories").await?;
    respond(
        &ListPage {
            layout,
            rows,
            categories,
            category,
            page,
            pages,
            total,
        },
        shared,
    )
}

#[derive(Template)]
#[template(path = "public/story.html")]
struct StoryPage {
    layout: Layout,
    s: Story,
    /// The sponsor's public profile, while it has one: (href, name).
    sponsor: Option<(String, String)>,
    feed_url: String,
}

impl StoryPage {
    fn preview_src(&self) -> Option<String> {
        self.s.image_url("l")
    }
}

/// `GET /stories/{slug}`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    if !crate::domain::slug::looks_like_slug(&slug) {
        return Err(AppError::NotFound);
    }
    let today = today();
    let (s, sponsor) = state
        .db
        .run(move |c| {
            let s = stories::find_by_slug(c, &slug)?
                .filter(|s| s.is_public(today))
                .ok_or(AppError::NotFound)?;
            let sponsor = match s.sponsor_id {
                Some(id) => {
                    let sp = crate::models::sponsors::find(c, id)?;
                    // Only a sponsor with a public profile today gets a link.
                    match crate::services::public::profile(c, &sp.slug, today) {
                        Ok(_) => Some((format!("/sponsors/{}", sp.slug), sp.name)),
                        Err(AppError::NotFound) => None,
                        Err(e) => return Err(e),
                    }
                }
                None => None,
            };
            Ok((s, sponsor))
        })
        .await?;
    let (layout, shared) = page_layout(&req, &state, &s.title, "/stories").await?;
    respond(
        &StoryPage {
            layout,
            s,
            sponsor,
            feed_url: "/stories/feed.atom".into(),
        },
        shared,
    )
}

fn utc(t: chrono::NaiveDateTime) -> atom::FixedDateTime {
    Utc.from_utc_datetime(&t).fixed_offset()
}

fn day_start(d: NaiveDate) -> chrono::NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap_or_default()
}

/// The feed's XML for these stories (newest first). Every value goes through the Atom
/// crate's XML writer, so titles and content are escaped; the content is the sanitised HTML
/// of the story, sent as `type="html"`.
pub fn feed_xml(base_url: &str, foundation: &str, rows: &[Story]) -> String {
    let base = base_url.trim_end_matches('/');
    let entries: Vec<atom::Entry> = rows
        .iter()
        .map(|s| {
            // A scheduled story's date is its publication day.
            let published = match s.publish_on {
                Some(d) => day_start(d),
                None => s.published_at.unwrap_or(s.updated_at),
            };
            let url = format!("{base}/stories/{}", s.slug);
            atom::Entry {
                title: atom::Text::plain(s.title.clone()),
                id: format!("{base}/stories/{}#{}", s.slug, s.id),
                updated: utc(s.updated_at.max(published)),
                published: Some(utc(published)),
                authors: vec![atom::Person {
                    name: s.organisation.clone(),
                    ..Default::default()
                }],
                categories: vec![atom::Category {
                    term: s.category.clone(),
                    label: Some(category_label(&s.category).to_string()),
                    ..Default::default()
                }],
                links: vec![atom::Link {
                    href: url,
                    rel: "alternate".into(),
                    mime_type: Some("text/html".into()),
                    ..Default::default()
                }],
                summary: Some(atom::Text::plain(s.summary.clone())),
                content: Some(atom::Content {
                    value: Some(s.body_html()),
                    content_type: Some("html".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or_else(|| {
        utc(day_start(
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
        ))
    });
    let feed = atom::Feed {
        title: atom::Text::plain(format!("{foundation}: success stories")),
        id: format!("{base}/stories"),
        updated,
        authors: vec![atom::Person {
            name: foundation.to_string(),
            ..Default::default()
        }],
        links: vec![
            atom::Link {
                href: format!("{base}/stories/feed.atom"),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Default::default()
            },
            atom::Link {
                href: format!("{base}/stories"),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Default::default()
            },
        ],
        entries,
        ..Default::default()
    };
    feed.to_string()
}

/// `GET /stories/feed.atom`: the newest public stories.
pub async fn feed(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let today = today();
    let (rows, _) = state
        .db
        .run(move |c| Ok(stories::public_page(c, today, None, 0, FEED_ENTRIES)?))
        .await?;
    let xml = feed_xml(
        &state.settings.base_url,
        &state.settings.foundation_name,
        &rows,
    );
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(xml))
}

/// `GET /media/stories/{key}-{size}.png`: the picture of a public story; anything else
/// (a draft's picture, a replaced one, a name we did not make) is a 404.
pub async fn image(state: web::Data<AppState>, file: web::Path<String>) -> AppResult<HttpResponse> {
    let (key, size) = crate::media::parse_file_name(&file).ok_or(AppError::NotFound)?;
    let (key, size) = (key.to_string(), size.to_string());
    let k = key.clone();
    let today = today();
    if !state
        .db
        .run(move |c| Ok(stories::is_public_image(c, today, &k)?))
        .await?
    {
        return Err(AppError::NotFound);
    }
    crate::web::story_form::image_response(
        &state.settings.data_dir,
        &key,
        &size,
        "public, max-age=60",
    )
    .await
}
