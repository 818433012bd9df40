//! Your organization: its members. (Inviting a colleague is a plain form below it, `routes::invitations`.)
use leptos::prelude::*;

use crate::accounts::Member;
use crate::components::ErrorNotice;
use crate::error::AppError;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "list_members")]
pub async fn list_members() -> Result<Vec<Member>, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::accounts::ssr::list_members(&state.db, &who).await
}

#[component]
pub fn OrganizationPage() -> impl IntoView {
    let members = crate::json_text::resource(|| (), |_| list_members());
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
        </section>
    }
}
