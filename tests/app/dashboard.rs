//! The staff dashboard's figures, checked against fixtures: each role sees its own.

use steward::domain::Role;
use steward::domain::grants::{Status, Vote};
use steward::models::grant_reviews as reviews;

use crate::fixtures::grants::{GrantBuilder, ProgrammeBuilder, assign, day_in, recuse};
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

/// An invoice on a new sponsorship of `tier` for `sponsor`, numbered `seq`.
fn invoice(app: &TestApp, sponsor: i64, tier: i64, seq: i32, currency: &str) -> i64 {
    use steward::models::invoices::{self, NewInvoice};
    let s = crate::fixtures::public::active(app, sponsor, tier);
    let today = chrono::Utc::now().date_naive();
    invoices::insert(
        &mut app.db(),
        &NewInvoice {
            sponsorship_id: s,
            year: 2000 + seq,
            seq,
            number: format!("T-{seq}"),
            issued_on: today,
            due_on: today,
            amount_minor: 1_000_000,
            currency: currency.into(),
            description: String::new(),
            bill_to: String::new(),
            status: "paid".into(),
            paid_at: None,
            created_by: "test".into(),
            created_at: steward::models::now(),
            po_number: String::new(),
            buyer_tax_id: String::new(),
        },
    )
    .expect("invoice")
}

#[allow(clippy::too_many_arguments)]
fn payment(
    app: &TestApp,
    invoice: i64,
    kind: &str,
    minor: i64,
    currency: &str,
    on: chrono::NaiveDate,
    flagged: bool,
    refs: (Option<&str>, Option<&str>),
) {
    steward::models::invoices::insert_payment(
        &mut app.db(),
        &steward::models::invoices::NewPayment {
            invoice_id: invoice,
            kind: kind.into(),
            method: "bank_transfer".into(),
            amount_minor: minor,
            currency: currency.into(),
            reference: String::new(),
            received_on: on,
            stripe_ref: refs.0.map(String::from),
            flagged,
            flag_note: String::new(),
            recorded_by: "test".into(),
            created_at: steward::models::now(),
            refund_of: refs.1.map(String::from),
        },
    )
    .expect("payment");
}

#[tokio::test]
async fn revenue_this_year_by_tier_and_month_matches_the_payments() {
    use chrono::{Datelike, NaiveDate};
    let app = TestApp::spawn().await;
    let tiers = crate::fixtures::public::standard_tiers(&app);
    let acme = crate::fixtures::public::sponsor(&app, "Acme", "acme");
    let year = chrono::Utc::now().year();
    let on = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).expect("day");
    let gold = invoice(&app, acme, tiers.gold, 1, "USD");
    let silver = invoice(&app, acme, tiers.silver, 2, "USD");
    let euro = invoice(&app, acme, tiers.silver, 3, "EUR");
    let franc = invoice(&app, acme, tiers.silver, 4, "CHF");
    steward::models::grant_programmes::set_rate(&mut app.db(), "EUR", 1_080_000, "test")
        .expect("rate");
    payment(
        &app,
        gold,
        "payment",
        1_000_000,
        "USD",
        on(1, 15),
        false,
        (Some("pi_gold"), None),
    );
    // A refund given by hand, and the refund of a flagged double payment (does not count).
    payment(
        &app,
        gold,
        "refund",
        50_000,
        "USD",
        on(3, 10),
        false,
        (None, None),
    );
    payment(
        &app,
        gold,
        "payment",
        999_900,
        "USD",
        on(3, 11),
        true,
        (Some("pi_double"), None),
    );
    payment(
        &app,
        gold,
        "refund",
        999_900,
        "USD",
        on(3, 12),
        false,
        (None, Some("pi_double")),
    );
    payment(
        &app,
        silver,
        "payment",
        250_000,
        "USD",
        on(3, 3),
        false,
        (None, None),
    );
    // EUR at the reference rate 1.08; CHF has no rate and is named, not guessed.
    payment(
        &app,
        euro,
        "payment",
        100_000,
        "EUR",
        on(3, 20),
        false,
        (None, None),
    );
    payment(
        &app,
        franc,
        "payment",
        500_000,
        "CHF",
        on(3, 21),
        false,
        (None, None),
    );
    // Last year: not this year's revenue.
    let last_year = NaiveDate::from_ymd_opt(year - 1, 12, 31).expect("day");
    payment(
        &app,
        gold,
        "payment",
        777_700,
        "USD",
        last_year,
        false,
        (None, None),
    );

    let (both, _, _) = app.signed_in(&[Role::Treasurer, Role::Sponsorships]).await;
    let (_, page) = both.page("/staff").await;
    assert!(
        page.contains(&format!("<h2>Sponsorship revenue {year}</h2>")),
        "{page}"
    );
    assert!(
        page.contains("<span class=\"stat-value\">$13,080.00</span>"),
        "{page}"
    );
    // By tier, largest first, each linked to its sponsorships.
    let gold_row = format!(
        "<td><a href=\"/staff/sponsorships?tier={}\">Gold · Foundation sponsorship {year}</a></td><td class=\"num\">$9,500.00</td>",
        tiers.gold
    );
    let silver_row = format!(
        "<td><a href=\"/staff/sponsorships?tier={}\">Silver · Foundation sponsorship {year}</a></td><td class=\"num\">$3,580.00</td>",
        tiers.silver
    );
    let (g, s) = (page.find(&gold_row), page.find(&silver_row));
    assert!(g.is_some() && s.is_some() && g < s, "{page}");
    // By month: January $10,000; March 2,500 − 500 + 1,080 = $3,080.
    assert!(
        page.contains(&format!("<title>Jan {year}: $10,000.00</title>")),
        "{page}"
    );
    assert!(
        page.contains(&format!("<title>Mar {year}: $3,080.00</title>")),
        "{page}"
    );
    assert!(
        page.contains(&format!("<title>Feb {year}: $0.00</title>")),
        "{page}"
    );
    assert!(page.contains("Not counted: payments in CHF."), "{page}");

    // The treasurer alone sees the figures but no link to the sponsorships (a 403 for
    // them), and may set rates; sponsorship staff alone are told who can.
    let (treasurer, _, _) = app.signed_in(&[Role::Treasurer]).await;
    let (_, page) = treasurer.page("/staff").await;
    assert!(page.contains("<td>Gold · Foundation sponsorship"), "{page}");
    assert!(!page.contains("/staff/sponsorships?tier="), "{page}");
    assert!(page.contains("href=\"/staff/grants/settings\""), "{page}");
    let (sponsorships, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (_, page) = sponsorships.page("/staff").await;
    assert!(!page.contains("href=\"/staff/grants/settings\""), "{page}");
    assert!(
        page.contains("ask an administrator or the treasurer"),
        "{page}"
    );

    // Editors and grants staff do not see the money.
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    assert!(
        !editor
            .page("/staff")
            .await
            .1
            .contains("Sponsorship revenue")
    );
}

#[tokio::test]
async fn renewals_stories_and_unmatched_figures_link_to_their_lists() {
    let app = TestApp::spawn().await;
    let tiers = crate::fixtures::public::standard_tiers(&app);
    let acme = crate::fixtures::public::sponsor(&app, "Acme", "acme");
    // active() runs to 300 days ahead: not due. One ending in 20 days is.
    crate::fixtures::public::active(&app, acme, tiers.gold);
    let ending = steward::services::sponsorships::create(
        &mut app.db(),
        &steward::services::Actor::system("test"),
        steward::services::sponsorships::NewTerm {
            sponsor_id: acme,
            tier_id: tiers.silver,
            start: crate::fixtures::grants::day_in(-300),
            end: crate::fixtures::grants::day_in(20),
            fee: None,
            status: steward::domain::sponsorship::Status::Active,
            notes: String::new(),
        },
    )
    .expect("ending");
    assert!(ending > 0);
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships, Role::Editor]).await;
    let (_, page) = staff.page("/staff").await;
    assert!(
        page.contains(&format!(
            "<a class=\"card stat\" href=\"/staff/renewals\">{}",
            stat(1, "renewal due in the next 60 days")
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "<a class=\"card stat\" href=\"/staff/stories?status=submitted\">{}",
            stat(0, "stories waiting for review")
        )),
        "{page}"
    );
    assert!(
        page.contains("href=\"/staff/payments/unmatched\""),
        "{page}"
    );
}

/// Whoever the dashboard tells to do something can open where it sends them: for each role
/// alone, on the demo data (every kind of figure present), every link on the dashboard
/// answers without a 403 or a 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_link_opens_for_the_role_it_is_shown_to() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    for role in steward::domain::Role::ALL {
        let (c, _, _) = app.signed_in(&[role]).await;
        let (status, page) = c.page("/staff").await;
        assert_eq!(status, 200, "{role:?}");
        let mut links: Vec<String> = page
            .match_indices("href=\"/staff")
            .map(|(i, _)| {
                let rest = &page[i + 6..];
                rest[..rest.find('"').expect("closing quote")].replace("&#38;", "&")
            })
            .collect();
        links.sort();
        links.dedup();
        assert!(!links.is_empty(), "{role:?}");
        for link in links {
            let (status, _) = c.page(&link).await;
            assert!(
                status == 200 || status == 303,
                "{role:?} is shown {link} on the dashboard, which answers {status}"
            );
        }
    }
}

/// Getting started: each step is detected from the data and ticked when done, linked where
/// the viewer may act; the list goes away when every step is done; only administrators see it.
#[tokio::test]
async fn getting_started_ticks_each_step_as_it_is_done_and_then_goes_away() {
    use steward::config::{MailTransport, Secret};
    let app = TestApp::spawn_with(|s| {
        s.foundation_name = "Python Software Foundation".into();
        s.mail_transport = MailTransport::Smtp(Secret::new("smtp://127.0.0.1:1"));
    })
    .await;
    crate::fixtures::clear_foundation_details(&mut app.db());
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let todo = |body: &str| body.matches("To do:").count();
    let (status, body) = admin.page("/staff").await;
    assert_eq!(status, 200);
    assert!(body.contains("Getting started"), "{body}");
    assert_eq!(todo(&body), 5, "{body}");
    assert_eq!(body.matches("Done:").count(), 2, "name and mail are done");
    assert!(body.contains("href=\"/staff/settings/billing\""));
    // An administrator does not manage tiers: no dead link, but who does it.
    assert!(!body.contains("<a href=\"/staff/programmes\">"));
    assert!(body.contains("(done by sponsorship staff)"));

    // Address and tax ID; bank details; each its own step.
    let save = |address: &'static str, tax: &'static str, bank: &'static str| {
        let admin = &admin;
        async move {
            admin
                .post(
                    "/staff/settings/billing",
                    &[
                        ("template", "Agreement with {{sponsor}}."),
                        ("bank", bank),
                        ("address", address),
                        ("tax_id", tax),
                    ],
                )
                .await
        }
    };
    assert_eq!(save("1 Main St", "", "").await.status(), 303);
    assert_eq!(
        todo(&admin.page("/staff").await.1),
        5,
        "the tax ID is missing still"
    );
    assert_eq!(save("1 Main St", "EIN 12-3456789", "").await.status(), 303);
    assert_eq!(todo(&admin.page("/staff").await.1), 4);
    assert_eq!(
        save("1 Main St", "EIN 12-3456789", "IBAN NL00")
            .await
            .status(),
        303
    );
    assert_eq!(todo(&admin.page("/staff").await.1), 3);
    crate::fixtures::sponsorships::tier(&app, "Gold", 1_000_000, None);
    assert_eq!(todo(&admin.page("/staff").await.1), 2);
    use chrono::Datelike;
    let year = chrono::Utc::now().year();
    // A grant programme without this year's budget is not enough.
    ProgrammeBuilder::event("Events")
        .cap(year - 1, 100_000)
        .insert(&app);
    let body = admin.page("/staff").await.1;
    assert_eq!(todo(&body), 2, "{body}");
    assert!(body.contains(&format!("Set a {year} budget")));
    ProgrammeBuilder::event("Sprints")
        .cap(year, 100_000)
        .insert(&app);
    assert_eq!(todo(&admin.page("/staff").await.1), 1);
    // A disabled account or one without roles does not count as a colleague.
    app.create_staff("Nobody", "nobody@example.org", &[]);
    assert_eq!(todo(&admin.page("/staff").await.1), 1);
    app.create_staff("Jo", "jo@example.org", &[Role::Sponsorships]);
    let (_, body) = admin.page("/staff").await;
    assert!(!body.contains("Getting started"), "all done: {body}");

    // Other roles never see it.
    crate::fixtures::clear_foundation_details(&mut app.db());
    let (jo, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    assert!(!jo.page("/staff").await.1.contains("Getting started"));
    assert!(admin.page("/staff").await.1.contains("Getting started"));
}

/// Mail written to files is not mail sent: the step says so.
#[tokio::test]
async fn getting_started_warns_that_file_mail_reaches_nobody() {
    let app = TestApp::spawn_with(|s| {
        s.mail_transport = steward::config::MailTransport::File;
    })
    .await;
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let (_, body) = admin.page("/staff").await;
    assert!(body.contains("Sending email"));
    assert!(body.contains("nobody receives them"), "{body}");
    assert!(body.contains("still say “Example Software Foundation”"));
}
