//! CSV for spreadsheets: RFC 4180 quoting by the `csv` crate, UTF-8 with a byte-order mark
//! so Excel reads it, CRLF line ends, and cells that a spreadsheet would run as a formula
//! neutralised. A download is written in pieces (`Csv::continued` for every piece after the
//! first), so a long export never has to be held whole in memory.

use std::borrow::Cow;

/// Writes CSV rows into a buffer, one piece of a download at a time.
pub struct Csv {
    out: csv::Writer<Vec<u8>>,
}

impl Default for Csv {
    fn default() -> Csv {
        Csv::new()
    }
}

impl Csv {
    /// The first piece of a document: starts with the byte-order mark.
    pub fn new() -> Csv {
        let mut buf = Vec::with_capacity(8 * 1024);
        buf.extend_from_slice("\u{feff}".as_bytes());
        Csv::over(buf)
    }

    /// A later piece of the same document: no byte-order mark.
    pub fn continued() -> Csv {
        Csv::over(Vec::with_capacity(64 * 1024))
    }

    fn over(buf: Vec<u8>) -> Csv {
        Csv {
            out: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .flexible(true)
                .from_writer(buf),
        }
    }

    /// One row; every cell neutralised.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        // Writing into a Vec cannot fail.
        let _ = self.out.write_record(&cells);
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        // Flushing into a Vec cannot fail.
        self.out.into_inner().unwrap_or_default()
    }

    /// The document as text.
    pub fn finish(self) -> String {
        String::from_utf8(self.into_bytes()).unwrap_or_default()
    }
}

/// A cell a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or CR) gets a
/// quote mark in front so it stays text; a plain negative number is data and stays as it is.
pub fn neutralise(value: &str) -> Cow<'_, str> {
    let needs_guard = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let is_number = value.parse::<f64>().is_ok() && !value.contains(['e', 'E']);
    if needs_guard && !is_number {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(value: &str) -> String {
        let mut c = Csv::continued();
        c.row([value]);
        c.finish().trim_end_matches("\r\n").to_string()
    }

    #[test]
    fn quoting_and_injection() {
        assert_eq!(one("plain"), "plain");
        assert_eq!(one("a,b"), "\"a,b\"");
        assert_eq!(one("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(
            one("=HYPERLINK(\"http://evil\")"),
            "\"'=HYPERLINK(\"\"http://evil\"\")\""
        );
        assert_eq!(one("+1+1"), "'+1+1");
        assert_eq!(one("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(one("-2+3"), "'-2+3");
        assert_eq!(one("-1500.00"), "-1500.00");
        assert_eq!(one("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(one("\tTAB"), "'\tTAB");
        let mut c = Csv::new();
        c.row(["a", "b"]);
        assert_eq!(c.finish(), "\u{feff}a,b\r\n");
    }

    #[test]
    fn pieces_join_into_one_document() {
        let mut first = Csv::new();
        first.row(["Name", "Note"]);
        first.row(["Ada", ""]);
        let mut second = Csv::continued();
        second.row(["Grace", "x,y"]);
        let mut doc = first.into_bytes();
        doc.extend(second.into_bytes());
        assert_eq!(
            String::from_utf8(doc).expect("utf-8"),
            "\u{feff}Name,Note\r\nAda,\r\nGrace,\"x,y\"\r\n"
        );
    }
}
