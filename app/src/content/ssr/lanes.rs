//! A lane's settings (brief, SLA, budget line, default fee) and the campaign's time zone.
use chrono::Utc;
use sqlx::Row;

use super::super::sla::tz;
use super::super::*;
use super::campaign_zone;
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::authorize;
use crate::charter::ssr::{current_doc, roster};
use crate::db::{now_ms, Db};
use crate::error::{AppError, Result};
use crate::limits::{self, check_len};
use crate::realtime::{log, Change};

const MAX_SLA_HOURS: i64 = 24 * 30;

/// Both lanes' settings, with their criteria and reviewer from the charter and the fees committed.
pub async fn lanes(db: &Db, campaign_id: i64) -> Result<Vec<LaneSettings>> {
    let mut conn = db.pool.acquire().await?;
    let (_, zone) = campaign_zone(&mut conn, campaign_id).await?;
    let today = tz::local_date(Utc::now(), tz::of(&zone));
    let doc = current_doc(db, campaign_id).await?;
    let roster = roster(db, campaign_id).await?;
    let rows = sqlx::query(
        "SELECT lane, brief, sla_hours, budget_cents, default_fee_cents, version FROM lane_settings WHERE campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    // Summed here, saturating (SQL's SUM fails the query once old fees past the limits add up beyond `i64`), each
    // fee converted into the campaign's currency on the day it was briefed; a missing rate is named, never 1:1.
    #[derive(sqlx::FromRow)]
    struct Fee {
        lane: String,
        fee_cents: i64,
        fee_currency: String,
        created_at: i64,
    }
    let fees: Vec<Fee> = sqlx::query_as(
        "SELECT lane, fee_cents, fee_currency, created_at FROM deliverables WHERE campaign_id = $1 AND status <> 'rejected'",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    let money = crate::money::ssr::campaign_money(&mut conn, campaign_id).await?;
    let rates = crate::money::ssr::rates(&mut conn, campaign_id).await?;
    let committed = |lane: Lane| {
        let converted: Vec<crate::money::Converted> = fees
            .iter()
            .filter(|f| f.lane == lane.as_str())
            .map(|f| {
                let day = tz::local_date(crate::db::from_ms(f.created_at), tz::of(&zone));
                let fee = crate::money::Money::new(f.fee_cents, &f.fee_currency);
                crate::money::convert_on(&rates, &fee, &money.currency, day)
            })
            .collect();
        let sum = converted.iter().filter_map(|c| c.converted.as_ref()).fold(0i64, |a, m| a.saturating_add(m.minor));
        let missing = crate::money::Total::of(&money.currency, converted.iter()).missing;
        (sum, (!missing.is_empty()).then(|| missing.join("; ")))
    };
    Ok([Lane::Influencer, Lane::Ugc]
        .into_iter()
        .map(|lane| {
            let row = rows.iter().find(|r| r.get::<String, _>("lane") == lane.as_str());
            LaneSettings {
                lane,
                brief: row.map(|r| r.get("brief")).unwrap_or_default(),
                sla_hours: row.map(|r| r.get("sla_hours")).unwrap_or_else(|| LaneSettings::default_sla(lane)),
                budget_cents: row.map(|r| r.get("budget_cents")).unwrap_or(0),
                default_fee_cents: row.map(|r| r.get("default_fee_cents")).unwrap_or(0),
                version: row.map(|r| r.get("version")).unwrap_or(0),
                criteria: match lane {
                    Lane::Ugc => doc.criteria.ugc.clone(),
                    Lane::Influencer => doc.criteria.influencer.clone(),
                },
                reviewer: reviewer_for(&doc, &roster, lane, today),
                committed_cents: committed(lane).0,
                committed_missing: committed(lane).1,
            }
        })
        .collect())
}

/// Saves a lane's brief, SLA, budget line and default fee; refused when someone saved it meanwhile.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn save_lane(db: &Db, who: &Principal, campaign_id: i64, input: &SaveLane) -> Result<LaneSettings> {
    authorize(db, who, campaign_id).await?;
    if !(1..=MAX_SLA_HOURS).contains(&input.sla_hours) {
        return Err(AppError::validation("sla_hours", format!("The approval SLA is 1 to {MAX_SLA_HOURS} hours")));
    }
    limits::check_range("budget_cents", input.budget_cents, limits::CENTS)?;
    limits::check_range("default_fee_cents", input.default_fee_cents, limits::CENTS)?;
    check_len("brief", &input.brief, limits::BRIEF)?;
    let mut w = db.write_campaign(campaign_id).await?;
    let current: Option<i64> =
        sqlx::query_scalar("SELECT version FROM lane_settings WHERE campaign_id = $1 AND lane = $2")
            .bind(campaign_id)
            .bind(input.lane.as_str())
            .fetch_optional(w.conn())
            .await?;
    let now = now_ms();
    if current.unwrap_or(0) != input.version {
        drop(w);
        let now = lanes(db, campaign_id).await?.into_iter().find(|l| l.lane == input.lane);
        return Err(AppError::conflict(
            format!(
                "The {} lane was changed by someone else meanwhile (now version {}); your change was not saved",
                input.lane.label(),
                current.unwrap_or(0)
            ),
            now.and_then(|l| serde_json::to_value(l).ok()),
        ));
    }
    match current {
        Some(_) => {
            sqlx::query(
                "UPDATE lane_settings SET brief = $1, sla_hours = $2, budget_cents = $3, default_fee_cents = $4, \
                 version = version + 1, updated_by = $5, updated_at = $6 WHERE campaign_id = $7 AND lane = $8",
            )
            .bind(&input.brief)
            .bind(input.sla_hours)
            .bind(input.budget_cents)
            .bind(input.default_fee_cents)
            .bind(who.me.user_id)
            .bind(now)
            .bind(campaign_id)
            .bind(input.lane.as_str())
            .execute(w.conn())
            .await?;
        }
        None => {
            sqlx::query(
                "INSERT INTO lane_settings (campaign_id, lane, brief, sla_hours, budget_cents, default_fee_cents, version, updated_by, updated_at, currency) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, (SELECT currency FROM campaigns WHERE id = $1))",
            )
            .bind(campaign_id)
            .bind(input.lane.as_str())
            .bind(&input.brief)
            .bind(input.sla_hours)
            .bind(input.budget_cents)
            .bind(input.default_fee_cents)
            .bind(who.me.user_id)
            .bind(now)
            .execute(w.conn())
            .await?;
        }
    }
    log::append(&mut w, campaign_id, &who.actor(), Change::LaneSaved { lane: input.lane }).await?;
    w.commit().await?;
    lanes(db, campaign_id).await?.into_iter().find(|l| l.lane == input.lane).ok_or_else(AppError::internal)
}

/// Sets the campaign's time zone (due days and daily cut-offs are days there).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn set_time_zone(db: &Db, who: &Principal, campaign_id: i64, name: &str) -> Result<String> {
    authorize(db, who, campaign_id).await?;
    let zone = tz::parse(name)?.name().to_string();
    let mut w = db.write_campaign(campaign_id).await?;
    sqlx::query("UPDATE campaigns SET time_zone = $1 WHERE id = $2")
        .bind(&zone)
        .bind(campaign_id)
        .execute(w.conn())
        .await?;
    log::append(&mut w, campaign_id, &who.actor(), Change::TimeZoneSet { time_zone: zone.clone() }).await?;
    w.commit().await?;
    Ok(zone)
}
