//! The sponsor impact page: its figures against fixtures (grants by programme and country,
//! events named only with consent, visibility by slot and month), terms, scoping and roles.

use diesel::prelude::*;
use steward::db::schema::grant_decisions;
use steward::domain::Role;
use steward::domain::grants::Status;
use steward::services::Actor;
use steward::web::extract::portal::LinkKind;

use crate::fixtures::grants::{GrantBuilder, ProgrammeBuilder, day_in};
use crate::fixtures::public::{active, sponsor, standard_tiers};
use crate::helpers::{TestApp, TestClient};

const CONTACT: &str = "pat@acme.example";

fn decided_on(app: &TestApp, id: i64, days: i64) {
    let at = day_in(days).and_hms_opt(10, 0, 0).expect("time");
    diesel::update(grant_decisions::table.find(id))
        .set(grant_decisions::decided_at.eq(at))
        .execute(&mut app.db())
        .expect("decision date");
}

fn counts(app: &TestApp, slot: i64, sponsor: i64, days: i64, impressions: i64, clicks: i64) {
    steward::models::placement_slots::add_counts(
        &mut app.db(),
        slot,
        sponsor,
        day_in(days),
        impressions,
        clicks,
    )
    .expect("counts");
}

fn month(days: i64) -> String {
    day_in(days).format("%B %Y").to_string()
}

struct Fixture {
    app: TestApp,
    acme: i64,
    past_term: i64,
    other_term: i64,
    portal: TestClient,
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let tiers = standard_tiers(&app);
    let acme = sponsor(&app, "Acme Labs", "acme-labs");
    steward::models::sponsors::add_contact(&mut app.db(), acme, "Pat", CONTACT, "primary")
        .expect("contact");
    active(&app, acme, tiers.gold);
    // A past term: 400 to 31 days ago.
    let past_term = steward::services::sponsorships::create(
        &mut app.db(),
        &Actor::system("test"),
        steward::services::sponsorships::NewTerm {
            sponsor_id: acme,
            tier_id: tiers.gold,
            start: day_in(-400),
            end: day_in(-31),
            fee: None,
            status: steward::domain::sponsorship::Status::Active,
            notes: String::new(),
        },
    )
    .expect("past term");
    let other = sponsor(&app, "Other Co", "other-co");
    let other_term = active(&app, other, tiers.gold);

    let events = ProgrammeBuilder::event("Events").insert(&app);
    let sprints = ProgrammeBuilder::new("Sprints", "sprint").insert(&app);
    // In the current term (which began 30 days ago).
    let a = GrantBuilder::new(events)
        .status(Status::Approved)
        .event("PyCon Ghana 2030")
        .award(200_000, 200_000)
        .insert(&app);
    let b = GrantBuilder::new(events)
        .status(Status::Paid)
        .event("Secret Summit")
        .city("Nairobi")
        .event_country("KE")
        .opt_in(false)
        .with(|g| g.attendance = 200)
        .award(150_000, 150_000)
        .insert(&app);
    let c = GrantBuilder::new(sprints)
        .status(Status::Approved)
        .event("Docs sprint")
        .award(50_000, 50_000)
        .insert(&app);
    // Not counted now: decided in the past term, declined, withdrawn after the award.
    let d = GrantBuilder::new(events)
        .status(Status::Closed)
        .event("Old Conf")
        .award(70_000, 70_000)
        .insert(&app);
    let e = GrantBuilder::new(events)
        .status(Status::Declined)
        .event("Declined Conf")
        .insert(&app);
    let f = GrantBuilder::new(events)
        .status(Status::Withdrawn)
        .event("Withdrawn Conf")
        .award(90_000, 90_000)
        .insert(&app);
    for (id, days) in [(a, -10), (b, -9), (c, -8), (d, -100), (e, -5), (f, -5)] {
        decided_on(&app, id, days);
    }

    let mut c = app.db();
    let docs = steward::models::placement_slots::insert(
        &mut c,
        "docs-footer",
        "Docs footer",
        "",
        None,
        10,
        &[],
    )
    .expect("slot");
    let cloud =
        steward::models::placement_slots::insert(&mut c, "cloud", "Cloud topic", "", None, 10, &[])
            .expect("slot");
    drop(c);
    counts(&app, docs, acme, -20, 100, 5);
    counts(&app, docs, acme, -20, 50, 0);
    counts(&app, cloud, acme, -2, 30, 3);
    // Before the term, and another sponsor's: not counted.
    counts(&app, docs, acme, -40, 999, 99);
    counts(&app, docs, other, -5, 777, 77);

    let portal = app.link_client(LinkKind::SPONSOR, acme, CONTACT).await;
    Fixture {
        app,
        acme,
        past_term,
        other_term,
        portal,
    }
}

fn stat(value: &str, label: &str) -> String {
    format!("<span class=\"stat-value\">{value}</span> <span class=\"stat-label\">{label}")
}

fn assert_current_term(page: &str) {
    assert!(
        page.contains(&stat("3", "grants the foundation awarded ($4,000.00)")),
        "{page}"
    );
    assert!(page.contains(&stat("2", "countries reached")), "{page}");
    assert!(
        page.contains(&stat(
            "2",
            "events supported, 300 expected attendees at those listed"
        )),
        "{page}"
    );
    assert!(
        page.contains(&stat("180", "times the logo was shown, 8 clicks")),
        "{page}"
    );
    // By programme and country, largest first.
    let rows = [
        "<td>Events</td><td>Ghana</td><td class=\"num\">1</td><td class=\"num\">$2,000.00</td>",
        "<td>Sprints</td><td>Ghana</td><td class=\"num\">1</td><td class=\"num\">$500.00</td>",
        "<td colspan=\"2\">Grants whose recipients asked not to be listed</td><td class=\"num\">1</td><td class=\"num\">$1,500.00</td>",
    ];
    let at: Vec<usize> = rows
        .iter()
        .map(|r| page.find(r).unwrap_or_else(|| panic!("{r} not in {page}")))
        .collect();
    assert!(at[0] < at[1] && at[1] < at[2]);
    // Events: named with consent only.
    assert!(
        page.contains("<td>PyCon Ghana 2030</td><td>Accra, Ghana</td>"),
        "{page}"
    );
    assert!(!page.contains("Secret Summit") && !page.contains("Nairobi"));
    assert!(
        !page.contains("Kenya"),
        "an unlisted grant's country is not shown"
    );
    assert!(page.contains("And 1 more event whose organisers asked not to be listed"));
    for gone in ["Old Conf", "Declined Conf", "Withdrawn Conf"] {
        assert!(!page.contains(gone), "{gone}");
    }
    // Visibility by slot and month, with the click rate.
    assert!(
        page.contains(&format!(
            "<td>Docs footer</td><td>{}</td><td class=\"num\">150</td><td class=\"num\">5</td><td class=\"num\">3.3%</td>",
            month(-20)
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "<td>Cloud topic</td><td>{}</td><td class=\"num\">30</td><td class=\"num\">3</td><td class=\"num\">10.0%</td>",
            month(-2)
        )),
        "{page}"
    );
    assert!(!page.contains(">999<") && !page.contains(">777<"));
    // The chart is there, with its text alternative.
    assert!(page.contains("<svg class=\"budget-chart\""), "{page}");
    assert!(page.contains("<title id=\"vis-chart-title\">Impressions by month</title>"));
}

#[tokio::test]
async fn the_sponsor_sees_its_current_term_by_default_and_can_open_a_past_one() {
    let f = fixture().await;
    let (status, page) = f.portal.page("/portal/impact").await;
    assert_eq!(status, 200);
    assert_current_term(&page);
    assert!(page.contains("counted up to today"), "{page}");

    // The past term counts only what happened then.
    let (_, past) = f
        .portal
        .page(&format!("/portal/impact?term={}", f.past_term))
        .await;
    assert!(
        past.contains(&stat("1", "grant the foundation awarded ($700.00)")),
        "{past}"
    );
    assert!(past.contains("<td>Old Conf</td>"), "{past}");
    assert!(
        past.contains(&stat("999", "times the logo was shown, 99 clicks")),
        "{past}"
    );
    assert!(!past.contains("PyCon Ghana 2030"));

    // Another sponsor's term, or nonsense, is ignored: the sponsor's own current term shows.
    for q in [
        f.other_term.to_string(),
        "abc".into(),
        "-1".into(),
        "99999999999999999999".into(),
    ] {
        let (status, page) = f.portal.page(&format!("/portal/impact?term={q}")).await;
        assert_eq!(status, 200, "{q}");
        assert_current_term(&page);
        assert!(!page.contains("Other Co"));
    }
}

#[tokio::test]
async fn staff_see_the_same_report_and_other_roles_and_visitors_do_not() {
    let f = fixture().await;
    let (staff, _, _) = f.app.signed_in(&[Role::Sponsorships]).await;
    let (status, page) = staff
        .page(&format!("/staff/sponsors/{}/impact", f.acme))
        .await;
    assert_eq!(status, 200);
    assert_current_term(&page);
    assert!(page.contains(&format!("href=\"/staff/sponsors/{}\"", f.acme)));
    let (_, sponsor_page) = staff.page(&format!("/staff/sponsors/{}", f.acme)).await;
    assert!(sponsor_page.contains(&format!("/staff/sponsors/{}/impact", f.acme)));

    let (editor, _, _) = f.app.signed_in(&[Role::Editor]).await;
    assert_eq!(
        editor
            .page(&format!("/staff/sponsors/{}/impact", f.acme))
            .await
            .0,
        403
    );
    assert_eq!(staff.page("/staff/sponsors/999999/impact").await.0, 404);
    let visitor = f.app.new_client();
    assert_eq!(visitor.page("/portal/impact").await.0, 303);
}

#[tokio::test]
async fn a_sponsor_without_a_paid_term_gets_a_plain_explanation() {
    let app = TestApp::spawn().await;
    let id = sponsor(&app, "New Co", "new-co");
    steward::models::sponsors::add_contact(&mut app.db(), id, "N", "n@new.example", "primary")
        .expect("contact");
    let p = app
        .link_client(LinkKind::SPONSOR, id, "n@new.example")
        .await;
    let (status, page) = p.page("/portal/impact").await;
    assert_eq!(status, 200);
    assert!(page.contains("There is no report yet"), "{page}");
}

/// The report says what share of the sponsorship money received for the terms running
/// during this one the sponsor gave, and presents the grants as what all sponsors together
/// made possible. Terms that do not overlap, flagged payments and refunds are counted as the
/// invoices count them.
#[tokio::test]
async fn the_report_gives_the_sponsors_honest_share_of_the_terms_revenue() {
    use crate::fixtures::NewTerm;
    use crate::fixtures::sponsorships::{bank_transfer, issue_invoice, tier};
    use steward::domain::sponsorship::Status as S;
    let app = TestApp::spawn().await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let today = chrono::Utc::now().date_naive();
    let term = |s: i64, from: i64, to: i64| {
        NewTerm::of(s, t)
            .status(S::AgreementAccepted)
            .term(day_in(from), day_in(to))
            .create(&mut app.db())
    };
    let pay = |id: i64, minor: i64| {
        let inv = issue_invoice(&app, id, today);
        bank_transfer(&app, inv.id, minor, "wire", today);
        inv.id
    };
    let acme = sponsor(&app, "Acme Labs", "acme-labs");
    steward::models::sponsors::add_contact(&mut app.db(), acme, "Pat", CONTACT, "primary")
        .expect("contact");
    let mine = term(acme, -100, 200);
    pay(mine, 1_000_000);
    // Overlapping terms of two others: 10,000 each received, 5,000 of one refunded.
    let b = sponsor(&app, "Blue", "blue");
    pay(term(b, -300, -50), 1_000_000);
    let c = sponsor(&app, "Cyan", "cyan");
    let c_inv = pay(term(c, 100, 400), 1_000_000);
    steward::services::billing::record_manual(
        &mut app.db(),
        &app.state.settings,
        &Actor::system("test"),
        &steward::services::billing::PaymentInput {
            invoice_id: c_inv,
            kind: steward::services::billing::Kind::Refund,
            method: "bank_transfer".into(),
            amount_minor: 500_000,
            currency: "USD".into(),
            reference: "goodwill".into(),
            received_on: today,
            stripe_ref: None,
            refund_of: None,
        },
    )
    .expect("refund");
    // A term that ended before this one began does not count.
    let d = sponsor(&app, "Dusk", "dusk");
    pay(term(d, -700, -101), 1_000_000);

    let portal = app.link_client(LinkKind::SPONSOR, acme, CONTACT).await;
    let (status, body) = portal.page("/portal/impact").await;
    assert_eq!(status, 200);
    // 10,000 of 10,000 + 10,000 + 5,000 = 25,000: 40%.
    assert!(body.contains(">40.0%<"), "{body}");
    assert!(body.contains("$10,000.00 of $25,000.00"), "{body}");
    assert!(body.contains("What sponsors together made possible"));
    assert!(body.contains("no grant or event is paid for by one sponsor alone"));
}

#[test]
fn a_share_reads_as_a_rounded_percentage() {
    use steward::services::impact::Share;
    let s = |own, all| Share { own, all }.percent_label();
    assert_eq!(s(1, 3), "33.3%");
    assert_eq!(s(2, 3), "66.7%");
    assert_eq!(s(5, 5), "100.0%");
    assert_eq!(s(1, 100_000), "less than 0.1%");
    assert_eq!(s(0, 100), "0.0%");
    assert_eq!(s(5, 0), "0%");
    assert_eq!(s(i64::MAX, i64::MAX), "100.0%");
}
