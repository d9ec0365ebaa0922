//! Tests: the HTTP edges under faults and hostile clients — error pages as a browser that asks
//! for gzip receives them, a database that stays locked, a body sent a byte at a time, and a
//! flood of refused sign-ins.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use steward::db::schema::{audit_log, sponsors};
use steward::domain::Role;

use crate::helpers::{TestApp, TestClient, browser_get, decode, is_postgres};

#[tokio::test]
async fn every_error_page_decodes_in_a_browser_that_asks_for_gzip() {
    let app = TestApp::spawn().await;
    let (c, _, _) = app
        .signed_in(&[
            Role::Admin,
            Role::Sponsorships,
            Role::Treasurer,
            Role::Editor,
        ])
        .await;
    for path in [
        "/staff/programmes/new",
        "/staff/sponsors/abc",
        "/staff/sponsorships/x",
        "/staff/users/abc",
        "/staff/sponsors/999999",
        "/no/such/page",
        "/sponsors/no-such-sponsor",
    ] {
        let (status, headers, body) = browser_get(&c, path).await;
        assert!((400..500).contains(&status), "{path}: {status}");
        assert!(
            body.contains("<html") && body.contains("Request id:"),
            "{path}: our error page, readable: {body}"
        );
        assert_eq!(
            headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
            "text/html; charset=utf-8",
            "{path}"
        );
    }
    // A page large enough to be compressed is compressed, and decodes.
    let (status, headers, body) = browser_get(&c, "/staff").await;
    assert_eq!(status, 200);
    assert!(body.contains("</html>"));
    assert!(headers.get("content-encoding").is_some(), "{headers:?}");
    // Signed out, a staff page's redirect and a public 404 decode too.
    let anon = app.new_client();
    let (status, _, body) = browser_get(&anon, "/staff/sponsors/abc").await;
    assert!(status == 303 || status == 404, "{status}");
    let _ = body;
}

/// Holds the database's write lock from another connection, as a long backup, a stuck
/// migration or another process would; dropping it lets go.
#[allow(dead_code)] // held for its Drop, never read
enum Locker {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

fn hold_write_lock(app: &TestApp) -> Locker {
    use diesel::connection::SimpleConnection;
    if is_postgres() {
        let mut c = diesel::PgConnection::establish(&app.database_url).expect("connect");
        c.batch_execute("BEGIN; LOCK TABLE sponsors IN EXCLUSIVE MODE;")
            .expect("lock sponsors");
        Locker::Pg(c)
    } else {
        let path = app.database_url.trim_start_matches("sqlite://");
        let mut c = diesel::SqliteConnection::establish(path).expect("open");
        c.batch_execute("BEGIN EXCLUSIVE;")
            .expect("lock the database");
        Locker::Sqlite(c)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_answers_503_try_again_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (c, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let csrf = c.csrf_token().await;
    let before: i64 = sponsors::table
        .count()
        .get_result(&mut *app.db())
        .expect("count");
    let lock = hold_write_lock(&app);
    let started = Instant::now();
    let r = c
        .http
        .post(c.url("/staff/sponsors"))
        .header("Accept-Encoding", "gzip")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Locked Out Ltd"),
            ("website", "https://locked.example/"),
            ("org_size", "40"),
            ("country", "Germany"),
        ])
        .send()
        .await
        .expect("POST");
    let (status, headers, body) = decode(r).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "answered after the lock wait, not never"
    );
    assert_eq!(
        headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("5")
    );
    assert!(body.contains("Try again in a few seconds"), "{body}");
    assert!(body.contains("nothing was saved"), "{body}");
    drop(lock);
    let after: i64 = sponsors::table
        .count()
        .get_result(&mut *app.db())
        .expect("count");
    assert_eq!(before, after, "nothing half-written");
    // Once the lock is gone the same form goes through.
    let r = c
        .post(
            "/staff/sponsors",
            &[
                ("name", "Locked Out Ltd"),
                ("website", "https://locked.example/"),
                ("org_size", "40"),
                ("country", "Germany"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn refused_sign_ins_leave_bounded_evidence_in_the_audit_log() {
    let app = TestApp::spawn().await;
    app.create_staff("Ada", "ada@example.org", &[Role::Admin]);
    // Signed in before the flood: the flood locks out this client address.
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let c = app.new_client();
    for _ in 0..60 {
        let r = c
            .login("ada@example.org", "not the right password at all")
            .await;
        assert!(
            r.status() == 200 || r.status() == 429 || r.status() == 422,
            "{}",
            r.status()
        );
    }
    for i in 0..30 {
        let _ = c
            .login(&format!("nobody{i}@example.org"), "not the right password")
            .await;
    }
    let rows: Vec<(String, String, String, i32)> = audit_log::table
        .filter(audit_log::action.eq_any(["login.failure", "login.throttled"]))
        .select((
            audit_log::action,
            audit_log::actor,
            audit_log::details,
            audit_log::repeats,
        ))
        .load(&mut *app.db())
        .expect("audit rows");
    // One row per account and client per throttle window: the 5 failures for ada, 15
    // unknown accounts before the client's own limit, one row each for "account locked" and
    // "client locked".
    assert!(
        rows.len() <= 20,
        "90 refused attempts from one client wrote {} audit rows: {rows:?}",
        rows.len()
    );
    // The evidence is kept: every attempt is counted, and who was tried.
    let total: i32 = rows.iter().map(|r| r.3).sum();
    assert_eq!(total, 90, "{rows:?}");
    let ada = rows
        .iter()
        .find(|r| r.0 == "login.failure" && r.1 == "ada@example.org")
        .expect("ada's failures");
    assert_eq!(ada.3, 5, "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r.0 == "login.throttled" && r.1 == "ada@example.org" && r.3 >= 50),
        "{rows:?}"
    );
    // Staff see the count on the audit page.
    let (status, page) = admin.page("/staff/audit?action=login.throttled").await;
    assert_eq!(status, 200);
    assert!(page.contains("times, the last at"), "{page}");
}

/// What a client sending its body a byte a second saw: when the answer's first line came and
/// what it was, and when the server closed the connection.
struct SlowOutcome {
    status_line: Option<(Duration, String)>,
    closed_after: Option<Duration>,
}

/// Opens a raw connection, sends a POST head declaring `declared` bytes of multipart body,
/// then one byte a second for up to `patience`.
async fn slow_upload(
    app: &TestApp,
    c: &TestClient,
    path: &str,
    declared: usize,
    patience: Duration,
) -> SlowOutcome {
    use reqwest::cookie::CookieStore;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = reqwest::Url::parse(&c.url("/")).expect("url");
    let cookies = c
        .jar
        .cookies(&url)
        .map(|v| v.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    let addr = app.address.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let (mut r, mut w) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {declared}\r\n\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    );
    w.write_all(head.as_bytes()).await.expect("head");
    let started = Instant::now();
    let writer = tokio::spawn(async move {
        while started.elapsed() < patience {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if w.write_all(b"x").await.is_err() {
                break;
            }
        }
    });
    let mut out = SlowOutcome {
        status_line: None,
        closed_after: None,
    };
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = patience.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, r.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                out.closed_after = Some(started.elapsed());
                break;
            }
            Ok(Ok(n)) => {
                got.extend_from_slice(&buf[..n]);
                if out.status_line.is_none()
                    && let Some(end) = got.windows(2).position(|w| w == b"\r\n")
                {
                    out.status_line = Some((
                        started.elapsed(),
                        String::from_utf8_lossy(&got[..end]).into_owned(),
                    ));
                }
            }
            Err(_) => break,
        }
    }
    writer.abort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_a_byte_a_second_is_cut_off() {
    let app = TestApp::spawn().await;
    let (c, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let r = c
        .post(
            "/staff/sponsors",
            &[
                ("name", "Slow Upload Ltd"),
                ("website", "https://slow.example/"),
                ("org_size", "40"),
                ("country", "Germany"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let sponsor: i64 = sponsors::table
        .filter(sponsors::name.eq("Slow Upload Ltd"))
        .select(sponsors::id)
        .first(&mut *app.db())
        .expect("the sponsor");
    let token = c.csrf_token().await;
    let path = format!("/staff/sponsors/{sponsor}/logo?csrf_token={token}");
    // Several at once, as an attacker pinning connections would.
    let runs = (0..8).map(|_| slow_upload(&app, &c, &path, 1_000_000, Duration::from_secs(40)));
    let outcomes = futures_util::future::join_all(runs).await;
    for o in outcomes {
        let (when, line) = o.status_line.expect("the server answered");
        assert!(line.contains(" 408 "), "{line}");
        assert!(when < Duration::from_secs(20), "answered after {when:?}");
        let closed = o.closed_after.expect("the server closed the connection");
        assert!(closed < Duration::from_secs(25), "closed after {closed:?}");
    }
    // Refused before its body is read (no valid token): answered at once, and the trickle
    // does not keep the connection either.
    let o = slow_upload(
        &app,
        &c,
        &format!("/staff/sponsors/{sponsor}/logo?csrf_token=forged"),
        1_000_000,
        Duration::from_secs(40),
    )
    .await;
    let (when, line) = o.status_line.expect("the server answered");
    assert!(line.contains(" 403 "), "{line}");
    assert!(when < Duration::from_secs(2), "answered after {when:?}");
    let closed = o.closed_after.expect("the server closed the connection");
    assert!(closed < Duration::from_secs(25), "closed after {closed:?}");
    // The server still serves everyone else.
    let (status, _) = c.page("/staff").await;
    assert_eq!(status, 200);
}
