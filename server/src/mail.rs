//! Mail delivery: the outbox (a durable queue in the database, `app::outbox::ssr`) is sent through an SMTP server
//! with `lettre` when one is configured: implicit TLS (`smtps://`), STARTTLS (`smtp://…`, required with
//! `?tls=required`), authentication, RFC 2047 encoded headers, a `Message-ID` that stays the same across retries,
//! a text and an HTML part, and `List-Unsubscribe` for notifications. Without a server, mail stays in the outbox,
//! readable in the app and in the log.
use std::time::Duration;

use anyhow::Context;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use app::db::Db;
use app::outbox::ssr::{claim_due, mark_failed, mark_sent, ClaimedMail, BASE};

/// How mail leaves Chorus.
#[derive(Debug, Clone, Default)]
pub struct MailSettings {
    /// `smtp://host:port` (STARTTLS when the server offers it), `smtp://host:587?tls=required`,
    /// `smtps://host:465` (implicit TLS), `smtp://host:25?tls=none` (a local relay, never TLS).
    pub smtp_url: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    /// A CA certificate (PEM) to trust besides the usual roots (a private relay's).
    pub ca_file: Option<std::path::PathBuf>,
    /// `chorus@example.com` or `Chorus <chorus@example.com>`.
    pub from: String,
    /// The address people reach Chorus at, for links (`https://chorus.example.com`).
    pub public_url: String,
    /// How long a process holds a mail it is sending before another may take it over.
    pub lease: Duration,
}

pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    domain: String,
    public_url: String,
    /// This process's name on the mail it claims.
    owner: String,
    lease_ms: i64,
}

impl Mailer {
    pub fn new(s: &MailSettings) -> anyhow::Result<Mailer> {
        let from: Mailbox =
            s.from.parse().with_context(|| format!("--mail-from {:?} is not a mail address", s.from))?;
        let domain = from.email.domain().to_string();
        let transport = match &s.smtp_url {
            Some(url) => Some(transport(url, s).with_context(|| format!("--smtp-url {}", redact(url)))?),
            None => None,
        };
        Ok(Mailer {
            transport,
            from,
            domain,
            public_url: s.public_url.trim_end_matches('/').to_string(),
            owner: format!("{}-{:08x}", std::process::id(), rand::random::<u32>()),
            lease_ms: s.lease.as_millis().max(1000) as i64,
        })
    }

    pub fn configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends the mail that is due (up to 20 at a time). Returns how many were sent.
    pub async fn deliver(&self, db: &Db) -> usize {
        let Some(transport) = &self.transport else { return 0 };
        let mut sent = 0;
        // One mail claimed at a time, just before it is sent: a lease never runs out on a mail still waiting its
        // turn in this process (which another process would then send too).
        for _ in 0..20 {
            let mail = match claim_due(db, &self.owner, self.lease_ms, 1).await {
                Ok(mut c) if !c.is_empty() => c.remove(0),
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the outbox");
                    break;
                }
            };
            let result = match self.message(&mail) {
                Ok(m) => match tokio::time::timeout(Duration::from_secs(60), transport.send(m)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => Err((e.to_string(), e.is_permanent())),
                    Err(_) => Err(("the SMTP server did not answer in 60 s".to_string(), false)),
                },
                Err(e) => Err((e, true)),
            };
            let recorded = match &result {
                Ok(()) => {
                    sent += 1;
                    tracing::info!(id = mail.id, to = mail.to_email, subject = mail.subject, "mail sent");
                    mark_sent(db, mail.id, &self.owner).await
                }
                Err((e, permanent)) => {
                    tracing::warn!(id = mail.id, to = mail.to_email, error = %e, permanent, attempt = mail.attempts, "mail not sent");
                    mark_failed(db, &mail, &self.owner, e, *permanent).await
                }
            };
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "cannot update the outbox");
            }
        }
        sent
    }

    /// The message as it goes out.
    pub fn message(&self, m: &ClaimedMail) -> Result<Message, String> {
        let base = |s: &str| s.replace(BASE, &self.public_url);
        let to_addr = m.to_email.parse().map_err(|e| format!("{:?} is not a mail address: {e}", m.to_email))?;
        let mut b = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(m.to_name.clone()).filter(|n| !n.trim().is_empty()), to_addr))
            .subject(m.subject.clone())
            .date_now()
            .message_id(Some(format!("<{}.{}@{}>", m.message_id.as_deref().unwrap_or("chorus"), m.id, self.domain)))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()));
        if let Some(u) = &m.unsubscribe {
            // RFC 2369 and RFC 8058: one click in the mail program unsubscribes (a POST to the link).
            b = b
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{}>", base(u)),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".into(),
                ));
        }
        let text = base(&m.body);
        let body = match &m.html {
            Some(html) => MultiPart::alternative_plain_html(text, base(html)),
            None => MultiPart::alternative_plain_html(
                text.clone(),
                format!("<pre>{}</pre>", app::notify::email::escape(&text)),
            ),
        };
        b.multipart(body).map_err(|e| e.to_string())
    }
}

fn transport(url: &str, s: &MailSettings) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let (scheme, rest) = url.split_once("://").context("use smtp://host:port or smtps://host:port")?;
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = authority.trim_end_matches('/');
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            (h.trim_matches(['[', ']']).to_string(), Some(p.parse::<u16>().context("the port is not a number")?))
        }
        _ => (hostport.to_string(), None),
    };
    anyhow::ensure!(!host.is_empty(), "no host");
    let mode = query.split('&').find_map(|kv| kv.strip_prefix("tls=")).unwrap_or("");
    let tls_params = || -> anyhow::Result<TlsParameters> {
        let mut p = TlsParameters::builder(host.clone());
        if let Some(ca) = &s.ca_file {
            let pem = std::fs::read(ca).with_context(|| format!("cannot read {}", ca.display()))?;
            p = p.add_root_certificate(Certificate::from_pem(&pem).context("not a PEM certificate")?);
        }
        Ok(p.build_rustls()?)
    };
    let (tls, default_port) = match (scheme, mode) {
        ("smtps", _) => (Tls::Wrapper(tls_params()?), 465),
        ("smtp", "required") => (Tls::Required(tls_params()?), 587),
        ("smtp", "none") => (Tls::None, 25),
        ("smtp", "" | "opportunistic") => (Tls::Opportunistic(tls_params()?), 25),
        ("smtp", other) => anyhow::bail!("tls={other}: use tls=required, tls=opportunistic or tls=none"),
        (other, _) => anyhow::bail!("{other}:// is not a mail URL: use smtp:// or smtps://"),
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
        .port(port.unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(Duration::from_secs(30)));
    let from_url = userinfo.and_then(|u| u.split_once(':')).map(|(u, p)| (decode(u), decode(p)));
    let credentials = match (&s.user, &s.password, from_url) {
        (Some(u), Some(p), _) => Some((u.clone(), p.clone())),
        (_, _, Some(up)) => Some(up),
        _ => None,
    };
    if let Some((u, p)) = credentials {
        b = b.credentials(Credentials::new(u, p));
    }
    Ok(b.build())
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// A URL with its password hidden, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}
