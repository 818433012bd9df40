//! The campaign's chrome, above each of its pages: the tabs (Board · Charter · Content · Performance) and, under
//! them, a sticky banner of the open escalations, each linking to where it is acted on. The banner is live: it
//! follows the campaign's `escalation_raised` / `escalation_updated` events.
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
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "campaign_chrome")]
pub async fn campaign_chrome(campaign_id: i64) -> Result<Chrome, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let all = crate::escalations::ssr::list_escalations(&state.db, &who, campaign_id).await?;
    let head = crate::realtime::log::head(&state.db.pool, campaign_id).await?.unwrap_or(0);
    Ok(Chrome {
        campaign_id,
        me_user_id: who.me.user_id,
        head,
        escalations: all.into_iter().filter(Escalation::is_open).collect(),
    })
}

/// The tabs of a campaign, in order: (key, label, path after `/campaigns/{id}`).
pub const TABS: [(&str, &str, &str); 4] = [
    ("board", "Board", ""),
    ("charter", "Charter", "/charter"),
    ("content", "Content", "/content"),
    ("performance", "Performance", "/performance"),
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

    // On the page's own live connection (one per tab and campaign, see `realtime::client`).
    #[cfg(feature = "hydrate")]
    {
        use crate::realtime::{Change, ServerMsg};
        let on_msg = move |msg: ServerMsg| {
            if let ServerMsg::Event { event } = msg {
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
            open.set(c.escalations);
            Some(c.head)
        };
        crate::realtime::client::follow(campaign_id, c.head, on_msg, reload);
    }

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
        <div class="campaign-chrome" data-testid="campaign-chrome" data-hydrated=move || hydrated.get()>
            <nav class="campaign-tabs" aria-label="Campaign">
                <ul>{tabs}</ul>
            </nav>
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
