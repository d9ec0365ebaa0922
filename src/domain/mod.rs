//! Pure types with no I/O: they parse their input and say clearly what is wrong with it.

pub mod acknowledgement;
pub mod assets;
pub mod benefits;
pub mod conference_budget;
pub mod country;
pub mod csv;
pub mod dates;
pub mod email;
pub mod form;
pub mod grants;
pub mod money;
pub mod organisations;
pub mod password;
pub mod pricing;
pub mod prospects;
pub mod role;
pub mod slug;
pub mod sponsorship;
pub mod story;
pub mod text;
pub mod usage;
pub mod weburl;

pub use email::EmailAddress;
pub use form::FormErrors;
pub use money::{Currency, Money};
pub use role::Role;
