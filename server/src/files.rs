//! Drafts' files: resumable chunked uploads (`/api/v1/…/uploads`) and serving them to the people allowed to
//! see them (`/files/{id}`), with headers that keep a hostile file from acting as a page.
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use app::content::uploads;
use app::content::StartUpload;
use app::error::{AppError, Result};
use app::media::storage::Storage;
use app::media::MediaKind;
use app::state::AppState;

use crate::api::ApiJson;
use crate::auth::{Auth, MaybeAuth};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/campaigns/{id}/deliverables/{deliverable_id}/uploads", post(start_upload))
        .route("/api/v1/uploads/{upload_id}", get(upload_state).put(put_chunk))
        .route("/files/{upload_id}", get(original))
        .route("/files/{upload_id}/thumb", get(thumb))
}

async fn start_upload(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<StartUpload>,
) -> Result<impl IntoResponse> {
    let state = uploads::start(&s.db, &who, id, deliverable_id, &input, s.max_upload_bytes).await?;
    Ok((StatusCode::CREATED, Json(state)))
}

async fn upload_state(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(upload_id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(uploads::state(&s.db, &who, &upload_id).await?))
}

#[derive(Deserialize)]
struct Offset {
    offset: Option<u64>,
}

/// `PUT /api/v1/uploads/{id}?offset=N` with the chunk's bytes as the body.
async fn put_chunk(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(upload_id): Path<String>,
    Query(q): Query<Offset>,
    body: Bytes,
) -> Result<impl IntoResponse> {
    let offset =
        q.offset.ok_or_else(|| AppError::validation("offset", "Say where this chunk starts: ?offset=<byte>"))?;
    Ok(Json(uploads::put_chunk(&s.db, s.files.as_ref(), &who, &upload_id, offset, &body).await?))
}

#[derive(Deserialize, Default)]
struct Download {
    #[serde(default)]
    download: Option<String>,
}

async fn original(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path(id): Path<String>,
    Query(q): Query<Download>,
    req: Request,
) -> Response {
    serve(s, who, id, false, q.download.is_some(), req).await.unwrap_or_else(|e| e.into_response())
}

async fn thumb(State(s): State<AppState>, MaybeAuth(who): MaybeAuth, Path(id): Path<String>, req: Request) -> Response {
    serve(s, who, id, true, false, req).await.unwrap_or_else(|e| e.into_response())
}

/// Only to partner members of the file's campaign and the creator who sent it; anyone else gets "not found".
async fn serve(
    s: AppState,
    who: Option<app::accounts::ssr::Principal>,
    id: String,
    thumb: bool,
    download: bool,
    req: Request,
) -> Result<Response> {
    let who = who.ok_or_else(|| AppError::not_found("File"))?;
    let file = uploads::servable(&s.db, &who, &id, thumb).await?;
    let path = s.files.local_path(&file.key).map_err(|_| AppError::not_found("File"))?;
    // Range requests (video scrubbing) and conditional requests come from ServeFile.
    let served = tower_http::services::ServeFile::new(path).try_call(req).await.map_err(|e| {
        tracing::error!(error = %e, "cannot read a stored file");
        AppError::internal()
    })?;
    let mut resp = served.map(axum::body::Body::new).into_response();
    if resp.status() == StatusCode::NOT_FOUND {
        return Err(AppError::not_found("File"));
    }
    let h = resp.headers_mut();
    set_file_headers(h, file.kind, &file.file_name, download);
    Ok(resp)
}

/// The type we found by content (never the name's), no sniffing, no scripts, and a download name.
fn set_file_headers(h: &mut HeaderMap, kind: MediaKind, file_name: &str, download: bool) {
    let static_value = HeaderValue::from_static;
    if let Ok(v) = HeaderValue::from_str(kind.mime()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert("x-content-type-options", static_value("nosniff"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        static_value("default-src 'none'; img-src 'self'; media-src 'self'; sandbox"),
    );
    h.insert("cross-origin-resource-policy", static_value("same-origin"));
    h.insert(header::CACHE_CONTROL, static_value("private, max-age=3600"));
    // Browsers show images and play video inline; anything else (HEIC) and explicit downloads are attachments.
    let inline = !download && (kind.is_video() || (kind.is_image() && kind != MediaKind::Heic));
    let ascii: String =
        file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    // RFC 5987's `filename*`: UTF-8, everything but letters, digits and `.-_` percent-encoded.
    const FILENAME: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_');
    let encoded = percent_encoding::utf8_percent_encode(file_name, FILENAME).to_string();
    let disposition =
        format!("{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}", if inline { "inline" } else { "attachment" });
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
}
