//! The forms of a conference budget: cost lines, ticket types, and donations and other
//! revenue. Each parses what was typed (keeping it when something is wrong, with the message
//! next to the field), then hands the fields to `services::conferences`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::conference_budget::{self, Basis, CATEGORIES};
use crate::domain::form::{Fields, stamp};
use crate::domain::grants::{RATE_SCALE, parse_rate, rate_label};
use crate::domain::money::MAX_MINOR;
use crate::domain::{Currency, FormErrors, Money, dates, text};
use crate::error::AppResult;
use crate::error::SaveError;
use crate::models::conference_lines::{self as lines, CostLine, CostLineFields};
use crate::models::conferences::{self, Conference};
use crate::services::conferences as service;
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::conferences::{S, SECTION};
use crate::web::{redirect_with_flash, render, render_status};

pub(super) type Form = web::Form<Vec<(String, String)>>;

pub(super) fn back(id: i64, anchor: &str) -> String {
    format!("/staff/conferences/{id}#{anchor}")
}

pub(super) async fn conference(staff: &S, id: i64) -> AppResult<Conference> {
    Ok(with_references(staff, id).await?.0)
}

/// The conference and the reference rates to its currency.
pub(super) async fn with_references(staff: &S, id: i64) -> AppResult<(Conference, References)> {
    let base = staff.settings().currency();
    staff
        .state
        .db
        .run(move |c| {
            let conf = conferences::find(c, id)?;
            let refs = References::load(c, conf.currency(), base)?;
            Ok((conf, refs))
        })
        .await
}

/// The reference rates (Grants › Settings) as rates to the conference's currency.
pub struct References {
    conf: Currency,
    /// (currency, units of the conference's currency per unit, times 10^6).
    rates: Vec<(Currency, i64)>,
}

impl References {
    /// Loads the reference rates, crossed through the foundation currency `base`.
    pub(super) fn load(
        c: &mut crate::db::DbConn,
        conf: Currency,
        base: Currency,
    ) -> AppResult<References> {
        let mut to_base: Vec<(Currency, i64)> = vec![(base, RATE_SCALE)];
        for r in crate::models::grant_programmes::rates(c)? {
            if let Ok(cur) = Currency::parse(&r.currency) {
                to_base.push((cur, r.rate_micros));
            }
        }
        let conf_rate = to_base.iter().find(|(c, _)| *c == conf).map(|r| r.1);
        let rates = match conf_rate {
            Some(t) => to_base
                .iter()
                .filter(|(c, _)| *c != conf)
                .filter_map(|(c, f)| conference_budget::cross_rate(*f, t).map(|r| (*c, r)))
                .collect(),
            None => Vec::new(),
        };
        Ok(References { conf, rates })
    }

    fn of(&self, cur: Currency) -> Option<i64> {
        self.rates.iter().find(|(c, _)| *c == cur).map(|r| r.1)
    }

    /// The rate field's hint, with the reference rates ("1 EUR = 1.08 USD; …").
    pub fn hint(&self) -> String {
        let conf = self.conf.code();
        let known = self
            .rates
            .iter()
            .map(|(c, r)| format!("1 {} = {} {conf}", c.code(), rate_label(*r)))
            .collect::<Vec<_>>()
            .join("; ");
        if known.is_empty() {
            format!("Only for another currency: 1 unit of it is worth how many {conf}? e.g. 1.08.")
        } else {
            format!(
                "Only for another currency: 1 unit of it is worth how many {conf}? Leave it empty to use the reference rate ({known})."
            )
        }
    }
}

/// The currency and rate fields of a line: the conference's own currency needs no rate; any
/// other takes the rate typed, or else the reference rate, and every amount must still fit
/// once converted.
pub(super) fn parse_currency(
    currency: &str,
    rate: &str,
    refs: &References,
    errors: &mut FormErrors,
) -> Option<(Currency, i64)> {
    let conf = refs.conf;
    let cur = Currency::parse(currency)
        .map_err(|m| errors.add("currency", m))
        .ok()?;
    if cur == conf {
        return Some((cur, RATE_SCALE));
    }
    if rate.trim().is_empty()
        && let Some(r) = refs.of(cur)
    {
        return Some((cur, r));
    }
    if rate.trim().is_empty() {
        errors.add(
            "rate",
            format!(
                "A line in {0} needs its exchange rate: 1 {0} is worth how many {1}? There is no reference rate for {0} to use instead.",
                cur.code(),
                conf.code()
            ),
        );
        return None;
    }
    match parse_rate(rate) {
        Ok(r) => Some((cur, r)),
        Err(m) => {
            errors.add("rate", m);
            None
        }
    }
}

/// An amount in the line's currency that must also fit in the conference currency.
pub(super) fn amount_field(
    input: &str,
    field: &str,
    required: bool,
    cr: Option<(Currency, i64)>,
    conf: Currency,
    errors: &mut FormErrors,
) -> Option<Option<i64>> {
    let (cur, rate) = cr?;
    let parsed = if required {
        Money::parse(input, cur).map(|m| Some(m.minor))
    } else {
        Money::parse_optional(input, cur).map(|m| m.map(|m| m.minor))
    };
    match parsed {
        Ok(Some(m)) if conference_budget::convert(m, cur, rate, conf).is_none() => {
            errors.add(
                field,
                format!(
                    "At this exchange rate the amount is more than {} in {}.",
                    Money::new(MAX_MINOR, conf),
                    conf.code()
                ),
            );
            None
        }
        Ok(v) => Some(v),
        Err(m) => {
            errors.add(field, m);
            None
        }
    }
}

/// An amount as an editable figure ("1500.00"), or "" when there is none.
pub fn plain(minor: Option<i64>, currency: &str) -> String {
    match (minor, Currency::parse(currency)) {
        (Some(m), Ok(c)) => Money::new(m, c).plain(),
        _ => String::new(),
    }
}

pub(super) fn rate_text(currency: &str, rate: i64, conf: &Conference) -> String {
    if currency == conf.currency {
        String::new()
    } else {
        rate_label(rate)
    }
}

/// A save's answer: back to the budget with a flash message, or the form again (422) with the
/// refusal next to its field. `noun` names the record ("Budget line").
pub(super) async fn answer<P, Fut>(
    saved: Result<bool, SaveError>,
    back_to: String,
    existing: bool,
    noun: &str,
    form_again: impl FnOnce(FormErrors) -> Fut,
) -> AppResult<HttpResponse>
where
    P: Template,
    Fut: std::future::Future<Output = AppResult<P>>,
{
    match saved {
        Ok(changed) => Ok(redirect_with_flash(
            &back_to,
            if changed {
                FlashKind::Success
            } else {
                FlashKind::Info
            },
            &match (existing, changed) {
                (false, _) => format!("{noun} added."),
                (true, true) => format!("{noun} saved."),
                (true, false) => "Nothing changed.".to_string(),
            },
        )),
        Err(SaveError::Refused(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_again(errors).await?)
        }
        Err(SaveError::Failed(e)) => Err(e),
    }
}

// ----- Cost lines ----------------------------------------------------------------------

/// The cost line form as typed.
#[derive(Clone, Debug, Default)]
pub struct CostInput {
    pub category: String,
    pub custom_category: String,
    pub item: String,
    pub basis: String,
    pub currency: String,
    pub rate: String,
    pub estimate: String,
    pub committed: String,
    pub actual: String,
    pub liability: String,
    pub liability_from: String,
    pub vendor: String,
    pub notes: String,
    /// When the line was last saved, as the form showed it.
    pub seen: String,
}

impl CostInput {
    fn from_fields(f: &Fields) -> CostInput {
        CostInput {
            category: f.get("category"),
            custom_category: f.get("custom_category"),
            item: f.get("item"),
            basis: f.get("basis"),
            currency: f.get("currency"),
            rate: f.get("rate"),
            estimate: f.get("estimate"),
            committed: f.get("committed"),
            actual: f.get("actual"),
            liability: f.get("liability"),
            liability_from: f.get("liability_from"),
            vendor: f.get("vendor"),
            notes: f.get("notes"),
            seen: f.get("seen"),
        }
    }

    fn from_line(l: &CostLine, conf: &Conference) -> CostInput {
        let standard = CATEGORIES.iter().any(|(k, _)| *k == l.category);
        CostInput {
            category: if standard {
                l.category.clone()
            } else {
                "custom".into()
            },
            custom_category: if standard {
                String::new()
            } else {
                l.category.clone()
            },
            item: l.item.clone(),
            basis: l.basis.clone(),
            currency: l.currency.clone(),
            rate: rate_text(&l.currency, l.rate_micros, conf),
            estimate: plain(Some(l.estimate_minor), &l.currency),
            committed: plain(l.committed_minor, &l.currency),
            actual: plain(l.actual_minor, &l.currency),
            liability: plain(l.liability_minor, &l.currency),
            liability_from: l.liability_from.map(|d| d.to_string()).unwrap_or_default(),
            vendor: l.vendor.clone(),
            notes: l.notes.clone(),
            seen: stamp(&l.updated_at),
        }
    }

    fn blank(conf: &Conference) -> CostInput {
        CostInput {
            category: "venue".into(),
            basis: Basis::Fixed.as_str().into(),
            currency: conf.currency.clone(),
            ..Default::default()
        }
    }

    fn parse(
        &self,
        conf: &Conference,
        refs: &References,
        errors: &mut FormErrors,
    ) -> Option<CostLineFields> {
        let conf_cur = conf.currency();
        let category = match self.category.as_str() {
            "custom" => match text::single_line(&self.custom_category, "the category's name", 60) {
                // A standard category typed by hand is stored as the standard one.
                Ok(name) => Some(
                    CATEGORIES
                        .iter()
                        .find(|(_, l)| l.eq_ignore_ascii_case(&name))
                        .map(|(k, _)| k.to_string())
                        .unwrap_or(name),
                ),
                Err(m) => {
                    errors.add("custom_category", m);
                    None
                }
            },
            k if CATEGORIES.iter().any(|(key, _)| *key == k) => Some(k.to_string()),
            _ => {
                errors.add(
                    "category",
                    "Choose a category from the list, or name your own.",
                );
                None
            }
        };
        let item = text::single_line(&self.item, "what the line is for", 160)
            .map_err(|m| errors.add("item", m))
            .ok();
        let basis = self
            .basis
            .parse::<Basis>()
            .map_err(|m| errors.add("basis", m))
            .ok();
        let cr = parse_currency(&self.currency, &self.rate, refs, errors);
        let estimate = amount_field(&self.estimate, "estimate", true, cr, conf_cur, errors);
        let committed = amount_field(&self.committed, "committed", false, cr, conf_cur, errors);
        let actual = amount_field(&self.actual, "actual", false, cr, conf_cur, errors);
        let liability = amount_field(&self.liability, "liability", false, cr, conf_cur, errors);
        let liability_from = if self.liability_from.trim().is_empty() {
            Some(None)
        } else {
            dates::parse_date(&self.liability_from, "the date the liability applies from")
                .map(Some)
                .map_err(|m| errors.add("liability_from", m))
                .ok()
        };
        if let (Some(None), Some(Some(_))) = (liability, liability_from) {
            errors.add(
                "liability_from",
                "Enter the amount owed from that date as the cancellation liability, or clear the date.",
            );
        }
        let vendor = text::optional_single_line(&self.vendor, "the vendor", 120)
            .map_err(|m| errors.add("vendor", m))
            .ok();
        let notes = text::optional_multi_line(&self.notes, "the notes", 1000)
            .map_err(|m| errors.add("notes", m))
            .ok();
        let (cur, rate) = cr?;
        Some(CostLineFields {
            category: category?,
            item: item?,
            basis: basis?.as_str().to_string(),
            currency: cur.code().to_string(),
            rate_micros: rate,
            estimate_minor: estimate??,
            committed_minor: committed?,
            actual_minor: actual?,
            liability_minor: liability?,
            liability_from: liability_from?,
            vendor: vendor?,
            notes: notes?,
        })
    }
}

#[derive(Template)]
#[template(path = "staff/conferences/line_form.html")]
struct CostPage {
    layout: Layout,
    c: Conference,
    line_id: Option<i64>,
    f: CostInput,
    errors: FormErrors,
    categories: &'static [(&'static str, &'static str)],
    bases: Vec<(&'static str, &'static str)>,
    currencies: Vec<&'static str>,
    /// The rate field's hint, with the reference rates.
    rate_hint: String,
}

impl CostPage {
    fn action(&self) -> String {
        match self.line_id {
            Some(l) => format!("/staff/conferences/{}/lines/{l}", self.c.id),
            None => format!("/staff/conferences/{}/lines", self.c.id),
        }
    }
}

pub(super) fn currencies() -> Vec<&'static str> {
    crate::domain::money::CURRENCIES
        .iter()
        .map(|(c, _)| *c)
        .collect()
}

async fn cost_page(
    staff: &S,
    id: i64,
    line_id: Option<i64>,
    f: Option<CostInput>,
    errors: FormErrors,
) -> AppResult<CostPage> {
    let base = staff.settings().currency();
    let (c, line, refs) = staff
        .state
        .db
        .run(move |c| {
            let conf = conferences::find(c, id)?;
            let line = line_id.map(|l| lines::find_cost(c, id, l)).transpose()?;
            let refs = References::load(c, conf.currency(), base)?;
            Ok((conf, line, refs))
        })
        .await?;
    let f = match (f, &line) {
        (Some(f), _) => f,
        (None, Some(l)) => CostInput::from_line(l, &c),
        (None, None) => CostInput::blank(&c),
    };
    let title = match &line {
        Some(l) => format!("{}: {}", c.name, l.item),
        None => format!("{}: new budget line", c.name),
    };
    Ok(CostPage {
        layout: staff.layout(&title, SECTION),
        c,
        line_id,
        f,
        errors,
        categories: CATEGORIES,
        bases: Basis::ALL.iter().map(|b| (b.as_str(), b.label())).collect(),
        currencies: currencies(),
        rate_hint: refs.hint(),
    })
}

/// `GET /staff/conferences/{id}/lines/new`.
pub async fn cost_new(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&cost_page(&staff, *id, None, None, FormErrors::new()).await?)
}

/// `GET /staff/conferences/{id}/lines/{line}`.
pub async fn cost_edit(staff: S, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, line) = path.into_inner();
    render(&cost_page(&staff, id, Some(line), None, FormErrors::new()).await?)
}

/// `POST /staff/conferences/{id}/lines`.
pub async fn cost_create(staff: S, id: web::Path<i64>, form: Form) -> AppResult<HttpResponse> {
    cost_save(staff, *id, None, Fields(form.into_inner())).await
}

/// `POST /staff/conferences/{id}/lines/{line}`.
pub async fn cost_update(
    staff: S,
    path: web::Path<(i64, i64)>,
    form: Form,
) -> AppResult<HttpResponse> {
    let (id, line) = path.into_inner();
    staff
        .state
        .db
        .run(move |c| Ok(lines::find_cost(c, id, line)?))
        .await?;
    cost_save(staff, id, Some(line), Fields(form.into_inner())).await
}

async fn cost_save(
    staff: S,
    id: i64,
    line: Option<i64>,
    fields: Fields,
) -> AppResult<HttpResponse> {
    let (conf, refs) = with_references(&staff, id).await?;
    let input = CostInput::from_fields(&fields);
    let seen = fields.seen();
    let mut errors = FormErrors::new();
    let parsed = input.parse(&conf, &refs, &mut errors);
    let Some(f) = parsed.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &cost_page(&staff, id, line, Some(input), errors).await?,
        );
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| {
            Ok(match line {
                Some(l) => service::update_cost(c, &actor, id, l, &f, seen),
                None => service::add_cost(c, &actor, id, &f).map(|_| true),
            })
        })
        .await?;
    answer(
        r,
        back(id, "lines"),
        line.is_some(),
        "Budget line",
        |errors| cost_page(&staff, id, line, Some(input), errors),
    )
    .await
}

/// `POST /staff/conferences/{id}/lines/{line}/delete`.
pub async fn cost_delete(staff: S, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, line) = path.into_inner();
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| service::delete_cost(c, &actor, id, line))
        .await?;
    Ok(redirect_with_flash(
        &back(id, "lines"),
        FlashKind::Success,
        "Budget line removed.",
    ))
}
