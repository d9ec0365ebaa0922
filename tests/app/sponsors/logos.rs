//! Sponsor logos over HTTP: uploads are checked by content and re-encoded, wait for approval,
//! and only approved logos are public; hostile uploads are refused and leave no trace.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb, Rgba};
use reqwest::multipart::{Form, Part};
use steward::domain::Role;
use steward::models::sponsors::{self};

use crate::fixtures::NewSponsor;
use crate::helpers::{TestApp, TestClient, flash, location};

fn insert_sponsor(app: &TestApp, name: &str) -> i64 {
    NewSponsor::named(name)
        .website("https://example.org")
        .insert(&mut app.db())
}

fn sponsor(app: &TestApp, id: i64) -> sponsors::Sponsor {
    sponsors::find(&mut app.db(), id).expect("sponsor")
}

/// An app, a sponsorships staff member signed in, and a sponsor.
async fn setup() -> (TestApp, TestClient, i64) {
    let app = TestApp::spawn().await;
    let (staff, _, _) = app.signed_in(&[Role::Sponsorships]).await;
    let id = insert_sponsor(&app, "Acme Labs");
    (app, staff, id)
}

fn encode(img: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// A logo with a transparent background: a teal bar on nothing.
fn png_with_alpha(w: u32, h: u32) -> Vec<u8> {
    let img = ImageBuffer::from_fn(w, h, |x, y| {
        if x > w / 8 && x < w - w / 8 && y > h / 4 && y < h - h / 4 {
            Rgba([11u8, 100, 112, 255])
        } else {
            Rgba([255, 255, 255, 0])
        }
    });
    encode(DynamicImage::ImageRgba8(img), ImageFormat::Png)
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = ImageBuffer::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    encode(DynamicImage::ImageRgb8(img), ImageFormat::Jpeg)
}

fn webp(w: u32, h: u32) -> Vec<u8> {
    let img = ImageBuffer::from_fn(w, h, |x, _| Rgba([200u8, (x % 256) as u8, 20, 255]));
    encode(DynamicImage::ImageRgba8(img), ImageFormat::WebP)
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A valid PNG signature and IHDR chunk declaring `w` × `h`, then an IDAT chunk that promises
/// more than it holds.
fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    out.extend_from_slice(&100_000u32.to_be_bytes());
    out.extend_from_slice(b"IDAT\x78\x9c\x00\x00");
    out
}

async fn upload_as(
    client: &TestClient,
    id: i64,
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let token = client.csrf_token().await;
    let part = Part::bytes(bytes)
        .file_name(file_name.to_string())
        .mime_str(content_type)
        .expect("mime");
    client
        .http
        .post(client.url(&format!("/staff/sponsors/{id}/logo?csrf_token={token}")))
        .multipart(Form::new().part("logo", part))
        .send()
        .await
        .expect("upload")
}

async fn upload(client: &TestClient, id: i64, bytes: Vec<u8>) -> reqwest::Response {
    upload_as(client, id, "logo.png", "image/png", bytes).await
}

/// Asserts a refused upload: the sponsor page again (422) with the message next to the file
/// field; returns the message.
async fn expect_refused(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(page.contains("aria-invalid=\"true\""), "{page}");
    let at = page
        .find("id=\"logo-file-error\">")
        .unwrap_or_else(|| panic!("no message next to the file field: {page}"));
    let rest = &page[at + "id=\"logo-file-error\">".len()..];
    rest[..rest.find("</p>").expect("end")].to_string()
}

/// Asserts a redirect back to the sponsor page with a flash of this kind; returns the message.
fn expect_flash(r: &reqwest::Response, id: i64, kind: &str) -> String {
    assert_eq!(r.status(), 303, "{:?}", flash(r));
    assert_eq!(location(r), format!("/staff/sponsors/{id}"));
    let (k, m) = flash(r).expect("a flash message");
    assert_eq!(k, kind, "{m}");
    m
}

/// Every file and folder under `dir` (relative paths), except the SQLite database itself.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let path = e.expect("entry").path();
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            if rel.starts_with("steward.sqlite3") {
                continue;
            }
            out.push(rel);
            if path.is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn data_dir(app: &TestApp) -> PathBuf {
    app.state.settings.data_dir.clone()
}

fn logo_file(app: &TestApp, key: &str, size: &str) -> PathBuf {
    data_dir(app)
        .join("uploads")
        .join("logos")
        .join(format!("{key}-{size}.png"))
}

/// Audit actions recorded, oldest first.
fn audit_actions(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use steward::db::schema::audit_log;
    audit_log::table
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut app.db())
        .expect("audit")
}

/// What a refused request must leave alone: the files under the data dir, the sponsor's logo
/// columns and the audit log.
fn snapshot(app: &TestApp, id: i64) -> String {
    let s = sponsor(app, id);
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?}",
        tree(&data_dir(app)),
        s.logo_key,
        s.logo_pending_key,
        s.logo_approved_at,
        s.updated_at,
        audit_actions(app)
    )
}

/// Both stored sizes decode as PNG, fit their boxes, and are never larger than the source.
fn assert_stored(app: &TestApp, key: &str, source: (u32, u32)) {
    for (size, max_w, max_h) in [("l", 480, 240), ("s", 200, 100)] {
        let bytes = std::fs::read(logo_file(app, key, size)).expect("stored file");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let img = image::load_from_memory_with_format(&bytes, ImageFormat::Png).expect("png");
        assert!(
            img.width() <= max_w && img.height() <= max_h,
            "{size}: {}×{}",
            img.width(),
            img.height()
        );
        assert!(img.width() <= source.0 && img.height() <= source.1);
        assert!(matches!(img, DynamicImage::ImageRgba8(_)));
    }
}

async fn decide(client: &TestClient, id: i64, what: &str, key: &str) -> reqwest::Response {
    client
        .post(
            &format!("/staff/sponsors/{id}/logo/{what}"),
            &[("key", key)],
        )
        .await
}

#[tokio::test]
async fn png_jpeg_and_webp_uploads_are_re_encoded_and_wait_for_approval() {
    let (app, staff, id) = setup().await;
    let mut previous: Option<String> = None;
    for (name, bytes, source, ct) in [
        ("logo.jpg", jpeg(1200, 400), (1200, 400), "image/jpeg"),
        ("logo.webp", webp(300, 300), (300, 300), "image/webp"),
        (
            "logo.png",
            png_with_alpha(960, 480),
            (960, 480),
            "image/png",
        ),
    ] {
        let r = upload_as(&staff, id, name, ct, bytes).await;
        assert_eq!(
            expect_flash(&r, id, "success"),
            "Logo uploaded. Approve it to show it publicly."
        );
        let s = sponsor(&app, id);
        let key = s.logo_pending_key.clone().expect("a waiting logo");
        assert_eq!(s.logo_key, None);
        assert_stored(&app, &key, source);
        // Waiting logos are not public, under any size.
        for size in ["l", "s"] {
            let r = app.get(&format!("/media/logos/{key}-{size}.png")).await;
            assert_eq!(r.status(), 404, "{name}");
        }
        // A new upload replaces the waiting one, whose files go.
        if let Some(old) = previous.replace(key.clone()) {
            assert!(!logo_file(&app, &old, "l").exists());
            assert!(!logo_file(&app, &old, "s").exists());
        }
    }
    let key = previous.expect("key");
    let l = image::load_from_memory(&std::fs::read(logo_file(&app, &key, "l")).expect("l"))
        .expect("png")
        .into_rgba8();
    assert_eq!(l.dimensions(), (480, 240));
    assert_eq!(l.get_pixel(0, 0)[3], 0, "transparency is kept");
    assert_eq!(l.get_pixel(240, 120).0, [11, 100, 112, 255]);

    // Staff preview the waiting logo (small size), never cached.
    let r = staff
        .get(&format!("/staff/sponsors/{id}/logo/pending.png"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(
        r.bytes().await.expect("body").to_vec(),
        std::fs::read(logo_file(&app, &key, "s")).expect("s")
    );

    let r = decide(&staff, id, "approve", &key).await;
    assert_eq!(
        expect_flash(&r, id, "success"),
        "Logo approved. It now shows publicly."
    );
    let s = sponsor(&app, id);
    assert_eq!(s.logo_key.as_deref(), Some(key.as_str()));
    assert_eq!(s.logo_pending_key, None);
    assert!(s.logo_approved_at.is_some());
    assert_eq!(s.logo_url("s"), Some(format!("/media/logos/{key}-s.png")));
    for size in ["l", "s"] {
        let r = app.get(&format!("/media/logos/{key}-{size}.png")).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(r.headers().get("set-cookie").is_none());
        assert_eq!(
            r.bytes().await.expect("body").to_vec(),
            std::fs::read(logo_file(&app, &key, size)).expect("file")
        );
    }
    assert_eq!(
        staff
            .get(&format!("/staff/sponsors/{id}/logo/pending.png"))
            .await
            .status(),
        404,
        "nothing waits any more"
    );
    assert_eq!(
        audit_actions(&app)
            .into_iter()
            .filter(|a| a.starts_with("sponsor.logo"))
            .collect::<Vec<_>>(),
        [
            "sponsor.logo_uploaded",
            "sponsor.logo_uploaded",
            "sponsor.logo_uploaded",
            "sponsor.logo_approved"
        ]
    );
}

#[tokio::test]
async fn approving_a_new_logo_replaces_the_public_one_and_deletes_its_files() {
    let (app, staff, id) = setup().await;
    upload(&staff, id, png_with_alpha(400, 200)).await;
    let first = sponsor(&app, id).logo_pending_key.expect("first");
    expect_flash(&decide(&staff, id, "approve", &first).await, id, "success");

    upload(&staff, id, jpeg(640, 320)).await;
    let second = sponsor(&app, id).logo_pending_key.expect("second");
    // Until approved, the public keeps seeing the first.
    assert_eq!(
        app.get(&format!("/media/logos/{first}-l.png"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get(&format!("/media/logos/{second}-l.png"))
            .await
            .status(),
        404
    );

    expect_flash(&decide(&staff, id, "approve", &second).await, id, "success");
    assert_eq!(sponsor(&app, id).logo_key.as_deref(), Some(second.as_str()));
    for size in ["l", "s"] {
        assert!(!logo_file(&app, &first, size).exists(), "old files deleted");
        assert!(logo_file(&app, &second, size).exists());
        assert_eq!(
            app.get(&format!("/media/logos/{first}-{size}.png"))
                .await
                .status(),
            404
        );
        assert_eq!(
            app.get(&format!("/media/logos/{second}-{size}.png"))
                .await
                .status(),
            200
        );
    }
    let mut files = tree(&data_dir(&app));
    files.retain(|f| f.ends_with(".png"));
    assert_eq!(files.len(), 2, "{files:?}");
}

#[tokio::test]
async fn rejecting_deletes_the_waiting_files_and_keeps_the_public_logo() {
    let (app, staff, id) = setup().await;
    upload(&staff, id, webp(200, 200)).await;
    let public = sponsor(&app, id).logo_pending_key.expect("key");
    decide(&staff, id, "approve", &public).await;
    upload(&staff, id, png_with_alpha(300, 100)).await;
    let waiting = sponsor(&app, id).logo_pending_key.expect("key");

    // A decision about a logo other than the one waiting changes nothing.
    let before = snapshot(&app, id);
    for what in ["approve", "reject"] {
        let r = decide(&staff, id, what, &public).await;
        assert!(expect_flash(&r, id, "error").contains("different logo"));
        let r = decide(&staff, id, what, "").await;
        assert!(expect_flash(&r, id, "error").contains("different logo"));
    }
    assert_eq!(snapshot(&app, id), before);

    let r = decide(&staff, id, "reject", &waiting).await;
    assert_eq!(
        expect_flash(&r, id, "success"),
        "Logo rejected and deleted."
    );
    let s = sponsor(&app, id);
    assert_eq!(s.logo_pending_key, None);
    assert_eq!(s.logo_key.as_deref(), Some(public.as_str()));
    for size in ["l", "s"] {
        assert!(!logo_file(&app, &waiting, size).exists());
        assert!(logo_file(&app, &public, size).exists());
    }
    assert_eq!(
        app.get(&format!("/media/logos/{public}-l.png"))
            .await
            .status(),
        200
    );
    assert!(audit_actions(&app).contains(&"sponsor.logo_rejected".to_string()));

    // Nothing waits now: a second click says so and changes nothing.
    let before = snapshot(&app, id);
    for what in ["approve", "reject"] {
        let r = decide(&staff, id, what, &waiting).await;
        assert!(expect_flash(&r, id, "error").contains("no logo waiting"));
    }
    assert_eq!(snapshot(&app, id), before);
}

#[tokio::test]
async fn hostile_uploads_are_refused_with_a_clear_message_and_leave_no_trace() {
    let (app, staff, id) = setup().await;
    let mut png_then_html = png_with_alpha(64, 64)[..33].to_vec();
    png_then_html.extend_from_slice(b"<html><body><script>alert(document.cookie)</script>");
    let mut signature_then_html = b"\x89PNG\r\n\x1a\n".to_vec();
    signature_then_html.extend_from_slice(b"<!doctype html><script>alert(1)</script>");
    let svg = br#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" onload="alert(1)">
  <script>fetch('/staff/users')</script><rect width="100" height="100"/>
</svg>"#
        .to_vec();
    let mut elf =
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00".to_vec();
    elf.resize(4096, 0x90);
    let mut just_over = png_with_alpha(64, 64);
    just_over.resize(2 * 1024 * 1024 + 1, 0);
    let mut three_mb = png_with_alpha(64, 64);
    three_mb.resize(3 * 1024 * 1024, 0);

    let cases: Vec<(&str, &str, &str, Vec<u8>, &str)> = vec![
        (
            "PNG header then HTML",
            "logo.png",
            "image/png",
            png_then_html,
            "could not be read",
        ),
        (
            "PNG signature then HTML",
            "logo.png",
            "image/png",
            signature_then_html,
            "could not be read",
        ),
        (
            "SVG with a script",
            "logo.svg",
            "image/svg+xml",
            svg.clone(),
            "SVG logos are not accepted: upload a PNG, JPEG or WebP",
        ),
        (
            "SVG named and typed as PNG",
            "logo.png",
            "image/png",
            svg,
            "SVG logos are not accepted",
        ),
        (
            "30000 × 30000 PNG header",
            "logo.png",
            "image/png",
            png_declaring(30000, 30000),
            "30000 × 30000 pixels; logos may be at most 6000 × 6000",
        ),
        (
            "renamed executable",
            "logo.png",
            "image/png",
            elf,
            "not a PNG, JPEG or WebP image",
        ),
        ("empty file", "logo.png", "image/png", Vec::new(), "empty"),
        (
            "GIF",
            "logo.gif",
            "image/gif",
            b"GIF89a\x20\x00\x20\x00\x00\x00\x00;".to_vec(),
            "GIF images are not accepted",
        ),
        (
            "too small",
            "logo.png",
            "image/png",
            png_with_alpha(31, 200),
            "at least 32 pixels",
        ),
        (
            "one byte over 2 MiB",
            "logo.png",
            "image/png",
            just_over,
            "larger than 2 MB",
        ),
        (
            "3 MB",
            "logo.png",
            "image/png",
            three_mb,
            "larger than 2 MB",
        ),
        (
            "no file chosen",
            "",
            "application/octet-stream",
            Vec::new(),
            "Choose a logo file",
        ),
    ];
    let before = snapshot(&app, id);
    assert!(!before.contains("uploads"), "nothing stored yet");
    for (what, file_name, content_type, bytes, expected) in cases {
        let r = upload_as(&staff, id, file_name, content_type, bytes).await;
        let message = expect_refused(r).await;
        assert!(message.contains(expected), "{what}: {message}");
        assert_eq!(snapshot(&app, id), before, "{what} changed something");
    }
    let r = upload_as(&staff, id, "x.svg", "image/svg+xml", b"<svg/>".to_vec()).await;
    assert!(
        expect_refused(r)
            .await
            .contains("SVG logos are not accepted: upload a PNG, JPEG or WebP.")
    );

    // The test is not vacuous: a real logo is accepted by the same request.
    let r = upload(&staff, id, png_with_alpha(64, 64)).await;
    expect_flash(&r, id, "success");
}

#[tokio::test]
async fn the_uploaded_file_name_never_becomes_a_path() {
    let (app, staff, id) = setup().await;
    let outside = data_dir(&app).parent().expect("parent").join("evil.png");
    let existed = outside.exists();
    let r = upload_as(&staff, id, "../../evil.png", "image/png", jpeg(100, 100)).await;
    expect_flash(&r, id, "success");
    let key = sponsor(&app, id).logo_pending_key.expect("key");
    assert_eq!(
        tree(&data_dir(&app)),
        [
            "uploads".to_string(),
            "uploads/logos".to_string(),
            format!("uploads/logos/{key}-l.png"),
            format!("uploads/logos/{key}-s.png"),
        ]
    );
    assert_eq!(outside.exists(), existed);
    assert!(!Path::new("/evil.png").exists());
    assert_eq!(key.len(), 32);
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
}

#[tokio::test]
async fn only_sponsorship_staff_handle_logos_and_every_upload_needs_a_csrf_token() {
    let (app, staff, id) = setup().await;
    upload(&staff, id, png_with_alpha(100, 100)).await;
    let key = sponsor(&app, id).logo_pending_key.expect("key");
    let (editor, _, _) = app.signed_in(&[Role::Editor, Role::Admin]).await;
    let before = snapshot(&app, id);

    // Staff without the sponsorships role.
    assert_eq!(
        upload(&editor, id, png_with_alpha(64, 64)).await.status(),
        403
    );
    for what in ["approve", "reject"] {
        assert_eq!(decide(&editor, id, what, &key).await.status(), 403);
    }
    assert_eq!(
        editor
            .get(&format!("/staff/sponsors/{id}/logo/pending.png"))
            .await
            .status(),
        403
    );

    // Anonymous visitors are sent to sign in.
    let anon = app.new_client();
    let r = upload(&anon, id, png_with_alpha(64, 64)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    let r = decide(&anon, id, "approve", &key).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    let r = anon
        .get(&format!("/staff/sponsors/{id}/logo/pending.png"))
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login?next="));

    // A multipart upload without the token, with a made-up one, or with the token in a form
    // field instead of the query string, is refused before the body is read.
    let form = || {
        Form::new().part(
            "logo",
            Part::bytes(png_with_alpha(64, 64))
                .file_name("logo.png")
                .mime_str("image/png")
                .expect("mime"),
        )
    };
    let url = staff.url(&format!("/staff/sponsors/{id}/logo"));
    let r = staff
        .http
        .post(&url)
        .multipart(form())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let r = staff
        .http
        .post(format!("{url}?csrf_token={}", "ab".repeat(32)))
        .multipart(form())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let token = staff.csrf_token().await;
    let r = staff
        .http
        .post(&url)
        .multipart(form().text("csrf_token", token))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    // Another browser's token.
    let theirs = editor.csrf_token().await;
    let r = staff
        .http
        .post(format!("{url}?csrf_token={theirs}"))
        .multipart(form())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);

    assert_eq!(snapshot(&app, id), before);

    // A sponsor that does not exist.
    assert_eq!(
        upload(&staff, 9999, png_with_alpha(64, 64)).await.status(),
        404
    );
    assert_eq!(decide(&staff, 9999, "approve", &key).await.status(), 404);
    assert_eq!(snapshot(&app, id), before);
}

#[tokio::test]
async fn only_approved_logo_files_are_served() {
    let (app, staff, id) = setup().await;
    upload(&staff, id, png_with_alpha(100, 100)).await;
    let key = sponsor(&app, id).logo_pending_key.expect("key");
    decide(&staff, id, "approve", &key).await;
    upload(&staff, id, png_with_alpha(120, 100)).await;
    let waiting = sponsor(&app, id).logo_pending_key.expect("waiting");
    assert_eq!(
        app.get(&format!("/media/logos/{key}-l.png")).await.status(),
        200
    );
    let upper = key.to_uppercase();
    for path in [
        "/media/logos/../../steward.sqlite3".to_string(),
        "/media/logos/..%2F..%2Fsteward.sqlite3".to_string(),
        "/media/logos/%2e%2e%2f%2e%2e%2fsteward.sqlite3".to_string(),
        "/media/logos/%2e%2e/%2e%2e/steward.sqlite3".to_string(),
        "/media/logos/steward.sqlite3".to_string(),
        "/media/logos/".to_string(),
        format!("/media/logos/{waiting}-l.png"),
        format!("/media/logos/{waiting}-s.png"),
        format!("/media/logos/{key}-m.png"),
        format!("/media/logos/{key}.png"),
        format!("/media/logos/{key}-l.png.bak"),
        format!("/media/logos/{upper}-l.png"),
        format!("/media/logos/{key}-l.png%00.txt"),
        format!("/media/logos/..%2Flogos%2F{key}-l.png"),
        "/media/logos/00000000000000000000000000000000-l.png".to_string(),
        "/uploads/logos/".to_string() + &key + "-l.png",
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_ne!(r.headers()["content-type"], "image/png", "{path}");
    }
}
