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

use crate::auth::{session_token, Auth};

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
        .route("/api/v1/campaigns/{id}/invitations", post(invite))
        .route("/api/v1/invitations/{token}/accept", post(accept))
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
        .route("/api/v1/campaigns/{id}/charter", get(charter))
        .route("/api/v1/campaigns/{id}/charter.md", get(charter_markdown))
        .route("/api/v1/campaigns/{id}/charter/sections/{section}", put(save_section))
        .route("/api/v1/campaigns/{id}/charter/propose", post(propose_charter))
        .route("/api/v1/campaigns/{id}/charter/versions/{number}/sign", post(sign_charter))
        .route("/api/v1/campaigns/{id}/charter/comments", post(comment_charter))
        .route("/api/v1/campaigns/{id}/charter/comments/{comment_id}/resolve", post(resolve_comment))
        .route("/api/v1/campaigns/{id}/charter/for-creator", get(creator_charter))
        .route("/api/v1/campaigns/{id}/launch", post(launch))
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

async fn sign_up(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(input): ApiJson<SignUp>,
) -> Result<Response> {
    s.limiter.check_sign_up(&addr.ip().to_string())?;
    let user_id = accounts::sign_up(&s.db, &input).await?;
    let token = accounts::create_session(&s.db, user_id).await?;
    let me = accounts::me_by_id(&s.db, user_id).await?;
    Ok(with_cookie((StatusCode::CREATED, Json(me)), accounts::session_cookie(&token, s.secure_cookies)))
}

async fn sign_in(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(input): ApiJson<SignIn>,
) -> Result<Response> {
    let client = addr.ip().to_string();
    s.limiter.check(&input.email, &client)?;
    let user_id = accounts::sign_in(&s.db, &input).await?;
    s.limiter.succeeded(&input.email, &client);
    let token = accounts::create_session(&s.db, user_id).await?;
    let me = accounts::me_by_id(&s.db, user_id).await?;
    Ok(with_cookie(Json(me), accounts::session_cookie(&token, s.secure_cookies)))
}

async fn sign_out(State(s): State<AppState>, req: Request) -> Result<Response> {
    let (parts, _) = req.into_parts();
    if let Some(token) = session_token(&parts) {
        accounts::end_session(&s.db, &token).await?;
    }
    Ok(with_cookie(StatusCode::NO_CONTENT, accounts::clear_session_cookie(s.secure_cookies)))
}

async fn me(Auth(who): Auth) -> impl IntoResponse {
    Json(who.me)
}

async fn list_campaigns(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(Json(app::campaigns::ssr::list(&s.db, &who).await?))
}

async fn create_campaign(
    State(s): State<AppState>,
    Auth(who): Auth,
    ApiJson(input): ApiJson<NewCampaign>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(app::campaigns::ssr::create(&s.db, &who, &input).await?)))
}

async fn get_campaign(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(app::campaigns::ssr::get(&s.db, &who, id).await?))
}

async fn invite(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NewInvitation>,
) -> Result<impl IntoResponse> {
    let (invitation, token) = app::campaigns::ssr::invite(&s.db, &who, id, &input).await?;
    Ok((StatusCode::CREATED, Json(json!({ "invitation": invitation, "token": token }))))
}

async fn accept(State(s): State<AppState>, Auth(who): Auth, Path(token): Path<String>) -> Result<impl IntoResponse> {
    Ok(Json(app::campaigns::ssr::accept_partner(&s.db, &who, &token).await?))
}

async fn get_board(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(creators::get_board(&s.db, &who, id).await?))
}

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

async fn get_creator(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::get_creator(&s.db, &who, id, creator_id).await?))
}

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

async fn creator_detail(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::creator_detail(&s.db, &who, id, creator_id).await?))
}

async fn edit_profile(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<EditCreator>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::edit_profile(&s.db, &who, id, creator_id, &input, idempotency_key(&headers).as_deref()).await?))
}

async fn change_owner(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ChangeOwner>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::change_owner(&s.db, &who, id, creator_id, &input, idempotency_key(&headers).as_deref()).await?))
}

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

async fn export_creators(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<Response> {
    let body = creators::export_creators(&s.db, &who, id).await?;
    Ok(csv_response(body, &format!("creators-{id}.csv")))
}

async fn import_template() -> Response {
    csv_response(app::creators::import::import_template(), "chorus-creators-template.csv")
}

#[derive(Deserialize)]
struct ImportQuery {
    #[serde(default)]
    filename: String,
}

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

#[derive(Deserialize)]
struct ApplyBody {
    mode: ApplyMode,
}

async fn apply_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, import_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<ApplyBody>,
) -> Result<impl IntoResponse> {
    Ok(Json(creators::apply_import(&s.db, &who, id, import_id, input.mode).await?))
}

async fn discard_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, import_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    creators::discard_import(&s.db, &who, id, import_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct EventsQuery {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    500
}

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

#[derive(Deserialize)]
struct NewToken {
    name: String,
}

async fn list_tokens(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(Json(accounts::list_tokens(&s.db, &who).await?))
}

async fn create_token(
    State(s): State<AppState>,
    Auth(who): Auth,
    ApiJson(input): ApiJson<NewToken>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(accounts::create_token(&s.db, &who, &input.name).await?)))
}

async fn revoke_token(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    accounts::revoke_token(&s.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_members(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(Json(accounts::members(&s.db, &who).await?))
}

async fn invite_member(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    let (invitation, token) = accounts::invite_member(&s.db, &who).await?;
    Ok((StatusCode::CREATED, Json(json!({ "invitation": invitation, "token": token }))))
}

#[derive(Deserialize)]
struct JoinRequest {
    name: String,
    email: String,
    password: String,
}

async fn join_organization(
    State(s): State<AppState>,
    Path(token): Path<String>,
    ApiJson(input): ApiJson<JoinRequest>,
) -> Result<Response> {
    let user_id = accounts::accept_member(&s.db, &token, &input.name, &input.email, &input.password).await?;
    let session = accounts::create_session(&s.db, user_id).await?;
    let me = accounts::me_by_id(&s.db, user_id).await?;
    Ok(with_cookie((StatusCode::CREATED, Json(me)), accounts::session_cookie(&session, s.secure_cookies)))
}

async fn charter(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(app::charter::ssr::view(&s.db, &who, id).await?))
}

async fn charter_markdown(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<Response> {
    let md = app::charter::ssr::export_markdown(&s.db, &who, id).await?;
    let mut resp = md.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/markdown; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"charter-{id}.md\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[derive(Deserialize)]
struct SectionBody {
    body: serde_json::Value,
    version: i64,
}

async fn save_section(
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
    Ok(Json(app::charter::ssr::save_section(&s.db, &who, id, &save, key.as_deref()).await?))
}

async fn propose_charter(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    let number = app::charter::ssr::propose(&s.db, &who, id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "number": number }))))
}

async fn sign_charter(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, number)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    app::charter::ssr::sign(&s.db, &who, id, number).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn comment_charter(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<app::charter::NewComment>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(app::charter::ssr::comment(&s.db, &who, id, &input).await?)))
}

async fn resolve_comment(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, comment_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    app::charter::ssr::resolve(&s.db, &who, id, comment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn creator_charter(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(app::charter::ssr::for_creator(&s.db, &who, id).await?))
}

async fn launch(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    app::charter::ssr::launch(&s.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
