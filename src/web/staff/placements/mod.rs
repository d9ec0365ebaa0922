//! Placement slots for editors and sponsorship staff: the list with the URLs to hand to other
//! sites and the acknowledgement check, the slot forms, and the monthly impressions report.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;

use crate::domain::acknowledgement::{self, Segment};
use crate::domain::{FormErrors, text};
use crate::error::{AppError, AppResult};
use crate::models::placement_slots::{self, Slot};
use crate::models::{sponsors, sponsorships, tiers};
use crate::services::placements::{self, SlotFields};
use crate::web::extract::{PlacementsStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render, render_status};

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
            let candidates = sponsorships::candidates_for_public(c, day)?;
            let mut rows = Vec::new();
            for slot in placement_slots::all(c)? {
                let tier_ids = placement_slots::tier_ids(c, slot.id)?;
                let eligible = placements::eligible_among(&candidates, &tier_ids, &slot, day);
                let cap = slot.max_sponsors.clamp(1, 100) as usize;
                rows.push(SlotRow {
                    topic: slot.topic.clone().unwrap_or_default(),
                    tiers: tier_ids
                        .iter()
                        .filter_map(|t| labels.get(t).cloned())
                        .collect(),
                    embed_url: format!("{base}/embed/placements/{}", slot.key),
                    json_url: format!("{base}/api/placements/{}.json", slot.key),
                    today: eligible
                        .iter()
                        .take(cap)
                        .map(|p| p.sponsor.name.clone())
                        .collect(),
                    eligible: eligible.len(),
                    slot,
                });
            }
            // Every sponsor visible today, once, by name.
            let mut visible: Vec<_> = candidates.into_iter().map(|r| r.sponsor).collect();
            visible.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            visible.dedup_by_key(|s| s.id);
            let flagged = visible
                .into_iter()
                .filter_map(|s| {
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
                })
                .collect();
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

// ---------------------------------------------------------------------------------------
// The slot forms
// ---------------------------------------------------------------------------------------

/// A tier checkbox on the slot form.
pub struct TierChoice {
    pub id: i64,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "staff/placements/form.html")]
struct FormPage {
    layout: Layout,
    errors: FormErrors,
    /// None on the form for a new slot.
    slot_id: Option<i64>,
    key: String,
    name: String,
    description: String,
    topic: String,
    max_sponsors: String,
    tiers: Vec<TierChoice>,
}

impl FormPage {
    fn action(&self) -> String {
        match self.slot_id {
            Some(id) => format!("/staff/placements/{id}"),
            None => "/staff/placements".into(),
        }
    }
}

/// The form as submitted: every field kept as typed, to show again on errors.
#[derive(Clone, Debug, Default)]
struct Submitted {
    key: String,
    name: String,
    description: String,
    topic: String,
    max_sponsors: String,
    tiers: Vec<String>,
}

impl Submitted {
    fn from_body(body: &[(String, String)]) -> Submitted {
        let get = |k: &str| {
            body.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Submitted {
            key: get("key"),
            name: get("name"),
            description: get("description"),
            topic: get("topic"),
            max_sponsors: get("max_sponsors"),
            tiers: body
                .iter()
                .filter(|(n, _)| n == "tier")
                .map(|(_, v)| v.clone())
                .collect(),
        }
    }

    fn from_slot(slot: &Slot, tier_ids: &[i64]) -> Submitted {
        Submitted {
            key: slot.key.clone(),
            name: slot.name.clone(),
            description: slot.description.clone(),
            topic: slot.topic.clone().unwrap_or_default(),
            max_sponsors: slot.max_sponsors.to_string(),
            tiers: tier_ids.iter().map(i64::to_string).collect(),
        }
    }

    /// The chosen tiers that exist, in the order of `known`.
    fn tier_ids(&self, known: &[(i64, String)]) -> Vec<i64> {
        known
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| self.tiers.iter().any(|t| t.trim() == id.to_string()))
            .collect()
    }

    /// Checks the fields; `key` only for a new slot (keys never change).
    fn validate(
        &self,
        known_tiers: &[(i64, String)],
        new: bool,
    ) -> Result<(String, SlotFields), FormErrors> {
        let mut errors = FormErrors::new();
        let key = if new {
            placements::parse_key(&self.key)
                .map_err(|m| errors.add("key", m))
                .ok()
        } else {
            Some(self.key.clone())
        };
        let name = text::single_line(&self.name, "a name", 100)
            .map_err(|m| errors.add("name", m))
            .ok();
        let description = text::optional_multi_line(&self.description, "the description", 1000)
            .map_err(|m| errors.add("description", m))
            .ok();
        let mut topic = placements::parse_topic(&self.topic)
            .map_err(|m| errors.add("topic", m))
            .ok();
        // A topic slot targets its topic unless told otherwise.
        if let (Some(None), Some(k)) = (&topic, &key)
            && let Some(t) = k.strip_prefix(placements::TOPIC_PREFIX)
        {
            topic = Some(Some(t.to_string()));
        }
        let max_sponsors = placements::parse_max_sponsors(&self.max_sponsors)
            .map_err(|m| errors.add("max_sponsors", m))
            .ok();
        let tier_ids = self.tier_ids(known_tiers);
        if self
            .tiers
            .iter()
            .any(|t| !known_tiers.iter().any(|(id, _)| t.trim() == id.to_string()))
        {
            errors.add(
                "tier",
                "One of the tiers no longer exists. Reload the page and try again.",
            );
        } else if tier_ids.is_empty() {
            errors.add(
                "tier",
                "Choose at least one tier: a slot without tiers shows no one.",
            );
        }
        match (
            key,
            name,
            description,
            topic,
            max_sponsors,
            errors.is_empty(),
        ) {
            (Some(key), Some(name), Some(description), Some(topic), Some(max_sponsors), true) => {
                Ok((
                    key,
                    SlotFields {
                        name,
                        description,
                        topic,
                        max_sponsors,
                        tier_ids,
                    },
                ))
            }
            _ => Err(errors),
        }
    }
}

fn form_page(
    staff: &Staff<PlacementsStaff>,
    slot_id: Option<i64>,
    s: &Submitted,
    known_tiers: &[(i64, String)],
    errors: FormErrors,
) -> FormPage {
    let chosen = s.tier_ids(known_tiers);
    let title = match slot_id {
        Some(_) => format!("Edit slot {}", s.key),
        None => "New placement slot".to_string(),
    };
    FormPage {
        layout: staff.layout(&title, SECTION),
        errors,
        slot_id,
        key: s.key.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        topic: s.topic.clone(),
        max_sponsors: s.max_sponsors.clone(),
        tiers: known_tiers
            .iter()
            .map(|(id, label)| TierChoice {
                id: *id,
                label: label.clone(),
                checked: chosen.contains(id),
            })
            .collect(),
    }
}

async fn known_tiers(staff: &Staff<PlacementsStaff>) -> AppResult<Vec<(i64, String)>> {
    staff.state.db.run(tier_labels).await
}

/// `GET /staff/placements/new`
pub async fn new_form(staff: Staff<PlacementsStaff>) -> AppResult<HttpResponse> {
    let known = known_tiers(&staff).await?;
    let blank = Submitted {
        max_sponsors: "6".into(),
        ..Submitted::default()
    };
    render(&form_page(&staff, None, &blank, &known, FormErrors::new()))
}

/// `POST /staff/placements`
pub async fn create(
    staff: Staff<PlacementsStaff>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let known = known_tiers(&staff).await?;
    let submitted = Submitted::from_body(&form);
    let (key, fields) = match submitted.validate(&known, true) {
        Ok(ok) => ok,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&staff, None, &submitted, &known, errors),
            );
        }
    };
    let actor = staff.actor();
    let stored_key = key.clone();
    let r = staff
        .state
        .db
        .run(move |c| placements::create_slot(c, &actor, &stored_key, &fields))
        .await;
    match r {
        Ok(_) => Ok(redirect_with_flash(
            SECTION,
            FlashKind::Success,
            &format!("Slot {key} created. Copy its embed or JSON address below."),
        )),
        Err(AppError::Conflict(m)) => {
            let mut errors = FormErrors::new();
            errors.add("key", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&staff, None, &submitted, &known, errors),
            )
        }
        Err(e) => Err(e),
    }
}

async fn load_slot(staff: &Staff<PlacementsStaff>, id: i64) -> AppResult<(Slot, Vec<i64>)> {
    staff
        .state
        .db
        .run(move |c| {
            let slot = placement_slots::find(c, id)?;
            let tier_ids = placement_slots::tier_ids(c, id)?;
            Ok((slot, tier_ids))
        })
        .await
}

/// `GET /staff/placements/{id}`
pub async fn edit_form(
    staff: Staff<PlacementsStaff>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (slot, tier_ids) = load_slot(&staff, *id).await?;
    let known = known_tiers(&staff).await?;
    let s = Submitted::from_slot(&slot, &tier_ids);
    render(&form_page(
        &staff,
        Some(slot.id),
        &s,
        &known,
        FormErrors::new(),
    ))
}

/// `POST /staff/placements/{id}`: everything but the key.
pub async fn update(
    staff: Staff<PlacementsStaff>,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (slot, _) = load_slot(&staff, *id).await?;
    let known = known_tiers(&staff).await?;
    let submitted = Submitted {
        // The key is fixed: whatever the form says, the stored one is shown and kept.
        key: slot.key.clone(),
        ..Submitted::from_body(&form)
    };
    let fields = match submitted.validate(&known, false) {
        Ok((_, fields)) => fields,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&staff, Some(slot.id), &submitted, &known, errors),
            );
        }
    };
    let actor = staff.actor();
    let slot_id = slot.id;
    staff
        .state
        .db
        .run(move |c| placements::update_slot(c, &actor, slot_id, &fields))
        .await?;
    Ok(redirect_with_flash(
        SECTION,
        FlashKind::Success,
        &format!("Slot {} saved.", slot.key),
    ))
}

// ---------------------------------------------------------------------------------------
// The monthly report
// ---------------------------------------------------------------------------------------

/// The report's query string.
#[derive(Deserialize)]
pub struct ReportQuery {
    month: Option<String>,
}

/// One sponsor in one slot over the month.
pub struct ReportRow {
    pub sponsor: String,
    pub slot: String,
    pub slot_key: String,
    pub impressions: i64,
    pub clicks: i64,
}

impl ReportRow {
    pub fn ctr(&self) -> String {
        click_through(self.impressions, self.clicks)
    }
}

/// Clicks per impression as a percentage with one decimal ("2.5%"), or a dash.
pub fn click_through(impressions: i64, clicks: i64) -> String {
    if impressions <= 0 {
        return "—".into();
    }
    let tenths = (clicks.saturating_mul(1000) + impressions / 2) / impressions;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// Digits grouped by thousands: 12,345.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The first day of a `YYYY-MM` month.
pub fn parse_month(input: &str) -> Result<NaiveDate, String> {
    let s = input.trim();
    let shaped = s.len() == 7
        && s.as_bytes()[4] == b'-'
        && s.bytes()
            .enumerate()
            .all(|(i, b)| i == 4 || b.is_ascii_digit());
    let first = shaped
        .then(|| NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok())
        .flatten()
        .filter(|d| (2000..=2200).contains(&d.year()));
    first.ok_or_else(|| "Choose a month as YYYY-MM, like 2027-03.".to_string())
}

#[derive(Template)]
#[template(path = "staff/placements/report.html")]
struct ReportPage {
    layout: Layout,
    errors: FormErrors,
    month: String,
    month_label: String,
    prev: String,
    next: String,
    rows: Vec<ReportRow>,
    total_impressions: i64,
    total_clicks: i64,
}

impl ReportPage {
    fn num(&self, n: &i64) -> String {
        grouped(*n)
    }
    fn total_ctr(&self) -> String {
        click_through(self.total_impressions, self.total_clicks)
    }
}

/// `GET /staff/placements/report?month=YYYY-MM` (default: this month), by impressions.
pub async fn report(
    staff: Staff<PlacementsStaff>,
    q: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let asked = q.month.clone().unwrap_or_default();
    let mut errors = FormErrors::new();
    let this_month = placements::today().with_day(1).unwrap_or_default();
    let first = if asked.trim().is_empty() {
        this_month
    } else {
        match parse_month(&asked) {
            Ok(d) => d,
            Err(m) => {
                errors.add("month", m);
                this_month
            }
        }
    };
    let next = first + Months::new(1);
    let prev = first - Months::new(1);
    let last = next.pred_opt().unwrap_or(first);

    let mut rows = Vec::new();
    if errors.is_empty() {
        rows = staff
            .state
            .db
            .run(move |c| {
                let mut sums: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
                for r in placement_slots::stats(c, first, last, None)? {
                    let e = sums.entry((r.slot_id, r.sponsor_id)).or_default();
                    e.0 += r.impressions;
                    e.1 += r.clicks;
                }
                let slot_names: HashMap<i64, (String, String)> = placement_slots::all(c)?
                    .into_iter()
                    .map(|s| (s.id, (s.name, s.key)))
                    .collect();
                let sponsor_names: HashMap<i64, String> = sponsors::all(c)?
                    .into_iter()
                    .map(|s| (s.id, s.name))
                    .collect();
                let mut rows: Vec<ReportRow> = sums
                    .into_iter()
                    .map(|((slot_id, sponsor_id), (impressions, clicks))| {
                        let (slot, slot_key) =
                            slot_names.get(&slot_id).cloned().unwrap_or_default();
                        ReportRow {
                            sponsor: sponsor_names.get(&sponsor_id).cloned().unwrap_or_default(),
                            slot,
                            slot_key,
                            impressions,
                            clicks,
                        }
                    })
                    .collect();
                rows.sort_by(|a, b| {
                    b.impressions
                        .cmp(&a.impressions)
                        .then(b.clicks.cmp(&a.clicks))
                        .then_with(|| a.sponsor.cmp(&b.sponsor))
                        .then_with(|| a.slot_key.cmp(&b.slot_key))
                });
                Ok(rows)
            })
            .await?;
    }
    let total_impressions = rows.iter().map(|r| r.impressions).sum();
    let total_clicks = rows.iter().map(|r| r.clicks).sum();
    let page = ReportPage {
        layout: staff.layout("Placement report", SECTION),
        month: if errors.is_empty() {
            first.format("%Y-%m").to_string()
        } else {
            asked
        },
        month_label: first.format("%B %Y").to_string(),
        prev: prev.format("%Y-%m").to_string(),
        next: next.format("%Y-%m").to_string(),
        rows,
        total_impressions,
        total_clicks,
        errors,
    };
    if page.errors.is_empty() {
        render(&page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        assert_eq!(
            parse_month("2027-03").unwrap(),
            NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()
        );
        for bad in [
            "2027-13",
            "2027-3",
            "27-03",
            "2027/03",
            "",
            "abcd-ef",
            "1999-12",
            "2027-03-01",
        ] {
            assert!(parse_month(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rates_and_numbers() {
        assert_eq!(click_through(0, 0), "—");
        assert_eq!(click_through(200, 5), "2.5%");
        assert_eq!(click_through(3, 1), "33.3%");
        assert_eq!(click_through(3, 2), "66.7%");
        assert_eq!(click_through(10, 10), "100.0%");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1234567), "1,234,567");
    }
}
