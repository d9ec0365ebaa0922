//! Free text fields: trimmed, length-checked, single-line where it matters.

/// An optional single-line text field ("" when left empty).
/// Longest postal address printed on invoices, in characters (the application form and the
/// portal take the same).
pub const BILLING_ADDRESS_MAX: usize = 500;

pub fn optional_single_line(input: &str, label: &str, max: usize) -> Result<String, String> {
    if input.trim().is_empty() {
        return Ok(String::new());
    }
    single_line(input, label, max)
}

/// A required single-line text field of at most `max` characters.
pub fn single_line(input: &str, label: &str, max: usize) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("Enter {label}."));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(format!("{} must be on one line.", capitalise(label)));
    }
    if s.chars().count() > max {
        return Err(format!(
            "{} must be at most {max} characters.",
            capitalise(label)
        ));
    }
    Ok(s.to_string())
}

/// An optional multi-line text field of at most `max` characters (CR LF normalised to LF).
pub fn optional_multi_line(input: &str, label: &str, max: usize) -> Result<String, String> {
    let s = input.replace("\r\n", "\n");
    let s = s.trim();
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(format!(
            "{} contains characters that cannot be shown.",
            capitalise(label)
        ));
    }
    if s.chars().count() > max {
        return Err(format!(
            "{} must be at most {max} characters.",
            capitalise(label)
        ));
    }
    Ok(s.to_string())
}

fn capitalise(s: &str) -> String {
    let s = s
        .strip_prefix("a ")
        .or_else(|| s.strip_prefix("an "))
        .or_else(|| s.strip_prefix("the "))
        .unwrap_or(s);
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `s` encoded for a URL's query string.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Digits grouped by thousands: 12,345.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Paths whose last segment is a private token: a sponsor's or an applicant's portal entry,
/// a staff member's set-password and first-run links.
const PRIVATE_LINK_PATHS: [&str; 3] = ["/portal/enter/", "/account/set-password/", "/setup/"];

/// What a hidden token reads as on screen.
pub const HIDDEN_TOKEN: &str = "[private link hidden]";

/// `text` with the token of every private link replaced by [`HIDDEN_TOKEN`], for showing an
/// email to staff: whoever reads the screen must not be able to enter a sponsor's or an
/// applicant's portal as them. What follows the token (`?next=…`) is kept.
pub fn mask_private_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = PRIVATE_LINK_PATHS
            .iter()
            .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
            .min();
        let Some((at, len)) = next else {
            out.push_str(rest);
            return out;
        };
        let (before, after) = rest.split_at(at + len);
        out.push_str(before);
        let token_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(after.len());
        if token_len > 0 {
            out.push_str(HIDDEN_TOKEN);
        }
        rest = &after[token_len..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_links_are_masked_and_the_rest_kept() {
        let body = "Open https://f.example/portal/enter/AbC-12_x?next=/portal/invoices/5 now.\n\
                    Grants: https://f.example/grants/portal/enter/ZZZ9.\n\
                    Set: https://f.example/account/set-password/tok and /setup/s3cr3t\n\
                    Public: https://f.example/portal/link and /sponsors/acme";
        let m = mask_private_links(body);
        for token in ["AbC-12_x", "ZZZ9", "tok ", "s3cr3t"] {
            assert!(!m.contains(token), "{token} left in {m}");
        }
        assert!(m.contains("/portal/enter/[private link hidden]?next=/portal/invoices/5 now."));
        assert!(m.contains("/grants/portal/enter/[private link hidden]."));
        assert!(m.contains("/portal/link and /sponsors/acme"));
        assert_eq!(mask_private_links("no links"), "no links");
        assert_eq!(mask_private_links("/portal/enter/"), "/portal/enter/");
        // HTML attributes too.
        assert_eq!(
            mask_private_links(r#"<a href="https://x/portal/enter/abc">"#),
            r#"<a href="https://x/portal/enter/[private link hidden]">"#
        );
    }

    #[test]
    fn single_line_rules() {
        assert_eq!(
            single_line("  Ada Lovelace ", "a name", 100).expect("ok"),
            "Ada Lovelace"
        );
        assert_eq!(single_line("", "a name", 100).unwrap_err(), "Enter a name.");
        assert_eq!(
            single_line("a\r\nb", "a name", 100).unwrap_err(),
            "Name must be on one line."
        );
        assert!(single_line(&"x".repeat(101), "a name", 100).is_err());
        assert!(single_line("李小龍", "a name", 3).is_ok());
    }

    #[test]
    fn multi_line_rules() {
        assert_eq!(
            optional_multi_line("a\r\nb", "notes", 10).expect("ok"),
            "a\nb"
        );
        assert!(optional_multi_line("a\u{0}b", "notes", 10).is_err());
        assert_eq!(optional_multi_line("   ", "notes", 10).expect("ok"), "");
    }
}
