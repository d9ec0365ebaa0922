//! Every staff route refuses anonymous visitors and staff without the role, and changes
//! nothing when it refuses.

use steward::domain::Role;

use crate::helpers::{TestApp, location};

/// (method, path, roles that may use it; empty = any signed-in staff)
fn staff_routes(user_id: i64, outbox_id: i64) -> Vec<(&'static str, String, Vec<Role>)> {
    let admin = vec![Role::Admin];
    vec![
        ("GET", "/staff".into(), vec![]),
        ("GET", "/staff/account".into(), vec![]),
        ("POST", "/staff/account/password".into(), vec![]),
        ("GET", "/staff/users".into(), admin.clone()),
        ("GET", "/staff/users/new".into(), admin.clone()),
        ("POST", "/staff/users".into(), admin.clone()),
        ("GET", format!("/staff/users/{user_id}"), admin.clone()),
        ("POST", format!("/staff/users/{user_id}"), admin.clone()),
        (
            "POST",
            format!("/staff/users/{user_id}/disable"),
            admin.clone(),
        ),
        (
            "POST",
            format!("/staff/users/{user_id}/enable"),
            admin.clone(),
        ),
        (
            "POST",
            format!("/staff/users/{user_id}/resend-invite"),
            admin.clone(),
        ),
        ("GET", "/staff/outbox".into(), admin.clone()),
        ("GET", format!("/staff/outbox/{outbox_id}"), admin.clone()),
        (
            "POST",
            format!("/staff/outbox/{outbox_id}/retry"),
            admin.clone(),
        ),
        ("GET", "/staff/audit".into(), admin),
    ]
}

/// A snapshot of what the refused requests must not change.
fn snapshot(app: &TestApp) -> String {
    use diesel::prelude::*;
    use steward::db::schema::{outbox, user_roles, users};
    let mut c = app.db();
    let u: Vec<(i64, String, bool, Option<String>)> = users::table
        .select((
            users::id,
            users::name,
            users::is_disabled,
            users::password_hash,
        ))
        .order(users::id)
        .load(&mut c)
        .expect("users");
    let r: Vec<(i64, String)> = user_roles::table
        .select((user_roles::user_id, user_roles::role))
        .order((user_roles::user_id, user_roles::role))
        .load(&mut c)
        .expect("roles");
    let o: Vec<(i64, String, i32)> = outbox::table
        .select((outbox::id, outbox::status, outbox::attempts))
        .order(outbox::id)
        .load(&mut c)
        .expect("outbox");
    format!("{u:?}{r:?}{o:?}")
}

/// A failed outbox message to aim the retry route at.
fn failed_message(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use steward::db::schema::outbox;
    let mut c = app.db();
    let to = steward::domain::EmailAddress::parse("someone@example.org").expect("email");
    let id = steward::email::enqueue(
        &mut c,
        &to,
        steward::email::About::Account,
        &steward::email::PasswordChangedEmail {
            foundation: "F".into(),
            name: "N".into(),
            reset_link: "http://steward.test/password-reset".into(),
        },
    )
    .expect("enqueue")
    .expect("queued");
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq("failed"),
            outbox::last_error.eq(Some("down")),
        ))
        .execute(&mut c)
        .expect("fail it");
    id
}

async fn send(c: &crate::helpers::TestClient, method: &str, path: &str) -> reqwest::Response {
    // The form fields are the most damaging ones each POST route accepts.
    let fields: &[(&str, &str)] = &[
        ("name", "Changed"),
        ("email", "new-person@example.org"),
        ("role", "admin"),
        ("current_password", "whatever whatever"),
        ("new_password", "another long password"),
        ("new_password_confirm", "another long password"),
    ];
    match method {
        "GET" => c.get(path).await,
        _ => c.post(path, fields).await,
    }
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in_and_change_nothing() {
    let app = TestApp::spawn().await;
    let victim = app.create_staff("Victim", "victim@example.org", &[Role::Editor]);
    let outbox_id = failed_message(&app);
    let before = snapshot(&app);
    let anon = app.new_client();
    for (method, path, _) in staff_routes(victim, outbox_id) {
        let r = send(&anon, method, &path).await;
        assert_eq!(r.status(), 303, "{method} {path}");
        assert!(location(&r).starts_with("/login"), "{method} {path}");
    }
    assert_eq!(before, snapshot(&app));
}

#[tokio::test]
async fn staff_without_the_role_get_403_and_change_nothing() {
    let app = TestApp::spawn().await;
    let victim = app.create_staff("Victim", "victim@example.org", &[Role::Editor]);
    let outbox_id = failed_message(&app);
    // Every role but admin.
    let all_but_admin: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Admin)
        .collect();
    let (c, _, _) = app.signed_in(&all_but_admin).await;
    let (none, _, _) = app.signed_in(&[]).await;
    let before = snapshot(&app);
    for (method, path, allowed) in staff_routes(victim, outbox_id) {
        if allowed.is_empty() || method == "POST" && path == "/staff/account/password" {
            continue;
        }
        for client in [&c, &none] {
            let r = send(client, method, &path).await;
            assert_eq!(r.status(), 403, "{method} {path}");
            let body = r.text().await.expect("body");
            assert!(
                body.contains("You do not have access to this page"),
                "{method} {path}"
            );
        }
    }
    assert_eq!(before, snapshot(&app));

    // Pages every signed-in staff member may see.
    for path in ["/staff", "/staff/account"] {
        assert_eq!(none.get(path).await.status(), 200, "{path}");
    }
    // The navigation shows no admin sections to them.
    let (_, body) = c.page("/staff").await;
    assert!(!body.contains("href=\"/staff/users\""));
}

#[tokio::test]
async fn admins_reach_every_admin_page() {
    let app = TestApp::spawn().await;
    let victim = app.create_staff("Victim", "victim@example.org", &[Role::Editor]);
    let outbox_id = failed_message(&app);
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    for (method, path, _) in staff_routes(victim, outbox_id) {
        if method == "GET" {
            assert_eq!(admin.get(&path).await.status(), 200, "{path}");
        }
    }
    let (_, body) = admin.page("/staff").await;
    assert!(body.contains("href=\"/staff/users\""));
}
