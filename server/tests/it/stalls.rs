//! Every page's answer completes, and is its own: many pages rendered at once while other servers start and stop
//! in the same process and a background job keeps failing on its database.
//!
//! Two faults this found, both shared by every page:
//! - Starting a server works out the pages' routes by rendering the app with data loading switched off, and
//!   leptos switches it off for the whole process: a page that began loading its data at that moment waited
//!   forever (a test now and then timed out after 60 s). `chorus_server::router` now works them out once per
//!   process; before, 11 to 16 of these 1,200 pages hung.
//! - A database error in a background job made some page rendering at that moment a 503: turning the error into
//!   an `AppError` looked up "the current request" through leptos' thread-local owner, which a worker thread may
//!   still hold from a page. Only the page or server function that shows the error sets its status now; before,
//!   a dozen of these pages answered 503.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;

on_both_databases!(pages_finish_while_other_servers_start);

async fn pages_finish_while_other_servers_start(kind: DbKind) {
    let (rounds, workers) = (100, 12);
    let app = spawn_app(kind).await;
    let mut a = app.client();
    a.sign_up("A", "a@a.example", "A").await;
    let id = a.create_campaign("Camp").await;
    let card = a.add_creator(id, "Ava", "ava").await;
    for i in 0..5 {
        a.add_creator(id, &format!("C{i}"), &format!("c{i}")).await;
    }
    let ava = creator_signup(&app, &a, id, card["id"].as_i64().unwrap(), "Ava Chen", "ava@creator.example").await;
    let member_pages: Vec<String> = [
        "/",
        "",
        "/charter",
        "/content",
        "/performance",
        "/fit",
        "/rights",
        "/payouts",
        "/webhooks",
        "/privacy",
        "/invite",
    ]
    .iter()
    .map(|p| if p.starts_with('/') && p.len() == 1 { "/".to_string() } else { format!("/campaigns/{id}{p}") })
    .chain(["/settings/tokens".to_string(), "/settings/organization".to_string()])
    .collect();
    let creator_pages: Vec<String> =
        vec!["/".into(), "/portal".into(), format!("/portal/campaigns/{id}"), format!("/campaigns/{id}")];
    let stalled = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    // Meanwhile other servers start and stop in this process, as they do when the tests run side by side.
    let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let starter = {
        let finished = finished.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while !finished.load(Ordering::Relaxed) {
                let other = spawn_app(DbKind::Sqlite).await;
                other.running.stop().await;
                n += 1;
            }
            n
        })
    };
    // And a background job of this process keeps failing on its database, as one does while another server
    // stops (its pool closed under it): the error is its own, never a page's answer.
    let failing_job = {
        let finished = finished.clone();
        tokio::spawn(async move {
            while !finished.load(Ordering::Relaxed) {
                let e = app::error::AppError::from(sqlx::Error::PoolClosed);
                assert_eq!(e.code.status(), 503);
                tokio::task::yield_now().await;
            }
        })
    };
    for w in 0..workers {
        let (client, pages) =
            if w % 3 == 2 { (ava.clone(), creator_pages.clone()) } else { (a.clone(), member_pages.clone()) };
        // A page renders in milliseconds here: 10 s is a page left hanging.
        let client = client.patient(Duration::from_secs(10));
        let stalled = stalled.clone();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            for r in 0..rounds {
                let path = &pages[(r + w) % pages.len()];
                let mut req = client.http.get(format!("{}{path}", client.base));
                if let Some(c) = &client.cookie {
                    req = req.header("cookie", c);
                }
                let outcome = match req.send().await {
                    Ok(resp) if resp.status().is_server_error() => Err(format!("answered {}", resp.status())),
                    Ok(resp) => resp.text().await.map(drop).map_err(|e| format!("its body: {e}")),
                    Err(e) => Err(e.to_string()),
                };
                if let Err(e) = outcome {
                    eprintln!("{path} did not finish: {e}");
                    stalled.fetch_add(1, Ordering::Relaxed);
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    finished.store(true, Ordering::Relaxed);
    let started = starter.await.unwrap();
    failing_job.await.unwrap();
    let (stalled, done) = (stalled.load(Ordering::Relaxed), done.load(Ordering::Relaxed));
    assert!(started > 0, "no other server started while the pages rendered");
    assert_eq!(done, rounds * workers);
    assert_eq!(stalled, 0, "{stalled} of {done} pages did not finish while {started} other servers started");
    app.running.stop().await;
}
