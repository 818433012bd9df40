//! Mismatches between the partners' stated working styles (and the lanes' SLAs), each explained with what the
//! charter should settle because of it.
use chrono::NaiveDate;
use chrono_tz::Tz;

use super::clock::{daily_overlap, parse_days, parse_time, share_a_day, WorkClock};
use super::{hours_label, FitItem, LaneSla, WorkingStyle};
use crate::vocab::OrgRef;

/// Less shared working time than this a day is flagged.
pub const MIN_OVERLAP_MINUTES: i64 = 120;
/// Commitments this many times apart are flagged.
const GAP_RATIO: i64 = 2;
/// This many approval steps, and two more than another partner's, are flagged.
const MANY_STEPS: i64 = 3;

/// An organization's working clock from its profile (its zone, or the campaign's when it names none).
pub fn clock_of(style: &WorkingStyle, campaign_zone: Tz) -> Option<WorkClock> {
    let tz = if style.time_zone.trim().is_empty() { campaign_zone } else { style.time_zone.trim().parse().ok()? };
    Some(WorkClock {
        tz,
        start: parse_time("work_start", &style.work_start).ok()?,
        end: parse_time("work_end", &style.work_end).ok()?,
        days: parse_days(&style.work_days).ok()?,
    })
}

fn item(key: String, kind: &str, title: String, explanation: String, settle: String) -> FitItem {
    FitItem { key, kind: kind.into(), title, explanation, settle, settled: None }
}

fn hours_text(style: &WorkingStyle, zone: Tz) -> String {
    let tz = if style.time_zone.trim().is_empty() { zone.name().to_string() } else { style.time_zone.trim().into() };
    format!("{}–{} {} ({tz})", style.work_start, style.work_end, style.work_days)
}

/// Every mismatch among `partners` (those without a profile are left out), in a stable order. `monday` is the
/// week whose working hours are compared (clock changes differ between zones), `zone` the campaign's.
pub fn mismatches(
    partners: &[(OrgRef, Option<WorkingStyle>)],
    lanes: &[LaneSla],
    zone: Tz,
    monday: NaiveDate,
) -> Vec<FitItem> {
    let stated: Vec<(&OrgRef, &WorkingStyle)> =
        partners.iter().filter_map(|(o, s)| s.as_ref().map(|s| (o, s))).collect();
    let mut items = Vec::new();
    for lane in lanes {
        for (org, s) in &stated {
            if s.review_hours > lane.sla_hours {
                items.push(item(
                    format!("review_sla:{}:{}", lane.lane.as_str(), org.id),
                    "review_sla",
                    format!(
                        "{} commits to {} reviews; the {} lane's SLA is {}",
                        org.name,
                        hours_label(s.review_hours),
                        lane.lane.label(),
                        hours_label(lane.sla_hours)
                    ),
                    format!(
                        "Every {} round {} reviews may run past the SLA and escalate.",
                        lane.lane.label(),
                        org.name
                    ),
                    format!(
                        "The {} SLA every reviewer can keep (at least {} for {}), or a reviewer of {} content who answers within {}.",
                        lane.lane.label(),
                        hours_label(s.review_hours),
                        org.name,
                        lane.lane.label(),
                        hours_label(lane.sla_hours)
                    ),
                ));
            }
        }
    }
    fn review(s: &WorkingStyle) -> i64 {
        s.review_hours
    }
    fn reply(s: &WorkingStyle) -> i64 {
        s.reply_hours
    }
    type Commitment = fn(&WorkingStyle) -> i64;
    let commitments: [(&str, &str, Commitment); 2] =
        [("review_gap", "review", review), ("reply_gap", "reply to creators", reply)];
    for (kind, what, hours) in commitments {
        let fastest = stated.iter().min_by_key(|(o, s)| (hours(s), o.id));
        let slowest = stated.iter().max_by_key(|(o, s)| (hours(s), -o.id));
        if let (Some((fo, fs)), Some((so, ss))) = (fastest, slowest) {
            if hours(ss) >= GAP_RATIO * hours(fs) {
                items.push(item(
                    format!("{kind}:{}:{}", fo.id, so.id),
                    kind,
                    format!(
                        "Commitments to {what} differ: {} {} vs {} {}",
                        fo.name,
                        hours_label(hours(fs)),
                        so.name,
                        hours_label(hours(ss))
                    ),
                    format!(
                        "{} expects answers within {}; {} works to {}.",
                        fo.name,
                        hours_label(hours(fs)),
                        so.name,
                        hours_label(hours(ss))
                    ),
                    format!("The time to {what} that both can keep, written into the charter."),
                ));
            }
        }
    }
    for (i, (a, sa)) in stated.iter().enumerate() {
        for (b, sb) in stated.iter().skip(i + 1) {
            let (Some(ca), Some(cb)) = (clock_of(sa, zone), clock_of(sb, zone)) else { continue };
            let (minutes, window) = if share_a_day(&ca, &cb) { daily_overlap(&ca, &cb, monday) } else { (0, None) };
            if minutes >= MIN_OVERLAP_MINUTES {
                continue;
            }
            let overlap = match window {
                Some((s, e)) => format!(
                    "{} of working hours a day ({}–{} {})",
                    super::duration_label(minutes),
                    s.with_timezone(&zone).format("%H:%M"),
                    e.with_timezone(&zone).format("%H:%M"),
                    zone.name()
                ),
                None => "no working hours".to_string(),
            };
            items.push(item(
                format!("overlap:{}:{}", a.id, b.id),
                "overlap",
                format!("{} and {} share {overlap}", a.name, b.name),
                format!(
                    "{} works {}; {} works {}.",
                    a.name,
                    hours_text(sa, zone),
                    b.name,
                    hours_text(sb, zone)
                ),
                match window {
                    Some(_) => "The escalation owner reachable in the overlap hours, and how urgent issues are handed over outside them.".into(),
                    None => "Who answers escalations while the other partner is off, and a daily written hand-over.".into(),
                },
            ));
        }
    }
    for (org, s) in &stated {
        let fewest = stated.iter().filter(|(o, _)| o.id != org.id).map(|(_, x)| x.approval_steps).min();
        if let Some(fewest) = fewest {
            if s.approval_steps >= MANY_STEPS && s.approval_steps >= fewest + 2 {
                let signer = if s.signer.trim().is_empty() {
                    String::new()
                } else {
                    format!(" (signed by {})", s.signer.trim())
                };
                items.push(item(
                    format!("approval_steps:{}", org.id),
                    "approval_steps",
                    format!("{} has {} approval steps; another partner has {fewest}", org.name, s.approval_steps),
                    format!("Decisions at {}{signer} pass {} approvals before they are final.", org.name, s.approval_steps),
                    format!(
                        "Which decisions need all of {}'s approval steps, who signs for it, and how they fit in the review SLA.",
                        org.name
                    ),
                ));
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{Lane, OrgKind};

    fn org(id: i64, name: &str) -> OrgRef {
        OrgRef { id, name: name.into(), kind: OrgKind::Agency, color: "#000".into() }
    }

    fn style(review: i64, tz: &str, steps: i64) -> WorkingStyle {
        WorkingStyle { review_hours: review, time_zone: tz.into(), approval_steps: steps, ..WorkingStyle::default() }
    }

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 12).unwrap()
    }

    #[test]
    fn a_five_day_reviewer_on_a_24_hour_lane_is_flagged_with_what_to_settle() {
        let partners = vec![
            (org(1, "Northwind"), Some(style(24, "America/New_York", 1))),
            (org(2, "Studio Kin"), Some(style(120, "America/New_York", 1))),
            (org(3, "Quiet Co"), None),
        ];
        let lanes = vec![LaneSla { lane: Lane::Ugc, sla_hours: 24 }, LaneSla { lane: Lane::Influencer, sla_hours: 48 }];
        let items = mismatches(&partners, &lanes, chrono_tz::UTC, monday());
        let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, vec!["review_sla:ugc:2", "review_sla:influencer:2", "review_gap:1:2"]);
        assert_eq!(items[0].title, "Studio Kin commits to 5 days reviews; the UGC lane's SLA is 24 h");
        assert!(items[0].settle.contains("at least 5 days for Studio Kin"), "{}", items[0].settle);
        assert_eq!(items[2].title, "Commitments to review differ: Northwind 24 h vs Studio Kin 5 days");
    }

    #[test]
    fn little_shared_time_and_many_approval_steps_are_flagged() {
        let partners = vec![
            (org(1, "Northwind"), Some(style(24, "America/New_York", 1))),
            (org(2, "Brightline"), Some(style(24, "Europe/Berlin", 4))),
        ];
        let mut items = mismatches(&partners, &[], chrono_tz::Tz::America__New_York, monday());
        // 09:00–17:00 in both: New York starts when it is 15:00 in Berlin, two hours together (not flagged).
        assert!(items.iter().all(|i| i.kind != "overlap"));
        assert_eq!(items.pop().unwrap().title, "Brightline has 4 approval steps; another partner has 1");
        let mut late = style(24, "Europe/Berlin", 1);
        late.work_end = "16:00".into();
        let partners =
            vec![(org(1, "Northwind"), Some(style(24, "America/New_York", 1))), (org(2, "Brightline"), Some(late))];
        let items = mismatches(&partners, &[], chrono_tz::Tz::America__New_York, monday());
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].key, "overlap:1:2");
        assert_eq!(
            items[0].title,
            "Northwind and Brightline share 1 h of working hours a day (09:00–10:00 America/New_York)"
        );
        let mut weekend = style(24, "America/New_York", 1);
        weekend.work_days = "Sat-Sun".into();
        let partners = vec![(org(1, "A"), Some(style(24, "America/New_York", 1))), (org(2, "B"), Some(weekend))];
        let items = mismatches(&partners, &[], chrono_tz::Tz::America__New_York, monday());
        assert_eq!(items[0].title, "A and B share no working hours");
    }
}
