//! Importing daily figures from a CSV file on the performance dashboard: pick a file → a preview (rows, valid
//! rows, the problems by row and column, the ignored columns) → "Import all", "Import only the valid rows" or
//! "Import nothing", with a progress bar while it is written.
//!
//! The file goes straight to the JSON API (`POST /api/v1/campaigns/{id}/metric-imports`, up to 30 MB: larger
//! than server functions accept), with the session cookie.
//!
//! Progress: the server publishes `ServerMsg::Progress { job: "metrics-import:{id}", done, total, .. }` on the
//! campaign's live channel. The panel has no socket of its own; a page that has one passes
//! `progress=signal` and sets it from its `on_msg` with [`import_progress`]:
//! `if let Some(p) = import_progress(&msg) { progress.set(Some(p)) }`. Without it the bar is indeterminate.
use leptos::prelude::*;
#[cfg(feature = "hydrate")]
use leptos::task::spawn_local;

use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::metrics::import::{ApplyMode, MetricImportPreview, MetricImportResult};
use crate::realtime::ServerMsg;

/// (done, total) of a figures import's progress message, if `msg` is one.
pub fn import_progress(msg: &ServerMsg) -> Option<(u64, u64)> {
    match msg {
        ServerMsg::Progress { job, done, total, .. } if job.starts_with("metrics-import:") => Some((*done, *total)),
        _ => None,
    }
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Step {
    Idle,
    Checking(String),
    Preview(MetricImportPreview),
    Applying(MetricImportPreview),
    Done(MetricImportResult),
    Discarded,
}

#[cfg(feature = "hydrate")]
mod http {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{RequestInit, Response};

    use crate::error::AppError;

    /// Sends a request to the JSON API and reads the answer (or the error it explains).
    pub async fn send<T: crate::json_text::FromJson>(
        method: &str,
        url: &str,
        body: Option<&JsValue>,
        content_type: &str,
    ) -> Result<T, AppError> {
        let dropped = || AppError::validation("file", "The connection dropped: try again");
        let init = RequestInit::new();
        init.set_method(method);
        if let Some(b) = body {
            init.set_body(b);
        }
        let headers = web_sys::Headers::new().map_err(|_| dropped())?;
        let _ = headers.set("content-type", content_type);
        init.set_headers(&headers);
        let window = web_sys::window().ok_or_else(dropped)?;
        let resp = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(|_| dropped())?;
        let resp: Response = resp.dyn_into().map_err(|_| dropped())?;
        let text = JsFuture::from(resp.text().map_err(|_| dropped())?)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        let status = resp.status();
        if status == 413 {
            return Err(AppError::validation("file", "The file is larger than 30 MB: split it"));
        }
        if !(200..300).contains(&status) {
            return Err(crate::json_text::from_text::<AppError>(&text).unwrap_or_else(|_| dropped()));
        }
        let text = if text.is_empty() { "null".to_string() } else { text };
        crate::json_text::from_text(&text).map_err(|_| dropped())
    }
}

/// The CSV import of daily figures for one campaign. `progress` is optional (see the module's notes).
#[component]
pub fn MetricImportPanel(
    campaign_id: i64,
    #[prop(optional)] progress: Option<RwSignal<Option<(u64, u64)>>>,
) -> impl IntoView {
    let step = RwSignal::new(Step::Idle);
    let error = RwSignal::new(None::<AppError>);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let progress = progress.unwrap_or_else(|| RwSignal::new(None));
    let base = format!("/api/v1/campaigns/{campaign_id}/metric-imports");

    let on_file = {
        #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
        let base = base.clone();
        move |_| {
            error.set(None);
            #[cfg(feature = "hydrate")]
            {
                let Some(input) = file_input.get() else { return };
                let Some(file) = input.files().and_then(|f| f.item(0)) else { return };
                let name = file.name();
                if file.size() > crate::metrics::import::MAX_BYTES as f64 {
                    error.set(Some(AppError::validation("file", "The file is larger than 30 MB: split it")));
                    return;
                }
                step.set(Step::Checking(name.clone()));
                let url = format!("{base}?filename={}", js_sys::encode_uri_component(&name));
                spawn_local(async move {
                    match http::send::<MetricImportPreview>("POST", &url, Some(&file.into()), "text/csv").await {
                        Ok(p) => step.set(Step::Preview(p)),
                        Err(e) => {
                            error.set(Some(e));
                            step.set(Step::Idle);
                        }
                    }
                });
            }
        }
    };
    let apply = {
        #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
        let base = base.clone();
        move |p: MetricImportPreview, mode: ApplyMode| {
            error.set(None);
            progress.set(None);
            step.set(Step::Applying(p.clone()));
            #[cfg(feature = "hydrate")]
            {
                let url = format!("{base}/{}/apply", p.id);
                let body = serde_json::json!({ "mode": mode }).to_string();
                spawn_local(async move {
                    match http::send::<MetricImportResult>("POST", &url, Some(&body.into()), "application/json").await {
                        Ok(r) => step.set(Step::Done(r)),
                        Err(e) => {
                            error.set(Some(e));
                            step.set(Step::Preview(p));
                        }
                    }
                });
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = mode;
        }
    };
    let discard = {
        #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
        let base = base.clone();
        move |p: MetricImportPreview| {
            #[cfg(feature = "hydrate")]
            {
                let url = format!("{base}/{}", p.id);
                spawn_local(async move {
                    match http::send::<()>("DELETE", &url, None, "application/json").await {
                        Ok(()) => step.set(Step::Discarded),
                        Err(e) => error.set(Some(e)),
                    }
                });
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = p;
        }
    };
    let reset = move |_| {
        step.set(Step::Idle);
        error.set(None);
        progress.set(None);
        if let Some(input) = file_input.get() {
            input.set_value("");
        }
    };

    view! {
        <section class="panel import" id="metric-import" data-testid="metric-import">
            <h2>"Import daily figures from a CSV file"</h2>
            <p class="muted small">
                "One row per post and day. Columns: post_id (or post_url), day (YYYY-MM-DD), impressions, reach, views, likes, comments, shares, saves, clicks, conversions, "
                "and revenue, fee, product, paid in currency units (e.g. 12.50; or revenue_cents, …). Counts may be written 12,000 or 12.5K. "
                <a href="/api/v1/metric-imports/template.csv" download data-testid="metric-import-template">"Download a template"</a>
            </p>
            <label class="file">
                <span class="sr-only">"CSV file of daily figures"</span>
                <input type="file" accept=".csv,text/csv" node_ref=file_input on:change=on_file data-testid="metric-import-file"/>
            </label>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
            {move || match step.get() {
                Step::Idle => ().into_any(),
                Step::Checking(name) => view! {
                    <div class="progress-line" role="status"><span>{format!("Checking every row of {name}…")}</span><progress></progress></div>
                }.into_any(),
                Step::Preview(p) => {
                    let (p_all, p_valid, p_none) = (p.clone(), p.clone(), p.clone());
                    let apply_all = apply.clone();
                    let all_refused = p.invalid > 0 || p.valid == 0;
                    let all_title = if p.invalid > 0 { "Some rows have problems: fix them, or import only the valid rows" } else { "" };
                    let apply_valid = apply.clone();
                    let discard = discard.clone();
                    view! {
                        <div class="import-preview" data-testid="metric-import-preview">
                            <p>
                                <strong>{p.filename.clone()}</strong>
                                {format!(": {} rows, {} ready to import", p.rows, p.valid)}
                                {(p.invalid > 0).then(|| format!(", {} with problems", p.invalid))}
                            </p>
                            {(!p.ignored_columns.is_empty()).then(|| view! {
                                <p class="notice small" data-testid="metric-import-ignored">
                                    "Ignored columns (not a known figure — check the spelling): " {p.ignored_columns.join(", ")}
                                </p>
                            })}
                            {(!p.errors.is_empty()).then(|| view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="metric-import-errors">
                                        <thead><tr><th>"Row"</th><th>"Column"</th><th>"Problem"</th></tr></thead>
                                        <tbody>
                                            {p.errors.iter().take(100).map(|e| view! {
                                                <tr><td>{e.row}</td><td>{e.column.clone().unwrap_or_else(|| "—".into())}</td><td>{e.message.clone()}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    {(p.error_count > 100).then(|| view! { <p class="muted">{format!("…and {} more problems", p.error_count - 100)}</p> })}
                                </div>
                            })}
                            <p class="actions">
                                <button type="button" class="button primary" disabled=all_refused
                                    title=all_title
                                    data-testid="metric-import-all"
                                    on:click=move |_| apply_all(p_all.clone(), ApplyMode::All)>
                                    {format!("Import all {}", p.rows)}
                                </button>
                                {(p.invalid > 0 && p.valid > 0).then(|| view! {
                                    <button type="button" class="button" data-testid="metric-import-valid"
                                        on:click=move |_| apply_valid(p_valid.clone(), ApplyMode::ValidOnly)>
                                        {format!("Import only the {} valid rows", p.valid)}
                                    </button>
                                })}
                                <button type="button" class="button" data-testid="metric-import-nothing" on:click=move |_| discard(p_none.clone())>
                                    "Import nothing"
                                </button>
                            </p>
                        </div>
                    }.into_any()
                }
                Step::Applying(p) => {
                    let valid = p.valid as u64;
                    view! {
                        <div class="progress-line" role="status" data-testid="metric-import-applying">
                            {move || match progress.get() {
                                Some((done, total)) => view! {
                                    <span>{format!("Importing {done} of {total} rows…")}</span>
                                    <progress max=total.to_string() value=done.to_string()></progress>
                                }.into_any(),
                                None => view! {
                                    <span>{format!("Importing {valid} rows…")}</span>
                                    <progress></progress>
                                }.into_any(),
                            }}
                        </div>
                    }.into_any()
                }
                Step::Done(r) => view! {
                    <div class="notice success" role="status" data-testid="metric-import-done">
                        <p>
                            {format!("Imported {} rows: {} new, {} corrected, {} unchanged", r.imported, r.inserted, r.corrected, r.unchanged)}
                            {(r.skipped > 0).then(|| format!("; {} rows skipped", r.skipped))}"."
                        </p>
                        <button type="button" class="button small" on:click=reset>"Import another file"</button>
                    </div>
                }.into_any(),
                Step::Discarded => view! {
                    <div class="notice" role="status">
                        <p>"Nothing was imported."</p>
                        <button type="button" class="button small" on:click=reset>"Choose another file"</button>
                    </div>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}
