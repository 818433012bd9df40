//! Accounts that need mail: "forgot password" (a single-use, expiring reset link whose token is kept only as a
//! hash; using it ends every session of the account) and email verification for new sign-ups. Asking for a reset
//! answers the same whether or not the email has an account.
use super::email::{Block, Letter};
use crate::accounts::ssr::{hash_password, normalize_email, random_token, sha256_hex, Principal};
use crate::accounts::MemberInvitation;
use crate::campaigns::{Invitation, NewInvitation};
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

/// The address an invitation is to be mailed to, checked (422 naming `email`) and normalised before anything is
/// written; `None` when none was given.
pub fn invitation_address(to: Option<&str>) -> Result<Option<String>> {
    let Some(to) = to.map(str::trim).filter(|e| !e.is_empty()) else { return Ok(None) };
    crate::limits::check_len("email", to, crate::limits::EMAIL)?;
    let email = normalize_email(to);
    let (local, domain) = email.split_once('@').unwrap_or_default();
    if local.is_empty() || domain.is_empty() || email.chars().any(char::is_whitespace) {
        return Err(AppError::validation("email", "Enter a valid email address, or leave it empty"));
    }
    Ok(Some(email))
}

/// Who an invitation says it comes from: "Maya Lind (Northwind)".
pub fn inviter(who: &Principal) -> String {
    match &who.me.org {
        Some(o) => format!("{} ({})", who.me.name, o.name),
        None => who.me.name.clone(),
    }
}

/// An invitation to a campaign (a partner's, or with `creator_id` a creator's portal invitation), mailed when mail
/// is configured: to `email` when given, otherwise (a creator) to the pool's contact address. The address is
/// checked before anything is written. Returns the invitation, its token and whether it was mailed; the link is
/// for the inviter to copy either way.
pub async fn invite_to_campaign(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    input: &NewInvitation,
    email: Option<&str>,
    mail_configured: bool,
) -> Result<(Invitation, String, bool)> {
    let email = invitation_address(email)?;
    let (invitation, token) = crate::campaigns::ssr::create_invitation(db, who, campaign_id, input).await?;
    if !mail_configured {
        return Ok((invitation, token, false));
    }
    let from = inviter(who);
    let mailed = match (email, input.creator_id) {
        (Some(email), _) => {
            let what = format!("the campaign \"{}\"", invitation.campaign_name);
            mail_invitation(db, &from, &email, &what, &invitation.path).await?;
            true
        }
        (None, Some(creator)) => mail_creator_invitation(db, &from, campaign_id, creator, &invitation.path).await?,
        (None, None) => false,
    };
    Ok((invitation, token, mailed))
}

/// A colleague's invitation to the organization, mailed to `email` when given and mail is configured (the address
/// checked first). Returns the invitation, its token and whether it was mailed.
pub async fn invite_colleague(
    db: &Db,
    who: &Principal,
    email: Option<&str>,
    mail_configured: bool,
) -> Result<(MemberInvitation, String, bool)> {
    let email = invitation_address(email)?;
    let (invitation, token) = crate::accounts::ssr::invite_member(db, who).await?;
    let mut mailed = false;
    if let (true, Some(email)) = (mail_configured, email) {
        let what = format!("join {}", invitation.org.name);
        mail_invitation(db, &who.me.name, &email, &what, &invitation.path).await?;
        mailed = true;
    }
    Ok((invitation, token, mailed))
}

/// Mails an invitation link to the address given (the link is also shown to whoever made it, to copy).
pub async fn mail_invitation(db: &Db, inviter: &str, to_email: &str, what: &str, path: &str) -> Result<()> {
    let email = invitation_address(Some(to_email))?
        .ok_or_else(|| AppError::validation("email", "Enter a valid email address"))?;
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
