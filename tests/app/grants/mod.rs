//! Grants: the public pages and register, the application form, the applicant's portal,
//! review and decision, payments and reports, and setting programmes up.

mod apply;
mod money;
mod portal;
mod register;
mod review;
mod setup;
