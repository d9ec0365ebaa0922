//! The accessibility check: axe-core (vendored under `tests/app/vendor/axe-core`, MPL-2.0) run
//! in real headless Chromium over the demo data, on every page a visitor, a sponsor contact,
//! a grant applicant and each staff role can reach by following links from their home page,
//! at 1280 and 390 px wide, and on the error state of the main forms.
//!
//! It fails on any critical or serious axe violation, on horizontal page overflow at 390 px,
//! on a field whose label says required but which is not `required`, and on a link that
//! leads to an error page. Runs with the other browser tests:
//!
//! ```text
//! STEWARD_E2E=1 cargo test --test app e2e_accessibility -- --nocapture
//! ```
//!
//! The report (every page, what was found) is also written to `target/accessibility-report.txt`.
//! `STEWARD_AUDIT_ONLY=sponsorship` (or another visitor's name, see `wanted`) audits one
//! visitor's pages only.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use fantoccini::Client;

use crate::fixtures::browser::{
    browser_setup, free_port, open_browser, progress, sign_in, where_we_are,
};
use crate::helpers::TestApp;
use steward::web::extract::portal::LinkKind;

const AXE: &str = include_str!("vendor/axe-core/axe.min.js");
const WIDTHS: [u32; 2] = [1280, 390];
const PHONE: u32 = 390;
/// At most this many distinct pages per visitor (a guard against a crawl that never ends).
const MAX_PAGES: usize = 150;

/// What axe finds serious or critical on the page, one line each ("" when nothing).
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {
  resultTypes: ['violations'],
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
}).then(function (r) {
  done(r.violations
    .filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
    .map(function (v) {
      return v.impact + ' ' + v.id + ' (' + v.help + '): ' + v.nodes.slice(0, 4).map(function (n) {
        return n.target.join(' ');
      }).join(' | ') + (v.nodes.length > 4 ? ' and ' + (v.nodes.length - 4) + ' more' : '');
    }).join('\n'));
}).catch(function (e) { done('axe failed: ' + e); });
"#;

/// The page's horizontal overflow: "" when it fits, else how wide it is and the elements that
/// stick out (outside a scroll region of their own).
const OVERFLOW: &str = r#"
const width = document.documentElement.clientWidth;
const scroll = document.documentElement.scrollWidth;
if (scroll <= width) { return ''; }
function inScroller(el) {
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') { return true; }
  }
  return false;
}
const out = [];
const all = [...document.querySelectorAll('body *')];
// What sticks out on its own; failing that (the culprit sits in a box that clips), anything.
let culprits = all.filter(function (el) { return el.getBoundingClientRect().right > width + 1 && !inScroller(el); });
if (culprits.length === 0) { culprits = all.filter(function (el) { return el.getBoundingClientRect().right > width + 1; }); }
for (const el of culprits) {
  const r = el.getBoundingClientRect();
  {
    let name = el.tagName.toLowerCase();
    if (el.id) { name += '#' + el.id; }
    if (el.classList.length) { name += '.' + [...el.classList].join('.'); }
    out.push(name + ' to ' + Math.round(r.right) + ' px');
  }
}
// Text that runs out of its box (a long address or link that does not wrap).
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let t = walker.nextNode(); t && out.length < 6; t = walker.nextNode()) {
  const range = document.createRange();
  range.selectNodeContents(t);
  if (range.getBoundingClientRect().right > width + 1 && !inScroller(t)) {
    out.push('text "' + t.textContent.trim().slice(0, 40) + '" in ' + t.parentElement.tagName.toLowerCase() + ' to ' + Math.round(range.getBoundingClientRect().right) + ' px');
  }
}
return 'page is ' + scroll + ' px wide at ' + width + ' px: ' + out.slice(0, 6).join(', ');
"#;

/// Fields whose label (or group legend) marks them required but which do not say so to the
/// browser and assistive technology ("" when none).
const REQUIRED: &str = r#"
const out = [];
for (const mark of document.querySelectorAll('label .required, legend .required')) {
  const holder = mark.closest('label, legend');
  let fields = [];
  if (holder.tagName === 'LABEL') {
    const f = holder.htmlFor ? document.getElementById(holder.htmlFor) : holder.querySelector('input, select, textarea');
    if (f) { fields = [f]; }
  } else {
    fields = [...holder.parentElement.querySelectorAll('input, select, textarea')].filter(function (f) { return f.type !== 'hidden'; });
  }
  if (fields.length === 0) { out.push('"' + holder.textContent.trim() + '" labels nothing'); continue; }
  if (!fields.some(function (f) { return f.required || f.getAttribute('aria-required') === 'true'; })) {
    out.push('"' + holder.textContent.trim().replace(/\s+/g, ' ') + '" (#' + fields[0].id + ')');
  }
}
return out.join(', ');
"#;

/// On a refused form's page: what is not announced as it should be ("" when all is): the
/// summary has focus, and every message is named by the `aria-describedby` of a field marked
/// `aria-invalid`.
const ANNOUNCED: &str = r#"
const out = [];
const active = document.activeElement;
if (!active || active.id !== 'error-summary') { out.push('focus is on ' + (active ? active.tagName.toLowerCase() + '#' + active.id : 'nothing') + ', not the summary'); }
for (const m of document.querySelectorAll('.field-error[id]')) {
  const named = [...document.querySelectorAll('[aria-describedby]')].filter(function (f) {
    return f.getAttribute('aria-describedby').split(/\s+/).includes(m.id);
  });
  if (named.length === 0) { out.push('no field names #' + m.id); }
  else if (!named.some(function (f) { return f.getAttribute('aria-invalid') === 'true'; })) { out.push('the field naming #' + m.id + ' is not aria-invalid'); }
}
return out.join('; ');
"#;

/// Same-origin links on the page, as paths (no query or fragment).
const LINKS: &str = r#"
const out = [];
for (const a of document.querySelectorAll('a[href]')) {
  const u = new URL(a.href, location.href);
  if (u.origin === location.origin && !a.hasAttribute('download')) { out.push(u.pathname); }
}
return out;
"#;

/// A page that is one of ours and worth auditing (not a file, a feed, a redirect elsewhere or
/// a one-time link).
fn is_page(path: &str) -> bool {
    const SKIP_PREFIXES: &[&str] = &[
        "/static/",
        "/media/",
        "/go/",
        "/api/",
        "/embed/",
        "/healthz",
        "/logout",
        "/robots.txt",
    ];
    const SKIP_SUFFIXES: &[&str] = &[
        ".csv", ".json", ".atom", ".png", ".svg", ".pdf", "/file", "/receipt", "/logout",
    ];
    !SKIP_PREFIXES.iter().any(|p| path.starts_with(p))
        && !SKIP_SUFFIXES.iter().any(|s| path.ends_with(s))
        && !path.contains("/enter/")
        && !path.contains("/files/")
        && !path.contains("/image/")
        && !path.contains("/logo/")
}

/// A page's shape, so that each kind of page is audited once (sponsor 1 and sponsor 2 are
/// the same template): numbers, and segments with a number in them, become `{n}`, and the
/// slug of a public sponsor or story page becomes `{slug}`.
fn shape(path: &str) -> String {
    let mut out = Vec::new();
    let mut previous = "";
    for s in path.split('/') {
        let collection = matches!(previous, "sponsors" | "stories") && !is_private(path);
        out.push(if collection && !s.is_empty() {
            "{slug}"
        } else if s.chars().any(|c| c.is_ascii_digit()) {
            "{n}"
        } else {
            s
        });
        previous = s;
    }
    out.join("/")
}

struct Audit {
    client: Client,
    base: String,
    audited: HashSet<String>,
    findings: Vec<String>,
    report: Vec<String>,
    pages: usize,
}

impl Audit {
    async fn set_width(&self, width: u32) {
        self.client
            .set_window_size(width, 900)
            .await
            .expect("set the window size");
        // The window's outer size includes no chrome in headless mode; say so if that changes.
        let inner = self
            .client
            .execute("return window.innerWidth;", vec![])
            .await
            .expect("innerWidth")
            .as_u64()
            .unwrap_or_default();
        assert_eq!(
            inner,
            u64::from(width),
            "the window is {inner} px wide, not {width}"
        );
    }

    /// Runs axe (and at phone width the overflow check) on the page the browser shows now.
    async fn check_here(&mut self, who: &str, label: &str) {
        self.pages += 1;
        let mut found = Vec::new();
        let mut notes = Vec::new();
        let unmarked = script_text(&self.client, REQUIRED, "look for required fields").await;
        if !unmarked.is_empty() {
            found.push(format!("marked required but not `required`: {unmarked}"));
        }
        for width in WIDTHS {
            self.set_width(width).await;
            // The page's own script reacts to the new width before we look.
            tokio::time::sleep(Duration::from_millis(150)).await;
            let loaded = self
                .client
                .execute("return typeof axe !== 'undefined';", vec![])
                .await
                .expect("check for axe")
                .as_bool()
                .unwrap_or(false);
            if !loaded {
                self.client
                    .execute(&format!("{AXE}\nreturn true;"), vec![])
                    .await
                    .expect("load axe-core into the page");
            }
            let violations = self
                .client
                .execute_async(RUN_AXE, vec![])
                .await
                .expect("run axe")
                .as_str()
                .unwrap_or_default()
                .to_string();
            for line in violations.lines().filter(|l| !l.is_empty()) {
                found.push(format!("{width} px: {line}"));
            }
            if width == PHONE {
                let overflow = script_text(&self.client, OVERFLOW, "measure overflow").await;
                if !overflow.is_empty() {
                    found.push(format!("{width} px: overflow: {overflow}"));
                }
                // Not a failure, but worth knowing: boxes a phone user scrolls sideways.
                let scrollers = script_text(&self.client, "return [...document.querySelectorAll('[data-scroller]')].map(e => e.getAttribute('aria-label') + ' ' + e.scrollWidth + '/' + e.clientWidth + ' px').join('; ');", "list the scrolling boxes").await;
                if !scrollers.is_empty() {
                    notes.push(format!("scrolls sideways at {width} px: {scrollers}"));
                }
            }
        }
        self.report.push(format!(
            "{who:<12} {label}: {}",
            if found.is_empty() {
                "ok".to_string()
            } else {
                format!("{} finding(s)", found.len())
            }
        ));
        for n in notes {
            self.report.push(format!("    (note) {n}"));
        }
        for f in found {
            self.report.push(format!("    {f}"));
            self.findings.push(format!("{who} {label}: {f}"));
        }
    }

    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// Audits every page `who` reaches from `start` by following links to paths that start
    /// with one of `within`.
    async fn crawl(&mut self, who: &str, start: &str, within: &[&str]) {
        if !wanted(who) {
            return;
        }
        let mut queue = VecDeque::from([(start.to_string(), String::from("(start)"))]);
        let mut queued: HashSet<String> = HashSet::from([shape(start)]);
        let mut visited = 0;
        while let Some((path, from)) = queue.pop_front() {
            // Each kind of page once for each visitor (a role sees its own menu, forms and
            // columns on a page another role sees too).
            if !self.audited.insert(format!("{who} {}", shape(&path))) {
                continue;
            }
            visited += 1;
            assert!(
                visited <= MAX_PAGES,
                "{who} reached more than {MAX_PAGES} pages"
            );
            self.goto(&path).await;
            let title = self.client.title().await.unwrap_or_default();
            let error = self
                .client
                .execute("return !!document.querySelector('.error-page');", vec![])
                .await
                .expect("look for an error page")
                .as_bool()
                .unwrap_or(false);
            if error {
                self.findings.push(format!(
                    "{who}: the link to {path} on {from} leads to an error page: {title}"
                ));
                self.report.push(format!(
                    "{who:<12} {path}: ERROR PAGE ({title}), linked from {from}"
                ));
                continue;
            }
            self.check_here(who, &path).await;
            let links = self
                .client
                .execute(LINKS, vec![])
                .await
                .expect("read the links");
            for link in links
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l.as_str())
            {
                if is_page(link)
                    && within
                        .iter()
                        .any(|w| link == *w || link.starts_with(&format!("{w}/")) || *w == "/")
                    && !(within == ["/"] && is_private(link))
                    && queued.insert(shape(link))
                {
                    queue.push_back((link.to_string(), path.clone()));
                }
            }
        }
        progress(&format!("{who}: audited {visited} pages"));
    }

    /// Opens `path`, empties the text fields of its form `form` (a CSS selector), submits it
    /// without the browser's own checks (as an old browser or a script would) and audits the
    /// refusal, which must be announced ("Error: " in the title).
    async fn refused_form(&mut self, who: &str, path: &str, form: &str) {
        if !wanted(who) {
            return;
        }
        self.goto(path).await;
        let submitted = self
            .client
            .execute(
                r#"
const form = document.querySelector(arguments[0]);
if (!form) { return false; }
for (const f of form.querySelectorAll('input, textarea')) {
  if (['text', 'email', 'url', 'number', 'date', 'password', 'search', 'tel', 'textarea'].includes(f.type)) { f.value = ''; }
}
form.noValidate = true;
// The form's main button (a form may also have a secondary one, such as "Show the price").
const buttons = [...form.querySelectorAll('button[type=submit], button:not([type])')];
const main = buttons.find(function (b) { return b.classList.contains('primary'); }) || buttons[buttons.length - 1];
form.requestSubmit(main);
return true;
"#,
                vec![serde_json::json!(form)],
            )
            .await
            .expect("submit the form");
        assert!(
            submitted.as_bool() == Some(true),
            "{who}: no form {form} on {path}: {}",
            where_we_are(&self.client).await
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let title = self.client.title().await.unwrap_or_default();
            if title.starts_with("Error: ") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{who}: the empty form on {path} was not refused with an announced error (title {title:?}): {}",
                where_we_are(&self.client).await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The refusal is announced: focus on the summary, each message named by its field.
        let unannounced = script_text(&self.client, ANNOUNCED, "check the messages").await;
        if !unannounced.is_empty() {
            self.findings
                .push(format!("{who} {path} (refused form): {unannounced}"));
            self.report
                .push(format!("{who:<12} {path} (refused form): {unannounced}"));
        }
        self.check_here(who, &format!("{path} (refused form)"))
            .await;
    }
}

/// Whether to audit `who`'s pages: everyone's, unless `STEWARD_AUDIT_ONLY` names one visitor
/// (public, sponsor, applicant, admin, sponsorship, decider, reviewer, treasurer, editor) to
/// look into a finding quickly.
fn wanted(who: &str) -> bool {
    std::env::var("STEWARD_AUDIT_ONLY").map_or(true, |only| only.is_empty() || only == who)
}

/// On a phone the header's links fold behind the Menu button: closed, the header is one short
/// row and the links are hidden; the button opens them and says so (`aria-expanded`).
async fn phone_menu(audit: &Audit, who: &str, path: &str) {
    audit.goto(path).await;
    audit.set_width(PHONE).await;
    let state = r#"
const nav = document.querySelector('.main-nav');
const button = document.querySelector('.menu-button');
return [
  !!button && getComputedStyle(button).display !== 'none',
  !!nav && nav.offsetParent !== null,
  Math.round(document.querySelector('.site-header').getBoundingClientRect().height),
  button ? button.getAttribute('aria-expanded') : '',
];
"#;
    let closed = audit
        .client
        .execute(state, vec![])
        .await
        .expect("menu state");
    assert_eq!(
        closed[0], true,
        "{who}: the Menu button shows at {PHONE} px"
    );
    assert_eq!(closed[1], false, "{who}: the links wait behind it");
    assert!(
        closed[2].as_u64().unwrap_or(999) <= 80,
        "{who}: the closed header is {} px tall",
        closed[2]
    );
    audit
        .client
        .execute("document.querySelector('.menu-button').click();", vec![])
        .await
        .expect("open the menu");
    let open = audit
        .client
        .execute(state, vec![])
        .await
        .expect("menu state");
    assert_eq!(open[1], true, "{who}: the button opens the links");
    assert_eq!(open[3], "true", "{who}: and says it is open");
    audit.set_width(1280).await;
    let wide = audit
        .client
        .execute(state, vec![])
        .await
        .expect("menu state");
    assert_eq!(wide[0], false, "{who}: no Menu button on a wide screen");
    assert_eq!(wide[1], true, "{who}: the links show");
}

/// The text a script returns ("" for anything else).
async fn script_text(client: &Client, script: &str, what: &str) -> String {
    client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Paths a visitor without a session is sent away from.
fn is_private(path: &str) -> bool {
    path.starts_with("/staff") || path.starts_with("/portal") || path.starts_with("/grants/portal")
}

async fn sign_in_as(audit: &Audit, email: &str) {
    audit.client.delete_all_cookies().await.expect("sign out");
    audit.set_width(1280).await;
    sign_in(
        &audit.client,
        &audit.base,
        email,
        steward::seed::DEMO_PASSWORD,
    )
    .await;
}

/// Opens a fresh private link of `kind` for record `id` as `email` in the browser.
async fn enter_by_link(audit: &Audit, app: &TestApp, kind: LinkKind, id: i64, email: &str) {
    audit.client.delete_all_cookies().await.expect("sign out");
    let raw = steward::models::portal_tokens::issue(
        &mut app.db(),
        kind.scope(),
        id,
        email,
        chrono::Duration::days(1),
    )
    .expect("token");
    audit.goto(&format!("{}/enter/{raw}", kind.home())).await;
}

#[tokio::test]
async fn e2e_accessibility_of_every_page_in_chromium() {
    let Some((profile, driver, chromium)) = browser_setup("the accessibility check").await else {
        return;
    };
    let port = free_port();
    let app = TestApp::spawn_with(move |s| {
        s.port = port;
        s.base_url = format!("http://127.0.0.1:{port}");
    })
    .await;
    app.seed_demo().await;

    use steward::db::schema::{grant_applications as ga, sponsor_contacts as sc};
    // A sponsor contact of the demo's first sponsor, and the first grant applicant.
    let (sponsor_id, contact): (i64, String) = sc::table
        .filter(sc::role.eq("primary"))
        .order(sc::sponsor_id)
        .select((sc::sponsor_id, sc::email))
        .first(&mut *app.db())
        .expect("a primary contact");
    let (application_id, applicant): (i64, String) = ga::table
        .order(ga::id)
        .select((ga::id, ga::applicant_email))
        .first(&mut *app.db())
        .expect("a grant application");
    // A prospect's private usage page (as an outreach email links it), and a usage file
    // waiting for review with organisations to settle.
    let prospect = steward::models::prospects::unlinked_identities(&mut app.db())
        .expect("prospects")
        .first()
        .map(|p| p.0)
        .expect("a demo prospect");
    let usage_token = steward::auth::token::new_token();
    steward::models::usage::insert_link(
        &mut app.db(),
        prospect,
        &steward::auth::token::digest(&usage_token),
        "someone@example.org",
        steward::models::now() + chrono::Duration::days(1),
    )
    .expect("usage link");
    let file = app.state.settings.data_dir.join("review.csv");
    std::fs::write(
        &file,
        "organisation,domain,period,metric,unit,value\nA Brand New Organisation With A Long Name,brand-new-organisation.example,2026-Q1,Package downloads,packages,12000\n",
    )
    .expect("file");
    steward::services::usage_import::import_file(
        &mut app.db(),
        &app.state.settings.data_dir,
        &file,
        "test",
    )
    .expect("a file to review");

    let client = open_browser(&driver, &chromium, profile.path()).await;
    let mut audit = Audit {
        client,
        base: app.address.clone(),
        audited: HashSet::new(),
        findings: Vec::new(),
        report: Vec::new(),
        pages: 0,
    };
    let started = Instant::now();

    // The public, signed out.
    phone_menu(&audit, "public", "/").await;
    audit.crawl("public", "/", &["/"]).await;
    audit.crawl("public", "/sponsor/apply", &["/sponsor"]).await;
    audit
        .crawl("public", "/grants/apply", &["/grants/apply"])
        .await;
    audit
        .refused_form("public", "/sponsor/apply", "main form[method=post]")
        .await;
    audit
        .refused_form("public", "/grants/apply", "main form[method=post]")
        .await;
    audit
        .refused_form("public", "/portal/link", "main form[method=post]")
        .await;
    audit
        .crawl("public", &format!("/usage/{usage_token}"), &["/usage"])
        .await;

    // A sponsor's contact, and a grant applicant, by their private links.
    enter_by_link(&audit, &app, LinkKind::SPONSOR, sponsor_id, &contact).await;
    audit.crawl("sponsor", "/portal", &["/portal"]).await;
    audit
        .refused_form(
            "sponsor",
            "/portal/profile",
            "form[action='/portal/contacts']",
        )
        .await;
    audit
        .refused_form("sponsor", "/portal/stories/new", "main form[method=post]")
        .await;
    enter_by_link(
        &audit,
        &app,
        LinkKind::APPLICANT,
        application_id,
        &applicant,
    )
    .await;
    audit
        .crawl("applicant", "/grants/portal", &["/grants/portal"])
        .await;
    audit
        .refused_form(
            "applicant",
            "/grants/portal",
            "form[action='/grants/portal/messages']",
        )
        .await;
    audit.client.delete_all_cookies().await.expect("sign out");
    audit
        .refused_form("public", "/grants/portal/link", "main form[method=post]")
        .await;

    // Each staff role of the demo, from their home page.
    for (who, email) in [
        ("admin", "amara@demo.steward.example"),
        ("sponsorship", "jonas@demo.steward.example"),
        ("decider", "rafael@demo.steward.example"),
        ("reviewer", "mei@demo.steward.example"),
        ("treasurer", "priya@demo.steward.example"),
        ("editor", "elodie@demo.steward.example"),
    ] {
        sign_in_as(&audit, email).await;
        if who == "admin" {
            phone_menu(&audit, who, "/staff").await;
        }
        audit.crawl(who, "/staff", &["/staff"]).await;
        let forms: &[&str] = match who {
            "admin" => &[
                "/staff/users/new",
                "/staff/conferences/new",
                "/staff/account",
            ],
            "sponsorship" => &[
                "/staff/sponsors/new",
                "/staff/sponsorships/new",
                "/staff/programmes",
                "/staff/stories/new",
                "/staff/prospects/new",
            ],
            _ => &[],
        };
        for path in forms {
            audit
                .refused_form(who, path, "main form[method=post]")
                .await;
        }
    }

    let report = format!(
        "axe-core {} in Chromium, at {WIDTHS:?} px: {} page checks, {} findings, {:.0} s\n\n{}\n",
        AXE.get(8..15).unwrap_or("?"),
        audit.pages,
        audit.findings.len(),
        started.elapsed().as_secs_f64(),
        audit.report.join("\n")
    );
    let _ = std::fs::write(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/target/accessibility-report.txt"
        ),
        &report,
    );
    println!("{report}");
    let kinds: BTreeSet<&str> = audit
        .findings
        .iter()
        .filter_map(|f| f.split(": ").nth(2).and_then(|s| s.split(' ').nth(1)))
        .collect();
    assert!(
        audit.findings.is_empty(),
        "{} accessibility findings ({kinds:?}):\n{}",
        audit.findings.len(),
        audit.findings.join("\n")
    );
    let _ = audit.client.close().await;
}
