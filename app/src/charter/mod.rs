//! The joint strategy charter: the one-pager every partner co-signs before a campaign can launch.
//!
//! The draft is kept per section (each with its own version, so two partners editing different sections
//! never collide and the same section never overwrites silently). "Propose for sign-off" freezes the whole
//! draft as a numbered version; each partner signs that version; a change after a signature freezes a new
//! version, which has no signatures yet.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::vocab::Lane;
use crate::vocab::OrgRef;

pub mod diff;
pub mod markdown;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod validate;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, crate::json_text::FromJson,
)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Audience,
    ValueProposition,
    CreativeBrief,
    Tiers,
    Pillars,
    Criteria,
    Success,
    Thresholds,
    Responsibilities,
    Ownership,
    Rotation,
}

impl Section {
    pub const ALL: [Section; 11] = [
        Section::Audience,
        Section::ValueProposition,
        Section::CreativeBrief,
        Section::Tiers,
        Section::Pillars,
        Section::Criteria,
        Section::Success,
        Section::Thresholds,
        Section::Responsibilities,
        Section::Ownership,
        Section::Rotation,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Section::Audience => "audience",
            Section::ValueProposition => "value_proposition",
            Section::CreativeBrief => "creative_brief",
            Section::Tiers => "tiers",
            Section::Pillars => "pillars",
            Section::Criteria => "criteria",
            Section::Success => "success",
            Section::Thresholds => "thresholds",
            Section::Responsibilities => "responsibilities",
            Section::Ownership => "ownership",
            Section::Rotation => "rotation",
        }
    }

    pub fn parse(s: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|x| x.key() == s)
    }

    pub fn title(self) -> &'static str {
        match self {
            Section::Audience => "Audience",
            Section::ValueProposition => "Value proposition",
            Section::CreativeBrief => "Creative brief",
            Section::Tiers => "Influencer tiers",
            Section::Pillars => "UGC content pillars",
            Section::Criteria => "Approval criteria and what we expect of creators",
            Section::Success => "Success definition (KPI targets)",
            Section::Thresholds => "Daily thresholds that escalate",
            Section::Responsibilities => "Responsibility matrix",
            Section::Ownership => "Accountable owner and creators' point of contact",
            Section::Rotation => "UGC strategy lead by quarter",
        }
    }

    /// The sections creators see on their portal (and may comment on).
    pub fn creator_facing(self) -> bool {
        matches!(self, Section::CreativeBrief | Section::Pillars | Section::Criteria | Section::Ownership)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Audience {
    /// Who, in one narrowly defined segment.
    pub segment: String,
    pub region: String,
    pub age_band: String,
    pub interests: String,
    pub language: String,
    pub market: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ValueProposition {
    /// Exactly one, by design; kept as a list so that a second one is caught, not silently dropped.
    pub propositions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CreativeBrief {
    /// Markdown: headings, lists, emphasis.
    pub markdown: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErBasis {
    /// (likes + comments + shares + saves) / followers
    #[default]
    Followers,
    /// engagements / reach
    Reach,
}

impl ErBasis {
    pub fn formula(self) -> &'static str {
        match self {
            ErBasis::Followers => "(likes + comments + shares + saves) / followers",
            ErBasis::Reach => "(likes + comments + shares + saves) / reach",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Tier {
    pub name: String,
    pub min_followers: i64,
    /// `None`: no upper bound.
    pub max_followers: Option<i64>,
    /// Percent, 0–100.
    pub min_engagement_rate: f64,
    pub basis: ErBasis,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Tiers {
    pub tiers: Vec<Tier>,
}

impl Tiers {
    /// The template every new charter starts from: common follower bands with typical Instagram engagement.
    pub fn template() -> Tiers {
        let t = |name: &str, min: i64, max: Option<i64>, er: f64| Tier {
            name: name.into(),
            min_followers: min,
            max_followers: max,
            min_engagement_rate: er,
            basis: ErBasis::Followers,
        };
        Tiers {
            tiers: vec![
                t("nano", 1_000, Some(10_000), 3.0),
                t("micro", 10_000, Some(50_000), 2.0),
                t("mid", 50_000, Some(500_000), 1.5),
                t("macro", 500_000, Some(1_000_000), 1.0),
                t("mega", 1_000_000, None, 0.7),
            ],
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Pillar {
    pub name: String,
    pub description: String,
    pub dos: String,
    pub donts: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Pillars {
    pub pillars: Vec<Pillar>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Criteria {
    /// Checklist for UGC assets.
    pub ugc: Vec<String>,
    /// Checklist for influencer posts (a separate one: UGC is not cheap influencer content).
    pub influencer: Vec<String>,
    /// What is expected of creators, in plain words.
    pub creator_expectations: String,
    /// The disclosure wording the partners require in captions, one per line, on top of the market's rule:
    /// "#ad @northwind" for every market, "UK: #ad" for one (see `content::disclosure::AgreedWording`).
    pub disclosure: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Comparison {
    #[default]
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "<")]
    Below,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::AtMost => "≤",
            Comparison::Above => ">",
            Comparison::Below => "<",
        }
    }
    pub fn holds(self, actual: f64, target: f64) -> bool {
        match self {
            Comparison::AtLeast => actual >= target,
            Comparison::AtMost => actual <= target,
            Comparison::Above => actual > target,
            Comparison::Below => actual < target,
        }
    }
}

/// The metrics targets and thresholds may name: (key, label, quality or volume).
pub const METRICS: [(&str, &str, bool); 15] = [
    ("engagement_rate", "Engagement rate by followers (%)", true),
    ("engagement_rate_reach", "Engagement rate by reach (%)", true),
    ("cpe", "Cost per engagement", true),
    ("cpm", "Cost per 1,000 impressions", true),
    ("cpc", "Cost per click", true),
    ("conversion_rate", "Conversion rate (%)", true),
    ("roas", "Return on ad spend", true),
    ("impressions", "Impressions", false),
    ("reach", "Reach", false),
    ("engagements", "Engagements", false),
    ("clicks", "Clicks", false),
    ("conversions", "Conversions", false),
    ("posts_published", "Influencer posts published", false),
    ("approved_ugc_assets", "Approved UGC assets", false),
    // For daily thresholds: by how much a partner's committed fees exceed its share of a lane (campaign currency).
    ("over_commitment", "Fees committed above a partner's share of a lane", false),
];

pub fn metric_label(key: &str) -> &str {
    METRICS.iter().find(|m| m.0 == key).map(|m| m.1).unwrap_or(key)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct KpiTarget {
    pub lane: Option<Lane>,
    pub metric: String,
    pub comparison: Comparison,
    pub value: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Success {
    pub targets: Vec<KpiTarget>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    #[default]
    Campaign,
    Lane,
    Partner,
    Tier,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Threshold {
    pub metric: String,
    pub comparison: Comparison,
    pub value: f64,
    pub scope: ScopeKind,
    /// The lane key, the partner organization id, or the tier name, depending on `scope`.
    pub scope_value: String,
    /// The person escalated to.
    pub escalate_to: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Thresholds {
    pub thresholds: Vec<Threshold>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Responsibility {
    pub org_id: i64,
    /// e.g. "Influencer relations and talent", "UGC strategy and approval", "Reporting", "Paid amplification".
    pub responsibility: String,
    /// Exactly one accountable person, a member of that organization.
    pub accountable: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Responsibilities {
    pub items: Vec<Responsibility>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Ownership {
    /// The one person accountable for the whole campaign; receives escalations.
    pub accountable_owner: Option<i64>,
    /// The one person creators talk to.
    pub creator_contact: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RotationSlot {
    /// e.g. "2027-Q1".
    pub quarter: String,
    pub lead_org_id: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Rotation {
    pub slots: Vec<RotationSlot>,
}

/// The whole charter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CharterDoc {
    pub audience: Audience,
    pub value_proposition: ValueProposition,
    pub creative_brief: CreativeBrief,
    pub tiers: Tiers,
    pub pillars: Pillars,
    pub criteria: Criteria,
    pub success: Success,
    pub thresholds: Thresholds,
    pub responsibilities: Responsibilities,
    pub ownership: Ownership,
    pub rotation: Rotation,
}

impl CharterDoc {
    /// A new charter: empty but for the tier template.
    pub fn new_draft() -> CharterDoc {
        CharterDoc { tiers: Tiers::template(), ..CharterDoc::default() }
    }

    pub fn section_json(&self, section: Section) -> serde_json::Value {
        let all = serde_json::to_value(self).unwrap_or_default();
        all.get(section.key()).cloned().unwrap_or_default()
    }

    /// Replaces one section from its JSON; the error names the field.
    pub fn set_section(&mut self, section: Section, body: serde_json::Value) -> Result<(), String> {
        let mut all = serde_json::to_value(&*self).map_err(|e| e.to_string())?;
        all[section.key()] = body;
        *self = CharterDoc::deserialize(&all).map_err(|e| e.to_string())?;
        Ok(())
    }

    /// The quarter's UGC strategy lead, e.g. for "2027-Q1".
    pub fn ugc_lead(&self, quarter: &str) -> Option<i64> {
        self.rotation.slots.iter().find(|s| s.quarter == quarter).and_then(|s| s.lead_org_id)
    }
}

/// The quarter a date falls in, as "YYYY-Qn".
pub fn quarter_of(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}-Q{}", date.year(), (date.month() - 1) / 3 + 1)
}

/// A person who can be named in the charter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Person {
    pub user_id: i64,
    pub name: String,
    pub org_id: i64,
}

/// Everything the validation needs to know about the campaign's people.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Roster {
    pub partners: Vec<OrgRef>,
    pub people: Vec<Person>,
}

impl Roster {
    pub fn person(&self, id: i64) -> Option<&Person> {
        self.people.iter().find(|p| p.user_id == id)
    }
    pub fn org(&self, id: i64) -> Option<&OrgRef> {
        self.partners.iter().find(|o| o.id == id)
    }
    pub fn person_label(&self, id: Option<i64>) -> String {
        match id.and_then(|i| self.person(i)) {
            Some(p) => match self.org(p.org_id) {
                Some(o) => format!("{} ({})", p.name, o.name),
                None => p.name.clone(),
            },
            None => "—".into(),
        }
    }
    pub fn org_label(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.org(i)).map(|o| o.name.clone()).unwrap_or_else(|| "—".into())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SectionMeta {
    pub section: Section,
    pub version: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Signature {
    pub org: OrgRef,
    pub user_name: String,
    pub signed_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CharterVersion {
    pub number: i64,
    pub doc: CharterDoc,
    pub proposed_by: String,
    pub proposed_at: chrono::DateTime<chrono::Utc>,
    pub signatures: Vec<Signature>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CharterComment {
    pub id: i64,
    pub section: Section,
    pub author: String,
    pub author_is_creator: bool,
    pub body: String,
    pub parent_id: Option<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub resolved_by: Option<String>,
}

/// One line of the launch checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckItem {
    pub ok: bool,
    /// Warnings do not block the launch.
    pub blocking: bool,
    pub section: Option<Section>,
    pub message: String,
}

/// The charter page's whole state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CharterView {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub status: String,
    pub draft: CharterDoc,
    pub sections: Vec<SectionMeta>,
    /// The latest version proposed for sign-off.
    pub current: Option<CharterVersion>,
    /// The latest earlier version anyone signed: what the current version is compared with.
    pub last_signed: Option<CharterVersion>,
    /// The draft has changes not yet proposed.
    pub draft_differs: bool,
    pub roster: Roster,
    pub checklist: Vec<CheckItem>,
    pub comments: Vec<CharterComment>,
    /// Partner organizations the signed-in person may sign for.
    pub can_sign_for: Vec<i64>,
    pub head: i64,
    /// This quarter (e.g. "2027-Q1") and its UGC strategy lead, per the version up for sign-off (or the draft).
    pub quarter: String,
    pub ugc_lead: Option<String>,
    /// The campaign's time zone (an IANA name): times are shown in it and in the viewer's own.
    pub time_zone: String,
}

/// What a creator sees: the creator-facing sections of the version under review, and whom to talk to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatorCharter {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub version: Option<i64>,
    pub brief: CreativeBrief,
    pub pillars: Pillars,
    pub criteria: Criteria,
    pub contact: String,
    pub comments: Vec<CharterComment>,
    /// The campaign's time zone (an IANA name).
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct SaveSection {
    pub section: Section,
    pub body: serde_json::Value,
    /// The section version the editor started from.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewComment {
    pub section: Section,
    pub body: String,
    #[serde(default)]
    pub parent_id: Option<i64>,
}

pub type SectionMap = BTreeMap<Section, serde_json::Value>;
