//! The per-campaign event log: appended in the same transaction as the change it records.
use super::{Actor, Change, Event};
use crate::db::{Backend, WriteTx};
use crate::error::Result;

/// The PostgreSQL channel that tells every `chorus` process a campaign has a new event.
pub const NOTIFY_CHANNEL: &str = "chorus_events";

/// Appends an event with the campaign's next sequence number. Bumping `campaigns.last_seq` takes the
/// campaign's row lock, so sequence numbers are gap-free and in commit order on both backends.
pub async fn append(w: &mut WriteTx, campaign_id: i64, actor: &Actor, change: Change) -> Result<Event> {
    let seq: i64 = sqlx::query_scalar("UPDATE campaigns SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq")
        .bind(campaign_id)
        .fetch_one(w.conn())
        .await?;
    // The event's time to the microsecond (the JSON body keeps it; the column keeps milliseconds).
    let at = chrono::Utc::now();
    let now = at.timestamp_millis();
    let event = Event {
        campaign_id,
        seq,
        at: chrono::DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at),
        actor: actor.clone(),
        change,
    };
    let body = serde_json::to_string(&event).expect("events serialize");
    sqlx::query("INSERT INTO events (campaign_id, seq, actor_user_id, body, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(campaign_id)
        .bind(seq)
        .bind(actor.user_id)
        .bind(&body)
        .bind(now)
        .execute(w.conn())
        .await?;
    // Webhooks that want this kind get a delivery, queued in this transaction (sent once it commits).
    crate::webhooks::ssr::enqueue_event(w, campaign_id, seq, &body, now).await?;
    let retention = w.db.event_retention;
    if seq % 100 == 0 && seq > retention {
        sqlx::query("DELETE FROM events WHERE campaign_id = $1 AND seq <= $2")
            .bind(campaign_id)
            .bind(seq - retention)
            .execute(w.conn())
            .await?;
    }
    if w.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(NOTIFY_CHANNEL)
            .bind(format!("{campaign_id}:{seq}"))
            .execute(w.conn())
            .await?;
    }
    w.events.push((event.clone(), body));
    Ok(event)
}

/// The campaign's current head: the sequence number of its last event.
pub async fn head(pool: &sqlx::AnyPool, campaign_id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT last_seq FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_optional(pool)
        .await?)
}

/// Events after `after`, oldest first, at most `limit`; each as its stored JSON.
pub async fn after(pool: &sqlx::AnyPool, campaign_id: i64, after: i64, limit: i64) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as::<_, (i64, String)>(
        "SELECT seq, body FROM events WHERE campaign_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(campaign_id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Parsed events, for the API's activity trail.
pub async fn events_after(pool: &sqlx::AnyPool, campaign_id: i64, after_seq: i64, limit: i64) -> Result<Vec<Event>> {
    Ok(after(pool, campaign_id, after_seq, limit)
        .await?
        .into_iter()
        .filter_map(|(_, body)| serde_json::from_str(&body).ok())
        .collect())
}

/// The most recent events, newest first.
pub async fn recent(pool: &sqlx::AnyPool, campaign_id: i64, limit: i64) -> Result<Vec<Event>> {
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM events WHERE campaign_id = $1 ORDER BY seq DESC LIMIT $2")
            .bind(campaign_id)
            .bind(limit)
            .fetch_all(pool)
            .await?;
    Ok(bodies.into_iter().filter_map(|body| serde_json::from_str(&body).ok()).collect())
}
