//! Performance numbers through the API on SQLite and PostgreSQL: posts, daily figures validated whole,
//! corrections recorded, idempotent retries, KPIs with zero denominators, live arrival, and the refusals.
use std::time::Duration;

use crate::common::*;
use serde_json::json;

on_both_databases!(
    figures_arrive_are_corrected_and_never_half_applied,
    the_dashboard_cuts_paces_and_escalates_breaches_once
);

async fn figures_arrive_are_corrected_and_never_half_applied(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, olga, id } = two_partners(&app).await;
    let other = olga.create_campaign("Elsewhere").await;
    let p = |rest: &str| format!("/api/v1/campaigns/{id}{rest}");

    let ava = jordan.add_creator(id, "Ava Chen", "ava").await;
    let post = jordan.post(&p("/posts"), json!({ "creator_id": ava["id"], "platform": "instagram", "url": "https://instagram.example/p/1", "lane": "influencer" })).await.ok();
    assert_eq!((post["followers"].as_i64(), post["lane"].as_str()), (Some(12000), Some("influencer")));
    let dup = jordan
        .post(
            &p("/posts"),
            json!({ "creator_id": ava["id"], "platform": "instagram", "url": "https://instagram.example/p/1" }),
        )
        .await;
    assert_eq!(dup.status, 409);
    let pid = post["id"].as_i64().unwrap();

    // Nothing yet: every KPI is unknown (null), never NaN or an error.
    let empty = maya.get(&p("/metrics/totals")).await.ok();
    assert!(empty["kpis"]["cpe"]["value"].is_null() && empty["kpis"]["roas"]["value"].is_null());

    let mut maya_ws = listening(&app, &maya, id).await;

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
        let r =
            jordan.post(&p("/metrics"), json!({ "rows": [{ "post_id": pid, "day": day(4), "likes": 1 }, bad] })).await;
        assert_eq!((r.status, r.body["field"].as_str()), (422, Some(field)), "{}", r.body);
    }
    let unknown = jordan.post(&p("/metrics"), json!({ "rows": [{ "post_id": pid, "day": day(3), "likez": 5 }] })).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body["message"].as_str().unwrap().contains("likez"), "{}", unknown.body);
    assert_eq!(maya.get(&p("/metrics/totals")).await.ok()["totals"], before);

    // A post of another campaign is refused as unknown here; strangers see nothing.
    let theirs = olga.add_creator(other, "Zed", "zed").await;
    let their_post = olga
        .post(
            &format!("/api/v1/campaigns/{other}/posts"),
            json!({ "creator_id": theirs["id"], "platform": "tiktok", "url": "https://tiktok.example/z" }),
        )
        .await
        .ok();
    let r = jordan
        .post(&p("/metrics"), json!({ "rows": [{ "post_id": their_post["id"], "day": day(1), "likes": 1 }] }))
        .await;
    assert_eq!(r.body["field"], "rows[0].post_id");
    assert_eq!(olga.get(&p("/metrics/totals")).await.status, 404);
    assert_eq!(olga.post(&p("/metrics"), json!({ "rows": [{ "post_id": pid, "day": day(1) }] })).await.status, 404);
    assert_eq!(
        olga.post(
            &p("/posts"),
            json!({ "creator_id": ava["id"], "platform": "instagram", "url": "https://x.example/1" })
        )
        .await
        .status,
        404
    );
}

async fn the_dashboard_cuts_paces_and_escalates_breaches_once(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, id, .. } = two_partners(&app).await;
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
        { "lane": null, "metric": "engagement_rate_reach", "comparison": ">=", "value": 4 } ] }),
    )
    .await;
    let ava = jordan.add_creator(id, "Ava Chen", "ava").await;
    let ben = maya.add_creator(id, "Ben Ortiz", "ben").await;
    let post = |c: &serde_json::Value, url: &str, lane: &str| json!({ "creator_id": c["id"], "platform": "tiktok", "url": url, "lane": lane });
    let a =
        jordan.post(&p("/posts"), post(&ava, "https://t.example/a", "influencer")).await.ok()["id"].as_i64().unwrap();
    let b = maya.post(&p("/posts"), post(&ben, "https://t.example/b", "ugc")).await.ok()["id"].as_i64().unwrap();
    let mut lena_ws = listening(&app, &maya, id).await;

    let day = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    // Influencer: $300 for 1,000 engagements = CPE 0.30 > 0.15: a breach. UGC: $50 for 1,000 = 0.05.
    let rows = json!({ "source": "api", "rows": [
        { "post_id": a, "day": day, "impressions": 50000, "reach": 20000, "likes": 900, "comments": 100, "clicks": 100, "conversions": 5, "fee_cents": 30000 },
        { "post_id": b, "day": day, "impressions": 30000, "reach": 10000, "likes": 800, "saves": 200, "clicks": 50, "conversions": 1, "fee_cents": 5000 } ] });
    jordan.post(&p("/metrics"), rows).await.ok();
    let events = ws_events(&mut lena_ws, 2, Duration::from_secs(5)).await;
    let raised =
        events.iter().find(|e| e["kind"] == "escalation_raised").expect("the breach reaches every partner live");
    let e = &raised["data"]["escalation"];
    assert_eq!((e["kind"].as_str(), e["assignee"].as_str()), (Some("threshold"), Some("Jordan Reyes")));
    assert!(e["title"].as_str().unwrap().contains("was $0.30 on "), "{e}");
    assert!(e["title"].as_str().unwrap().ends_with("(> $0.15)"), "{e}");
    assert!(e["detail"].as_str().unwrap().contains("engagements 1,000"), "{e}");

    // A correction the same day that still breaches raises nothing new.
    let fix = json!({ "rows": [{ "post_id": a, "day": day, "impressions": 50000, "reach": 20000, "likes": 950, "comments": 100, "clicks": 100, "conversions": 5, "fee_cents": 30000 }] });
    jordan.post(&p("/metrics"), fix).await.ok();
    // The daily cut-off evaluates yesterday again: still one escalation; closing twice does nothing.
    let db = &app.running.state.db;
    app::metrics::ssr::close_days(db, chrono::Utc::now()).await.unwrap();
    assert_eq!(app::metrics::ssr::close_days(db, chrono::Utc::now()).await.unwrap(), 0);
    let escalations = maya.get(&p("/escalations")).await.ok();
    assert_eq!(escalations.as_array().unwrap().iter().filter(|e| e["kind"] == "threshold").count(), 1);

    // The dashboard: the same for both partners; the rollups agree with the daily rows after the correction.
    let d = maya.get(&p("/dashboard")).await.ok();
    assert_eq!(d, jordan.get(&p("/dashboard")).await.ok(), "one shared view, no private dashboards");
    assert_eq!(d["totals"]["likes"], 1750);
    let sum: i64 = sqlx::query_scalar("SELECT CAST(SUM(likes) AS BIGINT) FROM daily_metrics WHERE campaign_id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(sum, 1750);
    let lane = |k: &str| d["by_lane"].as_array().unwrap().iter().find(|c| c["key"] == k).unwrap().clone();
    assert_eq!(lane("influencer")["totals"]["fee_cents"], 30000);
    assert_eq!(lane("ugc")["totals"]["saves"], 200);
    let partners: Vec<&str> =
        d["by_partner"].as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap()).collect();
    assert_eq!(partners.len(), 2, "{partners:?}");
    // Tiers as on the board: profiles with 12,000 followers and no engagement figures stay in their follower band
    // (micro), their engagement unknown and not held against them.
    assert_eq!((d["by_tier"][0]["label"].as_str(), d["by_tier"][0]["posts"].as_i64()), (Some("micro"), Some(2)));
    assert_eq!(d["days"].as_array().unwrap().len(), 2, "one point per lane for the day");
    // Pacing: 1 of 2 influencer posts published; ER by reach (1,050 + 1,000) / 30,000 = 6.83 % ≥ 4.
    let pacing = d["pacing"].as_array().unwrap();
    assert_eq!((pacing[0]["actual"].as_f64(), pacing[0]["met"].as_bool()), (Some(1.0), Some(false)));
    assert!((pacing[1]["actual"].as_f64().unwrap() - 6.8333).abs() < 1e-3);
    assert_eq!(pacing[1]["met"], true);
    // EMV: default TikTok CPM $6.00 × 80 = $480, until the partners set theirs.
    assert_eq!(d["emv_cents"], 48000);
    let r = maya.send(reqwest::Method::PUT, &p("/cpm/tiktok"), Some(json!({ "cpm_cents": 1000 })), &[]).await;
    assert_eq!(r.status, 204);
    assert_eq!(maya.get(&p("/dashboard")).await.ok()["emv_cents"], 80000);
    let bad = maya.send(reqwest::Method::PUT, &p("/cpm/myspace"), Some(json!({ "cpm_cents": 1000 })), &[]).await;
    assert_eq!(bad.body["field"], "platform");
    // The CSV export: one row per post and day.
    let csv = maya.get(&p("/metrics.csv")).await;
    let text = csv.body.as_str().unwrap().to_string();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.starts_with("day,post_id,url,creator,lane,platform,impressions"));
    // The dashboard page renders on the server with its charts.
    let page = reqwest::Client::new()
        .get(format!("{}/campaigns/{id}/performance", app.base))
        .header("cookie", maya.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("data-testid=\"daily-chart\"") && html.contains("data-testid=\"funnel\""));
}
