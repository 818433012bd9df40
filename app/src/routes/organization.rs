//! Your organization: its members, and a link to bring a colleague in.
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::accounts::Member;
use crate::components::ErrorNotice;
use crate::error::AppError;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "list_members")]
pub async fn list_members() -> Result<Vec<Member>, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::accounts::ssr::list_members(&state.db, &who).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "invite_member")]
pub async fn invite_member() -> Result<String, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    Ok(crate::accounts::ssr::invite_member(&state.db, &who).await?.0.path)
}

#[component]
pub fn OrganizationPage() -> impl IntoView {
    let members = crate::json_text::resource(|| (), |_| list_members());
    let link = RwSignal::new(None::<Result<String, AppError>>);
    let invite = move |_| {
        spawn_local(async move {
            let result = invite_member().await.map(|path| {
                #[cfg(feature = "hydrate")]
                {
                    format!("{}{path}", window().location().origin().unwrap_or_default())
                }
                #[cfg(not(feature = "hydrate"))]
                {
                    path
                }
            });
            link.set(Some(result));
        })
    };
    view! {
        <section class="page narrow">
            <h1>"Your organization"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match members.await {
                        Ok(list) => view! {
                            <table class="table" data-testid="members">
                                <thead><tr><th>"Name"</th><th>"Email"</th><th>"Member since"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|m| view! {
                                        <tr><td>{m.name}</td><td>{m.email}</td><td>{crate::dates::iso_day(&m.joined_at)}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => {
                            #[cfg(feature = "ssr")]
                            crate::state::set_status(e.code.status());
                            view! { <ErrorNotice error=e/> }.into_any()
                        }
                    }
                })}
            </Suspense>
            <h2>"Invite a colleague"</h2>
            <p class="muted">"A single-use link, valid for 7 days. Whoever opens it creates an account in your organization and sees every campaign your organization is a partner of."</p>
            <button class="button primary" on:click=invite>"Create an invitation link"</button>
            {move || link.get().map(|r| match r {
                Ok(url) => view! { <div class="notice" role="status">"Send this link: " <code data-testid="member-link">{url}</code></div> }.into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
        </section>
    }
}
