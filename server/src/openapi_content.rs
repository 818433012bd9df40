//! The content lanes in the OpenAPI document: lanes, deliverables and their rounds, reviews, comments, payouts,
//! escalations, the outbox, the creator's portal, resumable uploads and the served files (`app::content`).
use serde_json::{json, Value};

use crate::openapi::{arr, error_response, fails, nullable, op, r};

pub const TAG_DESCRIPTION: &str = "The two content lanes (influencer posts and UGC assets) and the one approval workflow: \
deliverables briefed to a creator, rounds of drafts (v1, v2, …) with files uploaded in resumable chunks, reviews against the \
lane's criteria by the reviewer the charter's responsibility matrix names, a review clock (SLA) on every round with escalation \
when it runs out, comments (internal ones for the partners only), payout status, and the creator's portal. Partners (members of a \
partner organization) may call everything except submissions and uploads (only the creator the deliverable is addressed to) and \
the portal (creators); comments and a single deliverable are open to both, and a creator never sees internal comments. Anyone \
else gets 404 \"not found\".";

const NOT_FOUND: (&str, &str) = ("404", "Not found: no such campaign or deliverable, or not yours to see");
const PARTNERS: &str = "Partners only.";

/// A path parameter (an integer unless `schema` says otherwise).
fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": schema, "description": description })
}

fn deliverable_id() -> Value {
    path_param("deliverable_id", "Deliverable id", json!({ "type": "integer" }))
}

fn upload_id() -> Value {
    path_param("upload_id", "From `UploadState.id`", json!({ "type": "string" }))
}

/// Appends parameters to an operation built by `op`.
fn with_params(mut o: Value, more: Vec<Value>) -> Value {
    let mut params = o["parameters"].as_array().cloned().unwrap_or_default();
    params.extend(more);
    o["parameters"] = Value::Array(params);
    o
}

/// Adds a longer description to an operation.
fn described(mut o: Value, description: &str) -> Value {
    o["description"] = json!(description);
    o
}

/// A `nullable` reference: the schema or null.
fn maybe(name: &str) -> Value {
    json!({ "anyOf": [r(name), { "type": "null" }] })
}

fn date_time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

/// A response with a file's bytes, as `/files/…` serves it.
fn file_response(description: &str, types: &[&str]) -> Value {
    let header = |description: &str| json!({ "description": description, "schema": { "type": "string" } });
    let headers = json!({
        "Content-Type": header("The type found by looking at the file's content, never its name"),
        "X-Content-Type-Options": header("nosniff"),
        "Content-Security-Policy": header("default-src 'none'; img-src 'self'; media-src 'self'; sandbox"),
        "Cross-Origin-Resource-Policy": header("same-origin"),
        "Cache-Control": header("private, max-age=3600"),
        "Content-Disposition": header("inline for images (except HEIC) and videos; attachment for HEIC and with `?download`. Carries the file's name as `filename` (ASCII) and `filename*` (UTF-8)"),
        "Accept-Ranges": header("bytes"),
        "ETag": header("For conditional requests (If-None-Match)"),
        "Last-Modified": header("For conditional requests (If-Modified-Since)")
    });
    let mut content = serde_json::Map::new();
    for t in types {
        content.insert((*t).to_string(), json!({ "schema": { "type": "string", "contentMediaType": t } }));
    }
    json!({ "description": description, "headers": headers, "content": content })
}

pub fn content_paths() -> Value {
    let stale_deliverable = ("409", "Based on a stale `version`: `current` is the deliverable as it is now");
    let invalid = ("422", "A field is invalid (`field` names it)");
    let cid = &["id"][..];
    let files = [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/heic",
        "video/mp4",
        "video/quicktime",
        "video/webm",
    ];
    json!({
        "/api/v1/campaigns/{id}/content": { "get": fails(described(op("The partners' content page: both lanes with their settings, every deliverable with its rounds and comments, review turnaround, escalations, the outbox and the creators that can be briefed", "content", None, ("200", r("ContentView")), cid), PARTNERS), &[NOT_FOUND]) },
        "/api/v1/campaigns/{id}/lanes/{lane}": { "put": fails(with_params(described(op("Save a lane's brief, approval SLA, budget line and default fee", "content", Some("SaveLane"), ("200", r("LaneSettings")), cid),
            "Partners only. The lane's criteria and reviewer come from the charter. `lane` in the body must be the one in the path."),
            vec![path_param("lane", "The lane", r("Lane"))]),
            &[NOT_FOUND, ("409", "The lane's settings were changed meanwhile (the `version` is stale): reload them"),
              ("422", "A field is invalid (`field`: lane, sla_hours (1 to 720), budget_cents, default_fee_cents or brief)")]) },
        "/api/v1/campaigns/{id}/time-zone": { "put": fails(described(op("Set the campaign's time zone: due days and review deadlines are read there", "content", Some("TimeZone"), ("200", r("TimeZone")), cid), PARTNERS),
            &[NOT_FOUND, ("422", "Not a time zone (`field: \"time_zone\"`)")]) },
        "/api/v1/campaigns/{id}/deliverables": { "post": fails(described(op("Brief a deliverable to a creator of the pool", "content", Some("NewDeliverable"), ("201", r("Deliverable")), &["id", "idem"]), PARTNERS),
            &[NOT_FOUND, ("422", "A field is invalid (`field`: creator_id, title, expectations, due_date or fee_cents)")]) },
        "/api/v1/campaigns/{id}/deliverables/{deliverable_id}": { "get": fails(with_params(described(op("One deliverable with its rounds and comments", "content", None, ("200", r("Deliverable")), cid),
            "Partners see all of it; the creator it is addressed to sees it without internal comments."), vec![deliverable_id()]), &[NOT_FOUND]) },
        "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/submissions": { "post": fails(with_params(described(op("Submit a draft: the next round (v1, v2, …), with finished uploads and/or a link", "content", Some("NewSubmission"), ("201", r("Deliverable")), &["id", "idem"]),
            "Only the creator the deliverable is addressed to. The round's review clock starts now; the answer is the deliverable as the creator sees it."), vec![deliverable_id()]),
            &[NOT_FOUND, ("409", "No new draft is expected now (the deliverable is in review, approved or rejected)"),
              ("422", "A field is invalid (`field`: caption, link, uploads, or `uploads[i]` for a file not finished or not of this deliverable)")]) },
        "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/review": { "post": fails(with_params(described(op("Decide on the pending round: approve, request changes or reject, with the lane's criteria ticked", "content", Some("Review"), ("200", r("Deliverable")), &["id", "idem"]),
            "Partners only, and only the reviewer the charter's responsibility matrix names for the lane (anyone of their organization) or the campaign's accountable owner; anyone on a partner when the matrix names nobody."), vec![deliverable_id()]),
            &[NOT_FOUND, ("403", "You are not this lane's reviewer per the responsibility matrix, nor the accountable owner: comment instead"),
              stale_deliverable,
              ("422", "`feedback` is required to request changes or reject (`field: \"feedback\"`); or `criteria` has the wrong number of ticks; or `round` is not the pending one")]) },
        "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/comments": { "post": fails(with_params(described(op("Comment on a deliverable", "content", Some("NewDeliverableComment"), ("201", r("DeliverableComment")), cid),
            "Partners and the creator it is addressed to. `internal` comments (partners only) never reach the creator; a creator's comments always reach the partners."), vec![deliverable_id()]),
            &[NOT_FOUND, ("422", "An empty or too long `body`")]) },
        "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/payout": { "put": fails(with_params(described(op("Set the payout status (tracked only: no money moves through Chorus)", "content", Some("SetPayout"), ("200", r("Deliverable")), cid), PARTNERS), vec![deliverable_id()]),
            &[NOT_FOUND, stale_deliverable, invalid]) },
        "/api/v1/campaigns/{id}/deliverables/{deliverable_id}/uploads": { "post": fails(with_params(described(op("Start (or, with the same `client_key`, resume) the upload of one file of a draft", "content", Some("StartUpload"), ("201", r("UploadState")), cid),
            "Only the creator the deliverable is addressed to. Then send the bytes with `PUT /api/v1/uploads/{upload_id}?offset=N`, continuing at `received`."), vec![deliverable_id()]),
            &[NOT_FOUND, ("409", "No new draft is expected now"),
              ("422", "`size` is zero or over the limit (`field: \"size\"`), or `client_key` is empty, too long or belongs to another file (`field: \"client_key\"`)")]) },
        "/api/v1/uploads/{upload_id}": {
            "get": fails(with_params(described(op("An upload's state: continue at `received` after a lost connection", "content", None, ("200", r("UploadState")), &[]), "Only the creator who started it."), vec![upload_id()]), &[("404", "No such upload of yours")]),
            "put": {
                "summary": "Send a chunk of the file's bytes, starting at `offset`",
                "description": format!("Only the creator who started the upload. At most {} bytes (8 MiB) per request; the first chunk must hold at least the first {} bytes (the file's type is found from them). Sending a chunk that already arrived again answers with the current state and appends nothing. When the last byte arrives the whole file is checked; it is `complete` (with a preview for images and videos) or refused.",
                    app::content::uploads::MAX_CHUNK, app::media::SNIFF_BYTES),
                "tags": ["content"],
                "parameters": [ upload_id(),
                    { "name": "offset", "in": "query", "required": true, "schema": { "type": "integer", "minimum": 0 }, "description": "The byte this chunk starts at: the state's `received`" } ],
                "requestBody": { "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "contentMediaType": "application/octet-stream", "maxLength": app::content::uploads::MAX_CHUNK } } } },
                "responses": {
                    "200": { "description": "The upload's state after the chunk", "content": { "application/json": { "schema": r("UploadState") } } },
                    "404": { "description": "No such upload of yours", "content": { "application/json": { "schema": r("Error") } } },
                    "409": { "description": "The upload does not continue at `offset`: `current` is the `UploadState` (resume at its `received`)", "content": { "application/json": { "schema": {
                        "allOf": [ r("Error"), { "type": "object", "properties": { "current": r("UploadState") } } ] } } } },
                    "422": { "description": "Refused: the file by its content (`field: \"file\"`: not an accepted image or video, or damaged; the upload is failed, start again), or its size (`field: \"size\"`); also `offset` missing or past the declared size (`field: \"offset\"`) and a chunk too large or a first chunk too small (`field: \"chunk\"`)", "content": { "application/json": { "schema": r("Error") } } },
                    "default": error_response() } } },
        "/api/v1/campaigns/{id}/escalations": { "get": fails(described(op("The campaign's escalations (missed review clocks, thresholds), newest first", "content", None, ("200", arr("Escalation")), cid), PARTNERS), &[NOT_FOUND]) },
        "/api/v1/campaigns/{id}/escalations/{escalation_id}": { "put": fails(with_params(described(op("Acknowledge, resolve or reopen an escalation, with a note", "content", Some("UpdateEscalation"), ("200", r("Escalation")), cid), PARTNERS),
            vec![path_param("escalation_id", "Escalation id", json!({ "type": "integer" }))]),
            &[("404", "No such escalation of this campaign"), ("409", "Based on a stale `version`: `current` is the escalation as it is now"), ("422", "`status` is not open, acknowledged or resolved, or the note is too long")]) },
        "/api/v1/campaigns/{id}/outbox": { "get": fails(described(op("Mails Chorus sent (or keeps for reading when no SMTP server is configured) for the campaign", "content", None, ("200", arr("OutboxMail")), cid), PARTNERS), &[NOT_FOUND]) },
        "/api/v1/campaigns/{id}/portal": { "get": fails(described(op("A creator's page for one campaign: their point of contact, the lanes' briefs, and their deliverables with feedback and payout status (no internal comments)", "content", None, ("200", r("PortalView")), cid), "Creators only, for campaigns they are in."), &[NOT_FOUND]) },
        "/api/v1/portal": { "get": fails(described(op("The campaigns a creator is in", "content", None, ("200", arr("CreatorCampaign")), &[]), "Creators only."), &[("404", "Not a creator")]) },
        "/files/{upload_id}": { "get": {
            "summary": "A submitted file, for the partners of its campaign and the creator who sent it",
            "description": "Not under /api/v1. Serves the original bytes with headers that keep a hostile file from acting as a page. Range requests (video scrubbing) and conditional requests are supported. Anyone else, and unfinished uploads: 404.",
            "tags": ["content"],
            "parameters": [ upload_id(),
                { "name": "download", "in": "query", "required": false, "schema": { "type": "string" }, "allowEmptyValue": true, "description": "Present (any value): as an attachment, to save" } ],
            "responses": {
                "200": file_response("The file", &files),
                "206": file_response("A byte range of the file (with Content-Range)", &files),
                "304": { "description": "Not modified" },
                "404": { "description": "No such file, or not yours to see", "content": { "application/json": { "schema": r("Error") } } },
                "416": { "description": "Range not satisfiable" },
                "default": error_response() } } },
        "/files/{upload_id}/thumb": { "get": {
            "summary": "A file's preview (a JPEG), for the partners of its campaign and the creator who sent it",
            "description": "Not under /api/v1. Same headers as the file. 404 when the file has no preview (`FileRef.has_thumb` false).",
            "tags": ["content"],
            "parameters": [ upload_id() ],
            "responses": {
                "200": file_response("The preview", &["image/jpeg"]),
                "304": { "description": "Not modified" },
                "404": { "description": "No such preview, or not yours to see", "content": { "application/json": { "schema": r("Error") } } },
                "default": error_response() } } }
    })
}

pub fn content_schemas() -> Value {
    let int = || json!({ "type": "integer" });
    let text = || json!({ "type": "string" });
    let cents = |description: &str| json!({ "type": "integer", "minimum": 0, "description": description });
    let hours = || nullable("number", None);
    json!({
        "Lane": { "type": "string", "enum": ["influencer", "ugc"] },
        "Status": { "type": "string", "enum": ["awaiting_draft", "in_review", "changes_requested", "approved", "rejected"],
            "description": "Where a deliverable is: briefed with nothing submitted, a round waiting for its reviewer (its clock runs), the creator's turn again, or decided" },
        "Decision": { "type": "string", "enum": ["approved", "changes_requested", "rejected"] },
        "Payout": { "type": "string", "enum": ["owed", "approved", "paid"], "description": "Tracked only: no money moves through Chorus" },
        "Reviewer": { "type": "object", "description": "Who reviews a lane's content, per the charter's responsibility matrix (UGC: the quarter's UGC lead organization)",
            "required": ["user_id", "label", "org_id", "responsibility", "why"], "properties": {
            "user_id": nullable("integer", None),
            "label": { "type": "string", "description": "\"Lena Vogt (Studio Kin)\", or the organization alone when the matrix names no person" },
            "org_id": nullable("integer", None),
            "responsibility": { "type": "string", "description": "The responsibility line that makes them the reviewer" },
            "why": { "type": "string", "description": "e.g. \"UGC lead of 2027-Q1\" or \"influencer relations owner\"" } } },
        "Criterion": { "type": "object", "required": ["text", "met"], "description": "One of the lane's approval criteria, ticked (or not) by the reviewer",
            "properties": { "text": text(), "met": { "type": "boolean" } } },
        "LaneSettings": { "type": "object", "description": "A lane's settings; its criteria and reviewer come from the charter",
            "required": ["lane", "brief", "sla_hours", "budget_cents", "default_fee_cents", "version", "criteria", "reviewer", "committed_cents"], "properties": {
            "lane": r("Lane"), "brief": { "type": "string", "description": "Markdown" },
            "sla_hours": { "type": "integer", "description": "The approval SLA: hours a reviewer has per round" },
            "budget_cents": int(), "default_fee_cents": int(),
            "version": { "type": "integer", "description": "0 until first saved" },
            "criteria": { "type": "array", "items": { "type": "string" } },
            "reviewer": maybe("Reviewer"),
            "committed_cents": { "type": "integer", "description": "Fees of this lane's deliverables, committed against the budget line" } } },
        "SaveLane": { "type": "object", "required": ["lane", "brief", "sla_hours", "budget_cents", "default_fee_cents", "version"], "properties": {
            "lane": r("Lane"), "brief": { "type": "string", "maxLength": 20000, "description": "Markdown" },
            "sla_hours": { "type": "integer", "minimum": 1, "maximum": 720 },
            "budget_cents": cents("The lane's budget line"), "default_fee_cents": cents("The fee of a new deliverable unless it says otherwise"),
            "version": { "type": "integer", "description": "The version the editor started from (0 for a lane never saved); a stale one is refused with 409" } } },
        "TimeZone": { "type": "object", "required": ["time_zone"], "properties": {
            "time_zone": { "type": "string", "description": "An IANA name, e.g. Europe/Berlin or America/New_York" } } },
        "FileRef": { "type": "object", "description": "A file of a submission; fetch it at `/files/{id}` and its preview at `/files/{id}/thumb`",
            "required": ["id", "file_name", "kind", "mime", "size", "has_thumb"], "properties": {
            "id": text(), "file_name": text(),
            "kind": { "type": "string", "enum": ["jpeg", "png", "gif", "webp", "heic", "mp4", "mov", "webm"], "description": "Found by looking at the content" },
            "mime": { "type": "string", "description": "e.g. image/png, video/mp4" },
            "size": { "type": "integer", "description": "Bytes" }, "has_thumb": { "type": "boolean" } } },
        "DiffLine": { "type": "object", "required": ["change", "text"], "properties": {
            "change": { "type": "string", "enum": ["same", "added", "removed"] }, "text": text() } },
        "Round": { "type": "object", "description": "One round (v1, v2, …) of a deliverable: the draft, its review clock and the decision",
            "required": ["submission_id", "round", "caption", "link", "files", "submitted_by", "submitted_at", "sla_hours", "review_due_at", "review_due_label", "decision", "decided_by", "decided_at", "feedback", "criteria", "caption_diff"], "properties": {
            "submission_id": int(), "round": { "type": "integer", "minimum": 1 },
            "caption": text(), "link": nullable("string", Some("uri")), "files": arr("FileRef"),
            "submitted_by": text(), "submitted_at": date_time(), "sla_hours": int(),
            "review_due_at": date_time(),
            "review_due_label": { "type": "string", "description": "The review deadline in the campaign's time zone, e.g. \"Tue 9 Mar, 14:00 CET\"" },
            "decision": maybe("Decision"), "decided_by": nullable("string", None), "decided_at": nullable("string", Some("date-time")),
            "feedback": { "type": "string", "description": "What the reviewer tells the creator" },
            "criteria": arr("Criterion"),
            "caption_diff": { "type": "array", "items": r("DiffLine"), "description": "The caption compared with the round before (empty for v1)" } } },
        "DeliverableComment": { "type": "object", "required": ["id", "round", "author", "org_name", "internal", "body", "at"], "properties": {
            "id": int(), "round": { "type": ["integer", "null"], "description": "The latest round when it was written" },
            "author": text(), "org_name": nullable("string", None),
            "internal": { "type": "boolean", "description": "Partners only; never shown to the creator" },
            "body": text(), "at": date_time() } },
        "Deliverable": { "type": "object", "description": "Something briefed to a creator, with its rounds and comments",
            "required": ["id", "campaign_id", "creator_id", "creator_name", "owner_org", "lane", "title", "expectations", "due_date", "due_at", "fee_cents", "status", "payout", "version", "reviewer", "rounds", "comments"], "properties": {
            "id": int(), "campaign_id": int(), "creator_id": int(), "creator_name": text(),
            "owner_org": { "anyOf": [r("Org"), { "type": "null" }], "description": "The partner that owns the creator relationship" },
            "lane": r("Lane"), "title": text(), "expectations": text(),
            "due_date": { "type": ["string", "null"], "format": "date", "description": "YYYY-MM-DD, a day in the campaign's time zone" },
            "due_at": { "type": ["string", "null"], "format": "date-time", "description": "The end of the due day in the campaign's time zone" },
            "fee_cents": int(), "status": r("Status"), "payout": r("Payout"),
            "version": { "type": "integer", "description": "Send it back when reviewing or setting the payout; a stale version is refused with 409" },
            "reviewer": maybe("Reviewer"), "rounds": arr("Round"),
            "comments": { "type": "array", "items": r("DeliverableComment"), "description": "The creator never sees internal ones" } } },
        "NewDeliverable": { "type": "object", "required": ["creator_id", "title"], "properties": {
            "creator_id": { "type": "integer", "description": "A creator of the campaign's pool" },
            "lane": { "anyOf": [r("Lane"), { "type": "null" }], "description": "Defaults to the creator's lane" },
            "title": { "type": "string", "minLength": 1, "maxLength": 200, "description": "e.g. \"Reel: first ride\"" },
            "expectations": { "type": "string", "default": "", "maxLength": 20000 },
            "due_date": { "type": ["string", "null"], "format": "date", "description": "YYYY-MM-DD, a day in the campaign's time zone" },
            "fee_cents": { "type": ["integer", "null"], "minimum": 0, "description": "Defaults to the lane's default fee" } } },
        "NewSubmission": { "type": "object", "description": "At least one file or a link", "properties": {
            "caption": { "type": "string", "default": "", "maxLength": 20000 },
            "link": { "type": ["string", "null"], "format": "uri", "description": "A web link (https://…)" },
            "uploads": { "type": "array", "items": { "type": "string" }, "default": [], "description": "Ids of complete uploads of this deliverable" } } },
        "Review": { "type": "object", "required": ["round", "decision", "version"], "properties": {
            "round": { "type": "integer", "description": "The round decided: the pending one" },
            "decision": r("Decision"),
            "feedback": { "type": "string", "default": "", "maxLength": 20000, "description": "To the creator; required to request changes or reject" },
            "criteria": { "type": "array", "items": { "type": "boolean" }, "default": [], "description": "One tick per lane criterion, in order (empty: none met)" },
            "version": { "type": "integer", "description": "The deliverable version the reviewer saw" } } },
        "NewDeliverableComment": { "type": "object", "required": ["body"], "properties": {
            "body": { "type": "string", "minLength": 1, "maxLength": 20000 },
            "internal": { "type": "boolean", "default": false, "description": "Partners only (ignored for creators, whose comments always reach the partners)" } } },
        "SetPayout": { "type": "object", "required": ["payout", "version"], "properties": { "payout": r("Payout"), "version": int() } },
        "Turnaround": { "type": "object", "description": "Review turnaround for one lane and one partner (all partners when `partner` is null)",
            "required": ["lane", "partner", "reviewed", "pending", "mean_wait_hours", "median_wait_hours", "rounds_per_asset", "within_sla_pct"], "properties": {
            "lane": r("Lane"), "partner": maybe("Org"), "reviewed": int(), "pending": int(),
            "mean_wait_hours": { "type": ["number", "null"], "description": "Hours from submission to decision (pending rounds count up to now)" },
            "median_wait_hours": hours(),
            "rounds_per_asset": { "type": ["number", "null"], "description": "Rounds per deliverable with at least one round" },
            "within_sla_pct": { "type": ["number", "null"], "description": "Share of decided rounds decided within their SLA, percent; null when nothing is decided" } } },
        "Escalation": { "type": "object", "description": "Something a named person must act on",
            "required": ["id", "campaign_id", "kind", "title", "detail", "assignee_user_id", "assignee", "status", "note", "version", "created_at", "updated_at", "deliverable_id"], "properties": {
            "id": int(), "campaign_id": int(),
            "kind": { "type": "string", "enum": ["review_sla", "threshold"] },
            "title": text(), "detail": { "type": "string", "description": "The numbers that triggered it, in words" },
            "assignee_user_id": nullable("integer", None), "assignee": text(),
            "status": { "type": "string", "enum": ["open", "acknowledged", "resolved"] },
            "note": text(), "version": int(), "created_at": date_time(), "updated_at": date_time(),
            "deliverable_id": { "type": ["integer", "null"], "description": "The deliverable it concerns, when it is about a review" } } },
        "UpdateEscalation": { "type": "object", "required": ["status", "version"], "properties": {
            "status": { "type": "string", "enum": ["open", "acknowledged", "resolved"], "description": "`open` reopens" },
            "note": { "type": "string", "default": "", "maxLength": 20000 },
            "version": int() } },
        "OutboxMail": { "type": "object", "required": ["id", "to", "subject", "body", "created_at", "sent_at", "last_error"], "properties": {
            "id": int(), "to": text(), "subject": text(), "body": text(), "created_at": date_time(),
            "sent_at": { "type": ["string", "null"], "format": "date-time", "description": "null: not sent (yet)" },
            "last_error": nullable("string", None) } },
        "Briefable": { "type": "object", "description": "A creator the partners can brief", "required": ["creator_id", "name", "lane", "has_account"], "properties": {
            "creator_id": int(), "name": text(), "lane": r("Lane"),
            "has_account": { "type": "boolean", "description": "Whether they accepted a portal invitation (and can submit)" } } },
        "ContentView": { "type": "object", "description": "The partners' content page: both lanes side by side",
            "required": ["campaign_id", "campaign_name", "time_zone", "lanes", "deliverables", "turnaround", "escalations", "outbox", "creators", "partners", "head", "may_decide", "max_upload_bytes"], "properties": {
            "campaign_id": int(), "campaign_name": text(), "time_zone": { "type": "string", "description": "IANA name" },
            "lanes": arr("LaneSettings"), "deliverables": arr("Deliverable"), "turnaround": arr("Turnaround"),
            "escalations": arr("Escalation"), "outbox": arr("OutboxMail"), "creators": arr("Briefable"), "partners": arr("Org"),
            "head": { "type": "integer", "description": "The event sequence number this view is as of" },
            "may_decide": { "type": "array", "description": "Whether you may decide per lane, as [lane, yes/no] pairs",
                "items": { "type": "array", "prefixItems": [r("Lane"), { "type": "boolean" }], "minItems": 2, "maxItems": 2 } },
            "max_upload_bytes": { "type": "integer", "description": "The largest file accepted" } } },
        "PortalLane": { "type": "object", "description": "What a lane means for the creator", "required": ["lane", "brief", "criteria", "sla_hours"], "properties": {
            "lane": r("Lane"), "brief": { "type": "string", "description": "Markdown" },
            "criteria": { "type": "array", "items": { "type": "string" } }, "sla_hours": int() } },
        "PortalView": { "type": "object", "description": "A creator's page for one campaign: only what is addressed to them",
            "required": ["campaign_id", "campaign_name", "creator_id", "contact", "expectations", "lanes", "deliverables", "max_upload_bytes", "time_zone"], "properties": {
            "campaign_id": int(), "campaign_name": text(), "creator_id": int(),
            "contact": { "type": "string", "description": "The one named point of contact: \"Jordan Reyes (Brightline Agency)\"" },
            "expectations": text(), "lanes": arr("PortalLane"),
            "deliverables": { "type": "array", "items": r("Deliverable"), "description": "Theirs, with feedback and payout status; no internal comments" },
            "max_upload_bytes": int(), "time_zone": text() } },
        "CreatorCampaign": { "type": "object", "description": "What a creator sees of a campaign in their list", "required": ["campaign_id", "campaign_name", "creator_id", "stage", "contact_org", "contact_person"], "properties": {
            "campaign_id": int(), "campaign_name": text(), "creator_id": int(), "stage": r("Stage"),
            "contact_org": text(), "contact_person": nullable("string", None) } },
        "StartUpload": { "type": "object", "required": ["file_name", "size", "client_key"], "properties": {
            "file_name": text(),
            "size": { "type": "integer", "minimum": 1, "description": "Bytes; at most the campaign's `max_upload_bytes`" },
            "client_key": { "type": "string", "minLength": 1, "maxLength": 100, "description": "Chosen by the client (e.g. a random id per file); starting again with it resumes the same upload" } } },
        "UploadState": { "type": "object", "description": "The state of one upload, for progress and resuming", "required": ["id", "file_name", "size", "received", "status", "kind", "error"], "properties": {
            "id": text(), "file_name": text(), "size": int(),
            "received": { "type": "integer", "description": "Bytes received so far: where the next chunk starts" },
            "status": { "type": "string", "enum": ["receiving", "complete", "failed"] },
            "kind": { "type": ["string", "null"], "description": "Found from the first bytes, e.g. png, mp4" },
            "error": { "type": ["string", "null"], "description": "Why the file was refused" } } }
    })
}

/// Performance numbers: tracked posts, daily figures, totals with KPIs.
pub fn metrics_paths() -> Value {
    let invalid =
        ("422", "A field is invalid (`field` names it, e.g. `rows[3].likes`); nothing of the batch was written");
    let cid = &["id"][..];
    let idem = &["id", "idem"][..];
    json!({
        "/api/v1/campaigns/{id}/posts": { "post": fails(described(op("Track a post (or UGC asset) of a creator of the pool", "metrics", Some("NewPost"), ("201", r("Post")), cid), PARTNERS),
            &[NOT_FOUND, ("409", "This URL is already tracked (`current.post_id`)"), invalid]) },
        "/api/v1/campaigns/{id}/metrics": { "post": fails(described(op("Send daily figures per post: all rows or none; a changed figure is a correction, kept with its old values", "metrics", Some("Ingest"), ("200", r("IngestResult")), idem),
            "Partners only (a partner's API token works). Days are in the campaign's time zone and may not be in the future; counts may not be negative; \
             unknown fields are refused. At most 5,000 rows per call."), &[NOT_FOUND, invalid]) },
        "/api/v1/campaigns/{id}/dashboard": { "get": fails(described(op("The shared dashboard: totals, cuts by lane, partner, tier, creator and platform, daily points per lane, pacing against the charter's targets, budget plan against actual, CPMs and EMV (an estimate), escalations and the tracked posts", "metrics", None, ("200", r("Dashboard")), cid), PARTNERS), &[NOT_FOUND]) },
        "/api/v1/campaigns/{id}/metrics.csv": { "get": {
            "summary": "The daily figures as CSV: one row per post and day", "tags": ["metrics"],
            "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" }, "description": "Campaign id" } ],
            "responses": { "200": { "description": "CSV", "content": { "text/csv": { "schema": { "type": "string" } } } }, "default": error_response() } } },
        "/api/v1/campaigns/{id}/cpm/{platform}": { "put": fails(described(with_params(op("Set the CPM a platform's earned media value is estimated with", "metrics", Some("Cpm"), ("204", json!({})), cid),
            vec![path_param("platform", "instagram, tiktok, youtube, x, twitch or other", json!({ "type": "string" }))]), PARTNERS), &[NOT_FOUND, invalid]) },
        "/api/v1/campaigns/{id}/metric-imports": { "post": {
            "summary": "Upload a CSV of daily figures for a preview: problems by row and column, ignored columns; nothing is written yet",
            "description": "Columns: post_id (or post_url / url), day (YYYY-MM-DD in the campaign's time zone), impressions, reach, views, likes, comments, shares, saves, clicks, conversions, and money as revenue, fee, product, paid (currency units) or *_cents. At most 200,000 rows and 30 MB. Template: /api/v1/metric-imports/template.csv",
            "tags": ["metrics"],
            "parameters": [
                { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" }, "description": "Campaign id" },
                { "name": "filename", "in": "query", "schema": { "type": "string" } } ],
            "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } } } },
            "responses": { "201": { "description": "The preview", "content": { "application/json": { "schema": r("MetricImportPreview") } } },
                "413": { "description": "Larger than 30 MB (`code: \"payload_too_large\"`)", "content": { "application/json": { "schema": r("Error") } } },
                "default": error_response() } } },
        "/api/v1/campaigns/{id}/metric-imports/{import_id}/apply": { "post": fails(described(with_params(op("Import all (refused whole if any row has a problem) or only the valid rows; written 5,000 rows per transaction with progress messages; applying again returns the first result or resumes an interrupted import", "metrics", Some("ApplyImport"), ("200", r("MetricImportResult")), cid),
            vec![path_param("import_id", "From the preview", json!({ "type": "integer" }))]), PARTNERS), &[NOT_FOUND, invalid]) },
        "/api/v1/campaigns/{id}/metric-imports/{import_id}": { "delete": fails(described(with_params(op("Import nothing: discard a preview", "metrics", None, ("204", json!({})), cid),
            vec![path_param("import_id", "From the preview", json!({ "type": "integer" }))]), PARTNERS), &[NOT_FOUND]) },
        "/api/v1/metric-imports/template.csv": { "get": { "summary": "The CSV template for daily figures", "tags": ["metrics"],
            "responses": { "200": { "description": "CSV", "content": { "text/csv": { "schema": { "type": "string" } } } } } } },
        "/api/v1/campaigns/{id}/metrics/totals": { "get": fails(described(op("Campaign totals and every KPI with its formula (`null` when a denominator is zero)", "metrics", None, ("200", r("MetricTotals")), cid), PARTNERS), &[NOT_FOUND]) },
    })
}

pub fn metrics_schemas() -> Value {
    let int = || json!({ "type": "integer" });
    let count = || json!({ "type": "integer", "minimum": 0, "default": 0 });
    let text = || json!({ "type": "string" });
    let figures: serde_json::Map<String, Value> =
        app::metrics::DailyFigures::default().values().iter().map(|(n, _)| (n.to_string(), count())).collect();
    let mut daily = figures.clone();
    daily.insert("post_id".into(), int());
    daily.insert("day".into(), json!({ "type": "string", "format": "date" }));
    let mut totals = figures;
    totals.insert("followers".into(), count());
    let kpi = json!({ "type": "object", "properties": { "value": nullable("number", None), "formula": text() } });
    json!({
        "NewPost": { "type": "object", "required": ["creator_id", "platform", "url"], "additionalProperties": false, "properties": {
            "creator_id": int(), "deliverable_id": nullable("integer", None), "lane": { "oneOf": [r("Lane"), { "type": "null" }] },
            "platform": text(), "url": { "type": "string", "format": "uri" }, "title": text() } },
        "Post": { "type": "object", "properties": { "id": int(), "campaign_id": int(), "creator_id": int(), "creator_name": text(),
            "deliverable_id": nullable("integer", None), "lane": r("Lane"), "platform": text(), "url": text(), "title": text(),
            "followers": { "type": "integer", "description": "Of the posting account when the post was registered" } } },
        "DailyFigures": { "type": "object", "required": ["post_id", "day"], "additionalProperties": false, "properties": daily },
        "Ingest": { "type": "object", "required": ["rows"], "additionalProperties": false, "properties": {
            "source": { "type": "string", "default": "api", "description": "Where the figures come from, e.g. \"api:shopify\"" },
            "rows": { "type": "array", "items": r("DailyFigures"), "maxItems": 5000 } } },
        "Cpm": { "type": "object", "required": ["cpm_cents"], "properties": { "cpm_cents": { "type": "integer", "minimum": 0, "maximum": 1000000, "description": "Cents per 1,000 impressions" } } },
        "Totals": { "type": "object", "properties": totals.clone() },
        "Cut": { "type": "object", "properties": { "key": text(), "label": text(), "color": nullable("string", None), "posts": int(), "totals": r("Totals") } },
        "DayPoint": { "type": "object", "properties": { "day": { "type": "string", "format": "date" }, "lane": r("Lane"), "totals": r("Totals") } },
        "Pacing": { "type": "object", "properties": { "lane": { "oneOf": [r("Lane"), { "type": "null" }] }, "metric": text(), "label": text(),
            "comparison": { "type": "string", "enum": [">=", "<=", ">", "<"] }, "target": { "type": "number" }, "actual": nullable("number", None), "met": nullable("boolean", None) } },
        "BudgetLine": { "type": "object", "properties": { "lane": r("Lane"), "budget_cents": int(), "committed_cents": int(), "spent_cents": int() } },
        "Dashboard": { "type": "object", "properties": {
            "campaign_id": int(), "campaign_name": text(), "time_zone": text(), "head": int(), "totals": r("Totals"),
            "by_lane": { "type": "array", "items": r("Cut") }, "by_partner": { "type": "array", "items": r("Cut") }, "by_tier": { "type": "array", "items": r("Cut") },
            "by_creator": { "type": "array", "items": r("Cut") }, "by_platform": { "type": "array", "items": r("Cut") },
            "days": { "type": "array", "items": r("DayPoint") }, "pacing": { "type": "array", "items": r("Pacing") }, "budget": { "type": "array", "items": r("BudgetLine") },
            "cpm": { "type": "array", "items": { "type": "array", "prefixItems": [text(), int()], "description": "[platform, cents per 1,000 impressions]" } },
            "emv_cents": { "type": "integer", "description": "Earned media value, an estimate: impressions / 1,000 × each platform's CPM" },
            "escalations": { "type": "array", "items": r("Escalation") }, "posts": { "type": "array", "items": r("Post") } } },
        "MetricImportPreview": { "type": "object", "properties": { "id": int(), "filename": text(), "rows": int(), "valid": int(), "invalid": int(),
            "errors": { "type": "array", "items": r("RowIssue"), "description": "The first 500 problems" }, "error_count": int(),
            "ignored_columns": { "type": "array", "items": text() } } },
        "MetricImportResult": { "type": "object", "properties": { "id": int(), "imported": int(), "skipped": int(), "inserted": int(), "corrected": int(), "unchanged": int() } },
        "IngestResult": { "type": "object", "properties": { "inserted": int(), "corrected": int(), "unchanged": int() } },
        "MetricTotals": { "type": "object", "properties": {
            "totals": { "type": "object", "properties": totals }, "engagements": int(), "spend_cents": int(),
            "kpis": { "type": "object", "additionalProperties": kpi } } },
    })
}
