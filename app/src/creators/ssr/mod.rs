//! Server side of the creators: the board and a creator's detail (`read`), adding creators, handles and merging
//! records (`add`), moves, owner, next action, profile edits and notes (`edit`), CSV import and export (`import`).
//! This file holds what they share: the owner check, the stale-version conflict, the history, and the write recipe
//! of a change to one creator.
use sqlx::Row;

use super::{Card, HistoryEntry, PartnerPerson};
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::authorize;
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::{AppError, Result};
use crate::idempotency;
use crate::realtime::{log, Change};

mod add;
mod edit;
mod import;
mod read;

pub use add::*;
pub use edit::*;
pub use import::*;
pub use read::*;

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
    Ok(rows
        .iter()
        .map(|r| PartnerPerson { user_id: r.get("id"), name: r.get("name"), org_id: r.get("org_id") })
        .collect())
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
