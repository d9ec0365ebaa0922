//! Running the foundation's Steward: staff accounts and roles, the audit log, and the outbox of
//! every email sent or waiting.

pub mod audit;
pub mod outbox;
pub mod users;
