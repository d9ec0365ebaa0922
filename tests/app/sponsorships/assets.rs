//! Benefit assets: staff ask a tier's sponsors for a text, a file, a link or a yes/no
//! answer; sponsors provide it in the portal; reminders go once each; staff email exactly
//! the sponsors still missing it.

use chrono::NaiveDate;
use diesel::prelude::*;
use steward::db::schema::{asset_requests, asset_submissions, outbox};
use steward::domain::Role;
use steward::domain::sponsorship::Status;

use crate::fixtures::sponsorships::{portal_as, sponsor_with_team, sponsorship, tier};
use crate::helpers::{TestApp, TestClient, flash, location};

fn request_ids(app: &TestApp, tier_id: i64) -> Vec<(i64, String)> {
    asset_requests::table
        .filter(asset_requests::tier_id.eq(tier_id))
        .order(asset_requests::id.asc())
        .select((asset_requests::id, asset_requests::kind))
        .load(&mut app.db())
        .expect("requests")
}

/// The recipients of `asset_request` emails, sorted.
fn asked_recipients(app: &TestApp) -> Vec<String> {
    let mut v: Vec<String> = outbox::table
        .filter(outbox::kind.eq("asset_request"))
        .select(outbox::to_addr)
        .load(&mut app.db())
        .expect("outbox");
    v.sort();
    v
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";

async fn upload(c: &TestClient, path: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let token = c.csrf_token().await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    c.http
        .post(c.url(&format!("{path}?csrf_token={token}")))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

#[tokio::test]
async fn staff_ask_sponsors_provide_each_kind_and_the_missing_are_emailed_in_one_step() {
    let app = TestApp::spawn().await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let other_tier = tier(&app, "Silver", 500_000, None);
    let a = sponsor_with_team(&app, "Acme", "acme");
    let b = sponsor_with_team(&app, "Blue", "blue");
    let c = sponsor_with_team(&app, "Early", "early");
    let sa = sponsorship(&app, a, t, Status::Active);
    let sb = sponsorship(&app, b, t, Status::AgreementAccepted);
    sponsorship(&app, c, t, Status::Applied);
    let staff = app.signed_in(&[Role::Sponsorships]).await.0;

    // Hostile and wrong input: refused next to its field, nothing stored.
    let path = format!("/staff/tiers/{t}/asset-requests");
    for (label, kind, due, field) in [
        ("", "text", "2027-03-01", "label"),
        ("Two\r\nlines", "text", "2027-03-01", "label"),
        ("Booth names", "exe", "2027-03-01", "kind"),
        ("Booth names", "text", "2027-02-31", "due_on"),
        ("Booth names", "text", "", "due_on"),
    ] {
        let r = staff
            .post(
                &path,
                &[
                    ("label", label),
                    ("kind", kind),
                    ("help", ""),
                    ("due_on", due),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{field}");
        let body = r.text().await.expect("body");
        assert!(
            body.contains(&format!("id=\"{field}-error\"")),
            "{field}: {body}"
        );
    }
    assert!(request_ids(&app, t).is_empty());
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    let r = editor
        .post(
            &path,
            &[("label", "x"), ("kind", "text"), ("due_on", "2027-03-01")],
        )
        .await;
    assert_eq!(r.status(), 403);

    // One request of each kind.
    for (label, kind) in [
        ("Booth staff names", "text"),
        ("Artwork for the printed programme", "file"),
        ("Your careers page", "link"),
        ("Will you staff the booth on Saturday?", "yes_no"),
    ] {
        let r = staff
            .post(
                &path,
                &[
                    ("label", label),
                    ("kind", kind),
                    ("help", "<b>Plain</b> please"),
                    ("due_on", "2027-03-01"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{label}");
    }
    let ids = request_ids(&app, t);
    let id = |k: &str| ids.iter().find(|(_, kind)| kind == k).expect("kind").0;
    let (text, file, link, yes_no) = (id("text"), id("file"), id("link"), id("yes_no"));
    let (_, tier_page) = staff.page(&format!("/staff/tiers/{t}")).await;
    assert!(
        tier_page.contains("Artwork for the printed programme"),
        "{tier_page}"
    );

    // The portal lists them for committed sponsorships only.
    let mel = portal_as(&app, a, "mel@acme.example").await;
    let (status, page) = mel.page("/portal/assets").await;
    assert_eq!(status, 200);
    assert!(page.contains("4 things still to provide"), "{page}");
    assert!(
        page.contains("&#60;b&#62;Plain") || page.contains("&lt;b&gt;Plain"),
        "help escaped"
    );
    let (_, home) = mel.page("/portal").await;
    assert!(home.contains("We need 4 things from you"), "{home}");
    let early = portal_as(&app, c, "pat@early.example").await;
    let (_, page) = early.page("/portal/assets").await;
    assert!(page.contains("Nothing is needed from you"), "{page}");

    // Hostile answers: refused next to their own field, nothing stored.
    let long = "x".repeat(5001);
    for (rid, answer) in [
        (link, "javascript:alert(1)"),
        (link, "not a link"),
        (text, long.as_str()),
        (text, "   "),
        (yes_no, "maybe"),
    ] {
        let r = mel
            .post(&format!("/portal/assets/{rid}/{sa}"), &[("answer", answer)])
            .await;
        assert_eq!(r.status(), 422, "{rid} {answer}");
        let body = r.text().await.expect("body");
        assert!(
            body.contains(&format!("id=\"answer-{rid}-{sa}-error\"")),
            "{body}"
        );
        assert!(body.contains("aria-invalid=\"true\""));
    }
    for (name, bytes) in [
        ("logo.svg", b"<svg onload=\"alert(1)\"></svg>".to_vec()),
        ("setup.png", b"MZ\x90\x00 not an image".to_vec()),
        ("big.pdf", {
            let mut v = b"%PDF-1.7\n".to_vec();
            v.resize(10 * 1024 * 1024 + 1, b'a');
            v
        }),
    ] {
        let r = upload(
            &mel,
            &format!("/portal/assets/{file}/{sa}/file"),
            name,
            bytes,
        )
        .await;
        assert_eq!(r.status(), 422, "{name}");
        let body = r.text().await.expect("body");
        assert!(
            body.contains(&format!("id=\"answer-{file}-{sa}-error\"")),
            "{name}"
        );
    }
    let stored: i64 = asset_submissions::table
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(stored, 0);

    // Another sponsor's sponsorship, or a request of another tier: not found.
    let r = mel
        .post(&format!("/portal/assets/{text}/{sb}"), &[("answer", "hi")])
        .await;
    assert_eq!(r.status(), 404);
    let silver = steward::models::assets::insert(
        &mut app.db(),
        other_tier,
        "Silver thing",
        steward::domain::assets::Kind::Text,
        "",
        NaiveDate::from_ymd_opt(2027, 3, 1).expect("date"),
    )
    .expect("request");
    let r = mel
        .post(
            &format!("/portal/assets/{silver}/{sa}"),
            &[("answer", "hi")],
        )
        .await;
    assert_eq!(r.status(), 404);

    // Each kind provided, then the text replaced.
    for (rid, answer) in [
        (text, "Kim and Lee"),
        (link, "https://acme.example/careers"),
        (yes_no, "yes"),
        (text, "Kim, Lee and Sam"),
    ] {
        let r = mel
            .post(&format!("/portal/assets/{rid}/{sa}"), &[("answer", answer)])
            .await;
        assert_eq!(r.status(), 303, "{answer}");
    }
    let r = upload(
        &mel,
        &format!("/portal/assets/{file}/{sa}/file"),
        "art.png",
        PNG.to_vec(),
    )
    .await;
    assert_eq!(r.status(), 303);
    // Two new files at once (a double click): one answer, one file kept, the other removed.
    let dir = steward::services::assets::files_dir(&app.state.settings.data_dir);
    let up = format!("/portal/assets/{file}/{sa}/file");
    let (r1, r2) = tokio::join!(
        upload(&mel, &up, "a.png", PNG.to_vec()),
        upload(&mel, &up, "b.png", PNG.to_vec())
    );
    assert_eq!((r1.status().as_u16(), r2.status().as_u16()), (303, 303));
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        1,
        "one file on disk"
    );
    let (_, page) = mel.page("/portal/assets").await;
    assert!(page.contains("provided everything"), "{page}");
    assert!(page.contains("Kim, Lee and Sam"));
    let answers: i64 = asset_submissions::table
        .filter(asset_submissions::sponsorship_id.eq(sa))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(answers, 4, "one answer per request, the text replaced");

    // Staff: per request, who provided it and who has not.
    let (status, page) = staff.page(&format!("/staff/asset-requests/{text}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("1 provided, 1 still missing"), "{page}");
    let missing = &page[page.find("id=\"missing\"").expect("missing")
        ..page.find("id=\"provided\"").expect("provided")];
    assert!(
        missing.contains("Blue") && !missing.contains("Acme") && !missing.contains("Early"),
        "{missing}"
    );
    let (_, list) = staff.page("/staff/asset-requests").await;
    assert!(
        list.contains(&format!(
            "href=\"/staff/asset-requests/{text}#missing\">1</a>"
        )),
        "{list}"
    );
    let (_, past) = staff.page("/staff/asset-requests?past=1").await;
    assert!(past.contains("No due date has passed yet"), "{past}");
    let (_, page) = staff.page(&format!("/staff/asset-requests/{file}")).await;
    let sub: i64 = asset_submissions::table
        .filter(asset_submissions::request_id.eq(file))
        .select(asset_submissions::id)
        .first(&mut app.db())
        .expect("file answer");
    assert!(page.contains(&format!("/staff/asset-submissions/{sub}/file")));
    let r = staff
        .get(&format!("/staff/asset-submissions/{sub}/file"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .starts_with("attachment")
    );
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), PNG);
    let r = mel
        .get(&format!("/staff/asset-submissions/{sub}/file"))
        .await;
    assert_ne!(r.status(), 200, "not for the portal");
    let (status, _) = editor.page(&format!("/staff/asset-requests/{text}")).await;
    assert_eq!(status, 403);

    // One step emails exactly the sponsors still missing it, logged on their timelines.
    let r = staff
        .post(
            &format!("/staff/asset-requests/{text}/email"),
            &[("note", &"n".repeat(2001))],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(asked_recipients(&app).is_empty());
    let r = staff
        .post(
            &format!("/staff/asset-requests/{text}/email"),
            &[("note", "The printer needs them on Monday.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/staff/asset-requests/{text}"));
    assert_eq!(asked_recipients(&app), ["mel@blue.example"]);
    // A second click (or a colleague at the same moment) sends nothing more.
    let r = staff
        .post(
            &format!("/staff/asset-requests/{text}/email"),
            &[("note", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(flash(&r).expect("flash").0, "error");
    assert_eq!(asked_recipients(&app), ["mel@blue.example"]);
    let mail = app.wait_for_mail("mel@blue.example", "asset_request").await;
    assert!(
        mail.subject.contains("Booth staff names"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("The printer needs them on Monday."));
    assert!(mail.text.contains("?next=/portal/assets"), "{}", mail.text);
    let (_, blue_timeline) = staff.page(&format!("/staff/sponsors/{b}/timeline")).await;
    assert!(
        blue_timeline.contains("Booth staff names"),
        "{blue_timeline}"
    );
    let (_, acme_timeline) = staff.page(&format!("/staff/sponsors/{a}/timeline")).await;
    assert!(
        !acme_timeline.contains("Due 1 March 2027"),
        "{acme_timeline}"
    );

    // Removing the request removes its answers and the stored file.
    let r = staff
        .post(&format!("/staff/asset-requests/{file}/delete"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let left: i64 = asset_submissions::table
        .filter(asset_submissions::request_id.eq(file))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(left, 0);
    let dir = steward::services::assets::files_dir(&app.state.settings.data_dir);
    let files = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0, "the file went with it");
}

#[tokio::test]
async fn reminders_go_before_the_due_date_once_each_to_those_still_missing_it() {
    let app = TestApp::spawn().await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let a = sponsor_with_team(&app, "Acme", "acme");
    let b = sponsor_with_team(&app, "Blue", "blue");
    let sa = sponsorship(&app, a, t, Status::Active);
    sponsorship(&app, b, t, Status::Paid);
    let due = NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
    let rid = steward::models::assets::insert(
        &mut app.db(),
        t,
        "Booth staff names",
        steward::domain::assets::Kind::Text,
        "",
        due,
    )
    .expect("request");
    let day = |before: i64| due - chrono::Duration::days(before);

    app.housekeeping(day(20));
    app.housekeeping(day(15));
    assert!(asked_recipients(&app).is_empty(), "too early");

    app.housekeeping(day(14));
    assert_eq!(
        asked_recipients(&app),
        ["mel@acme.example", "mel@blue.example"]
    );
    // The same day again (a restart, a second instance): nothing more.
    app.housekeeping(day(14));
    app.housekeeping(day(10));
    assert_eq!(asked_recipients(&app).len(), 2);

    // Acme provides it: only Blue hears again, three days before, once.
    let mel = portal_as(&app, a, "mel@acme.example").await;
    let r = mel
        .post(&format!("/portal/assets/{rid}/{sa}"), &[("answer", "Kim")])
        .await;
    assert_eq!(r.status(), 303);
    app.housekeeping(day(3));
    app.housekeeping(day(3));
    app.housekeeping(day(1));
    app.housekeeping(day(0));
    app.housekeeping(day(-5));
    assert_eq!(
        asked_recipients(&app),
        ["mel@acme.example", "mel@blue.example", "mel@blue.example"]
    );
    assert_eq!(app.audit("asset.reminder").len(), 3);
    let mail = app.wait_for_mail("mel@blue.example", "asset_request").await;
    assert!(
        mail.subject.starts_with("Due 1 March 2027"),
        "{}",
        mail.subject
    );
}
