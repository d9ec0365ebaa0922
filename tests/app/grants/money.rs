//! Grant money: payments recorded by the treasurer (malformed and overflowing input refused,
//! never past the award, the one that reaches it marks the grant paid), roles on every money
//! route, report reminders sent once across restarts and concurrent workers, overdue reports
//! flagged, closing, and the budget page with its SVG chart.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use steward::db::schema::{
    grant_applications, grant_disbursements, grant_report_reminders, outbox,
};
use steward::domain::Role;
use steward::domain::grants::Status;
use steward::models::grant_applications as apps;
use steward::models::grant_programmes as programmes;
use steward::services::grant_money;

use crate::fixtures::checks::assert_well_formed_xml;
use crate::fixtures::grants::{
    AMA, GrantBuilder, PDF, ProgrammeBuilder, add_file, day, paid_out, recuse, status_of, today,
};
use crate::helpers::{TestApp, TestClient, location};

fn payments(app: &TestApp, id: i64) -> Vec<(i64, String, i64, i64)> {
    grant_disbursements::table
        .filter(grant_disbursements::application_id.eq(id))
        .order(grant_disbursements::id)
        .select((
            grant_disbursements::amount_minor,
            grant_disbursements::currency,
            grant_disbursements::rate_micros,
            grant_disbursements::base_minor,
        ))
        .load(&mut app.db())
        .expect("payments")
}

async fn pay(c: &TestClient, id: i64, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut all: Vec<(&str, &str)> = vec![
        ("paid_on", "2026-11-01"),
        ("method", "bank_transfer"),
        ("currency", "USD"),
        ("rate", ""),
        ("reference", "TX-1"),
    ];
    for (k, v) in fields {
        all.retain(|(n, _)| n != k);
        all.push((k, v));
    }
    c.post(&format!("/staff/grants/{id}/payments"), &all).await
}

#[tokio::test]
async fn the_payment_that_reaches_the_award_marks_the_grant_paid() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences")
        .report_days(45)
        .insert(&app);
    let id = GrantBuilder::new(p).status(Status::Approved).insert(&app);
    let (t, _, treasurer) = app.signed_in(&[Role::Treasurer]).await;

    let (s, body) = t.page(&format!("/staff/grants/{id}/payments")).await;
    assert_eq!(s, 200);
    assert!(body.contains("$2,000.00"), "the award is shown");
    assert!(
        body.contains("value=\"2000.00\""),
        "the amount is prefilled"
    );
    assert!(body.contains(AMA), "the applicant's address is shown");

    // A first part: the grant stays approved, the report's due date is set.
    let r = pay(&t, id, &[("amount", "500")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/staff/grants/{id}/payments"));
    assert_eq!(status_of(&app, id), Status::Approved);
    let a = apps::find(&mut app.db(), id).expect("app");
    assert_eq!(a.report_due_on, Some(day(2030, 8, 3) + Duration::days(45)));
    let m = app.wait_for_mail(AMA, "grant_payment_sent").await;
    assert!(m.text.contains("$500.00"), "{}", m.text);
    assert!(
        m.text.contains("$1,500.00 of your grant is still to come"),
        "{}",
        m.text
    );
    assert!(m.text.contains("17 September 2030"), "{}", m.text);
    assert!(
        m.text.contains("http://steward.test/grants/portal/enter/"),
        "{}",
        m.text
    );

    // More than what is left is refused, next to the amount.
    let r = pay(&t, id, &[("amount", "1,500.01")]).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("more than the award of $2,000.00"), "{body}");
    assert!(body.contains("$1,500.00 is still to pay"), "{body}");
    assert!(
        body.contains("value=\"1,500.01\""),
        "what was typed is kept"
    );
    assert_eq!(payments(&app, id).len(), 1);

    // The rest: paid in full.
    let r = pay(&t, id, &[("amount", "1500.00"), ("method", "paypal")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::Paid);
    assert_eq!(app.outbox_count("grant_payment_sent"), 2);
    let events = apps::events(&mut app.db(), id).expect("events");
    assert_eq!(events.last().expect("event").to_status, "paid");
    let logged = app.audit("grant.payment");
    assert_eq!(logged.len(), 2);
    assert!(logged[1].details.contains("paid in full"), "{logged:?}");
    assert!(logged.iter().all(|e| e.actor == treasurer));

    // Nothing more can be paid.
    let r = pay(&t, id, &[("amount", "1")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(payments(&app, id).len(), 2);
    let (_, body) = t.page(&format!("/staff/grants/{id}/payments")).await;
    assert!(
        body.contains("This grant has been paid in full: nothing more can be recorded."),
        "the flash says why: {body}"
    );
    assert!(!body.contains("Record payment"), "no form any more");
}

#[tokio::test]
async fn payments_in_other_currencies_use_the_rate() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences").insert(&app);
    programmes::set_rate(&mut app.db(), "EUR", 1_100_000, "admin@example.org").expect("rate");
    // €1,000 decided at 1.08.
    let id = GrantBuilder::new(p)
        .status(Status::Approved)
        .currency("EUR")
        .requested(100_000)
        .award(100_000, 108_000)
        .insert(&app);
    let (t, _, _) = app.signed_in(&[Role::Treasurer]).await;

    let (_, body) = t.page(&format!("/staff/grants/{id}/payments")).await;
    assert!(
        body.contains("value=\"1.1\""),
        "the reference rate is prefilled"
    );
    assert!(body.contains("EUR 1.1"), "reference rates are listed");

    // $540 is €500 at the decision's rate.
    let r = pay(&t, id, &[("amount", "540"), ("currency", "USD")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::Approved);
    // Paid so far and still to pay read in the award's currency (with the dollar figure).
    let (_, body) = t.page(&format!("/staff/grants/{id}/payments")).await;
    assert!(body.contains("€500.00 ($540.00 in USD)"), "{body}");
    assert!(
        body.contains("still to pay <strong>€500.00</strong>"),
        "{body}"
    );
    // €500 with no rate typed: the reference rate (1.10) is used.
    let r = pay(&t, id, &[("amount", "500"), ("currency", "EUR")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::Paid);
    assert_eq!(
        payments(&app, id),
        vec![
            (54_000, "USD".into(), 1_000_000, 54_000),
            (50_000, "EUR".into(), 1_100_000, 55_000),
        ]
    );

    // A rate typed by the treasurer wins over the reference rate.
    let id2 = GrantBuilder::new(p)
        .status(Status::Approved)
        .currency("EUR")
        .requested(100_000)
        .award(100_000, 108_000)
        .insert(&app);
    let r = pay(
        &t,
        id2,
        &[("amount", "1000"), ("currency", "EUR"), ("rate", "1.0925")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        payments(&app, id2),
        vec![(100_000, "EUR".into(), 1_092_500, 109_250)]
    );
}

#[tokio::test]
async fn malformed_payments_are_refused_next_to_the_field() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences").insert(&app);
    let id = GrantBuilder::new(p).status(Status::Approved).insert(&app);
    let (t, _, _) = app.signed_in(&[Role::Treasurer]).await;
    let future = (today() + Duration::days(5)).format("%Y-%m-%d").to_string();
    // (fields, the field whose message shows, part of the message)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("amount", "abc")], "amount", "in figures"),
        (vec![("amount", "-5")], "amount", "cannot be negative"),
        (vec![("amount", "1e9999")], "amount", "in figures"),
        (
            vec![("amount", "1,5")],
            "amount",
            "commas only between thousands",
        ),
        (vec![("amount", "10.001")], "amount", "at most 2 digits"),
        (vec![("amount", "")], "amount", "Enter an amount"),
        (vec![("amount", "0")], "amount", "more than zero"),
        (
            vec![("amount", "100"), ("paid_on", "2027-02-30")],
            "paid_on",
            "as a date like",
        ),
        (
            vec![("amount", "100"), ("paid_on", "31/01/2027")],
            "paid_on",
            "as a date like",
        ),
        (
            vec![("amount", "100"), ("paid_on", "")],
            "paid_on",
            "Enter the date",
        ),
        (
            vec![("amount", "100"), ("paid_on", "1999-12-31")],
            "paid_on",
            "between the years",
        ),
        (
            vec![("amount", "100"), ("paid_on", &future)],
            "paid_on",
            "cannot be in the future",
        ),
        (
            vec![("amount", "100"), ("method", "gold")],
            "method",
            "Choose how the grant was paid",
        ),
        (
            vec![("amount", "100"), ("currency", "XXX")],
            "currency",
            "Choose a currency",
        ),
        (
            vec![("amount", "100"), ("currency", "GBP")],
            "rate",
            "no reference rate for GBP",
        ),
        (
            vec![("amount", "100"), ("currency", "EUR"), ("rate", "0")],
            "rate",
            "more than zero",
        ),
        (
            vec![("amount", "100"), ("currency", "EUR"), ("rate", "-1.2")],
            "rate",
            "more than zero",
        ),
        (
            vec![("amount", "100"), ("currency", "EUR"), ("rate", "abc")],
            "rate",
            "in figures",
        ),
        (
            vec![("amount", "100"), ("currency", "EUR"), ("rate", "1,08")],
            "rate",
            "in figures",
        ),
        (
            vec![
                ("amount", "100"),
                ("currency", "EUR"),
                ("rate", "0.0000001"),
            ],
            "rate",
            "at most 6 digits",
        ),
        (
            vec![("amount", "100"), ("reference", "line one\nline two")],
            "reference",
            "on one line",
        ),
    ];
    for (fields, field, message) in cases {
        let r = pay(&t, id, &fields).await;
        assert_eq!(r.status(), 422, "{fields:?}");
        let body = r.text().await.expect("body");
        assert!(
            body.contains(&format!("id=\"{field}-error\"")),
            "{fields:?}: no message next to {field}"
        );
        assert!(body.contains(message), "{fields:?}: expected {message:?}");
    }
    // Script typed into a field comes back escaped.
    let r = pay(&t, id, &[("amount", "<script>alert(1)</script>")]).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(!body.contains("<script>alert(1)"));
    assert!(body.contains("&#60;script&#62;alert(1)"));

    assert!(payments(&app, id).is_empty(), "nothing was recorded");
    assert_eq!(status_of(&app, id), Status::Approved);
    assert_eq!(app.outbox_count("grant_payment_sent"), 0);
}

#[tokio::test]
async fn amounts_that_would_overflow_are_refused() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences").insert(&app);
    programmes::set_rate(&mut app.db(), "EUR", 1_080_000, "admin@example.org").expect("rate");
    let id = GrantBuilder::new(p)
        .status(Status::Approved)
        .currency("EUR")
        .requested(900_000_000_000)
        .award(900_000_000_000, 972_000_000_000)
        .insert(&app);
    let (t, _, _) = app.signed_in(&[Role::Treasurer]).await;
    for (amount, rate, message) in [
        ("99999999999999999999", "", "too large"),
        ("9223372036854775807", "", "too large"),
        ("10,000,000,001", "", "too large"),
        // Within the amount limit, but far past it once converted.
        ("9,000,000,000", "1000000", "more than"),
        ("9,000,000,000", "99999999", "too large"),
    ] {
        let r = pay(
            &t,
            id,
            &[("amount", amount), ("currency", "EUR"), ("rate", rate)],
        )
        .await;
        assert_eq!(r.status(), 422, "{amount} at {rate}");
        let body = r.text().await.expect("body");
        assert!(body.contains(message), "{amount} at {rate}: {message}");
    }
    assert!(payments(&app, id).is_empty());
}

#[tokio::test]
async fn two_treasurers_paying_at_once_pay_once() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences").insert(&app);
    let id = GrantBuilder::new(p).status(Status::Approved).insert(&app);
    let (a, _, _) = app.signed_in(&[Role::Treasurer]).await;
    let (b, _, _) = app.signed_in(&[Role::Treasurer]).await;
    let (ra, rb) = tokio::join!(
        pay(&a, id, &[("amount", "2000")]),
        pay(&b, id, &[("amount", "2000")])
    );
    assert_eq!(ra.status(), 303);
    assert_eq!(rb.status(), 303);
    assert_eq!(payments(&app, id).len(), 1, "one payment, not two");
    assert_eq!(status_of(&app, id), Status::Paid);
    assert_eq!(app.outbox_count("grant_payment_sent"), 1);
}

#[tokio::test]
async fn only_approved_grants_take_payments() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences").insert(&app);
    let (t, _, _) = app.signed_in(&[Role::Treasurer]).await;
    for status in [
        Status::Submitted,
        Status::UnderReview,
        Status::Declined,
        Status::Withdrawn,
        Status::ReportDue,
        Status::Closed,
    ] {
        let id = GrantBuilder::new(p).status(status).insert(&app);
        let r = pay(&t, id, &[("amount", "100")]).await;
        assert_eq!(r.status(), 303, "{status:?}");
        assert!(payments(&app, id).is_empty(), "{status:?}");
        assert_eq!(status_of(&app, id), status);
        // Never awarded: no payments page at all (it would show the applicant's details).
        let page = t
            .get(&format!("/staff/grants/{id}/payments"))
            .await
            .status();
        let approved = apps::decision(&mut app.db(), id)
            .expect("decision")
            .is_some_and(|d| d.approved());
        if approved {
            assert_eq!(page, 200, "{status:?}");
        } else {
            assert_eq!(page, 404, "{status:?}");
        }
    }
    // An application that does not exist.
    assert_eq!(pay(&t, 999_999, &[("amount", "100")]).await.status(), 404);
    assert_eq!(t.get("/staff/grants/999999/payments").await.status(), 404);
}

/// (method, path, who may use it)
fn money_routes(id: i64) -> Vec<(&'static str, String, Vec<Role>)> {
    let look = vec![Role::GrantsDecider, Role::Treasurer];
    let act = vec![Role::Treasurer];
    vec![
        ("GET", "/staff/grants/payments".into(), look.clone()),
        ("GET", "/staff/grants/budget".into(), look.clone()),
        ("GET", format!("/staff/grants/{id}/payments"), look),
        ("POST", format!("/staff/grants/{id}/payments"), act.clone()),
        ("POST", format!("/staff/grants/{id}/close"), act),
    ]
}

async fn send(c: &TestClient, method: &str, path: &str) -> reqwest::Response {
    match method {
        "GET" => c.get(path).await,
        _ => {
            c.post(
                path,
                &[
                    ("amount", "2000"),
                    ("paid_on", "2026-11-01"),
                    ("method", "bank_transfer"),
                    ("currency", "USD"),
                    ("note", "done"),
                ],
            )
            .await
        }
    }
}

fn snapshot(app: &TestApp) -> String {
    let a: Vec<(i64, String, Option<NaiveDate>)> = grant_applications::table
        .order(grant_applications::id)
        .select((
            grant_applications::id,
            grant_applications::status,
            grant_applications::report_due_on,
        ))
        .load(&mut app.db())
        .expect("apps");
    let d: i64 = grant_disbursements::table
        .count()
        .get_result(&mut app.db())
        .expect("count");
    format!("{a:?}{d}")
}

#[tokio::test]
async fn every_money_route_checks_the_role() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences").insert(&app);
    let id = GrantBuilder::new(p).status(Status::Approved).insert(&app);
    let before = snapshot(&app);

    let anon = app.new_client();
    for (method, path, _) in money_routes(id) {
        let r = send(&anon, method, &path).await;
        assert_eq!(r.status(), 303, "{method} {path}");
        assert!(location(&r).starts_with("/login"), "{method} {path}");
    }
    for role in Role::ALL {
        let (c, _, _) = app.signed_in(&[role]).await;
        for (method, path, allowed) in money_routes(id) {
            if allowed.contains(&role) {
                continue;
            }
            let r = send(&c, method, &path).await;
            assert_eq!(r.status(), 403, "{role:?} {method} {path}");
        }
    }
    let (none, _, _) = app.signed_in(&[]).await;
    for (method, path, _) in money_routes(id) {
        assert_eq!(
            send(&none, method, &path).await.status(),
            403,
            "{method} {path}"
        );
    }
    assert_eq!(before, snapshot(&app), "refused requests changed nothing");

    // Deciders look but do not pay.
    let (d, _, _) = app.signed_in(&[Role::GrantsDecider]).await;
    for (method, path, _) in money_routes(id) {
        if method == "GET" {
            assert_eq!(d.get(&path).await.status(), 200, "{path}");
        }
    }
    let (_, body) = d.page(&format!("/staff/grants/{id}/payments")).await;
    assert!(body.contains("The treasurer records payments"));
    assert!(!body.contains("Record payment"));

    // The treasurer reaches every page and pays.
    let (t, _, _) = app.signed_in(&[Role::Treasurer]).await;
    for (method, path, _) in money_routes(id) {
        if method == "GET" {
            assert_eq!(t.get(&path).await.status(), 200, "{path}");
        }
    }
    assert_eq!(pay(&t, id, &[("amount", "2000")]).await.status(), 303);
    assert_eq!(status_of(&app, id), Status::Paid);
}

#[tokio::test]
async fn staff_recused_from_a_grant_get_none_of_its_money_pages() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences").insert(&app);
    let id = GrantBuilder::new(p).status(Status::Approved).insert(&app);
    let other = GrantBuilder::new(p).status(Status::Approved).insert(&app);
    let (c, user, _) = app
        .signed_in(&[Role::GrantsDecider, Role::GrantsReviewer, Role::Treasurer])
        .await;
    recuse(&app, id, user, "I organise this event.");
    let before = snapshot(&app);
    for (method, path, _) in money_routes(id) {
        if path.contains(&format!("/{id}/")) {
            assert_eq!(
                send(&c, method, &path).await.status(),
                403,
                "{method} {path}"
            );
        }
    }
    assert_eq!(before, snapshot(&app));
    // Other grants are untouched by the recusal.
    assert_eq!(
        c.get(&format!("/staff/grants/{other}/payments"))
            .await
            .status(),
        200
    );
    // The list does not offer the grant they are recused from.
    let (_, body) = c.page("/staff/grants/payments").await;
    assert!(body.contains(&format!("/staff/grants/{other}/payments")));
    assert!(!body.contains(&format!("/staff/grants/{id}/payments")));
}

#[tokio::test]
async fn a_grant_closes_only_after_its_report_is_received() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences").insert(&app);
    let (t, _, _) = app.signed_in(&[Role::Treasurer]).await;
    let paid = GrantBuilder::new(p).status(Status::Paid).insert(&app);
    let r = t
        .post(&format!("/staff/grants/{paid}/close"), &[("note", "")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, paid), Status::Paid);
    let closes = || {
        app.audit("grant.status")
            .into_iter()
            .filter(|e| e.details.contains("→ closed"))
            .count()
    };
    assert_eq!(closes(), 0);

    let received = GrantBuilder::new(p)
        .status(Status::ReportReceived)
        .insert(&app);
    // The report's attachment is listed and downloadable here; the application's own PDF is
    // not served from this page, and a reviewer cannot use it.
    let file_ids: Vec<i64> = ["report", "application"]
        .into_iter()
        .map(|purpose| {
            let name = format!("{purpose}.pdf");
            add_file(&app, received, purpose, &name, PDF, "application/pdf")
        })
        .collect();
    let (_, body) = t.page(&format!("/staff/grants/{received}/payments")).await;
    assert!(body.contains("Close the grant"));
    let report_url = format!("/staff/grants/{received}/payments/files/{}", file_ids[0]);
    assert!(body.contains(&report_url), "{body}");
    let r = t.get(&report_url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("attachment")
    );
    let other = format!("/staff/grants/{received}/payments/files/{}", file_ids[1]);
    assert_eq!(t.get(&other).await.status(), 404);
    let (reviewer, _, _) = app.signed_in(&[Role::GrantsReviewer]).await;
    assert_eq!(reviewer.get(&report_url).await.status(), 403);
    let r = t
        .post(
            &format!("/staff/grants/{received}/close"),
            &[("note", "Report read, receipts fine.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, received), Status::Closed);
    let logged = app.audit("grant.status");
    assert!(
        logged.iter().any(|e| e
            .details
            .contains("report_received → closed (Report read, receipts fine.)")),
        "{logged:?}"
    );
    // Twice: refused, nothing changes.
    let r = t
        .post(&format!("/staff/grants/{received}/close"), &[("note", "")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, received), Status::Closed);
    assert_eq!(closes(), 1, "closed once");
}

fn reminders_of(app: &TestApp, id: i64) -> Vec<String> {
    let mut v: Vec<String> = grant_report_reminders::table
        .filter(grant_report_reminders::application_id.eq(id))
        .select(grant_report_reminders::kind)
        .load(&mut app.db())
        .expect("reminders");
    v.sort();
    v
}

#[tokio::test]
async fn report_reminders_go_out_once_each_across_restarts() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences")
        .report_days(30)
        .insert(&app);
    let id = GrantBuilder::new(p)
        .status(Status::Paid)
        .dates(day(2030, 8, 1), day(2030, 8, 3))
        .report_due(day(2030, 9, 2))
        .insert(&app);
    let due = day(2030, 9, 2);
    let kind = "grant_report_reminder";

    // The event's last day: not over yet.
    app.housekeeping(day(2030, 8, 3));
    assert_eq!(status_of(&app, id), Status::Paid);
    // The day after: the report is due, but no reminder before two weeks ahead.
    app.housekeeping(day(2030, 8, 4));
    assert_eq!(status_of(&app, id), Status::ReportDue);
    assert_eq!(app.outbox_count(kind), 0);
    let history = apps::events(&mut app.db(), id).expect("events");
    assert_eq!(history.last().expect("event").actor, "grant reports");

    // Two weeks before, run twice (a restart): one email.
    app.housekeeping(due - Duration::days(14));
    app.housekeeping(due - Duration::days(14));
    assert_eq!(app.outbox_count(kind), 1);
    app.housekeeping(due - Duration::days(3));
    assert_eq!(app.outbox_count(kind), 1);
    // On the day.
    app.housekeeping(due);
    app.housekeeping(due);
    app.housekeeping(due + Duration::days(3));
    assert_eq!(app.outbox_count(kind), 2);
    // A week late: overdue, once.
    app.housekeeping(due + Duration::days(7));
    app.housekeeping(due + Duration::days(8));
    app.housekeeping(due + Duration::days(60));
    assert_eq!(app.outbox_count(kind), 3);
    assert_eq!(
        reminders_of(&app, id),
        vec!["due_soon", "due_today", "overdue"]
    );

    let subjects: Vec<String> = outbox::table
        .filter(outbox::kind.eq(kind))
        .order(outbox::id)
        .select(outbox::subject)
        .load(&mut app.db())
        .expect("subjects");
    assert_eq!(
        subjects,
        vec![
            "Your report on PyCon Ghana 2030 is due on 2 September 2030",
            "Your report on PyCon Ghana 2030 is due",
            "Your report on PyCon Ghana 2030 is overdue",
        ]
    );
    let bodies: Vec<String> = outbox::table
        .filter(outbox::kind.eq(kind))
        .filter(outbox::to_addr.eq(AMA))
        .order(outbox::id)
        .select(outbox::body_text)
        .load(&mut app.db())
        .expect("bodies");
    assert_eq!(bodies.len(), 3);
    assert!(bodies[0].contains("in 14 days"), "{}", bodies[0]);
    assert!(bodies[1].contains("due today"), "{}", bodies[1]);
    assert!(bodies[2].contains("7 days ago"), "{}", bodies[2]);
    assert!(
        bodies
            .iter()
            .all(|b| b.contains("http://steward.test/grants/portal/enter/"))
    );
    assert_eq!(app.audit("grant.report_reminder").len(), 3);
}

#[tokio::test]
async fn a_report_first_seen_late_gets_only_the_latest_reminder() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences")
        .report_days(30)
        .insert(&app);
    // Paid without a due date on record (set before this feature): the job sets it.
    let id = GrantBuilder::new(p)
        .status(Status::Paid)
        .dates(day(2030, 8, 1), day(2030, 8, 3))
        .insert(&app);
    app.housekeeping(day(2030, 9, 20));
    assert_eq!(status_of(&app, id), Status::ReportDue);
    assert_eq!(
        apps::find(&mut app.db(), id).expect("app").report_due_on,
        Some(day(2030, 9, 2))
    );
    assert_eq!(app.outbox_count("grant_report_reminder"), 1, "overdue only");
    assert_eq!(
        reminders_of(&app, id),
        vec!["due_soon", "due_today", "overdue"]
    );
}

#[tokio::test]
async fn received_reports_get_no_reminder() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences")
        .report_days(30)
        .insert(&app);
    for status in [Status::ReportReceived, Status::Closed, Status::Approved] {
        GrantBuilder::new(p)
            .status(status)
            .report_due(day(2030, 9, 2))
            .insert(&app);
    }
    app.housekeeping(day(2030, 9, 2));
    app.housekeeping(day(2030, 9, 20));
    assert_eq!(app.outbox_count("grant_report_reminder"), 0);
}

#[tokio::test]
async fn concurrent_workers_send_each_reminder_once() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences")
        .report_days(30)
        .insert(&app);
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = GrantBuilder::new(p)
            .status(Status::Paid)
            .email(&format!("organiser{i}@example.org"))
            .report_due(day(2030, 9, 2))
            .insert(&app);
        ids.push(id);
    }
    let today = day(2030, 9, 2);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let db = app.state.db.clone();
            let settings = app.state.settings.clone();
            std::thread::spawn(move || {
                let mut c = db.get().expect("connection");
                grant_money::report_jobs(&mut c, &settings, today)
            })
        })
        .collect();
    let mut moved = 0;
    let mut reminded = 0;
    for h in handles {
        let r = h.join().expect("thread").expect("report job");
        moved += r.moved;
        reminded += r.reminded;
    }
    assert_eq!(moved, 5, "each grant moved by one worker");
    assert_eq!(reminded, 5, "each worker reports only what it sent");
    assert_eq!(app.outbox_count("grant_report_reminder"), 5);
    for id in ids {
        assert_eq!(status_of(&app, id), Status::ReportDue);
        let moves = apps::events(&mut app.db(), id)
            .expect("events")
            .iter()
            .filter(|e| e.to_status == "report_due")
            .count();
        assert_eq!(moves, 1);
    }
}

#[tokio::test]
async fn overdue_reports_are_flagged() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences")
        .report_days(30)
        .insert(&app);
    let late = GrantBuilder::new(p)
        .status(Status::ReportDue)
        .organisation("PyData Lagos")
        .event("PyData Lagos 2026")
        .dates(today() - Duration::days(60), today() - Duration::days(59))
        .report_due(today() - Duration::days(10))
        .insert(&app);
    GrantBuilder::new(p)
        .status(Status::ReportDue)
        .report_due(today() + Duration::days(10))
        .insert(&app);
    // The same group applies again.
    let again = GrantBuilder::new(p)
        .organisation("PyData Lagos Inc.")
        .insert(&app);

    let overdue =
        steward::models::grant_applications::count_reports_overdue(&mut app.db(), today())
            .expect("overdue");
    assert_eq!(overdue, 1, "only the late one");
    // Reviewers see the group's overdue report on the new application's page.
    let (d, _, _) = app.signed_in(&[Role::GrantsDecider]).await;
    let (s, body) = d.page(&format!("/staff/grants/{again}")).await;
    assert_eq!(s, 200);
    let earlier = body
        .split("Earlier applications of the same group")
        .nth(1)
        .expect("earlier applications");
    let earlier = &earlier[..earlier.find("</section>").expect("section end")];
    assert!(earlier.contains(&format!("G-{late}")), "{earlier}");
    assert_eq!(earlier.matches("report overdue").count(), 1, "{earlier}");

    let (t, _, _) = app.signed_in(&[Role::Treasurer]).await;
    let (s, body) = t.page("/staff/grants/payments").await;
    assert_eq!(s, 200);
    assert!(body.contains("1 report is overdue"), "{body}");
    let first = body.find("PyData Lagos 2026").expect("listed");
    let second = body.find("PyCon Ghana 2030").expect("listed");
    assert!(first < second, "overdue first");
    let (_, body) = t.page(&format!("/staff/grants/{late}/payments")).await;
    assert!(body.contains("report overdue"));
}

#[tokio::test]
async fn the_budget_page_shows_each_programme_with_a_well_formed_chart() {
    let app = TestApp::spawn().await;
    let hostile = "<script>alert(1)</script> & \"Sprints\" </text></svg><svg onload=alert(2)>";
    let events = ProgrammeBuilder::event("Conferences").insert(&app);
    let sprints = ProgrammeBuilder::event(hostile).insert(&app);
    ProgrammeBuilder::new("Closed and unused", "sprint")
        .closed()
        .insert(&app);
    programmes::set_cap(&mut app.db(), events, 2030, 1_000_000).expect("cap");
    programmes::set_cap(&mut app.db(), sprints, 2030, 100_000).expect("cap");
    // Conferences 2030: $3,000 committed, $2,000 paid → $5,000 remaining.
    GrantBuilder::new(events)
        .status(Status::Approved)
        .award(300_000, 300_000)
        .insert(&app);
    let paid = GrantBuilder::new(events)
        .status(Status::Paid)
        .award(200_000, 200_000)
        .insert(&app);
    paid_out(&app, paid, 200_000);
    // Declined and withdrawn grants count for nothing.
    GrantBuilder::new(events)
        .status(Status::Declined)
        .insert(&app);
    // Sprints 2030: $1,500 awarded against a $1,000 cap.
    GrantBuilder::new(sprints)
        .status(Status::Approved)
        .award(150_000, 150_000)
        .insert(&app);

    let (c, _, _) = app.signed_in(&[Role::GrantsDecider]).await;
    let (s, body) = c.page("/staff/grants/budget?year=2030").await;
    assert_eq!(s, 200);
    for figure in [
        "$10,000.00",
        "$3,000.00",
        "$2,000.00",
        "$5,000.00",
        "over by $500.00",
    ] {
        assert!(body.contains(figure), "{figure}");
    }
    assert!(
        !body.contains("Closed and unused"),
        "a closed programme with nothing is left out"
    );
    assert!(body.contains("<option value=\"2030\" selected>"));
    assert!(!body.contains("<script>alert(1)"));
    assert!(!body.contains("<svg onload"));
    assert!(body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));

    let start = body.find("<svg").expect("a chart");
    let end = body.rfind("</svg>").expect("chart ends") + "</svg>".len();
    let svg = &body[start..end];
    assert_well_formed_xml(svg);
    assert_eq!(svg.matches("<svg").count(), 1, "one svg element");
    assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("<title id=\"budget-chart-title\">"));
    assert!(
        svg.contains("class=\"budget-bar over\""),
        "the over-cap bar is marked"
    );
    assert!(!svg.contains("style="), "no inline styles (CSP)");
    assert_eq!(svg.matches("class=\"budget-bar").count(), 2);

    // Another year, and nonsense for a year.
    let (s, body) = c.page("/staff/grants/budget?year=2031").await;
    assert_eq!(s, 200);
    assert!(body.contains("Grants budget 2031"));
    assert!(
        body.contains("no cap set"),
        "open programmes are listed without a cap"
    );
    let (s, _) = c.page("/staff/grants/budget?year=%3Cscript%3E").await;
    assert_eq!(s, 200);
    let (s, _) = c.page("/staff/grants/budget?year=99999999999").await;
    assert_eq!(s, 200);
}

#[test]
fn the_xml_checker_catches_broken_markup() {
    assert_well_formed_xml("<svg a=\"1\"><g><text>x &amp; y</text></g></svg>");
    for bad in [
        "<svg><g></svg>",
        "<svg a=1></svg>",
        "<svg><text>a & b</text></svg>",
        "<svg><text>a <script> b</text></svg>",
        "<svg>",
    ] {
        assert!(
            std::panic::catch_unwind(|| assert_well_formed_xml(bad)).is_err(),
            "{bad}"
        );
    }
}
