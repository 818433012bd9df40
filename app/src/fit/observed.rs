//! Observed working style: times read from a campaign's event log, per organization. Pure functions over events,
//! so the same code serves the fit view, the track record and hand-built sequences in tests.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use super::clock::WorkClock;
use super::{Measures, TimeStat};
use crate::content::Status;
use crate::creators::Card;
use crate::realtime::{Change, Event};
use crate::vocab::Lane;

/// What the log is read against: the lanes' SLAs, today in the campaign's zone, and the organizations that count
/// their times in working hours (their clocks).
#[derive(Debug, Clone)]
pub struct Context {
    pub sla_hours: Vec<(Lane, i64)>,
    pub today: NaiveDate,
    pub clocks: HashMap<i64, WorkClock>,
    /// The campaign's creator records and their people's accounts (record id → user id): a partner's reply names
    /// the creator record it answers, her own comment names her account.
    pub creator_users: HashMap<i64, i64>,
}

impl Context {
    fn sla(&self, lane: Lane) -> i64 {
        self.sla_hours
            .iter()
            .find(|(l, _)| *l == lane)
            .map(|(_, h)| *h)
            .unwrap_or_else(|| crate::content::LaneSettings::default_sla(lane))
    }

    /// Minutes from `from` to `to` as `org` counts them.
    fn minutes(&self, org: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        match self.clocks.get(&org) {
            Some(clock) => clock.working_minutes(from, to),
            None => (to - from).num_minutes().max(0),
        }
    }
}

/// One organization's raw observations (kept raw so campaigns add up before the statistics are taken).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Samples {
    pub reviews: Vec<i64>,
    pub reviews_within_sla: i64,
    pub signatures: Vec<i64>,
    pub creator_replies: Vec<i64>,
    pub escalation_acks: Vec<i64>,
    pub next_actions_overdue: i64,
}

impl Samples {
    pub fn add(&mut self, other: Samples) {
        self.reviews.extend(other.reviews);
        self.reviews_within_sla += other.reviews_within_sla;
        self.signatures.extend(other.signatures);
        self.creator_replies.extend(other.creator_replies);
        self.escalation_acks.extend(other.escalation_acks);
        self.next_actions_overdue += other.next_actions_overdue;
    }

    pub fn measures(&self, org_id: i64, working_hours: bool) -> Measures {
        Measures {
            org_id,
            working_hours,
            reviews: stat(&self.reviews),
            reviews_within_sla: self.reviews_within_sla,
            signatures: stat(&self.signatures),
            creator_replies: stat(&self.creator_replies),
            escalation_acks: stat(&self.escalation_acks),
            next_actions_overdue: self.next_actions_overdue,
        }
    }
}

/// Median (the mean of the middle two for an even count, rounded down) and 90th percentile (nearest rank).
pub fn stat(values: &[i64]) -> TimeStat {
    if values.is_empty() {
        return TimeStat::default();
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2 };
    let rank = (9 * n).div_ceil(10).max(1);
    TimeStat { count: n as i64, median_minutes: Some(median), p90_minutes: Some(v[rank - 1]) }
}

/// Reads a campaign's events (oldest first) into observations per organization.
///
/// - a review: from a round going into review (`deliverable_changed` to `in_review`) to a partner's decision on it
///   (to `approved`, `changes_requested` or `rejected`), for the deciding organization; within SLA when the
///   elapsed time is at most the lane's SLA (the SLA clock is elapsed time);
/// - a signature: from a charter version's proposal to an organization's signature of that version;
/// - a reply: from a creator's comment (on a deliverable, or on a charter section) to the first partner comment to
///   the creator on the same deliverable, or on the same section in reply to her (her thread: another creator's
///   answer, or a partner's comment to no creator, does not count);
/// - an acknowledgement: from an escalation to the first partner marking it acknowledged or resolved;
/// - next actions overdue: the cards' latest state, owners' next actions due before today.
pub fn observe(events: &[Event], ctx: &Context) -> BTreeMap<i64, Samples> {
    let mut out: BTreeMap<i64, Samples> = BTreeMap::new();
    let mut in_review: HashMap<i64, (DateTime<Utc>, Lane)> = HashMap::new();
    let mut proposed: HashMap<i64, DateTime<Utc>> = HashMap::new();
    let mut creator_waits_deliverable: HashMap<i64, DateTime<Utc>> = HashMap::new();
    let mut creator_waits_section: HashMap<(String, i64), DateTime<Utc>> = HashMap::new();
    let mut escalations: HashMap<i64, DateTime<Utc>> = HashMap::new();
    let mut cards: BTreeMap<i64, Card> = BTreeMap::new();
    for e in events {
        let org = e.actor.org_id;
        match &e.change {
            Change::DeliverableChanged { deliverable_id, lane, status, .. } => match status {
                Status::InReview => {
                    in_review.insert(*deliverable_id, (e.at, *lane));
                }
                Status::Approved | Status::ChangesRequested | Status::Rejected => {
                    if let (Some(org), Some((since, lane))) = (org, in_review.remove(deliverable_id)) {
                        let s = out.entry(org).or_default();
                        s.reviews.push(ctx.minutes(org, since, e.at));
                        if e.at - since <= chrono::Duration::hours(ctx.sla(lane)) {
                            s.reviews_within_sla += 1;
                        }
                    }
                }
                Status::AwaitingDraft => {
                    in_review.remove(deliverable_id);
                }
            },
            Change::CharterProposed { number, .. } => {
                proposed.insert(*number, e.at);
            }
            Change::CharterSigned { number, org: signer } => {
                if let Some(since) = proposed.get(number) {
                    out.entry(signer.id).or_default().signatures.push(ctx.minutes(signer.id, *since, e.at));
                }
            }
            Change::DeliverableCommented { deliverable_id, internal: false, .. } => match org {
                None => {
                    creator_waits_deliverable.entry(*deliverable_id).or_insert(e.at);
                }
                Some(org) => {
                    if let Some(since) = creator_waits_deliverable.remove(deliverable_id) {
                        out.entry(org).or_default().creator_replies.push(ctx.minutes(org, since, e.at));
                    }
                }
            },
            Change::CharterCommented { section, by_creator, to_creator, .. } => {
                let section = section.key().to_string();
                match (*by_creator, org, to_creator) {
                    (true, _, _) => {
                        creator_waits_section.entry((section, e.actor.user_id)).or_insert(e.at);
                    }
                    (false, Some(org), Some(creator)) => {
                        let Some(&user) = ctx.creator_users.get(creator) else { continue };
                        if let Some(since) = creator_waits_section.remove(&(section, user)) {
                            out.entry(org).or_default().creator_replies.push(ctx.minutes(org, since, e.at));
                        }
                    }
                    _ => {}
                }
            }
            Change::EscalationRaised { escalation } => {
                escalations.insert(escalation.id, e.at);
            }
            Change::EscalationUpdated { escalation } if escalation.status != "open" => {
                if let (Some(org), Some(since)) = (org, escalations.remove(&escalation.id)) {
                    out.entry(org).or_default().escalation_acks.push(ctx.minutes(org, since, e.at));
                }
            }
            Change::CardAdded { card } | Change::CardUpdated { card, .. } => {
                cards.insert(card.id, card.clone());
            }
            Change::CreatorsImported { cards: Some(list), .. } => {
                for card in list {
                    cards.insert(card.id, card.clone());
                }
            }
            Change::CreatorsMerged { into, removed_id, .. } => {
                cards.remove(removed_id);
                cards.insert(into.id, into.clone());
            }
            _ => {}
        }
    }
    for card in cards.values() {
        if card.next_action.is_some() && card.next_action_due.is_some_and(|due| due < ctx.today) {
            out.entry(card.owner.id).or_default().next_actions_overdue += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charter::Section;
    use crate::escalations::Escalation;
    use crate::realtime::Actor;
    use crate::vocab::{OrgKind, OrgRef};

    const BRAND: i64 = 1;
    const AGENCY: i64 = 2;

    fn org(id: i64) -> OrgRef {
        OrgRef { id, name: format!("Org {id}"), kind: OrgKind::Agency, color: "#000".into() }
    }

    /// An event at `at` (RFC 3339) by someone of `org` (`None`: a creator).
    fn ev(at: &str, org: Option<i64>, change: Change) -> Event {
        Event {
            campaign_id: 1,
            seq: 0,
            at: at.parse().unwrap(),
            actor: Actor { user_id: org.unwrap_or(99), name: "X".into(), org_id: org, org_name: None },
            change,
        }
    }

    fn deliverable(id: i64, status: Status) -> Change {
        Change::DeliverableChanged { deliverable_id: id, creator_id: 7, lane: Lane::Ugc, status, what: String::new() }
    }

    fn ctx() -> Context {
        Context {
            sla_hours: vec![(Lane::Ugc, 24), (Lane::Influencer, 48)],
            today: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
            clocks: HashMap::new(),
            // Creator record 7 is the account 99 (every creator event's actor in these tests), 8 is another's.
            creator_users: HashMap::from([(7, 99), (8, 98)]),
        }
    }

    fn escalation(id: i64, status: &str) -> Escalation {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap();
        Escalation {
            id,
            campaign_id: 1,
            kind: "review_sla".into(),
            title: "Late".into(),
            detail: String::new(),
            deliverable_id: None,
            assignee_user_id: None,
            assignee: "Lena".into(),
            status: status.into(),
            note: String::new(),
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn statistics_by_hand() {
        assert_eq!(stat(&[]), TimeStat::default());
        assert_eq!(stat(&[5]), TimeStat { count: 1, median_minutes: Some(5), p90_minutes: Some(5) });
        // Sorted: 10 20 30 40; median (20 + 30) / 2; p90 rank ceil(3.6) = 4.
        assert_eq!(stat(&[40, 10, 30, 20]), TimeStat { count: 4, median_minutes: Some(25), p90_minutes: Some(40) });
        // Ten values 1..=10: p90 is the 9th.
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(stat(&ten).p90_minutes, Some(9));
        assert_eq!(stat(&ten).median_minutes, Some(5));
    }

    #[test]
    fn reviews_are_timed_from_submission_to_decision_for_the_deciding_organization() {
        let events = vec![
            ev("2026-03-02T10:00:00Z", None, deliverable(1, Status::InReview)),
            ev("2026-03-03T06:00:00Z", Some(AGENCY), deliverable(1, Status::ChangesRequested)), // 20 h: within 24 h
            ev("2026-03-03T08:00:00Z", None, deliverable(1, Status::InReview)),
            ev("2026-03-05T02:00:00Z", Some(AGENCY), deliverable(1, Status::Approved)), // 42 h: late
            ev("2026-03-05T03:00:00Z", Some(BRAND), deliverable(1, Status::Approved)),  // a payout, not a review
            ev("2026-03-06T08:00:00Z", None, deliverable(2, Status::InReview)),         // still pending: not counted
        ];
        let out = observe(&events, &ctx());
        let agency = &out[&AGENCY];
        assert_eq!(agency.reviews, vec![20 * 60, 42 * 60]);
        assert_eq!(agency.reviews_within_sla, 1);
        assert!(!out.contains_key(&BRAND));
        let m = agency.measures(AGENCY, false);
        assert_eq!((m.reviews.median_minutes, m.reviews.p90_minutes), (Some(31 * 60), Some(42 * 60)));
    }

    #[test]
    fn working_hours_count_only_the_working_day_across_a_clock_change() {
        // The agency works 09:00–17:00 Mon–Fri in Berlin, where summer time starts on Sunday 2026-03-29.
        let clock = WorkClock {
            tz: "Europe/Berlin".parse().unwrap(),
            start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            days: [true, true, true, true, true, false, false],
        };
        let mut ctx = ctx();
        ctx.clocks.insert(AGENCY, clock);
        let events = vec![
            // Friday 16:00 CET to Monday 10:00 CEST: 65 h elapsed, 2 working hours.
            ev("2026-03-27T15:00:00Z", None, deliverable(1, Status::InReview)),
            ev("2026-03-30T08:00:00Z", Some(AGENCY), deliverable(1, Status::Approved)),
            // The same for the brand, which counts elapsed time.
            ev("2026-03-27T15:00:00Z", None, deliverable(2, Status::InReview)),
            ev("2026-03-30T08:00:00Z", Some(BRAND), deliverable(2, Status::Approved)),
        ];
        let out = observe(&events, &ctx);
        assert_eq!(out[&AGENCY].reviews, vec![120]);
        assert_eq!(out[&BRAND].reviews, vec![65 * 60]);
        // The SLA is elapsed time whatever the profile says: 65 h is past 24 h for both.
        assert_eq!((out[&AGENCY].reviews_within_sla, out[&BRAND].reviews_within_sla), (0, 0));
    }

    #[test]
    fn signatures_replies_acknowledgements_and_overdue_next_actions() {
        let section = Section::CreativeBrief;
        let mut late = crate::creators::Card { ..sample_card(5, AGENCY) };
        late.next_action = Some("Send the brief".into());
        late.next_action_due = NaiveDate::from_ymd_opt(2026, 3, 30);
        let mut due_today = sample_card(6, AGENCY);
        due_today.next_action = Some("Call".into());
        due_today.next_action_due = NaiveDate::from_ymd_opt(2026, 3, 31);
        let events = vec![
            ev("2026-03-01T09:00:00Z", Some(BRAND), Change::CharterProposed { number: 1, replaces_signed: None }),
            ev("2026-03-01T10:00:00Z", Some(BRAND), Change::CharterSigned { number: 1, org: org(BRAND) }),
            ev("2026-03-02T09:00:00Z", Some(AGENCY), Change::CharterSigned { number: 1, org: org(AGENCY) }),
            ev(
                "2026-03-03T09:00:00Z",
                None,
                Change::CharterCommented { comment_id: 1, section, by_creator: true, to_creator: None },
            ),
            // Not answers to her: a reply in another creator's thread on the same section, and a partner's own
            // comment to no creator.
            ev(
                "2026-03-03T09:10:00Z",
                Some(BRAND),
                Change::CharterCommented { comment_id: 5, section, by_creator: false, to_creator: Some(8) },
            ),
            ev(
                "2026-03-03T09:15:00Z",
                Some(BRAND),
                Change::CharterCommented { comment_id: 6, section, by_creator: false, to_creator: None },
            ),
            ev(
                "2026-03-03T09:30:00Z",
                Some(AGENCY),
                Change::CharterCommented { comment_id: 2, section, by_creator: false, to_creator: Some(7) },
            ),
            ev(
                "2026-03-04T09:00:00Z",
                None,
                Change::DeliverableCommented { deliverable_id: 3, creator_id: 7, title: "A".into(), internal: false },
            ),
            // An internal note is not an answer to the creator.
            ev(
                "2026-03-04T10:00:00Z",
                Some(BRAND),
                Change::DeliverableCommented { deliverable_id: 3, creator_id: 7, title: "A".into(), internal: true },
            ),
            ev(
                "2026-03-04T13:00:00Z",
                Some(BRAND),
                Change::DeliverableCommented { deliverable_id: 3, creator_id: 7, title: "A".into(), internal: false },
            ),
            ev("2026-03-05T09:00:00Z", None, Change::EscalationRaised { escalation: escalation(4, "open") }),
            ev(
                "2026-03-05T09:45:00Z",
                Some(BRAND),
                Change::EscalationUpdated { escalation: escalation(4, "acknowledged") },
            ),
            ev(
                "2026-03-05T10:00:00Z",
                Some(AGENCY),
                Change::EscalationUpdated { escalation: escalation(4, "resolved") },
            ),
            ev("2026-03-06T09:00:00Z", Some(AGENCY), Change::CardAdded { card: late }),
            ev("2026-03-06T09:00:00Z", Some(AGENCY), Change::CardAdded { card: due_today }),
        ];
        let out = observe(&events, &ctx());
        assert_eq!(out[&BRAND].signatures, vec![60]);
        assert_eq!(out[&AGENCY].signatures, vec![24 * 60]);
        assert_eq!(out[&AGENCY].creator_replies, vec![30]);
        assert_eq!(out[&BRAND].creator_replies, vec![4 * 60]);
        assert_eq!(out[&BRAND].escalation_acks, vec![45]);
        assert!(out[&AGENCY].escalation_acks.is_empty(), "acknowledged once, by the first");
        assert_eq!((out[&AGENCY].next_actions_overdue, out[&BRAND].next_actions_overdue), (1, 0));
    }

    fn sample_card(id: i64, owner: i64) -> Card {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        Card {
            id,
            campaign_id: 1,
            name: "Ava".into(),
            platform: "tiktok".into(),
            handle: "@ava".into(),
            followers: 1_000,
            avg_reach: None,
            engagements: 0,
            handles: 1,
            country: None,
            lane: Lane::Ugc,
            stage: crate::vocab::Stage::Prospect,
            stage_since: at,
            owner: org(owner),
            owner_user_id: None,
            owner_person: None,
            next_action: None,
            next_action_due: None,
            version: 1,
            updated_at: at,
        }
    }
}
