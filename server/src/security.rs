//! Refuses cross-site requests: mutating requests and WebSocket upgrades whose Origin is not ours.
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;

#[derive(Clone)]
pub struct Origins(pub std::sync::Arc<Vec<String>>);

fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// `true` when the request's Origin (or, lacking it, Sec-Fetch-Site) shows it came from another site.
pub fn is_foreign(headers: &HeaderMap, allowed: &[String]) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin == "null" {
            return true;
        }
        if allowed.iter().any(|a| a.trim_end_matches('/') == origin) {
            return false;
        }
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        return !origin_host.eq_ignore_ascii_case(host);
    }
    headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v == "cross-site")
}

pub async fn refuse_foreign_origins(State(origins): State<Origins>, req: Request, next: Next) -> Response {
    let mutating = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if (mutating || is_upgrade(req.headers())) && is_foreign(req.headers(), &origins.0) {
        tracing::warn!(method = %req.method(), uri = %req.uri(), "refused a cross-origin request");
        return AppError::forbidden("Cross-origin request refused").into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_our_own_origin_passes() {
        let host = ("host", "chorus.example:3000");
        assert!(!is_foreign(&headers(&[host, ("origin", "http://chorus.example:3000")]), &[]));
        assert!(!is_foreign(&headers(&[host, ("origin", "https://chorus.example:3000")]), &[]));
        assert!(is_foreign(&headers(&[host, ("origin", "http://evil.example")]), &[]));
        assert!(is_foreign(&headers(&[host, ("origin", "http://chorus.example:3000.evil.example")]), &[]));
        assert!(is_foreign(&headers(&[host, ("origin", "null")]), &[]));
        assert!(!is_foreign(&headers(&[host, ("origin", "https://app.example")]), &["https://app.example/".into()]));
        // No Origin: decided by Sec-Fetch-Site when the browser sends it; integrations send neither.
        assert!(is_foreign(&headers(&[host, ("sec-fetch-site", "cross-site")]), &[]));
        assert!(!is_foreign(&headers(&[host, ("sec-fetch-site", "same-origin")]), &[]));
        assert!(!is_foreign(&headers(&[host]), &[]));
    }
}
