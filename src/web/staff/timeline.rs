//! A sponsor's and a grant application's timeline: every change and every email about it,
//! newest first, 50 a page; an email's text one click away, its private links masked.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::models::outbox::{self, OutboxMessage};
use crate::models::timeline::{self, Item, Owner};
use crate::web::extract::{GrantsStaff, OutreachStaff, SponsorshipsStaff, Staff};
use crate::web::layout::Layout;
use crate::web::pager::Pager;
use crate::web::render;
use crate::web::staff::{fmt_opt_time, fmt_time};

/// Items on a page of the whole timeline.
const PER_PAGE: i64 = 50;
/// Items shown on the sponsor's or the application's own page.
pub const RECENT: i64 = 10;

/// How a timeline's owner reads on its pages.
struct Names {
    title: String,
    back: String,
    base: String,
}

fn names_of(c: &mut crate::db::DbConn, owner: Owner) -> AppResult<Names> {
    Ok(match owner {
        Owner::Sponsor(id) => {
            let s = crate::models::sponsors::find(c, id)?;
            Names {
                title: s.name,
                back: format!("/staff/sponsors/{id}"),
                base: format!("/staff/sponsors/{id}"),
            }
        }
        Owner::GrantApplication(id) => {
            let a = crate::models::grant_applications::find(c, id)?;
            Names {
                title: format!("{} · {}", a.reference(), a.event_name),
                back: format!("/staff/grants/{id}"),
                base: format!("/staff/grants/{id}"),
            }
        }
        Owner::Prospect(id) => {
            let p = crate::models::prospects::find(c, id)?;
            Names {
                title: p.name,
                back: format!("/staff/prospects/{id}"),
                base: format!("/staff/prospects/{id}"),
            }
        }
    })
}

/// A timeline's newest items for its owner's page, and how many there are in all.
pub fn recent(c: &mut crate::db::DbConn, owner: Owner) -> AppResult<Recent> {
    Ok(Recent {
        total: timeline::count(c, owner)?,
        items: timeline::page(c, owner, 0, RECENT)?,
    })
}

/// The newest items of a timeline, as its owner's page shows them.
pub struct Recent {
    pub items: Vec<Item>,
    pub total: i64,
}

impl Recent {
    pub fn total_label(&self) -> String {
        crate::domain::text::thousands(self.total)
    }
}

/// How an item's time reads.
pub fn when(i: &Item) -> String {
    fmt_time(&i.at)
}

/// How an email's status reads.
pub fn status_label(i: &Item) -> &'static str {
    match i.status.as_deref() {
        Some("sent") => "Sent",
        Some("failed") => "Failed",
        _ => "Waiting",
    }
}

#[derive(Template)]
#[template(path = "staff/timeline/list.html")]
struct ListPage {
    layout: Layout,
    title: String,
    back: String,
    base: String,
    items: Vec<Item>,
    pager: Pager,
}

impl ListPage {
    fn when(&self, i: &Item) -> String {
        when(i)
    }
    fn status_label(&self, i: &Item) -> &'static str {
        status_label(i)
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: String,
}

async fn list_page<R: crate::web::extract::RoleRule>(
    staff: &Staff<R>,
    owner: Owner,
    asked: String,
    nav: &str,
) -> AppResult<HttpResponse> {
    let (names, items, pager) = staff
        .state
        .db
        .run(move |c| {
            let names = names_of(c, owner)?;
            let total = timeline::count(c, owner)?;
            let url = crate::web::pager::links(&format!("{}/timeline", names.base), String::new());
            let pager = Pager::new(Some(asked.as_str()), total, PER_PAGE, url);
            let items = timeline::page(c, owner, pager.offset(), PER_PAGE)?;
            Ok((names, items, pager))
        })
        .await?;
    render(&ListPage {
        layout: staff.layout(&format!("Timeline · {}", names.title), nav),
        title: names.title,
        back: names.back,
        base: names.base,
        items,
        pager,
    })
}

#[derive(Template)]
#[template(path = "staff/timeline/email.html")]
struct EmailPage {
    layout: Layout,
    title: String,
    base: String,
    m: OutboxMessage,
    /// The text as sent, private links masked.
    text: String,
    created: String,
    sent: String,
    keep_days: i64,
}

async fn email_page<R: crate::web::extract::RoleRule>(
    staff: &Staff<R>,
    owner: Owner,
    email_id: i64,
    nav: &str,
) -> AppResult<HttpResponse> {
    let (names, m) = staff
        .state
        .db
        .run(move |c| {
            let names = names_of(c, owner)?;
            // Only an email on this timeline: another record's mail is not found here.
            if !timeline::has_email(c, owner, email_id)? {
                return Err(AppError::NotFound);
            }
            Ok((names, outbox::find(c, email_id)?))
        })
        .await?;
    render(&EmailPage {
        layout: staff.layout(&m.subject, nav),
        title: names.title,
        base: names.base,
        text: crate::domain::text::mask_private_links(&m.body_text),
        created: fmt_time(&m.created_at),
        sent: fmt_opt_time(&m.sent_at),
        keep_days: staff.settings().outbox_keep_bodies_days,
        m,
    })
}

/// `GET /staff/sponsors/{id}/timeline`.
pub async fn sponsor(
    staff: Staff<SponsorshipsStaff>,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    list_page(
        &staff,
        Owner::Sponsor(*id),
        q.into_inner().page,
        "/staff/sponsors",
    )
    .await
}

/// `GET /staff/sponsors/{id}/emails/{email}`.
pub async fn sponsor_email(
    staff: Staff<SponsorshipsStaff>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, email) = path.into_inner();
    email_page(&staff, Owner::Sponsor(id), email, "/staff/sponsors").await
}

/// `GET /staff/grants/{id}/timeline`: for the staff who may see the application (a reviewer
/// who declared a conflict may not).
pub async fn grant(
    staff: Staff<GrantsStaff>,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let id = *id;
    crate::web::staff::grants::access(&staff, id).await?;
    list_page(
        &staff,
        Owner::GrantApplication(id),
        q.into_inner().page,
        "/staff/grants",
    )
    .await
}

/// `GET /staff/grants/{id}/emails/{email}`.
pub async fn grant_email(
    staff: Staff<GrantsStaff>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, email) = path.into_inner();
    crate::web::staff::grants::access(&staff, id).await?;
    email_page(&staff, Owner::GrantApplication(id), email, "/staff/grants").await
}

/// `GET /staff/prospects/{id}/timeline`.
pub async fn prospect(
    staff: Staff<OutreachStaff>,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    list_page(
        &staff,
        Owner::Prospect(*id),
        q.into_inner().page,
        "/staff/prospects",
    )
    .await
}

/// `GET /staff/prospects/{id}/emails/{email}`.
pub async fn prospect_email(
    staff: Staff<OutreachStaff>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, email) = path.into_inner();
    email_page(&staff, Owner::Prospect(id), email, "/staff/prospects").await
}
