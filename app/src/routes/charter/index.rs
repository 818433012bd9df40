//! The charter's section index: every section as a link with its state (to do, to check, done; who is editing
//! it), a sticky column beside the sections on wide screens and a compact bar at the bottom of a phone's screen
//! that unfolds upwards.
use leptos::prelude::*;

use crate::charter::{CharterView, Section};

use super::CharterCtx;

/// A section's state on the launch checklist: `missing` (something blocks the launch), `check` (a warning), `done`.
pub(super) fn section_state(v: &CharterView, section: Section) -> &'static str {
    let open: Vec<_> = v.checklist.iter().filter(|c| c.section == Some(section) && !c.ok).collect();
    if open.iter().any(|c| c.blocking) {
        "missing"
    } else if open.is_empty() {
        "done"
    } else {
        "check"
    }
}

#[component]
pub(super) fn SectionIndex() -> impl IntoView {
    let ctx = expect_context::<CharterCtx>();
    // Folded on a phone until asked for (a wide screen always shows it).
    let unfolded = RwSignal::new(false);
    let to_do = move || ctx.view.with(|v| Section::ALL.iter().filter(|s| section_state(v, **s) == "missing").count());
    view! {
        <nav class="section-index" class:open=move || unfolded.get() aria-label="Charter sections" data-testid="section-index">
            <button type="button" class="section-index-toggle" aria-expanded=move || unfolded.get().to_string()
                aria-controls="section-index-list" on:click=move |_| unfolded.update(|o| *o = !*o)>
                <span>"Sections"</span>
                <span class="muted">{move || match to_do() {
                    0 => "all filled in".to_string(),
                    1 => "1 to do".to_string(),
                    n => format!("{n} to do"),
                }}</span>
            </button>
            <ol id="section-index-list" on:click=move |_| unfolded.set(false)>
                {Section::ALL.into_iter().map(|section| {
                    let state = move || ctx.view.with(|v| section_state(v, section));
                    let editing = move || ctx.presence.with(|p| {
                        let who = p.iter().filter(|x| x.section == section.key()).map(|x| x.label.clone()).collect::<Vec<_>>();
                        (!who.is_empty()).then(|| format!("{} editing", who.join(", ")))
                    });
                    view! {
                        <li data-state=state data-section=section.key()>
                            <a href=format!("#{}", section.key())>
                                <span class="mark" aria-hidden="true">{move || match state() { "missing" => "✗", "check" => "!", _ => "✓" }}</span>
                                <span class="name">{section.title()}</span>
                                <span class="state">{move || match state() { "missing" => "to do", "check" => "to check", _ => "done" }}</span>
                                {move || editing().map(|e| view! { <span class="editing">{e}</span> })}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
    }
}
