//! A colleague's invitation: create an account in the inviting organization.
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::query_error;
use crate::accounts::MemberInvitation;
use crate::components::ErrorNotice;
use crate::error::AppError;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_member_invitation")]
pub async fn get_member_invitation(token: String) -> Result<MemberInvitation, AppError> {
    let state = crate::state::app_state()?;
    crate::accounts::ssr::get_member_invitation(&state.db, &token).await
}

#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let invitation = crate::json_text::resource(token, get_member_invitation);
    view! {
        <section class="page narrow">
            {query_error().map(|e| view! { <ErrorNotice error=e/> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match invitation.await {
                        Ok(inv) => view! {
                            <h1>"Join " {inv.org.name.clone()}</h1>
                            <p>{inv.invited_by} " invites you to work in Chorus as a member of " <strong>{inv.org.name}</strong> "."</p>
                            <form method="post" action="/auth/join" class="stack">
                                <input type="hidden" name="token" value=token()/>
                                <label>"Your name" <input name="name" autocomplete="name" required/></label>
                                <label>"Email" <input type="email" name="email" autocomplete="username" required/></label>
                                <label>"Password (8 characters or more)" <input type="password" name="password" autocomplete="new-password" minlength="8" required/></label>
                                <button type="submit" class="button primary">"Create my account"</button>
                            </form>
                        }.into_any(),
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
