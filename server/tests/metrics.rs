//! Performance numbers through the API on SQLite and PostgreSQL: posts, daily figures validated whole,
//! corrections recorded, idempotent retries, KPIs with zero denominators, live arrival, and the refusals.
mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

on_both_databases!(figures_arrive_are_corrected_and_never_half_applied);

async fn figures_arrive_are_corrected_and_never_half_applied(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut maya = app.client();
    maya.sign_up("Maya Lind", "maya@northwind.example", "Northwind").await;
    let mut jordan = app.client();
    jordan.sign_up("Jordan Reyes", "jordan@brightline.example", "Brightline").await;
    let mut olga = app.client();
    olga.sign_up("Olga Stranger", "olga@outsider.example", "Outsider").await;
    let id = maya.create_campaign("Trailhead").await;
    maya.bring_in(id, &jordan).await;
    let other = olga.create_campaign("Elsewhere").await;
    let p = |rest: &str| format!("/api/v1/campaigns/{id}{rest}");

    let ava = jordan.add_creator(id, "Ava Chen", "ava").await;
    let post = jordan.post(&p("/posts"), json!({ "creator_id": ava["id"], "platform": "instagram", "url": "https://instagram.example/p/1", "lane": "influencer" })).await.ok();
    assert_eq!((post["followers"].as_i64(), post["lane"].as_str()), (Some(12000), Some("influencer")));
    let dup = jordan.post(&p("/posts"), json!({ "creator_id": ava["id"], "platform": "instagram", "url": "https://instagram.example/p/1" })).await;
    assert_eq!(dup.status, 409);
    let pid = post["id"].as_i64().unwrap();

    // Nothing yet: every KPI is unknown (null), never NaN or an error.
    let empty = maya.get(&p("/metrics/totals")).await.ok();
    assert!(empty["kpis"]["cpe"]["value"].is_null() && empty["kpis"]["roas"]["value"].is_null());

    let mut maya_ws = ws_connect(&app, &maya, None).await.unwrap();
    ws_subscribe(&mut maya_ws, id, 0).await;
    while ws_next(&mut maya_ws, Duration::from_millis(300)).await.is_some() {}

    let day = |d: i64| (chrono::Utc::now().date_naive() - chrono::Duration::days(d)).to_string();
    let batch = json!({ "source": "api:sync", "rows": [
        { "post_id": pid, "day": day(2), "impressions": 100000, "reach": 60000, "likes": 2000, "comments": 150, "shares": 100, "saves": 250, "clicks": 800, "conversions": 24, "revenue_cents": 216000, "fee_cents": 80000, "paid_cents": 20000 },
        { "post_id": pid, "day": day(1), "impressions": 100000, "reach": 60000, "likes": 2000, "comments": 150, "shares": 100, "saves": 250, "clicks": 800, "conversions": 24, "revenue_cents": 216000, "fee_cents": 0, "paid_cents": 0 } ] });
    let first = jordan.post_with(&p("/metrics"), batch.clone(), &[("idempotency-key", "sync-1")]).await.ok();
    assert_eq!(first, json!({ "inserted": 2, "corrected": 0, "unchanged": 0 }));
    // The same call retried: the first answer, nothing applied twice.
    assert_eq!(jordan.post_with(&p("/metrics"), batch.clone(), &[("idempotency-key", "sync-1")]).await.ok(), first);
    // Partners see the figures arrive live.
    let events = ws_events(&mut maya_ws, 1, Duration::from_secs(5)).await;
    assert_eq!(events[0]["kind"], "metrics_ingested");

    // KPIs by hand: engagements 5,000, spend $1,000, followers 12,000 (one post).
    let t = maya.get(&p("/metrics/totals")).await.ok();
    assert_eq!(t["engagements"], 5000);
    assert_eq!(t["kpis"]["cpe"]["value"], 0.2);
    assert_eq!(t["kpis"]["cpm"]["value"], 5.0);
    assert_eq!(t["kpis"]["cpc"]["value"], 0.625);
    assert_eq!(t["kpis"]["conversion_rate"]["value"], 3.0);
    assert_eq!(t["kpis"]["roas"]["value"], 4.32);
    assert!(t["kpis"]["cpe"]["formula"].as_str().unwrap().contains("engagements"));

    // A correction is applied and recorded; an identical row changes nothing.
    let fix = json!({ "source": "manual", "rows": [
        { "post_id": pid, "day": day(1), "impressions": 110000, "reach": 60000, "likes": 2000, "comments": 150, "shares": 100, "saves": 250, "clicks": 800, "conversions": 24, "revenue_cents": 216000 },
        { "post_id": pid, "day": day(2), "impressions": 100000, "reach": 60000, "likes": 2000, "comments": 150, "shares": 100, "saves": 250, "clicks": 800, "conversions": 24, "revenue_cents": 216000, "fee_cents": 80000, "paid_cents": 20000 } ] });
    assert_eq!(jordan.post(&p("/metrics"), fix).await.ok(), json!({ "inserted": 0, "corrected": 1, "unchanged": 1 }));
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_corrections WHERE post_id = $1")
        .bind(pid)
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(kept, 1);

    // Bad input names row and field, and nothing of the batch is written.
    let before = maya.get(&p("/metrics/totals")).await.ok()["totals"].clone();
    let cases = [
        (json!({ "post_id": pid, "day": day(3), "likes": -5 }), "rows[1].likes"),
        (json!({ "post_id": pid, "day": day(-2), "likes": 5 }), "rows[1].day"),
        (json!({ "post_id": 999999, "day": day(3), "likes": 5 }), "rows[1].post_id"),
    ];
    for (bad, field) in cases {
        let r = jordan.post(&p("/metrics"), json!({ "rows": [{ "post_id": pid, "day": day(4), "likes": 1 }, bad] })).await;
        assert_eq!((r.status, r.body["field"].as_str()), (422, Some(field)), "{}", r.body);
    }
    let unknown = jordan.post(&p("/metrics"), json!({ "rows": [{ "post_id": pid, "day": day(3), "likez": 5 }] })).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body["message"].as_str().unwrap().contains("likez"), "{}", unknown.body);
    assert_eq!(maya.get(&p("/metrics/totals")).await.ok()["totals"], before);

    // A post of another campaign is refused as unknown here; strangers see nothing.
    let theirs = olga.add_creator(other, "Zed", "zed").await;
    let their_post = olga.post(&format!("/api/v1/campaigns/{other}/posts"), json!({ "creator_id": theirs["id"], "platform": "tiktok", "url": "https://tiktok.example/z" })).await.ok();
    let r = jordan.post(&p("/metrics"), json!({ "rows": [{ "post_id": their_post["id"], "day": day(1), "likes": 1 }] })).await;
    assert_eq!(r.body["field"], "rows[0].post_id");
    assert_eq!(olga.get(&p("/metrics/totals")).await.status, 404);
    assert_eq!(olga.post(&p("/metrics"), json!({ "rows": [{ "post_id": pid, "day": day(1) }] })).await.status, 404);
    assert_eq!(olga.post(&p("/posts"), json!({ "creator_id": ava["id"], "platform": "instagram", "url": "https://x.example/1" })).await.status, 404);
}
