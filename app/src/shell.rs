//! The pages around the islands, rendered on the server only: the document, the routes, and each route's island.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};
use std::collections::HashMap;
use std::path::Path;

use crate::*;

/// A group of pages whose islands the browser gets as one WASM bundle: the framework and those islands, nothing of
/// the other pages. `scripts/build-bundles.sh` builds one per group (the `frontend` crate with feature
/// `island-<name>`); a page is one file to download, however many other pages there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    Board,
    Charter,
    Content,
    Performance,
    /// API tokens and the organization's members.
    Settings,
    /// The creator portal's campaign and charter pages (one bundle, so a phone keeps both offline).
    Portal,
    /// Starting a campaign, on a partner's home page.
    Home,
}

impl Bundle {
    pub fn name(self) -> &'static str {
        match self {
            Bundle::Board => "board",
            Bundle::Charter => "charter",
            Bundle::Content => "content",
            Bundle::Performance => "performance",
            Bundle::Settings => "settings",
            Bundle::Portal => "portal",
            Bundle::Home => "home",
        }
    }
}

/// What a release build (`scripts/build-site.sh`) put under `pkg/`: the bundles by name (their JS and WASM files)
/// and the stylesheet's hashed name.
#[derive(Clone, Debug, Default)]
pub struct Bundles {
    pub pages: HashMap<String, (String, String)>,
    /// `pkg/style.txt`: the stylesheet's file name (`chorus.<hash>.css`).
    pub style: Option<String>,
    /// That stylesheet's text, inlined in every page's head: one small file (≈ 7 kB compressed with the page), so a
    /// page paints without waiting for a render-blocking request (Lighthouse measured ≈ 150 ms on a phone).
    pub style_css: Option<std::sync::Arc<str>>,
}

impl Bundles {
    /// Reads `pkg/bundles.txt` (written by `scripts/build-bundles.sh`: one line per bundle, `name js wasm`) and
    /// `pkg/style.txt` (written by `scripts/build-site.sh`) under the site root. Without it (development builds), or when cargo-leptos has built its module since (`cargo leptos
    /// watch` after a release build: the bundles would be older code), every page loads cargo-leptos' single
    /// module of all islands.
    pub fn load(site_root: &Path) -> Bundles {
        let pkg = site_root.join("pkg");
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let listed = modified(&pkg.join("bundles.txt"));
        let dev_module = std::fs::read_dir(&pkg)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                name.starts_with("chorus") && name.ends_with(".wasm")
            })
            .filter_map(|e| modified(&e.path()))
            .max();
        if listed.is_none() || dev_module > listed {
            return Bundles::default();
        }
        let text = std::fs::read_to_string(pkg.join("bundles.txt")).unwrap_or_default();
        let style = std::fs::read_to_string(pkg.join("style.txt"))
            .ok()
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty() && !name.contains('/') && pkg.join(name).is_file());
        let pages = text
            .lines()
            .filter_map(|line| {
                let mut parts = line.split_whitespace();
                let (name, js, wasm) = (parts.next()?, parts.next()?, parts.next()?);
                let present = |f: &str| pkg.join(f).is_file();
                (present(js) && present(wasm)).then(|| (name.to_string(), (js.to_string(), wasm.to_string())))
            })
            .collect();
        let style_css = style.as_ref().and_then(|name| std::fs::read_to_string(pkg.join(name)).ok()).map(Into::into);
        Bundles { pages, style, style_css }
    }
}

/// Loads bundle `js`/`wasm`, then hydrates every island on the page with it, in document order, each in a task of
/// its own (the browser can paint and answer input between them; no single long task holds the page). (Leptos' own
/// island script loads the one bundle cargo-leptos builds; this one takes the page's.)
///
/// The code is asked for once the page has painted, not preloaded from the head: the page's HTML and its content
/// paint first with the whole connection to themselves (on a slow phone connection a 250 kB bundle takes over a
/// second), and the islands come alive right after (a tab opened in the background, which paints nothing, asks at
/// once). Both files are fetched at once.
const HYDRATE_ISLANDS: &str = r#"((js, wasm) => new Promise((painted) => document.visibilityState === 'hidden' ? painted() : requestAnimationFrame(() => setTimeout(painted, 0))).then(() => {
  const code = fetch(wasm);
  return import(js).then(async (mod) => {
    const yieldTask = () => new Promise((r) => setTimeout(r, 0));
    await mod.default({ module_or_path: code });
    mod.hydrate();
    for (const el of document.querySelectorAll('leptos-island')) {
      await yieldTask();
      const hydrate = mod[el.dataset.component];
      if (hydrate) hydrate(el); else console.warn(`Chorus: no code for the island ${el.dataset.component}`);
    }
  });
}))"#;

/// The scripts that hydrate the page's islands from `bundle`. Pages without islands have none and load no WASM.
#[component]
pub fn IslandScripts(bundle: Bundle) -> impl IntoView {
    let Ok(state) = crate::state::app_state() else { return ().into_any() };
    let Some((js, wasm)) = state.bundles.pages.get(bundle.name()) else {
        return view! { <HydrationScripts options=state.leptos.clone() islands=true/> }.into_any();
    };
    let pkg = &state.leptos.site_pkg_dir;
    let (js, wasm) = (format!("/{pkg}/{js}"), format!("/{pkg}/{wasm}"));
    let script = format!("{HYDRATE_ISLANDS}({js:?}, {wasm:?});");
    view! { <script type="module">{script}</script> }.into_any()
}

/// The campaign id in the address (`/campaigns/:id/…`); 0 (found by no one) when it is not a number.
fn campaign_id() -> i64 {
    leptos_router::hooks::use_params_map().read_untracked().get("id").and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Brings the current tab into view where the tab row scrolls sideways (a phone shows three or four of the five
/// tabs): run as soon as the chrome is parsed, before the first paint, with no WASM. (No `&` or `<` in it: it is
/// written as the element's text.)
const CURRENT_TAB_IN_VIEW: &str = "(function () {
  var t = document.querySelector('.campaign-tabs .tab.current');
  if (!t) return;
  var row = t.closest('ul'), r = t.getBoundingClientRect(), box = row.getBoundingClientRect();
  if (r.right > box.right) row.scrollLeft += r.right - box.right + 8;
})();";

/// A campaign page's frame: the chrome (its island: tabs, activity, escalations) above the page, and the campaign's
/// settings below it (out of the way of the board's first screen).
#[component]
fn Chrome(tab: &'static str, children: Children) -> impl IntoView {
    view! {
        <CampaignChromeIsland id=campaign_id() tab=tab.to_string()/>
        <script>{CURRENT_TAB_IN_VIEW}</script>
        {children()}
        <CampaignSettings current=tab/>
    }
}

/// The campaign's settings pages, linked under the tabs of every campaign page (`current`: the page's key). Plain
/// links rendered on the server: the chrome's island, which is in every bundle, does not grow.
#[component]
fn CampaignSettings(current: &'static str) -> impl IntoView {
    let id = campaign_id();
    let link = move |key: &'static str, label: &'static str| {
        view! {
            <a href=format!("/campaigns/{id}/{key}") aria-current=(key == current).then_some("page")>{label}</a>
        }
    };
    view! {
        <nav class="campaign-settings" aria-label="Settings" data-testid="campaign-settings">
            <span class="muted">"Settings:"</span>
            {link("invite", "Invite a partner")}
            {link("webhooks", "Webhooks")}
            {link("privacy", "Personal data")}
        </nav>
    }
}

#[component]
fn BoardRoute() -> impl IntoView {
    let filters = routes::board::Filters::from_query(&leptos_router::hooks::use_query_map().read_untracked());
    view! {
        <Chrome tab="board">
            <BoardIsland id=campaign_id() filters/>
        </Chrome>
        <IslandScripts bundle=Bundle::Board/>
    }
}

macro_rules! campaign_route {
    ($name:ident, $island:ident, $bundle:expr) => {
        #[component]
        fn $name() -> impl IntoView {
            view! {
                <Chrome tab=$bundle.name()>
                    <$island id=campaign_id()/>
                </Chrome>
                <IslandScripts bundle=$bundle/>
            }
        }
    };
}

campaign_route!(CharterRoute, CharterIsland, Bundle::Charter);

campaign_route!(ContentRoute, ContentIsland, Bundle::Content);

/// The dashboard, and below it the CPMs its earned media value uses and the payouts in the campaign's currency
/// (both rendered on the server: no WASM added to the dashboard's bundle).
#[component]
fn PerformanceRoute() -> impl IntoView {
    view! {
        <Chrome tab="performance">
            <PerformanceIsland id=campaign_id()/>
            <routes::payouts::CpmPanel id=campaign_id()/>
            <routes::payouts::MoneyPanel id=campaign_id()/>
        </Chrome>
        <IslandScripts bundle=Bundle::Performance/>
    }
}

/// Partner fit: rendered on the server; the chrome's island comes with the charter's bundle (the page's items are
/// settled into the charter).
#[component]
fn FitRoute() -> impl IntoView {
    view! {
        <Chrome tab="fit">
            <routes::fit::FitPage id=campaign_id()/>
        </Chrome>
        <IslandScripts bundle=Bundle::Charter/>
    }
}

/// The rights ledger: rendered on the server (plain forms); the chrome's island comes with the content bundle (its
/// assets are the content page's approved drafts).
#[component]
fn RightsRoute() -> impl IntoView {
    view! {
        <Chrome tab="rights">
            <routes::rights::RightsPage/>
        </Chrome>
        <IslandScripts bundle=Bundle::Content/>
    }
}

/// The payout ledger: rendered on the server (plain forms); the chrome's island comes with the charter's bundle,
/// as for Fit.
#[component]
fn PayoutsRoute() -> impl IntoView {
    view! {
        <Chrome tab="payouts">
            <routes::payouts::PayoutsPage id=campaign_id()/>
        </Chrome>
        <IslandScripts bundle=Bundle::Charter/>
    }
}

/// Webhooks: rendered on the server, plain forms; the chrome's island comes with the charter's bundle.
#[component]
fn WebhooksRoute() -> impl IntoView {
    view! {
        <Chrome tab="webhooks">
            <routes::webhooks::WebhooksPage id=campaign_id()/>
        </Chrome>
        <IslandScripts bundle=Bundle::Charter/>
    }
}

/// Inviting a partner organization (optionally by email): rendered on the server, a plain form.
#[component]
fn InvitePartnerRoute() -> impl IntoView {
    view! {
        <Chrome tab="invite">
            <routes::invitations::InvitePartnerPage id=campaign_id()/>
        </Chrome>
        <IslandScripts bundle=Bundle::Charter/>
    }
}

/// A campaign's creator erasure: rendered on the server, a plain form.
#[component]
fn CampaignPrivacyRoute() -> impl IntoView {
    view! {
        <Chrome tab="privacy">
            <routes::privacy::CampaignPrivacyPage id=campaign_id()/>
        </Chrome>
        <IslandScripts bundle=Bundle::Charter/>
    }
}

#[component]
fn TokensRoute() -> impl IntoView {
    view! { <TokensIsland/> <IslandScripts bundle=Bundle::Settings/> }
}

#[component]
fn OrganizationRoute() -> impl IntoView {
    view! {
        <OrganizationIsland/>
        <routes::invitations::InviteColleagueForm/>
        <routes::working_style::WorkingStyleForm/>
        <IslandScripts bundle=Bundle::Settings/>
    }
}

#[component]
fn PortalRoute() -> impl IntoView {
    view! {
        <components::pwa::PwaHead/>
        <PortalIsland id=campaign_id()/>
        <routes::rights::PortalRights id=campaign_id()/>
        <IslandScripts bundle=Bundle::Portal/>
    }
}

#[component]
fn PortalCharterRoute() -> impl IntoView {
    view! {
        <components::pwa::PwaHead/>
        <PortalCharterIsland id=campaign_id()/>
        <IslandScripts bundle=Bundle::Portal/>
    }
}

/// The stylesheet: the release build's (`pkg/style.txt`, `scripts/build-site.sh` and `scripts/dev.sh`), inlined;
/// else the file cargo-leptos names in `hash.txt` beside the binary (`cargo leptos watch`).
#[component]
fn SiteStylesheet(options: LeptosOptions) -> impl IntoView {
    match use_context::<crate::state::AppState>().and_then(|state| state.bundles.style_css.clone()) {
        Some(css) => view! { <style id="leptos" inner_html=css.to_string()></style> }.into_any(),
        None => view! { <HashedStylesheet options id="leptos"/> }.into_any(),
    }
}

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Islands mode: only what is inside an island is hydrated, so only its data is sent to the browser.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <SiteStylesheet options=options.clone()/>
                <AutoReload options=options.clone()/>
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
                    <Route path=path!("/campaigns/:id/fit") view=FitRoute ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/rights") view=RightsRoute ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/payouts") view=PayoutsRoute ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/webhooks") view=WebhooksRoute ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/privacy") view=CampaignPrivacyRoute ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:id/invite") view=InvitePartnerRoute ssr=SsrMode::Async/>
                    <Route path=path!("/settings/privacy") view=routes::privacy::PrivacySettingsPage/>
                    <Route path=path!("/portal") view=routes::portal::PortalHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/payouts") view=routes::payouts::MyPayoutsPage ssr=SsrMode::Async/>
                    <Route path=path!("/portal/campaigns/:id") view=PortalRoute ssr=SsrMode::Async/>
                    <Route path=path!("/portal/campaigns/:id/charter") view=PortalCharterRoute ssr=SsrMode::Async/>
                    <Route path=path!("/settings/tokens") view=TokensRoute ssr=SsrMode::Async/>
                    <Route path=path!("/settings/organization") view=OrganizationRoute ssr=SsrMode::Async/>
                    <Route path=path!("/join/:token") view=routes::join::JoinPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/notifications") view=routes::notifications::NotificationSettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view=routes::notifications::ForgotPasswordPage/>
                    <Route path=path!("/reset-password/:token") view=routes::notifications::ResetPasswordPage/>
                </Routes>
            </main>
        </Router>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("chorus-bundles-{name}-{}", std::process::id()));
        _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        dir
    }

    fn write(dir: &Path, file: &str, text: &str) {
        std::fs::write(dir.join("pkg").join(file), text).unwrap();
    }

    #[test]
    fn bundles_are_read_from_the_list_and_refused_when_missing_or_stale() {
        // No list (a development build): no bundles, so pages fall back to cargo-leptos' module.
        let dir = site("none");
        assert!(Bundles::load(&dir).pages.is_empty());
        _ = std::fs::remove_dir_all(&dir);

        // A release build: cargo-leptos' module first, then the bundles and their list.
        let dir = site("release");
        write(&dir, "chorus.abc.wasm", "module");
        std::thread::sleep(std::time::Duration::from_millis(20));
        write(&dir, "board.1.js", "js");
        write(&dir, "board.1.wasm", "wasm");
        write(&dir, "bundles.txt", "board board.1.js board.1.wasm\nportal portal.2.js portal.2.wasm\nbroken line\n");
        let bundles = Bundles::load(&dir);
        assert_eq!(bundles.pages.get("board"), Some(&("board.1.js".to_string(), "board.1.wasm".to_string())));
        assert!(!bundles.pages.contains_key("portal"), "a listed bundle whose files are missing is left out");
        assert_eq!(bundles.pages.len(), 1);
        assert_eq!(bundles.style, None, "no style.txt: the stylesheet cargo-leptos names");
        write(&dir, "style.txt", "chorus.f00.css\n");
        assert_eq!(Bundles::load(&dir).style, None, "a listed stylesheet that is missing is left out");
        write(&dir, "chorus.f00.css", "body {}");
        assert_eq!(Bundles::load(&dir).style.as_deref(), Some("chorus.f00.css"));
        assert_eq!(Bundles::load(&dir).style_css.as_deref(), Some("body {}"), "its text, to inline");
        write(&dir, "style.txt", "../secret.css");
        assert_eq!(Bundles::load(&dir).style, None, "only a file under pkg/");

        // cargo-leptos rebuilt its module since (`cargo leptos watch`): the listed bundles are older code.
        std::thread::sleep(std::time::Duration::from_millis(20));
        write(&dir, "chorus.abc.wasm", "newer module");
        assert!(Bundles::load(&dir).pages.is_empty());
        _ = std::fs::remove_dir_all(&dir);
    }
}
