//! Use cases that change several rows; each runs in one transaction.

pub mod accounts;
pub mod agreements;
pub mod assets;
pub mod audit;
pub mod billing;
pub mod conferences;
pub mod grant_applications;
pub mod grant_money;
pub mod grant_review;
pub mod grant_setup;
pub mod grants;
pub mod impact;
pub mod placements;
pub mod portal;
pub mod portal_actions;
pub mod prospects;
pub mod public;
pub mod renewals;
pub mod revenue;
pub mod setup;
pub mod site;
pub mod sponsor_applications;
pub mod sponsor_self_service;
pub mod sponsors;
pub mod sponsorship_review;
pub mod sponsorships;
pub mod stories;
pub mod tiers;
pub mod usage_import;

pub use audit::Actor;
