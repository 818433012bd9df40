//! Home: a member's campaigns (and a new one), a creator's own campaigns, or the welcome page.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::accounts::Me;
use crate::campaigns::{CampaignSummary, CreatorCampaign};
use crate::components::ErrorNotice;
#[cfg(feature = "ssr")]
use crate::components::{pwa::PwaHead, PartnerChip};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub enum Home {
    SignedOut,
    Member { me: Me, campaigns: Vec<CampaignSummary> },
    Creator { me: Me, campaigns: Vec<CreatorCampaign> },
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "home")]
pub async fn load_home() -> Result<Home, AppError> {
    use crate::accounts::Role;
    let state = crate::state::app_state()?;
    let Some(who) = crate::state::current_principal().await? else { return Ok(Home::SignedOut) };
    Ok(match who.me.role {
        Role::Member => {
            Home::Member { campaigns: crate::campaigns::ssr::list_campaigns(&state.db, &who).await?, me: who.me }
        }
        Role::Creator => {
            Home::Creator { campaigns: crate::campaigns::ssr::portal_campaigns(&state.db, &who).await?, me: who.me }
        }
    })
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "create_campaign")]
pub async fn create_campaign(name: String, currency: Option<String>) -> Result<CampaignSummary, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let input = crate::campaigns::NewCampaign { name, currency };
    let campaign = crate::campaigns::ssr::create_campaign(&state.db, &who, &input).await?;
    leptos_axum::redirect(&format!("/campaigns/{}", campaign.id));
    Ok(campaign)
}

#[cfg(feature = "ssr")]
#[component]
pub fn HomePage() -> impl IntoView {
    let home = crate::json_text::resource(|| (), |_| load_home());
    view! {
        <Suspense fallback=|| view! { <p class="page">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match home.await {
                    Ok(Home::SignedOut) => view! { <Welcome/> }.into_any(),
                    Ok(Home::Member { me, campaigns }) => view! { <MemberHome me campaigns/> }.into_any(),
                    Ok(Home::Creator { me, campaigns }) => view! { <CreatorHome me campaigns/> }.into_any(),
                    Err(e) => view! { <section class="page"><ErrorNotice error=e/></section> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[cfg(feature = "ssr")]
#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="page hero">
            <h1>"One campaign. Every partner. The same board."</h1>
            <p class="lead">
                "Chorus is the shared, live command center where a brand and its agencies run a joint influencer and UGC campaign "
                "as one team: one signed strategy, one creator pool, one board that every partner sees change as it happens."
            </p>
            <p class="actions">
                <a class="button primary" href="/signin">"Sign in"</a>
                <a class="button" href="/signup">"Create your organization"</a>
            </p>
        </section>
    }
}

#[cfg(feature = "ssr")]
#[component]
fn MemberHome(me: Me, campaigns: Vec<CampaignSummary>) -> impl IntoView {
    let org = me.org.clone().map(|o| o.name).unwrap_or_default();
    view! {
        <section class="page home">
            <crate::InboxIsland/>
            <h2>"Campaigns of " {org}</h2>
            {if campaigns.is_empty() {
                view! { <p class="muted">"No campaigns yet. Start one, or open an invitation link from a partner."</p> }.into_any()
            } else {
                view! {
                    <ul class="campaign-list">
                        {campaigns.into_iter().map(|c| view! {
                            <li>
                                <a href=format!("/campaigns/{}", c.id) class="campaign-link">{c.name.clone()}</a>
                                <span class="status">{c.status.clone()}</span>
                                <span class="partners">{c.partners.into_iter().map(|p| view! { <PartnerChip org=p/> }).collect_view()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <crate::NewCampaignIsland/>
            <p class="muted"><a href="/settings/privacy">"Your data: download it, or delete your account"</a></p>
            <crate::shell::IslandScripts bundle=crate::Bundle::Home/>
        </section>
    }
}

/// Starting a campaign (the island `NewCampaignIsland`): a form that posts to the server without JavaScript, and
/// once hydrated creates the campaign in place and opens its board.
#[component]
pub fn NewCampaign() -> impl IntoView {
    let create = ServerAction::<CreateCampaign>::new();
    let error = move || create.value().get().and_then(|r| r.err());
    view! {
        <h2>"Start a campaign"</h2>
        <form method="post" action={<CreateCampaign as leptos::server_fn::ServerFn>::url()} class="row" on:submit=move |ev| {
            if let Some(f) = crate::components::Submitted::take(&ev) {
                create.dispatch(CreateCampaign { name: f.get("name"), currency: Some(f.get("currency")) });
            }
        }>
            <label class="grow">"Name" <input name="name" required placeholder="e.g. Trailhead Spring Launch"/></label>
            <label>"Currency"
                <select name="currency" title="Every amount of the campaign is in it">
                    {crate::money::CURRENCIES.iter().map(|c| view! { <option value=c.code selected=c.code == "USD">{format!("{} — {}", c.code, c.name)}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" class="button primary">"Create"</button>
        </form>
        {move || error().map(|e| view! { <ErrorNotice error=e/> })}
    }
}

#[cfg(feature = "ssr")]
#[component]
fn CreatorHome(me: Me, campaigns: Vec<CreatorCampaign>) -> impl IntoView {
    view! {
        <PwaHead/>
        <section class="page narrow">
            <h1>"Hi " {me.name}</h1>
            <p class="muted">"Your campaigns, each with one point of contact."</p>
            <ul class="creator-campaigns">
                {campaigns.into_iter().map(|c| view! {
                    <li class="panel">
                        <h2>{c.campaign_name}</h2>
                        <p>"Stage: " <strong>{c.stage.label()}</strong></p>
                        <p>"Your point of contact: " {c.contact_person.unwrap_or_else(|| c.contact_org.clone())} " (" {c.contact_org} ")"</p>
                        <p class="row">
                            <a class="button primary" href=format!("/portal/campaigns/{}", c.campaign_id)>"Your deliverables"</a>
                            <a class="button" href=format!("/portal/campaigns/{}/charter", c.campaign_id)>"Read the joint strategy and comment"</a>
                        </p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
