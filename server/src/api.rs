//! The versioned JSON API (`/api/v1/…`): the same domain functions the pages use, for integrations and tests.
use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use app::accounts::ssr as accounts;
use app::accounts::{SignIn, SignUp};
use app::campaigns::{NewCampaign, NewInvitation};
use app::creators::ssr as creators;
use app::creators::{
    ApplyMode, ChangeOwner, EditCreator, Merge, MoveCard, NewCreator, NewNote, PlatformStats, SetNextAction,
};
use app::error::{AppError, ErrorCode, Result};
use app::state::AppState;

use crate::auth::Auth;

#[cfg(test)]
mod tests {
    use super::describe_data_error;

    #[test]
    fn data_errors_name_the_field() {
        let (f, _) = describe_data_error("Failed to deserialize the JSON body into the target type: stage: unknown variant `viral`, expected one of `prospect` at line 1 column 17");
        assert_eq!(f.as_deref(), Some("stage"));
        let (f, _) = describe_data_error(
            "Failed to deserialize the JSON body into the target type: missing field `name` at line 1 column 2",
        );
        assert_eq!(f.as_deref(), Some("name"));
        let (f, d) = describe_data_error("Failed to deserialize the JSON body into the target type: invalid type: integer `5`, expected a string at line 1 column 9");
        assert_eq!(f, None);
        assert!(d.starts_with("invalid type"));
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(crate::openapi::document))
        .route("/api/v1/auth/signup", post(sign_up))
        .route("/api/v1/auth/signin", post(sign_in))
        .route("/api/v1/auth/signout", post(sign_out))
        .route("/api/v1/me", get(me))
        .route("/api/v1/campaigns", get(list_campaigns).post(create_campaign))
        .route("/api/v1/campaigns/{id}", get(get_campaign))
        .route("/api/v1/campaigns/{id}/invitations", post(create_invitation))
        .route("/api/v1/invitations/{token}/accept", post(accept_partner))
        .route("/api/v1/campaigns/{id}/board", get(get_board))
        .route("/api/v1/campaigns/{id}/creators", post(add_creator))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}", get(get_creator))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}/move", post(move_card))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}/detail", get(creator_detail))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}/profile", put(edit_profile))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}/owner", put(change_owner))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}/next-action", put(set_next_action))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}/notes", post(add_note))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}/handles", post(add_handle))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}/merge", post(merge_creators))
        .route("/api/v1/campaigns/{id}/creators.csv", get(export_creators))
        .route("/api/v1/campaigns/{id}/imports", post(preview_import))
        .route("/api/v1/campaigns/{id}/imports/{import_id}/apply", post(apply_import))
        .route("/api/v1/campaigns/{id}/imports/{import_id}", delete(discard_import))
        .route("/api/v1/imports/template.csv", get(import_template))
        .route("/api/v1/campaigns/{id}/events", get(events))
        .route("/api/v1/campaigns/{id}/charter", get(get_charter))
        .route("/api/v1/campaigns/{id}/charter.md", get(charter_markdown))
        .route("/api/v1/campaigns/{id}/charter/sections/{section}", put(save_charter_section))
        .route("/api/v1/campaigns/{id}/charter/propose", post(propose_charter))
        .route("/api/v1/campaigns/{id}/charter/versions/{number}/sign", post(sign_charter))
        .route("/api/v1/campaigns/{id}/charter/comments", post(comment_charter))
        .route("/api/v1/campaigns/{id}/charter/comments/{comment_id}/resolve", post(resolve_charter_comment))
        .route("/api/v1/campaigns/{id}/charter/for-creator", get(get_creator_charter))
        .route("/api/v1/campaigns/{id}/launch", post(launch_campaign))
        .route("/api/v1/org/members", get(list_members))
        .route("/api/v1/org/invitations", post(invite_member))
        .route("/api/v1/org/invitations/{token}/accept", post(join_organization))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/{*rest}", any(|| async { AppError::not_found("API endpoint") }))
}

/// JSON bodies whose errors name the field, in the same error shape as everything else.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => {
                let (field, detail) = describe_data_error(&e.body_text());
                Err(AppError {
                    field,
                    ..AppError::new(ErrorCode::Validation, format!("Invalid request body: {detail}"))
                })
            }
            Err(e) => Err(AppError::new(ErrorCode::BadRequest, e.body_text())),
        }
    }
}

/// Turns axum's "…target type: stage: unknown variant `x`…" into the field (`stage`) and the detail.
pub(crate) fn describe_data_error(text: &str) -> (Option<String>, String) {
    let detail = text.split_once("target type: ").map(|(_, d)| d).unwrap_or(text);
    let (path, inner) = detail.split_once(": ").unwrap_or((".", detail));
    let field = if path != "." && !path.contains(' ') {
        Some(path.trim_start_matches('.').to_string())
    } else if inner.starts_with("missing field") {
        inner.split('`').nth(1).map(str::to_string)
    } else {
        None
    };
    (field, detail.to_string())
}

fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string)
}

fn with_cookie(resp: impl IntoResponse, cookie: String) -> Response {
    let mut resp = resp.into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/signup",
    tag = "accounts",
    security(()),
    summary = "Create an organization and its first member; sets the session cookie",
    request_body = app::accounts::SignUp,
    responses(
        (status = 201, description = "Signed up and signed in", body = app::accounts::Me),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
        (status = 409, description = "The email is taken", body = app::error::AppError),
        (status = 429, description = "Too many sign-ups from this address", body = app::error::AppError),
    )
)]
async fn sign_up(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SignUp>,
) -> Result<Response> {
    s.limiter.check_sign_up(&addr.ip().to_string())?;
    let user_id = accounts::sign_up(&s.db, &input).await?;
    let token = accounts::rotate_session(&s.db, &headers, user_id).await?;
    let me = accounts::me_by_id(&s.db, user_id).await?;
    Ok(with_cookie((StatusCode::CREATED, Json(me)), accounts::session_cookie(&token, s.secure_cookies)))
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/signin",
    tag = "accounts",
    security(()),
    summary = "Sign in; sets the session cookie (rate limited)",
    request_body = app::accounts::SignIn,
    responses(
        (status = 200, description = "Signed in", body = app::accounts::Me),
        (status = 401, description = "Wrong email or password", body = app::error::AppError),
        (status = 429, description = "Too many attempts: wait", body = app::error::AppError),
    )
)]
async fn sign_in(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SignIn>,
) -> Result<Response> {
    let client = addr.ip().to_string();
    s.limiter.check(&input.email, &client)?;
    let user_id = accounts::sign_in(&s.db, &input).await?;
    s.limiter.succeeded(&input.email, &client);
    let token = accounts::rotate_session(&s.db, &headers, user_id).await?;
    let me = accounts::me_by_id(&s.db, user_id).await?;
    Ok(with_cookie(Json(me), accounts::session_cookie(&token, s.secure_cookies)))
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/signout",
    tag = "accounts",
    security(()),
    summary = "Sign out (ends the session and clears its cookie)",
    responses((status = 204, description = "Signed out"))
)]
async fn sign_out(State(s): State<AppState>, req: Request) -> Result<Response> {
    if let Some(token) = accounts::session_token(req.headers()) {
        accounts::end_session(&s.db, &token).await?;
    }
    Ok(with_cookie(StatusCode::NO_CONTENT, accounts::clear_session_cookie(s.secure_cookies)))
}

#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    summary = "The signed-in person",
    responses((status = 200, description = "OK", body = app::accounts::Me))
)]
async fn me(Auth(who): Auth) -> impl IntoResponse {
    Json(who.me)
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns",
    tag = "campaigns",
    summary = "Campaigns your organization is a partner of",
    responses((status = 200, description = "OK", body = Vec<app::campaigns::CampaignSummary>))
)]
async fn list_campaigns(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(Json(app::campaigns::ssr::list_campaigns(&s.db, &who).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns",
    tag = "campaigns",
    summary = "Start a campaign",
    request_body = app::campaigns::NewCampaign,
    responses(
        (status = 201, description = "Created", body = app::campaigns::CampaignSummary),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
async fn create_campaign(
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
async fn get_campaign(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(app::campaigns::ssr::get_campaign(&s.db, &who, id).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/invitations",
    tag = "campaigns",
    summary = "Create a single-use invitation link for a partner or a creator",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = app::campaigns::NewInvitation,
    responses(
        (status = 201, description = "Created", body = crate::openapi::CampaignInvitationCreated),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
async fn create_invitation(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NewInvitation>,
) -> Result<impl IntoResponse> {
    let (invitation, token) = app::campaigns::ssr::create_invitation(&s.db, &who, id, &input).await?;
    Ok((StatusCode::CREATED, Json(json!({ "invitation": invitation, "token": token }))))
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
async fn accept_partner(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(token): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(app::campaigns::ssr::accept_partner(&s.db, &who, &token).await?))
}

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
async fn get_board(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
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
async fn add_creator(
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
async fn get_creator(
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
async fn move_card(
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
async fn creator_detail(
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
async fn edit_profile(
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
async fn change_owner(
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
async fn set_next_action(
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
async fn add_note(
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
async fn add_handle(
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
async fn merge_creators(
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
async fn export_creators(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<Response> {
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
async fn import_template() -> Response {
    csv_response(app::creators::import::import_template(), "chorus-creators-template.csv")
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
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
async fn preview_import(
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
struct ApplyBody {
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
async fn apply_import(
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
async fn discard_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, import_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    creators::discard_import(&s.db, &who, id, import_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
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
async fn events(
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

#[derive(Deserialize, utoipa::ToSchema)]
struct NewToken {
    name: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "accounts",
    summary = "Your organization's API tokens",
    responses(
        (status = 200, description = "OK", body = Vec<app::accounts::ApiToken>),
        (status = 403, description = "Creators have no API tokens", body = app::error::AppError),
    )
)]
async fn list_tokens(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(Json(accounts::list_tokens(&s.db, &who).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "accounts",
    summary = "Create an API token (the secret is returned once)",
    request_body = NewToken,
    responses(
        (status = 201, description = "Created", body = app::accounts::NewApiToken),
        (status = 403, description = "Creators have no API tokens", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
async fn create_token(
    State(s): State<AppState>,
    Auth(who): Auth,
    ApiJson(input): ApiJson<NewToken>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(accounts::create_token(&s.db, &who, &input.name).await?)))
}

#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "accounts",
    summary = "Revoke an API token",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token of your organization", body = app::error::AppError),
    )
)]
async fn revoke_token(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    accounts::revoke_token(&s.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/api/v1/org/members",
    tag = "accounts",
    summary = "Members of your organization",
    responses((status = 200, description = "OK", body = Vec<app::accounts::Member>))
)]
async fn list_members(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(Json(accounts::list_members(&s.db, &who).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/org/invitations",
    tag = "accounts",
    summary = "A single-use link for a colleague to join your organization",
    responses((status = 201, description = "Created", body = crate::openapi::MemberInvitationCreated))
)]
async fn invite_member(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    let (invitation, token) = accounts::invite_member(&s.db, &who).await?;
    Ok((StatusCode::CREATED, Json(json!({ "invitation": invitation, "token": token }))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = Join)]
struct JoinRequest {
    name: String,
    email: String,
    password: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/org/invitations/{token}/accept",
    tag = "accounts",
    security(()),
    summary = "Create an account in the inviting organization; sets the session cookie",
    params(("token" = String, Path, description = "From the invitation link")),
    request_body = JoinRequest,
    responses(
        (status = 201, description = "Joined and signed in", body = app::accounts::Me),
        (status = 404, description = "No such invitation, or it expired or was used", body = app::error::AppError),
        (status = 409, description = "The email is taken", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
async fn join_organization(
    State(s): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<JoinRequest>,
) -> Result<Response> {
    let user_id = accounts::join_organization(&s.db, &token, &input.name, &input.email, &input.password).await?;
    let session = accounts::rotate_session(&s.db, &headers, user_id).await?;
    let me = accounts::me_by_id(&s.db, user_id).await?;
    Ok(with_cookie((StatusCode::CREATED, Json(me)), accounts::session_cookie(&session, s.secure_cookies)))
}

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
async fn get_charter(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
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
async fn charter_markdown(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<Response> {
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
struct SectionBody {
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
async fn save_charter_section(
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
async fn propose_charter(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
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
async fn sign_charter(
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
async fn comment_charter(
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
async fn resolve_charter_comment(
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
async fn get_creator_charter(
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
async fn launch_campaign(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    app::charter::ssr::launch_campaign(&s.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
