//! Emails about benefit assets.

use super::email_templates;

/// Asks a sponsor's contact for an asset a benefit needs: a reminder before the due date, or
/// staff writing to the sponsors still missing it (with their note).
pub struct AssetRequestEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    /// What is asked for ("Booth description for the printed programme").
    pub label: String,
    /// What exactly, as staff described it.
    pub help: String,
    /// "3 March 2027".
    pub due_on: String,
    /// Days until the due date (0: today; negative: overdue).
    pub days_left: i64,
    /// Staff's own words, when they wrote (empty for an automatic reminder).
    pub note: String,
    pub link: String,
}
email_templates!(
    AssetRequestEmail,
    "asset_request",
    "emails/asset_request/subject.txt",
    "emails/asset_request/body.txt",
    "emails/asset_request/body.html"
);
