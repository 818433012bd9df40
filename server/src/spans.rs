//! One span per request, and one log line per response.
//!
//! The span `request` carries the method, the matched route (`/api/v1/campaigns/{id}/board`; the request's
//! path where no route matched, e.g. a static file), the campaign id when the path names one, and the kind of
//! principal (`partner`, `token`, `creator` or `anonymous`), which the authentication records once it knows it
//! (`app::accounts::ssr::record_principal`, called by the extractors in auth.rs and by `current_principal`
//! for pages and server functions). Every log line written while the request is handled carries these fields.
//!
//! Levels: the response line (status, latency) is `info`; tower-http's "started processing request" stays
//! `debug`, and 5xx answers are also logged by tower-http as errors.
use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnBodyChunk, DefaultOnEos, DefaultOnFailure, DefaultOnRequest, TraceLayer};
use tracing::{field, Span};

/// The router's trace layer.
pub type Layer = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    RequestSpan,
    DefaultOnRequest,
    ResponseLine,
    DefaultOnBodyChunk,
    DefaultOnEos,
    DefaultOnFailure,
>;

pub fn layer() -> Layer {
    TraceLayer::new_for_http().make_span_with(RequestSpan).on_response(ResponseLine)
}

/// Makes the `request` span (see the module's documentation).
#[derive(Clone, Copy, Debug)]
pub struct RequestSpan;

impl<B> tower_http::trace::MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let path = request.uri().path();
        let matched = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            route = %matched.unwrap_or(path),
            campaign = field::Empty,
            principal = field::Empty,
        );
        if let Some(campaign) = matched.and_then(|route| campaign_in(route, path)) {
            span.record("campaign", campaign);
        }
        span
    }
}

/// Logs `response` with the status and the latency in milliseconds, inside the request's span.
#[derive(Clone, Copy, Debug)]
pub struct ResponseLine;

impl<B> tower_http::trace::OnResponse<B> for ResponseLine {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        let latency_ms = (latency.as_secs_f64() * 100_000.0).round() / 100.0;
        tracing::info!(status = response.status().as_u16(), latency_ms, "response");
    }
}

/// The campaign id in `path` where `route` has a parameter right after a `campaigns` segment
/// (`/api/v1/campaigns/{id}/…`, `/campaigns/{id}`).
pub fn campaign_in(route: &str, path: &str) -> Option<i64> {
    let route: Vec<&str> = route.split('/').collect();
    let at = route.windows(2).position(|w| w[0] == "campaigns" && w[1].starts_with(['{', ':']))? + 1;
    path.split('/').nth(at)?.parse().ok()
}

/// Gives the request a `PrincipalSlot` and, once the answer is ready, records the principal kind it holds on the
/// request's span (runs inside the span: added to the router before `layer()`).
pub async fn principal_slot(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let slot = app::accounts::ssr::PrincipalSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    if let Some(kind) = slot.0.get() {
        Span::current().record("principal", field::display(kind));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::campaign_in;

    #[test]
    fn the_campaign_is_read_where_the_route_has_its_parameter() {
        assert_eq!(campaign_in("/api/v1/campaigns/{id}/board", "/api/v1/campaigns/42/board"), Some(42));
        assert_eq!(campaign_in("/campaigns/{id}", "/campaigns/7"), Some(7));
        assert_eq!(campaign_in("/campaigns/{id}/content", "/campaigns/7/content"), Some(7));
        assert_eq!(campaign_in("/api/v1/campaigns", "/api/v1/campaigns"), None);
        assert_eq!(campaign_in("/api/v1/campaigns/{id}", "/api/v1/campaigns/abc"), None);
        assert_eq!(campaign_in("/api/v1/tokens/{id}", "/api/v1/tokens/3"), None);
    }
}
