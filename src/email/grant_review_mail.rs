//! Emails of the grant review: a question for the applicant, and the decision. Each carries a
//! fresh private link to the applicant's portal, built from the configured base URL.

use super::email_templates;

/// Reviewers need more information before they can go on; the applicant answers in the portal.
pub struct GrantInfoRequestEmail {
    pub foundation: String,
    pub name: String,
    /// "G-42".
    pub reference: String,
    pub event: String,
    pub message: String,
    pub link: String,
}
email_templates!(
    GrantInfoRequestEmail,
    "grant_info_request",
    "emails/grant_info_request/subject.txt",
    "emails/grant_info_request/body.txt",
    "emails/grant_info_request/body.html"
);

/// The decision on a grant application: the amount awarded, or the reason it was declined.
pub struct GrantDecisionEmail {
    pub foundation: String,
    pub name: String,
    pub reference: String,
    pub event: String,
    pub approved: bool,
    /// The award, "€1,500.00" (empty when declined).
    pub amount: String,
    pub requested: String,
    /// The decider's note (the reason, when declined).
    pub note: String,
    pub link: String,
}
email_templates!(
    GrantDecisionEmail,
    "grant_decision",
    "emails/grant_decision/subject.txt",
    "emails/grant_decision/body.txt",
    "emails/grant_decision/body.html"
);
