//! The command line: backup while the app writes, create-admin, check-config, production refusal.

use std::process::Command;
use std::time::Duration;

use crate::helpers::{TestApp, is_postgres};

fn steward_cmd(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_steward"));
    cmd.env_clear()
        .env("STEWARD_DATABASE_URL", &app.database_url)
        .env("STEWARD_DATA_DIR", app.state.settings.data_dir.as_os_str())
        .env("STEWARD_LOG", "error")
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

#[tokio::test]
async fn backup_is_consistent_while_writes_run() {
    let app = TestApp::spawn().await;
    let dest = app.state.settings.data_dir.join("backup.sqlite3");
    // Writers insert audit rows for the whole time the backup runs.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3 {
        let db = app.state.db.clone();
        let stop = stop.clone();
        writers.push(tokio::spawn(async move {
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                db.run(move |c| {
                    steward::services::audit::record(
                        c,
                        &steward::services::Actor::system("writer"),
                        "test.write",
                        Some(("writer", &w.to_string())),
                        &format!("row {n}"),
                    )
                })
                .await
                .expect("write");
                n += 1;
            }
            n
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let out = steward_cmd(&app)
        .arg("backup")
        .arg(&dest)
        .output()
        .expect("run steward backup");
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut written = 0;
    for w in writers {
        written += w.await.expect("writer");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);

    if is_postgres() {
        assert!(!out.status.success());
        assert!(stderr.contains("pg_dump"), "{stderr}");
        return;
    }
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(written > 10, "writes ran during the backup ({written})");

    use diesel::{Connection, RunQueryDsl, sql_types::BigInt, sql_types::Text};
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut copy =
        diesel::SqliteConnection::establish(dest.to_str().expect("utf8")).expect("open backup");
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut copy)
        .expect("check");
    assert_eq!(check.len(), 1);
    assert_eq!(check[0].integrity_check, "ok");
    let count: Vec<Count> =
        diesel::sql_query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'test.write'")
            .load(&mut copy)
            .expect("count");
    assert!(count[0].n > 0 && count[0].n <= written as i64);

    // A second backup never overwrites the first.
    let again = steward_cmd(&app)
        .arg("backup")
        .arg(&dest)
        .output()
        .expect("run");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[tokio::test]
async fn create_admin_from_the_shell_prints_a_one_time_link() {
    let app = TestApp::spawn().await;
    let out = steward_cmd(&app)
        .args([
            "create-admin",
            "--email",
            "Shell@Example.org",
            "--name",
            "Shell Admin",
        ])
        .env("STEWARD_BASE_URL", "http://steward.test")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("shell@example.org"));
    let path = crate::helpers::link_path(&stdout, "/account/set-password/");
    let c = app.new_client();
    let r = c
        .post(
            &path,
            &[
                ("password", crate::helpers::PASSWORD),
                ("password_confirm", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        c.get("/staff/users").await.status(),
        200,
        "the new account is an admin"
    );
    // The first-run link stops working once an admin exists.
    assert_eq!(app.new_client().get(&app.setup_path()).await.status(), 410);

    // Bad input is refused with a clear message.
    let out = steward_cmd(&app)
        .args(["create-admin", "--email", "not an email"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Enter an email address"));
    let out = steward_cmd(&app)
        .args(["create-admin", "--email", "shell@example.org"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[tokio::test]
async fn create_admin_can_read_a_password_from_stdin() {
    use std::io::Write;
    let app = TestApp::spawn().await;
    let mut child = steward_cmd(&app)
        .args([
            "create-admin",
            "--email",
            "piped@example.org",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a long and boring test password\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app.new_client()
            .login("piped@example.org", crate::helpers::PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn check_config_masks_secrets_and_production_refuses_unsafe_settings() {
    let app = TestApp::spawn().await;
    let out = steward_cmd(&app)
        .arg("check-config")
        .env(
            "STEWARD_DATABASE_URL",
            "postgres://steward:topsecretpw@db.example.org/steward",
        )
        .env("STEWARD_STRIPE_SECRET_KEY", "sk_test_supersecret")
        .env(
            "STEWARD_MAIL_TRANSPORT",
            "smtps://mailer:mailsecret@smtp.example.org:465",
        )
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    for secret in ["topsecretpw", "sk_test_supersecret", "mailsecret"] {
        assert!(!stdout.contains(secret), "{secret} printed");
    }
    assert!(stdout.contains("db.example.org") && stdout.contains("smtp.example.org"));

    let out = steward_cmd(&app)
        .arg("serve")
        .env("STEWARD_PRODUCTION", "true")
        .env("STEWARD_PORT", "0")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to start in production mode"),
        "{stderr}"
    );
    assert!(
        stderr.contains("STEWARD_MAIL_TRANSPORT") && stderr.contains("https"),
        "{stderr}"
    );
}

#[tokio::test]
async fn seed_demo_fills_a_realistic_data_set_once() {
    let app = TestApp::spawn().await;
    let out = steward_cmd(&app).arg("seed-demo").output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("201 visible today over 6 tiers"),
        "{stdout}"
    );
    assert!(stdout.contains("Demo grants created"), "{stdout}");
    let again = steward_cmd(&app).arg("seed-demo").output().expect("run");
    assert!(String::from_utf8_lossy(&again.stdout).contains("already there"));
    assert!(String::from_utf8_lossy(&again.stdout).contains("Demo grants are already there"));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("The demo conference is already there")
    );
    assert!(stdout.contains("Demo conference created"), "{stdout}");
    crate::fixtures::checks::assert_demo_conference(&app);
    crate::fixtures::checks::assert_demo_grants(&app);
    let mut c = app.db();
    let visible =
        steward::models::sponsorships::visible_pairs(&mut c, chrono::Utc::now().date_naive(), None)
            .expect("query");
    // 200 active sponsors, and the paid ones whose terms start later (they are thanked from
    // payment on): the demo prospect's, and the conference's eight.
    assert_eq!(visible.len(), 209);
    // Six foundation tiers, the demo conference's five, and last year's tier of the sponsors
    // who did not renew (the outreach demo's lapsed sponsors).
    assert_eq!(
        steward::models::tiers::all(&mut c).expect("tiers").len(),
        12
    );
    // The pipeline went through the real services: one open and one paid invoice, numbered;
    // the conference's sponsorships add eight paid and two open ones.
    let invoices = steward::models::invoices::list(&mut c, None, 100).expect("invoices");
    assert_eq!(invoices.len(), 12);
    assert_eq!(invoices.iter().filter(|r| r.invoice.is_paid()).count(), 9);
    assert!(invoices.iter().any(|r| r.invoice.is_paid()));
    assert!(invoices.iter().any(|r| r.invoice.is_open()));
    // Seven stories in every state; three public today (one waits for its day).
    let all = steward::models::stories::page(&mut c, None, 0, 100).expect("stories");
    assert_eq!(all.len(), 7);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(all.iter().filter(|s| s.is_public(today)).count(), 3);
    assert_eq!(all.iter().filter(|s| s.is_scheduled(today)).count(), 1);
    assert!(
        all.iter()
            .any(|s| s.status() == steward::domain::story::Status::Returned
                && !s.feedback.is_empty())
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("demo stories are already there"));
    let (status, page) = app.new_client().page("/stories").await;
    assert_eq!(status, 200);
    assert!(page.contains("3 stories"), "{page}");
    // The demo staff can sign in.
    let r = app
        .new_client()
        .login("jonas@demo.steward.example", steward::seed::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), 303);
    let out = steward_cmd(&app)
        .arg("seed-demo")
        .env("STEWARD_PRODUCTION", "true")
        .output()
        .expect("run");
    assert!(!out.status.success(), "refused in production");
}
