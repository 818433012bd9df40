//! Keeping an open dashboard current without loading it whole: a live event names what it changed (the days and
//! posts of a batch of figures, a CPM, an escalation), and the page patches its dashboard with that, or with the
//! small part of a freshly computed dashboard that can have changed ([`DashboardPatch`]). A dashboard patched so
//! equals the dashboard loaded whole at the same moment (`server/tests/it/metrics_live.rs`).
use serde::{Deserialize, Serialize};

use super::{kpi, BudgetLine, Cut, Dashboard, DayPoint, Pacing, Post};

/// Most days and posts a `metrics_ingested` event lists; a larger batch lists none (an open dashboard then loads
/// whole, once).
pub const LISTED_IN_EVENT: usize = 100;

/// The creators shown in the dashboard's creator table (the most engagements first).
pub const CREATORS_SHOWN: usize = 100;
/// The posts the quick-entry form offers (the newest).
pub const POSTS_LISTED: usize = 300;
/// The escalations a dashboard lists (open ones first, then the newest).
pub const ESCALATIONS_LISTED: usize = 200;

/// What an open dashboard asks for after events: the days and posts they changed, and the newest post it has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct PatchAsk {
    #[serde(default)]
    pub days: Vec<chrono::NaiveDate>,
    #[serde(default)]
    pub posts: Vec<i64>,
    /// The highest post id the page has (newer posts come back whole).
    #[serde(default)]
    pub posts_after: i64,
}

impl PatchAsk {
    /// Adds what another event changed (each day and post once).
    pub fn add(&mut self, days: &[chrono::NaiveDate], posts: &[i64]) {
        for d in days {
            if !self.days.contains(d) {
                self.days.push(*d);
            }
        }
        for p in posts {
            if !self.posts.contains(p) {
                self.posts.push(*p);
            }
        }
    }
}

/// The part of a dashboard that can change when figures arrive, a post is tracked, a deliverable or lane changes
/// or the charter's targets do: everything small in full, and of the large lists only what was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct DashboardPatch {
    pub head: i64,
    pub time_zone: String,
    pub currency: String,
    pub totals: kpi::Totals,
    pub by_lane: Vec<Cut>,
    pub by_partner: Vec<Cut>,
    pub by_tier: Vec<Cut>,
    pub by_platform: Vec<Cut>,
    /// The creator table's keys in order (its rows not sent are unchanged)…
    pub creator_order: Vec<String>,
    /// …and its rows of the creators of the posts asked for.
    pub creators: Vec<Cut>,
    /// The daily series on the days asked for, every lane.
    pub days: Vec<DayPoint>,
    pub pacing: Vec<Pacing>,
    pub budget: Vec<BudgetLine>,
    pub cpm: Vec<(String, i64)>,
    pub emv_cents: i64,
    /// Posts newer than `posts_after`, newest first.
    pub new_posts: Vec<Post>,
}

impl DashboardPatch {
    /// The patch of `d` for `ask`; `creator_of(post)` is the creator of a post of the campaign.
    pub fn of(d: &Dashboard, ask: &PatchAsk, creator_of: impl Fn(i64) -> Option<i64>) -> DashboardPatch {
        let touched: Vec<String> = ask.posts.iter().filter_map(|p| creator_of(*p)).map(|c| c.to_string()).collect();
        DashboardPatch {
            head: d.head,
            time_zone: d.time_zone.clone(),
            currency: d.currency.clone(),
            totals: d.totals,
            by_lane: d.by_lane.clone(),
            by_partner: d.by_partner.clone(),
            by_tier: d.by_tier.clone(),
            by_platform: d.by_platform.clone(),
            creator_order: d.by_creator.iter().map(|c| c.key.clone()).collect(),
            creators: d.by_creator.iter().filter(|c| touched.contains(&c.key)).cloned().collect(),
            days: d.days.iter().filter(|p| ask.days.contains(&p.day)).cloned().collect(),
            pacing: d.pacing.clone(),
            budget: d.budget.clone(),
            cpm: d.cpm.clone(),
            emv_cents: d.emv_cents,
            new_posts: d.posts.iter().filter(|p| p.id > ask.posts_after).cloned().collect(),
        }
    }
}

/// What an event means for an open dashboard.
#[derive(Debug, PartialEq)]
pub enum Reaction<'a> {
    /// Nothing it shows.
    Nothing,
    /// Fetch the small part, and these days and posts.
    Patch { days: &'a [chrono::NaiveDate], posts: &'a [i64] },
    /// Load it whole (a batch too large to list what it changed; creators merged).
    Whole,
    /// Names it shows may have changed: the next load is whole.
    Stale,
    /// The event carries the change: [`Dashboard::apply_local`].
    Local,
}

impl Reaction<'_> {
    pub fn of(change: &crate::realtime::Change) -> Reaction<'_> {
        use crate::realtime::Change;
        match change {
            Change::MetricsIngested { days: Some(days), posts: Some(posts), .. } => Reaction::Patch { days, posts },
            Change::MetricsIngested { .. } | Change::CreatorsMerged { .. } => Reaction::Whole,
            Change::PostTracked { post_id, .. } => Reaction::Patch { days: &[], posts: std::slice::from_ref(post_id) },
            // Fees committed, approved assets, budgets, targets, tiers, the time zone: the small part.
            Change::DeliverableChanged { .. }
            | Change::LaneSaved { .. }
            | Change::CharterSectionSaved { .. }
            | Change::TimeZoneSet { .. } => Reaction::Patch { days: &[], posts: &[] },
            Change::CardUpdated { .. } => Reaction::Stale,
            Change::CpmSet { .. } | Change::EscalationRaised { .. } | Change::EscalationUpdated { .. } => {
                Reaction::Local
            }
            _ => Reaction::Nothing,
        }
    }
}

/// The highest post id a dashboard lists (0 for none).
pub fn newest_post(d: &Dashboard) -> i64 {
    d.posts.iter().map(|p| p.id).max().unwrap_or(0)
}

/// Earned media value in cents: impressions / 1,000 × the platform's CPM, per platform, summed (saturating).
pub fn emv_cents(by_platform: &[Cut], cpm: &[(String, i64)]) -> i64 {
    by_platform
        .iter()
        .map(|c| {
            let cents =
                cpm.iter().find(|(p, _)| *p == c.key).map(|x| x.1).unwrap_or_else(|| super::default_cpm(&c.key));
            // `as` saturates a float past the ends of `i64`; the sum saturates too.
            (c.totals.impressions as f64 / 1000.0 * cents as f64).round() as i64
        })
        .fold(0i64, i64::saturating_add)
}

impl Dashboard {
    /// Applies a patch fetched for `ask`. `false` when it cannot be applied exactly (the creator table gained a
    /// creator the page never had: load the dashboard whole).
    pub fn apply_patch(&mut self, p: DashboardPatch, ask: &PatchAsk) -> bool {
        let known = |key: &String| p.creators.iter().chain(&self.by_creator).any(|c| &c.key == key);
        if !p.creator_order.iter().all(known) {
            return false;
        }
        let mut old = std::mem::take(&mut self.by_creator);
        let mut fresh = p.creators;
        let by_creator = p
            .creator_order
            .iter()
            .filter_map(|key| {
                let from = |v: &mut Vec<Cut>| v.iter().position(|c| &c.key == key).map(|i| v.swap_remove(i));
                from(&mut fresh).or_else(|| from(&mut old))
            })
            .collect();
        self.by_creator = by_creator;
        self.head = self.head.max(p.head);
        self.time_zone = p.time_zone;
        self.currency = p.currency;
        self.totals = p.totals;
        self.by_lane = p.by_lane;
        self.by_partner = p.by_partner;
        self.by_tier = p.by_tier;
        self.by_platform = p.by_platform;
        self.days.retain(|d| !ask.days.contains(&d.day));
        self.days.extend(p.days);
        self.days.sort_by(|a, b| (a.day, a.lane.as_str()).cmp(&(b.day, b.lane.as_str())));
        self.pacing = p.pacing;
        self.budget = p.budget;
        self.cpm = p.cpm;
        self.emv_cents = p.emv_cents;
        if !p.new_posts.is_empty() {
            let mut posts = p.new_posts;
            posts.retain(|n| !self.posts.iter().any(|o| o.id == n.id));
            posts.append(&mut self.posts);
            posts.truncate(POSTS_LISTED);
            self.posts = posts;
        }
        true
    }

    /// Applies a change its event carries whole (see [`Reaction::Local`]).
    pub fn apply_local(&mut self, change: &crate::realtime::Change) {
        use crate::realtime::Change;
        match change {
            Change::CpmSet { platform, cpm_cents } => self.apply_cpm(platform, *cpm_cents),
            Change::EscalationRaised { escalation } | Change::EscalationUpdated { escalation } => {
                self.apply_escalation(escalation.clone())
            }
            _ => {}
        }
    }

    /// A platform's CPM changed (`cpm_set`): the CPM list and the earned media value.
    pub fn apply_cpm(&mut self, platform: &str, cpm_cents: i64) {
        match self.cpm.iter_mut().find(|(p, _)| p == platform) {
            Some(entry) => entry.1 = cpm_cents,
            None => {
                self.cpm.push((platform.to_string(), cpm_cents));
                let rank = |p: &str| crate::vocab::PLATFORMS.iter().position(|x| *x == p).unwrap_or(usize::MAX);
                self.cpm.sort_by_key(|(p, _)| rank(p));
            }
        }
        self.emv_cents = emv_cents(&self.by_platform, &self.cpm);
    }

    /// An escalation was raised or changed: in its place in the list (open ones first, then the newest).
    /// (An older version than the one listed changes nothing.)
    pub fn apply_escalation(&mut self, e: crate::escalations::Escalation) {
        if self.escalations.iter().any(|x| x.id == e.id && x.version > e.version) {
            return;
        }
        self.escalations.retain(|x| x.id != e.id);
        self.escalations.push(e);
        self.escalations.sort_by_key(|x| (!x.is_open(), std::cmp::Reverse(x.id)));
        self.escalations.truncate(ESCALATIONS_LISTED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Lane;

    fn cut(key: &str, likes: i64) -> Cut {
        let totals = kpi::Totals { likes, impressions: likes * 10, ..Default::default() };
        Cut { key: key.into(), label: format!("Creator {key}"), color: None, posts: 1, totals }
    }

    fn dashboard(creators: Vec<Cut>) -> Dashboard {
        Dashboard {
            campaign_id: 1,
            campaign_name: "Trailhead".into(),
            time_zone: "UTC".into(),
            currency: "USD".into(),
            head: 5,
            totals: kpi::Totals::default(),
            by_lane: vec![],
            by_partner: vec![],
            by_tier: vec![],
            by_creator: creators,
            by_platform: vec![cut("tiktok", 100), cut("youtube", 50)],
            days: vec![],
            pacing: vec![],
            budget: vec![],
            cpm: vec![("tiktok".into(), 600), ("youtube".into(), 1_200)],
            emv_cents: 0,
            escalations: vec![],
            posts: vec![],
        }
    }

    fn patch(d: &Dashboard) -> DashboardPatch {
        DashboardPatch::of(d, &PatchAsk::default(), |_| None)
    }

    #[test]
    fn the_creator_table_follows_the_new_order_and_keeps_rows_not_sent() {
        let mut d = dashboard(vec![cut("1", 30), cut("2", 20), cut("3", 10)]);
        let mut p = patch(&d);
        // Creator 3 overtook 1: its new row comes, 1 and 2 are unchanged.
        p.creator_order = vec!["3".into(), "1".into(), "2".into()];
        p.creators = vec![cut("3", 40)];
        p.head = 9;
        let ask = PatchAsk { posts: vec![77], ..Default::default() };
        assert!(d.apply_patch(p, &ask));
        assert_eq!(d.by_creator, vec![cut("3", 40), cut("1", 30), cut("2", 20)]);
        assert_eq!(d.head, 9);
    }

    #[test]
    fn a_creator_the_page_never_had_means_a_whole_load_and_changes_nothing() {
        let mut d = dashboard(vec![cut("1", 30), cut("2", 20)]);
        let before = d.clone();
        let mut p = patch(&d);
        // 1 fell out of the table (a correction) and 4, never shown, came in: the page cannot know 4's row.
        p.creator_order = vec!["2".into(), "4".into()];
        p.totals.likes = 1;
        assert!(!d.apply_patch(p, &PatchAsk::default()));
        assert_eq!(d, before);
    }

    #[test]
    fn days_asked_for_are_replaced_in_order() {
        let day = |n: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
        let point = |n: u32, lane: Lane, likes: i64| DayPoint {
            day: day(n),
            lane,
            totals: kpi::Totals { likes, ..Default::default() },
        };
        let mut d = dashboard(vec![]);
        d.days = vec![point(1, Lane::Influencer, 1), point(2, Lane::Influencer, 2), point(3, Lane::Ugc, 3)];
        let ask = PatchAsk { days: vec![day(2), day(4)], ..Default::default() };
        let mut p = patch(&d);
        p.days = vec![point(2, Lane::Influencer, 20), point(2, Lane::Ugc, 21), point(4, Lane::Influencer, 40)];
        assert!(d.apply_patch(p, &ask));
        let got: Vec<(u32, &str, i64)> =
            d.days.iter().map(|p| (chrono::Datelike::day(&p.day), p.lane.as_str(), p.totals.likes)).collect();
        assert_eq!(
            got,
            vec![(1, "influencer", 1), (2, "influencer", 20), (2, "ugc", 21), (3, "ugc", 3), (4, "influencer", 40)]
        );
    }

    #[test]
    fn a_cpm_from_its_event_recomputes_the_earned_media_value() {
        let mut d = dashboard(vec![]);
        d.emv_cents = emv_cents(&d.by_platform, &d.cpm);
        // 1,000 impressions at $6.00 and 500 at $12.00.
        assert_eq!(d.emv_cents, 600 + 600);
        d.apply_cpm("tiktok", 1_000);
        assert_eq!(d.emv_cents, 1_000 + 600);
        // A platform without posts joins the list in the platforms' order.
        d.apply_cpm("instagram", 900);
        let order: Vec<&str> = d.cpm.iter().map(|(p, _)| p.as_str()).collect();
        let rank = |p: &str| crate::vocab::PLATFORMS.iter().position(|x| *x == p).unwrap();
        assert!(order.windows(2).all(|w| rank(w[0]) < rank(w[1])), "{order:?}");
        assert_eq!(d.emv_cents, 1_600);
    }

    #[test]
    fn escalations_keep_their_order_and_never_go_back_a_version() {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let e = |id: i64, status: &str, version: i64| crate::escalations::Escalation {
            id,
            campaign_id: 1,
            kind: "threshold".into(),
            title: format!("#{id}"),
            detail: String::new(),
            assignee_user_id: None,
            assignee: "Jordan".into(),
            status: status.into(),
            note: String::new(),
            version,
            created_at: at,
            updated_at: at,
            deliverable_id: None,
        };
        let mut d = dashboard(vec![]);
        d.apply_escalation(e(1, "open", 1));
        d.apply_escalation(e(2, "open", 1));
        d.apply_escalation(e(2, "resolved", 2));
        d.apply_escalation(e(3, "acknowledged", 2));
        d.apply_escalation(e(3, "open", 1));
        let got: Vec<(i64, &str)> = d.escalations.iter().map(|x| (x.id, x.status.as_str())).collect();
        assert_eq!(got, vec![(3, "acknowledged"), (1, "open"), (2, "resolved")]);
    }
}
