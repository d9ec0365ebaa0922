//! Administrators manage staff accounts: invite, edit name and roles, disable and enable.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::{EmailAddress, FormErrors, Role, text};
use crate::error::{AppError, AppResult};
use crate::models::users::{self, User, UserId, UserListing};
use crate::services::accounts;
use crate::web::extract::{AdminOnly, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::fmt_opt_time;
use crate::web::{redirect_with_flash, render, render_status};

#[derive(Template)]
#[template(path = "staff/admin/users/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<UserListing>,
    me: i64,
}

impl ListPage {
    fn last_login(&self, u: &User) -> String {
        fmt_opt_time(&u.last_login_at)
    }
}

pub async fn list(staff: Staff<AdminOnly>) -> AppResult<HttpResponse> {
    let rows = staff.state.db.run(|c| Ok(users::list(c)?)).await?;
    render(&ListPage {
        layout: staff.layout("Staff", "/staff/users"),
        rows,
        me: staff.user.user.id,
    })
}

/// A role checkbox on a form.
pub struct RoleChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub checked: bool,
}

fn role_choices(selected: &[Role]) -> Vec<RoleChoice> {
    Role::ALL
        .iter()
        .map(|r| RoleChoice {
            value: r.as_str(),
            label: r.label(),
            description: r.description(),
            checked: selected.contains(r),
        })
        .collect()
}

/// Form fields as submitted: repeated `role` checkboxes are kept as a list.
fn parse_fields(body: &[(String, String)]) -> (String, String, Vec<String>) {
    let get = |k: &str| {
        body.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let roles = body
        .iter()
        .filter(|(n, _)| n == "role")
        .map(|(_, v)| v.clone())
        .collect();
    (get("name"), get("email"), roles)
}

fn parse_roles(raw: &[String], errors: &mut FormErrors) -> Vec<Role> {
    let mut roles = Vec::new();
    for r in raw {
        match r.parse::<Role>() {
            Ok(role) if !roles.contains(&role) => roles.push(role),
            Ok(_) => {}
            Err(_) => errors.add(
                "role",
                "One of the roles is not known. Reload the page and try again.",
            ),
        }
    }
    roles.sort();
    roles
}

#[derive(Template)]
#[template(path = "staff/admin/users/new.html")]
struct NewPage {
    layout: Layout,
    errors: FormErrors,
    name: String,
    email: String,
    roles: Vec<RoleChoice>,
}

pub async fn new_form(staff: Staff<AdminOnly>) -> AppResult<HttpResponse> {
    render(&NewPage {
        layout: staff.layout("Invite a staff member", "/staff/users"),
        errors: FormErrors::new(),
        name: String::new(),
        email: String::new(),
        roles: role_choices(&[]),
    })
}

pub async fn create(
    staff: Staff<AdminOnly>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (name_in, email_in, roles_in) = parse_fields(&form);
    let mut errors = FormErrors::new();
    let name = text::single_line(&name_in, "a name", 200)
        .map_err(|m| errors.add("name", m))
        .ok();
    let email = EmailAddress::parse(&email_in)
        .map_err(|m| errors.add("email", m))
        .ok();
    let roles = parse_roles(&roles_in, &mut errors);
    let show = |errors: FormErrors| NewPage {
        layout: staff.layout("Invite a staff member", "/staff/users"),
        errors,
        name: name_in.clone(),
        email: email_in.clone(),
        roles: role_choices(&roles),
    };
    let (Some(name), Some(email), true) = (name, email, errors.is_empty()) else {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &show(errors));
    };
    let (settings, actor, inviter) = (
        staff.state.settings.clone(),
        staff.actor(),
        staff.user.user.name.clone(),
    );
    let shown = email.to_string();
    let roles_for_db = roles.clone();
    let r = staff
        .state
        .db
        .run(move |c| accounts::invite(c, &settings, &actor, &inviter, email, name, roles_for_db))
        .await;
    match r {
        Ok(_) => Ok(redirect_with_flash(
            "/staff/users",
            FlashKind::Success,
            &format!("Invitation sent to {shown}. They choose their own password from the link."),
        )),
        Err(AppError::Conflict(m)) => {
            let mut errors = FormErrors::new();
            errors.add("email", m);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &show(errors))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "staff/admin/users/edit.html")]
struct EditPage {
    layout: Layout,
    errors: FormErrors,
    user: User,
    name: String,
    roles: Vec<RoleChoice>,
    is_me: bool,
    session_count: i64,
}

async fn load_user(staff: &Staff<AdminOnly>, id: i64) -> AppResult<(User, Vec<Role>, i64)> {
    staff
        .state
        .db
        .run(move |c| {
            let u = users::find(c, UserId(id))?;
            let roles = users::roles_of(c, UserId(id))?;
            let sessions = crate::models::sessions::count_for_user(c, UserId(id))?;
            Ok((u, roles, sessions))
        })
        .await
}

pub async fn edit_form(staff: Staff<AdminOnly>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (user, roles, session_count) = load_user(&staff, *id).await?;
    render(&EditPage {
        layout: staff.layout(&user.name, "/staff/users"),
        errors: FormErrors::new(),
        name: user.name.clone(),
        is_me: user.id == staff.user.user.id,
        user,
        roles: role_choices(&roles),
        session_count,
    })
}

pub async fn update(
    staff: Staff<AdminOnly>,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let (user, _, session_count) = load_user(&staff, id).await?;
    let (name_in, _, roles_in) = parse_fields(&form);
    let mut errors = FormErrors::new();
    let name = text::single_line(&name_in, "a name", 200)
        .map_err(|m| errors.add("name", m))
        .ok();
    let roles = parse_roles(&roles_in, &mut errors);
    let show = |errors: FormErrors| EditPage {
        layout: staff.layout(&user.name, "/staff/users"),
        errors,
        name: name_in.clone(),
        is_me: user.id == staff.user.user.id,
        user: user.clone(),
        roles: role_choices(&roles),
        session_count,
    };
    let (Some(name), true) = (name, errors.is_empty()) else {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &show(errors));
    };
    let actor = staff.actor();
    let roles_for_db = roles.clone();
    let r = staff
        .state
        .db
        .run(move |c| accounts::update_user(c, &actor, UserId(id), &name, &roles_for_db))
        .await;
    match r {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/staff/users/{id}"),
            FlashKind::Success,
            "Saved.",
        )),
        Err(AppError::Conflict(m)) => {
            let mut errors = FormErrors::new();
            errors.add("role", m);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &show(errors))
        }
        Err(e) => Err(e),
    }
}

async fn set_disabled(staff: Staff<AdminOnly>, id: i64, disabled: bool) -> AppResult<HttpResponse> {
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| accounts::set_disabled(c, &actor, UserId(id), disabled))
        .await;
    let back = format!("/staff/users/{id}");
    match r {
        Ok(()) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            if disabled {
                "The account is disabled and signed out everywhere."
            } else {
                "The account is enabled again."
            },
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

pub async fn disable(staff: Staff<AdminOnly>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    set_disabled(staff, *id, true).await
}

pub async fn enable(staff: Staff<AdminOnly>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    set_disabled(staff, *id, false).await
}

pub async fn resend_invite(staff: Staff<AdminOnly>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let (settings, actor, inviter) = (
        staff.state.settings.clone(),
        staff.actor(),
        staff.user.user.name.clone(),
    );
    let r = staff
        .state
        .db
        .run(move |c| accounts::resend_invite(c, &settings, &actor, &inviter, UserId(id)))
        .await;
    let back = format!("/staff/users/{id}");
    match r {
        Ok(()) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            "A new invitation is on its way; older links no longer work.",
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}
