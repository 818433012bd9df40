//! Money through the API, on SQLite and PostgreSQL: the payout ledger created on approval, amounts with their
//! currencies converted at the rate of their day (a missing rate blocks the total and is named), states moved on
//! with versions (409), events and idempotency keys, the overdue escalation raised once to the paying partner,
//! the campaign's currency, rates by hand and from a file, tenancy, and a database of the previous schema migrated.
use std::time::Duration;

use crate::common::*;
use serde_json::{json, Value};

on_both_databases!(
    an_approved_deliverable_is_owed_in_her_currency_and_converted_in_totals,
    payouts_move_on_with_versions_events_and_idempotency,
    an_overdue_payout_escalates_once_to_the_paying_partner,
    creators_and_strangers_see_only_what_is_theirs,
    the_campaign_currency_is_the_owners_until_the_first_amount,
    rates_by_hand_and_from_a_file,
    a_database_of_the_previous_schema_keeps_its_amounts,
    a_campaign_starts_in_the_currency_chosen,
    the_islands_show_and_take_amounts_in_the_campaigns_currency,
    over_commitment_escalates_once_when_a_threshold_names_it,
    rates_and_currency_changes_are_events_in_the_trail,
    a_creators_currency_is_set_on_the_ledger_page_and_shown_on_her_portal,
);

fn path(id: i64, rest: &str) -> String {
    campaign_path(id, rest)
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// A creator of Brightline (Jordan's agency) paid in `currency`, briefed for an influencer post with `fee_cents`
/// (in her currency), who sends a draft that Jordan approves. Returns her client, creator id, deliverable id.
async fn approved_for(app: &TestApp, s: &Partners, name: &str, currency: Option<&str>, fee: i64) -> (Client, i64, i64) {
    let email = format!("{}@creator.example", name.to_lowercase().replace(' ', "."));
    let (c, cid) = creator_account(app, &s.jordan, s.id, name, &email).await;
    if let Some(cur) = currency {
        let r =
            s.jordan.put(&path(s.id, &format!("/creators/{cid}/payout-currency")), json!({ "currency": cur })).await;
        assert_eq!(r.ok()["currency"], cur);
    }
    let d = s
        .jordan
        .post(
            &path(s.id, "/deliverables"),
            json!({ "creator_id": cid, "lane": "influencer", "title": format!("{name} launch post"), "fee_cents": fee }),
        )
        .await
        .ok();
    let did = d["id"].as_i64().unwrap();
    let r = c
        .post(
            &path(s.id, &format!("/deliverables/{did}/submissions")),
            json!({ "caption": "#ad Out on the ridge today", "link": "https://instagram.example/p/draft" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let version = r.body["version"].as_i64().unwrap();
    let approved = s
        .jordan
        .post(
            &path(s.id, &format!("/deliverables/{did}/review")),
            json!({ "round": 1, "decision": "approved", "version": version }),
        )
        .await
        .ok();
    assert_eq!(approved["status"], "approved");
    (c, cid, did)
}

async fn ledger(c: &Client, id: i64) -> Value {
    c.get(&path(id, "/payouts")).await.ok()
}

async fn an_approved_deliverable_is_owed_in_her_currency_and_converted_in_totals(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    // Sofia (an EU creator) is paid in euros on this US-dollar campaign; Ava in the campaign's dollars.
    let (sofia, _, sofia_d) = approved_for(&app, &s, "Sofia Marin", Some("EUR"), 420_000).await;
    let (_, _, ava_d) = approved_for(&app, &s, "Ava Chen", None, 150_000).await;

    let l = ledger(&s.maya, s.id).await;
    assert_eq!(l["currency"], "USD");
    assert_eq!(l["terms_days"], 30);
    let lines = l["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "one line per approved deliverable");
    let line = lines.iter().find(|x| x["deliverable_id"] == sofia_d).unwrap();
    assert_eq!(line["amount"], json!({ "minor": 420_000, "currency": "EUR" }));
    assert_eq!(line["state"], "scheduled");
    assert_eq!(line["payer"]["name"], "Brightline", "her relationship owner pays");
    assert_eq!(line["approved_on"], today());
    let due = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    assert_eq!(line["due_date"], due);
    assert!(line["due_label"].as_str().unwrap().ends_with("(UTC)"), "{}", line["due_label"]);
    // No EUR→USD rate yet: a named gap blocks the converted total, never 1:1.
    assert!(line["converted"]["converted"].is_null());
    let missing = format!("EUR→USD rate on or before {}", today());
    assert_eq!(line["converted"]["missing"], missing);
    assert!(l["owed"]["minor"].is_null());
    assert_eq!(l["owed"]["missing"], json!([missing]));
    assert_eq!(
        l["owed_by_currency"],
        json!([{ "minor": 420_000, "currency": "EUR" }, { "minor": 150_000, "currency": "USD" }])
    );
    // The ledger page says so too.
    let page = s.maya.get(&format!("/campaigns/{}/payouts", s.id)).await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap();
    assert!(html.contains("€4,200.00"), "the original amount with its symbol");
    assert!(html.contains(&missing), "the page names the missing rate");

    // A rate for the day: €4,200 → $4,536 at 1.08, beside the original; the total is in dollars.
    let r = s
        .jordan
        .post(&path(s.id, "/exchange-rates"), json!({ "base": "EUR", "quote": "USD", "day": today(), "rate": "1.08" }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body[0]["entered_by"], "Jordan Reyes");
    let l = ledger(&s.jordan, s.id).await;
    let line = l["lines"].as_array().unwrap().iter().find(|x| x["deliverable_id"] == sofia_d).unwrap().clone();
    assert_eq!(line["converted"]["converted"], json!({ "minor": 453_600, "currency": "USD" }));
    assert!(line["converted"]["label"].as_str().unwrap().starts_with("€4,200.00 → $4,536.00 at 1.08 on "));
    assert_eq!(l["owed"]["minor"], 453_600 + 150_000);
    assert_eq!(l["owed"]["label"], "$6,036.00");

    // Her portal: her payout in euros with its payer and due date, and the total owed to her.
    let mine = sofia.get("/api/v1/portal/payouts").await.ok();
    assert_eq!(mine["lines"].as_array().unwrap().len(), 1, "only her own line");
    assert_eq!(mine["lines"][0]["amount"]["currency"], "EUR");
    assert_eq!(mine["owed"], json!([{ "minor": 420_000, "currency": "EUR" }]));
    let page = sofia.get("/portal/payouts").await;
    let html = page.body.as_str().unwrap();
    assert!(
        html.contains("€4,200.00")
            && html.contains("Brightline")
            && html.contains(&format!("Due {}", app::money::day_label(due.parse().unwrap()))),
        "{html}"
    );
    // Her deliverable's fee carries its currency everywhere.
    let portal = sofia.get(&path(s.id, "/portal")).await.ok();
    assert_eq!(portal["deliverables"][0]["fee_currency"], "EUR");

    // CSV for the partners' accounting: the campaign's, and one creator's; original and converted side by side.
    let csv = s.maya.get(&path(s.id, "/payouts.csv")).await.body.as_str().unwrap().to_string();
    let mut rows = csv.lines();
    assert!(rows.next().unwrap().starts_with("payout_id,campaign,creator,deliverable,amount,currency,payer"));
    let sofia_row = csv.lines().find(|r| r.contains("Sofia Marin")).unwrap();
    assert!(
        sofia_row.contains(",4200.00,EUR,Brightline,30,") && sofia_row.contains(",4536.00,USD,1.08,"),
        "{sofia_row}"
    );
    let ava_d_row = s.maya.get(&format!("{}?creator_id={}", path(s.id, "/payouts.csv"), line["creator_id"])).await;
    assert_eq!(ava_d_row.body.as_str().unwrap().lines().count(), 2, "the header and Sofia's line");
    let _ = ava_d;
}

async fn payouts_move_on_with_versions_events_and_idempotency(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (sofia, _, _) = approved_for(&app, &s, "Sofia Marin", Some("EUR"), 420_000).await;
    let line = ledger(&s.maya, s.id).await["lines"][0].clone();
    let pid = line["id"].as_i64().unwrap();
    let state_path = path(s.id, &format!("/payouts/{pid}/state"));

    let mut lena_ws = listening(&app, &s.lena, s.id).await;
    let mut sofia_ws = listening(&app, &sofia, s.id).await;

    // Only the paying partner (Brightline) or the accountable owner approves it for payment.
    let r = s.lena.put(&state_path, json!({ "state": "approved", "version": 1 })).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"), "{}", r.body);
    // Paid needs approving first; a dispute needs a note.
    let r = s.jordan.put(&state_path, json!({ "state": "paid", "version": 1, "reference": "T-1" })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("state")), "{}", r.body);
    let r = s.lena.put(&state_path, json!({ "state": "disputed", "version": 1 })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("note")));

    // Two partners change it at once from the same version: one wins, the other gets 409 with the line as it is.
    let (a, b) = tokio::join!(
        s.jordan.put(&state_path, json!({ "state": "approved", "version": 1 })),
        s.maya.put(&state_path, json!({ "state": "disputed", "version": 1, "note": "Fee was 4,000" })),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", a.body, b.body);
    let loser = if a.status == 409 { &a } else { &b };
    assert_eq!(loser.body["current"]["version"], 2);
    let now = s.maya.get(&path(s.id, &format!("/payouts/{pid}"))).await.ok();
    let version = now["version"].as_i64().unwrap();
    if now["state"] == "disputed" {
        s.jordan.put(&state_path, json!({ "state": "approved", "version": version })).await.ok();
    }
    let now = s.maya.get(&path(s.id, &format!("/payouts/{pid}"))).await.ok();
    assert_eq!(now["state"], "approved");

    // Recording the payment: a reference is required; retried with the same key it applies once.
    let version = now["version"].as_i64().unwrap();
    let r = s.jordan.put(&state_path, json!({ "state": "paid", "version": version })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("reference")));
    let r = s
        .jordan
        .put(
            &state_path,
            json!({ "state": "paid", "version": version, "paid_on": "2999-01-01", "reference": "SEPA-1" }),
        )
        .await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("paid_on")), "not in the future");
    let body = json!({ "state": "paid", "version": version, "reference": "SEPA-2027-0042" });
    let first = s
        .jordan
        .send(reqwest::Method::PUT, &state_path, Some(body.clone()), &[("idempotency-key", "pay-1")])
        .await
        .ok();
    let again =
        s.jordan.send(reqwest::Method::PUT, &state_path, Some(body), &[("idempotency-key", "pay-1")]).await.ok();
    assert_eq!(first["state"], "paid");
    assert_eq!(
        (again["version"].clone(), again["reference"].clone()),
        (first["version"].clone(), json!("SEPA-2027-0042"))
    );
    assert_eq!(first["recorded_by"], "Jordan Reyes");
    assert_eq!(first["paid_on"], today());
    // Paid is final.
    let r = s.maya.put(&state_path, json!({ "state": "disputed", "version": first["version"], "note": "x" })).await;
    assert_eq!(r.status, 422);

    // Every change was live for the partners, in the activity trail, and nudged her portal.
    let events = ws_events(&mut lena_ws, 3, Duration::from_secs(5)).await;
    let texts: Vec<String> = events.iter().map(|e| e["data"]["what"].as_str().unwrap_or("").to_string()).collect();
    assert!(
        texts.iter().any(|t| t.contains("as paid") && t.contains("SEPA-2027-0042") && t.contains("€4,200.00")),
        "{texts:?}"
    );
    let trail = s.maya.get(&path(s.id, "/events")).await.ok();
    assert!(trail.to_string().contains("approved for payment"), "{trail}");
    let mut nudged = false;
    while let Some(v) = ws_next(&mut sofia_ws, Duration::from_secs(2)).await {
        assert_ne!(v["type"], "event", "a creator's socket never carries partners' events");
        nudged |= v["type"] == "portal";
    }
    assert!(nudged, "her portal was told");
    let mine = sofia.get("/api/v1/portal/payouts").await.ok();
    assert_eq!(mine["lines"][0]["state"], "paid");
    assert_eq!(mine["owed"], json!([]));
}

async fn an_overdue_payout_escalates_once_to_the_paying_partner(kind: DbKind) {
    let app = spawn_on(&fresh_database(kind).await, |c| c.clock_seconds = 3600).await;
    let s = three_partners(&app).await;
    approved_for(&app, &s, "Sofia Marin", Some("EUR"), 420_000).await;
    let line = ledger(&s.maya, s.id).await["lines"][0].clone();
    let due: chrono::NaiveDate = line["due_date"].as_str().unwrap().parse().unwrap();
    let db = &app.running.state.db;
    let at = |d: chrono::NaiveDate, h: u32| d.and_hms_opt(h, 0, 0).unwrap().and_utc();
    // On its due day it is not late; the day after, one escalation, however often the clock runs.
    assert_eq!(app::money::ssr::scan_overdue_payouts(db, at(due, 23)).await.unwrap(), 0);
    let after = due + chrono::Duration::days(1);
    assert_eq!(app::money::ssr::scan_overdue_payouts(db, at(after, 1)).await.unwrap(), 1);
    assert_eq!(app::money::ssr::scan_overdue_payouts(db, at(after, 2)).await.unwrap(), 0);
    let (a, b) = tokio::join!(
        app::money::ssr::scan_overdue_payouts(db, at(after, 3)),
        app::money::ssr::scan_overdue_payouts(db, at(after, 3))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 0);
    let list = s.maya.get(&path(s.id, "/escalations")).await.ok();
    let e = list.as_array().unwrap().iter().find(|e| e["kind"] == "payout_overdue").unwrap().clone();
    // Brightline pays: its accountable person (Jordan) is named, and mailed.
    assert_eq!(e["assignee"], "Jordan Reyes");
    assert!(e["title"].as_str().unwrap().contains("Payout of €4,200.00 to Sofia Marin"), "{e}");
    let outbox = s.maya.get(&path(s.id, "/outbox")).await.ok();
    assert!(outbox.as_array().unwrap().iter().any(|m| m["to"].as_str().unwrap().contains("jordan@brightline.example")));
    // Recording the payment resolves it.
    let pid = line["id"].as_i64().unwrap();
    let st = path(s.id, &format!("/payouts/{pid}/state"));
    let v = s.jordan.put(&st, json!({ "state": "approved", "version": 1 })).await.ok();
    s.jordan.put(&st, json!({ "state": "paid", "version": v["version"], "reference": "late but paid" })).await.ok();
    let list = s.maya.get(&path(s.id, "/escalations")).await.ok();
    let e = list.as_array().unwrap().iter().find(|e| e["kind"] == "payout_overdue").unwrap().clone();
    assert_eq!(e["status"], "resolved");
}

async fn creators_and_strangers_see_only_what_is_theirs(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (sofia, _, _) = approved_for(&app, &s, "Sofia Marin", Some("EUR"), 420_000).await;
    let (ava, _, _) = approved_for(&app, &s, "Ava Chen", None, 150_000).await;
    let pid = ledger(&s.maya, s.id).await["lines"][0]["id"].as_i64().unwrap();
    // A stranger: every ledger route answers 404, as for a campaign that does not exist.
    for p in ["/payouts", "/payouts.csv", &format!("/payouts/{pid}")] {
        assert_eq!(s.olga.get(&path(s.id, p)).await.status, 404, "{p}");
    }
    let r =
        s.olga.put(&path(s.id, &format!("/payouts/{pid}/state")), json!({ "state": "approved", "version": 1 })).await;
    assert_eq!(r.status, 404);
    let r = s
        .olga
        .post(&path(s.id, "/exchange-rates"), json!({ "base": "EUR", "quote": "USD", "day": today(), "rate": "9" }))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(s.olga.get(&format!("/campaigns/{}/payouts", s.id)).await.status, 404);
    // A creator: not the partners' ledger, only her own lines.
    assert_eq!(sofia.get(&path(s.id, "/payouts")).await.status, 404);
    assert_eq!(sofia.get(&path(s.id, &format!("/payouts/{pid}"))).await.status, 404);
    let r = sofia
        .put(&path(s.id, &format!("/payouts/{pid}/state")), json!({ "state": "disputed", "version": 1, "note": "?" }))
        .await;
    assert_eq!(r.status, 404);
    let ava_lines = ava.get("/api/v1/portal/payouts").await.ok();
    assert_eq!(ava_lines["lines"].as_array().unwrap().len(), 1);
    assert_eq!(ava_lines["lines"][0]["creator_name"], "Ava Chen");
    let csv = ava.get("/api/v1/portal/payouts.csv").await.body.as_str().unwrap().to_string();
    assert!(!csv.contains("Sofia"), "{csv}");
    // A partner has no portal payouts.
    assert_eq!(s.maya.get("/api/v1/portal/payouts").await.status, 404);
    assert_eq!(s.maya.get("/portal/payouts").await.status, 404);
}

async fn the_campaign_currency_is_the_owners_until_the_first_amount(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    // Maya is the accountable owner; Jordan is not.
    let r = s.jordan.put(&path(s.id, "/currency"), json!({ "currency": "EUR" })).await;
    assert_eq!(r.status, 403);
    let r = s.maya.put(&path(s.id, "/currency"), json!({ "currency": "EURO" })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("currency")));
    let l = s.maya.put(&path(s.id, "/currency"), json!({ "currency": "eur" })).await.ok();
    assert_eq!((l["currency"].as_str(), l["may_set_currency"].as_bool()), (Some("EUR"), Some(true)));
    // The first amount fixes it; every amount carries it.
    s.jordan.put(&path(s.id, "/lanes/influencer"), json!({ "lane": "influencer", "brief": "", "sla_hours": 48, "budget_cents": 1_000_000, "default_fee_cents": 40_000, "version": 0 })).await.ok();
    let r = s.maya.put(&path(s.id, "/currency"), json!({ "currency": "USD" })).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("Amounts in EUR"));
    let l = ledger(&s.maya, s.id).await;
    assert_eq!(l["may_set_currency"], false);
    // A deliverable on the lane's default fee is in the campaign's euros.
    let (_, cid) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let d = s
        .jordan
        .post(&path(s.id, "/deliverables"), json!({ "creator_id": cid, "lane": "influencer", "title": "Post" }))
        .await
        .ok();
    assert_eq!((d["fee_cents"].as_i64(), d["fee_currency"].as_str()), (Some(40_000), Some("EUR")));
    // Terms: net-N within 0 to 365.
    let r = s.jordan.put(&path(s.id, "/payout-terms"), json!({ "terms_days": 400 })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("terms_days")));
    assert_eq!(s.jordan.put(&path(s.id, "/payout-terms"), json!({ "terms_days": 60 })).await.ok()["terms_days"], 60);
}

async fn rates_by_hand_and_from_a_file(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let rates_path = path(s.id, "/exchange-rates");
    for (body, field) in [
        (json!({ "base": "EUR", "quote": "EUR", "day": "2027-03-01", "rate": "1" }), "quote"),
        (json!({ "base": "XYZ", "quote": "USD", "day": "2027-03-01", "rate": "1" }), "base"),
        (json!({ "base": "EUR", "quote": "USD", "day": "3 March", "rate": "1.08" }), "day"),
        (json!({ "base": "EUR", "quote": "USD", "day": "2027-03-01", "rate": "0" }), "rate"),
        (json!({ "base": "EUR", "quote": "USD", "day": "2027-03-01", "rate": "1,08" }), "rate"),
    ] {
        let r = s.maya.post(&rates_path, body.clone()).await;
        assert_eq!((r.status, r.body["field"].as_str()), (422, Some(field)), "{body} → {}", r.body);
    }
    // A file: one bad row refuses it all, naming the line and column.
    let bad = "base,quote,day,rate\nEUR,USD,2027-03-01,1.08\nGBP,USD,2027-03-01,abc\n";
    let r = s.maya.post_text(&path(s.id, "/exchange-rates/import"), bad).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("rate")), "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().starts_with("Line 3, column rate"), "{}", r.body);
    assert!(ledger(&s.maya, s.id).await["rates"].as_array().unwrap().is_empty(), "nothing half-written");
    let good =
        "Day,Base,Quote,Rate\r\n2027-03-01,EUR,USD,1.08\r\n2027-03-01,GBP,USD,1.27\r\n2027-03-10,EUR,USD,1.1\r\n";
    let r = s.maya.post_text(&path(s.id, "/exchange-rates/import"), good).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body.as_array().unwrap().len(), 3);
    // The same pair and day again replaces the rate, with who and when.
    let r = s
        .jordan
        .post(
            &path(s.id, "/exchange-rates"),
            json!({ "base": "EUR", "quote": "USD", "day": "2027-03-10", "rate": "1.09" }),
        )
        .await;
    let rates = r.ok();
    let eur10 =
        rates.as_array().unwrap().iter().find(|x| x["base"] == "EUR" && x["day"] == "2027-03-10").unwrap().clone();
    assert_eq!((eur10["rate"].as_str(), eur10["entered_by"].as_str()), (Some("1.09"), Some("Jordan Reyes")));
    assert_eq!(rates.as_array().unwrap().len(), 3);
}

/// A URL-encoded form post (a page's plain form, or a server function's arguments), redirects not followed.
async fn form(c: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut req = http.post(format!("{}{path}", c.base)).form(fields);
    if let Some(cookie) = &c.cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// A page's HTML, without the markers the renderer puts between text nodes.
async fn page_text(c: &Client, path: &str) -> String {
    page(c, path).await.replace("<!>", "").replace("<!-- -->", "")
}

async fn a_campaign_starts_in_the_currency_chosen(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    // Through the API: the code as given (any case), USD when left out, 422 naming `currency` for an unknown one.
    let yen = s.maya.post("/api/v1/campaigns", json!({ "name": "Tokyo", "currency": "jpy" })).await;
    assert_eq!(yen.status, 201, "{}", yen.body);
    let yen = yen.body["id"].as_i64().unwrap();
    assert_eq!(ledger(&s.maya, yen).await["currency"], "JPY");
    let plain = s.maya.post("/api/v1/campaigns", json!({ "name": "Plain" })).await.ok()["id"].as_i64().unwrap();
    assert_eq!(ledger(&s.maya, plain).await["currency"], "USD");
    let r = s.maya.post("/api/v1/campaigns", json!({ "name": "Nowhere", "currency": "XXX" })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("currency")), "{}", r.body);
    let r = s.maya.post("/api/v1/campaigns", json!({ "name": "Nowhere", "currency": "e".repeat(5_000) })).await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("currency")), "a long code is refused, not echoed");
    assert!(r.body["message"].as_str().unwrap().len() < 200);
    let listed = s.maya.get("/api/v1/campaigns").await.ok();
    assert!(!listed.to_string().contains("Nowhere"), "nothing half-written");

    // The home page's form offers every currency, USD first chosen; posted without script it starts the campaign.
    let home = page_text(&s.maya, "/").await;
    assert!(home.contains("name=\"currency\""), "{home}");
    assert!(home.contains("<option value=\"BHD\""), "{home}");
    assert!(home.contains("<option value=\"USD\" selected"), "{home}");
    let r = form(&s.maya, "/sfn/create_campaign", &[("name", "Manama"), ("currency", "BHD")]).await;
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_i64().unwrap_or_else(|| panic!("{created}"));
    let l = ledger(&s.maya, id).await;
    assert_eq!(l["currency"], "BHD");
    // The same server function refuses an unknown code, naming the field.
    let r = form(&s.maya, "/sfn/create_campaign", &[("name", "Atlantis"), ("currency", "ATL")]).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "currency", "{body}");
}

async fn the_islands_show_and_take_amounts_in_the_campaigns_currency(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let id = s.maya.post("/api/v1/campaigns", json!({ "name": "Tokyo", "currency": "JPY" })).await.ok()["id"]
        .as_i64()
        .unwrap();
    s.maya.bring_in(id, &s.jordan).await;
    let lane = json!({ "lane": "influencer", "brief": "", "sla_hours": 48, "budget_cents": 1_234_567, "default_fee_cents": 50_000, "version": 0 });
    s.maya.put(&path(id, "/lanes/influencer"), lane).await.ok();
    let (_, eu) = creator_account(&app, &s.jordan, id, "Sofia Marin", "sofia@creator.example").await;
    s.jordan.put(&path(id, &format!("/creators/{eu}/payout-currency")), json!({ "currency": "EUR" })).await.ok();
    let (_, jp) = creator_account(&app, &s.jordan, id, "Kenji Ito", "kenji@creator.example").await;
    s.jordan
        .post(&path(id, "/deliverables"), json!({ "creator_id": jp, "lane": "influencer", "title": "Default fee" }))
        .await
        .ok();

    // The content island gets the campaign's currency and each creator's agreed one with its data…
    let view = s.maya.get(&path(id, "/content")).await.ok();
    assert_eq!(view["currency"], "JPY");
    let sofia = view["creators"].as_array().unwrap().iter().find(|c| c["creator_id"] == eu).unwrap().clone();
    assert_eq!(sofia["currency"], "EUR");
    let influencer = view["lanes"].as_array().unwrap().iter().find(|l| l["lane"] == "influencer").unwrap().clone();
    assert_eq!(influencer["committed_cents"], 50_000);
    // …and renders yen: no decimals, no dollars.
    let html = page_text(&s.maya, &format!("/campaigns/{id}/content")).await;
    assert!(html.contains("Budget line (JPY)") && html.contains("Default fee (JPY)"), "{html}");
    assert!(html.contains("¥50,000 committed of ¥1,234,567"), "{html}");
    assert!(html.contains("Fee (JPY; blank = the lane's default)"), "{html}");
    // (Not " USD" or "(USD)" anywhere: a page's random nonce may hold the letters.)
    assert!(!html.contains(" USD") && !html.contains("(USD)") && !html.contains("$1,"), "{html}");
    // The dashboard likewise, budget panel and CPMs included.
    let d = s.maya.get(&path(id, "/dashboard")).await.ok();
    assert_eq!(d["currency"], "JPY");
    let html = page_text(&s.maya, &format!("/campaigns/{id}/performance")).await;
    assert!(html.contains("plan ¥1,234,567") && html.contains("Committed ¥50,000 (4 % of ¥1,234,567)"), "{html}");
    assert!(
        !html.contains(" USD") && !html.contains("(USD)") && !html.contains("$0") && !html.contains("$1,"),
        "{html}"
    );

    // The CPM form under the dashboard (a plain form): yen without decimals, the platform's default before one is
    // set; an amount that is not one comes back named; a partner of other campaigns only is refused.
    let form = |who: &Client, platform: &str, cpm: &str| {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let req = http
            .post(format!("{}/campaigns/{id}/cpm/{platform}", app.base))
            .header("cookie", who.cookie.clone().unwrap())
            .form(&[("cpm", cpm.to_string())]);
        async move {
            let resp = req.send().await.unwrap();
            let location = resp.headers().get("location").map(|l| l.to_str().unwrap().to_string());
            (resp.status().as_u16(), location)
        }
    };
    assert_eq!(form(&s.jordan, "tiktok", "¥1,200").await, (303, Some(format!("/campaigns/{id}/performance#cpm"))));
    assert_eq!(s.maya.get(&path(id, "/dashboard")).await.ok()["cpm"][0], json!(["tiktok", 1200]));
    let html = page_text(&s.maya, &format!("/campaigns/{id}/performance")).await;
    assert!(html.contains("tiktok CPM (JPY)") && html.contains("value=\"1200\""), "{html}");
    let (status, location) = form(&s.jordan, "tiktok", "twelve").await;
    assert_eq!(status, 303);
    assert!(location.unwrap().starts_with(&format!("/campaigns/{id}/performance?cpm_error=cpm")));
    let (status, _) = form(&s.lena, "tiktok", "5").await;
    assert_eq!(status, 404, "not a partner of this campaign");
    assert_eq!(s.maya.get(&path(id, "/dashboard")).await.ok()["cpm"][0], json!(["tiktok", 1200]), "unchanged");

    // A fee in another currency with no rate yet: the lane's committed sum leaves it out and names the rate.
    s.jordan
        .post(
            &path(id, "/deliverables"),
            json!({ "creator_id": eu, "lane": "influencer", "title": "Euro fee", "fee_cents": 100_000 }),
        )
        .await
        .ok();
    let view = s.maya.get(&path(id, "/content")).await.ok();
    let influencer = view["lanes"].as_array().unwrap().iter().find(|l| l["lane"] == "influencer").unwrap().clone();
    assert_eq!(influencer["committed_cents"], 50_000, "never converted 1:1");
    let missing = format!("EUR→JPY rate on or before {}", today());
    assert_eq!(influencer["committed_missing"], missing.as_str());
    s.jordan
        .post(&path(id, "/exchange-rates"), json!({ "base": "EUR", "quote": "JPY", "day": today(), "rate": "160.5" }))
        .await
        .ok();
    let view = s.maya.get(&path(id, "/content")).await.ok();
    let influencer = view["lanes"].as_array().unwrap().iter().find(|l| l["lane"] == "influencer").unwrap().clone();
    assert_eq!(influencer["committed_cents"], 50_000 + 160_500, "€1,000.00 at 160.5 is ¥160,500");
    assert!(influencer["committed_missing"].is_null());
}

async fn over_commitment_escalates_once_when_a_threshold_names_it(kind: DbKind) {
    // The test runs the daily cut-off itself (the server's clock would too, an hour from now).
    let app = spawn_on(&fresh_database(kind).await, |c| c.clock_seconds = 3600).await;
    let s = three_partners(&app).await;
    let (brightline, kin) = (me(&s.jordan).await["org"]["id"].clone(), me(&s.lena).await["org"]["id"].clone());
    let maya = me(&s.maya).await["user_id"].clone();
    // Brightline funds $1,000.00 of the influencer lane, Studio Kin $5,000.00.
    for (org, minor) in [(&brightline, 100_000), (&kin, 500_000)] {
        let share = json!({ "lane": "influencer", "org_id": org, "share_minor": minor, "version": 0 });
        s.maya.put(&path(s.id, "/budget-shares"), share).await.ok();
    }
    // Only the campaign, a lane or a partner can be over-committed: a tier scope is refused, naming it.
    let version = section_version(&s.maya, s.id, "thresholds").await;
    let tiered = json!({ "thresholds": [{ "metric": "over_commitment", "comparison": ">", "value": 0, "scope": "tier", "scope_value": "Micro", "escalate_to": maya }] });
    let r = s
        .maya
        .send(
            reqwest::Method::PUT,
            &path(s.id, "/charter/sections/thresholds"),
            Some(json!({ "body": tiered, "version": version })),
            &[],
        )
        .await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("thresholds.thresholds[0].scope")), "{}", r.body);
    put_section(&s.maya, s.id, "thresholds", json!({ "thresholds": [
        { "metric": "over_commitment", "comparison": ">", "value": 0, "scope": "campaign", "scope_value": "", "escalate_to": maya } ] }))
    .await;
    // Brightline commits $1,500.00 (over by $500.00); Studio Kin $1,000.00 (within).
    let ava = s.jordan.add_creator(s.id, "Ava Chen", "avachen").await["id"].clone();
    let ben = s.lena.add_creator(s.id, "Ben Ortiz", "benortiz").await["id"].clone();
    for (c, who, fee) in [(&ava, &s.jordan, 150_000), (&ben, &s.lena, 100_000)] {
        let d = json!({ "creator_id": c, "lane": "influencer", "title": "Launch post", "fee_cents": fee });
        who.post(&path(s.id, "/deliverables"), d).await.ok();
    }
    let l = ledger(&s.maya, s.id).await;
    let over: Vec<(String, bool)> = l["budget"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["org"]["name"].as_str().unwrap().to_string(), b["over"].as_bool().unwrap()))
        .collect();
    assert!(over.contains(&("Brightline".into(), true)) && over.contains(&("Studio Kin".into(), false)), "{over:?}");

    // The daily cut-off raises it once, to Brightline's accountable person, however often it runs.
    let db = &app.running.state.db;
    assert_eq!(app::metrics::ssr::close_days(db, chrono::Utc::now()).await.unwrap(), 1);
    assert_eq!(app::metrics::ssr::close_days(db, chrono::Utc::now()).await.unwrap(), 0);
    assert_eq!(app::metrics::ssr::evaluate_thresholds(db, s.id, &[today()]).await.unwrap(), 0, "raised once");
    let list = s.maya.get(&path(s.id, "/escalations")).await.ok();
    let raised: Vec<Value> =
        list.as_array().unwrap().iter().filter(|e| e["kind"] == "over_commitment").cloned().collect();
    assert_eq!(raised.len(), 1, "Studio Kin is within its share: {raised:?}");
    let e = &raised[0];
    assert_eq!(e["assignee"], "Jordan Reyes");
    let title = e["title"].as_str().unwrap();
    assert!(
        title.starts_with("Brightline committed $1,500.00") && title.contains("$500.00 above its share of $1,000.00"),
        "{title}"
    );
    assert!(e["detail"].as_str().unwrap().contains(&format!("/campaigns/{}/payouts", s.id)), "{e}");
    let outbox = s.maya.get(&path(s.id, "/outbox")).await.ok();
    assert!(outbox.as_array().unwrap().iter().any(|m| m["to"].as_str().unwrap().contains("jordan@brightline.example")));
    // Raising Brightline's share fixes it; nothing new is raised.
    let v =
        l["budget"].as_array().unwrap().iter().find(|b| b["org"]["name"] == "Brightline").unwrap()["version"].clone();
    let share = json!({ "lane": "influencer", "org_id": brightline, "share_minor": 200_000, "version": v });
    s.jordan.put(&path(s.id, "/budget-shares"), share).await.ok();
    assert_eq!(app::metrics::ssr::evaluate_thresholds(db, s.id, &[today()]).await.unwrap(), 0);
}

async fn rates_and_currency_changes_are_events_in_the_trail(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (sofia, sofia_id) = creator_account(&app, &s.jordan, s.id, "Sofia Marin", "sofia@creator.example").await;
    let mut lena_ws = listening(&app, &s.lena, s.id).await;
    let mut sofia_ws = listening(&app, &sofia, s.id).await;

    s.maya.put(&path(s.id, "/currency"), json!({ "currency": "EUR" })).await.ok();
    s.jordan
        .post(
            &path(s.id, "/exchange-rates"),
            json!({ "base": "USD", "quote": "EUR", "day": "2027-03-03", "rate": "0.92" }),
        )
        .await
        .ok();
    let file = "base,quote,day,rate\nGBP,EUR,2027-03-01,1.17\nGBP,EUR,2027-03-02,1.18\n";
    assert_eq!(s.lena.post_text(&path(s.id, "/exchange-rates/import"), file).await.status, 201);
    s.jordan
        .put(&path(s.id, &format!("/creators/{sofia_id}/payout-currency")), json!({ "currency": "GBP" }))
        .await
        .ok();
    // The same currency again changes nothing and says nothing.
    s.jordan
        .put(&path(s.id, &format!("/creators/{sofia_id}/payout-currency")), json!({ "currency": "gbp" }))
        .await
        .ok();

    let events = ws_events(&mut lena_ws, 4, Duration::from_secs(5)).await;
    let said: Vec<(String, String)> = events
        .iter()
        .filter(|e| e["kind"] == "recorded")
        .map(|e| (e["data"]["topic"].as_str().unwrap().to_string(), e["data"]["what"].as_str().unwrap().to_string()))
        .collect();
    let expected = [
        "set the campaign's currency to EUR (was USD)",
        "entered the USD→EUR rate 0.92 from 3 Mar 2027 on",
        "imported 2 exchange rate(s) from a file (GBP→EUR)",
        "agreed to pay Sofia Marin in GBP (fees briefed from now on)",
    ];
    assert_eq!(said.iter().map(|(_, w)| w.as_str()).collect::<Vec<_>>(), expected, "live for every partner");
    assert!(said.iter().all(|(t, _)| t == "payouts"));
    assert!(ws_next(&mut lena_ws, Duration::from_millis(500)).await.is_none(), "nothing for a change that is none");
    let trail = s.maya.get(&path(s.id, "/events")).await.ok().to_string();
    for what in expected {
        assert!(trail.contains(what), "{what} in {trail}");
    }
    // Her portal hears of her own currency, and of nothing else.
    let mut nudges = 0;
    while let Some(v) = ws_next(&mut sofia_ws, Duration::from_secs(1)).await {
        assert_ne!(v["type"], "event", "a creator's socket never carries partners' events");
        nudges += (v["type"] == "portal") as usize;
    }
    assert_eq!(nudges, 1, "her portal was told of her currency");
}

async fn a_creators_currency_is_set_on_the_ledger_page_and_shown_on_her_portal(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (sofia, sofia_id) = creator_account(&app, &s.jordan, s.id, "Sofia Marin", "sofia@creator.example").await;
    let html = page_text(&s.jordan, &format!("/campaigns/{}/payouts", s.id)).await;
    assert!(html.contains("creator-currency-form") && html.contains("currency (USD)</option>"), "{html}");
    let url = format!("/campaigns/{}/payouts/creators/{sofia_id}/currency", s.id);
    let r = form(&s.jordan, &url, &[("currency", "eur")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/campaigns/{}/payouts#creator-{sofia_id}", s.id));
    let l = ledger(&s.maya, s.id).await;
    let mine = l["creators"].as_array().unwrap().iter().find(|c| c["creator_id"] == sofia_id).unwrap().clone();
    assert_eq!((mine["agreed"].as_str(), mine["currency"].as_str()), (Some("EUR"), Some("EUR")));
    // A fee briefed now is in her euros.
    let d = s
        .jordan
        .post(&path(s.id, "/deliverables"), json!({ "creator_id": sofia_id, "title": "Post", "fee_cents": 1_000 }))
        .await
        .ok();
    assert_eq!(d["fee_currency"], "EUR");

    // A bad code: the page comes back naming the field; the API answers 422; nothing changed.
    let r = form(&s.jordan, &url, &[("currency", "EURO")]).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).contains("error=") && location(&r).contains("field=currency"), "{}", location(&r));
    let r = s
        .jordan
        .put(&path(s.id, &format!("/creators/{sofia_id}/payout-currency")), json!({ "currency": "EURO" }))
        .await;
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("currency")));
    let l = ledger(&s.maya, s.id).await;
    assert!(l["creators"].to_string().contains("\"agreed\":\"EUR\""));
    // Strangers and creators cannot set it.
    let r = form(&s.olga, &url, &[("currency", "GBP")]).await;
    assert!(location(&r).contains("error="), "{}", location(&r));
    let r =
        s.olga.put(&path(s.id, &format!("/creators/{sofia_id}/payout-currency")), json!({ "currency": "GBP" })).await;
    assert_eq!(r.status, 404);
    let r =
        sofia.put(&path(s.id, &format!("/creators/{sofia_id}/payout-currency")), json!({ "currency": "GBP" })).await;
    assert_eq!(r.status, 404);

    // She sees it on her portal payouts; back to the campaign's currency, she sees that.
    let html = page_text(&sofia, "/portal/payouts").await;
    assert!(html.contains("Trailhead: paid in EUR, as agreed with you"), "{html}");
    let mine = sofia.get("/api/v1/portal/payouts").await.ok();
    assert_eq!(mine["currencies"][0]["currency"], "EUR");
    form(&s.jordan, &url, &[("currency", "")]).await;
    let html = page_text(&sofia, "/portal/payouts").await;
    assert!(html.contains("Trailhead: paid in the campaign") && html.contains("currency, USD"), "{html}");
}

/// The migrations before this one (up to 0010), applied to a fresh database of `kind`.
async fn previous_schema(kind: DbKind) -> String {
    let url = fresh_database(kind).await;
    let (dir_name, url_for_pool) = match kind {
        DbKind::Sqlite => ("sqlite", format!("{url}?mode=rwc")),
        DbKind::Postgres => ("postgres", url.clone()),
    };
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(dir_name);
    let old = std::env::temp_dir().join(format!(
        "chorus-old-migrations-{}-{dir_name}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&old).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        let version: u32 = name.split('_').next().unwrap().parse().unwrap();
        if version <= 10 {
            std::fs::copy(entry.path(), old.join(&name)).unwrap();
        }
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url_for_pool).await.unwrap();
    sqlx::migrate::Migrator::new(old.clone()).await.unwrap().run(&pool).await.unwrap();
    // What the previous schema held: a campaign with a lane budget, fees, daily money figures, a CPM, and an
    // approved deliverable whose payout was marked approved.
    let day = 86_400_000i64;
    let t0 = 1_800_000_000_000i64; // 2027-01-15 08:00 UTC
    for q in [
        "INSERT INTO organizations (id, name, kind, color, created_at) VALUES (1, 'Northwind', 'brand', '#123456', 0)".to_string(),
        "INSERT INTO users (id, email, name, password_hash, role, org_id, created_at) VALUES (1, 'maya@x.example', 'Maya', 'x', 'member', 1, 0)".into(),
        "INSERT INTO users (id, email, name, password_hash, role, org_id, created_at) VALUES (2, 'ava@x.example', 'Ava', 'x', 'creator', NULL, 0)".into(),
        "INSERT INTO campaigns (id, name, owner_org_id, status, last_seq, created_at) VALUES (1, 'Old one', 1, 'draft', 0, 0)".into(),
        "INSERT INTO campaign_partners (campaign_id, org_id, joined_at) VALUES (1, 1, 0)".into(),
        "INSERT INTO creators (id, campaign_id, name, platform, handle, handle_key, followers, lane, stage, owner_org_id, user_id, version, created_at, updated_at) \
         VALUES (1, 1, 'Ava', 'instagram', 'ava', 'ava', 1000, 'ugc', 'contracted', 1, 2, 1, 0, 0)".into(),
        "INSERT INTO lane_settings (campaign_id, lane, brief, sla_hours, budget_cents, default_fee_cents, version, updated_at) VALUES (1, 'ugc', '', 24, 1234567, 50000, 1, 0)".into(),
        format!("INSERT INTO deliverables (id, campaign_id, creator_id, lane, title, fee_cents, status, rounds, payout, version, created_by, created_at, updated_at) \
         VALUES (1, 1, 1, 'ugc', 'Clip', 50001, 'approved', 1, 'approved', 3, 1, {t0}, {t0})"),
        format!("INSERT INTO deliverables (id, campaign_id, creator_id, lane, title, fee_cents, status, rounds, payout, version, created_by, created_at, updated_at) \
         VALUES (2, 1, 1, 'ugc', 'Second clip', 70000, 'in_review', 1, 'owed', 2, 1, {t0}, {t0})"),
        format!("INSERT INTO submissions (deliverable_id, campaign_id, round, submitted_by, submitted_at, sla_hours, review_due_at, decision, decided_by, decided_at) \
         VALUES (1, 1, 1, 2, {t0}, 24, {}, 'approved', 1, {})", t0 + day, t0 + 3_600_000),
        "INSERT INTO posts (id, campaign_id, creator_id, lane, platform, url, created_by, created_at) VALUES (1, 1, 1, 'ugc', 'instagram', 'https://x.example/p/1', 1, 0)".into(),
        "INSERT INTO daily_metrics (post_id, day, campaign_id, revenue_cents, fee_cents, product_cents, paid_cents, source, updated_by, updated_at) \
         VALUES (1, '2027-01-15', 1, 432100, 50001, 2000, 3000, 'manual', 1, 0)".into(),
        "INSERT INTO platform_cpm (campaign_id, platform, cpm_cents) VALUES (1, 'instagram', 1234)".into(),
    ] {
        sqlx::query(&q).execute(&pool).await.unwrap_or_else(|e| panic!("{q}: {e}"));
    }
    pool.close().await;
    url
}

async fn a_database_of_the_previous_schema_keeps_its_amounts(kind: DbKind) {
    let url = previous_schema(kind).await;
    let app = spawn_on(&url, |_| {}).await;
    let pool = &app.running.state.db.pool;
    let one = |q: &'static str| async move {
        use sqlx::Row;
        let r = sqlx::query(q).fetch_one(pool).await.unwrap_or_else(|e| panic!("{q}: {e}"));
        (0..r.len())
            .map(|i| r.try_get::<i64, _>(i).map(|v| v.to_string()).or_else(|_| r.try_get::<String, _>(i)).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(one("SELECT currency, payout_terms_days FROM campaigns WHERE id = 1").await, ["USD", "30"]);
    assert_eq!(
        one("SELECT budget_cents, default_fee_cents, currency FROM lane_settings").await,
        ["1234567", "50000", "USD"]
    );
    assert_eq!(
        one("SELECT fee_cents, fee_currency, payout, version FROM deliverables WHERE id = 1").await,
        ["50001", "USD", "approved", "3"]
    );
    assert_eq!(
        one("SELECT revenue_cents, fee_cents, product_cents, paid_cents, currency FROM daily_metrics").await,
        ["432100", "50001", "2000", "3000", "USD"]
    );
    assert_eq!(one("SELECT cpm_cents, currency FROM platform_cpm").await, ["1234", "USD"]);
    // The approved deliverable got its ledger line, in the state its payout status said; the one in review none.
    assert_eq!(
        one("SELECT deliverable_id, amount_minor, currency, payer_org_id, terms_days, approved_on, due_date, state FROM payouts").await,
        ["1", "50001", "USD", "1", "30", "2027-01-15", "2027-02-14", "approved"]
    );
    assert_eq!(one("SELECT COUNT(*) FROM payouts").await, ["1"]);
}
