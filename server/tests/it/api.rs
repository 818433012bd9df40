//! The JSON API and the pages, against a real server on SQLite and on PostgreSQL.
use crate::common::*;
use serde_json::json;

on_both_databases!(
    accounts_sign_up_in_and_out,
    outsiders_get_not_found_everywhere,
    stale_version_is_a_conflict_not_an_overwrite,
    retried_mutation_applies_once,
    api_tokens_act_for_the_organization_until_revoked,
    bad_input_names_the_field,
    invitations_are_single_use,
    creators_see_only_their_own,
);

async fn accounts_sign_up_in_and_out(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut maya = app.client();
    let me = maya.sign_up("Maya Lind", "Maya@Northwind.example", "Northwind").await;
    assert_eq!(me["email"], "maya@northwind.example");
    assert_eq!(me["org"]["name"], "Northwind");
    let first_cookie = maya.cookie.clone().unwrap();
    assert!(first_cookie.starts_with("chorus_session="));

    // Duplicate email.
    let dup = app
        .client()
        .post(
            "/api/v1/auth/signup",
            json!({ "name": "X", "email": "maya@northwind.example", "password": "12345678", "org_name": "Y" }),
        )
        .await;
    assert_eq!((dup.status, dup.code(), dup.body["field"].as_str()), (422, "validation", Some("email")));

    // Wrong password: one answer for unknown email and wrong password.
    let anon = app.client();
    let wrong =
        anon.post("/api/v1/auth/signin", json!({ "email": "maya@northwind.example", "password": "nope-nope" })).await;
    let unknown =
        anon.post("/api/v1/auth/signin", json!({ "email": "nobody@x.example", "password": "nope-nope" })).await;
    assert_eq!((wrong.status, wrong.code()), (401, "unauthorized"));
    assert_eq!(wrong.body["message"], unknown.body["message"]);

    // Signing in issues a new session id.
    let ok = anon
        .post("/api/v1/auth/signin", json!({ "email": "maya@northwind.example", "password": "correct horse" }))
        .await;
    assert_eq!(ok.status, 200);
    let second_cookie = ok.set_cookie.clone().unwrap();
    assert_ne!(first_cookie, second_cookie);

    // The cookie is HttpOnly and SameSite=Lax.
    let raw = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/signin", app.base))
        .json(&json!({ "email": "maya@northwind.example", "password": "correct horse" }))
        .send()
        .await
        .unwrap();
    let header = raw.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(header.contains("HttpOnly") && header.contains("SameSite=Lax"), "{header}");

    // Sign out ends that session only.
    assert_eq!(maya.get("/api/v1/me").await.status, 200);
    maya.post("/api/v1/auth/signout", json!({})).await;
    assert_eq!(maya.get("/api/v1/me").await.status, 401);
    let mut other = app.client();
    other.cookie = Some(second_cookie);
    assert_eq!(other.get("/api/v1/me").await.body["name"], "Maya Lind");

    // Sign-in attempts are throttled (the tests allow 5 per email).
    let mut last = 0;
    for _ in 0..7 {
        last = anon
            .post("/api/v1/auth/signin", json!({ "email": "target@x.example", "password": "guessing" }))
            .await
            .status;
    }
    assert_eq!(last, 429);
    app.running.stop().await;
}

async fn outsiders_get_not_found_everywhere(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut brand = app.client();
    brand.sign_up("Maya", "maya@brand.example", "Brand").await;
    let mut agency = app.client();
    agency.sign_up("Jordan", "jordan@agency.example", "Agency").await;
    let mut outsider = app.client();
    outsider.sign_up("Eve", "eve@other.example", "Other Co").await;

    let id = brand.create_campaign("Spring").await;
    let card = brand.add_creator(id, "Ava", "ava.outdoors").await;
    let card_id = card["id"].as_i64().unwrap();

    // Before the invitation the agency is an outsider too.
    for who in [&agency, &outsider] {
        assert_eq!(who.get(&format!("/api/v1/campaigns/{id}")).await.status, 404);
    }
    brand.bring_in(id, &agency).await;
    assert_eq!(agency.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["cards"].as_array().unwrap().len(), 1);

    // The outsider: every read and write says "not found", the same as a campaign that does not exist.
    let reads = [
        format!("/api/v1/campaigns/{id}"),
        format!("/api/v1/campaigns/{id}/board"),
        format!("/api/v1/campaigns/{id}/events"),
        format!("/api/v1/campaigns/{id}/creators/{card_id}"),
    ];
    for path in &reads {
        let r = outsider.get(path).await;
        assert_eq!((r.status, r.code()), (404, "not_found"), "{path}");
    }
    let missing = outsider.get("/api/v1/campaigns/999999").await;
    assert_eq!(missing.body, outsider.get(&format!("/api/v1/campaigns/{id}")).await.body);
    let mv = outsider.move_card(id, card_id, "contacted", 1).await;
    assert_eq!(mv.status, 404);
    let add = outsider
        .post(&format!("/api/v1/campaigns/{id}/creators"), json!({ "name": "X", "platform": "tiktok", "handle": "x" }))
        .await;
    assert_eq!(add.status, 404);
    let inv = outsider.post(&format!("/api/v1/campaigns/{id}/invitations"), json!({ "kind": "partner" })).await;
    assert_eq!(inv.status, 404);
    assert!(outsider.get("/api/v1/campaigns").await.ok().as_array().unwrap().is_empty());

    // The page too: 404 and no campaign data in the HTML.
    let page = outsider.get(&format!("/campaigns/{id}")).await;
    assert_eq!(page.status, 404);
    assert!(!page.body.as_str().unwrap().contains("ava.outdoors"));
    let own = agency.get(&format!("/campaigns/{id}")).await;
    assert_eq!(own.status, 200);
    assert!(own.body.as_str().unwrap().contains("ava.outdoors"));

    // Nothing was changed by the refused writes.
    let board = brand.get(&format!("/api/v1/campaigns/{id}/board")).await.ok();
    assert_eq!(board["cards"][0]["stage"], "prospect");
    assert_eq!(board["cards"].as_array().unwrap().len(), 1);

    // Signed out: 401 from the API.
    assert_eq!(app.client().get(&format!("/api/v1/campaigns/{id}")).await.status, 401);
    app.running.stop().await;
}

async fn stale_version_is_a_conflict_not_an_overwrite(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut a = app.client();
    a.sign_up("A", "a@a.example", "A").await;
    let mut b = app.client();
    b.sign_up("B", "b@b.example", "B").await;
    let id = a.create_campaign("C").await;
    a.bring_in(id, &b).await;
    let card = a.add_creator(id, "Ava", "ava").await;
    let card_id = card["id"].as_i64().unwrap();
    assert_eq!(card["version"], 1);

    let moved = a.move_card(id, card_id, "contacted", 1).await.ok();
    assert_eq!((moved["stage"].as_str(), moved["version"].as_i64()), (Some("contacted"), Some(2)));

    // B still has version 1 on screen.
    let refused = b.move_card(id, card_id, "declined", 1).await;
    assert_eq!((refused.status, refused.code()), (409, "conflict"));
    assert_eq!(refused.body["current"]["stage"], "contacted");
    assert_eq!(refused.body["current"]["version"], 2);
    assert!(refused.body["message"].as_str().unwrap().contains("Contacted"));

    // B resolves it knowingly, with the current version.
    let resolved = b.move_card(id, card_id, "declined", 2).await.ok();
    assert_eq!((resolved["stage"].as_str(), resolved["version"].as_i64()), (Some("declined"), Some(3)));
    app.running.stop().await;
}

async fn retried_mutation_applies_once(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut a = app.client();
    a.sign_up("A", "a@a.example", "A").await;
    let id = a.create_campaign("C").await;
    let path = format!("/api/v1/campaigns/{id}/creators");
    let body = json!({ "name": "Ava", "platform": "tiktok", "handle": "ava", "lane": "ugc" });
    let first = a.post_with(&path, body.clone(), &[("idempotency-key", "add-ava-1")]).await;
    let retry = a.post_with(&path, body.clone(), &[("idempotency-key", "add-ava-1")]).await;
    assert_eq!(first.status, 201);
    assert_eq!(retry.status, 201);
    assert_eq!(first.body, retry.body);

    let card_id = first.body["id"].as_i64().unwrap();
    let mv = format!("/api/v1/campaigns/{id}/creators/{card_id}/move");
    let m1 = a.post_with(&mv, json!({ "stage": "contacted", "version": 1 }), &[("idempotency-key", "mv-1")]).await.ok();
    let m2 = a.post_with(&mv, json!({ "stage": "contacted", "version": 1 }), &[("idempotency-key", "mv-1")]).await.ok();
    assert_eq!(m1, m2);
    assert_eq!(m2["version"], 2);

    // The same key for a different request is refused, not silently replayed.
    let reused = a.post_with(&mv, json!({ "stage": "paid", "version": 2 }), &[("idempotency-key", "mv-1")]).await;
    assert_eq!((reused.status, reused.code()), (422, "idempotency_key_reused"));

    // One card, one move: the log has partner_joined, card_added, card_moved and nothing more.
    let events = a.get(&format!("/api/v1/campaigns/{id}/events")).await.ok();
    let kinds: Vec<&str> = events["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["partner_joined", "card_added", "card_moved"]);
    assert_eq!(events["head"], 3);
    app.running.stop().await;
}

async fn api_tokens_act_for_the_organization_until_revoked(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut a = app.client();
    a.sign_up("A", "a@a.example", "A Agency").await;
    let id = a.create_campaign("C").await;
    let created = a.post("/api/v1/tokens", json!({ "name": "Reporting sync" })).await.ok();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("chorus_"));

    let mut integration = app.client();
    integration.bearer = Some(secret.clone());
    let card = integration.add_creator(id, "Ava", "ava").await;
    assert_eq!(card["owner"]["name"], "A Agency");
    let events = a.get(&format!("/api/v1/campaigns/{id}/events")).await.ok();
    let actor = events["events"][1]["actor"]["name"].as_str().unwrap();
    assert!(actor.contains("Reporting sync"), "{actor}");

    // Tokens are listed with a prefix only, never the secret.
    let list = a.get("/api/v1/tokens").await.ok();
    assert_eq!(list[0]["name"], "Reporting sync");
    assert!(!list.to_string().contains(&secret));
    assert!(list[0]["last_used_at"].is_string());

    // A token cannot mint tokens; revoking locks it out.
    assert_eq!(integration.post("/api/v1/tokens", json!({ "name": "x" })).await.status, 403);
    let token_id = created["token"]["id"].as_i64().unwrap();
    assert_eq!(a.send(reqwest::Method::DELETE, &format!("/api/v1/tokens/{token_id}"), None, &[]).await.status, 204);
    let after = integration.get(&format!("/api/v1/campaigns/{id}/board")).await;
    assert_eq!((after.status, after.code()), (401, "unauthorized"));

    // Another organization cannot revoke it.
    let mut b = app.client();
    b.sign_up("B", "b@b.example", "B").await;
    assert_eq!(b.send(reqwest::Method::DELETE, &format!("/api/v1/tokens/{token_id}"), None, &[]).await.status, 404);
    app.running.stop().await;
}

async fn bad_input_names_the_field(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut a = app.client();
    a.sign_up("A", "a@a.example", "A").await;
    let id = a.create_campaign("C").await;
    let path = format!("/api/v1/campaigns/{id}/creators");
    let cases = [
        (json!({ "name": "", "platform": "tiktok", "handle": "x" }), "name"),
        (json!({ "name": "X", "platform": "myspace", "handle": "x" }), "platform"),
        (json!({ "name": "X", "platform": "tiktok", "handle": "has space" }), "handle"),
        (json!({ "name": "X", "platform": "tiktok", "handle": "x", "followers": -5 }), "followers"),
        (json!({ "name": "X", "platform": "tiktok", "handle": "x", "lane": "radio" }), "lane"),
        (json!({ "platform": "tiktok", "handle": "x" }), "name"),
    ];
    for (body, field) in cases {
        let r = a.post(&path, body.clone()).await;
        assert_eq!((r.status, r.code(), r.body["field"].as_str()), (422, "validation", Some(field)), "{body}");
    }
    // A duplicate of platform + handle, case-insensitive and with or without the @.
    a.add_creator(id, "Ava", "Ava.Outdoors").await;
    let dup = a.post(&path, json!({ "name": "Ava again", "platform": "instagram", "handle": "@ava.outdoors" })).await;
    // A conflict with the record that holds it, so the person can open it instead.
    assert_eq!((dup.status, dup.body["field"].as_str()), (409, Some("handle")));
    assert!(dup.body["message"].as_str().unwrap().contains("already in this pool"));
    assert_eq!(dup.body["current"]["name"], "Ava");
    // Unknown stage.
    let card = a.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["cards"][0]["id"].as_i64().unwrap();
    let r = a.move_card(id, card, "viral", 1).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("stage")));
    // Nothing half-written: still exactly one card.
    assert_eq!(a.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["cards"].as_array().unwrap().len(), 1);
    app.running.stop().await;
}

async fn invitations_are_single_use(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut a = app.client();
    a.sign_up("A", "a@a.example", "A").await;
    let mut b = app.client();
    b.sign_up("B", "b@b.example", "B").await;
    let mut c = app.client();
    c.sign_up("C", "c@c.example", "C").await;
    let id = a.create_campaign("Camp").await;
    let inv = a.post(&format!("/api/v1/campaigns/{id}/invitations"), json!({ "kind": "partner" })).await.ok();
    let token = inv["token"].as_str().unwrap();
    assert_eq!(b.post(&format!("/api/v1/invitations/{token}/accept"), json!({})).await.status, 200);
    let again = c.post(&format!("/api/v1/invitations/{token}/accept"), json!({})).await;
    assert_eq!(again.status, 404);
    assert_eq!(c.get(&format!("/api/v1/campaigns/{id}")).await.status, 404);
    let partners = a.get(&format!("/api/v1/campaigns/{id}")).await.ok()["partners"].as_array().unwrap().len();
    assert_eq!(partners, 2);
    app.running.stop().await;
}

async fn creators_see_only_their_own(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut a = app.client();
    a.sign_up("A", "a@a.example", "A").await;
    let id = a.create_campaign("Camp").await;
    let card = a.add_creator(id, "Ava", "ava").await;
    // The creator signs up through the form the invitation page shows (a 303 to their home page).
    let ava = creator_signup(&app, &a, id, card["id"].as_i64().unwrap(), "Ava Chen", "ava@creator.example").await;
    let me = ava.get("/api/v1/me").await.ok();
    assert_eq!(me["role"], "creator");
    // A creator sees no partner page, no board, no pool.
    assert_eq!(ava.get(&format!("/api/v1/campaigns/{id}/board")).await.status, 404);
    assert_eq!(ava.get(&format!("/api/v1/campaigns/{id}")).await.status, 404);
    assert_eq!(ava.get(&format!("/campaigns/{id}")).await.status, 404);
    assert_eq!(ava.move_card(id, card["id"].as_i64().unwrap(), "paid", 1).await.status, 404);
    // Their home page shows their campaign and point of contact.
    let home = ava.get("/").await;
    let html = home.body.as_str().unwrap();
    assert!(html.contains("Camp") && html.contains("point of contact"), "{html}");
    app.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_origins_are_refused() {
    let app = spawn_app(DbKind::Sqlite).await;
    let mut a = app.client();
    a.sign_up("A", "a@a.example", "A").await;
    let r = a.post_with("/api/v1/campaigns", json!({ "name": "X" }), &[("origin", "http://evil.example")]).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let same = format!("http://{}", app.running.addr);
    let ok = a.post_with("/api/v1/campaigns", json!({ "name": "X" }), &[("origin", same.as_str())]).await;
    assert_eq!(ok.status, 201);
    let r = a.post_with("/api/v1/campaigns", json!({ "name": "X" }), &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(r.status, 403);
    // Only one campaign was created.
    assert_eq!(a.get("/api/v1/campaigns").await.ok().as_array().unwrap().len(), 1);
    // The WebSocket handshake from a foreign page fails, from our own page succeeds.
    assert!(ws_connect(&app, &a, Some("http://evil.example")).await.is_err());
    assert!(ws_connect(&app, &a, Some(&same)).await.is_ok());
    app.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_openapi_and_demo() {
    let url = fresh_database(DbKind::Sqlite).await;
    let app = spawn_on(&url, |c| c.demo = true).await;
    let health = app.client().get("/healthz").await.ok();
    assert_eq!((health["status"].as_str(), health["database"].as_str()), (Some("ok"), Some("sqlite")));
    let spec = app.client().get("/api/v1/openapi.json").await.ok();
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["paths"]["/api/v1/campaigns/{id}/creators/{creator_id}/move"]["post"].is_object());
    // The content lanes are documented: the review (with its 403), the chunked upload, the files, the portal message.
    assert!(spec["paths"]["/api/v1/campaigns/{id}/deliverables/{deliverable_id}/review"]["post"]["responses"]["403"]
        .is_object());
    assert!(spec["paths"]["/api/v1/uploads/{upload_id}"]["put"]["requestBody"]["content"]["application/octet-stream"]
        .is_object());
    assert!(spec["paths"]["/files/{upload_id}/thumb"]["get"]["responses"]["200"]["content"]["image/jpeg"].is_object());
    let messages = spec["components"]["schemas"]["ServerMessage"]["oneOf"].as_array().unwrap();
    assert!(messages.iter().any(|m| m["properties"]["type"]["enum"][0] == "portal"));
    let kinds: Vec<&serde_json::Value> = spec["components"]["schemas"]["Change"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["properties"]["kind"]["enum"][0])
        .collect();
    assert!(kinds.iter().any(|k| *k == "deliverable_changed") && kinds.iter().any(|k| *k == "escalation_raised"));
    // Every `$ref` in the whole document points at a defined schema.
    fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        use serde_json::Value;
        match v {
            Value::Object(m) => {
                if let Some(Value::String(s)) = m.get("$ref") {
                    out.push(s);
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&spec, &mut all);
    assert!(all.len() > 100, "{} refs", all.len());
    for target in all {
        let name = target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected $ref {target}"));
        assert!(spec["components"]["schemas"][name].is_object(), "$ref {target} is not defined");
    }
    if let Ok(path) = std::env::var("CHORUS_OPENAPI_OUT") {
        std::fs::write(path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    }
    // Pages and API answers are compressed for clients that ask.
    let raw = reqwest::Client::new()
        .get(format!("{}/api/v1/openapi.json", app.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));
    let unknown = app.client().get("/api/v1/nothing-here").await;
    assert_eq!((unknown.status, unknown.code()), (404, "not_found"));

    let maya = app.client();
    let signed =
        maya.post("/api/v1/auth/signin", json!({ "email": "maya@northwind.example", "password": "chorus-demo" })).await;
    let mut maya = maya;
    maya.cookie = signed.set_cookie.clone();
    let campaigns = maya.get("/api/v1/campaigns").await.ok();
    assert_eq!(campaigns.as_array().unwrap().len(), 1);
    assert_eq!(campaigns[0]["partners"].as_array().unwrap().len(), 3);
    let id = campaigns[0]["id"].as_i64().unwrap();
    let board = maya.get(&format!("/api/v1/campaigns/{id}/board")).await.ok();
    assert_eq!(board["cards"].as_array().unwrap().len(), 12);
    // Content at every step, and the review past its SLA escalated as the server started.
    let content = maya.get(&format!("/api/v1/campaigns/{id}/content")).await.ok();
    let statuses: Vec<&str> =
        content["deliverables"].as_array().unwrap().iter().map(|d| d["status"].as_str().unwrap()).collect();
    for s in ["awaiting_draft", "in_review", "approved"] {
        assert!(statuses.contains(&s), "{s} in {statuses:?}");
    }
    assert_eq!(content["time_zone"], "America/Los_Angeles");
    let mut escalations = Vec::new();
    for _ in 0..50 {
        escalations = maya.get(&format!("/api/v1/campaigns/{id}/escalations")).await.ok().as_array().unwrap().clone();
        let has = |kind: &str| escalations.iter().any(|e| e["kind"] == kind);
        if has("review_sla") && has("payout_overdue") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let of_kind =
        |kind: &str| escalations.iter().filter(|e| e["kind"] == kind).cloned().collect::<Vec<serde_json::Value>>();
    let late = of_kind("review_sla");
    assert_eq!(late.len(), 1, "Lucía's v2 waits 30 h on a 24 h SLA");
    assert_eq!(late[0]["assignee"], "Lena Vogt");
    // Usage rights in every state: Kenji's review expiring, his teaser expired (one warning each), and a boost
    // logged past the end of the review's rights.
    assert_eq!((of_kind("rights_expiry").len(), of_kind("rights_overrun").len()), (2, 1));
    let ledger = maya.get(&format!("/api/v1/campaigns/{id}/rights")).await.ok();
    let states: Vec<&str> =
        ledger["entries"].as_array().unwrap().iter().map(|e| e["state"].as_str().unwrap()).collect();
    // (Priya's and Lucía's paid clips were approved without terms: no use is covered.)
    assert_eq!(states, ["expired", "active", "expiring", "no_terms", "no_terms"], "in the order they were approved");
    // The payout ledger: reported in dollars, euros and pounds converted at the partners' rates, a line in every
    // state, Sofie's euros overdue and escalated to the paying partner.
    let overdue = of_kind("payout_overdue");
    assert_eq!(overdue.len(), 1, "{escalations:?}");
    assert!(overdue[0]["title"].as_str().unwrap().contains("€3,800.00 to Sofie Jansen"), "{}", overdue[0]["title"]);
    let ledger = maya.get(&format!("/api/v1/campaigns/{id}/payouts")).await.ok();
    assert_eq!(ledger["currency"], "USD");
    let mut states: Vec<&str> =
        ledger["lines"].as_array().unwrap().iter().map(|l| l["state"].as_str().unwrap()).collect();
    states.sort();
    // (Kenji's teaser, approved at the lane's default fee, is scheduled too.)
    assert_eq!(states, ["approved", "disputed", "paid", "scheduled", "scheduled"]);
    assert!(ledger["owed"]["minor"].as_i64().is_some(), "every rate is there: {}", ledger["owed"]);
    let currencies: Vec<&str> =
        ledger["owed_by_currency"].as_array().unwrap().iter().map(|m| m["currency"].as_str().unwrap()).collect();
    assert!(currencies.contains(&"EUR") && currencies.contains(&"GBP"), "{currencies:?}");
    // Priya, a demo creator, signs in to her portal.
    let mut priya = app.client();
    priya.cookie = app
        .client()
        .post("/api/v1/auth/signin", json!({ "email": "priya@creators.example", "password": "chorus-demo" }))
        .await
        .set_cookie;
    let portal = priya.get(&format!("/api/v1/campaigns/{id}/portal")).await.ok();
    assert_eq!(portal["deliverables"][0]["title"], "Rain test clip (9:16)");
    // Her caption fails the UK disclosure rule ("gifted" alone), and she sees why.
    let check = &portal["deliverables"][0]["rounds"][0]["disclosure"];
    assert_eq!((check["passed"].as_bool(), check["market"].as_str()), (Some(false), Some("uk")));
    assert!(check["findings"][0]["detail"].as_str().unwrap().starts_with("\"gifted\" alone is not enough in the UK"));
    app.running.stop().await;

    // Seeding again (a restart with --demo) changes nothing.
    let again = spawn_on(&url, |c| c.demo = true).await;
    let mut maya2 = again.client();
    maya2.cookie = again
        .client()
        .post("/api/v1/auth/signin", json!({ "email": "maya@northwind.example", "password": "chorus-demo" }))
        .await
        .set_cookie;
    assert_eq!(maya2.get("/api/v1/campaigns").await.ok().as_array().unwrap().len(), 1);
    assert_eq!(maya2.get(&format!("/api/v1/campaigns/{id}/board")).await.ok()["cards"].as_array().unwrap().len(), 12);
    again.running.stop().await;
}

on_both_databases!(colleagues_join_through_a_single_use_link);

async fn colleagues_join_through_a_single_use_link(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut jordan = app.client();
    jordan.sign_up("Jordan", "jordan@brightline.example", "Brightline").await;
    let id = jordan.create_campaign("Spring").await;
    let inv = jordan.post("/api/v1/org/invitations", json!({})).await.ok();
    let token = inv["token"].as_str().unwrap().to_string();
    assert_eq!(inv["invitation"]["org"]["name"], "Brightline");
    assert!(inv["invitation"]["path"].as_str().unwrap().starts_with("/join/"));

    let path = format!("/api/v1/org/invitations/{token}/accept");
    let bad = app
        .client()
        .post(&path, json!({ "name": "Sam", "email": "sam@brightline.example", "password": "short" }))
        .await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("password")));
    let joined = app
        .client()
        .post(&path, json!({ "name": "Sam", "email": "sam@brightline.example", "password": "long enough" }))
        .await;
    assert_eq!(joined.status, 201);
    assert_eq!(joined.body["org"]["name"], "Brightline");
    let mut sam = app.client();
    sam.cookie = joined.set_cookie.clone();
    // Sam sees the organization's campaigns and its members.
    assert_eq!(sam.get("/api/v1/campaigns").await.ok()[0]["id"].as_i64(), Some(id));
    let members = sam.get("/api/v1/org/members").await.ok();
    let names: Vec<&str> = members.as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Jordan", "Sam"]);
    // The link worked once.
    let again =
        app.client().post(&path, json!({ "name": "Eve", "email": "eve@x.example", "password": "long enough" })).await;
    assert_eq!(again.status, 404);
    // Another organization's members stay private.
    let mut other = app.client();
    other.sign_up("Lena", "lena@kanal.example", "Kanal").await;
    let theirs = other.get("/api/v1/org/members").await.ok();
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    app.running.stop().await;
}

on_both_databases!(the_board_reads_each_card_as_the_single_card_does);

/// The board loads all its cards at once (one JSON row from the database); each must read exactly as the card read
/// on its own (row by row), with the most recently changed first.
async fn the_board_reads_each_card_as_the_single_card_does(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut a = app.client();
    a.sign_up("A", "a@a.example", "A").await;
    let id = a.create_campaign("C").await;
    let ava = a.add_creator(id, "Ava \"AC\" Chén", "ava").await["id"].as_i64().unwrap();
    let ben = a.add_creator(id, "Ben", "ben").await["id"].as_i64().unwrap();
    let cleo = a.add_creator(id, "Cleo", "cleo").await["id"].as_i64().unwrap();
    let creators = format!("/api/v1/campaigns/{id}/creators");
    a.post(
        &format!("{creators}/{ava}/handles"),
        json!({ "platform": "tiktok", "handle": "avatok", "followers": 90000 }),
    )
    .await
    .ok();
    a.put(
        &format!("{creators}/{cleo}/next-action"),
        json!({ "text": "Send the contract", "due": "2026-12-31", "version": 1 }),
    )
    .await
    .ok();
    a.move_card(id, ben, "contacted", 1).await.ok();

    let board = a.get(&format!("/api/v1/campaigns/{id}/board")).await.ok();
    let cards = board["cards"].as_array().unwrap();
    assert_eq!(
        cards.iter().map(|c| c["id"].as_i64().unwrap()).collect::<Vec<_>>(),
        vec![ben, cleo, ava],
        "newest change first"
    );
    for card in cards {
        let single = a.get(&format!("{creators}/{}", card["id"])).await.ok();
        assert_eq!(card, &single);
    }
    assert_eq!(cards[2]["handles"], 2);
    assert_eq!(cards[2]["name"], "Ava \"AC\" Chén");
    assert_eq!(cards[1]["next_action_due"], "2026-12-31");
    assert_eq!(cards[0]["stage"], "contacted");

    let empty = a.create_campaign("Empty").await;
    assert!(a.get(&format!("/api/v1/campaigns/{empty}/board")).await.ok()["cards"].as_array().unwrap().is_empty());
    app.running.stop().await;
}
