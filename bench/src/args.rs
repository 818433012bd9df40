//! The command line: `run` (the default), and the two child processes it spawns, `clients` and `serve`.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "chorus-bench",
    about = "Chorus performance benchmark (see docs/PERFORMANCE.md)",
    args_conflicts_with_subcommands = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) cmd: Option<Cmd>,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// The whole benchmark (the default).
    Run(RunArgs),
    /// N WebSocket clients subscribed to one campaign (spawned by `run`).
    Clients(ClientArgs),
    /// The Chorus server alone, on 127.0.0.1:0 (spawned by `run`); prints `LISTENING <addr>`, stops on stdin EOF.
    Serve(ServeArgs),
}

#[derive(Args, Clone, Debug)]
pub(crate) struct RunArgs {
    /// Client counts for the fan-out latency (Chorus and the floor).
    #[arg(long, value_delimiter = ',', default_value = "100,1000,10000")]
    pub(crate) sizes: Vec<usize>,
    /// Client counts for the memory per idle WebSocket.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    pub(crate) mem_sizes: Vec<usize>,
    /// Measured writes (rounds) per client count, for Chorus and for the floor each (200: p99 leaves out the two
    /// slowest, so that one hiccup of a shared machine does not decide it).
    #[arg(long, default_value_t = 200)]
    pub(crate) rounds: usize,
    /// Unmeasured rounds first (warm-up).
    #[arg(long, default_value_t = 3)]
    pub(crate) warmup: usize,
    /// Pause after a round has reached every client, before the next write (uniform in [min, max]).
    #[arg(long, default_value_t = 100)]
    pub(crate) gap_min_ms: u64,
    #[arg(long, default_value_t = 200)]
    pub(crate) gap_max_ms: u64,
    /// How long one round may take before it is given up (counted as incomplete).
    #[arg(long, default_value_t = 20)]
    pub(crate) round_timeout_s: u64,
    /// Cards on the server-rendered board: one board (campaign) per size, each measured on its own.
    #[arg(long, alias = "ssr-cards", value_delimiter = ',', default_value = "500,2000")]
    pub(crate) ssr_sizes: Vec<usize>,
    /// Sequential timed GETs of the board page, per size.
    #[arg(long, default_value_t = 200)]
    pub(crate) ssr_requests: usize,
    /// The cargo-leptos site root holding pkg/*.wasm (default: $CARGO_TARGET_DIR/site, then <workspace>/target/site).
    #[arg(long)]
    pub(crate) site_root: Option<PathBuf>,
    /// Write the results into this Markdown file (between the chorus-bench markers).
    #[arg(long)]
    pub(crate) write_doc: Option<PathBuf>,
    /// Append every measured fan-out round to this CSV file (server, clients, client threads, round, when it was
    /// sent, latency, first-to-last spread): to see when the slowest rounds happened.
    #[arg(long)]
    pub(crate) rounds_file: Option<PathBuf>,
    /// Worker threads of the client process (1 = a current-thread runtime); the fan-out runs once per value.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub(crate) client_threads: Vec<usize>,
    /// Clients connecting at once (keeps the server's accept backlog from overflowing).
    #[arg(long, default_value_t = 32)]
    pub(crate) connect_concurrency: usize,
    /// Which parts to run: fanout, memory, ssr, wasm.
    #[arg(long, value_delimiter = ',', default_value = "fanout,memory,ssr,wasm")]
    pub(crate) only: Vec<String>,
    /// The whole run is aborted after this long.
    #[arg(long, default_value_t = 45)]
    pub(crate) max_minutes: u64,
}

#[derive(Args, Clone, Debug)]
pub(crate) struct ClientArgs {
    /// WebSocket URL, e.g. ws://127.0.0.1:3000/ws
    #[arg(long)]
    pub(crate) url: String,
    /// Cookie header value (the session), if the server needs one.
    #[arg(long)]
    pub(crate) cookie: Option<String>,
    #[arg(long)]
    pub(crate) campaign: i64,
    #[arg(long)]
    pub(crate) n: usize,
    #[arg(long, default_value_t = 1)]
    pub(crate) threads: usize,
    #[arg(long, default_value_t = 32)]
    pub(crate) concurrency: usize,
    /// Give up connecting after this long.
    #[arg(long, default_value_t = 300)]
    pub(crate) connect_timeout_s: u64,
    /// The process exits by itself after this long.
    #[arg(long, default_value_t = 1800)]
    pub(crate) max_seconds: u64,
}

#[derive(Args, Clone, Debug)]
pub(crate) struct ServeArgs {
    #[arg(long)]
    pub(crate) database_url: String,
    #[arg(long)]
    pub(crate) site_root: PathBuf,
}
