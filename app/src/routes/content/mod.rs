//! The partners' content page: influencer posts and UGC assets side by side, each lane with its brief, criteria,
//! reviewer, SLA and budget line; every deliverable with its rounds, review clock, decision and comments; the
//! escalation feed, review turnaround and the mail outbox. Live for every partner.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos::task::spawn_local;

use crate::charter::diff::Change as DiffChange;
use crate::components::ErrorNotice;
use crate::content::disclosure::DisclosureCheck;
use crate::content::{self, sla, ContentView, Deliverable, LaneSettings, NewDeliverable, NewDeliverableComment, Round};
use crate::dates::Time;
use crate::error::{AppError, ErrorCode};
use crate::escalations::{self, Escalation};
#[cfg(feature = "hydrate")]
use crate::realtime::ServerMsg;

use self::lanes::{LaneColumn, NewDeliverableForm, Settings};
use self::panels::{EscalationFeed, Outbox, TurnaroundTable};

mod deliverable;
mod lanes;
mod panels;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "content")]
pub async fn get_content(campaign_id: i64) -> Result<ContentView, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::content::ssr::get_content(&state.db, &who, campaign_id, state.max_upload_bytes).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "create_deliverable", input = Json)]
pub async fn create_deliverable(campaign_id: i64, input: NewDeliverable, key: String) -> Result<Deliverable, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::content::ssr::create_deliverable(&state.db, &who, campaign_id, &input, Some(&key)).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "review", input = Json)]
pub async fn review(
    campaign_id: i64,
    deliverable_id: i64,
    input: content::Review,
    key: String,
) -> Result<Deliverable, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::content::ssr::review(&state.db, &who, campaign_id, deliverable_id, &input, Some(&key)).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "add_comment", input = Json)]
pub async fn add_comment(
    campaign_id: i64,
    deliverable_id: i64,
    input: NewDeliverableComment,
) -> Result<crate::content::Comment, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::content::ssr::add_comment(&state.db, &who, campaign_id, deliverable_id, &input).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "set_payout", input = Json)]
pub async fn set_payout(
    campaign_id: i64,
    deliverable_id: i64,
    input: content::SetPayout,
) -> Result<Deliverable, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::content::ssr::set_payout(&state.db, &who, campaign_id, deliverable_id, &input).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "save_lane", input = Json)]
pub async fn save_lane(campaign_id: i64, input: content::SaveLane) -> Result<LaneSettings, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::content::ssr::save_lane(&state.db, &who, campaign_id, &input).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "set_time_zone")]
pub async fn set_time_zone(campaign_id: i64, time_zone: String) -> Result<String, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::content::ssr::set_time_zone(&state.db, &who, campaign_id, &time_zone).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "update_escalation", input = Json)]
pub async fn update_escalation(
    campaign_id: i64,
    escalation_id: i64,
    input: escalations::UpdateEscalation,
) -> Result<Escalation, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::escalations::ssr::update_escalation(&state.db, &who, campaign_id, escalation_id, &input).await
}

/// Now, in milliseconds, ticking once a second in the browser (for the review clocks).
pub fn use_clock() -> RwSignal<i64> {
    let now = RwSignal::new(chrono::Utc::now().timestamp_millis());
    #[cfg(feature = "hydrate")]
    {
        let h = set_interval_with_handle(
            move || now.set(chrono::Utc::now().timestamp_millis()),
            std::time::Duration::from_secs(1),
        );
        on_cleanup(move || {
            if let Ok(h) = h {
                h.clear();
            }
        });
    }
    now
}

fn at_ms(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// A review clock: time left (or overdue) with a bar of the SLA used.
#[component]
pub fn SlaClock(round: Round, now: RwSignal<i64>, #[prop(into)] zone: String) -> impl IntoView {
    let due = round.review_due_at;
    let submitted = round.submitted_at;
    let label = crate::dates::in_zone(&due, &zone);
    let text = move || sla::countdown(due, at_ms(now.get()));
    let used = move || sla::used_pct(submitted, due, at_ms(now.get()));
    let overdue = move || at_ms(now.get()) > due;
    view! {
        <div class="sla" class:overdue=overdue data-testid="sla" title=format!("Review due {label} ({} h SLA)", round.sla_hours)>
            <span class="sla-text">{text}</span>
            <span class="bar" role="progressbar" aria-label="Review clock: share of the SLA used" aria-valuemin="0" aria-valuemax="100" aria-valuenow=move || crate::num::fixed(used(), 0)>
                <span style=move || format!("width: {}%", crate::num::fixed(used(), 0))></span>
            </span>
        </div>
    }
}

/// The automatic disclosure criterion: passed or not, against which market's rule, what was found and the fix.
#[component]
pub fn DisclosureView(check: DisclosureCheck) -> impl IntoView {
    let passed = check.passed;
    view! {
        <div class="disclosure-check" class:failed=!passed data-testid="disclosure-check" data-passed=passed.to_string() role=(!passed).then_some("status")>
            <strong>{if passed { "✓ " } else { "✗ " }} "Disclosure (automatic check, " {check.market_name.clone()} ")"</strong>
            <ul class="criteria done">
                {check.findings.into_iter().map(|f| {
                    let mark = if f.passed { "✓ " } else { "✗ " };
                    let fix = f.fix.map(|x| view! { <span class="fix" data-testid="disclosure-fix">"Fix: " {x}</span> });
                    view! {
                        <li class:met=f.passed>
                            {mark} <span class="rule">{f.rule}</span> ": " {f.detail}
                            {fix}
                            <span class="source">"Source: " {f.source}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// The files, caption and link of one round.
#[component]
pub fn RoundBody(round: Round) -> impl IntoView {
    let files = round.files.clone();
    let diff = round.caption_diff.clone();
    let changed = diff.iter().any(|l| l.change != DiffChange::Same);
    view! {
        <div class="files">
            {files.into_iter().map(|f| {
                let href = format!("/files/{}", f.id);
                let size = crate::media::human_size(f.size.max(0) as u64);
                if f.is_video() {
                    view! { <figure class="file"><video controls preload="metadata" src=href.clone()></video><figcaption><a href=format!("{href}?download=1")>{f.file_name.clone()}</a> " · " {size}</figcaption></figure> }.into_any()
                } else if f.has_thumb {
                    view! { <figure class="file"><a href=href.clone() target="_blank" rel="noopener"><img src=format!("{href}/thumb") alt=format!("Preview of {}", f.file_name) loading="lazy"/></a><figcaption><a href=format!("{href}?download=1")>{f.file_name.clone()}</a> " · " {size}</figcaption></figure> }.into_any()
                } else {
                    view! { <figure class="file"><a href=format!("{href}?download=1")>{f.file_name.clone()}</a> " · " {size}</figure> }.into_any()
                }
            }).collect_view()}
        </div>
        {round.link.clone().map(|l| view! { <p class="round-link">"Link: " <a href=l.clone() target="_blank" rel="noopener noreferrer">{l.clone()}</a></p> })}
        {round.disclosure.clone().map(|check| view! { <DisclosureView check/> })}
        {if changed {
            view! {
                <div class="caption-diff" data-testid="caption-diff" aria-label="Caption compared with the round before">
                    {diff.into_iter().map(|l| {
                        let class = match l.change { DiffChange::Added => "added", DiffChange::Removed => "removed", DiffChange::Same => "same" };
                        let mark = match l.change { DiffChange::Added => "+ ", DiffChange::Removed => "− ", DiffChange::Same => "  " };
                        view! { <div class=class>{mark}{l.text}</div> }
                    }).collect_view()}
                </div>
            }.into_any()
        } else {
            view! { <blockquote class="caption">{round.caption.clone()}</blockquote> }.into_any()
        }}
    }
}

/// A decided round: the decision, who and when, the ticks and the feedback.
#[component]
pub fn DecisionView(round: Round, #[prop(into)] zone: String) -> impl IntoView {
    let Some(decision) = round.decision else { return ().into_any() };
    let class = format!("decision {}", decision.key());
    let when = round.decided_at.map(|d| view! { <Time at=d zone=zone.clone()/> });
    let within = match round.within_sla() {
        Some(true) => " · within SLA",
        Some(false) => " · after the SLA",
        None => "",
    };
    view! {
        <div class=class data-testid="decision">
            <strong>{decision.label()}</strong> " by " {round.decided_by.clone().unwrap_or_default()} " · " {when} {within}
            {(!round.criteria.is_empty()).then(|| view! {
                <ul class="criteria done">
                    {round.criteria.iter().map(|c| view! { <li class:met=c.met>{if c.met { "✓ " } else { "✗ " }}{c.text.clone()}</li> }).collect_view()}
                </ul>
            })}
            {(!round.feedback.is_empty()).then(|| view! { <p class="feedback">{round.feedback.clone()}</p> })}
            {(!round.disclosure_note.is_empty()).then(|| view! {
                <p class="disclosure-note" data-testid="disclosure-note">"Approved over the failed disclosure check: " {round.disclosure_note.clone()}</p>
            })}
        </div>
    }
    .into_any()
}

#[component]
pub fn ContentPage(id: i64) -> impl IntoView {
    let data = crate::json_text::resource(move || id, get_content);
    view! {
        <Suspense fallback=|| view! { <p class="page">"Loading content…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! { <ContentBoard v/> }.into_any(),
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        crate::state::set_status(e.code.status());
                        let signin = e.is(ErrorCode::Unauthorized);
                        view! {
                            <section class="page narrow">
                                <h1>{if signin { "Sign in to see this campaign" } else { "Campaign not found" }}</h1>
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

#[derive(Clone, Copy)]
struct Ctx {
    campaign_id: i64,
    view: RwSignal<ContentView>,
    open: RwSignal<Option<i64>>,
    now: RwSignal<i64>,
    toast: RwSignal<Option<String>>,
}

impl Ctx {
    fn refresh(self) {
        spawn_local(async move {
            if let Ok(v) = get_content(self.campaign_id).await {
                self.view.set(v);
            }
        });
    }
    /// Puts one changed deliverable in place (the answer of a write), without waiting for the live event.
    fn put(self, d: Deliverable) {
        self.view.update(|v| match v.deliverables.iter_mut().find(|x| x.id == d.id) {
            Some(x) => *x = d,
            None => v.deliverables.push(d),
        });
    }
}

#[component]
fn ContentBoard(v: ContentView) -> impl IntoView {
    let campaign_id = v.campaign_id;
    let name = v.campaign_name.clone();
    let ctx = Ctx {
        campaign_id,
        view: RwSignal::new(v),
        open: RwSignal::new(None),
        now: use_clock(),
        toast: RwSignal::new(None),
    };
    let hydrated = RwSignal::new("no");
    Effect::new(move |_| hydrated.set("yes"));
    let live = RwSignal::new("connecting");

    #[cfg(feature = "hydrate")]
    {
        use crate::realtime::client::{follow, LiveStatus};
        use crate::realtime::Change;
        let on_msg = move |msg: ServerMsg| match msg {
            ServerMsg::Event { event } => {
                if matches!(
                    event.change,
                    Change::DeliverableChanged { .. }
                        | Change::DeliverableCommented { .. }
                        | Change::LaneSaved { .. }
                        | Change::TimeZoneSet { .. }
                        | Change::EscalationRaised { .. }
                        | Change::EscalationUpdated { .. }
                        | Change::CharterProposed { .. }
                        | Change::CharterSectionSaved { .. }
                        | Change::CardAdded { .. }
                ) {
                    if matches!(event.change, Change::EscalationRaised { .. } | Change::DeliverableChanged { .. }) {
                        ctx.toast.set(Some(event.describe()));
                    }
                    ctx.refresh();
                }
            }
            ServerMsg::Subscribed { .. } => live.set("live"),
            _ => {}
        };
        let reload = move || async move {
            let v = get_content(campaign_id).await.ok()?;
            let head = v.head;
            ctx.view.set(v);
            Some(head)
        };
        let (_, status) = follow(campaign_id, ctx.view.with_untracked(|v| v.head), on_msg, reload);
        Effect::new(move |_| {
            if status.get() != LiveStatus::Live {
                live.set("connecting");
            }
        });
    }

    let lanes = move || ctx.view.with(|v| v.lanes.clone());
    view! {
        <script src="/times.js" defer></script>
        <section class="page content-page" data-hydrated=move || hydrated.get() data-live=move || live.get()>
            <h1>"Content · " {name}</h1>
            {move || ctx.toast.get().map(|t| view! { <div class="toast" role="status" data-testid="toast">{t}</div> })}
            <EscalationFeed ctx/>
            <div class="lanes">
                <For each=lanes key=|l| (l.lane, l.version, l.committed_cents, l.committed_missing.clone(), l.reviewer.as_ref().map(|r| r.label.clone()), l.criteria.len()) let:lane>
                    <LaneColumn ctx lane/>
                </For>
            </div>
            <NewDeliverableForm ctx/>
            <TurnaroundTable ctx/>
            <Settings ctx/>
            <Outbox ctx/>
        </section>
    }
}
