//! Test helpers: a fresh server per test on its own database (SQLite file or PostgreSQL database), a small
//! HTTP client that keeps its session cookie, and a real WebSocket client.

use std::time::Duration;

use chorus_server::{Config, Running};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests use (its `postgres` database is only used to create fresh ones).
pub fn pg_admin_url() -> String {
    std::env::var("CHORUS_TEST_PG").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".into())
}

fn unique(prefix: &str) -> String {
    use rand::Rng;
    format!("{prefix}_{}_{:08x}", std::process::id(), rand::thread_rng().gen::<u32>())
}

/// A fresh, empty database of the given kind.
pub async fn fresh_database(kind: DbKind) -> String {
    match kind {
        DbKind::Sqlite => {
            let dir = std::env::temp_dir().join(unique("chorus_test"));
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join("chorus.db").display())
        }
        DbKind::Postgres => {
            use sqlx::Connection;
            let admin = pg_admin_url();
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("PostgreSQL must run at 127.0.0.1:5432 for the tests (see README)");
            let name = unique("chorus_test");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
            let base = admin.rsplit_once('/').unwrap().0;
            format!("{base}/{name}")
        }
    }
}

pub struct TestApp {
    pub running: Running,
    pub base: String,
    /// Where its database is (for a test that opens it itself; none does today).
    #[allow(dead_code)]
    pub database_url: String,
}

pub async fn spawn_app(kind: DbKind) -> TestApp {
    let url = fresh_database(kind).await;
    spawn_on(&url, |_| {}).await
}

/// Logs are silent in tests unless `CHORUS_TEST_LOG` is set (e.g. `CHORUS_TEST_LOG=debug`).
fn init_tracing() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("CHORUS_TEST_LOG") {
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
    });
}

pub async fn spawn_on(database_url: &str, tweak: impl FnOnce(&mut Config)) -> TestApp {
    init_tracing();
    let mut config = Config::for_tests(database_url);
    config.site_root = std::env::temp_dir().join("chorus-test-site");
    config.login_attempts = 5;
    tweak(&mut config);
    let running = chorus_server::start(config).await.expect("server starts");
    let base = format!("http://{}", running.addr);
    TestApp { running, base, database_url: database_url.to_string() }
}

impl TestApp {
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.running.addr)
    }
}

/// An HTTP client with one session (or one bearer token).
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub cookie: Option<String>,
    pub bearer: Option<String>,
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub set_cookie: Option<String>,
}

impl Reply {
    pub fn ok(self) -> Value {
        assert!((200..300).contains(&self.status), "expected success, got {} {}", self.status, self.body);
        self.body
    }
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

impl Client {
    pub fn new(base: &str) -> Client {
        // A request that never gets an answer fails its test (naming the call) instead of hanging the run.
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap();
        Client { base: base.to_string(), http, cookie: None, bearer: None }
    }

    /// The same client with a longer limit per call, for a call whose duration a test measures.
    pub fn patient(mut self, limit: std::time::Duration) -> Client {
        self.http = reqwest::Client::builder().timeout(limit).build().unwrap();
        self
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        if let Some(t) = &self.bearer {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let set_cookie = resp
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").to_string());
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body, set_cookie }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body), &[]).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(body), &[]).await
    }

    /// Posts a plain-text body (a CSV file).
    pub async fn post_text(&self, path: &str, text: &str) -> Reply {
        let mut req =
            self.http.post(format!("{}{path}", self.base)).header("content-type", "text/csv").body(text.to_string());
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        if let Some(t) = &self.bearer {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body, set_cookie: None }
    }

    /// Posts a body of `len` bytes as far as the server lets it: the headers announce the length, the body is
    /// written until the server answers or refuses to read more. Returns the status and the whole answer. (A
    /// server refusing an oversized body answers before reading it and closes the connection; an HTTP client
    /// writing the whole body then fails with a broken pipe instead of reading that answer.)
    pub async fn post_declared(&self, path: &str, content_type: &str, len: usize) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = self.base.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let mut head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\nConnection: close\r\n");
        if let Some(c) = &self.cookie {
            head += &format!("Cookie: {c}\r\n");
        }
        if let Some(t) = &self.bearer {
            head += &format!("Authorization: Bearer {t}\r\n");
        }
        head += "\r\n";
        stream.write_all(head.as_bytes()).await.expect("headers");
        let (mut read, mut write) = stream.into_split();
        let writer = tokio::spawn(async move {
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            while sent < len {
                let n = chunk.len().min(len - sent);
                if write.write_all(&chunk[..n]).await.is_err() {
                    break;
                }
                sent += n;
            }
        });
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(30), read.read_to_end(&mut answer)).await;
        writer.abort();
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status in {text:?}"));
        (status, text)
    }

    /// One chunk of an upload, raw bytes at `offset`.
    pub async fn put_bytes(&self, upload: &str, offset: usize, bytes: &[u8]) -> Reply {
        let mut req =
            self.http.put(format!("{}/api/v1/uploads/{upload}?offset={offset}", self.base)).body(bytes.to_vec());
        if let Some(k) = &self.cookie {
            req = req.header("cookie", k);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        Reply { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)), set_cookie: None }
    }

    /// `post_declared` of a CSV body, the status only.
    pub async fn post_declared_length(&self, path: &str, len: usize) -> u16 {
        self.post_declared(path, "text/csv", len).await.0
    }

    pub async fn post_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body), headers).await
    }

    /// Signs up a new organization with one member and keeps the session.
    pub async fn sign_up(&mut self, name: &str, email: &str, org: &str) -> Value {
        let reply = self
            .post("/api/v1/auth/signup", json!({ "name": name, "email": email, "password": "correct horse", "org_name": org, "org_kind": "agency" }))
            .await;
        self.cookie = reply.set_cookie.clone();
        reply.ok()
    }

    pub async fn create_campaign(&self, name: &str) -> i64 {
        self.post("/api/v1/campaigns", json!({ "name": name })).await.ok()["id"].as_i64().unwrap()
    }

    /// Invites `other`'s organization to the campaign and accepts as `other`.
    pub async fn bring_in(&self, campaign_id: i64, other: &Client) {
        let inv =
            self.post(&format!("/api/v1/campaigns/{campaign_id}/invitations"), json!({ "kind": "partner" })).await.ok();
        let token = inv["token"].as_str().unwrap();
        other.post(&format!("/api/v1/invitations/{token}/accept"), json!({})).await.ok();
    }

    pub async fn add_creator(&self, campaign_id: i64, name: &str, handle: &str) -> Value {
        self.post(
            &format!("/api/v1/campaigns/{campaign_id}/creators"),
            json!({ "name": name, "platform": "instagram", "handle": handle, "followers": 12000, "lane": "ugc" }),
        )
        .await
        .ok()
    }

    pub async fn move_card(&self, campaign_id: i64, card_id: i64, stage: &str, version: i64) -> Reply {
        self.post(
            &format!("/api/v1/campaigns/{campaign_id}/creators/{card_id}/move"),
            json!({ "stage": stage, "version": version }),
        )
        .await
    }
}

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the WebSocket as `client` (its cookie or token), with an optional Origin header.
pub async fn ws_connect(
    app: &TestApp,
    client: &Client,
    origin: Option<&str>,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let mut req = app.ws_url().into_client_request().unwrap();
    if let Some(c) = &client.cookie {
        req.headers_mut().insert("cookie", c.parse().unwrap());
    }
    if let Some(t) = &client.bearer {
        req.headers_mut().insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws)
}

/// Subscribes and reads past the backlog: what arrives next is new.
pub async fn subscribe_now(ws: &mut Ws, id: i64) {
    ws_subscribe(ws, id, 0).await;
    while ws_next(ws, Duration::from_millis(300)).await.is_some() {}
}

/// `client`'s WebSocket, subscribed to campaign `id` and past its backlog: what it receives next happens from now on.
pub async fn listening(app: &TestApp, client: &Client, id: i64) -> Ws {
    let mut ws = ws_connect(app, client, None).await.unwrap();
    subscribe_now(&mut ws, id).await;
    ws
}

pub async fn ws_send(ws: &mut Ws, msg: Value) {
    ws.send(Message::Text(msg.to_string().into())).await.unwrap();
}

/// The next JSON message, or `None` after `wait` of silence.
pub async fn ws_next(ws: &mut Ws, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_))) => return None,
        }
    }
}

/// Subscribes and returns the `subscribed` answer.
pub async fn ws_subscribe(ws: &mut Ws, campaign_id: i64, after: i64) -> Value {
    ws_send(ws, json!({ "op": "subscribe", "campaign_id": campaign_id, "after": after })).await;
    ws_next(ws, Duration::from_secs(5)).await.expect("an answer to subscribe")
}

/// Collects event sequence numbers until `n` arrived or `wait` passes without one.
pub async fn ws_events(ws: &mut Ws, n: usize, wait: Duration) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < n {
        match ws_next(ws, wait).await {
            Some(v) if v["type"] == "event" => out.push(v["event"].clone()),
            Some(_) => continue,
            None => break,
        }
    }
    out
}

pub fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}

/// Runs a test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::DbKind::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::common::DbKind::Postgres).await
                }
            }
        )*
    };
}

/// `/api/v1/campaigns/{id}` followed by `rest`.
pub fn campaign_path(id: i64, rest: &str) -> String {
    format!("/api/v1/campaigns/{id}{rest}")
}

/// The signed-in person (`/api/v1/me`).
pub async fn me(c: &Client) -> Value {
    c.get("/api/v1/me").await.ok()
}

/// The version of a charter section as it is now.
pub async fn section_version(c: &Client, id: i64, section: &str) -> i64 {
    let view = c.get(&campaign_path(id, "/charter")).await.ok();
    view["sections"].as_array().unwrap().iter().find(|s| s["section"] == section).unwrap()["version"].as_i64().unwrap()
}

/// Saves a charter section from its current version.
pub async fn put_section(c: &Client, id: i64, section: &str, body: Value) {
    let version = section_version(c, id, section).await;
    c.send(
        reqwest::Method::PUT,
        &campaign_path(id, &format!("/charter/sections/{section}")),
        Some(json!({ "body": body, "version": version })),
        &[],
    )
    .await
    .ok();
}

/// A new client signed up as `name` of the organisation `org` (password "correct horse"), and the sign-up's answer
/// (`user_id`, `org`).
pub async fn signed_up(app: &TestApp, name: &str, email: &str, org: &str) -> (Client, Value) {
    let mut c = app.client();
    let me = c.sign_up(name, email, org).await;
    (c, me)
}

/// Two partners on the campaign "Trailhead" and a stranger.
pub struct TwoPartners {
    pub maya: Client,   // Northwind, the brand, who created the campaign
    pub jordan: Client, // Brightline, brought in by Maya
    pub olga: Client,   // Outsider: no partner
    pub id: i64,
}

/// Maya (Northwind) creates "Trailhead" and brings in Jordan (Brightline); Olga (Outsider) is signed up too.
pub async fn two_partners(app: &TestApp) -> TwoPartners {
    let (maya, _) = signed_up(app, "Maya Lind", "maya@northwind.example", "Northwind").await;
    let (jordan, _) = signed_up(app, "Jordan Reyes", "jordan@brightline.example", "Brightline").await;
    let (olga, _) = signed_up(app, "Olga Stranger", "olga@outsider.example", "Outsider").await;
    let id = maya.create_campaign("Trailhead").await;
    maya.bring_in(id, &jordan).await;
    TwoPartners { maya, jordan, olga, id }
}

/// A brand and an agency on the campaign "Spring" (the agency brought in), and their sign-up answers.
pub struct BrandAndAgency {
    pub brand: Client,  // Maya Lind, Northwind
    pub agency: Client, // Jordan Reyes, Brightline
    pub maya: Value,
    pub jordan: Value,
    pub id: i64,
}

pub async fn brand_and_agency(app: &TestApp) -> BrandAndAgency {
    let (brand, maya) = signed_up(app, "Maya Lind", "maya@brand.example", "Northwind").await;
    let (agency, jordan) = signed_up(app, "Jordan Reyes", "jordan@agency.example", "Brightline").await;
    let id = brand.create_campaign("Spring").await;
    brand.bring_in(id, &agency).await;
    BrandAndAgency { brand, agency, maya, jordan, id }
}

/// One campaign run by three partners, and a stranger.
pub struct Partners {
    pub maya: Client,   // Northwind, the brand: accountable owner
    pub jordan: Client, // Brightline: influencer relations
    pub lena: Client,   // Studio Kin: UGC strategy and content approval
    pub olga: Client,   // Outsider: no partner
    pub id: i64,
}

/// The three-partner campaign "Trailhead" with its charter's criteria, responsibility matrix and owners set.
pub async fn three_partners(app: &TestApp) -> Partners {
    let (maya, m) = signed_up(app, "Maya Lind", "maya@northwind.example", "Northwind").await;
    let (jordan, j) = signed_up(app, "Jordan Reyes", "jordan@brightline.example", "Brightline").await;
    let (lena, l) = signed_up(app, "Lena Vogt", "lena@studiokin.example", "Studio Kin").await;
    let (olga, _) = signed_up(app, "Olga Stranger", "olga@outsider.example", "Outsider").await;
    let id = maya.create_campaign("Trailhead").await;
    maya.bring_in(id, &jordan).await;
    maya.bring_in(id, &lena).await;
    put_section(&maya, id, "criteria", json!({ "ugc": ["Product in the first 3 seconds", "Natural light"], "influencer": ["Disclosure #ad"], "creator_expectations": "Two drafts at most" })).await;
    put_section(&maya, id, "responsibilities", json!({ "items": [
        { "org_id": m["org"]["id"], "responsibility": "Budget and final say", "accountable": m["user_id"] },
        { "org_id": j["org"]["id"], "responsibility": "Influencer relations and talent", "accountable": j["user_id"] },
        { "org_id": l["org"]["id"], "responsibility": "UGC strategy and content approval", "accountable": l["user_id"] } ] })).await;
    put_section(&maya, id, "ownership", json!({ "accountable_owner": m["user_id"], "creator_contact": j["user_id"] }))
        .await;
    Partners { maya, jordan, lena, olga, id }
}

/// A creator added to the pool by `partner`, with a portal account of their own (signed up through their
/// invitation). Returns the creator's client and their card's id.
pub async fn creator_account(app: &TestApp, partner: &Client, id: i64, name: &str, email: &str) -> (Client, i64) {
    let card = partner.add_creator(id, name, &email.replace(['@', '.'], "_")).await;
    let card = card["id"].as_i64().unwrap();
    (creator_signup(app, partner, id, card, name, email).await, card)
}

/// The creator of card `card` signs up for the portal through the invitation `partner` sends them.
pub async fn creator_signup(app: &TestApp, partner: &Client, id: i64, card: i64, name: &str, email: &str) -> Client {
    let inv =
        partner.post(&campaign_path(id, "/invitations"), json!({ "kind": "creator", "creator_id": card })).await.ok();
    let form = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    let resp = form
        .post(format!("{}/auth/creator-signup", app.base))
        .form(&[
            ("token", inv["token"].as_str().unwrap()),
            ("name", name),
            ("email", email),
            ("password", "creator-pass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "the creator's sign-up redirects to their home page");
    let mut c = app.client();
    c.cookie = Some(
        resp.headers().get("set-cookie").expect("signed up").to_str().unwrap().split(';').next().unwrap().to_string(),
    );
    c
}

/// The (row, column) of every problem an import preview lists.
pub fn import_issues(preview: &Value) -> Vec<(i64, &str)> {
    preview["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap_or("")))
        .collect()
}

/// Posts a page's plain form (`body` URL-encoded) as `c`, expects its 303, and returns where it redirects to.
pub async fn post_form(app: &TestApp, c: &Client, path: &str, body: &str) -> String {
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", app.base))
        .header("cookie", c.cookie.clone().unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "{path}");
    resp.headers()["location"].to_str().unwrap().to_string()
}

/// A page's HTML as `c` sees it (it must answer 200).
pub async fn page(c: &Client, path: &str) -> String {
    let r = c.get(path).await;
    assert_eq!(r.status, 200, "{path}");
    r.body.as_str().unwrap().to_string()
}
