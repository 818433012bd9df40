//! Accounts: sign-up, sign-in and sign-out, the signed-in person, API tokens, the organization's members and joining it.
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use app::accounts::ssr as accounts;
use app::accounts::{SignIn, SignUp};
use app::error::Result;
use app::state::AppState;

use super::{with_cookie, ApiJson};
use crate::auth::Auth;

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
pub(super) async fn sign_up(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SignUp>,
) -> Result<Response> {
    s.limiter.allow_sign_up(&s.limiter.client(addr.ip(), &headers)).await?;
    let user_id = accounts::sign_up(&s.db, &input).await?;
    if s.mail_configured {
        app::notify::accounts::send_verification(&s.db, user_id).await?;
    }
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
pub(super) async fn sign_in(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SignIn>,
) -> Result<Response> {
    let client = s.limiter.client(addr.ip(), &headers);
    s.limiter.allow(&input.email, &client).await?;
    let user_id = accounts::sign_in(&s.db, &input).await?;
    s.limiter.forget(&input.email, &client).await;
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
pub(super) async fn sign_out(State(s): State<AppState>, req: Request) -> Result<Response> {
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
pub(super) async fn me(Auth(who): Auth) -> impl IntoResponse {
    Json(who.me)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct NewToken {
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
pub(super) async fn list_tokens(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
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
pub(super) async fn create_token(
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
pub(super) async fn revoke_token(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse> {
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
pub(super) async fn list_members(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(Json(accounts::list_members(&s.db, &who).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/org/invitations",
    tag = "accounts",
    summary = "A single-use link for a colleague to join your organization (optionally `{\"email\": …}`: mailed too, when mail is configured)",
    responses((status = 201, description = "Created", body = crate::openapi::MemberInvitationCreated))
)]
pub(super) async fn invite_member(
    State(s): State<AppState>,
    Auth(who): Auth,
    body: axum::body::Bytes,
) -> Result<impl IntoResponse> {
    // Optionally `{"email": …}`: the link is then mailed too (when mail is configured).
    let email = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("email").and_then(|e| e.as_str()).map(str::to_string))
        .filter(|e| !e.trim().is_empty());
    let (invitation, token, mailed) =
        app::notify::accounts::invite_colleague(&s.db, &who, email.as_deref(), s.mail_configured).await?;
    Ok((StatusCode::CREATED, Json(json!({ "invitation": invitation, "token": token, "mailed": mailed }))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = Join)]
pub(super) struct JoinRequest {
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
pub(super) async fn join_organization(
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
