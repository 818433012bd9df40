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

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

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
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum PartnerPage {
    Charter,
    Content,
    Performance,
    Tokens,
    Organization,
}

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum PortalPage {
    Campaign,
    Charter,
}

/// The board, with the filters the address asked for.
#[leptos::island(lazy)]
pub fn BoardIsland(id: i64, filters: routes::board::Filters) -> impl IntoView {
    routes::board::BoardPage(routes::board::BoardPageProps { id, filters })
}

/// A partner page of a campaign (`id`; 0 for the settings pages).
#[leptos::island(lazy)]
pub fn PartnerIsland(page: PartnerPage, id: i64) -> impl IntoView {
    match page {
        PartnerPage::Charter => routes::charter::CharterPage(routes::charter::CharterPageProps { id }).into_any(),
        PartnerPage::Content => routes::content::ContentPage(routes::content::ContentPageProps { id }).into_any(),
        PartnerPage::Performance => {
            routes::performance::PerformancePage(routes::performance::PerformancePageProps { id }).into_any()
        }
        PartnerPage::Tokens => routes::tokens::TokensPage().into_any(),
        PartnerPage::Organization => routes::organization::OrganizationPage().into_any(),
    }
}

/// A page of the creator portal for campaign `id`.
#[leptos::island(lazy)]
pub fn PortalIsland(page: PortalPage, id: i64) -> impl IntoView {
    match page {
        PortalPage::Campaign => routes::portal::PortalPage(routes::portal::PortalPageProps { id }).into_any(),
        PortalPage::Charter => {
            routes::portal_charter::PortalCharterPage(routes::portal_charter::PortalCharterPageProps { id }).into_any()
        }
    }
}

/// Starting a campaign, on a partner's home page.
#[leptos::island(lazy)]
pub fn NewCampaignIsland() -> impl IntoView {
    routes::home::NewCampaign()
}

/// The campaign id in the address (`/campaigns/:id/…`); 0 (found by no one) when it is not a number.
fn campaign_id() -> i64 {
    leptos_router::hooks::use_params_map().read_untracked().get("id").and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[component]
fn BoardRoute() -> impl IntoView {
    let filters = routes::board::Filters::from_query(&leptos_router::hooks::use_query_map().read_untracked());
    view! { <BoardIsland id=campaign_id() filters/> }
}

macro_rules! island_route {
    ($name:ident, $island:ident, $page:expr) => {
        #[component]
        fn $name() -> impl IntoView {
            view! { <$island page=$page id=campaign_id()/> }
        }
    };
}

island_route!(CharterRoute, PartnerIsland, PartnerPage::Charter);
island_route!(ContentRoute, PartnerIsland, PartnerPage::Content);
island_route!(PerformanceRoute, PartnerIsland, PartnerPage::Performance);
island_route!(TokensRoute, PartnerIsland, PartnerPage::Tokens);
island_route!(OrganizationRoute, PartnerIsland, PartnerPage::Organization);

#[component]
fn PortalRoute() -> impl IntoView {
    view! { <components::pwa::PwaHead/> <PortalIsland page=PortalPage::Campaign id=campaign_id()/> }
}

#[component]
fn PortalCharterRoute() -> impl IntoView {
    view! { <components::pwa::PwaHead/> <PortalIsland page=PortalPage::Charter id=campaign_id()/> }
}

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Chorus"/>
        <Meta name="description" content="One shared, live command center for joint influencer and UGC campaigns"/>
        <Meta name="theme-color" content="#1e293b"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Router>
            <components::nav::TopBar/>
            <main id="main">
                <Routes fallback=routes::not_found::NotFound>
                    <Route path=path!("/") view=routes::home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/signin") view=routes::auth::SignInPage/>
                    <Route path=path!("/signup") view=routes::auth::SignUpPage/>
                    <Route path=path!("/invite/:token") view=routes::invite::InvitePage ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id") view=BoardRoute ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/charter") view=CharterRoute ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/charter/print") view=routes::charter_print::CharterPrintPage ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/content") view=ContentRoute ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/performance") view=PerformanceRoute ssr=SsrMode::Async/>
                    <Route path=path!("/portal") view=routes::portal::PortalHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/campaigns/:id") view=PortalRoute ssr=SsrMode::Async/>
                    <Route path=path!("/portal/campaigns/:id/charter") view=PortalCharterRoute ssr=SsrMode::Async/>
                    <Route path=path!("/settings/tokens") view=TokensRoute ssr=SsrMode::Async/>
                    <Route path=path!("/settings/organization") view=OrganizationRoute ssr=SsrMode::Async/>
                    <Route path=path!("/join/:token") view=routes::join::JoinPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
