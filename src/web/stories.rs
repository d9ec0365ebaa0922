//! What the staff and portal story pages share: the text form as typed, and reading the
//! picture from a multipart upload.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, http::header, web};

use crate::domain::FormErrors;
use crate::domain::story::CATEGORIES;
use crate::error::{AppError, AppResult};
use crate::models::stories::{Story, StoryText};
use crate::web::form::stamp;
use crate::web::portal::upload;

/// The story form: what was typed, with a message per field.
pub struct StoryForm {
    pub typed: StoryText,
    pub errors: FormErrors,
    /// `updated_at` of the story as the form showed it (empty for a new story).
    pub seen: String,
    pub categories: &'static [(&'static str, &'static str)],
}

impl StoryForm {
    pub fn blank(organisation: &str) -> StoryForm {
        StoryForm {
            typed: StoryText {
                organisation: organisation.to_string(),
                ..StoryText::default()
            },
            errors: FormErrors::new(),
            seen: String::new(),
            categories: CATEGORIES,
        }
    }

    pub fn of(s: &Story) -> StoryForm {
        StoryForm {
            typed: StoryText {
                title: s.title.clone(),
                organisation: s.organisation.clone(),
                category: s.category.clone(),
                summary: s.summary.clone(),
                body: s.body.clone(),
                image_alt: s.image_alt.clone(),
            },
            errors: FormErrors::new(),
            seen: stamp(&s.updated_at),
            categories: CATEGORIES,
        }
    }

    pub fn failed(typed: StoryText, errors: FormErrors, seen: String) -> StoryForm {
        StoryForm {
            typed,
            errors,
            seen,
            categories: CATEGORIES,
        }
    }
}

/// Reads the `image` file of an upload form, checks and stores it as a story picture.
/// Ok(Err(sentence)) when the file is refused.
pub async fn receive_image(
    req: &HttpRequest,
    form: Multipart,
    data_dir: &std::path::Path,
) -> AppResult<Result<String, String>> {
    if crate::web::declares_more_than(req, upload::BODY_LIMIT) {
        return Ok(Err(crate::media::too_large_message()));
    }
    let bytes = match upload::read_file_field(form, "image").await?.logo {
        Ok(Some(b)) => b,
        Ok(None) => return Ok(Err("Choose a picture to upload.".into())),
        Err(m) => return Ok(Err(m)),
    };
    Ok(upload::store_story_image(data_dir, bytes)
        .await?
        .map(|s| s.key))
}

/// One size of a story picture from disk, with the given caching.
pub async fn image_response(
    data_dir: &std::path::Path,
    key: &str,
    size: &str,
    cache_control: &'static str,
) -> AppResult<HttpResponse> {
    let path = crate::media::story_image_path(data_dir, key, size).ok_or(AppError::NotFound)?;
    let bytes = web::block(move || std::fs::read(path))
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("reading a picture: {e}")))?
        .map_err(|_| AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes))
}

/// "l" or "s" from a `{size}.png` path segment.
pub fn size_of(file: &str) -> AppResult<&str> {
    let size = file.strip_suffix(".png").ok_or(AppError::NotFound)?;
    if crate::media::valid_size(size) {
        Ok(size)
    } else {
        Err(AppError::NotFound)
    }
}

/// Removes the replaced picture's files, or the new ones if the row was not changed.
pub async fn finish_image(
    data_dir: &std::path::Path,
    back: &str,
    key: &str,
    r: AppResult<Option<String>>,
) -> AppResult<HttpResponse> {
    match r {
        Ok(old) => {
            if let Some(old) = old.filter(|o| o != key) {
                upload::remove_story_image(data_dir, &old).await;
            }
            Ok(crate::web::redirect_with_flash(
                back,
                crate::web::layout::FlashKind::Success,
                "Picture saved.",
            ))
        }
        Err(e) => {
            upload::remove_story_image(data_dir, key).await;
            Err(e)
        }
    }
}

/// The workflow status the form was opened in (its hidden `status` field).
pub fn seen_status(f: &crate::web::form::Fields) -> AppResult<crate::domain::story::Status> {
    f.get("status")
        .parse()
        .map_err(|_| AppError::BadRequest("The form is incomplete; open the story again.".into()))
}

/// Deletes a story (the row first, then its picture's files) and goes back to `list`.
pub async fn delete(
    state: &crate::startup::AppState,
    actor: crate::services::audit::Actor,
    id: i64,
    by_editor: bool,
    list: &str,
) -> AppResult<HttpResponse> {
    let image = state
        .db
        .run(move |c| crate::services::stories::delete(c, &actor, id, by_editor))
        .await?;
    if let Some(key) = image {
        upload::remove_story_image(&state.settings.data_dir, &key).await;
    }
    Ok(crate::web::redirect_with_flash(
        list,
        crate::web::layout::FlashKind::Success,
        "Story deleted.",
    ))
}

/// Removes a story's picture (the row first, then its files) and sends the browser back.
pub async fn remove_image(
    state: &crate::startup::AppState,
    actor: crate::services::audit::Actor,
    id: i64,
    by_editor: bool,
    back: &str,
) -> AppResult<HttpResponse> {
    let old = state
        .db
        .run(move |c| crate::services::stories::set_image(c, &actor, id, None, by_editor))
        .await?;
    if let Some(old) = old {
        upload::remove_story_image(&state.settings.data_dir, &old).await;
    }
    Ok(crate::web::redirect_with_flash(
        back,
        crate::web::layout::FlashKind::Success,
        "Picture removed.",
    ))
}

/// Checks and stores an uploaded picture, then sets it on the story; a refused file goes
/// back with its message, and files no row names are removed.
pub async fn set_uploaded_image(
    state: &crate::startup::AppState,
    actor: crate::services::audit::Actor,
    id: i64,
    by_editor: bool,
    req: &HttpRequest,
    form: Multipart,
    back: &str,
) -> AppResult<HttpResponse> {
    let data_dir = state.settings.data_dir.clone();
    let key = match receive_image(req, form, &data_dir).await? {
        Ok(k) => k,
        Err(m) => {
            return Ok(crate::web::redirect_with_flash(
                back,
                crate::web::layout::FlashKind::Error,
                &m,
            ));
        }
    };
    let k = key.clone();
    let r = state
        .db
        .run(move |c| crate::services::stories::set_image(c, &actor, id, Some(&k), by_editor))
        .await;
    finish_image(&data_dir, back, &key, r).await
}
