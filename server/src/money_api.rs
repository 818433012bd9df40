//! Money in the JSON API: the campaign's currency and payout terms, a creator's agreed currency, exchange rates,
//! budget shares per partner, the payout ledger (JSON and CSV), and the creator's payouts across campaigns.
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use app::error::Result;
use app::money::ssr as money;
use app::money::{NewRate, SetBudgetShare, SetCreatorCurrency, SetCurrency, SetPayoutState, SetTerms};
use app::state::AppState;

use crate::api::ApiJson;
use crate::auth::Auth;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/campaigns/{id}/payouts", get(get_ledger))
        .route("/api/v1/campaigns/{id}/payouts.csv", get(export_ledger))
        .route("/api/v1/campaigns/{id}/payouts/{payout_id}", get(get_payout))
        .route("/api/v1/campaigns/{id}/payouts/{payout_id}/state", put(set_payout_state))
        .route("/api/v1/campaigns/{id}/currency", put(set_currency))
        .route("/api/v1/campaigns/{id}/payout-terms", put(set_terms))
        .route("/api/v1/campaigns/{id}/creators/{creator_id}/payout-currency", put(set_creator_currency))
        .route("/api/v1/campaigns/{id}/exchange-rates", post(add_rate))
        .route("/api/v1/campaigns/{id}/exchange-rates/import", post(import_rates))
        .route("/api/v1/campaigns/{id}/budget-shares", put(set_budget_share))
        .route("/api/v1/portal/payouts", get(my_payouts))
        .route("/api/v1/portal/payouts.csv", get(export_my_payouts))
}

fn key(headers: &HeaderMap) -> Option<String> {
    headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string)
}

fn csv(name: String, body: String) -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/payouts",
    tag = "money",
    summary = "The payout ledger: a line per approved deliverable (creator, amount and currency, payer, terms, due date, state), totals owed and paid in the campaign's currency (a missing exchange rate blocks a total and is named), rates, budget shares per partner",
    description = "Partners only: every line of the campaign (the shared truth).",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = app::money::Ledger),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
async fn get_ledger(State(s): State<AppState>, Auth(who): Auth, Path(id): Path<i64>) -> Result<impl IntoResponse> {
    Ok(Json(money::ledger(&s.db, &who, id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LedgerQuery {
    /// Only this creator's lines.
    #[serde(default)]
    creator_id: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/payouts.csv",
    tag = "money",
    summary = "The payout ledger as CSV, for the partners' accounting: every line, or one creator's",
    description = "Partners only. Columns: payout_id, campaign, creator, deliverable, amount, currency, payer, terms_days, approved_on, due_date, time_zone, state, overdue, paid_on, reference, note, amount_in_campaign_currency, campaign_currency, rate, missing_rate.",
    params(("id" = i64, Path, description = "Campaign id"), LedgerQuery),
    responses(
        (status = 200, description = "The CSV file", content_type = "text/csv", body = String),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
async fn export_ledger(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    Query(q): Query<LedgerQuery>,
) -> Result<impl IntoResponse> {
    let body = money::ledger_csv(&s.db, &who, id, q.creator_id).await?;
    let name = match q.creator_id {
        Some(c) => format!("campaign-{id}-creator-{c}-payouts.csv"),
        None => format!("campaign-{id}-payouts.csv"),
    };
    Ok(csv(name, body))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/payouts/{payout_id}",
    tag = "money",
    summary = "One payout line",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id"), ("payout_id" = i64, Path, description = "Payout id")),
    responses(
        (status = 200, description = "OK", body = app::money::PayoutLine),
        (status = 404, description = "No such campaign or payout, or not yours to see", body = app::error::AppError),
    )
)]
async fn get_payout(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, payout_id)): Path<(i64, i64)>,
) -> Result<impl IntoResponse> {
    Ok(Json(money::payout_line(&s.db, &who, id, payout_id).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/payouts/{payout_id}/state",
    tag = "money",
    summary = "Move a payout on: scheduled → approved (for payment) → paid (day, reference), or disputed (note)",
    description = "Partners only; approving and recording a payment are for the paying partner or the campaign's accountable owner. Version-checked. Send an `Idempotency-Key` header to make a retry safe: the same key and body return the first answer without applying twice. Every change is an event (live for the partners and the creator's portal) and in the activity trail; recording a payment resolves the line's overdue escalation.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("payout_id" = i64, Path, description = "Payout id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe (1 to 200 characters)"),
    ),
    request_body = app::money::SetPayoutState,
    responses(
        (status = 200, description = "Changed", body = app::money::PayoutLine),
        (status = 403, description = "Not the paying partner (approving, paying)", body = app::error::AppError),
        (status = 404, description = "No such campaign or payout, or not yours to see", body = app::error::AppError),
        (status = 409, description = "Changed by someone else meanwhile (the `version` is stale); `current` holds the line as it is now", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field`: state (not reachable from the current one), reference (required to pay), note (required to dispute), paid_on, Idempotency-Key)", body = app::error::AppError),
    )
)]
async fn set_payout_state(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, payout_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SetPayoutState>,
) -> Result<impl IntoResponse> {
    Ok(Json(money::set_payout_state(&s.db, &who, id, payout_id, &input, key(&headers).as_deref()).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/currency",
    tag = "money",
    summary = "Set the campaign's reporting currency (ISO 4217)",
    description = "The campaign's accountable owner only (while the charter names none: the organization that started it), and only until the first amount is entered.",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = app::money::SetCurrency,
    responses(
        (status = 200, description = "Set; the ledger", body = app::money::Ledger),
        (status = 403, description = "Not the accountable owner", body = app::error::AppError),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 409, description = "Amounts have been entered already: the currency is fixed", body = app::error::AppError),
        (status = 422, description = "Not a currency Chorus knows (`field: \"currency\"`)", body = app::error::AppError),
    )
)]
async fn set_currency(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SetCurrency>,
) -> Result<impl IntoResponse> {
    Ok(Json(money::set_currency(&s.db, &who, id, &input).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/payout-terms",
    tag = "money",
    summary = "Set the campaign's payout terms: net-N days from approval to due date (default 30), for lines created from now on",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = app::money::SetTerms,
    responses(
        (status = 200, description = "Set; the ledger", body = app::money::Ledger),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "Out of range (`field: \"terms_days\"`, 0 to 365)", body = app::error::AppError),
    )
)]
async fn set_terms(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SetTerms>,
) -> Result<impl IntoResponse> {
    Ok(Json(money::set_terms(&s.db, &who, id, &input).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/creators/{creator_id}/payout-currency",
    tag = "money",
    summary = "Set the currency agreed with a creator (`null`: the campaign's): fees given for her deliverables from now on are in it",
    description = "Partners only.",
    params(("id" = i64, Path, description = "Campaign id"), ("creator_id" = i64, Path, description = "Creator id")),
    request_body = app::money::SetCreatorCurrency,
    responses(
        (status = 200, description = "Set", body = app::money::SetCreatorCurrency),
        (status = 404, description = "No such campaign or creator, or not yours to see", body = app::error::AppError),
        (status = 422, description = "Not a currency Chorus knows (`field: \"currency\"`)", body = app::error::AppError),
    )
)]
async fn set_creator_currency(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, creator_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<SetCreatorCurrency>,
) -> Result<impl IntoResponse> {
    Ok(Json(money::set_creator_currency(&s.db, &who, id, creator_id, &input).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/exchange-rates",
    tag = "money",
    summary = "Enter an exchange rate: one unit of `base` buys `rate` units of `quote` from `day` on (replaces the pair's rate of that day)",
    description = "Partners only; who and when are kept. Send an `Idempotency-Key` header to make a retry safe. Answers with every rate of the campaign.",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe (1 to 200 characters)"),
    ),
    request_body = app::money::NewRate,
    responses(
        (status = 201, description = "Entered", body = Vec<app::money::ExchangeRate>),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field`: base, quote, day, rate, Idempotency-Key)", body = app::error::AppError),
    )
)]
async fn add_rate(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewRate>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(money::add_rate(&s.db, &who, id, &input, key(&headers).as_deref()).await?)))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/exchange-rates/import",
    tag = "money",
    summary = "Import exchange rates from a CSV file with the columns base, quote, day, rate",
    description = "Partners only. All or nothing: one bad row refuses the file, naming its line and column. At most 5,000 rows.",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body(content = String, content_type = "text/csv", description = "The file"),
    responses(
        (status = 201, description = "Imported; every rate of the campaign", body = Vec<app::money::ExchangeRate>),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "A row or the file is invalid (`field`: file, base, quote, day or rate; the message names the line)", body = app::error::AppError),
    )
)]
async fn import_rates(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    body: String,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(money::import_rates(&s.db, &who, id, &body).await?)))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}/budget-shares",
    tag = "money",
    summary = "Set a partner's share of a lane's budget line (minor units of the campaign's currency)",
    description = "Partners only. Version-checked (0 for a share never set). The ledger shows each share against the fees committed for that partner's creators.",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = app::money::SetBudgetShare,
    responses(
        (status = 200, description = "Set; the ledger", body = app::money::Ledger),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 409, description = "Changed by someone else meanwhile", body = app::error::AppError),
        (status = 422, description = "A field is invalid (`field`: share_minor, org_id)", body = app::error::AppError),
    )
)]
async fn set_budget_share(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SetBudgetShare>,
) -> Result<impl IntoResponse> {
    Ok(Json(money::set_budget_share(&s.db, &who, id, &input).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/portal/payouts",
    tag = "money",
    summary = "The signed-in creator's payouts across every partner and campaign, with the total still owed per currency",
    description = "Creators only (anyone else: 404). Only her own lines.",
    responses(
        (status = 200, description = "OK", body = app::money::CreatorPayouts),
        (status = 404, description = "Not a creator", body = app::error::AppError),
    )
)]
async fn my_payouts(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(Json(money::creator_payouts(&s.db, &who).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/portal/payouts.csv",
    tag = "money",
    summary = "The signed-in creator's payouts as CSV",
    description = "Creators only (anyone else: 404). Columns as the ledger's CSV.",
    responses(
        (status = 200, description = "The CSV file", content_type = "text/csv", body = String),
        (status = 404, description = "Not a creator", body = app::error::AppError),
    )
)]
async fn export_my_payouts(State(s): State<AppState>, Auth(who): Auth) -> Result<impl IntoResponse> {
    Ok(csv("my-payouts.csv".into(), money::creator_csv(&s.db, &who).await?))
}
