//! Black-box tests: the real app on port 0 with its own fresh database, driven over HTTP.
//! With `STEWARD_TEST_DATABASE_URL=postgres://…` every test gets a fresh PostgreSQL database.

mod fixtures;
mod helpers;

mod access;
mod accounts;
mod applications;
mod backup;
mod conferences;
mod dashboard;
mod e2e;
mod exports;
mod faults;
mod grants_apply;

mod grants_money;
mod grants_portal;
mod grants_register;
mod grants_review;
mod grants_setup;
mod impact;
mod invoices;
mod logos;
mod outbox;
mod placements;
mod portal;
mod public_pages;
mod renewals;
mod review;
mod security;
mod sponsors_staff;
mod stories;
mod stripe;
