//! Personal data on request, on SQLite and PostgreSQL: a creator erased from a campaign leaves nothing of them in
//! any table (every text column of every table is searched), file or export, while every total stays; the
//! partners see it live; a person's export holds their data and nobody else's; an account deleted by its owner;
//! and the refusals (another organization cannot erase, a creator cannot erase or export someone else).
use std::time::Duration;

use crate::common::*;
use serde_json::{json, Value};

on_both_databases!(
    an_erased_creator_leaves_nothing_but_the_figures,
    a_person_downloads_their_data_and_nobody_elses,
    an_account_is_deleted_by_its_owner,
    a_creator_is_erased_from_every_campaign_of_the_organization,
);

fn p(id: i64, rest: &str) -> String {
    campaign_path(id, rest)
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn upload(c: &Client, id: i64, deliverable: i64, name: &str) -> String {
    let bytes = png();
    let start = c
        .post(
            &p(id, &format!("/deliverables/{deliverable}/uploads")),
            json!({ "file_name": name, "size": bytes.len(), "client_key": format!("k-{name}") }),
        )
        .await
        .ok();
    let upload = start["id"].as_str().unwrap().to_string();
    let state = c.put_bytes(&upload, 0, &bytes).await.ok();
    assert_eq!(state["received"].as_u64(), Some(bytes.len() as u64), "{state}");
    upload
}

/// Every text column of every table (but the migrations' own), and where any of `needles` is found in one.
async fn found_in_tables(app: &TestApp, needles: &[&str]) -> Vec<String> {
    found_in_tables_but(app, needles, None).await
}

/// The same, leaving out the rows of campaign `except` (in the tables that have a `campaign_id`).
async fn found_in_tables_but(app: &TestApp, needles: &[&str], except: Option<i64>) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let columns: Vec<(String, String)> = if app.database_url.starts_with("sqlite") {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let mut cols = Vec::new();
        for t in tables {
            let rows: Vec<(String, String)> =
                sqlx::query_as(&format!("SELECT name, type FROM pragma_table_info('{t}')"))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            cols.extend(
                rows.into_iter().filter(|(_, ty)| ty.eq_ignore_ascii_case("TEXT")).map(|(c, _)| (t.clone(), c)),
            );
        }
        cols
    } else {
        sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type = 'text' AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    assert!(columns.len() > 40, "every table's text columns: {columns:?}");
    let with_campaign: Vec<String> = if app.database_url.starts_with("sqlite") {
        let mut tables = Vec::new();
        for (t, _) in &columns {
            let has: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM pragma_table_info('{t}') WHERE name = 'campaign_id'"
            ))
            .fetch_one(&pool)
            .await
            .unwrap();
            if has > 0 {
                tables.push(t.clone());
            }
        }
        tables
    } else {
        sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'campaign_id'",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let mut found = Vec::new();
    for (t, c) in &columns {
        let but = match except {
            Some(id) if with_campaign.contains(t) => format!(" AND (campaign_id IS NULL OR campaign_id <> {id})"),
            _ => String::new(),
        };
        for n in needles {
            let n = n.to_lowercase();
            let hits: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t} WHERE LOWER({c}) LIKE $1{but}"))
                .bind(format!("%{n}%"))
                .fetch_one(&pool)
                .await
                .unwrap();
            if hits > 0 {
                found.push(format!("{t}.{c} holds {n:?} ({hits} rows)"));
            }
        }
    }
    pool.close().await;
    found
}

/// What the partners see that erasure must not change: the board's cards per stage, fees, and the figures.
async fn figures(c: &Client, id: i64) -> Value {
    let board = c.get(&p(id, "/board")).await.ok();
    let mut stages: Vec<String> =
        board["cards"].as_array().unwrap().iter().map(|c| c["stage"].as_str().unwrap().to_string()).collect();
    stages.sort();
    let content = c.get(&p(id, "/content")).await.ok();
    let mut fees: Vec<i64> = content["deliverables"]
        .as_array()
        .map(|d| d.iter().map(|d| d["fee_cents"].as_i64().unwrap()).collect())
        .unwrap_or_default();
    fees.sort();
    let totals = c.get(&p(id, "/metrics/totals")).await.ok();
    json!({ "stages": stages, "fees": fees, "totals": totals })
}

struct Scene {
    app: TestApp,
    maya: Client,
    jordan: Client,
    olga: Client,
    ada: Client,
    bo: Client,
    id: i64,
    ada_id: i64,
    ada_upload: String,
    bo_upload: String,
}

/// Maya's campaign with Jordan as a partner; two creators with portal accounts, Ada and Bo, each briefed, each
/// with a round (a real PNG and a caption naming them), comments, a note, a second handle, a tracked post with
/// figures.
async fn scene(kind: DbKind) -> Scene {
    let app = spawn_app(kind).await;
    let TwoPartners { maya, jordan, olga, id } = two_partners(&app).await;
    let (ada, ada_id) = creator_account(&app, &maya, id, "Ada Trail", "ada@creators.example").await;
    let (bo, bo_id) = creator_account(&app, &jordan, id, "Bo Keep", "bo@creators.example").await;
    let card = maya.get(&p(id, &format!("/creators/{ada_id}"))).await.ok();
    let edit = json!({ "profile": { "name": "Ada Trail", "country": "GB", "rates": "Ada Trail: £900 a reel",
                                    "language": "en", "audience_notes": "Ada Trail's hikers", "contact_email": "ada.contact@mail.example" },
                       "stats": { "platform": "instagram", "handle": "ada_creators_example", "followers": 12000 },
                       "version": card["version"] });
    maya.put(&p(id, &format!("/creators/{ada_id}/profile")), edit).await.ok();
    maya.post(
        &p(id, &format!("/creators/{ada_id}/handles")),
        json!({ "platform": "tiktok", "handle": "adatrail_tt", "followers": 5000 }),
    )
    .await
    .ok();
    maya.post(&p(id, &format!("/creators/{ada_id}/notes")), json!({ "text": "Call Ada Trail on Monday" })).await.ok();
    let mut uploads = Vec::new();
    for (c, cid, who) in [(&ada, ada_id, "Ada Trail"), (&bo, bo_id, "Bo Keep")] {
        let d = maya
            .post(&p(id, "/deliverables"), json!({ "creator_id": cid, "lane": "ugc", "title": format!("{who}'s ridge clip"), "expectations": "20 s", "due_date": "2027-03-10", "fee_cents": 50000 }))
            .await
            .ok();
        let did = d["id"].as_i64().unwrap();
        let up = upload(c, id, did, &format!("{}.png", who.replace(' ', "-"))).await;
        let round = c
            .post(&p(id, &format!("/deliverables/{did}/submissions")), json!({ "caption": format!("#ad {who} on the ridge"), "uploads": [up], "link": format!("https://instagram.example/{}", who.replace(' ', "")) }))
            .await;
        assert_eq!(round.status, 201, "{}", round.body);
        c.post(&p(id, &format!("/deliverables/{did}/comments")), json!({ "body": format!("Hi, {who} here") }))
            .await
            .ok();
        maya.post(
            &p(id, &format!("/deliverables/{did}/comments")),
            json!({ "body": format!("Thanks {who}!"), "internal": false }),
        )
        .await
        .ok();
        maya.post(
            &p(id, &format!("/deliverables/{did}/comments")),
            json!({ "body": format!("{who} is pricey"), "internal": true }),
        )
        .await
        .ok();
        let post = maya
            .post(&p(id, "/posts"), json!({ "creator_id": cid, "platform": "instagram", "url": format!("https://instagram.example/{}/p/1", who.replace(' ', "")), "lane": "ugc", "deliverable_id": did }))
            .await
            .ok();
        let day = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
        maya.post(&p(id, "/metrics"), json!({ "source": "api:sync", "rows": [{ "post_id": post["id"], "day": day, "impressions": 1000, "reach": 800, "likes": 40, "comments": 3, "fee_cents": 50000 }] }))
            .await
            .ok();
        uploads.push(up);
    }
    let bo_upload = uploads.pop().unwrap();
    let ada_upload = uploads.pop().unwrap();
    Scene { app, maya, jordan, olga, ada, bo, id, ada_id, ada_upload, bo_upload }
}

const ADA: &[&str] = &[
    "Ada Trail",
    "ada@creators.example",
    "ada_creators_example",
    "ada.contact@mail.example",
    "adatrail_tt",
    "AdaTrail",
];

async fn an_erased_creator_leaves_nothing_but_the_figures(kind: DbKind) {
    let Scene { app, maya, jordan, olga, ada, bo, id, ada_id, ada_upload, bo_upload } = scene(kind).await;
    let before = figures(&maya, id).await;
    assert!(!found_in_tables(&app, ADA).await.is_empty(), "the scene names Ada everywhere to begin with");
    let files = app.running.state.files.local_root().expect("the local folder").to_path_buf();
    let ada_file = files.join(format!("c{id}/{ada_upload}/original"));
    assert!(ada_file.exists());

    // Refusals: an organization that is not a partner, and creators (Ada herself, and Bo).
    let erase = p(id, &format!("/creators/{ada_id}/erase"));
    for c in [&olga, &ada, &bo] {
        let r = c.post(&erase, json!({})).await;
        assert_eq!(r.status, 404, "{}", r.body);
    }
    assert_eq!(app.client().post(&erase, json!({})).await.status, 401);
    assert!(ada_file.exists(), "nothing was erased by a refusal");

    // Jordan watches the board while Maya erases Ada.
    let mut ws = listening(&app, &jordan, id).await;
    let erased = maya.post(&erase, json!({})).await.ok();
    assert_eq!(
        (erased["files_removed"].as_i64(), erased["account_erased"].as_bool()),
        (Some(2), Some(true)),
        "{erased}"
    );
    let live = ws_events(&mut ws, 1, Duration::from_secs(5)).await;
    assert_eq!(live[0]["kind"], "card_updated");
    assert_eq!(live[0]["data"]["card"]["name"], "a creator (erased)");
    assert!(live[0]["data"]["what"].as_str().unwrap().contains("erased a creator's personal data"));

    // Nothing of Ada in any table, her files gone, Bo's untouched.
    let left = found_in_tables(&app, ADA).await;
    assert!(left.is_empty(), "{left:#?}");
    assert!(!ada_file.exists() && !files.join(format!("c{id}/{ada_upload}/thumb")).exists());
    assert!(files.join(format!("c{id}/{bo_upload}/original")).exists());
    assert!(!found_in_tables(&app, &["Bo Keep", "bo@creators.example"]).await.is_empty(), "Bo is still there");
    // Nor in what partners export.
    for path in ["/creators.csv", "/metrics.csv", "/events?after=0", "/content", "/board"] {
        let r = maya.get(&p(id, path)).await;
        assert_eq!(r.status, 200, "{path}");
        let text = r.body.to_string().to_lowercase();
        for n in ADA {
            assert!(!text.contains(&n.to_lowercase()), "{path} still holds {n}");
        }
    }
    // The history reads "a creator (erased)"; every figure is as it was.
    let events = maya.get(&p(id, "/events?after=0")).await.ok();
    let added = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "card_added" && e["data"]["card"]["id"] == ada_id)
        .unwrap();
    assert_eq!(added["data"]["card"]["name"], "a creator (erased)");
    assert_eq!(figures(&maya, id).await, before);
    // Her account is gone with her last campaign.
    assert_eq!(ada.get("/api/v1/me").await.status, 401);
    let signin = app
        .client()
        .post("/api/v1/auth/signin", json!({ "email": "ada@creators.example", "password": "creator-pass" }))
        .await;
    assert_eq!(signin.status, 401, "{}", signin.body);
    app.running.stop().await;
}

async fn a_person_downloads_their_data_and_nobody_elses(kind: DbKind) {
    let Scene { app, maya, ada, bo, id, ada_upload, bo_upload, .. } = scene(kind).await;
    let resp = ada
        .http
        .get(format!("{}/api/v1/me/export", app.base))
        .header("cookie", ada.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let doc: Value = resp.json().await.unwrap();
    assert_eq!(
        (doc["account"]["name"].as_str(), doc["account"]["email"].as_str()),
        (Some("Ada Trail"), Some("ada@creators.example"))
    );
    let record = &doc["creator_records"][0];
    assert_eq!(
        (record["campaign_id"].as_i64(), record["contact_email"].as_str()),
        (Some(id), Some("ada.contact@mail.example"))
    );
    assert_eq!(record["handles"].as_array().unwrap().len(), 2);
    let d = &record["deliverables"][0];
    assert_eq!(d["title"], "Ada Trail's ridge clip");
    assert_eq!(d["rounds"][0]["caption"], "#ad Ada Trail on the ridge");
    let comments: Vec<&str> = d["comments"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
    assert_eq!(comments, vec!["Hi, Ada Trail here", "Thanks Ada Trail!"], "partners' internal comments are not hers");
    // Her file, with the address that serves it to her.
    let file = &doc["files"][0];
    assert_eq!(file["url"].as_str().unwrap(), format!("/files/{ada_upload}"));
    let got = ada
        .http
        .get(format!("{}{}", app.base, file["url"].as_str().unwrap()))
        .header("cookie", ada.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().len(), png().len());
    // Nothing of Bo's: not his name, his deliverable, his file.
    let text = doc.to_string();
    assert!(!text.contains("Bo Keep") && !text.contains(&bo_upload), "{text}");
    let theirs = ada
        .http
        .get(format!("{}/files/{bo_upload}", app.base))
        .header("cookie", ada.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 404);
    // Bo's export is his own.
    let bos = bo.get("/api/v1/me/export").await.ok();
    assert_eq!(bos["account"]["name"], "Bo Keep");
    assert!(!bos.to_string().contains("Ada Trail"));
    // A partner member's: their account and what they did.
    let mine = maya.get("/api/v1/me/export").await.ok();
    assert_eq!(mine["account"]["organization"], "Northwind");
    assert!(mine["activity"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["what"].as_str().unwrap().contains("added Ada Trail")));
    assert!(mine["creator_records"].as_array().unwrap().is_empty());
    // Signed out: 401; with an API token: refused.
    assert_eq!(app.client().get("/api/v1/me/export").await.status, 401);
    let token = maya.post("/api/v1/tokens", json!({ "name": "sync" })).await.ok();
    let mut bearer = app.client();
    bearer.bearer = Some(token["secret"].as_str().unwrap().to_string());
    assert_eq!(bearer.get("/api/v1/me/export").await.status, 403);
    app.running.stop().await;
}

async fn an_account_is_deleted_by_its_owner(kind: DbKind) {
    let Scene { app, maya, jordan, ada, bo, id, .. } = scene(kind).await;
    let before = figures(&maya, id).await;
    // A wrong password: refused, nothing changed.
    let wrong = ada.send(reqwest::Method::DELETE, "/api/v1/me/account", Some(json!({ "password": "nope" })), &[]).await;
    assert_eq!((wrong.status, wrong.body["field"].as_str()), (422, Some("password")), "{}", wrong.body);
    assert_eq!(ada.get("/api/v1/me").await.status, 200);
    // The creator deletes her account: erased from the campaign, signed out everywhere.
    let gone =
        ada.send(reqwest::Method::DELETE, "/api/v1/me/account", Some(json!({ "password": "creator-pass" })), &[]).await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    assert_eq!(ada.get("/api/v1/me").await.status, 401);
    let left = found_in_tables(&app, ADA).await;
    assert!(left.is_empty(), "{left:#?}");
    assert_eq!(figures(&maya, id).await, before);
    // Bo's account is untouched.
    assert_eq!(bo.get("/api/v1/me").await.status, 200);
    // A partner member deletes theirs: their name leaves the campaign's history.
    let jordan_gone = jordan
        .send(reqwest::Method::DELETE, "/api/v1/me/account", Some(json!({ "password": "correct horse" })), &[])
        .await;
    assert_eq!(jordan_gone.status, 204, "{}", jordan_gone.body);
    let left = found_in_tables(&app, &["Jordan Reyes", "jordan@brightline.example"]).await;
    assert!(left.is_empty(), "{left:#?}");
    let events = maya.get(&p(id, "/events?after=0")).await.ok().to_string();
    assert!(events.contains("a person (erased)") && !events.contains("Jordan Reyes"));
    assert_eq!(figures(&maya, id).await, before);
    app.running.stop().await;
}

/// Every campaign of Maya's organization at once: Ada is in Maya's "Trailhead" (with Jordan's organization, her
/// portal account, files, figures) and in Maya's second campaign (by the same handle and contact email), and also
/// in a campaign of Olga's organization, which Maya's organization is no partner of.
async fn a_creator_is_erased_from_every_campaign_of_the_organization(kind: DbKind) {
    let Scene { app, maya, jordan, olga, ada, id, ada_id, ada_upload, bo_upload, .. } = scene(kind).await;
    let second = maya.create_campaign("Summit").await;
    let again = maya.add_creator(second, "Ada Trail", "ada_creators_example").await;
    let again_id = again["id"].as_i64().unwrap();
    maya.post(&p(second, &format!("/creators/{again_id}/notes")), json!({ "text": "Ada Trail prefers mornings" }))
        .await
        .ok();
    let theirs = olga.create_campaign("Elsewhere").await;
    let hers = olga.add_creator(theirs, "Ada Trail", "ada_creators_example").await;
    let (before, before_second, before_theirs) =
        (figures(&maya, id).await, figures(&maya, second).await, figures(&olga, theirs).await);
    let theirs_events = olga.get(&p(theirs, "/events?after=0")).await.ok();
    let files = app.running.state.files.local_root().expect("the local folder").to_path_buf();

    // Refusals: an organization that is not a partner of the campaign, the creator herself, no one signed in.
    let everywhere = p(id, &format!("/creators/{ada_id}/erase-everywhere"));
    for c in [&olga, &ada] {
        let r = c.post(&everywhere, json!({})).await;
        assert_eq!(r.status, 404, "{}", r.body);
    }
    assert_eq!(app.client().post(&everywhere, json!({})).await.status, 401);
    let refused = post_form(
        &app,
        &olga,
        &format!("/campaigns/{id}/privacy/erase"),
        &format!("creator_id={ada_id}&confirm=yes&scope=all"),
    )
    .await;
    assert!(refused.contains("error="), "{refused}");
    assert!(files.join(format!("c{id}/{ada_upload}/original")).exists(), "nothing was erased by a refusal");

    // Jordan, a partner of Trailhead only, watches it while Maya erases Ada from every campaign with the page's form.
    let mut ws = listening(&app, &jordan, id).await;
    let to = post_form(
        &app,
        &maya,
        &format!("/campaigns/{id}/privacy/erase"),
        &format!("creator_id={ada_id}&confirm=yes&scope=all"),
    )
    .await;
    assert_eq!(to, format!("/campaigns/{id}/privacy?erased={ada_id}&campaigns=2&failed="));
    let page = maya.get(&to).await;
    assert!(page.body.as_str().unwrap().contains("The creator was erased from 2 campaigns of your organization."));
    let live = ws_events(&mut ws, 1, Duration::from_secs(5)).await;
    assert_eq!(live[0]["data"]["card"]["name"], "a creator (erased)");

    // Nothing of Ada in any table outside Olga's campaign, nor in Maya's exports; her account and files are gone.
    let left = found_in_tables_but(&app, ADA, Some(theirs)).await;
    assert!(left.is_empty(), "{left:#?}");
    assert!(!files.join(format!("c{id}/{ada_upload}/original")).exists());
    assert!(files.join(format!("c{id}/{bo_upload}/original")).exists());
    for c in [id, second] {
        for path in ["/creators.csv", "/metrics.csv", "/events?after=0", "/content", "/board"] {
            let text = maya.get(&p(c, path)).await.ok().to_string().to_lowercase();
            for n in ADA {
                assert!(!text.contains(&n.to_lowercase()), "campaign {c}{path} still holds {n}");
            }
        }
        // Each campaign's history says what happened, with the person as "a creator (erased)".
        let events = maya.get(&p(c, "/events?after=0")).await.ok();
        let erased = events["events"].as_array().unwrap().iter().rev().find(|e| e["kind"] == "card_updated").unwrap();
        assert!(erased["data"]["what"].as_str().unwrap().contains("erased a creator's personal data"), "{erased}");
        assert_eq!(erased["data"]["card"]["name"], "a creator (erased)");
    }
    assert_eq!(ada.get("/api/v1/me").await.status, 401);
    // Every figure is as it was, in both campaigns.
    assert_eq!(figures(&maya, id).await, before);
    assert_eq!(figures(&maya, second).await, before_second);
    // Olga's campaign is untouched: her card, its history, its figures.
    let card = olga.get(&p(theirs, &format!("/creators/{}", hers["id"]))).await.ok();
    assert_eq!(card["name"], "Ada Trail");
    assert_eq!(olga.get(&p(theirs, "/events?after=0")).await.ok(), theirs_events);
    assert_eq!(figures(&olga, theirs).await, before_theirs);
    // Asked again: nothing is left to erase.
    assert_eq!(maya.post(&everywhere, json!({})).await.status, 404);
    app.running.stop().await;
}
