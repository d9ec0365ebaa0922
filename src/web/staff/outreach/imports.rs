//! `/staff/usage`: uploading a usage file, watching it being read, the refused lines, and
//! the review of the organisations the matcher could not settle before confirming.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

use crate::domain::form::Fields;
use crate::error::{AppError, AppResult};
use crate::models::usage::{self as rows, Import, ImportOrg};
use crate::private_files::Incoming;
use crate::services::usage_import::{self as svc, Choice, MAX_FILE_BYTES};
use crate::web::extract::{OutreachStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::pager::Pager;
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<OutreachStaff>;

const IMPORTS_PER_PAGE: i64 = 20;
const LINES_PER_PAGE: i64 = 100;
const ORGS_PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "staff/outreach/usage.html")]
struct UsagePage {
    layout: Layout,
    imports: Vec<Import>,
    pager: Pager,
    error: String,
    max_mb: usize,
}

impl UsagePage {
    fn time(&self, t: &chrono::NaiveDateTime) -> String {
        crate::web::staff::fmt_time(t)
    }
    fn n(&self, v: &i64) -> String {
        crate::domain::text::thousands(*v)
    }
}

async fn usage_page(staff: &S, page: String, error: String) -> AppResult<UsagePage> {
    let (imports, pager) = staff
        .state
        .db
        .run(move |c| {
            let total = rows::count_imports(c)?;
            let pager = Pager::new(
                Some(page.as_str()),
                total,
                IMPORTS_PER_PAGE,
                crate::web::pager::links("/staff/usage", String::new()),
            );
            Ok((
                rows::imports_page(c, pager.offset(), IMPORTS_PER_PAGE)?,
                pager,
            ))
        })
        .await?;
    Ok(UsagePage {
        layout: staff.layout("Usage figures", "/staff/prospects"),
        imports,
        pager,
        error,
        max_mb: MAX_FILE_BYTES / 1024 / 1024,
    })
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: String,
}

/// `GET /staff/usage`.
pub async fn index(staff: S, q: web::Query<PageQuery>) -> AppResult<HttpResponse> {
    render(&usage_page(&staff, q.into_inner().page, String::new()).await?)
}

async fn refused(staff: &S, why: String) -> AppResult<HttpResponse> {
    render_status(
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        &usage_page(staff, String::new(), why).await?,
    )
}

/// Reads the `file` part to disk a chunk at a time (the body is never held whole; each
/// chunk is written on the blocking pool). The first bytes are checked before the rest is
/// taken. Returns the stored file's key, the name it was sent with, and its size.
async fn receive(
    mut form: Multipart,
    dir: std::path::PathBuf,
) -> Result<(String, String, u64), String> {
    const UNREADABLE: &str = "The upload could not be read. Choose the file and send it again.";
    const NOT_STORED: &str = "The file could not be stored. Try again; if it happens again, \
         tell an administrator.";
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| UNREADABLE.to_string())?;
        if field.name() != Some("file") {
            while let Some(chunk) = field.next().await {
                chunk.map_err(|_| UNREADABLE.to_string())?;
            }
            continue;
        }
        let name: String = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let mut up = Incoming::start(&dir, ".csv").map_err(|e| {
            tracing::error!(error = %e, "cannot store an uploaded usage file");
            NOT_STORED.to_string()
        })?;
        let mut checked = false;
        while let Some(chunk) = field.next().await {
            let refusal = match &chunk {
                Err(_) => Some(UNREADABLE.to_string()),
                Ok(c) if !checked => svc::check_start(c).err(),
                Ok(c) if up.bytes() + c.len() as u64 > MAX_FILE_BYTES as u64 => {
                    Some(svc::too_large_message())
                }
                Ok(_) => None,
            };
            let chunk = match (refusal, chunk) {
                (None, Ok(c)) => c,
                (why, _) => {
                    up.abandon();
                    return Err(why.unwrap_or_else(|| UNREADABLE.to_string()));
                }
            };
            checked = true;
            let (back, written) = web::block(move || {
                let r = up.write(&chunk);
                (up, r)
            })
            .await
            .map_err(|_| NOT_STORED.to_string())?;
            up = back;
            if written.is_err() {
                up.abandon();
                return Err(NOT_STORED.into());
            }
        }
        if up.bytes() == 0 {
            up.abandon();
            return Err(if name.is_empty() {
                "Choose the CSV file with the usage figures.".into()
            } else {
                "The file is empty. Choose the CSV file with the usage figures.".into()
            });
        }
        let (key, bytes) = web::block(move || up.finish())
            .await
            .map_err(|_| NOT_STORED.to_string())?
            .map_err(|_| NOT_STORED.to_string())?;
        let name = if name.trim().is_empty() {
            "usage.csv".to_string()
        } else {
            name
        };
        return Ok((key, name, bytes));
    }
    Err("Choose the CSV file with the usage figures.".into())
}

/// `POST /staff/usage/imports?csrf_token=…` (multipart): stores the file and queues it; the
/// worker reads it in the background.
pub async fn upload(staff: S, req: HttpRequest, form: Multipart) -> AppResult<HttpResponse> {
    if crate::web::declares_more_than(&req, MAX_FILE_BYTES + 64 * 1024) {
        return refused(&staff, svc::too_large_message()).await;
    }
    let dir = svc::files_dir(&staff.state.settings.data_dir);
    let (key, name, bytes) = match receive(form, dir).await {
        Ok(x) => x,
        Err(why) => return refused(&staff, why).await,
    };
    let by = staff.user.user.email.clone();
    let actor = staff.actor();
    let id = staff
        .state
        .db
        .run(move |c| svc::queue(c, Some(&actor), &name, &key, &by, bytes, None))
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/usage/imports/{id}"),
        FlashKind::Success,
        "Uploaded. The file is being read; nothing is stored until you confirm.",
    ))
}

#[derive(Template)]
#[template(path = "staff/outreach/import.html")]
struct ImportPage {
    layout: Layout,
    i: Import,
    lines: Vec<(i64, String)>,
    lines_pager: Pager,
    orgs: Vec<ImportOrg>,
    orgs_pager: Pager,
    summary: Vec<rows::OrgCount>,
    undecided: i64,
    names: std::collections::HashMap<String, String>,
}

impl ImportPage {
    fn n(&self, v: &i64) -> String {
        crate::domain::text::thousands(*v)
    }
    fn time(&self, t: &chrono::NaiveDateTime) -> String {
        crate::web::staff::fmt_time(t)
    }
    /// Organisations and rows with this outcome.
    fn count(&self, found: &str, decision: Option<&str>) -> (i64, i64) {
        self.summary
            .iter()
            .filter(|c| {
                (found.is_empty() || c.found == found)
                    && match decision {
                        Some("-") => c.decision.is_none(),
                        Some(x) => c.decision.as_deref() == Some(x),
                        None => true,
                    }
            })
            .fold((0, 0), |(a, b), c| (a + c.orgs, b + c.rows))
    }
    fn orgs_of(&self, found: &str, decision: Option<&str>) -> String {
        let (o, r) = self.count(found, decision);
        format!(
            "{} organisation{} ({} figure{})",
            self.n(&o),
            if o == 1 { "" } else { "s" },
            self.n(&r),
            if r == 1 { "" } else { "s" }
        )
    }
    /// "Sponsor: Acme Inc." for a candidate.
    /// What an organisation was matched to by hand ("Sponsor: Acme Inc.").
    fn matched_label(&self, o: &ImportOrg) -> String {
        match (o.sponsor_id, o.prospect_id) {
            (Some(s), _) => self.candidate_label(&true, &s),
            (_, Some(p)) => self.candidate_label(&false, &p),
            _ => String::new(),
        }
    }
    fn candidate_label(&self, is_sponsor: &bool, id: &i64) -> String {
        let key = format!("{}:{id}", if *is_sponsor { "sponsor" } else { "prospect" });
        let name = self
            .names
            .get(&key)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"));
        if *is_sponsor {
            format!("Sponsor: {name}")
        } else {
            format!("Prospect: {name}")
        }
    }
    fn chosen(&self, o: &ImportOrg, value: &str) -> bool {
        match (o.decision.as_deref(), value) {
            (Some("new"), "new") | (Some("skip"), "skip") => true,
            (Some("match"), v) => match (o.sponsor_id, o.prospect_id) {
                (Some(s), _) => v == format!("sponsor:{s}"),
                (_, Some(p)) => v == format!("prospect:{p}"),
                _ => false,
            },
            _ => false,
        }
    }
}

#[derive(serde::Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    page: String,
}

/// `GET /staff/usage/imports/{id}`.
pub async fn show(
    staff: S,
    id: web::Path<i64>,
    q: web::Query<ImportQuery>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let page = q.into_inner().page;
    let p = page.clone();
    let data = staff
        .state
        .db
        .run(move |c| {
            let i = rows::find_import(c, id)?;
            let base = format!("/staff/usage/imports/{id}");
            let lines_total = rows::count_errors(c, id)?;
            let lines_pager = Pager::new(
                Some(p.as_str()),
                lines_total,
                LINES_PER_PAGE,
                crate::web::pager::links(&base, String::new()),
            );
            let lines = rows::errors_page(c, id, lines_pager.offset(), LINES_PER_PAGE)?;
            let orgs_total = rows::count_orgs_to_review(c, id)?;
            let orgs_pager = Pager::new(
                Some(p.as_str()),
                orgs_total,
                ORGS_PER_PAGE,
                crate::web::pager::links(&base, String::new()),
            );
            let orgs = rows::orgs_to_review(c, id, orgs_pager.offset(), ORGS_PER_PAGE)?;
            // The names of the candidates on this page, one query a kind.
            let mut sponsor_ids = Vec::new();
            let mut prospect_ids = Vec::new();
            for o in &orgs {
                for (is_sponsor, cid) in o.candidate_ids() {
                    if is_sponsor {
                        sponsor_ids.push(cid);
                    } else {
                        prospect_ids.push(cid);
                    }
                }
                // Matched by hand: named too.
                sponsor_ids.extend(o.sponsor_id);
                prospect_ids.extend(o.prospect_id);
            }
            let mut names = std::collections::HashMap::new();
            for (sid, name) in crate::models::sponsors::names_of(c, &sponsor_ids)? {
                names.insert(format!("sponsor:{sid}"), name);
            }
            for (pid, name) in crate::models::prospects::names_of(c, &prospect_ids)? {
                names.insert(format!("prospect:{pid}"), name);
            }
            Ok(ImportPage {
                layout: Layout::bare("", ""),
                summary: rows::org_summary(c, id)?,
                undecided: rows::count_undecided(c, id)?,
                i,
                lines,
                lines_pager,
                orgs,
                orgs_pager,
                names,
            })
        })
        .await?;
    let title = format!("Usage import · {}", data.i.file_name);
    render(&ImportPage {
        layout: staff.layout(&title, "/staff/prospects"),
        ..data
    })
}

/// `GET /staff/usage/imports/{id}/progress`: how far the reading is, for the page's script.
pub async fn progress(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let i = staff
        .state
        .db
        .run(move |c| Ok(rows::find_import(c, id)?))
        .await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(
        serde_json::json!({
            "status": i.status,
            "percent": i.percent(),
            "rows_read": i.rows_read,
            "rows_bad": i.rows_bad,
        })
        .to_string(),
    ))
}

fn back(id: i64) -> String {
    format!("/staff/usage/imports/{id}")
}

async fn answer(id: i64, r: AppResult<String>) -> AppResult<HttpResponse> {
    match r {
        Ok(m) => Ok(redirect_with_flash(&back(id), FlashKind::Success, &m)),
        Err(AppError::Conflict(m)) | Err(AppError::BadRequest(m)) => {
            Ok(redirect_with_flash(&back(id), FlashKind::Error, &m))
        }
        Err(e) => Err(e),
    }
}

/// `POST /staff/usage/imports/{id}/decide`: `org-{id}` = new | skip | sponsor:N | prospect:N.
pub async fn decide(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let fields = Fields(form.into_inner());
    let mut choices = Vec::new();
    let mut named = Vec::new();
    for (k, v) in &fields.0 {
        let Some(org) = k.strip_prefix("org-").and_then(|o| o.parse::<i64>().ok()) else {
            continue;
        };
        if v == "named" {
            named.push((org, fields.get(&format!("name-{org}"))));
            continue;
        }
        let Some(choice) = Choice::parse(v) else {
            return Err(AppError::BadRequest(
                "Choose one of the options offered.".into(),
            ));
        };
        choices.push((org, choice));
    }
    // Organisations matched by hand: the name typed must find exactly one.
    if !named.is_empty() {
        let found = staff
            .state
            .db
            .run(move |c| {
                let mut out = Vec::new();
                for (org, text) in named {
                    let name = rows::find_org(c, id, org)?.name;
                    out.push((org, name, svc::lookup(c, &text)?));
                }
                Ok(out)
            })
            .await?;
        for (org, name, r) in found {
            match r {
                Ok(choice) => choices.push((org, choice)),
                Err(why) => {
                    return answer(
                        id,
                        Err(AppError::BadRequest(format!(
                            "{name}: {why}. Nothing was saved."
                        ))),
                    )
                    .await;
                }
            }
        }
    }
    let r = staff
        .state
        .db
        .run(move |c| svc::decide(c, id, &choices))
        .await
        .map(|n| format!("{n} choice{} saved.", if n == 1 { "" } else { "s" }));
    answer(id, r).await
}

/// `POST /staff/usage/imports/{id}/unmatched`: `choice` = new | skip for every organisation
/// the matcher found nothing for.
pub async fn unmatched(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let choice = Choice::parse(&Fields(form.into_inner()).get("choice"))
        .ok_or_else(|| AppError::BadRequest("Choose one of the options offered.".into()))?;
    let r = staff
        .state
        .db
        .run(move |c| svc::decide_unmatched(c, id, choice))
        .await
        .map(|n| match choice {
            Choice::NewProspect => format!("{n} organisations will be added as prospects."),
            _ => format!("{n} organisations will be left out."),
        });
    answer(id, r).await
}

/// `POST /staff/usage/imports/{id}/confirm`.
pub async fn confirm(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| svc::confirm(c, &actor, id))
        .await;
    let data_dir = staff.state.settings.data_dir.clone();
    let r = match r {
        Ok(done) => {
            let key = done.file_key.clone();
            let _ = web::block(move || svc::delete_file(&data_dir, &key)).await;
            Ok(format!(
                "Imported: {} figures stored{}.",
                crate::domain::text::thousands(done.figures as i64),
                if done.new_prospects > 0 {
                    format!(", {} new prospects added", done.new_prospects)
                } else {
                    String::new()
                }
            ))
        }
        Err(e) => Err(e),
    };
    answer(id, r).await
}

/// `POST /staff/usage/imports/{id}/cancel`.
pub async fn cancel(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| svc::cancel(c, &actor, id))
        .await;
    let data_dir = staff.state.settings.data_dir.clone();
    let r = match r {
        Ok(key) => {
            let _ = web::block(move || svc::delete_file(&data_dir, &key)).await;
            Ok("Cancelled: nothing from this file was stored.".to_string())
        }
        Err(e) => Err(e),
    };
    answer(id, r).await
}
