//! The public home page is the foundation's: its own text, its top tiers' sponsors, the newest
//! stories, the grants open now and how to support it. Admins and editors keep the text;
//! public pages carry a description and link-preview tags, private ones none.

use steward::domain::Role;

use crate::fixtures::public::{active, programme, sponsor, tier, today};
use crate::helpers::TestApp;
use chrono::Datelike;

#[tokio::test]
async fn the_home_page_shows_the_top_two_tiers_and_links_to_the_rest() {
    let app = TestApp::spawn().await;
    let p = programme(&app, "Foundation sponsorship", today().year());
    let platinum = tier(&app, p, "Platinum", "xl", 1, 5_000_000);
    let gold = tier(&app, p, "Gold", "l", 2, 2_500_000);
    let bronze = tier(&app, p, "Bronze", "s", 3, 500_000);
    let top = sponsor(&app, "Keystone Corp", "keystone-corp");
    active(&app, top, platinum);
    for i in 0..14 {
        let s = sponsor(
            &app,
            &format!("Gold Member {i:02}"),
            &format!("gold-member-{i:02}"),
        );
        active(&app, s, gold);
    }
    let small = sponsor(&app, "Bronze Helper", "bronze-helper");
    active(&app, small, bronze);

    let (status, body) = app.page("/").await;
    assert_eq!(status, 200);
    assert!(body.contains("href=\"/sponsors/keystone-corp\""), "{body}");
    // Twelve of the fourteen gold sponsors, and a link to all of them.
    assert_eq!(body.matches("href=\"/sponsors/gold-member-").count(), 12);
    assert!(body.contains("See all 14 Gold sponsors"));
    // The third tier is on the sponsors page, not here; the count covers everyone.
    assert!(!body.contains("bronze-helper"));
    assert!(body.contains("All 16 sponsors"));
    // Without stories or open grant programmes, those sections are left out, not empty.
    assert!(!body.contains("What their support makes possible"));
    // The foundation's name leads the header; the product's name is not in it.
    let header = body.split("</header>").next().unwrap_or_default();
    let brand = format!(
        "class=\"brand\" href=\"/\">{}</a>",
        app.state.settings.foundation_name
    );
    assert!(header.contains(&brand), "{header}");
    assert!(!header.contains("Steward"), "{header}");
}

#[tokio::test]
async fn with_the_demo_it_shows_the_newest_stories_and_the_open_grant_programmes() {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    let (newest, _) =
        steward::models::stories::public_page(&mut app.db(), today(), None, 0, 4).expect("stories");
    let open = steward::models::grant_programmes::open(&mut app.db()).expect("programmes");
    assert!(
        newest.len() >= 3 && !open.is_empty(),
        "the demo has stories and grants: {} stories, {} programmes",
        newest.len(),
        open.len()
    );

    let (status, body) = app.page("/").await;
    assert_eq!(status, 200);
    for s in &newest[..3] {
        assert!(
            body.contains(&format!("href=\"/stories/{}\"", s.slug)),
            "{}",
            s.slug
        );
    }
    if let Some(older) = newest.get(3) {
        assert!(!body.contains(&format!("href=\"/stories/{}\"", older.slug)));
    }
    for p in &open {
        assert!(body.contains(&p.name.replace('&', "&#38;")), "{}", p.name);
    }
    assert!(body.contains("href=\"/sponsor/apply\">Become a sponsor</a>"));
    // The demo's own words about the foundation, and its description in the head.
    assert!(body.contains("is the non-profit home of an open-source language"));
    assert!(
        body.contains("<meta name=\"description\" content=\"The non-profit behind the language")
    );
}

#[tokio::test]
async fn admins_and_editors_keep_the_text_and_it_is_shown_as_plain_text() {
    let app = TestApp::spawn().await;
    // Who may: admins and editors; sponsorship staff and visitors may not.
    let (sponsorships, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    assert_eq!(sponsorships.page("/staff/settings/site").await.0, 403);
    let r = sponsorships
        .post(
            "/staff/settings/site",
            &[("about", "Hijacked"), ("description", "")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let visitor = app.new_client();
    let r = visitor.get("/staff/settings/site").await;
    assert_eq!(r.status(), 303, "visitors are sent to sign in");
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    assert_eq!(admin.page("/staff/settings/site").await.0, 200);
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    let (status, form) = editor.page("/staff/settings/site").await;
    assert_eq!(status, 200);
    assert!(
        form.contains("Left empty, the page says"),
        "the default is shown"
    );

    // Refused, next to its field, and nothing saved: too long, and a control character.
    let r = editor
        .post(
            "/staff/settings/site",
            &[("about", "Fine text."), ("description", &"x".repeat(301))],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("body");
    assert!(page.contains("<title>Error: "));
    assert!(page.contains("id=\"description-error\""));
    assert!(page.contains("Fine text."), "what was typed is kept");
    let r = editor
        .post(
            "/staff/settings/site",
            &[("about", "bell\u{7}"), ("description", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("id=\"about-error\""));
    assert_eq!(app.audit_count("settings.site"), 0);
    let (_, home) = app.page("/").await;
    assert!(!home.contains("Fine text."));

    // Saved: paragraphs split on blank lines, markup shown as text, the description in the head.
    let r = editor
        .post(
            "/staff/settings/site",
            &[
                ("about", "We keep <b>the lights</b> on.\r\n\r\nAnd we <script>alert(1)</script> fund grants."),
                ("description", "Keeping \"the lights\" on since 2001."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.audit_count("settings.site"), 1);
    let (_, home) = app.page("/").await;
    assert!(
        home.contains("We keep &#60;b&#62;the lights&#60;/b&#62; on.</p>"),
        "{home}"
    );
    assert!(home.contains("And we &#60;script&#62;alert(1)&#60;/script&#62; fund grants.</p>"));
    assert!(!home.contains("<script>alert"));
    assert!(home.contains(
        "<meta name=\"description\" content=\"Keeping &#34;the lights&#34; on since 2001.\">"
    ));
    assert!(home.contains(
        "<meta property=\"og:description\" content=\"Keeping &#34;the lights&#34; on since 2001.\">"
    ));
    // Saving the same again changes nothing and records nothing.
    let r = editor
        .post(
            "/staff/settings/site",
            &[
                ("about", "We keep <b>the lights</b> on.\n\nAnd we <script>alert(1)</script> fund grants."),
                ("description", "Keeping \"the lights\" on since 2001."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.audit_count("settings.site"), 1);
}

#[tokio::test]
async fn public_pages_describe_themselves_and_private_pages_do_not() {
    let app = TestApp::spawn().await;
    let base = app
        .state
        .settings
        .base_url
        .trim_end_matches('/')
        .to_string();
    for path in [
        "/",
        "/sponsors",
        "/stories",
        "/thanks",
        "/jobs",
        "/grants",
        "/login",
        "/sponsor/apply",
    ] {
        let (status, body) = app.page(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            body.contains("<meta name=\"description\" content=\""),
            "{path}"
        );
        assert!(body.contains("<meta property=\"og:title\""), "{path}");
        assert!(
            body.contains(&format!(
                "<meta property=\"og:url\" content=\"{base}{path}\">"
            )),
            "{path}"
        );
    }
    let (staff, _, _) = app.signed_in(&[Role::Admin]).await;
    let (status, dashboard) = staff.page("/staff").await;
    assert_eq!(status, 200);
    assert!(!dashboard.contains("name=\"description\""));
    assert!(!dashboard.contains("og:url"));
    let (status, link) = app.page("/portal/link").await;
    assert_eq!(status, 200);
    assert!(
        !link.contains("og:url"),
        "the portal's pages are not previewed"
    );
}

#[tokio::test]
async fn editors_get_their_own_home_page_with_the_edit_link_and_visitors_a_shared_one() {
    let app = TestApp::spawn().await;
    let visitor = app.new_client().get("/").await;
    assert_eq!(visitor.status(), 200);
    let cache = visitor
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(cache.contains("public"), "{cache}");
    let body = visitor.text().await.expect("body");
    assert!(!body.contains("Change this text"));
    // The home page's title is the foundation's name, once.
    let foundation = &app.state.settings.foundation_name;
    assert!(
        body.contains(&format!("<title>{foundation}</title>")),
        "{body}"
    );

    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    let r = editor.get("/").await;
    let cache = r
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cache.contains("no-store"),
        "a personal page is not cached: {cache}"
    );
    let body = r.text().await.expect("body");
    assert!(body.contains("href=\"/staff/settings/site\">Change this text</a>"));
    assert!(body.contains("Go to your dashboard"));
    // Sponsorship staff may not change it, so are not offered to.
    let (other, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (_, body) = other.page("/").await;
    assert!(!body.contains("Change this text"));
}

#[tokio::test]
async fn with_the_public_cache_on_the_home_page_reuses_what_it_read_for_a_few_seconds() {
    let app = TestApp::spawn_with(|s| s.public_cache_secs = 60).await;
    let p = programme(&app, "Foundation sponsorship", today().year());
    let gold = tier(&app, p, "Gold", "l", 1, 2_500_000);
    let first = sponsor(&app, "First Sponsor", "first-sponsor");
    active(&app, first, gold);
    let (status, body) = app.page("/").await;
    assert_eq!(status, 200);
    assert!(body.contains("first-sponsor"));
    // A sponsor added now shows once the shared read expires, not on the very next view.
    let second = sponsor(&app, "Second Sponsor", "second-sponsor");
    active(&app, second, gold);
    let (_, again) = app.page("/").await;
    assert!(again.contains("first-sponsor") && !again.contains("second-sponsor"));
}
