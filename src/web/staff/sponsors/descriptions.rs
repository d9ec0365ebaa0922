//! Staff approve or reject a description a sponsor proposed from the portal.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::services::portal_actions;
use crate::web::extract::{SponsorshipsStaff, Staff};
use crate::web::layout::FlashKind;
use crate::web::redirect_with_flash;

/// The form names the proposal it was shown (its fingerprint).
#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    seen: String,
}

async fn decide(
    staff: Staff<SponsorshipsStaff>,
    id: i64,
    seen: String,
    approve: bool,
) -> AppResult<HttpResponse> {
    let actor = staff.actor();
    let back = format!("/staff/sponsors/{id}");
    let r = staff
        .state
        .db
        .run(move |c| portal_actions::decide_description(c, &actor, id, &seen, approve))
        .await;
    match r {
        Ok(()) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            if approve {
                "Description approved: it now shows on the sponsor's profile."
            } else {
                "Proposed description rejected."
            },
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

/// `POST /staff/sponsors/{id}/description/approve`.
pub async fn approve(
    staff: Staff<SponsorshipsStaff>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    decide(staff, *id, form.into_inner().seen, true).await
}

/// `POST /staff/sponsors/{id}/description/reject`.
pub async fn reject(
    staff: Staff<SponsorshipsStaff>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    decide(staff, *id, form.into_inner().seen, false).await
}
