//! `steward seed-demo`: a realistic demo data set. Later features extend it.

use crate::auth::password;
use crate::domain::{EmailAddress, Role};
use crate::models::users;
use crate::state::AppState;

/// The password every demo account gets (printed by the command).
pub const DEMO_PASSWORD: &str = "demo-steward-password";

/// Demo staff: a person per role, as a small foundation has them.
const DEMO_STAFF: &[(&str, &str, &[Role])] = &[
    (
        "Amara Okafor",
        "amara@demo.steward.example",
        &[Role::Admin, Role::Treasurer],
    ),
    (
        "Jonas Lindqvist",
        "jonas@demo.steward.example",
        &[Role::Sponsorships, Role::Editor],
    ),
    (
        "Mei Chen",
        "mei@demo.steward.example",
        &[Role::GrantsReviewer],
    ),
    (
        "Rafael Gómez",
        "rafael@demo.steward.example",
        &[Role::GrantsReviewer, Role::GrantsDecider],
    ),
    (
        "Kwame Mensah",
        "kwame@demo.steward.example",
        &[Role::GrantsReviewer],
    ),
    (
        "Hannah Schulz",
        "hannah@demo.steward.example",
        &[Role::GrantsReviewer],
    ),
    (
        "Priya Raman",
        "priya@demo.steward.example",
        &[Role::Treasurer],
    ),
    (
        "Élodie Martin",
        "elodie@demo.steward.example",
        &[Role::Editor],
    ),
];

/// Inserts what is missing; running it twice changes nothing. Returns a report to print.
pub fn seed_demo(state: &AppState) -> anyhow::Result<String> {
    let mut conn = state.db.get()?;
    let hash = password::hash(DEMO_PASSWORD)?;
    let mut created = Vec::new();
    for (name, email, roles) in DEMO_STAFF {
        let email = EmailAddress::parse(email).map_err(|m| anyhow::anyhow!(m))?;
        if users::find_by_email(&mut conn, email.as_str())?.is_some() {
            continue;
        }
        crate::db::write_tx(&mut conn, |c| {
            let id = accounts_insert(c, &email, name, &hash, roles)?;
            crate::services::audit::record(
                c,
                &crate::services::Actor::system("seed-demo"),
                "user.seed",
                Some(("user", &id.to_string())),
                email.as_str(),
            )
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        created.push(format!(
            "  {name:<18} {email:<30} {}",
            roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut report = String::new();
    if created.is_empty() {
        report.push_str("Demo data is already there; nothing to add.\n");
    } else {
        report.push_str("Demo staff accounts created:\n");
        report.push_str(&created.join("\n"));
        report.push('\n');
    }
    report.push_str(&format!(
        "Every demo account signs in with the password: {DEMO_PASSWORD}\n"
    ));
    report.push_str(&seed_sponsors(state, 200)?);
    report.push_str(&seed_grants(state)?);
    report.push_str(&seed_conference(state)?);
    report.push_str(&seed_stories(state)?);
    Ok(report)
}

/// Demo success stories in every state: published (some on sponsors' profiles, one with a
/// later publication day), waiting for review, returned with feedback, and a staff draft.
/// Created through the service; the workflow moves are written straight to the table, so
/// the demo queues no email.
pub fn seed_stories(state: &AppState) -> anyhow::Result<String> {
    use crate::domain::story::Status;
    use crate::models::stories::{self, StoryText};
    use crate::services::stories::Author;
    let actor = crate::services::Actor::system("seed-demo");
    let mut conn = state.db.get()?;
    if !stories::list(&mut conn, None)?.is_empty() {
        return Ok("The demo stories are already there.\n".into());
    }
    let today = chrono::Utc::now().date_naive();
    let sponsors = crate::models::sponsors::all(&mut conn)?;
    let editor = users::find_by_email(&mut conn, "elodie@demo.steward.example")?;
    const BODY: &str = "## Where we started\n\nFive years ago our team of four ran everything \
        on a patchwork of scripts. Moving to the project's tools meant **one language** for the \
        web service, the data pipeline and the command-line tools.\n\n## What changed\n\n\
        - Deploys went from an afternoon to ten minutes.\n- New colleagues ship in their first \
        week.\n- We contribute fixes back: [our patches](https://example.org/patches).\n\n\
        > The community answered our first question within the hour.\n\nWe sponsor the \
        foundation because the work we depend on needs people paid to do it.";
    let demo: [(&str, &str, Status, Option<i64>, &str); 7] = [
        (
            "Weather forecasts for a whole country",
            "science",
            Status::Published,
            Some(-40),
            "",
        ),
        (
            "Teaching 3,000 students a year",
            "education",
            Status::Published,
            Some(-25),
            "",
        ),
        (
            "Routing a million parcels a day",
            "infrastructure",
            Status::Published,
            Some(-10),
            "",
        ),
        (
            "A city's open-data portal",
            "public-sector",
            Status::Published,
            Some(12),
            "",
        ),
        (
            "Sensors on every wind turbine",
            "embedded",
            Status::Submitted,
            None,
            "",
        ),
        (
            "How our bank checks payments",
            "data",
            Status::Returned,
            None,
            "Lovely story! Could you add a sentence on what the team did before, and a photo?",
        ),
        (
            "Ten years of the community sprint",
            "community",
            Status::Draft,
            None,
            "",
        ),
    ];
    let mut n = 0;
    for (i, (title, category, status, offset, feedback)) in demo.into_iter().enumerate() {
        let sponsor = sponsors.get(i * 3);
        let by_sponsor = sponsor.is_some() && i != 6;
        // A sponsor's story is written by one of its contacts, the last one by the editor.
        let contact = match sponsor.filter(|_| by_sponsor) {
            Some(sp) => crate::models::sponsors::contacts(&mut conn, sp.id)?
                .into_iter()
                .next(),
            None => None,
        };
        let author = match (sponsor, contact, &editor) {
            (Some(sp), Some(c), _) => Author::Sponsor {
                sponsor_id: sp.id,
                name: c.name,
                email: c.email,
            },
            (_, _, Some(u)) => Author::Staff {
                user_id: u.id,
                name: u.name.clone(),
                email: u.email.clone(),
            },
            _ => continue,
        };
        let organisation = sponsor
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "Our community".into());
        let text = StoryText {
            title: title.to_string(),
            summary: format!(
                "How {organisation} relies on the project's work, and why they give back."
            ),
            organisation,
            category: category.to_string(),
            body: BODY.to_string(),
        };
        let id = crate::services::stories::create(&mut conn, &actor, &author, &text, None)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let publish_on = offset.map(|d| today + chrono::Duration::days(d));
        let path: &[Status] = match status {
            Status::Draft => &[],
            Status::Submitted => &[Status::Submitted],
            Status::Returned => &[Status::Submitted, Status::Returned],
            Status::Published => &[Status::Submitted, Status::Published],
        };
        let mut from = Status::Draft;
        for to in path {
            stories::set_status(&mut conn, id, from, *to, Some(feedback), Some(publish_on))?;
            from = *to;
        }
        n += 1;
    }
    // Placement counts for the impact reports: a week's worth on each of the last 17
    // Mondays-or-so (every seventh day back from today), for the first sixty sponsors in
    // each slot.
    let slots = crate::models::placement_slots::all(&mut conn)?;
    crate::db::write_tx(&mut conn, |c| {
        for (i, sp) in sponsors.iter().take(60).enumerate() {
            for (k, slot) in slots.iter().enumerate() {
                for week in 0..17i64 {
                    let day = today - chrono::Duration::days(7 * week);
                    let seed = i as i64 * 31 + k as i64 * 17 + week * 7;
                    let impressions = 150 + seed % 240;
                    let clicks = (seed % 9).max(1);
                    crate::models::placement_slots::add_counts(
                        c,
                        slot.id,
                        sp.id,
                        day,
                        impressions,
                        clicks,
                    )?;
                }
            }
        }
        Ok(())
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(format!(
        "{n} demo success stories, in every state of the workflow; placement counts for the \
         impact reports of 60 sponsors.\n"
    ))
}

fn accounts_insert(
    conn: &mut crate::db::DbConn,
    email: &EmailAddress,
    name: &str,
    hash: &str,
    roles: &[Role],
) -> crate::error::AppResult<i64> {
    let t = crate::models::now();
    let id = users::insert(
        conn,
        &users::NewUser {
            email: email.as_str(),
            name,
            password_hash: Some(hash),
            is_disabled: false,
            created_at: t,
            updated_at: t,
        },
        roles,
    )?;
    Ok(id.0)
}

/// Six tiers, as a foundation's sponsorship prospectus has them:
/// (name, price in dollars, capacity, logo size, how many demo sponsors, benefits).
type DemoTier = (
    &'static str,
    i64,
    Option<i32>,
    &'static str,
    usize,
    &'static str,
);
const DEMO_TIERS: &[DemoTier] = &[
    (
        "Visionary",
        150_000,
        Some(5),
        "xl",
        3,
        "12 × conference passes\nKeynote thank-you\nLogo on every page of the website\nBooth in the main hall",
    ),
    (
        "Sustainability",
        90_000,
        Some(10),
        "l",
        8,
        "8 × conference passes\nLogo on the home page\nBlog post about your support",
    ),
    (
        "Maintaining",
        60_000,
        None,
        "m",
        15,
        "6 × conference passes\nLogo on the sponsors page and in the docs\nBlog post about your support",
    ),
    (
        "Contributing",
        30_000,
        None,
        "m",
        30,
        "4 × conference passes\nLogo on the sponsors page",
    ),
    (
        "Supporting",
        15_000,
        None,
        "s",
        60,
        "2 × conference passes\nLogo on the sponsors page",
    ),
    (
        "Partner",
        5_000,
        None,
        "xs",
        84,
        "Name and logo on the sponsors page",
    ),
];

const NAME_FIRST: &[&str] = &[
    "Acme", "Bluefin", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Ion", "Juniper",
    "Kite", "Lumen", "Maple", "Nimbus", "Orbit", "Pinecone", "Quartz", "Raven", "Summit", "Tidal",
    "Umbra", "Vertex", "Willow", "Xenon", "Yarrow", "Zephyr",
];
const NAME_SECOND: &[&str] = &[
    "Cloud",
    "Labs",
    "Systems",
    "Analytics",
    "Software",
    "Data",
    "Networks",
    "Security",
    "Robotics",
    "Health",
];
const COUNTRIES: &[&str] = &[
    "United States",
    "Germany",
    "United Kingdom",
    "Canada",
    "Netherlands",
    "France",
    "Japan",
    "Brazil",
    "India",
    "Sweden",
];
const TOPICS: &[&str] = &[
    "cloud",
    "security",
    "data-science",
    "education",
    "web",
    "scientific-computing",
];

/// The demo sponsor names: generated ones, plus long and non-Latin names that pages must
/// cope with.
fn demo_names(n: usize) -> Vec<String> {
    let mut names = vec![
        "Société Coopérative de Logiciels Libres et Ouverts pour l'Éducation Publique".to_string(),
        "株式会社サンプルソフトウェア".to_string(),
        "Ελληνικά Ανοιχτά Δεδομένα Α.Ε.".to_string(),
    ];
    'outer: for second in NAME_SECOND {
        for first in NAME_FIRST {
            if names.len() >= n {
                break 'outer;
            }
            names.push(format!("{first} {second}"));
        }
    }
    names.truncate(n);
    names
}

fn usd(dollars: i64) -> crate::domain::Money {
    crate::domain::Money::new(
        dollars * 100,
        crate::domain::Currency::parse("USD").expect("USD is a known currency"),
    )
}

fn demo_sponsor(
    name: &str,
    slug: String,
    k: usize,
    inkind: &str,
) -> crate::models::sponsors::SponsorFields {
    crate::models::sponsors::SponsorFields {
        name: name.to_string(),
        slug,
        website: format!("https://sponsor{k}.example.org/"),
        description: format!(
            "{name} builds on the foundation's software every day and supports the people who maintain it.\n\nTheir support pays for security releases, documentation and mentoring."
        ),
        tagline: "Proud to support open source".into(),
        org_size: Some(((k * 37) % 900 + 5) as i32),
        country: COUNTRIES[k % COUNTRIES.len()].into(),
        topics: TOPICS[k % TOPICS.len()].into(),
        inkind_description: inkind.into(),
        inkind_value_minor: if inkind.is_empty() {
            None
        } else {
            Some(400_000)
        },
        inkind_currency: if inkind.is_empty() {
            None
        } else {
            Some("USD".into())
        },
    }
}

/// Programmes, tiers, about `n` sponsors with active sponsorships spread over the tiers,
/// in-kind donors, jobs and placement slots. Skipped when the demo programme exists.
pub fn seed_sponsors(state: &AppState, n: usize) -> anyhow::Result<String> {
    use crate::domain::sponsorship::Status;
    use crate::models::{jobs, placement_slots, programmes, sponsors, tiers};
    use crate::services::sponsorships::{NewTerm, create};
    use chrono::Datelike;

    let mut conn = state.db.get()?;
    let today = chrono::Utc::now().date_naive();
    let year = today.year();
    if programmes::exists(&mut conn, "Foundation sponsorship", year, None)? {
        return Ok("Demo sponsors are already there.\n".into());
    }
    let actor = crate::services::Actor::system("seed-demo");
    let start = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let end = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
    let names = demo_names(n);
    let mut sponsor_ids = Vec::new();
    let mut pipeline_tier = 0;
    crate::db::write_tx(&mut conn, |c| {
        let programme = programmes::insert(
            c,
            "Foundation sponsorship",
            year,
            "Yearly sponsorship of the foundation's work.",
        )?;
        let mut tier_ids = Vec::new();
        for (i, (name, dollars, capacity, size, _, benefits)) in DEMO_TIERS.iter().enumerate() {
            let id = tiers::insert(
                c,
                &tiers::TierFields {
                    programme_id: programme,
                    name: name.to_string(),
                    slug: crate::domain::slug::slugify(name),
                    description: format!(
                        "{name} sponsors keep the foundation's core work going: security releases, infrastructure and mentoring."
                    ),
                    price_minor: dollars * 100,
                    currency: "USD".into(),
                    capacity: *capacity,
                    logo_size: size.to_string(),
                    display_order: i as i32,
                    advertised: true,
                },
            )?;
            let items = crate::domain::benefits::parse_benefits(benefits)
                .map_err(crate::error::AppError::BadRequest)?;
            tiers::set_benefits(c, id, &items)?;
            tier_ids.push(id);
        }
        tiers::insert_rule(
            c,
            programme,
            "Organisations under 25 people",
            Some(25),
            50,
            &tier_ids[1..3],
        )?;

        let mut k = 0usize;
        for (t, (_, dollars, _, _, count, _)) in DEMO_TIERS.iter().enumerate() {
            for _ in 0..*count {
                let Some(name) = names.get(k) else { break };
                let slug = match crate::domain::slug::slugify(name) {
                    s if s.is_empty() => format!("sponsor-{k}"),
                    s => s,
                };
                let inkind = match k % 40 {
                    7 => "CDN bandwidth for the package index",
                    19 => "Cloud credits for continuous integration",
                    _ => "",
                };
                let sid = sponsors::insert(c, &demo_sponsor(name, slug, k, inkind))?;
                sponsor_ids.push((sid, name.clone()));
                sponsors::add_contact(
                    c,
                    sid,
                    "Alex Example",
                    &format!("sponsorship@sponsor{k}.example.org"),
                    "primary",
                )?;
                sponsors::add_contact(
                    c,
                    sid,
                    "Billing Team",
                    &format!("billing@sponsor{k}.example.org"),
                    "billing",
                )?;
                let term = NewTerm {
                    sponsor_id: sid,
                    tier_id: tier_ids[t],
                    start,
                    end,
                    fee: Some(usd(*dollars)),
                    status: Status::Active,
                    notes: String::new(),
                };
                create(c, &actor, term)?;
                if k % 17 == 3 {
                    jobs::insert(
                        c,
                        &jobs::NewJob {
                            sponsor_id: sid,
                            title: [
                                "Senior Python Engineer",
                                "Developer Advocate",
                                "Site Reliability Engineer",
                                "Data Scientist",
                            ][k % 4]
                                .into(),
                            location: COUNTRIES[k % COUNTRIES.len()].into(),
                            remote: k.is_multiple_of(2),
                            url: format!("https://sponsor{k}.example.org/jobs/{k}"),
                            expires_on: today + chrono::Duration::days(60),
                            created_at: crate::models::now(),
                        },
                    )?;
                }
                k += 1;
            }
        }
        pipeline_tier = tier_ids[4];
        placement_slots::insert(
            c,
            "home-footer",
            "Home page footer",
            "The row of logos at the foot of the home page.",
            None,
            8,
            &tier_ids[0..3],
        )?;
        placement_slots::insert(
            c,
            "docs-footer",
            "Documentation footer",
            "Shown under every documentation page.",
            None,
            12,
            &tier_ids,
        )?;
        placement_slots::insert(
            c,
            "topic:cloud",
            "Cloud topic pages",
            "Shown on documentation about deployment.",
            Some("cloud"),
            4,
            &tier_ids[0..4],
        )?;
        Ok(())
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Logos go through the same checks and re-encoding as an upload, then are approved.
    for (i, (sid, name)) in sponsor_ids.iter().enumerate() {
        let png = demo_logo(i, name)?;
        let processed = crate::media::process_logo(&png).map_err(|m| anyhow::anyhow!(m))?;
        let key = crate::media::store_logo(&state.settings.data_dir, &processed)?;
        sponsors::set_pending_logo(&mut conn, *sid, &key)?;
        sponsors::approve_pending_logo(&mut conn, *sid)?;
    }
    let pipeline = seed_pipeline(state, &mut conn, pipeline_tier, year)?;
    // (The paid prospect joins the public pages when its term starts, next month.)
    let visible = crate::models::sponsorships::candidates_for_public(&mut conn, today)?.len();
    Ok(format!(
        "Demo sponsors created: {visible} visible today over {} tiers (with logos), {pipeline} in the pipeline (applications, agreements, invoices, a payment), 3 placement slots.\n",
        DEMO_TIERS.len()
    ))
}

/// Prospects at each step from application to payment, made through the same services staff
/// and sponsors use (so invoices are numbered, agreements rendered, emails queued).
fn seed_pipeline(
    state: &AppState,
    conn: &mut crate::db::DbConn,
    tier: i64,
    year: i32,
) -> anyhow::Result<usize> {
    use crate::domain::sponsorship::Status;
    use crate::models::{app_settings, sponsors};
    use crate::services::sponsorships::{NewTerm, create};
    use crate::services::{agreements, billing, portal_actions, sponsorship_review};

    let settings = &state.settings;
    let staff = crate::services::Actor::system("seed-demo");
    let e = |e: crate::error::AppError| anyhow::anyhow!("{e}");
    app_settings::set(
        conn,
        billing::BANK_INSTRUCTIONS_KEY,
        "Bank: Example Community Bank\nAccount name: The Example Software Foundation\nIBAN: XX00 0000 0000 0000 0000 00\nBIC: EXAMPLEXXX",
    )?;
    app_settings::set(
        conn,
        crate::web::invoice_print::FOUNDATION_ADDRESS_KEY,
        "1 Example Street\nSpringfield, EX 12345\nUnited States",
    )?;
    let steps = [
        "Application",
        "Approved",
        "Agreement sent",
        "Agreement accepted",
        "Invoiced",
        "Paid",
    ];
    let today = chrono::Utc::now().date_naive();
    // The term a new application gets today (a year from next month at the latest).
    let (start, end) = crate::services::sponsor_applications::proposed_term(year, today);
    for (i, step) in steps.iter().enumerate() {
        let k = 1000 + i;
        let name = format!("Prospect {} ({step})", i + 1);
        let sid = sponsors::insert(
            conn,
            &demo_sponsor(&name, format!("prospect-{}", i + 1), k, ""),
        )?;
        let primary = format!("sponsorship@prospect{}.example.org", i + 1);
        sponsors::add_contact(conn, sid, "Sam Prospect", &primary, "primary")?;
        sponsors::add_contact(
            conn,
            sid,
            "Accounts Payable",
            &format!("billing@prospect{}.example.org", i + 1),
            "billing",
        )?;
        let id = create(
            conn,
            &staff,
            NewTerm {
                sponsor_id: sid,
                tier_id: tier,
                start,
                end,
                fee: None,
                status: Status::Applied,
                notes: "Demo pipeline".into(),
            },
        )
        .map_err(e)?;
        if i == 0 {
            continue;
        }
        let s = crate::models::sponsorships::find(conn, id)?;
        sponsorship_review::approve(
            conn,
            settings,
            &staff,
            id,
            &sponsorship_review::Approval {
                start,
                end,
                fee: s.fee().ok_or_else(|| anyhow::anyhow!("demo fee"))?,
                reason: String::new(),
            },
        )
        .map_err(e)?;
        if i == 1 {
            continue;
        }
        let agreement = agreements::generate_and_send(conn, settings, &staff, id).map_err(e)?;
        if i == 2 {
            continue;
        }
        portal_actions::accept_agreement(
            conn,
            settings,
            &crate::services::Actor::visitor("sponsor contact (demo)", "127.0.0.1"),
            sid,
            agreement,
            &primary,
            &portal_actions::Acceptance {
                name: "Sam Prospect".into(),
                title: "Head of Open Source".into(),
            },
        )
        .map_err(e)?;
        if i == 3 {
            continue;
        }
        let invoice = billing::issue_invoice(
            conn,
            settings,
            &staff,
            id,
            today,
            today + chrono::Duration::days(30),
        )
        .map_err(e)?;
        if i == 4 {
            continue;
        }
        billing::record_manual(
            conn,
            settings,
            &staff,
            &billing::PaymentInput {
                invoice_id: invoice.id,
                kind: billing::Kind::Payment,
                method: "bank_transfer".into(),
                amount_minor: invoice.amount_minor,
                currency: invoice.currency.clone(),
                reference: format!("TRANSFER {}", invoice.number),
                received_on: today,
                stripe_ref: None,
                refund_of: None,
            },
        )
        .map_err(e)?;
    }
    Ok(steps.len())
}

/// A generated logo: a coloured mark and a bar pattern derived from the name, as a PNG.
fn demo_logo(i: usize, name: &str) -> anyhow::Result<Vec<u8>> {
    use image::{Rgba, RgbaImage};
    let h = name
        .bytes()
        .fold(2166136261u32, |a, b| (a ^ b as u32).wrapping_mul(16777619))
        ^ (i as u32).wrapping_mul(2654435761);
    let hue = |shift: u32| -> [u8; 3] {
        let x = (h >> shift) as u8;
        [
            40 + (x % 150),
            60 + ((x.wrapping_mul(7)) % 140),
            80 + ((x.wrapping_mul(13)) % 120),
        ]
    };
    let (w, ht) = (400u32, 160u32);
    let mut img = RgbaImage::from_pixel(w, ht, Rgba([0, 0, 0, 0]));
    let c1 = hue(0);
    let c2 = hue(8);
    // A circle mark on the left.
    let (cx, cy, r) = (80i64, 80i64, 56i64);
    for y in 0..ht {
        for x in 0..w {
            let (dx, dy) = (x as i64 - cx, y as i64 - cy);
            if dx * dx + dy * dy <= r * r {
                let inner = dx * dx + dy * dy <= (r / 2) * (r / 2);
                let c = if inner { c2 } else { c1 };
                img.put_pixel(x, y, Rgba([c[0], c[1], c[2], 255]));
            }
        }
    }
    // "Letters": bars of varying height where a word mark would be.
    let letters = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
        .clamp(3, 12) as u32;
    for l in 0..letters {
        let x0 = 160 + l * 19;
        let bar_h = 30 + ((h >> (l % 24)) % 40);
        for y in (110 - bar_h)..110 {
            for x in x0..(x0 + 14).min(w) {
                img.put_pixel(x, y, Rgba([c1[0] / 2, c1[1] / 2, c1[2] / 2, 255]));
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

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

/// A timestamp `hour` hours into a day.
fn at(day: chrono::NaiveDate, hour: i64) -> chrono::NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN) + chrono::Duration::hours(hour)
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

/// The demo conference's tiers: name, price in dollars, capacity.
const CONFERENCE_TIERS: &[(&str, i64, Option<i32>)] = &[
    ("Keystone", 150_000, Some(2)),
    ("Headline", 75_000, Some(4)),
    ("Partner", 40_000, None),
    ("Supporter", 20_000, None),
    ("Startup", 7_500, None),
];

/// A realistic conference of about 1,500 attendees: the usual categories (one line in euros,
/// two staff-named categories), liabilities that start on dates before and after today,
/// ticket types with free places, donations, and its own sponsorship programme with
/// sponsorships at every stage from application to paid, read live by the budget.
pub fn seed_conference(state: &AppState) -> anyhow::Result<String> {
    use crate::domain::sponsorship::Status;
    use crate::models::conference_lines::{CostLineFields, RevenueFields};
    use crate::models::conferences::{ConferenceFields, TicketFields};
    use crate::models::{programmes, tiers};
    use crate::services::billing;
    use crate::services::conferences as service;
    use crate::services::sponsorships::{NewTerm, create};
    use chrono::{Datelike, Duration};
    use diesel::prelude::*;

    let mut conn = state.db.get()?;
    let today = chrono::Utc::now().date_naive();
    let starts = today + Duration::days(150);
    let year = starts.year();
    let name = format!("Community Conference {year}");
    if crate::models::conferences::all(&mut conn)?
        .iter()
        .any(|c| c.name == name)
    {
        return Ok("The demo conference is already there.\n".into());
    }
    let e = |e: crate::error::AppError| anyhow::anyhow!("{e}");
    let se = |e: service::SaveError| match e {
        service::SaveError::Field(r) => anyhow::anyhow!("{}: {}", r.field, r.message),
        service::SaveError::Other(e) => anyhow::anyhow!("{e}"),
    };
    let actor = crate::services::Actor::system("seed-demo");
    let settings = &state.settings;

    // Its sponsorship programme and tiers.
    let programme_name = "Conference sponsorship";
    let programme = match programmes::list(&mut conn)?
        .into_iter()
        .find(|p| p.name == programme_name && p.year == year)
    {
        Some(p) => p.id,
        None => programmes::insert(
            &mut conn,
            programme_name,
            year,
            "Sponsorship of the foundation's yearly community conference.",
        )?,
    };
    let mut tier_ids = Vec::new();
    for (i, (tier, dollars, capacity)) in CONFERENCE_TIERS.iter().enumerate() {
        let id = tiers::insert(
            &mut conn,
            &tiers::TierFields {
                programme_id: programme,
                name: format!("Conference {tier}"),
                slug: crate::domain::slug::slugify(&format!("conference {tier} {year}")),
                description: format!("{tier} sponsor of the community conference."),
                price_minor: dollars * 100,
                currency: "USD".into(),
                capacity: *capacity,
                logo_size: ["xl", "l", "m", "s", "xs"][i].into(),
                display_order: i as i32,
                advertised: true,
            },
        )?;
        tier_ids.push((id, *dollars));
    }
    // Sponsorships of existing demo sponsors at each stage: (tier, stage).
    let plan: &[(usize, &str)] = &[
        (0, "paid"),
        (0, "invoiced"),
        (1, "paid"),
        (1, "paid"),
        (1, "agreement"),
        (2, "paid"),
        (2, "paid"),
        (2, "invoiced"),
        (2, "approved"),
        (3, "paid"),
        (3, "paid"),
        (3, "applied"),
        (4, "paid"),
        (4, "applied"),
    ];
    let sponsor_ids: Vec<i64> = crate::db::schema::sponsors::table
        .select(crate::db::schema::sponsors::id)
        .order(crate::db::schema::sponsors::id.asc())
        .limit(plan.len() as i64)
        .load(&mut conn)?;
    // The term covers the event: the logos join the public pages two months before it.
    let (term_start, term_end) = (starts - Duration::days(60), starts + Duration::days(30));
    let mut sponsorships = 0;
    for ((tier, stage), sid) in plan.iter().zip(&sponsor_ids) {
        let (tier_id, dollars) = tier_ids[*tier];
        let status = match *stage {
            "applied" => Status::Applied,
            "approved" => Status::Approved,
            "agreement" => Status::AgreementSent,
            _ => Status::AgreementAccepted,
        };
        let id = create(
            &mut conn,
            &actor,
            NewTerm {
                sponsor_id: *sid,
                tier_id,
                start: term_start,
                end: term_end,
                fee: Some(usd(dollars)),
                status,
                notes: "Demo conference sponsorship".into(),
            },
        )
        .map_err(e)?;
        sponsorships += 1;
        if matches!(*stage, "paid" | "invoiced") {
            let invoice = billing::issue_invoice(
                &mut conn,
                settings,
                &actor,
                id,
                today - Duration::days(20),
                today + Duration::days(10),
            )
            .map_err(e)?;
            if *stage == "paid" {
                billing::record_manual(
                    &mut conn,
                    settings,
                    &actor,
                    &billing::PaymentInput {
                        invoice_id: invoice.id,
                        kind: billing::Kind::Payment,
                        method: "bank_transfer".into(),
                        amount_minor: invoice.amount_minor,
                        currency: invoice.currency.clone(),
                        reference: format!("TRANSFER {}", invoice.number),
                        received_on: today - Duration::days(5),
                        stripe_ref: None,
                        refund_of: None,
                    },
                )
                .map_err(e)?;
            }
        }
    }

    let cap = 1_600;
    let id = service::create(
        &mut conn,
        &actor,
        &ConferenceFields {
            name: name.clone(),
            starts_on: starts,
            ends_on: starts + Duration::days(2),
            venue: "Riverside Convention Centre".into(),
            city: "Pittsburgh".into(),
            attendance_cap: cap,
            currency: "USD".into(),
            pessimistic: 1_100,
            likely: 1_450,
            optimistic: cap,
            insurance_cover_minor: 15_000_000,
            programme_id: Some(programme),
            notes: "Three days of talks and tutorials, then two days of sprints.".into(),
        },
    )
    .map_err(se)?;
    for (ticket, dollars, permille) in [
        ("Corporate", 750, 250),
        ("Individual", 400, 450),
        ("Student", 125, 150),
    ] {
        service::add_ticket(
            &mut conn,
            &actor,
            id,
            &TicketFields {
                name: ticket.into(),
                price_minor: dollars * 100,
                share_permille: permille,
            },
        )
        .map_err(se)?;
    }
    let d = |days: i64| Some(starts - Duration::days(days));
    // (category, item, vendor, per attendee, currency, rate, estimate, committed, actual,
    //  liability, liability from)
    #[allow(clippy::type_complexity)]
    let lines: &[(
        &str,
        &str,
        &str,
        bool,
        &str,
        i64,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<chrono::NaiveDate>,
    )] = &[
        (
            "venue",
            "Convention centre, five days with set-up",
            "Riverside Convention Centre",
            false,
            "USD",
            1_000_000,
            420_000,
            Some(410_000),
            Some(102_500),
            Some(205_000),
            Some(today - Duration::days(40)),
        ),
        (
            "catering",
            "Breakfast, lunch and breaks, three days",
            "Riverside Catering Co.",
            true,
            "USD",
            1_000_000,
            190,
            Some(210_000),
            None,
            Some(105_000),
            d(60),
        ),
        (
            "catering",
            "Opening reception",
            "Riverside Catering Co.",
            true,
            "USD",
            1_000_000,
            45,
            None,
            None,
            None,
            None,
        ),
        (
            "av",
            "Rooms, keynote stage and live streaming",
            "Brightline AV",
            false,
            "USD",
            1_000_000,
            180_000,
            Some(176_000),
            None,
            Some(60_000),
            d(30),
        ),
        (
            "room_block",
            "Hotel room block attrition",
            "Harbour Hotel",
            false,
            "USD",
            1_000_000,
            15_000,
            None,
            None,
            Some(90_000),
            d(45),
        ),
        (
            "staff",
            "Event management contractor",
            "Gatherwell Events",
            false,
            "USD",
            1_000_000,
            95_000,
            Some(95_000),
            Some(31_000),
            Some(40_000),
            None,
        ),
        (
            "financial_aid",
            "Travel and ticket grants for attendees",
            "",
            false,
            "USD",
            1_000_000,
            120_000,
            None,
            None,
            None,
            None,
        ),
        (
            "swag",
            "T-shirts, lanyards and badges",
            "Printshop Collective",
            true,
            "USD",
            1_000_000,
            14,
            None,
            Some(8_200),
            None,
            None,
        ),
        (
            "insurance",
            "Event cancellation insurance premium",
            "Mutual Events Insurance",
            false,
            "USD",
            1_000_000,
            18_000,
            Some(18_000),
            Some(18_000),
            None,
            None,
        ),
        (
            "travel",
            "Keynote speakers' travel from Europe",
            "",
            false,
            "EUR",
            1_080_000,
            12_000,
            None,
            None,
            None,
            None,
        ),
        (
            "Accessibility",
            "Live captioning (CART) for every talk",
            "Clear Captions",
            false,
            "USD",
            1_000_000,
            32_000,
            Some(32_000),
            None,
            Some(8_000),
            d(14),
        ),
        (
            "Childcare",
            "On-site childcare, three days",
            "Little Sprints",
            false,
            "USD",
            1_000_000,
            9_500,
            None,
            None,
            None,
            None,
        ),
    ];
    for (category, item, vendor, per, currency, rate, est, committed, actual, liability, from) in
        lines
    {
        let minor = |dollars: i64| dollars * 100;
        service::add_cost(
            &mut conn,
            &actor,
            id,
            &CostLineFields {
                category: category.to_string(),
                item: item.to_string(),
                basis: if *per { "per_attendee" } else { "fixed" }.into(),
                currency: currency.to_string(),
                rate_micros: *rate,
                estimate_minor: minor(*est),
                committed_minor: committed.map(minor),
                actual_minor: actual.map(minor),
                liability_minor: liability.map(minor),
                liability_from: *from,
                vendor: vendor.to_string(),
                notes: String::new(),
            },
        )
        .map_err(se)?;
    }
    for (kind, item, expected, received) in [
        (
            "donation",
            "Individual donations at registration",
            18_000,
            Some(4_300),
        ),
        (
            "donation",
            "Friends of the conference fund",
            25_000,
            Some(25_000),
        ),
        ("other", "Share of the venue's bar takings", 6_000, None),
    ] {
        service::add_revenue(
            &mut conn,
            &actor,
            id,
            &RevenueFields {
                kind: kind.into(),
                item: item.into(),
                currency: "USD".into(),
                rate_micros: 1_000_000,
                expected_minor: expected * 100,
                received_minor: received.map(|r: i64| r * 100),
                notes: String::new(),
            },
        )
        .map_err(se)?;
    }
    // The budget the board approved, before the hotel and captioning lines moved.
    service::approve_baseline(
        &mut conn,
        &actor,
        id,
        "Approved by the board",
        state.settings.currency(),
    )
    .map_err(e)?;
    let av = crate::models::conference_lines::costs(&mut conn, id)?
        .iter()
        .find(|l| l.category == "av")
        .map(|l| l.id)
        .ok_or_else(|| anyhow::anyhow!("demo A/V line"))?;
    service::update_cost(
        &mut conn,
        &actor,
        id,
        av,
        &CostLineFields {
            category: "av".into(),
            item: "Rooms, keynote stage and live streaming".into(),
            basis: "fixed".into(),
            currency: "USD".into(),
            rate_micros: 1_000_000,
            estimate_minor: 18_000_000,
            committed_minor: Some(19_450_000),
            actual_minor: None,
            liability_minor: Some(6_000_000),
            liability_from: d(30),
            vendor: "Brightline AV".into(),
            notes: "Second streaming room added after the call for proposals.".into(),
        },
        None,
    )
    .map_err(se)?;
    Ok(format!(
        "Demo conference created: {name} ({cap} places, 12 budget lines, 3 ticket types, an approved baseline) with {sponsorships} sponsorships in its own programme.\n"
    ))
}
