//! Sponsor logos: check an upload by its content, re-encode it as PNG at the sizes the pages
//! use, and keep the files under `<data_dir>/uploads/logos/` with server-chosen names.
//!
//! Nothing a sponsor uploads is ever served as sent. The bytes are recognised by their magic
//! numbers (never by file name or declared type), the pixel size is read from the header before
//! anything is decoded, decoding runs with limits, and what we keep is a fresh PNG that we drew
//! ourselves: metadata, colour profiles, trailing data and anything hidden in the original are
//! gone.
//!
//! SVG is refused rather than sanitised: an SVG is a document that can carry script, event
//! handlers, `foreignObject` and external references, and a sanitiser has to get every one of
//! them right forever. Sponsors can export a PNG from any design tool.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError, ImageFormat,
    ImageReader, Limits, RgbaImage,
};
use rand::RngCore;

/// Largest upload accepted, in bytes (2 MiB).
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
/// Largest accepted width or height, in pixels.
pub const MAX_SIDE: u32 = 6000;
/// Smallest accepted width or height, in pixels.
pub const MIN_SIDE: u32 = 32;
/// Most memory the decoder may allocate: a 6000 × 6000 RGBA image with room to spare, but not
/// the 16-bit variant of one.
const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;

/// The sizes we keep of every logo: name in the file name, and the box it must fit in.
pub const SIZES: [(&str, u32, u32); 2] = [("l", 480, 240), ("s", 200, 100)];

/// What the accepted bytes turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    Png,
    Jpeg,
    WebP,
}

impl SourceFormat {
    /// The format's usual name, for messages and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Png => "PNG",
            SourceFormat::Jpeg => "JPEG",
            SourceFormat::WebP => "WebP",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            SourceFormat::Png => ImageFormat::Png,
            SourceFormat::Jpeg => ImageFormat::Jpeg,
            SourceFormat::WebP => ImageFormat::WebP,
        }
    }
}

/// One re-encoded size of a logo.
#[derive(Clone, Debug)]
pub struct Rendition {
    /// "l" or "s".
    pub size: &'static str,
    pub width: u32,
    pub height: u32,
    /// A PNG file.
    pub png: Vec<u8>,
}

/// A checked logo, re-encoded and ready to store.
#[derive(Clone, Debug)]
pub struct ProcessedLogo {
    pub source_format: SourceFormat,
    /// Pixel size of the upload (after applying its EXIF orientation).
    pub source_width: u32,
    pub source_height: u32,
    /// One per entry of [`SIZES`], in that order.
    pub renditions: Vec<Rendition>,
}

const NOT_AN_IMAGE: &str = "This file is not a PNG, JPEG or WebP image. Upload a logo in one of \
                            those formats.";
const DAMAGED: &str = "The image could not be read: the file is damaged or incomplete. Export \
                       it again as a PNG, JPEG or WebP and upload that.";

/// Recognises an upload by its first bytes; the error is a sentence for the uploader.
pub fn sniff(bytes: &[u8]) -> Result<SourceFormat, String> {
    if bytes.is_empty() {
        return Err("The file is empty. Choose a PNG, JPEG or WebP image.".into());
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(SourceFormat::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(SourceFormat::Jpeg);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(SourceFormat::WebP);
    }
    // Refusals with a more helpful sentence than "not an image".
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Err("GIF images are not accepted: upload a PNG, JPEG or WebP.".into());
    }
    if bytes.starts_with(b"%PDF-") {
        return Err("PDF files are not accepted: upload the logo as a PNG, JPEG or WebP.".into());
    }
    let head = text_head(bytes);
    if head.contains("<svg") || (head.starts_with("<?xml") && !head.contains("<html")) {
        return Err("SVG logos are not accepted: upload a PNG, JPEG or WebP.".into());
    }
    Err(NOT_AN_IMAGE.into())
}

/// The start of a file as lower-case text without a BOM or leading white space, for telling
/// SVG apart from other non-images.
fn text_head(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(1024)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    String::from_utf8_lossy(head)
        .trim_start()
        .to_ascii_lowercase()
}

fn read_error(e: ImageError) -> String {
    match e {
        ImageError::Limits(_) => format!(
            "The image is too large to process: logos may be at most {MAX_SIDE} × {MAX_SIDE} \
             pixels."
        ),
        _ => DAMAGED.into(),
    }
}

/// The sizes we keep of a success story's picture: same names as a logo's, larger boxes.
pub const STORY_SIZES: [(&str, u32, u32); 2] = [("l", 1200, 800), ("s", 480, 320)];

/// Checks an upload and re-encodes it as PNG at every size in [`SIZES`]. The error is a sentence
/// for the person uploading.
pub fn process_logo(bytes: &[u8]) -> Result<ProcessedLogo, String> {
    process_image(bytes, &SIZES)
}

/// The same checks as a logo's, re-encoded at the sizes of a story picture.
pub fn process_story_image(bytes: &[u8]) -> Result<ProcessedLogo, String> {
    process_image(bytes, &STORY_SIZES)
}

fn process_image(
    bytes: &[u8],
    sizes: &[(&'static str, u32, u32)],
) -> Result<ProcessedLogo, String> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(too_large_message());
    }
    let format = sniff(bytes)?;
    if format == SourceFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(DAMAGED.into());
    }

    // The pixel size, from the header alone, before any pixel is decoded.
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| DAMAGED.to_string())?;
    if reader.format() != Some(format.image_format()) {
        return Err(NOT_AN_IMAGE.into());
    }
    let (width, height) = reader.into_dimensions().map_err(read_error)?;
    check_dimensions(width, height)?;

    // Decode, with the same bounds enforced again by the decoder itself.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(read_error)?;
    limits.reserve(decoder.total_bytes()).map_err(read_error)?;
    // A photo's EXIF orientation says which way is up; the PNG we write has no EXIF to say it.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(read_error)?;
    image.apply_orientation(orientation);
    let (source_width, source_height) = (image.width(), image.height());

    let mut rgba = image.into_rgba8();
    premultiply(&mut rgba);
    let renditions = sizes
        .iter()
        .map(|&(size, max_w, max_h)| {
            let mut fitted = fit_within(&rgba, max_w, max_h);
            unpremultiply(&mut fitted);
            let png = encode_png(&fitted).map_err(|_| DAMAGED.to_string())?;
            Ok(Rendition {
                size,
                width: fitted.width(),
                height: fitted.height(),
                png,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(ProcessedLogo {
        source_format: format,
        source_width,
        source_height,
        renditions,
    })
}

/// True when a JPEG's segments and scans run through to its end-of-image marker. The JPEG
/// decoder is lenient and would turn a cut-off upload into a half-grey logo; the PNG and WebP
/// decoders refuse one themselves. Data after the end marker (some cameras add some) is allowed.
fn jpeg_is_complete(b: &[u8]) -> bool {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    loop {
        // A marker: 0xFF (possibly repeated as fill), then its code.
        if b.get(i) != Some(&0xFF) {
            return false;
        }
        while b.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = b.get(i) else {
            return false;
        };
        i += 1;
        match marker {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => continue,
            0x00 => return false,
            _ => {
                let (Some(&hi), Some(&lo)) = (b.get(i), b.get(i + 1)) else {
                    return false;
                };
                let len = usize::from(u16::from_be_bytes([hi, lo]));
                if len < 2 || i + len > b.len() {
                    return false;
                }
                i += len;
                if marker == 0xDA {
                    // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00
                    // or a restart marker.
                    loop {
                        match (b.get(i), b.get(i + 1)) {
                            (None, _) | (Some(0xFF), None) => return false,
                            (Some(0xFF), Some(&n)) if n == 0x00 || (0xD0..=0xD7).contains(&n) => {
                                i += 2
                            }
                            (Some(0xFF), Some(0xFF)) => i += 1,
                            (Some(0xFF), Some(_)) => break,
                            _ => i += 1,
                        }
                    }
                }
            }
        }
    }
}

/// The sentence for an upload over [`MAX_UPLOAD_BYTES`].
pub fn too_large_message() -> String {
    "The file is larger than 2 MB. Upload a smaller PNG, JPEG or WebP.".into()
}

/// The pixel-size rule, for the header's width and height.
pub fn check_dimensions(width: u32, height: u32) -> Result<(), String> {
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!(
            "The image is {width} × {height} pixels; logos may be at most {MAX_SIDE} × \
             {MAX_SIDE} pixels."
        ));
    }
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(format!(
            "The image is {width} × {height} pixels; logos must be at least {MIN_SIDE} pixels \
             wide and high."
        ));
    }
    Ok(())
}

/// The size of a `width` × `height` image scaled down (never up) to fit in the box, keeping
/// its aspect ratio; each side at least one pixel.
pub fn fitted_size(width: u32, height: u32, max_w: u32, max_h: u32) -> (u32, u32) {
    if width <= max_w && height <= max_h {
        return (width, height);
    }
    let (w, h) = (u64::from(width), u64::from(height));
    let (mw, mh) = (u64::from(max_w), u64::from(max_h));
    // Compare ratios w/h and mw/mh in integers: the tighter side decides.
    let (nw, nh) = if w * mh >= h * mw {
        (mw, (h * mw + w / 2) / w)
    } else {
        ((w * mh + h / 2) / h, mh)
    };
    (nw.max(1) as u32, nh.max(1) as u32)
}

/// Scales a premultiplied image down to fit in the box (a copy when it already fits).
fn fit_within(src: &RgbaImage, max_w: u32, max_h: u32) -> RgbaImage {
    let (w, h) = fitted_size(src.width(), src.height(), max_w, max_h);
    if (w, h) == src.dimensions() {
        return src.clone();
    }
    // A large reduction first averages blocks of pixels (fast, and exact for the bulk of the
    // work), then a Lanczos filter does the last factor of two or less, where box averaging
    // would alias.
    let src_view;
    let src = if src.width() > 2 * w && src.height() > 2 * h {
        src_view = image::imageops::thumbnail(src, 2 * w, 2 * h);
        &src_view
    } else {
        src
    };
    image::imageops::resize(src, w, h, FilterType::Lanczos3)
}

/// Resampling straight RGBA lets the colour of invisible pixels bleed into the edges of a
/// transparent logo (dark or light halos); resampling premultiplied colour does not.
fn premultiply(img: &mut RgbaImage) {
    for p in img.pixels_mut() {
        let a = u16::from(p[3]);
        for c in &mut p.0[..3] {
            *c = ((u16::from(*c) * a + 127) / 255) as u8;
        }
    }
}

fn unpremultiply(img: &mut RgbaImage) {
    for p in img.pixels_mut() {
        let a = u16::from(p[3]);
        if a == 0 {
            p.0 = [0, 0, 0, 0];
            continue;
        }
        for c in &mut p.0[..3] {
            // Ringing of the filter can leave colour above alpha: clamp.
            *c = ((u16::from(*c) * 255 + a / 2) / a).min(255) as u8;
        }
    }
}

/// A bare PNG: IHDR, IDAT, IEND, nothing else.
fn encode_png(img: &RgbaImage) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Best, PngFilter::Adaptive)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::Rgba8,
        )?;
    Ok(out)
}

/// True for a key the server could have chosen: 32 lower-case hex digits (128 bits). Checked
/// before a key is ever used in a path.
pub fn valid_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// True for one of the size names in [`SIZES`].
pub fn valid_size(size: &str) -> bool {
    SIZES.iter().any(|(s, _, _)| *s == size)
}

/// The folder holding every logo file.
pub fn logos_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("uploads").join("logos")
}

/// The file of one size of a logo, or `None` for a key or size that is not ours.
pub fn logo_path(data_dir: &Path, key: &str, size: &str) -> Option<PathBuf> {
    (valid_key(key) && valid_size(size))
        .then(|| logos_dir(data_dir).join(format!("{key}-{size}.png")))
}

/// The public URL of one size of an approved logo.
pub fn logo_url(key: &str, size: &str) -> String {
    format!("/media/logos/{key}-{size}.png")
}

/// Splits a served file name `<key>-<size>.png` into key and size, if it is one of ours.
pub fn parse_file_name(name: &str) -> Option<(&str, &str)> {
    let (key, size) = name.strip_suffix(".png")?.split_once('-')?;
    (valid_key(key) && valid_size(size)).then_some((key, size))
}

/// A new random key of the form [`valid_key`] accepts (for logos and private files).
pub fn new_key() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Writes every size of a logo under a new random key and returns the key. The uploaded file
/// name is never used. Files are created new (never overwritten); if one write fails, the
/// files already written are removed.
pub fn store_logo(data_dir: &Path, logo: &ProcessedLogo) -> std::io::Result<String> {
    store_in(&logos_dir(data_dir), logo)
}

/// Writes every size of a story picture, as [`store_logo`] does a logo's.
pub fn store_story_image(data_dir: &Path, image: &ProcessedLogo) -> std::io::Result<String> {
    store_in(&stories_dir(data_dir), image)
}

/// The folder holding every story picture.
pub fn stories_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("uploads").join("stories")
}

/// The file of one size of a story picture, or `None` for a key or size that is not ours.
pub fn story_image_path(data_dir: &Path, key: &str, size: &str) -> Option<PathBuf> {
    (valid_key(key) && valid_size(size))
        .then(|| stories_dir(data_dir).join(format!("{key}-{size}.png")))
}

/// Removes every size of a story picture (as [`delete_logo`]).
pub fn delete_story_image(data_dir: &Path, key: &str) -> std::io::Result<()> {
    delete_in(&stories_dir(data_dir), key)
}

fn store_in(dir: &Path, logo: &ProcessedLogo) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let key = new_key();
    let mut written = Vec::new();
    for r in &logo.renditions {
        let result = (valid_key(&key) && valid_size(r.size))
            .then(|| dir.join(format!("{key}-{}.png", r.size)))
            .ok_or_else(|| std::io::Error::other("a logo size without a name"))
            .and_then(|path| {
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)?;
                // From here on the file is ours to remove if anything fails.
                written.push(path);
                file.write_all(&r.png)?;
                file.sync_all()
            });
        if let Err(e) = result {
            for p in &written {
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
    }
    Ok(key)
}

/// Removes every size of a logo; a missing file is not an error, a key that is not ours does
/// nothing.
pub fn delete_logo(data_dir: &Path, key: &str) -> std::io::Result<()> {
    delete_in(&logos_dir(data_dir), key)
}

fn delete_in(dir: &Path, key: &str) -> std::io::Result<()> {
    if !valid_key(key) {
        return Ok(());
    }
    for (size, _, _) in SIZES {
        match std::fs::remove_file(dir.join(format!("{key}-{size}.png"))) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
}
