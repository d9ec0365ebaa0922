//! Settings: code defaults that work out of the box → optional TOML file (`STEWARD_CONFIG`)
//! → `STEWARD_*` environment variables, which win.

use std::fmt;
use std::path::PathBuf;

use anyhow::{Context, bail};
use serde::Deserialize;

/// A secret value that never prints.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(not set)")
        } else {
            f.write_str("******")
        }
    }
}

/// The foundation's name until one is configured (`STEWARD_FOUNDATION_NAME`).
pub const DEFAULT_FOUNDATION_NAME: &str = "Example Software Foundation";

/// Where outgoing mail goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailTransport {
    /// `.eml` files under `<data_dir>/outbox`.
    File,
    /// An SMTP server: `smtps://user:pass@host:465`, `smtp://user:pass@host:587?tls=required`,
    /// or `smtp://host:25` (no TLS; refused in production).
    Smtp(Secret),
    /// Kept in memory; for tests.
    Memory,
}

impl MailTransport {
    fn parse(s: &str) -> anyhow::Result<Self> {
        match s.trim() {
            "" | "file" => Ok(MailTransport::File),
            "memory" => Ok(MailTransport::Memory),
            url if url.starts_with("smtp://") || url.starts_with("smtps://") => {
                url::Url::parse(url).context("the SMTP URL is not a valid URL")?;
                Ok(MailTransport::Smtp(Secret::new(url)))
            }
            other => bail!(
                "unknown mail transport {other:?}: use \"file\", or an smtp:// or smtps:// URL"
            ),
        }
    }

    /// A description safe to print: the SMTP URL without its password.
    pub fn describe(&self) -> String {
        match self {
            MailTransport::File => "file".into(),
            MailTransport::Memory => "memory".into(),
            MailTransport::Smtp(s) => match url::Url::parse(s.expose()) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("******"));
                    }
                    u.to_string()
                }
                Err(_) => "smtp (invalid URL)".into(),
            },
        }
    }
}

/// The effective settings of one app instance.
#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: Secret,
    pub host: String,
    pub port: u16,
    pub base_url: String,
    pub data_dir: PathBuf,
    pub mail_transport: MailTransport,
    pub mail_from: String,
    pub foundation_name: String,
    /// The foundation's own currency (ISO code): grant budgets and caps are kept in it.
    pub currency: String,
    pub stripe_secret_key: Secret,
    pub stripe_publishable_key: String,
    pub stripe_webhook_secrets: Vec<Secret>,
    /// Where Stripe's API answers (tests point it at a mock server).
    pub stripe_api_base: String,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// How long a sponsor's or applicant's private link works.
    pub portal_link_days: i64,
    pub production: bool,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    pub outbox_poll_ms: u64,
    /// First retry delay in seconds; doubles each attempt.
    pub outbox_backoff_base_secs: i64,
    /// Give up on a message after this many hours of failures.
    pub outbox_give_up_hours: i64,
    /// The most seconds one SMTP delivery may take, from connecting to the server's last
    /// reply (greeting, every command and the message itself); a relay that stops answering
    /// is given up on after this and the message retried later.
    pub smtp_timeout_secs: u64,
    /// Days the text of a sent email is kept; after that only who, what kind, the subject and
    /// when stay (the communications log), so the outbox does not grow without bound.
    pub outbox_keep_bodies_days: i64,
    /// How many messages the mail worker sends at once, so one slow message does not hold
    /// up the rest.
    pub outbox_concurrency: usize,
    /// How often counted placement impressions and clicks are written to the database.
    pub placement_flush_secs: u64,
    /// How long public pages reuse what they read from the database (0 = not at all).
    pub public_cache_secs: u64,
    /// Development aid: every response says how many database queries it made
    /// (`X-Query-Count`), so a page whose queries grow with the data shows it.
    pub query_count_header: bool,
    pub log_filter: String,
}

impl Settings {
    /// The foundation's currency (checked when the settings were loaded).
    pub fn currency(&self) -> crate::domain::Currency {
        crate::domain::Currency::parse(&self.currency).unwrap_or(crate::domain::money::USD)
    }
}

/// The subset of settings a TOML file may contain; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<Secret>,
    host: Option<String>,
    port: Option<u16>,
    base_url: Option<String>,
    data_dir: Option<PathBuf>,
    mail_transport: Option<Secret>,
    mail_from: Option<String>,
    foundation_name: Option<String>,
    currency: Option<String>,
    stripe_secret_key: Option<Secret>,
    stripe_publishable_key: Option<String>,
    stripe_webhook_secrets: Option<Vec<Secret>>,
    stripe_api_base: Option<String>,
    session_idle_minutes: Option<i64>,
    session_absolute_hours: Option<i64>,
    portal_link_days: Option<i64>,
    production: Option<bool>,
    trusted_proxies: Option<Vec<String>>,
    outbox_poll_ms: Option<u64>,
    outbox_backoff_base_secs: Option<i64>,
    outbox_give_up_hours: Option<i64>,
    smtp_timeout_secs: Option<u64>,
    outbox_keep_bodies_days: Option<i64>,
    outbox_concurrency: Option<usize>,
    placement_flush_secs: Option<u64>,
    public_cache_secs: Option<u64>,
    query_count_header: Option<bool>,
    log_filter: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: Secret::new("sqlite://data/steward.sqlite3"),
            host: "127.0.0.1".into(),
            port: 8080,
            base_url: "http://127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            mail_transport: MailTransport::File,
            mail_from: "Steward <steward@localhost>".into(),
            foundation_name: DEFAULT_FOUNDATION_NAME.into(),
            currency: "USD".into(),
            stripe_secret_key: Secret::default(),
            stripe_publishable_key: String::new(),
            stripe_webhook_secrets: Vec::new(),
            stripe_api_base: "https://api.stripe.com".into(),
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            portal_link_days: 14,
            production: false,
            trusted_proxies: Vec::new(),
            outbox_poll_ms: 2000,
            outbox_backoff_base_secs: 60,
            outbox_give_up_hours: 72,
            smtp_timeout_secs: 30,
            outbox_keep_bodies_days: 180,
            outbox_concurrency: 4,
            placement_flush_secs: 30,
            public_cache_secs: 10,
            query_count_header: false,
            log_filter: "info,steward=info".into(),
        }
    }
}

/// The environment variables read, with a short meaning; printed by `check-config` and
/// mirrored in the README.
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        "STEWARD_CONFIG",
        "path of an optional TOML file with the same keys in lower case",
    ),
    (
        "STEWARD_DATABASE_URL",
        "sqlite://path or postgres://user:pass@host/db",
    ),
    ("STEWARD_HOST", "address to bind"),
    ("STEWARD_PORT", "port to bind (0 = any free port)"),
    ("STEWARD_BASE_URL", "public URL used in every emailed link"),
    (
        "STEWARD_DATA_DIR",
        "folder for the SQLite file, mail files and uploads",
    ),
    (
        "STEWARD_MAIL_TRANSPORT",
        "file, or smtp(s)://user:pass@host:port[?tls=required]",
    ),
    ("STEWARD_MAIL_FROM", "sender of every email"),
    ("STEWARD_FOUNDATION_NAME", "shown in page titles and emails"),
    (
        "STEWARD_STRIPE_SECRET_KEY",
        "Stripe secret key; empty = card payments off",
    ),
    ("STEWARD_STRIPE_PUBLISHABLE_KEY", "Stripe publishable key"),
    (
        "STEWARD_STRIPE_WEBHOOK_SECRETS",
        "comma-separated webhook signing secrets",
    ),
    (
        "STEWARD_STRIPE_API_BASE",
        "Stripe API address (default https://api.stripe.com)",
    ),
    ("STEWARD_SESSION_IDLE_MINUTES", "staff session idle timeout"),
    (
        "STEWARD_SESSION_ABSOLUTE_HOURS",
        "staff session absolute lifetime",
    ),
    (
        "STEWARD_PORTAL_LINK_DAYS",
        "how long a sponsor's private link works",
    ),
    (
        "STEWARD_PRODUCTION",
        "true in production: stricter start-up checks",
    ),
    (
        "STEWARD_TRUSTED_PROXIES",
        "comma-separated proxy IPs whose X-Forwarded-For is used",
    ),
    (
        "STEWARD_OUTBOX_POLL_MS",
        "how often the mail worker looks for work",
    ),
    (
        "STEWARD_OUTBOX_BACKOFF_BASE_SECS",
        "first retry delay; doubles per attempt",
    ),
    (
        "STEWARD_OUTBOX_GIVE_UP_HOURS",
        "stop retrying a message after this long",
    ),
    (
        "STEWARD_SMTP_TIMEOUT_SECS",
        "most seconds one SMTP delivery may take before it is retried later",
    ),
    (
        "STEWARD_OUTBOX_KEEP_BODIES_DAYS",
        "days the text of a sent email is kept (the subject, recipient and time stay)",
    ),
    (
        "STEWARD_OUTBOX_CONCURRENCY",
        "how many emails the mail worker sends at once",
    ),
    (
        "STEWARD_PLACEMENT_FLUSH_SECS",
        "how often placement impressions and clicks are saved",
    ),
    (
        "STEWARD_PUBLIC_CACHE_SECS",
        "seconds public pages reuse what they read (0 = off)",
    ),
    ("STEWARD_LOG", "log filter, e.g. info or steward=debug"),
];

fn parse_bool(name: &str, v: &str) -> anyhow::Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => bail!("{name} must be true or false, not {v:?}"),
    }
}

fn parse_num<T: std::str::FromStr>(name: &str, v: &str) -> anyhow::Result<T> {
    v.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{name} must be a whole number, not {v:?}"))
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

impl Settings {
    /// Load from defaults, the optional file and the process environment.
    pub fn load() -> anyhow::Result<Settings> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Settings::load_from(&env)
    }

    /// Load from defaults, the optional file and the given environment (testable).
    pub fn load_from(env: &[(String, String)]) -> anyhow::Result<Settings> {
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let mut s = Settings::default();
        let mut base_url_set = false;

        if let Some(path) = get("STEWARD_CONFIG").filter(|p| !p.is_empty()) {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the config file {path}"))?;
            let f: FileSettings = toml::from_str(&text)
                .with_context(|| format!("the config file {path} is not valid"))?;
            base_url_set = f.base_url.is_some();
            s.apply_file(f)?;
        }

        if let Some(v) = get("STEWARD_DATABASE_URL") {
            s.database_url = Secret::new(v);
        }
        if let Some(v) = get("STEWARD_HOST") {
            s.host = v.to_string();
        }
        if let Some(v) = get("STEWARD_PORT") {
            s.port = parse_num("STEWARD_PORT", v)?;
        }
        if let Some(v) = get("STEWARD_BASE_URL") {
            s.base_url = v.to_string();
            base_url_set = true;
        }
        if let Some(v) = get("STEWARD_DATA_DIR") {
            s.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("STEWARD_MAIL_TRANSPORT") {
            s.mail_transport = MailTransport::parse(v)?;
        }
        if let Some(v) = get("STEWARD_MAIL_FROM") {
            s.mail_from = v.to_string();
        }
        if let Some(v) = get("STEWARD_FOUNDATION_NAME") {
            s.foundation_name = v.to_string();
        }
        if let Some(v) = get("STEWARD_CURRENCY") {
            s.currency = v.trim().to_ascii_uppercase();
        }
        if let Some(v) = get("STEWARD_STRIPE_SECRET_KEY") {
            s.stripe_secret_key = Secret::new(v);
        }
        if let Some(v) = get("STEWARD_STRIPE_PUBLISHABLE_KEY") {
            s.stripe_publishable_key = v.to_string();
        }
        if let Some(v) = get("STEWARD_STRIPE_WEBHOOK_SECRETS") {
            s.stripe_webhook_secrets = split_list(v).into_iter().map(Secret::new).collect();
        }
        if let Some(v) = get("STEWARD_STRIPE_API_BASE") {
            s.stripe_api_base = v.trim().to_string();
        }
        if let Some(v) = get("STEWARD_SESSION_IDLE_MINUTES") {
            s.session_idle_minutes = parse_num("STEWARD_SESSION_IDLE_MINUTES", v)?;
        }
        if let Some(v) = get("STEWARD_SESSION_ABSOLUTE_HOURS") {
            s.session_absolute_hours = parse_num("STEWARD_SESSION_ABSOLUTE_HOURS", v)?;
        }
        if let Some(v) = get("STEWARD_PORTAL_LINK_DAYS") {
            s.portal_link_days = parse_num("STEWARD_PORTAL_LINK_DAYS", v)?;
        }
        if let Some(v) = get("STEWARD_PRODUCTION") {
            s.production = parse_bool("STEWARD_PRODUCTION", v)?;
        }
        if let Some(v) = get("STEWARD_TRUSTED_PROXIES") {
            s.trusted_proxies = split_list(v);
        }
        if let Some(v) = get("STEWARD_OUTBOX_POLL_MS") {
            s.outbox_poll_ms = parse_num("STEWARD_OUTBOX_POLL_MS", v)?;
        }
        if let Some(v) = get("STEWARD_OUTBOX_BACKOFF_BASE_SECS") {
            s.outbox_backoff_base_secs = parse_num("STEWARD_OUTBOX_BACKOFF_BASE_SECS", v)?;
        }
        if let Some(v) = get("STEWARD_OUTBOX_GIVE_UP_HOURS") {
            s.outbox_give_up_hours = parse_num("STEWARD_OUTBOX_GIVE_UP_HOURS", v)?;
        }
        if let Some(v) = get("STEWARD_SMTP_TIMEOUT_SECS") {
            s.smtp_timeout_secs = parse_num("STEWARD_SMTP_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = get("STEWARD_OUTBOX_KEEP_BODIES_DAYS") {
            s.outbox_keep_bodies_days = parse_num("STEWARD_OUTBOX_KEEP_BODIES_DAYS", v)?;
        }
        if let Some(v) = get("STEWARD_OUTBOX_CONCURRENCY") {
            s.outbox_concurrency = parse_num("STEWARD_OUTBOX_CONCURRENCY", v)?;
        }
        if let Some(v) = get("STEWARD_PLACEMENT_FLUSH_SECS") {
            s.placement_flush_secs = parse_num("STEWARD_PLACEMENT_FLUSH_SECS", v)?;
        }
        if let Some(v) = get("STEWARD_PUBLIC_CACHE_SECS") {
            s.public_cache_secs = parse_num("STEWARD_PUBLIC_CACHE_SECS", v)?;
        }
        if let Some(v) = get("STEWARD_QUERY_COUNT_HEADER") {
            s.query_count_header = parse_bool("STEWARD_QUERY_COUNT_HEADER", v)?;
        }
        if let Some(v) = get("STEWARD_LOG") {
            s.log_filter = v.to_string();
        }

        // Without an explicit base URL, links point at the address we serve on.
        if !base_url_set {
            s.base_url = format!("http://{}:{}", s.host, s.port);
        }
        s.base_url = s.base_url.trim_end_matches('/').to_string();
        s.validate()?;
        Ok(s)
    }

    fn apply_file(&mut self, f: FileSettings) -> anyhow::Result<()> {
        if let Some(v) = f.database_url {
            self.database_url = v;
        }
        if let Some(v) = f.host {
            self.host = v;
        }
        if let Some(v) = f.port {
            self.port = v;
        }
        if let Some(v) = f.base_url {
            self.base_url = v;
        }
        if let Some(v) = f.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = f.mail_transport {
            self.mail_transport = MailTransport::parse(v.expose())?;
        }
        if let Some(v) = f.mail_from {
            self.mail_from = v;
        }
        if let Some(v) = f.foundation_name {
            self.foundation_name = v;
        }
        if let Some(v) = f.currency {
            self.currency = v.trim().to_ascii_uppercase();
        }
        if let Some(v) = f.stripe_secret_key {
            self.stripe_secret_key = v;
        }
        if let Some(v) = f.stripe_publishable_key {
            self.stripe_publishable_key = v;
        }
        if let Some(v) = f.stripe_webhook_secrets {
            self.stripe_webhook_secrets = v;
        }
        if let Some(v) = f.stripe_api_base {
            self.stripe_api_base = v;
        }
        if let Some(v) = f.session_idle_minutes {
            self.session_idle_minutes = v;
        }
        if let Some(v) = f.session_absolute_hours {
            self.session_absolute_hours = v;
        }
        if let Some(v) = f.portal_link_days {
            self.portal_link_days = v;
        }
        if let Some(v) = f.production {
            self.production = v;
        }
        if let Some(v) = f.trusted_proxies {
            self.trusted_proxies = v;
        }
        if let Some(v) = f.outbox_poll_ms {
            self.outbox_poll_ms = v;
        }
        if let Some(v) = f.outbox_backoff_base_secs {
            self.outbox_backoff_base_secs = v;
        }
        if let Some(v) = f.outbox_give_up_hours {
            self.outbox_give_up_hours = v;
        }
        if let Some(v) = f.smtp_timeout_secs {
            self.smtp_timeout_secs = v;
        }
        if let Some(v) = f.outbox_keep_bodies_days {
            self.outbox_keep_bodies_days = v;
        }
        if let Some(v) = f.outbox_concurrency {
            self.outbox_concurrency = v;
        }
        if let Some(v) = f.placement_flush_secs {
            self.placement_flush_secs = v;
        }
        if let Some(v) = f.public_cache_secs {
            self.public_cache_secs = v;
        }
        if let Some(v) = f.query_count_header {
            self.query_count_header = v;
        }
        if let Some(v) = f.log_filter {
            self.log_filter = v;
        }
        Ok(())
    }

    /// Checks that hold in every mode.
    fn validate(&self) -> anyhow::Result<()> {
        let u = url::Url::parse(&self.base_url)
            .with_context(|| format!("STEWARD_BASE_URL {:?} is not a URL", self.base_url))?;
        if u.scheme() != "http" && u.scheme() != "https" {
            bail!("STEWARD_BASE_URL must start with http:// or https://");
        }
        if self.session_idle_minutes < 1 || self.session_absolute_hours < 1 {
            bail!("session timeouts must be at least one minute / one hour");
        }
        if !(1..=365).contains(&self.portal_link_days) {
            bail!("STEWARD_PORTAL_LINK_DAYS must be between 1 and 365");
        }
        if let Err(e) = crate::domain::Currency::parse(&self.currency) {
            bail!("STEWARD_CURRENCY: {e}");
        }
        let api = url::Url::parse(&self.stripe_api_base).with_context(|| {
            format!(
                "STEWARD_STRIPE_API_BASE {:?} is not a URL",
                self.stripe_api_base
            )
        })?;
        if api.scheme() != "http" && api.scheme() != "https" {
            bail!("STEWARD_STRIPE_API_BASE must start with http:// or https://");
        }
        if self.placement_flush_secs < 1 {
            bail!("STEWARD_PLACEMENT_FLUSH_SECS must be at least 1");
        }
        if !(1..=600).contains(&self.smtp_timeout_secs) {
            bail!("STEWARD_SMTP_TIMEOUT_SECS must be between 1 and 600");
        }
        if !(7..=3650).contains(&self.outbox_keep_bodies_days) {
            bail!("STEWARD_OUTBOX_KEEP_BODIES_DAYS must be between 7 and 3650");
        }
        if !(1..=32).contains(&self.outbox_concurrency) {
            bail!("STEWARD_OUTBOX_CONCURRENCY must be between 1 and 32");
        }
        if self.mail_from.contains(['\r', '\n']) {
            bail!("STEWARD_MAIL_FROM must be a single line");
        }
        self.mail_from
            .parse::<lettre::message::Mailbox>()
            .with_context(|| {
                format!(
                    "STEWARD_MAIL_FROM {:?} is not an address like Name <name@example.org>",
                    self.mail_from
                )
            })?;
        Ok(())
    }

    /// The reasons this configuration must not serve production traffic; empty when fine.
    pub fn production_problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !self.production {
            return p;
        }
        if matches!(
            self.mail_transport,
            MailTransport::File | MailTransport::Memory
        ) {
            p.push(
                "mail would only be written to files: set STEWARD_MAIL_TRANSPORT to an smtp:// or smtps:// URL"
                    .into(),
            );
        }
        if let MailTransport::Smtp(url) = &self.mail_transport {
            let plain =
                url.expose().starts_with("smtp://") && !url.expose().contains("tls=required");
            if plain {
                p.push("SMTP without TLS: use smtps:// or add ?tls=required".into());
            }
        }
        if !self.base_url.starts_with("https://") {
            p.push("STEWARD_BASE_URL must be an https:// URL in production".into());
        }
        if !self.stripe_secret_key.is_empty() && self.stripe_webhook_secrets.is_empty() {
            p.push(
                "Stripe keys are set but STEWARD_STRIPE_WEBHOOK_SECRETS is empty: payments could never be confirmed"
                    .into(),
            );
        }
        p
    }

    /// True when cookies must carry `Secure` and the `__Host-` prefix.
    pub fn https(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    pub fn stripe_enabled(&self) -> bool {
        !self.stripe_secret_key.is_empty()
    }

    /// Lines for `steward check-config`, secrets masked.
    pub fn describe(&self) -> Vec<(String, String)> {
        let db = mask_url(self.database_url.expose());
        vec![
            ("database_url".into(), db),
            ("host".into(), self.host.clone()),
            ("port".into(), self.port.to_string()),
            ("base_url".into(), self.base_url.clone()),
            ("data_dir".into(), self.data_dir.display().to_string()),
            ("mail_transport".into(), self.mail_transport.describe()),
            ("mail_from".into(), self.mail_from.clone()),
            ("foundation_name".into(), self.foundation_name.clone()),
            ("currency".into(), self.currency.clone()),
            (
                "stripe_secret_key".into(),
                format!("{:?}", self.stripe_secret_key),
            ),
            (
                "stripe_publishable_key".into(),
                self.stripe_publishable_key.clone(),
            ),
            (
                "stripe_webhook_secrets".into(),
                format!("{} configured", self.stripe_webhook_secrets.len()),
            ),
            ("stripe_api_base".into(), self.stripe_api_base.clone()),
            (
                "session_idle_minutes".into(),
                self.session_idle_minutes.to_string(),
            ),
            (
                "session_absolute_hours".into(),
                self.session_absolute_hours.to_string(),
            ),
            ("portal_link_days".into(), self.portal_link_days.to_string()),
            ("production".into(), self.production.to_string()),
            ("trusted_proxies".into(), self.trusted_proxies.join(", ")),
            ("outbox_poll_ms".into(), self.outbox_poll_ms.to_string()),
            (
                "outbox_backoff_base_secs".into(),
                self.outbox_backoff_base_secs.to_string(),
            ),
            (
                "outbox_give_up_hours".into(),
                self.outbox_give_up_hours.to_string(),
            ),
            (
                "smtp_timeout_secs".into(),
                self.smtp_timeout_secs.to_string(),
            ),
            (
                "outbox_keep_bodies_days".into(),
                self.outbox_keep_bodies_days.to_string(),
            ),
            (
                "outbox_concurrency".into(),
                self.outbox_concurrency.to_string(),
            ),
            (
                "placement_flush_secs".into(),
                self.placement_flush_secs.to_string(),
            ),
            (
                "public_cache_secs".into(),
                self.public_cache_secs.to_string(),
            ),
            (
                "query_count_header".into(),
                self.query_count_header.to_string(),
            ),
            ("log_filter".into(), self.log_filter.clone()),
        ]
    }
}

/// A database URL with its password replaced.
pub fn mask_url(s: &str) -> String {
    match url::Url::parse(s) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("******"));
            u.to_string()
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests;
