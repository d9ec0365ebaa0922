//! The sponsor portal: pages a sponsor contact reaches through a private link, the page
//! where a new link is requested, and the public application.

pub mod apply;
pub mod assets;
pub mod card_payments;
pub mod enter;
pub mod grants;
pub mod link;
pub mod pages;
pub mod profile;
pub mod renew;
pub mod stories;
pub mod upload;
