//! Live updates: the event every committed change appends, and the WebSocket messages that carry it.
use serde::{Deserialize, Serialize};

use crate::accounts::OrgRef;
use crate::outreach::{Card, Stage};

#[cfg(feature = "ssr")]
pub mod hub;
#[cfg(feature = "ssr")]
pub mod log;
#[cfg(feature = "hydrate")]
pub mod client;

/// Who made a change, as everyone else sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Change {
    CardAdded { card: Card },
    CardMoved { card_id: i64, name: String, from: Stage, to: Stage, version: i64 },
    /// A card's fields changed (owner, next action, profile, handles); `what` completes "{who} …".
    CardUpdated { card: Card, what: String },
    CardNoted { card_id: i64, name: String },
    /// Creators imported from a file at once; the cards ride along for small files, else clients reload.
    CreatorsImported { count: i64, file: String, cards: Option<Vec<Card>> },
    /// `removed_id` was merged into `into` (the same person, two records) and is gone.
    CreatorsMerged { into: Card, removed_id: i64, removed_name: String },
    PartnerJoined { org: OrgRef },
    CreatorJoined { creator_id: i64, user_id: i64 },
    CharterSectionSaved { section: crate::charter::Section, version: i64 },
    /// A version frozen for sign-off; `replaces_signed` when a change after a signature made it.
    CharterProposed { number: i64, replaces_signed: Option<i64> },
    CharterSigned { number: i64, org: OrgRef },
    CharterCommented { comment_id: i64, section: crate::charter::Section, by_creator: bool },
    CharterCommentResolved { comment_id: i64 },
    CampaignLaunched { charter_version: i64 },
    /// A deliverable was briefed, submitted, reviewed or paid; `what` completes "{who} …".
    DeliverableChanged { deliverable_id: i64, creator_id: i64, lane: crate::outreach::Lane, status: crate::content::Status, what: String },
    /// `internal` comments are for the partners only and never reach the creator.
    DeliverableCommented { deliverable_id: i64, creator_id: i64, title: String, internal: bool },
    LaneSaved { lane: crate::outreach::Lane },
    TimeZoneSet { time_zone: String },
    EscalationRaised { escalation: crate::content::Escalation },
    EscalationUpdated { escalation: crate::content::Escalation },
    PostTracked { post_id: i64, creator_name: String, lane: crate::outreach::Lane },
    /// Daily figures arrived (`corrected`: rows whose stored figures changed; the old ones are kept).
    MetricsIngested { source: String, inserted: i64, corrected: i64 },
    /// The CPM (cents per 1,000 impressions) used to estimate a platform's earned media value.
    CpmSet { platform: String, cpm_cents: i64 },
}

impl Change {
    /// The creator a change is addressed to (their portal updates live); `None` for partner-only changes.
    pub fn addressed_to_creator(&self) -> Option<i64> {
        match self {
            Change::DeliverableChanged { creator_id, .. } => Some(*creator_id),
            Change::DeliverableCommented { creator_id, internal: false, .. } => Some(*creator_id),
            _ => None,
        }
    }
}

/// One entry of a campaign's event log: `seq` is gap-free and increasing per campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub campaign_id: i64,
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: Actor,
    #[serde(flatten)]
    pub change: Change,
}

impl Event {
    /// A sentence for the activity trail and toasts.
    pub fn describe(&self) -> String {
        let who = match &self.actor.org_name {
            Some(org) => format!("{} ({org})", self.actor.name),
            None => self.actor.name.clone(),
        };
        match &self.change {
            Change::CardAdded { card } => format!("{who} added {} to the pool", card.name),
            Change::CardMoved { name, from, to, .. } => {
                format!("{who} moved {name} from {} to {}", from.label(), to.label())
            }
            Change::CardUpdated { what, .. } => format!("{who} {what}"),
            Change::CardNoted { name, .. } => format!("{who} added a note on {name}"),
            Change::CreatorsImported { count, file, .. } => format!("{who} imported {count} creators from {file}"),
            Change::CreatorsMerged { into, removed_name, .. } => format!("{who} merged {removed_name} into {}", into.name),
            Change::PartnerJoined { org } => format!("{} joined the campaign as a partner", org.name),
            Change::CreatorJoined { .. } => format!("{who} accepted a creator invitation"),
            Change::CharterSectionSaved { section, .. } => format!("{who} saved the charter's {}", section.title().to_lowercase()),
            Change::CharterProposed { number, replaces_signed: Some(old) } => {
                format!("{who} changed the charter after version {old} was signed: version {number} needs every signature again")
            }
            Change::CharterProposed { number, .. } => format!("{who} proposed charter version {number} for sign-off"),
            Change::CharterSigned { number, org } => format!("{who} signed charter version {number} for {}", org.name),
            Change::CharterCommented { section, by_creator: true, .. } => format!("{who} (creator) commented on the {}", section.title().to_lowercase()),
            Change::CharterCommented { section, .. } => format!("{who} commented on the {}", section.title().to_lowercase()),
            Change::CharterCommentResolved { .. } => format!("{who} resolved a comment on the charter"),
            Change::CampaignLaunched { charter_version } => format!("{who} launched the campaign on charter version {charter_version}"),
            Change::DeliverableChanged { what, .. } => format!("{who} {what}"),
            Change::DeliverableCommented { title, internal: true, .. } => format!("{who} left an internal note on \"{title}\""),
            Change::DeliverableCommented { title, .. } => format!("{who} commented on \"{title}\""),
            Change::LaneSaved { lane } => format!("{who} updated the {} lane's brief and settings", lane.label()),
            Change::TimeZoneSet { time_zone } => format!("{who} set the campaign's time zone to {time_zone}"),
            Change::EscalationRaised { escalation } => format!("Escalation to {}: {}", escalation.assignee, escalation.title),
            Change::PostTracked { creator_name, lane, .. } => format!("{who} started tracking a {} post by {creator_name}", lane.label()),
            Change::MetricsIngested { source, inserted, corrected: 0 } => format!("{who} added {inserted} day(s) of figures ({source})"),
            Change::MetricsIngested { source, inserted, corrected } => format!("{who} added {inserted} and corrected {corrected} day(s) of figures ({source})"),
            Change::CpmSet { platform, cpm_cents } => format!("{who} set the {platform} CPM for earned media value to {}", crate::content::money(*cpm_cents)),
            Change::EscalationUpdated { escalation } => format!("{who} marked the escalation \"{}\" {}", escalation.title, escalation.status),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(change: Change) -> Event {
        Event {
            campaign_id: 1,
            seq: 7,
            at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            actor: Actor { user_id: 2, name: "Jordan Reyes".into(), org_id: Some(3), org_name: Some("Brightline".into()) },
            change,
        }
    }

    #[test]
    fn events_read_as_sentences() {
        let e = event(Change::CardMoved { card_id: 5, name: "Ava Chen".into(), from: Stage::Prospect, to: Stage::ContentInProgress, version: 2 });
        assert_eq!(e.describe(), "Jordan Reyes (Brightline) moved Ava Chen from Prospect to Content in progress");
    }

    #[test]
    fn the_wire_format_is_stable() {
        let e = event(Change::CardMoved { card_id: 5, name: "Ava".into(), from: Stage::Prospect, to: Stage::Contacted, version: 2 });
        let v = serde_json::to_value(ServerMsg::Event { event: e.clone() }).unwrap();
        assert_eq!(v["type"], "event");
        assert_eq!(v["event"]["seq"], 7);
        assert_eq!(v["event"]["kind"], "card_moved");
        assert_eq!(v["event"]["data"]["to"], "contacted");
        let back: ServerMsg = serde_json::from_value(v).unwrap();
        assert_eq!(back, ServerMsg::Event { event: e });
        let sub: ClientMsg = serde_json::from_str(r#"{"op":"subscribe","campaign_id":1,"after":5}"#).unwrap();
        assert_eq!(sub, ClientMsg::Subscribe { campaign_id: 1, after: 5 });
    }

    #[test]
    fn the_portal_reads_its_messages_and_ignores_the_rest() {
        let read = |m: ServerMsg| serde_json::from_str::<PortalMsg>(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(read(ServerMsg::Portal { campaign_id: 3, text: "Approved".into() }), PortalMsg::Portal { campaign_id: 3, text: "Approved".into() });
        assert_eq!(read(ServerMsg::Subscribed { campaign_id: 3, head: 9 }), PortalMsg::Subscribed { campaign_id: 3, head: 9 });
        assert_eq!(read(ServerMsg::Reset { campaign_id: 3, reason: "gone".into() }), PortalMsg::Reset { campaign_id: 3, reason: "gone".into() });
        let moved = event(Change::CardMoved { card_id: 5, name: "Ava".into(), from: Stage::Prospect, to: Stage::Contacted, version: 2 });
        assert_eq!(read(ServerMsg::Event { event: moved }), PortalMsg::Other);
        assert_eq!(read(ServerMsg::Pong), PortalMsg::Other);
    }
}

/// What a browser tab (or any client) sends on its one WebSocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Start receiving a campaign's events after `after` (the last sequence number seen).
    Subscribe { campaign_id: i64, after: i64 },
    Unsubscribe { campaign_id: i64 },
    /// Where this person is working right now (e.g. which charter section they are editing); not logged.
    Presence { campaign_id: i64, section: Option<String> },
    Ping,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Subscribed { campaign_id: i64, head: i64 },
    Event { event: Event },
    /// The missed events are no longer kept (or too many were missed): reload the campaign's state.
    Reset { campaign_id: i64, reason: String },
    Error { campaign_id: Option<i64>, code: crate::error::ErrorCode, message: String },
    /// Someone else's presence, passed on as it comes; it expires unless repeated.
    Presence { campaign_id: i64, user_id: i64, name: String, org_name: Option<String>, section: Option<String> },
    /// Progress of a long job someone runs on the campaign (a CSV import); not logged.
    Progress { campaign_id: i64, job: String, by: String, done: u64, total: u64 },
    /// To a creator's portal: something addressed to them changed (reload what you show). Carries no partner data.
    Portal { campaign_id: i64, text: String },
    Pong,
}

/// The messages a creator's portal acts on, read without the partners' event types, so the portal's code carries
/// no decoder for cards, charters or escalations. Whatever else arrives reads as `Other` and is ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PortalMsg {
    Subscribed { campaign_id: i64, head: i64 },
    Portal { campaign_id: i64, text: String },
    Reset { campaign_id: i64, reason: String },
    #[serde(other)]
    Other,
}
