//! Use cases that change several rows; each runs in one transaction.

pub mod accounts;
pub mod audit;
pub mod public;
pub mod sponsorships;

pub use audit::Actor;
