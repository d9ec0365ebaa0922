//! Query budgets: the staff lists, the dashboard, the exports and the public pages make the
//! same number of database queries whatever the size of the data (the demo, then the demo
//! three times over), counted by the app itself (`X-Query-Count`, a development setting).

use steward::domain::Role;

use crate::helpers::{TestApp, TestClient};

/// Pages every role's staff can reach with all roles; exports count their first chunk.
const PAGES: &[&str] = &[
    "/staff",
    "/staff/sponsors",
    "/staff/sponsors?q=acme",
    "/staff/sponsorships",
    "/staff/sponsorships?q=cloud",
    "/staff/renewals",
    "/staff/programmes",
    "/staff/asset-requests",
    "/staff/settings/agreement-templates",
    "/staff/invoices",
    "/staff/invoices?status=open",
    "/staff/grants",
    "/staff/grants?status=all",
    "/staff/grants/payments",
    "/staff/grants/budget",
    "/staff/stories",
    "/staff/conferences",
    "/staff/placements",
    "/staff/placements/report",
    "/staff/outbox?status=sent",
    "/staff/audit",
    "/staff/sponsors.csv",
    "/staff/sponsorships.csv",
    "/staff/invoices.csv",
    "/staff/payments.csv",
    "/staff/grants.csv?status=all",
    "/staff/stories.csv",
    "/staff/audit.csv",
    "/",
    "/sponsors",
    "/thanks",
    "/stories",
    "/grants",
    "/grants/register",
    "/grants/register.csv",
    "/jobs",
];

/// Each page's status and query count; each page is asked twice and the smaller count kept,
/// so a once-in-a-while write (a session's last-seen time) does not count as growth.
async fn measure(c: &TestClient, pages: &[String]) -> Vec<(String, u16, u64)> {
    let mut out = Vec::new();
    for p in pages {
        let mut best = (0u16, u64::MAX);
        for _ in 0..2 {
            let r = c.get(p).await;
            let status = r.status().as_u16();
            let n: u64 = r
                .headers()
                .get("x-query-count")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{p}: no X-Query-Count"));
            let _ = r.bytes().await;
            best = (status, best.1.min(n));
        }
        out.push((p.clone(), best.0, best.1));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_make_as_many_queries_with_three_times_the_data() {
    let app = TestApp::spawn_with(|s| s.query_count_header = true).await;
    app.seed_demo().await;
    let (c, _, _) = app.signed_in(&Role::ALL).await;

    // A public profile and the staff pages of one sponsor and one sponsorship of the demo.
    let (_, wall) = c.page("/sponsors").await;
    let slug = wall
        .split("href=\"/sponsors/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a sponsor on the wall")
        .to_string();
    let mut pages: Vec<String> = PAGES.iter().map(|p| p.to_string()).collect();
    pages.push(format!("/sponsors/{slug}"));
    pages.push("/staff/sponsors/1".into());
    pages.push("/staff/sponsors/1/timeline".into());
    pages.push("/staff/sponsors/1/timeline?page=2".into());
    pages.push("/staff/grants/1/timeline".into());
    pages.push("/staff/sponsorships/1".into());
    pages.push("/staff/conferences/1".into());
    pages.push("/staff/asset-requests/1".into());
    pages.push("/staff/tiers/1".into());
    pages.push("/staff/prospects".into());
    pages.push("/staff/prospects?stage=all&metric=bandwidth&q=a&due=1&owner=me".into());
    pages.push("/staff/prospects/1".into());
    pages.push("/staff/prospects/1/ask".into());
    pages.push("/staff/prospects/report".into());
    pages.push("/staff/prospects.csv".into());
    pages.push("/staff/usage".into());
    pages.push("/staff/usage/imports/1".into());

    let small = measure(&c, &pages).await;
    for (p, status, _) in &small {
        assert_eq!(*status, 200, "{p}");
    }
    steward::seed::scale::scale(&mut app.db(), 3).expect("scale");
    let large = measure(&c, &pages).await;

    let grown: Vec<String> = small
        .iter()
        .zip(&large)
        .filter(|(s, l)| s.2 != l.2 || l.1 != 200)
        .map(|(s, l)| format!("{}: {} → {} queries (status {})", s.0, s.2, l.2, l.1))
        .collect();
    assert!(
        grown.is_empty(),
        "queries grew with the data:\n{}",
        grown.join("\n")
    );
    // The counts are real: a list makes a handful of queries, not none.
    assert!(small.iter().all(|(_, _, n)| *n >= 1), "{small:?}");
}
