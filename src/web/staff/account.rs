//! The signed-in user's own account: details and password change.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::password::{self, Verified};
use crate::domain::FormErrors;
use crate::domain::password::check_new_password;
use crate::error::{AppError, AppResult};
use crate::models::sessions;
use crate::services::accounts;
use crate::web::extract::{AnyStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render, render_status};

#[derive(Template)]
#[template(path = "staff/account.html")]
struct AccountPage {
    layout: Layout,
    name: String,
    email: String,
    role_labels: Vec<&'static str>,
    session_count: i64,
    errors: FormErrors,
    end_others: bool,
}

async fn page(
    staff: &Staff<AnyStaff>,
    errors: FormErrors,
    end_others: bool,
) -> AppResult<AccountPage> {
    let id = staff.user.user.user_id();
    let session_count = staff
        .state
        .db
        .run(move |c| Ok(sessions::count_for_user(c, id)?))
        .await?;
    Ok(AccountPage {
        layout: staff.layout("Your account", ""),
        name: staff.user.user.name.clone(),
        email: staff.user.user.email.clone(),
        role_labels: staff.user.roles.iter().map(|r| r.label()).collect(),
        session_count,
        errors,
        end_others,
    })
}

pub async fn show(staff: Staff<AnyStaff>) -> AppResult<HttpResponse> {
    render(&page(&staff, FormErrors::new(), true).await?)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
    /// A checkbox: present when ticked.
    end_other_sessions: Option<String>,
}

pub async fn change_password(
    staff: Staff<AnyStaff>,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let end_others = form.end_other_sessions.is_some();
    let user = staff.user.user.clone();
    let mut errors = FormErrors::new();
    if form.current_password.is_empty() {
        errors.add("current_password", "Enter your current password.");
    }
    if let Err(m) = check_new_password(&form.new_password, &user.email, &user.name) {
        errors.add("new_password", m);
    } else if form.new_password != form.new_password_confirm {
        errors.add(
            "new_password_confirm",
            "The two passwords are not the same.",
        );
    }
    if errors.is_empty() {
        let (current, stored) = (form.current_password.clone(), user.password_hash.clone());
        let ok = web::block(move || password::verify(&current, stored.as_deref()))
            .await
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?;
        if ok == Verified::No {
            errors.add("current_password", "That is not your current password.");
        }
    }
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&staff, errors, end_others).await?,
        );
    }
    let new = form.new_password.clone();
    let hash = web::block(move || password::hash(&new))
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))??;
    let (settings, session_hash, addr, ua) = (
        staff.state.settings.clone(),
        staff.user.session_hash.clone(),
        staff.client_addr().to_string(),
        staff.user_agent.clone(),
    );
    let token = staff
        .state
        .db
        .run(move |c| {
            accounts::change_password(
                c,
                &settings,
                &user,
                &hash,
                end_others,
                &session_hash,
                &addr,
                &ua,
            )
        })
        .await?;
    staff.start_session_cookie(&token);
    Ok(redirect_with_flash(
        "/staff/account",
        FlashKind::Success,
        if end_others {
            "Your password is changed, and every other session is signed out."
        } else {
            "Your password is changed."
        },
    ))
}
