//! The top bar: where you are, who you are, and the way out.
use leptos::prelude::*;

use crate::accounts::{Me, Role};
use crate::error::AppError;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "me")]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    Ok(crate::state::current_principal().await?.map(|p| p.me))
}

#[component]
pub fn TopBar() -> impl IntoView {
    let me = crate::json_text::resource(|| (), |_| get_me());
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <span class="logo" aria-hidden="true">"◆"</span>
                " Chorus"
            </a>
            <nav aria-label="Account">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(me)) => view! {
                                <span class="who" data-testid="signed-in-as">
                                    {me.name.clone()}
                                    {me.org.clone().map(|o| view! { <span class="muted">" · " {o.name}</span> })}
                                    {(me.role == Role::Creator).then(|| view! { <span class="muted">" · creator"</span> })}
                                </span>
                                {(me.role == Role::Member).then(|| view! {
                                    <a href="/settings/organization">"Organization"</a>
                                    <a href="/settings/tokens">"API tokens"</a>
                                })}
                                <form method="post" action="/auth/signout" class="inline">
                                    <button type="submit" class="link">"Sign out"</button>
                                </form>
                            }.into_any(),
                            _ => view! {
                                <a href="/signin">"Sign in"</a>
                                <a href="/signup" class="button small">"Sign up"</a>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}
