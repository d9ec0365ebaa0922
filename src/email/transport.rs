//! Where messages are delivered: files, SMTP, or memory (tests).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart, header};
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncFileTransport, AsyncTransport, Executor, Message, Tokio1Executor};

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
    /// Files sent with it: (file name, content type, body).
    pub attachments: Vec<(String, String, String)>,
}

/// The configured transport.
#[derive(Clone)]
pub enum Mailer {
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(Arc<SmtpRelay>),
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

/// A permanent SMTP reply that refuses this recipient for good: one whose enhanced status code
/// (RFC 3463) is about the address — 5.1.x (bad mailbox, bad address syntax, no such domain)
/// or 5.2.x (mailbox disabled) — as in "550 5.1.1 No such user". Other 5xx replies (5.7.1
/// relaying denied, a refused sender, authentication, and 552, which RFC 5321 §4.5.3.1.10 says
/// to treat as temporary) point at our configuration or the moment: those are retried until
/// the give-up time, so fixing a setting sends the queue.
fn refused_for_good(e: &lettre::transport::smtp::Error) -> bool {
    if !e.is_permanent() || e.status().is_some_and(|c| c.to_string() == "552") {
        return false;
    }
    e.to_string()
        .split(|c: char| c.is_whitespace() || c == ':' || c == '(' || c == ')')
        .any(|w| w.starts_with("5.1.") || w.starts_with("5.2."))
}

/// Where and how to reach the SMTP relay, read once from the configured URL (the forms lettre
/// reads: `smtp://host:25`, `smtp://user:pass@host:587?tls=required` or `=opportunistic`,
/// `smtps://user:pass@host:465`, an optional `/hello.name` path).
///
/// Delivery drives lettre's connection itself rather than its transport, so that the time
/// limit covers connecting, the greeting, authentication and the message — and ends at the
/// server's answer to the message: once that says "queued", the message is sent, and the
/// polite QUIT that follows happens on its own, outside the limit. (lettre's transport waits
/// for the QUIT's answer before it reports success, so a server slow to say goodbye would
/// make an accepted message look failed, and it would be sent again.)
pub struct SmtpRelay {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    hello: ClientId,
    limit: Duration,
}

impl SmtpRelay {
    pub fn from_url(url: &str, limit: Duration) -> anyhow::Result<SmtpRelay> {
        let u = url::Url::parse(url).context("not a URL")?;
        let host = u
            .host_str()
            .context("no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let tls_param = u
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_string());
        let params = || TlsParameters::new(host.clone()).context("TLS parameters");
        let (port, tls) = match (u.scheme(), tls_param.as_deref()) {
            ("smtp", None) => (u.port().unwrap_or(25), Tls::None),
            ("smtp", Some("required")) => (u.port().unwrap_or(587), Tls::Required(params()?)),
            ("smtp", Some("opportunistic")) => {
                (u.port().unwrap_or(587), Tls::Opportunistic(params()?))
            }
            ("smtps", _) => (u.port().unwrap_or(465), Tls::Wrapper(params()?)),
            (scheme, tls) => anyhow::bail!("unknown scheme {scheme:?} or tls={tls:?}"),
        };
        let decode = |s: &str| -> anyhow::Result<String> {
            Ok(percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .context("the user or password is not valid UTF-8")?
                .into_owned())
        };
        let credentials = match u.password() {
            Some(p) => Some(Credentials::new(decode(u.username())?, decode(p)?)),
            None => None,
        };
        let path = u.path().trim_matches('/');
        let hello = if path.is_empty() {
            ClientId::default()
        } else {
            ClientId::Domain(path.to_string())
        };
        Ok(SmtpRelay {
            host,
            port,
            tls,
            credentials,
            hello,
            limit,
        })
    }

    /// Delivers one message within the time limit (see the type's comment).
    async fn deliver(&self, message: &Message) -> Result<(), SendFailure> {
        let envelope = message.envelope().clone();
        let bytes = message.formatted();
        let attempt = tokio::time::timeout(self.limit, async {
            let mut conn = <Tokio1Executor as Executor>::connect(
                &self.host,
                self.port,
                Some(self.limit),
                &self.hello,
                &self.tls,
            )
            .await?;
            if let Some(c) = &self.credentials {
                conn.auth(DEFAULT_MECHANISMS, c).await?;
            }
            let sent = conn.send(&envelope, &bytes).await;
            Ok::<_, lettre::transport::smtp::Error>((conn, sent))
        })
        .await;
        let classify = |e: lettre::transport::smtp::Error| {
            let error = anyhow::anyhow!("SMTP: {e}");
            if refused_for_good(&e) {
                SendFailure::permanent(error)
            } else {
                SendFailure::temporary(error)
            }
        };
        match attempt {
            Err(_) => Err(SendFailure::temporary(anyhow::anyhow!(
                "SMTP: the mail server did not finish within {} s",
                self.limit.as_secs()
            ))),
            Ok(Err(e)) => Err(classify(e)),
            Ok(Ok((mut conn, sent))) => {
                // Goodbye on its own, briefly; its answer changes nothing.
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(Duration::from_secs(10), conn.abort()).await;
                });
                sent.map(|_| ()).map_err(classify)
            }
        }
    }
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
            MailTransport::Smtp(url) => Mailer::Smtp(Arc::new(
                SmtpRelay::from_url(
                    url.expose(),
                    Duration::from_secs(s.smtp_timeout_secs.max(1)),
                )
                .context("the SMTP URL is not usable")?,
            )),
            MailTransport::Memory => Mailer::Memory(Arc::new(Mutex::new(Vec::new()))),
        })
    }

    /// Builds and delivers one outbox message, within the transport's time limit.
    pub async fn send(
        &self,
        from: &str,
        m: &OutboxMessage,
        files: &[(String, String, String)],
    ) -> Result<(), SendFailure> {
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
                    attachments: files.to_vec(),
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
            .multipart(body_with(m, files)?)
            .context("cannot build the message")
            .map_err(SendFailure::permanent)?;
        match self {
            Mailer::File(t) => {
                t.send(message)
                    .await
                    .context("cannot write the mail file")
                    .map_err(SendFailure::temporary)?;
            }
            Mailer::Smtp(relay) => relay.deliver(&message).await?,
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

/// The text and HTML alternatives, inside a mixed part with the files when there are any.
fn body_with(
    m: &OutboxMessage,
    files: &[(String, String, String)],
) -> Result<MultiPart, SendFailure> {
    let alternative = MultiPart::alternative()
        .singlepart(
            lettre::message::SinglePart::builder()
                .header(header::ContentType::TEXT_PLAIN)
                .body(m.body_text.clone()),
        )
        .singlepart(
            lettre::message::SinglePart::builder()
                .header(header::ContentType::TEXT_HTML)
                .body(m.body_html.clone()),
        );
    if files.is_empty() {
        return Ok(alternative);
    }
    let mut mixed = MultiPart::mixed().multipart(alternative);
    for (name, content_type, body) in files {
        let ct = header::ContentType::parse(content_type)
            .context("an attachment's content type is not valid")
            .map_err(SendFailure::permanent)?;
        mixed = mixed.singlepart(
            lettre::message::Attachment::new(name.clone()).body(body.clone().into_bytes(), ct),
        );
    }
    Ok(mixed)
}
