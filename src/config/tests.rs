use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn defaults_work_with_nothing_set() {
    let s = Settings::load_from(&[]).expect("defaults");
    assert_eq!(s.port, 8080);
    assert_eq!(s.base_url, "http://127.0.0.1:8080");
    assert_eq!(s.mail_transport, MailTransport::File);
    assert!(s.production_problems().is_empty());
}

#[test]
fn env_wins_over_file() {
    let dir = tempfile_dir();
    let path = dir.join("steward.toml");
    std::fs::write(&path, "port = 9000\nfoundation_name = \"From file\"\n").expect("write");
    let s = Settings::load_from(&env(&[
        ("STEWARD_CONFIG", path.to_str().expect("utf8")),
        ("STEWARD_PORT", "9100"),
    ]))
    .expect("load");
    assert_eq!(s.port, 9100);
    assert_eq!(s.foundation_name, "From file");
}

#[test]
fn placement_flush_interval_has_a_default_and_an_env_var() {
    assert_eq!(
        Settings::load_from(&[])
            .expect("defaults")
            .placement_flush_secs,
        30
    );
    let s = Settings::load_from(&env(&[("STEWARD_PLACEMENT_FLUSH_SECS", "5")])).expect("load");
    assert_eq!(s.placement_flush_secs, 5);
    assert!(
        ENV_VARS
            .iter()
            .any(|(k, _)| *k == "STEWARD_PLACEMENT_FLUSH_SECS")
    );
}

#[test]
fn stripe_api_base_has_a_default_a_file_key_and_an_env_var() {
    assert_eq!(
        Settings::load_from(&[]).expect("defaults").stripe_api_base,
        "https://api.stripe.com"
    );
    let dir = tempfile_dir();
    let path = dir.join("stripe.toml");
    std::fs::write(&path, "stripe_api_base = \"http://127.0.0.1:9\"\n").expect("write");
    let file = Settings::load_from(&env(&[("STEWARD_CONFIG", path.to_str().expect("utf8"))]))
        .expect("load");
    assert_eq!(file.stripe_api_base, "http://127.0.0.1:9");
    let s = Settings::load_from(&env(&[
        ("STEWARD_CONFIG", path.to_str().expect("utf8")),
        ("STEWARD_STRIPE_API_BASE", "http://localhost:12111"),
    ]))
    .expect("load");
    assert_eq!(s.stripe_api_base, "http://localhost:12111");
    assert!(Settings::load_from(&env(&[("STEWARD_STRIPE_API_BASE", "ftp://x")])).is_err());
    assert!(
        ENV_VARS
            .iter()
            .any(|(k, _)| *k == "STEWARD_STRIPE_API_BASE")
    );
}

#[test]
fn unknown_file_keys_and_bad_numbers_are_refused() {
    let dir = tempfile_dir();
    let path = dir.join("bad.toml");
    std::fs::write(&path, "prot = 9000\n").expect("write");
    assert!(
        Settings::load_from(&env(&[("STEWARD_CONFIG", path.to_str().expect("utf8"))])).is_err()
    );
    assert!(Settings::load_from(&env(&[("STEWARD_PORT", "eighty")])).is_err());
    assert!(Settings::load_from(&env(&[("STEWARD_MAIL_TRANSPORT", "carrier-pigeon")])).is_err());
    assert!(Settings::load_from(&env(&[("STEWARD_PLACEMENT_FLUSH_SECS", "0")])).is_err());
}

#[test]
fn production_refuses_unsafe_settings() {
    let s = Settings::load_from(&env(&[
        ("STEWARD_PRODUCTION", "true"),
        ("STEWARD_STRIPE_SECRET_KEY", "sk_live_x"),
    ]))
    .expect("load");
    let p = s.production_problems().join("\n");
    assert!(p.contains("mail"), "{p}");
    assert!(p.contains("https"), "{p}");
    assert!(p.contains("WEBHOOK"), "{p}");

    let ok = Settings::load_from(&env(&[
        ("STEWARD_PRODUCTION", "true"),
        ("STEWARD_BASE_URL", "https://steward.example.org"),
        ("STEWARD_MAIL_TRANSPORT", "smtps://u:p@mail.example.org:465"),
    ]))
    .expect("load");
    assert!(ok.production_problems().is_empty());
}

#[test]
fn secrets_never_print() {
    let s = Settings::load_from(&env(&[
        (
            "STEWARD_DATABASE_URL",
            "postgres://app:hunter2hunter2@db/steward",
        ),
        (
            "STEWARD_MAIL_TRANSPORT",
            "smtps://u:mailpass@mail.example.org",
        ),
        ("STEWARD_STRIPE_SECRET_KEY", "sk_test_abc"),
    ]))
    .expect("load");
    let printed = format!("{:?} {:?}", s, s.describe());
    assert!(!printed.contains("hunter2"));
    assert!(!printed.contains("mailpass"));
    assert!(!printed.contains("sk_test_abc"));
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("steward-cfg-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

#[test]
fn sent_email_text_is_kept_180_days_unless_set_within_its_range() {
    assert_eq!(
        Settings::load_from(&[])
            .expect("defaults")
            .outbox_keep_bodies_days,
        180
    );
    let s = Settings::load_from(&env(&[("STEWARD_OUTBOX_KEEP_BODIES_DAYS", "30")])).expect("load");
    assert_eq!(s.outbox_keep_bodies_days, 30);
    for bad in ["0", "6", "3651", "-5", "soon"] {
        assert!(
            Settings::load_from(&env(&[("STEWARD_OUTBOX_KEEP_BODIES_DAYS", bad)])).is_err(),
            "{bad}"
        );
    }
}
