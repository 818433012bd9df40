//! Personal data on request (`app::privacy`): the export, erasing a creator from a campaign, deleting one's own
//! account, through the API (the pages' plain forms are in `page_forms.rs`).
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use app::error::Result;
use app::privacy::{DeleteAccount, Erased, ErasedEverywhere};
use app::state::AppState;

use crate::api::ApiJson;
use crate::auth::Auth;

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/export", get(export))
        .route("/api/v1/me/account", delete(delete_account))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}/erase", post(erase_creator))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}/erase-everywhere", post(erase_creator_everywhere))
}

#[utoipa::path(
    get,
    path = "/api/v1/me/export",
    tag = "accounts",
    summary = "Everything Chorus holds about you, as one JSON document (a download); your files are listed with their addresses",
    responses(
        (status = 200, description = "The document: account, sessions, API tokens, creator records with deliverables, rounds and comments, files, comments, activity", body = Object),
        (status = 401, description = "Not signed in", body = app::error::AppError),
        (status = 403, description = "Asked with an API token", body = app::error::AppError),
    )
)]
pub(crate) async fn export(State(s): State<AppState>, Auth(who): Auth) -> Result<Response> {
    let doc = app::privacy::ssr::export(&s.db, &who).await?;
    let mut resp = Json(doc).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"chorus-my-data.json\""));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[utoipa::path(
    delete,
    path = "/api/v1/me/account",
    tag = "accounts",
    summary = "Delete your own account: a creator is erased from every campaign, a partner member's name and email are taken out of their organization's campaigns; every session ends",
    request_body = DeleteAccount,
    responses(
        (status = 204, description = "Deleted; the session cookie is cleared"),
        (status = 401, description = "Not signed in", body = app::error::AppError),
        (status = 403, description = "Asked with an API token", body = app::error::AppError),
        (status = 422, description = "`password` is not right", body = app::error::AppError),
    )
)]
pub(crate) async fn delete_account(
    State(s): State<AppState>,
    Auth(who): Auth,
    ApiJson(input): ApiJson<DeleteAccount>,
) -> Result<Response> {
    app::privacy::ssr::delete_account(&s.db, s.files.as_ref(), &who, &input.password).await?;
    Ok(crate::api::with_cookie(StatusCode::NO_CONTENT, app::accounts::ssr::clear_session_cookie(s.secure_cookies)))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}/erase",
    tag = "creators",
    summary = "Erase a creator's personal data from the campaign: name, handles, contact and notes anonymised, drafts' files, captions and links removed, every text of the campaign (the event log included) saying \"a creator (erased)\" instead; stage, fees and figures kept. One transaction; every partner sees it live",
    params(("id" = i64, Path, description = "Campaign id"), ("creator_id" = i64, Path, description = "Creator id")),
    responses(
        (status = 200, description = "Erased", body = Erased),
        (status = 404, description = "No such creator in a campaign of yours", body = app::error::AppError),
    )
)]
pub(crate) async fn erase_creator(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
) -> Result<Json<Erased>> {
    Ok(Json(app::privacy::ssr::erase_creator(&s.db, s.files.as_ref(), &who, id, creator_id).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}/erase-everywhere",
    tag = "creators",
    summary = "Erase a creator from every campaign your organization is a partner of: this record and each record of the same person (same portal account, contact email or handle on a platform) in your other campaigns, one transaction per campaign, as /erase does for one. Campaigns of other organizations are not touched",
    params(("id" = i64, Path, description = "Campaign id"), ("creator_id" = i64, Path, description = "Creator id in that campaign")),
    responses(
        (status = 200, description = "What was erased, campaign by campaign, and any campaign where it failed (ask again to retry those)", body = ErasedEverywhere),
        (status = 404, description = "No such creator in a campaign of yours", body = app::error::AppError),
    )
)]
pub(crate) async fn erase_creator_everywhere(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
) -> Result<Json<ErasedEverywhere>> {
    Ok(Json(app::privacy::ssr::erase_creator_everywhere(&s.db, s.files.as_ref(), &who, id, creator_id).await?))
}
