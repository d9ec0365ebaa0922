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
mod tests;
