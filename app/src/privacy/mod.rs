//! Personal data on request: a person's export of everything Chorus holds about them, an organization erasing a
//! creator from one of its campaigns or from all of them at once, and deleting one's own account. Each is written to the privacy log
//! (`privacy_log`), which names records by id only, never by what was erased.
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod ssr;

/// What an erased creator is called everywhere afterwards (the board, the history, the event log).
pub const ERASED_CREATOR: &str = "a creator (erased)";
/// What an erased partner member is called in the history once their account is deleted.
pub const ERASED_PERSON: &str = "a person (erased)";

/// The answer to an erasure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Erased {
    pub campaign_id: i64,
    pub creator_id: i64,
    /// Files removed (drafts and their previews).
    pub files_removed: i64,
    /// Rows whose text was anonymised, across the campaign's tables.
    pub rows_changed: i64,
    /// The person's account was anonymised too (it was linked to no other campaign's creator).
    pub account_erased: bool,
}

/// The answer to erasing a creator from every campaign of the organization: one erasure per campaign, each in
/// its own transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErasedEverywhere {
    /// The campaigns the person was erased from, in campaign order.
    pub erased: Vec<Erased>,
    /// The campaigns where it failed (nothing of that campaign was changed; asking again retries them).
    pub failed: Vec<ErasureFailure>,
}

/// A campaign an erasure across campaigns could not complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErasureFailure {
    pub campaign_id: i64,
    pub creator_id: i64,
    pub message: String,
}

/// Confirms deleting one's own account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeleteAccount {
    /// The account's password.
    pub password: String,
}

/// Texts to take out of stored data: a person's name, emails and handles, matched without regard to ASCII case.
/// Texts shorter than three characters are ignored (they would match inside unrelated words).
#[derive(Debug, Clone, Default)]
pub struct Needles(Vec<String>);

impl Needles {
    pub fn new<I: IntoIterator<Item = String>>(texts: I) -> Needles {
        let mut v: Vec<String> =
            texts.into_iter().map(|t| t.trim().to_ascii_lowercase()).filter(|t| t.chars().count() >= 3).collect();
        // Longest first: "ada trail" before "ada.trail" before a shorter one inside them.
        v.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        v.dedup();
        Needles(v)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn texts(&self) -> &[String] {
        &self.0
    }

    /// `text` with every needle replaced by `with`; `None` when there was none.
    pub fn scrub(&self, text: &str, with: &str) -> Option<String> {
        let mut out = text.to_string();
        let mut changed = false;
        for n in &self.0 {
            // ASCII lower-casing keeps byte offsets, so positions found in the lower-cased copy hold in the original.
            let lower = out.to_ascii_lowercase();
            if !lower.contains(n.as_str()) {
                continue;
            }
            let mut next = String::with_capacity(out.len());
            let mut at = 0;
            for (i, _) in lower.match_indices(n.as_str()) {
                // Whole words only: "Ava" is not taken out of "available".
                let before = out[..i].chars().next_back().is_some_and(char::is_alphanumeric);
                let after = out[i + n.len()..].chars().next().is_some_and(char::is_alphanumeric);
                if i < at || before || after {
                    continue;
                }
                next.push_str(&out[at..i]);
                next.push_str(with);
                at = i + n.len();
            }
            if at == 0 {
                continue;
            }
            next.push_str(&out[at..]);
            out = next;
            changed = true;
        }
        changed.then_some(out)
    }

    /// Scrubs every string (keys excepted) of a JSON value; whether anything changed.
    pub fn scrub_json(&self, v: &mut serde_json::Value, with: &str) -> bool {
        match v {
            serde_json::Value::String(s) => match self.scrub(s, with) {
                Some(new) => {
                    *s = new;
                    true
                }
                None => false,
            },
            serde_json::Value::Array(items) => items.iter_mut().fold(false, |c, i| self.scrub_json(i, with) | c),
            serde_json::Value::Object(map) => map.values_mut().fold(false, |c, i| self.scrub_json(i, with) | c),
            _ => false,
        }
    }

    /// Scrubs a stored text: as JSON when it is a JSON object or array (so escapes and structure stay valid),
    /// otherwise as plain text.
    pub fn scrub_stored(&self, text: &str, with: &str) -> Option<String> {
        let lower = text.to_ascii_lowercase();
        if !self.0.iter().any(|n| lower.contains(n.as_str())) {
            return None;
        }
        let t = text.trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(text) {
                self.scrub_json(&mut v, with);
                let out = v.to_string();
                // Whatever JSON escaping hid (a \u-escaped letter), the plain pass still catches.
                return Some(self.scrub(&out, with).unwrap_or(out));
            }
        }
        self.scrub(text, with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_emails_and_handles_are_replaced_whatever_their_case() {
        let n =
            Needles::new(["Ada Trail".to_string(), "ada@x.example".to_string(), "ada.trail".to_string(), "A".into()]);
        assert_eq!(n.texts().len(), 3, "one-letter texts are ignored");
        assert_eq!(n.scrub("Maya moved ADA TRAIL to contacted", "X").as_deref(), Some("Maya moved X to contacted"));
        assert_eq!(n.scrub("@ada.trail wrote to ada@x.example", "X").as_deref(), Some("@X wrote to X"));
        assert_eq!(n.scrub("nothing here", "X"), None);
        let ava = Needles::new(["Ava".to_string()]);
        assert_eq!(ava.scrub("available to Ava, ava.", "X").as_deref(), Some("available to X, X."));
        let mut v = serde_json::json!({"name": "Ada Trail", "list": ["x", "ada.trail"], "n": 3});
        assert!(n.scrub_json(&mut v, "X"));
        assert_eq!(v, serde_json::json!({"name": "X", "list": ["x", "X"], "n": 3}));
        let stored = r#"{"a":"Ada \"Trail\"","b":"Ada Trail"}"#;
        assert_eq!(n.scrub_stored(stored, "X").unwrap(), r#"{"a":"Ada \"Trail\"","b":"X"}"#);
        assert_eq!(n.scrub("héllo Ada Trail é", "X").as_deref(), Some("héllo X é"));
    }
}
