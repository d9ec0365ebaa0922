//! Countries by ISO 3166-1 alpha-2 code (the list shipped with tzdata, public domain).

use std::sync::LazyLock;

/// Every country as `(code, name)`, sorted by name for select boxes.
pub static COUNTRIES: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    let mut v: Vec<(&str, &str)> = include_str!("countries.tsv")
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .collect();
    v.sort_by(|a, b| a.1.cmp(b.1));
    v
});

/// The name of a country code ("GH" → "Ghana").
pub fn name(code: &str) -> Option<&'static str> {
    COUNTRIES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// Parses a country chosen from the list (its code); `label` names the field.
pub fn parse(input: &str, label: &str) -> Result<&'static str, String> {
    let up = input.trim().to_ascii_uppercase();
    if up.is_empty() {
        return Err(format!("Choose {label}."));
    }
    COUNTRIES
        .iter()
        .find(|(c, _)| *c == up)
        .map(|(c, _)| *c)
        .ok_or_else(|| format!("Choose {label} from the list."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries() {
        assert!(COUNTRIES.len() > 240);
        assert_eq!(name("GH"), Some("Ghana"));
        assert_eq!(parse("gh", "the country").unwrap(), "GH");
        assert!(
            parse("", "the country")
                .unwrap_err()
                .contains("Choose the country")
        );
        assert!(parse("XX", "the country").is_err());
        assert!(parse("<script>", "the country").is_err());
    }
}
