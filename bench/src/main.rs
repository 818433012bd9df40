//! `chorus-bench`: the performance benchmark behind docs/PERFORMANCE.md. Run it with `scripts/bench.sh`.
//!
//! It is a benchmark, not a test: a crate of its own (`cargo run -p chorus-bench --release --bin chorus-bench`),
//! so `server` carries none of its dependencies, and it never runs in CI (clippy checks it).
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
//!
//! Modules: `args` (command line), `serve` and `clients` (the child processes), `procs` (the bench's side of them),
//! `floor`, `fanout`, `memory`, `ssr`, `wasm` (one measurement each), `stats` and `report` (figures and the document).
mod args;
mod clients;
mod fanout;
mod floor;
mod memory;
mod procs;
mod report;
mod serve;
mod ssr;
mod stats;
mod wasm;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use app::vocab::Stage;
use clap::Parser;
use tokio::time::sleep;

use crate::args::{Cli, Cmd, RunArgs};
use crate::clients::clients;
use crate::fanout::{fanout_pair, CardState, FanOut};
use crate::memory::{memory, Memory};
use crate::procs::{Http, ServerProc};
use crate::report::{fmt_n, write_doc, Report};
use crate::serve::serve;
use crate::ssr::{ssr_board, Ssr};
use crate::stats::{fmt_ms, kib, mib};
use crate::wasm::wasm_sizes;

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
pub(crate) fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime")
}

/// Raises the soft limit on open files to the hard one (children inherit it). Returns the new soft limit.
#[allow(clippy::unnecessary_cast)] // `rlim_t` is not `u64` on every platform
pub(crate) fn raise_fd_limit() -> u64 {
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

pub(crate) fn now_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

/// Ends the process after `limit`, whatever it is doing (children exit when their stdin closes).
pub(crate) fn watchdog(limit: Duration, what: &'static str) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!("chorus-bench {what}: time limit of {}s reached, giving up", limit.as_secs());
        std::process::exit(3);
    });
}

pub(crate) async fn run(a: RunArgs, fd_limit: u64) {
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

pub(crate) fn print_fanout(label: &str, r: &FanOut) {
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
