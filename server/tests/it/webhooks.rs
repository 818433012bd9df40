//! Webhooks against a real HTTP receiver started by each test (a small axum server), on SQLite and PostgreSQL:
//! signatures checked with an HMAC computed here, retries with back-off under one delivery id, a hanging receiver
//! that never delays the request that caused the event, deliveries that survive a restart and go out once with two
//! processes, the refusal of private addresses (SSRF), the page's forms and the secret shown once, and tenancy.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

on_both_databases!(
    deliveries_are_signed_and_carry_their_id,
    failing_receivers_are_retried_with_back_off_under_one_id,
    a_hanging_receiver_never_delays_a_request,
    deliveries_survive_a_restart_and_go_out_once_from_two_processes,
    private_addresses_are_refused_unless_allowed,
    the_page_adds_tests_and_deletes_with_the_secret_shown_once,
    webhooks_are_their_organizations_own,
    plain_http_is_refused_unless_allowed,
    deliveries_reach_an_https_receiver_the_operator_trusts,
    old_deliveries_leave_the_log_once_across_processes,
);

#[derive(Clone, Debug)]
struct Hit {
    delivery: String,
    event: String,
    signature: String,
    body: String,
    at: Instant,
    /// Answered 2xx.
    ok: bool,
}

/// A receiver: answers 500 to the first `fail_first` posts, waits `hang` before answering, records every post.
#[derive(Clone)]
struct Receiver {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    fail_first: Arc<AtomicUsize>,
}

async fn receiver(fail_first: usize, hang: Duration) -> Receiver {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", tcp.local_addr().unwrap());
    let (app, r) = recording(url, fail_first, hang);
    tokio::spawn(async move { axum::serve(tcp, app).await.unwrap() });
    r
}

/// The receiver's routes, and the receiver that reads what they record.
fn recording(url: String, fail_first: usize, hang: Duration) -> (axum::Router, Receiver) {
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    let fail = Arc::new(AtomicUsize::new(fail_first));
    let (h, f) = (hits.clone(), fail.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let (hits, fail) = (h.clone(), f.clone());
            async move {
                let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                let failing = fail.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
                hits.lock().unwrap().push(Hit {
                    delivery: header("chorus-delivery"),
                    event: header("chorus-event"),
                    signature: header("chorus-signature"),
                    body,
                    at: Instant::now(),
                    ok: !failing,
                });
                if !hang.is_zero() {
                    tokio::time::sleep(hang).await;
                }
                if failing {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    (app, Receiver { url, hits, fail_first: fail })
}

/// A certificate authority made now (openssl, as for the SMTP tests) and a certificate it signed for localhost and
/// 127.0.0.1: the folder holds `ca.pem`, `leaf.pem` and `leaf.key`.
fn certificates() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chorus-hook-tls-{:08x}", rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = |n: &str| dir.join(n).to_str().unwrap().to_string();
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl").args(args).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let (ca_key, ca, key, csr, leaf, ext) =
        (f("ca.key"), f("ca.pem"), f("leaf.key"), f("leaf.csr"), f("leaf.pem"), f("leaf.ext"));
    openssl(
        &[
            &["req", "-x509"][..],
            &curve,
            &["-keyout", &ca_key, "-out", &ca, "-days", "2", "-subj", "/CN=Chorus hook CA"],
        ]
        .concat(),
    );
    openssl(&[&["req"][..], &curve, &["-keyout", &key, "-out", &csr, "-subj", "/CN=localhost"]].concat());
    openssl(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca,
        "-CAkey",
        &ca_key,
        "-CAcreateserial",
        "-out",
        &leaf,
        "-days",
        "2",
        "-extfile",
        &ext,
    ]);
    dir
}

/// A TLS listener for `axum::serve`: each connection's handshake is done before it is handed over.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    tls: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else { continue };
            if let Ok(stream) = self.tls.accept(tcp).await {
                return (stream, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// An HTTPS receiver at `https://127.0.0.1:…/hook`, with the certificate of `certificates()` (its address is in it).
async fn https_receiver(dir: &std::path::Path) -> Receiver {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer> =
        CertificateDer::pem_file_iter(dir.join("leaf.pem")).unwrap().map(|c| c.unwrap()).collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("leaf.key")).unwrap();
    #[allow(deprecated)]
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/hook", tcp.local_addr().unwrap());
    let (app, r) = recording(url, 0, Duration::ZERO);
    let listener = TlsListener { tcp, tls: tokio_rustls::TlsAcceptor::from(Arc::new(config)) };
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    r
}

impl Receiver {
    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Waits until at least `n` posts arrived (at most 20 s).
    async fn wait_for(&self, n: usize) -> Vec<Hit> {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let hits = self.hits();
            if hits.len() >= n || Instant::now() > until {
                assert!(hits.len() >= n, "expected {n} posts, got {}: {hits:?}", hits.len());
                return hits;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A server that may deliver to this machine, retrying quickly.
async fn hook_app(kind: DbKind) -> TestApp {
    let url = fresh_database(kind).await;
    spawn_on(&url, local_hooks).await
}

fn local_hooks(c: &mut chorus_server::Config) {
    c.webhooks_allow_private = true;
    c.webhooks_allow_http = true;
    c.webhook_retry_base_ms = 300;
    c.webhook_timeout_seconds = 1;
}

/// Checks `t=<unix>,v1=<hex>` against the secret the way a receiver would, and that `t` is recent.
fn verify(secret: &str, hit: &Hit) {
    let (t, v1) = hit.signature.split_once(',').expect("t=…,v1=…");
    let t = t.strip_prefix("t=").unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", hit.body).as_bytes());
    mac.verify_slice(&hex::decode(v1).unwrap()).expect("the signature matches the body and the secret");
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap();
    assert!((-5..300).contains(&age), "the timestamp is now: {age} s old");
}

async fn create(c: &Client, id: i64, url: &str, kinds: &[&str], format: &str) -> Value {
    let r = c.post(&campaign_path(id, "/webhooks"), json!({ "url": url, "kinds": kinds, "format": format })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn log(c: &Client, id: i64, hook: i64) -> Vec<Value> {
    c.get(&campaign_path(id, &format!("/webhooks/{hook}/deliveries"))).await.ok().as_array().unwrap().clone()
}

/// Waits until the hook's log has `n` deliveries, none of them pending.
async fn settled(c: &Client, id: i64, hook: i64, n: usize) -> Vec<Value> {
    // Long enough for a lease left by a stopped process to end (the attempt's timeout + 10 s).
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let log = log(c, id, hook).await;
        if (log.len() >= n && log.iter().all(|d| d["state"] != "pending")) || Instant::now() > until {
            assert!(log.len() >= n && log.iter().all(|d| d["state"] != "pending"), "{log:?}");
            return log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn deliveries_are_signed_and_carry_their_id(kind: DbKind) {
    let app = hook_app(kind).await;
    let TwoPartners { maya, id, .. } = two_partners(&app).await;
    let rx = receiver(0, Duration::ZERO).await;
    let created = create(&maya, id, &rx.url, &["card_added", "card_moved"], "chorus").await;
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");
    let hook = created["webhook"]["id"].as_i64().unwrap();
    assert_eq!(created["webhook"]["kinds"], json!(["card_added", "card_moved"]));
    // The secret is never listed again.
    let listed = maya.get(&campaign_path(id, "/webhooks")).await.ok();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&secret), "{listed}");

    let card = maya.add_creator(id, "Ada Trail", "ada.trail").await;
    let hits = rx.wait_for(1).await;
    let first = &hits[0];
    verify(&secret, first);
    let body: Value = serde_json::from_str(&first.body).unwrap();
    assert_eq!(first.event, "card_added");
    assert_eq!(body["id"].as_str(), Some(first.delivery.as_str()), "the delivery id is in the header and the body");
    assert_eq!((body["type"].as_str(), body["campaign_id"].as_i64()), (Some("card_added"), Some(id)));
    assert_eq!(body["event"]["kind"], "card_added");
    assert_eq!(body["event"]["data"]["card"]["name"], "Ada Trail");

    // A kind not chosen is not delivered; a chosen one is.
    maya.post(&campaign_path(id, &format!("/creators/{}/notes", card["id"])), json!({ "text": "Warm lead" }))
        .await
        .ok();
    let moved =
        maya.move_card(id, card["id"].as_i64().unwrap(), "contacted", card["version"].as_i64().unwrap()).await.ok();
    let hits = rx.wait_for(2).await;
    assert_eq!(hits[1].event, "card_moved");
    verify(&secret, &hits[1]);
    let log = settled(&maya, id, hook, 2).await;
    assert_eq!(log.len(), 2, "the note was not delivered: {log:?}");
    assert!(log.iter().all(|d| d["state"] == "delivered" && d["attempts"] == 1 && d["last_status"] == 200), "{log:?}");

    // A Slack-compatible webhook gets {"text": …} only; "Send test" queues a ping.
    let slack = receiver(0, Duration::ZERO).await;
    let s = create(&maya, id, &slack.url, &[], "slack").await;
    let sid = s["webhook"]["id"].as_i64().unwrap();
    assert_eq!(s["webhook"]["kinds"], json!([]), "no kinds chosen: every kind");
    let test = maya.post(&campaign_path(id, &format!("/webhooks/{sid}/test")), json!({})).await;
    assert_eq!(test.status, 202, "{}", test.body);
    let hits = slack.wait_for(1).await;
    verify(s["secret"].as_str().unwrap(), &hits[0]);
    let body: Value = serde_json::from_str(&hits[0].body).unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    assert!(body["text"].as_str().unwrap().contains("A test delivery from Chorus"), "{body}");
    assert_eq!(hits[0].event, "ping");
    assert_eq!(hits[0].delivery, test.body["id"].as_str().unwrap());
    maya.move_card(id, card["id"].as_i64().unwrap(), "negotiating", moved["version"].as_i64().unwrap()).await.ok();
    let hits = slack.wait_for(2).await;
    let text: Value = serde_json::from_str(&hits[1].body).unwrap();
    assert!(text["text"].as_str().unwrap().contains("moved Ada Trail"), "{text}");
    app.running.stop().await;
}

async fn failing_receivers_are_retried_with_back_off_under_one_id(kind: DbKind) {
    let app = hook_app(kind).await;
    let TwoPartners { maya, id, .. } = two_partners(&app).await;
    let rx = receiver(2, Duration::ZERO).await;
    let created = create(&maya, id, &rx.url, &["card_added"], "chorus").await;
    let hook = created["webhook"]["id"].as_i64().unwrap();
    maya.add_creator(id, "Ben Ridge", "ben.ridge").await;
    let hits = rx.wait_for(3).await;
    // Three attempts of one delivery: the same id and body each time, each freshly signed.
    assert!(hits.iter().all(|h| h.delivery == hits[0].delivery && h.body == hits[0].body), "{hits:?}");
    for h in &hits {
        verify(created["secret"].as_str().unwrap(), h);
    }
    // Back-off: 300 ms, then 600 ms (the deliverer looks every 250 ms).
    let gaps: Vec<Duration> = hits.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(280), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(580), "{gaps:?}");
    let log = settled(&maya, id, hook, 1).await;
    assert_eq!((log[0]["state"].as_str(), log[0]["attempts"].as_i64()), (Some("delivered"), Some(3)), "{log:?}");
    // Delivered is final: no fourth post.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rx.hits().len(), 3);
    app.running.stop().await;
}

async fn a_hanging_receiver_never_delays_a_request(kind: DbKind) {
    let app = hook_app(kind).await;
    let TwoPartners { maya, id, .. } = two_partners(&app).await;
    // One receiver that takes 30 s to answer, and an address where nothing listens.
    let slow = receiver(0, Duration::from_secs(30)).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", l.local_addr().unwrap())
    };
    let hook = create(&maya, id, &slow.url, &[], "chorus").await["webhook"]["id"].as_i64().unwrap();
    create(&maya, id, &closed, &[], "chorus").await;
    let card = maya.add_creator(id, "Cy Hollow", "cy.hollow").await;
    slow.wait_for(1).await;
    // While deliveries hang or fail, every request that causes an event answers at once.
    let mut version = card["version"].as_i64().unwrap();
    for stage in ["contacted", "negotiating", "contracted", "contacted"] {
        let started = Instant::now();
        let moved = maya.move_card(id, card["id"].as_i64().unwrap(), stage, version).await.ok();
        version = moved["version"].as_i64().unwrap();
        assert!(started.elapsed() < Duration::from_millis(1000), "a move took {:?}", started.elapsed());
    }
    // The hanging attempt is cut at the timeout (1 s) and retried.
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let log = log(&maya, id, hook).await;
        let first = log.last().unwrap().clone();
        if first["attempts"].as_i64().unwrap_or(0) >= 1 {
            assert_eq!(first["state"], "pending", "{first}");
            assert!(first["last_error"].as_str().unwrap().contains("no answer within 1 s"), "{first}");
            break;
        }
        assert!(Instant::now() < until, "{log:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.running.stop().await;
}

async fn deliveries_survive_a_restart_and_go_out_once_from_two_processes(kind: DbKind) {
    let url = fresh_database(kind).await;
    let app = spawn_on(&url, local_hooks).await;
    let TwoPartners { maya, id, .. } = two_partners(&app).await;
    let rx = receiver(usize::MAX, Duration::ZERO).await;
    let created = create(&maya, id, &rx.url, &["card_added"], "chorus").await;
    let hook = created["webhook"]["id"].as_i64().unwrap();
    maya.add_creator(id, "Dee Pass", "dee.pass").await;
    rx.wait_for(1).await;
    // The process stops with the delivery still owed; a new one (and a second beside it) picks it up.
    app.running.stop().await;
    rx.fail_first.store(0, Ordering::SeqCst);
    let one = spawn_on(&url, local_hooks).await;
    let two = spawn_on(&url, local_hooks).await;
    let mut maya1 = one.client();
    maya1.cookie = maya.cookie.clone();
    let mut maya2 = two.client();
    maya2.cookie = maya.cookie.clone();
    for i in 0..10 {
        let c = if i % 2 == 0 { &maya1 } else { &maya2 };
        c.add_creator(id, &format!("Creator {i}"), &format!("creator.{i}")).await;
    }
    let log = settled(&maya1, id, hook, 11).await;
    assert_eq!(log.len(), 11);
    assert!(log.iter().all(|d| d["state"] == "delivered"), "{log:?}");
    // Let any duplicate arrive before counting.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let hits = rx.hits();
    // The first delivery failed before the restart (once or more), then went out once; every other one once.
    assert!(!hits[0].ok);
    let mut delivered: Vec<String> = hits.iter().filter(|h| h.ok).map(|h| h.delivery.clone()).collect();
    assert!(delivered.contains(&hits[0].delivery), "{hits:?}");
    delivered.sort();
    let n = delivered.len();
    delivered.dedup();
    assert_eq!(delivered.len(), n, "a delivery went out twice: {hits:?}");
    assert_eq!(n, 11, "{hits:?}");
    one.running.stop().await;
    two.running.stop().await;
}

async fn private_addresses_are_refused_unless_allowed(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, id, .. } = two_partners(&app).await;
    let rx = receiver(0, Duration::ZERO).await;
    for (url, why) in [
        (rx.url.as_str(), "https"),
        ("https://127.0.0.1:9/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("https://10.0.0.7/hook", "private"),
        ("https://192.168.1.20/hook", "private"),
        ("https://172.16.3.4/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "private"),
        ("https://[::1]/hook", "loopback"),
        ("https://[fd00::1]/hook", "private"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://0.0.0.0/hook", "private"),
        ("ftp://example.com/hook", "https"),
        ("https://user:pw@example.com/hook", "password"),
        ("not an address", "not a web address"),
        ("https://no-such-host.invalid/hook", "could not be resolved"),
    ] {
        let r = maya.post(&campaign_path(id, "/webhooks"), json!({ "url": url })).await;
        assert_eq!((r.status, r.body["field"].as_str()), (422, Some("url")), "{url}: {}", r.body);
        assert!(r.body["message"].as_str().unwrap().contains(why), "{url}: {}", r.body);
    }
    let r =
        maya.post(&campaign_path(id, "/webhooks"), json!({ "url": "https://example.com/x", "kinds": ["nope"] })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("kinds")), "{}", r.body);
    let r =
        maya.post(&campaign_path(id, "/webhooks"), json!({ "url": "https://example.com/x", "format": "xml" })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("format")), "{}", r.body);
    let long = format!("https://example.com/{}", "a".repeat(2100));
    let r = maya.post(&campaign_path(id, "/webhooks"), json!({ "url": long })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("url")), "{}", r.body);
    assert_eq!(maya.get(&campaign_path(id, "/webhooks")).await.ok(), json!([]), "nothing was created");
    // The page's form says the same.
    let form = no_redirects();
    let resp = form
        .post(format!("{}/campaigns/{id}/webhooks", app.base))
        .header("cookie", maya.cookie.clone().unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("url=https%3A%2F%2F127.0.0.1%2Fx&format=chorus")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let to = resp.headers()["location"].to_str().unwrap();
    assert!(to.starts_with(&format!("/campaigns/{id}/webhooks?error=")) && to.contains("field=url"), "{to}");
    app.running.stop().await;
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn the_page_adds_tests_and_deletes_with_the_secret_shown_once(kind: DbKind) {
    let app = hook_app(kind).await;
    let TwoPartners { maya, jordan, id, .. } = two_partners(&app).await;
    let rx = receiver(0, Duration::ZERO).await;
    let empty = page(&maya, &format!("/campaigns/{id}/webhooks")).await;
    assert!(empty.contains("No webhooks yet") && empty.contains("card_moved"), "{empty}");
    let enc: String = url::form_urlencoded::byte_serialize(rx.url.as_bytes()).collect();
    let to = post_form(
        &app,
        &maya,
        &format!("/campaigns/{id}/webhooks"),
        &format!("url={enc}&format=slack&kinds=card_moved&kinds=card_added"),
    )
    .await;
    assert!(to.starts_with(&format!("/campaigns/{id}/webhooks?created=")), "{to}");
    let hook: i64 = to.split("created=").nth(1).unwrap().split('#').next().unwrap().parse().unwrap();
    let shown = page(&maya, &to).await;
    let secret = shown.split("whsec_").nth(1).map(|s| format!("whsec_{}", &s[..64])).expect("the secret is shown");
    assert!(shown.contains(&rx.url) && shown.contains("card_moved, card_added"), "{shown}");
    // Reloading the page (or anyone else opening the link) does not show it again.
    assert!(!page(&maya, &to).await.contains("whsec_"));
    assert!(!page(&jordan, &to).await.contains("whsec_"));
    // Send test: a ping, signed with that secret, and in the log on the page.
    let to = post_form(&app, &maya, &format!("/campaigns/{id}/webhooks/{hook}/test"), "").await;
    assert!(to.contains("#deliveries"), "{to}");
    let hits = rx.wait_for(1).await;
    verify(&secret, &hits[0]);
    settled(&maya, id, hook, 1).await;
    let shown = page(&maya, &format!("/campaigns/{id}/webhooks")).await;
    assert!(shown.contains(&hits[0].delivery) && shown.contains("delivered"), "{shown}");
    // Another partner sees none of it, and cannot delete it.
    let theirs = page(&jordan, &format!("/campaigns/{id}/webhooks")).await;
    assert!(theirs.contains("No webhooks yet") && !theirs.contains(&rx.url), "{theirs}");
    let to = post_form(&app, &jordan, &format!("/campaigns/{id}/webhooks/{hook}/delete"), "").await;
    assert!(to.contains("error="), "{to}");
    post_form(&app, &maya, &format!("/campaigns/{id}/webhooks/{hook}/delete"), "").await;
    assert!(page(&maya, &format!("/campaigns/{id}/webhooks")).await.contains("No webhooks yet"));
    app.running.stop().await;
}

async fn webhooks_are_their_organizations_own(kind: DbKind) {
    let app = hook_app(kind).await;
    let TwoPartners { maya, jordan, olga, id } = two_partners(&app).await;
    let rx = receiver(0, Duration::ZERO).await;
    let hook = create(&maya, id, &rx.url, &[], "chorus").await["webhook"]["id"].as_i64().unwrap();
    let (creator, _) = creator_account(&app, &maya, id, "Eve Creek", "eve@creators.example").await;
    let hooks = campaign_path(id, "/webhooks");
    let one = campaign_path(id, &format!("/webhooks/{hook}"));
    // An outsider and a creator: the campaign does not exist for them.
    for c in [&olga, &creator] {
        assert_eq!(c.get(&hooks).await.status, 404);
        assert_eq!(c.post(&hooks, json!({ "url": rx.url })).await.status, 404);
        assert_eq!(c.post(&format!("{one}/test"), json!({})).await.status, 404);
        assert_eq!(c.get(&format!("{one}/deliveries")).await.status, 404);
        assert_eq!(c.send(reqwest::Method::DELETE, &one, None, &[]).await.status, 404);
    }
    // Another partner: sees only its own (none), and cannot touch Maya's.
    assert_eq!(jordan.get(&hooks).await.ok(), json!([]));
    assert_eq!(jordan.post(&format!("{one}/test"), json!({})).await.status, 404);
    assert_eq!(jordan.get(&format!("{one}/deliveries")).await.status, 404);
    assert_eq!(jordan.send(reqwest::Method::DELETE, &one, None, &[]).await.status, 404);
    // Signed out: 401.
    assert_eq!(app.client().get(&hooks).await.status, 401);
    // Maya's still works, and deleting it is hers to do.
    assert_eq!(maya.post(&format!("{one}/test"), json!({})).await.status, 202);
    assert_eq!(maya.send(reqwest::Method::DELETE, &one, None, &[]).await.status, 204);
    assert_eq!(maya.send(reqwest::Method::DELETE, &one, None, &[]).await.status, 404);
    app.running.stop().await;
}

async fn plain_http_is_refused_unless_allowed(kind: DbKind) {
    // Private addresses allowed, plain HTTP not: the receiver on this machine must be reached over HTTPS.
    let url = fresh_database(kind).await;
    let app = spawn_on(&url, |c| {
        c.webhooks_allow_private = true;
    })
    .await;
    let TwoPartners { maya, id, .. } = two_partners(&app).await;
    let rx = receiver(0, Duration::ZERO).await;
    let r = maya.post(&campaign_path(id, "/webhooks"), json!({ "url": rx.url })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("url")), "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("https://"), "{}", r.body);
    assert_eq!(maya.get(&campaign_path(id, "/webhooks")).await.ok(), json!([]));
    app.running.stop().await;
}

async fn deliveries_reach_an_https_receiver_the_operator_trusts(kind: DbKind) {
    let dir = certificates();
    let rx = https_receiver(&dir).await;
    let url = fresh_database(kind).await;
    // Plain HTTP is not allowed: only HTTPS, trusting the receiver's CA through the operator's setting.
    let ca = dir.join("ca.pem");
    let app = spawn_on(&url, move |c| {
        c.webhooks_allow_private = true;
        c.webhook_retry_base_ms = 300;
        c.webhook_timeout_seconds = 2;
        c.webhook_ca_file = Some(ca);
    })
    .await;
    let TwoPartners { maya, id, .. } = two_partners(&app).await;
    let created = create(&maya, id, &rx.url, &["card_added"], "chorus").await;
    let secret = created["secret"].as_str().unwrap().to_string();
    let hook = created["webhook"]["id"].as_i64().unwrap();
    maya.add_creator(id, "Ada Trail", "ada.trail").await;
    let hits = rx.wait_for(1).await;
    verify(&secret, &hits[0]);
    let body: Value = serde_json::from_str(&hits[0].body).unwrap();
    assert_eq!(body["event"]["data"]["card"]["name"], "Ada Trail");
    let done = settled(&maya, id, hook, 1).await;
    assert_eq!(
        (done[0]["state"].as_str(), done[0]["last_status"].as_i64()),
        (Some("delivered"), Some(200)),
        "{done:?}"
    );
    app.running.stop().await;

    // Without the CA, the same receiver is not trusted: the attempt fails on TLS and nothing arrives.
    let url = fresh_database(kind).await;
    let app = spawn_on(&url, |c| {
        c.webhooks_allow_private = true;
        c.webhook_retry_base_ms = 60_000;
        c.webhook_timeout_seconds = 2;
    })
    .await;
    let TwoPartners { maya, id, .. } = two_partners(&app).await;
    let created = create(&maya, id, &rx.url, &["card_added"], "chorus").await;
    let hook = created["webhook"]["id"].as_i64().unwrap();
    maya.add_creator(id, "Bo Keep", "bo.keep").await;
    let start = Instant::now();
    let failed = loop {
        let now = log(&maya, id, hook).await;
        if now.first().is_some_and(|d| d["attempts"].as_i64() >= Some(1)) {
            break now[0].clone();
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no attempt: {now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(failed["state"], "pending", "{failed}");
    assert!(failed["last_error"].as_str().unwrap().contains("TLS"), "{failed}");
    assert_eq!(rx.hits().len(), 1, "nothing more arrived");
    app.running.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

async fn old_deliveries_leave_the_log_once_across_processes(kind: DbKind) {
    let url = fresh_database(kind).await;
    let app = spawn_on(&url, local_hooks).await;
    let TwoPartners { maya, id, .. } = two_partners(&app).await;
    let rx = receiver(0, Duration::ZERO).await;
    let created = create(&maya, id, &rx.url, &["card_added"], "chorus").await;
    let hook = created["webhook"]["id"].as_i64().unwrap();
    for name in ["Old One", "Old Two", "New One"] {
        maya.add_creator(id, name, &name.to_lowercase().replace(' ', ".")).await;
    }
    let log0 = settled(&maya, id, hook, 3).await;
    assert_eq!(log0.len(), 3);
    // Two deliveries done 31 days ago (the log keeps 30 by default), one of them given up; one recent.
    let db = &app.running.state.db;
    let month_ago = chrono::Utc::now().timestamp_millis() - 31 * 86_400_000;
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM webhook_deliveries ORDER BY id").fetch_all(&db.pool).await.unwrap();
    db.execute(
        sqlx::query("UPDATE webhook_deliveries SET created_at = $1 WHERE id = $2 OR id = $3")
            .bind(month_ago)
            .bind(ids[0])
            .bind(ids[1]),
    )
    .await
    .unwrap();
    db.execute(sqlx::query("UPDATE webhook_deliveries SET state = 'failed' WHERE id = $1").bind(ids[1])).await.unwrap();
    // The process pruned at its start (nothing was old then) and its next turn is an hour away.
    let turn = || async {
        sqlx::query_as::<_, (i64, i64)>(
            "SELECT runs, next_run_at FROM housekeeping WHERE task = 'prune_webhook_deliveries'",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap()
    };
    let (runs, next) = turn().await;
    assert_eq!(runs, 1);
    assert!(next > chrono::Utc::now().timestamp_millis() + 50 * 60_000, "the next turn is in an hour");
    // The hour passes (moved here); two more processes start on the database: one of them prunes, once.
    db.execute(sqlx::query("UPDATE housekeeping SET next_run_at = 0")).await.unwrap();
    let one = spawn_on(&url, local_hooks).await;
    let two = spawn_on(&url, local_hooks).await;
    let start = Instant::now();
    loop {
        let left: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM webhook_deliveries ORDER BY id").fetch_all(&db.pool).await.unwrap();
        if left == [ids[2]] {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "not pruned: {left:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(turn().await.0, 2, "pruned once by the two processes");
    let log = settled(&maya, id, hook, 1).await;
    assert_eq!(log.len(), 1, "{log:?}");
    one.running.stop().await;
    two.running.stop().await;
    app.running.stop().await;
}
