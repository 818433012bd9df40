//! The payout ledger's plain HTML forms (`/campaigns/{id}/payouts`): each posts here, is applied through the same
//! domain functions as the JSON API, and redirects back to the ledger (with the error and its field, if any).
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;

use app::error::AppError;
use app::money::ssr as money;
use app::money::{NewRate, PayoutState, SetBudgetShare, SetCreatorCurrency, SetCurrency, SetPayoutState, SetTerms};
use app::state::AppState;
use app::vocab::Lane;

use crate::auth::MaybeAuth;
use crate::forms::{back, enc, to_local};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns/{id}/payouts/{payout_id}/state", post(set_state))
        .route("/campaigns/{id}/payouts/rates", post(add_rate))
        .route("/campaigns/{id}/payouts/rates/import", post(import_rates))
        .route("/campaigns/{id}/payouts/terms", post(set_terms))
        .route("/campaigns/{id}/payouts/currency", post(set_currency))
        .route("/campaigns/{id}/payouts/shares", post(set_share))
        .route("/campaigns/{id}/payouts/creators/{creator_id}/currency", post(set_creator_currency))
}

fn page(id: i64) -> String {
    format!("/campaigns/{id}/payouts")
}

/// Back to the ledger (at `anchor`) after a change, or with the error and its field.
fn done<T>(id: i64, anchor: &str, result: Result<T, AppError>) -> Response {
    let page = page(id);
    match result {
        Ok(_) => to_local(&format!("{page}{anchor}")),
        Err(e) => back(&page, &e, &[]),
    }
}

fn sign_in_first(id: i64) -> Response {
    to_local(&format!("/signin?next={}", enc(&page(id))))
}

#[derive(Deserialize)]
pub struct StateForm {
    state: String,
    version: i64,
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    note: String,
}

async fn set_state(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path((id, payout_id)): Path<(i64, i64)>,
    Form(f): Form<StateForm>,
) -> Response {
    let Some(who) = who else { return sign_in_first(id) };
    let Some(state) = PayoutState::parse(&f.state) else {
        return done::<()>(id, "", Err(AppError::validation("state", "Unknown state")));
    };
    let input = SetPayoutState {
        state,
        version: f.version,
        paid_on: Some(f.paid_on).filter(|d| !d.trim().is_empty()),
        reference: f.reference,
        note: f.note,
    };
    let result = money::set_payout_state(&s.db, &who, id, payout_id, &input, None).await;
    done(id, &format!("#payout-{payout_id}"), result)
}

#[derive(Deserialize)]
pub struct RateForm {
    base: String,
    quote: String,
    day: String,
    rate: String,
}

async fn add_rate(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path(id): Path<i64>,
    Form(f): Form<RateForm>,
) -> Response {
    let Some(who) = who else { return sign_in_first(id) };
    let input = NewRate { base: f.base, quote: f.quote, day: f.day, rate: f.rate };
    done(id, "", money::add_rate(&s.db, &who, id, &input, None).await)
}

#[derive(Deserialize)]
pub struct ImportForm {
    csv: String,
}

async fn import_rates(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path(id): Path<i64>,
    Form(f): Form<ImportForm>,
) -> Response {
    let Some(who) = who else { return sign_in_first(id) };
    done(id, "", money::import_rates(&s.db, &who, id, &f.csv).await)
}

#[derive(Deserialize)]
pub struct TermsForm {
    terms_days: String,
}

async fn set_terms(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path(id): Path<i64>,
    Form(f): Form<TermsForm>,
) -> Response {
    let Some(who) = who else { return sign_in_first(id) };
    let Ok(terms_days) = f.terms_days.trim().parse::<i64>() else {
        return done::<()>(id, "", Err(AppError::validation("terms_days", "Use a whole number of days (0 to 365)")));
    };
    done(id, "", money::set_terms(&s.db, &who, id, &SetTerms { terms_days }).await)
}

#[derive(Deserialize)]
pub struct CurrencyForm {
    currency: String,
}

async fn set_currency(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path(id): Path<i64>,
    Form(f): Form<CurrencyForm>,
) -> Response {
    let Some(who) = who else { return sign_in_first(id) };
    done(id, "", money::set_currency(&s.db, &who, id, &SetCurrency { currency: f.currency }).await)
}

#[derive(Deserialize)]
pub struct ShareForm {
    lane: String,
    org_id: i64,
    /// In units of the campaign's currency ("12,500.00").
    share: String,
    #[serde(default)]
    version: i64,
    currency: String,
}

async fn set_share(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path(id): Path<i64>,
    Form(f): Form<ShareForm>,
) -> Response {
    let Some(who) = who else { return sign_in_first(id) };
    let Some(lane) = Lane::parse(&f.lane) else {
        return done::<()>(id, "", Err(AppError::validation("lane", "Use influencer or ugc")));
    };
    let share_minor = match app::money::parse_amount(&f.share, &f.currency) {
        Ok(m) => m,
        Err(m) => return done::<()>(id, "", Err(AppError::validation("share", m))),
    };
    let input = SetBudgetShare { lane, org_id: f.org_id, share_minor, version: f.version };
    done(id, "", money::set_budget_share(&s.db, &who, id, &input).await)
}

/// The currency agreed with a creator; empty for the campaign's.
async fn set_creator_currency(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path((id, creator_id)): Path<(i64, i64)>,
    Form(f): Form<CurrencyForm>,
) -> Response {
    let Some(who) = who else { return sign_in_first(id) };
    let input = SetCreatorCurrency { currency: Some(f.currency) };
    let result = money::set_creator_currency(&s.db, &who, id, creator_id, &input).await;
    done(id, &format!("#creator-{creator_id}"), result)
}
