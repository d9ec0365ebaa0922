//! URL slugs: lower-case ASCII letters, digits and single hyphens.

/// Makes a slug from a name ("Acme Cloud, Inc." → "acme-cloud-inc"); may be empty for
/// names with no Latin letters or digits (the caller then asks for one).
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = base_letter(c);
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    out.chars()
        .take(80)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// The Latin base letter of a common accented letter ("é" → "e"); other characters as they are.
pub fn base_letter(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => 's',
        other => other,
    }
}

/// Text folded for searching: lower case, accents removed ("Société" → "societe").
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(base_letter)
        .collect()
}

/// Legal-form words that do not tell two organisations apart ("Acme Ltd." is Acme).
const LEGAL_FORMS: &[&str] = &[
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "llp",
    "lp",
    "plc",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "ab",
    "as",
    "asa",
    "oy",
    "pty",
    "the",
];

/// What identifies an organisation's name when checking for one we already know: the slug
/// without legal-form words, so "Xenon Analytics Ltd." and "xenon analytics" match. Empty
/// when nothing is left (then only the full slug is compared).
pub fn organisation_key(name: &str) -> String {
    // "S.A." and "Inc." are words here, not letters.
    slugify(&name.replace('.', ""))
        .split('-')
        .filter(|w| !w.is_empty() && !LEGAL_FORMS.contains(w))
        .collect::<Vec<_>>()
        .join("-")
}

/// True for a string that could be one of our slugs (lower-case ASCII letters, digits and
/// hyphens, at most 100 bytes): anything else in a public URL is a 404 without a query.
pub fn looks_like_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks a slug typed by staff.
pub fn parse_slug(input: &str) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Enter a short name for the web address, like acme-cloud.".into());
    }
    if s.len() > 80 {
        return Err("Use at most 80 characters.".into());
    }
    let ok = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if !ok {
        return Err(
            "Use lower-case letters, digits and single hyphens only, like acme-cloud.".into(),
        );
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn organisation_keys_ignore_legal_forms_case_and_accents() {
        assert_eq!(organisation_key("Xenon Analytics Ltd."), "xenon-analytics");
        assert_eq!(organisation_key("xenon analytics"), "xenon-analytics");
        assert_eq!(
            organisation_key("Société Générale S.A."),
            "societe-generale"
        );
        assert_eq!(organisation_key("The Acme Company, Inc."), "acme");
        // Different organisations stay different.
        assert_ne!(organisation_key("Acme Cloud"), organisation_key("Acme"));
        // Nothing but legal words: no key (the full slug is compared instead).
        assert_eq!(organisation_key("Co Ltd"), "");
    }

    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme Cloud, Inc."), "acme-cloud-inc");
        assert_eq!(slugify("  Société Générale  "), "societe-generale");
        assert_eq!(slugify("株式会社"), "");
        assert!(parse_slug("acme-cloud").is_ok());
        assert_eq!(fold("Société GÉNÉRALE"), "societe generale");
        assert_eq!(fold("株式会社"), "株式会社");
        for bad in ["", "Acme", "a--b", "-a", "a-", "a/b", "../x", "a b"] {
            assert!(parse_slug(bad).is_err(), "{bad}");
        }
    }
}
