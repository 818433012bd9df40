//! The pool's view of the creators: per-platform figures, engagement rates and tiers.
//!
//! Engagement and tiering are pure functions used on both sides: the server for exports, the browser
//! for the board (so a change of the charter's tiers re-tiers every card without a reload).
use serde::{Deserialize, Serialize};

use crate::charter::{ErBasis, Tier, Tiers};

/// One of a creator's accounts with its recent averages (per post).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PlatformStats {
    pub platform: String,
    pub handle: String,
    pub followers: i64,
    /// Average views or reach (unique viewers) per post; `None` when unknown.
    pub avg_reach: Option<i64>,
    pub avg_likes: i64,
    pub avg_comments: i64,
    pub avg_shares: i64,
    pub avg_saves: i64,
}

/// The engagement figures that tiering needs, as cards carry them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct Metrics {
    pub followers: i64,
    pub avg_reach: Option<i64>,
    /// likes + comments + shares + saves, averaged per post.
    pub engagements: i64,
}

impl PlatformStats {
    /// Likes, comments, shares and saves per post (saturating: figures past the limits never wrap or panic).
    pub fn engagements(&self) -> i64 {
        crate::limits::sat_sum([self.avg_likes, self.avg_comments, self.avg_shares, self.avg_saves])
    }
    pub fn metrics(&self) -> Metrics {
        Metrics { followers: self.followers, avg_reach: self.avg_reach, engagements: self.engagements() }
    }
    /// A creator named `name` with this handle and its figures (for the one shared validation).
    pub fn as_new_creator(&self, name: &str) -> crate::creators::NewCreator {
        let mut n = crate::creators::NewCreator::named(name, &self.platform, &self.handle);
        n.followers = self.followers;
        n.avg_reach = self.avg_reach;
        n.avg_likes = self.avg_likes;
        n.avg_comments = self.avg_comments;
        n.avg_shares = self.avg_shares;
        n.avg_saves = self.avg_saves;
        n
    }
}

impl Metrics {
    /// Engagement rate by followers, in percent: (likes + comments + shares + saves) / followers.
    /// `None` when the creator has no followers or no engagement figures (unknown, not zero).
    pub fn rate_by_followers(&self) -> Option<f64> {
        (self.followers > 0 && self.has_engagement()).then(|| self.engagements as f64 * 100.0 / self.followers as f64)
    }
    /// Engagement rate by reach, in percent: engagements / reach. `None` when reach is unknown or zero, or
    /// there are no engagement figures.
    pub fn rate_by_reach(&self) -> Option<f64> {
        self.avg_reach.filter(|r| *r > 0 && self.has_engagement()).map(|r| self.engagements as f64 * 100.0 / r as f64)
    }
    /// Some engagement figures were given: no likes, comments, shares or saves at all means none were entered
    /// (a creator with an audience and not one interaction is not a figure anybody measures), so the rate is
    /// unknown ("—") and the tier's engagement minimum is not checked.
    pub fn has_engagement(&self) -> bool {
        self.engagements > 0
    }
    pub fn rate(&self, basis: ErBasis) -> Option<f64> {
        match basis {
            ErBasis::Followers => self.rate_by_followers(),
            ErBasis::Reach => self.rate_by_reach(),
        }
    }
}

/// Where a creator stands against the campaign's tier definitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct Tiering {
    /// The tier whose follower band the creator falls in, if any.
    pub follower_tier: Option<String>,
    /// The tier the creator is placed in: engagement quality first (see [`tier_for`]).
    pub tier: Option<String>,
    /// The engagement rate on the basis the follower tier uses (percent), when it can be computed.
    pub rate: Option<f64>,
    pub basis: ErBasis,
    /// Engagement is below the minimum of the creator's follower tier.
    pub below_minimum: bool,
    /// One sentence explaining the placement, formula included.
    pub explanation: String,
}

fn in_band(t: &Tier, followers: i64) -> bool {
    followers >= t.min_followers && t.max_followers.is_none_or(|max| followers < max)
}

/// Places a creator in the campaign's tiers, engagement quality first.
///
/// The follower band gives the candidate tier. If the engagement rate (on that tier's basis) meets the
/// tier's minimum, that is the tier. If not, the creator is flagged and placed in the highest smaller
/// tier whose engagement minimum the rate does meet (followers above a band's top still count for it),
/// or in no tier at all. When the rate cannot be computed (no followers, no reach figures), the follower
/// band stands but the explanation says that engagement is unknown.
pub fn tier_for(tiers: &Tiers, m: &Metrics) -> Tiering {
    let band = tiers.tiers.iter().position(|t| in_band(t, m.followers));
    let Some(i) = band else {
        let basis = tiers.tiers.first().map(|t| t.basis).unwrap_or_default();
        let rate = m.rate(basis);
        let smallest = tiers.tiers.iter().map(|t| t.min_followers).min();
        let explanation = match smallest {
            Some(min) if m.followers < min => format!("{} followers is below the smallest tier ({min})", m.followers),
            Some(_) => format!("{} followers falls in no tier band", m.followers),
            None => "The charter defines no tiers yet".to_string(),
        };
        return Tiering { follower_tier: None, tier: None, rate, basis, below_minimum: false, explanation };
    };
    let t = &tiers.tiers[i];
    let rate = m.rate(t.basis);
    let Some(r) = rate else {
        let why = match t.basis {
            _ if !m.has_engagement() => "no engagement figures",
            ErBasis::Followers => "no followers",
            ErBasis::Reach => "no reach figures",
        };
        return Tiering {
            follower_tier: Some(t.name.clone()),
            tier: Some(t.name.clone()),
            rate: None,
            basis: t.basis,
            below_minimum: false,
            explanation: format!("{} by followers; engagement unknown ({why}), so not checked", t.name),
        };
    };
    if r + 1e-9 >= t.min_engagement_rate {
        return Tiering {
            follower_tier: Some(t.name.clone()),
            tier: Some(t.name.clone()),
            rate,
            basis: t.basis,
            below_minimum: false,
            explanation: format!(
                "{}% meets the {} minimum of {}% (ER = {})",
                crate::num::fixed(r, 2),
                t.name,
                trim_pct(t.min_engagement_rate),
                t.basis.formula()
            ),
        };
    }
    // Below the follower tier's minimum: the highest smaller tier whose minimum the rate meets.
    let smaller = tiers
        .tiers
        .iter()
        .filter(|o| o.min_followers < t.min_followers && m.followers >= o.min_followers)
        .filter(|o| m.rate(o.basis).is_some_and(|or| or + 1e-9 >= o.min_engagement_rate))
        .max_by_key(|o| o.min_followers);
    let placed = smaller.map(|o| o.name.clone());
    let explanation = format!(
        "{}% is below the {} minimum of {}% (ER = {}); {}",
        crate::num::fixed(r, 2),
        t.name,
        trim_pct(t.min_engagement_rate),
        t.basis.formula(),
        match &placed {
            Some(p) => format!("placed in {p} by engagement quality"),
            None => "meets no tier's engagement minimum".to_string(),
        }
    );
    Tiering {
        follower_tier: Some(t.name.clone()),
        tier: placed,
        rate,
        basis: t.basis,
        below_minimum: true,
        explanation,
    }
}

fn trim_pct(v: f64) -> String {
    let s = crate::num::fixed(v, 2);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A rate for display: "2.35%", or "—" when undefined.
pub fn pct(rate: Option<f64>) -> String {
    rate.map(|r| format!("{}%", crate::num::fixed(r, 2))).unwrap_or_else(|| "—".into())
}
#[cfg(test)]
mod tests {
    use super::*;

    fn m(followers: i64, reach: Option<i64>, engagements: i64) -> Metrics {
        Metrics { followers, avg_reach: reach, engagements }
    }

    #[test]
    fn engagement_rate_both_ways_by_hand() {
        // 12,000 followers, 300 + 40 + 20 + 40 = 400 engagements: 3.333…% by followers.
        let s = PlatformStats {
            followers: 12_000,
            avg_reach: Some(8_000),
            avg_likes: 300,
            avg_comments: 40,
            avg_shares: 20,
            avg_saves: 40,
            ..Default::default()
        };
        let mm = s.metrics();
        assert_eq!(mm.engagements, 400);
        assert!((mm.rate_by_followers().unwrap() - 3.333_333).abs() < 1e-4);
        // 400 / 8,000 reach = 5%.
        assert!((mm.rate_by_reach().unwrap() - 5.0).abs() < 1e-9);
    }

    #[test]
    fn creator_figures_are_bounded_and_never_overflow() {
        let huge = PlatformStats {
            platform: "instagram".into(),
            handle: "h".into(),
            avg_likes: i64::MAX,
            avg_saves: i64::MAX,
            ..Default::default()
        };
        assert_eq!(huge.engagements(), i64::MAX);
        let e = huge.as_new_creator("Big").normalized().unwrap_err();
        assert_eq!((e.field.as_deref(), e.code.status()), (Some("avg_likes"), 422));
        let mut n = PlatformStats { platform: "instagram".into(), handle: "h".into(), ..Default::default() }
            .as_new_creator("Ok");
        n.followers = crate::limits::FOLLOWERS;
        assert!(n.normalized().is_ok());
        n.followers += 1;
        assert_eq!(n.normalized().unwrap_err().field.as_deref(), Some("followers"));
        n.followers = 10;
        n.audience_notes = "x".repeat(crate::limits::NOTE + 1);
        assert_eq!(n.normalized().unwrap_err().field.as_deref(), Some("audience_notes"));
    }

    #[test]
    fn zero_followers_and_missing_reach_are_undefined_not_zero() {
        assert_eq!(m(0, None, 10).rate_by_followers(), None);
        assert_eq!(m(100, None, 10).rate_by_reach(), None);
        assert_eq!(m(100, Some(0), 10).rate_by_reach(), None);
        assert_eq!(pct(None), "—");
        assert_eq!(pct(Some(2.0)), "2.00%");
    }

    #[test]
    fn tiers_from_the_template_at_their_boundaries() {
        let t = Tiers::template();
        // Exactly 10,000 followers is micro (bands are [min, max)); 2% of 10,000 = 200 meets micro's 2%.
        let r = tier_for(&t, &m(10_000, None, 200));
        assert_eq!(r.follower_tier.as_deref(), Some("micro"));
        assert_eq!(r.tier.as_deref(), Some("micro"));
        assert!(!r.below_minimum);
        // 9,999 is still nano; 3% of 9,999 = 299.97, so 300 meets it and 299 does not.
        assert_eq!(tier_for(&t, &m(9_999, None, 300)).tier.as_deref(), Some("nano"));
        let low = tier_for(&t, &m(9_999, None, 299));
        assert!(low.below_minimum);
        assert_eq!(low.tier, None, "nano is the smallest tier: nothing to fall back to");
        // 1,000,000 is mega with no upper bound.
        assert_eq!(tier_for(&t, &m(1_000_000, None, 7_000)).tier.as_deref(), Some("mega"));
        assert_eq!(tier_for(&t, &m(50_000_000, None, 350_000)).tier.as_deref(), Some("mega"));
    }

    #[test]
    fn engagement_quality_comes_first() {
        let t = Tiers::template();
        // 600K followers (macro) at 0.5%: below macro's 1%, and below every smaller tier's minimum.
        let r = tier_for(&t, &m(600_000, None, 3_000));
        assert_eq!(r.follower_tier.as_deref(), Some("macro"));
        assert!(r.below_minimum);
        assert_eq!(r.tier, None);
        assert!(r.explanation.contains("below the macro minimum of 1%"), "{}", r.explanation);
        // A charter where smaller tiers ask for less: 600K at 1.2% misses macro's 1.5% but meets mid's 1%.
        let mut custom = Tiers::template();
        custom.tiers[2].min_engagement_rate = 1.0;
        custom.tiers[3].min_engagement_rate = 1.5;
        let r = tier_for(&custom, &m(600_000, None, 7_200));
        assert!(r.below_minimum);
        assert_eq!(r.tier.as_deref(), Some("mid"));
        assert!(r.explanation.contains("placed in mid"), "{}", r.explanation);
    }

    #[test]
    fn unknown_engagement_and_out_of_band_creators() {
        let t = Tiers::template();
        // Below the smallest band.
        let r = tier_for(&t, &m(500, None, 50));
        assert_eq!(r.tier, None);
        assert!(!r.below_minimum);
        assert!(r.explanation.contains("below the smallest tier (1000)"), "{}", r.explanation);
        // Zero followers.
        let r = tier_for(&t, &m(0, None, 0));
        assert_eq!((r.tier, r.rate), (None, None));
        // A reach-based tier without reach figures keeps the follower band, unchecked.
        let mut by_reach = Tiers::template();
        by_reach.tiers[1].basis = ErBasis::Reach;
        let r = tier_for(&by_reach, &m(20_000, None, 10));
        assert_eq!(r.tier.as_deref(), Some("micro"));
        assert!(!r.below_minimum);
        assert!(r.explanation.contains("no reach figures"), "{}", r.explanation);
        // With reach it is checked on reach: 10 / 1,000 = 1% < 2%.
        let r = tier_for(&by_reach, &m(20_000, Some(1_000), 10));
        assert!(r.below_minimum);
        // No tiers at all.
        assert_eq!(tier_for(&Tiers::default(), &m(5_000, None, 1)).explanation, "The charter defines no tiers yet");
        // Followers but no engagement figures: the rate is unknown ("—"), not 0.00 %, and nothing is flagged.
        let r = tier_for(&t, &m(20_000, Some(9_000), 0));
        assert_eq!((r.tier.as_deref(), r.rate, r.below_minimum), (Some("micro"), None, false));
        assert!(r.explanation.contains("no engagement figures"), "{}", r.explanation);
        assert_eq!(pct(m(20_000, Some(9_000), 0).rate_by_reach()), "—");
    }
}
