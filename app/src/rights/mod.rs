//! Usage rights: each deliverable's licence terms (what the partners may do with the asset, where, for how long,
//! and which of them), accepted by the creator version by version, and the campaign's rights ledger every
//! approved asset enters, with its ad codes, the uses partners log, and its expiry.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod ssr;

/// What an asset may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Usage {
    /// Reposts on the brand's own channels.
    Organic,
    /// Boosting the post with ad spend.
    PaidAmplification,
    /// Ads run from the creator's handle (whitelisting, Spark Ads, Partnership Ads).
    Whitelisting,
}

impl Usage {
    pub const ALL: [Usage; 3] = [Usage::Organic, Usage::PaidAmplification, Usage::Whitelisting];
    pub fn key(self) -> &'static str {
        match self {
            Usage::Organic => "organic",
            Usage::PaidAmplification => "paid_amplification",
            Usage::Whitelisting => "whitelisting",
        }
    }
    pub fn parse(s: &str) -> Option<Usage> {
        Usage::ALL.into_iter().find(|u| u.key() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Usage::Organic => "organic",
            Usage::PaidAmplification => "paid amplification",
            Usage::Whitelisting => "whitelisting",
        }
    }
}

/// Who accepted which version of the terms, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Acceptance {
    pub version: i64,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A partner the terms allow to use the asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AllowedPartner {
    pub id: i64,
    pub name: String,
}

/// The licence terms of one deliverable. `version` 0: none proposed yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Terms {
    pub deliverable_id: i64,
    pub campaign_id: i64,
    pub usages: Vec<Usage>,
    pub platforms: Vec<String>,
    pub territories: Vec<String>,
    /// The term in days from first publication (or fixed dates instead).
    pub term_days: Option<i64>,
    /// Fixed dates (days in the campaign's time zone), when there is no `term_days`.
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub exclusivity: String,
    pub partners: Vec<AllowedPartner>,
    pub version: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    /// The creator's acceptance of this version; `None` when she has not accepted it (yet, or since a change).
    pub accepted: Option<Acceptance>,
    /// The campaign's time zone, the one the dates are days in.
    pub time_zone: String,
}

impl Terms {
    /// The term in words: "90 days from first publication" or "1 Mar 2027 – 31 May 2027".
    pub fn term_label(&self) -> String {
        match (self.term_days, self.starts_on, self.ends_on) {
            (Some(d), _, _) => format!("{d} days from first publication"),
            (None, Some(s), Some(e)) => format!("{} – {}", s.format("%-d %b %Y"), e.format("%-d %b %Y")),
            _ => "no term".into(),
        }
    }
}

/// Partners propose (or change) the terms; `version` is the one the editor started from (0 for none yet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SaveTerms {
    pub usages: Vec<Usage>,
    #[serde(default)]
    pub platforms: Vec<String>,
    #[serde(default)]
    pub territories: Vec<String>,
    /// Days from first publication, 1 to 3,650; or leave it out and give `starts_on` and `ends_on`.
    #[serde(default)]
    pub term_days: Option<i64>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub starts_on: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub ends_on: Option<String>,
    #[serde(default)]
    pub exclusivity: String,
    /// Partner organizations of the campaign that may use the asset.
    pub partner_ids: Vec<i64>,
    pub version: i64,
}

/// The creator accepts a version of the terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AcceptTerms {
    pub version: i64,
}

/// The kind of an ad code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// TikTok Spark Ads.
    Spark,
    /// Meta Partnership Ads.
    Partnership,
    Other,
}

impl CodeKind {
    pub fn key(self) -> &'static str {
        match self {
            CodeKind::Spark => "spark",
            CodeKind::Partnership => "partnership",
            CodeKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<CodeKind> {
        [CodeKind::Spark, CodeKind::Partnership, CodeKind::Other].into_iter().find(|k| k.key() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            CodeKind::Spark => "Spark Ads code",
            CodeKind::Partnership => "Partnership Ads code",
            CodeKind::Other => "Ad code",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewAdCode {
    pub kind: CodeKind,
    pub code: String,
    /// YYYY-MM-DD, if the code expires.
    #[serde(default)]
    pub expires_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdCode {
    pub id: i64,
    pub kind: CodeKind,
    pub code: String,
    pub expires_on: Option<NaiveDate>,
    pub expired: bool,
    pub added_by: String,
    pub org_name: String,
    pub added_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewUse {
    pub usage: Usage,
    pub platform: String,
    /// YYYY-MM-DD.
    pub starts_on: String,
    /// YYYY-MM-DD.
    pub ends_on: String,
    #[serde(default)]
    pub note: String,
}

/// A use a partner logged: "paid amplification on Meta by Kanal Studio, 12–26 Mar".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoggedUse {
    pub id: i64,
    pub usage: Usage,
    pub platform: String,
    pub org_id: i64,
    pub org_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub note: String,
    pub logged_by: String,
    pub logged_at: DateTime<Utc>,
    /// It runs past the end of the asset's rights.
    pub past_end: bool,
    pub label: String,
}

/// Where an asset's rights stand today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RightsState {
    /// Approved without licence terms: no use is covered.
    NoTerms,
    /// The terms have not started yet (fixed dates in the future).
    NotStarted,
    Active,
    /// Ends within the campaign's warning period.
    Expiring,
    Expired,
}

impl RightsState {
    pub fn label(self) -> &'static str {
        match self {
            RightsState::NoTerms => "No terms",
            RightsState::NotStarted => "Not started",
            RightsState::Active => "Active",
            RightsState::Expiring => "Expiring",
            RightsState::Expired => "Expired",
        }
    }

    /// Its key, for classes and test ids (`no_terms`, `not_started`, `active`, `expiring`, `expired`).
    pub fn key(self) -> &'static str {
        match self {
            RightsState::NoTerms => "no_terms",
            RightsState::NotStarted => "not_started",
            RightsState::Active => "active",
            RightsState::Expiring => "expiring",
            RightsState::Expired => "expired",
        }
    }
}

impl LedgerEntry {
    /// "Expiring · 3 days left", "Expired 12 days ago", "Active".
    pub fn state_label(&self) -> String {
        match (self.state, self.days_left) {
            (RightsState::Expiring, Some(0)) => "Rights expire today".into(),
            (RightsState::Expiring, Some(1)) => "Expiring · 1 day left".into(),
            (RightsState::Expiring, Some(n)) => format!("Expiring · {n} days left"),
            (RightsState::Expired, Some(-1)) => "Expired yesterday".into(),
            (RightsState::Expired, Some(n)) => format!("Expired {} days ago", -n),
            (s, _) => s.label().to_string(),
        }
    }
}

/// One approved asset in the rights ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    pub deliverable_id: i64,
    pub title: String,
    pub lane: crate::vocab::Lane,
    pub creator_id: i64,
    pub creator_name: String,
    pub approved_at: DateTime<Utc>,
    /// The day the term counts from (the approval day, as first publication).
    pub published_on: NaiveDate,
    pub terms: Option<Terms>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub state: RightsState,
    /// Days until the rights end (negative: ended that many days ago).
    pub days_left: Option<i64>,
    pub codes: Vec<AdCode>,
    pub uses: Vec<LoggedUse>,
}

/// The campaign's rights ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Ledger {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub time_zone: String,
    /// The day the states are computed for, in the campaign's time zone.
    pub today: NaiveDate,
    /// Warn this many days before an asset's rights end.
    pub warning_days: i64,
    pub entries: Vec<LedgerEntry>,
}

/// One of the creator's deliverables with terms proposed: the terms (visible before she submits) and, once the
/// asset is approved, its place in the ledger (start, end, state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliverableTerms {
    pub deliverable_id: i64,
    pub title: String,
    pub terms: Terms,
    pub rights: Option<LedgerEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RightsSettings {
    /// 0 to 90.
    pub warning_days: i64,
}

/// The start and end of an asset's rights under `terms`, counted from `published_on` for a term in days (the
/// last day included: 30 days from 1 Mar end on 30 Mar).
pub fn period(terms: &Terms, published_on: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
    match terms.term_days {
        Some(d) => (Some(published_on), published_on.checked_add_days(chrono::Days::new((d - 1).max(0) as u64))),
        None => (terms.starts_on, terms.ends_on),
    }
}

/// Where rights running `start..=end` stand on `today`, warning `warning_days` ahead.
pub fn state(
    has_terms: bool,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    today: NaiveDate,
    warning_days: i64,
) -> RightsState {
    match (has_terms, start, end) {
        (false, _, _) | (_, _, None) => RightsState::NoTerms,
        (true, _, Some(e)) if today > e => RightsState::Expired,
        (true, Some(s), _) if today < s => RightsState::NotStarted,
        (true, _, Some(e)) if (e - today).num_days() < warning_days => RightsState::Expiring,
        _ => RightsState::Active,
    }
}

/// "12–26 Mar", "28 Feb – 3 Mar", "28 Dec 2026 – 3 Jan 2027".
pub fn span_label(start: NaiveDate, end: NaiveDate) -> String {
    use chrono::Datelike;
    if start.year() != end.year() {
        format!("{} – {}", start.format("%-d %b %Y"), end.format("%-d %b %Y"))
    } else if start.month() != end.month() {
        format!("{} – {}", start.format("%-d %b"), end.format("%-d %b"))
    } else if start == end {
        start.format("%-d %b").to_string()
    } else {
        format!("{}–{}", start.format("%-d"), end.format("%-d %b"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn states_through_the_term() {
        let (s, e) = (Some(d("2027-03-01")), Some(d("2027-03-30")));
        assert_eq!(state(true, s, e, d("2027-02-28"), 7), RightsState::NotStarted);
        assert_eq!(state(true, s, e, d("2027-03-01"), 7), RightsState::Active);
        assert_eq!(state(true, s, e, d("2027-03-23"), 7), RightsState::Active);
        assert_eq!(state(true, s, e, d("2027-03-24"), 7), RightsState::Expiring, "7 days left, the end day included");
        assert_eq!(state(true, s, e, d("2027-03-30"), 7), RightsState::Expiring);
        assert_eq!(state(true, s, e, d("2027-03-31"), 7), RightsState::Expired);
        assert_eq!(state(false, s, e, d("2027-03-10"), 7), RightsState::NoTerms);
    }

    #[test]
    fn spans_read_like_people_write_them() {
        assert_eq!(span_label(d("2027-03-12"), d("2027-03-26")), "12–26 Mar");
        assert_eq!(span_label(d("2027-02-28"), d("2027-03-03")), "28 Feb – 3 Mar");
        assert_eq!(span_label(d("2026-12-28"), d("2027-01-03")), "28 Dec 2026 – 3 Jan 2027");
    }
}
