//! Black-box tests: the real app on port 0 with its own fresh database, driven over HTTP.
//! With `STEWARD_TEST_DATABASE_URL=postgres://…` every test gets a fresh PostgreSQL database.

mod fixtures;
mod helpers;

mod access;
mod accessibility;
mod admin;
mod backup;
mod billing;
mod conferences;
mod dashboard;
mod e2e;
mod e2e_accessibility;
mod exports;
mod faults;
mod grants;
mod home_page;
mod outreach;
mod placements;
mod public_pages;
mod query_budget;
mod scale;
mod security;
mod sponsors;
mod sponsorships;
mod stories;
