//! Demo outreach: a dozen sponsors whose term ended last year without renewal (they become
//! prospects as the server does it), a usage file for a few hundred organisations (some
//! sponsors, the lapsed ones, most never sponsors) written to the data folder and imported
//! through the same reading, review and confirmation as an upload, and a pipeline with
//! prospects at every stage, owners, follow-ups, contacts and two asks sent.

use std::io::Write;

use chrono::{Datelike, Duration};

use crate::domain::prospects::Stage;
use crate::domain::sponsorship::Status;
use crate::models::prospects as rows;
use crate::services::Actor;
use crate::state::AppState;

const LAPSED: &[(&str, &str)] = &[
    ("Northwind Analytics", "northwind.example"),
    ("Bluefin Robotics", "bluefin.example"),
    ("Quarry Data", "quarrydata.example"),
    ("Helios Grid", "heliosgrid.example"),
    ("Marlow & Finch", "marlowfinch.example"),
    ("Tessellate", "tessellate.example"),
    ("Copperleaf Health", "copperleaf.example"),
    ("Orbital Freight", "orbitalfreight.example"),
    ("Pinecrest Bank", "pinecrest.example"),
    ("Vantage Learning", "vantagelearning.example"),
    ("Kestrel Security", "kestrelsec.example"),
    ("Sable Games", "sablegames.example"),
];

const FIRST: &[&str] = &[
    "Acorn", "Beacon", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Indigo",
    "Juniper", "Kite", "Lumen", "Meridian", "Nimbus", "Onyx", "Prairie", "Quartz", "Ridge",
    "Summit", "Tidal", "Umber", "Vertex", "Willow", "Zephyr",
];
const SECOND: &[&str] = &[
    "Labs",
    "Systems",
    "Cloud",
    "Networks",
    "Analytics",
    "Logistics",
    "Media",
    "Capital",
];

/// A small deterministic generator, so the demo is the same every time.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    /// Roughly log-uniform between `lo` and `hi`: a few very large users, many small ones.
    fn size(&mut self, lo: f64, hi: f64) -> f64 {
        let t = (self.next() % 10_000) as f64 / 10_000.0;
        (lo.ln() + (hi.ln() - lo.ln()) * t * t).exp().round()
    }
}

/// The last four complete quarters before `today`, oldest first.
fn quarters(today: chrono::NaiveDate) -> Vec<String> {
    let mut q = (today.month0() / 3) as i32; // this quarter, 0-based
    let mut y = today.year();
    let mut out = Vec::new();
    for _ in 0..4 {
        if q == 0 {
            q = 4;
            y -= 1;
        }
        out.push(format!("{y}-Q{q}"));
        q -= 1;
    }
    out.reverse();
    out
}

pub fn seed_outreach(state: &AppState) -> anyhow::Result<String> {
    let mut conn = state.db.get()?;
    if crate::models::usage::count_imports(&mut conn)? > 0 {
        return Ok("Demo usage figures are already there.\n".into());
    }
    let today = chrono::Utc::now().date_naive();
    let actor = Actor::system("seed-demo");
    let err = |e: crate::error::AppError| anyhow::anyhow!("{e}");

    // Sponsors of last year who did not renew.
    let last_year = today.year() - 1;
    let (start, end) = (
        chrono::NaiveDate::from_ymd_opt(last_year, 1, 1).unwrap_or(today),
        chrono::NaiveDate::from_ymd_opt(last_year, 12, 31).unwrap_or(today),
    );
    crate::db::write_tx(&mut conn, |c| {
        let programme = crate::models::programmes::insert(
            c,
            "Foundation sponsorship",
            last_year,
            "Yearly sponsorship of the foundation's work.",
        )?;
        let tier = crate::models::tiers::insert(
            c,
            &crate::models::tiers::TierFields {
                programme_id: programme,
                name: "Supporter".into(),
                slug: "supporter".into(),
                description: "Last year's supporters.".into(),
                price_minor: 1_000_000,
                currency: "USD".into(),
                capacity: None,
                logo_size: "s".into(),
                display_order: 0,
                advertised: false,
            },
        )?;
        for (name, domain) in LAPSED {
            let slug = crate::domain::slug::slugify(name);
            let id = crate::models::sponsors::insert(
                c,
                &crate::models::sponsors::SponsorFields {
                    name: name.to_string(),
                    slug: format!("{slug}-{last_year}"),
                    website: format!("https://www.{domain}/"),
                    description: String::new(),
                    tagline: String::new(),
                    org_size: Some(120),
                    country: "US".into(),
                    topics: String::new(),
                    inkind_description: String::new(),
                    inkind_value_minor: None,
                    inkind_currency: None,
                },
            )?;
            crate::models::sponsors::add_contact(
                c,
                id,
                "Robin Reyes",
                &format!("robin@{domain}"),
                "primary",
            )?;
            crate::services::sponsorships::create(
                c,
                &actor,
                crate::services::sponsorships::NewTerm {
                    sponsor_id: id,
                    tier_id: tier,
                    start,
                    end,
                    fee: None,
                    status: Status::Expired,
                    notes: String::new(),
                },
            )?;
        }
        Ok(())
    })
    .map_err(err)?;
    let lapsed = crate::services::prospects::lapsed_to_prospects(&mut conn).map_err(err)?;

    // The usage file: current sponsors, the lapsed, and organisations we never heard from.
    let mut sponsors = crate::models::portal_views::sponsor_identities(&mut conn)?;
    sponsors.sort_by_key(|s| s.0);
    let lapsed_names: Vec<String> = LAPSED.iter().map(|(n, _)| rows::name_key(n)).collect();
    let mut orgs: Vec<(String, String)> = Vec::new();
    // One line an organisation, metric and period: a name or domain already taken is skipped.
    let push = |orgs: &mut Vec<(String, String)>, name: String, domain: String| {
        let key = rows::name_key(&name);
        if !orgs
            .iter()
            .any(|(n, d)| rows::name_key(n) == key || (!domain.is_empty() && *d == domain))
        {
            orgs.push((name, domain));
        }
    };
    for (_, name, _, website) in sponsors
        .into_iter()
        .filter(|s| !lapsed_names.contains(&rows::name_key(&s.1)))
        .take(60)
    {
        let domain = crate::domain::organisations::host_of(&website).unwrap_or_default();
        push(&mut orgs, name, domain);
    }
    for (n, d) in LAPSED {
        push(&mut orgs, n.to_string(), d.to_string());
    }
    for a in FIRST {
        for b in SECOND {
            let name = format!("{a} {b}");
            let domain = format!(
                "{}.example",
                crate::domain::slug::slugify(&name).replace('-', "")
            );
            push(&mut orgs, name, domain);
        }
    }
    let path = state.settings.data_dir.join("demo-usage.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
        writeln!(w, "organisation,domain,period,metric,unit,value")?;
        let mut rng = Lcg(19);
        for (name, domain) in &orgs {
            let downloads = rng.size(20_000.0, 30_000_000.0);
            let bandwidth = rng.size(5.0, 40_000.0);
            let views = rng.size(200.0, 900_000.0);
            let name = if name.contains([',', '"']) {
                format!("\"{}\"", name.replace('"', "\"\""))
            } else {
                name.clone()
            };
            for (i, q) in quarters(today).iter().enumerate() {
                let grow = 1.0 + 0.06 * i as f64;
                writeln!(
                    w,
                    "{name},{domain},{q},Package downloads,packages,{}",
                    (downloads * grow).round()
                )?;
                writeln!(
                    w,
                    "{name},{domain},{q},Bandwidth,GB,{}",
                    (bandwidth * grow).round()
                )?;
                writeln!(
                    w,
                    "{name},{domain},{q},Documentation page views,views,{}",
                    (views * grow).round()
                )?;
            }
        }
        w.flush()?;
    }
    let (import, read) = crate::services::usage_import::import_file(
        &mut conn,
        &state.settings.data_dir,
        &path,
        "seed-demo",
    )
    .map_err(err)?;
    if read != crate::services::usage_import::Read::Review {
        anyhow::bail!("the demo usage file was refused");
    }
    // Organisations named like two known ones are left for a person; the rest go in.
    crate::services::usage_import::decide_unmatched(
        &mut conn,
        import,
        crate::services::usage_import::Choice::NewProspect,
    )
    .map_err(err)?;
    for o in crate::models::usage::orgs_to_review(&mut conn, import, 0, 500)? {
        if o.decision.is_none() {
            let choice = match o.candidate_ids().first() {
                Some((true, id)) => crate::services::usage_import::Choice::Sponsor(*id),
                Some((false, id)) => crate::services::usage_import::Choice::Prospect(*id),
                None => crate::services::usage_import::Choice::NewProspect,
            };
            crate::services::usage_import::decide(&mut conn, import, &[(o.id, choice)])
                .map_err(err)?;
        }
    }
    let done = crate::services::usage_import::confirm(&mut conn, &actor, import).map_err(err)?;
    crate::services::usage_import::delete_file(&state.settings.data_dir, &done.file_key);

    // A pipeline: the biggest users at every stage, with owners, follow-ups and contacts.
    let jonas = crate::models::users::find_by_email(&mut conn, "jonas@demo.steward.example")?;
    let amara = crate::models::users::find_by_email(&mut conn, "amara@demo.steward.example")?;
    let owners: Vec<i64> = [jonas, amara].into_iter().flatten().map(|u| u.id).collect();
    let metric = "package downloads".to_string();
    let top = rows::page(
        &mut conn,
        &rows::Filter {
            stage: "identified".into(),
            metric,
            ..Default::default()
        },
        0,
        40,
    )?;
    let gold = crate::services::sponsor_applications::open_tiers(&mut conn, today)
        .map_err(err)?
        .into_iter()
        .map(|t| t.tier.id)
        .collect::<Vec<_>>();
    let paths: &[&[Stage]] = &[
        &[Stage::Contacted],
        &[Stage::Contacted, Stage::InConversation],
        &[Stage::Contacted, Stage::InConversation, Stage::Applied],
        &[Stage::Contacted, Stage::InConversation, Stage::Won],
        &[Stage::Contacted, Stage::Declined],
        &[Stage::Contacted, Stage::NotNow],
        &[],
    ];
    let mut asks = Vec::new();
    crate::db::write_tx(&mut conn, |c| {
        for (i, p) in top.iter().enumerate() {
            if p.sponsor_id.is_some() {
                continue;
            }
            let owner = owners.get(i % owners.len().max(1)).copied();
            let domain = if p.domain.is_empty() {
                "example.org".to_string()
            } else {
                p.domain.clone()
            };
            rows::add_contact(c, p.id, "Sam Rivera", &format!("sam.rivera@{domain}"), "Head of engineering")?;
            let path = paths[i % paths.len()];
            let mut from = Stage::Identified;
            for to in path {
                let not_before = (*to == Stage::NotNow).then(|| today + Duration::days(120));
                rows::move_stage(c, p.id, from, *to, not_before)?;
                from = *to;
            }
            let full = rows::find(c, p.id)?;
            let follow_up = if from.is_open() {
                Some(today + Duration::days((i as i64 % 9) - 3))
            } else {
                full.follow_up_on
            };
            rows::update_fields(
                c,
                p.id,
                full.version,
                &crate::domain::prospects::ProspectFields {
                    name: full.name.clone(),
                    domain: full.domain.clone(),
                    org_size: Some(50 + (i as i32 * 37) % 2000),
                    owner_id: owner,
                    follow_up_on: follow_up,
                    not_before: full.not_before,
                    asked_tier_id: gold.get(i % gold.len().max(1)).copied(),
                    notes: match from {
                        Stage::InConversation => "Call booked with their head of engineering; they want the security work in writing.".into(),
                        Stage::Declined => "No budget this year; open to in-kind support (CI credits).".into(),
                        Stage::NotNow => "Budget planning starts in spring: ask again then.".into(),
                        _ => String::new(),
                    },
                },
            )?;
            if from == Stage::Identified && asks.len() < 2 {
                asks.push(p.id);
            }
        }
        Ok(())
    })
    .map_err(err)?;
    for id in &asks {
        let contact = rows::contacts(&mut conn, *id)?;
        let p = rows::find(&mut conn, *id)?;
        let lines = crate::services::prospects::usage_lines(
            &crate::services::prospects::usage_of(
                &mut conn,
                crate::models::usage::Of::Prospect(*id),
                today,
            )
            .map_err(err)?,
        );
        crate::services::prospects::ask(
            &mut conn,
            &state.settings,
            &Actor::system("jonas@demo.steward.example"),
            "Jonas Lindqvist",
            *id,
            &crate::services::prospects::Ask {
                contact_ids: contact.iter().map(|x| x.id).collect(),
                subject: format!("{} and {}", p.name, state.settings.foundation_name),
                message: crate::services::prospects::default_message(
                    &state.settings.foundation_name,
                    &p,
                    &lines,
                ),
            },
            today,
        )
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    Ok(format!(
        "Usage figures: {} organisations, {} figures (demo-usage.csv in the data folder); {} \
         lapsed sponsors and {} new prospects; a pipeline at every stage.\n",
        orgs.len(),
        done.figures,
        lapsed,
        done.new_prospects
    ))
}
