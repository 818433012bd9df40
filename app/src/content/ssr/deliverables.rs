//! Briefing a creator (a new deliverable) and the partners' content page.
use sqlx::Row;

use super::super::*;
use super::{campaign_zone, deliverable, lane_noun, lanes, load, Audience};
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::authorize;
use crate::campaigns::ssr::partners;
use crate::charter::ssr::current_doc;
use crate::db::{now_ms, Db};
use crate::error::{AppError, Result};
use crate::idempotency;
use crate::limits::{self, check_len};
use crate::realtime::{log, Change};

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
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
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
    let creator_name: String = creator.get("name");
    let lane = input.lane.or_else(|| Lane::parse(&creator.get::<String, _>("lane"))).unwrap_or(Lane::Influencer);
    let fee = input
        .fee_cents
        .unwrap_or_else(|| settings.iter().find(|l| l.lane == lane).map(|l| l.default_fee_cents).unwrap_or(0));
    // A fee given for this deliverable is in the currency agreed with the creator (if any); the lane's default
    // fee is in the campaign's currency.
    let agreed: i64 = input.fee_cents.is_some() as i64;
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deliverables (campaign_id, creator_id, lane, title, expectations, due_date, fee_cents, created_by, created_at, updated_at, fee_currency) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, COALESCE((SELECT payout_currency FROM creators WHERE id = $2 AND $10 = 1), \
         (SELECT currency FROM campaigns WHERE id = $1))) RETURNING id",
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
    .bind(agreed)
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

/// A partner member reads one deliverable.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_deliverable(db: &Db, who: &Principal, campaign_id: i64, id: i64) -> Result<Deliverable> {
    authorize(db, who, campaign_id).await?;
    deliverable(db, campaign_id, id, Audience::Partner).await
}

/// The campaign's content page.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_content(db: &Db, who: &Principal, campaign_id: i64, max_upload_bytes: u64) -> Result<ContentView> {
    let org = authorize(db, who, campaign_id).await?;
    let head = log::head(&db.pool, campaign_id).await?.unwrap_or(0);
    let mut conn = db.pool.acquire().await?;
    let (campaign_name, time_zone) = campaign_zone(&mut conn, campaign_id).await?;
    let currency: String = sqlx::query_scalar("SELECT currency FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(&mut *conn)
        .await?;
    let creators = sqlx::query(
        "SELECT id, name, lane, user_id, payout_currency FROM creators WHERE campaign_id = $1 AND stage NOT IN ('declined', 'archived') ORDER BY name",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Briefable {
        creator_id: r.get("id"),
        name: r.get("name"),
        lane: Lane::parse(&r.get::<String, _>("lane")).unwrap_or(Lane::Influencer),
        has_account: r.get::<Option<i64>, _>("user_id").is_some(),
        currency: r.get("payout_currency"),
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
        currency,
        turnaround: turnaround(&timings, &partners, now_ms()),
        lanes,
        deliverables,
        escalations: crate::escalations::ssr::for_campaign(db, campaign_id).await?,
        outbox: crate::outbox::ssr::outbox(db, campaign_id).await?,
        creators,
        partners,
        head,
        may_decide: may,
        max_upload_bytes,
    })
}
