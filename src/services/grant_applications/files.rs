//! The private files applicants send: checked by content (PDF, images, office documents),
//! stored under a random key in `{data_dir}/grant_files/`, never served as static files.

use super::MAX_FILE_BYTES;
use crate::private_files::{self, PdfProblem};
use std::path::{Path, PathBuf};

/// The folder of grant files: private, never served as static files.
pub fn files_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("grant_files")
}

/// The file of a stored key, or None for a key that is not ours (no path tricks).
pub fn file_path(data_dir: &Path, key: &str) -> Option<PathBuf> {
    private_files::path(&files_dir(data_dir), key, "")
}

/// The sentence for a file over the size limit.
pub fn too_large_message() -> String {
    "The file is larger than 10 MB. Choose a smaller file (save or scan it at a lower resolution)."
        .into()
}

/// Checks the application's attachment by content: a complete PDF within the size limit.
pub fn check_pdf(bytes: &[u8]) -> Result<&'static str, String> {
    private_files::check_pdf(bytes, MAX_FILE_BYTES).map_err(|p| match p {
        PdfProblem::Empty => "The file is empty. Choose the PDF again.".into(),
        PdfProblem::TooLarge => too_large_message(),
        PdfProblem::NotPdf => "This file is not a PDF (whatever its name says). Attach a PDF file, or leave the field empty.".into(),
        PdfProblem::Incomplete => "The PDF seems incomplete (it has no end). Save it again and attach the new file.".into(),
    })?;
    Ok("application/pdf")
}

/// Checks a report attachment by content: a PDF, PNG or JPEG within the size limit. Returns
/// the exact content type it is served with.
pub fn check_report_file(bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.is_empty() {
        return Err("One of the files is empty. Choose it again.".into());
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large_message());
    }
    if bytes.starts_with(b"%PDF-") {
        return if private_files::is_complete_pdf(bytes) {
            Ok("application/pdf")
        } else {
            Err(
                "One of the PDFs seems incomplete (it has no end). Save it again and attach the new file."
                    .into(),
            )
        };
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok("image/jpeg");
    }
    Err("Attach PDF, PNG or JPEG files only: one of the files is something else, whatever its name says.".into())
}

/// The file name extension for a content type we store.
pub fn extension(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "bin",
    }
}

/// A file name from the browser, fit to show: its last part, one line, at most 120
/// characters. It is never used as a path.
pub fn display_name(raw: &str, fallback: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).take(120).collect();
    let clean = clean.trim();
    if clean.is_empty() {
        fallback.to_string()
    } else {
        clean.to_string()
    }
}

/// Stores checked bytes under a new random key.
pub fn store_file(data_dir: &Path, bytes: &[u8]) -> std::io::Result<String> {
    private_files::store(&files_dir(data_dir), "", bytes)
}

/// Removes a stored file whose row was never written; missing is fine.
pub fn delete_file(data_dir: &Path, key: &str) -> std::io::Result<()> {
    private_files::delete(&files_dir(data_dir), key, "")
}
