//! Layout helpers shared by the server-drawn SVG charts (the grants budget, the conference
//! budget): scaling an amount to drawing units and shortening labels to fit.

/// `value` of `max` as a length in drawing units, within `0..=full` (never negative, never
/// past the plot, and no overflow however large the amounts).
pub fn scale(value: i64, max: i64, full: i64) -> i64 {
    if max <= 0 || value <= 0 {
        return 0;
    }
    let w = i128::from(value) * i128::from(full) / i128::from(max);
    i64::try_from(w).unwrap_or(full).clamp(0, full)
}

/// `name` cut to at most `chars` characters, with an ellipsis when it was longer.
pub fn shorten(name: &str, chars: usize) -> String {
    if name.chars().count() <= chars {
        return name.to_string();
    }
    let mut s: String = name.chars().take(chars.saturating_sub(1)).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_stays_in_the_plot() {
        assert_eq!(scale(5, 0, 100), 0);
        assert_eq!(scale(-5, 10, 100), 0);
        assert_eq!(scale(5, 10, 100), 50);
        assert_eq!(scale(50, 10, 100), 100);
        assert_eq!(scale(i64::MAX, i64::MAX, 700), 700);
        assert_eq!(shorten("Venue", 20), "Venue");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abcdef", 4).chars().count(), 4);
    }
}
