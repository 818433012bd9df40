//! Reading one cell: which column a header names, money, cents, and the plausible range of a figure.
use super::*;
fn key(header: &str) -> String {
    header.trim().trim_start_matches('\u{feff}').to_lowercase().replace([' ', '-'], "_")
}

pub(super) fn column_of(header: &str) -> Option<(&'static str, Kind)> {
    let k = key(header);
    COLUMNS
        .iter()
        .find(|(name, aliases, _)| *name == k || aliases.contains(&k.as_str()))
        .map(|(name, _, kind)| (*name, *kind))
}

/// Money as people write it, in units of the campaign's currency `code`: "12.50", "$1,234.5", "€ 3" → minor
/// units (cents; yen for JPY, which has no decimals; fils for BHD, three). Empty is `None`.
pub fn parse_money(raw: &str, code: &str) -> Result<Option<i64>, String> {
    let decimals = crate::money::currency_or_usd(code).decimals as usize;
    let t = raw.trim();
    let s: String = t.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '_' | '$' | '€' | '£')).collect();
    if s.is_empty() {
        return Ok(None);
    }
    if s.starts_with('-') || (s.starts_with('(') && s.ends_with(')')) {
        return Err(format!("{t:?} cannot be negative"));
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s.as_str(), ""),
    };
    // Commas only as thousands separators ("1,234.50"); a decimal comma is ambiguous.
    let groups: Vec<&str> = int.split(',').collect();
    let grouped_ok = groups.len() == 1
        || (!groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
    let int: String = groups.concat();
    let digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    if !grouped_ok || !digits(&int) || !digits(frac) || (int.is_empty() && frac.is_empty()) {
        return Err(format!("{t:?} is not an amount: write it like 1234.50 (a point for the decimals)"));
    }
    if frac.len() > decimals {
        return Err(format!(
            "{t:?} has more decimals than {} has ({decimals})",
            crate::money::currency_or_usd(code).code
        ));
    }
    if int.len() > 13 {
        return Err(format!("{t:?} is too large"));
    }
    let units: i64 = if int.is_empty() { 0 } else { int.parse().map_err(|_| format!("{t:?} is too large"))? };
    let minor: i64 = if decimals == 0 { 0 } else { format!("{frac:0<decimals$}").parse().unwrap_or(0) };
    Ok(Some(units * 10i64.pow(decimals as u32) + minor))
}

/// A whole number of cents: "1250", "1,250". Empty is `None`.
pub(super) fn parse_cents(raw: &str) -> Result<Option<i64>, String> {
    let t = raw.trim();
    let s: String = t.chars().filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '_')).collect();
    if s.is_empty() {
        return Ok(None);
    }
    if s.starts_with('-') {
        return Err(format!("{t:?} cannot be negative"));
    }
    if !s.chars().all(|c| c.is_ascii_digit()) || s.len() > 15 {
        return Err(format!("{t:?} is not a whole number of cents"));
    }
    s.parse().map(Some).map_err(|_| format!("{t:?} is too large"))
}

/// A figure read from a cell (empty is 0), if it is within what is plausible for one post on one day.
pub(super) fn within(column: &str, i: usize, n: Option<i64>) -> Result<i64, String> {
    let n = n.unwrap_or(0);
    let (figure, _) = DailyFigures::default().values()[i];
    crate::limits::range_message(column, n, crate::metrics::figure_limit(figure)).map_or(Ok(n), Err)
}

pub(super) fn set(f: &mut DailyFigures, i: usize, v: i64) {
    let slot = match i {
        0 => &mut f.impressions,
        1 => &mut f.reach,
        2 => &mut f.views,
        3 => &mut f.likes,
        4 => &mut f.comments,
        5 => &mut f.shares,
        6 => &mut f.saves,
        7 => &mut f.clicks,
        8 => &mut f.conversions,
        9 => &mut f.revenue_cents,
        10 => &mut f.fee_cents,
        11 => &mut f.product_cents,
        _ => &mut f.paid_cents,
    };
    *slot = v;
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn money_in_units_or_cents() {
        assert_eq!(parse_money("12.50", "USD"), Ok(Some(1250)));
        assert_eq!(parse_money("12.5", "USD"), Ok(Some(1250)));
        assert_eq!(parse_money("$1,234.05", "USD"), Ok(Some(123_405)));
        assert_eq!(parse_money("€ 3", "USD"), Ok(Some(300)));
        assert_eq!(parse_money(".5", "USD"), Ok(Some(50)));
        assert_eq!(parse_money("", "USD"), Ok(None));
        assert!(parse_money("-4.00", "USD").unwrap_err().contains("negative"));
        assert!(parse_money("12,50", "USD").is_err(), "a decimal comma is ambiguous");
        assert!(parse_money("1.234", "USD").unwrap_err().contains("more decimals than USD has (2)"));
        assert_eq!(parse_money("1,234", "JPY"), Ok(Some(1_234)));
        assert!(parse_money("12.5", "JPY").is_err(), "yen have no decimals");
        assert_eq!(parse_money("1.5", "BHD"), Ok(Some(1_500)));
        assert!(parse_money("lots", "USD").is_err());
        assert!(parse_money("99999999999999999999", "USD").is_err());
        assert_eq!(parse_cents("1,250"), Ok(Some(1250)));
        assert!(parse_cents("12.5").is_err());
    }
}
