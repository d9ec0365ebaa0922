//! Use cases that change several rows; each runs in one transaction.

pub mod accounts;
pub mod audit;

pub use audit::Actor;
