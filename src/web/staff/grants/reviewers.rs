//! Moving an application through review: starting it, asking the applicant for information,
//! assigning and unassigning reviewers, and declaring a conflict of interest.

use super::review::{answer, answer_form, refused, refused_form};
use super::{Deciders, Reviewers, access, act};
use crate::domain::form::Fields;
use crate::domain::{FormErrors, text};
use crate::error::{AppError, AppResult};
use crate::services::grant_review::{self as service};
use crate::web::layout::FlashKind;
use crate::web::redirect_with_flash;
use actix_web::{HttpResponse, web};

// ---------------------------------------------------------------------------------------
// Status, messages, reviewers, conflict

/// `POST /staff/grants/{id}/start`: submitted → under review, or back to under review from
/// information requested without waiting for the answer.
pub async fn start(staff: Reviewers, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let r = act(&staff, move |c, v| service::start_review(c, v, id))
        .await
        .map(|()| "The application is under review.".to_string());
    answer(&staff, id, r).await
}

/// `POST /staff/grants/{id}/messages`: asks the applicant for information (email with a link).
pub async fn request_info(
    staff: Reviewers,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let f = Fields(form.into_inner());
    let mut errors = FormErrors::new();
    let message = match text::optional_multi_line(&f.get("message"), "the message", 5000) {
        Ok(m) if m.is_empty() => {
            errors.add(
                "message",
                "Write what you need to know: it is sent to the applicant.",
            );
            None
        }
        Ok(m) => Some(m),
        Err(m) => {
            errors.add("message", m);
            None
        }
    };
    let Some(message) = message else {
        return refused_form(&staff, id, &f, errors).await;
    };
    let settings = staff.state.settings.clone();
    let r = act(&staff, move |c, v| {
        service::request_info(c, &settings, v, id, &message)
    })
    .await;
    answer_form(
        &staff,
        id,
        &f,
        r,
        "Question sent. The applicant has been emailed a link to answer it.",
    )
    .await
}

/// `POST /staff/grants/{id}/assign`: a reviewer chosen by hand (deciders).
pub async fn assign(
    staff: Deciders,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let Ok(user_id) = Fields(form.into_inner())
        .get("user_id")
        .trim()
        .parse::<i64>()
    else {
        return refused(&staff, id, "Choose one of the grants reviewers listed.").await;
    };
    let r = act(&staff, move |c, v| service::assign(c, v, id, user_id))
        .await
        .map(|name| format!("{name} now reviews this application."));
    answer(&staff, id, r).await
}

/// `POST /staff/grants/{id}/assign/next`: the next reviewers in turn (deciders).
pub async fn assign_next(
    staff: Deciders,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let Ok(n) = Fields(form.into_inner())
        .get("count")
        .trim()
        .parse::<usize>()
    else {
        return refused(
            &staff,
            id,
            "Enter how many reviewers to assign, from 1 to 10.",
        )
        .await;
    };
    let r = act(&staff, move |c, v| service::assign_in_turn(c, v, id, n))
        .await
        .map(|names| format!("Assigned in turn: {}.", names.join(", ")));
    answer(&staff, id, r).await
}

/// `POST /staff/grants/{id}/unassign`: takes a reviewer who has not voted off (deciders).
pub async fn unassign(
    staff: Deciders,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let user_id: i64 = Fields(form.into_inner())
        .get("user_id")
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let r = act(&staff, move |c, v| service::unassign(c, v, id, user_id))
        .await
        .map(|name| format!("{name} no longer reviews this application."));
    answer(&staff, id, r).await
}

/// `POST /staff/grants/{id}/conflict`: the viewer declares a conflict of interest and is
/// recused for good; they are sent back to the queue, as the page is closed to them now.
pub async fn conflict(
    staff: Reviewers,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let f = Fields(form.into_inner());
    let note = match text::optional_multi_line(&f.get("conflict_note"), "the note", 1000) {
        Ok(n) => n,
        Err(m) => {
            let mut errors = FormErrors::new();
            errors.add("conflict_note", m);
            return refused_form(&staff, id, &f, errors).await;
        }
    };
    act(&staff, move |c, v| {
        service::declare_conflict(c, v, id, &note)
    })
    .await?;
    Ok(redirect_with_flash(
        "/staff/grants",
        FlashKind::Success,
        &format!(
            "Conflict of interest recorded: you are recused from G-{id} and no longer have access to it."
        ),
    ))
}
