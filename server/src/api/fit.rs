//! Partner fit: organizations' working-style profiles, a campaign's fit view, settling its items, track records.
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;

use app::error::Result;
use app::fit::{SaveProfile, Settle};
use app::state::AppState;

use super::ApiJson;
use crate::auth::Auth;

#[utoipa::path(
    get,
    path = "/api/v1/org/profile",
    tag = "fit",
    summary = "Your organization's working-style profile (`version` 0 and suggested defaults until first saved)",
    responses(
        (status = 200, description = "OK", body = app::fit::OrgProfile),
        (status = 403, description = "Creators have no organization", body = app::error::AppError),
    )
)]
pub(super) async fn get_own_profile(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(Json(app::fit::ssr::get_own_profile(&s.db, &who).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/org/profile",
    tag = "fit",
    summary = "Save your organization's working-style profile as a new version",
    request_body = app::fit::SaveProfile,
    responses(
        (status = 200, description = "Saved", body = app::fit::OrgProfile),
        (status = 403, description = "Creators have no organization", body = app::error::AppError),
        (status = 409, description = "Saved by someone else meanwhile (`version` is stale): the profile as it is now in `current`", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it: team_size, markets, time_zone, work_start, work_end, work_days, review_hours, reply_hours, approval_steps, signer, reporting_cadence, tools, campaigns_per_quarter, languages)", body = app::error::AppError),
    )
)]
pub(super) async fn save_profile(
    State(s): State<AppState>,
    Auth(who): Auth,
    ApiJson(input): ApiJson<SaveProfile>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::fit::ssr::save_profile(&s.db, &who, &input).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/orgs/{org_id}/profile",
    tag = "fit",
    summary = "An organization's working-style profile: yours, or a partner's of a campaign you share",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses(
        (status = 200, description = "OK", body = app::fit::OrgProfile),
        (status = 404, description = "No such organization, or none you share a campaign with", body = app::error::AppError),
    )
)]
pub(super) async fn get_profile(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(org_id): Path<i64>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::fit::ssr::get_profile(&s.db, &who, org_id).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/orgs/{org_id}/profile/history",
    tag = "fit",
    summary = "An organization's profile versions, newest first, each with what it changed (yours, or a partner's of a campaign you share)",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses(
        (status = 200, description = "OK", body = Vec<app::fit::ProfileVersion>),
        (status = 404, description = "No such organization, or none you share a campaign with", body = app::error::AppError),
    )
)]
pub(super) async fn profile_history(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(org_id): Path<i64>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::fit::ssr::profile_history(&s.db, &who, org_id).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/orgs/{org_id}/track-record",
    tag = "fit",
    summary = "An organization's observed working style across the campaigns it shared with yours (all of yours, for your own)",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses(
        (status = 200, description = "OK", body = app::fit::TrackRecord),
        (status = 404, description = "No such organization, or none you share a campaign with", body = app::error::AppError),
    )
)]
pub(super) async fn track_record(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(org_id): Path<i64>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::fit::ssr::track_record(&s.db, &who, org_id).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/fit",
    tag = "fit",
    summary = "The fit view: partners' profiles side by side, mismatches with what the charter should settle, stated against observed, track records",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = app::fit::FitView),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
pub(super) async fn get_fit(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::fit::ssr::fit_view(&s.db, &who, id).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/fit/settled",
    tag = "fit",
    summary = "Mark a fit item settled (it shows on the launch checklist as a settled warning)",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = app::fit::Settle,
    responses(
        (status = 200, description = "Settled (a second call answers with the first settlement)", body = app::fit::FitItem),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "`key` names no current fit item, or `note` is too long", body = app::error::AppError),
    )
)]
pub(super) async fn settle_fit_item(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<Settle>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::fit::ssr::settle(&s.db, &who, id, &input).await?))
}
