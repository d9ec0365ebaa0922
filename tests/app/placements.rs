//! Thank-you placements: who fills a slot, the embed and JSON feed (caching, CORS, framing),
//! impressions and clicks counted in memory and flushed, the counting redirect, and the staff
//! pages (roles, forms, report, acknowledgement check).

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use steward::db::DbConn;
use steward::db::schema::{audit_log, placement_slots, placement_stats, sponsors as sponsors_t};
use steward::domain::Role;
use steward::models::placement_slots as slots;
use steward::models::programmes;
use steward::models::sponsorships::{self, NewSponsorship};
use steward::models::tiers::{self, TierFields};
use steward::startup::Application;

use crate::fixtures::NewSponsor;
use crate::helpers::{TestApp, TestClient, location, test_settings};

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

fn today() -> NaiveDate {
    steward::services::placements::today()
}

struct Tiers {
    gold: i64,
    silver: i64,
    bronze: i64,
}

fn tiers(c: &mut DbConn) -> Tiers {
    let p = programmes::insert(c, "Foundation sponsorship", 2026, "").expect("programme");
    let mut tier = |name: &str, order: i32, price: i64| {
        tiers::insert(
            c,
            &TierFields {
                programme_id: p,
                name: name.into(),
                slug: name.to_lowercase(),
                description: String::new(),
                price_minor: price,
                currency: "USD".into(),
                capacity: None,
                logo_size: "m".into(),
                display_order: order,
                advertised: true,
            },
        )
        .expect("tier")
    };
    Tiers {
        gold: tier("Gold", 1, 2_000_000),
        silver: tier("Silver", 2, 1_000_000),
        bronze: tier("Bronze", 3, 250_000),
    }
}

fn slug_of(name: &str) -> String {
    steward::domain::slug::slugify(name)
}

fn website_of(name: &str) -> String {
    format!("https://{}.example.org/", slug_of(name))
}

/// A sponsor with no sponsorship yet (so: not visible).
fn sponsor(c: &mut DbConn, name: &str, topics: &str, tagline: &str) -> i64 {
    NewSponsor::named(name)
        .website(&website_of(name))
        .with(|f| {
            f.topics = topics.into();
            f.tagline = tagline.into();
        })
        .insert(c)
}

fn sponsorship(
    c: &mut DbConn,
    sponsor: i64,
    tier: i64,
    status: &str,
    published_early: bool,
    start: NaiveDate,
    end: NaiveDate,
) {
    let now = steward::models::now();
    sponsorships::insert(
        c,
        &NewSponsorship {
            sponsor_id: sponsor,
            tier_id: tier,
            start_date: start,
            end_date: end,
            fee_minor: 100_000,
            currency: "USD".into(),
            status: status.into(),
            published_early,
            notes: String::new(),
            created_at: now,
            updated_at: now,
            application_key: None,
            waitlisted: false,
            renewal_of_id: None,
            list_price_minor: None,
            fee_reason: String::new(),
        },
    )
    .expect("sponsorship");
}

/// A sponsor with an active sponsorship running well past the days these tests look at.
fn active(c: &mut DbConn, name: &str, tier: i64, topics: &str) -> i64 {
    let id = sponsor(c, name, topics, "");
    sponsorship(
        c,
        id,
        tier,
        "active",
        false,
        today() - Duration::days(30),
        today() + Duration::days(400),
    );
    id
}

fn slot(c: &mut DbConn, key: &str, topic: Option<&str>, max: i32, tiers: &[i64]) -> i64 {
    slots::insert(c, key, &format!("Slot {key}"), "", topic, max, tiers).expect("slot")
}

fn stats_rows(c: &mut DbConn) -> i64 {
    placement_stats::table
        .count()
        .get_result(c)
        .expect("count stats")
}

/// (sponsor id → (impressions, clicks)) stored for a slot, over all days.
fn stored(c: &mut DbConn, slot_id: i64) -> HashMap<i64, (i64, i64)> {
    let rows = slots::stats(
        c,
        NaiveDate::from_ymd_opt(2000, 1, 1).expect("date"),
        NaiveDate::from_ymd_opt(2200, 1, 1).expect("date"),
        None,
    )
    .expect("stats");
    let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
    for r in rows.into_iter().filter(|r| r.slot_id == slot_id) {
        let e = out.entry(r.sponsor_id).or_default();
        e.0 += r.impressions;
        e.1 += r.clicks;
    }
    out
}

async fn feed(c: &TestClient, key: &str) -> serde_json::Value {
    let r = c.get(&format!("/api/placements/{key}.json")).await;
    assert_eq!(r.status(), 200, "feed of {key}");
    r.json().await.expect("json")
}

fn names(feed: &serde_json::Value) -> Vec<String> {
    feed["sponsors"]
        .as_array()
        .expect("sponsors array")
        .iter()
        .map(|s| s["name"].as_str().expect("name").to_string())
        .collect()
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn spawn_quiet() -> TestApp {
    // No worker flush during the test unless it asks for one.
    TestApp::spawn_with(|s| s.placement_flush_secs = 3600).await
}

// ---------------------------------------------------------------------------------------
// Who fills a slot
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn eligible_tiers_visibility_and_topics_decide_who_is_shown() {
    let app = spawn_quiet().await;
    {
        let mut c = app.db();
        let t = tiers(&mut c);
        active(&mut c, "Acme Cloud", t.gold, "cloud, Security");
        active(&mut c, "Beta Data", t.silver, "data");
        active(&mut c, "Cirrus", t.bronze, "cloud");
        // Not visible: unpaid, not published early.
        let hidden = sponsor(&mut c, "Hidden Corp", "cloud", "");
        sponsorship(
            &mut c,
            hidden,
            t.gold,
            "invoiced",
            false,
            today() - Duration::days(5),
            today() + Duration::days(300),
        );
        // Not visible: the term ended yesterday.
        let ended = sponsor(&mut c, "Ended Ltd", "cloud", "");
        sponsorship(
            &mut c,
            ended,
            t.gold,
            "active",
            false,
            today() - Duration::days(300),
            today() - Duration::days(1),
        );
        // Visible before payment: published early by staff.
        let early = sponsor(&mut c, "Early Bird", "", "");
        sponsorship(
            &mut c,
            early,
            t.silver,
            "approved",
            true,
            today() + Duration::days(10),
            today() + Duration::days(300),
        );
        // Two visible sponsorships (a renewal overlapping): shown once, with the higher tier.
        let twice = active(&mut c, "Twice Inc", t.silver, "");
        sponsorship(
            &mut c,
            twice,
            t.gold,
            "active",
            false,
            today() - Duration::days(1),
            today() + Duration::days(30),
        );
        slot(&mut c, "home-footer", None, 10, &[t.gold, t.silver]);
        slot(
            &mut c,
            "topic:cloud",
            Some("cloud"),
            10,
            &[t.gold, t.silver, t.bronze],
        );
        slot(&mut c, "bronze-only", None, 10, &[t.bronze]);
        slot(&mut c, "no-tiers", None, 10, &[]);
    }

    let home = feed(&app, "home-footer").await;
    let shown: BTreeSet<String> = names(&home).into_iter().collect();
    assert_eq!(
        shown,
        ["Acme Cloud", "Beta Data", "Early Bird", "Twice Inc"]
            .map(String::from)
            .into(),
        "gold and silver, visible today"
    );
    let twice = home["sponsors"]
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["name"] == "Twice Inc")
        .expect("Twice Inc");
    assert_eq!(twice["tier"], "Gold", "the higher of its two tiers");

    let cloud: BTreeSet<String> = names(&feed(&app, "topic:cloud").await)
        .into_iter()
        .collect();
    assert_eq!(
        cloud,
        ["Acme Cloud", "Cirrus"].map(String::from).into(),
        "only visible sponsors tagged cloud"
    );
    assert_eq!(names(&feed(&app, "bronze-only").await), vec!["Cirrus"]);
    assert!(names(&feed(&app, "no-tiers").await).is_empty());

    // The embed shows the same sponsors.
    let (status, body) = app.page("/embed/placements/topic:cloud").await;
    assert_eq!(status, 200);
    assert!(body.contains("Thank you to our sponsors"));
    assert!(body.contains("Acme Cloud") && body.contains("Cirrus"));
    assert!(!body.contains("Hidden Corp") && !body.contains("Beta Data"));
    // The key may also arrive percent-encoded.
    let (status, _) = app.page("/embed/placements/topic%3Acloud").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn max_sponsors_caps_the_slot() {
    let app = spawn_quiet().await;
    {
        let mut c = app.db();
        let t = tiers(&mut c);
        for n in ["Alpha", "Bravo", "Charlie", "Delta", "Echo"] {
            active(&mut c, n, t.gold, "");
        }
        slot(&mut c, "docs-footer", None, 2, &[t.gold]);
        slot(&mut c, "one", None, 1, &[t.gold]);
    }
    assert_eq!(names(&feed(&app, "docs-footer").await).len(), 2);
    assert_eq!(names(&feed(&app, "one").await).len(), 1);
    let (_, body) = app.page("/embed/placements/docs-footer").await;
    assert_eq!(body.matches("class=\"logo-tile\"").count(), 2, "{body}");
}

#[tokio::test]
async fn rotation_is_fair_over_days_and_stable_within_a_day() {
    let app = spawn_quiet().await;
    let mut c = app.db();
    let t = tiers(&mut c);
    let all = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"];
    for n in all {
        active(&mut c, n, t.gold, "");
    }
    let id = slot(&mut c, "home-footer", None, 2, &[t.gold]);
    let s = slots::find(&mut c, id).expect("slot");
    let order = |c: &mut DbConn, day: NaiveDate| -> Vec<String> {
        steward::services::placements::fill(c, &s, day)
            .expect("fill")
            .into_iter()
            .map(|p| p.sponsor.name)
            .collect()
    };
    let first_day = today();
    let mut leads: HashMap<String, usize> = HashMap::new();
    let mut shown: HashMap<String, usize> = HashMap::new();
    let mut orders = Vec::new();
    for n in 0..all.len() as i64 {
        let day = first_day + Duration::days(n);
        let o = order(&mut c, day);
        assert_eq!(o, order(&mut c, day), "the same order all day");
        assert_eq!(o.len(), 2, "capped at 2");
        *leads.entry(o[0].clone()).or_default() += 1;
        for name in &o {
            *shown.entry(name.clone()).or_default() += 1;
        }
        orders.push(o);
    }
    // Over five days each of five sponsors leads once and is shown on exactly two days.
    assert_eq!(leads.len(), 5, "{orders:?}");
    assert!(leads.values().all(|n| *n == 1), "{orders:?}");
    assert_eq!(shown.len(), 5, "{orders:?}");
    assert!(shown.values().all(|n| *n == 2), "{orders:?}");
    // Not alphabetical privilege: Alpha does not lead every day.
    assert!(orders.iter().any(|o| o[0] != "Alpha"));
    drop(c);

    // What the feed shows today is the shared function's answer for today.
    let expected = order(&mut app.db(), today());
    assert_eq!(names(&feed(&app, "home-footer").await), expected);
}

// ---------------------------------------------------------------------------------------
// The feed and the embed
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn json_feed_has_the_documented_shape_and_cors() {
    let app = spawn_quiet().await;
    {
        let mut c = app.db();
        let t = tiers(&mut c);
        let acme = active(&mut c, "Acme Cloud", t.gold, "");
        diesel::update(sponsors_t::table.find(acme))
            .set((
                sponsors_t::logo_key.eq(Some("0123456789abcdef0123456789abcdef")),
                sponsors_t::tagline.eq("Keeping the package index fast"),
            ))
            .execute(&mut c)
            .expect("logo");
        active(&mut c, "Beta Data", t.gold, "");
        slots::insert(
            &mut c,
            "home-footer",
            "Home page footer",
            "",
            None,
            6,
            &[t.gold],
        )
        .expect("slot");
    }
    let r = app.get("/api/placements/home-footer.json").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "application/json");
    assert_eq!(header(&r, "access-control-allow-origin"), "*");
    assert!(r.headers().get("set-cookie").is_none(), "no cookies");
    let v: serde_json::Value = r.json().await.expect("json");
    let obj = v.as_object().expect("object");
    assert_eq!(
        obj.keys().cloned().collect::<BTreeSet<_>>(),
        ["name", "slot", "sponsors"].map(String::from).into()
    );
    assert_eq!(v["slot"], "home-footer");
    assert_eq!(v["name"], "Home page footer");
    let sponsors = v["sponsors"].as_array().expect("array");
    assert_eq!(sponsors.len(), 2);
    for s in sponsors {
        assert_eq!(
            s.as_object()
                .expect("object")
                .keys()
                .cloned()
                .collect::<BTreeSet<_>>(),
            ["logo", "name", "tagline", "tier", "url", "website"]
                .map(String::from)
                .into()
        );
    }
    let acme = sponsors
        .iter()
        .find(|s| s["name"] == "Acme Cloud")
        .expect("acme");
    assert_eq!(acme["tier"], "Gold");
    assert_eq!(acme["url"], "http://steward.test/go/home-footer/acme-cloud");
    assert_eq!(acme["website"], "https://acme-cloud.example.org/");
    assert_eq!(
        acme["logo"],
        "http://steward.test/media/logos/0123456789abcdef0123456789abcdef-s.png"
    );
    assert_eq!(acme["tagline"], "Keeping the package index fast");
    let beta = sponsors
        .iter()
        .find(|s| s["name"] == "Beta Data")
        .expect("beta");
    assert!(beta["logo"].is_null());
    assert_eq!(beta["tagline"], "");

    // The embed: a logo where there is one, the name as text where there is none.
    let (_, body) = app.page("/embed/placements/home-footer").await;
    assert!(body.contains(
        "src=\"http://steward.test/media/logos/0123456789abcdef0123456789abcdef-s.png\""
    ));
    assert!(body.contains("alt=\"Acme Cloud\""));
    assert!(body.contains("href=\"http://steward.test/go/home-footer/beta-data\""));
    assert!(body.contains(">Beta Data</a>"));
    assert!(body.contains("target=\"_blank\" rel=\"noopener\""));
    assert!(
        body.contains("/static/css/steward.css?v="),
        "our stylesheet"
    );

    // Unknown slots: 404, as JSON (readable cross-origin) for the feed.
    let r = app.get("/api/placements/nope.json").await;
    assert_eq!(r.status(), 404);
    assert_eq!(header(&r, "access-control-allow-origin"), "*");
    assert_eq!(header(&r, "content-type"), "application/json");
    assert_eq!(app.get("/embed/placements/nope").await.status(), 404);
    assert_eq!(app.get("/api/placements/home-footer").await.status(), 404);
}

#[tokio::test]
async fn embed_and_json_answer_304_to_a_matching_etag() {
    let app = spawn_quiet().await;
    {
        let mut c = app.db();
        let t = tiers(&mut c);
        active(&mut c, "Acme Cloud", t.gold, "");
        slot(&mut c, "home-footer", None, 6, &[t.gold]);
    }
    for path in [
        "/embed/placements/home-footer",
        "/api/placements/home-footer.json",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let etag = header(&r, "etag");
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10,
            "a strong ETag: {etag}"
        );
        assert_eq!(header(&r, "cache-control"), "public, max-age=300");
        assert!(
            r.headers().get("set-cookie").is_none(),
            "{path}: no cookies"
        );
        let body = r.bytes().await.expect("body");
        assert!(!body.is_empty());

        // The same content again: the same ETag.
        let again = app.get(path).await;
        assert_eq!(header(&again, "etag"), etag, "{path}: stable");

        for sent in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"other\", {etag}"),
            "*".to_string(),
        ] {
            let r = app
                .http
                .get(app.url(path))
                .header("If-None-Match", &sent)
                .send()
                .await
                .expect("GET");
            assert_eq!(r.status(), 304, "{path} with {sent}");
            assert_eq!(header(&r, "etag"), etag);
            assert_eq!(header(&r, "cache-control"), "public, max-age=300");
            if path.ends_with(".json") {
                assert_eq!(header(&r, "access-control-allow-origin"), "*");
            }
            assert!(r.bytes().await.expect("body").is_empty(), "304 has no body");
        }
        let r = app
            .http
            .get(app.url(path))
            .header("If-None-Match", "\"stale\"")
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), 200, "{path}: an old ETag gets the content");
    }

    // New content, new ETag.
    let before = header(&app.get("/api/placements/home-footer.json").await, "etag");
    {
        let mut c = app.db();
        let gold = tiers::all(&mut c).expect("tiers")[0].id;
        active(&mut c, "Beta Data", gold, "");
    }
    let after = header(&app.get("/api/placements/home-footer.json").await, "etag");
    assert_ne!(before, after);
}

#[tokio::test]
async fn only_the_embed_may_be_framed() {
    let app = spawn_quiet().await;
    {
        let mut c = app.db();
        let t = tiers(&mut c);
        active(&mut c, "Acme Cloud", t.gold, "");
        slot(&mut c, "home-footer", None, 6, &[t.gold]);
    }
    let r = app.get("/embed/placements/home-footer").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("x-frame-options").is_none());
    let csp = header(&r, "content-security-policy");
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    assert!(!csp.contains("frame-ancestors 'none'"), "{csp}");
    for part in ["object-src 'none'", "base-uri 'none'", "script-src 'self'"] {
        assert!(csp.contains(part), "the rest of the policy stays: {csp}");
    }
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");

    let (staff, _, _) = app.signed_in(&[Role::Editor]).await;
    for (c, path) in [
        (&app.client, "/api/placements/home-footer.json"),
        (&app.client, "/go/home-footer/acme-cloud"),
        (&app.client, "/"),
        (&app.client, "/embed/placements/nope"),
        (&app.client, "/embed/placements"),
        (&staff, "/staff/placements"),
        (&staff, "/staff/placements/report"),
    ] {
        let r = c.get(path).await;
        assert_eq!(header(&r, "x-frame-options"), "DENY", "{path}");
        let csp = header(&r, "content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
}

// ---------------------------------------------------------------------------------------
// Counting
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn impressions_are_counted_in_memory_and_written_by_a_flush() {
    let app = spawn_quiet().await;
    let (slot_id, acme, beta) = {
        let mut c = app.db();
        let t = tiers(&mut c);
        let acme = active(&mut c, "Acme Cloud", t.gold, "");
        let beta = active(&mut c, "Beta Data", t.gold, "");
        active(&mut c, "Cirrus", t.bronze, "");
        (slot(&mut c, "home-footer", None, 6, &[t.gold]), acme, beta)
    };
    let embed = "/embed/placements/home-footer";
    let json = "/api/placements/home-footer.json";
    for _ in 0..3 {
        assert_eq!(app.get(embed).await.status(), 200);
    }
    let r = app.get(json).await;
    let etag = header(&r, "etag");
    // A revalidation is a page view too.
    let r = app
        .http
        .get(app.url(json))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 304);
    // Views of unknown slots count nothing.
    assert_eq!(app.get("/embed/placements/nope").await.status(), 404);

    assert_eq!(stats_rows(&mut app.db()), 0, "no database write per view");
    let pending = app.state.placements.pending();
    assert_eq!(pending.len(), 2, "{pending:?}");
    for ((s, _, day), counts) in &pending {
        assert_eq!((*s, *day), (slot_id, today()));
        assert_eq!((counts.impressions, counts.clicks), (5, 0));
    }

    let written = steward::services::placements::flush(&app.state.placements, &app.state.db)
        .await
        .expect("flush");
    assert_eq!(written, 2);
    assert!(app.state.placements.pending().is_empty());
    let got = stored(&mut app.db(), slot_id);
    assert_eq!(got, HashMap::from([(acme, (5, 0)), (beta, (5, 0))]));

    // Nothing waiting: a flush writes nothing.
    assert_eq!(
        steward::services::placements::flush(&app.state.placements, &app.state.db)
            .await
            .expect("flush"),
        0
    );
    // More views add to the same rows.
    app.get(embed).await;
    app.get("/go/home-footer/acme-cloud").await;
    steward::services::placements::flush(&app.state.placements, &app.state.db)
        .await
        .expect("flush");
    let got = stored(&mut app.db(), slot_id);
    assert_eq!(got, HashMap::from([(acme, (6, 1)), (beta, (6, 0))]));
    assert_eq!(
        stats_rows(&mut app.db()),
        2,
        "one row per sponsor, slot and day"
    );
}

#[tokio::test]
async fn a_failed_flush_keeps_the_counts_for_the_next_one() {
    let app = spawn_quiet().await;
    let (slot_id, acme) = {
        let mut c = app.db();
        let t = tiers(&mut c);
        let acme = active(&mut c, "Acme Cloud", t.gold, "");
        (slot(&mut c, "home-footer", None, 6, &[t.gold]), acme)
    };
    app.get("/embed/placements/home-footer").await;
    app.get("/go/home-footer/acme-cloud").await;

    // The table is away: the write fails.
    diesel::sql_query("ALTER TABLE placement_stats RENAME TO placement_stats_away")
        .execute(&mut app.db())
        .expect("rename");
    let r = steward::services::placements::flush(&app.state.placements, &app.state.db).await;
    assert!(r.is_err(), "the flush should fail");
    // Views that arrive meanwhile are kept as well.
    app.get("/embed/placements/home-footer").await;
    let pending = app.state.placements.pending();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].1.impressions, pending[0].1.clicks), (2, 1));

    diesel::sql_query("ALTER TABLE placement_stats_away RENAME TO placement_stats")
        .execute(&mut app.db())
        .expect("rename back");
    steward::services::placements::flush(&app.state.placements, &app.state.db)
        .await
        .expect("flush");
    assert_eq!(
        stored(&mut app.db(), slot_id),
        HashMap::from([(acme, (2, 1))]),
        "nothing lost, nothing doubled"
    );
}

#[tokio::test]
async fn the_worker_flushes_on_its_interval() {
    let app = TestApp::spawn_with(|s| s.placement_flush_secs = 1).await;
    let (slot_id, acme) = {
        let mut c = app.db();
        let t = tiers(&mut c);
        let acme = active(&mut c, "Acme Cloud", t.gold, "");
        (slot(&mut c, "home-footer", None, 6, &[t.gold]), acme)
    };
    app.get("/api/placements/home-footer.json").await;
    app.get("/api/placements/home-footer.json").await;
    for _ in 0..100 {
        if stored(&mut app.db(), slot_id).get(&acme) == Some(&(2, 0)) {
            assert!(app.state.placements.pending().is_empty());
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "the worker did not save the counts: {:?}",
        stored(&mut app.db(), slot_id)
    );
}

#[tokio::test]
async fn counts_are_saved_when_the_server_stops() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(dir.path());
    settings.placement_flush_secs = 3600;
    let app = Application::build(settings).await.expect("app builds");
    let handle = app.server_handle();
    let state = app.state.clone();
    let client = TestClient::new(&format!("http://127.0.0.1:{}", app.port()), &state);
    let running = tokio::spawn(app.run_until_stopped());

    let (slot_id, acme, beta) = {
        let mut c = state.db.get().expect("conn");
        let t = tiers(&mut c);
        let acme = active(&mut c, "Acme Cloud", t.gold, "");
        let beta = active(&mut c, "Beta Data", t.gold, "");
        (slot(&mut c, "home-footer", None, 6, &[t.gold]), acme, beta)
    };
    for _ in 0..4 {
        assert_eq!(
            client.get("/embed/placements/home-footer").await.status(),
            200
        );
    }
    assert_eq!(client.get("/go/home-footer/beta-data").await.status(), 302);
    assert_eq!(stats_rows(&mut state.db.get().expect("conn")), 0);

    handle.stop(true).await;
    running.await.expect("join").expect("server result");

    assert!(state.placements.pending().is_empty());
    assert_eq!(
        stored(&mut state.db.get().expect("conn"), slot_id),
        HashMap::from([(acme, (4, 0)), (beta, (4, 1))])
    );
}

// ---------------------------------------------------------------------------------------
// Clicks
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn clicks_go_only_to_the_stored_website_of_a_placed_sponsor() {
    let app = spawn_quiet().await;
    let (slot_id, acme) = {
        let mut c = app.db();
        let t = tiers(&mut c);
        let acme = active(&mut c, "Acme Cloud", t.gold, "");
        active(&mut c, "Bronze Co", t.bronze, "");
        let hidden = sponsor(&mut c, "Hidden Corp", "", "");
        sponsorship(
            &mut c,
            hidden,
            t.gold,
            "invoiced",
            false,
            today() - Duration::days(5),
            today() + Duration::days(300),
        );
        sponsor(&mut c, "No Sponsorship", "", "");
        let s = slot(&mut c, "home-footer", None, 6, &[t.gold]);
        slot(&mut c, "other-slot", None, 6, &[t.bronze]);
        (s, acme)
    };

    let r = app
        .get("/go/home-footer/acme-cloud?url=https://evil.example&next=//evil.example")
        .await;
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), "https://acme-cloud.example.org/");
    assert_eq!(header(&r, "cache-control"), "no-store");
    assert_eq!(header(&r, "referrer-policy"), "same-origin");
    assert!(r.headers().get("set-cookie").is_none());

    for path in [
        "/go/home-footer/unknown",
        "/go/nope/acme-cloud",
        "/go/home-footer/bronze-co",      // in no eligible tier
        "/go/other-slot/acme-cloud",      // placed elsewhere, not here
        "/go/home-footer/hidden-corp",    // not visible
        "/go/home-footer/no-sponsorship", // no sponsorship at all
        "/go/home-footer/https:%2F%2Fevil.example",
        "/go/home-footer/acme-cloud/https://evil.example",
        "/go/home-footer",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(r.headers().get("location").is_none(), "{path}");
    }

    let pending = app.state.placements.pending();
    assert_eq!(pending.len(), 1, "only the real click counted: {pending:?}");
    let ((s, sponsor_id, _), counts) = pending[0];
    assert_eq!((s, sponsor_id), (slot_id, acme));
    assert_eq!((counts.impressions, counts.clicks), (0, 1));

    // A sponsor eligible for the slot but beyond today's cap still gets its click (a
    // snippet cached across midnight may show yesterday's sponsors).
    {
        let mut c = app.db();
        let gold = tiers::all(&mut c).expect("tiers")[0].id;
        active(&mut c, "Beta Data", gold, "");
        diesel::update(placement_slots::table.find(slot_id))
            .set(placement_slots::max_sponsors.eq(1))
            .execute(&mut c)
            .expect("cap");
    }
    for slug in ["acme-cloud", "beta-data"] {
        let r = app.get(&format!("/go/home-footer/{slug}")).await;
        assert_eq!(r.status(), 302, "{slug}");
    }
}

// ---------------------------------------------------------------------------------------
// Staff pages
// ---------------------------------------------------------------------------------------

fn slot_count(app: &TestApp) -> i64 {
    placement_slots::table
        .count()
        .get_result(&mut app.db())
        .expect("count")
}

fn slot_snapshot(app: &TestApp) -> String {
    let mut c = app.db();
    let all = slots::all(&mut c).expect("slots");
    let with_tiers: Vec<_> = all
        .into_iter()
        .map(|s| {
            let t = slots::tier_ids(&mut c, s.id).expect("tiers");
            (s.key, s.name, s.topic, s.max_sponsors, t)
        })
        .collect();
    format!("{with_tiers:?}")
}

#[tokio::test]
async fn staff_placement_routes_admit_editors_and_sponsorship_staff_only() {
    let app = spawn_quiet().await;
    let (slot_id, gold) = {
        let mut c = app.db();
        let t = tiers(&mut c);
        (slot(&mut c, "home-footer", None, 6, &[t.gold]), t.gold)
    };
    let gold_s = gold.to_string();
    let edit = format!("/staff/placements/{slot_id}");
    let gets = [
        "/staff/placements".to_string(),
        "/staff/placements/new".to_string(),
        edit.clone(),
        "/staff/placements/report".to_string(),
        "/staff/placements/report?month=2026-03".to_string(),
    ];

    // Anonymous visitors are sent to sign in.
    for path in &gets {
        let r = app.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert!(location(&r).starts_with("/login?next="), "{path}");
    }
    let before = slot_snapshot(&app);
    for path in ["/staff/placements", edit.as_str()] {
        let r = app
            .post(
                path,
                &[
                    ("key", "anon-slot"),
                    ("name", "Anon"),
                    ("max_sponsors", "3"),
                    ("tier", &gold_s),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(location(&r), "/login");
    }

    // Staff without the role are refused.
    for roles in [
        vec![Role::Treasurer],
        vec![Role::GrantsReviewer, Role::Admin],
    ] {
        let (c, _, _) = app.signed_in(&roles).await;
        for path in &gets {
            assert_eq!(c.get(path).await.status(), 403, "{roles:?} {path}");
        }
        for path in ["/staff/placements", edit.as_str()] {
            let r = c
                .post(
                    path,
                    &[
                        ("key", "refused-slot"),
                        ("name", "Refused"),
                        ("max_sponsors", "3"),
                        ("tier", &gold_s),
                    ],
                )
                .await;
            assert_eq!(r.status(), 403, "{roles:?} POST {path}");
        }
    }
    assert_eq!(
        slot_snapshot(&app),
        before,
        "refused requests change nothing"
    );

    // Editors and sponsorship staff may.
    for (roles, key) in [
        (vec![Role::Editor], "editor-slot"),
        (vec![Role::Sponsorships], "sponsorships-slot"),
    ] {
        let (c, _, _) = app.signed_in(&roles).await;
        for path in &gets {
            assert_eq!(c.get(path).await.status(), 200, "{roles:?} {path}");
        }
        let r = c
            .post(
                "/staff/placements",
                &[
                    ("key", key),
                    ("name", "A slot"),
                    ("max_sponsors", "3"),
                    ("tier", &gold_s),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{roles:?} create");
        let r = c
            .post(
                &edit,
                &[
                    ("name", "Home footer"),
                    ("max_sponsors", "4"),
                    ("tier", &gold_s),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{roles:?} update");
    }
    assert_eq!(slot_count(&app), 3);
    assert_eq!(app.get("/staff/placements/999999").await.status(), 303);
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    assert_eq!(editor.get("/staff/placements/999999").await.status(), 404);
    assert_eq!(editor.get("/staff/placements/abc").await.status(), 404);
}

#[tokio::test]
async fn slot_forms_validate_keys_and_refuse_duplicates() {
    let app = spawn_quiet().await;
    let t = tiers(&mut app.db());
    let (gold, silver) = (t.gold.to_string(), t.silver.to_string());
    let (editor, editor_id, _) = app.signed_in(&[Role::Editor]).await;

    for bad in [
        "Home Footer",
        "home_footer",
        "topic:",
        "-home",
        "a/b",
        "<b>x</b>",
    ] {
        let r = editor
            .post(
                "/staff/placements",
                &[
                    ("key", bad),
                    ("name", "Kept name"),
                    ("max_sponsors", "3"),
                    ("tier", &gold),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{bad}");
        let body = r.text().await.expect("body");
        assert!(
            body.contains("id=\"key-error\""),
            "{bad}: error next to the key"
        );
        assert!(body.contains("value=\"Kept name\""), "{bad}: input kept");
        assert!(body.contains("aria-invalid=\"true\""));
    }
    // Other fields are checked too, each next to its field.
    let r = editor
        .post(
            "/staff/placements",
            &[("key", "ok-key"), ("name", ""), ("max_sponsors", "500")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    for field in ["name", "max_sponsors", "tier"] {
        assert!(body.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    let r = editor
        .post(
            "/staff/placements",
            &[
                ("key", "ok-key"),
                ("name", "X"),
                ("max_sponsors", "3"),
                ("tier", "987654"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "unknown tier");
    assert_eq!(slot_count(&app), 0);

    // A good one, then the same key again.
    let r = editor
        .post(
            "/staff/placements",
            &[
                ("key", "topic:cloud"),
                ("name", "Cloud topic"),
                ("description", "Shown on the cloud guides"),
                ("topic", ""),
                ("max_sponsors", "4"),
                ("tier", &gold),
                ("tier", &silver),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/placements");
    let mut c = app.db();
    let s = slots::find_by_key(&mut c, "topic:cloud")
        .expect("query")
        .expect("created");
    assert_eq!(
        s.topic.as_deref(),
        Some("cloud"),
        "a topic key sets the topic"
    );
    assert_eq!(s.max_sponsors, 4);
    let mut tier_ids = slots::tier_ids(&mut c, s.id).expect("tiers");
    tier_ids.sort();
    assert_eq!(tier_ids, vec![t.gold, t.silver]);
    let audit: Vec<(Option<i64>, String, Option<String>)> = audit_log::table
        .filter(audit_log::action.like("placement_slot.%"))
        .select((
            audit_log::actor_user_id,
            audit_log::action,
            audit_log::record_id,
        ))
        .load(&mut c)
        .expect("audit");
    assert_eq!(
        audit,
        vec![(
            Some(editor_id),
            "placement_slot.create".to_string(),
            Some(s.id.to_string())
        )]
    );
    drop(c);

    let r = editor
        .post(
            "/staff/placements",
            &[
                ("key", "topic:cloud"),
                ("name", "Again"),
                ("max_sponsors", "4"),
                ("tier", &gold),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("Another slot already uses this key"));
    assert!(body.contains("id=\"key-error\""));
    assert_eq!(slot_count(&app), 1);

    // Editing: the key stays, tiers and the rest change, and the change is audited.
    let r = editor
        .post(
            &format!("/staff/placements/{}", s.id),
            &[
                ("key", "hijacked"),
                ("name", "Cloud guides"),
                ("topic", "Cloud"),
                ("max_sponsors", "2"),
                ("tier", &silver),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mut c = app.db();
    let after = slots::find(&mut c, s.id).expect("slot");
    assert_eq!(after.key, "topic:cloud");
    assert_eq!(after.name, "Cloud guides");
    assert_eq!(after.topic.as_deref(), Some("cloud"));
    assert_eq!(after.max_sponsors, 2);
    assert_eq!(
        slots::tier_ids(&mut c, s.id).expect("tiers"),
        vec![t.silver]
    );
    let updates: i64 = audit_log::table
        .filter(audit_log::action.eq("placement_slot.update"))
        .filter(audit_log::record_id.eq(s.id.to_string()))
        .count()
        .get_result(&mut c)
        .expect("audit");
    assert_eq!(updates, 1);
    drop(c);
    let r = editor
        .post(
            &format!("/staff/placements/{}", s.id),
            &[("name", "Cloud guides"), ("max_sponsors", "0")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"max_sponsors-error\"") && body.contains("value=\"0\""));
}

#[tokio::test]
async fn slot_names_and_sponsor_text_are_escaped_everywhere() {
    let app = spawn_quiet().await;
    let evil = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
    let t = tiers(&mut app.db());
    {
        let mut c = app.db();
        let id = active(&mut c, "Acme Cloud", t.gold, "");
        diesel::update(sponsors_t::table.find(id))
            .set((
                sponsors_t::name.eq(evil),
                sponsors_t::tagline.eq(format!("Buy now {evil}")),
            ))
            .execute(&mut c)
            .expect("evil sponsor");
    }
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    let r = editor
        .post(
            "/staff/placements",
            &[
                ("key", "home-footer"),
                ("name", evil),
                ("max_sponsors", "3"),
                ("tier", &t.gold.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let id = slots::find_by_key(&mut app.db(), "home-footer")
        .expect("query")
        .expect("slot")
        .id;
    for (c, path) in [
        (&editor, "/staff/placements".to_string()),
        (&editor, format!("/staff/placements/{id}")),
        (&app.client, "/embed/placements/home-footer".to_string()),
    ] {
        let (status, body) = c.page(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!body.contains("<script>alert(1)"), "{path}");
        assert!(!body.contains("<img src=x"), "{path}");
    }
    // A form shown again with errors escapes what was typed, too.
    let r = editor
        .post(
            "/staff/placements",
            &[("key", evil), ("name", evil), ("max_sponsors", "3")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(!body.contains("<script>alert(1)") && !body.contains("<img src=x"));
}

#[tokio::test]
async fn the_acknowledgement_check_marks_offers_in_visible_sponsors_text() {
    let app = spawn_quiet().await;
    {
        let mut c = app.db();
        let t = tiers(&mut c);
        let pushy = active(&mut c, "Pushy Hosting", t.gold, "");
        diesel::update(sponsors_t::table.find(pushy))
            .set((
                sponsors_t::tagline.eq("Buy now and get 20% off <b>today</b>!"),
                sponsors_t::description.eq("We host things. Use code PYTHON."),
            ))
            .execute(&mut c)
            .expect("pushy");
        let calm = active(&mut c, "Calm Cloud", t.gold, "");
        diesel::update(sponsors_t::table.find(calm))
            .set(sponsors_t::tagline.eq("Donates CDN bandwidth to the package index"))
            .execute(&mut c)
            .expect("calm");
        // Flagged text, but not visible: not this panel's business.
        let hidden = sponsor(&mut c, "Hidden Sales", "", "Limited offer: act now");
        sponsorship(
            &mut c,
            hidden,
            t.gold,
            "invoiced",
            false,
            today(),
            today() + Duration::days(300),
        );
    }
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    let (status, body) = editor.page("/staff/placements").await;
    assert_eq!(status, 200);
    let panel = &body[body.find("Acknowledgement check").expect("panel")..];
    assert!(panel.contains("Pushy Hosting"));
    assert!(
        panel.contains(
            "<mark>Buy now</mark> and get <mark>20% off</mark> &#60;b&#62;today&#60;/b&#62;!"
        ) || panel.contains(
            "<mark>Buy now</mark> and get <mark>20% off</mark> &lt;b&gt;today&lt;/b&gt;!"
        ),
        "{panel}"
    );
    assert!(panel.contains("We host things. <mark>Use code</mark> PYTHON."));
    assert!(!panel.contains("Calm Cloud"));
    assert!(!panel.contains("Hidden Sales"));
}

#[tokio::test]
async fn the_report_sums_a_month_per_sponsor_and_slot() {
    let app = spawn_quiet().await;
    {
        let mut c = app.db();
        let t = tiers(&mut c);
        let acme = sponsor(&mut c, "Acme Cloud", "", "");
        let beta = sponsor(&mut c, "Beta Data", "", "");
        let home = slots::insert(&mut c, "home-footer", "Home footer", "", None, 6, &[t.gold])
            .expect("slot");
        let cloud = slots::insert(
            &mut c,
            "topic:cloud",
            "Cloud topic",
            "",
            Some("cloud"),
            6,
            &[t.gold],
        )
        .expect("slot");
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        for (slot, sponsor, day, imp, clicks) in [
            (home, acme, "2026-03-01", 100, 3),
            (home, acme, "2026-03-15", 50, 2),
            (home, beta, "2026-03-31", 400, 10),
            (cloud, acme, "2026-03-10", 20, 0),
            // Outside March.
            (home, beta, "2026-02-28", 999, 99),
            (home, beta, "2026-04-01", 999, 99),
        ] {
            slots::add_counts(&mut c, slot, sponsor, d(day), imp, clicks).expect("counts");
        }
    }
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (status, body) = staff.page("/staff/placements/report?month=2026-03").await;
    assert_eq!(status, 200);
    assert!(body.contains("March 2026"));
    let tbody = &body[body.find("<tbody>").expect("table")..body.find("</tbody>").expect("end")];
    let rows: Vec<&str> = tbody.split("<tr>").skip(1).collect();
    assert_eq!(rows.len(), 3, "{tbody}");
    let expect = [
        ("Beta Data", "Home footer", "400", "10", "2.5%"),
        ("Acme Cloud", "Home footer", "150", "5", "3.3%"),
        ("Acme Cloud", "Cloud topic", "20", "0", "0.0%"),
    ];
    for (row, (sponsor, slot, imp, clicks, ctr)) in rows.iter().zip(expect) {
        let cells: Vec<String> = row
            .split("<td")
            .skip(1)
            .map(|c| {
                let inner = &c[c.find('>').expect(">") + 1..c.find("</td>").expect("</td>")];
                inner.to_string()
            })
            .collect();
        assert!(cells[0] == sponsor, "{cells:?}");
        assert!(cells[1].starts_with(slot), "{cells:?}");
        assert_eq!(&cells[2..], &[imp, clicks, ctr], "{cells:?}");
    }
    let tfoot = &body[body.find("<tfoot>").expect("totals")..];
    assert!(tfoot.contains(">570<") && tfoot.contains(">15<") && tfoot.contains(">2.6%<"));

    // Another month, the default month, and a bad month.
    let (_, body) = staff.page("/staff/placements/report?month=2026-04").await;
    assert!(body.contains(">999<") && !body.contains(">400<"));
    let (status, body) = staff.page("/staff/placements/report").await;
    assert_eq!(status, 200);
    assert!(body.contains(&today().format("%B %Y").to_string()));
    let (status, body) = staff.page("/staff/placements/report?month=March").await;
    assert_eq!(status, 422);
    assert!(body.contains("id=\"month-error\""));
}
