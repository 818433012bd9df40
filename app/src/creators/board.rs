//! The board's view of the creators: each one a card moving through the stages, with one owner.
use serde::{Deserialize, Serialize};

use crate::campaigns::CampaignSummary;
use crate::vocab::{Lane, OrgRef, Stage};

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
    pub fn metrics(&self) -> crate::creators::Metrics {
        crate::creators::Metrics { followers: self.followers, avg_reach: self.avg_reach, engagements: self.engagements }
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
    pub people: Vec<crate::creators::PartnerPerson>,
    /// The sequence number of the last event included in this state; live updates continue from it.
    pub head: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MoveCard {
    pub stage: Stage,
    /// The version the mover saw; a stale one is refused with a conflict.
    pub version: i64,
}
