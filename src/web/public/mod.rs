//! Pages for people who are not signed in.

pub mod auth;
pub mod grants;
pub mod home;
pub mod placements;
pub mod sponsors;
pub mod stories;
