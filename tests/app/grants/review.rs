//! Grant review on the staff side: the queue, the review page (applicant text escaped),
//! files, information requests, reviewers (by hand and in turn), conflicts of interest
//! (403 on every route of the application), votes hidden until one's own is cast, the quorum,
//! and the decision (budget override with a reason, audited; two deciders at once → one
//! decision, one email). Applications are inserted with the models: the public form is
//! another area's.

use diesel::prelude::*;
use steward::db::schema::grant_decisions;
use steward::domain::Role;
use steward::domain::grants::{Status, Vote};
use steward::models::grant_applications as apps;
use steward::models::grant_programmes as programmes;
use steward::models::grant_reviews as reviews;

use crate::fixtures::grants::{
    AMA, GrantBuilder, PDF, ProgrammeBuilder, add_file, assign, recuse, status_of,
};
use crate::helpers::{TestApp, TestClient, link_path, location};

const XSS: &str = "<script>alert(1)</script>";

fn vote(app: &TestApp, id: i64, user: i64, v: Vote) {
    reviews::set_vote(&mut app.db(), id, user, v, Some(4), "").expect("vote");
}

/// A signed-in member of staff with these roles: (client, user id).
async fn staff(app: &TestApp, roles: &[Role]) -> (TestClient, i64) {
    let (c, id, _) = app.signed_in(roles).await;
    (c, id)
}

fn decisions(app: &TestApp, id: i64) -> i64 {
    grant_decisions::table
        .filter(grant_decisions::application_id.eq(id))
        .count()
        .get_result(&mut app.db())
        .expect("count")
}

/// Waits for a delivered email of `kind` whose text contains `needle`.
async fn mail_containing(app: &TestApp, kind: &str, needle: &str) -> steward::email::SentMail {
    for _ in 0..400 {
        if let Some(m) = app
            .sent_mail()
            .into_iter()
            .find(|m| m.kind == kind && m.text.contains(needle))
        {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no {kind} email with {needle:?}: {:?}", app.sent_mail());
}

fn approve_form(award: &str) -> Vec<(&'static str, String)> {
    vec![
        ("outcome", "approve".into()),
        ("award", award.into()),
        ("note", String::new()),
        ("override_reason", String::new()),
    ]
}

async fn post(c: &TestClient, path: &str, f: &[(&'static str, String)]) -> reqwest::Response {
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(path, &refs).await
}

#[tokio::test]
async fn script_in_every_applicant_field_is_escaped_on_the_staff_pages() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 10_000_000)
        .insert(&app);
    // In the same group as the earlier application below.
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(100_000)
        .lines(vec![(format!("Line {XSS}"), 1_000)])
        .with(|n| {
            n.applicant_name = format!("Name {XSS}");
            n.applicant_email = format!("mail{XSS}@example.org");
            n.organisation = format!("Org {XSS}");
            n.country = XSS.into();
            n.event_name = format!("Event {XSS}");
            n.city = format!("City {XSS}");
            n.event_country = XSS.into();
            n.website = "javascript:alert(1)".into();
            n.coc_url = "https://example.org/\"><script>alert(2)</script>".to_string();
            n.purpose = format!("Purpose {XSS}");
            n.outreach = format!("Outreach {XSS}");
            n.earlier_grants = format!("Earlier {XSS}");
        })
        .insert(&app);
    add_file(
        &app,
        id,
        "application",
        &format!("file{XSS}.pdf"),
        PDF,
        "application/pdf",
    );
    {
        let mut c = app.db();
        apps::add_message(
            &mut c,
            id,
            true,
            &format!("Author {XSS}"),
            &format!("Reply {XSS}"),
        )
        .expect("message");
        apps::add_event(
            &mut c,
            id,
            None,
            Status::UnderReview,
            &format!("actor {XSS}"),
            XSS,
        )
        .expect("event");
    }
    // The same group's earlier application shows on the page too.
    GrantBuilder::new(p)
        .status(Status::Declined)
        .requested(50_000)
        .event(&format!("Earlier event {XSS}"))
        .insert(&app);

    let (reviewer, rid) = staff(&app, &[Role::GrantsReviewer]).await;
    assign(&app, id, rid);
    reviews::set_vote(
        &mut app.db(),
        id,
        rid,
        Vote::Approve,
        Some(5),
        &format!("Comment {XSS}"),
    )
    .expect("vote");
    let (decider, _) = staff(&app, &[Role::GrantsDecider]).await;
    for (c, path) in [
        (&decider, "/staff/grants".to_string()),
        (&decider, format!("/staff/grants/{id}")),
        (&reviewer, format!("/staff/grants/{id}")),
        (&decider, "/staff/grants?status=all".to_string()),
    ] {
        let (status, body) = c.page(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !body.contains("<script>alert"),
            "{path}: raw script in {body}"
        );
        assert!(
            !body.contains("href=\"javascript:"),
            "{path}: javascript link"
        );
        assert!(
            body.contains("&#60;script&#62;"),
            "{path}: escaped text shown"
        );
    }
    let (_, page) = decider.page(&format!("/staff/grants/{id}")).await;
    for shown in [
        "Name &#60;script&#62;",
        "Org &#60;script&#62;",
        "Event &#60;script&#62;",
        "City &#60;script&#62;",
        "Purpose &#60;script&#62;",
        "Outreach &#60;script&#62;",
        "Earlier &#60;script&#62;",
        "Line &#60;script&#62;",
        "Reply &#60;script&#62;",
        "Comment &#60;script&#62;",
        "Earlier event &#60;script&#62;",
        "javascript:alert(1)",
    ] {
        assert!(page.contains(shown), "{shown} missing");
    }
}

#[tokio::test]
async fn every_illegal_status_move_is_refused() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 100_000_000)
        .insert(&app);
    let (decider, did) = staff(&app, &[Role::GrantsReviewer, Role::GrantsDecider]).await;
    for status in Status::ALL {
        // No decision row even where one would follow: only the status table refuses here.
        let id = GrantBuilder::new(p)
            .status(status)
            .requested(50_000)
            .undecided()
            .insert(&app);
        assign(&app, id, did);
        vote(&app, id, did, Vote::Approve);
        let base = format!("/staff/grants/{id}");
        let mut tried = 0;
        // Start (or resume) the review: only from submitted or information requested.
        if !matches!(status, Status::Submitted | Status::InfoRequested) {
            let r = decider.post(&format!("{base}/start"), &[]).await;
            assert_eq!(r.status(), 409, "start from {status:?}");
            let body = r.text().await.expect("body");
            assert!(body.contains("cannot become"), "{status:?}: {body}");
            tried += 1;
        }
        // Ask for information: from under review (or again while waiting).
        if !matches!(status, Status::UnderReview | Status::InfoRequested) {
            let r = decider
                .post(&format!("{base}/messages"), &[("message", "Which venue?")])
                .await;
            assert_eq!(r.status(), 409, "request info from {status:?}");
            let body = r.text().await.expect("body");
            assert!(body.contains("cannot become"), "{body}");
            tried += 1;
            // Votes and reviewers only while in review.
            let r = decider
                .post(
                    &format!("{base}/vote"),
                    &[("vote", "approve"), ("score", "3")],
                )
                .await;
            assert_eq!(r.status(), 409, "vote in {status:?}");
            let r = decider
                .post(&format!("{base}/assign/next"), &[("count", "1")])
                .await;
            assert_eq!(r.status(), 409, "assign in {status:?}");
        }
        // Approve: only from under review.
        if status != Status::UnderReview {
            let r = post(&decider, &format!("{base}/decide"), &approve_form("100")).await;
            assert_eq!(r.status(), 409, "approve from {status:?}");
            let body = r.text().await.expect("body");
            assert!(body.contains("cannot become"), "{status:?}: {body}");
            tried += 1;
        }
        // Decline: from under review or information requested.
        if !matches!(status, Status::UnderReview | Status::InfoRequested) {
            let r = decider
                .post(
                    &format!("{base}/decide"),
                    &[("outcome", "decline"), ("note", "No.")],
                )
                .await;
            assert_eq!(r.status(), 409, "decline from {status:?}");
            let body = r.text().await.expect("body");
            assert!(body.contains("cannot become"), "{status:?}: {body}");
            tried += 1;
        }
        assert!(tried > 0 || status == Status::UnderReview);
        assert_eq!(status_of(&app, id), status, "{status:?} unchanged");
        assert_eq!(decisions(&app, id), 0);
    }
    assert_eq!(app.outbox_count("grant_decision"), 0);
    assert_eq!(app.outbox_count("grant_info_request"), 0);

    // And the legal ones go through, each once.
    let id = GrantBuilder::new(p)
        .status(Status::Submitted)
        .requested(50_000)
        .insert(&app);
    let r = decider
        .post(&format!("/staff/grants/{id}/start"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::UnderReview);
    let r = decider
        .post(&format!("/staff/grants/{id}/start"), &[])
        .await;
    assert_eq!(r.status(), 409, "a second start is refused");
    let history = apps::events(&mut app.db(), id).expect("events");
    assert_eq!(history.last().expect("event").to_status, "under_review");
    // Staff may take a question back and resume without waiting for the answer.
    let id = GrantBuilder::new(p)
        .status(Status::InfoRequested)
        .requested(50_000)
        .insert(&app);
    let (_, page) = decider.page(&format!("/staff/grants/{id}")).await;
    assert!(page.contains("Resume the review"));
    let r = decider
        .post(&format!("/staff/grants/{id}/start"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::UnderReview);
}

#[tokio::test]
async fn a_recused_member_of_staff_gets_403_on_every_route_of_the_application() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 100_000_000)
        .insert(&app);
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    let other = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    let file_id = add_file(&app, id, "application", "plan.pdf", PDF, "application/pdf");

    // A reviewer who is a decider too, assigned, who voted, then declares a conflict.
    let (c, uid) = staff(&app, &[Role::GrantsReviewer, Role::GrantsDecider]).await;
    let (colleague, cid) = staff(&app, &[Role::GrantsReviewer]).await;
    assign(&app, id, uid);
    assign(&app, id, cid);
    assign(&app, other, uid);
    let base = format!("/staff/grants/{id}");
    assert_eq!(
        c.get(&format!("{base}/files/{file_id}")).await.status(),
        200
    );
    let r = c
        .post(
            &format!("{base}/vote"),
            &[("vote", "approve"), ("score", "5")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = c
        .post(
            &format!("{base}/conflict"),
            &[("conflict_note", "I co-organise this event.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/grants");

    let row = reviews::find(&mut app.db(), id, uid)
        .expect("row")
        .expect("kept");
    assert!(row.conflict && row.conflict_at.is_some());
    assert_eq!(row.conflict_note, "I co-organise this event.");
    assert!(
        reviews::vote_of(&mut app.db(), id, uid)
            .expect("vote")
            .is_none(),
        "the earlier vote no longer counts"
    );
    let entries = app.audit("grant.conflict");
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0].details.contains("withdrawn") && entries[0].details.contains("co-organise"),
        "{entries:?}"
    );

    let gets = [base.clone(), format!("{base}/files/{file_id}")];
    for path in &gets {
        let r = c.get(path).await;
        assert_eq!(r.status(), 403, "GET {path}");
    }
    let decide = approve_form("100");
    let posts: Vec<(String, Vec<(&'static str, String)>)> = vec![
        (format!("{base}/start"), vec![]),
        (
            format!("{base}/messages"),
            vec![("message", "Hello".into())],
        ),
        (format!("{base}/assign"), vec![("user_id", uid.to_string())]),
        (format!("{base}/assign/next"), vec![("count", "1".into())]),
        (
            format!("{base}/unassign"),
            vec![("user_id", cid.to_string())],
        ),
        (
            format!("{base}/conflict"),
            vec![("conflict_note", "again".into())],
        ),
        (
            format!("{base}/vote"),
            vec![("vote", "approve".into()), ("score", "5".into())],
        ),
        (format!("{base}/vote"), vec![("vote", "bogus".into())]),
        (format!("{base}/decide"), decide.clone()),
        (
            format!("{base}/decide"),
            vec![("outcome", "decline".into()), ("note", "No".into())],
        ),
        (
            format!("{base}/decide"),
            vec![("outcome", "nonsense".into())],
        ),
        (format!("{base}/messages"), vec![("message", String::new())]),
    ];
    for (path, form) in &posts {
        let r = post(&c, path, form).await;
        assert_eq!(r.status(), 403, "POST {path} {form:?}");
    }
    // Nothing changed through any of them.
    assert_eq!(status_of(&app, id), Status::UnderReview);
    assert_eq!(decisions(&app, id), 0);
    assert_eq!(app.outbox_count("grant_info_request"), 0);
    assert!(
        reviews::find(&mut app.db(), id, cid)
            .expect("row")
            .is_some()
    );
    // The queue no longer lists it; the other application is still theirs.
    let (_, q) = c.page("/staff/grants").await;
    assert!(!q.contains(&format!("href=\"/staff/grants/{id}\"")), "{q}");
    assert!(q.contains(&format!("href=\"/staff/grants/{other}\"")));
    assert_eq!(c.get(&format!("/staff/grants/{other}")).await.status(), 200);
    // Nor does the other application of the same group show it among earlier applications,
    // while a colleague without a conflict still sees it there.
    let cell = format!("<td class=\"nowrap\">G-{id}</td>");
    assert!(
        !c.page(&format!("/staff/grants/{other}"))
            .await
            .1
            .contains(&cell)
    );
    assign(&app, other, cid);
    assert!(
        colleague
            .page(&format!("/staff/grants/{other}"))
            .await
            .1
            .contains(&cell)
    );
    // Colleagues see the recusal on the page.
    let (_, page) = colleague.page(&base).await;
    assert!(page.contains("recused") && page.contains("co-organise"));

    // A decider who was never assigned can step aside as well, with the same effect.
    let (d, _) = staff(&app, &[Role::GrantsDecider]).await;
    assert_eq!(d.get(&base).await.status(), 200);
    assert_eq!(d.post(&format!("{base}/conflict"), &[]).await.status(), 303);
    assert_eq!(d.get(&base).await.status(), 403);
    let r = post(&d, &format!("{base}/decide"), &decide).await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn others_votes_are_hidden_until_the_reviewer_has_voted() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 100_000_000)
        .insert(&app);
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    let (a, aid) = staff(&app, &[Role::GrantsReviewer]).await;
    let (b, bid) = staff(&app, &[Role::GrantsReviewer]).await;
    let (outsider, _) = staff(&app, &[Role::GrantsReviewer]).await;
    let (decider, _) = staff(&app, &[Role::GrantsDecider]).await;
    assign(&app, id, aid);
    assign(&app, id, bid);
    let page = format!("/staff/grants/{id}");
    let r = a
        .post(
            &format!("{page}/vote"),
            &[
                ("vote", "approve"),
                ("score", "4"),
                ("comment", "Secret-comment-A"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, before) = b.page(&page).await;
    assert!(!before.contains("Secret-comment-A"));
    assert!(!before.contains("score 4/5"));
    assert!(before.contains("1 vote cast"), "the count is shown");
    let (_, out) = outsider.page(&page).await;
    assert!(
        !out.contains("Secret-comment-A"),
        "not assigned, not a decider"
    );
    assert_eq!(
        outsider
            .post(
                &format!("{page}/vote"),
                &[("vote", "approve"), ("score", "3")]
            )
            .await
            .status(),
        403,
        "only assigned reviewers vote"
    );
    let (_, d) = decider.page(&page).await;
    assert!(
        d.contains("Secret-comment-A"),
        "deciders see the votes they decide on"
    );

    // A vote without a score, or a score out of range, is sent back with the message.
    let r = b
        .post(
            &format!("{page}/vote"),
            &[("vote", "decline"), ("comment", "kept")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("Give a score from 1 to 5") && body.contains("kept"));
    assert!(
        !body.contains("Secret-comment-A"),
        "still hidden on the error page"
    );
    let r = b
        .post(
            &format!("{page}/vote"),
            &[("vote", "decline"), ("score", "9")],
        )
        .await;
    assert_eq!(r.status(), 422);

    let r = b
        .post(
            &format!("{page}/vote"),
            &[
                ("vote", "decline"),
                ("score", "2"),
                ("comment", "Too costly"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, after) = b.page(&page).await;
    assert!(after.contains("Secret-comment-A") && after.contains("score 4/5"));
    // Changing one's vote is allowed while in review, and audited as a change.
    let r = b
        .post(&format!("{page}/vote"), &[("vote", "abstain")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        reviews::vote_of(&mut app.db(), id, bid)
            .expect("vote")
            .expect("cast")
            .vote,
        "abstain"
    );
    assert_eq!(app.audit("grant.vote").len(), 2);
    assert_eq!(app.audit("grant.vote_change").len(), 1);
}

#[tokio::test]
async fn the_quorum_grows_with_the_amount_and_counts_only_reviewers_without_a_conflict() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 100_000_000)
        .insert(&app);
    // Default thresholds: from $0 one approval, from $1,000 two, from $5,000 three.
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(600_000)
        .insert(&app);
    let (decider, _) = staff(&app, &[Role::GrantsDecider]).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (_, r) = staff(&app, &[Role::GrantsReviewer]).await;
        assign(&app, id, r);
        ids.push(r);
    }
    vote(&app, id, ids[0], Vote::Approve);
    vote(&app, id, ids[1], Vote::Approve);
    // The third approves, then declares a conflict: that approval does not count.
    vote(&app, id, ids[2], Vote::Approve);
    recuse(&app, id, ids[2], "");

    let (_, page) = decider.page(&format!("/staff/grants/{id}")).await;
    assert!(
        page.contains("needs <strong>3 approvals</strong>"),
        "{page}"
    );
    let path = format!("/staff/grants/{id}/decide");
    let r = post(&decider, &path, &approve_form("6000")).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("needs 3 approvals") && body.contains("it has 2"),
        "{body}"
    );
    let r = post(&decider, &path, &approve_form("5000")).await;
    assert_eq!(r.status(), 422, "$5,000 is at the three-approval threshold");
    // A smaller award needs only two.
    let r = post(&decider, &path, &approve_form("4999.99")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::Approved);
    let d = apps::decision(&mut app.db(), id)
        .expect("q")
        .expect("decision");
    assert_eq!(d.awarded_minor, Some(499_999));

    // The thresholds are data: with one row of four approvals, two are not enough.
    programmes::set_quorum(&mut app.db(), &[(0, 4)]).expect("quorum");
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(10_000)
        .insert(&app);
    for r in &ids[..2] {
        assign(&app, id, *r);
        vote(&app, id, *r, Vote::Approve);
    }
    let r = post(
        &decider,
        &format!("/staff/grants/{id}/decide"),
        &approve_form("100"),
    )
    .await;
    assert_eq!(r.status(), 422);
    programmes::set_quorum(&mut app.db(), &[(0, 1), (100_000, 2), (500_000, 3)]).expect("quorum");

    // Declining needs that many votes other than abstain.
    let id = GrantBuilder::new(p)
        .status(Status::InfoRequested)
        .requested(50_000)
        .insert(&app);
    assign(&app, id, ids[0]);
    vote(&app, id, ids[0], Vote::Abstain);
    let decline = [("outcome", "decline"), ("note", "Out of scope.")];
    let r = decider
        .post(&format!("/staff/grants/{id}/decide"), &decline)
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Declining needs 1 vote")
    );
    vote(&app, id, ids[0], Vote::Decline);
    // A decline needs a reason for the applicant.
    let r = decider
        .post(
            &format!("/staff/grants/{id}/decide"),
            &[("outcome", "decline")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = decider
        .post(&format!("/staff/grants/{id}/decide"), &decline)
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::Declined);
    let m = mail_containing(&app, "grant_decision", "Out of scope.").await;
    assert!(m.text.contains("/grants/portal/enter/"), "{}", m.text);
}

#[tokio::test]
async fn awards_beyond_the_remaining_budget_need_an_override_with_a_reason_which_is_audited() {
    let app = TestApp::spawn().await;
    // Cap $10,000; $8,000 already awarded → $2,000 left.
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 1_000_000)
        .insert(&app);
    GrantBuilder::new(p)
        .status(Status::Approved)
        .requested(800_000)
        .award(800_000, 800_000)
        .insert(&app);
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(400_000)
        .insert(&app);
    let (decider, did) = staff(&app, &[Role::GrantsReviewer, Role::GrantsDecider]).await;
    let (_, r2) = staff(&app, &[Role::GrantsReviewer]).await;
    for r in [did, r2] {
        assign(&app, id, r);
        vote(&app, id, r, Vote::Approve);
    }
    let path = format!("/staff/grants/{id}/decide");
    let (_, page) = decider.page(&format!("/staff/grants/{id}")).await;
    assert!(page.contains("$2,000.00 left"), "remaining shown");
    assert!(page.contains(&format!("action=\"/staff/grants/{id}/decide\"")));

    // More than requested: refused whatever the budget.
    let r = post(&decider, &path, &approve_form("4000.01")).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("cannot be more than the $4,000.00 requested")
    );
    // Malformed amounts are refused with a sentence.
    // (Each for what is wrong with it, not for being more than requested or left.)
    for (bad, message) in [
        ("abc", "Enter the amount in figures"),
        ("-5", "The amount cannot be negative."),
        ("1e9", "Enter the amount in figures"),
        ("1500,50", "commas only between thousands"),
        ("0", "The award must be more than zero"),
    ] {
        let r = post(&decider, &path, &approve_form(bad)).await;
        assert_eq!(r.status(), 422, "{bad}");
        let body = r.text().await.expect("body");
        assert!(body.contains(message), "{bad}: no {message:?} in {body}");
    }
    // Beyond what is left: refused without the override…
    let r = post(&decider, &path, &approve_form("3000")).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("more than the $2,000.00 left"), "{body}");
    assert!(body.contains("Award beyond the budget"));
    // … and with the box ticked but no reason.
    let mut f = approve_form("3000");
    f.push(("override_budget", "1".into()));
    let r = post(&decider, &path, &f).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("Give the reason"));
    assert_eq!(decisions(&app, id), 0);
    assert!(app.audit("grant.budget_override").is_empty());
    // With a reason it goes through, and the reason is kept and audited.
    let f: Vec<(&'static str, String)> = f
        .into_iter()
        .map(|(k, v)| {
            if k == "override_reason" {
                (k, "Flagship event; board agreed on 3 March.".to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    let r = post(&decider, &path, &f).await;
    assert_eq!(r.status(), 303);
    let d = apps::decision(&mut app.db(), id)
        .expect("q")
        .expect("decision");
    assert_eq!(
        d.override_reason,
        "Flagship event; board agreed on 3 March."
    );
    assert_eq!(d.awarded_base_minor, Some(300_000));
    let entries = app.audit("grant.budget_override");
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0].details.contains("Flagship event")
            && entries[0].details.contains("$2,000.00 left"),
        "{entries:?}"
    );
    assert_eq!(app.audit("grant.decide").len(), 1);
    let m = mail_containing(&app, "grant_decision", "$3,000.00").await;
    assert!(
        m.text
            .contains("Amount awarded: $3,000.00 (you asked for $4,000.00)"),
        "{}",
        m.text
    );
    // The page now shows the decision and links to the payments.
    let (_, page) = decider.page(&format!("/staff/grants/{id}")).await;
    assert!(page.contains(&format!("/staff/grants/{id}/payments")));
    assert!(page.contains("Beyond the budget because"));

    // Within the budget no override is recorded, even if a reason was typed.
    let p2 = ProgrammeBuilder::event("Sprints")
        .cap(2030, 1_000_000)
        .insert(&app);
    let id = GrantBuilder::new(p2)
        .status(Status::UnderReview)
        .requested(100_000)
        .insert(&app);
    assign(&app, id, did);
    vote(&app, id, did, Vote::Approve);
    let mut f = approve_form("900");
    f.retain(|(k, _)| *k != "override_reason");
    f.push(("override_budget", "1".into()));
    f.push(("override_reason", "not needed".into()));
    let r = post(&decider, &format!("/staff/grants/{id}/decide"), &f).await;
    assert_eq!(r.status(), 303);
    let d = apps::decision(&mut app.db(), id)
        .expect("q")
        .expect("decision");
    assert_eq!(d.override_reason, "");
    assert_eq!(app.audit("grant.budget_override").len(), 1);

    // A programme with no cap for the year: any award needs the override.
    let p3 = ProgrammeBuilder::event("Workshops").insert(&app);
    let id = GrantBuilder::new(p3)
        .status(Status::UnderReview)
        .requested(10_000)
        .insert(&app);
    assign(&app, id, did);
    vote(&app, id, did, Vote::Approve);
    let r = post(
        &decider,
        &format!("/staff/grants/{id}/decide"),
        &approve_form("100"),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("no budget set for 2030")
    );
}

#[tokio::test]
async fn an_award_in_another_currency_counts_at_the_rate_the_decider_used_within_20_percent_of_the_reference()
 {
    let app = TestApp::spawn().await;
    programmes::set_rate(&mut app.db(), "EUR", 1_100_000, "test").expect("rate");
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 1_000_000)
        .insert(&app);
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .currency("EUR")
        .requested(200_000)
        .requested_base(220_000)
        .insert(&app);
    let (decider, did) = staff(&app, &[Role::GrantsReviewer, Role::GrantsDecider]).await;
    let (_, r2) = staff(&app, &[Role::GrantsReviewer]).await;
    for r in [did, r2] {
        assign(&app, id, r);
        vote(&app, id, r, Vote::Approve);
    }
    let (_, page) = decider.page(&format!("/staff/grants/{id}")).await;
    assert!(
        page.contains("value=\"1.1\""),
        "the reference rate is prefilled"
    );
    let mut f = approve_form("1500");
    f.push(("rate", "nonsense".into()));
    let r = post(&decider, &format!("/staff/grants/{id}/decide"), &f).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("id=\"rate-error\""),
        "refused for the rate: {body}"
    );
    // A typo or a made-up rate cannot shrink the award below the quorum or the budget.
    for wild in ["0.0001", "11", "0.85"] {
        let mut f = approve_form("1500");
        f.push(("rate", wild.into()));
        let r = post(&decider, &format!("/staff/grants/{id}/decide"), &f).await;
        assert_eq!(r.status(), 422, "rate {wild}");
        let body = r.text().await.expect("body");
        assert!(body.contains("more than 20% away"), "{body}");
        assert!(apps::decision(&mut app.db(), id).expect("q").is_none());
    }
    let mut f = approve_form("1500");
    f.push(("rate", "1.2".into()));
    let r = post(&decider, &format!("/staff/grants/{id}/decide"), &f).await;
    assert_eq!(r.status(), 303);
    let d = apps::decision(&mut app.db(), id)
        .expect("q")
        .expect("decision");
    assert_eq!(
        (d.awarded_minor, d.awarded_base_minor, d.rate_micros),
        (Some(150_000), Some(180_000), Some(1_200_000))
    );
}

#[tokio::test]
async fn two_deciders_at_once_make_one_decision_and_send_one_email() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 100_000_000)
        .insert(&app);
    let (a, aid) = staff(&app, &[Role::GrantsReviewer, Role::GrantsDecider]).await;
    let (b, _) = staff(&app, &[Role::GrantsDecider]).await;
    for round in 0..4 {
        let id = GrantBuilder::new(p)
            .status(Status::UnderReview)
            .requested(50_000)
            .insert(&app);
        assign(&app, id, aid);
        vote(&app, id, aid, Vote::Approve);
        let path = format!("/staff/grants/{id}/decide");
        let approve = approve_form("400");
        let (ra, rb) = if round % 2 == 0 {
            tokio::join!(post(&a, &path, &approve), post(&b, &path, &approve))
        } else {
            // One approves while the other declines.
            let decline = vec![
                ("outcome", "decline".to_string()),
                ("note", "No.".to_string()),
            ];
            tokio::join!(post(&a, &path, &approve), post(&b, &path, &decline))
        };
        let mut codes = [ra.status().as_u16(), rb.status().as_u16()];
        codes.sort();
        assert_eq!(codes, [303, 409], "round {round}");
        let loser = if ra.status() == 409 { ra } else { rb };
        let body = loser.text().await.expect("body");
        assert!(
            body.contains("already"),
            "the second decider is told: {body}"
        );
        assert_eq!(decisions(&app, id), 1);
        let moves: i64 = steward::db::schema::grant_events::table
            .filter(steward::db::schema::grant_events::application_id.eq(id))
            .filter(steward::db::schema::grant_events::from_status.eq("under_review"))
            .count()
            .get_result(&mut app.db())
            .expect("count");
        assert_eq!(moves, 1, "one status move");
    }
    assert_eq!(
        app.outbox_count("grant_decision"),
        4,
        "one email per application"
    );
    assert_eq!(app.audit("grant.decide").len(), 4);
}

#[tokio::test]
async fn asking_for_information_moves_the_application_and_emails_a_private_link() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 100_000_000)
        .insert(&app);
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    let (c, _) = staff(&app, &[Role::GrantsReviewer]).await;
    let path = format!("/staff/grants/{id}/messages");
    let r = c.post(&path, &[("message", "   ")]).await;
    assert_eq!(r.status(), 422);
    let r = c.post(&path, &[("message", "Who are the speakers?")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::InfoRequested);
    let m = app.wait_for_mail(AMA, "grant_info_request").await;
    assert!(m.text.contains("Who are the speakers?"));
    let link = link_path(&m.text, "http://steward.test/grants/portal/enter/");
    assert!(link.len() > "http://steward.test/grants/portal/enter/".len() + 20);
    // A second question while waiting: kept, emailed, the status stays.
    let r = c.post(&path, &[("message", "And the venue?")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::InfoRequested);
    assert_eq!(app.outbox_count("grant_info_request"), 2);
    let msgs = apps::messages(&mut app.db(), id).expect("messages");
    assert_eq!(msgs.len(), 2);
    assert!(!msgs[0].from_applicant());
    let (_, page) = c.page(&format!("/staff/grants/{id}")).await;
    assert!(page.contains("And the venue?"));
    assert_eq!(app.audit("grant.info_request").len(), 2);
    let events = apps::events(&mut app.db(), id).expect("events");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.to_status == "info_requested")
            .count(),
        1
    );
}

#[tokio::test]
async fn reviewers_are_assigned_by_hand_or_in_turn() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 100_000_000)
        .insert(&app);
    let (decider, _) = staff(&app, &[Role::GrantsDecider]).await;
    let r1 = app.create_staff("Reviewer One", "one@example.org", &[Role::GrantsReviewer]);
    let r2 = app.create_staff("Reviewer Two", "two@example.org", &[Role::GrantsReviewer]);
    let r3 = app.create_staff(
        "Reviewer Three",
        "three@example.org",
        &[Role::GrantsReviewer],
    );
    let gone = app.create_staff("Gone", "gone@example.org", &[Role::GrantsReviewer]);
    steward::models::users::set_disabled(&mut app.db(), steward::models::users::UserId(gone), true)
        .expect("disable");
    let editor = app.create_staff("Ed", "ed@example.org", &[Role::Editor]);

    let on = |id: i64| -> Vec<i64> {
        let mut v: Vec<i64> = reviews::reviewers(&mut app.db(), id)
            .expect("reviewers")
            .into_iter()
            .filter(|r| !r.reviewer.conflict)
            .map(|r| r.reviewer.user_id)
            .collect();
        v.sort();
        v
    };
    let next = |id: i64, n: &'static str| {
        let path = format!("/staff/grants/{id}/assign/next");
        let c = &decider;
        async move { c.post(&path, &[("count", n)]).await }
    };
    let a1 = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    assert_eq!(next(a1, "2").await.status(), 303);
    assert_eq!(on(a1), vec![r1, r2]);
    let a2 = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    assert_eq!(next(a2, "2").await.status(), 303);
    assert_eq!(on(a2), vec![r1, r3], "three has waited longest, then one");
    let a3 = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    assert_eq!(next(a3, "1").await.status(), 303);
    assert_eq!(on(a3), vec![r2]);
    // Nobody left to give a1 to (the disabled account is never chosen) after three joins.
    assert_eq!(next(a1, "5").await.status(), 303);
    assert_eq!(on(a1), vec![r1, r2, r3]);
    assert_eq!(next(a1, "1").await.status(), 409);
    assert_eq!(next(a1, "0").await.status(), 422);
    // A count that is not a number: the page again with the problem, nobody assigned.
    let r = next(a1, "two").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("from 1 to 10"));
    assert_eq!(on(a1), vec![r1, r2, r3]);

    // By hand: only grants reviewers; not twice; not someone recused.
    let by_hand = |action: &'static str, id: i64, user: i64| {
        let path = format!("/staff/grants/{id}/{action}");
        let c = &decider;
        async move { c.post(&path, &[("user_id", &user.to_string())]).await }
    };
    let a4 = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    let path = format!("/staff/grants/{a4}/assign");
    let r = decider.post(&path, &[("user_id", "three")]).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Choose one of the grants reviewers listed.")
    );
    assert_eq!(
        decider
            .post(&format!("/staff/grants/{a4}/unassign"), &[("user_id", "x")])
            .await
            .status(),
        404
    );
    assert_eq!(by_hand("assign", a4, editor).await.status(), 422);
    assert_eq!(by_hand("assign", a4, gone).await.status(), 422);
    assert_eq!(by_hand("assign", a4, r3).await.status(), 303);
    assert_eq!(by_hand("assign", a4, r3).await.status(), 409);
    recuse(&app, a4, r1, "");
    let r = by_hand("assign", a4, r1).await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("conflict of interest")
    );
    // In turn skips the recused reviewer too.
    assert_eq!(next(a4, "5").await.status(), 303);
    assert_eq!(on(a4), vec![r2, r3]);
    // Removing: fine before a vote, refused after.
    assert_eq!(by_hand("unassign", a4, r2).await.status(), 303);
    vote(&app, a4, r3, Vote::Approve);
    assert_eq!(by_hand("unassign", a4, r3).await.status(), 409);
    assert_eq!(on(a4), vec![r3]);
    assert_eq!(app.audit("grant.unassign").len(), 1);
    // One entry per reviewer put on an application: 2 + 2 + 1 + 1 in turn on a1–a3, then
    // one by hand and one in turn on a4.
    assert_eq!(app.audit("grant.assign").len(), 8);
}

#[tokio::test]
async fn assigning_in_turn_never_picks_the_decider_who_assigns() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 100_000_000)
        .insert(&app);
    // A decider who also reviews, never assigned, so first in turn for anyone else.
    let (c, me) = staff(&app, &[Role::GrantsReviewer, Role::GrantsDecider]).await;
    let other = app.create_staff("Reviewer One", "one@example.org", &[Role::GrantsReviewer]);
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    assign(
        &app,
        GrantBuilder::new(p)
            .status(Status::UnderReview)
            .requested(50_000)
            .insert(&app),
        other,
    );
    let r = c
        .post(
            &format!("/staff/grants/{id}/assign/next"),
            &[("count", "2")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let on: Vec<i64> = reviews::reviewers(&mut app.db(), id)
        .expect("reviewers")
        .into_iter()
        .map(|r| r.reviewer.user_id)
        .collect();
    assert_eq!(on, vec![other], "the decider assigning is skipped");
    // By hand they may still add themselves.
    let r = c
        .post(
            &format!("/staff/grants/{id}/assign"),
            &[("user_id", me.to_string().as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn each_route_admits_only_its_roles() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 100_000_000)
        .insert(&app);
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    let file_id = add_file(&app, id, "application", "a.pdf", PDF, "application/pdf");
    let base = format!("/staff/grants/{id}");

    let (reviewer, rid) = staff(&app, &[Role::GrantsReviewer]).await;
    assign(&app, id, rid);
    let (treasurer, _) = staff(&app, &[Role::Treasurer]).await;
    let (sponsorships, _) = staff(&app, &[Role::Sponsorships, Role::Editor]).await;
    // An administrator sees the queue (to reach programmes and settings) but no application.
    let (admin, _) = staff(&app, &[Role::Admin]).await;
    assert_eq!(admin.get("/staff/grants").await.status(), 200);
    assert_eq!(admin.get(&base).await.status(), 403);
    assert_eq!(
        admin.get(&format!("{base}/files/{file_id}")).await.status(),
        403
    );

    // Not grants staff at all: 403 everywhere.
    for path in [
        "/staff/grants".to_string(),
        base.clone(),
        format!("{base}/files/{file_id}"),
    ] {
        assert_eq!(sponsorships.get(&path).await.status(), 403, "{path}");
    }
    for action in [
        "start",
        "messages",
        "assign",
        "assign/next",
        "unassign",
        "conflict",
        "vote",
        "decide",
    ] {
        let r = sponsorships.post(&format!("{base}/{action}"), &[]).await;
        assert_eq!(r.status(), 403, "{action}");
        let r = treasurer.post(&format!("{base}/{action}"), &[]).await;
        assert_eq!(r.status(), 403, "treasurer {action}");
    }
    // The treasurer sees the queue (awarded grants link to payments), not the review page.
    assert_eq!(treasurer.get("/staff/grants").await.status(), 200);
    assert_eq!(treasurer.get(&base).await.status(), 403);
    assert_eq!(
        treasurer
            .get(&format!("{base}/files/{file_id}"))
            .await
            .status(),
        403
    );
    // Reviewers: no assigning and no deciding.
    for action in ["assign", "assign/next", "unassign"] {
        let r = reviewer
            .post(
                &format!("{base}/{action}"),
                &[("user_id", &rid.to_string()), ("count", "1")],
            )
            .await;
        assert_eq!(r.status(), 403, "reviewer {action}");
    }
    vote(&app, id, rid, Vote::Approve);
    let r = post(&reviewer, &format!("{base}/decide"), &approve_form("100")).await;
    assert_eq!(r.status(), 403);
    assert_eq!(decisions(&app, id), 0);
    // Not signed in: sign-in for pages; state changes refused.
    let anon = app.new_client();
    let r = anon.get(&base).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
    let r = post(&anon, &format!("{base}/decide"), &approve_form("100")).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"), "{}", location(&r));
    assert_eq!(decisions(&app, id), 0);

    // The file: only this application's, as a download with its exact type.
    let r = reviewer.get(&format!("{base}/files/{file_id}")).await;
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment")
    );
    let other = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    assert_eq!(
        reviewer
            .get(&format!("/staff/grants/{other}/files/{file_id}"))
            .await
            .status(),
        404
    );
    assert_eq!(reviewer.get("/staff/grants/999999").await.status(), 404);
}

#[tokio::test]
async fn the_queue_filters_by_status_programme_and_assignment() {
    let app = TestApp::spawn().await;
    let p1 = ProgrammeBuilder::event("Events")
        .cap(2030, 100_000_000)
        .insert(&app);
    let p2 = ProgrammeBuilder::event("Sprints")
        .cap(2030, 100_000_000)
        .insert(&app);
    GrantBuilder::new(p1).event("Alpha Conf").insert(&app);
    let b = GrantBuilder::new(p2)
        .status(Status::UnderReview)
        .event("Beta Sprint")
        .insert(&app);
    GrantBuilder::new(p1)
        .status(Status::Closed)
        .event("Gamma Closed")
        .insert(&app);
    let (c, uid) = staff(&app, &[Role::GrantsReviewer]).await;
    assign(&app, b, uid);
    let (_, q) = c.page("/staff/grants").await;
    assert!(q.contains("Alpha Conf") && q.contains("Beta Sprint") && !q.contains("Gamma Closed"));
    let (_, q) = c.page("/staff/grants?status=all").await;
    assert!(q.contains("Gamma Closed"));
    let (_, q) = c.page("/staff/grants?status=closed").await;
    assert!(q.contains("Gamma Closed") && !q.contains("Alpha Conf"));
    let (_, q) = c.page(&format!("/staff/grants?programme={p2}")).await;
    assert!(q.contains("Beta Sprint") && !q.contains("Alpha Conf"));
    let (_, q) = c.page("/staff/grants?mine=1").await;
    assert!(q.contains("Beta Sprint") && !q.contains("Alpha Conf"));
    // Nonsense in the filters is ignored, not an error, and not shown back raw.
    for query in [
        "status=bogus",
        "programme=abc",
        "programme=999999",
        "status=%3Cscript%3Ealert(1)%3C/script%3E",
    ] {
        let (status, q) = c.page(&format!("/staff/grants?{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert!(!q.contains("<script>alert(1)"), "{query}");
    }
}

#[tokio::test]
async fn a_decider_who_reviews_the_application_votes_before_seeing_votes_or_deciding() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 100_000_000)
        .insert(&app);
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .requested(50_000)
        .insert(&app);
    let (d, did) = staff(&app, &[Role::GrantsReviewer, Role::GrantsDecider]).await;
    let (_, other) = staff(&app, &[Role::GrantsReviewer]).await;
    assign(&app, id, did);
    assign(&app, id, other);
    reviews::set_vote(&mut app.db(), id, other, Vote::Approve, Some(5), "Hidden-X").expect("vote");
    let page = format!("/staff/grants/{id}");
    let (_, body) = d.page(&page).await;
    assert!(!body.contains("Hidden-X"));
    assert!(!body.contains(&format!("action=\"{page}/decide\"")));
    assert!(body.contains("cast your vote first"));
    let r = post(&d, &format!("{page}/decide"), &approve_form("100")).await;
    assert_eq!(r.status(), 409);
    assert!(!r.text().await.expect("body").contains("Hidden-X"));
    assert_eq!(decisions(&app, id), 0);
    let r = d
        .post(
            &format!("{page}/vote"),
            &[("vote", "approve"), ("score", "4")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, body) = d.page(&page).await;
    assert!(body.contains("Hidden-X"));
    let r = post(&d, &format!("{page}/decide"), &approve_form("100")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), Status::Approved);
}

/// An application's timeline: its changes and the emails to its applicant, none of another
/// application's; the text of each one click away with the private link masked; closed to a
/// reviewer who declared a conflict and to staff without a grants role.
#[tokio::test]
async fn an_applications_timeline_has_its_changes_and_emails_only() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events").insert(&app);
    let id = GrantBuilder::new(p)
        .email("ama@pycon.example")
        .status(Status::UnderReview)
        .insert(&app);
    let other = GrantBuilder::new(p)
        .email("bo@other.example")
        .status(Status::UnderReview)
        .insert(&app);
    let (c, _) = staff(&app, &[Role::GrantsDecider]).await;
    for (a, q) in [(id, "Which venue?"), (other, "How many people?")] {
        let r = c
            .post(&format!("/staff/grants/{a}/messages"), &[("message", q)])
            .await;
        assert_eq!(r.status(), 303);
    }
    let (status, page) = c.page(&format!("/staff/grants/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("/staff/grants/{id}/timeline")));
    let (status, page) = c.page(&format!("/staff/grants/{id}/timeline")).await;
    assert_eq!(status, 200);
    assert!(page.contains(">grant.info_request<"), "{page}");
    let mine = crate::helpers::linked_ids(&page, &format!("/staff/grants/{id}/emails/"));
    assert_eq!(mine.len(), 1, "{page}");
    assert!(page.contains("ama@pycon.example") && !page.contains("bo@other.example"));
    let (status, mail) = c
        .page(&format!("/staff/grants/{id}/emails/{}", mine[0]))
        .await;
    assert_eq!(status, 200);
    assert!(
        mail.contains("/grants/portal/enter/[private link hidden]"),
        "{mail}"
    );
    let (_, other_page) = c.page(&format!("/staff/grants/{other}/timeline")).await;
    let theirs = crate::helpers::linked_ids(&other_page, &format!("/staff/grants/{other}/emails/"));
    assert_eq!(theirs.len(), 1);
    let r = c
        .get(&format!("/staff/grants/{id}/emails/{}", theirs[0]))
        .await;
    assert_eq!(r.status(), 404, "another application's email");

    // A reviewer who declared a conflict sees neither; nor does sponsorship staff.
    let (reviewer, rid) = staff(&app, &[Role::GrantsReviewer]).await;
    recuse(&app, id, rid, "my own event");
    for path in [
        format!("/staff/grants/{id}/timeline"),
        format!("/staff/grants/{id}/emails/{}", mine[0]),
    ] {
        assert_eq!(reviewer.get(&path).await.status(), 403, "{path}");
        let (s, _) = staff(&app, &[Role::Sponsorships, Role::Admin]).await;
        assert_eq!(s.get(&path).await.status(), 403, "{path}");
    }
    let (status, _) = reviewer
        .page(&format!("/staff/grants/{other}/timeline"))
        .await;
    assert_eq!(status, 200, "the other application is open to them");
}
