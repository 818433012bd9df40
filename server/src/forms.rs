//! The plain HTML form posts behind sign-in, sign-up, sign-out and accepting invitations: they set or
//! clear the session cookie and redirect, so they work before (or without) the WASM bundle.
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;

use app::accounts::ssr as accounts;
use app::accounts::{SignIn, SignUp};
use app::error::AppError;
use app::state::AppState;

use crate::auth::MaybeAuth;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/signin", post(sign_in))
        .route("/auth/signup", post(sign_up))
        .route("/auth/signout", post(sign_out))
        .route("/auth/accept", post(accept_partner))
        .route("/auth/creator-signup", post(accept_creator))
        .route("/auth/join", post(join_organization))
        .route("/settings/organization/profile", post(save_working_style))
        .route("/campaigns/{id}/fit/settle", post(settle_fit_item))
        .route("/portal/campaigns/{id}/deliverables/{deliverable_id}/accept-terms", post(accept_terms))
        .route("/portal/campaigns/{id}/deliverables/{deliverable_id}/codes", post(add_own_code))
        .route("/campaigns/{id}/deliverables/{deliverable_id}/terms", post(save_terms))
        .route("/campaigns/{id}/rights/{deliverable_id}/uses", post(log_use))
        .route("/campaigns/{id}/rights/{deliverable_id}/codes", post(add_code))
        .route("/campaigns/{id}/cpm/{platform}", post(set_cpm))
}

/// Only a plain path on this site is followed: one leading `/` and nothing but printable ASCII other than a
/// backslash. Browsers drop tabs and line breaks from a URL and read `\` as `/`, so `/\t/evil.example` or
/// `/\evil.example` would leave the site; a line break would not even make a valid header. Anything else is `/`.
fn safe_next(next: &str) -> &str {
    let plain = next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if plain && next.starts_with('/') && !next.starts_with("//") {
        next
    } else {
        "/"
    }
}

/// The one way this module redirects: to a plain local path (see [`safe_next`]), never to anything unchecked.
pub(crate) fn to_local(url: &str) -> Response {
    Redirect::to(safe_next(url)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/campaigns/3"), "/campaigns/3");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/campaigns/3?tab=board#card-4"), "/campaigns/3?tab=board#card-4");
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/x\\y",
            "/a b",
            "/\u{0}",
            "/é",
            "/\u{7f}",
            "evil",
        ] {
            assert_eq!(safe_next(hostile), "/", "{hostile:?}");
        }
        assert_eq!(enc("a b&c=d/é"), "a%20b%26c%3Dd/%C3%A9");
    }
}

/// What a query value keeps as is: letters, digits, `-_.~` and `/` (so a path in `next=` stays readable).
const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

pub(crate) fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

pub(crate) fn back(page: &str, e: &AppError, keep: &[(&str, &str)]) -> Response {
    let mut url = format!("{page}{}error={}", if page.contains('?') { "&" } else { "?" }, enc(&e.message));
    if let Some(f) = &e.field {
        url.push_str(&format!("&field={}", enc(f)));
    }
    for (k, v) in keep {
        if !v.is_empty() {
            url.push_str(&format!("&{k}={}", enc(v)));
        }
    }
    to_local(&url)
}

fn signed_in(state: &AppState, token: &str, next: &str) -> Response {
    let mut resp = to_local(next);
    if let Ok(v) = HeaderValue::from_str(&accounts::session_cookie(token, state.secure_cookies)) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Response {
    let page = if f.next.is_empty() { "/signin".to_string() } else { format!("/signin?next={}", enc(&f.next)) };
    let client = state.limiter.client(addr.ip(), &headers);
    if let Err(e) = state.limiter.allow(&f.email, &client).await {
        return back(&page, &e, &[("email", &f.email)]);
    }
    match accounts::sign_in(&state.db, &SignIn { email: f.email.clone(), password: f.password }).await {
        Ok(user_id) => {
            state.limiter.forget(&f.email, &client).await;
            match accounts::rotate_session(&state.db, &headers, user_id).await {
                Ok(token) => signed_in(&state, &token, &f.next),
                Err(e) => back(&page, &e, &[]),
            }
        }
        Err(e) => back(&page, &e, &[("email", &f.email)]),
    }
}

#[derive(Deserialize)]
pub struct SignUpForm {
    name: String,
    email: String,
    password: String,
    org_name: String,
    #[serde(default)]
    org_kind: String,
    #[serde(default)]
    next: String,
}

async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<SignUpForm>,
) -> Response {
    let input = SignUp {
        name: f.name.clone(),
        email: f.email.clone(),
        password: f.password,
        org_name: f.org_name.clone(),
        org_kind: if f.org_kind.is_empty() { "agency".into() } else { f.org_kind },
    };
    let page = if f.next.is_empty() { "/signup".to_string() } else { format!("/signup?next={}", enc(&f.next)) };
    let keep = [("name", f.name.as_str()), ("email", f.email.as_str()), ("org_name", f.org_name.as_str())];
    let result = async {
        state.limiter.allow_sign_up(&state.limiter.client(addr.ip(), &headers)).await?;
        let user_id = accounts::sign_up(&state.db, &input).await?;
        if state.mail_configured {
            app::notify::accounts::send_verification(&state.db, user_id).await?;
        }
        accounts::rotate_session(&state.db, &headers, user_id).await
    }
    .await;
    match result {
        Ok(token) => signed_in(&state, &token, &f.next),
        Err(e) => back(&page, &e, &keep),
    }
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = accounts::session_token(&headers) {
        let _ = accounts::end_session(&state.db, &token).await;
    }
    let mut resp = to_local("/");
    if let Ok(v) = HeaderValue::from_str(&accounts::clear_session_cookie(state.secure_cookies)) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    // The device forgets the account's pages kept for offline use (and the service worker keeping them).
    resp.headers_mut().insert("clear-site-data", HeaderValue::from_static("\"cache\", \"storage\""));
    resp
}

#[derive(Deserialize)]
pub struct AcceptForm {
    token: String,
}

async fn accept_partner(
    State(state): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Form(f): Form<AcceptForm>,
) -> Response {
    let here = format!("/invite/{}", enc(&f.token));
    let Some(who) = who else { return to_local(&format!("/signin?next={}", enc(&here))) };
    match app::campaigns::ssr::accept_partner(&state.db, &who, &f.token).await {
        Ok(c) => to_local(&format!("/campaigns/{}", c.id)),
        Err(e) => back(&here, &e, &[]),
    }
}

/// The form behind both invitation sign-ups: a creator's (`/invite/…`) and a colleague's (`/join/…`).
#[derive(Deserialize)]
pub struct InvitedSignUpForm {
    token: String,
    name: String,
    email: String,
    password: String,
}

/// Signs in the account an invitation just created, or goes back to the invitation page with the error.
async fn signed_in_or_back(
    state: &AppState,
    headers: &HeaderMap,
    page: &str,
    created: app::error::Result<i64>,
) -> Response {
    let session = match created {
        Ok(user_id) => accounts::rotate_session(&state.db, headers, user_id).await,
        Err(e) => Err(e),
    };
    match session {
        Ok(token) => signed_in(state, &token, "/"),
        Err(e) => back(page, &e, &[]),
    }
}

async fn accept_creator(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<InvitedSignUpForm>,
) -> Response {
    let created = app::campaigns::ssr::accept_creator(&state.db, &f.token, &f.name, &f.email, &f.password).await;
    signed_in_or_back(&state, &headers, &format!("/invite/{}", enc(&f.token)), created).await
}

async fn join_organization(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<InvitedSignUpForm>,
) -> Response {
    let created = accounts::join_organization(&state.db, &f.token, &f.name, &f.email, &f.password).await;
    signed_in_or_back(&state, &headers, &format!("/join/{}", enc(&f.token)), created).await
}

/// The organization page's working-style form: every field as typed (numbers are read here, naming the field).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WorkingStyleForm {
    version: String,
    team_size: String,
    markets: String,
    time_zone: String,
    work_start: String,
    work_end: String,
    work_days: String,
    measure_working_hours: Option<String>,
    review_hours: String,
    reply_hours: String,
    approval_steps: String,
    signer: String,
    reporting_cadence: String,
    tools: String,
    campaigns_per_quarter: String,
    languages: String,
}

fn whole_number(field: &str, text: &str) -> Result<i64, AppError> {
    text.trim().parse().map_err(|_| AppError::validation(field, format!("\"{}\" is not a whole number", text.trim())))
}

impl WorkingStyleForm {
    fn read(self) -> Result<app::fit::SaveProfile, AppError> {
        Ok(app::fit::SaveProfile {
            version: whole_number("version", &self.version)?,
            style: app::fit::WorkingStyle {
                team_size: whole_number("team_size", &self.team_size)?,
                markets: self.markets,
                time_zone: self.time_zone,
                work_start: self.work_start,
                work_end: self.work_end,
                work_days: self.work_days,
                measure_working_hours: self.measure_working_hours.is_some_and(|v| !v.is_empty()),
                review_hours: whole_number("review_hours", &self.review_hours)?,
                reply_hours: whole_number("reply_hours", &self.reply_hours)?,
                approval_steps: whole_number("approval_steps", &self.approval_steps)?,
                signer: self.signer,
                reporting_cadence: self.reporting_cadence,
                tools: self.tools,
                campaigns_per_quarter: whole_number("campaigns_per_quarter", &self.campaigns_per_quarter)?,
                languages: self.languages,
            },
        })
    }
}

async fn save_working_style(
    State(state): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Form(f): Form<WorkingStyleForm>,
) -> Response {
    let page = "/settings/organization";
    let Some(who) = who else { return to_local(&format!("/signin?next={}", enc(page))) };
    let saved = match f.read() {
        Ok(input) => app::fit::ssr::save_profile(&state.db, &who, &input).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => to_local("/settings/organization?saved=1#working-style"),
        Err(e) => back(page, &e, &[]),
    }
}

#[derive(Deserialize)]
pub struct SettleForm {
    key: String,
    #[serde(default)]
    note: String,
}

async fn settle_fit_item(
    State(state): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(f): Form<SettleForm>,
) -> Response {
    let page = format!("/campaigns/{id}/fit");
    let Some(who) = who else { return to_local(&format!("/signin?next={}", enc(&page))) };
    match app::fit::ssr::settle(&state.db, &who, id, &app::fit::Settle { key: f.key, note: f.note }).await {
        Ok(_) => to_local(&page),
        Err(e) => back(&page, &e, &[]),
    }
}

#[derive(Deserialize)]
pub struct AcceptTermsForm {
    version: i64,
}

/// The creator accepts a version of a deliverable's licence terms from her portal page (a plain form), and is
/// sent back to it: accepted, or showing the terms as they are now when they changed meanwhile.
async fn accept_terms(
    State(state): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    axum::extract::Path((id, deliverable_id)): axum::extract::Path<(i64, i64)>,
    Form(f): Form<AcceptTermsForm>,
) -> Response {
    let Some(who) = who else { return to_local("/signin") };
    let input = app::rights::AcceptTerms { version: f.version };
    match app::rights::ssr::accept_terms(&state.db, &who, id, deliverable_id, &input).await {
        Ok(_) => to_local(&format!("/portal/campaigns/{id}#terms")),
        Err(e) if e.code.status() == 409 => to_local(&format!("/portal/campaigns/{id}#terms")),
        Err(e) => e.into_response(),
    }
}

/// Partners propose or change a deliverable's terms from the ledger page (a plain form: `usage_<key>` and
/// `partner_<id>` checkboxes, comma-separated platforms and territories). Back to the page, with the refusal (a
/// field out of its limits, or a stale version) in `?error=` when there is one.
async fn save_terms(
    State(state): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    axum::extract::Path((id, deliverable_id)): axum::extract::Path<(i64, i64)>,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> Response {
    use app::rights::{SaveTerms, Usage};
    let Some(who) = who else { return to_local("/signin") };
    let text = |k: &str| f.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let list = |k: &str| text(k).map(|v| v.split(',').map(|x| x.trim().to_string()).collect()).unwrap_or_default();
    let number = |k: &str, field: &str| match text(k) {
        None => Ok(None),
        Some(v) => {
            v.parse::<i64>().map(Some).map_err(|_| AppError::validation(field, format!("\"{v}\" is not a number")))
        }
    };
    let input = number("term_days", "term_days").and_then(|term_days| {
        Ok(SaveTerms {
            usages: Usage::ALL.into_iter().filter(|u| f.contains_key(&format!("usage_{}", u.key()))).collect(),
            platforms: list("platforms"),
            territories: list("territories"),
            term_days,
            starts_on: text("starts_on"),
            ends_on: text("ends_on"),
            exclusivity: text("exclusivity").unwrap_or_default(),
            partner_ids: f.keys().filter_map(|k| k.strip_prefix("partner_")?.parse().ok()).collect(),
            version: number("version", "version")?.unwrap_or(0),
        })
    });
    let result = match input {
        Ok(input) => app::rights::ssr::save_terms(&state.db, &who, id, deliverable_id, &input).await.map(|_| ()),
        Err(e) => Err(e),
    };
    back_to_rights(id, &format!("terms-{deliverable_id}"), result)
}

/// Back to the ledger page at `anchor`, with a refusal (a field, a stale version, not approved yet) in `?error=`.
fn back_to_rights(id: i64, anchor: &str, result: Result<(), AppError>) -> Response {
    back_to_page(&format!("/campaigns/{id}/rights"), "error", anchor, result)
}

/// After a plain form on a server-rendered page: to `page#anchor` when it worked; on a refusal the page can show
/// (no right, a stale version, a field out of its limits) back to it with "field: message" in `?{param}=`; anything
/// else as the error it is.
fn back_to_page(page: &str, param: &str, anchor: &str, result: Result<(), AppError>) -> Response {
    match result {
        Ok(()) => to_local(&format!("{page}#{anchor}")),
        Err(e) if matches!(e.code.status(), 403 | 409 | 422) => {
            let message = match &e.field {
                Some(field) => format!("{field}: {}", e.message),
                None => e.message.clone(),
            };
            to_local(&format!("{page}?{param}={}#{anchor}", enc(&message)))
        }
        Err(e) => e.into_response(),
    }
}

/// The creator adds an ad code (the Spark Ads or Partnership Ads code her app gave her) to one of her approved
/// assets from her portal page, and is sent back to it (a refusal named there).
async fn add_own_code(
    State(state): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    axum::extract::Path((id, deliverable_id)): axum::extract::Path<(i64, i64)>,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(who) = who else { return to_local("/signin") };
    let result = save_code(&state, &who, id, deliverable_id, f).await;
    back_to_page(&format!("/portal/campaigns/{id}"), "rights_error", "terms", result)
}

#[derive(Deserialize)]
pub struct UseForm {
    usage: String,
    platform: String,
    starts_on: String,
    ends_on: String,
    #[serde(default)]
    note: String,
}

/// A partner logs a use of a ledgered asset from the ledger page.
async fn log_use(
    State(state): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    axum::extract::Path((id, deliverable_id)): axum::extract::Path<(i64, i64)>,
    Form(f): Form<UseForm>,
) -> Response {
    let Some(who) = who else { return to_local("/signin") };
    let result = match app::rights::Usage::parse(&f.usage) {
        None => Err(AppError::validation("usage", "Use organic, paid_amplification or whitelisting")),
        Some(usage) => {
            let input = app::rights::NewUse {
                usage,
                platform: f.platform,
                starts_on: f.starts_on,
                ends_on: f.ends_on,
                note: f.note,
            };
            app::rights::ssr::log_use(&state.db, &who, id, deliverable_id, &input, None).await.map(|_| ())
        }
    };
    back_to_rights(id, "rights", result)
}

#[derive(Deserialize)]
pub struct CodeForm {
    kind: String,
    code: String,
    #[serde(default)]
    expires_on: String,
}

/// A partner adds an ad code to a ledgered asset from the ledger page.
async fn add_code(
    State(state): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    axum::extract::Path((id, deliverable_id)): axum::extract::Path<(i64, i64)>,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(who) = who else { return to_local("/signin") };
    let result = save_code(&state, &who, id, deliverable_id, f).await;
    back_to_rights(id, "rights", result)
}

/// An ad code from either form (the partners' ledger, the creator's portal): the same checks and the same call.
async fn save_code(
    state: &AppState,
    who: &app::accounts::ssr::Principal,
    id: i64,
    deliverable_id: i64,
    f: CodeForm,
) -> Result<(), AppError> {
    let kind = app::rights::CodeKind::parse(&f.kind)
        .ok_or_else(|| AppError::validation("kind", "Use spark, partnership or other"))?;
    let input = app::rights::NewAdCode { kind, code: f.code, expires_on: Some(f.expires_on) };
    app::rights::ssr::add_code(&state.db, who, id, deliverable_id, &input, None).await.map(|_| ())
}

#[derive(Deserialize)]
pub struct CpmForm {
    cpm: String,
}

/// A partner sets a platform's CPM from the form under the dashboard, in units of the campaign's currency
/// ("12.50"), and is sent back to it.
async fn set_cpm(
    State(state): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    axum::extract::Path((id, platform)): axum::extract::Path<(i64, String)>,
    Form(f): Form<CpmForm>,
) -> Response {
    let Some(who) = who else { return to_local("/signin") };
    let result = async {
        // Also the check that `who` is a partner, before the amount is read.
        let (currency, _) = app::metrics::ssr::cpm_assumptions(&state.db, &who, id).await?;
        let minor = app::money::parse_amount(&f.cpm, &currency).map_err(|m| AppError::validation("cpm", m))?;
        app::metrics::ssr::set_cpm(&state.db, &who, id, &platform, minor).await
    }
    .await;
    back_to_page(&format!("/campaigns/{id}/performance"), "cpm_error", "cpm", result)
}
