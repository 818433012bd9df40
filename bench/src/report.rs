//! The report: the Markdown table of every figure against its target, written into docs/PERFORMANCE.md between
//! the `chorus-bench` markers.
use std::path::Path;

use crate::args::RunArgs;
use crate::fanout::FanOut;
use crate::memory::Memory;
use crate::ssr::Ssr;
use crate::stats::{fmt_ms, kb, kib, mib};
use crate::wasm::Wasm;

pub(crate) struct Report {
    pub(crate) args: RunArgs,
    pub(crate) chorus: Vec<FanOut>,
    pub(crate) floor: Vec<FanOut>,
    pub(crate) memory: Vec<Memory>,
    pub(crate) ssr: Vec<Ssr>,
    pub(crate) wasm: Option<Wasm>,
    pub(crate) load_before: String,
    pub(crate) load_after: String,
    pub(crate) minutes: f64,
}

pub(crate) const FANOUT_TARGET: f64 = 1.25;
pub(crate) const MEMORY_TARGET: u64 = 16 * 1024;
pub(crate) const WASM_TARGET: u64 = 250_000;
/// The server renders the board of this many cards with p95 ≤ SSR_TARGET_MS.
pub(crate) const SSR_TARGET_CARDS: usize = 2_000;
pub(crate) const SSR_TARGET_MS: f64 = 50.0;

pub(crate) fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

pub(crate) fn machine() -> String {
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
pub(crate) fn git_commit() -> String {
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
    pub(crate) fn markdown(&self) -> String {
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
                         other pages (`scripts/build-bundles.sh`); pages without islands load none. Parts only some \
                         actions need (a card's drawer, adding and importing creators) are split off at `#[lazy]` \
                         functions and fetched the first time they are used. Each file is compressed on its own, as \
                         the server serves it.\n\n",
                        w.modified
                    );
                    s += "| pages | file | raw | brotli q11 | brotli ≤ 250 kB |\n|---|---|---:|---:|:--:|\n";
                    for b in &w.bundles {
                        s += &format!(
                            "| {} | `{}` | {} | {} | {} |\n",
                            b.pages,
                            b.file.name,
                            kb(b.file.raw),
                            kb(b.file.brotli),
                            verdict(b.file.brotli <= WASM_TARGET)
                        );
                        for l in &b.lazy {
                            s += &format!(
                                "| {}: loaded on first use | `{}` | {} | {} | |\n",
                                b.pages,
                                l.name,
                                kb(l.raw),
                                kb(l.brotli)
                            );
                        }
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
                            "Heaviest page: {route}, {} brotli: target ≤ 250 kB {}.\n\n",
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

pub(crate) fn ordinal(n: usize) -> String {
    match n {
        1 => "".into(),
        2 => "2nd".into(),
        3 => "3rd".into(),
        n => format!("{n}th"),
    }
}

pub(crate) fn fmt_n(n: usize) -> String {
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

pub(crate) const BEGIN: &str =
    "<!-- chorus-bench:begin (generated by scripts/bench.sh; edits here are overwritten) -->";
pub(crate) const END: &str = "<!-- chorus-bench:end -->";

/// Replaces the generated block of the document (or appends one).
pub(crate) fn write_doc(path: &Path, md: &str) {
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
