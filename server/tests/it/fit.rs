//! Partner fit through the API, on SQLite and PostgreSQL: versioned working-style profiles seen only by the partners
//! of a shared campaign, the fit view's mismatches settled onto the launch checklist, and observed times read from
//! what the partners really did (reviews, replies to creators) across campaigns.
use crate::common::*;
use serde_json::{json, Value};

on_both_databases!(
    profiles_are_versioned_and_seen_only_by_partners,
    a_five_day_reviewer_on_a_24_hour_lane_is_a_mismatch_to_settle,
    observed_times_come_from_what_partners_did,
);

fn style(review_hours: i64) -> Value {
    json!({
        "team_size": 12, "markets": "US, CA", "time_zone": "America/New_York", "work_start": "09:00", "work_end": "17:00",
        "work_days": "Mon-Fri", "measure_working_hours": false, "review_hours": review_hours, "reply_hours": 24,
        "approval_steps": 1, "signer": "Account director", "reporting_cadence": "Weekly", "tools": "Airtable",
        "campaigns_per_quarter": 4, "languages": "English"
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

async fn save(c: &Client, review_hours: i64, version: i64) -> Reply {
    c.put("/api/v1/org/profile", with(style(review_hours), "version", json!(version))).await
}

fn org_id(me: &Value) -> i64 {
    me["org"]["id"].as_i64().unwrap()
}

async fn profiles_are_versioned_and_seen_only_by_partners(kind: DbKind) {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, olga, id } = two_partners(&app).await;
    let northwind = org_id(&me(&maya).await);
    let outsider = org_id(&me(&olga).await);

    let fresh = maya.get("/api/v1/org/profile").await.ok();
    assert_eq!((fresh["version"].as_i64(), fresh["review_hours"].as_i64()), (Some(0), Some(48)), "{fresh}");
    let saved = save(&maya, 24, 0).await.ok();
    assert_eq!((saved["version"].as_i64(), saved["review_hours"].as_i64()), (Some(1), Some(24)));
    let again = save(&maya, 36, 1).await.ok();
    assert_eq!(again["version"], 2);
    // A colleague editing from version 1 meanwhile: refused, with the profile as it is now.
    let stale = save(&maya, 72, 1).await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert_eq!(
        (stale.body["current"]["version"].as_i64(), stale.body["current"]["review_hours"].as_i64()),
        (Some(2), Some(36))
    );

    // Every field is bounded, and the refusal names it.
    for (field, value) in [
        ("review_hours", json!(0)),
        ("reply_hours", json!(721)),
        ("approval_steps", json!(21)),
        ("team_size", json!(-1)),
        ("markets", json!("x".repeat(201))),
        ("time_zone", json!("Mars/Olympus_Mons")),
        ("work_end", json!("08:00")),
        ("work_days", json!("Someday")),
    ] {
        let r = maya.put("/api/v1/org/profile", with(with(style(24), field, value), "version", json!(2))).await;
        assert_eq!((r.status, r.body["field"].as_str()), (422, Some(field)), "{field}: {}", r.body);
    }

    // The partner of a shared campaign sees it; a stranger does not, and sees no track record either.
    let seen = jordan.get(&format!("/api/v1/orgs/{northwind}/profile")).await.ok();
    assert_eq!((seen["org"]["name"].as_str(), seen["review_hours"].as_i64()), (Some("Northwind"), Some(36)));
    assert_eq!(jordan.get(&format!("/api/v1/orgs/{northwind}/track-record")).await.ok()["campaigns"], 1);
    // Its history: newest first, what each version changed; the partner sees the organization as the saver, the
    // organization itself its person.
    let history = jordan.get(&format!("/api/v1/orgs/{northwind}/profile/history")).await.ok();
    let versions: Vec<i64> = history.as_array().unwrap().iter().map(|h| h["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, vec![2, 1], "{history}");
    assert_eq!(history[0]["changes"], json!(["Reviews drafts within: 24 h → 36 h"]));
    assert_eq!(history[1]["changes"], json!(["First stated"]));
    assert_eq!(history[0]["saved_by"], "Northwind");
    assert_eq!(maya.get(&format!("/api/v1/orgs/{northwind}/profile/history")).await.ok()[0]["saved_by"], "Maya Lind");
    // Saving told the campaign: its activity trail says so, by whom.
    let trail = maya.get(&campaign_path(id, "/events")).await.ok();
    assert!(trail.to_string().contains("saved Northwind's working style (version 2)"), "{trail}");
    for path in [
        format!("/api/v1/orgs/{northwind}/profile/history"),
        format!("/api/v1/orgs/{northwind}/profile"),
        format!("/api/v1/orgs/{northwind}/track-record"),
        campaign_path(id, "/fit"),
    ] {
        let r = olga.get(&path).await;
        assert_eq!((r.status, r.code()), (404, "not_found"), "{path}: {}", r.body);
    }
    assert_eq!(maya.get(&format!("/api/v1/orgs/{outsider}/profile")).await.status, 404);
    assert_eq!(maya.get("/api/v1/orgs/999999/profile").await.status, 404);
    let r = olga.post(&campaign_path(id, "/fit/settled"), json!({ "key": "x" })).await;
    assert_eq!(r.status, 404);
    // Signed out: 401.
    assert_eq!(app.client().get("/api/v1/org/profile").await.status, 401);

    // The organization page's plain form: saved as the next version, or back with the field named.
    let form = |fields: Vec<(&'static str, String)>| {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let req = http
            .post(format!("{}/settings/organization/profile", app.base))
            .header("cookie", maya.cookie.clone().unwrap())
            .form(&fields);
        async move {
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.headers()["location"].to_str().unwrap().to_string())
        }
    };
    let fields = |review: &str, version: &str| {
        vec![
            ("version", version.to_string()),
            ("team_size", "12".into()),
            ("work_start", "09:00".into()),
            ("work_end", "17:00".into()),
            ("work_days", "Mon-Fri".into()),
            ("review_hours", review.to_string()),
            ("reply_hours", "24".into()),
            ("approval_steps", "2".into()),
            ("campaigns_per_quarter", "3".into()),
            ("measure_working_hours", "on".into()),
        ]
    };
    let (status, location) = form(fields("soon", "2")).await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/settings/organization?error=") && location.ends_with("&field=review_hours"),
        "{location}"
    );
    let (_, location) = form(fields("48", "1")).await;
    assert!(location.contains("field") || location.contains("error="), "a stale form is refused: {location}");
    let (_, location) = form(fields("48", "2")).await;
    assert_eq!(location, "/settings/organization?saved=1#working-style");
    let now = maya.get("/api/v1/org/profile").await.ok();
    assert_eq!(
        (now["version"].as_i64(), now["review_hours"].as_i64(), now["measure_working_hours"].as_bool()),
        (Some(3), Some(48), Some(true))
    );
}

async fn a_five_day_reviewer_on_a_24_hour_lane_is_a_mismatch_to_settle(kind: DbKind) {
    let app = spawn_app(kind).await;
    let BrandAndAgency { brand, agency, jordan, id, .. } = brand_and_agency(&app).await;
    let brightline = org_id(&jordan);
    let before = brand.get(&campaign_path(id, "/fit")).await.ok();
    assert_eq!(before["items"].as_array().unwrap().len(), 0, "no profiles, nothing to compare");
    save(&brand, 24, 0).await.ok();
    save(&agency, 120, 0).await.ok();

    let fit = brand.get(&campaign_path(id, "/fit")).await.ok();
    let keys: Vec<&str> = fit["items"].as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap()).collect();
    let ugc = format!("review_sla:ugc:{brightline}");
    assert!(keys.contains(&ugc.as_str()), "{keys:?}");
    let item = fit["items"].as_array().unwrap().iter().find(|i| i["key"] == ugc.as_str()).unwrap();
    assert_eq!(item["title"], "Brightline commits to 5 days reviews; the UGC lane's SLA is 24 h");
    assert!(item["settle"].as_str().unwrap().contains("at least 5 days for Brightline"), "{item}");
    assert!(keys.iter().any(|k| k.starts_with("review_gap:")), "{keys:?}");
    assert_eq!(fit["partners"].as_array().unwrap().len(), 2);
    assert_eq!(fit["partners"][1]["profile"]["review_hours"], 120);
    assert!(fit["partners"][1]["lines"][0]
        .as_str()
        .unwrap()
        .starts_with("Commits to 5 days reviews; no reviews observed yet"));

    // Settled: on the launch checklist as a ticked warning; the rest as warnings to settle, never blockers.
    let settled = brand
        .post(
            &campaign_path(id, "/fit/settled"),
            json!({ "key": ugc, "note": "UGC SLA 120 h for Brightline's rounds" }),
        )
        .await
        .ok();
    assert_eq!(
        (settled["settled"]["by"].as_str(), settled["settled"]["org_name"].as_str()),
        (Some("Maya Lind"), Some("Northwind"))
    );
    let charter = agency.get(&campaign_path(id, "/charter")).await.ok();
    let fit_lines: Vec<&Value> = charter["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["message"].as_str().unwrap().starts_with("Partner fit"))
        .collect();
    assert!(fit_lines.iter().all(|c| c["blocking"] == false), "{fit_lines:?}");
    assert!(fit_lines.iter().any(|c| c["ok"] == true
        && c["message"]
            == "Partner fit settled: Brightline commits to 5 days reviews; the UGC lane's SLA is 24 h (UGC SLA 120 h for Brightline's rounds)"));
    assert!(fit_lines
        .iter()
        .any(|c| c["ok"] == false && c["message"].as_str().unwrap().starts_with("Partner fit to settle: ")));

    let unknown = brand.post(&campaign_path(id, "/fit/settled"), json!({ "key": "overlap:1:2" })).await;
    assert_eq!((unknown.status, unknown.body["field"].as_str()), (422, Some("key")));
    let long = brand.post(&campaign_path(id, "/fit/settled"), json!({ "key": ugc, "note": "x".repeat(5001) })).await;
    assert_eq!((long.status, long.body["field"].as_str()), (422, Some("note")));

    // When the agency commits to a day, the mismatch (and its warning) is gone.
    save(&agency, 24, 1).await.ok();
    let fit = brand.get(&campaign_path(id, "/fit")).await.ok();
    assert!(fit["items"].as_array().unwrap().is_empty(), "{}", fit["items"]);
}

async fn observed_times_come_from_what_partners_did(kind: DbKind) {
    let app = spawn_app(kind).await;
    let Partners { maya, jordan, lena, olga, id } = three_partners(&app).await;
    let studio_kin = org_id(&me(&lena).await);
    let brightline = org_id(&me(&jordan).await);
    save(&lena, 24, 0).await.ok();
    let (ava, card) = creator_account(&app, &jordan, id, "Ava Chen", "ava@creators.example").await;
    let d = lena
        .post(&campaign_path(id, "/deliverables"), json!({ "creator_id": card, "lane": "ugc", "title": "Rain test" }))
        .await
        .ok();
    let did = d["id"].as_i64().unwrap();
    let sub = ava
        .post(
            &campaign_path(id, &format!("/deliverables/{did}/submissions")),
            json!({ "link": "https://example.com/v1", "caption": "#ad Rain test" }),
        )
        .await
        .ok();
    lena.post(
        &campaign_path(id, &format!("/deliverables/{did}/review")),
        json!({ "round": 1, "decision": "approved", "version": sub["version"] }),
    )
    .await
    .ok();
    ava.post(&campaign_path(id, &format!("/deliverables/{did}/comments")), json!({ "body": "When is it posted?" }))
        .await
        .ok();
    // An internal note is no answer to the creator; Jordan's reply is.
    maya.post(
        &campaign_path(id, &format!("/deliverables/{did}/comments")),
        json!({ "body": "Jordan?", "internal": true }),
    )
    .await
    .ok();
    jordan.post(&campaign_path(id, &format!("/deliverables/{did}/comments")), json!({ "body": "Friday" })).await.ok();

    let fit = maya.get(&campaign_path(id, "/fit")).await.ok();
    let partner =
        |org: i64| fit["partners"].as_array().unwrap().iter().find(|p| p["org"]["id"] == org).unwrap().clone();
    let kin = partner(studio_kin);
    assert_eq!(kin["observed"]["reviews"]["count"], 1, "{kin}");
    assert_eq!(kin["observed"]["reviews_within_sla"], 1);
    assert!(kin["observed"]["reviews"]["median_minutes"].as_i64().unwrap() < 5);
    assert!(
        kin["lines"][0].as_str().unwrap().starts_with("Commits to 24 h reviews; observed median 0 min over 1 review"),
        "{}",
        kin["lines"]
    );
    let bright = partner(brightline);
    assert_eq!(bright["observed"]["creator_replies"]["count"], 1, "{bright}");
    assert_eq!(partner(org_id(&me(&maya).await))["observed"]["creator_replies"]["count"], 0);

    // The next campaign of the brand and the UGC studio shows Studio Kin's track record from this one.
    let next = maya.create_campaign("Autumn").await;
    maya.bring_in(next, &lena).await;
    let fit = maya.get(&campaign_path(next, "/fit")).await.ok();
    let kin = fit["partners"].as_array().unwrap().iter().find(|p| p["org"]["id"] == studio_kin).unwrap().clone();
    assert_eq!(kin["observed"]["reviews"]["count"], 0, "nothing in the new campaign yet");
    assert_eq!(
        (kin["track_record"]["campaigns"].as_i64(), kin["track_record"]["with"]["name"].as_str()),
        (Some(1), Some("Northwind"))
    );
    assert_eq!(kin["track_record"]["measures"]["reviews"]["count"], 1);
    assert!(fit["partners"].as_array().unwrap().iter().find(|p| p["org"]["id"] != studio_kin).unwrap()["track_record"]
        .is_null());
    let record = maya.get(&format!("/api/v1/orgs/{studio_kin}/track-record")).await.ok();
    assert_eq!((record["campaigns"].as_i64(), record["measures"]["reviews"]["count"].as_i64()), (Some(2), Some(1)));
    // A stranger and the creator see none of it.
    assert_eq!(olga.get(&format!("/api/v1/orgs/{studio_kin}/track-record")).await.status, 404);
    assert_eq!(ava.get(&format!("/api/v1/orgs/{studio_kin}/track-record")).await.status, 404);
    assert_eq!(ava.get(&campaign_path(id, "/fit")).await.status, 404);
}
