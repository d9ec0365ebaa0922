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
        let like = || "Enter an email address like name@example.org.".to_string();
        let Some((local, domain)) = lower.rsplit_once('@') else {
            return Err(like());
        };
        if local.is_empty() || lower.contains(['<', '>', ',', ';', ' ', '"']) {
            return Err(like());
        }
        if !local.is_ascii() {
            return Err(
                "Use an address whose part before the @ has only plain letters, digits and . _ + - (most mail servers cannot deliver to others)."
                    .into(),
            );
        }
        let domain = checked_domain(domain)?;
        let address = format!("{local}@{domain}");
        if address.len() > 254 || address.parse::<lettre::Address>().is_err() {
            return Err(like());
        }
        Ok(EmailAddress(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Top-level names that never lead to a mailbox on the internet (RFC 6761, RFC 6762 and
/// common private suffixes): an address there is a typing slip or a probe of our own network.
const LOCAL_SUFFIXES: &[&str] = &[
    "localhost",
    "local",
    "localdomain",
    "internal",
    "intranet",
    "lan",
    "home",
    "corp",
    "invalid",
    "arpa",
];

/// The domain part in the form mail servers use (internationalised names as their `xn--`
/// ASCII form), or the sentence that says why it cannot be mailed.
fn checked_domain(domain: &str) -> Result<String, String> {
    let like = "Enter an email address like name@example.org.";
    if domain.starts_with('[') || domain.parse::<std::net::IpAddr>().is_ok() {
        return Err(
            "Use an address with a domain name (like name@example.org), not a server's numeric address."
                .into(),
        );
    }
    if !domain.is_ascii() {
        for label in domain.split('.') {
            if mixes_alphabets(label) {
                return Err(format!(
                    "The part after the @ mixes letters from different alphabets in \"{label}\" (for example a Cyrillic \"а\" among Latin letters), which is how look-alike addresses are made. Check it and type it again."
                ));
            }
        }
    }
    let ascii = idna::domain_to_ascii_strict(domain).map_err(|_| like.to_string())?;
    let labels: Vec<&str> = ascii.split('.').collect();
    let top = labels.last().copied().unwrap_or_default();
    if (labels.len() < 2 && !LOCAL_SUFFIXES.contains(&top)) || labels.iter().any(|l| l.is_empty()) {
        return Err(like.into());
    }
    if top.chars().all(|c| c.is_ascii_digit()) {
        return Err(
            "Use an address with a domain name (like name@example.org), not a server's numeric address."
                .into(),
        );
    }
    if LOCAL_SUFFIXES.contains(&top) {
        return Err(format!(
            "Mail to \"@{ascii}\" stays inside one computer or network: use an address that can receive mail from the internet, like name@example.org."
        ));
    }
    Ok(ascii)
}

/// Whether one domain label mixes Latin letters with Cyrillic or Greek ones.
fn mixes_alphabets(label: &str) -> bool {
    let (mut latin, mut cyrillic, mut greek) = (false, false, false);
    for c in label.chars() {
        match c as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F => latin = true,
            0x370..=0x3FF | 0x1F00..=0x1FFF => greek = true,
            0x400..=0x52F => cyrillic = true,
            _ => {}
        }
    }
    [latin, cyrillic, greek].iter().filter(|b| **b).count() > 1
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
            "user@[127.0.0.1]",
            "user@[IPv6:::1]",
            "user@127.0.0.1",
            "root@localhost",
            "root@localhost.",
            "ada@printer.local",
            "ada@db.internal",
            "ada@example.invalid",
            "ada@@example.org",
            "ada@exa_mple.org",
            // A Cyrillic "а" in "pаypal": a look-alike of a Latin domain.
            "billing@p\u{430}ypal.com",
            "\u{e9}l\u{e8}ve@example.org",
        ] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn internationalised_domains_are_stored_as_mail_servers_read_them() {
        assert_eq!(
            EmailAddress::parse("Kontakt@Bücher.Example")
                .expect("valid")
                .as_str(),
            "kontakt@xn--bcher-kva.example"
        );
        // Wholly Cyrillic is a real domain, not a look-alike.
        assert_eq!(
            EmailAddress::parse("info@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}")
                .expect("valid")
                .as_str(),
            "info@xn--e1afmkfd.xn--p1ai"
        );
        // Already in ASCII form: kept as typed.
        assert!(EmailAddress::parse("a@xn--bcher-kva.example").is_ok());
    }

    #[test]
    fn the_message_says_what_is_wrong() {
        let e = EmailAddress::parse("root@localhost").expect_err("local");
        assert!(
            e.contains("\"@localhost\" stays inside one computer"),
            "{e}"
        );
        let e = EmailAddress::parse("ada@printer.local").expect_err("local");
        assert!(e.contains("\"@printer.local\""), "{e}");
        let e = EmailAddress::parse("a@[10.0.0.1]").expect_err("literal");
        assert!(e.contains("numeric address"), "{e}");
        let e = EmailAddress::parse("a@p\u{430}ypal.com").expect_err("mixed");
        assert!(e.contains("different alphabets"), "{e}");
        let e = EmailAddress::parse("a@mail.lan").expect_err("lan");
        assert!(e.contains(".lan"), "{e}");
    }
}
