//! Disclosure through the API, on SQLite and PostgreSQL: captions checked against the creator's market (from her
//! profile's country) and the charter's agreed wording, before sending and on every round sent; approving over a
//! failed check needs a note kept with the round; only the deliverable's creator and the campaign's partners ask.
use crate::common::*;
use serde_json::{json, Value};

on_both_databases!(
    a_failed_check_stays_on_the_round_and_approving_over_it_needs_a_note,
    the_creators_country_picks_the_rules,
    only_the_creator_and_the_partners_check_a_deliverables_caption,
);

fn path(id: i64, rest: &str) -> String {
    campaign_path(id, rest)
}

/// A creator of `country` in the pool, with a portal account; returns her client and creator id.
async fn creator_in(app: &TestApp, partner: &Client, id: i64, name: &str, country: Option<&str>) -> (Client, i64) {
    let handle = name.to_lowercase().replace(' ', ".");
    let card = partner
        .post(
            &path(id, "/creators"),
            json!({ "name": name, "platform": "instagram", "handle": handle, "followers": 24000, "lane": "influencer", "country": country }),
        )
        .await
        .ok();
    let card = card["id"].as_i64().unwrap();
    let email = format!("{}@creator.example", handle.replace('.', "_"));
    (creator_signup(app, partner, id, card, name, &email).await, card)
}

async fn brief(partner: &Client, id: i64, creator_id: i64, title: &str) -> i64 {
    partner
        .post(&path(id, "/deliverables"), json!({ "creator_id": creator_id, "lane": "influencer", "title": title }))
        .await
        .ok()["id"]
        .as_i64()
        .unwrap()
}

async fn check(c: &Client, id: i64, d: i64, caption: &str) -> Value {
    c.post(&path(id, &format!("/deliverables/{d}/disclosure-check")), json!({ "caption": caption })).await.ok()
}

async fn submit(c: &Client, id: i64, d: i64, caption: &str) -> Value {
    let r = c
        .post(
            &path(id, &format!("/deliverables/{d}/submissions")),
            json!({ "caption": caption, "link": "https://instagram.example/p/draft" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn a_failed_check_stays_on_the_round_and_approving_over_it_needs_a_note(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    // The partners agree in the charter: UK captions also tag the brand.
    put_section(&s.maya, s.id, "criteria", json!({
        "ugc": ["Product in the first 3 seconds"], "influencer": ["Brand named"], "creator_expectations": "Two drafts at most",
        "disclosure": ["UK: @northwind"] }))
    .await;
    let (isla, isla_id) = creator_in(&app, &s.jordan, s.id, "Isla Reed", Some("GB")).await;
    let d = brief(&s.jordan, s.id, isla_id, "Spring ride post").await;

    // On her phone, before sending: "gifted" alone fails the UK rule, with the rule, its source and a fix.
    let caption = "Gifted by @northwind 💛 obsessed with this bike";
    let c = check(&isla, s.id, d, caption).await;
    assert_eq!((c["passed"].as_bool(), c["market"].as_str()), (Some(false), Some("uk")));
    assert_eq!(c["market_name"], "United Kingdom");
    let rule = &c["findings"][0];
    assert!(rule["rule"].as_str().unwrap().starts_with("UK · ASA/CMA"), "{rule}");
    assert!(rule["source"].as_str().unwrap().contains("Influencers' guide to making clear that ads are ads"));
    assert_eq!(rule["detail"], "\"gifted\" alone is not enough in the UK: the ASA/CMA want \"Ad\" up front");
    assert_eq!(
        rule["fix"],
        "Start the caption with \"#ad\", e.g. \"#ad Gifted by @northwind 💛 obsessed with this bike\""
    );
    assert_eq!(c["findings"][1]["rule"], "Campaign wording (charter)");
    assert_eq!(c["findings"][1]["passed"], true);
    // Nothing was stored by asking.
    assert_eq!(s.jordan.get(&path(s.id, &format!("/deliverables/{d}"))).await.ok()["rounds"], json!([]));

    // She sends it anyway: the round keeps the failed check, and the partners see it.
    let sent = submit(&isla, s.id, d, caption).await;
    assert_eq!(sent["rounds"][0]["disclosure"]["passed"], false);
    let seen = s.jordan.get(&path(s.id, &format!("/deliverables/{d}"))).await.ok();
    let round = &seen["rounds"][0];
    assert_eq!(round["disclosure"]["findings"][0]["detail"], rule["detail"]);
    assert_eq!(round["disclosure_note"], "");
    let version = seen["version"].as_i64().unwrap();

    // Approving over the failed check without a note: 422 naming the field; nothing decided.
    let review = |note: &str| json!({ "round": 1, "decision": "approved", "criteria": [true], "version": version, "disclosure_note": note });
    let bare = s.jordan.post(&path(s.id, &format!("/deliverables/{d}/review")), review("  ")).await;
    assert_eq!((bare.status, bare.body["field"].as_str()), (422, Some("disclosure_note")), "{}", bare.body);
    let too_long = s.jordan.post(&path(s.id, &format!("/deliverables/{d}/review")), review(&"x".repeat(5001))).await;
    assert_eq!((too_long.status, too_long.body["field"].as_str()), (422, Some("disclosure_note")));
    let still = s.jordan.get(&path(s.id, &format!("/deliverables/{d}"))).await.ok();
    assert_eq!((still["status"].as_str(), still["version"].as_i64()), (Some("in_review"), Some(version)));

    // With a note: approved, and the note stays with the round beside who decided.
    let note = "Paid-partnership label is set on the platform; legal (Maya) accepted it for this post";
    let done = s.jordan.post(&path(s.id, &format!("/deliverables/{d}/review")), review(note)).await.ok();
    assert_eq!(done["status"], "approved");
    assert_eq!(done["rounds"][0]["disclosure_note"], note);
    assert_eq!(done["rounds"][0]["decided_by"], "Jordan Reyes");
    assert_eq!(done["rounds"][0]["disclosure"]["passed"], false, "the failed check stays on record");
    let portal = isla.get(&path(s.id, "/portal")).await.ok();
    assert_eq!(portal["deliverables"][0]["rounds"][0]["disclosure_note"], note);

    // Another post: asking for changes needs no note; the fixed v2 passes and is approved without one.
    let d2 = brief(&s.jordan, s.id, isla_id, "Second ride post").await;
    let v1 = submit(&isla, s.id, d2, "Obsessed with my new wheels 💛\n#ad @northwind").await;
    let first = &v1["rounds"][0]["disclosure"]["findings"][0];
    assert_eq!(first["detail"], "\"#ad\" is not in the first line");
    let version = s.jordan.get(&path(s.id, &format!("/deliverables/{d2}"))).await.ok()["version"].as_i64().unwrap();
    s.jordan
        .post(
            &path(s.id, &format!("/deliverables/{d2}/review")),
            json!({ "round": 1, "decision": "changes_requested", "feedback": "Put #ad first, please", "version": version }),
        )
        .await
        .ok();
    let v2 = submit(&isla, s.id, d2, "#ad Obsessed with my new wheels 💛 @northwind").await;
    assert_eq!(v2["rounds"][1]["disclosure"]["passed"], true);
    let version = s.jordan.get(&path(s.id, &format!("/deliverables/{d2}"))).await.ok()["version"].as_i64().unwrap();
    let ok = s
        .jordan
        .post(
            &path(s.id, &format!("/deliverables/{d2}/review")),
            json!({ "round": 2, "decision": "approved", "criteria": [true], "version": version }),
        )
        .await
        .ok();
    assert_eq!((ok["status"].as_str(), ok["rounds"][1]["disclosure_note"].as_str()), (Some("approved"), Some("")));
}

async fn the_creators_country_picks_the_rules(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (lea, lea_id) = creator_in(&app, &s.jordan, s.id, "Lea Brandt", Some("DE")).await;
    let (noor, noor_id) = creator_in(&app, &s.jordan, s.id, "Noor Haddad", None).await;
    let (sam, sam_id) = creator_in(&app, &s.jordan, s.id, "Sam Porter", Some("US")).await;
    let lea_d = brief(&s.jordan, s.id, lea_id, "Sonntagsrunde").await;
    let noor_d = brief(&s.jordan, s.id, noor_id, "Weekend ride").await;
    let sam_d = brief(&s.jordan, s.id, sam_id, "Commute reel").await;

    // Germany: "#ad" is not enough, "Werbung" is.
    let de = check(&lea, s.id, lea_d, "#ad Meine Sonntagsrunde mit dem neuen Rad").await;
    assert_eq!((de["passed"].as_bool(), de["market"].as_str()), (Some(false), Some("dach")));
    assert!(de["findings"][0]["detail"].as_str().unwrap().starts_with("\"#ad\" is English"));
    assert!(de["findings"][0]["source"].as_str().unwrap().contains("Medienstaatsvertrag §8"));
    assert_eq!(check(&lea, s.id, lea_d, "Werbung | Meine Sonntagsrunde").await["passed"], true);

    // The US: "#ad" at the end of twenty hashtags is buried; up front it passes.
    let tags: Vec<String> = (1..=20).map(|i| format!("#ride{i}")).collect();
    let buried = format!("New commute, who dis 🚲 {} #ad", tags.join(" "));
    let us = check(&sam, s.id, sam_d, &buried).await;
    assert_eq!((us["passed"].as_bool(), us["market"].as_str()), (Some(false), Some("us")));
    assert_eq!(us["findings"][0]["fix"], "Move \"#ad\" to the start of the caption");
    assert_eq!(check(&sam, s.id, sam_d, "#ad New commute, who dis 🚲").await["passed"], true);
    assert_eq!(check(&sam, s.id, sam_d, "#adventure time 🚲").await["passed"], false);

    // No country on the profile: the "other" rule.
    let other = check(&noor, s.id, noor_d, "Weekend ride #ad").await;
    assert_eq!((other["passed"].as_bool(), other["market"].as_str()), (Some(true), Some("other")));

    // A partner changes Lea's country on her profile: her next check follows it.
    let card = s.jordan.get(&path(s.id, &format!("/creators/{lea_id}"))).await.ok();
    let profile = json!({ "name": "Lea Brandt", "country": "FR", "language": null, "audience_notes": "", "rates": "", "contact_email": null });
    s.jordan
        .put(
            &path(s.id, &format!("/creators/{lea_id}/profile")),
            json!({ "profile": profile, "stats": { "platform": "instagram", "handle": "lea.brandt", "followers": 24000 }, "version": card["version"] }),
        )
        .await
        .ok();
    let fr = check(&lea, s.id, lea_d, "Werbung | Ma balade").await;
    assert_eq!((fr["passed"].as_bool(), fr["market"].as_str()), (Some(false), Some("fr")));
    assert_eq!(check(&lea, s.id, lea_d, "Publicité | Ma balade").await["passed"], true);
}

async fn only_the_creator_and_the_partners_check_a_deliverables_caption(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (ava, ava_id) = creator_in(&app, &s.jordan, s.id, "Ava Chen", Some("US")).await;
    let (ben, _) = creator_in(&app, &s.jordan, s.id, "Ben Ortiz", Some("US")).await;
    let d = brief(&s.jordan, s.id, ava_id, "Ava's post").await;
    let url = path(s.id, &format!("/deliverables/{d}/disclosure-check"));
    let body = json!({ "caption": "#ad hello" });

    assert_eq!(ava.post(&url, body.clone()).await.status, 200);
    // A partner member of the campaign may ask too (e.g. before briefing a fix).
    assert_eq!(s.lena.post(&url, body.clone()).await.ok()["passed"], true);
    // Another creator, a stranger, nobody signed in: nothing to see.
    assert_eq!(ben.post(&url, body.clone()).await.status, 404);
    assert_eq!(s.olga.post(&url, body.clone()).await.status, 404);
    assert_eq!(app.client().post(&url, body.clone()).await.status, 401);
    // Another campaign's id with this deliverable: not found.
    let other = s.olga.create_campaign("Elsewhere").await;
    let r = s.olga.post(&path(other, &format!("/deliverables/{d}/disclosure-check")), body.clone()).await;
    assert_eq!(r.status, 404);
    // Limits: a caption over 5,000 characters is refused, naming the field.
    let long = ava.post(&url, json!({ "caption": "#ad ".repeat(1300) })).await;
    assert_eq!((long.status, long.body["field"].as_str()), (422, Some("caption")));

    // Approving over a failed check is the reviewer's call: a stranger's note changes nothing.
    submit(&ava, s.id, d, "Morning ride #bike #sunrise #ad").await;
    let version = s.jordan.get(&path(s.id, &format!("/deliverables/{d}"))).await.ok()["version"].as_i64().unwrap();
    let review = json!({ "round": 1, "decision": "approved", "criteria": [true], "version": version, "disclosure_note": "fine by me" });
    assert_eq!(s.olga.post(&path(s.id, &format!("/deliverables/{d}/review")), review.clone()).await.status, 404);
    assert_eq!(ava.post(&path(s.id, &format!("/deliverables/{d}/review")), review.clone()).await.status, 404);
    let lena = s.lena.post(&path(s.id, &format!("/deliverables/{d}/review")), review).await;
    assert_eq!(lena.status, 403, "not the influencer lane's reviewer: {}", lena.body);
    let seen = s.jordan.get(&path(s.id, &format!("/deliverables/{d}"))).await.ok();
    assert_eq!((seen["status"].as_str(), seen["rounds"][0]["disclosure_note"].as_str()), (Some("in_review"), Some("")));
}
