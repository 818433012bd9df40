//! The limits on what people write and count, in one place so every form, API call and import agrees.
//!
//! Text is measured in characters (what a person sees), not bytes. Counts and amounts are bounded to what a
//! real campaign can produce, far below where a sum of them could overflow: a rollup adds up at most a few
//! million figures, and a million times the largest figure still fits in an `i64` (9.2 × 10^18).
use crate::content::group_digits as group;
use crate::error::AppError;

/// Names and titles: people, organizations, campaigns, creators, deliverables, tiers, pillars, tokens.
pub const NAME: usize = 200;
/// A social handle (without "@").
pub const HANDLE: usize = 100;
/// An email address (RFC 5321's limit on a path).
pub const EMAIL: usize = 254;
/// A password (Argon2 hashes whatever it is given: a megabyte password would cost a megabyte of hashing).
pub const PASSWORD: usize = 1_000;
/// Short labels: a figure's source, a client key, rates, a next action.
pub const SHORT: usize = 200;
/// Notes, comments, feedback, captions, expectations, audience notes.
pub const NOTE: usize = 5_000;
/// Briefs and the free text of a charter section (each text, and all of one section together).
pub const BRIEF: usize = 20_000;
/// Items of one list in a charter section (tiers, pillars, criteria, targets, thresholds…).
pub const LIST_ITEMS: usize = 100;
/// A web address.
pub const URL: usize = 2_000;
/// One cell of an imported CSV file.
pub const CSV_CELL: usize = 2_000;

/// A count of one post on one day (impressions, reach, views, likes, …): 10^11, a hundred billion.
pub const COUNT_PER_DAY: i64 = 100_000_000_000;
/// An amount of money in cents (a day's revenue, a fee, a budget): 10^13 cents, a hundred billion in currency units.
pub const CENTS: i64 = 10_000_000_000_000;
/// Followers of one account, and a creator's averages per post: 10^10, ten billion (more than people on earth).
pub const FOLLOWERS: i64 = 10_000_000_000;

/// Refuses a text longer than `max` characters, or holding a NUL character (no text people type has one, and
/// PostgreSQL cannot store it), naming the field.
pub fn check_len(field: &str, value: &str, max: usize) -> Result<(), AppError> {
    if value.contains('\0') {
        // 400 like the request check that stops it at the door (server/src/requests.rs).
        return Err(AppError {
            field: Some(field.to_string()),
            ..AppError::new(
                crate::error::ErrorCode::BadRequest,
                "The text holds a NUL character: paste it as plain text",
            )
        });
    }
    // Every character takes at least one byte: most texts are decided without counting.
    if value.len() > max && value.chars().count() > max {
        return Err(AppError::validation(field, too_long(value, max)));
    }
    Ok(())
}

/// The message for a text over its limit: "… is 9,000,000 characters long; keep it under 20,000".
pub fn too_long(value: &str, max: usize) -> String {
    format!(
        "This is {} characters long; at most {} are allowed",
        group(value.chars().count() as i64),
        group(max as i64)
    )
}

/// Refuses a number below zero or above `max`, naming the field.
pub fn check_range(field: &str, value: i64, max: i64) -> Result<(), AppError> {
    range_message(field, value, max).map_or(Ok(()), |m| Err(AppError::validation(field, m)))
}

/// Why a number is out of 0..=max, if it is, as a sentence about `what` (for messages that name a row and column
/// instead of a field): "likes cannot be negative (-3)".
pub fn range_message(what: &str, value: i64, max: i64) -> Option<String> {
    if value < 0 {
        Some(format!("{what} cannot be negative ({value})"))
    } else if value > max {
        Some(format!("{what} of {} is more than is plausible (at most {})", group(value), group(max)))
    } else {
        None
    }
}

/// What an uploaded file's NUL characters are kept as until it is applied: PostgreSQL cannot store a NUL in text.
/// A non-character, so no real file has it, and [`csv_cell_problem`] refuses it exactly as a NUL (the preview and
/// the import read the same problems).
pub const NUL_STAND_IN: char = '\u{10FFFF}';

/// A file's text as it can be stored (NUL characters as [`NUL_STAND_IN`]).
pub fn storable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        text.replace('\0', &NUL_STAND_IN.to_string()).into()
    } else {
        text.into()
    }
}

/// Why a CSV cell cannot be read at all, if so: too long, or holding a NUL character.
pub fn csv_cell_problem(value: &str) -> Option<String> {
    if value.contains(['\0', NUL_STAND_IN]) {
        return Some("The cell holds a NUL character: the file is not plain text".into());
    }
    if value.len() > CSV_CELL && value.chars().count() > CSV_CELL {
        return Some(format!(
            "The cell is {} characters long; at most {} are read",
            group(value.chars().count() as i64),
            group(CSV_CELL as i64)
        ));
    }
    None
}

/// Adds without overflowing: the result stops at `i64::MAX` (or `MIN`), it never wraps or panics.
pub fn sat_sum(values: impl IntoIterator<Item = i64>) -> i64 {
    values.into_iter().fold(0i64, i64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_measured_in_characters() {
        assert!(check_len("name", &"é".repeat(NAME), NAME).is_ok(), "400 bytes but 200 characters");
        let e = check_len("name", &"a".repeat(NAME + 1), NAME).unwrap_err();
        assert_eq!((e.field.as_deref(), e.code.status()), (Some("name"), 422));
        assert!(e.message.contains("201 characters") && e.message.contains("at most 200"), "{}", e.message);
    }

    #[test]
    fn numbers_are_bounded_both_ways() {
        assert!(check_range("likes", 0, COUNT_PER_DAY).is_ok());
        assert!(check_range("likes", COUNT_PER_DAY, COUNT_PER_DAY).is_ok());
        assert_eq!(check_range("likes", -1, COUNT_PER_DAY).unwrap_err().field.as_deref(), Some("likes"));
        let e = check_range("likes", i64::MAX, COUNT_PER_DAY).unwrap_err();
        assert!(e.message.contains("100,000,000,000"), "{}", e.message);
        // A million of the largest figures still adds up without overflow.
        assert!(COUNT_PER_DAY.checked_mul(1_000_000).is_some() && CENTS.checked_mul(100_000).is_some());
    }

    #[test]
    fn csv_cells_and_sums() {
        assert_eq!(csv_cell_problem("fine"), None);
        assert!(csv_cell_problem("a\0b").unwrap().contains("NUL"));
        assert_eq!(csv_cell_problem(&storable("a\0b")), csv_cell_problem("a\0b"), "stored, a NUL is still refused");
        assert_eq!(storable("plain"), "plain");
        assert_eq!(check_len("name", "a\0b", NAME).unwrap_err().field.as_deref(), Some("name"));
        assert!(csv_cell_problem(&"x".repeat(CSV_CELL + 1)).unwrap().contains("2,001"));
        assert_eq!(sat_sum([i64::MAX, 1, 5]), i64::MAX);
        assert_eq!(sat_sum([1, 2, 3]), 6);
    }
}
