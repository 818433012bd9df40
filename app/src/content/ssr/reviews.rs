//! Reviews of the pending round, comments on a deliverable, and the review clocks' breaches.
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::super::sla::{self, tz};
use super::super::*;
use super::{campaign_zone, creators_deliverable, deliverable, lanes, stale, Audience};
use crate::accounts::ssr::Principal;
use crate::accounts::Role;
use crate::campaigns::ssr::authorize;
use crate::charter::ssr::current_doc;
use crate::db::from_ms;
use crate::db::{now_ms, Db};
use crate::error::{AppError, Result};
use crate::escalations::ssr::raise;
use crate::idempotency;
use crate::limits::{self, check_len};
use crate::realtime::{log, Change};

/// A reviewer decides on the pending round: approve, request changes or reject, with the lane's criteria ticked.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
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
    let note = input.disclosure_note.trim();
    check_len("disclosure_note", note, limits::NOTE)?;
    let failed =
        d.pending().filter(|r| r.round == input.round).and_then(|r| r.disclosure.as_ref()).is_some_and(|c| !c.passed);
    if failed && input.decision == Decision::Approved && note.is_empty() {
        return Err(AppError::validation(
            "disclosure_note",
            "The disclosure check failed on this round: to approve it anyway, say why in a note (it is kept with the round)",
        ));
    }
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
        "UPDATE submissions SET decision = $1, decided_by = $2, decided_at = $3, feedback = $4, criteria = $5, disclosure_note = $8 \
         WHERE deliverable_id = $6 AND round = $7 AND decision IS NULL",
    )
    .bind(input.decision.key())
    .bind(who.me.user_id)
    .bind(now)
    .bind(feedback)
    .bind(serde_json::to_string(&criteria).unwrap_or_else(|_| "[]".into()))
    .bind(deliverable_id)
    .bind(input.round)
    .bind(note)
    .execute(w.conn())
    .await?;
    let status = input.decision.status();
    sqlx::query("UPDATE deliverables SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(status.key())
        .bind(now)
        .bind(deliverable_id)
        .execute(w.conn())
        .await?;
    // An approved deliverable is owed: its line in the payout ledger.
    if input.decision == Decision::Approved {
        crate::money::ssr::schedule_payout(&mut w, campaign_id, deliverable_id, now).await?;
    }
    // A review that was late closes its escalation: the clock it was about has stopped.
    let submission_id = d.pending().map(|r| r.submission_id).unwrap_or_default();
    if input.decision == Decision::Approved {
        // The approved asset enters the campaign's rights ledger.
        crate::rights::ssr::enter_ledger(&mut w, campaign_id, deliverable_id, Some(submission_id), now).await?;
    }
    let resolved = crate::escalations::ssr::resolve_breach(
        &mut w,
        campaign_id,
        "review_sla",
        &review_breach_key(deliverable_id, submission_id),
        &format!("Reviewed by {}", who.me.name),
        now,
    )
    .await?;
    let verb = match input.decision {
        Decision::Approved => "approved",
        Decision::ChangesRequested => "requested changes to",
        Decision::Rejected => "rejected",
    };
    let mut what = format!("{verb} v{} of {}'s \"{}\"", input.round, d.creator_name, d.title);
    if failed && input.decision == Decision::Approved {
        what.push_str(" over a failed disclosure check");
    }
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
    crate::notify::hooks::decided(&mut w, campaign_id, deliverable_id, input.round, who.me.user_id, verb, feedback)
        .await?;
    idempotency::store(&mut w, &scope, key, &deliverable_id).await?;
    w.commit().await?;
    deliverable(db, campaign_id, deliverable_id, Audience::Partner).await
}

/// A comment on a deliverable, by a partner (to the creator, or internal) or by its creator.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn add_comment(
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
    crate::notify::hooks::commented(
        &mut w,
        campaign_id,
        deliverable_id,
        id,
        who.me.user_id,
        &who.me.name,
        internal,
        body,
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

/// One review clock, one breach: the key names the deliverable (for links) and the submission (the round).
fn review_breach_key(deliverable_id: i64, submission_id: i64) -> String {
    format!("deliverable:{deliverable_id}:submission:{submission_id}")
}

/// Raises an escalation for every pending review past its SLA that has none yet. Safe to run from every
/// process at once: the breach key is unique. Returns how many this call raised.
#[tracing::instrument(skip_all)]
pub async fn scan_review_breaches(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    let due = sqlx::query(
        "SELECT s.id, s.campaign_id, s.deliverable_id, s.round, s.review_due_at, s.sla_hours, s.submitted_at, s.reviewer_user_id, \
         d.title, d.lane, cr.name AS creator_name \
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
        let submission_id: i64 = r.get("id");
        let campaign_id: i64 = r.get("campaign_id");
        let deliverable_id: i64 = r.get("deliverable_id");
        let lane = Lane::parse(&r.get::<String, _>("lane")).unwrap_or(Lane::Influencer);
        let doc = current_doc(db, campaign_id).await?;
        let mut conn = db.pool.acquire().await?;
        let (_, zone) = campaign_zone(&mut conn, campaign_id).await?;
        drop(conn);
        let zone = tz::of(&zone);
        // The accountable person of the reviewing responsibility; the campaign's accountable owner otherwise.
        let assignee = r.get::<Option<i64>, _>("reviewer_user_id").or(doc.ownership.accountable_owner);
        let due_at = from_ms(r.get("review_due_at"));
        let title = format!(
            "Review of {}'s \"{}\" (v{}) is past its {} h SLA",
            r.get::<String, _>("creator_name"),
            r.get::<String, _>("title"),
            r.get::<i64, _>("round"),
            r.get::<i64, _>("sla_hours")
        );
        let detail = format!(
            "{} lane. Submitted {}; review was due {} and is {}.",
            lane.label(),
            tz::label(from_ms(r.get("submitted_at")), zone),
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
