//! The charter: sections, proposals, sign-offs, comments, the creator's view, and the launch.
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use app::error::{AppError, Result};
use app::state::AppState;

use super::{idempotency_key, ApiJson};
use crate::auth::Auth;

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/charter",
    tag = "charter",
    summary = "The joint strategy charter: draft, sections with versions, the version up for sign-off, signatures, launch checklist, comments",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = app::charter::CharterView),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
pub(super) async fn get_charter(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::charter::ssr::get_charter(&s.db, &who, id).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/charter.md",
    tag = "charter",
    summary = "The charter as Markdown (the version up for sign-off, or the draft)",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "Markdown", body = String, content_type = "text/markdown"),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
pub(super) async fn charter_markdown(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<Response> {
    let md = app::charter::ssr::charter_markdown(&s.db, &who, id).await?;
    let mut resp = md.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/markdown; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"charter-{id}.md\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct SectionBody {
    body: serde_json::Value,
    version: i64,
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/charter/sections/{section}",
    tag = "charter",
    summary = "Save one section of the draft",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("section" = app::charter::Section, Path, description = "The section"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = SectionBody,
    responses(
        (status = 200, description = "Saved", body = app::charter::SectionMeta),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 409, description = "Based on a stale section `version`: `current` is the section as it is now", body = app::error::AppError),
        (status = 422, description = "An unknown section, or a field of the section is invalid", body = app::error::AppError),
    )
)]
pub(super) async fn save_charter_section(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, section)): Path<(i64, String)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SectionBody>,
) -> Result<impl IntoResponse> {
    let section = app::charter::Section::parse(&section).ok_or_else(|| {
        let names: Vec<&str> = app::charter::Section::ALL.iter().map(|s| s.key()).collect();
        AppError::validation("section", format!("Unknown section; use one of: {}", names.join(", ")))
    })?;
    let key = idempotency_key(&headers);
    let save = app::charter::SaveSection { section, body: input.body, version: input.version };
    Ok(Json(app::charter::ssr::save_charter_section(&s.db, &who, id, &save, key.as_deref()).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/charter/propose",
    tag = "charter",
    summary = "Freeze the draft as the next version for sign-off",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 201, description = "Proposed", body = crate::openapi::Proposed),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "Nothing changed since the last version, or the draft is incomplete", body = app::error::AppError),
    )
)]
pub(super) async fn propose_charter(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse> {
    let number = app::charter::ssr::propose_charter(&s.db, &who, id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "number": number }))))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/charter/versions/{number}/sign",
    tag = "charter",
    summary = "Sign a version for your organization (only its accountable people may)",
    params(("id" = i64, Path, description = "Campaign id"), ("number" = i64, Path, description = "Version number")),
    responses(
        (status = 204, description = "Signed"),
        (status = 404, description = "No such campaign or version", body = app::error::AppError),
        (status = 403, description = "Only your organization's accountable people may sign", body = app::error::AppError),
        (status = 409, description = "Not the version up for sign-off", body = app::error::AppError),
    )
)]
pub(super) async fn sign_charter(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, number)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    app::charter::ssr::sign_charter(&s.db, &who, id, number).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/charter/comments",
    tag = "charter",
    summary = "Comment on a section (creators: the creator-facing ones)",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = app::charter::NewComment,
    responses(
        (status = 201, description = "Added", body = app::charter::CharterComment),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
pub(super) async fn comment_charter(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<app::charter::NewComment>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(app::charter::ssr::comment_charter(&s.db, &who, id, &input).await?)))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/charter/comments/{comment_id}/resolve",
    tag = "charter",
    summary = "Mark a comment thread resolved",
    params(("id" = i64, Path, description = "Campaign id"), ("comment_id" = i64, Path, description = "Comment id")),
    responses(
        (status = 204, description = "Resolved"),
        (status = 404, description = "No such comment of this campaign", body = app::error::AppError),
    )
)]
pub(super) async fn resolve_charter_comment(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, comment_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    app::charter::ssr::resolve_charter_comment(&s.db, &who, id, comment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/charter/for-creator",
    tag = "charter",
    summary = "What an invited creator sees of the charter",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = app::charter::CreatorCharter),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
pub(super) async fn get_creator_charter(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::charter::ssr::get_creator_charter(&s.db, &who, id).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/launch",
    tag = "charter",
    summary = "Take the campaign live; refused (422) with what is missing (`current.missing`) until the charter is complete and signed by every partner",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 204, description = "Launched"),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "Not ready (`field: \"charter\"`): `current.missing` lists what is missing", body = app::error::AppError),
    )
)]
pub(super) async fn launch_campaign(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse> {
    app::charter::ssr::launch_campaign(&s.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
