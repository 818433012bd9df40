//! Usage rights through the API, on SQLite and PostgreSQL: licence terms per deliverable, versioned, accepted by
//! the creator version by version; the rights ledger an approved asset enters, its ad codes and logged uses; the
//! expiry warning and the escalation for a use past the end, raised once; who may do what.
use crate::common::*;
use serde_json::{json, Value};

on_both_databases!(
    the_creator_accepts_the_terms_and_a_change_needs_her_acceptance_again,
    terms_are_validated_field_by_field,
    only_partners_edit_and_only_her_creator_accepts,
    an_approved_asset_enters_the_ledger_and_its_expiry_is_warned_once,
    partners_propose_terms_with_the_ledger_pages_form,
);

fn path(id: i64, rest: &str) -> String {
    campaign_path(id, rest)
}

fn terms_path(id: i64, d: i64) -> String {
    path(id, &format!("/deliverables/{d}/terms"))
}

async fn org_id(c: &Client) -> i64 {
    me(c).await["org"]["id"].as_i64().unwrap()
}

async fn brief(partner: &Client, id: i64, creator_id: i64, title: &str) -> i64 {
    partner
        .post(&path(id, "/deliverables"), json!({ "creator_id": creator_id, "lane": "influencer", "title": title }))
        .await
        .ok()["id"]
        .as_i64()
        .unwrap()
}

fn terms(partners: &[i64], version: i64) -> Value {
    json!({
        "usages": ["organic", "paid_amplification"],
        "platforms": ["Instagram", "Meta Ads"],
        "territories": ["UK", "DE"],
        "term_days": 90,
        "exclusivity": "No other bike brand for 30 days",
        "partner_ids": partners,
        "version": version,
    })
}

async fn the_creator_accepts_the_terms_and_a_change_needs_her_acceptance_again(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (isla, isla_id) = creator_account(&app, &s.jordan, s.id, "Isla Reed", "isla@creator.example").await;
    let d = brief(&s.jordan, s.id, isla_id, "Spring ride post").await;
    let (brightline, northwind) = (org_id(&s.jordan).await, org_id(&s.maya).await);

    // Nothing proposed yet: version 0, and nothing to accept.
    let none = isla.get(&terms_path(s.id, d)).await.ok();
    assert_eq!((none["version"].as_i64(), none["accepted"].is_null()), (Some(0), true));
    let early = isla.post(&format!("{}/accept", terms_path(s.id, d)), json!({ "version": 0 })).await;
    assert_eq!((early.status, early.body["field"].as_str()), (422, Some("version")), "{}", early.body);

    // Jordan proposes them; Isla sees them before she submits and accepts version 1.
    let v1 = s.jordan.put(&terms_path(s.id, d), terms(&[brightline], 0)).await.ok();
    assert_eq!((v1["version"].as_i64(), v1["term_days"].as_i64()), (Some(1), Some(90)));
    assert_eq!(v1["partners"], json!([{ "id": brightline, "name": "Brightline" }]));
    assert_eq!(v1["updated_by"], "Jordan Reyes");
    let seen = isla.get(&terms_path(s.id, d)).await.ok();
    assert_eq!(
        (seen["usages"].clone(), seen["accepted"].clone()),
        (json!(["organic", "paid_amplification"]), Value::Null)
    );
    let accepted = isla.post(&format!("{}/accept", terms_path(s.id, d)), json!({ "version": 1 })).await.ok();
    assert_eq!(
        (accepted["accepted"]["version"].as_i64(), accepted["accepted"]["by"].as_str()),
        (Some(1), Some("Isla Reed"))
    );
    assert!(accepted["accepted"]["at"].as_str().unwrap().ends_with('Z'), "a time with its zone");
    // The partners see who accepted which version.
    assert_eq!(s.maya.get(&terms_path(s.id, d)).await.ok()["accepted"]["by"], "Isla Reed");

    // Maya adds Northwind: version 2, and the acceptance is gone until Isla accepts again.
    let v2 = s.maya.put(&terms_path(s.id, d), terms(&[brightline, northwind], 1)).await.ok();
    assert_eq!((v2["version"].as_i64(), v2["accepted"].is_null()), (Some(2), true));
    // Jordan, still on version 1, is refused with the terms as they are now; nothing changes.
    let stale = s.jordan.put(&terms_path(s.id, d), terms(&[brightline], 1)).await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert_eq!(stale.body["current"]["version"], 2);
    assert_eq!(stale.body["current"]["partners"][1]["name"], "Northwind");
    // Two partners saving on the same version at once: one wins, the other gets 409 with the winner's terms.
    let url = terms_path(s.id, d);
    let (a, b) = tokio::join!(s.maya.put(&url, terms(&[northwind], 2)), s.lena.put(&url, terms(&[brightline], 2)));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", a.body, b.body);
    let (won, lost) = if a.status == 200 { (&a, &b) } else { (&b, &a) };
    assert_eq!(lost.body["current"]["version"], 3);
    assert_eq!(lost.body["current"]["partners"], won.body["partners"]);
    // Back to both partners (version 4) for the rest of the story.
    let v4 = s.maya.put(&terms_path(s.id, d), terms(&[brightline, northwind], 3)).await.ok();
    assert_eq!(v4["version"], 4);
    // Isla accepting the version she read before the change: 409 with the new terms to read.
    let old = isla.post(&format!("{}/accept", terms_path(s.id, d)), json!({ "version": 1 })).await;
    assert_eq!((old.status, old.body["current"]["version"].as_i64()), (409, Some(4)), "{}", old.body);
    let again = isla.post(&format!("{}/accept", terms_path(s.id, d)), json!({ "version": 4 })).await.ok();
    assert_eq!(again["accepted"]["version"], 4);

    // Fixed dates instead of days from publication.
    let fixed = json!({ "usages": ["whitelisting"], "starts_on": "2027-03-01", "ends_on": "2027-05-31",
        "partner_ids": [northwind], "version": 4 });
    let v3 = s.maya.put(&terms_path(s.id, d), fixed).await.ok();
    assert_eq!(
        (v3["starts_on"].as_str(), v3["ends_on"].as_str(), v3["term_days"].as_i64()),
        (Some("2027-03-01"), Some("2027-05-31"), None)
    );
    assert_eq!((v3["version"].as_i64(), v3["accepted"].is_null()), (Some(5), true));

    // On her portal page (server-rendered below the island) she reads them and accepts with a plain form.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let cookie = isla.cookie.clone().unwrap();
    let page =
        http.get(format!("{}/portal/campaigns/{}", app.base, s.id)).header("cookie", &cookie).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Accept these terms (v5)") && html.contains("1 Mar 2027 – 31 May 2027"), "{html}");
    let accept_form = format!("{}/portal/campaigns/{}/deliverables/{d}/accept-terms", app.base, s.id);
    let sent = http.post(&accept_form).header("cookie", &cookie).form(&[("version", "5")]).send().await.unwrap();
    assert_eq!(sent.status(), 303);
    assert_eq!(sent.headers()["location"], format!("/portal/campaigns/{}#terms", s.id));
    let now = s.maya.get(&terms_path(s.id, d)).await.ok();
    assert_eq!((now["accepted"]["version"].as_i64(), now["accepted"]["by"].as_str()), (Some(5), Some("Isla Reed")));
    // A partner's session posting the same form is refused.
    let partner = http
        .post(&accept_form)
        .header("cookie", s.jordan.cookie.clone().unwrap())
        .form(&[("version", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(partner.status(), 403);
}

async fn terms_are_validated_field_by_field(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (_, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let d = brief(&s.jordan, s.id, ava_id, "Ava's post").await;
    let brightline = org_id(&s.jordan).await;
    let outsider = org_id(&s.olga).await;
    let refused = |field: &'static str, change: Value| {
        let mut body = terms(&[brightline], 0);
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let c = &s.jordan;
        let url = terms_path(s.id, d);
        async move {
            let r = c.put(&url, body).await;
            assert_eq!((r.status, r.body["field"].as_str()), (422, Some(field)), "{}", r.body);
        }
    };
    refused("usages", json!({ "usages": [] })).await;
    refused("term_days", json!({ "term_days": 0 })).await;
    refused("term_days", json!({ "term_days": 3651 })).await;
    refused("term_days", json!({ "term_days": null })).await;
    refused("term_days", json!({ "starts_on": "2027-01-01", "ends_on": "2027-02-01" })).await;
    refused("ends_on", json!({ "term_days": null, "starts_on": "2027-02-01", "ends_on": "2027-01-01" })).await;
    refused("starts_on", json!({ "term_days": null, "starts_on": "1st of March", "ends_on": "2027-01-01" })).await;
    refused("platforms", json!({ "platforms": ["x".repeat(201)] })).await;
    refused("territories", json!({ "territories": vec!["UK"; 101] })).await;
    refused("exclusivity", json!({ "exclusivity": "x".repeat(5001) })).await;
    refused("partner_ids", json!({ "partner_ids": [outsider] })).await;
    refused("partner_ids", json!({ "partner_ids": [] })).await;
    let bad_usage = s
        .jordan
        .put(
            &terms_path(s.id, d),
            json!({ "usages": ["billboards"], "partner_ids": [brightline], "term_days": 9, "version": 0 }),
        )
        .await;
    assert_eq!(bad_usage.status, 422, "{}", bad_usage.body);
    // Nothing was stored.
    assert_eq!(s.jordan.get(&terms_path(s.id, d)).await.ok()["version"], 0);
}

async fn only_partners_edit_and_only_her_creator_accepts(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (ava, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let (ben, _) = creator_account(&app, &s.jordan, s.id, "Ben Ortiz", "ben@creator.example").await;
    let d = brief(&s.jordan, s.id, ava_id, "Ava's post").await;
    let brightline = org_id(&s.jordan).await;
    let url = terms_path(s.id, d);
    let accept = format!("{url}/accept");
    s.lena.put(&url, terms(&[brightline], 0)).await.ok();

    // The outsider partner: not found, whether reading, writing or accepting.
    assert_eq!(s.olga.get(&url).await.status, 404);
    assert_eq!(s.olga.put(&url, terms(&[brightline], 1)).await.status, 404);
    assert_eq!(s.olga.post(&accept, json!({ "version": 1 })).await.status, 404);
    assert_eq!(s.olga.get(&path(s.id, "/rights")).await.status, 404);
    assert_eq!(s.olga.get(&path(s.id, "/rights.csv")).await.status, 404);
    // Another creator of the same campaign: not found.
    assert_eq!(ben.get(&url).await.status, 404);
    assert_eq!(ben.post(&accept, json!({ "version": 1 })).await.status, 404);
    // The creator herself does not edit the terms, nor read the partners' ledger.
    assert_eq!(ava.put(&url, terms(&[brightline], 1)).await.status, 404);
    assert_eq!(ava.get(&path(s.id, "/rights")).await.status, 404);
    // A partner member may not accept on her behalf.
    let partner_accepts = s.jordan.post(&accept, json!({ "version": 1 })).await;
    assert_eq!(partner_accepts.status, 403, "{}", partner_accepts.body);
    // Nobody signed in.
    assert_eq!(app.client().get(&url).await.status, 401);
    // Another campaign's id with this deliverable: not found.
    let other = s.olga.create_campaign("Elsewhere").await;
    assert_eq!(s.olga.get(&terms_path(other, d)).await.status, 404);
    assert_eq!(s.olga.put(&terms_path(other, d), terms(&[org_id(&s.olga).await], 0)).await.status, 404);
    // The terms are unaccepted and unchanged after all of that.
    let t = ava.get(&url).await.ok();
    assert_eq!((t["version"].as_i64(), t["accepted"].is_null()), (Some(1), true));
}

async fn approve(s: &Partners, creator: &Client, d: i64) {
    let r = creator
        .post(
            &path(s.id, &format!("/deliverables/{d}/submissions")),
            json!({ "caption": "#ad Morning ride", "link": "https://instagram.example/p/draft" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let version = s.jordan.get(&path(s.id, &format!("/deliverables/{d}"))).await.ok()["version"].as_i64().unwrap();
    s.jordan
        .post(
            &path(s.id, &format!("/deliverables/{d}/review")),
            json!({ "round": 1, "decision": "approved", "criteria": [true], "version": version }),
        )
        .await
        .ok();
}

async fn an_approved_asset_enters_the_ledger_and_its_expiry_is_warned_once(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (isla, isla_id) = creator_account(&app, &s.jordan, s.id, "Isla Reed", "isla@creator.example").await;
    let (ben, ben_id) = creator_account(&app, &s.jordan, s.id, "Ben Ortiz", "ben@creator.example").await;
    let d = brief(&s.jordan, s.id, isla_id, "Spring ride post").await;
    let other = brief(&s.jordan, s.id, ben_id, "Ben's post").await;
    let brightline = org_id(&s.jordan).await;
    let mut t = terms(&[brightline], 0);
    t["term_days"] = json!(10);
    s.jordan.put(&terms_path(s.id, d), t).await.ok();
    isla.post(&format!("{}/accept", terms_path(s.id, d)), json!({ "version": 1 })).await.ok();
    let today = chrono::Utc::now().date_naive(); // The campaign's zone is UTC.
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();

    // Before approval: not in the ledger, and no use can be logged.
    assert_eq!(s.maya.get(&path(s.id, "/rights")).await.ok()["entries"], json!([]));
    let use_ = |usage: &str, from: i64, to: i64| json!({ "usage": usage, "platform": "Meta", "starts_on": day(from), "ends_on": day(to), "note": "Spring push" });
    let early = s.jordan.post(&path(s.id, &format!("/rights/{d}/uses")), use_("paid_amplification", 0, 3)).await;
    assert_eq!(early.status, 409, "{}", early.body);

    // Approved: the asset enters the ledger with its terms, start and end (10 days, today included).
    approve(&s, &isla, d).await;
    approve(&s, &ben, other).await; // Approved without terms: in the ledger, covered by nothing.
    let ledger = s.maya.get(&path(s.id, "/rights")).await.ok();
    assert_eq!((ledger["warning_days"].as_i64(), ledger["time_zone"].as_str()), (Some(7), Some("UTC")));
    let e = &ledger["entries"][0];
    assert_eq!((e["deliverable_id"].as_i64(), e["creator_name"].as_str()), (Some(d), Some("Isla Reed")));
    assert_eq!((e["starts_on"].as_str(), e["ends_on"].as_str()), (Some(day(0).as_str()), Some(day(9).as_str())));
    assert_eq!((e["state"].as_str(), e["days_left"].as_i64()), (Some("active"), Some(9)));
    assert_eq!(e["terms"]["accepted"]["by"], "Isla Reed");
    assert_eq!(ledger["entries"][1]["state"], "no_terms");

    // Not yet in the warning period: no escalation however often it is checked.
    let db = &app.running.state.db;
    assert_eq!(app::rights::ssr::scan_rights(db, chrono::Utc::now()).await.unwrap(), 0);
    // Three days on, 7 days are left: one warning, raised once.
    let later = chrono::Utc::now() + chrono::Duration::days(3);
    assert_eq!(app::rights::ssr::scan_rights(db, later).await.unwrap(), 1);
    assert_eq!(app::rights::ssr::scan_rights(db, later).await.unwrap(), 0);
    let (a, b) = tokio::join!(
        app::rights::ssr::scan_rights(db, later + chrono::Duration::hours(1)),
        app::rights::ssr::scan_rights(db, later + chrono::Duration::hours(1))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 0);
    let at_later = app::rights::ssr::ledger_at(db, s.id, None, later).await.unwrap();
    assert_eq!(at_later.entries[0].state, app::rights::RightsState::Expiring);
    let after = app::rights::ssr::ledger_at(db, s.id, None, later + chrono::Duration::days(7)).await.unwrap();
    assert_eq!(after.entries[0].state, app::rights::RightsState::Expired);
    let escalations = s.maya.get(&path(s.id, "/escalations")).await.ok();
    let warning = escalations.as_array().unwrap().iter().find(|e| e["kind"] == "rights_expiry").unwrap();
    assert_eq!(warning["assignee"], "Maya Lind", "the accountable owner");
    assert_eq!(warning["deliverable_id"].as_i64(), Some(d));

    // The warning period is a campaign setting: 10 days makes today's asset expiring already.
    let bad = s.maya.put(&path(s.id, "/rights/settings"), json!({ "warning_days": 91 })).await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("warning_days")));
    s.maya.put(&path(s.id, "/rights/settings"), json!({ "warning_days": 10 })).await.ok();
    assert_eq!(s.maya.get(&path(s.id, "/rights")).await.ok()["entries"][0]["state"], "expiring");

    // Uses: only the partners and usages the terms allow.
    let lena = s.lena.post(&path(s.id, &format!("/rights/{d}/uses")), use_("paid_amplification", 0, 3)).await;
    assert_eq!(lena.status, 403, "Studio Kin is not in the terms: {}", lena.body);
    let white = s.jordan.post(&path(s.id, &format!("/rights/{d}/uses")), use_("whitelisting", 0, 3)).await;
    assert_eq!((white.status, white.body["field"].as_str()), (422, Some("usage")));
    let backwards = s.jordan.post(&path(s.id, &format!("/rights/{d}/uses")), use_("organic", 3, 0)).await;
    assert_eq!((backwards.status, backwards.body["field"].as_str()), (422, Some("ends_on")));
    assert_eq!(s.olga.post(&path(s.id, &format!("/rights/{d}/uses")), use_("organic", 0, 3)).await.status, 404);
    let within = s.jordan.post(&path(s.id, &format!("/rights/{d}/uses")), use_("paid_amplification", 0, 3)).await;
    assert_eq!(within.status, 201, "{}", within.body);
    assert_eq!(within.body["uses"][0]["past_end"], false);
    // Retried with the same Idempotency-Key: logged once.
    let keyed = use_("organic", 1, 2);
    let url = path(s.id, &format!("/rights/{d}/uses"));
    let first = s.jordan.post_with(&url, keyed.clone(), &[("idempotency-key", "use-1")]).await;
    let again = s.jordan.post_with(&url, keyed, &[("idempotency-key", "use-1")]).await;
    assert_eq!((first.status, again.status), (201, 201));
    assert_eq!(again.body["uses"].as_array().unwrap().len(), 2, "{}", again.body);
    assert!(within.body["uses"][0]["label"]
        .as_str()
        .unwrap()
        .starts_with("paid amplification on Meta by Brightline, "));
    // A use past the end of the rights: marked, and one escalation to whoever logged it.
    let past = s.jordan.post(&path(s.id, &format!("/rights/{d}/uses")), use_("paid_amplification", 5, 20)).await.ok();
    assert_eq!(past["uses"][2]["past_end"], true);
    let overrun: Vec<Value> = s
        .maya
        .get(&path(s.id, "/escalations"))
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "rights_overrun")
        .cloned()
        .collect();
    assert_eq!(overrun.len(), 1);
    assert_eq!(overrun[0]["assignee"], "Jordan Reyes");
    assert_eq!(app::rights::ssr::scan_rights(db, chrono::Utc::now()).await.unwrap(), 0, "raised once");

    // Ad codes, by a partner or the creator, with their own expiry.
    let code = json!({ "kind": "spark", "code": "#SPARK-7f3a9", "expires_on": day(30) });
    assert_eq!(isla.post(&path(s.id, &format!("/rights/{d}/codes")), code.clone()).await.status, 201);
    assert_eq!(ben.post(&path(s.id, &format!("/rights/{d}/codes")), code.clone()).await.status, 404);
    let empty =
        s.jordan.post(&path(s.id, &format!("/rights/{d}/codes")), json!({ "kind": "partnership", "code": " " })).await;
    assert_eq!((empty.status, empty.body["field"].as_str()), (422, Some("code")));
    let long = s
        .jordan
        .post(&path(s.id, &format!("/rights/{d}/codes")), json!({ "kind": "partnership", "code": "x".repeat(201) }))
        .await;
    assert_eq!((long.status, long.body["field"].as_str()), (422, Some("code")));
    let with_code = s
        .jordan
        .post(&path(s.id, &format!("/rights/{d}/codes")), json!({ "kind": "partnership", "code": "PA-1" }))
        .await
        .ok();
    assert_eq!(with_code["codes"][0]["added_by"], "Isla Reed");
    assert_eq!(with_code["codes"][1]["org_name"], "Brightline");

    // The CSV export: one row per asset.
    let csv = s.maya.get(&path(s.id, "/rights.csv")).await;
    let text = csv.body.as_str().unwrap().to_string();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.starts_with("deliverable_id,asset,creator,lane,state,starts_on,ends_on"), "{text}");
    assert!(text.contains("Spring ride post,Isla Reed,influencer,Expiring"), "{text}");
    assert!(text.contains("#SPARK-7f3a9"), "{text}");

    // The creator sees her own assets' terms and expiries; another creator sees only his (none: no terms).
    let mine = isla.get(&path(s.id, "/portal/rights")).await.ok();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["terms"]["accepted"]["by"], "Isla Reed");
    assert_eq!(
        (mine[0]["rights"]["ends_on"].as_str(), mine[0]["rights"]["state"].as_str()),
        (Some(day(9).as_str()), Some("expiring"))
    );
    assert_eq!(ben.get(&path(s.id, "/portal/rights")).await.ok(), json!([]));
    // The ledger page renders on the server, expiring assets and uses past the end marked.
    let page = |c: &Client| {
        let req = reqwest::Client::new().get(format!("{}/campaigns/{}/rights", app.base, s.id));
        req.header("cookie", c.cookie.clone().unwrap()).send()
    };
    let html = page(&s.maya).await.unwrap();
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    assert!(html.contains("data-state=\"expiring\""), "{html}");
    assert!(html.contains("past the end of the rights"), "{html}");
    assert!(html.contains("v1 accepted by Isla Reed"), "{html}");
    assert_eq!(page(&s.olga).await.unwrap().status(), 404);

    // The page's plain forms: a partner logs a use and adds a code; a refusal comes back named.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let cookie = s.jordan.cookie.clone().unwrap();
    let form_url = |what: &str| format!("{}/campaigns/{}/rights/{d}/{what}", app.base, s.id);
    let (from, to) = (day(1), day(2));
    let use_form =
        [("usage", "organic"), ("platform", "Instagram"), ("starts_on", &from), ("ends_on", &to), ("note", "")];
    let sent = http.post(form_url("uses")).header("cookie", &cookie).form(&use_form).send().await.unwrap();
    assert_eq!(sent.status(), 303);
    assert_eq!(sent.headers()["location"], format!("/campaigns/{}/rights#rights", s.id));
    let code_form = [("kind", "partnership"), ("code", "PA-FORM-1"), ("expires_on", "")];
    let sent = http.post(form_url("codes")).header("cookie", &cookie).form(&code_form).send().await.unwrap();
    assert_eq!(sent.status(), 303);
    let entry = s.maya.get(&path(s.id, "/rights")).await.ok()["entries"][0].clone();
    assert!(entry["uses"].as_array().unwrap().iter().any(|u| u["platform"] == "Instagram"), "{entry}");
    assert!(entry["codes"].as_array().unwrap().iter().any(|c| c["code"] == "PA-FORM-1"), "{entry}");
    let lena_cookie = s.lena.cookie.clone().unwrap();
    let refused = http.post(form_url("uses")).header("cookie", &lena_cookie).form(&use_form).send().await.unwrap();
    assert!(refused.headers()["location"].to_str().unwrap().contains("?error="), "Studio Kin is not in the terms");
    assert_eq!(s.maya.get(&path(s.id, "/portal/rights")).await.status, 404);
}

async fn partners_propose_terms_with_the_ledger_pages_form(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (_, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let d = brief(&s.jordan, s.id, ava_id, "Ava's post").await;
    let (brightline, northwind) = (org_id(&s.jordan).await, org_id(&s.maya).await);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let cookie = s.maya.cookie.clone().unwrap();
    let page =
        http.get(format!("{}/campaigns/{}/rights", app.base, s.id)).header("cookie", &cookie).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Propose terms") && html.contains("Ava&#x27;s post") || html.contains("Ava's post"),
        "{html}"
    );
    // Every campaign page links to it: the Rights tab.
    let content =
        http.get(format!("{}/campaigns/{}/content", app.base, s.id)).header("cookie", &cookie).send().await.unwrap();
    let content = content.text().await.unwrap();
    assert!(
        content.contains(&format!("href=\"/campaigns/{}/rights\"", s.id)) && content.contains("data-tab=\"rights\""),
        "{content}"
    );
    let action = format!("{}/campaigns/{}/deliverables/{d}/terms", app.base, s.id);
    let (b, n) = (format!("partner_{brightline}"), format!("partner_{northwind}"));
    let form = vec![
        ("version", "0"),
        ("usage_organic", "on"),
        ("usage_whitelisting", "on"),
        ("platforms", "TikTok, Instagram"),
        ("territories", "US"),
        ("term_days", "60"),
        ("starts_on", ""),
        ("ends_on", ""),
        ("exclusivity", ""),
        (b.as_str(), "on"),
        (n.as_str(), "on"),
    ];
    let sent = http.post(&action).header("cookie", &cookie).form(&form).send().await.unwrap();
    assert_eq!(sent.status(), 303);
    assert_eq!(sent.headers()["location"], format!("/campaigns/{}/rights#terms-{d}", s.id));
    let t = s.jordan.get(&terms_path(s.id, d)).await.ok();
    assert_eq!((t["version"].as_i64(), t["term_days"].as_i64()), (Some(1), Some(60)));
    assert_eq!(t["usages"], json!(["organic", "whitelisting"]));
    assert_eq!(t["platforms"], json!(["TikTok", "Instagram"]));
    assert_eq!(t["partners"].as_array().unwrap().len(), 2);
    // A stale version and a form without a usage come back to the page with the refusal named.
    let stale = http.post(&action).header("cookie", &cookie).form(&form).send().await.unwrap();
    let location = stale.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&format!("/campaigns/{}/rights?error=", s.id)), "{location}");
    let mut bare = form.clone();
    bare.retain(|(k, _)| !k.starts_with("usage_"));
    bare[0] = ("version", "1");
    let refused = http.post(&action).header("cookie", &cookie).form(&bare).send().await.unwrap();
    let location = refused.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("error=usages"), "{location}");
    let shown = http.get(format!("{}{location}", app.base)).header("cookie", &cookie).send().await.unwrap();
    let html = shown.text().await.unwrap();
    assert!(html.contains("data-testid=\"terms-error\"") && html.contains("usages: Name at least one usage"), "{html}");
    assert_eq!(s.jordan.get(&terms_path(s.id, d)).await.ok()["version"], 1, "nothing saved");
    // An outsider posting the form: not found; nothing changes.
    let olga = http.post(&action).header("cookie", s.olga.cookie.clone().unwrap()).form(&bare).send().await.unwrap();
    assert_eq!(olga.status(), 404);
}
