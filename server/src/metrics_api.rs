//! Performance numbers in the JSON API: tracked posts, daily figures (idempotent by key), and totals with KPIs.
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde_json::json;

use app::error::Result;
use app::metrics::import::ApplyMode;
use app::metrics::{import_ssr, kpi, ssr as metrics, Ingest, NewPost};
use app::state::AppState;

use crate::api::ApiJson;
use crate::auth::Auth;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/campaigns/{id}/posts", post(add_post))
        .route("/api/v1/campaigns/{id}/metrics", post(ingest))
        .route("/api/v1/campaigns/{id}/metrics/totals", get(totals))
        .route("/api/v1/campaigns/{id}/dashboard", get(dashboard))
        .route("/api/v1/campaigns/{id}/metrics.csv", get(export))
        .route("/api/v1/campaigns/{id}/cpm/{platform}", put(set_cpm))
        // CSV files of daily figures may reach 30 MB: the larger body limit is for this route only.
        .route(
            "/api/v1/campaigns/{id}/metric-imports",
            post(preview_import).layer(DefaultBodyLimit::max(app::metrics::import::MAX_BYTES + 64 * 1024)),
        )
        .route("/api/v1/campaigns/{id}/metric-imports/{import_id}/apply", post(apply_import))
        .route("/api/v1/campaigns/{id}/metric-imports/{import_id}", delete(discard_import))
        .route("/api/v1/metric-imports/template.csv", get(import_template))
}

#[derive(serde::Deserialize)]
struct ImportQuery {
    #[serde(default)]
    filename: String,
}

/// The file is the request body (text/csv); `?filename=` names it (the figures' source is `csv:<filename>`).
async fn preview_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    Query(q): Query<ImportQuery>,
    body: String,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(import_ssr::preview_metric_import(&s.db, &who, id, &q.filename, &body).await?)))
}

#[derive(serde::Deserialize)]
struct ApplyBody {
    mode: ApplyMode,
}

async fn apply_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, import_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<ApplyBody>,
) -> Result<impl IntoResponse> {
    Ok(Json(import_ssr::apply_metric_import(&s.db, &who, id, import_id, input.mode).await?))
}

async fn discard_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, import_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    import_ssr::discard_metric_import(&s.db, &who, id, import_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn import_template() -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"chorus-daily-figures-template.csv\""),
        ],
        app::metrics::import::template(),
    )
}

async fn add_post(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NewPost>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(metrics::add_post(&s.db, &who, id, &input).await?)))
}

async fn ingest(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<Ingest>,
) -> Result<impl IntoResponse> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    Ok(Json(metrics::ingest_figures(&s.db, &who, id, &input, key).await?))
}

/// Campaign totals and every KPI, each with its formula (`null` when it cannot be computed, e.g. no clicks).
async fn totals(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    let t = metrics::get_totals(&s.db, &who, id).await?;
    let kpis: serde_json::Map<String, serde_json::Value> =
        ["engagement_rate", "engagement_rate_reach", "cpe", "cpm", "cpc", "conversion_rate", "roas"]
            .into_iter()
            .map(|k| (k.to_string(), json!({ "value": kpi::by_key(k, &t), "formula": kpi::formula(k) })))
            .collect();
    Ok(Json(json!({ "totals": t, "engagements": t.engagements(), "spend_cents": t.spend_cents(), "kpis": kpis })))
}

async fn dashboard(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(metrics::get_dashboard(&s.db, &who, id).await?))
}

async fn export(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    let csv = metrics::export_metrics(&s.db, &who, id).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"campaign-{id}-figures.csv\"")),
        ],
        csv,
    ))
}

#[derive(serde::Deserialize)]
struct Cpm {
    cpm_cents: i64,
}

async fn set_cpm(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, platform)): Path<(i64, String)>,
    ApiJson(input): ApiJson<Cpm>,
) -> Result<impl IntoResponse> {
    metrics::set_cpm(&s.db, &who, id, &platform, input.cpm_cents).await?;
    Ok(StatusCode::NO_CONTENT)
}
