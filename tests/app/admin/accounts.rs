//! First-run setup, sign-in, throttling, sessions, invitations, resets and password changes.

use steward::domain::Role;

use crate::helpers::{PASSWORD, TestApp, link_path, location};

#[tokio::test]
async fn first_run_setup_creates_an_admin_and_the_link_then_dies() {
    let app = TestApp::spawn().await;
    let admin = app.complete_setup("first@example.org").await;
    let (status, body) = admin.page("/staff/users").await;
    assert_eq!(status, 200);
    assert!(body.contains("first@example.org"));
    assert!(body.contains("Your administrator account is ready"));
    // The first person starts with every role, so nothing is out of reach at first.
    assert_eq!(admin.get("/staff/sponsors").await.status(), 200);

    // The link is spent: both the page and a second submission are refused.
    let other = app.new_client();
    let (status, body) = other.page(&app.setup_path()).await;
    assert_eq!(status, 410);
    assert!(body.contains("already set up"));
    let r = other
        .post(
            &app.setup_path(),
            &[
                ("name", "Intruder"),
                ("email", "evil@example.org"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 410);
    let mut c = app.db();
    assert!(
        steward::models::users::find_by_email(&mut c, "evil@example.org")
            .expect("query")
            .is_none()
    );

    // A restarted server with an admin in place offers no new setup link.
    let again = steward::services::accounts::prepare_setup(&mut c).expect("prepare");
    assert!(again.is_none());
}

#[tokio::test]
async fn setup_form_validates_and_keeps_input() {
    let app = TestApp::spawn().await;
    let c = app.new_client();
    let r = c
        .post(
            &app.setup_path(),
            &[
                ("name", "Ada <script>alert(1)</script>"),
                ("email", "not-an-email"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("Enter an email address like name@example.org."));
    assert!(body.contains("Use at least 12 characters"));
    assert!(body.contains("value=\"not-an-email\""), "input is kept");
    assert!(
        body.contains("Ada &#60;script&#62;") || body.contains("Ada &lt;script&gt;"),
        "escaped"
    );
    assert!(!body.contains("<script>alert(1)</script>"));

    let r = c
        .post(
            &app.setup_path(),
            &[
                ("name", "Ada"),
                ("email", "ada@example.org"),
                ("password", PASSWORD),
                ("password_confirm", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("The two passwords are not the same.")
    );

    let r = c.get("/setup/not-a-real-token").await;
    assert_eq!(r.status(), 404);
    let forged = format!("/setup/{}", "A".repeat(43));
    assert_eq!(c.get(&forged).await.status(), 404);
}

#[tokio::test]
async fn login_failures_share_one_message_and_success_rotates_the_session() {
    let app = TestApp::spawn().await;
    app.create_staff("Grace", "grace@example.org", &[Role::Treasurer]);
    let c = app.new_client();

    let wrong = c.login("grace@example.org", "not the right password").await;
    assert_eq!(wrong.status(), 422);
    let wrong_body = wrong.text().await.expect("body");
    let unknown = c
        .login("nobody@example.org", "not the right password")
        .await;
    assert_eq!(unknown.status(), 422);
    let unknown_body = unknown.text().await.expect("body");
    let msg = "That email address and password do not match an active account.";
    assert!(wrong_body.contains(msg) && unknown_body.contains(msg));
    assert!(c.cookie("steward_session").is_none());

    // A session id planted before sign-in is not kept.
    let planted = "A".repeat(43);
    c.jar.add_cookie_str(
        &format!("steward_session={planted}; Path=/"),
        &reqwest::Url::parse(&c.base).expect("url"),
    );
    let ok = c.login("Grace@Example.org", PASSWORD).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(location(&ok), "/staff");
    let session = c.cookie("steward_session").expect("session cookie");
    assert_ne!(session, planted);
    let set_cookie = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("steward_session="))
        .expect("session set-cookie")
        .to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let (status, body) = c.page("/staff").await;
    assert_eq!(status, 200);
    assert!(body.contains("Welcome back, Grace"));

    // A second sign-in gets another id.
    let c2 = app.new_client();
    c2.login("grace@example.org", PASSWORD).await;
    assert_ne!(c2.cookie("steward_session"), Some(session));

    // Audit: failures and the success are recorded with the client address.
    let (status, _) = c.page("/staff/audit").await;
    assert_eq!(status, 403, "a treasurer cannot read the audit log");
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let (_, audit) = admin.page("/staff/audit?action=login").await;
    assert!(audit.contains("login.failure") && audit.contains("login.success"));
    assert!(audit.contains("127.0.0.1"));
}

#[tokio::test]
async fn login_is_throttled_per_account_and_per_address() {
    let app = TestApp::spawn().await;
    app.create_staff("Target", "target@example.org", &[Role::Editor]);
    let c = app.new_client();
    for _ in 0..5 {
        assert_eq!(
            c.login("target@example.org", "wrong wrong wrong")
                .await
                .status(),
            422
        );
    }
    // Even the right password is refused while the account is paused.
    let r = c.login("target@example.org", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Too many failed attempts")
    );
    assert!(c.cookie("steward_session").is_none());

    // Per address: many accounts from one client. A forged X-Forwarded-For does not help,
    // because no proxy is trusted.
    let app = TestApp::spawn().await;
    app.create_staff("Other", "other@example.org", &[Role::Editor]);
    let c = app.new_client();
    let token = c.csrf_token().await;
    for i in 0..20 {
        let email = format!("guess{i}@example.org");
        let forged = format!("10.0.0.{i}");
        let r = c
            .http
            .post(c.url("/login"))
            .header("X-Forwarded-For", forged)
            .form(&[
                ("email", email.as_str()),
                ("password", "wrong wrong wrong"),
                ("csrf_token", token.as_str()),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 422);
    }
    let r = c.login("other@example.org", PASSWORD).await;
    assert_eq!(r.status(), 429, "the address is paused after 20 failures");
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let (c, _, _) = app.signed_in(&[Role::Admin]).await;
    let stolen = c.cookie("steward_session").expect("session");
    let r = c.post("/logout", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");

    // Replaying the old cookie from another browser does not work.
    let thief = app.new_client();
    thief.jar.add_cookie_str(
        &format!("steward_session={stolen}; Path=/"),
        &reqwest::Url::parse(&thief.base).expect("url"),
    );
    let r = thief.get("/staff").await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));

    // Logout without a CSRF token is refused (and the session survives).
    let (c, _, _) = app.signed_in(&[Role::Editor]).await;
    assert_eq!(c.post_raw("/logout", &[]).await.status(), 403);
    assert_eq!(c.get("/staff").await.status(), 200);
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_at_once() {
    let app = TestApp::spawn().await;
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let (victim, victim_id, victim_email) = app.signed_in(&[Role::Editor]).await;
    assert_eq!(victim.get("/staff").await.status(), 200);

    let r = admin
        .post(&format!("/staff/users/{victim_id}/disable"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let r = victim.get("/staff").await;
    assert_eq!(r.status(), 303, "the disabled user's session is gone");
    assert_eq!(victim.login(&victim_email, PASSWORD).await.status(), 422);

    // Enabling lets them sign in again.
    admin
        .post(&format!("/staff/users/{victim_id}/enable"), &[])
        .await;
    assert_eq!(victim.login(&victim_email, PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn the_last_admin_cannot_be_removed_or_disabled() {
    let app = TestApp::spawn().await;
    let (admin, admin_id, _) = app.signed_in(&[Role::Admin]).await;
    let r = admin
        .post(
            &format!("/staff/users/{admin_id}"),
            &[("name", "Only Admin"), ("role", "editor")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("only administrator"));
    let r = admin
        .post(&format!("/staff/users/{admin_id}/disable"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = admin.page(&format!("/staff/users/{admin_id}")).await;
    assert!(page.contains("You cannot disable your own account."));
    let mut c = app.db();
    let roles = steward::models::users::roles_of(&mut c, steward::models::users::UserId(admin_id))
        .expect("roles");
    assert_eq!(roles, vec![Role::Admin]);
}

#[tokio::test]
async fn invitation_lets_a_new_colleague_choose_a_password_once() {
    let app = TestApp::spawn().await;
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let r = admin
        .post(
            "/staff/users",
            &[
                ("name", "Noor Haddad"),
                ("email", "Noor@Example.org"),
                ("role", "grants_reviewer"),
                ("role", "editor"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mail = app.wait_for_mail("noor@example.org", "invite").await;
    assert!(mail.subject.contains("invited"));
    let path = link_path(&mail.text, "/account/set-password/");
    assert!(mail.html.contains(&path));
    assert!(
        mail.text
            .contains("http://steward.test/account/set-password/"),
        "links use the configured base URL"
    );

    // Duplicate invitation is refused next to the field.
    let r = admin
        .post(
            "/staff/users",
            &[("name", "Noor again"), ("email", "noor@example.org")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("already exists"));

    // An unknown role is refused, nothing is created.
    let r = admin
        .post(
            "/staff/users",
            &[
                ("name", "X"),
                ("email", "x@example.org"),
                ("role", "superuser"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);

    let noor = app.new_client();
    let (status, body) = noor.page(&path).await;
    assert_eq!(status, 200);
    assert!(body.contains("Welcome, Noor Haddad"));
    let r = noor
        .post(
            &path,
            &[
                ("password", "password1234"),
                ("password_confirm", "password1234"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "a common password is refused");
    let r = noor
        .post(
            &path,
            &[("password", PASSWORD), ("password_confirm", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, body) = noor.page("/staff").await;
    assert_eq!(status, 200);
    // Signed in with the reviewer role: the dashboard shows the grants waiting for them.
    assert!(body.contains("waiting for your vote"), "{body}");
    // The link is spent.
    assert_eq!(app.new_client().get(&path).await.status(), 410);
}

#[tokio::test]
async fn password_reset_by_email_answers_the_same_for_unknown_addresses() {
    let app = TestApp::spawn().await;
    app.create_staff("Lin", "lin@example.org", &[Role::Editor]);
    let (old_session, _, _) = {
        let c = app.new_client();
        c.login("lin@example.org", PASSWORD).await;
        (c, 0, 0)
    };
    let c = app.new_client();
    let known = c
        .post("/password-reset", &[("email", "lin@example.org")])
        .await;
    let unknown = c
        .post("/password-reset", &[("email", "ghost@example.org")])
        .await;
    assert_eq!(known.status(), 200);
    assert_eq!(unknown.status(), 200);
    let kb = known
        .text()
        .await
        .expect("body")
        .replace("lin@example.org", "X");
    let ub = unknown
        .text()
        .await
        .expect("body")
        .replace("ghost@example.org", "X");
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("csrf_token"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&kb),
        strip(&ub),
        "the answer does not reveal whether the account exists"
    );

    let mail = app.wait_for_mail("lin@example.org", "password_reset").await;
    let path = link_path(&mail.text, "/account/set-password/");
    let new_password = "a different long password";
    let r = c
        .post(
            &path,
            &[
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Every older session is over; the new password works, the old one not.
    assert_eq!(old_session.get("/staff").await.status(), 303);
    let d = app.new_client();
    assert_eq!(d.login("lin@example.org", PASSWORD).await.status(), 422);
    assert_eq!(d.login("lin@example.org", new_password).await.status(), 303);
    app.wait_for_mail("lin@example.org", "password_changed")
        .await;
    // Used link.
    assert_eq!(app.new_client().get(&path).await.status(), 410);
}

#[tokio::test]
async fn expired_reset_links_are_refused() {
    let app = TestApp::spawn().await;
    app.create_staff("Old", "old@example.org", &[]);
    app.new_client()
        .post("/password-reset", &[("email", "old@example.org")])
        .await;
    let mail = app.wait_for_mail("old@example.org", "password_reset").await;
    let path = link_path(&mail.text, "/account/set-password/");
    {
        use diesel::prelude::*;
        use steward::db::schema::auth_tokens;
        let mut c = app.db();
        diesel::update(auth_tokens::table)
            .set(auth_tokens::expires_at.eq(steward::models::now() - chrono::Duration::minutes(1)))
            .execute(&mut c)
            .expect("expire");
    }
    let (status, body) = app.new_client().page(&path).await;
    assert_eq!(status, 410);
    assert!(body.contains("expired"));
}

#[tokio::test]
async fn changing_the_password_can_end_other_sessions() {
    let app = TestApp::spawn().await;
    let (c, _, email) = app.signed_in(&[Role::Editor]).await;
    let other = app.new_client();
    other.login(&email, PASSWORD).await;
    let before = c.cookie("steward_session");

    let r = c
        .post(
            "/staff/account/password",
            &[
                ("current_password", "wrong password here"),
                ("new_password", "brand new long password"),
                ("new_password_confirm", "brand new long password"),
                ("end_other_sessions", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("That is not your current password.")
    );

    let r = c
        .post(
            "/staff/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "brand new long password"),
                ("new_password_confirm", "brand new long password"),
                ("end_other_sessions", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_ne!(
        c.cookie("steward_session"),
        before,
        "a new session id after the change"
    );
    assert_eq!(c.get("/staff").await.status(), 200);
    assert_eq!(
        other.get("/staff").await.status(),
        303,
        "the other session is over"
    );
}

#[tokio::test]
async fn sessions_expire_when_idle_and_after_their_lifetime() {
    let app = TestApp::spawn().await;
    let (c, _, _) = app.signed_in(&[Role::Editor]).await;
    {
        use diesel::prelude::*;
        use steward::db::schema::sessions;
        let mut db = app.db();
        diesel::update(sessions::table)
            .set(sessions::last_seen_at.eq(steward::models::now() - chrono::Duration::minutes(31)))
            .execute(&mut db)
            .expect("age");
    }
    assert_eq!(
        c.get("/staff").await.status(),
        303,
        "idle for longer than 30 minutes"
    );

    let (c, _, _) = app.signed_in(&[Role::Editor]).await;
    {
        use diesel::prelude::*;
        use steward::db::schema::sessions;
        let mut db = app.db();
        diesel::update(sessions::table)
            .set(sessions::expires_at.eq(steward::models::now() - chrono::Duration::seconds(1)))
            .execute(&mut db)
            .expect("expire");
    }
    assert_eq!(
        c.get("/staff").await.status(),
        303,
        "past the absolute lifetime"
    );
}

#[tokio::test]
async fn sign_in_returns_to_the_page_asked_for_but_never_off_site() {
    let app = TestApp::spawn().await;
    app.create_staff("Ana", "ana@example.org", &[Role::Admin]);
    let c = app.new_client();
    let r = c.get("/staff/audit?action=login").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        "/login?next=%2Fstaff%2Faudit%3Faction%3Dlogin"
    );
    let r = c
        .post(
            "/login",
            &[
                ("email", "ana@example.org"),
                ("password", PASSWORD),
                ("next", "/staff/audit?action=login"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/staff/audit?action=login");
    let c = app.new_client();
    let r = c
        .post(
            "/login",
            &[
                ("email", "ana@example.org"),
                ("password", PASSWORD),
                ("next", "//evil.example/phish"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/staff");
}
