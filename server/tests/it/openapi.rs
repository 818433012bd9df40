//! The generated OpenAPI document against the running code: the router serves exactly the documented operations
//! (and nothing undocumented), and the real answers of representative endpoints of every area, successes,
//! 204s and errors alike, have the shape documented for their status.

use std::collections::BTreeSet;

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};

on_both_databases!(answers_have_their_documented_shapes);

/// The router's own source: every `.route(…)` of the JSON API and of `/healthz`. The WebSocket (`/ws`), the
/// sign-in forms (`forms.rs`, HTML) and the JSON 404 for unknown API paths are not operations of the document.
const ROUTER_SOURCES: &[&str] = &[
    include_str!("../../src/lib.rs"),
    include_str!("../../src/api/mod.rs"),
    include_str!("../../src/content_api.rs"),
    include_str!("../../src/metrics_api.rs"),
    include_str!("../../src/rights_api.rs"),
    include_str!("../../src/money_api.rs"),
    include_str!("../../src/files.rs"),
    include_str!("../../src/notify_api.rs"),
    include_str!("../../src/webhooks.rs"),
    include_str!("../../src/privacy_api.rs"),
];
const NOT_OPERATIONS: &[&str] = &["/ws", "/api/v1/{*rest}"];

/// (METHOD, path) of every route the sources above declare, read from their `.route("…", get(…).post(…))` calls.
fn served_routes() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for src in ROUTER_SOURCES {
        let mut rest = *src;
        while let Some(at) = rest.find(".route(") {
            rest = rest[at + ".route(".len()..].trim_start();
            let Some(literal) = rest.strip_prefix('"') else { continue };
            let (path, tail) = literal.split_once('"').unwrap();
            // The call's arguments: up to the parenthesis closing `.route(`.
            let mut depth = 1;
            let end = tail
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap();
            let args = &tail[..end];
            if NOT_OPERATIONS.contains(&path) {
                continue;
            }
            let mut found = false;
            for method in ["get", "post", "put", "delete", "patch"] {
                let call = format!("{method}(");
                let mut from = 0;
                while let Some(i) = args[from..].find(&call) {
                    let i = from + i;
                    let before = args[..i].chars().last().unwrap_or(' ');
                    if !(before.is_alphanumeric() || before == '_' || before == ':') {
                        routes.insert((method.to_uppercase(), path.to_string()));
                        found = true;
                    }
                    from = i + call.len();
                }
            }
            assert!(found, "no method read for the route {path}: {args}");
        }
    }
    routes
}

fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

/// Every route the router serves is documented, every documented operation is served (not the API's "unknown
/// endpoint" 404, not 405), 204s have no body, the event kinds are the real ones, and malformed parameters
/// answer in the documented error shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_and_the_router_agree() {
    let app = spawn_app(DbKind::Sqlite).await;
    let doc = app.client().get("/api/v1/openapi.json").await.ok();
    assert_eq!(doc["openapi"], "3.1.0");
    if let Ok(out) = std::env::var("CHORUS_OPENAPI_OUT") {
        std::fs::write(out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
    let served = served_routes();
    let documented = documented_routes(&doc);
    assert!(served.len() > 60, "{served:?}");
    let undocumented: Vec<_> = served.difference(&documented).collect();
    assert!(undocumented.is_empty(), "served but not documented: {undocumented:?}");
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(unserved.is_empty(), "documented but not in the router: {unserved:?}");

    // Each documented operation reaches a handler: whatever it answers (401, 404 for a missing record, 422),
    // it is neither the API's "unknown endpoint" nor "method not allowed".
    let anyone = app.client();
    for (method, path) in &documented {
        let concrete = path
            .replace("{section}", "audience")
            .replace("{lane}", "influencer")
            .replace("{platform}", "tiktok")
            .replace("{token}", "no-such-token")
            .replace("{upload_id}", "no-such-upload");
        let concrete = concrete
            .split('{')
            .map(|p| p.split_once('}').map_or(p.to_string(), |(_, r)| format!("7{r}")))
            .collect::<String>();
        let body = (method == "POST" || method == "PUT").then(|| json!({}));
        let reply = anyone.send(Method::from_bytes(method.as_bytes()).unwrap(), &concrete, body, &[]).await;
        assert_ne!(reply.status, 405, "{method} {concrete}: {}", reply.body);
        if reply.status == 404 {
            assert_ne!(reply.body["message"], "API endpoint not found", "{method} {concrete}");
            assert_eq!(reply.code(), "not_found", "{method} {concrete}: a JSON 404, {}", reply.body);
        }
        // Every operation documents its refusals in the one error shape (at least the 400 of a malformed
        // parameter or body, and a default).
        let answers = &doc["paths"][path][method.to_lowercase()]["responses"];
        for status in ["400", "default"] {
            assert_eq!(
                answers[status]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error",
                "{method} {path} {status}"
            );
        }
        for (status, answer) in answers.as_object().unwrap() {
            if status == "204" || status == "304" {
                assert!(answer.get("content").is_none(), "{method} {path}: a {status} is documented with a body");
            }
        }
    }

    // The event kinds are the real enum's, every one (`cpm_set` too), each with its own `data`.
    let kinds: Vec<String> = doc["components"]["schemas"]["Change"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["properties"]["kind"]["enum"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, app::realtime::Change::KINDS);
    assert!(kinds.iter().any(|k| k == "cpm_set"));
    let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
    assert!(codes.as_array().unwrap().contains(&json!("payload_too_large")), "{codes}");

    // Malformed path and query parameters answer JSON errors, in the documented shape.
    let mut maya = app.client();
    maya.sign_up("Maya Lind", "maya@northwind.example", "Northwind").await;
    let id = maya.create_campaign("Trailhead").await;
    let check = Checker(&doc);
    let r = maya.get("/api/v1/campaigns/abc/board").await;
    assert_eq!(r.status, 400, "{}", r.body);
    check.answer("GET", "/api/v1/campaigns/{id}/board", &r);
    let r = maya.get(&campaign_path(id, "/events?after=soon")).await;
    assert_eq!(r.status, 400, "{}", r.body);
    check.answer("GET", "/api/v1/campaigns/{id}/events", &r);
    let r = maya.send(Method::DELETE, "/api/v1/tokens/x", None, &[]).await;
    assert_eq!(r.status, 400, "{}", r.body);
    check.answer("DELETE", "/api/v1/tokens/{id}", &r);
    let r = maya.post(&campaign_path(id, "/creators"), json!({ "name": 5 })).await;
    assert_eq!(r.status, 422, "{}", r.body);
    check.answer("POST", "/api/v1/campaigns/{id}/creators", &r);

    // The checker itself refuses what the document does not allow: an unknown error code, a missing required
    // property, an undocumented one, an event kind that does not exist, a `data` of another kind.
    let error = |v: Value| check.check(&json!({ "$ref": "#/components/schemas/Error" }), &v, "$", true);
    assert!(error(json!({ "code": "not_found", "message": "x", "field": "id" })).is_ok());
    assert!(error(json!({ "code": "nope", "message": "x" })).is_err());
    assert!(error(json!({ "code": "not_found" })).is_err());
    assert!(error(json!({ "code": "not_found", "message": "x", "extra": 1 })).is_err());
    let event = |kind: &str, data: Value| {
        let e = json!({ "campaign_id": 1, "seq": 2, "at": "2026-01-01T00:00:00Z", "kind": kind, "data": data,
            "actor": { "user_id": 1, "name": "Maya", "org_id": null, "org_name": null } });
        check.check(&json!({ "$ref": "#/components/schemas/Event" }), &e, "$", true)
    };
    assert!(event("cpm_set", json!({ "platform": "tiktok", "cpm_cents": 1250 })).is_ok());
    assert!(event("cpm_set", json!({ "platform": "tiktok" })).is_err());
    assert!(event("cpm_unset", json!({ "platform": "tiktok", "cpm_cents": 1250 })).is_err());
    assert!(event("time_zone_set", json!({ "platform": "tiktok", "cpm_cents": 1250 })).is_err());
    app.running.stop().await;
}

/// Sends a request and checks the answer against the document; returns it.
async fn call(
    check: &Checker<'_>,
    c: &Client,
    method: Method,
    template: &str,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let reply = c.send(method.clone(), path, body, &[]).await;
    check.answer(method.as_str(), template, &reply);
    reply
}

async fn answers_have_their_documented_shapes(kind: DbKind) {
    let app = spawn_app(kind).await;
    let doc = app.client().get("/api/v1/openapi.json").await.ok();
    let check = Checker(&doc);
    let s = three_partners(&app).await;
    let id = s.id;
    let c = |rest: &str| campaign_path(id, rest);
    let (get, post, put, delete) = (Method::GET, Method::POST, Method::PUT, Method::DELETE);

    // Service and accounts.
    call(&check, &app.client(), get.clone(), "/healthz", "/healthz", None).await;
    call(&check, &app.client(), get.clone(), "/api/v1/me", "/api/v1/me", None).await; // 401
    call(&check, &s.maya, get.clone(), "/api/v1/me", "/api/v1/me", None).await;
    call(&check, &s.maya, get.clone(), "/api/v1/org/members", "/api/v1/org/members", None).await;
    call(&check, &s.maya, post.clone(), "/api/v1/org/invitations", "/api/v1/org/invitations", None).await;
    let token =
        call(&check, &s.maya, post.clone(), "/api/v1/tokens", "/api/v1/tokens", Some(json!({ "name": "shop" })))
            .await
            .ok();
    call(&check, &s.maya, get.clone(), "/api/v1/tokens", "/api/v1/tokens", None).await;
    let revoke = format!("/api/v1/tokens/{}", token["token"]["id"]);
    let r = call(&check, &s.maya, delete.clone(), "/api/v1/tokens/{id}", &revoke, None).await;
    assert_eq!(r.status, 204);
    let r = call(
        &check,
        &app.client(),
        post.clone(),
        "/api/v1/auth/signin",
        "/api/v1/auth/signin",
        Some(json!({ "email": "maya@northwind.example", "password": "wrong" })),
    )
    .await;
    assert_eq!(r.status, 401);

    // Campaigns.
    call(&check, &s.maya, get.clone(), "/api/v1/campaigns", "/api/v1/campaigns", None).await;
    call(&check, &s.maya, get.clone(), "/api/v1/campaigns/{id}", &c(""), None).await;
    let r = call(&check, &s.olga, get.clone(), "/api/v1/campaigns/{id}", &c(""), None).await;
    assert_eq!(r.status, 404);
    let r = call(
        &check,
        &s.maya,
        post.clone(),
        "/api/v1/campaigns/{id}/invitations",
        &c("/invitations"),
        Some(json!({ "kind": "partner" })),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // Creators: the board and the pool, with a duplicate (409) and a stale move (409).
    let card = call(&check, &s.jordan, post.clone(), "/api/v1/campaigns/{id}/creators", &c("/creators"), Some(json!({ "name": "Ava Chen", "platform": "tiktok", "handle": "@ava", "followers": 120000, "avg_likes": 4000 })))
        .await
        .ok();
    let cid = card["id"].as_i64().unwrap();
    let r = call(
        &check,
        &s.maya,
        post.clone(),
        "/api/v1/campaigns/{id}/creators",
        &c("/creators"),
        Some(json!({ "name": "Ava C.", "platform": "tiktok", "handle": "ava" })),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    call(&check, &s.maya, get.clone(), "/api/v1/campaigns/{id}/board", &c("/board"), None).await.ok();
    let one = "/api/v1/campaigns/{id}/creators/{creator_id}";
    call(&check, &s.maya, get.clone(), one, &c(&format!("/creators/{cid}")), None).await.ok();
    let moved = call(
        &check,
        &s.maya,
        post.clone(),
        &format!("{one}/move"),
        &c(&format!("/creators/{cid}/move")),
        Some(json!({ "stage": "contacted", "version": card["version"] })),
    )
    .await
    .ok();
    let r = call(
        &check,
        &s.lena,
        post.clone(),
        &format!("{one}/move"),
        &c(&format!("/creators/{cid}/move")),
        Some(json!({ "stage": "negotiating", "version": card["version"] })),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    call(
        &check,
        &s.maya,
        put.clone(),
        &format!("{one}/next-action"),
        &c(&format!("/creators/{cid}/next-action")),
        Some(json!({ "text": "Send the brief", "due": "2027-01-10", "version": moved["version"] })),
    )
    .await
    .ok();
    call(
        &check,
        &s.maya,
        post.clone(),
        &format!("{one}/notes"),
        &c(&format!("/creators/{cid}/notes")),
        Some(json!({ "text": "Prefers mail" })),
    )
    .await
    .ok();
    call(&check, &s.maya, get.clone(), &format!("{one}/detail"), &c(&format!("/creators/{cid}/detail")), None)
        .await
        .ok();
    let preview = s
        .maya
        .post_text(&c("/imports?filename=pool.csv"), "name,platform,handle\nCy Berg,instagram,cy\n,tiktok,\n")
        .await;
    check.answer("POST", "/api/v1/campaigns/{id}/imports", &preview);
    assert_eq!(preview.status, 201, "{}", preview.body);
    let r = call(
        &check,
        &s.maya,
        delete.clone(),
        "/api/v1/campaigns/{id}/imports/{import_id}",
        &c(&format!("/imports/{}", preview.body["import_id"])),
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);

    // The charter: a section saved, a comment, and a launch refused (422, with what is missing).
    let version = section_version(&s.maya, id, "audience").await;
    call(
        &check,
        &s.maya,
        put.clone(),
        "/api/v1/campaigns/{id}/charter/sections/{section}",
        &c("/charter/sections/audience"),
        Some(json!({ "body": { "summary": "Trail runners" }, "version": version })),
    )
    .await
    .ok();
    call(&check, &s.maya, get.clone(), "/api/v1/campaigns/{id}/charter", &c("/charter"), None).await.ok();
    call(
        &check,
        &s.jordan,
        post.clone(),
        "/api/v1/campaigns/{id}/charter/comments",
        &c("/charter/comments"),
        Some(json!({ "section": "audience", "body": "Add hikers?" })),
    )
    .await
    .ok();
    let r = call(&check, &s.maya, post.clone(), "/api/v1/campaigns/{id}/launch", &c("/launch"), None).await;
    assert_eq!(r.status, 422, "{}", r.body);

    // Content: a creator with a portal account, a deliverable, a comment, an upload started; the portal.
    let (ava, ava_id) = creator_account(&app, &s.jordan, id, "Bo Lund", "bo@creator.example").await;
    let d = call(&check, &s.jordan, post.clone(), "/api/v1/campaigns/{id}/deliverables", &c("/deliverables"), Some(json!({ "creator_id": ava_id, "lane": "ugc", "title": "Trail clip", "expectations": "20 seconds", "due_date": "2027-03-10", "fee_cents": 50000 })))
        .await
        .ok();
    let did = d["id"].as_i64().unwrap();
    let dpath = "/api/v1/campaigns/{id}/deliverables/{deliverable_id}";
    call(&check, &s.maya, get.clone(), dpath, &c(&format!("/deliverables/{did}")), None).await.ok();
    call(&check, &ava, get.clone(), dpath, &c(&format!("/deliverables/{did}")), None).await.ok();
    call(
        &check,
        &ava,
        post.clone(),
        &format!("{dpath}/comments"),
        &c(&format!("/deliverables/{did}/comments")),
        Some(json!({ "body": "On it" })),
    )
    .await
    .ok();
    let up = call(
        &check,
        &ava,
        post.clone(),
        &format!("{dpath}/uploads"),
        &c(&format!("/deliverables/{did}/uploads")),
        Some(json!({ "file_name": "clip.png", "size": 1000, "client_key": "k1" })),
    )
    .await
    .ok();
    let upload = format!("/api/v1/uploads/{}", up["id"].as_str().unwrap());
    call(&check, &ava, get.clone(), "/api/v1/uploads/{upload_id}", &upload, None).await.ok();
    let r = call(&check, &ava, put.clone(), "/api/v1/uploads/{upload_id}", &upload, None).await; // no offset: 422
    assert_eq!(r.status, 422, "{}", r.body);
    call(&check, &ava, get.clone(), "/api/v1/campaigns/{id}/portal", &c("/portal"), None).await.ok();
    call(&check, &ava, get.clone(), "/api/v1/portal", "/api/v1/portal", None).await.ok();
    let r = call(&check, &s.maya, get.clone(), "/api/v1/portal", "/api/v1/portal", None).await;
    assert_eq!(r.status, 404);
    call(&check, &s.maya, get.clone(), "/api/v1/campaigns/{id}/content", &c("/content"), None).await.ok();
    call(
        &check,
        &s.maya,
        put.clone(),
        "/api/v1/campaigns/{id}/time-zone",
        &c("/time-zone"),
        Some(json!({ "time_zone": "Europe/Berlin" })),
    )
    .await
    .ok();
    call(&check, &s.maya, get.clone(), "/api/v1/campaigns/{id}/escalations", &c("/escalations"), None).await.ok();
    call(&check, &s.maya, get.clone(), "/api/v1/campaigns/{id}/outbox", &c("/outbox"), None).await.ok();
    let r = call(&check, &app.client(), get.clone(), "/files/{upload_id}", "/files/no-such-upload", None).await;
    assert_eq!(r.status, 404);

    // Metrics: a tracked post, a day of figures, the CPM (204), totals and the dashboard.
    call(
        &check,
        &s.maya,
        post.clone(),
        "/api/v1/campaigns/{id}/posts",
        &c("/posts"),
        Some(json!({ "creator_id": cid, "platform": "tiktok", "url": "https://www.tiktok.com/@ava/video/1" })),
    )
    .await
    .ok();
    let post_id = s.maya.get(&c("/dashboard")).await.ok()["posts"][0]["id"].clone();
    call(
        &check,
        &s.maya,
        post.clone(),
        "/api/v1/campaigns/{id}/metrics",
        &c("/metrics"),
        Some(json!({ "rows": [{ "post_id": post_id, "day": "2026-01-05", "impressions": 1000, "likes": 50 }] })),
    )
    .await
    .ok();
    let r = call(
        &check,
        &s.maya,
        put.clone(),
        "/api/v1/campaigns/{id}/cpm/{platform}",
        &c("/cpm/tiktok"),
        Some(json!({ "cpm_cents": 1250 })),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    call(&check, &s.maya, get.clone(), "/api/v1/campaigns/{id}/metrics/totals", &c("/metrics/totals"), None).await.ok();
    call(&check, &s.maya, get.clone(), "/api/v1/campaigns/{id}/dashboard", &c("/dashboard"), None).await.ok();
    let r = call(
        &check,
        &s.maya,
        post.clone(),
        "/api/v1/campaigns/{id}/metrics",
        &c("/metrics"),
        Some(json!({ "rows": [{ "post_id": post_id, "day": "2026-01-05", "likes": -1 }] })),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);

    // The activity trail: every event logged so far (the CPM's `cpm_set` among them) has its documented shape.
    let trail =
        call(&check, &s.maya, get.clone(), "/api/v1/campaigns/{id}/events", &c("/events?after=0&limit=1000"), None)
            .await
            .ok();
    let kinds: BTreeSet<&str> =
        trail["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in [
        "card_added",
        "card_moved",
        "card_noted",
        "charter_section_saved",
        "deliverable_changed",
        "cpm_set",
        "metrics_ingested",
    ] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }
    let r = call(&check, &s.maya, get.clone(), "/api/v1/campaigns/{id}/events", &c("/events?limit=5000"), None).await;
    assert_eq!(r.status, 422, "{}", r.body);
    app.running.stop().await;
}

/// Checks JSON values against the document's schemas (JSON Schema as the document uses it: `$ref`, `type`,
/// `enum`, `const`, `required`, `properties`, `additionalProperties`, `items`, `prefixItems`, `allOf`, `oneOf`,
/// `anyOf`). Objects may carry no property their schema does not declare.
struct Checker<'a>(&'a Value);

impl Checker<'_> {
    /// The answer has a documented status, and its body the documented shape (none for a 204).
    fn answer(&self, method: &str, template: &str, reply: &Reply) {
        let op = &self.0["paths"][template][method.to_lowercase()];
        assert!(op.is_object(), "{method} {template} is not documented");
        let status = reply.status.to_string();
        let documented = &op["responses"][&status];
        assert!(
            documented.is_object() || (reply.status >= 500 && op["responses"]["default"].is_object()),
            "{method} {template}: status {status} is not documented ({})",
            reply.body
        );
        let documented = if documented.is_object() { documented } else { &op["responses"]["default"] };
        match documented["content"]["application/json"]["schema"] {
            Value::Null => {
                assert!(
                    documented.get("content").is_some() || reply.body == json!(""),
                    "{method} {template} {status}: a body that is not documented: {}",
                    reply.body
                );
            }
            ref schema => {
                if let Err(e) = self.check(schema, &reply.body, "$", true) {
                    panic!("{method} {template} {status}: {e}\nbody: {}", reply.body);
                }
            }
        }
    }

    fn resolve<'s>(&'s self, mut schema: &'s Value) -> &'s Value {
        while let Some(r) = schema["$ref"].as_str() {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected $ref {r}"));
            schema = &self.0["components"]["schemas"][name];
            assert!(schema.is_object(), "$ref {r} is not defined");
        }
        schema
    }

    /// The property names a schema declares (through references and combinations).
    fn declared(&self, schema: &Value, out: &mut BTreeSet<String>) -> bool {
        let s = self.resolve(schema);
        let mut open = s.get("additionalProperties").is_some_and(|a| a != &json!(false));
        if let Some(p) = s["properties"].as_object() {
            out.extend(p.keys().cloned());
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for part in s[key].as_array().into_iter().flatten() {
                open |= self.declared(part, out);
            }
        }
        open
    }

    fn check(&self, schema: &Value, v: &Value, at: &str, strict: bool) -> Result<(), String> {
        let s = self.resolve(schema);
        if let Some(parts) = s["allOf"].as_array() {
            for part in parts {
                self.check(part, v, at, false)?;
            }
        }
        if let Some(branches) = s["oneOf"].as_array() {
            let errors: Vec<String> = branches.iter().filter_map(|b| self.check(b, v, at, strict).err()).collect();
            if branches.len() - errors.len() != 1 {
                return Err(format!(
                    "{at}: matches {} of the oneOf branches ({errors:?})",
                    branches.len() - errors.len()
                ));
            }
        }
        if let Some(branches) = s["anyOf"].as_array() {
            if !branches.iter().any(|b| self.check(b, v, at, strict).is_ok()) {
                return Err(format!("{at}: matches none of the anyOf branches"));
            }
        }
        if let Some(options) = s["enum"].as_array() {
            if !options.contains(v) {
                return Err(format!("{at}: {v} is not one of {options:?}"));
            }
        }
        if let Some(c) = s.get("const") {
            if c != v {
                return Err(format!("{at}: {v} is not {c}"));
            }
        }
        if let Some(t) = s.get("type") {
            let types: Vec<&str> = match t {
                Value::String(one) => vec![one.as_str()],
                Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let fits = types.iter().any(|t| match *t {
                "null" => v.is_null(),
                "boolean" => v.is_boolean(),
                "object" => v.is_object(),
                "array" => v.is_array(),
                "string" => v.is_string(),
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                _ => false,
            });
            if !fits {
                return Err(format!("{at}: {v} is not of type {t}"));
            }
        }
        if let Some(o) = v.as_object() {
            for name in s["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !o.contains_key(name) {
                    return Err(format!("{at}: the required `{name}` is missing"));
                }
            }
            let properties = s["properties"].as_object();
            for (k, value) in o {
                match properties.and_then(|p| p.get(k)) {
                    Some(sub) => self.check(sub, value, &format!("{at}.{k}"), true)?,
                    None => match s.get("additionalProperties") {
                        Some(Value::Bool(false)) => return Err(format!("{at}: `{k}` is not documented")),
                        Some(extra @ Value::Object(_)) => self.check(extra, value, &format!("{at}.{k}"), true)?,
                        _ => {}
                    },
                }
            }
            if strict && (properties.is_some() || s.get("allOf").is_some()) {
                let mut names = BTreeSet::new();
                if !self.declared(s, &mut names) {
                    if let Some(k) = o.keys().find(|k| !names.contains(*k)) {
                        return Err(format!("{at}: `{k}` is not documented"));
                    }
                }
            }
        }
        if let Some(items) = v.as_array() {
            let prefix = s["prefixItems"].as_array();
            for (i, item) in items.iter().enumerate() {
                let at = format!("{at}[{i}]");
                if let Some(p) = prefix.and_then(|p| p.get(i)) {
                    self.check(p, item, &at, true)?;
                } else if s["items"].is_object() {
                    self.check(&s["items"], item, &at, true)?;
                }
            }
        }
        Ok(())
    }
}
