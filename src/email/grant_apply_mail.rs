//! Emails of the grant application and the applicant portal: the confirmation with a private
//! link, a fresh link asked for at `/grants/portal/link`, and the note to staff when an
//! applicant does something they should know about. Every link is built from the configured
//! base URL.

use super::email_templates;

/// To the applicant: the application arrived, what happens next, and their private link.
pub struct GrantReceivedEmail {
    pub foundation: String,
    pub name: String,
    /// "G-42".
    pub reference: String,
    pub event: String,
    pub programme: String,
    pub requested: String,
    pub link: String,
    pub expires_days: i64,
}
email_templates!(
    GrantReceivedEmail,
    "grant_received",
    "emails/grant_received/subject.txt",
    "emails/grant_received/body.txt",
    "emails/grant_received/body.html"
);

/// One application in a link email: its reference and event, and its own private link.
pub struct GrantLinkItem {
    pub label: String,
    pub link: String,
}

/// Fresh private links, one per application sent from the address.
pub struct GrantPortalLinkEmail {
    pub foundation: String,
    pub name: String,
    pub items: Vec<GrantLinkItem>,
    pub expires_days: i64,
}
email_templates!(
    GrantPortalLinkEmail,
    "grant_portal_link",
    "emails/grant_portal_link/subject.txt",
    "emails/grant_portal_link/body.txt",
    "emails/grant_portal_link/body.html"
);

/// To grants staff: an applicant applied, replied, withdrew or sent their report.
pub struct GrantApplicantActivityEmail {
    pub foundation: String,
    pub name: String,
    pub reference: String,
    pub event: String,
    /// One sentence: "The applicant replied to your question."
    pub what: String,
    /// The applicant's words, when there are any (a reply, a reason).
    pub excerpt: String,
    pub link: String,
}
email_templates!(
    GrantApplicantActivityEmail,
    "grant_applicant_activity",
    "emails/grant_applicant_activity/subject.txt",
    "emails/grant_applicant_activity/body.txt",
    "emails/grant_applicant_activity/body.html"
);
