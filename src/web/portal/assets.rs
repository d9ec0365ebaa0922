//! "What we need from you": the benefit assets a sponsor's tiers ask for, with the due
//! dates, and the forms that take them (a text, a link, a yes/no answer, or a file).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::FormErrors;
use crate::domain::assets::{self, Kind, MAX_FILE_BYTES};
use crate::domain::form::Fields;
use crate::domain::weburl::parse_website;
use crate::error::{AppError, AppResult};
use crate::models::assets::{AssetRequest, NewSubmission, Submission};
use crate::services::assets::{self as service, AskedTerm};
use crate::web::extract::portal::SponsorPortal;
use crate::web::layout::{FlashKind, Layout};
use crate::web::multipart::{Limits, Reader};
use crate::web::{redirect_with_flash, render_status};

/// One thing asked of one sponsorship.
pub struct Item {
    pub r: AssetRequest,
    pub sponsorship_id: i64,
    pub answer: Option<Submission>,
    /// The form's field id and error key: `answer-{request}-{sponsorship}`.
    pub field: String,
    /// What was typed, when refused.
    pub typed: String,
    pub overdue: bool,
}

/// A sponsorship and what it is asked for.
pub struct Group {
    pub tier: String,
    pub term: String,
    pub items: Vec<Item>,
}

#[derive(Template)]
#[template(path = "portal/assets.html")]
struct AssetsPage {
    layout: Layout,
    groups: Vec<Group>,
    errors: FormErrors,
    missing: usize,
}

impl AssetsPage {
    fn when(&self, s: &Submission) -> String {
        s.submitted_at.format("%-d %B %Y").to_string()
    }
}

fn field(request_id: i64, sponsorship_id: i64) -> String {
    format!("answer-{request_id}-{sponsorship_id}")
}

/// The page, with a refused answer (its field and what was typed) when there is one.
async fn page(
    p: &SponsorPortal,
    refused: Option<(String, String, String)>,
) -> AppResult<HttpResponse> {
    let sid = p.sponsor_id;
    let today = chrono::Utc::now().date_naive();
    let terms = p
        .state
        .db
        .run(move |c| service::for_sponsor(c, sid))
        .await?;
    let mut errors = FormErrors::new();
    let (refused_field, refused_typed) = match refused {
        Some((f, typed, m)) => {
            errors.add(&f, m);
            (f, typed)
        }
        None => (String::new(), String::new()),
    };
    let missing = AskedTerm::outstanding(&terms, today).0;
    let groups: Vec<Group> = terms
        .into_iter()
        .map(|t| {
            let s = t.sponsorship;
            let items = t
                .items
                .into_iter()
                .map(|(r, answer)| {
                    let f = field(r.id, s.id);
                    // A refused answer shows what was typed; else the answer given (a file's
                    // name is not something to type again).
                    let typed = if f == refused_field {
                        refused_typed.clone()
                    } else {
                        answer
                            .as_ref()
                            .filter(|_| r.kind() != Kind::File)
                            .map(|a| a.value.clone())
                            .unwrap_or_default()
                    };
                    Item {
                        overdue: answer.is_none() && r.due_on < today,
                        r,
                        sponsorship_id: s.id,
                        answer,
                        field: f,
                        typed,
                    }
                })
                .collect();
            Group {
                tier: t.tier,
                term: format!(
                    "{} – {}",
                    s.start_date.format("%-d %B %Y"),
                    s.end_date.format("%-d %B %Y")
                ),
                items,
            }
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &AssetsPage {
            layout: super::pages::layout(p, "What we need from you", "/portal/assets"),
            groups,
            errors,
            missing,
        },
    )
}

/// `GET /portal/assets`.
pub async fn list(p: SponsorPortal) -> AppResult<HttpResponse> {
    page(&p, None).await
}

/// Stores an answer, or shows the page again with the message next to its field.
async fn save(
    p: &SponsorPortal,
    request_id: i64,
    sponsorship_id: i64,
    value: String,
    file: Option<(String, &'static str)>,
) -> AppResult<HttpResponse> {
    let (sid, actor, by) = (p.sponsor_id, p.actor(), p.email.clone());
    let stored_key = file.as_ref().map(|(k, _)| k.clone());
    let r = p
        .state
        .db
        .run(move |c| {
            let answer = NewSubmission {
                value: &value,
                file: file.as_ref().map(|(k, t)| (k.as_str(), *t)),
                by: &by,
            };
            service::provide(c, &actor, sid, request_id, sponsorship_id, &answer)
        })
        .await;
    let dir = p.state.settings.data_dir.clone();
    match r {
        Ok(replaced) => {
            if let Some(old) = replaced {
                service::delete_file(&dir, &old);
            }
            Ok(redirect_with_flash(
                "/portal/assets",
                FlashKind::Success,
                "Thank you, received. You can replace it here until we use it.",
            ))
        }
        Err(e) => {
            if let Some(k) = stored_key {
                service::delete_file(&dir, &k);
            }
            Err(e)
        }
    }
}

/// The request's kind, as asked of this sponsorship of the link's sponsor (404 otherwise).
async fn kind_of(p: &SponsorPortal, request_id: i64, sponsorship_id: i64) -> AppResult<Kind> {
    let sid = p.sponsor_id;
    p.state
        .db
        .run(move |c| {
            Ok(service::request_for(c, sid, request_id, sponsorship_id)?
                .1
                .kind())
        })
        .await
}

/// `POST /portal/assets/{request}/{sponsorship}`: a text, link or yes/no answer.
pub async fn answer(
    p: SponsorPortal,
    path: web::Path<(i64, i64)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (rid, sid) = path.into_inner();
    let kind = kind_of(&p, rid, sid).await?;
    let typed = Fields(form.into_inner()).get("answer");
    let checked = match kind {
        Kind::Text => assets::parse_text(&typed),
        Kind::Link => parse_website(&typed),
        Kind::YesNo => assets::parse_yes_no(&typed).map(str::to_string),
        Kind::File => Err("Choose the file to send.".to_string()),
    };
    match checked {
        Ok(v) => save(&p, rid, sid, v, None).await,
        Err(m) => page(&p, Some((field(rid, sid), typed, m))).await,
    }
}

/// The most a file form may send besides its file.
const LIMITS: Limits = Limits {
    text: 16 * 1024,
    field: 8 * 1024,
    parts: 8,
};

/// `POST /portal/assets/{request}/{sponsorship}/file?csrf_token=…` (multipart): a file.
pub async fn upload(
    p: SponsorPortal,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
    form: Multipart,
) -> AppResult<HttpResponse> {
    let (rid, sid) = path.into_inner();
    let kind = kind_of(&p, rid, sid).await?;
    let refuse = |m: &str| Some((field(rid, sid), String::new(), m.to_string()));
    if kind != Kind::File {
        return page(&p, refuse("Answer this one in its own box.")).await;
    }
    if crate::web::declares_more_than(&req, MAX_FILE_BYTES + 64 * 1024) {
        return page(&p, refuse(service::TOO_LARGE)).await;
    }
    let mut reader = Reader::new(form, LIMITS);
    let part = reader.next_file("file", MAX_FILE_BYTES).await?;
    let Some(part) = part.filter(|f| f.chosen()) else {
        return page(&p, refuse("Choose the file to send.")).await;
    };
    let checked = if part.too_large {
        Err(service::TOO_LARGE.to_string())
    } else {
        service::check_file(&part.bytes)
    };
    let content_type = match checked {
        Ok(t) => t,
        Err(m) => return page(&p, refuse(&m)).await,
    };
    // The name as sent, to show only: one line, at most 200 characters.
    let name: String = part
        .name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let dir = p.state.settings.data_dir.clone();
    let bytes = part.bytes;
    let key = web::block(move || service::store_file(&dir, &bytes))
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?
        .map_err(|e| AppError::Unexpected(e.into()))?;
    save(&p, rid, sid, name, Some((key, content_type))).await
}
