//! The outreach board: creators of the shared pool as cards moving through stages, each with one owner.
use serde::{Deserialize, Serialize};

use crate::accounts::OrgRef;
use crate::campaigns::CampaignSummary;

#[cfg(feature = "ssr")]
pub mod ssr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Prospect,
        Stage::Contacted,
        Stage::Negotiating,
        Stage::Contracted,
        Stage::Briefed,
        Stage::ContentInProgress,
        Stage::Posted,
        Stage::Paid,
        Stage::Declined,
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
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The neighbouring stage, for keyboard moves; declined is kept out of the arrow-key path.
    pub fn step(self, forward: bool) -> Option<Stage> {
        let flow = &Stage::ALL[..8];
        let i = flow.iter().position(|s| *s == self)?;
        if forward { flow.get(i + 1).copied() } else { i.checked_sub(1).map(|j| flow[j]) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub id: i64,
    pub campaign_id: i64,
    pub name: String,
    pub platform: String,
    pub handle: String,
    pub followers: i64,
    pub lane: Lane,
    pub stage: Stage,
    /// The partner organization that owns the relationship.
    pub owner: OrgRef,
    /// The person at that partner who owns it, when named.
    pub owner_person: Option<String>,
    pub next_action: Option<String>,
    pub version: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub campaign: CampaignSummary,
    pub cards: Vec<Card>,
    /// The sequence number of the last event included in this state; live updates continue from it.
    pub head: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCreator {
    pub name: String,
    pub platform: String,
    pub handle: String,
    #[serde(default)]
    pub followers: i64,
    #[serde(default = "default_lane")]
    pub lane: String,
    /// Defaults to the organization of whoever adds the creator.
    #[serde(default)]
    pub owner_org_id: Option<i64>,
    #[serde(default)]
    pub next_action: Option<String>,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoveCard {
    pub stage: Stage,
    /// The version the mover saw; a stale one is refused with a conflict.
    pub version: i64,
}
