//! Bringing creators into the shared pool: one by one (with duplicate detection and a merge offer) or a
//! CSV file (preview, then all / only the valid rows / nothing, with progress), and the export.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::BoardCtx;
use crate::components::{new_key, sheet_command, ErrorNotice};
use crate::creators::{ApplyMode, Card, ImportPreview, ImportResult, NewCreator, PlatformStats};
use crate::error::{AppError, ErrorCode};
use crate::vocab::{Lane, PLATFORMS};

/// The add-a-creator form as typed: counts may be written "12,000" or "12.5K".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[serde(default)]
pub struct CreatorForm {
    pub name: String,
    pub platform: String,
    pub handle: String,
    pub followers: String,
    pub avg_reach: String,
    pub avg_likes: String,
    pub avg_comments: String,
    pub avg_shares: String,
    pub avg_saves: String,
    pub lane: String,
    pub next_action: String,
    pub next_action_due: String,
    pub country: String,
    pub contact_email: String,
    pub allow_similar: String,
}

impl CreatorForm {
    /// The creator this form describes, or an error naming the field.
    pub fn to_new(&self) -> Result<NewCreator, AppError> {
        let count =
            |field: &str, v: &str| crate::creators::import::parse_count(v).map_err(|m| AppError::validation(field, m));
        let opt = |v: &str| Some(v.trim().to_string()).filter(|s| !s.is_empty());
        let mut n = NewCreator::named(&self.name, &self.platform, &self.handle);
        n.followers = count("followers", &self.followers)?.unwrap_or(0);
        n.avg_reach = count("avg_reach", &self.avg_reach)?;
        n.avg_likes = count("avg_likes", &self.avg_likes)?.unwrap_or(0);
        n.avg_comments = count("avg_comments", &self.avg_comments)?.unwrap_or(0);
        n.avg_shares = count("avg_shares", &self.avg_shares)?.unwrap_or(0);
        n.avg_saves = count("avg_saves", &self.avg_saves)?.unwrap_or(0);
        if !self.lane.is_empty() {
            n.lane = self.lane.clone();
        }
        n.next_action = opt(&self.next_action);
        n.next_action_due = match opt(&self.next_action_due) {
            Some(d) => Some(
                crate::dates::parse_iso_day(&d)
                    .ok_or_else(|| AppError::validation("next_action_due", "Use a date like 2026-12-31"))?,
            ),
            None => None,
        };
        n.country = opt(&self.country);
        n.contact_email = opt(&self.contact_email);
        n.allow_similar = !self.allow_similar.is_empty();
        Ok(n)
    }

    /// This form's handle and figures, to add to an existing creator instead.
    pub fn to_handle(&self) -> Result<PlatformStats, AppError> {
        let n = self.to_new()?;
        Ok(PlatformStats {
            platform: n.platform,
            handle: n.handle,
            followers: n.followers,
            avg_reach: n.avg_reach,
            avg_likes: n.avg_likes,
            avg_comments: n.avg_comments,
            avg_shares: n.avg_shares,
            avg_saves: n.avg_saves,
        })
    }
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "add_creator")]
pub async fn add_creator(campaign_id: i64, form: CreatorForm, key: String) -> Result<Card, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let input = form.to_new()?;
    crate::creators::ssr::add_creator(&state.db, &who, campaign_id, &input, Some(&key)).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "add_handle", input = Json)]
pub async fn add_handle(
    campaign_id: i64,
    creator_id: i64,
    stats: PlatformStats,
    key: String,
) -> Result<Card, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::creators::ssr::add_handle(&state.db, &who, campaign_id, creator_id, &stats, Some(&key)).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "preview_import", input = Json)]
pub async fn preview_import(campaign_id: i64, filename: String, body: String) -> Result<ImportPreview, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::creators::ssr::preview_import(&state.db, &who, campaign_id, &filename, &body).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "apply_import")]
pub async fn apply_import(campaign_id: i64, import_id: i64, mode: ApplyMode) -> Result<ImportResult, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::creators::ssr::apply_import(&state.db, &who, campaign_id, import_id, mode).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "discard_import")]
pub async fn discard_import(campaign_id: i64, import_id: i64) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::creators::ssr::discard_import(&state.db, &who, campaign_id, import_id).await
}

#[component]
pub fn AddCreator() -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let action = ServerAction::<AddCreator>::new();
    let key = RwSignal::new(new_key());
    // The last submitted form, to offer "add as a handle of …" or "add anyway" on a possible duplicate.
    let last = RwSignal::new(None::<CreatorForm>);
    let merged = RwSignal::new(None::<Result<Card, AppError>>);
    Effect::new(move |_| {
        if let Some(input) = action.input().get() {
            last.set(Some(input.form));
            merged.set(None);
        }
    });
    let form_ref = NodeRef::<leptos::html::Form>::new();
    // Rendered when its sheet first opens (see `board::live`), after the dialog took the focus: the first field gets it.
    let name_ref = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if name_ref.get().is_some() {
            // After the form is in the document (the effect may run just before it is attached).
            request_animation_frame(move || {
                if let Some(input) = name_ref.get_untracked() {
                    let _ = input.focus();
                }
            });
        }
    });
    // After an add: an empty form for the next creator, a confirmation, and the new card in view, highlighted.
    let added = RwSignal::new(None::<Card>);
    let settle = move |card: Card| {
        ctx.upsert(card.clone());
        key.set(new_key());
        if let Some(form) = form_ref.get_untracked() {
            form.reset();
        }
        ctx.phone_stage.set(card.stage);
        ctx.flash.set(Some(card.id));
        added.set(Some(card));
        #[cfg(feature = "hydrate")]
        set_timeout(move || ctx.flash.set(None), std::time::Duration::from_millis(2500));
    };
    Effect::new(move |_| {
        if let Some(Ok(card)) = action.value().get() {
            settle(card);
        }
    });
    Effect::new(move |_| {
        if action.input().get().is_some() {
            added.set(None);
        }
    });
    let filters = expect_context::<RwSignal<super::Filters>>();
    let hidden_by_filters = move |card: &Card| {
        let now = chrono::Utc::now();
        !ctx.tiers.with_untracked(|t| filters.with_untracked(|f| f.matches(card, t, now)))
    };
    let add_anyway = move |_| {
        if let Some(mut form) = last.get_untracked() {
            form.allow_similar = "1".into();
            action.dispatch(AddCreator { campaign_id: ctx.campaign_id, form, key: new_key() });
        }
    };
    let add_to = move |creator_id: i64| {
        let Some(form) = last.get_untracked() else { return };
        spawn_local(async move {
            let result = match form.to_handle() {
                Ok(stats) => add_handle(ctx.campaign_id, creator_id, stats, new_key()).await,
                Err(e) => Err(e),
            };
            if let Ok(card) = &result {
                ctx.upsert(card.clone());
                key.set(new_key());
            }
            merged.set(Some(result));
        });
    };
    view! {
        <div class="sheet-body">
            <form node_ref=form_ref method="post" action={<AddCreator as leptos::server_fn::ServerFn>::url()} class="stack compact" on:submit=move |ev| {
                let Some(f) = crate::components::Submitted::take(&ev) else { return };
                let v = |name: &str| f.get(&format!("form[{name}]"));
                let form = CreatorForm {
                    name: v("name"),
                    platform: v("platform"),
                    handle: v("handle"),
                    followers: v("followers"),
                    avg_reach: v("avg_reach"),
                    avg_likes: v("avg_likes"),
                    avg_comments: v("avg_comments"),
                    avg_shares: v("avg_shares"),
                    avg_saves: v("avg_saves"),
                    lane: v("lane"),
                    next_action: v("next_action"),
                    next_action_due: v("next_action_due"),
                    country: v("country"),
                    contact_email: v("contact_email"),
                    allow_similar: v("allow_similar"),
                };
                action.dispatch(AddCreator { campaign_id: ctx.campaign_id, form, key: f.get("key") });
            }>
                <input type="hidden" name="campaign_id" value=ctx.campaign_id/>
                <input type="hidden" name="key" prop:value=move || key.get()/>
                <label>"Name" <input name="form[name]" required autocomplete="off" autofocus="" node_ref=name_ref/></label>
                <div class="row">
                    <label>"Platform"
                        <select name="form[platform]">
                            {PLATFORMS.into_iter().map(|p| view! { <option value=p>{p}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="grow">"Handle" <input name="form[handle]" required placeholder="@handle" autocomplete="off"/></label>
                </div>
                <div class="row">
                    <label>"Followers" <input name="form[followers]" inputmode="numeric" placeholder="e.g. 12.5K"/></label>
                    <label>"Lane"
                        <select name="form[lane]">
                            <option value=Lane::Influencer.as_str()>{Lane::Influencer.label()}</option>
                            <option value=Lane::Ugc.as_str()>{Lane::Ugc.label()}</option>
                        </select>
                    </label>
                </div>
                <details>
                    <summary>"Engagement, contact and next action"</summary>
                    <div class="row">
                        <label>"Avg reach / views" <input name="form[avg_reach]" inputmode="numeric"/></label>
                        <label>"Avg likes" <input name="form[avg_likes]" inputmode="numeric"/></label>
                        <label>"Avg comments" <input name="form[avg_comments]" inputmode="numeric"/></label>
                        <label>"Avg shares" <input name="form[avg_shares]" inputmode="numeric"/></label>
                        <label>"Avg saves" <input name="form[avg_saves]" inputmode="numeric"/></label>
                    </div>
                    <div class="row">
                        <label>"Country" <input name="form[country]" maxlength="2" placeholder="US"/></label>
                        <label class="grow">"Contact email" <input name="form[contact_email]" type="email"/></label>
                    </div>
                    <div class="row">
                        <label class="grow">"Next action" <input name="form[next_action]"/></label>
                        <label>"Due" <input name="form[next_action_due]" type="date"/></label>
                    </div>
                </details>
                <button type="submit" class="button primary">"Add to the pool"</button>
            </form>
            {move || action.value().get().and_then(|r| r.err()).map(|e| {
                let existing = e.current.as_ref().and_then(crate::json_text::read_value::<Card>);
                let same_handle = e.field.as_deref() == Some("handle");
                match (e.is(ErrorCode::Conflict), existing) {
                    (true, Some(c)) if same_handle => {
                        let id = c.id;
                        view! {
                            <div class="notice conflict" role="alert" data-testid="duplicate">
                                <p>{e.message.clone()}</p>
                                <p class="actions"><button type="button" class="button small"
                                    on:click=move |_| ctx.open.set(Some(id)) {..sheet_command("add-creator-sheet", "close")}>"Open " {c.name.clone()}</button></p>
                            </div>
                        }.into_any()
                    }
                    (true, Some(c)) => {
                        let id = c.id;
                        view! {
                            <div class="notice conflict" role="alert" data-testid="possible-duplicate">
                                <p>{e.message.clone()}</p>
                                <p class="actions">
                                    <button type="button" class="button small primary" on:click=move |_| add_to(id)>
                                        "Add this handle to " {c.name.clone()}
                                    </button>
                                    <button type="button" class="button small" on:click=add_anyway>"Add as a separate creator"</button>
                                </p>
                            </div>
                        }.into_any()
                    }
                    _ => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
            {move || added.get().map(|card| {
                let hidden = hidden_by_filters(&card);
                view! {
                    <div class="notice success" role="status" data-testid="added">
                        <p>
                            {format!("Added {} to {}", card.name, card.stage.label())}
                            {hidden.then_some(" (hidden by your filters: clear them to see the card)")}
                        </p>
                        <button type="button" class="button small" {..sheet_command("add-creator-sheet", "close")}>"Done: show the board"</button>
                    </div>
                }
            })}
            {move || merged.get().map(|r| match r {
                Ok(card) => view! { <p class="notice success" role="status">{format!("Added to {}: now {} handles", card.name, card.handles)}</p> }.into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
        </div>
    }
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum ImportStep {
    Idle,
    Reading(String),
    Checking(String),
    Preview(ImportPreview),
    Applying(ImportPreview, ApplyMode),
    Done(ImportResult),
    Discarded,
}

#[component]
pub fn ImportPanel() -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let step = RwSignal::new(ImportStep::Idle);
    let error = RwSignal::new(None::<AppError>);
    let file_input = NodeRef::<leptos::html::Input>::new();

    let on_file = move |_| {
        error.set(None);
        #[cfg(feature = "hydrate")]
        {
            let Some(input) = file_input.get() else { return };
            let Some(file) = input.files().and_then(|f| f.item(0)) else { return };
            let name = file.name();
            step.set(ImportStep::Reading(name.clone()));
            spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|v| v.as_string());
                let Some(text) = text else {
                    error.set(Some(AppError::validation(
                        "file",
                        "This file could not be read as text: save it as CSV (UTF-8)",
                    )));
                    step.set(ImportStep::Idle);
                    return;
                };
                step.set(ImportStep::Checking(name.clone()));
                match preview_import(ctx.campaign_id, name, text).await {
                    Ok(p) => step.set(ImportStep::Preview(p)),
                    Err(e) => {
                        error.set(Some(e));
                        step.set(ImportStep::Idle);
                    }
                }
            });
        }
    };
    let apply = move |p: ImportPreview, mode: ApplyMode| {
        error.set(None);
        step.set(ImportStep::Applying(p.clone(), mode));
        spawn_local(async move {
            match apply_import(ctx.campaign_id, p.import_id, mode).await {
                Ok(r) => step.set(ImportStep::Done(r)),
                Err(e) => {
                    error.set(Some(e));
                    step.set(ImportStep::Preview(p));
                }
            }
        });
    };
    let discard = move |p: ImportPreview| {
        spawn_local(async move {
            match discard_import(ctx.campaign_id, p.import_id).await {
                Ok(()) => step.set(ImportStep::Discarded),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let reset = move |_| {
        step.set(ImportStep::Idle);
        error.set(None);
        if let Some(input) = file_input.get() {
            input.set_value("");
        }
    };
    let progress_of = move |import_id: i64| {
        let job = format!("import:{import_id}");
        ctx.progress.with(|p| p.iter().find(|(j, ..)| *j == job).map(|(_, _, d, t)| (*d, *t)))
    };

    view! {
        <div class="sheet-body import">
            <p class="muted small">
                "Columns: name, platform, handle, followers, avg_reach, avg_likes, avg_comments, avg_shares, avg_saves, lane, stage, owner, owner_email, next_action, next_action_due, country, language, audience_notes, rates, contact_email. "
                <a href="/api/v1/imports/template.csv" download>"Download a template"</a>
                " · "
                <a href=format!("/api/v1/campaigns/{}/creators.csv", ctx.campaign_id) download data-testid="export">"Export the pool"</a>
            </p>
            <label class="file">
                <span class="sr-only">"CSV file"</span>
                <input type="file" accept=".csv,text/csv" node_ref=file_input on:change=on_file data-testid="import-file"/>
            </label>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
            {move || match step.get() {
                ImportStep::Idle => ().into_any(),
                ImportStep::Reading(name) => view! {
                    <div class="progress-line" role="status"><span>{format!("Reading {name}…")}</span><progress></progress></div>
                }.into_any(),
                ImportStep::Checking(name) => view! {
                    <div class="progress-line" role="status"><span>{format!("Checking every row of {name}…")}</span><progress></progress></div>
                }.into_any(),
                ImportStep::Preview(p) => {
                    let problems = p.errors.len() + p.duplicates.len();
                    let p_all = p.clone();
                    let p_valid = p.clone();
                    let p_none = p.clone();
                    view! {
                        <div class="import-preview" data-testid="import-preview">
                            <p><strong>{p.filename.clone()}</strong> {format!(": {} rows, {} ready to import", p.total, p.valid)}
                                {(problems > 0).then(|| format!(", {} with errors, {} duplicates", p.total.saturating_sub(p.valid + p.duplicates.len()), p.duplicates.len()))}
                            </p>
                            {(!p.ignored_columns.is_empty()).then(|| view! {
                                <p class="muted small">"Ignored columns (not part of a creator): " {p.ignored_columns.join(", ")}</p>
                            })}
                            {(!p.errors.is_empty()).then(|| view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="import-errors">
                                        <thead><tr><th>"Row"</th><th>"Column"</th><th>"Problem"</th></tr></thead>
                                        <tbody>
                                            {p.errors.iter().take(50).map(|e| view! {
                                                <tr><td>{e.row}</td><td>{e.column.clone().unwrap_or_else(|| "—".into())}</td><td>{e.message.clone()}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    {(p.errors.len() > 50).then(|| view! { <p class="muted">{format!("…and {} more", p.errors.len() - 50)}</p> })}
                                </div>
                            })}
                            {(!p.duplicates.is_empty()).then(|| view! {
                                <ul class="duplicates" data-testid="import-duplicates">
                                    {p.duplicates.iter().take(50).map(|d| {
                                        let what = match (&d.existing_name, d.same_as_row) {
                                            (Some(n), _) => format!("Row {}: @{} on {} is already in the pool as {n}", d.row, d.handle, d.platform),
                                            (None, Some(r)) => format!("Row {}: @{} on {} repeats row {r}", d.row, d.handle, d.platform),
                                            _ => format!("Row {}: duplicate", d.row),
                                        };
                                        let existing = d.existing_id;
                                        view! {
                                            <li>{what}
                                                {existing.map(|id| view! { " " <button type="button" class="link"
                                    on:click=move |_| ctx.open.set(Some(id)) {..sheet_command("import-sheet", "close")}>"open"</button> })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            })}
                            {(!p.sample.is_empty()).then(|| view! {
                                <p class="muted small">"First rows: " {p.sample.iter().map(|s| format!("{} (@{} on {})", s.name, s.handle, s.platform)).collect::<Vec<_>>().join(", ")}</p>
                            })}
                            <p class="actions">
                                {(problems == 0 && p.valid > 0).then(|| view! {
                                    <button type="button" class="button primary" on:click=move |_| apply(p_all.clone(), ApplyMode::All)>
                                        {format!("Import all {}", p.valid)}
                                    </button>
                                })}
                                {(problems > 0 && p.valid > 0).then(|| view! {
                                    <button type="button" class="button primary" data-testid="import-valid" on:click=move |_| apply(p_valid.clone(), ApplyMode::ValidOnly)>
                                        {format!("Import only the {} valid rows", p.valid)}
                                    </button>
                                })}
                                <button type="button" class="button" on:click=move |_| discard(p_none.clone())>"Import nothing"</button>
                            </p>
                        </div>
                    }.into_any()
                }
                ImportStep::Applying(p, _) => {
                    let id = p.import_id;
                    let valid = p.valid as u64;
                    view! {
                        <div class="progress-line" role="status" data-testid="import-applying">
                            {move || {
                                let (done, total) = progress_of(id).unwrap_or((0, valid));
                                view! {
                                    <span>{format!("Importing {} of {}…", done, total)}</span>
                                    <progress max=total.to_string() value=done.to_string()></progress>
                                }
                            }}
                        </div>
                    }.into_any()
                }
                ImportStep::Done(r) => view! {
                    <div class="notice success" role="status" data-testid="import-done">
                        <p>{format!("Imported {} creators", r.imported)}{(r.skipped > 0).then(|| format!("; {} rows skipped", r.skipped))}"."</p>
                        <button type="button" class="button small" on:click=reset>"Import another file"</button>
                    </div>
                }.into_any(),
                ImportStep::Discarded => view! {
                    <div class="notice" role="status">
                        <p>"Nothing was imported."</p>
                        <button type="button" class="button small" on:click=reset>"Choose another file"</button>
                    </div>
                }.into_any(),
            }}
        </div>
    }
    .into_any()
}
