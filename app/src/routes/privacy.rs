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
    let erased = leptos_router::hooks::use_query_map().read_untracked().get("erased").is_some();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Erasure v error erased/> }.into_any(),
                        Err(e) => {
                            #[cfg(feature = "ssr")]
                            crate::state::set_status(e.code.status());
                            view! { <section class="page narrow"><h1>"Campaign not found"</h1><ErrorNotice error=e/></section> }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Erasure(v: ErasureView, error: Option<AppError>, erased: bool) -> impl IntoView {
    let id = v.campaign_id;
    view! {
        <section class="page narrow privacy" data-testid="erasure">
            <h1>"Erase a creator — " {v.campaign_name.clone()}</h1>
            <p class="muted">
                "On a creator's request: their name, handles, contact details and notes are anonymised, their drafts' files, "
                "captions and links removed, and every mention in this campaign, its history included, reads \"a creator (erased)\". "
                "Stage, fees and figures stay, so every total is unchanged. Every partner sees it at once. It cannot be undone."
            </p>
            {erased.then(|| view! { <p class="notice" role="status" data-testid="erased">"The creator was erased."</p> })}
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
