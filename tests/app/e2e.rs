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

use std::time::{Duration, Instant};

use crate::fixtures::browser::{
    WAIT, browser_setup, click, current_path, fill, focused_id, free_port, open_browser, page_text,
    progress, sign_in, wait_for, where_we_are,
};
use crate::helpers::{PASSWORD, TestApp};

const ADMIN_NAME: &str = "Ada Firstrun";
const ADMIN_EMAIL: &str = "ada.firstrun@example.org";

#[tokio::test]
async fn e2e_first_run_setup_and_login_in_chromium() {
    // The profile is declared before the driver, so it outlives the browser.
    let Some((profile, driver, chromium)) = browser_setup("the browser test").await else {
        return;
    };
    let started = Instant::now();
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
    app.seed_demo().await;
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
    sign_in(&client, &app.address, "ada.e2e@example.org", PASSWORD).await;
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
