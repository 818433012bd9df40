//! API tokens: a partner creates them for its integrations and revokes them here.
use leptos::prelude::*;

use crate::accounts::{ApiToken, NewApiToken};
use crate::components::ErrorNotice;
use crate::error::AppError;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "list_tokens")]
pub async fn list_tokens() -> Result<Vec<ApiToken>, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::accounts::ssr::list_tokens(&state.db, &who).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "create_token")]
pub async fn create_token(name: String) -> Result<NewApiToken, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::accounts::ssr::create_token(&state.db, &who, &name).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::accounts::ssr::revoke_token(&state.db, &who, id).await
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens =
        crate::json_text::resource(move || (create.version().get(), revoke.version().get()), |_| list_tokens());
    // "yes" once the page runs in the browser (before that, the form posts without JavaScript).
    let hydrated = RwSignal::new("no");
    Effect::new(move |_| hydrated.set("yes"));
    view! {
        <section class="page" data-hydrated=move || hydrated.get()>
            <h1>"API tokens"</h1>
            <p class="muted">
                "Integrations push and read data through the " <a href="/api/v1/openapi.json">"JSON API"</a>
                " with a token of your organization: send it as " <code>"Authorization: Bearer …"</code> "."
            </p>
            <form method="post" action={<CreateToken as leptos::server_fn::ServerFn>::url()} class="row" on:submit=move |ev| {
                if let Some(f) = crate::components::Submitted::take(&ev) {
                    create.dispatch(CreateToken { name: f.get("name") });
                }
            }>
                <label class="grow">"Token name" <input name="name" required placeholder="e.g. Reporting sync"/></label>
                <button type="submit" class="button primary">"Create token"</button>
            </form>
            {move || create.value().get().map(|r| match r {
                Ok(t) => view! {
                    <div class="notice success" role="status">
                        "Copy the token now; it is not shown again: " <code data-testid="new-token">{t.secret}</code>
                    </div>
                }.into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No tokens yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="table">
                                <thead><tr><th>"Name"</th><th>"Token"</th><th>"Created by"</th><th>"Last used"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|t| {
                                        let id = t.id;
                                        view! {
                                            <tr>
                                                <td>{t.name}</td>
                                                <td><code>{t.prefix} "…"</code></td>
                                                <td>{t.created_by}</td>
                                                <td>{t.last_used_at.map(|d| crate::dates::iso_minute_utc(&d)).unwrap_or_else(|| "never".into())}</td>
                                                <td>{match t.revoked_at {
                                                    Some(_) => view! { <span class="muted">"revoked"</span> }.into_any(),
                                                    None => view! {
                                                        <button class="button small danger" on:click=move |_| { revoke.dispatch(RevokeToken { id }); }>"Revoke"</button>
                                                    }.into_any(),
                                                }}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
