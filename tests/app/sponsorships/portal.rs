//! The sponsor portal: link requests that reveal nothing, expired links, scoping (no IDOR),
//! agreement acceptance, invoices, profile proposals, escaping and caching.

use chrono::NaiveDate;
use diesel::prelude::*;
use steward::db::schema::{agreements, sponsors};
use steward::domain::Role;
use steward::domain::sponsorship::Status;
use steward::models::portal_tokens::{self, Scope};
use steward::services::{Actor, sponsorships as service};
use steward::web::extract::portal::LinkKind;

use crate::fixtures::NewSponsor;
use crate::fixtures::applications::{STAFF_EMAIL, gold_tier};
use crate::fixtures::sponsorships::sponsorship;
use crate::helpers::{TestApp, TestClient, location};

/// A sponsor of 100 people in NL with one primary contact.
fn sponsor(app: &TestApp, name: &str, contact: &str) -> i64 {
    NewSponsor::named(name)
        .org_size(100)
        .country("NL")
        .contact("primary", contact)
        .insert(&mut app.db())
}

/// Moves a sponsorship along the table.
fn advance(app: &TestApp, id: i64, path: &[Status]) {
    for w in path.windows(2) {
        service::change_status(
            &mut app.db(),
            &app.state.settings,
            &Actor::system("test"),
            id,
            w[0],
            w[1],
            "",
        )
        .expect("move");
    }
}

/// An agreement waiting for acceptance (the generator is built elsewhere).
fn sent_agreement(app: &TestApp, sponsorship_id: i64, body: &str) -> i64 {
    diesel::insert_into(agreements::table)
        .values((
            agreements::sponsorship_id.eq(sponsorship_id),
            agreements::kind.eq("generated"),
            agreements::body.eq(body),
            agreements::status.eq("sent"),
            agreements::created_by.eq("test"),
            agreements::created_at.eq(steward::models::now()),
        ))
        .returning(agreements::id)
        .get_result(&mut *app.db())
        .expect("agreement")
}

/// A browser inside the portal of `sponsor_id`, as `email`.
async fn portal_client(app: &TestApp, sponsor_id: i64, email: &str) -> TestClient {
    app.link_client(LinkKind::SPONSOR, sponsor_id, email).await
}

#[tokio::test]
async fn a_link_request_answers_the_same_for_known_and_unknown_addresses() {
    let app = TestApp::spawn().await;
    let a = sponsor(&app, "Acme Cloud", "pat@acme.example");
    let b = sponsor(&app, "Blue Sky", "pat@acme.example");
    let c = app.new_client();
    let (status, body) = c.page("/portal/link").await;
    assert_eq!(status, 200);
    assert!(body.contains("Email me a link"));

    let known = c
        .post("/portal/link", &[("email", "PAT@Acme.example")])
        .await;
    let unknown = c
        .post("/portal/link", &[("email", "nobody@unknown.example")])
        .await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(location(&known), location(&unknown));
    let flash = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("steward_flash="))
            .map(|v| v.split(';').next().unwrap_or_default().to_string())
    };
    assert_eq!(flash(&known), flash(&unknown));
    assert!(flash(&known).is_some());

    // One link per sponsor the address belongs to; nothing to the unknown address.
    assert_eq!(app.outbox_count_to("portal_link", "pat@acme.example"), 2);
    assert_eq!(
        app.outbox_count_to("portal_link", "nobody@unknown.example"),
        0
    );
    let m = app.wait_for_mail("pat@acme.example", "portal_link").await;
    let path = crate::helpers::link_path(&m.text, "/portal/enter/");
    let visitor = app.new_client();
    visitor.get(&path).await;
    let (status, home) = visitor.page("/portal").await;
    assert_eq!(status, 200);
    assert!(home.contains("Acme Cloud") || home.contains("Blue Sky"));
    let _ = (a, b);

    // Asking again at once sends nothing more (and still answers the same).
    let again = c
        .post("/portal/link", &[("email", "pat@acme.example")])
        .await;
    assert_eq!(again.status(), known.status());
    assert_eq!(app.outbox_count_to("portal_link", "pat@acme.example"), 2);

    // A malformed address is a field error, the same for everybody.
    let r = c
        .post(
            "/portal/link",
            &[("email", "pat@acme.example\r\nBcc: x@y.example")],
        )
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn expired_and_unknown_links_are_refused() {
    let app = TestApp::spawn().await;
    let a = sponsor(&app, "Acme Cloud", "pat@acme.example");
    let raw = portal_tokens::issue(
        &mut app.db(),
        Scope::Sponsor,
        a,
        "pat@acme.example",
        // An hour ago (housekeeping drops links a day after they expire).
        chrono::Duration::hours(-1),
    )
    .expect("token");
    let c = app.new_client();
    let r = c.get(&format!("/portal/enter/{raw}")).await;
    assert_eq!(location(&r), "/portal/link?expired=1");
    let (_, body) = c.page("/portal/link?expired=1").await;
    assert!(body.contains("That link has expired"));
    let r = c.get(&format!("/portal/enter/{}", "A".repeat(43))).await;
    assert_eq!(location(&r), "/portal/link?unknown=1");
    let (_, body) = c.page("/portal/link?unknown=1").await;
    assert!(body.contains("That link does not work"));

    // A link that expires while in the portal cookie.
    let live = portal_client(&app, a, "pat@acme.example").await;
    diesel::update(steward::db::schema::portal_tokens::table)
        .set(
            steward::db::schema::portal_tokens::expires_at
                .eq(steward::models::now() - chrono::Duration::minutes(1)),
        )
        .execute(&mut *app.db())
        .expect("expire");
    let r = live.get("/portal").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/portal/link?expired=1");
    // No cookie at all.
    let r = app.new_client().get("/portal/invoices").await;
    assert_eq!(location(&r), "/portal/link");
}

struct TwoSponsors {
    app: TestApp,
    a: TestClient,
    b_invoice: i64,
    b_agreement: i64,
    a_agreement: i64,
    a_sponsorship: i64,
}

async fn two_sponsors() -> TwoSponsors {
    let app = TestApp::spawn().await;
    app.create_staff("Sam Sponsorships", STAFF_EMAIL, &[Role::Sponsorships]);
    let tier = gold_tier(&app, None);
    let a = sponsor(&app, "Acme Cloud", "pat@acme.example");
    let b = sponsor(&app, "Blue Sky", "kim@bluesky.example");
    // A: agreement waiting; B: one agreement waiting, one invoice.
    let a_s = sponsorship(&app, a, tier, Status::Approved);
    advance(&app, a_s, &[Status::Approved, Status::AgreementSent]);
    let a_agreement = sent_agreement(&app, a_s, "Acme agrees to sponsor.");
    let b_s1 = sponsorship(&app, b, tier, Status::Approved);
    advance(&app, b_s1, &[Status::Approved, Status::AgreementSent]);
    let b_agreement = sent_agreement(&app, b_s1, "Blue Sky secret terms.");
    let b_s2 = sponsorship(&app, b, tier, Status::AgreementAccepted);
    let inv = steward::services::billing::issue_invoice(
        &mut app.db(),
        &app.state.settings,
        &Actor::system("test"),
        b_s2,
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
        NaiveDate::from_ymd_opt(2026, 12, 23).expect("date"),
    )
    .expect("invoice");
    let client = portal_client(&app, a, "pat@acme.example").await;
    TwoSponsors {
        app,
        a: client,
        b_invoice: inv.id,
        b_agreement,
        a_agreement,
        a_sponsorship: a_s,
    }
}

fn agreement_status(app: &TestApp, id: i64) -> (String, Option<String>) {
    agreements::table
        .find(id)
        .select((agreements::status, agreements::accepted_name))
        .first(&mut *app.db())
        .expect("agreement")
}

#[tokio::test]
async fn one_sponsors_link_cannot_reach_anothers_records() {
    let t = two_sponsors().await;
    let c = &t.a;
    for path in [
        format!("/portal/invoices/{}", t.b_invoice),
        format!("/portal/invoices/{}/receipt", t.b_invoice),
        format!("/portal/agreements/{}", t.b_agreement),
    ] {
        let (status, body) = c.page(&path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("Blue Sky"), "{path}");
    }
    let r = c
        .post(
            &format!("/portal/agreements/{}/accept", t.b_agreement),
            &[("name", "Mallory"), ("title", "CEO"), ("authority", "1")],
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        agreement_status(&t.app, t.b_agreement),
        ("sent".into(), None)
    );

    let (_, home) = c.page("/portal").await;
    assert!(home.contains("Acme Cloud"));
    assert!(!home.contains("Blue Sky"));
    assert_eq!(home.matches("class=\"card portal-sponsorship\"").count(), 1);
    let (_, list) = c.page("/portal/invoices").await;
    assert!(!list.contains("2026-0001"), "B's invoice is not listed");

    // B's own contact sees it.
    let b_id: i64 = sponsors::table
        .filter(sponsors::name.eq("Blue Sky"))
        .select(sponsors::id)
        .first(&mut *t.app.db())
        .expect("b");
    let b = portal_client(&t.app, b_id, "kim@bluesky.example").await;
    let (status, _) = b.page(&format!("/portal/invoices/{}", t.b_invoice)).await;
    assert_eq!(status, 200);
    let (_, list) = b.page("/portal/invoices").await;
    assert!(list.contains("2026-0001"));
    assert!(list.contains("Paying by bank transfer"));
    assert!(!list.contains("by card"), "Stripe is off: no card button");
    let (_, home) = b.page("/portal").await;
    assert!(
        home.contains("Invoice 2026-0001 is waiting for payment."),
        "{home}"
    );
    assert!(home.contains("Please read and accept the agreement."));
}

#[tokio::test]
async fn accepting_the_agreement_records_who_when_and_where_and_moves_the_status() {
    let t = two_sponsors().await;
    let c = &t.a;
    let path = format!("/portal/agreements/{}", t.a_agreement);
    let (status, body) = c.page(&path).await;
    assert_eq!(status, 200);
    assert!(body.contains("Acme agrees to sponsor."));
    assert!(body.contains("I have authority to sign for Acme Cloud"));

    // Without the authority box: refused, nothing changed, input kept.
    let r = c
        .post(
            &format!("{path}/accept"),
            &[("name", "Pat Primary"), ("title", "CTO")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"authority-error\"") && body.contains("Pat Primary"));
    // A name that would break a mail header.
    let r = c
        .post(
            &format!("{path}/accept"),
            &[
                ("name", "Pat\r\nBcc: x@y.example"),
                ("title", "CTO"),
                ("authority", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        agreement_status(&t.app, t.a_agreement),
        ("sent".into(), None)
    );

    let r = c
        .post(
            &format!("{path}/accept"),
            &[
                ("name", "Pat Primary"),
                ("title", "CTO"),
                ("authority", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), path);
    let row: (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        bool,
    ) = agreements::table
        .find(t.a_agreement)
        .select((
            agreements::status,
            agreements::accepted_name,
            agreements::accepted_title,
            agreements::accepted_email,
            agreements::accepted_addr,
            agreements::accepted_at.is_not_null(),
        ))
        .first(&mut *t.app.db())
        .expect("agreement");
    assert_eq!(
        row,
        (
            "accepted".into(),
            Some("Pat Primary".into()),
            Some("CTO".into()),
            Some("pat@acme.example".into()),
            Some("127.0.0.1".into()),
            true
        )
    );
    let s = steward::models::sponsorships::find(&mut t.app.db(), t.a_sponsorship).expect("s");
    assert_eq!(s.status(), Status::AgreementAccepted);
    let events =
        steward::models::sponsorships::events(&mut t.app.db(), t.a_sponsorship).expect("e");
    assert_eq!(
        events.last().map(|e| e.to_status.as_str()),
        Some("agreement_accepted")
    );
    let m = t
        .app
        .wait_for_mail(STAFF_EMAIL, "agreement_accepted_staff")
        .await;
    assert!(m.text.contains("Pat Primary, CTO"));

    // A second acceptance is refused cleanly and changes nothing.
    let r = c
        .post(
            &format!("{path}/accept"),
            &[
                ("name", "Someone Else"),
                ("title", "CEO"),
                ("authority", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, body) = c.page(&path).await;
    assert!(body.contains("already been accepted"), "{body}");
    assert!(body.contains("Accepted</strong> by Pat Primary, CTO"));
    assert!(!body.contains("Accept the agreement</button>"));
    assert_eq!(
        agreement_status(&t.app, t.a_agreement),
        ("accepted".into(), Some("Pat Primary".into()))
    );
    assert_eq!(
        t.app
            .outbox_count_to("agreement_accepted_staff", STAFF_EMAIL),
        1
    );

    // The person who accepted gets a copy of the text and a link back to the agreement.
    assert_eq!(
        t.app
            .outbox_count_to("agreement_accepted", "pat@acme.example"),
        1
    );
    let m = t
        .app
        .wait_for_mail("pat@acme.example", "agreement_accepted")
        .await;
    assert!(m.text.contains("Acme agrees to sponsor."), "{}", m.text);
    assert!(m.text.contains("Hello Pat Primary"));
    let link = crate::helpers::link_path(&m.text, "/portal/enter/");
    assert!(link.ends_with(&format!("?next={path}")), "{link}");
    let visitor = t.app.new_client();
    let r = visitor.get(&link).await;
    assert_eq!(location(&r), path);
    let (status, _) = visitor.page(&path).await;
    assert_eq!(status, 200);

    // The overview links the agreement that was accepted.
    let (_, home) = c.page("/portal").await;
    assert!(home.contains(&format!("href=\"{path}\"")));
    assert!(
        home.contains("Read the agreement you accepted on "),
        "{home}"
    );
}

#[tokio::test]
async fn the_card_button_appears_only_when_stripe_is_configured() {
    let app = TestApp::spawn_with(|s| {
        s.stripe_secret_key = steward::config::Secret::new("sk_test_123".to_string());
    })
    .await;
    let tier = gold_tier(&app, None);
    let a = sponsor(&app, "Acme Cloud", "pat@acme.example");
    let s = sponsorship(&app, a, tier, Status::AgreementAccepted);
    let inv = steward::services::billing::issue_invoice(
        &mut app.db(),
        &app.state.settings,
        &Actor::system("test"),
        s,
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
        NaiveDate::from_ymd_opt(2026, 12, 23).expect("date"),
    )
    .expect("invoice");
    let c = portal_client(&app, a, "pat@acme.example").await;
    let (_, list) = c.page("/portal/invoices").await;
    assert!(list.contains(&format!("action=\"/portal/invoices/{}/pay\"", inv.id)));
    assert!(list.contains("Pay $10,000.00 by card"), "{list}");
}

#[tokio::test]
async fn profile_changes_wait_for_staff_and_script_is_escaped_everywhere() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let a = sponsor(&app, "Acme <script>alert(1)</script>", "pat@acme.example");
    let s = sponsorship(&app, a, tier, Status::Applied);
    let c = portal_client(&app, a, "pat@acme.example").await;

    let r = c.get("/portal").await;
    assert_eq!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let home = r.text().await.expect("body");
    assert!(!home.contains("<script>alert(1)"));
    assert!(home.contains("&#60;script&#62;") || home.contains("&lt;script&gt;"));
    for path in ["/portal/invoices", "/portal/profile", "/portal/link"] {
        let r = c.get(path).await;
        assert_eq!(
            r.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path}"
        );
    }

    let r = c
        .post(
            "/portal/profile/description",
            &[(
                "description",
                "We <b>love</b> Python <script>alert(2)</script>",
            )],
        )
        .await;
    assert_eq!(r.status(), 303);
    let pending: (String, Option<String>) = sponsors::table
        .find(a)
        .select((sponsors::description, sponsors::description_pending))
        .first(&mut *app.db())
        .expect("sponsor");
    assert_eq!(pending.0, "", "not public before approval");
    assert!(pending.1.as_deref().is_some_and(|p| p.contains("love")));

    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (_, page) = staff.page(&format!("/staff/sponsors/{a}")).await;
    assert!(page.contains("Profile update proposed by the sponsor"));
    assert!(!page.contains("<script>alert(2)"));
    assert!(!page.contains("<script>alert(1)"));
    // A stale decision (another text) is refused.
    let r = staff
        .post(
            &format!("/staff/sponsors/{a}/description/approve"),
            &[("seen", "0000000000000000")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let seen = crate::fixtures::sponsorships::waiting_profile_fingerprint(&app, a);
    assert!(page.contains(&seen));
    let still: Option<String> = sponsors::table
        .find(a)
        .select(sponsors::description_pending)
        .first(&mut *app.db())
        .expect("sponsor");
    assert!(still.is_some());
    // Only sponsorship staff decide.
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    let r = editor
        .post(
            &format!("/staff/sponsors/{a}/description/approve"),
            &[("seen", &seen)],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = staff
        .post(
            &format!("/staff/sponsors/{a}/description/approve"),
            &[("seen", &seen)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let now: (String, Option<String>) = sponsors::table
        .find(a)
        .select((sponsors::description, sponsors::description_pending))
        .first(&mut *app.db())
        .expect("sponsor");
    assert!(now.0.contains("love") && now.1.is_none());

    // A file that is not a picture: the profile page again, the message by the field.
    let token = c.csrf_token().await;
    let bad = reqwest::multipart::Form::new().part(
        "logo",
        reqwest::multipart::Part::bytes(b"<svg onload=alert(1)/>".to_vec())
            .file_name("logo.svg")
            .mime_str("image/svg+xml")
            .expect("mime"),
    );
    let r = c
        .http
        .post(c.url(&format!("/portal/profile/logo?csrf_token={token}")))
        .multipart(bad)
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(page.contains("id=\"logo-error\""), "{page}");
    assert!(page.contains("SVG"), "{page}");

    // A logo from the portal waits for approval too.
    let form = reqwest::multipart::Form::new().part(
        "logo",
        reqwest::multipart::Part::bytes(crate::fixtures::applications::png(300, 150))
            .file_name("logo.png")
            .mime_str("image/png")
            .expect("mime"),
    );
    let r = c
        .http
        .post(c.url(&format!("/portal/profile/logo?csrf_token={token}")))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 303);
    let keys: (Option<String>, Option<String>) = sponsors::table
        .find(a)
        .select((sponsors::logo_key, sponsors::logo_pending_key))
        .first(&mut *app.db())
        .expect("sponsor");
    assert!(keys.0.is_none() && keys.1.is_some());
    let _ = s;

    // Leaving clears the cookie.
    let r = c.post("/portal/leave", &[]).await;
    assert_eq!(r.status(), 303);
    let r = c.get("/portal").await;
    assert_eq!(location(&r), "/portal/link");
}

#[tokio::test]
async fn the_overview_offers_renewal_only_for_ended_or_running_terms_not_yet_renewed() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let a = sponsor(&app, "Acme Cloud", "pat@acme.example");
    let active = sponsorship(&app, a, tier, Status::Active);
    let c = portal_client(&app, a, "pat@acme.example").await;
    let (_, home) = c.page("/portal").await;
    assert!(home.contains(&format!("action=\"/portal/sponsorships/{active}/renew\"")));
    assert!(home.contains("Renew for 2028"), "{home}");
    // Once a renewal exists, no second button.
    let renewal = sponsorship(&app, a, tier, Status::Applied);
    diesel::update(steward::db::schema::sponsorships::table.find(renewal))
        .set(steward::db::schema::sponsorships::renewal_of_id.eq(Some(active)))
        .execute(&mut *app.db())
        .expect("link");
    let (_, home) = c.page("/portal").await;
    assert!(!home.contains("Renew for 2028"));
}

#[tokio::test]
async fn the_application_email_does_not_stop_a_link_request_and_the_cooldown_is_a_minute() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let c = app.new_client();
    let form =
        crate::fixtures::applications::valid_form(tier, &crate::fixtures::applications::new_key());
    let r = crate::fixtures::applications::post_application(&c, &form).await;
    assert_eq!(r.status(), 303);
    app.wait_for_mail("ada@acme.example", "application_received")
        .await;

    // The confirmation carried a link, but asking for one right away still sends one.
    c.post("/portal/link", &[("email", "ada@acme.example")])
        .await;
    assert_eq!(app.outbox_count_to("portal_link", "ada@acme.example"), 1);
    // Asking again within the minute does not.
    let again = c
        .post("/portal/link", &[("email", "ada@acme.example")])
        .await;
    assert_eq!(location(&again), "/portal/link?sent=1");
    assert_eq!(app.outbox_count_to("portal_link", "ada@acme.example"), 1);
    let backdate = |seconds: i64| {
        let earlier = steward::models::now() - chrono::Duration::seconds(seconds);
        diesel::update(steward::db::schema::audit_log::table)
            .set(steward::db::schema::audit_log::at.eq(earlier))
            .execute(&mut *app.db())
            .expect("backdate");
    };
    // Still within the minute: no.
    backdate(45);
    c.post("/portal/link", &[("email", "ada@acme.example")])
        .await;
    assert_eq!(app.outbox_count_to("portal_link", "ada@acme.example"), 1);
    // A minute later it does.
    backdate(61);
    c.post("/portal/link", &[("email", "ada@acme.example")])
        .await;
    assert_eq!(app.outbox_count_to("portal_link", "ada@acme.example"), 2);
}

#[tokio::test]
async fn one_address_gets_at_most_ten_link_emails_a_day() {
    let app = TestApp::spawn().await;
    let a = sponsor(&app, "Acme Cloud", "pat@acme.example");
    // Links in other emails (invoices, approvals…) do not count: the contact can still ask.
    for _ in 0..20 {
        portal_tokens::issue(
            &mut app.db(),
            Scope::Sponsor,
            a,
            "pat@acme.example",
            chrono::Duration::days(14),
        )
        .expect("token");
    }
    let c = app.new_client();
    let backdate = |app: &TestApp| {
        let earlier = steward::models::now() - chrono::Duration::minutes(5);
        diesel::update(steward::db::schema::audit_log::table)
            .set(steward::db::schema::audit_log::at.eq(earlier))
            .execute(&mut *app.db())
            .expect("backdate");
    };
    // Ten requests a day are answered (each after the cooldown)…
    for _ in 0..10 {
        c.post("/portal/link", &[("email", "pat@acme.example")])
            .await;
        backdate(&app);
    }
    assert_eq!(app.outbox_count_to("portal_link", "pat@acme.example"), 10);
    // …the eleventh is not, though the cooldown is over; the answer is the usual one.
    let r = c
        .post("/portal/link", &[("email", "pat@acme.example")])
        .await;
    assert_eq!(location(&r), "/portal/link?sent=1");
    assert_eq!(app.outbox_count_to("portal_link", "pat@acme.example"), 10);
}

#[tokio::test]
async fn the_overview_says_what_fits_the_stage_and_invites_renewal_near_the_end() {
    let app = TestApp::spawn().await;
    let tier = gold_tier(&app, None);
    let a = sponsor(&app, "Acme Cloud", "pat@acme.example");
    let applied = sponsorship(&app, a, tier, Status::Applied);
    let c = portal_client(&app, a, "pat@acme.example").await;
    let (_, home) = c.page("/portal").await;
    assert!(home.contains("Staff confirm the final term and fee"));
    assert!(home.contains("What this tier includes"));
    assert!(!home.contains("To do"), "{home}");

    advance(
        &app,
        applied,
        &[Status::Applied, Status::Approved, Status::AgreementSent],
    );
    let agreement = sent_agreement(&app, applied, "Acme agrees.");
    let (_, home) = c.page("/portal").await;
    assert!(!home.contains("Staff confirm the final term and fee"));
    assert!(home.contains("Agreed fee: "));
    assert!(home.contains("What this tier includes"));
    assert!(home.contains(&format!(
        "<a href=\"/portal/agreements/{agreement}\">Read and accept the agreement</a>"
    )));

    // An active term ending within 60 days: the invitation names the next term and price.
    let today = chrono::Utc::now().date_naive();
    let b = sponsor(&app, "Blue Sky", "kim@bluesky.example");
    let running = service::create(
        &mut app.db(),
        &Actor::system("test"),
        service::NewTerm {
            sponsor_id: b,
            tier_id: tier,
            start: today - chrono::Duration::days(300),
            end: today + chrono::Duration::days(30),
            fee: None,
            status: Status::Active,
            notes: String::new(),
        },
    )
    .expect("sponsorship");
    let kim = portal_client(&app, b, "kim@bluesky.example").await;
    let (_, home) = kim.page("/portal").await;
    let s = steward::models::sponsorships::find(&mut app.db(), running).expect("s");
    let (_, start, end, price) =
        steward::services::renewals::renewal_preview(&mut app.db(), &s).expect("preview");
    let ends = (today + chrono::Duration::days(30))
        .format("%-d %B %Y")
        .to_string();
    assert!(
        home.contains(&format!(
            "Your sponsorship ends on {ends}. Renew now to keep your place"
        )),
        "{home}"
    );
    assert!(home.contains(&format!("price of {price}")), "{home}");
    // The offer names the next term, from its first day to its last.
    assert!(home.contains(&end.format("%-d %B %Y").to_string()));
    let from = if chrono::Datelike::year(&start) == chrono::Datelike::year(&end) {
        start.format("%-d %B")
    } else {
        start.format("%-d %B %Y")
    };
    let term = format!("for {from} – {}", end.format("%-d %B %Y"));
    assert!(home.contains(&term), "{term}: {home}");
    assert!(home.contains("Renew for "));
    assert!(home.contains("staff confirm with you before anything is invoiced"));
    // Delivery status shows once the sponsorship runs: nothing is delivered yet.
    assert!(home.contains("To do") || home.contains("Delivered"));
    assert!(
        home.contains("<span class=\"badge badge-neutral\">To do</span>"),
        "{home}"
    );
}

#[tokio::test]
async fn a_missing_portal_record_leads_back_to_the_portal() {
    let t = two_sponsors().await;
    let (status, body) =
        t.a.page(&format!("/portal/agreements/{}", t.b_agreement))
            .await;
    assert_eq!(status, 404);
    assert!(body.contains("Back to your portal"));
    assert!(!body.contains("Go to the home page"));
    let (status, body) = t.a.page("/no-such-page").await;
    assert_eq!(status, 404);
    assert!(body.contains("Go to the home page"));
}

/// The foundation countersigns an accepted agreement once: with five staff at once, one
/// countersignature is recorded and the others are told who signed; both signatures show to
/// staff and in the portal; an agreement not yet accepted cannot be countersigned; the title
/// is checked; only sponsorship staff countersign.
#[tokio::test]
async fn an_accepted_agreement_is_countersigned_once_and_both_signatures_show() {
    let t = two_sponsors().await;
    let path = format!("/staff/agreements/{}/countersign", t.a_agreement);
    let (staff, _, _) = t.app.signed_in(&[Role::Sponsorships]).await;
    // Not accepted yet.
    let r = staff.post(&path, &[("title", "Director")]).await;
    assert_eq!(r.status(), 303);
    let (kind, m) = crate::helpers::flash(&r).expect("flash");
    assert_eq!(
        (kind.as_str(), m.contains("accepted")),
        ("error", true),
        "{m}"
    );
    let r =
        t.a.post(
            &format!("/portal/agreements/{}/accept", t.a_agreement),
            &[
                ("name", "Pat Primary"),
                ("title", "CTO"),
                ("authority", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) =
        t.a.page(&format!("/portal/agreements/{}", t.a_agreement))
            .await;
    assert!(page.contains("has not countersigned yet"), "{page}");

    // Hostile or missing titles.
    for bad in ["", "Director\r\nBcc: x@evil.example", &"x".repeat(101)] {
        let r = staff.post(&path, &[("title", bad)]).await;
        let (kind, _) = crate::helpers::flash(&r).expect("flash");
        assert_eq!(kind, "error", "{bad:?}");
    }
    // Roles: the treasurer sees the agreement but does not countersign.
    let (treasurer, _, _) = t.app.signed_in(&[Role::Treasurer]).await;
    assert_eq!(
        treasurer
            .post(&path, &[("title", "Treasurer")])
            .await
            .status(),
        403
    );
    assert!(
        agreement_row(&t.app, t.a_agreement)
            .countersigned_at
            .is_none()
    );

    let mut clients = Vec::new();
    for i in 0..5 {
        let (c, _, _) = t.app.signed_in(&[Role::Sponsorships]).await;
        clients.push((c, format!("Director {i}")));
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients.len()));
    let mut tasks = Vec::new();
    for (c, title) in clients {
        let (path, barrier) = (path.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let token = c.csrf_token().await;
            barrier.wait().await;
            let r = c
                .post_raw(
                    &path,
                    &[("title", title.as_str()), ("csrf_token", token.as_str())],
                )
                .await;
            crate::helpers::flash(&r).expect("flash").0
        }));
    }
    let mut kinds = Vec::new();
    for task in tasks {
        kinds.push(task.await.expect("task"));
    }
    kinds.sort();
    assert_eq!(kinds, ["error", "error", "error", "error", "success"]);
    assert_eq!(t.app.audit_count("agreement.countersign"), 1);
    let row = agreement_row(&t.app, t.a_agreement);
    let title = row.countersigned_title.clone().expect("title");
    assert!(title.starts_with("Director "));
    assert!(row.countersigned_at.is_some() && row.countersigned_user_id.is_some());

    let (_, staff_page) = staff
        .page(&format!("/staff/agreements/{}", t.a_agreement))
        .await;
    assert!(staff_page.contains("For the sponsor") && staff_page.contains("Pat Primary, CTO"));
    assert!(staff_page.contains(&title), "{staff_page}");
    assert!(!staff_page.contains("Countersign the agreement"));
    let (_, portal_page) =
        t.a.page(&format!("/portal/agreements/{}", t.a_agreement))
            .await;
    assert!(portal_page.contains("Countersigned"), "{portal_page}");
    assert!(portal_page.contains(&title));
}

fn agreement_row(app: &TestApp, id: i64) -> steward::models::agreements::Agreement {
    steward::models::agreements::find(&mut app.db(), id).expect("agreement")
}
