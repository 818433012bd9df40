//! Getting figures into the dashboard: "Track a post" (a creator's post or UGC asset: its creator, deliverable,
//! platform and address, as `POST /api/v1/campaigns/{id}/posts` takes it), and the empty state that says the
//! three ways in (track a post and enter its figures, import a file, connect the API).
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::performance::ingest_figures;
use crate::components::{new_key, ErrorNotice};
use crate::error::AppError;
use crate::metrics::{DailyFigures, Ingest, IngestResult, NewPost, Post, TrackChoices};

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "track_choices")]
pub async fn get_track_choices(campaign_id: i64) -> Result<TrackChoices, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::metrics::ssr::track_choices(&state.db, &who, campaign_id).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "track_post", input = leptos::server_fn::codec::Json)]
pub async fn track_post(campaign_id: i64, input: NewPost) -> Result<Post, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::metrics::ssr::add_post(&state.db, &who, campaign_id, &input).await
}

/// Shown instead of empty charts and tables: the ways to get figures in, each a link to where it is done.
#[component]
pub fn GetDataIn(campaign_id: i64, track_open: RwSignal<bool>) -> impl IntoView {
    view! {
        <section class="panel get-data-in" data-testid="get-data-in">
            <h2>"No figures yet: three ways to get them in"</h2>
            <ol class="ways-in">
                <li>
                    <a href="#track-post" on:click=move |_| track_open.set(true)>"Track a post"</a>
                    " — name the creator, platform and address of a published post or UGC asset, then enter its figures day by day."
                </li>
                <li>
                    <a href="#metric-import">"Import figures"</a>
                    " — upload a CSV of daily figures (start from "
                    <a href="/api/v1/metric-imports/template.csv" download="figures-template.csv">"the template"</a> ")."
                </li>
                <li>
                    <a href="/settings/tokens">"Connect the API"</a>
                    " — create an API token and push figures from your tools ("
                    <a href=format!("/api/v1/campaigns/{campaign_id}/metrics")>"POST …/metrics"</a>
                    ", described in " <a href="/api/v1/openapi.json">"the OpenAPI file"</a> ")."
                </li>
            </ol>
        </section>
    }
}

/// "Track a post": registers a post of a creator of the pool; the dashboard's live event then offers it in
/// "Enter a day's figures", where `selected` points at it.
#[component]
pub fn TrackPost(
    campaign_id: i64,
    open: RwSignal<bool>,
    selected: RwSignal<String>,
    entry_open: RwSignal<bool>,
) -> impl IntoView {
    let choices = RwSignal::new(None::<TrackChoices>);
    let creator = RwSignal::new(String::new());
    let deliverable = RwSignal::new(String::new());
    let platform = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let done = RwSignal::new(None::<Post>);
    let busy = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match get_track_choices(campaign_id).await {
                Ok(c) => choices.set(Some(c)),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    // Loaded when the panel opens (the pool changes while the page is open).
    Effect::new(move |_| {
        if open.get() {
            load();
        }
    });
    let pick_creator = move |id: String| {
        creator.set(id.clone());
        deliverable.set(String::new());
        let main = choices.with_untracked(|c| {
            c.as_ref()
                .and_then(|c| c.creators.iter().find(|x| x.id.to_string() == id))
                .and_then(|x| x.platforms.first().cloned())
        });
        platform.set(main.unwrap_or_default());
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(creator_id) = creator.get_untracked().parse::<i64>() else {
            error.set(Some(AppError::validation("creator_id", "Choose the creator whose post it is")));
            return;
        };
        let input = NewPost {
            creator_id,
            deliverable_id: deliverable.get_untracked().parse().ok(),
            lane: None,
            platform: platform.get_untracked(),
            url: url.get_untracked().trim().to_string(),
            title: title.get_untracked().trim().to_string(),
        };
        busy.set(true);
        spawn_local(async move {
            match track_post(campaign_id, input).await {
                Ok(post) => {
                    error.set(None);
                    url.set(String::new());
                    title.set(String::new());
                    selected.set(post.id.to_string());
                    entry_open.set(true);
                    done.set(Some(post));
                }
                Err(e) => {
                    done.set(None);
                    error.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    let creators = move || choices.with(|c| c.as_ref().map(|c| c.creators.clone()).unwrap_or_default());
    let deliverables = move || {
        let id = creator.get();
        choices.with(|c| {
            c.as_ref()
                .map(|c| c.deliverables.iter().filter(|d| d.creator_id.to_string() == id).cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    view! {
        <details class="panel track-post" id="track-post" prop:open=move || open.get()
            on:toggle=move |ev| {
                use leptos::wasm_bindgen::JsCast;
                let now = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|d| d.has_attribute("open"));
                if let Some(now) = now { if now != open.get_untracked() { open.set(now) } }
            }>
            <summary><h2>"Track a post"</h2></summary>
            <p class="muted">"A published post or UGC asset of a creator of the pool. Once tracked, enter its figures day by day below, import them, or push them through the API."</p>
            <form on:submit=submit class="grid-form" data-testid="track-post-form">
                <label>"Creator"
                    <select name="creator_id" required prop:value=move || creator.get() on:change=move |ev| pick_creator(event_target_value(&ev))>
                        <option value="">{move || if choices.with(|c| c.is_none()) { "Loading…" } else { "Choose…" }}</option>
                        {move || creators().into_iter().map(|c| view! { <option value=c.id.to_string()>{c.name}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Deliverable (optional)"
                    <select name="deliverable_id" prop:value=move || deliverable.get() on:change=move |ev| deliverable.set(event_target_value(&ev))>
                        <option value="">"None"</option>
                        {move || deliverables().into_iter().map(|d| view! { <option value=d.id.to_string()>{d.title} " (" {d.lane.label()} ")"</option> }).collect_view()}
                    </select>
                </label>
                <label>"Platform"
                    <select name="platform" required prop:value=move || platform.get() on:change=move |ev| platform.set(event_target_value(&ev))>
                        <option value="">"Choose…"</option>
                        {crate::vocab::PLATFORMS.iter().map(|p| view! { <option value=*p>{*p}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Address (URL)"
                    <input name="url" type="url" required maxlength="2000" placeholder="https://…" prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
                </label>
                <label>"Title (optional)"
                    <input name="title" maxlength="200" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="button primary" disabled=move || busy.get()>"Track this post"</button>
            </form>
            {move || creators().is_empty().then_some(()).and(choices.with(|c| c.is_some()).then_some(())).map(|_| view! {
                <p class="notice">"The pool has no creators yet: " <a href=format!("/campaigns/{campaign_id}")>"add one on the board"</a> " first."</p>
            })}
            {move || done.get().map(|p| view! {
                <p class="notice success" role="status" data-testid="tracked">
                    "Tracking " {p.creator_name} "'s " {p.platform} " post. "
                    <a href="#quick-entry">"Enter its figures"</a>
                </p>
            })}
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </details>
    }
}

/// Quick manual entry: one post, one day, its figures.
#[component]
pub fn QuickEntry(
    posts: Memo<Vec<crate::metrics::Post>>,
    campaign_id: i64,
    post: RwSignal<String>,
    open: RwSignal<bool>,
    track_open: RwSignal<bool>,
    /// The campaign's currency: amounts are typed in its units.
    currency: Memo<String>,
) -> impl IntoView {
    let day = RwSignal::new(chrono::Utc::now().date_naive().to_string());
    let fields: [(&'static str, RwSignal<String>); 13] =
        std::array::from_fn(|i| (DailyFigures::default().values()[i].0, RwSignal::new(String::new())));
    let error = RwSignal::new(None::<AppError>);
    let done = RwSignal::new(None::<IngestResult>);
    let key = StoredValue::new(new_key());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(post_id) = post.get_untracked().parse::<i64>() else {
            error.set(Some(AppError::validation("post_id", "Choose a post")));
            return;
        };
        let mut row = DailyFigures { post_id, day: day.get_untracked(), ..Default::default() };
        for (name, sig) in fields {
            let text = sig.get_untracked();
            if text.trim().is_empty() {
                continue;
            }
            // Amounts in the campaign's currency, with its decimals (JPY none, BHD three).
            let v = if name.ends_with("_cents") {
                crate::money::parse_amount(&text, &currency.get_untracked())
            } else {
                let plain = text.trim().replace(',', "");
                plain.parse::<f64>().map(|x| x.round() as i64).map_err(|_| format!("\"{plain}\" is not a number"))
            };
            let v = match v {
                Ok(v) => v,
                Err(m) => return error.set(Some(AppError::validation(name, m))),
            };
            match name {
                "impressions" => row.impressions = v,
                "reach" => row.reach = v,
                "views" => row.views = v,
                "likes" => row.likes = v,
                "comments" => row.comments = v,
                "shares" => row.shares = v,
                "saves" => row.saves = v,
                "clicks" => row.clicks = v,
                "conversions" => row.conversions = v,
                "revenue_cents" => row.revenue_cents = v,
                "fee_cents" => row.fee_cents = v,
                "product_cents" => row.product_cents = v,
                _ => row.paid_cents = v,
            }
        }
        let input = Ingest { source: "manual".into(), rows: vec![row] };
        spawn_local(async move {
            match ingest_figures(campaign_id, input, key.get_value()).await {
                Ok(r) => {
                    key.set_value(new_key());
                    error.set(None);
                    done.set(Some(r));
                }
                Err(e) => {
                    key.set_value(new_key());
                    error.set(Some(e));
                }
            }
        });
    };
    view! {
        <details class="panel quick-entry" id="quick-entry" prop:open=move || open.get()
            on:toggle=move |ev| {
                use leptos::wasm_bindgen::JsCast;
                let now = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|d| d.has_attribute("open"));
                if let Some(now) = now { if now != open.get_untracked() { open.set(now) } }
            }>
            <summary><h2>"Enter a day's figures"</h2></summary>
            {move || posts.with(|p| p.is_empty()).then(|| view! {
                <p class="notice" data-testid="no-posts">"No post is tracked yet: "
                    <a href="#track-post" on:click=move |_| track_open.set(true)>"track a post"</a>
                    " first, then enter its figures here."</p>
            })}
            <form on:submit=submit class="grid-form">
                <label>"Post"
                    <select name="post_id" on:change=move |ev| post.set(event_target_value(&ev))>
                        <option value="">"Choose…"</option>
                        {move || posts.with(|posts| posts.iter().map(|p| {
                            let id = p.id.to_string();
                            view! {
                            <option value=id.clone() prop:selected=move || post.get() == id>{p.creator_name.clone()} " · " {p.platform.clone()} " · " {if p.title.is_empty() { p.url.clone() } else { p.title.clone() }}</option>
                        }}).collect_view())}
                    </select>
                </label>
                <label>"Day" <input type="date" name="day" prop:value=move || day.get() on:input=move |ev| day.set(event_target_value(&ev))/></label>
                {fields.into_iter().map(|(name, sig)| {
                    let label = move || match name.strip_suffix("_cents") { Some(m) => format!("{m} ({})", currency.get()), None => name.to_string() };
                    view! { <label>{label} <input name=name inputmode="decimal" prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))/></label> }
                }).collect_view()}
                <button type="submit" class="button primary">"Save the figures"</button>
            </form>
            {move || done.get().map(|r| view! { <p class="notice success">{if r.corrected > 0 { "Corrected (the earlier figures are kept)." } else if r.unchanged > 0 { "Nothing changed." } else { "Saved." }}</p> })}
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </details>
    }
}
