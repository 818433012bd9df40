//! The versioned JSON API (`/api/v1/…`): the same domain functions the pages use, for integrations and tests.
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use app::error::{AppError, ErrorCode, Result};
use app::state::AppState;

use self::accounts::{
    create_token, invite_member, join_organization, list_members, list_tokens, me, revoke_token, sign_in, sign_out,
    sign_up,
};
use self::campaigns::{accept_partner, create_campaign, create_invitation, events, get_campaign, list_campaigns};
use self::charter::{
    charter_markdown, comment_charter, get_charter, get_creator_charter, launch_campaign, propose_charter,
    resolve_charter_comment, save_charter_section, sign_charter,
};
use self::creators::{
    add_creator, add_handle, add_note, apply_import, change_owner, creator_detail, discard_import, edit_profile,
    export_creators, get_board, get_creator, import_template, merge_creators, move_card, preview_import,
    set_next_action,
};
use self::fit::{get_fit, get_own_profile, get_profile, save_profile, settle_fit_item, track_record};

pub(crate) mod accounts;
pub(crate) mod campaigns;
pub(crate) mod charter;
pub(crate) mod creators;
pub(crate) mod fit;

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
        .route("/api/v1/campaigns/{id}/fit", get(get_fit))
        .route("/api/v1/campaigns/{id}/fit/settled", post(settle_fit_item))
        .route("/api/v1/org/profile", get(get_own_profile).put(save_profile))
        .route("/api/v1/orgs/{org_id}/profile", get(get_profile))
        .route("/api/v1/orgs/{org_id}/track-record", get(track_record))
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

pub(crate) fn with_cookie(resp: impl IntoResponse, cookie: String) -> Response {
    let mut resp = resp.into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

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
