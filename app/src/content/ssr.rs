//! Server side of the content lanes: lane settings, deliverables, rounds, reviews, comments, payouts, the
//! creator's portal, review clocks and their escalations, and the mail outbox.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::sla::{self, tz};
use super::*;
use crate::accounts::ssr::{org_from_row, Principal};
use crate::accounts::Role;
use crate::campaigns::ssr::{authorize, partners};
use crate::charter::ssr::{current_doc, roster};
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::{AppError, Result};
use crate::idempotency;
use crate::realtime::{log, Actor, Change};

use crate::limits::{self, check_len};
const MAX_SLA_HOURS: i64 = 24 * 30;

/// The campaign's name and time zone.
pub async fn campaign_zone(conn: &mut sqlx::AnyConnection, campaign_id: i64) -> Result<(String, String)> {
    let row = sqlx::query("SELECT name, time_zone FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| AppError::not_found("Campaign"))?;
    Ok((row.get(0), row.get(1)))
}

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
    // Summed here, saturating: SQL's SUM fails the query once old fees past the limits add up beyond `i64`.
    let fees: Vec<(String, i64)> =
        sqlx::query_as("SELECT lane, fee_cents FROM deliverables WHERE campaign_id = $1 AND status <> 'rejected'")
            .bind(campaign_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut committed: Vec<(String, i64)> = Vec::new();
    for (lane, fee) in fees {
        match committed.iter_mut().find(|c| c.0 == lane) {
            Some(c) => c.1 = c.1.saturating_add(fee),
            None => committed.push((lane, fee)),
        }
    }
    Ok([Lane::Influencer, Lane::Ugc]
        .into_iter()
        .map(|lane| {
            let row = rows.iter().find(|r| r.get::<String, _>(0) == lane.as_str());
            LaneSettings {
                lane,
                brief: row.map(|r| r.get(1)).unwrap_or_default(),
                sla_hours: row.map(|r| r.get(2)).unwrap_or_else(|| LaneSettings::default_sla(lane)),
                budget_cents: row.map(|r| r.get(3)).unwrap_or(0),
                default_fee_cents: row.map(|r| r.get(4)).unwrap_or(0),
                version: row.map(|r| r.get(5)).unwrap_or(0),
                criteria: match lane {
                    Lane::Ugc => doc.criteria.ugc.clone(),
                    Lane::Influencer => doc.criteria.influencer.clone(),
                },
                reviewer: reviewer_for(&doc, &roster, lane, today),
                committed_cents: committed.iter().find(|c| c.0 == lane.as_str()).map(|c| c.1).unwrap_or(0),
            }
        })
        .collect())
}

/// Saves a lane's brief, SLA, budget line and default fee; refused when someone saved it meanwhile.
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
                "INSERT INTO lane_settings (campaign_id, lane, brief, sla_hours, budget_cents, default_fee_cents, version, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8)",
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

fn validate_title(title: &str) -> Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(AppError::validation("title", "Give the deliverable a title, e.g. \"Reel: first ride\""));
    }
    check_len("title", t, limits::NAME)?;
    Ok(t.to_string())
}

fn parse_due(due: Option<&str>) -> Result<Option<chrono::NaiveDate>> {
    match due.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<chrono::NaiveDate>()
            .map(Some)
            .map_err(|_| AppError::validation("due_date", format!("\"{s}\" is not a date; use YYYY-MM-DD"))),
    }
}

/// Briefs a creator: a new deliverable in a lane.
pub async fn create_deliverable(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    input: &NewDeliverable,
    key: Option<&str>,
) -> Result<Deliverable> {
    authorize(db, who, campaign_id).await?;
    let title = validate_title(&input.title)?;
    let due = parse_due(input.due_date.as_deref())?;
    check_len("expectations", &input.expectations, limits::BRIEF)?;
    if let Some(fee) = input.fee_cents {
        limits::check_range("fee_cents", fee, limits::CENTS)?;
    }
    let settings = lanes(db, campaign_id).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    let scope = who.idempotency_scope();
    let hash = idempotency::request_hash(&format!("deliverable:{campaign_id}"), input);
    if let Some(answer) = idempotency::claim(&mut w, &scope, key, &hash).await? {
        drop(w);
        let id: i64 = idempotency::replay(&answer)?;
        return deliverable(db, campaign_id, id, Audience::Partner).await;
    }
    let creator = sqlx::query("SELECT name, lane FROM creators WHERE id = $1 AND campaign_id = $2")
        .bind(input.creator_id)
        .bind(campaign_id)
        .fetch_optional(w.conn())
        .await?
        .ok_or_else(|| {
            AppError::validation("creator_id", format!("Creator {} is not in this campaign's pool", input.creator_id))
        })?;
    let creator_name: String = creator.get(0);
    let lane = input.lane.or_else(|| Lane::parse(&creator.get::<String, _>(1))).unwrap_or(Lane::Influencer);
    let fee = input
        .fee_cents
        .unwrap_or_else(|| settings.iter().find(|l| l.lane == lane).map(|l| l.default_fee_cents).unwrap_or(0));
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deliverables (campaign_id, creator_id, lane, title, expectations, due_date, fee_cents, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(campaign_id)
    .bind(input.creator_id)
    .bind(lane.as_str())
    .bind(&title)
    .bind(input.expectations.trim())
    .bind(due.map(|d| d.to_string()))
    .bind(fee)
    .bind(who.me.user_id)
    .bind(now)
    .fetch_one(w.conn())
    .await?;
    let what = format!("briefed {creator_name}: {} \"{title}\"", lane_noun(lane));
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::DeliverableChanged {
            deliverable_id: id,
            creator_id: input.creator_id,
            lane,
            status: Status::AwaitingDraft,
            what,
        },
    )
    .await?;
    idempotency::store(&mut w, &scope, key, &id).await?;
    w.commit().await?;
    deliverable(db, campaign_id, id, Audience::Partner).await
}

fn lane_noun(lane: Lane) -> &'static str {
    match lane {
        Lane::Influencer => "influencer post",
        Lane::Ugc => "UGC asset",
    }
}

/// Who is looking: partners see everything; a creator sees their own deliverables without internal comments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Audience {
    Partner,
    Creator,
}

/// Loads deliverables of a campaign (all, or one, or a creator's), with rounds, files and comments.
///
/// Whether to filter is bound apart from the value filtered on: `Some(0)` is the deliverable (or person) 0, which
/// does not exist, never "any" (it once was, and `/deliverables/0` answered with the newest deliverable).
async fn load(
    db: &Db,
    campaign_id: i64,
    one: Option<i64>,
    creator_user: Option<i64>,
    audience: Audience,
) -> Result<Vec<Deliverable>> {
    if one.is_some_and(|id| id <= 0) || creator_user.is_some_and(|id| id <= 0) {
        return Ok(Vec::new());
    }
    let mut conn = db.pool.acquire().await?;
    let (_, zone) = campaign_zone(&mut conn, campaign_id).await?;
    let zone = tz::of(&zone);
    let today = tz::local_date(Utc::now(), zone);
    let doc = current_doc(db, campaign_id).await?;
    let roster = roster(db, campaign_id).await?;
    let reviewers: HashMap<&'static str, Option<Reviewer>> = [Lane::Influencer, Lane::Ugc]
        .into_iter()
        .map(|l| (l.as_str(), reviewer_for(&doc, &roster, l, today)))
        .collect();
    let rows = sqlx::query(
        "SELECT d.id, d.creator_id, cr.name, d.lane, d.title, d.expectations, d.due_date, d.fee_cents, d.status, d.payout, d.version, \
         o.id, o.name, o.kind, o.color \
         FROM deliverables d JOIN creators cr ON cr.id = d.creator_id LEFT JOIN organizations o ON o.id = cr.owner_org_id \
         WHERE d.campaign_id = $1 AND ($2 = 0 OR d.id = $3) AND ($4 = 0 OR cr.user_id = $5) ORDER BY d.id",
    )
    .bind(campaign_id)
    .bind(one.is_some() as i64)
    .bind(one.unwrap_or(0))
    .bind(creator_user.is_some() as i64)
    .bind(creator_user.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<Deliverable> = rows
        .iter()
        .map(|r| {
            let lane = Lane::parse(&r.get::<String, _>(3)).unwrap_or(Lane::Influencer);
            let due_date = r.get::<Option<String>, _>(6).and_then(|s| s.parse::<chrono::NaiveDate>().ok());
            Deliverable {
                id: r.get(0),
                campaign_id,
                creator_id: r.get(1),
                creator_name: r.get(2),
                owner_org: r.get::<Option<i64>, _>(11).map(|id| org_from_row(id, r.get(12), r.get(13), r.get(14))),
                lane,
                title: r.get(4),
                expectations: r.get(5),
                due_date,
                due_at: due_date.map(|d| tz::end_of_day(d, zone)),
                fee_cents: r.get(7),
                status: Status::parse(&r.get::<String, _>(8)).unwrap_or(Status::AwaitingDraft),
                payout: Payout::parse(&r.get::<String, _>(9)).unwrap_or(Payout::Owed),
                version: r.get(10),
                reviewer: reviewers.get(lane.as_str()).cloned().flatten(),
                rounds: Vec::new(),
                comments: Vec::new(),
            }
        })
        .collect();
    if out.is_empty() {
        return Ok(out);
    }
    let index: HashMap<i64, usize> = out.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let subs = sqlx::query(
        "SELECT s.id, s.deliverable_id, s.round, s.caption, s.link, u.name, s.submitted_at, s.sla_hours, s.review_due_at, \
         s.decision, dn.name, s.decided_at, s.feedback, s.criteria \
         FROM submissions s JOIN users u ON u.id = s.submitted_by LEFT JOIN users dn ON dn.id = s.decided_by \
         WHERE s.campaign_id = $1 AND ($2 = 0 OR s.deliverable_id = $3) ORDER BY s.deliverable_id, s.round",
    )
    .bind(campaign_id)
    .bind(one.is_some() as i64)
    .bind(one.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    let files = sqlx::query(
        "SELECT up.submission_id, up.id, up.file_name, up.kind, up.size, up.has_thumb FROM uploads up \
         WHERE up.campaign_id = $1 AND up.submission_id IS NOT NULL AND up.status = 'complete' ORDER BY up.created_at, up.id",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut files_of: HashMap<i64, Vec<FileRef>> = HashMap::new();
    for f in &files {
        let kind: String = f.get::<Option<String>, _>(3).unwrap_or_default();
        files_of.entry(f.get(0)).or_default().push(FileRef {
            id: f.get(1),
            file_name: f.get(2),
            mime: crate::media::MediaKind::parse(&kind).map(|k| k.mime().to_string()).unwrap_or_default(),
            kind,
            size: f.get(4),
            has_thumb: f.get::<i64, _>(5) != 0,
        });
    }
    for s in &subs {
        let Some(&i) = index.get(&s.get::<i64, _>(1)) else { continue };
        let caption: String = s.get(3);
        let previous = out[i].rounds.last().map(|r| r.caption.clone());
        let due = from_ms(s.get(8));
        let submission_id: i64 = s.get(0);
        out[i].rounds.push(Round {
            submission_id,
            round: s.get(2),
            caption_diff: previous.map(|p| crate::charter::diff::lines(&p, &caption)).unwrap_or_default(),
            caption,
            link: s.get(4),
            files: files_of.remove(&submission_id).unwrap_or_default(),
            submitted_by: s.get(5),
            submitted_at: from_ms(s.get(6)),
            sla_hours: s.get(7),
            review_due_at: due,
            review_due_label: tz::label(due, zone),
            decision: s.get::<Option<String>, _>(9).and_then(|d| Decision::parse(&d)),
            decided_by: s.get(10),
            decided_at: s.get::<Option<i64>, _>(11).map(from_ms),
            feedback: s.get(12),
            criteria: serde_json::from_str(&s.get::<String, _>(13)).unwrap_or_default(),
        });
    }
    let comments = sqlx::query(
        "SELECT id, deliverable_id, round, author_name, org_name, internal, body, created_at FROM deliverable_comments \
         WHERE campaign_id = $1 AND ($2 = 0 OR deliverable_id = $3) AND ($4 = 1 OR internal = 0) ORDER BY id",
    )
    .bind(campaign_id)
    .bind(one.is_some() as i64)
    .bind(one.unwrap_or(0))
    .bind(if audience == Audience::Partner { 1i64 } else { 0 })
    .fetch_all(&mut *conn)
    .await?;
    for c in &comments {
        let Some(&i) = index.get(&c.get::<i64, _>(1)) else { continue };
        out[i].comments.push(Comment {
            id: c.get(0),
            round: c.get(2),
            author: c.get(3),
            org_name: c.get(4),
            internal: c.get::<i64, _>(5) != 0,
            body: c.get(6),
            at: from_ms(c.get(7)),
        });
    }
    Ok(out)
}

/// One deliverable as a partner (or its creator) sees it.
pub async fn deliverable(db: &Db, campaign_id: i64, id: i64, audience: Audience) -> Result<Deliverable> {
    load(db, campaign_id, Some(id), None, audience).await?.pop().ok_or_else(|| AppError::not_found("Deliverable"))
}

/// A partner member reads one deliverable.
pub async fn get(db: &Db, who: &Principal, campaign_id: i64, id: i64) -> Result<Deliverable> {
    authorize(db, who, campaign_id).await?;
    deliverable(db, campaign_id, id, Audience::Partner).await
}

/// The campaign's content page.
pub async fn view(db: &Db, who: &Principal, campaign_id: i64, max_upload_bytes: u64) -> Result<ContentView> {
    let org = authorize(db, who, campaign_id).await?;
    let head = log::head(&db.pool, campaign_id).await?.unwrap_or(0);
    let mut conn = db.pool.acquire().await?;
    let (campaign_name, time_zone) = campaign_zone(&mut conn, campaign_id).await?;
    let creators = sqlx::query(
        "SELECT id, name, lane, user_id FROM creators WHERE campaign_id = $1 AND stage NOT IN ('declined', 'archived') ORDER BY name",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Briefable {
        creator_id: r.get(0),
        name: r.get(1),
        lane: Lane::parse(&r.get::<String, _>(2)).unwrap_or(Lane::Influencer),
        has_account: r.get::<Option<i64>, _>(3).is_some(),
    })
    .collect();
    drop(conn);
    let lanes = lanes(db, campaign_id).await?;
    let deliverables = load(db, campaign_id, None, None, Audience::Partner).await?;
    let partners = partners(db, campaign_id).await?;
    let timings: Vec<RoundTiming> = deliverables
        .iter()
        .flat_map(|d| {
            d.rounds.iter().map(move |r| RoundTiming {
                deliverable_id: d.id,
                lane: d.lane,
                partner_id: d.owner_org.as_ref().map(|o| o.id),
                submitted_at: r.submitted_at.timestamp_millis(),
                due_at: r.review_due_at.timestamp_millis(),
                decided_at: r.decided_at.map(|t| t.timestamp_millis()),
            })
        })
        .collect();
    let owner = current_doc(db, campaign_id).await?.ownership.accountable_owner;
    let may = lanes.iter().map(|l| (l.lane, may_decide(l.reviewer.as_ref(), owner, who.me.user_id, org.id))).collect();
    Ok(ContentView {
        campaign_id,
        campaign_name,
        time_zone,
        turnaround: turnaround(&timings, &partners, now_ms()),
        lanes,
        deliverables,
        escalations: escalations(db, campaign_id).await?,
        outbox: outbox(db, campaign_id).await?,
        creators,
        partners,
        head,
        may_decide: may,
        max_upload_bytes,
    })
}

/// A deliverable addressed to the signed-in creator, or "not found" (also for other creators' deliverables).
pub async fn creators_deliverable(db: &Db, who: &Principal, campaign_id: i64, id: i64) -> Result<Deliverable> {
    crate::campaigns::ssr::authorize_creator(db, who, campaign_id).await?;
    let mut found = load(db, campaign_id, Some(id), Some(who.me.user_id), Audience::Creator).await?;
    found.pop().ok_or_else(|| AppError::not_found("Deliverable"))
}

/// The creator's page for one campaign.
pub async fn portal(db: &Db, who: &Principal, campaign_id: i64, max_upload_bytes: u64) -> Result<PortalView> {
    let creator_id = crate::campaigns::ssr::authorize_creator(db, who, campaign_id).await?.creator_id;
    let mut conn = db.pool.acquire().await?;
    let (campaign_name, time_zone) = campaign_zone(&mut conn, campaign_id).await?;
    drop(conn);
    let doc = current_doc(db, campaign_id).await?;
    let roster = roster(db, campaign_id).await?;
    // The one named contact: the charter's creators' point of contact, else the relationship owner.
    let owner: Option<(Option<i64>, i64)> =
        sqlx::query_as("SELECT owner_user_id, owner_org_id FROM creators WHERE id = $1")
            .bind(creator_id)
            .fetch_optional(&db.pool)
            .await?;
    let contact = match doc.ownership.creator_contact.filter(|id| roster.person(*id).is_some()) {
        Some(id) => roster.person_label(Some(id)),
        None => match owner {
            Some((Some(user), _)) if roster.person(user).is_some() => roster.person_label(Some(user)),
            Some((_, org)) => roster.org_label(Some(org)),
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
pub async fn submit(
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
    let mut w = db.write_campaign(campaign_id).await?;
    let scope = who.idempotency_scope();
    let hash = idempotency::request_hash(&format!("submit:{deliverable_id}"), input);
    if idempotency::claim(&mut w, &scope, key, &hash).await?.is_some() {
        drop(w);
        return creators_deliverable(db, who, campaign_id, deliverable_id).await;
    }
    let (status, rounds, version): (String, i64, i64) =
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
        let row: Option<(String, Option<i64>, i64)> =
            sqlx::query_as("SELECT status, submission_id, deliverable_id FROM uploads WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(who.me.user_id)
                .fetch_optional(w.conn())
                .await?;
        match row {
            Some((s, None, d)) if s == "complete" && d == deliverable_id => {}
            Some((s, _, _)) if s == "receiving" => {
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
        "INSERT INTO submissions (deliverable_id, campaign_id, round, caption, link, submitted_by, submitted_at, sla_hours, review_due_at, reviewer_user_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
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
    let what = format!("submitted v{round} of \"{}\" for review (due in {} h)", mine.title, lane.sla_hours);
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
    idempotency::store(&mut w, &scope, key, &submission_id).await?;
    w.commit().await?;
    creators_deliverable(db, who, campaign_id, deliverable_id).await
}

fn stale(d: &Deliverable) -> AppError {
    AppError::conflict(
        format!(
            "\"{}\" was changed by someone else meanwhile: it is now {} (version {}). Your change was not applied.",
            d.title,
            d.status.label().to_lowercase(),
            d.version
        ),
        serde_json::to_value(d).ok(),
    )
}

/// A reviewer decides on the pending round: approve, request changes or reject, with the lane's criteria ticked.
pub async fn review(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    deliverable_id: i64,
    input: &Review,
    key: Option<&str>,
) -> Result<Deliverable> {
    let org = authorize(db, who, campaign_id).await?;
    let d = deliverable(db, campaign_id, deliverable_id, Audience::Partner).await?;
    let owner = current_doc(db, campaign_id).await?.ownership.accountable_owner;
    if !may_decide(d.reviewer.as_ref(), owner, who.me.user_id, org.id) {
        let r = d.reviewer.as_ref().map(|r| r.label.clone()).unwrap_or_default();
        return Err(AppError::forbidden(format!(
            "Per the responsibility matrix, {} content is reviewed by {r}; you can comment instead",
            d.lane.label()
        )));
    }
    let feedback = input.feedback.trim();
    if input.decision != Decision::Approved && feedback.is_empty() {
        return Err(AppError::validation("feedback", "Tell the creator what to change (or why it is rejected)"));
    }
    check_len("feedback", feedback, limits::NOTE)?;
    let lane = lanes(db, campaign_id).await?.into_iter().find(|l| l.lane == d.lane).ok_or_else(AppError::internal)?;
    if !input.criteria.is_empty() && input.criteria.len() != lane.criteria.len() {
        return Err(AppError::validation(
            "criteria",
            format!(
                "The {} lane has {} criteria; {} ticks were sent",
                d.lane.label(),
                lane.criteria.len(),
                input.criteria.len()
            ),
        ));
    }
    let criteria: Vec<Criterion> = lane
        .criteria
        .iter()
        .enumerate()
        .map(|(i, text)| Criterion { text: text.clone(), met: input.criteria.get(i).copied().unwrap_or(false) })
        .collect();
    let mut w = db.write_campaign(campaign_id).await?;
    let scope = who.idempotency_scope();
    let hash = idempotency::request_hash(&format!("review:{deliverable_id}"), input);
    if idempotency::claim(&mut w, &scope, key, &hash).await?.is_some() {
        drop(w);
        return deliverable(db, campaign_id, deliverable_id, Audience::Partner).await;
    }
    let version: i64 = sqlx::query_scalar("SELECT version FROM deliverables WHERE id = $1")
        .bind(deliverable_id)
        .fetch_one(w.conn())
        .await?;
    let pending = d.pending().map(|r| r.round);
    if version != input.version || pending != Some(input.round) {
        drop(w);
        let now = deliverable(db, campaign_id, deliverable_id, Audience::Partner).await?;
        if now.pending().map(|r| r.round) != Some(input.round) && version == input.version {
            return Err(AppError::validation("round", format!("Round {} is not waiting for a review", input.round)));
        }
        return Err(stale(&now));
    }
    let now = now_ms();
    sqlx::query(
        "UPDATE submissions SET decision = $1, decided_by = $2, decided_at = $3, feedback = $4, criteria = $5 \
         WHERE deliverable_id = $6 AND round = $7 AND decision IS NULL",
    )
    .bind(input.decision.key())
    .bind(who.me.user_id)
    .bind(now)
    .bind(feedback)
    .bind(serde_json::to_string(&criteria).unwrap_or_else(|_| "[]".into()))
    .bind(deliverable_id)
    .bind(input.round)
    .execute(w.conn())
    .await?;
    let status = input.decision.status();
    sqlx::query("UPDATE deliverables SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(status.key())
        .bind(now)
        .bind(deliverable_id)
        .execute(w.conn())
        .await?;
    // A review that was late closes its escalation: the clock it was about has stopped.
    let submission_id = d.pending().map(|r| r.submission_id).unwrap_or_default();
    let resolved = resolve_review_escalation(&mut w, campaign_id, deliverable_id, submission_id, who, now).await?;
    let verb = match input.decision {
        Decision::Approved => "approved",
        Decision::ChangesRequested => "requested changes to",
        Decision::Rejected => "rejected",
    };
    let what = format!("{verb} v{} of {}'s \"{}\"", input.round, d.creator_name, d.title);
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::DeliverableChanged { deliverable_id, creator_id: d.creator_id, lane: d.lane, status, what },
    )
    .await?;
    if let Some(e) = resolved {
        log::append(&mut w, campaign_id, &who.actor(), Change::EscalationUpdated { escalation: e }).await?;
    }
    idempotency::store(&mut w, &scope, key, &deliverable_id).await?;
    w.commit().await?;
    deliverable(db, campaign_id, deliverable_id, Audience::Partner).await
}

/// A comment on a deliverable, by a partner (to the creator, or internal) or by its creator.
pub async fn comment(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    deliverable_id: i64,
    input: &NewDeliverableComment,
) -> Result<Comment> {
    let (d, internal) = match who.me.role {
        Role::Creator => (creators_deliverable(db, who, campaign_id, deliverable_id).await?, false),
        Role::Member => {
            authorize(db, who, campaign_id).await?;
            (deliverable(db, campaign_id, deliverable_id, Audience::Partner).await?, input.internal)
        }
    };
    let body = input.body.trim();
    if body.is_empty() {
        return Err(AppError::validation("body", "Write something first"));
    }
    check_len("body", body, limits::NOTE)?;
    let actor = who.actor();
    let at = now_ms();
    let round = d.rounds.last().map(|r| r.round);
    let mut w = db.write_campaign(campaign_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deliverable_comments (deliverable_id, campaign_id, round, user_id, author_name, org_name, internal, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(deliverable_id)
    .bind(campaign_id)
    .bind(round)
    .bind(who.me.user_id)
    .bind(&who.me.name)
    .bind(&actor.org_name)
    .bind(internal as i64)
    .bind(body)
    .bind(at)
    .fetch_one(w.conn())
    .await?;
    log::append(
        &mut w,
        campaign_id,
        &actor,
        Change::DeliverableCommented { deliverable_id, creator_id: d.creator_id, title: d.title.clone(), internal },
    )
    .await?;
    w.commit().await?;
    Ok(Comment {
        id,
        round,
        author: who.me.name.clone(),
        org_name: actor.org_name,
        internal,
        body: body.to_string(),
        at: from_ms(at),
    })
}

/// Payout status (owed, approved, paid), version-checked.
pub async fn set_payout(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    deliverable_id: i64,
    input: &SetPayout,
) -> Result<Deliverable> {
    authorize(db, who, campaign_id).await?;
    let d = deliverable(db, campaign_id, deliverable_id, Audience::Partner).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    let changed = sqlx::query(
        "UPDATE deliverables SET payout = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
    )
    .bind(input.payout.key())
    .bind(now_ms())
    .bind(deliverable_id)
    .bind(input.version)
    .execute(w.conn())
    .await?;
    if changed.rows_affected() == 0 {
        drop(w);
        return Err(stale(&deliverable(db, campaign_id, deliverable_id, Audience::Partner).await?));
    }
    let what = format!(
        "marked the payout for {}'s \"{}\" as {}",
        d.creator_name,
        d.title,
        input.payout.label().to_lowercase()
    );
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::DeliverableChanged { deliverable_id, creator_id: d.creator_id, lane: d.lane, status: d.status, what },
    )
    .await?;
    w.commit().await?;
    deliverable(db, campaign_id, deliverable_id, Audience::Partner).await
}

// ---- Escalations ----

const ESCALATION_COLUMNS: &str = "e.id, e.campaign_id, e.kind, e.title, e.detail, e.assignee_user_id, u.name, e.status, e.note, \
     e.version, e.created_at, e.updated_at, e.breach_key FROM escalations e LEFT JOIN users u ON u.id = e.assignee_user_id";

fn escalation_from_row(r: &sqlx::any::AnyRow) -> Escalation {
    let key: String = r.get(12);
    Escalation {
        id: r.get(0),
        campaign_id: r.get(1),
        kind: r.get(2),
        title: r.get(3),
        detail: r.get(4),
        assignee_user_id: r.get(5),
        assignee: r.get::<Option<String>, _>(6).unwrap_or_else(|| "the accountable owner (not named yet)".into()),
        status: r.get(7),
        note: r.get(8),
        version: r.get(9),
        created_at: from_ms(r.get(10)),
        updated_at: from_ms(r.get(11)),
        deliverable_id: key.strip_prefix("deliverable:").and_then(|k| k.split(':').next()).and_then(|k| k.parse().ok()),
    }
}

/// A campaign's escalations, open ones first, newest first.
pub async fn escalations(db: &Db, campaign_id: i64) -> Result<Vec<Escalation>> {
    let rows = sqlx::query(&format!(
        "SELECT {ESCALATION_COLUMNS} WHERE e.campaign_id = $1 \
         ORDER BY CASE e.status WHEN 'resolved' THEN 1 ELSE 0 END, e.id DESC LIMIT 200"
    ))
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(escalation_from_row).collect())
}

pub async fn list_escalations(db: &Db, who: &Principal, campaign_id: i64) -> Result<Vec<Escalation>> {
    authorize(db, who, campaign_id).await?;
    escalations(db, campaign_id).await
}

async fn escalation_by_id(conn: &mut sqlx::AnyConnection, campaign_id: i64, id: i64) -> Result<Option<Escalation>> {
    let row = sqlx::query(&format!("SELECT {ESCALATION_COLUMNS} WHERE e.id = $1 AND e.campaign_id = $2"))
        .bind(id)
        .bind(campaign_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(escalation_from_row))
}

/// Raises an escalation once per breach (`breach_key` is unique per campaign and kind, whichever process sees
/// the breach first), with a live event and a mail to the assignee. Returns it when this call raised it.
pub async fn raise(
    w: &mut WriteTx,
    campaign_id: i64,
    kind: &str,
    breach_key: &str,
    title: &str,
    detail: &str,
    assignee: Option<i64>,
) -> Result<Option<Escalation>> {
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO escalations (campaign_id, kind, breach_key, title, detail, assignee_user_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (campaign_id, kind, breach_key) DO NOTHING",
    )
    .bind(campaign_id)
    .bind(kind)
    .bind(breach_key)
    .bind(title)
    .bind(detail)
    .bind(assignee)
    .bind(now)
    .execute(w.conn())
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(None);
    }
    let row = sqlx::query(&format!(
        "SELECT {ESCALATION_COLUMNS} WHERE e.campaign_id = $1 AND e.kind = $2 AND e.breach_key = $3"
    ))
    .bind(campaign_id)
    .bind(kind)
    .bind(breach_key)
    .fetch_one(w.conn())
    .await?;
    let escalation = escalation_from_row(&row);
    let system = Actor { user_id: 0, name: "Chorus".into(), org_id: None, org_name: None };
    log::append(w, campaign_id, &system, Change::EscalationRaised { escalation: escalation.clone() }).await?;
    if let Some(user) = assignee {
        let person: Option<(String, String)> =
            sqlx::query_as("SELECT name, email FROM users WHERE id = $1").bind(user).fetch_optional(w.conn()).await?;
        if let Some((name, email)) = person {
            let campaign: String = sqlx::query_scalar("SELECT name FROM campaigns WHERE id = $1")
                .bind(campaign_id)
                .fetch_one(w.conn())
                .await?;
            let body = format!(
                "Hello {name},\n\n{title}\n\n{detail}\n\nYou are named for this in the charter of \"{campaign}\". \
                 Open the campaign's content page to act on it: /campaigns/{campaign_id}/content\n\n— Chorus"
            );
            enqueue_mail(w, Some(campaign_id), &email, &name, &format!("[{campaign}] Escalation: {title}"), &body)
                .await?;
        }
    }
    Ok(Some(escalation))
}

async fn resolve_review_escalation(
    w: &mut WriteTx,
    campaign_id: i64,
    deliverable_id: i64,
    submission_id: i64,
    who: &Principal,
    now: i64,
) -> Result<Option<Escalation>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM escalations WHERE campaign_id = $1 AND kind = 'review_sla' AND breach_key = $2 AND status <> 'resolved'",
    )
    .bind(campaign_id)
    .bind(review_breach_key(deliverable_id, submission_id))
    .fetch_optional(w.conn())
    .await?;
    let Some(id) = id else { return Ok(None) };
    sqlx::query(
        "UPDATE escalations SET status = 'resolved', note = $1, version = version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(format!("Reviewed by {}", who.me.name))
    .bind(now)
    .bind(id)
    .execute(w.conn())
    .await?;
    escalation_by_id(w.conn(), campaign_id, id).await
}

/// One review clock, one breach: the key names the deliverable (for links) and the submission (the round).
fn review_breach_key(deliverable_id: i64, submission_id: i64) -> String {
    format!("deliverable:{deliverable_id}:submission:{submission_id}")
}

/// Raises an escalation for every pending review past its SLA that has none yet. Safe to run from every
/// process at once: the breach key is unique. Returns how many this call raised.
pub async fn scan_review_breaches(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    let due = sqlx::query(
        "SELECT s.id, s.campaign_id, s.deliverable_id, s.round, s.review_due_at, s.sla_hours, s.submitted_at, s.reviewer_user_id, \
         d.title, d.lane, cr.name \
         FROM submissions s JOIN deliverables d ON d.id = s.deliverable_id JOIN creators cr ON cr.id = d.creator_id \
         WHERE s.decision IS NULL AND s.review_due_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.campaign_id = s.campaign_id AND e.kind = 'review_sla' \
                         AND e.breach_key = 'deliverable:' || CAST(s.deliverable_id AS TEXT) || ':submission:' || CAST(s.id AS TEXT)) \
         ORDER BY s.review_due_at LIMIT 500",
    )
    .bind(now.timestamp_millis())
    .fetch_all(&db.pool)
    .await?;
    let mut raised = 0;
    for r in &due {
        let submission_id: i64 = r.get(0);
        let campaign_id: i64 = r.get(1);
        let deliverable_id: i64 = r.get(2);
        let lane = Lane::parse(&r.get::<String, _>(9)).unwrap_or(Lane::Influencer);
        let doc = current_doc(db, campaign_id).await?;
        let mut conn = db.pool.acquire().await?;
        let (_, zone) = campaign_zone(&mut conn, campaign_id).await?;
        drop(conn);
        let zone = tz::of(&zone);
        // The accountable person of the reviewing responsibility; the campaign's accountable owner otherwise.
        let assignee = r.get::<Option<i64>, _>(7).or(doc.ownership.accountable_owner);
        let due_at = from_ms(r.get(4));
        let title = format!(
            "Review of {}'s \"{}\" (v{}) is past its {} h SLA",
            r.get::<String, _>(10),
            r.get::<String, _>(8),
            r.get::<i64, _>(3),
            r.get::<i64, _>(5)
        );
        let detail = format!(
            "{} lane. Submitted {}; review was due {} and is {}.",
            lane.label(),
            tz::label(from_ms(r.get(6)), zone),
            tz::label(due_at, zone),
            sla::countdown(due_at, now)
        );
        let mut w = db.write_campaign(campaign_id).await?;
        let key = review_breach_key(deliverable_id, submission_id);
        if raise(&mut w, campaign_id, "review_sla", &key, &title, &detail, assignee).await?.is_some() {
            w.commit().await?;
            raised += 1;
        }
    }
    Ok(raised)
}

/// Acknowledge, resolve (or reopen) an escalation, with a note; version-checked.
pub async fn update_escalation(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    id: i64,
    input: &UpdateEscalation,
) -> Result<Escalation> {
    authorize(db, who, campaign_id).await?;
    if !matches!(input.status.as_str(), "open" | "acknowledged" | "resolved") {
        return Err(AppError::validation("status", "Use open, acknowledged or resolved"));
    }
    check_len("note", &input.note, limits::NOTE)?;
    let mut w = db.write_campaign(campaign_id).await?;
    let current =
        escalation_by_id(w.conn(), campaign_id, id).await?.ok_or_else(|| AppError::not_found("Escalation"))?;
    if current.version != input.version {
        return Err(AppError::conflict(
            format!(
                "This escalation was updated by someone else meanwhile (it is now {}); your change was not applied",
                current.status
            ),
            serde_json::to_value(&current).ok(),
        ));
    }
    sqlx::query("UPDATE escalations SET status = $1, note = $2, version = version + 1, updated_at = $3 WHERE id = $4")
        .bind(&input.status)
        .bind(input.note.trim())
        .bind(now_ms())
        .bind(id)
        .execute(w.conn())
        .await?;
    let updated = escalation_by_id(w.conn(), campaign_id, id).await?.ok_or_else(AppError::internal)?;
    log::append(&mut w, campaign_id, &who.actor(), Change::EscalationUpdated { escalation: updated.clone() }).await?;
    w.commit().await?;
    Ok(updated)
}

// ---- Mail ----

pub async fn enqueue_mail(
    w: &mut WriteTx,
    campaign_id: Option<i64>,
    to: &str,
    name: &str,
    subject: &str,
    body: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (campaign_id, to_email, to_name, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(campaign_id)
    .bind(to)
    .bind(name)
    .bind(subject)
    .bind(body)
    .bind(now_ms())
    .execute(w.conn())
    .await?;
    tracing::info!(to, subject, body, "mail queued");
    Ok(())
}

/// The campaign's mail, newest first.
pub async fn outbox(db: &Db, campaign_id: i64) -> Result<Vec<OutboxMail>> {
    let rows = sqlx::query(
        "SELECT id, to_name, to_email, subject, body, created_at, sent_at, last_error FROM outbox WHERE campaign_id = $1 ORDER BY id DESC LIMIT 100",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| OutboxMail {
            id: r.get(0),
            to: format!("{} <{}>", r.get::<String, _>(1), r.get::<String, _>(2)),
            subject: r.get(3),
            body: r.get(4),
            created_at: from_ms(r.get(5)),
            sent_at: r.get::<Option<i64>, _>(6).map(from_ms),
            last_error: r.get(7),
        })
        .collect())
}

/// Mail not sent yet (oldest first), for the SMTP sender: (id, to, name, subject, body).
pub async fn unsent_mail(db: &Db, limit: i64) -> Result<Vec<(i64, String, String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, to_email, to_name, subject, body FROM outbox WHERE sent_at IS NULL AND attempts < 5 ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn mark_mail(db: &Db, id: i64, error: Option<&str>) -> Result<()> {
    db.execute(match error {
        None => sqlx::query("UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
            .bind(now_ms())
            .bind(id),
        Some(e) => sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2")
            .bind(e.to_string())
            .bind(id),
    })
    .await?;
    Ok(())
}
