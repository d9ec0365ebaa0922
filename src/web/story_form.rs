//! What the staff and portal story pages share: the text form as typed, and reading the
//! picture from a multipart upload.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, http::header, web};

use crate::domain::FormErrors;
use crate::domain::form::stamp;
use crate::domain::story::CATEGORIES;
use crate::error::{AppError, AppResult};
use crate::models::stories::{Story, StoryText};
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

/// The picture form (the file and what it shows), as typed, with a message per field.
pub struct PictureForm {
    pub alt: String,
    pub errors: FormErrors,
}

impl PictureForm {
    pub fn of(s: &Story) -> PictureForm {
        PictureForm {
            alt: s.image_alt.clone(),
            errors: FormErrors::new(),
        }
    }
}

/// What became of a picture form.
pub enum PictureOutcome {
    /// Saved: the answer to send (back to the story, with a message).
    Saved(HttpResponse),
    /// Refused: the form again, with the messages next to its fields (status 422).
    Refused(PictureForm),
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
pub fn seen_status(f: &crate::domain::form::Fields) -> AppResult<crate::domain::story::Status> {
    f.get("status")
        .parse()
        .map_err(|_| AppError::BadRequest("The form is incomplete; open the story again.".into()))
}

/// Deletes a story (the row first, then its picture's files) and goes back to `list`.
pub async fn delete(
    state: &crate::state::AppState,
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
    state: &crate::state::AppState,
    actor: crate::services::audit::Actor,
    id: i64,
    by_editor: bool,
    back: &str,
) -> AppResult<HttpResponse> {
    let old = state
        .db
        .run(move |c| crate::services::stories::set_image(c, &actor, id, None, "", by_editor))
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

/// Reads the picture form: the description, and the file (checked and stored as a story
/// picture). Without a file, a story that has a picture gets the new description only.
/// A refused form writes nothing, and files no row names are removed.
pub async fn set_uploaded_image(
    state: &crate::state::AppState,
    actor: crate::services::audit::Actor,
    id: i64,
    by_editor: bool,
    req: &HttpRequest,
    form: Multipart,
    back: &str,
) -> AppResult<PictureOutcome> {
    let data_dir = state.settings.data_dir.clone();
    let mut errors = FormErrors::new();
    if crate::web::declares_more_than(req, upload::BODY_LIMIT) {
        // Refused unread: the description field shows the one saved, not an empty one that
        // the next upload would save over it.
        let alt = state
            .db
            .run(move |c| Ok(crate::models::stories::find(c, id)?.image_alt))
            .await?;
        errors.add("image", crate::media::too_large_message());
        return Ok(PictureOutcome::Refused(PictureForm { alt, errors }));
    }
    let read = upload::read_file_field(form, "image").await?;
    let typed_alt = read
        .fields
        .iter()
        .find(|(k, _)| k == "image_alt")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let alt = crate::domain::text::optional_single_line(&typed_alt, "what the picture shows", 200)
        .map_err(|m| errors.add("image_alt", m))
        .ok();
    let file = match read.logo {
        Ok(f) => f,
        Err(m) => {
            errors.add("image", m);
            None
        }
    };
    let refused = |errors: FormErrors| {
        Ok(PictureOutcome::Refused(PictureForm {
            alt: typed_alt.clone(),
            errors,
        }))
    };
    let Some(alt) = alt.filter(|_| errors.is_empty()) else {
        return refused(errors);
    };
    let Some(bytes) = file else {
        // No file: a new description for the picture the story has.
        let a = alt.clone();
        let r = state
            .db
            .run(move |c| crate::services::stories::describe_image(c, &actor, id, &a, by_editor))
            .await;
        return match r {
            Ok(()) => Ok(PictureOutcome::Saved(crate::web::redirect_with_flash(
                back,
                crate::web::layout::FlashKind::Success,
                "Description saved.",
            ))),
            Err(AppError::BadRequest(m)) => {
                errors.add("image", m);
                refused(errors)
            }
            Err(e) => Err(e),
        };
    };
    let key = match upload::store_story_image(&data_dir, bytes).await? {
        Ok(s) => s.key,
        Err(m) => {
            errors.add("image", m);
            return refused(errors);
        }
    };
    let k = key.clone();
    let r = state
        .db
        .run(move |c| crate::services::stories::set_image(c, &actor, id, Some(&k), &alt, by_editor))
        .await;
    finish_image(&data_dir, back, &key, r)
        .await
        .map(PictureOutcome::Saved)
}
