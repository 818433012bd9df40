//! Creators: the outreach board, the pool, the CSV export and imports.
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use app::creators::ssr as creators;
use app::creators::{
    ApplyMode, ChangeOwner, EditCreator, Merge, MoveCard, NewCreator, NewNote, PlatformStats, SetNextAction,
};
use app::error::Result;
use app::state::AppState;

use super::{idempotency_key, ApiJson};
use crate::auth::Auth;

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/board",
    tag = "creators",
    summary = "The outreach board: every creator as a card, the tiers and the partners' people",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = app::creators::Board),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
pub(super) async fn get_board(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::get_board(&s.db, &who, id).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/creators",
    tag = "creators",
    summary = "Add a creator to the shared pool, with the primary handle's figures",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::creators::NewCreator,
    responses(
        (status = 201, description = "Added", body = app::creators::Card),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 409, description = "A duplicate: the platform + handle is already in the pool (`field: \"handle\"`), or a creator with the same name or contact email is (send `allow_similar: true` to add anyway). `current` is the creator already there.", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
pub(super) async fn add_creator(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewCreator>,
) -> Result<impl IntoResponse> {
    let key = idempotency_key(&headers);
    let card = creators::add_creator(&s.db, &who, id, &input, key.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(card)))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}",
    tag = "creators",
    summary = "One creator's card",
    params(("id" = i64, Path, description = "Campaign id"), ("creator_id" = i64, Path, description = "Creator id")),
    responses(
        (status = 200, description = "OK", body = app::creators::Card),
        (status = 404, description = "No such creator of this campaign", body = app::error::AppError),
    )
)]
pub(super) async fn get_creator(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::get_creator(&s.db, &who, id, creator_id).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}/move",
    tag = "creators",
    summary = "Move a card to another stage",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("creator_id" = i64, Path, description = "Creator id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::creators::MoveCard,
    responses(
        (status = 200, description = "Moved", body = app::creators::Card),
        (status = 404, description = "No such creator of this campaign", body = app::error::AppError),
        (status = 409, description = "Based on a stale `version`: `current` is the card as it is now", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
pub(super) async fn move_card(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<MoveCard>,
) -> Result<impl IntoResponse> {
    let key = idempotency_key(&headers);
    Ok(Json(creators::move_card(&s.db, &who, id, creator_id, &input, key.as_deref()).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}/detail",
    tag = "creators",
    summary = "A card's detail: the card, the profile, every handle with its figures, the history and whether the creator has a portal account",
    params(("id" = i64, Path, description = "Campaign id"), ("creator_id" = i64, Path, description = "Creator id")),
    responses(
        (status = 200, description = "OK", body = app::creators::CreatorDetail),
        (status = 404, description = "No such creator of this campaign", body = app::error::AppError),
    )
)]
pub(super) async fn creator_detail(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::creator_detail(&s.db, &who, id, creator_id).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}/profile",
    tag = "creators",
    summary = "Edit the profile and the primary handle's figures",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("creator_id" = i64, Path, description = "Creator id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::creators::EditCreator,
    responses(
        (status = 200, description = "Saved", body = app::creators::Card),
        (status = 404, description = "No such creator of this campaign", body = app::error::AppError),
        (status = 409, description = "Based on a stale `version`: `current` is the card as it is now", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
pub(super) async fn edit_profile(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<EditCreator>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::edit_profile(&s.db, &who, id, creator_id, &input, idempotency_key(&headers).as_deref()).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}/owner",
    tag = "creators",
    summary = "Change the relationship owner (one partner, optionally one of its people); recorded in the history",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("creator_id" = i64, Path, description = "Creator id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::creators::ChangeOwner,
    responses(
        (status = 200, description = "Handed over", body = app::creators::Card),
        (status = 404, description = "No such creator of this campaign", body = app::error::AppError),
        (status = 409, description = "Based on a stale `version`: `current` is the card as it is now", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
pub(super) async fn change_owner(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ChangeOwner>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::change_owner(&s.db, &who, id, creator_id, &input, idempotency_key(&headers).as_deref()).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}/next-action",
    tag = "creators",
    summary = "Set or clear the next action and its due date",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("creator_id" = i64, Path, description = "Creator id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::creators::SetNextAction,
    responses(
        (status = 200, description = "Saved", body = app::creators::Card),
        (status = 404, description = "No such creator of this campaign", body = app::error::AppError),
        (status = 409, description = "Based on a stale `version`: `current` is the card as it is now", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
pub(super) async fn set_next_action(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SetNextAction>,
) -> Result<impl IntoResponse> {
    Ok(Json(
        creators::set_next_action(&s.db, &who, id, creator_id, &input, idempotency_key(&headers).as_deref()).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}/notes",
    tag = "creators",
    summary = "Add a note to the creator's history (seen by every partner)",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("creator_id" = i64, Path, description = "Creator id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::creators::NewNote,
    responses(
        (status = 201, description = "Added", body = app::creators::HistoryEntry),
        (status = 404, description = "No such creator of this campaign", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
pub(super) async fn add_note(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewNote>,
) -> Result<impl IntoResponse> {
    let entry = creators::add_note(&s.db, &who, id, creator_id, &input, idempotency_key(&headers).as_deref()).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}/handles",
    tag = "creators",
    summary = "Add another platform's handle, with its figures, to a creator",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("creator_id" = i64, Path, description = "Creator id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::creators::PlatformStats,
    responses(
        (status = 201, description = "Added", body = app::creators::Card),
        (status = 404, description = "No such creator of this campaign", body = app::error::AppError),
        (status = 409, description = "The platform + handle already belongs to another creator (`current`): merge the two records instead", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
pub(super) async fn add_handle(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<PlatformStats>,
) -> Result<impl IntoResponse> {
    let card = creators::add_handle(&s.db, &who, id, creator_id, &input, idempotency_key(&headers).as_deref()).await?;
    Ok((StatusCode::CREATED, Json(card)))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}/merge",
    tag = "creators",
    summary = "Merge a duplicate record (`from_id`) into this creator",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("creator_id" = i64, Path, description = "Creator id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::creators::Merge,
    responses(
        (status = 200, description = "Merged", body = app::creators::Card),
        (status = 404, description = "`from_id` or the creator is no creator of this campaign", body = app::error::AppError),
        (status = 422, description = "`from_id` is this creator, or both records have their own portal accounts", body = app::error::AppError),
    )
)]
pub(super) async fn merge_creators(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<Merge>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::merge_creators(&s.db, &who, id, creator_id, &input, idempotency_key(&headers).as_deref()).await?))
}

fn csv_response(body: String, filename: &str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/creators.csv",
    tag = "creators",
    summary = "Export the pool as CSV: the import columns (so an export imports back) plus computed ones",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "One row per creator (primary handle)", body = String, content_type = "text/csv"),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
pub(super) async fn export_creators(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<Response> {
    let body = creators::export_creators(&s.db, &who, id).await?;
    Ok(csv_response(body, &format!("creators-{id}.csv")))
}

#[utoipa::path(
    get,
    path = "/api/v1/imports/template.csv",
    tag = "creators",
    security(()),
    summary = "A CSV template for the creator import: the header row and one example creator",
    responses((status = 200, description = "The template", body = String, content_type = "text/csv"))
)]
pub(super) async fn import_template() -> Response {
    csv_response(app::creators::import::import_template(), "chorus-creators-template.csv")
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ImportQuery {
    #[serde(default)]
    filename: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/imports",
    tag = "creators",
    summary = "Upload a CSV file for a preview: per-row errors naming the row and column, duplicates, the valid rows; nothing is written yet",
    params(("id" = i64, Path, description = "Campaign id"), ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The file"),
    responses(
        (status = 201, description = "The preview", body = app::creators::ImportPreview),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 413, description = "The file is larger than the limit", body = app::error::AppError),
        (status = 422, description = "The file cannot be read as CSV", body = app::error::AppError),
    )
)]
/// The file is the request body (text/csv); `?filename=` names it for the activity trail.
pub(super) async fn preview_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    Query(q): Query<ImportQuery>,
    body: String,
) -> Result<impl IntoResponse> {
    let preview = creators::preview_import(&s.db, &who, id, &q.filename, &body).await?;
    Ok((StatusCode::CREATED, Json(preview)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ApplyImport)]
pub(super) struct ApplyBody {
    mode: ApplyMode,
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/imports/{import_id}/apply",
    tag = "creators",
    summary = "Import a previewed file: all rows, or only the valid ones, in one transaction; applying twice returns the first result",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("import_id" = i64, Path, description = "From the preview"),
    ),
    request_body = ApplyBody,
    responses(
        (status = 200, description = "Imported", body = app::creators::ImportResult),
        (status = 404, description = "No such import of this campaign", body = app::error::AppError),
        (status = 403, description = "Only whoever uploaded the file can import it", body = app::error::AppError),
        (status = 422, description = "`all` while some rows are invalid or duplicates, or the import was discarded", body = app::error::AppError),
    )
)]
pub(super) async fn apply_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, import_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<ApplyBody>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::apply_import(&s.db, &who, id, import_id, input.mode).await?))
}

#[utoipa::path(
    delete,
    path = "/api/v1/campaigns/{id}/imports/{import_id}",
    tag = "creators",
    summary = "Import nothing: discard a previewed file",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("import_id" = i64, Path, description = "From the preview"),
    ),
    responses(
        (status = 204, description = "Discarded"),
        (status = 404, description = "No such import of yours", body = app::error::AppError),
        (status = 422, description = "Already imported", body = app::error::AppError),
    )
)]
pub(super) async fn discard_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, import_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    creators::discard_import(&s.db, &who, id, import_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
