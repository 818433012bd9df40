//! The joint strategy charter through the API, on SQLite and PostgreSQL: editing with version checks,
//! sign-off, signatures cleared by a later change, the launch gate, and creators' comments.
use crate::common::*;
use serde_json::{json, Value};

on_both_databases!(charter_from_draft_to_launch, creators_review_the_charter_before_launch);

struct Setup {
    brand: Client,
    agency: Client,
    id: i64,
    maya: i64,
    jordan: i64,
    brand_org: i64,
    agency_org: i64,
}

async fn setup(app: &TestApp) -> Setup {
    let BrandAndAgency { brand, agency, maya, jordan, id } = brand_and_agency(app).await;
    Setup {
        id,
        maya: maya["user_id"].as_i64().unwrap(),
        jordan: jordan["user_id"].as_i64().unwrap(),
        brand_org: maya["org"]["id"].as_i64().unwrap(),
        agency_org: jordan["org"]["id"].as_i64().unwrap(),
        brand,
        agency,
    }
}

async fn charter(c: &Client, id: i64) -> Value {
    c.get(&format!("/api/v1/campaigns/{id}/charter")).await.ok()
}

fn section_version(view: &Value, section: &str) -> i64 {
    view["sections"].as_array().unwrap().iter().find(|s| s["section"] == section).unwrap()["version"].as_i64().unwrap()
}

async fn save(c: &Client, id: i64, section: &str, body: Value) -> Reply {
    let version = section_version(&charter(c, id).await, section);
    c.send(
        reqwest::Method::PUT,
        &format!("/api/v1/campaigns/{id}/charter/sections/{section}"),
        Some(json!({ "body": body, "version": version })),
        &[],
    )
    .await
}

/// Fills every section with a complete, valid charter.
async fn complete(s: &Setup) {
    let (b, id) = (&s.brand, s.id);
    let sections = [
        (
            "audience",
            json!({ "segment": "Weekend hikers who camp", "region": "US Pacific Northwest and DACH", "age_band": "25-40", "interests": "hiking, camping", "language": "English, German", "market": "US + DE" }),
        ),
        ("value_proposition", json!({ "propositions": ["Stay dry on any trail without the weight"] })),
        (
            "creative_brief",
            json!({ "markdown": "# The story\nReal trails, real weather.\n\n- Show the jacket in rain\n- No studio shots" }),
        ),
        (
            "pillars",
            json!({ "pillars": [{ "name": "Trail tests", "description": "The product in real weather", "dos": "Rain, mud", "donts": "Studio" }] }),
        ),
        (
            "criteria",
            json!({ "ugc": ["Product visible in the first 3 seconds", "Natural light"], "influencer": ["Disclosure #ad", "Link in bio"], "creator_expectations": "Two drafts, one round of changes" }),
        ),
        (
            "success",
            json!({ "targets": [
            { "lane": "influencer", "metric": "engagement_rate", "comparison": ">=", "value": 3 },
            { "lane": "influencer", "metric": "posts_published", "comparison": ">=", "value": 24 },
            { "lane": "ugc", "metric": "approved_ugc_assets", "comparison": ">=", "value": 40 },
            { "lane": "ugc", "metric": "engagement_rate_reach", "comparison": ">=", "value": 4 } ] }),
        ),
        (
            "thresholds",
            json!({ "thresholds": [{ "metric": "cpe", "comparison": ">", "value": 0.15, "scope": "lane", "scope_value": "influencer", "escalate_to": s.maya }] }),
        ),
        (
            "responsibilities",
            json!({ "items": [
            { "org_id": s.brand_org, "responsibility": "UGC strategy and approval", "accountable": s.maya },
            { "org_id": s.agency_org, "responsibility": "Influencer relations and talent", "accountable": s.jordan } ] }),
        ),
        ("ownership", json!({ "accountable_owner": s.maya, "creator_contact": s.jordan })),
        (
            "rotation",
            json!({ "slots": [{ "quarter": "2027-Q1", "lead_org_id": s.brand_org }, { "quarter": "2027-Q2", "lead_org_id": s.agency_org }] }),
        ),
    ];
    for (section, body) in sections {
        let r = save(b, id, section, body).await;
        assert_eq!(r.status, 200, "{section}: {}", r.body);
    }
}

fn open_items(view: &Value) -> Vec<String> {
    view["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false && c["blocking"] == true)
        .map(|c| c["message"].as_str().unwrap().to_string())
        .collect()
}

async fn charter_from_draft_to_launch(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = setup(&app).await;
    let (id, b, a) = (s.id, &s.brand, &s.agency);

    // A new charter starts from the tier template; the launch is refused with exactly what is missing.
    let view = charter(b, id).await;
    assert_eq!(view["draft"]["tiers"]["tiers"].as_array().unwrap().len(), 5);
    let launch = b.post(&format!("/api/v1/campaigns/{id}/launch"), json!({})).await;
    assert_eq!((launch.status, launch.body["field"].as_str()), (422, Some("charter")));
    let missing: Vec<&str> =
        launch.body["current"]["missing"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert!(missing.contains(&"Exactly one value proposition"), "{missing:?}");
    assert!(missing.contains(&"Propose the charter for sign-off"));
    assert_eq!(missing, open_items(&view));

    // Bad input is refused with the field named, and nothing is saved.
    let mut tiers = view["draft"]["tiers"].clone();
    tiers["tiers"][2]["min_followers"] = json!(40000);
    let r = save(b, id, "tiers", tiers).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("tiers.tiers[2].min_followers")));
    assert!(r.body["message"].as_str().unwrap().contains("overlap"));
    let r = save(
        b,
        id,
        "responsibilities",
        json!({ "items": [{ "org_id": s.agency_org, "responsibility": "Talent", "accountable": s.maya }] }),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["message"], "\"Talent\" must be owned by a member of Brightline");
    let r = save(b, id, "thresholds", json!({ "thresholds": [{ "metric": "vibes", "comparison": ">", "value": 1 }] }))
        .await;
    assert_eq!(r.body["field"], "thresholds.thresholds[0].metric");
    let r = save(b, id, "value_proposition", json!({ "propositions": ["A", "B"] })).await;
    assert_eq!(r.status, 422);
    assert_eq!(section_version(&charter(b, id).await, "tiers"), 0);

    // Two partners editing one section: the second save, based on the old version, is a conflict.
    let v0 = section_version(&charter(b, id).await, "audience");
    let path = format!("/api/v1/campaigns/{id}/charter/sections/audience");
    let first =
        a.send(reqwest::Method::PUT, &path, Some(json!({ "body": { "segment": "Hikers" }, "version": v0 })), &[]).await;
    assert_eq!(first.status, 200);
    let second = b
        .send(reqwest::Method::PUT, &path, Some(json!({ "body": { "segment": "Campers" }, "version": v0 })), &[])
        .await;
    assert_eq!((second.status, second.code()), (409, "conflict"));
    assert_eq!(second.body["current"]["body"]["segment"], "Hikers");
    assert!(second.body["message"].as_str().unwrap().contains("Jordan Reyes"));

    complete(&s).await;
    let view = charter(b, id).await;
    assert_eq!(open_items(&view), ["Propose the charter for sign-off"]);

    // Propose version 1; nobody signed yet.
    let p = b.post(&format!("/api/v1/campaigns/{id}/charter/propose"), json!({})).await.ok();
    assert_eq!(p["number"], 1);
    let again = b.post(&format!("/api/v1/campaigns/{id}/charter/propose"), json!({})).await;
    assert_eq!(again.status, 422);

    // Only the people the charter names as accountable sign for their organization.
    let mut sam = app.client();
    let inv = a.post("/api/v1/org/invitations", json!({})).await.ok();
    let joined = app
        .client()
        .post(
            &format!("/api/v1/org/invitations/{}/accept", inv["token"].as_str().unwrap()),
            json!({ "name": "Sam", "email": "sam@agency.example", "password": "long enough" }),
        )
        .await;
    sam.cookie = joined.set_cookie;
    let r = sam.post(&format!("/api/v1/campaigns/{id}/charter/versions/1/sign"), json!({})).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    assert_eq!(b.post(&format!("/api/v1/campaigns/{id}/charter/versions/1/sign"), json!({})).await.status, 204);
    let view = charter(b, id).await;
    assert_eq!(view["current"]["signatures"][0]["user_name"], "Maya Lind");
    assert_eq!(open_items(&view), ["Signature of Brightline on version 1"]);

    // A change after a signature makes version 2, which nobody has signed.
    let r =
        save(a, id, "creative_brief", json!({ "markdown": "# The story\nReal trails, real weather, real people." }))
            .await;
    assert_eq!(r.status, 200);
    let view = charter(b, id).await;
    assert_eq!(view["current"]["number"], 2);
    assert!(view["current"]["signatures"].as_array().unwrap().is_empty());
    // The version Maya signed is kept to compare with.
    assert_eq!(view["last_signed"]["number"], 1);
    assert_eq!(view["last_signed"]["signatures"][0]["user_name"], "Maya Lind");
    assert_eq!(open_items(&view), ["Signature of Northwind on version 2", "Signature of Brightline on version 2"]);
    // Signing the superseded version is refused.
    let stale = a.post(&format!("/api/v1/campaigns/{id}/charter/versions/1/sign"), json!({})).await;
    assert_eq!((stale.status, stale.code()), (409, "conflict"));
    assert_eq!(b.post(&format!("/api/v1/campaigns/{id}/launch"), json!({})).await.status, 422);

    // Both sign version 2; the campaign launches.
    for c in [a, b] {
        assert_eq!(c.post(&format!("/api/v1/campaigns/{id}/charter/versions/2/sign"), json!({})).await.status, 204);
    }
    assert_eq!(b.post(&format!("/api/v1/campaigns/{id}/launch"), json!({})).await.status, 204);
    assert_eq!(a.get(&format!("/api/v1/campaigns/{id}")).await.ok()["status"], "live");

    // The Markdown export shows the signed version.
    let md = b.get(&format!("/api/v1/campaigns/{id}/charter.md")).await;
    let md = md.body.as_str().unwrap();
    assert!(md.contains("Version 2 proposed by Jordan Reyes"), "{md}");
    assert!(md.contains("Signed for Brightline by Jordan Reyes"));
    assert!(md.contains("| Brightline | Influencer relations and talent | Jordan Reyes (Brightline) |"));

    // The activity trail recorded it all, in order.
    let events = b.get(&format!("/api/v1/campaigns/{id}/events?limit=1000")).await.ok();
    let kinds: Vec<&str> = events["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "charter_signed").count(), 3);
    assert_eq!(kinds.last(), Some(&"campaign_launched"));

    // Outsiders see nothing of it.
    let mut eve = app.client();
    eve.sign_up("Eve", "eve@x.example", "Other").await;
    assert_eq!(eve.get(&format!("/api/v1/campaigns/{id}/charter")).await.status, 404);
    assert_eq!(eve.get(&format!("/api/v1/campaigns/{id}/charter.md")).await.status, 404);
    assert_eq!(eve.post(&format!("/api/v1/campaigns/{id}/charter/versions/2/sign"), json!({})).await.status, 404);
    app.running.stop().await;
}

async fn creators_review_the_charter_before_launch(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = setup(&app).await;
    let (id, b) = (s.id, &s.brand);
    complete(&s).await;
    b.post(&format!("/api/v1/campaigns/{id}/charter/propose"), json!({})).await.ok();
    // An internal partner comment on a partner-only section.
    let internal = s
        .agency
        .post(
            &format!("/api/v1/campaigns/{id}/charter/comments"),
            json!({ "section": "thresholds", "body": "Is 0.15 too tight?" }),
        )
        .await
        .ok();

    // Ava, a creator of the pool, gets an account through her invitation.
    let card = b.add_creator(id, "Ava Chen", "ava").await;
    let ava = creator_signup(&app, b, id, card["id"].as_i64().unwrap(), "Ava Chen", "ava@creator.example").await;

    // She sees the creator-facing part of version 1 and her point of contact.
    let mine = ava.get(&format!("/api/v1/campaigns/{id}/charter/for-creator")).await.ok();
    assert_eq!(mine["version"], 1);
    assert_eq!(mine["contact"], "Jordan Reyes (Brightline)");
    assert!(mine["brief"]["markdown"].as_str().unwrap().contains("Real trails"));
    assert!(mine.get("thresholds").is_none() && mine.get("draft").is_none());
    assert!(mine["comments"].as_array().unwrap().is_empty(), "no partner-internal comments");
    // She cannot open, edit or sign the partner charter.
    assert_eq!(ava.get(&format!("/api/v1/campaigns/{id}/charter")).await.status, 404);
    let r = ava
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/campaigns/{id}/charter/sections/creative_brief"),
            Some(json!({ "body": { "markdown": "x" }, "version": 1 })),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(ava.post(&format!("/api/v1/campaigns/{id}/charter/versions/1/sign"), json!({})).await.status, 404);
    assert_eq!(ava.post(&format!("/api/v1/campaigns/{id}/launch"), json!({})).await.status, 404);

    // She comments on the brief (not on partner-only sections).
    let r = ava
        .post(&format!("/api/v1/campaigns/{id}/charter/comments"), json!({ "section": "thresholds", "body": "Hm" }))
        .await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("section")));
    let c = ava
        .post(
            &format!("/api/v1/campaigns/{id}/charter/comments"),
            json!({ "section": "creative_brief", "body": "Two teams asked me for different hooks. Which one?" }),
        )
        .await
        .ok();
    let cid = c["id"].as_i64().unwrap();
    // Replying into someone else's thread is refused.
    let r = ava
        .post(
            &format!("/api/v1/campaigns/{id}/charter/comments"),
            json!({ "section": "thresholds", "body": "x", "parent_id": internal["id"] }),
        )
        .await;
    assert_eq!(r.status, 422);

    // Partners see it beside the brief; it is a warning on the checklist, not a blocker.
    let view = charter(b, id).await;
    let comment = view["comments"].as_array().unwrap().iter().find(|x| x["id"] == cid).unwrap().clone();
    assert_eq!(
        (comment["section"].as_str(), comment["author_is_creator"].as_bool()),
        (Some("creative_brief"), Some(true))
    );
    let warning = view["checklist"].as_array().unwrap().iter().find(|c| c["blocking"] == false).unwrap().clone();
    assert_eq!(
        (warning["ok"].as_bool(), warning["message"].as_str()),
        (Some(false), Some("1 open creator comment(s)"))
    );

    // A partner replies and resolves it; Ava sees the reply, still not the internal comment.
    s.agency.post(&format!("/api/v1/campaigns/{id}/charter/comments"), json!({ "section": "creative_brief", "body": "Use the rain hook; I'm your one contact.", "parent_id": cid })).await.ok();
    assert_eq!(
        s.agency.post(&format!("/api/v1/campaigns/{id}/charter/comments/{cid}/resolve"), json!({})).await.status,
        204
    );
    let mine = ava.get(&format!("/api/v1/campaigns/{id}/charter/for-creator")).await.ok();
    let bodies: Vec<&str> = mine["comments"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
    assert_eq!(
        bodies,
        ["Two teams asked me for different hooks. Which one?", "Use the rain hook; I'm your one contact."]
    );
    assert_eq!(mine["comments"][0]["resolved_by"], "Jordan Reyes");
    assert_eq!(
        ava.post(&format!("/api/v1/campaigns/{id}/charter/comments/{cid}/resolve"), json!({})).await.status,
        404
    );
    let view = charter(b, id).await;
    assert!(view["checklist"].as_array().unwrap().iter().all(|c| c["blocking"] == true || c["ok"] == true));

    // Another campaign's creator sees nothing of this one.
    let other = b.create_campaign("Other").await;
    let card2 = b.add_creator(other, "Kai", "kai").await;
    let kai = creator_signup(&app, b, other, card2["id"].as_i64().unwrap(), "Kai", "kai@creator.example").await;
    assert_eq!(kai.get(&format!("/api/v1/campaigns/{id}/charter/for-creator")).await.status, 404);
    assert_eq!(
        kai.post(
            &format!("/api/v1/campaigns/{id}/charter/comments"),
            json!({ "section": "creative_brief", "body": "hi" })
        )
        .await
        .status,
        404
    );
    app.running.stop().await;
}
