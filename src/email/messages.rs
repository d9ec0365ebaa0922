//! The emails the platform sends. Every link is built from the configured base URL.

use super::email_templates;

/// An invitation to a new staff member to choose a password.
pub struct InviteEmail {
    pub foundation: String,
    pub name: String,
    pub invited_by: String,
    pub link: String,
    pub expires_days: i64,
}
email_templates!(
    InviteEmail,
    "invite",
    "emails/invite/subject.txt",
    "emails/invite/body.txt",
    "emails/invite/body.html"
);

/// A password reset link.
pub struct PasswordResetEmail {
    pub foundation: String,
    pub name: String,
    pub link: String,
    pub expires_minutes: i64,
}
email_templates!(
    PasswordResetEmail,
    "password_reset",
    "emails/password_reset/subject.txt",
    "emails/password_reset/body.txt",
    "emails/password_reset/body.html"
);

/// A notice that the password of an account was changed.
pub struct PasswordChangedEmail {
    pub foundation: String,
    pub name: String,
    pub reset_link: String,
}
email_templates!(
    PasswordChangedEmail,
    "password_changed",
    "emails/password_changed/subject.txt",
    "emails/password_changed/body.txt",
    "emails/password_changed/body.html"
);

/// An invoice for a sponsor's billing contact, with a private link to view and pay it.
pub struct InvoiceIssuedEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    pub number: String,
    pub amount: String,
    pub due_on: String,
    pub link: String,
    /// Card payment through Stripe is offered.
    pub card: bool,
}
email_templates!(
    InvoiceIssuedEmail,
    "invoice_issued",
    "emails/invoice_issued/subject.txt",
    "emails/invoice_issued/body.txt",
    "emails/invoice_issued/body.html"
);

/// Confirms that an invoice has been paid in full.
pub struct ReceiptEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    pub number: String,
    pub amount: String,
    pub paid_on: String,
    pub link: String,
}
email_templates!(
    ReceiptEmail,
    "receipt",
    "emails/receipt/subject.txt",
    "emails/receipt/body.txt",
    "emails/receipt/body.html"
);

/// Tells the billing contacts that an invoice no longer stands (a corrected one follows).
pub struct InvoiceVoidedEmail {
    pub foundation: String,
    pub name: String,
    pub sponsor: String,
    pub number: String,
    pub reason: String,
}
email_templates!(
    InvoiceVoidedEmail,
    "invoice_voided",
    "emails/invoice_voided/subject.txt",
    "emails/invoice_voided/body.txt",
    "emails/invoice_voided/body.html"
);
