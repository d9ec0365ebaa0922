//! The slot forms: a new placement slot, and changing one (key, topic, tiers, how many
//! sponsors it shows).

use super::{SECTION, tier_labels};
use crate::domain::{FormErrors, text};
use crate::error::{AppError, AppResult};
use crate::models::placement_slots::{self, Slot};
use crate::services::placements::{self, SlotFields};
use crate::web::extract::{PlacementsStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render, render_status};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

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
