//! `TestApp::spawn()`, cookie-keeping clients that fill in CSRF tokens, builders for staff
//! accounts, browsers inside a private link, captured email, and the outbox and audit log.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::redirect::Policy;
use steward::config::{MailTransport, Settings};
use steward::db::schema::{audit_log, outbox};
use steward::domain::{EmailAddress, Role};
use steward::email::SentMail;
use steward::models::audit::AuditEntry;
use steward::models::portal_tokens;
use steward::models::users::{self, NewUser};
use steward::startup::Application;
use steward::state::AppState;
use steward::web::extract::portal::LinkKind;

pub const PASSWORD: &str = "a long and boring test password";

/// A running app with its own database.
pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub setup_url: Option<String>,
    pub client: TestClient,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TestApp {
    type Target = TestClient;
    fn deref(&self) -> &TestClient {
        &self.client
    }
}

/// A fresh database URL: a temp SQLite file, or a new PostgreSQL database.
pub fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("STEWARD_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            use diesel::{Connection, RunQueryDsl};
            let name = format!("steward_test_{:016x}", rand::random::<u64>());
            let mut conn = diesel::PgConnection::establish(&admin_url)
                .expect("cannot connect to STEWARD_TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .expect("create test database");
            let mut u = url::Url::parse(&admin_url).expect("valid URL");
            u.set_path(&format!("/{name}"));
            u.to_string()
        }
        _ => format!("sqlite://{}", dir.join("steward.sqlite3").display()),
    }
}

pub fn is_postgres() -> bool {
    std::env::var("STEWARD_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

/// Settings for a test app; `database_url` and `data_dir` filled in.
pub fn test_settings(dir: &std::path::Path) -> Settings {
    Settings {
        database_url: steward::config::Secret::new(fresh_database_url(dir)),
        host: "127.0.0.1".into(),
        port: 0,
        base_url: "http://steward.test".into(),
        data_dir: dir.to_path_buf(),
        mail_transport: MailTransport::Memory,
        outbox_poll_ms: 25,
        outbox_backoff_base_secs: 1,
        log_filter: "warn".into(),
        // Tests change data and look at public pages at once; the cache has its own test.
        public_cache_secs: 0,
        ..Settings::default()
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Loads the demo data (`steward seed-demo`) into this app's database.
    pub async fn seed_demo(&self) {
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || steward::seed::seed_demo(&state))
            .await
            .expect("seed task")
            .expect("seed-demo");
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        steward::telemetry::init(
            &std::env::var("STEWARD_TEST_LOG").unwrap_or_else(|_| "error".into()),
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = test_settings(dir.path());
        adjust(&mut settings);
        let database_url = settings.database_url.expose().to_string();
        let app = Application::build(settings).await.expect("app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state.clone();
        let setup_url = app.setup_url.clone();
        tokio::spawn(app.run_until_stopped());
        let client = TestClient::new(&address, &state);
        let app = TestApp {
            address,
            state,
            setup_url,
            client,
            database_url,
            _dir: dir,
        };
        crate::fixtures::foundation_details(&mut app.db());
        app
    }

    /// Another browser, with its own cookies.
    pub fn new_client(&self) -> TestClient {
        TestClient::new(&self.address, &self.state)
    }

    /// The path of the one-time setup link.
    pub fn setup_path(&self) -> String {
        self.setup_url
            .as_deref()
            .expect("a setup link on first run")
            .trim_start_matches("http://steward.test")
            .to_string()
    }

    /// Creates a staff account directly in the database; returns its id.
    pub fn create_staff(&self, name: &str, email: &str, roles: &[Role]) -> i64 {
        let hash = steward::auth::password::hash(PASSWORD).expect("hash");
        let mut c = self.state.db.get().expect("conn");
        let t = steward::models::now();
        let email = EmailAddress::parse(email).expect("email");
        users::insert(
            &mut c,
            &NewUser {
                email: email.as_str(),
                name,
                password_hash: Some(&hash),
                is_disabled: false,
                created_at: t,
                updated_at: t,
            },
            roles,
        )
        .expect("insert user")
        .0
    }

    /// A new client signed in as a new staff member with these roles.
    pub async fn signed_in(&self, roles: &[Role]) -> (TestClient, i64, String) {
        let email = format!("staff{:08x}@example.org", rand::random::<u32>());
        let id = self.create_staff("Test Staff", &email, roles);
        let c = self.new_client();
        let r = c.login(&email, PASSWORD).await;
        assert_eq!(r.status(), 303, "sign-in should succeed");
        (c, id, email)
    }

    /// Every message handed to the (memory) transport so far.
    pub fn sent_mail(&self) -> Vec<SentMail> {
        self.state.mailer.captured()
    }

    /// Waits until a message to `to` whose kind is `kind` has been delivered.
    pub async fn wait_for_mail(&self, to: &str, kind: &str) -> SentMail {
        for _ in 0..400 {
            if let Some(m) = self
                .sent_mail()
                .into_iter()
                .rev()
                .find(|m| m.to == to && m.kind == kind)
            {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "no {kind} email to {to} was delivered; sent: {:?}",
            self.sent_mail()
        );
    }

    pub fn db(&self) -> steward::db::Conn {
        self.state.db.get().expect("database connection")
    }

    /// A new browser that opened a fresh private link of this kind (a sponsor contact's, or a
    /// grant applicant's) to record `id` as `email`, and landed on its overview.
    pub async fn link_client(&self, kind: LinkKind, id: i64, email: &str) -> TestClient {
        let raw = portal_tokens::issue(
            &mut self.db(),
            kind.scope(),
            id,
            email,
            chrono::Duration::days(14),
        )
        .expect("token");
        let c = self.new_client();
        let r = c.get(&format!("{}/enter/{raw}", kind.home())).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), kind.home());
        c
    }

    /// How many messages of `kind` the outbox holds (sent or not).
    pub fn outbox_count(&self, kind: &str) -> i64 {
        outbox::table
            .filter(outbox::kind.eq(kind))
            .count()
            .get_result(&mut self.db())
            .expect("count")
    }

    /// How many messages of `kind` to `to` the outbox holds (sent or not).
    pub fn outbox_count_to(&self, kind: &str, to: &str) -> i64 {
        outbox::table
            .filter(outbox::kind.eq(kind))
            .filter(outbox::to_addr.eq(to))
            .count()
            .get_result(&mut self.db())
            .expect("count")
    }

    /// How many messages the outbox holds, of any kind.
    pub fn outbox_total(&self) -> i64 {
        outbox::table
            .count()
            .get_result(&mut self.db())
            .expect("count")
    }

    /// How many audit entries of exactly this action there are.
    pub fn audit_count(&self, action: &str) -> i64 {
        audit_log::table
            .filter(audit_log::action.eq(action))
            .count()
            .get_result(&mut self.db())
            .expect("count")
    }

    /// Runs the worker's daily housekeeping as if `day` were today (reminders, waitlists,
    /// reports due), as the worker does once a day.
    pub fn housekeeping(&self, day: chrono::NaiveDate) {
        steward::worker::housekeeping(&mut self.db(), &self.state.settings, day)
            .expect("housekeeping");
    }

    /// The audit entries of exactly this action, oldest first.
    pub fn audit(&self, action: &str) -> Vec<AuditEntry> {
        audit_log::table
            .filter(audit_log::action.eq(action))
            .order(audit_log::id.asc())
            .select(AuditEntry::as_select())
            .load(&mut self.db())
            .expect("audit")
    }

    /// Runs the first-run setup and returns a client signed in as the new admin.
    pub async fn complete_setup(&self, email: &str) -> TestClient {
        let c = self.new_client();
        let path = self.setup_path();
        let r = c.get(&path).await;
        assert_eq!(r.status(), 200);
        let r = c
            .post(
                &path,
                &[
                    ("name", "First Admin"),
                    ("email", email),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            303,
            "setup should succeed: {}",
            r.text().await.unwrap_or_default()
        );
        c
    }
}

/// The flash message a response sets, as (kind, message).
/// The ids in a page's links that start with `marker` (e.g. `<td><a href="/staff/invoices/`),
/// in page order: which rows a list shows.
pub fn linked_ids(body: &str, marker: &str) -> Vec<i64> {
    body.match_indices(marker)
        .map(|(i, m)| {
            let rest = &body[i + m.len()..];
            rest[..rest.find('"').expect("closing quote")]
                .parse()
                .expect("numeric id")
        })
        .collect()
}

pub fn flash(r: &reqwest::Response) -> Option<(String, String)> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("steward_flash="))
        .and_then(|v| steward::web::layout::parse_flash(v.split(';').next().unwrap_or("")))
        .map(|f| (f.kind.as_str().to_string(), f.message))
}

/// Text as askama escapes it in HTML text and attributes.
pub fn html(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The path part of a link in an email.
pub fn link_path(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} link in {text}"));
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .unwrap_or(rest.len());
    rest[..end].to_string()
}

/// A file for a multipart form: (bytes, file name, MIME type the browser claims).
pub type FilePart = (Vec<u8>, &'static str, &'static str);

/// A browser: keeps cookies, does not follow redirects, fills in CSRF tokens. A clone shares
/// the cookies (the same browser, e.g. two tabs).
#[derive(Clone)]
pub struct TestClient {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
    csrf_key: Arc<Vec<u8>>,
}

impl TestClient {
    pub fn new(base: &str, state: &AppState) -> TestClient {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        TestClient {
            http,
            jar,
            base: base.to_string(),
            csrf_key: state.csrf_key.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    /// GET and return (status, body).
    pub async fn page(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let s = r.status().as_u16();
        (s, r.text().await.expect("body"))
    }

    /// The value of one of our cookies, if the browser holds it.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = reqwest::Url::parse(&self.base).expect("url");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
    }

    /// The CSRF token a page would carry for this browser now (fetching a page first if the
    /// browser has no CSRF cookie yet): bound to the staff session and to both private-link
    /// cookies, the sponsor contact's and the grant applicant's, as the middleware binds it.
    pub async fn csrf_token(&self) -> String {
        if self.cookie("steward_csrf").is_none() {
            self.get("/login").await;
        }
        let nonce = self.cookie("steward_csrf").expect("csrf cookie");
        let session = self.cookie("steward_session").unwrap_or_default();
        let sponsor = self.cookie("steward_portal").unwrap_or_default();
        let portal = match self.cookie("steward_grant") {
            Some(grant) if !grant.is_empty() => format!("{sponsor}|{grant}"),
            _ => sponsor,
        };
        let binding = steward::auth::csrf::binding(&session, &portal);
        steward::auth::csrf::token_for(&self.csrf_key, &nonce, &binding)
    }

    /// POST a form with a valid CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all).await
    }

    /// POST a multipart form as a browser does (the CSRF token in the query), with `files` in
    /// `file_field`.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(String, String)],
        file_field: &str,
        files: Vec<FilePart>,
    ) -> reqwest::Response {
        let token = self.csrf_token().await;
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.clone(), v.clone());
        }
        for (bytes, name, mime) in files {
            form = form.part(
                file_field.to_string(),
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(name)
                    .mime_str(mime)
                    .expect("mime"),
            );
        }
        self.http
            .post(self.url(&format!("{path}?csrf_token={token}")))
            .multipart(form)
            .send()
            .await
            .expect("POST")
    }

    /// POST a form exactly as given (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }
}

/// The Location header of a redirect.
pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// GETs `path` as a browser does (`Accept-Encoding: gzip`) and returns the status, the
/// headers and the body as the browser would show it: a body labelled gzip must really be.
pub async fn browser_get(c: &TestClient, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = c
        .http
        .get(c.url(path))
        .header("Accept-Encoding", "gzip, deflate, br")
        .send()
        .await
        .expect("GET");
    decode(r).await
}

pub async fn decode(r: reqwest::Response) -> (u16, reqwest::header::HeaderMap, String) {
    use std::io::Read;
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.expect("body");
    let gzip = headers
        .get("content-encoding")
        .is_some_and(|v| v.to_str().unwrap_or("").contains("gzip"));
    let body = if gzip {
        let mut out = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut out)
            .unwrap_or_else(|e| {
                panic!(
                    "{status} labelled gzip but not gzip ({e}): {:?}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                )
            });
        out
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (status, headers, body)
}
