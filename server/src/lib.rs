//! The `chorus` server: SSR pages and the hydrated app, static assets, the JSON API and the WebSocket endpoint.
#![recursion_limit = "512"]
pub mod admission;
pub mod api;
pub mod assets;
pub mod auth;
pub mod config;
pub mod content_api;
pub mod files;
pub mod forms;
pub mod listener;
pub mod mail;
pub mod metrics_api;
pub mod money_api;
pub mod money_forms;
pub mod notify_api;
pub mod notify_forms;
pub mod openapi;
pub mod page_forms;
pub mod privacy_api;
pub mod pwa;
pub mod requests;
pub mod rights_api;
pub mod security;
pub mod spans;
pub mod webhooks;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::middleware;
use axum::routing::get;
use axum::{Json, Router};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use serde_json::json;
use tokio::sync::oneshot;

use app::accounts::ssr::LoginLimiter;
use app::db::{Backend, Db};
use app::state::AppState;
use app::{shell, App};

pub use config::Config;

/// Builds the state: connects, migrates, and (with `--demo`) seeds.
/// Start-up failures are a sentence for the operator (print them with `{:#}` to include the cause).
pub async fn state(config: &Config) -> anyhow::Result<AppState> {
    let url = config.database_url();
    let mut db = Db::connect(&url).await.context("cannot open the database")?;
    db.event_retention = config.event_retention.max(1);
    db.job_lease_ms = config.job_lease_seconds.max(1).saturating_mul(1000) as i64;
    if config.demo {
        let created = app::demo::seed(&db).await.context("demo data")?;
        tracing::info!(created, "demo campaign ready");
    }
    let leptos = LeptosOptions::builder()
        .output_name("chorus")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .hash_files(hash_file_present())
        .build();
    let mut limiter = LoginLimiter::new(config.login_attempts);
    limiter.sign_ups_per_hour = config.sign_ups_per_hour;
    limiter.trusted_proxies = app::accounts::ssr::parse_networks(&config.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}"))?;
    // Several processes share one PostgreSQL: they share one allowance too.
    if db.backend == Backend::Postgres {
        limiter.shared = Some(db.clone());
    }
    let files = match config.object_storage().map_err(anyhow::Error::msg)? {
        None => app::media::storage::Files::Local(
            app::media::storage::LocalStorage::new(config.data_dir.join("files"))
                .with_context(|| format!("cannot create the files folder under {}", config.data_dir.display()))?,
        ),
        Some(s3) => {
            let store = app::media::s3::S3Storage::new(&s3, db.clone(), config.data_dir.join("spool"))
                .map_err(anyhow::Error::msg)?;
            store.ensure_bucket().await.with_context(|| format!("object storage {}", config.storage))?;
            app::media::storage::Files::S3(Box::new(store))
        }
    };
    Ok(AppState {
        db,
        limiter: Arc::new(limiter),
        secure_cookies: config.secure_cookies,
        leptos,
        files: Arc::new(files),
        max_upload_bytes: config.max_upload_mb.saturating_mul(1024 * 1024),
        bundles: Arc::new(app::Bundles::load(&config.site_root)),
        mail_configured: config.smtp_url.as_ref().is_some_and(|u| !u.trim().is_empty()),
    })
}

/// cargo-leptos writes `hash.txt` (the hashed bundle names) beside the binary it builds; without it (tests,
/// plain `cargo build`) the bundle is referenced by its plain name.
fn hash_file_present() -> bool {
    std::env::current_exe().ok().and_then(|p| p.parent().map(|d| d.join("hash.txt").exists())).unwrap_or(false)
}

/// The pages' routes, worked out once per process.
///
/// Working them out renders the whole app with data loading switched off, and leptos switches it off for the
/// whole process (`SuppressResourceLoad` is one global flag): a page of another server in the same process that
/// started loading its data at that moment would wait for it forever (leptos-rs/leptos#4773). Worked out once,
/// before any server of the process answers (every server waits here for the first), nothing renders meanwhile.
/// The integration tests start dozens of servers side by side in one process; `chorus` starts one.
fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole HTTP surface.
pub fn router(state: AppState, config: &Config, hooks: webhooks::Settings) -> Router {
    let routes = page_routes();
    let context_state = state.clone();
    let fallback_state = state.clone();
    let shell_options = state.leptos.clone();
    let pkg_dir = config.site_root.join("pkg");
    assets::precompress_in_background(pkg_dir.clone());
    let admission = admission::Admission::new(state.db.request_slots());
    let origins = security::Origins(Arc::new(config.allowed_origins.clone()));
    // CSV imports of 10,000 creators are a few MB; upload chunks are at most 8 MB.
    let body_limit = app::creators::import::MAX_BYTES.max(app::content::uploads::MAX_CHUNK) + 64 * 1024;
    // The JSON API: axum's own refusals (a malformed path or query parameter, a body that is not JSON…) answer in
    // the one error shape too.
    let json_api = Router::new()
        .merge(api::router())
        .merge(files::router())
        .merge(content_api::router())
        .merge(metrics_api::router())
        .merge(rights_api::router())
        .merge(money_api::router())
        .merge(notify_api::router())
        .merge(webhooks::api_router())
        .merge(privacy_api::api_router())
        .route_layer(middleware::from_fn(requests::json_rejections));

    Router::new()
        .route("/healthz", get(healthz))
        .merge(json_api)
        .merge(forms::router())
        .merge(money_forms::router())
        .merge(notify_forms::router())
        .merge(page_forms::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(shell_options.clone()),
        )
        .nest_service("/pkg", assets::pkg_router::<()>(&pkg_dir))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || provide_context(fallback_state.clone()),
            shell,
        ))
        // A server function's refusal gets its code's status (404, 422…), not 500.
        .layer(middleware::from_fn(requests::server_fn_status))
        // Whose page this is, for the creator portal's service worker (public/sw.js).
        .layer(middleware::from_fn_with_state(state.clone(), pwa::tag_account_pages))
        // Pages and API answers compressed on the fly (a 500-card board: 798 kB of HTML, 36 kB gzipped);
        // the bundle under /pkg is already compressed and passes through untouched.
        .layer(tower_http::compression::CompressionLayer::new())
        // At most as many requests use the database at once as it has connections for; the rest wait their turn.
        .layer(middleware::from_fn_with_state(admission, admission::admit))
        .route("/ws", get(ws::upgrade).layer(axum::Extension(ws::Limits::from_config(config))))
        // No NUL character and no single string over 100,000 characters in any request's text (400/422 naming the field).
        .layer(middleware::from_fn_with_state(requests::BodyLimit(body_limit), requests::screen_input))
        .layer(middleware::from_fn_with_state(origins, security::refuse_foreign_origins))
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(spans::principal_slot))
        // One span per request (method, route, campaign, principal) and one line per response (spans.rs).
        .layer(spans::layer())
        .layer(axum::Extension(hooks))
        .with_state(state)
}

/// How long `/healthz` waits for the database: a load balancer asking it gets its answer within a second even
/// when the database does not answer at all (the pool alone would wait `ACQUIRE_TIMEOUT`).
const HEALTH_TIMEOUT: Duration = Duration::from_millis(800);

#[utoipa::path(get, path = "/healthz", tag = "meta", security(()),
    summary = "Whether the server and its database answer (for load balancers; within a second)",
    responses(
        (status = 200, description = "Up", body = openapi::Health),
        (status = 503, description = "The database does not answer", body = openapi::HealthUnavailable),
    ))]
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let backend = match state.db.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let hub = &state.db.hub;
    match tokio::time::timeout(HEALTH_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => {
            Json(json!({ "status": "ok", "database": backend, "watched_campaigns": hub.watched(), "sockets": hub.sockets() }))
                .into_response()
        }
        _ => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, app::error::RETRY_AFTER_SECONDS.to_string())],
            Json(json!({ "status": "unavailable", "code": "unavailable", "database": backend })),
        )
            .into_response(),
    }
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    listener: Option<tokio::task::JoinHandle<()>>,
    housekeeping: tokio::task::JoinHandle<()>,
    bookkeeping: tokio::task::JoinHandle<()>,
    mailing: tokio::task::JoinHandle<()>,
    deliverer: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting, lets in-flight requests (and their writes) finish, then closes the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(15), &mut self.task).await;
        if let Some(l) = self.listener.take() {
            l.abort();
        }
        self.housekeeping.abort();
        self.bookkeeping.abort();
        self.mailing.abort();
        self.deliverer.abort();
        let _ = app::accounts::ssr::flush_token_uses(&self.state.db).await;
        self.state.db.close().await;
    }

    /// Waits until the server stops by itself.
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }
}

pub async fn start(config: Config) -> anyhow::Result<Running> {
    let state = state(&config).await?;
    let listener_task =
        (state.db.backend == Backend::Postgres).then(|| listener::spawn(config.database_url(), state.db.hub.clone()));
    let db = state.db.clone();
    let files = state.files.clone();
    let abandoned_after = Duration::from_secs(config.abandoned_upload_hours.max(1).saturating_mul(3600));
    let clock = Duration::from_secs(config.clock_seconds.max(1));
    let housekeeping = tokio::spawn(async move {
        let mut every = tokio::time::interval(clock);
        let mut last_prune = std::time::Instant::now();
        loop {
            every.tick().await;
            // Review clocks: every breach raises one escalation (the breach key is unique across processes).
            match app::content::ssr::scan_review_breaches(&db, app::db::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(raised = n, "review SLA escalations raised"),
                Err(e) => tracing::warn!(error = %e, "review clock check failed"),
            }
            // Usage rights: a warning before an asset's rights end, and uses logged past the end (once each).
            match app::rights::ssr::scan_rights(&db, app::db::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(raised = n, "usage-rights escalations raised"),
                Err(e) => tracing::warn!(error = %e, "usage-rights check failed"),
            }
            // Payout terms: every payout past its due day escalates once to the paying partner.
            match app::money::ssr::scan_overdue_payouts(&db, app::db::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(raised = n, "overdue payout escalations raised"),
                Err(e) => tracing::warn!(error = %e, "overdue payout check failed"),
            }
            // The daily cut-off: thresholds on each campaign's day that just ended (in its time zone).
            match app::metrics::ssr::close_days(&db, app::db::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(raised = n, "threshold escalations raised at the daily cut-off"),
                Err(e) => tracing::warn!(error = %e, "daily cut-off failed"),
            }
            // Metric imports nobody applies any more (their process died mid-way): finished by one process.
            match app::metrics::import_ssr::resume_imports(&db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(resumed = n, "interrupted metric imports finished"),
                Err(e) => tracing::warn!(error = %e, "resuming metric imports failed"),
            }
            // Uploads started and never finished: their bytes (S3 multipart parts, local files) and rows go.
            match app::content::uploads::remove_abandoned(&db, files.as_ref(), app::db::now_ms(), abandoned_after).await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "abandoned uploads removed"),
                Err(e) => tracing::warn!(error = %e, "removing abandoned uploads failed"),
            }
            // Next actions due today or overdue: their owners are notified once per action and day.
            if let Err(e) = app::notify::hooks::scan_next_actions(&db, app::db::now()).await {
                tracing::warn!(error = %e, "next-action notifications failed");
            }
            // Daily digests whose local hour has come (one per person and day, whichever process sees it first).
            match app::notify::ssr::run_digests(&db, app::db::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(digests = n, "daily digests queued"),
                Err(e) => tracing::warn!(error = %e, "daily digests failed"),
            }
            if last_prune.elapsed() > Duration::from_secs(3600) {
                last_prune = std::time::Instant::now();
                if let Err(e) = app::accounts::ssr::prune(&db).await {
                    tracing::warn!(error = %e, "housekeeping failed");
                }
            }
        }
    });
    // Bookkeeping written in batches, off the requests' path: when each API token was last used.
    let db = state.db.clone();
    let bookkeeping = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(2));
        loop {
            every.tick().await;
            if let Err(e) = app::accounts::ssr::flush_token_uses(&db).await {
                tracing::warn!(error = %e, "could not record when API tokens were last used (kept for the next try)");
            }
        }
    });
    // Webhook deliveries queued by the event logs, posted off the requests' path.
    let hooks = webhooks::Settings::from_config(&config)?;
    let deliverer = webhooks::spawn_deliverer(state.db.clone(), hooks.clone());
    let app = router(state.clone(), &config, hooks);
    let tcp = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = tcp.local_addr()?;
    // The outbox, sent as it fills (its own task: a slow mail server never holds up the clocks).
    let mailer = mail::Mailer::new(&config.mail_settings(addr))?;
    let db = state.db.clone();
    let poll = Duration::from_millis(config.mail_poll_ms.max(50));
    let mailing = tokio::spawn(async move {
        let mut every = tokio::time::interval(poll);
        loop {
            every.tick().await;
            while mailer.deliver(&db).await > 0 {}
        }
    });
    let (tx, rx) = oneshot::channel::<()>();
    let send_buffer_kb = config.tcp_send_buffer_kb;
    let task = tokio::spawn(async move {
        // Small writes (a WebSocket frame, the tail of a page) go out at once instead of waiting on the
        // peer's delayed ACK (Nagle): that stall was 40 ms on about one kept-alive request in twelve.
        use axum::serve::ListenerExt;
        let tcp = tcp.tap_io(move |stream| {
            let _ = stream.set_nodelay(true);
            if let Some(kb) = send_buffer_kb {
                let _ = socket2::SockRef::from(&*stream).set_send_buffer_size(kb as usize * 1024);
            }
        });
        let served = axum::serve(tcp, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "server error");
        }
    });
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        task,
        listener: listener_task,
        housekeeping,
        bookkeeping,
        mailing,
        deliverer,
    })
}
