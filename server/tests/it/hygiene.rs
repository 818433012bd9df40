//! Requests, sign-in and the API surface: where a redirect may lead, how often one address may sign in and sign up,
//! the status of a server function's refusal, axum's own refusals in the JSON error shape, text no database can
//! store, and the OpenAPI document against the code.
use std::net::IpAddr;

use crate::common::*;
use serde_json::{json, Value};

on_both_databases!(
    next_is_only_followed_to_a_local_path,
    one_address_cannot_lock_the_owner_out,
    every_sign_in_ends_the_session_it_came_with,
    sign_ups_are_limited_per_address,
    server_function_refusals_have_their_status,
    api_rejections_answer_json_naming_the_parameter,
    nul_and_overlong_text_are_refused_naming_the_field,
    the_openapi_document_matches_the_code,
);

/// An HTTP client whose connections come from `ip` (any 127.x address reaches the server on Linux loopback).
fn http_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn client_from(app: &TestApp, ip: &str) -> Client {
    let mut c = app.client();
    c.http = http_from(ip);
    c
}

struct Answer {
    status: u16,
    location: Option<String>,
    content_type: String,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    fn field(&self) -> Option<&str> {
        self.body["field"].as_str()
    }
}

async fn answer(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let header = |name: &str| resp.headers().get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let location = header("location");
    let content_type = header("content-type").unwrap_or_default();
    let text = resp.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer { status, location, content_type, body }
}

/// A URL-encoded form post (a sign-in form, or a server function's arguments), redirects not followed.
async fn form(c: &Client, path: &str, fields: &[(&str, &str)]) -> Answer {
    let mut req = c.http.post(format!("{}{path}", c.base)).form(fields);
    if let Some(cookie) = &c.cookie {
        req = req.header("cookie", cookie);
    }
    answer(req.send().await.expect("request")).await
}

/// A JSON post to a server function (those declared `input = Json`).
async fn sfn_json(c: &Client, name: &str, args: Value) -> Answer {
    let mut req = c.http.post(format!("{}/sfn/{name}", c.base)).json(&args);
    if let Some(cookie) = &c.cookie {
        req = req.header("cookie", cookie);
    }
    answer(req.send().await.expect("request")).await
}

async fn raw(c: &Client, method: reqwest::Method, path: &str, content_type: &str, body: &str) -> Answer {
    let mut req =
        c.http.request(method, format!("{}{path}", c.base)).header("content-type", content_type).body(body.to_string());
    if let Some(cookie) = &c.cookie {
        req = req.header("cookie", cookie);
    }
    answer(req.send().await.expect("request")).await
}

async fn next_is_only_followed_to_a_local_path(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut maya = client_from(&app, "127.0.0.1");
    maya.sign_up("Maya Lind", "maya@northwind.example", "Northwind").await;
    let id = maya.create_campaign("Spring").await;
    let anon = client_from(&app, "127.0.0.1");
    let sign_in = |next: &'static str| {
        let anon = anon.clone();
        async move {
            form(
                &anon,
                "/auth/signin",
                &[("email", "maya@northwind.example"), ("password", "correct horse"), ("next", next)],
            )
            .await
        }
    };

    // A plain local path is followed.
    let ok = sign_in("/campaigns/1?tab=board").await;
    assert_eq!((ok.status, ok.location.as_deref()), (303, Some("/campaigns/1?tab=board")));
    // A tab, a line break, a backslash or anything else than a plain local path goes home (browsers drop tabs and
    // line breaks: "/\t/evil.example" is "//evil.example", another site).
    for hostile in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/campaigns\r\nSet-Cookie: x=1",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example",
        "/ /evil.example",
    ] {
        let a = sign_in(hostile).await;
        assert_eq!((a.status, a.location.as_deref()), (303, Some("/")), "next = {hostile:?}");
    }

    // The same on sign-up (a new organization).
    let signup = form(
        &anon,
        "/auth/signup",
        &[
            ("name", "Eve"),
            ("email", "eve@elsewhere.example"),
            ("password", "correct horse"),
            ("org_name", "Elsewhere"),
            ("next", "/\t/evil.example"),
        ],
    )
    .await;
    assert_eq!((signup.status, signup.location.as_deref()), (303, Some("/")));
    // A failed sign-in goes back to the sign-in page with `next` encoded: still a local path.
    let wrong = form(
        &anon,
        "/auth/signin",
        &[("email", "maya@northwind.example"), ("password", "wrong one"), ("next", "/\r\n/evil.example")],
    )
    .await;
    let back = wrong.location.unwrap();
    assert!(back.starts_with("/signin?next=/%0D%0A/evil.example&error="), "{back}");

    // The invitation flows: a token with a line break or a tab is an unknown invitation, answered with a redirect
    // back to a local page (not a 500, not a header built from it).
    for token in ["x\r\nSet-Cookie: y=1", "\t/evil.example"] {
        for path in ["/auth/creator-signup", "/auth/join"] {
            let a = form(
                &anon,
                path,
                &[("token", token), ("name", "Ava"), ("email", "ava@x.example"), ("password", "correct horse")],
            )
            .await;
            let loc = a.location.unwrap_or_default();
            assert_eq!(a.status, 303, "{path} {token:?}");
            assert!(
                loc.starts_with('/') && !loc.starts_with("//") && loc.bytes().all(|b| b.is_ascii_graphic()),
                "{path}: {loc:?}"
            );
            assert!(loc.contains("error="), "{path}: {loc:?}");
        }
        let a = form(&anon, "/auth/accept", &[("token", token)]).await;
        let loc = a.location.unwrap_or_default();
        assert_eq!(a.status, 303);
        assert!(loc.starts_with("/signin?next=/invite/") && loc.bytes().all(|b| b.is_ascii_graphic()), "{loc:?}");
        let a = form(&maya, "/auth/accept", &[("token", token)]).await;
        let loc = a.location.unwrap_or_default();
        assert_eq!(a.status, 303);
        assert!(
            loc.starts_with("/invite/") && loc.bytes().all(|b| b.is_ascii_graphic()) && loc.contains("error="),
            "{loc:?}"
        );
    }
    assert_eq!(maya.get(&format!("/api/v1/campaigns/{id}")).await.status, 200);
}

async fn one_address_cannot_lock_the_owner_out(kind: DbKind) {
    // spawn_app allows 5 sign-in attempts per email and address in 10 minutes (25 per address).
    let app = spawn_app(kind).await;
    let mut maya = client_from(&app, "127.0.0.1");
    maya.sign_up("Maya Lind", "maya@northwind.example", "Northwind").await;
    let attacker = client_from(&app, "127.0.0.2");
    let guess = |c: &Client, email: &str, password: &str| {
        let (c, body) = (c.clone(), json!({ "email": email, "password": password }));
        async move { c.post("/api/v1/auth/signin", body).await }
    };

    for _ in 0..5 {
        assert_eq!(guess(&attacker, "maya@northwind.example", "wrong guess").await.status, 401);
    }
    let locked = guess(&attacker, "Maya@Northwind.example", "wrong guess").await;
    assert_eq!((locked.status, locked.code()), (429, "rate_limited"));
    assert!(locked.body["message"].as_str().unwrap().contains("try again in"), "{}", locked.body);
    // Even the right password does not get through from that address, nor through the sign-in form…
    assert_eq!(guess(&attacker, "maya@northwind.example", "correct horse").await.status, 429);
    let by_form =
        form(&attacker, "/auth/signin", &[("email", "maya@northwind.example"), ("password", "correct horse")]).await;
    assert!(by_form.location.unwrap().contains("Too%20many%20sign-in%20attempts"));

    // …but Maya, from her own address, signs in: by the API and by the form.
    let ok = guess(&maya, "maya@northwind.example", "correct horse").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let ok = form(&maya, "/auth/signin", &[("email", "maya@northwind.example"), ("password", "correct horse")]).await;
    assert_eq!((ok.status, ok.location.as_deref()), (303, Some("/")));

    // One address still has a cap across emails (five times the allowance).
    let mut refused_after = None;
    for i in 0..30 {
        if guess(&attacker, &format!("someone{i}@x.example"), "wrong guess").await.status == 429 {
            refused_after = Some(i);
            break;
        }
    }
    assert!(matches!(refused_after, Some(n) if n <= 25), "{refused_after:?}");
    assert_eq!(guess(&client_from(&app, "127.0.0.3"), "someone0@x.example", "wrong guess").await.status, 401);
}

/// Session fixation: whichever way a person signs in or signs up (the API or the HTML form), the session id the
/// browser carried before is no longer valid afterwards, and the new one is.
async fn every_sign_in_ends_the_session_it_came_with(kind: DbKind) {
    let app = spawn_app(kind).await;
    let http = http_from("127.0.0.1");
    let me = |cookie: String| {
        let (http, url) = (http.clone(), format!("{}/api/v1/me", app.base));
        async move { http.get(url).header("cookie", cookie).send().await.unwrap().status().as_u16() }
    };
    let session_of = |resp: &reqwest::Response| {
        let set = resp.headers().get("set-cookie").expect("a new session cookie").to_str().unwrap();
        set.split(';').next().unwrap().to_string()
    };
    let post_json = |path: &str, cookie: &str, body: Value| {
        http.post(format!("{}{path}", app.base)).header("cookie", cookie).json(&body).send()
    };
    let post_form = |path: &str, cookie: &str, fields: &[(&str, &str)]| {
        http.post(format!("{}{path}", app.base)).header("cookie", cookie).form(fields).send()
    };
    let credentials = json!({ "email": "maya@northwind.example", "password": "correct horse" });

    // Signing up through the API, with a session of somebody else's making in the browser.
    let mut ava = client_from(&app, "127.0.0.1");
    ava.sign_up("Ava Stone", "ava@northwind.example", "Northwind").await;
    let planted = ava.cookie.clone().unwrap();
    let resp = post_json(
        "/api/v1/auth/signup",
        &planted,
        json!({ "name": "Maya Lind", "email": "maya@northwind.example", "password": "correct horse", "org_name": "Acme" }),
    )
    .await
    .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let after_sign_up = session_of(&resp);
    assert_ne!(after_sign_up, planted);
    assert_eq!((me(planted).await, me(after_sign_up.clone()).await), (401, 200), "API sign-up");

    // Signing in through the API.
    let resp = post_json("/api/v1/auth/signin", &after_sign_up, credentials.clone()).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let after_api = session_of(&resp);
    assert_ne!(after_api, after_sign_up);
    assert_eq!((me(after_sign_up).await, me(after_api.clone()).await), (401, 200), "API sign-in");

    // Signing in through the form.
    let fields = [("email", "maya@northwind.example"), ("password", "correct horse")];
    let resp = post_form("/auth/signin", &after_api, &fields).await.unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let after_form = session_of(&resp);
    assert_ne!(after_form, after_api);
    assert_eq!((me(after_api).await, me(after_form.clone()).await), (401, 200), "form sign-in");

    // Signing up through the form.
    let fields = [
        ("name", "Jordan Park"),
        ("email", "jordan@acme.example"),
        ("password", "correct horse"),
        ("org_name", "Acme"),
    ];
    let resp = post_form("/auth/signup", &after_form, &fields).await.unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let after_form_sign_up = session_of(&resp);
    assert_eq!((me(after_form).await, me(after_form_sign_up).await), (401, 200), "form sign-up");
}

async fn sign_ups_are_limited_per_address(kind: DbKind) {
    let app = spawn_on(&fresh_database(kind).await, |c| c.sign_ups_per_hour = 3).await;
    let sign_up = |c: &Client, n: usize| {
        let c = c.clone();
        let body = json!({ "name": format!("Person {n}"), "email": format!("p{n}@burst.example"), "password": "correct horse", "org_name": format!("Org {n}") });
        async move { c.post("/api/v1/auth/signup", body).await }
    };
    let here = client_from(&app, "127.0.0.1");
    for n in 0..3 {
        assert_eq!(sign_up(&here, n).await.status, 201);
    }
    let refused = sign_up(&here, 3).await;
    assert_eq!((refused.status, refused.code()), (429, "rate_limited"), "{}", refused.body);
    let message = refused.body["message"].as_str().unwrap();
    assert!(message.contains("Too many sign-ups") && message.contains("try again in"), "{message}");
    // The sign-up form shares the allowance: back to the form with the message.
    let by_form = form(
        &here,
        "/auth/signup",
        &[("name", "P"), ("email", "p9@burst.example"), ("password", "correct horse"), ("org_name", "O")],
    )
    .await;
    let loc = by_form.location.unwrap();
    assert!(loc.starts_with("/signup?error=Too%20many%20sign-ups"), "{loc}");
    // Nothing was created for the refused ones.
    for email in ["p3@burst.example", "p9@burst.example"] {
        let r = here.post("/api/v1/auth/signin", json!({ "email": email, "password": "correct horse" })).await;
        assert_eq!(r.status, 401, "{email}");
    }
    // Another address still signs up.
    assert_eq!(sign_up(&client_from(&app, "127.0.0.2"), 4).await.status, 201);
}

async fn server_function_refusals_have_their_status(kind: DbKind) {
    let app = spawn_app(kind).await;
    let mut maya = app.client();
    maya.sign_up("Maya Lind", "maya@northwind.example", "Northwind").await;
    let id = maya.create_campaign("Spring").await;
    let card = maya.add_creator(id, "Ava Chen", "avachen").await;
    let mut eve = app.client();
    eve.sign_up("Eve Stone", "eve@elsewhere.example", "Elsewhere").await;
    let id_s = id.to_string();
    let card_s = card["id"].to_string();

    // Someone else's campaign: 404, as in the REST API, with the error readable as ever.
    let a = form(&eve, "/sfn/board", &[("campaign_id", &id_s)]).await;
    assert_eq!((a.status, a.code()), (404, "not_found"), "{}", a.body);
    assert!(a.content_type.starts_with("application/json"), "{}", a.content_type);
    assert_eq!(form(&maya, "/sfn/board", &[("campaign_id", &id_s)]).await.status, 200);
    // Not signed in: 401.
    let a = form(&app.client(), "/sfn/board", &[("campaign_id", &id_s)]).await;
    assert_eq!((a.status, a.code()), (401, "unauthorized"));
    // Invalid input: 422 naming the field.
    let a = form(&maya, "/sfn/create_campaign", &[("name", "  ")]).await;
    assert_eq!((a.status, a.code(), a.field()), (422, "validation", Some("name")), "{}", a.body);
    // A stale version: 409 with the card as it is now.
    let a = form(
        &maya,
        "/sfn/move_card",
        &[("campaign_id", &id_s), ("card_id", &card_s), ("stage", "contacted"), ("version", "99"), ("key", "k1")],
    )
    .await;
    assert_eq!((a.status, a.code()), (409, "conflict"), "{}", a.body);
    assert_eq!(a.body["current"]["id"], card["id"]);
    // Arguments that do not read: 400.
    let a = form(&maya, "/sfn/board", &[("campaign_id", "abc")]).await;
    assert_eq!((a.status, a.code()), (400, "bad_request"), "{}", a.body);
    // A JSON-input server function too.
    let a = sfn_json(
        &eve,
        "add_note",
        json!({ "campaign_id": id, "creator_id": card["id"], "input": { "text": "hi" }, "key": "k2" }),
    )
    .await;
    assert_eq!((a.status, a.code()), (404, "not_found"), "{}", a.body);
}

async fn api_rejections_answer_json_naming_the_parameter(kind: DbKind) {
    let app = spawn_app(kind).await;
    let (maya, id, card) = one_partner_one_card(&app).await;
    let cid = card["id"].as_i64().unwrap();

    let check = |r: &Reply, status: u16, code: &str, field: Option<&str>| {
        assert_eq!((r.status, r.code(), r.body["field"].as_str()), (status, code, field), "{}", r.body);
        assert!(!r.body["message"].as_str().unwrap_or("").is_empty(), "{}", r.body);
    };
    // A malformed path parameter, first or second.
    check(&maya.get("/api/v1/campaigns/abc/board").await, 400, "bad_request", Some("id"));
    let r = maya.get(&format!("/api/v1/campaigns/{id}/creators/xyz/detail")).await;
    check(&r, 400, "bad_request", Some("creator_id"));
    assert!(r.body["message"].as_str().unwrap().contains("`creator_id` must be a whole number"), "{}", r.body);
    check(&maya.get(&format!("/api/v1/campaigns/x{id}/dashboard")).await, 400, "bad_request", Some("id"));
    // A malformed query parameter.
    check(&maya.get(&format!("/api/v1/campaigns/{id}/events?after=x")).await, 400, "bad_request", Some("after"));
    check(&maya.get(&format!("/api/v1/campaigns/{id}/events?limit=1.5")).await, 400, "bad_request", Some("limit"));
    // A method the endpoint does not take.
    let r = maya.send(reqwest::Method::DELETE, "/api/v1/me", None, &[]).await;
    check(&r, 405, "bad_request", None);
    // A text body on a JSON endpoint.
    let r = raw(
        &maya,
        reqwest::Method::POST,
        &format!("/api/v1/campaigns/{id}/creators/{cid}/notes"),
        "text/plain",
        "hello",
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "bad_request"), "{}", r.body);
    // Bodies over the limit: the CSV import (read by its handler) and a JSON body (read by the request checks).
    for (path, content_type) in
        [(format!("/api/v1/campaigns/{id}/imports"), "text/csv"), ("/api/v1/campaigns".to_string(), "application/json")]
    {
        let (status, text) = maya.post_declared(&path, content_type, 11 * 1024 * 1024).await;
        assert_eq!(status, 413, "{path}");
        assert!(text.to_ascii_lowercase().contains("content-type: application/json"), "{path}: {text}");
        assert!(text.contains(r#""code":"payload_too_large""#), "{path}: {text}");
    }
    // Nothing was written by any of it.
    assert_eq!(maya.get("/api/v1/campaigns").await.ok().as_array().unwrap().len(), 1);
}

async fn nul_and_overlong_text_are_refused_naming_the_field(kind: DbKind) {
    let app = spawn_app(kind).await;
    let (maya, id, card) = one_partner_one_card(&app).await;
    let cid = card["id"].as_i64().unwrap();
    let creators = format!("/api/v1/campaigns/{id}/creators");
    let refused = |r: &Reply, field: &str| {
        assert_eq!((r.status, r.code(), r.body["field"].as_str()), (400, "bad_request", Some(field)), "{}", r.body);
        assert!(r.body["message"].as_str().unwrap().contains("NUL"), "{}", r.body);
    };

    // A creator's name (REST).
    let r = maya
        .post(
            &creators,
            json!({ "name": "Bo\u{0}b", "platform": "instagram", "handle": "bob", "followers": 10, "lane": "ugc" }),
        )
        .await;
    refused(&r, "name");
    // A note, and a nested profile field.
    refused(&maya.post(&format!("{creators}/{cid}/notes"), json!({ "text": "call\u{0}back" })).await, "text");
    let profile = json!({ "profile": { "name": "Ava Chen", "country": null, "language": null, "audience_notes": "x\u{0}", "rates": "", "contact_email": null },
        "stats": { "platform": "instagram", "handle": "avachen", "followers": 12000 }, "version": card["version"] });
    refused(&maya.put(&format!("{creators}/{cid}/profile"), profile).await, "profile.audience_notes");
    // The sign-in email, as a form post and as JSON.
    let a =
        form(&app.client(), "/auth/signin", &[("email", "maya@northwind.example\0"), ("password", "correct horse")])
            .await;
    assert_eq!((a.status, a.code(), a.field()), (400, "bad_request", Some("email")), "{}", a.body);
    refused(&app.client().post("/api/v1/auth/signin", json!({ "email": "\u{0}", "password": "x" })).await, "email");
    // A server function's argument, URL-encoded and JSON.
    let a = form(&maya, "/sfn/create_campaign", &[("name", "Sum\0mer")]).await;
    assert_eq!((a.status, a.code(), a.field()), (400, "bad_request", Some("name")), "{}", a.body);
    let a = sfn_json(
        &maya,
        "add_note",
        json!({ "campaign_id": id, "creator_id": cid, "input": { "text": "\u{0}" }, "key": "k" }),
    )
    .await;
    assert_eq!((a.status, a.code(), a.field()), (400, "bad_request", Some("input.text")), "{}", a.body);
    // The query and the path.
    refused(&maya.get(&format!("/api/v1/campaigns/{id}/events?after=%00")).await, "after");
    refused(&maya.post("/api/v1/invitations/ab%00cd/accept", json!({})).await, "path");

    // A single string over 100,000 characters: 422 naming it.
    let r = maya.post(&format!("{creators}/{cid}/notes"), json!({ "text": "x".repeat(100_001) })).await;
    assert_eq!((r.status, r.code(), r.body["field"].as_str()), (422, "validation", Some("text")), "{}", r.body);

    // Nothing was written: one campaign, one creator, no notes.
    assert_eq!(maya.get("/api/v1/campaigns").await.ok().as_array().unwrap().len(), 1);
    let board = maya.get(&format!("/api/v1/campaigns/{id}/board")).await.ok();
    assert_eq!(board["cards"].as_array().unwrap().len(), 1, "{board}");
    let detail = maya.get(&format!("{creators}/{cid}/detail")).await.ok();
    let history = detail["history"].as_array().unwrap();
    assert!(history.iter().all(|h| h["kind"] != "note" && h["kind"] != "edited"), "{detail}");
    // Ordinary text still passes.
    assert_eq!(
        maya.post(&format!("{creators}/{cid}/notes"), json!({ "text": "call back \\u0000 is fine as text" }))
            .await
            .status,
        201
    );
}

async fn the_openapi_document_matches_the_code(kind: DbKind) {
    let app = spawn_app(kind).await;
    let doc = app.client().get("/api/v1/openapi.json").await.ok();
    // An event's `kind` and `data` are one of `Change`'s variants (generated from the enum).
    let variants = doc["components"]["schemas"]["Change"]["oneOf"].as_array().unwrap();
    let kinds: Vec<&str> = variants.iter().map(|v| v["properties"]["kind"]["enum"][0].as_str().unwrap()).collect();
    assert_eq!(kinds, app::realtime::Change::KINDS);
    assert_eq!(variants.len(), app::realtime::Change::KINDS.len());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if let Some(answer) = operation["responses"].get("204") {
                assert!(answer.get("content").is_none(), "{method} {path}: a 204 is documented with a body");
            }
        }
    }
    let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
    assert!(codes.as_array().unwrap().contains(&json!("payload_too_large")), "{codes}");
}

/// Maya (Northwind) with the campaign "Spring" and one card, Ava Chen's. Returns (maya, campaign id, card).
async fn one_partner_one_card(app: &TestApp) -> (Client, i64, Value) {
    let (maya, _) = signed_up(app, "Maya Lind", "maya@northwind.example", "Northwind").await;
    let id = maya.create_campaign("Spring").await;
    let card = maya.add_creator(id, "Ava Chen", "avachen").await;
    (maya, id, card)
}
