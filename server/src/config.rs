//! Command-line flags, each with an environment fallback.
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "chorus",
    version,
    about = "Chorus: the shared, live command center for joint influencer and UGC campaigns"
)]
pub struct Config {
    /// Database URL: `sqlite://path/to/file.db` (default: chorus.db in the data directory) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Address to listen on.
    #[arg(long, env = "CHORUS_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Where Chorus keeps its files (the SQLite database by default).
    #[arg(long, env = "CHORUS_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// The built site (the WASM bundles, the stylesheet and public files), as `scripts/build-site.sh` makes it.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Fill in a demo campaign (once) and print its sign-in details.
    #[arg(long, env = "CHORUS_DEMO")]
    pub demo: bool,

    /// Mark the session cookie Secure (set this when Chorus is served over HTTPS).
    #[arg(long, env = "CHORUS_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Extra origins allowed to send mutating requests and open WebSockets (the app's own host is always allowed),
    /// comma separated, e.g. `https://chorus.example.com`.
    #[arg(long, env = "CHORUS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// How many events each campaign keeps for clients to catch up; older ones are pruned.
    #[arg(long, env = "CHORUS_EVENT_RETENTION", default_value_t = 10_000)]
    pub event_retention: i64,

    /// Log format: `text` or `json`.
    #[arg(long, env = "CHORUS_LOG_FORMAT", default_value = "text")]
    pub log_format: String,

    /// Sign-in attempts allowed per email and client address in ten minutes (five times as many per address).
    #[arg(long, env = "CHORUS_LOGIN_ATTEMPTS", default_value_t = 10)]
    pub login_attempts: u32,

    /// New organizations one client address may sign up per hour.
    #[arg(long, env = "CHORUS_SIGN_UPS_PER_HOUR", default_value_t = 10)]
    pub sign_ups_per_hour: u32,

    /// Reverse proxies (load balancers) in front of Chorus, comma separated addresses or networks
    /// (`10.0.0.0/8,172.16.0.0/12`): from these, the client's address for the sign-in and sign-up limits is the
    /// last one in `X-Forwarded-For`. Without it every client behind a proxy would share one allowance.
    #[arg(long, env = "CHORUS_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,

    /// The largest file a creator may upload, in MB.
    #[arg(long, env = "CHORUS_MAX_UPLOAD_MB", default_value_t = 200)]
    pub max_upload_mb: u64,

    /// Send mail through this SMTP server: `smtps://smtp.example.com:465` (implicit TLS),
    /// `smtp://smtp.example.com:587?tls=required` (STARTTLS, required), `smtp://relay:25` (STARTTLS when offered) or
    /// `smtp://localhost:25?tls=none`. Without it, mail stays in the outbox, readable on each campaign's content page
    /// and in the logs.
    #[arg(long, env = "CHORUS_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// The SMTP user name (AUTH), if the server asks for one.
    #[arg(long, env = "CHORUS_SMTP_USER")]
    pub smtp_user: Option<String>,

    /// The SMTP password (AUTH). Prefer the environment variable to the flag (flags show in process lists).
    #[arg(long, env = "CHORUS_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,

    /// A CA certificate (PEM file) to trust for the SMTP server besides the usual public roots (a private relay).
    #[arg(long, env = "CHORUS_SMTP_CA_FILE")]
    pub smtp_ca_file: Option<PathBuf>,

    /// The sender of Chorus's mail: `chorus@example.com` or `"Chorus" <chorus@example.com>`.
    #[arg(long, env = "CHORUS_MAIL_FROM", default_value = "Chorus <chorus@localhost>")]
    pub mail_from: String,

    /// The address people open Chorus at, for the links in mail (default: http:// and the listening address).
    #[arg(long, env = "CHORUS_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// How long a process holds a mail it is sending before another process may take it over, in seconds.
    #[arg(long, env = "CHORUS_MAIL_LEASE_SECONDS", default_value_t = 120, hide = true)]
    pub mail_lease_seconds: u64,

    /// How often the outbox is looked at, in milliseconds.
    #[arg(long, env = "CHORUS_MAIL_POLL_MS", default_value_t = 2000, hide = true)]
    pub mail_poll_ms: u64,

    /// Where uploaded files go: `local` (a folder in the data directory, the default) or S3-compatible object
    /// storage, `s3://bucket/prefix`, which every process of a deployment shares (credentials from
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
    #[arg(long, env = "CHORUS_STORAGE", default_value = "local")]
    pub storage: String,

    /// The object store's URL, for anything but AWS S3 itself (MinIO…), e.g. `http://minio:9000`.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub s3_endpoint: Option<String>,

    /// The object store's region.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    pub s3_region: String,

    /// The object store's access key id.
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    pub s3_access_key_id: Option<String>,

    /// The object store's secret access key.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,

    /// Address buckets as `bucket.endpoint` even with `--s3-endpoint` (by default an explicit endpoint is addressed
    /// path-style, `endpoint/bucket`, as MinIO and most S3-compatible stores expect; AWS itself is always
    /// virtual-hosted).
    #[arg(long, env = "CHORUS_S3_VIRTUAL_HOSTED")]
    pub s3_virtual_hosted: bool,

    /// How often review clocks are checked for breaches, in seconds.
    #[arg(long, env = "CHORUS_CLOCK_SECONDS", default_value_t = 20)]
    pub clock_seconds: u64,

    /// How long a process holds a background job it claimed (a day's cut-off, a metric import, the sweep of
    /// abandoned uploads) without renewing it, in seconds: a job of a process that died is taken over after this.
    #[arg(long, env = "CHORUS_JOB_LEASE_SECONDS", default_value_t = 60, hide = true)]
    pub job_lease_seconds: u64,

    /// An upload with no chunk for this many hours is abandoned: its bytes (an object store's multipart upload)
    /// are removed, and the creator starts that file again.
    #[arg(long, env = "CHORUS_ABANDONED_UPLOAD_HOURS", default_value_t = 24)]
    pub abandoned_upload_hours: u64,

    /// A WebSocket client with more than this many KB sent to it and not read yet is dropped (it reconnects and
    /// catches up from the event log).
    #[arg(long, env = "CHORUS_WS_MAX_UNREAD_KB", default_value_t = 4096)]
    pub ws_max_unread_kb: u64,

    /// A WebSocket client that leaves what it was sent unread this many seconds (or whose connection cannot take
    /// a message that long) is dropped.
    #[arg(long, env = "CHORUS_WS_STALL_SECONDS", default_value_t = 10)]
    pub ws_stall_seconds: u64,

    /// Let webhooks go to loopback, private and link-local addresses (a receiver on this machine or the local
    /// network; tests). Off: webhooks go to public addresses only.
    #[arg(long, env = "CHORUS_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,

    /// Let webhooks go over plain http:// (unencrypted and unauthenticated: a receiver on this machine; tests).
    /// Off: https:// only.
    #[arg(long, env = "CHORUS_WEBHOOKS_ALLOW_HTTP")]
    pub webhooks_allow_http: bool,

    /// A CA certificate (PEM file) webhook receivers' certificates may chain to besides the usual public roots
    /// (a receiver with a private CA's certificate).
    #[arg(long, env = "CHORUS_WEBHOOK_CA_FILE")]
    pub webhook_ca_file: Option<PathBuf>,

    /// How many days the webhook delivery log keeps deliveries that are done (delivered or given up).
    #[arg(long, env = "CHORUS_WEBHOOK_LOG_DAYS", default_value_t = 30)]
    pub webhook_log_days: u32,

    /// The wait before a failed webhook delivery's first retry, in milliseconds; each later wait doubles (at most an
    /// hour), for a day.
    #[arg(long, env = "CHORUS_WEBHOOK_RETRY_BASE_MS", default_value_t = 10_000)]
    pub webhook_retry_base_ms: u64,

    /// How long one webhook delivery attempt may take (connecting, TLS, the receiver's answer), in seconds.
    #[arg(long, env = "CHORUS_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10)]
    pub webhook_timeout_seconds: u64,

    /// Runs this process's clock this many milliseconds ahead of the real one (the outbox, notifications and the
    /// background clocks read it): for tests that need hours to pass, such as quiet hours ending. Never in production.
    #[arg(long, env = "CHORUS_TEST_CLOCK_OFFSET_MS", default_value_t = 0, hide = true)]
    pub test_clock_offset_ms: i64,

    /// Fixes every connection's kernel send buffer at this many KB instead of letting the kernel size it (which
    /// on loopback absorbs megabytes). For tests of clients that do not read; not meant for production.
    #[arg(long, env = "CHORUS_TCP_SEND_BUFFER_KB", hide = true)]
    pub tcp_send_buffer_kb: Option<u32>,
}

impl Config {
    /// How mail leaves this server (the public address defaults to the one it listens on).
    pub fn mail_settings(&self, listening: SocketAddr) -> crate::mail::MailSettings {
        crate::mail::MailSettings {
            smtp_url: self.smtp_url.clone().filter(|u| !u.trim().is_empty()),
            user: self.smtp_user.clone().filter(|u| !u.is_empty()),
            password: self.smtp_password.clone(),
            ca_file: self.smtp_ca_file.clone(),
            from: self.mail_from.clone(),
            public_url: self.public_url.clone().unwrap_or_else(|| format!("http://{listening}")),
            lease: std::time::Duration::from_secs(self.mail_lease_seconds.max(1)),
        }
    }

    /// The object storage settings, `None` for the local folder; a sentence for the operator when they do not add up.
    pub fn object_storage(&self) -> Result<Option<app::media::s3::S3Config>, String> {
        if self.storage == "local" {
            return Ok(None);
        }
        let (bucket, prefix) = app::media::s3::S3Config::parse_location(&self.storage)
            .map_err(|e| format!("--storage must be `local` or s3://bucket/prefix: {e}"))?;
        let (Some(access_key_id), Some(secret_access_key)) =
            (self.s3_access_key_id.clone(), self.s3_secret_access_key.clone())
        else {
            return Err("object storage needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into());
        };
        Ok(Some(app::media::s3::S3Config {
            bucket,
            prefix,
            endpoint: self.s3_endpoint.clone(),
            region: self.s3_region.clone(),
            access_key_id,
            secret_access_key,
            path_style: self.s3_endpoint.is_some() && !self.s3_virtual_hosted,
        }))
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("chorus.db").display()))
    }

    /// A configuration for tests: an ephemeral port and the given database.
    pub fn for_tests(database_url: &str) -> Config {
        let mut c = Config::parse_from(["chorus"]);
        c.database_url = Some(database_url.to_string());
        c.addr = "127.0.0.1:0".parse().unwrap();
        c.data_dir =
            std::env::temp_dir().join(format!("chorus-files-{}-{}", std::process::id(), rand::random::<u32>()));
        c
    }
}
