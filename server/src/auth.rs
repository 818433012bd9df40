//! Who is calling: the session cookie of a browser or the bearer token of an integration.
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use app::accounts::ssr::{principal_from_session, principal_from_token, record_principal, session_token, Principal};
use app::error::AppError;
use app::state::AppState;

/// A signed-in person or a valid API token; anything else is 401.
pub struct Auth(pub Principal);

/// The principal if there is one.
pub struct MaybeAuth(pub Option<Principal>);

/// The caller, recorded on the request's span (`principal`: partner, token, creator or anonymous).
async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<Principal>, AppError> {
    let who = resolve_unrecorded(parts, state).await?;
    record_principal(&parts.extensions, who.as_ref());
    Ok(who)
}

async fn resolve_unrecorded(parts: &Parts, state: &AppState) -> Result<Option<Principal>, AppError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token =
            value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).ok_or_else(|| {
                AppError::new(app::error::ErrorCode::Unauthorized, "Use `Authorization: Bearer <token>`")
            })?;
        return match principal_from_token(&state.db, token.trim()).await? {
            Some(p) => Ok(Some(p)),
            None => Err(AppError::new(app::error::ErrorCode::Unauthorized, "This API token is unknown or revoked")),
        };
    }
    match session_token(&parts.headers) {
        Some(token) => principal_from_session(&state.db, &token).await,
        None => Ok(None),
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        resolve(parts, state).await?.map(Auth).ok_or_else(AppError::unauthorized)
    }
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuth(resolve(parts, state).await?))
    }
}
