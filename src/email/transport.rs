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
    /// The transport and the most time one delivery may take.
    Smtp(AsyncSmtpTransport<Tokio1Executor>, Duration),
    Memory(Arc<Mutex<Vec<SentMail>>>),
}

/// Why a delivery did not happen, and whether trying again could help.
#[derive(Debug)]
pub struct SendFailure {
    /// The receiving side refused this message for good (no such mailbox, an address it will
    /// never accept): retrying cannot help, so the message is marked failed at once.
    pub permanent: bool,
    pub error: anyhow::Error,
}

impl SendFailure {
    fn temporary(error: anyhow::Error) -> SendFailure {
        SendFailure {
            permanent: false,
            error,
        }
    }
    fn permanent(error: anyhow::Error) -> SendFailure {
        SendFailure {
            permanent: true,
            error,
        }
    }
}

/// SMTP replies that refuse the message or its recipient for good (RFC 5321 §4.2.2): no such
/// mailbox (550), not local (551), over quota for good (552), mailbox name not allowed (553),
/// transaction refused (554). Other 5xx replies (authentication, a command the relay does
/// not know) point at our configuration: those are retried, so fixing the setting sends the
/// queue.
fn refused_for_good(e: &lettre::transport::smtp::Error) -> bool {
    e.is_permanent()
        && e.status().is_some_and(|c| {
            matches!(
                c.to_string().as_str(),
                "550" | "551" | "552" | "553" | "554"
            )
        })
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
            MailTransport::Smtp(url) => {
                let limit = Duration::from_secs(s.smtp_timeout_secs.max(1));
                Mailer::Smtp(
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                        .context("the SMTP URL is not usable")?
                        // lettre applies this to the TCP connect only; the whole delivery
                        // is bounded by `limit` in `send`.
                        .timeout(Some(limit))
                        .build(),
                    limit,
                )
            }
            MailTransport::Memory => Mailer::Memory(Arc::new(Mutex::new(Vec::new()))),
        })
    }

    /// Builds and delivers one outbox message, within the transport's time limit.
    pub async fn send(&self, from: &str, m: &OutboxMessage) -> Result<(), SendFailure> {
        if let Mailer::Memory(store) = self {
            store
                .lock()
                .map_err(|_| SendFailure::temporary(anyhow::anyhow!("mail store poisoned")))?
                .push(SentMail {
                    to: m.to_addr.clone(),
                    subject: m.subject.clone(),
                    text: m.body_text.clone(),
                    html: m.body_html.clone(),
                    kind: m.kind.clone(),
                });
            return Ok(());
        }
        let from: Mailbox = from
            .parse()
            .context("the sender address is not valid")
            .map_err(SendFailure::temporary)?;
        // An address no mail server could deliver to: no retry will change that.
        let to: Mailbox = m
            .to_addr
            .parse()
            .context("the recipient address is not valid")
            .map_err(SendFailure::permanent)?;
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
            .context("cannot build the message")
            .map_err(SendFailure::permanent)?;
        match self {
            Mailer::File(t) => {
                t.send(message)
                    .await
                    .context("cannot write the mail file")
                    .map_err(SendFailure::temporary)?;
            }
            Mailer::Smtp(t, limit) => {
                // Greeting, commands and data all fall under one deadline: a relay that
                // accepts the connection and then says nothing cannot hold the worker.
                match tokio::time::timeout(*limit, t.send(message)).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) if refused_for_good(&e) => {
                        return Err(SendFailure::permanent(anyhow::anyhow!("SMTP: {e}")));
                    }
                    Ok(Err(e)) => return Err(SendFailure::temporary(anyhow::anyhow!("SMTP: {e}"))),
                    Err(_) => {
                        return Err(SendFailure::temporary(anyhow::anyhow!(
                            "SMTP: the mail server did not finish within {} s",
                            limit.as_secs()
                        )));
                    }
                }
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
