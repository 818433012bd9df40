//! The board as it is shown and kept live: the columns under the filter bar, events applied as they arrive, who
//! else is looking, progress of long jobs, the connection's state and a refused move's banner.
use leptos::prelude::*;

use super::*;
use crate::components::{sheet_command, Sheet};

#[component]
pub(super) fn BoardView(data: BoardData) -> impl IntoView {
    // Escalations show in the campaign's banner above every page (components::campaign_chrome).
    // The activity trail is the chrome's side panel (components::campaign_chrome).
    let BoardData { board, me, ugc_lead } = data;
    let ugc_lead =
        format!("UGC lead {}: {}", ugc_lead.0, ugc_lead.1.unwrap_or_else(|| "not set in the charter".into()));
    let campaign = board.campaign.clone();
    let me_id = me.user_id;
    let ctx = BoardCtx {
        campaign_id: campaign.id,
        cards: RwSignal::new(board.cards),
        tiers: RwSignal::new(board.tiers),
        partners: RwSignal::new(campaign.partners.clone()),
        people: RwSignal::new(board.people),
        refused: RwSignal::new(None),
        dragging: RwSignal::new(None),
        touch_over: RwSignal::new(None),
        open: RwSignal::new(None),
        rev: RwSignal::new(0),
        viewers: RwSignal::new(Vec::new()),
        progress: RwSignal::new(Vec::new()),
        reload: RwSignal::new(0),
        focus_card: RwSignal::new(None),
        flash: RwSignal::new(None),
        phone_stage: RwSignal::new(Stage::Prospect),
        inflight: StoredValue::new(Default::default()),
    };
    provide_context(ctx);
    let toast = RwSignal::new(None::<String>);
    let status = RwSignal::new(LiveLabel::Connecting);
    let add_opened = RwSignal::new(false);
    let import_opened = RwSignal::new(false);

    let filters = expect_context::<RwSignal<Filters>>();
    // Today, for stage ages and overdue marks (fixed per page view; a reload moves it on).
    let now = chrono::Utc::now();

    let apply = move |event: Event| {
        apply_event(ctx, &event);
        if event.actor.user_id != me_id {
            toast.set(Some(event.describe()));
        }
    };

    let on_msg = move |msg: ServerMsg| match msg {
        ServerMsg::Event { event } => apply(event),
        ServerMsg::Presence { user_id, name, org_name, section, .. } if user_id != me_id => {
            let now = js_now();
            ctx.viewers.update(|vs| {
                vs.retain(|v| v.user_id != user_id && now - v.seen < 30_000.0);
                if let Some(section) = section {
                    vs.push(Viewer { user_id, name, org: org_name, section, seen: now });
                }
            });
        }
        ServerMsg::Progress { job, by, done, total, .. } => ctx.progress.update(|p| {
            p.retain(|(j, ..)| *j != job);
            if done < total {
                p.push((job, by, done, total));
            }
        }),
        _ => {}
    };
    #[cfg(not(feature = "hydrate"))]
    let _ = &on_msg;

    #[cfg(feature = "hydrate")]
    {
        use crate::realtime::client::{follow, LiveStatus};
        use crate::realtime::ClientMsg;
        let campaign_id = campaign.id;
        let reload = move || async move {
            let fresh = get_board(campaign_id).await.ok()?;
            ctx.cards.set(fresh.board.cards);
            ctx.tiers.set(fresh.board.tiers);
            ctx.people.set(fresh.board.people);
            ctx.partners.set(fresh.board.campaign.partners);
            Some(fresh.board.head)
        };
        let (handle, live_status) = follow(campaign_id, board.head, on_msg, reload);
        Effect::new(move |_| {
            status.set(match live_status.get() {
                LiveStatus::Connecting => LiveLabel::Connecting,
                LiveStatus::Live => LiveLabel::Live,
                LiveStatus::Reconnecting => LiveLabel::Reconnecting,
            })
        });
        // Reload when asked to (large imports, new tiers); events keep flowing meanwhile.
        Effect::new(move |prev: Option<u64>| {
            let r = ctx.reload.get();
            if prev.is_some_and(|p| p != r) {
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) = get_board(campaign_id).await {
                        ctx.cards.set(fresh.board.cards);
                        ctx.tiers.set(fresh.board.tiers);
                    }
                });
            }
            r
        });
        // Presence: where this tab is (the board, or a card's detail), now and every 10 s.
        let announce = move || {
            let section = match ctx.open.get_untracked() {
                Some(id) => format!("card:{id}"),
                None => "board".to_string(),
            };
            if let Some(live) = handle.get_value() {
                live.send(&ClientMsg::Presence { campaign_id, section: Some(section) });
            }
        };
        Effect::new(move |_| {
            ctx.open.track();
            live_status.track();
            announce();
        });
        let interval = set_interval_with_handle(
            move || {
                announce();
                let now = js_now();
                ctx.viewers.update(|vs| vs.retain(|v| now - v.seen < 30_000.0));
            },
            std::time::Duration::from_secs(10),
        );
        on_cleanup(move || {
            if let Ok(h) = interval {
                h.clear();
            }
        });
    }

    let shown = Memo::new(move |_| {
        let f = filters.get();
        ctx.tiers.with(|t| ctx.cards.with(|cs| cs.iter().filter(|c| f.matches(c, t, now)).count()))
    });
    let total = move || ctx.cards.with(Vec::len);
    let swipe_start = RwSignal::new(None::<(i32, i32)>);

    view! {
        <section class="board-page" data-campaign-id=campaign.id>
            <header class="board-header">
                <div>
                    <h1>{campaign.name.clone()}</h1>
                    <div class="partners" aria-label="Partners">
                        <For each=move || ctx.partners.get() key=|p| p.id children=|p| view! { <PartnerChip org=p/> }/>
                    </div>
                </div>
                <div class="board-tools">
                    <Viewers/>
                    <span class="chip" data-testid="ugc-lead" title="Rotates by quarter, per the charter">{ugc_lead}</span>
                    <span class="live" data-status=move || status.get().as_str() role="status" aria-live="polite"
                        title="Your connection for live updates (not the campaign's status)" data-testid="connection">
                        <span class="dot" aria-hidden="true"></span>
                        {move || status.get().label()}
                    </span>
                    // The invitation page (server-rendered) takes their email and mails the link.
                    <a class="button small" href=format!("/campaigns/{}/invite", ctx.campaign_id)>"Invite a partner"</a>
                    // Opened without any code of ours: the buttons invoke their dialog (`commandfor`), which takes
                    // the focus, closes on Escape and gives the focus back to the button.
                    <button type="button" class="button small" data-testid="open-import"
                        {..sheet_command("import-sheet", "show-modal")}>"Import CSV"</button>
                    <button type="button" class="button small primary" data-testid="open-add"
                        {..sheet_command("add-creator-sheet", "show-modal")}>"Add a creator"</button>
                </div>
            </header>
            <ProgressBars/>
            {move || ctx.refused.get().map(|r| view! { <RefusedBanner refused=r/> })}
            {move || toast.get().map(|t| view! { <div class="toast" role="status" data-testid="toast">{t}</div> })}
            <FilterBar/>
            <p class="muted filter-count" data-testid="filter-count">
                {move || if filters.with(Filters::active) {
                    format!("Showing {} of {} creators", shown.get(), total())
                } else {
                    format!("{} creators in the pool", total())
                }}
            </p>
            <StageSwitcher now/>
            <div class="board flow" data-testid="board"
                on:pointerdown=move |ev| {
                    // Not when a card is being dragged from its grip.
                    swipe_start.set(swipe_point(&ev).filter(|_| ctx.dragging.get_untracked().is_none()))
                }
                on:pointerup=move |ev| {
                    // A sideways swipe on a phone shows the next or the previous stage.
                    if let (Some((x0, y0)), Some((x, y))) = (swipe_start.get_untracked(), swipe_point(&ev)) {
                        let (dx, dy) = (x - x0, y - y0);
                        if ctx.dragging.get_untracked().is_none() && dx.abs() > 60 && dx.abs() > 2 * dy.abs() {
                            let here = ctx.phone_stage.get_untracked();
                            let at = Stage::FLOW.iter().position(|s| *s == here).unwrap_or(0);
                            let next = if dx < 0 { at + 1 } else { at.saturating_sub(1) };
                            if let Some(s) = Stage::FLOW.get(next) {
                                ctx.phone_stage.set(*s);
                            }
                        }
                    }
                    swipe_start.set(None);
                }
            >
                {Stage::FLOW.into_iter().map(|stage| view! { <Column stage now/> }).collect_view()}
            </div>
            <details class="out-of-the-way">
                <summary>
                    "Declined and archived "
                    <span class="count">{move || ctx.cards.with(|cs| cs.iter().filter(|c| matches!(c.stage, Stage::Declined | Stage::Archived)).count())}</span>
                </summary>
                <div class="board">
                    <Column stage=Stage::Declined now first=0/>
                    <Column stage=Stage::Archived now first=0/>
                </div>
            </details>
            {move || ctx.open.get().map(|id| view! { <CardDetail id now/> })}
            // Their forms are rendered, and their code fetched, the first time each sheet opens (see `Sheet`).
            <Sheet id="add-creator-sheet" title="Add a creator to the pool" testid="add-creator" opened=add_opened>
                {move || add_opened.get().then(|| view! {
                    <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                        {Suspend::new(async move { add_creator_form().await })}
                    </Suspense>
                })}
            </Sheet>
            <Sheet id="import-sheet" title="Import creators from a CSV file" testid="import" opened=import_opened>
                {move || import_opened.get().then(|| view! {
                    <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                        {Suspend::new(async move { import_form().await })}
                    </Suspense>
                })}
            </Sheet>
        </section>
    }
    .into_any()
}

#[component]
pub(super) fn Viewers() -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let label = move |v: &Viewer| {
        let who = match &v.org {
            Some(o) => format!("{} ({o})", v.name),
            None => v.name.clone(),
        };
        let at = match v.section.strip_prefix("card:").and_then(|id| id.parse::<i64>().ok()) {
            Some(id) => ctx
                .cards
                .with_untracked(|cs| cs.iter().find(|c| c.id == id).map(|c| format!("looking at {}", c.name)))
                .unwrap_or_else(|| "on the board".into()),
            None if v.section == "board" => "on the board".into(),
            None => "on the charter".into(),
        };
        format!("{who} · {at}")
    };
    view! {
        <ul class="viewers" aria-label="Also here now" data-testid="viewers">
            <For
                each=move || ctx.viewers.get()
                key=|v| (v.user_id, v.section.clone())
                children=move |v| {
                    let title = label(&v);
                    // In the colour of the viewer's partner, as on the cards they own.
                    let color = ctx.partners.with_untracked(|ps| {
                        ps.iter().find(|p| Some(&p.name) == v.org.as_ref()).map(|p| format!("--partner: {}", p.color))
                    });
                    view! { <li class="avatar" style=color title=title.clone() aria-label=title>{v.initials()}</li> }
                }
            />
        </ul>
    }
}

#[component]
pub(super) fn ProgressBars() -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    view! {
        <For
            each=move || ctx.progress.get()
            key=|p| p.clone()
            children=|(_, by, done, total)| view! {
                <div class="notice progress-line" role="status" data-testid="import-progress">
                    <span>{format!("{by} is importing creators: {done} of {total}")}</span>
                    <progress max=total.to_string() value=done.to_string()></progress>
                </div>
            }
        />
    }
}

#[derive(Clone, Copy, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(super) enum LiveLabel {
    Connecting,
    Live,
    Reconnecting,
}

impl LiveLabel {
    fn as_str(self) -> &'static str {
        match self {
            LiveLabel::Connecting => "connecting",
            LiveLabel::Live => "live",
            LiveLabel::Reconnecting => "reconnecting",
        }
    }
    fn label(self) -> &'static str {
        match self {
            LiveLabel::Connecting => "Connecting…",
            LiveLabel::Live => "Connected",
            LiveLabel::Reconnecting => "Reconnecting…",
        }
    }
}

#[component]
pub(super) fn RefusedBanner(refused: Refused) -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let Refused { card_id, wanted, error } = refused;
    let is_conflict = error.is(ErrorCode::Conflict);
    view! {
        <div class="notice conflict" role="alert" data-testid="conflict">
            <p>{error.message.clone()}</p>
            {is_conflict.then(|| view! {
                <p class="actions">
                    <button class="button small primary" on:click=move |_| ctx.move_card(card_id, wanted)>
                        "Move it to " {wanted.label()} " anyway"
                    </button>
                    <button class="button small" on:click=move |_| ctx.refused.set(None)>"Keep their change"</button>
                </p>
            })}
        </div>
    }
}

/// Where a touch went down or up (swipes are touch only: a mouse drags cards).
fn swipe_point(ev: &leptos::ev::PointerEvent) -> Option<(i32, i32)> {
    (ev.pointer_type() == "touch").then(|| (ev.client_x(), ev.client_y()))
}

/// On phones, one stage at a time: the switcher shows which, with each stage's count (hidden on wider screens,
/// where every column shows).
#[component]
pub(super) fn StageSwitcher(now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let filters = expect_context::<RwSignal<Filters>>();
    let counts = Memo::new(move |_| {
        let f = filters.get();
        ctx.tiers.with(|t| {
            ctx.cards.with(|cs| Stage::FLOW.map(|s| cs.iter().filter(|c| c.stage == s && f.matches(c, t, now)).count()))
        })
    });
    view! {
        <div class="stage-switcher" role="tablist" aria-label="Stage shown" data-testid="stage-switcher">
            {Stage::FLOW.into_iter().enumerate().map(|(i, stage)| view! {
                <button type="button" role="tab" data-stage=stage.as_str()
                    aria-controls=format!("stage-{}", stage.as_str())
                    aria-selected=move || (ctx.phone_stage.get() == stage).to_string()
                    on:click=move |_| ctx.phone_stage.set(stage)>
                    {stage.label()} <span class="count">{move || counts.with(|c| c[i])}</span>
                </button>
            }).collect_view()}
        </div>
    }
}

/// The add-a-creator form, a module of its own in the browser (fetched when its sheet first opens).
/// (Only where the board is compiled in: see `detail::detail_body`.)
#[cfg(any(feature = "ssr", feature = "island-board"))]
#[leptos::lazy]
fn add_creator_form() -> AnyView {
    view! { <AddCreator/> }.into_any()
}

#[cfg(not(any(feature = "ssr", feature = "island-board")))]
async fn add_creator_form() -> AnyView {
    ().into_any()
}

/// The CSV import, a module of its own in the browser (fetched when its sheet first opens).
/// (Only where the board is compiled in: see `detail::detail_body`.)
#[cfg(any(feature = "ssr", feature = "island-board"))]
#[leptos::lazy]
fn import_form() -> AnyView {
    view! { <ImportPanel/> }.into_any()
}

#[cfg(not(any(feature = "ssr", feature = "island-board")))]
async fn import_form() -> AnyView {
    ().into_any()
}
