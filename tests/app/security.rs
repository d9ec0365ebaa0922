//! CSRF, security headers on every kind of response, error pages, body limits, escaping.

use steward::domain::Role;

use crate::helpers::TestApp;

fn assert_security_headers(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    let get = |k: &str| {
        h.get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let csp = get("content-security-policy");
    for part in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "script-src 'self'",
    ] {
        assert!(csp.contains(part), "{what}: CSP lacks {part}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("referrer-policy"), "same-origin", "{what}");
    assert_eq!(get("x-request-id").len(), 16, "{what}");
}

#[tokio::test]
async fn security_headers_on_pages_errors_and_static_files() {
    let app = TestApp::spawn().await;
    let r = app.get("/").await;
    assert_eq!(r.status(), 200);
    assert_security_headers(&r, "home");
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");

    let r = app.get("/no/such/page").await;
    assert_eq!(r.status(), 404);
    assert_security_headers(&r, "404");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let id = r.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_string();
    let body = r.text().await.expect("body");
    assert!(
        body.contains("Page not found") && body.contains(&id),
        "the page shows the request id"
    );

    let css = steward::web::assets::url("css/steward.css");
    let r = app.get(&css).await;
    assert_eq!(r.status(), 200);
    assert_security_headers(&r, "static");
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
    let etag = r.headers()["etag"].to_str().expect("etag").to_string();
    let r = app
        .http
        .get(app.url(&css))
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 304);
    assert_security_headers(&r, "304");
    assert_eq!(app.get("/static/../Cargo.toml").await.status(), 404);
    assert_eq!(app.get("/static/css/nothing.css").await.status(), 404);

    let (staff, _, _) = app.signed_in(&[Role::Admin]).await;
    let r = staff.get("/staff").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_security_headers(&r, "staff page");

    let r = app.http.head(app.url("/login")).send().await.expect("HEAD");
    assert_eq!(r.status(), 200, "HEAD is answered like GET");
    assert_security_headers(&r, "HEAD");
    assert!(r.bytes().await.expect("body").is_empty(), "without a body");

    let r = app.get("/robots.txt").await;
    assert_eq!(r.status(), 200);
    assert_security_headers(&r, "robots.txt");
    assert!(r.text().await.expect("body").contains("Disallow: /staff"));

    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert_security_headers(&r, "healthz");
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("\"database\":\"ok\"")
    );
}

#[tokio::test]
async fn a_server_error_shows_a_request_id_and_nothing_internal() {
    let app = TestApp::spawn().await;
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    {
        use diesel::RunQueryDsl;
        let mut c = app.db();
        diesel::sql_query("DROP TABLE audit_log")
            .execute(&mut c)
            .expect("drop");
    }
    let r = admin.get("/staff/audit").await;
    assert_eq!(r.status(), 500);
    assert_security_headers(&r, "500");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let id = r.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_string();
    let body = r.text().await.expect("body");
    assert!(body.contains("Something went wrong on our side"));
    assert!(body.contains(&id));
    for leak in [
        "audit_log",
        "diesel",
        "sqlite",
        "SQLITE",
        "no such table",
        "relation",
        "panicked",
    ] {
        assert!(!body.contains(leak), "the page leaks {leak}");
    }
}

#[tokio::test]
async fn posts_without_a_valid_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let fields = [
        ("name", "Mallory"),
        ("email", "mallory@example.org"),
        ("role", "admin"),
    ];

    // No token.
    let r = admin.post_raw("/staff/users", &fields).await;
    assert_eq!(r.status(), 403);
    assert_security_headers(&r, "csrf 403");
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("did not come from this site")
    );
    // A made-up token.
    let mut forged = fields.to_vec();
    forged.push((
        "csrf_token",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    ));
    assert_eq!(admin.post_raw("/staff/users", &forged).await.status(), 403);
    // Another browser's valid token (a token is bound to its own cookie and session).
    let other = app.new_client();
    let theirs = other.csrf_token().await;
    let mut stolen = fields.to_vec();
    stolen.push(("csrf_token", theirs.as_str()));
    assert_eq!(admin.post_raw("/staff/users", &stolen).await.status(), 403);
    // A JSON body is not a form and gets no pass.
    let r = admin
        .http
        .post(admin.url("/staff/users"))
        .json(&serde_json::json!({"name": "Mallory", "email": "mallory@example.org"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    // Login is protected too.
    let anon = app.new_client();
    assert_eq!(
        anon.post_raw("/login", &[("email", "a@example.org"), ("password", "x")])
            .await
            .status(),
        403
    );

    let mut c = app.db();
    assert!(
        steward::models::users::find_by_email(&mut c, "mallory@example.org")
            .expect("q")
            .is_none()
    );
    // With the right token it works (the test is not vacuous).
    assert_eq!(admin.post("/staff/users", &fields).await.status(), 303);
    assert!(
        steward::models::users::find_by_email(&mut c, "mallory@example.org")
            .expect("q")
            .is_some()
    );
}

#[tokio::test]
async fn oversized_and_overfull_forms_are_refused_before_any_handler() {
    let app = TestApp::spawn().await;
    let c = app.new_client();
    let token = c.csrf_token().await;
    let huge = "x".repeat(300 * 1024);
    let r = c
        .post_raw(
            "/login",
            &[
                ("email", huge.as_str()),
                ("password", "p"),
                ("csrf_token", token.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 413);
    assert_security_headers(&r, "413");

    let names: Vec<String> = (0..600).map(|i| format!("f{i}")).collect();
    let mut many: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    many.push(("csrf_token", token.as_str()));
    let r = c.post_raw("/login", &many).await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn text_is_escaped_on_staff_pages() {
    let app = TestApp::spawn().await;
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let evil = "<img src=x onerror=alert(1)>\"'><script>alert(2)</script>";
    let r = admin
        .post(
            "/staff/users",
            &[("name", evil), ("email", "evil@example.org")],
        )
        .await;
    assert_eq!(r.status(), 303);
    for page in ["/staff/users", "/staff/audit", "/staff/outbox"] {
        let (status, body) = admin.page(page).await;
        assert_eq!(status, 200);
        assert!(!body.contains("<img src=x"), "{page}");
        assert!(!body.contains("<script>alert(2)"), "{page}");
    }
    let (_, body) = admin.page("/staff/users").await;
    assert!(
        body.contains("&#60;img src=x onerror=alert(1)&#62;") || body.contains("&lt;img src=x")
    );
}

#[tokio::test]
async fn https_deployments_get_hsts_and_host_prefixed_secure_cookies() {
    let app = TestApp::spawn_with(|s| s.base_url = "https://steward.example.org".into()).await;
    let r = app.get("/login").await;
    assert!(
        r.headers()["strict-transport-security"]
            .to_str()
            .expect("hsts")
            .contains("max-age=")
    );
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("__Host-steward_csrf="))
        .expect("prefixed csrf cookie");
    assert!(
        csrf.contains("Secure") && csrf.contains("HttpOnly") && csrf.contains("Path=/"),
        "{csrf}"
    );
    // Plain HTTP gets no HSTS.
    let plain = TestApp::spawn().await;
    assert!(
        plain
            .get("/")
            .await
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
}

#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    let app = TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1".into()]).await;
    let c = app.new_client();
    let token = c.csrf_token().await;
    let r = c
        .http
        .post(c.url("/login"))
        .header("X-Forwarded-For", "203.0.113.9, 198.51.100.7")
        .form(&[
            ("email", "nobody@example.org"),
            ("password", "wrong"),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    use diesel::prelude::*;
    use steward::db::schema::audit_log;
    let mut db = app.db();
    let addrs: Vec<Option<String>> = audit_log::table
        .filter(audit_log::action.eq("login.failure"))
        .select(audit_log::client_addr)
        .load(&mut db)
        .expect("audit");
    assert_eq!(
        addrs,
        vec![Some("198.51.100.7".to_string())],
        "the hop our proxy saw, not the client's claim"
    );
}
