//! Tier benefits as staff type them: one per line, an optional quantity first
//! ("4 × conference passes", "4 x conference passes", "Logo on the website").

/// One benefit: its description and optional quantity.
pub type BenefitLine = (String, Option<i32>);

/// Most benefits a tier may list.
pub const MAX_BENEFITS: usize = 50;

/// Parses the benefits textarea into (description, quantity) in order.
pub fn parse_benefits(input: &str) -> Result<Vec<BenefitLine>, String> {
    let mut out = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.chars().count() > 200 {
            return Err(format!("Line {} is longer than 200 characters.", n + 1));
        }
        if line.chars().any(|c| c.is_control()) {
            return Err(format!(
                "Line {} contains characters that cannot be shown.",
                n + 1
            ));
        }
        let digits: String = line.chars().take_while(|c| c.is_ascii_digit()).collect();
        let rest = line[digits.len()..].trim_start();
        let after_sep = rest
            .strip_prefix('×')
            .or_else(|| rest.strip_prefix("x "))
            .or_else(|| rest.strip_prefix("X "))
            .map(str::trim_start);
        match (digits.is_empty(), after_sep) {
            (false, Some(desc)) if !desc.is_empty() => {
                let q: i32 = digits
                    .parse()
                    .map_err(|_| format!("Line {}: the quantity is too large.", n + 1))?;
                if q == 0 || q > 100_000 {
                    return Err(format!(
                        "Line {}: the quantity must be between 1 and 100000.",
                        n + 1
                    ));
                }
                out.push((desc.to_string(), Some(q)));
            }
            _ => out.push((line.to_string(), None)),
        }
    }
    if out.len() > MAX_BENEFITS {
        return Err(format!("List at most {MAX_BENEFITS} benefits."));
    }
    Ok(out)
}

/// The textarea text for stored benefits.
pub fn format_benefits(items: &[(String, Option<i32>)]) -> String {
    items
        .iter()
        .map(|(d, q)| match q {
            Some(q) => format!("{q} × {d}"),
            None => d.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benefits() {
        let b = parse_benefits(
            "4 × conference passes\n\n2 x booth staff\nLogo on the website\n10 years of thanks",
        )
        .unwrap();
        assert_eq!(
            b,
            vec![
                ("conference passes".to_string(), Some(4)),
                ("booth staff".to_string(), Some(2)),
                ("Logo on the website".to_string(), None),
                ("10 years of thanks".to_string(), None),
            ]
        );
        assert_eq!(
            format_benefits(&b[..2]),
            "4 × conference passes\n2 × booth staff"
        );
        assert!(parse_benefits("0 × passes").is_err());
        assert!(parse_benefits("99999999999 × passes").is_err());
        assert!(parse_benefits(&"x\n".repeat(51)).is_err());
    }
}
