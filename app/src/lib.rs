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
pub mod error;
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
                <HydrationScripts options/>
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
                    <Route path=path!("/campaigns/:id") view=routes::board::BoardPage ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/charter") view=routes::charter::CharterPage ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/charter/print") view=routes::charter_print::CharterPrintPage ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/content") view=routes::content::ContentPage ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/performance") view=routes::performance::PerformancePage ssr=SsrMode::Async/>
                    <Route path=path!("/portal") view=routes::portal::PortalHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/campaigns/:id") view=routes::portal::PortalPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/campaigns/:id/charter") view=routes::portal_charter::PortalCharterPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/tokens") view=routes::tokens::TokensPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/organization") view=routes::organization::OrganizationPage ssr=SsrMode::Async/>
                    <Route path=path!("/join/:token") view=routes::join::JoinPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
