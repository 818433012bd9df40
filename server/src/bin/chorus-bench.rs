//! `chorus-bench`: the performance benchmark behind docs/PERFORMANCE.md. Run it with `scripts/bench.sh`.
//!
//! It is a benchmark, not a test: it is built only with `--features bench` and never runs in CI.
//!
//! * `chorus-bench [run]`: the whole benchmark. Fan-out latency of Chorus against a minimal broadcast server
//!   (the floor), server memory per idle WebSocket, server-side rendering time of a 500- and a 2,000-card board
//!   and the compressed size of the WASM bundle. Prints a table and, with `--write-doc`, writes the figures into
//!   docs/PERFORMANCE.md (between the `chorus-bench` markers).
//! * `chorus-bench clients`: N WebSocket clients in their own process (the load generator). Reports on stdout.
//! * `chorus-bench serve`: the Chorus server (`chorus_server::start`) alone in a process, so that its resident
//!   memory can be read from `/proc/<pid>/status` without the load generator's allocations in it.
//!
//! The protocol between the bench and its `clients` child is line based, on the child's stdin and stdout:
//!   child → `READY <connected> <failed> <head> <connect_ms>` once every client is subscribed (or gave up);
//!   child → `ROUND <i> <count> <first_ns> <last_ns> <at_ns>` as soon as event i reached every connected client;
//!   bench → `END`; child → one `FINAL <i> …` line per event seen (complete or not), `STATS …`, `DONE`; exits.
//! And with its `serve` child: bench → `COMMITS`; child → `COMMIT <campaign> <seq> <ns>` for every event committed
//! since the last `COMMITS` (when its commit returned), then `COMMITS END`.
//! Times are wall-clock nanoseconds since the Unix epoch (CLOCK_REALTIME, shared by every process here).
//! Event i is the one with sequence number `head + 1 + i`; the floor server numbers its frames the same way.
use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{broadcast, mpsc, Semaphore};
use tokio::time::{sleep, timeout};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use app::vocab::{Stage, PLATFORMS};

// ---------------------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------------------

#[derive(Parser)]
#[command(
    name = "chorus-bench",
    about = "Chorus performance benchmark (see docs/PERFORMANCE.md)",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Cmd {
    /// The whole benchmark (the default).
    Run(RunArgs),
    /// N WebSocket clients subscribed to one campaign (spawned by `run`).
    Clients(ClientArgs),
    /// The Chorus server alone, on 127.0.0.1:0 (spawned by `run`); prints `LISTENING <addr>`, stops on stdin EOF.
    Serve(ServeArgs),
}

#[derive(Args, Clone, Debug)]
struct RunArgs {
    /// Client counts for the fan-out latency (Chorus and the floor).
    #[arg(long, value_delimiter = ',', default_value = "100,1000,10000")]
    sizes: Vec<usize>,
    /// Client counts for the memory per idle WebSocket.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    mem_sizes: Vec<usize>,
    /// Measured writes (rounds) per client count, for Chorus and for the floor each (200: p99 leaves out the two
    /// slowest, so that one hiccup of a shared machine does not decide it).
    #[arg(long, default_value_t = 200)]
    rounds: usize,
    /// Unmeasured rounds first (warm-up).
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Pause after a round has reached every client, before the next write (uniform in [min, max]).
    #[arg(long, default_value_t = 100)]
    gap_min_ms: u64,
    #[arg(long, default_value_t = 200)]
    gap_max_ms: u64,
    /// How long one round may take before it is given up (counted as incomplete).
    #[arg(long, default_value_t = 20)]
    round_timeout_s: u64,
    /// Cards on the server-rendered board: one board (campaign) per size, each measured on its own.
    #[arg(long, alias = "ssr-cards", value_delimiter = ',', default_value = "500,2000")]
    ssr_sizes: Vec<usize>,
    /// Sequential timed GETs of the board page, per size.
    #[arg(long, default_value_t = 200)]
    ssr_requests: usize,
    /// The cargo-leptos site root holding pkg/*.wasm (default: $CARGO_TARGET_DIR/site, then <workspace>/target/site).
    #[arg(long)]
    site_root: Option<PathBuf>,
    /// Write the results into this Markdown file (between the chorus-bench markers).
    #[arg(long)]
    write_doc: Option<PathBuf>,
    /// Append every measured fan-out round to this CSV file (server, clients, client threads, round, when it was
    /// sent, latency, first-to-last spread): to see when the slowest rounds happened.
    #[arg(long)]
    rounds_file: Option<PathBuf>,
    /// Worker threads of the client process (1 = a current-thread runtime); the fan-out runs once per value.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    client_threads: Vec<usize>,
    /// Clients connecting at once (keeps the server's accept backlog from overflowing).
    #[arg(long, default_value_t = 32)]
    connect_concurrency: usize,
    /// Which parts to run: fanout, memory, ssr, wasm.
    #[arg(long, value_delimiter = ',', default_value = "fanout,memory,ssr,wasm")]
    only: Vec<String>,
    /// The whole run is aborted after this long.
    #[arg(long, default_value_t = 45)]
    max_minutes: u64,
}

#[derive(Args, Clone, Debug)]
struct ClientArgs {
    /// WebSocket URL, e.g. ws://127.0.0.1:3000/ws
    #[arg(long)]
    url: String,
    /// Cookie header value (the session), if the server needs one.
    #[arg(long)]
    cookie: Option<String>,
    #[arg(long)]
    campaign: i64,
    #[arg(long)]
    n: usize,
    #[arg(long, default_value_t = 1)]
    threads: usize,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Give up connecting after this long.
    #[arg(long, default_value_t = 300)]
    connect_timeout_s: u64,
    /// The process exits by itself after this long.
    #[arg(long, default_value_t = 1800)]
    max_seconds: u64,
}

#[derive(Args, Clone, Debug)]
struct ServeArgs {
    #[arg(long)]
    database_url: String,
    #[arg(long)]
    site_root: PathBuf,
}

fn main() {
    let fd_limit = raise_fd_limit();
    let cli = Cli::parse();
    match cli.cmd.unwrap_or(Cmd::Run(cli.run)) {
        Cmd::Serve(a) => multi_thread().block_on(serve(a)),
        Cmd::Clients(a) => {
            let rt = if a.threads <= 1 {
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
            } else {
                tokio::runtime::Builder::new_multi_thread().worker_threads(a.threads).enable_all().build().unwrap()
            };
            rt.block_on(clients(a))
        }
        Cmd::Run(a) => multi_thread().block_on(run(a, fd_limit)),
    }
}

/// The runtime `#[tokio::main]` builds (one worker per core), as the `chorus` binary uses.
fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime")
}

/// Raises the soft limit on open files to the hard one (children inherit it). Returns the new soft limit.
#[allow(clippy::unnecessary_cast)] // `rlim_t` is not `u64` on every platform
fn raise_fd_limit() -> u64 {
    // SAFETY: plain libc calls on a local struct.
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        }
        lim.rlim_cur as u64
    }
}

fn now_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

/// Ends the process after `limit`, whatever it is doing (children exit when their stdin closes).
fn watchdog(limit: Duration, what: &'static str) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!("chorus-bench {what}: time limit of {}s reached, giving up", limit.as_secs());
        std::process::exit(3);
    });
}

// ---------------------------------------------------------------------------------------------------------
// `serve`: Chorus alone in a process
// ---------------------------------------------------------------------------------------------------------

async fn serve(a: ServeArgs) {
    let mut config = chorus_server::Config::for_tests(&a.database_url);
    config.site_root = a.site_root;
    config.login_attempts = 10_000;
    let running = match chorus_server::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("chorus-bench serve: {e:#}");
            std::process::exit(1);
        }
    };
    let hub = running.state.db.hub.clone();
    hub.record_commits();
    println!("LISTENING {}", running.addr);
    let _ = std::io::stdout().flush();
    // Runs until the bench closes our stdin (or dies). `COMMITS` asks for the commits since the last time.
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim() == "COMMITS" {
            let mut out = String::new();
            for c in hub.take_commits() {
                out += &format!("COMMIT {} {} {}\n", c.campaign_id, c.seq, c.at_ns);
            }
            out += "COMMITS END\n";
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(out.as_bytes());
            let _ = stdout.flush();
        }
    }
    std::process::exit(0);
}

// ---------------------------------------------------------------------------------------------------------
// `clients`: the load generator
// ---------------------------------------------------------------------------------------------------------

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const MAX_ROUNDS: usize = 4096;

struct Round {
    count: AtomicUsize,
    first: AtomicI64,
    last: AtomicI64,
    /// The event's own `at` (server time of the append, milliseconds), as nanoseconds.
    at: AtomicI64,
    claimed: AtomicBool,
}

struct Shared {
    rounds: Vec<Round>,
    /// Clients that subscribed: a round is complete when this many got it.
    target: AtomicUsize,
    alive: AtomicUsize,
    lost: AtomicUsize,
    unexpected: AtomicUsize,
    frame_len: AtomicUsize,
    done: mpsc::UnboundedSender<usize>,
}

impl Shared {
    fn on_text(&self, text: &str, head: i64, ts: i64) {
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

    fn line(&self, tag: &str, idx: usize) -> String {
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
fn number_after(text: &str, key: &str) -> Option<i64> {
    let start = text.find(key)? + key.len();
    let digits: String = text[start..].chars().skip_while(|c| *c == ' ').take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// The event's `at` timestamp in nanoseconds.
fn event_at(text: &str) -> Option<i64> {
    let key = "\"at\":\"";
    let start = text.find(key)? + key.len();
    let end = start + text[start..].find('"')?;
    chrono::DateTime::parse_from_rfc3339(&text[start..end]).ok()?.timestamp_nanos_opt()
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn clients(a: ClientArgs) {
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
async fn wait_end(
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
async fn connect_subscribed(url: &str, cookie: Option<&str>, campaign: i64, after: i64) -> Result<(Ws, i64), String> {
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

// ---------------------------------------------------------------------------------------------------------
// The bench's side of a `clients` process
// ---------------------------------------------------------------------------------------------------------

struct ClientsProc {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::UnboundedReceiver<String>,
    rounds: HashMap<usize, RoundSeen>,
}

#[derive(Clone, Copy, Debug, Default)]
struct RoundSeen {
    count: usize,
    first: i64,
    last: i64,
    at: i64,
}

struct Ready {
    connected: usize,
    failed: usize,
    connect_ms: u64,
}

struct Finished {
    rounds: HashMap<usize, RoundSeen>,
    stats: String,
    frame_bytes: usize,
}

fn parse_round(line: &str) -> Option<(usize, RoundSeen)> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 6 {
        return None;
    }
    Some((
        f[1].parse().ok()?,
        RoundSeen {
            count: f[2].parse().ok()?,
            first: f[3].parse().ok()?,
            last: f[4].parse().ok()?,
            at: f[5].parse().ok()?,
        },
    ))
}

impl ClientsProc {
    async fn spawn(
        a: &RunArgs,
        threads: usize,
        url: &str,
        cookie: Option<&str>,
        campaign: i64,
        n: usize,
    ) -> ClientsProc {
        let mut cmd = Command::new(std::env::current_exe().expect("own path"));
        cmd.arg("clients")
            .arg("--url")
            .arg(url)
            .arg("--campaign")
            .arg(campaign.to_string())
            .arg("--n")
            .arg(n.to_string())
            .arg("--threads")
            .arg(threads.to_string())
            .arg("--concurrency")
            .arg(a.connect_concurrency.to_string());
        if let Some(c) = cookie {
            cmd.arg("--cookie").arg(c);
        }
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn the clients process");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut r = BufReader::new(stdout).lines();
            while let Ok(Some(l)) = r.next_line().await {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        ClientsProc { child, stdin, lines, rounds: HashMap::new() }
    }

    async fn next_line(&mut self, wait: Duration) -> Option<String> {
        let line = timeout(wait, self.lines.recv()).await.ok().flatten()?;
        if line.starts_with("ROUND ") {
            if let Some((i, r)) = parse_round(&line) {
                self.rounds.insert(i, r);
            }
        }
        Some(line)
    }

    async fn ready(&mut self, wait: Duration) -> Option<Ready> {
        let until = Instant::now() + wait;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            let line = self.next_line(left).await?;
            if let Some(rest) = line.strip_prefix("READY ") {
                let f: Vec<u64> = rest.split_whitespace().filter_map(|x| x.parse().ok()).collect();
                if f.len() >= 4 {
                    return Some(Ready { connected: f[0] as usize, failed: f[1] as usize, connect_ms: f[3] });
                }
            }
        }
        None
    }

    /// Waits until round `idx` reached every client; `false` after `wait`.
    async fn round(&mut self, idx: usize, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        while !self.rounds.contains_key(&idx) {
            let Some(left) = until.checked_duration_since(Instant::now()) else { return false };
            if self.next_line(left).await.is_none() {
                return self.rounds.contains_key(&idx);
            }
        }
        true
    }

    /// Asks for the final report, collects it and lets the process exit.
    async fn finish(mut self) -> Finished {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin.write_all(b"END\n").await;
            let _ = stdin.flush().await;
        }
        let mut out = Finished { rounds: HashMap::new(), stats: String::new(), frame_bytes: 0 };
        while let Some(line) = self.next_line(Duration::from_secs(30)).await {
            if line.starts_with("FINAL ") {
                if let Some((i, r)) = parse_round(&line) {
                    out.rounds.insert(i, r);
                }
            } else if let Some(s) = line.strip_prefix("STATS ") {
                out.stats = s.to_string();
                out.frame_bytes = s
                    .split_whitespace()
                    .find_map(|kv| kv.strip_prefix("frame_bytes="))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
            } else if line == "DONE" {
                break;
            }
        }
        self.stop().await;
        out
    }

    async fn stop(mut self) {
        drop(self.stdin.take());
        if timeout(Duration::from_secs(20), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The Chorus server as a child process, and a small HTTP client for it
// ---------------------------------------------------------------------------------------------------------

struct ServerProc {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    addr: SocketAddr,
}

impl ServerProc {
    async fn spawn(dir: &Path, name: &str) -> ServerProc {
        let db = dir.join(format!("{name}.db"));
        let site = dir.join("site");
        let _ = std::fs::create_dir_all(&site);
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .arg("serve")
            .arg("--database-url")
            .arg(format!("sqlite://{}", db.display()))
            .arg("--site-root")
            .arg(&site)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn the server process");
        let stdin = child.stdin.take();
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let line = timeout(Duration::from_secs(60), lines.next_line()).await;
        let addr = match line {
            Ok(Ok(Some(l))) if l.starts_with("LISTENING ") => {
                l["LISTENING ".len()..].trim().parse().expect("an address")
            }
            other => panic!("the Chorus server did not start: {other:?}"),
        };
        ServerProc { child, stdin, lines, addr }
    }

    /// The events committed since the last call, oldest first: (campaign, seq, when the commit returned in ns).
    async fn commits(&mut self) -> Vec<(i64, i64, i64)> {
        let mut out = Vec::new();
        let Some(stdin) = self.stdin.as_mut() else { return out };
        if stdin.write_all(b"COMMITS\n").await.is_err() || stdin.flush().await.is_err() {
            return out;
        }
        while let Ok(Ok(Some(line))) = timeout(Duration::from_secs(30), self.lines.next_line()).await {
            let f: Vec<&str> = line.split_whitespace().collect();
            match f.as_slice() {
                ["COMMITS", "END"] => break,
                ["COMMIT", c, s, ns] => {
                    if let (Ok(c), Ok(s), Ok(ns)) = (c.parse(), s.parse(), ns.parse()) {
                        out.push((c, s, ns));
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    async fn stop(mut self) {
        drop(self.stdin.take());
        if timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

struct Http {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Http {
    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Vec<u8>, Option<String>), String> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if !self.cookie.is_empty() {
            req = req.header("cookie", &self.cookie);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        let resp = req.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = resp.status().as_u16();
        let cookie = resp
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").to_string());
        let bytes = resp.bytes().await.map_err(|e| format!("{path}: {e}"))?;
        Ok((status, bytes.to_vec(), cookie))
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        let (status, bytes, _) = self.request(reqwest::Method::POST, path, Some(&body)).await?;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !(200..300).contains(&status) {
            return Err(format!("POST {path}: {status} {v}"));
        }
        Ok(v)
    }

    /// Signs up a fresh organization and keeps its session.
    async fn sign_up(base: String) -> Http {
        let mut http = Http { client: reqwest::Client::new(), base, cookie: String::new() };
        let body = json!({ "name": "Bench User", "email": "bench@example.com", "password": "correct horse battery", "org_name": "Bench Agency", "org_kind": "agency" });
        let (status, bytes, cookie) =
            http.request(reqwest::Method::POST, "/api/v1/auth/signup", Some(&body)).await.expect("sign up");
        assert!((200..300).contains(&status), "sign up: {status} {}", String::from_utf8_lossy(&bytes));
        http.cookie = cookie.expect("a session cookie");
        http
    }

    async fn campaign(&self, name: &str) -> i64 {
        self.post("/api/v1/campaigns", json!({ "name": name })).await.expect("create a campaign")["id"]
            .as_i64()
            .expect("id")
    }

    async fn add_creator(&self, campaign: i64, i: usize) -> Value {
        let body = json!({
            "name": format!("Creator {i:04}"),
            "platform": PLATFORMS[i % PLATFORMS.len()],
            "handle": format!("creator.{i:04}"),
            "followers": 1_000 + (i as i64 * 7_919) % 900_000,
            "lane": if i.is_multiple_of(3) { "ugc" } else { "influencer" },
            "next_action": if i.is_multiple_of(2) { Value::String("Follow up on the brief".into()) } else { Value::Null },
        });
        self.post(&format!("/api/v1/campaigns/{campaign}/creators"), body).await.expect("add a creator")
    }

    async fn move_card(&self, campaign: i64, card: i64, stage: Stage, version: i64) -> Value {
        self.post(
            &format!("/api/v1/campaigns/{campaign}/creators/{card}/move"),
            json!({ "stage": stage, "version": version }),
        )
        .await
        .expect("move a card")
    }
}

// ---------------------------------------------------------------------------------------------------------
// The floor: the least any server can do to fan one message out
// ---------------------------------------------------------------------------------------------------------

/// A bare TCP listener + tungstenite: every connection answers the subscribe like Chorus does, then only
/// forwards pre-serialized frames from a `tokio::sync::broadcast` channel to its socket.
struct Floor {
    addr: SocketAddr,
    tx: broadcast::Sender<Utf8Bytes>,
    accept: tokio::task::JoinHandle<()>,
}

impl Floor {
    async fn start() -> Floor {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the floor server");
        let addr = listener.local_addr().unwrap();
        let (tx, _) = broadcast::channel::<Utf8Bytes>(1024);
        let accept_tx = tx.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                // As Chorus does (server/src/lib.rs): no Nagle delay on small frames.
                let _ = stream.set_nodelay(true);
                let tx = accept_tx.clone();
                tokio::spawn(async move {
                    // The same socket settings as Chorus' WebSocket upgrade.
                    let config = WebSocketConfig::default().read_buffer_size(4 * 1024).write_buffer_size(0);
                    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
                        return;
                    };
                    match ws.next().await {
                        Some(Ok(Message::Text(_))) => {}
                        _ => return,
                    }
                    let mut rx = tx.subscribe();
                    drop(tx);
                    let subscribed = r#"{"type":"subscribed","campaign_id":1,"head":0}"#;
                    if ws.send(Message::Text(subscribed.into())).await.is_err() {
                        return;
                    }
                    loop {
                        match rx.recv().await {
                            Ok(text) => {
                                if ws.send(Message::Text(text)).await.is_err() {
                                    return;
                                }
                            }
                            Err(broadcast::error::RecvError::Lagged(_)) => continue,
                            Err(broadcast::error::RecvError::Closed) => return,
                        }
                    }
                });
            }
        });
        Floor { addr, tx, accept }
    }

    fn stop(self) {
        self.accept.abort();
        drop(self.tx);
    }
}

/// A `card_moved` event frame as Chorus sends it, numbered `seq`, built from the real types.
fn floor_frame(seq: i64) -> Utf8Bytes {
    use app::realtime::{Actor, Change, Event};
    let event = Event {
        campaign_id: 1,
        seq,
        at: chrono::Utc::now(),
        actor: Actor { user_id: 1, name: "Bench User".into(), org_id: Some(1), org_name: Some("Bench Agency".into()) },
        change: Change::CardMoved {
            card_id: 1,
            name: "Creator 0001".into(),
            from: Stage::Prospect,
            to: Stage::Contacted,
            version: seq + 1,
        },
    };
    app::realtime::hub::frame_text(&serde_json::to_string(&event).unwrap()).into()
}

// ---------------------------------------------------------------------------------------------------------
// Statistics and reporting
// ---------------------------------------------------------------------------------------------------------

/// Nearest-rank percentile of sorted values.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

fn ms(ns: i64) -> f64 {
    ns as f64 / 1e6
}

fn fmt_ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}

fn kb(bytes: u64) -> String {
    format!("{:.1} kB", bytes as f64 / 1000.0)
}

#[derive(Default, Clone)]
struct FanOut {
    n: usize,
    /// Threads of the client process.
    threads: usize,
    connected: usize,
    connect_ms: u64,
    /// Complete measured rounds / measured rounds.
    complete: usize,
    measured: usize,
    /// Chorus: last arrival − the moment the write's commit returned; floor: last arrival − broadcast send.
    p50: f64,
    p99: f64,
    /// Chorus only: last arrival − the event's `at` (taken in the transaction, before the event's INSERT and the
    /// COMMIT).
    at_p50: f64,
    at_p99: f64,
    /// Chorus only: last arrival − the moment the HTTP request was sent.
    e2e_p50: f64,
    e2e_p99: f64,
    /// First arrival, same reference as p50.
    first_p50: f64,
    /// Last − first arrival of the same write: the fan-out itself, independent of the reference time.
    spread_p50: f64,
    spread_p99: f64,
    /// Chorus only: the HTTP write (request sent → response read).
    write_p50: f64,
    frame_bytes: usize,
    stats: String,
}

#[derive(Default, Clone)]
struct Memory {
    n: usize,
    connected: usize,
    before: Rss,
    after: Rss,
}

#[derive(Default, Clone, Copy)]
struct Rss {
    vm_rss: u64,
    rss_anon: u64,
}

fn rss(pid: u32) -> Rss {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or(0)
    };
    Rss { vm_rss: field("VmRSS:"), rss_anon: field("RssAnon:") }
}

#[derive(Default, Clone)]
struct Ssr {
    cards: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    html_bytes: usize,
    html_gzip: usize,
    /// Cards on the page marked overdue, and below their tier's engagement minimum (the seeded figures render).
    overdue: usize,
    below: usize,
    /// The same board as JSON (`GET /api/v1/campaigns/{id}/board`: the data alone, without rendering), p50 / p95.
    data_p50: f64,
    data_p95: f64,
    data_bytes: usize,
    /// Seconds the CSV import (preview + apply) took.
    seed_s: f64,
}

#[derive(Default, Clone)]
struct Wasm {
    /// cargo-leptos' own module, every island in one (what development builds load).
    all: Option<WasmFile>,
    /// One bundle per group of pages (`scripts/build-bundles.sh`, listed in `pkg/bundles.txt`): what those pages
    /// download, one file each.
    bundles: Vec<WasmBundle>,
    debug_info: bool,
    modified: String,
}

#[derive(Default, Clone)]
struct WasmFile {
    name: String,
    raw: u64,
    gzip: u64,
    brotli: u64,
}

#[derive(Clone)]
struct WasmBundle {
    /// The pages that load it.
    pages: &'static str,
    file: WasmFile,
}

impl Wasm {
    /// What the heaviest page downloads, brotli; the single module when there are no bundles.
    fn heaviest(&self) -> Option<(u64, String)> {
        match self.bundles.iter().max_by_key(|b| b.file.brotli) {
            Some(b) => Some((b.file.brotli, b.pages.to_string())),
            None => self.all.as_ref().map(|m| (m.brotli, "every page (one module)".to_string())),
        }
    }
}

/// The pages a bundle serves (see `Bundle` in app/src/shell.rs).
fn pages_of(bundle: &str) -> &'static str {
    match bundle {
        "board" => "the outreach board",
        "charter" => "the charter",
        "content" => "content approvals",
        "performance" => "performance",
        "settings" => "API tokens, organization",
        "portal" => "the creator portal (campaign, charter)",
        "home" => "home (starting a campaign)",
        _ => "(other)",
    }
}

// ---------------------------------------------------------------------------------------------------------
// `run`
// ---------------------------------------------------------------------------------------------------------

async fn run(a: RunArgs, fd_limit: u64) {
    watchdog(Duration::from_secs(a.max_minutes * 60), "run");
    let started = Instant::now();
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("chorus-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let wants = |what: &str| a.only.iter().any(|o| o == what);
    println!("chorus-bench: open-file limit {fd_limit}, temp dir {}", dir.display());

    let mut chorus_rows: Vec<FanOut> = Vec::new();
    let mut floor_rows: Vec<FanOut> = Vec::new();
    let mut memory_rows: Vec<Memory> = Vec::new();
    let mut ssr: Vec<Ssr> = Vec::new();

    if wants("fanout") || wants("ssr") {
        let mut server = ServerProc::spawn(&dir, "fanout").await;
        let base = format!("http://{}", server.addr);
        let http = Http::sign_up(base.clone()).await;
        if wants("fanout") {
            let campaign = http.campaign("Fan-out").await;
            let added = http.add_creator(campaign, 1).await;
            let mut card = CardState {
                id: added["id"].as_i64().unwrap(),
                stage: Stage::Prospect,
                version: added["version"].as_i64().unwrap(),
            };
            let ws_url = format!("ws://{}/ws", server.addr);
            for &threads in &a.client_threads {
                for &n in &a.sizes {
                    println!("fan-out, {n} clients on {threads} client thread(s), Chorus and the floor in turn …");
                    let (chorus, floor) =
                        fanout_pair(&a, threads, &mut server, &http, &ws_url, campaign, &mut card, n).await;
                    print_fanout("  Chorus", &chorus);
                    print_fanout("  floor", &floor);
                    chorus_rows.push(chorus);
                    floor_rows.push(floor);
                    sleep(Duration::from_secs(2)).await;
                }
            }
        }
        if wants("ssr") {
            for &cards in &a.ssr_sizes {
                println!("SSR of a {}-card board …", fmt_n(cards));
                let row = ssr_board(&a, &http, cards).await;
                println!(
                    "  seeded in {:.1} s; p50 {} ms, p95 {} ms, p99 {} ms, max {} ms, {} bytes; data alone p50 {} ms",
                    row.seed_s,
                    fmt_ms(row.p50),
                    fmt_ms(row.p95),
                    fmt_ms(row.p99),
                    fmt_ms(row.max),
                    row.html_bytes,
                    fmt_ms(row.data_p50)
                );
                ssr.push(row);
            }
        }
        server.stop().await;
    }

    if wants("memory") {
        for &n in &a.mem_sizes {
            println!("memory, {n} idle clients …");
            let row = memory(&a, &dir, n).await;
            let per = row.after.vm_rss.saturating_sub(row.before.vm_rss) / row.connected.max(1) as u64;
            println!("  VmRSS {} → {}: {} per connection", mib(row.before.vm_rss), mib(row.after.vm_rss), kib(per));
            memory_rows.push(row);
            sleep(Duration::from_secs(2)).await;
        }
    }

    let wasm = if wants("wasm") {
        println!("WASM bundle …");
        Some(
            tokio::task::spawn_blocking({
                let root = a.site_root.clone();
                move || wasm_sizes(root)
            })
            .await
            .unwrap(),
        )
    } else {
        None
    };

    let _ = std::fs::remove_dir_all(&dir);
    let load_after = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let report = Report {
        args: a.clone(),
        chorus: chorus_rows,
        floor: floor_rows,
        memory: memory_rows,
        ssr,
        wasm,
        load_before: load_before.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        load_after: load_after.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        minutes: started.elapsed().as_secs_f64() / 60.0,
    };
    let md = report.markdown();
    println!("\n{md}");
    if let Some(path) = &a.write_doc {
        write_doc(path, &md);
        println!("written into {}", path.display());
    }
}

fn print_fanout(label: &str, r: &FanOut) {
    println!(
        "{label}: {}/{} connected in {} ms, {}/{} rounds complete, p50 {} ms, p99 {} ms (first arrival p50 {} ms, spread p50 {} ms{}), frame {} bytes [{}]",
        r.connected,
        r.n,
        r.connect_ms,
        r.complete,
        r.measured,
        fmt_ms(r.p50),
        fmt_ms(r.p99),
        fmt_ms(r.first_p50),
        fmt_ms(r.spread_p50),
        if r.at_p50 > 0.0 {
            format!(", from `at` p50 {} / p99 {} ms", fmt_ms(r.at_p50), fmt_ms(r.at_p99))
        } else {
            String::new()
        },
        r.frame_bytes,
        r.stats
    );
}

fn gap(a: &RunArgs) -> Duration {
    let (lo, hi) = (a.gap_min_ms.min(a.gap_max_ms), a.gap_min_ms.max(a.gap_max_ms));
    Duration::from_millis(rand::thread_rng().gen_range(lo..=hi))
}

/// The card the fan-out rounds move back and forth.
struct CardState {
    id: i64,
    stage: Stage,
    version: i64,
}

/// Chorus and the floor with the same number of clients, their writes interleaved (Chorus, floor, Chorus, …) so
/// that whatever else the machine is doing meanwhile weighs on both alike.
#[allow(clippy::too_many_arguments)]
async fn fanout_pair(
    a: &RunArgs,
    threads: usize,
    server: &mut ServerProc,
    http: &Http,
    ws_url: &str,
    campaign: i64,
    card: &mut CardState,
    n: usize,
) -> (FanOut, FanOut) {
    let mut chorus = FanOut { n, threads, ..Default::default() };
    let mut floor_row = FanOut { n, threads, ..Default::default() };
    let total = a.warmup + a.rounds;
    let floor = Floor::start().await;
    let frames: Vec<Utf8Bytes> = (1..=total as i64).map(floor_frame).collect();
    let floor_url = format!("ws://{}/ws", floor.addr);

    let mut chorus_clients = ClientsProc::spawn(a, threads, ws_url, Some(&http.cookie), campaign, n).await;
    let chorus_ready = chorus_clients.ready(Duration::from_secs(600)).await;
    let mut floor_clients = ClientsProc::spawn(a, threads, &floor_url, None, 1, n).await;
    let floor_ready = floor_clients.ready(Duration::from_secs(600)).await;
    let (Some(chorus_ready), Some(floor_ready)) = (chorus_ready, floor_ready) else {
        eprintln!("fan-out {n}: the clients never became ready");
        chorus_clients.stop().await;
        floor_clients.stop().await;
        floor.stop();
        return (chorus, floor_row);
    };
    for (label, ready, row) in [("Chorus", &chorus_ready, &mut chorus), ("floor", &floor_ready, &mut floor_row)] {
        row.connected = ready.connected;
        row.connect_ms = ready.connect_ms;
        if ready.failed > 0 {
            eprintln!("{label} fan-out {n}: {} clients could not connect", ready.failed);
        }
    }
    sleep(Duration::from_millis(500)).await;

    let wait = Duration::from_secs(a.round_timeout_s);
    server.commits().await; // forget the earlier ones
    let mut chorus_sent = Vec::with_capacity(total);
    let mut floor_sent = Vec::with_capacity(total);
    for (r, frame) in frames.iter().enumerate() {
        // Chorus: a real write through the API. Every write must change the card (a move to its own column logs
        // no event).
        let stage = if card.stage == Stage::Contacted { Stage::Prospect } else { Stage::Contacted };
        let t_send = now_ns();
        let moved = http.move_card(campaign, card.id, stage, card.version).await;
        let t_resp = now_ns();
        let version = moved["version"].as_i64().unwrap_or(0);
        assert!(version > card.version, "the move was not applied: {moved}");
        *card = CardState { id: card.id, stage, version };
        chorus_sent.push((t_send, t_resp));
        if !chorus_clients.round(r, wait).await {
            eprintln!("Chorus fan-out {n}: write {r} did not reach every client in {}s", a.round_timeout_s);
        }
        sleep(gap(a)).await;

        // The floor: one pre-serialized frame into the broadcast channel.
        floor_sent.push(now_ns());
        let _ = floor.tx.send(frame.clone());
        if !floor_clients.round(r, wait).await {
            eprintln!("floor fan-out {n}: write {r} did not reach every client in {}s", a.round_timeout_s);
        }
        sleep(gap(a)).await;
    }
    // When each round's commit returned: the rounds are the campaign's only writes meanwhile, one event each.
    let commits: Vec<i64> = server.commits().await.into_iter().filter(|c| c.0 == campaign).map(|c| c.2).collect();
    let commits = if commits.len() == total {
        commits
    } else {
        eprintln!("Chorus fan-out {n}: {} commits recorded for {total} writes, measured from `at`", commits.len());
        Vec::new()
    };
    let chorus_fin = chorus_clients.finish().await;
    let floor_fin = floor_clients.finish().await;
    floor.stop();

    // Chorus: from the moment the commit returned; also from the event's `at` and from the moment the request was
    // sent.
    chorus.frame_bytes = chorus_fin.frame_bytes;
    chorus.stats = chorus_fin.stats;
    // Every measured round, for `--rounds-file`.
    let mut rows = String::new();
    let (mut lat, mut at_lat, mut e2e) = (vec![], vec![], vec![]);
    let (mut first, mut write, mut spread) = (vec![], vec![], vec![]);
    for (r, &(t_send, t_resp)) in chorus_sent.iter().enumerate().skip(a.warmup) {
        chorus.measured += 1;
        let Some(seen) = chorus_fin.rounds.get(&r) else { continue };
        if seen.count < chorus.connected || seen.at == 0 {
            continue;
        }
        chorus.complete += 1;
        let committed = commits.get(r).copied().unwrap_or(seen.at);
        lat.push(ms(seen.last - committed));
        at_lat.push(ms(seen.last - seen.at));
        e2e.push(ms(seen.last - t_send));
        first.push(ms(seen.first - committed));
        write.push(ms(t_resp - t_send));
        spread.push(ms(seen.last - seen.first));
        rows += &format!(
            "Chorus,{n},{threads},{r},{},{:.3},{:.3},{:.3}\n",
            t_send / 1_000_000,
            ms(seen.last - committed),
            ms(seen.last - seen.first),
            ms(seen.last - seen.at)
        );
    }
    let (lat, at_lat, e2e, first, write, spread) =
        (sorted(lat), sorted(at_lat), sorted(e2e), sorted(first), sorted(write), sorted(spread));
    chorus.p50 = pct(&lat, 50.0);
    chorus.p99 = pct(&lat, 99.0);
    chorus.at_p50 = pct(&at_lat, 50.0);
    chorus.at_p99 = pct(&at_lat, 99.0);
    chorus.e2e_p50 = pct(&e2e, 50.0);
    chorus.e2e_p99 = pct(&e2e, 99.0);
    chorus.first_p50 = pct(&first, 50.0);
    chorus.write_p50 = pct(&write, 50.0);
    chorus.spread_p50 = pct(&spread, 50.0);
    chorus.spread_p99 = pct(&spread, 99.0);

    // The floor: from the broadcast send.
    floor_row.frame_bytes = floor_fin.frame_bytes;
    floor_row.stats = floor_fin.stats;
    let (mut lat, mut first, mut spread) = (vec![], vec![], vec![]);
    for (r, &t0) in floor_sent.iter().enumerate().skip(a.warmup) {
        floor_row.measured += 1;
        let Some(seen) = floor_fin.rounds.get(&r) else { continue };
        if seen.count < floor_row.connected {
            continue;
        }
        floor_row.complete += 1;
        lat.push(ms(seen.last - t0));
        first.push(ms(seen.first - t0));
        spread.push(ms(seen.last - seen.first));
        let (lat, spread) = (ms(seen.last - t0), ms(seen.last - seen.first));
        rows += &format!("floor,{n},{threads},{r},{},{lat:.3},{spread:.3},{lat:.3}\n", t0 / 1_000_000);
    }
    if let Some(path) = &a.rounds_file {
        let fresh = !path.exists();
        let written = std::fs::OpenOptions::new().create(true).append(true).open(path).and_then(|mut f| {
            if fresh {
                f.write_all(
                    b"server,clients,client_threads,round,sent_unix_ms,latency_ms,spread_ms,latency_from_at_ms\n",
                )?;
            }
            f.write_all(rows.as_bytes())
        });
        if let Err(e) = written {
            eprintln!("cannot write {}: {e}", path.display());
        }
    }
    let (lat, first, spread) = (sorted(lat), sorted(first), sorted(spread));
    floor_row.p50 = pct(&lat, 50.0);
    floor_row.p99 = pct(&lat, 99.0);
    floor_row.first_p50 = pct(&first, 50.0);
    floor_row.spread_p50 = pct(&spread, 50.0);
    floor_row.spread_p99 = pct(&spread, 99.0);
    floor_row.e2e_p50 = f64::NAN;
    floor_row.e2e_p99 = f64::NAN;
    floor_row.write_p50 = f64::NAN;
    (chorus, floor_row)
}

async fn memory(a: &RunArgs, dir: &Path, n: usize) -> Memory {
    let mut row = Memory { n, ..Default::default() };
    let server = ServerProc::spawn(dir, &format!("memory-{n}")).await;
    let http = Http::sign_up(format!("http://{}", server.addr)).await;
    let campaign = http.campaign("Memory").await;
    http.add_creator(campaign, 1).await;
    let ws_url = format!("ws://{}/ws", server.addr);
    // Warm up: the WebSocket code paths and the campaign's channel exist once before the baseline.
    let threads = a.client_threads.first().copied().unwrap_or(1);
    let mut warm = ClientsProc::spawn(a, threads, &ws_url, Some(&http.cookie), campaign, 50).await;
    let _ = warm.ready(Duration::from_secs(60)).await;
    warm.finish().await;
    sleep(Duration::from_secs(2)).await;
    row.before = rss(server.pid());
    let mut clients = ClientsProc::spawn(a, threads, &ws_url, Some(&http.cookie), campaign, n).await;
    match clients.ready(Duration::from_secs(600)).await {
        Some(ready) => {
            row.connected = ready.connected;
            sleep(Duration::from_secs(3)).await;
            row.after = rss(server.pid());
        }
        None => eprintln!("memory {n}: the clients never became ready"),
    }
    clients.stop().await;
    server.stop().await;
    row
}

/// Deterministic pseudo-random numbers (splitmix64), so that every run seeds the same board.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// How a pool of creators spreads over the stages (a funnel: many prospects, few paid), in per mille.
const STAGE_SHARE: [(Stage, u32); 10] = [
    (Stage::Prospect, 300),
    (Stage::Contacted, 180),
    (Stage::Negotiating, 110),
    (Stage::Contracted, 80),
    (Stage::Briefed, 70),
    (Stage::ContentInProgress, 70),
    (Stage::Posted, 60),
    (Stage::Paid, 50),
    (Stage::Declined, 50),
    (Stage::Archived, 30),
];

/// A CSV file (the import format, app/src/pool/import.rs) of `n` creators with realistic figures: followers
/// log-uniform from 500 to 3M (so every tier of the charter template and "no tier" occur), engagement 0.3–6 %
/// of followers split into likes, comments, shares and saves (so some are below their tier's minimum), reach for
/// four in five, a next action for two in three with a due date from 20 days ago to 30 days ahead (about a
/// third of them overdue), a country, a language, owners spread over `owners` (partner names; empty = the
/// importer's). end2end/bench/board-update.mjs writes the same kind of file.
fn board_csv(n: usize, owners: &[String], today: chrono::NaiveDate) -> String {
    const FIRST: [&str; 16] = [
        "Ava", "Marco", "Priya", "Lucía", "Noah", "Mei", "Jonas", "Amara", "Leo", "Sofia", "Kai", "Nora", "Omar",
        "Ines", "Theo", "Yuki",
    ];
    const LAST: [&str; 16] = [
        "Chen", "Bianchi", "Nair", "Gómez", "Müller", "Okafor", "Larsen", "Silva", "Kowalski", "Haddad", "Tanaka",
        "Dubois", "Novak", "Reyes", "Andersen", "Costa",
    ];
    const COUNTRIES: [(&str, &str); 8] = [
        ("US", "en"),
        ("GB", "en"),
        ("DE", "de"),
        ("FR", "fr"),
        ("ES", "es"),
        ("BR", "pt"),
        ("JP", "ja"),
        ("IT", "it"),
    ];
    const ACTIONS: [&str; 6] = [
        "Send the brief",
        "Follow up on rates",
        "Ask for media kit",
        "Review draft",
        "Confirm posting date",
        "Send contract",
    ];
    let mut rng = Mix(0xC0FFEE ^ n as u64);
    let mut out = String::new();
    const HEADER: [&str; 16] = [
        "name",
        "platform",
        "handle",
        "followers",
        "avg_reach",
        "avg_likes",
        "avg_comments",
        "avg_shares",
        "avg_saves",
        "lane",
        "stage",
        "owner",
        "next_action",
        "next_action_due",
        "country",
        "language",
    ];
    app::creators::csv::push_record(&mut out, &HEADER);
    for i in 0..n {
        let (first, last) = (FIRST[rng.below(FIRST.len())], LAST[rng.below(LAST.len())]);
        let platform = PLATFORMS[[0, 0, 0, 1, 1, 2, 3, 4][rng.below(8)]];
        let followers = (500.0 * (3_000_000.0f64 / 500.0).powf(rng.unit())).round() as i64;
        let engagements = followers as f64 * (0.003 + 0.057 * rng.unit());
        let part = |share: f64| ((engagements * share).round() as i64).to_string();
        let reach = if rng.below(5) == 0 {
            String::new()
        } else {
            ((followers as f64 * (0.1 + 0.5 * rng.unit())) as i64).to_string()
        };
        let mut pick = rng.below(1000) as u32;
        let stage = STAGE_SHARE
            .iter()
            .find(|(_, share)| {
                if pick < *share {
                    true
                } else {
                    pick -= share;
                    false
                }
            })
            .map(|(s, _)| *s)
            .unwrap_or(Stage::Prospect);
        let (action, due) = if rng.below(3) == 0 {
            (String::new(), String::new())
        } else {
            let days = rng.below(51) as i64 - 20;
            (
                ACTIONS[rng.below(ACTIONS.len())].to_string(),
                (today + chrono::Duration::days(days)).format("%Y-%m-%d").to_string(),
            )
        };
        let (country, language) = COUNTRIES[rng.below(COUNTRIES.len())];
        let owner = if owners.is_empty() { String::new() } else { owners[i % owners.len()].clone() };
        let row = [
            format!("{first} {last}"),
            platform.to_string(),
            format!("{}.{}.{i:04}", first.to_lowercase(), last.to_lowercase()),
            followers.to_string(),
            reach,
            part(0.80),
            part(0.06),
            part(0.06),
            part(0.08),
            if rng.below(3) == 0 { "ugc" } else { "influencer" }.to_string(),
            stage.as_str().to_string(),
            owner,
            action,
            due,
            country.to_string(),
            language.to_string(),
        ];
        app::creators::csv::push_record(&mut out, &row);
    }
    out
}

/// Adds `n` creators to the campaign through the CSV import (upload, then apply all rows), as a partner would.
async fn import_creators(http: &Http, campaign: i64, n: usize) {
    let csv = board_csv(n, &[], chrono::Utc::now().date_naive());
    let path = format!("/api/v1/campaigns/{campaign}/imports?filename=bench-{n}.csv");
    let resp = http
        .client
        .post(format!("{}{path}", http.base))
        .header("cookie", &http.cookie)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("upload the CSV file");
    let status = resp.status().as_u16();
    let preview: Value = serde_json::from_slice(&resp.bytes().await.unwrap_or_default()).unwrap_or(Value::Null);
    assert!((200..300).contains(&status), "CSV preview: {status} {preview}");
    assert_eq!(
        preview["valid"].as_u64(),
        Some(n as u64),
        "every row of the generated file is valid: {}",
        preview["errors"]
    );
    let import_id = preview["import_id"].as_i64().expect("import_id");
    let done = http
        .post(&format!("/api/v1/campaigns/{campaign}/imports/{import_id}/apply"), json!({ "mode": "all" }))
        .await
        .expect("apply the import");
    assert_eq!(done["imported"].as_u64(), Some(n as u64), "every row imported: {done}");
}

async fn ssr_board(a: &RunArgs, http: &Http, cards: usize) -> Ssr {
    let campaign = http.campaign(&format!("Board of {cards}")).await;
    let seeding = Instant::now();
    import_creators(http, campaign, cards).await;
    let seed_s = seeding.elapsed().as_secs_f64();
    let path = format!("/campaigns/{campaign}");
    let last_handle = format!(".{:04}\"", cards.saturating_sub(1));
    let mut html = Vec::new();
    for _ in 0..5 {
        let (status, body, _) = http.request(reqwest::Method::GET, &path, None).await.expect("the board page");
        assert_eq!(status, 200, "GET {path}");
        html = body;
    }
    let page = String::from_utf8_lossy(&html).to_string();
    assert!(page.contains(&last_handle), "the board page shows every card");
    let mut times = Vec::with_capacity(a.ssr_requests);
    for _ in 0..a.ssr_requests {
        let t = Instant::now();
        let (status, body, _) = http.request(reqwest::Method::GET, &path, None).await.expect("the board page");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(status, 200);
        html = body;
    }
    let times = sorted(times);
    // The data alone: the same board through the JSON API (the same query, serialized once, nothing rendered).
    let api = format!("/api/v1/campaigns/{campaign}/board");
    let mut data = Vec::with_capacity(a.ssr_requests);
    let mut data_bytes = 0;
    for i in 0..a.ssr_requests + 5 {
        let t = Instant::now();
        let (status, body, _) = http.request(reqwest::Method::GET, &api, None).await.expect("the board as JSON");
        if i >= 5 {
            data.push(t.elapsed().as_secs_f64() * 1e3);
        }
        assert_eq!(status, 200, "GET {api}");
        data_bytes = body.len();
    }
    let data = sorted(data);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = gz.write_all(&html);
    Ssr {
        cards,
        p50: pct(&times, 50.0),
        p95: pct(&times, 95.0),
        p99: pct(&times, 99.0),
        max: times.last().copied().unwrap_or(f64::NAN),
        html_bytes: html.len(),
        html_gzip: gz.finish().map(|v| v.len()).unwrap_or(0),
        overdue: page.matches("class=\"card overdue\"").count(),
        below: page.matches("class=\"tier below\"").count(),
        data_p50: pct(&data, 50.0),
        data_p95: pct(&data, 95.0),
        data_bytes,
        seed_s,
    }
}

fn wasm_sizes(site_root: Option<PathBuf>) -> Wasm {
    let roots: Vec<PathBuf> = match site_root {
        Some(r) => vec![r],
        None => {
            let mut v = Vec::new();
            if let Ok(t) = std::env::var("CARGO_TARGET_DIR") {
                v.push(PathBuf::from(t).join("site"));
            }
            let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
            v.push(workspace.join("target/site"));
            v
        }
    };
    // Each pkg directory's files (name, modified) once; the newest build is the one with the newest `.wasm`.
    let listing = |dir: &Path| -> Vec<(String, SystemTime)> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        let t = e.metadata().and_then(|m| m.modified()).unwrap_or(UNIX_EPOCH);
                        (e.file_name().to_string_lossy().to_string(), t)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let newest_wasm =
        |files: &[(String, SystemTime)]| files.iter().filter(|(n, _)| n.ends_with(".wasm")).map(|(_, t)| *t).max();
    let newest = roots
        .iter()
        .map(|root| {
            let dir = root.join("pkg");
            let files = listing(&dir);
            (dir, files)
        })
        .filter_map(|(dir, files)| newest_wasm(&files).map(|t| (t, dir, files)))
        .max_by_key(|(t, _, _)| *t);
    let Some((modified, dir, files)) = newest else {
        println!(
            "  not built (looked in {})",
            roots.iter().map(|r| r.join("pkg").display().to_string()).collect::<Vec<_>>().join(", ")
        );
        return Wasm::default();
    };
    // `bundles.txt`: one line per bundle, `name js wasm`.
    let listed: Vec<(String, String)> = std::fs::read_to_string(dir.join("bundles.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| (f[0].to_string(), f[2].to_string()))
        })
        .collect();
    let all_name = files
        .iter()
        .filter(|(n, _)| n.ends_with(".wasm") && n.starts_with("chorus"))
        .max_by_key(|(_, t)| *t)
        .map(|(n, _)| n.clone());
    let measure = |name: &str| -> (WasmFile, bool) {
        let data = std::fs::read(dir.join(name)).unwrap_or_default();
        // The same settings as the server's precompression (server/src/assets.rs); each file is compressed
        // and served on its own.
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
        let _ = brotli::BrotliCompress(&mut &data[..], &mut br, &params);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = gz.write_all(&data);
        let gz = gz.finish().unwrap_or_default();
        let debug = wasm_custom_sections(&data).iter().any(|s| s.starts_with(".debug"));
        (
            WasmFile { name: name.to_string(), raw: data.len() as u64, gzip: gz.len() as u64, brotli: br.len() as u64 },
            debug,
        )
    };
    let mut debug_info = false;
    let all = all_name.map(|n| {
        let (f, debug) = measure(&n);
        debug_info |= debug;
        f
    });
    let mut bundles = Vec::new();
    for (name, file) in &listed {
        let (f, debug) = measure(file);
        debug_info |= debug;
        bundles.push(WasmBundle { pages: pages_of(name), file: f });
    }
    bundles.sort_by(|a, b| b.file.brotli.cmp(&a.file.brotli));
    if let Some(all) = &all {
        println!("  all islands {}: raw {}, gzip {}, brotli {}", all.name, kb(all.raw), kb(all.gzip), kb(all.brotli));
    }
    for b in &bundles {
        println!("  {} ({}): brotli {}", b.pages, b.file.name, kb(b.file.brotli));
    }
    Wasm {
        all,
        bundles,
        debug_info,
        modified: chrono::DateTime::<chrono::Utc>::from(modified).format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// The names of a WASM module's custom sections (`.debug_info` & co. mean an unoptimised debug build).
fn wasm_custom_sections(data: &[u8]) -> Vec<String> {
    fn leb(data: &[u8], pos: &mut usize) -> Option<usize> {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let b = *data.get(*pos)?;
            *pos += 1;
            value |= ((b & 0x7f) as usize) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
            shift += 7;
            if shift > 35 {
                return None;
            }
        }
    }
    let mut names = Vec::new();
    if data.len() < 8 || &data[..4] != b"\0asm" {
        return names;
    }
    let mut pos = 8;
    while pos < data.len() {
        let id = data[pos];
        pos += 1;
        let Some(size) = leb(data, &mut pos) else { break };
        let end = pos + size;
        if id == 0 {
            let mut p = pos;
            if let Some(len) = leb(data, &mut p) {
                if let Some(name) = data.get(p..p + len) {
                    names.push(String::from_utf8_lossy(name).to_string());
                }
            }
        }
        pos = end;
    }
    names
}

// ---------------------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------------------

struct Report {
    args: RunArgs,
    chorus: Vec<FanOut>,
    floor: Vec<FanOut>,
    memory: Vec<Memory>,
    ssr: Vec<Ssr>,
    wasm: Option<Wasm>,
    load_before: String,
    load_after: String,
    minutes: f64,
}

const FANOUT_TARGET: f64 = 1.25;
const MEMORY_TARGET: u64 = 16 * 1024;
const WASM_TARGET: u64 = 300_000;
/// The server renders the board of this many cards with p95 ≤ SSR_TARGET_MS.
const SSR_TARGET_CARDS: usize = 2_000;
const SSR_TARGET_MS: f64 = 50.0;

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .map(|k| format!("{:.0} GiB", k as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cores} cores ({model}), {mem} RAM, Linux {}", kernel.trim())
}

/// The commit measured, and whether the working tree had uncommitted changes (they are in the build too).
fn git_commit() -> String {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(workspace)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let commit = git(&["rev-parse", "--short", "HEAD"]);
    if commit.is_empty() {
        return "`unknown`".into();
    }
    let changed = git(&["status", "--porcelain", "--untracked-files=no"]).lines().count();
    if changed == 0 {
        format!("`{commit}`")
    } else {
        format!("`{commit}` (plus uncommitted changes to {changed} tracked files in the working tree)")
    }
}

impl Report {
    fn markdown(&self) -> String {
        let a = &self.args;
        let mut s = String::new();
        let command =
            std::env::var("CHORUS_BENCH_COMMAND").unwrap_or_else(|_| std::env::args().collect::<Vec<_>>().join(" "));
        let profile = if cfg!(debug_assertions) { "dev (debug assertions on: not representative)" } else { "release" };
        s += &format!("Measured {} on {}.  \n", chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"), machine());
        s += &format!("Commit {}, `{profile}` build. Command: `{command}`.  \n", git_commit());
        s += &format!(
            "Load average before / after: {} / {} (the CPU is shared; other work on the machine shows up in these figures). Run time {:.1} min.\n\n",
            self.load_before, self.load_after, self.minutes
        );

        if !self.chorus.is_empty() {
            s += &format!(
                "### Fan-out latency\n\n{} measured writes per client count and server ({} warm-up writes first), one at a time, Chorus and the floor in turn, \
                 {}–{} ms apart after each had reached every client. \
                 Latency of a write = arrival at the **last** client − commit (Chorus: the moment the write's COMMIT returned, recorded by the server) \
                 or − `broadcast::send` (floor); *from `at`*: the same arrival − the event's `at` (taken in the write transaction before the event's INSERT and the COMMIT, so it includes both). Percentiles are nearest-rank over the {} writes{}. \
                 The clients run in their own process on a tokio runtime with the given number of threads (1 = current-thread).\n\n",
                a.rounds,
                a.warmup,
                a.gap_min_ms,
                a.gap_max_ms,
                a.rounds,
                match a.rounds {
                    0..100 => " (so p99 is the slowest write)".to_string(),
                    n => format!(" (p99 is the {} slowest write)", ordinal(n - ((0.99 * n as f64).ceil() as usize) + 1)),
                }
            );
            s += "| client threads | clients | Chorus p50 | Chorus p99 | floor p50 | floor p99 | ratio p50 | ratio p99 | p99 ≤ 1.25× floor | Chorus from `at` p50 / p99 | Chorus click→last p50 / p99 | complete writes (Chorus / floor) |\n";
            s += "|---:|---:|---:|---:|---:|---:|---:|---:|:--:|---:|---:|:--:|\n";
            for (c, f) in self.chorus.iter().zip(&self.floor) {
                let (r50, r99) = (c.p50 / f.p50, c.p99 / f.p99);
                let ok = r99 <= FANOUT_TARGET && c.complete == c.measured && c.complete > 0;
                s += &format!(
                    "| {} | {} | {} ms | {} ms | {} ms | {} ms | {:.2} | {:.2} | {} | {} / {} ms | {} / {} ms | {}/{} / {}/{} |\n",
                    c.threads,
                    fmt_n(c.n),
                    fmt_ms(c.p50),
                    fmt_ms(c.p99),
                    fmt_ms(f.p50),
                    fmt_ms(f.p99),
                    r50,
                    r99,
                    verdict(ok),
                    fmt_ms(c.at_p50),
                    fmt_ms(c.at_p99),
                    fmt_ms(c.e2e_p50),
                    fmt_ms(c.e2e_p99),
                    c.complete,
                    c.measured,
                    f.complete,
                    f.measured
                );
            }
            s += "\nDetails: the first client's arrival (same reference as above); the spread of one write from its first to its last client \
                  (no reference time involved: the fan-out proper); the HTTP write (request sent → response read).\n\n";
            s += "| client threads | clients | first arrival p50 (Chorus / floor) | spread p50 (Chorus / floor) | spread p99 (Chorus / floor) | HTTP write p50 | connected (Chorus / floor) | connect time (Chorus / floor) | frame bytes (Chorus / floor) |\n";
            s += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
            for (c, f) in self.chorus.iter().zip(&self.floor) {
                s += &format!(
                    "| {} | {} | {} / {} ms | {} / {} ms | {} / {} ms | {} ms | {} / {} | {:.1} s / {:.1} s | {} / {} |\n",
                    c.threads,
                    fmt_n(c.n),
                    fmt_ms(c.first_p50),
                    fmt_ms(f.first_p50),
                    fmt_ms(c.spread_p50),
                    fmt_ms(f.spread_p50),
                    fmt_ms(c.spread_p99),
                    fmt_ms(f.spread_p99),
                    fmt_ms(c.write_p50),
                    fmt_n(c.connected),
                    fmt_n(f.connected),
                    c.connect_ms as f64 / 1e3,
                    f.connect_ms as f64 / 1e3,
                    c.frame_bytes,
                    f.frame_bytes
                );
            }
            s += "\n";
        }

        if !self.memory.is_empty() {
            s += "### Server memory per idle WebSocket\n\n(VmRSS of the server process after − before N idle, subscribed clients) / N.\n\n";
            s += "| clients | VmRSS before | VmRSS after | per connection | anonymous memory per connection | ≤ 16 KiB |\n|---:|---:|---:|---:|---:|:--:|\n";
            for m in &self.memory {
                let n = m.connected.max(1) as u64;
                let per = m.after.vm_rss.saturating_sub(m.before.vm_rss) / n;
                let anon = m.after.rss_anon.saturating_sub(m.before.rss_anon) / n;
                s += &format!(
                    "| {}{} | {} | {} | {} | {} | {} |\n",
                    fmt_n(m.n),
                    if m.connected == m.n { String::new() } else { format!(" ({} connected)", fmt_n(m.connected)) },
                    mib(m.before.vm_rss),
                    mib(m.after.vm_rss),
                    kib(per),
                    kib(anon),
                    verdict(per <= MEMORY_TARGET && m.connected > 0)
                );
            }
            s += "\n";
        }

        if !self.ssr.is_empty() {
            let sizes: Vec<String> = self.ssr.iter().map(|r| fmt_n(r.cards)).collect();
            s += &format!(
                "### Server-side rendering of the board ({} cards)\n\n\
                 One campaign per size, its creators added through the CSV import (realistic figures: tiers, engagement below a tier's minimum, \
                 overdue next actions; spread over the stages like a funnel). `GET /campaigns/{{id}}` with a session, {} times one after another \
                 (after 5 unmeasured), timed from sending the request to the last byte of the page. Target: p95 ≤ {} ms with {} cards. \
                 *Data alone*: the same board as JSON (`GET /api/v1/campaigns/{{id}}/board`, the same queries, nothing rendered), as many times.\n\n",
                sizes.join(" and "),
                a.ssr_requests,
                SSR_TARGET_MS,
                fmt_n(SSR_TARGET_CARDS)
            );
            s += "| cards | p50 | p95 | p99 | max | p95 ≤ 50 ms (2,000 cards) | HTML | HTML gzip | data alone p50 / p95 (JSON size) | cards marked overdue / below their tier |\n|---:|---:|---:|---:|---:|:--:|---:|---:|---:|---:|\n";
            for r in &self.ssr {
                s += &format!(
                    "| {} | {} ms | {} ms | {} ms | {} ms | {} | {} | {} | {} / {} ms ({}) | {} / {} |\n",
                    fmt_n(r.cards),
                    fmt_ms(r.p50),
                    fmt_ms(r.p95),
                    fmt_ms(r.p99),
                    fmt_ms(r.max),
                    if r.cards == SSR_TARGET_CARDS { verdict(r.p95 <= SSR_TARGET_MS) } else { "–" },
                    kb(r.html_bytes as u64),
                    kb(r.html_gzip as u64),
                    fmt_ms(r.data_p50),
                    fmt_ms(r.data_p95),
                    kb(r.data_bytes as u64),
                    fmt_n(r.overdue),
                    fmt_n(r.below),
                );
            }
            s += "\n";
        }

        if let Some(w) = &self.wasm {
            s += "### WASM bundle\n\n";
            if w.all.is_none() && w.bundles.is_empty() {
                s += "Not built (run `scripts/build-site.sh` first).\n\n";
            } else {
                {
                    s += &format!(
                        "Built {}. Pages are rendered on the server; only their islands run in the browser. Each \
                         group of pages loads one WASM bundle with the framework and its own islands, nothing of the \
                         other pages (`scripts/build-bundles.sh`); pages without islands load none. Each file is \
                         compressed on its own, as the server serves it.\n\n",
                        w.modified
                    );
                    s += "| pages | file | raw | brotli q11 | brotli ≤ 300 kB |\n|---|---|---:|---:|:--:|\n";
                    for b in &w.bundles {
                        s += &format!(
                            "| {} | `{}` | {} | {} | {} |\n",
                            b.pages,
                            b.file.name,
                            kb(b.file.raw),
                            kb(b.file.brotli),
                            verdict(b.file.brotli <= WASM_TARGET)
                        );
                    }
                    if let Some(all) = &w.all {
                        s += &format!(
                            "| every island in one module (development builds) | `{}` | {} | {} | |\n",
                            all.name,
                            kb(all.raw),
                            kb(all.brotli)
                        );
                    }
                    s += "\n";
                    if let Some((heaviest, route)) = w.heaviest() {
                        s += &format!(
                            "Heaviest page: {route}, {} brotli: target ≤ 300 kB {}.\n\n",
                            kb(heaviest),
                            verdict(heaviest <= WASM_TARGET)
                        );
                    }
                    if w.debug_info {
                        s += "This bundle still carries DWARF debug sections: it is a **debug** build (`cargo leptos build` without `--release`), so its size says nothing about what users download. \
                              Build the release site (`scripts/bench.sh --build-wasm`) and measure again.\n\n";
                    }
                }
            }
        }
        s
    }
}

fn ordinal(n: usize) -> String {
    match n {
        1 => "".into(),
        2 => "2nd".into(),
        3 => "3rd".into(),
        n => format!("{n}th"),
    }
}

fn fmt_n(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const BEGIN: &str = "<!-- chorus-bench:begin (generated by scripts/bench.sh; edits here are overwritten) -->";
const END: &str = "<!-- chorus-bench:end -->";

/// Replaces the generated block of the document (or appends one).
fn write_doc(path: &Path, md: &str) {
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| "# Performance\n\n".into());
    let block = format!("{BEGIN}\n{md}{END}");
    let new = match (old.find("<!-- chorus-bench:begin"), old.find(END)) {
        (Some(b), Some(e)) if e > b => format!("{}{block}{}", &old[..b], &old[e + END.len()..]),
        _ => format!("{}\n{block}\n", old.trim_end()),
    };
    if let Err(e) = std::fs::write(path, new) {
        eprintln!("cannot write {}: {e}", path.display());
    }
}
