//! The applicant's private page: links (enter, expired, unknown, re-request with its limits,
//! leave), status and history, messages with reviewers, withdrawal by the transition table,
//! the decision and payments, the report with checked attachments, and one applicant never
//! reaching another's application or files.

use diesel::prelude::*;
use steward::db::schema::{
    audit_log, grant_applications, grant_events, grant_files, portal_tokens as tokens,
};
use steward::domain::Role;
use steward::domain::grants::Status;
use steward::models::grant_applications as apps;
use steward::models::portal_tokens::{self, Scope};
use steward::web::extract::portal::LinkKind;

use crate::fixtures::grants::{
    AMA, GrantBuilder, JPEG, PDF, PNG, ProgrammeBuilder, add_file, assign, day_in, decide,
    paid_out, recuse, status_of, stored_files,
};
use crate::helpers::{FilePart, TestApp, TestClient, html, link_path, location};

/// Moves an application along `path` as staff would.
fn walk(app: &TestApp, id: i64, path: &[Status]) {
    let mut conn = app.db();
    for to in path {
        let from = apps::find(&mut conn, id).expect("find").status();
        assert!(
            apps::move_status(&mut conn, id, from, *to, "staff@foundation.example", "")
                .expect("move"),
            "{from:?} -> {to:?}"
        );
    }
}

async fn post_report(c: &TestClient, body: &str, files: Vec<FilePart>) -> reqwest::Response {
    c.post_multipart(
        "/grants/portal/report",
        &[("body".to_string(), body.to_string())],
        "attachments",
        files,
    )
    .await
}

#[tokio::test]
async fn links_open_the_page_and_expired_or_unknown_links_are_refused() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conference grants").insert(&app);
    let id = GrantBuilder::new(p).event("PyCon Ghana").insert(&app);

    let c = app.link_client(LinkKind::APPLICANT, id, AMA).await;
    let (status, home) = c.page("/grants/portal").await;
    assert_eq!(status, 200);
    assert!(
        home.contains("PyCon Ghana") && home.contains(&format!("G-{id}")),
        "{home}"
    );
    assert!(home.contains("Application received"), "history: {home}");
    assert!(
        home.contains("/grants/portal/leave"),
        "the header offers to leave"
    );
    assert!(c.cookie("steward_grant").is_some());

    let expired = portal_tokens::issue(
        &mut app.db(),
        Scope::GrantApplication,
        id,
        AMA,
        chrono::Duration::hours(-1),
    )
    .expect("token");
    let v = app.new_client();
    let r = v.get(&format!("/grants/portal/enter/{expired}")).await;
    assert_eq!(location(&r), "/grants/portal/link?expired=1");
    assert!(
        v.page("/grants/portal/link?expired=1")
            .await
            .1
            .contains("That link has expired")
    );
    let r = v
        .get(&format!("/grants/portal/enter/{}", "A".repeat(43)))
        .await;
    assert_eq!(location(&r), "/grants/portal/link?unknown=1");
    assert!(
        v.page("/grants/portal/link?unknown=1")
            .await
            .1
            .contains("That link does not work")
    );
    // A sponsor's link is not an applicant's link, even with the same number.
    let sponsor = portal_tokens::issue(
        &mut app.db(),
        Scope::Sponsor,
        id,
        AMA,
        chrono::Duration::days(1),
    )
    .expect("token");
    let r = v.get(&format!("/grants/portal/enter/{sponsor}")).await;
    assert_eq!(location(&r), "/grants/portal/link?unknown=1");
    // No cookie at all.
    for path in ["/grants/portal", "/grants/portal/files/1"] {
        let r = app.new_client().get(path).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/grants/portal/link");
    }

    // A link that expires while in the cookie (of this browser, and of another one that
    // has not been back since).
    let idle = app.link_client(LinkKind::APPLICANT, id, AMA).await;
    diesel::update(tokens::table)
        .set(tokens::expires_at.eq(steward::models::now() - chrono::Duration::minutes(1)))
        .execute(&mut *app.db())
        .expect("expire");
    let r = c.get("/grants/portal").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/grants/portal/link?expired=1");
    // …and nothing can be changed with it.
    let r = idle
        .post("/grants/portal/withdraw", &[("confirm", "1")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/grants/portal/link?expired=1");
    assert_eq!(status_of(&app, id), Status::Submitted);
}

#[tokio::test]
async fn leaving_forgets_the_link_in_this_browser() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conference grants").insert(&app);
    let id = GrantBuilder::new(p).event("PyCon Ghana").insert(&app);
    let c = app.link_client(LinkKind::APPLICANT, id, AMA).await;
    // A leave posted from another site (no CSRF token) is refused: the link stays.
    let r = c.post_raw("/grants/portal/leave", &[]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(c.page("/grants/portal").await.0, 200);
    let r = c.post("/grants/portal/leave", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/grants/portal/link");
    let r = c.get("/grants/portal").await;
    assert_eq!(location(&r), "/grants/portal/link");
}

#[tokio::test]
async fn a_link_request_answers_the_same_for_everyone_within_cooldown_and_daily_cap() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conference grants").insert(&app);
    let a = GrantBuilder::new(p).event("PyCon Ghana").insert(&app);
    let b = GrantBuilder::new(p)
        .event("Django Girls Accra")
        .insert(&app);
    let c = app.new_client();
    let (status, page) = c.page("/grants/portal/link").await;
    assert_eq!(status, 200);
    assert!(page.contains("Email me a link"));

    let known = c
        .post("/grants/portal/link", &[("email", "AMA@PyGhana.example")])
        .await;
    let unknown = c
        .post(
            "/grants/portal/link",
            &[("email", "nobody@unknown.example")],
        )
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
    assert!(flash(&known).is_some());
    assert_eq!(flash(&known), flash(&unknown));
    assert_eq!(app.outbox_count_to("grant_portal_link", AMA), 1);
    assert_eq!(
        app.outbox_count_to("grant_portal_link", "nobody@unknown.example"),
        0
    );

    // One email with a link per application; each opens its own.
    let m = app.wait_for_mail(AMA, "grant_portal_link").await;
    assert!(
        m.text.contains(&format!("G-{a}")) && m.text.contains(&format!("G-{b}")),
        "{}",
        m.text
    );
    let path = link_path(&m.text, "/grants/portal/enter/");
    let v = app.new_client();
    v.get(&path).await;
    assert_eq!(v.page("/grants/portal").await.0, 200);

    // Asking again at once sends nothing more and answers the same.
    let again = c.post("/grants/portal/link", &[("email", AMA)]).await;
    assert_eq!(location(&again), "/grants/portal/link?sent=1");
    assert_eq!(app.outbox_count_to("grant_portal_link", AMA), 1);
    // After the cooldown it sends again…
    let backdate = |app: &TestApp| {
        diesel::update(audit_log::table)
            .set(audit_log::at.eq(steward::models::now() - chrono::Duration::minutes(5)))
            .execute(&mut *app.db())
            .expect("backdate");
    };
    backdate(&app);
    c.post("/grants/portal/link", &[("email", AMA)]).await;
    assert_eq!(app.outbox_count_to("grant_portal_link", AMA), 2);
    // Links in other emails (confirmations, questions, decisions) do not count against the
    // daily cap: an active applicant can always ask.
    for _ in 0..20 {
        portal_tokens::issue(
            &mut app.db(),
            Scope::GrantApplication,
            a,
            AMA,
            chrono::Duration::days(14),
        )
        .expect("token");
    }
    backdate(&app);
    c.post("/grants/portal/link", &[("email", AMA)]).await;
    assert_eq!(app.outbox_count_to("grant_portal_link", AMA), 3);
    // …until ten requests were answered for the address in a day.
    for _ in 0..7 {
        backdate(&app);
        c.post("/grants/portal/link", &[("email", AMA)]).await;
    }
    assert_eq!(app.outbox_count_to("grant_portal_link", AMA), 10);
    backdate(&app);
    let r = c.post("/grants/portal/link", &[("email", AMA)]).await;
    assert_eq!(location(&r), "/grants/portal/link?sent=1");
    assert_eq!(app.outbox_count_to("grant_portal_link", AMA), 10);

    // A malformed address is a field error.
    let r = c
        .post(
            "/grants/portal/link",
            &[("email", "ama@pyghana.example\r\nBcc: x@y.example")],
        )
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn an_answer_to_a_question_moves_back_to_review_and_tells_the_reviewers() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conference grants").insert(&app);
    let id = GrantBuilder::new(p).event("PyCon Ghana").insert(&app);
    let rita = app.create_staff(
        "Rita Reviewer",
        "rita@foundation.example",
        &[Role::GrantsReviewer],
    );
    let carl = app.create_staff(
        "Carl Conflicted",
        "carl@foundation.example",
        &[Role::GrantsReviewer],
    );
    assign(&app, id, rita);
    assign(&app, id, carl);
    recuse(&app, id, carl, "");
    walk(&app, id, &[Status::UnderReview, Status::InfoRequested]);
    apps::add_message(
        &mut app.db(),
        id,
        false,
        "Rita Reviewer",
        "How many <b>speakers</b> travel?",
    )
    .expect("question");

    let c = app.link_client(LinkKind::APPLICANT, id, AMA).await;
    let home = c.page("/grants/portal").await.1;
    assert!(home.contains("We asked you a question"), "{home}");
    assert!(
        home.contains(&html("How many <b>speakers</b> travel?")),
        "{home}"
    );
    assert!(
        home.contains("Grants team") && !home.contains("Rita"),
        "reviewers stay anonymous"
    );
    assert!(home.contains("Your answer"));

    // An empty answer is a message next to the field; nothing moves.
    let r = c.post("/grants/portal/messages", &[("body", "   ")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("id=\"reply-error\""));
    assert_eq!(status_of(&app, id), Status::InfoRequested);

    let answer = "Five speakers. <script>alert(1)</script>";
    let r = c
        .post(
            "/grants/portal/messages",
            &[("body", answer), ("application_id", "999")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::UnderReview);
    let last: (Option<String>, String, String) = grant_events::table
        .filter(grant_events::application_id.eq(id))
        .order(grant_events::id.desc())
        .select((
            grant_events::from_status,
            grant_events::to_status,
            grant_events::actor,
        ))
        .first(&mut *app.db())
        .expect("event");
    assert_eq!(
        last,
        (
            Some("info_requested".into()),
            "under_review".into(),
            format!("applicant {AMA}")
        )
    );
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq_any(["grant.applicant_message", "grant.status"]))
        .filter(audit_log::record_id.eq(id.to_string()))
        .count()
        .get_result(&mut *app.db())
        .expect("audit");
    assert_eq!(audited, 2);

    // The assigned reviewer hears about it; the recused one does not.
    let m = app
        .wait_for_mail("rita@foundation.example", "grant_applicant_activity")
        .await;
    assert!(m.text.contains("Five speakers."), "{}", m.text);
    assert!(!m.html.contains("<script>"), "{}", m.html);
    assert!(m.text.contains(&format!("/staff/grants/{id}")));
    assert_eq!(
        app.outbox_count_to("grant_applicant_activity", "carl@foundation.example"),
        0
    );

    let home = c.page("/grants/portal").await.1;
    assert!(home.contains(&html("Five speakers. <script>")), "{home}");
    assert!(!home.contains("<script>alert(1)</script>"));
    assert!(home.contains("Back under review"));

    // A second message while under review moves nothing and is still delivered.
    let r = c
        .post(
            "/grants/portal/messages",
            &[("body", "Also: we found a venue.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::UnderReview);
    assert_eq!(
        app.outbox_count_to("grant_applicant_activity", "rita@foundation.example"),
        2
    );

    // Declined: messages are closed.
    walk(&app, id, &[Status::Declined]);
    let r = c.post("/grants/portal/messages", &[("body", "Why?")]).await;
    assert_eq!(r.status(), 409);
    assert!(!c.page("/grants/portal").await.1.contains("name=\"body\""));
}

#[tokio::test]
async fn withdrawing_follows_the_transition_table() {
    let app = TestApp::spawn().await;
    app.create_staff(
        "Dee Decider",
        "decider@foundation.example",
        &[Role::GrantsDecider],
    );
    let p = ProgrammeBuilder::event("Conference grants").insert(&app);

    // Submitted: the box must be ticked, then it is withdrawn, once.
    let id = GrantBuilder::new(p).event("PyCon Ghana").insert(&app);
    let c = app.link_client(LinkKind::APPLICANT, id, AMA).await;
    assert!(
        c.page("/grants/portal")
            .await
            .1
            .contains("Withdraw the application")
    );
    let r = c
        .post("/grants/portal/withdraw", &[("reason", "Venue lost")])
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(status_of(&app, id), Status::Submitted);
    let r = c
        .post(
            "/grants/portal/withdraw",
            &[("reason", "Venue lost"), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::Withdrawn);
    let note: String = grant_events::table
        .filter(grant_events::application_id.eq(id))
        .order(grant_events::id.desc())
        .select(grant_events::note)
        .first(&mut *app.db())
        .expect("event");
    assert!(note.contains("Venue lost"));
    app.wait_for_mail("decider@foundation.example", "grant_applicant_activity")
        .await;
    let r = c.post("/grants/portal/withdraw", &[("confirm", "1")]).await;
    assert_eq!(r.status(), 409);
    let home = c.page("/grants/portal").await.1;
    assert!(!home.contains("Withdraw the application"));

    // Approved (not yet paid): still possible.
    let approved = GrantBuilder::new(p).event("Approved Conf").insert(&app);
    walk(&app, approved, &[Status::UnderReview, Status::Approved]);
    let c = app.link_client(LinkKind::APPLICANT, approved, AMA).await;
    let r = c.post("/grants/portal/withdraw", &[("confirm", "1")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, approved), Status::Withdrawn);

    // Approved and partly paid: refused, so the money paid does not vanish from view.
    let part = GrantBuilder::new(p).event("Part-paid Conf").insert(&app);
    walk(&app, part, &[Status::UnderReview, Status::Approved]);
    decide(&app, part, Some((200_000, 200_000)), "");
    paid_out(&app, part, 50_000);
    let c = app.link_client(LinkKind::APPLICANT, part, AMA).await;
    let r = c.post("/grants/portal/withdraw", &[("confirm", "1")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("body").contains("already been paid"));
    assert_eq!(status_of(&app, part), Status::Approved);

    // Paid, report due, declined, closed: refused, nothing changes.
    let cases: &[(&[Status], &str)] = &[
        (
            &[Status::UnderReview, Status::Approved, Status::Paid],
            "already been paid",
        ),
        (
            &[
                Status::UnderReview,
                Status::Approved,
                Status::Paid,
                Status::ReportDue,
            ],
            "already been paid",
        ),
        (
            &[Status::UnderReview, Status::Declined],
            "nothing to withdraw",
        ),
        (
            &[
                Status::UnderReview,
                Status::Approved,
                Status::Paid,
                Status::ReportReceived,
                Status::Closed,
            ],
            "already been paid",
        ),
    ];
    for (path, message) in cases {
        let id = GrantBuilder::new(p).event("Later Conf").insert(&app);
        walk(&app, id, path);
        let before = status_of(&app, id);
        let c = app.link_client(LinkKind::APPLICANT, id, AMA).await;
        assert!(
            !c.page("/grants/portal")
                .await
                .1
                .contains("Withdraw the application")
        );
        let r = c.post("/grants/portal/withdraw", &[("confirm", "1")]).await;
        assert_eq!(r.status(), 409, "{before:?}");
        let page = r.text().await.expect("body");
        assert!(page.contains(message), "{before:?}: {page}");
        assert_eq!(status_of(&app, id), before);
    }
}

#[tokio::test]
async fn the_decision_and_the_payments_are_shown_when_they_are_final() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conference grants").insert(&app);

    let declined = GrantBuilder::new(p).event("Declined Conf").insert(&app);
    decide(
        &app,
        declined,
        None,
        "The budget for this year is spent. <i>Sorry</i>.",
    );
    // Still in review (a decision row would not exist yet, but never show one early).
    let c = app.link_client(LinkKind::APPLICANT, declined, AMA).await;
    assert!(!c.page("/grants/portal").await.1.contains("id=\"decision\""));
    walk(&app, declined, &[Status::UnderReview, Status::Declined]);
    let home = c.page("/grants/portal").await.1;
    assert!(home.contains("Declined on"), "{home}");
    assert!(home.contains(&html("The budget for this year is spent. <i>Sorry</i>.")));
    assert!(!home.contains("id=\"payment\""));

    let won = GrantBuilder::new(p).event("Awarded Conf").insert(&app);
    walk(&app, won, &[Status::UnderReview, Status::Approved]);
    decide(&app, won, Some((200_000, 200_000)), "");
    let c = app.link_client(LinkKind::APPLICANT, won, AMA).await;
    let home = c.page("/grants/portal").await.1;
    assert!(
        home.contains("We award <strong>$2,000.00</strong>"),
        "{home}"
    );
    assert!(home.contains("Not paid yet"));

    paid_out(&app, won, 200_000);
    walk(&app, won, &[Status::Paid]);
    diesel::update(grant_applications::table.find(won))
        .set(grant_applications::report_due_on.eq(Some(day_in(150))))
        .execute(&mut *app.db())
        .expect("due");
    let home = c.page("/grants/portal").await.1;
    assert!(
        home.contains("Bank transfer") && home.contains("$2,000.00"),
        "{home}"
    );
    assert!(!home.contains("Not paid yet"));
    assert!(
        home.contains(&day_in(150).format("%-d %B %Y").to_string()),
        "report due date"
    );
    // The event is still to come: the report form opens on its last day.
    assert!(!home.contains("Send the report"));
    assert!(home.contains("The report form opens on"), "{home}");
    let r = post_report(&c, "Early.", vec![]).await;
    assert_eq!(r.status(), 409);
    assert!(apps::report(&mut app.db(), won).expect("q").is_none());

    // Overdue reports say so.
    diesel::update(grant_applications::table.find(won))
        .set(grant_applications::report_due_on.eq(Some(day_in(-2))))
        .execute(&mut *app.db())
        .expect("due");
    assert!(
        c.page("/grants/portal")
            .await
            .1
            .contains("Your report was due on")
    );
}

#[tokio::test]
async fn the_report_takes_text_and_checked_attachments_once() {
    let app = TestApp::spawn().await;
    app.create_staff(
        "Tess Treasurer",
        "treasurer@foundation.example",
        &[Role::Treasurer],
    );
    let p = ProgrammeBuilder::event("Conference grants").insert(&app);
    let id = GrantBuilder::new(p).event("PyCon Ghana").insert(&app);
    let c = app.link_client(LinkKind::APPLICANT, id, AMA).await;

    // Not paid yet: no form, and a forged post is refused without storing anything.
    assert!(!c.page("/grants/portal").await.1.contains("Send the report"));
    let r = post_report(
        &c,
        "It went well.",
        vec![(PDF.to_vec(), "r.pdf", "application/pdf")],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(status_of(&app, id), Status::Submitted);
    assert_eq!(stored_files(&app), 0);

    walk(
        &app,
        id,
        &[
            Status::UnderReview,
            Status::Approved,
            Status::Paid,
            Status::ReportDue,
        ],
    );

    // Refused: no text; a file of another kind; an SVG; too many files; too large.
    let r = post_report(&c, "  ", vec![]).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("id=\"report-error\"")
    );
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let bad: Vec<(Vec<FilePart>, &str)> = vec![
        (
            vec![(b"GIF89a\x01\x00".to_vec(), "photo.jpg", "image/jpeg")],
            "PDF, PNG or JPEG files only",
        ),
        (
            vec![(
                b"<svg onload=\"alert(1)\"/>".to_vec(),
                "chart.png",
                "image/png",
            )],
            "PDF, PNG or JPEG files only",
        ),
        (
            vec![(b"%PDF-1.4 cut".to_vec(), "r.pdf", "application/pdf")],
            "incomplete",
        ),
        (
            (0..6)
                .map(|_| (PNG.to_vec(), "p.png", "image/png"))
                .collect(),
            "at most 5 files",
        ),
        (
            vec![(big, "big.pdf", "application/pdf")],
            "larger than 10 MB",
        ),
    ];
    for (files, message) in bad {
        let r = post_report(&c, "It went well.", files).await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.expect("body");
        assert!(page.contains(message), "{message}: {page}");
        assert!(page.contains("It went well."), "the text is kept");
    }
    assert_eq!(status_of(&app, id), Status::ReportDue);
    assert_eq!(stored_files(&app), 0);

    let r = post_report(
        &c,
        "420 people came. <script>alert(1)</script>",
        vec![
            (PDF.to_vec(), "accounts.pdf", "application/pdf"),
            (PNG.to_vec(), "crowd.png", "image/png"),
            (JPEG.to_vec(), "stage.jpg", "application/octet-stream"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::ReportReceived);
    let rows: Vec<(i64, String, String)> = grant_files::table
        .filter(grant_files::application_id.eq(id))
        .filter(grant_files::purpose.eq("report"))
        .order(grant_files::id.asc())
        .select((
            grant_files::id,
            grant_files::content_type,
            grant_files::file_name,
        ))
        .load(&mut *app.db())
        .expect("files");
    assert_eq!(
        rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["application/pdf", "image/png", "image/jpeg"]
    );
    assert_eq!(stored_files(&app), 3);
    app.wait_for_mail("treasurer@foundation.example", "grant_applicant_activity")
        .await;

    let home = c.page("/grants/portal").await.1;
    assert!(home.contains(&html("420 people came. <script>")), "{home}");
    assert!(home.contains("crowd.png") && home.contains("Thank you for your report"));
    assert!(!home.contains("Send the report"));
    let r = c.get(&format!("/grants/portal/files/{}", rows[1].0)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment;")
    );
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), PNG);

    // Once only.
    let r = post_report(
        &c,
        "Again.",
        vec![(PDF.to_vec(), "r.pdf", "application/pdf")],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(stored_files(&app), 3, "the refused upload was not kept");
}

#[tokio::test]
async fn one_applicants_link_cannot_reach_anothers_application() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conference grants").insert(&app);
    let a = GrantBuilder::new(p).event("PyCon Ghana").insert(&app);
    let b = GrantBuilder::new(p)
        .email("kofi@other.example")
        .event("Secret Sprint")
        .insert(&app);
    walk(&app, b, &[Status::UnderReview, Status::InfoRequested]);
    let a_file = add_file(&app, a, "application", "file.pdf", PDF, "application/pdf");
    let b_file = add_file(&app, b, "application", "file.pdf", PDF, "application/pdf");
    let c = app.link_client(LinkKind::APPLICANT, a, AMA).await;

    let home = c.page("/grants/portal").await.1;
    assert!(home.contains("PyCon Ghana") && !home.contains("Secret Sprint"));
    assert_eq!(
        c.get(&format!("/grants/portal/files/{a_file}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        c.get(&format!("/grants/portal/files/{b_file}"))
            .await
            .status(),
        404
    );
    assert_eq!(c.get("/grants/portal/files/999999").await.status(), 404);

    // Ids in forms are ignored: the link decides which application a change touches.
    let bid = b.to_string();
    let r = c
        .post(
            "/grants/portal/messages",
            &[("body", "Hello"), ("application_id", &bid), ("id", &bid)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(apps::messages(&mut app.db(), b).expect("messages").len(), 0);
    assert_eq!(apps::messages(&mut app.db(), a).expect("messages").len(), 1);
    assert_eq!(status_of(&app, b), Status::InfoRequested);
    let r = c
        .post(
            "/grants/portal/withdraw",
            &[("confirm", "1"), ("application_id", &bid)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, a), Status::Withdrawn);
    assert_eq!(status_of(&app, b), Status::InfoRequested);

    // A token carried in the form does not switch applications either.
    let b_raw = portal_tokens::issue(
        &mut app.db(),
        Scope::GrantApplication,
        b,
        "kofi@other.example",
        chrono::Duration::days(1),
    )
    .expect("token");
    let t = c.csrf_token().await;
    let r = c
        .post_raw(
            "/grants/portal/messages",
            &[("body", "x"), ("token", &b_raw), ("csrf_token", &t)],
        )
        .await;
    assert_eq!(
        r.status(),
        409,
        "A's application is withdrawn; B is untouched"
    );
    assert_eq!(apps::messages(&mut app.db(), b).expect("messages").len(), 0);

    // Another browser's CSRF token does not work with this browser's link.
    let other = app
        .link_client(LinkKind::APPLICANT, b, "kofi@other.example")
        .await;
    let t = other.csrf_token().await;
    let r = c
        .post_raw("/grants/portal/leave", &[("csrf_token", &t)])
        .await;
    assert_eq!(r.status(), 403);
    // Nor does a token made with this browser's nonce for another applicant's link: the
    // token is bound to the link the browser holds.
    let nonce = c.cookie("steward_csrf").expect("nonce");
    let kofi = other.cookie("steward_grant").expect("kofi's link");
    let forged = steward::auth::csrf::token_for(
        &app.state.csrf_key,
        &nonce,
        &steward::auth::csrf::binding("", &format!("|{kofi}")),
    );
    let r = c
        .post_raw("/grants/portal/leave", &[("csrf_token", &forged)])
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(c.page("/grants/portal").await.0, 200, "still inside");
    // This browser's own token works.
    let r = c.post("/grants/portal/leave", &[]).await;
    assert_eq!(r.status(), 303);
}
