//! CSV import (preview, then all / valid rows / nothing) and export of the pool.
use std::collections::HashMap;

use sqlx::Row;

use super::super::import::{self, ImportContext};
use super::super::{tier_for, ApplyMode, ImportPreview, ImportResult, ImportStatus};
use super::{card_by_id, insert_creator, record};
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::{authorize, partners};
use crate::db::{now_ms, Db};
use crate::error::{AppError, Result};
use crate::realtime::{log, Change, ServerMsg};

/// Imports of up to this many creators carry the cards in their event; larger ones make clients reload.
const INLINE_CARDS: usize = 100;

async fn import_context(db: &Db, who: &Principal, campaign_id: i64, my_org: i64) -> Result<ImportContext> {
    let partners = partners(db, campaign_id).await?;
    let people = sqlx::query(
        "SELECT u.id, u.email, u.org_id FROM users u JOIN campaign_partners p ON p.org_id = u.org_id \
         WHERE p.campaign_id = $1 AND u.role = 'member'",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| (r.get::<i64, _>("id"), r.get::<String, _>("email"), r.get::<i64, _>("org_id")))
    .collect();
    let existing: HashMap<(String, String), (i64, String)> = sqlx::query(
        "SELECT h.platform, h.handle_key, c.id, c.name FROM creator_handles h JOIN creators c ON c.id = h.creator_id WHERE h.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| ((r.get("platform"), r.get("handle_key")), (r.get("id"), r.get("name"))))
    .collect();
    Ok(ImportContext {
        partners,
        people,
        default_org_id: my_org,
        default_user_id: who.via_token.is_none().then_some(who.me.user_id),
        existing,
    })
}

fn preview_of(import_id: i64, filename: &str, parsed: &import::ParsedFile, status: ImportStatus) -> ImportPreview {
    ImportPreview {
        import_id,
        filename: filename.to_string(),
        total: parsed.total,
        valid: parsed.rows.len(),
        errors: parsed.errors.iter().take(500).cloned().collect(),
        duplicates: parsed.duplicates.iter().take(500).cloned().collect(),
        ignored_columns: parsed.ignored_columns.clone(),
        sample: parsed.rows.iter().take(5).map(|r| r.creator.clone()).collect(),
        status,
    }
}

/// Checks an uploaded file and keeps it for the decision; nothing is imported yet.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn preview_import(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    filename: &str,
    body: &str,
) -> Result<ImportPreview> {
    let my_org = authorize(db, who, campaign_id).await?;
    let filename = filename.trim();
    let filename = if filename.is_empty() { "upload.csv" } else { filename };
    crate::limits::check_len("filename", filename, crate::limits::NAME)?;
    if body.len() > import::MAX_BYTES {
        return Err(AppError::validation(
            "file",
            format!("The file is larger than {} MB: split it", import::MAX_BYTES / (1024 * 1024)),
        ));
    }
    let ctx = import_context(db, who, campaign_id, my_org.id).await?;
    let parsed = import::read(body, &ctx);
    let mut w = db.write_campaign(campaign_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO pool_imports (campaign_id, user_id, filename, body, status, total, created_at) \
         VALUES ($1, $2, $3, $4, 'previewed', $5, $6) RETURNING id",
    )
    .bind(campaign_id)
    .bind(who.me.user_id)
    .bind(filename)
    .bind(crate::limits::storable(body).as_ref())
    .bind(parsed.total as i64)
    .bind(now_ms())
    .fetch_one(w.conn())
    .await?;
    w.commit().await?;
    Ok(preview_of(id, filename, &parsed, ImportStatus::Previewed))
}

fn progress(db: &Db, campaign_id: i64, import_id: i64, who: &Principal, done: usize, total: usize) {
    let msg = ServerMsg::Progress {
        campaign_id,
        job: format!("import:{import_id}"),
        by: who.me.name.clone(),
        done: done as u64,
        total: total as u64,
    };
    db.hub.publish_ephemeral(campaign_id, serde_json::to_string(&msg).unwrap_or_default());
}

/// Applies a previewed import in one transaction: every row or (with `ValidOnly`) every valid row,
/// never part of a file. Applying twice returns the first result (the import is already applied).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn apply_import(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    import_id: i64,
    mode: ApplyMode,
) -> Result<ImportResult> {
    let my_org = authorize(db, who, campaign_id).await?;
    let row = sqlx::query(
        "SELECT filename, body, status, imported, total, user_id FROM pool_imports WHERE id = $1 AND campaign_id = $2",
    )
    .bind(import_id)
    .bind(campaign_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::not_found("Import"))?;
    let (filename, body, status): (String, String, String) = (row.get("filename"), row.get("body"), row.get("status"));
    let importer: i64 = row.get("user_id");
    if importer != who.me.user_id {
        return Err(AppError::forbidden("Only whoever uploaded the file can import it"));
    }
    match status.as_str() {
        "applied" => {
            let imported: i64 = row.get("imported");
            let total: i64 = row.get("total");
            return Ok(ImportResult { import_id, imported: imported as usize, skipped: (total - imported) as usize });
        }
        "discarded" => return Err(AppError::validation("import_id", "This file was discarded: upload it again")),
        _ => {}
    }
    let mut w = db.write_campaign(campaign_id).await?;
    // Claim the import inside the transaction: a concurrent second apply finds it no longer previewed.
    let claimed = sqlx::query(
        "UPDATE pool_imports SET status = 'applied', applied_at = $1 WHERE id = $2 AND status = 'previewed'",
    )
    .bind(now_ms())
    .bind(import_id)
    .execute(w.conn())
    .await?;
    if claimed.rows_affected() == 0 {
        drop(w);
        return Box::pin(apply_import(db, who, campaign_id, import_id, mode)).await;
    }
    // Checked again inside the transaction: the pool may have changed since the preview.
    let ctx = import_context(db, who, campaign_id, my_org.id).await?;
    let parsed = import::read(&body, &ctx);
    let problems = parsed.errors.len() + parsed.duplicates.len();
    if mode == ApplyMode::All && problems > 0 {
        let first = parsed
            .errors
            .first()
            .map(|e| {
                format!(
                    "row {}{}: {}",
                    e.row,
                    e.column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default(),
                    e.message
                )
            })
            .or_else(|| {
                parsed
                    .duplicates
                    .first()
                    .map(|d| format!("row {} is a duplicate of @{} on {}", d.row, d.handle, d.platform))
            })
            .unwrap_or_default();
        return Err(AppError::validation(
            "mode",
            format!("{problems} row(s) cannot be imported (first: {first}). Import only the valid rows, or nothing."),
        ));
    }
    let total = parsed.rows.len();
    let now = now_ms();
    let mut cards_ids = Vec::with_capacity(total);
    progress(db, campaign_id, import_id, who, 0, total);
    for (i, r) in parsed.rows.iter().enumerate() {
        let id = insert_creator(w.conn(), campaign_id, &r.creator, now)
            .await
            .map_err(|e| AppError { message: format!("Row {}: {}", r.row, e.message), ..e })?;
        record(&mut w, campaign_id, id, who, "imported", &format!("Imported from {filename}, row {}", r.row)).await?;
        cards_ids.push(id);
        if (i + 1) % 250 == 0 {
            progress(db, campaign_id, import_id, who, i + 1, total);
            tokio::task::yield_now().await;
        }
    }
    sqlx::query("UPDATE pool_imports SET imported = $1 WHERE id = $2")
        .bind(total as i64)
        .bind(import_id)
        .execute(w.conn())
        .await?;
    let cards = if total <= INLINE_CARDS {
        let mut cards = Vec::with_capacity(total);
        for id in &cards_ids {
            cards.push(card_by_id(w.conn(), campaign_id, *id).await?.ok_or_else(AppError::internal)?);
        }
        Some(cards)
    } else {
        None
    };
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::CreatorsImported { count: total as i64, file: filename.clone(), cards },
    )
    .await?;
    w.commit().await?;
    progress(db, campaign_id, import_id, who, total, total);
    Ok(ImportResult { import_id, imported: total, skipped: parsed.total - total })
}

/// "Import nothing": the file is dropped and cannot be applied any more.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn discard_import(db: &Db, who: &Principal, campaign_id: i64, import_id: i64) -> Result<()> {
    authorize(db, who, campaign_id).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM pool_imports WHERE id = $1 AND campaign_id = $2 AND user_id = $3")
            .bind(import_id)
            .bind(campaign_id)
            .bind(who.me.user_id)
            .fetch_optional(w.conn())
            .await?;
    match status.as_deref() {
        None => return Err(AppError::not_found("Import")),
        Some("applied") => return Err(AppError::validation("import_id", "This file is already imported")),
        _ => {}
    }
    sqlx::query("UPDATE pool_imports SET status = 'discarded', body = '' WHERE id = $1")
        .bind(import_id)
        .execute(w.conn())
        .await?;
    w.commit().await?;
    Ok(())
}

/// The pool as CSV: the import columns (so an export imports back) plus the computed ones.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn export_creators(db: &Db, who: &Principal, campaign_id: i64) -> Result<String> {
    let board = super::get_board(db, who, campaign_id).await?;
    let extra = sqlx::query(
        "SELECT c.id, c.avg_likes, c.avg_comments, c.avg_shares, c.avg_saves, c.language, c.audience_notes, c.rates, \
         c.contact_email, u.email AS owner_email FROM creators c LEFT JOIN users u ON u.id = c.owner_user_id WHERE c.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    let extra: HashMap<i64, &sqlx::any::AnyRow> = extra.iter().map(|r| (r.get::<i64, _>("id"), r)).collect();
    let mut out = String::with_capacity(board.cards.len() * 256);
    let mut header: Vec<&str> = import::COLUMNS.iter().map(|(c, _)| *c).collect();
    header.extend([
        "engagements",
        "er_by_followers_pct",
        "er_by_reach_pct",
        "tier",
        "follower_tier",
        "below_tier_minimum",
        "tier_explanation",
        "days_in_stage",
        "overdue",
        "handles",
    ]);
    super::super::csv::push_record(&mut out, &header);
    let now = chrono::Utc::now();
    let today = now.date_naive();
    let opt = |v: Option<f64>| v.map(|r| format!("{r:.2}")).unwrap_or_default();
    for c in &board.cards {
        let Some(x) = extra.get(&c.id) else { continue };
        let m = c.metrics();
        let t = tier_for(&board.tiers, &m);
        let s = |column: &str| x.get::<i64, _>(column).to_string();
        let o = |column: &str| x.get::<Option<String>, _>(column).unwrap_or_default();
        let row: Vec<String> = vec![
            c.name.clone(),
            c.platform.clone(),
            c.handle.clone(),
            c.followers.to_string(),
            c.avg_reach.map(|r| r.to_string()).unwrap_or_default(),
            s("avg_likes"),
            s("avg_comments"),
            s("avg_shares"),
            s("avg_saves"),
            c.lane.as_str().into(),
            c.stage.as_str().into(),
            c.owner.name.clone(),
            o("owner_email"),
            c.next_action.clone().unwrap_or_default(),
            c.next_action_due.map(|d| d.to_string()).unwrap_or_default(),
            c.country.clone().unwrap_or_default(),
            o("language"),
            x.get::<String, _>("audience_notes"),
            x.get::<String, _>("rates"),
            o("contact_email"),
            m.engagements.to_string(),
            opt(m.rate_by_followers()),
            opt(m.rate_by_reach()),
            t.tier.clone().unwrap_or_default(),
            t.follower_tier.clone().unwrap_or_default(),
            if t.below_minimum { "yes".into() } else { "no".into() },
            t.explanation.clone(),
            c.stage_age_days(now).to_string(),
            if c.overdue(today) { "yes".into() } else { "no".into() },
            c.handles.to_string(),
        ];
        super::super::csv::push_record(&mut out, &row);
    }
    Ok(out)
}
