//! Dates and times as the pages show them.
//!
//! Written out by hand rather than with chrono's `format("%b %d …")` and `parse_from_str`: those carry chrono's
//! format-string reader and writer (and its RFC 2822 parser) into the browser's WASM, about 20 kB before
//! compression, for the half-dozen fixed shapes used here. Times are UTC, as stored.
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn month(d: &impl Datelike) -> &'static str {
    MONTHS[d.month0() as usize]
}

/// `2026-11-24`.
pub fn iso_day(d: &impl Datelike) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `2026-11-24 09:05 UTC`.
pub fn iso_minute_utc(t: &DateTime<Utc>) -> String {
    format!("{} {:02}:{:02} UTC", iso_day(t), t.hour(), t.minute())
}

/// `Nov 04 09:05` (month, day of month, time).
pub fn month_day_time(t: &DateTime<Utc>) -> String {
    format!("{} {:02} {:02}:{:02}", month(t), t.day(), t.hour(), t.minute())
}

/// `4 Nov 09:05 UTC`.
pub fn day_month_time_utc(t: &DateTime<Utc>) -> String {
    format!("{} {} {:02}:{:02} UTC", t.day(), month(t), t.hour(), t.minute())
}

/// `4 Nov`.
pub fn day_month(d: &impl Datelike) -> String {
    format!("{} {}", d.day(), month(d))
}

/// `Wed 4 Nov`.
pub fn weekday_day_month(d: &impl Datelike) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    format!("{} {}", DAYS[d.weekday().num_days_from_monday() as usize], day_month(d))
}

/// `Nov 4`.
pub fn month_day(d: &impl Datelike) -> String {
    format!("{} {}", month(d), d.day())
}

/// A calendar date written `2026-12-31` (month and day may have one digit); `None` for anything else.
pub fn parse_iso_day(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || y.len() != 4 || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape reads exactly as chrono's format string for it.
    #[test]
    fn the_same_text_as_chrono_writes() {
        let times = [(2026, 11, 4, 9, 5), (2027, 1, 31, 23, 59), (2026, 12, 10, 0, 0)];
        for (y, mo, d, h, mi) in times {
            let t = NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, 7).unwrap().and_utc();
            let day = t.date_naive();
            assert_eq!(iso_day(&day), day.format("%Y-%m-%d").to_string());
            assert_eq!(iso_day(&t), t.format("%Y-%m-%d").to_string());
            assert_eq!(iso_minute_utc(&t), t.format("%Y-%m-%d %H:%M UTC").to_string());
            assert_eq!(month_day_time(&t), t.format("%b %d %H:%M").to_string());
            assert_eq!(day_month_time_utc(&t), t.format("%-d %b %H:%M UTC").to_string());
            assert_eq!(day_month(&day), day.format("%-d %b").to_string());
            assert_eq!(month_day(&day), day.format("%b %-d").to_string());
            assert_eq!(weekday_day_month(&day), day.format("%a %-d %b").to_string());
        }
    }

    #[test]
    fn reads_calendar_dates_and_refuses_the_rest() {
        assert_eq!(parse_iso_day("2026-12-31"), NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(parse_iso_day("2026-1-5"), NaiveDate::from_ymd_opt(2026, 1, 5));
        for bad in ["", "2026-02-30", "2026-13-01", "26-01-01", "2026-01-01-01", "2026/01/01", "2026-01-x1", "+026-01-01"] {
            assert_eq!(parse_iso_day(bad), None, "{bad}");
        }
    }
}
