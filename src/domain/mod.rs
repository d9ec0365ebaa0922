//! Pure types with no I/O: they parse their input and say clearly what is wrong with it.

pub mod email;
pub mod form;
pub mod password;
pub mod role;
pub mod text;

pub use email::EmailAddress;
pub use form::FormErrors;
pub use role::Role;
