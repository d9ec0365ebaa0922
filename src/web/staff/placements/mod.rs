//! Placement slots for editors and sponsorship staff: the list with the URLs to hand to other
//! sites and the acknowledgement check, the slot forms, and the monthly impressions report.

pub mod form;
pub mod report;

use std::collections::HashMap;

use actix_web::HttpResponse;
use askama::Template;

use crate::domain::acknowledgement::{self, Segment};
use crate::error::AppResult;
use crate::models::placement_slots::{self, Slot};
use crate::models::{sponsorships, tiers};
use crate::services::placements::{self};
use crate::web::extract::{PlacementsStaff, Staff};
use crate::web::layout::Layout;
use crate::web::render;

const SECTION: &str = "/staff/placements";

// ---------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------

/// A slot as the list shows it.
pub struct SlotRow {
    pub slot: Slot,
    pub topic: String,
    pub tiers: Vec<String>,
    pub embed_url: String,
    pub json_url: String,
    /// Who the slot shows today, in today's order.
    pub today: Vec<String>,
    /// How many sponsors take turns in it.
    pub eligible: usize,
}

/// A piece of public sponsor text with the flagged phrases marked.
pub struct FlaggedText {
    pub label: &'static str,
    pub segments: Vec<Segment>,
}

/// A visible sponsor whose public text reads like advertising.
pub struct FlaggedSponsor {
    pub id: i64,
    pub name: String,
    pub texts: Vec<FlaggedText>,
}

#[derive(Template)]
#[template(path = "staff/placements/list.html")]
struct ListPage {
    layout: Layout,
    /// Editors see the flagged text but the sponsor pages are sponsorship staff's.
    can_edit_sponsors: bool,
    rows: Vec<SlotRow>,
    flagged: Vec<FlaggedSponsor>,
    month: String,
}

/// Labels for tiers: "Gold · Foundation sponsorship 2027".
fn tier_labels(conn: &mut crate::db::DbConn) -> AppResult<Vec<(i64, String)>> {
    Ok(tiers::labelled(conn)?)
}

fn flag(label: &'static str, text: &str) -> Option<FlaggedText> {
    let segments = acknowledgement::segments(text);
    segments
        .iter()
        .any(|s| s.flagged)
        .then_some(FlaggedText { label, segments })
}

/// `GET /staff/placements`: the slots, the addresses to copy, the acknowledgement check.
pub async fn list(staff: Staff<PlacementsStaff>) -> AppResult<HttpResponse> {
    let day = placements::today();
    let base = staff.state.settings.base_url.clone();
    let (rows, flagged) = staff
        .state
        .db
        .run(move |c| {
            let labels: HashMap<i64, String> = tier_labels(c)?.into_iter().collect();
            let mut rows = Vec::new();
            for slot in placement_slots::all(c)? {
                let tier_ids = placement_slots::tier_ids(c, slot.id)?;
                let eligible = placements::eligible_ids(c, &slot, day)?;
                let today_names = placements::fill(c, &slot, day)?
                    .into_iter()
                    .map(|p| p.sponsor.name)
                    .collect();
                rows.push(SlotRow {
                    topic: slot.topic.clone().unwrap_or_default(),
                    tiers: tier_ids
                        .iter()
                        .filter_map(|t| labels.get(t).cloned())
                        .collect(),
                    embed_url: format!("{base}/embed/placements/{}", slot.key),
                    json_url: format!("{base}/api/placements/{}.json", slot.key),
                    today: today_names,
                    eligible: eligible.len(),
                    slot,
                });
            }
            // Every sponsor visible today, read a thousand at a time (only the flagged are
            // kept), by name.
            let mut visible: Vec<i64> = sponsorships::visible_pairs(c, day, None)?
                .into_iter()
                .map(|(_, sponsor)| sponsor)
                .collect();
            visible.sort_unstable();
            visible.dedup();
            let mut flagged = Vec::new();
            for chunk in visible.chunks(1000) {
                let mut some: Vec<_> = crate::models::sponsors::find_many(c, chunk)?
                    .into_values()
                    .collect();
                some.sort_by_key(|s| s.id);
                flagged.extend(some.into_iter().filter_map(|s| {
                    let texts: Vec<FlaggedText> = [
                        flag("Tagline", &s.tagline),
                        flag("Description", &s.description),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    (!texts.is_empty()).then_some(FlaggedSponsor {
                        id: s.id,
                        name: s.name,
                        texts,
                    })
                }));
            }
            flagged.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            Ok((rows, flagged))
        })
        .await?;
    render(&ListPage {
        layout: staff.layout("Placements", SECTION),
        can_edit_sponsors: staff
            .user
            .roles
            .contains(&crate::domain::Role::Sponsorships),
        rows,
        flagged,
        month: day.format("%Y-%m").to_string(),
    })
}
