//! Two content lanes (influencer posts and UGC assets) and the one approval workflow every partner runs:
//! deliverables, rounds of submissions, reviews against the lane's criteria, a clock on every review, and
//! escalation when a clock runs out.
use serde::{Deserialize, Serialize};

use crate::charter::{CharterDoc, Roster};
use crate::escalations::Escalation;
use crate::outbox::OutboxMail;
use crate::vocab::{Lane, OrgRef};

pub mod disclosure;
pub mod sla;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod turnaround;
#[cfg(feature = "ssr")]
pub mod uploads;

pub use turnaround::{turnaround, RoundTiming, Turnaround};

/// Where a deliverable is in its approval workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Briefed; nothing submitted yet.
    AwaitingDraft,
    /// A round waits for its reviewer; its SLA clock runs.
    InReview,
    /// The reviewer asked for changes: the creator's turn again.
    ChangesRequested,
    Approved,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::AwaitingDraft, Status::InReview, Status::ChangesRequested, Status::Approved, Status::Rejected];

    pub fn key(self) -> &'static str {
        match self {
            Status::AwaitingDraft => "awaiting_draft",
            Status::InReview => "in_review",
            Status::ChangesRequested => "changes_requested",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.key() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::AwaitingDraft => "Awaiting draft",
            Status::InReview => "In review",
            Status::ChangesRequested => "Changes requested",
            Status::Approved => "Approved",
            Status::Rejected => "Rejected",
        }
    }
    /// The creator may submit a (new) round.
    pub fn open_for_submission(self) -> bool {
        matches!(self, Status::AwaitingDraft | Status::ChangesRequested)
    }
}

/// A reviewer's decision on one round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    ChangesRequested,
    Rejected,
}

impl Decision {
    pub fn key(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::ChangesRequested => "changes_requested",
            Decision::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Decision> {
        [Decision::Approved, Decision::ChangesRequested, Decision::Rejected].into_iter().find(|d| d.key() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Decision::Approved => "Approved",
            Decision::ChangesRequested => "Changes requested",
            Decision::Rejected => "Rejected",
        }
    }
    pub fn status(self) -> Status {
        match self {
            Decision::Approved => Status::Approved,
            Decision::ChangesRequested => Status::ChangesRequested,
            Decision::Rejected => Status::Rejected,
        }
    }
}

/// Payout status: tracked only (no money moves through Chorus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Payout {
    Owed,
    Approved,
    Paid,
}

impl Payout {
    pub const ALL: [Payout; 3] = [Payout::Owed, Payout::Approved, Payout::Paid];
    pub fn key(self) -> &'static str {
        match self {
            Payout::Owed => "owed",
            Payout::Approved => "approved",
            Payout::Paid => "paid",
        }
    }
    pub fn parse(s: &str) -> Option<Payout> {
        Payout::ALL.into_iter().find(|p| p.key() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Payout::Owed => "Owed",
            Payout::Approved => "Approved for payment",
            Payout::Paid => "Paid",
        }
    }
}

/// Who reviews a lane's content, per the charter's responsibility matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Reviewer {
    pub user_id: Option<i64>,
    /// "Lena Vogt (Studio Kin)", or the organization alone when the matrix names no person.
    pub label: String,
    pub org_id: Option<i64>,
    /// The responsibility line that makes them the reviewer, e.g. "UGC strategy and content approval".
    pub responsibility: String,
    /// Why: "UGC lead of 2027-Q1" or "influencer relations owner".
    pub why: String,
}

/// The reviewer of a lane on a given day: for UGC the quarter's UGC lead organization and its person accountable
/// for UGC; for influencer posts the person accountable for influencer relations. `None` when the charter says
/// nobody (then any partner member may review).
pub fn reviewer_for(doc: &CharterDoc, roster: &Roster, lane: Lane, today: chrono::NaiveDate) -> Option<Reviewer> {
    let mentions = |text: &str, word: &str| text.to_lowercase().contains(word);
    let (word, lead_org, why) = match lane {
        Lane::Ugc => {
            let quarter = crate::charter::quarter_of(today);
            let lead = doc.ugc_lead(&quarter);
            ("ugc", lead, format!("UGC lead of {quarter}"))
        }
        Lane::Influencer => ("influencer", None, "influencer relations owner".to_string()),
    };
    let items: Vec<_> = doc.responsibilities.items.iter().filter(|r| mentions(&r.responsibility, word)).collect();
    let item = match lead_org {
        Some(org) => items.iter().find(|r| r.org_id == org).or_else(|| items.first()),
        None => items.first(),
    };
    match (item, lead_org) {
        (Some(r), _) if lead_org.is_none() || lead_org == Some(r.org_id) => Some(Reviewer {
            user_id: r.accountable,
            label: match r.accountable {
                Some(_) => roster.person_label(r.accountable),
                None => roster.org_label(Some(r.org_id)),
            },
            org_id: Some(r.org_id),
            responsibility: r.responsibility.clone(),
            why,
        }),
        // The lead organization has no UGC line of its own in the matrix: the organization reviews.
        (_, Some(org)) => Some(Reviewer {
            user_id: None,
            label: roster.org_label(Some(org)),
            org_id: Some(org),
            responsibility: "UGC strategy (quarterly rotation)".into(),
            why,
        }),
        _ => None,
    }
}

/// Whether a partner member may decide on a lane's content: the named reviewer, a colleague of theirs (the
/// reviewing organization), or the campaign's accountable owner; anyone on a partner when nobody is named.
pub fn may_decide(reviewer: Option<&Reviewer>, accountable_owner: Option<i64>, user_id: i64, org_id: i64) -> bool {
    match reviewer {
        None => true,
        Some(r) => r.user_id == Some(user_id) || r.org_id == Some(org_id) || accountable_owner == Some(user_id),
    }
}

/// One of the lane's approval criteria, ticked (or not) by the reviewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Criterion {
    pub text: String,
    pub met: bool,
}

/// A lane's settings: its brief, approval SLA, budget line and default fee; its criteria come from the charter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LaneSettings {
    pub lane: Lane,
    /// Markdown.
    pub brief: String,
    pub sla_hours: i64,
    pub budget_cents: i64,
    pub default_fee_cents: i64,
    /// 0 until first saved.
    pub version: i64,
    pub criteria: Vec<String>,
    pub reviewer: Option<Reviewer>,
    /// Fees of this lane's deliverables in the campaign's currency (each converted on the day it was briefed):
    /// committed against the budget line.
    pub committed_cents: i64,
    /// The rates the committed sum still waits for (fees in another currency without one are left out of it).
    pub committed_missing: Option<String>,
}

impl LaneSettings {
    pub fn default_sla(lane: Lane) -> i64 {
        match lane {
            Lane::Ugc => 24,
            Lane::Influencer => 48,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SaveLane {
    pub lane: Lane,
    pub brief: String,
    pub sla_hours: i64,
    pub budget_cents: i64,
    pub default_fee_cents: i64,
    /// The version the editor started from (0 for a lane never saved).
    pub version: i64,
}

/// A file of a submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FileRef {
    pub id: String,
    pub file_name: String,
    /// The kind found by looking at the content, e.g. `png`, `mp4`.
    pub kind: String,
    pub mime: String,
    pub size: i64,
    pub has_thumb: bool,
}

impl FileRef {
    pub fn is_image(&self) -> bool {
        self.mime.starts_with("image/")
    }
    pub fn is_video(&self) -> bool {
        self.mime.starts_with("video/")
    }
}

/// One round (v1, v2, …) of a deliverable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Round {
    pub submission_id: i64,
    pub round: i64,
    pub caption: String,
    pub link: Option<String>,
    pub files: Vec<FileRef>,
    pub submitted_by: String,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub sla_hours: i64,
    pub review_due_at: chrono::DateTime<chrono::Utc>,
    /// The review deadline in the campaign's time zone, e.g. "9 Mar 14:00 CET".
    pub review_due_label: String,
    pub decision: Option<Decision>,
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What the reviewer tells the creator.
    pub feedback: String,
    pub criteria: Vec<Criterion>,
    /// The caption compared with the round before (empty for v1).
    pub caption_diff: Vec<crate::charter::diff::Line>,
    /// The automatic disclosure criterion, checked when the round was sent (none for rounds sent before it
    /// existed).
    #[serde(default)]
    pub disclosure: Option<disclosure::DisclosureCheck>,
    /// Why the reviewer approved over a failed disclosure check (kept with the round; `decided_by` says who).
    #[serde(default)]
    pub disclosure_note: String,
}

impl Round {
    /// Decided within its SLA (`None` while pending).
    pub fn within_sla(&self) -> Option<bool> {
        self.decided_at.map(|d| d <= self.review_due_at)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: i64,
    pub round: Option<i64>,
    pub author: String,
    pub org_name: Option<String>,
    /// Partners only; never shown to the creator.
    pub internal: bool,
    pub body: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Deliverable {
    pub id: i64,
    pub campaign_id: i64,
    pub creator_id: i64,
    pub creator_name: String,
    /// The partner that owns the creator relationship.
    pub owner_org: Option<OrgRef>,
    pub lane: Lane,
    pub title: String,
    pub expectations: String,
    pub due_date: Option<chrono::NaiveDate>,
    /// The end of the due day in the campaign's time zone.
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub fee_cents: i64,
    /// The fee's currency (ISO 4217): the one agreed with the creator, else the campaign's.
    #[serde(default)]
    pub fee_currency: String,
    pub status: Status,
    pub payout: Payout,
    pub version: i64,
    pub reviewer: Option<Reviewer>,
    pub rounds: Vec<Round>,
    pub comments: Vec<Comment>,
    /// Where its usage rights stand, once approved (from the rights ledger; expiring and expired are marked).
    #[serde(default)]
    pub rights: Option<RightsMark>,
}

/// An approved asset's usage rights in short, as the content page and the portal mark it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RightsMark {
    /// `no_terms`, `not_started`, `active`, `expiring` or `expired`.
    pub state: String,
    /// "Expiring · 3 days left", "Expired 12 days ago".
    pub label: String,
    /// The last day the rights cover, if known.
    pub ends_on: Option<chrono::NaiveDate>,
}

impl Deliverable {
    /// The round waiting for review, if any.
    pub fn pending(&self) -> Option<&Round> {
        self.rounds.last().filter(|r| r.decision.is_none())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewDeliverable {
    pub creator_id: i64,
    /// Defaults to the creator's lane.
    #[serde(default)]
    pub lane: Option<Lane>,
    pub title: String,
    #[serde(default)]
    pub expectations: String,
    /// YYYY-MM-DD, a day in the campaign's time zone.
    #[serde(default)]
    pub due_date: Option<String>,
    /// Defaults to the lane's default fee.
    #[serde(default)]
    pub fee_cents: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewSubmission {
    #[serde(default)]
    pub caption: String,
    #[serde(default)]
    pub link: Option<String>,
    /// Completed uploads of this deliverable.
    #[serde(default)]
    pub uploads: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Review {
    /// The round decided (must be the pending one).
    pub round: i64,
    pub decision: Decision,
    /// To the creator; required to request changes or reject.
    #[serde(default)]
    pub feedback: String,
    /// One tick per lane criterion, in order.
    #[serde(default)]
    pub criteria: Vec<bool>,
    /// Required to approve a round whose disclosure check failed: why it may go out as it is.
    #[serde(default)]
    pub disclosure_note: String,
    /// The deliverable version the reviewer saw.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewDeliverableComment {
    pub body: String,
    /// Partners only (ignored for creators, whose comments always reach the partners).
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetPayout {
    pub payout: Payout,
    pub version: i64,
}

/// A creator the partners can brief (for the new-deliverable form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Briefable {
    pub creator_id: i64,
    pub name: String,
    pub lane: Lane,
    pub has_account: bool,
    /// The currency agreed with her (ISO 4217): a fee given when briefing her is in it; `None` for the campaign's.
    pub currency: Option<String>,
}

/// The partners' content page: both lanes side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContentView {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub time_zone: String,
    /// The campaign's currency (ISO 4217): budget lines and default fees are in it.
    pub currency: String,
    pub lanes: Vec<LaneSettings>,
    pub deliverables: Vec<Deliverable>,
    pub turnaround: Vec<Turnaround>,
    pub escalations: Vec<Escalation>,
    pub outbox: Vec<OutboxMail>,
    pub creators: Vec<Briefable>,
    pub partners: Vec<OrgRef>,
    /// The event sequence number this view is as of.
    pub head: i64,
    /// Whether the signed-in member may decide per lane (influencer, UGC).
    pub may_decide: Vec<(Lane, bool)>,
    pub max_upload_bytes: u64,
}

/// What a lane means for the creator: its brief, criteria and review time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PortalLane {
    pub lane: Lane,
    pub brief: String,
    pub criteria: Vec<String>,
    pub sla_hours: i64,
}

/// A creator's page for one campaign: only what is addressed to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PortalView {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub creator_id: i64,
    /// The one named point of contact: "Jordan Reyes (Brightline Agency)".
    pub contact: String,
    pub expectations: String,
    pub lanes: Vec<PortalLane>,
    /// Their deliverables, with feedback and payout status; no internal comments.
    pub deliverables: Vec<Deliverable>,
    pub max_upload_bytes: u64,
    pub time_zone: String,
}

/// The state of one upload, for progress and resuming.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UploadState {
    pub id: String,
    pub file_name: String,
    pub size: i64,
    pub received: i64,
    /// `receiving`, `complete` or `failed`.
    pub status: String,
    pub kind: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StartUpload {
    pub file_name: String,
    pub size: i64,
    /// Chosen by the client (e.g. a random id per file); starting again with it resumes the same upload.
    pub client_key: String,
}

/// A whole number with thousands separators: 1234567 → "1,234,567".
pub fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charter::{Person, Responsibilities, Responsibility, Rotation, RotationSlot};
    use crate::vocab::OrgKind;

    fn org(id: i64, name: &str) -> OrgRef {
        OrgRef { id, name: name.into(), kind: OrgKind::Agency, color: "#000".into() }
    }

    fn doc() -> (CharterDoc, Roster) {
        let mut doc = CharterDoc::new_draft();
        doc.responsibilities = Responsibilities {
            items: vec![
                Responsibility { org_id: 1, responsibility: "Budget and final say".into(), accountable: Some(10) },
                Responsibility {
                    org_id: 2,
                    responsibility: "Influencer relations and talent".into(),
                    accountable: Some(20),
                },
                Responsibility {
                    org_id: 3,
                    responsibility: "UGC strategy and content approval".into(),
                    accountable: Some(30),
                },
                Responsibility { org_id: 2, responsibility: "UGC production (US)".into(), accountable: Some(21) },
            ],
        };
        doc.rotation = Rotation {
            slots: vec![
                RotationSlot { quarter: "2027-Q1".into(), lead_org_id: Some(3) },
                RotationSlot { quarter: "2027-Q2".into(), lead_org_id: Some(2) },
                RotationSlot { quarter: "2027-Q3".into(), lead_org_id: Some(1) },
            ],
        };
        let roster = Roster {
            partners: vec![org(1, "Northwind"), org(2, "Brightline"), org(3, "Studio Kin")],
            people: vec![
                Person { user_id: 10, name: "Maya".into(), org_id: 1 },
                Person { user_id: 20, name: "Jordan".into(), org_id: 2 },
                Person { user_id: 21, name: "Sam".into(), org_id: 2 },
                Person { user_id: 30, name: "Lena".into(), org_id: 3 },
            ],
        };
        (doc, roster)
    }

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ugc_is_reviewed_by_the_quarters_lead() {
        let (doc, roster) = doc();
        let q1 = reviewer_for(&doc, &roster, Lane::Ugc, day("2027-02-10")).unwrap();
        assert_eq!(
            (q1.user_id, q1.label.as_str(), q1.why.as_str()),
            (Some(30), "Lena (Studio Kin)", "UGC lead of 2027-Q1")
        );
        // Next quarter the lead rotates to Brightline, whose UGC line names Sam.
        let q2 = reviewer_for(&doc, &roster, Lane::Ugc, day("2027-04-01")).unwrap();
        assert_eq!(q2.user_id, Some(21));
        // Q3's lead has no UGC line in the matrix: the organization reviews.
        let q3 = reviewer_for(&doc, &roster, Lane::Ugc, day("2027-07-01")).unwrap();
        assert_eq!((q3.user_id, q3.org_id, q3.label.as_str()), (None, Some(1), "Northwind"));
        // No rotation for the quarter: the matrix's UGC line.
        let q4 = reviewer_for(&doc, &roster, Lane::Ugc, day("2027-11-01")).unwrap();
        assert_eq!(q4.user_id, Some(30));
    }

    #[test]
    fn influencer_posts_go_to_the_influencer_relations_owner() {
        let (doc, roster) = doc();
        let r = reviewer_for(&doc, &roster, Lane::Influencer, day("2027-02-10")).unwrap();
        assert_eq!((r.user_id, r.responsibility.as_str()), (Some(20), "Influencer relations and talent"));
        let empty = CharterDoc::new_draft();
        assert_eq!(reviewer_for(&empty, &roster, Lane::Influencer, day("2027-02-10")), None);
    }

    #[test]
    fn who_may_decide() {
        let (doc, roster) = doc();
        let r = reviewer_for(&doc, &roster, Lane::Ugc, day("2027-02-10"));
        assert!(may_decide(r.as_ref(), Some(10), 30, 3), "the reviewer");
        assert!(may_decide(r.as_ref(), Some(10), 31, 3), "a colleague at the reviewing organization");
        assert!(may_decide(r.as_ref(), Some(10), 10, 1), "the accountable owner");
        assert!(!may_decide(r.as_ref(), Some(10), 20, 2), "another partner");
        assert!(may_decide(None, None, 20, 2), "nobody named: any partner");
    }
}
