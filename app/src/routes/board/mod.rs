//! The outreach board: the campaign's shared creator pool as cards in stage columns, moved by any partner
//! and seen by all, live; filters kept in the URL; who else is looking, and at which card.
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};

use crate::accounts::Me;
use crate::campaigns::InvitationKind;
use crate::charter::Tiers;
use crate::components::{new_key, ErrorNotice, PartnerChip};
use crate::creators::{pct, tier_for, Board, Card, PartnerPerson};
use crate::error::{AppError, ErrorCode};
use crate::realtime::{Change, Event, ServerMsg};
use crate::vocab::{Lane, OrgRef, Stage, PLATFORMS};

mod columns;
pub mod detail;
mod filters;
pub mod import;
mod live;

use columns::*;
use detail::CardDetail;
pub use filters::Filters;
use filters::*;
#[cfg_attr(not(any(feature = "ssr", feature = "island-board")), allow(unused_imports))]
use import::{AddCreator, ImportPanel};
use live::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct BoardData {
    pub board: Board,
    /// This quarter and its UGC strategy lead, from the charter.
    pub ugc_lead: (String, Option<String>),
    pub me: Me,
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "board")]
pub async fn get_board(campaign_id: i64) -> Result<BoardData, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let board = crate::creators::ssr::get_board(&state.db, &who, campaign_id).await?;
    let ugc_lead = crate::charter::ssr::ugc_lead_now(&state.db, campaign_id).await?;
    Ok(BoardData { board, ugc_lead, me: who.me })
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

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "create_invitation")]
pub async fn create_invitation(
    campaign_id: i64,
    kind: InvitationKind,
    creator_id: Option<i64>,
) -> Result<String, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let input = crate::campaigns::NewInvitation { kind, creator_id };
    // A creator's invitation is also mailed to the pool's contact address when mail is configured.
    let (invitation, _, _) =
        crate::notify::accounts::invite_to_campaign(&state.db, &who, campaign_id, &input, None, state.mail_configured)
            .await?;
    Ok(invitation.path)
}

/// A count as people read it: 1494 → "1,494".
pub(crate) fn followers_label(n: i64) -> String {
    crate::content::group_digits(n)
}

// ---- Page ------------------------------------------------------------------------------------------

/// The board of campaign `id` (the island `BoardIsland`), with the filters the address asked for.
#[component]
pub fn BoardPage(id: i64, filters: Filters) -> impl IntoView {
    // Filters live in the address (changed in place, see `FilterBar`), so a partner can share the exact view.
    provide_context(RwSignal::new(filters));
    let data = crate::json_text::resource(move || id, get_board);
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
    /// The card moved with the keyboard: it keeps the focus when it is drawn in its new column.
    pub focus_card: RwSignal<Option<i64>>,
    /// A card just added here: scrolled into view and highlighted for a moment.
    pub flash: RwSignal<Option<i64>>,
    /// The stage a phone shows (one at a time; the switcher or a swipe changes it).
    pub phone_stage: RwSignal<Stage>,
    /// Cards with a move on its way to the server, and the stage to move on to once it is answered (a second
    /// arrow press before the first is confirmed goes with the version the first one returns).
    inflight: StoredValue<std::collections::HashMap<i64, Option<Stage>>>,
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
        if self.inflight.with_value(|m| m.contains_key(&card_id)) {
            self.inflight.update_value(|m| {
                m.insert(card_id, Some(to));
            });
            return;
        }
        self.inflight.update_value(|m| {
            m.insert(card_id, None);
        });
        self.send_move(card_id, to, before);
    }

    fn send_move(self, card_id: i64, to: Stage, before: Card) {
        let key = new_key();
        spawn_local(async move {
            let result = move_card(self.campaign_id, card_id, to, before.version, key).await;
            let queued = self.inflight.try_update_value(|m| m.remove(&card_id)).flatten().flatten();
            if let (Ok(updated), Some(next)) = (&result, queued) {
                if next != updated.stage {
                    // Moved on meanwhile: keep showing where it is going, and send that with the new version.
                    let mut shown = updated.clone();
                    shown.stage = next;
                    shown.stage_since = chrono::Utc::now();
                    self.cards.update(|cs| {
                        if let Some(c) = cs.iter_mut().find(|c| c.id == card_id) {
                            *c = shown;
                        }
                    });
                    self.inflight.update_value(|m| {
                        m.insert(card_id, None);
                    });
                    self.send_move(card_id, next, updated.clone());
                    return;
                }
            }
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
        // A card with a move of ours on its way takes the server's answer to it instead.
        Change::CardMoved { card_id, .. } if ctx.inflight.with_value(|m| m.contains_key(card_id)) => {}
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
