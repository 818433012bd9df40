//! The outreach board: creators of the shared pool as cards moving through stages, each with one owner.
use serde::{Deserialize, Serialize};

use crate::accounts::OrgRef;
use crate::campaigns::CampaignSummary;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Prospect,
    Contacted,
    Negotiating,
    Contracted,
    Briefed,
    ContentInProgress,
    Posted,
    Paid,
    Declined,
    Archived,
}

impl Stage {
    pub const ALL: [Stage; 10] = [
        Stage::Prospect,
        Stage::Contacted,
        Stage::Negotiating,
        Stage::Contracted,
        Stage::Briefed,
        Stage::ContentInProgress,
        Stage::Posted,
        Stage::Paid,
        Stage::Declined,
        Stage::Archived,
    ];
    /// The columns of the flow, prospect to paid; declined and archived are kept out of the way.
    pub const FLOW: [Stage; 8] = [
        Stage::Prospect,
        Stage::Contacted,
        Stage::Negotiating,
        Stage::Contracted,
        Stage::Briefed,
        Stage::ContentInProgress,
        Stage::Posted,
        Stage::Paid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Prospect => "prospect",
            Stage::Contacted => "contacted",
            Stage::Negotiating => "negotiating",
            Stage::Contracted => "contracted",
            Stage::Briefed => "briefed",
            Stage::ContentInProgress => "content_in_progress",
            Stage::Posted => "posted",
            Stage::Paid => "paid",
            Stage::Declined => "declined",
            Stage::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Prospect => "Prospect",
            Stage::Contacted => "Contacted",
            Stage::Negotiating => "Negotiating",
            Stage::Contracted => "Contracted",
            Stage::Briefed => "Briefed",
            Stage::ContentInProgress => "Content in progress",
            Stage::Posted => "Posted",
            Stage::Paid => "Paid",
            Stage::Declined => "Declined",
            Stage::Archived => "Archived",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The neighbouring stage, for keyboard moves; declined is kept out of the arrow-key path.
    pub fn step(self, forward: bool) -> Option<Stage> {
        let flow = &Stage::FLOW;
        let i = flow.iter().position(|s| *s == self)?;
        if forward {
            flow.get(i + 1).copied()
        } else {
            i.checked_sub(1).map(|j| flow[j])
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    Influencer,
    Ugc,
}

impl Lane {
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Influencer => "influencer",
            Lane::Ugc => "ugc",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Lane::Influencer => "Influencer",
            Lane::Ugc => "UGC",
        }
    }
    pub fn parse(s: &str) -> Option<Lane> {
        match s {
            "influencer" => Some(Lane::Influencer),
            "ugc" => Some(Lane::Ugc),
            _ => None,
        }
    }
}

pub const PLATFORMS: [&str; 6] = ["instagram", "tiktok", "youtube", "x", "twitch", "other"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Card {
    pub id: i64,
    pub campaign_id: i64,
    pub name: String,
    /// The primary handle's platform and handle.
    pub platform: String,
    pub handle: String,
    pub followers: i64,
    /// The primary handle's engagement figures, for the engagement rate and the tier.
    pub avg_reach: Option<i64>,
    pub engagements: i64,
    /// How many handles the creator has across platforms.
    pub handles: i64,
    pub country: Option<String>,
    pub lane: Lane,
    pub stage: Stage,
    /// When the card entered its current stage.
    pub stage_since: chrono::DateTime<chrono::Utc>,
    /// The partner organization that owns the relationship.
    pub owner: OrgRef,
    /// The person at that partner who owns it, when named.
    pub owner_user_id: Option<i64>,
    pub owner_person: Option<String>,
    pub next_action: Option<String>,
    pub next_action_due: Option<chrono::NaiveDate>,
    pub version: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Card {
    pub fn metrics(&self) -> crate::pool::Metrics {
        crate::pool::Metrics { followers: self.followers, avg_reach: self.avg_reach, engagements: self.engagements }
    }
    /// Whole days in the current stage at `now`.
    pub fn stage_age_days(&self, now: chrono::DateTime<chrono::Utc>) -> i64 {
        (now - self.stage_since).num_days().max(0)
    }
    /// The next action is due before `today`.
    pub fn overdue(&self, today: chrono::NaiveDate) -> bool {
        self.next_action_due.is_some_and(|d| d < today)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Board {
    pub campaign: CampaignSummary,
    pub cards: Vec<Card>,
    /// The charter's tier definitions (the template until the charter sets them).
    pub tiers: crate::charter::Tiers,
    /// People of every partner, for the owner pickers and the person filter.
    pub people: Vec<crate::pool::PartnerPerson>,
    /// The sequence number of the last event included in this state; live updates continue from it.
    pub head: i64,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_round_trip_and_step_along_the_flow() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::Value::String(s.as_str().into()));
        }
        assert_eq!(Stage::Prospect.step(true), Some(Stage::Contacted));
        assert_eq!(Stage::Prospect.step(false), None);
        assert_eq!(Stage::Posted.step(true), Some(Stage::Paid));
        assert_eq!(Stage::Paid.step(true), None);
        // Declined is out of the arrow-key path.
        assert_eq!(Stage::Declined.step(true), None);
        assert_eq!(Stage::parse("viral"), None);
    }
}

fn default_lane() -> String {
    "influencer".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MoveCard {
    pub stage: Stage,
    /// The version the mover saw; a stale one is refused with a conflict.
    pub version: i64,
}
