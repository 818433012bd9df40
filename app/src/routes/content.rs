//! The partners' content page: influencer posts and UGC assets side by side, each lane with its brief, criteria,
//! reviewer, SLA and budget line; every deliverable with its rounds, review clock, decision and comments; the
//! escalation feed, review turnaround and the mail outbox. Live for every partner.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos::task::spawn_local;

use crate::charter::diff::Change as DiffChange;
use crate::components::{new_key, ErrorNotice, PartnerChip};
use crate::content::{
    self, money, sla, ContentView, Decision, Deliverable, LaneSettings, NewDeliverable, NewDeliverableComment, Payout,
    Round, Status, Turnaround,
};
use crate::error::{AppError, ErrorCode};
use crate::escalations::{self, Escalation};
#[cfg(feature = "hydrate")]
use crate::realtime::ServerMsg;
use crate::vocab::Lane;

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
pub fn SlaClock(round: Round, now: RwSignal<i64>) -> impl IntoView {
    let due = round.review_due_at;
    let submitted = round.submitted_at;
    let label = round.review_due_label.clone();
    let text = move || sla::countdown(due, at_ms(now.get()));
    let used = move || sla::used_pct(submitted, due, at_ms(now.get()));
    let overdue = move || at_ms(now.get()) > due;
    view! {
        <div class="sla" class:overdue=overdue data-testid="sla" title=format!("Review due {label} ({} h SLA)", round.sla_hours)>
            <span class="sla-text">{text}</span>
            <span class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=move || format!("{:.0}", used())>
                <span style=move || format!("width: {:.0}%", used())></span>
            </span>
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
        {round.link.clone().map(|l| view! { <p class="link">"Link: " <a href=l.clone() target="_blank" rel="noopener noreferrer">{l.clone()}</a></p> })}
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
pub fn DecisionView(round: Round) -> impl IntoView {
    let Some(decision) = round.decision else { return ().into_any() };
    let class = format!("decision {}", decision.key());
    let when = round.decided_at.map(|d| crate::dates::day_month_time_utc(&d)).unwrap_or_default();
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
        use crate::realtime::client::{Live, LiveStatus};
        let status = RwSignal::new(LiveStatus::Connecting);
        Effect::new(move |_| {
            if status.get() != LiveStatus::Live {
                live.set("connecting");
            }
        });
        let head = ctx.view.get_untracked().head;
        let handle = StoredValue::new_local(None::<Live>);
        Effect::new(move |prev: Option<()>| {
            if prev.is_some() {
                return;
            }
            let on_msg = move |msg: ServerMsg| match msg {
                ServerMsg::Event { event } => {
                    use crate::realtime::Change;
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
                ServerMsg::Reset { .. } => {
                    spawn_local(async move {
                        if let Ok(v) = get_content(campaign_id).await {
                            let head = v.head;
                            ctx.view.set(v);
                            if let Some(live) = handle.get_value() {
                                live.restart_from(head);
                            }
                        }
                    });
                }
                _ => {}
            };
            handle.set_value(Some(Live::connect(campaign_id, head, status, on_msg)));
        });
    }

    let lanes = move || ctx.view.with(|v| v.lanes.clone());
    view! {
        <section class="page content-page" data-hydrated=move || hydrated.get() data-live=move || live.get()>
            <p class="crumbs"><a href=format!("/campaigns/{campaign_id}")>"Board"</a> " · " <a href=format!("/campaigns/{campaign_id}/charter")>"Charter"</a> " · " <strong>"Content"</strong> " · " <a href=format!("/campaigns/{campaign_id}/performance")>"Performance"</a></p>
            <h1>"Content · " {name}</h1>
            {move || ctx.toast.get().map(|t| view! { <div class="toast" role="status" data-testid="toast">{t}</div> })}
            <EscalationFeed ctx/>
            <div class="lanes">
                <For each=lanes key=|l| (l.lane, l.version, l.committed_cents, l.reviewer.as_ref().map(|r| r.label.clone()), l.criteria.len()) let:lane>
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

#[component]
fn EscalationFeed(ctx: Ctx) -> impl IntoView {
    let open =
        move || ctx.view.with(|v| v.escalations.iter().filter(|e| e.status != "resolved").cloned().collect::<Vec<_>>());
    let resolved = move || ctx.view.with(|v| v.escalations.iter().filter(|e| e.status == "resolved").count());
    view! {
        <section class="panel escalations" aria-label="Escalations">
            <h2>"Escalations " <span class="count">{move || open().len()}</span></h2>
            {move || open().is_empty().then(|| view! { <p class="muted">"Nothing escalated. Every review clock is within its SLA."</p> })}
            <ul>
                <For each=open key=|e| (e.id, e.version) let:e>
                    <EscalationItem ctx e/>
                </For>
            </ul>
            {move || (resolved() > 0).then(|| view! { <p class="muted">{resolved()} " resolved"</p> })}
        </section>
    }
}

#[component]
fn EscalationItem(ctx: Ctx, e: Escalation) -> impl IntoView {
    let note = RwSignal::new(e.note.clone());
    let error = RwSignal::new(None::<AppError>);
    let id = e.id;
    let version = e.version;
    let set = move |status: &'static str| {
        let input = escalations::UpdateEscalation { status: status.into(), note: note.get_untracked(), version };
        spawn_local(async move {
            match update_escalation(ctx.campaign_id, id, input).await {
                Ok(_) => ctx.refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let open_deliverable = e.deliverable_id;
    view! {
        <li class=format!("escalation {}", e.status) data-testid="escalation">
            <p><strong>{e.title.clone()}</strong></p>
            <p class="muted">{e.detail.clone()}</p>
            <p>"Assigned to " <strong>{e.assignee.clone()}</strong> " · " <span class="status">{e.status.clone()}</span></p>
            {open_deliverable.map(|d| view! { <button type="button" class="button small" on:click=move |_| ctx.open.set(Some(d))>"Open the deliverable"</button> })}
            <div class="row">
                <input aria-label="Note" placeholder="Note (what is being done)" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                {(e.status == "open").then(|| view! { <button type="button" class="button small" on:click=move |_| set("acknowledged")>"Acknowledge"</button> })}
                <button type="button" class="button small" on:click=move |_| set("resolved")>"Resolve"</button>
            </div>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </li>
    }
}

#[component]
fn LaneColumn(ctx: Ctx, lane: LaneSettings) -> impl IntoView {
    let l = lane.lane;
    let title = match l {
        Lane::Influencer => "Influencer posts",
        Lane::Ugc => "UGC assets",
    };
    let items = move || ctx.view.with(|v| v.deliverables.iter().filter(|d| d.lane == l).cloned().collect::<Vec<_>>());
    let budget = lane.budget_cents;
    let committed = lane.committed_cents;
    let over = committed > budget && budget > 0;
    let pct = if budget > 0 { (committed as f64 * 100.0 / budget as f64).min(100.0) } else { 0.0 };
    let reviewer = lane.reviewer.clone();
    let criteria = lane.criteria.clone();
    view! {
        <section class=format!("lane lane-{}", l.as_str()) data-lane=l.as_str() aria-label=title>
            <header>
                <h2>{title}</h2>
                <p class="lane-meta">
                    <span data-testid="sla-hours">"Review SLA " <strong>{lane.sla_hours} " h"</strong></span>
                    " · Reviewer: "
                    {match reviewer {
                        Some(r) => view! { <strong title=format!("{} — {}", r.responsibility, r.why)>{r.label.clone()}</strong> <span class="muted">" (" {r.why.clone()} ")"</span> }.into_any(),
                        None => view! { <span class="muted">"any partner (the charter's responsibility matrix names nobody)"</span> }.into_any(),
                    }}
                </p>
                <div class="budget" title="Fees of this lane's deliverables against its budget line">
                    <span>"Budget line: " {money(committed)} " committed of " {if budget > 0 { money(budget) } else { "no budget set".to_string() }}</span>
                    <span class="bar" class:over=over role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{pct:.0}")>
                        <span style=format!("width: {pct:.0}%")></span>
                    </span>
                </div>
                <details class="lane-brief">
                    <summary>"Brief and approval criteria"</summary>
                    <div class="md" inner_html=crate::charter::markdown::to_html(&lane.brief)></div>
                    {if criteria.is_empty() {
                        view! { <p class="muted">"No approval criteria yet: set them in the charter."</p> }.into_any()
                    } else {
                        view! { <ul class="criteria">{criteria.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view()}</ul> }.into_any()
                    }}
                </details>
            </header>
            <ul class="deliverables">
                <For each=items key=|d| (d.id, d.version, d.comments.len(), d.rounds.len()) let:d>
                    <DeliverableItem ctx d/>
                </For>
            </ul>
            {move || items().is_empty().then(|| view! { <p class="muted">"Nothing briefed in this lane yet."</p> })}
        </section>
    }
}

#[component]
fn DeliverableItem(ctx: Ctx, d: Deliverable) -> impl IntoView {
    let id = d.id;
    let pending = d.pending().cloned();
    let expanded = move || ctx.open.get() == Some(id);
    let toggle = move |_| ctx.open.update(|o| *o = if *o == Some(id) { None } else { Some(id) });
    let status_class = format!("status {}", d.status.key());
    let due = d.due_date.map(|x| crate::dates::day_month(&x));
    let overdue_day = d.due_at.is_some_and(|t| t.timestamp_millis() < ctx.now.get_untracked())
        && !matches!(d.status, Status::Approved | Status::Rejected);
    let dd = d.clone();
    view! {
        <li class="deliverable" data-testid="deliverable" data-id=id data-status=d.status.key()>
            <button type="button" class="deliverable-head" aria-expanded=move || expanded().to_string() on:click=toggle>
                <span class="title">{d.title.clone()}</span>
                <span class="who">{d.creator_name.clone()} {d.owner_org.clone().map(|o| view! { " " <PartnerChip org=o/> })}</span>
                <span class=status_class>{d.status.label()} {(!d.rounds.is_empty()).then(|| format!(" · v{}", d.rounds.len()))}</span>
                {due.map(|x| view! { <span class="due" class:overdue=overdue_day>"Due " {x}</span> })}
            </button>
            {pending.map(|r| view! { <SlaClock round=r now=ctx.now/> })}
            {move || expanded().then(|| view! { <ReviewPanel ctx d=dd.clone()/> })}
        </li>
    }
}

#[component]
fn ReviewPanel(ctx: Ctx, d: Deliverable) -> impl IntoView {
    let may =
        ctx.view.with_untracked(|v| v.may_decide.iter().find(|(l, _)| *l == d.lane).map(|(_, m)| *m).unwrap_or(false));
    let criteria = ctx
        .view
        .with_untracked(|v| v.lanes.iter().find(|l| l.lane == d.lane).map(|l| l.criteria.clone()).unwrap_or_default());
    let ticks = RwSignal::new(vec![false; criteria.len()]);
    let feedback = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let pending = d.pending().cloned();
    let id = d.id;
    let version = d.version;
    let key = StoredValue::new(new_key());
    let decide_with = move |decision: Decision, round: i64| {
        busy.set(true);
        let input = content::Review {
            round,
            decision,
            feedback: feedback.get_untracked(),
            criteria: ticks.get_untracked(),
            version,
        };
        spawn_local(async move {
            match review(ctx.campaign_id, id, input, key.get_value()).await {
                Ok(d) => {
                    error.set(None);
                    ctx.put(d);
                }
                Err(e) => {
                    key.set_value(new_key());
                    error.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    let rounds = d.rounds.clone();
    let reviewer = d.reviewer.as_ref().map(|r| r.label.clone()).unwrap_or_else(|| "any partner".into());
    view! {
        <div class="review-panel" data-testid="review-panel">
            <p class="expect">{d.expectations.clone()}</p>
            <p class="muted">"Fee " {money(d.fee_cents)} " · " <PayoutPicker ctx d=d.clone()/></p>
            <ol class="rounds">
                {rounds.into_iter().rev().map(|r| { let n = r.round; view! {
                    <li class="round" data-round=n>
                        <h4>"v" {r.round} " · sent by " {r.submitted_by.clone()} " · " {crate::dates::day_month_time_utc(&r.submitted_at)}</h4>
                        <RoundBody round=r.clone()/>
                        <DecisionView round=r/>
                    </li>
                }}).collect_view()}
            </ol>
            {match pending {
                Some(r) if may => {
                    let round = r.round;
                    view! {
                        <fieldset class="decide" disabled=move || busy.get()>
                            <legend>"Review v" {round} " against the " {d.lane.label()} " criteria"</legend>
                            <ul class="criteria">
                                {criteria.iter().enumerate().map(|(i, c)| view! {
                                    <li><label><input type="checkbox" prop:checked=move || ticks.with(|t| t.get(i).copied().unwrap_or(false))
                                        on:change=move |ev| { let on = event_target_checked(&ev); ticks.update(|t| if let Some(x) = t.get_mut(i) { *x = on }) }/>
                                        " " {c.clone()}</label></li>
                                }).collect_view()}
                            </ul>
                            <label>"Feedback to the creator" <textarea name="feedback" rows="3" prop:value=move || feedback.get() on:input=move |ev| feedback.set(event_target_value(&ev))></textarea></label>
                            <div class="row actions">
                                <button type="button" class="button primary" on:click=move |_| decide_with(Decision::Approved, round)>"Approve"</button>
                                <button type="button" class="button" on:click=move |_| decide_with(Decision::ChangesRequested, round)>"Request changes"</button>
                                <button type="button" class="button danger" on:click=move |_| decide_with(Decision::Rejected, round)>"Reject"</button>
                            </div>
                        </fieldset>
                    }.into_any()
                }
                Some(_) => view! { <p class="notice">"Waiting for " {reviewer} " to review (the responsibility matrix names them). You can comment below."</p> }.into_any(),
                None => ().into_any(),
            }}
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
            <Comments ctx d/>
        </div>
    }
}

#[component]
fn PayoutPicker(ctx: Ctx, d: Deliverable) -> impl IntoView {
    let error = RwSignal::new(None::<AppError>);
    let id = d.id;
    let version = d.version;
    let on_change = move |ev: leptos::ev::Event| {
        let Some(payout) = Payout::parse(&event_target_value(&ev)) else { return };
        spawn_local(async move {
            match set_payout(ctx.campaign_id, id, content::SetPayout { payout, version }).await {
                Ok(d) => ctx.put(d),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <label class="payout">"Payout "
            <select on:change=on_change aria-label="Payout status">
                {Payout::ALL.into_iter().map(|p| view! { <option value=p.key() selected=p == d.payout>{p.label()}</option> }).collect_view()}
            </select>
        </label>
        {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
    }
}

#[component]
fn Comments(ctx: Ctx, d: Deliverable) -> impl IntoView {
    let body = RwSignal::new(String::new());
    let internal = RwSignal::new(true);
    let error = RwSignal::new(None::<AppError>);
    let id = d.id;
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewDeliverableComment { body: body.get_untracked(), internal: internal.get_untracked() };
        spawn_local(async move {
            match add_comment(ctx.campaign_id, id, input).await {
                Ok(_) => {
                    body.set(String::new());
                    error.set(None);
                    ctx.refresh();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="comments">
            <h4>"Comments"</h4>
            <ul>
                {d.comments.iter().map(|c| view! {
                    <li class:internal=c.internal>
                        <strong>{c.author.clone()}</strong> {c.org_name.clone().map(|o| format!(" ({o})"))}
                        {c.internal.then(|| view! { <span class="tag">"internal"</span> })}
                        {c.round.map(|r| format!(" · on v{r}"))}
                        <p>{c.body.clone()}</p>
                    </li>
                }).collect_view()}
            </ul>
            <form on:submit=send class="comment-form">
                <textarea aria-label="Comment" rows="2" prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                <label><input type="checkbox" prop:checked=move || internal.get() on:change=move |ev| internal.set(event_target_checked(&ev))/> " Internal (partners only; the creator never sees it)"</label>
                <button type="submit" class="button small">"Comment"</button>
            </form>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </div>
    }
}

#[component]
fn NewDeliverableForm(ctx: Ctx) -> impl IntoView {
    let creators = move || ctx.view.with(|v| v.creators.clone());
    let creator = RwSignal::new(String::new());
    let lane = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let expectations = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let fee = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let key = StoredValue::new(new_key());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(creator_id) = creator.get_untracked().parse::<i64>() else {
            error.set(Some(AppError::validation("creator_id", "Choose a creator")));
            return;
        };
        let fee_text = fee.get_untracked();
        let fee_cents = match fee_text.trim() {
            "" => None,
            t => match t.replace(['$', ','], "").parse::<f64>() {
                Ok(v) if v >= 0.0 => Some((v * 100.0).round() as i64),
                _ => {
                    error.set(Some(AppError::validation("fee_cents", format!("\"{t}\" is not an amount"))));
                    return;
                }
            },
        };
        let input = NewDeliverable {
            creator_id,
            lane: Lane::parse(&lane.get_untracked()),
            title: title.get_untracked(),
            expectations: expectations.get_untracked(),
            due_date: Some(due.get_untracked()).filter(|s| !s.is_empty()),
            fee_cents,
        };
        spawn_local(async move {
            match create_deliverable(ctx.campaign_id, input, key.get_value()).await {
                Ok(d) => {
                    key.set_value(new_key());
                    error.set(None);
                    title.set(String::new());
                    expectations.set(String::new());
                    ctx.put(d);
                }
                Err(e) => {
                    key.set_value(new_key());
                    error.set(Some(e));
                }
            }
        });
    };
    view! {
        <section class="panel new-deliverable">
            <h2>"Brief a creator"</h2>
            <form on:submit=submit class="grid-form">
                <label>"Creator"
                    <select name="creator_id" on:change=move |ev| creator.set(event_target_value(&ev)) prop:value=move || creator.get()>
                        <option value="">"Choose…"</option>
                        {move || creators().into_iter().map(|c| view! {
                            <option value=c.creator_id.to_string()>{c.name.clone()} " (" {c.lane.label()} {(!c.has_account).then_some(", no portal account yet")} ")"</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Lane"
                    <select name="lane" on:change=move |ev| lane.set(event_target_value(&ev))>
                        <option value="">"The creator's lane"</option>
                        <option value="influencer">"Influencer post"</option>
                        <option value="ugc">"UGC asset"</option>
                    </select>
                </label>
                <label>"Title" <input name="title" required placeholder="e.g. Reel: first ride" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/></label>
                <label>"Due (campaign time)" <input name="due_date" type="date" prop:value=move || due.get() on:input=move |ev| due.set(event_target_value(&ev))/></label>
                <label>"Fee (USD; blank = the lane's default)" <input name="fee" inputmode="decimal" prop:value=move || fee.get() on:input=move |ev| fee.set(event_target_value(&ev))/></label>
                <label class="wide">"What is expected" <textarea name="expectations" rows="2" prop:value=move || expectations.get() on:input=move |ev| expectations.set(event_target_value(&ev))></textarea></label>
                <button type="submit" class="button primary">"Brief"</button>
            </form>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </section>
    }
}

fn hours(h: Option<f64>) -> String {
    h.map(|h| format!("{h:.1} h")).unwrap_or_else(|| "—".into())
}

#[component]
fn TurnaroundTable(ctx: Ctx) -> impl IntoView {
    let rows = move || ctx.view.with(|v| v.turnaround.clone());
    view! {
        <section class="panel turnaround">
            <h2>"Review turnaround"</h2>
            <div class="table-wrap">
                <table>
                    <thead><tr><th>"Lane"</th><th>"Partner"</th><th>"Reviewed"</th><th>"Waiting"</th><th>"Mean wait"</th><th>"Median wait"</th><th>"Rounds per asset"</th><th>"Within SLA"</th></tr></thead>
                    <tbody>
                        {move || rows().into_iter().map(|t: Turnaround| view! {
                            <tr class:all=t.partner.is_none()>
                                <td>{t.lane.label()}</td>
                                <td>{t.partner.clone().map(|p| p.name).unwrap_or_else(|| "All partners".into())}</td>
                                <td>{t.reviewed}</td>
                                <td>{t.pending}</td>
                                <td>{hours(t.mean_wait_hours)}</td>
                                <td>{hours(t.median_wait_hours)}</td>
                                <td>{t.rounds_per_asset.map(|r| format!("{r:.2}")).unwrap_or_else(|| "—".into())}</td>
                                <td>{t.within_sla_pct.map(|p| format!("{p:.0} %")).unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="muted">"Wait: from submission to decision (rounds still waiting count up to now). Rounds per asset: rounds of deliverables that have at least one. Partner: who owns the creator relationship."</p>
        </section>
    }
}

#[component]
fn Settings(ctx: Ctx) -> impl IntoView {
    let lanes = move || ctx.view.with(|v| v.lanes.clone());
    let zone = RwSignal::new(ctx.view.with_untracked(|v| v.time_zone.clone()));
    let error = RwSignal::new(None::<AppError>);
    let save_zone = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            match set_time_zone(ctx.campaign_id, zone.get_untracked()).await {
                Ok(z) => {
                    zone.set(z);
                    error.set(None);
                    ctx.refresh();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <details class="panel settings">
            <summary><h2>"Lane settings and time zone"</h2></summary>
            <form on:submit=save_zone class="row">
                <label class="grow">"Campaign time zone (due days end at midnight there)" <input name="time_zone" prop:value=move || zone.get() on:input=move |ev| zone.set(event_target_value(&ev)) placeholder="Europe/Berlin"/></label>
                <button type="submit" class="button">"Save time zone"</button>
            </form>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
            <For each=lanes key=|l| (l.lane, l.version) let:lane>
                <LaneForm ctx lane/>
            </For>
        </details>
    }
}

#[component]
fn LaneForm(ctx: Ctx, lane: LaneSettings) -> impl IntoView {
    let brief = RwSignal::new(lane.brief.clone());
    let sla_hours = RwSignal::new(lane.sla_hours.to_string());
    let budget = RwSignal::new(format!("{:.2}", lane.budget_cents as f64 / 100.0));
    let fee = RwSignal::new(format!("{:.2}", lane.default_fee_cents as f64 / 100.0));
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let l = lane.lane;
    let version = lane.version;
    let cents = |field: &str, s: String| -> Result<i64, AppError> {
        s.trim()
            .replace(['$', ','], "")
            .parse::<f64>()
            .map(|v| (v * 100.0).round() as i64)
            .map_err(|_| AppError::validation(field, format!("\"{}\" is not an amount", s.trim())))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = (|| {
            Ok::<_, AppError>(content::SaveLane {
                lane: l,
                brief: brief.get_untracked(),
                sla_hours: sla_hours
                    .get_untracked()
                    .trim()
                    .parse()
                    .map_err(|_| AppError::validation("sla_hours", "Hours, a whole number"))?,
                budget_cents: cents("budget_cents", budget.get_untracked())?,
                default_fee_cents: cents("default_fee_cents", fee.get_untracked())?,
                version,
            })
        })();
        let input = match input {
            Ok(i) => i,
            Err(e) => return error.set(Some(e)),
        };
        spawn_local(async move {
            match save_lane(ctx.campaign_id, input).await {
                Ok(_) => {
                    saved.set(true);
                    ctx.refresh();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="lane-form grid-form" on:submit=submit data-lane=l.as_str()>
            <h3>{l.label()} " lane"</h3>
            <label>"Approval SLA (hours)" <input name="sla_hours" inputmode="numeric" prop:value=move || sla_hours.get() on:input=move |ev| sla_hours.set(event_target_value(&ev))/></label>
            <label>"Budget line (USD)" <input name="budget" inputmode="decimal" prop:value=move || budget.get() on:input=move |ev| budget.set(event_target_value(&ev))/></label>
            <label>"Default fee (USD)" <input name="fee" inputmode="decimal" prop:value=move || fee.get() on:input=move |ev| fee.set(event_target_value(&ev))/></label>
            <label class="wide">"Brief (Markdown)" <textarea name="brief" rows="5" prop:value=move || brief.get() on:input=move |ev| brief.set(event_target_value(&ev))></textarea></label>
            <button type="submit" class="button">"Save the " {l.label()} " lane"</button>
            {move || saved.get().then(|| view! { <span class="muted">"Saved."</span> })}
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </form>
    }
}

#[component]
fn Outbox(ctx: Ctx) -> impl IntoView {
    let mails = move || ctx.view.with(|v| v.outbox.clone());
    view! {
        <details class="panel outbox">
            <summary><h2>"Mail sent by Chorus " <span class="count">{move || mails().len()}</span></h2></summary>
            <p class="muted">"Escalations are mailed to the person named. Without an SMTP server configured, mail waits here (and in the server log)."</p>
            <ul>
                {move || mails().into_iter().map(|m| view! {
                    <li data-testid="mail">
                        <p><strong>{m.subject.clone()}</strong></p>
                        <p class="muted">"To " {m.to.clone()} " · " {crate::dates::day_month_time_utc(&m.created_at)} " · "
                            {match (m.sent_at, m.last_error.clone()) {
                                (Some(_), _) => "sent".to_string(),
                                (None, Some(e)) => format!("not sent: {e}"),
                                (None, None) => "in the outbox".to_string(),
                            }}</p>
                        <pre>{m.body.clone()}</pre>
                    </li>
                }).collect_view()}
            </ul>
        </details>
    }
}
