//! Grants set-up: programmes and their rules, yearly caps, quorum thresholds and exchange
//! rates — who may change them, what is refused (with the message next to the field), what
//! the audit log says; and the grants part of `seed-demo`.

use steward::domain::Role;
use steward::domain::grants::Status;
use steward::models::grant_applications as apps;
use steward::models::grant_programmes as programmes;

use crate::fixtures::grants::{GrantBuilder, ProgrammeBuilder};
use crate::helpers::{TestApp, TestClient, html, location};

/// What refused requests must leave alone.
fn snapshot(app: &TestApp) -> String {
    let mut c = app.db();
    let p: Vec<(String, bool, Option<i64>)> = programmes::all(&mut c)
        .expect("programmes")
        .into_iter()
        .map(|p| (p.name, p.is_open, p.max_amount_minor))
        .collect();
    let caps: Vec<Vec<(i32, i64)>> = programmes::all(&mut c)
        .expect("programmes")
        .iter()
        .map(|p| programmes::caps(&mut c, p.id).expect("caps"))
        .collect();
    let q = programmes::quorum(&mut c).expect("quorum");
    let r: Vec<(String, i64)> = programmes::rates(&mut c)
        .expect("rates")
        .into_iter()
        .map(|r| (r.currency, r.rate_micros))
        .collect();
    format!("{p:?}{caps:?}{q:?}{r:?}")
}

/// (method, path, form fields)
type Route = (&'static str, String, Vec<(&'static str, &'static str)>);

/// Every route of the area, with the most damaging fields it accepts.
fn routes(id: i64) -> Vec<Route> {
    let programme = vec![
        ("name", "Taken over"),
        ("kind", "sprint"),
        ("min_lead_days", "0"),
        ("report_days", "1"),
        ("is_open", "1"),
    ];
    vec![
        ("GET", "/staff/grants/programmes".into(), vec![]),
        ("GET", "/staff/grants/programmes/new".into(), vec![]),
        ("POST", "/staff/grants/programmes".into(), programme.clone()),
        ("GET", format!("/staff/grants/programmes/{id}"), vec![]),
        ("POST", format!("/staff/grants/programmes/{id}"), programme),
        (
            "POST",
            format!("/staff/grants/programmes/{id}/caps"),
            vec![("year", "2030"), ("cap", "1")],
        ),
        ("GET", "/staff/grants/settings".into(), vec![]),
        (
            "POST",
            "/staff/grants/settings/quorum".into(),
            vec![("from", "0"), ("approvals", "20")],
        ),
        (
            "POST",
            "/staff/grants/settings/rates".into(),
            vec![("mode", "add"), ("currency", "GBP"), ("rate", "99")],
        ),
        (
            "POST",
            "/staff/grants/settings/rates/EUR/delete".into(),
            vec![],
        ),
    ]
}

async fn send(c: &TestClient, method: &str, path: &str, fields: &[(&str, &str)]) -> u16 {
    match method {
        "GET" => c.get(path).await.status().as_u16(),
        _ => c.post(path, fields).await.status().as_u16(),
    }
}

/// A page's text with askama's escaped quotes turned back, for comparing messages (tags
/// stay escaped, so script checks still see `&#60;`).
fn shown(body: &str) -> String {
    body.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&#38;", "&")
}

fn set_eur(app: &TestApp) {
    programmes::set_rate(&mut app.db(), "EUR", 1_080_000, "fixture").expect("rate");
}

#[tokio::test]
async fn grants_setup_needs_an_admin_decider_or_treasurer_on_every_route() {
    let app = TestApp::spawn().await;
    let id = ProgrammeBuilder::event("Conference grants").insert(&app);
    set_eur(&app);
    let before = snapshot(&app);

    let anon = app.new_client();
    for (method, path, fields) in routes(id) {
        let r = match method {
            "GET" => anon.get(&path).await,
            _ => anon.post(&path, &fields).await,
        };
        assert_eq!(r.status(), 303, "anonymous {method} {path}");
        assert!(location(&r).starts_with("/login"), "{method} {path}");
    }
    for roles in [
        vec![Role::GrantsReviewer],
        vec![Role::Sponsorships, Role::Editor],
    ] {
        let (c, _, _) = app.signed_in(&roles).await;
        for (method, path, fields) in routes(id) {
            assert_eq!(
                send(&c, method, &path, &fields).await,
                403,
                "{roles:?} {method} {path}"
            );
        }
    }
    // A forged form without the CSRF token changes nothing either.
    let (admin, _, _) = app.signed_in(&[Role::Admin]).await;
    let r = admin
        .post_raw(
            "/staff/grants/settings/quorum",
            &[("from", "0"), ("approvals", "9")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(before, snapshot(&app), "refused requests changed something");

    for role in [Role::Admin, Role::GrantsDecider, Role::Treasurer] {
        let (c, _, _) = app.signed_in(&[role]).await;
        for (method, path, _) in routes(id) {
            if method == "GET" {
                assert_eq!(send(&c, method, &path, &[]).await, 200, "{role:?} {path}");
            }
        }
    }
    // Unknown programmes are 404s, not empty forms.
    let (c, _, _) = app.signed_in(&[Role::GrantsDecider]).await;
    assert_eq!(
        send(&c, "GET", "/staff/grants/programmes/999999", &[]).await,
        404
    );
    let fields = [
        ("name", "X"),
        ("kind", "event"),
        ("min_lead_days", "0"),
        ("report_days", "9"),
    ];
    assert_eq!(
        send(&c, "POST", "/staff/grants/programmes/999999", &fields).await,
        404
    );
    assert_eq!(
        send(
            &c,
            "POST",
            "/staff/grants/programmes/999999/caps",
            &[("year", "2030"), ("cap", "5")]
        )
        .await,
        404
    );
}

fn programme_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("name", "Sprints"),
        ("kind", "sprint"),
        ("description", "Food and travel for sprints."),
        ("is_open", "1"),
        ("min_lead_days", "21"),
        ("max_amount", "3,000.00"),
        ("per_attendee", "150"),
        ("report_days", "30"),
    ];
    for (k, v) in overrides {
        f.retain(|(name, _)| name != k);
        if !v.is_empty() || *k != "is_open" {
            f.push((k, v));
        }
    }
    f
}

#[tokio::test]
async fn programmes_are_created_and_edited_with_every_rule_and_clear_messages() {
    let app = TestApp::spawn().await;
    let (c, _, email) = app.signed_in(&[Role::GrantsDecider]).await;

    // Every field wrong at once: each message next to its field, what was typed kept.
    let bad = programme_form(&[
        ("name", "  "),
        ("kind", "party"),
        ("description", "bad\u{0}byte"),
        ("min_lead_days", "-1"),
        ("report_days", "0"),
        ("max_amount", "1,5"),
        ("per_attendee", "-3"),
    ]);
    let r = c.post("/staff/grants/programmes", &bad).await;
    assert_eq!(r.status(), 422);
    let body = shown(&r.text().await.expect("body"));
    for message in [
        "Enter a name.",
        "Choose what the programme funds.",
        "Description contains characters that cannot be shown.",
        "Enter the lead time as a whole number of days from 0 to 730",
        "Enter a whole number of days from 1 to 365",
        "Use a point for decimals and commas only between thousands",
        "The amount cannot be negative.",
    ] {
        assert!(body.contains(message), "missing {message:?}");
    }
    for id in [
        "name-error",
        "kind-error",
        "min_lead_days-error",
        "report_days-error",
        "max_amount-error",
        "per_attendee-error",
    ] {
        assert!(
            body.contains(&format!("id=\"{id}\"")),
            "no message beside {id}"
        );
    }
    assert!(body.contains("value=\"1,5\""), "typed amount kept");
    // More malformed amounts and limits.
    for (field, value, message) in [
        ("max_amount", "abc", "Enter the amount in figures"),
        ("max_amount", "1e9999", "Enter the amount in figures"),
        (
            "max_amount",
            "0",
            "Enter an amount above zero, or leave it empty for no maximum.",
        ),
        (
            "max_amount",
            "99999999999999999999",
            "That amount is too large",
        ),
        (
            "per_attendee",
            "12.345",
            "Use at most 2 digits after the decimal point.",
        ),
        (
            "per_attendee",
            "5,000",
            "cannot be more than the programme's maximum",
        ),
        ("min_lead_days", "731", "from 0 to 730"),
        ("min_lead_days", "1.5", "from 0 to 730"),
        ("report_days", "366", "from 1 to 365"),
        (
            "name",
            &"n".repeat(121),
            "Name must be at most 120 characters.",
        ),
        ("name", "two\nlines", "Name must be on one line."),
    ] {
        let r = c
            .post(
                "/staff/grants/programmes",
                &programme_form(&[(field, value)]),
            )
            .await;
        assert_eq!(r.status(), 422, "{field}={value}");
        let body = shown(&r.text().await.expect("body"));
        assert!(body.contains(message), "{field}={value}: no {message:?}");
    }
    assert!(programmes::all(&mut app.db()).expect("all").is_empty());

    // A good one; a name with script in it is stored as typed and shown escaped.
    let script = "<script>alert(1)</script> Sprints";
    let r = c
        .post(
            "/staff/grants/programmes",
            &programme_form(&[("name", script)]),
        )
        .await;
    assert_eq!(r.status(), 303);
    let edit = location(&r);
    let p = programmes::all(&mut app.db()).expect("all").remove(0);
    assert_eq!(edit, format!("/staff/grants/programmes/{}", p.id));
    assert_eq!(p.name, script);
    assert_eq!(p.kind, "sprint");
    assert!(p.is_open && !p.requires_coc);
    assert_eq!(
        (
            p.min_lead_days,
            p.max_amount_minor,
            p.per_attendee_minor,
            p.report_days
        ),
        (21, Some(300_000), Some(15_000), 30)
    );
    for page in ["/staff/grants/programmes", edit.as_str()] {
        let (status, body) = c.page(page).await;
        assert_eq!(status, 200);
        assert!(!body.contains("<script>alert(1)"), "{page} not escaped");
        assert!(body.contains(&html(script)), "{page}");
    }
    let created = app.audit("grant_programme.create");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].actor, email);
    assert_eq!(
        created[0].record_id.as_deref(),
        Some(p.id.to_string().as_str())
    );
    assert!(
        created[0].details.contains("maximum: $3,000.00"),
        "{}",
        created[0].details
    );

    // The same name in other letters is refused beside the name.
    let r = c
        .post(
            "/staff/grants/programmes",
            &programme_form(&[("name", "<SCRIPT>alert(1)</SCRIPT> sprints")]),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("There is already a programme called")
    );

    // Edit: every rule field changes, and the audit entry says from what to what.
    let r = c
        .post(
            &edit,
            &programme_form(&[
                ("name", "Sprints"),
                ("kind", "workshop"),
                ("is_open", ""),
                ("requires_coc", "1"),
                ("min_lead_days", "28"),
                ("max_amount", ""),
                ("per_attendee", "40"),
                ("report_days", "45"),
                ("description", "Now for workshops."),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303);
    let p = programmes::find(&mut app.db(), p.id).expect("find");
    assert_eq!(
        (
            p.name.as_str(),
            p.kind.as_str(),
            p.is_open,
            p.requires_coc,
            p.min_lead_days,
            p.max_amount_minor,
            p.per_attendee_minor,
            p.report_days,
            p.description.as_str()
        ),
        (
            "Sprints",
            "workshop",
            false,
            true,
            28,
            None,
            Some(4_000),
            45,
            "Now for workshops."
        )
    );
    let updated = app.audit("grant_programme.update");
    assert_eq!(updated.len(), 1);
    for part in [
        "name: <script>alert(1)</script> Sprints → Sprints",
        "kind: sprint → workshop",
        "open: yes → no",
        "code of conduct required: no → yes",
        "lead time (days): 21 → 28",
        "maximum: $3,000.00 → none",
        "per attendee: $150.00 → $40.00",
        "report due (days): 30 → 45",
        "description changed",
    ] {
        assert!(
            updated[0].details.contains(part),
            "{part:?} not in {}",
            updated[0].details
        );
    }
    // Saving the same again changes nothing and writes no entry.
    let (_, body) = c.page(&edit).await;
    assert!(body.contains("value=\"28\"") && body.contains("Now for workshops."));
    let same = programme_form(&[
        ("name", "Sprints"),
        ("kind", "workshop"),
        ("is_open", ""),
        ("requires_coc", "1"),
        ("min_lead_days", "28"),
        ("max_amount", ""),
        ("per_attendee", "40.00"),
        ("report_days", "45"),
        ("description", "Now for workshops."),
    ]);
    assert_eq!(c.post(&edit, &same).await.status(), 303);
    assert_eq!(app.audit("grant_programme.update").len(), 1);
    // An edit with errors re-renders the edit form (422) and saves nothing.
    let r = c
        .post(&edit, &programme_form(&[("report_days", "x")]))
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("Budget per year"));
    assert_eq!(
        programmes::find(&mut app.db(), p.id)
            .expect("find")
            .report_days,
        45
    );
}

#[tokio::test]
async fn yearly_caps_are_set_replaced_refused_when_malformed_and_audited() {
    let app = TestApp::spawn().await;
    let id = ProgrammeBuilder::event("Conference grants").insert(&app);
    let (c, _, email) = app.signed_in(&[Role::Treasurer]).await;
    let caps = format!("/staff/grants/programmes/{id}/caps");
    for (year, cap, field, message) in [
        ("2027", "-5", "cap-error", "The amount cannot be negative."),
        (
            "2027",
            "5,0000",
            "cap-error",
            "commas only between thousands",
        ),
        ("2027", "", "cap-error", "Enter an amount."),
        ("2027", "12.345", "cap-error", "Use at most 2 digits"),
        ("abc", "100", "year-error", "Enter a year like 2027."),
        ("1999", "100", "year-error", "Enter a year like 2027."),
        ("<script>", "100", "year-error", "Enter a year like 2027."),
    ] {
        let r = c.post(&caps, &[("year", year), ("cap", cap)]).await;
        assert_eq!(r.status(), 422, "{year} {cap}");
        let body = shown(&r.text().await.expect("body"));
        assert!(body.contains(message), "{year} {cap}: {message}");
        assert!(body.contains(&format!("id=\"{field}\"")), "{year} {cap}");
        assert!(!body.contains("<script>\""), "typed year escaped");
    }
    assert!(
        programmes::caps(&mut app.db(), id)
            .expect("caps")
            .is_empty()
    );

    let r = c
        .post(&caps, &[("year", "2027"), ("cap", "60,000.00")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/staff/grants/programmes/{id}"));
    let r = c.post(&caps, &[("year", "2028"), ("cap", "65000")]).await;
    assert_eq!(r.status(), 303);
    let r = c.post(&caps, &[("year", "2027"), ("cap", "55000")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        programmes::caps(&mut app.db(), id).expect("caps"),
        vec![(2027, 5_500_000), (2028, 6_500_000)]
    );
    let entries = app.audit("grant_budget.set");
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e.actor == email));
    assert_eq!(
        entries[2].details,
        "Conference grants 2027: cap $55,000.00 (was $60,000.00)"
    );
    assert!(entries[0].details.ends_with("(new)"));
    let (_, body) = c.page(&format!("/staff/grants/programmes/{id}")).await;
    assert!(body.contains("$55,000.00") && body.contains("$65,000.00"));
    // The list shows this year's and next year's caps (of 2027 and 2028, those that are).
    let (_, body) = c.page("/staff/grants/programmes").await;
    assert!(body.contains("Conference grants"));
    let year = chrono::Datelike::year(&chrono::Utc::now().date_naive());
    assert!(
        body.contains(&format!("Budget {year}")) && body.contains(&format!("Budget {}", year + 1))
    );
    for (cap_year, shown) in [(2027, "$55,000.00"), (2028, "$65,000.00")] {
        assert_eq!(
            body.contains(shown),
            cap_year == year || cap_year == year + 1,
            "the {cap_year} cap in {year}: {body}"
        );
    }
}

#[tokio::test]
async fn quorum_thresholds_are_validated_replaced_and_audited() {
    let app = TestApp::spawn().await;
    let (c, _, email) = app.signed_in(&[Role::Admin]).await;
    let default = vec![(0, 1), (100_000, 2), (500_000, 3)];
    assert_eq!(programmes::quorum(&mut app.db()).expect("q"), default);
    let (status, body) = c.page("/staff/grants/settings").await;
    assert_eq!(status, 200);
    for words in [
        "Under $1,000.00: 1 approval",
        "$1,000.00 to $4,999.99: 2 approvals",
        "$5,000.00 and more: 3 approvals",
    ] {
        assert!(body.contains(words), "{words}");
    }

    let post = |rows: Vec<(&'static str, &'static str)>| {
        let mut f = Vec::new();
        for (from, n) in rows {
            f.push(("from", from));
            f.push(("approvals", n));
        }
        f
    };
    for (rows, message) in [
        (vec![("", ""), ("", "")], "Keep at least one row"),
        (
            vec![("100", "1"), ("5,000", "2")],
            "The lowest row must start from 0",
        ),
        (vec![("0", "0")], "from 1 to 20"),
        (vec![("0", "21")], "from 1 to 20"),
        (vec![("0", "two")], "from 1 to 20"),
        (
            vec![("0", "1"), ("1,000", "2"), ("1000.00", "3")],
            "Two rows start from $1,000.00; keep one.",
        ),
        (
            vec![("0", "3"), ("1,000", "2")],
            "A larger amount cannot need fewer approvals",
        ),
        (
            vec![("0", "1"), ("1,5", "2")],
            "commas only between thousands",
        ),
        (
            vec![("0", "1"), ("-5", "2")],
            "The amount cannot be negative.",
        ),
        (
            vec![("0", "1"), ("abc", "2")],
            "Enter the amount in figures",
        ),
        (vec![("0", "1"), ("5000", "")], "from 1 to 20"),
        (
            vec![("0", "1"), ("<script>alert(1)</script>", "2")],
            "Enter the amount in figures",
        ),
    ] {
        let r = c
            .post("/staff/grants/settings/quorum", &post(rows.clone()))
            .await;
        assert_eq!(r.status(), 422, "{rows:?}");
        let body = shown(&r.text().await.expect("body"));
        assert!(body.contains(message), "{rows:?}: no {message:?}");
        assert!(!body.contains("<script>alert"), "typed value escaped");
        // What was typed is kept.
        if let Some((from, _)) = rows.iter().find(|(f, _)| !f.is_empty() && !f.contains('<')) {
            assert!(body.contains(&format!("value=\"{from}\"")), "{rows:?}");
        }
    }
    // A form whose rows do not pair up is refused outright.
    let r = c
        .post(
            "/staff/grants/settings/quorum",
            &[("from", "0"), ("from", "10"), ("approvals", "1")],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(programmes::quorum(&mut app.db()).expect("q"), default);
    assert!(app.audit("grant_quorum.set").is_empty());

    // Rows in any order, blank rows ignored; saved lowest first.
    let r = c
        .post(
            "/staff/grants/settings/quorum",
            &post(vec![
                ("10,000", "4"),
                ("0", "1"),
                ("", ""),
                ("2,500.00", "2"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        programmes::quorum(&mut app.db()).expect("q"),
        vec![(0, 1), (250_000, 2), (1_000_000, 4)]
    );
    let entries = app.audit("grant_quorum.set");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor, email);
    assert_eq!(
        entries[0].details,
        "from $0.00: 1; from $2,500.00: 2; from $10,000.00: 4 (was from $0.00: 1; from $1,000.00: 2; from $5,000.00: 3)"
    );
    let (_, body) = c.page("/staff/grants/settings").await;
    assert!(body.contains("$10,000.00 and more: 4 approvals"));
    assert!(body.contains(&format!("Last changed by {email}")));
    // One row only is fine; the same again changes nothing.
    let r = c
        .post("/staff/grants/settings/quorum", &post(vec![("0", "2")]))
        .await;
    assert_eq!(r.status(), 303);
    let r = c
        .post("/staff/grants/settings/quorum", &post(vec![("0.00", "2")]))
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(programmes::quorum(&mut app.db()).expect("q"), vec![(0, 2)]);
    assert_eq!(app.audit("grant_quorum.set").len(), 2);
    assert_eq!(
        steward::domain::grants::approvals_needed(&[(0, 2)], 5_000_000),
        2
    );
}

#[tokio::test]
async fn exchange_rates_are_added_changed_and_removed_with_who_and_when() {
    let app = TestApp::spawn().await;
    let (c, _, email) = app.signed_in(&[Role::GrantsDecider]).await;
    let add = |cur: &'static str, rate: &'static str| {
        vec![("mode", "add"), ("currency", cur), ("rate", rate)]
    };
    // Refused: our own currency, unknown currencies, malformed rates.
    for (cur, rate, field, message) in [
        (
            "USD",
            "1",
            "new_currency",
            "USD is the foundation's own currency: it needs no exchange rate.",
        ),
        (
            "usd",
            "1",
            "new_currency",
            "USD is the foundation's own currency",
        ),
        (
            "XYZ",
            "1.2",
            "new_currency",
            "Choose a currency from the list",
        ),
        (
            "<script>alert(1)</script>",
            "1.2",
            "new_currency",
            "Choose a currency from the list",
        ),
        ("", "1.2", "new_currency", "Choose a currency from the list"),
        ("EUR", "", "new_rate", "Enter the exchange rate, like 0.92."),
        (
            "EUR",
            "abc",
            "new_rate",
            "in figures with a point for decimals",
        ),
        (
            "EUR",
            "1,08",
            "new_rate",
            "in figures with a point for decimals",
        ),
        ("EUR", "-1", "new_rate", "must be more than zero"),
        ("EUR", "0", "new_rate", "must be more than zero"),
        ("EUR", "1.0000001", "new_rate", "at most 6 digits"),
        ("EUR", "99999999", "new_rate", "too large"),
    ] {
        let r = c
            .post("/staff/grants/settings/rates", &add(cur, rate))
            .await;
        assert_eq!(r.status(), 422, "{cur} {rate}");
        let body = shown(&r.text().await.expect("body"));
        assert!(body.contains(message), "{cur} {rate}: no {message:?}");
        assert!(
            body.contains(&format!("id=\"{field}-error\"")),
            "{cur} {rate}"
        );
        assert!(!body.contains("<script>alert"), "escaped");
    }
    assert!(programmes::rates(&mut app.db()).expect("rates").is_empty());

    let r = c
        .post("/staff/grants/settings/rates", &add("eur", "1.08"))
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/grants/settings");
    let r = c
        .post("/staff/grants/settings/rates", &add("GBP", "1.27"))
        .await;
    assert_eq!(r.status(), 303);
    let rates = programmes::rates(&mut app.db()).expect("rates");
    assert_eq!(
        rates
            .iter()
            .map(|r| (r.currency.as_str(), r.rate_micros))
            .collect::<Vec<_>>(),
        vec![("EUR", 1_080_000), ("GBP", 1_270_000)]
    );
    assert!(rates.iter().all(|r| r.updated_by == email));
    assert_eq!(
        programmes::accepted_currencies(&mut app.db(), steward::domain::money::USD).expect("acc"),
        vec!["USD", "EUR", "GBP"]
    );
    let (_, body) = c.page("/staff/grants/settings").await;
    assert!(body.contains("value=\"1.08\"") && body.contains(&email));
    // Adding a currency that has a rate would overwrite it silently: refused.
    let r = c
        .post("/staff/grants/settings/rates", &add("EUR", "2"))
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("EUR already has a rate (1 EUR = 1.08 USD)")
    );

    // Changing one: a bad rate is shown beside that row; a good one is saved and audited.
    let edit = |rate: &'static str| vec![("mode", "edit"), ("currency", "EUR"), ("rate", rate)];
    let r = c.post("/staff/grants/settings/rates", &edit("1.1.1")).await;
    assert_eq!(r.status(), 422);
    let body = shown(&r.text().await.expect("body"));
    assert!(body.contains("id=\"rate-EUR-error\"") && body.contains("value=\"1.1.1\""));
    let r = c.post("/staff/grants/settings/rates", &edit("1.1")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        programmes::rate(
            &mut app.db(),
            steward::domain::Currency::parse("EUR").expect("eur"),
            steward::domain::money::USD
        )
        .expect("rate"),
        Some(1_100_000)
    );
    let set = app.audit("exchange_rate.set");
    assert_eq!(set.len(), 3);
    assert_eq!(set[0].details, "1 EUR = 1.08 USD (new)");
    assert_eq!(set[2].details, "1 EUR = 1.1 USD (was 1.08)");
    assert_eq!(set[2].record_id.as_deref(), Some("EUR"));
    assert!(set.iter().all(|e| e.actor == email));

    // Removing one; an application in progress in that currency is counted in the message.
    let pid = ProgrammeBuilder::new("Sprints", "sprint").insert(&app);
    GrantBuilder::new(pid)
        .status(Status::UnderReview)
        .currency("EUR")
        .insert(&app);
    let r = c.post("/staff/grants/settings/rates/EUR/delete", &[]).await;
    assert_eq!(r.status(), 303);
    assert!(
        programmes::rates(&mut app.db())
            .expect("rates")
            .iter()
            .all(|r| r.currency != "EUR")
    );
    let deleted = app.audit("exchange_rate.delete");
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        deleted[0].details,
        "EUR removed (was 1.1); 1 open application(s) in EUR"
    );
    let (_, body) = c.page("/staff/grants/settings").await;
    assert!(body.contains("1 application(s) in progress are in EUR"));
    // Removing it again, or changing it now, says it is gone and changes nothing.
    let r = c.post("/staff/grants/settings/rates/EUR/delete", &[]).await;
    assert_eq!(r.status(), 303);
    let r = c.post("/staff/grants/settings/rates", &edit("1.2")).await;
    assert_eq!(r.status(), 303);
    let (_, body) = c.page("/staff/grants/settings").await;
    assert!(body.contains("EUR no longer has a rate"));
    assert_eq!(app.audit("exchange_rate.delete").len(), 1);
    assert_eq!(app.audit("exchange_rate.set").len(), 3);
    assert_eq!(programmes::rates(&mut app.db()).expect("rates").len(), 1);
    // Deleting a currency that never had a rate, or a made-up one, changes nothing.
    let r = c
        .post("/staff/grants/settings/rates/%3Cb%3E/delete", &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(programmes::rates(&mut app.db()).expect("rates").len(), 1);
}

#[tokio::test]
async fn seed_grants_adds_the_demo_once_in_the_foundation_currency() {
    // A foundation that keeps its books in euros gets GBP and USD rates, never EUR.
    let app = TestApp::spawn_with(|s| s.currency = "EUR".into()).await;
    let hash = steward::auth::password::hash("x x x x x x x x").expect("hash");
    for (name, email, roles) in [
        (
            "Mei",
            "mei@demo.steward.example",
            vec![Role::GrantsReviewer],
        ),
        (
            "Kwame",
            "kwame@demo.steward.example",
            vec![Role::GrantsReviewer],
        ),
        (
            "Hannah",
            "hannah@demo.steward.example",
            vec![Role::GrantsReviewer],
        ),
        (
            "Rafael",
            "rafael@demo.steward.example",
            vec![Role::GrantsReviewer, Role::GrantsDecider],
        ),
        ("Priya", "priya@demo.steward.example", vec![Role::Treasurer]),
    ] {
        let t = steward::models::now();
        steward::models::users::insert(
            &mut app.db(),
            &steward::models::users::NewUser {
                email,
                name,
                password_hash: Some(&hash),
                is_disabled: false,
                created_at: t,
                updated_at: t,
            },
            &roles,
        )
        .expect("user");
    }
    let out = steward::seed::seed_grants(&app.state).expect("seed");
    assert!(out.contains("4 programmes"), "{out}");
    let again = steward::seed::seed_grants(&app.state).expect("seed");
    assert!(again.contains("already there"), "{again}");
    let mut c = app.db();
    let rates: Vec<String> = programmes::rates(&mut c)
        .expect("rates")
        .into_iter()
        .map(|r| r.currency)
        .collect();
    assert_eq!(rates, vec!["GBP", "USD"]);
    assert!(apps::list(&mut c, &[]).expect("apps").len() >= 24);
    // The staff pages show the seeded programmes and settings.
    let (staff, _, _) = app.signed_in(&[Role::GrantsDecider]).await;
    let (status, body) = staff.page("/staff/grants/programmes").await;
    assert_eq!(status, 200);
    assert!(body.contains("Workshops and outreach") && body.contains("€"));
    let (status, body) = staff.page("/staff/grants/settings").await;
    assert_eq!(status, 200);
    assert!(body.contains("GBP") && body.contains("1 USD ="), "{body}");
}
