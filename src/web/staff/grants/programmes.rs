//! Grant programmes for grants administrators: the list, a form for a new one or an edit
//! (every rule field), and the yearly caps in the foundation currency.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Datelike;

use crate::domain::form::Fields;
use crate::domain::grants::Kind;
use crate::domain::{Currency, FormErrors, Money, text};
use crate::error::{AppError, AppResult};
use crate::models::grant_applications::{self as apps, BudgetUse};
use crate::models::grant_programmes::{self as programmes, GrantProgramme, ProgrammeFields};
use crate::services::grant_setup as service;
use crate::web::extract::{GrantsAdmin, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<GrantsAdmin>;

/// The nav section these pages belong to.
const SECTION: &str = "/staff/grants";

fn this_year() -> i32 {
    chrono::Utc::now().year()
}

fn money(minor: Option<i64>, base: Currency) -> String {
    minor
        .map(|m| Money::new(m, base).to_string())
        .unwrap_or_default()
}

/// A programme as the list shows it.
pub struct ProgrammeRow {
    pub p: GrantProgramme,
    pub kind: &'static str,
    pub max: String,
    pub per_attendee: String,
    /// Caps for this year and next ("" when not set).
    pub cap_this: String,
    pub cap_next: String,
}

#[derive(Template)]
#[template(path = "staff/grants/programmes/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ProgrammeRow>,
    year: i32,
    next_year: i32,
    currency: &'static str,
}

/// `GET /staff/grants/programmes`.
pub async fn list(staff: S) -> AppResult<HttpResponse> {
    let base = staff.settings().currency();
    let year = this_year();
    let rows = staff
        .state
        .db
        .run(move |c| {
            let mut out = Vec::new();
            for p in programmes::all(c)? {
                let cap_this = money(programmes::cap(c, p.id, year)?, base);
                let cap_next = money(programmes::cap(c, p.id, year + 1)?, base);
                out.push(ProgrammeRow {
                    kind: p.kind().label(),
                    max: money(p.max_amount_minor, base),
                    per_attendee: money(p.per_attendee_minor, base),
                    cap_this,
                    cap_next,
                    p,
                });
            }
            Ok(out)
        })
        .await?;
    render(&ListPage {
        layout: staff.layout("Grant programmes", SECTION),
        rows,
        year,
        next_year: year + 1,
        currency: base.code(),
    })
}

/// The programme form as typed.
#[derive(Clone, Debug, Default)]
pub struct ProgrammeInput {
    pub name: String,
    pub kind: String,
    pub description: String,
    pub is_open: bool,
    pub requires_coc: bool,
    pub min_lead_days: String,
    pub max_amount: String,
    pub per_attendee: String,
    pub report_days: String,
}

impl ProgrammeInput {
    fn from_fields(f: &Fields) -> ProgrammeInput {
        ProgrammeInput {
            name: f.get("name"),
            kind: f.get("kind"),
            description: f.get("description"),
            is_open: f.checked("is_open"),
            requires_coc: f.checked("requires_coc"),
            min_lead_days: f.get("min_lead_days"),
            max_amount: f.get("max_amount"),
            per_attendee: f.get("per_attendee"),
            report_days: f.get("report_days"),
        }
    }

    fn from_programme(p: &GrantProgramme, base: Currency) -> ProgrammeInput {
        let plain = |m: Option<i64>| m.map(|m| Money::new(m, base).plain()).unwrap_or_default();
        ProgrammeInput {
            name: p.name.clone(),
            kind: p.kind.clone(),
            description: p.description.clone(),
            is_open: p.is_open,
            requires_coc: p.requires_coc,
            min_lead_days: p.min_lead_days.to_string(),
            max_amount: plain(p.max_amount_minor),
            per_attendee: plain(p.per_attendee_minor),
            report_days: p.report_days.to_string(),
        }
    }

    /// A new programme: open, with the usual report period.
    fn blank() -> ProgrammeInput {
        ProgrammeInput {
            kind: Kind::Event.as_str().into(),
            is_open: true,
            min_lead_days: "0".into(),
            report_days: "60".into(),
            ..Default::default()
        }
    }

    /// Parses into the stored fields, or records a message per field.
    fn parse(&self, base: Currency, errors: &mut FormErrors) -> Option<ProgrammeFields> {
        let name = text::single_line(&self.name, "a name", 120)
            .map_err(|m| errors.add("name", m))
            .ok();
        let kind = self
            .kind
            .parse::<Kind>()
            .map_err(|m| errors.add("kind", m))
            .ok();
        let description = text::optional_multi_line(&self.description, "the description", 2000)
            .map_err(|m| errors.add("description", m))
            .ok();
        let min_lead_days = whole_days(&self.min_lead_days, 0, 730)
            .map_err(|_| {
                errors.add(
                    "min_lead_days",
                    "Enter the lead time as a whole number of days from 0 to 730 (0: no minimum).",
                )
            })
            .ok();
        let report_days = whole_days(&self.report_days, 1, 365)
            .map_err(|_| {
                errors.add(
                    "report_days",
                    "Enter a whole number of days from 1 to 365 after the event ends.",
                )
            })
            .ok();
        let max_amount = optional_amount(&self.max_amount, base, "no maximum")
            .map_err(|m| errors.add("max_amount", m))
            .ok();
        let per_attendee = optional_amount(&self.per_attendee, base, "no guideline")
            .map_err(|m| errors.add("per_attendee", m))
            .ok();
        if let (Some(Some(max)), Some(Some(per))) = (max_amount, per_attendee)
            && per > max
        {
            errors.add(
                "per_attendee",
                "The guideline per attendee cannot be more than the programme's maximum.",
            );
        }
        Some(ProgrammeFields {
            name: name?,
            kind: kind?.as_str().to_string(),
            description: description?,
            is_open: self.is_open,
            requires_coc: self.requires_coc,
            min_lead_days: min_lead_days?,
            max_amount_minor: max_amount?,
            per_attendee_minor: per_attendee?,
            report_days: report_days?,
        })
    }
}

/// A whole number within `min..=max`.
fn whole_days(input: &str, min: i32, max: i32) -> Result<i32, ()> {
    match input.trim().parse::<i32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(()),
    }
}

/// An optional amount in the foundation currency: empty means none; zero is refused (the
/// person meant "none" and should leave it empty).
fn optional_amount(input: &str, base: Currency, none: &str) -> Result<Option<i64>, String> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    let m = Money::parse(input, base)?;
    if m.minor == 0 {
        return Err(format!(
            "Enter an amount above zero, or leave it empty for {none}."
        ));
    }
    Ok(Some(m.minor))
}

/// A yearly cap as the edit page lists it.
pub struct CapRow {
    pub year: i32,
    pub cap: String,
    pub used: String,
    pub remaining: String,
    pub over: bool,
}

#[derive(Template)]
#[template(path = "staff/grants/programmes/form.html")]
struct FormPage {
    layout: Layout,
    /// None for a new programme.
    programme: Option<GrantProgramme>,
    f: ProgrammeInput,
    errors: FormErrors,
    kinds: Vec<(&'static str, &'static str)>,
    currency: &'static str,
    caps: Vec<CapRow>,
    cap_year: String,
    cap_amount: String,
    cap_errors: FormErrors,
}

impl FormPage {
    fn is_new(&self) -> bool {
        self.programme.is_none()
    }
    fn action(&self) -> String {
        match &self.programme {
            Some(p) => format!("/staff/grants/programmes/{}", p.id),
            None => "/staff/grants/programmes".into(),
        }
    }
}

fn cap_rows(c: &mut crate::db::DbConn, id: i64, base: Currency) -> AppResult<Vec<CapRow>> {
    let mut out = Vec::new();
    for (year, cap) in programmes::caps(c, id)? {
        let used: BudgetUse = apps::budget_use(c, id, year)?;
        let left = used.remaining_of(cap);
        out.push(CapRow {
            year,
            cap: Money::new(cap, base).to_string(),
            used: Money::new(used.used(), base).to_string(),
            remaining: Money::new(left, base).to_string(),
            over: left < 0,
        });
    }
    Ok(out)
}

struct CapForm {
    year: String,
    amount: String,
    errors: FormErrors,
}

impl CapForm {
    fn blank() -> CapForm {
        CapForm {
            year: this_year().to_string(),
            amount: String::new(),
            errors: FormErrors::new(),
        }
    }
}

async fn form_page(
    staff: &S,
    id: Option<i64>,
    f: Option<ProgrammeInput>,
    errors: FormErrors,
    cap: CapForm,
) -> AppResult<FormPage> {
    let base = staff.settings().currency();
    let (programme, caps) = match id {
        Some(id) => {
            staff
                .state
                .db
                .run(move |c| {
                    let p = programmes::find(c, id)?;
                    let caps = cap_rows(c, id, base)?;
                    Ok((Some(p), caps))
                })
                .await?
        }
        None => (None, Vec::new()),
    };
    let f = match (f, &programme) {
        (Some(f), _) => f,
        (None, Some(p)) => ProgrammeInput::from_programme(p, base),
        (None, None) => ProgrammeInput::blank(),
    };
    let title = match &programme {
        Some(p) => format!("Edit {}", p.name),
        None => "New grant programme".into(),
    };
    Ok(FormPage {
        layout: staff.layout(&title, SECTION),
        programme,
        f,
        errors,
        kinds: Kind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        currency: base.code(),
        caps,
        cap_year: cap.year,
        cap_amount: cap.amount,
        cap_errors: cap.errors,
    })
}

/// `GET /staff/grants/programmes/new`.
pub async fn new_form(staff: S) -> AppResult<HttpResponse> {
    render(&form_page(&staff, None, None, FormErrors::new(), CapForm::blank()).await?)
}

/// `GET /staff/grants/programmes/{id}`.
pub async fn edit_form(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&form_page(&staff, Some(*id), None, FormErrors::new(), CapForm::blank()).await?)
}

/// `POST /staff/grants/programmes`.
pub async fn create(staff: S, form: web::Form<Vec<(String, String)>>) -> AppResult<HttpResponse> {
    save(staff, None, Fields(form.into_inner())).await
}

/// `POST /staff/grants/programmes/{id}`.
pub async fn update(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    // A programme that does not exist is a 404, not a form full of errors.
    staff
        .state
        .db
        .run(move |c| Ok(programmes::find(c, id)?))
        .await?;
    save(staff, Some(id), Fields(form.into_inner())).await
}

async fn save(staff: S, id: Option<i64>, fields: Fields) -> AppResult<HttpResponse> {
    let base = staff.settings().currency();
    let input = ProgrammeInput::from_fields(&fields);
    let mut errors = FormErrors::new();
    let parsed = input.parse(base, &mut errors);
    let Some(f) = parsed.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&staff, id, Some(input), errors, CapForm::blank()).await?,
        );
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| match id {
            Some(id) => service::update_programme(c, &actor, id, &f, base).map(|ch| (id, ch)),
            None => service::create_programme(c, &actor, &f, base).map(|id| (id, true)),
        })
        .await;
    match r {
        Ok((new_id, changed)) => Ok(redirect_with_flash(
            &format!("/staff/grants/programmes/{new_id}"),
            if changed {
                FlashKind::Success
            } else {
                FlashKind::Info
            },
            match (id, changed) {
                (None, _) => "Programme created. Set its budget for the year below.",
                (Some(_), true) => {
                    "Programme saved. New applications are checked against these rules."
                }
                (Some(_), false) => "Nothing changed.",
            },
        )),
        Err(AppError::Conflict(m)) => {
            let mut errors = FormErrors::new();
            errors.add("name", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&staff, id, Some(input), errors, CapForm::blank()).await?,
            )
        }
        Err(e) => Err(e),
    }
}

/// `POST /staff/grants/programmes/{id}/caps`: sets or replaces the cap for a year.
pub async fn set_cap(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let base = staff.settings().currency();
    let fields = Fields(form.into_inner());
    let cap = CapForm {
        year: fields.get("year"),
        amount: fields.get("cap"),
        errors: FormErrors::new(),
    };
    let mut errors = FormErrors::new();
    let year = match cap.year.trim().parse::<i32>() {
        Ok(y) if (2000..=2200).contains(&y) => Some(y),
        _ => {
            errors.add("year", "Enter a year like 2027.");
            None
        }
    };
    let amount = Money::parse(&cap.amount, base)
        .map_err(|m| errors.add("cap", m))
        .ok();
    let (Some(year), Some(amount), true) = (year, amount, errors.is_empty()) else {
        // Unknown programme: 404 from form_page.
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(
                &staff,
                Some(id),
                None,
                FormErrors::new(),
                CapForm { errors, ..cap },
            )
            .await?,
        );
    };
    let actor = staff.actor();
    let old = staff
        .state
        .db
        .run(move |c| service::set_cap(c, &actor, id, year, amount.minor, base))
        .await?;
    let message = match old {
        Some(o) if o == amount.minor => format!("The {year} budget was already {amount}."),
        Some(o) => format!(
            "The {year} budget is now {amount} (it was {}).",
            Money::new(o, base)
        ),
        None => format!("The {year} budget is set to {amount}."),
    };
    Ok(redirect_with_flash(
        &format!("/staff/grants/programmes/{id}"),
        FlashKind::Success,
        &message,
    ))
}
