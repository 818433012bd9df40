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
use leptos_router::{path, Lazy, SsrMode};

/// Every page but "not found" is loaded lazily, in four groups, each a WASM file of its own (built with
/// `cargo leptos build --split`; the server-rendered page preloads the group it needs):
/// - **account**: signing in and up, accepting an invitation, and the home page (a partner's campaigns or a
///   creator's): small, and what everyone opens first;
/// - **board**: the outreach board, the page partners open most and keep open all day;
/// - **partner**: the partners' other pages (charter, content approvals, performance, the organization's
///   settings), which the board does not need;
/// - **portal**: the creator portal (a phone on a mobile network: it never downloads the partner pages).
///
/// Groups rather than one file per page: the splitter puts every function used by a distinct set of lazy
/// functions into a file of its own, so fifteen lazy pages gave about 250 small files (169 requests to open the
/// board) for a few percent less to download; four groups give sixteen. More split points make every page
/// heavier: the code shared between groups is cut into more, smaller files that compress less well (seven groups:
/// 138 files, the board 531 kB instead of 497 kB; see docs/PERFORMANCE.md).
#[derive(Clone, Copy, Debug)]
pub enum AccountPage {
    SignIn,
    SignUp,
    Invite,
    Join,
    Home,
}

#[derive(Clone, Copy, Debug)]
pub enum BoardPage {
    Board,
}

#[derive(Clone, Copy, Debug)]
pub enum PartnerPage {
    Charter,
    CharterPrint,
    Content,
    Performance,
    Tokens,
    Organization,
}

#[derive(Clone, Copy, Debug)]
pub enum PortalPage {
    Home,
    Campaign,
    Charter,
}

#[leptos::lazy]
fn account_pages(page: AccountPage) -> AnyView {
    match page {
        AccountPage::SignIn => routes::auth::SignInPage().into_any(),
        AccountPage::SignUp => routes::auth::SignUpPage().into_any(),
        AccountPage::Invite => routes::invite::InvitePage().into_any(),
        AccountPage::Join => routes::join::JoinPage().into_any(),
        AccountPage::Home => routes::home::HomePage().into_any(),
    }
}

#[leptos::lazy]
fn board_pages(page: BoardPage) -> AnyView {
    match page {
        BoardPage::Board => routes::board::BoardPage().into_any(),
    }
}

#[leptos::lazy]
fn partner_pages(page: PartnerPage) -> AnyView {
    match page {
        PartnerPage::Charter => routes::charter::CharterPage().into_any(),
        PartnerPage::CharterPrint => routes::charter_print::CharterPrintPage().into_any(),
        PartnerPage::Content => routes::content::ContentPage().into_any(),
        PartnerPage::Performance => routes::performance::PerformancePage().into_any(),
        PartnerPage::Tokens => routes::tokens::TokensPage().into_any(),
        PartnerPage::Organization => routes::organization::OrganizationPage().into_any(),
    }
}

#[leptos::lazy]
fn portal_pages(page: PortalPage) -> AnyView {
    match page {
        PortalPage::Home => routes::portal::PortalHomePage().into_any(),
        PortalPage::Campaign => routes::portal::PortalPage().into_any(),
        PortalPage::Charter => routes::portal_charter::PortalCharterPage().into_any(),
    }
}

/// A group of lazily loaded pages: its view function and the loader of its WASM.
trait PageGroup: Sized {
    async fn view(self) -> AnyView;
    async fn preload();
}

macro_rules! page_group {
    ($group:ty, $view:ident, $preload:ident) => {
        impl PageGroup for $group {
            async fn view(self) -> AnyView {
                $view(self).await
            }
            async fn preload() {
                #[cfg(target_arch = "wasm32")]
                $preload().await;
            }
        }
    };
}

page_group!(AccountPage, account_pages, __preload_account_pages);
page_group!(BoardPage, board_pages, __preload_board_pages);
page_group!(PartnerPage, partner_pages, __preload_partner_pages);
page_group!(PortalPage, portal_pages, __preload_portal_pages);

/// A route whose view is a page of a group. `preload` fetches the group's WASM before the router renders (or
/// hydrates) the page, so the view is ready at once: hydration must find it ready, or it would see an empty
/// placeholder where the server rendered the page.
macro_rules! lazy_page {
    ($name:ident, $group:ident :: $page:ident) => {
        pub struct $name;
        impl leptos_router::LazyRoute for $name {
            fn data() -> Self {
                $name
            }
            async fn view(_this: Self) -> AnyView {
                $group::$page.view().await
            }
            async fn preload() {
                <$group as PageGroup>::preload().await;
            }
        }
    };
}

lazy_page!(SignInRoute, AccountPage::SignIn);
lazy_page!(SignUpRoute, AccountPage::SignUp);
lazy_page!(InviteRoute, AccountPage::Invite);
lazy_page!(JoinRoute, AccountPage::Join);
lazy_page!(HomeRoute, AccountPage::Home);
lazy_page!(BoardRoute, BoardPage::Board);
lazy_page!(CharterRoute, PartnerPage::Charter);
lazy_page!(CharterPrintRoute, PartnerPage::CharterPrint);
lazy_page!(ContentRoute, PartnerPage::Content);
lazy_page!(PerformanceRoute, PartnerPage::Performance);
lazy_page!(TokensRoute, PartnerPage::Tokens);
lazy_page!(OrganizationRoute, PartnerPage::Organization);
lazy_page!(PortalHomeRoute, PortalPage::Home);
lazy_page!(PortalRoute, PortalPage::Campaign);
lazy_page!(PortalCharterRoute, PortalPage::Charter);

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
                    <Route path=path!("/") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/signin") view={Lazy::<SignInRoute>::new()}/>
                    <Route path=path!("/signup") view={Lazy::<SignUpRoute>::new()}/>
                    <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id") view={Lazy::<BoardRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/charter") view={Lazy::<CharterRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/charter/print") view={Lazy::<CharterPrintRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/content") view={Lazy::<ContentRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/performance") view={Lazy::<PerformanceRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/portal") view={Lazy::<PortalHomeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/portal/campaigns/:id") view={Lazy::<PortalRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/portal/campaigns/:id/charter") view={Lazy::<PortalCharterRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/tokens") view={Lazy::<TokensRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/organization") view={Lazy::<OrganizationRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/join/:token") view={Lazy::<JoinRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
