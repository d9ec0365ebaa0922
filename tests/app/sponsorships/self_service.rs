//! Sponsor self-service in the portal: colleagues (primary contacts only), the billing
//! address (primary and billing), the public profile proposed with the advertising check on
//! preview, and one address that is a contact of several sponsors.

use diesel::prelude::*;
use steward::db::schema::{portal_tokens, sponsor_contacts, sponsors};
use steward::domain::Role;
use steward::domain::sponsorship::Status;

use crate::fixtures::NewSponsor;
use crate::fixtures::sponsorships::{
    portal_as, sponsor_with_team, sponsorship, tier, waiting_profile_fingerprint,
};
use crate::helpers::{TestApp, TestClient, flash, location};

/// The sponsor's contacts as (email, role), sorted.
/// Posts the portal's colleague form.
async fn add_colleague(c: &TestClient, name: &str, email: &str, role: &str) -> reqwest::Response {
    c.post(
        "/portal/contacts",
        &[
            ("contact_name", name),
            ("contact_email", email),
            ("contact_role", role),
        ],
    )
    .await
}

fn contacts(app: &TestApp, sponsor_id: i64) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = sponsor_contacts::table
        .filter(sponsor_contacts::sponsor_id.eq(sponsor_id))
        .select((sponsor_contacts::email, sponsor_contacts::role))
        .load(&mut app.db())
        .expect("contacts");
    v.sort();
    v
}

fn contact_id(app: &TestApp, sponsor_id: i64, email: &str) -> i64 {
    sponsor_contacts::table
        .filter(sponsor_contacts::sponsor_id.eq(sponsor_id))
        .filter(sponsor_contacts::email.eq(email))
        .select(sponsor_contacts::id)
        .first(&mut app.db())
        .expect("contact")
}

#[tokio::test]
async fn primary_contacts_manage_colleagues_and_no_one_else_can() {
    let app = TestApp::spawn().await;
    let a = sponsor_with_team(&app, "Acme", "acme");
    let b = sponsor_with_team(&app, "Blue", "blue");
    let before_b = contacts(&app, b);
    let pat = portal_as(&app, a, "pat@acme.example").await;

    let (status, page) = pat.page("/portal/profile").await;
    assert_eq!(status, 200);
    assert!(page.contains("Add a colleague"), "{page}");

    // A primary contact adds a billing colleague; the address is stored lower-cased.
    let r = add_colleague(&pat, "Kim Lee", "Kim@Acme.example", "billing").await;
    assert_eq!(r.status(), 303);
    assert!(
        contacts(&app, a).contains(&("kim@acme.example".into(), "billing".into())),
        "{:?}",
        contacts(&app, a)
    );
    let entry = app.audit("sponsor.contact_add").pop().expect("audit");
    assert_eq!(entry.record_id.as_deref(), Some(a.to_string().as_str()));

    // A billing contact cannot add a primary (nor anyone); a marketing contact neither. They
    // do not even see the form.
    for who in ["bill@acme.example", "mel@acme.example"] {
        let c = portal_as(&app, a, who).await;
        let (_, page) = c.page("/portal/profile").await;
        assert!(!page.contains("Add a colleague"), "{who}");
        assert!(!page.contains("/portal/contacts/"), "{who}");
        let r = add_colleague(&c, "Mallory", "mallory@evil.example", "primary").await;
        assert_eq!(r.status(), 403, "{who}");
        let pat_id = contact_id(&app, a, "pat@acme.example");
        let r = c
            .post(&format!("/portal/contacts/{pat_id}/remove"), &[])
            .await;
        assert_eq!(r.status(), 403, "{who}");
    }
    assert!(
        !contacts(&app, a)
            .iter()
            .any(|(e, _)| e == "mallory@evil.example")
    );

    // Hostile and wrong input: refused next to the field, what was typed kept, nothing added.
    let n = contacts(&app, a).len();
    for (name, email, role, field) in [
        ("", "x@acme.example", "billing", "contact_name"),
        (
            "Eve\r\nBcc: all@x.example",
            "eve@acme.example",
            "billing",
            "contact_name",
        ),
        (
            "Eve",
            "eve@acme.example\r\nBcc: all@x.example",
            "billing",
            "contact_email",
        ),
        ("Eve", "not an address", "billing", "contact_email"),
        ("Eve", "eve@acme.example", "admin", "contact_role"),
        ("Kim again", "kim@acme.example", "billing", "contact_email"),
    ] {
        let r = add_colleague(&pat, name, email, role).await;
        assert_eq!(r.status(), 422, "{name} {email} {role}");
        let body = r.text().await.expect("body");
        assert!(
            body.contains(&format!("id=\"{field}-error\"")),
            "{field}: {body}"
        );
        assert!(body.contains(&format!("id=\"{field}\"")), "{field}");
    }
    assert_eq!(contacts(&app, a).len(), n);
    let r = add_colleague(
        &pat,
        "<script>alert(1)</script>",
        "script@acme.example",
        "marketing",
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, page) = pat.page("/portal/profile").await;
    assert!(!page.contains("<script>alert(1)"));

    // Another sponsor's contact is not found from A's link, and stays.
    let b_pat = contact_id(&app, b, "pat@blue.example");
    let r = pat
        .post(&format!("/portal/contacts/{b_pat}/remove"), &[])
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(contacts(&app, b), before_b);

    // Removing Kim ends Kim's link.
    let kim = portal_as(&app, a, "kim@acme.example").await;
    let kim_id = contact_id(&app, a, "kim@acme.example");
    let r = pat
        .post(&format!("/portal/contacts/{kim_id}/remove"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let r = kim.get("/portal").await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/portal/link"), "{}", location(&r));

    // The last primary contact cannot be removed, not even by themselves.
    let pat_id = contact_id(&app, a, "pat@acme.example");
    let r = pat
        .post(&format!("/portal/contacts/{pat_id}/remove"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (kind, message) = flash(&r).expect("flash");
    assert_eq!(kind, "error");
    assert!(message.contains("needs a primary contact"), "{message}");
    assert!(contacts(&app, a).contains(&("pat@acme.example".into(), "primary".into())));
    // Staff neither: the rule is the same on the sponsor's staff page.
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let r = staff
        .post(
            &format!("/staff/sponsors/{a}/contacts/{pat_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(flash(&r).expect("flash").0, "error");
    assert!(contacts(&app, a).contains(&("pat@acme.example".into(), "primary".into())));

    // Two primary contacts removing each other at once: one wins, a primary remains.
    let r = add_colleague(&pat, "Quinn", "quinn@acme.example", "primary").await;
    assert_eq!(r.status(), 303);
    let quinn = portal_as(&app, a, "quinn@acme.example").await;
    let quinn_id = contact_id(&app, a, "quinn@acme.example");
    let (p1, p2) = (
        format!("/portal/contacts/{quinn_id}/remove"),
        format!("/portal/contacts/{pat_id}/remove"),
    );
    let (r1, r2) = tokio::join!(pat.post(&p1, &[]), quinn.post(&p2, &[]));
    assert!(r1.status().is_redirection() || r1.status() == 403);
    assert!(r2.status().is_redirection() || r2.status() == 403);
    let primaries = contacts(&app, a)
        .into_iter()
        .filter(|(_, r)| r == "primary")
        .count();
    assert_eq!(primaries, 1, "{:?}", contacts(&app, a));

    // A primary who leaves (another primary remaining) loses the link at once.
    let (survivor, other) = if contacts(&app, a)
        .iter()
        .any(|(e, _)| e == "pat@acme.example")
    {
        (pat, "quinn@acme.example")
    } else {
        (quinn, "pat@acme.example")
    };
    let r = add_colleague(&survivor, "Back", other, "primary").await;
    assert_eq!(r.status(), 303);
    let me = contacts(&app, a)
        .into_iter()
        .find(|(e, r)| e != other && r == "primary")
        .expect("me")
        .0;
    let my_id = contact_id(&app, a, &me);
    let r = survivor
        .post(&format!("/portal/contacts/{my_id}/remove"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/portal/link");
    let r = survivor.get("/portal").await;
    assert!(location(&r).starts_with("/portal/link"));
    let live: i64 = portal_tokens::table
        .filter(portal_tokens::scope_id.eq(a))
        .filter(portal_tokens::email.eq(&me))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(live, 0, "the leaver's links are gone");
}

#[tokio::test]
async fn the_profile_is_previewed_with_the_advert_check_and_approved_by_staff() {
    let app = TestApp::spawn().await;
    let a = sponsor_with_team(&app, "Acme", "acme");
    let t = tier(&app, "Gold", 1_000_000, None);
    sponsorship(&app, a, t, Status::Active);
    let mel = portal_as(&app, a, "mel@acme.example").await;
    let advert = [
        ("website", "https://acme.example/"),
        ("tagline", "Buy now: 20% off everything"),
        (
            "description",
            "We build clouds. Use code PYTHON for a free trial.",
        ),
    ];

    // Preview: shown as it would appear, the advertising flagged, nothing saved.
    let mut fields = advert.to_vec();
    fields.push(("action", "preview"));
    let r = mel.post("/portal/profile/description", &fields).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("body");
    assert!(page.contains("read like an advertisement"), "{page}");
    assert!(page.contains("<mark>Buy now</mark>"), "{page}");
    assert!(page.contains("<mark>20% off</mark>"), "{page}");
    assert!(page.contains("<mark>free trial</mark>"), "{page}");
    assert!(
        page.contains("value=\"Buy now: 20% off everything\""),
        "typed kept"
    );
    let pending: Option<String> = sponsors::table
        .find(a)
        .select(sponsors::description_pending)
        .first(&mut app.db())
        .expect("s");
    assert!(pending.is_none(), "a preview saves nothing");
    // A plain text previews clean.
    let r = mel
        .post(
            "/portal/profile/description",
            &[
                ("website", "https://acme.example/"),
                ("tagline", "Clouds for research"),
                ("description", "We use Python across our research teams."),
                ("action", "preview"),
            ],
        )
        .await;
    let page = r.text().await.expect("body");
    assert!(
        page.contains("Nothing reads like an advertisement"),
        "{page}"
    );

    // Sent anyway: the sponsor is warned, and staff see the same flags.
    let mut fields = advert.to_vec();
    fields.push(("action", "send"));
    let r = mel.post("/portal/profile/description", &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(flash(&r).expect("flash").0, "warning");
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (_, page) = staff.page(&format!("/staff/sponsors/{a}")).await;
    assert!(page.contains("Profile update proposed by the sponsor"));
    assert!(page.contains("New website:"), "{page}");
    assert!(page.contains("<mark>Buy now</mark>"), "{page}");
    assert!(page.contains("reads like advertising"), "{page}");
    let seen = waiting_profile_fingerprint(&app, a);
    assert!(page.contains(&seen));
    // Not public yet.
    let (website, tagline): (String, String) = sponsors::table
        .find(a)
        .select((sponsors::website, sponsors::tagline))
        .first(&mut app.db())
        .expect("s");
    assert_eq!(website, "https://example.org/");
    assert_eq!(tagline, "");

    // A newer proposal makes the old decision stale.
    let r = mel
        .post(
            "/portal/profile/description",
            &[
                ("website", "https://acme.example/research"),
                ("tagline", "Clouds for research"),
                ("description", "We use Python across our research teams."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = staff
        .post(
            &format!("/staff/sponsors/{a}/description/approve"),
            &[("seen", &seen)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (website, _): (String, String) = sponsors::table
        .find(a)
        .select((sponsors::website, sponsors::tagline))
        .first(&mut app.db())
        .expect("s");
    assert_eq!(
        website, "https://example.org/",
        "the stale decision changed nothing"
    );
    let (_, page) = staff.page(&format!("/staff/sponsors/{a}")).await;
    let seen = waiting_profile_fingerprint(&app, a);
    assert!(page.contains(&seen));
    let r = staff
        .post(
            &format!("/staff/sponsors/{a}/description/approve"),
            &[("seen", &seen)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let s = steward::models::sponsors::find(&mut app.db(), a).expect("s");
    assert_eq!(s.website, "https://acme.example/research");
    assert_eq!(s.tagline, "Clouds for research");
    assert_eq!(s.description, "We use Python across our research teams.");
    assert!(
        s.description_pending.is_none()
            && s.tagline_pending.is_none()
            && s.website_pending.is_none()
    );
    let (_, public) = app.new_client().page("/sponsors/acme").await;
    assert!(public.contains("Clouds for research"), "{public}");

    // Hostile input: refused next to its field, nothing saved.
    let long = "x".repeat(2001);
    for (website, tagline, description, field) in [
        ("javascript:alert(1)", "", "Fine text.", "website"),
        (
            "https://acme.example/",
            "Two\nlines",
            "Fine text.",
            "tagline",
        ),
        (
            "https://acme.example/",
            &"t".repeat(161),
            "Fine text.",
            "tagline",
        ),
        ("https://acme.example/", "", &long, "description"),
        ("https://acme.example/", "", "  ", "description"),
        (
            "https://acme.example/",
            "",
            "Bell \u{7} ring",
            "description",
        ),
    ] {
        let r = mel
            .post(
                "/portal/profile/description",
                &[
                    ("website", website),
                    ("tagline", tagline),
                    ("description", description),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{field}");
        let body = r.text().await.expect("body");
        assert!(
            body.contains(&format!("id=\"{field}-error\"")),
            "{field}: {body}"
        );
    }
    assert!(
        steward::models::sponsors::find(&mut app.db(), a)
            .expect("s")
            .description_pending
            .is_none()
    );

    // A billing contact does not change the public profile (nor the logo).
    let bill = portal_as(&app, a, "bill@acme.example").await;
    let (_, page) = bill.page("/portal/profile").await;
    assert!(!page.contains("action=\"/portal/profile/description\""));
    let r = bill
        .post(
            "/portal/profile/description",
            &[
                ("website", "https://x.example/"),
                ("tagline", ""),
                ("description", "Hi"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn primary_and_billing_contacts_set_the_billing_address() {
    let app = TestApp::spawn().await;
    let a = sponsor_with_team(&app, "Acme", "acme");
    let b = sponsor_with_team(&app, "Blue", "blue");
    let bill = portal_as(&app, a, "bill@acme.example").await;
    let r = bill
        .post(
            "/portal/profile/billing-address",
            &[("billing_address", "Acme BV\r\nKeizersgracht 1\r\nAmsterdam")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let s = steward::models::sponsors::find(&mut app.db(), a).expect("s");
    assert_eq!(s.billing_address, "Acme BV\nKeizersgracht 1\nAmsterdam");
    assert_eq!(app.audit("sponsor.billing_address").len(), 1);
    // B is untouched: the link's sponsor is the only one written.
    assert_eq!(
        steward::models::sponsors::find(&mut app.db(), b)
            .expect("b")
            .billing_address,
        ""
    );

    let r = bill
        .post(
            "/portal/profile/billing-address",
            &[("billing_address", &"y".repeat(501))],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"billing_address-error\""), "{body}");
    let r = bill
        .post(
            "/portal/profile/billing-address",
            &[("billing_address", "Nul \u{0} byte")],
        )
        .await;
    assert_eq!(r.status(), 422);

    let mel = portal_as(&app, a, "mel@acme.example").await;
    let r = mel
        .post(
            "/portal/profile/billing-address",
            &[("billing_address", "Elsewhere")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        steward::models::sponsors::find(&mut app.db(), a)
            .expect("s")
            .billing_address,
        "Acme BV\nKeizersgracht 1\nAmsterdam"
    );
}

#[tokio::test]
async fn a_contact_of_several_sponsors_sees_them_all_and_switches_between_them() {
    let app = TestApp::spawn().await;
    let t = tier(&app, "Gold", 1_000_000, None);
    let a = sponsor_with_team(&app, "Acme", "acme");
    let b = NewSponsor::named("Blue Sky")
        .org_size(10)
        .country("NL")
        .contact("billing", "pat@acme.example")
        .insert(&mut app.db());
    let stranger = sponsor_with_team(&app, "Stranger", "stranger");
    sponsorship(&app, b, t, Status::Active);
    sponsorship(&app, stranger, t, Status::Active);
    let pat = portal_as(&app, a, "pat@acme.example").await;

    let (_, home) = pat.page("/portal").await;
    assert!(
        home.contains("Other organisations you are a contact for"),
        "{home}"
    );
    assert!(home.contains("Blue Sky"));
    assert!(home.contains("Gold, 1 January 2027"), "{home}");
    assert!(
        !home.contains("Stranger"),
        "only the address's own sponsors"
    );

    // Switching opens B with a link that ends no later than the one in use.
    let before: chrono::NaiveDateTime = portal_tokens::table
        .filter(portal_tokens::scope_id.eq(a))
        .filter(portal_tokens::email.eq("pat@acme.example"))
        .select(portal_tokens::expires_at)
        .first(&mut app.db())
        .expect("token");
    let r = pat
        .post("/portal/switch", &[("sponsor", &b.to_string())])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/portal");
    let (_, home) = pat.page("/portal").await;
    assert!(home.contains("<h1>Blue Sky</h1>"), "{home}");
    assert!(home.contains("Acme"), "and A is listed as the other one");
    let after: chrono::NaiveDateTime = portal_tokens::table
        .filter(portal_tokens::scope_id.eq(b))
        .filter(portal_tokens::email.eq("pat@acme.example"))
        .select(portal_tokens::expires_at)
        .first(&mut app.db())
        .expect("token");
    assert!(after <= before, "{after} <= {before}");
    // As B's billing contact, pat manages no contacts there.
    let (_, page) = pat.page("/portal/profile").await;
    assert!(!page.contains("Add a colleague"));

    // Not a contact of the stranger: 404, and still on B.
    for to in [stranger.to_string(), "abc".into(), "-1".into(), "".into()] {
        let r = pat.post("/portal/switch", &[("sponsor", &to)]).await;
        assert_eq!(r.status(), 404, "{to}");
    }
    let (_, home) = pat.page("/portal").await;
    assert!(home.contains("<h1>Blue Sky</h1>"));
}
