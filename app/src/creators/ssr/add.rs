//! Adding to the pool: a new creator (never the same person twice), another handle, and merging two records.
use super::super::{Card, Merge, NewCreator, PlatformStats};
use super::{begin_card_write, card_by_id, check_owner, conflict, finish_card_write, record};
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::authorize;
use crate::db::{now_ms, Db};
use crate::error::{AppError, Result};
use crate::idempotency;
use crate::realtime::{log, Change};
use crate::vocab::Stage;

/// Refuses a platform + handle that a creator of this pool already holds: a conflict naming that creator,
/// with the card as `current` so the person can open it (`hint` ends the sentence).
pub(crate) async fn refuse_taken_handle(
    conn: &mut sqlx::AnyConnection,
    campaign_id: i64,
    n: &NewCreator,
    hint: &str,
) -> Result<()> {
    let holder: Option<i64> = sqlx::query_scalar(
        "SELECT creator_id FROM creator_handles WHERE campaign_id = $1 AND platform = $2 AND handle_key = $3",
    )
    .bind(campaign_id)
    .bind(&n.platform)
    .bind(n.handle.to_lowercase())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(holder) = holder else { return Ok(()) };
    let existing = card_by_id(conn, campaign_id, holder).await?.ok_or_else(AppError::internal)?;
    Err(AppError {
        field: Some("handle".into()),
        ..AppError::conflict(
            format!("@{} on {} is already in this pool as {}{hint}", n.handle, n.platform, existing.name),
            serde_json::to_value(&existing).ok(),
        )
    })
}

/// Inserts a normalized creator (owner resolved) and its primary handle; returns the id.
pub(crate) async fn insert_creator(
    conn: &mut sqlx::AnyConnection,
    campaign_id: i64,
    n: &NewCreator,
    now: i64,
) -> Result<i64> {
    let stage = n.stage.unwrap_or(Stage::Prospect);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO creators (campaign_id, name, platform, handle, handle_key, followers, avg_reach, avg_likes, avg_comments, \
         avg_shares, avg_saves, lane, stage, stage_changed_at, owner_org_id, owner_user_id, next_action, next_action_due, \
         country, language, audience_notes, rates, contact_email, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, 1, $24, $25) \
         RETURNING id",
    )
    .bind(campaign_id)
    .bind(&n.name)
    .bind(&n.platform)
    .bind(&n.handle)
    .bind(n.handle.to_lowercase())
    .bind(n.followers)
    .bind(n.avg_reach)
    .bind(n.avg_likes)
    .bind(n.avg_comments)
    .bind(n.avg_shares)
    .bind(n.avg_saves)
    .bind(&n.lane)
    .bind(stage.as_str())
    .bind(now)
    .bind(n.owner_org_id)
    .bind(n.owner_user_id)
    .bind(&n.next_action)
    .bind(n.next_action_due.map(|d| d.to_string()))
    .bind(&n.country)
    .bind(&n.language)
    .bind(&n.audience_notes)
    .bind(&n.rates)
    .bind(&n.contact_email)
    .bind(now)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    insert_handle(conn, campaign_id, id, n, 0).await?;
    Ok(id)
}

/// Inserts one handle (platform, handle and figures of a normalized creator) of creator `creator_id`.
pub(crate) async fn insert_handle(
    conn: &mut sqlx::AnyConnection,
    campaign_id: i64,
    creator_id: i64,
    n: &NewCreator,
    position: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO creator_handles (campaign_id, creator_id, platform, handle, handle_key, followers, avg_reach, \
         avg_likes, avg_comments, avg_shares, avg_saves, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(campaign_id)
    .bind(creator_id)
    .bind(&n.platform)
    .bind(&n.handle)
    .bind(n.handle.to_lowercase())
    .bind(n.followers)
    .bind(n.avg_reach)
    .bind(n.avg_likes)
    .bind(n.avg_comments)
    .bind(n.avg_shares)
    .bind(n.avg_saves)
    .bind(position)
    .execute(conn)
    .await?;
    Ok(())
}

/// A creator with the same name or contact email (the same person on another platform, most likely).
async fn similar(
    conn: &mut sqlx::AnyConnection,
    campaign_id: i64,
    n: &NewCreator,
) -> Result<Option<(i64, &'static str)>> {
    if let Some(email) = &n.contact_email {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM creators WHERE campaign_id = $1 AND contact_email = $2")
                .bind(campaign_id)
                .bind(email)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some(id) = id {
            return Ok(Some((id, "contact_email")));
        }
    }
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM creators WHERE campaign_id = $1 AND LOWER(name) = $2")
        .bind(campaign_id)
        .bind(n.name.to_lowercase())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(id.map(|id| (id, "name")))
}

/// Adds a creator to the campaign's pool (introducing them to every partner at once).
///
/// The same person is never two records: a platform + handle already in the pool is refused with the
/// creator holding it (`current`), and a creator with the same name or contact email is refused as a
/// possible duplicate (offering a merge) unless `allow_similar` is set.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn add_creator(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    input: &NewCreator,
    key: Option<&str>,
) -> Result<Card> {
    let my_org = authorize(db, who, campaign_id).await?;
    let mut n = input.normalized()?;
    let owner_org = n.owner_org_id.unwrap_or(my_org.id);
    n.owner_org_id = Some(owner_org);
    if n.owner_user_id.is_none() && owner_org == my_org.id && who.via_token.is_none() {
        n.owner_user_id = Some(who.me.user_id);
    }
    let hash = idempotency::request_hash("add_creator", &(campaign_id, input));
    let scope = who.idempotency_scope();
    let mut w = db.write_campaign(campaign_id).await?;
    if let Some(answer) = idempotency::claim(&mut w, &scope, key, &hash).await? {
        return idempotency::replay(&answer);
    }
    check_owner(w.conn(), campaign_id, owner_org, n.owner_user_id).await?;
    refuse_taken_handle(w.conn(), campaign_id, &n, "").await?;
    if !n.allow_similar {
        if let Some((id, field)) = similar(w.conn(), campaign_id, &n).await? {
            let existing = card_by_id(w.conn(), campaign_id, id).await?.ok_or_else(AppError::internal)?;
            let why = if field == "name" { "the same name" } else { "the same contact email" };
            return Err(AppError {
                field: Some(field.into()),
                ..AppError::conflict(
                    format!(
                        "{} (@{} on {}) has {why}: if this is the same person, add the handle to them instead of creating a second record",
                        existing.name, existing.handle, existing.platform
                    ),
                    serde_json::to_value(&existing).ok(),
                )
            });
        }
    }
    let now = now_ms();
    let id = insert_creator(w.conn(), campaign_id, &n, now).await?;
    crate::creators::ssr::record(
        &mut w,
        campaign_id,
        id,
        who,
        "added",
        &format!("Added to the pool on {} as @{}", n.platform, n.handle),
    )
    .await?;
    let card = card_by_id(w.conn(), campaign_id, id).await?.ok_or_else(AppError::internal)?;
    log::append(&mut w, campaign_id, &who.actor(), Change::CardAdded { card: card.clone() }).await?;
    idempotency::store(&mut w, &scope, key, &card).await?;
    w.commit().await?;
    Ok(card)
}

/// Adds another platform's handle to a creator (how a suspected duplicate is merged before it exists).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
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
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn merge_creators(
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
    /// The portal accounts of the two records.
    #[derive(sqlx::FromRow)]
    struct Accounts {
        into_user: Option<i64>,
        from_user: Option<i64>,
    }
    let accounts: Accounts = sqlx::query_as(
        "SELECT (SELECT user_id FROM creators WHERE id = $1) AS into_user, (SELECT user_id FROM creators WHERE id = $2) AS from_user",
    )
    .bind(creator_id)
    .bind(from.id)
    .fetch_one(w.conn())
    .await?;
    if let (Some(a), Some(b)) = (accounts.into_user, accounts.from_user) {
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
