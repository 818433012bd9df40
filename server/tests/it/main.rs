//! The server's integration tests: one test binary (`it`), one module per area, real servers on SQLite and
//! PostgreSQL (`common` starts them; every test runs on both databases through `on_both_databases!`).
//!
//! One binary instead of one per file: the server and its dependencies are linked once (a test binary is
//! ~290 MB), and the fixtures in `common` (a fresh server, a signed-in client, two or three partners on a
//! campaign, a creator with a portal account, WebSocket helpers) exist once.
//!
//! To add a test file: put it here as `server/tests/it/NAME.rs`, add `mod NAME;` below (alphabetical), and start
//! it with `use crate::common::*;` (not `mod common;`). A file directly in `server/tests/` would be a binary of
//! its own and does not see `common`. Run one module while working on it:
//!   cargo test -p server --features app/ssr --test it -- NAME::
#[macro_use]
mod common;

mod api;
mod charter;
mod content;
mod disclosure;
mod fit;
mod hygiene;
mod inbox;
mod limits;
mod live;
mod mail;
mod metrics;
mod metrics_import;
mod metrics_live;
mod money;
mod openapi;
mod outages;
mod password_reset;
mod pool;
mod privacy;
mod races;
mod request_spans;
mod rights;
mod scale;
mod stalls;
mod webhooks;
