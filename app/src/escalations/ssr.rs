//! Server side of escalations: listing them, raising one per breach (with its mail), resolving, updating.
use sqlx::Row;

use super::{Escalation, UpdateEscalation};
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::authorize;
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::{AppError, Result};
use crate::limits::{self, check_len};
use crate::realtime::{log, Actor, Change};

const ESCALATION_COLUMNS: &str = "e.id, e.campaign_id, e.kind, e.title, e.detail, e.assignee_user_id, u.name AS assignee, e.status, e.note, \
     e.version, e.created_at, e.updated_at, e.breach_key FROM escalations e LEFT JOIN users u ON u.id = e.assignee_user_id";

fn escalation_from_row(r: &sqlx::any::AnyRow) -> Escalation {
    let key: String = r.get("breach_key");
    Escalation {
        id: r.get("id"),
        campaign_id: r.get("campaign_id"),
        kind: r.get("kind"),
        title: r.get("title"),
        detail: r.get("detail"),
        assignee_user_id: r.get("assignee_user_id"),
        assignee: r
            .get::<Option<String>, _>("assignee")
            .unwrap_or_else(|| "the accountable owner (not named yet)".into()),
        status: r.get("status"),
        note: r.get("note"),
        version: r.get("version"),
        created_at: from_ms(r.get("created_at")),
        updated_at: from_ms(r.get("updated_at")),
        deliverable_id: key.strip_prefix("deliverable:").and_then(|k| k.split(':').next()).and_then(|k| k.parse().ok()),
    }
}

/// A campaign's escalations, open ones first, newest first.
pub async fn for_campaign(db: &Db, campaign_id: i64) -> Result<Vec<Escalation>> {
    let rows = sqlx::query(&format!(
        "SELECT {ESCALATION_COLUMNS} WHERE e.campaign_id = $1 \
         ORDER BY CASE e.status WHEN 'resolved' THEN 1 ELSE 0 END, e.id DESC LIMIT 200"
    ))
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(escalation_from_row).collect())
}

#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn list_escalations(db: &Db, who: &Principal, campaign_id: i64) -> Result<Vec<Escalation>> {
    authorize(db, who, campaign_id).await?;
    for_campaign(db, campaign_id).await
}

async fn by_id(conn: &mut sqlx::AnyConnection, campaign_id: i64, id: i64) -> Result<Option<Escalation>> {
    let row = sqlx::query(&format!("SELECT {ESCALATION_COLUMNS} WHERE e.id = $1 AND e.campaign_id = $2"))
        .bind(id)
        .bind(campaign_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(escalation_from_row))
}

/// Raises an escalation once per breach (`breach_key` is unique per campaign and kind, whichever process sees
/// the breach first), with a live event and a mail to the assignee. Returns it when this call raised it.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn raise(
    w: &mut WriteTx,
    campaign_id: i64,
    kind: &str,
    breach_key: &str,
    title: &str,
    detail: &str,
    assignee: Option<i64>,
) -> Result<Option<Escalation>> {
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO escalations (campaign_id, kind, breach_key, title, detail, assignee_user_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (campaign_id, kind, breach_key) DO NOTHING",
    )
    .bind(campaign_id)
    .bind(kind)
    .bind(breach_key)
    .bind(title)
    .bind(detail)
    .bind(assignee)
    .bind(now)
    .execute(w.conn())
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(None);
    }
    let row = sqlx::query(&format!(
        "SELECT {ESCALATION_COLUMNS} WHERE e.campaign_id = $1 AND e.kind = $2 AND e.breach_key = $3"
    ))
    .bind(campaign_id)
    .bind(kind)
    .bind(breach_key)
    .fetch_one(w.conn())
    .await?;
    let escalation = escalation_from_row(&row);
    let system = Actor { user_id: 0, name: "Chorus".into(), org_id: None, org_name: None };
    log::append(w, campaign_id, &system, Change::EscalationRaised { escalation: escalation.clone() }).await?;
    if let Some(user) = assignee {
        let campaign: String = sqlx::query_scalar("SELECT name FROM campaigns WHERE id = $1")
            .bind(campaign_id)
            .fetch_one(w.conn())
            .await?;
        let page = match kind {
            "review_sla" => "content",
            crate::money::ssr::OVERDUE_KIND | crate::money::ssr::OVER_COMMITMENT => "payout ledger",
            k if k.starts_with("rights") => "rights ledger",
            _ => "performance",
        };
        crate::notify::ssr::notify(
            w,
            &crate::notify::ssr::Notice {
                kind: crate::notify::Kind::Escalation,
                campaign_id: Some(campaign_id),
                recipients: vec![user],
                actor: None,
                title: format!("Escalation: {title}"),
                body: format!("{detail}\n\nYou are named for this in the charter of \"{campaign}\". Open the campaign's {page} page to act on it."),
                href: escalation.href(),
                action: escalation.action().into(),
                dedupe_key: format!("escalation:{}", escalation.id),
            },
        )
        .await?;
    }
    Ok(Some(escalation))
}

/// Resolves the open escalation of one breach (the clock it was about has stopped), with a note. Returns it when
/// there was one.
pub(crate) async fn resolve_breach(
    w: &mut WriteTx,
    campaign_id: i64,
    kind: &str,
    breach_key: &str,
    note: &str,
    now: i64,
) -> Result<Option<Escalation>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM escalations WHERE campaign_id = $1 AND kind = $2 AND breach_key = $3 AND status <> 'resolved'",
    )
    .bind(campaign_id)
    .bind(kind)
    .bind(breach_key)
    .fetch_optional(w.conn())
    .await?;
    let Some(id) = id else { return Ok(None) };
    sqlx::query(
        "UPDATE escalations SET status = 'resolved', note = $1, version = version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(note)
    .bind(now)
    .bind(id)
    .execute(w.conn())
    .await?;
    by_id(w.conn(), campaign_id, id).await
}

/// Acknowledge, resolve (or reopen) an escalation, with a note; version-checked.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn update_escalation(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    id: i64,
    input: &UpdateEscalation,
) -> Result<Escalation> {
    authorize(db, who, campaign_id).await?;
    if !matches!(input.status.as_str(), "open" | "acknowledged" | "resolved") {
        return Err(AppError::validation("status", "Use open, acknowledged or resolved"));
    }
    check_len("note", &input.note, limits::NOTE)?;
    let mut w = db.write_campaign(campaign_id).await?;
    let current = by_id(w.conn(), campaign_id, id).await?.ok_or_else(|| AppError::not_found("Escalation"))?;
    if current.version != input.version {
        return Err(AppError::conflict(
            format!(
                "This escalation was updated by someone else meanwhile (it is now {}); your change was not applied",
                current.status
            ),
            serde_json::to_value(&current).ok(),
        ));
    }
    sqlx::query("UPDATE escalations SET status = $1, note = $2, version = version + 1, updated_at = $3 WHERE id = $4")
        .bind(&input.status)
        .bind(input.note.trim())
        .bind(now_ms())
        .bind(id)
        .execute(w.conn())
        .await?;
    let updated = by_id(w.conn(), campaign_id, id).await?.ok_or_else(AppError::internal)?;
    log::append(&mut w, campaign_id, &who.actor(), Change::EscalationUpdated { escalation: updated.clone() }).await?;
    w.commit().await?;
    Ok(updated)
}

/// The open (or acknowledged) escalations assigned to `user_id` in the given campaigns, newest first.
pub async fn open_for_assignee(db: &Db, user_id: i64, campaign_ids: &[i64]) -> Result<Vec<Escalation>> {
    let mut out = Vec::new();
    for &campaign_id in campaign_ids {
        let rows = sqlx::query(&format!(
            "SELECT {ESCALATION_COLUMNS} WHERE e.campaign_id = $1 AND e.assignee_user_id = $2 AND e.status <> 'resolved' \
             ORDER BY e.id DESC LIMIT 50"
        ))
        .bind(campaign_id)
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
        out.extend(rows.iter().map(escalation_from_row));
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.created_at));
    Ok(out)
}
