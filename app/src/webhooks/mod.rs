//! Webhooks: a partner organization points a campaign's events at an HTTPS address. Every event the campaign's
//! log receives is queued, in the same transaction, for each webhook that wants its kind (`webhook_deliveries`);
//! the server's deliverer (`server/src/webhooks.rs`) posts it, signed, and retries with back-off for a day.
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod ssr;

/// The kind a "Send test" delivery carries.
pub const TEST_KIND: &str = "ping";
/// The two payload shapes: Chorus's own JSON, or Slack's incoming-webhook `{"text": …}`.
pub const FORMATS: [&str; 2] = ["chorus", "slack"];
/// How long a delivery is retried before it is given up (a day).
pub const RETRY_WINDOW_MS: i64 = 24 * 3600 * 1000;
/// Webhooks one organization may have on one campaign.
pub const MAX_PER_ORG: i64 = 20;

/// A webhook as its organization's members see it (never with its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: i64,
    pub campaign_id: i64,
    pub org_id: i64,
    pub url: String,
    /// The event kinds delivered (`Change` kinds); empty means every kind.
    pub kinds: Vec<String>,
    /// `chorus` (the event as JSON, with the delivery's `id`) or `slack` (`{"text": …}`).
    pub format: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: Option<String>,
}

/// A webhook just created, with its signing secret: shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    pub webhook: Webhook,
    /// Signs every delivery (`Chorus-Signature`); keep it, it is not shown again.
    pub secret: String,
}

/// What a partner asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewWebhook {
    /// `https://…` (plain `http://` and private addresses only when the server allows them).
    pub url: String,
    /// Event kinds to deliver; empty or absent for every kind.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// `chorus` (default) or `slack`.
    #[serde(default)]
    pub format: Option<String>,
}

/// One delivery and how it went (the delivery log).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// The delivery id (`Chorus-Delivery` header, `id` in the body): the same on every attempt.
    pub id: String,
    pub webhook_id: i64,
    pub kind: String,
    /// `pending`, `delivered` or `failed` (given up after a day).
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The webhooks page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct WebhooksView {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub org_name: String,
    pub time_zone: String,
    pub webhooks: Vec<Webhook>,
    pub deliveries: Vec<Delivery>,
    /// Every event kind one may choose.
    pub kinds: Vec<String>,
    /// The secret of the webhook just created by the viewer, the one time it is shown.
    pub revealed: Option<CreatedWebhook>,
}

/// The delivery id as receivers see it.
pub fn delivery_id(row_id: i64) -> String {
    format!("dlv_{row_id}")
}

/// The row of a delivery id (`dlv_42` → 42).
pub fn delivery_row(id: &str) -> Option<i64> {
    id.strip_prefix("dlv_")?.parse().ok()
}

/// The wait before attempt `attempts + 1` (after `attempts` failures): `base_ms` doubled each time, at most an hour.
pub fn backoff_ms(base_ms: i64, attempts: i64) -> i64 {
    let doublings = (attempts - 1).clamp(0, 20) as u32;
    base_ms.max(1).saturating_mul(1i64 << doublings).min(3_600_000)
}

/// The payload of a delivery: Chorus's JSON (`id`, `type`, `campaign_id`, `created_at`, `event`) or Slack's.
/// `payload` is the event as stored in the log (for a test delivery, a JSON object with a `message`).
pub fn body(format: &str, id: &str, kind: &str, campaign_id: i64, created_at_ms: i64, payload: &str) -> String {
    let created = chrono::DateTime::from_timestamp_millis(created_at_ms).unwrap_or_default();
    if format == "slack" {
        let text = match serde_json::from_str::<crate::realtime::Event>(payload) {
            Ok(event) => format!("Chorus campaign {campaign_id}: {}", event.describe()),
            Err(_) => serde_json::from_str::<serde_json::Value>(payload)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
                .unwrap_or_else(|| format!("Chorus campaign {campaign_id}: {kind}")),
        };
        return serde_json::json!({ "text": text }).to_string();
    }
    let event: serde_json::Value = serde_json::from_str(payload).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "id": id,
        "type": kind,
        "campaign_id": campaign_id,
        "created_at": created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "event": event,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_an_hour() {
        assert_eq!(backoff_ms(10_000, 1), 10_000);
        assert_eq!(backoff_ms(10_000, 2), 20_000);
        assert_eq!(backoff_ms(10_000, 4), 80_000);
        assert_eq!(backoff_ms(10_000, 30), 3_600_000);
        assert_eq!(delivery_row(&delivery_id(42)), Some(42));
        assert_eq!(delivery_row("x_1"), None);
    }

    #[test]
    fn slack_payloads_are_text_only() {
        let b = body("slack", "dlv_1", "ping", 3, 0, r#"{"message":"A test from Chorus"}"#);
        assert_eq!(b, r#"{"text":"A test from Chorus"}"#);
        let b: serde_json::Value =
            serde_json::from_str(&body("chorus", "dlv_1", "ping", 3, 0, r#"{"message":"x"}"#)).unwrap();
        assert_eq!(
            (b["id"].as_str(), b["type"].as_str(), b["campaign_id"].as_i64()),
            (Some("dlv_1"), Some("ping"), Some(3))
        );
    }
}
