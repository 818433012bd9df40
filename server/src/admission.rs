//! Admission to the database: at most `Db::request_slots` requests use it at once, the others wait their turn
//! (first come, first served) for up to `QUEUE_WAIT`.
//!
//! Without it a burst of requests waits inside the connection pool, whose acquire timeout is short on purpose
//! (2 s: when the database is down, requests get their 503 quickly). A busy pool and a database that is down
//! then look alike, and a burst of a few hundred writes gets 503s although nothing is wrong. With it, a request
//! that is let in finds a connection at once; one that waited `QUEUE_WAIT` in vain gets a 503 saying the server
//! is busy, with `Retry-After`.
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::sync::Semaphore;

use app::error::{AppError, ErrorCode};

/// How long a request waits for its turn before it is told the server is busy.
pub const QUEUE_WAIT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct Admission(pub Arc<Semaphore>);

impl Admission {
    pub fn new(slots: usize) -> Admission {
        Admission(Arc::new(Semaphore::new(slots)))
    }
}

/// Files that never touch the database: the bundles and the public folder's assets.
fn is_static(req: &Request) -> bool {
    let path = req.uri().path();
    if path.starts_with("/pkg/") || path == "/healthz" {
        return true;
    }
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    matches!(ext, "js" | "css" | "wasm" | "png" | "svg" | "ico" | "webp" | "woff2" | "webmanifest" | "txt")
        && !path.starts_with("/api/")
}

pub async fn admit(State(admission): State<Admission>, req: Request, next: Next) -> Response {
    if is_static(&req) {
        return next.run(req).await;
    }
    let permit = match tokio::time::timeout(QUEUE_WAIT, admission.0.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => {
            tracing::warn!(path = %req.uri().path(), "request waited {QUEUE_WAIT:?} for the database: answered busy");
            return AppError::new(ErrorCode::Unavailable, "The server is busy; try again in a moment").into_response();
        }
    };
    let resp = next.run(req).await;
    // A page's HTML streams out while its data loads: the turn lasts until the last byte. Other answers (a CSV
    // export a slow client reads for minutes) have used the database by the time their headers are out.
    let streams_data = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !streams_data {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let body = body.into_data_stream().map(move |chunk| {
        let _turn = &permit;
        chunk
    });
    Response::from_parts(parts, Body::from_stream(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_skip_the_queue_and_the_api_does_not() {
        let req = |p: &str| Request::builder().uri(p).body(Body::empty()).unwrap();
        assert!(is_static(&req("/pkg/board.abc.wasm")));
        assert!(is_static(&req("/sw.js")));
        assert!(is_static(&req("/healthz")));
        assert!(!is_static(&req("/api/v1/campaigns/1/board")));
        assert!(!is_static(&req("/api/v1/campaigns/1/export.csv")));
        assert!(!is_static(&req("/campaigns/1/board")));
    }
}
