//! The side panels: the escalation feed, the review turnaround table and the mail outbox.
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::ErrorNotice;
use crate::content::Turnaround;
use crate::dates::Time;
use crate::error::AppError;
use crate::escalations::{self, Escalation};

use super::{update_escalation, Ctx};

#[component]
pub(super) fn EscalationFeed(ctx: Ctx) -> impl IntoView {
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

fn hours(h: Option<f64>) -> String {
    h.map(|h| format!("{} h", crate::num::fixed(h, 1))).unwrap_or_else(|| "—".into())
}

#[component]
pub(super) fn TurnaroundTable(ctx: Ctx) -> impl IntoView {
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
                                <td>{t.rounds_per_asset.map(|r| crate::num::fixed(r, 2)).unwrap_or_else(|| "—".into())}</td>
                                <td>{t.within_sla_pct.map(|p| format!("{} %", crate::num::fixed(p, 0))).unwrap_or_else(|| "—".into())}</td>
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
pub(super) fn Outbox(ctx: Ctx) -> impl IntoView {
    let mails = move || ctx.view.with(|v| v.outbox.clone());
    view! {
        <details class="panel outbox">
            <summary><h2>"Mail sent by Chorus " <span class="count">{move || mails().len()}</span></h2></summary>
            <p class="muted">"Escalations are mailed to the person named. Without an SMTP server configured, mail waits here (and in the server log)."</p>
            <ul>
                {move || mails().into_iter().map(|m| view! {
                    <li data-testid="mail">
                        <p><strong>{m.subject.clone()}</strong></p>
                        <p class="muted">"To " {m.to.clone()} " · " <Time at=m.created_at zone=ctx.view.with_untracked(|v| v.time_zone.clone())/> " · "
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
