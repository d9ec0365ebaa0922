//! The public grants pages: the programmes with their rules, and the register of awarded
//! grants — only those whose applicants opted in, filtered by year, programme and country,
//! escaped, and downloadable as CSV that a spreadsheet cannot run.

use steward::domain::grants::Status;
use steward::models::grant_programmes as programmes;

use crate::fixtures::grants::{AMA, GrantBuilder, ProgrammeBuilder, day};
use crate::helpers::TestApp;

#[tokio::test]
async fn the_register_lists_only_awarded_grants_whose_applicants_opted_in() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences").insert(&app);
    for (status, event, opt_in) in [
        (Status::Approved, "Listed approved", true),
        (Status::Paid, "Listed paid", true),
        (Status::ReportDue, "Listed report due", true),
        (Status::Closed, "Listed closed", true),
        (Status::Approved, "Hidden not opted in", false),
        (Status::Closed, "Hidden closed not opted in", false),
        (Status::Declined, "Hidden declined", true),
        (Status::Withdrawn, "Hidden withdrawn after approval", true),
        (Status::UnderReview, "Hidden under review", true),
        (Status::Submitted, "Hidden submitted", true),
        (Status::InfoRequested, "Hidden info requested", true),
    ] {
        GrantBuilder::new(p)
            .status(status)
            .event(event)
            .opt_in(opt_in)
            .insert(&app);
    }
    let anon = app.new_client();
    let (s, body) = anon.page("/grants/register").await;
    assert_eq!(s, 200);
    assert!(body.contains("4 grants"), "{body}");
    for listed in [
        "Listed approved",
        "Listed paid",
        "Listed report due",
        "Listed closed",
    ] {
        assert!(body.contains(listed), "{listed}");
    }
    assert!(!body.contains("Hidden"), "{body}");
    // The award, not the request; no personal data.
    assert!(body.contains("$2,000.00"));
    assert!(!body.contains("$3,000.00"));
    assert!(!body.contains(AMA));
    assert!(!body.contains("Ama Mensah"));

    let r = anon.get("/grants/register.csv").await;
    let csv = r.text().await.expect("csv");
    assert_eq!(csv.lines().count(), 5, "header and four grants: {csv}");
    assert!(!csv.contains("Hidden"));
    assert!(!csv.contains(AMA));
}

#[tokio::test]
async fn the_register_filters_by_year_programme_and_country() {
    let app = TestApp::spawn().await;
    let events = ProgrammeBuilder::event("Conferences").insert(&app);
    let sprints = ProgrammeBuilder::event("Sprints").insert(&app);
    GrantBuilder::new(events)
        .status(Status::Paid)
        .event("Accra 2030")
        .insert(&app);
    GrantBuilder::new(events)
        .status(Status::Closed)
        .event("Nairobi 2029")
        .event_country("KE")
        .city("Nairobi")
        .dates(day(2029, 5, 1), day(2029, 5, 2))
        .insert(&app);
    GrantBuilder::new(sprints)
        .status(Status::Approved)
        .event("Lima sprint 2030")
        .event_country("PE")
        .city("Lima")
        .insert(&app);

    let c = app.new_client();
    let shows = |body: &str| {
        ["Accra 2030", "Nairobi 2029", "Lima sprint 2030"]
            .into_iter()
            .filter(|e| body.contains(e))
            .collect::<Vec<_>>()
    };
    let (_, body) = c.page("/grants/register").await;
    assert_eq!(
        shows(&body),
        vec!["Accra 2030", "Nairobi 2029", "Lima sprint 2030"]
    );
    // The choices offered are those with something listed.
    assert!(body.contains("<option value=\"2029\">2029</option>"));
    assert!(body.contains("<option value=\"KE\">Kenya</option>"));
    assert!(body.contains(&format!("<option value=\"{sprints}\">Sprints</option>")));

    let (_, body) = c.page("/grants/register?year=2029").await;
    assert_eq!(shows(&body), vec!["Nairobi 2029"]);
    assert!(body.contains("<option value=\"2029\" selected>"));
    let (_, body) = c
        .page(&format!("/grants/register?programme={sprints}"))
        .await;
    assert_eq!(shows(&body), vec!["Lima sprint 2030"]);
    let (_, body) = c.page("/grants/register?country=gh").await;
    assert_eq!(shows(&body), vec!["Accra 2030"]);
    assert!(body.contains("href=\"/grants/register.csv?country=GH\""));
    let (_, body) = c
        .page(&format!(
            "/grants/register?year=2030&programme={events}&country=GH"
        ))
        .await;
    assert_eq!(shows(&body), vec!["Accra 2030"]);
    let (_, body) = c.page("/grants/register?year=2030&country=KE").await;
    assert!(shows(&body).is_empty());
    assert!(body.contains("No grants to list for these choices"));

    // Nonsense filters are ignored rather than an error.
    for q in [
        "year=abc",
        "year=99999999999",
        "programme=-1",
        "programme=%3Cscript%3E",
        "country=%3Cscript%3Ealert(1)%3C/script%3E",
        "country=ZZ",
    ] {
        let (s, body) = c.page(&format!("/grants/register?{q}")).await;
        assert_eq!(s, 200, "{q}");
        assert_eq!(shows(&body).len(), 3, "{q}");
        assert!(!body.contains("<script>alert(1)"), "{q}");
    }

    // The CSV takes the same filters.
    let csv = c
        .get("/grants/register.csv?year=2030&country=PE")
        .await
        .text()
        .await
        .expect("csv");
    assert!(csv.contains("Lima sprint 2030"));
    assert!(!csv.contains("Accra 2030"));
    assert!(!csv.contains("Nairobi 2029"));
}

#[tokio::test]
async fn the_csv_has_the_awards_and_neutralises_formulas() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Conferences").insert(&app);
    GrantBuilder::new(p)
        .status(Status::Paid)
        .organisation("=HYPERLINK(\"http://evil.example\",\"click\")")
        .event("+cmd|' /C calc'!A0")
        .city("São Paulo, \"centro\"")
        .event_country("BR")
        .insert(&app);
    GrantBuilder::new(p)
        .status(Status::Approved)
        .currency("EUR")
        .award(150_050, 162_054)
        .organisation("-2+3")
        .event("@SUM(A1:A9)")
        .insert(&app);
    GrantBuilder::new(p)
        .status(Status::Approved)
        .event("Not opted in")
        .opt_in(false)
        .insert(&app);

    let r = app.new_client().get("/grants/register.csv").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().expect("type"),
        "text/csv; charset=utf-8"
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("disposition")
            .starts_with("attachment; filename=\"grants-register.csv\"")
    );
    assert_eq!(
        r.headers()["x-content-type-options"]
            .to_str()
            .expect("nosniff"),
        "nosniff"
    );
    let csv = r.text().await.expect("csv");
    assert!(
        csv.starts_with('\u{feff}'),
        "a byte-order mark for spreadsheets"
    );
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        lines[0],
        "Grant,Year,Programme,Organisation,Event,City,Country,Starts,Ends,Awarded,Currency"
    );
    assert_eq!(
        lines.len(),
        4,
        "header, two grants, and the final line break: {csv}"
    );
    // Newest first by start date, then id: both start on the same day, so the second grant
    // (higher id) comes first.
    assert!(
        lines[1].starts_with(
            "G-2,2030,Conferences,'-2+3,'@SUM(A1:A9),Accra,Ghana,2030-08-01,2030-08-03,1500.50,EUR"
        ),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with(
            "G-1,2030,Conferences,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",'+cmd|' /C calc'!A0,\"São Paulo, \"\"centro\"\"\",Brazil,2030-08-01,2030-08-03,2000.00,USD"
        ),
        "{}",
        lines[2]
    );
    assert!(!csv.contains("Not opted in"));
    // No cell of the body starts with a formula character.
    for line in &lines[1..] {
        for cell in line.split(',') {
            let c = cell.trim_start_matches('"');
            assert!(!c.starts_with(['=', '+', '@']), "{cell} in {line}");
        }
    }
}

#[tokio::test]
async fn the_register_escapes_what_applicants_typed() {
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("<b>Bold</b> programme").insert(&app);
    GrantBuilder::new(p)
        .status(Status::Paid)
        .organisation("<script>alert('org')</script>")
        .event("\"><img src=x onerror=alert(1)>")
        .city("<i>Accra</i>")
        .insert(&app);
    let (s, body) = app.new_client().page("/grants/register").await;
    assert_eq!(s, 200);
    assert!(!body.contains("<script>alert('org')"));
    assert!(!body.contains("<img src=x"));
    assert!(!body.contains("<b>Bold</b>"));
    assert!(!body.contains("<i>Accra</i>"));
    assert!(body.contains("&#60;script&#62;alert("));
    assert!(body.contains("&#60;img src=x onerror=alert(1)&#62;"));
    assert!(body.contains("&#60;b&#62;Bold&#60;/b&#62; programme"));
}

#[tokio::test]
async fn the_grants_page_explains_each_open_programme_in_plain_words() {
    let app = TestApp::spawn().await;
    ProgrammeBuilder::event("Conferences").insert(&app);
    ProgrammeBuilder::new("Core development", "development")
        .description("Paid time on the interpreter.")
        .report_days(90)
        .insert(&app);
    ProgrammeBuilder::new("Closed programme", "sprint")
        .closed()
        .insert(&app);
    programmes::set_rate(&mut app.db(), "EUR", 1_080_000, "admin@example.org").expect("rate");

    let (s, body) = app.new_client().page("/grants").await;
    assert_eq!(s, 200);
    assert!(body.contains("Conferences"));
    assert!(body.contains("Core development"));
    assert!(!body.contains("Closed programme"));
    assert!(body.contains("must publish a code of conduct"));
    assert!(body.contains(steward::domain::grants::COC_POLICY));
    assert!(body.contains("at least 42 days before the event starts"));
    assert!(body.contains("at most $10,000.00"));
    assert!(body.contains("about $25.00 per expected attendee"));
    assert!(body.contains("within 90 days"));
    assert!(body.contains("Ask in USD, EUR"));
    assert!(body.contains("href=\"/grants/apply\""));
    assert!(body.contains("href=\"/grants/register\""));
    assert!(body.contains("aria-current=\"page\">Grants"));
}
