//! Money: integer minor units and an ISO 4217 currency. Never floats.

use std::fmt;

/// Currencies we accept, with their number of minor-unit digits.
pub const CURRENCIES: &[(&str, u32)] = &[
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("CHF", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("NZD", 2),
    ("INR", 2),
    ("BRL", 2),
    ("MXN", 2),
    ("ZAR", 2),
    ("SGD", 2),
    ("PLN", 2),
    ("CZK", 2),
    ("JPY", 0),
    ("KRW", 0),
];

/// Amounts above this (in minor units) are refused: far beyond any real sponsorship, and far
/// from i64 overflow when summed.
pub const MAX_MINOR: i64 = 1_000_000_000_000;

/// The US dollar, the default foundation currency.
pub const USD: Currency = Currency("USD", 2);

/// An ISO 4217 currency code we know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency(&'static str, u32);

impl Currency {
    pub fn parse(s: &str) -> Result<Currency, String> {
        let up = s.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == up)
            .map(|(c, e)| Currency(c, *e))
            .ok_or_else(|| {
                format!(
                    "Choose a currency from the list (e.g. USD, EUR, GBP), not {:?}.",
                    s.trim()
                )
            })
    }
    pub fn code(self) -> &'static str {
        self.0
    }
    pub fn exponent(self) -> u32 {
        self.1
    }
    /// The sign written before amounts ("$"), or "" for a currency written by its code.
    pub fn symbol(self) -> &'static str {
        match self.0 {
            "USD" => "$",
            "EUR" => "€",
            "GBP" => "£",
            "JPY" => "¥",
            _ => "",
        }
    }
}

/// An amount of money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Rebuilds a stored amount; an unknown stored currency is an error, not a guess.
    pub fn from_db(minor: i64, currency: &str) -> Result<Money, String> {
        Ok(Money::new(minor, Currency::parse(currency)?))
    }

    /// Parses an amount as people type it: "1500", "1,500.00", "1 500.00", "$1,500" for USD;
    /// "1500,50", "1,5" and "1 500,5" are refused (a decimal comma is ambiguous here). Negative, exponent, too many decimals or too large are
    /// refused with a sentence.
    pub fn parse(input: &str, currency: Currency) -> Result<Money, String> {
        let mut s = input.trim().to_string();
        if s.is_empty() {
            return Err("Enter an amount.".into());
        }
        for sym in ["$", "€", "£", "¥", currency.code()] {
            if let Some(rest) = s.strip_prefix(sym) {
                s = rest.trim().to_string();
            }
            if let Some(rest) = s.strip_suffix(sym) {
                s = rest.trim().to_string();
            }
        }
        if s.starts_with('-') {
            return Err("The amount cannot be negative.".into());
        }
        // Grouping separators (comma or space) are allowed only between groups of three
        // digits before the decimal point: "1,500.50" yes; "1500,50" or "1,5" — a decimal
        // comma, or a typo — would silently change the amount, so they are refused.
        let (int_part, _) = s.split_once('.').unwrap_or((s.as_str(), ""));
        if s.split_once('.')
            .is_some_and(|(_, f)| f.contains([',', ' ']))
        {
            return Err("Use a point for decimals, like 1,500.50.".into());
        }
        if int_part.contains([',', ' ']) {
            let groups: Vec<&str> = int_part.split([',', ' ']).collect();
            let ok = !groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|g| g.len() == 3);
            if !ok {
                return Err(
                    "Use a point for decimals and commas only between thousands, like 1,500.50."
                        .into(),
                );
            }
        }
        let cleaned: String = s.chars().filter(|c| *c != ',' && *c != ' ').collect();
        if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err("Enter the amount in figures, like 1500 or 1,500.00.".into());
        }
        let (whole, frac) = match cleaned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (cleaned.as_str(), ""),
        };
        if frac.contains('.') || (whole.is_empty() && frac.is_empty()) {
            return Err("Enter the amount in figures, like 1500 or 1,500.00.".into());
        }
        let exp = currency.exponent() as usize;
        if frac.len() > exp {
            return Err(if exp == 0 {
                format!(
                    "{} has no smaller unit: enter a whole amount.",
                    currency.code()
                )
            } else {
                format!("Use at most {exp} digits after the decimal point.")
            });
        }
        let too_big = || {
            format!(
                "That amount is too large (at most {}).",
                Money::new(MAX_MINOR, currency)
            )
        };
        let whole: i64 = if whole.is_empty() {
            0
        } else if whole.len() > 15 {
            return Err(too_big());
        } else {
            whole.parse().map_err(|_| too_big())?
        };
        let mut frac_padded = frac.to_string();
        while frac_padded.len() < exp {
            frac_padded.push('0');
        }
        let frac: i64 = if frac_padded.is_empty() {
            0
        } else {
            frac_padded.parse().map_err(|_| too_big())?
        };
        let minor = whole
            .checked_mul(10i64.pow(exp as u32))
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(too_big)?;
        if minor > MAX_MINOR {
            return Err(too_big());
        }
        Ok(Money::new(minor, currency))
    }

    /// An optional amount: None when left empty, else as `parse`.
    pub fn parse_optional(input: &str, currency: Currency) -> Result<Option<Money>, String> {
        if input.trim().is_empty() {
            return Ok(None);
        }
        Money::parse(input, currency).map(Some)
    }

    /// The amount as an editable figure without symbol or grouping: "1500.00".
    pub fn plain(&self) -> String {
        let exp = self.currency.exponent();
        if exp == 0 {
            return self.minor.to_string();
        }
        let div = 10i64.pow(exp);
        format!(
            "{}.{:0width$}",
            self.minor / div,
            (self.minor % div).abs(),
            width = exp as usize
        )
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Some(Money::new(
            self.minor.checked_add(other.minor)?,
            self.currency,
        ))
    }
}

impl fmt::Display for Money {
    /// "$1,500.00", "€12,000.00", "¥5,000", "1,500.00 CHF".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exp = self.currency.exponent();
        let div = 10i64.pow(exp);
        let neg = self.minor < 0;
        let abs = self.minor.unsigned_abs();
        let whole = abs / div as u64;
        let frac = abs % div as u64;
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let number = if exp == 0 {
            grouped
        } else {
            format!("{grouped}.{frac:0width$}", width = exp as usize)
        };
        let sign = if neg { "-" } else { "" };
        match self.currency.symbol() {
            "" => write!(f, "{sign}{number} {}", self.currency.code()),
            sym => write!(f, "{sign}{sym}{number}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("usd").unwrap()
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(Money::parse("1500", usd()).unwrap().minor, 150_000);
        assert_eq!(Money::parse("1,500.00", usd()).unwrap().minor, 150_000);
        assert_eq!(Money::parse(" $1,500.5 ", usd()).unwrap().minor, 150_050);
        assert_eq!(Money::parse("0.99", usd()).unwrap().minor, 99);
        assert_eq!(Money::parse(".5", usd()).unwrap().minor, 50);
        assert_eq!(Money::parse("0", usd()).unwrap().minor, 0);
        assert_eq!(Money::parse("1 500 000", usd()).unwrap().minor, 150_000_000);
        assert_eq!(
            Money::parse("12,345,678.90", usd()).unwrap().minor,
            1_234_567_890
        );
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::parse("5000", jpy).unwrap().minor, 5000);
    }

    #[test]
    fn refuses_nonsense_with_a_reason() {
        for bad in [
            "",
            "-5",
            "abc",
            "1e9999",
            "1.2.3",
            "1.234",
            "NaN",
            "inf",
            "12 34.5.6",
            "١٢٣",
        ] {
            assert!(Money::parse(bad, usd()).is_err(), "{bad:?}");
        }
        assert!(
            Money::parse("99999999999999999999", usd())
                .unwrap_err()
                .contains("too large")
        );
        assert!(Money::parse("10000000001", usd()).is_err());
        assert!(
            Money::parse("10.5", Currency::parse("JPY").unwrap())
                .unwrap_err()
                .contains("whole amount")
        );
        assert!(Currency::parse("XXX").is_err());
        assert!(Currency::parse("").is_err());
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(Money::new(150_000, usd()).to_string(), "$1,500.00");
        assert_eq!(Money::new(5, usd()).to_string(), "$0.05");
        assert_eq!(
            Money::new(123_456_789, Currency::parse("CHF").unwrap()).to_string(),
            "1,234,567.89 CHF"
        );
        assert_eq!(
            Money::new(5000, Currency::parse("JPY").unwrap()).to_string(),
            "¥5,000"
        );
        assert_eq!(Money::new(150_000, usd()).plain(), "1500.00");
        assert_eq!(Money::new(-250, usd()).to_string(), "-$2.50");
    }

    #[test]
    fn adding_checks_currency_and_overflow() {
        let a = Money::new(i64::MAX, usd());
        assert!(a.checked_add(Money::new(1, usd())).is_none());
        assert!(
            Money::new(1, usd())
                .checked_add(Money::new(1, Currency::parse("EUR").unwrap()))
                .is_none()
        );
    }
}
