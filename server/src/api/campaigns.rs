//! Campaigns: starting and listing them, invitations, and the activity trail.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use app::campaigns::{NewCampaign, NewInvitation};
use app::error::{AppError, Result};
use app::state::AppState;

use super::ApiJson;
use crate::auth::Auth;

#[utoipa::path(
    get,
    path = "/api/v1/campaigns",
    tag = "campaigns",
    summary = "Campaigns your organization is a partner of",
    responses((status = 200, description = "OK", body = Vec<app::campaigns::CampaignSummary>))
)]
pub(super) async fn list_campaigns(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(Json(app::campaigns::ssr::list_campaigns(&s.db, &who).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns",
    tag = "campaigns",
    summary = "Start a campaign, in its reporting currency (`currency`, ISO 4217; USD when left out)",
    request_body = app::campaigns::NewCampaign,
    responses(
        (status = 201, description = "Created", body = app::campaigns::CampaignSummary),
        (status = 422, description = "A field is invalid (`field` names it: `name`, or `currency` for a code Chorus does not know)", body = app::error::AppError),
    )
)]
pub(super) async fn create_campaign(
    State(s): State<AppState>,
    Auth(who): Auth,
    ApiJson(input): ApiJson<NewCampaign>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(app::campaigns::ssr::create_campaign(&s.db, &who, &input).await?)))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}",
    tag = "campaigns",
    summary = "One campaign (404 unless your organization is a partner)",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = app::campaigns::CampaignSummary),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
pub(super) async fn get_campaign(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::campaigns::ssr::get_campaign(&s.db, &who, id).await?))
}

/// An invitation, and optionally the address to mail it to.
#[derive(serde::Deserialize)]
pub(super) struct InvitationRequest {
    #[serde(flatten)]
    invitation: NewInvitation,
    #[serde(default)]
    email: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/invitations",
    tag = "campaigns",
    summary = "Create a single-use invitation link for a partner or a creator (an optional `email` mails it too, when mail is configured; a creator's goes to the pool's contact email)",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = app::campaigns::NewInvitation,
    responses(
        (status = 201, description = "Created", body = crate::openapi::CampaignInvitationCreated),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
pub(super) async fn create_invitation(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(request): ApiJson<InvitationRequest>,
) -> Result<impl IntoResponse> {
    // Mailed when mail is configured: to the address given, or (a creator) to the pool's contact address. The link
    // is in the answer either way, to copy.
    let (invitation, token, mailed) = app::notify::accounts::invite_to_campaign(
        &s.db,
        &who,
        id,
        &request.invitation,
        request.email.as_deref(),
        s.mail_configured,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "invitation": invitation, "token": token, "mailed": mailed }))))
}

#[utoipa::path(
    post,
    path = "/api/v1/invitations/{token}/accept",
    tag = "campaigns",
    summary = "Your organization joins the campaign as a partner",
    params(("token" = String, Path, description = "From the invitation link")),
    responses(
        (status = 200, description = "Joined", body = app::campaigns::CampaignSummary),
        (status = 404, description = "No such invitation, or it expired or was used", body = app::error::AppError),
    )
)]
pub(super) async fn accept_partner(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(token): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::campaigns::ssr::accept_partner(&s.db, &who, &token).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct EventsQuery {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    500
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/events",
    tag = "realtime",
    summary = "The activity trail: events after a sequence number",
    params(("id" = i64, Path, description = "Campaign id"), EventsQuery),
    responses(
        (status = 200, description = "OK", body = crate::openapi::EventsPage),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "`limit` is not from 1 to 1000", body = app::error::AppError),
    )
)]
pub(super) async fn events(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    Query(q): Query<EventsQuery>,
) -> Result<impl IntoResponse> {
    app::campaigns::ssr::authorize(&s.db, &who, id).await?;
    if !(1..=1000).contains(&q.limit) {
        return Err(AppError::validation("limit", "Use a limit from 1 to 1000"));
    }
    let after = q.after.max(0);
    let rows = app::realtime::log::after(&s.db.pool, id, after, q.limit).await?;
    let head = app::realtime::log::head(&s.db.pool, id).await?.unwrap_or(0);
    // As on the WebSocket: when the events right after `after` are no longer kept (or `after` is beyond the head),
    // the caller is told to reload instead of getting later events with a silent hole before them.
    let reason = if after > head {
        Some("your state is ahead of the server")
    } else if after < head && rows.first().is_none_or(|(seq, _)| *seq != after + 1) {
        Some("the events you missed are no longer kept")
    } else {
        None
    };
    if let Some(reason) = reason {
        return Ok(Json(json!({ "head": head, "reset": true, "reason": reason, "events": [] })));
    }
    let events: Vec<app::realtime::Event> =
        rows.into_iter().filter_map(|(_, body)| serde_json::from_str(&body).ok()).collect();
    Ok(Json(json!({ "head": head, "reset": false, "events": events })))
}
