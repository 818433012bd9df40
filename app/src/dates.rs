//! Dates and times as the pages show them.
//!
//! Written out by hand rather than with chrono's `format("%b %d …")` and `parse_from_str`: those carry chrono's
//! format-string reader and writer (and its RFC 2822 parser) into the browser's WASM, about 20 kB before
//! compression, for the half-dozen fixed shapes used here. Times are UTC, as stored.
//!
//! One format on every page: a day is `4 Dec`, a time is `4 Dec 14:05 CET` (always with its zone). A time is shown
//! with [`Time`]: the server writes it in the campaign's zone, and `public/times.js` rewrites it in the browser to
//! the viewer's own zone (keeping the campaign's in the tooltip, and for deadlines on the same line).
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use leptos::prelude::*;

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

/// `2026-11-24T09:05:00Z`: the machine-readable instant of a `<time datetime>`.
pub fn rfc3339(t: &DateTime<Utc>) -> String {
    format!("{}T{:02}:{:02}:{:02}Z", iso_day(t), t.hour(), t.minute(), t.second())
}

/// `4 Dec 14:05 CET`: an instant in the campaign's time zone `zone` (an IANA name; UTC when unreadable), with the
/// zone's abbreviation (or its offset, `+03`, where the zone has none).
#[cfg(feature = "ssr")]
pub fn in_zone(t: &DateTime<Utc>, zone: &str) -> String {
    let local = t.with_timezone(&crate::content::sla::tz::of(zone));
    format!("{} {} {:02}:{:02} {}", local.day(), month(&local), local.hour(), local.minute(), local.format("%Z"))
}

/// In the browser there are no zone tables (they would weigh on every page's WASM): the text is written in UTC,
/// and `public/times.js` rewrites it to the viewer's zone and the campaign's as soon as it is on the page.
#[cfg(not(feature = "ssr"))]
pub fn in_zone(t: &DateTime<Utc>, _zone: &str) -> String {
    day_month_time_utc(t)
}

/// A time as every page shows it: `<time datetime data-local data-tz>` written in the campaign's zone `zone`;
/// `public/times.js` shows it in the viewer's zone with its abbreviation, and the campaign's in the tooltip. A
/// `deadline` shows both on the line: "4 Dec 08:59 EST · 4 Dec 14:59 CET campaign time".
#[component]
pub fn Time(at: DateTime<Utc>, #[prop(into)] zone: String, #[prop(optional)] deadline: bool) -> impl IntoView {
    let text = in_zone(&at, &zone);
    let title = format!("{text}, the campaign's time ({zone})");
    view! {
        <time datetime=rfc3339(&at) data-local="" data-tz=zone data-deadline=deadline.then_some("") title=title>{text}</time>
    }
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

/// A time as serde writes a `DateTime<Utc>` (RFC 3339: `2026-11-24T09:05:00Z`, `…:00.123456Z`, or with an offset
/// such as `+01:00`), converted to UTC; `None` for anything else.
pub fn parse_utc(text: &str) -> Option<DateTime<Utc>> {
    let (day, rest) = text.split_once(['T', 't', ' '])?;
    let day = parse_iso_day(day)?;
    let (clock, offset_minutes) = if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        (clock, 0i64)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (clock, offset) = rest.split_at(at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (h, m) = offset[1..].split_once(':')?;
        let two =
            |s: &str| (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<i64>().ok()).flatten();
        (clock, sign * (two(h)? * 60 + two(m)?))
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => (hms, f),
        Some(_) => return None,
        None => (clock, ""),
    };
    let mut parts = hms.split(':');
    let mut two =
        || parts.next().filter(|s| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))?.parse::<u32>().ok();
    let (h, m, sec) = (two()?, two()?, two()?);
    if parts.next().is_some() {
        return None;
    }
    let nanos =
        if fraction.is_empty() { 0 } else { fraction.parse::<u32>().ok()? * 10u32.pow(9 - fraction.len() as u32) };
    let local = day.and_hms_nano_opt(h, m, sec, nanos)?;
    Some(local.and_utc() - chrono::Duration::minutes(offset_minutes))
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
            assert_eq!(rfc3339(&t), t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
    }

    /// Reads back what serde writes for a `DateTime<Utc>`, and what chrono reads for the offset forms.
    #[test]
    fn reads_times_as_serde_writes_them() {
        let base = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap().and_hms_opt(9, 5, 0).unwrap().and_utc();
        for t in [base, base + chrono::Duration::nanoseconds(123_456_000), base + chrono::Duration::nanoseconds(7)] {
            let text = serde_json::to_value(t).unwrap().as_str().unwrap().to_owned();
            assert_eq!(parse_utc(&text), Some(t), "{text}");
        }
        for text in ["2026-11-24T10:05:00+01:00", "2026-11-24T04:35:00.5-04:30", "2026-11-24T09:05:00z"] {
            assert_eq!(parse_utc(text), text.parse::<DateTime<Utc>>().ok(), "{text}");
        }
        for bad in [
            "",
            "2026-11-24",
            "2026-11-24T9:05:00Z",
            "2026-11-24T09:05Z",
            "2026-11-24T09:05:00",
            "2026-11-24T25:00:00Z",
            "2026-11-24T09:05:00.Z",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    /// The campaign's zone, with its abbreviation: New York and Berlin never read the same bare "19:35".
    #[cfg(feature = "ssr")]
    #[test]
    fn times_carry_the_campaign_zone() {
        let t = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap().and_hms_opt(19, 35, 0).unwrap().and_utc();
        assert_eq!(in_zone(&t, "America/New_York"), "4 Dec 14:35 EST");
        assert_eq!(in_zone(&t, "Europe/Berlin"), "4 Dec 20:35 CET");
        assert_eq!(in_zone(&t, "America/Los_Angeles"), "4 Dec 11:35 PST");
        assert_eq!(in_zone(&t, "UTC"), "4 Dec 19:35 UTC");
        assert_eq!(in_zone(&t, "not a zone"), "4 Dec 19:35 UTC");
        let summer = NaiveDate::from_ymd_opt(2027, 7, 1).unwrap().and_hms_opt(8, 0, 0).unwrap().and_utc();
        assert_eq!(in_zone(&summer, "Europe/Berlin"), "1 Jul 10:00 CEST");
    }

    #[test]
    fn reads_calendar_dates_and_refuses_the_rest() {
        assert_eq!(parse_iso_day("2026-12-31"), NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(parse_iso_day("2026-1-5"), NaiveDate::from_ymd_opt(2026, 1, 5));
        for bad in
            ["", "2026-02-30", "2026-13-01", "26-01-01", "2026-01-01-01", "2026/01/01", "2026-01-x1", "+026-01-01"]
        {
            assert_eq!(parse_iso_day(bad), None, "{bad}");
        }
    }
}
