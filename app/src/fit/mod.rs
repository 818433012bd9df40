//! Partner fit: each organization's stated working style (its profile), what the campaign's event log shows it
//! does (observed measures), and the fit view comparing the partners of a campaign before and during it.
use serde::{Deserialize, Serialize};

use crate::vocab::{Lane, OrgRef};

#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod compare;
#[cfg(feature = "ssr")]
pub mod observed;
#[cfg(feature = "ssr")]
pub mod ssr;

/// An organization's stated working style. `version` 0: nothing saved yet (the fields are the suggested defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OrgProfile {
    pub org: OrgRef,
    pub version: i64,
    #[serde(flatten)]
    pub style: WorkingStyle,
    pub saved_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Read by hand: the style's fields sit beside `org` and `version` (`FromJson` has no `flatten`).
impl crate::json_text::FromJson for OrgProfile {
    fn from_json(v: &serde_json::Value) -> Result<Self, crate::json_text::DecodeError> {
        use crate::json_text::field;
        let o = crate::json_text::object(v)?;
        Ok(OrgProfile {
            org: field(o, "org")?,
            version: field(o, "version")?,
            style: WorkingStyle::from_json(v)?,
            saved_at: field(o, "saved_at")?,
        })
    }
}

/// What an organization states about how it works (every field bounded: see `fit::ssr::validate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkingStyle {
    /// People working on campaigns (0 to 1,000,000).
    pub team_size: i64,
    /// Markets served, e.g. "US, CA" (at most 200 characters).
    pub markets: String,
    /// The IANA zone its working hours are in ("Europe/Berlin"); empty: the campaign's zone.
    pub time_zone: String,
    /// Start and end of the working day, "HH:MM" (the end after the start).
    pub work_start: String,
    pub work_end: String,
    /// Working days: "Mon-Fri", or days and ranges separated by commas ("Mon-Thu, Sat").
    pub work_days: String,
    /// Its observed times are counted in its working hours only (otherwise in elapsed hours).
    pub measure_working_hours: bool,
    /// Commits to review a draft within this many hours (1 to 720).
    pub review_hours: i64,
    /// Commits to answer a creator within this many hours (1 to 720).
    pub reply_hours: i64,
    /// Approval steps before a decision is final (1 to 20).
    pub approval_steps: i64,
    /// Who signs for it ("Managing director").
    pub signer: String,
    /// How often it reports ("Weekly").
    pub reporting_cadence: String,
    /// Tools it uses.
    pub tools: String,
    /// Campaigns it runs per quarter (0 to 10,000).
    pub campaigns_per_quarter: i64,
    /// Working languages.
    pub languages: String,
}

impl Default for WorkingStyle {
    fn default() -> Self {
        WorkingStyle {
            team_size: 1,
            markets: String::new(),
            time_zone: String::new(),
            work_start: "09:00".into(),
            work_end: "17:00".into(),
            work_days: "Mon-Fri".into(),
            measure_working_hours: false,
            review_hours: 48,
            reply_hours: 24,
            approval_steps: 1,
            signer: String::new(),
            reporting_cadence: String::new(),
            tools: String::new(),
            campaigns_per_quarter: 0,
            languages: String::new(),
        }
    }
}

/// One saved version of an organization's profile and what it changed from the version before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProfileVersion {
    pub version: i64,
    pub saved_at: chrono::DateTime<chrono::Utc>,
    /// Who saved it: the person's name for the organization itself, the organization's name for its partners
    /// (nothing about a partner's people beyond what a campaign shows).
    pub saved_by: String,
    /// "Reviews drafts within: 48 h → 24 h"; for the first version, "First stated".
    pub changes: Vec<String>,
}

impl WorkingStyle {
    /// What changed from `before` to `self`, one line per field, in words.
    pub fn changes_from(&self, before: &WorkingStyle) -> Vec<String> {
        let hours = |h: i64| hours_label(h);
        let text = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
        let mut out = Vec::new();
        let mut push = |label: &str, a: String, b: String| {
            if a != b {
                out.push(format!("{label}: {a} → {b}"));
            }
        };
        push("Reviews drafts within", hours(before.review_hours), hours(self.review_hours));
        push("Answers creators within", hours(before.reply_hours), hours(self.reply_hours));
        push("Approval steps", before.approval_steps.to_string(), self.approval_steps.to_string());
        push("Who signs", text(&before.signer), text(&self.signer));
        push(
            "Working hours",
            format!("{}–{} {}", before.work_start, before.work_end, before.work_days),
            format!("{}–{} {}", self.work_start, self.work_end, self.work_days),
        );
        push("Time zone", text(&before.time_zone), text(&self.time_zone));
        let measured = |b: bool| if b { "working hours" } else { "elapsed hours" }.to_string();
        push("Times measured in", measured(before.measure_working_hours), measured(self.measure_working_hours));
        push("Team size", before.team_size.to_string(), self.team_size.to_string());
        push("Campaigns a quarter", before.campaigns_per_quarter.to_string(), self.campaigns_per_quarter.to_string());
        push("Markets", text(&before.markets), text(&self.markets));
        push("Languages", text(&before.languages), text(&self.languages));
        push("Reporting", text(&before.reporting_cadence), text(&self.reporting_cadence));
        push("Tools", text(&before.tools), text(&self.tools));
        out
    }
}

/// A save of the profile: the style, and the version it was edited from (0 for the first save); a stale version
/// is refused with 409 and the current profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SaveProfile {
    #[serde(flatten)]
    pub style: WorkingStyle,
    pub version: i64,
}

/// A distribution of times, in minutes (of working time where the organization's profile says so).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimeStat {
    pub count: i64,
    pub median_minutes: Option<i64>,
    /// The 90th percentile (nearest rank).
    pub p90_minutes: Option<i64>,
}

/// What the event log shows of one organization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Measures {
    pub org_id: i64,
    /// Times are working time (the profile says so), else elapsed time.
    pub working_hours: bool,
    /// From a round's submission to this organization's decision on it.
    pub reviews: TimeStat,
    /// Decisions within the lane's SLA (elapsed time, as the SLA clock counts), out of `reviews.count`.
    pub reviews_within_sla: i64,
    /// From a charter version's proposal to this organization's signature.
    pub signatures: TimeStat,
    /// From a creator's comment to this organization's answer.
    pub creator_replies: TimeStat,
    /// From an escalation to this organization acknowledging (or resolving) it.
    pub escalation_acks: TimeStat,
    /// Its creators' next actions past their due day (campaign's zone), now.
    pub next_actions_overdue: i64,
}

/// Something in the partners' working styles the charter should settle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FitItem {
    /// Stable while the mismatch lasts ("review_sla:ugc:12"): what a settlement refers to.
    pub key: String,
    /// `review_sla`, `review_gap`, `reply_gap`, `overlap` or `approval_steps`.
    pub kind: String,
    pub title: String,
    pub explanation: String,
    /// What the charter should settle because of it.
    pub settle: String,
    pub settled: Option<Settlement>,
}

/// A fit item marked settled by a partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Settlement {
    pub note: String,
    pub by: String,
    pub org_name: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Marks a fit item settled (`key` from the fit view), with how (at most 5,000 characters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Settle {
    pub key: String,
    #[serde(default)]
    pub note: String,
}

/// An organization's record across campaigns it shared with the viewer's organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TrackRecord {
    pub org: OrgRef,
    /// The viewer's organization.
    pub with: OrgRef,
    /// Campaigns both were partners of (other than the one being looked at, in a fit view).
    pub campaigns: i64,
    pub measures: Measures,
    /// Stated against observed over those campaigns, as sentences.
    pub lines: Vec<String>,
}

/// One partner in the fit view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PartnerFit {
    pub org: OrgRef,
    /// `None` until the organization states its working style.
    pub profile: Option<OrgProfile>,
    /// In this campaign.
    pub observed: Measures,
    /// "Commits to 24 h reviews; observed median 41 h over 12 reviews".
    pub lines: Vec<String>,
    /// Across past campaigns with the viewer's organization (none for the viewer's own).
    pub track_record: Option<TrackRecord>,
    /// Its profile's saved versions, newest first.
    #[serde(default)]
    pub history: Vec<ProfileVersion>,
}

/// A lane's approval SLA, as the content page sets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LaneSla {
    pub lane: Lane,
    pub sla_hours: i64,
}

/// The fit view of a campaign: partners side by side, mismatches and what to settle, stated against observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FitView {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub status: String,
    pub time_zone: String,
    pub my_org_id: i64,
    pub lanes: Vec<LaneSla>,
    pub partners: Vec<PartnerFit>,
    pub items: Vec<FitItem>,
    /// The event sequence number this is as of.
    pub head: i64,
}

/// "41 h", "2.5 h", "45 min", "3 d 4 h".
pub fn duration_label(minutes: i64) -> String {
    if minutes < 60 {
        format!("{minutes} min")
    } else if minutes < 10 * 60 && minutes % 60 != 0 {
        format!("{:.1} h", minutes as f64 / 60.0)
    } else if minutes < 72 * 60 {
        format!("{} h", (minutes + 30) / 60)
    } else {
        let hours = (minutes + 30) / 60;
        if hours % 24 == 0 {
            format!("{} d", hours / 24)
        } else {
            format!("{} d {} h", hours / 24, hours % 24)
        }
    }
}

/// "24 h", "5 days" for a commitment in hours.
pub fn hours_label(hours: i64) -> String {
    if hours >= 48 && hours % 24 == 0 {
        format!("{} days", hours / 24)
    } else {
        format!("{hours} h")
    }
}

/// Stated against observed, as sentences for one organization.
pub fn stated_vs_observed(style: Option<&WorkingStyle>, m: &Measures) -> Vec<String> {
    let time = if m.working_hours { " (working hours)" } else { "" };
    let observed = |s: &TimeStat, one: &str, many: &str| match s.median_minutes {
        Some(median) => format!(
            "observed median {}{time} over {} {}",
            duration_label(median),
            s.count,
            if s.count == 1 { one } else { many }
        ),
        None => format!("no {many} observed yet"),
    };
    let mut lines = Vec::new();
    let review = match style {
        Some(s) => {
            format!("Commits to {} reviews; {}", hours_label(s.review_hours), observed(&m.reviews, "review", "reviews"))
        }
        None => format!("No review commitment stated; {}", observed(&m.reviews, "review", "reviews")),
    };
    let review = match (m.reviews.p90_minutes, m.reviews.count) {
        (Some(p90), n) if n > 0 => format!(
            "{review}, p90 {}; {} of {n} within the lane's SLA ({}%)",
            duration_label(p90),
            m.reviews_within_sla,
            (m.reviews_within_sla * 100 + n / 2) / n
        ),
        _ => review,
    };
    lines.push(review);
    lines.push(match style {
        Some(s) => {
            format!(
                "Commits to answer creators within {}; {}",
                hours_label(s.reply_hours),
                observed(&m.creator_replies, "reply", "replies")
            )
        }
        None => format!("No reply commitment stated; {}", observed(&m.creator_replies, "reply", "replies")),
    });
    if m.signatures.count > 0 {
        lines.push(format!("Signs a proposed charter version: {}", observed(&m.signatures, "signature", "signatures")));
    }
    if m.escalation_acks.count > 0 {
        lines.push(format!(
            "Acknowledges escalations: {}",
            observed(&m.escalation_acks, "acknowledgement", "acknowledgements")
        ));
    }
    if m.next_actions_overdue > 0 {
        lines.push(format!("{} next action(s) on its creators overdue", m.next_actions_overdue));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_label(45), "45 min");
        assert_eq!(duration_label(150), "2.5 h");
        assert_eq!(duration_label(41 * 60), "41 h");
        assert_eq!(duration_label(120 * 60), "5 d");
        assert_eq!(duration_label(100 * 60), "4 d 4 h");
        assert_eq!(hours_label(120), "5 days");
        assert_eq!(hours_label(24), "24 h");
    }

    #[test]
    fn stated_against_observed_in_one_sentence() {
        let style = WorkingStyle { review_hours: 24, ..WorkingStyle::default() };
        let m = Measures {
            reviews: TimeStat { count: 12, median_minutes: Some(41 * 60), p90_minutes: Some(70 * 60) },
            reviews_within_sla: 3,
            ..Measures::default()
        };
        let lines = stated_vs_observed(Some(&style), &m);
        assert_eq!(
            lines[0],
            "Commits to 24 h reviews; observed median 41 h over 12 reviews, p90 70 h; 3 of 12 within the lane's SLA (25%)"
        );
        assert_eq!(lines[1], "Commits to answer creators within 24 h; no replies observed yet");
    }
}
