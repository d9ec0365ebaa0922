//! The public application form: server prices, validation, one application per form and per
//! organisation, the waitlist, and the emails with portal links.

use chrono::NaiveDate;
use diesel::prelude::*;
use steward::db::schema::{sponsor_contacts, sponsors, sponsorships};
use steward::domain::Role;
use steward::domain::sponsorship::Status;

use crate::fixtures::applications::{
    STAFF_EMAIL, gold_tier, new_key, png, post_application, post_application_with_logo, set,
    valid_form,
};
use crate::fixtures::{NewSponsor, NewTerm};
use crate::helpers::{TestApp, link_path, location};

fn count_sponsors(app: &TestApp) -> i64 {
    sponsors::table
        .count()
        .get_result(&mut *app.db())
        .expect("count")
}

fn count_sponsorships(app: &TestApp) -> i64 {
    sponsorships::table
        .count()
        .get_result(&mut *app.db())
        .expect("count")
}

/// (fee, list price, status, waitlisted, sponsor id) of the only application.
fn the_application(app: &TestApp) -> (i64, Option<i64>, String, bool, i64) {
    sponsorships::table
        .select((
            sponsorships::fee_minor,
            sponsorships::list_price_minor,
            sponsorships::status,
            sponsorships::waitlisted,
            sponsorships::sponsor_id,
        ))
        .first(&mut *app.db())
        .expect("one application")
}

#[tokio::test]
async fn an_application_records_sponsor_contacts_and_the_servers_discounted_price() {
    let app = TestApp::spawn().await;
    app.create_staff("Sam Sponsorships", STAFF_EMAIL, &[Role::Sponsorships]);
    app.create_staff("Ed Editor", "editor@foundation.example", &[Role::Editor]);
    let tier = gold_tier(&app, None);
    let c = app.new_client();

    let (status, body) = c.page("/sponsor/apply").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Gold") && body.contains("$10,000.00"),
        "{body}"
    );
    assert!(body.contains("name=\"application_key\""));
    assert!(body.contains("/sponsor/apply?csrf_token="));

    // "Show the price" without JavaScript: the server's quote, nothing written.
    let key = new_key();
    let mut form = valid_form(tier, &key);
    set(&mut form, "action", "price");
    let r = post_application(&c, &form).await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.expect("body");
    assert!(body.contains("Small organisations: 50% off"), "{body}");
    assert!(body.contains("$5,000.00"));
    assert!(body.contains("Ada Lovelace"), "input kept");
    assert_eq!(count_sponsorships(&app), 0);

    let r = post_application(&c, &valid_form(tier, &key)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/sponsor/apply/thanks");
    let (_, body) = c.page("/sponsor/apply/thanks").await;
    assert!(body.contains("What happens next"));

    let (fee, list, status, waitlisted, sponsor_id) = the_application(&app);
    assert_eq!((fee, list), (500_000, Some(500_000)));
    assert_eq!(status, "applied");
    assert!(!waitlisted);
    let mut conn = app.db();
    let contacts: Vec<(String, String)> = sponsor_contacts::table
        .filter(sponsor_contacts::sponsor_id.eq(sponsor_id))
        .order(sponsor_contacts::role.asc())
        .select((sponsor_contacts::role, sponsor_contacts::email))
        .load(&mut *conn)
        .expect("contacts");
    assert_eq!(
        contacts,
        vec![
            ("billing".into(), "billing@acme.example".into()),
            ("primary".into(), "ada@acme.example".into())
        ]
    );
    let s = steward::models::sponsors::find(&mut conn, sponsor_id).expect("sponsor");
    assert_eq!(s.website, "https://acme.example/");
    assert_eq!(s.org_size, Some(10));
    assert!(s.billing_address.contains("Amsterdam"));
    let sid: i64 = sponsorships::table
        .select(sponsorships::id)
        .first(&mut *conn)
        .expect("id");
    let checklist = steward::models::sponsorships::checklist(&mut conn, sid).expect("checklist");
    assert_eq!(checklist.len(), 2, "the tier's benefits are copied");
    drop(conn);

    // Not on the public pages.
    let (_, wall) = app.new_client().page("/sponsors").await;
    assert!(!wall.contains("Acme Cloud"));

    // Each contact gets a working private link; staff with the role are told.
    for to in ["ada@acme.example", "billing@acme.example"] {
        let m = app.wait_for_mail(to, "application_received").await;
        assert!(m.text.contains("$5,000.00"), "{}", m.text);
        let path = link_path(&m.text, "/portal/enter/");
        let visitor = app.new_client();
        let r = visitor.get(&path).await;
        assert_eq!(location(&r), "/portal");
        let (status, home) = visitor.page("/portal").await;
        assert_eq!(status, 200);
        assert!(home.contains("Acme Cloud"));
        assert!(
            home.contains("We are reviewing your application."),
            "{home}"
        );
        assert!(home.contains("Application received"));
        assert!(home.contains("4 × conference passes"));
    }
    let m = app.wait_for_mail(STAFF_EMAIL, "application_staff").await;
    assert!(
        m.text
            .contains(&format!("http://steward.test/staff/applications/{sid}")),
        "{}",
        m.text
    );
    assert_eq!(app.outbox_count("application_staff"), 1, "only the role");
}

#[tokio::test]
async fn the_price_cannot_be_set_from_the_browser() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let c = app.new_client();
    let mut form = valid_form(tier, &new_key());
    set(&mut form, "org_size", "500");
    for (k, v) in [
        ("fee_minor", "1"),
        ("fee", "1"),
        ("price", "1"),
        ("list_price_minor", "1"),
        ("amount", "0.01"),
        ("status", "active"),
        ("waitlisted", "0"),
    ] {
        form.push((k.into(), v.into()));
    }
    let r = post_application(&c, &form).await;
    assert_eq!(r.status(), 303);
    let (fee, list, status, _, _) = the_application(&app);
    assert_eq!(
        fee, 1_000_000,
        "no discount for 500 people, and no browser price"
    );
    assert_eq!(list, Some(1_000_000));
    assert_eq!(status, "applied");
}

#[tokio::test]
async fn every_invalid_field_is_refused_next_to_the_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let c = app.new_client();
    let cases: Vec<(&str, &str, &str)> = vec![
        ("name", "", "Enter the organisation"),
        (
            "name",
            "Acme\r\nBcc: victim@example.org",
            "must be on one line",
        ),
        ("website", "", "Enter a web address"),
        ("website", "javascript:alert(1)", "Only http"),
        ("website", "ftp://acme.example", "Only http"),
        ("description", "", "Tell us in a few sentences"),
        ("country", "", "Enter the country"),
        ("org_size", "many", "Enter how many people"),
        ("org_size", "-3", "Enter how many people"),
        ("billing_address", "", "Enter the address"),
        ("primary_name", "", "Enter the contact"),
        (
            "primary_name",
            "Ada\r\nBcc: victim@example.org",
            "must be on one line",
        ),
        ("primary_email", "", "Enter an email address"),
        (
            "primary_email",
            "not-an-email",
            "Enter an email address like",
        ),
        (
            "primary_email",
            "ada@acme.example\r\nBcc: victim@example.org",
            "must be on one line",
        ),
        ("billing_email", "", "Enter an email address"),
        (
            "billing_email",
            "x@y\nBcc: z@example.org",
            "must be on one line",
        ),
        ("tier", "", "Choose one of the tiers"),
        ("tier", "99999", "Choose one of the tiers"),
    ];
    let long = "x".repeat(201);
    let mut all = cases.clone();
    all.push(("name", &long, "at most 200"));
    for (field, value, message) in all {
        let mut form = valid_form(tier, &new_key());
        set(&mut form, field, value);
        let r = post_application(&c, &form).await;
        assert_eq!(r.status(), 422, "{field}={value:?}");
        let body = r.text().await.expect("body");
        assert!(
            body.contains(&format!("id=\"{field}-error\"")),
            "{field}: message next to the field"
        );
        assert!(body.contains(message), "{field}={value:?}: {message}");
        // What was typed elsewhere is kept.
        if field != "primary_name" {
            assert!(body.contains("Ada Lovelace"), "{field}: input kept");
        }
    }
    assert_eq!(count_sponsors(&app), 0);
    assert_eq!(count_sponsorships(&app), 0);
    let queued: i64 = app.outbox_total();
    assert_eq!(queued, 0);
}

#[tokio::test]
async fn a_double_submitted_form_makes_one_application_and_one_set_of_emails() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let c = app.new_client();
    let form = valid_form(tier, &new_key());
    let first = post_application(&c, &form).await;
    let second = post_application(&c, &form).await;
    assert_eq!(first.status(), 303);
    assert_eq!(second.status(), 303);
    assert_eq!(location(&second), "/sponsor/apply/thanks");
    assert_eq!(count_sponsorships(&app), 1);
    assert_eq!(count_sponsors(&app), 1);
    assert_eq!(
        app.outbox_count("application_received"),
        2,
        "two contacts, once each"
    );

    // The same form sent from two tabs at once.
    let form = {
        let mut f = valid_form(tier, &new_key());
        set(&mut f, "name", "Blue Sky Data");
        set(&mut f, "website", "bluesky.example");
        f
    };
    let (a, b) = tokio::join!(post_application(&c, &form), post_application(&c, &form));
    assert_eq!(
        (a.status(), b.status()),
        (
            reqwest::StatusCode::SEE_OTHER,
            reqwest::StatusCode::SEE_OTHER
        )
    );
    assert_eq!(count_sponsorships(&app), 2);
    assert_eq!(app.outbox_count("application_received"), 4);
}

#[tokio::test]
async fn two_browsers_applying_for_one_new_organisation_make_one_application() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let (c1, c2) = (app.new_client(), app.new_client());
    let f1 = valid_form(tier, &new_key());
    let mut f2 = valid_form(tier, &new_key());
    set(&mut f2, "primary_email", "someone@else.example");
    let (a, b) = tokio::join!(post_application(&c1, &f1), post_application(&c2, &f2));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 422]);
    let loser = if a.status() == 422 { a } else { b };
    let body = loser.text().await.expect("body");
    assert!(body.contains("already works with us"), "{body}");
    assert_eq!(count_sponsorships(&app), 1);
    assert_eq!(count_sponsors(&app), 1);
}

#[tokio::test]
async fn an_existing_organisation_is_pointed_to_its_portal_not_attached_to() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let existing = {
        let mut c = app.db();
        NewSponsor::named("Acme Cloud")
            .website("https://www.acme.example/")
            .org_size(10)
            .country("NL")
            .insert(&mut c)
    };
    let c = app.new_client();
    // Same name, other case and accents.
    let mut form = valid_form(tier, &new_key());
    set(&mut form, "name", "ACME  Cloud");
    set(&mut form, "website", "other.example");
    let r = post_application(&c, &form).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"name-error\""));
    assert!(body.contains("already works with us"));
    // The way to the portal is a real link on the page, not text in the message.
    assert!(body.contains("<a href=\"/portal/link\">Get your portal link</a>"));
    // The same name with a legal form added.
    let mut form = valid_form(tier, &new_key());
    set(&mut form, "name", "Acme Cloud B.V.");
    set(&mut form, "website", "other.example");
    let r = post_application(&c, &form).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("id=\"name-error\""));
    // Another name, but the same website.
    let mut form = valid_form(tier, &new_key());
    set(&mut form, "name", "Acme Holdings");
    let r = post_application(&c, &form).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"website-error\""), "{body}");

    assert_eq!(count_sponsors(&app), 1);
    assert_eq!(count_sponsorships(&app), 0);
    let contacts: i64 = sponsor_contacts::table
        .filter(sponsor_contacts::sponsor_id.eq(existing))
        .count()
        .get_result(&mut *app.db())
        .expect("count");
    assert_eq!(
        contacts, 0,
        "no contact was attached to the existing sponsor"
    );
    let tokens: i64 = steward::db::schema::portal_tokens::table
        .count()
        .get_result(&mut *app.db())
        .expect("count");
    assert_eq!(tokens, 0, "no portal link was made");
}

#[tokio::test]
async fn a_full_tier_is_shown_as_such_and_the_application_joins_the_waitlist() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, Some(1));
    let holder = {
        let mut c = app.db();
        NewSponsor::named("First In")
            .website("https://first.example/")
            .insert(&mut c)
    };
    NewTerm::of(holder, tier)
        .status(Status::Approved)
        .create(&mut app.db());
    let c = app.new_client();
    let (_, body) = c.page("/sponsor/apply").await;
    assert!(body.contains("Full: your application joins the waitlist"));
    let r = post_application(&c, &valid_form(tier, &new_key())).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/sponsor/apply/thanks?waitlist=1");
    let waitlisted: bool = sponsorships::table
        .filter(sponsorships::status.eq("applied"))
        .select(sponsorships::waitlisted)
        .first(&mut *app.db())
        .expect("application");
    assert!(waitlisted);
    let m = app
        .wait_for_mail("ada@acme.example", "application_received")
        .await;
    assert!(m.text.contains("waitlist"));
}

#[tokio::test]
async fn an_application_can_carry_a_logo_that_waits_for_approval() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let c = app.new_client();
    // A refused file keeps the rest of the form.
    let r = post_application_with_logo(
        &c,
        &valid_form(tier, &new_key()),
        Some(b"<svg onload=alert(1)></svg>".to_vec()),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"logo-error\"") && body.contains("SVG"));
    assert_eq!(count_sponsors(&app), 0);

    let png = png(400, 200);
    let r = post_application_with_logo(&c, &valid_form(tier, &new_key()), Some(png)).await;
    assert_eq!(r.status(), 303);
    let (_, _, _, _, sponsor_id) = the_application(&app);
    let s = steward::models::sponsors::find(&mut app.db(), sponsor_id).expect("sponsor");
    assert!(s.logo_key.is_none(), "not public");
    assert!(s.logo_pending_key.is_some(), "waiting for staff");
}

#[tokio::test]
async fn the_form_proposes_a_sensible_term_names_the_discounts_and_jumps_to_the_price() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let c = app.new_client();
    let (status, body) = c.page("/sponsor/apply").await;
    assert_eq!(status, 200);
    // Which tiers and which sizes get a discount, from the programme's rules.
    assert!(
        body.contains("Organisations under 25 people: 50% off Gold"),
        "{body}"
    );
    assert!(!body.contains("Smaller organisations may get a discount"));
    // Name and price on one line, the programme on its own muted line.
    assert!(body.contains("<strong class=\"tier-choice-name\">Gold</strong>"));
    // "Show the price" comes back at the price box, with the CSRF token still in the query.
    assert!(body.contains("enctype=\"multipart/form-data\""));
    assert!(body.contains("#price\""), "{body}");
    assert!(body.contains("id=\"price\""));

    let today = chrono::Utc::now().date_naive();
    let (start, end) = steward::services::sponsor_applications::proposed_term(2027, today);
    let label = format!(
        "{} – {}",
        start.format("%-d %B %Y"),
        end.format("%-d %B %Y")
    );
    assert!(body.contains(&label), "{label}");

    let mut form = valid_form(tier, &new_key());
    set(&mut form, "action", "price");
    let r = post_application(&c, &form).await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.expect("body");
    assert!(body.contains(&format!("proposed term {label}")));
    assert!(body.contains("Staff confirm the final term and fee with you"));

    let r = post_application(&c, &valid_form(tier, &new_key())).await;
    assert_eq!(r.status(), 303);
    let (s_start, s_end): (NaiveDate, NaiveDate) = sponsorships::table
        .select((sponsorships::start_date, sponsorships::end_date))
        .first(&mut *app.db())
        .expect("sponsorship");
    assert_eq!((s_start, s_end), (start, end));
}

#[tokio::test]
async fn one_client_address_may_send_ten_applications_an_hour() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let c = app.new_client();
    let limit = steward::services::sponsor_applications::APPLICATIONS_PER_ADDR_HOUR;
    for i in 0..limit {
        let mut form = valid_form(tier, &new_key());
        set(&mut form, "name", &format!("Org number {i}"));
        set(&mut form, "website", &format!("org{i}.example"));
        set(
            &mut form,
            "primary_email",
            &format!("ada{i}@org{i}.example"),
        );
        set(&mut form, "billing_name", "");
        set(&mut form, "billing_email", "");
        let r = post_application(&c, &form).await;
        assert_eq!(r.status(), 303, "application {i}");
    }
    let sponsors_before: i64 = sponsors::table
        .count()
        .get_result(&mut *app.db())
        .expect("count");
    let mails_before: i64 = app.outbox_total();
    let mut form = valid_form(tier, &new_key());
    set(&mut form, "name", "One Too Many");
    set(&mut form, "website", "toomany.example");
    let r = post_application(&c, &form).await;
    assert_eq!(r.status(), 429);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("many applications from your network"),
        "{body}"
    );
    // The form keeps what was typed.
    assert!(body.contains("One Too Many"));
    let sponsors_after: i64 = sponsors::table
        .count()
        .get_result(&mut *app.db())
        .expect("count");
    let mails_after: i64 = app.outbox_total();
    assert_eq!(sponsors_after, sponsors_before);
    assert_eq!(mails_after, mails_before);
}
