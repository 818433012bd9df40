//! Idempotency keys: a retried mutation with the same key returns the first answer instead of applying twice.
use crate::accounts::ssr::sha256_hex;
use crate::db::{now_ms, WriteTx};
use crate::error::{AppError, ErrorCode, Result};

/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 200;

pub fn request_hash<T: serde::Serialize>(op: &str, request: &T) -> String {
    sha256_hex(&format!("{op}:{}", serde_json::to_string(request).unwrap_or_default()))
}

/// Claims `key` inside the write transaction. `Some(answer)` means the request was already applied:
/// return that answer and apply nothing (dropping the transaction rolls it back).
pub async fn claim(w: &mut WriteTx, scope: &str, key: Option<&str>, hash: &str) -> Result<Option<String>> {
    let Some(key) = key else { return Ok(None) };
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(AppError::validation("Idempotency-Key", format!("Use a key of 1 to {MAX_KEY_LEN} characters")));
    }
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (scope, key) DO NOTHING",
    )
    .bind(scope)
    .bind(key)
    .bind(hash)
    .bind(now_ms())
    .execute(w.conn())
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(None);
    }
    let (stored_hash, response): (String, Option<String>) =
        sqlx::query_as("SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2")
            .bind(scope)
            .bind(key)
            .fetch_one(w.conn())
            .await?;
    if stored_hash != hash {
        return Err(AppError {
            field: Some("Idempotency-Key".into()),
            ..AppError::new(
                ErrorCode::IdempotencyKeyReused,
                "This idempotency key was already used for a different request; use a new key",
            )
        });
    }
    Ok(Some(response.unwrap_or_else(|| "null".into())))
}

/// Records the answer to return for later retries with the same key.
pub async fn store<T: serde::Serialize>(w: &mut WriteTx, scope: &str, key: Option<&str>, answer: &T) -> Result<()> {
    let Some(key) = key else { return Ok(()) };
    sqlx::query("UPDATE idempotency_keys SET response = $1 WHERE scope = $2 AND key = $3")
        .bind(serde_json::to_string(answer).unwrap_or_default())
        .bind(scope)
        .bind(key)
        .execute(w.conn())
        .await?;
    Ok(())
}

pub fn replay<T: serde::de::DeserializeOwned>(answer: &str) -> Result<T> {
    serde_json::from_str(answer).map_err(|e| {
        tracing::error!(error = %e, "stored idempotent answer no longer parses");
        AppError::internal()
    })
}
