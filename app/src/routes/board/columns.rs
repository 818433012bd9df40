//! The stage columns and the cards in them: dragging (mouse, touch, keyboard), tier, owner and next action.
use leptos::prelude::*;

use super::*;

#[component]
pub(super) fn Column(
    stage: Stage,
    now: chrono::DateTime<chrono::Utc>,
    /// Cards the server draws (see `FIRST_DRAW`): none for the columns folded away under "Declined and archived".
    #[prop(default = FIRST_DRAW)]
    first: usize,
) -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let filters = expect_context::<RwSignal<Filters>>();
    let expanded = RwSignal::new(false);
    let limit = move || if expanded.get() { usize::MAX } else { COLUMN_PAGE };
    // Newest arrivals first; a long column shows its first cards and the rest on request. Only the cards shown are
    // copied out of the board (a column of 500 sorts references, and copies its first 40).
    let cards = Memo::new(move |_| {
        let f = filters.get();
        let limit = limit();
        ctx.tiers.with(|t| {
            ctx.cards.with(|cs| {
                let mut v: Vec<&Card> = cs.iter().filter(|c| c.stage == stage && f.matches(c, t, now)).collect();
                v.sort_by(|a, b| b.stage_since.cmp(&a.stage_since).then(b.id.cmp(&a.id)));
                (v.len(), v.into_iter().take(limit).cloned().collect::<Vec<_>>())
            })
        })
    });
    // The server draws (and the browser hydrates) a screenful per column; the browser draws the rest a few
    // cards per task after it has hydrated, so no single task holds the page while a large board comes alive.
    let drawn = RwSignal::new(first);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if drawn.get() < cards.with(|(_, v)| v.len()) {
            set_timeout(
                move || {
                    drawn.try_update(|d| *d += DRAW_STEP);
                },
                std::time::Duration::ZERO,
            );
        }
    });
    let shown = move || cards.with(|(_, v)| v.iter().take(drawn.get()).cloned().collect::<Vec<_>>());
    let hidden = move || cards.with(|(n, v)| n - v.len());
    let over = RwSignal::new(false);
    view! {
        <section
            class="column"
            class:declined=matches!(stage, Stage::Declined | Stage::Archived)
            class:over=move || over.get() || ctx.touch_over.get() == Some(stage)
            class:current=move || ctx.phone_stage.get() == stage
            id=format!("stage-{}", stage.as_str())
            data-stage=stage.as_str()
            aria-label=stage.label()
            on:dragover=move |ev| {
                ev.prevent_default();
                over.set(true);
            }
            on:dragleave=move |_| over.set(false)
            on:drop=move |ev| {
                ev.prevent_default();
                over.set(false);
                let id = ctx.dragging.get_untracked().or_else(|| {
                    ev.data_transfer().and_then(|dt| dt.get_data("text/plain").ok()).and_then(|s| s.parse().ok())
                });
                if let Some(id) = id {
                    ctx.move_card(id, stage);
                }
                ctx.dragging.set(None);
            }
        >
            <h2>{stage.label()} <span class="count">{move || cards.with(|(n, _)| *n)}</span></h2>
            <ul>
                <For each=shown key=|c| (c.id, c.version, c.stage) children=move |card| view! { <CardView card now/> }/>
            </ul>
            {move || (hidden() > 0).then(|| view! {
                <button type="button" class="button small show-all" on:click=move |_| expanded.set(true)>
                    {format!("Show {} more", hidden())}
                </button>
            })}
        </section>
    }
}

/// Cards a column shows before "Show … more": enough for a screenful, few enough that a board of
/// thousands renders and updates quickly (filters narrow a column down further).
pub(super) const COLUMN_PAGE: usize = 40;

/// Cards per column in the page as the server sends it: what the first screen shows (Lighthouse measured a
/// 500-card board's hydration at ≈ 1 s of a phone's main thread with 40 per column drawn at once, see
/// docs/PERFORMANCE.md); the rest follow within a few frames.
pub(super) const FIRST_DRAW: usize = 4;

/// Cards a column draws per task after that (each task well under the 50 ms that makes a task "long").
#[cfg(feature = "hydrate")]
pub(super) const DRAW_STEP: usize = 4;

/// The stage under a touch point, for touch drags.
#[cfg(feature = "hydrate")]
pub(super) fn stage_at(x: i32, y: i32) -> Option<Stage> {
    let el = document().element_from_point(x as f32, y as f32)?;
    let col = el.closest("[data-stage]").ok()??;
    Stage::parse(&col.get_attribute("data-stage")?)
}

#[component]
pub(super) fn CardView(card: Card, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let id = card.id;
    let stage = card.stage;
    let style = format!("--partner: {}", card.owner.color);
    let m = card.metrics();
    let tiering = Memo::new(move |_| ctx.tiers.with(|t| tier_for(t, &m)));
    let overdue = card.overdue(now.date_naive());
    let due = card.next_action_due.map(|d| crate::dates::month_day(&d));
    let next = card.next_action.clone();
    let watchers = move || {
        ctx.viewers.with(|vs| {
            vs.iter().filter(|v| v.section == format!("card:{id}")).map(|v| v.initials()).collect::<Vec<_>>()
        })
    };
    let open = move || ctx.open.set(Some(id));
    let li = NodeRef::<leptos::html::Li>::new();
    // A card moved with the keyboard is drawn anew in its new column: focus follows it there, so the next
    // arrow press moves it again. A card just added is scrolled into view and highlighted.
    Effect::new(move |_| {
        let Some(el) = li.get() else { return };
        if ctx.focus_card.get_untracked() == Some(id) && nothing_focused() {
            let _ = el.focus();
        }
        if ctx.flash.get() == Some(id) {
            scroll_to(&el);
        }
    });
    let grip_down = move |ev: leptos::ev::PointerEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            // A mouse drags the whole card (HTML5 drag and drop); touch and pen drag from the grip.
            if ev.pointer_type() == "mouse" {
                return;
            }
            if let Some(el) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                let _ = el.set_pointer_capture(ev.pointer_id());
            }
            ev.prevent_default();
            ctx.dragging.set(Some(id));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let grip_move = move |ev: leptos::ev::PointerEvent| {
        #[cfg(feature = "hydrate")]
        if ctx.dragging.get_untracked() == Some(id) {
            ctx.touch_over.set(stage_at(ev.client_x(), ev.client_y()));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let grip_up = move |_| {
        if ctx.dragging.get_untracked() == Some(id) {
            if let Some(to) = ctx.touch_over.get_untracked() {
                ctx.move_card(id, to);
            }
        }
        ctx.touch_over.set(None);
        ctx.dragging.set(None);
    };
    // The person when named (the partner is the colour, and is read out), else the partner.
    let owner = match &card.owner_person {
        Some(p) => format!("{p} · {}", card.owner.name),
        None => card.owner.name.clone(),
    };
    let (owner_shown, owner_partner) = match &card.owner_person {
        Some(p) => (p.clone(), Some(format!(" · {}", card.owner.name))),
        None => (card.owner.name.clone(), None),
    };
    let due_view = due.map(|d| {
        let (text, title) = if overdue {
            (format!("Overdue · {d}"), format!("Overdue since {d}"))
        } else {
            (format!("Due {d}"), format!("Due {d}"))
        };
        let title = match &next {
            Some(n) => format!("{title}: {n}"),
            None => title,
        };
        view! { <span class="due" class:overdue=overdue title=title data-testid="card-due">{text}</span> }
    });
    view! {
        <li
            class="card"
            class:overdue=overdue
            class:flash=move || ctx.flash.get() == Some(id)
            draggable="true"
            tabindex="0"
            style=style
            node_ref=li
            data-card-id=id
            data-handle=card.handle.clone()
            aria-label=format!("{}, {} — Enter opens the detail, arrow keys move between stages", card.name, stage.label())
            on:dragstart=move |ev| {
                if let Some(dt) = ev.data_transfer() {
                    let _ = dt.set_data("text/plain", &id.to_string());
                }
                ctx.dragging.set(Some(id));
            }
            on:dragend=move |_| ctx.dragging.set(None)
            on:focusout=move |ev| {
                // Focus went elsewhere on purpose: stop bringing it back to this card.
                if ev.related_target().is_some() && ctx.focus_card.get_untracked() == Some(id) {
                    ctx.focus_card.set(None);
                }
            }
            on:keydown=move |ev| {
                if !ev.target().is_some_and(|t| is_self(&t, li)) {
                    return; // keys typed in the card's menu are the menu's
                }
                let forward = match ev.key().as_str() {
                    "ArrowRight" | "ArrowDown" => true,
                    "ArrowLeft" | "ArrowUp" => false,
                    "Enter" => {
                        ev.prevent_default();
                        open();
                        return;
                    }
                    _ => return,
                };
                ev.prevent_default();
                let current = ctx.cards.with_untracked(|cs| cs.iter().find(|c| c.id == id).map(|c| c.stage));
                if let Some(to) = current.and_then(|s| s.step(forward)) {
                    ctx.focus_card.set(Some(id));
                    ctx.move_card(id, to);
                }
            }
        >
            <div class="card-head">
                <button type="button" class="card-open" on:click=move |_| open()>{card.name.clone()}</button>
                <span class="pill" data-lane=card.lane.as_str() data-testid="lane-tag">{card.lane.label()}</span>
                <span
                    class="grip"
                    role="presentation"
                    title="Drag to another column"
                    on:pointerdown=grip_down
                    on:pointermove=grip_move
                    on:pointerup=grip_up
                    on:pointercancel=move |_| { ctx.touch_over.set(None); ctx.dragging.set(None); }
                >"⠿"</span>
            </div>
            <div class="card-meta">
                <span class="handle" title=format!("@{} on {}{}", card.handle, card.platform,
                    if card.handles > 1 { format!(", and {} more handles", card.handles - 1) } else { String::new() })>
                    "@" {card.handle.clone()}
                </span>
                <span class="followers">
                    " · " {followers_label(card.followers)}
                    {(card.handles > 1).then(|| format!(" · +{}", card.handles - 1))}
                </span>
                {move || tiering.with(|t| {
                    let label = match (&t.tier, t.below_minimum) {
                        (Some(tier), false) => tier.clone(),
                        (Some(tier), true) => format!("{tier} ⚠"),
                        (None, true) => format!("below {} ⚠", t.follower_tier.clone().unwrap_or_default()),
                        (None, false) => "no tier".to_string(),
                    };
                    view! {
                        <span class="pill tier" class:below=t.below_minimum data-testid="tier"
                            title=format!("{} — ER {}", t.explanation, pct(t.rate))>{label}</span>
                    }
                })}
                {move || {
                    let w = watchers();
                    (!w.is_empty()).then(|| view! { <span class="pill watching" data-testid="card-presence" title="Open by someone now">{format!("👁 {}", w.join(" "))}</span> })
                }}
            </div>
            <div class="card-foot">
                <span class="owner" title=format!("Owner: {owner}")>
                    {owner_shown}
                    {owner_partner.map(|p| view! { <span class="sr-only">{p}</span> })}
                </span>
                {due_view}
                <label class="move-to">
                    <span class="sr-only">"Move " {card.name.clone()} " to"</span>
                    // Its options as one piece of HTML: nothing for hydration to walk (nine options on every card).
                    <select aria-label=format!("Move {} to", card.name) title="Move to another stage" on:change=move |ev| {
                        if let Some(to) = Stage::parse(&event_target_value(&ev)) {
                            ctx.move_card(id, to);
                        }
                    } inner_html=stage_options(stage)>
                    </select>
                </label>
            </div>
        </li>
    }
}

/// The "Move to" menu's options, `current` selected (the labels are ours, never anybody's input).
fn stage_options(current: Stage) -> String {
    Stage::ALL
        .into_iter()
        .map(|s| {
            let selected = if s == current { " selected" } else { "" };
            format!(r#"<option value="{}"{selected}>{}</option>"#, s.as_str(), s.label())
        })
        .collect()
}

/// Nothing has the focus (it was on an element that has just been replaced).
fn nothing_focused() -> bool {
    #[cfg(feature = "hydrate")]
    {
        let active = document().active_element();
        active.is_none() || active == document().body().map(Into::into)
    }
    #[cfg(not(feature = "hydrate"))]
    true
}

/// The event's target is the card itself (not its button or menu).
fn is_self(target: &web_sys::EventTarget, li: NodeRef<leptos::html::Li>) -> bool {
    #[cfg(feature = "hydrate")]
    {
        li.get_untracked().is_some_and(|el| {
            let el: &web_sys::EventTarget = el.as_ref();
            el == target
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (target, li);
        true
    }
}

/// Scrolls `el` to the middle of the screen, smoothly unless the person asked for reduced motion.
fn scroll_to(el: &web_sys::HtmlLiElement) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, JsValue};
        let opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&opts, &"block".into(), &"center".into());
        let _ = js_sys::Reflect::set(&opts, &"inline".into(), &"nearest".into());
        let _ = js_sys::Reflect::set(&opts, &"behavior".into(), &"smooth".into());
        let target: &JsValue = el.as_ref();
        let f = js_sys::Reflect::get(target, &"scrollIntoView".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        if let Some(f) = f {
            let _ = f.call1(target, &opts);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = el;
}
