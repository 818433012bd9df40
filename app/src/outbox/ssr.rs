//! Server side of the outbox: queueing a mail, the campaign's mail, and what the SMTP sender needs.
use sqlx::Row;

use super::OutboxMail;
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::Result;

#[tracing::instrument(skip_all, fields(campaign = ?campaign_id))]
pub async fn enqueue_mail(
    w: &mut WriteTx,
    campaign_id: Option<i64>,
    to: &str,
    name: &str,
    subject: &str,
    body: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (campaign_id, to_email, to_name, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(campaign_id)
    .bind(to)
    .bind(name)
    .bind(subject)
    .bind(body)
    .bind(now_ms())
    .execute(w.conn())
    .await?;
    tracing::info!(to, subject, body, "mail queued");
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
            body: r.get("body"),
            created_at: from_ms(r.get("created_at")),
            sent_at: r.get::<Option<i64>, _>("sent_at").map(from_ms),
            last_error: r.get("last_error"),
        })
        .collect())
}

/// A mail waiting for the SMTP sender.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnsentMail {
    pub id: i64,
    pub to_email: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
}

/// Mail not sent yet (oldest first), for the SMTP sender.
pub async fn unsent_mail(db: &Db, limit: i64) -> Result<Vec<UnsentMail>> {
    Ok(sqlx::query_as(
        "SELECT id, to_email, to_name, subject, body FROM outbox WHERE sent_at IS NULL AND attempts < 5 ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Claims up to `limit` unsent mails (oldest first) for `lease`: no other process takes them meanwhile, so with
/// several processes each mail is sent once; a process that dies mid-send leaves its claim to run out, and the
/// mail to whichever process claims it next.
pub async fn claim_mail(db: &Db, limit: i64, lease: std::time::Duration) -> Result<Vec<UnsentMail>> {
    let now = now_ms();
    let mut w = db.write().await?;
    // The conditions are repeated outside the subquery: on PostgreSQL a process that waited for another's claim
    // re-checks them on the row as the other left it, and skips it.
    let mut claimed: Vec<UnsentMail> = sqlx::query_as(
        "UPDATE outbox SET claimed_until = $1 \
         WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND attempts < 5 \
                        AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT $3) \
           AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $2) \
         RETURNING id, to_email, to_name, subject, body",
    )
    .bind(now + lease.as_millis() as i64)
    .bind(now)
    .bind(limit)
    .fetch_all(w.conn())
    .await?;
    w.commit().await?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

pub async fn mark_mail(db: &Db, id: i64, error: Option<&str>) -> Result<()> {
    db.execute(match error {
        None => sqlx::query("UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
            .bind(now_ms())
            .bind(id),
        Some(e) => sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, claimed_until = NULL WHERE id = $2",
        )
        .bind(e.to_string())
        .bind(id),
    })
    .await?;
    Ok(())
}
