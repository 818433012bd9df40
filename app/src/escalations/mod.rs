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
    /// `review_sla`, `threshold`, `rights_expiry` (an asset's usage rights end soon), `rights_overrun` (a
    /// logged use runs past them) or `payout_overdue`.
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

    /// Where it is acted on: a late review on the content page (at its deliverable), usage rights in the rights
    /// ledger, an overdue payout in the payout ledger, a breached threshold on the performance dashboard.
    pub fn href(&self) -> String {
        let c = self.campaign_id;
        match (self.kind.as_str(), self.deliverable_id) {
            ("review_sla", Some(d)) => format!("/campaigns/{c}/content#deliverable-{d}"),
            _ => format!("/campaigns/{c}/{}", self.place().0),
        }
    }

    /// The link's words, naming where it leads.
    pub fn action(&self) -> &'static str {
        self.place().1
    }

    /// The page it is acted on and the words of the link there.
    fn place(&self) -> (&'static str, &'static str) {
        match self.kind.as_str() {
            "review_sla" => ("content", "Review it on Content"),
            "payout_overdue" => ("payouts", "See it in the payout ledger"),
            "over_commitment" => ("payouts", "Fix the budget share in the payout ledger"),
            k if k.starts_with("rights") => ("rights", "See it in the rights ledger"),
            _ => ("performance", "See it on Performance"),
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
        assert_eq!(escalation("payout_overdue", Some(3)).href(), "/campaigns/7/payouts");
        assert_eq!(escalation("payout_overdue", None).action(), "See it in the payout ledger");
        assert_eq!(escalation("over_commitment", None).href(), "/campaigns/7/payouts");
        assert_eq!(escalation("over_commitment", None).action(), "Fix the budget share in the payout ledger");
    }
}
