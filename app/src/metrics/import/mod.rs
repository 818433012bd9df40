//! From a CSV file to daily figures: the columns (with the other spellings accepted), money in currency units
//! or cents, counts as people write them, and per-cell problems that name the spreadsheet row (the header is
//! row 1) and the column. Pure: the server resolves the campaign's posts and today's date in its time zone.
use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::DailyFigures;
use crate::creators::csv;
use crate::creators::import::parse_count;
pub use crate::creators::{ApplyMode, RowIssue};

mod cells;

pub use cells::parse_money;
use cells::{column_of, parse_cents, set, within};
/// Files larger than this are refused whole (split them).
pub const MAX_ROWS: usize = 200_000;
pub const MAX_BYTES: usize = 30 * 1024 * 1024;
/// At most this many problems are returned with a preview (the counts cover them all).
pub const MAX_ISSUES_SHOWN: usize = 500;

/// How a column's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    PostId,
    PostUrl,
    Day,
    /// A count (index into `DailyFigures::values()`).
    Count(usize),
    /// Money in currency units, "12.50" → 1250 cents.
    Money(usize),
    /// Money already in cents.
    Cents(usize),
}

/// The columns, by their header in the file, with the other spellings accepted on import.
const COLUMNS: &[(&str, &[&str], Kind)] = &[
    ("post_id", &["post", "id"], Kind::PostId),
    ("post_url", &["url", "link", "post_link"], Kind::PostUrl),
    ("day", &["date"], Kind::Day),
    ("impressions", &[], Kind::Count(0)),
    ("reach", &[], Kind::Count(1)),
    ("views", &["video_views", "plays"], Kind::Count(2)),
    ("likes", &[], Kind::Count(3)),
    ("comments", &[], Kind::Count(4)),
    ("shares", &[], Kind::Count(5)),
    ("saves", &[], Kind::Count(6)),
    ("clicks", &["link_clicks"], Kind::Count(7)),
    ("conversions", &["orders", "purchases"], Kind::Count(8)),
    ("revenue", &[], Kind::Money(9)),
    ("revenue_cents", &[], Kind::Cents(9)),
    ("fee", &[], Kind::Money(10)),
    ("fee_cents", &[], Kind::Cents(10)),
    ("product", &["product_value"], Kind::Money(11)),
    ("product_cents", &["product_value_cents"], Kind::Cents(11)),
    ("paid", &["paid_media", "boost"], Kind::Money(12)),
    ("paid_cents", &["paid_media_cents", "boost_cents"], Kind::Cents(12)),
];

/// The columns of the template, in its order (money in currency units).
pub const TEMPLATE_COLUMNS: [&str; 16] = [
    "post_id",
    "post_url",
    "day",
    "impressions",
    "reach",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "conversions",
    "revenue",
    "fee",
    "product",
    "paid",
];

/// What the database knows that checking a file needs.
#[derive(Debug, Clone, Default)]
pub struct ImportContext {
    /// The campaign's tracked posts: id → url.
    pub posts: HashMap<i64, String>,
    /// Today in the campaign's time zone: later days are refused.
    pub today: chrono::NaiveDate,
    /// The campaign's currency (ISO 4217): money columns are in its units ("" reads as USD).
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRow {
    /// The spreadsheet row (the header is row 1).
    pub row: usize,
    pub figures: DailyFigures,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedFile {
    /// Data rows in the file (the header excluded).
    pub total: usize,
    /// Valid rows: what "only the valid rows" imports.
    pub rows: Vec<ParsedRow>,
    /// Every problem; a row may have several (one per cell). Row 1 is the header or the whole file.
    pub errors: Vec<RowIssue>,
    /// Rows with at least one problem.
    pub bad_rows: usize,
    /// Headers that are no known column: ignored, and shown so a misspelt metric is visible.
    pub ignored_columns: Vec<String>,
}

/// What a checked file would import, kept for the decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MetricImportPreview {
    pub id: i64,
    pub filename: String,
    /// Data rows in the file (the header excluded).
    pub rows: usize,
    /// Rows "only the valid rows" would import.
    pub valid: usize,
    /// Rows with at least one problem.
    pub invalid: usize,
    /// The first problems (at most 500), each naming its row and column.
    pub errors: Vec<RowIssue>,
    /// How many problems there are in all.
    pub error_count: usize,
    /// Headers that are no known column: ignored, not an error.
    pub ignored_columns: Vec<String>,
}

/// What an applied import did (the same answer when applied again).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MetricImportResult {
    pub id: i64,
    /// Rows written (new, corrected or unchanged).
    pub imported: i64,
    /// Rows left out (with problems, under "only the valid rows").
    pub skipped: i64,
    pub inserted: i64,
    pub corrected: i64,
    pub unchanged: i64,
}

/// Reads a whole file against the campaign. Never panics; every problem names its row and column, and every
/// data row is either valid or has at least one problem.
pub fn read(text: &str, ctx: &ImportContext) -> ParsedFile {
    let mut out = ParsedFile::default();
    let file_issue = |message: String| RowIssue { row: 1, column: None, message };
    let (header, body) = match csv::read_table(text, MAX_BYTES, "post_id or post_url, day, impressions") {
        Ok(t) => t,
        Err((row, message)) => {
            out.errors.push(RowIssue { row, column: None, message });
            return out;
        }
    };
    let (header, body) = (&header, &body[..]);
    out.total = body.len();
    let whole_file_bad = |out: &mut ParsedFile| out.bad_rows = out.total;
    if body.len() > MAX_ROWS {
        out.errors.push(file_issue(format!("The file has {} rows; import at most {MAX_ROWS} at a time", body.len())));
        whole_file_bad(&mut out);
        return out;
    }
    // Which column each position is; a figure given twice (e.g. revenue and revenue_cents) is refused.
    let mut columns: Vec<Option<(&'static str, Kind)>> = Vec::with_capacity(header.fields.len());
    let mut figure_seen: HashMap<usize, &'static str> = HashMap::new();
    for h in &header.fields {
        let c = column_of(h);
        match c {
            Some((name, kind)) => {
                let figure = match kind {
                    Kind::Count(i) | Kind::Money(i) | Kind::Cents(i) => Some(i),
                    _ => None,
                };
                let twice = columns.iter().any(|o| o.map(|(n, _)| n) == Some(name));
                if twice {
                    out.errors.push(RowIssue {
                        row: 1,
                        column: Some(h.trim().to_string()),
                        message: format!("The column {name} appears twice"),
                    });
                } else if let Some(i) = figure {
                    if let Some(other) = figure_seen.insert(i, name) {
                        out.errors.push(RowIssue {
                            row: 1,
                            column: Some(h.trim().to_string()),
                            message: format!("{name} and {other} are the same figure: keep one of them"),
                        });
                    }
                }
            }
            None if !h.trim().is_empty() => out.ignored_columns.push(h.trim().to_string()),
            None => {}
        }
        columns.push(c);
    }
    let has = |k: Kind| columns.iter().any(|c| c.map(|x| x.1) == Some(k));
    if !has(Kind::PostId) && !has(Kind::PostUrl) {
        out.errors.push(file_issue("Missing column: post_id (or post_url) to say which post each row is about".into()));
    }
    if !has(Kind::Day) {
        out.errors.push(file_issue("Missing column: day (YYYY-MM-DD)".into()));
    }
    if !out.errors.is_empty() {
        whole_file_bad(&mut out);
        return out;
    }
    let by_url: HashMap<&str, i64> = ctx.posts.iter().map(|(id, url)| (url.trim(), *id)).collect();
    // (post, day) → the first row that has it.
    let mut seen: HashMap<(i64, chrono::NaiveDate), usize> = HashMap::new();
    let mut bad: HashSet<usize> = HashSet::new();
    for (i, rec) in body.iter().enumerate() {
        let row = i + 2;
        let before = out.errors.len();
        let mut issue = |column: Option<&str>, message: String| {
            out.errors.push(RowIssue { row, column: column.map(str::to_string), message })
        };
        if rec.fields.len() > columns.len() && rec.fields[columns.len()..].iter().any(|f| !f.trim().is_empty()) {
            issue(None, format!("{} values but only {} columns in the header", rec.fields.len(), columns.len()));
        }
        let mut figures = DailyFigures::default();
        let mut post_id: Option<i64> = None;
        let mut post_url: Option<String> = None;
        let mut day: Option<chrono::NaiveDate> = None;
        let mut day_given = false;
        for (c, v) in columns.iter().zip(rec.fields.iter()) {
            let Some((name, kind)) = *c else { continue };
            // A cell too long to be a figure, or holding a NUL, is refused before it is read.
            if let Some(problem) = crate::limits::csv_cell_problem(v) {
                issue(Some(name), problem);
                continue;
            }
            let v = v.trim();
            match kind {
                Kind::PostId if !v.is_empty() => match v.trim_start_matches('#').parse::<i64>() {
                    Ok(id) if ctx.posts.contains_key(&id) => post_id = Some(id),
                    _ => issue(Some(name), format!("Post {v} is not tracked in this campaign")),
                },
                Kind::PostUrl if !v.is_empty() => post_url = Some(v.to_string()),
                Kind::Day => {
                    day_given = !v.is_empty();
                    if v.is_empty() {
                        issue(Some(name), "The day is missing (YYYY-MM-DD)".into());
                    } else {
                        match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                            Ok(d) if d > ctx.today => issue(
                                Some(name),
                                format!("{d} is in the future (today is {} in the campaign's time zone)", ctx.today),
                            ),
                            Ok(d) => day = Some(d),
                            Err(_) => {
                                issue(Some(name), format!("{v:?} is not a date: use YYYY-MM-DD, e.g. 2026-03-31"))
                            }
                        }
                    }
                }
                Kind::Count(i) => match parse_count(v).and_then(|n| within(name, i, n)) {
                    Ok(n) => set(&mut figures, i, n),
                    Err(m) => issue(
                        Some(name),
                        if v.starts_with('-') { format!("{name} cannot be negative ({v})") } else { m },
                    ),
                },
                Kind::Money(i) => match parse_money(v, &ctx.currency).and_then(|n| within(name, i, n)) {
                    Ok(n) => set(&mut figures, i, n),
                    Err(m) => issue(Some(name), m),
                },
                Kind::Cents(i) => match parse_cents(v).and_then(|n| within(name, i, n)) {
                    Ok(n) => set(&mut figures, i, n),
                    Err(m) => issue(Some(name), m),
                },
                _ => {}
            }
        }
        // A short record (fewer fields than columns): the day cell is absent.
        if !day_given
            && rec.fields.len() < columns.len()
            && columns[rec.fields.len()..].iter().any(|c| c.map(|x| x.1) == Some(Kind::Day))
        {
            issue(Some("day"), "The day is missing (YYYY-MM-DD)".into());
        }
        // The post: by id, else by its web address; both given must agree.
        let post = match (post_id, post_url.as_deref()) {
            (Some(id), Some(url)) => match by_url.get(url) {
                Some(other) if *other != id => {
                    issue(Some("post_url"), format!("{url} is post {other}, not post {id}"));
                    None
                }
                _ => Some(id),
            },
            (Some(id), None) => Some(id),
            (None, Some(url)) => match by_url.get(url) {
                Some(id) => Some(*id),
                None => {
                    issue(Some("post_url"), format!("{url} is not tracked in this campaign: add the post first"));
                    None
                }
            },
            (None, None) => {
                let id_col_had_value = out.errors.len() > before
                    && out.errors[before..].iter().any(|e| e.column.as_deref() == Some("post_id"));
                if !id_col_had_value {
                    out.errors.push(RowIssue {
                        row,
                        column: Some("post_id".into()),
                        message: "Which post? Give its post_id or post_url".into(),
                    });
                }
                None
            }
        };
        if let (Some(p), Some(d)) = (post, day) {
            if let Some(first) = seen.get(&(p, d)) {
                out.errors.push(RowIssue {
                    row,
                    column: Some("day".into()),
                    message: format!("Post {p} on {d} is already in row {first}"),
                });
            } else {
                seen.insert((p, d), row);
            }
        }
        if out.errors.len() > before {
            bad.insert(row);
            continue;
        }
        if let (Some(p), Some(d)) = (post, day) {
            figures.post_id = p;
            figures.day = d.to_string();
            out.rows.push(ParsedRow { row, figures });
        }
    }
    out.bad_rows = bad.len();
    out
}

/// A header row and one example (money in currency units), offered as a template to fill in.
pub fn template() -> String {
    let mut out = String::new();
    csv::push_record(&mut out, &TEMPLATE_COLUMNS);
    csv::push_record(
        &mut out,
        &[
            "",
            "https://www.instagram.com/p/example",
            "2026-01-15",
            "100,000",
            "60K",
            "45000",
            "2000",
            "150",
            "100",
            "250",
            "800",
            "24",
            "2160.00",
            "800.00",
            "0",
            "200.00",
        ],
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ImportContext {
        let mut posts = HashMap::new();
        posts.insert(1, "https://www.instagram.com/p/example".to_string());
        posts.insert(2, "https://tiktok.example/v/2".to_string());
        ImportContext { posts, today: "2027-03-10".parse().unwrap(), currency: "USD".into() }
    }

    #[test]
    fn rows_by_id_or_url_with_problems_by_row_and_column() {
        let text = "post_id,url,Date,Impressions,Likes,Revenue,fee_cents,Likez\n\
                    1,,2027-03-09,\"12,000\",12.5K,12.50,8000,3\n\
                    ,https://tiktok.example/v/2,2027-03-09,10,1,,,\n\
                    9,,2027-03-09,1,1,,,\n\
                    ,https://nowhere.example,2027-03-09,1,1,,,\n\
                    2,,09/03/2027,1,1,,,\n\
                    2,,2027-03-11,1,1,,,\n\
                    2,,2027-03-08,-5,1,-1.00,,\n\
                    1,,2027-03-09,1,1,,,\n\
                    2,https://www.instagram.com/p/example,2027-03-07,1,1,,,\n\
                    ,,2027-03-07,1,1,,,\n\
                    2,,2027-03-01,lots,1,,,\n";
        let f = read(text, &ctx());
        assert_eq!(f.total, 11);
        assert_eq!(f.ignored_columns, vec!["Likez"]);
        let issues: Vec<(usize, Option<&str>)> = f.errors.iter().map(|e| (e.row, e.column.as_deref())).collect();
        assert_eq!(
            issues,
            vec![
                (4, Some("post_id")),
                (5, Some("post_url")),
                (6, Some("day")),
                (7, Some("day")),
                (8, Some("impressions")),
                (8, Some("revenue")),
                (9, Some("day")),
                (10, Some("post_url")),
                (11, Some("post_id")),
                (12, Some("impressions")),
            ],
            "{:#?}",
            f.errors
        );
        assert!(f.errors[3].message.contains("future"));
        assert!(f.errors[4].message.contains("negative"), "{}", f.errors[4].message);
        assert!(f.errors[6].message.contains("already in row 2"));
        assert_eq!(f.bad_rows, 9);
        let rows: Vec<usize> = f.rows.iter().map(|r| r.row).collect();
        assert_eq!(rows, vec![2, 3]);
        let a = &f.rows[0].figures;
        assert_eq!(
            (a.post_id, a.day.as_str(), a.impressions, a.likes, a.revenue_cents, a.fee_cents),
            (1, "2027-03-09", 12_000, 12_500, 1250, 8000)
        );
        assert_eq!((f.rows[1].figures.post_id, f.rows[1].figures.impressions), (2, 10));
    }

    #[test]
    fn figures_past_the_limits_and_unreadable_cells_are_refused_by_row_and_column() {
        let big = "1".repeat(crate::limits::CSV_CELL + 1);
        let text = format!(
            "post_id,day,impressions,revenue,fee_cents,likes\n\
             1,2027-03-01,100000000000,100000000000.00,0,1\n\
             1,2027-03-02,100000000001,0,0,1\n\
             1,2027-03-03,0,100000000000.01,0,1\n\
             1,2027-03-04,0,0,10000000000001,1\n\
             1,2027-03-05,{big},0,0,1\n\
             1,2027-03-06,0,0,0,1\0\n\
             1,2027-03-07,9223372036854775807,0,0,1\n"
        );
        let f = read(&text, &ctx());
        let issues: Vec<(usize, Option<&str>)> = f.errors.iter().map(|e| (e.row, e.column.as_deref())).collect();
        assert_eq!(
            issues,
            vec![
                (3, Some("impressions")),
                (4, Some("revenue")),
                (5, Some("fee_cents")),
                (6, Some("impressions")),
                (7, Some("likes")),
                (8, Some("impressions"))
            ],
            "{:#?}",
            f.errors
        );
        assert!(f.errors[0].message.contains("at most 100,000,000,000"), "{}", f.errors[0].message);
        assert!(f.errors[3].message.contains("characters"), "{}", f.errors[3].message);
        assert!(f.errors[4].message.contains("NUL"));
        // Exactly at the limits is fine.
        assert_eq!(f.rows.len(), 1);
        assert_eq!(
            (f.rows[0].figures.impressions, f.rows[0].figures.revenue_cents),
            (crate::limits::COUNT_PER_DAY, crate::limits::CENTS)
        );
    }

    #[test]
    fn file_level_problems() {
        assert_eq!(read("", &ctx()).errors[0].row, 1);
        let f = read("post_id,likes\n1,2\n", &ctx());
        assert!(f.errors[0].message.contains("day"), "{:?}", f.errors);
        assert_eq!((f.bad_rows, f.rows.len()), (1, 0));
        let f = read("day,likes\n2027-03-01,2\n", &ctx());
        assert!(f.errors[0].message.contains("post_id"), "{:?}", f.errors);
        let f = read("post_id,day,revenue,revenue_cents\n1,2027-03-01,1,100\n", &ctx());
        assert_eq!(f.errors[0].column.as_deref(), Some("revenue_cents"));
        let f = read("post_id,day\n\"1,2027-03-01\n", &ctx());
        assert_eq!(f.errors[0].row, 2);
        let f = read("post_id,day\n1,2027-03-01,extra\n", &ctx());
        assert!(f.errors[0].message.contains("3 values but only 2 columns"));
        let f = read("post_id,day,likes\n1\n", &ctx());
        assert_eq!((f.errors[0].row, f.errors[0].column.as_deref()), (2, Some("day")));
    }

    #[test]
    fn the_template_imports_cleanly() {
        let f = read(&template(), &ctx());
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.rows.len(), 1);
        let r = &f.rows[0].figures;
        assert_eq!((r.post_id, r.reach, r.revenue_cents, r.paid_cents), (1, 60_000, 216_000, 20_000));
    }
}

#[cfg(all(test, feature = "ssr"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever the cells, every data row is accounted for exactly once: valid, or with problems.
        #[test]
        fn every_row_is_accounted_for(body in proptest::collection::vec(
            ("(1|2|3|x|)", "(https://tiktok.example/v/2|https://no.example|)", "(2027-03-0[1-9]|2027-03-1[0-2]|bad|)", "[0-9,.kK-]{0,5}", "[0-9,.$-]{0,6}"), 0..40)
        ) {
            let mut text = String::from("post_id,post_url,day,likes,revenue\n");
            for (a, b, c, d, e) in &body {
                csv::push_record(&mut text, &[a, b, c, d, e]);
            }
            let mut posts = HashMap::new();
            posts.insert(1, "https://a.example".to_string());
            posts.insert(2, "https://tiktok.example/v/2".to_string());
            let parsed = read(&text, &ImportContext { posts, today: "2027-03-10".parse().unwrap(), currency: "USD".into() });
            prop_assert_eq!(parsed.total, body.len());
            prop_assert_eq!(parsed.total, parsed.rows.len() + parsed.bad_rows);
            let mut keys = HashSet::new();
            for r in &parsed.rows {
                prop_assert!(r.figures.values().iter().all(|(_, v)| *v >= 0));
                prop_assert!(keys.insert((r.figures.post_id, r.figures.day.clone())), "no post and day twice");
            }
        }

        #[test]
        fn never_panics(text in "(?s).{0,300}") {
            let _ = read(&text, &ImportContext::default());
        }

        #[test]
        fn never_panics_on_amounts(s in "\\PC{0,20}") {
            let _ = parse_money(&s, "USD");
            let _ = parse_money(&s, "JPY");
            let _ = parse_cents(&s);
        }
    }
}
