//! `clients`: the load generator. N WebSocket clients subscribed to one campaign, in a process of their own,
//! reporting each event's first and last arrival to the bench on stdout (the protocol is in main.rs).
use std::io::Write as _;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::{sleep, timeout};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::args::ClientArgs;
use crate::{now_ns, watchdog};

pub(crate) type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) const MAX_ROUNDS: usize = 4096;

pub(crate) struct Round {
    pub(crate) count: AtomicUsize,
    pub(crate) first: AtomicI64,
    pub(crate) last: AtomicI64,
    /// The event's own `at` (server time of the append, milliseconds), as nanoseconds.
    pub(crate) at: AtomicI64,
    pub(crate) claimed: AtomicBool,
}

pub(crate) struct Shared {
    pub(crate) rounds: Vec<Round>,
    /// Clients that subscribed: a round is complete when this many got it.
    pub(crate) target: AtomicUsize,
    pub(crate) alive: AtomicUsize,
    pub(crate) lost: AtomicUsize,
    pub(crate) unexpected: AtomicUsize,
    pub(crate) frame_len: AtomicUsize,
    pub(crate) done: mpsc::UnboundedSender<usize>,
}

impl Shared {
    pub(crate) fn on_text(&self, text: &str, head: i64, ts: i64) {
        let Some(seq) = number_after(text, "\"seq\":") else {
            self.unexpected.fetch_add(1, SeqCst);
            return;
        };
        let idx = seq - head - 1;
        if idx < 0 || idx as usize >= MAX_ROUNDS {
            return;
        }
        let r = &self.rounds[idx as usize];
        if !r.claimed.swap(true, SeqCst) {
            self.frame_len.store(text.len(), SeqCst);
            if let Some(at) = event_at(text) {
                r.at.store(at, SeqCst);
            }
        }
        r.first.fetch_min(ts, SeqCst);
        r.last.fetch_max(ts, SeqCst);
        let count = r.count.fetch_add(1, SeqCst) + 1;
        if count == self.target.load(SeqCst) {
            let _ = self.done.send(idx as usize);
        }
    }

    pub(crate) fn line(&self, tag: &str, idx: usize) -> String {
        let r = &self.rounds[idx];
        format!(
            "{tag} {idx} {} {} {} {}",
            r.count.load(SeqCst),
            r.first.load(SeqCst),
            r.last.load(SeqCst),
            r.at.load(SeqCst)
        )
    }
}

/// The integer right after `key` (no JSON parse: this runs once per frame per client).
pub(crate) fn number_after(text: &str, key: &str) -> Option<i64> {
    let start = text.find(key)? + key.len();
    let digits: String = text[start..].chars().skip_while(|c| *c == ' ').take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// The event's `at` timestamp in nanoseconds.
pub(crate) fn event_at(text: &str) -> Option<i64> {
    let key = "\"at\":\"";
    let start = text.find(key)? + key.len();
    let end = start + text[start..].find('"')?;
    chrono::DateTime::parse_from_rfc3339(&text[start..end]).ok()?.timestamp_nanos_opt()
}

pub(crate) fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

pub(crate) async fn clients(a: ClientArgs) {
    watchdog(Duration::from_secs(a.max_seconds), "clients");
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<usize>();
    let shared = Arc::new(Shared {
        rounds: (0..MAX_ROUNDS)
            .map(|_| Round {
                count: AtomicUsize::new(0),
                first: AtomicI64::new(i64::MAX),
                last: AtomicI64::new(0),
                at: AtomicI64::new(0),
                claimed: AtomicBool::new(false),
            })
            .collect(),
        target: AtomicUsize::new(usize::MAX),
        alive: AtomicUsize::new(0),
        lost: AtomicUsize::new(0),
        unexpected: AtomicUsize::new(0),
        frame_len: AtomicUsize::new(0),
        done: done_tx,
    });

    // The bench talks to us on stdin: `END` asks for the final report; EOF means it is gone.
    let (end_tx, mut end_rx) = mpsc::unbounded_channel::<()>();
    tokio::spawn(async move {
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        loop {
            match lines.next_line().await {
                Ok(Some(l)) if l.trim() == "END" => {
                    let _ = end_tx.send(());
                }
                Ok(Some(_)) => {}
                _ => std::process::exit(0),
            }
        }
    });

    // One probe learns the campaign's head, so that nobody replays old events.
    let started = Instant::now();
    let head = match connect_subscribed(&a.url, a.cookie.as_deref(), a.campaign, 0).await {
        Ok((mut ws, head)) => {
            let _ = ws.close(None).await;
            head
        }
        Err(e) => {
            eprintln!("clients: the probe could not subscribe: {e}");
            say("READY 0 0 0 0");
            return wait_end(&shared, &mut end_rx, &mut done_rx).await;
        }
    };

    let sem = Arc::new(Semaphore::new(a.concurrency.max(1)));
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<Result<(), String>>();
    for _ in 0..a.n {
        let (sem, ready_tx, shared) = (sem.clone(), ready_tx.clone(), shared.clone());
        let (url, cookie, campaign) = (a.url.clone(), a.cookie.clone(), a.campaign);
        tokio::spawn(async move {
            let permit = sem.acquire_owned().await.expect("semaphore");
            let (mut ws, my_head) = match connect_subscribed(&url, cookie.as_deref(), campaign, head).await {
                Ok(x) => x,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            drop(permit);
            shared.alive.fetch_add(1, SeqCst);
            let _ = ready_tx.send(Ok(()));
            drop(ready_tx);
            while let Some(msg) = ws.next().await {
                let ts = now_ns();
                match msg {
                    Ok(Message::Text(t)) => shared.on_text(&t, my_head, ts),
                    Ok(Message::Close(_)) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            shared.alive.fetch_sub(1, SeqCst);
            shared.lost.fetch_add(1, SeqCst);
        });
    }
    drop(ready_tx);
    let (mut ok, mut failed) = (0usize, 0usize);
    let mut first_error = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(a.connect_timeout_s);
    while ok + failed < a.n {
        match tokio::time::timeout_at(deadline, ready_rx.recv()).await {
            Ok(Some(Ok(()))) => ok += 1,
            Ok(Some(Err(e))) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
            Ok(None) | Err(_) => break,
        }
    }
    if let Some(e) = first_error {
        eprintln!("clients: {failed} of {} could not connect, e.g.: {e}", a.n);
    }
    shared.target.store(ok, SeqCst);
    say(&format!("READY {ok} {} {head} {}", a.n - ok, started.elapsed().as_millis()));
    wait_end(&shared, &mut end_rx, &mut done_rx).await
}

/// Reports complete rounds as they happen; on `END`, reports everything and exits.
pub(crate) async fn wait_end(
    shared: &Shared,
    end_rx: &mut mpsc::UnboundedReceiver<()>,
    done_rx: &mut mpsc::UnboundedReceiver<usize>,
) {
    loop {
        tokio::select! {
            Some(idx) = done_rx.recv() => say(&shared.line("ROUND", idx)),
            _ = end_rx.recv() => break,
        }
    }
    // Stragglers get a few seconds to arrive.
    let target = shared.target.load(SeqCst);
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until && shared.rounds.iter().any(|r| (1..target).contains(&r.count.load(SeqCst))) {
        sleep(Duration::from_millis(50)).await;
    }
    for (idx, r) in shared.rounds.iter().enumerate() {
        if r.count.load(SeqCst) > 0 {
            say(&shared.line("FINAL", idx));
        }
    }
    say(&format!(
        "STATS alive={} lost={} unexpected={} frame_bytes={}",
        shared.alive.load(SeqCst),
        shared.lost.load(SeqCst),
        shared.unexpected.load(SeqCst),
        shared.frame_len.load(SeqCst)
    ));
    say("DONE");
    std::process::exit(0);
}

/// Connects (retrying refused or dropped connects with back-off), subscribes and returns the `head`.
pub(crate) async fn connect_subscribed(
    url: &str,
    cookie: Option<&str>,
    campaign: i64,
    after: i64,
) -> Result<(Ws, i64), String> {
    let mut last_error = String::new();
    for attempt in 0..8u32 {
        if attempt > 0 {
            sleep(Duration::from_millis(25 << attempt.min(6))).await;
        }
        let mut req = url.into_client_request().map_err(|e| e.to_string())?;
        if let Some(c) = cookie {
            req.headers_mut().insert("cookie", c.parse().map_err(|_| "bad cookie".to_string())?);
        }
        let config = WebSocketConfig::default().read_buffer_size(4 * 1024).write_buffer_size(0);
        let mut ws = match timeout(
            Duration::from_secs(10),
            tokio_tungstenite::connect_async_with_config(req, Some(config), false),
        )
        .await
        {
            Ok(Ok((ws, _))) => ws,
            Ok(Err(e)) => {
                last_error = e.to_string();
                continue;
            }
            Err(_) => {
                last_error = "connect timed out".into();
                continue;
            }
        };
        let subscribe = json!({ "op": "subscribe", "campaign_id": campaign, "after": after }).to_string();
        if let Err(e) = ws.send(Message::Text(subscribe.into())).await {
            last_error = e.to_string();
            continue;
        }
        let answer = timeout(Duration::from_secs(30), async {
            while let Some(msg) = ws.next().await {
                match msg {
                    Ok(Message::Text(t)) => {
                        let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                        match v["type"].as_str() {
                            Some("subscribed") => return Ok(v["head"].as_i64().unwrap_or(0)),
                            Some("error") | Some("reset") => return Err(format!("refused: {t}")),
                            _ => {}
                        }
                    }
                    Ok(Message::Close(_)) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            Err("closed before subscribing".to_string())
        })
        .await;
        match answer {
            Ok(Ok(head)) => return Ok((ws, head)),
            Ok(Err(e)) if e.starts_with("refused") => return Err(e),
            Ok(Err(e)) => last_error = e,
            Err(_) => last_error = "no answer to subscribe".into(),
        }
    }
    Err(last_error)
}
