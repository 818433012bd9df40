//! Money across partners and borders: amounts as integer minor units with their ISO 4217 currency, shown with the
//! currency's symbol, decimals (JPY 0, BHD 3) and grouping; exchange rates per pair and day, converting with the
//! rate in force on an amount's day (a missing rate is a named gap, never 1:1); and the payout ledger's types.
//!
//! Pure and shared: the pages that use it are rendered on the server (no island carries this code).
use serde::{Deserialize, Serialize};

pub mod ledger;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use ledger::*;

/// A currency: its ISO 4217 code, the symbol people read, and how many decimals its minor unit has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency {
    pub code: &'static str,
    pub symbol: &'static str,
    pub decimals: u32,
    pub name: &'static str,
}

/// The currencies Chorus knows (ISO 4217; decimals per the standard's minor unit).
pub const CURRENCIES: &[Currency] = &[
    Currency { code: "USD", symbol: "$", decimals: 2, name: "US dollar" },
    Currency { code: "EUR", symbol: "€", decimals: 2, name: "Euro" },
    Currency { code: "GBP", symbol: "£", decimals: 2, name: "Pound sterling" },
    Currency { code: "JPY", symbol: "¥", decimals: 0, name: "Japanese yen" },
    Currency { code: "CHF", symbol: "CHF", decimals: 2, name: "Swiss franc" },
    Currency { code: "CAD", symbol: "CA$", decimals: 2, name: "Canadian dollar" },
    Currency { code: "AUD", symbol: "A$", decimals: 2, name: "Australian dollar" },
    Currency { code: "NZD", symbol: "NZ$", decimals: 2, name: "New Zealand dollar" },
    Currency { code: "SEK", symbol: "SEK", decimals: 2, name: "Swedish krona" },
    Currency { code: "NOK", symbol: "NOK", decimals: 2, name: "Norwegian krone" },
    Currency { code: "DKK", symbol: "DKK", decimals: 2, name: "Danish krone" },
    Currency { code: "PLN", symbol: "zł", decimals: 2, name: "Polish złoty" },
    Currency { code: "CZK", symbol: "Kč", decimals: 2, name: "Czech koruna" },
    Currency { code: "HUF", symbol: "Ft", decimals: 2, name: "Hungarian forint" },
    Currency { code: "CNY", symbol: "CN¥", decimals: 2, name: "Chinese yuan" },
    Currency { code: "HKD", symbol: "HK$", decimals: 2, name: "Hong Kong dollar" },
    Currency { code: "SGD", symbol: "S$", decimals: 2, name: "Singapore dollar" },
    Currency { code: "KRW", symbol: "₩", decimals: 0, name: "South Korean won" },
    Currency { code: "INR", symbol: "₹", decimals: 2, name: "Indian rupee" },
    Currency { code: "BRL", symbol: "R$", decimals: 2, name: "Brazilian real" },
    Currency { code: "MXN", symbol: "MX$", decimals: 2, name: "Mexican peso" },
    Currency { code: "ZAR", symbol: "R", decimals: 2, name: "South African rand" },
    Currency { code: "AED", symbol: "AED", decimals: 2, name: "UAE dirham" },
    Currency { code: "SAR", symbol: "SAR", decimals: 2, name: "Saudi riyal" },
    Currency { code: "BHD", symbol: "BHD", decimals: 3, name: "Bahraini dinar" },
    Currency { code: "KWD", symbol: "KWD", decimals: 3, name: "Kuwaiti dinar" },
    Currency { code: "OMR", symbol: "OMR", decimals: 3, name: "Omani rial" },
    Currency { code: "JOD", symbol: "JOD", decimals: 3, name: "Jordanian dinar" },
    Currency { code: "TRY", symbol: "₺", decimals: 2, name: "Turkish lira" },
    Currency { code: "ILS", symbol: "₪", decimals: 2, name: "Israeli new shekel" },
    Currency { code: "IDR", symbol: "Rp", decimals: 2, name: "Indonesian rupiah" },
    Currency { code: "VND", symbol: "₫", decimals: 0, name: "Vietnamese đồng" },
    Currency { code: "CLP", symbol: "CLP", decimals: 0, name: "Chilean peso" },
    Currency { code: "ISK", symbol: "ISK", decimals: 0, name: "Icelandic króna" },
];

/// The currency of a code ("eur" and " EUR " read as EUR); `None` for codes Chorus does not know.
pub fn currency(code: &str) -> Option<&'static Currency> {
    let code = code.trim();
    CURRENCIES.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

/// The currency of a stored code, USD for anything unreadable (stored codes are checked when written).
pub fn currency_or_usd(code: &str) -> &'static Currency {
    currency(code).unwrap_or(&CURRENCIES[0])
}

/// A currency code from input, or a message naming the codes that are known.
pub fn parse_currency(code: &str) -> Result<&'static Currency, String> {
    currency(code).ok_or_else(|| {
        format!(
            "\"{}\" is not a currency Chorus knows; use an ISO 4217 code such as USD, EUR, GBP or JPY",
            code.trim().chars().take(20).collect::<String>()
        )
    })
}

/// The largest amount accepted, in minor units (as `limits::CENTS`: a hundred billion units of a 2-decimal
/// currency).
pub const MAX_MINOR: i64 = crate::limits::CENTS;

/// An amount: integer minor units (cents, yen, fils) and its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Money {
    /// In the currency's minor unit: 123456 USD is $1,234.56; 1234 JPY is ¥1,234; 1234 BHD is BHD 1.234.
    pub minor: i64,
    /// ISO 4217.
    pub currency: String,
}

impl Money {
    pub fn new(minor: i64, currency: &str) -> Money {
        Money { minor, currency: currency_or_usd(currency).code.to_string() }
    }
    /// "$1,234.56", "€4,200.00", "¥1,234", "BHD 1.234".
    pub fn label(&self) -> String {
        format_minor(self.minor, &self.currency)
    }
    /// The amount without symbol, with its decimals and no grouping ("1234.56"), for CSV files.
    pub fn plain(&self) -> String {
        plain_minor(self.minor, &self.currency)
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

fn pow10(n: u32) -> i128 {
    10i128.pow(n)
}

/// Groups a whole number's digits by thousands: 1234567 → "1,234,567".
fn group(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// An amount in minor units as people read it: symbol (a space after a letter symbol), grouped units, decimals.
pub fn format_minor(minor: i64, code: &str) -> String {
    let c = currency_or_usd(code);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = (minor as i128).unsigned_abs();
    let scale = pow10(c.decimals) as u128;
    let units = group(abs / scale);
    let number =
        if c.decimals == 0 { units } else { format!("{units}.{:0width$}", abs % scale, width = c.decimals as usize) };
    let gap = if c.symbol.chars().last().is_some_and(|ch| ch.is_ascii_alphabetic()) { " " } else { "" };
    format!("{sign}{}{gap}{number}", c.symbol)
}

/// An amount in units of the currency (a cost per engagement, 0.304) as people read it, rounded to the currency's
/// minor unit: "$0.30", "¥0", "BHD 0.304".
pub fn format_units(v: f64, code: &str) -> String {
    let scale = 10f64.powi(currency_or_usd(code).decimals as i32);
    format_minor((v * scale).round() as i64, code)
}

/// An amount in minor units as a plain decimal ("-1234.50"), for files.
pub fn plain_minor(minor: i64, code: &str) -> String {
    let c = currency_or_usd(code);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = (minor as i128).unsigned_abs();
    let scale = pow10(c.decimals) as u128;
    if c.decimals == 0 {
        format!("{sign}{abs}")
    } else {
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = c.decimals as usize)
    }
}

/// An amount as people type it, in units of `code` ("1,234.5", "€ 3", "4200"), to minor units. Refuses more
/// decimals than the currency has (a JPY amount has none, BHD three), negative amounts, and amounts over
/// [`MAX_MINOR`].
pub fn parse_amount(raw: &str, code: &str) -> Result<i64, String> {
    let c = currency_or_usd(code);
    let t = raw.trim();
    if t.is_empty() {
        return Err("Enter an amount".into());
    }
    let t = t.strip_prefix(c.symbol).unwrap_or(t);
    let t = t.strip_prefix(c.code).unwrap_or(t);
    let s: String = t.chars().filter(|ch| !matches!(ch, ' ' | '\u{a0}' | ',' | '_')).collect();
    if s.starts_with('-') {
        return Err("An amount cannot be negative".into());
    }
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(format!("\"{}\" is not an amount", raw.trim().chars().take(40).collect::<String>()));
    }
    if !whole.chars().all(|ch| ch.is_ascii_digit()) || !frac.chars().all(|ch| ch.is_ascii_digit()) {
        return Err(format!("\"{}\" is not an amount", raw.trim().chars().take(40).collect::<String>()));
    }
    if frac.len() > c.decimals as usize {
        return Err(match c.decimals {
            0 => format!("{} has no decimals: write a whole number", c.code),
            n => format!("{} has {n} decimals at most", c.code),
        });
    }
    if whole.len() > 18 {
        return Err("This amount is too large".into());
    }
    let whole: i128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "This amount is too large")? };
    let frac_minor: i128 =
        if frac.is_empty() { 0 } else { frac.parse::<i128>().unwrap_or(0) * pow10(c.decimals - frac.len() as u32) };
    let minor = whole * pow10(c.decimals) + frac_minor;
    if minor > MAX_MINOR as i128 {
        return Err(format!("At most {}", format_minor(MAX_MINOR, c.code)));
    }
    Ok(minor as i64)
}

/// Rates are stored as integers: the rate times 10^9 (1.08 is 1_080_000_000).
pub const RATE_SCALE: i64 = 1_000_000_000;
/// The largest rate accepted (1 unit of the base buys at most a million of the quote).
pub const MAX_RATE: i64 = 1_000_000 * RATE_SCALE;

/// A rate as people type it ("1.08", "0.9259", "151.2") to its stored integer; at most 9 decimals, above 0.
pub fn parse_rate(raw: &str) -> Result<i64, String> {
    let s = raw.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let ok = !(whole.is_empty() && frac.is_empty())
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit());
    if !ok {
        return Err(format!("\"{}\" is not a rate; write it like 1.08", s.chars().take(40).collect::<String>()));
    }
    if frac.len() > 9 {
        return Err("A rate has 9 decimals at most".into());
    }
    if whole.len() > 7 {
        return Err("A rate is at most 1,000,000".into());
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "A rate is at most 1,000,000")? };
    let frac: i64 =
        if frac.is_empty() { 0 } else { frac.parse::<i64>().unwrap_or(0) * 10i64.pow(9 - frac.len() as u32) };
    let rate = whole * RATE_SCALE + frac;
    if rate <= 0 {
        return Err("A rate is above 0".into());
    }
    if rate > MAX_RATE {
        return Err("A rate is at most 1,000,000".into());
    }
    Ok(rate)
}

/// A stored rate as people read it: "1.08", "0.925926", "151.2".
pub fn rate_label(rate: i64) -> String {
    let whole = rate / RATE_SCALE;
    let frac = rate % RATE_SCALE;
    if frac == 0 {
        return whole.to_string();
    }
    let f = format!("{frac:09}");
    format!("{whole}.{}", f.trim_end_matches('0'))
}

/// Divides rounding half away from zero.
fn div_round(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if r.abs() * 2 >= d.abs() {
        q + if (n < 0) != (d < 0) { -1 } else { 1 }
    } else {
        q
    }
}

/// `minor` of `from` converted at `rate` (one unit of `from` buys `rate` units of `to`, times [`RATE_SCALE`]) to
/// minor units of `to`, rounded half away from zero (e.g. €4,200.00 at 1.08 is $4,536.00; ¥1,000 at 0.0067 is
/// $6.70; $10.00 at 0.3765 is BHD 3.765).
pub fn convert(minor: i64, from: &str, to: &str, rate: i64) -> i64 {
    let (f, t) = (currency_or_usd(from), currency_or_usd(to));
    let n = minor as i128 * rate as i128 * pow10(t.decimals);
    let d = pow10(f.decimals) * RATE_SCALE as i128;
    div_round(n, d).clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// The inverse of a stored rate (for converting along a pair entered the other way round).
pub fn invert_rate(rate: i64) -> i64 {
    div_round(RATE_SCALE as i128 * RATE_SCALE as i128, rate.max(1) as i128) as i64
}

/// One rate as entered: one unit of `base` buys `rate` units of `quote` from `day` on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExchangeRate {
    pub base: String,
    pub quote: String,
    pub day: chrono::NaiveDate,
    /// The rate times 10^9.
    pub rate_e9: i64,
    /// "1.08".
    pub rate: String,
    pub entered_by: String,
    pub entered_at: chrono::DateTime<chrono::Utc>,
}

/// The rate in force on `day` for converting `from` into `to`: the latest entered on or before that day, for the
/// pair either way round (inverted when entered as to→from). Returns the rate (×10^9) and the day it was entered
/// for. The same currency needs no rate.
pub fn rate_on(
    rates: &[ExchangeRate],
    from: &str,
    to: &str,
    day: chrono::NaiveDate,
) -> Option<(i64, chrono::NaiveDate)> {
    if from == to {
        return Some((RATE_SCALE, day));
    }
    rates
        .iter()
        .filter(|r| r.day <= day)
        .filter_map(|r| {
            if r.base == from && r.quote == to {
                Some((r.day, 1, r.rate_e9))
            } else if r.base == to && r.quote == from {
                Some((r.day, 0, invert_rate(r.rate_e9)))
            } else {
                None
            }
        })
        // The latest day wins; on one day, the pair as entered wins over its inverse.
        .max_by_key(|(d, direct, _)| (*d, *direct))
        .map(|(d, _, rate)| (rate, d))
}

/// One amount as reported in the campaign's currency: the original beside the converted one, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Converted {
    pub original: Money,
    /// `None` when no rate is in force on the amount's day (see `missing`).
    pub converted: Option<Money>,
    /// The rate used ("1.08"), and the day it was entered for.
    pub rate: Option<String>,
    pub rate_day: Option<chrono::NaiveDate>,
    /// What is missing, e.g. "EUR→USD rate on or before 2027-03-03".
    pub missing: Option<String>,
    /// "€4,200.00 → $4,536.00 at 1.08 on 3 Mar 2027", or the original alone in the campaign's currency.
    pub label: String,
}

/// A short day label: "3 Mar 2027".
pub fn day_label(day: chrono::NaiveDate) -> String {
    day.format("%-d %b %Y").to_string()
}

/// Converts one amount of `day` into `to` with the rate in force that day.
pub fn convert_on(rates: &[ExchangeRate], amount: &Money, to: &str, day: chrono::NaiveDate) -> Converted {
    if amount.currency == to {
        return Converted {
            original: amount.clone(),
            converted: Some(amount.clone()),
            rate: None,
            rate_day: None,
            missing: None,
            label: amount.label(),
        };
    }
    match rate_on(rates, &amount.currency, to, day) {
        Some((rate, rate_day)) => {
            let converted = Money::new(convert(amount.minor, &amount.currency, to, rate), to);
            let label = format!(
                "{} → {} at {} on {}",
                amount.label(),
                converted.label(),
                rate_label(rate),
                day_label(rate_day)
            );
            Converted {
                original: amount.clone(),
                converted: Some(converted),
                rate: Some(rate_label(rate)),
                rate_day: Some(rate_day),
                missing: None,
                label,
            }
        }
        None => {
            let missing = format!("{}→{} rate on or before {}", amount.currency, to, day);
            Converted {
                original: amount.clone(),
                converted: None,
                rate: None,
                rate_day: None,
                label: format!("{} → no {missing}", amount.label()),
                missing: Some(missing),
            }
        }
    }
}

/// A sum in one currency that a missing rate blocks: `minor` is `None` then, and `missing` names every gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Total {
    pub currency: String,
    pub minor: Option<i64>,
    pub missing: Vec<String>,
    /// "$4,536.00", or "— (missing: EUR→USD rate on or before 2027-03-03)".
    pub label: String,
}

impl Total {
    pub fn of<'a>(currency: &str, items: impl IntoIterator<Item = &'a Converted>) -> Total {
        let mut sum: i64 = 0;
        let mut missing: Vec<String> = Vec::new();
        for c in items {
            match (&c.converted, &c.missing) {
                (Some(m), _) => sum = sum.saturating_add(m.minor),
                (None, Some(what)) => {
                    if !missing.contains(what) {
                        missing.push(what.clone());
                    }
                }
                (None, None) => {}
            }
        }
        let minor = missing.is_empty().then_some(sum);
        let label = match minor {
            Some(m) => format_minor(m, currency),
            None => format!("— (missing: {})", missing.join("; ")),
        };
        Total { currency: currency_or_usd(currency).code.to_string(), minor, missing, label }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    fn rate(base: &str, quote: &str, d: &str, r: &str) -> ExchangeRate {
        ExchangeRate {
            base: base.into(),
            quote: quote.into(),
            day: day(d),
            rate_e9: parse_rate(r).unwrap(),
            rate: r.into(),
            entered_by: "Maya".into(),
            entered_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn amounts_read_with_symbol_decimals_and_grouping() {
        assert_eq!(format_minor(123_456_789, "USD"), "$1,234,567.89");
        assert_eq!(format_minor(420_000, "EUR"), "€4,200.00");
        assert_eq!(format_minor(1_234_567, "JPY"), "¥1,234,567");
        assert_eq!(format_minor(1_234_567, "BHD"), "BHD 1,234.567");
        assert_eq!(format_minor(5, "BHD"), "BHD 0.005");
        assert_eq!(format_minor(-50, "GBP"), "-£0.50");
        assert_eq!(format_minor(0, "USD"), "$0.00");
        assert_eq!(format_minor(i64::MIN, "USD"), "-$92,233,720,368,547,758.08");
        assert_eq!(format_units(0.304, "USD"), "$0.30");
        assert_eq!(format_units(12.6, "JPY"), "¥13");
        assert_eq!(format_units(0.3045, "BHD"), "BHD 0.305");
        assert_eq!(plain_minor(1_234_567, "BHD"), "1234.567");
        assert_eq!(plain_minor(1_234, "JPY"), "1234");
        assert_eq!(plain_minor(-5, "EUR"), "-0.05");
    }

    #[test]
    fn amounts_typed_by_people() {
        assert_eq!(parse_amount("4,200", "EUR"), Ok(420_000));
        assert_eq!(parse_amount("€ 4,200.5", "EUR"), Ok(420_050));
        assert_eq!(parse_amount(".5", "USD"), Ok(50));
        assert_eq!(parse_amount("1234", "JPY"), Ok(1234));
        assert!(parse_amount("12.5", "JPY").unwrap_err().contains("no decimals"));
        assert_eq!(parse_amount("1.234", "BHD"), Ok(1234));
        assert!(parse_amount("1.2345", "BHD").unwrap_err().contains("3 decimals"));
        assert!(parse_amount("1.234", "USD").unwrap_err().contains("2 decimals"));
        assert!(parse_amount("-3", "USD").unwrap_err().contains("negative"));
        assert!(parse_amount("lots", "USD").is_err());
        assert!(parse_amount("", "USD").is_err());
        assert!(parse_amount(".", "USD").is_err());
        assert!(parse_amount("99999999999999999999999", "USD").is_err());
        assert!(parse_amount("100000000001", "USD").unwrap_err().starts_with("At most"));
    }

    #[test]
    fn currencies_by_code() {
        assert_eq!(currency("eur").map(|c| c.decimals), Some(2));
        assert_eq!(currency(" JPY ").map(|c| c.decimals), Some(0));
        assert_eq!(currency("BHD").map(|c| c.decimals), Some(3));
        assert!(parse_currency("XXX").unwrap_err().contains("ISO 4217"));
        // Every code is three capital letters, once.
        for (i, c) in CURRENCIES.iter().enumerate() {
            assert!(c.code.len() == 3 && c.code.chars().all(|ch| ch.is_ascii_uppercase()), "{}", c.code);
            assert!(CURRENCIES[..i].iter().all(|o| o.code != c.code), "{} twice", c.code);
        }
    }

    #[test]
    fn rates_typed_and_shown() {
        assert_eq!(parse_rate("1.08"), Ok(1_080_000_000));
        assert_eq!(parse_rate("0.000000001"), Ok(1));
        assert_eq!(rate_label(1_080_000_000), "1.08");
        assert_eq!(rate_label(151 * RATE_SCALE), "151");
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("-1.1").is_err());
        assert!(parse_rate("1,08").is_err());
        assert!(parse_rate("1.0000000001").is_err());
        assert!(parse_rate("2000000").is_err());
    }

    #[test]
    fn conversion_rounds_half_away_from_zero_across_decimals() {
        // €4,200.00 at 1.08 → $4,536.00.
        assert_eq!(convert(420_000, "EUR", "USD", parse_rate("1.08").unwrap()), 453_600);
        // 2 → 0 decimals: $10.00 at 151.235 → ¥1,512 (1512.35 rounds down), $10.01 at 151.25 → ¥1,514 (1513.99).
        assert_eq!(convert(1_000, "USD", "JPY", parse_rate("151.235").unwrap()), 1_512);
        assert_eq!(convert(1_001, "USD", "JPY", parse_rate("151.25").unwrap()), 1_514);
        // 0 → 2 decimals: ¥1,000 at 0.0067 → $6.70; ¥1 at 0.005 → half a cent rounds up to $0.01.
        assert_eq!(convert(1_000, "JPY", "USD", parse_rate("0.0067").unwrap()), 670);
        assert_eq!(convert(1, "JPY", "USD", parse_rate("0.005").unwrap()), 1);
        // 2 → 3 decimals: $10.00 at 0.3765 → BHD 3.765; 3 → 2: BHD 1.000 at 2.65957 → $2.66.
        assert_eq!(convert(1_000, "USD", "BHD", parse_rate("0.3765").unwrap()), 3_765);
        assert_eq!(convert(1_000, "BHD", "USD", parse_rate("2.65957").unwrap()), 266);
        // Negative amounts (a correction) round away from zero too.
        assert_eq!(convert(-1, "JPY", "USD", parse_rate("0.005").unwrap()), -1);
        // No overflow at the limits.
        assert!(convert(MAX_MINOR, "JPY", "BHD", MAX_RATE) > 0);
    }

    #[test]
    fn the_rate_in_force_on_the_amounts_day() {
        let rates = vec![rate("EUR", "USD", "2027-03-01", "1.08"), rate("EUR", "USD", "2027-03-10", "1.10")];
        assert_eq!(rate_on(&rates, "EUR", "USD", day("2027-03-05")), Some((1_080_000_000, day("2027-03-01"))));
        assert_eq!(rate_on(&rates, "EUR", "USD", day("2027-03-10")), Some((1_100_000_000, day("2027-03-10"))));
        assert_eq!(rate_on(&rates, "EUR", "USD", day("2027-02-28")), None, "no rate before the first one");
        // The other way round: the inverse.
        let (inv, _) = rate_on(&rates, "USD", "EUR", day("2027-03-05")).unwrap();
        assert_eq!(rate_label(inv), "0.925925926");
        assert_eq!(rate_on(&rates, "USD", "USD", day("2000-01-01")).map(|r| r.0), Some(RATE_SCALE));
    }

    #[test]
    fn a_missing_rate_is_a_named_gap_that_blocks_the_total_never_one_to_one() {
        let rates = vec![rate("EUR", "USD", "2027-03-03", "1.08")];
        let eur = convert_on(&rates, &Money::new(420_000, "EUR"), "USD", day("2027-03-03"));
        assert_eq!(eur.label, "€4,200.00 → $4,536.00 at 1.08 on 3 Mar 2027");
        let usd = convert_on(&rates, &Money::new(10_000, "USD"), "USD", day("2027-03-03"));
        assert_eq!(Total::of("USD", [&eur, &usd]).label, "$4,636.00");
        let gbp = convert_on(&rates, &Money::new(5_000, "GBP"), "USD", day("2027-03-04"));
        assert_eq!(gbp.converted, None);
        assert_eq!(gbp.missing.as_deref(), Some("GBP→USD rate on or before 2027-03-04"));
        let total = Total::of("USD", [&eur, &usd, &gbp]);
        assert_eq!(total.minor, None);
        assert_eq!(total.label, "— (missing: GBP→USD rate on or before 2027-03-04)");
        // An amount before the first rate is a gap too.
        let early = convert_on(&rates, &Money::new(1, "EUR"), "USD", day("2027-03-02"));
        assert!(early.converted.is_none());
    }
}
