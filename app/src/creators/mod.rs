//! The creators of a campaign's shared pool, one record each: introduced by any partner, owned by one, moving
//! through the stages. The board (`board`: cards) and the pool (`pool`: profiles, figures, tiers) are two views of
//! the same creator; `import` and `csv` bring creators in from a file and out again.
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::vocab::{Lane, OrgRef, Stage, PLATFORMS};

pub mod board;
pub mod csv;
pub mod import;
pub mod pool;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use board::{Board, Card, MoveCard};
pub use import::{ApplyMode, Duplicate, ImportPreview, ImportResult, ImportStatus, RowIssue};
pub use pool::{pct, tier_for, Metrics, PlatformStats, Tiering};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewCreator {
    pub name: String,
    pub platform: String,
    pub handle: String,
    #[serde(default)]
    pub followers: i64,
    #[serde(default)]
    pub avg_reach: Option<i64>,
    #[serde(default)]
    pub avg_likes: i64,
    #[serde(default)]
    pub avg_comments: i64,
    #[serde(default)]
    pub avg_shares: i64,
    #[serde(default)]
    pub avg_saves: i64,
    #[serde(default = "default_lane")]
    pub lane: String,
    /// Defaults to the organization of whoever adds the creator.
    #[serde(default)]
    pub owner_org_id: Option<i64>,
    /// A person of the owner organization; defaults to whoever adds the creator when it is their own.
    #[serde(default)]
    pub owner_user_id: Option<i64>,
    /// Defaults to prospect.
    #[serde(default)]
    pub stage: Option<Stage>,
    #[serde(default)]
    pub next_action: Option<String>,
    #[serde(default)]
    pub next_action_due: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub audience_notes: String,
    #[serde(default)]
    pub rates: String,
    #[serde(default)]
    pub contact_email: Option<String>,
    /// Add even though a creator with the same name or contact email is already in the pool.
    #[serde(default)]
    pub allow_similar: bool,
}

impl NewCreator {
    /// A cleaned copy (trimmed, platform lower case, handle without "@", country upper case, …), or an
    /// error naming the field. The one validation used by the form, the API and the CSV import.
    pub fn normalized(&self) -> Result<NewCreator, AppError> {
        let mut n = self.clone();
        n.name = self.name.trim().to_string();
        if n.name.is_empty() {
            return Err(AppError::validation("name", "Enter the creator's name"));
        }
        crate::limits::check_len("name", &n.name, crate::limits::NAME)?;
        n.platform = self.platform.trim().to_lowercase();
        if !PLATFORMS.contains(&n.platform.as_str()) {
            return Err(AppError::validation("platform", format!("Choose one of: {}", PLATFORMS.join(", "))));
        }
        n.handle = self.handle.trim().trim_start_matches('@').to_string();
        if n.handle.is_empty() || n.handle.chars().any(char::is_whitespace) {
            return Err(AppError::validation("handle", "Enter the handle without spaces, e.g. @studio.mara"));
        }
        crate::limits::check_len("handle", &n.handle, crate::limits::HANDLE)?;
        for (field, v) in [
            ("followers", self.followers),
            ("avg_likes", self.avg_likes),
            ("avg_comments", self.avg_comments),
            ("avg_shares", self.avg_shares),
            ("avg_saves", self.avg_saves),
            ("avg_reach", self.avg_reach.unwrap_or(0)),
        ] {
            // Followers and averages per post: at most ten billion each, so their sums never overflow.
            crate::limits::check_range(field, v, crate::limits::FOLLOWERS)?;
        }
        n.lane = Lane::parse(self.lane.trim())
            .ok_or_else(|| AppError::validation("lane", "Choose influencer or ugc"))?
            .as_str()
            .into();
        let blank = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        n.next_action = blank(&self.next_action);
        if let Some(a) = &n.next_action {
            crate::limits::check_len("next_action", a, crate::limits::SHORT)?;
        }
        n.country = blank(&self.country).map(|c| c.to_uppercase());
        if let Some(c) = &n.country {
            if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                return Err(AppError::validation("country", "Use the two-letter country code, e.g. US or DE"));
            }
        }
        n.language = blank(&self.language).map(|c| c.to_lowercase());
        if let Some(l) = &n.language {
            if !(2..=3).contains(&l.len()) || !l.chars().all(|ch| ch.is_ascii_alphabetic()) {
                return Err(AppError::validation("language", "Use the two-letter language code, e.g. en or de"));
            }
        }
        n.contact_email = blank(&self.contact_email).map(|e| e.to_lowercase());
        if let Some(e) = &n.contact_email {
            crate::limits::check_len("contact_email", e, crate::limits::EMAIL)?;
            let ok = e
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !e.contains(char::is_whitespace));
            if !ok {
                return Err(AppError::validation("contact_email", "Enter an email address like name@example.com"));
            }
        }
        n.audience_notes = self.audience_notes.trim().to_string();
        crate::limits::check_len("audience_notes", &n.audience_notes, crate::limits::NOTE)?;
        n.rates = self.rates.trim().to_string();
        crate::limits::check_len("rates", &n.rates, crate::limits::NOTE)?;
        Ok(n)
    }

    /// A creator with just the required fields (the rest default).
    pub fn named(name: &str, platform: &str, handle: &str) -> NewCreator {
        NewCreator {
            name: name.into(),
            platform: platform.into(),
            handle: handle.into(),
            followers: 0,
            avg_reach: None,
            avg_likes: 0,
            avg_comments: 0,
            avg_shares: 0,
            avg_saves: 0,
            lane: default_lane(),
            owner_org_id: None,
            owner_user_id: None,
            stage: None,
            next_action: None,
            next_action_due: None,
            country: None,
            language: None,
            audience_notes: String::new(),
            rates: String::new(),
            contact_email: None,
            allow_similar: false,
        }
    }
}

fn default_lane() -> String {
    "influencer".into()
}

/// The editable profile of a creator (everything but the handles and the board fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Profile {
    pub name: String,
    /// ISO 3166 alpha-2, upper case (e.g. "US").
    pub country: Option<String>,
    /// ISO 639-1, lower case (e.g. "en").
    pub language: Option<String>,
    pub audience_notes: String,
    /// Free text: "$1,200 per Reel, $400 per Story".
    pub rates: String,
    pub contact_email: Option<String>,
}

/// One entry of a creator's history: moves, notes, owner changes, edits, merges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub id: i64,
    /// "added", "moved", "owner", "note", "edited", "handle", "merged", "imported", "next_action".
    pub kind: String,
    pub text: String,
    pub actor_name: String,
    pub actor_org: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Everything a card's detail shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatorDetail {
    pub card: Card,
    pub profile: Profile,
    pub handles: Vec<PlatformStats>,
    pub history: Vec<HistoryEntry>,
    /// The creator's own account (name, email), once they accepted a portal invitation.
    pub account: Option<(String, String)>,
}

/// A person at a partner organization, for the owner pickers and the person filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PartnerPerson {
    pub user_id: i64,
    pub name: String,
    pub org_id: i64,
}

/// A change of relationship owner. `user_id` must belong to `org_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangeOwner {
    pub org_id: i64,
    #[serde(default)]
    pub user_id: Option<i64>,
    pub version: i64,
}

/// The next action and its due date (YYYY-MM-DD).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetNextAction {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub due: Option<chrono::NaiveDate>,
    pub version: i64,
}

/// An edit of the profile and the primary handle's figures, based on `version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EditCreator {
    pub profile: Profile,
    /// Figures of the primary handle (platform and handle themselves do not change here).
    pub stats: PlatformStats,
    #[serde(default)]
    pub lane: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewNote {
    pub text: String,
}

/// Merge `from` into the creator addressed: handles, history and notes move over; `from` is removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Merge {
    pub from_id: i64,
}
/// An owner as a card shows it: the partner and the person.
pub fn owner_label(org: &OrgRef, person: Option<&str>) -> String {
    match person {
        Some(p) => format!("{} · {p}", org.name),
        None => org.name.clone(),
    }
}
