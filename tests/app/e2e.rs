//! End to end in a real browser: first-run setup, sign-out and sign-in, and a sponsor paying
//! by card (reaching Stripe Checkout), driven in headless Chromium through chromedriver (WebDriver, via fantoccini).
//!
//! Runs only with `STEWARD_E2E=1`:
//!
//! ```text
//! STEWARD_E2E=1 cargo test --test app e2e -- --nocapture
//! ```
//!
//! chromedriver is taken from `$STEWARD_CHROMEDRIVER` or /usr/bin/chromedriver, Chromium from
//! `$STEWARD_CHROMIUM` or /usr/bin/chromium. With `STEWARD_E2E=1` a missing one is a failure,
//! never a silent skip.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{PASSWORD, TestApp};

/// How long one step may wait for the browser (a page load, an element to appear).
const WAIT: Duration = Duration::from_secs(30);
/// How long chromedriver may take to start answering.
const DRIVER_START: Duration = Duration::from_secs(30);

const ADMIN_NAME: &str = "Ada Firstrun";
const ADMIN_EMAIL: &str = "ada.firstrun@example.org";

pub(crate) fn progress(msg: &str) {
    println!("e2e: {msg}");
}

/// The path of a required browser binary: `$var`, or `default`. Panics when it is missing.
fn required_binary(var: &str, default: &str, what: &str) -> PathBuf {
    let path = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    assert!(
        path.is_file(),
        "STEWARD_E2E=1 but {what} was not found at {} (install it, or set {var} to its path)",
        path.display()
    );
    path
}

/// A loopback port that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

/// chromedriver, running as our child. Dropping it shuts it down (and with it the browsers it
/// started), and kills it if it does not go.
pub(crate) struct ChromeDriver {
    child: Child,
    port: u16,
    url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl ChromeDriver {
    async fn start(binary: &Path) -> ChromeDriver {
        let mut last_failure = String::new();
        for attempt in 1..=3 {
            match ChromeDriver::try_start(binary).await {
                Ok(driver) => return driver,
                Err(e) => {
                    progress(&format!(
                        "chromedriver did not start (attempt {attempt}): {e}"
                    ));
                    last_failure = e;
                }
            }
        }
        panic!(
            "chromedriver at {} did not start: {last_failure}",
            binary.display()
        );
    }

    async fn try_start(binary: &Path) -> Result<ChromeDriver, String> {
        let dir = tempfile::tempdir().expect("temp dir for the chromedriver log");
        let log = dir.path().join("chromedriver.log");
        let out = std::fs::File::create(&log).expect("chromedriver log file");
        let err = out.try_clone().expect("chromedriver log file");
        let port = free_port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        // From here on the guard owns the child: any failure below stops it.
        let mut driver = ChromeDriver {
            child,
            port,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("HTTP client");
        let status_url = format!("{}/status", driver.url);
        let deadline = Instant::now() + DRIVER_START;
        loop {
            if let Ok(Some(exit)) = driver.child.try_wait() {
                return Err(format!(
                    "it exited with {exit}; its output:\n{}",
                    driver.log_tail()
                ));
            }
            if let Ok(r) = http.get(&status_url).send().await
                && let Ok(body) = r.json::<serde_json::Value>().await
                && body["value"]["ready"] == serde_json::Value::Bool(true)
            {
                return Ok(driver);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{status_url} did not answer ready within {DRIVER_START:?}; its output:\n{}",
                    driver.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Asks chromedriver to shut down: it closes the browsers it started, which a plain kill
    /// would leave running.
    fn request_shutdown(&self) {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let request = format!(
            "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
        }
    }

    /// The last lines chromedriver wrote.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        if self.running() {
            self.request_shutdown();
            let deadline = Instant::now() + Duration::from_secs(5);
            while self.running() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if self.running() {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "e2e: chromedriver output (last lines):\n{}",
                self.log_tail()
            );
        }
    }
}

/// A WebDriver session with a fresh headless Chromium.
/// What every browser test starts with: None (saying so) unless `STEWARD_E2E=1`; otherwise a
/// fresh profile folder, a running chromedriver and the Chromium binary to drive. A missing
/// browser with `STEWARD_E2E=1` fails the test, never skips it.
pub(crate) async fn browser_setup(
    what: &str,
) -> Option<(tempfile::TempDir, ChromeDriver, PathBuf)> {
    if std::env::var("STEWARD_E2E").as_deref() != Ok("1") {
        println!("e2e: skipped {what} (set STEWARD_E2E=1)");
        return None;
    }
    let chromedriver = required_binary(
        "STEWARD_CHROMEDRIVER",
        "/usr/bin/chromedriver",
        "chromedriver",
    );
    let chromium = required_binary("STEWARD_CHROMIUM", "/usr/bin/chromium", "chromium");
    let profile = tempfile::tempdir().expect("temp dir for the browser profile");
    let driver = ChromeDriver::start(&chromedriver).await;
    Some((profile, driver, chromium))
}

pub(crate) async fn open_browser(driver: &ChromeDriver, chromium: &Path, profile: &Path) -> Client {
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium.to_string_lossy(),
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                format!("--user-data-dir={}", profile.display()),
            ],
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("capabilities are a JSON object")
    };
    // fantoccini's rustls connector asks rustls for its process-wide crypto provider, and this
    // test build has two compiled in (`ring` from reqwest and lettre, `aws-lc-rs` from
    // fantoccini's hyper-rustls), so pick one first.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = ClientBuilder::rustls().expect("rustls for the WebDriver client");
    builder.capabilities(capabilities);
    let client = tokio::time::timeout(WAIT * 2, builder.connect(&driver.url))
        .await
        .unwrap_or_else(|_| panic!("no browser session from chromedriver within {:?}", WAIT * 2))
        .unwrap_or_else(|e| panic!("chromedriver could not start {}: {e}", chromium.display()));
    client
        .set_window_size(1280, 960)
        .await
        .expect("set the window size");
    client
}

/// The visible text of the page.
pub(crate) async fn page_text(client: &Client) -> String {
    match client.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Where the browser is now, and what it shows (for failure messages).
pub(crate) async fn where_we_are(client: &Client) -> String {
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_else(|e| format!("<unknown: {e}>"));
    let text: String = page_text(client).await.chars().take(2000).collect();
    format!("at {url}, showing:\n{text}")
}

/// Waits (bounded) until the page has an element matching `xpath`.
pub(crate) async fn wait_for(client: &Client, xpath: &str, what: &str) -> Element {
    match client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(xpath))
        .await
    {
        Ok(e) => e,
        Err(e) => panic!(
            "waited {WAIT:?} for {what} ({xpath}): {e}; the browser is {}",
            where_we_are(client).await
        ),
    }
}

/// Types `value` into the input with id `id`.
pub(crate) async fn fill(client: &Client, id: &str, value: &str) {
    let field = client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id} field: {e}"));
    field
        .clear()
        .await
        .unwrap_or_else(|e| panic!("clear #{id}: {e}"));
    field
        .send_keys(value)
        .await
        .unwrap_or_else(|e| panic!("type into #{id}: {e}"));
}

pub(crate) async fn click(client: &Client, xpath: &str, what: &str) {
    let button = wait_for(client, xpath, what).await;
    button
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {what}: {e}"));
}

/// The id of the element that has focus ("" for none).
pub(crate) async fn focused_id(client: &Client) -> String {
    client
        .execute(
            "return document.activeElement && document.activeElement.id;",
            vec![],
        )
        .await
        .expect("read the focused element")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub(crate) async fn current_path(client: &Client) -> String {
    client
        .current_url()
        .await
        .expect("current URL")
        .path()
        .to_string()
}

#[tokio::test]
async fn e2e_first_run_setup_and_login_in_chromium() {
    if std::env::var("STEWARD_E2E").as_deref() != Ok("1") {
        println!(
            "e2e: skipped the browser test (set STEWARD_E2E=1 to run it, with chromium and \
             chromedriver installed: STEWARD_E2E=1 cargo test --test app e2e -- --nocapture; \
             paths from STEWARD_CHROMIUM / STEWARD_CHROMEDRIVER)"
        );
        return;
    }
    let started = Instant::now();
    let chromedriver = required_binary(
        "STEWARD_CHROMEDRIVER",
        "/usr/bin/chromedriver",
        "chromedriver",
    );
    let chromium = required_binary("STEWARD_CHROMIUM", "/usr/bin/chromium", "chromium");

    // Declared before the driver so the profile outlives the browser.
    let profile = tempfile::tempdir().expect("temp dir for the browser profile");
    let driver = ChromeDriver::start(&chromedriver).await;
    progress(&format!("chromedriver ready at {}", driver.url));
    let app = TestApp::spawn().await;
    progress(&format!("app running at {}", app.address));
    let client = open_browser(&driver, &chromium, profile.path()).await;
    progress("browser session open");

    // First-run setup.
    let setup_url = format!("{}{}", app.address, app.setup_path());
    client.goto(&setup_url).await.expect("open the setup link");
    wait_for(
        &client,
        "//h1[normalize-space()='Welcome to Steward']",
        "the setup page",
    )
    .await;
    progress("setup page shown");
    fill(&client, "name", ADMIN_NAME).await;
    fill(&client, "email", ADMIN_EMAIL).await;
    fill(&client, "password", PASSWORD).await;
    fill(&client, "password_confirm", PASSWORD).await;
    click(
        &client,
        "//form[starts-with(@action, '/setup/')]//button[@type='submit']",
        "the Create administrator button",
    )
    .await;
    wait_for(
        &client,
        "//*[contains(@class, 'flash') and contains(., 'Your administrator account is ready')]",
        "the account-ready message",
    )
    .await;
    let path = current_path(&client).await;
    assert!(
        path.starts_with("/staff"),
        "after setup the browser is at {path}, not under /staff"
    );
    let text = page_text(&client).await;
    assert!(
        text.contains("Your administrator account is ready."),
        "no account-ready message after setup; page:\n{text}"
    );
    assert!(
        text.contains(ADMIN_NAME),
        "the header does not name the new admin; page:\n{text}"
    );
    progress(&format!("setup done, signed in at {path}"));

    // Sign out with the header button (a POST form).
    click(
        &client,
        "//header//form[@action='/logout']//button[normalize-space()='Sign out']",
        "the Sign out button",
    )
    .await;
    wait_for(
        &client,
        "//*[contains(@class, 'flash') and contains(., 'You have signed out.')]",
        "the signed-out message",
    )
    .await;
    let path = current_path(&client).await;
    assert_eq!(path, "/login", "after signing out the browser is at {path}");
    progress("signed out");

    // Sign in again through the form.
    wait_for(&client, "//form[@action='/login']", "the sign-in form").await;
    fill(&client, "email", ADMIN_EMAIL).await;
    fill(&client, "password", PASSWORD).await;
    click(
        &client,
        "//form[@action='/login']//button[@type='submit']",
        "the Sign in button",
    )
    .await;
    wait_for(
        &client,
        "//h1[normalize-space()='Dashboard']",
        "the dashboard",
    )
    .await;
    let path = current_path(&client).await;
    assert_eq!(path, "/staff", "after signing in the browser is at {path}");
    let text = page_text(&client).await;
    assert!(
        text.contains("Dashboard"),
        "no Dashboard after signing in; page:\n{text}"
    );
    progress("signed in, dashboard shown");

    // A refused form: "Error: " in the title, the summary at the top has focus, and its link
    // moves focus to the field.
    client
        .goto(&format!("{}/staff/account", app.address))
        .await
        .expect("open the account page");
    wait_for(
        &client,
        "//form[@action='/staff/account/password']",
        "the password form",
    )
    .await;
    fill(&client, "current_password", "not-my-password-at-all").await;
    fill(&client, "new_password", "short").await;
    fill(&client, "new_password_confirm", "short").await;
    click(
        &client,
        "//form[@action='/staff/account/password']//button[@type='submit']",
        "the Change password button",
    )
    .await;
    wait_for(&client, "//*[@id='error-summary']", "the error summary").await;
    let title = client.title().await.expect("title");
    assert!(
        title.starts_with("Error: "),
        "the title of a refused form is {title:?}"
    );
    assert_eq!(
        focused_id(&client).await,
        "error-summary",
        "focus after a refused form"
    );
    click(
        &client,
        "//*[@id='error-summary']//a",
        "the first message in the summary",
    )
    .await;
    let field = focused_id(&client).await;
    assert!(
        ["current_password", "new_password"].contains(&field.as_str()),
        "the summary's link should focus its field, not {field:?}"
    );
    progress(&format!(
        "refused form announced: title {title:?}, focus to #{field}"
    ));

    // The setup link is used up.
    client
        .goto(&setup_url)
        .await
        .expect("open the setup link again");
    wait_for(
        &client,
        "//*[contains(., 'already set up') and not(*[contains(., 'already set up')])]",
        "the already-set-up page",
    )
    .await;
    let source = client.source().await.expect("page source");
    assert!(
        source.contains("already set up"),
        "the used setup link does not say Steward is already set up:\n{source}"
    );
    let status = client
        .execute(
            "const n = performance.getEntriesByType('navigation')[0]; \
             return n && n.responseStatus !== undefined ? n.responseStatus : null;",
            vec![],
        )
        .await
        .expect("read the navigation status");
    if let Some(status) = status.as_u64() {
        assert_eq!(status, 410, "the used setup link should answer 410 Gone");
    }
    progress(&format!("setup link refused (status {status})"));

    client.close().await.expect("close the browser session");
    progress(&format!("done in {:.1?}", started.elapsed()));
}

/// The review found that Chrome applies `form-action` to the redirect after a form is sent,
/// so a strict policy would stop "Pay by card" at our own page. This presses the button in a
/// real browser and checks that it reaches Stripe Checkout (the address is Stripe's; the page
/// itself does not load here, with no network).
#[tokio::test]
async fn e2e_pay_by_card_reaches_stripe_checkout_in_chromium() {
    // The profile outlives the driver (locals drop in reverse order).
    let Some((profile, driver, chromium)) = browser_setup("the card payment browser test").await
    else {
        return;
    };
    let api = wiremock::MockServer::start().await;
    let app = crate::fixtures::stripe::stripe_app(Some(&api)).await;
    let f = crate::fixtures::stripe::invoiced_sponsor(&app, "Card Payer");
    crate::fixtures::stripe::mount_session(&api, &f, crate::fixtures::stripe::FEE_MINOR).await;
    let raw = steward::models::portal_tokens::issue(
        &mut app.db(),
        steward::models::portal_tokens::Scope::Sponsor,
        f.sponsor_id,
        &f.billing_email,
        chrono::Duration::days(1),
    )
    .expect("portal link");
    let client = open_browser(&driver, &chromium, profile.path()).await;

    client
        .goto(&format!(
            "{}/portal/enter/{raw}?next=/portal/invoices",
            app.address
        ))
        .await
        .expect("open the portal link");
    click(
        &client,
        "//button[starts-with(normalize-space(), 'Pay ') and contains(., 'by card')]",
        "the Pay by card button",
    )
    .await;
    let deadline = Instant::now() + WAIT;
    let reached = loop {
        let url = client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        if url.starts_with("https://checkout.stripe.com/") {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        reached,
        "the browser did not go on to Stripe Checkout; it is {}",
        where_we_are(&client).await
    );
    progress("Pay by card reached Stripe Checkout");
    let _ = client.close().await;
}

/// Issue 14's browser findings, seen as a browser sees them: on the demo data, every
/// placement embed fits the snippet's iframe height at a phone's and a desktop's width (it
/// was cut off below its first row of logos), and a staff 404 page — compressed, as Chromium
/// asks for gzip — shows our page, not the browser's decoding error.
#[tokio::test]
async fn e2e_embeds_fit_their_frame_and_error_pages_decode_in_chromium() {
    let Some((profile, driver, chromium)) =
        browser_setup("the embed and error page browser test").await
    else {
        return;
    };
    // The embed links its stylesheet by the configured base URL (other sites frame it), so
    // the app must be configured with the address the browser uses.
    let port = free_port();
    let app = TestApp::spawn_with(move |s| {
        s.port = port;
        s.base_url = format!("http://127.0.0.1:{port}");
    })
    .await;
    let state = app.state.clone();
    tokio::task::spawn_blocking(move || steward::seed::seed_demo(&state))
        .await
        .expect("seed task")
        .expect("seed-demo");
    let keys: Vec<String> = {
        use diesel::prelude::*;
        steward::db::schema::placement_slots::table
            .select(steward::db::schema::placement_slots::key)
            .load(&mut *app.db())
            .expect("slots")
    };
    assert!(!keys.is_empty(), "the demo has placement slots");
    let client = open_browser(&driver, &chromium, profile.path()).await;
    let limit = steward::services::placements::EMBED_HEIGHT_PX as u64;
    for width in [320u32, 1280] {
        client
            .set_window_size(width, 900)
            .await
            .expect("set the window size");
        for key in &keys {
            client
                .goto(&format!("{}/embed/placements/{key}", app.address))
                .await
                .expect("open the embed");
            let height = client
                // Where the content ends (the window itself is taller than a frame).
                .execute(
                    "return Math.ceil(document.querySelector('main').getBoundingClientRect().bottom);",
                    vec![],
                )
                .await
                .expect("measure")
                .as_u64()
                .expect("a number");
            assert!(
                height <= limit,
                "the {key} embed is {height} px tall at {width} px wide; the snippet's frame is {limit} px"
            );
        }
    }
    progress("every embed fits its frame at 320 and 1280 px");

    // A signed-in staff member's 404, compressed on the way.
    app.create_staff(
        "Ada Admin",
        "ada.e2e@example.org",
        &steward::domain::Role::ALL,
    );
    client.set_window_size(1280, 960).await.expect("size");
    client
        .goto(&format!("{}/login", app.address))
        .await
        .expect("open the sign-in page");
    fill(&client, "email", "ada.e2e@example.org").await;
    fill(&client, "password", crate::helpers::PASSWORD).await;
    click(&client, "//button[@type='submit']", "the sign-in button").await;
    let deadline = Instant::now() + WAIT;
    while current_path(&client).await != "/staff" {
        assert!(
            Instant::now() < deadline,
            "not signed in: {}",
            where_we_are(&client).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for path in [
        "/staff/sponsors/abc",
        "/staff/users/abc",
        "/staff/programmes/new",
    ] {
        client
            .goto(&format!("{}{path}", app.address))
            .await
            .expect("open a missing page");
        wait_for(
            &client,
            "//h1[normalize-space()='Page not found']",
            &format!("our 404 page at {path}"),
        )
        .await;
        assert!(
            page_text(&client).await.contains("Request id"),
            "{path}: {}",
            where_we_are(&client).await
        );
    }
    progress("error pages decode in the browser");
    let _ = client.close().await;
}
