//! Sign-in, sign-out, first-run setup, password reset and choosing a password from a link.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::password;
use crate::domain::password::check_new_password;
use crate::domain::{EmailAddress, FormErrors, Role, text};
use crate::error::{AppError, AppResult};
use crate::services::accounts::{self, LoginOutcome, NewAccount};
use crate::web::extract::Ctx;
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect, redirect_with_flash, render, render_status, safe_next};

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    errors: FormErrors,
    email: String,
    next: String,
    message: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(ctx: Ctx, q: web::Query<NextQuery>) -> AppResult<HttpResponse> {
    if ctx.current.is_some() {
        return Ok(redirect(&safe_next(&q.next)));
    }
    render(&LoginPage {
        layout: ctx.layout("Sign in", ""),
        errors: FormErrors::new(),
        email: String::new(),
        next: q.next.clone(),
        message: String::new(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The one message for every kind of failed sign-in.
pub const LOGIN_FAILED: &str = "That email address and password do not match an active account.";

pub async fn login(ctx: Ctx, form: web::Form<LoginForm>) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut errors = FormErrors::new();
    if form.email.trim().is_empty() {
        errors.add("email", "Enter your email address.");
    }
    if form.password.is_empty() {
        errors.add("password", "Enter your password.");
    }
    if form.password.chars().count() > crate::domain::password::MAX_CHARS || form.email.len() > 254
    {
        errors.add("password", LOGIN_FAILED);
    }
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &LoginPage {
                layout: ctx.layout("Sign in", ""),
                errors,
                email: form.email,
                next: form.next,
                message: String::new(),
            },
        );
    }
    let settings = ctx.state.settings.clone();
    let (email, pw, addr, ua) = (
        form.email.clone(),
        form.password.clone(),
        ctx.client_addr().to_string(),
        ctx.user_agent.clone(),
    );
    let outcome = ctx
        .state
        .db
        .run(move |c| accounts::login(c, &settings, &email, &pw, &addr, &ua))
        .await?;
    match outcome {
        LoginOutcome::Success { session_token, .. } => {
            ctx.start_session_cookie(&session_token);
            Ok(redirect(&safe_next(&form.next)))
        }
        LoginOutcome::Failed => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &LoginPage {
                layout: ctx.layout("Sign in", ""),
                errors: FormErrors::new(),
                email: form.email,
                next: form.next,
                message: LOGIN_FAILED.into(),
            },
        ),
        LoginOutcome::Throttled { minutes } => {
            let mut res = render_status(
                StatusCode::TOO_MANY_REQUESTS,
                &LoginPage {
                    layout: ctx.layout("Sign in", ""),
                    errors: FormErrors::new(),
                    email: form.email,
                    next: form.next,
                    message: format!(
                        "Too many failed attempts. For your security, sign-in is paused; try again in {minutes} minute{}, or reset your password.",
                        if minutes == 1 { "" } else { "s" }
                    ),
                },
            )?;
            res.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(minutes * 60),
            );
            Ok(res)
        }
    }
}

pub async fn logout(ctx: Ctx) -> AppResult<HttpResponse> {
    if let Some(c) = &ctx.current {
        let hash = c.session_hash.clone();
        let actor = ctx.actor();
        ctx.state
            .db
            .run(move |conn| accounts::logout(conn, &hash, &actor))
            .await?;
    }
    ctx.end_session_cookie();
    Ok(redirect_with_flash(
        "/login",
        FlashKind::Success,
        "You have signed out.",
    ))
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage {
    layout: Layout,
    errors: FormErrors,
    token: String,
    name: String,
    email: String,
    message: String,
}

pub async fn setup_form(ctx: Ctx, token: web::Path<String>) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let t = token.clone();
    ctx.state
        .db
        .run(move |c| accounts::check_setup_token(c, &t))
        .await?;
    render(&SetupPage {
        layout: ctx.layout("Set up Steward", ""),
        errors: FormErrors::new(),
        token,
        name: String::new(),
        email: String::new(),
        message: String::new(),
    })
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// Checks a new password and its confirmation; adds messages to `errors`.
fn check_password_pair(
    errors: &mut FormErrors,
    password: &str,
    confirm: &str,
    email: &str,
    name: &str,
) {
    if let Err(m) = check_new_password(password, email, name) {
        errors.add("password", m);
    } else if password != confirm {
        errors.add("password_confirm", "The two passwords are not the same.");
    }
}

pub async fn setup(
    ctx: Ctx,
    token: web::Path<String>,
    form: web::Form<SetupForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let form = form.into_inner();
    let mut errors = FormErrors::new();
    let name = text::single_line(&form.name, "your name", 200)
        .map_err(|m| errors.add("name", m))
        .ok();
    let email = EmailAddress::parse(&form.email)
        .map_err(|m| errors.add("email", m))
        .ok();
    check_password_pair(
        &mut errors,
        &form.password,
        &form.password_confirm,
        &form.email,
        &form.name,
    );
    let page = |errors: FormErrors, message: String| SetupPage {
        layout: ctx.layout("Set up Steward", ""),
        errors,
        token: token.clone(),
        name: form.name.clone(),
        email: form.email.clone(),
        message,
    };
    let (Some(name), Some(email), true) = (name, email, errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(errors, String::new()),
        );
    };
    let hash = web::block({
        let p = form.password.clone();
        move || password::hash(&p)
    })
    .await
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))??;
    let (t, addr, settings, ua) = (
        token.clone(),
        ctx.client_addr().to_string(),
        ctx.state.settings.clone(),
        ctx.user_agent.clone(),
    );
    let result = ctx
        .state
        .db
        .run(move |c| {
            let id = accounts::complete_setup(
                c,
                &t,
                NewAccount {
                    email,
                    name,
                    password_hash: Some(hash),
                    // At a small foundation the first person does everything at first; they can
                    // hand roles over (and drop their own) under Staff.
                    roles: Role::ALL.to_vec(),
                },
                &addr,
            )?;
            accounts::open_session(c, &settings, id, &addr, &ua)
        })
        .await;
    match result {
        Ok(session) => {
            ctx.start_session_cookie(&session);
            Ok(redirect_with_flash(
                "/staff/users",
                FlashKind::Success,
                "Your administrator account is ready. Invite the rest of your staff here.",
            ))
        }
        Err(AppError::Conflict(m)) => {
            let mut errors = FormErrors::new();
            errors.add("email", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(errors, String::new()),
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "auth/reset_request.html")]
struct ResetRequestPage {
    layout: Layout,
    errors: FormErrors,
    email: String,
    sent: bool,
    minutes: i64,
}

pub async fn reset_request_form(ctx: Ctx) -> AppResult<HttpResponse> {
    render(&ResetRequestPage {
        layout: ctx.layout("Reset your password", ""),
        errors: FormErrors::new(),
        email: String::new(),
        sent: false,
        minutes: accounts::RESET_MINUTES,
    })
}

#[derive(Deserialize)]
pub struct ResetRequestForm {
    #[serde(default)]
    email: String,
}

pub async fn reset_request(ctx: Ctx, form: web::Form<ResetRequestForm>) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    if let Err(m) = EmailAddress::parse(&form.email) {
        let mut errors = FormErrors::new();
        errors.add("email", m);
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetRequestPage {
                layout: ctx.layout("Reset your password", ""),
                errors,
                email: form.email,
                sent: false,
                minutes: accounts::RESET_MINUTES,
            },
        );
    }
    let (settings, email, addr) = (
        ctx.state.settings.clone(),
        form.email.clone(),
        ctx.client_addr().to_string(),
    );
    ctx.state
        .db
        .run(move |c| accounts::request_reset(c, &settings, &email, &addr))
        .await?;
    // The same answer whether or not the address has an account.
    render(&ResetRequestPage {
        layout: ctx.layout("Reset your password", ""),
        errors: FormErrors::new(),
        email: form.email.trim().to_string(),
        sent: true,
        minutes: accounts::RESET_MINUTES,
    })
}

#[derive(Template)]
#[template(path = "auth/set_password.html")]
struct SetPasswordPage {
    layout: Layout,
    errors: FormErrors,
    token: String,
    name: String,
    email: String,
    welcome: bool,
}

pub async fn set_password_form(ctx: Ctx, token: web::Path<String>) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let t = token.clone();
    let user = ctx
        .state
        .db
        .run(move |c| accounts::user_for_password_token(c, &t))
        .await?;
    render(&SetPasswordPage {
        layout: ctx.layout("Choose a password", ""),
        errors: FormErrors::new(),
        token,
        welcome: user.is_pending(),
        name: user.name,
        email: user.email,
    })
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn set_password(
    ctx: Ctx,
    token: web::Path<String>,
    form: web::Form<SetPasswordForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let t = token.clone();
    let user = ctx
        .state
        .db
        .run(move |c| accounts::user_for_password_token(c, &t))
        .await?;
    let mut errors = FormErrors::new();
    check_password_pair(
        &mut errors,
        &form.password,
        &form.password_confirm,
        &user.email,
        &user.name,
    );
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetPasswordPage {
                layout: ctx.layout("Choose a password", ""),
                errors,
                token,
                welcome: user.is_pending(),
                name: user.name,
                email: user.email,
            },
        );
    }
    let hash = web::block({
        let p = form.password.clone();
        move || password::hash(&p)
    })
    .await
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))??;
    let (settings, addr, ua) = (
        ctx.state.settings.clone(),
        ctx.client_addr().to_string(),
        ctx.user_agent.clone(),
    );
    let session = ctx
        .state
        .db
        .run(move |c| {
            let u = accounts::set_password_with_token(c, &settings, &token, &hash, &addr)?;
            accounts::open_session(c, &settings, u.user_id(), &addr, &ua)
        })
        .await?;
    ctx.start_session_cookie(&session);
    Ok(redirect_with_flash(
        "/staff",
        FlashKind::Success,
        "Your password is saved and you are signed in.",
    ))
}
