//! A small RFC 4180 reader and writer: quoted fields, doubled quotes, commas and line breaks inside
//! quotes, CRLF or LF, a leading byte-order mark. It never panics; a malformed file is an error that
//! names the line.

/// One record and the line of the file it starts on (1-based; the header is line 1 in a usual file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The opening every import shares: a size limit, the records, and a first line naming the columns.
/// Returns the header and the data rows, or the problem with the file as a whole (its line and message).
pub fn read_table(text: &str, max_bytes: usize, columns_hint: &str) -> Result<(Record, Vec<Record>), (usize, String)> {
    if text.len() > max_bytes {
        return Err((1, format!("The file is larger than {} MB: split it", max_bytes / (1024 * 1024))));
    }
    let mut records = parse(text).map_err(|e| (e.line, format!("Line {}: {}", e.line, e.message)))?;
    if records.is_empty() {
        return Err((1, format!("The file is empty: the first line must name the columns ({columns_hint}, …)")));
    }
    let header = records.remove(0);
    Ok((header, records))
}

/// Reads every record. Blank lines are skipped; a quote left open is an error naming where it opened.
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut record_line = 1usize;
    let mut in_quotes = false;
    let mut quote_opened_at = 0usize;
    // Whether the current field was quoted (so `""` is an empty field, not nothing).
    let mut quoted = false;
    let mut after_quote = false;
    let mut chars = text.chars().peekable();

    fn end_record(records: &mut Vec<Record>, fields: &mut Vec<String>, field: &mut String, quoted: bool, line: usize) {
        if fields.is_empty() && field.is_empty() && !quoted {
            return; // a blank line
        }
        fields.push(std::mem::take(field));
        records.push(Record { line, fields: std::mem::take(fields) });
    }

    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    in_quotes = false;
                    after_quote = true;
                }
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            ',' => {
                fields.push(std::mem::take(&mut field));
                quoted = false;
                after_quote = false;
            }
            '\n' | '\r' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                end_record(&mut records, &mut fields, &mut field, quoted, record_line);
                quoted = false;
                after_quote = false;
                line += 1;
                record_line = line;
            }
            '"' if field.is_empty() && !quoted => {
                in_quotes = true;
                quoted = true;
                quote_opened_at = line;
            }
            '"' => {
                return Err(CsvError {
                    line,
                    message:
                        "a quote inside an unquoted field: put the whole field in quotes and double the quote (\"\")"
                            .into(),
                });
            }
            c if after_quote && !c.is_whitespace() => {
                return Err(CsvError { line, message: format!("unexpected {c:?} after a closing quote") });
            }
            _ if after_quote => {} // spaces after a closing quote are tolerated
            c => field.push(c),
        }
    }
    if in_quotes {
        return Err(CsvError { line: quote_opened_at, message: "a quote opened on this line is never closed".into() });
    }
    end_record(&mut records, &mut fields, &mut field, quoted, record_line);
    Ok(records)
}

/// Appends one field, quoted when it needs to be. A text field that a spreadsheet would run as a formula
/// (starting with =, +, -, @) is prefixed with an apostrophe unless it is a plain number.
pub fn push_field(out: &mut String, value: &str) {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err();
    let value = if risky { format!("'{value}") } else { value.to_string() };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&value);
    }
}

/// Appends a whole record with a CRLF line end.
pub fn push_record<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(out, f.as_ref());
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        parse(text).unwrap().into_iter().map(|r| r.fields).collect()
    }

    #[test]
    fn quoted_fields_commas_quotes_and_line_breaks() {
        let text = "\u{feff}name,notes\r\n\"Chen, Ava\",\"says \"\"hi\"\"\nand more\"\r\n\r\nBo,\"\"\n";
        let recs = parse(text).unwrap();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1].fields, vec!["Chen, Ava", "says \"hi\"\nand more"]);
        assert_eq!(recs[1].line, 2);
        // The record after a two-line field and a blank line starts on line 5.
        assert_eq!(recs[2].line, 5);
        assert_eq!(recs[2].fields, vec!["Bo", ""]);
        assert_eq!(fields("a,b\nc"), vec![vec!["a", "b"], vec!["c"]]);
        assert_eq!(fields("a,,\n"), vec![vec!["a", "", ""]]);
    }

    #[test]
    fn malformed_files_name_the_line() {
        let e = parse("name\n\"open\nstill open").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("never closed"));
        let e = parse("name\nab\"c\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("\"a\"b\n").unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn writing_quotes_what_needs_it_and_defuses_formulas() {
        let mut out = String::new();
        push_record(&mut out, &["plain", "a,b", "say \"x\"", "=SUM(A1)", "-5", "@handle"]);
        assert_eq!(out, "plain,\"a,b\",\"say \"\"x\"\"\",'=SUM(A1),-5,'@handle\r\n");
    }
}

#[cfg(all(test, feature = "ssr"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Any input at all: an answer or an error, never a panic.
        #[test]
        fn never_panics(text in "(?s).{0,400}") {
            let _ = parse(&text);
        }

        /// Bytes that lean on the tricky characters.
        #[test]
        fn never_panics_on_csv_like_noise(text in "[a\",\r\n \u{feff}]{0,200}") {
            if let Ok(records) = parse(&text) {
                for r in records {
                    prop_assert!(r.line >= 1);
                }
            }
        }

        /// What the writer writes, the reader reads back exactly (apart from the formula guard).
        #[test]
        fn write_then_read_round_trips(rows in proptest::collection::vec(
            proptest::collection::vec("[a-zA-Z0-9 ,\"\n\r.é]{0,12}", 1..5), 1..6)
        ) {
            let mut out = String::new();
            for r in &rows {
                push_record(&mut out, r);
            }
            let back: Vec<Vec<String>> = parse(&out).unwrap().into_iter().map(|r| r.fields).collect();
            // A record of one empty field is a blank line, which the reader skips.
            let expected: Vec<Vec<String>> = rows
                .iter()
                .filter(|r| !(r.len() == 1 && r[0].is_empty()))
                .map(|r| {
                    r.iter()
                        .map(|f| if f.starts_with('\r') { format!("'{f}") } else { f.clone() })
                        .map(|f| f.replace("\r\n", "\n").replace('\r', "\n"))
                        .collect()
                })
                .collect();
            prop_assert_eq!(back, expected);
        }
    }
}
