//! Where messages are delivered: files, SMTP, or memory (tests).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart, header};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailTransport, Settings};
use crate::models::outbox::OutboxMessage;

/// A message as the memory transport keeps it.
#[derive(Clone, Debug)]
pub struct SentMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub kind: String,
}

/// The configured transport.
#[derive(Clone)]
pub enum Mailer {
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Memory(Arc<Mutex<Vec<SentMail>>>),
}

impl Mailer {
    pub fn from_settings(s: &Settings) -> anyhow::Result<Mailer> {
        Ok(match &s.mail_transport {
            MailTransport::File => {
                let dir = s.data_dir.join("outbox");
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                Mailer::File(AsyncFileTransport::new(dir))
            }
            MailTransport::Smtp(url) => Mailer::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .context("the SMTP URL is not usable")?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            MailTransport::Memory => Mailer::Memory(Arc::new(Mutex::new(Vec::new()))),
        })
    }

    /// Builds and delivers one outbox message.
    pub async fn send(&self, from: &str, m: &OutboxMessage) -> anyhow::Result<()> {
        if let Mailer::Memory(store) = self {
            store
                .lock()
                .map_err(|_| anyhow::anyhow!("mail store poisoned"))?
                .push(SentMail {
                    to: m.to_addr.clone(),
                    subject: m.subject.clone(),
                    text: m.body_text.clone(),
                    html: m.body_html.clone(),
                    kind: m.kind.clone(),
                });
            return Ok(());
        }
        let from: Mailbox = from.parse().context("the sender address is not valid")?;
        let to: Mailbox = m
            .to_addr
            .parse()
            .context("the recipient address is not valid")?;
        let domain = from.email.domain().to_string();
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(m.subject.clone())
            // The same id on every attempt, so a receiver can drop a duplicate delivery.
            .message_id(Some(format!(
                "<outbox-{}-{}@{}>",
                m.id,
                m.created_at.and_utc().timestamp(),
                domain
            )))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        lettre::message::SinglePart::builder()
                            .header(header::ContentType::TEXT_PLAIN)
                            .body(m.body_text.clone()),
                    )
                    .singlepart(
                        lettre::message::SinglePart::builder()
                            .header(header::ContentType::TEXT_HTML)
                            .body(m.body_html.clone()),
                    ),
            )
            .context("cannot build the message")?;
        match self {
            Mailer::File(t) => {
                t.send(message)
                    .await
                    .context("cannot write the mail file")?;
            }
            Mailer::Smtp(t) => {
                t.send(message)
                    .await
                    .map_err(|e| anyhow::anyhow!("SMTP: {e}"))?;
            }
            Mailer::Memory(_) => unreachable!("handled above"),
        }
        Ok(())
    }

    /// The messages kept by the memory transport (empty for the others).
    pub fn captured(&self) -> Vec<SentMail> {
        match self {
            Mailer::Memory(store) => store.lock().map(|v| v.clone()).unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}
