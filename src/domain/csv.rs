//! CSV exports as RFC 4180 writes them (a header row, CRLF line ends, a field quoted when it
//! holds a comma, a quote or a line break, quotes doubled), safe to open in a spreadsheet: a
//! text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab
//! or a carriage return) gets a leading `'`. Amounts are integers we write ourselves, never
//! text from a request, so they stay numbers (`-250` is a clawback, not a formula).

/// One field of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Any text, quoted and defused against formulas as needed.
    Text(&'a str),
    /// A number we computed, such as an amount in minor units: written as is.
    Int(i64),
    /// An absent value (`null` in JSON): an empty field.
    Empty,
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Cell<'a> {
        Cell::Text(s)
    }
}

impl<'a> From<Option<&'a str>> for Cell<'a> {
    fn from(s: Option<&'a str>) -> Cell<'a> {
        s.map_or(Cell::Empty, Cell::Text)
    }
}

impl From<i64> for Cell<'_> {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

/// A CSV document, built a row at a time.
pub struct Csv {
    out: String,
    columns: usize,
}

impl Csv {
    /// A document holding the header row; the header's width is every row's width.
    pub fn new(header: &[&str]) -> Csv {
        let mut csv = Csv { out: String::new(), columns: header.len() };
        csv.row(&header.iter().map(|h| Cell::Text(h)).collect::<Vec<_>>());
        csv
    }

    /// Appends a row; a row of another width than the header is padded or cut to it, so
    /// the document stays rectangular whatever a caller passes.
    pub fn row(&mut self, cells: &[Cell<'_>]) {
        for i in 0..self.columns {
            if i > 0 {
                self.out.push(',');
            }
            match cells.get(i).copied().unwrap_or(Cell::Empty) {
                Cell::Text(s) => push_text(&mut self.out, s),
                Cell::Int(n) => self.out.push_str(&n.to_string()),
                Cell::Empty => {}
            }
        }
        self.out.push_str("\r\n");
    }

    /// The document's text, every row ended by CRLF.
    pub fn finish(self) -> String {
        self.out
    }
}

fn push_text(out: &mut String, s: &str) {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = s.contains([',', '"', '\r', '\n']);
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quoted {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(cell: Cell<'_>) -> String {
        let mut csv = Csv::new(&["x"]);
        csv.row(&[cell]);
        csv.finish().trim_start_matches("x\r\n").trim_end_matches("\r\n").to_string()
    }

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(one("plain".into()), "plain");
        assert_eq!(one("a,b".into()), "\"a,b\"");
        assert_eq!(one("say \"hi\"".into()), "\"say \"\"hi\"\"\"");
        assert_eq!(one("two\nlines".into()), "\"two\nlines\"");
        assert_eq!(one("cr\rlf".into()), "\"cr\rlf\"");
        assert_eq!(one("".into()), "");
        assert_eq!(one(Cell::Empty), "");
        assert_eq!(one("naïve 東京".into()), "naïve 東京");
    }

    #[test]
    fn formulas_are_defused_and_numbers_are_not() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"] {
            assert_eq!(one(s.into()), format!("'{s}"), "{s:?}");
        }
        assert_eq!(one("=HYPERLINK(\"http://x\",\"a\")".into()), "\"'=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\"");
        assert_eq!(one("\r=1".into()), "\"'\r=1\"");
        assert_eq!(one("a=1".into()), "a=1");
        assert_eq!(one(Cell::Int(-250)), "-250");
        assert_eq!(one(Cell::Int(i64::MIN)), "-9223372036854775808");
    }

    #[test]
    fn rows_end_in_crlf_and_keep_the_header_width() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(&["1".into(), Cell::Int(2)]);
        csv.row(&["only".into()]);
        csv.row(&["x".into(), "y".into(), "dropped".into()]);
        assert_eq!(csv.finish(), "a,b\r\n1,2\r\nonly,\r\nx,y\r\n");
    }
}
