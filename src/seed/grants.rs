//! Demo grant programmes and applications in every status.

use super::at;
use crate::models::users;
use crate::state::AppState;
// == Grants demo data ==

/// The demo grant programmes: (name, kind, description, code of conduct required, lead days,
/// maximum, per-attendee guideline, report days, caps for last year, this year and next);
/// amounts in whole units of the foundation currency.
type DemoProgramme = (
    &'static str,
    crate::domain::grants::Kind,
    &'static str,
    bool,
    i32,
    Option<i64>,
    Option<i64>,
    i32,
    [i64; 3],
);
const DEMO_PROGRAMMES: &[DemoProgramme] = &[
    (
        "Conference grants",
        crate::domain::grants::Kind::Event,
        "For community-run conferences about the foundation's software: speaker travel, venue, captioning, childcare and diversity tickets. Events must publish a code of conduct.",
        true,
        42,
        Some(10_000),
        Some(25),
        60,
        [50_000, 60_000, 65_000],
    ),
    (
        "Sprints",
        crate::domain::grants::Kind::Sprint,
        "Food, rooms and travel for a few days of contributors working together on the code or the documentation.",
        false,
        21,
        Some(3_000),
        Some(150),
        30,
        [12_000, 15_000, 15_000],
    ),
    (
        "Workshops and outreach",
        crate::domain::grants::Kind::Workshop,
        "Beginner workshops, teacher training and outreach to groups under-represented in our community.",
        true,
        28,
        Some(2_500),
        Some(40),
        45,
        [10_000, 12_000, 15_000],
    ),
    (
        "Development grants",
        crate::domain::grants::Kind::Development,
        "Paid time for maintainers and contributors on work the community needs and nobody is paid to do: accessibility, translation, security and long-overdue maintenance.",
        false,
        0,
        Some(25_000),
        None,
        90,
        [60_000, 80_000, 90_000],
    ),
];

/// One demo application. Dates are days from today, amounts whole units of its currency
/// (`cur` 0 = the foundation's, 1 and 2 = the two demo foreign currencies), `award_pct` the
/// share of the request awarded (awarded statuses only).
struct DemoGrant {
    programme: usize,
    status: crate::domain::grants::Status,
    name: &'static str,
    org: &'static str,
    country: &'static str,
    event: &'static str,
    city: &'static str,
    event_country: &'static str,
    starts_in: i64,
    days: i64,
    attendance: i32,
    requested: i64,
    cur: usize,
    applied_ago: i64,
    award_pct: i64,
    opt_in: bool,
}

/// The demo applications: every status, several countries and currencies; two groups that
/// applied before (one of them with a report overdue).
// One row per application reads better than rustfmt's one field per line.
#[rustfmt::skip]
fn demo_grants() -> Vec<DemoGrant> {
    use crate::domain::grants::Status::*;
    // (programme, status, applicant, organisation, country, event, city, event country,
    //  (starts in days, length in days, attendance),
    //  (requested, currency, applied days ago, percent awarded, public opt-in))
    type Row = (usize, crate::domain::grants::Status, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, (i64, i64, i32), (i64, usize, i64, i64, bool));
    let rows: Vec<Row> = vec![
        // Just arrived.
        (0, Submitted, "Kwabena Asante", "PyCon Ghana", "GH", "PyCon Ghana {year}", "Accra", "GH", (120, 3, 450), (8_000, 0, 2, 0, true)),
        (2, Submitted, "Lucía Fernández", "Django Girls Montevideo", "UY", "Django Girls Montevideo", "Montevideo", "UY", (75, 1, 30), (1_200, 0, 1, 0, false)),
        (3, Submitted, "Tomasz Nowak", "pytest-benchmark maintainers", "PL", "A faster storage backend for pytest-benchmark", "Kraków", "PL", (30, 90, 0), (9_500, 1, 3, 0, false)),
        // Being reviewed.
        (0, UnderReview, "Aiko Tanaka", "PyCon JP Association", "JP", "PyCon JP {year}", "Tokyo", "JP", (150, 2, 900), (10_000, 0, 12, 0, true)),
        (1, UnderReview, "Sven Olsen", "Nordic Python Sprint Collective", "NO", "Nordic core developer sprint", "Oslo", "NO", (60, 3, 20), (2_500, 1, 9, 0, false)),
        (2, UnderReview, "Amina Yusuf", "Django Girls Lagos", "NG", "Django Girls Lagos", "Lagos", "NG", (70, 1, 40), (1_500, 0, 15, 0, true)),
        (3, UnderReview, "Ananya Iyer", "Open Geodata Tools", "IN", "Accessible documentation for the geodata tools", "Bengaluru", "IN", (14, 120, 0), (12_000, 0, 11, 0, false)),
        (0, InfoRequested, "Carlos Mendes", "Associação Python Brasil", "BR", "Python Brasil {year}", "Belo Horizonte", "BR", (180, 4, 1200), (10_000, 0, 16, 0, true)),
        (1, InfoRequested, "Fatima Zahra El Idrissi", "Rabat Python Sprint", "MA", "Scientific Python sprint", "Rabat", "MA", (50, 2, 25), (2_000, 0, 8, 0, false)),
        // Decided.
        (0, Approved, "Emma Schneider", "PyData Berlin e.V.", "DE", "PyData Berlin {year}", "Berlin", "DE", (90, 3, 600), (8_000, 1, 30, 85, true)),
        (2, Approved, "Grace Wanjiru", "PyLadies Nairobi", "KE", "Python for data journalism: a workshop series", "Nairobi", "KE", (45, 1, 60), (2_000, 0, 28, 100, true)),
        (3, Approved, "Noor Haddad", "Arabic NLP Toolkit", "JO", "A maintenance year for the Arabic NLP toolkit", "Amman", "JO", (20, 180, 0), (20_000, 0, 35, 90, false)),
        (0, Declined, "Jake Miller", "CodeFest Expo LLC", "US", "CodeFest Expo {year}", "Las Vegas", "US", (100, 2, 3000), (10_000, 0, 26, 0, false)),
        (1, Declined, "Oliver Smith", "Leeds Hack Night", "GB", "Packaging sprint", "Leeds", "GB", (40, 1, 8), (1_500, 2, 20, 0, false)),
        (2, Withdrawn, "Valentina Rossi", "Python Milano", "IT", "Python for secondary-school teachers", "Milan", "IT", (80, 1, 35), (1_800, 1, 18, 0, false)),
        (0, Withdrawn, "Chen Wei", "PyCon Taiwan", "TW", "PyCon Taiwan {year}", "Taipei", "TW", (30, 2, 700), (6_000, 0, 60, 100, true)),
        // Paid before the event.
        (0, Paid, "Sofia Oliveira", "PyCon Portugal", "PT", "PyCon Portugal {year}", "Porto", "PT", (25, 3, 400), (6_000, 1, 70, 100, true)),
        (1, Paid, "Daniel Kim", "Seoul Python Sprint", "KR", "Type hints sprint", "Seoul", "KR", (10, 2, 18), (2_400, 0, 45, 100, false)),
        // After the event: reports (the first one is overdue).
        (2, ReportDue, "Chinedu Okeke", "Django Girls Lagos", "NG", "Django Girls Lagos", "Lagos", "NG", (-121, 1, 35), (1_500, 0, 170, 100, false)),
        (1, ReportDue, "Marie Dubois", "Paris Python Sprints", "FR", "CPython documentation sprint", "Paris", "FR", (-22, 2, 22), (2_000, 1, 80, 100, true)),
        (0, ReportDue, "Lukáš Novák", "Czech Python Association", "CZ", "PyCon CZ {year}", "Brno", "CZ", (-8, 3, 500), (7_500, 0, 110, 100, true)),
        (0, ReportReceived, "Ahmed Hassan", "PyCon Egypt", "EG", "PyCon Egypt {year}", "Cairo", "EG", (-70, 2, 350), (5_000, 0, 140, 100, true)),
        (3, ReportReceived, "Elena Petrova", "Sphinx Translators Guild", "BG", "Translation tooling for the documentation", "Sofia", "BG", (-200, 120, 0), (15_000, 0, 230, 100, false)),
        (0, Closed, "Kwabena Asante", "PyCon Ghana", "GH", "PyCon Ghana {year}", "Accra", "GH", (-300, 3, 420), (7_000, 0, 360, 100, true)),
        (2, Closed, "Sara Haile", "Addis Ababa Python Women", "ET", "Python for public-health data", "Addis Ababa", "ET", (-150, 2, 45), (2_000, 0, 200, 100, true)),
        (3, Closed, "Juan Pérez", "Open Accessibility Lab", "CL", "Screen-reader support for the interactive shell", "Santiago", "CL", (-260, 150, 0), (20_000, 0, 300, 100, true)),
    ];
    rows.into_iter()
        .map(|(programme, status, name, org, country, event, city, event_country, (starts_in, days, attendance), (requested, cur, applied_ago, award_pct, opt_in))| DemoGrant {
            programme, status, name, org, country, event, city, event_country, starts_in, days,
            attendance, requested, cur, applied_ago, award_pct, opt_in,
        })
        .collect()
}

/// Budget lines for a kind of work, as shares (percent) of the total budget.
fn demo_lines(kind: crate::domain::grants::Kind) -> &'static [(&'static str, i64)] {
    use crate::domain::grants::Kind;
    match kind {
        Kind::Event => &[
            ("Venue and equipment", 35),
            ("Catering", 22),
            ("Travel for speakers from abroad", 18),
            ("Diversity and financial-aid tickets", 10),
            ("Live captioning", 8),
            ("Childcare", 4),
            ("Video recording", 3),
        ],
        Kind::Sprint => &[
            ("Travel for contributors", 55),
            ("Meeting room", 20),
            ("Food and drinks", 25),
        ],
        Kind::Workshop => &[
            ("Room hire", 30),
            ("Laptop rental for participants", 25),
            ("Mentors' travel", 25),
            ("Lunch and snacks", 15),
            ("Printed material", 5),
        ],
        Kind::Development => &[
            ("Developer time", 85),
            ("Code review by a second maintainer", 10),
            ("Release and documentation", 5),
        ],
    }
}

/// What the money pays for, and the outreach plan, in the applicant's words.
fn demo_texts(kind: crate::domain::grants::Kind, event: &str) -> (String, String) {
    use crate::domain::grants::Kind;
    match kind {
        Kind::Event => (
            format!("The grant pays travel for four speakers from neighbouring countries, live captioning for every talk, and 40 free tickets for students and first-time attendees of {event}."),
            "Half of our speakers are first-time speakers, mentored by past speakers. Financial-aid tickets are offered first to women, students and people from outside the capital; childcare is free for every attendee.".into(),
        ),
        Kind::Sprint => (
            format!("Travel and accommodation for contributors who could not come otherwise, and food for the days of {event}."),
            "We pair each newcomer with a core developer for the whole sprint and publish a write-up of what got merged.".into(),
        ),
        Kind::Workshop => (
            format!("Room hire, rented laptops for participants who have none, and travel for volunteer mentors for {event}."),
            "Places go first to women and to people who have never programmed; the workshop is free and run in the local language.".into(),
        ),
        Kind::Development => (
            format!("Paid maintainer time for: {event}. Work is done in the open, in small reviewed pull requests, with a monthly progress note."),
            "We will mentor two new contributors during the work and write a contributor guide as part of it.".into(),
        ),
    }
}

/// Rough worth of one unit in US dollars, times 10^6, for the demo's reference rates.
fn usd_worth(code: &str) -> i64 {
    match code {
        "EUR" => 1_080_000,
        "GBP" => 1_270_000,
        "CHF" => 1_130_000,
        "CAD" => 730_000,
        "AUD" => 660_000,
        "JPY" => 6_700,
        _ => 1_000_000,
    }
}

/// The statuses an application passed through to reach `status`, starting at submitted.
fn demo_path(
    status: crate::domain::grants::Status,
    replied: bool,
) -> Vec<crate::domain::grants::Status> {
    use crate::domain::grants::Status::*;
    let review: Vec<_> = if replied {
        vec![Submitted, UnderReview, InfoRequested, UnderReview]
    } else {
        vec![Submitted, UnderReview]
    };
    let tail: &[_] = match status {
        Submitted => return vec![Submitted],
        UnderReview => &[],
        InfoRequested => &[InfoRequested],
        Approved => &[Approved],
        Declined => &[Declined],
        // The second withdrawn demo grant was approved first (its event was postponed).
        Withdrawn => return vec![Submitted, Withdrawn],
        Paid => &[Approved, Paid],
        ReportDue => &[Approved, Paid, ReportDue],
        ReportReceived => &[Approved, Paid, ReportDue, ReportReceived],
        Closed => &[Approved, Paid, ReportDue, ReportReceived, Closed],
    };
    review.into_iter().chain(tail.iter().copied()).collect()
}

/// Grant programmes with rules and yearly caps, reference rates, and about 25 applications
/// in every status with reviewers, votes, a declared conflict, messages, decisions (one
/// past the budget with an override), payments, reports and an overdue report. Rows are
/// written with the models in one transaction, as the applicants, reviewers, deciders and
/// treasurer would have left them; no email is queued. Skipped when the demo programmes
/// exist.
pub fn seed_grants(state: &AppState) -> anyhow::Result<String> {
    let mut conn = state.db.get()?;
    let exists = crate::models::grant_programmes::all(&mut conn)?
        .iter()
        .any(|p| p.name == DEMO_PROGRAMMES[0].0);
    if exists {
        return Ok("Demo grants are already there.\n".into());
    }
    let base = state.settings.currency();
    let today = chrono::Utc::now().date_naive();
    let data_dir = state.settings.data_dir.clone();
    let n = crate::db::write_tx(&mut conn, |c| seed_grants_tx(c, &data_dir, base, today))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(format!(
        "Demo grants created: {} programmes with budgets, {n} applications in every status.\n",
        DEMO_PROGRAMMES.len()
    ))
}

// Long on purpose (issue 15 allows it with a reason): it tells each demo application's story
// in order — the form, its history, reviewers and votes, messages, the decision, payment and
// report — every step using the same dates, amounts and people. Split into steps, each would
// take a dozen of them as arguments. Demo data only; only `seed_grants` calls it.
fn seed_grants_tx(
    c: &mut crate::db::DbConn,
    data_dir: &std::path::Path,
    base: crate::domain::Currency,
    today: chrono::NaiveDate,
) -> crate::error::AppResult<usize> {
    use crate::db::schema::{
        grant_applications, grant_decisions, grant_events, grant_messages, grant_report_reminders,
        grant_reviewers, grant_votes,
    };
    use crate::domain::grants::{
        self, Method, RATE_SCALE, Status, Vote, approvals_needed, convert,
    };
    use crate::domain::{Currency, Money};
    use crate::error::AppError;
    use crate::models::grant_applications::{self as apps, NewGrantApplication};
    use crate::models::grant_disbursements::{self as disb, NewDisbursement};
    use crate::models::grant_programmes::{self as programmes, ProgrammeFields};
    use chrono::Datelike;
    use diesel::prelude::*;

    let unit = |cur: Currency| 10i64.pow(cur.exponent());
    let now = crate::models::now();
    let year = today.year();

    // The people: reviewers (a pool for assignments), the decider and the treasurer.
    let person =
        |c: &mut crate::db::DbConn, email: &str| -> crate::error::AppResult<(i64, String)> {
            let u = users::find_by_email(c, email)?.ok_or_else(|| {
                AppError::Unexpected(anyhow::anyhow!("demo staff {email} is missing"))
            })?;
            Ok((u.id, u.email))
        };
    let mut pool = Vec::new();
    for e in [
        "mei@demo.steward.example",
        "kwame@demo.steward.example",
        "hannah@demo.steward.example",
        "rafael@demo.steward.example",
    ] {
        pool.push(person(c, e)?);
    }
    let decider = pool[3].1.clone();
    let treasurer = person(c, "priya@demo.steward.example")?.1;

    // Programmes and caps.
    let mut programme_rows = Vec::new();
    for (name, kind, description, coc, lead, max, per, report_days, caps) in DEMO_PROGRAMMES {
        let id = programmes::insert(
            c,
            &ProgrammeFields {
                name: name.to_string(),
                kind: kind.as_str().into(),
                description: description.to_string(),
                is_open: true,
                requires_coc: *coc,
                min_lead_days: *lead,
                max_amount_minor: max.map(|m| m * unit(base)),
                per_attendee_minor: per.map(|m| m * unit(base)),
                report_days: *report_days,
            },
        )?;
        for (k, cap) in caps.iter().enumerate() {
            programmes::set_cap(c, id, year - 1 + k as i32, cap * unit(base))?;
        }
        programme_rows.push((id, *kind, *report_days));
    }

    // Two foreign currencies with reference rates (EUR and GBP unless one is ours).
    let foreign: Vec<Currency> = ["EUR", "GBP", "USD"]
        .iter()
        .filter_map(|code| Currency::parse(code).ok())
        .filter(|cur| *cur != base)
        .take(2)
        .collect();
    let mut rates = vec![(base, RATE_SCALE)];
    for cur in &foreign {
        let rate = usd_worth(cur.code()) * RATE_SCALE / usd_worth(base.code());
        programmes::set_rate(c, cur.code(), rate, "seed-demo")?;
        rates.push((*cur, rate));
    }
    let quorum = programmes::quorum(c)?;

    let mut count = 0;
    let mut override_app = None;
    for (i, d) in demo_grants().iter().enumerate() {
        let (programme_id, kind, report_days) = programme_rows[d.programme];
        let (cur, rate) = rates[d.cur.min(rates.len() - 1)];
        let starts_on = today + chrono::Duration::days(d.starts_in);
        let ends_on = starts_on + chrono::Duration::days(d.days - 1);
        let applied = today - chrono::Duration::days(d.applied_ago);
        let event_name = d.event.replace("{year}", &starts_on.year().to_string());
        let requested = Money::new(d.requested * unit(cur), cur);
        let base_of = |m: Money| {
            convert(m, rate, base)
                .map(|b| b.minor)
                .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("demo amount too large")))
        };
        let requested_base = base_of(requested)?;
        let total_budget = if kind.has_attendance() {
            requested.minor * if kind == grants::Kind::Sprint { 2 } else { 5 }
        } else {
            requested.minor
        };
        let mut lines = Vec::new();
        let mut left = total_budget;
        let shares = demo_lines(kind);
        for (k, (label, pct)) in shares.iter().enumerate() {
            let amount = if k + 1 == shares.len() {
                left
            } else {
                total_budget * pct / 100 / unit(cur) * unit(cur)
            };
            left -= amount;
            lines.push((label.to_string(), amount));
        }
        let site = crate::domain::slug::slugify(d.org);
        let first = d.name.split(' ').next().unwrap_or(d.name);
        let email = format!("{}@{site}.example.org", crate::domain::slug::slugify(first));
        let (purpose, outreach) = demo_texts(kind, &event_name);
        let earlier = if d.org == "PyCon Ghana" && d.status == Status::Submitted {
            "The foundation funded PyCon Ghana last year (captioning and speaker travel); our report is on file.".to_string()
        } else if d.org == "Django Girls Lagos" && d.status == Status::UnderReview {
            "A workshop grant for our previous edition.".to_string()
        } else {
            String::new()
        };
        let id = apps::insert(
            c,
            &NewGrantApplication {
                application_key: format!("seed-demo-{i:02}"),
                programme_id,
                status: d.status.as_str().into(),
                applicant_name: d.name.into(),
                applicant_email: email.clone(),
                organisation: d.org.into(),
                group_key: grants::group_key(d.org),
                country: d.country.into(),
                event_name: event_name.clone(),
                starts_on,
                ends_on,
                city: d.city.into(),
                event_country: d.event_country.into(),
                attendance: d.attendance,
                website: format!("https://{site}.example.org/"),
                coc_url: if kind == grants::Kind::Development {
                    String::new()
                } else {
                    format!("https://{site}.example.org/code-of-conduct")
                },
                requested_minor: requested.minor,
                currency: cur.code().into(),
                requested_base_minor: requested_base,
                total_budget_minor: total_budget,
                purpose,
                outreach,
                earlier_grants: earlier,
                public_opt_in: d.opt_in,
                budget_year: starts_on.year(),
                created_at: at(applied, 9),
                updated_at: at(applied, 9),
            },
            &lines,
        )?;
        // Some applicants attached a budget sheet, as the form allows.
        if i % 4 == 1 {
            demo_file(
                c,
                data_dir,
                id,
                "application",
                &format!("{site}-budget.pdf"),
                &format!("{event_name}: detailed budget"),
            )?;
        }
        count += 1;

        // The history, step by step, with the people who made each move.
        let replied = d.status == Status::UnderReview && d.org == "Django Girls Lagos";
        let mut path = demo_path(d.status, replied);
        if d.status == Status::Withdrawn && d.award_pct > 0 {
            path = vec![
                Status::Submitted,
                Status::UnderReview,
                Status::Approved,
                Status::Withdrawn,
            ];
        }
        for w in path.windows(2) {
            grants::transition(w[0], w[1])
                .map_err(|e| AppError::Unexpected(anyhow::anyhow!("demo path: {e}")))?;
        }
        let reviewer = &pool[i % 3];
        let decided_on = (applied + chrono::Duration::days(14)).min(today);
        let paid_on = (decided_on + chrono::Duration::days(7)).min(today);
        let received_on = if d.status == Status::Closed {
            (ends_on + chrono::Duration::days(i64::from(report_days) - 10))
                .min(today - chrono::Duration::days(12))
        } else {
            today - chrono::Duration::days(5 + (i as i64 % 7))
        };
        let mut last = at(applied, 9);
        let mut prev: Option<Status> = None;
        for (step, s) in path.iter().enumerate() {
            let (when, actor, note) = match s {
                Status::Submitted => (at(applied, 9), email.clone(), ""),
                Status::UnderReview if step > 2 => (
                    at(applied + chrono::Duration::days(6), 10),
                    email.clone(),
                    "The applicant answered the question.",
                ),
                Status::UnderReview => (
                    at(applied + chrono::Duration::days(1), 11),
                    reviewer.1.clone(),
                    "",
                ),
                Status::InfoRequested => (
                    at(applied + chrono::Duration::days(3), 14),
                    reviewer.1.clone(),
                    "Asked for details of the budget.",
                ),
                Status::Approved | Status::Declined => (at(decided_on, 15), decider.clone(), ""),
                Status::Withdrawn if prev == Some(Status::Approved) => (
                    at(today - chrono::Duration::days(3), 8),
                    email.clone(),
                    "The event is postponed to next year.",
                ),
                Status::Withdrawn => (
                    at(applied + chrono::Duration::days(4), 19),
                    email.clone(),
                    "We found a local sponsor who covers the costs.",
                ),
                Status::Paid => (at(paid_on, 12), treasurer.clone(), ""),
                Status::ReportDue => (
                    at(ends_on + chrono::Duration::days(1), 3),
                    "worker".to_string(),
                    "The event is over: report requested.",
                ),
                Status::ReportReceived => (at(received_on, 17), email.clone(), ""),
                Status::Closed => (
                    at(received_on + chrono::Duration::days(6), 10),
                    treasurer.clone(),
                    "Report read; grant closed.",
                ),
            };
            // Never in the future, never before the step before.
            let when = when.min(now - chrono::Duration::minutes(30)).max(last);
            diesel::insert_into(grant_events::table)
                .values((
                    grant_events::application_id.eq(id),
                    grant_events::from_status.eq(prev.map(|p| p.as_str())),
                    grant_events::to_status.eq(s.as_str()),
                    grant_events::actor.eq(actor),
                    grant_events::note.eq(note),
                    grant_events::at.eq(when),
                ))
                .execute(c)?;
            last = when;
            prev = Some(*s);
        }
        diesel::update(grant_applications::table.find(id))
            .set(grant_applications::updated_at.eq(last))
            .execute(c)?;

        // Reviewers and votes.
        let awarded = d.award_pct > 0 && path.contains(&Status::Approved);
        let award = Money::new(
            requested.minor * d.award_pct / 100 / unit(cur) * unit(cur),
            cur,
        );
        let award_base = if awarded { base_of(award)? } else { 0 };
        let assigned_at = at(applied + chrono::Duration::days(1), 11);
        let reviewers: Vec<&(i64, String)> = match d.status {
            Status::Submitted if i == 1 => vec![&pool[0]],
            Status::Submitted => vec![],
            Status::Withdrawn if !awarded => vec![],
            _ => {
                let needed =
                    approvals_needed(&quorum, if awarded { award_base } else { requested_base })
                        .clamp(2, 3) as usize;
                (0..needed).map(|k| &pool[(i + k) % 3]).collect()
            }
        };
        // Kwame sits on the organising committee of PyCon JP: he declares it and is recused.
        let conflicted = d.event.starts_with("PyCon JP");
        let mut reviewer_rows = reviewers.clone();
        if conflicted && !reviewer_rows.iter().any(|r| r.1 == pool[1].1) {
            reviewer_rows.push(&pool[1]);
        }
        for (k, r) in reviewer_rows.iter().enumerate() {
            let conflict = conflicted && r.1 == pool[1].1;
            diesel::insert_into(grant_reviewers::table)
                .values((
                    grant_reviewers::application_id.eq(id),
                    grant_reviewers::user_id.eq(r.0),
                    grant_reviewers::assigned_by.eq(&decider),
                    grant_reviewers::assigned_at.eq(assigned_at),
                    grant_reviewers::conflict.eq(conflict),
                    grant_reviewers::conflict_note.eq(if conflict {
                        "I am on the organising committee of this conference."
                    } else {
                        ""
                    }),
                    grant_reviewers::conflict_at
                        .eq(conflict.then(|| assigned_at + chrono::Duration::hours(3))),
                ))
                .execute(c)?;
            if conflict {
                continue;
            }
            // Who has voted so far, and how.
            let vote = match d.status {
                Status::Submitted | Status::Withdrawn if !awarded => None,
                Status::InfoRequested => (k == 0).then_some((
                    Vote::Abstain,
                    None,
                    "Waiting for the answer to our question before I vote.",
                )),
                // Two votes in, apart; the third reviewer has not voted yet.
                Status::UnderReview if d.org == "Open Geodata Tools" => match k {
                    0 => Some((
                        Vote::Approve,
                        Some(4),
                        "Well-scoped work with a clear plan; the maintainers have a good record.",
                    )),
                    1 => Some((
                        Vote::Decline,
                        Some(2),
                        "Valuable, but the budget for developer time looks high for the scope.",
                    )),
                    _ => None,
                },
                Status::UnderReview if d.org == "Nordic Python Sprint Collective" => Some((
                    Vote::Approve,
                    Some(5 - k as i32),
                    "Strong list of participants and a clear goal for the sprint.",
                )),
                Status::UnderReview => (k == 0).then_some((
                    Vote::Approve,
                    Some(4),
                    "Good outreach plan and a sensible budget.",
                )),
                Status::Declined => Some((
                    Vote::Decline,
                    Some(2 - (k as i32 % 2)),
                    "Does not fit the programme as it stands.",
                )),
                _ => Some((
                    Vote::Approve,
                    Some(5 - (k as i32 % 2)),
                    "Clear plan, realistic budget and a good code of conduct.",
                )),
            };
            if let Some((vote, score, comment)) = vote {
                diesel::insert_into(grant_votes::table)
                    .values((
                        grant_votes::application_id.eq(id),
                        grant_votes::user_id.eq(r.0),
                        grant_votes::vote.eq(vote.as_str()),
                        grant_votes::score.eq(score),
                        grant_votes::comment.eq(comment),
                        grant_votes::at
                            .eq((assigned_at + chrono::Duration::days(2 + k as i64)).min(last)),
                    ))
                    .execute(c)?;
            }
        }

        // Messages with the applicant.
        let ask = |c: &mut crate::db::DbConn, who: &str, from_applicant: bool, body: &str, when| {
            diesel::insert_into(grant_messages::table)
                .values((
                    grant_messages::application_id.eq(id),
                    grant_messages::author_kind.eq(if from_applicant {
                        "applicant"
                    } else {
                        "staff"
                    }),
                    grant_messages::author.eq(who),
                    grant_messages::body.eq(body),
                    grant_messages::at.eq(when),
                ))
                .execute(c)
        };
        if path.contains(&Status::InfoRequested) {
            ask(
                c,
                &reviewer.1,
                false,
                "Thank you for the application. Could you tell us how many of the financial-aid tickets went to first-time attendees last time, and send the quote for live captioning?",
                at(applied + chrono::Duration::days(3), 14),
            )?;
        }
        if replied {
            ask(
                c,
                &email,
                true,
                "Of course: 28 of the 35 places went to people who had never programmed before. The venue quote is attached to our budget lines; captioning is not needed for a workshop this size.",
                at(applied + chrono::Duration::days(6), 10),
            )?;
        }

        // The decision.
        if awarded || d.status == Status::Declined {
            let mut override_reason = String::new();
            if d.org == "Arabic NLP Toolkit" {
                override_reason = "The board agreed to fund this from the reserve: the toolkit is a dependency of three national archives' search systems and has no other funder.".into();
                override_app = Some((programme_id, starts_on.year(), award_base, id));
            }
            let note = match d.status {
                Status::Declined if d.org == "CodeFest Expo LLC" => {
                    "A commercial event with a ticket price of $900; the programme funds community-run events."
                }
                Status::Declined => {
                    "Too few contributors are confirmed yet. Please apply again with the projects' maintainers on board."
                }
                _ if d.award_pct < 100 => {
                    "Awarded less than requested: the video recording is covered by another sponsor."
                }
                _ => "",
            };
            diesel::insert_into(grant_decisions::table)
                .values((
                    grant_decisions::application_id.eq(id),
                    grant_decisions::outcome.eq(if awarded { "approved" } else { "declined" }),
                    grant_decisions::awarded_minor.eq(awarded.then_some(award.minor)),
                    grant_decisions::awarded_base_minor.eq(awarded.then_some(award_base)),
                    grant_decisions::rate_micros.eq(awarded.then_some(rate)),
                    grant_decisions::note.eq(note),
                    grant_decisions::override_reason.eq(&override_reason),
                    grant_decisions::decided_by.eq(&decider),
                    grant_decisions::decided_at.eq(at(decided_on, 15).min(last)),
                ))
                .execute(c)?;
        }

        // Payment, the report's due date and the reminders already sent.
        if path.contains(&Status::Paid) {
            // The screen-reader grant was paid in two halves, the others at once.
            let parts: Vec<i64> = if d.org == "Open Accessibility Lab" {
                vec![award.minor / 2, award.minor - award.minor / 2]
            } else {
                vec![award.minor]
            };
            for (k, part) in parts.iter().enumerate() {
                let paid = paid_on + chrono::Duration::days(30 * k as i64);
                let amount = Money::new(*part, cur);
                disb::insert(
                    c,
                    &NewDisbursement {
                        application_id: id,
                        paid_on: paid.min(today),
                        method: if d.country == "KR" {
                            Method::Paypal
                        } else {
                            Method::BankTransfer
                        }
                        .as_str()
                        .into(),
                        amount_minor: amount.minor,
                        currency: cur.code().into(),
                        rate_micros: rate,
                        base_minor: base_of(amount)?,
                        reference: format!(
                            "GRANT G-{id}{}",
                            if parts.len() > 1 {
                                format!(" part {}", k + 1)
                            } else {
                                String::new()
                            }
                        ),
                        recorded_by: treasurer.clone(),
                        created_at: at(paid.min(today), 12).min(now),
                    },
                )?;
            }
            let due = ends_on + chrono::Duration::days(i64::from(report_days));
            apps::set_report_due_once(c, id, due)?;
            // Reminders the worker would have sent by now (before the report came in).
            let until = if path.contains(&Status::ReportReceived) {
                received_on
            } else {
                today
            };
            for (kind, when) in [
                ("due_soon", due - chrono::Duration::days(14)),
                ("due_today", due),
                ("overdue", due + chrono::Duration::days(7)),
            ] {
                if when <= until && path.contains(&Status::ReportDue) {
                    diesel::insert_into(grant_report_reminders::table)
                        .values((
                            grant_report_reminders::application_id.eq(id),
                            grant_report_reminders::kind.eq(kind),
                            grant_report_reminders::sent_at.eq(at(when, 6).min(now)),
                        ))
                        .execute(c)?;
                }
            }
        }
        if path.contains(&Status::ReportReceived) {
            demo_file(
                c,
                data_dir,
                id,
                "report",
                &format!("{site}-report.pdf"),
                &format!("{event_name}: report and receipts"),
            )?;
            apps::insert_report(
                c,
                id,
                &format!(
                    "{event_name} went ahead as planned with {} people taking part. The grant paid for what we described: {}\n\nWhat worked: newcomers stayed for the whole event and several opened their first pull request. What we would change: start the financial-aid process earlier. Receipts are available on request.",
                    d.attendance.max(1),
                    lines
                        .iter()
                        .map(|(l, _)| l.to_lowercase())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                &email,
                at(received_on, 17).min(now),
            )?;
        }
    }

    // The override decision really went past the budget: that year's cap is what the
    // programme had already committed and paid, plus two thirds of this award.
    if let Some((programme_id, budget_year, award_base, id)) = override_app {
        let used = apps::budget_use(c, programme_id, budget_year)?.used() - award_base;
        let thousand = 1000 * unit(base);
        let cap = (used + award_base * 2 / 3) / thousand * thousand;
        programmes::set_cap(c, programme_id, budget_year, cap.max(thousand))?;
        crate::services::audit::record(
            c,
            &crate::services::Actor::system("seed-demo"),
            "grant.override",
            Some(("grant_application", &id.to_string())),
            "Demo decision past the programme's budget, with the board's reason.",
        )?;
    }
    crate::services::audit::record(
        c,
        &crate::services::Actor::system("seed-demo"),
        "grant.seed",
        None,
        &format!("{} programmes, {count} applications", DEMO_PROGRAMMES.len()),
    )?;
    Ok(count)
}

/// Stores a small one-page PDF as one of a demo application's private files.
fn demo_file(
    c: &mut crate::db::DbConn,
    data_dir: &std::path::Path,
    id: i64,
    purpose: &str,
    name: &str,
    title: &str,
) -> crate::error::AppResult<()> {
    let bytes = demo_pdf(title);
    let key = crate::services::grant_applications::store_file(data_dir, &bytes)
        .map_err(|e| crate::error::AppError::Unexpected(e.into()))?;
    crate::models::grant_applications::add_file(
        c,
        id,
        purpose,
        &key,
        name,
        "application/pdf",
        bytes.len() as i64,
    )?;
    Ok(())
}

/// A valid one-page PDF showing `title` (objects with a correct cross-reference table).
fn demo_pdf(title: &str) -> Vec<u8> {
    let text: String = title
        .chars()
        .filter(|c| c.is_ascii() && !matches!(c, '(' | ')' | '\\'))
        .collect();
    let content = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", n + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
