//! Success stories for editors: the list (and its CSV), writing a story, and the review
//! page where a submitted story is published (now or from a chosen day) or returned to its
//! author with feedback.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::FormErrors;
use crate::domain::story::{self, Status, category_label};
use crate::error::{AppError, AppResult};
use crate::models::sponsors::{self, Sponsor};
use crate::models::stories::{self, Story, StoryText};
use crate::web::extract::Staff;
use crate::web::extract::StoryEditors;

use crate::domain::form::Fields;
use crate::services::stories::{self as service, Author};
use crate::web::csv_export::{self, Chunk};
use crate::web::layout::{FlashKind, Layout};
use crate::web::pager::Pager;
use crate::web::staff::fmt_time;
use crate::web::story_form::{self as shared, PictureForm, PictureOutcome, StoryForm};
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<StoryEditors>;
type Form = web::Form<Vec<(String, String)>>;
const SECTION: &str = "/staff/stories";

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: String,
}

/// Stories listed on a page.
const PER_PAGE: i64 = 50;

impl ListQuery {
    fn status(&self) -> Option<Status> {
        self.status.parse().ok()
    }
}

#[derive(Template)]
#[template(path = "staff/stories/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Story>,
    pager: Pager,
    status: String,
    statuses: [Status; 4],
    csv_url: String,
    today: chrono::NaiveDate,
}

impl ListPage {
    fn updated(&self, s: &Story) -> String {
        fmt_time(&s.updated_at)
    }
}

/// `GET /staff/stories?status=&page=`: a page of the stories, newest change first.
pub async fn list(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let status = q.status();
    let asked = q.page.clone();
    let page_url = crate::web::pager::links(
        SECTION,
        status.map(|s| format!("status={s}")).unwrap_or_default(),
    );
    let (rows, pager) = staff
        .state
        .db
        .run(move |c| {
            let total = stories::count(c, status)?;
            let pager = Pager::new(Some(asked.as_str()), total, PER_PAGE, page_url);
            Ok((stories::page(c, status, pager.offset(), PER_PAGE)?, pager))
        })
        .await?;
    render(&ListPage {
        layout: staff.layout("Success stories", SECTION),
        rows,
        pager,
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        statuses: Status::ALL,
        csv_url: match status {
            Some(s) => format!("/staff/stories.csv?status={s}"),
            None => "/staff/stories.csv".into(),
        },
        today: chrono::Utc::now().date_naive(),
    })
}

/// `GET /staff/stories.csv`: every story of the list's status filter, oldest first;
/// streamed a chunk at a time.
pub async fn export_csv(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let status = q.status();
    const HEADER: &[&str] = &[
        "Story",
        "Title",
        "Organisation",
        "Sponsor",
        "Category",
        "Status",
        "Shown from",
        "Author",
        "Author email",
        "Written in",
        "Summary",
        "Last change (UTC)",
    ];
    csv_export::stream(&staff.state.db, "stories.csv", HEADER, move |c, after| {
        let list = stories::chunk_after(c, status, after, csv_export::CHUNK)?;
        let ids: Vec<i64> = list.iter().filter_map(|s| s.sponsor_id).collect();
        let names = sponsors::names_of(c, &ids)?;
        Ok(Chunk::of(
            list,
            |s| s.id,
            |s| {
                vec![vec![
                    s.id.to_string(),
                    s.title.clone(),
                    s.organisation.clone(),
                    s.sponsor_id
                        .and_then(|id| names.get(&id).cloned())
                        .unwrap_or_default(),
                    category_label(&s.category).to_string(),
                    s.status().label().to_string(),
                    s.public_date().map(|d| d.to_string()).unwrap_or_default(),
                    s.author_name.clone(),
                    s.author_email.clone(),
                    if s.by_sponsor() {
                        "sponsor portal"
                    } else {
                        "staff"
                    }
                    .to_string(),
                    s.summary.clone(),
                    fmt_time(&s.updated_at),
                ]]
            },
        ))
    })
    .await
}

#[derive(Template)]
#[template(path = "staff/stories/new.html")]
struct NewPage {
    layout: Layout,
    form: StoryForm,
    sponsors: Vec<Sponsor>,
    sponsor_id: Option<i64>,
}

async fn sponsor_options(staff: &S) -> AppResult<Vec<Sponsor>> {
    staff.state.db.run(|c| Ok(sponsors::all(c)?)).await
}

/// `GET /staff/stories/new`.
pub async fn new_form(staff: S) -> AppResult<HttpResponse> {
    let sponsors = sponsor_options(&staff).await?;
    render(&NewPage {
        layout: staff.layout("New success story", SECTION),
        form: StoryForm::blank(""),
        sponsors,
        sponsor_id: None,
    })
}

/// The sponsor picked in the form: None for "no sponsor", Err for something not in the list.
fn picked_sponsor(f: &Fields, sponsors: &[Sponsor], errors: &mut FormErrors) -> Option<i64> {
    let raw = f.get("sponsor_id");
    if raw.trim().is_empty() {
        return None;
    }
    match raw.trim().parse::<i64>() {
        Ok(id) if sponsors.iter().any(|s| s.id == id) => Some(id),
        _ => {
            errors.add("sponsor_id", "Choose a sponsor from the list, or none.");
            None
        }
    }
}

/// The text's result with the sponsor field's message added.
fn merge(
    text: Result<StoryText, service::Refused>,
    extra: FormErrors,
) -> Result<StoryText, service::Refused> {
    match text {
        Ok(t) if extra.is_empty() => Ok(t),
        Ok(t) => Err(Box::new((t, extra))),
        Err(mut refused) => {
            if let Some(m) = extra.get("sponsor_id") {
                refused.1.add("sponsor_id", m);
            }
            Err(refused)
        }
    }
}

/// `POST /staff/stories`.
pub async fn create(staff: S, form: Form) -> AppResult<HttpResponse> {
    let f = Fields(form.into_inner());
    let sponsors = sponsor_options(&staff).await?;
    let mut errors = FormErrors::new();
    let sponsor_id = picked_sponsor(&f, &sponsors, &mut errors);
    let text = match merge(service::parse_text(&f), errors) {
        Ok(t) => t,
        Err(refused) => {
            let (typed, e) = *refused;
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewPage {
                    layout: staff.layout("New success story", SECTION),
                    form: StoryForm::failed(typed, e, String::new()),
                    sponsors,
                    sponsor_id,
                },
            );
        }
    };
    let author = Author::Staff {
        user_id: staff.user.user.id,
        name: staff.user.user.name.clone(),
        email: staff.user.user.email.clone(),
    };
    let actor = staff.actor();
    let id = staff
        .state
        .db
        .run(move |c| service::create(c, &actor, &author, &text, sponsor_id))
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/stories/{id}"),
        FlashKind::Success,
        "Draft saved. Send it for review when it is ready.",
    ))
}

#[derive(Template)]
#[template(path = "staff/stories/show.html")]
struct ShowPage {
    layout: Layout,
    s: Story,
    status: Status,
    sponsor: Option<Sponsor>,
    sponsors: Vec<Sponsor>,
    sponsor_id: Option<i64>,
    form: StoryForm,
    picture: PictureForm,
    /// The review forms as typed, with their messages.
    feedback: String,
    publish_on: String,
    action_errors: FormErrors,
    today: chrono::NaiveDate,
}

impl ShowPage {
    fn preview_src(&self) -> Option<String> {
        self.s
            .image_key
            .as_ref()
            .map(|_| format!("/staff/stories/{}/image/l.png", self.s.id))
    }
    fn when(&self, t: &Option<chrono::NaiveDateTime>) -> String {
        crate::web::staff::fmt_opt_time(t)
    }
}

struct Typed {
    form: Option<StoryForm>,
    picture: Option<PictureForm>,
    sponsor_id: Option<Option<i64>>,
    feedback: String,
    publish_on: String,
    action_errors: FormErrors,
}

impl Typed {
    fn none() -> Typed {
        Typed {
            form: None,
            picture: None,
            sponsor_id: None,
            feedback: String::new(),
            publish_on: String::new(),
            action_errors: FormErrors::new(),
        }
    }
}

async fn show_page(staff: &S, id: i64, t: Typed, status: StatusCode) -> AppResult<HttpResponse> {
    let (s, sponsor, sponsors) = staff
        .state
        .db
        .run(move |c| {
            let s = stories::find(c, id)?;
            let sponsor = match s.sponsor_id {
                Some(sid) => Some(sponsors::find(c, sid)?),
                None => None,
            };
            Ok((s, sponsor, sponsors::all(c)?))
        })
        .await?;
    render_status(
        status,
        &ShowPage {
            layout: staff.layout(&s.title, SECTION),
            status: s.status(),
            sponsor_id: t.sponsor_id.unwrap_or(s.sponsor_id),
            form: t.form.unwrap_or_else(|| StoryForm::of(&s)),
            picture: t.picture.unwrap_or_else(|| PictureForm::of(&s)),
            sponsor,
            sponsors,
            feedback: t.feedback,
            publish_on: t.publish_on,
            action_errors: t.action_errors,
            today: chrono::Utc::now().date_naive(),
            s,
        },
    )
}

/// `GET /staff/stories/{id}`.
pub async fn show(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    show_page(&staff, *id, Typed::none(), StatusCode::OK).await
}

/// `POST /staff/stories/{id}`: the text (editors may edit in every state).
pub async fn update(staff: S, id: web::Path<i64>, form: Form) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    let sponsors = sponsor_options(&staff).await?;
    let mut errors = FormErrors::new();
    let sponsor_id = picked_sponsor(&f, &sponsors, &mut errors);
    let seen_status = shared::seen_status(&f)?;
    let seen_at = f.seen();
    let text = merge(service::parse_text(&f), errors);
    let text = match text {
        Ok(t) => t,
        Err(refused) => {
            let (typed, e) = *refused;
            let t = Typed {
                form: Some(StoryForm::failed(typed, e, f.get("seen"))),
                sponsor_id: Some(sponsor_id),
                ..Typed::none()
            };
            return show_page(&staff, id, t, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| {
            service::update(
                c,
                &actor,
                id,
                (seen_status, seen_at),
                &text,
                true,
                sponsor_id,
            )
        })
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/stories/{id}"),
        FlashKind::Success,
        "Story saved.",
    ))
}

/// `POST /staff/stories/{id}/submit`: a staff draft goes to review.
pub async fn submit(staff: S, id: web::Path<i64>, form: Form) -> AppResult<HttpResponse> {
    let id = *id;
    let seen = shared::seen_status(&Fields(form.into_inner()))?;
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| service::submit(c, &actor, id, seen))
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/stories/{id}"),
        FlashKind::Success,
        "The story is waiting for review.",
    ))
}

/// `POST /staff/stories/{id}/publish`: now, or from the day given.
pub async fn publish(staff: S, id: web::Path<i64>, form: Form) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    let today = chrono::Utc::now().date_naive();
    let typed = f.get("publish_on");
    let day = match story::parse_publish_day(&typed, today) {
        Ok(d) => d,
        Err(m) => {
            let mut action_errors = FormErrors::new();
            action_errors.add("publish_on", m);
            let t = Typed {
                publish_on: typed,
                action_errors,
                ..Typed::none()
            };
            return show_page(&staff, id, t, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (actor, settings) = (staff.actor(), staff.state.settings.clone());
    staff
        .state
        .db
        .run(move |c| service::publish(c, &settings, &actor, id, day, today))
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/stories/{id}"),
        FlashKind::Success,
        match day.filter(|d| *d > today) {
            Some(_) => "Published: the story appears on its day. The author has been told.",
            None => "Published: the story is on the site. The author has been told.",
        },
    ))
}

/// `POST /staff/stories/{id}/return`: back to the author with feedback (emailed).
pub async fn return_story(staff: S, id: web::Path<i64>, form: Form) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    let seen = shared::seen_status(&f)?;
    let typed = f.get("feedback");
    let feedback = match story::parse_feedback(&typed) {
        Ok(text) => text,
        Err(m) => {
            let mut action_errors = FormErrors::new();
            action_errors.add("feedback", m);
            let t = Typed {
                feedback: typed,
                action_errors,
                ..Typed::none()
            };
            return show_page(&staff, id, t, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (actor, settings) = (staff.actor(), staff.state.settings.clone());
    staff
        .state
        .db
        .run(move |c| service::return_to_author(c, &settings, &actor, id, seen, &feedback))
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/stories/{id}"),
        FlashKind::Success,
        "Returned to the author, with your feedback by email.",
    ))
}

/// `POST /staff/stories/{id}/delete`.
pub async fn delete(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    shared::delete(&staff.state, staff.actor(), *id, true, SECTION).await
}

/// `POST /staff/stories/{id}/image?csrf_token=…` (multipart).
pub async fn upload_image(
    staff: S,
    id: web::Path<i64>,
    req: HttpRequest,
    form: Multipart,
) -> AppResult<HttpResponse> {
    let back = format!("/staff/stories/{}#picture", *id);
    match shared::set_uploaded_image(&staff.state, staff.actor(), *id, true, &req, form, &back)
        .await?
    {
        PictureOutcome::Saved(r) => Ok(r),
        PictureOutcome::Refused(picture) => {
            let t = Typed {
                picture: Some(picture),
                ..Typed::none()
            };
            show_page(&staff, *id, t, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /staff/stories/{id}/image/remove`.
pub async fn remove_image(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let back = format!("/staff/stories/{}#picture", *id);
    shared::remove_image(&staff.state, staff.actor(), *id, true, &back).await
}

/// `GET /staff/stories/{id}/image/{size}.png`: the picture whatever the story's status.
pub async fn image(staff: S, path: web::Path<(i64, String)>) -> AppResult<HttpResponse> {
    let (id, file) = path.into_inner();
    let size = shared::size_of(&file)?.to_string();
    let s = staff
        .state
        .db
        .run(move |c| Ok(stories::find(c, id)?))
        .await?;
    let key = s.image_key.ok_or(AppError::NotFound)?;
    shared::image_response(&staff.state.settings.data_dir, &key, &size, "no-store").await
}
