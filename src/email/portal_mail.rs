//! Emails of the public application and the sponsor portal. Every link is built from the
//! configured base URL.

use super::email_templates;

/// To each contact of a new application: what happens next, and their private portal link.
pub struct ApplicationReceivedEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    pub tier: String,
    pub price: String,
    pub waitlisted: bool,
    pub link: String,
    pub expires_days: i64,
}
email_templates!(
    ApplicationReceivedEmail,
    "application_received",
    "emails/application_received/subject.txt",
    "emails/application_received/body.txt",
    "emails/application_received/body.html"
);

/// To sponsorship staff: a new application waits for review.
pub struct ApplicationStaffEmail {
    pub foundation: String,
    pub sponsor: String,
    pub tier: String,
    pub price: String,
    pub waitlisted: bool,
    pub link: String,
}
email_templates!(
    ApplicationStaffEmail,
    "application_staff",
    "emails/application_staff/subject.txt",
    "emails/application_staff/body.txt",
    "emails/application_staff/body.html"
);

/// A fresh private link to the sponsor portal, asked for at `/portal/link`.
pub struct PortalLinkEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    pub link: String,
    pub expires_days: i64,
}
email_templates!(
    PortalLinkEmail,
    "portal_link",
    "emails/portal_link/subject.txt",
    "emails/portal_link/body.txt",
    "emails/portal_link/body.html"
);

/// To sponsorship staff: a sponsor accepted their agreement online.
pub struct AgreementAcceptedStaffEmail {
    pub foundation: String,
    pub sponsor: String,
    pub accepted_name: String,
    pub accepted_title: String,
    pub accepted_email: String,
    pub accepted_at: String,
    pub link: String,
}
email_templates!(
    AgreementAcceptedStaffEmail,
    "agreement_accepted_staff",
    "emails/agreement_accepted_staff/subject.txt",
    "emails/agreement_accepted_staff/body.txt",
    "emails/agreement_accepted_staff/body.html"
);

/// To the sponsor contact who accepted an agreement online: a copy of its text and a link
/// back to it in the portal.
pub struct AgreementAcceptedEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    pub accepted_title: String,
    pub accepted_at: String,
    pub body: String,
    pub link: String,
    pub expires_days: i64,
}
email_templates!(
    AgreementAcceptedEmail,
    "agreement_accepted",
    "emails/agreement_accepted/subject.txt",
    "emails/agreement_accepted/body.txt",
    "emails/agreement_accepted/body.html"
);
