//! Staff accounts and their roles.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{sessions, user_roles, users};
use crate::domain::Role;

/// A newtype so that a user's id cannot be mistaken for another table's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub is_disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

impl User {
    pub fn user_id(&self) -> UserId {
        UserId(self.id)
    }
    /// Invited but has not chosen a password yet.
    pub fn is_pending(&self) -> bool {
        self.password_hash.is_none()
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: Option<&'a str>,
    pub is_disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Inserts a user with roles; returns the new id.
pub fn insert(conn: &mut DbConn, new: &NewUser<'_>, roles: &[Role]) -> QueryResult<UserId> {
    let id: i64 = diesel::insert_into(users::table)
        .values(new)
        .returning(users::id)
        .get_result(conn)?;
    set_roles(conn, UserId(id), roles)?;
    Ok(UserId(id))
}

pub fn find(conn: &mut DbConn, id: UserId) -> QueryResult<User> {
    users::table
        .find(id.0)
        .select(User::as_select())
        .first(conn)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn email_taken(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    Ok(find_by_email(conn, email)?.is_some())
}

pub fn roles_of(conn: &mut DbConn, id: UserId) -> QueryResult<Vec<Role>> {
    let names: Vec<String> = user_roles::table
        .filter(user_roles::user_id.eq(id.0))
        .select(user_roles::role)
        .load(conn)?;
    let mut roles: Vec<Role> = names.iter().filter_map(|n| n.parse().ok()).collect();
    roles.sort();
    Ok(roles)
}

/// Replaces a user's roles.
pub fn set_roles(conn: &mut DbConn, id: UserId, roles: &[Role]) -> QueryResult<()> {
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(id.0))).execute(conn)?;
    for r in roles {
        // One row at a time: multi-row inserts do not compile over MultiConnection.
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(id.0),
                user_roles::role.eq(r.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Enabled accounts holding the admin role.
pub fn count_active_admins(conn: &mut DbConn) -> QueryResult<i64> {
    users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role.eq(Role::Admin.as_str()))
        .filter(users::is_disabled.eq(false))
        .count()
        .get_result(conn)
}

pub fn set_password_hash(conn: &mut DbConn, id: UserId, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0))
        .set((
            users::password_hash.eq(Some(hash)),
            users::updated_at.eq(super::now()),
        ))
        .execute(conn)
}

pub fn set_disabled(conn: &mut DbConn, id: UserId, disabled: bool) -> QueryResult<usize> {
    diesel::update(
        users::table
            .find(id.0)
            .filter(users::is_disabled.eq(!disabled)),
    )
    .set((
        users::is_disabled.eq(disabled),
        users::updated_at.eq(super::now()),
    ))
    .execute(conn)
}

pub fn set_name(conn: &mut DbConn, id: UserId, name: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0))
        .set((users::name.eq(name), users::updated_at.eq(super::now())))
        .execute(conn)
}

pub fn touch_login(conn: &mut DbConn, id: UserId) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0))
        .set(users::last_login_at.eq(Some(super::now())))
        .execute(conn)
}

/// A row of the staff list.
pub struct UserListing {
    pub user: User,
    pub roles: Vec<Role>,
    pub active_sessions: i64,
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<UserListing>> {
    let all: Vec<User> = users::table
        .order((users::is_disabled.asc(), users::name.asc()))
        .select(User::as_select())
        .load(conn)?;
    let now = super::now();
    let mut out = Vec::with_capacity(all.len());
    for u in all {
        let roles = roles_of(conn, u.user_id())?;
        let active_sessions = sessions::table
            .filter(sessions::user_id.eq(u.id))
            .filter(sessions::expires_at.gt(now))
            .count()
            .get_result(conn)?;
        out.push(UserListing {
            user: u,
            roles,
            active_sessions,
        });
    }
    Ok(out)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Active (not disabled, password chosen) users holding `role`, for staff notifications.
pub fn active_with_role(conn: &mut DbConn, role: Role) -> QueryResult<Vec<User>> {
    users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role.eq(role.as_str()))
        .filter(users::is_disabled.eq(false))
        .filter(users::password_hash.is_not_null())
        .order(users::id.asc())
        .select(User::as_select())
        .load(conn)
}
