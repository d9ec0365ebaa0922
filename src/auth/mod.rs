//! Authentication's building blocks: passwords, random tokens and CSRF tokens. The request
//! extractors that use them (staff roles, private links) live in `web::extract`.

pub mod csrf;
pub mod password;
pub mod token;
