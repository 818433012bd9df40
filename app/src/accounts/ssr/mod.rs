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

mod limiter;
mod members;
mod sessions;
mod tokens;

pub use limiter::{parse_networks, LoginLimiter};
pub use members::{add_member, get_member_invitation, invite_member, join_organization, list_members, sign_up};
pub(crate) use members::{insert_user, prepare_person};
pub use sessions::{
    clear_session_cookie, end_session, me_by_id, principal_from_session, prune, rotate_session, session_cookie,
    session_token, sign_in,
};
pub use tokens::{create_token, flush_token_uses, list_tokens, principal_from_token, revoke_token, TOKEN_PREFIX};
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

/// Argon2 costs tens of milliseconds of CPU and 19 MiB per call. It runs on the blocking pool, never on the async
/// workers (where it would stall every request those workers carry, and with them the database connections
/// those requests hold), and at most one call per core at a time: a burst of sign-ins queues here instead of
/// taking the machine.
async fn password_work<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
    });
    let _slot = slots.acquire().await.map_err(|_| AppError::internal())?;
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "password hashing task failed");
        AppError::internal()
    })
}

pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_string();
    password_work(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::internal()
    })
}

pub(crate) async fn verify_password(password: &str, hash: &str) -> Result<bool> {
    let (password, hash) = (password.to_string(), hash.to_string());
    password_work(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
}

pub(crate) fn normalize_email(email: &str) -> String {
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

/// An organization as read; its colour is its place in the partner palette (what older rows stored, e.g. a
/// pink that read as overdue, is not used).
pub fn org_from_row(id: i64, name: String, kind: String, _stored_color: String) -> OrgRef {
    OrgRef {
        id,
        name,
        kind: OrgKind::parse(&kind).unwrap_or(OrgKind::Agency),
        color: crate::vocab::partner_color(id).to_string(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_validation_names_the_field() {
        assert_eq!(validate_person(" ", "a@b.c", "12345678").unwrap_err().field.as_deref(), Some("name"));
        assert_eq!(validate_person("A", "nope", "12345678").unwrap_err().field.as_deref(), Some("email"));
        assert_eq!(validate_person("A", "a@", "12345678").unwrap_err().field.as_deref(), Some("email"));
        assert_eq!(validate_person("A", "a@b.c", "1234567").unwrap_err().field.as_deref(), Some("password"));
        assert!(validate_person("A", "a@b.c", "12345678").is_ok());
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h).await.unwrap());
        assert!(!verify_password("correct horsf", &h).await.unwrap());
        assert!(!verify_password("correct horse", "not a hash").await.unwrap());
    }
}
