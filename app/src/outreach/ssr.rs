//! Server side of the outreach board: loading it, adding creators to the pool, moving cards.
use sqlx::Row;

use super::{Board, Card, Lane, MoveCard, NewCreator, Stage};
use crate::accounts::ssr::{org_from_row, Principal};
use crate::campaigns::ssr::{authorize, get_campaign};
use crate::db::{from_ms, now_ms, Backend, Db};
use crate::error::{AppError, Result};
use crate::idempotency;
use crate::realtime::{log, Change};

/// A card's values, in the order `card_from_row` and `CardRow` read them. The engagements add averages each clamped
/// to `limits::FOLLOWERS` (what is accepted now), so old rows past it cannot overflow the sum and fail the board.
macro_rules! card_values {
    () => {
        "cr.id, cr.campaign_id, cr.name, cr.platform, cr.handle, cr.followers, cr.avg_reach, \
         (CASE WHEN cr.avg_likes > 10000000000 THEN 10000000000 ELSE cr.avg_likes END) \
         + (CASE WHEN cr.avg_comments > 10000000000 THEN 10000000000 ELSE cr.avg_comments END) \
         + (CASE WHEN cr.avg_shares > 10000000000 THEN 10000000000 ELSE cr.avg_shares END) \
         + (CASE WHEN cr.avg_saves > 10000000000 THEN 10000000000 ELSE cr.avg_saves END), \
         (SELECT COUNT(*) FROM creator_handles h WHERE h.creator_id = cr.id), cr.country, cr.lane, cr.stage, cr.stage_changed_at, \
         o.id, o.name, o.kind, o.color, cr.owner_user_id, u.name, cr.next_action, cr.next_action_due, cr.version, cr.updated_at"
    };
}

macro_rules! card_from {
    () => {
        " FROM creators cr JOIN organizations o ON o.id = cr.owner_org_id LEFT JOIN users u ON u.id = cr.owner_user_id"
    };
}

const CARD_COLUMNS: &str = concat!(card_values!(), card_from!());

/// A campaign's cards as one JSON array of arrays (one row for the whole board).
const SQLITE_ALL_CARDS: &str =
    concat!("SELECT json_group_array(json_array(", card_values!(), "))", card_from!(), " WHERE cr.campaign_id = $1");
const POSTGRES_ALL_CARDS: &str = concat!(
    "SELECT COALESCE(json_agg(json_build_array(",
    card_values!(),
    "))::text, '[]')",
    card_from!(),
    " WHERE cr.campaign_id = $1"
);

/// One card as the database writes it in `SQLITE_ALL_CARDS` / `POSTGRES_ALL_CARDS`: the values of `card_values!`.
#[derive(serde::Deserialize)]
struct CardRow(
    i64,
    i64,
    String,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    i64,
    Option<String>,
    String,
    String,
    i64,
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

impl CardRow {
    fn into_card(self) -> Card {
        let CardRow(
            id,
            campaign_id,
            name,
            platform,
            handle,
            followers,
            avg_reach,
            engagements,
            handles,
            country,
            lane,
            stage,
            stage_since,
            org_id,
            org_name,
            org_kind,
            org_color,
            owner_user_id,
            owner_person,
            next_action,
            due,
            version,
            updated_at,
        ) = self;
        Card {
            id,
            campaign_id,
            name,
            platform,
            handle,
            followers,
            avg_reach,
            engagements,
            handles,
            country,
            lane: Lane::parse(&lane).unwrap_or(Lane::Influencer),
            stage: Stage::parse(&stage).unwrap_or(Stage::Prospect),
            stage_since: from_ms(stage_since),
            owner: org_from_row(org_id, org_name, org_kind, org_color),
            owner_user_id,
            owner_person,
            next_action,
            next_action_due: due.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            version,
            updated_at: from_ms(updated_at),
        }
    }
}

/// Every card of a campaign, the most recently changed first.
///
/// The database returns the whole board as one JSON text: 2,000 rows one by one through sqlx's `Any` driver (and,
/// on SQLite, its worker thread) took most of a large board's load time.
async fn all_cards(db: &Db, campaign_id: i64) -> Result<Vec<Card>> {
    let sql = match db.backend {
        Backend::Sqlite => SQLITE_ALL_CARDS,
        Backend::Postgres => POSTGRES_ALL_CARDS,
    };
    let text: String = sqlx::query_scalar(sql).bind(campaign_id).fetch_one(&db.pool).await?;
    let rows: Vec<CardRow> = serde_json::from_str(&text).map_err(|e| {
        tracing::error!(error = %e, campaign_id, "the board's cards did not read");
        AppError::internal()
    })?;
    let mut cards: Vec<Card> = rows.into_iter().map(CardRow::into_card).collect();
    cards.sort_unstable_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
    Ok(cards)
}

/// One card read row by row (a single card): the same values as `CardRow`, and the same conversion.
fn card_from_row(r: &sqlx::any::AnyRow) -> Card {
    CardRow(
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        r.get(5),
        r.get(6),
        r.get(7),
        r.get(8),
        r.get(9),
        r.get(10),
        r.get(11),
        r.get(12),
        r.get(13),
        r.get(14),
        r.get(15),
        r.get(16),
        r.get(17),
        r.get(18),
        r.get(19),
        r.get(20),
        r.get(21),
        r.get(22),
    )
    .into_card()
}

pub(crate) async fn card_by_id(conn: &mut sqlx::AnyConnection, campaign_id: i64, card_id: i64) -> Result<Option<Card>> {
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
    let cards = all_cards(db, campaign_id).await?;
    let tiers = crate::charter::ssr::tiers(db, campaign_id).await?;
    let people = crate::pool::ssr::people(db, campaign_id).await?;
    Ok(Board { campaign, cards, tiers, people, head })
}

pub async fn card(db: &Db, who: &Principal, campaign_id: i64, card_id: i64) -> Result<Card> {
    authorize(db, who, campaign_id).await?;
    let mut conn = db.pool.acquire().await?;
    card_by_id(&mut conn, campaign_id, card_id).await?.ok_or_else(|| AppError::not_found("Creator"))
}

/// Checks that the owner is a partner and the person (if any) works there.
pub(crate) async fn check_owner(
    conn: &mut sqlx::AnyConnection,
    campaign_id: i64,
    org_id: i64,
    user_id: Option<i64>,
) -> Result<()> {
    let is_partner = sqlx::query("SELECT 1 FROM campaign_partners WHERE campaign_id = $1 AND org_id = $2")
        .bind(campaign_id)
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await?;
    if is_partner.is_none() {
        return Err(AppError::validation("owner_org_id", "The relationship owner must be a partner of this campaign"));
    }
    if let Some(uid) = user_id {
        let works_there = sqlx::query("SELECT 1 FROM users WHERE id = $1 AND org_id = $2 AND role = 'member'")
            .bind(uid)
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?;
        if works_there.is_none() {
            return Err(AppError::validation("owner_user_id", "The owner person must work for the owner partner"));
        }
    }
    Ok(())
}

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
    crate::pool::ssr::record(
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
    let mut w = db.write_campaign(campaign_id).await?;
    if let Some(answer) = idempotency::claim(&mut w, &scope, key, &hash).await? {
        return idempotency::replay(&answer);
    }
    let current = card_by_id(w.conn(), campaign_id, card_id).await?.ok_or_else(|| AppError::not_found("Creator"))?;
    if current.version != input.version {
        return Err(conflict(&current));
    }
    if current.stage == input.stage {
        idempotency::store(&mut w, &scope, key, &current).await?;
        w.commit().await?;
        return Ok(current);
    }
    let now = now_ms();
    let updated = sqlx::query(
        "UPDATE creators SET stage = $1, stage_changed_at = $2, version = version + 1, updated_at = $3 \
         WHERE id = $4 AND campaign_id = $5 AND version = $6",
    )
    .bind(input.stage.as_str())
    .bind(now)
    .bind(now)
    .bind(card_id)
    .bind(campaign_id)
    .bind(input.version)
    .execute(w.conn())
    .await?;
    if updated.rows_affected() == 0 {
        return Err(conflict(&current));
    }
    let card = card_by_id(w.conn(), campaign_id, card_id).await?.ok_or_else(AppError::internal)?;
    crate::pool::ssr::record(
        &mut w,
        campaign_id,
        card_id,
        who,
        "moved",
        &format!("Moved from {} to {}", current.stage.label(), card.stage.label()),
    )
    .await?;
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::CardMoved {
            card_id,
            name: card.name.clone(),
            from: current.stage,
            to: card.stage,
            version: card.version,
        },
    )
    .await?;
    idempotency::store(&mut w, &scope, key, &card).await?;
    w.commit().await?;
    Ok(card)
}

pub(crate) fn conflict(current: &Card) -> AppError {
    AppError::conflict(
        format!(
            "{} was changed by someone else meanwhile: it is now in {} (version {}). Your change was not applied.",
            current.name,
            current.stage.label(),
            current.version
        ),
        serde_json::to_value(current).ok(),
    )
}
