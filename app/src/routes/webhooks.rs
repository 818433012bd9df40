//! A campaign's webhooks for the viewer's organization: add one (its secret shown once), send a test, delete, and
//! the delivery log. Rendered on the server only (no island): every action is a plain form (`server/src/webhooks.rs`).
use leptos::prelude::*;

use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::webhooks::{Delivery, Webhook, WebhooksView};

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_webhooks")]
pub async fn get_webhooks(campaign_id: i64, created: Option<i64>) -> Result<WebhooksView, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::webhooks::ssr::view(&state.db, &who, campaign_id, created).await
}

#[component]
pub fn WebhooksPage(id: i64) -> impl IntoView {
    let created = leptos_router::hooks::use_query_map().read_untracked().get("created").and_then(|s| s.parse().ok());
    let data = crate::json_text::resource(move || (id, created), |(id, created)| get_webhooks(id, created));
    let error = super::query_error();
    let url = leptos_router::hooks::use_query_map().read_untracked().get("url").unwrap_or_default();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let error = error.clone();
                let url = url.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Hooks v error url/> }.into_any(),
                        Err(e) => super::refused_page(e, "Campaign not found"),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Hooks(v: WebhooksView, error: Option<AppError>, url: String) -> impl IntoView {
    let id = v.campaign_id;
    let zone = v.time_zone.clone();
    let hooks = v.webhooks.clone();
    let urls: Vec<(i64, String)> = hooks.iter().map(|h| (h.id, h.url.clone())).collect();
    view! {
        <section class="page narrow webhooks" data-testid="webhooks">
            <h1>"Webhooks — " {v.campaign_name.clone()}</h1>
            <p class="muted">
                "Post this campaign's events to your tools as they happen: " {v.org_name.clone()}
                "'s webhooks, seen by your organization only. Every delivery is signed with the webhook's secret "
                "(the Chorus-Signature header) and retried for a day until your server answers 2xx."
            </p>
            {error.map(|e| view! { <ErrorNotice error=e/> })}
            {v.revealed.map(|c| view! {
                <div class="notice" id="created" role="status" data-testid="webhook-secret">
                    <strong>"Webhook created. Its signing secret, shown this once: "</strong>
                    <code>{c.secret}</code>
                    <p>"Copy it now into the receiving service; Chorus will not show it again."</p>
                </div>
            })}
            <h2>"Your webhooks"</h2>
            {if hooks.is_empty() {
                view! { <p class="muted" data-testid="webhooks-none">"No webhooks yet."</p> }.into_any()
            } else {
                view! { <ul class="webhook-list">{hooks.into_iter().map(|h| view! { <HookItem h id/> }).collect_view()}</ul> }.into_any()
            }}
            <h2>"Add a webhook"</h2>
            <form method="post" action=format!("/campaigns/{id}/webhooks") class="stack" data-testid="webhook-form">
                <label for="webhook-url">"Address (https://…)"</label>
                <input id="webhook-url" name="url" type="url" required maxlength="2000" value=url placeholder="https://hooks.example.com/chorus"/>
                <label for="webhook-format">"Payload"</label>
                <select id="webhook-format" name="format">
                    <option value="chorus">"Chorus JSON (the event, signed)"</option>
                    <option value="slack">"Slack-compatible ({\"text\": …})"</option>
                </select>
                <details>
                    <summary>"Events (none ticked: every event)"</summary>
                    <fieldset class="kinds">
                        <legend>"Event kinds"</legend>
                        {v.kinds.into_iter().map(|k| {
                            let input_id = format!("kind-{k}");
                            view! {
                                <div><input type="checkbox" name="kinds" value=k.clone() id=input_id.clone()/>" "<label for=input_id>{k}</label></div>
                            }
                        }).collect_view()}
                    </fieldset>
                </details>
                <button type="submit" class="primary">"Add webhook"</button>
            </form>
            <h2 id="deliveries">"Delivery log"</h2>
            <DeliveryLog deliveries=v.deliveries urls zone/>
        </section>
    }
}

#[component]
fn HookItem(h: Webhook, id: i64) -> impl IntoView {
    let kinds = if h.kinds.is_empty() { "every event".to_string() } else { h.kinds.join(", ") };
    let who = h.created_by.clone().map(|n| format!(" · added by {n}")).unwrap_or_default();
    view! {
        <li class="webhook" data-testid="webhook">
            <p><code class="wrap">{h.url.clone()}</code></p>
            <p class="muted">{format!("{} payload · {kinds}{who}", h.format)}</p>
            <div class="row">
                <form method="post" action=format!("/campaigns/{id}/webhooks/{}/test", h.id)>
                    <button type="submit">"Send test"</button>
                </form>
                <form method="post" action=format!("/campaigns/{id}/webhooks/{}/delete", h.id)>
                    <button type="submit" class="danger">"Delete"</button>
                </form>
            </div>
        </li>
    }
}

#[component]
fn DeliveryLog(deliveries: Vec<Delivery>, urls: Vec<(i64, String)>, zone: String) -> impl IntoView {
    if deliveries.is_empty() {
        return view! { <p class="muted">"Nothing delivered yet. Events of the kinds you chose, and tests, appear here."</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="delivery-log" data-testid="delivery-log">
                <thead><tr><th scope="col">"Delivery"</th><th scope="col">"Event"</th><th scope="col">"State"</th><th scope="col">"Attempts"</th><th scope="col">"Last answer"</th><th scope="col">"Queued"</th></tr></thead>
                <tbody>
                    {deliveries.into_iter().map(|d| {
                        let to = urls.iter().find(|(i, _)| *i == d.webhook_id).map(|(_, u)| u.clone()).unwrap_or_default();
                        let answer = match (d.last_status, d.last_error.clone()) {
                            (Some(s), _) => s.to_string(),
                            (None, Some(e)) => e,
                            (None, None) => "—".to_string(),
                        };
                        let state = match (&*d.state, d.next_attempt_at) {
                            ("pending", Some(at)) if d.attempts > 0 => format!("retrying at {}", crate::dates::in_zone(&at, &zone)),
                            (s, _) => s.to_string(),
                        };
                        view! {
                            <tr data-state=d.state.clone()>
                                <td><code>{d.id.clone()}</code><br/><span class="muted wrap">{to}</span></td>
                                <td>{d.kind.clone()}</td>
                                <td>{state}</td>
                                <td>{d.attempts}</td>
                                <td class="wrap">{answer}</td>
                                <td><crate::dates::Time at=d.created_at zone=zone.clone()/></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
