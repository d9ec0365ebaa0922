//! Prospects: stages and follow-ups (also when two people act at once), lapsed sponsors,
//! applications finding their prospect, the ask with the organisation's own usage and its
//! private page, and the wish not to be contacted.

use steward::domain::Role;
use steward::domain::sponsorship::Status;

use crate::fixtures::applications::{new_key, post_application, set, valid_form};
use crate::fixtures::outreach::{prospect, prospects, succeeded, upload_and_read, usage_csv};
use crate::fixtures::public::{day, programme, sponsor, sponsorship, tier, today};
use crate::helpers::{TestApp, TestClient, flash, link_path};
use chrono::Datelike;

/// A prospect with a contact and a year of usage (four quarters of downloads), imported and
/// confirmed through the pages.
async fn with_usage(app: &TestApp, staff: &TestClient) -> i64 {
    let p = prospect(app, "Delta Dynamics", "delta.example");
    let y = today().year() - 1;
    let q = |n: u32| format!("{y}-Q{n}");
    let file = usage_csv(&[
        (
            "Delta Dynamics",
            "delta.example",
            &q(1),
            "Package downloads",
            "packages",
            "12,000,000",
        ),
        (
            "Delta Dynamics",
            "delta.example",
            &q(2),
            "Package downloads",
            "packages",
            "12,000,000",
        ),
        (
            "Delta Dynamics",
            "delta.example",
            &q(3),
            "Package downloads",
            "packages",
            "12,000,000",
        ),
        (
            "Delta Dynamics",
            "delta.example",
            &q(4),
            "Package downloads",
            "packages",
            "12,000,000",
        ),
        (
            "Echo Other",
            "echo.example",
            &q(4),
            "Package downloads",
            "packages",
            "777,777",
        ),
    ]);
    let (id, i) = upload_and_read(app, staff, file).await;
    assert_eq!(i.status, "review");
    staff
        .post(
            &format!("/staff/usage/imports/{id}/unmatched"),
            &[("choice", "new")],
        )
        .await;
    let r = staff
        .post(&format!("/staff/usage/imports/{id}/confirm"), &[])
        .await;
    succeeded(&r);
    let r = staff
        .post(
            &format!("/staff/prospects/{p}/contacts"),
            &[
                ("contact_name", "Dana Delta"),
                ("contact_email", "dana@delta.example"),
                ("contact_role", "CTO"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    p
}

#[tokio::test]
async fn the_ask_carries_their_usage_and_a_private_page_that_expires() {
    let app = TestApp::spawn().await;
    let prog = programme(&app, "Sponsorship", today().year());
    tier(&app, prog, "Gold", "l", 1, 2_500_000);
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let p = with_usage(&app, &staff).await;

    // The list ranks by usage: Delta (48 million) above Echo.
    let (_, list) = staff.page("/staff/prospects").await;
    let delta = list.find("Delta Dynamics").expect("listed");
    let echo = list.find("Echo Other").expect("listed");
    assert!(delta < echo, "ranked by usage");
    assert!(list.contains("48 million"), "{list}");

    let (status, form) = staff.page(&format!("/staff/prospects/{p}/ask")).await;
    assert_eq!(status, 200);
    assert!(
        form.contains("Package downloads: <strong>48 million packages</strong>"),
        "{form}"
    );
    // Without a subject nothing is sent and the message is kept.
    let contact = steward::models::prospects::contacts(&mut app.db(), p).expect("contacts")[0].id;
    let cid = contact.to_string();
    let r = staff
        .post(
            &format!("/staff/prospects/{p}/ask"),
            &[
                ("contact", &cid),
                ("subject", ""),
                ("message", "Dear friends"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("Dear friends") && body.contains("subject-error"),
        "{body}"
    );
    assert_eq!(app.outbox_count("outreach"), 0);

    let r = staff
        .post(
            &format!("/staff/prospects/{p}/ask"),
            &[
                ("contact", &cid),
                ("subject", "Delta and us"),
                ("message", "Your teams rely on us."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mail = app.wait_for_mail("dana@delta.example", "outreach").await;
    assert!(mail.text.contains("48 million packages"), "{}", mail.text);
    let page = link_path(&mail.text, "/usage/");
    let stop = format!("{page}/stop");
    assert!(mail.text.contains(&stop));
    // Identified → contacted, a follow-up set, everything on the timeline.
    let row = steward::models::prospects::find(&mut app.db(), p).expect("prospect");
    assert_eq!(row.stage, "contacted");
    assert_eq!(row.follow_up_on, Some(today() + chrono::Duration::days(14)));
    let (_, timeline) = staff.page(&format!("/staff/prospects/{p}/timeline")).await;
    assert!(timeline.contains("prospect.outreach") && timeline.contains("Delta and us"));

    // The private page shows this organisation's figures and prices, and nobody else's.
    let visitor = app.new_client();
    let (status, body) = visitor.page(&page).await;
    assert_eq!(status, 200);
    assert!(body.contains("Delta Dynamics"));
    assert!(body.contains("12 million"), "{body}");
    assert!(!body.contains("Echo Other") && !body.contains("777,777"));
    assert!(
        body.contains("Gold") && body.contains("25,000.00"),
        "{body}"
    );
    assert!(
        !body.contains("og:url"),
        "a private page has no preview tags"
    );
    let (_, timeline) = staff.page(&format!("/staff/prospects/{p}/timeline")).await;
    assert!(timeline.contains("prospect.usage_page_opened"));
    // A guessed token finds nothing.
    let (status, _) = visitor
        .page("/usage/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!(status, 410);
    // Once expired, the page is gone; the way to stop hearing from us still works.
    {
        use diesel::prelude::*;
        use steward::db::schema::usage_links as l;
        diesel::update(l::table)
            .set(l::expires_at.eq(steward::models::now() - chrono::Duration::minutes(1)))
            .execute(&mut *app.db())
            .expect("expire");
    }
    let (status, body) = visitor.page(&page).await;
    assert_eq!(status, 410);
    assert!(!body.contains("Delta Dynamics"));
    let (status, body) = visitor.page(&stop).await;
    assert_eq!(status, 200);
    assert!(body.contains("dana@delta.example"));
    let r = visitor.post(&stop, &[]).await;
    assert_eq!(r.status(), 303);
    assert!(
        steward::models::usage::is_do_not_contact(&mut app.db(), "DANA@delta.example")
            .expect("wish")
    );
    // The next ask to that contact is refused, and nothing is written.
    let before = app.outbox_count("outreach");
    let r = staff
        .post(
            &format!("/staff/prospects/{p}/ask"),
            &[
                ("contact", &cid),
                ("subject", "Again"),
                ("message", "Hello again"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("asked not to be contacted")
    );
    assert_eq!(app.outbox_count("outreach"), before);
}

/// A stand-in message of any kind, to try the do-not-contact rule on every kind there is.
struct AnyKind(&'static str);

impl steward::email::Email for AnyKind {
    fn kind(&self) -> &'static str {
        self.0
    }
    fn subject(&self) -> askama::Result<String> {
        Ok("Subject".into())
    }
    fn text(&self) -> askama::Result<String> {
        Ok("Text".into())
    }
    fn html(&self) -> askama::Result<String> {
        Ok("<p>Text</p>".into())
    }
}

#[tokio::test]
async fn the_wish_not_to_be_contacted_holds_for_every_kind_but_legal_and_payment_notices() {
    let app = TestApp::spawn().await;
    let to = steward::domain::EmailAddress::parse("stop@example.org").expect("address");
    steward::models::usage::add_do_not_contact(&mut app.db(), "Stop@example.org", "test")
        .expect("wish");
    // Every kind of email there is: one folder of templates each.
    let mut kinds: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/emails"))
            .expect("templates")
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
    kinds.sort();
    assert!(kinds.len() >= 25, "{kinds:?}");
    let legal_or_payment = [
        "agreement_accepted",
        "agreement_accepted_staff",
        "agreement_sent",
        "grant_payment_sent",
        "grant_portal_link",
        "invite",
        "invoice_issued",
        "invoice_voided",
        "password_changed",
        "password_reset",
        "portal_link",
        "receipt",
    ];
    for kind in &kinds {
        let k: &'static str = Box::leak(kind.clone().into_boxed_str());
        let queued = steward::email::enqueue(
            &mut app.db(),
            &to,
            steward::email::About::Account,
            &AnyKind(k),
        )
        .expect("enqueue");
        assert_eq!(
            queued.is_some(),
            legal_or_payment.contains(&k),
            "{kind}: sent {}",
            queued.is_some()
        );
    }
    assert_eq!(
        app.audit_count("email.held_back") as usize,
        kinds.len() - legal_or_payment.len()
    );
    // Others are not affected.
    let other = steward::domain::EmailAddress::parse("other@example.org").expect("address");
    assert!(
        steward::email::enqueue(
            &mut app.db(),
            &other,
            steward::email::About::Account,
            &AnyKind("outreach")
        )
        .expect("enqueue")
        .is_some()
    );
}

#[tokio::test]
async fn stage_moves_and_edits_made_at_once_give_one_result_and_a_clear_message() {
    let app = TestApp::spawn().await;
    let p = prospect(&app, "Zeta Works", "zeta.example");
    let (a, me, _) = app.signed_in(&[Role::Sponsorships]).await;
    let (b, _, _) = app.signed_in(&[Role::Admin]).await;
    let path = format!("/staff/prospects/{p}/stage");
    let (ra, rb) = tokio::join!(
        a.post(&path, &[("seen", "identified"), ("to", "contacted")]),
        b.post(&path, &[("seen", "identified"), ("to", "in_conversation")]),
    );
    let flashes = [flash(&ra), flash(&rb)];
    let wins = flashes
        .iter()
        .filter(|f| f.as_ref().is_some_and(|(k, _)| k == "success"))
        .count();
    assert_eq!(wins, 1, "{flashes:?}");
    assert!(
        flashes.iter().any(|f| f
            .as_ref()
            .is_some_and(|(k, m)| k == "error" && m.contains("meanwhile"))),
        "{flashes:?}"
    );
    assert_eq!(app.audit_count("prospect.stage"), 1);
    // "Not now" needs its date, shown beside the field; an illegal move is refused.
    let stage = steward::models::prospects::find(&mut app.db(), p)
        .expect("p")
        .stage;
    let r = a.post(&path, &[("seen", &stage), ("to", "not_now")]).await;
    assert_eq!(r.status(), 422, "{stage}");
    assert!(r.text().await.expect("body").contains("not_before-error"));
    let r = a.post(&path, &[("seen", "won"), ("to", "declined")]).await;
    assert!(
        flash(&r).is_some_and(|(k, _)| k == "error"),
        "{:?}",
        flash(&r)
    );

    // Two people save the details from the same copy of the page: one is saved, the other
    // is told and changes nothing.
    let version = steward::models::prospects::find(&mut app.db(), p)
        .expect("p")
        .version
        .to_string();
    let me = me.to_string();
    let due = today().to_string();
    let form = |notes: &'static str| {
        vec![
            ("name", "Zeta Works"),
            ("domain", "zeta.example"),
            ("owner_id", me.as_str()),
            ("follow_up_on", due.as_str()),
            ("version", version.as_str()),
            ("notes", notes),
        ]
    };
    let (fa, fb) = (form("from A"), form("from B"));
    let edit = format!("/staff/prospects/{p}");
    let (ra, rb) = tokio::join!(a.post(&edit, &fa), b.post(&edit, &fb));
    let flashes = [flash(&ra), flash(&rb)];
    assert_eq!(
        flashes
            .iter()
            .filter(|f| f.as_ref().is_some_and(|(k, _)| k == "success"))
            .count(),
        1,
        "{flashes:?}"
    );
    let saved = steward::models::prospects::find(&mut app.db(), p).expect("p");
    assert!(saved.notes == "from A" || saved.notes == "from B");
    // Bad input is refused beside its field, nothing saved.
    let bad = vec![
        ("name", ""),
        ("domain", "not a domain"),
        ("follow_up_on", "soon"),
        ("version", "0"),
    ];
    let r = a.post(&format!("/staff/prospects/{p}"), &bad).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    for field in ["name", "domain", "follow_up_on"] {
        assert!(body.contains(&format!("{field}-error")), "{field}");
    }

    // The follow-up, due today and owned by A: on A's dashboard, and in one email a day.
    let (_, dash) = a.page("/staff").await;
    assert!(
        dash.contains("follow-up") && dash.contains("Zeta Works"),
        "{dash}"
    );
    assert!(saved.stage().is_open(), "both moves lead to an open stage");
    app.housekeeping(today());
    app.housekeeping(today());
    assert_eq!(app.outbox_count("follow_up_digest"), 1);
}

#[tokio::test]
async fn a_lapsed_sponsor_becomes_a_prospect_once_and_an_application_finds_its_prospect() {
    let app = TestApp::spawn().await;
    let prog = programme(&app, "Sponsorship", today().year());
    let gold = tier(&app, prog, "Gold", "l", 1, 2_500_000);
    let lapsed = sponsor(&app, "Lapsed Labs", "lapsed-labs");
    // One person as primary and billing contact: one contact of the prospect.
    for role in ["primary", "billing"] {
        steward::models::sponsors::add_contact(
            &mut app.db(),
            lapsed,
            "Lee",
            "lee@lapsed.example",
            role,
        )
        .expect("contact");
    }
    sponsorship(&app, lapsed, gold, day(-400), day(-35), Status::Expired);
    let renewed = sponsor(&app, "Loyal Ltd", "loyal-ltd");
    sponsorship(&app, renewed, gold, day(-400), day(-35), Status::Expired);
    sponsorship(&app, renewed, gold, day(-34), day(330), Status::Active);
    // Two instances at once, then again: one prospect.
    let (a, b) = (app.state.clone(), app.state.clone());
    let ta = std::thread::spawn(move || {
        steward::services::prospects::lapsed_to_prospects(&mut a.db.get().expect("c"))
    });
    let tb = std::thread::spawn(move || {
        steward::services::prospects::lapsed_to_prospects(&mut b.db.get().expect("c"))
    });
    for t in [ta, tb] {
        t.join()
            .expect("thread")
            .expect("both instances finish without error");
    }
    app.housekeeping(today());
    let all = prospects(&app);
    assert_eq!(
        all.iter().filter(|p| p.3 == Some(lapsed)).count(),
        1,
        "{all:?}"
    );
    assert!(
        !all.iter().any(|p| p.3 == Some(renewed)),
        "a renewed sponsor is not a prospect"
    );
    let lapsed_prospect = all
        .iter()
        .find(|p| p.3 == Some(lapsed))
        .expect("prospect")
        .0;
    assert_eq!(
        steward::models::prospects::contacts(&mut app.db(), lapsed_prospect)
            .expect("contacts")
            .len(),
        1
    );
    assert_eq!(app.audit_count("prospect.lapsed"), 1);

    // An organisation on the list applies on the website: its prospect is linked and moves
    // to "applied"; no second prospect appears.
    let p = prospect(&app, "Omega Org", "omega.example");
    let mut form = valid_form(gold, &new_key());
    set(&mut form, "name", "Omega Org Inc.");
    set(&mut form, "website", "https://www.omega.example/");
    set(&mut form, "primary_email", "ada@omega.example");
    set(&mut form, "billing_email", "billing@omega.example");
    let r = post_application(&app.new_client(), &form).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let row = steward::models::prospects::find(&mut app.db(), p).expect("p");
    assert_eq!(row.stage, "applied");
    let sponsor_id = row.sponsor_id.expect("linked to the new sponsor");
    let sid = row.sponsorship_id.expect("linked to the application");
    assert_eq!(
        steward::models::sponsorships::find(&mut app.db(), sid)
            .expect("application")
            .sponsor_id,
        sponsor_id
    );
    let (_, timeline) = {
        let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
        staff.page(&format!("/staff/prospects/{p}/timeline")).await
    };
    assert!(timeline.contains("prospect.applied"), "{timeline}");
    assert_eq!(
        prospects(&app)
            .iter()
            .filter(|x| x.1 == "Omega Org")
            .count(),
        1
    );
    // The application is turned down: the prospect is back in conversation and is the
    // organisation's again, not the new sponsor record's.
    crate::fixtures::public::move_to(&app, sid, Status::Applied, Status::Rejected);
    app.housekeeping(today());
    let row = steward::models::prospects::find(&mut app.db(), p).expect("p");
    assert_eq!(row.stage, "in_conversation");
    assert_eq!((row.sponsor_id, row.sponsorship_id), (None, None));
}

#[tokio::test]
async fn not_now_holds_the_ask_until_its_day_and_then_the_follow_up_is_due() {
    let app = TestApp::spawn().await;
    let (staff, me, _) = app.signed_in(&[Role::Sponsorships]).await;
    let p = prospect(&app, "Theta Tools", "theta.example");
    staff
        .post(
            &format!("/staff/prospects/{p}/contacts"),
            &[
                ("contact_name", "Tess"),
                ("contact_email", "tess@theta.example"),
            ],
        )
        .await;
    let later = (today() + chrono::Duration::days(30)).to_string();
    let r = staff
        .post(
            &format!("/staff/prospects/{p}/stage"),
            &[
                ("seen", "identified"),
                ("to", "not_now"),
                ("not_before", &later),
            ],
        )
        .await;
    succeeded(&r);
    let cid = steward::models::prospects::contacts(&mut app.db(), p).expect("c")[0]
        .id
        .to_string();
    let r = staff
        .post(
            &format!("/staff/prospects/{p}/ask"),
            &[("contact", &cid), ("subject", "Hi"), ("message", "Hello")],
        )
        .await;
    assert!(
        flash(&r).is_some_and(|(k, m)| k == "error" && m.contains("not to ask before")),
        "{:?}",
        flash(&r)
    );
    assert_eq!(app.outbox_count("outreach"), 0);
    // An owner that may not open prospects is refused beside the field.
    let editor = app.create_staff("Ed", "ed@foundation.example", &[Role::Editor]);
    let version = steward::models::prospects::find(&mut app.db(), p)
        .expect("p")
        .version
        .to_string();
    let r = staff
        .post(
            &format!("/staff/prospects/{p}"),
            &[
                ("name", "Theta Tools"),
                ("owner_id", &editor.to_string()),
                ("not_before", &later),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("owner_id-error"));
    // The day comes: the follow-up is due for its owner.
    {
        use diesel::prelude::*;
        use steward::db::schema::prospects as t;
        diesel::update(t::table.find(p))
            .set((t::owner_id.eq(me), t::follow_up_on.eq(today())))
            .execute(&mut *app.db())
            .expect("due");
    }
    let (_, dash) = staff.page("/staff").await;
    assert!(dash.contains("Theta Tools"), "{dash}");
}
