//! CSV for spreadsheets: RFC 4180 quoting, UTF-8 with a byte-order mark so Excel reads it,
//! and cells that a spreadsheet would run as a formula neutralised.

/// Builds a CSV document row by row.
#[derive(Default)]
pub struct Csv {
    out: String,
}

impl Csv {
    pub fn new() -> Csv {
        Csv {
            out: String::from("\u{feff}"),
        }
    }

    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut first = true;
        for c in cells {
            if !first {
                self.out.push(',');
            }
            first = false;
            self.out.push_str(&cell(c.as_ref()));
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// One cell: a leading = + - @ (or tab/CR) gets a quote mark so it stays text; quoted when
/// it holds a comma, quote or line break.
pub fn cell(value: &str) -> String {
    let needs_guard = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    // A plain negative number is data, not a formula.
    let is_number = value.parse::<f64>().is_ok() && !value.contains(['e', 'E']);
    let v = if needs_guard && !is_number {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_injection() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(
            cell("=HYPERLINK(\"http://evil\")"),
            "\"'=HYPERLINK(\"\"http://evil\"\")\""
        );
        assert_eq!(cell("+1+1"), "'+1+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("-1500.00"), "-1500.00");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
        let mut c = Csv::new();
        c.row(["a", "b"]);
        assert_eq!(c.finish(), "\u{feff}a,b\r\n");
    }
}
