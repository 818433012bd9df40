//! The plain HTML side of notifications and the accounts' mail: unsubscribe links (no sign-in; one click from the
//! mail program, RFC 8058), email verification links, and the forms of "forgot password", the reset page, the
//! notification settings page and the inbox's "Dismiss".
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use app::accounts::ssr as accounts;
use app::error::AppError;
use app::notify::accounts as mail_accounts;
use app::notify::email::escape;
use app::notify::ssr as notify;
use app::state::AppState;

use crate::api::with_cookie;
use crate::auth::MaybeAuth;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/unsubscribe/{token}", get(unsubscribe_page).post(unsubscribe))
        .route("/verify-email/{token}", get(verify_email))
        .route("/auth/forgot", post(forgot_form))
        .route("/auth/reset", post(reset_form))
        .route("/settings/notifications/save", post(save_preferences_form))
        .route("/notifications/{id}/read", post(dismiss_form))
}

/// A small page in the product's look, for the links people open from mail without signing in.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} · Chorus</title><style>body{{margin:0;background:#f8fafc;color:#0f172a;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif}}\
         main{{max-width:480px;margin:48px auto;padding:24px;background:#fff;border:1px solid #e2e8f0;border-radius:8px}}\
         .brand{{color:#2563eb;font-weight:700;text-decoration:none}}button{{font:inherit;background:#2563eb;color:#fff;border:0;border-radius:8px;padding:10px 18px;cursor:pointer}}\
         button:focus-visible,a:focus-visible{{outline:3px solid rgba(37,99,235,.35);outline-offset:2px}}</style></head>\
         <body><main><a class=\"brand\" href=\"/\">Chorus</a><h1>{t}</h1>{body}</main></body></html>",
        t = escape(title)
    );
    (status, Html(html)).into_response()
}

fn not_valid(e: &AppError) -> Response {
    page(StatusCode::NOT_FOUND, "Link not valid", &format!("<p>{}</p>", escape(&e.message)))
}

/// Says what the link stops; a GET changes nothing (mail scanners open links).
async fn unsubscribe_page(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    match notify::check_unsubscribe(&s.db, &token).await {
        Ok((_, kind, name)) => page(
            StatusCode::OK,
            "Stop these mails?",
            &format!(
                "<p>{}, you will no longer get mail about <strong>{}</strong>. They stay in your inbox in Chorus.</p>\
                 <form method=\"post\"><button type=\"submit\">Stop these mails</button></form>\
                 <p><a href=\"/settings/notifications\">All notification settings</a></p>",
                escape(&name),
                escape(&kind.label().to_lowercase())
            ),
        ),
        Err(e) => not_valid(&e),
    }
}

/// The page's button, and the mail program's one-click POST (`List-Unsubscribe=One-Click`).
async fn unsubscribe(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    match notify::unsubscribe(&s.db, &token).await {
        Ok(kind) => page(
            StatusCode::OK,
            "Done",
            &format!(
                "<p role=\"status\">You will no longer get mail about <strong>{}</strong>.</p>\
                 <p><a href=\"/settings/notifications\">All notification settings</a></p>",
                escape(&kind.label().to_lowercase())
            ),
        ),
        Err(e) => not_valid(&e),
    }
}

async fn verify_email(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    match mail_accounts::verify_email(&s.db, &token).await {
        Ok(_) => {
            page(StatusCode::OK, "Address confirmed", "<p role=\"status\">Thank you. <a href=\"/\">Open Chorus</a></p>")
        }
        Err(e) => not_valid(&e),
    }
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn back(page: &str, e: &AppError) -> Response {
    let mut url = format!("{page}{}error={}", if page.contains('?') { "&" } else { "?" }, enc(&e.message));
    if let Some(f) = &e.field {
        url.push_str(&format!("&field={}", enc(f)));
    }
    Redirect::to(&url).into_response()
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// The same page whether or not the address has an account.
async fn forgot_form(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(f): Form<ForgotForm>,
) -> Response {
    let result = async {
        s.limiter.check(&f.email, &addr.ip().to_string())?;
        mail_accounts::request_reset(&s.db, &f.email).await
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/forgot-password?sent=1").into_response(),
        Err(e) => back("/forgot-password", &e),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    token: String,
    password: String,
}

/// Sets the new password (ending every session of the account) and signs this browser in.
async fn reset_form(State(s): State<AppState>, headers: HeaderMap, Form(r): Form<ResetForm>) -> Response {
    let result = async {
        let user = mail_accounts::reset_password(&s.db, &r.token, &r.password).await?;
        accounts::rotate_session(&s.db, &headers, user).await
    }
    .await;
    match result {
        Ok(session) => with_cookie(Redirect::to("/"), accounts::session_cookie(&session, s.secure_cookies)),
        Err(e) => back(&format!("/reset-password/{}", enc(&r.token)), &e),
    }
}

/// The settings page's form: a select per kind (`kind_<kind>`), the time zone, quiet hours and the digest hour.
async fn save_preferences_form(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let here = "/settings/notifications";
    let Some(who) = who else { return Redirect::to("/signin?next=/settings/notifications").into_response() };
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let hour = |field: &str| -> Result<Option<i64>, AppError> {
        let v = get(field);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse().map(Some).map_err(|_| AppError::validation(field, format!("\"{v}\" is not an hour (0 to 23)")))
    };
    let result = async {
        let input = notify::SavePreferences {
            version: get("version").parse().map_err(|_| AppError::validation("version", "Reload the page"))?,
            kinds: f.iter().filter_map(|(n, v)| n.strip_prefix("kind_").map(|k| (k.to_string(), v.clone()))).collect(),
            time_zone: get("time_zone"),
            quiet_start: hour("quiet_start")?,
            quiet_end: hour("quiet_end")?,
            digest_hour: hour("digest_hour")?.unwrap_or(8),
        };
        let creator = who.me.role == app::accounts::Role::Creator;
        notify::save_preferences(&s.db, who.me.user_id, creator, &input).await
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/settings/notifications?saved=1").into_response(),
        Err(e) => back(here, &e),
    }
}

/// The inbox's "Dismiss".
async fn dismiss_form(State(s): State<AppState>, MaybeAuth(who): MaybeAuth, Path(id): Path<i64>) -> Response {
    let Some(who) = who else { return Redirect::to("/signin").into_response() };
    if let Err(e) = notify::mark_read(&s.db, who.me.user_id, Some(id)).await {
        tracing::warn!(error = %e, "cannot mark a notification read");
    }
    Redirect::to("/").into_response()
}
