//! One-click renewal from the sponsor portal.

use actix_web::{HttpResponse, web};

use crate::error::{AppError, AppResult};
use crate::services::renewals;
use crate::web::extract::portal::SponsorPortal;
use crate::web::layout::FlashKind;
use crate::web::redirect_with_flash;

/// `POST /portal/sponsorships/{id}/renew`: a renewal application for the next term.
pub async fn renew(portal: SponsorPortal, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let sponsor_id = portal.sponsor_id;
    let actor = portal.actor();
    let settings = portal.state.settings.clone();
    let result = portal
        .state
        .db
        .run(move |c| renewals::renew(c, &settings, &actor, sponsor_id, id))
        .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            "/portal",
            FlashKind::Success,
            "Thank you! Your renewal application is with us. We will confirm the term and the fee with you before anything is invoiced.",
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash("/portal", FlashKind::Info, &m)),
        Err(e) => Err(e),
    }
}
