//! The shared vocabulary of the domain: the small enums and references that every domain module speaks of
//! (a creator's stage and lane, the platforms, a partner organization). It depends on nothing else in the crate
//! (the `FromJson` derive aside), so the domain modules can all use it without importing each other.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Prospect,
    Contacted,
    Negotiating,
    Contracted,
    Briefed,
    ContentInProgress,
    Posted,
    Paid,
    Declined,
    Archived,
}

impl Stage {
    pub const ALL: [Stage; 10] = [
        Stage::Prospect,
        Stage::Contacted,
        Stage::Negotiating,
        Stage::Contracted,
        Stage::Briefed,
        Stage::ContentInProgress,
        Stage::Posted,
        Stage::Paid,
        Stage::Declined,
        Stage::Archived,
    ];
    /// The columns of the flow, prospect to paid; declined and archived are kept out of the way.
    pub const FLOW: [Stage; 8] = [
        Stage::Prospect,
        Stage::Contacted,
        Stage::Negotiating,
        Stage::Contracted,
        Stage::Briefed,
        Stage::ContentInProgress,
        Stage::Posted,
        Stage::Paid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Prospect => "prospect",
            Stage::Contacted => "contacted",
            Stage::Negotiating => "negotiating",
            Stage::Contracted => "contracted",
            Stage::Briefed => "briefed",
            Stage::ContentInProgress => "content_in_progress",
            Stage::Posted => "posted",
            Stage::Paid => "paid",
            Stage::Declined => "declined",
            Stage::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Prospect => "Prospect",
            Stage::Contacted => "Contacted",
            Stage::Negotiating => "Negotiating",
            Stage::Contracted => "Contracted",
            Stage::Briefed => "Briefed",
            Stage::ContentInProgress => "Content in progress",
            Stage::Posted => "Posted",
            Stage::Paid => "Paid",
            Stage::Declined => "Declined",
            Stage::Archived => "Archived",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The neighbouring stage, for keyboard moves; declined is kept out of the arrow-key path.
    pub fn step(self, forward: bool) -> Option<Stage> {
        let flow = &Stage::FLOW;
        let i = flow.iter().position(|s| *s == self)?;
        if forward {
            flow.get(i + 1).copied()
        } else {
            i.checked_sub(1).map(|j| flow[j])
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    Influencer,
    Ugc,
}

impl Lane {
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Influencer => "influencer",
            Lane::Ugc => "ugc",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Lane::Influencer => "Influencer",
            Lane::Ugc => "UGC",
        }
    }
    pub fn parse(s: &str) -> Option<Lane> {
        match s {
            "influencer" => Some(Lane::Influencer),
            "ugc" => Some(Lane::Ugc),
            _ => None,
        }
    }
}

pub const PLATFORMS: [&str; 6] = ["instagram", "tiktok", "youtube", "x", "twitch", "other"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Brand,
    Agency,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Brand => "brand",
            OrgKind::Agency => "agency",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "brand" => Some(OrgKind::Brand),
            "agency" => Some(OrgKind::Agency),
            _ => None,
        }
    }
}
/// The partners' colours, in the order organizations joined (the stylesheet's `--partner-1…6`): none red or
/// pink (those mean overdue), each dark enough for white initials on it (WCAG AA).
pub const PARTNER_PALETTE: [&str; 6] = ["#0f766e", "#a16207", "#0369a1", "#4d7c0f", "#475569", "#86198f"];

/// The colour of organization `org_id`: the same on every page, card, chip and avatar.
pub fn partner_color(org_id: i64) -> &'static str {
    PARTNER_PALETTE[(org_id - 1).rem_euclid(PARTNER_PALETTE.len() as i64) as usize]
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    /// The partner colour used on cards and avatars.
    pub color: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_round_trip_and_step_along_the_flow() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::Value::String(s.as_str().into()));
        }
        assert_eq!(Stage::Prospect.step(true), Some(Stage::Contacted));
        assert_eq!(Stage::Prospect.step(false), None);
        assert_eq!(Stage::Posted.step(true), Some(Stage::Paid));
        assert_eq!(Stage::Paid.step(true), None);
        // Declined is out of the arrow-key path.
        assert_eq!(Stage::Declined.step(true), None);
        assert_eq!(Stage::parse("viral"), None);
    }
}
