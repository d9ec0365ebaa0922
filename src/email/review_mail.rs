//! Emails of the staff review workflow: an application approved or declined, and an
//! agreement sent for acceptance. Every link is built from the configured base URL.

use super::email_templates;

/// Tells a sponsor's contacts that their application was approved; the agreement follows.
pub struct ApplicationApprovedEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    pub tier: String,
    pub term: String,
    pub fee: String,
    pub link: String,
}
email_templates!(
    ApplicationApprovedEmail,
    "application_approved",
    "emails/application_approved/subject.txt",
    "emails/application_approved/body.txt",
    "emails/application_approved/body.html"
);

/// Tells a sponsor's contacts that their application was declined, and why.
pub struct ApplicationRejectedEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    pub tier: String,
    pub reason: String,
    pub link: String,
}
email_templates!(
    ApplicationRejectedEmail,
    "application_rejected",
    "emails/application_rejected/subject.txt",
    "emails/application_rejected/body.txt",
    "emails/application_rejected/body.html"
);

/// The sponsorship agreement, ready to read and accept in the portal.
pub struct AgreementSentEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    pub tier: String,
    pub link: String,
    /// A new version replaces one sent earlier.
    pub replaces_earlier: bool,
}
email_templates!(
    AgreementSentEmail,
    "agreement_sent",
    "emails/agreement_sent/subject.txt",
    "emails/agreement_sent/body.txt",
    "emails/agreement_sent/body.html"
);

/// Tells sponsorship staff that a place in a full tier is free for the first application on
/// its waitlist (which is not approved by itself).
pub struct PlaceFreeEmail {
    pub foundation: String,
    pub sponsor: String,
    pub tier: String,
    pub applied: String,
    pub link: String,
}
email_templates!(
    PlaceFreeEmail,
    "place_free",
    "emails/place_free/subject.txt",
    "emails/place_free/body.txt",
    "emails/place_free/body.html"
);
