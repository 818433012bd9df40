//! One deliverable: its card, the review panel with the payout picker, and its comments.
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::{new_key, ErrorNotice, PartnerChip};
use crate::content::{self, Decision, Deliverable, NewDeliverableComment, Payout, Status};
use crate::dates::Time;
use crate::error::AppError;

use super::{add_comment, review, set_payout, Ctx, DecisionView, RoundBody, SlaClock};

#[component]
pub(super) fn DeliverableItem(ctx: Ctx, d: Deliverable) -> impl IntoView {
    let id = d.id;
    let pending = d.pending().cloned();
    let expanded = move || ctx.open.get() == Some(id);
    let toggle = move |_| ctx.open.update(|o| *o = if *o == Some(id) { None } else { Some(id) });
    let status_class = format!("status {}", d.status.key());
    let due = d.due_date.map(|x| crate::dates::day_month(&x));
    let overdue_day = d.due_at.is_some_and(|t| t.timestamp_millis() < ctx.now.get_untracked())
        && !matches!(d.status, Status::Approved | Status::Rejected);
    let dd = d.clone();
    let zone = ctx.view.with_untracked(|v| v.time_zone.clone());
    view! {
        <li class="deliverable" id=format!("deliverable-{id}") data-testid="deliverable" data-id=id data-status=d.status.key()>
            <button type="button" class="deliverable-head" aria-expanded=move || expanded().to_string() on:click=toggle>
                <span class="title">{d.title.clone()}</span>
                <span class="who">{d.creator_name.clone()} {d.owner_org.clone().map(|o| view! { " " <PartnerChip org=o/> })}</span>
                <span class=status_class>{d.status.label()} {(!d.rounds.is_empty()).then(|| format!(" · v{}", d.rounds.len()))}</span>
                {d.rights.clone().map(|m| view! { <span class=format!("badge rights-{}", m.state) data-testid="rights-mark">{m.label}</span> })}
                {due.map(|x| view! { <span class="due" class:overdue=overdue_day>"Due " {x}</span> })}
            </button>
            {pending.map(|r| view! { <SlaClock round=r now=ctx.now zone=zone.clone()/> })}
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
    let note = RwSignal::new(String::new());
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
            disclosure_note: note.get_untracked(),
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
    let zone = ctx.view.with_untracked(|v| v.time_zone.clone());
    let due_at = d.due_at.map(|t| t - chrono::Duration::minutes(1));
    let reviewer = d.reviewer.as_ref().map(|r| r.label.clone()).unwrap_or_else(|| "any partner".into());
    view! {
        <div class="review-panel" data-testid="review-panel">
            <p class="expect">{d.expectations.clone()}</p>
            {due_at.map(|t| view! { <p class="muted">"Due by " <Time at=t zone=zone.clone() deadline=true/></p> })}
            <p class="muted">"Fee " {crate::money::format_minor(d.fee_cents, &d.fee_currency)} " · "
                {if matches!(d.status, Status::Approved) && d.fee_cents > 0 {
                    // Approved with a fee: its payout is a line of the payout ledger, changed there only.
                    view! { <a href=format!("/campaigns/{}/payouts", ctx.campaign_id) data-testid="payout-link">"Payout: " {d.payout.label()} " · in the payout ledger →"</a> }.into_any()
                } else {
                    view! { <PayoutPicker ctx d=d.clone()/> }.into_any()
                }}
            </p>
            <ol class="rounds">
                {rounds.into_iter().rev().map(|r| { let n = r.round; view! {
                    <li class="round" data-round=n>
                        <h4>"v" {r.round} " · sent by " {r.submitted_by.clone()} " · " <Time at=r.submitted_at zone=zone.clone()/></h4>
                        <RoundBody round=r.clone()/>
                        <DecisionView round=r zone=zone.clone()/>
                    </li>
                }}).collect_view()}
            </ol>
            {match pending {
                Some(r) if may => {
                    let round = r.round;
                    let disclosure_failed = r.disclosure.as_ref().is_some_and(|c| !c.passed);
                    view! {
                        <fieldset class="decide" disabled=move || busy.get()>
                            <legend>"Review v" {round} " against the " {d.lane.label()} " criteria"</legend>
                            <p class="muted">"Review due by " <Time at=r.review_due_at zone=zone.clone() deadline=true/></p>
                            <ul class="criteria">
                                {criteria.iter().enumerate().map(|(i, c)| view! {
                                    <li><label><input type="checkbox" prop:checked=move || ticks.with(|t| t.get(i).copied().unwrap_or(false))
                                        on:change=move |ev| { let on = event_target_checked(&ev); ticks.update(|t| if let Some(x) = t.get_mut(i) { *x = on }) }/>
                                        " " {c.clone()}</label></li>
                                }).collect_view()}
                                {r.disclosure.as_ref().map(|c| view! {
                                    <li class="auto" class:met=c.passed>{if c.passed { "✓ " } else { "✗ " }} "Disclosure (automatic, " {c.market.label()} "): " {if c.passed { "passed" } else { "failed, see the round above" }}</li>
                                })}
                            </ul>
                            {disclosure_failed.then(|| view! {
                                <label>"Note: why approve despite the failed disclosure check (required to approve; kept with the round)"
                                    <textarea name="disclosure_note" rows="2" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                                </label>
                            })}
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
