//! Static files, compiled into the binary so the server needs no files beside it. URLs carry
//! a content hash, so browsers may cache them for a year.

use std::sync::OnceLock;

use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "css/steward.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/css/steward.css"),
    },
    Asset {
        path: "js/steward.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/js/steward.js"),
    },
    Asset {
        path: "img/favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../static/img/favicon.svg"),
    },
];

fn hashes() -> &'static Vec<String> {
    static H: OnceLock<Vec<String>> = OnceLock::new();
    H.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| hex::encode(&Sha256::digest(a.bytes)[..8]))
            .collect()
    })
}

/// The versioned URL of a static file, for templates.
pub fn url(path: &str) -> String {
    match ASSETS.iter().position(|a| a.path == path) {
        Some(i) => format!("/static/{}?v={}", path, hashes()[i]),
        None => format!("/static/{path}"),
    }
}

pub async fn serve(req: HttpRequest, path: web::Path<String>) -> AppResult<HttpResponse> {
    let i = ASSETS
        .iter()
        .position(|a| a.path == path.as_str())
        .ok_or(AppError::NotFound)?;
    let asset = &ASSETS[i];
    // Weak: the same file may go out gzipped or not, and a strong tag names exact bytes.
    let etag = format!("W/\"{}\"", hashes()[i]);
    let cache = if req.query_string() == format!("v={}", hashes()[i]) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let matches = req
        .headers()
        .get("If-None-Match")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t.trim_start_matches("W/") == etag.trim_start_matches("W/")
            })
        });
    let mut res = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header(("ETag", etag.clone()))
        .insert_header(("Cache-Control", cache));
    if matches {
        return Ok(res.finish());
    }
    Ok(res.content_type(asset.content_type).body(asset.bytes))
}
