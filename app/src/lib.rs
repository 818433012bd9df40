//! Chorus: the shared, live command center for joint influencer and UGC campaigns.
//!
//! This crate holds everything both sides share: the wire types, the pages (rendered on the server and
//! hydrated in the browser), and, behind the `ssr` feature, the domain layer over the database.
#![recursion_limit = "512"]

pub mod accounts;
pub mod campaigns;
pub mod charter;
pub mod components;
pub mod content;
pub mod dates;
pub mod error;
pub mod json_text;
pub mod media;
pub mod metrics;
pub mod outreach;
pub mod pool;
pub mod realtime;
pub mod routes;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod idempotency;
#[cfg(feature = "ssr")]
pub mod state;

#[cfg(feature = "ssr")]
mod shell;
#[cfg(feature = "ssr")]
pub use shell::{shell, App, Bundle, Bundles};

use leptos::prelude::*;

/// Chorus is built in Leptos' *islands* mode: every page is rendered on the server, and only its interactive
/// parts (the islands) are compiled for the browser and hydrated there. Moving between pages is an ordinary page
/// load. Pages with nothing to do in the browser (signing in and up, invitations, the creator's campaign list, the
/// printable charter) send no WASM at all.
///
/// The islands come in four groups, each loaded lazily, a WASM file of its own (built with
/// `cargo leptos build --split`), so a page downloads the framework's core and its own group only:
/// - **home**: starting a campaign, on a partner's home page;
/// - **board**: the outreach board, the page partners open most and keep open all day;
/// - **partner**: the partners' other pages (charter, content approvals, performance, API tokens, the
///   organization's settings), which the board does not need;
/// - **portal**: the creator portal (a phone on a mobile network: it never downloads the partner pages).
///
/// Groups rather than one island per page: the splitter puts every function used by a distinct set of lazy
/// functions into a file of its own, so more split points cut the code the pages share into more, smaller files
/// that compress less well (see docs/PERFORMANCE.md).
/// The board, with the filters the address asked for.
#[cfg(any(feature = "ssr", feature = "island-board"))]
#[leptos::island]
pub fn BoardIsland(id: i64, filters: routes::board::Filters) -> impl IntoView {
    routes::board::BoardPage(routes::board::BoardPageProps { id, filters })
}

/// The campaign's charter (the joint strategy), edited by the partners together.
#[cfg(any(feature = "ssr", feature = "island-charter"))]
#[leptos::island]
pub fn CharterIsland(id: i64) -> impl IntoView {
    routes::charter::CharterPage(routes::charter::CharterPageProps { id })
}

/// Content approvals.
#[cfg(any(feature = "ssr", feature = "island-content"))]
#[leptos::island]
pub fn ContentIsland(id: i64) -> impl IntoView {
    routes::content::ContentPage(routes::content::ContentPageProps { id })
}

/// The performance dashboard.
#[cfg(any(feature = "ssr", feature = "island-performance"))]
#[leptos::island]
pub fn PerformanceIsland(id: i64) -> impl IntoView {
    routes::performance::PerformancePage(routes::performance::PerformancePageProps { id })
}

/// The organization's API tokens.
#[cfg(any(feature = "ssr", feature = "island-settings"))]
#[leptos::island]
pub fn TokensIsland() -> impl IntoView {
    routes::tokens::TokensPage()
}

/// The organization's members, and a link to bring a colleague in.
#[cfg(any(feature = "ssr", feature = "island-settings"))]
#[leptos::island]
pub fn OrganizationIsland() -> impl IntoView {
    routes::organization::OrganizationPage()
}

/// A campaign in the creator portal: what it expects of the creator, and where each deliverable stands.
#[cfg(any(feature = "ssr", feature = "island-portal"))]
#[leptos::island]
pub fn PortalIsland(id: i64) -> impl IntoView {
    routes::portal::PortalPage(routes::portal::PortalPageProps { id })
}

/// The campaign's charter as its creator reads and comments on it.
#[cfg(any(feature = "ssr", feature = "island-portal"))]
#[leptos::island]
pub fn PortalCharterIsland(id: i64) -> impl IntoView {
    routes::portal_charter::PortalCharterPage(routes::portal_charter::PortalCharterPageProps { id })
}

/// Starting a campaign, on a partner's home page.
#[cfg(any(feature = "ssr", feature = "island-home"))]
#[leptos::island]
pub fn NewCampaignIsland() -> impl IntoView {
    routes::home::NewCampaign()
}

