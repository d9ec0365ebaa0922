//! Reviewers' votes and the decision: approve with an amount (checked against the
//! programme's budget) or decline with a reason.

use super::review::{answer_form, refused_form};
use super::{Deciders, Reviewers, access, act};
use crate::domain::form::Fields;
use crate::domain::grants::{self, Vote};
use crate::domain::{Currency, FormErrors, Money, text};
use crate::error::SaveError;
use crate::error::{AppError, AppResult};
use crate::services::grant_review::{self as service, Ballot, Decision, Outcome};
use actix_web::{HttpResponse, web};

// ---------------------------------------------------------------------------------------
// Votes

/// `POST /staff/grants/{id}/vote`: approve, decline or abstain, with a score and a comment.
pub async fn vote(
    staff: Reviewers,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    access(&staff, id).await?;
    let f = Fields(form.into_inner());
    let mut errors = FormErrors::new();
    let vote = f
        .get("vote")
        .parse::<Vote>()
        .map_err(|m| errors.add("vote", m))
        .ok();
    let score = match f.get("score").trim() {
        "" => None,
        s => match s.parse::<i32>() {
            Ok(n) if (1..=5).contains(&n) => Some(n),
            _ => {
                errors.add("score", "Choose a score from 1 to 5.");
                None
            }
        },
    };
    if vote.is_some_and(|v| v != Vote::Abstain) && score.is_none() && !errors.has("score") {
        errors.add("score", "Give a score from 1 to 5 with your vote.");
    }
    let comment = text::optional_multi_line(&f.get("comment"), "the comment", 5000)
        .map_err(|m| errors.add("comment", m))
        .ok();
    let (Some(vote), Some(comment), true) = (vote, comment, errors.is_empty()) else {
        return refused_form(&staff, id, &f, errors).await;
    };
    let b = Ballot {
        vote,
        score,
        comment,
    };
    let r = act(&staff, move |c, v| service::vote(c, v, id, &b)).await;
    answer_form(
        &staff,
        id,
        &f,
        r,
        "Vote recorded. The other reviewers' votes are shown below.",
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The decision

/// `POST /staff/grants/{id}/decide`: approve with an amount or decline with a reason
/// (deciders).
pub async fn decide(
    staff: Deciders,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let a = access(&staff, id).await?.app;
    let f = Fields(form.into_inner());
    let base = staff.state.settings.currency();
    let currency = Currency::parse(&a.currency).map_err(AppError::BadRequest)?;
    let mut errors = FormErrors::new();
    let note = text::optional_multi_line(&f.get("note"), "the note", 5000)
        .map_err(|m| errors.add("note", m))
        .ok();
    let override_reason = text::optional_multi_line(&f.get("override_reason"), "the reason", 2000)
        .map_err(|m| errors.add("override_reason", m))
        .ok();
    let outcome = match f.get("outcome").as_str() {
        "approve" => {
            let award = match Money::parse(&f.get("award"), currency) {
                Ok(m) if m.minor <= 0 => {
                    errors.add(
                        "award",
                        "The award must be more than zero; to give nothing, decline.",
                    );
                    None
                }
                Ok(m) => Some(m),
                Err(m) => {
                    errors.add("award", m);
                    None
                }
            };
            let rate = if currency == base {
                Some(grants::RATE_SCALE)
            } else {
                grants::parse_rate(&f.get("rate"))
                    .map_err(|m| errors.add("rate", m))
                    .ok()
            };
            match (award, rate) {
                (Some(award), Some(rate_micros)) => Some(Outcome::Approve { award, rate_micros }),
                _ => None,
            }
        }
        "decline" => Some(Outcome::Decline),
        _ => {
            errors.add("outcome", "Choose approve or decline.");
            None
        }
    };
    let (Some(outcome), Some(note), Some(override_reason), true) =
        (outcome, note, override_reason, errors.is_empty())
    else {
        return refused_form(&staff, id, &f, errors).await;
    };
    let d = Decision {
        outcome,
        note,
        override_budget: f.checked("override_budget"),
        override_reason,
    };
    let settings = staff.state.settings.clone();
    let r = act(&staff, move |c, v| {
        Ok(service::decide(c, &settings, v, id, &d))
    })
    .await?;
    let r = match r {
        Err(SaveError::Refused(errors)) => return refused_form(&staff, id, &f, errors).await,
        Err(SaveError::Failed(e)) => Err(e),
        Ok(()) => Ok(()),
    };
    answer_form(
        &staff,
        id,
        &f,
        r,
        "Decision recorded. The applicant has been emailed.",
    )
    .await
}
