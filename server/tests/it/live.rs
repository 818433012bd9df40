//! Live updates over real WebSocket clients: delivery, resume without gaps or duplicates, refusals,
//! resets, and fan-out across two server processes on one PostgreSQL database.
use std::time::Duration;

use crate::common::*;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(5);

on_both_databases!(
    a_move_reaches_every_partner_with_who_did_it,
    resume_gets_exactly_the_missed_events,
    outsiders_cannot_subscribe
);

/// A brand and an agency on one campaign with one card. Returns (brand, agency, campaign id, card id).
async fn with_a_card(app: &TestApp) -> (Client, Client, i64, i64) {
    let BrandAndAgency { brand, agency, id, .. } = brand_and_agency(app).await;
    let card = brand.add_creator(id, "Ava Chen", "ava").await;
    (brand, agency, id, card["id"].as_i64().unwrap())
}

async fn a_move_reaches_every_partner_with_who_did_it(kind: DbKind) {
    let app = spawn_app(kind).await;
    let (brand, agency, id, card) = with_a_card(&app).await;
    let head = brand.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["head"].as_i64().unwrap();

    let mut brand_ws = ws_connect(&app, &brand, None).await.unwrap();
    let mut agency_ws = ws_connect(&app, &agency, None).await.unwrap();
    for ws in [&mut brand_ws, &mut agency_ws] {
        let sub = ws_subscribe(ws, id, head).await;
        assert_eq!((sub["type"].as_str(), sub["head"].as_i64()), (Some("subscribed"), Some(head)));
    }

    agency.move_card(id, card, "negotiating", 1).await.ok();
    for ws in [&mut brand_ws, &mut agency_ws] {
        let got = ws_events(ws, 1, WAIT).await;
        assert_eq!(got.len(), 1);
        let e = &got[0];
        assert_eq!(e["seq"].as_i64(), Some(head + 1));
        assert_eq!(e["kind"], "card_moved");
        assert_eq!(e["data"]["to"], "negotiating");
        assert_eq!(e["data"]["from"], "prospect");
        assert_eq!(e["actor"]["name"], "Jordan Reyes");
        assert_eq!(e["actor"]["org_name"], "Brightline");
    }
    // A new creator is introduced to every partner at once.
    brand.add_creator(id, "Lucía Gómez", "lucia").await;
    let got = ws_events(&mut agency_ws, 1, WAIT).await;
    assert_eq!(got[0]["kind"], "card_added");
    assert_eq!(got[0]["data"]["card"]["handle"], "lucia");
    app.running.stop().await;
}

async fn resume_gets_exactly_the_missed_events(kind: DbKind) {
    let app = spawn_app(kind).await;
    let (brand, agency, id, card) = with_a_card(&app).await;
    let head = brand.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["head"].as_i64().unwrap();
    let stages = ["contacted", "negotiating", "contracted", "briefed", "content_in_progress", "posted", "paid"];

    let mut ws = ws_connect(&app, &agency, None).await.unwrap();
    ws_subscribe(&mut ws, id, head).await;
    for (i, stage) in stages[..3].iter().enumerate() {
        brand.move_card(id, card, stage, i as i64 + 1).await.ok();
    }
    let first = ws_events(&mut ws, 3, WAIT).await;
    assert_eq!(seqs(&first), vec![head + 1, head + 2, head + 3]);
    let last_seen = head + 3;
    drop(ws); // the tab loses its connection

    for (i, stage) in stages[3..6].iter().enumerate() {
        brand.move_card(id, card, stage, i as i64 + 4).await.ok();
    }
    let mut ws = ws_connect(&app, &agency, None).await.unwrap();
    let sub = ws_subscribe(&mut ws, id, last_seen).await;
    assert_eq!(sub["head"].as_i64(), Some(head + 6));
    let missed = ws_events(&mut ws, 3, WAIT).await;
    assert_eq!(seqs(&missed), vec![head + 4, head + 5, head + 6]);
    assert_eq!(missed[2]["data"]["to"], "posted");

    // Then live again, with no duplicate of what was replayed.
    brand.move_card(id, card, "paid", 7).await.ok();
    let live = ws_events(&mut ws, 2, Duration::from_millis(1500)).await;
    assert_eq!(seqs(&live), vec![head + 7]);

    // Subscribing from the very start replays the whole log in order.
    let mut fresh = ws_connect(&app, &brand, None).await.unwrap();
    ws_subscribe(&mut fresh, id, 0).await;
    let all = ws_events(&mut fresh, (head + 7) as usize, WAIT).await;
    assert_eq!(seqs(&all), (1..=head + 7).collect::<Vec<_>>());
    app.running.stop().await;
}

async fn outsiders_cannot_subscribe(kind: DbKind) {
    let app = spawn_app(kind).await;
    let (brand, _agency, id, card) = with_a_card(&app).await;
    let mut outsider = app.client();
    outsider.sign_up("Eve", "eve@other.example", "Other").await;

    let mut ws = ws_connect(&app, &outsider, None).await.unwrap();
    let answer = ws_subscribe(&mut ws, id, 0).await;
    assert_eq!((answer["type"].as_str(), answer["code"].as_str()), (Some("error"), Some("not_found")));
    // And nothing leaks afterwards.
    brand.move_card(id, card, "contacted", 1).await.ok();
    assert!(ws_events(&mut ws, 1, Duration::from_millis(800)).await.is_empty());

    // Without a session there is no socket at all.
    let anonymous = app.client();
    assert!(ws_connect(&app, &anonymous, None).await.is_err());
    app.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_too_far_behind_is_told_to_reload() {
    let url = fresh_database(DbKind::Sqlite).await;
    let app = spawn_on(&url, |c| c.event_retention = 10).await;
    let (brand, agency, id, card) = with_a_card(&app).await;
    // Enough moves to pass a pruning point (every 100 events).
    let mut version = 1;
    for i in 0..100 {
        let stage = if i % 2 == 0 { "contacted" } else { "prospect" };
        version = brand.move_card(id, card, stage, version).await.ok()["version"].as_i64().unwrap();
    }
    let mut ws = ws_connect(&app, &agency, None).await.unwrap();
    ws_subscribe(&mut ws, id, 1).await;
    let reset = ws_next(&mut ws, WAIT).await.unwrap();
    assert_eq!(reset["type"], "reset");
    assert!(reset["reason"].as_str().unwrap().contains("no longer kept"));

    // A client that is only slightly behind still gets a replay.
    let head = brand.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["head"].as_i64().unwrap();
    let mut ws = ws_connect(&app, &agency, None).await.unwrap();
    ws_subscribe(&mut ws, id, head - 3).await;
    assert_eq!(seqs(&ws_events(&mut ws, 3, WAIT).await), vec![head - 2, head - 1, head]);
    app.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_deliver_across() {
    let url = fresh_database(DbKind::Postgres).await;
    let one = spawn_on(&url, |_| {}).await;
    let two = spawn_on(&url, |_| {}).await;
    let (brand, _agency, id, card) = with_a_card(&one).await;

    // The agency watches through the second process; the brand writes through the first.
    let mut agency_on_two = two.client();
    agency_on_two.cookie = two
        .client()
        .post("/api/v1/auth/signin", json!({ "email": "jordan@agency.example", "password": "correct horse" }))
        .await
        .set_cookie;
    let head = agency_on_two.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["head"].as_i64().unwrap();
    let mut ws = ws_connect(&two, &agency_on_two, None).await.unwrap();
    ws_subscribe(&mut ws, id, head).await;
    // Give the second process's listener a moment to be ready (it catches up from the log anyway).
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut version = 1;
    for stage in ["contacted", "negotiating", "contracted"] {
        version = brand.move_card(id, card, stage, version).await.ok()["version"].as_i64().unwrap();
    }
    let got = ws_events(&mut ws, 3, WAIT).await;
    assert_eq!(seqs(&got), vec![head + 1, head + 2, head + 3]);
    assert_eq!(got[2]["data"]["to"], "contracted");
    assert_eq!(got[0]["actor"]["name"], "Maya Lind");

    // Writes through both processes interleave into one gap-free sequence.
    let brand_on_two = {
        let mut c = two.client();
        c.cookie = brand.cookie.clone();
        c
    };
    let a = brand.add_creator(id, "A", "a1");
    let b = brand_on_two.add_creator(id, "B", "b1");
    let (_, _) = tokio::join!(a, b);
    let more = ws_events(&mut ws, 2, WAIT).await;
    assert_eq!(seqs(&more), vec![head + 4, head + 5]);

    two.running.stop().await;
    one.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_does_not_hold_back_others() {
    let app = spawn_app(DbKind::Sqlite).await;
    let (brand, agency, id, card) = with_a_card(&app).await;
    let head = brand.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["head"].as_i64().unwrap();
    // This socket subscribes and then never reads.
    let mut stalled = ws_connect(&app, &agency, None).await.unwrap();
    ws_subscribe(&mut stalled, id, head).await;
    let mut healthy = ws_connect(&app, &agency, None).await.unwrap();
    ws_subscribe(&mut healthy, id, head).await;

    let mut version = 1;
    for i in 0..60 {
        let stage = if i % 2 == 0 { "contacted" } else { "prospect" };
        version = brand.move_card(id, card, stage, version).await.ok()["version"].as_i64().unwrap();
    }
    let got = ws_events(&mut healthy, 60, WAIT).await;
    assert_eq!(seqs(&got), ((head + 1)..=(head + 60)).collect::<Vec<_>>());
    // The stalled one, once it reads, still gets every event in order.
    let late = ws_events(&mut stalled, 60, WAIT).await;
    assert_eq!(seqs(&late), ((head + 1)..=(head + 60)).collect::<Vec<_>>());
    app.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_listener_connection_loses_nothing() {
    use sqlx::Connection;
    let url = fresh_database(DbKind::Postgres).await;
    let one = spawn_on(&url, |_| {}).await;
    let two = spawn_on(&url, |_| {}).await;
    let (brand, agency, id, card) = with_a_card(&one).await;
    let mut agency_on_two = two.client();
    agency_on_two.cookie = agency.cookie.clone();
    let head = agency_on_two.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["head"].as_i64().unwrap();
    let mut ws = ws_connect(&two, &agency_on_two, None).await.unwrap();
    ws_subscribe(&mut ws, id, head).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Cut every LISTEN connection on this database (both processes' listeners), then write while they
    // are down: the notifications of these writes are lost for good.
    let db_name = url.rsplit('/').next().unwrap().to_string();
    // Warm the writer's pool so it has open connections to work with while new ones are refused.
    let path = format!("/api/v1/campaigns/{id}/board");
    let warm: Vec<_> = (0..6).map(|_| brand.get(&path)).collect();
    for r in futures_util::future::join_all(warm).await {
        assert_eq!(r.status, 200);
    }
    let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await.unwrap();
    // Keep the listeners out until the writes are done (the servers' pools keep their open connections).
    sqlx::query(&format!("ALTER DATABASE {db_name} WITH ALLOW_CONNECTIONS false")).execute(&mut admin).await.unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'",
    )
    .bind(&db_name)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(!killed.is_empty(), "found the listener connections");
    let mut version = 1;
    for stage in ["contacted", "negotiating"] {
        version = brand.move_card(id, card, stage, version).await.ok()["version"].as_i64().unwrap();
    }
    assert!(
        ws_events(&mut ws, 1, Duration::from_millis(700)).await.is_empty(),
        "nothing can arrive while the listener is down"
    );
    sqlx::query(&format!("ALTER DATABASE {db_name} WITH ALLOW_CONNECTIONS true")).execute(&mut admin).await.unwrap();
    // The listener reconnects and catches up from the log: both events arrive, in order, once.
    let got = ws_events(&mut ws, 2, Duration::from_secs(15)).await;
    assert_eq!(seqs(&got), vec![head + 1, head + 2]);
    // And live delivery works again afterwards.
    brand.move_card(id, card, "contracted", version).await.ok();
    let more = ws_events(&mut ws, 2, Duration::from_secs(3)).await;
    assert_eq!(seqs(&more), vec![head + 3]);
    two.running.stop().await;
    one.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_reaches_subscribers_only() {
    let app = spawn_app(DbKind::Sqlite).await;
    let (brand, agency, id, _card) = with_a_card(&app).await;
    let mut outsider = app.client();
    outsider.sign_up("Eve", "eve@other.example", "Other").await;
    let mut watcher = ws_connect(&app, &brand, None).await.unwrap();
    ws_subscribe(&mut watcher, id, 1_000_000).await; // far ahead: answered with a reset, but no events
    let mut watcher = ws_connect(&app, &brand, None).await.unwrap();
    let head = brand.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["head"].as_i64().unwrap();
    ws_subscribe(&mut watcher, id, head).await;
    let mut editor = ws_connect(&app, &agency, None).await.unwrap();
    ws_subscribe(&mut editor, id, head).await;
    ws_send(&mut editor, json!({ "op": "presence", "campaign_id": id, "section": "tiers" })).await;
    let seen = ws_next(&mut watcher, WAIT).await.unwrap();
    assert_eq!(
        (seen["type"].as_str(), seen["name"].as_str(), seen["section"].as_str()),
        (Some("presence"), Some("Jordan Reyes"), Some("tiers"))
    );
    assert_eq!(seen["org_name"], "Brightline");
    // An outsider's socket cannot announce itself on a campaign it could not subscribe to.
    let mut eve = ws_connect(&app, &outsider, None).await.unwrap();
    ws_send(&mut eve, json!({ "op": "presence", "campaign_id": id, "section": "tiers" })).await;
    assert!(ws_next(&mut watcher, std::time::Duration::from_millis(600)).await.is_none());
    app.running.stop().await;
}
