//! Server side of performance numbers: registering posts and taking in daily figures (validated whole before
//! anything is written; a changed figure is recorded as a correction with what it was).
use std::collections::HashSet;

use sqlx::Row;

use super::*;
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::authorize;
use crate::content::sla::tz;
use crate::db::{now_ms, Db};
use crate::error::{AppError, Result};
use crate::idempotency;
use crate::realtime::{log, Change};

/// Most rows one API call may carry (CSV files go through the import instead).
pub const MAX_BATCH: usize = 5_000;

/// Registers a post (or UGC asset) of a creator of the pool.
pub async fn add_post(db: &Db, who: &Principal, campaign_id: i64, input: &NewPost) -> Result<Post> {
    authorize(db, who, campaign_id).await?;
    let url = input.url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2000 || url.contains(char::is_whitespace) {
        return Err(AppError::validation("url", "Give the post's web address, starting with https://"));
    }
    let platform = input.platform.trim().to_lowercase();
    if !crate::outreach::PLATFORMS.contains(&platform.as_str()) {
        return Err(AppError::validation("platform", format!("Use one of: {}", crate::outreach::PLATFORMS.join(", "))));
    }
    let mut w = db.write().await?;
    let creator = sqlx::query("SELECT name, lane, followers FROM creators WHERE id = $1 AND campaign_id = $2")
        .bind(input.creator_id)
        .bind(campaign_id)
        .fetch_optional(w.conn())
        .await?
        .ok_or_else(|| AppError::validation("creator_id", format!("Creator {} is not in this campaign's pool", input.creator_id)))?;
    let mut lane = input.lane.or_else(|| Lane::parse(&creator.get::<String, _>(1))).unwrap_or(Lane::Influencer);
    if let Some(d) = input.deliverable_id {
        let found: Option<(String, i64)> = sqlx::query_as("SELECT lane, creator_id FROM deliverables WHERE id = $1 AND campaign_id = $2")
            .bind(d)
            .bind(campaign_id)
            .fetch_optional(w.conn())
            .await?;
        match found {
            Some((l, c)) if c == input.creator_id => lane = input.lane.or_else(|| Lane::parse(&l)).unwrap_or(lane),
            Some(_) => return Err(AppError::validation("deliverable_id", "That deliverable belongs to another creator")),
            None => return Err(AppError::validation("deliverable_id", format!("Deliverable {d} is not in this campaign"))),
        }
    }
    // The followers of the account on that platform, when the pool knows the handle.
    let followers: Option<i64> = sqlx::query_scalar("SELECT followers FROM creator_handles WHERE creator_id = $1 AND platform = $2 ORDER BY position LIMIT 1")
        .bind(input.creator_id)
        .bind(&platform)
        .fetch_optional(w.conn())
        .await?;
    let followers = followers.unwrap_or_else(|| creator.get(2));
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE campaign_id = $1 AND url = $2").bind(campaign_id).bind(url).fetch_optional(w.conn()).await?;
    if let Some(id) = taken {
        return Err(AppError::conflict(format!("This post is already tracked (post {id})"), Some(serde_json::json!({ "post_id": id }))));
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
        creator_name: creator.get(0),
        deliverable_id: input.deliverable_id,
        lane,
        platform,
        url: url.to_string(),
        title: input.title.trim().to_string(),
        followers,
    };
    log::append(&mut w, campaign_id, &who.actor(), Change::PostTracked { post_id: id, creator_name: post.creator_name.clone(), lane }).await?;
    w.commit().await?;
    Ok(post)
}

/// Checks a whole batch before anything is written; the error names the row and the field.
fn validate(rows: &[DailyFigures], posts: &HashSet<i64>, today: chrono::NaiveDate) -> Result<()> {
    if rows.is_empty() {
        return Err(AppError::validation("rows", "Send at least one row"));
    }
    if rows.len() > MAX_BATCH {
        return Err(AppError::validation("rows", format!("At most {MAX_BATCH} rows per call; import larger files as CSV")));
    }
    let mut seen = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        let at = |field: &str| format!("rows[{i}].{field}");
        if !posts.contains(&r.post_id) {
            return Err(AppError::validation(&at("post_id"), format!("Post {} is not tracked in this campaign", r.post_id)));
        }
        let day = r
            .day
            .trim()
            .parse::<chrono::NaiveDate>()
            .map_err(|_| AppError::validation(&at("day"), format!("\"{}\" is not a date; use YYYY-MM-DD", r.day)))?;
        if day > today {
            return Err(AppError::validation(&at("day"), format!("{day} is in the future (today is {today} in the campaign's time zone)")));
        }
        for (name, v) in r.values() {
            if v < 0 {
                return Err(AppError::validation(&at(name), format!("{name} cannot be negative ({v})")));
            }
        }
        if !seen.insert((r.post_id, day)) {
            return Err(AppError::validation(&at("day"), format!("Post {} appears twice for {day} in this batch", r.post_id)));
        }
    }
    Ok(())
}

/// Takes in a batch of daily figures: all of it or (on any bad row) none of it. A figure that differs from
/// what is stored is a correction, kept with its old values; identical rows change nothing. Idempotent by key.
pub async fn ingest(db: &Db, who: &Principal, campaign_id: i64, input: &Ingest, key: Option<&str>) -> Result<IngestResult> {
    authorize(db, who, campaign_id).await?;
    let source = input.source.trim();
    if source.is_empty() || source.len() > 100 {
        return Err(AppError::validation("source", "Name the source in 1 to 100 characters (e.g. \"manual\", \"api:shopify\")"));
    }
    let zone: String = sqlx::query_scalar("SELECT time_zone FROM campaigns WHERE id = $1").bind(campaign_id).fetch_one(&db.pool).await?;
    let today = tz::local_date(chrono::Utc::now(), tz::of(&zone));
    let posts: HashSet<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .collect();
    validate(&input.rows, &posts, today)?;
    let mut w = db.write().await?;
    let scope = who.idempotency_scope();
    let hash = idempotency::request_hash(&format!("metrics:{campaign_id}"), input);
    if let Some(answer) = idempotency::claim(&mut w, &scope, key, &hash).await? {
        return idempotency::replay(&answer);
    }
    let now = now_ms();
    let mut result = IngestResult::default();
    for r in &input.rows {
        let day = r.day.trim();
        let existing = sqlx::query(
            "SELECT impressions, reach, views, likes, comments, shares, saves, clicks, conversions, revenue_cents, fee_cents, product_cents, paid_cents \
             FROM daily_metrics WHERE post_id = $1 AND day = $2",
        )
        .bind(r.post_id)
        .bind(day)
        .fetch_optional(w.conn())
        .await?;
        let new: Vec<i64> = r.values().iter().map(|(_, v)| *v).collect();
        match existing {
            None => {
                sqlx::query(
                    "INSERT INTO daily_metrics (post_id, day, campaign_id, impressions, reach, views, likes, comments, shares, saves, clicks, \
                     conversions, revenue_cents, fee_cents, product_cents, paid_cents, source, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
                )
                .bind(r.post_id)
                .bind(day)
                .bind(campaign_id)
                .bind(new[0]).bind(new[1]).bind(new[2]).bind(new[3]).bind(new[4]).bind(new[5]).bind(new[6])
                .bind(new[7]).bind(new[8]).bind(new[9]).bind(new[10]).bind(new[11]).bind(new[12])
                .bind(source)
                .bind(who.me.user_id)
                .bind(now)
                .execute(w.conn())
                .await?;
                result.inserted += 1;
            }
            Some(row) => {
                let old: Vec<i64> = (0..13).map(|i| row.get::<i64, _>(i)).collect();
                if old == new {
                    result.unchanged += 1;
                    continue;
                }
                let names = r.values().map(|(n, _)| n);
                let as_json = |vals: &[i64]| {
                    serde_json::Value::Object(names.iter().zip(vals).map(|(n, v)| (n.to_string(), serde_json::json!(v))).collect()).to_string()
                };
                sqlx::query(
                    "INSERT INTO metric_corrections (campaign_id, post_id, day, old_values, new_values, source, user_id, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(campaign_id)
                .bind(r.post_id)
                .bind(day)
                .bind(as_json(&old))
                .bind(as_json(&new))
                .bind(source)
                .bind(who.me.user_id)
                .bind(now)
                .execute(w.conn())
                .await?;
                sqlx::query(
                    "UPDATE daily_metrics SET impressions = $1, reach = $2, views = $3, likes = $4, comments = $5, shares = $6, saves = $7, \
                     clicks = $8, conversions = $9, revenue_cents = $10, fee_cents = $11, product_cents = $12, paid_cents = $13, \
                     source = $14, version = version + 1, updated_by = $15, updated_at = $16 WHERE post_id = $17 AND day = $18",
                )
                .bind(new[0]).bind(new[1]).bind(new[2]).bind(new[3]).bind(new[4]).bind(new[5]).bind(new[6])
                .bind(new[7]).bind(new[8]).bind(new[9]).bind(new[10]).bind(new[11]).bind(new[12])
                .bind(source)
                .bind(who.me.user_id)
                .bind(now)
                .bind(r.post_id)
                .bind(day)
                .execute(w.conn())
                .await?;
                result.corrected += 1;
            }
        }
    }
    if result.inserted + result.corrected > 0 {
        let change = Change::MetricsIngested { source: source.to_string(), inserted: result.inserted, corrected: result.corrected };
        log::append(&mut w, campaign_id, &who.actor(), change).await?;
    }
    idempotency::store(&mut w, &scope, key, &result).await?;
    w.commit().await?;
    Ok(result)
}

/// Campaign totals (every post, every day), for the dashboard's headline and the API.
pub async fn totals(db: &Db, who: &Principal, campaign_id: i64) -> Result<kpi::Totals> {
    authorize(db, who, campaign_id).await?;
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(impressions), 0) AS BIGINT), CAST(COALESCE(SUM(reach), 0) AS BIGINT), CAST(COALESCE(SUM(views), 0) AS BIGINT), \
         CAST(COALESCE(SUM(likes), 0) AS BIGINT), CAST(COALESCE(SUM(comments), 0) AS BIGINT), CAST(COALESCE(SUM(shares), 0) AS BIGINT), \
         CAST(COALESCE(SUM(saves), 0) AS BIGINT), CAST(COALESCE(SUM(clicks), 0) AS BIGINT), CAST(COALESCE(SUM(conversions), 0) AS BIGINT), \
         CAST(COALESCE(SUM(revenue_cents), 0) AS BIGINT), CAST(COALESCE(SUM(fee_cents), 0) AS BIGINT), CAST(COALESCE(SUM(product_cents), 0) AS BIGINT), \
         CAST(COALESCE(SUM(paid_cents), 0) AS BIGINT) FROM daily_metrics WHERE campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_one(&db.pool)
    .await?;
    let followers: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(p.followers), 0) AS BIGINT) FROM posts p WHERE p.campaign_id = $1 \
         AND EXISTS (SELECT 1 FROM daily_metrics m WHERE m.post_id = p.id)",
    )
    .bind(campaign_id)
    .fetch_one(&db.pool)
    .await?;
    let v = |i: usize| row.get::<i64, _>(i);
    Ok(kpi::Totals {
        impressions: v(0),
        reach: v(1),
        views: v(2),
        likes: v(3),
        comments: v(4),
        shares: v(5),
        saves: v(6),
        clicks: v(7),
        conversions: v(8),
        revenue_cents: v(9),
        fee_cents: v(10),
        product_cents: v(11),
        paid_cents: v(12),
        followers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_checked_whole_and_errors_name_row_and_field() {
        let posts: HashSet<i64> = [1, 2].into_iter().collect();
        let today: chrono::NaiveDate = "2027-03-10".parse().unwrap();
        let row = |post_id, day: &str| DailyFigures { post_id, day: day.into(), likes: 5, ..Default::default() };
        assert!(validate(&[row(1, "2027-03-10"), row(2, "2027-03-09")], &posts, today).is_ok());
        let e = validate(&[row(1, "2027-03-10"), row(3, "2027-03-09")], &posts, today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rows[1].post_id"));
        let e = validate(&[row(1, "2027-03-11")], &posts, today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rows[0].day"));
        assert!(e.message.contains("future"));
        let e = validate(&[row(1, "10/03/2027")], &posts, today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rows[0].day"));
        let mut neg = row(1, "2027-03-01");
        neg.clicks = -3;
        let e = validate(&[neg], &posts, today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rows[0].clicks"));
        let e = validate(&[row(1, "2027-03-01"), row(1, "2027-03-01")], &posts, today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rows[1].day"));
        assert_eq!(validate(&[], &posts, today).unwrap_err().field.as_deref(), Some("rows"));
    }

    #[test]
    fn unknown_metrics_are_refused_by_name() {
        let e = serde_json::from_str::<DailyFigures>(r#"{"post_id":1,"day":"2027-03-01","likez":4}"#).unwrap_err().to_string();
        assert!(e.contains("likez"), "{e}");
    }
}
