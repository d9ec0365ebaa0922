//! A demo conference with its budget and its own sponsorship programme.

use super::usd;
use crate::state::AppState;
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
// Long on purpose: one conference's budget written top to bottom (ticket types, cost lines
// by category, revenue, its programme and the sponsorships at each stage, the baseline), as
// a treasurer would enter it; each part uses the dates and ids of the ones before. Demo data
// only.
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
    let se = |e: crate::error::SaveError| match e {
        crate::error::SaveError::Refused(r) => anyhow::anyhow!("{r:?}"),
        crate::error::SaveError::Failed(e) => anyhow::anyhow!("{e}"),
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
