//! Importing usage figures: read in the background, matched to sponsors and prospects,
//! reviewed, confirmed in one step; bad files refused whole with every bad line named.

use steward::domain::Role;

use crate::fixtures::NewSponsor;
use crate::fixtures::outreach::{
    figures, prospect, prospects, succeeded, upload, upload_and_read, usage_csv, write_big_file,
};
use crate::helpers::{TestApp, flash, html};

#[tokio::test]
async fn a_clean_file_waits_for_review_and_confirming_stores_and_replaces_its_periods() {
    let app = TestApp::spawn().await;
    let acme = NewSponsor::named("Acme Software Inc.")
        .website("https://www.acme.example/")
        .insert(&mut app.db());
    let other = NewSponsor::named("Other Corp")
        .website("https://other.example/")
        .insert(&mut app.db());
    let beta = prospect(&app, "Beta Labs", "beta.example");
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;

    let file = usage_csv(&[
        // By name (legal suffix and case ignored) and by domain.
        (
            "ACME Software",
            "",
            "2026-Q1",
            "Package downloads",
            "downloads",
            "48,000,000",
        ),
        (
            "Beta Labs GmbH",
            "",
            "2026-Q1",
            "Package downloads",
            "downloads",
            "1200",
        ),
        // Named like one sponsor, on the domain of another: a person chooses.
        (
            "Other Corp",
            "acme.example",
            "2026-Q1",
            "Package downloads",
            "downloads",
            "5",
        ),
        // Nobody we know.
        (
            "Gamma Systems",
            "gamma.example",
            "2026-Q1",
            "Package downloads",
            "downloads",
            "900",
        ),
        (
            "Gamma Systems",
            "gamma.example",
            "2026-Q1",
            "Bandwidth",
            "GB",
            "12.5",
        ),
    ]);
    let (id, i) = upload_and_read(&app, &staff, file).await;
    assert_eq!(i.status, "review", "{i:?}");
    assert_eq!(i.rows_read, 5);
    assert!(figures(&app).is_empty(), "nothing is stored before review");

    // The review names what waits: one organisation with several matches, one with none.
    let (status, body) = staff.page(&format!("/staff/usage/imports/{id}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Sponsor: Acme Software Inc."), "{body}");
    assert!(body.contains("Sponsor: Other Corp"), "{body}");
    assert!(body.contains("Gamma Systems"));
    assert!(
        body.contains("2 organisations still to choose for"),
        "{body}"
    );

    // Confirming before every organisation is settled is refused, and stores nothing.
    let r = staff
        .post(&format!("/staff/usage/imports/{id}/confirm"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(flash(&r).is_some_and(|(k, m)| k == "error" && m.contains("still wait")));
    assert!(figures(&app).is_empty());

    // A choice the page did not offer is refused.
    let orgs = review_orgs(&app, id);
    let several = orgs["Other Corp"];
    let r = staff
        .post(
            &format!("/staff/usage/imports/{id}/decide"),
            &[(
                &format!("org-{several}"),
                &format!("sponsor:{}", acme + 1000),
            )],
        )
        .await;
    assert!(flash(&r).is_some_and(|(k, _)| k == "error"));
    let r = staff
        .post(
            &format!("/staff/usage/imports/{id}/decide"),
            &[(&format!("org-{several}"), &format!("sponsor:{other}"))],
        )
        .await;
    succeeded(&r);
    let r = staff
        .post(
            &format!("/staff/usage/imports/{id}/unmatched"),
            &[("choice", "new")],
        )
        .await;
    succeeded(&r);
    let r = staff
        .post(&format!("/staff/usage/imports/{id}/confirm"), &[])
        .await;
    assert!(
        flash(&r).is_some_and(|(k, m)| k == "success" && m.contains("5 figures")),
        "{:?}",
        flash(&r)
    );
    let gamma = prospects(&app)
        .into_iter()
        .find(|p| p.1 == "Gamma Systems")
        .expect("a new prospect for the unmatched organisation")
        .0;
    let stored = figures(&app);
    assert_eq!(stored.len(), 5);
    assert!(stored.contains(&(
        Some(acme),
        None,
        "package downloads".into(),
        "2026-Q1".into(),
        48_000_000.0
    )));
    assert!(stored.contains(&(
        None,
        Some(beta),
        "package downloads".into(),
        "2026-Q1".into(),
        1200.0
    )));
    assert!(stored.contains(&(
        Some(other),
        None,
        "package downloads".into(),
        "2026-Q1".into(),
        5.0
    )));
    assert!(stored.contains(&(
        None,
        Some(gamma),
        "bandwidth".into(),
        "2026-Q1".into(),
        12.5
    )));
    assert_eq!(app.audit_count("usage.import"), 1);
    // Confirming twice stores nothing more.
    let r = staff
        .post(&format!("/staff/usage/imports/{id}/confirm"), &[])
        .await;
    assert!(flash(&r).is_some_and(|(k, _)| k == "error"));
    assert_eq!(figures(&app).len(), 5);

    // The same period again replaces it: the new figure, not a second one.
    let again = usage_csv(&[(
        "Acme Software Inc.",
        "acme.example",
        "2026-Q1",
        "package downloads",
        "downloads",
        "50000000",
    )]);
    let (id2, i2) = upload_and_read(&app, &staff, again).await;
    assert_eq!(i2.status, "review");
    let r = staff
        .post(&format!("/staff/usage/imports/{id2}/confirm"), &[])
        .await;
    succeeded(&r);
    // Only Acme's figure for that metric and period changed; the file did not name the
    // others, so they stay.
    let stored = figures(&app);
    assert_eq!(stored.len(), 5, "{stored:?}");
    assert!(stored.contains(&(
        Some(acme),
        None,
        "package downloads".into(),
        "2026-Q1".into(),
        50_000_000.0
    )));
    assert!(!stored.iter().any(|f| f.4 == 48_000_000.0));
}

#[tokio::test]
async fn two_names_of_one_organisation_cannot_store_two_figures_for_a_period() {
    let app = TestApp::spawn().await;
    NewSponsor::named("Acme Software Inc.")
        .website("https://acme.example/")
        .insert(&mut app.db());
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let file = usage_csv(&[
        ("Acme Software", "", "2026-Q1", "Downloads", "", "10"),
        (
            "ACME EMEA",
            "acme.example",
            "2026-Q1",
            "Downloads",
            "",
            "20",
        ),
    ]);
    let (id, i) = upload_and_read(&app, &staff, file).await;
    assert_eq!(i.status, "review");
    let r = staff
        .post(&format!("/staff/usage/imports/{id}/confirm"), &[])
        .await;
    assert!(
        flash(&r).is_some_and(|(k, m)| k == "error" && m.contains("Lines 2 and 3")),
        "{:?}",
        flash(&r)
    );
    assert!(figures(&app).is_empty());
}

#[tokio::test]
async fn months_and_the_quarter_they_make_are_not_added_together_in_the_ranking() {
    let app = TestApp::spawn().await;
    let p = prospect(&app, "Iota Inc", "iota.example");
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let file = usage_csv(&[
        (
            "Iota Inc",
            "iota.example",
            "2026-Q1",
            "Downloads",
            "",
            "300",
        ),
        (
            "Iota Inc",
            "iota.example",
            "2026-01",
            "Downloads",
            "",
            "100",
        ),
        (
            "Iota Inc",
            "iota.example",
            "2026-02",
            "Downloads",
            "",
            "100",
        ),
        (
            "Iota Inc",
            "iota.example",
            "2026-03",
            "Downloads",
            "",
            "100",
        ),
    ]);
    let (id, i) = upload_and_read(&app, &staff, file).await;
    assert_eq!(i.status, "review");
    staff
        .post(&format!("/staff/usage/imports/{id}/confirm"), &[])
        .await;
    assert_eq!(figures(&app).len(), 4);
    let totals =
        steward::models::usage::totals_for(&mut app.db(), &[p], "downloads").expect("totals");
    assert_eq!(totals.get(&p), Some(&300.0));
    let (_, list) = staff.page("/staff/prospects").await;
    assert!(list.contains("<td class=\"num\">300</td>"), "{list}");
}

#[tokio::test]
async fn an_organisation_the_matcher_missed_can_be_matched_by_hand() {
    let app = TestApp::spawn().await;
    let kappa = NewSponsor::named("Kappa Holdings")
        .website("https://kappa.example/")
        .insert(&mut app.db());
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let file = usage_csv(&[(
        "KPA Research Division",
        "",
        "2026-Q1",
        "Downloads",
        "",
        "70",
    )]);
    let (id, _) = upload_and_read(&app, &staff, file).await;
    let org = review_orgs(&app, id)["KPA Research Division"];
    let (_, page) = staff.page(&format!("/staff/usage/imports/{id}")).await;
    assert!(page.contains(&format!("name=\"name-{org}\"")), "{page}");
    // A name that finds nobody is refused, and nothing is saved.
    let (field, named) = (format!("org-{org}"), format!("name-{org}"));
    let r = staff
        .post(
            &format!("/staff/usage/imports/{id}/decide"),
            &[(&field, "named"), (&named, "Nobody Of That Name")],
        )
        .await;
    assert!(
        flash(&r)
            .is_some_and(|(k, m)| k == "error" && m.contains("no sponsor or prospect goes by")),
        "{:?}",
        flash(&r)
    );
    // Its web domain finds the sponsor.
    let r = staff
        .post(
            &format!("/staff/usage/imports/{id}/decide"),
            &[(&field, "named"), (&named, "kappa.example")],
        )
        .await;
    succeeded(&r);
    let (_, page) = staff.page(&format!("/staff/usage/imports/{id}")).await;
    assert!(
        page.contains("Matched to Sponsor: Kappa Holdings"),
        "{page}"
    );
    staff
        .post(&format!("/staff/usage/imports/{id}/confirm"), &[])
        .await;
    assert_eq!(
        figures(&app),
        vec![(
            Some(kappa),
            None,
            "downloads".into(),
            "2026-Q1".into(),
            70.0
        )]
    );
}

/// The organisations of an import waiting for review, by name.
fn review_orgs(app: &TestApp, id: i64) -> std::collections::HashMap<String, i64> {
    steward::models::usage::orgs_to_review(&mut app.db(), id, 0, 100)
        .expect("orgs")
        .into_iter()
        .map(|o| (o.name, o.id))
        .collect()
}

#[tokio::test]
async fn bad_lines_refuse_the_whole_file_and_each_is_named_with_its_line() {
    let app = TestApp::spawn().await;
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let mut file = usage_csv(&[
        ("Acme", "acme.example", "2026-Q1", "Downloads", "", "100"),
        (
            "=HYPERLINK(\"http://evil\")",
            "",
            "2026-Q1",
            "Downloads",
            "",
            "1",
        ),
        ("Beta", "", "2026-13", "Downloads", "", "1"),
        ("Gamma", "", "2026-Q2", "Downloads", "", "1234,5"),
        ("Delta", "", "2026-Q2", "@SUM(A1)", "", "abc"),
        ("Acme", "acme.example", "2026-Q1", "Downloads", "", "100"),
    ]);
    file.extend_from_slice(b"Short,line\n");
    file.extend_from_slice(b"Epsilon,,2026,Downloads,,\xff\xfe7\n");
    let (id, i) = upload_and_read(&app, &staff, file).await;
    assert_eq!(i.status, "failed");
    assert_eq!(i.rows_read, 8);
    assert_eq!(i.rows_bad, 6, "{i:?}");
    let (status, body) = staff.page(&format!("/staff/usage/imports/{id}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Nothing was imported."), "{body}");
    for (line, words) in [
        (3, "formula"),
        (4, "2026-13"),
        (5, "1234,5"),
        (6, "formula"),
        (8, "cells where the first line names"),
        (9, "not UTF-8"),
    ] {
        assert!(
            body.contains(&format!("<td class=\"num\">{line}</td>")),
            "line {line} listed: {body}"
        );
        assert!(body.contains(words), "{words}: {body}");
    }
    // The repeated line 7 is only reported once the others are fixed (a clean file is
    // checked for repeats); nothing was staged or stored.
    assert!(figures(&app).is_empty());
    assert!(
        steward::models::usage::orgs_to_review(&mut app.db(), id, 0, 10)
            .expect("orgs")
            .is_empty()
    );
    // Without the bad lines, the repeated figure is refused by its line number.
    let repeated = usage_csv(&[
        ("Acme", "acme.example", "2026-Q1", "Downloads", "", "100"),
        ("Acme", "acme.example", "2026-Q1", "downloads", "", "100"),
    ]);
    let (id, i) = upload_and_read(&app, &staff, repeated).await;
    assert_eq!((i.status.as_str(), i.rows_bad), ("failed", 1));
    let (_, body) = staff.page(&format!("/staff/usage/imports/{id}")).await;
    assert!(body.contains("as line 2"), "{body}");
}

#[tokio::test]
async fn other_encodings_and_workbooks_are_refused_before_they_are_queued() {
    let app = TestApp::spawn().await;
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "organisation,period,metric,value\n"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes()),
        )
        .collect();
    for (bytes, says) in [
        (utf16, "UTF-16"),
        (
            b"PK\x03\x04\x14\x00\x06\x00".to_vec(),
            "spreadsheet workbook",
        ),
        (Vec::new(), "Choose the CSV file"),
    ] {
        let r = upload(&staff, bytes, "usage.csv").await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.expect("body");
        assert!(html(&body).contains(says), "{says}: {body}");
        assert!(body.contains("aria-invalid=\"true\""));
    }
    assert_eq!(
        steward::models::usage::count_imports(&mut app.db()).expect("count"),
        0
    );
    // A file in Latin-1 is read, and its first line that is not UTF-8 is named.
    let latin1 =
        b"organisation,period,metric,value\nSoci\xe9t\xe9 G\xe9n\xe9rale,2026,Downloads,5\n"
            .to_vec();
    let (_, i) = upload_and_read(&app, &staff, latin1).await;
    assert_eq!((i.status.as_str(), i.rows_bad), ("failed", 1));
    // A header that is not a usage file's is refused as a whole.
    let (id, i) = upload_and_read(&app, &staff, b"name,amount\nAcme,5\n".to_vec()).await;
    assert_eq!(i.status, "failed");
    assert!(i.error.starts_with("The first line"), "{i:?}");
    let (_, body) = staff.page(&format!("/staff/usage/imports/{id}")).await;
    assert!(body.contains("The first line"));
}

#[tokio::test]
async fn only_sponsorship_staff_and_administrators_see_usage_and_prospects() {
    let app = TestApp::spawn().await;
    let p = prospect(&app, "Quiet Corp", "quiet.example");
    for (roles, allowed) in [
        (vec![Role::Sponsorships], true),
        (vec![Role::Admin], true),
        (vec![Role::Treasurer], false),
        (vec![Role::Editor], false),
        (vec![Role::GrantsReviewer, Role::GrantsDecider], false),
    ] {
        let (c, _, _) = app.signed_in(&roles).await;
        for path in [
            "/staff/prospects".to_string(),
            format!("/staff/prospects/{p}"),
            "/staff/prospects/report".into(),
            "/staff/prospects.csv".into(),
            "/staff/usage".into(),
        ] {
            let (status, _) = c.page(&path).await;
            assert_eq!(status == 200, allowed, "{roles:?} {path}: {status}");
            if !allowed {
                assert_eq!(status, 403, "{roles:?} {path}");
            }
        }
        let r = upload(&c, usage_csv(&[]), "usage.csv").await;
        assert_eq!(r.status() != 403, allowed, "{roles:?} upload");
        let (_, home) = c.page("/staff").await;
        assert_eq!(
            home.contains("href=\"/staff/prospects\""),
            allowed,
            "{roles:?} nav"
        );
    }
    // Signed out: sent to sign in.
    let r = app.new_client().get("/staff/prospects").await;
    assert_eq!(r.status(), 303);
}

/// The staged rows are written as they are read, so a file ten times longer needs no more
/// memory: `steward import-usage` (the same reading as an upload's) reports its peak.
#[tokio::test]
async fn a_file_of_200000_lines_is_read_in_the_same_memory_as_one_of_20000() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().expect("dir");
    let small = dir.path().join("small.csv");
    let large = dir.path().join("large.csv");
    assert_eq!(write_big_file(&small, 500, 4, 10), 20_000);
    assert_eq!(write_big_file(&large, 500, 4, 100), 200_000);
    let peak = |file: &std::path::Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_steward"))
            .arg("import-usage")
            .arg(file)
            .env("STEWARD_DATABASE_URL", &app.database_url)
            .env("STEWARD_DATA_DIR", &app.state.settings.data_dir)
            .env("STEWARD_LOG", "error")
            .output()
            .expect("steward import-usage runs");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("The file is clean"), "{stdout}");
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("Peak memory: "))
            .and_then(|v| v.trim_end_matches(" kB").parse::<i64>().ok())
            .unwrap_or_else(|| panic!("no peak memory in {stdout}"))
    };
    let small_kb = peak(&small);
    let large_kb = peak(&large);
    println!("peak memory: 20,000 lines {small_kb} kB; 200,000 lines {large_kb} kB");
    // Holding the 200,000 rows would take well over 30 MB more.
    assert!(
        large_kb < small_kb + 12 * 1024,
        "20,000 lines: {small_kb} kB; 200,000 lines: {large_kb} kB"
    );
    let imports = steward::models::usage::imports_page(&mut app.db(), 0, 5).expect("imports");
    assert_eq!(imports[0].rows_read, 200_000);
    assert_eq!(imports[0].status, "review");
    // The 500 organisations wait as new prospects-to-be; nothing is stored yet.
    assert_eq!(
        steward::models::usage::count_orgs_to_review(&mut app.db(), imports[0].id).expect("orgs"),
        500
    );
    assert!(figures(&app).is_empty());
}
