//! Benefit assets: what a tier's benefits need from each sponsor, and the answers checked.

use crate::domain::sponsorship::Status;

/// What an asset request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A piece of text (a booth description, a blurb for the programme).
    Text,
    /// A file (artwork, a vector logo, a signed form).
    File,
    /// A web address (a job page, a landing page for the conference app).
    Link,
    /// A yes/no answer ("Will you staff the booth on Saturday?").
    YesNo,
}

/// Every kind, with its label, in the order forms offer them.
pub const KINDS: [(Kind, &str, &str); 4] = [
    (Kind::Text, "text", "A text"),
    (Kind::File, "file", "A file"),
    (Kind::Link, "link", "A link"),
    (Kind::YesNo, "yes_no", "A yes/no answer"),
];

impl Kind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        KINDS
            .iter()
            .find(|k| k.0 == self)
            .map(|k| k.1)
            .unwrap_or("text")
    }
    /// In words ("A file").
    pub fn label(self) -> &'static str {
        KINDS
            .iter()
            .find(|k| k.0 == self)
            .map(|k| k.2)
            .unwrap_or("A text")
    }
    /// The kind stored as `s`, if any.
    pub fn parse(s: &str) -> Option<Kind> {
        KINDS.iter().find(|k| k.1 == s).map(|k| k.0)
    }
}

/// The sponsorships asked for assets: committed (agreement accepted) and not over.
pub const ASKED: [Status; 4] = [
    Status::AgreementAccepted,
    Status::Invoiced,
    Status::Paid,
    Status::Active,
];

/// Reminders go out this many days before the due date (once each).
pub const REMINDER_DAYS: [i32; 2] = [14, 3];

/// The reminder due `days_left` before the due date, if any: the smallest threshold not
/// below it (14 days out → 14; 5 → 3; 0 or overdue → none: the due date has come).
pub fn reminder_threshold(days_left: i64) -> Option<i32> {
    if days_left <= 0 {
        return None;
    }
    REMINDER_DAYS
        .iter()
        .rev()
        .find(|d| i64::from(**d) >= days_left)
        .copied()
}

/// Longest text answer, in characters.
pub const MAX_TEXT_CHARS: usize = 5000;

/// A text answer: line ends normalised, not empty, at most 5,000 characters, nothing that
/// cannot be shown.
pub fn parse_text(input: &str) -> Result<String, String> {
    let text = input.replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err("Write the text we asked for.".into());
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("At most {MAX_TEXT_CHARS} characters, please."));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("The text contains characters that cannot be shown.".into());
    }
    Ok(text.to_string())
}

/// A yes/no answer: "yes" or "no".
pub fn parse_yes_no(input: &str) -> Result<&'static str, String> {
    match input {
        "yes" => Ok("yes"),
        "no" => Ok("no"),
        _ => Err("Choose yes or no.".into()),
    }
}

/// The files taken: PDF and raster images, recognised by their first bytes (never by name),
/// with the type they are served as.
pub fn sniff_file(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else {
        None
    }
}

/// Largest file taken (10 MiB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_fall_on_their_thresholds() {
        assert_eq!(reminder_threshold(30), None);
        assert_eq!(reminder_threshold(15), None);
        assert_eq!(reminder_threshold(14), Some(14));
        assert_eq!(reminder_threshold(4), Some(14));
        assert_eq!(reminder_threshold(3), Some(3));
        assert_eq!(reminder_threshold(1), Some(3));
        assert_eq!(reminder_threshold(0), None);
        assert_eq!(reminder_threshold(-5), None);
    }

    #[test]
    fn answers_are_checked() {
        assert_eq!(parse_text("  Hello\r\nworld "), Ok("Hello\nworld".into()));
        assert!(parse_text("   ").is_err());
        assert!(parse_text(&"x".repeat(5001)).is_err());
        assert!(parse_text("bell \u{7}").is_err());
        assert_eq!(parse_yes_no("yes"), Ok("yes"));
        assert!(parse_yes_no("YES; drop table").is_err());
        assert_eq!(
            sniff_file(b"%PDF-1.7 ..."),
            Some(("application/pdf", "pdf"))
        );
        assert_eq!(sniff_file(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff_file(b"MZ\x90\x00"), None);
        for k in KINDS {
            assert_eq!(Kind::parse(k.0.as_str()), Some(k.0));
        }
        assert_eq!(Kind::parse("exe"), None);
    }
}
