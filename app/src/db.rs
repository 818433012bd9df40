//! The database: one pool and one set of queries serving SQLite and PostgreSQL alike.
//!
//! Queries use `$1`-style placeholders, which both backends accept, and plain types (i64, text),
//! so every domain function is written once.
use std::sync::Arc;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::Result;
use crate::realtime::hub::Hub;
use crate::realtime::Event;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// How long a query waits for a connection (a free one, or a new one while the database is unreachable).
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle every domain function takes: the pool, the live-update hub, and (on SQLite) the
/// single-writer lock that keeps concurrent write transactions from failing with SQLITE_BUSY.
#[derive(Clone)]
pub struct Db {
    /// For reads. On SQLite its connections are read-only: every write goes through `write`.
    pub pool: AnyPool,
    /// The connection(s) writes go through (on SQLite one; on PostgreSQL the same pool as reads).
    writer: AnyPool,
    pub backend: Backend,
    pub hub: Hub,
    write_lock: Arc<Mutex<()>>,
    /// How many events a campaign keeps; clients further behind are told to reload.
    pub event_retention: i64,
    /// API tokens used since the last flush, with when (bookkeeping written in batches, never in a request).
    pub(crate) token_uses: Arc<std::sync::Mutex<std::collections::HashMap<i64, i64>>>,
    /// This process's name on the background jobs it claims (`crate::jobs`): unique per connection, so two
    /// servers in one test process are two owners, as two processes would be.
    pub job_owner: Arc<str>,
    /// How long a claimed job stays this process's without being renewed (a dead process's runs out after this).
    pub job_lease_ms: i64,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend).finish_non_exhaustive()
    }
}

/// How far this process's clock is ahead of the real one (ms): 0 except in tests that need hours to pass in
/// seconds (the `chorus` binary's hidden `--test-clock-offset-ms`, set once at start-up; never by the library, so
/// the servers the tests run in their own process keep the real time).
static CLOCK_OFFSET_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Moves this process's clock (see [`now`]).
pub fn set_clock_offset_ms(ms: i64) {
    CLOCK_OFFSET_MS.store(ms, std::sync::atomic::Ordering::Relaxed);
}

/// The time now, as the outbox, the notifications and the background clocks see it.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let offset = CLOCK_OFFSET_MS.load(std::sync::atomic::Ordering::Relaxed);
    chrono::Utc::now() + chrono::Duration::milliseconds(offset)
}

pub fn now_ms() -> i64 {
    now().timestamp_millis()
}

pub fn from_ms(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Db {
    /// Connects (creating the SQLite file and its folder when needed) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                format!("unsupported database URL {url:?}: use sqlite://… or postgres://…").into(),
            ));
        };
        let url = if backend == Backend::Sqlite { sqlite_url(url)? } else { url.to_string() };
        let options: AnyConnectOptions = url.parse()?;
        // On SQLite the pool that reads is read-only (`query_only`): a write anywhere but through `Db::write`
        // fails at once, in the tests, instead of now and then failing somebody else's write in production.
        let connect = |readers: bool, max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                // When the database is down, a request gets its 503 (`ErrorCode::Unavailable`) after this, instead
                // of hanging for sqlx's default 30 s.
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            conn.execute(
                                "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; \
                                 PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;",
                            )
                            .await?;
                            if readers {
                                conn.execute("PRAGMA query_only=ON;").await?;
                            }
                        }
                        Ok(())
                    })
                })
                .connect_with(options.clone())
        };
        let (pool, writer) = match backend {
            Backend::Sqlite => {
                let writer = connect(false, 1).await?;
                SQLITE_MIGRATIONS.run(&writer).await?;
                (connect(true, 8).await?, writer)
            }
            Backend::Postgres => {
                let pool = connect(false, 16).await?;
                POSTGRES_MIGRATIONS.run(&pool).await?;
                (pool.clone(), pool)
            }
        };
        Ok(Db {
            hub: Hub::new(pool.clone()),
            pool,
            writer,
            backend,
            write_lock: Arc::new(Mutex::new(())),
            event_retention: 10_000,
            token_uses: Arc::default(),
            job_owner: format!("{}-{:08x}", std::process::id(), rand::random::<u32>()).into(),
            job_lease_ms: 60_000,
        })
    }

    /// How many requests may use the database at once (the rest queue in front of it, `server::admission`): the
    /// reading pool's size less a few connections for what is not a request (live-update catch-ups, the outbox,
    /// bookkeeping), so a request that is let in finds a connection at once, and waiting for the pool's
    /// `ACQUIRE_TIMEOUT` means the database cannot be reached, never that it is merely busy.
    pub fn request_slots(&self) -> usize {
        let size = self.pool.options().get_max_connections() as usize;
        (size * 3 / 4).max(1)
    }

    /// Closes both pools (at shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    /// Starts a write transaction that touches no campaign's records (accounts, organizations, sessions).
    /// Events appended through it are published to live subscribers only after it commits.
    ///
    /// On SQLite every write goes through here: one writer at a time in this process (the lock), and the
    /// transaction takes the database's write lock when it begins (`BEGIN IMMEDIATE`), so a transaction never
    /// reads a snapshot it then cannot write on (SQLITE_BUSY_SNAPSHOT, "database is locked"), whatever else writes.
    pub async fn write(&self) -> Result<WriteTx> {
        let guard = match self.backend {
            Backend::Sqlite => Some(self.write_lock.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let tx = match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        };
        Ok(WriteTx { tx, _guard: guard, events: Vec::new(), db: self.clone() })
    }

    /// Starts a write transaction on one campaign's records: every read that follows sees what the campaign's
    /// previous writers committed, and no other writer of the campaign can commit in between.
    ///
    /// This is what makes version checks, duplicate checks and rollups (read, then write) safe on PostgreSQL,
    /// whose default isolation (read committed) would otherwise let two writers read the same version and both
    /// succeed: the transaction first takes the campaign's row lock (`FOR UPDATE`), the same lock appending an
    /// event takes, so a campaign's writers run one after another, in every process. On SQLite the single writer
    /// already gives this. A campaign that does not exist is "not found".
    pub async fn write_campaign(&self, campaign_id: i64) -> Result<WriteTx> {
        let mut w = self.write().await?;
        if self.backend == Backend::Postgres {
            let found = sqlx::query("SELECT id FROM campaigns WHERE id = $1 FOR UPDATE")
                .bind(campaign_id)
                .fetch_optional(w.conn())
                .await?;
            if found.is_none() {
                return Err(crate::error::AppError::not_found("Campaign"));
            }
        }
        Ok(w)
    }

    /// One statement as a write transaction of its own, through the writer path (sessions, tokens, clean-ups).
    pub async fn execute<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<u64> {
        let mut w = self.write().await?;
        let n = query.execute(w.conn()).await?.rows_affected();
        w.commit().await?;
        Ok(n)
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// A write transaction plus the events it appended.
pub struct WriteTx {
    pub tx: sqlx::Transaction<'static, sqlx::Any>,
    _guard: Option<OwnedMutexGuard<()>>,
    /// Each appended event with its stored JSON (serialized once, for the log and every subscriber).
    pub(crate) events: Vec<(Event, String)>,
    pub(crate) db: Db,
}

impl WriteTx {
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// Commits, then hands the appended events to the hub (in order).
    pub async fn commit(self) -> Result<Vec<Event>> {
        let WriteTx { tx, _guard, events, db } = self;
        tx.commit().await?;
        drop(_guard);
        for (event, body) in &events {
            db.hub.publish(event, body).await;
        }
        Ok(events.into_iter().map(|(e, _)| e).collect())
    }
}

fn sqlite_url(url: &str) -> Result<String, sqlx::Error> {
    let path_part = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (path, query) = path_part.split_once('?').unwrap_or((path_part, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(parent) = std::path::Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    sqlx::Error::Configuration(format!("cannot create {}: {e}", parent.display()).into())
                })?;
            }
        }
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_their_file() {
        let dir = std::env::temp_dir().join(format!("chorus-url-{}", std::process::id()));
        let url = sqlite_url(&format!("sqlite://{}/sub/x.db", dir.display())).unwrap();
        assert!(url.ends_with("/sub/x.db?mode=rwc"), "{url}");
        assert!(dir.join("sub").is_dir());
        assert_eq!(sqlite_url("sqlite::memory:").unwrap(), "sqlite://:memory:?mode=rwc");
        assert_eq!(sqlite_url("sqlite://a.db?mode=ro").unwrap(), "sqlite://a.db?mode=ro");
    }

    #[tokio::test]
    async fn other_urls_are_refused_with_a_reason() {
        let e = Db::connect("mysql://x").await.unwrap_err().to_string();
        assert!(e.contains("use sqlite://… or postgres://…"), "{e}");
    }
}
