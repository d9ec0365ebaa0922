//! Web addresses typed by people: http and https only.

/// Parses a website address; adds https:// when the scheme is missing.
pub fn parse_website(input: &str) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Enter a web address.".into());
    }
    if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("A web address cannot contain spaces or line breaks.".into());
    }
    if s.len() > 500 {
        return Err("That web address is too long.".into());
    }
    let lower = s.to_ascii_lowercase();
    let with_scheme = if lower.starts_with("http://") || lower.starts_with("https://") {
        s.to_string()
    } else if lower.contains(':') && !lower.contains('.')
        || lower.starts_with("javascript:")
        || lower.starts_with("data:")
        || lower.starts_with("vbscript:")
        || lower.starts_with("file:")
    {
        return Err("Only http:// and https:// addresses are allowed.".into());
    } else if let Some((scheme, _)) = lower.split_once("://") {
        return Err(format!(
            "Only http:// and https:// addresses are allowed, not {scheme}://."
        ));
    } else {
        format!("https://{s}")
    };
    let u = url::Url::parse(&with_scheme)
        .map_err(|_| "Enter a web address like https://example.org.".to_string())?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err("Only http:// and https:// addresses are allowed.".into());
    }
    let host = u.host_str().unwrap_or("");
    if host.is_empty() || (!host.contains('.') && host != "localhost") {
        return Err("Enter a web address like https://example.org.".into());
    }
    if u.username() != "" || u.password().is_some() {
        return Err("A web address must not contain a user name or password.".into());
    }
    Ok(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websites() {
        assert_eq!(
            parse_website("example.org").unwrap(),
            "https://example.org/"
        );
        assert_eq!(
            parse_website("http://example.org/x?y=1").unwrap(),
            "http://example.org/x?y=1"
        );
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://example.org",
            "vbscript:x",
            "https://user:pw@example.org",
            "http://",
            "exa mple.org",
            "https://example.org/\r\nX",
            "nohost",
        ] {
            assert!(parse_website(bad).is_err(), "{bad}");
        }
    }
}
