//! The content lanes in the JSON API: lanes, deliverables, rounds, reviews, comments, payouts, escalations,
//! the outbox, and the creator's portal.
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use app::accounts::Role;
use app::content::ssr as content;
use app::content::{NewDeliverable, NewDeliverableComment, NewSubmission, Review, SaveLane, SetPayout};
use app::error::{AppError, Result};
use app::state::AppState;
use app::vocab::Lane;

use crate::api::ApiJson;
use crate::auth::Auth;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/campaigns/{id}/content", get(get_content))
        .route("/api/v1/campaigns/{id}/lanes/{lane}", put(save_lane))
        .route("/api/v1/campaigns/{id}/time-zone", put(set_time_zone))
        .route("/api/v1/campaigns/{id}/deliverables", post(create_deliverable))
        .route("/api/v1/campaigns/{id}/deliverables/{deliverable_id}", get(get_deliverable))
        .route("/api/v1/campaigns/{id}/deliverables/{deliverable_id}/submissions", post(submit_draft))
        .route("/api/v1/campaigns/{id}/deliverables/{deliverable_id}/review", post(review))
        .route("/api/v1/campaigns/{id}/deliverables/{deliverable_id}/comments", post(add_comment))
        .route("/api/v1/campaigns/{id}/deliverables/{deliverable_id}/payout", put(set_payout))
        .route("/api/v1/campaigns/{id}/escalations", get(list_escalations))
        .route("/api/v1/campaigns/{id}/escalations/{escalation_id}", put(update_escalation))
        .route("/api/v1/campaigns/{id}/outbox", get(outbox))
        .route("/api/v1/campaigns/{id}/portal", get(get_portal))
        .route("/api/v1/portal", get(portal_campaigns))
}

fn key(headers: &HeaderMap) -> Option<String> {
    headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string)
}

async fn get_content(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(content::get_content(&s.db, &who, id, s.max_upload_bytes).await?))
}

async fn save_lane(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, lane)): Path<(i64, String)>,
    ApiJson(input): ApiJson<SaveLane>,
) -> Result<impl IntoResponse> {
    let lane = Lane::parse(&lane).ok_or_else(|| AppError::validation("lane", "Use influencer or ugc"))?;
    if lane != input.lane {
        return Err(AppError::validation("lane", "The lane in the body differs from the one in the path"));
    }
    Ok(Json(content::save_lane(&s.db, &who, id, &input).await?))
}

#[derive(Deserialize)]
struct TimeZone {
    time_zone: String,
}

async fn set_time_zone(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<TimeZone>,
) -> Result<impl IntoResponse> {
    let zone = content::set_time_zone(&s.db, &who, id, &input.time_zone).await?;
    Ok(Json(serde_json::json!({ "time_zone": zone })))
}

async fn create_deliverable(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewDeliverable>,
) -> Result<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(content::create_deliverable(&s.db, &who, id, &input, key(&headers).as_deref()).await?),
    ))
}

/// Partners see the whole deliverable; its creator sees it without internal comments; anyone else: not found.
async fn get_deliverable(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    Ok(Json(match who.me.role {
        Role::Creator => content::creators_deliverable(&s.db, &who, id, deliverable_id).await?,
        Role::Member => content::get_deliverable(&s.db, &who, id, deliverable_id).await?,
    }))
}

async fn submit_draft(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewSubmission>,
) -> Result<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(content::submit_draft(&s.db, &who, id, deliverable_id, &input, key(&headers).as_deref()).await?),
    ))
}

async fn review(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<Review>,
) -> Result<impl IntoResponse> {
    Ok(Json(content::review(&s.db, &who, id, deliverable_id, &input, key(&headers).as_deref()).await?))
}

async fn add_comment(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<NewDeliverableComment>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(content::add_comment(&s.db, &who, id, deliverable_id, &input).await?)))
}

async fn set_payout(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<SetPayout>,
) -> Result<impl IntoResponse> {
    Ok(Json(content::set_payout(&s.db, &who, id, deliverable_id, &input).await?))
}

async fn list_escalations(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::escalations::ssr::list_escalations(&s.db, &who, id).await?))
}

async fn update_escalation(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, escalation_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<app::escalations::UpdateEscalation>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::escalations::ssr::update_escalation(&s.db, &who, id, escalation_id, &input).await?))
}

async fn outbox(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    app::campaigns::ssr::authorize(&s.db, &who, id).await?;
    Ok(Json(app::outbox::ssr::outbox(&s.db, id).await?))
}

async fn get_portal(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(content::get_portal(&s.db, &who, id, s.max_upload_bytes).await?))
}

async fn portal_campaigns(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    if who.me.role != Role::Creator {
        return Err(AppError::not_found("Portal"));
    }
    Ok(Json(app::campaigns::ssr::for_creator(&s.db, &who).await?))
}
