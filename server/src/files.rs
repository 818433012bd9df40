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
use app::media::s3::S3Storage;
use app::media::storage::Files;
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

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/uploads",
    tag = "content",
    summary = "Start (or, with the same `client_key`, resume) the upload of one file of a draft",
    description = "Only the creator the deliverable is addressed to. Then send the bytes with `PUT /api/v1/uploads/{upload_id}?offset=N`, continuing at `received`.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("deliverable_id" = i64, Path, description = "Deliverable id"),
    ),
    request_body = app::content::StartUpload,
    responses(
        (status = 201, description = "Started (or the upload already under way)", body = app::content::UploadState),
        (status = 404, description = "No such deliverable, or not yours", body = app::error::AppError),
        (status = 409, description = "No new draft is expected now", body = app::error::AppError),
        (status = 422, description = "`size` is zero or over the limit, or `client_key` is empty, too long or belongs to another file", body = app::error::AppError),
    )
)]
async fn start_upload(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, deliverable_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<StartUpload>,
) -> Result<impl IntoResponse> {
    let state = uploads::start_upload(&s.db, &who, id, deliverable_id, &input, s.max_upload_bytes).await?;
    Ok((StatusCode::CREATED, Json(state)))
}

#[utoipa::path(
    get,
    path = "/api/v1/uploads/{upload_id}",
    tag = "content",
    summary = "An upload's state: continue at `received` after a lost connection",
    description = "Only the creator who started it.",
    params(("upload_id" = String, Path, description = "From `UploadState.id`")),
    responses(
        (status = 200, description = "OK", body = app::content::UploadState),
        (status = 404, description = "No such upload of yours", body = app::error::AppError),
    )
)]
async fn upload_state(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(upload_id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(uploads::upload_state(&s.db, &who, &upload_id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Offset {
    offset: Option<u64>,
}

#[utoipa::path(
    put,
    path = "/api/v1/uploads/{upload_id}",
    tag = "content",
    summary = "Send a chunk of the file's bytes, starting at `offset`",
    description = "Only the creator who started the upload. Sending a chunk that already arrived again answers with the current state and appends nothing. When the last byte arrives the whole file is checked.",
    params(("upload_id" = String, Path, description = "From `UploadState.id`"), Offset),
    request_body(content = crate::openapi::Binary, content_type = "application/octet-stream", description = "The chunk: at most 8 MiB"),
    responses(
        (status = 200, description = "The upload's state after the chunk", body = app::content::UploadState),
        (status = 404, description = "No such upload of yours", body = app::error::AppError),
        (status = 409, description = "The upload does not continue at `offset`: `current` is the `UploadState` (resume at its `received`)", body = app::error::AppError),
        (status = 422, description = "Refused: the file by its content (`field: \"file\"`), its size (`field: \"size\"`), `offset` missing or past the size, or a chunk too large or a first chunk too small (`field: \"chunk\"`)", body = app::error::AppError),
    )
)]
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

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Download {
    #[serde(default)]
    download: Option<String>,
}

#[utoipa::path(
    get,
    path = "/files/{upload_id}",
    tag = "content",
    summary = "A submitted file, for the partners of its campaign and the creator who sent it",
    description = "Not under /api/v1. Serves the original bytes with headers that keep a hostile file from acting as a page. Range and conditional requests are supported.",
    params(("upload_id" = String, Path, description = "From `UploadState.id`"), Download),
    responses(
        (status = 200, description = "The file, typed by its content; inline for images and videos, an attachment for HEIC and with `?download`", content((crate::openapi::Binary = "image/jpeg"), (crate::openapi::Binary = "image/png"), (crate::openapi::Binary = "image/gif"), (crate::openapi::Binary = "image/webp"), (crate::openapi::Binary = "image/heic"), (crate::openapi::Binary = "video/mp4"), (crate::openapi::Binary = "video/quicktime"), (crate::openapi::Binary = "video/webm"))),
        (status = 206, description = "A byte range of the file (with Content-Range)", content((crate::openapi::Binary = "image/jpeg"), (crate::openapi::Binary = "image/png"), (crate::openapi::Binary = "image/gif"), (crate::openapi::Binary = "image/webp"), (crate::openapi::Binary = "image/heic"), (crate::openapi::Binary = "video/mp4"), (crate::openapi::Binary = "video/quicktime"), (crate::openapi::Binary = "video/webm"))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such file, or not yours to see", body = app::error::AppError),
        (status = 416, description = "Range not satisfiable"),
    )
)]
async fn original(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path(id): Path<String>,
    Query(q): Query<Download>,
    req: Request,
) -> Response {
    serve(s, who, id, false, q.download.is_some(), req).await.unwrap_or_else(|e| e.into_response())
}

#[utoipa::path(
    get,
    path = "/files/{upload_id}/thumb",
    tag = "content",
    summary = "A file's preview (a JPEG), for the partners of its campaign and the creator who sent it",
    description = "Not under /api/v1. Same headers as the file.",
    params(("upload_id" = String, Path, description = "From `UploadState.id`")),
    responses(
        (status = 200, description = "The preview", content((crate::openapi::Binary = "image/jpeg"))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No preview, no such file, or not yours to see", body = app::error::AppError),
    )
)]
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
    let mut resp = match s.files.as_ref() {
        Files::Local(local) => {
            let path = local.local_path(&file.key).map_err(|_| AppError::not_found("File"))?;
            // Range requests (video scrubbing) and conditional requests come from ServeFile.
            let served = tower_http::services::ServeFile::new(path).try_call(req).await.map_err(|e| {
                tracing::error!(error = %e, "cannot read a stored file");
                AppError::internal()
            })?;
            served.map(axum::body::Body::new).into_response()
        }
        Files::S3(store) => from_object_store(store, &file.key, req.headers()).await?,
    };
    if resp.status() == StatusCode::NOT_FOUND {
        return Err(AppError::not_found("File"));
    }
    let h = resp.headers_mut();
    set_file_headers(h, file.kind, &file.file_name, download);
    Ok(resp)
}

/// Streams an object through (so it gets the same headers as a local file), passing the client's range and cache
/// validators to the store and its answer (200, 206, 304, 416) back.
async fn from_object_store(store: &S3Storage, key: &str, headers: &HeaderMap) -> Result<Response> {
    let fetched = store.fetch(key, headers).await.map_err(|e| {
        tracing::error!(error = %e, "cannot read a stored object");
        AppError::internal()
    })?;
    let status = StatusCode::from_u16(fetched.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    if status == StatusCode::NOT_FOUND {
        return Err(AppError::not_found("File"));
    }
    if !(status.is_success() || status == StatusCode::NOT_MODIFIED || status == StatusCode::RANGE_NOT_SATISFIABLE) {
        tracing::error!(%status, "the object store refused a download");
        return Err(AppError::internal());
    }
    let mut resp = Response::builder().status(status);
    for name in
        [header::CONTENT_LENGTH, header::CONTENT_RANGE, header::ACCEPT_RANGES, header::ETAG, header::LAST_MODIFIED]
    {
        if let Some(v) = fetched.headers().get(name.as_str()).and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
            resp = resp.header(name, v);
        }
    }
    let body = axum::body::Body::from_stream(fetched.bytes_stream());
    resp.body(body).map_err(|_| AppError::internal())
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
