//! Notifications and the accounts' mail in the JSON API: "forgot password" and the reset, the person's
//! notifications and their preferences.
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use app::accounts::ssr as accounts;
use app::error::Result;
use app::notify::accounts as mail_accounts;
use app::notify::ssr as notify;
use app::state::AppState;

use crate::api::{with_cookie, ApiJson};
use crate::auth::Auth;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/forgot-password", post(forgot_password))
        .route("/api/v1/auth/reset-password", post(reset_password))
        .route("/api/v1/notifications", get(list_notifications))
        .route("/api/v1/notifications/read", post(mark_read))
        .route("/api/v1/notification-preferences", get(get_preferences).put(put_preferences))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ForgotRequest {
    email: String,
}

/// The same answer whether or not the email has an account (the mail is queued, not sent, in the request).
const FORGOT_ANSWER: &str = "If this email has an account, a link to set a new password is on its way.";

#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "accounts", security(()),
    summary = "Mail a single-use link (an hour) to set a new password; the same answer whether or not the email has an account",
    request_body = ForgotRequest,
    responses(
        (status = 202, description = "Accepted (whether or not the email has an account)", body = crate::openapi::Accepted),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    ))]
pub async fn forgot_password(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(f): ApiJson<ForgotRequest>,
) -> Result<Response> {
    // The sign-in throttle guards this too: nobody floods an inbox or probes addresses quickly.
    s.limiter.check(&f.email, &addr.ip().to_string())?;
    mail_accounts::request_reset(&s.db, &f.email).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "status": "accepted", "message": FORGOT_ANSWER }))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetRequest {
    /// From the mailed link (`/reset-password/{token}`).
    token: String,
    password: String,
}

#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "accounts", security(()),
    summary = "Set a new password with a mailed link: ends every session of the account and signs this client in (sets the session cookie)",
    request_body = ResetRequest,
    responses(
        (status = 200, description = "Password set; signed in", body = app::accounts::Me),
        (status = 404, description = "The link was used, expired or never existed", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    ))]
pub async fn reset_password(
    State(s): State<AppState>,
    headers: HeaderMap,
    ApiJson(r): ApiJson<ResetRequest>,
) -> Result<Response> {
    let user = mail_accounts::reset_password(&s.db, &r.token, &r.password).await?;
    let token = accounts::rotate_session(&s.db, &headers, user).await?;
    let me = accounts::me_by_id(&s.db, user).await?;
    Ok(with_cookie(Json(me), accounts::session_cookie(&token, s.secure_cookies)))
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "accounts",
    summary = "Your unread notifications, newest first",
    responses((status = 200, description = "OK", body = Vec<crate::openapi::NotificationItem>)))]
pub async fn list_notifications(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    let items = notify::unread(&s.db, who.me.user_id, 100).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|n| crate::openapi::NotificationItem {
                id: n.id,
                campaign_id: n.campaign_id,
                kind: n.kind,
                title: n.title,
                body: n.body,
                href: n.href,
                created_at: app::db::from_ms(n.created_at),
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReadRequest {
    /// One notification; without it, all of yours.
    #[serde(default)]
    id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "accounts",
    summary = "Mark one notification (or all of yours) read",
    request_body = ReadRequest,
    responses((status = 200, description = "How many were marked", body = crate::openapi::Marked)))]
pub async fn mark_read(
    State(s): State<AppState>,
    Auth(who): Auth,
    ApiJson(r): ApiJson<ReadRequest>,
) -> Result<impl IntoResponse> {
    let n = notify::mark_read(&s.db, who.me.user_id, r.id).await?;
    Ok(Json(crate::openapi::Marked { marked: n as i64 }))
}

fn is_creator(who: &accounts::Principal) -> bool {
    who.me.role == app::accounts::Role::Creator
}

#[utoipa::path(get, path = "/api/v1/notification-preferences", tag = "accounts",
    summary = "Your notification settings: per kind at once, in the daily digest or off; quiet hours; the digest's hour",
    responses((status = 200, description = "OK", body = app::notify::Preferences)))]
pub async fn get_preferences(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(Json(notify::preferences(&s.db, who.me.user_id, is_creator(&who), s.mail_configured).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PreferencesRequest {
    /// The `version` read (a save from a stale one is refused with 409 and the settings as they are).
    version: i64,
    /// Kind → `immediately`, `digest` or `off`; kinds left out keep their setting.
    #[serde(default)]
    kinds: std::collections::BTreeMap<String, String>,
    /// IANA name, e.g. `Europe/Berlin`.
    time_zone: String,
    /// Local hours 0–23; both or neither.
    #[serde(default)]
    quiet_start: Option<i64>,
    #[serde(default)]
    quiet_end: Option<i64>,
    /// Local hour 0–23.
    digest_hour: i64,
}

#[utoipa::path(put, path = "/api/v1/notification-preferences", tag = "accounts",
    summary = "Save your notification settings (version-checked)",
    request_body = PreferencesRequest,
    responses(
        (status = 200, description = "Saved", body = app::notify::Preferences),
        (status = 409, description = "Changed elsewhere meanwhile; `current` holds the settings as they are", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    ))]
pub async fn put_preferences(
    State(s): State<AppState>,
    Auth(who): Auth,
    ApiJson(r): ApiJson<PreferencesRequest>,
) -> Result<Response> {
    let input = notify::SavePreferences {
        version: r.version,
        kinds: r.kinds.into_iter().collect(),
        time_zone: r.time_zone,
        quiet_start: r.quiet_start,
        quiet_end: r.quiet_end,
        digest_hour: r.digest_hour,
    };
    let creator = is_creator(&who);
    match notify::save_preferences(&s.db, who.me.user_id, creator, &input).await {
        Ok(()) => {
            Ok(Json(notify::preferences(&s.db, who.me.user_id, creator, s.mail_configured).await?).into_response())
        }
        Err(e) if e.code == app::error::ErrorCode::Conflict => {
            let current = notify::preferences(&s.db, who.me.user_id, creator, s.mail_configured).await?;
            Err(app::error::AppError::conflict(e.message, serde_json::to_value(current).ok()))
        }
        Err(e) => Err(e),
    }
}
