//! The password policy (OWASP ASVS 2.1): length, not a well-known password; no composition
//! rules, no truncation.

/// Fewest characters accepted.
pub const MIN_CHARS: usize = 12;
/// Most characters accepted (well above the 64 required, short of a denial of service).
pub const MAX_CHARS: usize = 256;

/// Very common passwords of twelve characters or more, from public breach lists; compared
/// in lower case.
const COMMON: &str = include_str!("common_passwords.txt");

/// Checks a new password; the error is a sentence to show next to the field.
pub fn check_new_password(password: &str, email: &str, name: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(format!(
            "Use at least {MIN_CHARS} characters. A few words strung together make a good password."
        ));
    }
    if n > MAX_CHARS {
        return Err(format!("Use at most {MAX_CHARS} characters."));
    }
    let lower = password.to_lowercase();
    if COMMON.lines().any(|l| !l.is_empty() && l == lower) {
        return Err(
            "That password is one of the most common ones and easy to guess. Choose another."
                .into(),
        );
    }
    if lower.trim() == email.trim().to_lowercase()
        || (!name.trim().is_empty() && lower.trim() == name.trim().to_lowercase())
    {
        return Err("Don't use your email address or name as your password.".into());
    }
    if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(' '))
    {
        return Err("That password is one character repeated. Choose another.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_new_password("correct horse battery", "a@b.org", "Ada").is_ok());
        assert!(check_new_password("short", "a@b.org", "Ada").is_err());
        assert!(check_new_password("Password1234", "a@b.org", "Ada").is_err());
        assert!(check_new_password("aaaaaaaaaaaaaaaa", "a@b.org", "Ada").is_err());
        assert!(check_new_password("ada@example.org", "ada@example.org", "Ada").is_err());
        assert!(check_new_password(&"x1".repeat(200), "a@b.org", "Ada").is_err());
        // 64 characters (and unicode) are accepted whole.
        assert!(
            check_new_password(&"ü-long-passphrase-".repeat(4)[..64], "a@b.org", "Ada").is_ok()
        );
    }
}
