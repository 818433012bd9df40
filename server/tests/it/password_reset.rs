//! "Forgot password" by mail, on SQLite and PostgreSQL, against a real SMTP server (implicit TLS, AUTH): the same
//! answer for an email with or without an account (and mail only for the one with), a single-use link that
//! expires, and using it ends every other session of the account.
use crate::common::*;
use crate::mail::{link, mailing_app, Smtp};
use serde_json::json;

on_both_databases!(a_reset_link_works_once_in_time_and_ends_every_other_session);

async fn a_reset_link_works_once_in_time_and_ends_every_other_session(kind: DbKind) {
    let smtp = Smtp::start(&["--tls", "implicit", "--auth", "chorus:s3cret"]).await;
    let app = mailing_app(kind, &smtp, &format!("smtps://localhost:{}", smtp.port)).await;
    let (laptop, _) = signed_up(&app, "Maya Lind", "maya@northwind.example", "Northwind").await;
    let mut phone = app.client();
    let r = phone
        .post("/api/v1/auth/signin", json!({ "email": "maya@northwind.example", "password": "correct horse" }))
        .await;
    phone.cookie = r.set_cookie.clone();
    assert_eq!(phone.get("/api/v1/me").await.status, 200);

    // No account enumeration: the same status and body either way.
    let anon = app.client();
    let known = anon.post("/api/v1/auth/forgot-password", json!({ "email": " Maya@Northwind.example " })).await;
    let unknown = anon.post("/api/v1/auth/forgot-password", json!({ "email": "nobody@northwind.example" })).await;
    assert_eq!((known.status, unknown.status), (202, 202));
    assert_eq!(known.body, unknown.body);
    let bad = anon.post("/api/v1/auth/forgot-password", json!({ "email": "x".repeat(300) })).await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("email")));
    // Only the account gets a mail (after its sign-up's confirmation mail).
    let mails = smtp.wait_for("maya@northwind.example", 2).await;
    let reset = mails.iter().find(|m| m["subject"] == "Set a new password for Chorus").expect("the reset mail");
    assert_eq!(reset["tls"], true);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(smtp.to("nobody@northwind.example").is_empty());
    let url = link(reset, &format!("{}/reset-password/", app.base));
    let token = url.rsplit('/').next().unwrap().to_string();
    // Only the token's hash is kept.
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM mail_tokens WHERE purpose = 'reset'")
        .fetch_all(&app.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    // Its page renders.
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Set a new password"));

    // A too-short password is refused, naming the field, and leaves the link usable.
    let short = anon.post("/api/v1/auth/reset-password", json!({ "token": token, "password": "short" })).await;
    assert_eq!((short.status, short.body["field"].as_str()), (422, Some("password")));
    let done =
        anon.post("/api/v1/auth/reset-password", json!({ "token": token, "password": "a new battery staple" })).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["email"], "maya@northwind.example");
    // Every other session ended; the new one works.
    assert_eq!(laptop.get("/api/v1/me").await.status, 401);
    assert_eq!(phone.get("/api/v1/me").await.status, 401);
    let mut fresh = app.client();
    fresh.cookie = done.set_cookie.clone();
    assert_eq!(fresh.get("/api/v1/me").await.status, 200);
    // The new password signs in; the old one does not.
    let old = anon
        .post("/api/v1/auth/signin", json!({ "email": "maya@northwind.example", "password": "correct horse" }))
        .await;
    assert_eq!(old.status, 401);
    let new = anon
        .post("/api/v1/auth/signin", json!({ "email": "maya@northwind.example", "password": "a new battery staple" }))
        .await;
    assert_eq!(new.status, 200);
    // Single use.
    let again =
        anon.post("/api/v1/auth/reset-password", json!({ "token": token, "password": "yet another one" })).await;
    assert_eq!(again.status, 404);

    // Expired links do not work.
    anon.post("/api/v1/auth/forgot-password", json!({ "email": "maya@northwind.example" })).await;
    let mails = smtp.wait_for("maya@northwind.example", 3).await;
    let token = link(&mails[2], &format!("{}/reset-password/", app.base)).rsplit('/').next().unwrap().to_string();
    app.running
        .state
        .db
        .execute(
            sqlx::query("UPDATE mail_tokens SET expires_at = $1 WHERE used_at IS NULL")
                .bind(chrono::Utc::now().timestamp_millis() - 1),
        )
        .await
        .unwrap();
    let late =
        anon.post("/api/v1/auth/reset-password", json!({ "token": token, "password": "too late for this" })).await;
    assert_eq!(late.status, 404);
    assert_eq!(fresh.get("/api/v1/me").await.status, 200, "a refused reset ends nothing");
    let unknown =
        anon.post("/api/v1/auth/reset-password", json!({ "token": "not-a-token", "password": "whatever it is" })).await;
    assert_eq!(unknown.status, 404);

    // The plain forms: asking answers the same page either way.
    let form = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for email in ["maya@northwind.example", "nobody@northwind.example"] {
        let r = form.post(format!("{}/auth/forgot", app.base)).form(&[("email", email)]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/forgot-password?sent=1");
    }
}
