//! The content lanes in the JSON API: lanes, deliverables, rounds, reviews, comments, payouts, escalations,
//! the outbox, and the creator's portal.
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use app::accounts::Role;
use app::content::disclosure::CheckCaption;
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
        .route("/api/v1/campaigns/{id}/deliverables/{deliverable_id}/disclosure-check", post(check_disclosure))
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

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/content",
    tag = "content",
    summary = "The partners' content page: both lanes with their settings, every deliverable with its rounds and comments, review turnaround, escalations, the outbox and the creators that can be briefed",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = app::content::ContentView),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
async fn get_content(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(content::get_content(&s.db, &who, id, s.max_upload_bytes).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/lanes/{lane}",
    tag = "content",
    summary = "Save a lane's brief, approval SLA, budget line and default fee",
    description = "Partners only. The lane's criteria and reviewer come from the charter.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("lane" = app::vocab::Lane, Path, description = "The lane; must be the one in the body"),
    ),
    request_body = app::content::SaveLane,
    responses(
        (status = 200, description = "Saved", body = app::content::LaneSettings),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 409, description = "The lane's settings were changed meanwhile (the `version` is stale): reload them", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field`: lane, sla_hours (1 to 720), budget_cents, default_fee_cents or brief)", body = app::error::AppError),
    )
)]
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

#[derive(Deserialize, utoipa::ToSchema)]
struct TimeZone {
    time_zone: String,
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/time-zone",
    tag = "content",
    summary = "Set the campaign's time zone: due days and review deadlines are read there",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = TimeZone,
    responses(
        (status = 200, description = "Saved", body = crate::openapi::TimeZoneAnswer),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "Not a time zone (`field: \"time_zone\"`)", body = app::error::AppError),
    )
)]
async fn set_time_zone(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<TimeZone>,
) -> Result<impl IntoResponse> {
    let zone = content::set_time_zone(&s.db, &who, id, &input.time_zone).await?;
    Ok(Json(serde_json::json!({ "time_zone": zone })))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/deliverables",
    tag = "content",
    summary = "Brief a deliverable to a creator of the pool",
    description = "Partners only.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::content::NewDeliverable,
    responses(
        (status = 201, description = "Briefed", body = app::content::Deliverable),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field`: creator_id, title, expectations, due_date or fee_cents)", body = app::error::AppError),
    )
)]
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

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/deliverables/{deliverable_id}",
    tag = "content",
    summary = "One deliverable with its rounds and comments",
    description = "Partners see all of it; the creator it is addressed to sees it without internal comments.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
    ),
    responses(
        (status = 200, description = "OK", body = app::content::Deliverable),
        (status = 404, description = "No such deliverable, or not yours to see", body = app::error::AppError),
    )
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/submissions",
    tag = "content",
    summary = "Submit a draft: the next round (v1, v2, …), with finished uploads and/or a link",
    description = "Only the creator the deliverable is addressed to. The round's review clock starts now.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::content::NewSubmission,
    responses(
        (status = 201, description = "Submitted", body = app::content::Deliverable),
        (status = 404, description = "No such deliverable, or not yours", body = app::error::AppError),
        (status = 409, description = "No new draft is expected now (the deliverable is in review, approved or rejected)", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field`: caption, link, uploads, or `uploads[i]`)", body = app::error::AppError),
    )
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/disclosure-check",
    tag = "content",
    summary = "Check a caption's disclosure before sending it: the rule of the creator's market (from her profile's country) and the wording the charter requires",
    description = "The creator the deliverable is addressed to, or a partner member. Nothing is stored; every round sent is checked the same way and keeps its result.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
    ),
    request_body = app::content::disclosure::CheckCaption,
    responses(
        (status = 200, description = "The check: passed, the market, and each rule with what was found and how to fix it", body = app::content::disclosure::DisclosureCheck),
        (status = 404, description = "No such deliverable, or not yours", body = app::error::AppError),
        (status = 422, description = "`caption` is too long", body = app::error::AppError),
    )
)]
async fn check_disclosure(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<CheckCaption>,
) -> Result<impl IntoResponse> {
    Ok(Json(content::check_disclosure(&s.db, &who, id, deliverable_id, &input).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/review",
    tag = "content",
    summary = "Decide on the pending round: approve, request changes or reject, with the lane's criteria ticked",
    description = "Partners only, and only the reviewer the charter's responsibility matrix names for the lane or the campaign's accountable owner.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::content::Review,
    responses(
        (status = 200, description = "Decided", body = app::content::Deliverable),
        (status = 404, description = "No such deliverable", body = app::error::AppError),
        (status = 403, description = "You are not this lane's reviewer per the responsibility matrix, nor the accountable owner: comment instead", body = app::error::AppError),
        (status = 409, description = "Based on a stale `version`: `current` is the deliverable as it is now", body = app::error::AppError),
        (status = 422, description = "`feedback` is required to request changes or reject; `disclosure_note` to approve a round whose disclosure check failed; or `criteria` has the wrong number of ticks; or `round` is not the pending one", body = app::error::AppError),
    )
)]
async fn review(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<Review>,
) -> Result<impl IntoResponse> {
    Ok(Json(content::review(&s.db, &who, id, deliverable_id, &input, key(&headers).as_deref()).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/comments",
    tag = "content",
    summary = "Comment on a deliverable",
    description = "Partners and the creator it is addressed to. `internal` comments (partners only) never reach the creator.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
    ),
    request_body = app::content::NewDeliverableComment,
    responses(
        (status = 201, description = "Added", body = app::content::Comment),
        (status = 404, description = "No such deliverable, or not yours", body = app::error::AppError),
        (status = 422, description = "An empty or too long `body`", body = app::error::AppError),
    )
)]
async fn add_comment(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<NewDeliverableComment>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(content::add_comment(&s.db, &who, id, deliverable_id, &input).await?)))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/payout",
    tag = "content",
    summary = "Set the payout status (tracked only: no money moves through Chorus)",
    description = "Partners only.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
    ),
    request_body = app::content::SetPayout,
    responses(
        (status = 200, description = "Saved", body = app::content::Deliverable),
        (status = 404, description = "No such deliverable", body = app::error::AppError),
        (status = 409, description = "Based on a stale `version`: `current` is the deliverable as it is now", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
async fn set_payout(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<SetPayout>,
) -> Result<impl IntoResponse> {
    Ok(Json(content::set_payout(&s.db, &who, id, deliverable_id, &input).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/escalations",
    tag = "content",
    summary = "The campaign's escalations (missed review clocks, thresholds), newest first",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = Vec<app::escalations::Escalation>),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
async fn list_escalations(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::escalations::ssr::list_escalations(&s.db, &who, id).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/escalations/{escalation_id}",
    tag = "content",
    summary = "Acknowledge, resolve or reopen an escalation, with a note",
    description = "Partners only.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("escalation_id" = i64, Path, description = "Escalation id"),
    ),
    request_body = app::escalations::UpdateEscalation,
    responses(
        (status = 200, description = "Saved", body = app::escalations::Escalation),
        (status = 404, description = "No such escalation of this campaign", body = app::error::AppError),
        (status = 409, description = "Based on a stale `version`: `current` is the escalation as it is now", body = app::error::AppError),
        (status = 422, description = "`status` is not open, acknowledged or resolved, or the note is too long", body = app::error::AppError),
    )
)]
async fn update_escalation(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, escalation_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<app::escalations::UpdateEscalation>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::escalations::ssr::update_escalation(&s.db, &who, id, escalation_id, &input).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/outbox",
    tag = "content",
    summary = "Mails Chorus sent (or keeps for reading when no SMTP server is configured) for the campaign",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = Vec<app::outbox::OutboxMail>),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
async fn outbox(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    app::campaigns::ssr::authorize(&s.db, &who, id).await?;
    Ok(Json(app::outbox::ssr::outbox(&s.db, id).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/portal",
    tag = "content",
    summary = "A creator's page for one campaign: their point of contact, the lanes' briefs, and their deliverables with feedback and payout status",
    description = "Creators only, for campaigns they are in.",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = app::content::PortalView),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
async fn get_portal(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(content::get_portal(&s.db, &who, id, s.max_upload_bytes).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/portal",
    tag = "content",
    summary = "The campaigns a creator is in",
    description = "Creators only.",
    responses(
        (status = 200, description = "OK", body = Vec<app::campaigns::CreatorCampaign>),
        (status = 404, description = "Not a creator", body = app::error::AppError),
    )
)]
async fn portal_campaigns(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    if who.me.role != Role::Creator {
        return Err(AppError::not_found("Portal"));
    }
    Ok(Json(app::campaigns::ssr::portal_campaigns(&s.db, &who).await?))
}
