//! Stripe: Checkout Sessions against a mocked API (wiremock), and webhooks replayed from the
//! JSON fixtures in `tests/fixtures/stripe/`, signed here with the test secret.

use chrono::NaiveDate;
use diesel::prelude::*;
use steward::domain::Role;
use steward::domain::sponsorship::Status;
use steward::models::invoices::{self, Invoice};
use steward::payments::webhook::header_for;
use steward::services::{Actor, billing};
use steward::web::extract::portal::LinkKind;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::fixtures::sponsorships::bank_transfer;
use crate::fixtures::stripe::{
    FEE_MINOR, Fixture, SECRET, fixture, invoiced_sponsor, mount_session, now, stripe_app,
};
use crate::helpers::{TestApp, TestClient, link_path, location};

const SECRET_NEW: &str = "whsec_test_rotated_fedcba9876543210";

async fn portal(app: &TestApp, f: &Fixture) -> TestClient {
    app.link_client(LinkKind::SPONSOR, f.sponsor_id, &f.billing_email)
        .await
}

/// The values every event fixture needs, for this invoice.
fn values(f: &Fixture, event_id: &str, amount: i64) -> Vec<(&'static str, String)> {
    vec![
        ("EVENT_ID", event_id.to_string()),
        ("INVOICE_ID", f.invoice.id.to_string()),
        ("NUMBER", f.invoice.number.clone()),
        ("AMOUNT", amount.to_string()),
        ("REFUNDED", amount.to_string()),
        ("PI", format!("pi_test_{}", f.invoice.id)),
        ("CHARGE", format!("ch_test_{}", f.invoice.id)),
        ("SESSION_ID", format!("cs_test_{}", f.invoice.id)),
        ("CREATED", now().to_string()),
    ]
}

fn event(name: &str, f: &Fixture, event_id: &str, amount: i64) -> String {
    fixture(name, &values(f, event_id, amount))
}

async fn post_webhook(app: &TestApp, body: &str, header: Option<String>) -> reqwest::Response {
    let mut req = app
        .client
        .http
        .post(app.client.url("/webhooks/stripe"))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some(h) = header {
        req = req.header("Stripe-Signature", h);
    }
    req.send().await.expect("POST webhook")
}

/// Posts a body signed now with the test secret; returns (status, text).
async fn deliver(app: &TestApp, body: &str) -> (u16, String) {
    let r = post_webhook(
        app,
        body,
        Some(header_for(&[SECRET], now(), body.as_bytes())),
    )
    .await;
    let s = r.status().as_u16();
    (s, r.text().await.expect("body"))
}

fn invoice_now(app: &TestApp, id: i64) -> Invoice {
    invoices::find(&mut app.db(), id).expect("invoice")
}

fn payments_of(app: &TestApp, id: i64) -> Vec<invoices::Payment> {
    invoices::payments_of(&mut app.db(), id).expect("payments")
}

fn sponsorship_status(app: &TestApp, id: i64) -> Status {
    steward::models::sponsorships::find(&mut app.db(), id)
        .expect("sponsorship")
        .status()
}

fn stored_events(app: &TestApp) -> Vec<(String, String, String)> {
    use steward::db::schema::stripe_events::dsl::*;
    stripe_events
        .select((event_id, event_type, outcome))
        .order(event_id.asc())
        .load(&mut app.db())
        .expect("events")
}

fn receipts_queued(app: &TestApp, to: &str) -> i64 {
    use steward::db::schema::outbox::dsl::*;
    outbox
        .filter(kind.eq("receipt"))
        .filter(to_addr.eq(to))
        .count()
        .get_result(&mut app.db())
        .expect("count")
}

fn session_rows(
    app: &TestApp,
    invoice_id: i64,
) -> Vec<steward::payments::store::CheckoutSessionRow> {
    steward::payments::store::sessions_of(&mut app.db(), invoice_id).expect("sessions")
}

/// A Stripe API mock that creates one session for `f`'s invoice.
fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

// Checkout.

#[tokio::test]
async fn checkout_asks_stripe_for_the_outstanding_amount_with_an_idempotency_key_and_reuses_the_session()
 {
    let api = MockServer::start().await;
    let app = stripe_app(Some(&api)).await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    // A partial bank transfer was recorded: only the rest is due by card.
    bank_transfer(
        &app,
        f.invoice.id,
        250_000,
        "part",
        NaiveDate::from_ymd_opt(2027, 1, 5).expect("date"),
    );
    let due = FEE_MINOR - 250_000;
    mount_session(&api, &f, due).await;
    let client = portal(&app, &f).await;
    let pay = format!("/portal/invoices/{}/pay", f.invoice.id);

    // The browser tries to set its own price: ignored.
    let r = client
        .post(
            &pay,
            &[("amount", "1"), ("unit_amount", "1"), ("currency", "jpy")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(
        to.starts_with("https://checkout.stripe.com/c/pay/cs_test_"),
        "{to}"
    );

    let reqs = api.received_requests().await.expect("recorded");
    assert_eq!(reqs.len(), 1);
    let req = &reqs[0];
    let key = req
        .headers
        .get("idempotency-key")
        .expect("an Idempotency-Key header")
        .to_str()
        .expect("ascii");
    let who = &steward::auth::token::digest(&f.billing_email)[..12];
    assert_eq!(
        key,
        format!("steward-checkout-{}-{due}USD-1-{who}", f.invoice.id)
    );
    assert_eq!(
        req.headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer sk_test_steward")
    );
    let fields = form_fields(&req.body);
    let id = f.invoice.id.to_string();
    assert_eq!(field(&fields, "mode"), Some("payment"));
    assert_eq!(
        field(&fields, "line_items[0][price_data][unit_amount]"),
        Some(due.to_string().as_str())
    );
    assert_eq!(
        field(&fields, "line_items[0][price_data][currency]"),
        Some("usd")
    );
    assert_eq!(field(&fields, "line_items[0][quantity]"), Some("1"));
    assert_eq!(
        field(&fields, "line_items[0][price_data][product_data][name]"),
        Some(format!("Invoice {}", f.invoice.number).as_str())
    );
    assert_eq!(field(&fields, "client_reference_id"), Some(id.as_str()));
    assert_eq!(field(&fields, "metadata[invoice_id]"), Some(id.as_str()));
    assert_eq!(
        field(&fields, "payment_intent_data[metadata][invoice_id]"),
        Some(id.as_str())
    );
    assert_eq!(
        field(&fields, "success_url"),
        Some(format!("http://steward.test/portal/payments/success?invoice={id}").as_str())
    );
    assert_eq!(
        field(&fields, "cancel_url"),
        Some(format!("http://steward.test/portal/payments/cancelled?invoice={id}").as_str())
    );
    assert!(
        !fields
            .iter()
            .any(|(k, v)| v == "jpy" || k.contains("amount") && v == "1")
    );

    let rows = session_rows(&app, f.invoice.id);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].amount_minor, rows[0].status.as_str()),
        (due, "open")
    );

    // A second click goes to the same open session without asking Stripe again.
    let r = client.post(&pay, &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), to);
    assert_eq!(api.received_requests().await.expect("recorded").len(), 1);
    assert_eq!(session_rows(&app, f.invoice.id).len(), 1);
}

#[tokio::test]
async fn a_stripe_error_shows_a_clear_message_and_stores_nothing() {
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(
            ResponseTemplate::new(400).set_body_raw(fixture("api_error", &[]), "application/json"),
        )
        .mount(&api)
        .await;
    let app = stripe_app(Some(&api)).await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    let client = portal(&app, &f).await;
    let r = client
        .post(&format!("/portal/invoices/{}/pay", f.invoice.id), &[])
        .await;
    assert_eq!(r.status(), 503);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("Card payment is not available right now"),
        "{body}"
    );
    assert!(body.contains("No payment was taken"), "{body}");
    assert!(!body.contains("parameter_invalid_integer") && !body.contains("req_abc123"));
    assert_eq!(api.received_requests().await.expect("recorded").len(), 1);
    assert!(session_rows(&app, f.invoice.id).is_empty());
    assert!(invoice_now(&app, f.invoice.id).is_open());
}

#[tokio::test]
async fn a_sponsor_cannot_start_checkout_for_another_sponsors_invoice() {
    let api = MockServer::start().await;
    let app = stripe_app(Some(&api)).await;
    let mine = invoiced_sponsor(&app, "Acme Cloud");
    let theirs = invoiced_sponsor(&app, "Other Org");
    let client = portal(&app, &mine).await;
    let r = client
        .post(&format!("/portal/invoices/{}/pay", theirs.invoice.id), &[])
        .await;
    assert_eq!(r.status(), 404);
    let (s, _) = client
        .page(&format!(
            "/portal/payments/success?invoice={}",
            theirs.invoice.id
        ))
        .await;
    assert_eq!(s, 404);
    assert!(api.received_requests().await.expect("recorded").is_empty());
    // Without a portal link: off to request one.
    let r = app
        .new_client()
        .post(&format!("/portal/invoices/{}/pay", mine.invoice.id), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/portal/link"));
}

#[tokio::test]
async fn return_pages_tell_the_truth() {
    let app = stripe_app(None).await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    let client = portal(&app, &f).await;
    let (s, body) = client
        .page(&format!(
            "/portal/payments/success?invoice={}",
            f.invoice.id
        ))
        .await;
    assert_eq!(s, 200);
    assert!(body.contains("Stripe has your payment details"), "{body}");
    assert!(
        body.contains("We&#39;ll confirm when Stripe does")
            || body.contains("We'll confirm when Stripe does"),
        "{body}"
    );
    let (s, body) = client
        .page(&format!(
            "/portal/payments/cancelled?invoice={}",
            f.invoice.id
        ))
        .await;
    assert_eq!(s, 200);
    assert!(body.contains("No payment was taken"), "{body}");
    // Once Stripe confirms, the success page says so.
    let (s, _) = deliver(
        &app,
        &event("payment_intent.succeeded", &f, "evt_ret_1", FEE_MINOR),
    )
    .await;
    assert_eq!(s, 200);
    let (_, body) = client
        .page(&format!(
            "/portal/payments/success?invoice={}",
            f.invoice.id
        ))
        .await;
    assert!(body.contains("is <strong>paid</strong>"), "{body}");
}

#[tokio::test]
async fn without_stripe_keys_there_is_no_card_payment() {
    let app = TestApp::spawn().await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    let client = portal(&app, &f).await;
    let r = client
        .post(&format!("/portal/invoices/{}/pay", f.invoice.id), &[])
        .await;
    assert_eq!(r.status(), 404);
    let r = post_webhook(&app, "{}", Some(header_for(&[SECRET], now(), b"{}"))).await;
    assert_eq!(r.status(), 503);
    assert!(stored_events(&app).is_empty());
}

// Webhook signatures.

#[tokio::test]
async fn webhook_signatures_are_checked_on_the_raw_body() {
    let app = stripe_app(None).await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    let body = event("payment_intent.succeeded", &f, "evt_sig_1", FEE_MINOR);
    // Out-of-window cases stay well clear of the 300 s edge (the unit tests pin the edge):
    // a second may pass between signing here and checking in the server.
    let t = now();
    let cases: Vec<(&str, String, Option<String>)> = vec![
        ("missing header", body.clone(), None),
        ("garbage header", body.clone(), Some("nonsense".into())),
        (
            "wrong secret",
            body.clone(),
            Some(header_for(&["whsec_someone_else"], t, body.as_bytes())),
        ),
        (
            "old timestamp",
            body.clone(),
            Some(header_for(&[SECRET], t - 330, body.as_bytes())),
        ),
        (
            "future timestamp",
            body.clone(),
            Some(header_for(&[SECRET], t + 330, body.as_bytes())),
        ),
        (
            "tampered body",
            body.replace(&FEE_MINOR.to_string(), "1"),
            Some(header_for(&[SECRET], t, body.as_bytes())),
        ),
    ];
    for (what, b, h) in cases {
        let r = post_webhook(&app, &b, h).await;
        assert_eq!(r.status(), 400, "{what}");
        let ct = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(ct.starts_with("text/plain"), "{what}: {ct}");
        let text = r.text().await.expect("body");
        assert!(text.len() < 80 && !text.contains('<'), "{what}: {text}");
    }
    assert!(stored_events(&app).is_empty());
    assert!(payments_of(&app, f.invoice.id).is_empty());
    assert!(invoice_now(&app, f.invoice.id).is_open());

    // The genuine one goes through.
    let (s, text) = deliver(&app, &body).await;
    assert_eq!((s, text.trim()), (200, "applied"));
    assert!(invoice_now(&app, f.invoice.id).is_paid());
}

#[tokio::test]
async fn two_signatures_and_two_secrets_during_rotation() {
    let app = TestApp::spawn_with(|s| {
        s.stripe_secret_key = steward::config::Secret::new("sk_test_steward");
        s.stripe_webhook_secrets = vec![
            steward::config::Secret::new(SECRET),
            steward::config::Secret::new(SECRET_NEW),
        ];
    })
    .await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    // Stripe signs with an old secret we no longer know and the new one we know.
    let body = event("payment_intent.payment_failed", &f, "evt_rot_1", FEE_MINOR);
    let h = header_for(
        &["whsec_retired_long_ago", SECRET_NEW],
        now(),
        body.as_bytes(),
    );
    assert_eq!(post_webhook(&app, &body, Some(h)).await.status(), 200);
    // Signed with the second configured secret only.
    let body = event("payment_intent.succeeded", &f, "evt_rot_2", FEE_MINOR);
    let h = header_for(&[SECRET_NEW], now(), body.as_bytes());
    assert_eq!(post_webhook(&app, &body, Some(h)).await.status(), 200);
    assert!(invoice_now(&app, f.invoice.id).is_paid());
    // An oversized body is refused before it is read in full.
    let big = "x".repeat(300 * 1024);
    let h = header_for(&[SECRET], now(), big.as_bytes());
    assert_eq!(post_webhook(&app, &big, Some(h)).await.status(), 413);
    assert_eq!(stored_events(&app).len(), 2);
}

// Events.

async fn assert_paid_once(app: &TestApp, f: &Fixture) {
    let rows = payments_of(app, f.invoice.id);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].amount_minor, FEE_MINOR);
    assert!(!rows[0].flagged);
    assert!(invoice_now(app, f.invoice.id).is_paid());
    assert_eq!(sponsorship_status(app, f.sponsorship_id), Status::Active);
    assert_eq!(receipts_queued(app, &f.billing_email), 1);
    app.wait_for_mail(&f.billing_email, "receipt").await;
    let (s, body) = app.new_client().page("/sponsors").await;
    assert_eq!(s, 200);
    assert!(
        body.contains(&f.sponsor_name),
        "the paid sponsor is on the wall"
    );
}

#[tokio::test]
async fn the_same_event_five_times_in_a_row_pays_once() {
    let app = stripe_app(None).await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    let body = event("checkout.session.completed", &f, "evt_seq_1", FEE_MINOR);
    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(deliver(&app, &body).await);
    }
    assert_eq!(answers[0], (200, "applied\n".into()));
    for a in &answers[1..] {
        assert_eq!(a, &(200, "duplicate\n".into()));
    }
    assert_paid_once(&app, &f).await;
    assert_eq!(
        payments_of(&app, f.invoice.id)[0].stripe_ref.as_deref(),
        Some(format!("pi_test_{}", f.invoice.id).as_str())
    );
    assert_eq!(stored_events(&app).len(), 1);
}

#[tokio::test]
async fn the_same_event_five_times_at_once_pays_once() {
    let app = stripe_app(None).await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    let body = event("payment_intent.succeeded", &f, "evt_conc_1", FEE_MINOR);
    let header = header_for(&[SECRET], now(), body.as_bytes());
    let sends = (0..5).map(|_| {
        let req = app
            .client
            .http
            .post(app.client.url("/webhooks/stripe"))
            .header("Stripe-Signature", header.clone())
            .body(body.clone());
        async move { req.send().await.expect("send").status().as_u16() }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_paid_once(&app, &f).await;
    assert_eq!(stored_events(&app).len(), 1);
}

#[tokio::test]
async fn different_events_about_the_same_payment_at_once_record_it_once() {
    let app = stripe_app(None).await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    let a = event("payment_intent.succeeded", &f, "evt_pair_a", FEE_MINOR);
    let b = event("checkout.session.completed", &f, "evt_pair_b", FEE_MINOR);
    let (ra, rb) = tokio::join!(deliver(&app, &a), deliver(&app, &b));
    assert_eq!((ra.0, rb.0), (200, 200));
    assert_paid_once(&app, &f).await;
    assert_eq!(stored_events(&app).len(), 2);
}

#[tokio::test]
async fn out_of_order_events_end_in_the_right_state() {
    let app = stripe_app(None).await;
    // The intent's event first, then the session's, then a late failure: paid once.
    let f = invoiced_sponsor(&app, "Acme Cloud");
    assert_eq!(
        deliver(
            &app,
            &event("payment_intent.succeeded", &f, "evt_o_1", FEE_MINOR)
        )
        .await
        .1
        .trim(),
        "applied"
    );
    assert_eq!(
        deliver(
            &app,
            &event("checkout.session.completed", &f, "evt_o_2", FEE_MINOR)
        )
        .await
        .1
        .trim(),
        "no_change"
    );
    assert_eq!(
        deliver(
            &app,
            &event("payment_intent.payment_failed", &f, "evt_o_3", FEE_MINOR)
        )
        .await
        .1
        .trim(),
        "no_change"
    );
    assert_paid_once(&app, &f).await;

    // The refund arrives before the payment it refunds: the invoice ends refunded.
    let g = invoiced_sponsor(&app, "Refund Org");
    assert_eq!(
        deliver(&app, &event("charge.refunded", &g, "evt_r_1", FEE_MINOR))
            .await
            .0,
        200
    );
    assert!(invoice_now(&app, g.invoice.id).is_open());
    assert_eq!(
        deliver(
            &app,
            &event("payment_intent.succeeded", &g, "evt_r_2", FEE_MINOR)
        )
        .await
        .0,
        200
    );
    let inv = invoice_now(&app, g.invoice.id);
    assert_eq!(inv.status, "refunded");
    assert_eq!(
        sponsorship_status(&app, g.sponsorship_id),
        Status::Cancelled
    );
    assert_eq!(receipts_queued(&app, &g.billing_email), 0);
    let rows = payments_of(&app, g.invoice.id);
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .any(|p| p.stripe_ref.as_deref() == Some(&format!("refund:ch_test_{}", g.invoice.id)))
    );
}

#[tokio::test]
async fn an_amount_that_differs_is_flagged_until_staff_accept_it() {
    let app = stripe_app(None).await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    // Stripe reports more than is due (e.g. a session opened before a bank transfer arrived).
    let (s, text) = deliver(
        &app,
        &event("payment_intent.succeeded", &f, "evt_mis_1", FEE_MINOR + 100),
    )
    .await;
    assert_eq!((s, text.trim()), (200, "flagged"));
    assert!(invoice_now(&app, f.invoice.id).is_open());
    assert_eq!(sponsorship_status(&app, f.sponsorship_id), Status::Invoiced);
    let rows = payments_of(&app, f.invoice.id);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].flagged);

    let (staff, _, _) = app.signed_in(&[Role::Treasurer]).await;
    let (s, body) = staff.page("/staff/payments/unmatched").await;
    assert_eq!(s, 200);
    assert!(body.contains("Flagged payments (1)"), "{body}");
    assert!(body.contains(&f.invoice.number));
    let accept = format!("/staff/payments/flagged/{}/accept", rows[0].id);
    let (r1, r2) = tokio::join!(staff.post(&accept, &[]), staff.post(&accept, &[]));
    let mut statuses = [r1.status().as_u16(), r2.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 303]);
    assert!(invoice_now(&app, f.invoice.id).is_paid());
    assert_eq!(sponsorship_status(&app, f.sponsorship_id), Status::Active);
    assert_eq!(receipts_queued(&app, &f.billing_email), 1);
}

#[tokio::test]
async fn events_for_unknown_invoices_wait_for_staff_and_are_resolved_once() {
    let app = stripe_app(None).await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    let mut v = values(&f, "evt_un_1", FEE_MINOR);
    for (k, val) in v.iter_mut() {
        match *k {
            "INVOICE_ID" => *val = "999999".into(),
            "NUMBER" => *val = "1999-0001".into(),
            "PI" => *val = "pi_unknown_1".into(),
            _ => {}
        }
    }
    let unknown = fixture("payment_intent.succeeded", &v);
    assert_eq!(deliver(&app, &unknown).await, (200, "unmatched\n".into()));
    // Foreign metadata (another system on the same Stripe account).
    let foreign = event("payment_intent.succeeded", &f, "evt_un_2", 4200)
        .replace(
            &format!("\"invoice_id\": \"{}\"", f.invoice.id),
            "\"invoice_id\": \"order-42\"",
        )
        .replace(&format!("pi_test_{}", f.invoice.id), "pi_foreign_2");
    assert_eq!(deliver(&app, &foreign).await, (200, "unmatched\n".into()));
    assert!(payments_of(&app, f.invoice.id).is_empty());

    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (s, body) = staff.page("/staff/payments/unmatched").await;
    assert_eq!(s, 200);
    assert!(body.contains("Unmatched payments (2)"), "{body}");
    assert!(
        body.contains("evt_un_1")
            && body.contains("$10,000.00")
            && body.contains("billing@example.org"),
        "{body}"
    );
    assert_eq!(
        steward::payments::store::unmatched_count(&mut app.db()).expect("count"),
        2
    );

    // An invoice number that does not exist: the form says so, nothing changes.
    let r = staff
        .post(
            "/staff/payments/unmatched/evt_un_1/apply",
            &[("invoice_number", "2099-9999")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("There is no invoice") && body.contains("2099-9999"),
        "{body}"
    );
    assert!(payments_of(&app, f.invoice.id).is_empty());

    // Two staff apply it at once: one resolution, one payment.
    let form = [("invoice_number", f.invoice.number.as_str())];
    let (r1, r2) = tokio::join!(
        staff.post("/staff/payments/unmatched/evt_un_1/apply", &form),
        staff.post("/staff/payments/unmatched/evt_un_1/apply", &form)
    );
    assert_eq!((r1.status().as_u16(), r2.status().as_u16()), (303, 303));
    assert_paid_once(&app, &f).await;

    // The other one is dismissed with a note; a note is required.
    let r = staff
        .post(
            "/staff/payments/unmatched/evt_un_2/dismiss",
            &[("note", " ")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = staff
        .post(
            "/staff/payments/unmatched/evt_un_2/dismiss",
            &[("note", "Refunded in Stripe directly")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = staff
        .post(
            "/staff/payments/unmatched/evt_un_2/dismiss",
            &[("note", "again")],
        )
        .await;
    assert_eq!(
        r.status(),
        303,
        "a second resolution is refused with a message, not an error page"
    );
    assert_eq!(
        steward::payments::store::unmatched_count(&mut app.db()).expect("count"),
        0
    );
    let (_, body) = staff.page("/staff/payments/unmatched").await;
    assert!(body.contains("Unmatched payments (0)"));
    let ev = steward::payments::store::find_event(&mut app.db(), "evt_un_2").expect("event");
    assert_eq!(ev.resolution_note, "Refunded in Stripe directly");

    // Staff without a money role cannot see the queue.
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    assert_eq!(editor.get("/staff/payments/unmatched").await.status(), 403);
}

#[tokio::test]
async fn unknown_event_types_are_answered_and_ignored() {
    let app = stripe_app(None).await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    let body = event("customer.created", &f, "evt_unk_1", 0);
    assert_eq!(deliver(&app, &body).await, (200, "ignored\n".into()));
    assert_eq!(deliver(&app, &body).await, (200, "duplicate\n".into()));
    assert_eq!(
        stored_events(&app),
        vec![(
            "evt_unk_1".into(),
            "customer.created".into(),
            "ignored".into()
        )]
    );
    assert!(invoice_now(&app, f.invoice.id).is_open());
    // A signed body that is not an event at all.
    let junk = "[1,2,3]";
    let r = post_webhook(
        &app,
        junk,
        Some(header_for(&[SECRET], now(), junk.as_bytes())),
    )
    .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_completed_checkout_marks_our_session_complete() {
    let api = MockServer::start().await;
    let app = stripe_app(Some(&api)).await;
    let f = invoiced_sponsor(&app, "Acme Cloud");
    mount_session(&api, &f, FEE_MINOR).await;
    let client = portal(&app, &f).await;
    let r = client
        .post(&format!("/portal/invoices/{}/pay", f.invoice.id), &[])
        .await;
    assert_eq!(r.status(), 303);
    // Metadata stripped: our stored session still ties the event to the invoice.
    let body = event("checkout.session.completed", &f, "evt_cs_1", FEE_MINOR)
        .replace(&format!("\"invoice_id\": \"{}\", ", f.invoice.id), "")
        .replace(
            &format!("\"client_reference_id\": \"{}\",", f.invoice.id),
            "",
        );
    assert_eq!(deliver(&app, &body).await, (200, "applied\n".into()));
    assert_eq!(session_rows(&app, f.invoice.id)[0].status, "complete");
    assert_paid_once(&app, &f).await;
    // Paid: the button leads nowhere.
    let r = client
        .post(&format!("/portal/invoices/{}/pay", f.invoice.id), &[])
        .await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn refunding_a_flagged_double_payment_leaves_the_paid_invoice_alone() {
    let app = stripe_app(None).await;
    let f = invoiced_sponsor(&app, "Double Pay");
    // First card payment: invoice paid, sponsorship active.
    let (_, t) = deliver(
        &app,
        &event("payment_intent.succeeded", &f, "evt_dp_1", FEE_MINOR),
    )
    .await;
    assert_eq!(t.trim(), "applied");
    assert!(invoice_now(&app, f.invoice.id).is_paid());
    assert_eq!(sponsorship_status(&app, f.sponsorship_id), Status::Active);
    // A second card payment (from a checkout left open in another tab): flagged.
    let second = |id: &str| {
        let mut v = values(&f, id, FEE_MINOR);
        for (k, val) in v.iter_mut() {
            if *k == "PI" {
                *val = "pi_second".into();
            }
            if *k == "CHARGE" {
                *val = "ch_second".into();
            }
        }
        v
    };
    let (_, t) = deliver(
        &app,
        &fixture("payment_intent.succeeded", &second("evt_dp_2")),
    )
    .await;
    assert_eq!(t.trim(), "flagged");
    assert_eq!(
        steward::models::invoices::flagged_count(&mut app.db()).expect("count"),
        1
    );
    // Staff refund the duplicate in Stripe's dashboard: the invoice stays paid, the sponsor
    // stays active, and the duplicate no longer waits for a check.
    deliver(&app, &fixture("charge.refunded", &second("evt_dp_3"))).await;
    assert_eq!(invoice_now(&app, f.invoice.id).status, "paid");
    assert_eq!(sponsorship_status(&app, f.sponsorship_id), Status::Active);
    assert_eq!(
        steward::models::invoices::flagged_count(&mut app.db()).expect("count"),
        0
    );
    // Refunding the payment that counted does refund the invoice.
    deliver(&app, &event("charge.refunded", &f, "evt_dp_4", FEE_MINOR)).await;
    assert_eq!(invoice_now(&app, f.invoice.id).status, "refunded");
    assert_eq!(
        sponsorship_status(&app, f.sponsorship_id),
        Status::Cancelled
    );
}

#[tokio::test]
async fn a_renewal_turned_down_can_be_asked_for_again() {
    let app = stripe_app(None).await;
    let f = invoiced_sponsor(&app, "Renew Twice");
    deliver(
        &app,
        &event("payment_intent.succeeded", &f, "evt_rn_1", FEE_MINOR),
    )
    .await;
    assert_eq!(sponsorship_status(&app, f.sponsorship_id), Status::Active);
    let settings = app.state.settings.clone();
    let actor = Actor::system("test");
    let first = steward::services::renewals::renew(
        &mut app.db(),
        &settings,
        &actor,
        f.sponsor_id,
        f.sponsorship_id,
    )
    .expect("first renewal");
    // While that one waits, asking again is refused.
    let again = steward::services::renewals::renew(
        &mut app.db(),
        &settings,
        &actor,
        f.sponsor_id,
        f.sponsorship_id,
    )
    .expect_err("one renewal at a time");
    assert!(
        matches!(&again, steward::error::AppError::Conflict(m) if m.contains("already with us")),
        "{again:?}"
    );
    steward::services::sponsorship_review::reject(
        &mut app.db(),
        &settings,
        &actor,
        first,
        "not this year",
    )
    .expect("reject");
    steward::services::renewals::renew(
        &mut app.db(),
        &settings,
        &actor,
        f.sponsor_id,
        f.sponsorship_id,
    )
    .expect("a second renewal after the first was turned down");
}

#[tokio::test]
async fn old_checkout_sessions_are_expired_so_a_forgotten_tab_cannot_pay_twice() {
    let api = MockServer::start().await;
    let app = stripe_app(Some(&api)).await;
    let f = invoiced_sponsor(&app, "Two Tabs");
    // First click: a session for the whole amount.
    mount_session(&api, &f, FEE_MINOR).await;
    let client = portal(&app, &f).await;
    let pay = format!("/portal/invoices/{}/pay", f.invoice.id);
    assert_eq!(client.post(&pay, &[]).await.status(), 303);
    let first = format!("cs_test_{}", f.invoice.id);
    // Part is then paid by bank transfer, so the next click needs a session for the rest.
    bank_transfer(
        &app,
        f.invoice.id,
        100_000,
        "part",
        NaiveDate::from_ymd_opt(2027, 1, 5).expect("date"),
    );
    api.reset().await;
    let body = fixture(
        "checkout_session_created",
        &[
            ("SESSION_ID", "cs_test_second".to_string()),
            ("AMOUNT", (FEE_MINOR - 100_000).to_string()),
            ("INVOICE_ID", f.invoice.id.to_string()),
            ("NUMBER", f.invoice.number.clone()),
            ("CREATED", now().to_string()),
            ("EXPIRES_AT", (now() + 24 * 3600).to_string()),
        ],
    );
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"))
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/checkout/sessions/{first}/expire")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"))
        .expect(1)
        .mount(&api)
        .await;
    let r = client.post(&pay, &[]).await;
    assert_eq!(r.status(), 303);
    let sessions =
        steward::payments::store::sessions_of(&mut app.db(), f.invoice.id).expect("sessions");
    let status = |id: &str| {
        sessions
            .iter()
            .find(|s| s.stripe_id == id)
            .map(|s| s.status.clone())
    };
    assert_eq!(status(&first).as_deref(), Some("expired"));
    assert_eq!(status("cs_test_second").as_deref(), Some("open"));

    // The rest is paid by bank transfer too: the worker closes the session left open.
    bank_transfer(
        &app,
        f.invoice.id,
        FEE_MINOR - 100_000,
        "rest",
        NaiveDate::from_ymd_opt(2027, 1, 6).expect("date"),
    );
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions/cs_test_second/expire"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&api)
        .await;
    let n = steward::payments::checkout::expire_stale(&app.state.db, &app.state.settings).await;
    assert_eq!(n, 1);
    assert_eq!(
        steward::payments::checkout::expire_stale(&app.state.db, &app.state.settings).await,
        0,
        "nothing left to close"
    );
}

#[tokio::test]
async fn only_portal_pages_let_a_form_lead_on_to_stripe_checkout() {
    let app = stripe_app(None).await;
    let csp = |r: &reqwest::Response| {
        r.headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let r = app.get("/portal/link").await;
    assert!(
        csp(&r).contains("form-action 'self' https://checkout.stripe.com"),
        "{}",
        csp(&r)
    );
    assert!(csp(&r).contains("frame-ancestors 'none'"));
    for page in ["/login", "/sponsors", "/sponsor/apply"] {
        let r = app.get(page).await;
        assert!(
            csp(&r).ends_with("form-action 'self'"),
            "{page}: {}",
            csp(&r)
        );
    }
}

/// The invoice email's link opens the invoice itself: it must carry every way to pay.
#[tokio::test]
async fn the_invoice_email_link_opens_a_page_with_every_way_to_pay() {
    for card in [true, false] {
        let api = MockServer::start().await;
        let app = if card {
            stripe_app(Some(&api)).await
        } else {
            TestApp::spawn().await
        };
        steward::models::app_settings::set(
            &mut app.db(),
            billing::BANK_INSTRUCTIONS_KEY,
            "IBAN DE00 1234 5678 9012 3456 78, Example Bank",
        )
        .expect("bank details");
        let f = invoiced_sponsor(&app, "Acme Cloud");
        let mail = app.wait_for_mail(&f.billing_email, "invoice_issued").await;
        let link = link_path(&mail.text, "http://steward.test/portal/enter/");
        let browser = app.new_client();
        let r = browser
            .get(link.trim_start_matches("http://steward.test"))
            .await;
        assert_eq!(r.status(), 303);
        let landing = location(&r);
        assert_eq!(landing, format!("/portal/invoices/{}", f.invoice.id));
        let (status, page) = browser.page(&landing).await;
        assert_eq!(status, 200);
        assert!(page.contains("IBAN DE00 1234 5678 9012 3456 78"), "{page}");
        assert!(page.contains(&f.invoice.number), "{page}");
        let pay = format!("/portal/invoices/{}/pay", f.invoice.id);
        assert_eq!(
            page.contains(&format!("action=\"{pay}\"")),
            card,
            "card: {card}: {page}"
        );
        if card {
            assert!(page.contains("by card"), "{page}");
            mount_session(&api, &f, FEE_MINOR).await;
            let r = browser.post(&pay, &[]).await;
            assert_eq!(r.status(), 303);
            assert!(location(&r).starts_with("https://checkout.stripe.com/"));
        }
    }
}
