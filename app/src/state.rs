//! What server functions and handlers reach through context: the database and the server's settings.
use std::sync::Arc;

use crate::accounts::ssr::{principal_from_session, record_principal, session_token, LoginLimiter, Principal};
use crate::db::Db;
use crate::error::{AppError, Result};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub limiter: Arc<LoginLimiter>,
    /// Mark cookies `Secure` (the app is served over TLS).
    pub secure_cookies: bool,
    pub leptos: leptos::config::LeptosOptions,
    /// Where uploaded drafts and their previews are kept.
    pub files: Arc<crate::media::storage::Files>,
    /// The largest file a creator may upload.
    pub max_upload_bytes: u64,
    /// The browser's WASM bundles, one per group of pages (see `crate::Bundle`).
    pub bundles: Arc<crate::Bundles>,
    /// Whether mail goes out through an SMTP server (invitations and password resets are mailed; otherwise every
    /// mail stays in the outbox and links are shown to copy).
    pub mail_configured: bool,
}

impl axum::extract::FromRef<AppState> for leptos::config::LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// The state, inside a server function.
pub fn app_state() -> Result<AppState> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::internal()
    })
}

/// The signed-in person of the current request, inside a server function or during rendering.
pub async fn current_principal() -> Result<Option<Principal>> {
    let state = app_state()?;
    let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() else { return Ok(None) };
    let who = match session_token(&parts.headers) {
        Some(token) => principal_from_session(&state.db, &token).await?,
        None => None,
    };
    record_principal(&parts.extensions, who.as_ref());
    Ok(who)
}

pub async fn require_principal() -> Result<Principal> {
    current_principal().await?.ok_or_else(AppError::unauthorized)
}

/// Makes the page being rendered a 503 with `Retry-After`: it shows that the database cannot be reached.
pub fn answer_unavailable() {
    if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::SERVICE_UNAVAILABLE);
        opts.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(crate::error::RETRY_AFTER_SECONDS));
    }
}

/// Sets the HTTP status of the page being rendered (e.g. 404 for a campaign one may not see).
pub fn set_status(code: u16) {
    if let (Some(opts), Ok(status)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(code))
    {
        opts.set_status(status);
    }
}
