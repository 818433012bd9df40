//! The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`.
use axum::Json;
use serde_json::{json, Value};

fn op(summary: &str, tag: &str, body: Option<&str>, ok: (&str, Value), extra: &[&str]) -> Value {
    let mut o = json!({
        "summary": summary,
        "tags": [tag],
        "responses": {
            ok.0: { "description": "OK", "content": { "application/json": { "schema": ok.1 } } },
            "default": { "description": "Error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
        }
    });
    if let Some(schema) = body {
        o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    }
    let mut params = Vec::new();
    for p in extra {
        match *p {
            "id" => params.push(json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" }, "description": "Campaign id" })),
            "creator_id" => params.push(json!({ "name": "creator_id", "in": "path", "required": true, "schema": { "type": "integer" } })),
            "token" => params.push(json!({ "name": "token", "in": "path", "required": true, "schema": { "type": "string" } })),
            "token_id" => params.push(json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } })),
            "idem" => params.push(json!({ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "maxLength": 200 },
                "description": "Retrying with the same key returns the first answer and applies nothing twice" })),
            "after" => {
                params.push(json!({ "name": "after", "in": "query", "schema": { "type": "integer", "default": 0 }, "description": "Last sequence number seen" }));
                params.push(json!({ "name": "limit", "in": "query", "schema": { "type": "integer", "default": 500, "maximum": 1000 } }));
            }
            _ => {}
        }
    }
    if !params.is_empty() {
        o["parameters"] = Value::Array(params);
    }
    o
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn arr(name: &str) -> Value {
    json!({ "type": "array", "items": r(name) })
}

pub fn spec() -> Value {
    let stages = json!(["prospect", "contacted", "negotiating", "contracted", "briefed", "content_in_progress", "posted", "paid", "declined"]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Chorus API",
            "version": "1",
            "description": "The shared, live command center for joint influencer and UGC campaigns. Authenticate with `Authorization: Bearer <token>` (tokens are created under API tokens in the app) or with the session cookie. Live updates: open a WebSocket at `/ws` and send `{\"op\":\"subscribe\",\"campaign_id\":1,\"after\":0}`."
        },
        "servers": [{ "url": "/" }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "session": { "type": "apiKey", "in": "cookie", "name": "chorus_session" }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["code", "message"], "properties": {
                    "code": { "type": "string", "enum": ["bad_request", "unauthorized", "forbidden", "not_found", "validation", "conflict", "idempotency_key_reused", "rate_limited", "internal"] },
                    "message": { "type": "string", "description": "A sentence a person can act on" },
                    "field": { "type": "string", "description": "The field at fault" },
                    "current": { "description": "For conflicts: the record as it is now" } } },
                "Org": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "kind": { "type": "string", "enum": ["brand", "agency"] }, "color": { "type": "string" } } },
                "Me": { "type": "object", "properties": { "user_id": { "type": "integer" }, "name": { "type": "string" }, "email": { "type": "string" }, "role": { "type": "string", "enum": ["member", "creator"] }, "org": r("Org") } },
                "SignUp": { "type": "object", "required": ["name", "email", "password", "org_name"], "properties": { "name": { "type": "string" }, "email": { "type": "string" }, "password": { "type": "string", "minLength": 8 }, "org_name": { "type": "string" }, "org_kind": { "type": "string", "enum": ["brand", "agency"] } } },
                "SignIn": { "type": "object", "required": ["email", "password"], "properties": { "email": { "type": "string" }, "password": { "type": "string" } } },
                "Campaign": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "status": { "type": "string" }, "owner_org": r("Org"), "partners": arr("Org"), "created_at": { "type": "string", "format": "date-time" } } },
                "NewCampaign": { "type": "object", "required": ["name"], "properties": { "name": { "type": "string", "maxLength": 120 } } },
                "NewInvitation": { "type": "object", "required": ["kind"], "properties": { "kind": { "type": "string", "enum": ["partner", "creator"] }, "creator_id": { "type": "integer" } } },
                "Stage": { "type": "string", "enum": stages },
                "Card": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "campaign_id": { "type": "integer" }, "name": { "type": "string" }, "platform": { "type": "string" },
                    "handle": { "type": "string" }, "followers": { "type": "integer" }, "lane": { "type": "string", "enum": ["influencer", "ugc"] },
                    "stage": r("Stage"), "owner": r("Org"), "owner_person": { "type": ["string", "null"] }, "next_action": { "type": ["string", "null"] },
                    "version": { "type": "integer", "description": "Send it back when changing the card; a stale version is refused with 409" },
                    "updated_at": { "type": "string", "format": "date-time" } } },
                "Board": { "type": "object", "properties": { "campaign": r("Campaign"), "cards": arr("Card"), "head": { "type": "integer", "description": "Sequence number of the last event included" } } },
                "NewCreator": { "type": "object", "required": ["name", "platform", "handle"], "properties": {
                    "name": { "type": "string" }, "platform": { "type": "string", "enum": ["instagram", "tiktok", "youtube", "x", "twitch", "other"] },
                    "handle": { "type": "string" }, "followers": { "type": "integer", "minimum": 0 }, "lane": { "type": "string", "enum": ["influencer", "ugc"] },
                    "owner_org_id": { "type": "integer" }, "next_action": { "type": "string" } } },
                "MoveCard": { "type": "object", "required": ["stage", "version"], "properties": { "stage": r("Stage"), "version": { "type": "integer" } } },
                "Event": { "type": "object", "description": "One entry of a campaign's event log; `seq` is gap-free per campaign", "properties": {
                    "campaign_id": { "type": "integer" }, "seq": { "type": "integer" }, "at": { "type": "string", "format": "date-time" },
                    "actor": { "type": "object" }, "kind": { "type": "string", "enum": ["card_added", "card_moved", "partner_joined", "creator_joined"] }, "data": { "type": "object" } } },
                "ApiToken": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "prefix": { "type": "string" }, "created_by": { "type": "string" }, "created_at": { "type": "string" }, "last_used_at": { "type": ["string", "null"] }, "revoked_at": { "type": ["string", "null"] } } },
                "NewApiToken": { "type": "object", "properties": { "token": r("ApiToken"), "secret": { "type": "string", "description": "Shown once" } } },
                "NewComment": { "type": "object", "required": ["section", "body"], "properties": { "section": { "type": "string" }, "body": { "type": "string" }, "parent_id": { "type": "integer" } } },
                "Join": { "type": "object", "required": ["name", "email", "password"], "properties": { "name": { "type": "string" }, "email": { "type": "string" }, "password": { "type": "string", "minLength": 8 } } },
                "NewToken": { "type": "object", "required": ["name"], "properties": { "name": { "type": "string" } } }
            }
        },
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": {
            "/api/v1/auth/signup": { "post": op("Create an organization and its first member; sets the session cookie", "accounts", Some("SignUp"), ("201", r("Me")), &[]) },
            "/api/v1/auth/signin": { "post": op("Sign in; sets the session cookie (rate limited)", "accounts", Some("SignIn"), ("200", r("Me")), &[]) },
            "/api/v1/auth/signout": { "post": op("Sign out", "accounts", None, ("204", json!({})), &[]) },
            "/api/v1/me": { "get": op("The signed-in person", "accounts", None, ("200", r("Me")), &[]) },
            "/api/v1/campaigns": {
                "get": op("Campaigns your organization is a partner of", "campaigns", None, ("200", arr("Campaign")), &[]),
                "post": op("Start a campaign", "campaigns", Some("NewCampaign"), ("201", r("Campaign")), &[])
            },
            "/api/v1/campaigns/{id}": { "get": op("One campaign (404 unless your organization is a partner)", "campaigns", None, ("200", r("Campaign")), &["id"]) },
            "/api/v1/campaigns/{id}/invitations": { "post": op("Create a single-use invitation link for a partner or a creator", "campaigns", Some("NewInvitation"), ("201", json!({ "type": "object" })), &["id"]) },
            "/api/v1/invitations/{token}/accept": { "post": op("Your organization joins the campaign as a partner", "campaigns", None, ("200", r("Campaign")), &["token"]) },
            "/api/v1/campaigns/{id}/board": { "get": op("The outreach board", "outreach", None, ("200", r("Board")), &["id"]) },
            "/api/v1/campaigns/{id}/creators": { "post": op("Add a creator to the shared pool", "outreach", Some("NewCreator"), ("201", r("Card")), &["id", "idem"]) },
            "/api/v1/campaigns/{id}/creators/{creator_id}": { "get": op("One creator card", "outreach", None, ("200", r("Card")), &["id", "creator_id"]) },
            "/api/v1/campaigns/{id}/creators/{creator_id}/move": { "post": op("Move a card to another stage (409 on a stale version)", "outreach", Some("MoveCard"), ("200", r("Card")), &["id", "creator_id", "idem"]) },
            "/api/v1/campaigns/{id}/events": { "get": op("The activity trail: events after a sequence number", "realtime", None, ("200", json!({ "type": "object", "properties": { "head": { "type": "integer" }, "events": arr("Event") } })), &["id", "after"]) },
            "/api/v1/campaigns/{id}/charter": { "get": op("The joint strategy charter: draft, sections with versions, the version up for sign-off, signatures, launch checklist, comments", "charter", None, ("200", json!({ "type": "object" })), &["id"]) },
            "/api/v1/campaigns/{id}/charter.md": { "get": op("The charter as Markdown (the version up for sign-off, or the draft)", "charter", None, ("200", json!({ "type": "string" })), &["id"]) },
            "/api/v1/campaigns/{id}/charter/sections/{section}": { "put": { "summary": "Save one section of the draft (409 when based on a stale section version)", "tags": ["charter"],
                "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } },
                    { "name": "section", "in": "path", "required": true, "schema": { "type": "string", "enum": ["audience", "value_proposition", "creative_brief", "tiers", "pillars", "criteria", "success", "thresholds", "responsibilities", "ownership", "rotation"] } },
                    { "name": "Idempotency-Key", "in": "header", "schema": { "type": "string" } } ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["body", "version"], "properties": { "body": { "type": "object" }, "version": { "type": "integer" } } } } } },
                "responses": { "200": { "description": "Saved" }, "default": { "description": "Error", "content": { "application/json": { "schema": r("Error") } } } } } },
            "/api/v1/campaigns/{id}/charter/propose": { "post": op("Freeze the draft as the next version for sign-off", "charter", None, ("201", json!({ "type": "object", "properties": { "number": { "type": "integer" } } })), &["id"]) },
            "/api/v1/campaigns/{id}/charter/versions/{number}/sign": { "post": { "summary": "Sign a version for your organization (only its accountable people may)", "tags": ["charter"],
                "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }, { "name": "number", "in": "path", "required": true, "schema": { "type": "integer" } } ],
                "responses": { "204": { "description": "Signed" }, "default": { "description": "Error", "content": { "application/json": { "schema": r("Error") } } } } } },
            "/api/v1/campaigns/{id}/charter/comments": { "post": op("Comment on a section (creators: the creator-facing ones)", "charter", Some("NewComment"), ("201", json!({ "type": "object" })), &["id"]) },
            "/api/v1/campaigns/{id}/charter/comments/{comment_id}/resolve": { "post": { "summary": "Mark a comment thread resolved", "tags": ["charter"],
                "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }, { "name": "comment_id", "in": "path", "required": true, "schema": { "type": "integer" } } ],
                "responses": { "204": { "description": "Resolved" }, "default": { "description": "Error", "content": { "application/json": { "schema": r("Error") } } } } } },
            "/api/v1/campaigns/{id}/charter/for-creator": { "get": op("What an invited creator sees of the charter", "charter", None, ("200", json!({ "type": "object" })), &["id"]) },
            "/api/v1/campaigns/{id}/launch": { "post": op("Take the campaign live; refused with the list of what is missing (`current.missing`) until the charter is complete and signed by every partner", "charter", None, ("204", json!({})), &["id"]) },
            "/api/v1/org/members": { "get": op("Members of your organization", "accounts", None, ("200", json!({ "type": "array", "items": { "type": "object" } })), &[]) },
            "/api/v1/org/invitations": { "post": op("A single-use link for a colleague to join your organization", "accounts", None, ("201", json!({ "type": "object" })), &[]) },
            "/api/v1/org/invitations/{token}/accept": { "post": op("Create an account in the inviting organization; sets the session cookie", "accounts", Some("Join"), ("201", r("Me")), &["token"]) },
            "/api/v1/tokens": {
                "get": op("Your organization's API tokens", "accounts", None, ("200", arr("ApiToken")), &[]),
                "post": op("Create an API token (the secret is returned once)", "accounts", Some("NewToken"), ("201", r("NewApiToken")), &[])
            },
            "/api/v1/tokens/{id}": { "delete": op("Revoke an API token", "accounts", None, ("204", json!({})), &["token_id"]) }
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
