//! The staff dashboard's figures, checked against fixtures: each role sees its own.

use steward::domain::Role;
use steward::domain::grants::{Status, Vote};
use steward::models::grant_reviews as reviews;

use crate::grants_fixtures::{GrantBuilder, ProgrammeBuilder, assign, day_in, recuse};
use crate::helpers::TestApp;

fn stat(value: i64, label: &str) -> String {
    format!("<span class=\"stat-value\">{value}</span> <span class=\"stat-label\">{label}")
}

#[tokio::test]
async fn grants_figures_match_the_applications_for_reviewers_and_the_treasurer() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events").insert(&app);
    let (reviewer, rid, _) = app.signed_in(&[Role::GrantsReviewer]).await;
    let grant = |status| GrantBuilder::new(p).status(status).insert(&app);
    for _ in 0..2 {
        grant(Status::Submitted);
    }
    let waiting = grant(Status::UnderReview);
    let answered = grant(Status::InfoRequested);
    let recused = grant(Status::UnderReview);
    let decided = grant(Status::Approved);
    GrantBuilder::new(p)
        .status(Status::ReportDue)
        .report_due(day_in(-3))
        .insert(&app);
    GrantBuilder::new(p)
        .status(Status::Paid)
        .report_due(day_in(30))
        .insert(&app);

    // The reviewer: assigned to three in review, voted on one, recused from one; also
    // assigned to an approved one, which no longer waits for a vote.
    for id in [waiting, answered, recused, decided] {
        assign(&app, id, rid);
    }
    reviews::set_vote(&mut app.db(), answered, rid, Vote::Approve, Some(4), "").expect("vote");
    recuse(&app, recused, rid, "my employer");
    let (_, page) = reviewer.page("/staff").await;
    assert!(
        page.contains(&stat(2, "new applications to start reviewing")),
        "{page}"
    );
    assert!(
        page.contains(&stat(3, "under review or waiting for the applicant")),
        "{page}"
    );
    assert!(
        page.contains(&stat(1, "assigned to you, waiting for your vote")),
        "{page}"
    );
    // A reviewer is not shown the treasurer's cards.
    assert!(!page.contains("to pay out"));

    let (treasurer, _, _) = app.signed_in(&[Role::Treasurer]).await;
    let (_, page) = treasurer.page("/staff").await;
    assert!(
        page.contains(&stat(1, "approved grant to pay out")),
        "{page}"
    );
    assert!(
        page.contains(&stat(1, "post-event report overdue")),
        "{page}"
    );
    assert!(!page.contains("waiting for your vote"));

    // Staff without a grants role see no grants section at all.
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    assert!(!editor.page("/staff").await.1.contains("<h2>Grants</h2>"));
}
