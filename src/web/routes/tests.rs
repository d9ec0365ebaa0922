use actix_web::http::Method;
use actix_web::test::{TestRequest, call_service, init_service};

/// A pattern without its parameters' regular expressions: `/a/{id:\\d+}` → `/a/{id}`.
fn plain(pattern: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for c in pattern.chars() {
        match c {
            ':' if out.rfind('{') > out.rfind('}') => skipping = true,
            '}' => {
                skipping = false;
                out.push(c);
            }
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

/// A path the pattern matches: numbers for ids, a word for every other parameter.
fn sample(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("closed parameter");
        let param = &rest[open + 1..close];
        out.push_str(match param.split_once(':') {
            Some((_, re)) if re.contains("\\d") => "7",
            Some(("path", _)) => "app.css",
            _ if [
                "id", "cid", "jid", "item", "line", "ticket", "file_id", "version",
            ]
            .contains(&param) =>
            {
                "7"
            }
            _ => "word7",
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Which pattern the router picks for a request (handlers without their app state only
/// answer with an error, which does not matter here).
macro_rules! routed {
    ($app:expr, $method:expr, $path:expr) => {{
        let req = TestRequest::default()
            .method(Method::from_bytes($method.as_bytes()).expect("method"))
            .uri($path)
            .to_request();
        let res = call_service($app, req).await;
        res.request().match_pattern().map(|p| plain(&p))
    }};
}

#[actix_web::test]
async fn every_listed_route_is_routed() {
    let listed: Vec<(&str, &str)> = include_str!("routes.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once(' ').expect("METHOD /path"))
        .collect();
    assert!(listed.len() > 200, "the list is read: {}", listed.len());
    let app = init_service(actix_web::App::new().configure(super::routes)).await;
    for (method, pattern) in listed {
        let path = sample(pattern);
        assert_eq!(
            routed!(&app, method, &path),
            Some(plain(pattern)),
            "{method} {path} should reach {pattern}"
        );
        if method == "GET" {
            assert_eq!(
                routed!(&app, "HEAD", &path),
                Some(plain(pattern)),
                "HEAD {path}"
            );
        }
    }
}

#[actix_web::test]
async fn words_never_reach_a_numeric_id_and_unknown_paths_route_nowhere() {
    let app = init_service(actix_web::App::new().configure(super::routes)).await;
    for path in [
        "/staff/sponsors/abc",
        "/staff/sponsorships/abc/status",
        "/staff/users/me",
        "/staff/outbox/first",
        "/staff/tiers/x",
        "/staff/grants/latest",
        "/staff/sponsors.json",
        "/staff/",
        "/nowhere",
    ] {
        let app = &app;
        assert_eq!(routed!(app, "GET", path), None, "{path}");
    }
    // The word routes win over the id ones whatever their order.
    assert_eq!(
        routed!(&app, "GET", "/staff/sponsors/new").as_deref(),
        Some("/staff/sponsors/new")
    );
    assert_eq!(
        routed!(&app, "GET", "/staff/placements/report").as_deref(),
        Some("/staff/placements/report")
    );
}
