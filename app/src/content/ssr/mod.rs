//! Server side of the content lanes: lane settings and the time zone (`lanes`), briefing and the partners' page
//! (`deliverables`), the creator's portal and submissions (`portal`), reviews, comments and the review clocks'
//! breaches (`reviews`), payouts (`payouts`). This file holds what they share: the campaign's zone and reading
//! deliverables with their rounds, files and comments. Escalations and mail have modules of their own.
use std::collections::HashMap;

use chrono::Utc;
use sqlx::Row;

use super::sla::tz;
use super::*;
use crate::accounts::ssr::org_from_row;
use crate::charter::ssr::{current_doc, roster};
use crate::db::{from_ms, Db};
use crate::error::{AppError, Result};

mod deliverables;
mod disclosure;
mod lanes;
mod payouts;
mod portal;
mod reviews;

pub use deliverables::*;
pub use disclosure::check_disclosure;
use disclosure::disclosure_for;
pub use lanes::*;
pub use payouts::*;
pub use portal::*;
pub use reviews::*;

/// The campaign's name and time zone.
pub async fn campaign_zone(conn: &mut sqlx::AnyConnection, campaign_id: i64) -> Result<(String, String)> {
    let row = sqlx::query("SELECT name, time_zone FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| AppError::not_found("Campaign"))?;
    Ok((row.get("name"), row.get("time_zone")))
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
        "SELECT d.id, d.creator_id, cr.name AS creator_name, d.lane, d.title, d.expectations, d.due_date, d.fee_cents, d.fee_currency, d.status, d.payout, d.version, \
         o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.color AS org_color \
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
            let lane = Lane::parse(&r.get::<String, _>("lane")).unwrap_or(Lane::Influencer);
            let due_date = r.get::<Option<String>, _>("due_date").and_then(|s| s.parse::<chrono::NaiveDate>().ok());
            Deliverable {
                id: r.get("id"),
                campaign_id,
                creator_id: r.get("creator_id"),
                creator_name: r.get("creator_name"),
                owner_org: r
                    .get::<Option<i64>, _>("org_id")
                    .map(|id| org_from_row(id, r.get("org_name"), r.get("org_kind"), r.get("org_color"))),
                lane,
                title: r.get("title"),
                expectations: r.get("expectations"),
                due_date,
                due_at: due_date.map(|d| tz::end_of_day(d, zone)),
                fee_cents: r.get("fee_cents"),
                fee_currency: r.get("fee_currency"),
                status: Status::parse(&r.get::<String, _>("status")).unwrap_or(Status::AwaitingDraft),
                payout: Payout::parse(&r.get::<String, _>("payout")).unwrap_or(Payout::Owed),
                version: r.get("version"),
                reviewer: reviewers.get(lane.as_str()).cloned().flatten(),
                rounds: Vec::new(),
                comments: Vec::new(),
                rights: None,
            }
        })
        .collect();
    if out.is_empty() {
        return Ok(out);
    }
    let index: HashMap<i64, usize> = out.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let subs = sqlx::query(
        "SELECT s.id, s.deliverable_id, s.round, s.caption, s.link, u.name AS submitted_by, s.submitted_at, s.sla_hours, s.review_due_at, \
         s.decision, dn.name AS decided_by, s.decided_at, s.feedback, s.criteria, s.disclosure, s.disclosure_note \
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
        let kind: String = f.get::<Option<String>, _>("kind").unwrap_or_default();
        files_of.entry(f.get("submission_id")).or_default().push(FileRef {
            id: f.get("id"),
            file_name: f.get("file_name"),
            mime: crate::media::MediaKind::parse(&kind).map(|k| k.mime().to_string()).unwrap_or_default(),
            kind,
            size: f.get("size"),
            has_thumb: f.get::<i64, _>("has_thumb") != 0,
        });
    }
    for s in &subs {
        let Some(&i) = index.get(&s.get::<i64, _>("deliverable_id")) else { continue };
        let caption: String = s.get("caption");
        let previous = out[i].rounds.last().map(|r| r.caption.clone());
        let due = from_ms(s.get("review_due_at"));
        let submission_id: i64 = s.get("id");
        out[i].rounds.push(Round {
            submission_id,
            round: s.get("round"),
            caption_diff: previous.map(|p| crate::charter::diff::lines(&p, &caption)).unwrap_or_default(),
            caption,
            link: s.get("link"),
            files: files_of.remove(&submission_id).unwrap_or_default(),
            submitted_by: s.get("submitted_by"),
            submitted_at: from_ms(s.get("submitted_at")),
            sla_hours: s.get("sla_hours"),
            review_due_at: due,
            review_due_label: tz::label(due, zone),
            decision: s.get::<Option<String>, _>("decision").and_then(|d| Decision::parse(&d)),
            decided_by: s.get("decided_by"),
            decided_at: s.get::<Option<i64>, _>("decided_at").map(from_ms),
            feedback: s.get("feedback"),
            criteria: serde_json::from_str(&s.get::<String, _>("criteria")).unwrap_or_default(),
            disclosure: s.get::<Option<String>, _>("disclosure").and_then(|j| serde_json::from_str(&j).ok()),
            disclosure_note: s.get("disclosure_note"),
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
        let Some(&i) = index.get(&c.get::<i64, _>("deliverable_id")) else { continue };
        out[i].comments.push(Comment {
            id: c.get("id"),
            round: c.get("round"),
            author: c.get("author_name"),
            org_name: c.get("org_name"),
            internal: c.get::<i64, _>("internal") != 0,
            body: c.get("body"),
            at: from_ms(c.get("created_at")),
        });
    }
    drop(conn);
    if out.iter().any(|d| matches!(d.status, Status::Approved)) {
        let ledger = crate::rights::ssr::ledger_at(db, campaign_id, None, Utc::now()).await?;
        for e in ledger.entries {
            let Some(&i) = index.get(&e.deliverable_id) else { continue };
            out[i].rights = Some(crate::content::RightsMark {
                state: e.state.key().into(),
                label: e.state_label(),
                ends_on: e.ends_on,
            });
        }
    }
    Ok(out)
}

/// One deliverable as a partner (or its creator) sees it.
pub async fn deliverable(db: &Db, campaign_id: i64, id: i64, audience: Audience) -> Result<Deliverable> {
    load(db, campaign_id, Some(id), None, audience).await?.pop().ok_or_else(|| AppError::not_found("Deliverable"))
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
