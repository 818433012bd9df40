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

pub use super::live::{CREATORS_SHOWN, POSTS_LISTED};

/// Most rows one API call may carry (CSV files go through the import instead).
pub const MAX_BATCH: usize = 5_000;

mod dashboard;
mod export;
mod ingest;
mod posts;
mod thresholds;

pub use dashboard::{cpm_assumptions, dashboard_patch, get_dashboard, get_totals, set_cpm};
pub use export::export_metrics;
pub use ingest::{ingest_figures, ingest_rows};
pub use posts::{add_post, track_choices};
pub use thresholds::{close_days, days_to_close, evaluate_thresholds};
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
