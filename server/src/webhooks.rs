//! Webhooks, the server's part: the address check (HTTPS unless the operator allows plain HTTP,
//! `--webhooks-allow-http`; never a loopback, private or link-local address unless the operator allows it,
//! `--webhooks-allow-private`), the deliverer that posts what the campaigns' event
//! logs queued (`app::webhooks::ssr`), signed like Stripe's webhooks, and the API and form routes.
//!
//! A delivery is `POST`ed with `Chorus-Delivery: dlv_…` (also `id` in a `chorus` body: the same on every attempt,
//! so a receiver drops repeats), `Chorus-Event: <kind>` and `Chorus-Signature: t=<unix seconds>,v1=<hex>`, where
//! `v1` is HMAC-SHA256 keyed with the webhook's secret over `"<t>.<body>"`. Any 2xx answer delivers it; anything
//! else (or no answer within the timeout) is retried with doubling waits for a day. Each attempt resolves the host
//! again, checks every address, and connects to the checked one (no second lookup a DNS rebinding could answer).
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use hmac::{Hmac, Mac};
use http_body_util::Full;
use sha2::Sha256;

use app::db::Db;
use app::error::{AppError, Result};
use app::state::AppState;
use app::webhooks::ssr::{self as hooks, Claimed};
use app::webhooks::{CreatedWebhook, Delivery, NewWebhook, Webhook};

use crate::api::ApiJson;
use crate::auth::Auth;

/// What the operator decided about webhooks (`Config`).
#[derive(Clone)]
pub struct Settings {
    /// Deliver to loopback, private and link-local addresses (local receivers, tests).
    pub allow_private: bool,
    /// Deliver over plain `http://` (a receiver on this machine, tests).
    pub allow_http: bool,
    /// The first retry's wait; each later one doubles it (at most an hour).
    pub retry_base_ms: i64,
    /// How long one attempt may take (connect, TLS, answer).
    pub timeout: Duration,
    /// Deliveries done (delivered or given up) longer ago than this leave the log.
    pub log_retention_ms: i64,
    /// The TLS client: the public roots, and the operator's CA if any (`--webhook-ca-file`).
    tls: tokio_rustls::TlsConnector,
}

impl Settings {
    /// The operator's settings; an unreadable CA file is a sentence for the operator.
    pub fn from_config(c: &crate::Config) -> anyhow::Result<Settings> {
        Ok(Settings {
            allow_private: c.webhooks_allow_private,
            allow_http: c.webhooks_allow_http,
            retry_base_ms: c.webhook_retry_base_ms.max(1) as i64,
            timeout: Duration::from_secs(c.webhook_timeout_seconds.max(1)),
            log_retention_ms: i64::from(c.webhook_log_days.max(1)) * 86_400_000,
            tls: tls(c.webhook_ca_file.as_deref())?,
        })
    }
}

/// Whether an address is on the public internet: not loopback, private (RFC 1918, unique local), link-local,
/// carrier-grade NAT, unspecified, broadcast, multicast, documentation or benchmarking ranges; IPv4 inside IPv6
/// (mapped, compatible, NAT64) is judged by its IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) and IPv4-compatible (::a.b.c.d) addresses carry an IPv4 address.
            if (s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0]) || s[0..6] == [0, 0, 0, 0, 0, 0] {
                let o = v6.octets();
                return !v6.is_unspecified()
                    && !v6.is_loopback()
                    && is_public_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
            }
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0100 && s[1..4] == [0, 0, 0])) // discard-only 100::/64
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0 // "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // carrier-grade NAT 100.64.0.0/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18.0.0/15
        || o[0] >= 240) // reserved
}

/// A webhook address, checked: its parts and the addresses it resolved to (every one of them allowed).
#[derive(Debug, Clone)]
pub struct Target {
    pub url: url::Url,
    pub host: String,
    pub addrs: Vec<SocketAddr>,
}

/// Parses and checks a webhook address (422 naming `url`): `https://` (or `http://` when the operator allows it),
/// a host, no user name or password in it; the host resolves, and to allowed addresses only.
pub async fn check_url(raw: &str, settings: &Settings) -> Result<Target> {
    let bad = |m: &str| AppError::validation("url", m.to_string());
    app::limits::check_len("url", raw, app::limits::URL)?;
    let url = url::Url::parse(raw.trim()).map_err(|e| bad(&format!("This is not a web address ({e})")))?;
    match url.scheme() {
        "https" => {}
        "http" if settings.allow_http => {}
        "http" => return Err(bad("The address must start with https:// (deliveries are never sent unencrypted)")),
        _ => return Err(bad("The address must start with https://")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("Put no user name or password in the address; every delivery is signed instead"));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(bad("The address has no host")),
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> =
        match tokio::time::timeout(Duration::from_secs(5), tokio::net::lookup_host((host.as_str(), port))).await {
            Ok(Ok(a)) => a.collect(),
            _ => Vec::new(),
        };
    if addrs.is_empty() {
        return Err(bad(&format!("The host {host} could not be resolved")));
    }
    if !settings.allow_private {
        if let Some(a) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(bad(&format!(
                "The host {host} resolves to {}, a loopback, private or link-local address; webhooks go to public addresses only",
                a.ip()
            )));
        }
    }
    Ok(Target { url, host, addrs })
}

/// The `Chorus-Signature` header of a body sent at `t` (Unix seconds): `t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The TLS client for deliveries: Mozilla's roots, plus the certificates of `ca_file` (PEM) when given.
fn tls(ca_file: Option<&std::path::Path>) -> anyhow::Result<tokio_rustls::TlsConnector> {
    use anyhow::Context;
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let what = || format!("--webhook-ca-file {}", path.display());
        let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(path)
            .with_context(what)?
            .collect::<std::result::Result<_, _>>()
            .with_context(what)?;
        anyhow::ensure!(!certs.is_empty(), "--webhook-ca-file {}: no certificate in it", path.display());
        for cert in certs {
            roots.add(cert).with_context(what)?;
        }
    }
    // ring (not aws-lc-rs, whose build needs cmake and a long C compile); rustls deprecates ring's provider only for
    // its lack of post-quantum key exchange, which webhook receivers do not require.
    #[allow(deprecated)]
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// Posts `body` to the target, connecting to `addr` (one of its checked addresses). The answer's status, or why
/// there was none.
async fn post_to(
    tls: &tokio_rustls::TlsConnector,
    target: &Target,
    addr: SocketAddr,
    headers: &[(&str, String)],
    body: String,
) -> std::result::Result<u16, String> {
    let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let url = &target.url;
    let authority = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let mut req = axum::http::Request::post(path)
        .header(axum::http::header::HOST, authority)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .header(axum::http::header::USER_AGENT, "Chorus-Webhooks/1");
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let req = req.body(Full::new(Bytes::from(body))).map_err(|e| e.to_string())?;
    if url.scheme() == "https" {
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(target.host.clone())
            .map_err(|e| format!("invalid host name: {e}"))?;
        let stream = tls.connect(name, tcp).await.map_err(|e| format!("TLS: {e}"))?;
        send(hyper_util::rt::TokioIo::new(stream), req).await
    } else {
        send(hyper_util::rt::TokioIo::new(tcp), req).await
    }
}

async fn send<S>(io: S, req: axum::http::Request<Full<Bytes>>) -> std::result::Result<u16, String>
where
    S: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.map_err(|e| e.to_string())?;
    let conn = tokio::spawn(conn);
    let resp = sender.send_request(req).await.map_err(|e| e.to_string());
    conn.abort();
    Ok(resp?.status().as_u16())
}

/// One attempt at one delivery: resolve and check the host again, post to a checked address, record the outcome.
async fn attempt(db: &Db, settings: &Settings, c: Claimed) {
    let id = app::webhooks::delivery_id(c.row_id);
    let body = app::webhooks::body(&c.format, &id, &c.kind, c.campaign_id, c.created_at, &c.payload);
    let outcome = match check_url(&c.url, settings).await {
        Err(e) => Err((None, e.message)),
        Ok(target) => {
            let t = chrono::Utc::now().timestamp();
            let headers = [
                ("chorus-delivery", id.clone()),
                ("chorus-event", c.kind.clone()),
                ("chorus-signature", signature(&c.secret, t, &body)),
            ];
            match tokio::time::timeout(
                settings.timeout,
                post_to(&settings.tls, &target, target.addrs[0], &headers, body),
            )
            .await
            {
                Err(_) => Err((None, format!("no answer within {} s", settings.timeout.as_secs()))),
                Ok(Err(e)) => Err((None, e)),
                Ok(Ok(status)) if (200..300).contains(&status) => Ok(status),
                Ok(Ok(status)) => Err((Some(status), format!("the receiver answered {status}"))),
            }
        }
    };
    match &outcome {
        Ok(status) => tracing::info!(delivery = %id, status, "webhook delivered"),
        Err((_, e)) => {
            tracing::info!(delivery = %id, error = %e, attempts = c.attempts + 1, "webhook delivery failed; retried later")
        }
    }
    let retry = app::webhooks::backoff_ms(settings.retry_base_ms, c.attempts + 1);
    if let Err(e) = hooks::finish(db, &c, outcome, retry).await {
        tracing::warn!(delivery = %id, error = %e, "could not record a webhook attempt (retried once its lease ends)");
    }
}

/// Deliveries sent at once by one process.
const IN_FLIGHT: usize = 16;

/// How often the delivery log is pruned (by one process of the deployment), and how often each process looks
/// whether that turn has come.
const PRUNE_EVERY_MS: i64 = 3_600_000;
const PRUNE_LOOK: Duration = Duration::from_secs(60);

/// Removes deliveries done longer ago than the operator keeps them (`--webhook-log-days`), if it is this
/// process's turn.
async fn prune(db: &Db, settings: &Settings) {
    match hooks::prune_deliveries(db, app::db::now_ms(), PRUNE_EVERY_MS, settings.log_retention_ms).await {
        Ok(Some(removed)) => tracing::info!(removed, "webhook delivery log pruned"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "could not prune the webhook delivery log (tried again later)"),
    }
}

/// Delivers what the event logs queue, in the background, until the task is aborted. A claim holds a delivery
/// for longer than an attempt may take; a process that dies leaves it to be claimed again once the claim ends.
pub fn spawn_deliverer(db: Db, settings: Settings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // Attempts in flight belong to this task: aborting it (the process stopping) ends them, unrecorded, and
        // their claims end with their leases.
        let mut attempts = tokio::task::JoinSet::new();
        // Longer than an attempt can take: the address's lookup (at most 5 s), the attempt's timeout, the write.
        let lease_ms = settings.timeout.as_millis() as i64 + 10_000;
        let mut every = tokio::time::interval(Duration::from_millis(250));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut look_at_log = tokio::time::Instant::now();
        loop {
            every.tick().await;
            if tokio::time::Instant::now() >= look_at_log {
                look_at_log += PRUNE_LOOK;
                prune(&db, &settings).await;
            }
            while attempts.try_join_next().is_some() {}
            let free = IN_FLIGHT.saturating_sub(attempts.len()) as i64;
            if free == 0 {
                continue;
            }
            let claimed = match hooks::claim(&db, app::db::now_ms(), lease_ms, free).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::debug!(error = %e, "webhook deliveries could not be claimed");
                    continue;
                }
            };
            for c in claimed {
                let db = db.clone();
                let settings = settings.clone();
                attempts.spawn(async move { attempt(&db, &settings, c).await });
            }
        }
    })
}

// ---- The API ----

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/campaigns/{id}/webhooks", get(list_webhooks).post(create_webhook))
        .route("/api/v1/campaigns/{id}/webhooks/{webhook_id}", delete(delete_webhook))
        .route("/api/v1/campaigns/{id}/webhooks/{webhook_id}/test", post(test_webhook))
        .route("/api/v1/campaigns/{id}/webhooks/{webhook_id}/deliveries", get(list_deliveries))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/webhooks",
    tag = "webhooks",
    summary = "Your organization's webhooks on the campaign (without their secrets)",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "OK", body = Vec<Webhook>),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
    )
)]
pub(crate) async fn list_webhooks(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Webhook>>> {
    Ok(Json(hooks::list(&s.db, &who, id).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/webhooks",
    tag = "webhooks",
    summary = "Create a webhook for your organization: the campaign's events of the chosen kinds are posted to `url`, signed with the secret returned here (only here)",
    description = "Each delivery is a POST with `Chorus-Delivery` (the delivery id, the same on every retry), `Chorus-Event` \
(the kind) and `Chorus-Signature: t=<unix seconds>,v1=<hex>`, where v1 = HMAC-SHA256(secret, \"<t>.<body>\"). A `chorus` \
body is `{\"id\", \"type\", \"campaign_id\", \"created_at\", \"event\"}`; a `slack` body is `{\"text\": …}`. A 2xx answer \
delivers it; otherwise it is retried with doubling waits for a day. The address must be https:// (unless the server runs \
with --webhooks-allow-http) and resolve to public addresses only (unless it runs with --webhooks-allow-private).",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = CreatedWebhook),
        (status = 403, description = "Creators cannot create webhooks", body = app::error::AppError),
        (status = 404, description = "No such campaign, or not yours to see", body = app::error::AppError),
        (status = 422, description = "`url` is not https, does not resolve, or resolves to a private address; `kinds` names an unknown kind; `format` is not chorus or slack", body = app::error::AppError),
    )
)]
pub(crate) async fn create_webhook(
    State(s): State<AppState>,
    Extension(settings): Extension<Settings>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NewWebhook>,
) -> Result<Response> {
    app::campaigns::ssr::authorize(&s.db, &who, id).await?;
    hooks::check_choice(&input.kinds, input.format.as_deref())?;
    let target = check_url(&input.url, &settings).await?;
    let created =
        hooks::create(&s.db, &who, id, target.url.as_str(), &input.kinds, input.format.as_deref(), true).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(
    delete,
    path = "/api/v1/campaigns/{id}/webhooks/{webhook_id}",
    tag = "webhooks",
    summary = "Delete one of your organization's webhooks (deliveries not sent yet are dropped)",
    params(("id" = i64, Path, description = "Campaign id"), ("webhook_id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such webhook of your organization on this campaign", body = app::error::AppError),
    )
)]
pub(crate) async fn delete_webhook(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, webhook_id)): Path<(i64, i64)>,
) -> Result<StatusCode> {
    hooks::delete(&s.db, &who, id, webhook_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/webhooks/{webhook_id}/test",
    tag = "webhooks",
    summary = "Send a test delivery (`ping`) to the webhook; it is queued and sent like any other",
    params(("id" = i64, Path, description = "Campaign id"), ("webhook_id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 202, description = "Queued", body = Delivery),
        (status = 404, description = "No such webhook of your organization on this campaign", body = app::error::AppError),
    )
)]
pub(crate) async fn test_webhook(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, webhook_id)): Path<(i64, i64)>,
) -> Result<Response> {
    Ok((StatusCode::ACCEPTED, Json(hooks::send_test(&s.db, &who, id, webhook_id).await?)).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/webhooks/{webhook_id}/deliveries",
    tag = "webhooks",
    summary = "The webhook's delivery log, newest first (the last 100)",
    params(("id" = i64, Path, description = "Campaign id"), ("webhook_id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "OK", body = Vec<Delivery>),
        (status = 404, description = "No such webhook of your organization on this campaign", body = app::error::AppError),
    )
)]
pub(crate) async fn list_deliveries(
    State(s): State<AppState>,
    Auth(who): Auth,
    Path((id, webhook_id)): Path<(i64, i64)>,
) -> Result<Json<Vec<Delivery>>> {
    Ok(Json(hooks::deliveries(&s.db, &who, id, webhook_id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn signatures_follow_the_documented_scheme() {
        // HMAC-SHA256("whsec_test", "1700000000.{}"), computed independently (Python's hmac module).
        let s = signature("whsec_test", 1_700_000_000, "{}");
        assert_eq!(s, "t=1700000000,v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91");
    }
}
