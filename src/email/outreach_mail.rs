//! Emails of outreach: the ask, with the organisation's own usage; and each staff member's
//! daily list of the prospects whose follow-up is due.

use super::email_templates;

/// One metric's figure for the ask: "Package downloads: 48 million packages".
#[derive(Clone, Debug)]
pub struct UsageLine {
    pub metric: String,
    pub figure: String,
    /// "1 January 2025 – 31 December 2025".
    pub period: String,
}

/// Staff writing to a prospect's contact: their message, the organisation's usage, the
/// private page with its chart and today's prices, and a way to ask not to be written to
/// again.
pub struct OutreachEmail {
    pub foundation: String,
    pub subject: String,
    pub name: String,
    pub organisation: String,
    /// Staff's own words.
    pub message: String,
    pub usage: Vec<UsageLine>,
    pub link: String,
    /// "5 February 2027": when the private page stops working.
    pub expires_on: String,
    pub stop_link: String,
    pub sender: String,
}
email_templates!(
    OutreachEmail,
    "outreach",
    "emails/outreach/subject.txt",
    "emails/outreach/body.txt",
    "emails/outreach/body.html"
);

/// One due follow-up in the daily list.
#[derive(Clone, Debug)]
pub struct DueLine {
    pub name: String,
    pub stage: String,
    /// "today", "3 days ago".
    pub due: String,
    pub link: String,
}

/// A staff member's follow-ups due today or overdue.
pub struct FollowUpDigestEmail {
    pub foundation: String,
    pub name: String,
    pub total: i64,
    pub lines: Vec<DueLine>,
    pub link: String,
}
email_templates!(
    FollowUpDigestEmail,
    "follow_up_digest",
    "emails/follow_up_digest/subject.txt",
    "emails/follow_up_digest/body.txt",
    "emails/follow_up_digest/body.html"
);
