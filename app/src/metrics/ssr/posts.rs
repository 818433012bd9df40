//! Registering posts.
use super::*;
/// Registers a post (or UGC asset) of a creator of the pool.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn add_post(db: &Db, who: &Principal, campaign_id: i64, input: &NewPost) -> Result<Post> {
    authorize(db, who, campaign_id).await?;
    let url = input.url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.len() > 2000
        || url.contains(char::is_whitespace)
    {
        return Err(AppError::validation("url", "Give the post's web address, starting with https://"));
    }
    let platform = input.platform.trim().to_lowercase();
    if !crate::vocab::PLATFORMS.contains(&platform.as_str()) {
        return Err(AppError::validation("platform", format!("Use one of: {}", crate::vocab::PLATFORMS.join(", "))));
    }
    crate::limits::check_len("title", input.title.trim(), crate::limits::NAME)?;
    let mut w = db.write_campaign(campaign_id).await?;
    #[derive(sqlx::FromRow)]
    struct CreatorRow {
        name: String,
        lane: String,
        followers: i64,
    }
    let creator: CreatorRow =
        sqlx::query_as("SELECT name, lane, followers FROM creators WHERE id = $1 AND campaign_id = $2")
            .bind(input.creator_id)
            .bind(campaign_id)
            .fetch_optional(w.conn())
            .await?
            .ok_or_else(|| {
                AppError::validation(
                    "creator_id",
                    format!("Creator {} is not in this campaign's pool", input.creator_id),
                )
            })?;
    let mut lane = input.lane.or_else(|| Lane::parse(&creator.lane)).unwrap_or(Lane::Influencer);
    if let Some(d) = input.deliverable_id {
        let found: Option<(String, i64)> =
            sqlx::query_as("SELECT lane, creator_id FROM deliverables WHERE id = $1 AND campaign_id = $2")
                .bind(d)
                .bind(campaign_id)
                .fetch_optional(w.conn())
                .await?;
        match found {
            Some((l, c)) if c == input.creator_id => lane = input.lane.or_else(|| Lane::parse(&l)).unwrap_or(lane),
            Some(_) => {
                return Err(AppError::validation("deliverable_id", "That deliverable belongs to another creator"))
            }
            None => {
                return Err(AppError::validation("deliverable_id", format!("Deliverable {d} is not in this campaign")))
            }
        }
    }
    // The followers of the account on that platform, when the pool knows the handle.
    let followers: Option<i64> = sqlx::query_scalar(
        "SELECT followers FROM creator_handles WHERE creator_id = $1 AND platform = $2 ORDER BY position LIMIT 1",
    )
    .bind(input.creator_id)
    .bind(&platform)
    .fetch_optional(w.conn())
    .await?;
    let followers = followers.unwrap_or(creator.followers);
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE campaign_id = $1 AND url = $2")
        .bind(campaign_id)
        .bind(url)
        .fetch_optional(w.conn())
        .await?;
    if let Some(id) = taken {
        return Err(AppError::conflict(
            format!("This post is already tracked (post {id})"),
            Some(serde_json::json!({ "post_id": id })),
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO posts (campaign_id, creator_id, deliverable_id, lane, platform, url, title, followers, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(campaign_id)
    .bind(input.creator_id)
    .bind(input.deliverable_id)
    .bind(lane.as_str())
    .bind(&platform)
    .bind(url)
    .bind(input.title.trim())
    .bind(followers)
    .bind(who.me.user_id)
    .bind(now_ms())
    .fetch_one(w.conn())
    .await?;
    let post = Post {
        id,
        campaign_id,
        creator_id: input.creator_id,
        creator_name: creator.name,
        deliverable_id: input.deliverable_id,
        lane,
        platform,
        url: url.to_string(),
        title: input.title.trim().to_string(),
        followers,
    };
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::PostTracked { post_id: id, creator_name: post.creator_name.clone(), lane },
    )
    .await?;
    w.commit().await?;
    Ok(post)
}

/// The creators and deliverables a post can be tracked for (the quick "Track a post" form).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn track_choices(db: &Db, who: &Principal, campaign_id: i64) -> Result<crate::metrics::TrackChoices> {
    use crate::metrics::{TrackChoices, TrackCreator, TrackDeliverable};
    authorize(db, who, campaign_id).await?;
    let creators: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, platform FROM creators WHERE campaign_id = $1 ORDER BY name, id LIMIT 5000")
            .bind(campaign_id)
            .fetch_all(&db.pool)
            .await?;
    let handles: Vec<(i64, String)> = sqlx::query_as(
        "SELECT h.creator_id, h.platform FROM creator_handles h JOIN creators c ON c.id = h.creator_id \
         WHERE c.campaign_id = $1 ORDER BY h.creator_id, h.position",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    let creators = creators
        .into_iter()
        .map(|(id, name, main)| {
            let mut platforms = vec![main];
            for (_, p) in handles.iter().filter(|(c, _)| *c == id) {
                if !platforms.contains(p) {
                    platforms.push(p.clone());
                }
            }
            TrackCreator { id, name, platforms }
        })
        .collect();
    let deliverables: Vec<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT id, creator_id, title, lane FROM deliverables WHERE campaign_id = $1 ORDER BY id DESC LIMIT 5000",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    let deliverables = deliverables
        .into_iter()
        .filter_map(|(id, creator_id, title, lane)| {
            Some(TrackDeliverable { id, creator_id, title, lane: Lane::parse(&lane)? })
        })
        .collect();
    Ok(TrackChoices { creators, deliverables })
}
