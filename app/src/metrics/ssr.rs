//! Server side of performance numbers: registering posts and taking in daily figures (validated whole before
//! anything is written; a changed figure is recorded as a correction with what it was).
use std::collections::HashSet;

use super::*;
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::authorize;
use crate::content::sla::tz;
use crate::db::{now_ms, Db};
use crate::error::{AppError, Result};
use crate::idempotency;
use crate::realtime::{log, Change};

/// Creators listed in the dashboard's creator table (by engagements).
pub const CREATORS_SHOWN: usize = 100;
/// Posts offered by the quick-entry form (the newest).
pub const POSTS_LISTED: usize = 300;

/// Most rows one API call may carry (CSV files go through the import instead).
pub const MAX_BATCH: usize = 5_000;

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

/// Checks a whole batch before anything is written; the error names the row and the field.
fn validate(rows: &[DailyFigures], posts: &HashSet<i64>, today: chrono::NaiveDate) -> Result<()> {
    if rows.is_empty() {
        return Err(AppError::validation("rows", "Send at least one row"));
    }
    if rows.len() > MAX_BATCH {
        return Err(AppError::validation(
            "rows",
            format!("At most {MAX_BATCH} rows per call; import larger files as CSV"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        let at = |field: &str| format!("rows[{i}].{field}");
        if !posts.contains(&r.post_id) {
            return Err(AppError::validation(
                &at("post_id"),
                format!("Post {} is not tracked in this campaign", r.post_id),
            ));
        }
        let day =
            r.day.trim().parse::<chrono::NaiveDate>().map_err(|_| {
                AppError::validation(&at("day"), format!("\"{}\" is not a date; use YYYY-MM-DD", r.day))
            })?;
        if day > today {
            return Err(AppError::validation(
                &at("day"),
                format!("{day} is in the future (today is {today} in the campaign's time zone)"),
            ));
        }
        if let Some((name, message)) = r.out_of_range() {
            return Err(AppError::validation(&at(name), message));
        }
        if !seen.insert((r.post_id, day)) {
            return Err(AppError::validation(
                &at("day"),
                format!("Post {} appears twice for {day} in this batch", r.post_id),
            ));
        }
    }
    Ok(())
}

/// Takes in a batch of daily figures: all of it or (on any bad row) none of it. A figure that differs from
/// what is stored is a correction, kept with its old values; identical rows change nothing. Idempotent by key.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn ingest_figures(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    input: &Ingest,
    key: Option<&str>,
) -> Result<IngestResult> {
    authorize(db, who, campaign_id).await?;
    let source = input.source.trim();
    if source.is_empty() || source.chars().count() > 100 {
        return Err(AppError::validation(
            "source",
            "Name the source in 1 to 100 characters (e.g. \"manual\", \"api:shopify\")",
        ));
    }
    let zone: String = sqlx::query_scalar("SELECT time_zone FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(&db.pool)
        .await?;
    let today = tz::local_date(chrono::Utc::now(), tz::of(&zone));
    let posts: HashSet<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .collect();
    validate(&input.rows, &posts, today)?;
    let mut w = db.write_campaign(campaign_id).await?;
    let scope = who.idempotency_scope();
    let hash = idempotency::request_hash(&format!("metrics:{campaign_id}"), input);
    if let Some(answer) = idempotency::claim(&mut w, &scope, key, &hash).await? {
        return idempotency::replay(&answer);
    }
    let result = ingest_rows(&mut w, campaign_id, who, source, &input.rows, |_, _| {}).await?;
    idempotency::store(&mut w, &scope, key, &result).await?;
    w.commit().await?;
    if result.inserted + result.corrected > 0 {
        let days: Vec<String> = input.rows.iter().map(|r| r.day.trim().to_string()).collect();
        evaluate_thresholds(db, campaign_id, &days).await?;
    }
    Ok(result)
}

const FIGURE_COLUMNS: &str = "impressions, reach, views, likes, comments, shares, saves, clicks, conversions, revenue_cents, fee_cents, product_cents, paid_cents";

/// `FIGURE_COLUMNS` of table alias `t`, each named as itself (`t.reach AS reach`), for [`Figures`].
fn figure_columns_of(t: &str) -> String {
    FIGURE_COLUMNS.split(", ").map(|c| format!("{t}.{c} AS {c}")).collect::<Vec<_>>().join(", ")
}

/// The thirteen figures of a row (`FIGURE_COLUMNS`, by name), flattened into the row structs that carry them.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
struct Figures {
    impressions: i64,
    reach: i64,
    views: i64,
    likes: i64,
    comments: i64,
    shares: i64,
    saves: i64,
    clicks: i64,
    conversions: i64,
    revenue_cents: i64,
    fee_cents: i64,
    product_cents: i64,
    paid_cents: i64,
}

impl Figures {
    /// In `FIGURE_COLUMNS`' order, the order of [`DailyFigures::values`].
    fn values(&self) -> [i64; 13] {
        [
            self.impressions,
            self.reach,
            self.views,
            self.likes,
            self.comments,
            self.shares,
            self.saves,
            self.clicks,
            self.conversions,
            self.revenue_cents,
            self.fee_cents,
            self.product_cents,
            self.paid_cents,
        ]
    }

    fn totals(&self) -> kpi::Totals {
        kpi::Totals {
            impressions: self.impressions,
            reach: self.reach,
            views: self.views,
            likes: self.likes,
            comments: self.comments,
            shares: self.shares,
            saves: self.saves,
            clicks: self.clicks,
            conversions: self.conversions,
            revenue_cents: self.revenue_cents,
            fee_cents: self.fee_cents,
            product_cents: self.product_cents,
            paid_cents: self.paid_cents,
            followers: 0,
        }
    }
}

/// Differences are summed in `i128`: a batch of rows at the limits, or old rows past them, cannot overflow.
fn add_into(acc: &mut [i128; 13], vals: &[i64], sign: i128) {
    for (a, v) in acc.iter_mut().zip(vals) {
        *a += sign * i128::from(*v);
    }
}

/// A difference as the database stores it: clamped to `i64` (only old data past the limits can reach the ends).
fn clamp(v: i128) -> i64 {
    v.clamp(i128::from(-i64::MAX), i128::from(i64::MAX)) as i64
}

/// `{t}.c + excluded.c` for an upsert, saturating at ±`i64::MAX` instead of failing (a rollup that already holds
/// old figures past the limits never makes a write fail). Nested `CASE`s, so no branch computes an overflow.
fn saturating_add_sql(table: &str, c: &str) -> String {
    let max = i64::MAX;
    format!(
        "{c} = CASE WHEN excluded.{c} > 0 THEN (CASE WHEN {table}.{c} > {max} - excluded.{c} THEN {max} ELSE {table}.{c} + excluded.{c} END) \
         WHEN excluded.{c} < 0 THEN (CASE WHEN {table}.{c} < -{max} - excluded.{c} THEN -{max} ELSE {table}.{c} + excluded.{c} END) \
         ELSE {table}.{c} END"
    )
}

/// Writes already-validated rows inside `w`: new rows, corrections (kept with their old figures), and the
/// rollups the dashboard reads, updated by the difference. `progress(done, total)` is called as it goes.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn ingest_rows(
    w: &mut crate::db::WriteTx,
    campaign_id: i64,
    who: &Principal,
    source: &str,
    rows: &[DailyFigures],
    mut progress: impl FnMut(usize, usize),
) -> Result<IngestResult> {
    use std::collections::{BTreeMap, HashMap};
    let now = now_ms();
    let lanes: HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT id, lane FROM posts WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_all(w.conn())
            .await?
            .into_iter()
            .collect();
    let mut result = IngestResult::default();
    // Differences to add to the rollups: per (day, lane) and per post (with the number of new days). Sorted maps:
    // the upserts below then take their row locks in one order, so two batches over the same days cannot deadlock.
    let mut by_day: BTreeMap<(String, String), [i128; 13]> = BTreeMap::new();
    let mut by_post: BTreeMap<i64, ([i128; 13], i64)> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if i % 500 == 0 {
            progress(i, rows.len());
        }
        let day = r.day.trim();
        let existing: Option<Figures> =
            sqlx::query_as(&format!("SELECT {FIGURE_COLUMNS} FROM daily_metrics WHERE post_id = $1 AND day = $2"))
                .bind(r.post_id)
                .bind(day)
                .fetch_optional(w.conn())
                .await?;
        let new: Vec<i64> = r.values().iter().map(|(_, v)| *v).collect();
        let old: Option<Vec<i64>> = existing.map(|f| f.values().to_vec());
        match &old {
            None => {
                sqlx::query(&format!(
                    "INSERT INTO daily_metrics (post_id, day, campaign_id, {FIGURE_COLUMNS}, source, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
                ))
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
            Some(old) if *old == new => {
                result.unchanged += 1;
                continue;
            }
            Some(old) => {
                let names = r.values().map(|(n, _)| n);
                let as_json = |vals: &[i64]| {
                    serde_json::Value::Object(
                        names.iter().zip(vals).map(|(n, v)| (n.to_string(), serde_json::json!(v))).collect(),
                    )
                    .to_string()
                };
                sqlx::query(
                    "INSERT INTO metric_corrections (campaign_id, post_id, day, old_values, new_values, source, user_id, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(campaign_id)
                .bind(r.post_id)
                .bind(day)
                .bind(as_json(old))
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
        let lane = lanes.get(&r.post_id).cloned().unwrap_or_else(|| "influencer".into());
        let d = by_day.entry((day.to_string(), lane)).or_insert([0i128; 13]);
        add_into(d, &new, 1);
        let p = by_post.entry(r.post_id).or_insert(([0i128; 13], 0));
        add_into(&mut p.0, &new, 1);
        match &old {
            Some(old) => {
                add_into(d, old, -1);
                add_into(&mut p.0, old, -1);
            }
            None => p.1 += 1,
        }
    }
    progress(rows.len(), rows.len());
    let set =
        |table: &str| FIGURE_COLUMNS.split(", ").map(|c| saturating_add_sql(table, c)).collect::<Vec<_>>().join(", ");
    let placeholders = |from: usize| (from..from + 13).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let day_sql = format!(
        "INSERT INTO metric_day_lane (campaign_id, day, lane, {FIGURE_COLUMNS}) VALUES ($1, $2, $3, {}) \
         ON CONFLICT (campaign_id, day, lane) DO UPDATE SET {}",
        placeholders(4),
        set("metric_day_lane")
    );
    for ((day, lane), v) in &by_day {
        let mut q = sqlx::query(&day_sql).bind(campaign_id).bind(day).bind(lane);
        for x in v {
            q = q.bind(clamp(*x));
        }
        q.execute(w.conn()).await?;
    }
    let post_sql = format!(
        "INSERT INTO metric_post_totals (post_id, campaign_id, days, {FIGURE_COLUMNS}) VALUES ($1, $2, $3, {}) \
         ON CONFLICT (post_id) DO UPDATE SET days = metric_post_totals.days + excluded.days, {}",
        placeholders(4),
        set("metric_post_totals")
    );
    for (post, (v, days)) in &by_post {
        let mut q = sqlx::query(&post_sql).bind(*post).bind(campaign_id).bind(*days);
        for x in v {
            q = q.bind(clamp(*x));
        }
        q.execute(w.conn()).await?;
    }
    if result.inserted + result.corrected > 0 {
        let change = Change::MetricsIngested {
            source: source.to_string(),
            inserted: result.inserted,
            corrected: result.corrected,
        };
        log::append(w, campaign_id, &who.actor(), change).await?;
    }
    Ok(result)
}

/// Campaign totals (every post, every day), from the rollups.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_totals(db: &Db, who: &Principal, campaign_id: i64) -> Result<kpi::Totals> {
    authorize(db, who, campaign_id).await?;
    // Summed here, saturating, not with SQL's SUM: a sum past `i64` (old figures past the limits) fails the query on
    // both databases. One row per day and lane is few rows.
    let rows: Vec<Figures> =
        sqlx::query_as(&format!("SELECT {FIGURE_COLUMNS} FROM metric_day_lane WHERE campaign_id = $1"))
            .bind(campaign_id)
            .fetch_all(&db.pool)
            .await?;
    let mut t = kpi::Totals::default();
    for r in &rows {
        t.add(&r.totals());
    }
    let followers: Vec<i64> = sqlx::query_scalar(
        "SELECT p.followers FROM posts p JOIN metric_post_totals m ON m.post_id = p.id WHERE p.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(kpi::Totals { followers: crate::limits::sat_sum(followers), ..t })
}

/// Who a post's creator is, as the cuts need it: (creator id, name, partner id, tier name).
struct CreatorInfo {
    name: String,
    org_id: i64,
    tier: Option<String>,
}

async fn creator_info(db: &Db, campaign_id: i64) -> Result<std::collections::HashMap<i64, CreatorInfo>> {
    let tiers = crate::charter::ssr::tiers(db, campaign_id).await?;
    #[derive(sqlx::FromRow)]
    struct CreatorRow {
        id: i64,
        name: String,
        owner_org_id: i64,
        followers: i64,
        avg_reach: Option<i64>,
        avg_likes: i64,
        avg_comments: i64,
        avg_shares: i64,
        avg_saves: i64,
    }
    let rows: Vec<CreatorRow> = sqlx::query_as(
        "SELECT id, name, owner_org_id, followers, avg_reach, avg_likes, avg_comments, avg_shares, avg_saves FROM creators WHERE campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let engagements = crate::limits::sat_sum([r.avg_likes, r.avg_comments, r.avg_shares, r.avg_saves]);
            let m = crate::creators::Metrics { followers: r.followers, avg_reach: r.avg_reach, engagements };
            (
                r.id,
                CreatorInfo { name: r.name, org_id: r.owner_org_id, tier: crate::creators::tier_for(&tiers, &m).tier },
            )
        })
        .collect())
}

fn cut_vec(map: std::collections::HashMap<String, (String, Option<String>, i64, kpi::Totals)>) -> Vec<Cut> {
    let mut v: Vec<Cut> =
        map.into_iter().map(|(key, (label, color, posts, totals))| Cut { key, label, color, posts, totals }).collect();
    v.sort_by(|a, b| b.totals.engagements().cmp(&a.totals.engagements()).then(a.label.cmp(&b.label)));
    v
}

/// The shared dashboard's numbers (no membership check: callers check).
async fn dashboard_data(db: &Db, campaign_id: i64) -> Result<Dashboard> {
    use std::collections::HashMap;
    let head = log::head(&db.pool, campaign_id).await?.unwrap_or(0);
    let (campaign_name, time_zone): (String, String) =
        sqlx::query_as("SELECT name, time_zone FROM campaigns WHERE id = $1")
            .bind(campaign_id)
            .fetch_optional(&db.pool)
            .await?
            .ok_or_else(|| AppError::not_found("Campaign"))?;
    #[derive(sqlx::FromRow)]
    struct DayRow {
        day: String,
        lane: String,
        #[sqlx(flatten)]
        figures: Figures,
    }
    let day_rows: Vec<DayRow> = sqlx::query_as(&format!(
        "SELECT day, lane, {FIGURE_COLUMNS} FROM metric_day_lane WHERE campaign_id = $1 ORDER BY day, lane"
    ))
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    let days: Vec<DayPoint> = day_rows
        .iter()
        .filter_map(|r| {
            Some(DayPoint { day: r.day.parse().ok()?, lane: Lane::parse(&r.lane)?, totals: r.figures.totals() })
        })
        .collect();
    #[derive(sqlx::FromRow)]
    struct PostRow {
        id: i64,
        creator_id: i64,
        lane: String,
        platform: String,
        followers: i64,
        url: String,
        title: String,
        deliverable_id: Option<i64>,
        #[sqlx(flatten)]
        figures: Figures,
    }
    let post_rows: Vec<PostRow> = sqlx::query_as(&format!(
        "SELECT p.id, p.creator_id, p.lane, p.platform, p.followers, p.url, p.title, p.deliverable_id, {} \
         FROM posts p LEFT JOIN metric_post_totals t ON t.post_id = p.id WHERE p.campaign_id = $1 ORDER BY p.id",
        FIGURE_COLUMNS.split(", ").map(|c| format!("COALESCE(t.{c}, 0) AS {c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    let creators = creator_info(db, campaign_id).await?;
    let partners = crate::campaigns::ssr::partners(db, campaign_id).await?;
    let mut totals = kpi::Totals::default();
    // Per cut (partner, tier, creator, platform, lane): label, detail, posts, totals.
    type Cut = HashMap<String, (String, Option<String>, i64, kpi::Totals)>;
    let mut by: [Cut; 5] = Default::default();
    let mut posts = Vec::new();
    for r in &post_rows {
        let mut t = r.figures.totals();
        let has_data = t != kpi::Totals::default();
        if has_data {
            t.followers = r.followers;
        }
        let creator_id = r.creator_id;
        let lane = Lane::parse(&r.lane).unwrap_or(Lane::Influencer);
        let platform = r.platform.clone();
        let info = creators.get(&creator_id);
        posts.push(Post {
            id: r.id,
            campaign_id,
            creator_id,
            creator_name: info.map(|c| c.name.clone()).unwrap_or_default(),
            deliverable_id: r.deliverable_id,
            lane,
            platform: platform.clone(),
            url: r.url.clone(),
            title: r.title.clone(),
            followers: r.followers,
        });
        totals.add(&t);
        let partner = info.and_then(|c| partners.iter().find(|p| p.id == c.org_id));
        let keys: [(String, String, Option<String>); 5] = [
            (lane.as_str().into(), lane.label().into(), None),
            (
                partner.map(|p| p.id.to_string()).unwrap_or_default(),
                partner.map(|p| p.name.clone()).unwrap_or_else(|| "—".into()),
                partner.map(|p| p.color.clone()),
            ),
            (
                info.and_then(|c| c.tier.clone()).unwrap_or_else(|| "none".into()),
                info.and_then(|c| c.tier.clone()).unwrap_or_else(|| "no tier".into()),
                None,
            ),
            (creator_id.to_string(), info.map(|c| c.name.clone()).unwrap_or_default(), None),
            (platform.clone(), platform.clone(), None),
        ];
        for (map, (key, label, color)) in by.iter_mut().zip(keys) {
            let e = map.entry(key).or_insert((label, color, 0, kpi::Totals::default()));
            e.2 += 1;
            e.3.add(&t);
        }
    }
    let [by_lane, by_partner, by_tier, mut by_creator, by_platform] = by.map(cut_vec);
    // The hundred creators with the most engagements (the CSV export has everyone).
    by_creator.truncate(CREATORS_SHOWN);
    // Pacing against the charter's targets.
    let doc = crate::charter::ssr::current_doc(db, campaign_id).await?;
    let approved_ugc: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM deliverables WHERE campaign_id = $1 AND lane = 'ugc' AND status = 'approved'",
    )
    .bind(campaign_id)
    .fetch_one(&db.pool)
    .await?;
    let pacing = doc
        .success
        .targets
        .iter()
        .map(|t| {
            let scope = match t.lane {
                Some(l) => {
                    by_lane.iter().find(|c| c.key == l.as_str()).map(|c| (c.totals, c.posts)).unwrap_or_default()
                }
                None => (totals, posts.len() as i64),
            };
            let actual = match t.metric.as_str() {
                "posts_published" => Some(
                    post_rows
                        .iter()
                        .filter(|r| {
                            t.lane.is_none_or(|l| r.lane == l.as_str()) && r.figures.totals() != kpi::Totals::default()
                        })
                        .count() as f64,
                ),
                "approved_ugc_assets" => Some(approved_ugc as f64),
                key => kpi::by_key(key, &scope.0),
            };
            Pacing {
                lane: t.lane,
                metric: t.metric.clone(),
                label: crate::charter::metric_label(&t.metric).to_string(),
                comparison: t.comparison,
                target: t.value,
                met: actual.map(|a| t.comparison.holds(a, t.value)),
                actual,
            }
        })
        .collect();
    let budget = crate::content::ssr::lanes(db, campaign_id)
        .await?
        .into_iter()
        .map(|l| BudgetLine {
            lane: l.lane,
            budget_cents: l.budget_cents,
            committed_cents: l.committed_cents,
            spent_cents: by_lane.iter().find(|c| c.key == l.lane.as_str()).map(|c| c.totals.spend_cents()).unwrap_or(0),
        })
        .collect();
    let stored: HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT platform, cpm_cents FROM platform_cpm WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .collect();
    let mut platforms: Vec<String> = crate::vocab::PLATFORMS.iter().map(|p| p.to_string()).collect();
    platforms.retain(|p| stored.contains_key(p) || by_platform.iter().any(|c| &c.key == p));
    let cpm: Vec<(String, i64)> = platforms
        .into_iter()
        .map(|p| (p.clone(), stored.get(&p).copied().unwrap_or_else(|| default_cpm(&p))))
        .collect();
    let emv_cents = by_platform
        .iter()
        .map(|c| {
            let cents = cpm.iter().find(|(p, _)| *p == c.key).map(|x| x.1).unwrap_or_else(|| default_cpm(&c.key));
            // `as` saturates a float past the ends of `i64`; the sum saturates too.
            (c.totals.impressions as f64 / 1000.0 * cents as f64).round() as i64
        })
        .fold(0i64, i64::saturating_add);
    // The newest posts, for the quick-entry form.
    posts.reverse();
    posts.truncate(POSTS_LISTED);
    Ok(Dashboard {
        campaign_id,
        campaign_name,
        time_zone,
        head,
        totals,
        by_lane,
        by_partner,
        by_tier,
        by_creator,
        by_platform,
        days,
        pacing,
        budget,
        cpm,
        emv_cents,
        escalations: crate::escalations::ssr::for_campaign(db, campaign_id).await?,
        posts,
    })
}

/// The shared dashboard of a campaign, the same for every partner.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_dashboard(db: &Db, who: &Principal, campaign_id: i64) -> Result<Dashboard> {
    authorize(db, who, campaign_id).await?;
    dashboard_data(db, campaign_id).await
}

/// Sets the CPM (in cents per 1,000 impressions) a platform's earned media value is estimated with.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn set_cpm(db: &Db, who: &Principal, campaign_id: i64, platform: &str, cpm_cents: i64) -> Result<()> {
    authorize(db, who, campaign_id).await?;
    let platform = platform.trim().to_lowercase();
    if !crate::vocab::PLATFORMS.contains(&platform.as_str()) {
        return Err(AppError::validation("platform", format!("Use one of: {}", crate::vocab::PLATFORMS.join(", "))));
    }
    if !(0..=1_000_000).contains(&cpm_cents) {
        return Err(AppError::validation("cpm_cents", "A CPM between 0 and 10,000.00"));
    }
    let mut w = db.write_campaign(campaign_id).await?;
    sqlx::query(
        "INSERT INTO platform_cpm (campaign_id, platform, cpm_cents) VALUES ($1, $2, $3) \
         ON CONFLICT (campaign_id, platform) DO UPDATE SET cpm_cents = excluded.cpm_cents",
    )
    .bind(campaign_id)
    .bind(&platform)
    .bind(cpm_cents)
    .execute(w.conn())
    .await?;
    log::append(&mut w, campaign_id, &who.actor(), Change::CpmSet { platform, cpm_cents }).await?;
    w.commit().await?;
    Ok(())
}

// ---- Daily thresholds ----

/// One day's figures per scope: the whole campaign, each lane, each partner, each tier.
async fn day_scopes(
    db: &Db,
    campaign_id: i64,
    day: &str,
    creators: &std::collections::HashMap<i64, CreatorInfo>,
) -> Result<std::collections::HashMap<(String, String), kpi::Totals>> {
    #[derive(sqlx::FromRow)]
    struct DayRow {
        creator_id: i64,
        lane: String,
        followers: i64,
        #[sqlx(flatten)]
        figures: Figures,
    }
    let rows: Vec<DayRow> = sqlx::query_as(&format!(
        "SELECT p.creator_id, p.lane, p.followers, {} FROM daily_metrics m JOIN posts p ON p.id = m.post_id WHERE m.campaign_id = $1 AND m.day = $2",
        figure_columns_of("m")
    ))
    .bind(campaign_id)
    .bind(day)
    .fetch_all(&db.pool)
    .await?;
    let mut out: std::collections::HashMap<(String, String), kpi::Totals> = std::collections::HashMap::new();
    for r in &rows {
        let mut t = r.figures.totals();
        t.followers = r.followers;
        let info = creators.get(&r.creator_id);
        let mut scopes = vec![("campaign".to_string(), String::new()), ("lane".to_string(), r.lane.clone())];
        if let Some(c) = info {
            scopes.push(("partner".into(), c.org_id.to_string()));
            if let Some(tier) = &c.tier {
                scopes.push(("tier".into(), tier.clone()));
            }
        }
        for s in scopes {
            out.entry(s).or_default().add(&t);
        }
    }
    Ok(out)
}

fn scope_key(kind: crate::charter::ScopeKind) -> &'static str {
    use crate::charter::ScopeKind;
    match kind {
        ScopeKind::Campaign => "campaign",
        ScopeKind::Lane => "lane",
        ScopeKind::Partner => "partner",
        ScopeKind::Tier => "tier",
    }
}

/// Evaluates the charter's daily thresholds on the given days; each breach raises one escalation per day
/// (raised again for the same threshold and day, it is a no-op). Returns how many were raised.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn evaluate_thresholds(db: &Db, campaign_id: i64, days: &[String]) -> Result<usize> {
    let doc = crate::charter::ssr::current_doc(db, campaign_id).await?;
    if doc.thresholds.thresholds.is_empty() {
        return Ok(0);
    }
    let mut days: Vec<String> = days.to_vec();
    days.sort();
    days.dedup();
    let creators = creator_info(db, campaign_id).await?;
    let roster = crate::charter::ssr::roster(db, campaign_id).await?;
    let mut raised = 0;
    for day in &days {
        let scopes = day_scopes(db, campaign_id, day, &creators).await?;
        for (i, th) in doc.thresholds.thresholds.iter().enumerate() {
            let kind = scope_key(th.scope);
            let value = if kind == "campaign" { String::new() } else { th.scope_value.clone() };
            let Some(t) = scopes.get(&(kind.to_string(), value.clone())) else { continue };
            let Some(actual) = kpi::by_key(&th.metric, t) else { continue };
            if !th.comparison.holds(actual, th.value) {
                continue;
            }
            let scope_label = match th.scope {
                crate::charter::ScopeKind::Campaign => "the campaign".to_string(),
                crate::charter::ScopeKind::Lane => {
                    format!("the {} lane", Lane::parse(&value).map(|l| l.label()).unwrap_or(&value))
                }
                crate::charter::ScopeKind::Partner => roster.org_label(value.parse().ok()),
                crate::charter::ScopeKind::Tier => format!("the {value} tier"),
            };
            let label = crate::charter::metric_label(&th.metric);
            let title = format!(
                "{label} was {} on {day} for {scope_label} ({} {})",
                kpi::show(Some(actual)),
                th.comparison.symbol(),
                th.value
            );
            let detail = format!(
                "Impressions {}, reach {}, engagements {}, clicks {}, conversions {}, spend {}, revenue {}. {} = {}.",
                t.impressions,
                t.reach,
                t.engagements(),
                t.clicks,
                t.conversions,
                crate::content::money(t.spend_cents()),
                crate::content::money(t.revenue_cents),
                kpi::formula(&th.metric),
                kpi::show(Some(actual))
            );
            let key = format!("threshold:{i}:{}:{kind}:{value}:{day}", th.metric);
            let assignee = th.escalate_to.or(doc.ownership.accountable_owner);
            let mut w = db.write_campaign(campaign_id).await?;
            if crate::escalations::ssr::raise(&mut w, campaign_id, "threshold", &key, &title, &detail, assignee)
                .await?
                .is_some()
            {
                w.commit().await?;
                raised += 1;
            }
        }
    }
    Ok(raised)
}

/// The local days whose close is due: every day after the last one closed, up to yesterday in the campaign's
/// zone (at most a week, so a long pause does not flood). Pure, for the daily cut-off.
pub fn days_to_close(
    last_closed: Option<chrono::NaiveDate>,
    now: chrono::DateTime<chrono::Utc>,
    zone: chrono_tz::Tz,
) -> Vec<chrono::NaiveDate> {
    let today = tz::local_date(now, zone);
    let Some(yesterday) = today.pred_opt() else { return Vec::new() };
    let from = match last_closed {
        Some(d) if d >= yesterday => return Vec::new(),
        Some(d) => d.succ_opt().unwrap_or(yesterday).max(yesterday - chrono::Duration::days(6)),
        None => yesterday,
    };
    from.iter_days().take_while(|d| *d <= yesterday).collect()
}

/// The daily cut-off: for every campaign with tracked posts whose local day has ended, evaluates the thresholds
/// on the day(s) just closed. Safe in several processes (escalations are raised once per breach and day).
#[tracing::instrument(skip_all)]
pub async fn close_days(db: &Db, now: chrono::DateTime<chrono::Utc>) -> Result<usize> {
    let campaigns: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT c.id, c.time_zone, c.thresholds_closed_day FROM campaigns c WHERE EXISTS (SELECT 1 FROM posts p WHERE p.campaign_id = c.id)",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut raised = 0;
    for (campaign_id, zone, closed) in campaigns {
        let due = days_to_close(closed.and_then(|d| d.parse().ok()), now, tz::of(&zone));
        let Some(last) = due.last().copied() else { continue };
        let days: Vec<String> = due.iter().map(|d| d.to_string()).collect();
        raised += evaluate_thresholds(db, campaign_id, &days).await?;
        let mut w = db.write_campaign(campaign_id).await?;
        sqlx::query("UPDATE campaigns SET thresholds_closed_day = $1 WHERE id = $2")
            .bind(last.to_string())
            .bind(campaign_id)
            .execute(w.conn())
            .await?;
        w.commit().await?;
    }
    Ok(raised)
}

/// The daily figures as CSV: one row per post and day, with the post's creator, lane and platform.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn export_metrics(db: &Db, who: &Principal, campaign_id: i64) -> Result<String> {
    authorize(db, who, campaign_id).await?;
    #[derive(sqlx::FromRow)]
    struct ExportRow {
        day: String,
        post_id: i64,
        url: String,
        creator: String,
        lane: String,
        platform: String,
        #[sqlx(flatten)]
        figures: Figures,
        source: String,
    }
    let rows: Vec<ExportRow> = sqlx::query_as(&format!(
        "SELECT m.day, m.post_id, p.url, cr.name AS creator, p.lane, p.platform, {}, m.source FROM daily_metrics m JOIN posts p ON p.id = m.post_id \
         JOIN creators cr ON cr.id = p.creator_id WHERE m.campaign_id = $1 ORDER BY m.day, m.post_id",
        figure_columns_of("m")
    ))
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = String::new();
    let header: Vec<String> = ["day", "post_id", "url", "creator", "lane", "platform"]
        .iter()
        .map(|s| s.to_string())
        .chain(FIGURE_COLUMNS.split(", ").map(str::to_string))
        .chain(["source".to_string()])
        .collect();
    crate::creators::csv::push_record(&mut out, &header);
    for r in &rows {
        let mut rec: Vec<String> = vec![
            r.day.clone(),
            r.post_id.to_string(),
            r.url.clone(),
            r.creator.clone(),
            r.lane.clone(),
            r.platform.clone(),
        ];
        rec.extend(r.figures.values().iter().map(i64::to_string));
        rec.push(r.source.clone());
        crate::creators::csv::push_record(&mut out, &rec);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daily_cut_off_follows_the_campaigns_zone() {
        let la = tz::parse("America/Los_Angeles").unwrap();
        let berlin = tz::parse("Europe/Berlin").unwrap();
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        // 07:30 UTC on 10 March is 23:30 on the 9th in Los Angeles: the 9th is not over there yet.
        assert_eq!(
            days_to_close(Some(day("2027-03-08")), at("2027-03-10T07:30:00Z"), la),
            Vec::<chrono::NaiveDate>::new()
        );
        // An hour later it is: the 9th closes.
        assert_eq!(days_to_close(Some(day("2027-03-08")), at("2027-03-10T08:30:00Z"), la), vec![day("2027-03-09")]);
        // The same instant in Berlin (09:30 on the 10th): the 9th closed long ago and is due too.
        assert_eq!(days_to_close(Some(day("2027-03-08")), at("2027-03-10T07:30:00Z"), berlin), vec![day("2027-03-09")]);
        // Closing twice does nothing; a pause closes each missed day, at most a week back.
        assert!(days_to_close(Some(day("2027-03-09")), at("2027-03-10T08:30:00Z"), la).is_empty());
        assert_eq!(days_to_close(Some(day("2027-03-06")), at("2027-03-10T08:30:00Z"), la).len(), 3);
        assert_eq!(days_to_close(Some(day("2027-01-01")), at("2027-03-10T08:30:00Z"), la).len(), 7);
        assert_eq!(days_to_close(None, at("2027-03-10T08:30:00Z"), la), vec![day("2027-03-09")]);
        // Across the spring clock change in Los Angeles (14 March 2027): midnight is 07:00 UTC afterwards.
        assert!(days_to_close(Some(day("2027-03-13")), at("2027-03-15T06:59:00Z"), la).is_empty());
        assert_eq!(days_to_close(Some(day("2027-03-13")), at("2027-03-15T07:01:00Z"), la), vec![day("2027-03-14")]);
    }

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
        let mut huge = row(2, "2027-03-01");
        huge.impressions = i64::MAX;
        let e = validate(&[row(1, "2027-03-01"), huge], &posts, today).unwrap_err();
        assert_eq!((e.field.as_deref(), e.code.status()), (Some("rows[1].impressions"), 422));
        let mut rich = row(2, "2027-03-01");
        rich.revenue_cents = crate::limits::CENTS;
        rich.impressions = crate::limits::COUNT_PER_DAY;
        assert!(validate(&[rich.clone()], &posts, today).is_ok(), "the limits themselves are fine");
        rich.revenue_cents += 1;
        assert_eq!(validate(&[rich], &posts, today).unwrap_err().field.as_deref(), Some("rows[0].revenue_cents"));
        let e = validate(&[row(1, "2027-03-01"), row(1, "2027-03-01")], &posts, today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rows[1].day"));
        assert_eq!(validate(&[], &posts, today).unwrap_err().field.as_deref(), Some("rows"));
    }

    #[test]
    fn unknown_metrics_are_refused_by_name() {
        let e = serde_json::from_str::<DailyFigures>(r#"{"post_id":1,"day":"2027-03-01","likez":4}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("likez"), "{e}");
    }
}
