//! Accounts that need mail: "forgot password" (a single-use, expiring reset link whose token is kept only as a
//! hash; using it ends every session of the account) and email verification for new sign-ups. Asking for a reset
//! answers the same whether or not the email has an account.
use super::email::{Block, Letter};
use crate::accounts::ssr::{hash_password, normalize_email, random_token, sha256_hex};
use crate::db::{now_ms, Db, WriteTx};
use crate::error::{AppError, ErrorCode, Result};
use crate::outbox::ssr::{enqueue, NewMail, BASE};

/// How long a reset link works.
pub const RESET_MINUTES: i64 = 60;
/// How long a verification link works.
pub const VERIFY_DAYS: i64 = 7;

async fn issue(w: &mut WriteTx, purpose: &str, user: i64, valid_ms: i64) -> Result<String> {
    let token = random_token(32);
    let now = now_ms();
    sqlx::query(
        "INSERT INTO mail_tokens (token_hash, purpose, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sha256_hex(&token))
    .bind(purpose)
    .bind(user)
    .bind(now)
    .bind(now + valid_ms)
    .execute(w.conn())
    .await?;
    Ok(token)
}

/// Mails a reset link when the email has an account; answers the same either way (no account enumeration).
pub async fn request_reset(db: &Db, email: &str) -> Result<()> {
    crate::limits::check_len("email", email.trim(), crate::limits::EMAIL)?;
    let email = normalize_email(email);
    if email.is_empty() {
        return Err(AppError::validation("email", "Enter your email address"));
    }
    let mut w = db.write().await?;
    let person: Option<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM users WHERE email = $1").bind(&email).fetch_optional(w.conn()).await?;
    if let Some((user, name)) = person {
        let token = issue(&mut w, "reset", user, RESET_MINUTES * 60_000).await?;
        let letter = Letter {
            greeting: format!("Hello {name},"),
            blocks: vec![Block::Para(format!(
                "Somebody (we hope you) asked to set a new password for your Chorus account. The link works once, \
                 for {RESET_MINUTES} minutes; setting a new password signs you out everywhere else."
            ))],
            action: Some(("Set a new password".into(), format!("{BASE}/reset-password/{token}"))),
            footer: "If you did not ask for this, ignore this mail: your password stays as it is.".into(),
            unsubscribe: None,
        };
        enqueue(
            &mut w,
            NewMail {
                to_email: email.clone(),
                to_name: name,
                subject: "Set a new password for Chorus".into(),
                text: letter.text(),
                html: Some(letter.html()),
                user_id: Some(user),
                kind: Some("password_reset".into()),
                ..NewMail::default()
            },
        )
        .await?;
    }
    w.commit().await?;
    Ok(())
}

/// Uses a reset link: sets the new password, ends every session of the account, and spends the link (and any
/// other reset link of the account). Returns the account, for the handler to start its one new session.
pub async fn reset_password(db: &Db, token: &str, password: &str) -> Result<i64> {
    crate::limits::check_len("password", password, crate::limits::PASSWORD)?;
    if password.chars().count() < 8 {
        return Err(AppError::validation("password", "Use at least 8 characters for the password"));
    }
    crate::limits::check_len("token", token, 200)?;
    let hash = hash_password(password).await?;
    let now = now_ms();
    let mut w = db.write().await?;
    let user: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM mail_tokens WHERE token_hash = $1 AND purpose = 'reset' AND used_at IS NULL AND expires_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(now)
    .fetch_optional(w.conn())
    .await?;
    let gone = || {
        AppError::new(
            ErrorCode::NotFound,
            "This reset link is not valid: it was used, or it expired. Ask for a new one.",
        )
    };
    let Some(user) = user else { return Err(gone()) };
    // Spent by one conditional update: of two uses at once, one wins.
    let spent = sqlx::query("UPDATE mail_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL")
        .bind(now)
        .bind(sha256_hex(token))
        .execute(w.conn())
        .await?
        .rows_affected();
    if spent != 1 {
        return Err(gone());
    }
    sqlx::query("UPDATE mail_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = 'reset' AND used_at IS NULL")
        .bind(now)
        .bind(user)
        .execute(w.conn())
        .await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(&hash).bind(user).execute(w.conn()).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user).execute(w.conn()).await?;
    // Whoever could read this mail owns the address.
    sqlx::query("UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL")
        .bind(now)
        .bind(user)
        .execute(w.conn())
        .await?;
    w.commit().await?;
    tracing::info!(user, "password reset; every session of the account ended");
    Ok(user)
}

/// Whether a reset link still works (for its page).
pub async fn reset_link_valid(db: &Db, token: &str) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT user_id FROM mail_tokens WHERE token_hash = $1 AND purpose = 'reset' AND used_at IS NULL AND expires_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await?
    .is_some())
}

/// Mails a new account a link confirming its address.
pub async fn send_verification(db: &Db, user: i64) -> Result<()> {
    let mut w = db.write().await?;
    let person: Option<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT name, email, email_verified_at FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(w.conn())
            .await?;
    let Some((name, email, None)) = person else { return Ok(()) };
    let token = issue(&mut w, "verify", user, VERIFY_DAYS * 86_400_000).await?;
    let letter = Letter {
        greeting: format!("Hello {name},"),
        blocks: vec![Block::Para(
            "Welcome to Chorus. Confirm that this is your address, so that reviews, escalations and password resets reach you.".into(),
        )],
        action: Some(("Confirm my address".into(), format!("{BASE}/verify-email/{token}"))),
        footer: format!("The link works for {VERIFY_DAYS} days. If you did not sign up, ignore this mail."),
        unsubscribe: None,
    };
    enqueue(
        &mut w,
        NewMail {
            to_email: email,
            to_name: name,
            subject: "Confirm your address for Chorus".into(),
            text: letter.text(),
            html: Some(letter.html()),
            user_id: Some(user),
            kind: Some("verify_email".into()),
            ..NewMail::default()
        },
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Confirms an address from its link (single use, expiring).
pub async fn verify_email(db: &Db, token: &str) -> Result<i64> {
    crate::limits::check_len("token", token, 200)?;
    let now = now_ms();
    let mut w = db.write().await?;
    let user: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM mail_tokens WHERE token_hash = $1 AND purpose = 'verify' AND used_at IS NULL AND expires_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(now)
    .fetch_optional(w.conn())
    .await?;
    let Some(user) = user else {
        return Err(AppError::new(
            ErrorCode::NotFound,
            "This confirmation link is not valid: it was used, or it expired",
        ));
    };
    sqlx::query("UPDATE mail_tokens SET used_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(sha256_hex(token))
        .execute(w.conn())
        .await?;
    sqlx::query("UPDATE users SET email_verified_at = $1 WHERE id = $2").bind(now).bind(user).execute(w.conn()).await?;
    w.commit().await?;
    Ok(user)
}

/// Mails an invitation link to the address given (the link is also shown to whoever made it, to copy).
pub async fn mail_invitation(db: &Db, inviter: &str, to_email: &str, what: &str, path: &str) -> Result<()> {
    crate::limits::check_len("email", to_email.trim(), crate::limits::EMAIL)?;
    let email = normalize_email(to_email);
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err(AppError::validation("email", "Enter a valid email address"));
    }
    let letter = Letter {
        greeting: "Hello,".into(),
        blocks: vec![Block::Para(format!("{inviter} invites you to {what} on Chorus."))],
        action: Some(("Accept the invitation".into(), format!("{BASE}{path}"))),
        footer: "The link works once. If you did not expect it, ignore this mail.".into(),
        unsubscribe: None,
    };
    let mut w = db.write().await?;
    enqueue(
        &mut w,
        NewMail {
            to_email: email.clone(),
            to_name: String::new(),
            subject: format!("{inviter} invites you to {what}"),
            text: letter.text(),
            html: Some(letter.html()),
            kind: Some("invitation".into()),
            ..NewMail::default()
        },
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Mails a creator's invitation to the creator's contact address, when the pool has one. Returns whether it did.
pub async fn mail_creator_invitation(
    db: &Db,
    inviter: &str,
    campaign_id: i64,
    creator_id: i64,
    path: &str,
) -> Result<bool> {
    let row: Option<(Option<String>, String)> = sqlx::query_as(
        "SELECT cr.contact_email, c.name FROM creators cr JOIN campaigns c ON c.id = cr.campaign_id WHERE cr.id = $1 AND cr.campaign_id = $2",
    )
    .bind(creator_id)
    .bind(campaign_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some((Some(email), campaign)) = row.filter(|r| r.0.as_deref().is_some_and(|e| e.contains('@'))) else {
        return Ok(false);
    };
    mail_invitation(db, inviter, &email, &format!("the campaign \"{campaign}\" on your own creator page"), path)
        .await?;
    Ok(true)
}
