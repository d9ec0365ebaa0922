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

/// One column of a column chart, in drawing units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub x: i64,
    pub w: i64,
    /// Top of the column (`base_y - h`).
    pub y: i64,
    pub h: i64,
    /// Its centre, for a label under or above it.
    pub mid: i64,
}

/// Columns for `values`, side by side over `width` from `left`, each 70% of its slot and
/// rising from `base_y`; the largest value is `height` tall (nothing below zero is drawn).
pub fn columns(values: &[i64], left: i64, width: i64, base_y: i64, height: i64) -> Vec<Column> {
    let max = values.iter().copied().max().unwrap_or(0);
    let slot = width / (values.len().max(1) as i64);
    let w = (slot * 7 / 10).max(2);
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let h = scale(*v, max, height);
            let x = left + i as i64 * slot + (slot - w) / 2;
            Column {
                x,
                w,
                y: base_y - h,
                h,
                mid: x + w / 2,
            }
        })
        .collect()
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

    #[test]
    fn columns_share_the_width_and_stand_on_the_base() {
        let c = columns(&[10, 5, 0, -3], 20, 400, 200, 100);
        assert_eq!(c.len(), 4);
        assert_eq!((c[0].h, c[1].h, c[2].h, c[3].h), (100, 50, 0, 0));
        for col in &c {
            assert_eq!(col.y + col.h, 200);
            assert!(col.x >= 20 && col.x + col.w <= 420);
        }
        assert!(c[0].x < c[1].x);
        assert!(columns(&[], 0, 100, 10, 10).is_empty());
    }
}
