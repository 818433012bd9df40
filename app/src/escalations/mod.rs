//! Escalations: something a named person must act on, raised when a clock or a threshold is breached (a review
//! past its SLA in content, a daily figure past its threshold in metrics), once per breach, with a mail to them.
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod ssr;

/// An escalation: something a named person must act on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Escalation {
    pub id: i64,
    pub campaign_id: i64,
    /// `review_sla` or `threshold`.
    pub kind: String,
    pub title: String,
    /// The numbers that triggered it, in words.
    pub detail: String,
    pub assignee_user_id: Option<i64>,
    pub assignee: String,
    /// `open`, `acknowledged` or `resolved`.
    pub status: String,
    pub note: String,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// The deliverable it concerns, when it is about a review.
    pub deliverable_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpdateEscalation {
    /// `acknowledged` or `resolved` (or `open` to reopen).
    pub status: String,
    #[serde(default)]
    pub note: String,
    pub version: i64,
}
