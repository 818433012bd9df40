//! The creator portal, mobile first: all of a creator's campaigns, and per campaign the one point of contact,
//! the brief and criteria of each lane, every deliverable with its due date, status, feedback and payout,
//! and sending a draft (files with real upload progress, resumable; or a link) with a caption. Live.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos::task::spawn_local;

use super::content::{add_comment, use_clock, DecisionView, DisclosureView, RoundBody, SlaClock};
use crate::campaigns::CreatorCampaign;
use crate::components::pwa::PwaHead;
use crate::components::{new_key, ErrorNotice};
use crate::content::disclosure::{CheckCaption, DisclosureCheck};
use crate::content::{Deliverable, NewDeliverableComment, NewSubmission, PortalView, Status};
use crate::dates::Time;
use crate::error::{AppError, ErrorCode};
use crate::realtime::PortalMsg;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "portal_campaigns")]
pub async fn portal_campaigns() -> Result<Vec<CreatorCampaign>, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    if who.me.role != crate::accounts::Role::Creator {
        return Err(AppError::not_found("Portal"));
    }
    crate::campaigns::ssr::portal_campaigns(&state.db, &who).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "portal")]
pub async fn get_portal(campaign_id: i64) -> Result<PortalView, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::content::ssr::get_portal(&state.db, &who, campaign_id, state.max_upload_bytes).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "submit_draft", input = Json)]
pub async fn submit_draft(
    campaign_id: i64,
    deliverable_id: i64,
    input: NewSubmission,
    key: String,
) -> Result<Deliverable, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::content::ssr::submit_draft(&state.db, &who, campaign_id, deliverable_id, &input, Some(&key)).await
}

/// The disclosure check of a caption she is writing (the rules stay on the server: nothing of them in the bundle).
#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "check_disclosure", input = Json)]
pub async fn check_disclosure(
    campaign_id: i64,
    deliverable_id: i64,
    input: CheckCaption,
) -> Result<DisclosureCheck, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::content::ssr::check_disclosure(&state.db, &who, campaign_id, deliverable_id, &input).await
}

fn not_found_view(e: AppError) -> AnyView {
    #[cfg(feature = "ssr")]
    crate::state::set_status(e.code.status());
    let signin = e.is(ErrorCode::Unauthorized);
    view! {
        <section class="page narrow portal">
            <h1>{if signin { "Sign in to your portal" } else { "Not found" }}</h1>
            <ErrorNotice error=e/>
            {signin.then(|| view! { <a class="button primary" href="/signin">"Sign in"</a> })}
        </section>
    }
    .into_any()
}

/// `/portal`: every campaign the creator is part of, across partners.
#[component]
pub fn PortalHomePage() -> impl IntoView {
    let data = crate::json_text::resource(|| (), |_| portal_campaigns());
    view! {
        <PwaHead/>
        <Suspense fallback=|| view! { <p class="page">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(campaigns) => view! {
                        <section class="page narrow portal">
                            <h1>"Your campaigns"</h1>
                            <p><a href="/portal/payouts" class="button secondary" data-testid="my-payouts-link">"Your payouts across campaigns"</a></p>
                            {campaigns.is_empty().then(|| view! { <p class="muted">"No campaigns yet: open the invitation link a partner sent you."</p> })}
                            <ul class="creator-campaigns">
                                {campaigns.into_iter().map(|c| view! {
                                    <li class="panel">
                                        <h2><a href=format!("/portal/campaigns/{}", c.campaign_id)>{c.campaign_name}</a></h2>
                                        <p>"Your point of contact: " {c.contact_person.unwrap_or_else(|| c.contact_org.clone())} " (" {c.contact_org} ")"</p>
                                    </li>
                                }).collect_view()}
                            </ul>
                            <p class="muted"><a href="/settings/privacy">"Your data: download it, or delete your account"</a></p>
                        </section>
                    }.into_any(),
                    Err(e) => not_found_view(e),
                }
            })}
        </Suspense>
    }
}

/// `/portal/campaigns/:id`: what one campaign expects of the creator, and where each deliverable stands.
#[component]
pub fn PortalPage(id: i64) -> impl IntoView {
    let data = crate::json_text::resource(move || id, get_portal);
    view! {
        <Suspense fallback=|| view! { <p class="page">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! { <Portal v/> }.into_any(),
                    Err(e) => not_found_view(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Portal(v: PortalView) -> impl IntoView {
    let campaign_id = v.campaign_id;
    let view_sig = RwSignal::new(v.clone());
    let toast = RwSignal::new(None::<String>);
    let now = use_clock();
    let hydrated = RwSignal::new("no");
    Effect::new(move |_| hydrated.set("yes"));
    // "live" once the server confirmed the subscription (decisions arrive from then on).
    let live = RwSignal::new("connecting");
    let refresh = move || {
        spawn_local(async move {
            if let Ok(v) = get_portal(campaign_id).await {
                view_sig.set(v);
            }
        })
    };

    #[cfg(feature = "hydrate")]
    {
        let on_msg = move |msg: PortalMsg| match msg {
            PortalMsg::Portal { text, .. } => {
                if !text.is_empty() {
                    toast.set(Some(text));
                }
                refresh();
            }
            // (Re)connected: catch up on anything missed while offline.
            PortalMsg::Subscribed { .. } => {
                live.set("live");
                refresh();
            }
            PortalMsg::Reset { .. } | PortalMsg::Other => {}
        };
        // A creator's subscription carries no sequence numbers: after a reset, reload and go on.
        let reload = move || async move {
            view_sig.set(get_portal(campaign_id).await.ok()?);
            Some(0)
        };
        crate::realtime::client::follow(campaign_id, 0, on_msg, reload);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (refresh, PortalMsg::Other);

    // What needs her first: changes asked for, then drafts to send (due soonest first), then what waits for review,
    // then what is decided.
    let deliverables = move || {
        view_sig.with(|v| {
            let mut list = v.deliverables.clone();
            list.sort_by_key(|d| (needs_you_rank(d.status), d.due_at.is_none(), d.due_at, d.id));
            list
        })
    };
    let zone = v.time_zone.clone();
    let lanes = v.lanes.clone();
    view! {
        <script src="/times.js" defer></script>
        <section class="page narrow portal" data-hydrated=move || hydrated.get() data-live=move || live.get()>
            <p class="crumbs"><a href="/portal">"Your campaigns"</a></p>
            <h1>{v.campaign_name.clone()}</h1>
            <p class="contact">"Your one point of contact: " <strong data-testid="contact">{v.contact.clone()}</strong></p>
            // At the top of the screen: never over "Send for review" or the keyboard.
            {move || toast.get().map(|t| view! { <div class="toast portal-toast" role="status" data-testid="toast">{t}</div> })}
            <ul class="portal-deliverables">
                <For each=deliverables key=|d| (d.id, d.version, d.comments.len()) let:d>
                    <PortalDeliverable d now max=v.max_upload_bytes zone=zone.clone() on_change=refresh/>
                </For>
            </ul>
            {move || deliverables().is_empty().then(|| view! { <p class="muted">"Nothing to deliver yet. Your point of contact will brief you here."</p> })}
            {lanes.into_iter().map(|l| view! {
                <details class="panel lane-brief">
                    <summary>"The " {l.lane.label()} " brief and approval criteria (reviewed within " {l.sla_hours} " h)"</summary>
                    <div class="md" inner_html=crate::charter::markdown::to_html(&l.brief)></div>
                    <ul class="criteria">{l.criteria.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view()}</ul>
                </details>
            }).collect_view()}
            {(!v.expectations.is_empty()).then(|| view! { <details class="panel"><summary>"What we expect of creators"</summary><p>{v.expectations.clone()}</p></details> })}
            <p><a class="button" href=format!("/portal/campaigns/{campaign_id}/charter")>"Read the joint strategy"</a></p>
            <p class="muted">"Times are shown in your time zone; due days end at midnight in the campaign's, " {v.time_zone.clone()} "."</p>
        </section>
    }
}

/// The order of "what needs you": 0 changes requested, 1 a draft to send, 2 in review, 3 decided.
fn needs_you_rank(status: Status) -> u8 {
    match status {
        Status::ChangesRequested => 0,
        Status::AwaitingDraft => 1,
        Status::InReview => 2,
        Status::Approved | Status::Rejected => 3,
    }
}

#[component]
fn PortalDeliverable(
    d: Deliverable,
    now: RwSignal<i64>,
    max: u64,
    zone: String,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let status_class = format!("status {}", d.status.key());
    // Due by the end of the due day in the campaign's zone: shown in hers, and in the campaign's.
    let due = d.due_at.map(|t| t - chrono::Duration::minutes(1));
    let rounds = d.rounds.clone();
    let pending = d.pending().cloned();
    let open = d.status.open_for_submission();
    view! {
        <li class="panel portal-deliverable" data-testid="portal-deliverable" data-id=d.id data-status=d.status.key()>
            <h2>{d.title.clone()}</h2>
            <p>
                <span class=status_class data-testid="status">{d.status.label()}</span>
                {d.rights.clone().map(|m| view! { <span class=format!("badge rights-{}", m.state) data-testid="rights-mark">{m.label}</span> })}
                " · " {d.lane.label()}
            </p>
            {due.map(|t| view! { <p class="due" data-testid="due">"Due by " <Time at=t zone=zone.clone() deadline=true/></p> })}
            <p class="muted">"Fee " {crate::money::format_minor(d.fee_cents, &d.fee_currency)} " · Payout: " <strong data-testid="payout">{d.payout.label()}</strong></p>
            {(!d.expectations.is_empty()).then(|| view! { <p class="expect">{d.expectations.clone()}</p> })}
            {pending.map(|r| view! { <p class="muted">"In review: "</p> <SlaClock round=r now zone=zone.clone()/> })}
            <ol class="rounds">
                {rounds.into_iter().rev().map(|r| { let n = r.round; view! {
                    <li class="round" data-round=n>
                        <h3>"Your v" {r.round} " · " <Time at=r.submitted_at zone=zone.clone()/></h3>
                        <DecisionView round=r.clone() zone=zone.clone()/>
                        <RoundBody round=r/>
                    </li>
                }}).collect_view()}
            </ol>
            {open.then(|| view! { <SubmitDraft d=d.clone() max on_change/> })}
            <PortalComments d=d.clone() on_change/>
        </li>
    }
}

/// One file being sent: its name, bytes sent, total, and an error if it failed.
#[derive(Clone, Debug, PartialEq)]
struct Sending {
    name: String,
    sent: f64,
    total: f64,
    error: Option<String>,
    upload_id: Option<String>,
    /// A local address of the file (`blob:`), to show it while and after it is sent.
    preview: Option<String>,
    video: bool,
}

#[component]
fn SubmitDraft(d: Deliverable, max: u64, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let caption = RwSignal::new(d.rounds.last().map(|r| r.caption.clone()).unwrap_or_default());
    let link = RwSignal::new(String::new());
    let files = RwSignal::new(Vec::<Sending>::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let key = StoredValue::new(new_key());
    let campaign_id = d.campaign_id;
    let deliverable_id = d.id;
    let next = d.rounds.len() + 1;
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let camera_ref = NodeRef::<leptos::html::Input>::new();
    let _ = max;

    // The disclosure check as she types: asked of the server a moment after she stops, the newest answer wins.
    let check = RwSignal::new(None::<DisclosureCheck>);
    let asked = StoredValue::new(0u32);
    let timer = StoredValue::new(None::<leptos::prelude::TimeoutHandle>);
    let run_check = move || {
        let n = asked.get_value().wrapping_add(1);
        asked.set_value(n);
        let input = CheckCaption { caption: caption.get_untracked() };
        spawn_local(async move {
            if let Ok(c) = check_disclosure(campaign_id, deliverable_id, input).await {
                if asked.get_value() == n {
                    check.set(Some(c));
                }
            }
        });
    };
    let on_caption = move |ev: leptos::ev::Event| {
        caption.set(event_target_value(&ev));
        if let Some(h) = timer.get_value() {
            h.clear();
        }
        timer.set_value(set_timeout_with_handle(run_check, std::time::Duration::from_millis(350)).ok());
    };
    // A caption carried over from the round before is checked as the page comes alive; an empty one waits for her.
    Effect::new(move |_| {
        if !caption.get_untracked().trim().is_empty() {
            run_check()
        }
    });

    // Choosing files (from the gallery or the camera): each is checked by content and size at once, then uploaded
    // with progress.
    let pick_from = move |node: NodeRef<leptos::html::Input>| {
        #[cfg(feature = "hydrate")]
        {
            let Some(input) = node.get() else { return };
            let Some(list) = input.files() else { return };
            for i in 0..list.length() {
                let Some(file) = list.get(i) else { continue };
                let index = files.with_untracked(|f| f.len());
                let kind = file.type_();
                let preview = (kind.starts_with("image/") || kind.starts_with("video/"))
                    .then(|| upload::object_url(&file))
                    .flatten();
                files.update(|f| {
                    f.push(Sending {
                        name: file.name(),
                        sent: 0.0,
                        total: file.size(),
                        error: None,
                        upload_id: None,
                        preview,
                        video: kind.starts_with("video/"),
                    })
                });
                let client_key = format!("{}-{}", new_key(), i);
                spawn_local(async move {
                    let result = upload::send(campaign_id, deliverable_id, file, client_key, max, move |sent| {
                        files.update(|f| {
                            if let Some(x) = f.get_mut(index) {
                                x.sent = sent
                            }
                        })
                    })
                    .await;
                    files.update(|f| {
                        if let Some(x) = f.get_mut(index) {
                            match result {
                                Ok(id) => {
                                    x.sent = x.total;
                                    x.upload_id = Some(id);
                                }
                                Err(e) => x.error = Some(e),
                            }
                        }
                    });
                });
            }
            input.set_value("");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (node, files);
    };

    let uploading = move || files.with(|f| f.iter().any(|x| x.upload_id.is_none() && x.error.is_none()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let uploads: Vec<String> = files.with_untracked(|f| f.iter().filter_map(|x| x.upload_id.clone()).collect());
        let input = NewSubmission {
            caption: caption.get_untracked(),
            link: Some(link.get_untracked()).filter(|l| !l.trim().is_empty()),
            uploads,
        };
        busy.set(true);
        spawn_local(async move {
            match submit_draft(campaign_id, deliverable_id, input, key.get_value()).await {
                Ok(_) => {
                    error.set(None);
                    files.set(Vec::new());
                    on_change();
                }
                Err(e) => {
                    key.set_value(new_key());
                    error.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <form class="submit-draft" on:submit=submit data-testid="submit-draft">
            <h3>"Send v" {next}</h3>
            // Two big buttons instead of the browser's file field (no "No file chosen" beside what was sent): the
            // camera straight away, or the phone's gallery and files.
            <div class="file-pick">
                <label class="button primary big pick">
                    "Take a photo or video"
                    <input class="sr-only" type="file" accept="image/*,video/*" capture="environment" node_ref=camera_ref on:change=move |_| pick_from(camera_ref) data-testid="camera-input"/>
                </label>
                <label class="button big pick">
                    "Choose from gallery"
                    <input class="sr-only" type="file" multiple accept="image/*,video/*" node_ref=input_ref on:change=move |_| pick_from(input_ref) data-testid="file-input"/>
                </label>
                <p class="muted hint">"Photos or videos, up to " {crate::media::human_size(max)} " each."</p>
            </div>
            <ul class="sending">
                {move || files.get().into_iter().map(|f| {
                    let pct = if f.total > 0.0 { (f.sent / f.total * 100.0).clamp(0.0, 100.0) } else { 100.0 };
                    let thumb = f.preview.clone().filter(|_| f.error.is_none()).map(|src| if f.video {
                        view! { <video class="thumb" src=src muted=true preload="metadata" aria-label=format!("Preview of {}", f.name)></video> }.into_any()
                    } else {
                        view! { <img class="thumb" src=src alt=format!("Preview of {}", f.name) data-testid="thumb"/> }.into_any()
                    });
                    let has_thumb = thumb.is_some();
                    view! {
                        <li class:failed=f.error.is_some() class:has-thumb=has_thumb data-testid="sending">
                            {thumb}
                            <span class="name">{f.name.clone()}</span>
                            <span class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=crate::num::fixed(pct, 0) aria-label=format!("Uploading {}", f.name)>
                                <span style=format!("width: {}%", crate::num::fixed(pct, 0))></span>
                            </span>
                            <span class="pct">{if f.upload_id.is_some() { "✓ uploaded".to_string() } else { format!("{} %", crate::num::fixed(pct, 0)) }}</span>
                            {f.error.clone().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <label>"Caption" <textarea name="caption" rows="3" prop:value=move || caption.get() on:input=on_caption></textarea></label>
            {move || check.get().map(|check| view! { <DisclosureView check/> })}
            <label>"Or a link (e.g. a draft on the platform)" <input name="link" type="url" inputmode="url" placeholder="https://" prop:value=move || link.get() on:input=move |ev| link.set(event_target_value(&ev))/></label>
            <button type="submit" class="button primary big send" disabled=move || busy.get() || uploading()>
                {move || if uploading() { "Uploading…" } else { "Send for review" }}
            </button>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </form>
    }
}

#[component]
fn PortalComments(d: Deliverable, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let body = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let (campaign_id, id) = (d.campaign_id, d.id);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewDeliverableComment { body: body.get_untracked(), internal: false };
        spawn_local(async move {
            match add_comment(campaign_id, id, input).await {
                Ok(_) => {
                    body.set(String::new());
                    on_change();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <details class="comments" open=!d.comments.is_empty()>
            <summary>"Messages (" {d.comments.len()} ")"</summary>
            <ul>
                {d.comments.iter().map(|c| view! {
                    <li><strong>{c.author.clone()}</strong> {c.org_name.clone().map(|o| format!(" ({o})"))}<p>{c.body.clone()}</p></li>
                }).collect_view()}
            </ul>
            <form on:submit=send class="comment-form">
                <textarea aria-label="Message to the team" rows="2" prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                <button type="submit" class="button small">"Send"</button>
            </form>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </details>
    }
}

/// The browser side of uploads: checked by content and size before anything is sent, then sent in 1 MB
/// chunks; a failed chunk is retried (with back-off) after asking the server where to continue, so a flaky
/// mobile connection resumes instead of starting over, and a retried chunk is never stored twice.
#[cfg(feature = "hydrate")]
mod upload {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{File, RequestInit, Response};

    use crate::content::UploadState;

    #[wasm_bindgen::prelude::wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(catch, js_namespace = URL, js_name = createObjectURL)]
        fn create_object_url(blob: &web_sys::Blob) -> Result<String, JsValue>;
    }

    /// A `blob:` address of a picked file, to preview it on the page (kept for the page's life: a few files).
    pub fn object_url(file: &File) -> Option<String> {
        create_object_url(file).ok()
    }

    const CHUNK: f64 = 1024.0 * 1024.0;
    const RETRIES: u32 = 8;

    async fn sleep(ms: i32) {
        let p = js_sys::Promise::new(&mut |resolve, _| {
            let _ =
                web_sys::window().expect("window").set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        });
        let _ = JsFuture::from(p).await;
    }

    async fn fetch(method: &str, url: &str, body: Option<&JsValue>, json: bool) -> Result<(u16, String), String> {
        let init = RequestInit::new();
        init.set_method(method);
        if let Some(b) = body {
            init.set_body(b);
        }
        let headers = web_sys::Headers::new().map_err(|_| "headers".to_string())?;
        if json {
            let _ = headers.set("content-type", "application/json");
        } else {
            let _ = headers.set("content-type", "application/octet-stream");
        }
        init.set_headers(&headers);
        let window = web_sys::window().ok_or("no window")?;
        let resp = JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .map_err(|_| "The connection dropped".to_string())?;
        let resp: Response = resp.dyn_into().map_err(|_| "no response".to_string())?;
        let text = JsFuture::from(resp.text().map_err(|_| "no body")?)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        Ok((resp.status(), text))
    }

    fn message(text: &str) -> String {
        crate::json_text::from_text::<crate::error::AppError>(text)
            .map(|e| e.message)
            .unwrap_or_else(|_| text.chars().take(200).collect())
    }

    /// Uploads one file; returns its upload id.
    pub async fn send(
        campaign_id: i64,
        deliverable_id: i64,
        file: File,
        client_key: String,
        max: u64,
        progress: impl Fn(f64),
    ) -> Result<String, String> {
        let size = file.size();
        crate::media::check_size(size as u64, max)?;
        // The first bytes say what the file is, whatever its name says.
        let head = file
            .slice_with_f64_and_f64(0.0, (crate::media::SNIFF_BYTES as f64).min(size))
            .map_err(|_| "cannot read the file")?;
        let buf = JsFuture::from(head.array_buffer()).await.map_err(|_| "cannot read the file")?;
        let head = js_sys::Uint8Array::new(&buf).to_vec();
        crate::media::sniff(&head)?;

        let start =
            serde_json::json!({ "file_name": file.name(), "size": size as i64, "client_key": client_key }).to_string();
        let url = format!("/api/v1/campaigns/{campaign_id}/deliverables/{deliverable_id}/uploads");
        let mut state: Option<UploadState> = None;
        for attempt in 0..RETRIES {
            match fetch("POST", &url, Some(&JsValue::from_str(&start)), true).await {
                Ok((201 | 200, text)) => {
                    state = crate::json_text::from_text(&text).ok();
                    break;
                }
                Ok((_, text)) => return Err(message(&text)),
                Err(_) => sleep(500 * 2i32.pow(attempt.min(5))).await,
            }
        }
        let mut state = state.ok_or("Could not start the upload: check your connection and try again")?;
        let id = state.id.clone();
        let mut failures = 0;
        while state.status == "receiving" {
            let offset = state.received as f64;
            progress(offset);
            let end = (offset + CHUNK).min(size);
            let chunk = file.slice_with_f64_and_f64(offset, end).map_err(|_| "cannot read the file")?;
            let put = format!("/api/v1/uploads/{id}?offset={}", state.received);
            match fetch("PUT", &put, Some(&chunk.into()), false).await {
                Ok((200, text)) => {
                    failures = 0;
                    state = crate::json_text::from_text(&text).map_err(|_| "unexpected answer")?;
                }
                // The server has a different offset (a retried chunk that did arrive, or one that did not): resume there.
                Ok((409, text)) => {
                    let current = crate::json_text::from_text::<crate::error::AppError>(&text)
                        .ok()
                        .and_then(|e| e.current)
                        .and_then(|c| crate::json_text::read_value::<UploadState>(&c));
                    state = current.ok_or_else(|| message(&text))?;
                }
                Ok((status, text)) if status < 500 => return Err(message(&text)),
                _ => {
                    failures += 1;
                    if failures > RETRIES {
                        return Err(
                            "The connection keeps dropping; try again when it is steadier (what was sent is kept)"
                                .into(),
                        );
                    }
                    sleep(400 * 2i32.pow(failures.min(5))).await;
                    // Ask where to continue (the chunk may have arrived before the connection dropped).
                    if let Ok((200, text)) = fetch("GET", &format!("/api/v1/uploads/{id}"), None, true).await {
                        if let Ok(s) = crate::json_text::from_text(&text) {
                            state = s;
                        }
                    }
                }
            }
        }
        match state.status.as_str() {
            "complete" => {
                progress(size);
                Ok(id)
            }
            _ => Err(state.error.unwrap_or_else(|| "The upload failed".into())),
        }
    }
}
