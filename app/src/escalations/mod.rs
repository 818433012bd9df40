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
    /// `review_sla`, `threshold`, `rights_expiry` (an asset's usage rights end soon) or `rights_overrun` (a
    /// logged use runs past them).
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

impl Escalation {
    /// Still to act on (open or acknowledged).
    pub fn is_open(&self) -> bool {
        self.status != "resolved"
    }

    /// Where it is acted on: a late review on the content page (at its deliverable), a breached threshold on the
    /// performance dashboard.
    pub fn href(&self) -> String {
        match (self.kind.as_str(), self.deliverable_id) {
            ("review_sla", Some(d)) => format!("/campaigns/{}/content#deliverable-{d}", self.campaign_id),
            ("review_sla", None) => format!("/campaigns/{}/content", self.campaign_id),
            (k, _) if k.starts_with("rights") => format!("/campaigns/{}/rights", self.campaign_id),
            _ => format!("/campaigns/{}/performance", self.campaign_id),
        }
    }

    /// The link's words, naming where it leads.
    pub fn action(&self) -> &'static str {
        if self.kind == "review_sla" {
            "Review it on Content"
        } else if self.kind.starts_with("rights") {
            "See it in the rights ledger"
        } else {
            "See it on Performance"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escalation(kind: &str, deliverable_id: Option<i64>) -> Escalation {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        Escalation {
            id: 1,
            campaign_id: 7,
            kind: kind.into(),
            title: "t".into(),
            detail: String::new(),
            assignee_user_id: None,
            assignee: String::new(),
            status: "open".into(),
            note: String::new(),
            version: 1,
            created_at: at,
            updated_at: at,
            deliverable_id,
        }
    }

    #[test]
    fn each_escalation_links_to_where_it_is_acted_on() {
        assert_eq!(escalation("review_sla", Some(3)).href(), "/campaigns/7/content#deliverable-3");
        assert_eq!(escalation("review_sla", None).href(), "/campaigns/7/content");
        assert_eq!(escalation("threshold", None).href(), "/campaigns/7/performance");
        assert_eq!(escalation("threshold", None).action(), "See it on Performance");
        assert_eq!(escalation("rights_expiry", Some(3)).href(), "/campaigns/7/rights");
        assert_eq!(escalation("rights_overrun", Some(3)).action(), "See it in the rights ledger");
    }
}
