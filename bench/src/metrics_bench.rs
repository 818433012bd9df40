//! The performance dashboard's benchmark (not a test): a campaign with 1,000,000 daily metric rows on SQLite,
//! the dashboard's answer time over HTTP (p50/p95/p99), then 100,000 more rows ingested through the API while a
//! partner moves cards, measuring how long each move takes to reach a WebSocket client meanwhile.
//!
//!   scripts/bench.sh --metrics
//!   cargo run -p chorus-bench --release --bin metrics-bench -- [--rows N] [--doc docs/PERFORMANCE.md]
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};

const DAYS: i64 = 200;

struct Args {
    rows: i64,
    ingest: i64,
    requests: usize,
    doc: Option<String>,
}

fn args() -> Args {
    let mut a = Args { rows: 1_000_000, ingest: 100_000, requests: 200, doc: None };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        match k.as_str() {
            "--rows" => a.rows = v.parse().expect("--rows N"),
            "--ingest" => a.ingest = v.parse().expect("--ingest N"),
            "--requests" => a.requests = v.parse().expect("--requests N"),
            "--doc" => a.doc = Some(v),
            other => panic!("unknown flag {other} (use --rows, --ingest, --requests, --doc)"),
        }
    }
    a
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let dir = std::env::temp_dir().join(format!("chorus-metrics-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("chorus.db").display());
    let mut config = chorus_server::Config::for_tests(&url);
    config.site_root = dir.join("site");
    config.data_dir = dir.clone();
    config.clock_seconds = 3600;
    let running = chorus_server::start(config).await.expect("server starts");
    let base = format!("http://{}", running.addr);
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value, cookie: &str| {
        http.post(format!("{base}{path}")).header("cookie", cookie).json(&body).send()
    };

    // Two partners, a campaign, 1,000 creators with 5 posts each.
    let signup = |name: &str, email: &str, org: &str| {
        let body = json!({ "name": name, "email": email, "password": "correct horse", "org_name": org });
        http.post(format!("{base}/api/v1/auth/signup")).json(&body).send()
    };
    let cookie_of =
        |r: reqwest::Response| r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let maya = cookie_of(signup("Maya", "maya@bench.example", "Northwind").await.unwrap());
    let jordan = cookie_of(signup("Jordan", "jordan@bench.example", "Brightline").await.unwrap());
    let id = post("/api/v1/campaigns", json!({ "name": "Bench" }), &maya).await.unwrap().json::<Value>().await.unwrap()
        ["id"]
        .as_i64()
        .unwrap();
    let inv = post(&format!("/api/v1/campaigns/{id}/invitations"), json!({ "kind": "partner" }), &maya)
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    post(&format!("/api/v1/invitations/{}/accept", inv["token"].as_str().unwrap()), json!({}), &jordan).await.unwrap();

    let db = running.state.db.clone();
    let t0 = Instant::now();
    let posts_n = (a.rows / DAYS).max(1);
    let creators_n = (posts_n / 5).max(1);
    let orgs: Vec<i64> = sqlx::query_scalar("SELECT org_id FROM campaign_partners WHERE campaign_id = $1")
        .bind(id)
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'maya@bench.example'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut w = db.write().await.unwrap();
    for chunk in (0..creators_n).collect::<Vec<_>>().chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| {
                let lane = if i % 3 == 0 { "ugc" } else { "influencer" };
                let followers = 5_000 + (i * 7_919) % 900_000;
                format!(
                    "({id}, 'Creator {i}', 'instagram', 'c{i}', 'c{i}', {followers}, '{lane}', 'posted', {}, 1, 0, 0, {}, {}, {}, {}, {})",
                    orgs[(*i as usize) % orgs.len()],
                    followers * 2 / 100,
                    followers / 400,
                    followers / 1000,
                    followers / 500,
                    followers * 30 / 100
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO creators (campaign_id, name, platform, handle, handle_key, followers, lane, stage, owner_org_id, version, created_at, updated_at, \
             avg_likes, avg_comments, avg_shares, avg_saves, avg_reach) VALUES {}",
            values.join(", ")
        ))
        .execute(w.conn())
        .await
        .unwrap();
    }
    let first_creator: i64 = sqlx::query_scalar("SELECT MIN(id) FROM creators WHERE campaign_id = $1")
        .bind(id)
        .fetch_one(w.conn())
        .await
        .unwrap();
    let platforms = ["instagram", "tiktok", "youtube"];
    for chunk in (0..posts_n).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| {
                let creator = first_creator + i / 5;
                let lane = if (i / 5) % 3 == 0 { "ugc" } else { "influencer" };
                format!(
                    "({id}, {creator}, '{lane}', '{}', 'https://bench.example/p/{i}', 'Post {i}', {}, {user}, 0)",
                    platforms[(*i as usize) % 3],
                    5_000 + (i * 7_919) % 900_000
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO posts (campaign_id, creator_id, lane, platform, url, title, followers, created_by, created_at) VALUES {}",
            values.join(", ")
        ))
        .execute(w.conn())
        .await
        .unwrap();
    }
    let first_post: i64 = sqlx::query_scalar("SELECT MIN(id) FROM posts WHERE campaign_id = $1")
        .bind(id)
        .fetch_one(w.conn())
        .await
        .unwrap();
    let start_day = chrono::Utc::now().date_naive() - chrono::Duration::days(DAYS + 5);
    let mut inserted = 0i64;
    'outer: for d in 0..DAYS {
        let day = start_day + chrono::Duration::days(d);
        for chunk in (0..posts_n).collect::<Vec<_>>().chunks(1000) {
            let values: Vec<String> = chunk
                .iter()
                .map(|p| {
                    let s = (p * 31 + d * 17) % 1000;
                    format!(
                        "({}, '{day}', {id}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 0, {}, 'bench', {user}, 0)",
                        first_post + p,
                        10_000 + s * 40,
                        6_000 + s * 25,
                        4_000 + s * 10,
                        300 + s,
                        20 + s / 10,
                        10 + s / 20,
                        15 + s / 15,
                        40 + s / 5,
                        1 + s / 100,
                        (1 + s / 100) * 4_500,
                        if d == 0 { 50_000 } else { 0 },
                        s * 3
                    )
                })
                .collect();
            sqlx::query(&format!(
                "INSERT INTO daily_metrics (post_id, day, campaign_id, impressions, reach, views, likes, comments, shares, saves, clicks, conversions, \
                 revenue_cents, fee_cents, product_cents, paid_cents, source, updated_by, updated_at) VALUES {}",
                values.join(", ")
            ))
            .execute(w.conn())
            .await
            .unwrap();
            inserted += chunk.len() as i64;
            if inserted >= a.rows {
                break 'outer;
            }
        }
    }
    let sums = "SUM(impressions), SUM(reach), SUM(views), SUM(likes), SUM(comments), SUM(shares), SUM(saves), SUM(clicks), SUM(conversions), \
                SUM(revenue_cents), SUM(fee_cents), SUM(product_cents), SUM(paid_cents)";
    let cols = "impressions, reach, views, likes, comments, shares, saves, clicks, conversions, revenue_cents, fee_cents, product_cents, paid_cents";
    sqlx::query(&format!(
        "INSERT INTO metric_day_lane (campaign_id, day, lane, {cols}) SELECT m.campaign_id, m.day, p.lane, {sums} \
         FROM daily_metrics m JOIN posts p ON p.id = m.post_id WHERE m.campaign_id = {id} GROUP BY m.campaign_id, m.day, p.lane"
    ))
    .execute(w.conn())
    .await
    .unwrap();
    sqlx::query(&format!(
        "INSERT INTO metric_post_totals (post_id, campaign_id, days, {cols}) SELECT post_id, campaign_id, COUNT(*), {sums} \
         FROM daily_metrics WHERE campaign_id = {id} GROUP BY post_id, campaign_id"
    ))
    .execute(w.conn())
    .await
    .unwrap();
    w.commit().await.unwrap();
    let seeded = t0.elapsed();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM daily_metrics WHERE campaign_id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    println!(
        "metrics-bench: {rows} daily rows, {posts_n} posts, {creators_n} creators seeded in {:.1} s",
        seeded.as_secs_f64()
    );

    // The dashboard over HTTP, as a browser's server function or an integration would ask for it.
    let dash_url = format!("{base}/api/v1/campaigns/{id}/dashboard");
    let mut size = 0;
    for _ in 0..5 {
        size = http.get(&dash_url).header("cookie", &maya).send().await.unwrap().bytes().await.unwrap().len();
    }
    let mut times = Vec::with_capacity(a.requests);
    for _ in 0..a.requests {
        let t = Instant::now();
        let r = http.get(&dash_url).header("cookie", &maya).send().await.unwrap();
        assert!(r.status().is_success());
        let _ = r.bytes().await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|x, y| x.total_cmp(y));
    let (p50, p95, p99) = (pct(&times, 0.5), pct(&times, 0.95), pct(&times, 0.99));
    println!("metrics-bench: dashboard p50 {p50:.1} ms, p95 {p95:.1} ms, p99 {p99:.1} ms ({size} bytes of JSON)");
    // The same answer computed from the daily rows directly, to show what the rollups save.
    let t = Instant::now();
    let _: Vec<(String, i64)> = sqlx::query_as(
        "SELECT p.lane, CAST(SUM(m.likes) AS BIGINT) FROM daily_metrics m JOIN posts p ON p.id = m.post_id WHERE m.campaign_id = $1 GROUP BY p.lane",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let raw_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!("metrics-bench: one GROUP BY over the daily rows instead: {raw_ms:.0} ms");

    // 100,000 more rows through the API (5,000 per call) while a partner moves a card every 100 ms.
    let ws_url = format!("ws://{}/ws", running.addr);
    let mut req =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(ws_url.as_str()).unwrap();
    req.headers_mut().insert("cookie", maya.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let head: i64 =
        sqlx::query_scalar("SELECT last_seq FROM campaigns WHERE id = $1").bind(id).fetch_one(&db.pool).await.unwrap();
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        json!({ "op": "subscribe", "campaign_id": id, "after": head }).to_string().into(),
    ))
    .await
    .unwrap();
    let card: Value = post(
        &format!("/api/v1/campaigns/{id}/creators"),
        json!({ "name": "Mover", "platform": "tiktok", "handle": "mover" }),
        &jordan,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let card_id = card["id"].as_i64().unwrap();
    let (tx_lat, mut rx_lat) = tokio::sync::mpsc::unbounded_channel::<f64>();
    let moves_done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sent_at = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::<i64, Instant>::new()));
    let reader = {
        let sent_at = sent_at.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                let Ok(text) = msg.into_text() else { continue };
                let v: Value = serde_json::from_str(&text).unwrap_or_default();
                if v["event"]["kind"] == "card_moved" {
                    let version = v["event"]["data"]["version"].as_i64().unwrap_or(0);
                    if let Some(t) = sent_at.lock().unwrap().remove(&version) {
                        let _ = tx_lat.send(t.elapsed().as_secs_f64() * 1000.0);
                    }
                }
            }
        })
    };
    let mover = {
        let (http, base, jordan, done, sent_at) =
            (http.clone(), base.clone(), jordan.clone(), moves_done.clone(), sent_at.clone());
        tokio::spawn(async move {
            let stages = ["contacted", "negotiating"];
            let mut version = card["version"].as_i64().unwrap();
            let mut i = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                sent_at.lock().unwrap().insert(version + 1, Instant::now());
                let r = http
                    .post(format!("{base}/api/v1/campaigns/{id}/creators/{card_id}/move"))
                    .header("cookie", &jordan)
                    .json(&json!({ "stage": stages[i % 2], "version": version }))
                    .send()
                    .await
                    .unwrap();
                if let Ok(v) = r.json::<Value>().await {
                    version = v["version"].as_i64().unwrap_or(version);
                }
                i += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let today = chrono::Utc::now().date_naive();
    let t = Instant::now();
    let mut sent = 0i64;
    let mut batch_ms = Vec::new();
    while sent < a.ingest {
        let rows: Vec<Value> = (0..5_000.min(a.ingest - sent))
            .map(|k| {
                let n = sent + k;
                json!({ "post_id": first_post + n % posts_n, "day": (today - chrono::Duration::days(1 + (n / posts_n) % 5)).to_string(),
                        "impressions": 1000 + n % 977, "reach": 700, "likes": 40 + n % 13, "comments": 3, "clicks": 9, "fee_cents": 100 })
            })
            .collect();
        let bt = Instant::now();
        let r = http
            .post(format!("{base}/api/v1/campaigns/{id}/metrics"))
            .header("cookie", &jordan)
            .json(&json!({ "source": "bench", "rows": rows }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        batch_ms.push(bt.elapsed().as_secs_f64() * 1000.0);
        sent += 5_000.min(a.ingest - sent);
    }
    let ingest_s = t.elapsed().as_secs_f64();
    moves_done.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = mover.await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    reader.abort();
    let mut lat = Vec::new();
    while let Ok(v) = rx_lat.try_recv() {
        lat.push(v);
    }
    lat.sort_by(|x, y| x.total_cmp(y));
    batch_ms.sort_by(|x, y| x.total_cmp(y));
    println!(
        "metrics-bench: ingested {} rows in {ingest_s:.1} s ({:.0} rows/s; a 5,000-row call p50 {:.0} ms, max {:.0} ms); \
         {} card moves meanwhile reached the WebSocket in p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        a.ingest,
        a.ingest as f64 / ingest_s,
        pct(&batch_ms, 0.5),
        batch_ms.last().copied().unwrap_or(0.0),
        lat.len(),
        pct(&lat, 0.5),
        pct(&lat, 0.95),
        lat.last().copied().unwrap_or(0.0)
    );
    let after = {
        let mut times = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            let _ = http.get(&dash_url).header("cookie", &maya).send().await.unwrap().bytes().await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|x, y| x.total_cmp(y));
        pct(&times, 0.95)
    };
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM daily_metrics WHERE campaign_id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();

    if let Some(doc) = a.doc {
        let md = format!(
            "| What | Result |\n|---|---|\n\
             | Campaign | {rows} daily metric rows ({posts_n} posts × {DAYS} days, {creators_n} creators), SQLite, seeded in {:.0} s |\n\
             | Dashboard over HTTP (`GET /api/v1/campaigns/{{id}}/dashboard`, {} requests) | p50 **{p50:.1} ms**, p95 **{p95:.1} ms**, p99 {p99:.1} ms; {size} bytes of JSON |\n\
             | The same sums straight from the daily rows (one GROUP BY, for comparison) | {raw_ms:.0} ms |\n\
             | {} more rows through the API (5,000 per call) | {ingest_s:.1} s, {:.0} rows/s; one call p50 {:.0} ms, max {:.0} ms |\n\
             | Card moves during that ingestion, commit to WebSocket | {} moves: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms |\n\
             | Dashboard afterwards ({total} rows) | p95 {after:.1} ms |\n",
            seeded.as_secs_f64(),
            a.requests,
            a.ingest,
            a.ingest as f64 / ingest_s,
            pct(&batch_ms, 0.5),
            batch_ms.last().copied().unwrap_or(0.0),
            lat.len(),
            pct(&lat, 0.5),
            pct(&lat, 0.95),
            lat.last().copied().unwrap_or(0.0)
        );
        let begin =
            "<!-- metrics-bench:begin (generated by scripts/bench.sh --metrics; edits here are overwritten) -->";
        let end = "<!-- metrics-bench:end -->";
        let old = std::fs::read_to_string(&doc).unwrap_or_default();
        let block = format!("{begin}\n{md}{end}");
        let new = match (old.find("<!-- metrics-bench:begin"), old.find(end)) {
            (Some(s), Some(e)) => format!("{}{block}{}", &old[..s], &old[e + end.len()..]),
            _ => format!("{old}\n## The performance dashboard at a million rows\n\n{block}\n"),
        };
        std::fs::write(&doc, new).unwrap();
        println!("metrics-bench: wrote {doc}");
    }
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
