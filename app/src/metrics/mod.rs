//! Performance numbers: posts (or UGC assets) and their daily figures, entered by hand, imported, or pushed
//! through the API; corrections are recorded, never silent. KPIs are computed from summed figures.
use serde::{Deserialize, Serialize};

use crate::vocab::Lane;

pub mod import;
#[cfg(feature = "ssr")]
pub mod import_ssr;
pub mod kpi;
pub mod live;
#[cfg(feature = "ssr")]
pub mod ssr;

/// A post or asset whose numbers are tracked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Post {
    pub id: i64,
    pub campaign_id: i64,
    pub creator_id: i64,
    pub creator_name: String,
    pub deliverable_id: Option<i64>,
    pub lane: Lane,
    pub platform: String,
    pub url: String,
    pub title: String,
    pub followers: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    pub creator_id: i64,
    /// The deliverable it fulfils, if any (its lane is then the post's lane).
    #[serde(default)]
    pub deliverable_id: Option<i64>,
    /// Defaults to the deliverable's lane, else the creator's.
    #[serde(default)]
    pub lane: Option<Lane>,
    pub platform: String,
    pub url: String,
    #[serde(default)]
    pub title: String,
}

/// One post's figures for one day. Unknown fields are refused (a misspelt metric never vanishes silently).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DailyFigures {
    pub post_id: i64,
    /// YYYY-MM-DD, a day in the campaign's time zone; not in the future.
    pub day: String,
    #[serde(default)]
    pub impressions: i64,
    #[serde(default)]
    pub reach: i64,
    #[serde(default)]
    pub views: i64,
    #[serde(default)]
    pub likes: i64,
    #[serde(default)]
    pub comments: i64,
    #[serde(default)]
    pub shares: i64,
    #[serde(default)]
    pub saves: i64,
    #[serde(default)]
    pub clicks: i64,
    #[serde(default)]
    pub conversions: i64,
    #[serde(default)]
    pub revenue_cents: i64,
    #[serde(default)]
    pub fee_cents: i64,
    #[serde(default)]
    pub product_cents: i64,
    #[serde(default)]
    pub paid_cents: i64,
}

impl DailyFigures {
    /// The figures by name, in a fixed order (for validation messages, corrections and CSV).
    pub fn values(&self) -> [(&'static str, i64); 13] {
        [
            ("impressions", self.impressions),
            ("reach", self.reach),
            ("views", self.views),
            ("likes", self.likes),
            ("comments", self.comments),
            ("shares", self.shares),
            ("saves", self.saves),
            ("clicks", self.clicks),
            ("conversions", self.conversions),
            ("revenue_cents", self.revenue_cents),
            ("fee_cents", self.fee_cents),
            ("product_cents", self.product_cents),
            ("paid_cents", self.paid_cents),
        ]
    }

    /// The first figure out of its plausible range (see [`figure_limit`]), with the reason.
    pub fn out_of_range(&self) -> Option<(&'static str, String)> {
        self.values()
            .into_iter()
            .find_map(|(name, v)| crate::limits::range_message(name, v, figure_limit(name)).map(|m| (name, m)))
    }
}

/// The largest plausible value of a figure of one post on one day: money (`…_cents`) up to
/// [`crate::limits::CENTS`], counts up to [`crate::limits::COUNT_PER_DAY`].
pub fn figure_limit(name: &str) -> i64 {
    if name.ends_with("_cents") {
        crate::limits::CENTS
    } else {
        crate::limits::COUNT_PER_DAY
    }
}

/// A batch of daily figures and where they come from (e.g. "api:shopify-sync", "manual", "csv:june.csv").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Ingest {
    #[serde(default = "default_source")]
    pub source: String,
    pub rows: Vec<DailyFigures>,
}

fn default_source() -> String {
    "api".into()
}

/// What a batch did: new rows, corrected rows (their old figures kept), and unchanged rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IngestResult {
    pub inserted: i64,
    pub corrected: i64,
    pub unchanged: i64,
}

/// One row of a cut (a lane, a partner, a tier, a creator, a platform): its summed figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Cut {
    pub key: String,
    pub label: String,
    /// The partner colour, for partner rows.
    pub color: Option<String>,
    pub posts: i64,
    pub totals: kpi::Totals,
}

/// One lane's figures on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayPoint {
    pub day: chrono::NaiveDate,
    pub lane: Lane,
    pub totals: kpi::Totals,
}

/// A charter target and where the campaign stands against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Pacing {
    pub lane: Option<Lane>,
    pub metric: String,
    pub label: String,
    pub comparison: crate::charter::Comparison,
    pub target: f64,
    pub actual: Option<f64>,
    /// Met now (`None` when there is nothing to measure yet).
    pub met: Option<bool>,
}

/// A lane's budget line: the plan, the fees committed to deliverables, and the spend reported in figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BudgetLine {
    pub lane: Lane,
    pub budget_cents: i64,
    pub committed_cents: i64,
    /// The rates the committed sum still waits for (see `LaneSettings::committed_missing`).
    pub committed_missing: Option<String>,
    pub spent_cents: i64,
}

/// The one shared dashboard of a campaign: the same for every partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub time_zone: String,
    /// The campaign's currency (ISO 4217): every amount below is in its minor units.
    pub currency: String,
    pub head: i64,
    pub totals: kpi::Totals,
    pub by_lane: Vec<Cut>,
    pub by_partner: Vec<Cut>,
    pub by_tier: Vec<Cut>,
    pub by_creator: Vec<Cut>,
    pub by_platform: Vec<Cut>,
    pub days: Vec<DayPoint>,
    pub pacing: Vec<Pacing>,
    pub budget: Vec<BudgetLine>,
    /// (platform, CPM in cents) used for earned media value.
    pub cpm: Vec<(String, i64)>,
    /// Earned media value in cents: an estimate from impressions and the CPMs above.
    pub emv_cents: i64,
    pub escalations: Vec<crate::escalations::Escalation>,
    pub posts: Vec<Post>,
}

/// The CPM assumed for earned media value until the partners set their own (cents per 1,000 impressions).
pub fn default_cpm(platform: &str) -> i64 {
    match platform {
        "instagram" => 850,
        "tiktok" => 600,
        "youtube" => 1_200,
        "x" => 500,
        "twitch" => 700,
        _ => 500,
    }
}

/// What a post can be tracked for: the pool's creators (with the platforms of their handles) and the briefed
/// deliverables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct TrackChoices {
    pub creators: Vec<TrackCreator>,
    pub deliverables: Vec<TrackDeliverable>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct TrackCreator {
    pub id: i64,
    pub name: String,
    /// The platforms of their handles, the main one first.
    pub platforms: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct TrackDeliverable {
    pub id: i64,
    pub creator_id: i64,
    pub title: String,
    pub lane: Lane,
}
