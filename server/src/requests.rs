//! Request hygiene in one place, as layers around the whole router:
//!
//! - [`screen_input`]: a NUL character (U+0000) in the path, a query parameter, any JSON string (or key) or any
//!   URL-encoded form field of a request (the REST API, server functions, form posts) is refused with 400 naming the
//!   field (`profile.notes`, `rows[3].day`, `form.name`); PostgreSQL cannot store one in text and answered 500. Any
//!   single string longer than [`MAX_STRING_CHARS`] is refused too (422), a backstop behind the domain's own limits.
//!   Other bodies (CSV files, upload chunks) pass untouched: their readers report problems by row and column.
//! - [`json_rejections`]: on the JSON API, axum's own refusals (a malformed path or query parameter, a body that is
//!   not JSON or too large, a method the endpoint does not take) answer in the one error shape, naming the parameter.
//! - [`server_fn_status`]: a server function's refusal answers with its code's status (401, 404, 409, 422…) as the
//!   REST API does, not 500; only internal errors stay 500 (and are logged as errors where they happen).
use std::fmt::Write as _;

use axum::body::{Body, Bytes};
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use app::error::{AppError, ErrorCode};

/// The longest single string (in characters) a request may carry in a JSON value or a form field.
pub const MAX_STRING_CHARS: usize = 100_000;

/// Fields that carry a whole file, left to that file's reader: (path, top-level field).
const FILE_FIELDS: &[(&str, &str)] = &[("/sfn/preview_import", "body")];

/// The largest JSON or form body [`screen_input`] reads (the router's body limit).
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Flaw {
    Nul,
    TooLong,
}

fn flaw(s: &str) -> Option<Flaw> {
    if s.contains('\0') {
        Some(Flaw::Nul)
    } else if s.len() > MAX_STRING_CHARS && s.chars().count() > MAX_STRING_CHARS {
        Some(Flaw::TooLong)
    } else {
        None
    }
}

/// A field name as it can be shown: NULs spelled out, at most 200 characters.
fn shown(field: &str) -> String {
    let field = if field.is_empty() { "body" } else { field };
    field.replace('\0', "\\u0000").chars().take(200).collect()
}

fn refusal(flaw: Flaw, field: &str) -> AppError {
    let field = shown(field);
    match flaw {
        Flaw::Nul => AppError {
            field: Some(field.clone()),
            ..AppError::new(
                ErrorCode::BadRequest,
                format!("`{field}` contains a NUL character (\\u0000), which text may not hold"),
            )
        },
        Flaw::TooLong => {
            AppError::validation(&field, format!("`{field}` is longer than {MAX_STRING_CHARS} characters"))
        }
    }
}

/// The first flaw in a JSON value, with the path of the string holding it (`rows[3].day`).
fn json_flaw(v: &Value, path: &mut String, skip: Option<&str>) -> Option<(Flaw, String)> {
    match v {
        Value::String(s) => flaw(s).map(|f| (f, path.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                if let found @ Some(_) = json_flaw(item, path, None) {
                    return found;
                }
                path.truncate(len);
            }
            None
        }
        Value::Object(map) => {
            for (key, item) in map {
                if skip == Some(key.as_str()) {
                    continue;
                }
                if let Some(f) = flaw(key) {
                    return Some((f, path.clone()));
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                if let found @ Some(_) = json_flaw(item, path, None) {
                    return found;
                }
                path.truncate(len);
            }
            None
        }
        _ => None,
    }
}

/// A form key as a field path: `form[name]` is `form.name`, `rows[0][day]` is `rows[0].day`.
fn form_field(key: &str) -> String {
    let mut parts = key.split('[');
    let mut out = parts.next().unwrap_or("").to_string();
    for part in parts {
        let part = part.strip_suffix(']').unwrap_or(part);
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            let _ = write!(out, "[{part}]");
        } else {
            out.push('.');
            out.push_str(part);
        }
    }
    out
}

/// The first flaw in URL-encoded pairs (a form body or a query string), with the field holding it.
fn form_flaw(encoded: &[u8], skip: Option<&str>) -> Option<(Flaw, String)> {
    for (key, value) in form_urlencoded::parse(encoded) {
        let field = form_field(&key);
        if skip == Some(field.as_str()) {
            continue;
        }
        if let Some(f) = flaw(&key).or_else(|| flaw(&value)) {
            return Some((f, field));
        }
    }
    None
}

fn uri_flaw(uri: &Uri) -> Option<AppError> {
    let path = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy();
    if let Some(f) = flaw(&path) {
        return Some(refusal(f, "path"));
    }
    let query = uri.query()?;
    form_flaw(query.as_bytes(), None).map(|(f, field)| refusal(f, &field))
}

enum BodyKind {
    Json,
    Form,
}

fn body_kind(headers: &HeaderMap) -> Option<BodyKind> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Some(BodyKind::Json)
    } else if essence == "application/x-www-form-urlencoded" {
        Some(BodyKind::Form)
    } else {
        None
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn body_flaw(kind: &BodyKind, bytes: &[u8], skip: Option<&str>) -> Option<(Flaw, String)> {
    // Most bodies are short and hold no NUL: nothing to parse.
    let may_hold_nul =
        bytes.contains(&0) || contains(bytes, if matches!(kind, BodyKind::Json) { b"\\u0000" } else { b"%00" });
    if !may_hold_nul && bytes.len() <= MAX_STRING_CHARS {
        return None;
    }
    match kind {
        // A body that is not JSON is the handler's to refuse (it names what is wrong with it).
        BodyKind::Json => {
            serde_json::from_slice::<Value>(bytes).ok().and_then(|v| json_flaw(&v, &mut String::new(), skip))
        }
        BodyKind::Form => form_flaw(bytes, skip),
    }
}

fn too_large(limit: usize) -> Response {
    let mb = limit.div_ceil(1024 * 1024);
    AppError::new(ErrorCode::PayloadTooLarge, format!("The request body is larger than {mb} MB")).into_response()
}

/// Refuses a NUL character anywhere in a request's text, and any single string over [`MAX_STRING_CHARS`], naming
/// the field; JSON and URL-encoded bodies are read here (up to the body limit) and handed on unchanged.
pub async fn screen_input(State(limit): State<BodyLimit>, req: Request, next: Next) -> Response {
    if let Some(e) = uri_flaw(req.uri()) {
        tracing::debug!(uri = %req.uri(), field = ?e.field, "refused text in the address");
        return e.into_response();
    }
    let Some(kind) = body_kind(req.headers()) else { return next.run(req).await };
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, limit.0).await {
        Ok(b) => b,
        Err(e) => {
            return match e.into_inner().downcast_ref::<http_body_util::LengthLimitError>() {
                Some(_) => too_large(limit.0),
                None => AppError::new(ErrorCode::BadRequest, "The request body could not be read").into_response(),
            };
        }
    };
    let path = parts.uri.path();
    let skip = FILE_FIELDS.iter().find(|(p, _)| *p == path).map(|(_, f)| *f);
    if let Some((f, field)) = body_flaw(&kind, &bytes, skip) {
        let e = refusal(f, &field);
        tracing::debug!(uri = %parts.uri, field = ?e.field, "refused text in the body");
        return e.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn is_json(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"))
}

fn code_for(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::Conflict,
        413 => ErrorCode::PayloadTooLarge,
        422 => ErrorCode::Validation,
        429 => ErrorCode::RateLimited,
        s if s >= 500 => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    }
}

/// What a Rust type name means to someone writing a URL.
fn kind_of(ty: &str) -> String {
    match ty {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "bool" => "true or false".into(),
        other => format!("a `{other}`"),
    }
}

/// Names the path parameter in axum's "Cannot parse …" (after "Invalid URL: ").
fn path_problem(detail: &str, params: &[(String, String)]) -> (Option<String>, String) {
    let bits: Vec<&str> = detail.split('`').collect();
    let (field, value, ty) = match bits.as_slice() {
        // Cannot parse `id` with value `abc` to a `i64`
        [_, key, " with value ", value, " to a ", ty, ""] => (Some(key.to_string()), *value, *ty),
        // Cannot parse value at index 1 with value `abc` to a `i64`
        [head, value, " to a ", ty, ""] if head.starts_with("Cannot parse value at index ") => {
            let index = head
                .trim_start_matches("Cannot parse value at index ")
                .split(' ')
                .next()
                .and_then(|i| i.parse::<usize>().ok());
            (index.and_then(|i| params.get(i)).map(|(k, _)| k.clone()), *value, *ty)
        }
        // Cannot parse `abc` to a `i64`
        ["Cannot parse ", value, " to a ", ty, ""] => {
            let by_value =
                params.iter().find(|(_, v)| v == value).or(if params.len() == 1 { params.first() } else { None });
            (by_value.map(|(k, _)| k.clone()), *value, *ty)
        }
        _ => return (None, format!("Invalid URL: {detail}")),
    };
    let message = match &field {
        Some(f) => format!("The path parameter `{f}` must be {} (got `{value}`)", kind_of(ty)),
        None => format!("A path parameter must be {} (got `{value}`)", kind_of(ty)),
    };
    (field, message)
}

/// Axum's plain-text refusal as an [`AppError`], naming the parameter or field where the text tells it.
fn describe_rejection(status: StatusCode, text: &str, params: &[(String, String)]) -> AppError {
    let code = code_for(status);
    let text = text.trim();
    let (field, message) = if let Some(detail) = text.strip_prefix("Invalid URL: ") {
        path_problem(detail, params)
    } else if let Some(detail) = text.strip_prefix("Failed to deserialize query string: ") {
        match detail.split_once(": ") {
            Some((name, why)) if !name.contains(' ') => {
                (Some(name.to_string()), format!("The query parameter `{name}` is invalid: {why}"))
            }
            _ => (None, format!("The query string is invalid: {detail}")),
        }
    } else if text.contains("Failed to deserialize the JSON body") {
        let (field, detail) = crate::api::describe_data_error(text);
        (field, format!("Invalid request body: {detail}"))
    } else if status == StatusCode::PAYLOAD_TOO_LARGE {
        (None, "The request body is too large".to_string())
    } else if status == StatusCode::METHOD_NOT_ALLOWED {
        (None, "This endpoint does not take this method".to_string())
    } else if text.is_empty() {
        (None, status.canonical_reason().unwrap_or("Refused").to_string())
    } else {
        (None, text.to_string())
    };
    AppError { field, ..AppError::new(code, message) }
}

/// On the JSON API (a route layer, so the matched route's parameters are known): every error answer that is not
/// already JSON, which means one of axum's own refusals, is turned into the one error shape, its status kept.
pub async fn json_rejections(
    params: Result<RawPathParams, RawPathParamsRejection>,
    req: Request,
    next: Next,
) -> Response {
    let params: Vec<(String, String)> =
        params.map(|p| p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap_or_default();
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(resp.headers()) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let e = describe_rejection(status, &text, &params);
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), text, "the API refused a request with a plain-text error");
    } else {
        tracing::debug!(status = status.as_u16(), text, "the API refused a request");
    }
    let json = serde_json::to_vec(&e).unwrap_or_default();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json))
}

/// A server function's error answer (marked by server_fn's `serverfnerror` header, always 500) gets the status of its
/// error's code, the one the REST API gives it. The body, the error as JSON, is unchanged: the browser's server-fn
/// client reads any 4xx or 5xx answer as the error.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !resp.headers().contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if let Ok(e) = serde_json::from_slice::<AppError>(&bytes) {
        if e.code != ErrorCode::Internal {
            tracing::debug!(code = ?e.code, field = ?e.field, message = %e.message, "a server function refused a request");
            parts.status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if e.code == ErrorCode::Unavailable {
                parts.headers.insert(header::RETRY_AFTER, app::error::RETRY_AFTER_SECONDS.into());
            }
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json_field(v: Value) -> Option<(Flaw, String)> {
        json_flaw(&v, &mut String::new(), None)
    }

    #[test]
    fn json_flaws_are_named_by_their_path() {
        assert_eq!(
            json_field(json!({ "name": "Ava", "profile": { "notes": "a\u{0}b" } })),
            Some((Flaw::Nul, "profile.notes".into()))
        );
        assert_eq!(
            json_field(json!({ "rows": [{ "day": "x" }, { "day": "\u{0}" }] })),
            Some((Flaw::Nul, "rows[1].day".into()))
        );
        assert_eq!(
            json_field(json!({ "text": "x".repeat(MAX_STRING_CHARS + 1) })),
            Some((Flaw::TooLong, "text".into()))
        );
        assert_eq!(json_field(json!({ "text": "é".repeat(MAX_STRING_CHARS) })), None);
        assert_eq!(json_field(json!(["\u{0}"])), Some((Flaw::Nul, "[0]".into())));
        assert_eq!(json_field(json!({ "a\u{0}": 1 })), Some((Flaw::Nul, "".into())));
        assert_eq!(json_flaw(&json!({ "body": "a\u{0}", "filename": "x" }), &mut String::new(), Some("body")), None);
    }

    #[test]
    fn form_flaws_are_named_by_their_field() {
        assert_eq!(form_flaw(b"email=a%00b&password=x", None), Some((Flaw::Nul, "email".into())));
        assert_eq!(form_flaw(b"campaign_id=1&form%5Bname%5D=a%00", None), Some((Flaw::Nul, "form.name".into())));
        assert_eq!(form_flaw(b"rows[0][day]=%00", None), Some((Flaw::Nul, "rows[0].day".into())));
        assert_eq!(form_flaw(b"email=a%2500b", None), None);
        assert_eq!(body_flaw(&BodyKind::Json, br#"{"a":"\\u0000"}"#, None), None);
        assert_eq!(body_flaw(&BodyKind::Json, br#"{"a":"\u0000"}"#, None), Some((Flaw::Nul, "a".into())));
        assert_eq!(shown("a\u{0}"), "a\\u0000");
    }

    #[test]
    fn path_rejections_name_the_parameter() {
        let params = vec![("id".to_string(), "7".to_string()), ("creator_id".to_string(), "abc".to_string())];
        let (f, m) = path_problem("Cannot parse value at index 1 with value `abc` to a `i64`", &params);
        assert_eq!(
            (f.as_deref(), m.as_str()),
            (Some("creator_id"), "The path parameter `creator_id` must be a whole number (got `abc`)")
        );
        let (f, _) = path_problem("Cannot parse `abc` to a `i64`", &[("id".into(), "abc".into())]);
        assert_eq!(f.as_deref(), Some("id"));
        let (f, _) = path_problem("Cannot parse `id` with value `x` to a `u32`", &[]);
        assert_eq!(f.as_deref(), Some("id"));
        let e = describe_rejection(
            StatusCode::BAD_REQUEST,
            "Failed to deserialize query string: after: invalid digit found in string",
            &[],
        );
        assert_eq!((e.code, e.field.as_deref()), (ErrorCode::BadRequest, Some("after")));
        let e = describe_rejection(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Failed to buffer the request body: length limit exceeded",
            &[],
        );
        assert_eq!(e.code, ErrorCode::PayloadTooLarge);
    }
}
