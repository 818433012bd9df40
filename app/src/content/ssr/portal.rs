//! The creator's side: their record in a campaign, their deliverables, their portal page, and submitting a round.
use chrono::Utc;

use super::super::sla;
use super::super::*;
use super::{campaign_zone, disclosure_for, lanes, load, Audience};
use crate::accounts::ssr::Principal;
use crate::charter::ssr::{current_doc, roster};
use crate::db::Db;
use crate::error::{AppError, Result};
use crate::idempotency;
use crate::limits::{self, check_len};
use crate::realtime::{log, Change};

/// A deliverable addressed to the signed-in creator, or "not found" (also for other creators' deliverables).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn creators_deliverable(db: &Db, who: &Principal, campaign_id: i64, id: i64) -> Result<Deliverable> {
    crate::campaigns::ssr::authorize_creator(db, who, campaign_id).await?;
    let mut found = load(db, campaign_id, Some(id), Some(who.me.user_id), Audience::Creator).await?;
    found.pop().ok_or_else(|| AppError::not_found("Deliverable"))
}

/// The creator's page for one campaign.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_portal(db: &Db, who: &Principal, campaign_id: i64, max_upload_bytes: u64) -> Result<PortalView> {
    let creator_id = crate::campaigns::ssr::authorize_creator(db, who, campaign_id).await?.creator_id;
    let mut conn = db.pool.acquire().await?;
    let (campaign_name, time_zone) = campaign_zone(&mut conn, campaign_id).await?;
    drop(conn);
    let doc = current_doc(db, campaign_id).await?;
    let roster = roster(db, campaign_id).await?;
    // The one named contact: the charter's creators' point of contact, else the relationship owner.
    #[derive(sqlx::FromRow)]
    struct Owner {
        owner_user_id: Option<i64>,
        owner_org_id: i64,
    }
    let owner: Option<Owner> = sqlx::query_as("SELECT owner_user_id, owner_org_id FROM creators WHERE id = $1")
        .bind(creator_id)
        .fetch_optional(&db.pool)
        .await?;
    let contact = match doc.ownership.creator_contact.filter(|id| roster.person(*id).is_some()) {
        Some(id) => roster.person_label(Some(id)),
        None => match owner {
            Some(Owner { owner_user_id: Some(user), .. }) if roster.person(user).is_some() => {
                roster.person_label(Some(user))
            }
            Some(Owner { owner_org_id, .. }) => roster.org_label(Some(owner_org_id)),
            None => "—".into(),
        },
    };
    let deliverables = load(db, campaign_id, None, Some(who.me.user_id), Audience::Creator).await?;
    let settings = lanes(db, campaign_id).await?;
    let lanes = settings
        .into_iter()
        .filter(|l| deliverables.iter().any(|d| d.lane == l.lane))
        .map(|l| PortalLane { lane: l.lane, brief: l.brief, criteria: l.criteria, sla_hours: l.sla_hours })
        .collect();
    Ok(PortalView {
        campaign_id,
        campaign_name,
        creator_id,
        contact,
        expectations: doc.criteria.creator_expectations.clone(),
        lanes,
        deliverables,
        max_upload_bytes,
        time_zone,
    })
}

fn validate_link(link: Option<&str>) -> Result<Option<String>> {
    match link.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(l)
            if (l.starts_with("https://") || l.starts_with("http://"))
                && l.len() <= 2000
                && !l.contains(char::is_whitespace) =>
        {
            Ok(Some(l.to_string()))
        }
        Some(l) => {
            Err(AppError::validation("link", format!("\"{l}\" is not a web link; paste one that starts with https://")))
        }
    }
}

/// The creator submits a round: files already uploaded and/or a link, with a caption.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn submit_draft(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    deliverable_id: i64,
    input: &NewSubmission,
    key: Option<&str>,
) -> Result<Deliverable> {
    let mine = creators_deliverable(db, who, campaign_id, deliverable_id).await?;
    let link = validate_link(input.link.as_deref())?;
    check_len("caption", &input.caption, limits::NOTE)?;
    if input.uploads.is_empty() && link.is_none() {
        return Err(AppError::validation("uploads", "Add at least one file or a link to your draft"));
    }
    let settings = lanes(db, campaign_id).await?;
    let lane = settings.iter().find(|l| l.lane == mine.lane).ok_or_else(AppError::internal)?;
    // Checked now and kept with the round: what the reviewer sees is what the creator was told.
    let disclosure = disclosure_for(db, campaign_id, mine.creator_id, input.caption.trim()).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    let scope = who.idempotency_scope();
    let hash = idempotency::request_hash(&format!("submit:{deliverable_id}"), input);
    if idempotency::claim(&mut w, &scope, key, &hash).await?.is_some() {
        drop(w);
        return creators_deliverable(db, who, campaign_id, deliverable_id).await;
    }
    #[derive(sqlx::FromRow)]
    struct Current {
        status: String,
        rounds: i64,
        version: i64,
    }
    let Current { status, rounds, version } =
        sqlx::query_as("SELECT status, rounds, version FROM deliverables WHERE id = $1")
            .bind(deliverable_id)
            .fetch_one(w.conn())
            .await?;
    let status = Status::parse(&status).unwrap_or(Status::AwaitingDraft);
    if !status.open_for_submission() {
        return Err(AppError::conflict(
            format!(
                "\"{}\" is {}: a new draft can be sent once the reviewer asks for changes",
                mine.title,
                status.label().to_lowercase()
            ),
            None,
        ));
    }
    for (i, id) in input.uploads.iter().enumerate() {
        #[derive(sqlx::FromRow)]
        struct Upload {
            status: String,
            submission_id: Option<i64>,
            deliverable_id: i64,
        }
        let row: Option<Upload> =
            sqlx::query_as("SELECT status, submission_id, deliverable_id FROM uploads WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(who.me.user_id)
                .fetch_optional(w.conn())
                .await?;
        match row {
            Some(Upload { status, submission_id: None, deliverable_id: d })
                if status == "complete" && d == deliverable_id => {}
            Some(Upload { status, .. }) if status == "receiving" => {
                return Err(AppError::validation(&format!("uploads[{i}]"), "This file has not finished uploading yet"))
            }
            _ => {
                return Err(AppError::validation(
                    &format!("uploads[{i}]"),
                    "This file is not a finished upload of this deliverable",
                ))
            }
        }
    }
    let now = Utc::now();
    let round = rounds + 1;
    let due = sla::review_due(now, lane.sla_hours);
    let submission_id: i64 = sqlx::query_scalar(
        "INSERT INTO submissions (deliverable_id, campaign_id, round, caption, link, submitted_by, submitted_at, sla_hours, review_due_at, reviewer_user_id, disclosure) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(deliverable_id)
    .bind(campaign_id)
    .bind(round)
    .bind(input.caption.trim())
    .bind(&link)
    .bind(who.me.user_id)
    .bind(now.timestamp_millis())
    .bind(lane.sla_hours)
    .bind(due.timestamp_millis())
    .bind(lane.reviewer.as_ref().and_then(|r| r.user_id))
    .bind(serde_json::to_string(&disclosure).map_err(|_| AppError::internal())?)
    .fetch_one(w.conn())
    .await?;
    for id in &input.uploads {
        sqlx::query("UPDATE uploads SET submission_id = $1, updated_at = $2 WHERE id = $3")
            .bind(submission_id)
            .bind(now.timestamp_millis())
            .bind(id)
            .execute(w.conn())
            .await?;
    }
    sqlx::query(
        "UPDATE deliverables SET status = 'in_review', rounds = $1, version = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(round)
    .bind(version + 1)
    .bind(now.timestamp_millis())
    .bind(deliverable_id)
    .execute(w.conn())
    .await?;
    let mut what = format!("submitted v{round} of \"{}\" for review (due in {} h)", mine.title, lane.sla_hours);
    if !disclosure.passed {
        what.push_str(&format!("; the {} disclosure check failed", disclosure.market.label()));
    }
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::DeliverableChanged {
            deliverable_id,
            creator_id: mine.creator_id,
            lane: mine.lane,
            status: Status::InReview,
            what,
        },
    )
    .await?;
    let reviewer = lane.reviewer.as_ref().and_then(|r| r.user_id);
    crate::notify::hooks::draft_sent(
        &mut w,
        campaign_id,
        deliverable_id,
        submission_id,
        who.me.user_id,
        reviewer,
        round,
        &mine.title,
    )
    .await?;
    idempotency::store(&mut w, &scope, key, &submission_id).await?;
    w.commit().await?;
    creators_deliverable(db, who, campaign_id, deliverable_id).await
}
