//! Server-side rendering time of a large board: a seeded campaign of N cards, timed GETs of its board page.
use std::io::Write as _;
use std::time::Instant;

use app::vocab::{Stage, PLATFORMS};
use serde_json::{json, Value};

use crate::args::RunArgs;
use crate::procs::Http;
use crate::stats::{pct, sorted};

#[derive(Default, Clone)]
pub(crate) struct Ssr {
    pub(crate) cards: usize,
    pub(crate) p50: f64,
    pub(crate) p95: f64,
    pub(crate) p99: f64,
    pub(crate) max: f64,
    pub(crate) html_bytes: usize,
    pub(crate) html_gzip: usize,
    /// Cards on the page marked overdue, and below their tier's engagement minimum (the seeded figures render).
    pub(crate) overdue: usize,
    pub(crate) below: usize,
    /// The same board as JSON (`GET /api/v1/campaigns/{id}/board`: the data alone, without rendering), p50 / p95.
    pub(crate) data_p50: f64,
    pub(crate) data_p95: f64,
    pub(crate) data_bytes: usize,
    /// Seconds the CSV import (preview + apply) took.
    pub(crate) seed_s: f64,
}

/// Deterministic pseudo-random numbers (splitmix64), so that every run seeds the same board.
pub(crate) struct Mix(u64);

impl Mix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// How a pool of creators spreads over the stages (a funnel: many prospects, few paid), in per mille.
pub(crate) const STAGE_SHARE: [(Stage, u32); 10] = [
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
pub(crate) fn board_csv(n: usize, owners: &[String], today: chrono::NaiveDate) -> String {
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
pub(crate) async fn import_creators(http: &Http, campaign: i64, n: usize) {
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

pub(crate) async fn ssr_board(a: &RunArgs, http: &Http, cards: usize) -> Ssr {
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
