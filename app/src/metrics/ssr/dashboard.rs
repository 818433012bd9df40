//! Campaign totals, the shared dashboard and the CPMs its earned media value uses.
use std::collections::HashMap;

use super::*;
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

fn cut_vec(map: std::collections::HashMap<String, (String, Option<String>, i64, kpi::Totals)>) -> Vec<Cut> {
    let mut v: Vec<Cut> =
        map.into_iter().map(|(key, (label, color, posts, totals))| Cut { key, label, color, posts, totals }).collect();
    v.sort_by(|a, b| b.totals.engagements().cmp(&a.totals.engagements()).then(a.label.cmp(&b.label)));
    v
}

/// The shared dashboard's numbers (no membership check: callers check), and the creator of each post.
async fn dashboard_data(db: &Db, campaign_id: i64) -> Result<(Dashboard, HashMap<i64, i64>)> {
    let head = log::head(&db.pool, campaign_id).await?.unwrap_or(0);
    let (campaign_name, time_zone, currency): (String, String, String) =
        sqlx::query_as("SELECT name, time_zone, currency FROM campaigns WHERE id = $1")
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
                key => kpi::by_key(key, &scope.0, &currency),
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
            committed_missing: l.committed_missing,
            spent_cents: by_lane.iter().find(|c| c.key == l.lane.as_str()).map(|c| c.totals.spend_cents()).unwrap_or(0),
        })
        .collect();
    let cpm = cpms(db, campaign_id, |p| by_platform.iter().any(|c| c.key == p)).await?;
    let emv_cents = super::live::emv_cents(&by_platform, &cpm);
    // The newest posts, for the quick-entry form.
    posts.reverse();
    posts.truncate(POSTS_LISTED);
    let creator_of = post_rows.iter().map(|r| (r.id, r.creator_id)).collect();
    let dashboard = Dashboard {
        campaign_id,
        campaign_name,
        time_zone,
        currency,
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
    };
    Ok((dashboard, creator_of))
}

/// The shared dashboard of a campaign, the same for every partner.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_dashboard(db: &Db, who: &Principal, campaign_id: i64) -> Result<Dashboard> {
    authorize(db, who, campaign_id).await?;
    Ok(dashboard_data(db, campaign_id).await?.0)
}

/// The part of the dashboard an open page needs after live events (see [`super::live`]): computed as the whole
/// dashboard, of which only the small part and what `ask` names is sent.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn dashboard_patch(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    ask: &super::live::PatchAsk,
) -> Result<super::live::DashboardPatch> {
    authorize(db, who, campaign_id).await?;
    // A page asks for what a few events listed (each at most `LISTED_IN_EVENT`); more is a whole load.
    let most = super::live::LISTED_IN_EVENT * 4;
    for (field, n) in [("days", ask.days.len()), ("posts", ask.posts.len())] {
        if n > most {
            return Err(AppError::validation(field, format!("At most {most} at a time; load the whole dashboard")));
        }
    }
    let (d, creator_of) = dashboard_data(db, campaign_id).await?;
    Ok(super::live::DashboardPatch::of(&d, ask, |post| creator_of.get(&post).copied()))
}

/// The CPM (minor units per 1,000 impressions) of each platform the campaign has a CPM set for or figures on
/// (`has_figures`), the platform's default where none is set.
async fn cpms(db: &Db, campaign_id: i64, has_figures: impl Fn(&str) -> bool) -> Result<Vec<(String, i64)>> {
    let stored: HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT platform, cpm_cents FROM platform_cpm WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .collect();
    Ok(crate::vocab::PLATFORMS
        .iter()
        .filter(|p| stored.contains_key(**p) || has_figures(p))
        .map(|p| (p.to_string(), stored.get(*p).copied().unwrap_or_else(|| default_cpm(p))))
        .collect())
}

/// The campaign's currency and its CPMs (see [`cpms`]; platforms with tracked posts count as having figures): the
/// form under the dashboard, without computing the dashboard.
pub async fn cpm_assumptions(db: &Db, who: &Principal, campaign_id: i64) -> Result<(String, Vec<(String, i64)>)> {
    authorize(db, who, campaign_id).await?;
    let currency: String = sqlx::query_scalar("SELECT currency FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(&db.pool)
        .await?;
    let posted: Vec<String> = sqlx::query_scalar("SELECT DISTINCT platform FROM posts WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_all(&db.pool)
        .await?;
    Ok((currency, cpms(db, campaign_id, |p| posted.iter().any(|x| x == p)).await?))
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
        "INSERT INTO platform_cpm (campaign_id, platform, cpm_cents, currency) VALUES ($1, $2, $3, (SELECT currency FROM campaigns WHERE id = $1)) \
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
