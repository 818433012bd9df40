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
        .route("/api/v1/campaigns/{id}/metrics", post(ingest_figures))
        .route("/api/v1/campaigns/{id}/metrics/totals", get(get_totals))
        .route("/api/v1/campaigns/{id}/dashboard", get(get_dashboard))
        .route("/api/v1/campaigns/{id}/metrics.csv", get(export_metrics))
        .route("/api/v1/campaigns/{id}/cpm/{platform}", put(set_cpm))
        // CSV files of daily figures may reach 30 MB: the larger body limit is for this route only.
        .route(
            "/api/v1/campaigns/{id}/metric-imports",
            post(preview_metric_import).layer(DefaultBodyLimit::max(app::metrics::import::MAX_BYTES + 64 * 1024)),
        )
        .route("/api/v1/campaigns/{id}/metric-imports/{import_id}/apply", post(apply_metric_import))
        .route("/api/v1/campaigns/{id}/metric-imports/{import_id}", delete(discard_metric_import))
        .route("/api/v1/metric-imports/template.csv", get(import_template))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    #[serde(default)]
    filename: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/metric-imports",
    tag = "metrics",
    summary = "Upload a CSV of daily figures for a preview: problems by row and column, ignored columns; nothing is written yet",
    description = "Columns: post_id (or post_url / url), day (YYYY-MM-DD in the campaign's time zone), impressions, reach, views, likes, comments, shares, saves, clicks, conversions, and money as revenue, fee, product, paid (currency units) or *_cents. At most 200,000 rows and 30 MB. Template: /api/v1/metric-imports/template.csv",
    params(("id" = i64, Path, description = "Campaign id"), ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The file"),
    responses(
        (status = 201, description = "The preview", body = app::metrics::import::MetricImportPreview),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 413, description = "Larger than 30 MB (`code: \"payload_too_large\"`)", body = app::error::AppError),
        (status = 422, description = "The file cannot be read as CSV", body = app::error::AppError),
    )
)]
/// The file is the request body (text/csv); `?filename=` names it (the figures' source is `csv:<filename>`).
async fn preview_metric_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    Query(q): Query<ImportQuery>,
    body: String,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(import_ssr::preview_metric_import(&s.db, &who, id, &q.filename, &body).await?)))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ApplyImport)]
struct ApplyBody {
    mode: ApplyMode,
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/metric-imports/{import_id}/apply",
    tag = "metrics",
    summary = "Import all (refused whole if any row has a problem) or only the valid rows; applying again returns the first result or resumes an interrupted import",
    description = "Partners only.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("import_id" = i64, Path, description = "From the preview"),
    ),
    request_body = ApplyBody,
    responses(
        (status = 200, description = "Imported", body = app::metrics::import::MetricImportResult),
        (status = 404, description = "No such import of this campaign", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
async fn apply_metric_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, import_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<ApplyBody>,
) -> Result<impl IntoResponse> {
    Ok(Json(import_ssr::apply_metric_import(&s.db, &who, id, import_id, input.mode).await?))
}

#[utoipa::path(
    delete,
    path = "/api/v1/campaigns/{id}/metric-imports/{import_id}",
    tag = "metrics",
    summary = "Import nothing: discard a preview",
    description = "Partners only.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("import_id" = i64, Path, description = "From the preview"),
    ),
    responses(
        (status = 204, description = "Discarded"),
        (status = 404, description = "No such import of this campaign", body = app::error::AppError),
    )
)]
async fn discard_metric_import(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, import_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    import_ssr::discard_metric_import(&s.db, &who, id, import_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/api/v1/metric-imports/template.csv",
    tag = "metrics",
    security(()),
    summary = "The CSV template for daily figures",
    responses((status = 200, description = "The template", body = String, content_type = "text/csv"))
)]
async fn import_template() -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"chorus-daily-figures-template.csv\""),
        ],
        app::metrics::import::template(),
    )
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/posts",
    tag = "metrics",
    summary = "Track a post (or UGC asset) of a creator of the pool",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = app::metrics::NewPost,
    responses(
        (status = 201, description = "Tracked", body = app::metrics::Post),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 409, description = "This URL is already tracked (`current.post_id`)", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
async fn add_post(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NewPost>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(metrics::add_post(&s.db, &who, id, &input).await?)))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/metrics",
    tag = "metrics",
    summary = "Send daily figures per post: all rows or none; a changed figure is a correction, kept with its old values",
    description = "Partners only (a partner's API token works). Days are in the campaign's time zone and may not be in the future; counts may not be negative; unknown fields are refused. At most 5,000 rows per call.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the first answer and applies nothing twice"),
    ),
    request_body = app::metrics::Ingest,
    responses(
        (status = 200, description = "Written", body = app::metrics::IngestResult),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it, e.g. `rows[3].likes`); nothing of the batch was written", body = app::error::AppError),
    )
)]
async fn ingest_figures(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<Ingest>,
) -> Result<impl IntoResponse> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    Ok(Json(metrics::ingest_figures(&s.db, &who, id, &input, key).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/metrics/totals",
    tag = "metrics",
    summary = "Campaign totals and every KPI with its formula (`null` when a denominator is zero); amounts in minor units of `currency`, costs in its units",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = crate::openapi::MetricTotals),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
/// Campaign totals and every KPI, each with its formula (`null` when it cannot be computed, e.g. no clicks).
async fn get_totals(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    let t = metrics::get_totals(&s.db, &who, id).await?;
    let mut conn = s.db.pool.acquire().await?;
    let currency = app::money::ssr::campaign_money(&mut conn, id).await?.currency;
    let kpis: serde_json::Map<String, serde_json::Value> =
        ["engagement_rate", "engagement_rate_reach", "cpe", "cpm", "cpc", "conversion_rate", "roas"]
            .into_iter()
            .map(|k| (k.to_string(), json!({ "value": kpi::by_key(k, &t, &currency), "formula": kpi::formula(k) })))
            .collect();
    Ok(Json(json!({
        "totals": t, "engagements": t.engagements(), "spend_cents": t.spend_cents(), "currency": currency, "kpis": kpis
    })))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/dashboard",
    tag = "metrics",
    summary = "The shared dashboard: totals, cuts by lane, partner, tier, creator and platform, daily points, pacing, budget, CPMs and EMV, escalations and the tracked posts",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = app::metrics::Dashboard),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
async fn get_dashboard(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(metrics::get_dashboard(&s.db, &who, id).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/metrics.csv",
    tag = "metrics",
    summary = "The daily figures as CSV: one row per post and day",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "CSV", body = String, content_type = "text/csv"),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
async fn export_metrics(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    let csv = metrics::export_metrics(&s.db, &who, id).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"campaign-{id}-figures.csv\"")),
        ],
        csv,
    ))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
struct Cpm {
    cpm_cents: i64,
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/cpm/{platform}",
    tag = "metrics",
    summary = "Set the CPM a platform's earned media value is estimated with",
    description = "Partners only.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("platform" = String, Path, description = "instagram, tiktok, youtube, x, twitch or other"),
    ),
    request_body = Cpm,
    responses(
        (status = 204, description = "Saved"),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field` names it)", body = app::error::AppError),
    )
)]
async fn set_cpm(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, platform)): Path<(i64, String)>,
    ApiJson(input): ApiJson<Cpm>,
) -> Result<impl IntoResponse> {
    metrics::set_cpm(&s.db, &who, id, &platform, input.cpm_cents).await?;
    Ok(StatusCode::NO_CONTENT)
}
