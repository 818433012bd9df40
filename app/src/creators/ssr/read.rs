//! Reading creators: the board's cards (the whole board in one query), one card, and a creator's detail.
use sqlx::Row;

use super::super::HistoryEntry;
use super::super::{Board, Card, CreatorDetail, PlatformStats, Profile};
use crate::accounts::ssr::{org_from_row, Principal};
use crate::campaigns::ssr::{authorize, get_campaign};
use crate::db::{from_ms, Backend, Db};
use crate::error::{AppError, Result};
use crate::realtime::log;
use crate::vocab::{Lane, Stage};

/// A card's values, in the order of `CardRow`'s fields. The engagements add averages each clamped to
/// `limits::FOLLOWERS` (what is accepted now), so old rows past it cannot overflow the sum and fail the board.
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
/// One card as a JSON array, read the same way.
const SQLITE_ONE_CARD: &str =
    concat!("SELECT json_array(", card_values!(), ")", card_from!(), " WHERE cr.id = $1 AND cr.campaign_id = $2");
const POSTGRES_ONE_CARD: &str = concat!(
    "SELECT json_build_array(",
    card_values!(),
    ")::text",
    card_from!(),
    " WHERE cr.id = $1 AND cr.campaign_id = $2"
);

/// One card as the database writes it (a JSON array of the values of `card_values!`, in this order: serde reads a
/// struct from an array field by field).
#[derive(serde::Deserialize)]
struct CardRow {
    id: i64,
    campaign_id: i64,
    name: String,
    platform: String,
    handle: String,
    followers: i64,
    avg_reach: Option<i64>,
    engagements: i64,
    handles: i64,
    country: Option<String>,
    lane: String,
    stage: String,
    stage_changed_at: i64,
    org_id: i64,
    org_name: String,
    org_kind: String,
    org_color: String,
    owner_user_id: Option<i64>,
    owner_person: Option<String>,
    next_action: Option<String>,
    next_action_due: Option<String>,
    version: i64,
    updated_at: i64,
}

impl CardRow {
    fn into_card(self) -> Card {
        Card {
            id: self.id,
            campaign_id: self.campaign_id,
            name: self.name,
            platform: self.platform,
            handle: self.handle,
            followers: self.followers,
            avg_reach: self.avg_reach,
            engagements: self.engagements,
            handles: self.handles,
            country: self.country,
            lane: Lane::parse(&self.lane).unwrap_or(Lane::Influencer),
            stage: Stage::parse(&self.stage).unwrap_or(Stage::Prospect),
            stage_since: from_ms(self.stage_changed_at),
            owner: org_from_row(self.org_id, self.org_name, self.org_kind, self.org_color),
            owner_user_id: self.owner_user_id,
            owner_person: self.owner_person,
            next_action: self.next_action,
            next_action_due: self.next_action_due.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            version: self.version,
            updated_at: from_ms(self.updated_at),
        }
    }
}

fn unreadable(e: serde_json::Error, campaign_id: i64) -> AppError {
    tracing::error!(error = %e, campaign_id, "the board's cards did not read");
    AppError::internal()
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
    let rows: Vec<CardRow> = serde_json::from_str(&text).map_err(|e| unreadable(e, campaign_id))?;
    let mut cards: Vec<Card> = rows.into_iter().map(CardRow::into_card).collect();
    cards.sort_unstable_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
    Ok(cards)
}

/// A creator's own portal account.
#[derive(sqlx::FromRow)]
struct Account {
    name: String,
    email: String,
}

/// One card, read as the board reads them (one JSON array: the same values, the same conversion).
pub(crate) async fn card_by_id(conn: &mut sqlx::AnyConnection, campaign_id: i64, card_id: i64) -> Result<Option<Card>> {
    let sql = if conn.backend_name() == "PostgreSQL" { POSTGRES_ONE_CARD } else { SQLITE_ONE_CARD };
    let text: Option<String> = sqlx::query_scalar(sql).bind(card_id).bind(campaign_id).fetch_optional(conn).await?;
    let Some(text) = text else { return Ok(None) };
    let row: CardRow = serde_json::from_str(&text).map_err(|e| unreadable(e, campaign_id))?;
    Ok(Some(row.into_card()))
}

/// The whole board. `head` is read first, so replaying events after it on this state is always safe.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_board(db: &Db, who: &Principal, campaign_id: i64) -> Result<Board> {
    let campaign = get_campaign(db, who, campaign_id).await?;
    let head = log::head(&db.pool, campaign_id).await?.unwrap_or(0);
    let cards = all_cards(db, campaign_id).await?;
    let tiers = crate::charter::ssr::tiers(db, campaign_id).await?;
    let people = super::people(db, campaign_id).await?;
    Ok(Board { campaign, cards, tiers, people, head })
}

#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_creator(db: &Db, who: &Principal, campaign_id: i64, card_id: i64) -> Result<Card> {
    authorize(db, who, campaign_id).await?;
    let mut conn = db.pool.acquire().await?;
    card_by_id(&mut conn, campaign_id, card_id).await?.ok_or_else(|| AppError::not_found("Creator"))
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
            platform: r.get("platform"),
            handle: r.get("handle"),
            followers: r.get("followers"),
            avg_reach: r.get("avg_reach"),
            avg_likes: r.get("avg_likes"),
            avg_comments: r.get("avg_comments"),
            avg_shares: r.get("avg_shares"),
            avg_saves: r.get("avg_saves"),
        })
        .collect())
}

/// A card's detail: profile, every handle with its figures, and the history (newest first).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn creator_detail(db: &Db, who: &Principal, campaign_id: i64, creator_id: i64) -> Result<CreatorDetail> {
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
        name: r.get("name"),
        country: r.get("country"),
        language: r.get("language"),
        audience_notes: r.get("audience_notes"),
        rates: r.get("rates"),
        contact_email: r.get("contact_email"),
    };
    let account = match r.get::<Option<i64>, _>("user_id") {
        Some(uid) => sqlx::query_as::<_, Account>("SELECT name, email FROM users WHERE id = $1")
            .bind(uid)
            .fetch_optional(&mut *conn)
            .await?
            .map(|a| (a.name, a.email)),
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
    .map(|r| HistoryEntry { id: r.get("id"), kind: r.get("kind"), text: r.get("body"), actor_name: r.get("actor_name"), actor_org: r.get("actor_org_name"), at: from_ms(r.get("at")) })
    .collect();
    Ok(CreatorDetail { card, profile, handles, history, account })
}
