//! Staff accounts: first-run setup, sign-in with throttling, sessions, invitations, password
//! resets and changes, roles and disabling.

use chrono::Duration;

use crate::auth::{password, token};
use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::domain::{EmailAddress, Role};
use crate::email::{self, InviteEmail, PasswordChangedEmail, PasswordResetEmail};
use crate::error::{AppError, AppResult};
use crate::models::auth_tokens::{self, Purpose, TokenProblem};
use crate::models::login_failures::{self, Scope};
use crate::models::now;
use crate::models::sessions::{self, NewSession};
use crate::models::users::{self, NewUser, User, UserId};

use super::audit::{self, Actor};

/// Failures per account, and per client address, within the window before sign-in is paused.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

pub const SETUP_TOKEN_HOURS: i64 = 24;
pub const INVITE_DAYS: i64 = 7;
pub const RESET_MINUTES: i64 = 60;

/// While no enabled admin exists, makes a new one-time setup token and returns it (raw, to
/// print once); otherwise voids old setup tokens and returns None.
pub fn prepare_setup(conn: &mut DbConn) -> AppResult<Option<String>> {
    write_tx(conn, |conn| {
        if users::count_active_admins(conn)? > 0 {
            auth_tokens::void_setup(conn)?;
            return Ok(None);
        }
        let raw = token::new_token();
        auth_tokens::insert(
            conn,
            &token::digest(&raw),
            Purpose::Setup,
            None,
            now() + Duration::hours(SETUP_TOKEN_HOURS),
        )?;
        Ok(Some(raw))
    })
}

/// Why a private link does not work, as a sentence.
pub fn token_problem_message(p: &TokenProblem) -> &'static str {
    match p {
        TokenProblem::Unknown => "This link is not valid. Check that you copied all of it.",
        TokenProblem::Used => "This link has already been used. Each link works only once.",
        TokenProblem::Expired => "This link has expired. Ask for a new one.",
    }
}

/// Checks a setup link without using it.
pub fn check_setup_token(conn: &mut DbConn, raw: &str) -> AppResult<()> {
    if !token::looks_valid(raw) {
        return Err(AppError::NotFound);
    }
    if users::count_active_admins(conn)? > 0 {
        return Err(AppError::Gone(
            "Steward is already set up. Sign in with your account.".into(),
        ));
    }
    match auth_tokens::find_usable(conn, &token::digest(raw), &[Purpose::Setup])? {
        Ok(_) => Ok(()),
        Err(TokenProblem::Unknown) => Err(AppError::NotFound),
        Err(p) => Err(AppError::Gone(token_problem_message(&p).into())),
    }
}

/// What a new account needs.
pub struct NewAccount {
    pub email: EmailAddress,
    pub name: String,
    pub password_hash: Option<String>,
    pub roles: Vec<Role>,
}

/// Creates the first admin through the setup link, once.
pub fn complete_setup(
    conn: &mut DbConn,
    raw: &str,
    account: NewAccount,
    client_addr: &str,
) -> AppResult<UserId> {
    write_tx(conn, |conn| {
        check_setup_token(conn, raw)?;
        if !auth_tokens::consume(conn, &token::digest(raw))? {
            return Err(AppError::Gone(
                token_problem_message(&TokenProblem::Used).into(),
            ));
        }
        let id = insert_account(conn, &account)?;
        auth_tokens::void_setup(conn)?;
        let actor = Actor::staff(id.0, account.email.as_str(), client_addr);
        audit::record(
            conn,
            &actor,
            "user.setup_admin",
            Some(("user", &id.0.to_string())),
            "first administrator created through the setup link",
        )?;
        Ok(id)
    })
}

fn insert_account(conn: &mut DbConn, a: &NewAccount) -> AppResult<UserId> {
    if users::email_taken(conn, a.email.as_str())? {
        return Err(AppError::Conflict(format!(
            "An account for {} already exists.",
            a.email
        )));
    }
    let t = now();
    Ok(users::insert(
        conn,
        &NewUser {
            email: a.email.as_str(),
            name: &a.name,
            password_hash: a.password_hash.as_deref(),
            is_disabled: false,
            created_at: t,
            updated_at: t,
        },
        &a.roles,
    )?)
}

/// Creates an admin from the command line: with a password hash, or without one and with a
/// one-time link (returned raw) to choose it.
pub fn create_admin_cli(
    conn: &mut DbConn,
    email: EmailAddress,
    name: String,
    password_hash: Option<String>,
) -> AppResult<(UserId, Option<String>)> {
    write_tx(conn, |conn| {
        let has_password = password_hash.is_some();
        let id = insert_account(
            conn,
            &NewAccount {
                email: email.clone(),
                name,
                password_hash,
                roles: vec![Role::Admin],
            },
        )?;
        let link = if has_password {
            None
        } else {
            let raw = token::new_token();
            auth_tokens::insert(
                conn,
                &token::digest(&raw),
                Purpose::Invite,
                Some(id),
                now() + Duration::hours(SETUP_TOKEN_HOURS),
            )?;
            Some(raw)
        };
        auth_tokens::void_setup(conn)?;
        audit::record(
            conn,
            &Actor::system("command line"),
            "user.create_admin",
            Some(("user", &id.0.to_string())),
            &format!("administrator {email} created with steward create-admin"),
        )?;
        Ok((id, link))
    })
}

/// The outcome of a sign-in attempt.
pub enum LoginOutcome {
    /// Signed in: the raw session token for the cookie.
    Success { user: User, session_token: String },
    /// Wrong email or password (one message for both).
    Failed,
    /// Too many failures: try again after this many minutes.
    Throttled { minutes: i64 },
}

/// Checks credentials with throttling, and opens a session on success (blocking: argon2).
pub fn login(
    conn: &mut DbConn,
    settings: &Settings,
    email_input: &str,
    password_input: &str,
    client_addr: &str,
    user_agent: &str,
) -> AppResult<LoginOutcome> {
    let account_key = email_input.trim().to_lowercase();
    let window = Duration::minutes(FAILURE_WINDOW_MINUTES);
    let visitor = Actor::visitor(&truncate(&account_key, 254), client_addr);

    for (scope, key, max) in [
        (
            Scope::Account,
            account_key.as_str(),
            MAX_FAILURES_PER_ACCOUNT,
        ),
        (Scope::Address, client_addr, MAX_FAILURES_PER_ADDRESS),
    ] {
        let (n, oldest) = login_failures::recent(conn, scope, key, window)?;
        if n >= max {
            let lifts = oldest.map(|o| o + window).unwrap_or_else(now);
            let minutes = ((lifts - now()).num_seconds() + 59).max(60) / 60;
            // Counted on one entry per window: per account when the account is locked, per
            // client when the client is (whatever accounts it goes on trying).
            let who = match scope {
                Scope::Account => visitor.clone(),
                Scope::Address => Actor::visitor("(any account)", client_addr),
            };
            let what = match scope {
                Scope::Account => "account locked for a while after repeated failures",
                Scope::Address => "client locked for a while after repeated failures",
            };
            audit::record_repeatable(conn, &who, "login.throttled", None, what, window)?;
            return Ok(LoginOutcome::Throttled { minutes });
        }
    }

    let user = users::find_by_email(conn, &account_key)?;
    let verified = password::verify(
        password_input,
        user.as_ref().and_then(|u| u.password_hash.as_deref()),
    );
    let ok = !matches!(verified, password::Verified::No);
    match user {
        Some(u) if ok && !u.is_disabled => {
            let session_token = write_tx(conn, |conn| {
                if verified == password::Verified::YesRehash {
                    let h = password::hash(password_input)?;
                    users::set_password_hash(conn, u.user_id(), &h)?;
                }
                login_failures::clear(conn, Scope::Account, &account_key)?;
                let t = open_session(conn, settings, u.user_id(), client_addr, user_agent)?;
                audit::record(
                    conn,
                    &Actor::from_user(&u, client_addr),
                    "login.success",
                    Some(("user", &u.id.to_string())),
                    "",
                )?;
                Ok(t)
            })?;
            Ok(LoginOutcome::Success {
                user: u,
                session_token,
            })
        }
        other => {
            write_tx(conn, |conn| {
                login_failures::record(conn, Scope::Account, &account_key)?;
                login_failures::record(conn, Scope::Address, client_addr)?;
                let why = match &other {
                    None => "unknown account",
                    Some(u) if u.is_disabled => "account disabled",
                    Some(u) if u.password_hash.is_none() => "no password set yet",
                    Some(_) => "wrong password",
                };
                audit::record_repeatable(
                    conn,
                    &visitor,
                    "login.failure",
                    other
                        .as_ref()
                        .map(|u| ("user", u.id.to_string()))
                        .as_ref()
                        .map(|(a, b)| (*a, b.as_str())),
                    why,
                    window,
                )?;
                Ok(())
            })?;
            Ok(LoginOutcome::Failed)
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Opens a new session (always a new id), records the sign-in time, and returns its raw
/// token.
pub fn open_session(
    conn: &mut DbConn,
    settings: &Settings,
    user: UserId,
    client_addr: &str,
    user_agent: &str,
) -> AppResult<String> {
    let raw = token::new_token();
    let t = now();
    users::touch_login(conn, user)?;
    sessions::insert(
        conn,
        &NewSession {
            id_hash: &token::digest(&raw),
            user_id: user.0,
            created_at: t,
            last_seen_at: t,
            expires_at: t + Duration::hours(settings.session_absolute_hours),
            client_addr,
            user_agent: &truncate(user_agent, 300),
        },
    )?;
    Ok(raw)
}

/// Ends one session on the server.
pub fn logout(conn: &mut DbConn, session_hash: &str, actor: &Actor) -> AppResult<()> {
    write_tx(conn, |conn| {
        sessions::delete(conn, session_hash)?;
        audit::record(conn, actor, "logout", None, "")?;
        Ok(())
    })
}

/// Invites a new staff member: an account without a password and an emailed link.
pub fn invite(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    inviter_name: &str,
    email: EmailAddress,
    name: String,
    roles: Vec<Role>,
) -> AppResult<UserId> {
    write_tx(conn, |conn| {
        let id = insert_account(
            conn,
            &NewAccount {
                email: email.clone(),
                name: name.clone(),
                password_hash: None,
                roles: roles.clone(),
            },
        )?;
        send_invite(conn, settings, id, &email, &name, inviter_name)?;
        let role_list: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        audit::record(
            conn,
            actor,
            "user.invite",
            Some(("user", &id.0.to_string())),
            &format!("invited {email} with roles: {}", role_list.join(", ")),
        )?;
        Ok(id)
    })
}

fn send_invite(
    conn: &mut DbConn,
    settings: &Settings,
    id: UserId,
    email: &EmailAddress,
    name: &str,
    inviter_name: &str,
) -> AppResult<()> {
    auth_tokens::void_for_user(conn, id, &[Purpose::Invite])?;
    let raw = token::new_token();
    auth_tokens::insert(
        conn,
        &token::digest(&raw),
        Purpose::Invite,
        Some(id),
        now() + Duration::days(INVITE_DAYS),
    )?;
    email::enqueue(
        conn,
        email,
        crate::email::About::Account,
        &InviteEmail {
            foundation: settings.foundation_name.clone(),
            name: name.to_string(),
            invited_by: inviter_name.to_string(),
            link: format!("{}/account/set-password/{raw}", settings.base_url),
            expires_days: INVITE_DAYS,
        },
    )?;
    Ok(())
}

/// Sends a fresh invitation to an account that has not chosen a password yet.
pub fn resend_invite(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    inviter_name: &str,
    id: UserId,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let u = users::find(conn, id)?;
        if !u.is_pending() {
            return Err(AppError::Conflict(format!(
                "{} has already chosen a password; they can use \"Forgot your password?\".",
                u.name
            )));
        }
        if u.is_disabled {
            return Err(AppError::Conflict("This account is disabled.".into()));
        }
        let email = EmailAddress::parse(&u.email).map_err(AppError::BadRequest)?;
        send_invite(conn, settings, id, &email, &u.name, inviter_name)?;
        audit::record(
            conn,
            actor,
            "user.invite_resent",
            Some(("user", &id.0.to_string())),
            "",
        )?;
        Ok(())
    })
}

/// Emails a reset link if the address belongs to an enabled account that has a password.
/// The caller answers the same way whatever happened.
pub fn request_reset(
    conn: &mut DbConn,
    settings: &Settings,
    email_input: &str,
    client_addr: &str,
) -> AppResult<()> {
    let Ok(email) = EmailAddress::parse(email_input) else {
        return Ok(());
    };
    write_tx(conn, |conn| {
        let Some(u) = users::find_by_email(conn, email.as_str())? else {
            return Ok(());
        };
        if u.is_disabled {
            return Ok(());
        }
        // An invited user who lost the email gets a working link too.
        auth_tokens::void_for_user(conn, u.user_id(), &[Purpose::Reset])?;
        let raw = token::new_token();
        auth_tokens::insert(
            conn,
            &token::digest(&raw),
            Purpose::Reset,
            Some(u.user_id()),
            now() + Duration::minutes(RESET_MINUTES),
        )?;
        email::enqueue(
            conn,
            &email,
            crate::email::About::Account,
            &PasswordResetEmail {
                foundation: settings.foundation_name.clone(),
                name: u.name.clone(),
                link: format!("{}/account/set-password/{raw}", settings.base_url),
                expires_minutes: RESET_MINUTES,
            },
        )?;
        audit::record(
            conn,
            &Actor::visitor(&u.email, client_addr),
            "password.reset_requested",
            Some(("user", &u.id.to_string())),
            "",
        )?;
        Ok(())
    })
}

/// The account a set-password link (invitation or reset) belongs to.
pub fn user_for_password_token(conn: &mut DbConn, raw: &str) -> AppResult<User> {
    if !token::looks_valid(raw) {
        return Err(AppError::NotFound);
    }
    match auth_tokens::find_usable(
        conn,
        &token::digest(raw),
        &[Purpose::Invite, Purpose::Reset],
    )? {
        Ok(t) => {
            let u = users::find(conn, UserId(t.user_id.ok_or(AppError::NotFound)?))?;
            if u.is_disabled {
                return Err(AppError::Gone(
                    "This account is disabled. Ask an administrator.".into(),
                ));
            }
            Ok(u)
        }
        Err(TokenProblem::Unknown) => Err(AppError::NotFound),
        Err(p) => Err(AppError::Gone(token_problem_message(&p).into())),
    }
}

/// Sets a password through an invitation or reset link, once; ends every session of the
/// account. Returns the user.
pub fn set_password_with_token(
    conn: &mut DbConn,
    settings: &Settings,
    raw: &str,
    new_hash: &str,
    client_addr: &str,
) -> AppResult<User> {
    write_tx(conn, |conn| {
        let u = user_for_password_token(conn, raw)?;
        if !auth_tokens::consume(conn, &token::digest(raw))? {
            return Err(AppError::Gone(
                token_problem_message(&TokenProblem::Used).into(),
            ));
        }
        let was_pending = u.is_pending();
        users::set_password_hash(conn, u.user_id(), new_hash)?;
        sessions::delete_for_user(conn, u.user_id(), None)?;
        auth_tokens::void_for_user(conn, u.user_id(), &[Purpose::Invite, Purpose::Reset])?;
        login_failures::clear(conn, Scope::Account, &u.email)?;
        if !was_pending {
            notify_password_changed(conn, settings, &u)?;
        }
        audit::record(
            conn,
            &Actor::from_user(&u, client_addr),
            if was_pending {
                "password.set_from_invite"
            } else {
                "password.reset"
            },
            Some(("user", &u.id.to_string())),
            "",
        )?;
        Ok(u)
    })
}

fn notify_password_changed(conn: &mut DbConn, settings: &Settings, u: &User) -> AppResult<()> {
    let email = EmailAddress::parse(&u.email).map_err(AppError::BadRequest)?;
    email::enqueue(
        conn,
        &email,
        crate::email::About::Account,
        &PasswordChangedEmail {
            foundation: settings.foundation_name.clone(),
            name: u.name.clone(),
            reset_link: format!("{}/password-reset", settings.base_url),
        },
    )?;
    Ok(())
}

/// Changes a signed-in user's password (the current one already verified by the caller);
/// ends the other sessions when asked, and always replaces the current one. Returns the new
/// session token.
#[allow(clippy::too_many_arguments)]
pub fn change_password(
    conn: &mut DbConn,
    settings: &Settings,
    user: &User,
    new_hash: &str,
    end_other_sessions: bool,
    current_session_hash: &str,
    client_addr: &str,
    user_agent: &str,
) -> AppResult<String> {
    write_tx(conn, |conn| {
        users::set_password_hash(conn, user.user_id(), new_hash)?;
        if end_other_sessions {
            sessions::delete_for_user(conn, user.user_id(), None)?;
        } else {
            sessions::delete(conn, current_session_hash)?;
        }
        let t = open_session(conn, settings, user.user_id(), client_addr, user_agent)?;
        notify_password_changed(conn, settings, user)?;
        audit::record(
            conn,
            &Actor::from_user(user, client_addr),
            "password.changed",
            Some(("user", &user.id.to_string())),
            if end_other_sessions {
                "other sessions ended"
            } else {
                "other sessions kept"
            },
        )?;
        Ok(t)
    })
}

/// Updates a user's name and roles; refuses to remove the last enabled admin.
pub fn update_user(
    conn: &mut DbConn,
    actor: &Actor,
    id: UserId,
    name: &str,
    roles: &[Role],
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let u = users::find(conn, id)?;
        let before = users::roles_of(conn, id)?;
        let losing_admin = before.contains(&Role::Admin) && !roles.contains(&Role::Admin);
        if losing_admin && !u.is_disabled && users::count_active_admins(conn)? <= 1 {
            return Err(AppError::Conflict(
                "This is the only administrator. Make someone else an administrator first.".into(),
            ));
        }
        users::set_name(conn, id, name)?;
        users::set_roles(conn, id, roles)?;
        let fmt = |rs: &[Role]| rs.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
        audit::record(
            conn,
            actor,
            "user.update",
            Some(("user", &id.0.to_string())),
            &format!("name: {name}; roles: [{}] → [{}]", fmt(&before), fmt(roles)),
        )?;
        Ok(())
    })
}

/// Disables or re-enables an account; disabling ends its sessions at once.
pub fn set_disabled(conn: &mut DbConn, actor: &Actor, id: UserId, disabled: bool) -> AppResult<()> {
    write_tx(conn, |conn| {
        let u = users::find(conn, id)?;
        if disabled && actor.user_id == Some(id.0) {
            return Err(AppError::Conflict(
                "You cannot disable your own account.".into(),
            ));
        }
        if disabled
            && users::roles_of(conn, id)?.contains(&Role::Admin)
            && users::count_active_admins(conn)? <= 1
        {
            return Err(AppError::Conflict(
                "This is the only administrator and cannot be disabled.".into(),
            ));
        }
        if users::set_disabled(conn, id, disabled)? == 0 {
            return Err(AppError::Conflict(format!(
                "{} is already {}.",
                u.name,
                if disabled { "disabled" } else { "enabled" }
            )));
        }
        if disabled {
            sessions::delete_for_user(conn, id, None)?;
            auth_tokens::void_for_user(conn, id, &[Purpose::Invite, Purpose::Reset])?;
        }
        audit::record(
            conn,
            actor,
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            Some(("user", &id.0.to_string())),
            &u.email,
        )?;
        Ok(())
    })
}
