//! "What needs me" on the home page (`/sfn/inbox`), on SQLite and PostgreSQL: each partner member gets what is
//! theirs to act on across their campaigns (the late review escalated to them, the review waiting, the charter to
//! sign, their next actions due), each with the page it is acted on; a person of another organization gets none
//! of it.
use crate::common::*;
use serde_json::{json, Value};

on_both_databases!(the_inbox_holds_what_is_mine_and_nothing_of_other_organizations);

async fn inbox(c: &Client) -> Value {
    let mut req = c.http.post(format!("{}/sfn/inbox", c.base)).form(&Vec::<(String, String)>::new());
    if let Some(cookie) = &c.cookie {
        req = req.header("cookie", cookie);
    }
    let r = req.send().await.expect("request");
    assert_eq!(r.status(), 200);
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

fn kinds(inbox: &Value) -> Vec<String> {
    inbox["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap().to_string()).collect()
}

async fn the_inbox_holds_what_is_mine_and_nothing_of_other_organizations(kind: DbKind) {
    let app = spawn_on(&fresh_database(kind).await, |c| c.clock_seconds = 3600).await;
    let s = three_partners(&app).await;
    let path = |rest: &str| format!("/api/v1/campaigns/{}{rest}", s.id);
    let (ava, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    s.jordan.put(&path("/lanes/influencer"), json!({ "lane": "influencer", "brief": "Real trails", "sla_hours": 2, "budget_cents": 1000000, "default_fee_cents": 40000, "version": 0 })).await.ok();
    let did = s
        .jordan
        .post(
            &path("/deliverables"),
            json!({ "creator_id": ava_id, "lane": "influencer", "title": "Launch post", "fee_cents": 50000 }),
        )
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    ava.post(
        &path(&format!("/deliverables/{did}/submissions")),
        json!({ "link": "https://instagram.example/p/draft", "caption": "Out now" }),
    )
    .await
    .ok();

    // Jordan reviews influencer posts: the review waits for him, linked to the deliverable on the content page.
    let j = inbox(&s.jordan).await;
    let review = j["items"].as_array().unwrap().iter().find(|i| i["kind"] == "review").expect("a review for Jordan");
    assert_eq!(review["href"], format!("/campaigns/{}/content#deliverable-{did}", s.id));
    assert_eq!(review["overdue"], false);
    assert!(review["title"].as_str().unwrap().contains("Launch post"));
    assert_eq!(j["campaigns"][0][0], s.id, "the live connection follows the campaign");
    assert!(!kinds(&inbox(&s.lena).await).contains(&"review".to_string()), "not Lena's review");

    // Past its SLA: escalated to Jordan; in his inbox (first), not in Maya's or Lena's.
    let pending = s.jordan.get(&path(&format!("/deliverables/{did}"))).await.ok();
    let due: chrono::DateTime<chrono::Utc> = pending["rounds"][0]["review_due_at"].as_str().unwrap().parse().unwrap();
    let db = &app.running.state.db;
    assert_eq!(app::content::ssr::scan_review_breaches(db, due + chrono::Duration::minutes(5)).await.unwrap(), 1);
    let j = inbox(&s.jordan).await;
    assert_eq!(j["items"][0]["kind"], "escalation");
    assert_eq!(j["items"][0]["href"], format!("/campaigns/{}/content#deliverable-{did}", s.id));
    assert!(!kinds(&inbox(&s.maya).await).contains(&"escalation".to_string()));
    assert!(!kinds(&inbox(&s.lena).await).contains(&"escalation".to_string()));

    // A charter proposed for sign-off: each organization's accountable person is asked to sign, until they do.
    s.maya.post(&path("/charter/propose"), json!({})).await.ok();
    let number = s.maya.get(&path("/charter")).await.ok()["current"]["number"].as_i64().unwrap();
    let l = inbox(&s.lena).await;
    let sign =
        l["items"].as_array().unwrap().iter().find(|i| i["kind"] == "charter").expect("Lena signs for Studio Kin");
    assert_eq!(sign["href"], format!("/campaigns/{}/charter", s.id));
    s.lena.post(&path(&format!("/charter/versions/{number}/sign")), json!({})).await.ok();
    assert!(!kinds(&inbox(&s.lena).await).contains(&"charter".to_string()));

    // A next action past due, on a card Jordan added (and so owns): his, not Maya's.
    let due = (chrono::Utc::now().date_naive() - chrono::Duration::days(2)).to_string();
    s.jordan
        .post(&path("/creators"), json!({ "name": "Ben Ortiz", "platform": "tiktok", "handle": "ben", "next_action": "Send the brief", "next_action_due": due }))
        .await
        .ok();
    let j = inbox(&s.jordan).await;
    let action =
        j["items"].as_array().unwrap().iter().find(|i| i["kind"] == "next_action").expect("Jordan's next action");
    assert_eq!(action["overdue"], true);
    assert_eq!(action["href"], format!("/campaigns/{}?q=Ben+Ortiz", s.id));
    assert!(!kinds(&inbox(&s.maya).await).contains(&"next_action".to_string()));

    // Another organization: nothing of this campaign.
    let o = inbox(&s.olga).await;
    assert_eq!(o["items"], json!([]));
    assert_eq!(o["campaigns"], json!([]));
}
