//! Refused forms are announced the same way everywhere (issue 18): "Error: " starts the
//! page's title, and an error summary at the top lists each message as a link to an element
//! of the page (its field). The browser test checks that the summary takes focus.

use steward::domain::Role;
use steward::web::extract::portal::LinkKind;

use crate::fixtures::NewSponsor;
use crate::helpers::{TestApp, TestClient};

/// The page of a refused form, checked: status 422, the title, and a summary whose every
/// link points at an element of the page. Returns the ids the summary links to.
async fn assert_announced(r: reqwest::Response, what: &str) -> Vec<String> {
    assert_eq!(r.status(), 422, "{what}: status");
    let body = r.text().await.expect("body");
    let title = body
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_default();
    assert!(title.starts_with("Error: "), "{what}: title {title:?}");
    let start = body
        .find("id=\"error-summary\"")
        .unwrap_or_else(|| panic!("{what}: no error summary"));
    let summary = &body[start..start + body[start..].find("</div>").expect("end")];
    let ids: Vec<String> = summary
        .split("href=\"#")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect();
    assert!(!ids.is_empty(), "{what}: the summary links nothing");
    for id in &ids {
        assert!(
            body.contains(&format!(" id=\"{id}\"")),
            "{what}: the summary links #{id}, which is not on the page"
        );
    }
    // The summary comes before the page's heading: it is the first thing read.
    let h1 = body.find("<h1").unwrap_or(usize::MAX);
    assert!(
        start < h1,
        "{what}: the summary should come before the heading"
    );
    ids
}

async fn staff(app: &TestApp) -> TestClient {
    app.signed_in(&Role::ALL).await.0
}

#[tokio::test]
async fn refused_staff_forms_say_error_in_the_title_and_link_each_message_to_its_field() {
    let app = TestApp::spawn().await;
    let c = staff(&app).await;
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "/staff/settings/billing",
            vec![("template", "Hi {{price}}"), ("bank", ""), ("address", "")],
        ),
        (
            "/staff/settings/agreement-templates/renewal",
            vec![("template", "")],
        ),
        (
            "/staff/account/password",
            vec![
                ("current_password", "not-my-password"),
                ("new_password", "short"),
                ("new_password_confirm", "other"),
            ],
        ),
        (
            "/staff/sponsors",
            vec![("name", ""), ("website", "javascript:x")],
        ),
        ("/staff/programmes", vec![("name", ""), ("year", "abc")]),
        ("/staff/stories", vec![("title", ""), ("body", "")]),
        (
            "/staff/users",
            vec![("name", ""), ("email", "not an address")],
        ),
        ("/staff/conferences", vec![("name", "")]),
    ];
    for (path, fields) in cases {
        let r = c.post(path, &fields).await;
        assert_announced(r, path).await;
    }
    // A refused edit keeps a heading even when the name was emptied.
    let slot = steward::models::placement_slots::insert(
        &mut app.db(),
        "docs-footer",
        "Documentation footer",
        "",
        None,
        4,
        &[],
    )
    .expect("slot");
    let r = c
        .post(
            &format!("/staff/placements/{slot}"),
            &[("name", ""), ("key", "docs-footer")],
        )
        .await;
    let status = r.status();
    let body = r.text().await.expect("body");
    assert_eq!(status, 422, "{body}");
    assert!(!body.contains("<h1></h1>"), "an empty heading");
    // A page that was not refused says nothing of the kind.
    let (status, page) = c.page("/staff/settings/billing").await;
    assert_eq!(status, 200);
    assert!(!page.contains("<title>Error: "));
    assert!(!page.contains("id=\"error-summary\""));
}

#[tokio::test]
async fn refused_portal_forms_are_announced_too() {
    let app = TestApp::spawn().await;
    let a = NewSponsor::named("Acme")
        .org_size(10)
        .country("NL")
        .contact("primary", "pat@acme.example")
        .insert(&mut app.db());
    let c = app
        .link_client(LinkKind::SPONSOR, a, "pat@acme.example")
        .await;
    let r = c
        .post(
            "/portal/contacts",
            &[
                ("contact_name", ""),
                ("contact_email", "nope"),
                ("contact_role", "admin"),
            ],
        )
        .await;
    let ids = assert_announced(r, "/portal/contacts").await;
    // In the order of the form.
    assert_eq!(ids, ["contact_name", "contact_email", "contact_role"]);
    let r = c
        .post(
            "/portal/profile/description",
            &[("website", "ftp://x"), ("tagline", ""), ("description", "")],
        )
        .await;
    assert_announced(r, "/portal/profile/description").await;
}

#[tokio::test]
async fn grant_forms_tie_each_message_to_its_field() {
    use crate::fixtures::grants::{AMA, GrantBuilder, ProgrammeBuilder, assign};
    use steward::domain::grants::Status;
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events").insert(&app);
    let id = GrantBuilder::new(p)
        .status(Status::UnderReview)
        .insert(&app);
    let (reviewer, rid, _) = app.signed_in(&[Role::GrantsReviewer]).await;
    assign(&app, id, rid);
    let r = reviewer
        .post(
            &format!("/staff/grants/{id}/vote"),
            &[("vote", "maybe"), ("score", "9"), ("comment", "")],
        )
        .await;
    assert_announced(r, "the reviewer's vote").await;

    let info = GrantBuilder::new(p)
        .status(Status::InfoRequested)
        .insert(&app);
    let c = app.link_client(LinkKind::APPLICANT, info, AMA).await;
    let r = c.post("/grants/portal/messages", &[("body", "   ")]).await;
    assert_announced(r, "the applicant's reply").await;
    let r = c.post("/grants/portal/withdraw", &[("reason", "")]).await;
    let ids = assert_announced(r, "withdrawing").await;
    assert_eq!(ids, ["withdraw_confirm"]);
}
