//! Conference budgets: conferences, ticket types, cost and revenue lines, sponsorship read live
//! from the tied programme, scenarios and break-even on the page, exposure by liability date,
//! baselines that never change, the charts, the CSV export, the printable view, and roles.

use chrono::Duration;
use diesel::prelude::*;
use steward::db::schema::{audit_log, conference_baselines, conference_lines, conferences};
use steward::domain::Role;
use steward::domain::sponsorship::Status;

use crate::fixtures::checks::assert_well_formed_xml;
use crate::fixtures::sponsorships::{bank_transfer, issue_invoice, sponsor, sponsorship, tier};
use crate::fixtures::today;
use crate::helpers::{TestApp, TestClient, html, location};

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

/// A treasurer's browser.
async fn treasurer(app: &TestApp) -> TestClient {
    app.signed_in(&[Role::Treasurer]).await.0
}

/// Sends the conference form to `path` (a new conference, or an existing one's details): in
/// 200 days for three days, cap 1,000, scenarios 600/800/1,000, in USD, with `changes`
/// replacing or adding fields.
async fn send_conference(
    c: &TestClient,
    path: &str,
    name: &str,
    changes: &[(&str, &str)],
) -> reqwest::Response {
    let starts = day(200);
    let ends = day(202);
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", name),
        ("starts_on", &starts),
        ("ends_on", &ends),
        ("venue", "Hall A"),
        ("city", "Lyon"),
        ("attendance_cap", "1000"),
        ("currency", "USD"),
        ("pessimistic", "600"),
        ("likely", "800"),
        ("optimistic", "1000"),
    ];
    for (k, v) in changes {
        fields.retain(|(f, _)| f != k);
        fields.push((k, v));
    }
    c.post(path, &fields).await
}

/// Creates a conference through the form (see `send_conference`); returns its id.
async fn conference(c: &TestClient, name: &str, extra: &[(&str, &str)]) -> i64 {
    let r = send_conference(c, "/staff/conferences", name, extra).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    location(&r)
        .trim_start_matches("/staff/conferences/")
        .parse()
        .expect("the new conference's id")
}

/// Adds a cost line; returns the response.
async fn line(c: &TestClient, id: i64, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut all: Vec<(&str, &str)> = vec![
        ("category", "venue"),
        ("item", "Hall hire"),
        ("basis", "fixed"),
        ("currency", "USD"),
        ("estimate", "0"),
    ];
    for (k, v) in fields {
        all.retain(|(f, _)| f != k);
        all.push((k, v));
    }
    c.post(&format!("/staff/conferences/{id}/lines"), &all)
        .await
}

async fn ok_line(c: &TestClient, id: i64, fields: &[(&str, &str)]) {
    let r = line(c, id, fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
}

async fn ticket(
    c: &TestClient,
    id: i64,
    name: &str,
    price: &str,
    share: &str,
) -> reqwest::Response {
    c.post(
        &format!("/staff/conferences/{id}/tickets"),
        &[("name", name), ("price", price), ("share", share)],
    )
    .await
}

fn counts(app: &TestApp) -> (i64, i64, i64, i64) {
    use steward::db::schema::{conference_revenue, conference_tickets};
    let mut c = app.db();
    (
        conferences::table
            .count()
            .get_result(&mut c)
            .expect("count"),
        conference_lines::table
            .count()
            .get_result(&mut c)
            .expect("count"),
        conference_tickets::table
            .count()
            .get_result(&mut c)
            .expect("count"),
        conference_revenue::table
            .count()
            .get_result::<i64>(&mut c)
            .expect("count")
            + conference_baselines::table
                .count()
                .get_result::<i64>(&mut c)
                .expect("count"),
    )
}

/// The SVG elements of a page.
fn svgs(body: &str) -> Vec<&str> {
    body.match_indices("<svg")
        .map(|(i, _)| {
            let end = body[i..].find("</svg>").expect("closing svg") + i + "</svg>".len();
            &body[i..end]
        })
        .collect()
}

/// The hand-computed conference of the budget's unit test, built through the forms: venue
/// $200,000 (signed for $210,000), A/V $50,000 (signed, $48,000 spent), catering $60 and
/// badges $5 a head; tickets $400 for 60% and $150 for 30%; a $20,000 donation; no
/// sponsorship. Scenarios 900 / 1,200 / 1,500 of a 1,500 cap.
async fn worked(c: &TestClient) -> i64 {
    let id = conference(
        c,
        "Worked Conf",
        &[
            ("attendance_cap", "1500"),
            ("pessimistic", "900"),
            ("likely", "1200"),
            ("optimistic", "1500"),
        ],
    )
    .await;
    ok_line(
        c,
        id,
        &[
            ("item", "Hall"),
            ("estimate", "200,000"),
            ("committed", "210000"),
        ],
    )
    .await;
    ok_line(
        c,
        id,
        &[
            ("category", "av"),
            ("item", "Stage"),
            ("estimate", "50000"),
            ("committed", "50000"),
            ("actual", "48000"),
        ],
    )
    .await;
    ok_line(
        c,
        id,
        &[
            ("category", "catering"),
            ("item", "Lunch"),
            ("basis", "per_attendee"),
            ("estimate", "60"),
        ],
    )
    .await;
    ok_line(
        c,
        id,
        &[
            ("category", "swag"),
            ("item", "Badges"),
            ("basis", "per_attendee"),
            ("estimate", "5.00"),
        ],
    )
    .await;
    assert_eq!(ticket(c, id, "Regular", "400", "60").await.status(), 303);
    assert_eq!(ticket(c, id, "Student", "150", "30%").await.status(), 303);
    let r = c
        .post(
            &format!("/staff/conferences/{id}/revenue"),
            &[
                ("kind", "donation"),
                ("item", "Friends"),
                ("currency", "USD"),
                ("expected", "20000"),
                ("received", "5000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    id
}

#[tokio::test]
async fn the_analysis_page_shows_the_hand_computed_figures() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = worked(&c).await;
    let (status, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert_eq!(status, 200);
    // F = 260,000; v = 65; p = 285; R = 20,000 (no sponsorship).
    // 900: tickets 256,500, costs 318,500, net −42,000.
    // 1,200: tickets 342,000, costs 338,000, net 24,000.
    // 1,500: tickets 427,500, costs 357,500, net 90,000.
    for figure in [
        "$256,500.00",
        "$318,500.00",
        "-$42,000.00",
        "$342,000.00",
        "$338,000.00",
        "$24,000.00",
        "$427,500.00",
        "$357,500.00",
        "$90,000.00",
    ] {
        assert!(body.contains(figure), "{figure} missing");
    }
    // Break-even: ⌈(260,000 − 20,000) / (285 − 65)⌉ = ⌈1,090.9⌉ = 1,091 of 1,500.
    assert!(
        body.contains("The event breaks even at 1091 attendees, 72% of the cap of 1500."),
        "break-even sentence"
    );
    assert!(body.contains("<dt>F</dt><dd>$260,000.00: fixed costs"));
    assert!(body.contains("<dt>v</dt><dd>$65.00: cost per attendee"));
    // Cost per attendee at the likely 1,200: 338,000 / 1,200 = 281.66.
    assert!(body.contains("$281.66"));
    // Totals by category at the likely attendance: catering 60 × 1,200.
    assert!(body.contains("$72,000.00"));
    // Every figure is also in the charts, which are well-formed.
    let charts = svgs(&body);
    assert_eq!(charts.len(), 2);
    for svg in charts {
        assert_well_formed_xml(svg);
    }
    // Every change was audited.
    for action in [
        "conference.create",
        "conference_line.add",
        "conference_ticket.add",
        "conference_revenue.add",
    ] {
        assert!(!app.audit(action).is_empty(), "{action} audited");
    }
    assert_eq!(app.audit("conference_line.add").len(), 4);
}

#[tokio::test]
async fn scenarios_left_empty_default_to_shares_of_the_cap() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(
        &c,
        "Defaults",
        &[("pessimistic", ""), ("likely", ""), ("optimistic", "")],
    )
    .await;
    let conf = steward::models::conferences::find(&mut app.db(), id).expect("row");
    assert_eq!(
        (conf.pessimistic, conf.likely, conf.optimistic),
        (600, 850, 1000)
    );
}

/// Fields to change, the field whose message is expected, and part of the message.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

#[tokio::test]
async fn bad_conference_input_is_refused_next_to_the_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let before = counts(&app);
    let cases: &[Case] = &[
        (&[("name", "")], "name", "Enter the conference"),
        (&[("name", "Line\r\nBreak")], "name", "must be on one line"),
        (
            &[("ends_on", "2020-01-01")],
            "ends_on",
            "cannot be before the first day",
        ),
        (
            &[("starts_on", "31/12/2027")],
            "starts_on",
            "as a date like",
        ),
        (&[("attendance_cap", "0")], "attendance_cap", "from 1 to"),
        (
            &[("attendance_cap", "1000001")],
            "attendance_cap",
            "from 1 to",
        ),
        (&[("attendance_cap", "abc")], "attendance_cap", "from 1 to"),
        (&[("likely", "1001")], "likely", "to the cap of 1000"),
        (
            &[("pessimistic", "900")],
            "pessimistic",
            "cannot be above the likely",
        ),
        (
            &[("optimistic", "700")],
            "optimistic",
            "cannot be below the likely",
        ),
        (&[("pessimistic", "-1")], "pessimistic", "from 0 to the cap"),
        (&[("currency", "XXX")], "currency", "Choose a currency"),
        (
            &[("insurance_cover", "-5")],
            "insurance_cover",
            "cannot be negative",
        ),
        (
            &[("insurance_cover", "1e9999")],
            "insurance_cover",
            "in figures",
        ),
        (
            &[("programme_id", "999")],
            "programme_id",
            "Choose a sponsorship programme",
        ),
    ];
    for (changes, field, message) in cases {
        let r = send_conference(&c, "/staff/conferences", "Refused", changes).await;
        assert_eq!(r.status(), 422, "{changes:?}");
        let body = r.text().await.expect("body");
        assert!(
            body.contains(&format!("id=\"{field}-error\"")),
            "{changes:?}: no message next to {field}"
        );
        assert!(body.contains(message), "{changes:?}: {message}");
        // What was typed stays in the form.
        assert!(body.contains("value=\"Refused\"") || *field == "name");
    }
    assert_eq!(before, counts(&app));
    // A second conference with the same name (in any case) is refused.
    conference(&c, "Unique Conf", &[]).await;
    let r = send_conference(&c, "/staff/conferences", "unique conf", &[]).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("already a conference called")
    );
    // Script in a name stays text.
    let id = conference(&c, "<script>alert(1)</script>", &[]).await;
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert!(!body.contains("<script>alert(1)</script>"));
    assert!(body.contains(&html("<script>alert(1)</script>")));
}

#[tokio::test]
async fn a_huge_line_is_refused_and_nothing_wraps() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Huge", &[]).await;
    let before = counts(&app);
    for (fields, field, message) in [
        (
            vec![("estimate", "10,000,000,001")],
            "estimate",
            "too large",
        ),
        (
            vec![("estimate", "99999999999999999999999")],
            "estimate",
            "too large",
        ),
        (vec![("estimate", "-5")], "estimate", "cannot be negative"),
        (vec![("estimate", "abc")], "estimate", "in figures"),
        (vec![("estimate", "1e9999")], "estimate", "in figures"),
        (vec![("estimate", "")], "estimate", "Enter an amount"),
        (
            vec![("committed", "1.234")],
            "committed",
            "at most 2 digits",
        ),
        (
            vec![("liability", "1,5")],
            "liability",
            "commas only between thousands",
        ),
        // $20,000,000 a head at the cap of 1,000 is more than the largest amount.
        (
            vec![("basis", "per_attendee"), ("estimate", "20,000,000")],
            "estimate",
            "At the cap of 1000 attendees",
        ),
        (vec![("basis", "weekly")], "basis", "fixed or per attendee"),
        (
            vec![("category", "bribes")],
            "category",
            "Choose a category",
        ),
        (
            vec![("category", "custom"), ("custom_category", "")],
            "custom_category",
            "Enter the category",
        ),
        (vec![("item", "")], "item", "Enter what the line is for"),
        (
            vec![("liability_from", "2027-03-01")],
            "liability_from",
            "Enter the amount owed from that date",
        ),
        (
            vec![("liability", "10"), ("liability_from", "soon")],
            "liability_from",
            "as a date like",
        ),
    ] {
        let r = line(&c, id, &fields).await;
        assert_eq!(r.status(), 422, "{fields:?}");
        let body = r.text().await.expect("body");
        assert!(
            body.contains(&format!("id=\"{field}-error\"")),
            "{fields:?}: {field}"
        );
        assert!(
            body.contains(message),
            "{fields:?}: {message} in {}",
            &body[..0]
        );
    }
    assert_eq!(before, counts(&app));
    // The largest per-attendee line that fits at the cap is accepted…
    ok_line(
        &c,
        id,
        &[("basis", "per_attendee"), ("estimate", "10,000,000")],
    )
    .await;
    // …and then the cap cannot grow past what that line allows.
    let r = send_conference(
        &c,
        &format!("/staff/conferences/{id}"),
        "Huge",
        &[("attendance_cap", "1001")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"attendance_cap-error\""));
    assert!(body.contains("At 1001 attendees the line"));
    // The page still computes (no overflow, no error page).
    let (status, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("$10,000,000,000.00"), "the line at the cap");
}

#[tokio::test]
async fn lines_in_another_currency_carry_their_rate() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Rates", &[]).await;
    // No rate for a line in euros: refused next to the rate.
    let r = line(&c, id, &[("currency", "EUR"), ("estimate", "1000")]).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"rate-error\""));
    assert!(body.contains("A line in EUR needs its exchange rate"));
    for bad in ["0", "-1", "abc", "1.1234567"] {
        let r = line(
            &c,
            id,
            &[("currency", "EUR"), ("estimate", "1000"), ("rate", bad)],
        )
        .await;
        assert_eq!(r.status(), 422, "rate {bad}");
    }
    // A rate that makes the amount too large in dollars.
    let r = line(
        &c,
        id,
        &[
            ("currency", "EUR"),
            ("estimate", "9,000,000,000"),
            ("rate", "200"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("At this exchange rate the amount is more than")
    );
    // €1,000.00 at 1.08 is $1,080.00 in the analysis; the line keeps its euros.
    ok_line(
        &c,
        id,
        &[
            ("item", "Speaker travel"),
            ("currency", "EUR"),
            ("estimate", "1000"),
            ("rate", "1.08"),
        ],
    )
    .await;
    // A rate typed for the conference's own currency is ignored.
    ok_line(
        &c,
        id,
        &[("item", "Local"), ("estimate", "20"), ("rate", "5")],
    )
    .await;
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert!(body.contains("€1,000.00"));
    assert!(body.contains("in EUR at 1.08 USD each"));
    assert!(body.contains("$1,100.00"), "1,080 + 20 in the totals");
    let local = conference_lines::table
        .filter(conference_lines::item.eq("Local"))
        .select(conference_lines::rate_micros)
        .first::<i64>(&mut app.db())
        .expect("line");
    assert_eq!(local, 1_000_000);
    // The conference's currency cannot change once it has amounts.
    let r = send_conference(
        &c,
        &format!("/staff/conferences/{id}"),
        "Rates",
        &[("currency", "EUR")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("the currency cannot change now")
    );
    let conf = steward::models::conferences::find(&mut app.db(), id).expect("row");
    assert_eq!(conf.currency, "USD");
}

#[tokio::test]
async fn ticket_shares_cannot_pass_all_attendees() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Shares", &[]).await;
    assert_eq!(ticket(&c, id, "Regular", "300", "60").await.status(), 303);
    let r = ticket(&c, id, "Student", "100", "40.5").await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"share-error\""));
    assert!(body.contains("this one can take at most 40%"));
    for (name, price, share, field) in [
        ("regular", "10", "5", "name"),
        ("Free", "-1", "5", "price"),
        ("Odd", "10", "12.55", "share"),
        ("Over", "10", "101", "share"),
        ("", "10", "5", "name"),
    ] {
        let r = ticket(&c, id, name, price, share).await;
        assert_eq!(r.status(), 422, "{name} {price} {share}");
        assert!(
            r.text()
                .await
                .expect("body")
                .contains(&format!("id=\"{field}-error\""))
        );
    }
    assert_eq!(ticket(&c, id, "Student", "100", "40").await.status(), 303);
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert!(body.contains("100% of attendees hold a paid ticket type"));
    // Editing a ticket type may keep its own share.
    let tickets = steward::models::conferences::tickets(&mut app.db(), id).expect("tickets");
    let r = c
        .post(
            &format!("/staff/conferences/{id}/tickets/{}", tickets[0].id),
            &[("name", "Regular"), ("price", "350"), ("share", "60")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.audit("conference_ticket.update").len(), 1);
}

#[tokio::test]
async fn break_even_says_when_it_can_never_happen() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Never", &[]).await;
    ok_line(&c, id, &[("estimate", "10000")]).await;
    ok_line(
        &c,
        id,
        &[
            ("category", "catering"),
            ("basis", "per_attendee"),
            ("estimate", "50"),
        ],
    )
    .await;
    // A ticket at exactly the cost per attendee: never.
    assert_eq!(ticket(&c, id, "Regular", "50", "100").await.status(), 303);
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert!(body.contains("The event can never break even at current prices"));
    // A little more per ticket, but not enough within the cap.
    let t = steward::models::conferences::tickets(&mut app.db(), id).expect("tickets");
    let r = c
        .post(
            &format!("/staff/conferences/{id}/tickets/{}", t[0].id),
            &[("name", "Regular"), ("price", "55"), ("share", "100")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    // 10,000 / 5 = 2,000 attendees, above the cap of 1,000.
    assert!(body.contains("would need 2000 attendees to break even, more than the cap of 1000"));
    // No tickets at all and nothing else: still never, and the page still draws.
    let r = c
        .post(
            &format!("/staff/conferences/{id}/tickets/{}/delete", t[0].id),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("can never break even"));
    // A conference with no lines at all breaks even at any attendance.
    let empty = conference(&c, "Empty", &[]).await;
    let (_, body) = c.page(&format!("/staff/conferences/{empty}")).await;
    assert!(body.contains("breaks even whatever the attendance"));
}

#[tokio::test]
async fn exposure_counts_only_liabilities_in_force_today() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Exposure", &[("insurance_cover", "1,000")]).await;
    let yesterday = day(-1);
    let tomorrow = day(1);
    let today_s = day(0);
    ok_line(
        &c,
        id,
        &[
            ("item", "Deposit"),
            ("liability", "5000"),
            ("liability_from", &yesterday),
        ],
    )
    .await;
    ok_line(
        &c,
        id,
        &[
            ("item", "Today"),
            ("liability", "300"),
            ("liability_from", &today_s),
        ],
    )
    .await;
    ok_line(
        &c,
        id,
        &[
            ("item", "Later"),
            ("liability", "7000"),
            ("liability_from", &tomorrow),
        ],
    )
    .await;
    ok_line(&c, id, &[("item", "Signed"), ("liability", "40")]).await;
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    // In force today: 5,000 + 300 + 40 = 5,340; insurance 1,000; owed 4,340.
    assert!(body.contains("Cancellation liabilities in force today: <strong>$5,340.00</strong>"));
    assert!(body.contains("leaving the foundation to pay <strong>$4,340.00</strong>"));
    // From tomorrow: 12,340 in force, 11,340 owed.
    let tomorrow_label = (today() + Duration::days(1))
        .format("%-d %B %Y")
        .to_string();
    assert!(body.contains(&tomorrow_label));
    assert!(body.contains("$12,340.00"));
    assert!(body.contains("$11,340.00"));
}

#[tokio::test]
async fn sponsorship_revenue_is_read_live_from_the_tied_programme() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let gold = tier(&app, "Conf Gold", 1_000_000, None);
    let programme = steward::models::tiers::find(&mut app.db(), gold)
        .expect("tier")
        .programme_id;
    let p = programme.to_string();
    let id = conference(&c, "Sponsored", &[("programme_id", &p)]).await;
    ok_line(&c, id, &[("estimate", "50000")]).await;
    let s1 = sponsor(&app, "Applied Co");
    let s2 = sponsor(&app, "Agreed Co");
    let s3 = sponsor(&app, "Paid Co");
    let s4 = sponsor(&app, "Gone Co");
    sponsorship(&app, s1, gold, Status::Applied);
    sponsorship(&app, s2, gold, Status::Approved);
    let paid = sponsorship(&app, s3, gold, Status::AgreementAccepted);
    sponsorship(&app, s4, gold, Status::Cancelled);
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    // Agreed: Agreed Co and Paid Co (2 × $10,000); the application is pipeline only.
    assert!(
        body.contains("Sponsorship counts what is agreed ($20,000.00, of which $0.00 is paid)")
    );
    assert!(body.contains("Applications still to approve ($10,000.00) are not counted"));
    assert!(body.contains("Gone Co"));
    // The treasurer cannot open sponsorship pages, so they are not links here (they were,
    // and answered 403); sponsorship staff get the links.
    assert!(
        !body.contains("href=\"/staff/sponsorships/"),
        "no dead links for the treasurer"
    );
    let (sponsorships_staff, _, _) = app.signed_in(&[Role::Sponsorships, Role::Treasurer]).await;
    let (_, theirs) = sponsorships_staff
        .page(&format!("/staff/conferences/{id}"))
        .await;
    assert!(
        theirs.contains(&format!("href=\"/staff/sponsorships/{paid}\"")),
        "{theirs}"
    );
    // An invoice paid by bank transfer shows as paid without any budget edit.
    let inv = issue_invoice(&app, paid, today());
    bank_transfer(&app, inv.id, 400_000, "part", today());
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert!(body.contains("($20,000.00, of which $4,000.00 is paid)"));
    // Net at the likely attendance: 20,000 − 50,000.
    assert!(body.contains("-$30,000.00"));
    // The same programme cannot fund a second conference (no double counting).
    let r = send_conference(&c, "/staff/conferences", "Second", &[("programme_id", &p)]).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"programme_id-error\""));
    assert!(body.contains("already fund “Sponsored”"));
}

#[tokio::test]
async fn sponsorship_in_another_currency_needs_a_reference_rate() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let t = tier(&app, "Euro Tier", 500_000, None);
    {
        use steward::db::schema::tiers;
        diesel::update(tiers::table.find(t))
            .set(tiers::currency.eq("EUR"))
            .execute(&mut app.db())
            .expect("euro tier");
    }
    let programme = steward::models::tiers::find(&mut app.db(), t)
        .expect("tier")
        .programme_id
        .to_string();
    let id = conference(&c, "Euro sponsored", &[("programme_id", &programme)]).await;
    let s = sponsor(&app, "Euro Co");
    sponsorship(&app, s, t, Status::Approved);
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert!(body.contains("Not counted: sponsorships in EUR."));
    assert!(body.contains("Sponsorship counts what is agreed ($0.00"));
    steward::models::grant_programmes::set_rate(&mut app.db(), "EUR", 1_100_000, "test")
        .expect("rate");
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert!(!body.contains("Not counted: sponsorships in EUR."));
    // €5,000 at 1.10 is $5,500.
    assert!(body.contains("Sponsorship counts what is agreed ($5,500.00"));
}

#[tokio::test]
async fn an_approved_baseline_never_changes() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Baseline", &[]).await;
    // Nothing to approve yet.
    let r = c
        .post(
            &format!("/staff/conferences/{id}/baselines"),
            &[("note", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains(&html("Add the budget's cost lines before approving it"))
    );
    ok_line(&c, id, &[("item", "Hall"), ("estimate", "10000")]).await;
    let r = c
        .post(
            &format!("/staff/conferences/{id}/baselines"),
            &[("note", "Board, 1 March")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The same budget again makes no new version.
    let r = c
        .post(
            &format!("/staff/conferences/{id}/baselines"),
            &[("note", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let rows: i64 = conference_baselines::table
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(rows, 1);
    // The live budget moves on.
    let line_id: i64 = conference_lines::table
        .select(conference_lines::id)
        .first(&mut app.db())
        .expect("line");
    let r = c
        .post(
            &format!("/staff/conferences/{id}/lines/{line_id}"),
            &[
                ("category", "venue"),
                ("item", "Hall"),
                ("basis", "fixed"),
                ("currency", "USD"),
                ("estimate", "12500"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.audit("conference_line.update").len(), 1);
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert!(body.contains("Against the approved budget (version 1)"));
    assert!(body.contains("+$2,500.00"), "the variance");
    // Version 1 still shows the figures it froze.
    let (status, frozen) = c
        .page(&format!("/staff/conferences/{id}/baselines/1"))
        .await;
    assert_eq!(status, 200);
    assert!(frozen.contains("$10,000.00"));
    assert!(!frozen.contains("$12,500.00"));
    assert!(frozen.contains("Board, 1 March"));
    // A new approval is version 2; version 1 is kept.
    let r = c
        .post(
            &format!("/staff/conferences/{id}/baselines"),
            &[("note", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let versions: Vec<i32> = conference_baselines::table
        .select(conference_baselines::version)
        .order(conference_baselines::version)
        .load(&mut app.db())
        .expect("versions");
    assert_eq!(versions, vec![1, 2]);
    assert_eq!(app.audit("conference_baseline.approve").len(), 2);
    // The database itself refuses to change an approved version.
    let changed = diesel::update(conference_baselines::table)
        .set(conference_baselines::snapshot.eq("{}"))
        .execute(&mut app.db());
    assert!(changed.is_err(), "the trigger refuses updates");
    let (_, frozen) = c
        .page(&format!("/staff/conferences/{id}/baselines/1"))
        .await;
    assert!(frozen.contains("$10,000.00"));
    // An unknown version, or another conference's, is 404.
    assert_eq!(
        c.get(&format!("/staff/conferences/{id}/baselines/9"))
            .await
            .status(),
        404
    );
    let other = conference(&c, "Other", &[]).await;
    assert_eq!(
        c.get(&format!("/staff/conferences/{other}/baselines/1"))
            .await
            .status(),
        404
    );
    // A note too long is refused next to the field.
    let long = "x".repeat(501);
    let r = c
        .post(
            &format!("/staff/conferences/{id}/baselines"),
            &[("note", &long)],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("id=\"note-error\""));
}

#[tokio::test]
async fn approvals_at_the_same_moment_make_one_version() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Race", &[]).await;
    ok_line(&c, id, &[("estimate", "100")]).await;
    let path = format!("/staff/conferences/{id}/baselines");
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let client = c.clone();
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            client.post(&path, &[("note", "")]).await.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), 303);
    }
    let rows: i64 = conference_baselines::table
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn the_charts_are_well_formed_and_escape_names() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Charts", &[]).await;
    let hostile = "<script>alert(1)</script> & \"x\" ]]>";
    ok_line(
        &c,
        id,
        &[
            ("category", "custom"),
            ("custom_category", hostile),
            ("item", hostile),
            ("estimate", "100"),
            ("actual", "150"),
        ],
    )
    .await;
    assert_eq!(ticket(&c, id, hostile, "10", "50").await.status(), 303);
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert!(!body.contains("<script>alert(1)</script>"));
    let charts = svgs(&body);
    assert_eq!(charts.len(), 2);
    for svg in &charts {
        assert_well_formed_xml(svg);
        assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    }
    // The custom category is in the category chart, escaped.
    assert!(charts[1].contains("&#60;script&#62;"));
    let (_, printed) = c.page(&format!("/staff/conferences/{id}/print")).await;
    for svg in svgs(&printed) {
        assert_well_formed_xml(svg);
    }
}

#[tokio::test]
async fn the_csv_export_quotes_and_neutralises_formulas() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Export, with a comma", &[]).await;
    ok_line(
        &c,
        id,
        &[
            ("item", "=HYPERLINK(\"http://evil.example\")"),
            ("vendor", "+1+1"),
            ("estimate", "1,500.50"),
            ("committed", "1500"),
            ("liability", "200"),
            ("liability_from", "2027-03-01"),
        ],
    )
    .await;
    ok_line(
        &c,
        id,
        &[
            ("item", "@SUM(A1)"),
            ("currency", "EUR"),
            ("rate", "1.08"),
            ("estimate", "100"),
        ],
    )
    .await;
    assert_eq!(ticket(&c, id, "-2+3", "250", "40").await.status(), 303);
    let r = c.get(&format!("/staff/conferences/{id}/budget.csv")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"export-with-a-comma-budget.csv\""
    );
    let body = r.text().await.expect("body");
    assert!(
        body.starts_with('\u{feff}'),
        "a byte-order mark for spreadsheets"
    );
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert!(lines[0].starts_with("Kind,Category,Item,Basis,Vendor,Currency,Exchange rate,"));
    assert!(lines[0].contains("Estimate at 800 attendees (USD)"));
    assert_eq!(
        lines[1],
        "Cost,Venue,\"'=HYPERLINK(\"\"http://evil.example\"\")\",Fixed,'+1+1,USD,1,1500.50,1500.00,,200.00,2027-03-01,1500.50,1500.00,,200.00,"
    );
    assert_eq!(
        lines[2],
        "Cost,Venue,'@SUM(A1),Fixed,,EUR,1.08,100.00,,,,,108.00,,,,"
    );
    // A ticket type's line: its price, and its revenue at the likely 800 attendees.
    assert!(lines[3].starts_with("Ticket,,'-2+3,40% of attendance,,USD,1,250.00,,,,,80000.00,"));
    // Every cell that could run as a formula starts with a quote mark.
    for cell in body.split([',', '\n']) {
        let cell = cell.trim_matches(['"', '\r']);
        assert!(!cell.starts_with(['=', '@', '+']), "{cell}");
    }
}

#[tokio::test]
async fn the_printable_view_has_the_analysis_and_no_forms() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = worked(&c).await;
    let r = c.get(&format!("/staff/conferences/{id}/print")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body = r.text().await.expect("body");
    assert!(body.contains("Worked Conf: budget"));
    assert!(body.contains("The event breaks even at 1091 attendees"));
    assert!(body.contains("Use your browser's Print command"));
    assert!(!body.contains("/lines/new"));
    assert!(!body.contains("action=\"/staff/conferences"));
}

#[tokio::test]
async fn lines_of_one_conference_cannot_be_reached_through_another() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let a = conference(&c, "A", &[]).await;
    let b = conference(&c, "B", &[]).await;
    ok_line(&c, a, &[("item", "A's hall"), ("estimate", "100")]).await;
    let line_id: i64 = conference_lines::table
        .select(conference_lines::id)
        .first(&mut app.db())
        .expect("line");
    assert_eq!(
        c.get(&format!("/staff/conferences/{b}/lines/{line_id}"))
            .await
            .status(),
        404
    );
    let r = c
        .post(
            &format!("/staff/conferences/{b}/lines/{line_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = line(&c, 9999, &[("estimate", "1")]).await;
    assert_eq!(r.status(), 404);
    let still: i64 = conference_lines::table
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(still, 1);
    // Removing it through its own conference works and is audited.
    let r = c
        .post(
            &format!("/staff/conferences/{a}/lines/{line_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.audit("conference_line.delete").len(), 1);
}

/// Every conference route with the fields its POST takes.
fn routes(id: i64, line: i64, ticket: i64, revenue: i64) -> Vec<(&'static str, String)> {
    let base = format!("/staff/conferences/{id}");
    vec![
        ("GET", "/staff/conferences".into()),
        ("GET", "/staff/conferences/new".into()),
        ("POST", "/staff/conferences".into()),
        ("GET", base.clone()),
        ("POST", base.clone()),
        ("GET", format!("{base}/edit")),
        ("GET", format!("{base}/print")),
        ("GET", format!("{base}/budget.csv")),
        ("POST", format!("{base}/baselines")),
        ("GET", format!("{base}/baselines/1")),
        ("GET", format!("{base}/lines/new")),
        ("POST", format!("{base}/lines")),
        ("GET", format!("{base}/lines/{line}")),
        ("POST", format!("{base}/lines/{line}")),
        ("POST", format!("{base}/lines/{line}/delete")),
        ("GET", format!("{base}/tickets/new")),
        ("POST", format!("{base}/tickets")),
        ("GET", format!("{base}/tickets/{ticket}")),
        ("POST", format!("{base}/tickets/{ticket}")),
        ("POST", format!("{base}/tickets/{ticket}/delete")),
        ("GET", format!("{base}/revenue/new")),
        ("POST", format!("{base}/revenue")),
        ("GET", format!("{base}/revenue/{revenue}")),
        ("POST", format!("{base}/revenue/{revenue}")),
        ("POST", format!("{base}/revenue/{revenue}/delete")),
    ]
}

/// What a refused request must not change: every conference row and the audit log.
fn snapshot(app: &TestApp) -> String {
    let mut c = app.db();
    let confs: Vec<(i64, String, i32)> = conferences::table
        .select((
            conferences::id,
            conferences::name,
            conferences::attendance_cap,
        ))
        .load(&mut c)
        .expect("conferences");
    let lines: Vec<(i64, String, i64)> = conference_lines::table
        .select((
            conference_lines::id,
            conference_lines::item,
            conference_lines::estimate_minor,
        ))
        .load(&mut c)
        .expect("lines");
    let audit: i64 = audit_log::table.count().get_result(&mut c).expect("audit");
    format!("{confs:?}{lines:?}{:?}{audit}", counts(app))
}

#[tokio::test]
async fn only_the_treasurer_and_admins_reach_conference_budgets() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Guarded", &[]).await;
    ok_line(&c, id, &[("item", "Hall"), ("estimate", "100")]).await;
    assert_eq!(ticket(&c, id, "Regular", "10", "50").await.status(), 303);
    let r = c
        .post(
            &format!("/staff/conferences/{id}/revenue"),
            &[
                ("kind", "other"),
                ("item", "Bar"),
                ("currency", "USD"),
                ("expected", "5"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        c.post(&format!("/staff/conferences/{id}/baselines"), &[])
            .await
            .status(),
        303
    );
    let mut conn = app.db();
    let line = steward::models::conference_lines::costs(&mut conn, id).expect("lines")[0].id;
    let ticket_id = steward::models::conferences::tickets(&mut conn, id).expect("tickets")[0].id;
    let revenue = steward::models::conference_lines::revenue(&mut conn, id).expect("revenue")[0].id;
    drop(conn);
    let fields: &[(&str, &str)] = &[
        ("name", "Taken over"),
        ("item", "Taken over"),
        ("estimate", "999999"),
        ("attendance_cap", "5"),
        ("currency", "USD"),
        ("category", "venue"),
        ("basis", "fixed"),
        ("kind", "other"),
        ("expected", "1"),
        ("price", "1"),
        ("share", "1"),
    ];
    let anon = app.new_client();
    let others = Role::ALL
        .into_iter()
        .filter(|r| !matches!(r, Role::Admin | Role::Treasurer))
        .collect::<Vec<_>>();
    let (other, _, _) = app.signed_in(&others).await;
    let before = snapshot(&app);
    for (method, path) in routes(id, line, ticket_id, revenue) {
        let r = match method {
            "GET" => anon.get(&path).await,
            _ => anon.post(&path, fields).await,
        };
        assert_eq!(r.status(), 303, "anonymous {method} {path}");
        assert!(location(&r).starts_with("/login"), "{method} {path}");
        let r = match method {
            "GET" => other.get(&path).await,
            _ => other.post(&path, fields).await,
        };
        assert_eq!(r.status(), 403, "{others:?} {method} {path}");
    }
    assert_eq!(before, snapshot(&app));
    // The navigation offers conferences to the treasurer and admins only.
    let (_, body) = other.page("/staff").await;
    assert!(!body.contains("href=\"/staff/conferences\""));
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    for (method, path) in routes(id, line, ticket_id, revenue) {
        if method == "GET" {
            assert_eq!(admin.get(&path).await.status(), 200, "admin {path}");
            assert_eq!(c.get(&path).await.status(), 200, "treasurer {path}");
        }
    }
    let (_, body) = admin.page("/staff").await;
    assert!(body.contains("href=\"/staff/conferences\""));
}

#[tokio::test]
async fn the_dashboard_shows_what_conferences_to_come_would_cost_if_cancelled() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let (_, body) = c.page("/staff").await;
    assert!(body.contains("No conference to come"));
    let id = conference(&c, "Coming Conf", &[("insurance_cover", "100")]).await;
    ok_line(&c, id, &[("estimate", "900"), ("liability", "2,500")]).await;
    let past_start = day(-30);
    let past_end = day(-28);
    conference(
        &c,
        "Past Conf",
        &[("starts_on", &past_start), ("ends_on", &past_end)],
    )
    .await;
    let (_, body) = c.page("/staff").await;
    assert!(body.contains(&format!("href=\"/staff/conferences/{id}\">Coming Conf</a>")));
    // 2,500 in force, 100 insured.
    assert!(body.contains("$2,400.00"));
    assert!(body.contains("-$900.00"));
    assert!(!body.contains("Past Conf"));
    let (other, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (_, body) = other.page("/staff").await;
    assert!(!body.contains("Coming Conf"));
}

#[tokio::test]
async fn only_the_treasurer_approves_a_budget() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Approvals", &[]).await;
    ok_line(&c, id, &[("estimate", "100")]).await;
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let (_, body) = admin.page(&format!("/staff/conferences/{id}")).await;
    assert!(body.contains("Only the treasurer approves a conference budget."));
    assert!(!body.contains("Approve this budget"));
    let r = admin
        .post(
            &format!("/staff/conferences/{id}/baselines"),
            &[("note", "")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let rows: i64 = conference_baselines::table
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(rows, 0);
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert!(body.contains("Approve this budget"));
}

#[tokio::test]
async fn a_save_from_a_stale_form_is_refused_not_written_over_someone_elses() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let other = treasurer(&app).await;
    let id = conference(&c, "Stale", &[]).await;
    ok_line(&c, id, &[("item", "Hall"), ("estimate", "100")]).await;
    let line_id: i64 = conference_lines::table
        .select(conference_lines::id)
        .first(&mut app.db())
        .expect("line");
    let path = format!("/staff/conferences/{id}/lines/{line_id}");
    // Both open the form; the other treasurer saves first.
    let seen = |body: &str| {
        let marker = "name=\"seen\" value=\"";
        let i = body.find(marker).expect("a seen field") + marker.len();
        body[i..i + body[i..].find('"').expect("end")].to_string()
    };
    let (_, mine) = c.page(&path).await;
    let mine = seen(&mine);
    let (_, theirs) = other.page(&path).await;
    let theirs = seen(&theirs);
    let fields = |estimate: &'static str, seen: &str| -> Vec<(&'static str, String)> {
        vec![
            ("category", "venue".into()),
            ("item", "Hall".into()),
            ("basis", "fixed".into()),
            ("currency", "USD".into()),
            ("estimate", estimate.into()),
            ("seen", seen.to_string()),
        ]
    };
    let as_refs = |f: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { f.clone() };
    let theirs_f = as_refs(&fields("250", &theirs));
    let r = other
        .post(
            &path,
            &theirs_f
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), 303);
    let mine_f = fields("999", &mine);
    let r = c
        .post(
            &path,
            &mine_f
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("Someone else saved this line while you were editing"));
    let estimate: i64 = conference_lines::table
        .select(conference_lines::estimate_minor)
        .first(&mut app.db())
        .expect("line");
    assert_eq!(estimate, 25_000, "their save stands");
    // The conference's own form checks the same way.
    let (_, form) = c.page(&format!("/staff/conferences/{id}/edit")).await;
    let stale = seen(&form);
    let starts = day(200);
    let ends = day(202);
    let details = |name: &'static str, seen: String| -> Vec<(&'static str, String)> {
        vec![
            ("name", name.into()),
            ("starts_on", starts.clone()),
            ("ends_on", ends.clone()),
            ("attendance_cap", "1000".into()),
            ("currency", "USD".into()),
            ("seen", seen),
        ]
    };
    let first = details("Renamed", stale.clone());
    let r = other
        .post(
            &format!("/staff/conferences/{id}"),
            &first
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), 303);
    let second = details("Renamed again", stale);
    let r = c
        .post(
            &format!("/staff/conferences/{id}"),
            &second
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), 422);
    let conf = steward::models::conferences::find(&mut app.db(), id).expect("row");
    assert_eq!(conf.name, "Renamed");
}

#[tokio::test]
async fn the_currency_stays_once_a_budget_is_approved_and_programmes_match_the_year() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Frozen currency", &[]).await;
    ok_line(&c, id, &[("estimate", "10000")]).await;
    assert_eq!(
        c.post(&format!("/staff/conferences/{id}/baselines"), &[])
            .await
            .status(),
        303
    );
    // Removing every line does not make the currency free again.
    let line_id: i64 = conference_lines::table
        .select(conference_lines::id)
        .first(&mut app.db())
        .expect("line");
    let r = c
        .post(
            &format!("/staff/conferences/{id}/lines/{line_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = send_conference(
        &c,
        &format!("/staff/conferences/{id}"),
        "Frozen currency",
        &[("currency", "JPY")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"currency-error\""));
    assert!(body.contains("has been approved: the currency cannot change"));
    // A programme of another year is refused.
    let mut conn = app.db();
    let old = steward::models::programmes::insert(&mut conn, "Foundation sponsorship", 2020, "")
        .expect("programme")
        .to_string();
    drop(conn);
    let r = send_conference(
        &c,
        "/staff/conferences",
        "Wrong year",
        &[("programme_id", &old)],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"programme_id-error\""));
    assert!(body.contains("is for 2020, and this conference takes place in"));
}

#[tokio::test]
async fn approvals_after_different_changes_get_consecutive_versions() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Versions", &[]).await;
    let mut tasks = Vec::new();
    for k in 0..4 {
        let client = c.clone();
        tasks.push(tokio::spawn(async move {
            let estimate = format!("{}", 100 + k);
            let item = format!("Line {k}");
            let r = line(
                &client,
                id,
                &[("item", item.as_str()), ("estimate", estimate.as_str())],
            )
            .await;
            assert_eq!(r.status(), 303);
            client
                .post(
                    &format!("/staff/conferences/{id}/baselines"),
                    &[("note", "")],
                )
                .await
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), 303);
    }
    let versions: Vec<i32> = conference_baselines::table
        .select(conference_baselines::version)
        .order(conference_baselines::version)
        .load(&mut app.db())
        .expect("versions");
    assert!(!versions.is_empty());
    let expected: Vec<i32> = (1..=versions.len() as i32).collect();
    assert_eq!(versions, expected, "no gaps, no duplicates");
    // The last version holds every line.
    let last = steward::models::conference_baselines::latest(&mut app.db(), id)
        .expect("query")
        .expect("a version");
    assert_eq!(last.inputs().expect("snapshot").costs.len(), 4);
}

#[tokio::test]
async fn tickets_and_revenue_of_one_conference_cannot_be_reached_through_another() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let a = conference(&c, "Owner", &[]).await;
    let b = conference(&c, "Intruder", &[]).await;
    assert_eq!(ticket(&c, a, "Regular", "10", "50").await.status(), 303);
    let r = c
        .post(
            &format!("/staff/conferences/{a}/revenue"),
            &[
                ("kind", "other"),
                ("item", "Bar"),
                ("currency", "USD"),
                ("expected", "5"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mut conn = app.db();
    let t = steward::models::conferences::tickets(&mut conn, a).expect("tickets")[0].id;
    let r_id = steward::models::conference_lines::revenue(&mut conn, a).expect("revenue")[0].id;
    drop(conn);
    for path in [
        format!("/staff/conferences/{b}/tickets/{t}"),
        format!("/staff/conferences/{b}/revenue/{r_id}"),
    ] {
        assert_eq!(c.get(&path).await.status(), 404, "{path}");
        let r = c
            .post(
                &path,
                &[
                    ("name", "X"),
                    ("price", "1"),
                    ("share", "1"),
                    ("kind", "other"),
                    ("item", "X"),
                    ("currency", "USD"),
                    ("expected", "1"),
                ],
            )
            .await;
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(
            c.post(&format!("{path}/delete"), &[]).await.status(),
            404,
            "{path}/delete"
        );
    }
    let mut conn = app.db();
    assert_eq!(
        steward::models::conferences::tickets(&mut conn, a).expect("tickets")[0].name,
        "Regular"
    );
    assert_eq!(
        steward::models::conference_lines::revenue(&mut conn, a).expect("revenue")[0].item,
        "Bar"
    );
}

#[tokio::test]
async fn a_line_in_another_currency_takes_the_reference_rate_when_left_empty() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let id = conference(&c, "Reference", &[]).await;
    steward::models::grant_programmes::set_rate(&mut app.db(), "EUR", 1_080_000, "test")
        .expect("rate");
    let (_, form) = c.page(&format!("/staff/conferences/{id}/lines/new")).await;
    assert!(form.contains("1 EUR = 1.08 USD"));
    ok_line(
        &c,
        id,
        &[
            ("item", "Speakers"),
            ("currency", "EUR"),
            ("estimate", "1000"),
        ],
    )
    .await;
    let rate: i64 = conference_lines::table
        .select(conference_lines::rate_micros)
        .first(&mut app.db())
        .expect("line");
    assert_eq!(rate, 1_080_000);
    // A rate typed by hand wins over the reference.
    ok_line(
        &c,
        id,
        &[
            ("item", "Hotel"),
            ("currency", "EUR"),
            ("estimate", "1000"),
            ("rate", "1.1"),
        ],
    )
    .await;
    let (_, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert!(body.contains("in EUR at 1.1 USD each"));
    assert!(body.contains("$2,180.00"), "1,080 + 1,100");
}

#[tokio::test]
async fn a_busy_programme_lists_its_largest_sponsorships_and_counts_them_all() {
    let app = TestApp::spawn().await;
    let c = treasurer(&app).await;
    let gold = tier(&app, "Conf Gold", 1_000_000, None);
    let programme = steward::models::tiers::find(&mut app.db(), gold)
        .expect("tier")
        .programme_id;
    let id = conference(&c, "Busy", &[("programme_id", &programme.to_string())]).await;
    for i in 0..103 {
        let s = sponsor(&app, &format!("Busy Co {i:03}"));
        sponsorship(&app, s, gold, Status::Approved);
    }
    let (status, body) = c.page(&format!("/staff/conferences/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body.matches("Busy Co ").count(),
        100,
        "the largest 100 listed"
    );
    assert!(body.contains("The 100 largest of 103 sponsorships"));
    // All 103 × $10,000 count.
    assert!(
        body.contains("Sponsorship counts what is agreed ($1,030,000.00, of which $0.00 is paid)"),
        "{body}"
    );
}
