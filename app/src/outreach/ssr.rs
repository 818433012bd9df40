//! Server side of the outreach board: loading it, adding creators to the pool, moving cards.
use sqlx::Row;

use super::{Board, Card, Lane, MoveCard, NewCreator, Stage, PLATFORMS};
use crate::accounts::ssr::{org_from_row, Principal};
use crate::campaigns::ssr::{authorize, get as get_campaign};
use crate::db::{from_ms, now_ms, Db};
use crate::error::{AppError, Result};
use crate::idempotency;
use crate::realtime::{log, Change};

const CARD_COLUMNS: &str = "cr.id, cr.campaign_id, cr.name, cr.platform, cr.handle, cr.followers, cr.lane, cr.stage, \
     o.id, o.name, o.kind, o.color, u.name, cr.next_action, cr.version, cr.updated_at \
     FROM creators cr JOIN organizations o ON o.id = cr.owner_org_id LEFT JOIN users u ON u.id = cr.owner_user_id";

fn card_from_row(r: &sqlx::any::AnyRow) -> Card {
    Card {
        id: r.get(0),
        campaign_id: r.get(1),
        name: r.get(2),
        platform: r.get(3),
        handle: r.get(4),
        followers: r.get(5),
        lane: Lane::parse(&r.get::<String, _>(6)).unwrap_or(Lane::Influencer),
        stage: Stage::parse(&r.get::<String, _>(7)).unwrap_or(Stage::Prospect),
        owner: org_from_row(r.get(8), r.get(9), r.get(10), r.get(11)),
        owner_person: r.get(12),
        next_action: r.get(13),
        version: r.get(14),
        updated_at: from_ms(r.get(15)),
    }
}

async fn card_by_id(conn: &mut sqlx::AnyConnection, campaign_id: i64, card_id: i64) -> Result<Option<Card>> {
    let row = sqlx::query(&format!("SELECT {CARD_COLUMNS} WHERE cr.id = $1 AND cr.campaign_id = $2"))
        .bind(card_id)
        .bind(campaign_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(card_from_row))
}

/// The whole board. `head` is read first, so replaying events after it on this state is always safe.
pub async fn board(db: &Db, who: &Principal, campaign_id: i64) -> Result<Board> {
    let campaign = get_campaign(db, who, campaign_id).await?;
    let head = log::head(&db.pool, campaign_id).await?.unwrap_or(0);
    let cards = sqlx::query(&format!("SELECT {CARD_COLUMNS} WHERE cr.campaign_id = $1 ORDER BY cr.updated_at DESC, cr.id"))
        .bind(campaign_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(card_from_row)
        .collect();
    Ok(Board { campaign, cards, head })
}

pub async fn card(db: &Db, who: &Principal, campaign_id: i64, card_id: i64) -> Result<Card> {
    authorize(db, who, campaign_id).await?;
    let mut conn = db.pool.acquire().await?;
    card_by_id(&mut conn, campaign_id, card_id).await?.ok_or_else(|| AppError::not_found("Creator"))
}

fn validate_new(input: &NewCreator) -> Result<(String, String, Lane)> {
    if input.name.trim().is_empty() {
        return Err(AppError::validation("name", "Enter the creator's name"));
    }
    let platform = input.platform.trim().to_lowercase();
    if !PLATFORMS.contains(&platform.as_str()) {
        return Err(AppError::validation("platform", format!("Choose one of: {}", PLATFORMS.join(", "))));
    }
    let handle = input.handle.trim().trim_start_matches('@').to_string();
    if handle.is_empty() || handle.len() > 100 || handle.chars().any(char::is_whitespace) {
        return Err(AppError::validation("handle", "Enter the handle without spaces, e.g. @studio.mara"));
    }
    if input.followers < 0 {
        return Err(AppError::validation("followers", "Followers cannot be negative"));
    }
    let lane = Lane::parse(&input.lane).ok_or_else(|| AppError::validation("lane", "Choose influencer or ugc"))?;
    Ok((platform, handle, lane))
}

/// Adds a creator to the campaign's pool (introducing them to every partner at once).
pub async fn add_creator(db: &Db, who: &Principal, campaign_id: i64, input: &NewCreator, key: Option<&str>) -> Result<Card> {
    let my_org = authorize(db, who, campaign_id).await?;
    let (platform, handle, lane) = validate_new(input)?;
    let owner_org = input.owner_org_id.unwrap_or(my_org.id);
    let hash = idempotency::request_hash("add_creator", &(campaign_id, input));
    let scope = who.idempotency_scope();
    let mut w = db.write().await?;
    if let Some(answer) = idempotency::claim(&mut w, &scope, key, &hash).await? {
        return idempotency::replay(&answer);
    }
    let is_partner = sqlx::query("SELECT 1 FROM campaign_partners WHERE campaign_id = $1 AND org_id = $2")
        .bind(campaign_id)
        .bind(owner_org)
        .fetch_optional(w.conn())
        .await?;
    if is_partner.is_none() {
        return Err(AppError::validation("owner_org_id", "The relationship owner must be a partner of this campaign"));
    }
    let exists = sqlx::query("SELECT name FROM creators WHERE campaign_id = $1 AND platform = $2 AND handle_key = $3")
        .bind(campaign_id)
        .bind(&platform)
        .bind(handle.to_lowercase())
        .fetch_optional(w.conn())
        .await?;
    if let Some(row) = exists {
        return Err(AppError::validation(
            "handle",
            format!("@{handle} on {platform} is already in this pool as {}", row.get::<String, _>(0)),
        ));
    }
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO creators (campaign_id, name, platform, handle, handle_key, followers, lane, stage, owner_org_id, \
         owner_user_id, next_action, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'prospect', $8, $9, $10, 1, $11, $12) RETURNING id",
    )
    .bind(campaign_id)
    .bind(input.name.trim())
    .bind(&platform)
    .bind(&handle)
    .bind(handle.to_lowercase())
    .bind(input.followers)
    .bind(lane.as_str())
    .bind(owner_org)
    .bind(if owner_org == my_org.id && who.via_token.is_none() { Some(who.me.user_id) } else { None })
    .bind(input.next_action.as_deref().map(str::trim).filter(|s| !s.is_empty()))
    .bind(now)
    .bind(now)
    .fetch_one(w.conn())
    .await?;
    let card = card_by_id(w.conn(), campaign_id, id).await?.ok_or_else(AppError::internal)?;
    log::append(&mut w, campaign_id, &who.actor(), Change::CardAdded { card: card.clone() }).await?;
    idempotency::store(&mut w, &scope, key, &card).await?;
    w.commit().await?;
    Ok(card)
}

/// Moves a card to another stage. A move based on a stale version is refused with the card as it is now.
pub async fn move_card(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    card_id: i64,
    input: &MoveCard,
    key: Option<&str>,
) -> Result<Card> {
    authorize(db, who, campaign_id).await?;
    let hash = idempotency::request_hash("move_card", &(campaign_id, card_id, input));
    let scope = who.idempotency_scope();
    let mut w = db.write().await?;
    if let Some(answer) = idempotency::claim(&mut w, &scope, key, &hash).await? {
        return idempotency::replay(&answer);
    }
    let current = card_by_id(w.conn(), campaign_id, card_id).await?.ok_or_else(|| AppError::not_found("Creator"))?;
    if current.version != input.version {
        return Err(conflict(&current, who));
    }
    if current.stage == input.stage {
        idempotency::store(&mut w, &scope, key, &current).await?;
        w.commit().await?;
        return Ok(current);
    }
    let updated = sqlx::query(
        "UPDATE creators SET stage = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND campaign_id = $4 AND version = $5",
    )
    .bind(input.stage.as_str())
    .bind(now_ms())
    .bind(card_id)
    .bind(campaign_id)
    .bind(input.version)
    .execute(w.conn())
    .await?;
    if updated.rows_affected() == 0 {
        return Err(conflict(&current, who));
    }
    let card = card_by_id(w.conn(), campaign_id, card_id).await?.ok_or_else(AppError::internal)?;
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::CardMoved { card_id, name: card.name.clone(), from: current.stage, to: card.stage, version: card.version },
    )
    .await?;
    idempotency::store(&mut w, &scope, key, &card).await?;
    w.commit().await?;
    Ok(card)
}

fn conflict(current: &Card, _who: &Principal) -> AppError {
    AppError::conflict(
        format!(
            "{} was changed by someone else meanwhile: it is now in {} (version {}). Your move was not applied.",
            current.name,
            current.stage.label(),
            current.version
        ),
        serde_json::to_value(current).ok(),
    )
}
