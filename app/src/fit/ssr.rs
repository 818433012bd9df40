//! Server side of partner fit: profiles (one row per saved version), the fit view of a campaign, settling its
//! items, and an organization's track record. Tenancy: a profile and a track record are seen by the organization
//! itself and by the partners of a campaign it is on; anyone else gets "not found".
use std::collections::HashMap;

use chrono::{Datelike, Utc};
use sqlx::{FromRow, Row};

use super::compare::{clock_of, mismatches};
use super::observed::{observe, Context, Samples};
use super::*;
use crate::accounts::ssr::{OrgRow, Principal};
use crate::campaigns::ssr::{authorize, partners};
use crate::charter::CheckItem;
use crate::content::sla::tz;
use crate::content::LaneSettings;
use crate::db::{from_ms, now_ms, Db};
use crate::error::{AppError, ErrorCode, Result};
use crate::limits::{self, check_len, check_range};
use crate::realtime::{log, Change};

/// Bounds of the numbers in a profile.
pub const MAX_TEAM: i64 = 1_000_000;
pub const MAX_COMMITMENT_HOURS: i64 = 720;
pub const MAX_APPROVAL_STEPS: i64 = 20;
pub const MAX_CAMPAIGNS_PER_QUARTER: i64 = 10_000;

/// Checks every field (the error names it) and returns the style as stored (trimmed, the zone's canonical name).
pub fn validate(input: &WorkingStyle) -> Result<WorkingStyle> {
    let mut s = input.clone();
    for (field, value) in [
        ("markets", &mut s.markets),
        ("time_zone", &mut s.time_zone),
        ("work_start", &mut s.work_start),
        ("work_end", &mut s.work_end),
        ("work_days", &mut s.work_days),
        ("signer", &mut s.signer),
        ("reporting_cadence", &mut s.reporting_cadence),
        ("tools", &mut s.tools),
        ("languages", &mut s.languages),
    ] {
        check_len(field, value, limits::SHORT)?;
        *value = value.trim().to_string();
    }
    check_range("team_size", s.team_size, MAX_TEAM)?;
    check_range("campaigns_per_quarter", s.campaigns_per_quarter, MAX_CAMPAIGNS_PER_QUARTER)?;
    for (field, value, max) in [
        ("review_hours", s.review_hours, MAX_COMMITMENT_HOURS),
        ("reply_hours", s.reply_hours, MAX_COMMITMENT_HOURS),
        ("approval_steps", s.approval_steps, MAX_APPROVAL_STEPS),
    ] {
        if !(1..=max).contains(&value) {
            return Err(AppError::validation(field, format!("Use a whole number from 1 to {max}")));
        }
    }
    if !s.time_zone.is_empty() {
        s.time_zone = tz::parse(&s.time_zone)?.name().to_string();
    }
    let start = super::clock::parse_time("work_start", &s.work_start)?;
    let end = super::clock::parse_time("work_end", &s.work_end)?;
    if end <= start {
        return Err(AppError::validation("work_end", "The working day ends after it starts (no night shifts)"));
    }
    s.work_start = start.format("%H:%M").to_string();
    s.work_end = end.format("%H:%M").to_string();
    super::clock::parse_days(&s.work_days)?;
    Ok(s)
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    version: i64,
    team_size: i64,
    markets: String,
    time_zone: String,
    work_start: String,
    work_end: String,
    work_days: String,
    measure_working_hours: i64,
    review_hours: i64,
    reply_hours: i64,
    approval_steps: i64,
    signer: String,
    reporting_cadence: String,
    tools: String,
    campaigns_per_quarter: i64,
    languages: String,
    saved_at: i64,
}

const PROFILE_COLUMNS: &str = "version, team_size, markets, time_zone, work_start, work_end, work_days, measure_working_hours, \
     review_hours, reply_hours, approval_steps, signer, reporting_cadence, tools, campaigns_per_quarter, languages, saved_at";

fn style_of(r: ProfileRow) -> (i64, WorkingStyle, i64) {
    let style = WorkingStyle {
        team_size: r.team_size,
        markets: r.markets,
        time_zone: r.time_zone,
        work_start: r.work_start,
        work_end: r.work_end,
        work_days: r.work_days,
        measure_working_hours: r.measure_working_hours != 0,
        review_hours: r.review_hours,
        reply_hours: r.reply_hours,
        approval_steps: r.approval_steps,
        signer: r.signer,
        reporting_cadence: r.reporting_cadence,
        tools: r.tools,
        campaigns_per_quarter: r.campaigns_per_quarter,
        languages: r.languages,
    };
    (r.version, style, r.saved_at)
}

/// The organization's current profile, or `None` when it never saved one.
async fn stored(conn: &mut sqlx::AnyConnection, org: &OrgRef) -> Result<Option<OrgProfile>> {
    let row: Option<ProfileRow> = sqlx::query_as(&format!(
        "SELECT {PROFILE_COLUMNS} FROM org_profiles WHERE org_id = $1 ORDER BY version DESC LIMIT 1"
    ))
    .bind(org.id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| {
        let (version, style, saved_at) = style_of(r);
        OrgProfile { org: org.clone(), version, style, saved_at: Some(from_ms(saved_at)) }
    }))
}

/// Every saved version of the organization's profile, newest first, with what each changed. The saver's name is
/// shown to the organization itself; its partners see the organization's name.
async fn history_of(db: &Db, viewer_org: i64, org: &OrgRef) -> Result<Vec<ProfileVersion>> {
    let rows = sqlx::query(&format!(
        "SELECT p.saved_by, u.name AS saver, {} FROM org_profiles p JOIN users u ON u.id = p.saved_by \
         WHERE p.org_id = $1 ORDER BY p.version LIMIT 1000",
        PROFILE_COLUMNS.split(", ").map(|c| format!("p.{}", c.trim())).collect::<Vec<_>>().join(", ")
    ))
    .bind(org.id)
    .fetch_all(&db.pool)
    .await?;
    let mut out: Vec<ProfileVersion> = Vec::with_capacity(rows.len());
    let mut before: Option<WorkingStyle> = None;
    for r in &rows {
        let (version, style, saved_at) = style_of(ProfileRow::from_row(r)?);
        let changes = match &before {
            None => vec!["First stated".to_string()],
            Some(b) => {
                let c = style.changes_from(b);
                if c.is_empty() {
                    vec!["Saved without changes".to_string()]
                } else {
                    c
                }
            }
        };
        let saved_by = if viewer_org == org.id { r.get::<String, _>("saver") } else { org.name.clone() };
        out.push(ProfileVersion { version, saved_at: from_ms(saved_at), saved_by, changes });
        before = Some(style);
    }
    out.reverse();
    Ok(out)
}

/// The saved versions of an organization's profile (newest first), for itself and the partners of its campaigns.
#[tracing::instrument(skip_all, fields(org = %org_id))]
pub async fn profile_history(db: &Db, who: &Principal, org_id: i64) -> Result<Vec<ProfileVersion>> {
    let org = visible_org(db, who, org_id).await?;
    let me = who.member_org()?.id;
    history_of(db, me, &org).await
}

/// The profile as shown: the stored one, or version 0 with the suggested defaults.
async fn profile_or_default(db: &Db, org: &OrgRef) -> Result<OrgProfile> {
    let mut conn = db.pool.acquire().await?;
    Ok(stored(&mut conn, org).await?.unwrap_or_else(|| OrgProfile {
        org: org.clone(),
        version: 0,
        style: WorkingStyle::default(),
        saved_at: None,
    }))
}

async fn org_by_id(db: &Db, org_id: i64) -> Result<Option<OrgRef>> {
    Ok(sqlx::query_as::<_, OrgRow>(
        "SELECT id AS org_id, name AS org_name, kind AS org_kind, color AS org_color FROM organizations WHERE id = $1",
    )
    .bind(org_id)
    .fetch_optional(&db.pool)
    .await?
    .map(OrgRef::from))
}

/// Campaigns both organizations are partners of, oldest first.
async fn shared_campaigns(db: &Db, a: i64, b: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT x.campaign_id FROM campaign_partners x JOIN campaign_partners y ON y.campaign_id = x.campaign_id \
         WHERE x.org_id = $1 AND y.org_id = $2 ORDER BY x.campaign_id",
    )
    .bind(a)
    .bind(b)
    .fetch_all(&db.pool)
    .await?)
}

/// The organization `org_id` as the caller may see it: their own, or a partner of a campaign they share.
async fn visible_org(db: &Db, who: &Principal, org_id: i64) -> Result<OrgRef> {
    let not_found = || AppError::not_found("Organization");
    let mine = who.member_org().map_err(|_| not_found())?;
    if mine.id != org_id && shared_campaigns(db, mine.id, org_id).await?.is_empty() {
        return Err(not_found());
    }
    org_by_id(db, org_id).await?.ok_or_else(not_found)
}

/// The caller's organization's profile (version 0 until first saved).
#[tracing::instrument(skip_all)]
pub async fn get_own_profile(db: &Db, who: &Principal) -> Result<OrgProfile> {
    let org = who.member_org()?.clone();
    profile_or_default(db, &org).await
}

/// An organization's profile, for itself and the partners of its campaigns.
#[tracing::instrument(skip_all, fields(org = %org_id))]
pub async fn get_profile(db: &Db, who: &Principal, org_id: i64) -> Result<OrgProfile> {
    let org = visible_org(db, who, org_id).await?;
    profile_or_default(db, &org).await
}

/// Saves the caller's organization's profile as a new version; refused (409, with the current profile) when it
/// was saved meanwhile.
#[tracing::instrument(skip_all)]
pub async fn save_profile(db: &Db, who: &Principal, input: &SaveProfile) -> Result<OrgProfile> {
    let org = who.member_org()?.clone();
    let style = validate(&input.style)?;
    let stale = |current: i64| {
        AppError::new(
            ErrorCode::Conflict,
            format!(
                "{}'s working style was saved by someone else meanwhile (now version {current}); your change was not saved",
                org.name
            ),
        )
    };
    let mut w = db.write().await?;
    let current: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM org_profiles WHERE org_id = $1")
        .bind(org.id)
        .fetch_one(w.conn())
        .await?;
    if current != input.version {
        drop(w);
        let now = profile_or_default(db, &org).await?;
        return Err(AppError { current: serde_json::to_value(&now).ok(), ..stale(current) });
    }
    let inserted = sqlx::query(
        "INSERT INTO org_profiles (org_id, version, team_size, markets, time_zone, work_start, work_end, work_days, \
         measure_working_hours, review_hours, reply_hours, approval_steps, signer, reporting_cadence, tools, \
         campaigns_per_quarter, languages, saved_by, saved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(org.id)
    .bind(current + 1)
    .bind(style.team_size)
    .bind(&style.markets)
    .bind(&style.time_zone)
    .bind(&style.work_start)
    .bind(&style.work_end)
    .bind(&style.work_days)
    .bind(style.measure_working_hours as i64)
    .bind(style.review_hours)
    .bind(style.reply_hours)
    .bind(style.approval_steps)
    .bind(&style.signer)
    .bind(&style.reporting_cadence)
    .bind(&style.tools)
    .bind(style.campaigns_per_quarter)
    .bind(&style.languages)
    .bind(who.me.user_id)
    .bind(now_ms())
    .execute(w.conn())
    .await;
    // Two first saves at once on PostgreSQL both read the same version: the second insert meets the key.
    if let Err(e) = inserted {
        let e = AppError::from(e);
        if e.is(ErrorCode::Conflict) {
            drop(w);
            let now = profile_or_default(db, &org).await?;
            return Err(AppError { current: serde_json::to_value(&now).ok(), ..stale(now.version) });
        }
        return Err(e);
    }
    w.commit().await?;
    let saved = profile_or_default(db, &org).await?;
    tell_campaigns(db, who, &org, saved.version).await;
    Ok(saved)
}

/// The organization's campaigns (the latest 200) hear of a new profile version: their fit pages follow it live,
/// and the activity trail says who changed it. Best effort: the profile is saved whatever happens here.
async fn tell_campaigns(db: &Db, who: &Principal, org: &OrgRef, version: i64) {
    let campaigns: Vec<i64> = match sqlx::query_scalar(
        "SELECT campaign_id FROM campaign_partners WHERE org_id = $1 ORDER BY campaign_id DESC LIMIT 200",
    )
    .bind(org.id)
    .fetch_all(&db.pool)
    .await
    {
        Ok(c) => c,
        Err(e) => return tracing::warn!(error = %e, "profile saved; its campaigns were not told"),
    };
    for campaign_id in campaigns {
        let what = format!("saved {}'s working style (version {version})", org.name);
        let told = async {
            let mut w = db.write_campaign(campaign_id).await?;
            log::append(
                &mut w,
                campaign_id,
                &who.actor(),
                Change::Recorded { topic: "fit".into(), what, creator_id: None },
            )
            .await?;
            w.commit().await
        };
        if let Err(e) = told.await {
            tracing::warn!(campaign = campaign_id, error = %e, "profile saved; this campaign was not told");
        }
    }
}

/// A campaign's name, status and zone.
async fn campaign_row(db: &Db, campaign_id: i64) -> Result<(String, String, String)> {
    let row = sqlx::query("SELECT name, status, time_zone FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| AppError::not_found("Campaign"))?;
    Ok((row.get("name"), row.get("status"), row.get("time_zone")))
}

async fn lane_slas(db: &Db, campaign_id: i64) -> Result<Vec<LaneSla>> {
    let rows = sqlx::query("SELECT lane, sla_hours FROM lane_settings WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_all(&db.pool)
        .await?;
    Ok([Lane::Ugc, Lane::Influencer]
        .into_iter()
        .map(|lane| LaneSla {
            lane,
            sla_hours: rows
                .iter()
                .find(|r| r.get::<String, _>("lane") == lane.as_str())
                .map(|r| r.get("sla_hours"))
                .unwrap_or_else(|| LaneSettings::default_sla(lane)),
        })
        .collect())
}

/// Observations per organization in one campaign, each counted on its own clock (`profiles`).
async fn observe_campaign(db: &Db, campaign_id: i64, profiles: &HashMap<i64, WorkingStyle>) -> Result<HashMapSamples> {
    let (_, _, zone) = campaign_row(db, campaign_id).await?;
    let zone = tz::of(&zone);
    let clocks = profiles
        .iter()
        .filter(|(_, s)| s.measure_working_hours)
        .filter_map(|(org, s)| clock_of(s, zone).map(|c| (*org, c)))
        .collect();
    let ctx = Context {
        sla_hours: lane_slas(db, campaign_id).await?.into_iter().map(|l| (l.lane, l.sla_hours)).collect(),
        today: tz::local_date(Utc::now(), zone),
        clocks,
        creator_users: sqlx::query("SELECT id, user_id FROM creators WHERE campaign_id = $1 AND user_id IS NOT NULL")
            .bind(campaign_id)
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|r| (r.get::<i64, _>("id"), r.get::<i64, _>("user_id")))
            .collect(),
    };
    let events = log::events_after(&db.pool, campaign_id, 0, i64::MAX).await?;
    Ok(observe(&events, &ctx).into_iter().collect())
}

type HashMapSamples = HashMap<i64, Samples>;

/// `org`'s observations across `campaigns`, and its measures.
async fn record(db: &Db, org: i64, style: Option<&WorkingStyle>, campaigns: &[i64]) -> Result<Measures> {
    let profiles: HashMap<i64, WorkingStyle> = style.map(|s| (org, s.clone())).into_iter().collect();
    let mut all = Samples::default();
    for c in campaigns {
        if let Some(s) = observe_campaign(db, *c, &profiles).await?.remove(&org) {
            all.add(s);
        }
    }
    Ok(all.measures(org, style.is_some_and(|s| s.measure_working_hours)))
}

/// `org`'s track record across the campaigns it shared with the caller's organization (all its campaigns, for
/// the caller's own), `except` one.
async fn track_record_of(db: &Db, who: &Principal, org: &OrgRef, except: Option<i64>) -> Result<TrackRecord> {
    let mine = who.member_org()?.clone();
    let campaigns: Vec<i64> =
        shared_campaigns(db, mine.id, org.id).await?.into_iter().filter(|c| Some(*c) != except).collect();
    let mut conn = db.pool.acquire().await?;
    let style = stored(&mut conn, org).await?.map(|p| p.style);
    drop(conn);
    let measures = record(db, org.id, style.as_ref(), &campaigns).await?;
    Ok(TrackRecord {
        org: org.clone(),
        with: mine,
        campaigns: campaigns.len() as i64,
        lines: stated_vs_observed(style.as_ref(), &measures),
        measures,
    })
}

/// An organization's track record across the campaigns it shared with the caller's organization.
#[tracing::instrument(skip_all, fields(org = %org_id))]
pub async fn track_record(db: &Db, who: &Principal, org_id: i64) -> Result<TrackRecord> {
    let org = visible_org(db, who, org_id).await?;
    track_record_of(db, who, &org, None).await
}

/// The partners with their profiles, the lanes, and the fit items with their settlements.
async fn items(
    db: &Db,
    campaign_id: i64,
    zone: chrono_tz::Tz,
) -> Result<(Vec<(OrgRef, Option<OrgProfile>)>, Vec<LaneSla>, Vec<FitItem>)> {
    let orgs = partners(db, campaign_id).await?;
    let mut conn = db.pool.acquire().await?;
    let mut with_profiles = Vec::new();
    for org in orgs {
        let p = stored(&mut conn, &org).await?;
        with_profiles.push((org, p));
    }
    let lanes = lane_slas(db, campaign_id).await?;
    let today = tz::local_date(Utc::now(), zone);
    let monday = today - chrono::Duration::days(today.weekday().num_days_from_monday() as i64);
    let styles: Vec<(OrgRef, Option<WorkingStyle>)> =
        with_profiles.iter().map(|(o, p)| (o.clone(), p.as_ref().map(|p| p.style.clone()))).collect();
    let mut items = mismatches(&styles, &lanes, zone, monday);
    let settled = sqlx::query(
        "SELECT f.item_key, f.note, f.settled_at, u.name AS by_name, o.name AS org_name FROM fit_settlements f \
         JOIN users u ON u.id = f.settled_by LEFT JOIN organizations o ON o.id = u.org_id WHERE f.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    for item in &mut items {
        item.settled = settled.iter().find(|r| r.get::<String, _>("item_key") == item.key).map(|r| Settlement {
            note: r.get("note"),
            by: r.get("by_name"),
            org_name: r.get::<Option<String>, _>("org_name").unwrap_or_default(),
            at: from_ms(r.get("settled_at")),
        });
    }
    Ok((with_profiles, lanes, items))
}

/// The fit view of a campaign, for its partners.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn fit_view(db: &Db, who: &Principal, campaign_id: i64) -> Result<FitView> {
    let me = authorize(db, who, campaign_id).await?;
    let head = log::head(&db.pool, campaign_id).await?.unwrap_or(0);
    let (campaign_name, status, time_zone) = campaign_row(db, campaign_id).await?;
    let zone = tz::of(&time_zone);
    let (with_profiles, lanes, items) = items(db, campaign_id, zone).await?;
    let styles: HashMap<i64, WorkingStyle> =
        with_profiles.iter().filter_map(|(o, p)| p.as_ref().map(|p| (o.id, p.style.clone()))).collect();
    let mut observed = observe_campaign(db, campaign_id, &styles).await?;
    let mut out = Vec::new();
    for (org, profile) in with_profiles {
        let style = profile.as_ref().map(|p| &p.style);
        let measures = observed
            .remove(&org.id)
            .unwrap_or_default()
            .measures(org.id, style.is_some_and(|s| s.measure_working_hours));
        let track_record = if org.id == me.id {
            None
        } else {
            Some(track_record_of(db, who, &org, Some(campaign_id)).await?).filter(|t| t.campaigns > 0)
        };
        let history = history_of(db, me.id, &org).await?;
        out.push(PartnerFit {
            lines: stated_vs_observed(style, &measures),
            org,
            profile,
            observed: measures,
            track_record,
            history,
        });
    }
    Ok(FitView { campaign_id, campaign_name, status, time_zone, my_org_id: me.id, lanes, partners: out, items, head })
}

/// Marks a fit item settled (once: a second call answers with the first settlement).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn settle(db: &Db, who: &Principal, campaign_id: i64, input: &Settle) -> Result<FitItem> {
    authorize(db, who, campaign_id).await?;
    check_len("key", &input.key, limits::SHORT)?;
    let note = input.note.trim();
    check_len("note", note, limits::NOTE)?;
    let (_, _, zone) = campaign_row(db, campaign_id).await?;
    let find = |items: Vec<FitItem>| items.into_iter().find(|i| i.key == input.key);
    let (_, _, now) = items(db, campaign_id, tz::of(&zone)).await?;
    let Some(item) = find(now) else {
        return Err(AppError::validation(
            "key",
            "No such fit item in this campaign (it may have been resolved meanwhile)",
        ));
    };
    if item.settled.is_some() {
        return Ok(item);
    }
    let mut w = db.write_campaign(campaign_id).await?;
    let exists = sqlx::query("SELECT 1 FROM fit_settlements WHERE campaign_id = $1 AND item_key = $2")
        .bind(campaign_id)
        .bind(&input.key)
        .fetch_optional(w.conn())
        .await?
        .is_some();
    if !exists {
        sqlx::query(
            "INSERT INTO fit_settlements (campaign_id, item_key, note, settled_by, settled_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(campaign_id)
        .bind(&input.key)
        .bind(note)
        .bind(who.me.user_id)
        .bind(now_ms())
        .execute(w.conn())
        .await?;
        let what = if note.is_empty() {
            format!("marked \"{}\" settled in the charter", item.title)
        } else {
            format!("marked \"{}\" settled in the charter: {note}", item.title)
        };
        log::append(
            &mut w,
            campaign_id,
            &who.actor(),
            Change::Recorded { topic: "fit".into(), what, creator_id: None },
        )
        .await?;
    }
    w.commit().await?;
    let (_, _, now) = items(db, campaign_id, tz::of(&zone)).await?;
    find(now).ok_or_else(AppError::internal)
}

/// The fit items as launch checklist warnings (never blocking): settled ones ticked, the others to settle.
pub async fn launch_warnings(db: &Db, campaign_id: i64) -> Result<Vec<CheckItem>> {
    let (_, _, zone) = campaign_row(db, campaign_id).await?;
    let (_, _, items) = items(db, campaign_id, tz::of(&zone)).await?;
    Ok(items
        .into_iter()
        .map(|i| CheckItem {
            ok: i.settled.is_some(),
            blocking: false,
            section: None,
            message: match &i.settled {
                Some(s) if s.note.is_empty() => format!("Partner fit settled: {}", i.title),
                Some(s) => format!("Partner fit settled: {} ({})", i.title, s.note),
                None => format!("Partner fit to settle: {}", i.title),
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_bounded_and_named() {
        let ok =
            WorkingStyle { time_zone: " Europe/Berlin ".into(), work_start: "9:00".into(), ..WorkingStyle::default() };
        let stored = validate(&ok).unwrap();
        assert_eq!((stored.work_start.as_str(), stored.time_zone.as_str()), ("09:00", "Europe/Berlin"));
        let field = |s: WorkingStyle| validate(&s).unwrap_err().field;
        let d = WorkingStyle::default;
        assert_eq!(field(WorkingStyle { markets: "x".repeat(201), ..d() }).as_deref(), Some("markets"));
        assert_eq!(field(WorkingStyle { team_size: -1, ..d() }).as_deref(), Some("team_size"));
        assert_eq!(field(WorkingStyle { review_hours: 0, ..d() }).as_deref(), Some("review_hours"));
        assert_eq!(field(WorkingStyle { reply_hours: 721, ..d() }).as_deref(), Some("reply_hours"));
        assert_eq!(field(WorkingStyle { approval_steps: 21, ..d() }).as_deref(), Some("approval_steps"));
        assert_eq!(
            field(WorkingStyle { campaigns_per_quarter: 10_001, ..d() }).as_deref(),
            Some("campaigns_per_quarter")
        );
        assert_eq!(field(WorkingStyle { time_zone: "Mars/Olympus".into(), ..d() }).as_deref(), Some("time_zone"));
        assert_eq!(field(WorkingStyle { work_end: "08:00".into(), ..d() }).as_deref(), Some("work_end"));
        assert_eq!(field(WorkingStyle { work_days: "Someday".into(), ..d() }).as_deref(), Some("work_days"));
        assert_eq!(field(WorkingStyle { tools: "a\0b".into(), ..d() }).as_deref(), Some("tools"));
    }
}
