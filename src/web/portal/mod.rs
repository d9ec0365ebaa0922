//! The sponsor portal: pages a sponsor contact reaches through a private link, the page
//! where a new link is requested, and the public application.

pub mod apply;
pub mod enter;
pub mod grants_apply;
pub mod grants_portal;
pub mod grants_upload;
pub mod link;
pub mod pages;
pub mod renew;
pub mod stories;
pub mod upload;
