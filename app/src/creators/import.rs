//! From a CSV file to creators: the columns, per-cell checks that name the row and the column,
//! duplicates within the file and against the pool. Pure: the database side resolves the context.
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::csv;
use super::NewCreator;
use crate::vocab::{OrgRef, Stage};

/// A problem with one cell (or a whole row) of an imported file. Rows count from 1 for the header,
/// so row 2 is the first creator: the number a spreadsheet shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RowIssue {
    pub row: usize,
    /// The column's header, when the problem is in one cell.
    pub column: Option<String>,
    pub message: String,
}

/// A row that names a creator already in the pool, or one named by an earlier row of the same file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Duplicate {
    pub row: usize,
    pub platform: String,
    pub handle: String,
    /// The creator already in the pool, if that is what it duplicates.
    pub existing_id: Option<i64>,
    pub existing_name: Option<String>,
    /// The earlier row of the same file, if that is what it duplicates.
    pub same_as_row: Option<usize>,
}

/// What an uploaded file would do, before anything is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportPreview {
    pub import_id: i64,
    pub filename: String,
    /// Creator rows in the file (the header excluded).
    pub total: usize,
    /// Rows that would be imported by "only the valid rows".
    pub valid: usize,
    pub errors: Vec<RowIssue>,
    pub duplicates: Vec<Duplicate>,
    /// Headers that are no known column: ignored, not an error.
    pub ignored_columns: Vec<String>,
    /// The first valid rows, to show what will be created.
    pub sample: Vec<crate::creators::NewCreator>,
    pub status: ImportStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    Previewed,
    Applied,
    Discarded,
}

/// How to apply a previewed import: everything (refused if any row is invalid or a duplicate) or
/// only the valid rows. "Import nothing" is discarding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplyMode {
    All,
    ValidOnly,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportResult {
    pub import_id: i64,
    pub imported: usize,
    pub skipped: usize,
}
/// Files larger than this are refused whole (a campaign pool, not a database dump).
pub const MAX_ROWS: usize = 20_000;
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The columns, by their header in the file, with the other spellings accepted on import.
pub const COLUMNS: &[(&str, &[&str])] = &[
    ("name", &["creator", "full_name"]),
    ("platform", &["network"]),
    ("handle", &["username", "account"]),
    ("followers", &["follower_count"]),
    ("avg_reach", &["reach", "avg_views", "views"]),
    ("avg_likes", &["likes"]),
    ("avg_comments", &["comments"]),
    ("avg_shares", &["shares"]),
    ("avg_saves", &["saves"]),
    ("lane", &[]),
    ("stage", &[]),
    ("owner", &["owner_partner", "partner"]),
    ("owner_email", &["owner_person"]),
    ("next_action", &[]),
    ("next_action_due", &["due", "due_date"]),
    ("country", &[]),
    ("language", &[]),
    ("audience_notes", &["audience", "notes"]),
    ("rates", &["rate"]),
    ("contact_email", &["email", "contact"]),
];

const REQUIRED: [&str; 3] = ["name", "platform", "handle"];

/// What the database knows that checking a file needs.
#[derive(Debug, Clone, Default)]
pub struct ImportContext {
    pub partners: Vec<OrgRef>,
    /// (user id, email, organization id) of every partner's people.
    pub people: Vec<(i64, String, i64)>,
    /// The importer's organization and person: the owner of rows that name none.
    pub default_org_id: i64,
    pub default_user_id: Option<i64>,
    /// (platform, lower-case handle) of every handle already in the pool → (creator id, name).
    pub existing: HashMap<(String, String), (i64, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRow {
    /// The spreadsheet row (the header is row 1).
    pub row: usize,
    /// Normalized, with the owner resolved to ids.
    pub creator: NewCreator,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedFile {
    /// Creator rows in the file.
    pub total: usize,
    /// Valid rows that are no duplicates: what "only the valid rows" imports.
    pub rows: Vec<ParsedRow>,
    pub errors: Vec<RowIssue>,
    pub duplicates: Vec<Duplicate>,
    /// Headers that are no known column (ignored).
    pub ignored_columns: Vec<String>,
}

fn key(header: &str) -> String {
    header.trim().to_lowercase().replace([' ', '-'], "_")
}

fn column_of(header: &str) -> Option<&'static str> {
    let k = key(header);
    COLUMNS.iter().find(|(name, aliases)| *name == k || aliases.contains(&k.as_str())).map(|(name, _)| *name)
}

/// A count as people write it: "12000", "12,000", "12 000", "12.5K", "1.2M".
pub fn parse_count(raw: &str) -> Result<Option<i64>, String> {
    let s: String = raw.trim().chars().filter(|c| !matches!(c, ',' | ' ' | '_' | '\u{a0}')).collect();
    if s.is_empty() {
        return Ok(None);
    }
    let (num, mult) = match s.chars().last().map(|c| c.to_ascii_lowercase()) {
        Some('k') => (&s[..s.len() - 1], 1_000.0),
        Some('m') => (&s[..s.len() - 1], 1_000_000.0),
        _ => (s.as_str(), 1.0),
    };
    let v: f64 = num.parse().map_err(|_| format!("{:?} is not a number", raw.trim()))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("{:?} must be zero or more", raw.trim()));
    }
    let v = v * mult;
    if v > 1e13 {
        return Err(format!("{:?} is too large", raw.trim()));
    }
    Ok(Some(v.round() as i64))
}

/// Reads a whole file against the pool. Never panics; every problem names its row and column.
pub fn read(text: &str, ctx: &ImportContext) -> ParsedFile {
    let mut out = ParsedFile::default();
    let file_issue = |message: String| RowIssue { row: 1, column: None, message };
    let (header, body) = match csv::read_table(text, MAX_BYTES, "name, platform, handle") {
        Ok(t) => t,
        Err((row, message)) => {
            out.errors.push(RowIssue { row, column: None, message });
            return out;
        }
    };
    let (header, body) = (&header, &body[..]);
    out.total = body.len();
    if body.len() > MAX_ROWS {
        out.errors.push(file_issue(format!("The file has {} rows; import at most {MAX_ROWS} at a time", body.len())));
        return out;
    }
    // Which column each position is.
    let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(header.fields.len());
    for h in &header.fields {
        let c = column_of(h);
        if let Some(name) = c {
            if columns.contains(&Some(name)) {
                out.errors.push(RowIssue {
                    row: 1,
                    column: Some(h.trim().to_string()),
                    message: format!("The column {name} appears twice"),
                });
            }
        } else if !h.trim().is_empty() {
            out.ignored_columns.push(h.trim().to_string());
        }
        columns.push(c);
    }
    let missing: Vec<&str> = REQUIRED.into_iter().filter(|r| !columns.contains(&Some(*r))).collect();
    if !missing.is_empty() {
        out.errors.push(file_issue(format!(
            "Missing column{}: {}",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        )));
    }
    if !out.errors.is_empty() {
        return out;
    }
    let partner_by_name: HashMap<String, &OrgRef> =
        ctx.partners.iter().map(|p| (p.name.trim().to_lowercase(), p)).collect();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (i, rec) in body.iter().enumerate() {
        let row = i + 2;
        match read_row(rec, &columns, ctx, &partner_by_name) {
            Err(issue) => out.errors.push(RowIssue { row, column: issue.0, message: issue.1 }),
            Ok(creator) => {
                let k = (creator.platform.clone(), creator.handle.to_lowercase());
                if let Some((id, name)) = ctx.existing.get(&k) {
                    out.duplicates.push(Duplicate {
                        row,
                        platform: k.0,
                        handle: creator.handle,
                        existing_id: Some(*id),
                        existing_name: Some(name.clone()),
                        same_as_row: None,
                    });
                } else if let Some(first) = seen.get(&k) {
                    out.duplicates.push(Duplicate {
                        row,
                        platform: k.0,
                        handle: creator.handle,
                        existing_id: None,
                        existing_name: None,
                        same_as_row: Some(*first),
                    });
                } else {
                    seen.insert(k, row);
                    out.rows.push(ParsedRow { row, creator });
                }
            }
        }
    }
    out
}

type Issue = (Option<String>, String);

fn read_row(
    rec: &csv::Record,
    columns: &[Option<&'static str>],
    ctx: &ImportContext,
    partners: &HashMap<String, &OrgRef>,
) -> Result<NewCreator, Issue> {
    if rec.fields.len() > columns.len() && rec.fields[columns.len()..].iter().any(|f| !f.trim().is_empty()) {
        return Err((None, format!("{} values but only {} columns in the header", rec.fields.len(), columns.len())));
    }
    let mut cells: HashMap<&'static str, &str> = HashMap::new();
    for (c, v) in columns.iter().zip(rec.fields.iter()) {
        if let Some(c) = c {
            // A cell too long to be any field, or holding a NUL, is refused before it is read.
            if let Some(problem) = crate::limits::csv_cell_problem(v) {
                return Err((Some(c.to_string()), problem));
            }
            cells.insert(c, v.as_str());
        }
    }
    let text = |c: &str| cells.get(c).map(|s| s.trim()).unwrap_or("");
    let opt = |c: &str| Some(text(c).to_string()).filter(|s| !s.is_empty());
    let count = |c: &'static str| parse_count(text(c)).map_err(|m| (Some(c.to_string()), m));
    let mut n = NewCreator::named(text("name"), text("platform"), text("handle"));
    n.followers = count("followers")?.unwrap_or(0);
    n.avg_reach = count("avg_reach")?;
    n.avg_likes = count("avg_likes")?.unwrap_or(0);
    n.avg_comments = count("avg_comments")?.unwrap_or(0);
    n.avg_shares = count("avg_shares")?.unwrap_or(0);
    n.avg_saves = count("avg_saves")?.unwrap_or(0);
    if let Some(lane) = opt("lane") {
        n.lane = lane.to_lowercase();
    }
    if let Some(stage) = opt("stage") {
        let k = key(&stage);
        n.stage = Some(Stage::ALL.into_iter().find(|s| s.as_str() == k || key(s.label()) == k).ok_or_else(|| {
            (Some("stage".to_string()), format!("{stage:?} is no stage: use prospect, contacted, … paid, declined"))
        })?);
    }
    n.next_action = opt("next_action");
    if let Some(due) = opt("next_action_due") {
        n.next_action_due =
            Some(chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d").map_err(|_| {
                (Some("next_action_due".to_string()), format!("{due:?} is not a date like 2026-12-31"))
            })?);
    }
    n.country = opt("country");
    n.language = opt("language");
    n.audience_notes = text("audience_notes").to_string();
    n.rates = text("rates").to_string();
    n.contact_email = opt("contact_email");
    // The owner: a partner by name, and optionally a person of that partner by email.
    let org_id = match opt("owner") {
        None => ctx.default_org_id,
        Some(name) => partners.get(&name.to_lowercase()).map(|o| o.id).ok_or_else(|| {
            let names: Vec<&str> = ctx.partners.iter().map(|p| p.name.as_str()).collect();
            (
                Some("owner".to_string()),
                format!("{name:?} is not a partner of this campaign (partners: {})", names.join(", ")),
            )
        })?,
    };
    n.owner_org_id = Some(org_id);
    n.owner_user_id = match opt("owner_email") {
        Some(email) => {
            let e = email.to_lowercase();
            let person = ctx.people.iter().find(|(_, pe, _)| *pe == e);
            match person {
                Some((uid, _, oid)) if *oid == org_id => Some(*uid),
                Some(_) => {
                    return Err((
                        Some("owner_email".to_string()),
                        format!("{email} does not work for the owner partner"),
                    ))
                }
                None => {
                    return Err((
                        Some("owner_email".to_string()),
                        format!("{email} is no one at a partner of this campaign"),
                    ))
                }
            }
        }
        None if org_id == ctx.default_org_id => ctx.default_user_id,
        None => None,
    };
    n.normalized().map_err(|e| (e.field.clone(), e.message))
}

/// A header row and one example, offered as a template to fill in.
pub fn import_template() -> String {
    let mut out = String::new();
    let header: Vec<&str> = COLUMNS.iter().map(|(c, _)| *c).collect();
    csv::push_record(&mut out, &header);
    csv::push_record(
        &mut out,
        &[
            "Mara Quinn",
            "instagram",
            "studio.mara",
            "42000",
            "30000",
            "1100",
            "60",
            "25",
            "80",
            "influencer",
            "prospect",
            "",
            "",
            "Send the brief",
            "2026-12-15",
            "US",
            "en",
            "Home cooks, 25–34",
            "$900 per Reel",
            "mara@example.com",
        ],
    );
    out
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::OrgKind;

    fn ctx() -> ImportContext {
        let org = |id, name: &str| OrgRef { id, name: name.into(), kind: OrgKind::Agency, color: "#000".into() };
        let mut existing = HashMap::new();
        existing.insert(("instagram".to_string(), "taken".to_string()), (99, "Already Here".to_string()));
        ImportContext {
            partners: vec![org(1, "Northwind"), org(2, "Brightline")],
            people: vec![(10, "maya@northwind.example".into(), 1), (20, "jordan@brightline.example".into(), 2)],
            default_org_id: 2,
            default_user_id: Some(20),
            existing,
        }
    }

    #[test]
    fn oversized_cells_nuls_and_implausible_figures_name_row_and_column() {
        let big = "x".repeat(crate::limits::CSV_CELL + 1);
        let text = format!(
            "name,platform,handle,followers,audience_notes\n\
             Ok,instagram,ok,1000,fine\n\
             Long,instagram,long,1000,{big}\n\
             Nul,instagram,nul,1000,a\0b\n\
             Huge,instagram,huge,9000000000000,x\n"
        );
        let f = read(&text, &ctx());
        let issues: Vec<(usize, Option<&str>)> = f.errors.iter().map(|e| (e.row, e.column.as_deref())).collect();
        assert_eq!(
            issues,
            vec![(3, Some("audience_notes")), (4, Some("audience_notes")), (5, Some("followers"))],
            "{:?}",
            f.errors
        );
        assert!(f.errors[0].message.contains("2,001 characters"), "{}", f.errors[0].message);
        assert!(f.errors[1].message.contains("NUL"));
        assert!(f.errors[2].message.contains("plausible"), "{}", f.errors[2].message);
        assert_eq!(f.rows.len(), 1);
    }

    #[test]
    fn counts_as_people_write_them() {
        assert_eq!(parse_count("12,000"), Ok(Some(12_000)));
        assert_eq!(parse_count(" 12.5K "), Ok(Some(12_500)));
        assert_eq!(parse_count("1.2m"), Ok(Some(1_200_000)));
        assert_eq!(parse_count(""), Ok(None));
        assert!(parse_count("-3").is_err());
        assert!(parse_count("lots").unwrap_err().contains("\"lots\" is not a number"));
        assert!(parse_count("NaN").is_err());
        assert!(parse_count("1e300").is_err());
    }

    #[test]
    fn a_file_with_errors_duplicates_and_valid_rows() {
        let text = "Name,Platform,Handle,Followers,Likes,Owner,Owner email,Stage,Due,Favourite colour\n\
                    Ava Chen,Instagram,@ava.cooks,\"12,000\",300,Northwind,maya@northwind.example,Contacted,2026-12-01,blue\n\
                    ,tiktok,nameless,10,,,,,,\n\
                    Bo Li,tiktok,bo.li,lots,,,,,,\n\
                    Cy,instagram,TAKEN,5,,,,,,\n\
                    Ava Again,instagram,AVA.COOKS,1,,,,,,\n\
                    Di,youtube,di,1,,Acme,,,,\n\
                    Ed,youtube,ed,1,,Northwind,jordan@brightline.example,,,\n\
                    Fa,x,fa,1,,,,Viral,,\n\
                    Gu,x,gu,1,,,,,31/12/2026,\n\
                    Ha,x,ha,1,,,,content in progress,,\n";
        let f = read(text, &ctx());
        assert_eq!(f.total, 10);
        assert_eq!(f.ignored_columns, vec!["Favourite colour"]);
        let issues: Vec<(usize, Option<&str>)> = f.errors.iter().map(|e| (e.row, e.column.as_deref())).collect();
        assert_eq!(
            issues,
            vec![
                (3, Some("name")),
                (4, Some("followers")),
                (7, Some("owner")),
                (8, Some("owner_email")),
                (9, Some("stage")),
                (10, Some("next_action_due")),
            ]
        );
        assert_eq!(f.duplicates.len(), 2);
        assert_eq!((f.duplicates[0].row, f.duplicates[0].existing_id), (5, Some(99)));
        assert_eq!((f.duplicates[1].row, f.duplicates[1].same_as_row), (6, Some(2)));
        let rows: Vec<usize> = f.rows.iter().map(|r| r.row).collect();
        assert_eq!(rows, vec![2, 11]);
        let ava = &f.rows[0].creator;
        assert_eq!(
            (ava.platform.as_str(), ava.handle.as_str(), ava.followers, ava.avg_likes),
            ("instagram", "ava.cooks", 12_000, 300)
        );
        assert_eq!((ava.owner_org_id, ava.owner_user_id), (Some(1), Some(10)));
        assert_eq!(ava.stage, Some(Stage::Contacted));
        // No owner named: the importer's partner and person.
        assert_eq!((f.rows[1].creator.owner_org_id, f.rows[1].creator.owner_user_id), (Some(2), Some(20)));
        assert_eq!(f.rows[1].creator.stage, Some(Stage::ContentInProgress));
    }

    #[test]
    fn file_level_problems() {
        assert_eq!(read("", &ctx()).errors[0].row, 1);
        let f = read("name,followers\nAva,1\n", &ctx());
        assert!(f.errors[0].message.contains("Missing columns: platform, handle"), "{:?}", f.errors);
        assert!(f.rows.is_empty());
        let f = read("name,platform,handle\n\"Ava,instagram,ava\n", &ctx());
        assert_eq!(f.errors[0].row, 2);
        let f = read("name,platform,handle\nAva,instagram,ava,extra\n", &ctx());
        assert_eq!(f.errors[0].row, 2);
        assert!(f.errors[0].message.contains("4 values but only 3 columns"));
    }

    #[test]
    fn the_template_imports_cleanly() {
        let f = read(&import_template(), &ctx());
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.rows.len(), 1);
        assert_eq!(f.rows[0].creator.avg_reach, Some(30_000));
    }
}

#[cfg(all(test, feature = "ssr"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever the bytes, reading accounts for every row exactly once: imported, refused or duplicate.
        #[test]
        fn every_row_is_accounted_for(body in proptest::collection::vec(
            ("[A-Za-z ]{0,8}", "(instagram|tiktok|youtube|myspace|)", "[a-z@ .]{0,6}", "[0-9,kKx-]{0,5}"), 0..30)
        ) {
            let mut text = String::from("name,platform,handle,followers\n");
            for (n, p, h, f) in &body {
                csv::push_record(&mut text, &[n, p, h, f]);
            }
            let parsed = read(&text, &ImportContext { default_org_id: 1, ..Default::default() });
            prop_assert_eq!(parsed.total, parsed.rows.len() + parsed.errors.len() + parsed.duplicates.len());
            for r in &parsed.rows {
                prop_assert!(r.creator.normalized().is_ok());
            }
        }

        #[test]
        fn never_panics(text in "(?s).{0,300}") {
            let _ = read(&text, &ImportContext::default());
        }
    }
}
