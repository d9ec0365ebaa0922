//! The sponsor portal: pages a sponsor contact reaches through a private link.

pub mod enter;
pub mod renew;
