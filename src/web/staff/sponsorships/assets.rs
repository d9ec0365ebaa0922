//! Benefit assets, staff side: what each tier asks of its sponsors, who has provided it and
//! who has not, and one step to email exactly those still missing it.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::FormErrors;
use crate::domain::assets::KINDS;
use crate::domain::form::Fields;
use crate::error::{AppError, AppResult};
use crate::models::assets::{self as rows, Asked, AssetRequest, Submission};
use crate::models::tiers::{self, Tier};
use crate::services::assets::{self as service, MAX_NOTE_CHARS};
use crate::web::extract::{SponsorshipsStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::pager::Pager;
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<SponsorshipsStaff>;

/// Rows a page of either list shows.
const PER_PAGE: i64 = 50;

/// A request's fields as typed: label, kind, help, due date.
#[derive(Clone, Default)]
struct Typed {
    label: String,
    kind: String,
    help: String,
    due_on: String,
}

impl Typed {
    fn from(f: &Fields) -> Typed {
        Typed {
            label: f.get("label"),
            kind: f.get("kind"),
            help: f.get("help"),
            due_on: f.get("due_on"),
        }
    }
    fn of(r: &AssetRequest) -> Typed {
        Typed {
            label: r.label.clone(),
            kind: r.kind.clone(),
            help: r.help.clone(),
            due_on: r.due_on.format("%Y-%m-%d").to_string(),
        }
    }
}

/// One row of the overview.
pub struct Listed {
    pub r: AssetRequest,
    pub tier: String,
    pub provided: i64,
    pub missing: i64,
}

#[derive(Template)]
#[template(path = "staff/sponsorships/assets/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Listed>,
    upcoming: bool,
    pager: Pager,
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    past: Option<String>,
    page: Option<String>,
}

/// `GET /staff/asset-requests`: every request, due soonest first (or `?past=1`: those whose
/// due date has passed, latest first), with how many sponsors provided it and how many not.
pub async fn list(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let upcoming = q.past.is_none();
    let asked = q.page.clone();
    let today = chrono::Utc::now().date_naive();
    let (rows, pager) = staff
        .state
        .db
        .run(move |c| {
            // Five queries a page, whatever the number of requests and sponsors.
            let total = rows::count_listed(c, upcoming, today)?;
            let base = if upcoming {
                "/staff/asset-requests?".to_string()
            } else {
                "/staff/asset-requests?past=1&".to_string()
            };
            let pager = Pager::new(asked.as_deref(), total, PER_PAGE, move |n| {
                format!("{base}page={n}")
            });
            let requests = rows::page_listed(c, upcoming, today, pager.offset(), PER_PAGE)?;
            let tier_ids: Vec<i64> = requests.iter().map(|r| r.tier_id).collect();
            let ids: Vec<i64> = requests.iter().map(|r| r.id).collect();
            let asked = rows::asked_by_tier(c, &tier_ids)?;
            let provided = rows::provided_by_request(c, &ids)?;
            let names = crate::models::tiers::labelled_many(c, &tier_ids)?;
            let rows = requests
                .into_iter()
                .map(|r| {
                    let provided = provided.get(&r.id).copied().unwrap_or(0);
                    let asked = asked.get(&r.tier_id).copied().unwrap_or(0);
                    Listed {
                        tier: names.get(&r.tier_id).cloned().unwrap_or_default(),
                        provided,
                        missing: (asked - provided).max(0),
                        r,
                    }
                })
                .collect();
            Ok((rows, pager))
        })
        .await?;
    render(&ListPage {
        layout: staff.layout("Benefit assets", "/staff/programmes"),
        rows,
        upcoming,
        pager,
    })
}

#[derive(Template)]
#[template(path = "staff/sponsorships/assets/new.html")]
struct NewPage {
    layout: Layout,
    tier: Tier,
    f: Typed,
    errors: FormErrors,
    kinds: Vec<(&'static str, &'static str)>,
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    KINDS.iter().map(|(_, k, l)| (*k, *l)).collect()
}

/// `GET /staff/tiers/{id}/asset-requests/new`.
pub async fn new_form(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let tier = staff.state.db.run(move |c| Ok(tiers::find(c, id)?)).await?;
    let f = Typed {
        kind: "text".into(),
        ..Typed::default()
    };
    render(&NewPage {
        layout: staff.layout("Ask sponsors for something", "/staff/programmes"),
        tier,
        f,
        errors: FormErrors::new(),
        kinds: kinds(),
    })
}

/// `POST /staff/tiers/{id}/asset-requests`.
pub async fn create(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Typed::from(&Fields(form.into_inner()));
    let input = match service::parse_request(&f.label, &f.kind, &f.help, &f.due_on) {
        Ok(i) => i,
        Err(errors) => {
            let tier = staff.state.db.run(move |c| Ok(tiers::find(c, id)?)).await?;
            let page = NewPage {
                layout: staff.layout("Ask sponsors for something", "/staff/programmes"),
                tier,
                f,
                errors,
                kinds: kinds(),
            };
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let actor = staff.actor();
    let rid = staff
        .state
        .db
        .run(move |c| service::create(c, &actor, id, &input))
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/asset-requests/{rid}"),
        FlashKind::Success,
        "Saved. The tier's sponsors see it in their portal once they have accepted the agreement.",
    ))
}

#[derive(Template)]
#[template(path = "staff/sponsorships/assets/show.html")]
struct ShowPage {
    layout: Layout,
    r: AssetRequest,
    tier: Tier,
    f: Typed,
    errors: FormErrors,
    note: String,
    provided_count: i64,
    missing_count: i64,
    missing: Vec<Asked>,
    missing_pager: Pager,
    provided: Vec<(Submission, String)>,
    provided_pager: Pager,
}

impl ShowPage {
    fn when(&self, s: &Submission) -> String {
        s.submitted_at.format("%-d %b %Y, %H:%M").to_string()
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Pages {
    page: Option<String>,
    provided: Option<String>,
}

async fn show_page(
    staff: &S,
    id: i64,
    pages: Pages,
    edit: Option<(Typed, FormErrors)>,
    note: Option<(String, FormErrors)>,
) -> AppResult<HttpResponse> {
    let (r, tier, provided_count, missing_count, missing_pager, missing, provided_pager, provided) =
        staff
            .state
            .db
            .run(move |c| {
                let r = rows::find(c, id)?;
                let tier = tiers::find(c, r.tier_id)?;
                let provided_count = rows::count_asked(c, &r, true)?;
                let missing_count = rows::count_asked(c, &r, false)?;
                let base = format!("/staff/asset-requests/{id}");
                let mp = Pager::new(pages.page.as_deref(), missing_count, PER_PAGE, {
                    let base = base.clone();
                    move |n| format!("{base}?page={n}#missing")
                });
                let missing = rows::missing_page(c, &r, mp.offset(), PER_PAGE)?;
                // Everything ever provided, whatever the sponsorship's status now.
                let all_provided = rows::count_provided(c, id)?;
                let pp = Pager::new(pages.provided.as_deref(), all_provided, PER_PAGE, {
                    move |n| format!("{base}?provided={n}#provided")
                });
                let provided = rows::provided_page(c, id, pp.offset(), PER_PAGE)?;
                Ok((
                    r,
                    tier,
                    provided_count,
                    missing_count,
                    mp,
                    missing,
                    pp,
                    provided,
                ))
            })
            .await?;
    let status = if edit.is_some() || note.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (f, mut errors) = edit.unwrap_or_else(|| (Typed::of(&r), FormErrors::new()));
    let note = match note {
        Some((n, e)) => {
            errors = e;
            n
        }
        None => String::new(),
    };
    render_status(
        status,
        &ShowPage {
            layout: staff.layout(&r.label, "/staff/programmes"),
            r,
            tier,
            f,
            errors,
            note,
            provided_count,
            missing_count,
            missing,
            missing_pager,
            provided,
            provided_pager,
        },
    )
}

/// `GET /staff/asset-requests/{id}`: the request, who has provided it and who has not.
pub async fn show(staff: S, id: web::Path<i64>, q: web::Query<Pages>) -> AppResult<HttpResponse> {
    show_page(&staff, *id, q.into_inner(), None, None).await
}

/// `POST /staff/asset-requests/{id}`: new wording or due date.
pub async fn update(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let mut f = Typed::from(&Fields(form.into_inner()));
    let current = staff.state.db.run(move |c| Ok(rows::find(c, id)?)).await?;
    // The kind stays what it was: answers were given to it.
    f.kind = current.kind.clone();
    let input = match service::parse_request(&f.label, &f.kind, &f.help, &f.due_on) {
        Ok(i) => i,
        Err(errors) => {
            return show_page(&staff, id, Pages::default(), Some((f, errors)), None).await;
        }
    };
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| service::update(c, &actor, id, &input))
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/asset-requests/{id}"),
        FlashKind::Success,
        "Saved.",
    ))
}

/// `POST /staff/asset-requests/{id}/delete`: removes the request with its answers.
pub async fn delete(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let actor = staff.actor();
    let (tier_id, keys) = staff
        .state
        .db
        .run(move |c| service::delete(c, &actor, id))
        .await?;
    let dir = staff.state.settings.data_dir.clone();
    for k in keys {
        service::delete_file(&dir, &k);
    }
    Ok(redirect_with_flash(
        &format!("/staff/tiers/{tier_id}#assets"),
        FlashKind::Success,
        "Removed, with what sponsors had provided for it.",
    ))
}

/// `POST /staff/asset-requests/{id}/email`: emails every sponsor still missing it.
pub async fn email_missing(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let typed = Fields(form.into_inner()).get("note");
    let note = match crate::domain::text::optional_multi_line(&typed, "the note", MAX_NOTE_CHARS) {
        Ok(n) => n,
        Err(m) => {
            let e = FormErrors::one("note", m);
            return show_page(&staff, id, Pages::default(), None, Some((typed, e))).await;
        }
    };
    let (actor, settings) = (staff.actor(), staff.state.settings.clone());
    let today = chrono::Utc::now().date_naive();
    let r = staff
        .state
        .db
        .run(move |c| service::email_missing(c, &settings, &actor, id, &note, today))
        .await;
    let (sponsors, emails) = match r {
        Ok(x) => x,
        Err(AppError::Conflict(m)) => {
            return Ok(redirect_with_flash(
                &format!("/staff/asset-requests/{id}"),
                FlashKind::Error,
                &m,
            ));
        }
        Err(e) => return Err(e),
    };
    let message = if sponsors == 0 {
        "Nobody is missing it: no email was sent.".to_string()
    } else {
        format!(
            "Emailed {sponsors} sponsor(s) still missing it ({emails} email(s)). Each email is on its sponsor's timeline."
        )
    };
    Ok(redirect_with_flash(
        &format!("/staff/asset-requests/{id}"),
        FlashKind::Success,
        &message,
    ))
}

/// `GET /staff/asset-submissions/{id}/file`: a provided file, as an attachment.
pub async fn file(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let s = staff
        .state
        .db
        .run(move |c| Ok(rows::find_submission(c, id)?))
        .await?;
    let (Some(key), Some(kind)) = (s.file_key, s.file_type) else {
        return Err(AppError::NotFound);
    };
    let path =
        service::file_path(&staff.state.settings.data_dir, &key).ok_or(AppError::NotFound)?;
    let bytes = web::block(move || std::fs::read(path))
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?
        .map_err(|_| AppError::NotFound)?;
    let ext = crate::domain::assets::sniff_file(&bytes)
        .map(|(_, e)| e)
        .unwrap_or("bin");
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, kind))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"asset-{id}.{ext}\""),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}
