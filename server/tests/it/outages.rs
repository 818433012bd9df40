//! Outages and stuck clients: a database that goes away (answered at once with 503 and `Retry-After`, and
//! working again when it is back), a WebSocket client that stops reading (dropped, while the others get every
//! event), and a feed asked for events that are no longer kept (told to reset).
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::common::*;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

on_both_databases!(
    a_client_that_stops_reading_is_dropped,
    a_client_whose_connection_is_full_is_let_go,
    a_feed_asked_for_pruned_events_says_reset
);

/// One partner with a campaign and one card. Returns (client, campaign id, card id).
async fn one_partner(app: &TestApp) -> (Client, i64, i64) {
    let mut brand = app.client();
    brand.sign_up("Maya Lind", "maya@brand.example", "Northwind").await;
    let id = brand.create_campaign("Spring").await;
    let card = brand.add_creator(id, "Ava Chen", "ava").await;
    (brand, id, card["id"].as_i64().unwrap())
}

/// A raw answer with its headers (the test client's `Reply` keeps none).
struct Raw {
    status: u16,
    retry_after: Option<String>,
    body: String,
    took: Duration,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

async fn raw(client: &Client, method: reqwest::Method, path: &str, body: Option<(&str, String)>) -> Raw {
    let mut req = client.http.request(method, format!("{}{path}", client.base));
    if let Some(c) = &client.cookie {
        req = req.header("cookie", c);
    }
    if let Some((content_type, body)) = body {
        req = req.header("content-type", content_type).body(body);
    }
    let started = Instant::now();
    let resp = tokio::time::timeout(Duration::from_secs(60), req.send())
        .await
        .expect("an answer within a minute")
        .expect("request");
    let status = resp.status().as_u16();
    let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = resp.text().await.unwrap_or_default();
    Raw { status, retry_after, body, took: started.elapsed() }
}

/// Every kind of answer while the database is unreachable: a 503 with `Retry-After` (and, where the answer is
/// JSON, the code `unavailable`) within `within`; `/healthz` within a second. Returns the slowest time to a 503.
async fn all_answer_unavailable(app: &TestApp, brand: &Client, id: i64, card: i64, within: Duration) -> Duration {
    let mut slowest = Duration::ZERO;
    let move_body = json!({ "stage": "contacted", "version": 1 }).to_string();
    let answers = [
        (
            "a write",
            raw(
                brand,
                reqwest::Method::POST,
                &format!("/api/v1/campaigns/{id}/creators/{card}/move"),
                Some(("application/json", move_body)),
            )
            .await,
        ),
        ("a read", raw(brand, reqwest::Method::GET, &format!("/api/v1/campaigns/{id}/board"), None).await),
        ("a page", raw(brand, reqwest::Method::GET, &format!("/campaigns/{id}"), None).await),
        (
            "a server function",
            raw(brand, reqwest::Method::POST, "/sfn/me", Some(("application/x-www-form-urlencoded", String::new())))
                .await,
        ),
    ];
    for (what, answer) in &answers {
        eprintln!("{what}: {} after {:?}", answer.status, answer.took);
        assert_eq!(answer.status, 503, "{what}: {}", answer.body);
        assert!(
            answer.retry_after.as_deref().is_some_and(|s| s.parse::<u32>().is_ok_and(|n| n > 0)),
            "{what}: Retry-After"
        );
        assert!(answer.took < within, "{what} took {:?}", answer.took);
        slowest = slowest.max(answer.took);
    }
    for (what, answer) in &answers[..2] {
        assert_eq!(answer.json()["code"], "unavailable", "{what}: {}", answer.body);
    }
    assert!(answers[2].1.body.contains("try again"), "the page says what happened: {}", answers[2].1.body);
    assert!(answers[3].1.body.contains("unavailable"), "the server function's error: {}", answers[3].1.body);

    let health = raw(&app.client(), reqwest::Method::GET, "/healthz", None).await;
    eprintln!("/healthz: {} after {:?}", health.status, health.took);
    assert_eq!(health.status, 503);
    assert!(health.retry_after.is_some());
    assert_eq!(health.json()["status"], "unavailable");
    assert!(health.took < Duration::from_secs(1), "/healthz took {:?}", health.took);
    slowest
}

/// After the outage: everything works again, without a restart.
async fn all_work_again(app: &TestApp, brand: &Client, id: i64, card: i64) {
    let health = raw(&app.client(), reqwest::Method::GET, "/healthz", None).await;
    assert_eq!(health.status, 200, "{}", health.body);
    let moved = brand.move_card(id, card, "contacted", 1).await.ok();
    assert_eq!(moved["stage"], "contacted");
    let board = brand.get(&format!("/api/v1/campaigns/{id}/board")).await.ok();
    assert!(board["head"].as_i64().unwrap() >= 2);
    let page = raw(brand, reqwest::Method::GET, &format!("/campaigns/{id}"), None).await;
    assert_eq!(page.status, 200);
}

/// The database stops accepting connections and ends every session (as when it is taken down for maintenance).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_refuses_connections_is_answered_with_503_at_once() {
    use sqlx::Connection;
    let url = fresh_database(DbKind::Postgres).await;
    let name = url.rsplit('/').next().unwrap().to_string();
    let app = spawn_on(&url, |_| {}).await;
    let (brand, id, card) = one_partner(&app).await;

    let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await.unwrap();
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).execute(&mut admin).await.unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&name)
    .execute(&mut admin)
    .await
    .unwrap();

    let slowest = all_answer_unavailable(&app, &brand, id, card, Duration::from_secs(3)).await;
    eprintln!("refused connections: slowest time to 503 {slowest:?}");

    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).execute(&mut admin).await.unwrap();
    all_work_again(&app, &brand, id, card).await;
    app.running.stop().await;
}

/// A TCP proxy between the server and PostgreSQL that the test can cut (every connection dropped, new ones
/// refused) and restore.
struct Proxy {
    addr: SocketAddr,
    up: watch::Sender<bool>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (up, mut up_rx) = watch::channel(true);
        tokio::spawn(async move {
            let mut listener = Some(listener);
            loop {
                while !*up_rx.borrow_and_update() {
                    if up_rx.changed().await.is_err() {
                        return;
                    }
                }
                let l = match listener.take() {
                    Some(l) => l,
                    None => TcpListener::bind(addr).await.expect("the proxy listens again on its port"),
                };
                let mut links = tokio::task::JoinSet::new();
                loop {
                    tokio::select! {
                        accepted = l.accept() => {
                            let Ok((mut inbound, _)) = accepted else { continue };
                            let target = target.clone();
                            links.spawn(async move {
                                if let Ok(mut outbound) = TcpStream::connect(&target).await {
                                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                                }
                            });
                        }
                        changed = up_rx.changed() => {
                            if changed.is_err() || !*up_rx.borrow_and_update() {
                                break;
                            }
                        }
                    }
                }
                // Down: refuse new connections and cut every open one.
                drop(l);
                links.abort_all();
                while links.join_next().await.is_some() {}
            }
        });
        Proxy { addr, up }
    }

    fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }
}

/// The database server becomes unreachable (its connections cut, new ones refused): requests no longer wait
/// out a 30 s pool timeout, they get their 503 within the 2 s acquire timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_answered_with_503_within_seconds() {
    let url = fresh_database(DbKind::Postgres).await;
    let (scheme_user, rest) = url.split_once('@').unwrap();
    let (target, database) = rest.split_once('/').unwrap();
    let proxy = Proxy::start(target.to_string()).await;
    let app = spawn_on(&format!("{scheme_user}@{}/{database}", proxy.addr), |_| {}).await;
    let (brand, id, card) = one_partner(&app).await;

    proxy.set_up(false);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let slowest = all_answer_unavailable(&app, &brand, id, card, Duration::from_secs(3)).await;
    eprintln!("unreachable database: slowest time to 503 {slowest:?}");

    proxy.set_up(true);
    tokio::time::sleep(Duration::from_millis(100)).await;
    all_work_again(&app, &brand, id, card).await;
    app.running.stop().await;
}

/// A client subscribes and then never reads while many small events are produced (each fits easily in the
/// kernel's buffers, so the socket never refuses a message): the server notices it does not read, drops it, and
/// a client reading in the same campaign gets every event.
async fn a_client_that_stops_reading_is_dropped(kind: DbKind) {
    let url = fresh_database(kind).await;
    let app = spawn_on(&url, |c| {
        c.ws_max_unread_kb = 256;
        c.ws_stall_seconds = 1;
    })
    .await;
    let (brand, id, card) = one_partner(&app).await;
    let head = brand.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["head"].as_i64().unwrap();
    let hub = app.running.state.db.hub.clone();

    let mut stalled = ws_connect(&app, &brand, None).await.unwrap();
    ws_subscribe(&mut stalled, id, head).await;
    let mut reader = ws_connect(&app, &brand, None).await.unwrap();
    ws_subscribe(&mut reader, id, head).await;
    assert_eq!(hub.sockets(), 2);

    // The reading client reads all along, until it has the last event it is told of.
    let (last_tx, last_rx) = watch::channel(i64::MAX);
    let reading = tokio::spawn(async move {
        let mut got = Vec::new();
        while got.last().is_none_or(|seq| seq < &*last_rx.borrow()) {
            match ws_next(&mut reader, Duration::from_secs(10)).await {
                Some(v) if v["type"] == "event" => got.push(v["event"]["seq"].as_i64().unwrap()),
                Some(_) => {}
                None => break,
            }
        }
        (got, reader)
    });

    let started = Instant::now();
    let mut version = 1;
    let mut moves = 0;
    while hub.sockets() > 1 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the stalled client is still connected after {moves} events"
        );
        let stage = if moves % 2 == 0 { "contacted" } else { "prospect" };
        version = brand.move_card(id, card, stage, version).await.ok()["version"].as_i64().unwrap();
        moves += 1;
    }
    eprintln!("{kind:?}: the stalled client was dropped after {moves} events, {:?}", started.elapsed());
    // A few more, then the reader must have them all, in order, once each.
    for _ in 0..5 {
        let stage = if moves % 2 == 0 { "contacted" } else { "prospect" };
        version = brand.move_card(id, card, stage, version).await.ok()["version"].as_i64().unwrap();
        moves += 1;
    }
    last_tx.send_replace(head + moves);
    let (got, _reader) =
        tokio::time::timeout(Duration::from_secs(20), reading).await.expect("the reader finishes").unwrap();
    assert_eq!(got, ((head + 1)..=(head + moves)).collect::<Vec<_>>());
    assert_eq!(hub.sockets(), 1, "the reading client stays connected");

    // When the stalled client finally reads, it finds what was sent before it was dropped, then the end.
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        let mut frames = 0;
        while let Some(Ok(_)) = stalled.next().await {
            frames += 1;
        }
        frames
    })
    .await
    .expect("the stalled client's connection ends");
    assert!(ended < moves + 2, "it was not sent everything: {ended} frames of {moves} events");
    let health = app.client().get("/healthz").await.ok();
    assert_eq!(health["sockets"], 1);
    app.running.stop().await;
}

/// A client that does not read, on a connection whose buffers fill up (8 KB on the server's side, 2 KB on the
/// client's, before the limit on unread bytes or its age would drop it):
/// the server's sends stall, and so would the close frame it sends when it gives up on the client. The server
/// waits for neither longer than a bound, then lets the connection go (its task, descriptor and buffers).
async fn a_client_whose_connection_is_full_is_let_go(kind: DbKind) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = fresh_database(kind).await;
    let app = spawn_on(&url, |c| {
        c.ws_max_unread_kb = 1_000_000;
        c.ws_stall_seconds = 1;
        c.tcp_send_buffer_kb = Some(8);
    })
    .await;
    let (brand, id, card) = one_partner(&app).await;
    let head = brand.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["head"].as_i64().unwrap();
    let hub = app.running.state.db.hub.clone();

    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let stream = socket.connect(app.running.addr).await.unwrap();
    let mut req = app.ws_url().into_client_request().unwrap();
    req.headers_mut().insert("cookie", brand.cookie.as_ref().unwrap().parse().unwrap());
    let (mut stalled, _) =
        tokio_tungstenite::client_async(req, tokio_tungstenite::MaybeTlsStream::Plain(stream)).await.unwrap();
    ws_subscribe(&mut stalled, id, head).await;
    assert_eq!(hub.sockets(), 1);

    let started = Instant::now();
    let mut version = 1;
    let mut moves = 0;
    while hub.sockets() > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the stalled client is still connected after {moves} events"
        );
        let stage = if moves % 2 == 0 { "contacted" } else { "prospect" };
        version = brand.move_card(id, card, stage, version).await.ok()["version"].as_i64().unwrap();
        moves += 1;
    }
    eprintln!("{kind:?}: the full connection was let go after {moves} events, {:?}", started.elapsed());
    drop(stalled);
    app.running.stop().await;
}

/// `GET …/events?after=N` for an N whose successors were pruned says `reset`, as the WebSocket does, instead of
/// returning later events with a silent hole before them.
async fn a_feed_asked_for_pruned_events_says_reset(kind: DbKind) {
    let url = fresh_database(kind).await;
    let app = spawn_on(&url, |c| c.event_retention = 10).await;
    let (brand, id, card) = one_partner(&app).await;
    // Enough moves to pass a pruning point (every 100 events).
    let mut version = 1;
    for i in 0..100 {
        let stage = if i % 2 == 0 { "contacted" } else { "prospect" };
        version = brand.move_card(id, card, stage, version).await.ok()["version"].as_i64().unwrap();
    }
    let feed = |after: i64| {
        let brand = brand.clone();
        async move { brand.get(&format!("/api/v1/campaigns/{id}/events?after={after}")).await.ok() }
    };
    let pruned = feed(1).await;
    let head = pruned["head"].as_i64().unwrap();
    assert!(head > 100);
    assert_eq!(pruned["reset"], true, "{pruned}");
    assert!(pruned["reason"].as_str().unwrap().contains("no longer kept"));
    assert_eq!(pruned["events"], json!([]));
    // From the start of a pruned campaign, too.
    assert_eq!(feed(0).await["reset"], true);

    // Within what is kept: the events, and no reset.
    let recent = feed(head - 5).await;
    assert_eq!(recent["reset"], false);
    let seqs: Vec<i64> = recent["events"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, ((head - 4)..=head).collect::<Vec<_>>());
    let caught_up = feed(head).await;
    assert_eq!((caught_up["reset"].clone(), caught_up["events"].clone()), (json!(false), json!([])));

    // Ahead of the server (e.g. a database restored from a backup): reset, too.
    let ahead = feed(head + 10).await;
    assert_eq!(ahead["reset"], true);
    assert!(ahead["reason"].as_str().unwrap().contains("ahead"));
    app.running.stop().await;
}
