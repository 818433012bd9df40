//! The charter page: every partner edits the one-pager together (live, section by section, never
//! overwriting each other silently), proposes it for sign-off, signs, and launches through the gate.
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::charter::{CharterComment, CharterView, Section, SectionMeta};
use crate::components::{ErrorNotice, PartnerChip};
use crate::error::AppError;

use self::index::SectionIndex;
use self::sections::SectionCard;
use self::signoff::{Changes, Checklist, SignOff};

mod comments;
mod index;
mod sections;
mod signoff;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_charter")]
pub async fn get_charter(campaign_id: i64) -> Result<CharterView, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::charter::ssr::get_charter(&state.db, &who, campaign_id).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "save_charter_section")]
pub async fn save_charter_section(
    campaign_id: i64,
    section: Section,
    body: String,
    version: i64,
    key: String,
) -> Result<SectionMeta, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let body: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| AppError::validation(section.key(), e.to_string()))?;
    let input = crate::charter::SaveSection { section, body, version };
    crate::charter::ssr::save_charter_section(&state.db, &who, campaign_id, &input, Some(&key)).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "propose_charter")]
pub async fn propose_charter(campaign_id: i64) -> Result<i64, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::charter::ssr::propose_charter(&state.db, &who, campaign_id).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "sign_charter")]
pub async fn sign_charter(campaign_id: i64, number: i64) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::charter::ssr::sign_charter(&state.db, &who, campaign_id, number).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "launch_campaign")]
pub async fn launch_campaign(campaign_id: i64) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::charter::ssr::launch_campaign(&state.db, &who, campaign_id).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "comment_charter")]
pub async fn comment_charter(
    campaign_id: i64,
    section: Section,
    body: String,
    parent_id: Option<i64>,
) -> Result<CharterComment, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let input = crate::charter::NewComment { section, body, parent_id };
    crate::charter::ssr::comment_charter(&state.db, &who, campaign_id, &input).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "resolve_charter_comment")]
pub async fn resolve_charter_comment(campaign_id: i64, comment_id: i64) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::charter::ssr::resolve_charter_comment(&state.db, &who, campaign_id, comment_id).await
}

#[component]
pub fn CharterPage(id: i64) -> impl IntoView {
    let data = crate::json_text::resource(move || id, get_charter);
    view! {
        <Suspense fallback=|| view! { <p class="page">"Loading the charter…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! { <CharterBody initial=v/> }.into_any(),
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        crate::state::set_status(e.code.status());
                        view! {
                            <section class="page narrow">
                                <h1>"Campaign not found"</h1>
                                <ErrorNotice error=e/>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Someone working on a section right now.
#[derive(Clone, Debug, PartialEq)]
struct Present {
    user_id: i64,
    label: String,
    section: String,
    seen: f64,
}

#[derive(Clone, Copy)]
struct CharterCtx {
    id: i64,
    view: RwSignal<CharterView>,
    presence: RwSignal<Vec<Present>>,
    /// Which section this tab is editing (announced to the others).
    editing: RwSignal<Option<Section>>,
}

impl CharterCtx {
    fn refresh(self) {
        spawn_local(async move {
            if let Ok(v) = get_charter(self.id).await {
                self.view.set(v);
            }
        });
    }
}

#[component]
fn CharterBody(initial: CharterView) -> impl IntoView {
    let ctx = CharterCtx {
        id: initial.campaign_id,
        view: RwSignal::new(initial.clone()),
        presence: RwSignal::new(Vec::new()),
        editing: RwSignal::new(None),
    };
    provide_context(ctx);
    // "live" once the tab's live connection is up (tests and people can tell).
    let live_label = RwSignal::new("connecting");

    #[cfg(feature = "hydrate")]
    {
        use crate::realtime::client::{follow, LiveStatus};
        use crate::realtime::{ClientMsg, ServerMsg};
        let me_id = StoredValue::new(0i64);
        let on_msg = move |msg: ServerMsg| match msg {
            ServerMsg::Event { .. } => ctx.refresh(),
            ServerMsg::Presence { user_id, name, org_name, section, .. } => {
                if user_id == me_id.get_value() {
                    return;
                }
                let now = js_sys::Date::now();
                ctx.presence.update(|p| {
                    p.retain(|x| x.user_id != user_id && now - x.seen < 30_000.0);
                    if let Some(section) = section {
                        let label = match org_name {
                            Some(o) => format!("{name} ({o})"),
                            None => name,
                        };
                        p.push(Present { user_id, label, section, seen: now });
                    }
                });
            }
            _ => {}
        };
        let reload = move || async move {
            let v = get_charter(ctx.id).await.ok()?;
            let head = v.head;
            ctx.view.set(v);
            Some(head)
        };
        let (handle, status) = follow(ctx.id, initial.head, on_msg, reload);
        Effect::new(move |_| {
            live_label.set(match status.get() {
                LiveStatus::Live => "live",
                LiveStatus::Connecting => "connecting",
                LiveStatus::Reconnecting => "reconnecting",
            })
        });
        // Learn our own id (to ignore our own presence) from the nav's session.
        spawn_local(async move {
            if let Ok(Some(me)) = crate::components::nav::get_me().await {
                me_id.set_value(me.user_id);
            }
        });
        // Announce where we are now, and again every 10 s while editing.
        Effect::new(move |_| {
            let section = ctx.editing.get().map(|s| s.key().to_string());
            status.track();
            if let Some(live) = handle.get_value() {
                live.send(&ClientMsg::Presence { campaign_id: ctx.id, section });
            }
        });
        let interval = set_interval_with_handle(
            move || {
                if let Some(section) = ctx.editing.get_untracked() {
                    if let Some(live) = handle.get_value() {
                        live.send(&ClientMsg::Presence {
                            campaign_id: ctx.id,
                            section: Some(section.key().to_string()),
                        });
                    }
                }
                let now = js_sys::Date::now();
                ctx.presence.update(|p| p.retain(|x| now - x.seen < 30_000.0));
            },
            std::time::Duration::from_secs(10),
        );
        on_cleanup(move || {
            if let Ok(h) = interval {
                h.clear();
            }
        });
    }

    let name = initial.campaign_name.clone();
    let id = initial.campaign_id;
    view! {
        <script src="/times.js" defer></script>
        <section class="charter-page" data-live=move || live_label.get()>
            <header class="board-header">
                <div>
                    <h1>"Joint strategy charter — " {name}</h1>
                    <div class="partners">{move || ctx.view.with(|v| v.roster.partners.clone()).into_iter().map(|p| view! { <PartnerChip org=p/> }).collect_view()}</div>
                </div>
                <div class="board-tools">
                    <span class="chip" data-testid="ugc-lead">{move || ctx.view.with(|v| format!("UGC lead {}: {}", v.quarter, v.ugc_lead.clone().unwrap_or_else(|| "not set".into())))}</span>
                    <span class="status-pill" data-testid="campaign-status">{move || ctx.view.with(|v| v.status.clone())}</span>
                    <a class="button small" href=format!("/campaigns/{id}/charter/print")>"Printable one-pager"</a>
                    <a class="button small" href=format!("/api/v1/campaigns/{id}/charter.md") download="">"Markdown"</a>
                </div>
            </header>
            <div class="charter-layout">
                <SectionIndex/>
                <div class="charter-sections">
                    {Section::ALL.into_iter().map(|section| view! { <SectionCard section/> }).collect_view()}
                </div>
                <aside class="charter-side">
                    <SignOff/>
                    <Checklist/>
                    <Changes/>
                </aside>
            </div>
        </section>
    }
    .into_any()
}
