//! Reading the grant forms that carry files (multipart): the application with its optional
//! PDF and its budget rows, and the report with up to five attachments. Each text field and
//! each file has its limit, checked while the body streams in. Checked files are stored (and
//! removed again when their row is not written) from here too.

use actix_multipart::Multipart;

use actix_web::web;

use crate::error::{AppError, AppResult};
use crate::services::grant_applications::{
    self as service, MAX_FILE_BYTES, MAX_REPORT_FILES, too_large_message,
};
use crate::web::multipart::{Limits, Reader};

/// Bytes accepted in all text fields together.
const TEXT_LIMIT: usize = 192 * 1024;
/// Bytes accepted in one text field (a long answer in a script with multi-byte letters).
const FIELD_LIMIT: usize = 96 * 1024;
/// Parts accepted in one form (about 25 fields, 30 budget rows of two, the files).
const MAX_PARTS: usize = 120;
/// Most a report form may declare: its files, the text and the multipart framing.
pub const REPORT_BODY_LIMIT: usize = MAX_REPORT_FILES * MAX_FILE_BYTES + TEXT_LIMIT + 64 * 1024;
/// Most an application form may declare.
pub const APPLY_BODY_LIMIT: usize = MAX_FILE_BYTES + TEXT_LIMIT + 64 * 1024;

const LIMITS: Limits = Limits {
    text: TEXT_LIMIT,
    field: FIELD_LIMIT,
    parts: MAX_PARTS,
};

/// A file the browser sent.
pub struct UploadedFile {
    /// The name it had on the applicant's computer (shown only).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A multipart form: its text fields, the chosen files, and why reading stopped early (a
/// file too large, too many files), if it did.
pub struct GrantUpload {
    pub fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
    pub refused: Option<String>,
}

/// Reads text fields and up to `max_files` files from the field `file_field`. The file field
/// should come last in the form: reading stops at a file that is too large or one too many.
pub async fn read(form: Multipart, file_field: &str, max_files: usize) -> AppResult<GrantUpload> {
    let mut reader = Reader::new(form, LIMITS);
    let mut files = Vec::new();
    let mut refused = None;
    while let Some(file) = reader.next_file(file_field, MAX_FILE_BYTES).await? {
        if file.too_large {
            refused = Some(too_large_message());
            break;
        }
        if !file.chosen() {
            continue;
        }
        if files.len() == max_files {
            refused = Some(if max_files == 1 {
                "Attach one file only.".to_string()
            } else {
                format!("Attach at most {max_files} files.")
            });
            break;
        }
        files.push(UploadedFile {
            name: file.name,
            bytes: file.bytes,
        });
    }
    Ok(GrantUpload {
        fields: reader.into_fields(),
        files,
        refused,
    })
}

/// Stores a checked file on the blocking pool.
pub async fn store(data_dir: std::path::PathBuf, bytes: Vec<u8>) -> AppResult<String> {
    web::block(move || service::store_file(&data_dir, &bytes))
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("file task failed: {e}")))?
        .map_err(|e| {
            AppError::Unexpected(anyhow::Error::new(e).context("cannot store a grant file"))
        })
}

/// Removes stored files that no row names (a refused or repeated form); a failure leaves an
/// orphan file, which is logged, not shown.
pub async fn discard(data_dir: std::path::PathBuf, keys: Vec<String>) {
    let r = web::block(move || {
        for k in &keys {
            service::delete_file(&data_dir, k)?;
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
    match r {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot delete a grant file"),
        Err(e) => tracing::warn!(error = %e, "cannot delete a grant file"),
    }
}
