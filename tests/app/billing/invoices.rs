//! Invoices on the staff side: issuing (gapless numbers under concurrency), manual payments
//! and refunds, flagged payments, printable pages, and role checks.

use chrono::NaiveDate;
use diesel::prelude::*;
use steward::domain::Role;
use steward::domain::sponsorship::Status;
use steward::models::invoices;
use steward::services::{Actor, billing};

use crate::fixtures::sponsorships::{
    billing as billing_addr, sponsor, sponsorship, status_of, tier,
};
use crate::helpers::{TestApp, TestClient, linked_ids, location};

async fn money_staff(app: &TestApp) -> TestClient {
    app.signed_in(&[Role::Treasurer]).await.0
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

#[tokio::test]
async fn invoice_numbers_have_no_gaps_or_duplicates_under_concurrent_issuing() {
    let app = TestApp::spawn().await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let mut ids = Vec::new();
    for i in 0..12 {
        let s = sponsor(&app, &format!("Sponsor {i}"));
        ids.push(sponsorship(&app, s, t, Status::AgreementAccepted));
    }
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(ids.len()));
    let threads: Vec<_> = ids
        .iter()
        .map(|&id| {
            let mut conn = steward::db::Manager::new(&app.database_url)
                .connect_now()
                .expect("own connection");
            let settings = app.state.settings.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                billing::issue_invoice(
                    &mut conn,
                    &settings,
                    &Actor::system("test"),
                    id,
                    d("2027-03-01"),
                    d("2027-03-31"),
                )
                .map(|i| i.number)
            })
        })
        .collect();
    let mut numbers: Vec<String> = threads
        .into_iter()
        .map(|t| t.join().expect("thread").expect("issued"))
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=12).map(|n| format!("2027-{n:04}")).collect();
    assert_eq!(numbers, expected);
    for id in &ids {
        assert_eq!(status_of(&app, *id), "invoiced");
    }
    // Concurrent requests over HTTP for the same sponsorship: one invoice.
    let s = sponsor(&app, "Twice");
    let id = sponsorship(&app, s, t, Status::AgreementAccepted);
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let c = money_staff(&app).await;
        tasks.push(tokio::spawn(async move {
            c.post(
                &format!("/staff/sponsorships/{id}/invoice"),
                &[("issued_on", "2027-03-02"), ("due_on", "")],
            )
            .await
            .status()
            .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), 303);
    }
    let list = invoices::for_sponsorship(&mut app.db(), id).expect("list");
    assert_eq!(list.len(), 1, "one invoice");
    assert_eq!(list[0].number, "2027-0013");
    assert_eq!(list[0].due_on, d("2027-04-01"), "30 days by default");
    // A second invoice for the same sponsorship is refused with a message.
    let c = money_staff(&app).await;
    let r = c
        .post(
            &format!("/staff/sponsorships/{id}/invoice"),
            &[("from", "invoices")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/invoices");
    let (_, body) = c.page("/staff/invoices").await;
    assert!(body.contains("once the agreement is accepted"), "{body}");
    assert!(body.contains("2027-0013"));
    assert_eq!(
        invoices::for_sponsorship(&mut app.db(), id)
            .expect("list")
            .len(),
        1
    );
}

/// An open invoice of $10,000.00 for a sponsorship whose term has started; returns
/// (sponsorship id, invoice id, billing address).
async fn open_invoice(app: &TestApp, c: &TestClient) -> (i64, i64, String) {
    let t = tier(app, "Gold", 1_000_000, None);
    let s = sponsor(app, "Acme");
    let mut db = app.db();
    let id = sponsorship(app, s, t, Status::AgreementAccepted);
    // A term that includes today, so that paying makes it active.
    let today = chrono::Utc::now().date_naive();
    diesel::update(steward::db::schema::sponsorships::table.find(id))
        .set((
            steward::db::schema::sponsorships::start_date.eq(today - chrono::Duration::days(10)),
            steward::db::schema::sponsorships::end_date.eq(today + chrono::Duration::days(300)),
        ))
        .execute(&mut db)
        .expect("term");
    let r = c
        .post(&format!("/staff/sponsorships/{id}/invoice"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let inv = invoices::for_sponsorship(&mut db, id)
        .expect("list")
        .remove(0);
    assert_eq!(location(&r), format!("/staff/invoices/{}", inv.id));
    (id, inv.id, billing_addr("acme"))
}

fn pay<'a>(amount: &'a str, on: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", "payment"),
        ("method", "bank_transfer"),
        ("reference", "TRX-1"),
        ("received_on", on),
        ("amount", amount),
    ]
}

#[tokio::test]
async fn manual_payments_settle_the_invoice_once_and_refunds_are_recorded() {
    let app = TestApp::spawn().await;
    let c = money_staff(&app).await;
    let (sid, inv, to) = open_invoice(&app, &c).await;
    app.wait_for_mail(&to, "invoice_issued").await;
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let path = format!("/staff/invoices/{inv}/payments");

    let (status, body) = c.page(&format!("/staff/invoices/{inv}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("$10,000.00") && body.contains("value=\"10000.00\""));

    // Bad input: message next to the field, 422, input kept, nothing recorded.
    for (amount, on, method, message) in [
        ("abc", today.as_str(), "bank_transfer", "in figures"),
        ("-5", today.as_str(), "bank_transfer", "negative"),
        ("0", today.as_str(), "bank_transfer", "more than zero"),
        ("100", "2027-13-01", "bank_transfer", "a date like"),
        ("100", today.as_str(), "bitcoin", "Choose how"),
        (
            "10000.01",
            today.as_str(),
            "bank_transfer",
            "more than the $10,000.00 still due",
        ),
    ] {
        let mut f = pay(amount, on);
        f[1].1 = method;
        let r = c.post(&path, &f).await;
        assert_eq!(r.status(), 422, "{amount} {on} {method}");
        let body = r.text().await.expect("body");
        assert!(body.contains(message), "{message}: {body}");
        assert!(body.contains(&format!("value=\"{amount}\"")), "input kept");
        assert!(body.contains("field-error"));
    }
    assert!(
        invoices::payments_of(&mut app.db(), inv)
            .expect("p")
            .is_empty()
    );
    // A refund before any payment is refused.
    let r = c
        .post(
            &path,
            &[
                ("kind", "refund"),
                ("refund_method", "bank_transfer"),
                ("refund_received_on", &today),
                ("refund_amount", "10"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("paid and not yet refunded"), "{body}");

    // Partial, then the remainder.
    let r = c.post(&path, &pay("4,000.00", &today)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, sid), "invoiced");
    assert!(invoices::find(&mut app.db(), inv).expect("inv").is_open());
    let (_, body) = c.page(&format!("/staff/invoices/{inv}")).await;
    assert!(body.contains("$6,000.00"), "still due");
    // Overpaying the remainder is refused.
    let r = c.post(&path, &pay("6000.01", &today)).await;
    assert_eq!(r.status(), 422);
    let r = c.post(&path, &pay("6000", &today)).await;
    assert_eq!(r.status(), 303);
    let invoice = invoices::find(&mut app.db(), inv).expect("inv");
    assert!(invoice.is_paid());
    assert_eq!(
        status_of(&app, sid),
        "active",
        "paid and the term has started"
    );
    app.wait_for_mail(&to, "receipt").await;
    assert_eq!(app.outbox_count("receipt"), 1, "one receipt");
    // No further payment once paid.
    let r = c.post(&path, &pay("1", &today)).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("nothing left to pay")
    );
    assert_eq!(app.outbox_count("receipt"), 1);

    // Printable invoice and receipt.
    let (status, body) = c.page(&format!("/staff/invoices/{inv}/print")).await;
    assert_eq!(status, 200);
    assert!(body.contains(&invoice.number));
    let (status, _) = c.page(&format!("/staff/invoices/{inv}/receipt")).await;
    assert_eq!(status, 200);

    // Refunds: over-refund refused, partial recorded, the rest cancels the sponsorship.
    let refund = |amount: &'static str| {
        let today = today.clone();
        let path = path.clone();
        let c = &c;
        async move {
            c.post(
                &path,
                &[
                    ("kind", "refund"),
                    ("refund_method", "bank_transfer"),
                    ("refund_reference", "RF-1"),
                    ("refund_received_on", &today),
                    ("refund_amount", amount),
                ],
            )
            .await
        }
    };
    let r = refund("10000.01").await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("more than the $10,000.00 paid"), "{body}");
    assert!(body.contains("value=\"10000.01\""));
    assert_eq!(refund("2500").await.status(), 303);
    assert!(invoices::find(&mut app.db(), inv).expect("inv").is_paid());
    assert_eq!(status_of(&app, sid), "active");
    assert_eq!(refund("7500").await.status(), 303);
    assert_eq!(
        invoices::find(&mut app.db(), inv).expect("inv").status,
        "refunded"
    );
    assert_eq!(status_of(&app, sid), "cancelled");
    let list = invoices::payments_of(&mut app.db(), inv).expect("payments");
    assert_eq!(list.iter().filter(|p| p.is_refund()).count(), 2);
}

#[tokio::test]
async fn flagged_payments_are_marked_and_can_be_accepted() {
    let app = TestApp::spawn().await;
    let c = money_staff(&app).await;
    let (sid, inv, _) = open_invoice(&app, &c).await;
    // A Stripe payment of the wrong amount arrives flagged.
    let r = billing::record_manual(
        &mut app.db(),
        &app.state.settings,
        &Actor::system("stripe"),
        &billing::PaymentInput {
            invoice_id: inv,
            kind: billing::Kind::Payment,
            method: "card".into(),
            amount_minor: 900_000,
            currency: "USD".into(),
            reference: String::new(),
            received_on: chrono::Utc::now().date_naive(),
            stripe_ref: Some("pi_123".into()),
            refund_of: None,
        },
    )
    .expect("recorded");
    let billing::Recorded::New {
        payment_id,
        flagged,
    } = r
    else {
        panic!("{r:?}")
    };
    assert!(flagged.is_some());
    let (_, body) = c.page(&format!("/staff/invoices/{inv}")).await;
    assert!(
        body.contains("needs a check") && body.contains("Stripe reported"),
        "{body}"
    );
    let (_, body) = c.page("/staff/invoices").await;
    assert!(body.contains("1 payment needs a check"), "{body}");
    let r = c
        .post(&format!("/staff/payments/{payment_id}/accept"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        !invoices::find_payment(&mut app.db(), payment_id)
            .expect("p")
            .flagged
    );
    assert_eq!(status_of(&app, sid), "invoiced", "$9,000 of $10,000");
    // Accepting twice: a clear message, nothing changes.
    let r = c
        .post(&format!("/staff/payments/{payment_id}/accept"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (_, body) = c.page(&format!("/staff/invoices/{inv}")).await;
    assert!(body.contains("no longer flagged"));
}

#[tokio::test]
async fn the_invoice_list_filters_by_status_and_every_route_checks_roles() {
    let app = TestApp::spawn().await;
    let c = money_staff(&app).await;
    let (sid, inv, _) = open_invoice(&app, &c).await;
    let number = invoices::find(&mut app.db(), inv).expect("inv").number;
    let (status, body) = c.page("/staff/invoices?status=open").await;
    assert_eq!(status, 200);
    assert!(body.contains(&number));
    let (_, body) = c.page("/staff/invoices?status=paid").await;
    assert!(!body.contains(&number));
    let (_, body) = c.page("/staff/invoices?status=nonsense").await;
    assert!(body.contains(&number), "unknown filter shows all");
    // The sponsorship page links its invoice.
    let (sponsorships_staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (_, body) = sponsorships_staff
        .page(&format!("/staff/sponsorships/{sid}"))
        .await;
    assert!(body.contains(&number) && body.contains("Record a payment"));

    let gets = [
        "/staff/invoices".to_string(),
        format!("/staff/invoices/{inv}"),
        format!("/staff/invoices/{inv}/print"),
        format!("/staff/invoices/{inv}/receipt"),
    ];
    let posts = [
        format!("/staff/invoices/{inv}/payments"),
        format!("/staff/sponsorships/{sid}/invoice"),
        "/staff/payments/1/accept".to_string(),
    ];
    let anon = app.new_client();
    let (editor, _, _) = app.signed_in(&[Role::Editor, Role::Admin]).await;
    for p in &gets {
        let r = anon.get(p).await;
        assert_eq!(r.status(), 303, "{p}");
        assert!(location(&r).starts_with("/login"), "{p}");
        assert_eq!(editor.get(p).await.status(), 403, "{p}");
    }
    for p in &posts {
        let r = anon.post(p, &pay("10000", "2027-01-01")).await;
        assert_eq!(r.status(), 303, "{p}");
        assert!(location(&r).starts_with("/login"), "{p}");
        assert_eq!(
            editor.post(p, &pay("10000", "2027-01-01")).await.status(),
            403,
            "{p}"
        );
    }
    assert!(
        invoices::payments_of(&mut app.db(), inv)
            .expect("p")
            .is_empty()
    );
}

#[tokio::test]
async fn a_partly_paid_invoice_says_what_is_due_and_the_treasurer_sees_no_dead_links() {
    let app = TestApp::spawn().await;
    let c = money_staff(&app).await;
    let (sid, inv, _) = open_invoice(&app, &c).await;
    let (sponsor_id, _) = {
        let s = steward::models::sponsorships::find(&mut app.db(), sid).expect("s");
        (s.sponsor_id, s.id)
    };
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let (_, body) = c.page("/staff/invoices").await;
    assert!(body.contains("Awaiting payment</span>") && !body.contains("Partly paid"));
    let r = c
        .post(
            &format!("/staff/invoices/{inv}/payments"),
            &pay("4000", &today),
        )
        .await;
    assert_eq!(r.status(), 303);
    for path in [
        "/staff/invoices".to_string(),
        format!("/staff/invoices/{inv}"),
    ] {
        let (status, body) = c.page(&path).await;
        assert_eq!(status, 200);
        assert!(
            body.contains("Partly paid — $6,000.00 due"),
            "{path}: {body}"
        );
        assert!(!body.contains("Awaiting payment</span>"), "{path}");
        // The treasurer may not open sponsor or sponsorship pages: no links to them.
        assert!(!body.contains("href=\"/staff/sponsors/"), "{path}");
        assert!(
            !body.contains("href=\"/staff/sponsorships/"),
            "{path}: {body}"
        );
        assert!(body.contains("Acme"), "{path}: the name is still shown");
    }
    // …and the page they would have reached answers 403 with a way back.
    let (status, body) = c.page(&format!("/staff/sponsors/{sponsor_id}")).await;
    assert_eq!(status, 403);
    assert!(body.contains("href=\"/staff\"") && body.contains("Back to the dashboard"));
    // Sponsorship staff get the links.
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (_, body) = staff.page(&format!("/staff/invoices/{inv}")).await;
    assert!(body.contains(&format!("href=\"/staff/sponsors/{sponsor_id}\"")));
    assert!(body.contains(&format!("href=\"/staff/sponsorships/{sid}\"")));
    let (_, body) = staff.page("/staff/invoices").await;
    assert!(body.contains(&format!("href=\"/staff/sponsors/{sponsor_id}\"")));
    // Paid in full: no longer "partly".
    let r = c
        .post(
            &format!("/staff/invoices/{inv}/payments"),
            &pay("6000", &today),
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, body) = c.page(&format!("/staff/invoices/{inv}")).await;
    assert!(!body.contains("Partly paid") && body.contains(">Paid<"));
}

#[tokio::test]
async fn a_sponsorship_without_a_fee_gets_a_clear_answer_not_an_invoice() {
    let app = TestApp::spawn().await;
    let c = money_staff(&app).await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Nofee");
    let id = sponsorship(&app, s, t, Status::AgreementAccepted);
    diesel::update(steward::db::schema::sponsorships::table.find(id))
        .set(steward::db::schema::sponsorships::fee_minor.eq(0_i64))
        .execute(&mut app.db())
        .expect("fee");
    let e = billing::issue_invoice(
        &mut app.db(),
        &app.state.settings,
        &Actor::system("test"),
        id,
        d("2027-03-01"),
        d("2027-03-31"),
    )
    .expect_err("refused");
    assert!(
        matches!(&e, steward::error::AppError::Conflict(m) if m.contains("no fee")),
        "{e:?}"
    );
    let r = c
        .post(
            &format!("/staff/sponsorships/{id}/invoice"),
            &[("from", "invoices")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, body) = c.page(&location(&r)).await;
    assert_eq!(status, 200);
    assert!(body.contains("nothing to invoice"), "{body}");
    assert!(
        invoices::for_sponsorship(&mut app.db(), id)
            .expect("i")
            .is_empty()
    );
    assert_eq!(status_of(&app, id), "agreement_accepted");
}

#[tokio::test]
async fn a_wrong_invoice_is_voided_keeps_its_number_and_a_corrected_one_follows() {
    let app = TestApp::spawn().await;
    let c = money_staff(&app).await;
    let (sid, inv_id, billing) = open_invoice(&app, &c).await;
    let first = invoices::find(&mut app.db(), inv_id).expect("invoice");

    // A reason is required; nothing changes without one.
    let r = c
        .post(
            &format!("/staff/invoices/{inv_id}/void"),
            &[("void_reason", "  ")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Say why the invoice is void")
    );
    assert!(
        invoices::find(&mut app.db(), inv_id)
            .expect("invoice")
            .is_open()
    );

    // The generic status buttons cannot step back past the invoice.
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let r = staff
        .post(
            &format!("/staff/sponsorships/{sid}/status"),
            &[
                ("from", "invoiced"),
                ("to", "agreement_accepted"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "refused with a message");
    let (_, page) = staff.page(&location(&r)).await;
    assert!(
        page.contains("To go back before the invoice, void the invoice on its page"),
        "{page}"
    );
    assert_eq!(status_of(&app, sid), "invoiced");

    let r = c
        .post(
            &format!("/staff/invoices/{inv_id}/void"),
            &[(
                "void_reason",
                "The fee should have had the small-organisation discount.",
            )],
        )
        .await;
    assert_eq!(r.status(), 303);
    let voided = invoices::find(&mut app.db(), inv_id).expect("invoice");
    assert_eq!(voided.status, "void");
    assert_eq!(
        voided.number, first.number,
        "a voided invoice keeps its number"
    );
    assert_eq!(status_of(&app, sid), "agreement_accepted");
    let m = app.wait_for_mail(&billing, "invoice_voided").await;
    assert!(m.text.contains("small-organisation discount"), "{}", m.text);
    // Twice: refused cleanly.
    let r = c
        .post(
            &format!("/staff/invoices/{inv_id}/void"),
            &[("void_reason", "again")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.outbox_count("invoice_voided"), 1);

    // The corrected invoice takes the next number; the void one stays in the sequence.
    let r = c
        .post(&format!("/staff/sponsorships/{sid}/invoice"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let all = invoices::for_sponsorship(&mut app.db(), sid).expect("list");
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].seq, first.seq + 1);
    assert!(all[1].is_open());
    assert_eq!(status_of(&app, sid), "invoiced");

    // Money on an invoice: it cannot be voided (refund instead).
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let r = c
        .post(
            &format!("/staff/invoices/{}/payments", all[1].id),
            &pay("100", &today),
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = c
        .post(
            &format!("/staff/invoices/{}/void", all[1].id),
            &[("void_reason", "oops")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        invoices::find(&mut app.db(), all[1].id)
            .expect("invoice")
            .is_open()
    );
    // Editors cannot void.
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    let r = editor
        .post(
            &format!("/staff/invoices/{}/void", all[1].id),
            &[("void_reason", "x")],
        )
        .await;
    assert_eq!(r.status(), 403);
}

/// A full refund cancels the sponsorship and frees its place: the first application waiting
/// for that tier comes off the waitlist and sponsorship staff are told.
#[tokio::test]
async fn a_full_refund_frees_the_place_for_the_waitlist() {
    let app = TestApp::spawn().await;
    let c = money_staff(&app).await;
    let _sponsorship_staff = app.signed_in(&[Role::Sponsorships]).await;
    let t = tier(&app, "Visionary", 1_000_000, Some(1));
    let s = sponsor(&app, "Acme");
    let sid = sponsorship(&app, s, t, Status::AgreementAccepted);
    let r = c
        .post(&format!("/staff/sponsorships/{sid}/invoice"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let inv = invoices::for_sponsorship(&mut app.db(), sid)
        .expect("list")
        .remove(0)
        .id;
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let path = format!("/staff/invoices/{inv}/payments");
    assert_eq!(c.post(&path, &pay("10000", &today)).await.status(), 303);
    let waiting = sponsorship(&app, sponsor(&app, "Waiting Co"), t, Status::Applied);
    let row = |id| steward::models::sponsorships::find(&mut app.db(), id).expect("row");
    assert!(row(waiting).waitlisted, "the tier is full");
    let r = c
        .post(
            &path,
            &[
                ("kind", "refund"),
                ("refund_method", "bank_transfer"),
                ("refund_reference", "RF-1"),
                ("refund_received_on", &today),
                ("refund_amount", "10000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, sid), "cancelled");
    assert!(!row(waiting).waitlisted, "off the waitlist");
    assert_eq!(row(waiting).status, "applied", "not approved by itself");
    assert_eq!(app.outbox_count("place_free"), 1);
}

/// The invoice list shows 50 a page, newest first, counts all of them, and keeps the status
/// filter on the next page; every invoice is reachable.
#[tokio::test]
async fn the_invoice_list_pages_through_every_invoice() {
    let app = TestApp::spawn().await;
    let tier = tier(&app, "Gold", 1_000_000, None);
    let mut ids = Vec::new();
    for i in 0..53 {
        let s = sponsor(&app, &format!("Invoiced {i:02}"));
        let id = sponsorship(&app, s, tier, Status::AgreementAccepted);
        ids.push(
            crate::fixtures::sponsorships::issue_invoice(&app, id, crate::fixtures::today()).id,
        );
    }
    ids.reverse();
    let (c, _, _) = app.signed_in(&[Role::Treasurer]).await;
    let listed = |body: &str| linked_ids(body, "<a href=\"/staff/invoices/");
    let (status, first) = c.page("/staff/invoices?status=open").await;
    assert_eq!(status, 200);
    assert!(first.contains("1–50 of 53 invoices"), "{first}");
    assert!(
        first.contains("href=\"/staff/invoices?status=open&#38;page=2\""),
        "{first}"
    );
    let (_, second) = c.page("/staff/invoices?status=open&page=2").await;
    assert!(second.contains("51–53 of 53"), "{second}");
    let mut seen = listed(&first);
    assert_eq!(seen.len(), 50);
    seen.extend(listed(&second));
    assert_eq!(seen, ids, "newest first, each once");
    let (_, paid) = c.page("/staff/invoices?status=paid").await;
    assert!(paid.contains("No invoices with this status."), "{paid}");
}

/// No invoice without the foundation's address and a way to pay: the refusal says what to
/// add and the page links to the setting; nothing is numbered, moved or emailed. The tax ID
/// is printed under the address once written.
#[tokio::test]
async fn an_invoice_is_refused_until_the_foundation_has_an_address_and_payment_instructions() {
    let app = TestApp::spawn().await;
    crate::fixtures::clear_foundation_details(&mut app.db());
    let c = app
        .signed_in(&[Role::Treasurer, Role::Sponsorships])
        .await
        .0;
    let t = tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let id = sponsorship(&app, s, t, Status::AgreementAccepted);
    let (_, page) = c.page(&format!("/staff/sponsorships/{id}")).await;
    assert!(page.contains("Before the first invoice"), "{page}");
    assert!(page.contains("href=\"/staff/settings/billing\""));
    let (_, list) = c.page("/staff/invoices").await;
    assert!(
        list.contains("Before the first invoice"),
        "the ready-to-invoice list says it too"
    );

    let r = c
        .post(&format!("/staff/sponsorships/{id}/invoice"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (kind, message) = crate::helpers::flash(&r).expect("flash");
    assert_eq!(kind, "error");
    assert!(
        message.contains("the foundation's postal address and the bank-transfer instructions"),
        "{message}"
    );
    assert_eq!(status_of(&app, id), "agreement_accepted");
    let n: i64 = steward::db::schema::invoices::table
        .count()
        .get_result(&mut *app.db())
        .expect("count");
    assert_eq!(n, 0);
    assert_eq!(app.outbox_count("invoice_issued"), 0);

    // The address alone is not enough; with the bank details it goes through.
    let save = |bank: &'static str, tax: &'static str| {
        let c = &c;
        async move {
            c.post(
                "/staff/settings/billing",
                &[
                    ("template", "Agreement with {{sponsor}}."),
                    ("bank", bank),
                    ("address", "1 Main St\nAmsterdam"),
                    ("tax_id", tax),
                ],
            )
            .await
        }
    };
    assert_eq!(save("", "").await.status(), 303);
    let r = c
        .post(&format!("/staff/sponsorships/{id}/invoice"), &[])
        .await;
    let (_, message) = crate::helpers::flash(&r).expect("flash");
    assert!(
        message.contains("add the bank-transfer instructions"),
        "{message}"
    );
    // A tax ID that would break a line, or that is too long, is refused next to its field.
    for bad in ["EIN 1\nBcc: x@evil.example", &"9".repeat(101)] {
        let r = c
            .post(
                "/staff/settings/billing",
                &[
                    ("template", "Agreement with {{sponsor}}."),
                    ("bank", "IBAN NL00"),
                    ("address", "1 Main St"),
                    ("tax_id", bad),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.expect("body");
        assert!(body.contains("id=\"tax_id-error\""), "{body}");
        assert!(body.contains("aria-invalid=\"true\""));
    }
    assert_eq!(
        save("IBAN NL00 BANK 0123", "<b>NL 8123</b>").await.status(),
        303
    );
    let r = c
        .post(&format!("/staff/sponsorships/{id}/invoice"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let inv = location(&r);
    assert!(inv.starts_with("/staff/invoices/"), "{inv}");
    let (_, print) = c.page(&format!("{inv}/print")).await;
    assert!(
        print.contains("Tax ID: &#60;b&#62;NL 8123&#60;/b&#62;"),
        "{print}"
    );
    assert!(print.contains("1 Main St"));
}

/// A sponsor's primary or billing contact adds its purchase-order number and VAT ID in the
/// portal before the invoice is issued; both are printed on the invoice, on the file attached
/// to its email and on the receipt's; the foundation's address and tax ID are on them too.
#[tokio::test]
async fn po_number_and_vat_id_reach_the_invoice_and_its_attached_file() {
    use steward::web::extract::portal::LinkKind;
    let app = TestApp::spawn().await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let other = sponsor(&app, "Blue Sky");
    steward::models::sponsors::add_contact(&mut app.db(), s, "Mo", "mo@acme.example", "marketing")
        .expect("contact");
    let id = sponsorship(&app, s, t, Status::AgreementAccepted);
    let b_id = sponsorship(&app, other, t, Status::AgreementAccepted);
    let path = format!("/portal/sponsorships/{id}/invoice-details");

    // The billing contact sees the form; hostile values come back next to their field.
    let billing_c = app
        .link_client(LinkKind::SPONSOR, s, &billing_addr("acme"))
        .await;
    let (_, page) = billing_c.page("/portal/invoices").await;
    assert!(page.contains(&format!("action=\"{path}\"")), "{page}");
    for (po, tax, field) in [
        ("PO-1\r\nBcc: x@evil.example", "DE1", "po_number"),
        ("PO-1", &"D".repeat(51) as &str, "tax_id"),
    ] {
        let r = billing_c
            .post(&path, &[("po_number", po), ("tax_id", tax)])
            .await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.expect("body");
        assert!(
            body.contains(&format!("id=\"{field}-{id}-error\"")),
            "{body}"
        );
        assert!(body.contains("aria-invalid=\"true\""));
    }
    // A marketing contact may not; another sponsor's term is not found.
    let marketing = app
        .link_client(LinkKind::SPONSOR, s, "mo@acme.example")
        .await;
    let (_, page) = marketing.page("/portal/invoices").await;
    assert!(!page.contains(&format!("action=\"{path}\"")));
    let r = marketing
        .post(&path, &[("po_number", "X"), ("tax_id", "Y")])
        .await;
    assert_eq!(r.status(), 403);
    let r = billing_c
        .post(
            &format!("/portal/sponsorships/{b_id}/invoice-details"),
            &[("po_number", "X"), ("tax_id", "Y")],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = billing_c
        .post(
            &path,
            &[("po_number", " PO-4711 "), ("tax_id", "DE<b>123456789</b>")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let b = steward::models::sponsorships::find(&mut app.db(), b_id).expect("b");
    assert_eq!(b.po_number, "", "the other sponsor's term is untouched");

    let inv = crate::fixtures::sponsorships::issue_invoice(&app, id, d("2027-03-01"));
    assert_eq!(inv.po_number, "PO-4711");
    assert_eq!(inv.buyer_tax_id, "DE<b>123456789</b>");
    // Once issued, the invoice keeps what it printed.
    let r = billing_c
        .post(&path, &[("po_number", "PO-9"), ("tax_id", "X")])
        .await;
    assert_eq!(r.status(), 303);
    let (kind, m) = crate::helpers::flash(&r).expect("flash");
    assert_eq!(kind, "error");
    assert!(m.contains("issued already"), "{m}");
    let (_, print) = billing_c
        .page(&format!("/portal/invoices/{}", inv.id))
        .await;
    assert!(print.contains("PO-4711"));
    assert!(
        print.contains("DE&#60;b&#62;123456789&#60;/b&#62;"),
        "{print}"
    );
    assert!(
        print.contains("NL 8123.45.678 B01"),
        "the foundation's tax ID"
    );

    let mail = app
        .wait_for_mail(&billing_addr("acme"), "invoice_issued")
        .await;
    assert_eq!(mail.attachments.len(), 1);
    let (name, ct, body) = &mail.attachments[0];
    assert_eq!(name, &format!("invoice-{}.html", inv.number));
    assert_eq!(ct, "text/html; charset=utf-8");
    for needle in [
        "PO-4711",
        "DE&#60;b&#62;123456789&#60;/b&#62;",
        "1 Main Street",
        "NL 8123.45.678 B01",
        "IBAN NL00 BANK",
        inv.number.as_str(),
    ] {
        assert!(body.contains(needle), "{needle} in {body}");
    }
    assert!(!body.contains("<b>123"), "escaped");
    assert!(
        body.starts_with("<!doctype html>") && !body.contains("/static/"),
        "self-contained"
    );

    crate::fixtures::sponsorships::bank_transfer(&app, inv.id, 1_000_000, "wire", d("2027-03-05"));
    let receipt = app.wait_for_mail(&billing_addr("acme"), "receipt").await;
    assert_eq!(receipt.attachments.len(), 1);
    let (name, _, body) = &receipt.attachments[0];
    assert_eq!(name, &format!("receipt-{}.html", inv.number));
    assert!(body.contains("Receipt") && body.contains("PO-4711") && body.contains("wire"));
}

/// The file travels as a real attachment over SMTP-like transports: a mixed part with the
/// alternatives and the file.
#[tokio::test]
async fn the_invoice_file_is_a_mime_attachment_in_the_written_email() {
    let app =
        TestApp::spawn_with(|s| s.mail_transport = steward::config::MailTransport::File).await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let id = sponsorship(&app, s, t, Status::AgreementAccepted);
    let inv = crate::fixtures::sponsorships::issue_invoice(&app, id, d("2027-03-01"));
    let dir = app.state.settings.data_dir.join("outbox");
    let mut found = None;
    for _ in 0..100 {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                if text.contains(&format!("invoice-{}.html", inv.number)) {
                    found = Some(text);
                }
            }
        }
        if found.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let eml = found.expect("the invoice email is written with its file");
    assert!(eml.contains("multipart/mixed"), "{eml}");
    assert!(eml.contains("multipart/alternative"));
    assert!(eml.contains(&format!(
        "Content-Disposition: attachment; filename=\"invoice-{}.html\"",
        inv.number
    )));
}

/// Staff can write the purchase-order number and the sponsor's tax ID on the sponsorship page
/// before the invoice, as the sponsor can in the portal; hostile values come back next to
/// their field with what was typed; only sponsorship staff.
#[tokio::test]
async fn staff_add_the_po_number_and_tax_id_before_the_invoice() {
    let app = TestApp::spawn().await;
    let c = app.signed_in(&[Role::Sponsorships]).await.0;
    let t = tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let id = sponsorship(&app, s, t, Status::AgreementAccepted);
    let path = format!("/staff/sponsorships/{id}/invoice-details");
    let (_, page) = c.page(&format!("/staff/sponsorships/{id}")).await;
    assert!(page.contains(&format!("action=\"{path}\"")), "{page}");
    let r = c
        .post(
            &path,
            &[
                ("po_number", "PO-1\nBcc: x@evil.example"),
                ("tax_id", "DE1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("id=\"po_number-error\"") && body.contains("value=\"DE1\""),
        "{body}"
    );
    let (treasurer, _, _) = app.signed_in(&[Role::Treasurer]).await;
    assert_eq!(
        treasurer
            .post(&path, &[("po_number", "X"), ("tax_id", "Y")])
            .await
            .status(),
        403
    );
    let r = c
        .post(&path, &[("po_number", "PO-77"), ("tax_id", "DE999")])
        .await;
    assert_eq!(r.status(), 303);
    let inv = crate::fixtures::sponsorships::issue_invoice(&app, id, d("2027-03-01"));
    assert_eq!(
        (inv.po_number.as_str(), inv.buyer_tax_id.as_str()),
        ("PO-77", "DE999")
    );
    assert_eq!(app.audit_count("sponsorship.invoice_details"), 1);
    let r = c
        .post(&path, &[("po_number", "PO-78"), ("tax_id", "DE999")])
        .await;
    let (kind, _) = crate::helpers::flash(&r).expect("flash");
    assert_eq!(kind, "error", "issued already");
}
