//! Payout status of a deliverable (tracked only: no money moves through Chorus).
use super::super::*;
use super::{deliverable, stale, Audience};
use crate::accounts::ssr::Principal;
use crate::campaigns::ssr::authorize;
use crate::db::{now_ms, Db};
use crate::error::Result;
use crate::realtime::{log, Change};

/// Payout status (owed, approved, paid), version-checked.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn set_payout(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    deliverable_id: i64,
    input: &SetPayout,
) -> Result<Deliverable> {
    authorize(db, who, campaign_id).await?;
    let d = deliverable(db, campaign_id, deliverable_id, Audience::Partner).await?;
    // One truth: once approved with a fee, the payout is a line of the payout ledger, with its own rules (who
    // approves and pays, a payment's reference); it changes there, and this status follows it.
    let ledgered = sqlx::query("SELECT 1 FROM payouts WHERE deliverable_id = $1 AND campaign_id = $2")
        .bind(deliverable_id)
        .bind(campaign_id)
        .fetch_optional(&db.pool)
        .await?
        .is_some();
    if ledgered {
        return Err(crate::error::AppError::validation(
            "payout",
            format!("This payout is a line of the payout ledger: change it there (/campaigns/{campaign_id}/payouts)"),
        ));
    }
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
