//! Signing in and server-side sessions: their cookies, rotation and expiry.
use super::*;
/// Checks a password. Unknown email and wrong password get the same answer.
#[tracing::instrument(skip_all)]
pub async fn sign_in(db: &Db, input: &SignIn) -> Result<i64> {
    // No account has a longer email or password: refused before any lookup or hashing.
    crate::limits::check_len("email", input.email.trim(), crate::limits::EMAIL)?;
    crate::limits::check_len("password", &input.password, crate::limits::PASSWORD)?;
    let email = normalize_email(&input.email);
    let row: Option<(i64, String)> = sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(&db.pool)
        .await?;
    let wrong = || AppError::new(ErrorCode::Unauthorized, "Wrong email or password");
    let Some((user_id, hash)) = row else {
        // Spend the same time as a real check so response time does not reveal which emails exist.
        static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        let dummy = DUMMY.get_or_try_init(|| hash_password("not a real password")).await?;
        verify_password(&input.password, dummy).await?;
        return Err(wrong());
    };
    if verify_password(&input.password, &hash).await? {
        Ok(user_id)
    } else {
        Err(wrong())
    }
}

/// The one way a person gets a session, by whatever path they signed in or signed up (the API or the form posts):
/// the session the request came with, if any, ends, and a new one starts. So a session id that existed before
/// signing in (one somebody else may have planted in the browser) never becomes a signed-in session (session
/// fixation). Returns the new session's cookie value.
#[tracing::instrument(skip_all)]
pub async fn rotate_session(db: &Db, request: &http::HeaderMap, user_id: i64) -> Result<String> {
    if let Some(old) = session_token(request) {
        end_session(db, &old).await?;
    }
    create_session(db, user_id).await
}

/// Creates a server-side session and returns the cookie value (never stored as is).
async fn create_session(db: &Db, user_id: i64) -> Result<String> {
    let token = random_token(32);
    let now = now_ms();
    db.execute(
        sqlx::query("INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(sha256_hex(&token))
            .bind(user_id)
            .bind(now)
            .bind(now + SESSION_DAYS * 86_400_000),
    )
    .await?;
    Ok(token)
}

/// Forgets expired sessions and idempotency keys older than a day (retries come within minutes).
#[tracing::instrument(skip_all)]
pub async fn prune(db: &Db) -> Result<()> {
    let now = now_ms();
    db.execute(sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now)).await?;
    db.execute(sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1").bind(now - 86_400_000)).await?;
    // Shared rate-limit windows are at most an hour long.
    db.execute(sqlx::query("DELETE FROM rate_limits WHERE window_start < $1").bind(now - 2 * 3_600_000)).await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn end_session(db: &Db, token: &str) -> Result<()> {
    db.execute(sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(sha256_hex(token))).await?;
    Ok(())
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_DAYS * 86_400,
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_session_cookie(secure: bool) -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", if secure { "; Secure" } else { "" })
}

/// The one cookie reader: the session token a request carries in its `Cookie` header(s), if any.
pub fn session_token(request: &http::HeaderMap) -> Option<String> {
    request.get_all(http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(session_from_cookies)
}

/// The session token from one `Cookie` header.
fn session_from_cookies(header: &str) -> Option<String> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == SESSION_COOKIE && !v.is_empty()).then(|| v.to_string())
    })
}

#[tracing::instrument(skip_all)]
pub async fn me_by_id(db: &Db, user_id: i64) -> Result<Option<Me>> {
    #[derive(sqlx::FromRow)]
    struct MeRow {
        id: i64,
        name: String,
        email: String,
        role: String,
        // The organization's columns are NULL for a creator (who belongs to none).
        org_id: Option<i64>,
        org_name: Option<String>,
        org_kind: Option<String>,
        org_color: Option<String>,
    }
    let row: Option<MeRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, u.role, o.id AS org_id, o.name AS org_name, o.kind AS org_kind, \
         o.color AS org_color FROM users u LEFT JOIN organizations o ON o.id = u.org_id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| Me {
        user_id: r.id,
        name: r.name,
        email: r.email,
        role: Role::parse(&r.role),
        org: r.org_id.map(|id| {
            org_from_row(
                id,
                r.org_name.unwrap_or_default(),
                r.org_kind.unwrap_or_default(),
                r.org_color.unwrap_or_default(),
            )
        }),
    }))
}

#[tracing::instrument(skip_all)]
pub async fn principal_from_session(db: &Db, token: &str) -> Result<Option<Principal>> {
    let user_id: Option<i64> =
        sqlx::query_scalar("SELECT user_id FROM sessions WHERE id_hash = $1 AND expires_at > $2")
            .bind(sha256_hex(token))
            .bind(now_ms())
            .fetch_optional(&db.pool)
            .await?;
    let Some(user_id) = user_id else { return Ok(None) };
    Ok(me_by_id(db, user_id).await?.map(|me| Principal { me, via_token: None }))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn finds_the_session_among_other_cookies() {
        assert_eq!(session_from_cookies("a=1; chorus_session=abc; b=2").as_deref(), Some("abc"));
        assert_eq!(session_from_cookies("chorus_session="), None);
        assert_eq!(session_from_cookies("other=chorus_session"), None);
    }
}
