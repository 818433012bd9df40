//! The campaign's chrome, above each of its pages: the tabs (Board · Charter · Content · Performance · Rights · Payouts · Fit), the
//! "Activity" toggle opening the activity trail in a side panel, and, under them, a sticky banner of the open
//! escalations, each linking to where it is acted on. The banner and the panel are live: they follow the
//! campaign's events (the banner its `escalation_raised` / `escalation_updated`).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::escalations::Escalation;

/// What the chrome shows: the open escalations and who is looking (their own are marked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct Chrome {
    pub campaign_id: i64,
    pub me_user_id: i64,
    /// The event sequence number this is as of.
    pub head: i64,
    pub escalations: Vec<Escalation>,
    /// The campaign's time zone (an IANA name), for the activity panel's times.
    pub time_zone: String,
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "campaign_chrome")]
pub async fn campaign_chrome(campaign_id: i64) -> Result<Chrome, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let all = crate::escalations::ssr::list_escalations(&state.db, &who, campaign_id).await?;
    let head = crate::realtime::log::head(&state.db.pool, campaign_id).await?.unwrap_or(0);
    let mut conn = state.db.pool.acquire().await?;
    let (_, time_zone) = crate::content::ssr::campaign_zone(&mut conn, campaign_id).await?;
    Ok(Chrome {
        campaign_id,
        me_user_id: who.me.user_id,
        head,
        escalations: all.into_iter().filter(Escalation::is_open).collect(),
        time_zone,
    })
}

/// One line of the activity panel, written on the server (so the browser carries no sentence-making code for it):
/// what happened, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct ActivityLine {
    pub seq: i64,
    pub text: String,
    /// When, for `<time datetime>` (RFC 3339).
    pub at: String,
    /// When, in the campaign's zone ("4 Dec 14:05 CET"; `public/times.js` shows it in the viewer's).
    pub at_label: String,
}

/// The campaign's latest events (newest first), as the activity panel shows them: loaded when it opens, and again
/// whenever an event arrives while it is open.
#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "campaign_activity")]
pub async fn campaign_activity(campaign_id: i64) -> Result<Vec<ActivityLine>, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::campaigns::ssr::authorize(&state.db, &who, campaign_id).await?;
    let mut conn = state.db.pool.acquire().await?;
    let (_, zone) = crate::content::ssr::campaign_zone(&mut conn, campaign_id).await?;
    drop(conn);
    let events = crate::realtime::log::recent(&state.db.pool, campaign_id, 50).await?;
    Ok(events
        .iter()
        .map(|e| ActivityLine {
            seq: e.seq,
            text: e.describe(),
            at: crate::dates::rfc3339(&e.at),
            at_label: crate::dates::in_zone(&e.at, &zone),
        })
        .collect())
}

/// The tabs of a campaign, in order: (key, label, path after `/campaigns/{id}`).
pub const TABS: [(&str, &str, &str); 7] = [
    ("board", "Board", ""),
    ("charter", "Charter", "/charter"),
    ("content", "Content", "/content"),
    ("performance", "Performance", "/performance"),
    ("rights", "Rights", "/rights"),
    ("payouts", "Payouts", "/payouts"),
    ("fit", "Fit", "/fit"),
];

/// The tabs and the escalation banner; `tab` is the current page's key (see [`TABS`]). Renders nothing for
/// someone who may not see the campaign (the page says why).
#[component]
pub fn CampaignChrome(id: i64, tab: String) -> impl IntoView {
    let data = crate::json_text::resource(move || id, campaign_chrome);
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let tab = tab.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(c) => view! { <ChromeBar c tab/> }.into_any(),
                        Err(_) => ().into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ChromeBar(c: Chrome, tab: String) -> impl IntoView {
    let campaign_id = c.campaign_id;
    let me = c.me_user_id;
    let open = RwSignal::new(c.escalations);
    let hydrated = RwSignal::new("no");
    Effect::new(move |_| hydrated.set("yes"));
    // The activity panel: shown or not, and its lines (loaded as it opens, and again on every event while open).
    let panel = RwSignal::new(false);
    let activity = RwSignal::new(Vec::<ActivityLine>::new());
    let loaded = RwSignal::new(false);
    let zone = c.time_zone;
    let refresh = move || {
        leptos::task::spawn_local(async move {
            if let Ok(lines) = campaign_activity(campaign_id).await {
                // An answer older than the one shown (two in flight) is dropped.
                let newest = |l: &[ActivityLine]| l.first().map(|x| x.seq).unwrap_or(0);
                if newest(&lines) >= activity.with_untracked(|a| newest(a)) {
                    activity.set(lines);
                }
                loaded.set(true);
            }
        })
    };

    // On the page's own live connection (one per tab and campaign, see `realtime::client`).
    #[cfg(feature = "hydrate")]
    {
        use crate::realtime::{Change, ServerMsg};
        // Pages rendered on the server (fit, rights, payouts) follow the campaign through this island's socket:
        // `public/live-page.js` hears of each event, or of a reload after missed ones, as a `chorus-event`.
        let tell_page = || {
            if let Some(w) = web_sys::window() {
                if let Ok(e) = web_sys::Event::new("chorus-event") {
                    let _ = w.dispatch_event(&e);
                }
            }
        };
        let on_msg = move |msg: ServerMsg| {
            if let ServerMsg::Event { event } = msg {
                tell_page();
                if panel.get_untracked() {
                    refresh();
                }
                if let Change::EscalationRaised { escalation } | Change::EscalationUpdated { escalation } = event.change
                {
                    open.update(|list| {
                        list.retain(|e| e.id != escalation.id);
                        if escalation.is_open() {
                            list.insert(0, escalation);
                        }
                    })
                }
            }
        };
        let reload = move || async move {
            let c = campaign_chrome(campaign_id).await.ok()?;
            tell_page();
            open.set(c.escalations);
            Some(c.head)
        };
        crate::realtime::client::follow(campaign_id, c.head, on_msg, reload);
    }

    let toggle_ref = NodeRef::<leptos::html::Button>::new();
    let toggle = move |_| {
        let now = !panel.get_untracked();
        panel.set(now);
        if now {
            refresh();
        }
    };
    let close = move || {
        panel.set(false);
        if let Some(b) = toggle_ref.get_untracked() {
            let _ = b.focus();
        }
    };
    let tabs = TABS
        .iter()
        .map(|(key, label, path)| {
            let current = *key == tab;
            view! {
                <li>
                    <a href=format!("/campaigns/{campaign_id}{path}") class="tab" class:current=current
                        aria-current=current.then_some("page") data-tab=*key>{*label}</a>
                </li>
            }
        })
        .collect_view();
    view! {
        <script src="/times.js" defer></script>
        <div class="campaign-chrome" data-testid="campaign-chrome" data-hydrated=move || hydrated.get()>
            <div class="campaign-tabs-row">
                <nav class="campaign-tabs" aria-label="Campaign">
                    <ul>{tabs}</ul>
                </nav>
                <button type="button" class="panel-toggle" node_ref=toggle_ref on:click=toggle
                    aria-expanded=move || panel.get().to_string() aria-controls="activity-panel" data-testid="activity-toggle">
                    "Activity"
                </button>
            </div>
            <aside id="activity-panel" class="side-panel" aria-labelledby="activity-title" hidden=move || !panel.get()
                data-testid="activity-panel" on:keydown=move |ev| if ev.key() == "Escape" { close() }>
                <header class="side-panel-head">
                    <h2 id="activity-title">"Activity"</h2>
                    <button type="button" class="button small" on:click=move |_| close() aria-label="Close the activity panel">"✕"</button>
                </header>
                <ol class="activity" data-testid="activity" aria-live="polite">
                    {move || {
                        let zone = zone.clone();
                        activity.get().into_iter().map(|l| view! {
                            <li><span>{l.text}</span> " "
                                <time datetime=l.at data-local="" data-tz=zone.clone()>{l.at_label}</time></li>
                        }).collect_view()
                    }}
                </ol>
                {move || (loaded.get() && activity.with(Vec::is_empty)).then(|| view! { <p class="muted">"Nothing has happened on this campaign yet."</p> })}
            </aside>
            {move || {
                let list = open.get();
                (!list.is_empty()).then(|| view! {
                    <section class="escalation-banner" role="region" aria-label="Open escalations" data-testid="escalation-banner">
                        <ul>
                            {list.into_iter().map(|e| {
                                let mine = e.assignee_user_id == Some(me);
                                view! {
                                    <li class="escalation-line" class:mine=mine data-kind=e.kind.clone() data-status=e.status.clone() data-testid="banner-escalation">
                                        <span class="what"><span aria-hidden="true">"⚠ "</span>{e.title.clone()}</span>
                                        <span class="who">
                                            {if mine { "Assigned to you".to_string() } else { format!("Assigned to {}", e.assignee) }}
                                            {(e.status == "acknowledged").then_some(" · acknowledged")}
                                        </span>
                                        <a href=e.href() class="act">{e.action()}</a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                })
            }}
        </div>
    }
}
