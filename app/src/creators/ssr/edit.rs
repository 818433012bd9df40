//! Changes to one creator: a move to another stage, the owner, the next action, the profile, a note.
use super::super::{owner_label, Card, ChangeOwner, EditCreator, HistoryEntry, MoveCard, NewNote, SetNextAction};
use super::{begin_card_write, card_by_id, check_owner, conflict, finish_card_write, record};
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::authorize;
use crate::db::{now_ms, Db};
use crate::error::{AppError, Result};
use crate::idempotency;
use crate::realtime::{log, Change};

/// Moves a card to another stage. A move based on a stale version is refused with the card as it is now.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
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
    crate::creators::ssr::record(
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

/// Hands the relationship to another partner (and person). Recorded in the history and the activity.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
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
    #[derive(sqlx::FromRow)]
    struct NewOwner {
        org_name: String,
        person: Option<String>,
    }
    let new_owner: NewOwner = sqlx::query_as(
        "SELECT o.name AS org_name, (SELECT name FROM users WHERE id = $1) AS person FROM organizations o WHERE o.id = $2",
    )
            .bind(input.user_id)
            .bind(input.org_id)
            .fetch_one(w.conn())
            .await?;
    let from = owner_label(&current.owner, current.owner_person.as_deref());
    let to = match &new_owner.person {
        Some(p) => format!("{} · {p}", new_owner.org_name),
        None => new_owner.org_name.clone(),
    };
    let text = format!("Owner changed from {from} to {to}");
    let what = format!("handed {} from {from} to {to}", current.name);
    finish_card_write(w, who, &current, "owner", &text, what, key).await
}

/// Sets (or clears) the next action and its due date.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
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
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn edit_profile(
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
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
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
