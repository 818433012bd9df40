//! Content lanes through the API and real WebSockets, on SQLite and PostgreSQL: briefing, resumable uploads
//! checked by content, rounds and reviews by the matrix's reviewer, live decisions on the creator's portal,
//! review clocks that escalate once, the outbox and SMTP, and every refusal a creator or a stranger meets.
use std::time::Duration;

use crate::common::*;
use serde_json::{json, Value};

on_both_databases!(
    a_draft_goes_from_phone_to_approved_with_rounds,
    uploads_are_checked_by_content_and_resume,
    creators_and_strangers_see_only_what_is_theirs,
    a_late_review_escalates_once_and_mails_the_owner,
    lanes_keep_their_own_settings,
);

fn path(id: i64, rest: &str) -> String {
    format!("/api/v1/campaigns/{id}{rest}")
}

/// A real PNG of the given size.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Uploads a whole file in chunks; returns the upload id.
async fn upload(c: &Client, id: i64, deliverable: i64, name: &str, bytes: &[u8], chunk: usize) -> String {
    let start = c
        .post(
            &path(id, &format!("/deliverables/{deliverable}/uploads")),
            json!({ "file_name": name, "size": bytes.len(), "client_key": format!("k-{name}") }),
        )
        .await
        .ok();
    let upload = start["id"].as_str().unwrap().to_string();
    let mut offset = 0;
    while offset < bytes.len() {
        let end = (offset + chunk).min(bytes.len());
        let state = c.put_bytes(&upload, offset, &bytes[offset..end]).await.ok();
        offset = state["received"].as_u64().unwrap() as usize;
    }
    upload
}

async fn deliverable(c: &Client, id: i64, creator_id: i64, lane: &str, title: &str) -> Value {
    c.post(&path(id, "/deliverables"), json!({ "creator_id": creator_id, "lane": lane, "title": title, "expectations": "A 20-second clip", "due_date": "2027-03-10", "fee_cents": 50000 }))
        .await
        .ok()
}

/// The next `portal` nudge on a creator's socket (or None after `wait` of silence).
async fn next_portal(ws: &mut Ws, wait: Duration) -> Option<Value> {
    loop {
        match ws_next(ws, wait).await {
            Some(v) if v["type"] == "portal" => return Some(v),
            Some(v) if v["type"] == "event" || v["type"] == "presence" || v["type"] == "progress" => {
                panic!("a creator's socket carried a partner message: {v}")
            }
            Some(_) => continue,
            None => return None,
        }
    }
}

async fn a_draft_goes_from_phone_to_approved_with_rounds(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (ava, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let mut ava_ws = ws_connect(&app, &ava, None).await.unwrap();
    assert_eq!(ws_subscribe(&mut ava_ws, s.id, 0).await["type"], "subscribed");
    let mut maya_ws = ws_connect(&app, &s.maya, None).await.unwrap();
    subscribe_now(&mut maya_ws, s.id).await;

    // Jordan briefs Ava for a UGC asset: the reviewer is Lena (the matrix's UGC line), shown on the deliverable.
    let d = deliverable(&s.jordan, s.id, ava_id, "ugc", "Trail test clip").await;
    let did = d["id"].as_i64().unwrap();
    assert_eq!(d["status"], "awaiting_draft");
    assert_eq!(d["reviewer"]["label"], "Lena Vogt (Studio Kin)");
    assert!(next_portal(&mut ava_ws, Duration::from_secs(5)).await.unwrap()["text"]
        .as_str()
        .unwrap()
        .contains("briefed Ava Chen"));

    // Her portal: the deliverable, its lane's criteria and SLA, Jordan as the one contact.
    let portal = ava.get(&path(s.id, "/portal")).await.ok();
    assert_eq!(portal["contact"], "Jordan Reyes (Brightline)");
    assert_eq!(portal["lanes"][0]["criteria"][0], "Product in the first 3 seconds");
    assert_eq!(portal["lanes"][0]["sla_hours"], 24);
    assert_eq!(portal["deliverables"][0]["fee_cents"], 50000);

    // v1: a real PNG in small chunks, with a preview made.
    let image = png(1200, 800);
    let up = upload(&ava, s.id, did, "first.png", &image, 64 * 1024).await;
    let v1 = ava
        .post_with(
            &path(s.id, &format!("/deliverables/{did}/submissions")),
            json!({ "caption": "Rain test on the ridge\n#ad", "uploads": [up] }),
            &[("idempotency-key", "sub-1")],
        )
        .await;
    assert_eq!(v1.status, 201, "{}", v1.body);
    // A retried submission (same key) applies once.
    let again = ava
        .post_with(
            &path(s.id, &format!("/deliverables/{did}/submissions")),
            json!({ "caption": "Rain test on the ridge\n#ad", "uploads": [up] }),
            &[("idempotency-key", "sub-1")],
        )
        .await
        .ok();
    assert_eq!(again["rounds"].as_array().unwrap().len(), 1);
    assert_eq!(again["status"], "in_review");
    let events = ws_events(&mut maya_ws, 2, Duration::from_secs(5)).await;
    assert!(
        events.iter().any(|e| e["kind"] == "deliverable_changed" && e["data"]["status"] == "in_review"),
        "partners see the round arrive: {events:?}"
    );

    // The file and its preview reach partners, with safe headers; the preview fits 480 px.
    let file = s
        .lena
        .http
        .get(format!("{}/files/{up}", app.base))
        .header("cookie", s.lena.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_eq!(file.headers()["x-content-type-options"], "nosniff");
    assert!(file.headers()["content-disposition"].to_str().unwrap().starts_with("inline"));
    assert_eq!(file.bytes().await.unwrap().len(), image.len());
    let thumb = s
        .lena
        .http
        .get(format!("{}/files/{up}/thumb", app.base))
        .header("cookie", s.lena.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    let download = s
        .lena
        .http
        .get(format!("{}/files/{up}?download=1", app.base))
        .header("cookie", s.lena.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"first.png\""));

    // Only the matrix's reviewer (her organization) or the accountable owner decides: Jordan may not.
    let jordan_try = s
        .jordan
        .post(
            &path(s.id, &format!("/deliverables/{did}/review")),
            json!({ "round": 1, "decision": "approved", "version": 2 }),
        )
        .await;
    assert_eq!(jordan_try.status, 403, "{}", jordan_try.body);
    assert!(jordan_try.body["message"].as_str().unwrap().contains("Lena Vogt"));
    // Changes need feedback.
    let bare = s
        .lena
        .post(
            &path(s.id, &format!("/deliverables/{did}/review")),
            json!({ "round": 1, "decision": "changes_requested", "version": 2 }),
        )
        .await;
    assert_eq!((bare.status, bare.body["field"].as_str()), (422, Some("feedback")));
    let review = s
        .lena
        .post(&path(s.id, &format!("/deliverables/{did}/review")), json!({ "round": 1, "decision": "changes_requested", "feedback": "Show the jacket in the first 3 seconds", "criteria": [false, true], "version": 2 }))
        .await
        .ok();
    assert_eq!(review["status"], "changes_requested");
    assert_eq!(review["rounds"][0]["criteria"][0], json!({ "text": "Product in the first 3 seconds", "met": false }));
    // A second reviewer working from the same (now stale) version is refused, not silently applied.
    let stale = s
        .maya
        .post(
            &path(s.id, &format!("/deliverables/{did}/review")),
            json!({ "round": 1, "decision": "approved", "version": 2 }),
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);

    // Ava sees the decision live, with the feedback, and internal notes never reach her.
    // (Her own round's nudge came first.)
    let own = next_portal(&mut ava_ws, Duration::from_secs(5)).await.unwrap();
    assert!(own["text"].as_str().unwrap().contains("submitted v1"), "{own}");
    let nudge = next_portal(&mut ava_ws, Duration::from_secs(5)).await.unwrap();
    assert!(nudge["text"].as_str().unwrap().contains("Lena Vogt (Studio Kin) requested changes to v1"), "{nudge}");
    s.maya
        .post(
            &path(s.id, &format!("/deliverables/{did}/comments")),
            json!({ "body": "Fee is high for UGC; keep an eye", "internal": true }),
        )
        .await
        .ok();
    s.lena
        .post(
            &path(s.id, &format!("/deliverables/{did}/comments")),
            json!({ "body": "Nearly there!", "internal": false }),
        )
        .await
        .ok();
    let next = next_portal(&mut ava_ws, Duration::from_secs(5)).await.unwrap();
    assert!(next["text"].as_str().unwrap().contains("commented"), "only the public comment nudges: {next}");
    let mine = ava.get(&path(s.id, &format!("/deliverables/{did}"))).await.ok();
    assert_eq!(mine["rounds"][0]["feedback"], "Show the jacket in the first 3 seconds");
    let comments: Vec<&str> =
        mine["comments"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
    assert_eq!(comments, ["Nearly there!"]);
    let partners_view = s.jordan.get(&path(s.id, &format!("/deliverables/{did}"))).await.ok();
    assert_eq!(partners_view["comments"].as_array().unwrap().len(), 2);

    // v2 with a new caption: the difference between rounds is shown.
    let up2 = upload(&ava, s.id, did, "second.png", &png(400, 300), 1 << 20).await;
    let v2 = ava
        .post(
            &path(s.id, &format!("/deliverables/{did}/submissions")),
            json!({ "caption": "Jacket first, then the ridge\n#ad", "uploads": [up2] }),
        )
        .await
        .ok();
    assert_eq!(v2["rounds"][1]["round"], 2);
    let diff = &v2["rounds"][1]["caption_diff"];
    assert!(diff.as_array().unwrap().iter().any(|l| l["change"] == "removed" && l["text"] == "Rain test on the ridge"));
    assert!(diff
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["change"] == "added" && l["text"] == "Jacket first, then the ridge"));
    assert!(diff.as_array().unwrap().iter().any(|l| l["change"] == "same" && l["text"] == "#ad"));
    // While in review she cannot send another.
    let early = ava
        .post(&path(s.id, &format!("/deliverables/{did}/submissions")), json!({ "link": "https://example.com/x" }))
        .await;
    assert_eq!(early.status, 409);

    // Maya, the accountable owner, approves; payout moves to approved then paid.
    let version = s.maya.get(&path(s.id, &format!("/deliverables/{did}"))).await.ok()["version"].as_i64().unwrap();
    let approved = s
        .maya
        .post(
            &path(s.id, &format!("/deliverables/{did}/review")),
            json!({ "round": 2, "decision": "approved", "criteria": [true, true], "version": version }),
        )
        .await
        .ok();
    assert_eq!(approved["status"], "approved");
    // Approved with a fee, the payout is a line of the payout ledger: the deliverable's status alone no longer
    // changes it (one truth), the ledger does, and the status follows.
    let direct = s
        .maya
        .put(
            &path(s.id, &format!("/deliverables/{did}/payout")),
            json!({ "payout": "paid", "version": approved["version"] }),
        )
        .await;
    assert_eq!((direct.status, direct.body["field"].as_str()), (422, Some("payout")), "{}", direct.body);
    let ledger = s.maya.get(&path(s.id, "/payouts")).await.ok();
    let line = ledger["lines"].as_array().unwrap().iter().find(|l| l["deliverable_id"] == did).unwrap().clone();
    let state = |state: &str, version: &Value, reference: &str| json!({ "state": state, "version": version, "reference": reference, "note": "Not the agreed fee" });
    let line_path = path(s.id, &format!("/payouts/{}/state", line["id"]));
    let approved_line = s.maya.put(&line_path, state("approved", &line["version"], "")).await.ok();
    let paid = s.maya.put(&line_path, state("paid", &approved_line["version"], "ACH 118")).await.ok();
    assert_eq!(paid["state"], "paid");
    let stale_pay = s.jordan.put(&line_path, state("disputed", &approved_line["version"], "")).await;
    assert_eq!(stale_pay.status, 409, "{}", stale_pay.body);
    let portal = ava.get(&path(s.id, "/portal")).await.ok();
    assert_eq!(
        (portal["deliverables"][0]["status"].as_str(), portal["deliverables"][0]["payout"].as_str()),
        (Some("approved"), Some("paid"))
    );

    // Turnaround: one UGC asset, two rounds, both decided within the SLA.
    let view = s.jordan.get(&path(s.id, "/content")).await.ok();
    let ugc = view["turnaround"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["lane"] == "ugc" && t["partner"].is_null())
        .unwrap()
        .clone();
    assert_eq!(
        (ugc["reviewed"].as_i64(), ugc["rounds_per_asset"].as_f64(), ugc["within_sla_pct"].as_f64()),
        (Some(2), Some(2.0), Some(100.0))
    );
    let brightline = view["turnaround"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["lane"] == "ugc" && t["partner"]["name"] == "Brightline")
        .unwrap()
        .clone();
    assert_eq!(brightline["reviewed"], 2, "the partner owning Ava's relationship");
}

async fn uploads_are_checked_by_content_and_resume(kind: DbKind) {
    let app = spawn_on(&fresh_database(kind).await, |c| c.max_upload_mb = 1).await;
    let s = three_partners(&app).await;
    let (ava, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let did = deliverable(&s.jordan, s.id, ava_id, "ugc", "Clip").await["id"].as_i64().unwrap();
    let start = |name: &str, size: usize, key: &str| {
        let ava = ava.clone();
        let (name, key) = (name.to_string(), key.to_string());
        async move {
            ava.post(
                &path(s.id, &format!("/deliverables/{did}/uploads")),
                json!({ "file_name": name, "size": size, "client_key": key }),
            )
            .await
        }
    };

    // Oversized: refused before a byte is sent, naming both sizes.
    let big = start("huge.mp4", 5 * 1024 * 1024, "big").await;
    assert_eq!((big.status, big.body["field"].as_str()), (422, Some("size")));
    assert!(big.body["message"].as_str().unwrap().contains("MB"), "{}", big.body);

    // A PDF named like a photo: refused on its first chunk, by content.
    let pdf =
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
            .to_vec();
    let up = start("holiday.jpg", pdf.len(), "pdf").await.ok();
    let refused = ava.put_bytes(up["id"].as_str().unwrap(), 0, &pdf).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body["message"].as_str().unwrap().contains("PDF"), "{}", refused.body);
    assert_eq!(ava.get(&format!("/api/v1/uploads/{}", up["id"].as_str().unwrap())).await.ok()["status"], "failed");

    // A truncated PNG (the connection dropped, and the rest never came): refused as a whole once "complete".
    let image = png(300, 200);
    let cut = &image[..image.len() - 40];
    let up = start("cut.png", cut.len(), "cut").await.ok();
    let r = ava.put_bytes(up["id"].as_str().unwrap(), 0, cut).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["field"], "file");

    // Resuming on a flaky connection: chunk 2 "lost", chunk 3 sent too early → 409 with where to continue;
    // chunk 1 retried → answered, not appended twice; starting again with the same client key resumes.
    let image = png(600, 400);
    let first = start("good.png", image.len(), "good").await.ok();
    let id = first["id"].as_str().unwrap().to_string();
    let chunk = image.len() / 3 + 1;
    assert_eq!(ava.put_bytes(&id, 0, &image[..chunk]).await.ok()["received"], chunk);
    let early = ava.put_bytes(&id, 2 * chunk, &image[2 * chunk..]).await;
    assert_eq!(early.status, 409);
    assert_eq!(early.body["current"]["received"], chunk);
    assert_eq!(
        ava.put_bytes(&id, 0, &image[..chunk]).await.ok()["received"],
        chunk,
        "a retried chunk is not stored twice"
    );
    let resumed = start("good.png", image.len(), "good").await;
    assert_eq!(
        (resumed.body["id"].as_str(), resumed.body["received"].as_u64()),
        (Some(id.as_str()), Some(chunk as u64))
    );
    ava.put_bytes(&id, chunk, &image[chunk..2 * chunk]).await.ok();
    let done = ava.put_bytes(&id, 2 * chunk, &image[2 * chunk..]).await.ok();
    assert_eq!((done["status"].as_str(), done["kind"].as_str()), (Some("complete"), Some("png")));
    // The same key for another file is refused.
    assert_eq!(start("other.png", 10, "good").await.body["field"], "client_key");

    // A submission may only use finished uploads of this deliverable, and needs a file or a link.
    let empty = ava.post(&path(s.id, &format!("/deliverables/{did}/submissions")), json!({ "caption": "x" })).await;
    assert_eq!((empty.status, empty.body["field"].as_str()), (422, Some("uploads")));
    let bad_link = ava
        .post(&path(s.id, &format!("/deliverables/{did}/submissions")), json!({ "link": "javascript:alert(1)" }))
        .await;
    assert_eq!(bad_link.body["field"], "link");
    let failed =
        ava.post(&path(s.id, &format!("/deliverables/{did}/submissions")), json!({ "uploads": [up["id"]] })).await;
    assert_eq!(failed.body["field"], "uploads[0]");
    ava.post(&path(s.id, &format!("/deliverables/{did}/submissions")), json!({ "uploads": [id] })).await.ok();
}

async fn creators_and_strangers_see_only_what_is_theirs(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (ava, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let (ben, ben_id) = creator_account(&app, &s.jordan, s.id, "Ben Ortiz", "ben@creator.example").await;
    let ava_d = deliverable(&s.jordan, s.id, ava_id, "influencer", "Ava's post").await["id"].as_i64().unwrap();
    let ben_d = deliverable(&s.jordan, s.id, ben_id, "ugc", "Ben's clip").await["id"].as_i64().unwrap();
    let up = upload(&ava, s.id, ava_d, "a.png", &png(64, 64), 1 << 20).await;
    ava.post(&path(s.id, &format!("/deliverables/{ava_d}/submissions")), json!({ "uploads": [up], "caption": "hi" }))
        .await
        .ok();

    // Ben: his own deliverable only; Ava's deliverable, file and upload are "not found"; no fees but his.
    let portal = ben.get(&path(s.id, "/portal")).await.ok();
    let ds = portal["deliverables"].as_array().unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0]["id"], ben_d);
    assert!(!portal.to_string().contains("Ava"), "nothing of Ava's reaches Ben: {portal}");
    assert_eq!(ben.get(&path(s.id, &format!("/deliverables/{ava_d}"))).await.status, 404);
    let file = ben
        .http
        .get(format!("{}/files/{up}", app.base))
        .header("cookie", ben.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 404);
    assert_eq!(ben.get(&format!("/api/v1/uploads/{up}")).await.status, 404);
    assert_eq!(
        ben.post(&path(s.id, &format!("/deliverables/{ava_d}/submissions")), json!({ "link": "https://x.example" }))
            .await
            .status,
        404
    );
    assert_eq!(
        ben.post(
            &path(s.id, &format!("/deliverables/{ava_d}/uploads")),
            json!({ "file_name": "x.png", "size": 10, "client_key": "x" })
        )
        .await
        .status,
        404
    );
    assert_eq!(
        ben.post(&path(s.id, &format!("/deliverables/{ava_d}/comments")), json!({ "body": "hi" })).await.status,
        404
    );

    // Creators reach no partner page or partner endpoint.
    for p in ["/content", "/board", "/escalations", "/outbox", "/charter"] {
        assert_eq!(ava.get(&path(s.id, p)).await.status, 404, "{p}");
    }
    assert_eq!(ava.post(&path(s.id, "/deliverables"), json!({ "creator_id": ava_id, "title": "x" })).await.status, 404);
    assert_eq!(
        ava.post(
            &path(s.id, &format!("/deliverables/{ava_d}/review")),
            json!({ "round": 1, "decision": "approved", "version": 2 })
        )
        .await
        .status,
        404
    );
    let page = ava
        .http
        .get(format!("{}/campaigns/{}/content", app.base, s.id))
        .header("cookie", ava.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);

    // A stranger organization: not found everywhere, including the file and the portal.
    assert_eq!(s.olga.get(&path(s.id, "/content")).await.status, 404);
    assert_eq!(s.olga.get(&path(s.id, &format!("/deliverables/{ava_d}"))).await.status, 404);
    assert_eq!(s.olga.get(&path(s.id, "/portal")).await.status, 404);
    let file = s
        .olga
        .http
        .get(format!("{}/files/{up}", app.base))
        .header("cookie", s.olga.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 404);
    let anonymous = reqwest::get(format!("{}/files/{up}", app.base)).await.unwrap();
    assert_eq!(anonymous.status(), 404);
    assert_eq!(
        s.olga.post(&path(s.id, "/deliverables"), json!({ "creator_id": ava_id, "title": "x" })).await.status,
        404
    );

    // On the socket, Ben hears nothing of Ava's round, a partner's card move or an internal note.
    let mut ben_ws = ws_connect(&app, &ben, None).await.unwrap();
    assert_eq!(ws_subscribe(&mut ben_ws, s.id, 0).await["type"], "subscribed");
    let mut olga_ws = ws_connect(&app, &s.olga, None).await.unwrap();
    assert_eq!(ws_subscribe(&mut olga_ws, s.id, 0).await["type"], "error");
    let card = s.jordan.get(&path(s.id, &format!("/creators/{ava_id}"))).await.ok();
    s.jordan.move_card(s.id, ava_id, "negotiating", card["version"].as_i64().unwrap()).await.ok();
    s.maya
        .post(
            &path(s.id, &format!("/deliverables/{ben_d}/comments")),
            json!({ "body": "internal only", "internal": true }),
        )
        .await
        .ok();
    s.maya
        .post(&path(s.id, &format!("/deliverables/{ava_d}/comments")), json!({ "body": "to Ava", "internal": false }))
        .await
        .ok();
    assert!(next_portal(&mut ben_ws, Duration::from_millis(800)).await.is_none());
    // Something addressed to Ben does arrive.
    s.maya
        .post(
            &path(s.id, &format!("/deliverables/{ben_d}/comments")),
            json!({ "body": "Hello Ben", "internal": false }),
        )
        .await
        .ok();
    assert!(next_portal(&mut ben_ws, Duration::from_secs(5)).await.is_some());
}

async fn a_late_review_escalates_once_and_mails_the_owner(kind: DbKind) {
    let app = spawn_on(&fresh_database(kind).await, |c| c.clock_seconds = 3600).await;
    let s = three_partners(&app).await;
    let (ava, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    // Influencer lane: SLA of 2 hours.
    s.jordan.put(&path(s.id, "/lanes/influencer"), json!({ "lane": "influencer", "brief": "Real trails", "sla_hours": 2, "budget_cents": 1000000, "default_fee_cents": 40000, "version": 0 })).await.ok();
    let did = deliverable(&s.jordan, s.id, ava_id, "influencer", "Launch post").await["id"].as_i64().unwrap();
    ava.post(
        &path(s.id, &format!("/deliverables/{did}/submissions")),
        json!({ "link": "https://instagram.example/p/draft", "caption": "#ad Out now" }),
    )
    .await
    .ok();
    let pending = s.jordan.get(&path(s.id, &format!("/deliverables/{did}"))).await.ok();
    let due: chrono::DateTime<chrono::Utc> = pending["rounds"][0]["review_due_at"].as_str().unwrap().parse().unwrap();
    let submitted: chrono::DateTime<chrono::Utc> =
        pending["rounds"][0]["submitted_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(due - submitted, chrono::Duration::hours(2));

    let mut lena_ws = ws_connect(&app, &s.lena, None).await.unwrap();
    subscribe_now(&mut lena_ws, s.id).await;
    let db = &app.running.state.db;
    // Before the deadline: nothing. After it: one escalation, however often the clock is checked.
    assert_eq!(app::content::ssr::scan_review_breaches(db, due - chrono::Duration::minutes(1)).await.unwrap(), 0);
    assert_eq!(app::content::ssr::scan_review_breaches(db, due + chrono::Duration::minutes(5)).await.unwrap(), 1);
    assert_eq!(app::content::ssr::scan_review_breaches(db, due + chrono::Duration::minutes(10)).await.unwrap(), 0);
    let (a, b) = tokio::join!(
        app::content::ssr::scan_review_breaches(db, due + chrono::Duration::minutes(20)),
        app::content::ssr::scan_review_breaches(db, due + chrono::Duration::minutes(20))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 0);

    // Every partner sees it live: assigned to Jordan, who is accountable for influencer relations.
    let raised = ws_events(&mut lena_ws, 1, Duration::from_secs(5)).await;
    assert_eq!(raised[0]["kind"], "escalation_raised");
    assert_eq!(raised[0]["data"]["escalation"]["assignee"], "Jordan Reyes");
    let list = s.maya.get(&path(s.id, "/escalations")).await.ok();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["deliverable_id"], did);
    assert!(list[0]["title"].as_str().unwrap().contains("past its 2 h SLA"));
    // Its times in the one format of every page, with the zone ("4 Dec 14:05 UTC"), not a weekday or ISO date.
    let detail = list[0]["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("review was due {}", app::dates::in_zone(&due, "UTC"))), "{detail}");
    assert!(detail.contains(&format!("Submitted {};", app::dates::in_zone(&submitted, "UTC"))), "{detail}");

    // A mail to Jordan waits in the outbox (no SMTP server configured).
    let outbox = s.maya.get(&path(s.id, "/outbox")).await.ok();
    assert_eq!(outbox.as_array().unwrap().len(), 1);
    assert!(outbox[0]["to"].as_str().unwrap().contains("jordan@brightline.example"));
    assert!(outbox[0]["subject"].as_str().unwrap().contains("Escalation"));
    assert!(outbox[0]["sent_at"].is_null());

    // Acknowledged with a note (version-checked), then the review closes it.
    let ack = s
        .jordan
        .put(
            &path(s.id, &format!("/escalations/{}", list[0]["id"])),
            json!({ "status": "acknowledged", "note": "On it today", "version": list[0]["version"] }),
        )
        .await
        .ok();
    assert_eq!(ack["status"], "acknowledged");
    let stale = s
        .maya
        .put(
            &path(s.id, &format!("/escalations/{}", list[0]["id"])),
            json!({ "status": "resolved", "version": list[0]["version"] }),
        )
        .await;
    assert_eq!(stale.status, 409);
    s.jordan
        .post(
            &path(s.id, &format!("/deliverables/{did}/review")),
            json!({ "round": 1, "decision": "approved", "version": pending["version"] }),
        )
        .await
        .ok();
    let after = s.maya.get(&path(s.id, "/escalations")).await.ok();
    assert_eq!(after[0]["status"], "resolved");
    let view = s.maya.get(&path(s.id, "/content")).await.ok();
    let inf = view["turnaround"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["lane"] == "influencer" && t["partner"].is_null())
        .unwrap()
        .clone();
    assert_eq!(inf["reviewed"], 1);

    // With an SMTP server, the outbox is delivered: a real SMTP server (aiosmtpd, STARTTLS).
    let smtp = crate::mail::Smtp::start(&["--tls", "starttls"]).await;
    let mailer = chorus_server::mail::Mailer::new(&chorus_server::mail::MailSettings {
        smtp_url: Some(format!("smtp://localhost:{}?tls=required", smtp.port)),
        ca_file: Some(smtp.ca()),
        from: "chorus@test.example".into(),
        public_url: app.base.clone(),
        lease: Duration::from_secs(60),
        ..Default::default()
    })
    .unwrap();
    // The escalation, and the decision mailed to Ava (creators get decisions at once).
    assert_eq!(mailer.deliver(db).await, 2);
    let got = smtp.wait_for("jordan@brightline.example", 1).await;
    assert!(got[0]["subject"].as_str().unwrap().starts_with("[Trailhead] Escalation: Review of Ava Chen"), "{got:?}");
    let (text, _) = crate::mail::parts(&got[0]);
    assert!(text.contains(&format!("{}/campaigns/{}/content#deliverable-{did}", app.base, s.id)), "{text}");
    let outbox = s.maya.get(&path(s.id, "/outbox")).await.ok();
    assert!(!outbox[0]["sent_at"].is_null());
}

async fn lanes_keep_their_own_settings(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let view = s.maya.get(&path(s.id, "/content")).await.ok();
    let sla: Vec<i64> = view["lanes"].as_array().unwrap().iter().map(|l| l["sla_hours"].as_i64().unwrap()).collect();
    assert_eq!(sla, [48, 24], "influencer 48 h, UGC 24 h by default");
    assert_eq!(view["lanes"][1]["criteria"][1], "Natural light");
    assert_eq!(view["lanes"][0]["reviewer"]["label"], "Jordan Reyes (Brightline)");

    // Saving is version-checked; two partners editing the same lane do not overwrite each other.
    let saved = s.lena.put(&path(s.id, "/lanes/ugc"), json!({ "lane": "ugc", "brief": "Raw, phone-shot", "sla_hours": 12, "budget_cents": 500000, "default_fee_cents": 25000, "version": 0 })).await.ok();
    assert_eq!((saved["sla_hours"].as_i64(), saved["version"].as_i64()), (Some(12), Some(1)));
    let lost = s.maya.put(&path(s.id, "/lanes/ugc"), json!({ "lane": "ugc", "brief": "Polished", "sla_hours": 48, "budget_cents": 0, "default_fee_cents": 0, "version": 0 })).await;
    assert_eq!(lost.status, 409);
    let bad = s.maya.put(&path(s.id, "/lanes/ugc"), json!({ "lane": "ugc", "brief": "", "sla_hours": 0, "budget_cents": 0, "default_fee_cents": 0, "version": 1 })).await;
    assert_eq!(bad.body["field"], "sla_hours");
    // UGC is its own budget line: a UGC deliverable takes the UGC default fee and counts against UGC only.
    let card = s.jordan.add_creator(s.id, "Cam", "cam").await;
    let d = s
        .jordan
        .post(&path(s.id, "/deliverables"), json!({ "creator_id": card["id"], "title": "Unboxing" }))
        .await
        .ok();
    assert_eq!((d["lane"].as_str(), d["fee_cents"].as_i64()), (Some("ugc"), Some(25000)));
    let view = s.maya.get(&path(s.id, "/content")).await.ok();
    assert_eq!(view["lanes"][1]["committed_cents"], 25000);
    assert_eq!(view["lanes"][0]["committed_cents"], 0);
    // Bad input names its field.
    let r = s.jordan.post(&path(s.id, "/deliverables"), json!({ "creator_id": card["id"], "title": " " })).await;
    assert_eq!(r.body["field"], "title");
    let r = s
        .jordan
        .post(&path(s.id, "/deliverables"), json!({ "creator_id": card["id"], "title": "x", "due_date": "10/03/2027" }))
        .await;
    assert_eq!(r.body["field"], "due_date");
    let r = s.jordan.post(&path(s.id, "/deliverables"), json!({ "creator_id": 999999, "title": "x" })).await;
    assert_eq!(r.body["field"], "creator_id");
    // The campaign's time zone: a real zone or a clear refusal; due days end at midnight there.
    let tz = s.maya.put(&path(s.id, "/time-zone"), json!({ "time_zone": "Mars/Olympus" })).await;
    assert_eq!(tz.body["field"], "time_zone");
    s.maya.put(&path(s.id, "/time-zone"), json!({ "time_zone": "America/New_York" })).await.ok();
    let d = s
        .jordan
        .post(
            &path(s.id, "/deliverables"),
            json!({ "creator_id": card["id"], "title": "Reel", "due_date": "2027-01-15" }),
        )
        .await
        .ok();
    assert_eq!(d["due_at"], "2027-01-16T05:00:00Z");
}
