//! The conference form: creating a conference and changing its details.

use super::{S, SECTION};
use crate::domain::conference_budget::{self, MAX_ATTENDANCE};
use crate::domain::form::{Fields, stamp};
use crate::domain::{Currency, FormErrors, Money, dates, text};
use crate::error::AppResult;
use crate::error::SaveError;
use crate::models::conferences::{self, Conference, ConferenceFields};
use crate::models::programmes::{self, Programme};
use crate::services::conferences as service;
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render, render_status};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

/// The conference form as typed.
#[derive(Clone, Debug, Default)]
pub struct ConferenceInput {
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub venue: String,
    pub city: String,
    pub attendance_cap: String,
    pub currency: String,
    pub pessimistic: String,
    pub likely: String,
    pub optimistic: String,
    pub insurance_cover: String,
    pub programme_id: String,
    pub notes: String,
    /// When the details were last saved, as the form showed them.
    pub seen: String,
}

impl ConferenceInput {
    fn from_fields(f: &Fields) -> ConferenceInput {
        ConferenceInput {
            name: f.get("name"),
            starts_on: f.get("starts_on"),
            ends_on: f.get("ends_on"),
            venue: f.get("venue"),
            city: f.get("city"),
            attendance_cap: f.get("attendance_cap"),
            currency: f.get("currency"),
            pessimistic: f.get("pessimistic"),
            likely: f.get("likely"),
            optimistic: f.get("optimistic"),
            insurance_cover: f.get("insurance_cover"),
            programme_id: f.get("programme_id"),
            notes: f.get("notes"),
            seen: f.get("seen"),
        }
    }

    fn from_conference(c: &Conference) -> ConferenceInput {
        let cur = c.currency();
        ConferenceInput {
            name: c.name.clone(),
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            venue: c.venue.clone(),
            city: c.city.clone(),
            attendance_cap: c.attendance_cap.to_string(),
            currency: c.currency.clone(),
            pessimistic: c.pessimistic.to_string(),
            likely: c.likely.to_string(),
            optimistic: c.optimistic.to_string(),
            insurance_cover: if c.insurance_cover_minor == 0 {
                String::new()
            } else {
                Money::new(c.insurance_cover_minor, cur).plain()
            },
            programme_id: c.programme_id.map(|p| p.to_string()).unwrap_or_default(),
            notes: c.notes.clone(),
            seen: stamp(&c.updated_at),
        }
    }

    /// Parses into the stored fields, or records a message per field. Scenarios left empty
    /// default to 60%, 85% and 100% of the cap.
    fn parse(&self, programmes: &[Programme], errors: &mut FormErrors) -> Option<ConferenceFields> {
        let name = text::single_line(&self.name, "the conference's name", 120)
            .map_err(|m| errors.add("name", m))
            .ok();
        let starts = dates::parse_date(&self.starts_on, "the first day")
            .map_err(|m| errors.add("starts_on", m))
            .ok();
        let ends = dates::parse_date(&self.ends_on, "the last day")
            .map_err(|m| errors.add("ends_on", m))
            .ok();
        if let (Some(s), Some(e)) = (starts, ends)
            && e < s
        {
            errors.add("ends_on", "The last day cannot be before the first day.");
        }
        let venue = text::optional_single_line(&self.venue, "the venue", 120)
            .map_err(|m| errors.add("venue", m))
            .ok();
        let city = text::optional_single_line(&self.city, "the city", 120)
            .map_err(|m| errors.add("city", m))
            .ok();
        let cap = conference_budget::parse_attendance(&self.attendance_cap, MAX_ATTENDANCE)
            .ok()
            .filter(|n| *n >= 1);
        if cap.is_none() {
            errors.add(
                "attendance_cap",
                format!("Enter the most attendees the venue takes: a whole number from 1 to {MAX_ATTENDANCE}."),
            );
        }
        let currency = Currency::parse(&self.currency)
            .map_err(|m| errors.add("currency", m))
            .ok();
        let mut scenarios = [None, None, None];
        if let Some(cap) = cap {
            let typed = [&self.pessimistic, &self.likely, &self.optimistic];
            let all_empty = typed.iter().all(|s| s.trim().is_empty());
            for (k, (field, input)) in ["pessimistic", "likely", "optimistic"]
                .into_iter()
                .zip(typed)
                .enumerate()
            {
                scenarios[k] = if all_empty {
                    Some(cap * [60, 85, 100][k] / 100)
                } else {
                    conference_budget::parse_attendance(input, cap)
                        .map_err(|_| {
                            errors.add(
                                field,
                                format!(
                                    "Enter a whole number of attendees from 0 to the cap of {cap}."
                                ),
                            )
                        })
                        .ok()
                };
            }
            if let [Some(p), Some(l), Some(o)] = scenarios {
                if p > l {
                    errors.add(
                        "pessimistic",
                        "The pessimistic attendance cannot be above the likely one.",
                    );
                }
                if l > o {
                    errors.add(
                        "optimistic",
                        "The optimistic attendance cannot be below the likely one.",
                    );
                }
            }
        }
        let cover = currency.and_then(|cur| {
            Money::parse_optional(&self.insurance_cover, cur)
                .map(|m| m.map(|m| m.minor))
                .map_err(|m| errors.add("insurance_cover", m))
                .ok()
        });
        let programme_id = match self.programme_id.trim() {
            "" => Some(None),
            s => match s
                .parse::<i64>()
                .ok()
                .filter(|id| programmes.iter().any(|p| p.id == *id))
            {
                Some(id) => Some(Some(id)),
                None => {
                    errors.add(
                        "programme_id",
                        "Choose a sponsorship programme from the list, or none.",
                    );
                    None
                }
            },
        };
        let notes = text::optional_multi_line(&self.notes, "the notes", 2000)
            .map_err(|m| errors.add("notes", m))
            .ok();
        let [Some(p), Some(l), Some(o)] = scenarios else {
            return None;
        };
        Some(ConferenceFields {
            name: name?,
            starts_on: starts?,
            ends_on: ends?,
            venue: venue?,
            city: city?,
            attendance_cap: i32::try_from(cap?).ok()?,
            currency: currency?.code().to_string(),
            pessimistic: i32::try_from(p).ok()?,
            likely: i32::try_from(l).ok()?,
            optimistic: i32::try_from(o).ok()?,
            insurance_cover_minor: cover?.unwrap_or(0),
            programme_id: programme_id?,
            notes: notes?,
        })
    }
}

#[derive(Template)]
#[template(path = "staff/conferences/form.html")]
struct FormPage {
    layout: Layout,
    conference: Option<Conference>,
    f: ConferenceInput,
    errors: FormErrors,
    programmes: Vec<Programme>,
    currencies: Vec<&'static str>,
}

impl FormPage {
    fn action(&self) -> String {
        match &self.conference {
            Some(c) => format!("/staff/conferences/{}", c.id),
            None => "/staff/conferences".into(),
        }
    }
    fn is_programme(&self, id: &i64) -> bool {
        self.f.programme_id == id.to_string()
    }
}

async fn form_page(
    staff: &S,
    id: Option<i64>,
    f: Option<ConferenceInput>,
    errors: FormErrors,
) -> AppResult<FormPage> {
    let base = staff.settings().currency();
    let (conference, programmes) = staff
        .state
        .db
        .run(move |c| {
            let conf = id.map(|id| conferences::find(c, id)).transpose()?;
            Ok((conf, programmes::list(c)?))
        })
        .await?;
    let f = match (f, &conference) {
        (Some(f), _) => f,
        (None, Some(c)) => ConferenceInput::from_conference(c),
        (None, None) => ConferenceInput {
            currency: base.code().to_string(),
            ..Default::default()
        },
    };
    let title = match &conference {
        Some(c) => format!("Edit {}", c.name),
        None => "New conference".into(),
    };
    Ok(FormPage {
        layout: staff.layout(&title, SECTION),
        conference,
        f,
        errors,
        programmes,
        currencies: crate::domain::money::CURRENCIES
            .iter()
            .map(|(c, _)| *c)
            .collect(),
    })
}

/// `GET /staff/conferences/new`.
pub async fn new_form(staff: S) -> AppResult<HttpResponse> {
    render(&form_page(&staff, None, None, FormErrors::new()).await?)
}

/// `GET /staff/conferences/{id}/edit`.
pub async fn edit_form(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&form_page(&staff, Some(*id), None, FormErrors::new()).await?)
}

/// `POST /staff/conferences`.
pub async fn create(staff: S, form: web::Form<Vec<(String, String)>>) -> AppResult<HttpResponse> {
    save(staff, None, Fields(form.into_inner())).await
}

/// `POST /staff/conferences/{id}`.
pub async fn update(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    staff
        .state
        .db
        .run(move |c| Ok(conferences::find(c, id)?))
        .await?;
    save(staff, Some(id), Fields(form.into_inner())).await
}

async fn save(staff: S, id: Option<i64>, fields: Fields) -> AppResult<HttpResponse> {
    let input = ConferenceInput::from_fields(&fields);
    let seen = fields.seen();
    let programmes = staff.state.db.run(|c| Ok(programmes::list(c)?)).await?;
    let mut errors = FormErrors::new();
    let parsed = input.parse(&programmes, &mut errors);
    let Some(f) = parsed.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&staff, id, Some(input), errors).await?,
        );
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| {
            Ok(match id {
                Some(id) => service::update(c, &actor, id, &f, seen).map(|ch| (id, ch)),
                None => service::create(c, &actor, &f).map(|id| (id, true)),
            })
        })
        .await?;
    match r {
        Ok((new_id, changed)) => Ok(redirect_with_flash(
            &format!("/staff/conferences/{new_id}"),
            if changed {
                FlashKind::Success
            } else {
                FlashKind::Info
            },
            match (id, changed) {
                (None, _) => "Conference created. Add its ticket types and budget lines below.",
                (Some(_), true) => "Conference saved.",
                (Some(_), false) => "Nothing changed.",
            },
        )),
        Err(SaveError::Refused(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&staff, id, Some(input), errors).await?,
        ),
        Err(SaveError::Failed(e)) => Err(e),
    }
}
