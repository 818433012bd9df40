//! Server side of the CSV import of daily figures: a checked file is kept (table `metric_imports`) until
//! someone decides: every row (refused whole if any row has a problem), only the valid rows, or nothing.
//!
//! Applying writes through [`super::ssr::ingest_rows`] in chunks of [`CHUNK`] rows, one transaction each, so a
//! 100,000-row file never holds the (SQLite) write lock for long and live updates go on in between. Each
//! chunk's transaction also advances the import's cursor (`next_row`), so:
//! - the file is all-or-nothing in its *decision* (a bad row refuses "all" before anything is written), and
//!   *eventually* all of it is written; while it runs, readers may see the chunks already written;
//! - after a crash (or a dropped connection) mid-way, the import stays `applying` with the chunks written so
//!   far; applying it again (any mode: the one chosen first is kept) resumes after the last written chunk and
//!   never writes a row twice; two applies at once share the chunks (each chunk is claimed in its
//!   transaction) and both answer the same final result;
//! - an apply holds the import's job claim (`crate::jobs`, renewed at every chunk), so an import nobody applies
//!   any more (its process was killed, its request dropped) is resumed by whichever process claims it once the
//!   claim runs out ([`resume_imports`], in every process's housekeeping), and finished as its uploader asked.
use std::collections::BTreeSet;

use super::import::{self, ApplyMode, ImportContext, MetricImportPreview, MetricImportResult, ParsedFile};
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::authorize;
use crate::content::sla::tz;
use crate::db::{now_ms, Db};
use crate::error::{AppError, Result};
use crate::realtime::ServerMsg;

/// Rows per transaction when applying.
pub const CHUNK: usize = 5_000;
/// A progress message every this many rows.
pub const PROGRESS_EVERY: usize = 2_000;

async fn context(db: &Db, campaign_id: i64, as_of: Option<chrono::NaiveDate>) -> Result<ImportContext> {
    let (zone, currency): (String, String) = sqlx::query_as("SELECT time_zone, currency FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(&db.pool)
        .await?;
    let today = as_of.unwrap_or_else(|| tz::local_date(chrono::Utc::now(), tz::of(&zone)));
    let posts = sqlx::query_as::<_, (i64, String)>("SELECT id, url FROM posts WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .collect();
    Ok(ImportContext { posts, today, currency })
}

/// Reads the file off the async threads (a 100,000-row file takes a moment).
async fn read(body: String, ctx: ImportContext) -> Result<ParsedFile> {
    tokio::task::spawn_blocking(move || import::read(&body, &ctx)).await.map_err(|_| AppError::internal())
}

fn preview_of(id: i64, filename: &str, parsed: &ParsedFile) -> MetricImportPreview {
    MetricImportPreview {
        id,
        filename: filename.to_string(),
        rows: parsed.total,
        valid: parsed.rows.len(),
        invalid: parsed.bad_rows,
        errors: parsed.errors.iter().take(import::MAX_ISSUES_SHOWN).cloned().collect(),
        error_count: parsed.errors.len(),
        ignored_columns: parsed.ignored_columns.clone(),
    }
}

/// Checks an uploaded file and keeps it for the decision; nothing is imported yet.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn preview_metric_import(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    filename: &str,
    body: &str,
) -> Result<MetricImportPreview> {
    authorize(db, who, campaign_id).await?;
    let filename = filename.trim();
    let filename = if filename.is_empty() { "figures.csv" } else { filename };
    let filename: String = filename.chars().take(200).collect();
    if body.len() > import::MAX_BYTES {
        return Err(AppError::validation(
            "file",
            format!("The file is larger than {} MB: split it", import::MAX_BYTES / (1024 * 1024)),
        ));
    }
    let ctx = context(db, campaign_id, None).await?;
    let as_of = ctx.today;
    let parsed = read(body.to_string(), ctx).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO metric_imports (campaign_id, user_id, filename, body, as_of, status, total, valid_rows, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'previewed', $6, $7, $8) RETURNING id",
    )
    .bind(campaign_id)
    .bind(who.me.user_id)
    .bind(&filename)
    .bind(crate::limits::storable(body).as_ref())
    .bind(as_of.to_string())
    .bind(parsed.total as i64)
    .bind(parsed.rows.len() as i64)
    .bind(now_ms())
    .fetch_one(w.conn())
    .await?;
    w.commit().await?;
    Ok(preview_of(id, &filename, &parsed))
}

fn progress(db: &Db, campaign_id: i64, import_id: i64, who: &Principal, done: usize, total: usize) {
    let msg = ServerMsg::Progress {
        campaign_id,
        job: format!("metrics-import:{import_id}"),
        by: who.me.name.clone(),
        done: done as u64,
        total: total as u64,
    };
    db.hub.publish_ephemeral(campaign_id, serde_json::to_string(&msg).unwrap_or_default());
}

async fn stored_result(db: &Db, import_id: i64) -> Result<MetricImportResult> {
    #[derive(sqlx::FromRow)]
    struct Stored {
        total: i64,
        imported: i64,
        inserted: i64,
        corrected: i64,
        unchanged: i64,
    }
    let r: Stored =
        sqlx::query_as("SELECT total, imported, inserted, corrected, unchanged FROM metric_imports WHERE id = $1")
            .bind(import_id)
            .fetch_one(&db.pool)
            .await?;
    Ok(MetricImportResult {
        id: import_id,
        imported: r.imported,
        skipped: r.total - r.imported,
        inserted: r.inserted,
        corrected: r.corrected,
        unchanged: r.unchanged,
    })
}

fn mode_str(mode: ApplyMode) -> &'static str {
    match mode {
        ApplyMode::All => "all",
        ApplyMode::ValidOnly => "valid_only",
    }
}

/// Applies a previewed import: every row (refused whole, nothing written, if any row has a problem) or only the
/// valid rows, in chunks (see the module's notes). Applying again returns the first result, or resumes an
/// interrupted import. Thresholds are evaluated for the days touched once the last chunk is written.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn apply_metric_import(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    import_id: i64,
    mode: ApplyMode,
) -> Result<MetricImportResult> {
    authorize(db, who, campaign_id).await?;
    #[derive(sqlx::FromRow)]
    struct ImportRow {
        filename: String,
        body: String,
        status: String,
        user_id: i64,
        as_of: String,
    }
    let ImportRow { filename, body, status, user_id, as_of } = sqlx::query_as(
        "SELECT filename, body, status, user_id, as_of FROM metric_imports WHERE id = $1 AND campaign_id = $2",
    )
    .bind(import_id)
    .bind(campaign_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::not_found("Import"))?;
    if user_id != who.me.user_id {
        return Err(AppError::forbidden("Only whoever uploaded the file can import it"));
    }
    match status.as_str() {
        "applied" => return stored_result(db, import_id).await,
        "discarded" => return Err(AppError::validation("import_id", "This file was discarded: upload it again")),
        _ => {}
    }
    let as_of: Option<chrono::NaiveDate> = as_of.parse().ok();
    let ctx = context(db, campaign_id, as_of).await?;
    let parsed = read(body, ctx).await?;
    if status == "previewed" {
        if mode == ApplyMode::All && !parsed.errors.is_empty() {
            let first = &parsed.errors[0];
            let at = match &first.column {
                Some(c) => format!("row {}, column {c}", first.row),
                None => format!("row {}", first.row),
            };
            return Err(AppError::validation(
                "mode",
                format!(
                    "{} row(s) have problems (first: {at}: {}). Nothing was imported: import only the valid rows, or nothing.",
                    parsed.bad_rows.max(1),
                    first.message
                ),
            ));
        }
        if parsed.rows.is_empty() {
            return Err(AppError::validation("import_id", "No row of this file can be imported"));
        }
        let mut w = db.write_campaign(campaign_id).await?;
        let claimed = sqlx::query(
            "UPDATE metric_imports SET status = 'applying', mode = $1 WHERE id = $2 AND status = 'previewed'",
        )
        .bind(mode_str(mode))
        .bind(import_id)
        .execute(w.conn())
        .await?;
        w.commit().await?;
        if claimed.rows_affected() == 0 {
            // Someone else decided first (applied, discarded or started): their decision stands.
            return Box::pin(apply_metric_import(db, who, campaign_id, import_id, mode)).await;
        }
    }
    let source = format!("csv:{filename}");
    let job = job_name(import_id);
    let total = parsed.rows.len();
    let mut finished_here = false;
    let mut next_publish = 0usize;
    progress(db, campaign_id, import_id, who, 0, total);
    loop {
        // Taken, or renewed, before every chunk; a person's apply goes on even while another process holds the
        // import (the chunks are shared), the claim only keeps the background resumption away.
        crate::jobs::hold(db, &job).await?;
        let mut w = db.write_campaign(campaign_id).await?;
        // Locks the import's row (PostgreSQL) and reads where the previous chunk stopped.
        let cursor: Option<i64> = sqlx::query_scalar(
            "UPDATE metric_imports SET next_row = next_row WHERE id = $1 AND status = 'applying' RETURNING next_row",
        )
        .bind(import_id)
        .fetch_optional(w.conn())
        .await?;
        let Some(cursor) = cursor else { break }; // finished (or discarded) by another apply
        let start = parsed.rows.partition_point(|r| (r.row as i64) <= cursor);
        let end = (start + CHUNK).min(total);
        if start < end {
            let figures: Vec<super::DailyFigures> = parsed.rows[start..end].iter().map(|r| r.figures.clone()).collect();
            let result = super::ssr::ingest_rows(&mut w, campaign_id, who, &source, &figures, |done, _| {
                let overall = start + done;
                if overall >= next_publish && overall < total {
                    progress(db, campaign_id, import_id, who, overall, total);
                    next_publish = (overall / PROGRESS_EVERY + 1) * PROGRESS_EVERY;
                }
            })
            .await?;
            sqlx::query(
                "UPDATE metric_imports SET next_row = $1, imported = imported + $2, inserted = inserted + $3, corrected = corrected + $4, \
                 unchanged = unchanged + $5 WHERE id = $6",
            )
            .bind(parsed.rows[end - 1].row as i64)
            .bind((end - start) as i64)
            .bind(result.inserted)
            .bind(result.corrected)
            .bind(result.unchanged)
            .bind(import_id)
            .execute(w.conn())
            .await?;
        }
        if end == total {
            sqlx::query("UPDATE metric_imports SET status = 'applied', applied_at = $1, body = '' WHERE id = $2")
                .bind(now_ms())
                .bind(import_id)
                .execute(w.conn())
                .await?;
            finished_here = true;
        }
        w.commit().await?;
        if finished_here {
            break;
        }
        // Let the writers waiting for the lock (live updates) go first.
        tokio::task::yield_now().await;
    }
    crate::jobs::release(db, &job).await?;
    progress(db, campaign_id, import_id, who, total, total);
    if finished_here {
        let days: Vec<String> =
            parsed.rows.iter().map(|r| r.figures.day.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        super::ssr::evaluate_thresholds(db, campaign_id, &days).await?;
    }
    // Finished here or by a concurrent apply (the loop ends only once the status is no longer `applying`).
    stored_result(db, import_id).await
}

fn job_name(import_id: i64) -> String {
    format!("metrics-import:{import_id}")
}

/// Resumes the imports left `applying` that no process is applying any more (see the module's notes), each as
/// its uploader. Returns how many were finished here.
#[tracing::instrument(skip_all)]
pub async fn resume_imports(db: &Db) -> Result<usize> {
    let stuck: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, campaign_id FROM metric_imports WHERE status = 'applying' ORDER BY id")
            .fetch_all(&db.pool)
            .await?;
    let mut resumed = 0;
    for (import_id, campaign_id) in stuck {
        let resume = async {
            // Read again under the claim: whoever held it before may have finished it since the first look.
            let user_id: Option<i64> =
                sqlx::query_scalar("SELECT user_id FROM metric_imports WHERE id = $1 AND status = 'applying'")
                    .bind(import_id)
                    .fetch_optional(&db.pool)
                    .await?;
            let Some(user_id) = user_id else { return Ok(false) };
            let me = crate::accounts::ssr::me_by_id(db, user_id).await?.ok_or_else(|| AppError::not_found("User"))?;
            let who = Principal { me, via_token: None };
            apply_metric_import(db, &who, campaign_id, import_id, ApplyMode::All).await.map(|_| true)
        };
        match crate::jobs::exclusively(db, &job_name(import_id), resume).await {
            Ok(Some(true)) => resumed += 1,
            Ok(_) => {}
            // One that can never go on (its uploader has lost access to the campaign, or left) is dropped, said
            // once: the rows already written stay, and a partner who still has access uploads the file again.
            Err(e) if matches!(e.code.status(), 403 | 404) => {
                tracing::warn!(import = import_id, error = %e, "a metric import nobody can finish is dropped");
                let mut w = db.write_campaign(campaign_id).await?;
                sqlx::query(
                    "UPDATE metric_imports SET status = 'discarded', body = '' WHERE id = $1 AND status = 'applying'",
                )
                .bind(import_id)
                .execute(w.conn())
                .await?;
                w.commit().await?;
            }
            // Anything else (the database away for a moment) is tried again at the next look.
            Err(e) => tracing::warn!(import = import_id, error = %e, "could not resume a metric import"),
        }
    }
    Ok(resumed)
}

/// "Import nothing": the file is dropped and cannot be applied any more.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn discard_metric_import(db: &Db, who: &Principal, campaign_id: i64, import_id: i64) -> Result<()> {
    authorize(db, who, campaign_id).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM metric_imports WHERE id = $1 AND campaign_id = $2 AND user_id = $3")
            .bind(import_id)
            .bind(campaign_id)
            .bind(who.me.user_id)
            .fetch_optional(w.conn())
            .await?;
    match status.as_deref() {
        None => return Err(AppError::not_found("Import")),
        Some("applied") => return Err(AppError::validation("import_id", "This file is already imported")),
        Some("applying") => {
            return Err(AppError::validation("import_id", "This file is being imported: apply it again to finish"))
        }
        _ => {}
    }
    sqlx::query("UPDATE metric_imports SET status = 'discarded', body = '' WHERE id = $1")
        .bind(import_id)
        .execute(w.conn())
        .await?;
    w.commit().await?;
    Ok(())
}
