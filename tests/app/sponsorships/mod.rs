//! Sponsorships: the public application, staff review, the sponsor portal, renewals and the
//! impact report.

mod applications;
mod assets;
mod impact;
mod portal;
mod renewals;
mod review;
mod self_service;
