//! Renewals: reminders at 60/30/7 days (each once, across restarts and instances), the
//! one-click renewal from the portal, and the renewal rate.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use steward::db::schema::sponsorships;
use steward::domain::Role;
use steward::domain::sponsorship::Status;
use steward::models::portal_tokens::{self, Scope};
use steward::models::sponsorships::{self as model, NewSponsorship};
use steward::services::renewals;
use steward::web::extract::portal::LinkKind;

use crate::fixtures::{NewSponsor, NewTier};
use crate::helpers::{TestApp, TestClient, linked_ids, location};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// A programme "Sponsorship" for `year` with a Gold tier (USD 10,000, optional capacity).
fn tier(app: &TestApp, year: i32, capacity: Option<i32>) -> i64 {
    NewTier::named("Gold", 1_000_000)
        .programme("Sponsorship", year)
        .capacity(capacity)
        .benefits(&["Logo on the website"])
        .insert(&mut app.db())
}

/// A sponsor of 500 people with a primary contact.
fn sponsor(app: &TestApp, name: &str, email: &str) -> i64 {
    NewSponsor::named(name)
        .website("https://example.org")
        .org_size(500)
        .contact("primary", email)
        .insert(&mut app.db())
}

fn term(
    app: &TestApp,
    sponsor: i64,
    tier: i64,
    start: NaiveDate,
    end: NaiveDate,
    status: Status,
) -> i64 {
    let now = steward::models::now();
    model::insert(
        &mut app.db(),
        &NewSponsorship {
            sponsor_id: sponsor,
            tier_id: tier,
            start_date: start,
            end_date: end,
            fee_minor: 1_000_000,
            currency: "USD".into(),
            status: status.as_str().into(),
            published_early: false,
            notes: String::new(),
            created_at: now,
            updated_at: now,
            application_key: None,
            waitlisted: false,
            renewal_of_id: None,
            list_price_minor: Some(1_000_000),
            fee_reason: String::new(),
        },
    )
    .expect("sponsorship")
}

/// A client holding a live portal link for `sponsor`.
async fn portal(app: &TestApp, sponsor: i64, email: &str) -> TestClient {
    app.link_client(LinkKind::SPONSOR, sponsor, email).await
}

#[tokio::test]
async fn reminders_go_out_at_60_30_and_7_days_each_once() {
    let app = TestApp::spawn().await;
    let t = tier(&app, 2027, None);
    let s = sponsor(&app, "Acme", "pat@acme.example");
    let end = day(2027, 12, 31);
    term(&app, s, t, day(2027, 1, 1), end, Status::Active);

    // 61 days before: nothing yet.
    app.housekeeping(end - Duration::days(61));
    assert_eq!(app.outbox_count("renewal_reminder"), 0);
    // 60 days before, twice (a restart): one email.
    app.housekeeping(end - Duration::days(60));
    app.housekeeping(end - Duration::days(60));
    assert_eq!(app.outbox_count("renewal_reminder"), 1);
    // Still nothing new in between.
    app.housekeeping(end - Duration::days(45));
    assert_eq!(app.outbox_count("renewal_reminder"), 1);
    app.housekeeping(end - Duration::days(30));
    assert_eq!(app.outbox_count("renewal_reminder"), 2);
    app.housekeeping(end - Duration::days(7));
    app.housekeeping(end - Duration::days(3));
    assert_eq!(app.outbox_count("renewal_reminder"), 3);
    // After the end: nothing more.
    app.housekeeping(end + Duration::days(1));
    assert_eq!(app.outbox_count("renewal_reminder"), 3);

    let m = app
        .wait_for_mail("pat@acme.example", "renewal_reminder")
        .await;
    assert!(
        m.subject.contains("ends on 31 December 2027"),
        "{}",
        m.subject
    );
    assert!(
        m.text.contains("http://steward.test/portal/enter/"),
        "{}",
        m.text
    );
}

#[tokio::test]
async fn a_term_first_seen_late_gets_only_the_current_reminder() {
    let app = TestApp::spawn().await;
    let t = tier(&app, 2027, None);
    let s = sponsor(&app, "Acme", "pat@acme.example");
    let end = day(2027, 12, 31);
    let id = term(&app, s, t, day(2027, 1, 1), end, Status::Active);
    app.housekeeping(end - Duration::days(25));
    assert_eq!(
        app.outbox_count("renewal_reminder"),
        1,
        "the 30-day one only, not 60 and 30"
    );
    let done =
        renewals::upcoming(&mut app.db(), end - Duration::days(25), 90, 0, 50).expect("upcoming");
    assert_eq!(done[0].sponsorship.id, id);
    assert_eq!(done[0].reminders, vec![60, 30]);
}

#[tokio::test]
async fn the_renewals_page_names_the_reminder_that_went_out() {
    let app = TestApp::spawn().await;
    let t = tier(&app, 2026, None);
    let s = sponsor(&app, "Acme", "pat@acme.example");
    let today = chrono::Utc::now().date_naive();
    let end = today + Duration::days(25);
    term(&app, s, t, end - Duration::days(364), end, Status::Active);
    app.housekeeping(today);
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (_, body) = staff.page("/staff/renewals").await;
    assert!(body.contains("30-day sent"), "{body}");
    // The 60-day threshold was passed over (first seen at 25 days), not emailed.
    assert!(!body.contains("60-day"), "{body}");
}

#[tokio::test]
async fn sponsors_already_renewing_get_no_reminder() {
    let app = TestApp::spawn().await;
    let t = tier(&app, 2027, None);
    let s = sponsor(&app, "Acme", "pat@acme.example");
    let end = day(2027, 12, 31);
    let old = term(&app, s, t, day(2027, 1, 1), end, Status::Active);
    let new = term(
        &app,
        s,
        t,
        day(2028, 1, 1),
        day(2028, 12, 31),
        Status::Applied,
    );
    diesel::update(sponsorships::table.find(new))
        .set(sponsorships::renewal_of_id.eq(Some(old)))
        .execute(&mut app.db())
        .expect("link");
    app.housekeeping(end - Duration::days(30));
    assert_eq!(app.outbox_count("renewal_reminder"), 0);
}

#[tokio::test]
async fn concurrent_instances_send_each_reminder_once() {
    let app = TestApp::spawn().await;
    let t = tier(&app, 2027, None);
    let end = day(2027, 12, 31);
    for i in 0..5 {
        let s = sponsor(&app, &format!("Sponsor {i}"), &format!("p{i}@example.org"));
        term(&app, s, t, day(2027, 1, 1), end, Status::Active);
    }
    let today = end - Duration::days(30);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let db = app.state.db.clone();
            let settings = app.state.settings.clone();
            std::thread::spawn(move || {
                let mut c = db.get().expect("connection");
                renewals::send_reminders(&mut c, &settings, today)
            })
        })
        .collect();
    let mut total = 0;
    for h in handles {
        total += h.join().expect("thread").expect("reminders");
    }
    assert_eq!(total, 5, "each instance reports only what it sent");
    assert_eq!(app.outbox_count("renewal_reminder"), 5);
}

#[tokio::test]
async fn one_click_renewal_from_the_portal() {
    let app = TestApp::spawn().await;
    let t2027 = tier(&app, 2027, None);
    // Staff set up next year's edition at a new price: the renewal takes it.
    let t2028 = tier(&app, 2028, None);
    diesel::update(steward::db::schema::tiers::table.find(t2028))
        .set(steward::db::schema::tiers::price_minor.eq(1_200_000))
        .execute(&mut app.db())
        .expect("price");
    let (_staff, _, staff_email) = app.signed_in(&[Role::Sponsorships]).await;
    let s = sponsor(&app, "Acme", "pat@acme.example");
    let old = term(
        &app,
        s,
        t2027,
        day(2027, 1, 1),
        day(2027, 12, 31),
        Status::Active,
    );
    let c = portal(&app, s, "pat@acme.example").await;

    // A price smuggled into the form is ignored.
    let r = c
        .post(
            &format!("/portal/sponsorships/{old}/renew"),
            &[("fee_minor", "1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/portal");
    let renewal = renewals::renewal_of(&mut app.db(), old)
        .expect("query")
        .expect("a renewal application");
    assert_eq!(renewal.status(), Status::Applied);
    assert_eq!(renewal.tier_id, t2028);
    assert_eq!(
        (renewal.start_date, renewal.end_date),
        (day(2028, 1, 1), day(2028, 12, 31))
    );
    assert_eq!(renewal.fee_minor, 1_200_000);
    assert_eq!(renewal.sponsor_id, s);
    app.wait_for_mail(&staff_email, "renewal_requested").await;

    // A second click (or a double submit): still one renewal, and a plain message.
    let r = c
        .post(&format!("/portal/sponsorships/{old}/renew"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let n: i64 = sponsorships::table
        .filter(sponsorships::renewal_of_id.eq(Some(old)))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(n, 1);
    assert_eq!(app.outbox_count("renewal_requested"), 1);
}

#[tokio::test]
async fn a_portal_link_cannot_renew_another_sponsors_term_or_an_unfinished_one() {
    let app = TestApp::spawn().await;
    let t = tier(&app, 2027, None);
    let a = sponsor(&app, "Acme", "pat@acme.example");
    let b = sponsor(&app, "Globex", "gil@globex.example");
    let b_term = term(
        &app,
        b,
        t,
        day(2027, 1, 1),
        day(2027, 12, 31),
        Status::Active,
    );
    let a_applied = term(
        &app,
        a,
        t,
        day(2027, 1, 1),
        day(2027, 12, 31),
        Status::Applied,
    );
    let c = portal(&app, a, "pat@acme.example").await;

    let r = c
        .post(&format!("/portal/sponsorships/{b_term}/renew"), &[])
        .await;
    assert_eq!(
        r.status(),
        404,
        "another sponsor's sponsorship is not found"
    );
    let r = c
        .post(&format!("/portal/sponsorships/{a_applied}/renew"), &[])
        .await;
    assert_eq!(
        r.status(),
        303,
        "an application cannot be renewed: a message, not an error"
    );
    let n: i64 = sponsorships::table
        .filter(sponsorships::renewal_of_id.is_not_null())
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(n, 0);

    // Without a portal link, or with an expired one: sent to ask for a new link.
    let anon = app.new_client();
    let r = anon
        .post(&format!("/portal/sponsorships/{b_term}/renew"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/portal/link");
    let raw = portal_tokens::issue(
        &mut app.db(),
        Scope::Sponsor,
        b,
        "gil@globex.example",
        Duration::days(-1),
    )
    .expect("expired token");
    let r = anon.get(&format!("/portal/enter/{raw}")).await;
    assert_eq!(location(&r), "/portal/link?expired=1");
}

#[tokio::test]
async fn the_renewal_rate_counts_terms_followed_by_another() {
    let app = TestApp::spawn().await;
    let t = tier(&app, 2025, None);
    let a = sponsor(&app, "Acme", "a@example.org");
    let b = sponsor(&app, "Globex", "b@example.org");
    let c_ = sponsor(&app, "Initech", "c@example.org");
    term(
        &app,
        a,
        t,
        day(2025, 1, 1),
        day(2025, 12, 31),
        Status::Expired,
    );
    term(
        &app,
        a,
        t,
        day(2026, 1, 1),
        day(2026, 12, 31),
        Status::Active,
    ); // renewed
    term(
        &app,
        b,
        t,
        day(2025, 1, 1),
        day(2025, 12, 31),
        Status::Expired,
    ); // not renewed
    term(
        &app,
        c_,
        t,
        day(2025, 1, 1),
        day(2025, 12, 31),
        Status::Expired,
    );
    term(
        &app,
        c_,
        t,
        day(2026, 1, 1),
        day(2026, 12, 31),
        Status::Rejected,
    ); // does not count
    let rates = renewals::rate_by_year(&mut app.db(), day(2026, 11, 23)).expect("rates");
    assert_eq!(
        rates,
        vec![renewals::RateRow {
            year: 2025,
            ended: 3,
            renewed: 1
        }]
    );

    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (status, body) = staff.page("/staff/renewals").await;
    assert_eq!(status, 200);
    assert!(body.contains("Renewal rate"), "{body}");
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    assert_eq!(editor.page("/staff/renewals").await.0, 403);
}

#[tokio::test]
async fn removing_a_contact_ends_the_portal_links_sent_to_them() {
    let app = TestApp::spawn().await;
    let s = sponsor(&app, "Acme", "pat@acme.example");
    steward::models::sponsors::add_contact(
        &mut app.db(),
        s,
        "Sam Billing",
        "sam@acme.example",
        "billing",
    )
    .expect("contact");
    // A second primary contact: a sponsor always keeps one.
    steward::models::sponsors::add_contact(
        &mut app.db(),
        s,
        "Quinn Primary",
        "quinn@acme.example",
        "primary",
    )
    .expect("contact");
    let c = portal(&app, s, "pat@acme.example").await;
    let sam = portal(&app, s, "sam@acme.example").await;
    assert_eq!(c.page("/portal").await.0, 200);
    let cid = steward::models::sponsors::contacts(&mut app.db(), s)
        .expect("contacts")
        .into_iter()
        .find(|k| k.email == "pat@acme.example")
        .expect("pat")
        .id;
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let r = staff
        .post(&format!("/staff/sponsors/{s}/contacts/{cid}/delete"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let r = c.get("/portal").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/portal/link?expired=1");
    // Only theirs: the other contact's link still opens the portal.
    assert_eq!(sam.page("/portal").await.0, 200);
}

/// At a busy foundation's size the page shows 50 terms at a time, counts all of them, and
/// every term is reachable through the pages; a page number that is not one shows the nearest.
#[tokio::test]
async fn the_renewals_list_pages_through_every_term_and_counts_them_all() {
    let app = TestApp::spawn().await;
    let today = crate::fixtures::today();
    let tier = NewTier::named("Gold", 1_000_000).insert(&mut app.db());
    let mut ids = Vec::new();
    for i in 0..61 {
        let sponsor = NewSponsor::named(&format!("Renewing {i:02}")).insert(&mut app.db());
        let end = today + Duration::days(5 + i);
        let id = term(
            &app,
            sponsor,
            tier,
            end - Duration::days(364),
            end,
            Status::Active,
        );
        ids.push(id);
    }
    // One of them has asked to renew.
    let renewal = term(
        &app,
        NewSponsor::named("Other").insert(&mut app.db()),
        tier,
        today + Duration::days(200),
        today + Duration::days(500),
        Status::Applied,
    );
    diesel::update(sponsorships::table.find(renewal))
        .set(sponsorships::renewal_of_id.eq(ids[3]))
        .execute(&mut app.db())
        .expect("link renewal");
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;

    // The sponsor column's links (the renewal column links the renewal, checked below).
    let rows = |body: &str| -> Vec<i64> {
        let mut ids = linked_ids(body, "<td><a href=\"/staff/sponsorships/");
        ids.retain(|id| *id != renewal);
        ids
    };
    let (status, first) = staff.page("/staff/renewals").await;
    assert_eq!(status, 200);
    // 61 in 90 days; 26 within 30 days (days 5 to 30); one renewal.
    assert!(
        first
            .contains("61 terms end in the next 90 days (26 within 30 days); 1 renewal asked for."),
        "{first}"
    );
    assert!(first.contains("Page 1 of 2 · 1–50 of 61"), "{first}");
    assert!(first.contains("href=\"/staff/renewals?page=2\""));
    let (_, second) = staff.page("/staff/renewals?page=2").await;
    assert!(second.contains("Page 2 of 2 · 51–61 of 61"), "{second}");
    let mut seen = rows(&first);
    assert_eq!(seen.len(), 50);
    seen.extend(rows(&second));
    assert_eq!(seen, ids, "every term once, soonest first");
    assert!(
        first.contains(&format!("/staff/sponsorships/{renewal}\"")),
        "the renewal shows"
    );
    for bad in ["abc", "0", "-1", "99"] {
        let (status, body) = staff.page(&format!("/staff/renewals?page={bad}")).await;
        assert_eq!(status, 200, "{bad}");
        assert!(body.contains("Page "), "{bad}");
    }
}
