//! Review turnaround: how long reviews take per lane and partner, rounds per asset, and the share within SLA.
use serde::{Deserialize, Serialize};

use crate::vocab::{Lane, OrgRef};

/// Review turnaround for one lane and one partner (or all partners when `partner` is `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Turnaround {
    pub lane: Lane,
    pub partner: Option<OrgRef>,
    pub reviewed: i64,
    pub pending: i64,
    /// Hours from submission to decision (pending rounds count up to now), mean and median.
    pub mean_wait_hours: Option<f64>,
    pub median_wait_hours: Option<f64>,
    /// Rounds per asset that has at least one round.
    pub rounds_per_asset: Option<f64>,
    /// Share of decided rounds decided within their SLA, in percent.
    pub within_sla_pct: Option<f64>,
}

/// One decided or pending round, as turnaround needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundTiming {
    pub deliverable_id: i64,
    pub lane: Lane,
    pub partner_id: Option<i64>,
    pub submitted_at: i64,
    pub due_at: i64,
    pub decided_at: Option<i64>,
}

/// Turnaround per lane, overall and per partner (times in milliseconds).
pub fn turnaround(rounds: &[RoundTiming], partners: &[OrgRef], now_ms: i64) -> Vec<Turnaround> {
    let mut out = Vec::new();
    for lane in [Lane::Influencer, Lane::Ugc] {
        let mut scopes: Vec<Option<&OrgRef>> = vec![None];
        scopes.extend(partners.iter().map(Some));
        for partner in scopes {
            let rows: Vec<&RoundTiming> = rounds
                .iter()
                .filter(|r| r.lane == lane && partner.is_none_or(|p| r.partner_id == Some(p.id)))
                .collect();
            if partner.is_some() && rows.is_empty() {
                continue;
            }
            let mut waits: Vec<f64> = rows
                .iter()
                .map(|r| (r.decided_at.unwrap_or(now_ms) - r.submitted_at).max(0) as f64 / 3_600_000.0)
                .collect();
            waits.sort_by(|a, b| a.total_cmp(b));
            let decided: Vec<&&RoundTiming> = rows.iter().filter(|r| r.decided_at.is_some()).collect();
            let within = decided.iter().filter(|r| r.decided_at.is_some_and(|d| d <= r.due_at)).count();
            let mut assets: Vec<i64> = rows.iter().map(|r| r.deliverable_id).collect();
            assets.sort_unstable();
            assets.dedup();
            out.push(Turnaround {
                lane,
                partner: partner.cloned(),
                reviewed: decided.len() as i64,
                pending: (rows.len() - decided.len()) as i64,
                mean_wait_hours: (!waits.is_empty()).then(|| waits.iter().sum::<f64>() / waits.len() as f64),
                median_wait_hours: median(&waits),
                rounds_per_asset: (!assets.is_empty()).then(|| rows.len() as f64 / assets.len() as f64),
                within_sla_pct: (!decided.is_empty()).then(|| within as f64 * 100.0 / decided.len() as f64),
            });
        }
    }
    out
}

fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::OrgKind;

    fn org(id: i64, name: &str) -> OrgRef {
        OrgRef { id, name: name.into(), kind: OrgKind::Agency, color: "#000".into() }
    }

    #[test]
    fn turnaround_by_hand() {
        let h = 3_600_000;
        let partners = vec![org(1, "A"), org(2, "B")];
        let rounds = vec![
            // Deliverable 1 (partner A, UGC): v1 decided after 10 h (SLA 24 h), v2 after 30 h (late).
            RoundTiming {
                deliverable_id: 1,
                lane: Lane::Ugc,
                partner_id: Some(1),
                submitted_at: 0,
                due_at: 24 * h,
                decided_at: Some(10 * h),
            },
            RoundTiming {
                deliverable_id: 1,
                lane: Lane::Ugc,
                partner_id: Some(1),
                submitted_at: 100 * h,
                due_at: 124 * h,
                decided_at: Some(130 * h),
            },
            // Deliverable 2 (partner B, UGC): pending for 4 h.
            RoundTiming {
                deliverable_id: 2,
                lane: Lane::Ugc,
                partner_id: Some(2),
                submitted_at: 196 * h,
                due_at: 220 * h,
                decided_at: None,
            },
        ];
        let t = turnaround(&rounds, &partners, 200 * h);
        let all_ugc = t.iter().find(|t| t.lane == Lane::Ugc && t.partner.is_none()).unwrap();
        assert_eq!((all_ugc.reviewed, all_ugc.pending), (2, 1));
        assert_eq!(all_ugc.mean_wait_hours, Some((10.0 + 30.0 + 4.0) / 3.0));
        assert_eq!(all_ugc.median_wait_hours, Some(10.0));
        assert_eq!(all_ugc.rounds_per_asset, Some(1.5));
        assert_eq!(all_ugc.within_sla_pct, Some(50.0));
        let a = t.iter().find(|t| t.lane == Lane::Ugc && t.partner.as_ref().is_some_and(|p| p.id == 1)).unwrap();
        assert_eq!((a.rounds_per_asset, a.median_wait_hours), (Some(2.0), Some(20.0)));
        let b = t.iter().find(|t| t.lane == Lane::Ugc && t.partner.as_ref().is_some_and(|p| p.id == 2)).unwrap();
        assert_eq!((b.within_sla_pct, b.pending), (None, 1), "nothing decided: no share, not 0 %");
        // The influencer lane has no rounds: one overall row with nothing to report, no per-partner rows.
        let inf: Vec<_> = t.iter().filter(|t| t.lane == Lane::Influencer).collect();
        assert_eq!(inf.len(), 1);
        assert_eq!((inf[0].mean_wait_hours, inf[0].rounds_per_asset), (None, None));
    }
}
