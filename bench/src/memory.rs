//! Server memory per idle WebSocket, read from `/proc/<pid>/status` of the `serve` child.
use std::path::Path;
use std::time::Duration;

use tokio::time::sleep;

use crate::args::RunArgs;
use crate::procs::{ClientsProc, Http, ServerProc};

#[derive(Default, Clone)]
pub(crate) struct Memory {
    pub(crate) n: usize,
    pub(crate) connected: usize,
    pub(crate) before: Rss,
    pub(crate) after: Rss,
}

#[derive(Default, Clone, Copy)]
pub(crate) struct Rss {
    pub(crate) vm_rss: u64,
    pub(crate) rss_anon: u64,
}

pub(crate) fn rss(pid: u32) -> Rss {
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

pub(crate) async fn memory(a: &RunArgs, dir: &Path, n: usize) -> Memory {
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
