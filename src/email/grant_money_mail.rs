//! Emails to grant recipients after the decision: a payment sent, and the post-event report
//! reminders. Every link is a fresh private link built from the configured base URL.

use super::email_templates;

/// Tells the applicant that a payment of their grant was sent.
pub struct GrantPaymentSentEmail {
    pub foundation: String,
    pub name: String,
    /// "G-42".
    pub reference: String,
    pub event: String,
    pub amount: String,
    pub paid_on: String,
    pub method: String,
    /// The bank's or PayPal's reference, if the treasurer gave one.
    pub payment_reference: String,
    /// This payment completes the award.
    pub paid_in_full: bool,
    /// What is left of the award after this payment.
    pub still_to_pay: String,
    pub report_due_on: String,
    pub link: String,
}
email_templates!(
    GrantPaymentSentEmail,
    "grant_payment_sent",
    "emails/grant_payment_sent/subject.txt",
    "emails/grant_payment_sent/body.txt",
    "emails/grant_payment_sent/body.html"
);

/// Reminds the applicant that the post-event report is due soon, today, or is late.
pub struct GrantReportReminderEmail {
    pub foundation: String,
    pub name: String,
    pub reference: String,
    pub event: String,
    pub due_on: String,
    /// Days until the due date (negative when it has passed).
    pub days_left: i64,
    /// "due_soon", "due_today" or "overdue".
    pub kind: &'static str,
    pub link: String,
}

impl GrantReportReminderEmail {
    /// "in 14 days", "today", "3 days ago".
    pub fn when(&self) -> String {
        match self.days_left {
            0 => "today".into(),
            1 => "tomorrow".into(),
            -1 => "yesterday".into(),
            n if n > 0 => format!("in {n} days"),
            n => format!("{} days ago", -n),
        }
    }
}
email_templates!(
    GrantReportReminderEmail,
    "grant_report_reminder",
    "emails/grant_report_reminder/subject.txt",
    "emails/grant_report_reminder/body.txt",
    "emails/grant_report_reminder/body.html"
);
