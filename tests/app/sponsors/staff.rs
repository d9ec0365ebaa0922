//! Staff pages for programmes, tiers, discount rules, sponsors and sponsorships.

use diesel::prelude::*;
use steward::domain::Role;
use steward::domain::sponsorship::Status;
use steward::services::{Actor, sponsorships as service};

use crate::fixtures::{NewSponsor, NewTerm, NewTier};
use crate::helpers::{TestApp, TestClient, linked_ids, location};

/// A programme with one tier; returns (programme id, tier id).
fn programme_with_tier(
    app: &TestApp,
    tier: &str,
    price_minor: i64,
    capacity: Option<i32>,
) -> (i64, i64) {
    NewTier::named(tier, price_minor)
        .programme("Foundation sponsorship", 2027)
        .capacity(capacity)
        .insert_with_programme(&mut app.db())
}

/// A sponsor of 10 people in NL, without contacts.
fn sponsor(app: &TestApp, name: &str) -> i64 {
    NewSponsor::named(name)
        .website("https://example.org/")
        .org_size(10)
        .country("NL")
        .insert(&mut app.db())
}

/// A 2027 sponsorship at an agreed USD 10,000.
fn sponsorship(app: &TestApp, sponsor_id: i64, tier_id: i64, status: Status) -> i64 {
    let usd = steward::domain::Currency::parse("USD").expect("usd");
    NewTerm::of(sponsor_id, tier_id)
        .fee(steward::domain::Money::parse("10000", usd).expect("fee"))
        .status(status)
        .create(&mut app.db())
}

async fn staff(app: &TestApp) -> TestClient {
    app.signed_in(&[Role::Sponsorships]).await.0
}

#[tokio::test]
async fn tiers_are_created_with_benefits_and_prices_are_checked() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let r = c
        .post(
            "/staff/programmes",
            &[("name", "Foundation sponsorship"), ("year", "2027")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let programme = location(&r);
    let id: i64 = programme
        .rsplit('/')
        .next()
        .expect("id")
        .parse()
        .expect("numeric");
    let action = format!("/staff/programmes/{id}/tiers");
    let tier = |price: &'static str| {
        vec![
            ("name", "Visionary"),
            ("price", price),
            ("currency", "USD"),
            ("logo_size", "xl"),
            ("capacity", "3"),
            ("benefits", "8 × conference passes\nKeynote thank-you"),
            ("advertised", "1"),
        ]
    };
    for (bad, message) in [
        ("-5", "cannot be negative"),
        ("abc", "in figures"),
        ("1e9999", "in figures"),
        ("10.999", "at most 2 digits"),
        ("99999999999999999999", "too large"),
        ("", "Enter an amount"),
    ] {
        let r = c.post(&action, &tier(bad)).await;
        assert_eq!(r.status(), 422, "{bad}");
        let body = r.text().await.expect("body");
        assert!(body.contains(message), "{bad}: {message}");
        assert!(body.contains("Keynote thank-you"), "input kept");
    }
    assert_eq!(
        c.post(&action, &tier("0")).await.status(),
        303,
        "a free tier is allowed"
    );
    let r = c.post(&action, &tier("150,000.00")).await;
    assert_eq!(r.status(), 422, "the slug visionary is taken");
    assert!(r.text().await.expect("body").contains("already uses"));
    let mut gold = tier("150,000.00");
    gold[0] = ("name", "Gold");
    assert_eq!(c.post(&action, &gold).await.status(), 303);

    let (status, page) = c.page(&format!("/staff/programmes/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("$150,000.00") && page.contains("8 × conference passes"));

    // A discount rule, and the price check that runs the server's price function.
    let mut db = app.db();
    let tiers = steward::models::tiers::for_programme(&mut db, id).expect("tiers");
    let gold_id = tiers
        .iter()
        .find(|t| t.name == "Gold")
        .expect("gold")
        .id
        .to_string();
    let r = c
        .post(
            &format!("/staff/programmes/{id}/discount-rules"),
            &[
                ("name", "Small organisations"),
                ("max_org_size", "25"),
                ("percent_off", "50"),
                ("tier", gold_id.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = c.page(&format!("/staff/programmes/{id}?org_size=10")).await;
    assert!(page.contains("$75,000.00"), "half price for 10 people");
    let (_, page) = c.page(&format!("/staff/programmes/{id}?org_size=30")).await;
    assert!(!page.contains("$75,000.00"));
    let r = c
        .post(
            &format!("/staff/programmes/{id}/discount-rules"),
            &[
                ("name", "Bad"),
                ("percent_off", "150"),
                ("tier", gold_id.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = c
        .post(
            &format!("/staff/programmes/{id}/discount-rules"),
            &[
                ("name", "Foreign"),
                ("percent_off", "10"),
                ("tier", "999999"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400, "tiers of another programme are refused");
}

#[tokio::test]
async fn sponsor_form_refuses_dangerous_websites_and_duplicate_slugs_and_escapes_text() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let base = [
        ("name", "Acme Cloud"),
        ("website", "https://acme.example/"),
        ("org_size", "40"),
        ("country", "Germany"),
    ];
    for bad in [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://acme.example",
        "https://user:pw@acme.example",
    ] {
        let mut f = base.to_vec();
        f[1] = ("website", bad);
        let r = c.post("/staff/sponsors", &f).await;
        assert_eq!(r.status(), 422, "{bad}");
    }
    let r = c.post("/staff/sponsors", &base).await;
    assert_eq!(r.status(), 303);
    let r = c.post("/staff/sponsors", &base).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("already uses"));

    let evil = "Evil \"><script>alert(1)</script><img src=x onerror=alert(2)>";
    let r = c
        .post(
            "/staff/sponsors",
            &[
                ("name", evil),
                ("slug", "evil"),
                ("website", "https://evil.example/"),
                ("description", evil),
                ("tagline", evil),
                ("inkind_description", evil),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = location(&r);
    for p in [page.as_str(), "/staff/sponsors", "/staff/sponsorships/new"] {
        let (status, body) = c.page(p).await;
        assert_eq!(status, 200, "{p}");
        assert!(!body.contains("<script>alert(1)"), "{p}");
        assert!(!body.contains("<img src=x"), "{p}");
    }
    // Non-Latin names need a slug typed by hand.
    let r = c
        .post(
            "/staff/sponsors",
            &[
                ("name", "株式会社テスト"),
                ("website", "https://jp.example/"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = c
        .post(
            "/staff/sponsors",
            &[
                ("name", "株式会社テスト"),
                ("slug", "test-kk"),
                ("website", "https://jp.example/"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, body) = c.page(&location(&r)).await;
    assert!(body.contains("株式会社テスト"));
}

#[tokio::test]
async fn advertising_text_is_flagged_to_staff_but_can_be_saved() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let r = c
        .post(
            "/staff/sponsors",
            &[
                ("name", "Pushy Corp"),
                ("website", "https://pushy.example/"),
                ("tagline", "Buy now: 20% off!"),
                ("description", "Sign up today for a free trial."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, body) = c.page(&location(&r)).await;
    assert!(body.contains("reads like advertising"));
    for phrase in [
        "<mark>Buy now</mark>",
        "<mark>20% off</mark>",
        "<mark>Sign up today</mark>",
        "<mark>free trial</mark>",
    ] {
        assert!(body.contains(phrase), "{phrase}");
    }
    let (_, list) = c.page("/staff/sponsors").await;
    assert!(list.contains("reads like an advert"));
}

#[tokio::test]
async fn contacts_and_jobs_are_validated() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let s = sponsor(&app, "Acme");
    let r = c
        .post(
            &format!("/staff/sponsors/{s}/contacts"),
            &[
                ("contact_name", "Ada"),
                ("contact_email", "ada@acme.example\r\nBcc: x@evil.example"),
                ("contact_role", "billing"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "header injection refused");
    let r = c
        .post(
            &format!("/staff/sponsors/{s}/contacts"),
            &[
                ("contact_name", "Ada"),
                ("contact_email", "ada@acme.example"),
                ("contact_role", "owner"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "unknown role");
    let r = c
        .post(
            &format!("/staff/sponsors/{s}/contacts"),
            &[
                ("contact_name", "Ada"),
                ("contact_email", "Ada@Acme.example"),
                ("contact_role", "billing"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = c
        .post(
            &format!("/staff/sponsors/{s}/jobs"),
            &[
                ("title", "Engineer"),
                ("url", "javascript:alert(1)"),
                ("expires_on", "2099-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = c
        .post(
            &format!("/staff/sponsors/{s}/jobs"),
            &[
                ("title", "Engineer"),
                ("url", "https://acme.example/jobs/1"),
                ("expires_on", "2001-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "already expired");
    let r = c
        .post(
            &format!("/staff/sponsors/{s}/jobs"),
            &[
                ("title", "Engineer"),
                ("url", "https://acme.example/jobs/1"),
                ("expires_on", "2099-01-01"),
                ("remote", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, body) = c.page(&format!("/staff/sponsors/{s}")).await;
    assert!(body.contains("ada@acme.example") && body.contains("Engineer"));
    assert!(
        body.contains("Timeline") && body.contains("sponsor.contact_add"),
        "the sponsor's history"
    );
    // Removing another sponsor's contact through this sponsor's URL does nothing.
    let other = sponsor(&app, "Other");
    let mut db = app.db();
    let cid = steward::models::sponsors::contacts(&mut db, s).expect("contacts")[0].id;
    assert_eq!(
        c.post(
            &format!("/staff/sponsors/{other}/contacts/{cid}/delete"),
            &[]
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        steward::models::sponsors::contacts(&mut db, s)
            .expect("contacts")
            .len(),
        1
    );
}

#[tokio::test]
async fn sponsorships_move_only_along_the_table_and_keep_their_history() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let (_, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let r = c
        .post(
            "/staff/sponsorships",
            &[
                ("sponsor", &s.to_string()),
                ("tier", &tier.to_string()),
                ("start", "2027-01-01"),
                ("end", "2027-12-31"),
                ("fee", ""),
                ("status", "applied"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = location(&r);
    let id: i64 = page.rsplit('/').next().expect("id").parse().expect("id");
    let mut db = app.db();
    assert_eq!(
        steward::models::sponsorships::find(&mut db, id)
            .expect("row")
            .fee_minor,
        1_000_000,
        "empty fee = list price"
    );
    assert_eq!(
        steward::models::sponsorships::checklist(&mut db, id)
            .expect("checklist")
            .len(),
        2
    );

    let post = |from: &'static str, to: &'static str, note: &'static str| {
        let c = &c;
        let path = format!("{page}/status");
        async move {
            c.post(&path, &[("from", from), ("to", to), ("note", note)])
                .await
        }
    };
    // Illegal moves are refused and change nothing.
    let r = post("applied", "paid", "").await;
    assert_eq!(r.status(), 303);
    let (_, body) = c.page(&page).await;
    assert!(body.contains("cannot become paid"), "{body}");
    assert_eq!(
        steward::models::sponsorships::find(&mut db, id)
            .expect("row")
            .status,
        "applied"
    );
    // Rejecting needs a reason.
    post("applied", "rejected", "").await;
    assert_eq!(
        steward::models::sponsorships::find(&mut db, id)
            .expect("row")
            .status,
        "applied"
    );
    // Approving is the review's step (the status form refuses it).
    let r = post("applied", "approved", "").await;
    assert!(
        crate::helpers::flash(&r).is_some_and(|(k, m)| k == "error" && m.contains("Applications"))
    );
    let r = c
        .post(
            &format!("/staff/applications/{id}/approve"),
            &[
                ("start", "2027-01-01"),
                ("end", "2027-12-31"),
                ("fee", "1000"),
                ("reason", "agreed by phone"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The rest of the way.
    for (from, to) in [
        ("approved", "agreement_sent"),
        ("agreement_sent", "agreement_accepted"),
        ("agreement_accepted", "invoiced"),
        ("invoiced", "paid"),
        ("paid", "active"),
    ] {
        post(from, to, "").await;
        assert_eq!(
            steward::models::sponsorships::find(&mut db, id)
                .expect("row")
                .status,
            to
        );
    }
    // A stale form (the page said "invoiced") does nothing now.
    post("invoiced", "cancelled", "changed my mind").await;
    assert_eq!(
        steward::models::sponsorships::find(&mut db, id)
            .expect("row")
            .status,
        "active"
    );
    let events = steward::models::sponsorships::events(&mut db, id).expect("events");
    assert_eq!(events.len(), 7);
    let (_, body) = c.page(&page).await;
    // Running (marked active by staff): shown whether or not its first day has come.
    assert!(
        body.contains("Agreement accepted") && body.contains("shown on public pages today"),
        "{body}"
    );

    // Benefits checklist.
    let items = steward::models::sponsorships::checklist(&mut db, id).expect("checklist");
    let r = c
        .post(
            &format!("{page}/benefits/{}", items[0].id),
            &[("delivered", "1"), ("note", "sent by courier")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let items = steward::models::sponsorships::checklist(&mut db, id).expect("checklist");
    assert!(items[0].is_delivered());
    assert!(
        items[0]
            .delivered_by
            .as_deref()
            .is_some_and(|b| b.contains("@example.org"))
    );
    assert_eq!(
        c.post(&format!("{page}/benefits/999999"), &[("delivered", "1")])
            .await
            .status(),
        404
    );
    // Saving a note keeps the item delivered, and who delivered it.
    let by = items[0].delivered_by.clone();
    let r = c
        .post(
            &format!("{page}/benefits/{}", items[0].id),
            &[("delivered", "keep"), ("note", "tracking 123")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let items = steward::models::sponsorships::checklist(&mut db, id).expect("checklist");
    assert!(items[0].is_delivered());
    assert_eq!(items[0].note, "tracking 123");
    assert_eq!(items[0].delivered_by, by);
}

#[tokio::test]
async fn two_staff_changing_the_same_status_at_once_yield_one_change() {
    let app = TestApp::spawn().await;
    let (_, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let id = sponsorship(&app, s, tier, Status::Active);
    let mut clients = Vec::new();
    for _ in 0..6 {
        clients.push(staff(&app).await);
    }
    let path = format!("/staff/sponsorships/{id}/status");
    let mut tasks = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        let path = path.clone();
        let to = if i % 2 == 0 { "expired" } else { "cancelled" };
        tasks.push(tokio::spawn(async move {
            c.post(
                &path,
                &[("from", "active"), ("to", to), ("note", "decided")],
            )
            .await
            .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), 303);
    }
    let mut db = app.db();
    let events = steward::models::sponsorships::events(&mut db, id).expect("events");
    assert_eq!(
        events.len(),
        2,
        "the creation and exactly one decision: {events:?}"
    );
    use diesel::prelude::*;
    use steward::db::schema::audit_log;
    let n: i64 = audit_log::table
        .filter(audit_log::action.eq("sponsorship.status"))
        .count()
        .get_result(&mut db)
        .expect("count");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn capacity_puts_new_sponsors_on_the_waitlist() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let (_, tier) = programme_with_tier(&app, "Visionary", 5_000_000, Some(1));
    let a = sponsor(&app, "First");
    let b = sponsor(&app, "Second");
    sponsorship(&app, a, tier, Status::Active);
    let waiting = sponsorship(&app, b, tier, Status::Applied);
    // A hand-made status form cannot approve (or reject) an application: that is the
    // review's step, which keeps the waitlist's order and tells the sponsor.
    for to in ["approved", "rejected"] {
        let r = c
            .post(
                &format!("/staff/sponsorships/{waiting}/status"),
                &[("from", "applied"), ("to", to), ("note", "by hand")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (kind, message) = crate::helpers::flash(&r).expect("a message");
        assert_eq!(kind, "error");
        assert!(message.contains("Applications"), "{message}");
    }
    let mut db = app.db();
    assert_eq!(
        steward::models::sponsorships::find(&mut db, waiting)
            .expect("row")
            .status,
        "applied"
    );
    // Recording one agreed offline into a full tier is refused with a clear message.
    let r = c
        .post(
            "/staff/sponsorships",
            &[
                ("sponsor", &b.to_string()),
                ("tier", &tier.to_string()),
                ("start", "2027-01-01"),
                ("end", "2027-12-31"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("is full"));
}

#[tokio::test]
async fn publishing_early_is_audited_and_only_for_open_sponsorships() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let (_, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let id = sponsorship(&app, s, tier, Status::Invoiced);
    let r = c
        .post(
            &format!("/staff/sponsorships/{id}/publish-early"),
            &[("publish", "1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mut db = app.db();
    assert!(
        steward::models::sponsorships::find(&mut db, id)
            .expect("row")
            .published_early
    );
    use diesel::prelude::*;
    use steward::db::schema::audit_log;
    let n: i64 = audit_log::table
        .filter(audit_log::action.eq("sponsorship.publish_early"))
        .count()
        .get_result(&mut db)
        .expect("count");
    assert_eq!(n, 1);
    let cancelled = sponsorship(&app, s, tier, Status::Applied);
    c.post(
        &format!("/staff/sponsorships/{cancelled}/status"),
        &[
            ("from", "applied"),
            ("to", "cancelled"),
            ("note", "withdrew"),
        ],
    )
    .await;
    c.post(
        &format!("/staff/sponsorships/{cancelled}/publish-early"),
        &[("publish", "1")],
    )
    .await;
    assert!(
        !steward::models::sponsorships::find(&mut db, cancelled)
            .expect("row")
            .published_early
    );
    drop(db);
    // Paid: shown by itself, so there is nothing to publish; the page says it is shown.
    let paid = sponsorship(&app, s, tier, Status::Paid);
    let (status, page) = c.page(&format!("/staff/sponsorships/{paid}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Shown on the public pages: the sponsorship is paid"),
        "{page}"
    );
    assert!(!page.contains("Publish before payment"), "{page}");
    let r = c
        .post(
            &format!("/staff/sponsorships/{paid}/publish-early"),
            &[("publish", "1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let f = crate::helpers::flash(&r).expect("a message");
    assert!(f.1.contains("already on the public pages"), "{f:?}");
}

#[tokio::test]
async fn csv_export_applies_filters_includes_contacts_and_neutralises_formulas() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let (_, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    let evil = sponsor(&app, "=HYPERLINK(\"http://evil.example\",\"click\")");
    let plain = sponsor(&app, "Plain, Inc.");
    {
        let mut db = app.db();
        steward::models::sponsors::add_contact(
            &mut db,
            evil,
            "@SUM(A1)",
            "billing@evil.example",
            "billing",
        )
        .expect("contact");
    }
    sponsorship(&app, evil, tier, Status::Active);
    sponsorship(&app, plain, tier, Status::Applied);
    let r = c.get("/staff/sponsorships.csv").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .contains("attachment")
    );
    let body = r.text().await.expect("body");
    assert!(body.starts_with('\u{feff}'));
    assert!(
        body.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""),
        "{body}"
    );
    assert!(body.contains("'@SUM(A1) <billing@evil.example>"));
    assert!(body.contains("\"Plain, Inc.\""));
    let filtered = c
        .get("/staff/sponsorships.csv?status=applied")
        .await
        .text()
        .await
        .expect("body");
    assert!(filtered.contains("Plain, Inc.") && !filtered.contains("HYPERLINK"));
    let (_, list) = c.page("/staff/sponsorships?q=plain").await;
    assert!(list.contains("Plain, Inc.") && !list.contains("HYPERLINK"));
}

#[tokio::test]
async fn every_sponsorship_staff_route_checks_the_role() {
    let app = TestApp::spawn().await;
    let (_, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let id = sponsorship(&app, s, tier, Status::Applied);
    let gets = [
        "/staff/programmes".to_string(),
        "/staff/programmes/1".into(),
        "/staff/programmes/1/tiers/new".into(),
        format!("/staff/tiers/{tier}"),
        "/staff/sponsors".into(),
        "/staff/sponsors/new".into(),
        format!("/staff/sponsors/{s}"),
        format!("/staff/sponsors/{s}/edit"),
        "/staff/sponsorships".into(),
        "/staff/sponsorships.csv".into(),
        "/staff/sponsorships/new".into(),
        format!("/staff/sponsorships/{id}"),
    ];
    let posts = [
        "/staff/programmes".to_string(),
        "/staff/programmes/1/tiers".into(),
        "/staff/programmes/1/discount-rules".into(),
        "/staff/discount-rules/1/toggle".into(),
        format!("/staff/tiers/{tier}"),
        "/staff/sponsors".into(),
        format!("/staff/sponsors/{s}"),
        format!("/staff/sponsors/{s}/contacts"),
        format!("/staff/sponsors/{s}/contacts/1/delete"),
        format!("/staff/sponsors/{s}/jobs"),
        format!("/staff/sponsors/{s}/jobs/1/delete"),
        "/staff/sponsorships".into(),
        format!("/staff/sponsorships/{id}/status"),
        format!("/staff/sponsorships/{id}/publish-early"),
        format!("/staff/sponsorships/{id}/benefits/1"),
    ];
    let anon = app.new_client();
    let (outsider, _, _) = app
        .signed_in(&[Role::Treasurer, Role::Editor, Role::GrantsReviewer])
        .await;
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    for p in &gets {
        let r = anon.get(p).await;
        assert_eq!(r.status(), 303, "{p}");
        assert!(location(&r).starts_with("/login"));
        assert_eq!(outsider.get(p).await.status(), 403, "{p}");
        assert_eq!(
            admin.get(p).await.status(),
            403,
            "{p}: admin alone is not sponsorship staff"
        );
    }
    let fields = [
        ("from", "applied"),
        ("to", "approved"),
        ("name", "X"),
        ("publish", "1"),
        ("delivered", "1"),
    ];
    for p in &posts {
        assert_eq!(anon.post(p, &fields).await.status(), 303, "{p}");
        assert_eq!(outsider.post(p, &fields).await.status(), 403, "{p}");
    }
    let mut db = app.db();
    assert_eq!(
        steward::models::sponsorships::find(&mut db, id)
            .expect("row")
            .status,
        "applied"
    );
    assert!(
        !steward::models::sponsorships::find(&mut db, id)
            .expect("row")
            .published_early
    );
    let c = staff(&app).await;
    for p in &gets {
        assert_eq!(c.get(p).await.status(), 200, "{p}");
    }
}

#[tokio::test]
async fn an_empty_fee_charges_the_servers_price_with_the_best_discount() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let (programme, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    {
        let mut db = app.db();
        steward::models::tiers::insert_rule(
            &mut db,
            programme,
            "Small organisations",
            Some(25),
            50,
            &[tier],
        )
        .expect("rule");
    }
    let small = sponsor(&app, "Small Co"); // 10 people
    let fields = |s: i64, extra: Option<(&'static str, &'static str)>| {
        let mut f = vec![
            ("sponsor", s.to_string()),
            ("tier", tier.to_string()),
            ("start", "2027-01-01".to_string()),
            ("end", "2027-12-31".to_string()),
            ("status", "applied".to_string()),
        ];
        if let Some((k, v)) = extra {
            f.push((k, v.to_string()));
        }
        f
    };
    // "Show the price" shows the quote and saves nothing.
    let f = fields(small, Some(("check", "1")));
    let r = c.post("/staff/sponsorships", &as_refs(&f)).await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("$5,000.00") && body.contains("Small organisations: 50% off"),
        "{body}"
    );
    let mut db = app.db();
    assert!(
        steward::models::sponsorships::list(&mut db, &Default::default(), 10)
            .expect("list")
            .is_empty()
    );
    // Saving with an empty fee charges that price.
    let f = fields(small, None);
    let r = c.post("/staff/sponsorships", &as_refs(&f)).await;
    assert_eq!(r.status(), 303);
    let rows = steward::models::sponsorships::list(&mut db, &Default::default(), 10).expect("list");
    assert_eq!(rows[0].sponsorship.fee_minor, 500_000);
    // A typed fee wins (an agreed fee may differ), but a decimal comma is refused, not guessed.
    let f = fields(small, Some(("fee", "7500,50")));
    assert_eq!(
        c.post("/staff/sponsorships", &as_refs(&f)).await.status(),
        422
    );
}

#[tokio::test]
async fn two_staff_turning_a_rule_off_at_once_leave_it_off() {
    let app = TestApp::spawn().await;
    let (programme, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    let rule = {
        let mut db = app.db();
        steward::models::tiers::insert_rule(&mut db, programme, "Small", Some(25), 50, &[tier])
            .expect("rule")
    };
    let a = staff(&app).await;
    let b = staff(&app).await;
    let path = format!("/staff/discount-rules/{rule}/toggle");
    let (ra, rb) = tokio::join!(
        a.post(&path, &[("active", "0")]),
        b.post(&path, &[("active", "0")])
    );
    assert_eq!(
        (ra.status(), rb.status()),
        (
            reqwest::StatusCode::SEE_OTHER,
            reqwest::StatusCode::SEE_OTHER
        )
    );
    let mut db = app.db();
    assert!(
        !steward::models::tiers::find_rule(&mut db, rule)
            .expect("rule")
            .active,
        "still off"
    );
    use diesel::prelude::*;
    use steward::db::schema::audit_log;
    let n: i64 = audit_log::table
        .filter(audit_log::action.eq("discount_rule.deactivate"))
        .count()
        .get_result(&mut db)
        .expect("count");
    assert_eq!(n, 1, "one change, one entry");
}

fn as_refs<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn the_dashboard_tells_sponsorship_staff_what_waits() {
    let app = TestApp::spawn().await;
    let (_, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    sponsorship(&app, s, tier, Status::Applied);
    // One open application per organisation: the second comes from another sponsor.
    let other = sponsor(&app, "Globex");
    sponsorship(&app, other, tier, Status::Applied);
    sponsorship(&app, s, tier, Status::Active);
    let c = staff(&app).await;
    let (status, body) = c.page("/staff").await;
    assert_eq!(status, 200);
    assert!(body.contains("applications to review"), "{body}");
    assert!(body.contains(r#"href="/staff/applications"><span class="stat-value">2</span>"#));
    assert!(
        body.contains("2 benefits"),
        "the active sponsorship's two benefits are not delivered"
    );
    // Someone without the role does not see it.
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    assert!(
        !editor
            .page("/staff")
            .await
            .1
            .contains("applications to review")
    );
}

#[tokio::test]
async fn search_ignores_case_and_accents() {
    let app = TestApp::spawn().await;
    let (_, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Société Générale des Logiciels");
    sponsorship(&app, s, tier, Status::Applied);
    sponsor(&app, "Other Corp");
    let c = staff(&app).await;
    for q in ["societe", "SOCIÉTÉ", "générale", "logiciels"] {
        let (_, list) = c
            .page(&format!("/staff/sponsors?q={}", url_escape(q)))
            .await;
        assert!(
            list.contains("Société Générale des Logiciels") && !list.contains("Other Corp"),
            "{q}"
        );
        let (_, list) = c
            .page(&format!("/staff/sponsorships?q={}", url_escape(q)))
            .await;
        assert!(list.contains("Société Générale des Logiciels"), "{q}");
    }
    let (_, none) = c.page("/staff/sponsors?q=%25").await;
    assert!(
        !none.contains("Other Corp"),
        "a % is a character, not a wildcard"
    );
}

fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_status_move_from_a_stale_state_changes_nothing() {
    // The concurrent test above is serialised by SQLite's write lock; this pins the
    // conditional update itself, on either database.
    let app = TestApp::spawn().await;
    let (_, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let id = sponsorship(&app, s, tier, Status::Applied);
    let mut db = app.db();
    use steward::models::sponsorships::{find, set_status_if};
    assert!(set_status_if(&mut db, id, Status::Applied, Status::Approved).expect("move"));
    assert!(
        !set_status_if(&mut db, id, Status::Applied, Status::Rejected).expect("stale move"),
        "someone moved it first"
    );
    assert_eq!(find(&mut db, id).expect("row").status, "approved");
    let r = service::change_status(
        &mut db,
        &app.state.settings,
        &Actor::system("test"),
        id,
        Status::Applied,
        Status::Rejected,
        "late",
    );
    assert!(
        matches!(r, Err(steward::error::AppError::Conflict(_))),
        "{r:?}"
    );
    assert_eq!(find(&mut db, id).expect("row").status, "approved");
}

#[tokio::test]
async fn the_next_step_box_separates_cancelling_and_explains_an_early_payment() {
    use crate::fixtures::sponsorships::{
        sponsor as review_sponsor, sponsorship as review_sponsorship, tier,
    };
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let s = review_sponsor(&app, "Acme");
    // Approved: sending the agreement, and cancelling under its own heading, after it.
    let id = review_sponsorship(&app, s, t, Status::Approved);
    let r = c
        .post(&format!("/staff/sponsorships/{id}/agreement/send"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (status, body) = c.page(&format!("/staff/sponsorships/{id}")).await;
    assert_eq!(status, 200);
    let send = body.find("Send a new version").expect("send");
    let cancel = body
        .find("Cancel this sponsorship")
        .expect("cancel heading");
    assert!(send < cancel, "cancelling comes after the next step");
    assert!(!body.contains("(the reason, required)"));
    // The history speaks of the agreement, not of its internal id.
    assert!(body.contains("agreement sent"), "{body}");
    assert!(!body.contains("agreement 1 sent"));
    // The contact accepts: the list says who accepted, apart from who sent it.
    let a = steward::models::agreements::for_sponsorship(&mut app.db(), id)
        .expect("list")
        .remove(0);
    steward::services::portal_actions::accept_agreement(
        &mut app.db(),
        &app.state.settings,
        &Actor::system("sponsor contact"),
        s,
        a.id,
        "primary@acme.example",
        &steward::services::portal_actions::Acceptance {
            name: "Pat Primary".into(),
            title: "Head of Open Source".into(),
        },
    )
    .expect("accepted");
    let (_, body) = c.page(&format!("/staff/sponsorships/{id}")).await;
    assert!(
        body.contains("Accepted by Pat Primary, Head of Open Source on "),
        "{body}"
    );
    assert!(body.contains("sent by staff"), "{body}");

    // Paid before a term that starts in 2027: explained, and marking active is "now".
    let paid = review_sponsorship(&app, s, t, Status::Paid);
    let (_, body) = c.page(&format!("/staff/sponsorships/{paid}")).await;
    assert!(
        body.contains(
            "The term starts on 1 January 2027; Steward makes it active on that day by itself."
        ),
        "{body}"
    );
    assert!(body.contains("Mark as active now"));
}

#[tokio::test]
async fn the_dashboard_links_each_count_to_a_list_of_just_those() {
    use steward::db::schema::sponsors as so;
    let app = TestApp::spawn().await;
    let (_, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    let a = sponsor(&app, "Acme");
    let g = sponsor(&app, "Globex");
    let i = sponsor(&app, "Initech");
    sponsorship(&app, a, tier, Status::AgreementSent);
    sponsorship(&app, g, tier, Status::Active);
    sponsorship(&app, i, tier, Status::Applied);
    // Globex proposed an advertising-style description from the portal.
    diesel::update(so::table.find(g))
        .set(so::description_pending.eq(Some("Sign up today for a free trial.")))
        .execute(&mut app.db())
        .expect("pending");
    let c = staff(&app).await;
    let (_, body) = c.page("/staff").await;
    assert!(
        body.contains(
            r#"href="/staff/sponsorships?status=in_progress"><span class="stat-value">1</span>"#
        ),
        "{body}"
    );
    assert!(body.contains("1</span> <span class=\"stat-label\">application to review"));
    assert!(body.contains("1</span> <span class=\"stat-label\">active sponsorship<"));
    assert!(
        body.contains("href=\"/staff/sponsorships?status=active\">Open an active sponsorship</a>")
    );
    assert!(body.contains("Sponsor updates to approve: 1."), "{body}");
    assert!(body.contains("href=\"/staff/sponsors?pending=1\""));

    // The in-progress list holds just the sponsorship between approval and activation.
    let (status, body) = c.page("/staff/sponsorships?status=in_progress").await;
    assert_eq!(status, 200);
    assert!(body.contains("Acme") && !body.contains("Globex") && !body.contains("Initech"));
    let r = c.get("/staff/sponsorships.csv?status=in_progress").await;
    let csv = r.text().await.expect("csv");
    assert!(csv.contains("Acme") && !csv.contains("Globex"), "{csv}");

    // The pending filter lists the sponsor with a proposal, flagged.
    let (_, body) = c.page("/staff/sponsors?pending=1").await;
    assert!(body.contains("Globex") && !body.contains("Acme"), "{body}");
    assert!(body.contains("reads like an advert"));
    let (_, body) = c.page("/staff/sponsors").await;
    assert!(body.contains("Globex") && body.contains("Acme"));
    // The sponsor page flags the proposed text like the public one.
    let (_, body) = c.page(&format!("/staff/sponsors/{g}")).await;
    assert!(
        body.contains("The proposed text reads like advertising"),
        "{body}"
    );
    assert!(body.contains("<mark>Sign up today</mark>"), "{body}");
    // Nothing pending: no callout.
    diesel::update(so::table.find(g))
        .set(so::description_pending.eq(None::<String>))
        .execute(&mut app.db())
        .expect("cleared");
    let (_, body) = c.page("/staff").await;
    assert!(!body.contains("Sponsor updates to approve"));
}

/// The sponsorship list reads one page at a time, filtered and searched in SQL: every row is
/// reachable through the pages, filters carry over to the next page, a `%` or `_` in the
/// search is a character, and sponsors recorded before the search column existed are found
/// once the app has filled it in.
#[tokio::test]
async fn the_sponsorship_list_pages_through_every_row_with_its_filters() {
    let app = TestApp::spawn().await;
    let (_, tier) = programme_with_tier(&app, "Gold", 1_000_000, None);
    let mut ids = Vec::new();
    for i in 0..57 {
        let s = sponsor(&app, &format!("Pagé Co {i:02}"));
        ids.push(sponsorship(&app, s, tier, Status::Approved));
    }
    let other = sponsor(&app, "Other Corp");
    sponsorship(&app, other, tier, Status::Applied);
    let c = staff(&app).await;
    let listed = |body: &str| linked_ids(body, "<td><a href=\"/staff/sponsorships/");
    let (status, first) = c.page("/staff/sponsorships?q=page&status=approved").await;
    assert_eq!(status, 200);
    assert!(first.contains("1–50 of 57 sponsorships"), "{first}");
    assert!(
        first.contains("href=\"/staff/sponsorships?q=page&#38;status=approved&#38;page=2\""),
        "{first}"
    );
    let (_, second) = c
        .page("/staff/sponsorships?q=page&status=approved&page=2")
        .await;
    assert!(second.contains("51–57 of 57"), "{second}");
    let mut seen = listed(&first);
    assert_eq!(seen.len(), 50);
    seen.extend(listed(&second));
    seen.sort_unstable();
    assert_eq!(seen, ids, "every row once");
    assert!(!first.contains("Other Corp") && !second.contains("Other Corp"));

    // Wildcards are characters.
    for q in ["%25", "_", "%25%25"] {
        let (_, body) = c.page(&format!("/staff/sponsorships?q={q}")).await;
        assert!(body.contains("No sponsorships match."), "{q}");
    }

    // A sponsor from before the search column: found once the app fills it in.
    diesel::update(steward::db::schema::sponsors::table.find(other))
        .set(steward::db::schema::sponsors::search_name.eq(None::<String>))
        .execute(&mut app.db())
        .expect("clear");
    let (_, before) = c.page("/staff/sponsorships?q=other").await;
    assert!(before.contains("No sponsorships match."));
    assert_eq!(
        steward::models::sponsors::fill_search_names(&mut app.db()).expect("fill"),
        1
    );
    let (_, after) = c.page("/staff/sponsorships?q=OTHER").await;
    assert!(after.contains("Other Corp"), "{after}");
}

/// The sponsors list reads a page at a time in SQL: 50 a page by name, every sponsor
/// reachable, the search and the "updates to approve" filter carried to the next page.
#[tokio::test]
async fn the_sponsors_list_pages_through_every_sponsor() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for i in 0..53 {
        ids.push(sponsor(&app, &format!("Zoé Partner {i:02}")));
    }
    sponsor(&app, "Another Org");
    let c = staff(&app).await;
    let listed = |body: &str| linked_ids(body, "<td><a href=\"/staff/sponsors/");
    let (status, first) = c.page("/staff/sponsors?q=zoe").await;
    assert_eq!(status, 200);
    assert!(first.contains("1–50 of 53 sponsors"), "{first}");
    assert!(
        first.contains("href=\"/staff/sponsors?q=zoe&#38;page=2\""),
        "{first}"
    );
    let (_, second) = c.page("/staff/sponsors?q=zoe&page=2").await;
    assert!(second.contains("51–53 of 53"), "{second}");
    let mut seen = listed(&first);
    assert_eq!(seen.len(), 50);
    seen.extend(listed(&second));
    assert_eq!(seen, ids, "by name, each once");
    let (_, all) = c.page("/staff/sponsors").await;
    assert!(all.contains("1–50 of 54 sponsors"), "{all}");
    let (_, none) = c.page("/staff/sponsors?q=_").await;
    assert!(none.contains("No sponsor's name contains"), "{none}");
}
