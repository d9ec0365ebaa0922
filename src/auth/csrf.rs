//! CSRF protection: a signed double-submit token bound to the session. The browser holds a
//! random nonce in a cookie; forms carry HMAC(key, session ‖ nonce). A cross-site page can
//! neither read the cookie nor compute the token, and a token dies with its session.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// What a CSRF token is bound to: the staff session and the sponsor/applicant portal cookie
/// the browser holds (either may be empty).
pub fn binding(staff_session: &str, portal: &str) -> String {
    format!("{staff_session}|{portal}")
}

/// The token a form must carry for this nonce and session.
pub fn token_for(key: &[u8], nonce: &str, session: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(session.as_bytes());
    mac.update(b"|");
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Constant-time check of a submitted token.
pub fn verify(key: &[u8], nonce: &str, session: &str, submitted: &str) -> bool {
    if nonce.is_empty() || submitted.is_empty() {
        return false;
    }
    let expected = token_for(key, nonce, session);
    expected.as_bytes().ct_eq(submitted.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_to_nonce_session_and_key() {
        let t = token_for(b"k", "n", "s");
        assert!(verify(b"k", "n", "s", &t));
        assert!(!verify(b"k", "n", "other-session", &t));
        assert!(!verify(b"k", "other-nonce", "s", &t));
        assert!(!verify(b"other-key", "n", "s", &t));
        assert!(!verify(b"k", "", "s", ""));
    }
}
