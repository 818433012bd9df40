//! A creator's view of the charter before launch: the brief, the pillars, the criteria and whom to talk to,
//! with a place to say what does not add up.
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::charter::{markdown, CharterComment, CreatorCharter, Section};
use crate::components::ErrorNotice;
use crate::dates::Time;
use crate::error::AppError;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_creator_charter")]
pub async fn get_creator_charter(campaign_id: i64) -> Result<CreatorCharter, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::charter::ssr::get_creator_charter(&state.db, &who, campaign_id).await
}

/// The comment being written on each section (brief, pillars, criteria).
#[derive(Clone, Copy)]
struct Drafts([RwSignal<String>; 3]);

#[component]
pub fn PortalCharterPage(id: i64) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = crate::json_text::resource(move || (id, reload.get()), |(id, _)| get_creator_charter(id));
    // Marks the page once the browser app has taken over (before that, the buttons do nothing).
    let hydrated = RwSignal::new("no");
    Effect::new(move |_| hydrated.set("yes"));
    // "live" once the server confirmed the subscription: a partner's reply to her comment arrives from then on.
    let live = RwSignal::new("connecting");
    #[cfg(feature = "hydrate")]
    {
        use crate::realtime::client::{follow, LiveStatus};
        use crate::realtime::PortalMsg;
        let on_msg = move |msg: PortalMsg| match msg {
            // The page came with the latest; after a reconnection, catch up on what was missed.
            PortalMsg::Subscribed { .. } => {
                if live.get_untracked() == "reconnecting" {
                    reload.update(|r| *r += 1);
                }
                live.set("live");
            }
            PortalMsg::Portal { .. } => reload.update(|r| *r += 1),
            PortalMsg::Reset { .. } | PortalMsg::Other => {}
        };
        let again = move || async move {
            reload.update(|r| *r += 1);
            Some(0)
        };
        let (_, status) = follow(id, 0, on_msg, again);
        Effect::new(move |_| {
            if status.get() == LiveStatus::Reconnecting {
                live.set("reconnecting");
            }
        });
    }
    // What she is typing survives a reply arriving (the page re-renders with the new thread).
    let drafts = Drafts([RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new())]);
    view! {
        <script src="/times.js" defer></script>
        <section class="page narrow portal" data-hydrated=move || hydrated.get() data-live=move || live.get()>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(c) => view! { <CreatorCharterView c reload drafts/> }.into_any(),
                        Err(e) => {
                            #[cfg(feature = "ssr")]
                            crate::state::set_status(e.code.status());
                            view! { <h1>"Not found"</h1><ErrorNotice error=e/> }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CreatorCharterView(c: CreatorCharter, reload: RwSignal<u32>, drafts: Drafts) -> impl IntoView {
    let id = c.campaign_id;
    let pillars = c.pillars.pillars.clone();
    let comments = c.comments.clone();
    let zone = c.time_zone.clone();
    let version =
        c.version.map(|v| format!("Version {v}, up for sign-off by the partners")).unwrap_or_else(|| "Draft".into());
    view! {
        <h1>{c.campaign_name.clone()}</h1>
        <p class="muted">{version}</p>
        <p class="contact">"Your one point of contact: " <strong data-testid="contact">{c.contact.clone()}</strong></p>
        <section class="panel" data-section="creative_brief">
            <h2>"The brief"</h2>
            <div class="md" inner_html=markdown::to_html(&c.brief.markdown)></div>
            <Threads section=Section::CreativeBrief comments=comments.clone() zone=zone.clone()/>
            <Ask id section=Section::CreativeBrief reload text=drafts.0[0]/>
        </section>
        <section class="panel" data-section="pillars">
            <h2>"Content pillars"</h2>
            <ul>{pillars.into_iter().map(|p| view! {
                <li><strong>{p.name}</strong> ": " {p.description} <br/> "Do: " {p.dos} <br/> "Don't: " {p.donts}</li>
            }).collect_view()}</ul>
            <Threads section=Section::Pillars comments=comments.clone() zone=zone.clone()/>
            <Ask id section=Section::Pillars reload text=drafts.0[1]/>
        </section>
        <section class="panel" data-section="criteria">
            <h2>"How your content is approved"</h2>
            <h3>"UGC"</h3>
            <ul>{c.criteria.ugc.iter().filter(|x| !x.trim().is_empty()).map(|x| view! { <li>{x.clone()}</li> }).collect_view()}</ul>
            <h3>"Influencer posts"</h3>
            <ul>{c.criteria.influencer.iter().filter(|x| !x.trim().is_empty()).map(|x| view! { <li>{x.clone()}</li> }).collect_view()}</ul>
            <h3>"What we expect of you"</h3>
            <p>{c.criteria.creator_expectations.clone()}</p>
            {c.criteria.disclosure.iter().any(|x| !x.trim().is_empty()).then(|| view! {
                <h3>"Disclosure wording in every caption"</h3>
                <ul>{c.criteria.disclosure.iter().filter(|x| !x.trim().is_empty()).map(|x| view! { <li>{x.clone()}</li> }).collect_view()}</ul>
            })}
            <Threads section=Section::Criteria comments=comments.clone() zone=zone.clone()/>
            <Ask id section=Section::Criteria reload text=drafts.0[2]/>
        </section>
    }
}

#[component]
fn Threads(section: Section, comments: Vec<CharterComment>, zone: String) -> impl IntoView {
    let mine: Vec<CharterComment> =
        comments.iter().filter(|c| c.section == section && c.parent_id.is_none()).cloned().collect();
    mine.into_iter()
        .map(|t| {
            let replies: Vec<CharterComment> = comments.iter().filter(|c| c.parent_id == Some(t.id)).cloned().collect();
            view! {
                <article class="comment" data-testid="my-comment">
                    <p>{t.body} " " <span class="muted"><Time at=t.created_at zone=zone.clone()/></span></p>
                    {replies.into_iter().map(|r| view! {
                        <p class="reply" data-testid="reply"><strong>{r.author}</strong> " · " <span class="muted"><Time at=r.created_at zone=zone.clone()/></span> <br/> {r.body}</p>
                    }).collect_view()}
                    {t.resolved_by.map(|by| view! { <p class="muted">"Resolved by " {by}</p> })}
                </article>
            }
        })
        .collect_view()
}

#[component]
fn Ask(id: i64, section: Section, reload: RwSignal<u32>, text: RwSignal<String>) -> impl IntoView {
    let error = RwSignal::new(None::<AppError>);
    let send = move |_| {
        let body = text.get_untracked();
        spawn_local(async move {
            match super::charter::comment_charter(id, section, body, None).await {
                Ok(_) => {
                    text.set(String::new());
                    reload.update(|r| *r += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="stack compact">
            <label>{format!("Comment on the {}", section.title().to_lowercase())}
                <textarea rows="2" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            <button type="button" class="button primary" on:click=send>"Send to the partners"</button>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </div>
    }
}
