//! Endpoints called by other services rather than browsers. They are exempt from CSRF and
//! are authenticated by their own signatures instead.

pub mod stripe_events;
