//! A card's detail: profile and figures per platform (engagement both ways, formula shown), the tier and
//! why, the owner and its changes, the next action, notes and the full history; merge a duplicate.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos::task::spawn_local;

use super::{absolute, create_invitation, followers_label, BoardCtx};
use crate::campaigns::InvitationKind;
use crate::charter::ErBasis;
use crate::components::{new_key, ErrorNotice, PartnerChip};
use crate::creators::{self, pct, tier_for, Card, EditCreator, HistoryEntry, Merge, NewNote};
use crate::error::AppError;
use crate::vocab::Lane;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "creator_detail")]
pub async fn creator_detail(campaign_id: i64, creator_id: i64) -> Result<creators::CreatorDetail, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::creators::ssr::creator_detail(&state.db, &who, campaign_id, creator_id).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "change_owner", input = Json)]
pub async fn change_owner(
    campaign_id: i64,
    creator_id: i64,
    input: creators::ChangeOwner,
    key: String,
) -> Result<Card, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::creators::ssr::change_owner(&state.db, &who, campaign_id, creator_id, &input, Some(&key)).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "set_next_action", input = Json)]
pub async fn set_next_action(
    campaign_id: i64,
    creator_id: i64,
    input: creators::SetNextAction,
    key: String,
) -> Result<Card, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::creators::ssr::set_next_action(&state.db, &who, campaign_id, creator_id, &input, Some(&key)).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "edit_profile", input = Json)]
pub async fn edit_profile(
    campaign_id: i64,
    creator_id: i64,
    input: EditCreator,
    key: String,
) -> Result<Card, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::creators::ssr::edit_profile(&state.db, &who, campaign_id, creator_id, &input, Some(&key)).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "add_note", input = Json)]
pub async fn add_note(
    campaign_id: i64,
    creator_id: i64,
    input: NewNote,
    key: String,
) -> Result<HistoryEntry, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::creators::ssr::add_note(&state.db, &who, campaign_id, creator_id, &input, Some(&key)).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "merge_creators", input = Json)]
pub async fn merge_creators(campaign_id: i64, creator_id: i64, input: Merge, key: String) -> Result<Card, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::creators::ssr::merge_creators(&state.db, &who, campaign_id, creator_id, &input, Some(&key)).await
}

fn parse_opt_count(field: &str, v: &str) -> Result<Option<i64>, AppError> {
    crate::creators::import::parse_count(v).map_err(|m| AppError::validation(field, m))
}

#[component]
pub fn CardDetail(id: i64, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let detail =
        crate::json_text::resource(move || (id, ctx.rev.get()), move |(id, _)| creator_detail(ctx.campaign_id, id));
    let close = move || ctx.open.set(None);
    // A note being written survives the detail reloading around it.
    let note = RwSignal::new(String::new());
    // Keyboard users land in the drawer (Escape closes it).
    let close_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = close_button.get() {
            let _ = b.focus();
        }
    });
    view! {
        <div class="drawer-backdrop" on:click=move |_| close()></div>
        <aside class="drawer" role="dialog" aria-modal="true" aria-label="Creator detail" data-testid="card-detail"
            on:keydown=move |ev| if ev.key() == "Escape" { close() }>
            <button type="button" class="button small drawer-close" node_ref=close_button on:click=move |_| close() aria-label="Close">"✕"</button>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => detail_body(d, now, note).await,
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </aside>
    }
}

/// The drawer's content, a module of its own in the browser: fetched the first time a card is opened, so the
/// board's own download does not carry it (see `scripts/build-bundles.sh`, "split").
///
/// Only where the board is compiled in: a `#[lazy]` function is an exported entry point, which the linker keeps (with
/// all it uses) in every bundle that compiles it, used or not.
#[cfg(any(feature = "ssr", feature = "island-board"))]
#[leptos::lazy]
fn detail_body(d: creators::CreatorDetail, now: chrono::DateTime<chrono::Utc>, note: RwSignal<String>) -> AnyView {
    view! { <DetailBody d now note/> }.into_any()
}

#[cfg(not(any(feature = "ssr", feature = "island-board")))]
async fn detail_body(_: creators::CreatorDetail, _: chrono::DateTime<chrono::Utc>, _: RwSignal<String>) -> AnyView {
    ().into_any()
}

#[cfg_attr(not(any(feature = "ssr", feature = "island-board")), allow(dead_code))]
#[component]
fn DetailBody(d: creators::CreatorDetail, now: chrono::DateTime<chrono::Utc>, note: RwSignal<String>) -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let creators::CreatorDetail { card, profile, handles, history, account } = d;
    let id = card.id;
    let version = card.version;
    let tiering = ctx.tiers.with_untracked(|t| tier_for(t, &card.metrics()));
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(None::<String>);
    let done = move |r: Result<Card, AppError>, what: &'static str| match r {
        Ok(c) => {
            ctx.upsert(c);
            error.set(None);
            saved.set(Some(what.to_string()));
            ctx.rev.update(|r| *r += 1);
        }
        Err(e) => {
            saved.set(None);
            error.set(Some(e));
            ctx.rev.update(|r| *r += 1);
        }
    };

    // Owner.
    let owner_org = RwSignal::new(card.owner.id);
    let owner_user = RwSignal::new(card.owner_user_id);
    let save_owner = move |_| {
        let input =
            creators::ChangeOwner { org_id: owner_org.get_untracked(), user_id: owner_user.get_untracked(), version };
        spawn_local(async move { done(change_owner(ctx.campaign_id, id, input, new_key()).await, "Owner changed") });
    };
    // Next action.
    let next_text = RwSignal::new(card.next_action.clone().unwrap_or_default());
    let next_due = RwSignal::new(card.next_action_due.map(|d| d.to_string()).unwrap_or_default());
    let save_next = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let due = next_due.get_untracked();
        let due = if due.is_empty() { None } else { crate::dates::parse_iso_day(&due) };
        let text = Some(next_text.get_untracked()).filter(|s| !s.trim().is_empty());
        let input = creators::SetNextAction { text, due, version };
        spawn_local(
            async move { done(set_next_action(ctx.campaign_id, id, input, new_key()).await, "Next action saved") },
        );
    };
    // Note.
    let add_note_now = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewNote { text: note.get_untracked() };
        spawn_local(async move {
            match add_note(ctx.campaign_id, id, input, new_key()).await {
                Ok(_) => {
                    note.set(String::new());
                    error.set(None);
                    ctx.rev.update(|r| *r += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // Profile edit.
    let primary = handles.first().cloned().unwrap_or_default();
    let f = |v: i64| v.to_string();
    let e_name = RwSignal::new(profile.name.clone());
    let e_country = RwSignal::new(profile.country.clone().unwrap_or_default());
    let e_language = RwSignal::new(profile.language.clone().unwrap_or_default());
    let e_email = RwSignal::new(profile.contact_email.clone().unwrap_or_default());
    let e_rates = RwSignal::new(profile.rates.clone());
    let e_notes = RwSignal::new(profile.audience_notes.clone());
    let e_lane = RwSignal::new(card.lane.as_str().to_string());
    let e_followers = RwSignal::new(f(primary.followers));
    let e_reach = RwSignal::new(primary.avg_reach.map(f).unwrap_or_default());
    let e_likes = RwSignal::new(f(primary.avg_likes));
    let e_comments = RwSignal::new(f(primary.avg_comments));
    let e_shares = RwSignal::new(f(primary.avg_shares));
    let e_saves = RwSignal::new(f(primary.avg_saves));
    let primary_for_save = primary.clone();
    let save_profile =
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let opt = |s: String| Some(s).filter(|s| !s.trim().is_empty());
            let build = || -> Result<EditCreator, AppError> {
                let mut stats = primary_for_save.clone();
                stats.followers = parse_opt_count("followers", &e_followers.get_untracked())?.unwrap_or(0);
                stats.avg_reach = parse_opt_count("avg_reach", &e_reach.get_untracked())?;
                stats.avg_likes = parse_opt_count("avg_likes", &e_likes.get_untracked())?.unwrap_or(0);
                stats.avg_comments = parse_opt_count("avg_comments", &e_comments.get_untracked())?.unwrap_or(0);
                stats.avg_shares = parse_opt_count("avg_shares", &e_shares.get_untracked())?.unwrap_or(0);
                stats.avg_saves = parse_opt_count("avg_saves", &e_saves.get_untracked())?.unwrap_or(0);
                Ok(EditCreator {
                    profile: crate::creators::Profile {
                        name: e_name.get_untracked(),
                        country: opt(e_country.get_untracked()),
                        language: opt(e_language.get_untracked()),
                        audience_notes: e_notes.get_untracked(),
                        rates: e_rates.get_untracked(),
                        contact_email: opt(e_email.get_untracked()),
                    },
                    stats,
                    lane: Some(e_lane.get_untracked()),
                    version,
                })
            };
            match build() {
                Ok(input) => spawn_local(async move {
                    done(edit_profile(ctx.campaign_id, id, input, new_key()).await, "Profile saved")
                }),
                Err(e) => error.set(Some(e)),
            }
        };
    // Merge.
    let merge_from = RwSignal::new(None::<i64>);
    let merge_now = move |_| {
        let Some(from_id) = merge_from.get_untracked() else { return };
        spawn_local(
            async move { done(merge_creators(ctx.campaign_id, id, Merge { from_id }, new_key()).await, "Merged") },
        );
    };
    let others = move || {
        ctx.cards.with(|cs| {
            cs.iter()
                .filter(|c| c.id != id)
                .map(|c| (c.id, format!("{} (@{} on {})", c.name, c.handle, c.platform)))
                .collect::<Vec<_>>()
        })
    };
    // Portal invitation.
    let invite_link = RwSignal::new(None::<Result<String, AppError>>);
    let invite = move |_| {
        spawn_local(async move {
            let r = create_invitation(ctx.campaign_id, InvitationKind::Creator, Some(id)).await;
            invite_link.set(Some(r.map(|p| absolute(&p))));
        })
    };
    let people_of =
        move |org: i64| ctx.people.with(|ps| ps.iter().filter(|p| p.org_id == org).cloned().collect::<Vec<_>>());
    let age = card.stage_age_days(now);

    view! {
        <header class="drawer-head">
            <h2 data-testid="detail-name">{card.name.clone()}</h2>
            <p class="muted">
                {card.stage.label()} {format!(" for {age} days · ")} {card.lane.label()}
                {card.country.clone().map(|c| format!(" · {c}"))}
            </p>
            <div class="owner"><PartnerChip org=card.owner.clone()/> {card.owner_person.clone().map(|p| view! { <span class="muted">{p}</span> })}</div>
        </header>
        {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        {move || saved.get().map(|s| view! { <p class="notice success" role="status">{s}</p> })}

        <section class="detail-section">
            <h3>"Engagement and tier"</h3>
            <p class="tier-line" class:below=tiering.below_minimum data-testid="tier-explanation">
                <strong>{tiering.tier.clone().unwrap_or_else(|| "No tier".into())}</strong> " — " {tiering.explanation.clone()}
            </p>
            <div class="table-wrap">
                <table class="table compact" data-testid="handles">
                    <thead><tr><th>"Platform"</th><th>"Followers"</th><th>"Reach"</th><th>"Engagements"</th><th>"ER by followers"</th><th>"ER by reach"</th></tr></thead>
                    <tbody>
                        {handles.iter().map(|h| {
                            let m = h.metrics();
                            view! {
                                <tr>
                                    <td>{h.platform.clone()} " @" {h.handle.clone()}</td>
                                    <td>{followers_label(h.followers)}</td>
                                    <td>{h.avg_reach.map(followers_label).unwrap_or_else(|| "—".into())}</td>
                                    <td title=format!("{} likes + {} comments + {} shares + {} saves", h.avg_likes, h.avg_comments, h.avg_shares, h.avg_saves)>{followers_label(m.engagements)}</td>
                                    <td>{pct(m.rate_by_followers())}</td>
                                    <td>{pct(m.rate_by_reach())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="muted small formula">"ER by followers = " {ErBasis::Followers.formula()} " · ER by reach = " {ErBasis::Reach.formula()} " · averages per post; the tier uses the first handle."</p>
        </section>

        <section class="detail-section">
            <h3>"Relationship owner"</h3>
            <div class="row">
                <label>"Partner"
                    <select data-testid="owner-org" on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse() { owner_org.set(v); owner_user.set(None); }
                    }>
                        {ctx.partners.get_untracked().into_iter().map(|p| {
                            let pid = p.id;
                            view! { <option value=pid.to_string() selected=move || owner_org.get() == pid>{p.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Person"
                    <select data-testid="owner-person" on:change=move |ev| owner_user.set(event_target_value(&ev).parse().ok())>
                        <option value="" selected=move || owner_user.get().is_none()>"Nobody named"</option>
                        {move || people_of(owner_org.get()).into_iter().map(|p| {
                            let uid = p.user_id;
                            view! { <option value=uid.to_string() selected=move || owner_user.get() == Some(uid)>{p.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <button type="button" class="button small" on:click=save_owner>"Change owner"</button>
            </div>
        </section>

        <section class="detail-section">
            <h3>"Next action"</h3>
            <form class="row" on:submit=save_next>
                <label class="grow">"What" <input prop:value=move || next_text.get() on:input=move |ev| next_text.set(event_target_value(&ev)) data-testid="next-text"/></label>
                <label>"Due" <input type="date" prop:value=move || next_due.get() on:input=move |ev| next_due.set(event_target_value(&ev))/></label>
                <button type="submit" class="button small">"Save"</button>
            </form>
        </section>

        <section class="detail-section">
            <h3>"Notes and history"</h3>
            <form class="stack compact" on:submit=add_note_now>
                <label>
                    <span class="sr-only">"Note"</span>
                    <textarea rows="2" placeholder="A note every partner will see" prop:value=move || note.get()
                        on:input=move |ev| note.set(event_target_value(&ev)) data-testid="note-text"></textarea>
                </label>
                <button type="submit" class="button small">"Add note"</button>
            </form>
            <ol class="history" data-testid="history">
                {history.into_iter().map(|h| view! {
                    <li data-kind=h.kind.clone()>
                        <span class="history-text">{h.text}</span>
                        <span class="muted small">
                            {h.actor_name} {h.actor_org.map(|o| format!(" ({o})"))} " · " {crate::dates::month_day_time(&h.at)}
                        </span>
                    </li>
                }).collect_view()}
            </ol>
        </section>

        <details class="detail-section">
            <summary>"Edit profile and figures"</summary>
            <form class="stack compact" on:submit=save_profile>
                <label>"Name" <input prop:value=move || e_name.get() on:input=move |ev| e_name.set(event_target_value(&ev))/></label>
                <div class="row">
                    <label>"Country" <input maxlength="2" prop:value=move || e_country.get() on:input=move |ev| e_country.set(event_target_value(&ev))/></label>
                    <label>"Language" <input maxlength="3" prop:value=move || e_language.get() on:input=move |ev| e_language.set(event_target_value(&ev))/></label>
                    <label>"Lane"
                        <select on:change=move |ev| e_lane.set(event_target_value(&ev))>
                            {[Lane::Influencer, Lane::Ugc].into_iter().map(|l| view! {
                                <option value=l.as_str() selected=move || e_lane.get() == l.as_str()>{l.label()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                <label>"Contact email" <input type="email" prop:value=move || e_email.get() on:input=move |ev| e_email.set(event_target_value(&ev))/></label>
                <label>"Rates" <input prop:value=move || e_rates.get() on:input=move |ev| e_rates.set(event_target_value(&ev))/></label>
                <label>"Audience notes" <textarea rows="2" prop:value=move || e_notes.get() on:input=move |ev| e_notes.set(event_target_value(&ev))></textarea></label>
                <p class="muted small">{format!("Figures of {} @{}", primary.platform, primary.handle)}</p>
                <div class="row">
                    <label>"Followers" <input inputmode="numeric" prop:value=move || e_followers.get() on:input=move |ev| e_followers.set(event_target_value(&ev))/></label>
                    <label>"Avg reach" <input inputmode="numeric" prop:value=move || e_reach.get() on:input=move |ev| e_reach.set(event_target_value(&ev))/></label>
                    <label>"Avg likes" <input inputmode="numeric" prop:value=move || e_likes.get() on:input=move |ev| e_likes.set(event_target_value(&ev))/></label>
                    <label>"Avg comments" <input inputmode="numeric" prop:value=move || e_comments.get() on:input=move |ev| e_comments.set(event_target_value(&ev))/></label>
                    <label>"Avg shares" <input inputmode="numeric" prop:value=move || e_shares.get() on:input=move |ev| e_shares.set(event_target_value(&ev))/></label>
                    <label>"Avg saves" <input inputmode="numeric" prop:value=move || e_saves.get() on:input=move |ev| e_saves.set(event_target_value(&ev))/></label>
                </div>
                <button type="submit" class="button small primary">"Save profile"</button>
            </form>
        </details>

        <details class="detail-section">
            <summary>"Merge a duplicate into this creator"</summary>
            <p class="muted small">"The other record's handles, history and portal account move here; it is then removed."</p>
            <div class="row">
                <label class="grow">"Duplicate record"
                    <select data-testid="merge-from" on:change=move |ev| merge_from.set(event_target_value(&ev).parse().ok())>
                        <option value="">"Choose…"</option>
                        {move || others().into_iter().map(|(cid, label)| view! { <option value=cid.to_string()>{label}</option> }).collect_view()}
                    </select>
                </label>
                <button type="button" class="button small danger" disabled=move || merge_from.get().is_none() on:click=merge_now>"Merge into this one"</button>
            </div>
        </details>

        <section class="detail-section">
            <h3>"Creator portal"</h3>
            {match account {
                Some((name, email)) => view! {
                    <p data-testid="portal-account">"Portal account: " <strong>{name}</strong> " · " <a href=format!("mailto:{email}")>{email.clone()}</a></p>
                }.into_any(),
                None => view! {
                    <p class="muted small">"No portal account yet: invite them, and they see this campaign's brief and their point of contact."</p>
                    <button type="button" class="button small" on:click=invite>"Create a portal invitation"</button>
                }.into_any(),
            }}
            {move || invite_link.get().map(|r| match r {
                Ok(url) => view! { <p class="notice" role="status">"Single-use link: " <code data-testid="invite-link">{url}</code></p> }.into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
        </section>
    }
    .into_any()
}
