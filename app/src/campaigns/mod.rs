//! Campaigns shared between partner organizations, and the invitations that bring partners and creators in.
use serde::{Deserialize, Serialize};

use crate::vocab::OrgRef;

#[cfg(feature = "ssr")]
pub mod ssr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CampaignSummary {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub owner_org: OrgRef,
    pub partners: Vec<OrgRef>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewCampaign {
    pub name: String,
    /// The reporting currency (ISO 4217, e.g. "EUR"); USD when left out. Every amount of the campaign is in it
    /// (its accountable owner can change it until the first amount is entered).
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationKind {
    /// Another organization joins the campaign as a partner.
    Partner,
    /// A creator of the pool gets an account of their own.
    Creator,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewInvitation {
    pub kind: InvitationKind,
    /// For creator invitations: the creator in this campaign's pool.
    #[serde(default)]
    pub creator_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub kind: InvitationKind,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub invited_by: String,
    pub invited_by_org: String,
    /// The path to open, e.g. `/invite/…`; the token itself is shown only once.
    pub path: String,
    pub creator_name: Option<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// What a creator sees of a campaign: only their own card and their point of contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatorCampaign {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub creator_id: i64,
    pub stage: crate::vocab::Stage,
    pub contact_org: String,
    pub contact_person: Option<String>,
}
