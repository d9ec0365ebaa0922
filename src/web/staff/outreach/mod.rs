//! Outreach: usage figures and their imports, prospects, the ask, and the pipeline report.
//! Sponsorship staff and administrators only.

pub mod imports;
pub mod prospects;
pub mod report;
