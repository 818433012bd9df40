//! An open dashboard kept live by patches (app/src/metrics/live.rs), on SQLite and PostgreSQL: after every kind of
//! change, the dashboard patched from its events, as the page does, equals the dashboard loaded whole, and a
//! patch carries only the days and creators that changed.
use std::time::Duration;

use app::metrics::live::{newest_post, DashboardPatch, PatchAsk, Reaction};
use app::metrics::Dashboard;
use app::realtime::Event;

use crate::common::*;
use serde_json::json;

on_both_databases!(a_patched_dashboard_equals_the_whole_one);

/// The page's side: the events since the last look, applied as `routes/performance_live.rs` applies them.
async fn follow(c: &Client, ws: &mut Ws, id: i64, dash: &mut Dashboard) -> (usize, usize) {
    let mut events = Vec::new();
    while let Some(v) = ws_next(ws, Duration::from_millis(400)).await {
        if v["type"] == "event" {
            events.push(serde_json::from_value::<Event>(v["event"].clone()).expect("an event"));
        }
    }
    assert!(!events.is_empty(), "the change was announced");
    let mut ask: Option<PatchAsk> = None;
    let mut whole = false;
    for e in &events {
        match Reaction::of(&e.change) {
            Reaction::Patch { days, posts } => ask.get_or_insert_with(PatchAsk::default).add(days, posts),
            Reaction::Local => dash.apply_local(&e.change),
            Reaction::Whole | Reaction::Stale => whole = true,
            Reaction::Nothing => {}
        }
    }
    assert!(!whole, "these changes are patched: {events:?}");
    let Some(mut ask) = ask else { return (0, 0) };
    ask.posts_after = newest_post(dash);
    let r = c.post("/sfn/dashboard_patch", json!({ "campaign_id": id, "ask": ask })).await;
    let bytes = r.body.to_string().len();
    let patch: DashboardPatch = serde_json::from_value(r.ok()).expect("a patch");
    let days = patch.days.len();
    assert!(dash.apply_patch(patch, &ask), "the patch applies");
    (bytes, days)
}

async fn whole(c: &Client, id: i64) -> Dashboard {
    serde_json::from_value(c.get(&format!("/api/v1/campaigns/{id}/dashboard")).await.ok()).expect("a dashboard")
}

async fn a_patched_dashboard_equals_the_whole_one(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, olga, id } = two_partners(&app).await;
    let p = |rest: &str| format!("/api/v1/campaigns/{id}{rest}");
    let j = jordan.get("/api/v1/me").await.ok();
    put_section(&maya, id, "thresholds", json!({ "thresholds": [
        { "metric": "cpe", "comparison": ">", "value": 0.15, "scope": "lane", "scope_value": "influencer", "escalate_to": j["user_id"] } ] })).await;
    put_section(
        &maya,
        id,
        "success",
        json!({ "targets": [
        { "lane": "influencer", "metric": "posts_published", "comparison": ">=", "value": 2 },
        { "lane": null, "metric": "cpe", "comparison": "<=", "value": 0.2 } ] }),
    )
    .await;
    let ava = jordan.add_creator(id, "Ava Chen", "ava").await;
    let ben = maya.add_creator(id, "Ben Ortiz", "ben").await;
    let post = |c: &serde_json::Value, platform: &str, url: &str, lane: &str| json!({ "creator_id": c["id"], "platform": platform, "url": url, "lane": lane });
    let a = jordan.post(&p("/posts"), post(&ava, "tiktok", "https://t.example/a", "influencer")).await.ok()["id"]
        .as_i64()
        .unwrap();
    let b = maya.post(&p("/posts"), post(&ben, "instagram", "https://i.example/b", "ugc")).await.ok()["id"]
        .as_i64()
        .unwrap();
    let day = |n: i64| (chrono::Utc::now().date_naive() - chrono::Duration::days(n)).to_string();
    let row = |post: i64, d: i64, likes: i64, fee: i64| json!({ "post_id": post, "day": day(d), "impressions": likes * 40, "reach": likes * 15, "likes": likes, "comments": likes / 10, "clicks": likes / 8, "conversions": likes / 200, "revenue_cents": likes * 90, "fee_cents": fee });
    // Forty days of history, before the page opens.
    let history: Vec<_> = (2..42).flat_map(|d| [row(a, d, 500 + d, 0), row(b, d, 300 + d, 0)]).collect();
    jordan.post(&p("/metrics"), json!({ "source": "csv:history", "rows": history })).await.ok();

    let mut ws = ws_connect(&app, &maya, None).await.unwrap();
    let mut dash = whole(&maya, id).await;
    ws_subscribe(&mut ws, id, dash.head).await;
    assert_eq!(dash.days.len(), 80);
    let full_bytes = serde_json::to_string(&dash).unwrap().len();

    // Yesterday's figures: Ava's breach the threshold (an escalation, applied from its event).
    jordan
        .post(&p("/metrics"), json!({ "source": "api", "rows": [row(a, 1, 1000, 30000), row(b, 1, 800, 5000)] }))
        .await
        .ok();
    let (bytes, days) = follow(&maya, &mut ws, id, &mut dash).await;
    assert_eq!(dash, whole(&maya, id).await, "after figures arrived");
    assert_eq!(days, 2, "only yesterday's points");
    assert!(bytes * 3 < full_bytes, "a patch of {bytes} bytes against {full_bytes} for the whole dashboard");
    assert_eq!(dash.escalations.iter().filter(|e| e.kind == "threshold").count(), 1);

    // A correction that lowers Ava below Ben: the creator table reorders.
    jordan.post(&p("/metrics"), json!({ "rows": [row(a, 1, 10, 30000)] })).await.ok();
    follow(&maya, &mut ws, id, &mut dash).await;
    assert_eq!(dash, whole(&maya, id).await, "after a correction");

    // A new creator's post is tracked (the quick-entry list, the cuts' post counts), then gets figures.
    let cleo = maya.add_creator(id, "Cleo Park", "cleo").await;
    let c = maya.post(&p("/posts"), post(&cleo, "youtube", "https://y.example/c", "influencer")).await.ok()["id"]
        .as_i64()
        .unwrap();
    follow(&maya, &mut ws, id, &mut dash).await;
    assert_eq!(dash, whole(&maya, id).await, "after a post was tracked");
    assert_eq!(dash.posts[0].id, c);
    maya.post(&p("/metrics"), json!({ "rows": [row(c, 0, 2000, 0), row(c, 50, 100, 0)] })).await.ok();
    follow(&maya, &mut ws, id, &mut dash).await;
    assert_eq!(dash, whole(&maya, id).await, "after figures on new days");

    // A CPM (from its event), the escalation acknowledged (from its event), a lane's budget.
    let r = jordan.send(reqwest::Method::PUT, &p("/cpm/youtube"), Some(json!({ "cpm_cents": 2500 })), &[]).await;
    assert_eq!(r.status, 204);
    let r = maya.send(reqwest::Method::PUT, &p("/cpm/twitch"), Some(json!({ "cpm_cents": 900 })), &[]).await;
    assert_eq!(r.status, 204);
    let e = dash.escalations[0].clone();
    let ack = json!({ "status": "acknowledged", "note": "", "version": e.version });
    jordan.put(&p(&format!("/escalations/{}", e.id)), ack).await.ok();
    let lane = json!({ "lane": "ugc", "brief": "", "sla_hours": 24, "budget_cents": 500000, "default_fee_cents": 0, "version": 0 });
    maya.put(&p("/lanes/ugc"), lane).await.ok();
    follow(&maya, &mut ws, id, &mut dash).await;
    assert_eq!(dash, whole(&maya, id).await, "after CPMs, an escalation and a budget");

    // Only partners get a patch.
    let r = olga.post("/sfn/dashboard_patch", json!({ "campaign_id": id, "ask": PatchAsk::default() })).await;
    assert_eq!(r.status, 404, "{}", r.body);
}
