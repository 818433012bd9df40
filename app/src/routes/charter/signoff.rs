//! The sign-off panel: signing the version up for sign-off, the launch checklist, and what changed.
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::charter::diff::{self, Change as LineChange};
use crate::charter::Section;
use crate::components::PartnerChip;
use crate::dates::Time;
use crate::error::AppError;

use super::{launch_campaign, propose_charter, sign_charter, CharterCtx};

#[component]
pub(super) fn SignOff() -> impl IntoView {
    let ctx = expect_context::<CharterCtx>();
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let run = move |what: &'static str| {
        busy.set(true);
        error.set(None);
        let number = ctx.view.with_untracked(|v| v.current.as_ref().map(|c| c.number).unwrap_or(0));
        spawn_local(async move {
            let result = match what {
                "propose" => propose_charter(ctx.id).await.map(|_| ()),
                "sign" => sign_charter(ctx.id, number).await,
                _ => launch_campaign(ctx.id).await,
            };
            busy.set(false);
            match result {
                Ok(()) => ctx.refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // The first thing that keeps the campaign from launching (the gate is shut while there is one).
    let blocked =
        move || ctx.view.with(|v| v.checklist.iter().find(|c| c.blocking && !c.ok).map(|c| c.message.clone()));
    let signed_by_me = move || {
        ctx.view.with(|v| {
            v.current
                .as_ref()
                .is_some_and(|c| v.can_sign_for.iter().all(|org| c.signatures.iter().any(|s| s.org.id == *org)))
        })
    };
    view! {
        <section class="panel sign-off" id="sign-off" data-testid="sign-off">
            <h2>"Sign-off"</h2>
            // What is missing comes first: the proposal and the partners' signatures, then the sections to fill in.
            {move || ctx.view.with(|v| {
                let mut missing = v.checklist.iter().filter(|c| c.blocking && !c.ok).collect::<Vec<_>>();
                missing.sort_by_key(|c| c.section.is_some());
                (v.status != "live" && !missing.is_empty()).then(|| view! {
                    <div class="missing" data-testid="missing">
                        <p><strong>{match missing.len() { 1 => "1 thing".to_string(), n => format!("{n} things") }} " to do before launch"</strong></p>
                        <ul>
                            {missing.into_iter().map(|c| {
                                let href = c.section.map(|s| format!("#{}", s.key())).unwrap_or_else(|| "#sign-off-actions".into());
                                view! { <li data-section=c.section.map(|s| s.key())><a href=href>{c.message.clone()}</a></li> }
                            }).collect_view()}
                        </ul>
                    </div>
                })
            })}
            {move || ctx.view.with(|v| match &v.current {
                None => view! { <p class="muted">"Not proposed yet. Edits are drafts until someone proposes the charter for sign-off."</p> }.into_any(),
                Some(c) => view! {
                    <p>"Version " <strong data-testid="version">{c.number}</strong> " proposed by " {c.proposed_by.clone()} " on " <Time at=c.proposed_at zone=v.time_zone.clone()/></p>
                    <ul class="signatures">
                        {v.roster.partners.iter().map(|p| {
                            let sig = c.signatures.iter().find(|s| s.org.id == p.id).cloned();
                            let signed = sig.is_some();
                            view! {
                                <li class:signed=signed>
                                    <PartnerChip org=p.clone()/>
                                    {match sig {
                                        Some(s) => view! { " signed by " {s.user_name} " · " <Time at=s.signed_at zone=v.time_zone.clone()/> }.into_any(),
                                        None => " not signed yet".into_any(),
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
            <div class="actions stack-tight" id="sign-off-actions">
                {move || ctx.view.with(|v| v.draft_differs).then(|| view! {
                    <button class="button primary" disabled=move || busy.get() on:click=move |_| run("propose")>"Propose for sign-off"</button>
                })}
                {move || {
                    let can = ctx.view.with(|v| v.current.is_some() && !v.can_sign_for.is_empty());
                    let number = ctx.view.with(|v| v.current.as_ref().map(|c| c.number).unwrap_or(0));
                    (can && !signed_by_me()).then(|| view! {
                        <button class="button primary" disabled=move || busy.get() on:click=move |_| run("sign")>"Sign version " {number}</button>
                    })
                }}
                {move || (ctx.view.with(|v| v.status != "live")).then(|| view! {
                    <button class="button" disabled=move || busy.get() || blocked().is_some() on:click=move |_| run("launch")
                        aria-describedby="launch-gate">"Launch the campaign"</button>
                })}
            </div>
            {move || ctx.view.with(|v| v.status != "live").then(blocked).flatten().map(|first| view! {
                <p class="muted gate-note" id="launch-gate" data-testid="launch-gate">"Launch opens when the checklist is clear. First: " {first}</p>
            })}
            // The message alone: the gate's field name ("charter") means nothing to a person.
            {move || error.get().map(|e| view! { <div class="notice error" role="alert"><strong>{e.message}</strong></div> })}
        </section>
    }
}

#[component]
pub(super) fn Checklist() -> impl IntoView {
    let ctx = expect_context::<CharterCtx>();
    view! {
        <section class="panel">
            <h2>"Launch checklist"</h2>
            <ul class="checklist" data-testid="checklist">
                {move || ctx.view.with(|v| v.checklist.clone()).into_iter().map(|c| {
                    let mark = if c.ok { "✓" } else if c.blocking { "✗" } else { "!" };
                    let href = c.section.map(|s| format!("#{}", s.key()));
                    view! {
                        <li class:ok=c.ok class:warning=!c.blocking && !c.ok class:missing=c.blocking && !c.ok>
                            <span class="mark" aria-hidden="true">{mark}</span>
                            {match href {
                                Some(h) => view! { <a href=h>{c.message.clone()}</a> }.into_any(),
                                None => view! { <span>{c.message.clone()}</span> }.into_any(),
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// What changed: between the last version every partner signed and the one up for sign-off, and what the
/// draft has that no version has yet.
#[component]
pub(super) fn Changes() -> impl IntoView {
    let ctx = expect_context::<CharterCtx>();
    let render = move |title: String, lines: Vec<(Section, Vec<diff::Line>)>| {
        view! {
            <h3>{title}</h3>
            {lines.into_iter().map(|(s, ls)| view! {
                <div class="diff">
                    <h4>{s.title()}</h4>
                    <pre>{ls.into_iter().filter(|l| l.change != LineChange::Same).map(|l| {
                        let (class, sign) = match l.change { LineChange::Added => ("added", "+ "), LineChange::Removed => ("removed", "− "), LineChange::Same => ("", "  ") };
                        view! { <span class=class>{sign}{l.text}"\n"</span> }
                    }).collect_view()}</pre>
                </div>
            }).collect_view()}
        }
    };
    view! {
        <section class="panel" data-testid="changes">
            <h2>"Changes"</h2>
            {move || ctx.view.with(|v| {
                let mut parts = Vec::new();
                if let (Some(signed), Some(cur)) = (&v.last_signed, &v.current) {
                    let by = signed.signatures.iter().map(|s| s.org.name.clone()).collect::<Vec<_>>().join(", ");
                    parts.push(render(format!("Version {} (signed by {by}) → version {}", signed.number, cur.number), diff::sections(&signed.doc, &cur.doc, &v.roster)).into_any());
                }
                if let Some(cur) = &v.current {
                    if v.draft_differs {
                        parts.push(render(format!("Not yet proposed (since version {})", cur.number), diff::sections(&cur.doc, &v.draft, &v.roster)).into_any());
                    }
                }
                if parts.is_empty() {
                    parts.push(view! { <p class="muted">"No changes to review."</p> }.into_any());
                }
                parts
            })}
        </section>
    }
}
