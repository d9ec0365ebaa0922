//! Reading the application and portal forms that carry a logo (multipart), and storing a
//! logo through `crate::media` (checked by content, re-encoded, server-chosen name).

use actix_multipart::Multipart;
use actix_web::web;
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};
use crate::media::{self, MAX_UPLOAD_BYTES};
use crate::web::multipart::{Limits, Reader};

/// Bytes accepted in all text fields together.
pub const TEXT_LIMIT: usize = 64 * 1024;
/// Bytes accepted in one text field.
const FIELD_LIMIT: usize = 16 * 1024;
/// Parts accepted in one form.
const MAX_PARTS: usize = 40;
/// Most a whole body may declare (file, text and multipart framing).
pub const BODY_LIMIT: usize = MAX_UPLOAD_BYTES + TEXT_LIMIT + 32 * 1024;
const LIMITS: Limits = Limits {
    text: TEXT_LIMIT,
    field: FIELD_LIMIT,
    parts: MAX_PARTS,
};

/// Decoding a large image takes memory for a moment; a few at a time is plenty.
static PROCESSING: Semaphore = Semaphore::const_new(2);

/// A multipart form: its text fields, and the logo file (None when none was chosen; Err
/// with a sentence when the file was refused while reading, e.g. too large).
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub logo: Result<Option<Vec<u8>>, String>,
}

/// Reads text fields and the file of field `name` (as [`read`] does the logo).
pub async fn read_file_field(form: Multipart, name: &str) -> AppResult<Upload> {
    let mut reader = Reader::new(form, LIMITS);
    let mut logo: Result<Option<Vec<u8>>, String> = Ok(None);
    while let Some(file) = reader.next_file(name, MAX_UPLOAD_BYTES).await? {
        if file.too_large {
            logo = Err(media::too_large_message());
            break;
        }
        logo = Ok(file.chosen().then_some(file.bytes));
    }
    Ok(Upload {
        fields: reader.into_fields(),
        logo,
    })
}

/// Reads text fields and the `logo` file, each within its limit. The file field should come
/// last in the form: reading stops at a file that is too large.
pub async fn read(form: Multipart) -> AppResult<Upload> {
    read_file_field(form, "logo").await
}

/// A checked and stored logo.
pub struct StoredLogo {
    pub key: String,
    /// For the audit log: format and pixel size of the upload.
    pub details: String,
}

/// Checks, re-encodes and stores an upload. Err(Ok(sentence)) when the file is refused.
pub async fn store_logo(
    data_dir: &std::path::Path,
    bytes: Vec<u8>,
) -> AppResult<Result<StoredLogo, String>> {
    store(data_dir, bytes, false).await
}

/// Checks, re-encodes and stores a success story's picture (the same checks as a logo's).
pub async fn store_story_image(
    data_dir: &std::path::Path,
    bytes: Vec<u8>,
) -> AppResult<Result<StoredLogo, String>> {
    store(data_dir, bytes, true).await
}

async fn store(
    data_dir: &std::path::Path,
    bytes: Vec<u8>,
    story: bool,
) -> AppResult<Result<StoredLogo, String>> {
    let _permit = PROCESSING
        .acquire()
        .await
        .map_err(|e| AppError::Unexpected(e.into()))?;
    let dir = data_dir.to_path_buf();
    let r = web::block(move || {
        let processed = if story {
            media::process_story_image(&bytes)
        } else {
            media::process_logo(&bytes)
        };
        let logo = match processed {
            Ok(l) => l,
            Err(m) => return Ok(Err(m)),
        };
        let key = if story {
            media::store_story_image(&dir, &logo)?
        } else {
            media::store_logo(&dir, &logo)?
        };
        Ok::<_, std::io::Error>(Ok(StoredLogo {
            details: format!(
                "{} {} × {} px, key {key}",
                logo.source_format.as_str(),
                logo.source_width,
                logo.source_height
            ),
            key,
        }))
    })
    .await
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("logo processing failed: {e}")))?;
    r.map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("cannot store a logo")))
}

/// Deletes a story picture's files that no row names (as [`remove_logo`]).
pub async fn remove_story_image(data_dir: &std::path::Path, key: &str) {
    let (dir, k) = (data_dir.to_path_buf(), key.to_string());
    match web::block(move || media::delete_story_image(&dir, &k)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, key, "cannot delete story picture files"),
        Err(e) => tracing::warn!(error = %e, key, "cannot delete story picture files"),
    }
}

/// Deletes a logo's files that no row names (an unused or replaced upload); a failure leaves
/// orphan files, which is logged, not shown.
pub async fn remove_logo(data_dir: &std::path::Path, key: &str) {
    let (dir, k) = (data_dir.to_path_buf(), key.to_string());
    match web::block(move || media::delete_logo(&dir, &k)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, key, "cannot delete logo files"),
        Err(e) => tracing::warn!(error = %e, key, "cannot delete logo files"),
    }
}
