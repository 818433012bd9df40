//! Beyond one machine: uploads in S3-compatible object storage taken chunk by chunk by different server processes
//! (real `chorus` processes on one PostgreSQL, one of them killed mid-upload), downloads for partners only, sign-in
//! and sign-up allowances shared by every process, and background jobs done once (review clocks, the daily cut-off,
//! interrupted CSV imports, the sweep of abandoned uploads; the outbox in `mail::`), a process killed mid-job
//! leaving its job to another once its claim runs out.
//!
//! The object store is a real S3 server (HTTP, multipart uploads, ranges) started by the tests: moto's S3 server
//! (PyPI `moto[server]`), which scripts/install-tools.sh installs in a virtualenv of the tools folder.
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::*;
use serde_json::{json, Value};

const KEY_ID: &str = "chorustest";
const SECRET: &str = "chorustestsecret";

fn tools_dir() -> PathBuf {
    std::env::var_os("CHORUS_TOOLS_DIR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".cache/chorus-tools")
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A real S3-compatible server on a free port, stopped when dropped.
pub struct S3Server {
    child: Child,
    pub endpoint: String,
    dir: PathBuf,
}

impl S3Server {
    pub async fn start() -> S3Server {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("chorus-s3-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let moto = tools_dir().join("moto-venv/bin/moto_server");
        assert!(
            moto.exists(),
            "no S3 server for the tests at {}: run scripts/install-tools.sh (it installs moto's S3 server)",
            moto.display()
        );
        let mut cmd = Command::new(moto);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("the S3 server starts");
        // Owned at once, so that it is stopped (and waited for) however this ends.
        let server = S3Server { child, endpoint: format!("http://127.0.0.1:{port}"), dir };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the S3 server did not listen on {}", server.endpoint);
    }

    /// Settings for a process storing into `bucket` of this server.
    pub fn configure(&self, c: &mut chorus_server::Config, bucket: &str) {
        c.storage = format!("s3://{bucket}/uploads");
        c.s3_endpoint = Some(self.endpoint.clone());
        c.s3_access_key_id = Some(KEY_ID.into());
        c.s3_secret_access_key = Some(SECRET.into());
    }

    fn env(&self, bucket: &str) -> Vec<(String, String)> {
        vec![
            ("CHORUS_STORAGE".into(), format!("s3://{bucket}/uploads")),
            ("AWS_ENDPOINT_URL".into(), self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID".into(), KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY".into(), SECRET.into()),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The binary the processes run: `CHORUS_BIN` (a release build, for the benchmarks below) or this test build's.
fn chorus_bin() -> String {
    std::env::var("CHORUS_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_chorus").to_string())
}

/// A real `chorus` process (the binary this package builds), killed when dropped.
struct Process {
    child: Child,
    base: String,
}

impl Process {
    async fn start(database_url: &str, env: &[(String, String)]) -> Process {
        let data = std::env::temp_dir().join(format!("chorus-proc-{}-{}", std::process::id(), rand::random::<u32>()));
        let mut child = Command::new(chorus_bin())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("CHORUS_ADDR", "127.0.0.1:0")
            .env("CHORUS_DATA_DIR", &data)
            .env("LEPTOS_SITE_ROOT", std::env::temp_dir().join("chorus-test-site"))
            .env("RUST_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the chorus binary starts");
        let stdout = child.stdout.take().unwrap();
        let base = tokio::task::spawn_blocking(move || {
            let mut lines = std::io::BufReader::new(stdout).lines();
            let base = lines
                .by_ref()
                .map_while(Result::ok)
                .find_map(|l| l.split("Chorus is running at ").nth(1).map(|s| s.trim().to_string()));
            // Keep reading so the process never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            base
        })
        .await
        .unwrap()
        .expect("the process says where it listens");
        Process { child, base }
    }

    /// SIGKILL: no graceful shutdown, whatever it was doing.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

fn path(id: i64, rest: &str) -> String {
    format!("/api/v1/campaigns/{id}{rest}")
}

/// A real PNG of noise, about `w * h * 3` bytes (noise does not compress): large enough for several S3 parts.
fn noisy_png(w: u32, h: u32) -> Vec<u8> {
    let mut seed = 0x9e37_79b9_u32;
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        image::Rgb([seed as u8, (seed >> 8) as u8, (seed >> 16) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn at(c: &Client, base: &str) -> Client {
    let mut c = c.clone();
    c.base = base.to_string();
    c
}

/// A WebSocket to a process, as `client`, subscribed to `campaign` with its backlog read.
async fn live_socket(base: &str, client: &Client, campaign: i64) -> Ws {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("{}/ws", base.replacen("http://", "ws://", 1)).into_client_request().unwrap();
    req.headers_mut().insert("cookie", client.cookie.clone().unwrap().parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    subscribe_now(&mut ws, campaign).await;
    ws
}

async fn download(c: &Client, url: &str, range: Option<&str>) -> reqwest::Response {
    let mut req = c.http.get(format!("{}{url}", c.base)).header("cookie", c.cookie.clone().unwrap_or_default());
    if let Some(r) = range {
        req = req.header("range", r);
    }
    req.send().await.unwrap()
}

async fn start_upload(ava: &Client, id: i64, did: i64, name: &str, size: usize) -> String {
    let up = ava
        .post(
            &path(id, &format!("/deliverables/{did}/uploads")),
            json!({ "file_name": name, "size": size, "client_key": format!("k-{name}") }),
        )
        .await
        .ok();
    up["id"].as_str().unwrap().to_string()
}

async fn deliverable(c: &Client, id: i64, creator_id: i64) -> i64 {
    c.post(&path(id, "/deliverables"), json!({ "creator_id": creator_id, "lane": "ugc", "title": "Clip", "expectations": "A 20-second clip", "due_date": "2027-03-10", "fee_cents": 50000 }))
        .await
        .ok()["id"]
        .as_i64()
        .unwrap()
}

async fn leftover_upload_rows(database_url: &str) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
    sqlx::query_scalar("SELECT (SELECT count(*) FROM object_uploads) + (SELECT count(*) FROM object_upload_chunks)")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

const CHUNK: usize = 1 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_chunks_alternate_between_two_processes_on_object_storage() {
    let s3 = S3Server::start().await;
    let url = fresh_database(DbKind::Postgres).await;
    // Three processes on one PostgreSQL and one bucket: this one (in the test) and two real `chorus` processes.
    let app = spawn_on(&url, |c| s3.configure(c, "chorus-alt")).await;
    let (b, c) = (Process::start(&url, &s3.env("chorus-alt")).await, Process::start(&url, &s3.env("chorus-alt")).await);
    let s = three_partners(&app).await;
    let (ava, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let (ben, _) = creator_account(&app, &s.jordan, s.id, "Ben Ortiz", "ben@creator.example").await;
    let did = deliverable(&s.jordan, s.id, ava_id).await;

    // A card moved through each process is seen live on the other.
    let mut maya_on_b = live_socket(&b.base, &s.maya, s.id).await;
    let mut jordan_on_c = live_socket(&c.base, &s.jordan, s.id).await;
    let card = s.maya.add_creator(s.id, "Cal Moss", "cal_moss").await["id"].as_i64().unwrap();
    for ws in [&mut maya_on_b, &mut jordan_on_c] {
        assert_eq!(ws_events(ws, 1, Duration::from_secs(5)).await.len(), 1, "the new card");
    }
    at(&s.maya, &b.base).move_card(s.id, card, "contacted", 1).await.ok();
    let seen = ws_events(&mut jordan_on_c, 1, Duration::from_secs(5)).await;
    assert_eq!(
        (seen[0]["kind"].as_str(), seen[0]["data"]["to"].as_str()),
        (Some("card_moved"), Some("contacted")),
        "{seen:?}"
    );
    at(&s.jordan, &c.base).move_card(s.id, card, "negotiating", 2).await.ok();
    assert_eq!(ws_events(&mut maya_on_b, 2, Duration::from_secs(5)).await.len(), 2, "both moves reach B's socket");

    let image = noisy_png(1900, 1500); // ~8.6 MB: two S3 parts (5 MiB and the rest)
    assert!(image.len() > 8 * CHUNK, "{}", image.len());
    let id = start_upload(&ava, s.id, did, "ridge.png", image.len()).await;
    let mut offset = 0;
    let mut turn = 0;
    while offset < image.len() {
        let through = at(&ava, if turn % 2 == 0 { &b.base } else { &c.base });
        turn += 1;
        let end = (offset + CHUNK).min(image.len());
        let state = through.put_bytes(&id, offset, &image[offset..end]).await.ok();
        assert_eq!(state["received"].as_u64().unwrap() as usize, end);
        // A retried chunk, through the other process, is answered and never stored twice.
        let other = at(&ava, if turn % 2 == 0 { &b.base } else { &c.base });
        let again = other.put_bytes(&id, offset, &image[offset..end]).await.ok();
        assert_eq!(again["received"].as_u64().unwrap() as usize, end);
        offset = end;
        if end == image.len() {
            assert_eq!(state["status"], "complete", "{state}");
            assert_eq!(state["kind"], "png");
        }
    }
    assert_eq!(leftover_upload_rows(&url).await, 0, "a finished upload leaves no state behind");

    // A partner downloads it through another process: the same bytes, the same headers as from the local folder.
    let lena = at(&s.lena, &c.base);
    let got = download(&lena, &format!("/files/{id}"), None).await;
    assert_eq!(got.status(), 200);
    let h = got.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "default-src 'none'; img-src 'self'; media-src 'self'; sandbox");
    assert_eq!(h["cache-control"], "private, max-age=3600");
    assert!(h["content-disposition"].to_str().unwrap().starts_with("inline; filename=\"ridge.png\""));
    assert_eq!(h["content-length"].to_str().unwrap(), image.len().to_string());
    assert!(got.bytes().await.unwrap() == image, "the stored file is the uploaded one");
    // Ranges (video scrubbing) pass through.
    let part = download(&lena, &format!("/files/{id}"), Some("bytes=100-199")).await;
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-type"], "image/png");
    assert_eq!(part.bytes().await.unwrap(), &image[100..200]);
    // The preview was made from the object store, and is served too.
    let thumb = download(&at(&s.maya, &b.base), &format!("/files/{id}/thumb"), None).await;
    assert_eq!(thumb.status(), 200);
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    assert_eq!(&thumb.bytes().await.unwrap()[..3], &[0xff, 0xd8, 0xff]);
    // The creator who sent it sees it; another creator, a stranger and nobody signed in do not.
    assert_eq!(download(&at(&ava, &b.base), &format!("/files/{id}"), None).await.status(), 200);
    for who in [at(&ben, &b.base), at(&s.olga, &c.base), Client::new(&b.base)] {
        assert_eq!(download(&who, &format!("/files/{id}"), None).await.status(), 404);
        assert_eq!(download(&who, &format!("/files/{id}/thumb"), None).await.status(), 404);
    }
    // A file refused on its content is removed from the store, wherever its first chunk went.
    let pdf = b"%PDF-1.7\n".repeat(1000);
    let bad = start_upload(&ava, s.id, did, "holiday.jpg", pdf.len()).await;
    let refused = at(&ava, &c.base).put_bytes(&bad, 0, &pdf).await;
    assert_eq!((refused.status, refused.body["field"].as_str()), (422, Some("file")));
    assert_eq!(leftover_upload_rows(&url).await, 0);
    app.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_mid_upload_leaves_it_to_the_other() {
    let s3 = S3Server::start().await;
    let url = fresh_database(DbKind::Postgres).await;
    let app = spawn_on(&url, |c| s3.configure(c, "chorus-kill")).await;
    let mut b = Process::start(&url, &s3.env("chorus-kill")).await;
    let c = Process::start(&url, &s3.env("chorus-kill")).await;
    let s = three_partners(&app).await;
    let (ava, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let did = deliverable(&s.jordan, s.id, ava_id).await;
    let image = noisy_png(2000, 1800); // ~10.8 MB
    let id = start_upload(&ava, s.id, did, "trail.png", image.len()).await;

    // The first four chunks through B; the fifth (which makes B send the first 5 MiB part) is cut off by killing B.
    let through_b = at(&ava, &b.base);
    for i in 0..4 {
        through_b.put_bytes(&id, i * CHUNK, &image[i * CHUNK..(i + 1) * CHUNK]).await.ok();
    }
    let in_flight = {
        let (c, id, bytes) = (through_b.clone(), id.clone(), image[4 * CHUNK..5 * CHUNK].to_vec());
        tokio::spawn(async move {
            c.http
                .put(format!("{}/api/v1/uploads/{id}?offset={}", c.base, 4 * CHUNK))
                .header("cookie", c.cookie.unwrap())
                .body(bytes)
                .send()
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(15)).await;
    b.kill();
    let _ = in_flight.await;

    // The creator's app asks the other process where the upload stands and goes on from there.
    let through_c = at(&ava, &c.base);
    let state = through_c.get(&format!("/api/v1/uploads/{id}")).await.ok();
    let mut offset = state["received"].as_u64().unwrap() as usize;
    assert!(offset == 4 * CHUNK || offset == 5 * CHUNK, "{state}");
    assert_eq!(state["status"], "receiving");
    while offset < image.len() {
        let end = (offset + CHUNK).min(image.len());
        let state = through_c.put_bytes(&id, offset, &image[offset..end]).await.ok();
        offset = state["received"].as_u64().unwrap() as usize;
        if offset == image.len() {
            assert_eq!(state["status"], "complete", "{state}");
        }
    }
    let got = download(&at(&s.jordan, &c.base), &format!("/files/{id}"), None).await;
    assert_eq!(got.status(), 200);
    assert!(got.bytes().await.unwrap() == image, "the resumed file is whole and in order");
    assert_eq!(leftover_upload_rows(&url).await, 0);
    app.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_files_and_previews_work_on_object_storage_with_one_process() {
    // Under one S3 part (a plain object), through the in-process server only.
    let s3 = S3Server::start().await;
    let url = fresh_database(DbKind::Postgres).await;
    let app = spawn_on(&url, |c| s3.configure(c, "chorus-small")).await;
    let s = three_partners(&app).await;
    let (ava, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let did = deliverable(&s.jordan, s.id, ava_id).await;
    let image = noisy_png(300, 200);
    let id = start_upload(&ava, s.id, did, "small.png", image.len()).await;
    let done = ava.put_bytes(&id, 0, &image).await.ok();
    assert_eq!(done["status"], "complete");
    let got = download(&s.maya, &format!("/files/{id}?download=1"), None).await;
    assert_eq!(got.status(), 200);
    assert!(got.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert!(got.bytes().await.unwrap() == image);
    assert_eq!(download(&s.maya, &format!("/files/{id}/thumb"), None).await.status(), 200);
    app.running.stop().await;
}

#[tokio::test]
async fn a_bad_storage_setting_stops_the_start_with_a_sentence() {
    let url = fresh_database(DbKind::Sqlite).await;
    for (storage, keys, says) in [
        ("s3://Bad_Bucket", true, "not a bucket name"),
        ("ftp://x", true, "s3://bucket/prefix"),
        ("s3://chorus-files", false, "AWS_ACCESS_KEY_ID"),
    ] {
        let mut config = chorus_server::Config::for_tests(&url);
        config.storage = storage.into();
        if keys {
            config.s3_access_key_id = Some("k".into());
            config.s3_secret_access_key = Some("s".into());
        } else {
            config.s3_access_key_id = None;
            config.s3_secret_access_key = None;
        }
        let err = chorus_server::start(config).await.err().expect("refused");
        assert!(format!("{err:#}").contains(says), "{storage}: {err:#}");
    }
    // An object store that does not answer: a sentence too, not a hang.
    let mut config = chorus_server::Config::for_tests(&url);
    config.storage = "s3://chorus-files".into();
    config.s3_endpoint = Some(format!("http://127.0.0.1:{}", free_port()));
    config.s3_access_key_id = Some("k".into());
    config.s3_secret_access_key = Some("s".into());
    let err = chorus_server::start(config).await.err().expect("refused");
    assert!(format!("{err:#}").contains("object store"), "{err:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_sign_up_allowances_are_shared_by_every_process() {
    let url = fresh_database(DbKind::Postgres).await;
    let tweak = |c: &mut chorus_server::Config| {
        c.login_attempts = 4;
        c.sign_ups_per_hour = 3;
    };
    let (a, b) = (spawn_on(&url, tweak).await, spawn_on(&url, tweak).await);
    let (_maya, _) = signed_up(&a, "Maya Lind", "maya@northwind.example", "Northwind").await;
    let (_jordan, _) = signed_up(&b, "Jordan Reyes", "jordan@brightline.example", "Brightline").await;
    // The third sign-up from this address, through either process, is the last.
    let _ = signed_up(&a, "Lena Vogt", "lena@studiokin.example", "Studio Kin").await;
    let fourth = b
        .client()
        .post("/api/v1/auth/signup", json!({ "name": "Olga", "email": "olga@x.example", "password": "correct horse", "org_name": "Outsider", "org_kind": "agency" }))
        .await;
    assert_eq!((fourth.status, fourth.code()), (429, "rate_limited"), "{}", fourth.body);

    // Four wrong passwords for Maya, alternating processes; the fifth attempt is refused by both.
    let wrong = json!({ "email": "maya@northwind.example", "password": "nope nope" });
    for i in 0..4 {
        let via = if i % 2 == 0 { &a } else { &b };
        assert_eq!(via.client().post("/api/v1/auth/signin", wrong.clone()).await.status, 401);
    }
    for via in [&a, &b] {
        let refused = via.client().post("/api/v1/auth/signin", wrong.clone()).await;
        assert_eq!((refused.status, refused.code()), (429, "rate_limited"));
        assert!(refused.body["message"].as_str().unwrap().contains("try again in 10 minute"), "{}", refused.body);
    }
    // Jordan (another email from the same address) still signs in, and that clears his count in both processes.
    let right = json!({ "email": "jordan@brightline.example", "password": "correct horse" });
    assert_eq!(a.client().post("/api/v1/auth/signin", right.clone()).await.status, 200);
    assert_eq!(b.client().post("/api/v1/auth/signin", right).await.status, 200);
    a.running.stop().await;
    b.running.stop().await;
}

// (Mail sent once by several processes, and resumed after one dies, is tested against a real SMTP server in
// `mail::`.)

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_clocks_escalate_once_with_two_processes() {
    let url = fresh_database(DbKind::Postgres).await;
    let (a, b) = (spawn_on(&url, |c| c.clock_seconds = 3600).await, spawn_on(&url, |c| c.clock_seconds = 3600).await);
    let s = three_partners(&a).await;
    let (ava, ava_id) = creator_account(&a, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let did = deliverable(&s.jordan, s.id, ava_id).await;
    ava.post(
        &path(s.id, &format!("/deliverables/{did}/submissions")),
        json!({ "link": "https://instagram.example/p/draft", "caption": "#ad Out now" }),
    )
    .await
    .ok();
    let pending: Value = s.jordan.get(&path(s.id, &format!("/deliverables/{did}"))).await.ok();
    let due: chrono::DateTime<chrono::Utc> = pending["rounds"][0]["review_due_at"].as_str().unwrap().parse().unwrap();
    let later = due + chrono::Duration::minutes(5);
    // Both processes' clocks tick at the same moment, several times: one escalation, one mail.
    for _ in 0..3 {
        let (x, y) = tokio::join!(
            app::content::ssr::scan_review_breaches(&a.running.state.db, later),
            app::content::ssr::scan_review_breaches(&b.running.state.db, later)
        );
        let _ = (x.unwrap(), y.unwrap());
    }
    let list = s.maya.get(&path(s.id, "/escalations")).await.ok();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let outbox = s.maya.get(&path(s.id, "/outbox")).await.ok();
    assert_eq!(outbox.as_array().unwrap().len(), 1);
    a.running.stop().await;
    b.running.stop().await;
}

/// A connection of the test's own to the processes' PostgreSQL, to see (and set) what they share.
async fn shared(database_url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(database_url).await.unwrap()
}

async fn threshold_escalations(c: &Client, id: i64) -> usize {
    let list = c.get(&path(id, "/escalations")).await.ok();
    list.as_array().unwrap().iter().filter(|e| e["kind"] == "threshold").count()
}

/// The last local day whose thresholds were evaluated at the cut-off.
async fn closed_day(conn: &mut sqlx::PgConnection, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT thresholds_closed_day FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_cut_off_closes_each_campaigns_day_once_with_two_processes() {
    let url = fresh_database(DbKind::Postgres).await;
    // Their own clocks stay quiet: the test makes both processes look at the same moment.
    let (a, b) = (spawn_on(&url, |c| c.clock_seconds = 3600).await, spawn_on(&url, |c| c.clock_seconds = 3600).await);
    let s = three_partners(&a).await;
    let mut conn = shared(&url).await;
    let zone: String = sqlx::query_scalar("SELECT time_zone FROM campaigns WHERE id = $1")
        .bind(s.id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let yesterday = app::content::sla::tz::local_date(now, app::content::sla::tz::of(&zone)).pred_opt().unwrap();
    // Yesterday's figures breach a threshold set afterwards: only the cut-off can raise it.
    let ava = s.jordan.add_creator(s.id, "Ava Chen", "ava").await;
    let post = s
        .jordan
        .post(
            &path(s.id, "/posts"),
            json!({ "creator_id": ava["id"], "platform": "tiktok", "url": "https://t.example/a", "lane": "influencer" }),
        )
        .await
        .ok()["id"]
        .as_i64()
        .unwrap();
    let rows = json!({ "rows": [{ "post_id": post, "day": yesterday.to_string(), "impressions": 50000, "reach": 20000, "likes": 900, "comments": 100, "fee_cents": 30000 }] });
    s.jordan.post(&path(s.id, "/metrics"), rows).await.ok();
    crate::common::put_section(
        &s.maya,
        s.id,
        "thresholds",
        json!({ "thresholds": [
        { "metric": "cpe", "comparison": ">", "value": 0.15, "scope": "lane", "scope_value": "influencer" } ] }),
    )
    .await;
    assert_eq!(threshold_escalations(&s.maya, s.id).await, 0);

    // A process that claimed the campaign's cut-off and was killed: nobody closes the day while its claim holds…
    let lease_until = app::db::now_ms() + 1500;
    sqlx::query("INSERT INTO job_leases (name, owner, lease_until) VALUES ($1, 'a-killed-process', $2)")
        .bind(format!("daily-cutoff:{}", s.id))
        .bind(lease_until)
        .execute(&mut conn)
        .await
        .unwrap();
    let (x, y) = tokio::join!(
        app::metrics::ssr::close_days(&a.running.state.db, now),
        app::metrics::ssr::close_days(&b.running.state.db, now)
    );
    assert_eq!((x.unwrap(), y.unwrap()), (0, 0));
    assert_eq!(closed_day(&mut conn, s.id).await, None);
    // …and once it has run out, the day is closed by one of the two, however often both look at once.
    tokio::time::sleep(Duration::from_millis((lease_until - app::db::now_ms()).max(0) as u64 + 100)).await;
    let mut raised = 0;
    for _ in 0..3 {
        let (x, y) = tokio::join!(
            app::metrics::ssr::close_days(&a.running.state.db, now),
            app::metrics::ssr::close_days(&b.running.state.db, now)
        );
        raised += x.unwrap() + y.unwrap();
    }
    assert_eq!(raised, 1);
    assert_eq!(threshold_escalations(&s.maya, s.id).await, 1);
    assert_eq!(closed_day(&mut conn, s.id).await, Some(yesterday.to_string()));
    let leases: i64 = sqlx::query_scalar("SELECT count(*) FROM job_leases").fetch_one(&mut conn).await.unwrap();
    assert_eq!(leases, 0, "every claim is given back once its job is done");
    a.running.stop().await;
    b.running.stop().await;
}

/// An import's status, rows written so far, and daily rows in its campaign.
async fn import_state(conn: &mut sqlx::PgConnection, import: i64) -> (String, i64, i64) {
    sqlx::query_as(
        "SELECT status, imported, (SELECT count(*) FROM daily_metrics d WHERE d.campaign_id = m.campaign_id) \
         FROM metric_imports m WHERE id = $1",
    )
    .bind(import)
    .fetch_one(conn)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_metric_import_is_finished_once_and_a_killed_process_leaves_it_to_another() {
    use crate::metrics_import::{big_file, posts};
    let url = fresh_database(DbKind::Postgres).await;
    let (a, b) = (spawn_on(&url, |c| c.clock_seconds = 3600).await, spawn_on(&url, |c| c.clock_seconds = 3600).await);
    let s = three_partners(&a).await;
    let mut conn = shared(&url).await;
    let ps = posts(&s.jordan, s.id, 30).await;

    // An import whose process claimed it and died before writing anything: both processes look for interrupted
    // imports at once, one of them finishes it, every row written once.
    let small = big_file(&ps[..10], 12_000);
    let preview = s.jordan.post_text(&path(s.id, "/metric-imports?filename=first.csv"), &small).await.ok();
    let first = preview["id"].as_i64().unwrap();
    sqlx::query("UPDATE metric_imports SET status = 'applying', mode = 'all' WHERE id = $1")
        .bind(first)
        .execute(&mut conn)
        .await
        .unwrap();
    let (x, y) = tokio::join!(
        app::metrics::import_ssr::resume_imports(&a.running.state.db),
        app::metrics::import_ssr::resume_imports(&b.running.state.db)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 1, "one process resumes it");
    assert_eq!(import_state(&mut conn, first).await, ("applied".into(), 12_000, 12_000));
    let (x, y) = tokio::join!(
        app::metrics::import_ssr::resume_imports(&a.running.state.db),
        app::metrics::import_ssr::resume_imports(&b.running.state.db)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 0, "nothing left to resume");

    // A real process applying a large file is killed (SIGKILL) once its first chunk is written; a process looking
    // for interrupted jobs every second takes the import over when the dead one's claim (2 s) has run out.
    let mut killed = Process::start(&url, &[("CHORUS_JOB_LEASE_SECONDS".into(), "2".into())]).await;
    let file = big_file(&ps[10..], 40_000);
    let preview = s.jordan.post_text(&path(s.id, "/metric-imports?filename=second.csv"), &file).await.ok();
    let second = preview["id"].as_i64().unwrap();
    let apply = {
        let jordan = at(&s.jordan, &killed.base).patient(Duration::from_secs(600));
        let url = path(s.id, &format!("/metric-imports/{second}/apply"));
        tokio::spawn(async move { jordan.post(&url, json!({ "mode": "all" })).await })
    };
    let waited = std::time::Instant::now();
    while import_state(&mut conn, second).await.1 == 0 {
        assert!(waited.elapsed() < Duration::from_secs(120), "the first chunk was never written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    killed.kill();
    let _ = apply.await;
    let (status, imported, _) = import_state(&mut conn, second).await;
    assert_eq!(status, "applying");
    assert!(imported < 40_000, "killed mid-way ({imported} rows written)");
    let holder: String = sqlx::query_scalar("SELECT owner FROM job_leases WHERE name = $1")
        .bind(format!("metrics-import:{second}"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_ne!(&*holder, &*a.running.state.db.job_owner, "the killed process held it");
    let other = spawn_on(&url, |c| c.clock_seconds = 1).await;
    let waited = std::time::Instant::now();
    while import_state(&mut conn, second).await.0 != "applied" {
        assert!(waited.elapsed() < Duration::from_secs(180), "the import was never taken over");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(import_state(&mut conn, second).await, ("applied".into(), 40_000, 52_000), "every row once");
    // Jordan, applying again, is answered with the result.
    let again = s.jordan.post(&path(s.id, &format!("/metric-imports/{second}/apply")), json!({ "mode": "all" })).await;
    assert_eq!((again.body["imported"].as_i64(), again.body["inserted"].as_i64()), (Some(40_000), Some(40_000)));

    // One its uploader can no longer finish (his agency has left the campaign) is dropped once, not tried forever.
    let third = s.jordan.post_text(&path(s.id, "/metric-imports?filename=third.csv"), &small).await.ok();
    let third = third["id"].as_i64().unwrap();
    sqlx::query("UPDATE metric_imports SET status = 'applying', mode = 'all' WHERE id = $1")
        .bind(third)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "DELETE FROM campaign_partners WHERE campaign_id = $1 \
         AND org_id = (SELECT u.org_id FROM users u JOIN metric_imports m ON m.user_id = u.id WHERE m.id = $2)",
    )
    .bind(s.id)
    .bind(third)
    .execute(&mut conn)
    .await
    .unwrap();
    other.running.stop().await;
    assert_eq!(app::metrics::import_ssr::resume_imports(&a.running.state.db).await.unwrap(), 0);
    assert_eq!(import_state(&mut conn, third).await.0, "discarded");
    assert_eq!(app::metrics::import_ssr::resume_imports(&b.running.state.db).await.unwrap(), 0);
    a.running.stop().await;
    b.running.stop().await;
}

/// How many multipart uploads the store holds in `bucket` (moto answers unsigned requests).
async fn multipart_uploads(s3: &S3Server, bucket: &str) -> usize {
    let xml = reqwest::get(format!("{}/{bucket}?uploads", s3.endpoint)).await.unwrap().text().await.unwrap();
    assert!(xml.contains("ListMultipartUploadsResult"), "{xml}");
    xml.matches("<UploadId>").count()
}

/// When an upload last received a chunk.
async fn last_chunk_at(db: &app::db::Db, upload: &str) -> i64 {
    sqlx::query_scalar("SELECT updated_at FROM uploads WHERE id = $1").bind(upload).fetch_one(&db.pool).await.unwrap()
}

const A_DAY: Duration = Duration::from_secs(24 * 3600);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_uploads_are_aborted_in_the_object_store_once() {
    let s3 = S3Server::start().await;
    let url = fresh_database(DbKind::Postgres).await;
    let setup = |c: &mut chorus_server::Config| {
        s3.configure(c, "chorus-idle");
        c.clock_seconds = 3600;
    };
    let (a, b) = (spawn_on(&url, setup).await, spawn_on(&url, setup).await);
    let s = three_partners(&a).await;
    let (ava, ava_id) = creator_account(&a, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let did = deliverable(&s.jordan, s.id, ava_id).await;
    let image = noisy_png(1900, 1500);
    // Six chunks, then nothing: one 5 MiB part in the store, one chunk waiting in the database.
    let left = start_upload(&ava, s.id, did, "left.png", image.len()).await;
    for i in 0..6 {
        at(&ava, if i % 2 == 0 { &a.base } else { &b.base })
            .put_bytes(&left, i * CHUNK, &image[i * CHUNK..(i + 1) * CHUNK])
            .await
            .ok();
    }
    assert_eq!(multipart_uploads(&s3, "chorus-idle").await, 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let kept = start_upload(&ava, s.id, did, "kept.png", image.len()).await;
    ava.put_bytes(&kept, 0, &image[..CHUNK]).await.ok();
    // A day after the second upload's last chunk, both processes sweep at once: the first upload goes, once.
    let now = last_chunk_at(&a.running.state.db, &kept).await + A_DAY.as_millis() as i64;
    let (x, y) = tokio::join!(
        app::content::uploads::remove_abandoned(&a.running.state.db, a.running.state.files.as_ref(), now, A_DAY),
        app::content::uploads::remove_abandoned(&b.running.state.db, b.running.state.files.as_ref(), now, A_DAY)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 1);
    assert_eq!(multipart_uploads(&s3, "chorus-idle").await, 0, "the parts are freed");
    assert_eq!(leftover_upload_rows(&url).await, 2, "only the second upload's row and waiting chunk are left");
    assert_eq!(ava.get(&format!("/api/v1/uploads/{left}")).await.status, 404);
    assert_eq!(ava.get(&format!("/api/v1/uploads/{kept}")).await.ok()["received"].as_u64(), Some(CHUNK as u64));
    // The creator's app starts the file afresh (the same client key) and sends it whole.
    let again = start_upload(&ava, s.id, did, "left.png", image.len()).await;
    assert_ne!(again, left);
    let mut offset = 0;
    while offset < image.len() {
        let end = (offset + CHUNK).min(image.len());
        let state = ava.put_bytes(&again, offset, &image[offset..end]).await.ok();
        offset = state["received"].as_u64().unwrap() as usize;
    }
    let got = download(&s.maya, &format!("/files/{again}"), None).await;
    assert!(got.bytes().await.unwrap() == image);
    a.running.stop().await;
    b.running.stop().await;
}

on_both_databases!(abandoned_uploads_are_removed_from_local_disk);

async fn abandoned_uploads_are_removed_from_local_disk(kind: DbKind) {
    let app = spawn_app(kind).await;
    let s = three_partners(&app).await;
    let (ava, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
    let did = deliverable(&s.jordan, s.id, ava_id).await;
    let image = noisy_png(600, 600);
    let left = start_upload(&ava, s.id, did, "left.png", image.len()).await;
    ava.put_bytes(&left, 0, &image[..64 * 1024]).await.ok();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let kept = start_upload(&ava, s.id, did, "kept.png", image.len()).await;
    ava.put_bytes(&kept, 0, &image[..64 * 1024]).await.ok();
    let (db, files) = (&app.running.state.db, app.running.state.files.as_ref());
    let root = files.local_root().unwrap().to_path_buf();
    let folder = |id: &str| root.join(format!("c{}/{id}", s.id));
    assert!(folder(&left).join("original").exists());
    // A day after the second upload's last chunk: the first is a day and 20 ms idle, the second exactly a day.
    let now = last_chunk_at(db, &kept).await + A_DAY.as_millis() as i64;
    assert_eq!(app::content::uploads::remove_abandoned(db, files, now, A_DAY).await.unwrap(), 1);
    assert_eq!(app::content::uploads::remove_abandoned(db, files, now, A_DAY).await.unwrap(), 0);
    assert!(!folder(&left).exists(), "the chunks and their folder are gone");
    assert!(folder(&kept).join("original").exists());
    assert_eq!(ava.get(&format!("/api/v1/uploads/{left}")).await.status, 404);
    // The second goes a day later still; an upload that was finished never does.
    let done = start_upload(&ava, s.id, did, "done.png", image.len()).await;
    assert_eq!(ava.put_bytes(&done, 0, &image).await.ok()["status"], "complete");
    let later = app::db::now_ms() + 2 * A_DAY.as_millis() as i64;
    assert_eq!(app::content::uploads::remove_abandoned(db, files, later, A_DAY).await.unwrap(), 1);
    assert!(!folder(&kept).exists());
    assert_eq!(download(&s.maya, &format!("/files/{done}"), None).await.status(), 200);
    app.running.stop().await;
}

// Benchmarks for docs/PERFORMANCE.md, run by hand (ignored in CI), against a release build:
//   CHORUS_BIN=$CARGO_TARGET_DIR/release/chorus cargo test -p server --features app/ssr --test it -- \
//     --ignored --nocapture --test-threads=1 scale::bench_

/// A valid MP4 of `len` bytes: ftyp, a small moov, then one mdat of noise-like bytes.
fn big_mp4(len: usize) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 24];
    b.extend_from_slice(b"ftypisom\0\0\x02\0isomisom");
    b.extend_from_slice(&128u32.to_be_bytes());
    b.extend_from_slice(b"moov");
    b.extend(std::iter::repeat_n(0u8, 120));
    let mdat = len - b.len();
    b.extend_from_slice(&(mdat as u32).to_be_bytes());
    b.extend_from_slice(b"mdat");
    let mut x = 0x2545_f491_u32;
    b.extend((0..mdat - 8).map(|_| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x as u8
    }));
    assert_eq!(b.len(), len);
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run by hand for docs/PERFORMANCE.md"]
async fn bench_upload_throughput_200mb_local_vs_object_store() {
    let file = big_mp4(200 * 1024 * 1024);
    let s3 = S3Server::start().await;
    for target in ["local disk", "object store"] {
        let url = fresh_database(DbKind::Postgres).await;
        let env = if target == "local disk" { Vec::new() } else { s3.env("chorus-bench") };
        let app = spawn_on(&url, |c| {
            if target != "local disk" {
                s3.configure(c, "chorus-bench")
            }
        })
        .await;
        let p = Process::start(&url, &env).await;
        let s = three_partners(&app).await;
        let (ava, ava_id) = creator_account(&app, &s.jordan, s.id, "Ava Chen", "ava@creator.example").await;
        let did = deliverable(&s.jordan, s.id, ava_id).await;
        let id = start_upload(&ava, s.id, did, "big.mp4", file.len()).await;
        let ava = at(&ava, &p.base).patient(Duration::from_secs(600));
        let started = std::time::Instant::now();
        let mut slowest = Duration::ZERO;
        let mut offset = 0;
        while offset < file.len() {
            let end = (offset + CHUNK).min(file.len());
            let t = std::time::Instant::now();
            let state = ava.put_bytes(&id, offset, &file[offset..end]).await.ok();
            if end < file.len() {
                slowest = slowest.max(t.elapsed());
            } else {
                assert_eq!(state["status"], "complete");
                println!(
                    "BENCH upload {target}: last chunk (with the whole-file check) {:.2} s",
                    t.elapsed().as_secs_f64()
                );
            }
            offset = end;
        }
        let took = started.elapsed().as_secs_f64();
        println!(
            "BENCH upload {target}: 200 MB in 1 MB chunks in {took:.1} s = {:.1} MB/s (slowest chunk {} ms)",
            200.0 / took,
            slowest.as_millis()
        );
        let t = std::time::Instant::now();
        let got =
            download(&at(&s.jordan, &p.base).patient(Duration::from_secs(600)), &format!("/files/{id}"), None).await;
        let bytes = got.bytes().await.unwrap();
        assert_eq!(bytes.len(), file.len());
        println!("BENCH download {target}: 200 MB in {:.1} s", t.elapsed().as_secs_f64());
        app.running.stop().await;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run by hand for docs/PERFORMANCE.md"]
async fn bench_cross_process_live_latency() {
    let url = fresh_database(DbKind::Postgres).await;
    let app = spawn_on(&url, |_| {}).await;
    let (b, c) = (Process::start(&url, &[]).await, Process::start(&url, &[]).await);
    let s = three_partners(&app).await;
    let card = s.maya.add_creator(s.id, "Cal Moss", "cal_moss").await["id"].as_i64().unwrap();
    let mut same = live_socket(&b.base, &s.jordan, s.id).await;
    let mut other = live_socket(&c.base, &s.jordan, s.id).await;
    let maya = at(&s.maya, &b.base);
    let (mut on_same, mut on_other) = (Vec::new(), Vec::new());
    for i in 0..203 {
        let stage = if i % 2 == 0 { "contacted" } else { "negotiating" };
        let t = std::time::Instant::now();
        let moved = async { maya.move_card(s.id, card, stage, i + 1).await.ok() };
        let seen_same = async {
            assert_eq!(ws_events(&mut same, 1, Duration::from_secs(5)).await.len(), 1);
            t.elapsed()
        };
        let seen_other = async {
            assert_eq!(ws_events(&mut other, 1, Duration::from_secs(5)).await.len(), 1);
            t.elapsed()
        };
        let (_, a, o) = tokio::join!(moved, seen_same, seen_other);
        if i >= 3 {
            on_same.push(a.as_secs_f64() * 1000.0);
            on_other.push(o.as_secs_f64() * 1000.0);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (name, mut v) in [("same process", on_same), ("other process", on_other)] {
        v.sort_by(f64::total_cmp);
        println!(
            "BENCH live {name}: move sent -> event on the socket, {} moves: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            v.len(),
            percentile(&v, 50.0),
            percentile(&v, 99.0),
            v[v.len() - 1]
        );
    }
    app.running.stop().await;
}
