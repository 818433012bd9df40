//! `serve`: Chorus alone in a process, so that its resident memory is its own.
use std::io::Write as _;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::args::ServeArgs;

pub(crate) async fn serve(a: ServeArgs) {
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
