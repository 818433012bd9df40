//! A readable difference between two charter versions: changed sections, line by line.
use serde::{Deserialize, Serialize};

use super::{markdown, CharterDoc, Roster, Section};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Same,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct Line {
    pub change: Change,
    pub text: String,
}

/// Longest-common-subsequence line diff (sections are short).
pub fn lines(before: &str, after: &str) -> Vec<Line> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(Line { change: Change::Same, text: a[i].into() });
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(Line { change: Change::Added, text: b[j].into() });
            j += 1;
        } else {
            out.push(Line { change: Change::Removed, text: a[i].into() });
            i += 1;
        }
    }
    out
}

/// The sections that differ, each with its line diff.
pub fn sections(before: &CharterDoc, after: &CharterDoc, roster: &Roster) -> Vec<(Section, Vec<Line>)> {
    Section::ALL
        .into_iter()
        .filter_map(|s| {
            let (a, b) = (markdown::section(before, s, roster), markdown::section(after, s, roster));
            (a != b).then(|| (s, lines(&a, &b)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_what_was_removed_and_added() {
        let d = lines("a\nb\nc", "a\nx\nc");
        let changes: Vec<(Change, &str)> = d.iter().map(|l| (l.change, l.text.as_str())).collect();
        assert_eq!(changes, [(Change::Same, "a"), (Change::Added, "x"), (Change::Removed, "b"), (Change::Same, "c")]);
    }

    #[test]
    fn only_changed_sections_are_listed() {
        let a = CharterDoc::new_draft();
        let mut b = a.clone();
        b.tiers.tiers[1].min_engagement_rate = 2.5;
        let d = sections(&a, &b, &Roster::default());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, Section::Tiers);
        assert!(d[0].1.iter().any(|l| l.change == Change::Added && l.text.contains("2.5 %")));
    }
}
