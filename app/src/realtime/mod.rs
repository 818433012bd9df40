//! Live updates: the event every committed change appends, and the WebSocket messages that carry it.
use serde::{Deserialize, Serialize};

use crate::json_text::{DecodeError, FromJson};

use crate::creators::Card;
use crate::vocab::OrgRef;
use crate::vocab::Stage;

#[cfg(feature = "hydrate")]
pub mod client;
#[cfg(feature = "ssr")]
pub mod hub;
#[cfg(feature = "ssr")]
pub mod log;

/// Who made a change, as everyone else sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
}

/// Defines `Change` and its decoder from a `kind` and its `data`, from one list of variants.
///
/// `Change` is adjacently tagged (`{"kind": "card_moved", "data": {…}}`, flattened into `Event`). serde's derived
/// decoder for that shape buffers every payload in its private `Content` tree first, which compiles a second
/// decoder for every payload type (cards, charter sections, escalations) into the browser's WASM, and a decoder
/// per variant on top. `decode` reads each field of the payload (a parsed JSON value) through the one decoder per
/// field type that the rest of the app uses as well.
macro_rules! changes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $tag:tt { $($field:ident : $ty:ty),* $(,)? } ),* $(,)?) => {
        /// What an event changed: its `kind` and the `data` that kind carries.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(tag = "kind", content = "data")]
        pub enum Change {
            $( $(#[doc = $doc])* #[serde(rename = $tag)] $variant { $($field: $ty),* }, )*
        }

        impl Change {
            /// Every `kind` there is.
            pub const KINDS: &'static [&'static str] = &[$($tag),*];

            /// The change of this `kind` whose payload is `data`.
            pub fn decode(kind: &str, data: &serde_json::Value) -> Result<Change, DecodeError> {
                let fields = crate::json_text::object(data).map_err(|e| DecodeError::new(format!("data: {e}")))?;
                match kind {
                    $( $tag => Ok(Change::$variant { $($field: crate::json_text::field(fields, stringify!($field))?),* }), )*
                    other => Err(DecodeError::unknown_variant(other, Self::KINDS)),
                }
            }
        }
    };
}

changes! {
    CardAdded = "card_added" { card: Card },
    CardMoved = "card_moved" { card_id: i64, name: String, from: Stage, to: Stage, version: i64 },
    /// A card's fields changed (owner, next action, profile, handles); `what` completes "{who} …".
    CardUpdated = "card_updated" { card: Card, what: String },
    CardNoted = "card_noted" { card_id: i64, name: String },
    /// Creators imported from a file at once; the cards ride along for small files, else clients reload.
    CreatorsImported = "creators_imported" { count: i64, file: String, cards: Option<Vec<Card>> },
    /// `removed_id` was merged into `into` (the same person, two records) and is gone.
    CreatorsMerged = "creators_merged" { into: Card, removed_id: i64, removed_name: String },
    PartnerJoined = "partner_joined" { org: OrgRef },
    CreatorJoined = "creator_joined" { creator_id: i64, user_id: i64 },
    CharterSectionSaved = "charter_section_saved" { section: crate::charter::Section, version: i64 },
    /// A version frozen for sign-off; `replaces_signed` when a change after a signature made it.
    CharterProposed = "charter_proposed" { number: i64, replaces_signed: Option<i64> },
    CharterSigned = "charter_signed" { number: i64, org: OrgRef },
    /// `to_creator`: a partner's reply to a creator's comment, for that creator's portal (her creator record).
    CharterCommented = "charter_commented" { comment_id: i64, section: crate::charter::Section, by_creator: bool, to_creator: Option<i64> },
    CharterCommentResolved = "charter_comment_resolved" { comment_id: i64 },
    CampaignLaunched = "campaign_launched" { charter_version: i64 },
    /// A deliverable was briefed, submitted, reviewed or paid; `what` completes "{who} …".
    DeliverableChanged = "deliverable_changed" { deliverable_id: i64, creator_id: i64, lane: crate::vocab::Lane, status: crate::content::Status, what: String },
    /// `internal` comments are for the partners only and never reach the creator.
    DeliverableCommented = "deliverable_commented" { deliverable_id: i64, creator_id: i64, title: String, internal: bool },
    LaneSaved = "lane_saved" { lane: crate::vocab::Lane },
    TimeZoneSet = "time_zone_set" { time_zone: String },
    EscalationRaised = "escalation_raised" { escalation: crate::escalations::Escalation },
    EscalationUpdated = "escalation_updated" { escalation: crate::escalations::Escalation },
    PostTracked = "post_tracked" { post_id: i64, creator_name: String, lane: crate::vocab::Lane },
    /// Daily figures arrived (`corrected`: rows whose stored figures changed; the old ones are kept). `days` and
    /// `posts` changed (for an open dashboard to patch itself; absent when more than
    /// `metrics::live::LISTED_IN_EVENT`, and in events written before they were added).
    MetricsIngested = "metrics_ingested" { source: String, inserted: i64, corrected: i64, days: Option<Vec<chrono::NaiveDate>>, posts: Option<Vec<i64>> },
    /// The CPM (cents per 1,000 impressions) used to estimate a platform's earned media value.
    CpmSet = "cpm_set" { platform: String, cpm_cents: i64 },
    /// Something changed that only server-rendered pages show (a fit item settled, a profile saved): `topic` names
    /// the page ("fit"), `what` completes "{who} …", `creator_id` is the creator it concerns (her portal hears of
    /// it). One kind for all such pages, so that the browser's event decoder does not grow with each of them.
    Recorded = "recorded" { topic: String, what: String, creator_id: Option<i64> },
}

impl Change {
    /// The creator a change is addressed to (their portal updates live); `None` for partner-only changes.
    pub fn addressed_to_creator(&self) -> Option<i64> {
        match self {
            Change::DeliverableChanged { creator_id, .. } => Some(*creator_id),
            Change::DeliverableCommented { creator_id, internal: false, .. } => Some(*creator_id),
            Change::CharterCommented { to_creator: Some(creator_id), .. } => Some(*creator_id),
            Change::Recorded { creator_id: Some(creator_id), .. } => Some(*creator_id),
            _ => None,
        }
    }
}

/// One entry of a campaign's event log: `seq` is gap-free and increasing per campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Event {
    pub campaign_id: i64,
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: Actor,
    #[serde(flatten)]
    pub change: Change,
}

/// Read by hand: the fixed fields, then the change from its `kind` and its `data` (see `changes!`).
impl FromJson for Event {
    fn from_json(v: &serde_json::Value) -> Result<Self, DecodeError> {
        use crate::json_text::field;
        let o = crate::json_text::object(v)?;
        let kind: String = field(o, "kind")?;
        let change = Change::decode(&kind, o.get("data").unwrap_or(&serde_json::Value::Null))?;
        Ok(Event {
            campaign_id: field(o, "campaign_id")?,
            seq: field(o, "seq")?,
            at: field(o, "at")?,
            actor: field(o, "actor")?,
            change,
        })
    }
}

/// serde reads an event (the server's log, tests) through the same decoder as the browser.
impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::json_text::deserialize_via_value(deserializer)
    }
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
            Change::CreatorsMerged { into, removed_name, .. } => {
                format!("{who} merged {removed_name} into {}", into.name)
            }
            Change::PartnerJoined { org } => format!("{} joined the campaign as a partner", org.name),
            Change::CreatorJoined { .. } => format!("{who} accepted a creator invitation"),
            Change::CharterSectionSaved { section, .. } => {
                format!("{who} saved the charter's {}", section.title().to_lowercase())
            }
            Change::CharterProposed { number, replaces_signed: Some(old) } => {
                format!("{who} changed the charter after version {old} was signed: version {number} needs every signature again")
            }
            Change::CharterProposed { number, .. } => format!("{who} proposed charter version {number} for sign-off"),
            Change::CharterSigned { number, org } => format!("{who} signed charter version {number} for {}", org.name),
            Change::CharterCommented { section, by_creator: true, .. } => {
                format!("{who} (creator) commented on the {}", section.title().to_lowercase())
            }
            Change::CharterCommented { section, .. } => {
                format!("{who} commented on the {}", section.title().to_lowercase())
            }
            Change::CharterCommentResolved { .. } => format!("{who} resolved a comment on the charter"),
            Change::CampaignLaunched { charter_version } => {
                format!("{who} launched the campaign on charter version {charter_version}")
            }
            Change::DeliverableChanged { what, .. } => format!("{who} {what}"),
            Change::DeliverableCommented { title, internal: true, .. } => {
                format!("{who} left an internal note on \"{title}\"")
            }
            Change::DeliverableCommented { title, .. } => format!("{who} commented on \"{title}\""),
            Change::LaneSaved { lane } => format!("{who} updated the {} lane's brief and settings", lane.label()),
            Change::TimeZoneSet { time_zone } => format!("{who} set the campaign's time zone to {time_zone}"),
            Change::EscalationRaised { escalation } => {
                format!("Escalation to {}: {}", escalation.assignee, escalation.title)
            }
            Change::PostTracked { creator_name, lane, .. } => {
                format!("{who} started tracking a {} post by {creator_name}", lane.label())
            }
            Change::MetricsIngested { source, inserted, corrected: 0, .. } => {
                format!("{who} added {inserted} day(s) of figures ({source})")
            }
            Change::MetricsIngested { source, inserted, corrected, .. } => {
                format!("{who} added {inserted} and corrected {corrected} day(s) of figures ({source})")
            }
            // The amount is on the dashboard, with the campaign's currency (which the event does not carry).
            Change::CpmSet { platform, .. } => format!("{who} set the {platform} CPM for earned media value"),
            Change::EscalationUpdated { escalation } => {
                format!("{who} marked the escalation \"{}\" {}", escalation.title, escalation.status)
            }
            Change::Recorded { what, .. } => format!("{who} {what}"),
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
            actor: Actor {
                user_id: 2,
                name: "Jordan Reyes".into(),
                org_id: Some(3),
                org_name: Some("Brightline".into()),
            },
            change,
        }
    }

    #[test]
    fn events_read_as_sentences() {
        let e = event(Change::CardMoved {
            card_id: 5,
            name: "Ava Chen".into(),
            from: Stage::Prospect,
            to: Stage::ContentInProgress,
            version: 2,
        });
        assert_eq!(e.describe(), "Jordan Reyes (Brightline) moved Ava Chen from Prospect to Content in progress");
    }

    #[test]
    fn the_wire_format_is_stable() {
        let e = event(Change::CardMoved {
            card_id: 5,
            name: "Ava".into(),
            from: Stage::Prospect,
            to: Stage::Contacted,
            version: 2,
        });
        let v = serde_json::to_value(ServerMsg::Event { event: e.clone() }).unwrap();
        assert_eq!(v["type"], "event");
        assert_eq!(v["event"]["seq"], 7);
        assert_eq!(v["event"]["kind"], "card_moved");
        assert_eq!(v["event"]["data"]["to"], "contacted");
        let back: ServerMsg = serde_json::from_str(&v.to_string()).unwrap();
        assert_eq!(back, ServerMsg::Event { event: e });
        let sub: ClientMsg = serde_json::from_str(r#"{"op":"subscribe","campaign_id":1,"after":5}"#).unwrap();
        assert_eq!(sub, ClientMsg::Subscribe { campaign_id: 1, after: 5 });
    }

    fn card() -> Card {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        Card {
            id: 5,
            campaign_id: 1,
            name: "Ava \"AC\" Chen".into(),
            platform: "tiktok".into(),
            handle: "@ava".into(),
            followers: 120_000,
            avg_reach: Some(40_000),
            engagements: 5_100,
            handles: 2,
            country: None,
            lane: crate::vocab::Lane::Influencer,
            stage: Stage::Negotiating,
            stage_since: at,
            owner: OrgRef {
                id: 3,
                name: "Brightline".into(),
                kind: crate::vocab::OrgKind::Agency,
                color: "#2a6".into(),
            },
            owner_user_id: None,
            owner_person: Some("Jordan".into()),
            next_action: Some("Send the brief".into()),
            next_action_due: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
            version: 4,
            updated_at: at,
        }
    }

    /// Every message, written as the server writes it, reads back equal through the hand-written decoders.
    #[test]
    fn messages_read_back_as_written() {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let escalation = crate::escalations::Escalation {
            id: 9,
            campaign_id: 1,
            kind: "review_sla".into(),
            title: "Review overdue".into(),
            detail: "2 days".into(),
            deliverable_id: Some(4),
            assignee_user_id: Some(2),
            assignee: "Jordan".into(),
            status: "open".into(),
            note: String::new(),
            version: 1,
            created_at: at,
            updated_at: at,
        };
        let changes = vec![
            Change::CardAdded { card: card() },
            Change::CardMoved {
                card_id: 5,
                name: "Ava".into(),
                from: Stage::Prospect,
                to: Stage::Contacted,
                version: 2,
            },
            Change::CreatorsImported { count: 1, file: "pool.csv".into(), cards: Some(vec![card()]) },
            Change::CreatorsImported { count: 900, file: "big.csv".into(), cards: None },
            Change::CreatorsMerged { into: card(), removed_id: 6, removed_name: "Ava C.".into() },
            Change::CharterSectionSaved { section: crate::charter::Section::Audience, version: 3 },
            Change::CharterProposed { number: 2, replaces_signed: Some(1) },
            Change::EscalationRaised { escalation },
            Change::DeliverableChanged {
                deliverable_id: 4,
                creator_id: 5,
                lane: crate::vocab::Lane::Ugc,
                status: crate::content::Status::Approved,
                what: "approved a draft".into(),
            },
            Change::CpmSet { platform: "tiktok".into(), cpm_cents: 1_250 },
            Change::MetricsIngested {
                source: "api".into(),
                inserted: 2,
                corrected: 1,
                days: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).map(|d| vec![d]),
                posts: Some(vec![4, 9]),
            },
            Change::MetricsIngested { source: "csv".into(), inserted: 9_000, corrected: 0, days: None, posts: None },
        ];
        for change in changes {
            let e = event(change);
            let text = serde_json::to_string(&e).unwrap();
            let kind = serde_json::from_str::<serde_json::Value>(&text).unwrap()["kind"].as_str().unwrap().to_owned();
            assert!(Change::KINDS.contains(&kind.as_str()), "{kind} is listed");
            assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), e, "{text}");
            let msg = ServerMsg::Event { event: e };
            assert_eq!(serde_json::from_str::<ServerMsg>(&serde_json::to_string(&msg).unwrap()).unwrap(), msg);
        }
        let others = vec![
            ServerMsg::Subscribed { campaign_id: 1, head: 0 },
            ServerMsg::Reset { campaign_id: 1, reason: "too far behind".into() },
            ServerMsg::Error {
                campaign_id: None,
                code: crate::error::ErrorCode::NotFound,
                message: "Campaign not found".into(),
            },
            ServerMsg::Presence {
                campaign_id: 1,
                user_id: 2,
                name: "Jordan".into(),
                org_name: None,
                section: Some("audience".into()),
            },
            ServerMsg::Progress { campaign_id: 1, job: "import".into(), by: "Jordan".into(), done: 40, total: 900 },
            ServerMsg::Portal { campaign_id: 1, text: "Approved".into() },
            ServerMsg::Pong,
        ];
        for msg in others {
            assert_eq!(serde_json::from_str::<ServerMsg>(&serde_json::to_string(&msg).unwrap()).unwrap(), msg);
        }
    }

    /// A malformed message names what is wrong with it.
    #[test]
    fn bad_messages_say_what_is_wrong() {
        let err = |text: &str| serde_json::from_str::<ServerMsg>(text).unwrap_err().to_string();
        assert!(err(r#"{"type":"subscribed","campaign_id":1}"#).contains("missing field `head`"));
        assert!(err(r#"{"type":"shout"}"#).contains("unknown variant `shout`"));
        let event = r#"{"type":"event","event":{"campaign_id":1,"seq":2,"at":"2026-11-24T10:00:00Z","actor":{"user_id":1,"name":"A","org_id":null,"org_name":null},"kind":"card_moved","data":{"card_id":5}}}"#;
        assert!(err(event).contains("missing field `name`"), "{}", err(event));
        let wrong = event.replace(
            r#""card_id":5"#,
            r#""card_id":"five","name":"Ava","from":"prospect","to":"contacted","version":2"#,
        );
        assert!(err(&wrong).contains("card_id: expected a whole number, found a string"), "{}", err(&wrong));
        let unknown = event.replace("card_moved", "card_teleported");
        assert!(err(&unknown).contains("unknown variant `card_teleported`"), "{}", err(&unknown));
    }

    #[test]
    fn the_portal_reads_its_messages_and_ignores_the_rest() {
        let read = |m: ServerMsg| serde_json::from_str::<PortalMsg>(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(
            read(ServerMsg::Portal { campaign_id: 3, text: "Approved".into() }),
            PortalMsg::Portal { campaign_id: 3, text: "Approved".into() }
        );
        assert_eq!(
            read(ServerMsg::Subscribed { campaign_id: 3, head: 9 }),
            PortalMsg::Subscribed { campaign_id: 3, head: 9 }
        );
        assert_eq!(
            read(ServerMsg::Reset { campaign_id: 3, reason: "gone".into() }),
            PortalMsg::Reset { campaign_id: 3, reason: "gone".into() }
        );
        let moved = event(Change::CardMoved {
            card_id: 5,
            name: "Ava".into(),
            from: Stage::Prospect,
            to: Stage::Contacted,
            version: 2,
        });
        assert_eq!(read(ServerMsg::Event { event: moved }), PortalMsg::Other);
        assert_eq!(read(ServerMsg::Pong), PortalMsg::Other);
    }
}

/// What a browser tab (or any client) sends on its one WebSocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = ClientMessage))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Start receiving a campaign's events after `after` (the last sequence number seen).
    Subscribe {
        campaign_id: i64,
        after: i64,
    },
    Unsubscribe {
        campaign_id: i64,
    },
    /// Where this person is working right now (e.g. which charter section they are editing); not logged.
    Presence {
        campaign_id: i64,
        section: Option<String>,
    },
    Ping,
}

/// What the server sends. (Its event variant is large; messages are built once and sent by reference, so boxing
/// it would only add an allocation.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = ServerMessage))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Subscribed {
        campaign_id: i64,
        head: i64,
    },
    Event {
        event: Event,
    },
    /// The missed events are no longer kept (or too many were missed): reload the campaign's state.
    Reset {
        campaign_id: i64,
        reason: String,
    },
    Error {
        campaign_id: Option<i64>,
        code: crate::error::ErrorCode,
        message: String,
    },
    /// Someone else's presence, passed on as it comes; it expires unless repeated.
    Presence {
        campaign_id: i64,
        user_id: i64,
        name: String,
        org_name: Option<String>,
        section: Option<String>,
    },
    /// Progress of a long job someone runs on the campaign (a CSV import); not logged.
    Progress {
        campaign_id: i64,
        job: String,
        by: String,
        done: u64,
        total: u64,
    },
    /// To a creator's portal: something addressed to them changed (reload what you show). Carries no partner data.
    Portal {
        campaign_id: i64,
        text: String,
    },
    Pong,
}

/// The messages a creator's portal acts on, read without the partners' event types, so the portal's code carries
/// no decoder for cards, charters or escalations. Whatever else arrives reads as `Other` and is ignored.
#[derive(Debug, Clone, PartialEq)]
pub enum PortalMsg {
    Subscribed { campaign_id: i64, head: i64 },
    Portal { campaign_id: i64, text: String },
    Reset { campaign_id: i64, reason: String },
    Other,
}

/// serde reads a message (tests, the benchmark's clients) through the same decoder as the browser.
impl<'de> Deserialize<'de> for ServerMsg {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::json_text::deserialize_via_value(deserializer)
    }
}

/// The portal's few fields; everything else in a message is skipped unread.
impl FromJson for PortalMsg {
    fn from_json(v: &serde_json::Value) -> Result<Self, DecodeError> {
        use crate::json_text::field;
        let o = crate::json_text::object(v)?;
        Ok(match crate::json_text::tag(o, "type")? {
            "subscribed" => PortalMsg::Subscribed { campaign_id: field(o, "campaign_id")?, head: field(o, "head")? },
            "portal" => PortalMsg::Portal { campaign_id: field(o, "campaign_id")?, text: field(o, "text")? },
            "reset" => PortalMsg::Reset { campaign_id: field(o, "campaign_id")?, reason: field(o, "reason")? },
            _ => PortalMsg::Other,
        })
    }
}

impl<'de> Deserialize<'de> for PortalMsg {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::json_text::deserialize_via_value(deserializer)
    }
}
