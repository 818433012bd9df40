//! Numbers, sizes and ids at their limits, on SQLite and PostgreSQL: figures past what is plausible are refused by
//! row and field (and old ones past it never wrap a total or fail a page), every text people write has a size
//! limit that names its field, oversized or NUL CSV cells are problems of their row and column, deliverable 0 and
//! other campaigns' deliverables are "not found" everywhere, and a 100-megapixel PNG is taken without a preview.
use crate::common::*;
use serde_json::{json, Value};

on_both_databases!(
    figures_past_the_limits_are_refused_and_totals_never_wrap,
    creator_figures_past_the_limits_are_refused_and_never_overflow,
    every_text_people_write_has_a_limit_naming_its_field,
    deliverable_zero_and_other_campaigns_deliverables_are_not_found,
    a_hundred_megapixel_png_is_taken_without_a_preview,
);

const COUNT_LIMIT: i64 = 100_000_000_000;
const CENTS_LIMIT: i64 = 10_000_000_000_000;

fn path(id: i64, rest: &str) -> String {
    format!("/api/v1/campaigns/{id}{rest}")
}

fn day(back: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(back)).to_string()
}

/// Asserts a 422 naming `field`.
#[track_caller]
fn refused(r: &Reply, field: &str) {
    let body: String = r.body.to_string().chars().take(300).collect();
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some(field)), "{body}");
}

async fn partner(app: &TestApp) -> (Client, i64) {
    let mut maya = app.client();
    maya.sign_up("Maya Lind", "maya@northwind.example", "Northwind").await;
    let id = maya.create_campaign("Trailhead").await;
    (maya, id)
}

async fn post_of(c: &Client, id: i64, creator: &Value, url: &str) -> i64 {
    c.post(&path(id, "/posts"), json!({ "creator_id": creator["id"], "platform": "instagram", "url": url })).await.ok()
        ["id"]
        .as_i64()
        .unwrap()
}

async fn figures_past_the_limits_are_refused_and_totals_never_wrap(kind: DbKind) {
    let app = spawn_app(kind).await;
    let (maya, id) = partner(&app).await;
    let ava = maya.add_creator(id, "Ava Chen", "ava").await;
    let pid = post_of(&maya, id, &ava, "https://instagram.example/p/1").await;
    let pid2 = post_of(&maya, id, &ava, "https://instagram.example/p/2").await;

    // i64::MAX impressions, a figure just past its limit, in any row: refused by row and field, nothing written.
    let ok_row = json!({ "post_id": pid, "day": day(5), "likes": 10 });
    let cases = [
        (json!({ "post_id": pid, "day": day(3), "impressions": i64::MAX }), "rows[1].impressions"),
        (json!({ "post_id": pid, "day": day(3), "likes": COUNT_LIMIT + 1 }), "rows[1].likes"),
        (json!({ "post_id": pid, "day": day(3), "revenue_cents": CENTS_LIMIT + 1 }), "rows[1].revenue_cents"),
        (json!({ "post_id": pid, "day": day(3), "fee_cents": i64::MAX }), "rows[1].fee_cents"),
        (json!({ "post_id": pid, "day": day(3), "clicks": -1 }), "rows[1].clicks"),
    ];
    for (bad, field) in cases {
        refused(&maya.post(&path(id, "/metrics"), json!({ "rows": [ok_row, bad] })).await, field);
    }
    assert_eq!(
        maya.get(&path(id, "/metrics/totals")).await.ok()["totals"]["likes"],
        0,
        "nothing of a refused batch is written"
    );

    // At the limits, on two days of two posts: accepted, and the totals are exact.
    let top = |p: i64, d: i64| json!({ "post_id": p, "day": day(d), "impressions": COUNT_LIMIT, "likes": COUNT_LIMIT, "revenue_cents": CENTS_LIMIT, "fee_cents": CENTS_LIMIT });
    let r = maya
        .post(&path(id, "/metrics"), json!({ "rows": [top(pid, 1), top(pid, 2), top(pid2, 1), top(pid2, 2)] }))
        .await
        .ok();
    assert_eq!(r["inserted"], 4);
    let t = maya.get(&path(id, "/metrics/totals")).await.ok();
    assert_eq!(
        (t["totals"]["impressions"].as_i64(), t["totals"]["revenue_cents"].as_i64()),
        (Some(4 * COUNT_LIMIT), Some(4 * CENTS_LIMIT))
    );
    assert_eq!(t["kpis"]["roas"]["value"], 1.0);

    // The CSV import: a figure past its limit is a problem of its row and column.
    let file = format!(
        "post_id,day,impressions,revenue,likes\n{pid},{},{},0,1\n{pid},{},0,100000000000.01,1\n{pid},{},{},0,1\n",
        day(7),
        COUNT_LIMIT + 1,
        day(8),
        day(9),
        i64::MAX
    );
    let preview = maya.post_text(&path(id, "/metric-imports?filename=big.csv"), &file).await;
    assert_eq!(preview.status, 201, "{}", preview.body);
    let issues = import_issues(&preview.body);
    assert_eq!(issues, vec![(2, "impressions"), (3, "revenue"), (4, "impressions")], "{}", preview.body);
    assert_eq!(preview.body["valid"], 0);

    // Rows written before the limits existed, past them: totals, the dashboard and new figures still work, and
    // every sum stops at the largest number instead of wrapping to a negative one.
    let db = &app.running.state.db;
    for table in ["metric_day_lane", "metric_post_totals", "daily_metrics"] {
        let sql = format!("UPDATE {table} SET impressions = $1, likes = $1, revenue_cents = $1 WHERE campaign_id = $2");
        db.execute(sqlx::query(&sql).bind(i64::MAX).bind(id)).await.unwrap();
    }
    let t = maya.get(&path(id, "/metrics/totals")).await;
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(
        (t.body["totals"]["impressions"].as_i64(), t.body["engagements"].as_i64()),
        (Some(i64::MAX), Some(i64::MAX))
    );
    let d = maya.get(&path(id, "/dashboard")).await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["totals"]["impressions"].as_i64(), Some(i64::MAX));
    assert!(d.body["emv_cents"].as_i64().unwrap() >= 0);
    assert!(d.body["by_creator"][0]["totals"]["revenue_cents"].as_i64().unwrap() > 0);
    // New figures added onto those rollups (and a correction of an old row) saturate too.
    let more = json!({ "rows": [
        { "post_id": pid, "day": day(3), "impressions": COUNT_LIMIT, "likes": 5 },
        { "post_id": pid, "day": day(1), "impressions": 7, "likes": 7 } ] });
    let r = maya.post(&path(id, "/metrics"), more).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let t = maya.get(&path(id, "/metrics/totals")).await.ok();
    assert!(t["totals"]["impressions"].as_i64().unwrap() > 0, "{t}");
    assert_eq!(maya.get(&path(id, "/dashboard")).await.status, 200);
}

async fn creator_figures_past_the_limits_are_refused_and_never_overflow(kind: DbKind) {
    let app = spawn_app(kind).await;
    let (maya, id) = partner(&app).await;
    let creators = path(id, "/creators");
    let new = |extra: Value| {
        let mut c = json!({ "name": "Big", "platform": "instagram", "handle": "big", "lane": "influencer" });
        c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        c
    };
    refused(&maya.post(&creators, new(json!({ "followers": i64::MAX }))).await, "followers");
    refused(&maya.post(&creators, new(json!({ "followers": 10_000_000_001i64 }))).await, "followers");
    refused(&maya.post(&creators, new(json!({ "avg_likes": i64::MAX, "avg_comments": i64::MAX }))).await, "avg_likes");
    refused(&maya.post(&creators, new(json!({ "avg_reach": i64::MAX }))).await, "avg_reach");
    refused(&maya.post(&creators, new(json!({ "avg_saves": -1 }))).await, "avg_saves");
    let card =
        maya.post(&creators, new(json!({ "followers": 10_000_000_000i64, "avg_likes": 10_000_000_000i64 }))).await.ok();
    assert_eq!(card["engagements"].as_i64(), Some(10_000_000_000));
    let cid = card["id"].as_i64().unwrap();

    // The profile edit and a further handle go through the same bounds.
    let edit = json!({ "profile": { "name": "Big" }, "stats": { "platform": "instagram", "handle": "big", "avg_likes": i64::MAX, "avg_shares": i64::MAX }, "version": card["version"] });
    refused(&maya.put(&path(id, &format!("/creators/{cid}/profile")), edit).await, "avg_likes");
    let handle = json!({ "platform": "tiktok", "handle": "bigtok", "followers": i64::MAX });
    refused(&maya.post(&path(id, &format!("/creators/{cid}/handles")), handle).await, "followers");

    // The CSV import: a figure past its limit names its row and column.
    let csv = "name,platform,handle,followers,avg_likes\nOk,tiktok,ok,1000,10\nHuge,tiktok,huge,20000000000,1\nAlso,tiktok,also,1,9000000000000\n";
    let preview = maya.post_text(&path(id, "/imports?filename=pool.csv"), csv).await.ok();
    let issues = import_issues(&preview);
    assert_eq!(issues, vec![(3, "followers"), (4, "avg_likes")], "{preview}");

    // A creator stored before the limits with averages whose sum overflows: the board, the creator and the
    // dashboard still load.
    let db = &app.running.state.db;
    db.execute(
        sqlx::query("UPDATE creators SET avg_likes = $1, avg_comments = $1, avg_shares = $1, avg_saves = $1, followers = $1 WHERE id = $2")
            .bind(i64::MAX)
            .bind(cid),
    )
    .await
    .unwrap();
    let board = maya.get(&path(id, "/board")).await;
    assert_eq!(board.status, 200, "{}", board.body);
    let big = board.body["cards"].as_array().unwrap().iter().find(|c| c["id"] == cid).cloned().unwrap();
    assert!(big["engagements"].as_i64().unwrap() > 0, "{big}");
    assert_eq!(maya.get(&path(id, &format!("/creators/{cid}"))).await.status, 200);
    assert_eq!(maya.get(&path(id, &format!("/creators/{cid}/detail"))).await.status, 200);
    post_of(&maya, id, &card, "https://instagram.example/p/big").await;
    assert_eq!(maya.get(&path(id, "/dashboard")).await.status, 200);
}

async fn every_text_people_write_has_a_limit_naming_its_field(kind: DbKind) {
    let app = spawn_app(kind).await;
    let megabyte = "x".repeat(1024 * 1024);
    // Sign-up: the name, the email, the password and the organization.
    let mut c = app.client();
    let signup = |name: &str, email: &str, password: &str, org: &str| json!({ "name": name, "email": email, "password": password, "org_name": org, "org_kind": "brand" });
    refused(&c.post("/api/v1/auth/signup", signup(&megabyte, "a@b.example", "correct horse", "Org")).await, "name");
    refused(
        &c.post("/api/v1/auth/signup", signup("A", &format!("{}@b.example", "a".repeat(250)), "correct horse", "Org"))
            .await,
        "email",
    );
    refused(&c.post("/api/v1/auth/signup", signup("A", "a@b.example", &megabyte, "Org")).await, "password");
    refused(
        &c.post("/api/v1/auth/signup", signup("A", "a@b.example", "correct horse", &"o".repeat(201))).await,
        "org_name",
    );
    refused(&c.post("/api/v1/auth/signin", json!({ "email": "a@b.example", "password": megabyte })).await, "password");
    c.sign_up(&"é".repeat(200), "maya@northwind.example", "Northwind").await; // 200 characters (400 bytes) is fine
    let id = c.create_campaign("Trailhead").await;

    // The charter: a 9 MB brief, a long tier name, too many criteria.
    let charter = c.get(&path(id, "/charter")).await.ok();
    let version = |s: &str| {
        charter["sections"].as_array().unwrap().iter().find(|x| x["section"] == s).unwrap()["version"].clone()
    };
    let section = |s: &str, body: Value| {
        (path(id, &format!("/charter/sections/{s}")), json!({ "body": body, "version": version(s) }))
    };
    // A 9 MB brief is stopped at the door (the backstop for any one string in a request), one just over its
    // section's limit by the charter's own check.
    let (p, b) = section("creative_brief", json!({ "markdown": "b".repeat(9 * 1024 * 1024) }));
    refused(&c.put(&p, b).await, "body.markdown");
    let (p, b) = section("creative_brief", json!({ "markdown": "b".repeat(20_001) }));
    refused(&c.put(&p, b).await, "creative_brief.markdown");
    let (p, b) = section("creative_brief", json!({ "markdown": "b".repeat(20_000) }));
    c.put(&p, b).await.ok();
    let (p, b) = section("criteria", json!({ "ugc": vec!["ok"; 101] }));
    refused(&c.put(&p, b).await, "criteria.ugc");
    let (p, b) = section(
        "pillars",
        json!({ "pillars": [{ "name": "n".repeat(201), "description": "", "dos": "", "donts": "" }] }),
    );
    refused(&c.put(&p, b).await, "pillars.pillars[0].name");
    refused(&c.post(&path(id, "/charter/comments"), json!({ "section": "audience", "body": megabyte })).await, "body");

    // The pool: 10 MB audience notes, a long name, handle or email; notes and next actions.
    let creators = path(id, "/creators");
    let creator = |extra: Value| {
        let mut v = json!({ "name": "Ava", "platform": "instagram", "handle": "ava", "lane": "ugc" });
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };
    refused(
        &c.post(&creators, creator(json!({ "audience_notes": "n".repeat(10 * 1024 * 1024) }))).await,
        "audience_notes",
    );
    refused(&c.post(&creators, creator(json!({ "name": "n".repeat(201) }))).await, "name");
    let nul = c.post(&creators, creator(json!({ "name": "A\u{0}B" }))).await;
    assert_eq!((nul.status, nul.body["field"].as_str()), (400, Some("name")), "{}", nul.body);
    refused(&c.post(&creators, creator(json!({ "handle": "h".repeat(101) }))).await, "handle");
    refused(
        &c.post(&creators, creator(json!({ "contact_email": format!("{}@x.example", "e".repeat(250)) }))).await,
        "contact_email",
    );
    refused(&c.post(&creators, creator(json!({ "rates": megabyte }))).await, "rates");
    let ava = c.post(&creators, creator(json!({ "audience_notes": "n".repeat(5_000) }))).await.ok();
    let cid = ava["id"].as_i64().unwrap();
    refused(&c.post(&path(id, &format!("/creators/{cid}/notes")), json!({ "text": "t".repeat(5_001) })).await, "text");
    refused(
        &c.put(
            &path(id, &format!("/creators/{cid}/next-action")),
            json!({ "text": "t".repeat(201), "version": ava["version"] }),
        )
        .await,
        "text",
    );
    let edit = json!({ "profile": { "name": "Ava", "audience_notes": "n".repeat(5_001) }, "stats": { "platform": "instagram", "handle": "ava" }, "version": ava["version"] });
    refused(&c.put(&path(id, &format!("/creators/{cid}/profile")), edit).await, "audience_notes");

    // Posts, deliverables, comments, lanes.
    let post = json!({ "creator_id": cid, "platform": "instagram", "url": "https://instagram.example/p/1", "title": "t".repeat(201) });
    refused(&c.post(&path(id, "/posts"), post).await, "title");
    let long_url = json!({ "creator_id": cid, "platform": "instagram", "url": format!("https://x.example/{}", "u".repeat(2_000)) });
    refused(&c.post(&path(id, "/posts"), long_url).await, "url");
    let deliverable =
        |title: &str, expectations: &str| json!({ "creator_id": cid, "title": title, "expectations": expectations });
    refused(&c.post(&path(id, "/deliverables"), deliverable(&"t".repeat(201), "")).await, "title");
    refused(&c.post(&path(id, "/deliverables"), deliverable("Clip", &megabyte)).await, "expectations");
    let did = c.post(&path(id, "/deliverables"), deliverable("Clip", "A clip")).await.ok()["id"].as_i64().unwrap();
    refused(
        &c.post(&path(id, &format!("/deliverables/{did}/comments")), json!({ "body": "c".repeat(5_001) })).await,
        "body",
    );
    let lane = json!({ "lane": "ugc", "brief": megabyte, "sla_hours": 24, "budget_cents": 0, "default_fee_cents": 0, "version": 0 });
    refused(&c.put(&path(id, "/lanes/ugc"), lane).await, "brief");
    let lane = json!({ "lane": "ugc", "brief": "", "sla_hours": 24, "budget_cents": i64::MAX, "default_fee_cents": 0, "version": 0 });
    refused(&c.put(&path(id, "/lanes/ugc"), lane).await, "budget_cents");
    refused(
        &c.post(&path(id, "/deliverables"), json!({ "creator_id": cid, "title": "Paid", "fee_cents": i64::MAX })).await,
        "fee_cents",
    );

    // CSV cells: a 5 MB cell and a NUL are problems of their row and column, not a 500.
    let file = format!(
        "name,platform,handle,audience_notes\nOk,tiktok,ok,fine\nBig,tiktok,big,{}\nNul,tiktok,nul,a\0b\n",
        "n".repeat(5 * 1024 * 1024)
    );
    let preview = c.post_text(&path(id, "/imports?filename=cells.csv"), &file).await;
    assert_eq!(preview.status, 201, "{}", preview.body);
    let issues = import_issues(&preview.body);
    assert_eq!(issues, vec![(3, "audience_notes"), (4, "audience_notes")], "{}", preview.body);
    assert_eq!(preview.body["valid"], 1);
    let pid = post_of(&c, id, &ava, "https://instagram.example/p/2").await;
    let file = format!("post_id,day,likes\n{pid},{},{}\n{pid},{},1\0\n", day(1), "1".repeat(2_001), day(2));
    let preview = c.post_text(&path(id, "/metric-imports?filename=cells.csv"), &file).await;
    assert_eq!(preview.status, 201, "{}", preview.body);
    let issues = import_issues(&preview.body);
    assert_eq!(issues, vec![(2, "likes"), (3, "likes")], "{}", preview.body);
}

/// Uploads a whole file in chunks of 4 MB; returns the last state.
async fn upload(c: &Client, id: i64, deliverable: i64, name: &str, bytes: &[u8]) -> Value {
    let start = c
        .post(
            &path(id, &format!("/deliverables/{deliverable}/uploads")),
            json!({ "file_name": name, "size": bytes.len(), "client_key": name }),
        )
        .await
        .ok();
    let upload = start["id"].as_str().unwrap().to_string();
    let mut offset = 0;
    let mut state = start;
    while offset < bytes.len() {
        let end = (offset + (4 << 20)).min(bytes.len());
        let r = c.put_bytes(&upload, offset, &bytes[offset..end]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        state = r.body;
        offset = state["received"].as_u64().unwrap() as usize;
    }
    state
}

fn small_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8, y as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn deliverable_zero_and_other_campaigns_deliverables_are_not_found(kind: DbKind) {
    let app = spawn_app(kind).await;
    let (maya, id) = partner(&app).await;
    let other = maya.create_campaign("Elsewhere").await;
    let (ava, ava_id) = creator_account(&app, &maya, id, "Ava Chen", "ava@creator.example").await;
    let brief = |c: i64| json!({ "creator_id": c, "lane": "ugc", "title": "Clip", "expectations": "A clip" });
    let mine = maya.post(&path(id, "/deliverables"), brief(ava_id)).await.ok();
    let did = mine["id"].as_i64().unwrap();
    let up = upload(&ava, id, did, "a.png", &small_png()).await;
    ava.post(
        &path(id, &format!("/deliverables/{did}/submissions")),
        json!({ "caption": "first", "uploads": [up["id"]] }),
    )
    .await
    .ok();
    // A deliverable of the other campaign (same partner, so only the campaign differs).
    let bo = maya.add_creator(other, "Bo", "bo").await;
    let foreign =
        maya.post(&path(other, "/deliverables"), brief(bo["id"].as_i64().unwrap())).await.ok()["id"].as_i64().unwrap();

    for d in [0, foreign, -1] {
        let at = |rest: &str| path(id, &format!("/deliverables/{d}{rest}"));
        let cases = [
            ("partner get", maya.get(&at("")).await),
            ("creator get", ava.get(&at("")).await),
            ("comment", maya.post(&at("/comments"), json!({ "body": "hello" })).await),
            ("creator comment", ava.post(&at("/comments"), json!({ "body": "hello" })).await),
            (
                "review",
                maya.post(&at("/review"), json!({ "round": 1, "decision": "approved", "version": mine["version"] }))
                    .await,
            ),
            ("payout", maya.put(&at("/payout"), json!({ "payout": "paid", "version": mine["version"] })).await),
            (
                "upload",
                ava.post(&at("/uploads"), json!({ "file_name": "b.png", "size": 10, "client_key": format!("k{d}") }))
                    .await,
            ),
            (
                "submit",
                ava.post(&at("/submissions"), json!({ "caption": "again", "link": "https://example.com/v" })).await,
            ),
        ];
        for (what, r) in cases {
            assert_eq!((r.status, r.code()), (404, "not_found"), "{what} on deliverable {d}: {}", r.body);
        }
    }
    // The real one is untouched: one round, no comment, still in review.
    let d = maya.get(&path(id, &format!("/deliverables/{did}"))).await.ok();
    assert_eq!(
        (d["rounds"].as_array().unwrap().len(), d["comments"].as_array().unwrap().len(), d["status"].as_str()),
        (1, 0, Some("in_review")),
        "{d}"
    );
}

/// A PNG of `w`×`h` black RGB pixels, compressed by hand (one literal zero, then copies of 258 zeros): a
/// 100-megapixel image in under 2 MB, written in moments even by an unoptimised test build.
fn black_png(w: u32, h: u32) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, bits: u32) {
            self.acc |= value << self.n;
            self.n += bits;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u64, bits: u32) {
            let reversed = (0..bits).fold(0, |r, i| r | (((code >> i) & 1) << (bits - 1 - i)));
            self.put(reversed, bits);
        }
        /// A copy of `len` (3 to 10, or 258) bytes from one back, in the fixed codes.
        fn copy(&mut self, len: u64) {
            if len == 258 {
                self.code(0xC5, 8); // length symbol 285
            } else {
                self.code(len - 2, 7); // length symbols 257..264: lengths 3..10
            }
            self.code(0, 5); // distance 1
        }
    }
    let raw = u64::from(h) * (1 + 3 * u64::from(w)); // each row: filter byte 0 and the pixels, all zero
    let mut z = Bits { out: vec![0x78, 0x01], acc: 0, n: 0 };
    z.put(1, 1); // the last block
    z.put(1, 2); // fixed Huffman codes
    z.code(0x30, 8); // the literal 0
    let mut left = raw - 1;
    while left >= 258 {
        z.copy(258);
        left -= 258;
    }
    while left >= 10 {
        z.copy(10);
        left -= 10;
    }
    if left >= 3 {
        z.copy(left);
    } else {
        for _ in 0..left {
            z.code(0x30, 8);
        }
    }
    z.code(0, 7); // end of block
    z.put(0, 7); // pad to a byte
    let b = raw % 65521; // Adler-32 of zeros: a = 1, b = the count
    z.out.extend_from_slice(&(((b as u32) << 16) | 1).to_be_bytes());
    let chunk = |out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    };
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &z.out);
    chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn the_hand_made_png_decodes() {
    let png = black_png(300, 200);
    let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap().to_rgb8();
    assert_eq!((img.width(), img.height()), (300, 200));
    assert!(img.pixels().all(|p| p.0 == [0, 0, 0]));
}

async fn a_hundred_megapixel_png_is_taken_without_a_preview(kind: DbKind) {
    let app = spawn_app(kind).await;
    let (maya, id) = partner(&app).await;
    let (ava, ava_id) = creator_account(&app, &maya, id, "Ava Chen", "ava@creator.example").await;
    let huge = black_png(10_000, 10_000);
    assert!(huge.len() < 2 << 20, "{} bytes", huge.len());
    // Three drafts at once, each 300 MB decoded: every upload completes, none gets a preview, nothing fails.
    let mut dids = Vec::new();
    for i in 0..3 {
        let d = maya
            .post(
                &path(id, "/deliverables"),
                json!({ "creator_id": ava_id, "lane": "ugc", "title": format!("Poster {i}") }),
            )
            .await
            .ok();
        dids.push(d["id"].as_i64().unwrap());
    }
    let started = std::time::Instant::now();
    let states = futures_util::future::join_all(dids.iter().enumerate().map(|(i, d)| {
        let (ava, huge) = (ava.clone(), huge.clone());
        async move { upload(&ava, id, *d, &format!("poster-{i}.png"), &huge).await }
    }))
    .await;
    for s in &states {
        assert_eq!((s["status"].as_str(), s["kind"].as_str()), (Some("complete"), Some("png")), "{s}");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "{:?}", started.elapsed());
    for (d, s) in dids.iter().zip(&states) {
        ava.post(
            &path(id, &format!("/deliverables/{d}/submissions")),
            json!({ "caption": "poster", "uploads": [s["id"]] }),
        )
        .await
        .ok();
        let got = maya.get(&path(id, &format!("/deliverables/{d}"))).await.ok();
        let file = &got["rounds"][0]["files"][0];
        assert_eq!((file["kind"].as_str(), file["has_thumb"].as_bool()), (Some("png"), Some(false)), "{got}");
    }
    // A normal photo still gets its preview.
    let d = maya
        .post(&path(id, "/deliverables"), json!({ "creator_id": ava_id, "lane": "ugc", "title": "Photo" }))
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    let s = upload(&ava, id, d, "photo.png", &small_png()).await;
    ava.post(&path(id, &format!("/deliverables/{d}/submissions")), json!({ "uploads": [s["id"]] })).await.ok();
    let got = maya.get(&path(id, &format!("/deliverables/{d}"))).await.ok();
    assert_eq!(got["rounds"][0]["files"][0]["has_thumb"].as_bool(), Some(true), "{got}");
}
