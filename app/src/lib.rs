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
pub mod creators;
pub mod dates;
pub mod error;
pub mod escalations;
pub mod fit;
pub mod json_text;
pub mod limits;
pub mod media;
pub mod metrics;
pub mod money;
pub mod notify;
pub mod num;
pub mod outbox;
pub mod privacy;
pub mod realtime;
pub mod rights;
pub mod routes;
pub mod vocab;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod idempotency;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod state;

#[cfg(feature = "ssr")]
mod shell;
#[cfg(feature = "ssr")]
pub use shell::{shell, App, Bundle, Bundles};

use leptos::prelude::*;

// Chorus runs in Leptos' *islands* mode: every page is rendered on the server, and only its interactive part (its
// island, below) is compiled for the browser and hydrated there. Moving between pages is an ordinary page load. Pages
// with nothing to do in the browser (signing in and up, invitations, the creator's list of campaigns, the printable
// charter) load no WASM at all.
//
// Each island is compiled for the browser only in the bundles that carry it (`island-<bundle>` features, see
// `Bundle` in shell.rs): the release build makes one WASM file per group of pages, the framework and that group's
// islands, so opening the board downloads the board's code and nothing of the other pages
// (`scripts/build-bundles.sh`, docs/PERFORMANCE.md). The server (`ssr`) has them all.

/// The board, with the filters the address asked for.
#[cfg(any(feature = "ssr", feature = "island-board"))]
#[leptos::island]
pub fn BoardIsland(id: i64, filters: routes::board::Filters) -> impl IntoView {
    routes::board::BoardPage(routes::board::BoardPageProps { id, filters })
}

/// The tabs of a campaign and the live banner of its open escalations, above each of its pages.
#[cfg(any(
    feature = "ssr",
    feature = "island-board",
    feature = "island-charter",
    feature = "island-content",
    feature = "island-performance"
))]
#[leptos::island]
pub fn CampaignChromeIsland(id: i64, tab: String) -> impl IntoView {
    components::campaign_chrome::CampaignChrome(components::campaign_chrome::CampaignChromeProps { id, tab })
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

/// "What needs me": a partner member's live inbox across their campaigns, on the home page.
#[cfg(any(feature = "ssr", feature = "island-home"))]
#[leptos::island]
pub fn InboxIsland() -> impl IntoView {
    routes::inbox::InboxPanel()
}

/// Starting a campaign, on a partner's home page.
#[cfg(any(feature = "ssr", feature = "island-home"))]
#[leptos::island]
pub fn NewCampaignIsland() -> impl IntoView {
    routes::home::NewCampaign()
}
