//! CSV exports of the staff lists: the list's filters apply, every cell a spreadsheet would
//! run as a formula is neutralised, the file is UTF-8 with a byte-order mark, and only the
//! list's own roles may download it.

use steward::domain::Role;
use steward::domain::sponsorship::Status;
use steward::services::Actor;

use crate::fixtures::sponsorships::{bank_transfer, issue_invoice, sponsor, sponsorship, tier};
use crate::helpers::{TestApp, location};

/// Downloads a CSV and checks what every export shares; returns its lines.
async fn csv(c: &crate::helpers::TestClient, path: &str, file: &str) -> Vec<String> {
    let r = c.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename=\"{file}\"").as_str()
    );
    let body = r.text().await.expect("body");
    assert!(body.starts_with('\u{feff}'), "a byte-order mark");
    body.trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_sponsors_export_follows_the_search_and_neutralises_formulas() {
    let app = TestApp::spawn().await;
    let (c, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    sponsor(&app, "Acme, Inc.");
    let evil = sponsor(&app, "=HYPERLINK(\"http://evil.example\")");
    steward::models::sponsors::add_contact(
        &mut app.db(),
        evil,
        "@Mallory",
        "m@evil.example",
        "marketing",
    )
    .expect("contact");
    let lines = csv(&c, "/staff/sponsors.csv", "sponsors.csv").await;
    assert!(lines[0].starts_with("Sponsor,Website,Country,People,"));
    assert_eq!(lines.len(), 3);
    let acme = lines
        .iter()
        .find(|l| l.starts_with("\"Acme, Inc.\""))
        .expect("quoted name");
    assert!(acme.contains("Pat Primary <primary@acme-inc.example>"));
    assert!(acme.contains(",10,"), "organisation size");
    let e = lines
        .iter()
        .find(|l| l.contains("HYPERLINK"))
        .expect("evil row");
    assert!(e.starts_with("\"'=HYPERLINK("), "{e}");
    assert!(
        e.contains("@Mallory <m@evil.example>"),
        "a cell that does not start with @ stays as it is"
    );
    // The list's search applies.
    let lines = csv(&c, "/staff/sponsors.csv?q=acme", "sponsors.csv").await;
    assert_eq!(lines.len(), 2);
    assert!(lines[1].starts_with("\"Acme, Inc.\""));
    // The list links to the export with its search.
    let (_, body) = c.page("/staff/sponsors?q=acme").await;
    assert!(body.contains("href=\"/staff/sponsors.csv?q=acme\""));
    // Only sponsorship staff.
    let (treasurer, _, _) = app.signed_in(&[Role::Treasurer, Role::Editor]).await;
    assert_eq!(treasurer.get("/staff/sponsors.csv").await.status(), 403);
    let r = app.new_client().get("/staff/sponsors.csv").await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
}

#[tokio::test]
async fn the_invoice_and_payment_exports_follow_the_status_filter() {
    let app = TestApp::spawn().await;
    let (c, _, _) = app.signed_in(&[Role::Treasurer]).await;
    let t = tier(&app, "Export Gold", 1_000_000, None);
    let open_id = sponsorship(&app, sponsor(&app, "Open Co"), t, Status::AgreementAccepted);
    let paid_id = sponsorship(&app, sponsor(&app, "Paid Co"), t, Status::AgreementAccepted);
    let today = chrono::Utc::now().date_naive();
    let a = issue_invoice(&app, open_id, today);
    let b = issue_invoice(&app, paid_id, today);
    bank_transfer(&app, a.id, 250_000, "=cmd|' /C calc'!A0", today);
    bank_transfer(&app, b.id, 1_000_000, "TRANSFER 2", today);
    let (open_inv, paid_inv) = (a.number, b.number);
    let lines = csv(&c, "/staff/invoices.csv", "invoices.csv").await;
    assert!(lines[0].starts_with("Invoice,Issued,Due,Status,Sponsor,Description,Amount,Currency,Paid,Refunded,Outstanding,Paid on"));
    assert_eq!(lines.len(), 3);
    let open = lines
        .iter()
        .find(|l| l.starts_with(&open_inv))
        .expect("open invoice");
    assert!(open.contains("Partly paid — $7,500.00 due"), "{open}");
    assert!(
        open.contains(",10000.00,USD,2500.00,0.00,7500.00,"),
        "{open}"
    );
    let paid = lines
        .iter()
        .find(|l| l.starts_with(&paid_inv))
        .expect("paid invoice");
    assert!(paid.contains(",10000.00,USD,10000.00,0.00,0.00,"), "{paid}");
    assert!(paid.ends_with(&today.to_string()));
    // The list's status filter applies to both exports.
    let lines = csv(&c, "/staff/invoices.csv?status=paid", "invoices.csv").await;
    assert_eq!(lines.len(), 2);
    assert!(lines[1].starts_with(&paid_inv));
    let lines = csv(&c, "/staff/payments.csv?status=open", "payments.csv").await;
    assert_eq!(
        lines[0],
        "Invoice,Sponsor,Kind,Method,Amount,Currency,Received on,Reference,Counted,Note,Recorded by"
    );
    assert_eq!(lines.len(), 2);
    assert!(lines[1].starts_with(&format!("{open_inv},Open Co,Payment,")));
    assert!(lines[1].contains(",2500.00,USD,"));
    // The reference that reads like a formula stays text.
    assert!(lines[1].contains(",'=cmd|' /C calc'!A0,"), "{}", lines[1]);
    let all = csv(&c, "/staff/payments.csv", "payments.csv").await;
    assert_eq!(all.len(), 3);
    // An unknown filter is no filter, as on the list.
    assert_eq!(
        csv(&c, "/staff/invoices.csv?status=bogus", "invoices.csv")
            .await
            .len(),
        3
    );
    // The list links to both with its filter.
    let (_, body) = c.page("/staff/invoices?status=open").await;
    assert!(body.contains("href=\"/staff/invoices.csv?status=open\""));
    assert!(body.contains("href=\"/staff/payments.csv?status=open\""));
    // Only the treasurer and sponsorship staff.
    let (editor, _, _) = app.signed_in(&[Role::Editor, Role::GrantsDecider]).await;
    for path in ["/staff/invoices.csv", "/staff/payments.csv"] {
        assert_eq!(editor.get(path).await.status(), 403, "{path}");
    }
}

#[tokio::test]
async fn the_grants_export_follows_the_queue_and_leaves_out_recusals() {
    use crate::fixtures::grants::{GrantBuilder, ProgrammeBuilder, recuse};
    use steward::domain::grants::Status as G;
    let app = TestApp::spawn().await;
    let p = ProgrammeBuilder::event("Events")
        .cap(2030, 10_000_000)
        .insert(&app);
    let (c, me, _) = app.signed_in(&[Role::GrantsReviewer]).await;
    GrantBuilder::new(p)
        .status(G::UnderReview)
        .requested(100_000)
        .organisation("=Formula Org")
        .event("Open Event")
        .insert(&app);
    let hidden = GrantBuilder::new(p)
        .status(G::UnderReview)
        .event("Recused Event")
        .insert(&app);
    recuse(&app, hidden, me, "I organise it");
    GrantBuilder::new(p)
        .status(G::Approved)
        .requested(80_000)
        .award(60_000, 60_000)
        .event("Awarded Event")
        .insert(&app);
    // The queue's default: in review; the recused application is not there.
    let lines = csv(&c, "/staff/grants.csv", "grants.csv").await;
    assert!(lines[0].starts_with("Application,Received,Status,Programme,Applicant,"));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].contains("Open Event"));
    assert!(lines[1].contains(",'=Formula Org,"), "{}", lines[1]);
    assert!(lines[1].contains(",1000.00,USD,"));
    // Any status: the awarded one with its award, still not the recused one.
    let lines = csv(&c, "/staff/grants.csv?status=all", "grants.csv").await;
    assert_eq!(lines.len(), 3);
    assert!(!lines.iter().any(|l| l.contains("Recused Event")));
    let awarded = lines
        .iter()
        .find(|l| l.contains("Awarded Event"))
        .expect("awarded");
    assert!(awarded.contains(",800.00,USD,600.00,"), "{awarded}");
    // The queue links to the export with its filter.
    let (_, body) = c.page("/staff/grants?status=all").await;
    assert!(body.contains("href=\"/staff/grants.csv?status=all\""));
    // Staff without a grants role get 403.
    let (other, _, _) = app.signed_in(&[Role::Editor]).await;
    assert_eq!(other.get("/staff/grants.csv").await.status(), 403);
}

#[tokio::test]
async fn the_audit_log_export_follows_the_filters_and_is_for_administrators() {
    let app = TestApp::spawn().await;
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let actor = Actor::system("-2+3");
    steward::services::audit::record(
        &mut app.db(),
        &actor,
        "test.formula",
        Some(("sponsor", "7")),
        "=HYPERLINK(\"http://evil.example\")",
    )
    .expect("audit");
    steward::services::audit::record(&mut app.db(), &actor, "test.other", None, "plain")
        .expect("audit");
    // The page links to the CSV with the same filter.
    let (_, page) = admin.page("/staff/audit?action=test.formula").await;
    assert!(
        page.contains("href=\"/staff/audit.csv?action=test.formula\""),
        "{page}"
    );
    let lines = csv(
        &admin,
        "/staff/audit.csv?action=test.formula",
        "audit-log.csv",
    )
    .await;
    assert_eq!(
        lines[0],
        "When (UTC),Who,Action,Record,Record id,Details,From,Times,Last (UTC)"
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].contains(",'-2+3,test.formula,sponsor,7,"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "{lines:?}"
    );
    // A date that cannot be read is a clean 400, not a silently wider export.
    assert_eq!(
        admin.get("/staff/audit.csv?from=yesterday").await.status(),
        400
    );
    let (treasurer, _, _) = app.signed_in(&[Role::Treasurer]).await;
    assert_eq!(treasurer.get("/staff/audit.csv").await.status(), 403);
}

/// Adds `n` sponsors named "`prefix` 0000"… in one transaction (fast enough for thousands).
fn many_sponsors(app: &TestApp, prefix: &str, n: usize) {
    use diesel::Connection;
    app.db()
        .transaction::<_, diesel::result::Error, _>(|c| {
            for i in 0..n {
                let name = format!("{prefix} {i:04}");
                crate::fixtures::NewSponsor::named(&name)
                    .contact("primary", &format!("p{i}@many.example"))
                    .insert(c);
            }
            Ok(())
        })
        .expect("sponsors");
}

#[tokio::test]
async fn a_long_export_streams_every_row_once_in_chunks_as_the_browser_asks_for_it() {
    let app = TestApp::spawn().await;
    let (c, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    // More than two chunks of 500, and a formula among them.
    many_sponsors(&app, "Streamed", 1_203);
    sponsor(&app, "=1+1 Streamed");

    let r = c.get("/staff/sponsors.csv").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers().get("content-length").is_none(),
        "streamed, not built whole: {:?}",
        r.headers()
    );
    let body = r.text().await.expect("body");
    assert_eq!(body.matches('\u{feff}').count(), 1, "one byte-order mark");
    let lines: Vec<&str> = body
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 1 + 1_204, "a header and every sponsor");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("Sponsor,")).count(),
        1
    );
    for i in [0, 499, 500, 999, 1_000, 1_202] {
        let name = format!("Streamed {i:04},");
        assert_eq!(
            lines.iter().filter(|l| l.starts_with(&name)).count(),
            1,
            "{name} once"
        );
    }
    assert!(lines.iter().any(|l| l.starts_with("'=1+1 Streamed")));

    // The same through gzip, as a browser downloads it.
    let (status, headers, unzipped) = crate::helpers::browser_get(&c, "/staff/sponsors.csv").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(unzipped, body);

    // The search still applies across chunks.
    let lines = csv(&c, "/staff/sponsors.csv?q=streamed%2012", "sponsors.csv").await;
    assert_eq!(lines.len(), 1 + 3, "{lines:?}");
}

#[tokio::test]
async fn the_audit_export_has_every_entry_the_filter_selects_newest_first() {
    use diesel::Connection;
    use steward::models::audit::{NewAuditEntry, insert};
    let app = TestApp::spawn().await;
    let (c, _, _) = app.signed_in(&[Role::Admin]).await;
    let at = steward::models::now();
    app.db()
        .transaction::<_, diesel::result::Error, _>(|db| {
            for i in 0..1_100 {
                let id = i.to_string();
                insert(
                    db,
                    &NewAuditEntry {
                        at,
                        actor_user_id: None,
                        actor: "bulk",
                        action: "test.bulk",
                        record_type: Some("thing"),
                        record_id: Some(&id),
                        details: "",
                        client_addr: None,
                    },
                )?;
            }
            Ok(())
        })
        .expect("entries");
    let lines = csv(&c, "/staff/audit.csv?action=test.bulk", "audit-log.csv").await;
    assert_eq!(lines.len(), 1 + 1_100);
    assert!(lines[1].contains(",test.bulk,thing,1099,"), "{}", lines[1]);
    assert!(
        lines[1_100].contains(",test.bulk,thing,0,"),
        "{}",
        lines[1_100]
    );
}
