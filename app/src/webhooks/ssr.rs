//! Webhooks in the database: a partner organization's webhooks on a campaign, the durable delivery queue (filled in
//! the transaction that appends each event, claimed with a lease by whichever process delivers it), and the log.
use sqlx::Row;

use super::{delivery_id, CreatedWebhook, Delivery, Webhook, WebhooksView, FORMATS, MAX_PER_ORG, TEST_KIND};
use crate::accounts::ssr::Principal;
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::{AppError, Result};
use crate::realtime::Change;

/// Queues the event for every active webhook of its campaign that wants its kind. Called by
/// `realtime::log::append`, in the transaction that appends the event: the delivery exists exactly when the event
/// does, and nothing is sent before it commits.
pub async fn enqueue_event(w: &mut WriteTx, campaign_id: i64, seq: i64, body: &str, now: i64) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Kind<'a> {
        #[serde(borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    let Ok(Kind { kind }) = serde_json::from_str::<Kind>(body) else { return Ok(()) };
    sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, campaign_id, seq, kind, payload, next_attempt_at, created_at) \
         SELECT id, campaign_id, $2, $3, $4, $5, $5 FROM webhooks \
         WHERE campaign_id = $1 AND active = 1 AND (kinds = '*' OR kinds LIKE $6)",
    )
    .bind(campaign_id)
    .bind(seq)
    .bind(kind.as_ref())
    .bind(body)
    .bind(now)
    .bind(format!("%,{kind},%"))
    .execute(w.conn())
    .await?;
    Ok(())
}

fn parse_kinds(stored: &str) -> Vec<String> {
    if stored == "*" {
        return Vec::new();
    }
    stored.split(',').filter(|k| !k.is_empty()).map(str::to_string).collect()
}

/// Every kind a webhook may ask for.
pub fn all_kinds() -> Vec<String> {
    Change::KINDS.iter().map(|k| k.to_string()).collect()
}

/// The kinds and format asked for, checked (422 naming `kinds` or `format`), as stored.
pub fn check_choice(kinds: &[String], format: Option<&str>) -> Result<(String, String)> {
    let format = format.map(str::trim).filter(|f| !f.is_empty()).unwrap_or("chorus");
    if !FORMATS.contains(&format) {
        return Err(AppError::validation("format", "The format is `chorus` or `slack`"));
    }
    if kinds.len() > Change::KINDS.len() {
        return Err(AppError::validation("kinds", "Too many event kinds"));
    }
    let mut chosen: Vec<&str> = Vec::new();
    for k in kinds {
        let k = k.trim();
        match Change::KINDS.iter().find(|known| **known == k) {
            Some(known) if !chosen.contains(known) => chosen.push(known),
            Some(_) => {}
            None => {
                let shown: String = k.chars().take(60).collect();
                return Err(AppError::validation("kinds", format!("\"{shown}\" is not an event kind")));
            }
        }
    }
    let stored = if chosen.is_empty() { "*".to_string() } else { format!(",{},", chosen.join(",")) };
    Ok((stored, format.to_string()))
}

const WEBHOOK_COLUMNS: &str =
    "w.id, w.campaign_id, w.org_id, w.url, w.kinds, w.format, w.created_at, u.name AS created_by";

fn webhook(r: &sqlx::any::AnyRow) -> Webhook {
    Webhook {
        id: r.get("id"),
        campaign_id: r.get("campaign_id"),
        org_id: r.get("org_id"),
        url: r.get("url"),
        kinds: parse_kinds(&r.get::<String, _>("kinds")),
        format: r.get("format"),
        created_at: from_ms(r.get("created_at")),
        created_by: r.get("created_by"),
    }
}

/// Creates a webhook for the caller's organization on the campaign. `url` was checked by the caller (the server
/// resolves it and refuses private addresses); `revealed` says the secret is handed over in this answer (the API)
/// rather than on the page the form leads to.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn create(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    url: &str,
    kinds: &[String],
    format: Option<&str>,
    revealed: bool,
) -> Result<CreatedWebhook> {
    let org = crate::campaigns::ssr::authorize(db, who, campaign_id).await?;
    crate::limits::check_len("url", url, crate::limits::URL)?;
    let (kinds, format) = check_choice(kinds, format)?;
    let secret = format!("whsec_{}", crate::accounts::ssr::random_token(32));
    let mut w = db.write_campaign(campaign_id).await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhooks WHERE campaign_id = $1 AND org_id = $2")
        .bind(campaign_id)
        .bind(org.id)
        .fetch_one(w.conn())
        .await?;
    if count >= MAX_PER_ORG {
        return Err(AppError::validation(
            "url",
            format!("Your organization has {MAX_PER_ORG} webhooks on this campaign already; delete one first"),
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (campaign_id, org_id, created_by, url, kinds, format, secret, secret_revealed, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9) RETURNING id",
    )
    .bind(campaign_id)
    .bind(org.id)
    .bind(who.me.user_id)
    .bind(url)
    .bind(&kinds)
    .bind(&format)
    .bind(&secret)
    .bind(revealed as i64)
    .bind(now_ms())
    .fetch_one(w.conn())
    .await?;
    w.commit().await?;
    tracing::info!(webhook = id, "webhook created");
    Ok(CreatedWebhook { webhook: get(db, org.id, campaign_id, id).await?, secret })
}

async fn get(db: &Db, org_id: i64, campaign_id: i64, id: i64) -> Result<Webhook> {
    let row = sqlx::query(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks w LEFT JOIN users u ON u.id = w.created_by \
         WHERE w.id = $1 AND w.campaign_id = $2 AND w.org_id = $3"
    ))
    .bind(id)
    .bind(campaign_id)
    .bind(org_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::not_found("Webhook"))?;
    Ok(webhook(&row))
}

/// The caller's organization's webhooks on the campaign (other partners' are theirs to see).
pub async fn list(db: &Db, who: &Principal, campaign_id: i64) -> Result<Vec<Webhook>> {
    let org = crate::campaigns::ssr::authorize(db, who, campaign_id).await?;
    let rows = sqlx::query(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks w LEFT JOIN users u ON u.id = w.created_by \
         WHERE w.campaign_id = $1 AND w.org_id = $2 ORDER BY w.id"
    ))
    .bind(campaign_id)
    .bind(org.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(webhook).collect())
}

/// Deletes one of the caller's organization's webhooks (and its deliveries, sent or not).
pub async fn delete(db: &Db, who: &Principal, campaign_id: i64, webhook_id: i64) -> Result<()> {
    let org = crate::campaigns::ssr::authorize(db, who, campaign_id).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND campaign_id = $2 AND webhook_id IN (SELECT id FROM webhooks WHERE org_id = $3)")
        .bind(webhook_id)
        .bind(campaign_id)
        .bind(org.id)
        .execute(w.conn())
        .await?;
    let n = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND campaign_id = $2 AND org_id = $3")
        .bind(webhook_id)
        .bind(campaign_id)
        .bind(org.id)
        .execute(w.conn())
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::not_found("Webhook"));
    }
    w.commit().await?;
    tracing::info!(webhook = webhook_id, "webhook deleted");
    Ok(())
}

/// Queues a test delivery (`ping`) to one of the caller's organization's webhooks.
pub async fn send_test(db: &Db, who: &Principal, campaign_id: i64, webhook_id: i64) -> Result<Delivery> {
    let org = crate::campaigns::ssr::authorize(db, who, campaign_id).await?;
    get(db, org.id, campaign_id, webhook_id).await?;
    let payload = serde_json::json!({
        "message": format!("A test delivery from Chorus, sent by {} ({})", who.me.name, org.name),
    })
    .to_string();
    let now = now_ms();
    let mut w = db.write_campaign(campaign_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (webhook_id, campaign_id, seq, kind, payload, next_attempt_at, created_at) \
         VALUES ($1, $2, NULL, $3, $4, $5, $5) RETURNING id",
    )
    .bind(webhook_id)
    .bind(campaign_id)
    .bind(TEST_KIND)
    .bind(&payload)
    .bind(now)
    .fetch_one(w.conn())
    .await?;
    w.commit().await?;
    deliveries_where(db, "d.id = $1", id, 1).await?.pop().ok_or_else(AppError::internal)
}

const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, d.kind, d.state, d.attempts, d.last_status, d.last_error, \
     d.created_at, d.next_attempt_at, d.delivered_at";

fn delivery(r: &sqlx::any::AnyRow) -> Delivery {
    let state: String = r.get("state");
    Delivery {
        id: delivery_id(r.get("id")),
        webhook_id: r.get("webhook_id"),
        kind: r.get("kind"),
        attempts: r.get("attempts"),
        last_status: r.get("last_status"),
        last_error: r.get("last_error"),
        created_at: from_ms(r.get("created_at")),
        next_attempt_at: (state == "pending").then(|| from_ms(r.get("next_attempt_at"))),
        delivered_at: r.get::<Option<i64>, _>("delivered_at").map(from_ms),
        state,
    }
}

async fn deliveries_where(db: &Db, filter: &str, value: i64, limit: i64) -> Result<Vec<Delivery>> {
    let rows = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE {filter} ORDER BY d.id DESC LIMIT $2"
    ))
    .bind(value)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(delivery).collect())
}

/// The delivery log of one of the caller's organization's webhooks, newest first.
pub async fn deliveries(db: &Db, who: &Principal, campaign_id: i64, webhook_id: i64) -> Result<Vec<Delivery>> {
    let org = crate::campaigns::ssr::authorize(db, who, campaign_id).await?;
    get(db, org.id, campaign_id, webhook_id).await?;
    deliveries_where(db, "d.webhook_id = $1", webhook_id, 100).await
}

/// The webhooks page: the organization's webhooks on the campaign, their latest deliveries, and the secret of the
/// webhook the viewer just created through the form (shown once: the next view no longer has it).
pub async fn view(db: &Db, who: &Principal, campaign_id: i64, created: Option<i64>) -> Result<WebhooksView> {
    let org = crate::campaigns::ssr::authorize(db, who, campaign_id).await?;
    let webhooks = list(db, who, campaign_id).await?;
    let rows = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
         WHERE d.campaign_id = $1 AND w.org_id = $2 ORDER BY d.id DESC LIMIT 50"
    ))
    .bind(campaign_id)
    .bind(org.id)
    .fetch_all(&db.pool)
    .await?;
    let mut revealed = None;
    if let Some(id) = created {
        let mut w = db.write_campaign(campaign_id).await?;
        let secret: Option<String> = sqlx::query_scalar(
            "UPDATE webhooks SET secret_revealed = 1 WHERE id = $1 AND campaign_id = $2 AND org_id = $3 \
             AND created_by = $4 AND secret_revealed = 0 RETURNING secret",
        )
        .bind(id)
        .bind(campaign_id)
        .bind(org.id)
        .bind(who.me.user_id)
        .fetch_optional(w.conn())
        .await?;
        w.commit().await?;
        if let (Some(secret), Some(webhook)) = (secret, webhooks.iter().find(|h| h.id == id)) {
            revealed = Some(CreatedWebhook { webhook: webhook.clone(), secret });
        }
    }
    let mut conn = db.pool.acquire().await?;
    let (campaign_name, time_zone) = crate::content::ssr::campaign_zone(&mut conn, campaign_id).await?;
    Ok(WebhooksView {
        campaign_id,
        campaign_name,
        org_name: org.name,
        time_zone,
        webhooks,
        deliveries: rows.iter().map(delivery).collect(),
        kinds: all_kinds(),
        revealed,
    })
}

/// A delivery claimed for sending, with what its webhook needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub row_id: i64,
    pub campaign_id: i64,
    pub kind: String,
    pub payload: String,
    pub created_at: i64,
    pub attempts: i64,
    pub url: String,
    pub secret: String,
    pub format: String,
    /// The lease this process holds (its end, in ms): the outcome is written only while it is ours.
    pub lease_until: i64,
}

/// Claims up to `limit` deliveries that are due and not leased by another process, for `lease_ms`. A delivery
/// leased by a process that died is claimed again once its lease ends; two processes never hold the same one.
pub async fn claim(db: &Db, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<Claimed>> {
    let lease_until = now + lease_ms;
    // A read first: most of the time nothing is due, and no write transaction (on SQLite, the one writer) is taken.
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $1 \
         AND (lease_until IS NULL OR lease_until <= $1) LIMIT 1",
    )
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    let mut w = db.write().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE webhook_deliveries SET lease_until = $1 \
         WHERE id IN (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $2 \
                      AND (lease_until IS NULL OR lease_until <= $2) ORDER BY next_attempt_at, id LIMIT $3) \
         AND state = 'pending' AND (lease_until IS NULL OR lease_until <= $2) RETURNING id",
    )
    .bind(lease_until)
    .bind(now)
    .bind(limit)
    .fetch_all(w.conn())
    .await?;
    w.commit().await?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        let row = sqlx::query(
            "SELECT d.id, d.campaign_id, d.kind, d.payload, d.created_at, d.attempts, w.url, w.secret, w.format \
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
        if let Some(r) = row {
            claimed.push(Claimed {
                row_id: r.get("id"),
                campaign_id: r.get("campaign_id"),
                kind: r.get("kind"),
                payload: r.get("payload"),
                created_at: r.get("created_at"),
                attempts: r.get("attempts"),
                url: r.get("url"),
                secret: r.get("secret"),
                format: r.get("format"),
                lease_until,
            });
        }
    }
    Ok(claimed)
}

/// Records an attempt: delivered (`Ok(status)`), or failed and retried after `retry_in_ms` (given up once that
/// would pass a day after the delivery was queued). Written only while this process holds the lease.
pub async fn finish(
    db: &Db,
    c: &Claimed,
    outcome: std::result::Result<u16, (Option<u16>, String)>,
    retry_in_ms: i64,
) -> Result<()> {
    let now = now_ms();
    let query = match &outcome {
        Ok(status) => sqlx::query(
            "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, last_status = $1, \
             last_error = NULL, delivered_at = $2, lease_until = NULL WHERE id = $3 AND lease_until = $4",
        )
        .bind(*status as i64)
        .bind(now)
        .bind(c.row_id)
        .bind(c.lease_until),
        Err((status, error)) => {
            let next = now + retry_in_ms;
            let state = if next > c.created_at + super::RETRY_WINDOW_MS { "failed" } else { "pending" };
            let error: String = error.chars().take(500).collect();
            sqlx::query(
                "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, last_status = $2, last_error = $3, \
                 next_attempt_at = $4, lease_until = NULL WHERE id = $5 AND lease_until = $6",
            )
            .bind(state)
            .bind(status.map(|s| s as i64))
            .bind(error)
            .bind(next)
            .bind(c.row_id)
            .bind(c.lease_until)
        }
    };
    db.execute(query).await?;
    Ok(())
}

/// Removes from the delivery log what was done (delivered or given up) and queued before `now - retention_ms`,
/// at most once per `every_ms` across every process: the process whose conditional update moves the shared turn
/// (`housekeeping`) forward prunes, in the same transaction; the others find the turn taken and skip it.
/// Returns how many deliveries were removed, or `None` when it was not this process's turn.
pub async fn prune_deliveries(db: &Db, now: i64, every_ms: i64, retention_ms: i64) -> Result<Option<u64>> {
    let mut w = db.write().await?;
    let turn = sqlx::query(
        "UPDATE housekeeping SET next_run_at = $1, last_run_at = $2, runs = runs + 1 \
         WHERE task = 'prune_webhook_deliveries' AND next_run_at <= $2",
    )
    .bind(now + every_ms)
    .bind(now)
    .execute(w.conn())
    .await?
    .rows_affected();
    if turn == 0 {
        return Ok(None);
    }
    let removed =
        sqlx::query("DELETE FROM webhook_deliveries WHERE state IN ('delivered', 'failed') AND created_at < $1")
            .bind(now - retention_ms)
            .execute(w.conn())
            .await?
            .rows_affected();
    w.commit().await?;
    Ok(Some(removed))
}
