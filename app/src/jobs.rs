//! Background jobs that every process of a deployment looks for but one should do: the daily cut-off of a
//! campaign, a metric import left half-applied, the sweep of abandoned uploads.
//!
//! A job is claimed by name for a lease (`job_leases`, one conditional upsert, so of two processes claiming at
//! once one gets it). The holder renews the lease while it works (every step of a long job) and gives it back when
//! done; the others leave the job alone meanwhile. A process killed mid-job stops renewing: its lease runs out
//! after `Db::job_lease_ms` and the next process to look claims the job and resumes it. So every job must be
//! written to be resumed, and must check, once claimed, whether it is still to do (the previous holder may have
//! finished it just before).
//!
//! The mail outbox has the same kind of lease on each mail (`outbox.lease_until`, `crate::outbox::ssr`); review
//! clocks, usage-rights and payout checks need none: what they raise is keyed uniquely, so doing them twice raises
//! nothing twice.
use std::future::Future;

use crate::db::{now_ms, Db};
use crate::error::Result;

/// Claims the job `name` for this process (`Db::job_owner`) for `Db::job_lease_ms`. `false` while anybody,
/// this process included, holds a claim on it that has not run out.
pub async fn claim(db: &Db, name: &str) -> Result<bool> {
    take(db, name, "job_leases.lease_until < $4").await
}

/// Renews the claim this process holds on `name`, or claims it when nobody holds it: for a long job, before each
/// step. `false` while another process holds it.
pub async fn hold(db: &Db, name: &str) -> Result<bool> {
    take(db, name, "job_leases.lease_until < $4 OR job_leases.owner = excluded.owner").await
}

async fn take(db: &Db, name: &str, unless_held: &str) -> Result<bool> {
    let now = now_ms();
    let taken = db
        .execute(
            sqlx::query(&format!(
                "INSERT INTO job_leases (name, owner, lease_until) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until \
                 WHERE {unless_held}"
            ))
            .bind(name)
            .bind(&*db.job_owner)
            .bind(now + db.job_lease_ms)
            .bind(now),
        )
        .await?;
    Ok(taken == 1)
}

/// Gives the job back, if this process still holds it (so another may take it at once).
pub async fn release(db: &Db, name: &str) -> Result<()> {
    db.execute(sqlx::query("DELETE FROM job_leases WHERE name = $1 AND owner = $2").bind(name).bind(&*db.job_owner))
        .await?;
    Ok(())
}

/// Runs `job` if this process can claim `name`, and gives the claim back afterwards, whether the job succeeded or
/// not (a failed job is tried again at the next look, here or in another process). `None` when another process
/// holds the job. A job longer than the lease renews it with [`hold`] as it goes.
pub async fn exclusively<T>(db: &Db, name: &str, job: impl Future<Output = Result<T>>) -> Result<Option<T>> {
    if !claim(db, name).await? {
        return Ok(None);
    }
    let done = job.await;
    let released = release(db, name).await;
    let done = done?;
    released?;
    Ok(Some(done))
}
