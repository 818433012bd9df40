//! A readable difference between two charter versions: changed sections, line by line.
use serde::{Deserialize, Serialize};

use super::{markdown, CharterDoc, Roster, Section};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = LineChange))]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Same,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = DiffLine))]
pub struct Line {
    pub change: Change,
    pub text: String,
}

/// Inputs whose LCS table has at most this many cells are diffed exactly as they always were (a table of 64 kB).
const SMALL_TABLE: usize = 16 * 1024;
/// The most steps the linear-space diff may take (about a tenth of a second): past it, what is left differing is
/// shown replaced whole. Similar texts of any length take far fewer (their differences times their length).
const MAX_STEPS: usize = 8_000_000;

/// A line diff: what was removed, what was added, and what stayed, in order.
///
/// Small inputs get the longest-common-subsequence table they always did. Larger ones (two captions of 10,000 lines
/// would make that table 400 MB) get Myers' O(ND) diff in linear space after the common start and end are set
/// aside; its work is capped, and beyond the cap the part still differing is shown replaced whole. Within a run of
/// changes, added lines come before removed ones, as always.
pub fn lines(before: &str, after: &str) -> Vec<Line> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let (keep_a, keep_b) = if (a.len() + 1).saturating_mul(b.len() + 1) <= SMALL_TABLE {
        lcs_matches(&a, &b)
    } else {
        myers_matches(&a, &b)
    };
    render(&a, &b, &keep_a, &keep_b)
}

/// Writes the diff from which lines of each side are kept (matched in order): between two kept lines, the added
/// lines first, then the removed ones.
fn render(a: &[&str], b: &[&str], keep_a: &[bool], keep_b: &[bool]) -> Vec<Line> {
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(a.len().max(b.len())));
    while i < a.len() || j < b.len() {
        while j < b.len() && !keep_b[j] {
            out.push(Line { change: Change::Added, text: b[j].into() });
            j += 1;
        }
        while i < a.len() && !keep_a[i] {
            out.push(Line { change: Change::Removed, text: a[i].into() });
            i += 1;
        }
        if i < a.len() && j < b.len() {
            out.push(Line { change: Change::Same, text: a[i].into() });
            i += 1;
            j += 1;
        }
    }
    out
}

/// The kept lines of the longest common subsequence, chosen as the table walk always chose them.
fn lcs_matches(a: &[&str], b: &[&str]) -> (Vec<bool>, Vec<bool>) {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut keep_a, mut keep_b) = (vec![false; n], vec![false; m]);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            keep_a[i] = true;
            keep_b[j] = true;
            i += 1;
            j += 1;
        } else if lcs[i][j + 1] >= lcs[i + 1][j] {
            j += 1;
        } else {
            i += 1;
        }
    }
    (keep_a, keep_b)
}

/// The kept lines by Myers' diff in linear space, lines compared as numbers (equal texts, equal numbers).
fn myers_matches(a: &[&str], b: &[&str]) -> (Vec<bool>, Vec<bool>) {
    let mut ids = std::collections::HashMap::new();
    let mut id = |s: &str| {
        let next = ids.len() as u32;
        *ids.entry(s.to_string()).or_insert(next)
    };
    let a: Vec<u32> = a.iter().map(|s| id(s)).collect();
    let b: Vec<u32> = b.iter().map(|s| id(s)).collect();
    let mut d =
        Myers { a: &a, b: &b, keep_a: vec![false; a.len()], keep_b: vec![false; b.len()], steps_left: MAX_STEPS };
    d.diff(0, a.len(), 0, b.len());
    (d.keep_a, d.keep_b)
}

struct Myers<'a> {
    a: &'a [u32],
    b: &'a [u32],
    keep_a: Vec<bool>,
    keep_b: Vec<bool>,
    steps_left: usize,
}

impl Myers<'_> {
    /// Marks the kept lines of `a[a0..a1]` against `b[b0..b1]`.
    fn diff(&mut self, mut a0: usize, mut a1: usize, mut b0: usize, mut b1: usize) {
        // The common start and end are kept as they are.
        while a0 < a1 && b0 < b1 && self.a[a0] == self.b[b0] {
            self.keep_a[a0] = true;
            self.keep_b[b0] = true;
            a0 += 1;
            b0 += 1;
        }
        while a0 < a1 && b0 < b1 && self.a[a1 - 1] == self.b[b1 - 1] {
            a1 -= 1;
            b1 -= 1;
            self.keep_a[a1] = true;
            self.keep_b[b1] = true;
        }
        if a0 == a1 || b0 == b1 {
            return;
        }
        // Split where the shortest edit path crosses the middle, and do each half; past the cap, nothing more is
        // matched here (this part is shown replaced whole).
        if let Some((x, y)) = self.middle(a0, a1, b0, b1) {
            self.diff(a0, x, b0, y);
            self.diff(x, a1, y, b1);
        }
    }

    /// A point (x, y) on a shortest edit path of `a[a0..a1]` to `b[b0..b1]`, found from both ends at once, strictly
    /// inside it (so both halves are smaller); `None` once the step budget is spent.
    fn middle(&mut self, a0: usize, a1: usize, b0: usize, b1: usize) -> Option<(usize, usize)> {
        let (a, b) = (&self.a[a0..a1], &self.b[b0..b1]);
        let (n, m) = (a.len() as isize, b.len() as isize);
        let max_d = (n + m + 1) / 2;
        let offset = max_d + 1;
        let width = (2 * max_d + 3) as usize;
        // Furthest x reached on each diagonal k = x - y, from the start (forward) and from the end (backward).
        let mut fwd = vec![-1isize; width];
        let mut bwd = vec![-1isize; width];
        fwd[(offset + 1) as usize] = 0;
        bwd[(offset + 1) as usize] = 0;
        let delta = n - m;
        // With an odd difference in length, the paths meet on a forward step; with an even one, on a backward step.
        let odd = delta % 2 != 0;
        let (mut k1_start, mut k1_end, mut k2_start, mut k2_end) = (0isize, 0isize, 0isize, 0isize);
        for d in 0..max_d {
            self.steps_left = self.steps_left.checked_sub((2 * d + 1) as usize)?;
            let mut k1 = -d + k1_start;
            while k1 <= d - k1_end {
                let i = (offset + k1) as usize;
                let mut x = if k1 == -d || (k1 != d && fwd[i - 1] < fwd[i + 1]) { fwd[i + 1] } else { fwd[i - 1] + 1 };
                let mut y = x - k1;
                let from = x;
                while x < n && y < m && a[x as usize] == b[y as usize] {
                    x += 1;
                    y += 1;
                }
                self.steps_left = self.steps_left.saturating_sub((x - from) as usize);
                fwd[i] = x;
                if x > n {
                    k1_end += 2;
                } else if y > m {
                    k1_start += 2;
                } else if odd {
                    let j = offset + delta - k1;
                    if j >= 0 && (j as usize) < width && bwd[j as usize] != -1 && x >= n - bwd[j as usize] {
                        return Some((a0 + x as usize, b0 + y as usize));
                    }
                }
                k1 += 2;
            }
            let mut k2 = -d + k2_start;
            while k2 <= d - k2_end {
                let i = (offset + k2) as usize;
                let mut x = if k2 == -d || (k2 != d && bwd[i - 1] < bwd[i + 1]) { bwd[i + 1] } else { bwd[i - 1] + 1 };
                let mut y = x - k2;
                let from = x;
                while x < n && y < m && a[(n - x - 1) as usize] == b[(m - y - 1) as usize] {
                    x += 1;
                    y += 1;
                }
                self.steps_left = self.steps_left.saturating_sub((x - from) as usize);
                bwd[i] = x;
                if x > n {
                    k2_end += 2;
                } else if y > m {
                    k2_start += 2;
                } else if !odd {
                    let j = offset + delta - k2;
                    if j >= 0 && (j as usize) < width && fwd[j as usize] != -1 {
                        let fx = fwd[j as usize];
                        let fy = fx - (j - offset);
                        if fx >= n - x {
                            return Some((a0 + fx as usize, b0 + fy as usize));
                        }
                    }
                }
                k2 += 2;
            }
        }
        None
    }
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

    /// The diff as it was before the linear-space one: the whole LCS table, walked from the start.
    fn reference(before: &str, after: &str) -> Vec<Line> {
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

    /// Both texts read back from a diff: (before, after).
    fn sides(d: &[Line]) -> (Vec<&str>, Vec<&str>) {
        let before = d.iter().filter(|l| l.change != Change::Added).map(|l| l.text.as_str()).collect();
        let after = d.iter().filter(|l| l.change != Change::Removed).map(|l| l.text.as_str()).collect();
        (before, after)
    }

    fn same(d: &[Line]) -> usize {
        d.iter().filter(|l| l.change == Change::Same).count()
    }

    fn via_myers(before: &str, after: &str) -> Vec<Line> {
        let (a, b): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
        let (ka, kb) = myers_matches(&a, &b);
        render(&a, &b, &ka, &kb)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// Small inputs: exactly the diff they always had.
        #[test]
        fn small_inputs_diff_as_before(a in proptest::collection::vec("[abc]", 0..14), b in proptest::collection::vec("[abc]", 0..14)) {
            let (a, b) = (a.join("\n"), b.join("\n"));
            proptest::prop_assert_eq!(lines(&a, &b), reference(&a, &b));
        }

        /// The linear-space diff: both texts come back, and it keeps as many lines as the longest common subsequence.
        #[test]
        fn the_linear_diff_is_minimal(a in proptest::collection::vec("[abcd]", 0..60), b in proptest::collection::vec("[abcd]", 0..60)) {
            let (a, b) = (a.join("\n"), b.join("\n"));
            let d = via_myers(&a, &b);
            let (before, after) = sides(&d);
            proptest::prop_assert_eq!(before, a.lines().collect::<Vec<_>>());
            proptest::prop_assert_eq!(after, b.lines().collect::<Vec<_>>());
            proptest::prop_assert_eq!(same(&d), same(&reference(&a, &b)));
        }
    }

    #[test]
    fn ten_thousand_lines_each_are_quick_and_small() {
        // Two captions of 10,000 short lines with nothing in common: the old table would be 400 MB.
        let a: String = (0..10_000).map(|i| format!("a{i}\n")).collect();
        let b: String = (0..10_000).map(|i| format!("b{i}\n")).collect();
        let started = std::time::Instant::now();
        let d = lines(&a, &b);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!(d.len(), 20_000);
        assert_eq!(same(&d), 0);
        let (before, after) = sides(&d);
        assert_eq!((before.len(), after.len()), (10_000, 10_000));

        // The same caption with a few lines changed: exactly those lines differ.
        let mut changed: Vec<String> = (0..10_000).map(|i| format!("a{i}")).collect();
        for i in [3, 2_500, 7_777, 9_999] {
            changed[i] = format!("changed {i}");
        }
        changed.insert(5_000, "new line".into());
        let started = std::time::Instant::now();
        let d = lines(&a, &changed.join("\n"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!(same(&d), 9_996);
        assert_eq!(d.iter().filter(|l| l.change == Change::Added).count(), 5);

        // Interleaved so that no common start or end helps, and the work cap is reached: still a valid diff.
        let x: String = (0..10_000).map(|i| format!("{}\n", i % 7)).collect();
        let y: String = (0..10_000).map(|i| format!("{}\n", i % 11)).collect();
        let started = std::time::Instant::now();
        let d = lines(&x, &y);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        let (before, after) = sides(&d);
        assert_eq!((before, after), (x.lines().collect::<Vec<_>>(), y.lines().collect::<Vec<_>>()));
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
