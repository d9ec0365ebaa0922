//! Sponsor logos: staff upload one (it waits for approval), approve or reject it, preview the
//! waiting one; the public serves approved logos only. Checking and re-encoding is
//! `crate::media`'s job; this file moves bytes, rows and files.

use std::path::PathBuf;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::Semaphore;

use crate::db::write_tx;
use crate::error::{AppError, AppResult};
use crate::media::{self, MAX_UPLOAD_BYTES};
use crate::models::sponsors;
use crate::services::audit;
use crate::state::AppState;
use crate::web::extract::{SponsorshipsStaff, Staff};
use crate::web::layout::FlashKind;
use crate::web::redirect_with_flash;

/// Room for the multipart framing around the file (boundaries, part headers).
const MULTIPART_OVERHEAD: usize = 16 * 1024;
/// Bytes accepted in form fields other than the file (the form has none today).
const OTHER_FIELDS_LIMIT: usize = 16 * 1024;
/// Parts accepted before the file.
const MAX_PARTS: usize = 8;
/// Decoding a large image takes a few hundred MB for a moment; a few at a time is plenty.
static PROCESSING: Semaphore = Semaphore::const_new(2);

const UNREADABLE: &str = "The upload could not be read. Choose the file again and retry.";
const NO_FILE: &str = "Choose a logo file to upload.";

fn back(id: i64) -> String {
    format!("/staff/sponsors/{id}")
}

/// The bytes of the `logo` field, read up to the size limit and no further; the error is a
/// sentence for the uploader.
async fn read_logo_field(mut form: Multipart) -> Result<Vec<u8>, String> {
    let mut other_bytes = 0usize;
    let mut parts = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| UNREADABLE.to_string())?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(UNREADABLE.into());
        }
        if field.name() != Some("logo") {
            while let Some(chunk) = field.next().await {
                other_bytes += chunk.map_err(|_| UNREADABLE.to_string())?.len();
                if other_bytes > OTHER_FIELDS_LIMIT {
                    return Err(UNREADABLE.into());
                }
            }
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| UNREADABLE.to_string())?;
            if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                // Stop here: the rest of the body is never read.
                return Err(media::too_large_message());
            }
            bytes.extend_from_slice(&chunk);
        }
        // A browser sends an empty part with an empty file name when no file was chosen.
        let no_file_chosen = bytes.is_empty()
            && field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .is_none_or(str::is_empty);
        return if no_file_chosen {
            Err(NO_FILE.into())
        } else {
            Ok(bytes)
        };
    }
    Err(NO_FILE.into())
}

/// Why storing an upload did not happen.
enum StoreError {
    /// The upload is refused; the text is for the uploader.
    Refused(String),
    Failed(anyhow::Error),
}

/// A refused upload: logged (our own sentence, never the file name, so safe to log) and
/// answered with the sponsor page again, the message next to the file field.
async fn refused(
    staff: &Staff<SponsorshipsStaff>,
    id: i64,
    message: &str,
) -> AppResult<HttpResponse> {
    tracing::info!(sponsor = id, reason = message, "logo upload refused");
    crate::web::staff::sponsors::logo_refused(staff, id, message).await
}

/// `POST /staff/sponsors/{id}/logo`: check, re-encode and store an upload as the logo waiting
/// for approval (replacing an earlier waiting one). A refused upload writes nothing.
pub async fn upload(
    staff: Staff<SponsorshipsStaff>,
    id: web::Path<i64>,
    req: HttpRequest,
    form: Multipart,
) -> AppResult<HttpResponse> {
    let id = *id;
    staff
        .state
        .db
        .run(move |c| Ok(sponsors::find(c, id)?))
        .await?;

    // A declared length that cannot fit is refused before a byte of the body is read.
    if crate::web::declares_more_than(&req, MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD) {
        return refused(&staff, id, &media::too_large_message()).await;
    }
    let bytes = match read_logo_field(form).await {
        Ok(b) => b,
        Err(m) => return refused(&staff, id, &m).await,
    };

    let data_dir = staff.state.settings.data_dir.clone();
    let stored = {
        let _permit = PROCESSING
            .acquire()
            .await
            .map_err(|e| AppError::Unexpected(e.into()))?;
        let dir = data_dir.clone();
        web::block(move || {
            let logo = media::process_logo(&bytes).map_err(StoreError::Refused)?;
            let key = media::store_logo(&dir, &logo).map_err(|e| {
                StoreError::Failed(anyhow::Error::new(e).context("cannot store a logo"))
            })?;
            Ok::<_, StoreError>((key, logo))
        })
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("logo processing failed: {e}")))?
    };
    let (key, logo) = match stored {
        Ok(s) => s,
        Err(StoreError::Refused(m)) => return refused(&staff, id, &m).await,
        Err(StoreError::Failed(e)) => return Err(AppError::Unexpected(e)),
    };

    let actor = staff.actor();
    let new_key = key.clone();
    let details = format!(
        "{} {} × {} px, key {}",
        logo.source_format.as_str(),
        logo.source_width,
        logo.source_height,
        key
    );
    let result = staff
        .state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let before = sponsors::find(c, id)?;
                sponsors::set_pending_logo(c, id, &new_key)?;
                let details = match &before.logo_pending_key {
                    Some(old) => format!("{details}; replaces waiting logo {old}"),
                    None => details,
                };
                audit::record(
                    c,
                    &actor,
                    "sponsor.logo_uploaded",
                    Some(("sponsor", &id.to_string())),
                    &details,
                )?;
                Ok(before.logo_pending_key)
            })
        })
        .await;
    let replaced = match result {
        Ok(r) => r,
        Err(e) => {
            remove_files(&data_dir, &key).await;
            return Err(e);
        }
    };
    if let Some(old) = replaced.filter(|old| *old != key) {
        remove_files(&data_dir, &old).await;
    }
    Ok(redirect_with_flash(
        &back(id),
        FlashKind::Success,
        "Logo uploaded. Approve it to show it publicly.",
    ))
}

/// Deletes a logo's files after the database no longer names it; a failure leaves orphan
/// files, which is logged, not shown.
async fn remove_files(data_dir: &std::path::Path, key: &str) {
    let (dir, k) = (data_dir.to_path_buf(), key.to_string());
    let r = web::block(move || media::delete_logo(&dir, &k)).await;
    match r {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, key, "cannot delete logo files"),
        Err(e) => tracing::warn!(error = %e, key, "cannot delete logo files"),
    }
}

/// The approve and reject forms name the waiting logo they were shown, so a click never
/// decides on a logo uploaded after the page was loaded.
#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    key: String,
}

const NOTHING_WAITING: &str = "There is no logo waiting for approval: someone may have approved \
                               or rejected it already.";
const CHANGED: &str = "A different logo was uploaded after this page was loaded. Look at it \
                       before deciding.";

/// Checks that the waiting logo is the one the form names.
fn expect_pending(c: &mut crate::db::DbConn, id: i64, key: &str) -> AppResult<()> {
    match sponsors::find(c, id)?.logo_pending_key {
        None => Err(AppError::Conflict(NOTHING_WAITING.into())),
        Some(k) if k != key => Err(AppError::Conflict(CHANGED.into())),
        Some(_) => Ok(()),
    }
}

/// `POST /staff/sponsors/{id}/logo/approve`: the waiting logo becomes the public one; the
/// files of the logo it replaces are deleted.
pub async fn approve(
    staff: Staff<SponsorshipsStaff>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let expected = form.into_inner().key;
    let actor = staff.actor();
    let result = staff
        .state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                expect_pending(c, id, &expected)?;
                let Some((new, replaced)) = sponsors::approve_pending_logo(c, id)? else {
                    return Err(AppError::Conflict(NOTHING_WAITING.into()));
                };
                if new != expected {
                    // Rolls back: someone replaced the waiting logo in between.
                    return Err(AppError::Conflict(CHANGED.into()));
                }
                let details = match &replaced {
                    Some(old) => format!("key {new}; replaces {old}"),
                    None => format!("key {new}"),
                };
                audit::record(
                    c,
                    &actor,
                    "sponsor.logo_approved",
                    Some(("sponsor", &id.to_string())),
                    &details,
                )?;
                Ok((new, replaced))
            })
        })
        .await;
    match result {
        Ok((new, replaced)) => {
            if let Some(old) = replaced.filter(|old| *old != new) {
                remove_files(&staff.state.settings.data_dir, &old).await;
            }
            Ok(redirect_with_flash(
                &back(id),
                FlashKind::Success,
                "Logo approved. It now shows publicly.",
            ))
        }
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back(id), FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

/// `POST /staff/sponsors/{id}/logo/reject`: the waiting logo is dropped and its files deleted.
pub async fn reject(
    staff: Staff<SponsorshipsStaff>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let expected = form.into_inner().key;
    let actor = staff.actor();
    let result = staff
        .state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                expect_pending(c, id, &expected)?;
                let Some(dropped) = sponsors::reject_pending_logo(c, id)? else {
                    return Err(AppError::Conflict(NOTHING_WAITING.into()));
                };
                if dropped != expected {
                    return Err(AppError::Conflict(CHANGED.into()));
                }
                audit::record(
                    c,
                    &actor,
                    "sponsor.logo_rejected",
                    Some(("sponsor", &id.to_string())),
                    &format!("key {dropped}"),
                )?;
                Ok(dropped)
            })
        })
        .await;
    match result {
        Ok(dropped) => {
            remove_files(&staff.state.settings.data_dir, &dropped).await;
            Ok(redirect_with_flash(
                &back(id),
                FlashKind::Success,
                "Logo rejected and deleted.",
            ))
        }
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back(id), FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

/// Reads one of our PNG files; a missing file is a 404.
async fn read_png(path: PathBuf) -> AppResult<Vec<u8>> {
    match web::block(move || std::fs::read(path)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(AppError::NotFound),
        Ok(Err(e)) => Err(AppError::Unexpected(
            anyhow::Error::new(e).context("cannot read a logo file"),
        )),
        Err(e) => Err(AppError::Unexpected(anyhow::anyhow!(
            "logo read task failed: {e}"
        ))),
    }
}

fn png_response(bytes: Vec<u8>, cache_control: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((header::CACHE_CONTROL, cache_control))
        .body(bytes)
}

/// `GET /media/logos/{key}-{size}.png`: an approved logo, for anyone. A key changes whenever
/// the logo does, so the file may be cached for good. Anything else (a waiting or replaced
/// logo, a name we did not make) is a 404.
pub async fn serve(state: web::Data<AppState>, file: web::Path<String>) -> AppResult<HttpResponse> {
    let (key, size) = media::parse_file_name(&file).ok_or(AppError::NotFound)?;
    let path = media::logo_path(&state.settings.data_dir, key, size).ok_or(AppError::NotFound)?;
    let k = key.to_string();
    if !state
        .db
        .run(move |c| Ok(sponsors::is_approved_logo(c, &k)?))
        .await?
    {
        return Err(AppError::NotFound);
    }
    let bytes = read_png(path).await?;
    Ok(png_response(bytes, "public, max-age=31536000, immutable"))
}

/// `GET /staff/sponsors/{id}/logo/pending.png`: the small size of the waiting logo, for staff.
pub async fn pending_preview(
    staff: Staff<SponsorshipsStaff>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let sponsor = staff
        .state
        .db
        .run(move |c| Ok(sponsors::find(c, id)?))
        .await?;
    let key = sponsor.logo_pending_key.ok_or(AppError::NotFound)?;
    let path =
        media::logo_path(&staff.state.settings.data_dir, &key, "s").ok_or(AppError::NotFound)?;
    let bytes = read_png(path).await?;
    Ok(png_response(bytes, "no-store"))
}

#[cfg(test)]
mod tests {
    use askama::Template;

    use crate::models::sponsors::Sponsor;
    use crate::web::layout::Layout;

    /// The partial as the sponsor page includes it.
    #[derive(Template)]
    #[template(
        source = r#"{% include "staff/sponsors/logo_card.html" %}"#,
        ext = "html"
    )]
    struct Card {
        sponsor: Sponsor,
        layout: Layout,
        errors: crate::domain::FormErrors,
    }

    fn sponsor(logo: Option<&str>, pending: Option<&str>) -> Sponsor {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        Sponsor {
            id: 7,
            name: "Acme <Labs>".into(),
            slug: "acme".into(),
            website: "https://acme.example".into(),
            description: String::new(),
            tagline: String::new(),
            org_size: None,
            country: String::new(),
            topics: String::new(),
            inkind_description: String::new(),
            inkind_value_minor: None,
            inkind_currency: None,
            logo_key: logo.map(str::to_string),
            logo_pending_key: pending.map(str::to_string),
            logo_approved_at: logo.map(|_| t),
            created_at: t,
            updated_at: t,
            description_pending: None,
            billing_address: String::new(),
            tax_id: String::new(),
            tagline_pending: None,
            website_pending: None,
        }
    }

    fn render(logo: Option<&str>, pending: Option<&str>) -> String {
        let mut layout = Layout::bare("Acme", "Foundation");
        layout.csrf = "c0ffee".into();
        Card {
            sponsor: sponsor(logo, pending),
            layout,
            errors: crate::domain::FormErrors::new(),
        }
        .render()
        .unwrap()
    }

    /// A multipart body with one `logo` part of `size` bytes, delivered in 64 KiB chunks; the
    /// counter tells how many bytes the reader pulled.
    fn chunked_upload(
        size: usize,
    ) -> (
        actix_multipart::Multipart,
        std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ) {
        use actix_web::http::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
        use futures_util::StreamExt;
        use std::sync::atomic::Ordering;

        let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"logo\"; \
                         filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n"
            .to_vec();
        body.extend(std::iter::repeat_n(b'a', size));
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        let pulled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = pulled.clone();
        let chunks: Vec<Result<actix_web::web::Bytes, actix_web::error::PayloadError>> = body
            .chunks(64 * 1024)
            .map(|c| Ok(actix_web::web::Bytes::copy_from_slice(c)))
            .collect();
        let stream = futures_util::stream::iter(chunks).inspect(move |c| {
            if let Ok(c) = c {
                counter.fetch_add(c.len(), Ordering::SeqCst);
            }
        });
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=XyZ"),
        );
        (actix_multipart::Multipart::new(&headers, stream), pulled)
    }

    #[actix_web::test]
    async fn an_upload_is_read_up_to_the_limit_and_no_further() {
        use std::sync::atomic::Ordering;

        let (form, pulled) = chunked_upload(20 * 1024 * 1024);
        let err = super::read_logo_field(form).await.unwrap_err();
        assert!(err.contains("larger than 2 MB"), "{err}");
        let read = pulled.load(Ordering::SeqCst);
        assert!(
            read <= crate::media::MAX_UPLOAD_BYTES + 256 * 1024,
            "read {read} bytes of a 20 MB body"
        );

        let (form, _) = chunked_upload(crate::media::MAX_UPLOAD_BYTES);
        let bytes = super::read_logo_field(form).await.unwrap();
        assert_eq!(bytes.len(), crate::media::MAX_UPLOAD_BYTES);
    }

    const A: &str = "0123456789abcdef0123456789abcdef";
    const B: &str = "fedcba9876543210fedcba9876543210";

    #[test]
    fn the_card_without_a_logo() {
        let html = render(None, None);
        assert!(html.contains("No logo yet"));
        assert!(!html.contains("/approve"));
        assert!(html.contains(r#"action="/staff/sponsors/7/logo?csrf_token=c0ffee""#));
        assert!(html.contains(r#"enctype="multipart/form-data""#));
        assert!(html.contains(r#"accept="image/png,image/jpeg,image/webp""#));
        assert!(html.contains("SVG is not accepted"));
        assert!(!html.contains("style="), "CSP forbids inline styles");
    }

    #[test]
    fn the_card_with_public_and_waiting_logos() {
        let html = render(Some(A), Some(B));
        assert!(html.contains(&format!(r#"src="/media/logos/{A}-l.png""#)));
        assert!(
            html.contains(r#"alt="Acme &#60;Labs&#62;""#) || html.contains("Acme &lt;Labs&gt;")
        );
        assert!(html.contains("Approved 2026-11-23 10:00 UTC"));
        assert!(html.contains(r#"src="/staff/sponsors/7/logo/pending.png""#));
        assert!(
            !html.contains(&format!("/media/logos/{B}")),
            "waiting logos are not public"
        );
        assert!(html.contains(r#"action="/staff/sponsors/7/logo/approve""#));
        assert!(html.contains(r#"action="/staff/sponsors/7/logo/reject""#));
        assert_eq!(
            html.matches(&format!(r#"name="key" value="{B}""#)).count(),
            2
        );
        assert_eq!(
            html.matches(r#"name="csrf_token" value="c0ffee""#).count(),
            2
        );
        assert!(!html.contains("No logo yet"));
        assert!(!html.contains("style="));
    }
}
