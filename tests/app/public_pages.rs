//! The public sponsor pages: the logo wall, profiles, the thank-you page and the jobs fair.
//! Who is visible when, tier order and sizes, the fair daily order, escaping of everything
//! sponsors write, non-Latin names, empty and crowded pages, and caching.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use steward::domain::Role;
use steward::domain::sponsorship::Status;
use steward::models::{jobs, sponsors};
use steward::services::{self, Actor};

use crate::fixtures::public::{
    active, day, move_to, programme, sponsor, sponsor_with, sponsorship, standard_tiers, tier,
    today,
};
use crate::helpers::TestApp;

fn job(app: &TestApp, sponsor: i64, title: &str, remote: bool, url: &str, expires: NaiveDate) {
    jobs::insert(
        &mut app.db(),
        &jobs::NewJob {
            sponsor_id: sponsor,
            title: title.into(),
            location: "Lisbon, Portugal".into(),
            remote,
            url: url.into(),
            expires_on: expires,
            created_at: steward::models::now(),
        },
    )
    .expect("job");
}

/// The sponsor slugs linked from a stretch of HTML, in order.
fn linked_slugs(html: &str) -> Vec<String> {
    html.split("href=\"/sponsors/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|slug| !slug.starts_with("level/"))
        .map(str::to_string)
        .collect()
}

/// The HTML of the wall section of the tier whose heading id is `anchor`.
fn tier_section<'a>(body: &'a str, anchor: &str) -> &'a str {
    let start = body
        .find(&format!("<h2 id=\"{anchor}\""))
        .unwrap_or_else(|| panic!("no tier {anchor} in {body}"));
    let rest = &body[start..];
    &rest[..rest.find("</section>").expect("section end")]
}

/// Text as askama escapes it for HTML text and attributes.
fn html(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn only_sponsors_visible_today_are_shown_and_others_are_404() {
    let app = TestApp::spawn().await;
    let t = standard_tiers(&app);

    let shown = sponsor(&app, "Shown Active Co", "shown-active");
    active(&app, shown, t.gold);
    // Published early: not paid yet, but staff chose to show it (even before its term).
    let early = sponsor(&app, "Early Bird Co", "early-bird");
    let id = sponsorship(&app, early, t.gold, day(20), day(380), Status::Invoiced);
    services::sponsorships::publish_early(&mut app.db(), &Actor::system("test"), id, true)
        .expect("publish early");
    // Term over, still marked active (the worker has not expired it yet).
    let ended = sponsor(&app, "Ended Term Co", "ended-term");
    sponsorship(&app, ended, t.gold, day(-400), day(-1), Status::Active);
    // Expired by the worker.
    let expired = sponsor(&app, "Expired Status Co", "expired-status");
    let id = sponsorship(&app, expired, t.gold, day(-400), day(-1), Status::Active);
    move_to(&app, id, Status::Active, Status::Expired);
    // Invoiced, unpaid, in its term.
    let unpaid = sponsor(&app, "Unpaid Invoice Co", "unpaid-invoice");
    sponsorship(&app, unpaid, t.gold, day(-30), day(300), Status::Invoiced);
    // Active, but the term has not started (staff marked it active early).
    let future = sponsor(&app, "Future Term Co", "future-term");
    sponsorship(&app, future, t.gold, day(10), day(375), Status::Active);
    // Paid, its term starting next month: the sponsor has done their part and is thanked
    // from the day of payment.
    let paid = sponsor(&app, "Paid Ahead Co", "paid-ahead");
    sponsorship(&app, paid, t.gold, day(30), day(395), Status::Paid);
    // Paid, its term over (the worker has not expired it yet).
    let paid_over = sponsor(&app, "Paid Long Ago Co", "paid-long-ago");
    sponsorship(&app, paid_over, t.gold, day(-400), day(-1), Status::Paid);
    // Applied and rejected.
    let rejected = sponsor(&app, "Rejected Applicant Co", "rejected-applicant");
    let id = sponsorship(&app, rejected, t.gold, day(-30), day(300), Status::Applied);
    move_to(&app, id, Status::Applied, Status::Rejected);
    // Active, then cancelled inside its term.
    let cancelled = sponsor(&app, "Cancelled Deal Co", "cancelled-deal");
    let id = active(&app, cancelled, t.gold);
    move_to(&app, id, Status::Active, Status::Cancelled);
    // Published early, then rejected: the override does not outlive the refusal.
    let withdrawn = sponsor(&app, "Withdrawn Early Co", "withdrawn-early");
    let id = sponsorship(&app, withdrawn, t.gold, day(-30), day(300), Status::Applied);
    services::sponsorships::publish_early(&mut app.db(), &Actor::system("test"), id, true)
        .expect("publish early");
    move_to(&app, id, Status::Applied, Status::Rejected);
    // A sponsor with no sponsorship at all.
    sponsor(&app, "Never Sponsored Co", "never-sponsored");

    let visible = [
        ("Shown Active Co", "shown-active"),
        ("Early Bird Co", "early-bird"),
        ("Future Term Co", "future-term"),
        ("Paid Ahead Co", "paid-ahead"),
    ];
    let hidden = [
        ("Ended Term Co", "ended-term"),
        ("Expired Status Co", "expired-status"),
        ("Unpaid Invoice Co", "unpaid-invoice"),
        ("Paid Long Ago Co", "paid-long-ago"),
        ("Rejected Applicant Co", "rejected-applicant"),
        ("Cancelled Deal Co", "cancelled-deal"),
        ("Withdrawn Early Co", "withdrawn-early"),
        ("Never Sponsored Co", "never-sponsored"),
    ];
    for page in ["/sponsors", "/thanks"] {
        let (status, body) = app.page(page).await;
        assert_eq!(status, 200, "{page}");
        for (name, slug) in visible {
            assert!(body.contains(name), "{page} shows {name}");
            assert!(
                body.contains(&format!("href=\"/sponsors/{slug}\"")),
                "{page}"
            );
        }
        for (name, slug) in hidden {
            assert!(!body.contains(name), "{page} must not show {name}");
            assert!(!body.contains(slug), "{page} must not link {slug}");
        }
    }
    for (name, slug) in visible {
        let (status, body) = app.page(&format!("/sponsors/{slug}")).await;
        assert_eq!(status, 200, "{slug}");
        assert!(
            body.contains(&format!("<h1 dir=\"auto\">{name}</h1>")),
            "{body}"
        );
        assert!(body.contains("Gold sponsor"));
    }
    for (name, slug) in hidden.iter().copied().chain([
        ("", "no-such-sponsor"),
        ("", "Shown-Active"),
        ("", "shown%20active"),
    ]) {
        let r = app.get(&format!("/sponsors/{slug}")).await;
        assert_eq!(r.status(), 404, "{slug}");
        assert_eq!(header(&r, "cache-control"), "no-store", "{slug}");
        let body = r.text().await.expect("body");
        assert!(body.contains("Page not found"), "our error page for {slug}");
        if !name.is_empty() {
            assert!(!body.contains(name), "the 404 does not name {name}");
        }
    }
}

#[tokio::test]
async fn tiers_come_in_display_order_with_their_logo_sizes() {
    let app = TestApp::spawn().await;
    let p = programme(&app, "Foundation sponsorship", today().year());
    // Inserted out of order; Partner and Community share display order 3 (price decides).
    let community = tier(&app, p, "Community", "xs", 3, 50_000);
    let silver = tier(&app, p, "Silver", "m", 2, 1_000_000);
    let partner = tier(&app, p, "Partner", "s", 3, 250_000);
    let visionary = tier(&app, p, "Visionary", "xl", 0, 10_000_000);
    let gold = tier(&app, p, "Gold", "l", 1, 2_500_000);
    for (i, t) in [community, silver, partner, visionary, gold]
        .iter()
        .enumerate()
    {
        let s = sponsor(&app, &format!("Member {i}"), &format!("member-{i}"));
        active(&app, s, *t);
    }
    // Two visible sponsorships in one tier: shown once there. A second tier: shown there too.
    let twice = sponsor(&app, "Twice Gold", "twice-gold");
    active(&app, twice, gold);
    sponsorship(&app, twice, gold, day(-5), day(200), Status::Active);
    active(&app, twice, silver);

    let r = app.get("/sponsors").await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.expect("body");
    let expected = [
        ("tier-visionary", "xl"),
        ("tier-gold", "l"),
        ("tier-silver", "m"),
        ("tier-partner", "s"),
        ("tier-community", "xs"),
    ];
    let mut last = 0;
    for (anchor, size) in expected {
        let at = body
            .find(&format!("<h2 id=\"{anchor}\""))
            .unwrap_or_else(|| panic!("{anchor} missing"));
        assert!(at > last, "{anchor} comes after the tier before it");
        last = at;
        let section = tier_section(&body, anchor);
        assert!(
            section.contains(&format!("<ul class=\"logo-wall size-{size}\">")),
            "{anchor} uses size {size}: {section}"
        );
    }
    let gold_slugs = linked_slugs(tier_section(&body, "tier-gold"));
    assert_eq!(
        gold_slugs.iter().filter(|s| *s == "twice-gold").count(),
        1,
        "one tile per sponsor per tier: {gold_slugs:?}"
    );
    assert_eq!(gold_slugs.len(), 2);
    assert!(linked_slugs(tier_section(&body, "tier-silver")).contains(&"twice-gold".to_string()));
    // Without an approved logo, the tile is the sponsor's name.
    assert!(body.contains("<span class=\"logo-name\" dir=\"auto\">Twice Gold</span>"));

    // The profile names every tier the sponsor is in, best first.
    let (_, profile) = app.page("/sponsors/twice-gold").await;
    let (g, s) = (
        profile.find("Gold sponsor").expect("gold badge"),
        profile.find("Silver sponsor").expect("silver badge"),
    );
    assert!(g < s);
}

#[tokio::test]
async fn an_approved_logo_is_shown_and_a_pending_one_is_not() {
    let app = TestApp::spawn().await;
    let t = standard_tiers(&app);
    let with_logo = sponsor(&app, "Logo Co", "logo-co");
    active(&app, with_logo, t.gold);
    sponsors::set_pending_logo(&mut app.db(), with_logo, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        .expect("pending");
    sponsors::approve_pending_logo(&mut app.db(), with_logo).expect("approve");
    let pending = sponsor(&app, "Pending Logo Co", "pending-logo");
    active(&app, pending, t.silver);
    sponsors::set_pending_logo(&mut app.db(), pending, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
        .expect("pending");

    let (_, body) = app.page("/sponsors").await;
    assert!(
        body.contains(
            "<img src=\"/media/logos/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-l.png\" alt=\"Logo Co\""
        ),
        "{body}"
    );
    assert!(
        !body.contains("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
        "a logo waiting for approval is not shown"
    );
    assert!(body.contains("<span class=\"logo-name\" dir=\"auto\">Pending Logo Co</span>"));
    let (_, profile) = app.page("/sponsors/logo-co").await;
    assert!(profile.contains("src=\"/media/logos/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-l.png\""));
}

#[tokio::test]
async fn the_wall_order_is_fair_changes_daily_and_is_stable_within_a_day() {
    let app = TestApp::spawn().await;
    let t = standard_tiers(&app);
    let mut ids = HashMap::new();
    // Alphabetical names in id order, so any alphabetical or id order would show.
    for (i, letter) in ('a'..='j').enumerate() {
        let name = format!("{} Sponsor", letter.to_ascii_uppercase());
        let id = sponsor(&app, &name, &format!("{letter}-sponsor"));
        sponsorship(&app, id, t.gold, day(-10), day(120), Status::Active);
        ids.insert(id, i);
    }
    let order_on = |d: NaiveDate| -> Vec<i64> {
        let wall = services::public::sponsor_wall(&mut app.db(), d).expect("wall");
        assert_eq!(wall.len(), 1);
        wall[0].sponsors.iter().map(|s| s.id).collect()
    };
    let mut first = HashSet::new();
    let mut alphabetical_days = 0;
    let mut previous: Option<Vec<i64>> = None;
    for n in 0..60 {
        let d = day(n);
        let order = order_on(d);
        assert_eq!(order.len(), 10);
        assert_eq!(order, order_on(d), "the same order all day");
        first.insert(order[0]);
        let mut sorted = order.clone();
        sorted.sort();
        if order == sorted {
            alphabetical_days += 1;
        }
        if let Some(p) = &previous {
            assert_ne!(p, &order, "day {n} has a new order");
        }
        previous = Some(order);
    }
    assert_eq!(first.len(), 10, "every sponsor comes first within 60 days");
    assert!(alphabetical_days <= 1, "not alphabetical");

    // The page shows today's order.
    let (_, body) = app.page("/sponsors").await;
    let slugs = linked_slugs(tier_section(&body, "tier-gold"));
    let wall = services::public::sponsor_wall(&mut app.db(), today()).expect("wall");
    let expected: Vec<String> = wall[0].sponsors.iter().map(|s| s.slug.clone()).collect();
    assert_eq!(slugs, expected);
    let (_, again) = app.page("/sponsors").await;
    assert_eq!(linked_slugs(tier_section(&again, "tier-gold")), expected);
}

#[tokio::test]
async fn everything_sponsors_write_is_escaped_on_every_public_page() {
    let app = TestApp::spawn().await;
    let t = standard_tiers(&app);
    let evil = "<script>alert('name')</script>\" onmouseover=\"alert(1)";
    let id = sponsor_with(&app, evil, "evil-co", |f| {
        f.website = "https://evil.example/about?x=1&y=\"2\"".into();
        f.description = "First <script>alert('desc')</script>\n\n\" onmouseover=\"alert(2)".into();
        f.tagline = "\"><img src=x onerror=alert(3)>".into();
        f.country = "<b>Nowhere</b>".into();
        f.topics = "<i>cloud</i>, security".into();
        f.inkind_description = "<script>alert('inkind')</script> CDN".into();
        f.inkind_value_minor = Some(400_000);
        f.inkind_currency = Some("USD".into());
    });
    active(&app, id, t.gold);
    job(
        &app,
        id,
        "<script>alert('job')</script>\" onmouseover=\"alert(4)",
        true,
        "https://evil.example/jobs?a=1&b=2",
        day(30),
    );
    // Stored past the input checks: a script address must never become a link.
    let sneaky = sponsor_with(&app, "Sneaky Co", "sneaky-co", |f| {
        f.website = "javascript:alert(5)".into();
    });
    active(&app, sneaky, t.silver);
    job(
        &app,
        sneaky,
        "Sneaky job",
        false,
        "javascript:alert(6)",
        day(30),
    );

    for page in [
        "/sponsors",
        "/sponsors/evil-co",
        "/sponsors/sneaky-co",
        "/thanks",
        "/jobs",
    ] {
        let (status, body) = app.page(page).await;
        assert_eq!(status, 200, "{page}");
        assert!(!body.contains("<script>alert"), "{page}: raw script");
        assert!(
            !body.contains("\" onmouseover="),
            "{page}: attribute break-out"
        );
        assert!(!body.contains("<img src=x"), "{page}");
        assert!(!body.contains("<b>Nowhere"), "{page}");
        assert!(!body.contains("<i>cloud"), "{page}");
        assert!(
            !body.to_lowercase().contains("javascript:"),
            "{page}: no script link"
        );
        assert_eq!(
            body.matches("<script").count(),
            1,
            "{page}: only our own script tag"
        );
    }
    let (_, wall) = app.page("/sponsors").await;
    assert!(wall.contains(&format!(">{}</span>", html(evil))), "{wall}");
    assert!(wall.contains(&format!("title=\"{}\"", html(evil))));
    let (_, profile) = app.page("/sponsors/evil-co").await;
    assert!(profile.contains(&html("First <script>alert('desc')</script>")));
    assert!(profile.contains(&html("\"><img src=x onerror=alert(3)>")));
    assert!(profile.contains(&html("<b>Nowhere</b>")));
    // The link goes exactly to the stored website (attribute-escaped, nothing else changed).
    let website = "https://evil.example/about?x=1&y=\"2\"";
    assert!(
        profile.contains(&format!(
            "<a href=\"{}\" rel=\"sponsored noopener\">",
            html(website)
        )),
        "{profile}"
    );
    let in_kind = html("<script>alert('inkind')</script> CDN");
    assert!(profile.contains(&format!("{in_kind} — about $4,000.00 a month")));
    let (_, sneaky_profile) = app.page("/sponsors/sneaky-co").await;
    assert!(
        !sneaky_profile.contains("Website"),
        "no link for a non-web address"
    );
    let (_, thanks) = app.page("/thanks").await;
    assert!(thanks.contains(&format!("{in_kind} — about $4,000.00 a month")));
    let (_, jobs) = app.page("/jobs").await;
    assert!(
        jobs.contains(&format!(
            "<a href=\"{}\" rel=\"sponsored noopener\">{}</a>",
            html("https://evil.example/jobs?a=1&b=2"),
            html("<script>alert('job')</script>\" onmouseover=\"alert(4)")
        )),
        "{jobs}"
    );
    assert!(jobs.contains("Sneaky job"), "listed, but not as a link");
}

#[tokio::test]
async fn descriptions_keep_their_paragraphs_as_plain_text() {
    let app = TestApp::spawn().await;
    let t = standard_tiers(&app);
    let id = sponsor_with(&app, "Para Co", "para-co", |f| {
        f.description =
            "First paragraph.\r\nSame paragraph, new line.\r\n\r\n**Not markdown**".into();
        f.tagline = "Tools for all".into();
        f.country = "Portugal".into();
        f.topics = "cloud, security".into();
    });
    active(&app, id, t.gold);
    let (_, body) = app.page("/sponsors/para-co").await;
    assert!(
        body.contains("<p>First paragraph.<br>Same paragraph, new line.</p>"),
        "{body}"
    );
    assert!(body.contains("<p>**Not markdown**</p>"));
    assert!(body.contains("Tools for all"));
    assert!(body.contains("Portugal"));
    assert!(body.contains("<span class=\"badge\">cloud</span>"));
    assert!(body.contains("<a href=\"https://para-co.example/\" rel=\"sponsored noopener\">"));
}

#[tokio::test]
async fn empty_one_and_three_hundred_sponsors_all_render() {
    let app = TestApp::spawn().await;
    for page in ["/sponsors", "/thanks", "/jobs"] {
        let (status, body) = app.page(page).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            body.contains("class=\"empty-state\""),
            "{page} explains itself"
        );
        assert!(
            !body.contains("class=\"logo-tile\""),
            "{page}: no fake entries"
        );
    }
    let (_, body) = app.page("/sponsors").await;
    assert!(body.contains("No sponsors to show yet"));
    assert!(body.contains("Become a sponsor"));

    let t = standard_tiers(&app);
    let first = sponsor(&app, "Solo Sponsor", "solo-sponsor");
    active(&app, first, t.gold);
    let (status, body) = app.page("/sponsors").await;
    assert_eq!(status, 200);
    assert_eq!(body.matches("class=\"logo-tile\"").count(), 1);
    assert!(!body.contains("No sponsors to show yet"));

    let community = tier(&app, t.programme, "Community", "xs", 5, 10_000);
    for i in 1..300 {
        let id = sponsor(
            &app,
            &format!("Crowd Member {i:03}"),
            &format!("crowd-{i:03}"),
        );
        active(&app, id, if i % 3 == 0 { t.silver } else { community });
    }
    // A busy level shows its first 60 in today's fair order and links to everyone.
    let per_tier = steward::services::public::WALL_PER_TIER;
    let (status, body) = app.page("/sponsors").await;
    assert_eq!(status, 200);
    assert_eq!(
        body.matches("class=\"logo-tile\"").count(),
        1 + 2 * per_tier
    );
    assert!(body.contains("See all 200 Community sponsors"), "{body}");
    assert!(body.contains(&format!("href=\"/sponsors/level/{community}\"")));
    assert!(body.contains("See all 99 Silver sponsors"));
    assert!(
        !body.contains("See all 1 "),
        "a level that fits has no link"
    );
    let (status, body) = app.page("/thanks").await;
    assert_eq!(status, 200);
    assert_eq!(linked_slugs(&body).len(), 1 + 2 * per_tier);
    assert!(body.contains("See all 200 Community sponsors"));

    // Every sponsor of the level is on its pages, once.
    let mut everyone: Vec<String> = Vec::new();
    for page in 1..=2 {
        let (status, body) = app
            .page(&format!("/sponsors/level/{community}?page={page}"))
            .await;
        assert_eq!(status, 200);
        everyone.extend(linked_slugs(&body));
    }
    let unique: HashSet<&String> = everyone.iter().collect();
    assert_eq!((everyone.len(), unique.len()), (200, 200));
    // Past the last page: the last page; a level with nobody or no such level: 404.
    let r = app
        .get(&format!("/sponsors/level/{community}?page=99"))
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/sponsors/level/{community}?page=2").as_str()
    );
    let empty = tier(&app, t.programme, "Patron", "xl", 0, 90_000);
    for path in [
        format!("/sponsors/level/{empty}"),
        "/sponsors/level/999999999".to_string(),
        "/sponsors/level/99999999999999999999999".to_string(),
    ] {
        assert_eq!(app.get(&path).await.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn non_latin_names_appear_intact() {
    let app = TestApp::spawn().await;
    let t = standard_tiers(&app);
    let names = [
        ("株式会社テスト", "kabushiki-test"),
        ("Ελληνική Εταιρεία", "elliniki"),
        ("شركة البرمجيات", "arabic-software"),
        ("Пример Софт", "primer-soft"),
    ];
    for (name, slug) in names {
        let id = sponsor_with(&app, name, slug, |f| {
            f.description = format!("{name} — description, ünïcödé ✓");
            f.inkind_description = format!("{name} servers");
        });
        active(&app, id, t.gold);
    }
    for page in ["/sponsors", "/thanks"] {
        let r = app.get(page).await;
        assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
        let body = r.text().await.expect("body");
        for (name, _) in names {
            assert!(body.contains(name), "{page} shows {name}");
        }
    }
    for (name, slug) in names {
        let (status, body) = app.page(&format!("/sponsors/{slug}")).await;
        assert_eq!(status, 200);
        assert!(body.contains(&format!("<h1 dir=\"auto\">{name}</h1>")));
        assert!(body.contains(&format!("{name} — description, ünïcödé ✓")));
    }
}

#[tokio::test]
async fn the_jobs_page_lists_current_listings_of_active_sponsors_only() {
    let app = TestApp::spawn().await;
    let t = standard_tiers(&app);
    let hiring = sponsor(&app, "Hiring Co", "hiring-co");
    active(&app, hiring, t.silver);
    job(
        &app,
        hiring,
        "Rust engineer",
        true,
        "https://hiring.example/rust",
        day(30),
    );
    job(
        &app,
        hiring,
        "Last day listing",
        false,
        "https://hiring.example/last",
        day(0),
    );
    job(
        &app,
        hiring,
        "Old listing",
        false,
        "https://hiring.example/old",
        day(-1),
    );
    let gold = sponsor(&app, "Gold Hiring Co", "gold-hiring");
    active(&app, gold, t.gold);
    job(
        &app,
        gold,
        "Gold engineer",
        false,
        "https://gold.example/job",
        day(10),
    );
    // Visible through early publication, but not active: no jobs fair yet.
    let early = sponsor(&app, "Early Hiring Co", "early-hiring");
    let id = sponsorship(&app, early, t.gold, day(-30), day(300), Status::Invoiced);
    services::sponsorships::publish_early(&mut app.db(), &Actor::system("test"), id, true)
        .expect("publish early");
    job(
        &app,
        early,
        "Early job",
        false,
        "https://early.example/job",
        day(30),
    );
    let ended = sponsor(&app, "Ended Hiring Co", "ended-hiring");
    sponsorship(&app, ended, t.gold, day(-400), day(-1), Status::Active);
    job(
        &app,
        ended,
        "Ended job",
        false,
        "https://ended.example/job",
        day(30),
    );
    let future = sponsor(&app, "Future Hiring Co", "future-hiring");
    sponsorship(&app, future, t.gold, day(5), day(300), Status::Active);
    job(
        &app,
        future,
        "Future job",
        false,
        "https://future.example/job",
        day(30),
    );
    let nobody = sponsor(&app, "No Sponsorship Co", "no-sponsorship");
    job(
        &app,
        nobody,
        "Nobody job",
        false,
        "https://nobody.example/job",
        day(30),
    );

    let r = app.get("/jobs").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "cache-control"), "public, max-age=60");
    let body = r.text().await.expect("body");
    for shown in ["Rust engineer", "Last day listing", "Gold engineer"] {
        assert!(body.contains(shown), "{shown}");
    }
    for hidden in [
        "Old listing",
        "Early job",
        "Early Hiring Co",
        "Ended job",
        "Future job",
        "Nobody job",
        "No Sponsorship Co",
    ] {
        assert!(!body.contains(hidden), "{hidden} must not be listed");
    }
    assert!(body.contains(
        "<a href=\"https://hiring.example/rust\" rel=\"sponsored noopener\">Rust engineer</a></span> <span class=\"badge badge-success\">Remote</span>"
    ), "{body}");
    assert_eq!(body.matches(">Remote</span>").count(), 1);
    assert!(body.contains("Lisbon, Portugal"));
    assert!(body.contains("3 open positions at 2 sponsors"));
    // The higher tier's listings come first.
    assert!(body.find("Gold engineer") < body.find("Rust engineer"));
    assert!(body.contains("href=\"/sponsors/hiring-co\""));

    // The profile of an active sponsor lists its jobs; an early-published one does not.
    let (_, profile) = app.page("/sponsors/hiring-co").await;
    assert!(profile.contains("Rust engineer") && !profile.contains("Old listing"));
    let (status, profile) = app.page("/sponsors/early-hiring").await;
    assert_eq!(status, 200);
    assert!(!profile.contains("Early job"));
}

#[tokio::test]
async fn the_thank_you_page_names_in_kind_donors_and_what_they_give() {
    let app = TestApp::spawn().await;
    let t = standard_tiers(&app);
    let cdn = sponsor_with(&app, "Sponsor With CDN", "sponsor-cdn", |f| {
        f.inkind_description = "CDN bandwidth".into();
        f.inkind_value_minor = Some(400_000);
        f.inkind_currency = Some("USD".into());
    });
    active(&app, cdn, t.gold);
    // Gives in kind only, no paid sponsorship: thanked, with no profile link.
    sponsor_with(&app, "Hardware Donor", "hardware-donor", |f| {
        f.inkind_description = "Build servers".into();
    });
    // A past sponsor who still gives in kind: thanked.
    let past = sponsor_with(&app, "Past Sponsor Hosting", "past-hosting", |f| {
        f.inkind_description = "Hosting".into();
        f.inkind_value_minor = Some(150_000);
        f.inkind_currency = Some("EUR".into());
    });
    let id = sponsorship(&app, past, t.silver, day(-400), day(-40), Status::Active);
    move_to(&app, id, Status::Active, Status::Expired);
    // An applicant staff turned down, and one still in progress: not announced.
    let rejected = sponsor_with(&app, "Rejected Donor", "rejected-donor", |f| {
        f.inkind_description = "Rejected offer".into();
    });
    let id = sponsorship(&app, rejected, t.gold, day(-30), day(300), Status::Applied);
    move_to(&app, id, Status::Applied, Status::Rejected);
    let pending = sponsor_with(&app, "Pending Donor", "pending-donor", |f| {
        f.inkind_description = "Pending offer".into();
    });
    sponsorship(&app, pending, t.gold, day(-30), day(300), Status::Approved);
    let plain = sponsor(&app, "Plain Gold", "plain-gold");
    active(&app, plain, t.gold);

    let r = app.get("/thanks").await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("CDN bandwidth — about $4,000.00 a month"),
        "{body}"
    );
    assert!(body.contains("Build servers"));
    assert!(body.contains("Hosting — about €1,500.00 a month"));
    assert!(
        body.contains("<span dir=\"auto\">Hardware Donor</span>"),
        "not linked"
    );
    assert!(!body.contains("href=\"/sponsors/hardware-donor\""));
    assert!(!body.contains("href=\"/sponsors/past-hosting\""));
    assert!(body.contains("href=\"/sponsors/sponsor-cdn\""));
    assert!(body.contains("href=\"/sponsors/plain-gold\""));
    for hidden in [
        "Rejected Donor",
        "Rejected offer",
        "Pending Donor",
        "Pending offer",
    ] {
        assert!(!body.contains(hidden), "{hidden}");
    }
    // The tier list comes first, then in-kind support.
    assert!(body.find("id=\"thanks-tier-gold\"") < body.find("id=\"thanks-in-kind\""));
    let (_, profile) = app.page("/sponsors/sponsor-cdn").await;
    assert!(profile.contains("CDN bandwidth — about $4,000.00 a month"));
    assert!(profile.contains("In-kind supporter"));
}

#[tokio::test]
async fn visitors_get_a_shared_cacheable_page_and_staff_their_own() {
    let app = TestApp::spawn().await;
    let t = standard_tiers(&app);
    let id = sponsor(&app, "Cache Co", "cache-co");
    active(&app, id, t.gold);

    for page in ["/sponsors", "/sponsors/cache-co", "/thanks", "/jobs"] {
        let r = app.new_client().get(page).await;
        assert_eq!(r.status(), 200, "{page}");
        assert_eq!(header(&r, "cache-control"), "public, max-age=60", "{page}");
        assert!(
            header(&r, "vary").to_lowercase().contains("cookie"),
            "{page}"
        );
        assert!(
            r.headers().get("set-cookie").is_none(),
            "{page}: a cacheable page sets no cookie"
        );
        assert_eq!(header(&r, "x-frame-options"), "DENY", "{page}");
    }

    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let r = staff.get("/sponsors").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "cache-control"),
        "no-store",
        "a personal page is never cached"
    );
    let body = r.text().await.expect("body");
    assert!(body.contains("Test Staff") && body.contains("Cache Co"));
}

#[tokio::test]
async fn visitors_find_the_public_pages_from_the_navigation() {
    let app = TestApp::spawn().await;
    let (_, home) = app.page("/").await;
    for link in ["href=\"/sponsors\"", "href=\"/thanks\"", "href=\"/jobs\""] {
        assert!(home.contains(link), "home links {link}");
    }
    for (page, current) in [
        ("/sponsors", "<a href=\"/sponsors\" aria-current=\"page\">"),
        ("/thanks", "<a href=\"/thanks\" aria-current=\"page\">"),
        ("/jobs", "<a href=\"/jobs\" aria-current=\"page\">"),
    ] {
        let (_, body) = app.page(page).await;
        assert!(body.contains(current), "{page} marks itself");
        assert_eq!(body.matches("aria-current=\"page\"").count(), 1, "{page}");
    }
}

#[tokio::test]
async fn with_the_public_cache_on_pages_reuse_what_they_read_for_a_few_seconds() {
    let app = TestApp::spawn_with(|s| s.public_cache_secs = 60).await;
    let t = standard_tiers(&app);
    let first = sponsor(&app, "First Sponsor", "first-sponsor");
    active(&app, first, t.gold);
    let (status, body) = app.page("/sponsors").await;
    assert_eq!(status, 200);
    assert!(body.contains("First Sponsor"));
    // A sponsor added now shows once the cached read expires, not on the very next view.
    let second = sponsor(&app, "Second Sponsor", "second-sponsor");
    active(&app, second, t.gold);
    let (_, again) = app.page("/sponsors").await;
    assert!(again.contains("First Sponsor") && !again.contains("Second Sponsor"));
    // Each page has its own entry: the new sponsor's profile is read fresh.
    assert_eq!(app.page("/sponsors/second-sponsor").await.0, 200);
    // Unknown profiles are not cached as anything.
    assert_eq!(app.page("/sponsors/nobody").await.0, 404);
}

#[tokio::test]
async fn home_and_sponsors_pages_lead_to_the_application_and_the_portal_link() {
    let app = TestApp::spawn().await;
    crate::fixtures::applications::gold_tier(&app, None);
    let c = app.new_client();
    let (status, home) = c.page("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("href=\"/sponsor/apply\">Become a sponsor</a>"));
    assert!(home.contains("href=\"/portal/link\">Get your portal link</a>"));
    assert!(!home.contains("reply to our last email"));
    let (status, page) = c.page("/sponsors").await;
    assert_eq!(status, 200);
    // Near the top and again after the logos.
    assert_eq!(page.matches("href=\"/sponsor/apply\"").count(), 2, "{page}");
    assert!(page.contains("id=\"become-sponsor\""));
}

#[tokio::test]
async fn the_jobs_fair_shows_twenty_sponsors_a_page_and_reaches_every_listing() {
    let app = TestApp::spawn().await;
    let t = standard_tiers(&app);
    for i in 0..23 {
        let id = sponsor(
            &app,
            &format!("Hiring Co {i:02}"),
            &format!("hiring-{i:02}"),
        );
        active(&app, id, t.gold);
        job(
            &app,
            id,
            &format!("Engineer {i:02}"),
            true,
            "https://jobs.example/",
            day(30),
        );
    }
    let (status, first) = app.page("/jobs").await;
    assert_eq!(status, 200);
    assert!(
        first.contains("23 open positions at 23 sponsors"),
        "{first}"
    );
    assert_eq!(first.matches("class=\"card job-group\"").count(), 20);
    assert!(first.contains("href=\"/jobs?page=2\""));
    let (status, second) = app.page("/jobs?page=2").await;
    assert_eq!(status, 200);
    assert_eq!(second.matches("class=\"card job-group\"").count(), 3);
    let mut titles: Vec<String> = [first, second]
        .iter()
        .flat_map(|b| {
            b.split("Engineer ")
                .skip(1)
                .map(|r| r[..2].to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 23, "every listing on one page or the other");
    // A page past the end shows the last one; nonsense shows the first.
    let (_, last) = app.page("/jobs?page=999").await;
    assert_eq!(last.matches("class=\"card job-group\"").count(), 3);
    let (status, _) = app.page("/jobs?page=%3Cscript%3E").await;
    assert_eq!(status, 200);
}
