//! Demo programmes, tiers, sponsors with their logos, jobs and placements, and prospects at
//! every step of the pipeline.

use super::usd;
use crate::state::AppState;
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
    let mut top_terms: Vec<(usize, i64, usize)> = Vec::new();
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
                let term_id = create(c, &actor, term)?;
                if t < 2 {
                    top_terms.push((t, term_id, k));
                }
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
        seed_assets(c, &tier_ids, &top_terms, today)?;
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
    let visible = crate::models::sponsorships::visible_pairs(&mut conn, today, None)?.len();
    Ok(format!(
        "Demo sponsors created: {visible} visible today over {} tiers (with logos), {pipeline} in the pipeline (applications, agreements, invoices, a payment), 3 placement slots.\n",
        DEMO_TIERS.len()
    ))
}

/// Benefit assets the top two tiers ask for, some already provided, some still missing.
fn seed_assets(
    c: &mut crate::db::DbConn,
    tier_ids: &[i64],
    terms: &[(usize, i64, usize)],
    today: chrono::NaiveDate,
) -> crate::error::AppResult<()> {
    use crate::domain::assets::Kind;
    use crate::models::assets;
    let days = |n: i64| today + chrono::Duration::days(n);
    let booth = assets::insert(
        c,
        tier_ids[0],
        "Names of the two people staffing your booth",
        Kind::Text,
        "For their badges and the exhibitor list: full names as they should be printed.",
        days(21),
    )?;
    assets::insert(
        c,
        tier_ids[0],
        "Artwork for the printed programme",
        Kind::File,
        "A full page, A5 portrait, as a PDF or a PNG of at least 1748 × 2480 pixels.",
        days(10),
    )?;
    let reception = assets::insert(
        c,
        tier_ids[0],
        "Will you join the sponsor reception on the first evening?",
        Kind::YesNo,
        "",
        days(30),
    )?;
    let careers = assets::insert(
        c,
        tier_ids[1],
        "Your careers page for the jobs fair",
        Kind::Link,
        "The page attendees should visit to see your openings.",
        days(14),
    )?;
    for (t, term, k) in terms {
        let by = format!("sponsorship@sponsor{k}.example.org");
        let answers: Vec<(i64, String)> = match (t, k % 2) {
            (0, 0) => vec![
                (booth, "Ada Lovelace\nGrace Hopper".into()),
                (reception, "yes".into()),
            ],
            (1, 0) => vec![(careers, format!("https://sponsor{k}.example.org/careers"))],
            _ => vec![],
        };
        for (request, value) in answers {
            assets::upsert_submission(
                c,
                request,
                *term,
                &assets::NewSubmission {
                    value: &value,
                    file: None,
                    by: &by,
                },
            )?;
        }
    }
    Ok(())
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
        billing::FOUNDATION_ADDRESS_KEY,
        "1 Example Street\nSpringfield, EX 12345\nUnited States",
    )?;
    app_settings::set(conn, billing::FOUNDATION_TAX_ID_KEY, "EIN 00-0000000")?;
    app_settings::set(
        conn,
        crate::services::site::ABOUT_KEY,
        &format!(
            "{} is the non-profit home of an open-source language used by millions of developers. \
             We run its package index, documentation and build infrastructure, fund its \
             maintainers through grants, and bring its community together at our conferences.\n\n\
             We are funded by sponsors and donors. Every sponsorship pays for work that everyone \
             who uses the language depends on.",
            settings.foundation_name
        ),
    )?;
    app_settings::set(
        conn,
        crate::services::site::DESCRIPTION_KEY,
        "The non-profit behind the language: its infrastructure, grants and conferences, funded by our sponsors.",
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
        let agreement =
            agreements::generate_and_send(conn, settings, &staff, id, None).map_err(e)?;
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
