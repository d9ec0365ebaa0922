//! Outgoing email: message types rendered from askama templates (subject, text and HTML
//! parts sharing one layout), the outbox they are queued in, and the transports.

pub mod asset_mail;
pub mod grant_apply_mail;
pub mod grant_money_mail;
pub mod grant_review_mail;
pub mod invoice_file;
pub mod messages;
pub mod outbox;
pub mod outreach_mail;
pub mod portal_mail;
pub mod renewal_mail;
pub mod review_mail;
pub mod story_mail;
pub mod transport;

pub use asset_mail::*;
pub use grant_apply_mail::*;
pub use grant_money_mail::*;
pub use grant_review_mail::*;
pub use invoice_file::Attachment;
pub use messages::*;
pub use outbox::{About, enqueue, enqueue_with};
pub use outreach_mail::*;
pub use portal_mail::*;
pub use renewal_mail::*;
pub use review_mail::*;
pub use story_mail::*;
pub use transport::{Mailer, SentMail};

/// A message that can be rendered into its three parts.
pub trait Email {
    /// A short name stored with the message (e.g. `password_reset`).
    fn kind(&self) -> &'static str;
    fn subject(&self) -> askama::Result<String>;
    fn text(&self) -> askama::Result<String>;
    fn html(&self) -> askama::Result<String>;
}

/// Defines an email's three template structs over one data struct.
macro_rules! email_templates {
    ($data:ident, $kind:literal, $subject:literal, $text:literal, $html:literal) => {
        const _: () = {
            #[derive(askama::Template)]
            #[template(path = $subject)]
            struct Subject<'a> {
                m: &'a $data,
            }
            #[derive(askama::Template)]
            #[template(path = $text)]
            struct Text<'a> {
                m: &'a $data,
            }
            #[derive(askama::Template)]
            #[template(path = $html)]
            struct Html<'a> {
                m: &'a $data,
            }
            impl $crate::email::Email for $data {
                fn kind(&self) -> &'static str {
                    $kind
                }
                fn subject(&self) -> askama::Result<String> {
                    use askama::Template;
                    Subject { m: self }.render()
                }
                fn text(&self) -> askama::Result<String> {
                    use askama::Template;
                    Text { m: self }.render()
                }
                fn html(&self) -> askama::Result<String> {
                    use askama::Template;
                    Html { m: self }.render()
                }
            }
        };
    };
}
pub(crate) use email_templates;
