//! Clocks: review deadlines (an SLA in hours of elapsed time), due days in the campaign's time zone, and
//! the countdown every pending review shows.
use chrono::{DateTime, Duration, Utc};

/// When a review of something submitted at `submitted` is due: `sla_hours` of elapsed time later (so a
/// 24-hour SLA is 24 real hours even across a daylight-saving change).
pub fn review_due(submitted: DateTime<Utc>, sla_hours: i64) -> DateTime<Utc> {
    submitted + Duration::hours(sla_hours)
}

/// "5 h 12 min left", "42 min left", "overdue by 1 d 3 h".
pub fn countdown(due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let left = due - now;
    let (span, overdue) = if left < Duration::zero() { (-left, true) } else { (left, false) };
    let mins = span.num_minutes();
    let text = if mins >= 48 * 60 {
        format!("{} d {} h", mins / (24 * 60), (mins / 60) % 24)
    } else if mins >= 60 {
        format!("{} h {} min", mins / 60, mins % 60)
    } else if mins >= 1 {
        format!("{mins} min")
    } else {
        format!("{} s", span.num_seconds())
    };
    if overdue {
        format!("overdue by {text}")
    } else {
        format!("{text} left")
    }
}

/// How much of the SLA is used, 0–100 (beyond 100 when overdue is capped at 100), for the clock's bar.
pub fn used_pct(submitted: DateTime<Utc>, due: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
    let total = (due - submitted).num_seconds().max(1) as f64;
    (((now - submitted).num_seconds() as f64 / total) * 100.0).clamp(0.0, 100.0)
}

/// Time zones: server side only (the browser gets instants and labels).
#[cfg(feature = "ssr")]
pub mod tz {
    use chrono::{DateTime, LocalResult, NaiveDate, TimeZone, Utc};
    use chrono_tz::Tz;

    use crate::error::{AppError, Result};

    /// Parses an IANA time zone name ("Europe/Berlin"); the error names the field.
    pub fn parse(name: &str) -> Result<Tz> {
        name.trim().parse::<Tz>().map_err(|_| {
            AppError::validation(
                "time_zone",
                format!("\"{}\" is not a time zone; use a name like Europe/Berlin or America/New_York", name.trim()),
            )
        })
    }

    /// The zone of a stored name, falling back to UTC for anything unreadable.
    pub fn of(name: &str) -> Tz {
        parse(name).unwrap_or(Tz::UTC)
    }

    /// The first instant of a local day: local midnight, or (where a clock change skips midnight) the
    /// first local time that exists that day.
    pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
        let mut t = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        for _ in 0..(26 * 4) {
            match tz.from_local_datetime(&t) {
                LocalResult::Single(d) => return d.with_timezone(&Utc),
                LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
                LocalResult::None => t += chrono::Duration::minutes(15),
            }
        }
        Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"))
    }

    /// Something due on `date` is due by the end of that day in the campaign's zone (the next day's start).
    pub fn end_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
        match date.succ_opt() {
            Some(next) => start_of_day(next, tz),
            None => start_of_day(date, tz),
        }
    }

    /// The local day an instant falls on.
    pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
        at.with_timezone(&tz).date_naive()
    }

    /// "9 Mar 14:00 CET": the one format of every page (`dates`), in the zone `tz`.
    pub fn label(at: DateTime<Utc>, tz: Tz) -> String {
        at.with_timezone(&tz).format("%-d %b %H:%M %Z").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn an_sla_is_elapsed_hours() {
        assert_eq!(review_due(at("2027-03-01T10:00:00Z"), 24), at("2027-03-02T10:00:00Z"));
        assert_eq!(review_due(at("2027-03-01T10:00:00Z"), 48), at("2027-03-03T10:00:00Z"));
        assert_eq!(review_due(at("2027-12-31T23:30:00Z"), 1), at("2028-01-01T00:30:00Z"));
    }

    #[test]
    fn countdowns_read_well() {
        let due = at("2027-03-02T10:00:00Z");
        assert_eq!(countdown(due, at("2027-03-01T16:48:00Z")), "17 h 12 min left");
        assert_eq!(countdown(due, at("2027-03-02T09:18:00Z")), "42 min left");
        assert_eq!(countdown(due, at("2027-03-02T09:59:30Z")), "30 s left");
        assert_eq!(countdown(due, at("2027-03-02T11:05:00Z")), "overdue by 1 h 5 min");
        assert_eq!(countdown(due, at("2027-03-05T13:00:00Z")), "overdue by 3 d 3 h");
        assert_eq!(used_pct(at("2027-03-01T10:00:00Z"), due, at("2027-03-01T22:00:00Z")), 50.0);
        assert_eq!(used_pct(at("2027-03-01T10:00:00Z"), due, at("2027-03-04T22:00:00Z")), 100.0);
    }

    #[cfg(feature = "ssr")]
    mod zones {
        use super::super::tz;
        use super::*;
        use chrono::NaiveDate;

        fn day(s: &str) -> NaiveDate {
            s.parse().unwrap()
        }

        #[test]
        fn a_due_day_ends_at_local_midnight() {
            let ny = tz::parse("America/New_York").unwrap();
            // Winter: UTC-5.
            assert_eq!(tz::end_of_day(day("2027-01-15"), ny), at("2027-01-16T05:00:00Z"));
            // Summer: UTC-4.
            assert_eq!(tz::end_of_day(day("2027-07-15"), ny), at("2027-07-16T04:00:00Z"));
            let tokyo = tz::parse("Asia/Tokyo").unwrap();
            assert_eq!(tz::end_of_day(day("2027-01-15"), tokyo), at("2027-01-15T15:00:00Z"));
            // The same due day ends 14 hours earlier in Tokyo than in New York.
            assert_eq!(
                tz::end_of_day(day("2027-01-15"), ny) - tz::end_of_day(day("2027-01-15"), tokyo),
                Duration::hours(14)
            );
        }

        #[test]
        fn days_around_clock_changes() {
            let ny = tz::parse("America/New_York").unwrap();
            // 14 March 2027: clocks jump from 02:00 to 03:00, so that day lasts 23 hours.
            let start = tz::start_of_day(day("2027-03-14"), ny);
            let end = tz::end_of_day(day("2027-03-14"), ny);
            assert_eq!(end - start, Duration::hours(23));
            // 7 November 2027: 25 hours.
            assert_eq!(
                tz::end_of_day(day("2027-11-07"), ny) - tz::start_of_day(day("2027-11-07"), ny),
                Duration::hours(25)
            );
            // Where midnight itself does not exist (Santiago springs forward at 24:00), the day starts at 01:00.
            let santiago = tz::parse("America/Santiago").unwrap();
            let s = tz::start_of_day(day("2027-09-05"), santiago);
            assert_eq!(tz::label(s, santiago), "5 Sep 01:00 -03");
            // A 24-hour SLA across the spring change ends an hour later on the wall clock.
            let submitted = at("2027-03-13T15:00:00Z"); // 10:00 EST
            assert_eq!(tz::label(review_due(submitted, 24), ny), "14 Mar 11:00 EDT");
        }

        #[test]
        fn the_local_day_depends_on_the_zone() {
            let t = at("2027-06-30T23:30:00Z");
            assert_eq!(tz::local_date(t, tz::parse("Europe/Berlin").unwrap()), day("2027-07-01"));
            assert_eq!(tz::local_date(t, tz::parse("America/Los_Angeles").unwrap()), day("2027-06-30"));
            assert_eq!(tz::local_date(t, tz::parse("UTC").unwrap()), day("2027-06-30"));
        }

        #[test]
        fn unknown_zones_are_refused_by_name() {
            let e = tz::parse("Mars/Olympus").unwrap_err();
            assert_eq!(e.field.as_deref(), Some("time_zone"));
            assert!(e.message.contains("Mars/Olympus"), "{}", e.message);
        }
    }
}
