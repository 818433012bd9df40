//! Working hours: an organization's working days and hours in its time zone, the working time between two
//! instants, and the hours two organizations both work.
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{AppError, Result};

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// How far working time is counted (a review open for longer than this is not a working-hours question).
const MAX_DAYS: i64 = 400;

/// A stretch of time, from its start to its end.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// Working days and hours in a zone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkClock {
    pub tz: Tz,
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// Monday first.
    pub days: [bool; 7],
}

/// Reads "09:00"; the error names the field.
pub fn parse_time(field: &str, text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        AppError::validation(field, format!("\"{}\" is not a time of day; write it as 09:00", text.trim()))
    })
}

/// Reads "Mon-Fri" or "Mon-Thu, Sat" (case does not matter); the error names `work_days`.
pub fn parse_days(text: &str) -> Result<[bool; 7]> {
    let bad = |part: &str| {
        AppError::validation(
            "work_days",
            format!("\"{part}\" is not a day or a range of days; write e.g. Mon-Fri or Mon-Thu, Sat"),
        )
    };
    let day = |s: &str| {
        let s = s.trim().to_lowercase();
        DAYS.iter().position(|d| s.len() >= 3 && s.starts_with(*d) && s.is_char_boundary(3) && d.starts_with(&s[..3]))
    };
    let mut days = [false; 7];
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a).ok_or_else(|| bad(part))?, day(b).ok_or_else(|| bad(part))?);
                if a > b {
                    return Err(bad(part));
                }
                days[a..=b].iter_mut().for_each(|d| *d = true);
            }
            None => days[day(part).ok_or_else(|| bad(part))?] = true,
        }
    }
    if !days.contains(&true) {
        return Err(AppError::validation("work_days", "Name at least one working day, e.g. Mon-Fri"));
    }
    Ok(days)
}

/// The instant a local time falls on: the earlier of two (clocks going back), or the first that exists after it
/// (clocks going forward skip it).
fn instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut t = local;
    for _ in 0..(4 * 4) {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(d) => return d.with_timezone(&Utc),
            LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
            LocalResult::None => t += Duration::minutes(15),
        }
    }
    Utc.from_utc_datetime(&local)
}

impl WorkClock {
    /// A day's working window, as instants (a day with a clock change is shorter or longer by that change).
    pub fn window(&self, date: NaiveDate) -> Option<Span> {
        if !self.days[date.weekday().num_days_from_monday() as usize] {
            return None;
        }
        Some((instant(self.tz, date.and_time(self.start)), instant(self.tz, date.and_time(self.end))))
    }

    /// Working windows overlapping `[from, to)`, clipped to it.
    fn windows(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Span> {
        let first = from.with_timezone(&self.tz).date_naive() - Duration::days(1);
        let last = to.with_timezone(&self.tz).date_naive().min(first + Duration::days(MAX_DAYS));
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .filter_map(|d| self.window(d))
            .map(|(a, b)| (a.max(from), b.min(to)))
            .filter(|(a, b)| a < b)
            .collect()
    }

    /// Minutes of working time from `from` to `to` (0 when `to` is not after `from`).
    pub fn working_minutes(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        self.windows(from, to).iter().map(|(a, b)| (*b - *a).num_minutes()).sum()
    }
}

/// The longest overlap on one day of the week starting `monday` (a date in `a`'s zone) between `a`'s working
/// window that day and `b`'s working windows: minutes, and the overlap itself.
pub fn daily_overlap(a: &WorkClock, b: &WorkClock, monday: NaiveDate) -> (i64, Option<Span>) {
    let mut best = (0, None);
    for date in monday.iter_days().take(7) {
        let Some((s, e)) = a.window(date) else { continue };
        for (bs, be) in b.windows(s, e) {
            let minutes = (be - bs).num_minutes();
            if minutes > best.0 {
                best = (minutes, Some((bs, be)));
            }
        }
    }
    best
}

/// Whether `a` and `b` share any working day at all in that week.
pub fn share_a_day(a: &WorkClock, b: &WorkClock) -> bool {
    a.days.iter().zip(b.days.iter()).any(|(x, y)| *x && *y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(tz: &str, start: &str, end: &str, days: &str) -> WorkClock {
        WorkClock {
            tz: tz.parse().unwrap(),
            start: parse_time("work_start", start).unwrap(),
            end: parse_time("work_end", end).unwrap(),
            days: parse_days(days).unwrap(),
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn days_and_times_are_read_and_refused_by_field() {
        assert_eq!(parse_days("Mon-Fri").unwrap(), [true, true, true, true, true, false, false]);
        assert_eq!(parse_days("mon-wed, Sat").unwrap(), [true, true, true, false, false, true, false]);
        assert_eq!(parse_days("Monday, Sunday").unwrap(), [true, false, false, false, false, false, true]);
        assert_eq!(parse_days("Fri-Mon").unwrap_err().field.as_deref(), Some("work_days"));
        assert_eq!(parse_days("Funday").unwrap_err().field.as_deref(), Some("work_days"));
        assert_eq!(parse_days(" , ").unwrap_err().field.as_deref(), Some("work_days"));
        assert_eq!(parse_time("work_end", "25:00").unwrap_err().field.as_deref(), Some("work_end"));
    }

    #[test]
    fn working_time_skips_nights_and_weekends() {
        let berlin = clock("Europe/Berlin", "09:00", "17:00", "Mon-Fri");
        // Friday 2026-01-16 16:00 Berlin (15:00 UTC) to Monday 10:00 Berlin (09:00 UTC): 1 h Friday + 1 h Monday.
        assert_eq!(berlin.working_minutes(at("2026-01-16T15:00:00Z"), at("2026-01-19T09:00:00Z")), 120);
        // Within one working day: the elapsed time.
        assert_eq!(berlin.working_minutes(at("2026-01-14T08:30:00Z"), at("2026-01-14T10:00:00Z")), 90);
        // Entirely at night: nothing.
        assert_eq!(berlin.working_minutes(at("2026-01-14T20:00:00Z"), at("2026-01-15T06:00:00Z")), 0);
        assert_eq!(berlin.working_minutes(at("2026-01-15T06:00:00Z"), at("2026-01-14T20:00:00Z")), 0);
    }

    #[test]
    fn a_clock_change_moves_the_working_day_not_its_length() {
        // Berlin goes to summer time on Sunday 2026-03-29: 9:00 is 08:00 UTC on the Friday, 07:00 UTC on Monday.
        let berlin = clock("Europe/Berlin", "09:00", "17:00", "Mon-Fri");
        assert_eq!(berlin.window(NaiveDate::from_ymd_opt(2026, 3, 27).unwrap()).unwrap().0, at("2026-03-27T08:00:00Z"));
        assert_eq!(berlin.window(NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()).unwrap().0, at("2026-03-30T07:00:00Z"));
        // Friday 16:00 (15:00 UTC) to Monday 10:00 (08:00 UTC): still 1 h + 1 h of working time, though 65 h
        // elapsed instead of the 66 h of a week without the change.
        assert_eq!(berlin.working_minutes(at("2026-03-27T15:00:00Z"), at("2026-03-30T08:00:00Z")), 120);
        // A clock that works through the night of the change: that Sunday has 23 hours.
        let always = clock("Europe/Berlin", "00:00", "23:59", "Mon-Sun");
        assert_eq!(always.working_minutes(at("2026-03-28T23:00:00Z"), at("2026-03-29T22:00:00Z")), 23 * 60 - 1);
    }

    #[test]
    fn overlap_of_two_zones() {
        let berlin = clock("Europe/Berlin", "09:00", "17:00", "Mon-Fri");
        let new_york = clock("America/New_York", "09:00", "17:00", "Mon-Fri");
        let monday = NaiveDate::from_ymd_opt(2026, 1, 12).unwrap();
        // 09:00 New York is 15:00 Berlin: two hours together.
        let (minutes, window) = daily_overlap(&berlin, &new_york, monday);
        assert_eq!(minutes, 120);
        assert_eq!(window.unwrap(), (at("2026-01-12T14:00:00Z"), at("2026-01-12T16:00:00Z")));
        let la = clock("America/Los_Angeles", "09:00", "17:00", "Mon-Fri");
        assert_eq!(daily_overlap(&berlin, &la, monday).0, 0);
        // The US changes its clocks three weeks before Europe: the overlap is 3 h then.
        let march = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(daily_overlap(&berlin, &new_york, march).0, 180);
    }
}
