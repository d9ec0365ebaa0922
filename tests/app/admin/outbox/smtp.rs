//! A small but real SMTP server on tokio, enough ESMTP for lettre, that records every message
//! it accepts and can be switched "down" (greeting `421`, and `451` to `MAIL FROM` on a
//! connection opened while it was up), plus a minimal MIME reader for what it received.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message accepted after `DATA`.
#[derive(Clone, Debug)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as sent, dot-unstuffed, CRLF line ends, without the final `.` line.
    pub data: String,
}

#[derive(Default)]
struct Shared {
    up: AtomicBool,
    /// Milliseconds to wait before answering the end of `DATA`.
    data_delay_ms: AtomicU64,
    /// Connections turned away (421 greeting) or transactions refused (451).
    refused: AtomicUsize,
    /// Transactions that reached `DATA` (accepted or not yet answered).
    data_started: AtomicUsize,
    received: Mutex<Vec<Received>>,
    /// Recipients containing this are refused for good (`550`).
    reject_rcpt: Mutex<Option<String>>,
    /// Messages to recipients containing this wait this long before their `DATA` is answered.
    slow_rcpt: Mutex<Option<(String, Duration)>>,
    /// Recipients containing this are refused with "554 5.7.1 Relay access denied" (a
    /// configuration problem on our side, not a bad address).
    relay_denied: Mutex<Option<String>>,
    /// Milliseconds to wait before answering `QUIT`.
    quit_delay_ms: AtomicU64,
}

/// The server; it lives as long as the test's runtime.
pub struct SmtpServer {
    pub port: u16,
    shared: Arc<Shared>,
}

impl SmtpServer {
    /// Starts listening on 127.0.0.1 on a free port, up or down.
    pub async fn start(up: bool) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind SMTP port");
        let port = listener.local_addr().expect("local addr").port();
        let shared = Arc::new(Shared::default());
        shared.up.store(up, Ordering::SeqCst);
        let s = shared.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = session(stream, s).await;
                });
            }
        });
        SmtpServer { port, shared }
    }

    /// The `smtp://` URL lettre is given (plain SMTP, no TLS).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn set_up(&self, up: bool) {
        self.shared.up.store(up, Ordering::SeqCst);
    }

    pub fn set_data_delay(&self, d: Duration) {
        self.shared
            .data_delay_ms
            .store(d.as_millis() as u64, Ordering::SeqCst);
    }

    /// Refuses, for good, every recipient whose address contains `part`.
    pub fn reject_recipients_containing(&self, part: &str) {
        *self.shared.reject_rcpt.lock().expect("lock") = Some(part.to_string());
    }

    /// Refuses recipients containing `part` as a relay that is not set up for us would.
    pub fn deny_relay_for(&self, part: &str) {
        *self.shared.relay_denied.lock().expect("lock") = Some(part.to_string());
    }

    /// Waits `d` before answering `QUIT` (a server slow to say goodbye).
    pub fn set_quit_delay(&self, d: Duration) {
        self.shared
            .quit_delay_ms
            .store(d.as_millis() as u64, Ordering::SeqCst);
    }

    /// Holds the answer to `DATA` for `d` on messages to recipients containing `part`.
    pub fn slow_for_recipients_containing(&self, part: &str, d: Duration) {
        *self.shared.slow_rcpt.lock().expect("lock") = Some((part.to_string(), d));
    }

    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }

    pub fn data_started(&self) -> usize {
        self.shared.data_started.load(Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().expect("lock").clone()
    }

    /// Messages received for one recipient.
    pub fn received_for(&self, to: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(to)))
            .collect()
    }
}

/// The address inside `<…>` of a `MAIL FROM:` / `RCPT TO:` argument.
fn angle_addr(line: &str) -> String {
    match (line.find('<'), line.find('>')) {
        (Some(a), Some(b)) if b > a => line[a + 1..b].to_string(),
        _ => line
            .split_once(':')
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default(),
    }
}

async fn session(stream: TcpStream, s: Arc<Shared>) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    if !s.up.load(Ordering::SeqCst) {
        s.refused.fetch_add(1, Ordering::SeqCst);
        w.write_all(b"421 4.3.2 Service not available, closing transmission channel\r\n")
            .await?;
        w.shutdown().await?;
        return Ok(());
    }
    w.write_all(b"220 mx.test ESMTP test server ready\r\n")
        .await?;
    let mut from: Option<String> = None;
    let mut rcpts: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf).await? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&buf).trim_end().to_string();
        let verb = line
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-mx.test greets you\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n",
            "HELO" => b"250 mx.test\r\n",
            "MAIL" => {
                if !s.up.load(Ordering::SeqCst) {
                    s.refused.fetch_add(1, Ordering::SeqCst);
                    b"451 4.3.0 Service not available, try again later\r\n"
                } else {
                    from = Some(angle_addr(&line));
                    rcpts.clear();
                    b"250 2.1.0 Ok\r\n"
                }
            }
            "RCPT" => {
                if from.is_none() {
                    b"503 5.5.1 Need MAIL first\r\n"
                } else {
                    let rcpt = angle_addr(&line);
                    let reject = s.reject_rcpt.lock().expect("lock").clone();
                    let denied = s.relay_denied.lock().expect("lock").clone();
                    if reject.is_some_and(|p| rcpt.contains(&p)) {
                        b"550 5.1.1 No such user here\r\n"
                    } else if denied.is_some_and(|p| rcpt.contains(&p)) {
                        b"554 5.7.1 Relay access denied\r\n"
                    } else {
                        rcpts.push(rcpt);
                        b"250 2.1.5 Ok\r\n"
                    }
                }
            }
            "DATA" => {
                if from.is_none() || rcpts.is_empty() {
                    b"503 5.5.1 Need RCPT first\r\n"
                } else {
                    w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    s.data_started.fetch_add(1, Ordering::SeqCst);
                    let mut data = Vec::new();
                    loop {
                        buf.clear();
                        if r.read_until(b'\n', &mut buf).await? == 0 {
                            return Ok(());
                        }
                        if buf == b".\r\n" || buf == b".\n" {
                            break;
                        }
                        let unstuffed = if buf.starts_with(b"..") {
                            &buf[1..]
                        } else {
                            &buf[..]
                        };
                        data.extend_from_slice(unstuffed);
                    }
                    let slow = s.slow_rcpt.lock().expect("lock").clone();
                    if let Some((part, d)) = slow
                        && rcpts.iter().any(|r| r.contains(&part))
                    {
                        tokio::time::sleep(d).await;
                    }
                    let delay = s.data_delay_ms.load(Ordering::SeqCst);
                    if delay > 0 {
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                    }
                    s.received.lock().expect("lock").push(Received {
                        mail_from: from.take().unwrap_or_default(),
                        rcpt_to: std::mem::take(&mut rcpts),
                        data: String::from_utf8_lossy(&data).into_owned(),
                    });
                    b"250 2.0.0 Ok: queued\r\n"
                }
            }
            "RSET" => {
                from = None;
                rcpts.clear();
                b"250 2.0.0 Ok\r\n"
            }
            "NOOP" => b"250 2.0.0 Ok\r\n",
            "QUIT" => {
                let delay = s.quit_delay_ms.load(Ordering::SeqCst);
                if delay > 0 {
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                }
                w.write_all(b"221 2.0.0 Bye\r\n").await?;
                w.shutdown().await?;
                return Ok(());
            }
            _ => b"502 5.5.2 Command not recognized\r\n",
        };
        w.write_all(reply).await?;
    }
}

/// A MIME entity: unfolded headers and the raw body.
#[derive(Debug)]
pub struct Entity {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Entity {
    pub fn parse(raw: &str) -> Entity {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = headers.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
            } else if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        Entity {
            headers,
            body: body.to_string(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn content_type(&self) -> String {
        self.header("Content-Type")
            .unwrap_or("text/plain")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    /// The parts of a multipart entity (empty for a single part).
    pub fn parts(&self) -> Vec<Entity> {
        let Some(ct) = self.header("Content-Type") else {
            return Vec::new();
        };
        let Some(boundary) = ct.split(';').find_map(|p| {
            p.trim()
                .strip_prefix("boundary=")
                .map(|b| b.trim_matches('"').to_string())
        }) else {
            return Vec::new();
        };
        let delim = format!("--{boundary}");
        let mut parts = Vec::new();
        for chunk in self.body.split(&delim).skip(1) {
            if chunk.starts_with("--") {
                break;
            }
            parts.push(Entity::parse(chunk.trim_start_matches('\n')));
        }
        parts
    }

    /// The body with its transfer encoding undone.
    pub fn decoded(&self) -> String {
        let cte = self
            .header("Content-Transfer-Encoding")
            .unwrap_or("7bit")
            .to_ascii_lowercase();
        match cte.as_str() {
            "base64" => {
                let compact: String = self.body.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("valid base64 body");
                String::from_utf8(bytes).expect("utf-8 body")
            }
            "quoted-printable" => decode_qp(&self.body),
            _ => self.body.clone(),
        }
    }
}

fn decode_qp(s: &str) -> String {
    let joined = s.replace("=\n", "");
    let b = joined.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escaped = (b[i] == b'=')
            .then(|| b.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escaped {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("utf-8 body")
}

/// A header value with RFC 2047 `=?charset?b?…?=` / `=?charset?q?…?=` words decoded.
pub fn decode_words(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let Some(end) = rest[start + 2..].find("?=").map(|e| start + 2 + e) else {
            break;
        };
        let mut it = rest[start + 2..end].splitn(3, '?');
        let (_charset, enc, text) = (it.next(), it.next(), it.next());
        let decoded = match (enc.map(|e| e.to_ascii_lowercase()).as_deref(), text) {
            (Some("b"), Some(t)) => base64::engine::general_purpose::STANDARD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok()),
            (Some("q"), Some(t)) => Some(decode_qp(&t.replace('_', " "))),
            _ => None,
        };
        let Some(decoded) = decoded else {
            break;
        };
        let between = &rest[..start];
        // Whitespace between two encoded words is not part of the text.
        if !(after_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        out.push_str(&decoded);
        after_word = true;
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// A listener that accepts connections and never says a word (a relay that hangs before its
/// greeting); it counts the connections it holds.
pub struct Tarpit {
    pub port: u16,
    accepted: Arc<AtomicUsize>,
}

impl Tarpit {
    pub async fn start() -> Tarpit {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind tarpit");
        let port = listener.local_addr().expect("local addr").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                held.push(stream);
            }
        });
        Tarpit { port, accepted }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}
