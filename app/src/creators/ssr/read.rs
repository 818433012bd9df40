//! Reading creators: the board's cards (the whole board in one query), one card, and a creator's detail.
use sqlx::Row;

use super::super::{Board, Card, CreatorDetail, PlatformStats, Profile};
use crate::accounts::ssr::{org_from_row, Principal};
use crate::campaigns::ssr::{authorize, get as get_campaign};
use crate::db::{from_ms, Backend, Db};
use crate::error::{AppError, Result};
use crate::realtime::log;
use crate::vocab::{Lane, Stage};
use super::super::HistoryEntry;

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
pub async fn get_board(db: &Db, who: &Principal, campaign_id: i64) -> Result<Board> {
    let campaign = get_campaign(db, who, campaign_id).await?;
    let head = log::head(&db.pool, campaign_id).await?.unwrap_or(0);
    let cards = all_cards(db, campaign_id).await?;
    let tiers = crate::charter::ssr::tiers(db, campaign_id).await?;
    let people = super::people(db, campaign_id).await?;
    Ok(Board { campaign, cards, tiers, people, head })
}

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
