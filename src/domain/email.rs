//! Email addresses as typed by people.

use std::fmt;

/// A syntactically valid, single-line email address, trimmed and lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses what a person typed; the error is a sentence to show next to the field.
    pub fn parse(input: &str) -> Result<EmailAddress, String> {
        let s = input.trim();
        if s.is_empty() {
            return Err("Enter an email address.".into());
        }
        if s.chars().any(|c| c.is_control()) {
            return Err("An email address must be on one line.".into());
        }
        if s.len() > 254 {
            return Err("That email address is too long.".into());
        }
        let lower = s.to_lowercase();
        if lower.parse::<lettre::Address>().is_err()
            || !lower.contains('@')
            || lower.contains(['<', '>', ',', ';', ' ', '"'])
        {
            return Err("Enter an email address like name@example.org.".into());
        }
        let domain = lower.rsplit('@').next().unwrap_or_default();
        if !domain.contains('.') && domain != "localhost" {
            return Err("Enter an email address like name@example.org.".into());
        }
        Ok(EmailAddress(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_normalises() {
        assert_eq!(
            EmailAddress::parse("  Ada@Example.ORG ")
                .expect("valid")
                .as_str(),
            "ada@example.org"
        );
        assert!(EmailAddress::parse("first.last+tag@sub.example.co.uk").is_ok());
    }

    #[test]
    fn refuses_header_injection_and_junk() {
        for bad in [
            "",
            "   ",
            "ada@example.org\r\nBcc: victim@example.org",
            "ada@example.org\nX: y",
            "not-an-email",
            "a@b",
            "Ada <ada@example.org>",
            "a@example.org, b@example.org",
            &format!("{}@example.org", "a".repeat(300)),
        ] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }
}
