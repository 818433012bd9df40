//! One error type for every layer: a machine-readable code, a sentence a person can act on, and the field at fault.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Validation,
    Conflict,
    IdempotencyKeyReused,
    RateLimited,
    /// The request body is larger than the server reads.
    PayloadTooLarge,
    Internal,
    /// The database cannot be reached right now: try again shortly (503, with `Retry-After`).
    Unavailable,
}

impl ErrorCode {
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::Validation | ErrorCode::IdempotencyKeyReused => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson, thiserror::Error)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Error))]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For conflicts: the record as it is now, so the person can decide what to keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<serde_json::Value>,
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError { code, message: message.into(), field: None, current: None }
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }
    pub fn unauthorized() -> Self {
        Self::new(ErrorCode::Unauthorized, "Sign in to continue")
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError { field: Some(field.to_string()), ..Self::new(ErrorCode::Validation, message) }
    }
    pub fn conflict(message: impl Into<String>, current: Option<serde_json::Value>) -> Self {
        AppError { current, ..Self::new(ErrorCode::Conflict, message) }
    }
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "Something went wrong on our side; it has been logged")
    }
    pub fn unavailable() -> Self {
        Self::new(ErrorCode::Unavailable, "The database cannot be reached right now; try again in a moment")
    }
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == code
    }
}

/// Errors travel as JSON too, read through the one decoder everything else uses (`json_text`), not through
/// Leptos' `JsonEncoding`, which reads from bytes and so would compile serde_json's byte reader into the WASM.
impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = crate::json_text::JsonTextEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        AppError::new(ErrorCode::BadRequest, value.to_string())
    }
}

#[cfg(feature = "ssr")]
pub use ssr::{database_unreachable, RETRY_AFTER_SECONDS};

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;

    /// Seconds a client is asked to wait (`Retry-After`) when the database cannot be reached.
    pub const RETRY_AFTER_SECONDS: u32 = 5;

    /// The operation a database error happened in: the innermost span (the domain functions are instrumented, so
    /// this is e.g. `app::charter::ssr::save_charter_section`), or "unknown" outside any.
    fn operation() -> String {
        tracing::Span::current()
            .metadata()
            .map(|m| format!("{}::{}", m.target(), m.name()))
            .unwrap_or_else(|| "unknown".into())
    }

    impl From<sqlx::Error> for AppError {
        fn from(e: sqlx::Error) -> Self {
            // Only the error: no request's context is looked up here. This runs in background jobs and API
            // handlers too, which have no reactive owner of their own, and a worker thread may still name the
            // owner of some page rendering on it (leptos' current owner is thread-local): a job's failure then
            // made that page a 503. A page that shows the error answers 503 itself (`components::ErrorNotice`),
            // a server function's error gets its status in `server::requests::server_fn_status`.
            if database_unreachable(&e) {
                tracing::warn!(error = %e, operation = %operation(), "database unavailable");
                return AppError::unavailable();
            }
            // Two writers creating the same thing at once: the loser hears what the check before the write
            // would have told it, never a 500.
            if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
                tracing::info!(error = %e, operation = %operation(), "unique violation answered as a conflict");
                return AppError::conflict("Someone else created this at the same moment; reload to see it", None);
            }
            let operation = operation();
            tracing::error!(error = %e, operation = %operation, "database error in {operation}");
            AppError::internal()
        }
    }

    /// Errors that say the database cannot be reached (rather than that a query is wrong): no connection within
    /// the pool's acquire timeout, a refused or broken connection, or the server refusing or ending sessions.
    pub fn database_unreachable(e: &sqlx::Error) -> bool {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
            sqlx::Error::WorkerCrashed => true,
            // SQLite: SQLITE_BUSY (5, or one of its extended codes) once the busy timeout ran out.
            sqlx::Error::Database(db) if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
                db.code().and_then(|code| code.parse::<i32>().ok()).is_some_and(|code| code & 0xff == 5)
            }
            // PostgreSQL: connection exceptions (08…), insufficient resources (53…, e.g. too many connections),
            // the server shutting down or refusing sessions (57P01–57P03), and a database that does not accept
            // connections (55000, `ALLOW_CONNECTIONS false`; none of our queries raises it otherwise).
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                code.starts_with("08")
                    || code.starts_with("53")
                    || matches!(&*code, "57P01" | "57P02" | "57P03" | "55000")
            }),
            _ => false,
        }
    }

    impl From<sqlx::migrate::MigrateError> for AppError {
        fn from(e: sqlx::migrate::MigrateError) -> Self {
            tracing::error!(error = %e, "migration error");
            AppError::internal()
        }
    }

    impl axum::response::IntoResponse for AppError {
        fn into_response(self) -> axum::response::Response {
            let status =
                http::StatusCode::from_u16(self.code.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            let unavailable = self.code == ErrorCode::Unavailable;
            let mut resp = (status, axum::Json(self)).into_response();
            if unavailable {
                resp.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from(RETRY_AFTER_SECONDS));
            }
            resp
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn an_unreachable_database_is_told_apart_from_a_failing_query() {
            assert!(database_unreachable(&sqlx::Error::PoolTimedOut));
            assert!(database_unreachable(&sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into())));
            assert!(!database_unreachable(&sqlx::Error::RowNotFound));
            assert!(!database_unreachable(&sqlx::Error::ColumnNotFound("x".into())));
            assert_eq!(AppError::unavailable().code.status(), 503);
        }

        #[test]
        fn a_database_error_is_logged_with_its_operation() {
            tracing::subscriber::with_default(tracing_subscriber::registry(), || {
                let span = tracing::info_span!("save_section", campaign = 3);
                let _in = span.enter();
                assert_eq!(operation(), "app::error::ssr::tests::save_section");
            });
            assert_eq!(operation(), "unknown");
        }
    }
}
