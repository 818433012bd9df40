//! One error type for every layer: a machine-readable code, a sentence a person can act on, and the field at fault.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
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
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson, thiserror::Error)]
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
mod ssr {
    use super::*;

    impl From<sqlx::Error> for AppError {
        fn from(e: sqlx::Error) -> Self {
            // Two writers creating the same thing at once: the loser hears what the check before the write
            // would have told it, never a 500.
            if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
                tracing::info!(error = %e, "unique violation answered as a conflict");
                return AppError::conflict("Someone else created this at the same moment; reload to see it", None);
            }
            tracing::error!(error = %e, "database error");
            AppError::internal()
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
            let status = http::StatusCode::from_u16(self.code.status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            (status, axum::Json(self)).into_response()
        }
    }
}
