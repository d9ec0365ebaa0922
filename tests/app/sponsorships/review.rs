//! Staff review of applications, the agreement template, agreements generated and sent or
//! uploaded (PDF checked by content), and the agreement file downloads.

use chrono::NaiveDate;
use diesel::prelude::*;
use reqwest::multipart::{Form, Part};

use steward::domain::Role;
use steward::domain::sponsorship::Status;
use steward::models::sponsorships as rows;
use steward::services::{Actor, sponsorships as service};

use crate::fixtures::sponsorships::{primary, sponsor, sponsorship, status_of, tier};
use crate::helpers::{TestApp, TestClient, link_path, location};

async fn staff(app: &TestApp) -> TestClient {
    app.signed_in(&[Role::Sponsorships]).await.0
}

fn approve_fields<'a>(fee: &'a str, reason: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("start", "2027-02-01"),
        ("end", "2028-01-31"),
        ("fee", fee),
        ("reason", reason),
    ]
}

#[tokio::test]
async fn approving_sets_term_and_fee_and_emails_a_working_portal_link() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let t = tier(&app, "Gold", 1_000_000, Some(3));
    let s = sponsor(&app, "Acme");
    let id = sponsorship(&app, s, t, Status::Applied);

    // The queue lists it with its quote and the tier's places.
    let (status, body) = c.page("/staff/applications").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Acme") && body.contains("$10,000.00"),
        "{body}"
    );
    assert!(body.contains("0 of 3"), "places taken / capacity: {body}");
    let (status, body) = c.page(&format!("/staff/applications/{id}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("primary@acme.example"));
    assert!(
        body.contains("value=\"10000.00\""),
        "fee prefilled with the quote"
    );
    assert!(body.contains("value=\"2027-01-01\""), "term prefilled");

    // A fee other than the quote needs a reason; the input is kept.
    let path = format!("/staff/applications/{id}/approve");
    let r = c.post(&path, &approve_fields("8000", "")).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("say why"), "{body}");
    assert!(body.contains("value=\"8000\"") && body.contains("value=\"2027-02-01\""));
    // Malformed dates and amounts.
    for (field, bad, message) in [
        ("start", "01/02/2027", "a date like"),
        ("end", "2027-02-30", "a date like"),
        ("fee", "-5", "negative"),
        ("fee", "abc", "in figures"),
        ("fee", "1e9999", "in figures"),
        ("fee", "0", "The agreed fee must be more than zero"),
        (
            "fee",
            "0.00",
            "record in-kind support on the sponsor instead",
        ),
    ] {
        let mut f = approve_fields("10000", "");
        for kv in f.iter_mut() {
            if kv.0 == field {
                kv.1 = bad;
            }
        }
        let r = c.post(&path, &f).await;
        assert_eq!(r.status(), 422, "{field}={bad}");
        let body = r.text().await.expect("body");
        assert!(body.contains(message), "{field}={bad}: {body}");
        assert!(body.contains(&format!("value=\"{bad}\"")), "input kept");
    }
    let r = c
        .post(
            &path,
            &[
                ("start", "2027-06-01"),
                ("end", "2027-01-01"),
                ("fee", "10000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("end on or after"));
    assert_eq!(status_of(&app, id), "applied", "nothing half-written");
    assert_eq!(app.outbox_count("application_approved"), 0);

    // The same address twice (another role) is emailed once.
    steward::models::sponsors::add_contact(
        &mut app.db(),
        s,
        "Pat Again",
        "PRIMARY@acme.example",
        "marketing",
    )
    .expect("contact");
    let r = c
        .post(&path, &approve_fields("8,000.00", "Multi-year commitment"))
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let row = rows::find(&mut app.db(), id).expect("row");
    assert_eq!(row.status, "approved");
    assert_eq!(row.fee_minor, 800_000);
    assert_eq!(row.fee_reason, "Multi-year commitment");
    assert_eq!(row.list_price_minor, Some(1_000_000), "the quote is kept");
    assert_eq!(
        row.start_date,
        NaiveDate::from_ymd_opt(2027, 2, 1).expect("date")
    );
    assert_eq!(
        row.end_date,
        NaiveDate::from_ymd_opt(2028, 1, 31).expect("date")
    );
    assert_eq!(app.audit_count("application.approve"), 1);

    // The primary contact is told, with a private link that opens the portal.
    let mail = app
        .wait_for_mail("primary@acme.example", "application_approved")
        .await;
    assert!(mail.text.contains("$8,000.00"), "{}", mail.text);
    assert!(mail.text.contains("Gold"));
    // Every contact is told (the page and the flash say so), each address once.
    app.wait_for_mail("billing@acme.example", "application_approved")
        .await;
    assert_eq!(
        app.outbox_count("application_approved"),
        2,
        "primary and billing, the duplicate address once"
    );
    let link = link_path(&mail.text, "http://steward.test/portal/enter/");
    let visitor = app.new_client();
    let r = visitor
        .get(link.trim_start_matches("http://steward.test"))
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/portal");
    assert!(visitor.cookie("steward_portal").is_some(), "link accepted");

    // A decided application shows no forms, and cannot be decided again.
    let (_, body) = c.page(&format!("/staff/applications/{id}")).await;
    assert!(body.contains("has been decided"));
    assert!(!body.contains("Approve and email"));
    let r = c.post(&path, &approve_fields("10000", "")).await;
    assert_eq!(r.status(), 409);
    let body = r.text().await.expect("body");
    assert!(body.contains("already approved by staff"), "{body}");
}

#[tokio::test]
async fn rejecting_needs_a_reason_which_the_contacts_receive() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Initech");
    let id = sponsorship(&app, s, t, Status::Applied);
    let path = format!("/staff/applications/{id}/reject");
    let r = c.post(&path, &[("reject_reason", "   ")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("Give the reason"));
    // Other failures keep what was typed.
    let long = "x".repeat(2001);
    let r = c.post(&path, &[("reject_reason", &long)]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains(&long), "input kept");
    assert_eq!(status_of(&app, id), "applied");

    let r = c
        .post(
            &path,
            &[(
                "reject_reason",
                "We only take sponsors <b>aligned</b> with the mission.",
            )],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), "rejected");
    let mail = app
        .wait_for_mail("primary@initech.example", "application_rejected")
        .await;
    assert!(mail.text.contains("We only take sponsors <b>aligned</b>"));
    // Every contact hears of it, not only the primary one.
    app.wait_for_mail("billing@initech.example", "application_rejected")
        .await;
    assert!(
        !mail.html.contains("<b>aligned") && mail.html.contains("aligned"),
        "escaped in HTML mail"
    );
    assert_eq!(app.audit_count("application.reject"), 1);
    let events = rows::events(&mut app.db(), id).expect("events");
    assert!(events.last().expect("event").note.contains("aligned"));
}

#[tokio::test]
async fn two_staff_approving_at_once_make_one_approval_and_one_round_of_email() {
    let app = TestApp::spawn().await;
    let t = tier(&app, "Gold", 1_000_000, Some(5));
    let s = sponsor(&app, "Globex");
    let id = sponsorship(&app, s, t, Status::Applied);
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(staff(&app).await);
    }
    let path = format!("/staff/applications/{id}/approve");
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients.len()));
    let mut tasks = Vec::new();
    for c in clients {
        let path = path.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let token = c.csrf_token().await;
            barrier.wait().await;
            let r = c
                .post_raw(
                    &path,
                    &[
                        ("start", "2027-01-01"),
                        ("end", "2027-12-31"),
                        ("fee", "10000"),
                        ("csrf_token", &token),
                    ],
                )
                .await;
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }));
    }
    let mut won = 0;
    let mut lost = 0;
    for t in tasks {
        let (status, body) = t.await.expect("task");
        match status {
            303 => won += 1,
            409 => {
                assert!(body.contains("already approved by staff"), "{body}");
                lost += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((won, lost), (1, 3));
    assert_eq!(status_of(&app, id), "approved");
    assert_eq!(
        app.outbox_count("application_approved"),
        2,
        "one email per contact (primary and billing), once"
    );
    assert_eq!(app.audit_count("application.approve"), 1);
    let events = rows::events(&mut app.db(), id).expect("events");
    assert_eq!(
        events.iter().filter(|e| e.to_status == "approved").count(),
        1
    );
}

#[tokio::test]
async fn a_full_tier_keeps_applications_on_the_waitlist_until_a_place_frees() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let t = tier(&app, "Visionary", 5_000_000, Some(1));
    let first = sponsorship(&app, sponsor(&app, "First"), t, Status::Active);
    let waiting = sponsorship(&app, sponsor(&app, "Second"), t, Status::Applied);
    diesel::update(steward::db::schema::sponsorships::table.find(waiting))
        .set(steward::db::schema::sponsorships::waitlisted.eq(true))
        .execute(&mut app.db())
        .expect("waitlist");
    let (_, body) = c.page("/staff/applications").await;
    assert!(body.contains("1 of 1") && body.contains("full"), "{body}");
    assert!(body.contains("waitlisted"));
    let programme = steward::models::tiers::find(&mut app.db(), t)
        .expect("tier")
        .programme_id;
    let (_, body) = c.page(&format!("/staff/programmes/{programme}")).await;
    assert!(body.contains("1 on the waitlist"), "{body}");

    let path = format!("/staff/applications/{waiting}/approve");
    let fields = [
        ("start", "2027-01-01"),
        ("end", "2027-12-31"),
        ("fee", "50000"),
    ];
    let r = c.post(&path, &fields).await;
    assert_eq!(r.status(), 409);
    let body = r.text().await.expect("body");
    assert!(body.contains("Visionary is full"), "{body}");
    assert!(body.contains("waitlist"));
    let row = rows::find(&mut app.db(), waiting).expect("row");
    assert_eq!(row.status, "applied");
    assert!(row.waitlisted, "still waitlisted");
    assert_eq!(app.outbox_count("application_approved"), 0);

    // A place frees up: the waitlisted application can be approved, and leaves the list.
    service::change_status(
        &mut app.db(),
        &app.state.settings,
        &Actor::system("test"),
        first,
        Status::Active,
        Status::Cancelled,
        "left",
    )
    .expect("cancel");
    let r = c.post(&path, &fields).await;
    assert_eq!(r.status(), 303);
    let row = rows::find(&mut app.db(), waiting).expect("row");
    assert_eq!(row.status, "approved");
    assert!(!row.waitlisted);
}

#[tokio::test]
async fn the_agreement_template_is_checked_rendered_and_escaped() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let (status, body) = c.page("/staff/settings/billing").await;
    assert_eq!(status, 200);
    assert!(body.contains("{{sponsor}}"), "default template shown");

    let unknown = "Dear {{sponsor}}, you owe {{price}}.";
    let r = c
        .post(
            "/staff/settings/billing",
            &[
                ("template", unknown),
                ("bank", "IBAN NL00 BANK 0123 4567 89"),
                ("address", "1 Main St"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("Unknown placeholder {{price}}"), "{body}");
    assert!(body.contains("IBAN NL00 BANK"), "input kept");
    assert!(
        steward::models::app_settings::get(&mut app.db(), "agreements.template")
            .expect("get")
            .is_none(),
        "nothing saved"
    );

    let template = "Agreement between {{foundation}} and {{ sponsor }}.\nTier: {{tier}}\nFee: {{fee}}\nTerm: {{term}} ({{start}} / {{end}})\nBenefits:\n{{benefits}}";
    let r = c
        .post(
            "/staff/settings/billing",
            &[
                ("template", template),
                ("bank", "IBAN NL00 BANK 0123 4567 89"),
                ("address", "1 Main St\nAmsterdam"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mut db = app.db();
    assert_eq!(
        steward::services::billing::bank_instructions(&mut db).expect("bank"),
        "IBAN NL00 BANK 0123 4567 89"
    );
    assert_eq!(
        steward::models::app_settings::get(&mut db, "billing.foundation_address")
            .expect("get")
            .as_deref(),
        Some("1 Main St\nAmsterdam")
    );

    // Generate and send for a sponsor whose name is a script.
    let t = tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "<script>alert(1)</script> Ltd");
    let slug = steward::models::sponsors::find(&mut db, s).expect("s").slug;
    let id = sponsorship(&app, s, t, Status::Approved);
    let r = c
        .post(&format!("/staff/sponsorships/{id}/agreement/send"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), "agreement_sent");
    let list = steward::models::agreements::for_sponsorship(&mut db, id).expect("list");
    assert_eq!(list.len(), 1);
    let a = &list[0];
    assert_eq!((a.kind.as_str(), a.status.as_str()), ("generated", "sent"));
    assert_eq!(
        a.body,
        "Agreement between Example Software Foundation and <script>alert(1)</script> Ltd.\nTier: Gold\nFee: $10,000.00\nTerm: 1 January 2027 to 31 December 2027 (1 January 2027 / 31 December 2027)\nBenefits:\n- 4 × conference passes\n- Logo on the website"
    );
    let (status, body) = c.page(&format!("/staff/agreements/{}", a.id)).await;
    assert_eq!(status, 200);
    assert!(!body.contains("<script>alert(1)"), "escaped on the page");
    assert!(
        body.contains("alert(1)") && body.contains("script&"),
        "{body}"
    );
    let mail = app.wait_for_mail(&primary(&slug), "agreement_sent").await;
    assert!(
        mail.text
            .contains(&format!("?next=/portal/agreements/{}", a.id)),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("http://steward.test/portal/enter/"));

    // Sending again after edits supersedes the earlier version.
    let r = c
        .post(&format!("/staff/sponsorships/{id}/agreement/send"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let list = steward::models::agreements::for_sponsorship(&mut db, id).expect("list");
    let statuses: Vec<&str> = list.iter().map(|a| a.status.as_str()).collect();
    assert_eq!(statuses, ["sent", "superseded"]);
    assert_eq!(status_of(&app, id), "agreement_sent");
    assert_eq!(app.outbox_count("agreement_sent"), 2);
    let events = rows::events(&mut db, id).expect("events");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.to_status == "agreement_sent")
            .count(),
        1
    );
    // An application not yet approved cannot get one.
    let other = sponsorship(&app, sponsor(&app, "Early"), t, Status::Applied);
    let r = c
        .post(&format!("/staff/sponsorships/{other}/agreement/send"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (_, body) = c.page(&format!("/staff/sponsorships/{other}")).await;
    assert!(body.contains("once the application is approved"), "{body}");
    assert_eq!(app.outbox_count("agreement_sent"), 2);
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

async fn upload(
    c: &TestClient,
    id: i64,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let token = c.csrf_token().await;
    let part = Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(mime)
        .expect("mime");
    c.http
        .post(c.url(&format!(
            "/staff/sponsorships/{id}/agreement/upload?csrf_token={token}"
        )))
        .multipart(Form::new().part("agreement", part))
        .send()
        .await
        .expect("upload")
}

fn stored_files(app: &TestApp) -> usize {
    std::fs::read_dir(steward::services::agreements::files_dir(
        &app.state.settings.data_dir,
    ))
    .map(|d| d.count())
    .unwrap_or(0)
}

#[tokio::test]
async fn signed_agreements_are_uploaded_as_checked_pdfs_and_served_as_downloads() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let id = sponsorship(&app, s, t, Status::Approved);

    let (_, body) = c.page(&format!("/staff/sponsorships/{id}")).await;
    assert!(body.contains("Send the agreement") && body.contains("Upload the signed agreement"));
    // Refused by content, whatever the name says; nothing written.
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR%%EOF".to_vec();
    let html = b"<!doctype html><script>alert(1)</script>%%EOF".to_vec();
    let mut big = pdf();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    for (bytes, message) in [
        (png, "not a PDF"),
        (html, "not a PDF"),
        (b"%PDF-1.4\n1 0 obj".to_vec(), "incomplete"),
        (big, "larger than 10 MB"),
        (Vec::new(), "Choose the signed agreement"),
    ] {
        let r = upload(&c, id, "signed.pdf", "application/pdf", bytes).await;
        assert_eq!(r.status(), 422, "{message}");
        let body = r.text().await.expect("page");
        let next_to_field = body
            .split("id=\"agreement-error\">")
            .nth(1)
            .unwrap_or_else(|| panic!("{message}: no message next to the field: {body}"));
        assert!(next_to_field.contains(message), "{message}: {body}");
        assert_eq!(status_of(&app, id), "approved");
        assert_eq!(stored_files(&app), 0);
    }
    // Without the CSRF token in the query string: refused before reading.
    let r = c
        .http
        .post(c.url(&format!("/staff/sponsorships/{id}/agreement/upload")))
        .multipart(Form::new().part("agreement", Part::bytes(pdf()).file_name("a.pdf")))
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), 403);

    let r = upload(&c, id, "Signed <contract>.pdf", "application/pdf", pdf()).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), "agreement_accepted");
    assert_eq!(stored_files(&app), 1);
    let (_, body) = c.page(&format!("/staff/sponsorships/{id}")).await;
    assert!(body.contains("Issue the invoice"), "the next step");
    let events = rows::events(&mut app.db(), id).expect("events");
    let moves: Vec<&str> = events.iter().map(|e| e.to_status.as_str()).collect();
    assert_eq!(moves, ["approved", "agreement_sent", "agreement_accepted"]);
    let a = steward::models::agreements::for_sponsorship(&mut app.db(), id)
        .expect("list")
        .remove(0);
    assert_eq!(
        (a.kind.as_str(), a.status.as_str()),
        ("uploaded", "accepted")
    );
    assert!(
        a.accepted_name
            .as_deref()
            .expect("name")
            .starts_with("signed elsewhere, uploaded by staff")
    );
    let key = a.file_key.clone().expect("key");
    assert_eq!(key.len(), 32, "a server-chosen name");

    // Staff download: exact type, attachment, nosniff, the same bytes.
    let r = c.get(&format!("/staff/agreements/{}/file", a.id)).await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert!(
        h["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("attachment")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), pdf());
    let (_, body) = c.page(&format!("/staff/agreements/{}", a.id)).await;
    assert!(body.contains("contract") && !body.contains("<contract>"));

    // A second upload is refused now that the agreement is accepted.
    let r = upload(&c, id, "again.pdf", "application/pdf", pdf()).await;
    assert_eq!(r.status(), 303);
    assert_eq!(stored_files(&app), 1, "the refused file is removed");

    // Portal: the sponsor's own agreement only.
    let other_sponsor = sponsor(&app, "Other");
    let mut db = app.db();
    let own = steward::services::portal::sponsor_link(
        &mut db,
        &app.state.settings,
        s,
        "primary@acme.example",
    )
    .expect("link");
    let foreign = steward::services::portal::sponsor_link(
        &mut db,
        &app.state.settings,
        other_sponsor,
        "primary@other.example",
    )
    .expect("link");
    let visitor = app.new_client();
    let path = format!("/portal/agreements/{}/file", a.id);
    let r = visitor.get(&path).await;
    assert_eq!(r.status(), 303, "no link: ask for one");
    assert!(location(&r).starts_with("/portal/link"));
    visitor
        .get(foreign.trim_start_matches("http://steward.test"))
        .await;
    assert_eq!(visitor.get(&path).await.status(), 404, "another sponsor's");
    let mine = app.new_client();
    mine.get(own.trim_start_matches("http://steward.test"))
        .await;
    let r = mine.get(&path).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("attachment")
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    // Generated agreements have no file.
    assert_eq!(
        mine.get("/portal/agreements/999999/file").await.status(),
        404
    );
}

#[tokio::test]
async fn every_review_and_agreement_route_checks_roles() {
    let app = TestApp::spawn().await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let id = sponsorship(&app, s, t, Status::Applied);
    let gets = [
        "/staff/applications".to_string(),
        format!("/staff/applications/{id}"),
        "/staff/settings/billing".into(),
        "/staff/agreements/1".into(),
        "/staff/agreements/1/file".into(),
    ];
    let posts = [
        format!("/staff/applications/{id}/approve"),
        format!("/staff/applications/{id}/reject"),
        "/staff/settings/billing".into(),
        format!("/staff/sponsorships/{id}/agreement/send"),
    ];
    let anon = app.new_client();
    let (editor, _, _) = app.signed_in(&[Role::Editor, Role::GrantsReviewer]).await;
    for p in &gets {
        let r = anon.get(p).await;
        assert_eq!(r.status(), 303, "{p}");
        assert!(location(&r).starts_with("/login"), "{p}");
        assert_eq!(editor.get(p).await.status(), 403, "{p}");
    }
    let fields = [
        ("start", "2027-01-01"),
        ("end", "2027-12-31"),
        ("fee", "10000"),
        ("reject_reason", "no"),
        ("template", "{{sponsor}}"),
    ];
    for p in &posts {
        let r = anon.post(p, &fields).await;
        assert_eq!(r.status(), 303, "{p}");
        assert!(location(&r).starts_with("/login"), "{p}");
        assert_eq!(editor.post(p, &fields).await.status(), 403, "{p}");
    }
    let r = upload(&editor, id, "a.pdf", "application/pdf", pdf()).await;
    assert_eq!(r.status(), 403);
    assert_eq!(status_of(&app, id), "applied");
    assert_eq!(stored_files(&app), 0);
    // The treasurer may edit billing settings but not review applications.
    let (treasurer, _, _) = app.signed_in(&[Role::Treasurer]).await;
    assert_eq!(treasurer.get("/staff/settings/billing").await.status(), 200);
    assert_eq!(treasurer.get("/staff/applications").await.status(), 403);
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    assert_eq!(admin.get("/staff/settings/billing").await.status(), 200);
}

#[tokio::test]
async fn places_per_tier_lists_every_open_tier_even_without_applications() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let gold = tier(&app, "Gold", 1_000_000, Some(2));
    tier(&app, "Contributing", 100_000, None);
    let s = sponsor(&app, "Acme");
    let applied = sponsorship(&app, s, gold, Status::Applied);
    let (status, body) = c.page("/staff/applications").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Contributing") && body.contains("0 taken, no limit"),
        "{body}"
    );
    assert!(body.contains("0 of 2"), "{body}");
    // Once the only application is approved, the tier stays listed with its place taken.
    let r = c
        .post(
            &format!("/staff/applications/{applied}/approve"),
            &approve_fields("10000", ""),
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, body) = c.page("/staff/applications").await;
    assert!(
        body.contains("Gold") && body.contains("Contributing"),
        "{body}"
    );
    assert!(
        body.contains("1 of 2"),
        "the approved sponsorship takes a place: {body}"
    );
}

#[tokio::test]
async fn the_renewals_page_sums_up_what_ends_soon() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let today = chrono::Utc::now().date_naive();
    for (name, days) in [("Acme", 20), ("Globex", 75)] {
        let s = sponsor(&app, name);
        let id = sponsorship(&app, s, t, Status::Active);
        diesel::update(steward::db::schema::sponsorships::table.find(id))
            .set((
                steward::db::schema::sponsorships::start_date
                    .eq(today - chrono::Duration::days(300)),
                steward::db::schema::sponsorships::end_date
                    .eq(today + chrono::Duration::days(days)),
            ))
            .execute(&mut app.db())
            .expect("term");
    }
    let (status, body) = c.page("/staff/renewals").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("2 terms end in the next 90 days (1 within 30 days); 0 renewals asked for."),
        "{body}"
    );
    let acme = body.find("Acme").expect("acme");
    let globex = body.find("Globex").expect("globex");
    assert!(acme < globex, "soonest first");
}

/// Approves application `id` for 2027 at the tier's price ($50,000), as staff would.
async fn approve(c: &TestClient, id: i64) -> reqwest::Response {
    c.post(
        &format!("/staff/applications/{id}/approve"),
        &[
            ("start", "2027-01-01"),
            ("end", "2027-12-31"),
            ("fee", "50000"),
        ],
    )
    .await
}

/// The scenario: an application sent while a place was free, then the place taken by
/// someone else. The queue, the tier, the portal and the approval all follow one rule; when
/// the place frees again, staff are told and nothing is approved by itself.
#[tokio::test]
async fn the_waitlist_is_one_rule_shown_and_enforced_alike() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let t = tier(&app, "Visionary", 5_000_000, Some(1));
    let first = sponsorship(&app, sponsor(&app, "Early Applicant"), t, Status::Applied);
    let second = sponsorship(&app, sponsor(&app, "Later Applicant"), t, Status::Applied);
    // The place is free: the first in line may have it, the second waits behind it.
    let row = |body: &str, name: &str| {
        let i = body.find(name).expect("listed");
        body[i..i + body[i..].find("</tr>").expect("row end")].to_string()
    };
    let r = approve(&c, second).await;
    assert_eq!(r.status(), 409);
    let msg = r.text().await.expect("body");
    assert!(
        msg.contains("go to the applications that came earlier"),
        "{msg}"
    );
    // Staff record a sponsorship agreed elsewhere in that tier: the place is taken.
    let (programme, _) = {
        let tr = steward::models::tiers::find(&mut app.db(), t).expect("tier");
        (tr.programme_id, tr)
    };
    let offline = sponsor(&app, "Agreed Offline");
    let r = c
        .post(
            "/staff/sponsorships",
            &[
                ("sponsor", &offline.to_string()),
                ("tier", &t.to_string()),
                ("start", "2027-01-01"),
                ("end", "2027-12-31"),
                ("status", "active"),
                ("fee", "50000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let (_, body) = c.page("/staff/applications").await;
    for name in ["Early Applicant", "Later Applicant"] {
        assert!(row(&body, name).contains("waitlisted"), "{name}: {body}");
    }
    let visionary = row(&body, ">Visionary</a>");
    assert!(
        visionary.contains("1 of 1 taken") && visionary.contains("<td class=\"num\">2</td>"),
        "two waitlisted in the tier's row: {visionary}"
    );
    let (_, dashboard) = c.page("/staff").await;
    assert!(dashboard.contains("(2 on a waitlist)"), "{dashboard}");
    let (_, tiers_page) = c.page(&format!("/staff/programmes/{programme}")).await;
    assert!(tiers_page.contains("2 on the waitlist"), "{tiers_page}");
    let r = approve(&c, first).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("body").contains("Visionary is full"));

    // The offline sponsorship is cancelled: the place goes to the first in line, staff are
    // told, and nothing is approved by itself.
    let offline_id: i64 = {
        use steward::db::schema::sponsorships as sp;
        sp::table
            .filter(sp::sponsor_id.eq(offline))
            .select(sp::id)
            .first(&mut app.db())
            .expect("offline sponsorship")
    };
    let r = c
        .post(
            &format!("/staff/sponsorships/{offline_id}/status"),
            &[
                ("from", "active"),
                ("to", "cancelled"),
                ("note", "withdrew"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, first), "applied", "not approved by itself");
    assert!(!rows::find(&mut app.db(), first).expect("row").waitlisted);
    assert!(rows::find(&mut app.db(), second).expect("row").waitlisted);
    assert_eq!(app.outbox_count("place_free"), 1, "staff are told once");
    let (_, body) = c.page("/staff/applications").await;
    assert!(
        !row(&body, "Early Applicant").contains("waitlisted"),
        "{body}"
    );
    assert!(
        row(&body, "Later Applicant").contains("waitlisted"),
        "{body}"
    );
    let r = approve(&c, first).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, first), "approved");
}

/// The applications waiting for review show 50 a page, oldest first, each once; the places
/// per tier count all of them.
#[tokio::test]
async fn the_application_queue_pages_through_every_application() {
    let app = TestApp::spawn().await;
    let gold = tier(&app, "Gold", 1_000_000, None);
    let mut ids = Vec::new();
    for i in 0..53 {
        let s = sponsor(&app, &format!("Applicant {i:02}"));
        ids.push(sponsorship(&app, s, gold, Status::Applied));
    }
    let (c, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let listed =
        |body: &str| crate::helpers::linked_ids(body, "<td><a href=\"/staff/applications/");
    let (status, first) = c.page("/staff/applications").await;
    assert_eq!(status, 200);
    assert!(first.contains("Waiting for review (53)"), "{first}");
    assert!(
        first.contains("href=\"/staff/applications?page=2\""),
        "{first}"
    );
    let (_, second) = c.page("/staff/applications?page=2").await;
    let mut seen = listed(&first);
    assert_eq!(seen.len(), 50);
    seen.extend(listed(&second));
    assert_eq!(seen, ids, "oldest first, each once");
    // The places table counts every application of the tier, not only this page's.
    let places = first.split("Places per tier").nth(1).expect("places table");
    assert!(places.contains("<td class=\"num\">53</td>"), "{places}");
}

/// Staff read the filled-in agreement on the sponsorship page before sending it, and may
/// change it for this sponsorship: the sponsor is sent (and accepts) exactly that text, the
/// template is untouched, and the audit says it was edited. Empty, unshowable or oversized
/// text is refused next to the field, with what was typed kept and nothing sent.
#[tokio::test]
async fn the_agreement_is_previewed_and_may_be_edited_for_one_sponsorship_before_sending() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let r = c
        .post(
            "/staff/settings/billing",
            &[
                (
                    "template",
                    "Agreement between {{foundation}} and {{sponsor}} for {{tier}}.",
                ),
                ("bank", "IBAN NL00"),
                ("address", "1 Main St"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let t = tier(&app, "Gold", 1_000_000, None);
    let s = sponsor(&app, "Acme");
    let id = sponsorship(&app, s, t, Status::Approved);
    let generated = "Agreement between Example Software Foundation and Acme for Gold.";
    let (_, page) = c.page(&format!("/staff/sponsorships/{id}")).await;
    assert!(
        page.contains(generated),
        "the filled-in text is shown: {page}"
    );
    assert!(page.contains("name=\"body\""));

    let send = format!("/staff/sponsorships/{id}/agreement/send");
    for (bad, message) in [
        ("   \r\n ", "Write the agreement"),
        ("Terms\u{7}with a bell", "cannot be shown"),
        (&"x".repeat(50_001) as &str, "too long"),
    ] {
        let r = c.post(&send, &[("body", bad)]).await;
        assert_eq!(r.status(), 422, "{message}");
        let body = r.text().await.expect("body");
        assert!(
            body.contains("id=\"agreement_body-error\"") && body.contains(message),
            "{message}"
        );
        assert!(body.contains("aria-invalid=\"true\""));
    }
    let r = c
        .post(&send, &[("body", "Typed <b>draft</b> kept\u{7}")])
        .await;
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Typed &#60;b&#62;draft&#60;/b&#62; kept")
    );
    assert_eq!(status_of(&app, id), "approved", "nothing sent");
    assert!(
        steward::models::agreements::for_sponsorship(&mut app.db(), id)
            .expect("list")
            .is_empty()
    );
    assert_eq!(app.outbox_count("agreement_sent"), 0);

    let edited = format!("{generated}\r\nSpecial clause: the booth is by the entrance.");
    let r = c.post(&send, &[("body", edited.as_str())]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), "agreement_sent");
    let a = &steward::models::agreements::for_sponsorship(&mut app.db(), id).expect("list")[0];
    assert_eq!(a.body, edited.replace("\r\n", "\n"));
    let entry = app.audit("agreement.send");
    assert!(
        entry[0].details.contains("edited for this sponsorship"),
        "{entry:?}"
    );
    assert_eq!(
        steward::services::agreements::template(&mut app.db()).expect("template"),
        "Agreement between {{foundation}} and {{sponsor}} for {{tier}}.",
        "the template is untouched"
    );
    // The sponsor reads exactly that text.
    let portal = app
        .link_client(
            steward::web::extract::portal::LinkKind::SPONSOR,
            s,
            &primary("acme"),
        )
        .await;
    let (_, page) = portal.page(&format!("/portal/agreements/{}", a.id)).await;
    assert!(
        page.contains("Special clause: the booth is by the entrance."),
        "{page}"
    );
}

/// Sets the sponsorship `id` as the renewal of `of`.
fn mark_renewal(app: &TestApp, id: i64, of: i64) {
    use steward::db::schema::sponsorships::dsl as s;
    diesel::update(s::sponsorships.find(id))
        .set(s::renewal_of_id.eq(Some(of)))
        .execute(&mut app.db())
        .expect("renewal");
}

#[tokio::test]
async fn each_programme_and_renewals_can_have_their_own_agreement_template() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let (open_source, gold) =
        crate::fixtures::NewTier::named("Gold", 1_000_000).insert_with_programme(&mut app.db());
    let (_, community) =
        crate::fixtures::NewTier::named("Community", 100_000).insert_with_programme(&mut app.db());
    let s = sponsor(&app, "Acme");
    let first = sponsorship(&app, s, gold, Status::Expired);
    let fresh = sponsorship(&app, sponsor(&app, "Newco"), gold, Status::Approved);
    let renewal = sponsorship(&app, s, gold, Status::Approved);
    mark_renewal(&app, renewal, first);
    let elsewhere = sponsorship(&app, sponsor(&app, "Other"), community, Status::Approved);

    // Nothing written: everyone gets the standard template, and the page says so.
    let (status, list) = c.page("/staff/settings/agreement-templates").await;
    assert_eq!(status, 200);
    assert!(list.contains("Programme Gold 2027: renewals"), "{list}");
    assert_eq!(list.matches("Not written: falls back").count(), 5, "{list}");
    let (_, page) = c.page(&format!("/staff/sponsorships/{renewal}")).await;
    assert!(
        page.contains(
            "href=\"/staff/settings/agreement-templates/standard\">the standard template</a>"
        ),
        "{page}"
    );

    // The renewal template, then the programme's own for new sponsorships.
    let r = c
        .post(
            "/staff/settings/agreement-templates/renewal",
            &[("template", "RENEWAL for {{sponsor}}, {{term}}.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let programme = format!("/staff/settings/agreement-templates/programme-{open_source}");
    let r = c
        .post(
            &programme,
            &[("template", "GOLD PROGRAMME: {{sponsor}} pays {{fee}}.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    for (id, starts, from) in [
        (
            fresh,
            "GOLD PROGRAMME: Newco pays $10,000.00.",
            "the template of Programme Gold 2027",
        ),
        (
            renewal,
            "RENEWAL for Acme, 1 January 2027 to 31 December 2027.",
            "the renewal template",
        ),
        (elsewhere, "SPONSORSHIP AGREEMENT", "the standard template"),
    ] {
        let (_, page) = c.page(&format!("/staff/sponsorships/{id}")).await;
        assert!(page.contains(starts), "{id}: {page}");
        assert!(page.contains(&format!(">{from}</a>")), "{id}: {from}");
    }

    // The programme's renewal template wins over the foundation's for that programme's
    // renewals; it is what is sent, and the audit says which template it came from.
    let r = c
        .post(
            &format!("{programme}-renewal"),
            &[("template", "GOLD RENEWAL: {{sponsor}}.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = c
        .post(
            &format!("/staff/sponsorships/{renewal}/agreement/send"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let sent = steward::models::agreements::for_sponsorship(&mut app.db(), renewal).expect("a");
    assert_eq!(sent[0].body, "GOLD RENEWAL: Acme.");
    let entry = app.audit("agreement.send").pop().expect("audit").details;
    assert!(
        entry.contains("from the renewal template of Programme Gold 2027"),
        "{entry}"
    );

    // Hostile and wrong input: an unknown placeholder, control characters, an unknown
    // programme or variant; nothing saved.
    let community_programme = steward::models::tiers::find(&mut app.db(), community)
        .expect("tier")
        .programme_id;
    let path = format!("/staff/settings/agreement-templates/programme-{community_programme}");
    for bad in ["Hi {{price}}", "Hi \u{1b}[2J {{sponsor}}", "   "] {
        let r = c.post(&path, &[("template", bad)]).await;
        assert_eq!(r.status(), 422, "{bad}");
        let body = r.text().await.expect("body");
        assert!(body.contains("aria-invalid=\"true\""), "{body}");
    }
    for wrong in [
        "programme-999999",
        "programme-x",
        "programme--1",
        "renewals",
        "programme-1-renewal-2",
    ] {
        let (status, _) = c
            .page(&format!("/staff/settings/agreement-templates/{wrong}"))
            .await;
        assert_eq!(status, 404, "{wrong}");
    }
    assert!(
        steward::models::app_settings::get(
            &mut app.db(),
            &format!("agreements.template.programme.{community_programme}")
        )
        .expect("get")
        .is_none()
    );

    // Removing the programme's template: its new sponsorships fall back to the standard one.
    let r = c.post(&programme, &[("action", "remove")]).await;
    assert_eq!(r.status(), 303);
    let (_, page) = c.page(&format!("/staff/sponsorships/{fresh}")).await;
    assert!(page.contains(">the standard template</a>"), "{page}");

    // Who may: billing-settings staff; a grants reviewer or an editor may not.
    for role in [Role::GrantsReviewer, Role::Editor] {
        let other = app.signed_in(&[role]).await.0;
        let (status, _) = other.page("/staff/settings/agreement-templates").await;
        assert_eq!(status, 403);
        let r = other.post(&programme, &[("template", "x")]).await;
        assert_eq!(r.status(), 403);
    }
}
