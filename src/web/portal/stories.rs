//! Success stories in the sponsor portal: a sponsor writes a story about how they use our
//! work, sends it to our editors, and works on it again if it is returned. Every story is
//! loaded through the portal's sponsor: another sponsor's story is a 404.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::form::Fields;
use crate::domain::story::Status;
use crate::error::{AppError, AppResult};
use crate::models::sponsors;
use crate::models::stories::{self, Story};
use crate::services::stories::{self as service, Author};
use crate::web::extract::portal::SponsorPortal;
use crate::web::layout::{FlashKind, Layout};
use crate::web::story_form::{self as shared, PictureForm, PictureOutcome, StoryForm};
use crate::web::{redirect_with_flash, render, render_status};

type Form = web::Form<Vec<(String, String)>>;
const SECTION: &str = "/portal/stories";

fn layout(p: &SponsorPortal, title: &str) -> Layout {
    let mut l = p.layout(title, "");
    l.portal = true;
    l.nav = Layout::portal_nav(SECTION);
    l
}

#[derive(Template)]
#[template(path = "portal/stories.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Story>,
    today: chrono::NaiveDate,
}

/// `GET /portal/stories`.
pub async fn list(p: SponsorPortal) -> AppResult<HttpResponse> {
    let sid = p.sponsor_id;
    let rows = p
        .state
        .db
        .run(move |c| Ok(stories::for_author_sponsor(c, sid)?))
        .await?;
    render(&ListPage {
        layout: layout(&p, "Success stories"),
        rows,
        today: chrono::Utc::now().date_naive(),
    })
}

#[derive(Template)]
#[template(path = "portal/story_new.html")]
struct NewPage {
    layout: Layout,
    form: StoryForm,
}

/// `GET /portal/stories/new`.
pub async fn new_form(p: SponsorPortal) -> AppResult<HttpResponse> {
    let sid = p.sponsor_id;
    let sponsor = p.state.db.run(move |c| Ok(sponsors::find(c, sid)?)).await?;
    render(&NewPage {
        layout: layout(&p, "Write a success story"),
        form: StoryForm::blank(&sponsor.name),
    })
}

/// `POST /portal/stories`.
pub async fn create(p: SponsorPortal, form: Form) -> AppResult<HttpResponse> {
    let f = Fields(form.into_inner());
    let text = match service::parse_text(&f) {
        Ok(t) => t,
        Err(refused) => {
            let (typed, errors) = *refused;
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewPage {
                    layout: layout(&p, "Write a success story"),
                    form: StoryForm::failed(typed, errors, String::new()),
                },
            );
        }
    };
    let (sid, email, actor) = (p.sponsor_id, p.email.clone(), p.actor());
    let id = p
        .state
        .db
        .run(move |c| {
            let author = Author::sponsor_contact(c, sid, &email)?;
            service::create(c, &actor, &author, &text, None)
        })
        .await?;
    Ok(redirect_with_flash(
        &format!("/portal/stories/{id}"),
        FlashKind::Success,
        "Draft saved. Add a picture if you like, then send it to us when it is ready.",
    ))
}

#[derive(Template)]
#[template(path = "portal/story.html")]
struct ShowPage {
    layout: Layout,
    s: Story,
    status: Status,
    form: StoryForm,
    picture: PictureForm,
    today: chrono::NaiveDate,
}

impl ShowPage {
    fn preview_src(&self) -> Option<String> {
        self.s
            .image_key
            .as_ref()
            .map(|_| format!("/portal/stories/{}/image/l.png", self.s.id))
    }
}

async fn own_story(p: &SponsorPortal, id: i64) -> AppResult<Story> {
    let sid = p.sponsor_id;
    p.state
        .db
        .run(move |c| Ok(stories::find_for_author_sponsor(c, sid, id)?))
        .await
}

async fn show_page(
    p: &SponsorPortal,
    id: i64,
    form: Option<StoryForm>,
    picture: Option<PictureForm>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let s = own_story(p, id).await?;
    render_status(
        status,
        &ShowPage {
            layout: layout(p, &s.title),
            status: s.status(),
            form: form.unwrap_or_else(|| StoryForm::of(&s)),
            picture: picture.unwrap_or_else(|| PictureForm::of(&s)),
            today: chrono::Utc::now().date_naive(),
            s,
        },
    )
}

/// `GET /portal/stories/{id}`.
pub async fn show(p: SponsorPortal, id: web::Path<i64>) -> AppResult<HttpResponse> {
    show_page(&p, *id, None, None, StatusCode::OK).await
}

/// `POST /portal/stories/{id}`: the text, while a draft or returned.
pub async fn update(p: SponsorPortal, id: web::Path<i64>, form: Form) -> AppResult<HttpResponse> {
    let id = *id;
    own_story(&p, id).await?;
    let f = Fields(form.into_inner());
    let seen = shared::seen_status(&f)?;
    let text = match service::parse_text(&f) {
        Ok(t) => t,
        Err(refused) => {
            let (typed, errors) = *refused;
            let form = StoryForm::failed(typed, errors, f.get("seen"));
            return show_page(&p, id, Some(form), None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (actor, seen_at) = (p.actor(), f.seen());
    p.state
        .db
        .run(move |c| service::update(c, &actor, id, (seen, seen_at), &text, false, None))
        .await?;
    Ok(redirect_with_flash(
        &format!("/portal/stories/{id}"),
        FlashKind::Success,
        "Story saved.",
    ))
}

/// `POST /portal/stories/{id}/submit`.
pub async fn submit(p: SponsorPortal, id: web::Path<i64>, form: Form) -> AppResult<HttpResponse> {
    let id = *id;
    own_story(&p, id).await?;
    let seen = shared::seen_status(&Fields(form.into_inner()))?;
    let actor = p.actor();
    p.state
        .db
        .run(move |c| service::submit(c, &actor, id, seen))
        .await?;
    Ok(redirect_with_flash(
        &format!("/portal/stories/{id}"),
        FlashKind::Success,
        "Thank you. Our editors will read your story and email you when it is published, or \
         if anything needs changing.",
    ))
}

/// `POST /portal/stories/{id}/take-back`: back to a draft, to change it.
pub async fn take_back(p: SponsorPortal, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    own_story(&p, id).await?;
    let actor = p.actor();
    p.state
        .db
        .run(move |c| service::take_back(c, &actor, id))
        .await?;
    Ok(redirect_with_flash(
        &format!("/portal/stories/{id}"),
        FlashKind::Success,
        "The story is a draft again: change it, then send it to our editors once more.",
    ))
}

/// `POST /portal/stories/{id}/delete`.
pub async fn delete(p: SponsorPortal, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    own_story(&p, id).await?;
    shared::delete(&p.state, p.actor(), id, false, SECTION).await
}

/// `POST /portal/stories/{id}/image?csrf_token=…` (multipart).
pub async fn upload_image(
    p: SponsorPortal,
    id: web::Path<i64>,
    req: HttpRequest,
    form: Multipart,
) -> AppResult<HttpResponse> {
    let id = *id;
    let s = own_story(&p, id).await?;
    let back = format!("/portal/stories/{id}#picture");
    if !s.status().author_may_edit() {
        return Ok(redirect_with_flash(
            &back,
            FlashKind::Error,
            "This story is with our editors now, so its picture cannot be changed.",
        ));
    }
    match shared::set_uploaded_image(&p.state, p.actor(), id, false, &req, form, &back).await? {
        PictureOutcome::Saved(r) => Ok(r),
        PictureOutcome::Refused(picture) => {
            show_page(
                &p,
                id,
                None,
                Some(picture),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /portal/stories/{id}/image/remove`.
pub async fn remove_image(p: SponsorPortal, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    own_story(&p, id).await?;
    let back = format!("/portal/stories/{id}#picture");
    shared::remove_image(&p.state, p.actor(), id, false, &back).await
}

/// `GET /portal/stories/{id}/image/{size}.png`: the sponsor's own story picture.
pub async fn image(p: SponsorPortal, path: web::Path<(i64, String)>) -> AppResult<HttpResponse> {
    let (id, file) = path.into_inner();
    let size = shared::size_of(&file)?.to_string();
    let s = own_story(&p, id).await?;
    let key = s.image_key.ok_or(AppError::NotFound)?;
    shared::image_response(&p.state.settings.data_dir, &key, &size, "no-store").await
}
