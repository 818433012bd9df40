//! An invitation link: a partner organization joins the campaign, or a creator makes their account.
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use super::query_error;
use crate::accounts::{Me, Role};
use crate::campaigns::{Invitation, InvitationKind};
use crate::components::ErrorNotice;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct InviteView {
    pub invitation: Invitation,
    pub me: Option<Me>,
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_invitation")]
pub async fn get_invitation(token: String) -> Result<InviteView, AppError> {
    let state = crate::state::app_state()?;
    let invitation = crate::campaigns::ssr::get_invitation(&state.db, &token).await?;
    let me = crate::state::current_principal().await?.map(|p| p.me);
    Ok(InviteView { invitation, me })
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let view_res = crate::json_text::resource(token, get_invitation);
    view! {
        <section class="page narrow">
            {query_error().map(|e| view! { <ErrorNotice error=e/> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match view_res.await {
                        Ok(v) => view! { <InviteBody v token=token()/> }.into_any(),
                        Err(e) => {
                            #[cfg(feature = "ssr")]
                            crate::state::set_status(404);
                            view! { <h1>"Invitation"</h1><ErrorNotice error=e/> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn InviteBody(v: InviteView, token: String) -> impl IntoView {
    let inv = v.invitation;
    let here = format!("/invite/{token}");
    let intro = format!("{} ({}) invites you to", inv.invited_by, inv.invited_by_org);
    match inv.kind {
        InvitationKind::Partner => {
            let body = match v.me {
                Some(Me { role: Role::Member, org: Some(org), .. }) => view! {
                    <form method="post" action="/auth/accept" class="stack">
                        <input type="hidden" name="token" value=token.clone()/>
                        <button type="submit" class="button primary">"Join as " {org.name}</button>
                    </form>
                }
                .into_any(),
                Some(_) => view! { <p>"Creator accounts cannot join as a partner. Sign in with a brand or agency account."</p> }.into_any(),
                None => view! {
                    <p class="actions">
                        <a class="button primary" href=format!("/signin?next={here}")>"Sign in to accept"</a>
                        <a class="button" href=format!("/signup?next={here}")>"Create your organization"</a>
                    </p>
                }
                .into_any(),
            };
            view! {
                <h1>"Join " {inv.campaign_name.clone()}</h1>
                <p>{intro} " run " <strong>{inv.campaign_name}</strong> " together, as a partner organization."</p>
                {body}
            }
            .into_any()
        }
        InvitationKind::Creator => view! {
            <h1>"Welcome, " {inv.creator_name.clone().unwrap_or_default()}</h1>
            <p>{intro} " " <strong>{inv.campaign_name}</strong> ". Create your creator account to see your brief and your point of contact."</p>
            <form method="post" action="/auth/creator-signup" class="stack">
                <input type="hidden" name="token" value=token/>
                <label>"Your name" <input name="name" required value=inv.creator_name.unwrap_or_default()/></label>
                <label>"Email" <input type="email" name="email" autocomplete="username" required/></label>
                <label>"Password (8 characters or more)" <input type="password" name="password" autocomplete="new-password" minlength="8" required/></label>
                <button type="submit" class="button primary">"Create creator account"</button>
            </form>
        }
        .into_any(),
    }
}
