//! Reading multipart forms (the public forms that carry a file) as the body streams in: each
//! text field and each file within its limit, checked before anything more is buffered.

use actix_multipart::Multipart;
use futures_util::StreamExt;

use crate::error::{AppError, AppResult};

const UNREADABLE: &str = "The form could not be read. Reload the page and try again.";

/// What one form may send besides its files.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes in all text fields together.
    pub text: usize,
    /// Bytes in one text field.
    pub field: usize,
    /// Parts in the whole form.
    pub parts: usize,
}

/// A file part, read up to its size limit and no further.
pub struct FilePart {
    /// The name it had on the sender's computer (to show only, never a path).
    pub name: String,
    pub bytes: Vec<u8>,
    /// Over the limit: reading stopped there (the rest of the body is never read).
    pub too_large: bool,
}

impl FilePart {
    /// A file was chosen: with none, a browser still sends the part, without a name or bytes.
    pub fn chosen(&self) -> bool {
        !self.bytes.is_empty() || !self.name.is_empty()
    }
}

/// Reads a form part by part, keeping its text fields.
pub struct Reader {
    form: Multipart,
    limits: Limits,
    text_bytes: usize,
    parts: usize,
    fields: Vec<(String, String)>,
}

impl Reader {
    pub fn new(form: Multipart, limits: Limits) -> Self {
        Reader {
            form,
            limits,
            text_bytes: 0,
            parts: 0,
            fields: Vec::new(),
        }
    }

    /// Reads on to the next part named `file_field` (keeping the text fields before it) and
    /// returns it read up to `max_bytes`; None at the end of the form. Too many parts or an
    /// unreadable body is a 400, text over its limits a 413.
    pub async fn next_file(
        &mut self,
        file_field: &str,
        max_bytes: usize,
    ) -> AppResult<Option<FilePart>> {
        let bad = || AppError::BadRequest(UNREADABLE.into());
        while let Some(field) = self.form.next().await {
            let mut field = field.map_err(|_| bad())?;
            self.parts += 1;
            if self.parts > self.limits.parts {
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
                    if bytes.len() + chunk.len() > max_bytes {
                        too_large = true;
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                return Ok(Some(FilePart {
                    name: file_name,
                    bytes,
                    too_large,
                }));
            }
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|_| bad())?;
                self.text_bytes += chunk.len();
                if value.len() + chunk.len() > self.limits.field
                    || self.text_bytes > self.limits.text
                {
                    return Err(AppError::PayloadTooLarge);
                }
                value.extend_from_slice(&chunk);
            }
            let value = String::from_utf8(value).map_err(|_| bad())?;
            self.fields.push((name, value));
        }
        Ok(None)
    }

    /// The text fields read so far, in order.
    pub fn into_fields(self) -> Vec<(String, String)> {
        self.fields
    }
}
