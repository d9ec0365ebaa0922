//! The ticket type form of a conference budget: price, capacity and free places, each
//! kept as typed when something is wrong.

use super::lines::{Form, answer, back, conference};
use crate::domain::conference_budget::{self, share_label};
use crate::domain::form::{Fields, stamp};
use crate::domain::{Currency, FormErrors, Money, text};
use crate::error::AppResult;
use crate::models::conferences::{self, Conference, TicketFields, TicketType};
use crate::services::conferences::{self as service};
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::conferences::{S, SECTION};
use crate::web::{redirect_with_flash, render, render_status};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

/// The ticket type form as typed.
#[derive(Clone, Debug, Default)]
pub struct TicketInput {
    pub name: String,
    pub price: String,
    pub share: String,
    /// When the ticket type was last saved, as the form showed it.
    pub seen: String,
}

impl TicketInput {
    fn parse(&self, cur: Currency, errors: &mut FormErrors) -> Option<TicketFields> {
        let name = text::single_line(&self.name, "the ticket type's name", 80)
            .map_err(|m| errors.add("name", m))
            .ok();
        let price = Money::parse(&self.price, cur)
            .map_err(|m| errors.add("price", m))
            .ok();
        let share = conference_budget::parse_share(&self.share)
            .map_err(|m| errors.add("share", m))
            .ok();
        Some(TicketFields {
            name: name?,
            price_minor: price?.minor,
            share_permille: share?,
        })
    }
}

#[derive(Template)]
#[template(path = "staff/conferences/ticket_form.html")]
struct TicketPage {
    layout: Layout,
    c: Conference,
    ticket_id: Option<i64>,
    f: TicketInput,
    errors: FormErrors,
    /// What the other ticket types already take.
    others: String,
}

impl TicketPage {
    fn action(&self) -> String {
        match self.ticket_id {
            Some(t) => format!("/staff/conferences/{}/tickets/{t}", self.c.id),
            None => format!("/staff/conferences/{}/tickets", self.c.id),
        }
    }
}

async fn ticket_page(
    staff: &S,
    id: i64,
    ticket_id: Option<i64>,
    f: Option<TicketInput>,
    errors: FormErrors,
) -> AppResult<TicketPage> {
    let (c, all, ticket): (Conference, Vec<TicketType>, Option<TicketType>) = staff
        .state
        .db
        .run(move |c| {
            let conf = conferences::find(c, id)?;
            let t = ticket_id
                .map(|t| conferences::find_ticket(c, id, t))
                .transpose()?;
            Ok((conf, conferences::tickets(c, id)?, t))
        })
        .await?;
    let cur = c.currency();
    let others: i64 = all
        .iter()
        .filter(|t| Some(t.id) != ticket_id)
        .map(|t| i64::from(t.share_permille))
        .sum();
    let f = match (f, &ticket) {
        (Some(f), _) => f,
        (None, Some(t)) => TicketInput {
            name: t.name.clone(),
            price: Money::new(t.price_minor, cur).plain(),
            share: share_label(i64::from(t.share_permille))
                .trim_end_matches('%')
                .to_string(),
            seen: stamp(&t.updated_at),
        },
        (None, None) => TicketInput::default(),
    };
    let title = match &ticket {
        Some(t) => format!("{}: {}", c.name, t.name),
        None => format!("{}: new ticket type", c.name),
    };
    Ok(TicketPage {
        layout: staff.layout(&title, SECTION),
        c,
        ticket_id,
        f,
        errors,
        others: share_label(others),
    })
}

/// `GET /staff/conferences/{id}/tickets/new`.
pub async fn ticket_new(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&ticket_page(&staff, *id, None, None, FormErrors::new()).await?)
}

/// `GET /staff/conferences/{id}/tickets/{ticket}`.
pub async fn ticket_edit(staff: S, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, t) = path.into_inner();
    render(&ticket_page(&staff, id, Some(t), None, FormErrors::new()).await?)
}

/// `POST /staff/conferences/{id}/tickets`.
pub async fn ticket_create(staff: S, id: web::Path<i64>, form: Form) -> AppResult<HttpResponse> {
    ticket_save(staff, *id, None, Fields(form.into_inner())).await
}

/// `POST /staff/conferences/{id}/tickets/{ticket}`.
pub async fn ticket_update(
    staff: S,
    path: web::Path<(i64, i64)>,
    form: Form,
) -> AppResult<HttpResponse> {
    let (id, t) = path.into_inner();
    staff
        .state
        .db
        .run(move |c| Ok(conferences::find_ticket(c, id, t)?))
        .await?;
    ticket_save(staff, id, Some(t), Fields(form.into_inner())).await
}

async fn ticket_save(
    staff: S,
    id: i64,
    ticket: Option<i64>,
    fields: Fields,
) -> AppResult<HttpResponse> {
    let conf = conference(&staff, id).await?;
    let input = TicketInput {
        name: fields.get("name"),
        price: fields.get("price"),
        share: fields.get("share"),
        seen: fields.get("seen"),
    };
    let seen = fields.seen();
    let mut errors = FormErrors::new();
    let parsed = input.parse(conf.currency(), &mut errors);
    let Some(f) = parsed.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ticket_page(&staff, id, ticket, Some(input), errors).await?,
        );
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| {
            Ok(match ticket {
                Some(t) => service::update_ticket(c, &actor, id, t, &f, seen),
                None => service::add_ticket(c, &actor, id, &f).map(|_| true),
            })
        })
        .await?;
    answer(
        r,
        back(id, "tickets"),
        ticket.is_some(),
        "Ticket type",
        |errors| ticket_page(&staff, id, ticket, Some(input), errors),
    )
    .await
}

/// `POST /staff/conferences/{id}/tickets/{ticket}/delete`.
pub async fn ticket_delete(staff: S, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, t) = path.into_inner();
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| service::delete_ticket(c, &actor, id, t))
        .await?;
    Ok(redirect_with_flash(
        &back(id, "tickets"),
        FlashKind::Success,
        "Ticket type removed.",
    ))
}
