use super::*;
use image::{ImageBuffer, Rgb, Rgba};

fn encode(img: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn gradient(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgba8(ImageBuffer::from_fn(w, h, |x, y| {
        Rgba([(x % 256) as u8, (y % 256) as u8, 128, 255])
    }))
}

fn png(w: u32, h: u32) -> Vec<u8> {
    encode(gradient(w, h), ImageFormat::Png)
}

/// A PNG signature and an IHDR chunk (with a correct CRC) declaring this size, then `rest`.
fn png_header(w: u32, h: u32, rest: &[u8]) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    out.extend_from_slice(rest);
    out
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

fn chunk_types(png: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 8;
    while i + 8 <= png.len() {
        let len = u32::from_be_bytes(png[i..i + 4].try_into().unwrap()) as usize;
        out.push(String::from_utf8_lossy(&png[i + 4..i + 8]).into_owned());
        i += 12 + len;
    }
    out
}

#[test]
fn png_jpeg_and_webp_are_accepted_and_become_bare_pngs() {
    for (format, name) in [
        (ImageFormat::Png, SourceFormat::Png),
        (ImageFormat::Jpeg, SourceFormat::Jpeg),
        (ImageFormat::WebP, SourceFormat::WebP),
    ] {
        let img = if format == ImageFormat::Jpeg {
            DynamicImage::ImageRgb8(gradient(640, 200).into_rgb8())
        } else {
            gradient(640, 200)
        };
        let logo = process_logo(&encode(img, format)).unwrap();
        assert_eq!(logo.source_format, name);
        assert_eq!((logo.source_width, logo.source_height), (640, 200));
        let sizes: Vec<_> = logo
            .renditions
            .iter()
            .map(|r| (r.size, r.width, r.height))
            .collect();
        assert_eq!(sizes, [("l", 480, 150), ("s", 200, 63)]);
        for r in &logo.renditions {
            assert_eq!(chunk_types(&r.png), ["IHDR", "IDAT", "IEND"], "{name:?}");
            let back = image::load_from_memory_with_format(&r.png, ImageFormat::Png).unwrap();
            assert_eq!((back.width(), back.height()), (r.width, r.height));
            assert!(matches!(back, DynamicImage::ImageRgba8(_)));
        }
    }
}

#[test]
fn transparency_is_kept_and_edges_do_not_darken() {
    // A red disc on transparent black: resampling straight alpha would pull the edge
    // towards black.
    let img = ImageBuffer::from_fn(400, 400, |x, y| {
        let (dx, dy) = (x as i32 - 200, y as i32 - 200);
        if dx * dx + dy * dy < 150 * 150 {
            Rgba([255u8, 0, 0, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    let logo = process_logo(&encode(DynamicImage::ImageRgba8(img), ImageFormat::Png)).unwrap();
    let small = image::load_from_memory(&logo.renditions[1].png)
        .unwrap()
        .into_rgba8();
    assert_eq!(small.dimensions(), (100, 100));
    assert_eq!(small.get_pixel(0, 0)[3], 0, "corners stay transparent");
    assert_eq!(small.get_pixel(50, 50).0, [255, 0, 0, 255]);
    for p in small.pixels().filter(|p| p[3] > 16) {
        assert!(p[0] >= 240, "edge pixel darkened: {p:?}");
    }
}

#[test]
fn small_logos_are_never_upscaled() {
    let logo = process_logo(&png(150, 40)).unwrap();
    let sizes: Vec<_> = logo
        .renditions
        .iter()
        .map(|r| (r.width, r.height))
        .collect();
    assert_eq!(sizes, [(150, 40), (150, 40)]);
}

#[test]
fn fitted_sizes() {
    assert_eq!(fitted_size(4800, 2400, 480, 240), (480, 240));
    assert_eq!(fitted_size(1000, 1000, 480, 240), (240, 240));
    assert_eq!(fitted_size(6000, 32, 480, 240), (480, 3));
    assert_eq!(fitted_size(32, 6000, 200, 100), (1, 100));
    assert_eq!(fitted_size(100, 50, 200, 100), (100, 50));
    assert_eq!(fitted_size(201, 100, 200, 100), (200, 100));
}

#[test]
fn dimension_rules() {
    assert!(check_dimensions(32, 32).is_ok());
    assert!(check_dimensions(6000, 6000).is_ok());
    assert!(
        check_dimensions(6001, 100)
            .unwrap_err()
            .contains("at most 6000")
    );
    assert!(check_dimensions(100, 6001).is_err());
    assert!(
        check_dimensions(31, 100)
            .unwrap_err()
            .contains("at least 32")
    );
    assert!(check_dimensions(100, 31).is_err());
    assert!(
        process_logo(&png(31, 64))
            .unwrap_err()
            .contains("at least 32")
    );
    assert!(process_logo(&png(64, 20)).unwrap_err().contains("64 × 20"));
    assert!(process_logo(&png(32, 32)).is_ok());
}

#[test]
fn a_header_declaring_a_huge_image_is_refused_before_decoding() {
    // A real IDAT chunk start with nonsense in it: the header is read, the pixels never.
    let mut rest = 64u32.to_be_bytes().to_vec();
    rest.extend_from_slice(b"IDAT");
    rest.extend_from_slice(&[0xAB; 20]);
    let err = process_logo(&png_header(30000, 30000, &rest)).unwrap_err();
    assert_eq!(
        err,
        "The image is 30000 × 30000 pixels; logos may be at most 6000 × 6000 pixels."
    );
    let err = process_logo(&png_header(6001, 10, &rest)).unwrap_err();
    assert!(
        err.contains("at most 6000") || err.contains("too large"),
        "{err}"
    );
    // Just a header and nothing after it.
    assert!(process_logo(&png_header(30000, 30000, b"")).is_err());
}

#[test]
fn svg_gif_pdf_html_and_executables_are_refused_by_content() {
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    assert_eq!(
        process_logo(svg).unwrap_err(),
        "SVG logos are not accepted: upload a PNG, JPEG or WebP."
    );
    let bare_svg = b"\xEF\xBB\xBF\n  <SVG viewBox='0 0 1 1'></SVG>";
    assert!(process_logo(bare_svg).unwrap_err().starts_with("SVG"));
    assert!(
        process_logo(b"GIF89a\x01\x00\x01\x00")
            .unwrap_err()
            .starts_with("GIF")
    );
    assert!(process_logo(b"%PDF-1.7\n").unwrap_err().starts_with("PDF"));
    for other in [
        &b"<!doctype html><html><script>alert(1)</script>"[..],
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00",
        b"MZ\x90\x00\x03\x00\x00\x00",
        b"PK\x03\x04",
        b"BM\x36\x00\x00\x00",
        b"hello",
    ] {
        assert_eq!(process_logo(other).unwrap_err(), NOT_AN_IMAGE);
    }
    assert!(process_logo(b"").unwrap_err().contains("empty"));
}

#[test]
fn damaged_files_fail_cleanly() {
    let good = png(200, 100);
    // A PNG signature followed by a web page.
    let mut html = b"\x89PNG\r\n\x1a\n".to_vec();
    html.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    assert_eq!(process_logo(&html).unwrap_err(), DAMAGED);
    // A real header followed by HTML instead of image data.
    let mut header_then_html = good[..33].to_vec();
    header_then_html.extend_from_slice(b"<html><script>alert(1)</script></html>");
    assert!(process_logo(&header_then_html).is_err());
    // Cut short at many points.
    for cut in [8, 16, 33, 40, good.len() / 2, good.len() - 13] {
        assert!(process_logo(&good[..cut]).is_err(), "cut at {cut}");
    }
    let jpeg = encode(
        DynamicImage::ImageRgb8(ImageBuffer::from_pixel(300, 200, Rgb([9, 9, 9]))),
        ImageFormat::Jpeg,
    );
    assert!(jpeg_is_complete(&jpeg));
    for cut in [3, 20, jpeg.len() / 3, jpeg.len() - 2, jpeg.len() - 1] {
        assert!(process_logo(&jpeg[..cut]).is_err(), "jpeg cut at {cut}");
    }
    let mut trailer = jpeg.clone();
    trailer.extend_from_slice(b"camera trailer");
    assert!(process_logo(&trailer).is_ok());
    let webp = encode(gradient(300, 200), ImageFormat::WebP);
    for cut in [12, 30, webp.len() / 2] {
        assert!(process_logo(&webp[..cut]).is_err(), "webp cut at {cut}");
    }
    // Random garbage behind each signature.
    let mut state = 0x1234_5678u32;
    for sig in [
        &b"\x89PNG\r\n\x1a\n"[..],
        b"\xFF\xD8\xFF",
        b"RIFF\x00\x10\x00\x00WEBPVP8 ",
    ] {
        for _ in 0..20 {
            let mut bytes = sig.to_vec();
            for _ in 0..500 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                bytes.push(state as u8);
            }
            assert!(process_logo(&bytes).is_err());
        }
    }
}

#[test]
fn oversized_uploads_are_refused_before_reading() {
    let mut big = png(64, 64);
    big.resize(MAX_UPLOAD_BYTES + 1, 0);
    assert!(process_logo(&big).unwrap_err().contains("larger than 2 MB"));
}

#[test]
fn keys_and_file_names() {
    let key = new_key();
    assert!(valid_key(&key), "{key}");
    assert_eq!(key.len(), 32);
    for bad in [
        "",
        "../../steward",
        "0123456789ABCDEF0123456789abcdef",
        "0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0",
        "0123456789abcdef/123456789abcdef",
        "0123456789abcdef0123456789abcde\0",
    ] {
        assert!(!valid_key(bad), "{bad:?}");
    }
    let k = "0123456789abcdef0123456789abcdef";
    assert_eq!(logo_url(k, "l"), format!("/media/logos/{k}-l.png"));
    assert_eq!(parse_file_name(&format!("{k}-s.png")), Some((k, "s")));
    for bad in [
        format!("{k}-m.png"),
        format!("{k}-l.PNG"),
        format!("{k}.png"),
        format!("../{k}-l.png"),
        "..%2F..%2Fsteward.sqlite3".to_string(),
    ] {
        assert_eq!(parse_file_name(&bad), None, "{bad}");
    }
    assert_eq!(logo_path(Path::new("/d"), "../x", "l"), None);
}

#[test]
fn store_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let logo = process_logo(&png(600, 300)).unwrap();
    let key = store_logo(dir.path(), &logo).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(logos_dir(dir.path()))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [format!("{key}-l.png"), format!("{key}-s.png")]);
    let other = store_logo(dir.path(), &logo).unwrap();
    assert_ne!(key, other);
    delete_logo(dir.path(), &key).unwrap();
    delete_logo(dir.path(), &key).unwrap();
    delete_logo(dir.path(), "../../etc").unwrap();
    let left = std::fs::read_dir(logos_dir(dir.path())).unwrap().count();
    assert_eq!(left, 2);
}
