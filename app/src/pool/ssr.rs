//! Server side of the pool: a creator's detail and history, owner changes, next actions, edits, notes,
//! extra handles, merges, and CSV import (preview, then all / valid rows / nothing) and export.
use std::collections::HashMap;

use sqlx::Row;

use super::import::{self, ImportContext};
use super::*;
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::{authorize, partners};
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::{AppError, Result};
use crate::idempotency;
use crate::outreach::ssr::{card_by_id, check_owner, conflict, insert_creator, insert_handle, refuse_taken_handle};
use crate::outreach::Card;
use crate::realtime::{log, Change, ServerMsg};

/// Imports of up to this many creators carry the cards in their event; larger ones make clients reload.
const INLINE_CARDS: usize = 100;

/// Appends an entry to a creator's history and returns it.
pub async fn record(
    w: &mut WriteTx,
    campaign_id: i64,
    creator_id: i64,
    who: &Principal,
    kind: &str,
    body: &str,
) -> Result<HistoryEntry> {
    let actor = who.actor();
    let at = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO creator_history (campaign_id, creator_id, kind, body, actor_user_id, actor_name, actor_org_name, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(campaign_id)
    .bind(creator_id)
    .bind(kind)
    .bind(body)
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(&actor.org_name)
    .bind(at)
    .fetch_one(w.conn())
    .await?;
    Ok(HistoryEntry {
        id,
        kind: kind.into(),
        text: body.into(),
        actor_name: actor.name,
        actor_org: actor.org_name,
        at: from_ms(at),
    })
}

/// Every partner's people (members), for owner pickers and the person filter.
pub async fn people(db: &Db, campaign_id: i64) -> Result<Vec<PartnerPerson>> {
    let rows = sqlx::query(
        "SELECT u.id, u.name, u.org_id FROM users u JOIN campaign_partners p ON p.org_id = u.org_id \
         WHERE p.campaign_id = $1 AND u.role = 'member' ORDER BY u.name",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(|r| PartnerPerson { user_id: r.get(0), name: r.get(1), org_id: r.get(2) }).collect())
}

async fn handles_of(conn: &mut sqlx::AnyConnection, creator_id: i64) -> Result<Vec<PlatformStats>> {
    let rows = sqlx::query(
        "SELECT platform, handle, followers, avg_reach, avg_likes, avg_comments, avg_shares, avg_saves \
         FROM creator_handles WHERE creator_id = $1 ORDER BY position, id",
    )
    .bind(creator_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| PlatformStats {
            platform: r.get(0),
            handle: r.get(1),
            followers: r.get(2),
            avg_reach: r.get(3),
            avg_likes: r.get(4),
            avg_comments: r.get(5),
            avg_shares: r.get(6),
            avg_saves: r.get(7),
        })
        .collect())
}

/// A card's detail: profile, every handle with its figures, and the history (newest first).
pub async fn detail(db: &Db, who: &Principal, campaign_id: i64, creator_id: i64) -> Result<CreatorDetail> {
    authorize(db, who, campaign_id).await?;
    let mut conn = db.pool.acquire().await?;
    let card = card_by_id(&mut conn, campaign_id, creator_id).await?.ok_or_else(|| AppError::not_found("Creator"))?;
    let r = sqlx::query(
        "SELECT name, country, language, audience_notes, rates, contact_email, user_id FROM creators WHERE id = $1",
    )
    .bind(creator_id)
    .fetch_one(&mut *conn)
    .await?;
    let profile = Profile {
        name: r.get(0),
        country: r.get(1),
        language: r.get(2),
        audience_notes: r.get(3),
        rates: r.get(4),
        contact_email: r.get(5),
    };
    let account = match r.get::<Option<i64>, _>(6) {
        Some(uid) => {
            sqlx::query_as::<_, (String, String)>("SELECT name, email FROM users WHERE id = $1")
                .bind(uid)
                .fetch_optional(&mut *conn)
                .await?
        }
        None => None,
    };
    let handles = handles_of(&mut conn, creator_id).await?;
    let history = sqlx::query(
        "SELECT id, kind, body, actor_name, actor_org_name, at FROM creator_history WHERE creator_id = $1 ORDER BY id DESC LIMIT 200",
    )
    .bind(creator_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| HistoryEntry { id: r.get(0), kind: r.get(1), text: r.get(2), actor_name: r.get(3), actor_org: r.get(4), at: from_ms(r.get(5)) })
    .collect();
    Ok(CreatorDetail { card, profile, handles, history, account })
}

/// Opens a write on one card: authorized, idempotency claimed, the card as it is and its version checked.
/// The third value is the first answer when this is a retry with a used idempotency key (apply nothing).
#[allow(clippy::too_many_arguments)]
async fn begin_card_write<T: serde::Serialize>(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    creator_id: i64,
    op: &str,
    input: &T,
    version: Option<i64>,
    key: Option<&str>,
) -> Result<(WriteTx, Card, Option<Card>)> {
    authorize(db, who, campaign_id).await?;
    let hash = idempotency::request_hash(op, &(campaign_id, creator_id, input));
    let mut w = db.write_campaign(campaign_id).await?;
    if let Some(answer) = idempotency::claim(&mut w, &who.idempotency_scope(), key, &hash).await? {
        let card: Card = idempotency::replay(&answer)?;
        return Ok((w, card.clone(), Some(card)));
    }
    let current = card_by_id(w.conn(), campaign_id, creator_id).await?.ok_or_else(|| AppError::not_found("Creator"))?;
    if let Some(v) = version {
        if v != current.version {
            return Err(conflict(&current));
        }
    }
    Ok((w, current, None))
}

/// Finishes a card write: bumps the version (guarded), records history, logs the event, stores the answer.
async fn finish_card_write(
    mut w: WriteTx,
    who: &Principal,
    current: &Card,
    kind: &str,
    history: &str,
    what: String,
    key: Option<&str>,
) -> Result<Card> {
    let bumped =
        sqlx::query("UPDATE creators SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3")
            .bind(now_ms())
            .bind(current.id)
            .bind(current.version)
            .execute(w.conn())
            .await?;
    if bumped.rows_affected() == 0 {
        return Err(conflict(current));
    }
    record(&mut w, current.campaign_id, current.id, who, kind, history).await?;
    let card = card_by_id(w.conn(), current.campaign_id, current.id).await?.ok_or_else(AppError::internal)?;
    log::append(&mut w, current.campaign_id, &who.actor(), Change::CardUpdated { card: card.clone(), what }).await?;
    idempotency::store(&mut w, &who.idempotency_scope(), key, &card).await?;
    w.commit().await?;
    Ok(card)
}

/// Hands the relationship to another partner (and person). Recorded in the history and the activity.
pub async fn change_owner(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    creator_id: i64,
    input: &ChangeOwner,
    key: Option<&str>,
) -> Result<Card> {
    let (mut w, current, replay) =
        begin_card_write(db, who, campaign_id, creator_id, "change_owner", input, Some(input.version), key).await?;
    if let Some(card) = replay {
        return Ok(card);
    }
    check_owner(w.conn(), campaign_id, input.org_id, input.user_id).await?;
    sqlx::query("UPDATE creators SET owner_org_id = $1, owner_user_id = $2 WHERE id = $3")
        .bind(input.org_id)
        .bind(input.user_id)
        .bind(creator_id)
        .execute(w.conn())
        .await?;
    let new_owner: (String, Option<String>) =
        sqlx::query_as("SELECT o.name, (SELECT name FROM users WHERE id = $1) FROM organizations o WHERE o.id = $2")
            .bind(input.user_id)
            .bind(input.org_id)
            .fetch_one(w.conn())
            .await?;
    let from = owner_label(&current.owner, current.owner_person.as_deref());
    let to = match &new_owner.1 {
        Some(p) => format!("{} · {p}", new_owner.0),
        None => new_owner.0.clone(),
    };
    let text = format!("Owner changed from {from} to {to}");
    let what = format!("handed {} from {from} to {to}", current.name);
    finish_card_write(w, who, &current, "owner", &text, what, key).await
}

/// Sets (or clears) the next action and its due date.
pub async fn set_next_action(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    creator_id: i64,
    input: &SetNextAction,
    key: Option<&str>,
) -> Result<Card> {
    let text = input.text.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(t) = &text {
        crate::limits::check_len("text", t, crate::limits::SHORT)?;
    }
    if text.is_none() && input.due.is_some() {
        return Err(AppError::validation("text", "Say what the next action is before giving it a due date"));
    }
    let (mut w, current, replay) =
        begin_card_write(db, who, campaign_id, creator_id, "next_action", input, Some(input.version), key).await?;
    if let Some(card) = replay {
        return Ok(card);
    }
    sqlx::query("UPDATE creators SET next_action = $1, next_action_due = $2 WHERE id = $3")
        .bind(&text)
        .bind(input.due.map(|d| d.to_string()))
        .bind(creator_id)
        .execute(w.conn())
        .await?;
    let line = match (&text, input.due) {
        (Some(t), Some(d)) => format!("Next action: {t} (due {d})"),
        (Some(t), None) => format!("Next action: {t}"),
        _ => "Next action cleared".to_string(),
    };
    let what = format!("set the next action for {}: {}", current.name, text.as_deref().unwrap_or("none"));
    finish_card_write(w, who, &current, "next_action", &line, what, key).await
}

/// Edits the profile and the primary handle's figures.
pub async fn edit(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    creator_id: i64,
    input: &EditCreator,
    key: Option<&str>,
) -> Result<Card> {
    // One validation for everything a creator is made of.
    let mut probe = input.stats.as_new_creator(&input.profile.name);
    probe.country = input.profile.country.clone();
    probe.language = input.profile.language.clone();
    probe.contact_email = input.profile.contact_email.clone();
    probe.audience_notes = input.profile.audience_notes.clone();
    probe.rates = input.profile.rates.clone();
    if let Some(l) = &input.lane {
        probe.lane = l.clone();
    }
    let n = probe.normalized()?;
    let (mut w, current, replay) =
        begin_card_write(db, who, campaign_id, creator_id, "edit", input, Some(input.version), key).await?;
    if let Some(card) = replay {
        return Ok(card);
    }
    let lane = if input.lane.is_some() { n.lane.clone() } else { current.lane.as_str().to_string() };
    sqlx::query(
        "UPDATE creators SET name = $1, country = $2, language = $3, audience_notes = $4, rates = $5, contact_email = $6, \
         followers = $7, avg_reach = $8, avg_likes = $9, avg_comments = $10, avg_shares = $11, avg_saves = $12, lane = $13 \
         WHERE id = $14",
    )
    .bind(&n.name)
    .bind(&n.country)
    .bind(&n.language)
    .bind(&n.audience_notes)
    .bind(&n.rates)
    .bind(&n.contact_email)
    .bind(n.followers)
    .bind(n.avg_reach)
    .bind(n.avg_likes)
    .bind(n.avg_comments)
    .bind(n.avg_shares)
    .bind(n.avg_saves)
    .bind(&lane)
    .bind(creator_id)
    .execute(w.conn())
    .await?;
    sqlx::query(
        "UPDATE creator_handles SET followers = $1, avg_reach = $2, avg_likes = $3, avg_comments = $4, avg_shares = $5, \
         avg_saves = $6 WHERE creator_id = $7 AND platform = $8 AND handle_key = $9",
    )
    .bind(n.followers)
    .bind(n.avg_reach)
    .bind(n.avg_likes)
    .bind(n.avg_comments)
    .bind(n.avg_shares)
    .bind(n.avg_saves)
    .bind(creator_id)
    .bind(&current.platform)
    .bind(current.handle.to_lowercase())
    .execute(w.conn())
    .await?;
    let what = format!("updated {}'s profile", n.name);
    finish_card_write(w, who, &current, "edited", "Profile and figures updated", what, key).await
}

/// Adds a note to a creator's history (seen by every partner).
pub async fn add_note(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    creator_id: i64,
    input: &NewNote,
    key: Option<&str>,
) -> Result<HistoryEntry> {
    authorize(db, who, campaign_id).await?;
    let text = input.text.trim();
    if text.is_empty() {
        return Err(AppError::validation("text", "Write the note first"));
    }
    crate::limits::check_len("text", text, crate::limits::NOTE)?;
    let hash = idempotency::request_hash("note", &(campaign_id, creator_id, input));
    let scope = who.idempotency_scope();
    let mut w = db.write_campaign(campaign_id).await?;
    if let Some(answer) = idempotency::claim(&mut w, &scope, key, &hash).await? {
        return idempotency::replay(&answer);
    }
    let card = card_by_id(w.conn(), campaign_id, creator_id).await?.ok_or_else(|| AppError::not_found("Creator"))?;
    let entry = record(&mut w, campaign_id, creator_id, who, "note", text).await?;
    log::append(&mut w, campaign_id, &who.actor(), Change::CardNoted { card_id: creator_id, name: card.name }).await?;
    idempotency::store(&mut w, &scope, key, &entry).await?;
    w.commit().await?;
    Ok(entry)
}

/// Adds another platform's handle to a creator (how a suspected duplicate is merged before it exists).
pub async fn add_handle(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    creator_id: i64,
    input: &PlatformStats,
    key: Option<&str>,
) -> Result<Card> {
    let n = input.as_new_creator("x").normalized()?;
    let (mut w, current, replay) =
        begin_card_write(db, who, campaign_id, creator_id, "add_handle", input, None, key).await?;
    if let Some(card) = replay {
        return Ok(card);
    }
    refuse_taken_handle(w.conn(), campaign_id, &n, ": merge the two records instead").await?;
    let position: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM creator_handles WHERE creator_id = $1")
        .bind(creator_id)
        .fetch_one(w.conn())
        .await?;
    insert_handle(w.conn(), campaign_id, creator_id, &n, position).await?;
    let text = format!("Added @{} on {}", n.handle, n.platform);
    let what = format!("added @{} on {} to {}", n.handle, n.platform, current.name);
    finish_card_write(w, who, &current, "handle", &text, what, key).await
}

/// Merges two records of the same person: `from`'s handles, history and portal account move to the
/// creator addressed, which keeps its owner, stage and profile (blank fields are filled from `from`).
pub async fn merge(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    creator_id: i64,
    input: &Merge,
    key: Option<&str>,
) -> Result<Card> {
    let (mut w, current, replay) =
        begin_card_write(db, who, campaign_id, creator_id, "merge", input, None, key).await?;
    if let Some(card) = replay {
        return Ok(card);
    }
    if input.from_id == creator_id {
        return Err(AppError::validation("from_id", "Choose another creator to merge into this one"));
    }
    let from = card_by_id(w.conn(), campaign_id, input.from_id)
        .await?
        .ok_or_else(|| AppError { field: Some("from_id".into()), ..AppError::not_found("Creator to merge") })?;
    let both_accounts: (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT (SELECT user_id FROM creators WHERE id = $1), (SELECT user_id FROM creators WHERE id = $2)",
    )
    .bind(creator_id)
    .bind(from.id)
    .fetch_one(w.conn())
    .await?;
    if let (Some(a), Some(b)) = both_accounts {
        if a != b {
            return Err(AppError::validation(
                "from_id",
                "Both records have their own portal accounts: they are two people",
            ));
        }
    }
    sqlx::query(
        "UPDATE creator_handles SET creator_id = $1, position = position + (SELECT COUNT(*) FROM creator_handles WHERE creator_id = $2) \
         WHERE creator_id = $3",
    )
    .bind(creator_id)
    .bind(creator_id)
    .bind(from.id)
    .execute(w.conn())
    .await?;
    sqlx::query("UPDATE creator_history SET creator_id = $1 WHERE creator_id = $2")
        .bind(creator_id)
        .bind(from.id)
        .execute(w.conn())
        .await?;
    sqlx::query("UPDATE invitations SET creator_id = $1 WHERE creator_id = $2")
        .bind(creator_id)
        .bind(from.id)
        .execute(w.conn())
        .await?;
    sqlx::query(
        "UPDATE creators SET user_id = COALESCE(user_id, (SELECT user_id FROM creators WHERE id = $1)), \
         country = COALESCE(country, (SELECT country FROM creators WHERE id = $2)), \
         language = COALESCE(language, (SELECT language FROM creators WHERE id = $3)), \
         contact_email = COALESCE(contact_email, (SELECT contact_email FROM creators WHERE id = $4)) WHERE id = $5",
    )
    .bind(from.id)
    .bind(from.id)
    .bind(from.id)
    .bind(from.id)
    .bind(creator_id)
    .execute(w.conn())
    .await?;
    // Free the unique platform + handle of the removed record before it goes.
    sqlx::query("DELETE FROM creators WHERE id = $1").bind(from.id).execute(w.conn()).await?;
    let bumped =
        sqlx::query("UPDATE creators SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3")
            .bind(now_ms())
            .bind(creator_id)
            .bind(current.version)
            .execute(w.conn())
            .await?;
    if bumped.rows_affected() == 0 {
        return Err(conflict(&current));
    }
    record(
        &mut w,
        campaign_id,
        creator_id,
        who,
        "merged",
        &format!("Merged {} (@{} on {}) into this record", from.name, from.handle, from.platform),
    )
    .await?;
    let card = card_by_id(w.conn(), campaign_id, creator_id).await?.ok_or_else(AppError::internal)?;
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::CreatorsMerged { into: card.clone(), removed_id: from.id, removed_name: from.name.clone() },
    )
    .await?;
    idempotency::store(&mut w, &who.idempotency_scope(), key, &card).await?;
    w.commit().await?;
    Ok(card)
}

// ---- CSV import and export ----

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
    .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1), r.get::<i64, _>(2)))
    .collect();
    let existing: HashMap<(String, String), (i64, String)> = sqlx::query(
        "SELECT h.platform, h.handle_key, c.id, c.name FROM creator_handles h JOIN creators c ON c.id = h.creator_id WHERE h.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| ((r.get(0), r.get(1)), (r.get(2), r.get(3))))
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
pub async fn preview(db: &Db, who: &Principal, campaign_id: i64, filename: &str, body: &str) -> Result<ImportPreview> {
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
pub async fn apply(
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
    let (filename, body, status): (String, String, String) = (row.get(0), row.get(1), row.get(2));
    let importer: i64 = row.get(5);
    if importer != who.me.user_id {
        return Err(AppError::forbidden("Only whoever uploaded the file can import it"));
    }
    match status.as_str() {
        "applied" => {
            let imported: i64 = row.get(3);
            let total: i64 = row.get(4);
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
        return Box::pin(apply(db, who, campaign_id, import_id, mode)).await;
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
pub async fn discard(db: &Db, who: &Principal, campaign_id: i64, import_id: i64) -> Result<()> {
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
pub async fn export_csv(db: &Db, who: &Principal, campaign_id: i64) -> Result<String> {
    let board = crate::outreach::ssr::board(db, who, campaign_id).await?;
    let extra = sqlx::query(
        "SELECT c.id, c.avg_likes, c.avg_comments, c.avg_shares, c.avg_saves, c.language, c.audience_notes, c.rates, \
         c.contact_email, u.email FROM creators c LEFT JOIN users u ON u.id = c.owner_user_id WHERE c.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    let extra: HashMap<i64, &sqlx::any::AnyRow> = extra.iter().map(|r| (r.get::<i64, _>(0), r)).collect();
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
    super::csv::push_record(&mut out, &header);
    let now = chrono::Utc::now();
    let today = now.date_naive();
    let opt = |v: Option<f64>| v.map(|r| format!("{r:.2}")).unwrap_or_default();
    for c in &board.cards {
        let Some(x) = extra.get(&c.id) else { continue };
        let m = c.metrics();
        let t = tier_for(&board.tiers, &m);
        let s = |i: usize| x.get::<i64, _>(i).to_string();
        let o = |i: usize| x.get::<Option<String>, _>(i).unwrap_or_default();
        let row: Vec<String> = vec![
            c.name.clone(),
            c.platform.clone(),
            c.handle.clone(),
            c.followers.to_string(),
            c.avg_reach.map(|r| r.to_string()).unwrap_or_default(),
            s(1),
            s(2),
            s(3),
            s(4),
            c.lane.as_str().into(),
            c.stage.as_str().into(),
            c.owner.name.clone(),
            o(9),
            c.next_action.clone().unwrap_or_default(),
            c.next_action_due.map(|d| d.to_string()).unwrap_or_default(),
            c.country.clone().unwrap_or_default(),
            o(5),
            x.get::<String, _>(6),
            x.get::<String, _>(7),
            o(8),
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
        super::csv::push_record(&mut out, &row);
    }
    Ok(out)
}
