//! The outreach board: creators as cards in stage columns, moved by any partner and seen by all, live.
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::accounts::Me;
use crate::campaigns::InvitationKind;
use crate::components::{new_key, ErrorNotice, PartnerChip};
use crate::error::{AppError, ErrorCode};
use crate::outreach::{Board, Card, Lane, Stage, PLATFORMS};
use crate::realtime::{Change, Event};
#[cfg(feature = "hydrate")]
use crate::realtime::ServerMsg;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardData {
    pub board: Board,
    /// This quarter and its UGC strategy lead, from the charter.
    pub ugc_lead: (String, Option<String>),
    pub activity: Vec<Event>,
    pub me: Me,
}

#[leptos::server(prefix = "/sfn", endpoint = "board")]
pub async fn load_board(campaign_id: i64) -> Result<BoardData, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let board = crate::outreach::ssr::board(&state.db, &who, campaign_id).await?;
    let activity = crate::realtime::log::recent(&state.db.pool, campaign_id, 30).await?;
    let ugc_lead = crate::charter::ssr::ugc_lead_now(&state.db, campaign_id).await?;
    Ok(BoardData { board, ugc_lead, activity, me: who.me })
}

#[leptos::server(prefix = "/sfn", endpoint = "move_card")]
pub async fn move_card(campaign_id: i64, card_id: i64, stage: Stage, version: i64, key: String) -> Result<Card, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let input = crate::outreach::MoveCard { stage, version };
    crate::outreach::ssr::move_card(&state.db, &who, campaign_id, card_id, &input, Some(&key)).await
}

#[allow(clippy::too_many_arguments)]
#[leptos::server(prefix = "/sfn", endpoint = "add_creator")]
pub async fn add_creator(
    campaign_id: i64,
    name: String,
    platform: String,
    handle: String,
    followers: Option<i64>,
    lane: String,
    next_action: Option<String>,
    key: String,
) -> Result<Card, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let input = crate::outreach::NewCreator {
        name,
        platform,
        handle,
        followers: followers.unwrap_or(0),
        lane,
        owner_org_id: None,
        next_action,
    };
    crate::outreach::ssr::add_creator(&state.db, &who, campaign_id, &input, Some(&key)).await
}

#[leptos::server(prefix = "/sfn", endpoint = "invite")]
pub async fn create_invitation(campaign_id: i64, kind: InvitationKind, creator_id: Option<i64>) -> Result<String, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let input = crate::campaigns::NewInvitation { kind, creator_id };
    let (invitation, _) = crate::campaigns::ssr::invite(&state.db, &who, campaign_id, &input).await?;
    Ok(invitation.path)
}

fn followers_label(n: i64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1e6),
        n if n >= 10_000 => format!("{}K", n / 1000),
        n if n >= 1_000 => format!("{:.1}K", n as f64 / 1e3),
        n => n.to_string(),
    }
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let data = Resource::new(id, load_board);
    view! {
        <Suspense fallback=|| view! { <p class="page">"Loading the board…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <BoardView data=d/> }.into_any(),
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        crate::state::set_status(e.code.status());
                        let signin = e.is(ErrorCode::Unauthorized);
                        view! {
                            <section class="page narrow">
                                <h1>{if signin { "Sign in to see this board" } else { "Campaign not found" }}</h1>
                                <ErrorNotice error=e/>
                                {signin.then(|| view! { <a class="button primary" href="/signin">"Sign in"</a> })}
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// A refused move, kept until the person decides.
#[derive(Clone, Debug, PartialEq)]
struct Refused {
    card_id: i64,
    wanted: Stage,
    error: AppError,
}

#[derive(Clone, Copy)]
struct BoardCtx {
    campaign_id: i64,
    cards: RwSignal<Vec<Card>>,
    refused: RwSignal<Option<Refused>>,
    dragging: RwSignal<Option<i64>>,
}

impl BoardCtx {
    /// Moves a card: shown at once, confirmed or rolled back when the server answers.
    fn move_card(self, card_id: i64, to: Stage) {
        let Some(before) = self.cards.with_untracked(|cs| cs.iter().find(|c| c.id == card_id).cloned()) else { return };
        if before.stage == to {
            return;
        }
        self.refused.set(None);
        self.cards.update(|cs| {
            if let Some(c) = cs.iter_mut().find(|c| c.id == card_id) {
                c.stage = to;
            }
        });
        let key = new_key();
        spawn_local(async move {
            let result = move_card(self.campaign_id, card_id, to, before.version, key).await;
            self.cards.update(|cs| {
                let Some(c) = cs.iter_mut().find(|c| c.id == card_id) else { return };
                match &result {
                    Ok(updated) if updated.version >= c.version => *c = updated.clone(),
                    Ok(_) => {}
                    Err(e) => {
                        // Roll back to what the server says is true now.
                        let current = e.current.clone().and_then(|v| serde_json::from_value::<Card>(v).ok());
                        match current {
                            Some(cur) if cur.version >= c.version => *c = cur,
                            _ if c.version == before.version => *c = before.clone(),
                            _ => {}
                        }
                    }
                }
            });
            if let Err(error) = result {
                self.refused.set(Some(Refused { card_id, wanted: to, error }));
            }
        });
    }
}

#[component]
fn BoardView(data: BoardData) -> impl IntoView {
    let BoardData { board, activity, me, ugc_lead } = data;
    let ugc_lead = format!("UGC lead {}: {}", ugc_lead.0, ugc_lead.1.unwrap_or_else(|| "not set in the charter".into()));
    let campaign = board.campaign.clone();
    let ctx = BoardCtx {
        campaign_id: campaign.id,
        cards: RwSignal::new(board.cards),
        refused: RwSignal::new(None),
        dragging: RwSignal::new(None),
    };
    provide_context(ctx);
    let partners = RwSignal::new(campaign.partners.clone());
    let activity = RwSignal::new(activity);
    let toast = RwSignal::new(None::<String>);
    let status = RwSignal::new(LiveLabel::Connecting);

    let apply = move |event: Event| {
        match &event.change {
            Change::CardMoved { card_id, to, version, .. } => ctx.cards.update(|cs| {
                if let Some(c) = cs.iter_mut().find(|c| c.id == *card_id) {
                    if c.version < *version {
                        c.stage = *to;
                        c.version = *version;
                        c.updated_at = event.at;
                    }
                }
            }),
            Change::CardAdded { card } => ctx.cards.update(|cs| {
                if !cs.iter().any(|c| c.id == card.id) {
                    cs.insert(0, card.clone());
                }
            }),
            Change::PartnerJoined { org } => partners.update(|ps| {
                if !ps.iter().any(|p| p.id == org.id) {
                    ps.push(org.clone());
                }
            }),
            _ => {}
        }
        if event.actor.user_id != me.user_id {
            toast.set(Some(event.describe()));
        }
        activity.update(|a| {
            a.insert(0, event);
            a.truncate(50);
        });
    };

    #[cfg(feature = "hydrate")]
    {
        use crate::realtime::client::{Live, LiveStatus};
        let live_status = RwSignal::new(LiveStatus::Connecting);
        Effect::new(move |_| {
            status.set(match live_status.get() {
                LiveStatus::Connecting => LiveLabel::Connecting,
                LiveStatus::Live => LiveLabel::Live,
                LiveStatus::Reconnecting => LiveLabel::Reconnecting,
            })
        });
        let head = board.head;
        let campaign_id = campaign.id;
        let handle = StoredValue::new_local(None::<Live>);
        Effect::new(move |prev: Option<()>| {
            if prev.is_some() {
                return;
            }
            let on_msg = move |msg: ServerMsg| match msg {
                ServerMsg::Event { event } => apply(event),
                ServerMsg::Reset { .. } => spawn_local(async move {
                    if let Ok(fresh) = load_board(campaign_id).await {
                        ctx.cards.set(fresh.board.cards);
                        partners.set(fresh.board.campaign.partners);
                        activity.set(fresh.activity);
                        if let Some(live) = handle.get_value() {
                            live.restart_from(fresh.board.head);
                        }
                    }
                }),
                _ => {}
            };
            handle.set_value(Some(Live::connect(campaign_id, head, live_status, on_msg)));
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = &apply;

    let invite_link = RwSignal::new(None::<Result<String, AppError>>);
    let invite = move |kind: InvitationKind, creator_id: Option<i64>| {
        spawn_local(async move {
            let result = create_invitation(ctx.campaign_id, kind, creator_id).await;
            invite_link.set(Some(result.map(|path| {
                #[cfg(feature = "hydrate")]
                {
                    format!("{}{path}", window().location().origin().unwrap_or_default())
                }
                #[cfg(not(feature = "hydrate"))]
                {
                    path
                }
            })));
        })
    };

    view! {
        <section class="board-page" data-campaign-id=campaign.id>
            <header class="board-header">
                <div>
                    <p class="crumbs"><strong>"Board"</strong> " · " <a href=format!("/campaigns/{}/charter", campaign.id)>"Charter"</a></p>
                    <h1>{campaign.name.clone()}</h1>
                    <div class="partners" aria-label="Partners">
                        <For each=move || partners.get() key=|p| p.id children=|p| view! { <PartnerChip org=p/> }/>
                    </div>
                </div>
                <div class="board-tools">
                    <span class="chip" data-testid="ugc-lead" title="Rotates by quarter, per the charter">{ugc_lead}</span>
                    <span class="live" data-status=move || status.get().as_str() role="status" aria-live="polite">
                        <span class="dot" aria-hidden="true"></span>
                        {move || status.get().label()}
                    </span>
                    <button class="button small" on:click=move |_| invite(InvitationKind::Partner, None)>"Invite a partner"</button>
                </div>
            </header>
            {move || invite_link.get().map(|r| match r {
                Ok(url) => view! {
                    <div class="notice" role="status">
                        "Invitation link (single use, valid 14 days): " <code data-testid="invite-link">{url}</code>
                    </div>
                }.into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
            {move || ctx.refused.get().map(|r| view! { <RefusedBanner refused=r/> })}
            {move || toast.get().map(|t| view! { <div class="toast" role="status" data-testid="toast">{t}</div> })}
            <div class="board" data-testid="board">
                {Stage::ALL.into_iter().map(|stage| view! { <Column stage/> }).collect_view()}
            </div>
            <div class="board-side">
                <AddCreator/>
                <section class="panel">
                    <h2>"Invite a creator to the portal"</h2>
                    <select aria-label="Creator to invite" on:change=move |ev| {
                        if let Ok(id) = event_target_value(&ev).parse::<i64>() {
                            invite(InvitationKind::Creator, Some(id));
                        }
                    }>
                        <option value="">"Choose a creator…"</option>
                        {move || ctx.cards.get().into_iter().map(|c| view! { <option value=c.id.to_string()>{c.name}</option> }).collect_view()}
                    </select>
                </section>
                <section class="panel activity">
                    <h2>"Activity"</h2>
                    <ol data-testid="activity">
                        <For each=move || activity.get() key=|e| e.seq children=|e| view! {
                            <li><span>{e.describe()}</span> <time class="muted">{e.at.format("%b %d %H:%M").to_string()}</time></li>
                        }/>
                    </ol>
                </section>
            </div>
        </section>
    }
    .into_any()
}

#[derive(Clone, Copy, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum LiveLabel {
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
            LiveLabel::Live => "Live",
            LiveLabel::Reconnecting => "Reconnecting…",
        }
    }
}

#[component]
fn RefusedBanner(refused: Refused) -> impl IntoView {
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

#[component]
fn Column(stage: Stage) -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let cards = Memo::new(move |_| ctx.cards.with(|cs| cs.iter().filter(|c| c.stage == stage).cloned().collect::<Vec<_>>()));
    let over = RwSignal::new(false);
    view! {
        <section
            class="column"
            class:declined=stage == Stage::Declined
            class:over=move || over.get()
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
            <h2>{stage.label()} <span class="count">{move || cards.with(Vec::len)}</span></h2>
            <ul>
                <For each=move || cards.get() key=|c| (c.id, c.version, c.stage) children=move |card| view! { <CardView card/> }/>
            </ul>
        </section>
    }
}

#[component]
fn CardView(card: Card) -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let id = card.id;
    let stage = card.stage;
    let style = format!("--partner: {}", card.owner.color);
    view! {
        <li
            class="card"
            draggable="true"
            tabindex="0"
            style=style
            data-card-id=id
            data-handle=card.handle.clone()
            aria-label=format!("{}, {} — use the arrow keys to move between stages", card.name, stage.label())
            on:dragstart=move |ev| {
                if let Some(dt) = ev.data_transfer() {
                    let _ = dt.set_data("text/plain", &id.to_string());
                }
                ctx.dragging.set(Some(id));
            }
            on:dragend=move |_| ctx.dragging.set(None)
            on:keydown=move |ev| {
                let forward = match ev.key().as_str() {
                    "ArrowRight" | "ArrowDown" => true,
                    "ArrowLeft" | "ArrowUp" => false,
                    _ => return,
                };
                ev.prevent_default();
                if let Some(to) = stage.step(forward) {
                    ctx.move_card(id, to);
                }
            }
        >
            <div class="card-head">
                <strong>{card.name.clone()}</strong>
                <span class="lane" data-lane=card.lane.as_str()>{card.lane.label()}</span>
            </div>
            <div class="muted">"@" {card.handle.clone()} " · " {card.platform.clone()} " · " {followers_label(card.followers)}</div>
            <div class="owner">
                <PartnerChip org=card.owner.clone()/>
                {card.owner_person.clone().map(|p| view! { <span class="muted">" " {p}</span> })}
            </div>
            {card.next_action.clone().map(|a| view! { <div class="next">"Next: " {a}</div> })}
            <label class="move-to">
                <span class="sr-only">"Move " {card.name.clone()} " to"</span>
                <select aria-label=format!("Move {} to", card.name) on:change=move |ev| {
                    if let Some(to) = Stage::parse(&event_target_value(&ev)) {
                        ctx.move_card(id, to);
                    }
                }>
                    {Stage::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=s == stage>{s.label()}</option> }).collect_view()}
                </select>
            </label>
        </li>
    }
}

#[component]
fn AddCreator() -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let action = ServerAction::<AddCreator>::new();
    let key = RwSignal::new(new_key());
    Effect::new(move |_| {
        if let Some(Ok(card)) = action.value().get() {
            ctx.cards.update(|cs| {
                if !cs.iter().any(|c| c.id == card.id) {
                    cs.insert(0, card.clone());
                }
            });
            key.set(new_key());
        }
    });
    view! {
        <section class="panel">
            <h2>"Add a creator to the pool"</h2>
            <ActionForm action=action attr:class="stack compact">
                <input type="hidden" name="campaign_id" value=ctx.campaign_id/>
                <input type="hidden" name="key" prop:value=move || key.get()/>
                <label>"Name" <input name="name" required/></label>
                <div class="row">
                    <label>"Platform"
                        <select name="platform">
                            {PLATFORMS.into_iter().map(|p| view! { <option value=p>{p}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="grow">"Handle" <input name="handle" required placeholder="@handle"/></label>
                </div>
                <div class="row">
                    <label>"Followers" <input name="followers" type="number" min="0" inputmode="numeric"/></label>
                    <label>"Lane"
                        <select name="lane">
                            <option value=Lane::Influencer.as_str()>{Lane::Influencer.label()}</option>
                            <option value=Lane::Ugc.as_str()>{Lane::Ugc.label()}</option>
                        </select>
                    </label>
                </div>
                <label>"Next action" <input name="next_action"/></label>
                <button type="submit" class="button primary">"Add to the pool"</button>
            </ActionForm>
            {move || action.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e/> })}
        </section>
    }
}
