//! Server side of the outbox: a durable queue of mail in the database.
//!
//! A mail is queued in the transaction that causes it (so it exists exactly when what it tells of does), then sent
//! by whichever process claims it first: a claim is a lease (`lease_until`), taken by one conditional update, so
//! two processes never send the same mail while the lease holds, and a process that dies mid-send leaves a lease
//! that runs out and another process (or the same after a restart) takes the mail over. A failed attempt is
//! retried with back-off; a refusal the server calls permanent, or the last attempt, gives the mail up.
use sqlx::Row;

use super::OutboxMail;
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::Result;

/// How many times a mail is tried before it is given up (back-off 30 s, 2 min, 8 min, 32 min, 2 h, then 6 h: about
/// 15 hours in all).
pub const MAX_ATTEMPTS: i64 = 8;

/// What links in a queued mail start with; the sender puts the public address in its place.
pub const BASE: &str = "{{base}}";

/// A mail to queue.
#[derive(Debug, Clone, Default)]
pub struct NewMail {
    pub campaign_id: Option<i64>,
    pub to_email: String,
    pub to_name: String,
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part (none: the text alone).
    pub html: Option<String>,
    /// The one-click unsubscribe link (`{{base}}/unsubscribe/…`), for `List-Unsubscribe`.
    pub unsubscribe: Option<String>,
    /// Whom it is for, and of what kind of notification (none: an account mail, e.g. a password reset).
    pub user_id: Option<i64>,
    pub kind: Option<String>,
    /// Not sent before this (ms; 0: at once), e.g. the end of the person's quiet hours.
    pub not_before: i64,
}

/// Queues a plain mail (kept for callers that have only a text).
#[tracing::instrument(skip_all, fields(campaign = ?campaign_id))]
pub async fn enqueue_mail(
    w: &mut WriteTx,
    campaign_id: Option<i64>,
    to: &str,
    name: &str,
    subject: &str,
    body: &str,
) -> Result<()> {
    let html = crate::notify::email::html_page(name, &[body.to_string()], None, None);
    enqueue(
        w,
        NewMail {
            campaign_id,
            to_email: to.into(),
            to_name: name.into(),
            subject: subject.into(),
            text: body.into(),
            html: Some(html),
            ..NewMail::default()
        },
    )
    .await
}

/// Queues a mail in the caller's transaction.
#[tracing::instrument(skip_all, fields(campaign = ?m.campaign_id))]
pub async fn enqueue(w: &mut WriteTx, m: NewMail) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (campaign_id, to_email, to_name, subject, body, created_at, html, unsubscribe, message_id, \
         user_id, kind, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(m.campaign_id)
    .bind(&m.to_email)
    .bind(&m.to_name)
    .bind(&m.subject)
    .bind(&m.text)
    .bind(now_ms())
    .bind(&m.html)
    .bind(&m.unsubscribe)
    .bind(crate::accounts::ssr::random_token(16))
    .bind(m.user_id)
    .bind(&m.kind)
    .bind(m.not_before)
    .execute(w.conn())
    .await?;
    tracing::info!(to = m.to_email, subject = m.subject, "mail queued");
    Ok(())
}

/// The campaign's mail, newest first.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn outbox(db: &Db, campaign_id: i64) -> Result<Vec<OutboxMail>> {
    let rows = sqlx::query(
        "SELECT id, to_name, to_email, subject, body, created_at, sent_at, last_error FROM outbox WHERE campaign_id = $1 ORDER BY id DESC LIMIT 100",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| OutboxMail {
            id: r.get("id"),
            to: format!("{} <{}>", r.get::<String, _>("to_name"), r.get::<String, _>("to_email")),
            subject: r.get("subject"),
            body: r.get::<String, _>("body").replace(BASE, ""),
            created_at: from_ms(r.get("created_at")),
            sent_at: r.get::<Option<i64>, _>("sent_at").map(from_ms),
            last_error: r.get("last_error"),
        })
        .collect())
}

/// A mail this process has claimed and now sends.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedMail {
    pub id: i64,
    pub to_email: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    pub html: Option<String>,
    pub unsubscribe: Option<String>,
    /// The unique part of its `Message-ID` (the same on every attempt).
    pub message_id: Option<String>,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// Claims up to `limit` mails that are due, each with a lease of `lease_ms` for `owner`. A mail another process
/// holds (its lease not run out) is left alone; the claim is one conditional update per mail, so of two processes
/// claiming the same mail one gets it.
pub async fn claim_due(db: &Db, owner: &str, lease_ms: i64, limit: i64) -> Result<Vec<ClaimedMail>> {
    let now = now_ms();
    let candidates: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
         AND (lease_until IS NULL OR lease_until < $1) ORDER BY id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let mut claimed = Vec::new();
    for id in candidates {
        let taken = db
            .execute(
                sqlx::query(
                    "UPDATE outbox SET lease_until = $1, lease_owner = $2, attempts = attempts + 1 \
                     WHERE id = $3 AND sent_at IS NULL AND failed_at IS NULL AND (lease_until IS NULL OR lease_until < $4)",
                )
                .bind(now + lease_ms)
                .bind(owner)
                .bind(id)
                .bind(now),
            )
            .await?;
        if taken == 1 {
            let mail: ClaimedMail = sqlx::query_as(
                "SELECT id, to_email, to_name, subject, body, html, unsubscribe, message_id, attempts FROM outbox WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&db.pool)
            .await?;
            claimed.push(mail);
        }
    }
    Ok(claimed)
}

/// The wait before attempt `attempts + 1`.
pub fn backoff_ms(attempts: i64) -> i64 {
    let step = 30_000i64.saturating_mul(4i64.saturating_pow(attempts.clamp(1, 8) as u32 - 1));
    step.min(6 * 3_600_000)
}

/// Records a sent mail (only while this process holds its lease).
pub async fn mark_sent(db: &Db, id: i64, owner: &str) -> Result<()> {
    db.execute(
        sqlx::query(
            "UPDATE outbox SET sent_at = $1, lease_until = NULL, last_error = NULL WHERE id = $2 AND lease_owner = $3",
        )
        .bind(now_ms())
        .bind(id)
        .bind(owner),
    )
    .await?;
    Ok(())
}

/// Records a failed attempt: retried after the back-off, or given up (permanent refusal or last attempt).
pub async fn mark_failed(db: &Db, mail: &ClaimedMail, owner: &str, error: &str, permanent: bool) -> Result<()> {
    let now = now_ms();
    let give_up = permanent || mail.attempts >= MAX_ATTEMPTS;
    db.execute(
        sqlx::query(
            "UPDATE outbox SET lease_until = NULL, last_error = $1, next_attempt_at = $2, failed_at = $3 \
             WHERE id = $4 AND lease_owner = $5",
        )
        .bind(error.chars().take(1000).collect::<String>())
        .bind(now + backoff_ms(mail.attempts))
        .bind(give_up.then_some(now))
        .bind(mail.id)
        .bind(owner),
    )
    .await?;
    Ok(())
}

/// Mail still to send (for the operator's logs and the tests).
pub async fn waiting(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
        .fetch_one(&db.pool)
        .await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn back_off_grows_to_six_hours() {
        let waits: Vec<i64> = (1..=8).map(super::backoff_ms).collect();
        assert_eq!(waits[..5], [30_000, 120_000, 480_000, 1_920_000, 7_680_000]);
        assert_eq!(waits[5..], [21_600_000; 3]);
    }
}
