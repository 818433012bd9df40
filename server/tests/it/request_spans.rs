//! Every request runs in a span `request` with its method, matched route, campaign and the kind of principal,
//! and is logged once as `response` with its status and latency (server/src/spans.rs). Read from the log lines
//! the server writes: a subscriber writing into a buffer, on this test's thread (a current-thread runtime, so
//! the server's tasks log through it too). scripts/test.sh runs this module apart from the others: while other
//! tests ran on other threads of the process, this thread's subscriber received nothing.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::common::*;
use serde_json::json;

/// The log as text.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

/// One `response` line: the fields of its `request` span and of the line itself.
type Line = BTreeMap<String, String>;

/// The `response` lines of the log, oldest first.
fn responses(log: &Buffer) -> Vec<Line> {
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let fields = |s: &str, into: &mut Line| {
        for kv in s.split_whitespace() {
            if let Some((k, v)) = kv.split_once('=') {
                into.insert(k.to_string(), v.to_string());
            }
        }
    };
    text.lines()
        .filter_map(|line| {
            let span = line.split_once("request{")?.1;
            let (span, event) = span.split_once("}: ")?;
            let event = event.split_once(" response ")?.1;
            let mut out = Line::new();
            fields(span, &mut out);
            fields(event, &mut out);
            Some(out)
        })
        .collect()
}

/// The line's `key` fields, `-` for one it lacks.
fn get<'a>(line: &'a Line, keys: &[&str]) -> Vec<&'a str> {
    keys.iter().map(|k| line.get(*k).map_or("-", String::as_str)).collect()
}

#[tokio::test]
async fn requests_are_logged_with_route_campaign_and_principal() {
    let log = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Other tests of this binary run on other threads without a subscriber: make sure no call site keeps an
    // interest computed before this one existed.
    tracing::callsite::rebuild_interest_cache();

    let app = spawn_app(DbKind::Sqlite).await;
    let TwoPartners { maya, olga, id, .. } = two_partners(&app).await;
    let board = campaign_path(id, "/board");
    let created = maya.post("/api/v1/tokens", json!({ "name": "Reporting sync" })).await.ok();
    let mut integration = app.client();
    integration.bearer = Some(created["secret"].as_str().unwrap().to_string());
    let (ava, _) = creator_account(&app, &maya, id, "Ava Chen", "ava@creator.example").await;
    let before = responses(&log).len();

    assert_eq!(maya.get(&board).await.status, 200);
    assert_eq!(app.client().get(&board).await.status, 401);
    assert_eq!(olga.get(&board).await.status, 404);
    assert_eq!(integration.get(&board).await.status, 200);
    assert_eq!(ava.get(&board).await.status, 404);
    assert_eq!(maya.get(&format!("/campaigns/{id}")).await.status, 200);
    assert_eq!(app.client().get("/api/v1/campaigns").await.status, 401);
    app.running.stop().await;

    let lines = responses(&log);
    if lines.len() <= before {
        let text = String::from_utf8_lossy(&log.0.lock().unwrap()).to_string();
        panic!(
            "no response lines after {before}; the log ({} bytes) ends: {}",
            text.len(),
            &text[text.len().saturating_sub(3000)..]
        );
    }
    let keys = ["method", "route", "campaign", "principal", "status"];
    let seen: Vec<Vec<&str>> = lines[before..].iter().map(|l| get(l, &keys)).collect();
    let id = id.to_string();
    let board_route = "/api/v1/campaigns/{id}/board";
    assert_eq!(
        seen,
        vec![
            vec!["GET", board_route, &id, "partner", "200"],
            vec!["GET", board_route, &id, "anonymous", "401"],
            vec!["GET", board_route, &id, "partner", "404"],
            vec!["GET", board_route, &id, "token", "200"],
            vec!["GET", board_route, &id, "creator", "404"],
            vec!["GET", "/campaigns/{id}", &id, "partner", "200"],
            vec!["GET", "/api/v1/campaigns", "-", "anonymous", "401"],
        ],
        "{lines:#?}"
    );
    // Each with its latency.
    assert!(lines[before..].iter().all(|l| l.get("latency_ms").is_some_and(|v| v.parse::<f64>().is_ok())));
    // The set-up was logged too: creating the campaign, for one.
    assert!(lines[..before].iter().any(
        |l| get(l, &["method", "route", "principal", "status"]) == ["POST", "/api/v1/campaigns", "partner", "201"]
    ));
}
