//! The lanes: each lane's column of deliverables, the form briefing a new deliverable, and the lane settings.
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::{new_key, ErrorNotice};
use crate::content::{self, LaneSettings, NewDeliverable};
use crate::error::AppError;
use crate::money::{format_minor, parse_amount, plain_minor};
use crate::vocab::Lane;

use super::deliverable::DeliverableItem;
use super::{create_deliverable, save_lane, set_time_zone, Ctx};

#[component]
pub(super) fn LaneColumn(ctx: Ctx, lane: LaneSettings) -> impl IntoView {
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
    let money = move |minor: i64| ctx.view.with_untracked(|v| format_minor(minor, &v.currency));
    view! {
        <section class=format!("content-lane content-lane-{}", l.as_str()) data-lane=l.as_str() aria-label=title>
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
                    <span>"Budget line: " {money(committed)} " committed of " {if budget > 0 { money(budget) } else { "no budget set".to_string() }}
                        {lane.committed_missing.clone().map(|m| format!(" (waits for {m})"))}</span>
                    <span class="bar" class:over=over role="progressbar" aria-label=format!("{title}: budget committed") aria-valuemin="0" aria-valuemax="100" aria-valuenow=crate::num::fixed(pct, 0)>
                        <span style=format!("width: {}%", crate::num::fixed(pct, 0))></span>
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
pub(super) fn NewDeliverableForm(ctx: Ctx) -> impl IntoView {
    let creators = move || ctx.view.with(|v| v.creators.clone());
    let creator = RwSignal::new(String::new());
    let lane = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let expectations = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let fee = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let key = StoredValue::new(new_key());
    // A fee given here is in the currency agreed with the chosen creator, else the campaign's.
    let fee_currency = move || {
        ctx.view.with(|v| {
            let chosen = v.creators.iter().find(|c| c.creator_id.to_string() == creator.get());
            chosen.and_then(|c| c.currency.clone()).unwrap_or_else(|| v.currency.clone())
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(creator_id) = creator.get_untracked().parse::<i64>() else {
            error.set(Some(AppError::validation("creator_id", "Choose a creator")));
            return;
        };
        let fee_text = fee.get_untracked();
        let fee_cents = match fee_text.trim() {
            "" => None,
            t => match parse_amount(t, &fee_currency()) {
                Ok(v) => Some(v),
                Err(m) => return error.set(Some(AppError::validation("fee_cents", m))),
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
                <label>{move || format!("Fee ({}; blank = the lane's default)", fee_currency())} <input name="fee" inputmode="decimal" prop:value=move || fee.get() on:input=move |ev| fee.set(event_target_value(&ev))/></label>
                <label class="wide">"What is expected" <textarea name="expectations" rows="2" prop:value=move || expectations.get() on:input=move |ev| expectations.set(event_target_value(&ev))></textarea></label>
                <button type="submit" class="button primary">"Brief"</button>
            </form>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </section>
    }
}

#[component]
pub(super) fn Settings(ctx: Ctx) -> impl IntoView {
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
    let currency = ctx.view.with_untracked(|v| v.currency.clone());
    let budget = RwSignal::new(plain_minor(lane.budget_cents, &currency));
    let fee = RwSignal::new(plain_minor(lane.default_fee_cents, &currency));
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let l = lane.lane;
    let version = lane.version;
    let code = currency.clone();
    let cents = move |field: &str, s: String| parse_amount(&s, &code).map_err(|m| AppError::validation(field, m));
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
            <label>{format!("Budget line ({currency})")} <input name="budget" inputmode="decimal" prop:value=move || budget.get() on:input=move |ev| budget.set(event_target_value(&ev))/></label>
            <label>{format!("Default fee ({currency})")} <input name="fee" inputmode="decimal" prop:value=move || fee.get() on:input=move |ev| fee.set(event_target_value(&ev))/></label>
            <label class="wide">"Brief (Markdown)" <textarea name="brief" rows="5" prop:value=move || brief.get() on:input=move |ev| brief.set(event_target_value(&ev))></textarea></label>
            <button type="submit" class="button">"Save the " {l.label()} " lane"</button>
            {move || saved.get().then(|| view! { <span class="muted">"Saved."</span> })}
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </form>
    }
}
