//! Server side of accounts: Argon2id passwords, server-side sessions, API tokens and sign-in throttling.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{ApiToken, Me, Member, MemberInvitation, NewApiToken, Role, SignIn, SignUp};
use crate::db::{from_ms, now_ms, Db};
use crate::error::{AppError, ErrorCode, Result};
use crate::realtime::Actor;
use crate::vocab::{OrgKind, OrgRef};

pub const SESSION_COOKIE: &str = "chorus_session";
const SESSION_DAYS: i64 = 30;
const PARTNER_COLORS: [&str; 8] =
    ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#4d7c0f"];

/// Who is making a request: a signed-in person, or an integration through a partner's API token.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub me: Me,
    /// Set when the request came with an API token (its name).
    pub via_token: Option<String>,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.me.user_id,
            name: match &self.via_token {
                Some(t) => format!("{} via token \"{t}\"", self.me.name),
                None => self.me.name.clone(),
            },
            org_id: self.me.org.as_ref().map(|o| o.id),
            org_name: self.me.org.as_ref().map(|o| o.name.clone()),
        }
    }

    /// The organization of a partner member; creators have none and are refused partner operations.
    pub fn member_org(&self) -> Result<&OrgRef> {
        match (&self.me.role, &self.me.org) {
            (Role::Member, Some(org)) => Ok(org),
            _ => Err(AppError::forbidden("Only members of a partner organization can do this")),
        }
    }

    /// What kind of caller this is, for the request's span: `partner` (a member's session), `token` (a partner's
    /// API token) or `creator` (a creator's session).
    pub fn kind(&self) -> &'static str {
        match (&self.via_token, &self.me.role) {
            (Some(_), _) => "token",
            (None, Role::Member) => "partner",
            (None, Role::Creator) => "creator",
        }
    }

    /// A scope for idempotency keys: one per person or token.
    pub fn idempotency_scope(&self) -> String {
        match &self.via_token {
            Some(t) => format!("token:{}:{t}", self.me.user_id),
            None => format!("user:{}", self.me.user_id),
        }
    }
}

/// Records who is calling on the current request's span (its `principal` field, declared empty by the server's
/// trace layer): the principal's kind, or `anonymous` when the request carries no one. Outside a request span
/// (or inside a span without that field) nothing happens.
pub fn record_principal(extensions: &http::Extensions, who: Option<&Principal>) {
    let kind = who.map_or("anonymous", Principal::kind);
    tracing::Span::current().record("principal", tracing::field::display(kind));
    if let Some(slot) = extensions.get::<PrincipalSlot>() {
        let _ = slot.0.set(kind);
    }
}

/// Where the request's principal kind is noted for its `request` span, whichever task or nested span resolves it
/// (a page's data loads in tasks of their own, and domain operations run in spans of their own): the server puts one
/// in every request's extensions and records what it holds on the span when the answer is ready.
#[derive(Clone, Debug, Default)]
pub struct PrincipalSlot(pub std::sync::Arc<std::sync::OnceLock<&'static str>>);

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::internal()
    })
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn validate_person(name: &str, email: &str, password: &str) -> Result<()> {
    use crate::limits::{check_len, EMAIL, NAME, PASSWORD};
    if name.trim().is_empty() {
        return Err(AppError::validation("name", "Enter your name"));
    }
    check_len("name", name.trim(), NAME)?;
    check_len("email", email.trim(), EMAIL)?;
    check_len("password", password, PASSWORD)?;
    let email = email.trim();
    if email.len() < 3 || !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err(AppError::validation("email", "Enter a valid email address"));
    }
    if password.chars().count() < 8 {
        return Err(AppError::validation("password", "Use at least 8 characters for the password"));
    }
    Ok(())
}

pub fn org_from_row(id: i64, name: String, kind: String, color: String) -> OrgRef {
    OrgRef { id, name, kind: OrgKind::parse(&kind).unwrap_or(OrgKind::Agency), color }
}

/// An organization as a query selects it: `o.id AS org_id, o.name AS org_name, o.kind AS org_kind,
/// o.color AS org_color` (flattened into the row structs that carry one).
#[derive(Clone, sqlx::FromRow)]
pub struct OrgRow {
    pub org_id: i64,
    pub org_name: String,
    pub org_kind: String,
    pub org_color: String,
}

impl From<OrgRow> for OrgRef {
    fn from(r: OrgRow) -> Self {
        org_from_row(r.org_id, r.org_name, r.org_kind, r.org_color)
    }
}

/// Refuses an email that already has an account, naming the field.
pub(crate) async fn ensure_email_free(conn: &mut sqlx::AnyConnection, email: &str) -> Result<()> {
    let taken = sqlx::query("SELECT 1 FROM users WHERE email = $1").bind(email).fetch_optional(conn).await?.is_some();
    if taken {
        return Err(AppError::validation("email", "This email is already registered; sign in instead"));
    }
    Ok(())
}

/// Creates an organization and its first member. Returns the new user's id.
#[tracing::instrument(skip_all)]
pub async fn sign_up(db: &Db, input: &SignUp) -> Result<i64> {
    validate_person(&input.name, &input.email, &input.password)?;
    if input.org_name.trim().is_empty() {
        return Err(AppError::validation("org_name", "Enter the name of your brand or agency"));
    }
    crate::limits::check_len("org_name", input.org_name.trim(), crate::limits::NAME)?;
    let kind =
        OrgKind::parse(&input.org_kind).ok_or_else(|| AppError::validation("org_kind", "Choose brand or agency"))?;
    let email = normalize_email(&input.email);
    let hash = hash_password(&input.password)?;
    let mut w = db.write().await?;
    ensure_email_free(w.conn(), &email).await?;
    let org_count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations").fetch_one(w.conn()).await?;
    let color = PARTNER_COLORS[(org_count as usize) % PARTNER_COLORS.len()];
    let now = now_ms();
    let org_id: i64 = sqlx::query_scalar(
        "INSERT INTO organizations (name, kind, color, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(input.org_name.trim())
    .bind(kind.as_str())
    .bind(color)
    .bind(now)
    .fetch_one(w.conn())
    .await?;
    let user_id = insert_user(w.conn(), &input.name, &email, &hash, Role::Member, Some(org_id)).await?;
    w.commit().await?;
    Ok(user_id)
}

/// Adds a member to an existing organization (used by the demo data and by tests).
#[tracing::instrument(skip_all)]
pub async fn add_member(db: &Db, org_id: i64, name: &str, email: &str, password: &str) -> Result<i64> {
    let (email, hash) = prepare_person(name, email, password)?;
    let mut w = db.write().await?;
    ensure_email_free(w.conn(), &email).await?;
    let id = insert_user(w.conn(), name, &email, &hash, Role::Member, Some(org_id)).await?;
    w.commit().await?;
    Ok(id)
}

const MEMBER_INVITATION_DAYS: i64 = 7;

/// The members of the principal's organization.
#[tracing::instrument(skip_all)]
pub async fn list_members(db: &Db, who: &Principal) -> Result<Vec<Member>> {
    let org = who.member_org()?;
    #[derive(sqlx::FromRow)]
    struct MemberRow {
        id: i64,
        name: String,
        email: String,
        created_at: i64,
    }
    let rows: Vec<MemberRow> =
        sqlx::query_as("SELECT id, name, email, created_at FROM users WHERE org_id = $1 ORDER BY id")
            .bind(org.id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| Member { user_id: r.id, name: r.name, email: r.email, joined_at: from_ms(r.created_at) })
        .collect())
}

/// A single-use link for a colleague to join the principal's organization. Returns it and its token.
#[tracing::instrument(skip_all)]
pub async fn invite_member(db: &Db, who: &Principal) -> Result<(MemberInvitation, String)> {
    let org = who.member_org()?;
    if who.via_token.is_some() {
        return Err(AppError::forbidden("API tokens cannot invite people"));
    }
    let token = random_token(24);
    let now = now_ms();
    db.execute(sqlx::query(
        "INSERT INTO member_invitations (token_hash, org_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sha256_hex(&token))
    .bind(org.id)
    .bind(who.me.user_id)
    .bind(now)
    .bind(now + MEMBER_INVITATION_DAYS * 86_400_000)
    )
    .await?;
    Ok((get_member_invitation(db, &token).await?, token))
}

/// What a colleague's link offers; used or expired links are "not found".
#[tracing::instrument(skip_all)]
pub async fn get_member_invitation(db: &Db, token: &str) -> Result<MemberInvitation> {
    #[derive(sqlx::FromRow)]
    struct InvitationRow {
        #[sqlx(flatten)]
        org: OrgRow,
        invited_by: String,
        expires_at: i64,
    }
    let row: InvitationRow = sqlx::query_as(
        "SELECT o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.color AS org_color, u.name AS invited_by, \
         i.expires_at FROM member_invitations i \
         JOIN organizations o ON o.id = i.org_id JOIN users u ON u.id = i.created_by \
         WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::not_found("Invitation (it may have been used or have expired)"))?;
    Ok(MemberInvitation {
        org: row.org.into(),
        invited_by: row.invited_by,
        expires_at: from_ms(row.expires_at),
        path: format!("/join/{token}"),
    })
}

/// A colleague creates their account in the inviting organization. Returns the new user's id.
#[tracing::instrument(skip_all)]
pub async fn join_organization(db: &Db, token: &str, name: &str, email: &str, password: &str) -> Result<i64> {
    let (email, hash) = prepare_person(name, email, password)?;
    let mut w = db.write().await?;
    ensure_email_free(w.conn(), &email).await?;
    let org_id: i64 = sqlx::query_scalar(
        "SELECT org_id FROM member_invitations WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(now_ms())
    .fetch_optional(w.conn())
    .await?
    .ok_or_else(|| AppError::not_found("Invitation (it may have been used or have expired)"))?;
    let user_id = insert_user(w.conn(), name, &email, &hash, Role::Member, Some(org_id)).await?;
    let claimed = sqlx::query(
        "UPDATE member_invitations SET used_by = $1, used_at = $2 WHERE token_hash = $3 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(now_ms())
    .bind(sha256_hex(token))
    .execute(w.conn())
    .await?;
    if claimed.rows_affected() != 1 {
        return Err(AppError::not_found("Invitation (it may have been used or have expired)"));
    }
    w.commit().await?;
    Ok(user_id)
}

pub(crate) async fn insert_user(
    conn: &mut sqlx::AnyConnection,
    name: &str,
    email: &str,
    hash: &str,
    role: Role,
    org_id: Option<i64>,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, password_hash, role, org_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(email)
    .bind(name.trim())
    .bind(hash)
    .bind(role.as_str())
    .bind(org_id)
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Checks a new person's details and returns their normalized email and password hash.
pub(crate) fn prepare_person(name: &str, email: &str, password: &str) -> Result<(String, String)> {
    validate_person(name, email, password)?;
    Ok((normalize_email(email), hash_password(password)?))
}

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
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let dummy = DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default());
        let _ = verify_password(&input.password, dummy);
        return Err(wrong());
    };
    if verify_password(&input.password, &hash) {
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

pub const TOKEN_PREFIX: &str = "chorus_";

#[tracing::instrument(skip_all)]
pub async fn principal_from_token(db: &Db, token: &str) -> Result<Option<Principal>> {
    #[derive(sqlx::FromRow)]
    struct TokenRow {
        id: i64,
        user_id: i64,
        org_id: i64,
        name: String,
    }
    let row: Option<TokenRow> =
        sqlx::query_as("SELECT id, user_id, org_id, name FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(sha256_hex(token))
            .fetch_optional(&db.pool)
            .await?;
    let Some(TokenRow { id, user_id, org_id, name }) = row else { return Ok(None) };
    note_token_use(db, id);
    let Some(me) = me_by_id(db, user_id).await? else { return Ok(None) };
    // A token speaks for the organization that created it, as long as its creator still belongs there.
    if me.org.as_ref().map(|o| o.id) != Some(org_id) {
        return Ok(None);
    }
    Ok(Some(Principal { me, via_token: Some(name) }))
}

/// Remembers that a token was used; `flush_token_uses` writes it (a request never waits on, or fails over,
/// this bookkeeping).
fn note_token_use(db: &Db, token_id: i64) {
    if let Ok(mut uses) = db.token_uses.lock() {
        uses.insert(token_id, now_ms());
    }
}

/// Writes the tokens' last-used times noted since the last flush, in one transaction (every few seconds and
/// at shutdown). On failure the times are kept for the next flush.
#[tracing::instrument(skip_all)]
pub async fn flush_token_uses(db: &Db) -> Result<usize> {
    let mut uses: Vec<(i64, i64)> = match db.token_uses.lock() {
        Ok(mut map) => map.drain().collect(),
        Err(_) => return Ok(0),
    };
    if uses.is_empty() {
        return Ok(0);
    }
    uses.sort_unstable();
    let written = async {
        let mut w = db.write().await?;
        for (id, at) in &uses {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
            )
            .bind(*at)
            .bind(*id)
            .execute(w.conn())
            .await?;
        }
        w.commit().await?;
        Ok::<_, AppError>(())
    }
    .await;
    if let Err(e) = written {
        if let Ok(mut map) = db.token_uses.lock() {
            for (id, at) in uses {
                let kept = map.entry(id).or_insert(at);
                *kept = (*kept).max(at);
            }
        }
        return Err(e);
    }
    Ok(uses.len())
}

#[tracing::instrument(skip_all)]
pub async fn create_token(db: &Db, who: &Principal, name: &str) -> Result<NewApiToken> {
    let org = who.member_org()?;
    if who.via_token.is_some() {
        return Err(AppError::forbidden("API tokens cannot create other tokens"));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.contains('\0') {
        return Err(AppError::validation("name", "Give the token a name of 1 to 80 characters"));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_token(24));
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let now = now_ms();
    let mut w = db.write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (org_id, user_id, name, prefix, token_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org.id)
    .bind(who.me.user_id)
    .bind(name)
    .bind(&prefix)
    .bind(sha256_hex(&secret))
    .bind(now)
    .fetch_one(w.conn())
    .await?;
    w.commit().await?;
    Ok(NewApiToken {
        token: ApiToken {
            id,
            name: name.to_string(),
            prefix,
            created_by: who.me.name.clone(),
            created_at: from_ms(now),
            last_used_at: None,
            revoked_at: None,
        },
        secret,
    })
}

#[tracing::instrument(skip_all)]
pub async fn list_tokens(db: &Db, who: &Principal) -> Result<Vec<ApiToken>> {
    let org = who.member_org()?;
    #[derive(sqlx::FromRow)]
    struct TokenRow {
        id: i64,
        name: String,
        prefix: String,
        created_by: String,
        created_at: i64,
        last_used_at: Option<i64>,
        revoked_at: Option<i64>,
    }
    let rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT t.id, t.name, t.prefix, u.name AS created_by, t.created_at, t.last_used_at, t.revoked_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.org_id = $1 ORDER BY t.id DESC",
    )
    .bind(org.id)
    .fetch_all(&db.pool)
    .await?;
    // Uses not written yet (they are written in batches) still show.
    let pending = db.token_uses.lock().map(|m| m.clone()).unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|r| ApiToken {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            created_by: r.created_by,
            created_at: from_ms(r.created_at),
            last_used_at: r.last_used_at.max(pending.get(&r.id).copied()).map(from_ms),
            revoked_at: r.revoked_at.map(from_ms),
        })
        .collect())
}

#[tracing::instrument(skip_all)]
pub async fn revoke_token(db: &Db, who: &Principal, token_id: i64) -> Result<()> {
    let org = who.member_org()?;
    let done = db
        .execute(
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(token_id)
                .bind(org.id),
        )
        .await?;
    if done == 0 {
        let exists = sqlx::query("SELECT 1 FROM api_tokens WHERE id = $1 AND org_id = $2")
            .bind(token_id)
            .bind(org.id)
            .fetch_optional(&db.pool)
            .await?;
        if exists.is_none() {
            return Err(AppError::not_found("API token"));
        }
    }
    Ok(())
}

/// Throttles sign-in attempts per email and client address (so that one address cannot lock the owner of an email
/// out of the others), sign-in attempts per client address across emails, and sign-ups per client address.
pub struct LoginLimiter {
    attempts: Mutex<HashMap<String, (u32, Instant)>>,
    sign_ups: Mutex<HashMap<String, (u32, Instant)>>,
    /// Sign-in attempts per email and address in a window; one address may try five times as many overall.
    pub max_per_window: u32,
    pub window: Duration,
    /// New organizations one address may sign up per hour.
    pub sign_ups_per_hour: u32,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            attempts: Mutex::new(HashMap::new()),
            sign_ups: Mutex::new(HashMap::new()),
            max_per_window: 10,
            window: Duration::from_secs(600),
            sign_ups_per_hour: 10,
        }
    }
}

/// Counts one more hit on `key`; `Err(minutes to wait)` once more than `limit` fell in the current `window`.
fn hit(
    map: &mut HashMap<String, (u32, Instant)>,
    key: String,
    limit: u32,
    window: Duration,
    now: Instant,
) -> Result<(), u64> {
    if map.len() > 100_000 {
        map.retain(|_, (_, start)| now.duration_since(*start) < window);
    }
    let entry = map.entry(key).or_insert((0, now));
    if now.duration_since(entry.1) >= window {
        *entry = (0, now);
    }
    entry.0 = entry.0.saturating_add(1);
    if entry.0 > limit {
        return Err(window.saturating_sub(now.duration_since(entry.1)).as_secs().div_ceil(60).max(1));
    }
    Ok(())
}

/// The address a limit counts: an IPv6 client by its /64 network (one subscriber usually holds a whole /64).
fn network(client: &str) -> String {
    match client.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(|v4| v4.to_string()).unwrap_or_default(),
        _ => client.to_string(),
    }
}

fn pair_key(email: &str, client: &str) -> String {
    format!("p:{} {}", network(client), normalize_email(email))
}

impl LoginLimiter {
    pub fn new(max_per_window: u32) -> Self {
        LoginLimiter { max_per_window, ..LoginLimiter::default() }
    }

    /// Counts a sign-in attempt; refuses once the window's allowance for this email from this address, or for this
    /// address overall, is spent.
    pub fn check(&self, email: &str, client: &str) -> Result<()> {
        let now = Instant::now();
        let mut map = self.attempts.lock().unwrap();
        let per_address = (format!("c:{}", network(client)), self.max_per_window.saturating_mul(5));
        for (key, limit) in [(pair_key(email, client), self.max_per_window), per_address] {
            if let Err(wait) = hit(&mut map, key, limit, self.window, now) {
                return Err(AppError::new(
                    ErrorCode::RateLimited,
                    format!("Too many sign-in attempts; try again in {wait} minute(s)"),
                ));
            }
        }
        Ok(())
    }

    /// A successful sign-in clears the count for this email from this address.
    pub fn succeeded(&self, email: &str, client: &str) {
        self.attempts.lock().unwrap().remove(&pair_key(email, client));
    }

    /// Counts an attempt to sign up a new organization from this address; refuses once the hour's allowance is spent.
    pub fn check_sign_up(&self, client: &str) -> Result<()> {
        let mut map = self.sign_ups.lock().unwrap();
        hit(&mut map, network(client), self.sign_ups_per_hour, Duration::from_secs(3600), Instant::now()).map_err(
            |wait| {
                AppError::new(
                    ErrorCode::RateLimited,
                    format!("Too many sign-ups from this network; try again in {wait} minute(s)"),
                )
            },
        )
    }
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

    #[test]
    fn person_validation_names_the_field() {
        assert_eq!(validate_person(" ", "a@b.c", "12345678").unwrap_err().field.as_deref(), Some("name"));
        assert_eq!(validate_person("A", "nope", "12345678").unwrap_err().field.as_deref(), Some("email"));
        assert_eq!(validate_person("A", "a@", "12345678").unwrap_err().field.as_deref(), Some("email"));
        assert_eq!(validate_person("A", "a@b.c", "1234567").unwrap_err().field.as_deref(), Some("password"));
        assert!(validate_person("A", "a@b.c", "12345678").is_ok());
    }

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsf", &h));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn the_limiter_counts_per_email_and_address_and_forgets_on_success() {
        let l = LoginLimiter::new(3);
        for _ in 0..3 {
            l.check("A@x.example", "1.1.1.1").unwrap();
        }
        let e = l.check("a@x.example", "1.1.1.1").unwrap_err();
        assert_eq!(e.code, ErrorCode::RateLimited);
        assert!(e.message.contains("try again in 10 minute"), "{}", e.message);
        // The owner, from another address, is not locked out by what one address did.
        l.check("a@x.example", "2.2.2.2").unwrap();
        // Another email from the same address still gets through (the per-address allowance is larger).
        l.check("b@x.example", "1.1.1.1").unwrap();
        l.succeeded("a@x.example", "1.1.1.1");
        l.check("a@x.example", "1.1.1.1").unwrap();
    }

    #[test]
    fn the_limiter_caps_one_address_across_emails() {
        let l = LoginLimiter::new(1);
        for i in 0..5 {
            l.check(&format!("{i}@x.example"), "9.9.9.9").unwrap();
        }
        assert!(l.check("5@x.example", "9.9.9.9").is_err());
        assert!(l.check("6@x.example", "8.8.8.8").is_ok());
    }

    #[test]
    fn sign_ups_are_limited_per_address() {
        let l = LoginLimiter { sign_ups_per_hour: 2, ..LoginLimiter::new(5) };
        l.check_sign_up("1.1.1.1").unwrap();
        l.check_sign_up("1.1.1.1").unwrap();
        let e = l.check_sign_up("1.1.1.1").unwrap_err();
        assert_eq!(e.code, ErrorCode::RateLimited);
        assert!(e.message.contains("sign-ups") && e.message.contains("60 minute"), "{}", e.message);
        l.check_sign_up("2.2.2.2").unwrap();
        // IPv6 clients count by their /64.
        l.check_sign_up("2001:db8:1:2::1").unwrap();
        l.check_sign_up("2001:db8:1:2::2").unwrap();
        assert!(l.check_sign_up("2001:db8:1:2:ffff::3").is_err());
        l.check_sign_up("2001:db8:1:3::1").unwrap();
        assert_eq!(network("::ffff:10.0.0.1"), "10.0.0.1");
    }
}
