//! Donations and other revenue of a conference budget, in any currency with its rate.

use super::lines::{
    Form, References, amount_field, answer, back, currencies, parse_currency, plain, rate_text,
    with_references,
};
use crate::domain::conference_budget::RevenueKind;
use crate::domain::form::{Fields, stamp};
use crate::domain::{FormErrors, text};
use crate::error::AppResult;
use crate::models::conference_lines::{self as lines, RevenueFields, RevenueLine};
use crate::models::conferences::{self, Conference};
use crate::services::conferences::{self as service};
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::conferences::{S, SECTION};
use crate::web::{redirect_with_flash, render, render_status};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

/// The revenue form as typed.
#[derive(Clone, Debug, Default)]
pub struct RevenueInput {
    pub kind: String,
    pub item: String,
    pub currency: String,
    pub rate: String,
    pub expected: String,
    pub received: String,
    pub notes: String,
    /// When the line was last saved, as the form showed it.
    pub seen: String,
}

impl RevenueInput {
    fn from_fields(f: &Fields) -> RevenueInput {
        RevenueInput {
            kind: f.get("kind"),
            item: f.get("item"),
            currency: f.get("currency"),
            rate: f.get("rate"),
            expected: f.get("expected"),
            received: f.get("received"),
            notes: f.get("notes"),
            seen: f.get("seen"),
        }
    }

    fn from_line(r: &RevenueLine, conf: &Conference) -> RevenueInput {
        RevenueInput {
            kind: r.kind.clone(),
            item: r.item.clone(),
            currency: r.currency.clone(),
            rate: rate_text(&r.currency, r.rate_micros, conf),
            expected: plain(Some(r.expected_minor), &r.currency),
            received: plain(r.received_minor, &r.currency),
            notes: r.notes.clone(),
            seen: stamp(&r.updated_at),
        }
    }

    fn parse(
        &self,
        conf: &Conference,
        refs: &References,
        errors: &mut FormErrors,
    ) -> Option<RevenueFields> {
        let conf_cur = conf.currency();
        let kind = self
            .kind
            .parse::<RevenueKind>()
            .map_err(|m| errors.add("kind", m))
            .ok();
        let item = text::single_line(&self.item, "where the money comes from", 160)
            .map_err(|m| errors.add("item", m))
            .ok();
        let cr = parse_currency(&self.currency, &self.rate, refs, errors);
        let expected = amount_field(&self.expected, "expected", true, cr, conf_cur, errors);
        let received = amount_field(&self.received, "received", false, cr, conf_cur, errors);
        let notes = text::optional_multi_line(&self.notes, "the notes", 1000)
            .map_err(|m| errors.add("notes", m))
            .ok();
        let (cur, rate) = cr?;
        Some(RevenueFields {
            kind: kind?.as_str().to_string(),
            item: item?,
            currency: cur.code().to_string(),
            rate_micros: rate,
            expected_minor: expected??,
            received_minor: received?,
            notes: notes?,
        })
    }
}

#[derive(Template)]
#[template(path = "staff/conferences/revenue_form.html")]
struct RevenuePage {
    layout: Layout,
    c: Conference,
    revenue_id: Option<i64>,
    f: RevenueInput,
    errors: FormErrors,
    kinds: Vec<(&'static str, &'static str)>,
    currencies: Vec<&'static str>,
    /// The rate field's hint, with the reference rates.
    rate_hint: String,
}

impl RevenuePage {
    fn action(&self) -> String {
        match self.revenue_id {
            Some(r) => format!("/staff/conferences/{}/revenue/{r}", self.c.id),
            None => format!("/staff/conferences/{}/revenue", self.c.id),
        }
    }
}

async fn revenue_page(
    staff: &S,
    id: i64,
    revenue_id: Option<i64>,
    f: Option<RevenueInput>,
    errors: FormErrors,
) -> AppResult<RevenuePage> {
    let base = staff.settings().currency();
    let (c, line, refs) = staff
        .state
        .db
        .run(move |c| {
            let conf = conferences::find(c, id)?;
            let r = revenue_id
                .map(|r| lines::find_revenue(c, id, r))
                .transpose()?;
            let refs = References::load(c, conf.currency(), base)?;
            Ok((conf, r, refs))
        })
        .await?;
    let f = match (f, &line) {
        (Some(f), _) => f,
        (None, Some(r)) => RevenueInput::from_line(r, &c),
        (None, None) => RevenueInput {
            kind: RevenueKind::Donation.as_str().into(),
            currency: c.currency.clone(),
            ..Default::default()
        },
    };
    let title = match &line {
        Some(r) => format!("{}: {}", c.name, r.item),
        None => format!("{}: new revenue line", c.name),
    };
    Ok(RevenuePage {
        layout: staff.layout(&title, SECTION),
        c,
        revenue_id,
        f,
        errors,
        kinds: RevenueKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        currencies: currencies(),
        rate_hint: refs.hint(),
    })
}

/// `GET /staff/conferences/{id}/revenue/new`.
pub async fn revenue_new(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&revenue_page(&staff, *id, None, None, FormErrors::new()).await?)
}

/// `GET /staff/conferences/{id}/revenue/{line}`.
pub async fn revenue_edit(staff: S, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, r) = path.into_inner();
    render(&revenue_page(&staff, id, Some(r), None, FormErrors::new()).await?)
}

/// `POST /staff/conferences/{id}/revenue`.
pub async fn revenue_create(staff: S, id: web::Path<i64>, form: Form) -> AppResult<HttpResponse> {
    revenue_save(staff, *id, None, Fields(form.into_inner())).await
}

/// `POST /staff/conferences/{id}/revenue/{line}`.
pub async fn revenue_update(
    staff: S,
    path: web::Path<(i64, i64)>,
    form: Form,
) -> AppResult<HttpResponse> {
    let (id, r) = path.into_inner();
    staff
        .state
        .db
        .run(move |c| Ok(lines::find_revenue(c, id, r)?))
        .await?;
    revenue_save(staff, id, Some(r), Fields(form.into_inner())).await
}

async fn revenue_save(
    staff: S,
    id: i64,
    line: Option<i64>,
    fields: Fields,
) -> AppResult<HttpResponse> {
    let (conf, refs) = with_references(&staff, id).await?;
    let input = RevenueInput::from_fields(&fields);
    let seen = fields.seen();
    let mut errors = FormErrors::new();
    let parsed = input.parse(&conf, &refs, &mut errors);
    let Some(f) = parsed.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &revenue_page(&staff, id, line, Some(input), errors).await?,
        );
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| {
            Ok(match line {
                Some(l) => service::update_revenue(c, &actor, id, l, &f, seen),
                None => service::add_revenue(c, &actor, id, &f).map(|_| true),
            })
        })
        .await?;
    answer(
        r,
        back(id, "revenue"),
        line.is_some(),
        "Revenue line",
        |errors| revenue_page(&staff, id, line, Some(input), errors),
    )
    .await
}

/// `POST /staff/conferences/{id}/revenue/{line}/delete`.
pub async fn revenue_delete(staff: S, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, r) = path.into_inner();
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| service::delete_revenue(c, &actor, id, r))
        .await?;
    Ok(redirect_with_flash(
        &back(id, "revenue"),
        FlashKind::Success,
        "Revenue line removed.",
    ))
}
