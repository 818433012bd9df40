//! The bench's side of its child processes: a `clients` process, the Chorus server as a child process
//! (`serve`), and a small HTTP client for it.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use app::vocab::{Stage, PLATFORMS};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use tokio::time::timeout;

use crate::args::RunArgs;

pub(crate) struct ClientsProc {
    pub(crate) child: Child,
    pub(crate) stdin: Option<ChildStdin>,
    pub(crate) lines: mpsc::UnboundedReceiver<String>,
    pub(crate) rounds: HashMap<usize, RoundSeen>,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RoundSeen {
    pub(crate) count: usize,
    pub(crate) first: i64,
    pub(crate) last: i64,
    pub(crate) at: i64,
}

pub(crate) struct Ready {
    pub(crate) connected: usize,
    pub(crate) failed: usize,
    pub(crate) connect_ms: u64,
}

pub(crate) struct Finished {
    pub(crate) rounds: HashMap<usize, RoundSeen>,
    pub(crate) stats: String,
    pub(crate) frame_bytes: usize,
}

pub(crate) fn parse_round(line: &str) -> Option<(usize, RoundSeen)> {
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
    pub(crate) async fn spawn(
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

    pub(crate) async fn next_line(&mut self, wait: Duration) -> Option<String> {
        let line = timeout(wait, self.lines.recv()).await.ok().flatten()?;
        if line.starts_with("ROUND ") {
            if let Some((i, r)) = parse_round(&line) {
                self.rounds.insert(i, r);
            }
        }
        Some(line)
    }

    pub(crate) async fn ready(&mut self, wait: Duration) -> Option<Ready> {
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
    pub(crate) async fn round(&mut self, idx: usize, wait: Duration) -> bool {
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
    pub(crate) async fn finish(mut self) -> Finished {
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

    pub(crate) async fn stop(mut self) {
        drop(self.stdin.take());
        if timeout(Duration::from_secs(20), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

pub(crate) struct ServerProc {
    pub(crate) child: Child,
    pub(crate) stdin: Option<ChildStdin>,
    pub(crate) lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    pub(crate) addr: SocketAddr,
}

impl ServerProc {
    pub(crate) async fn spawn(dir: &Path, name: &str) -> ServerProc {
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
    pub(crate) async fn commits(&mut self) -> Vec<(i64, i64, i64)> {
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

    pub(crate) fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    pub(crate) async fn stop(mut self) {
        drop(self.stdin.take());
        if timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

pub(crate) struct Http {
    pub(crate) client: reqwest::Client,
    pub(crate) base: String,
    pub(crate) cookie: String,
}

impl Http {
    pub(crate) async fn request(
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

    pub(crate) async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        let (status, bytes, _) = self.request(reqwest::Method::POST, path, Some(&body)).await?;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !(200..300).contains(&status) {
            return Err(format!("POST {path}: {status} {v}"));
        }
        Ok(v)
    }

    /// Signs up a fresh organization and keeps its session.
    pub(crate) async fn sign_up(base: String) -> Http {
        let mut http = Http { client: reqwest::Client::new(), base, cookie: String::new() };
        let body = json!({ "name": "Bench User", "email": "bench@example.com", "password": "correct horse battery", "org_name": "Bench Agency", "org_kind": "agency" });
        let (status, bytes, cookie) =
            http.request(reqwest::Method::POST, "/api/v1/auth/signup", Some(&body)).await.expect("sign up");
        assert!((200..300).contains(&status), "sign up: {status} {}", String::from_utf8_lossy(&bytes));
        http.cookie = cookie.expect("a session cookie");
        http
    }

    pub(crate) async fn campaign(&self, name: &str) -> i64 {
        self.post("/api/v1/campaigns", json!({ "name": name })).await.expect("create a campaign")["id"]
            .as_i64()
            .expect("id")
    }

    pub(crate) async fn add_creator(&self, campaign: i64, i: usize) -> Value {
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

    pub(crate) async fn move_card(&self, campaign: i64, card: i64, stage: Stage, version: i64) -> Value {
        self.post(
            &format!("/api/v1/campaigns/{campaign}/creators/{card}/move"),
            json!({ "stage": stage, "version": version }),
        )
        .await
        .expect("move a card")
    }
}
