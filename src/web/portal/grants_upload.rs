//! Reading the grant forms that carry files (multipart): the application with its optional
//! PDF and its budget rows, and the report with up to five attachments. Each text field and
//! each file has its limit, checked while the body streams in.

use actix_multipart::Multipart;
use futures_util::StreamExt;

use crate::error::{AppError, AppResult};
use crate::services::grant_applications::{MAX_FILE_BYTES, MAX_REPORT_FILES, too_large_message};

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

const UNREADABLE: &str = "The form could not be read. Reload the page and try again.";

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
pub async fn read(
    mut form: Multipart,
    file_field: &str,
    max_files: usize,
) -> AppResult<GrantUpload> {
    let bad = || AppError::BadRequest(UNREADABLE.into());
    let mut out = GrantUpload {
        fields: Vec::new(),
        files: Vec::new(),
        refused: None,
    };
    let mut text_bytes = 0usize;
    let mut parts = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| bad())?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::BadRequest("The form has too many fields.".into()));
        }
        let name = field.name().unwrap_or_default().to_string();
        if name == file_field {
            let file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .unwrap_or_default()
                .to_string();
            let mut bytes = Vec::new();
            let mut too_large = false;
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|_| bad())?;
                if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                    too_large = true;
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            if too_large {
                // The rest of the body is never read.
                out.refused = Some(too_large_message());
                break;
            }
            // An empty file input still sends a part, without a name or bytes.
            if bytes.is_empty() && file_name.is_empty() {
                continue;
            }
            if out.files.len() == max_files {
                out.refused = Some(if max_files == 1 {
                    "Attach one file only.".to_string()
                } else {
                    format!("Attach at most {max_files} files.")
                });
                break;
            }
            out.files.push(UploadedFile {
                name: file_name,
                bytes,
            });
            continue;
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| bad())?;
            text_bytes += chunk.len();
            if value.len() + chunk.len() > FIELD_LIMIT || text_bytes > TEXT_LIMIT {
                return Err(AppError::PayloadTooLarge);
            }
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8(value).map_err(|_| bad())?;
        out.fields.push((name, value));
    }
    Ok(out)
}
