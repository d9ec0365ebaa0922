//! A sponsor's timeline: every audited change and every email about the sponsor, its
//! sponsorships, agreements, invoices; none of another sponsor's; bodies with their private
//! links masked; only for sponsorship staff. The outbox searched by recipient.

use std::collections::BTreeSet;

use diesel::prelude::*;
use steward::db::schema::{audit_log, outbox};
use steward::domain::Role;
use steward::domain::sponsorship::Status;
use steward::web::extract::portal::LinkKind;

use crate::fixtures::sponsorships::{
    bank_transfer, billing, issue_invoice, primary, sponsor, sponsorship, tier,
};
use crate::helpers::{TestApp, TestClient, linked_ids};

/// Everything a sponsor's relationship sends and records, through the pages staff and the
/// sponsor use: approval, agreement sent and accepted, invoice, payment and receipt, a link
/// asked for. Returns (sponsorship id, invoice id).
async fn life_cycle(
    app: &TestApp,
    staff: &TestClient,
    sponsor_id: i64,
    tier_id: i64,
) -> (i64, i64) {
    let slug = steward::models::sponsors::find(&mut app.db(), sponsor_id)
        .expect("sponsor")
        .slug;
    let id = sponsorship(app, sponsor_id, tier_id, Status::Applied);
    approve(staff, id).await;
    let r = staff
        .post(&format!("/staff/sponsorships/{id}/agreement/send"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let agreement =
        steward::models::agreements::for_sponsorship(&mut app.db(), id).expect("a")[0].id;
    let portal = app
        .link_client(LinkKind::SPONSOR, sponsor_id, &primary(&slug))
        .await;
    let r = portal
        .post(
            &format!("/portal/agreements/{agreement}/accept"),
            &[
                ("name", "Pat Primary"),
                ("title", "CTO"),
                ("authority", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let inv = issue_invoice(app, id, chrono::Utc::now().date_naive());
    bank_transfer(
        app,
        inv.id,
        1_000_000,
        "wire",
        chrono::Utc::now().date_naive(),
    );
    // A contact asks for a fresh link.
    let r = app
        .new_client()
        .post("/portal/link", &[("email", &billing(&slug))])
        .await;
    assert!(r.status().is_success() || r.status() == 303);
    (id, inv.id)
}

/// Approves application `id` as staff do, for a year from February.
async fn approve(staff: &TestClient, id: i64) {
    let r = staff
        .post(
            &format!("/staff/applications/{id}/approve"),
            &[
                ("start", "2027-02-01"),
                ("end", "2028-01-31"),
                ("fee", "10000"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
}

/// The (record type, record id) pairs of the audit entries about these records.
fn audit_ids(app: &TestApp, records: &[(&str, i64)]) -> BTreeSet<i64> {
    let mut out = BTreeSet::new();
    for (t, id) in records {
        let ids: Vec<i64> = audit_log::table
            .filter(audit_log::record_type.eq(*t))
            .filter(audit_log::record_id.eq(id.to_string()))
            .select(audit_log::id)
            .load(&mut *app.db())
            .expect("audit");
        out.extend(ids);
    }
    out
}

fn timeline(app: &TestApp, sponsor_id: i64) -> Vec<steward::models::timeline::Item> {
    let owner = steward::models::timeline::Owner::Sponsor(sponsor_id);
    let mut c = app.db();
    let n = steward::models::timeline::count(&mut c, owner).expect("count");
    let items = steward::models::timeline::page(&mut c, owner, 0, 10_000).expect("page");
    assert_eq!(items.len() as i64, n, "the count matches the items");
    items
}

#[tokio::test]
async fn a_sponsors_timeline_has_every_change_and_email_about_it_and_none_of_another() {
    let app = TestApp::spawn().await;
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships, Role::Treasurer]).await;
    // The invoice needs the foundation's address and bank details.
    let r = staff
        .post(
            "/staff/settings/billing",
            &[
                ("template", "Agreement with {{sponsor}} for {{tier}}."),
                ("bank", "IBAN NL00 BANK 0123 4567 89"),
                ("address", "1 Main St\nAmsterdam"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let t = tier(&app, "Gold", 1_000_000, None);
    let a = sponsor(&app, "Acme");
    let b = sponsor(&app, "Blue Sky");
    let (a_sp, a_inv) = life_cycle(&app, &staff, a, t).await;
    let (b_sp, b_inv) = life_cycle(&app, &staff, b, t).await;
    // A staff change to the sponsor itself.
    let r = staff
        .post(
            &format!("/staff/sponsors/{a}/contacts"),
            &[
                ("contact_name", "Mo Marketing"),
                ("contact_email", "mo@acme.example"),
                ("contact_role", "marketing"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let a_agreement =
        steward::models::agreements::for_sponsorship(&mut app.db(), a_sp).expect("a")[0].id;

    let items = timeline(&app, a);
    // Changes: exactly the audit entries about A's records.
    let changes: BTreeSet<i64> = items
        .iter()
        .filter(|i| !i.is_email())
        .map(|i| i.id)
        .collect();
    let expected = audit_ids(
        &app,
        &[
            ("sponsor", a),
            ("sponsorship", a_sp),
            ("invoice", a_inv),
            ("agreement", a_agreement),
        ],
    );
    assert_eq!(changes, expected);
    let b_changes = audit_ids(
        &app,
        &[("sponsor", b), ("sponsorship", b_sp), ("invoice", b_inv)],
    );
    assert!(changes.is_disjoint(&b_changes));
    let kinds: BTreeSet<&str> = items
        .iter()
        .filter(|i| !i.is_email())
        .filter_map(|i| i.record_type.as_deref())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["agreement", "invoice", "sponsor", "sponsorship"])
    );

    // Emails: every one to A's contacts, and the staff notes about A's sponsorship.
    let emails: BTreeSet<i64> = items
        .iter()
        .filter(|i| i.is_email())
        .map(|i| i.id)
        .collect();
    let a_addrs = [primary("acme"), billing("acme")];
    let to_a: BTreeSet<i64> = outbox::table
        .filter(outbox::to_addr.eq_any(&a_addrs))
        .select(outbox::id)
        .load::<i64>(&mut *app.db())
        .expect("ids")
        .into_iter()
        .collect();
    assert!(!to_a.is_empty());
    assert!(emails.is_superset(&to_a), "{emails:?} ⊇ {to_a:?}");
    let kinds: BTreeSet<&str> = items
        .iter()
        .filter(|i| i.is_email())
        .map(|i| i.what.as_str())
        .collect();
    for kind in [
        "application_approved",
        "agreement_sent",
        "agreement_accepted",
        "agreement_accepted_staff",
        "invoice_issued",
        "receipt",
        "portal_link",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    // None of B's, and every email is on one timeline or the other.
    let b_emails: BTreeSet<i64> = timeline(&app, b)
        .iter()
        .filter(|i| i.is_email())
        .map(|i| i.id)
        .collect();
    assert!(emails.is_disjoint(&b_emails));
    let all: BTreeSet<i64> = outbox::table
        .select(outbox::id)
        .load::<i64>(&mut *app.db())
        .expect("ids")
        .into_iter()
        .collect();
    let both: BTreeSet<i64> = emails.union(&b_emails).copied().collect();
    assert_eq!(
        all, both,
        "every email of the two life cycles is on a timeline"
    );

    // The pages: the sponsor's page shows the newest ten and links the whole timeline; the
    // timeline lists A's emails with links to their text, none of B's.
    let (status, page) = staff.page(&format!("/staff/sponsors/{a}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("/staff/sponsors/{a}/timeline")),
        "{page}"
    );
    let (status, page) = staff.page(&format!("/staff/sponsors/{a}/timeline")).await;
    assert_eq!(status, 200);
    let linked: BTreeSet<i64> = linked_ids(&page, &format!("/staff/sponsors/{a}/emails/"))
        .into_iter()
        .collect();
    assert!(items.len() <= 50, "one page");
    assert_eq!(linked, emails);
    // Another sponsor's email is not found under A, whatever the id.
    let other = *b_emails.iter().next().expect("one");
    let r = staff
        .get(&format!("/staff/sponsors/{a}/emails/{other}"))
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn an_email_on_the_timeline_shows_its_text_with_private_links_masked() {
    let app = TestApp::spawn().await;
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let a = sponsor(&app, "Acme");
    let id = sponsorship(&app, a, t, Status::Applied);
    approve(&staff, id).await;
    let (mid, text): (i64, String) = outbox::table
        .filter(outbox::kind.eq("application_approved"))
        .filter(outbox::to_addr.eq(primary("acme")))
        .select((outbox::id, outbox::body_text))
        .first(&mut *app.db())
        .expect("email");
    let token = text
        .split("/portal/enter/")
        .nth(1)
        .expect("a link")
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
        .next()
        .expect("token")
        .to_string();
    assert!(token.len() >= 20, "{token}");
    let (status, page) = staff
        .page(&format!("/staff/sponsors/{a}/emails/{mid}"))
        .await;
    assert_eq!(status, 200);
    assert!(!page.contains(&token), "the token is not on the page");
    assert!(
        page.contains("/portal/enter/[private link hidden]"),
        "{page}"
    );
    // The administrator's outbox masks it too.
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let (status, page) = admin.page(&format!("/staff/outbox/{mid}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains(&token));
    assert!(page.contains("[private link hidden]"));
    // The link itself still works for its holder.
    let holder = app.new_client();
    let r = holder.get(&format!("/portal/enter/{token}")).await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn only_sponsorship_staff_see_a_sponsors_timeline() {
    let app = TestApp::spawn().await;
    let a = sponsor(&app, "Acme");
    let paths = [
        format!("/staff/sponsors/{a}/timeline"),
        format!("/staff/sponsors/{a}/emails/1"),
    ];
    for roles in [
        vec![Role::Editor],
        vec![Role::GrantsReviewer],
        vec![Role::Treasurer],
        vec![Role::Admin],
    ] {
        let (c, _, _) = app.signed_in(&roles).await;
        for p in &paths {
            assert_eq!(c.get(p).await.status(), 403, "{roles:?} {p}");
        }
    }
    let visitor = app.new_client();
    let r = visitor.get(&paths[0]).await;
    assert_eq!(r.status(), 303, "sign in first");
    let (c, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    assert_eq!(c.get(&paths[0]).await.status(), 200);
    assert_eq!(c.get(&paths[1]).await.status(), 404, "no such email here");
    assert_eq!(c.get("/staff/sponsors/999999/timeline").await.status(), 404);
    assert_eq!(c.get(&format!("{}?page=-3", paths[0])).await.status(), 200);
    assert_eq!(c.get(&format!("{}?page=abc", paths[0])).await.status(), 200);
}

#[tokio::test]
async fn a_long_timeline_is_paged_and_every_entry_is_reachable_once() {
    let app = TestApp::spawn().await;
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let a = sponsor(&app, "Acme");
    {
        let mut c = app.db();
        for n in 0..120 {
            steward::services::audit::record(
                &mut c,
                &steward::services::Actor::system("test"),
                "sponsor.update",
                Some(("sponsor", &a.to_string())),
                &format!("change {n}"),
            )
            .expect("audit");
        }
    }
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (status, body) = staff
            .page(&format!("/staff/sponsors/{a}/timeline?page={page}"))
            .await;
        assert_eq!(status, 200);
        for n in 0..120 {
            if body.contains(&format!("— change {n}\n")) {
                seen.push(n);
            }
        }
    }
    seen.sort();
    assert_eq!(seen, (0..120).collect::<Vec<_>>());
    let (_, first) = staff.page(&format!("/staff/sponsors/{a}/timeline")).await;
    assert!(first.contains("Page 1 of 3"), "{first}");
    assert!(first.find("change 119").expect("newest") < first.find("change 80").expect("older"));
}

#[tokio::test]
async fn the_outbox_is_searched_by_recipient() {
    let app = TestApp::spawn().await;
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    // Failed emails stay where they are (the worker leaves them alone).
    for to in [
        "primary@acme.example",
        "primary@blue-sky.example",
        "pat@acme.example",
    ] {
        steward::models::outbox::insert(
            &mut app.db(),
            &steward::models::outbox::NewOutboxMessage {
                kind: "test",
                to_addr: to,
                subject: "Your invoice",
                body_text: "text",
                body_html: "",
                status: "failed",
                attempts: 9,
                next_attempt_at: steward::models::now(),
                created_at: steward::models::now(),
                record_type: None,
                record_id: None,
            },
        )
        .expect("insert");
    }
    let (status, page) = admin.page("/staff/outbox?status=failed&to=acme").await;
    assert_eq!(status, 200);
    assert!(page.contains("primary@acme.example") && page.contains("pat@acme.example"));
    assert!(!page.contains("primary@blue-sky.example"));
    assert!(page.contains("Failed (2)"), "{page}");
    // Upper case and spaces are taken as typed.
    let (_, page) = admin
        .page("/staff/outbox?status=failed&to=%20PRIMARY%40ACME")
        .await;
    assert!(page.contains("primary@acme.example") && !page.contains("pat@acme.example"));
    assert!(page.contains("Failed (1)"), "{page}");
    // LIKE's wildcards are characters, not wildcards.
    for wild in ["%25", "_", "%5C"] {
        let (status, page) = admin
            .page(&format!("/staff/outbox?status=failed&to={wild}"))
            .await;
        assert_eq!(status, 200);
        assert!(!page.contains("primary@acme.example"), "{wild}");
        assert!(page.contains("No email failed to an address containing"));
    }
    // The tabs keep the search.
    let (_, page) = admin.page("/staff/outbox?status=sent&to=acme").await;
    assert!(
        page.contains("href=\"/staff/outbox?status=failed&#38;to=acme\""),
        "{page}"
    );
    // Hostile input is shown escaped.
    let (status, page) = admin
        .page("/staff/outbox?to=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(status, 200);
    assert!(!page.contains("<script>alert(1)"));
    // Only administrators.
    let (c, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    assert_eq!(c.get("/staff/outbox?to=acme").await.status(), 403);
}
