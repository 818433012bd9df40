//! Resumable uploads of drafts: start (idempotent by the client's key), send chunks at offsets (a retried chunk
//! is answered, not appended twice), checked by content on the first bytes and as a whole at the end, with a
//! preview made for images. Files live behind the storage interface, under the data directory by default.
use super::StartUpload;
use super::UploadState;
use crate::accounts::ssr::Principal;
use crate::accounts::Role;
use crate::db::{now_ms, Db};
use crate::error::{AppError, Result};
use crate::media::storage::{Storage, StorageError};
use crate::media::{self, MediaKind};

/// The largest chunk one request may carry.
pub const MAX_CHUNK: usize = 8 * 1024 * 1024;
/// The longest side of an image preview.
pub const THUMB_SIDE: u32 = 480;

pub(crate) fn original_key(campaign_id: i64, id: &str) -> String {
    format!("c{campaign_id}/{id}/original")
}

pub(crate) fn thumb_key(campaign_id: i64, id: &str) -> String {
    format!("c{campaign_id}/{id}/thumb")
}

/// A name safe to show and to offer as a download name: the last path part, printable, at most 150 characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(150).collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

struct Row_ {
    campaign_id: i64,
    has_thumb: bool,
    user_id: i64,
    file_name: String,
    size: i64,
    received: i64,
    kind: Option<String>,
    status: String,
    error: Option<String>,
}

impl Row_ {
    fn state(&self, id: &str) -> UploadState {
        UploadState {
            id: id.to_string(),
            file_name: self.file_name.clone(),
            size: self.size,
            received: self.received,
            status: self.status.clone(),
            kind: self.kind.clone(),
            error: self.error.clone(),
        }
    }
}

async fn row(db: &Db, id: &str) -> Result<Option<Row_>> {
    /// `has_thumb` is stored as 0 or 1 (an integer on both databases).
    #[derive(sqlx::FromRow)]
    struct Stored {
        campaign_id: i64,
        has_thumb: i64,
        user_id: i64,
        file_name: String,
        size: i64,
        received: i64,
        kind: Option<String>,
        status: String,
        error: Option<String>,
    }
    let r: Option<Stored> = sqlx::query_as(
        "SELECT campaign_id, has_thumb, user_id, file_name, size, received, kind, status, error FROM uploads WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(r.map(|r| Row_ {
        campaign_id: r.campaign_id,
        has_thumb: r.has_thumb != 0,
        user_id: r.user_id,
        file_name: r.file_name,
        size: r.size,
        received: r.received,
        kind: r.kind,
        status: r.status,
        error: r.error,
    }))
}

/// Starts (or, with the same client key, resumes) the upload of one file of a draft. Only the creator the
/// deliverable is addressed to may upload, while it is open for a new round.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn start_upload(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    deliverable_id: i64,
    input: &StartUpload,
    max_bytes: u64,
) -> Result<UploadState> {
    let d = super::ssr::creators_deliverable(db, who, campaign_id, deliverable_id).await?;
    if !d.status.open_for_submission() {
        return Err(AppError::conflict(
            format!("\"{}\" is {}: no new draft is expected now", d.title, d.status.label().to_lowercase()),
            None,
        ));
    }
    let key = input.client_key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::validation("client_key", "Use a client key of 1 to 100 characters"));
    }
    if input.size < 0 {
        return Err(AppError::validation("size", "The size cannot be negative"));
    }
    media::check_size(input.size as u64, max_bytes).map_err(|m| AppError::validation("size", m))?;
    let name = clean_name(&input.file_name);
    let id = {
        use rand::RngCore;
        let mut b = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut b);
        hex::encode(b)
    };
    let now = now_ms();
    let mut w = db.write_campaign(campaign_id).await?;
    sqlx::query(
        "INSERT INTO uploads (id, campaign_id, deliverable_id, user_id, client_key, file_name, size, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (user_id, client_key) DO NOTHING",
    )
    .bind(&id)
    .bind(campaign_id)
    .bind(deliverable_id)
    .bind(who.me.user_id)
    .bind(key)
    .bind(&name)
    .bind(input.size)
    .bind(now)
    .execute(w.conn())
    .await?;
    let existing: (String, i64, i64, String) = sqlx::query_as(
        "SELECT id, deliverable_id, size, file_name FROM uploads WHERE user_id = $1 AND client_key = $2",
    )
    .bind(who.me.user_id)
    .bind(key)
    .fetch_one(w.conn())
    .await?;
    w.commit().await?;
    if existing.1 != deliverable_id || existing.2 != input.size || existing.3 != name {
        return Err(AppError::validation(
            "client_key",
            "This client key belongs to another file; use a new key per file",
        ));
    }
    let r = row(db, &existing.0).await?.ok_or_else(AppError::internal)?;
    Ok(r.state(&existing.0))
}

/// The state of an upload (to resume after a lost connection: continue at `received`).
#[tracing::instrument(skip_all)]
pub async fn upload_state(db: &Db, who: &Principal, id: &str) -> Result<UploadState> {
    let r = row(db, id).await?.filter(|r| r.user_id == who.me.user_id).ok_or_else(|| AppError::not_found("Upload"))?;
    Ok(r.state(id))
}

async fn fail(db: &Db, storage: &impl Storage, id: &str, campaign_id: i64, field: &str, message: String) -> AppError {
    let _ = storage.remove(&original_key(campaign_id, id)).await;
    let failed = db
        .execute(
            sqlx::query("UPDATE uploads SET status = 'failed', error = $1, updated_at = $2 WHERE id = $3")
                .bind(&message)
                .bind(now_ms())
                .bind(id),
        )
        .await;
    if let Err(e) = failed {
        tracing::warn!(error = %e, "could not mark an upload failed");
    }
    AppError::validation(field, message)
}

/// Receives `bytes` at `offset`. A chunk already received is answered with the current state (so a retry never
/// appends twice); a chunk past the end received so far is refused with a conflict carrying the state to resume from.
#[tracing::instrument(skip_all)]
pub async fn put_chunk(
    db: &Db,
    storage: &impl Storage,
    who: &Principal,
    id: &str,
    offset: u64,
    bytes: &[u8],
) -> Result<UploadState> {
    let r = row(db, id).await?.filter(|r| r.user_id == who.me.user_id).ok_or_else(|| AppError::not_found("Upload"))?;
    match r.status.as_str() {
        "complete" => return Ok(r.state(id)),
        "failed" => {
            return Err(AppError::validation(
                "file",
                r.error.clone().unwrap_or_else(|| "This upload failed; start again".into()),
            ))
        }
        _ => {}
    }
    if bytes.len() > MAX_CHUNK {
        return Err(AppError::validation(
            "chunk",
            format!("Send at most {} per request", media::human_size(MAX_CHUNK as u64)),
        ));
    }
    let size = r.size as u64;
    let end = offset + bytes.len() as u64;
    if end > size {
        return Err(AppError::validation(
            "offset",
            format!("This chunk ends at byte {end}, past the declared size of {size} bytes"),
        ));
    }
    if bytes.is_empty() && size > 0 {
        return Ok(r.state(id));
    }
    let mut kind = r.kind.as_deref().and_then(MediaKind::parse);
    if offset == 0 {
        let need = (media::SNIFF_BYTES as u64).min(size) as usize;
        if bytes.len() < need {
            return Err(AppError::validation(
                "chunk",
                format!("Send at least the first {need} bytes in the first chunk"),
            ));
        }
        match media::sniff(bytes) {
            Ok(k) => kind = Some(k),
            Err(message) => return Err(fail(db, storage, id, r.campaign_id, "file", message).await),
        }
    }
    let key = original_key(r.campaign_id, id);
    let received = match storage.append(&key, offset, bytes).await {
        Ok(len) => len,
        // The last chunk arrived before, but the file was never checked (the process handling it stopped): check it now.
        Err(StorageError::Offset { have }) if have == size && have >= end => have,
        Err(StorageError::Offset { have }) => {
            let mut current = r.state(id);
            current.received = have as i64;
            if have >= end {
                // A retry of a chunk that already arrived.
                return Ok(current);
            }
            return Err(AppError::conflict(
                format!("The upload continues at byte {have}, not {offset}"),
                serde_json::to_value(&current).ok(),
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "storage append failed");
            return Err(AppError::internal());
        }
    };
    let mut status = "receiving";
    let mut has_thumb = false;
    if received == size {
        let Some(k) = kind else {
            return Err(
                fail(db, storage, id, r.campaign_id, "file", "The file's first bytes never arrived".into()).await
            );
        };
        // Object storage completes its multipart upload here; the whole file is then checked from a local copy.
        let copy = match storage.finish(&key).await {
            Ok(()) => storage.local_copy(&key).await,
            Err(e) => Err(e),
        };
        let copy = copy.map_err(|e| {
            tracing::error!(error = %e, "cannot finish a stored upload");
            AppError::internal()
        })?;
        // Decoding an image for its preview may take up to 160 MB: a few at a time, the others wait their turn.
        let turn = if media::check::previewable(k) { media::check::decode_turn().await } else { None };
        let checked = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            media::check::check_complete(k, &copy.path)?;
            media::check::thumbnail(k, &copy.path, THUMB_SIDE)
        })
        .await
        .map_err(|_| AppError::internal())?;
        match checked {
            Ok(thumb) => {
                if let Some(jpeg) = thumb {
                    match storage.put(&thumb_key(r.campaign_id, id), &jpeg).await {
                        Ok(()) => has_thumb = true,
                        Err(e) => tracing::warn!(error = %e, "could not store a preview"),
                    }
                }
                status = "complete";
            }
            Err(message) => return Err(fail(db, storage, id, r.campaign_id, "file", message).await),
        }
    }
    db.execute(
        sqlx::query(
            "UPDATE uploads SET received = $1, kind = $2, status = $3, has_thumb = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(received as i64)
        .bind(kind.map(|k| k.key()))
        .bind(status)
        .bind(has_thumb as i64)
        .bind(now_ms())
        .bind(id),
    )
    .await?;
    let r = row(db, id).await?.ok_or_else(AppError::internal)?;
    Ok(r.state(id))
}

/// A stored file that may be served to `who`: partner members of its campaign, and the creator who sent it.
pub struct Servable {
    pub key: String,
    pub kind: MediaKind,
    pub file_name: String,
}

#[tracing::instrument(skip_all)]
pub async fn servable(db: &Db, who: &Principal, id: &str, thumb: bool) -> Result<Servable> {
    let not_found = || AppError::not_found("File");
    let r = row(db, id).await?.filter(|r| r.status == "complete").ok_or_else(not_found)?;
    let allowed = match who.me.role {
        Role::Creator => r.user_id == who.me.user_id,
        Role::Member => crate::campaigns::ssr::authorize(db, who, r.campaign_id).await.is_ok(),
    };
    if !allowed {
        return Err(not_found());
    }
    let kind = r.kind.as_deref().and_then(MediaKind::parse).ok_or_else(not_found)?;
    if thumb {
        if !r.has_thumb {
            return Err(not_found());
        }
        return Ok(Servable {
            key: thumb_key(r.campaign_id, id),
            kind: MediaKind::Jpeg,
            file_name: format!("preview-{}.jpg", r.file_name),
        });
    }
    Ok(Servable { key: original_key(r.campaign_id, id), kind, file_name: r.file_name })
}

/// Uploads started and left (no chunk for `idle`, as of `now_ms`): their bytes are removed from storage (an
/// object store's multipart upload aborted, its parts freed; a local file deleted) and their rows with them, so
/// the creator's app starts such a file afresh. One process sweeps at a time (`crate::jobs`); a sweep cut short
/// is finished by the next. Returns how many uploads were removed.
#[tracing::instrument(skip_all)]
pub async fn remove_abandoned(
    db: &Db,
    storage: &impl Storage,
    now_ms: i64,
    idle: std::time::Duration,
) -> Result<usize> {
    let before = now_ms.saturating_sub(idle.as_millis() as i64);
    let sweep = async {
        let stale: Vec<(String, i64)> = sqlx::query_as(
            "SELECT id, campaign_id FROM uploads WHERE status = 'receiving' AND updated_at < $1 ORDER BY updated_at LIMIT 500",
        )
        .bind(before)
        .fetch_all(&db.pool)
        .await?;
        let mut removed = 0;
        for (id, campaign_id) in stale {
            // The bytes first: should the store fail, the row stays and the next sweep tries again.
            if let Err(e) = storage.remove(&original_key(campaign_id, &id)).await {
                tracing::warn!(upload = id, error = %e, "could not remove an abandoned upload's bytes");
                continue;
            }
            // Unless a chunk came in meanwhile (the creator is back): then the next chunk is told where to resume.
            removed += db
                .execute(
                    sqlx::query("DELETE FROM uploads WHERE id = $1 AND status = 'receiving' AND updated_at < $2")
                        .bind(&id)
                        .bind(before),
                )
                .await?;
        }
        Ok::<_, AppError>(removed as usize)
    };
    Ok(crate::jobs::exclusively(db, "abandoned-uploads", sweep).await?.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("C:\\Users\\ava\\reel final.mp4"), "reel final.mp4");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\"b\u{7}c.png"), "abc.png");
        assert_eq!(clean_name("   "), "file");
    }
}
