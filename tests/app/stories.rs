//! Success stories: the workflow from the portal and the editor's desk, its illegal moves,
//! the feedback email, Markdown that cannot run script on the page, in the feed or in an
//! email, the public list (filter, pages, scheduling), the Atom feed, pictures and roles.

use std::str::FromStr;

use diesel::prelude::*;
use steward::db::schema::stories;
use steward::domain::Role;
use steward::domain::story::{Status, check_inert};
use steward::models::stories::StoryText;
use steward::services::Actor;
use steward::services::stories::{self as service, Author};
use steward::web::extract::portal::LinkKind;

use crate::fixtures::public::{active, sponsor, standard_tiers};
use crate::helpers::{TestApp, TestClient, flash, location};

const CONTACT: &str = "pat@acme.example";

/// Markdown with every trick we know, and one good link.
const HOSTILE_BODY: &str = "We use it **everywhere**. [Our site](https://acme.example/).\n\n\
<script>alert('body')</script>\n\n\
<img src=x onerror=alert(1)>\n\n\
![pixel](https://tracker.example/p.gif)\n\n\
[click](javascript:alert(1)) [again](JaVaScRiPt:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)\n\n\
<a href=\"javascript:alert(1)\" onclick=\"alert(2)\">raw link</a>\n\n\
<scr<script>ipt>alert(1)</script>\n\n\
[x]: javascript:alert(1)\n\n[ref link][x]\n\n\
<svg><script>alert(1)</script></svg><iframe src=\"https://evil.example\"></iframe>";

fn story_fields<'a>(title: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("organisation", "Acme Labs"),
        ("category", "science"),
        ("summary", "How Acme's <b>lab</b> runs on it."),
        ("body", body),
    ]
}

/// A sponsor with a contact and an active sponsorship (so it has a public profile).
fn visible_sponsor(app: &TestApp) -> i64 {
    let tiers = standard_tiers(app);
    let id = sponsor(app, "Acme Labs", "acme-labs");
    steward::models::sponsors::add_contact(&mut app.db(), id, "Pat Primary", CONTACT, "primary")
        .expect("contact");
    active(app, id, tiers.gold);
    id
}

fn story_id_from(r: &reqwest::Response, prefix: &str) -> i64 {
    let loc = location(r);
    loc.strip_prefix(prefix)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no story id in {loc}"))
}

fn status_of(app: &TestApp, id: i64) -> String {
    stories::table
        .find(id)
        .select(stories::status)
        .first(&mut app.db())
        .expect("story")
}

fn slug_of(app: &TestApp, id: i64) -> String {
    stories::table
        .find(id)
        .select(stories::slug)
        .first(&mut app.db())
        .expect("story")
}

/// The part of a page between `start` and the next `end`.
fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let i = page
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {page}"));
    let rest = &page[i + start.len()..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

async fn portal(app: &TestApp, sponsor_id: i64) -> TestClient {
    app.link_client(LinkKind::SPONSOR, sponsor_id, CONTACT)
        .await
}

#[tokio::test]
async fn a_sponsor_story_goes_from_draft_through_feedback_to_the_site_feed_and_profile() {
    let app = TestApp::spawn().await;
    let sid = visible_sponsor(&app);
    let sponsor_portal = portal(&app, sid).await;
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;

    // The sponsor writes a draft with hostile Markdown.
    let r = sponsor_portal
        .post(
            "/portal/stories",
            &story_fields("Acme <runs> on it", HOSTILE_BODY),
        )
        .await;
    assert_eq!(r.status(), 303);
    let id = story_id_from(&r, "/portal/stories/");
    assert_eq!(status_of(&app, id), "draft");
    let slug = slug_of(&app, id);
    assert_eq!(slug, "acme-runs-on-it");
    // Not public as a draft.
    assert_eq!(
        app.new_client().page(&format!("/stories/{slug}")).await.0,
        404
    );

    // The portal preview already renders it safely.
    let (_, page) = sponsor_portal.page(&format!("/portal/stories/{id}")).await;
    check_inert(between(&page, "<div class=\"prose\">", "</div>")).expect("portal preview");
    assert!(page.contains("Send to our editors"));

    // Submitted: the sponsor cannot change it any more.
    let r = sponsor_portal
        .post(
            &format!("/portal/stories/{id}/submit"),
            &[("status", "draft")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), "submitted");
    let mut fields = story_fields("Changed while in review", "new text");
    fields.push(("status", "submitted"));
    let r = sponsor_portal
        .post(&format!("/portal/stories/{id}"), &fields)
        .await;
    assert_eq!(r.status(), 409);
    assert!(
        !stories::table
            .find(id)
            .select(stories::title)
            .first::<String>(&mut app.db())
            .expect("title")
            .contains("Changed")
    );

    // The sponsor may take it back before an editor acts, and send it again.
    let r = sponsor_portal
        .post(&format!("/portal/stories/{id}/take-back"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), "draft");
    assert_eq!(
        sponsor_portal
            .post(&format!("/portal/stories/{id}/take-back"), &[])
            .await
            .status(),
        409,
        "a draft cannot be taken back"
    );
    sponsor_portal
        .post(
            &format!("/portal/stories/{id}/submit"),
            &[("status", "draft")],
        )
        .await;
    assert_eq!(status_of(&app, id), "submitted");

    // The editor returns it; the feedback (Markdown, with a trick) is emailed.
    let feedback = "Please add a *photo*.\n\n<script>alert('fb')</script> [x](javascript:alert(1))";
    let r = editor
        .post(
            &format!("/staff/stories/{id}/return"),
            &[("status", "submitted"), ("feedback", feedback)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), "returned");
    let mail = app.wait_for_mail(CONTACT, "story_returned").await;
    assert!(
        mail.subject.contains("Acme <runs> on it"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains(feedback), "{}", mail.text);
    let fb_html = between(&mail.html, "padding-left:12px;\">", "</div>");
    assert!(fb_html.contains("<em>photo</em>"), "{fb_html}");
    check_inert(fb_html).expect("feedback in the email");
    assert!(!mail.html.contains("<script"), "{}", mail.html);
    // The link opens the sponsor's portal on the story.
    assert!(
        mail.text.contains("/portal/enter/") && mail.text.contains("next=/portal/stories/"),
        "{}",
        mail.text
    );
    let (_, page) = sponsor_portal.page(&format!("/portal/stories/{id}")).await;
    assert!(page.contains("Our editors asked for changes"));

    // The sponsor fixes it (allowed again) and sends it back.
    let (_, page) = sponsor_portal.page(&format!("/portal/stories/{id}")).await;
    let seen = between(&page, "name=\"seen\" value=\"", "\"").to_string();
    let mut fields = story_fields("Acme <runs> on it", HOSTILE_BODY);
    fields.push(("status", "returned"));
    fields.push(("seen", &seen));
    fields[3] = ("summary", "How Acme's <b>lab</b> runs on it, with a photo.");
    let r = sponsor_portal
        .post(&format!("/portal/stories/{id}"), &fields)
        .await;
    assert_eq!(r.status(), 303);
    let r = sponsor_portal
        .post(
            &format!("/portal/stories/{id}/submit"),
            &[("status", "returned")],
        )
        .await;
    assert_eq!(r.status(), 303);

    // Published now: the author is told, the page and the feed are safe.
    let r = editor
        .post(
            &format!("/staff/stories/{id}/publish"),
            &[("status", "submitted"), ("publish_on", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, id), "published");
    let mail = app.wait_for_mail(CONTACT, "story_published").await;
    assert!(
        mail.text.contains(&format!("/stories/{slug}")),
        "{}",
        mail.text
    );

    let visitor = app.new_client();
    let (status, page) = visitor.page(&format!("/stories/{slug}")).await;
    assert_eq!(status, 200);
    let prose = between(&page, "<div class=\"prose\">", "</div>");
    check_inert(prose).expect("story page");
    assert!(prose.contains("href=\"https://acme.example/\""), "{prose}");
    assert!(
        prose.contains("&lt;script&gt;"),
        "raw HTML shows as text: {prose}"
    );
    assert!(!page.contains("tracker.example/p.gif\""), "no remote image");
    assert!(page.contains("Acme &#60;runs&#62; on it"), "title escaped");
    assert!(
        page.contains("How Acme&#39;s &#60;b&#62;lab&#60;/b&#62;"),
        "summary escaped"
    );
    assert!(
        page.contains("href=\"/sponsors/acme-labs\""),
        "links to the profile"
    );

    // The list and the sponsor's profile show it.
    let (_, list) = visitor.page("/stories").await;
    assert!(list.contains(&format!("href=\"/stories/{slug}\"")));
    let (_, profile) = visitor.page("/sponsors/acme-labs").await;
    assert!(
        profile.contains(&format!("href=\"/stories/{slug}\"")),
        "{profile}"
    );

    // The feed is valid Atom with the content escaped, and the content is inert HTML.
    let r = visitor.get("/stories/feed.atom").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap_or_default(),
        "application/atom+xml; charset=utf-8"
    );
    let xml = r.text().await.expect("feed");
    assert!(!xml.contains("<script"), "escaped in the XML: {xml}");
    let feed = atom_syndication::Feed::from_str(&xml).expect("valid Atom");
    assert_eq!(feed.entries.len(), 1);
    let e = &feed.entries[0];
    assert_eq!(e.title.value, "Acme <runs> on it");
    assert!(
        e.links[0].href.ends_with(&format!("/stories/{slug}")),
        "{:?}",
        e.links
    );
    let content = e.content.as_ref().expect("content");
    assert_eq!(content.content_type.as_deref(), Some("html"));
    check_inert(content.value.as_deref().unwrap_or_default()).expect("feed content");
    assert!(feed.links.iter().any(|l| l.rel == "self"));

    // The audit log has every step.
    for action in [
        "story.created",
        "story.submitted",
        "story.returned",
        "story.edited",
        "story.published",
    ] {
        assert!(!app.audit(action).is_empty(), "{action} audited");
    }
}

/// A story written by staff in the database, moved along the given statuses.
fn staff_story(app: &TestApp, title: &str, category: &str, path: &[Status]) -> i64 {
    let mut c = app.db();
    let actor = Actor::system("test");
    let id = service::create(
        &mut c,
        &actor,
        &Author::Staff {
            user_id: app.create_staff(
                "Ed",
                &format!("{}@f.example", steward::domain::slug::slugify(title)),
                &[],
            ),
            name: "Ed".into(),
            email: "ed@foundation.example".into(),
        },
        &StoryText {
            title: title.into(),
            organisation: "Org".into(),
            category: category.into(),
            summary: format!("Summary of {title}"),
            body: "Body".into(),
        },
        None,
    )
    .expect("story");
    let today = chrono::Utc::now().date_naive();
    let mut from = Status::Draft;
    for to in path {
        match to {
            Status::Submitted => service::submit(&mut c, &actor, id, from).expect("submit"),
            Status::Published => {
                service::publish(&mut c, &app.state.settings, &actor, id, None, today)
                    .expect("publish")
            }
            Status::Returned => service::return_to_author(
                &mut c,
                &app.state.settings,
                &actor,
                id,
                from,
                "Needs work",
            )
            .expect("return"),
            Status::Draft => {}
        }
        from = *to;
    }
    id
}

#[tokio::test]
async fn illegal_moves_and_bad_input_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    let draft = staff_story(&app, "Draft one", "web", &[]);
    let published = staff_story(
        &app,
        "Published one",
        "web",
        &[Status::Submitted, Status::Published],
    );
    let submitted = staff_story(&app, "Submitted one", "web", &[Status::Submitted]);

    // A draft cannot be published or returned; a published story cannot be submitted.
    for (path, fields) in [
        (
            format!("/staff/stories/{draft}/publish"),
            vec![("status", "draft")],
        ),
        (
            format!("/staff/stories/{draft}/return"),
            vec![("status", "draft"), ("feedback", "x")],
        ),
        (
            format!("/staff/stories/{published}/submit"),
            vec![("status", "published")],
        ),
        // A form that says "draft" for a story that is submitted: stale, refused.
        (
            format!("/staff/stories/{submitted}/submit"),
            vec![("status", "draft")],
        ),
        // Publishing twice.
        (
            format!("/staff/stories/{published}/publish"),
            vec![("status", "submitted")],
        ),
    ] {
        let r = editor.post(&path, &fields).await;
        assert_eq!(r.status(), 409, "{path}");
    }
    assert_eq!(status_of(&app, draft), "draft");
    assert_eq!(status_of(&app, published), "published");
    assert_eq!(status_of(&app, submitted), "submitted");
    // A status that is not one.
    let r = editor
        .post(
            &format!("/staff/stories/{draft}/submit"),
            &[("status", "live")],
        )
        .await;
    assert_eq!(r.status(), 400);

    // Feedback is required; a day in the past is refused; both next to their field.
    let r = editor
        .post(
            &format!("/staff/stories/{submitted}/return"),
            &[("status", "submitted"), ("feedback", "   ")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(page.contains("id=\"feedback-error\""), "{page}");
    for bad in ["2020-01-01", "tomorrow", "2027-02-30"] {
        let r = editor
            .post(
                &format!("/staff/stories/{submitted}/publish"),
                &[("status", "submitted"), ("publish_on", bad)],
            )
            .await;
        assert_eq!(r.status(), 422, "{bad}");
        let page = r.text().await.expect("page");
        assert!(page.contains("id=\"publish_on-error\""), "{bad}: {page}");
        assert!(
            page.contains(&format!("value=\"{bad}\"")),
            "kept what was typed"
        );
    }
    assert_eq!(status_of(&app, submitted), "submitted");
    assert_eq!(app.outbox_count("story_returned"), 0);
    assert_eq!(app.outbox_count("story_published"), 1, "only the fixture's");

    // A published story cannot be deleted; a draft can.
    assert_eq!(
        editor
            .post(&format!("/staff/stories/{published}/delete"), &[])
            .await
            .status(),
        409
    );
    assert_eq!(
        editor
            .post(&format!("/staff/stories/{draft}/delete"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(editor.page(&format!("/staff/stories/{draft}")).await.0, 404);

    // The form keeps what was typed and names each problem.
    let r = editor
        .post(
            "/staff/stories",
            &[
                ("title", ""),
                ("organisation", "Org\nInjected: header"),
                ("category", "<script>"),
                ("summary", ""),
                ("body", "Kept body <b>"),
                ("sponsor_id", "999999"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    for field in ["title", "organisation", "category", "summary", "sponsor_id"] {
        assert!(page.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    assert!(page.contains("Kept body &#60;b&#62;"), "{page}");
    assert_eq!(
        stories::table
            .count()
            .get_result::<i64>(&mut app.db())
            .expect("count"),
        2
    );

    // A stale edit (someone saved after the form was opened) is refused.
    let r = editor
        .post(
            &format!("/staff/stories/{submitted}"),
            &[
                ("title", "Overwrite"),
                ("organisation", "Org"),
                ("category", "web"),
                ("summary", "S"),
                ("body", "B"),
                ("status", "submitted"),
                ("seen", "2020-01-01T00:00:00"),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn stories_are_private_to_their_sponsor_and_to_editors() {
    let app = TestApp::spawn().await;
    let acme = visible_sponsor(&app);
    let other = sponsor(&app, "Other Co", "other-co");
    steward::models::sponsors::add_contact(
        &mut app.db(),
        other,
        "Olga",
        "olga@other.example",
        "primary",
    )
    .expect("contact");
    let acme_portal = portal(&app, acme).await;
    let other_portal = app
        .link_client(LinkKind::SPONSOR, other, "olga@other.example")
        .await;
    let r = acme_portal
        .post("/portal/stories", &story_fields("Ours", "Body"))
        .await;
    let id = story_id_from(&r, "/portal/stories/");

    // Another sponsor: every door is a 404, and nothing changes.
    assert_eq!(
        other_portal.page(&format!("/portal/stories/{id}")).await.0,
        404
    );
    assert_eq!(
        other_portal
            .page(&format!("/portal/stories/{id}/image/s.png"))
            .await
            .0,
        404
    );
    let mut fields = story_fields("Hijacked", "x");
    fields.push(("status", "draft"));
    for path in [
        format!("/portal/stories/{id}"),
        format!("/portal/stories/{id}/submit"),
        format!("/portal/stories/{id}/delete"),
    ] {
        assert_eq!(
            other_portal.post(&path, &fields).await.status(),
            404,
            "{path}"
        );
    }
    assert!(
        !other_portal
            .page("/portal/stories")
            .await
            .1
            .contains("Ours")
    );
    assert_eq!(status_of(&app, id), "draft");

    // Staff without the editor role, and visitors, are kept out of the editors' pages.
    let (sponsorships, _, _) = app.signed_in(&[Role::Sponsorships, Role::Treasurer]).await;
    assert_eq!(sponsorships.page("/staff/stories").await.0, 403);
    assert_eq!(
        sponsorships.page(&format!("/staff/stories/{id}")).await.0,
        403
    );
    assert_eq!(
        sponsorships
            .post(
                &format!("/staff/stories/{id}/publish"),
                &[("status", "submitted")]
            )
            .await
            .status(),
        403
    );
    assert_eq!(sponsorships.page("/staff/stories.csv").await.0, 403);
    let visitor = app.new_client();
    let r = visitor.get("/staff/stories").await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
    assert_eq!(visitor.page("/portal/stories").await.0, 303);

    // No CSRF token, no change.
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    let r = editor
        .post_raw(&format!("/staff/stories/{id}/delete"), &[])
        .await;
    assert_eq!(r.status(), 403);
    // The editor sees it and the nav offers Stories; others' nav does not.
    assert!(
        editor
            .page("/staff")
            .await
            .1
            .contains("href=\"/staff/stories\"")
    );
    assert!(
        !sponsorships
            .page("/staff")
            .await
            .1
            .contains("href=\"/staff/stories\"")
    );
}

#[tokio::test]
async fn the_public_list_filters_pages_and_waits_for_the_publication_day() {
    let app = TestApp::spawn().await;
    let published = [Status::Submitted, Status::Published];
    for i in 0..12 {
        staff_story(
            &app,
            &format!("Science story {i:02}"),
            "science",
            &published,
        );
    }
    staff_story(&app, "Web story", "web", &published);
    staff_story(&app, "Still a draft", "web", &[]);
    staff_story(&app, "Waiting", "web", &[Status::Submitted]);
    // Scheduled for tomorrow: published, but not shown yet.
    let later = staff_story(&app, "Tomorrow's story", "web", &[Status::Submitted]);
    let today = chrono::Utc::now().date_naive();
    service::publish(
        &mut app.db(),
        &app.state.settings,
        &Actor::system("test"),
        later,
        Some(today + chrono::Duration::days(1)),
        today,
    )
    .expect("schedule");

    let v = app.new_client();
    let (_, page) = v.page("/stories").await;
    assert!(page.contains("13 stories, page 1 of 2"), "{page}");
    assert_eq!(page.matches("class=\"card story-card\"").count(), 10);
    assert!(page.contains("href=\"/stories?page=2\""));
    for hidden in ["Still a draft", "Waiting", "Tomorrow"] {
        assert!(!page.contains(hidden), "{hidden}");
    }
    let (_, page2) = v.page("/stories?page=2").await;
    assert_eq!(page2.matches("class=\"card story-card\"").count(), 3);
    let (_, web) = v.page("/stories?category=web").await;
    assert!(
        web.contains("Web story") && !web.contains("Science story"),
        "{web}"
    );
    assert!(web.contains("1 story."), "{web}");
    // Only categories with a public story are offered (a draft or a story scheduled for
    // tomorrow does not count); a chosen category stays offered even when it is empty.
    let filters = |p: &str| {
        p.split("class=\"story-filter\"")
            .nth(1)
            .and_then(|rest| rest.split("</nav>").next())
            .unwrap_or_default()
            .to_string()
    };
    let offered = filters(&page);
    assert!(offered.contains("?category=science") && offered.contains("?category=web"));
    assert!(!offered.contains("?category=data"), "{offered}");
    let (status, empty) = v.page("/stories?category=data").await;
    assert_eq!(status, 200);
    assert!(filters(&empty).contains("?category=data\" aria-current=\"page\""));
    for bad in [
        "/stories?page=3",
        "/stories?page=0",
        "/stories?page=abc",
        "/stories?page=99999999999999999999",
        "/stories?category=nope",
        "/stories/Not_A_Slug",
        "/stories/tomorrow-s-story",
    ] {
        assert_eq!(v.page(bad).await.0, 404, "{bad}");
    }
    // The staff list shows it as scheduled.
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    let (_, staff_list) = editor.page("/staff/stories?status=published").await;
    assert!(staff_list.contains("Tomorrow&#39;s story"), "{staff_list}");
    assert!(staff_list.contains("from "), "{staff_list}");

    let xml = v
        .get("/stories/feed.atom")
        .await
        .text()
        .await
        .expect("feed");
    let feed = atom_syndication::Feed::from_str(&xml).expect("valid Atom");
    assert_eq!(feed.entries.len(), 13);
    assert!(
        feed.entries
            .iter()
            .all(|e| !e.title.value.contains("Tomorrow"))
    );

    // The CSV follows the filter and neutralises formulas.
    staff_story(&app, "=HYPERLINK(\"https://evil.example\")", "web", &[]);
    let r = editor.get("/staff/stories.csv?status=draft").await;
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("csv");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains("Science story"), "{csv}");
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(image::ImageBuffer::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 99])
    }));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

#[tokio::test]
async fn a_picture_is_checked_re_encoded_and_public_only_with_its_published_story() {
    let app = TestApp::spawn().await;
    let sid = visible_sponsor(&app);
    let p = portal(&app, sid).await;
    let r = p
        .post("/portal/stories", &story_fields("With a photo", "Body"))
        .await;
    let id = story_id_from(&r, "/portal/stories/");
    let key_of = |app: &TestApp| -> Option<String> {
        stories::table
            .find(id)
            .select(stories::image_key)
            .first(&mut app.db())
            .expect("story")
    };

    // Not an image, or an SVG: refused with a message, nothing stored.
    for (bytes, name, mime) in [
        (
            b"<svg onload=alert(1)></svg>".to_vec(),
            "x.svg",
            "image/svg+xml",
        ),
        (b"GIF89a not really".to_vec(), "x.png", "image/png"),
    ] {
        let r = p
            .post_multipart(
                &format!("/portal/stories/{id}/image"),
                &[("image_alt".to_string(), "Our lab at work".to_string())],
                "image",
                vec![(bytes, name, mime)],
            )
            .await;
        // The page again, with the message next to the file field and what was typed.
        assert_eq!(r.status(), 422, "{name}");
        let page = r.text().await.expect("page");
        let error = page
            .split("id=\"image-error\"")
            .nth(1)
            .unwrap_or_else(|| panic!("{name}: no message next to the field: {page}"));
        assert!(error.contains("PNG, JPEG or WebP"), "{name}: {error}");
        assert!(
            page.contains("value=\"Our lab at work\""),
            "{name}: the description is kept"
        );
        assert_eq!(key_of(&app), None);
    }
    // A description that cannot be stored is refused next to its own field.
    let r = p
        .post_multipart(
            &format!("/portal/stories/{id}/image"),
            &[("image_alt".to_string(), "x".repeat(300))],
            "image",
            vec![(png(100, 100), "team.png", "image/png")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("id=\"image_alt-error\"")
    );
    assert_eq!(key_of(&app), None);

    // The description typed next to the upload is saved with the picture.
    let r = p
        .post_multipart(
            &format!("/portal/stories/{id}/image"),
            &[(
                "image_alt".to_string(),
                "The team at the 2026 sprint".to_string(),
            )],
            "image",
            vec![(png(1600, 900), "team.png", "image/png")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let key = key_of(&app).expect("stored");
    let (_, page) = p.page(&format!("/portal/stories/{id}")).await;
    assert!(
        page.contains("alt=\"The team at the 2026 sprint\""),
        "{page}"
    );
    // Saving the text leaves the description alone; a new description alone is saved.
    let r = p
        .post_multipart(
            &format!("/portal/stories/{id}/image"),
            &[("image_alt".to_string(), "Our team, 2026".to_string())],
            "image",
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(key_of(&app).as_deref(), Some(key.as_str()));
    let (_, page) = p.page(&format!("/portal/stories/{id}")).await;
    assert!(page.contains("alt=\"Our team, 2026\""), "{page}");
    // The sponsor sees it in the portal; the public does not while it is a draft.
    let r = p.get(&format!("/portal/stories/{id}/image/l.png")).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("png");
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).expect("png");
    assert!(img.width() <= 1200 && img.height() <= 800, "re-sized");
    let public = format!("/media/stories/{key}-l.png");
    assert_eq!(app.new_client().page(&public).await.0, 404);

    // Published: the picture is public, with an exact type.
    p.post(
        &format!("/portal/stories/{id}/submit"),
        &[("status", "draft")],
    )
    .await;
    // Submitted: the sponsor can no longer change the picture.
    let r = p
        .post_multipart(
            &format!("/portal/stories/{id}/image"),
            &[],
            "image",
            vec![(png(100, 100), "other.png", "image/png")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (kind, message) = flash(&r).expect("a flash message");
    assert_eq!(kind, "error", "{message}");
    assert!(message.contains("with our editors"), "{message}");
    assert_eq!(key_of(&app).as_deref(), Some(key.as_str()));
    // Another sponsor cannot change or remove it.
    let other = sponsor(&app, "Other Co", "other-co");
    steward::models::sponsors::add_contact(&mut app.db(), other, "O", "o@other.example", "primary")
        .expect("contact");
    let intruder = app
        .link_client(LinkKind::SPONSOR, other, "o@other.example")
        .await;
    let r = intruder
        .post_multipart(
            &format!("/portal/stories/{id}/image"),
            &[],
            "image",
            vec![(png(100, 100), "x.png", "image/png")],
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        intruder
            .post(&format!("/portal/stories/{id}/image/remove"), &[])
            .await
            .status(),
        404
    );
    assert_eq!(key_of(&app).as_deref(), Some(key.as_str()));
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    editor
        .post(
            &format!("/staff/stories/{id}/publish"),
            &[("status", "submitted")],
        )
        .await;
    let r = app.new_client().get(&public).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let (_, page) = app
        .new_client()
        .page(&format!("/stories/{}", slug_of(&app, id)))
        .await;
    assert!(page.contains(&public), "{page}");
    // Names that are not ours, or a key no public story uses.
    for bad in [
        "/media/stories/%2e%2e%2fsteward.sqlite3".to_string(),
        "/media/stories/zzzz-l.png".to_string(),
        format!("/media/stories/{key}-x.png"),
        format!("/media/stories/{}-l.png", "0".repeat(32)),
    ] {
        assert_eq!(app.new_client().page(&bad).await.0, 404, "{bad}");
    }
    // Taken down: the picture is private again.
    editor
        .post(
            &format!("/staff/stories/{id}/return"),
            &[
                ("status", "published"),
                ("feedback", "Taking it down for a fix."),
            ],
        )
        .await;
    assert_eq!(app.new_client().page(&public).await.0, 404);
}

#[tokio::test]
async fn feedback_to_someone_no_longer_a_contact_carries_no_private_link() {
    let app = TestApp::spawn().await;
    let sid = visible_sponsor(&app);
    let p = portal(&app, sid).await;
    let r = p
        .post("/portal/stories", &story_fields("Ours", "Body"))
        .await;
    let id = story_id_from(&r, "/portal/stories/");
    p.post(
        &format!("/portal/stories/{id}/submit"),
        &[("status", "draft")],
    )
    .await;
    // The author leaves the company: staff remove the contact.
    for c in steward::models::sponsors::contacts(&mut app.db(), sid).expect("contacts") {
        steward::models::sponsors::remove_contact(&mut app.db(), sid, c.id).expect("remove");
    }
    let (editor, _, _) = app.signed_in(&[Role::Editor]).await;
    editor
        .post(
            &format!("/staff/stories/{id}/return"),
            &[("status", "submitted"), ("feedback", "Please add a photo.")],
        )
        .await;
    let mail = app.wait_for_mail(CONTACT, "story_returned").await;
    assert!(!mail.text.contains("/portal/enter/"), "{}", mail.text);
    assert!(mail.text.contains("/portal/link"), "{}", mail.text);
}
