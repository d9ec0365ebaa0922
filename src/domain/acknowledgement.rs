//! A non-profit thanks, it does not advertise: finds calls to action and offers in text
//! shown to the public, so staff can look before publishing.

/// Phrases that read as advertising, matched case-insensitively.
const PHRASES: &[&str] = &[
    "buy now",
    "buy today",
    "order now",
    "order today",
    "shop now",
    "sign up today",
    "sign up now",
    "sign up",
    "subscribe now",
    "subscribe today",
    "register now",
    "get started today",
    "act now",
    "limited time",
    "limited offer",
    "special offer",
    "exclusive offer",
    "best price",
    "lowest price",
    "free trial",
    "try it free",
    "try for free",
    "discount",
    "coupon",
    "promo code",
    "use code",
    "% off",
    "percent off",
    "save up to",
    "don't miss",
    "click here",
    "call now",
    "book a demo",
    "request a demo",
];

/// A flagged span of the text (byte offsets) and the phrase that matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub start: usize,
    pub end: usize,
    pub phrase: String,
}

/// Every call to action or price in `text`, in order, not overlapping.
pub fn find(text: &str) -> Vec<Flag> {
    let lower = text.to_lowercase();
    // Lower-casing may change byte lengths for some scripts; then match on the original only.
    let hay = if lower.len() == text.len() {
        lower
    } else {
        text.to_string()
    };
    let mut flags: Vec<Flag> = Vec::new();
    for p in PHRASES {
        let mut from = 0;
        while let Some(i) = hay[from..].find(p) {
            let start = from + i;
            let mut end = start + p.len();
            let mut begin = start;
            if *p == "% off" {
                // Include the number: "20% off".
                while begin > 0 && hay.as_bytes()[begin - 1].is_ascii_digit() {
                    begin -= 1;
                }
            }
            // Whole words only: "act now" is not in "contact now", "sign up" not in "design up".
            let before_ok = begin == 0
                || !hay[..begin]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
            let after_ok = !hay[end..].chars().next().is_some_and(char::is_alphanumeric);
            if before_ok && after_ok && text.is_char_boundary(begin) && text.is_char_boundary(end) {
                flags.push(Flag {
                    start: begin,
                    end,
                    phrase: text[begin..end].to_string(),
                });
            }
            end = end.max(start + 1);
            from = end;
        }
    }
    // Prices: a currency sign or code next to a number ("$99", "€ 10", "99 USD").
    let bytes = hay.as_bytes();
    let mut i = 0;
    while i < hay.len() {
        let rest = &hay[i..];
        let sign_len = ["$", "€", "£", "¥"]
            .iter()
            .find(|s| rest.starts_with(**s))
            .map(|s| s.len());
        if let Some(sl) = sign_len {
            let mut j = i + sl;
            while j < hay.len() && bytes[j] == b' ' {
                j += 1;
            }
            let num_start = j;
            while j < hay.len()
                && (bytes[j].is_ascii_digit() || bytes[j] == b',' || bytes[j] == b'.')
            {
                j += 1;
            }
            if j > num_start && bytes[num_start].is_ascii_digit() {
                let end = if bytes[j - 1] == b'.' || bytes[j - 1] == b',' {
                    j - 1
                } else {
                    j
                };
                flags.push(Flag {
                    start: i,
                    end,
                    phrase: text[i..end].to_string(),
                });
                i = end;
                continue;
            }
        }
        i += rest.chars().next().map(|c| c.len_utf8()).unwrap_or(1);
    }
    // Prices written with a currency code after the number: "99 USD", "1,500 EUR".
    for code in crate::domain::money::CURRENCIES.iter().map(|(c, _)| *c) {
        let mut from = 0;
        while let Some(i) = text[from..].find(code) {
            let at = from + i;
            from = at + code.len();
            let after_ok = !text[from..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
            let before = text[..at].trim_end_matches(' ');
            let digits_start = before
                .char_indices()
                .rev()
                .take_while(|(_, c)| c.is_ascii_digit() || *c == ',' || *c == '.')
                .last()
                .map(|(i, _)| i);
            if let Some(start) = digits_start {
                let word_start = start == 0
                    || !before[..start]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_alphanumeric);
                if after_ok
                    && word_start
                    && before[start..].starts_with(|c: char| c.is_ascii_digit())
                {
                    flags.push(Flag {
                        start,
                        end: from,
                        phrase: text[start..from].to_string(),
                    });
                }
            }
        }
    }
    flags.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
    let mut out: Vec<Flag> = Vec::new();
    for f in flags {
        if out.last().is_some_and(|l| f.start < l.end) {
            continue;
        }
        out.push(f);
    }
    out
}

/// A piece of text, flagged or not, for templates to highlight without building HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub flagged: bool,
}

/// Splits `text` into plain and flagged segments.
pub fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = 0;
    for f in find(text) {
        if f.start > at {
            out.push(Segment {
                text: text[at..f.start].to_string(),
                flagged: false,
            });
        }
        out.push(Segment {
            text: text[f.start..f.end].to_string(),
            flagged: true,
        });
        at = f.end;
    }
    if at < text.len() {
        out.push(Segment {
            text: text[at..].to_string(),
            flagged: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrases(t: &str) -> Vec<String> {
        find(t).into_iter().map(|f| f.phrase).collect()
    }

    #[test]
    fn flags_offers_and_calls_to_action() {
        assert_eq!(
            phrases("Buy now and get 20% off!"),
            vec!["Buy now", "20% off"]
        );
        assert_eq!(
            phrases("Sign up today for a FREE TRIAL"),
            vec!["Sign up today", "FREE TRIAL"]
        );
        assert_eq!(
            phrases("Plans from $99/month or €1.500"),
            vec!["$99", "€1.500"]
        );
        assert_eq!(
            phrases("Use code PYTHON for a discount."),
            vec!["Use code", "discount"]
        );
    }

    #[test]
    fn leaves_honest_thanks_alone() {
        assert!(
            find("Acme Cloud donates CDN bandwidth to the foundation's package index.").is_empty()
        );
        assert!(find("Merci à Société Générale — 感谢 — for 10 years of support").is_empty());
        assert!(find("Costs $ and cents").is_empty());
        assert!(
            find("Contact now for the design update").is_empty(),
            "whole words only"
        );
        assert!(find("Visit our USDA partners").is_empty());
    }

    #[test]
    fn segments_cover_the_text() {
        let t = "Hello — buy now, ünïcode";
        let s = segments(t);
        assert_eq!(s.iter().map(|x| x.text.as_str()).collect::<String>(), t);
        assert_eq!(s.iter().filter(|x| x.flagged).count(), 1);
    }
}
