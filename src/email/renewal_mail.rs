//! Emails about renewals.

use super::email_templates;

/// Reminds a sponsor's primary contact that their term ends soon, with a renewal link.
pub struct RenewalReminderEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    pub tier: String,
    pub ends_on: String,
    pub days_left: i64,
    pub link: String,
}
email_templates!(
    RenewalReminderEmail,
    "renewal_reminder",
    "emails/renewal_reminder/subject.txt",
    "emails/renewal_reminder/body.txt",
    "emails/renewal_reminder/body.html"
);

/// Tells sponsorship staff that a sponsor asked to renew from the portal.
pub struct RenewalRequestedEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    pub tier: String,
    pub term: String,
    pub price: String,
    pub waitlisted: bool,
    pub link: String,
}
email_templates!(
    RenewalRequestedEmail,
    "renewal_requested",
    "emails/renewal_requested/subject.txt",
    "emails/renewal_requested/body.txt",
    "emails/renewal_requested/body.html"
);
