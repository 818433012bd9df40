//! Fan-out latency: Chorus and the floor with the same number of clients, their writes interleaved.
use std::io::Write as _;
use std::time::Duration;

use app::vocab::Stage;
use rand::Rng;
use tokio::time::sleep;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::args::RunArgs;
use crate::floor::{floor_frame, Floor};
use crate::now_ns;
use crate::procs::{ClientsProc, Http, ServerProc};
use crate::stats::{ms, pct, sorted};

#[derive(Default, Clone)]
pub(crate) struct FanOut {
    pub(crate) n: usize,
    /// Threads of the client process.
    pub(crate) threads: usize,
    pub(crate) connected: usize,
    pub(crate) connect_ms: u64,
    /// Complete measured rounds / measured rounds.
    pub(crate) complete: usize,
    pub(crate) measured: usize,
    /// Chorus: last arrival − the moment the write's commit returned; floor: last arrival − broadcast send.
    pub(crate) p50: f64,
    pub(crate) p99: f64,
    /// Chorus only: last arrival − the event's `at` (taken in the transaction, before the event's INSERT and the
    /// COMMIT).
    pub(crate) at_p50: f64,
    pub(crate) at_p99: f64,
    /// Chorus only: last arrival − the moment the HTTP request was sent.
    pub(crate) e2e_p50: f64,
    pub(crate) e2e_p99: f64,
    /// First arrival, same reference as p50.
    pub(crate) first_p50: f64,
    /// Last − first arrival of the same write: the fan-out itself, independent of the reference time.
    pub(crate) spread_p50: f64,
    pub(crate) spread_p99: f64,
    /// Chorus only: the HTTP write (request sent → response read).
    pub(crate) write_p50: f64,
    pub(crate) frame_bytes: usize,
    pub(crate) stats: String,
}

pub(crate) fn gap(a: &RunArgs) -> Duration {
    let (lo, hi) = (a.gap_min_ms.min(a.gap_max_ms), a.gap_min_ms.max(a.gap_max_ms));
    Duration::from_millis(rand::thread_rng().gen_range(lo..=hi))
}

/// The card the fan-out rounds move back and forth.
pub(crate) struct CardState {
    pub(crate) id: i64,
    pub(crate) stage: Stage,
    pub(crate) version: i64,
}

/// Chorus and the floor with the same number of clients, their writes interleaved (Chorus, floor, Chorus, …) so
/// that whatever else the machine is doing meanwhile weighs on both alike.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn fanout_pair(
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
