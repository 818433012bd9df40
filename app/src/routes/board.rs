//! The outreach board: the campaign's shared creator pool as cards in stage columns, moved by any partner
//! and seen by all, live; filters kept in the URL; who else is looking, and at which card.
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};

use super::board_detail::CardDetail;
use super::board_import::{AddCreator, ImportPanel};
use crate::accounts::Me;
use crate::campaigns::InvitationKind;
use crate::charter::Tiers;
use crate::components::{new_key, ErrorNotice, PartnerChip};
use crate::error::{AppError, ErrorCode};
use crate::creators::{pct, tier_for, Board, Card, PartnerPerson};
use crate::vocab::{Lane, OrgRef, Stage, PLATFORMS};
use crate::realtime::{Change, Event, ServerMsg};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct BoardData {
    pub board: Board,
    /// This quarter and its UGC strategy lead, from the charter.
    pub ugc_lead: (String, Option<String>),
    pub activity: Vec<Event>,
    pub me: Me,
    /// Open escalations (late reviews, breached daily thresholds), newest first.
    pub escalations: Vec<crate::escalations::Escalation>,
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "board")]
pub async fn load_board(campaign_id: i64) -> Result<BoardData, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let board = crate::creators::ssr::board(&state.db, &who, campaign_id).await?;
    let activity = crate::realtime::log::recent(&state.db.pool, campaign_id, 30).await?;
    let ugc_lead = crate::charter::ssr::ugc_lead_now(&state.db, campaign_id).await?;
    let escalations = crate::escalations::ssr::for_campaign(&state.db, campaign_id)
        .await?
        .into_iter()
        .filter(|e| e.status != "resolved")
        .collect();
    Ok(BoardData { board, ugc_lead, activity, me: who.me, escalations })
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "move_card")]
pub async fn move_card(
    campaign_id: i64,
    card_id: i64,
    stage: Stage,
    version: i64,
    key: String,
) -> Result<Card, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let input = crate::creators::MoveCard { stage, version };
    crate::creators::ssr::move_card(&state.db, &who, campaign_id, card_id, &input, Some(&key)).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "invite")]
pub async fn create_invitation(
    campaign_id: i64,
    kind: InvitationKind,
    creator_id: Option<i64>,
) -> Result<String, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let input = crate::campaigns::NewInvitation { kind, creator_id };
    let (invitation, _) = crate::campaigns::ssr::invite(&state.db, &who, campaign_id, &input).await?;
    Ok(invitation.path)
}

pub(crate) fn followers_label(n: i64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1e6),
        n if n >= 10_000 => format!("{}K", n / 1000),
        n if n >= 1_000 => format!("{:.1}K", n as f64 / 1e3),
        n => n.to_string(),
    }
}

// ---- Filters (kept in the URL, so a partner can share the exact view) ------------------------------

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    pub q: String,
    pub partner: Option<i64>,
    pub person: Option<i64>,
    /// A tier name, "below" (under their follower tier's minimum), or "none".
    pub tier: String,
    pub platform: String,
    pub lane: String,
    /// At least this many days in the current stage.
    pub age: Option<i64>,
    pub overdue: bool,
}

impl Filters {
    pub fn from_query(q: &ParamsMap) -> Filters {
        let s = |k: &str| q.get(k).unwrap_or_default();
        Filters {
            q: s("q"),
            partner: s("partner").parse().ok(),
            person: s("person").parse().ok(),
            tier: s("tier"),
            platform: s("platform"),
            lane: s("lane"),
            age: s("age").parse().ok().filter(|d: &i64| *d > 0),
            overdue: s("overdue") == "1",
        }
    }

    pub fn to_query(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut push = |k: &str, v: String| {
            if !v.is_empty() {
                parts.push(format!("{k}={}", encode(&v)));
            }
        };
        push("q", self.q.clone());
        push("partner", self.partner.map(|v| v.to_string()).unwrap_or_default());
        push("person", self.person.map(|v| v.to_string()).unwrap_or_default());
        push("tier", self.tier.clone());
        push("platform", self.platform.clone());
        push("lane", self.lane.clone());
        push("age", self.age.map(|v| v.to_string()).unwrap_or_default());
        push("overdue", if self.overdue { "1".into() } else { String::new() });
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    pub fn active(&self) -> bool {
        *self != Filters::default()
    }

    pub fn matches(&self, c: &Card, tiers: &Tiers, now: chrono::DateTime<chrono::Utc>) -> bool {
        if let Some(p) = self.partner {
            if c.owner.id != p {
                return false;
            }
        }
        if self.person.is_some() && c.owner_user_id != self.person {
            return false;
        }
        if !self.platform.is_empty() && c.platform != self.platform {
            return false;
        }
        if !self.lane.is_empty() && c.lane.as_str() != self.lane {
            return false;
        }
        if let Some(days) = self.age {
            if c.stage_age_days(now) < days {
                return false;
            }
        }
        if self.overdue && !c.overdue(now.date_naive()) {
            return false;
        }
        if !self.tier.is_empty() {
            let t = tier_for(tiers, &c.metrics());
            let ok = match self.tier.as_str() {
                "below" => t.below_minimum,
                "none" => t.tier.is_none(),
                name => t.tier.as_deref() == Some(name),
            };
            if !ok {
                return false;
            }
        }
        if !self.q.trim().is_empty() {
            let q = self.q.trim().trim_start_matches('@').to_lowercase();
            let hay =
                [c.name.as_str(), c.handle.as_str(), c.next_action.as_deref().unwrap_or(""), c.owner.name.as_str()];
            if !hay.iter().any(|h| h.to_lowercase().contains(&q)) {
                return false;
            }
        }
        true
    }
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

// ---- Page ------------------------------------------------------------------------------------------

/// The board of campaign `id` (the island `BoardIsland`), with the filters the address asked for.
#[component]
pub fn BoardPage(id: i64, filters: Filters) -> impl IntoView {
    // Filters live in the address (changed in place, see `FilterBar`), so a partner can share the exact view.
    provide_context(RwSignal::new(filters));
    let data = crate::json_text::resource(move || id, load_board);
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

/// Someone else on this campaign right now.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Viewer {
    pub user_id: i64,
    pub name: String,
    pub org: Option<String>,
    /// "board", "card:<id>", or a charter section.
    pub section: String,
    pub seen: f64,
}

impl Viewer {
    fn initials(&self) -> String {
        self.name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect()
    }
}

#[derive(Clone, Copy)]
pub(crate) struct BoardCtx {
    pub campaign_id: i64,
    pub cards: RwSignal<Vec<Card>>,
    pub tiers: RwSignal<Tiers>,
    pub partners: RwSignal<Vec<OrgRef>>,
    pub people: RwSignal<Vec<PartnerPerson>>,
    refused: RwSignal<Option<Refused>>,
    dragging: RwSignal<Option<i64>>,
    /// The column a touch drag is over.
    touch_over: RwSignal<Option<Stage>>,
    /// The card whose detail is open.
    pub open: RwSignal<Option<i64>>,
    /// Bumped when the open card changes, so its detail reloads.
    pub rev: RwSignal<u64>,
    pub viewers: RwSignal<Vec<Viewer>>,
    /// Progress of imports running on this campaign: (job, by, done, total).
    pub progress: RwSignal<Vec<(String, String, u64, u64)>>,
    /// The board needs a reload (a large import arrived as a count only).
    pub reload: RwSignal<u64>,
}

impl BoardCtx {
    /// Moves a card: shown at once, confirmed or rolled back when the server answers.
    pub fn move_card(self, card_id: i64, to: Stage) {
        let Some(before) = self.cards.with_untracked(|cs| cs.iter().find(|c| c.id == card_id).cloned()) else { return };
        if before.stage == to {
            return;
        }
        self.refused.set(None);
        self.cards.update(|cs| {
            if let Some(c) = cs.iter_mut().find(|c| c.id == card_id) {
                c.stage = to;
                c.stage_since = chrono::Utc::now();
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
                        let current = e.current.as_ref().and_then(crate::json_text::read_value::<Card>);
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

    /// Puts a card as the server returned it (newer versions only).
    pub fn upsert(self, card: Card) {
        self.cards.update(|cs| match cs.iter_mut().find(|c| c.id == card.id) {
            Some(c) if c.version <= card.version => *c = card,
            Some(_) => {}
            None => cs.insert(0, card),
        });
    }
}

fn apply_event(ctx: BoardCtx, event: &Event) {
    match &event.change {
        Change::CardMoved { card_id, to, version, .. } => ctx.cards.update(|cs| {
            if let Some(c) = cs.iter_mut().find(|c| c.id == *card_id) {
                if c.version < *version {
                    c.stage = *to;
                    c.version = *version;
                    c.stage_since = event.at;
                    c.updated_at = event.at;
                }
            }
        }),
        Change::CardAdded { card } | Change::CardUpdated { card, .. } => ctx.upsert(card.clone()),
        Change::CreatorsImported { cards: Some(cards), .. } => {
            for c in cards {
                ctx.upsert(c.clone());
            }
        }
        Change::CreatorsImported { cards: None, .. } => ctx.reload.update(|r| *r += 1),
        Change::CreatorsMerged { into, removed_id, .. } => {
            ctx.cards.update(|cs| cs.retain(|c| c.id != *removed_id));
            ctx.upsert(into.clone());
            if ctx.open.get_untracked() == Some(*removed_id) {
                ctx.open.set(Some(into.id));
            }
        }
        Change::PartnerJoined { org } => ctx.partners.update(|ps| {
            if !ps.iter().any(|p| p.id == org.id) {
                ps.push(org.clone());
            }
        }),
        Change::CharterSectionSaved { .. } | Change::CharterProposed { .. } => ctx.reload.update(|r| *r += 1),
        _ => {}
    }
    // An open detail reloads only when its own card changed (so typing elsewhere is not disturbed).
    let touched = match &event.change {
        Change::CardMoved { card_id, .. } | Change::CardNoted { card_id, .. } => Some(*card_id),
        Change::CardAdded { card } | Change::CardUpdated { card, .. } => Some(card.id),
        Change::CreatorsMerged { into, .. } => Some(into.id),
        _ => None,
    };
    if touched.is_some() && touched == ctx.open.get_untracked() {
        ctx.rev.update(|r| *r += 1);
    }
}

#[component]
fn BoardView(data: BoardData) -> impl IntoView {
    let BoardData { board, activity, me, ugc_lead, escalations } = data;
    let escalations = RwSignal::new(escalations);
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
    };
    provide_context(ctx);
    let activity = RwSignal::new(activity);
    let toast = RwSignal::new(None::<String>);
    let status = RwSignal::new(LiveLabel::Connecting);

    let filters = expect_context::<RwSignal<Filters>>();
    // Today, for stage ages and overdue marks (fixed per page view; a reload moves it on).
    let now = chrono::Utc::now();

    let apply = move |event: Event| {
        apply_event(ctx, &event);
        match &event.change {
            Change::EscalationRaised { escalation } => escalations.update(|es| es.insert(0, escalation.clone())),
            Change::EscalationUpdated { escalation } => escalations.update(|es| {
                es.retain(|e| e.id != escalation.id);
                if escalation.status != "resolved" {
                    es.insert(0, escalation.clone());
                }
            }),
            _ => {}
        }
        if event.actor.user_id != me_id {
            toast.set(Some(event.describe()));
        }
        activity.update(|a| {
            a.insert(0, event);
            a.truncate(50);
        });
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
        use crate::realtime::client::{Live, LiveStatus};
        use crate::realtime::ClientMsg;
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
        let reload = move || {
            spawn_local(async move {
                if let Ok(fresh) = load_board(campaign_id).await {
                    ctx.cards.set(fresh.board.cards);
                    ctx.tiers.set(fresh.board.tiers);
                    ctx.people.set(fresh.board.people);
                    ctx.partners.set(fresh.board.campaign.partners);
                    activity.set(fresh.activity);
                    if let Some(live) = handle.get_value() {
                        live.restart_from(fresh.board.head);
                    }
                }
            })
        };
        Effect::new(move |prev: Option<()>| {
            if prev.is_some() {
                return;
            }
            let on_msg = move |msg: ServerMsg| match msg {
                ServerMsg::Reset { .. } => reload(),
                other => on_msg(other),
            };
            handle.set_value(Some(Live::connect(campaign_id, head, live_status, on_msg)));
        });
        // Reload when asked to (large imports, new tiers); events keep flowing meanwhile.
        Effect::new(move |prev: Option<u64>| {
            let r = ctx.reload.get();
            if prev.is_some_and(|p| p != r) {
                spawn_local(async move {
                    if let Ok(fresh) = load_board(campaign_id).await {
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

    let invite_link = RwSignal::new(None::<Result<String, AppError>>);
    let invite_partner = move |_| {
        spawn_local(async move {
            let result = create_invitation(ctx.campaign_id, InvitationKind::Partner, None).await;
            invite_link.set(Some(result.map(|path| absolute(&path))));
        })
    };

    let shown = Memo::new(move |_| {
        let f = filters.get();
        ctx.tiers.with(|t| ctx.cards.with(|cs| cs.iter().filter(|c| f.matches(c, t, now)).count()))
    });
    let total = move || ctx.cards.with(Vec::len);

    view! {
        <section class="board-page" data-campaign-id=campaign.id>
            <header class="board-header">
                <div>
                    <p class="crumbs"><strong>"Board"</strong> " · " <a href=format!("/campaigns/{}/charter", campaign.id)>"Charter"</a> " · " <a href=format!("/campaigns/{}/content", campaign.id)>"Content"</a> " · " <a href=format!("/campaigns/{}/performance", campaign.id)>"Performance"</a></p>
                    <h1>{campaign.name.clone()}</h1>
                    <div class="partners" aria-label="Partners">
                        <For each=move || ctx.partners.get() key=|p| p.id children=|p| view! { <PartnerChip org=p/> }/>
                    </div>
                </div>
                <div class="board-tools">
                    <Viewers/>
                    <span class="chip" data-testid="ugc-lead" title="Rotates by quarter, per the charter">{ugc_lead}</span>
                    <span class="live" data-status=move || status.get().as_str() role="status" aria-live="polite">
                        <span class="dot" aria-hidden="true"></span>
                        {move || status.get().label()}
                    </span>
                    <button class="button small" on:click=invite_partner>"Invite a partner"</button>
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
            <div class="board" data-testid="board">
                {Stage::FLOW.into_iter().map(|stage| view! { <Column stage now/> }).collect_view()}
            </div>
            <details class="out-of-the-way">
                <summary>
                    "Declined and archived "
                    <span class="count">{move || ctx.cards.with(|cs| cs.iter().filter(|c| matches!(c.stage, Stage::Declined | Stage::Archived)).count())}</span>
                </summary>
                <div class="board">
                    <Column stage=Stage::Declined now/>
                    <Column stage=Stage::Archived now/>
                </div>
            </details>
            {move || ctx.open.get().map(|id| view! { <CardDetail id now/> })}
            <div class="board-side">
                {move || (!escalations.with(|e| e.is_empty())).then(|| view! {
                    <section class="panel escalations" data-testid="board-escalations">
                        <h2>"Escalations " <span class="count">{move || escalations.with(|e| e.len())}</span></h2>
                        <ul>
                            {move || escalations.get().into_iter().map(|e| view! {
                                <li class=format!("escalation {}", e.status)>
                                    <strong>{e.title.clone()}</strong>
                                    <p class="muted">"To " {e.assignee.clone()} " · " {e.status.clone()}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                        <p><a href=format!("/campaigns/{}/performance", ctx.campaign_id)>"Open the performance dashboard"</a></p>
                    </section>
                })}
                <AddCreator/>
                <ImportPanel/>
                <section class="panel activity">
                    <h2>"Activity"</h2>
                    <ol data-testid="activity">
                        <For each=move || activity.get() key=|e| e.seq children=|e| view! {
                            <li><span>{e.describe()}</span> <time class="muted">{crate::dates::month_day_time(&e.at)}</time></li>
                        }/>
                    </ol>
                </section>
            </div>
        </section>
    }
    .into_any()
}

pub(crate) fn absolute(path: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        format!("{}{path}", window().location().origin().unwrap_or_default())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        path.to_string()
    }
}

pub(crate) fn js_now() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

#[component]
fn Viewers() -> impl IntoView {
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
                    view! { <li class="avatar" title=title.clone() aria-label=title>{v.initials()}</li> }
                }
            />
        </ul>
    }
}

#[component]
fn ProgressBars() -> impl IntoView {
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

#[component]
fn FilterBar() -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let filters = expect_context::<RwSignal<Filters>>();
    let set = move |f: Filters| {
        // The address follows the filters without a page load (so a reload or a shared link shows the same view).
        #[cfg(feature = "hydrate")]
        {
            let url = format!("/campaigns/{}{}", ctx.campaign_id, f.to_query());
            if let Ok(history) = window().history() {
                _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
        filters.set(f);
    };
    let set = StoredValue::new(set);
    let update = move |change: Box<dyn FnOnce(&mut Filters)>| {
        let mut f = filters.get_untracked();
        change(&mut f);
        set.with_value(|s| s(f));
    };
    let tier_names = move || ctx.tiers.with(|t| t.tiers.iter().map(|t| t.name.clone()).collect::<Vec<_>>());
    let people = move || {
        let partner = filters.with(|f| f.partner);
        ctx.people.with(|ps| ps.iter().filter(|p| partner.is_none_or(|o| o == p.org_id)).cloned().collect::<Vec<_>>())
    };
    let opt_id = |v: String| v.parse::<i64>().ok();
    // On phones the filters fold away behind one button (the search box stays).
    let unfolded = RwSignal::new(false);
    let active = move || {
        filters.with(|f| {
            [
                f.partner.is_some(),
                f.person.is_some(),
                !f.tier.is_empty(),
                !f.platform.is_empty(),
                !f.lane.is_empty(),
                f.age.is_some(),
                f.overdue,
            ]
            .into_iter()
            .filter(|b| *b)
            .count()
        })
    };
    view! {
        <form class="filters" class:folded=move || !unfolded.get() role="search" aria-label="Filter the board" data-testid="filters" on:submit=|ev| ev.prevent_default()>
            <button type="button" class="button small filters-toggle" aria-expanded=move || unfolded.get().to_string()
                on:click=move |_| unfolded.update(|u| *u = !*u)>
                {move || match active() {
                    0 => "Filters".to_string(),
                    n => format!("Filters ({n})"),
                }}
            </button>
            <label class="grow">
                <span class="sr-only">"Search"</span>
                <input type="search" name="q" placeholder="Search name, @handle, next action…"
                    prop:value=move || filters.with(|f| f.q.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.q = v)) }/>
            </label>
            <label>
                <span class="sr-only">"Owner partner"</span>
                <select name="partner" on:change=move |ev| { let v = opt_id(event_target_value(&ev)); update(Box::new(move |f| { f.partner = v; f.person = None; })) }>
                    <option value="" selected=move || filters.with(|f| f.partner.is_none())>"All partners"</option>
                    <For each=move || ctx.partners.get() key=|p| p.id children=move |p| {
                        let id = p.id;
                        view! { <option value=id.to_string() selected=move || filters.with(|f| f.partner == Some(id))>{p.name}</option> }
                    }/>
                </select>
            </label>
            <label>
                <span class="sr-only">"Owner person"</span>
                <select name="person" on:change=move |ev| { let v = opt_id(event_target_value(&ev)); update(Box::new(move |f| f.person = v)) }>
                    <option value="" selected=move || filters.with(|f| f.person.is_none())>"Anyone"</option>
                    <For each=people key=|p| p.user_id children=move |p| {
                        let id = p.user_id;
                        view! { <option value=id.to_string() selected=move || filters.with(|f| f.person == Some(id))>{p.name}</option> }
                    }/>
                </select>
            </label>
            <label>
                <span class="sr-only">"Tier"</span>
                <select name="tier" on:change=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.tier = v)) }>
                    <option value="" selected=move || filters.with(|f| f.tier.is_empty())>"Any tier"</option>
                    <For each=tier_names key=|t| t.clone() children=move |t| {
                        let t2 = t.clone();
                        let v = t.clone();
                        view! { <option value=v selected=move || filters.with(|f| f.tier == t2)>{t}</option> }
                    }/>
                    <option value="below" selected=move || filters.with(|f| f.tier == "below")>"Below their tier's engagement"</option>
                    <option value="none" selected=move || filters.with(|f| f.tier == "none")>"No tier"</option>
                </select>
            </label>
            <label>
                <span class="sr-only">"Platform"</span>
                <select name="platform" on:change=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.platform = v)) }>
                    <option value="" selected=move || filters.with(|f| f.platform.is_empty())>"Any platform"</option>
                    {PLATFORMS.into_iter().map(|p| view! {
                        <option value=p selected=move || filters.with(|f| f.platform == p)>{p}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span class="sr-only">"Lane"</span>
                <select name="lane" on:change=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.lane = v)) }>
                    <option value="" selected=move || filters.with(|f| f.lane.is_empty())>"Both lanes"</option>
                    {[Lane::Influencer, Lane::Ugc].into_iter().map(|l| view! {
                        <option value=l.as_str() selected=move || filters.with(|f| f.lane == l.as_str())>{l.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span class="sr-only">"Stage age"</span>
                <select name="age" on:change=move |ev| { let v = opt_id(event_target_value(&ev)); update(Box::new(move |f| f.age = v)) }>
                    <option value="" selected=move || filters.with(|f| f.age.is_none())>"Any stage age"</option>
                    {[3i64, 7, 14, 30].into_iter().map(|d| view! {
                        <option value=d.to_string() selected=move || filters.with(|f| f.age == Some(d))>{format!("{d}+ days in stage")}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" name="overdue" prop:checked=move || filters.with(|f| f.overdue)
                    on:change=move |ev| { let v = event_target_checked(&ev); update(Box::new(move |f| f.overdue = v)) }/>
                "Overdue"
            </label>
            {move || filters.with(Filters::active).then(|| view! {
                <button type="button" class="button small" on:click=move |_| set.with_value(|s| s(Filters::default()))>"Clear filters"</button>
            })}
        </form>
    }
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
fn Column(stage: Stage, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let filters = expect_context::<RwSignal<Filters>>();
    // Newest arrivals first; a long column shows its first cards and the rest on request.
    let cards = Memo::new(move |_| {
        let f = filters.get();
        let mut v = ctx.tiers.with(|t| {
            ctx.cards
                .with(|cs| cs.iter().filter(|c| c.stage == stage && f.matches(c, t, now)).cloned().collect::<Vec<_>>())
        });
        v.sort_by(|a, b| b.stage_since.cmp(&a.stage_since).then(b.id.cmp(&a.id)));
        v
    });
    let expanded = RwSignal::new(false);
    let limit = move || if expanded.get() { usize::MAX } else { COLUMN_PAGE };
    let shown = move || cards.with(|v| v.iter().take(limit()).cloned().collect::<Vec<_>>());
    let hidden = move || cards.with(Vec::len).saturating_sub(limit());
    let over = RwSignal::new(false);
    view! {
        <section
            class="column"
            class:declined=matches!(stage, Stage::Declined | Stage::Archived)
            class:over=move || over.get() || ctx.touch_over.get() == Some(stage)
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
const COLUMN_PAGE: usize = 40;

/// The stage under a touch point, for touch drags.
#[cfg(feature = "hydrate")]
fn stage_at(x: i32, y: i32) -> Option<Stage> {
    let el = document().element_from_point(x as f32, y as f32)?;
    let col = el.closest("[data-stage]").ok()??;
    Stage::parse(&col.get_attribute("data-stage")?)
}

#[component]
fn CardView(card: Card, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let id = card.id;
    let stage = card.stage;
    let style = format!("--partner: {}", card.owner.color);
    let m = card.metrics();
    let tiering = Memo::new(move |_| ctx.tiers.with(|t| tier_for(t, &m)));
    let age = card.stage_age_days(now);
    let overdue = card.overdue(now.date_naive());
    let due = card.next_action_due.map(|d| crate::dates::month_day(&d));
    let watchers = move || {
        ctx.viewers.with(|vs| {
            vs.iter().filter(|v| v.section == format!("card:{id}")).map(|v| v.initials()).collect::<Vec<_>>()
        })
    };
    let open = move || ctx.open.set(Some(id));
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
    view! {
        <li
            class="card"
            class:overdue=overdue
            draggable="true"
            tabindex="0"
            style=style
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
            on:keydown=move |ev| {
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
                if let Some(to) = stage.step(forward) {
                    ctx.move_card(id, to);
                }
            }
        >
            <div class="card-head">
                <button type="button" class="card-open" on:click=move |_| open()>{card.name.clone()}</button>
                <span class="lane" data-lane=card.lane.as_str()>{card.lane.label()}</span>
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
            <div class="muted">
                "@" {card.handle.clone()} " · " {card.platform.clone()} " · " {followers_label(card.followers)}
                {(card.handles > 1).then(|| format!(" · +{} more", card.handles - 1))}
            </div>
            <div class="card-tags">
                {move || tiering.with(|t| {
                    let label = match (&t.tier, t.below_minimum) {
                        (Some(tier), false) => tier.clone(),
                        (Some(tier), true) => format!("{tier} ⚠"),
                        (None, true) => format!("below {} ⚠", t.follower_tier.clone().unwrap_or_default()),
                        (None, false) => "no tier".to_string(),
                    };
                    view! {
                        <span class="tier" class:below=t.below_minimum data-testid="tier"
                            title=format!("{} — ER {}", t.explanation, pct(t.rate))>{label}</span>
                    }
                })}
                <span class="age" class:stale={age >= 14} title="Days in this stage">{format!("{age}d")}</span>
                {move || {
                    let w = watchers();
                    (!w.is_empty()).then(|| view! { <span class="watching" data-testid="card-presence" title="Open by someone now">{format!("👁 {}", w.join(" "))}</span> })
                }}
            </div>
            <div class="owner">
                <PartnerChip org=card.owner.clone()/>
                {card.owner_person.clone().map(|p| view! { <span class="muted">" " {p}</span> })}
            </div>
            {card.next_action.clone().map(|a| view! {
                <div class="next" class:overdue=overdue>
                    "Next: " {a}
                    {due.clone().map(|d| view! { <span class="due">{if overdue { format!(" · overdue since {d}") } else { format!(" · due {d}") }}</span> })}
                </div>
            })}
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let f = Filters {
            q: "ava & co".into(),
            partner: Some(3),
            person: None,
            tier: "micro".into(),
            platform: "tiktok".into(),
            lane: "ugc".into(),
            age: Some(7),
            overdue: true,
        };
        let q = f.to_query();
        assert_eq!(q, "?q=ava+%26+co&partner=3&tier=micro&platform=tiktok&lane=ugc&age=7&overdue=1");
        let mut map = ParamsMap::new();
        for pair in q.trim_start_matches('?').split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            let v = v.replace('+', " ").replace("%26", "&");
            map.insert(k.to_string(), v);
        }
        assert_eq!(Filters::from_query(&map), f);
        assert_eq!(Filters::default().to_query(), "");
    }
}
