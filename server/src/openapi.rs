//! The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`.
use axum::Json;
use serde_json::{json, Value};

/// An operation answering `ok` (status and schema; a 204 has no body, whatever schema is given).
pub(crate) fn op(summary: &str, tag: &str, body: Option<&str>, ok: (&str, Value), extra: &[&str]) -> Value {
    let answer = if ok.0 == "204" {
        json!({ "description": "Done; no content" })
    } else {
        json!({ "description": "OK", "content": { "application/json": { "schema": ok.1 } } })
    };
    let mut o = json!({
        "summary": summary,
        "tags": [tag],
        "responses": {
            ok.0: answer,
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
            "import_id" => params.push(json!({ "name": "import_id", "in": "path", "required": true, "schema": { "type": "integer" }, "description": "From the preview" })),
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

pub(crate) fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub(crate) fn arr(name: &str) -> Value {
    json!({ "type": "array", "items": r(name) })
}

/// The `default` error response, for operations written by hand.
pub(crate) fn error_response() -> Value {
    json!({ "description": "Error", "content": { "application/json": { "schema": r("Error") } } })
}

/// Documents error statuses worth knowing about (all in the `Error` shape) on an operation.
pub(crate) fn fails(mut o: Value, errors: &[(&str, &str)]) -> Value {
    for (status, why) in errors {
        o["responses"][*status] =
            json!({ "description": why, "content": { "application/json": { "schema": r("Error") } } });
    }
    o
}

/// Adds every entry of `more` (an object) to `into` (an object).
pub(crate) fn extend(into: &mut Value, more: Value) {
    if let (Some(into), Value::Object(more)) = (into.as_object_mut(), more) {
        into.extend(more);
    }
}

/// A nullable scalar: `{"type": [t, "null"]}` with an optional format.
pub(crate) fn nullable(t: &str, format: Option<&str>) -> Value {
    let mut v = json!({ "type": [t, "null"] });
    if let Some(f) = format {
        v["format"] = json!(f);
    }
    v
}

const ER_FORMULAS: &str = "Engagements = avg likes + avg comments + avg shares + avg saves (per post). \
ER by followers = engagements / followers; ER by reach = engagements / average reach (views). Both are percentages, \
and undefined (not zero) without followers or without reach figures.";

const DUPLICATE_RULES: &str = "The same person is never two records. A platform + handle is unique per campaign \
(case-insensitive, without the @): adding one already in the pool is refused with 409, `field: \"handle\"` and the \
creator holding it in `current`. A creator with the same name or contact email as one already in the pool is refused \
with 409 (`field` \"name\" or \"contact_email\", the look-alike in `current`) unless `allow_similar` is true: add the handle \
to the existing creator (`POST …/handles`) or merge the two records (`POST …/merge`) instead.";

pub fn spec() -> Value {
    let stages = json!([
        "prospect",
        "contacted",
        "negotiating",
        "contracted",
        "briefed",
        "content_in_progress",
        "posted",
        "paid",
        "declined",
        "archived"
    ]);
    let sections = json!([
        "audience",
        "value_proposition",
        "creative_brief",
        "tiers",
        "pillars",
        "criteria",
        "success",
        "thresholds",
        "responsibilities",
        "ownership",
        "rotation"
    ]);
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Chorus API",
            "version": "1",
            "description": "The shared, live command center for joint influencer and UGC campaigns. Authenticate with `Authorization: Bearer <token>` (tokens are created under API tokens in the app) or with the session cookie. Live updates: open a WebSocket at `/ws` and send `{\"op\":\"subscribe\",\"campaign_id\":1,\"after\":0}` (messages: `ClientMessage` and `ServerMessage` below). Mutations accept an `Idempotency-Key` header; editable records carry a `version`, and a write based on a stale one is refused with 409 and the record as it is now in `current`."
        },
        "servers": [{ "url": "/" }],
        "tags": [
            { "name": "accounts", "description": "Sign-up, sessions, colleagues and API tokens" },
            { "name": "campaigns", "description": "Campaigns and their partner organizations" },
            { "name": "outreach", "description": "The outreach board: creators as cards moving through stages, each with one relationship owner" },
            { "name": "pool", "description": format!("The shared creator pool: profiles with figures per platform, engagement both ways, tiers from the charter's tier definitions, one relationship owner with recorded changes, notes and history, merges, CSV import (preview, then all / only the valid rows / nothing) and export. {ER_FORMULAS} {DUPLICATE_RULES}") },
            { "name": "realtime", "description": "The activity trail (the campaign's event log) and live updates" },
            { "name": "charter", "description": "The joint strategy charter, its sign-off and the launch" },
            { "name": "content", "description": crate::openapi_content::TAG_DESCRIPTION },
            { "name": "metrics", "description": "Performance numbers: tracked posts and their daily figures (corrections kept), totals and KPIs with their formulas" }
        ],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "session": { "type": "apiKey", "in": "cookie", "name": "chorus_session" }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["code", "message"], "properties": {
                    "code": { "type": "string", "enum": ["bad_request", "unauthorized", "forbidden", "not_found", "validation", "conflict", "idempotency_key_reused", "rate_limited", "payload_too_large", "internal", "unavailable"] },
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
                "Stage": { "type": "string", "enum": stages, "description": "The flow runs prospect → paid; declined and archived are kept out of the way" },
                "Card": { "type": "object", "description": "A creator of the pool as the board shows it. Engagement rates and the tier are computed from `followers`, `avg_reach` and `engagements` against the board's `tiers`.", "properties": {
                    "id": { "type": "integer" }, "campaign_id": { "type": "integer" }, "name": { "type": "string" },
                    "platform": { "type": "string", "description": "The primary handle's platform" },
                    "handle": { "type": "string", "description": "The primary handle, without the @" }, "followers": { "type": "integer" },
                    "avg_reach": { "type": ["integer", "null"], "description": "The primary handle's average reach (views) per post; null when unknown" },
                    "engagements": { "type": "integer", "description": "The primary handle's avg likes + comments + shares + saves per post" },
                    "handles": { "type": "integer", "description": "How many handles the creator has across platforms" },
                    "country": nullable("string", None),
                    "lane": { "type": "string", "enum": ["influencer", "ugc"] },
                    "stage": r("Stage"), "stage_since": { "type": "string", "format": "date-time", "description": "When the card entered its current stage" },
                    "owner": r("Org"), "owner_user_id": nullable("integer", None), "owner_person": { "type": ["string", "null"] },
                    "next_action": { "type": ["string", "null"] }, "next_action_due": nullable("string", Some("date")),
                    "version": { "type": "integer", "description": "Send it back when changing the card; a stale version is refused with 409" },
                    "updated_at": { "type": "string", "format": "date-time" } } },
                "Board": { "type": "object", "properties": {
                    "campaign": r("Campaign"), "cards": arr("Card"),
                    "tiers": r("Tiers"),
                    "people": { "type": "array", "items": r("PartnerPerson"), "description": "People of every partner, for owner pickers and the person filter" },
                    "head": { "type": "integer", "description": "Sequence number of the last event included" } } },
                "NewCreator": { "type": "object", "required": ["name", "platform", "handle"], "description": DUPLICATE_RULES, "properties": {
                    "name": { "type": "string", "maxLength": 120 }, "platform": { "type": "string", "enum": ["instagram", "tiktok", "youtube", "x", "twitch", "other"] },
                    "handle": { "type": "string", "description": "With or without the @; no spaces" }, "followers": { "type": "integer", "minimum": 0, "default": 0 },
                    "avg_reach": { "type": ["integer", "null"], "minimum": 0, "description": "Average reach (views) per post" },
                    "avg_likes": { "type": "integer", "minimum": 0, "default": 0 }, "avg_comments": { "type": "integer", "minimum": 0, "default": 0 },
                    "avg_shares": { "type": "integer", "minimum": 0, "default": 0 }, "avg_saves": { "type": "integer", "minimum": 0, "default": 0 },
                    "lane": { "type": "string", "enum": ["influencer", "ugc"], "default": "influencer" },
                    "owner_org_id": { "type": "integer", "description": "A partner of the campaign; defaults to your organization" },
                    "owner_user_id": { "type": "integer", "description": "A person of the owner organization; defaults to you when the owner is your organization (and you are not using a token)" },
                    "stage": { "$ref": "#/components/schemas/Stage", "description": "Defaults to prospect" },
                    "next_action": { "type": "string" }, "next_action_due": { "type": "string", "format": "date" },
                    "country": { "type": "string", "pattern": "^[A-Za-z]{2}$", "description": "ISO 3166 alpha-2, e.g. US" },
                    "language": { "type": "string", "pattern": "^[A-Za-z]{2,3}$", "description": "ISO 639-1, e.g. en" },
                    "audience_notes": { "type": "string" }, "rates": { "type": "string", "description": "Free text, e.g. \"$1,200 per Reel\"" },
                    "contact_email": { "type": "string", "format": "email" },
                    "allow_similar": { "type": "boolean", "default": false, "description": "Add even though a creator with the same name or contact email is in the pool" } } },
                "MoveCard": { "type": "object", "required": ["stage", "version"], "properties": { "stage": r("Stage"), "version": { "type": "integer" } } },
                "Event": { "type": "object", "description": "One entry of a campaign's event log; `seq` is gap-free per campaign. `data` depends on `kind` (see `oneOf`).",
                    "required": ["campaign_id", "seq", "at", "actor", "kind", "data"], "properties": {
                    "campaign_id": { "type": "integer" }, "seq": { "type": "integer" }, "at": { "type": "string", "format": "date-time" },
                    "actor": r("Actor"), "kind": { "type": "string", "enum": event_kinds() }, "data": { "type": "object" } },
                    "oneOf": event_variants() },
                "Actor": { "type": "object", "description": "Who made a change", "properties": {
                    "user_id": { "type": "integer" }, "name": { "type": "string" }, "org_id": nullable("integer", None), "org_name": nullable("string", None) } },
                "CharterSection": { "type": "string", "enum": sections },
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
            "/api/v1/campaigns/{id}/creators": { "post": add_creator_op() },
            "/api/v1/campaigns/{id}/creators/{creator_id}": { "get": op("One creator card", "outreach", None, ("200", r("Card")), &["id", "creator_id"]) },
            "/api/v1/campaigns/{id}/creators/{creator_id}/move": { "post": op("Move a card to another stage (409 on a stale version)", "outreach", Some("MoveCard"), ("200", r("Card")), &["id", "creator_id", "idem"]) },
            "/api/v1/campaigns/{id}/events": { "get": op("The activity trail: events after a sequence number", "realtime", None, ("200", json!({ "type": "object", "properties": { "head": { "type": "integer" }, "reset": { "type": "boolean", "description": "The events after `after` are no longer kept (or `after` is beyond the head): no events are returned; reload the campaign's state and continue from `head`" }, "reason": { "type": "string" }, "events": arr("Event") } })), &["id", "after"]) },
            "/api/v1/campaigns/{id}/charter": { "get": op("The joint strategy charter: draft, sections with versions, the version up for sign-off, signatures, launch checklist, comments", "charter", None, ("200", json!({ "type": "object" })), &["id"]) },
            "/api/v1/campaigns/{id}/charter.md": { "get": op("The charter as Markdown (the version up for sign-off, or the draft)", "charter", None, ("200", json!({ "type": "string" })), &["id"]) },
            "/api/v1/campaigns/{id}/charter/sections/{section}": { "put": { "summary": "Save one section of the draft (409 when based on a stale section version)", "tags": ["charter"],
                "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } },
                    { "name": "section", "in": "path", "required": true, "schema": r("CharterSection") },
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
    });
    extend(&mut doc["components"]["schemas"], pool_schemas());
    extend(&mut doc["components"]["schemas"], live_schemas());
    extend(&mut doc["paths"], pool_paths());
    extend(&mut doc["paths"], crate::openapi_content::metrics_paths());
    extend(&mut doc["components"]["schemas"], crate::openapi_content::metrics_schemas());
    extend(&mut doc["paths"], crate::openapi_content::content_paths());
    extend(&mut doc["components"]["schemas"], crate::openapi_content::content_schemas());
    doc
}

/// `POST …/creators`: the one creator-adding operation, with its duplicate rules.
fn add_creator_op() -> Value {
    let mut o = fails(
        op(
            "Add a creator to the shared pool, with the primary handle's figures (409 on a duplicate; see `NewCreator`)",
            "pool",
            Some("NewCreator"),
            ("201", r("Card")),
            &["id", "idem"],
        ),
        &[
            ("409", "A duplicate: the platform + handle is already in the pool (`field: \"handle\"`), or a creator with the same name or contact email is (`field` \"name\" or \"contact_email\"; send `allow_similar: true` to add anyway). `current` is the creator already there."),
            ("422", "A field is invalid (`field` names it)"),
        ],
    );
    o["tags"] = json!(["outreach", "pool"]);
    o
}

/// The `kind`s of the event log, as `realtime::Change` names them.
fn event_kinds() -> Value {
    let kinds: Vec<&str> = event_data().iter().map(|(k, _)| *k).collect();
    json!(kinds)
}

/// Each event kind and the shape of its `data`.
fn event_data() -> Vec<(&'static str, Value)> {
    let int = || json!({ "type": "integer" });
    let text = || json!({ "type": "string" });
    // Every field is always sent (absent values as null).
    let obj = |props: Value| {
        let required: Vec<String> = props.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        json!({ "type": "object", "required": required, "properties": props })
    };
    vec![
        ("card_added", obj(json!({ "card": r("Card") }))),
        (
            "card_moved",
            obj(json!({ "card_id": int(), "name": text(), "from": r("Stage"), "to": r("Stage"), "version": int() })),
        ),
        (
            "card_updated",
            obj(
                json!({ "card": r("Card"), "what": { "type": "string", "description": "Completes \"{who} …\": \"handed Ava Chen from Brightline to Kanal Studio\"" } }),
            ),
        ),
        ("card_noted", obj(json!({ "card_id": int(), "name": text() }))),
        (
            "creators_imported",
            obj(json!({ "count": int(), "file": text(),
            "cards": { "type": ["array", "null"], "items": r("Card"), "description": "The new cards for files of up to 100 rows; null for larger ones (reload the board)" } })),
        ),
        ("creators_merged", obj(json!({ "into": r("Card"), "removed_id": int(), "removed_name": text() }))),
        ("partner_joined", obj(json!({ "org": r("Org") }))),
        ("creator_joined", obj(json!({ "creator_id": int(), "user_id": int() }))),
        ("charter_section_saved", obj(json!({ "section": r("CharterSection"), "version": int() }))),
        ("charter_proposed", obj(json!({ "number": int(), "replaces_signed": nullable("integer", None) }))),
        ("charter_signed", obj(json!({ "number": int(), "org": r("Org") }))),
        (
            "charter_commented",
            obj(json!({ "comment_id": int(), "section": r("CharterSection"), "by_creator": { "type": "boolean" } })),
        ),
        ("charter_comment_resolved", obj(json!({ "comment_id": int() }))),
        ("campaign_launched", obj(json!({ "charter_version": int() }))),
        (
            "deliverable_changed",
            obj(json!({ "deliverable_id": int(), "creator_id": int(), "lane": r("Lane"), "status": r("Status"),
            "what": { "type": "string", "description": "Completes \"{who} …\" (briefed, submitted, reviewed or paid)" } })),
        ),
        (
            "deliverable_commented",
            obj(json!({ "deliverable_id": int(), "creator_id": int(), "title": text(),
            "internal": { "type": "boolean", "description": "Partners only: never sent to the creator" } })),
        ),
        ("lane_saved", obj(json!({ "lane": r("Lane") }))),
        (
            "time_zone_set",
            obj(json!({ "time_zone": { "type": "string", "description": "An IANA name, e.g. Europe/Berlin" } })),
        ),
        ("escalation_raised", obj(json!({ "escalation": r("Escalation") }))),
        ("escalation_updated", obj(json!({ "escalation": r("Escalation") }))),
        ("post_tracked", obj(json!({ "post_id": int(), "creator_name": text(), "lane": r("Lane") }))),
        (
            "metrics_ingested",
            obj(json!({ "source": text(), "inserted": int(),
            "corrected": { "type": "integer", "description": "Rows whose stored figures changed (the old ones are kept)" } })),
        ),
        (
            "cpm_set",
            obj(json!({ "platform": text(),
            "cpm_cents": { "type": "integer", "description": "Cents per 1,000 impressions used to estimate the platform's earned media value" } })),
        ),
    ]
}

fn event_variants() -> Value {
    Value::Array(
        event_data()
            .into_iter()
            .map(|(kind, data)| json!({ "properties": { "kind": { "const": kind }, "data": data } }))
            .collect(),
    )
}

/// The shared creator pool's types (`app::pool`).
fn pool_schemas() -> Value {
    let int = || json!({ "type": "integer", "minimum": 0, "default": 0 });
    json!({
        "PlatformStats": { "type": "object", "required": ["platform", "handle"],
            "description": format!("One of a creator's accounts with its recent averages per post. {ER_FORMULAS}"), "properties": {
            "platform": { "type": "string", "enum": ["instagram", "tiktok", "youtube", "x", "twitch", "other"] },
            "handle": { "type": "string", "description": "Without the @ (a leading @ is dropped)" },
            "followers": int(),
            "avg_reach": { "type": ["integer", "null"], "minimum": 0, "description": "Average reach (views, unique viewers) per post; null when unknown" },
            "avg_likes": int(), "avg_comments": int(), "avg_shares": int(), "avg_saves": int() } },
        "Profile": { "type": "object", "required": ["name"], "description": "The editable profile of a creator (everything but the handles and the board fields)", "properties": {
            "name": { "type": "string", "maxLength": 120 },
            "country": { "type": ["string", "null"], "description": "ISO 3166 alpha-2, e.g. US" },
            "language": { "type": ["string", "null"], "description": "ISO 639-1, e.g. en" },
            "audience_notes": { "type": "string" },
            "rates": { "type": "string", "description": "Free text, e.g. \"$1,200 per Reel, $400 per Story\"" },
            "contact_email": { "type": ["string", "null"], "format": "email" } } },
        "HistoryEntry": { "type": "object", "description": "One entry of a creator's history, newest first in `CreatorDetail`", "properties": {
            "id": { "type": "integer" },
            "kind": { "type": "string", "enum": ["added", "moved", "owner", "note", "edited", "handle", "merged", "imported", "next_action"] },
            "text": { "type": "string", "description": "The note, or what changed (\"Owner changed from Brightline Social to Kanal Studio · Lena\")" },
            "actor_name": { "type": "string" }, "actor_org": nullable("string", None),
            "at": { "type": "string", "format": "date-time" } } },
        "CreatorDetail": { "type": "object", "description": "Everything a card's detail shows", "properties": {
            "card": r("Card"), "profile": r("Profile"),
            "handles": { "type": "array", "items": r("PlatformStats"), "description": "Every handle with its figures; the primary one first" },
            "history": arr("HistoryEntry"),
            "account": { "type": ["array", "null"], "items": { "type": "string" }, "minItems": 2, "maxItems": 2,
                "description": "The creator's own account as [name, email], once they accepted a portal invitation" } } },
        "PartnerPerson": { "type": "object", "description": "A person at a partner organization", "properties": {
            "user_id": { "type": "integer" }, "name": { "type": "string" }, "org_id": { "type": "integer" } } },
        "Tier": { "type": "object", "description": "One tier of the charter: a follower band [min_followers, max_followers) and the engagement rate it asks for", "properties": {
            "name": { "type": "string" }, "min_followers": { "type": "integer" },
            "max_followers": { "type": ["integer", "null"], "description": "null: no upper bound" },
            "min_engagement_rate": { "type": "number", "description": "Percent, 0–100" },
            "basis": { "type": "string", "enum": ["followers", "reach"], "description": "Which engagement rate the minimum applies to" } } },
        "Tiers": { "type": "object", "description": "The charter's tier definitions (the nano…mega template until the charter sets them). A creator's follower band gives their follower tier; if their engagement rate (on that tier's basis) is below its minimum they are flagged \"below their tier's minimum\" and placed in the highest smaller tier whose minimum they meet, or in none.",
            "properties": { "tiers": arr("Tier") } },
        "ChangeOwner": { "type": "object", "required": ["org_id", "version"], "description": "Hand the relationship to a partner (and one of its people); recorded in the history and the activity trail", "properties": {
            "org_id": { "type": "integer", "description": "A partner of the campaign" },
            "user_id": { "type": ["integer", "null"], "description": "A person of that partner" },
            "version": { "type": "integer" } } },
        "SetNextAction": { "type": "object", "required": ["version"], "description": "Set the next action and its due date; send no text to clear it (a due date needs a text)", "properties": {
            "text": { "type": ["string", "null"], "maxLength": 200 },
            "due": { "type": ["string", "null"], "format": "date", "description": "YYYY-MM-DD" },
            "version": { "type": "integer" } } },
        "EditCreator": { "type": "object", "required": ["profile", "stats", "version"], "description": "An edit of the profile and of the primary handle's figures", "properties": {
            "profile": r("Profile"),
            "stats": { "$ref": "#/components/schemas/PlatformStats", "description": "Figures of the primary handle; its platform and handle do not change here" },
            "lane": { "type": ["string", "null"], "enum": ["influencer", "ugc", null], "description": "Omit to keep the lane" },
            "version": { "type": "integer" } } },
        "NewNote": { "type": "object", "required": ["text"], "properties": { "text": { "type": "string", "minLength": 1, "maxLength": 2000 } } },
        "Merge": { "type": "object", "required": ["from_id"], "description": "Merge `from_id` into the creator addressed: its handles, history, notes and portal account move over and it is removed; the creator addressed keeps its owner, stage and profile (blank country, language and contact email are filled from `from_id`). Refused (422) when both records have their own portal accounts.",
            "properties": { "from_id": { "type": "integer" } } },
        "RowIssue": { "type": "object", "description": "A problem with one cell (or a whole row) of an imported file", "properties": {
            "row": { "type": "integer", "description": "The spreadsheet row: 1 is the header, 2 the first creator" },
            "column": { "type": ["string", "null"], "description": "The column at fault, when the problem is in one cell" },
            "message": { "type": "string" } } },
        "Duplicate": { "type": "object", "description": "A row whose platform + handle is already in the pool, or in an earlier row of the same file", "properties": {
            "row": { "type": "integer" }, "platform": { "type": "string" }, "handle": { "type": "string" },
            "existing_id": { "type": ["integer", "null"], "description": "The creator already in the pool" },
            "existing_name": nullable("string", None),
            "same_as_row": { "type": ["integer", "null"], "description": "The earlier row of the same file" } } },
        "ImportStatus": { "type": "string", "enum": ["previewed", "applied", "discarded"] },
        "ImportPreview": { "type": "object", "description": "What an uploaded file would do; nothing is written until it is applied", "properties": {
            "import_id": { "type": "integer" }, "filename": { "type": "string" },
            "total": { "type": "integer", "description": "Creator rows in the file (the header excluded)" },
            "valid": { "type": "integer", "description": "Rows that \"only the valid rows\" would import" },
            "errors": arr("RowIssue"), "duplicates": arr("Duplicate"),
            "ignored_columns": { "type": "array", "items": { "type": "string" }, "description": "Headers that are no known column: ignored, not an error" },
            "sample": { "type": "array", "items": r("NewCreator"), "description": "The first valid rows, as they will be created" },
            "status": r("ImportStatus") } },
        "ApplyMode": { "type": "string", "enum": ["all", "valid_only"], "description": "`all` is refused (422) if any row is invalid or a duplicate; `valid_only` imports the valid rows and skips the rest. \"Import nothing\" is `DELETE` on the import." },
        "ApplyImport": { "type": "object", "required": ["mode"], "properties": { "mode": r("ApplyMode") } },
        "ImportResult": { "type": "object", "properties": {
            "import_id": { "type": "integer" }, "imported": { "type": "integer" },
            "skipped": { "type": "integer", "description": "Invalid or duplicate rows left out" } } }
    })
}

/// The WebSocket messages (`/ws`).
fn live_schemas() -> Value {
    let int = || json!({ "type": "integer" });
    let msg = |tag: &str, name: &str, props: Value, required: &[&str]| {
        let mut p = props;
        p[tag] = json!({ "const": name });
        let mut req = vec![tag.to_string()];
        req.extend(required.iter().map(|s| s.to_string()));
        json!({ "type": "object", "title": name, "required": req, "properties": p })
    };
    let mut portal = msg(
        "type",
        "portal",
        json!({ "campaign_id": int(), "text": { "type": "string", "description": "What changed, in words (may be empty)" } }),
        &["campaign_id", "text"],
    );
    portal["description"] = json!("What a creator's socket gets instead of events: something addressed to them changed (reload the portal). Carries no partner data.");
    json!({
        "ClientMessage": { "description": "What a client sends on its WebSocket", "oneOf": [
            msg("op", "subscribe", json!({ "campaign_id": int(), "after": { "type": "integer", "description": "The last sequence number seen (0: everything kept)" } }), &["campaign_id", "after"]),
            msg("op", "unsubscribe", json!({ "campaign_id": int() }), &["campaign_id"]),
            msg("op", "presence", json!({ "campaign_id": int(), "section": { "type": ["string", "null"], "description": "Where you are: \"board\", \"card:42\", a charter section; repeat every 10 s or it expires" } }), &["campaign_id"]),
            msg("op", "ping", json!({}), &[])
        ] },
        "ServerMessage": { "description": "What the server sends on a WebSocket", "oneOf": [
            msg("type", "subscribed", json!({ "campaign_id": int(), "head": int() }), &["campaign_id", "head"]),
            msg("type", "event", json!({ "event": r("Event") }), &["event"]),
            msg("type", "reset", json!({ "campaign_id": int(), "reason": { "type": "string" } }), &["campaign_id"]),
            msg("type", "error", json!({ "campaign_id": nullable("integer", None), "code": { "type": "string" }, "message": { "type": "string" } }), &["code", "message"]),
            msg("type", "presence", json!({ "campaign_id": int(), "user_id": int(), "name": { "type": "string" }, "org_name": nullable("string", None), "section": nullable("string", None) }), &["campaign_id", "user_id"]),
            msg("type", "progress", json!({ "campaign_id": int(), "job": { "type": "string", "description": "e.g. \"import:7\"" }, "by": { "type": "string", "description": "Who runs it" },
                "done": int(), "total": int() }), &["campaign_id", "job", "done", "total"]),
            portal,
            msg("type", "pong", json!({}), &[])
        ] }
    })
}

/// A text/csv response.
fn csv_response(description: &str) -> Value {
    json!({ "description": description, "content": { "text/csv": { "schema": { "type": "string" } } } })
}

/// The pool's operations (`/api/v1/campaigns/{id}/creators/…` and the CSV import and export).
fn pool_paths() -> Value {
    let cid = &["id", "creator_id", "idem"];
    let stale = ("409", "Based on a stale `version`: `current` is the card as it is now");
    let invalid = ("422", "A field is invalid (`field` names it)");
    let columns: Vec<String> = app::creators::import::COLUMNS
        .iter()
        .map(
            |(c, aliases)| {
                if aliases.is_empty() {
                    format!("`{c}`")
                } else {
                    format!("`{c}` (or {})", aliases.join(", "))
                }
            },
        )
        .collect();
    let import_columns = format!(
        "Columns, by header (case and spaces do not matter): {}. `name`, `platform` and `handle` are required; other headers are ignored. \
         Counts may be written 12000, 12,000 or 12.5K; `owner` is a partner's name, `owner_email` one of its people; dates are YYYY-MM-DD. \
         At most {} rows and {} MB per file.",
        columns.join(", "),
        app::creators::import::MAX_ROWS,
        app::creators::import::MAX_BYTES / (1024 * 1024)
    );
    let computed = "engagements, er_by_followers_pct, er_by_reach_pct, tier, follower_tier, below_tier_minimum (yes/no), tier_explanation, days_in_stage, overdue (yes/no), handles";
    json!({
        "/api/v1/campaigns/{id}/creators/{creator_id}/detail": { "get": op("A card's detail: the card, the profile, every handle with its figures, the history (moves, owner changes, notes, edits, merges) and whether the creator has a portal account", "pool", None, ("200", r("CreatorDetail")), &["id", "creator_id"]) },
        "/api/v1/campaigns/{id}/creators/{creator_id}/profile": { "put": fails(op("Edit the profile and the primary handle's figures", "pool", Some("EditCreator"), ("200", r("Card")), cid), &[stale, invalid]) },
        "/api/v1/campaigns/{id}/creators/{creator_id}/owner": { "put": fails(op("Change the relationship owner (one partner, optionally one of its people); recorded in the history", "pool", Some("ChangeOwner"), ("200", r("Card")), cid), &[stale, invalid]) },
        "/api/v1/campaigns/{id}/creators/{creator_id}/next-action": { "put": fails(op("Set or clear the next action and its due date", "pool", Some("SetNextAction"), ("200", r("Card")), cid), &[stale, invalid]) },
        "/api/v1/campaigns/{id}/creators/{creator_id}/notes": { "post": fails(op("Add a note to the creator's history (seen by every partner)", "pool", Some("NewNote"), ("201", r("HistoryEntry")), cid), &[invalid]) },
        "/api/v1/campaigns/{id}/creators/{creator_id}/handles": { "post": fails(op("Add another platform's handle, with its figures, to a creator", "pool", Some("PlatformStats"), ("201", r("Card")), cid),
            &[("409", "The platform + handle already belongs to another creator (`current`): merge the two records instead"), invalid]) },
        "/api/v1/campaigns/{id}/creators/{creator_id}/merge": { "post": fails(op("Merge a duplicate record (`from_id`) into this creator", "pool", Some("Merge"), ("200", r("Card")), cid),
            &[("404", "`from_id` is no creator of this campaign"), ("422", "`from_id` is this creator, or both records have their own portal accounts")]) },
        "/api/v1/campaigns/{id}/creators.csv": { "get": {
            "summary": "Export the pool as CSV: the import columns (so an export imports back) plus computed ones",
            "tags": ["pool"],
            "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" }, "description": "Campaign id" } ],
            "responses": {
                "200": csv_response(&format!("One row per creator (primary handle). Import columns: {}. Computed: {computed}. {ER_FORMULAS}", app::creators::import::COLUMNS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", "))),
                "default": error_response() } } },
        "/api/v1/campaigns/{id}/imports": { "post": {
            "summary": "Upload a CSV file for a preview: per-row errors naming the row and column, duplicates, the valid rows. Nothing is written to the pool yet.",
            "description": import_columns,
            "tags": ["pool"],
            "parameters": [
                { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" }, "description": "Campaign id" },
                { "name": "filename", "in": "query", "schema": { "type": "string" }, "description": "The file's name, for the activity trail (default upload.csv)" } ],
            "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } } } },
            "responses": {
                "201": { "description": "The preview", "content": { "application/json": { "schema": r("ImportPreview") } } },
                "422": { "description": "The file is larger than the limit", "content": { "application/json": { "schema": r("Error") } } },
                "default": error_response() } } },
        "/api/v1/campaigns/{id}/imports/{import_id}/apply": { "post": {
            "summary": "Import a previewed file: all rows, or only the valid ones, in one transaction. Applying twice returns the first result.",
            "description": "The file is checked again against the pool as it is now. Progress is sent to the campaign's WebSocket subscribers as `progress` messages (`job` \"import:{import_id}\"); one `creators_imported` event follows.",
            "tags": ["pool"],
            "parameters": [
                { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" }, "description": "Campaign id" },
                { "name": "import_id", "in": "path", "required": true, "schema": { "type": "integer" }, "description": "From the preview" } ],
            "requestBody": { "required": true, "content": { "application/json": { "schema": r("ApplyImport") } } },
            "responses": {
                "200": { "description": "Imported", "content": { "application/json": { "schema": r("ImportResult") } } },
                "403": { "description": "Only whoever uploaded the file can import it", "content": { "application/json": { "schema": r("Error") } } },
                "422": { "description": "`all` while some rows are invalid or duplicates (`field: \"mode\"`; the message names the first), or the import was discarded", "content": { "application/json": { "schema": r("Error") } } },
                "default": error_response() } } },
        "/api/v1/campaigns/{id}/imports/{import_id}": { "delete": fails(op("Import nothing: discard a previewed file", "pool", None, ("204", json!({})), &["id", "import_id"]),
            &[("404", "No such import of yours"), ("422", "Already imported")]) },
        "/api/v1/imports/template.csv": { "get": {
            "summary": "A CSV template: the header row and one example creator",
            "description": import_columns,
            "tags": ["pool"],
            "security": [],
            "responses": { "200": csv_response("The template"), "default": error_response() } } }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_kind_is_documented_once() {
        let documented: Vec<&str> = event_data().iter().map(|(k, _)| *k).collect();
        assert_eq!(
            documented,
            app::realtime::Change::KINDS,
            "the event kinds in the OpenAPI document and `realtime::Change`"
        );
    }

    #[test]
    fn no_content_answers_have_no_body() {
        let doc = spec();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if let Some(answer) = operation["responses"].get("204") {
                    assert!(answer.get("content").is_none(), "{method} {path}: a 204 is documented with a body");
                }
            }
        }
    }
}
