//! Private files (signed agreements, grant attachments): kept under a random key in a folder
//! outside anything served as static, so only handlers that check who is asking read them.
//! Each caller keeps its own folder and file name (`{key}{suffix}`); the key is checked with
//! [`crate::media::valid_key`] before it is ever used in a path.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The file of `key` in `dir`, or None for a key that is not ours (no path tricks).
pub fn path(dir: &Path, key: &str, suffix: &str) -> Option<PathBuf> {
    crate::media::valid_key(key).then(|| dir.join(format!("{key}{suffix}")))
}

/// Stores checked bytes in `dir` under a new random key and returns the key. Written under a
/// temporary name and renamed, so a half-written file is never found under a key.
pub fn store(dir: &Path, suffix: &str, bytes: &[u8]) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let key = crate::media::new_key();
    let tmp = dir.join(format!("{key}.part"));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        let dest = path(dir, &key, suffix).ok_or_else(|| std::io::Error::other("bad key"))?;
        std::fs::rename(&tmp, dest)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(key)
}

/// A file being received a chunk at a time (an upload too large to hold in memory): written
/// under a temporary name in `dir`, found under its key only once [`Incoming::finish`]ed.
pub struct Incoming {
    dir: PathBuf,
    key: String,
    suffix: &'static str,
    file: std::fs::File,
    bytes: u64,
}

impl Incoming {
    pub fn start(dir: &Path, suffix: &'static str) -> std::io::Result<Incoming> {
        std::fs::create_dir_all(dir)?;
        let key = crate::media::new_key();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.join(format!("{key}.part")))?;
        Ok(Incoming {
            dir: dir.to_path_buf(),
            key,
            suffix,
            file,
            bytes: 0,
        })
    }
    pub fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.file.write_all(chunk)?;
        self.bytes += chunk.len() as u64;
        Ok(())
    }
    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
    /// Copies all of `from` in (a file from disk).
    pub fn copy_from(&mut self, from: &mut impl std::io::Read) -> std::io::Result<()> {
        self.bytes += std::io::copy(from, &mut self.file)?;
        Ok(())
    }
    /// Makes the file whole under its key; returns the key and its size.
    pub fn finish(self) -> std::io::Result<(String, u64)> {
        self.file.sync_all()?;
        let dest = path(&self.dir, &self.key, self.suffix)
            .ok_or_else(|| std::io::Error::other("bad key"))?;
        if let Err(e) = std::fs::rename(self.dir.join(format!("{}.part", self.key)), dest) {
            let _ = std::fs::remove_file(self.dir.join(format!("{}.part", self.key)));
            return Err(e);
        }
        Ok((self.key, self.bytes))
    }
    /// Gives up: the partial file goes.
    pub fn abandon(self) {
        let _ = std::fs::remove_file(self.dir.join(format!("{}.part", self.key)));
    }
}

/// Removes a stored file (after its row could not be written); missing is fine, a key that is
/// not ours does nothing.
pub fn delete(dir: &Path, key: &str, suffix: &str) -> std::io::Result<()> {
    match path(dir, key, suffix) {
        Some(p) => match std::fs::remove_file(p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        None => Ok(()),
    }
}

/// Why bytes are not an acceptable PDF; each caller words it for its form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PdfProblem {
    Empty,
    TooLarge,
    NotPdf,
    /// It starts like a PDF but has no end marker (cut off in transfer or saving).
    Incomplete,
}

/// True for bytes that start like a PDF and have the end marker near their end.
pub fn is_complete_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    bytes.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF")
}

/// Checks an upload by its content: a complete PDF of at most `max_bytes`.
pub fn check_pdf(bytes: &[u8], max_bytes: usize) -> Result<(), PdfProblem> {
    if bytes.is_empty() {
        Err(PdfProblem::Empty)
    } else if bytes.len() > max_bytes {
        Err(PdfProblem::TooLarge)
    } else if !bytes.starts_with(b"%PDF-") {
        Err(PdfProblem::NotPdf)
    } else if !is_complete_pdf(bytes) {
        Err(PdfProblem::Incomplete)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_get_random_keys_and_the_caller_s_name() {
        let dir = tempfile::tempdir().unwrap();
        let a = store(dir.path(), ".pdf", b"%PDF-1 %%EOF").unwrap();
        let b = store(dir.path(), ".pdf", b"%PDF-1 %%EOF").unwrap();
        assert_ne!(a, b);
        assert!(dir.path().join(format!("{a}.pdf")).exists());
        assert_eq!(path(dir.path(), "../../etc/passwd", ""), None);
        delete(dir.path(), &a, ".pdf").unwrap();
        delete(dir.path(), &a, ".pdf").unwrap();
        assert!(!dir.path().join(format!("{a}.pdf")).exists());
        let no_parts = std::fs::read_dir(dir.path())
            .unwrap()
            .all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".part"));
        assert!(no_parts);
    }

    #[test]
    fn pdfs_are_checked_by_content() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n";
        assert_eq!(check_pdf(pdf, 100), Ok(()));
        assert_eq!(check_pdf(b"", 100), Err(PdfProblem::Empty));
        assert_eq!(check_pdf(pdf, 10), Err(PdfProblem::TooLarge));
        assert_eq!(check_pdf(b"<html>%%EOF", 100), Err(PdfProblem::NotPdf));
        assert_eq!(
            check_pdf(b"%PDF-1.7\n1 0 obj", 100),
            Err(PdfProblem::Incomplete)
        );
    }
}
