//! The mail outbox: every mail Chorus sends (escalations, invitations) is queued here in the transaction that
//! causes it, sent by the SMTP sender when one is configured, and readable by the partners either way.
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod ssr;

/// A mail that Chorus sent or keeps for reading (no SMTP server configured).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OutboxMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_error: Option<String>,
}
