//! Mail against a real SMTP server (aiosmtpd, started by the tests, `smtp_server.py`) on SQLite and PostgreSQL:
//! STARTTLS and implicit TLS with AUTH, what arrives (RFC 2047 headers, quoted display names, Message-ID, text and
//! HTML parts, links to where the person acts, List-Unsubscribe and its one click), notifications for the people
//! concerned and never the actor, preferences, the daily digest once per person and day, and the durable outbox: a
//! server process killed with mail in the outbox delivers each mail once after a restart, also as two processes on
//! PostgreSQL.
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use crate::common::*;
use serde_json::{json, Value};

/// A real SMTP server in a child process; stopped when dropped.
pub struct Smtp {
    child: std::process::Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Smtp {
    /// `args`: `--tls starttls|implicit|none`, `--auth user:password`, `--delay s`, `--fail-first n`.
    pub async fn start(args: &[&str]) -> Smtp {
        let tools = std::env::var("CHORUS_TOOLS_DIR")
            .unwrap_or_else(|_| format!("{}/.cache/chorus-tools", std::env::var("HOME").unwrap_or_default()));
        let python = format!("{tools}/smtp-venv/bin/python");
        assert!(
            std::path::Path::new(&python).exists(),
            "{python} is missing: run scripts/install-tools.sh (it installs aiosmtpd for the mail tests)"
        );
        let dir =
            std::env::temp_dir().join(format!("chorus-smtp-{}-{:08x}", std::process::id(), rand::random::<u32>()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = std::process::Command::new(python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/smtp_server.py"))
            .arg(&dir)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the SMTP server starts");
        let stdout = child.stdout.take().unwrap();
        let port = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufReader::new(stdout).read_line(&mut line).unwrap();
            line.trim()
                .strip_prefix("READY ")
                .unwrap_or_else(|| panic!("the SMTP server said {line:?}"))
                .parse()
                .unwrap()
        })
        .await
        .unwrap();
        Smtp { child, port, dir }
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for n in 1.. {
            let Ok(text) = std::fs::read_to_string(self.dir.join(format!("{n}.json"))) else { break };
            out.push(serde_json::from_str(&text).unwrap());
        }
        out
    }

    /// Messages to `rcpt` so far.
    pub fn to(&self, rcpt: &str) -> Vec<Value> {
        self.received().into_iter().filter(|m| m["rcpt_tos"].as_array().unwrap().iter().any(|r| r == rcpt)).collect()
    }

    /// Waits until `rcpt` has received `n` messages (within 30 s), and returns them.
    pub async fn wait_for(&self, rcpt: &str, n: usize) -> Vec<Value> {
        let start = std::time::Instant::now();
        loop {
            let got = self.to(rcpt);
            if got.len() >= n {
                return got;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "{rcpt} got {} of {n} mails: {got:#?}", got.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many DATA commands the server has begun.
    pub fn started(&self) -> usize {
        (1..).take_while(|n| self.dir.join(format!("started-{n}")).exists()).count()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text part, the HTML part.
pub fn parts(mail: &Value) -> (String, String) {
    let get = |t: &str| {
        mail["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["type"] == t)
            .map(|p| p["content"].as_str().unwrap().to_string())
    };
    (get("text/plain").expect("a text part"), get("text/html").expect("an HTML part"))
}

/// A link of the mail's text part that starts with `base + prefix`.
pub fn link(mail: &Value, prefix: &str) -> String {
    let (text, _) = parts(mail);
    let at = text.find(prefix).unwrap_or_else(|| panic!("no {prefix} link in {text}"));
    text[at..].split_whitespace().next().unwrap().to_string()
}

/// A server that mails through `smtp` (STARTTLS required, AUTH), looking at its outbox every 100 ms.
pub async fn mailing_app(kind: DbKind, smtp: &Smtp, url: &str) -> TestApp {
    let db = fresh_database(kind).await;
    let (ca, url) = (smtp.ca(), url.to_string());
    spawn_on(&db, move |c| {
        c.smtp_url = Some(url);
        c.smtp_user = Some("chorus".into());
        c.smtp_password = Some("s3cret".into());
        c.smtp_ca_file = Some(ca);
        c.mail_from = "\"Chorus, the team\" <notify@chorus.example>".into();
        c.mail_poll_ms = 100;
        c.clock_seconds = 3600;
    })
    .await
}

on_both_databases!(
    notifications_arrive_by_starttls_with_everything_a_provider_expects,
    the_daily_digest_comes_once_at_the_persons_hour,
    a_failed_attempt_is_retried_and_the_mail_sent_once,
    invitations_made_on_the_pages_are_mailed_with_their_link,
    quiet_hours_hold_a_mail_until_they_end_then_it_goes_once,
);

async fn notifications_arrive_by_starttls_with_everything_a_provider_expects(kind: DbKind) {
    let smtp = Smtp::start(&["--tls", "starttls", "--auth", "chorus:s3cret"]).await;
    let app = mailing_app(kind, &smtp, &format!("smtp://localhost:{}?tls=required", smtp.port)).await;
    let s = three_partners(&app).await;
    let path = |rest: &str| campaign_path(s.id, rest);
    let (zoe, zoe_card) = creator_account(&app, &s.jordan, s.id, "Zoë Ångström", "zoe@creators.example").await;
    s.jordan.put(&path("/lanes/influencer"), json!({ "lane": "influencer", "brief": "Real trails", "sla_hours": 48, "budget_cents": 1000000, "default_fee_cents": 40000, "version": 0 })).await.ok();
    let did = s
        .jordan
        .post(
            &path("/deliverables"),
            json!({ "creator_id": zoe_card, "lane": "influencer", "title": "Été launch — post", "fee_cents": 50000 }),
        )
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    zoe.post(
        &path(&format!("/deliverables/{did}/submissions")),
        json!({ "link": "https://instagram.example/p/1", "caption": "#ad Out now" }),
    )
    .await
    .ok();
    let version = s.jordan.get(&path(&format!("/deliverables/{did}"))).await.ok()["version"].clone();
    s.jordan
        .post(
            &path(&format!("/deliverables/{did}/review")),
            json!({ "round": 1, "decision": "changes_requested", "feedback": "Plus de lumière naturelle ☀", "version": version }),
        )
        .await
        .ok();

    // The decision reaches Zoë at once (creators' default), over TLS, authenticated.
    let mail = smtp.wait_for("zoe@creators.example", 1).await.remove(0);
    assert_eq!(mail["tls"], true);
    assert_eq!(mail["auth_user"], "chorus");
    assert_eq!(mail["mail_from"], "notify@chorus.example");
    // RFC 2047: the raw headers are ASCII, encoded words that decode to what was meant.
    let raw = &mail["raw_headers"];
    assert!(raw["Subject"].as_str().unwrap().to_lowercase().contains("=?utf-8?"), "{raw}");
    assert!(raw["To"].as_str().unwrap().to_lowercase().contains("=?utf-8?"), "{raw}");
    assert!(raw.as_object().unwrap().values().all(|v| v.as_str().unwrap().is_ascii()), "{raw}");
    assert_eq!(mail["subject"], "[Trailhead] Your v1 of \"Été launch — post\": changes requested");
    assert_eq!(mail["to"], "Zoë Ångström <zoe@creators.example>");
    // A display name with a comma (a special character) is kept whole: encoded (RFC 2047), never split at the comma.
    assert_eq!(mail["from"], "Chorus, the team <notify@chorus.example>");
    let message_id = mail["message_id"].as_str().unwrap();
    assert!(message_id.starts_with('<') && message_id.ends_with("@chorus.example>"), "{message_id}");
    assert!(raw["Date"].is_string());
    // Text and HTML, each with the feedback and the link to where she acts.
    assert_eq!(mail["content_type"], "multipart/alternative");
    let (text, html) = parts(&mail);
    let portal = format!("{}/portal/campaigns/{}", app.base, s.id);
    assert!(text.contains("Plus de lumière naturelle ☀") && text.contains(&portal), "{text}");
    assert!(html.contains("Plus de lumière naturelle ☀") && html.contains(&format!("href=\"{portal}\"")), "{html}");
    assert!(html.contains("#2563eb"), "in the product's look");
    // One click: List-Unsubscribe with its POST (RFC 8058), signed, no sign-in.
    let unsubscribe: String = raw["List-Unsubscribe"].as_str().unwrap().split_whitespace().collect();
    let unsubscribe = unsubscribe.trim_matches(['<', '>']).to_string();
    assert!(unsubscribe.starts_with(&format!("{}/unsubscribe/", app.base)), "{unsubscribe}");
    assert_eq!(raw["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
    let http = reqwest::Client::new();
    let page = http.get(&unsubscribe).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text().await.unwrap().contains("feedback on my drafts"),
        "the page names the kind; a GET changes nothing"
    );
    let tampered = format!("{}0", unsubscribe.trim_end_matches(|c: char| c.is_ascii_hexdigit()));
    assert_eq!(http.post(&tampered).body("List-Unsubscribe=One-Click").send().await.unwrap().status(), 404);
    let prefs = zoe.get("/api/v1/notification-preferences").await.ok();
    let feedback = |p: &Value| {
        p["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == "feedback").unwrap()["delivery"].clone()
    };
    assert_eq!(feedback(&prefs), "immediately");
    let one_click = http
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(one_click.status(), 200);
    assert_eq!(feedback(&zoe.get("/api/v1/notification-preferences").await.ok()), "off");

    // Her next decision is in her notifications, but no longer mailed.
    zoe.post(
        &path(&format!("/deliverables/{did}/submissions")),
        json!({ "link": "https://instagram.example/p/2", "caption": "#ad Out now, brighter" }),
    )
    .await
    .ok();
    let version = s.jordan.get(&path(&format!("/deliverables/{did}"))).await.ok()["version"].clone();
    s.jordan
        .post(
            &path(&format!("/deliverables/{did}/review")),
            json!({ "round": 2, "decision": "approved", "version": version }),
        )
        .await
        .ok();
    let mine = zoe.get("/api/v1/notifications").await.ok();
    assert_eq!(mine.as_array().unwrap().iter().filter(|n| n["kind"] == "feedback").count(), 2);

    // Never the actor: Jordan comments to Zoë; she is notified, he is not. She answers; he is, she is not.
    s.jordan
        .post(&path(&format!("/deliverables/{did}/comments")), json!({ "body": "Lovely light now", "internal": false }))
        .await
        .ok();
    zoe.post(&path(&format!("/deliverables/{did}/comments")), json!({ "body": "Merci !" })).await.ok();
    let replies = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "comment_reply")
            .map(|n| n["title"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        replies(&zoe.get("/api/v1/notifications").await.ok()),
        ["Jordan Reyes commented on \"Été launch — post\""]
    );
    assert_eq!(
        replies(&s.jordan.get("/api/v1/notifications").await.ok()),
        ["Zoë Ångström commented on \"Été launch — post\""]
    );
    // An internal note reaches no creator.
    s.maya
        .post(&path(&format!("/deliverables/{did}/comments")), json!({ "body": "Budget ok", "internal": true }))
        .await
        .ok();
    assert_eq!(replies(&zoe.get("/api/v1/notifications").await.ok()).len(), 1);
    // The reply is in Jordan's inbox on the home page, dismissable.
    let inbox = sfn_inbox(&s.jordan).await;
    let item = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "comment_reply")
        .expect("the reply in the inbox")
        .clone();
    assert_eq!(item["href"], format!("/campaigns/{}/content#deliverable-{did}", s.id));
    let count = |v: &Value| v["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "comment_reply").count();
    assert_eq!(count(&inbox), 2, "Zoë's reply and Maya's internal note");
    s.jordan.post("/api/v1/notifications/read", json!({ "id": item["notification_id"] })).await.ok();
    assert_eq!(count(&sfn_inbox(&s.jordan).await), 1);

    // Invitations are mailed (the link stays in the answer, to copy).
    let inv =
        s.maya.post(&path("/invitations"), json!({ "kind": "partner", "email": "pat@partner.example" })).await.ok();
    assert_eq!(inv["mailed"], true);
    let mail = smtp.wait_for("pat@partner.example", 1).await.remove(0);
    assert!(link(&mail, &format!("{}/invite/", app.base)).ends_with(inv["token"].as_str().unwrap()));
    let bad = s.maya.post(&path("/invitations"), json!({ "kind": "partner", "email": "not an address" })).await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("email")));
    let colleague = s.maya.post("/api/v1/org/invitations", json!({ "email": "sam@northwind.example" })).await.ok();
    let mail = smtp.wait_for("sam@northwind.example", 1).await.remove(0);
    assert!(mail["subject"].as_str().unwrap().contains("join Northwind"));
    assert!(link(&mail, &format!("{}/join/", app.base)).ends_with(colleague["token"].as_str().unwrap()));
    // New sign-ups confirm their address.
    let verify = smtp.wait_for("olga@outsider.example", 1).await.remove(0);
    let url = link(&verify, &format!("{}/verify-email/", app.base));
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(http.get(&url).send().await.unwrap().status(), 404, "single use");
}

async fn sfn_inbox(c: &Client) -> Value {
    let mut req = c.http.post(format!("{}/sfn/inbox", c.base)).form(&Vec::<(String, String)>::new());
    if let Some(cookie) = &c.cookie {
        req = req.header("cookie", cookie);
    }
    serde_json::from_str(&req.send().await.unwrap().text().await.unwrap()).unwrap()
}

async fn the_daily_digest_comes_once_at_the_persons_hour(kind: DbKind) {
    use chrono::Timelike;
    let smtp = Smtp::start(&["--tls", "starttls", "--auth", "chorus:s3cret"]).await;
    let app = mailing_app(kind, &smtp, &format!("smtp://localhost:{}", smtp.port)).await;
    let s = three_partners(&app).await;
    let path = |rest: &str| campaign_path(s.id, rest);
    // Maya's creator sends a UGC draft, which Lena reviews: both are for their digests (the default for these kinds).
    let (ava, ava_card) = creator_account(&app, &s.maya, s.id, "Ava Chen", "ava@creators.example").await;
    let did = s
        .maya
        .post(
            &path("/deliverables"),
            json!({ "creator_id": ava_card, "lane": "ugc", "title": "Unboxing", "fee_cents": 30000 }),
        )
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    ava.post(
        &path(&format!("/deliverables/{did}/submissions")),
        json!({ "link": "https://tiktok.example/v/1", "caption": "#ad Unboxing" }),
    )
    .await
    .ok();
    // Lena's digest at her local hour in Tokyo, which is now; quiet hours do not hold a digest.
    let now = chrono::Utc::now();
    let tokyo_hour = now.with_timezone(&chrono_tz_tokyo()).hour() as i64;
    let prefs = s.lena.get("/api/v1/notification-preferences").await.ok();
    let saved = s
        .lena
        .put(
            "/api/v1/notification-preferences",
            json!({ "version": prefs["version"], "time_zone": "Asia/Tokyo", "digest_hour": tokyo_hour, "kinds": {} }),
        )
        .await
        .ok();
    assert_eq!(saved["time_zone"], "Asia/Tokyo");
    // A save from the stale page: 409 with the settings as they are.
    let stale = s
        .lena
        .put(
            "/api/v1/notification-preferences",
            json!({ "version": prefs["version"], "time_zone": "UTC", "digest_hour": 3 }),
        )
        .await;
    assert_eq!((stale.status, stale.body["current"]["time_zone"].as_str()), (409, Some("Asia/Tokyo")));
    let bad = s
        .lena
        .put(
            "/api/v1/notification-preferences",
            json!({ "version": saved["version"], "time_zone": "Mars/Olympus", "digest_hour": 3 }),
        )
        .await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("time_zone")));
    let bad = s
        .lena
        .put(
            "/api/v1/notification-preferences",
            json!({ "version": saved["version"], "time_zone": "UTC", "digest_hour": 24 }),
        )
        .await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("digest_hour")));
    // Maya's an hour from now (in UTC): not yet. (Near midnight UTC that hour would be 0, already past: skip.)
    if now.hour() == 23 {
        return;
    }
    let maya_prefs = s.maya.get("/api/v1/notification-preferences").await.ok();
    s.maya
        .put("/api/v1/notification-preferences", json!({ "version": maya_prefs["version"], "time_zone": "UTC", "digest_hour": (now.hour() as i64 + 1) % 24 }))
        .await
        .ok();

    // Two processes' clocks at once: one digest for Lena.
    let db = &app.running.state.db;
    let (a, b) = tokio::join!(app::notify::ssr::run_digests(db, now), app::notify::ssr::run_digests(db, now));
    assert_eq!(a.unwrap() + b.unwrap(), 1, "Lena's only (Maya's hour has not come)");
    assert_eq!(app::notify::ssr::run_digests(db, now).await.unwrap(), 0, "once a day");
    let digest = smtp.wait_for("lena@studiokin.example", 2).await; // her sign-up's confirmation, then the digest
    let digests: Vec<&Value> =
        digest.iter().filter(|m| m["subject"].as_str().unwrap().starts_with("Your Chorus digest")).collect();
    assert_eq!(digests.len(), 1);
    let (text, html) = parts(digests[0]);
    assert!(
        text.contains("What happened in your campaigns")
            && text.contains("Trailhead: Review Ava Chen's \"Unboxing\" (v1)"),
        "{text}"
    );
    assert!(text.contains("What waits for you"), "{text}");
    assert!(html.contains(&format!("{}/campaigns/{}/content#deliverable-{did}", app.base, s.id)), "{html}");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(smtp
        .to("maya@northwind.example")
        .iter()
        .all(|m| !m["subject"].as_str().unwrap().starts_with("Your Chorus digest")));
    // Maya's hour comes: her digest says Ava's draft arrived.
    let later = now + chrono::Duration::hours(1);
    assert_eq!(app::notify::ssr::run_digests(db, later).await.unwrap(), 1);
    let maya = smtp.wait_for("maya@northwind.example", 2).await;
    let (text, _) =
        parts(maya.iter().find(|m| m["subject"].as_str().unwrap().starts_with("Your Chorus digest")).unwrap());
    assert!(text.contains("Ava Chen sent v1 of \"Unboxing\""), "{text}");
}

fn chrono_tz_tokyo() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(9 * 3600).unwrap()
}

async fn a_failed_attempt_is_retried_and_the_mail_sent_once(kind: DbKind) {
    // The first answer is "451 try again later"; implicit TLS this time.
    let smtp = Smtp::start(&["--tls", "implicit", "--auth", "chorus:s3cret", "--fail-first", "1"]).await;
    let app = mailing_app(kind, &smtp, &format!("smtps://localhost:{}", smtp.port)).await;
    let db = app.running.state.db.clone();
    let mut w = db.write().await.unwrap();
    app::outbox::ssr::enqueue_mail(&mut w, None, "kim@example.com", "Kim", "Hello", "One line").await.unwrap();
    w.commit().await.unwrap();
    // The attempt fails and waits its back-off.
    let start = std::time::Instant::now();
    let (attempts, error, next): (i64, Option<String>, i64) = loop {
        let row: (i64, Option<String>, i64) =
            sqlx::query_as("SELECT attempts, last_error, next_attempt_at FROM outbox")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        if row.0 >= 1 && row.1.is_some() {
            break row;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no attempt: {row:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(attempts, 1);
    assert!(error.unwrap().contains("451"));
    let wait = next - chrono::Utc::now().timestamp_millis();
    assert!((20_000..=31_000).contains(&wait), "retried in about 30 s, not {wait} ms");
    assert!(smtp.to("kim@example.com").is_empty());
    // Its time comes (moved forward here): sent, once, over TLS.
    db.execute(sqlx::query("UPDATE outbox SET next_attempt_at = 0")).await.unwrap();
    let got = smtp.wait_for("kim@example.com", 1).await;
    assert_eq!(got[0]["tls"], true);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.to("kim@example.com").len(), 1);
    let sent: Option<i64> = sqlx::query_scalar("SELECT sent_at FROM outbox").fetch_one(&db.pool).await.unwrap();
    assert!(sent.is_some());
}

// ---- A process killed with mail in the outbox --------------------------------------------------------------------

/// The `chorus` binary, as a child process.
fn chorus(database_url: &str, smtp_port: u16) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_chorus"))
        .env("DATABASE_URL", database_url)
        .env("CHORUS_ADDR", "127.0.0.1:0")
        .env("CHORUS_DATA_DIR", std::env::temp_dir().join(format!("chorus-kill-{:08x}", rand::random::<u32>())))
        .env("LEPTOS_SITE_ROOT", std::env::temp_dir().join("chorus-test-site"))
        .env("CHORUS_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}?tls=none"))
        .env("CHORUS_MAIL_LEASE_SECONDS", "3")
        .env("CHORUS_MAIL_POLL_MS", "100")
        .env("CHORUS_CLOCK_SECONDS", "3600")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("chorus starts")
}

async fn mail_survives_a_killed_process(kind: DbKind, processes_after: usize) {
    const MAILS: usize = 8;
    let url = fresh_database(kind).await;
    {
        // Migrated, with eight mails waiting.
        let db = app::db::Db::connect(&url).await.unwrap();
        let mut w = db.write().await.unwrap();
        for n in 0..MAILS {
            app::outbox::ssr::enqueue_mail(
                &mut w,
                None,
                &format!("p{n}@example.com"),
                "P",
                &format!("Mail {n}"),
                "Body",
            )
            .await
            .unwrap();
        }
        w.commit().await.unwrap();
        db.close().await;
    }
    // A slow server: each message takes 0.4 s to be accepted.
    let smtp = Smtp::start(&["--tls", "none", "--delay", "0.4"]).await;
    let mut first = chorus(&url, smtp.port);
    // Killed while the third message is being handed over (before the server accepted it).
    let start = std::time::Instant::now();
    while smtp.started() < 3 {
        assert!(start.elapsed() < Duration::from_secs(60), "no delivery began");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let before = smtp.received().len();
    assert!(before < MAILS, "killed with mail left in the outbox");
    // Restarted (as one or two processes): every mail arrives, each once.
    let mut after: Vec<std::process::Child> = (0..processes_after).map(|_| chorus(&url, smtp.port)).collect();
    let start = std::time::Instant::now();
    while smtp.received().len() < MAILS {
        assert!(start.elapsed() < Duration::from_secs(60), "only {} of {MAILS} arrived", smtp.received().len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(4)).await; // past any lease: nothing more arrives
    for p in &mut after {
        p.kill().unwrap();
        p.wait().unwrap();
    }
    let got = smtp.received();
    let mut subjects: Vec<String> = got.iter().map(|m| m["subject"].as_str().unwrap().to_string()).collect();
    subjects.sort();
    let expected: Vec<String> = (0..MAILS).map(|n| format!("Mail {n}")).collect();
    assert_eq!(subjects, expected, "each mail exactly once");
    let ids: std::collections::BTreeSet<&str> = got.iter().map(|m| m["message_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), MAILS);
    let db = app::db::Db::connect(&url).await.unwrap();
    let unsent: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetch_one(&db.pool).await.unwrap();
    assert_eq!(unsent, 0);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_leaves_no_mail_unsent_or_doubled_sqlite() {
    mail_survives_a_killed_process(DbKind::Sqlite, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_leaves_no_mail_unsent_or_doubled_postgres() {
    mail_survives_a_killed_process(DbKind::Postgres, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_after_a_kill_send_each_mail_once_postgres() {
    mail_survives_a_killed_process(DbKind::Postgres, 2).await;
}

// ---- Invitations made on the pages -------------------------------------------------------------------------------

/// `token` of a redirect's query.
fn token_of(location: &str) -> String {
    let q = location.split_once('?').unwrap().1;
    form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "token").map(|(_, v)| v.into_owned()).expect("a token")
}

async fn invitations_made_on_the_pages_are_mailed_with_their_link(kind: DbKind) {
    let smtp = Smtp::start(&["--tls", "starttls", "--auth", "chorus:s3cret"]).await;
    let app = mailing_app(kind, &smtp, &format!("smtp://localhost:{}?tls=required", smtp.port)).await;
    let TwoPartners { maya, olga, id, .. } = two_partners(&app).await;
    let db = &app.running.state.db;
    let count = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations").fetch_one(&db.pool).await.unwrap();
        let m: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM member_invitations").fetch_one(&db.pool).await.unwrap();
        n + m
    };
    // Every campaign page links to the form; it has an optional email field.
    let board = page(&maya, &format!("/campaigns/{id}")).await;
    assert!(board.contains(&format!("href=\"/campaigns/{id}/invite\"")), "the settings row links to it");
    let form = page(&maya, &format!("/campaigns/{id}/invite")).await;
    assert!(form.contains("name=\"email\"") && form.contains("Their email (optional)"), "{form}");

    // A partner, with an email: the link is on the page to copy, and it arrives by mail.
    let to = post_form(&app, &maya, &format!("/campaigns/{id}/invite"), "email=Pat%40Partner.example").await;
    assert!(to.starts_with(&format!("/campaigns/{id}/invite?token=")) && to.ends_with("&mailed=1"), "{to}");
    let token = token_of(&to);
    let shown = page(&maya, &to).await;
    assert!(shown.contains(&format!("{}/invite/{token}", app.base)), "the whole link, to copy");
    assert!(shown.contains("It was mailed to them too."));
    let mail = smtp.wait_for("pat@partner.example", 1).await.remove(0);
    assert_eq!(mail["subject"], "Maya Lind (Northwind) invites you to the campaign \"Trailhead\"");
    assert!(link(&mail, &format!("{}/invite/", app.base)).ends_with(&token));
    let (text, html) = parts(&mail);
    assert!(text.contains("invites you to the campaign \"Trailhead\" on Chorus."), "{text}");
    assert!(html.contains(&format!("/invite/{token}")));
    // The link works (once) for another organization.
    let (lena, _) = signed_up(&app, "Lena Vogt", "lena@studiokin.example", "Studio Kin").await;
    lena.post(&format!("/api/v1/invitations/{token}/accept"), json!({})).await.ok();
    assert!(!page(&maya, &to).await.contains("data-testid=\"invite-link\""), "a used link is not shown again");

    // Without an email: the link only, nothing mailed.
    let to = post_form(&app, &maya, &format!("/campaigns/{id}/invite"), "email=").await;
    assert!(to.ends_with("&mailed=0"), "{to}");
    assert!(page(&maya, &to).await.contains(&format!("/invite/{}", token_of(&to))));
    // A bad address is refused naming the field, and no invitation is made; nor by someone not a partner.
    let before = count().await;
    let to = post_form(&app, &maya, &format!("/campaigns/{id}/invite"), "email=not+an+address").await;
    assert!(to.contains("error=") && to.contains("field=email"), "{to}");
    let to = post_form(&app, &olga, &format!("/campaigns/{id}/invite"), "email=x%40y.example").await;
    assert!(to.contains("error="), "{to}");
    assert_eq!(count().await, before);
    // An address naming a link that is not the viewer's to see shows none.
    let forged = page(&maya, &format!("/campaigns/{id}/invite?token=nope&mailed=1")).await;
    assert!(!forged.contains("data-testid=\"invite-link\""));

    // A colleague, from the organization page.
    let org = page(&maya, "/settings/organization").await;
    assert!(org.contains("action=\"/settings/organization/invite\""), "{org}");
    let to = post_form(&app, &maya, "/settings/organization/invite", "email=sam%40northwind.example").await;
    assert!(to.starts_with("/settings/organization?token=") && to.ends_with("&mailed=1"), "{to}");
    let token = token_of(&to);
    assert!(page(&maya, &to).await.contains(&format!("{}/join/{token}", app.base)));
    let mail = smtp.wait_for("sam@northwind.example", 1).await.remove(0);
    assert_eq!(mail["subject"], "Maya Lind invites you to join Northwind");
    assert!(link(&mail, &format!("{}/join/", app.base)).ends_with(&token));
    // Olga's page does not show Maya's colleague link.
    assert!(!page(&olga, &to).await.contains(&token));

    // A creator, from the card's "Create a portal invitation" (the board's server function): to the pool's contact email.
    let card = maya.add_creator(id, "Zoë Ångström", "zoe.trails").await;
    let cid = card["id"].as_i64().unwrap();
    let full = maya.get(&campaign_path(id, &format!("/creators/{cid}"))).await.ok();
    let edit = json!({
        "profile": { "name": "Zoë Ångström", "country": "SE", "rates": "", "language": "sv", "audience_notes": "",
                     "contact_email": "zoe@creators.example" },
        "stats": { "platform": "instagram", "handle": "zoe.trails", "followers": 12000 },
        "version": full["version"],
    });
    maya.put(&campaign_path(id, &format!("/creators/{cid}/profile")), edit).await.ok();
    let resp = reqwest::Client::new()
        .post(format!("{}/sfn/create_invitation", app.base))
        .header("cookie", maya.cookie.clone().unwrap())
        .form(&[("campaign_id", id.to_string()), ("kind", "creator".into()), ("creator_id", cid.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let path: String = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    let mail = smtp.wait_for("zoe@creators.example", 1).await.remove(0);
    assert!(mail["subject"].as_str().unwrap().ends_with("creator page"), "{}", mail["subject"]);
    assert!(link(&mail, &format!("{}/invite/", app.base)).ends_with(path.trim_start_matches("/invite/")));
    app.running.stop().await;
}

// ---- Quiet hours, against the clock -------------------------------------------------------------------------------

/// The `chorus` binary mailing through `smtp_port`, its clock `offset_ms` ahead; its address once it listens.
async fn chorus_at(database_url: &str, smtp_port: u16, offset_ms: i64) -> (std::process::Child, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chorus"))
        .env("DATABASE_URL", database_url)
        .env("CHORUS_ADDR", "127.0.0.1:0")
        .env("CHORUS_DATA_DIR", std::env::temp_dir().join(format!("chorus-quiet-{:08x}", rand::random::<u32>())))
        .env("LEPTOS_SITE_ROOT", std::env::temp_dir().join("chorus-test-site"))
        .env("CHORUS_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}?tls=none"))
        .env("CHORUS_MAIL_POLL_MS", "100")
        .env("CHORUS_CLOCK_SECONDS", "3600")
        .env("CHORUS_TEST_CLOCK_OFFSET_MS", offset_ms.to_string())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("chorus starts");
    // Read to the end (the process must not write into a closed pipe), passing on the address it listens at.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(a) = line.strip_prefix("Chorus is running at ") {
                let _ = tx.send(a.trim().to_string());
            }
        }
    });
    let addr = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(60)))
        .await
        .unwrap()
        .expect("chorus listens");
    (child, addr)
}

/// The charter's sign-off mails to `rcpt` (a daily digest may go to them too, by the moved clock).
fn charter_mails(smtp: &Smtp, rcpt: &str) -> Vec<Value> {
    smtp.to(rcpt)
        .into_iter()
        .filter(|m| m["subject"].as_str().unwrap_or("").contains("Sign charter version 1"))
        .collect()
}

async fn quiet_hours_hold_a_mail_until_they_end_then_it_goes_once(kind: DbKind) {
    use chrono::Timelike;
    let url = fresh_database(kind).await;
    // The charter's sign-off is asked of Jordan and Lena at once (their default); Jordan has quiet hours in
    // Kolkata's time (UTC+5:30) from this hour for two hours, Lena none. Made with a server that sends no mail.
    let (proposed_at, quiet_end) = {
        let app = spawn_on(&url, |_| {}).await;
        let s = three_partners(&app).await;
        let zone = app::content::sla::tz::parse("Asia/Kolkata").unwrap();
        let local = chrono::Utc::now().with_timezone(&zone);
        let (start, end) = (local.hour() as i64, (local.hour() as i64 + 2) % 24);
        let prefs = s.jordan.get("/api/v1/notification-preferences").await.ok();
        s.jordan
            .put(
                "/api/v1/notification-preferences",
                json!({ "version": prefs["version"], "kinds": {}, "time_zone": "Asia/Kolkata",
                        "quiet_start": start, "quiet_end": end, "digest_hour": 8 }),
            )
            .await
            .ok();
        let proposed_at = chrono::Utc::now();
        s.maya.post(&campaign_path(s.id, "/charter/propose"), json!({})).await.ok();
        // The end of the quiet hours: the next local `end`:00 in Kolkata.
        let mut day = local.date_naive();
        if local.hour() as i64 + 2 >= 24 {
            day = day.succ_opt().unwrap();
        }
        let end_local = day.and_hms_opt(end as u32, 0, 0).unwrap();
        use chrono::TimeZone;
        let quiet_end = zone.from_local_datetime(&end_local).unwrap().with_timezone(&chrono::Utc);
        app.running.stop().await;
        (proposed_at, quiet_end)
    };
    let db = app::db::Db::connect(&url).await.unwrap();
    let held: i64 =
        sqlx::query_scalar("SELECT next_attempt_at FROM outbox WHERE to_email = 'jordan@brightline.example'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        held,
        quiet_end.timestamp_millis(),
        "held until {quiet_end} (the end of Jordan's quiet hours in Kolkata)"
    );
    assert!(quiet_end > proposed_at + chrono::Duration::minutes(60), "over an hour away");

    // Now: Lena's mail goes, Jordan's stays.
    let smtp = Smtp::start(&["--tls", "none"]).await;
    let (mut now, _) = chorus_at(&url, smtp.port, 0).await;
    smtp.wait_for("lena@studiokin.example", 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(charter_mails(&smtp, "jordan@brightline.example").is_empty(), "held during Jordan's quiet hours");
    now.kill().unwrap();
    now.wait().unwrap();
    // Five minutes before they end (the process's clock moved on): still held.
    let until_end = quiet_end.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    let (mut before, _) = chorus_at(&url, smtp.port, until_end - 5 * 60_000).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(charter_mails(&smtp, "jordan@brightline.example").is_empty(), "still quiet five minutes before the end");
    before.kill().unwrap();
    before.wait().unwrap();
    // A minute after they end: it goes, once.
    let until_end = quiet_end.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    let (mut after, _) = chorus_at(&url, smtp.port, until_end + 60_000).await;
    let start = std::time::Instant::now();
    while charter_mails(&smtp, "jordan@brightline.example").is_empty() {
        assert!(start.elapsed() < Duration::from_secs(30), "not sent after the quiet hours");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(charter_mails(&smtp, "jordan@brightline.example").len(), 1, "once");
    assert_eq!(charter_mails(&smtp, "lena@studiokin.example").len(), 1, "Lena's went once too");
    after.kill().unwrap();
    after.wait().unwrap();
    db.close().await;
}
