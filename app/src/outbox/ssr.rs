//! Server side of the outbox: queueing a mail, the campaign's mail, and what the SMTP sender needs.
use sqlx::Row;

use super::OutboxMail;
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::Result;

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
            id: r.get(0),
            to: format!("{} <{}>", r.get::<String, _>(1), r.get::<String, _>(2)),
            subject: r.get(3),
            body: r.get(4),
            created_at: from_ms(r.get(5)),
            sent_at: r.get::<Option<i64>, _>(6).map(from_ms),
            last_error: r.get(7),
        })
        .collect())
}

/// Mail not sent yet (oldest first), for the SMTP sender: (id, to, name, subject, body).
pub async fn unsent_mail(db: &Db, limit: i64) -> Result<Vec<(i64, String, String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, to_email, to_name, subject, body FROM outbox WHERE sent_at IS NULL AND attempts < 5 ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn mark_mail(db: &Db, id: i64, error: Option<&str>) -> Result<()> {
    db.execute(match error {
        None => sqlx::query("UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
            .bind(now_ms())
            .bind(id),
        Some(e) => sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2")
            .bind(e.to_string())
            .bind(id),
    })
    .await?;
    Ok(())
}
