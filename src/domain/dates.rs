//! Dates typed by people (ISO format, as browsers' date fields send them).

use chrono::NaiveDate;

/// Parses `YYYY-MM-DD` within a sane range.
pub fn parse_date(input: &str, label: &str) -> Result<NaiveDate, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("Enter {label}."));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("Enter {label} as a date like 2027-01-31."))?;
    if d.year_ce().1 < 2000 || d.year_ce().1 > 2200 {
        return Err(format!("Enter {label} between the years 2000 and 2200."));
    }
    Ok(d)
}

use chrono::Datelike;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(parse_date("2027-01-31", "the start").is_ok());
        assert_eq!(parse_date("", "the start").unwrap_err(), "Enter the start.");
        for bad in [
            "31/01/2027",
            "2027-02-30",
            "2027-1-1x",
            "99999-01-01",
            "1900-01-01",
            "tomorrow",
        ] {
            assert!(parse_date(bad, "the start").is_err(), "{bad}");
        }
    }
}
