//! The shared creator pool through the API, on SQLite and PostgreSQL: profiles and figures, duplicates and
//! merges, owners and their history, next actions and notes, CSV import and export, and the refusals.
use std::time::Duration;

use crate::common::*;
use serde_json::{json, Value};

on_both_databases!(
    creators_carry_figures_and_are_never_two_records,
    owner_changes_are_recorded_and_checked,
    next_actions_notes_and_history,
    duplicates_merge_into_one_record,
    csv_import_previews_then_applies_all_valid_or_nothing,
    an_import_rechecks_the_pool_and_never_half_applies,
    outsiders_cannot_touch_the_pool,
    export_has_the_computed_columns,
    partners_see_an_import_arrive_live,
    ten_thousand_rows_import_in_one_go,
);

fn path(campaign: i64, rest: &str) -> String {
    format!("/api/v1/campaigns/{campaign}{rest}")
}

async fn card_count(c: &Client, campaign: i64) -> usize {
    c.get(&path(campaign, "/board")).await.ok()["cards"].as_array().unwrap().len()
}

async fn creators_carry_figures_and_are_never_two_records(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, id: campaign, .. } = two_partners(&app).await;
    let ava = maya
        .post(
            &path(campaign, "/creators"),
            json!({ "name": "Ava Chen", "platform": "Instagram", "handle": "@Ava.Outdoors", "followers": 12000,
                    "avg_reach": 8000, "avg_likes": 300, "avg_comments": 40, "avg_shares": 20, "avg_saves": 40,
                    "country": "us", "language": "EN", "contact_email": "Ava@Example.com", "next_action": "Send brief",
                    "next_action_due": "2026-12-01" }),
        )
        .await
        .ok();
    assert_eq!(ava["platform"], "instagram");
    assert_eq!(ava["handle"], "Ava.Outdoors");
    assert_eq!(ava["engagements"], 400);
    assert_eq!(ava["avg_reach"], 8000);
    assert_eq!(ava["country"], "US");
    assert_eq!(ava["next_action_due"], "2026-12-01");
    assert_eq!(ava["owner_person"], "Maya Lind");
    let id = ava["id"].as_i64().unwrap();

    // The board carries the tier definitions (the template here) for every partner.
    let board = jordan.get(&path(campaign, "/board")).await.ok();
    assert_eq!(board["tiers"]["tiers"][0]["name"], "nano");
    assert_eq!(board["people"].as_array().unwrap().len(), 2);

    // The same platform + handle, however written, is refused with the record that holds it.
    let dup = jordan
        .post(
            &path(campaign, "/creators"),
            json!({ "name": "Someone", "platform": "instagram", "handle": "ava.outdoors" }),
        )
        .await;
    assert_eq!((dup.status, dup.code(), dup.body["field"].as_str()), (409, "conflict", Some("handle")));
    assert_eq!(dup.body["current"]["id"], id);
    assert!(dup.body["message"].as_str().unwrap().contains("already in this pool as Ava Chen"));

    // The same name on another platform is a possible duplicate: refused unless allowed.
    let similar = jordan
        .post(&path(campaign, "/creators"), json!({ "name": "ava chen", "platform": "tiktok", "handle": "avatok" }))
        .await;
    assert_eq!((similar.status, similar.body["field"].as_str()), (409, Some("name")));
    assert_eq!(similar.body["current"]["id"], id);
    let by_email = jordan
        .post(
            &path(campaign, "/creators"),
            json!({ "name": "A. C.", "platform": "tiktok", "handle": "avatok", "contact_email": "ava@example.com" }),
        )
        .await;
    assert_eq!((by_email.status, by_email.body["field"].as_str()), (409, Some("contact_email")));
    // Merging it in as a handle instead: one record, two platforms.
    let merged = jordan
        .post(
            &path(campaign, &format!("/creators/{id}/handles")),
            json!({ "platform": "tiktok", "handle": "avatok", "followers": 90000 }),
        )
        .await
        .ok();
    assert_eq!(merged["handles"], 2);
    let taken = maya
        .post(&path(campaign, &format!("/creators/{id}/handles")), json!({ "platform": "tiktok", "handle": "AVATOK" }))
        .await;
    assert_eq!((taken.status, taken.body["field"].as_str()), (409, Some("handle")));
    // And a creator with the same handle on the other platform is now a duplicate too.
    let dup2 = maya
        .post(&path(campaign, "/creators"), json!({ "name": "Other", "platform": "tiktok", "handle": "avatok" }))
        .await;
    assert_eq!(dup2.status, 409);
    // A genuinely different person with the same name can still be added, on purpose.
    let other = maya
        .post(
            &path(campaign, "/creators"),
            json!({ "name": "Ava Chen", "platform": "youtube", "handle": "avachen.films", "allow_similar": true }),
        )
        .await;
    assert_eq!(other.status, 201);

    // Bad input names the field.
    for (body, field) in [
        (json!({ "name": "X", "platform": "myspace", "handle": "x" }), "platform"),
        (json!({ "name": "X", "platform": "x", "handle": "x y" }), "handle"),
        (json!({ "name": "X", "platform": "x", "handle": "xy", "avg_likes": -1 }), "avg_likes"),
        (json!({ "name": "X", "platform": "x", "handle": "xy", "country": "USA" }), "country"),
        (json!({ "name": "X", "platform": "x", "handle": "xy", "contact_email": "nope" }), "contact_email"),
        (json!({ "name": "X", "platform": "x", "handle": "xy", "next_action_due": "31/12/2026" }), "next_action_due"),
    ] {
        let r = maya.post(&path(campaign, "/creators"), body).await;
        assert_eq!((r.status, r.body["field"].as_str()), (422, Some(field)), "{}", r.body);
    }
    assert_eq!(card_count(&maya, campaign).await, 2);
}

async fn owner_changes_are_recorded_and_checked(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, olga, id: campaign } = two_partners(&app).await;
    let card = maya.add_creator(campaign, "Ava Chen", "ava").await;
    let id = card["id"].as_i64().unwrap();
    let v = card["version"].as_i64().unwrap();
    let jordan_me = jordan.get("/api/v1/me").await.ok();
    let brightline = jordan_me["org"]["id"].as_i64().unwrap();
    let jordan_id = jordan_me["user_id"].as_i64().unwrap();
    let olga_me = olga.get("/api/v1/me").await.ok();

    // To another partner and a person there.
    let handed = maya
        .put(
            &path(campaign, &format!("/creators/{id}/owner")),
            json!({ "org_id": brightline, "user_id": jordan_id, "version": v }),
        )
        .await
        .ok();
    assert_eq!(handed["owner"]["name"], "Brightline");
    assert_eq!(handed["owner_person"], "Jordan Reyes");
    assert_eq!(handed["version"], v + 1);
    // Recorded in the history and the event log.
    let detail = jordan.get(&path(campaign, &format!("/creators/{id}/detail"))).await.ok();
    let owner_entry = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "owner")
        .expect("owner change recorded")
        .clone();
    assert_eq!(owner_entry["text"], "Owner changed from Northwind · Maya Lind to Brightline · Jordan Reyes");
    assert_eq!(owner_entry["actor_name"], "Maya Lind");
    assert_eq!(owner_entry["actor_org"], "Northwind");
    let events = maya.get(&path(campaign, "/events")).await.ok();
    let last = events["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "card_updated");
    assert!(last["data"]["what"]
        .as_str()
        .unwrap()
        .contains("handed Ava Chen from Northwind · Maya Lind to Brightline · Jordan Reyes"));

    // A stale version is a conflict, not an overwrite.
    let stale = maya
        .put(&path(campaign, &format!("/creators/{id}/owner")), json!({ "org_id": brightline, "version": v }))
        .await;
    assert_eq!((stale.status, stale.code()), (409, "conflict"));
    assert_eq!(stale.body["current"]["owner_person"], "Jordan Reyes");
    // Only partners own relationships, and only their own people.
    let outsider_org = olga_me["org"]["id"].as_i64().unwrap();
    let r = maya
        .put(&path(campaign, &format!("/creators/{id}/owner")), json!({ "org_id": outsider_org, "version": v + 1 }))
        .await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("owner_org_id")));
    let maya_id = maya.get("/api/v1/me").await.ok()["user_id"].as_i64().unwrap();
    let r = maya
        .put(
            &path(campaign, &format!("/creators/{id}/owner")),
            json!({ "org_id": brightline, "user_id": maya_id, "version": v + 1 }),
        )
        .await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("owner_user_id")));
    // A retry with the same key applies once.
    let key = [("idempotency-key", "owner-1")];
    let body = json!({ "org_id": brightline, "user_id": null, "version": v + 1 });
    let first = maya
        .send(reqwest::Method::PUT, &path(campaign, &format!("/creators/{id}/owner")), Some(body.clone()), &key)
        .await
        .ok();
    let again =
        maya.send(reqwest::Method::PUT, &path(campaign, &format!("/creators/{id}/owner")), Some(body), &key).await.ok();
    assert_eq!(first, again);
    assert_eq!(first["version"], v + 2);
}

async fn next_actions_notes_and_history(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, id: campaign, .. } = two_partners(&app).await;
    let card = maya.add_creator(campaign, "Ava Chen", "ava").await;
    let id = card["id"].as_i64().unwrap();
    let set = jordan
        .put(
            &path(campaign, &format!("/creators/{id}/next-action")),
            json!({ "text": "Send the contract", "due": "2020-01-31", "version": 1 }),
        )
        .await
        .ok();
    assert_eq!(set["next_action"], "Send the contract");
    assert_eq!(set["next_action_due"], "2020-01-31");
    let r = jordan
        .put(
            &path(campaign, &format!("/creators/{id}/next-action")),
            json!({ "text": " ", "due": "2020-01-31", "version": 2 }),
        )
        .await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("text")));
    let r = jordan.post(&path(campaign, &format!("/creators/{id}/notes")), json!({ "text": "  " })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("text")));
    let note =
        jordan.post(&path(campaign, &format!("/creators/{id}/notes")), json!({ "text": "Prefers email" })).await.ok();
    assert_eq!(note["kind"], "note");
    maya.move_card(campaign, id, "contacted", 2).await.ok();
    let detail = maya.get(&path(campaign, &format!("/creators/{id}/detail"))).await.ok();
    let kinds: Vec<&str> = detail["history"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["moved", "note", "next_action", "added"]);
    let texts: Vec<&str> = detail["history"].as_array().unwrap().iter().map(|h| h["text"].as_str().unwrap()).collect();
    assert_eq!(texts[0], "Moved from Prospect to Contacted");
    assert_eq!(texts[2], "Next action: Send the contract (due 2020-01-31)");
    assert_eq!(detail["history"][1]["actor_org"], "Brightline");
    // The stage clock restarted with the move.
    assert_eq!(detail["card"]["stage"], "contacted");
    assert!(detail["card"]["stage_since"].as_str().is_some());
    assert_eq!(detail["handles"][0]["followers"], 12000);
    // Profile edit with a version check.
    let edit = json!({ "profile": { "name": "Ava Chen", "country": "DE", "rates": "$900" },
                       "stats": { "platform": "instagram", "handle": "ava", "followers": 15000, "avg_likes": 600 }, "version": 3 });
    let edited = maya.put(&path(campaign, &format!("/creators/{id}/profile")), edit.clone()).await.ok();
    assert_eq!(
        (edited["followers"].as_i64(), edited["engagements"].as_i64(), edited["country"].as_str()),
        (Some(15000), Some(600), Some("DE"))
    );
    let stale = jordan.put(&path(campaign, &format!("/creators/{id}/profile")), edit).await;
    assert_eq!(stale.status, 409);
}

async fn duplicates_merge_into_one_record(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, id: campaign, .. } = two_partners(&app).await;
    let a = maya.add_creator(campaign, "Ava Chen", "ava").await;
    let b = jordan
        .post(
            &path(campaign, "/creators"),
            json!({ "name": "Ava C.", "platform": "tiktok", "handle": "ava_tt", "followers": 5000 }),
        )
        .await
        .ok();
    let (a_id, b_id) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    jordan
        .post(&path(campaign, &format!("/creators/{b_id}/notes")), json!({ "text": "Met at the trade fair" }))
        .await
        .ok();
    let r = maya.post(&path(campaign, &format!("/creators/{a_id}/merge")), json!({ "from_id": a_id })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("from_id")));
    let merged = maya.post(&path(campaign, &format!("/creators/{a_id}/merge")), json!({ "from_id": b_id })).await.ok();
    assert_eq!(merged["handles"], 2);
    assert_eq!(merged["owner"]["name"], "Northwind", "the record merged into keeps its owner");
    assert_eq!(maya.get(&path(campaign, &format!("/creators/{b_id}/detail"))).await.status, 404);
    let detail = maya.get(&path(campaign, &format!("/creators/{a_id}/detail"))).await.ok();
    let platforms: Vec<&str> =
        detail["handles"].as_array().unwrap().iter().map(|h| h["platform"].as_str().unwrap()).collect();
    assert_eq!(platforms, vec!["instagram", "tiktok"]);
    let texts: Vec<&str> = detail["history"].as_array().unwrap().iter().map(|h| h["text"].as_str().unwrap()).collect();
    assert!(texts.contains(&"Met at the trade fair"), "{texts:?}");
    assert!(texts[0].starts_with("Merged Ava C. (@ava_tt on tiktok)"), "{texts:?}");
    assert_eq!(card_count(&maya, campaign).await, 1);
    // The freed handle still belongs to the merged record.
    let dup = jordan
        .post(&path(campaign, "/creators"), json!({ "name": "Z", "platform": "tiktok", "handle": "ava_tt" }))
        .await;
    assert_eq!((dup.status, dup.body["current"]["id"].as_i64()), (409, Some(a_id)));
    let events = maya.get(&path(campaign, "/events")).await.ok();
    assert_eq!(events["events"].as_array().unwrap().last().unwrap()["kind"], "creators_merged");
}

const MESSY: &str = "name,platform,handle,followers,likes,owner,stage\n\
    Ava Chen,instagram,ava,12000,300,Brightline,contacted\n\
    Bo Li,tiktok,bo,lots,,,\n\
    Cy Diaz,youtube,cy,\"1,200\",,Nowhere Inc,\n\
    Di Eng,x,taken,10,,,\n\
    Ed Fox,instagram,AVA,1,,,\n\
    Fa Gu,twitch,fa,2.5K,,,posted\n";

async fn csv_import_previews_then_applies_all_valid_or_nothing(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, id: campaign, .. } = two_partners(&app).await;
    maya.add_creator(campaign, "Taken Already", "taken").await;
    // The file names x/taken, which is on another platform: only instagram/taken exists.
    maya.post(&path(campaign, "/creators"), json!({ "name": "Di Eng", "platform": "x", "handle": "taken" })).await.ok();
    let before = card_count(&maya, campaign).await;

    let preview = jordan.post_text(&path(campaign, "/imports?filename=pool.csv"), MESSY).await.ok();
    assert_eq!(preview["filename"], "pool.csv");
    assert_eq!(preview["total"], 6);
    assert_eq!(preview["valid"], 2);
    let errors: Vec<(i64, Option<&str>)> = preview["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str()))
        .collect();
    assert_eq!(errors, vec![(3, Some("followers")), (4, Some("owner"))]);
    let dups: Vec<(i64, Value, Value)> = preview["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["row"].as_i64().unwrap(), d["existing_name"].clone(), d["same_as_row"].clone()))
        .collect();
    assert_eq!(dups, vec![(5, json!("Di Eng"), Value::Null), (6, Value::Null, json!(2))]);
    // Nothing is written by a preview.
    assert_eq!(card_count(&maya, campaign).await, before);

    let import_id = preview["import_id"].as_i64().unwrap();
    let apply = |mode: &'static str| {
        let jordan = &jordan;
        async move { jordan.post(&path(campaign, &format!("/imports/{import_id}/apply")), json!({ "mode": mode })).await }
    };
    // "All" is refused whole while any row is bad: nothing is half-applied.
    let all = apply("all").await;
    assert_eq!((all.status, all.body["field"].as_str()), (422, Some("mode")));
    assert!(all.body["message"].as_str().unwrap().contains("row 3, column followers"), "{}", all.body);
    assert_eq!(card_count(&maya, campaign).await, before);
    // Only the valid rows.
    let done = apply("valid_only").await.ok();
    assert_eq!((done["imported"].as_i64(), done["skipped"].as_i64()), (Some(2), Some(4)));
    let board = maya.get(&path(campaign, "/board")).await.ok();
    let cards = board["cards"].as_array().unwrap();
    assert_eq!(cards.len(), before + 2);
    let ava = cards.iter().find(|c| c["handle"] == "ava").unwrap();
    assert_eq!(
        (ava["owner"]["name"].as_str(), ava["stage"].as_str(), ava["engagements"].as_i64()),
        (Some("Brightline"), Some("contacted"), Some(300))
    );
    let fa = cards.iter().find(|c| c["handle"] == "fa").unwrap();
    assert_eq!((fa["followers"].as_i64(), fa["owner_person"].as_str()), (Some(2500), Some("Jordan Reyes")));
    // Applying again is idempotent.
    let again = apply("valid_only").await.ok();
    assert_eq!(again, done);
    assert_eq!(card_count(&maya, campaign).await, before + 2);
    // One event for the whole file, with the cards for a small one.
    let events = maya.get(&path(campaign, "/events")).await.ok();
    let last = events["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["kind"].as_str(), last["data"]["count"].as_i64()), (Some("creators_imported"), Some(2)));
    assert_eq!(last["data"]["cards"].as_array().unwrap().len(), 2);
    // The import history names the file and row.
    let id = ava["id"].as_i64().unwrap();
    let detail = maya.get(&path(campaign, &format!("/creators/{id}/detail"))).await.ok();
    assert_eq!(detail["history"][0]["text"], "Imported from pool.csv, row 2");

    // "Import nothing": a discarded file cannot be applied.
    let second = jordan
        .post_text(&path(campaign, "/imports?filename=more.csv"), "name,platform,handle\nGi Ho,x,giho\n")
        .await
        .ok();
    let sid = second["import_id"].as_i64().unwrap();
    let d = jordan.send(reqwest::Method::DELETE, &path(campaign, &format!("/imports/{sid}")), None, &[]).await;
    assert_eq!(d.status, 204);
    let r = jordan.post(&path(campaign, &format!("/imports/{sid}/apply")), json!({ "mode": "all" })).await;
    assert_eq!(r.status, 422);
    // Only the uploader applies their file.
    let third = jordan.post_text(&path(campaign, "/imports"), "name,platform,handle\nGi Ho,x,giho\n").await.ok();
    let tid = third["import_id"].as_i64().unwrap();
    let r = maya.post(&path(campaign, &format!("/imports/{tid}/apply")), json!({ "mode": "all" })).await;
    assert_eq!(r.status, 403);
    assert_eq!(card_count(&maya, campaign).await, before + 2);
    // A file with no usable header is refused as a whole, naming row 1.
    let bad = jordan.post_text(&path(campaign, "/imports"), "who,what\nx,y\n").await.ok();
    assert_eq!((bad["valid"].as_i64(), bad["errors"][0]["row"].as_i64()), (Some(0), Some(1)));
    assert!(bad["errors"][0]["message"].as_str().unwrap().contains("Missing columns: name, platform, handle"));
}

async fn an_import_rechecks_the_pool_and_never_half_applies(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, id: campaign, .. } = two_partners(&app).await;
    let file = "name,platform,handle\nAva Chen,instagram,ava\nBo Li,tiktok,bo\nCy Diaz,youtube,cy\n";
    let preview = jordan.post_text(&path(campaign, "/imports?filename=p.csv"), file).await.ok();
    assert_eq!((preview["valid"].as_i64(), preview["errors"].as_array().unwrap().len()), (Some(3), 0));
    let import_id = preview["import_id"].as_i64().unwrap();
    // Meanwhile another partner adds one of those creators.
    maya.post(&path(campaign, "/creators"), json!({ "name": "Bo Li", "platform": "tiktok", "handle": "BO" }))
        .await
        .ok();
    // "All" now fails whole, naming the row; nothing of the file is in the pool.
    let r = jordan.post(&path(campaign, &format!("/imports/{import_id}/apply")), json!({ "mode": "all" })).await;
    assert_eq!(r.status, 422);
    assert!(r.body["message"].as_str().unwrap().contains("row 3 is a duplicate of @bo on tiktok"), "{}", r.body);
    assert_eq!(card_count(&maya, campaign).await, 1);
    // The valid rows still import.
    let done = jordan
        .post(&path(campaign, &format!("/imports/{import_id}/apply")), json!({ "mode": "valid_only" }))
        .await
        .ok();
    assert_eq!(done["imported"], 2);
    assert_eq!(card_count(&maya, campaign).await, 3);
}

async fn outsiders_cannot_touch_the_pool(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, olga, id: campaign } = two_partners(&app).await;
    let card = maya.add_creator(campaign, "Ava Chen", "ava").await;
    let id = card["id"].as_i64().unwrap();
    let preview = jordan.post_text(&path(campaign, "/imports"), "name,platform,handle\nBo,x,bo\n").await.ok();
    let import_id = preview["import_id"].as_i64().unwrap();
    let olga_org = olga.get("/api/v1/me").await.ok()["org"]["id"].as_i64().unwrap();
    let attempts = [
        olga.get(&path(campaign, &format!("/creators/{id}/detail"))).await,
        olga.put(&path(campaign, &format!("/creators/{id}/owner")), json!({ "org_id": olga_org, "version": 1 })).await,
        olga.put(&path(campaign, &format!("/creators/{id}/next-action")), json!({ "text": "x", "version": 1 })).await,
        olga.post(&path(campaign, &format!("/creators/{id}/notes")), json!({ "text": "hi" })).await,
        olga.post(&path(campaign, &format!("/creators/{id}/handles")), json!({ "platform": "x", "handle": "olga" }))
            .await,
        olga.post(&path(campaign, &format!("/creators/{id}/merge")), json!({ "from_id": id })).await,
        olga.get(&path(campaign, "/creators.csv")).await,
        olga.post_text(&path(campaign, "/imports"), "name,platform,handle\nBo,x,bo\n").await,
        olga.post(&path(campaign, &format!("/imports/{import_id}/apply")), json!({ "mode": "all" })).await,
        olga.send(reqwest::Method::DELETE, &path(campaign, &format!("/imports/{import_id}")), None, &[]).await,
    ];
    for (i, r) in attempts.iter().enumerate() {
        assert_eq!((r.status, r.code()), (404, "not_found"), "attempt {i}: {}", r.body);
    }
    // A creator of another campaign cannot be reached through this one.
    let other_campaign = olga.create_campaign("Elsewhere").await;
    let theirs = olga.add_creator(other_campaign, "Zed", "zed").await;
    let zid = theirs["id"].as_i64().unwrap();
    assert_eq!(maya.get(&path(campaign, &format!("/creators/{zid}/detail"))).await.status, 404);
    let r = maya.post(&path(campaign, &format!("/creators/{id}/merge")), json!({ "from_id": zid })).await;
    assert_eq!(r.status, 404);
    assert_eq!(olga.get(&path(other_campaign, "/board")).await.ok()["cards"].as_array().unwrap().len(), 1);
    // Anonymous callers are asked to sign in.
    assert_eq!(app.client().get(&path(campaign, "/creators.csv")).await.status, 401);
}

async fn export_has_the_computed_columns(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, id: campaign, .. } = two_partners(&app).await;
    maya.post(
        &path(campaign, "/creators"),
        json!({ "name": "Ava, \"the\" Chen", "platform": "instagram", "handle": "ava", "followers": 600000,
                "avg_reach": 100000, "avg_likes": 3000, "next_action": "=HYPERLINK(\"x\")" }),
    )
    .await
    .ok();
    let r = maya.get(&path(campaign, "/creators.csv")).await;
    assert_eq!(r.status, 200);
    let text = r.body.as_str().unwrap().to_string();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("name,platform,handle,followers,avg_reach,"), "{header}");
    assert!(header.contains("er_by_followers_pct,er_by_reach_pct,tier,follower_tier,below_tier_minimum"), "{header}");
    let row = lines.next().unwrap();
    // Quoted name, formula defused, 3,000 / 600,000 = 0.50 % by followers, 3.00 % by reach; macro's
    // minimum is 1 %, so flagged, and no smaller tier's minimum is met either.
    assert!(row.starts_with("\"Ava, \"\"the\"\" Chen\",instagram,ava,600000,100000,3000,"), "{row}");
    assert!(row.contains(",3000,0.50,3.00,,macro,yes,"), "{row}");
    assert!(row.contains("'=HYPERLINK"), "{row}");
    // The export imports back as duplicates (the same people), not as new records.
    let back = maya.post_text(&path(campaign, "/imports?filename=export.csv"), &text).await.ok();
    assert_eq!((back["valid"].as_i64(), back["duplicates"].as_array().unwrap().len()), (Some(0), 1));
}

async fn partners_see_an_import_arrive_live(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, id: campaign, .. } = two_partners(&app).await;
    let mut ws = ws_connect(&app, &maya, None).await.unwrap();
    let head = maya.get(&path(campaign, "/events")).await.ok()["head"].as_i64().unwrap();
    let subscribed = ws_subscribe(&mut ws, campaign, head).await;
    assert_eq!(subscribed["type"], "subscribed");
    let preview = jordan
        .post_text(&path(campaign, "/imports?filename=live.csv"), "name,platform,handle\nAva,x,ava\nBo,x,bo\n")
        .await
        .ok();
    let import_id = preview["import_id"].as_i64().unwrap();
    jordan.post(&path(campaign, &format!("/imports/{import_id}/apply")), json!({ "mode": "all" })).await.ok();
    // Progress messages (not logged) and then the one event, with both cards.
    let mut saw_progress = false;
    let event = loop {
        let msg = ws_next(&mut ws, Duration::from_secs(5)).await.expect("a message");
        match msg["type"].as_str() {
            Some("progress") => {
                assert_eq!(msg["job"], format!("import:{import_id}"));
                assert_eq!(msg["by"], "Jordan Reyes");
                saw_progress = true;
            }
            Some("event") => break msg["event"].clone(),
            _ => {}
        }
    };
    assert!(saw_progress);
    assert_eq!(event["kind"], "creators_imported");
    assert_eq!(event["actor"]["org_name"], "Brightline");
    let names: Vec<&str> =
        event["data"]["cards"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Ava", "Bo"]);
}

async fn ten_thousand_rows_import_in_one_go(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { jordan, id: campaign, .. } = two_partners(&app).await;
    let mut file = String::from("name,platform,handle,followers,avg_likes,avg_comments,lane\n");
    for i in 0..10_000 {
        file.push_str(&format!(
            "Creator {i},{},handle{i},{},{},{},{}\n",
            ["instagram", "tiktok", "youtube"][i % 3],
            1000 + i * 37,
            i % 900,
            i % 40,
            if i % 4 == 0 { "ugc" } else { "influencer" }
        ));
    }
    let preview = jordan.post_text(&path(campaign, "/imports?filename=big.csv"), &file).await.ok();
    assert_eq!((preview["total"].as_i64(), preview["valid"].as_i64()), (Some(10_000), Some(10_000)));
    let import_id = preview["import_id"].as_i64().unwrap();
    let done =
        jordan.post(&path(campaign, &format!("/imports/{import_id}/apply")), json!({ "mode": "all" })).await.ok();
    assert_eq!(done["imported"], 10_000);
    assert_eq!(card_count(&jordan, campaign).await, 10_000);
    // The event carries the count only; clients reload.
    let events = jordan.get(&path(campaign, "/events")).await.ok();
    let last = events["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["data"]["count"].as_i64(), last["data"]["cards"].is_null()), (Some(10_000), true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_detail_links_the_creators_own_account() {
    let app = spawn_app(DbKind::Sqlite).await;
    let TwoPartners { maya, id: campaign, .. } = two_partners(&app).await;
    let card = maya.add_creator(campaign, "Ava Chen", "ava").await;
    let id = card["id"].as_i64().unwrap();
    assert_eq!(maya.get(&path(campaign, &format!("/creators/{id}/detail"))).await.ok()["account"], Value::Null);
    // The creator signs up through the form the invitation page shows.
    creator_signup(&app, &maya, campaign, id, "Ava Chen", "ava@creators.example").await;
    let detail = maya.get(&path(campaign, &format!("/creators/{id}/detail"))).await.ok();
    assert_eq!(detail["account"], json!(["Ava Chen", "ava@creators.example"]));
}
