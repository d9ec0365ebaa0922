//! Password hashing with argon2id at OWASP's parameters, on the blocking pool.

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP's minimum for argon2id: 19 MiB, two passes, one lane.
pub const M_COST: u32 = 19_456;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

fn hasher() -> Argon2<'static> {
    let params = Params::new(M_COST, T_COST, P_COST, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (blocking: call from the blocking pool).
pub fn hash(password: &str) -> anyhow::Result<String> {
    let h = hasher()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?;
    Ok(h.to_string())
}

/// The result of checking a password.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Right, but hashed with weaker parameters than today's: store a new hash.
    YesRehash,
}

/// Checks a password against a stored PHC string (blocking). Without a stored hash the
/// password is checked against a dummy so that unknown accounts cost the same time.
pub fn verify(password: &str, stored: Option<&str>) -> Verified {
    let stored = stored.unwrap_or_else(|| dummy_hash());
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verified::No;
    };
    if hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verified::No;
    }
    if stored == dummy_hash() {
        return Verified::No;
    }
    if needs_rehash(&parsed) {
        Verified::YesRehash
    } else {
        Verified::Yes
    }
}

fn needs_rehash(h: &PasswordHash) -> bool {
    if h.algorithm.as_str() != "argon2id" {
        return true;
    }
    let get = |k: &str| h.params.get_decimal(k).unwrap_or(0);
    get("m") < M_COST || get("t") < T_COST || get("p") < P_COST
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash("dummy password that no account has")
            .unwrap_or_else(|_| "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$invalid".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(verify("correct horse battery", Some(&h)), Verified::Yes);
        assert_eq!(verify("wrong horse battery", Some(&h)), Verified::No);
        assert_eq!(verify("anything", None), Verified::No);
        assert_eq!(verify("anything", Some("garbage")), Verified::No);
    }

    #[test]
    fn weaker_hashes_are_upgraded() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).expect("params"),
        )
        .hash_password(b"correct horse battery")
        .expect("hash")
        .to_string();
        assert_eq!(
            verify("correct horse battery", Some(&weak)),
            Verified::YesRehash
        );
    }
}
