//! The public grant application: every programme rule with its human message, malformed
//! input, currencies, script kept as text, one application per form, the private PDF, and
//! the confirmation email whose link opens the applicant's page.

use diesel::prelude::*;
use steward::db::schema::{
    audit_log, grant_applications, grant_budget_lines, grant_events, grant_files,
};
use steward::domain::Role;
use steward::domain::grants::COC_POLICY;
use steward::models::grant_programmes;

use crate::fixtures::grants::{AMA, PDF, ProgrammeBuilder, day_in, stored_files};
use crate::helpers::{FilePart, TestApp, TestClient, html, link_path, location};

/// Events: code of conduct required, 42 days' notice, at most $10,000.
fn event_programme(app: &TestApp) -> i64 {
    ProgrammeBuilder::event("Conference grants").insert(app)
}

/// A complete, valid application to `programme`: $2,500 of a $12,000 budget.
fn valid_form(programme: i64, key: &str) -> Vec<(String, String)> {
    [
        ("application_key", key.to_string()),
        ("programme", programme.to_string()),
        ("applicant_name", "Ama Mensah".into()),
        ("applicant_email", AMA.into()),
        ("organisation", "PyCon Ghana Inc.".into()),
        ("country", "GH".into()),
        ("event_name", "PyCon Ghana 2027".into()),
        ("starts_on", day_in(90).to_string()),
        ("ends_on", day_in(92).to_string()),
        ("city", "Accra".into()),
        ("event_country", "GH".into()),
        ("attendance", "350".into()),
        ("website", "pycon.example.org".into()),
        ("coc_url", "https://pycon.example.org/coc".into()),
        ("requested", "2,500".into()),
        ("currency", "USD".into()),
        ("line_label", "Venue".into()),
        ("line_amount", "8,000".into()),
        ("line_label", "Travel grants".into()),
        ("line_amount", "4000.00".into()),
        ("line_label", "".into()),
        ("line_amount", "".into()),
        ("purpose", "Travel grants for five speakers.".into()),
        ("outreach", "Free tickets for students.".into()),
        ("earlier_grants", "".into()),
        ("public_opt_in", "1".into()),
        ("action", "send".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn new_key() -> String {
    steward::auth::token::new_token()
}

/// Replaces a (single) field's value.
fn set(form: &mut Vec<(String, String)>, k: &str, v: &str) {
    form.retain(|(key, _)| key != k);
    form.push((k.to_string(), v.to_string()));
}

async fn post_apply(c: &TestClient, fields: &[(String, String)]) -> reqwest::Response {
    c.post_multipart("/grants/apply", fields, "attachment", Vec::new())
        .await
}

fn count_applications(app: &TestApp) -> i64 {
    grant_applications::table
        .count()
        .get_result(&mut *app.db())
        .expect("count")
}

async fn body(r: reqwest::Response) -> String {
    r.text().await.expect("body")
}

/// Posts a form expected to be refused; returns the page.
async fn refused(c: &TestClient, form: &[(String, String)]) -> String {
    let r = post_apply(c, form).await;
    let status = r.status().as_u16();
    let b = body(r).await;
    assert_eq!(status, 422, "{b}");
    b
}

#[tokio::test]
async fn an_application_is_recorded_with_its_budget_history_and_a_private_link() {
    let app = TestApp::spawn().await;
    app.create_staff(
        "Dee Decider",
        "decider@foundation.example",
        &[Role::GrantsDecider],
    );
    let p = event_programme(&app);
    let c = app.new_client();

    let (status, page) = c.page("/grants/apply").await;
    assert_eq!(status, 200);
    assert!(page.contains("Conference grants"), "{page}");
    assert!(page.contains("Requires a published code of conduct."));
    assert!(page.contains("Apply at least 42 days before the event starts."));
    assert!(page.contains("name=\"application_key\""));
    assert!(page.contains("/grants/apply?csrf_token="));
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("value=\"add_line\""));
    assert_eq!(page.matches("name=\"line_label\"").count(), 3);
    assert!(page.contains("<option value=\"GH\">Ghana</option>"));

    let r = post_apply(&c, &valid_form(p, &new_key())).await;
    assert_eq!(r.status(), 303, "{}", body(r).await);
    assert_eq!(location(&r), "/grants/apply/thanks");
    let (_, thanks) = c.page("/grants/apply/thanks").await;
    assert!(thanks.contains("What happens next"));

    let mut conn = app.db();
    let a = steward::models::grant_applications::list(&mut conn, &[])
        .expect("list")
        .pop()
        .expect("one application");
    assert_eq!(a.status, "submitted");
    assert_eq!(
        (a.requested_minor, a.requested_base_minor),
        (250_000, 250_000)
    );
    assert_eq!(a.currency, "USD");
    assert_eq!(a.total_budget_minor, 1_200_000);
    assert_eq!(a.budget_year, {
        use chrono::Datelike;
        day_in(90).year()
    });
    assert_eq!(a.group_key, "pycon ghana");
    assert_eq!((a.country.as_str(), a.event_country.as_str()), ("GH", "GH"));
    assert_eq!(a.website, "https://pycon.example.org/");
    assert!(a.public_opt_in);
    let lines: Vec<(String, i64)> = grant_budget_lines::table
        .filter(grant_budget_lines::application_id.eq(a.id))
        .order(grant_budget_lines::position.asc())
        .select((grant_budget_lines::label, grant_budget_lines::amount_minor))
        .load(&mut *conn)
        .expect("lines");
    assert_eq!(
        lines,
        vec![
            ("Venue".to_string(), 800_000),
            ("Travel grants".to_string(), 400_000)
        ]
    );
    let events: Vec<(Option<String>, String)> = grant_events::table
        .filter(grant_events::application_id.eq(a.id))
        .select((grant_events::from_status, grant_events::to_status))
        .load(&mut *conn)
        .expect("events");
    assert_eq!(events, vec![(None, "submitted".to_string())]);
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("grant.apply"))
        .filter(audit_log::record_id.eq(a.id.to_string()))
        .count()
        .get_result(&mut *conn)
        .expect("audit");
    assert_eq!(audited, 1);
    drop(conn);

    // The confirmation carries a private link that opens the applicant's page.
    let m = app.wait_for_mail(AMA, "grant_received").await;
    assert!(m.subject.contains(&a.reference()), "{}", m.subject);
    assert!(m.text.contains("$2,500.00"));
    let path = link_path(&m.text, "/grants/portal/enter/");
    let visitor = app.new_client();
    let r = visitor.get(&path).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/grants/portal");
    let (status, home) = visitor.page("/grants/portal").await;
    assert_eq!(status, 200);
    assert!(
        home.contains("PyCon Ghana 2027") && home.contains("Submitted"),
        "{home}"
    );
    assert!(home.contains("Travel grants") && home.contains("$8,000.00"));
    // The deciders hear about it.
    app.wait_for_mail("decider@foundation.example", "grant_applicant_activity")
        .await;
}

#[tokio::test]
async fn budget_rows_are_added_without_javascript_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    let p = event_programme(&app);
    let c = app.new_client();
    let key = new_key();
    let mut form = valid_form(p, &key);
    set(&mut form, "action", "add_line");
    let r = post_apply(&c, &form).await;
    assert_eq!(r.status(), 200);
    let page = body(r).await;
    assert_eq!(page.matches("name=\"line_label\"").count(), 4, "{page}");
    assert!(page.contains("value=\"Travel grants\""), "rows kept");
    assert!(
        page.contains("Total budget: <strong>$12,000.00</strong>"),
        "{page}"
    );
    assert!(page.contains(&key), "the form keeps its key");
    assert!(page.contains("value=\"Ama Mensah\""), "fields kept");
    assert!(
        !page.contains("need another look"),
        "no errors for adding a row"
    );
    assert_eq!(count_applications(&app), 0);

    // The rows stop at the form's limit.
    let mut form = valid_form(p, &key);
    form.retain(|(k, _)| k != "line_label" && k != "line_amount");
    for i in 0..30 {
        form.push(("line_label".into(), format!("Item {i}")));
        form.push(("line_amount".into(), "10".into()));
    }
    set(&mut form, "action", "add_line");
    let page = body(post_apply(&c, &form).await).await;
    assert_eq!(page.matches("name=\"line_label\"").count(), 30);
    assert!(page.contains("the most lines the form takes"));

    // The added row can be filled in and sent.
    let mut form = valid_form(p, &key);
    form.push(("line_label".into(), "Captioning".into()));
    form.push(("line_amount".into(), "500".into()));
    let r = post_apply(&c, &form).await;
    assert_eq!(r.status(), 303);
    let total: i64 = grant_applications::table
        .select(grant_applications::total_budget_minor)
        .first(&mut *app.db())
        .expect("total");
    assert_eq!(total, 1_250_000);
}

#[tokio::test]
async fn each_programme_rule_is_enforced_with_a_human_message() {
    let app = TestApp::spawn().await;
    let p = event_programme(&app);
    let dev = ProgrammeBuilder::new("Development fund", "development").insert(&app);
    let closed = ProgrammeBuilder::new("Old sprints", "sprint")
        .closed()
        .insert(&app);
    let c = app.new_client();

    // Code of conduct: the policy is quoted.
    let mut f = valid_form(p, &new_key());
    set(&mut f, "coc_url", "");
    let page = refused(&c, &f).await;
    assert!(page.contains(COC_POLICY), "{page}");
    assert!(page.contains("id=\"coc_url-error\""));

    // Lead time: the earliest acceptable date is named.
    let mut f = valid_form(p, &new_key());
    set(&mut f, "starts_on", &day_in(10).to_string());
    set(&mut f, "ends_on", &day_in(11).to_string());
    let page = refused(&c, &f).await;
    let earliest = day_in(42).format("%-d %B %Y").to_string();
    assert!(
        page.contains(&format!(
            "The earliest start date we can accept today is {earliest}"
        )),
        "{page}"
    );

    // A date in the past, an end before the start.
    let mut f = valid_form(p, &new_key());
    set(&mut f, "starts_on", &day_in(-3).to_string());
    assert!(refused(&c, &f).await.contains("That date has passed"));
    let mut f = valid_form(p, &new_key());
    set(&mut f, "ends_on", &day_in(80).to_string());
    assert!(
        refused(&c, &f)
            .await
            .contains("The event cannot end before it starts.")
    );

    // Maximum amount.
    let mut f = valid_form(p, &new_key());
    set(&mut f, "requested", "10,000.01");
    let page = refused(&c, &f).await;
    assert!(
        page.contains("This programme grants at most $10,000.00"),
        "{page}"
    );

    // Attendance is required for events (not for development work).
    for none in ["", "0"] {
        let mut f = valid_form(p, &new_key());
        set(&mut f, "attendance", none);
        let page = refused(&c, &f).await;
        assert!(page.contains("Enter how many people you expect"), "{page}");
    }

    // More than the whole budget.
    let mut f = valid_form(p, &new_key());
    set(&mut f, "requested", "9,000");
    f.retain(|(k, _)| k != "line_label" && k != "line_amount");
    f.push(("line_label".into(), "Venue".into()));
    f.push(("line_amount".into(), "5000".into()));
    let page = refused(&c, &f).await;
    assert!(
        page.contains(&html("is more than the event's total budget")),
        "{page}"
    );

    // A closed or unknown programme.
    for bad in [closed.to_string(), "999999".to_string(), "x".to_string()] {
        let mut f = valid_form(p, &new_key());
        set(&mut f, "programme", &bad);
        let page = refused(&c, &f).await;
        assert!(page.contains("id=\"programme-error\""), "{page}");
    }
    assert!(!c.page("/grants/apply").await.1.contains("Old sprints"));
    assert_eq!(count_applications(&app), 0);

    // Development work needs neither attendance nor a code of conduct nor notice.
    let mut f = valid_form(dev, &new_key());
    set(&mut f, "attendance", "");
    set(&mut f, "coc_url", "");
    set(&mut f, "starts_on", &day_in(1).to_string());
    set(&mut f, "ends_on", &day_in(60).to_string());
    set(&mut f, "requested", "50,000");
    f.push(("line_label".into(), "Developer time".into()));
    f.push(("line_amount".into(), "60,000".into()));
    let r = post_apply(&c, &f).await;
    assert_eq!(r.status(), 303, "{}", body(r).await);
    assert_eq!(count_applications(&app), 1);
}

#[tokio::test]
async fn currencies_need_a_reference_rate_and_limits_apply_in_the_foundation_currency() {
    let app = TestApp::spawn().await;
    let p = event_programme(&app);
    let c = app.new_client();

    for cur in ["CHF", "XYZ", "<b>"] {
        let mut f = valid_form(p, &new_key());
        set(&mut f, "currency", cur);
        let page = refused(&c, &f).await;
        assert!(page.contains("We accept requests in USD."), "{cur}: {page}");
        assert!(page.contains("id=\"currency-error\""));
    }
    assert!(
        !c.page("/grants/apply")
            .await
            .1
            .contains("<option value=\"EUR\"")
    );

    grant_programmes::set_rate(&mut app.db(), "EUR", 1_080_000, "test").expect("rate");
    let page = c.page("/grants/apply").await.1;
    assert!(page.contains("<option value=\"EUR\""), "{page}");

    // €9,500 is about $10,260: over the $10,000 maximum.
    let mut f = valid_form(p, &new_key());
    set(&mut f, "currency", "EUR");
    set(&mut f, "requested", "9,500");
    let page = refused(&c, &f).await;
    assert!(
        page.contains("(about $10,260.00 at our reference rate)"),
        "{page}"
    );
    // CHF is still refused, now with both accepted currencies named.
    let mut f = valid_form(p, &new_key());
    set(&mut f, "currency", "CHF");
    assert!(
        refused(&c, &f)
            .await
            .contains("We accept requests in USD and EUR.")
    );

    let mut f = valid_form(p, &new_key());
    set(&mut f, "currency", "eur");
    set(&mut f, "requested", "5,000");
    let r = post_apply(&c, &f).await;
    assert_eq!(r.status(), 303, "{}", body(r).await);
    let (cur, req, base): (String, i64, i64) = grant_applications::table
        .select((
            grant_applications::currency,
            grant_applications::requested_minor,
            grant_applications::requested_base_minor,
        ))
        .first(&mut *app.db())
        .expect("row");
    assert_eq!((cur.as_str(), req, base), ("EUR", 500_000, 540_000));
    let m = app.wait_for_mail(AMA, "grant_received").await;
    assert!(m.text.contains("€5,000.00"), "{}", m.text);
}

#[tokio::test]
async fn malformed_amounts_dates_and_fields_are_refused_next_to_their_fields() {
    let app = TestApp::spawn().await;
    let p = event_programme(&app);
    let c = app.new_client();

    for bad in [
        "-5",
        "abc",
        "1e9999",
        "1,5",
        "12.345",
        "0",
        "",
        "99999999999999999999",
    ] {
        let mut f = valid_form(p, &new_key());
        set(&mut f, "requested", bad);
        let page = refused(&c, &f).await;
        assert!(page.contains("id=\"requested-error\""), "{bad}: {page}");
        if !bad.is_empty() {
            assert!(page.contains(&format!("value=\"{bad}\"")), "{bad} is kept");
        }
    }
    for bad in ["31/12/2027", "2027-02-30", "tomorrow", "", "99999-01-01"] {
        let mut f = valid_form(p, &new_key());
        set(&mut f, "starts_on", bad);
        let page = refused(&c, &f).await;
        assert!(page.contains("id=\"starts_on-error\""), "{bad}: {page}");
    }
    let cases: &[(&str, &str, &str)] = &[
        ("attendance", "lots", "attendance-error"),
        ("attendance", "-3", "attendance-error"),
        (
            "applicant_email",
            "ama@example.org\r\nBcc: x@y.example",
            "applicant_email-error",
        ),
        ("applicant_email", "not an address", "applicant_email-error"),
        ("applicant_name", "", "applicant_name-error"),
        ("applicant_name", "Ama\r\nMensah", "applicant_name-error"),
        ("coc_url", "javascript:alert(1)", "coc_url-error"),
        (
            "website",
            "data:text/html,<script>alert(1)</script>",
            "website-error",
        ),
        ("country", "XX", "country-error"),
        ("event_country", "", "event_country-error"),
        ("purpose", "", "purpose-error"),
        ("event_name", &"x".repeat(201), "event_name-error"),
    ];
    for (field, value, error) in cases {
        let mut f = valid_form(p, &new_key());
        set(&mut f, field, value);
        let page = refused(&c, &f).await;
        assert!(
            page.contains(&format!("id=\"{error}\"")),
            "{field}={value:?}: {page}"
        );
    }

    // Budget lines: a bad amount or a cost without a name says which line.
    let mut f = valid_form(p, &new_key());
    f.retain(|(k, _)| k != "line_label" && k != "line_amount");
    f.extend([
        ("line_label".into(), "Venue".into()),
        ("line_amount".into(), "8000".into()),
        ("line_label".into(), "Catering".into()),
        ("line_amount".into(), "-1".into()),
    ]);
    let page = refused(&c, &f).await;
    assert!(
        page.contains("Budget line 2: The amount cannot be negative."),
        "{page}"
    );
    let mut f = valid_form(p, &new_key());
    f.retain(|(k, _)| k != "line_label" && k != "line_amount");
    f.extend([
        ("line_label".into(), "".into()),
        ("line_amount".into(), "8000".into()),
    ]);
    assert!(
        refused(&c, &f)
            .await
            .contains("Budget line 1: Enter what the line is for.")
    );
    // No budget at all.
    let mut f = valid_form(p, &new_key());
    f.retain(|(k, _)| k != "line_label" && k != "line_amount");
    assert!(refused(&c, &f).await.contains("at least one line"));

    assert_eq!(count_applications(&app), 0);
    assert_eq!(app.outbox_count_to("grant_received", AMA), 0);
}

#[tokio::test]
async fn script_in_every_text_field_is_kept_as_text_and_escaped() {
    let app = TestApp::spawn().await;
    let p = event_programme(&app);
    let c = app.new_client();
    let evil = "<script>alert(1)</script>";
    let mut f = valid_form(p, &new_key());
    for field in [
        "applicant_name",
        "organisation",
        "event_name",
        "city",
        "purpose",
        "outreach",
        "earlier_grants",
    ] {
        set(&mut f, field, &format!("X {evil}"));
    }
    f.retain(|(k, _)| k != "line_label" && k != "line_amount");
    f.push(("line_label".into(), format!("Venue {evil}")));
    f.push(("line_amount".into(), "8000".into()));

    // A refused form shows it back escaped.
    let mut bad = f.clone();
    set(&mut bad, "requested", "abc");
    let page = refused(&c, &bad).await;
    assert!(!page.contains(evil), "{page}");
    assert!(page.contains(&html("<script>")));

    let r = post_apply(&c, &f).await;
    assert_eq!(r.status(), 303, "{}", body(r).await);
    let (name, event, purpose): (String, String, String) = grant_applications::table
        .select((
            grant_applications::applicant_name,
            grant_applications::event_name,
            grant_applications::purpose,
        ))
        .first(&mut *app.db())
        .expect("row");
    assert_eq!(name, format!("X {evil}"), "stored as typed: it is text");
    assert_eq!(event, format!("X {evil}"));
    assert_eq!(purpose, format!("X {evil}"));

    let m = app.wait_for_mail(AMA, "grant_received").await;
    assert!(!m.html.contains(evil), "{}", m.html);
    let visitor = app.new_client();
    visitor
        .get(&link_path(&m.text, "/grants/portal/enter/"))
        .await;
    let (status, home) = visitor.page("/grants/portal").await;
    assert_eq!(status, 200);
    assert!(!home.contains(evil), "{home}");
    assert!(
        home.matches(&html("X <script>alert(1)</script>")).count() >= 6,
        "{home}"
    );
    assert!(home.contains(&html("Venue <script>")));
}

#[tokio::test]
async fn the_same_form_sent_twice_makes_one_application_and_one_email() {
    let app = TestApp::spawn().await;
    let p = event_programme(&app);
    let c = app.new_client();
    let form = valid_form(p, &new_key());
    for _ in 0..2 {
        let r = post_apply(&c, &form).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/grants/apply/thanks");
    }
    assert_eq!(count_applications(&app), 1);
    assert_eq!(app.outbox_count_to("grant_received", AMA), 1);

    // Two clicks at the same moment.
    let form = valid_form(p, &new_key());
    let (a, b) = tokio::join!(post_apply(&c, &form), post_apply(&c, &form));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (303, 303));
    assert_eq!(count_applications(&app), 2);
    assert_eq!(app.outbox_count_to("grant_received", AMA), 2);

    // A form whose key was tampered with gets a fresh one: it is a new application.
    let mut f = valid_form(p, "not-a-key");
    set(&mut f, "requested", "abc");
    let page = refused(&c, &f).await;
    assert!(!page.contains("value=\"not-a-key\""));
    let fresh = page
        .split("name=\"application_key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form carries a key");
    assert!(
        steward::auth::token::looks_valid(fresh),
        "a fresh key, not an empty one: {fresh:?}"
    );
}

#[tokio::test]
async fn the_attachment_is_checked_by_content_size_limited_and_private() {
    let app = TestApp::spawn().await;
    let p = event_programme(&app);
    let c = app.new_client();

    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let cases: Vec<(FilePart, &str)> = vec![
        (
            (
                b"<html><script>alert(1)</script></html>%%EOF".to_vec(),
                "prospectus.pdf",
                "application/pdf",
            ),
            "not a PDF",
        ),
        (
            (
                b"\x89PNG\r\n\x1a\n0000".to_vec(),
                "prospectus.pdf",
                "application/pdf",
            ),
            "not a PDF",
        ),
        (
            (
                b"%PDF-1.7\n1 0 obj".to_vec(),
                "prospectus.pdf",
                "application/pdf",
            ),
            "incomplete",
        ),
        ((Vec::new(), "prospectus.pdf", "application/pdf"), "empty"),
        ((big, "big.pdf", "application/pdf"), "larger than 10 MB"),
    ];
    for (file, message) in cases {
        let r = c
            .post_multipart(
                "/grants/apply",
                &valid_form(p, &new_key()),
                "attachment",
                vec![file],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = body(r).await;
        assert!(page.contains(message), "{message}: {page}");
        assert!(page.contains("id=\"attachment-error\""));
        assert!(page.contains("please choose it again"));
    }
    // Two files where one is asked for.
    let r = c
        .post_multipart(
            "/grants/apply",
            &valid_form(p, &new_key()),
            "attachment",
            vec![
                (PDF.to_vec(), "a.pdf", "application/pdf"),
                (PDF.to_vec(), "b.pdf", "application/pdf"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(count_applications(&app), 0);
    assert_eq!(stored_files(&app), 0, "nothing kept for refused forms");

    // A refused form does not keep the file it carried either.
    let mut f = valid_form(p, &new_key());
    set(&mut f, "coc_url", "");
    let r = c
        .post_multipart(
            "/grants/apply",
            &f,
            "attachment",
            vec![(PDF.to_vec(), "a.pdf", "application/pdf")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(stored_files(&app), 0);

    let r = c
        .post_multipart(
            "/grants/apply",
            &valid_form(p, &new_key()),
            "attachment",
            vec![(PDF.to_vec(), "budget-2027.pdf", "text/html")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (file_id, key, name, ct, size, purpose): (i64, String, String, String, i64, String) =
        grant_files::table
            .select((
                grant_files::id,
                grant_files::file_key,
                grant_files::file_name,
                grant_files::content_type,
                grant_files::size_bytes,
                grant_files::purpose,
            ))
            .first(&mut *app.db())
            .expect("file row");
    assert_eq!(
        (ct.as_str(), purpose.as_str()),
        ("application/pdf", "application")
    );
    assert_eq!(size, PDF.len() as i64);
    assert_eq!(name, "budget-2027.pdf");
    assert_eq!(
        std::fs::read(
            steward::services::grant_applications::file_path(&app.state.settings.data_dir, &key)
                .expect("path")
        )
        .expect("stored"),
        PDF
    );
    // Not served as a static file, and not to a browser without the applicant's link.
    let (status, _) = c.page(&format!("/static/grant_files/{key}")).await;
    assert_eq!(status, 404);
    let r = app
        .new_client()
        .get(&format!("/grants/portal/files/{file_id}"))
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/grants/portal/link");

    // The applicant downloads it: exact type, never inline, never sniffed.
    let m = app.wait_for_mail(AMA, "grant_received").await;
    let visitor = app.new_client();
    visitor
        .get(&link_path(&m.text, "/grants/portal/enter/"))
        .await;
    let home = visitor.page("/grants/portal").await.1;
    assert!(
        home.contains(&format!("/grants/portal/files/{file_id}")),
        "{home}"
    );
    let r = visitor
        .get(&format!("/grants/portal/files/{file_id}"))
        .await;
    assert_eq!(r.status(), 200);
    let h = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(h("content-type"), "application/pdf");
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert!(
        h("content-disposition").starts_with("attachment;"),
        "{}",
        h("content-disposition")
    );
    assert!(
        !h("content-disposition").contains("budget"),
        "server-made name only"
    );
    assert_eq!(h("cache-control"), "no-store");
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), PDF);
}

#[tokio::test]
async fn too_many_applications_from_one_address_are_refused() {
    let app = TestApp::spawn().await;
    let p = event_programme(&app);
    let c = app.new_client();
    for _ in 0..10 {
        let r = post_apply(&c, &valid_form(p, &new_key())).await;
        assert_eq!(r.status(), 303);
    }
    let r = post_apply(&c, &valid_form(p, &new_key())).await;
    assert_eq!(r.status(), 429);
    let page = body(r).await;
    assert!(page.contains("Nothing was saved"), "{page}");
    assert!(page.contains("value=\"Ama Mensah\""), "the form is kept");
    assert_eq!(count_applications(&app), 10);
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    let p = event_programme(&app);
    let c = app.new_client();
    c.get("/grants/apply").await;
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in valid_form(p, &new_key()) {
        form = form.text(k, v);
    }
    let r = c
        .http
        .post(c.url("/grants/apply"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 403);
    assert_eq!(count_applications(&app), 0);
    // Another browser's token is no better.
    let other = app.new_client().csrf_token().await;
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in valid_form(p, &new_key()) {
        form = form.text(k, v);
    }
    let r = c
        .http
        .post(c.url(&format!("/grants/apply?csrf_token={other}")))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 403);
    assert_eq!(count_applications(&app), 0);
    // The token was all that was missing: with this browser's own, the same form goes in.
    let r = post_apply(&c, &valid_form(p, &new_key())).await;
    assert_eq!(r.status(), 303);
    assert_eq!(count_applications(&app), 1);
}

/// The two rounds: missing fields and broken rules come back in one answer.
#[tokio::test]
async fn missing_fields_and_broken_rules_are_reported_in_one_answer() {
    let app = TestApp::spawn().await;
    let p = event_programme(&app);
    let c = app.new_client();
    let mut f = valid_form(p, &new_key());
    set(&mut f, "applicant_name", "");
    set(&mut f, "purpose", "");
    set(&mut f, "starts_on", &day_in(10).to_string());
    set(&mut f, "ends_on", &day_in(11).to_string());
    set(&mut f, "coc_url", "");
    set(&mut f, "requested", "11,000");
    let page = refused(&c, &f).await;
    for field in [
        "applicant_name",
        "purpose",
        "starts_on",
        "coc_url",
        "requested",
    ] {
        assert!(
            page.contains(&format!("id=\"{field}-error\"")),
            "{field} has its message in the first answer: {page}"
        );
    }
    assert!(page.contains("at least 42 days before"), "{page}");
    assert!(page.contains(COC_POLICY), "{page}");
    assert!(page.contains("grants at most $10,000.00"), "{page}");
    assert_eq!(count_applications(&app), 0);
}
