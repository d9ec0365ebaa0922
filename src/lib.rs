//! Steward: the operations desk of a non-profit software foundation.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod email;
pub mod error;
pub mod media;
pub mod models;
pub mod payments;
pub mod private_files;
pub mod public_cache;
pub mod seed;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;
pub mod worker;
