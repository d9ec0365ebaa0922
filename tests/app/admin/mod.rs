//! Running Steward: staff accounts and roles, and the outbox of every email.

mod accounts;
mod outbox;
