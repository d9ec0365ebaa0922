//! Staff authentication: passwords, random tokens, sessions, CSRF and role extractors.

pub mod csrf;
pub mod extract;
pub mod password;
pub mod portal;
pub mod token;

pub use extract::{AnyStaff, Ctx, RoleRule, Staff};
