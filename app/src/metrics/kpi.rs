//! The KPIs, each with its formula: computed from summed daily numbers, never dividing by zero (a missing
//! denominator gives `None`, shown as "—", never NaN or infinity).
use serde::{Deserialize, Serialize};

/// Summed numbers of any cut (a post, a day, a lane, a partner…). Money in cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Totals {
    pub impressions: i64,
    pub reach: i64,
    pub views: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub saves: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub revenue_cents: i64,
    pub fee_cents: i64,
    pub product_cents: i64,
    pub paid_cents: i64,
    /// Followers of the posting accounts (each post counted once), for engagement rate by followers.
    pub followers: i64,
}

impl Totals {
    /// Likes, comments, shares and saves (saturating: old data past the limits never wraps or panics).
    pub fn engagements(&self) -> i64 {
        crate::limits::sat_sum([self.likes, self.comments, self.shares, self.saves])
    }
    /// Fees, product and paid amplification.
    pub fn spend_cents(&self) -> i64 {
        crate::limits::sat_sum([self.fee_cents, self.product_cents, self.paid_cents])
    }
    /// Adds another cut's numbers, saturating at the ends of `i64` instead of wrapping.
    pub fn add(&mut self, o: &Totals) {
        for (a, b) in self.fields_mut().into_iter().zip(o.fields()) {
            *a = a.saturating_add(b);
        }
    }
    fn fields(&self) -> [i64; 14] {
        [
            self.impressions,
            self.reach,
            self.views,
            self.likes,
            self.comments,
            self.shares,
            self.saves,
            self.clicks,
            self.conversions,
            self.revenue_cents,
            self.fee_cents,
            self.product_cents,
            self.paid_cents,
            self.followers,
        ]
    }
    fn fields_mut(&mut self) -> [&mut i64; 14] {
        [
            &mut self.impressions,
            &mut self.reach,
            &mut self.views,
            &mut self.likes,
            &mut self.comments,
            &mut self.shares,
            &mut self.saves,
            &mut self.clicks,
            &mut self.conversions,
            &mut self.revenue_cents,
            &mut self.fee_cents,
            &mut self.product_cents,
            &mut self.paid_cents,
            &mut self.followers,
        ]
    }
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0 && num.is_finite()).then(|| num / den)
}

/// Engagement rate by followers, in percent: engagements / followers × 100.
pub fn er_followers(t: &Totals) -> Option<f64> {
    ratio(t.engagements() as f64 * 100.0, t.followers as f64)
}

/// Engagement rate by reach, in percent: engagements / reach × 100.
pub fn er_reach(t: &Totals) -> Option<f64> {
    ratio(t.engagements() as f64 * 100.0, t.reach as f64)
}

/// The spend in units of the campaign's `currency` (amounts are kept in its minor units: cents, yen, fils).
fn spend_units(t: &Totals, currency: &str) -> f64 {
    t.spend_cents() as f64 / 10f64.powi(crate::money::currency_or_usd(currency).decimals as i32)
}

/// Cost per engagement, in units of the campaign's currency: spend / engagements.
pub fn cpe(t: &Totals, currency: &str) -> Option<f64> {
    ratio(spend_units(t, currency), t.engagements() as f64)
}

/// Cost per 1,000 impressions: spend / impressions × 1,000.
pub fn cpm(t: &Totals, currency: &str) -> Option<f64> {
    ratio(spend_units(t, currency) * 1000.0, t.impressions as f64)
}

/// Cost per click: spend / clicks.
pub fn cpc(t: &Totals, currency: &str) -> Option<f64> {
    ratio(spend_units(t, currency), t.clicks as f64)
}

/// Conversion rate, in percent: conversions / clicks × 100.
pub fn conversion_rate(t: &Totals) -> Option<f64> {
    ratio(t.conversions as f64 * 100.0, t.clicks as f64)
}

/// Return on ad spend: revenue / spend.
pub fn roas(t: &Totals) -> Option<f64> {
    ratio(t.revenue_cents as f64, t.spend_cents() as f64)
}

/// Earned media value, an estimate: impressions / 1,000 × the platform's CPM.
pub fn emv(impressions: i64, platform_cpm: f64) -> Option<f64> {
    (platform_cpm.is_finite() && platform_cpm >= 0.0).then(|| impressions as f64 / 1000.0 * platform_cpm)
}

/// A KPI by key, e.g. for thresholds and targets that name one (`engagement_rate`, `cpe`, …); costs in units of
/// the campaign's `currency`.
pub fn by_key(key: &str, t: &Totals, currency: &str) -> Option<f64> {
    match key {
        "engagement_rate" => er_followers(t),
        "engagement_rate_reach" => er_reach(t),
        "cpe" => cpe(t, currency),
        "cpm" => cpm(t, currency),
        "cpc" => cpc(t, currency),
        "conversion_rate" => conversion_rate(t),
        "roas" => roas(t),
        "impressions" => Some(t.impressions as f64),
        "reach" => Some(t.reach as f64),
        "engagements" => Some(t.engagements() as f64),
        "clicks" => Some(t.clicks as f64),
        "conversions" => Some(t.conversions as f64),
        _ => None,
    }
}

/// The formula of a KPI, as the dashboard shows it.
pub fn formula(key: &str) -> &'static str {
    match key {
        "engagement_rate" => "(likes + comments + shares + saves) / followers × 100",
        "engagement_rate_reach" => "(likes + comments + shares + saves) / reach × 100",
        "cpe" => "spend (fees + product + paid) / engagements",
        "cpm" => "spend / impressions × 1,000",
        "cpc" => "spend / clicks",
        "conversion_rate" => "conversions / clicks × 100",
        "roas" => "revenue / spend",
        "emv" => "impressions / 1,000 × the platform's CPM (an estimate)",
        _ => "",
    }
}

/// A KPI for people: two decimals, or "—" when it cannot be computed.
pub fn show(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => crate::num::fixed(x, 2),
        _ => "—".into(),
    }
}

/// A metric's value as people read it: rates with "%", costs in the campaign's `currency` (with its symbol and
/// decimals), ROAS as "×", counts as whole numbers with thousands separators (never "1.00").
pub fn show_metric(key: &str, v: f64, currency: &str) -> String {
    match key {
        "engagement_rate" | "engagement_rate_reach" | "conversion_rate" => format!("{} %", crate::num::fixed(v, 2)),
        "cpe" | "cpm" | "cpc" => crate::money::format_units(v, currency),
        "roas" => format!("{}×", crate::num::fixed(v, 2)),
        _ => crate::content::group_digits(v.round() as i64),
    }
}

/// How far along a target the actual is, 0–100, direction-aware: for "at least" / "above" targets the share of
/// the target reached; for "at most" / "below" targets (lower is better) full while within it and shrinking as
/// the actual goes past it, so a missed "≤" target never draws a full bar.
pub fn progress(comparison: crate::charter::Comparison, actual: Option<f64>, target: f64) -> f64 {
    use crate::charter::Comparison::*;
    let Some(a) = actual else { return 0.0 };
    let p = match comparison {
        AtLeast | Above if target > 0.0 => a / target * 100.0,
        AtLeast | Above => {
            if comparison.holds(a, target) {
                100.0
            } else {
                0.0
            }
        }
        AtMost | Below if a > 0.0 => target / a * 100.0,
        AtMost | Below => 100.0,
    };
    let p = p.clamp(0.0, 100.0);
    // A missed target never reads as achieved.
    if !comparison.holds(a, target) && p >= 100.0 {
        99.0
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Totals {
        Totals {
            impressions: 200_000,
            reach: 120_000,
            views: 90_000,
            likes: 4_000,
            comments: 300,
            shares: 200,
            saves: 500,
            clicks: 1_600,
            conversions: 48,
            revenue_cents: 432_000,
            fee_cents: 150_000,
            product_cents: 20_000,
            paid_cents: 30_000,
            followers: 250_000,
        }
    }

    #[test]
    fn every_kpi_by_hand() {
        let t = sample();
        assert_eq!(t.engagements(), 5_000);
        assert_eq!(t.spend_cents(), 200_000); // $2,000
        assert_eq!(er_followers(&t), Some(2.0)); // 5,000 / 250,000
        let by_reach = er_reach(&t).unwrap(); // 5,000 / 120,000
        assert!((by_reach - 4.166_666).abs() < 1e-5);
        assert_eq!(cpe(&t, "USD"), Some(0.4)); // $2,000 / 5,000
        assert_eq!(cpm(&t, "USD"), Some(10.0)); // $2,000 / 200,000 × 1,000
        assert_eq!(cpc(&t, "USD"), Some(1.25)); // $2,000 / 1,600
                                                // The same 200,000 minor units are ¥200,000 in a yen campaign (no decimals).
        assert_eq!(cpe(&t, "JPY"), Some(40.0));
        assert_eq!(conversion_rate(&t), Some(3.0)); // 48 / 1,600
        assert_eq!(roas(&t), Some(2.16)); // $4,320 / $2,000
        assert_eq!(emv(200_000, 7.5), Some(1_500.0)); // 200 × $7.50
        assert_eq!(by_key("cpe", &t, "USD"), Some(0.4));
        assert_eq!(by_key("nonsense", &t, "USD"), None);
    }

    #[test]
    fn zero_denominators_are_unknown_never_nan() {
        let zero = Totals::default();
        for key in ["engagement_rate", "engagement_rate_reach", "cpe", "cpm", "cpc", "conversion_rate", "roas"] {
            assert_eq!(by_key(key, &zero, "USD"), None, "{key}");
            assert_eq!(show(by_key(key, &zero, "USD")), "—");
        }
        // Spend without engagements: CPE unknown, not infinite.
        let spent = Totals { fee_cents: 10_000, ..Totals::default() };
        assert_eq!(cpe(&spent, "USD"), None);
        assert_eq!(roas(&spent), Some(0.0), "spend with no revenue is a ROAS of 0");
        assert_eq!(emv(0, 7.5), Some(0.0));
        assert_eq!(emv(1000, f64::NAN), None);
        assert_eq!(show(Some(f64::INFINITY)), "—");
    }

    #[test]
    fn sums_saturate_instead_of_wrapping() {
        let huge = Totals {
            impressions: i64::MAX,
            likes: i64::MAX,
            comments: i64::MAX,
            fee_cents: i64::MAX,
            paid_cents: 5,
            ..Totals::default()
        };
        let mut t = huge;
        t.add(&huge);
        assert_eq!((t.impressions, t.engagements(), t.spend_cents()), (i64::MAX, i64::MAX, i64::MAX));
        assert!(er_followers(&t).is_none() && cpm(&t, "USD").is_some_and(f64::is_finite));
        let low = Totals { impressions: i64::MIN, ..Totals::default() };
        let mut t = low;
        t.add(&low);
        assert_eq!(t.impressions, i64::MIN);
    }

    #[test]
    fn totals_add_up() {
        let mut a = sample();
        a.add(&sample());
        assert_eq!(a.engagements(), 10_000);
        assert_eq!(er_followers(&a), Some(2.0), "rates do not change when every part doubles");
    }

    #[test]
    fn metrics_read_as_people_write_them() {
        assert_eq!(show_metric("posts_published", 1.0, "USD"), "1");
        assert_eq!(show_metric("impressions", 1234567.0, "USD"), "1,234,567");
        assert_eq!(show_metric("engagement_rate", 3.456, "USD"), "3.46 %");
        assert_eq!(show_metric("cpe", 0.3, "USD"), "$0.30");
        assert_eq!(show_metric("cpe", 0.3, "EUR"), "€0.30");
        assert_eq!(show_metric("cpm", 850.4, "JPY"), "¥850");
        assert_eq!(show_metric("roas", 3.0, "USD"), "3.00×");
    }

    #[test]
    fn pacing_bars_know_which_way_is_good() {
        use crate::charter::Comparison::*;
        assert_eq!(progress(AtLeast, Some(50.0), 100.0), 50.0);
        assert_eq!(progress(AtLeast, Some(150.0), 100.0), 100.0);
        // CPE ≤ 0.15 at 0.30: missed, half a bar (never full).
        assert_eq!(progress(AtMost, Some(0.30), 0.15), 50.0);
        assert_eq!(progress(AtMost, Some(0.10), 0.15), 100.0);
        assert!(progress(Below, Some(0.15), 0.15) < 100.0, "equal is not below");
        assert_eq!(progress(AtMost, None, 0.15), 0.0);
    }
}
