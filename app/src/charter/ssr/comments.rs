//! Comments on the charter, and the creator-facing view of it.
use super::*;
/// Partners comment on any section; creators on the sections they can see.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn comment_charter(db: &Db, who: &Principal, campaign_id: i64, input: &NewComment) -> Result<CharterComment> {
    let is_creator = who.me.role == Role::Creator;
    if is_creator {
        authorize_creator(db, who, campaign_id).await?;
        if !input.section.creator_facing() {
            return Err(AppError::validation(
                "section",
                "Creators comment on the brief, the pillars, the criteria and the point of contact",
            ));
        }
    } else {
        authorize(db, who, campaign_id).await?;
    }
    let body = input.body.trim();
    if body.is_empty() || body.chars().count() > 4000 {
        return Err(AppError::validation("body", "Write a comment of 1 to 4,000 characters"));
    }
    let mut w = db.write_campaign(campaign_id).await?;
    let mut to_creator = None;
    if let Some(parent) = input.parent_id {
        let (section, author): (String, i64) = sqlx::query_as("SELECT section, author_user_id FROM charter_comments WHERE id = $1 AND campaign_id = $2 AND parent_id IS NULL")
            .bind(parent)
            .bind(campaign_id)
            .fetch_optional(w.conn())
            .await?
            .ok_or_else(|| AppError::validation("parent_id", "Reply to a comment of this charter"))?;
        if is_creator && author != who.me.user_id {
            return Err(AppError::validation("parent_id", "Reply to a comment of this charter"));
        }
        if section != input.section.key() {
            return Err(AppError::validation("section", "A reply belongs to the same section as its comment"));
        }
        // A partner answering a creator: her open portal hears of it.
        if !is_creator {
            to_creator = sqlx::query_scalar(
                "SELECT c.id FROM creators c JOIN users u ON u.id = c.user_id \
                 WHERE c.campaign_id = $1 AND c.user_id = $2 AND u.role = 'creator' ORDER BY c.id LIMIT 1",
            )
            .bind(campaign_id)
            .bind(author)
            .fetch_optional(w.conn())
            .await?;
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO charter_comments (campaign_id, section, author_user_id, body, parent_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(campaign_id)
    .bind(input.section.key())
    .bind(who.me.user_id)
    .bind(body)
    .bind(input.parent_id)
    .bind(now_ms())
    .fetch_one(w.conn())
    .await?;
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::CharterCommented { comment_id: id, section: input.section, by_creator: is_creator, to_creator },
    )
    .await?;
    w.commit().await?;
    Ok(CharterComment {
        id,
        section: input.section,
        author: who.me.name.clone(),
        author_is_creator: is_creator,
        body: body.to_string(),
        parent_id: input.parent_id,
        created_at: chrono::Utc::now(),
        resolved_by: None,
    })
}

#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn resolve_charter_comment(db: &Db, who: &Principal, campaign_id: i64, comment_id: i64) -> Result<()> {
    authorize(db, who, campaign_id).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    let done = sqlx::query(
        "UPDATE charter_comments SET resolved_by = $1, resolved_at = $2 WHERE id = $3 AND campaign_id = $4 AND parent_id IS NULL AND resolved_at IS NULL",
    )
    .bind(who.me.user_id)
    .bind(now_ms())
    .bind(comment_id)
    .bind(campaign_id)
    .execute(w.conn())
    .await?;
    if done.rows_affected() == 0 {
        let exists = sqlx::query("SELECT 1 FROM charter_comments WHERE id = $1 AND campaign_id = $2")
            .bind(comment_id)
            .bind(campaign_id)
            .fetch_optional(w.conn())
            .await?;
        return match exists {
            Some(_) => Ok(()), // already resolved
            None => Err(AppError::not_found("Comment")),
        };
    }
    log::append(&mut w, campaign_id, &who.actor(), Change::CharterCommentResolved { comment_id }).await?;
    w.commit().await?;
    Ok(())
}

/// The creator-facing part of the version under review (or the draft before any proposal).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_creator_charter(db: &Db, who: &Principal, campaign_id: i64) -> Result<CreatorCharter> {
    authorize_creator(db, who, campaign_id).await?;
    let (name, time_zone): (String, String) = sqlx::query_as("SELECT name, time_zone FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(&db.pool)
        .await?;
    let all = versions(db, campaign_id).await?;
    let (version, doc) = match all.last() {
        Some(v) => (Some(v.number), v.doc.clone()),
        None => {
            let mut conn = db.pool.acquire().await?;
            (None, draft(&mut conn, campaign_id).await?.0)
        }
    };
    let roster = roster(db, campaign_id).await?;
    // A creator sees their own threads only: never other creators' or partners' internal comments.
    let mine: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM charter_comments WHERE campaign_id = $1 AND author_user_id = $2 AND parent_id IS NULL",
    )
    .bind(campaign_id)
    .bind(who.me.user_id)
    .fetch_all(&db.pool)
    .await?;
    let comments = comments(db, campaign_id)
        .await?
        .into_iter()
        .filter(|c| mine.contains(&c.id) || c.parent_id.is_some_and(|p| mine.contains(&p)))
        .collect();
    Ok(CreatorCharter {
        campaign_id,
        campaign_name: name,
        version,
        contact: roster.person_label(doc.ownership.creator_contact),
        time_zone,
        brief: doc.creative_brief,
        pillars: doc.pillars,
        criteria: doc.criteria,
        comments,
    })
}
