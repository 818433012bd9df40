//! A section's comment thread: adding comments and resolving them.
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::charter::{CharterComment, Section};
use crate::components::ErrorNotice;
use crate::dates::Time;
use crate::error::AppError;

use super::{comment_charter, resolve_charter_comment, CharterCtx};

#[component]
pub(super) fn Comments(section: Section, comments: Signal<Vec<CharterComment>>) -> impl IntoView {
    let ctx = expect_context::<CharterCtx>();
    let error = RwSignal::new(None::<AppError>);
    let post = move |body: String, parent: Option<i64>| {
        spawn_local(async move {
            match comment_charter(ctx.id, section, body, parent).await {
                Ok(_) => {
                    error.set(None);
                    ctx.refresh();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let draft = RwSignal::new(String::new());
    view! {
        <div class="comments">
            {move || {
                let all = comments.get();
                let threads: Vec<CharterComment> = all.iter().filter(|c| c.parent_id.is_none()).cloned().collect();
                threads.into_iter().map(|t| {
                    let replies: Vec<CharterComment> = all.iter().filter(|c| c.parent_id == Some(t.id)).cloned().collect();
                    let id = t.id;
                    let reply = RwSignal::new(String::new());
                    view! {
                        <article class="comment" class:resolved=t.resolved_by.is_some() class:from-creator=t.author_is_creator data-testid="comment">
                            <p><strong>{t.author.clone()}</strong>{t.author_is_creator.then_some(" · creator")} " " <span class="muted"><Time at=t.created_at zone=ctx.view.with_untracked(|v| v.time_zone.clone())/></span></p>
                            <p>{t.body.clone()}</p>
                            {replies.into_iter().map(|r| view! { <p class="reply"><strong>{r.author}</strong> ": " {r.body}</p> }).collect_view()}
                            {match t.resolved_by.clone() {
                                Some(by) => view! { <p class="muted">"Resolved by " {by}</p> }.into_any(),
                                None => view! {
                                    <div class="row">
                                        <input class="grow" aria-label="Reply" placeholder="Reply…" on:input=move |ev| reply.set(event_target_value(&ev))/>
                                        <button type="button" class="button small" on:click=move |_| post(reply.get_untracked(), Some(id))>"Reply"</button>
                                        <button type="button" class="button small" on:click=move |_| spawn_local(async move {
                                            if resolve_charter_comment(ctx.id, id).await.is_ok() { ctx.refresh(); }
                                        })>"Mark resolved"</button>
                                    </div>
                                }.into_any(),
                            }}
                        </article>
                    }
                }).collect_view()
            }}
            <details>
                <summary>"Comment on this section"</summary>
                <div class="row">
                    <input class="grow" aria-label=format!("Comment on {}", section.title()) on:input=move |ev| draft.set(event_target_value(&ev))/>
                    <button type="button" class="button small" on:click=move |_| post(draft.get_untracked(), None)>"Comment"</button>
                </div>
            </details>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </div>
    }
}
