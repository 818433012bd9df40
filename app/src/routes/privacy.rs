//! Personal data pages, rendered on the server only (plain forms, no island): "Your data" (download everything
//! Chorus holds about you, delete your account) and a campaign's creator erasure.
use leptos::prelude::*;

use crate::components::ErrorNotice;
use crate::error::AppError;

/// A campaign's creators, for the erasure form.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, crate::json_text::FromJson)]
pub struct ErasureView {
    pub campaign_id: i64,
    pub campaign_name: String,
    /// (creator id, name) in name order; erased ones are left out.
    pub creators: Vec<(i64, String)>,
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_erasure_view")]
pub async fn get_erasure_view(campaign_id: i64) -> Result<ErasureView, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::privacy::ssr::erasure_view(&state.db, &who, campaign_id).await
}

#[component]
pub fn PrivacySettingsPage() -> impl IntoView {
    let error = super::query_error();
    view! {
        <section class="page narrow privacy" data-testid="privacy">
            <h1>"Your data"</h1>
            <h2>"Download everything Chorus holds about you"</h2>
            <p class="muted">
                "One JSON file: your account, sessions and API tokens, and for creators every campaign record, deliverable, "
                "draft, comment and file (with the address to download each), and what you did in each campaign."
            </p>
            <p><a class="button" href="/api/v1/me/export" download="chorus-my-data.json">"Download my data"</a></p>
            <h2>"Delete your account"</h2>
            <p class="muted">
                "Your name and email are taken out of every campaign you worked in (the history then says \"a creator (erased)\" "
                "or \"a person (erased)\"), your drafts' files are removed, and you are signed out everywhere. Figures and fees stay."
            </p>
            {error.map(|e| view! { <ErrorNotice error=e/> })}
            <form method="post" action="/settings/privacy/delete" class="stack" data-testid="delete-account">
                <label for="delete-password">"Your password, to confirm"</label>
                <input id="delete-password" name="password" type="password" required maxlength="1000" autocomplete="current-password"/>
                <button type="submit" class="danger">"Delete my account"</button>
            </form>
        </section>
    }
}

#[component]
pub fn CampaignPrivacyPage(id: i64) -> impl IntoView {
    let data = crate::json_text::resource(move || id, get_erasure_view);
    let error = super::query_error();
    let query = leptos_router::hooks::use_query_map().read_untracked();
    let erased = query.get("erased").map(|_| Outcome {
        campaigns: query.get("campaigns").and_then(|n| n.parse().ok()),
        failed: query.get("failed").unwrap_or_default().split(',').filter_map(|n| n.parse().ok()).collect(),
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let (error, erased) = (error.clone(), erased.clone());
                Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Erasure v error erased/> }.into_any(),
                        Err(e) => super::refused_page(e, "Campaign not found"),
                    }
                })
            }}
        </Suspense>
    }
}

/// What the last erasure did (from the address the form came back to).
#[derive(Clone)]
struct Outcome {
    /// Across the organization's campaigns: how many it was erased from (none: this campaign only).
    campaigns: Option<usize>,
    /// Campaigns where it failed.
    failed: Vec<i64>,
}

impl Outcome {
    fn sentence(&self) -> String {
        let done = match self.campaigns {
            None => "The creator was erased.".to_string(),
            Some(1) => "The creator was erased from 1 campaign of your organization.".to_string(),
            Some(n) => format!("The creator was erased from {n} campaigns of your organization."),
        };
        if self.failed.is_empty() {
            return done;
        }
        let ids: Vec<String> = self.failed.iter().map(|id| format!("#{id}")).collect();
        format!("{done} It failed in campaign {}; nothing was changed there: erase again to retry.", ids.join(", "))
    }
}

#[component]
fn Erasure(v: ErasureView, error: Option<AppError>, erased: Option<Outcome>) -> impl IntoView {
    let id = v.campaign_id;
    view! {
        <section class="page narrow privacy" data-testid="erasure">
            <h1>"Erase a creator — " {v.campaign_name.clone()}</h1>
            <p class="muted">
                "On a creator's request: their name, handles, contact details and notes are anonymised, their drafts' files, "
                "captions and links removed, and every mention in this campaign, its history included, reads \"a creator (erased)\". "
                "Stage, fees and figures stay, so every total is unchanged. Every partner sees it at once. It cannot be undone."
            </p>
            {erased.map(|o| view! { <p class="notice" role="status" data-testid="erased">{o.sentence()}</p> })}
            {error.map(|e| view! { <ErrorNotice error=e/> })}
            {if v.creators.is_empty() {
                view! { <p class="muted">"No creators to erase."</p> }.into_any()
            } else {
                view! {
                    <form method="post" action=format!("/campaigns/{id}/privacy/erase") class="stack" data-testid="erase-form">
                        <label for="erase-creator">"Creator"</label>
                        <select id="erase-creator" name="creator_id" required>
                            {v.creators.into_iter().map(|(cid, name)| view! { <option value=cid.to_string()>{name}</option> }).collect_view()}
                        </select>
                        <fieldset class="stack">
                            <legend>"Erase them from"</legend>
                            <label><input type="radio" name="scope" value="campaign" checked/>" This campaign only"</label>
                            <label>
                                <input type="radio" name="scope" value="all" data-testid="erase-everywhere"/>
                                " Every campaign of your organization (the same portal account, contact email or handle; "
                                "other organizations' campaigns are not touched)"
                            </label>
                        </fieldset>
                        <div>
                            <input id="erase-confirm" type="checkbox" name="confirm" value="yes" required/>
                            " "
                            <label for="erase-confirm">"I understand this cannot be undone"</label>
                        </div>
                        <button type="submit" class="danger">"Erase this creator's personal data"</button>
                    </form>
                }.into_any()
            }}
        </section>
    }
}
