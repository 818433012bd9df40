//! The creator portal as an installable app: the account tag on pages, which lets the service worker
//! (`public/sw.js`) keep each account's offline pages apart and forget them when someone else signs in.
//!
//! Every HTML answer to a GET with a valid session carries `X-Chorus-Account: <tag>`, the first 16 hex
//! characters of sha256("account:" + user id): stable for one account, meaningless to anyone else. Pages of
//! signed-out visitors carry none. The manifest, icons, `sw.js` and `pwa.js` are plain files of `public/`.
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;

use app::accounts::ssr::{principal_from_session, session_token, sha256_hex};
use app::state::AppState;

/// The response header naming whose page this is (the service worker reads it).
pub const ACCOUNT_HEADER: &str = "x-chorus-account";

/// The opaque tag of an account.
pub fn account_tag(user_id: i64) -> String {
    sha256_hex(&format!("account:{user_id}"))[..16].to_string()
}

/// Middleware: tags HTML pages of signed-in people with their account.
pub async fn tag_account_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let token = (req.method() == Method::GET).then(|| session_token(req.headers())).flatten();
    let mut resp = next.run(req).await;
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !html {
        return resp;
    }
    // (An error of the server, e.g. the database being unreachable, is answered without asking it again.)
    if let Some(token) = token.filter(|_| !resp.status().is_server_error()) {
        if let Ok(Some(who)) = principal_from_session(&state.db, &token).await {
            if let Ok(v) = HeaderValue::from_str(&account_tag(who.me.user_id)) {
                resp.headers_mut().insert(ACCOUNT_HEADER, v);
            }
        }
    }
    // A page depends on who asks: no shared cache may hand one person's page to another.
    resp.headers_mut().append(header::VARY, HeaderValue::from_static("cookie"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_short_stable_and_distinct() {
        let a = account_tag(1);
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(a, account_tag(1));
        assert_ne!(a, account_tag(2));
        assert_eq!(a, sha256_hex("account:1")[..16]);
    }
}
