//! Usage rights in the JSON API: each deliverable's licence terms and the creator's acceptance, the campaign's
//! rights ledger (JSON and CSV), ad codes, logged uses, and the expiry warning's lead time.
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};

use app::accounts::Role;
use app::error::Result;
use app::rights::ssr as rights;
use app::rights::{AcceptTerms, NewAdCode, NewUse, RightsSettings, SaveTerms};
use app::state::AppState;

use crate::api::ApiJson;
use crate::auth::Auth;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/campaigns/{id}/deliverables/{deliverable_id}/terms", get(get_terms).put(save_terms))
        .route("/api/v1/campaigns/{id}/deliverables/{deliverable_id}/terms/accept", post(accept_terms))
        .route("/api/v1/campaigns/{id}/rights", get(get_ledger))
        .route("/api/v1/campaigns/{id}/rights.csv", get(export_ledger))
        .route("/api/v1/campaigns/{id}/rights/settings", put(save_settings))
        .route("/api/v1/campaigns/{id}/rights/{deliverable_id}/codes", post(add_code))
        .route("/api/v1/campaigns/{id}/rights/{deliverable_id}/uses", post(log_use))
        .route("/api/v1/campaigns/{id}/portal/rights", get(portal_rights))
}

fn key(headers: &HeaderMap) -> Option<String> {
    headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string)
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/terms",
    tag = "rights",
    summary = "A deliverable's licence terms, with the creator's acceptance of the current version",
    description = "Partners, and the creator the deliverable is addressed to. `version` 0: no terms proposed yet.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
    ),
    responses(
        (status = 200, description = "OK", body = app::rights::Terms),
        (status = 404, description = "No such deliverable, or not yours to see", body = app::error::AppError),
    )
)]
async fn get_terms(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    Ok(Json(rights::get_terms(&s.db, &who, id, deliverable_id).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/terms",
    tag = "rights",
    summary = "Propose or change a deliverable's licence terms; any change needs the creator's acceptance again",
    description = "Partners only. `version` is the one you started from (0 for the first proposal).",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
    ),
    request_body = app::rights::SaveTerms,
    responses(
        (status = 200, description = "Saved: the new version, not accepted yet", body = app::rights::Terms),
        (status = 404, description = "No such deliverable, or not yours to see", body = app::error::AppError),
        (status = 409, description = "The terms were changed meanwhile (the `version` is stale): `current` holds them as they are now", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field`: usages, platforms, territories, term_days (1 to 3,650), starts_on, ends_on, exclusivity or partner_ids)", body = app::error::AppError),
    )
)]
async fn save_terms(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<SaveTerms>,
) -> Result<impl IntoResponse> {
    Ok(Json(rights::save_terms(&s.db, &who, id, deliverable_id, &input).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/terms/accept",
    tag = "rights",
    summary = "The creator accepts a version of the terms (who, when and which version are kept)",
    description = "Only the creator the deliverable is addressed to.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
    ),
    request_body = app::rights::AcceptTerms,
    responses(
        (status = 200, description = "Accepted", body = app::rights::Terms),
        (status = 403, description = "A partner member: only the creator accepts", body = app::error::AppError),
        (status = 404, description = "No such deliverable, or not yours", body = app::error::AppError),
        (status = 409, description = "The terms changed since that `version`: `current` holds them as they are now", body = app::error::AppError),
        (status = 422, description = "No terms proposed yet (`field: \"version\"`)", body = app::error::AppError),
    )
)]
async fn accept_terms(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<AcceptTerms>,
) -> Result<impl IntoResponse> {
    Ok(Json(rights::accept_terms(&s.db, &who, id, deliverable_id, &input).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/rights",
    tag = "rights",
    summary = "The rights ledger: every approved asset with its terms, start and end, state (active, expiring, expired), ad codes and logged uses",
    description = "Partners only. Dates are days in the campaign's time zone (`time_zone`).",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = app::rights::Ledger),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
async fn get_ledger(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(rights::get_ledger(&s.db, &who, id).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/rights.csv",
    tag = "rights",
    summary = "The rights ledger as CSV: one row per approved asset",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "CSV", body = String, content_type = "text/csv"),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
async fn export_ledger(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    let csv = rights::export_ledger(&s.db, &who, id).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"campaign-{id}-rights.csv\"")),
        ],
        csv,
    ))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/rights/settings",
    tag = "rights",
    summary = "How many days before an asset's rights end the partners are warned (default 7)",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = app::rights::RightsSettings,
    responses(
        (status = 200, description = "Saved", body = app::rights::RightsSettings),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "`warning_days` is not 0 to 90", body = app::error::AppError),
    )
)]
async fn save_settings(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RightsSettings>,
) -> Result<impl IntoResponse> {
    Ok(Json(rights::save_settings(&s.db, &who, id, &input).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/rights/{deliverable_id}/codes",
    tag = "rights",
    summary = "Add an ad code (Spark Ads, Partnership Ads) with its own expiry to an approved asset",
    description = "Partners, and the creator of the asset.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::rights::NewAdCode,
    responses(
        (status = 201, description = "Added: the asset's ledger entry", body = app::rights::LedgerEntry),
        (status = 404, description = "No such deliverable, or not yours", body = app::error::AppError),
        (status = 409, description = "The asset is not approved yet, so not in the ledger", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field`: code or expires_on)", body = app::error::AppError),
    )
)]
async fn add_code(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewAdCode>,
) -> Result<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(rights::add_code(&s.db, &who, id, deliverable_id, &input, key(&headers).as_deref()).await?),
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/rights/{deliverable_id}/uses",
    tag = "rights",
    summary = "Log a use of an approved asset (\"paid amplification on Meta by Kanal Studio, 12–26 Mar\")",
    description = "Partners the terms allow, for usages the terms allow. A use running past the end of the rights raises an escalation to whoever logged it.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::rights::NewUse,
    responses(
        (status = 201, description = "Logged: the asset's ledger entry", body = app::rights::LedgerEntry),
        (status = 403, description = "Your organization is not among the partners the terms allow", body = app::error::AppError),
        (status = 404, description = "No such deliverable, or not yours to see", body = app::error::AppError),
        (status = 409, description = "The asset is not approved yet, so not in the ledger", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field`: usage, platform, starts_on, ends_on or note)", body = app::error::AppError),
    )
)]
async fn log_use(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewUse>,
) -> Result<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(rights::log_use(&s.db, &who, id, deliverable_id, &input, key(&headers).as_deref()).await?),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/portal/rights",
    tag = "rights",
    summary = "A creator's deliverables with licence terms: the terms (to read and accept before she submits) and, once approved, the asset's rights with their start, end and state",
    description = "Creators only, for campaigns they are in.",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = Vec<app::rights::DeliverableTerms>),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
async fn portal_rights(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    if who.me.role != Role::Creator {
        return Err(app::error::AppError::not_found("Campaign"));
    }
    Ok(Json(rights::creators_terms(&s.db, &who, id).await?))
}
