//! Notifications: every event that concerns a person (never the person who caused it) becomes one notification
//! for them. It shows in their inbox on the home page, and goes out by mail at once, in their daily digest, or not
//! at all, as they choose per kind (`/settings/notifications`); quiet hours hold immediate mail until they end.
//!
//! Other parts of Chorus call [`ssr::notify`] in the transaction of the event; kinds added later (payouts, rights
//! expiring) only need a [`Kind`] variant here.
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod email;
#[cfg(feature = "ssr")]
pub mod hooks;
#[cfg(feature = "ssr")]
pub mod ssr;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An escalation assigned to the person.
    Escalation,
    /// A round waiting for the person's review.
    ReviewWaiting,
    /// A review of the person's is past its SLA.
    ReviewOverdue,
    /// A creator the person (or their organization) owns sent a draft.
    DraftReceived,
    /// A decision or feedback on the creator's own draft.
    Feedback,
    /// A charter version the person signs for.
    CharterToSign,
    /// A reply in a comment thread the person wrote in.
    CommentReply,
    /// A next action of a creator the person owns is due.
    NextActionDue,
    /// A payout's state changed (added by the payouts work).
    PayoutState,
    /// Usage rights of content are about to expire (added by the rights work).
    RightsExpiring,
}

/// How a person wants one kind: by mail at once, in the daily digest, or not by mail (the inbox only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Immediately,
    Digest,
    Off,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Immediately => "immediately",
            Delivery::Digest => "digest",
            Delivery::Off => "off",
        }
    }
    pub fn parse(s: &str) -> Option<Delivery> {
        match s {
            "immediately" => Some(Delivery::Immediately),
            "digest" => Some(Delivery::Digest),
            "off" => Some(Delivery::Off),
            _ => None,
        }
    }
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Escalation,
        Kind::ReviewWaiting,
        Kind::ReviewOverdue,
        Kind::DraftReceived,
        Kind::Feedback,
        Kind::CharterToSign,
        Kind::CommentReply,
        Kind::NextActionDue,
        Kind::PayoutState,
        Kind::RightsExpiring,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Escalation => "escalation",
            Kind::ReviewWaiting => "review_waiting",
            Kind::ReviewOverdue => "review_overdue",
            Kind::DraftReceived => "draft_received",
            Kind::Feedback => "feedback",
            Kind::CharterToSign => "charter_to_sign",
            Kind::CommentReply => "comment_reply",
            Kind::NextActionDue => "next_action_due",
            Kind::PayoutState => "payout_state",
            Kind::RightsExpiring => "rights_expiring",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Kinds the home page's inbox lists from the live state of the campaigns (reviews, escalations, charters,
    /// drafts, next actions) rather than from the notification.
    pub fn derived_in_inbox(self) -> bool {
        matches!(
            self,
            Kind::Escalation
                | Kind::ReviewWaiting
                | Kind::ReviewOverdue
                | Kind::DraftReceived
                | Kind::CharterToSign
                | Kind::NextActionDue
        )
    }

    /// What the preferences page calls it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Escalation => "Escalations assigned to me",
            Kind::ReviewWaiting => "Reviews waiting for me",
            Kind::ReviewOverdue => "My reviews past their SLA",
            Kind::DraftReceived => "Drafts from my creators",
            Kind::Feedback => "Feedback on my drafts",
            Kind::CharterToSign => "Charter versions to sign",
            Kind::CommentReply => "Replies to my comments",
            Kind::NextActionDue => "Next actions due",
            Kind::PayoutState => "Payouts",
            Kind::RightsExpiring => "Usage rights expiring",
        }
    }

    /// Which kinds a creator can get (the rest concern partners only).
    pub fn for_creators(self) -> bool {
        matches!(self, Kind::Feedback | Kind::CommentReply | Kind::PayoutState | Kind::CharterToSign)
    }

    /// The default when a person has not chosen. Partners: what blocks work comes at once, the rest in the digest.
    /// Creators get few, clear messages: decisions on their drafts and payouts at once, replies in the digest.
    pub fn default_delivery(self, creator: bool) -> Delivery {
        match (creator, self) {
            (true, Kind::Feedback | Kind::PayoutState) => Delivery::Immediately,
            (true, Kind::CommentReply | Kind::CharterToSign) => Delivery::Digest,
            (true, _) => Delivery::Off,
            (false, Kind::Escalation | Kind::ReviewOverdue | Kind::CharterToSign) => Delivery::Immediately,
            (false, _) => Delivery::Digest,
        }
    }
}

/// One kind's setting on the preferences page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KindPref {
    pub kind: Kind,
    pub delivery: Delivery,
}

/// A person's notification settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Preferences {
    pub kinds: Vec<KindPref>,
    /// IANA name; quiet hours and the digest hour are local to it.
    pub time_zone: String,
    /// Quiet hours: no immediate mail from `quiet_start` to `quiet_end` (local hours, 0–23); none when either is unset.
    pub quiet_start: Option<i64>,
    pub quiet_end: Option<i64>,
    /// The local hour the daily digest goes out (0–23).
    pub digest_hour: i64,
    pub version: i64,
    /// Whether mail is configured on this server (else everything stays in the app).
    pub mail_configured: bool,
}
