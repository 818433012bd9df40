//! The charter page: every partner edits the one-pager together (live, section by section, never
//! overwriting each other silently), proposes it for sign-off, signs, and launches through the gate.
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::charter::diff::{self, Change as LineChange};
use crate::charter::{markdown, CharterComment, CharterView, Roster, Section, SectionMeta, METRICS};
use crate::components::{new_key, ErrorNotice, PartnerChip};
use crate::error::{AppError, ErrorCode};

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_charter")]
pub async fn get_charter(campaign_id: i64) -> Result<CharterView, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::charter::ssr::get_charter(&state.db, &who, campaign_id).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "save_charter_section")]
pub async fn save_charter_section(
    campaign_id: i64,
    section: Section,
    body: String,
    version: i64,
    key: String,
) -> Result<SectionMeta, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let body: Value = serde_json::from_str(&body).map_err(|e| AppError::validation(section.key(), e.to_string()))?;
    let input = crate::charter::SaveSection { section, body, version };
    crate::charter::ssr::save_charter_section(&state.db, &who, campaign_id, &input, Some(&key)).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "propose_charter")]
pub async fn propose_charter(campaign_id: i64) -> Result<i64, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::charter::ssr::propose_charter(&state.db, &who, campaign_id).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "sign_charter")]
pub async fn sign_charter(campaign_id: i64, number: i64) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::charter::ssr::sign_charter(&state.db, &who, campaign_id, number).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "launch_campaign")]
pub async fn launch_campaign(campaign_id: i64) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::charter::ssr::launch_campaign(&state.db, &who, campaign_id).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "comment_charter")]
pub async fn comment_charter(
    campaign_id: i64,
    section: Section,
    body: String,
    parent_id: Option<i64>,
) -> Result<CharterComment, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let input = crate::charter::NewComment { section, body, parent_id };
    crate::charter::ssr::comment_charter(&state.db, &who, campaign_id, &input).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "resolve_charter_comment")]
pub async fn resolve_charter_comment(campaign_id: i64, comment_id: i64) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::charter::ssr::resolve_charter_comment(&state.db, &who, campaign_id, comment_id).await
}

#[component]
pub fn CharterPage(id: i64) -> impl IntoView {
    let data = crate::json_text::resource(move || id, get_charter);
    view! {
        <Suspense fallback=|| view! { <p class="page">"Loading the charter…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! { <CharterBody initial=v/> }.into_any(),
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        crate::state::set_status(e.code.status());
                        view! {
                            <section class="page narrow">
                                <h1>"Campaign not found"</h1>
                                <ErrorNotice error=e/>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Someone working on a section right now.
#[derive(Clone, Debug, PartialEq)]
struct Present {
    user_id: i64,
    label: String,
    section: String,
    seen: f64,
}

#[derive(Clone, Copy)]
struct CharterCtx {
    id: i64,
    view: RwSignal<CharterView>,
    presence: RwSignal<Vec<Present>>,
    /// Which section this tab is editing (announced to the others).
    editing: RwSignal<Option<Section>>,
}

impl CharterCtx {
    fn refresh(self) {
        spawn_local(async move {
            if let Ok(v) = get_charter(self.id).await {
                self.view.set(v);
            }
        });
    }
}

#[component]
fn CharterBody(initial: CharterView) -> impl IntoView {
    let ctx = CharterCtx {
        id: initial.campaign_id,
        view: RwSignal::new(initial.clone()),
        presence: RwSignal::new(Vec::new()),
        editing: RwSignal::new(None),
    };
    provide_context(ctx);
    // "live" once the tab's live connection is up (tests and people can tell).
    let live_label = RwSignal::new("connecting");

    #[cfg(feature = "hydrate")]
    {
        use crate::realtime::client::{Live, LiveStatus};
        use crate::realtime::{ClientMsg, ServerMsg};
        let status = RwSignal::new(LiveStatus::Connecting);
        Effect::new(move |_| {
            live_label.set(match status.get() {
                LiveStatus::Live => "live",
                LiveStatus::Connecting => "connecting",
                LiveStatus::Reconnecting => "reconnecting",
            })
        });
        let handle = StoredValue::new_local(None::<Live>);
        let me_id = StoredValue::new(0i64);
        let head = initial.head;
        Effect::new(move |prev: Option<()>| {
            if prev.is_some() {
                return;
            }
            let on_msg = move |msg: ServerMsg| match msg {
                ServerMsg::Event { .. } => ctx.refresh(),
                ServerMsg::Reset { .. } => spawn_local(async move {
                    if let Ok(v) = get_charter(ctx.id).await {
                        let head = v.head;
                        ctx.view.set(v);
                        if let Some(live) = handle.get_value() {
                            live.restart_from(head);
                        }
                    }
                }),
                ServerMsg::Presence { user_id, name, org_name, section, .. } => {
                    if user_id == me_id.get_value() {
                        return;
                    }
                    let now = js_sys::Date::now();
                    ctx.presence.update(|p| {
                        p.retain(|x| x.user_id != user_id && now - x.seen < 30_000.0);
                        if let Some(section) = section {
                            let label = match org_name {
                                Some(o) => format!("{name} ({o})"),
                                None => name,
                            };
                            p.push(Present { user_id, label, section, seen: now });
                        }
                    });
                }
                _ => {}
            };
            handle.set_value(Some(Live::connect(ctx.id, head, status, on_msg)));
        });
        // Learn our own id (to ignore our own presence) from the nav's session.
        spawn_local(async move {
            if let Ok(Some(me)) = crate::components::nav::get_me().await {
                me_id.set_value(me.user_id);
            }
        });
        // Announce where we are now, and again every 10 s while editing.
        Effect::new(move |_| {
            let section = ctx.editing.get().map(|s| s.key().to_string());
            status.track();
            if let Some(live) = handle.get_value() {
                live.send(&ClientMsg::Presence { campaign_id: ctx.id, section });
            }
        });
        let interval = set_interval_with_handle(
            move || {
                if let Some(section) = ctx.editing.get_untracked() {
                    if let Some(live) = handle.get_value() {
                        live.send(&ClientMsg::Presence {
                            campaign_id: ctx.id,
                            section: Some(section.key().to_string()),
                        });
                    }
                }
                let now = js_sys::Date::now();
                ctx.presence.update(|p| p.retain(|x| now - x.seen < 30_000.0));
            },
            std::time::Duration::from_secs(10),
        );
        on_cleanup(move || {
            if let Ok(h) = interval {
                h.clear();
            }
        });
    }

    let name = initial.campaign_name.clone();
    let id = initial.campaign_id;
    view! {
        <section class="charter-page" data-live=move || live_label.get()>
            <header class="board-header">
                <div>
                    <p class="crumbs"><a href=format!("/campaigns/{id}")>"Board"</a> " · " <strong>"Charter"</strong> " · " <a href=format!("/campaigns/{id}/content")>"Content"</a> " · " <a href=format!("/campaigns/{id}/performance")>"Performance"</a></p>
                    <h1>"Joint strategy charter — " {name}</h1>
                    <div class="partners">{move || ctx.view.with(|v| v.roster.partners.clone()).into_iter().map(|p| view! { <PartnerChip org=p/> }).collect_view()}</div>
                </div>
                <div class="board-tools">
                    <span class="chip" data-testid="ugc-lead">{move || ctx.view.with(|v| format!("UGC lead {}: {}", v.quarter, v.ugc_lead.clone().unwrap_or_else(|| "not set".into())))}</span>
                    <span class="status-pill" data-testid="campaign-status">{move || ctx.view.with(|v| v.status.clone())}</span>
                    <a class="button small" href=format!("/campaigns/{id}/charter/print")>"Printable one-pager"</a>
                    <a class="button small" href=format!("/api/v1/campaigns/{id}/charter.md") download="">"Markdown"</a>
                </div>
            </header>
            <div class="charter-layout">
                <div class="charter-sections">
                    {Section::ALL.into_iter().map(|section| view! { <SectionCard section/> }).collect_view()}
                </div>
                <aside class="charter-side">
                    <SignOff/>
                    <Checklist/>
                    <Changes/>
                </aside>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn SignOff() -> impl IntoView {
    let ctx = expect_context::<CharterCtx>();
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let run = move |what: &'static str| {
        busy.set(true);
        error.set(None);
        let number = ctx.view.with_untracked(|v| v.current.as_ref().map(|c| c.number).unwrap_or(0));
        spawn_local(async move {
            let result = match what {
                "propose" => propose_charter(ctx.id).await.map(|_| ()),
                "sign" => sign_charter(ctx.id, number).await,
                _ => launch_campaign(ctx.id).await,
            };
            busy.set(false);
            match result {
                Ok(()) => ctx.refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let signed_by_me = move || {
        ctx.view.with(|v| {
            v.current
                .as_ref()
                .is_some_and(|c| v.can_sign_for.iter().all(|org| c.signatures.iter().any(|s| s.org.id == *org)))
        })
    };
    view! {
        <section class="panel" data-testid="sign-off">
            <h2>"Sign-off"</h2>
            {move || ctx.view.with(|v| match &v.current {
                None => view! { <p class="muted">"Not proposed yet. Edits are drafts until someone proposes the charter for sign-off."</p> }.into_any(),
                Some(c) => view! {
                    <p>"Version " <strong data-testid="version">{c.number}</strong> " proposed by " {c.proposed_by.clone()} " on " {crate::dates::month_day_time(&c.proposed_at)}</p>
                    <ul class="signatures">
                        {v.roster.partners.iter().map(|p| {
                            let sig = c.signatures.iter().find(|s| s.org.id == p.id).cloned();
                            let signed = sig.is_some();
                            view! {
                                <li class:signed=signed>
                                    <PartnerChip org=p.clone()/>
                                    {match sig {
                                        Some(s) => format!(" signed by {} · {}", s.user_name, crate::dates::month_day_time(&s.signed_at)),
                                        None => " not signed yet".to_string(),
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
            <div class="actions stack-tight">
                {move || ctx.view.with(|v| v.draft_differs).then(|| view! {
                    <button class="button primary" disabled=move || busy.get() on:click=move |_| run("propose")>"Propose for sign-off"</button>
                })}
                {move || {
                    let can = ctx.view.with(|v| v.current.is_some() && !v.can_sign_for.is_empty());
                    let number = ctx.view.with(|v| v.current.as_ref().map(|c| c.number).unwrap_or(0));
                    (can && !signed_by_me()).then(|| view! {
                        <button class="button primary" disabled=move || busy.get() on:click=move |_| run("sign")>"Sign version " {number}</button>
                    })
                }}
                {move || (ctx.view.with(|v| v.status != "live")).then(|| view! {
                    <button class="button" disabled=move || busy.get() on:click=move |_| run("launch")>"Launch the campaign"</button>
                })}
            </div>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </section>
    }
}

#[component]
fn Checklist() -> impl IntoView {
    let ctx = expect_context::<CharterCtx>();
    view! {
        <section class="panel">
            <h2>"Launch checklist"</h2>
            <ul class="checklist" data-testid="checklist">
                {move || ctx.view.with(|v| v.checklist.clone()).into_iter().map(|c| {
                    let mark = if c.ok { "✓" } else if c.blocking { "✗" } else { "!" };
                    let href = c.section.map(|s| format!("#{}", s.key()));
                    view! {
                        <li class:ok=c.ok class:warning=!c.blocking && !c.ok class:missing=c.blocking && !c.ok>
                            <span class="mark" aria-hidden="true">{mark}</span>
                            {match href {
                                Some(h) => view! { <a href=h>{c.message.clone()}</a> }.into_any(),
                                None => view! { <span>{c.message.clone()}</span> }.into_any(),
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// What changed: between the last version every partner signed and the one up for sign-off, and what the
/// draft has that no version has yet.
#[component]
fn Changes() -> impl IntoView {
    let ctx = expect_context::<CharterCtx>();
    let render = move |title: String, lines: Vec<(Section, Vec<diff::Line>)>| {
        view! {
            <h3>{title}</h3>
            {lines.into_iter().map(|(s, ls)| view! {
                <div class="diff">
                    <h4>{s.title()}</h4>
                    <pre>{ls.into_iter().filter(|l| l.change != LineChange::Same).map(|l| {
                        let (class, sign) = match l.change { LineChange::Added => ("added", "+ "), LineChange::Removed => ("removed", "− "), LineChange::Same => ("", "  ") };
                        view! { <span class=class>{sign}{l.text}"\n"</span> }
                    }).collect_view()}</pre>
                </div>
            }).collect_view()}
        }
    };
    view! {
        <section class="panel" data-testid="changes">
            <h2>"Changes"</h2>
            {move || ctx.view.with(|v| {
                let mut parts = Vec::new();
                if let (Some(signed), Some(cur)) = (&v.last_signed, &v.current) {
                    let by = signed.signatures.iter().map(|s| s.org.name.clone()).collect::<Vec<_>>().join(", ");
                    parts.push(render(format!("Version {} (signed by {by}) → version {}", signed.number, cur.number), diff::sections(&signed.doc, &cur.doc, &v.roster)).into_any());
                }
                if let Some(cur) = &v.current {
                    if v.draft_differs {
                        parts.push(render(format!("Not yet proposed (since version {})", cur.number), diff::sections(&cur.doc, &v.draft, &v.roster)).into_any());
                    }
                }
                if parts.is_empty() {
                    parts.push(view! { <p class="muted">"No changes to review."</p> }.into_any());
                }
                parts
            })}
        </section>
    }
}

// ---- Section editing -------------------------------------------------------------------------------

#[derive(Clone)]
enum Kind {
    Text,
    Area,
    Int,
    OptInt,
    Float,
    Lines,
    Choice(Vec<(String, String)>),
    /// An id (person or organization); empty means none.
    Id(Vec<(i64, String)>),
}

#[derive(Clone)]
struct Field {
    key: &'static str,
    label: &'static str,
    kind: Kind,
}

fn f(key: &'static str, label: &'static str, kind: Kind) -> Field {
    Field { key, label, kind }
}

fn choices(items: &[(&str, &str)]) -> Kind {
    Kind::Choice(items.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect())
}

/// How a section is edited: its fields, and for list sections the list key, a new row and a row noun.
fn schema(section: Section, roster: &Roster) -> (Option<(&'static str, Value, &'static str)>, Vec<Field>) {
    let people = Kind::Id(roster.people.iter().map(|p| (p.user_id, roster.person_label(Some(p.user_id)))).collect());
    let orgs = Kind::Id(roster.partners.iter().map(|o| (o.id, o.name.clone())).collect());
    let metrics = Kind::Choice(METRICS.iter().map(|(k, l, _)| (k.to_string(), l.to_string())).collect());
    let cmp = choices(&[(">=", "≥"), ("<=", "≤"), (">", ">"), ("<", "<")]);
    let first_org = roster.partners.first().map(|o| o.id).unwrap_or(0);
    match section {
        Section::Audience => (
            None,
            vec![
                f("segment", "Segment (one, narrowly defined)", Kind::Text),
                f("region", "Where", Kind::Text),
                f("age_band", "Age band", Kind::Text),
                f("interests", "Interests", Kind::Text),
                f("language", "Language", Kind::Text),
                f("market", "Market", Kind::Text),
            ],
        ),
        Section::ValueProposition => (None, vec![f("propositions", "Value proposition (one)", Kind::Lines)]),
        Section::CreativeBrief => {
            (None, vec![f("markdown", "Creative brief (# headings, - lists, **bold**)", Kind::Area)])
        }
        Section::Tiers => (
            Some((
                "tiers",
                json!({ "name": "", "min_followers": 0, "max_followers": null, "min_engagement_rate": 0.0, "basis": "followers" }),
                "tier",
            )),
            vec![
                f("name", "Name", Kind::Text),
                f("min_followers", "Followers from", Kind::Int),
                f("max_followers", "Followers up to (empty: no limit)", Kind::OptInt),
                f("min_engagement_rate", "Min. engagement rate %", Kind::Float),
                f("basis", "Engagement rate by", choices(&[("followers", "followers"), ("reach", "reach")])),
            ],
        ),
        Section::Pillars => (
            Some(("pillars", json!({ "name": "", "description": "", "dos": "", "donts": "" }), "pillar")),
            vec![
                f("name", "Pillar", Kind::Text),
                f("description", "Description", Kind::Text),
                f("dos", "Do", Kind::Text),
                f("donts", "Don't", Kind::Text),
            ],
        ),
        Section::Criteria => (
            None,
            vec![
                f("ugc", "UGC approval criteria (one per line)", Kind::Lines),
                f("influencer", "Influencer-post approval criteria (one per line)", Kind::Lines),
                f("creator_expectations", "What we expect of creators", Kind::Area),
            ],
        ),
        Section::Success => (
            Some((
                "targets",
                json!({ "lane": "influencer", "metric": "engagement_rate", "comparison": ">=", "value": 0.0 }),
                "target",
            )),
            vec![
                f("lane", "Lane", choices(&[("influencer", "Influencer"), ("ugc", "UGC")])),
                f("metric", "Metric", metrics.clone()),
                f("comparison", "Comparison", cmp.clone()),
                f("value", "Target", Kind::Float),
            ],
        ),
        Section::Thresholds => (
            Some((
                "thresholds",
                json!({ "metric": "cpe", "comparison": ">", "value": 0.0, "scope": "campaign", "scope_value": "", "escalate_to": null }),
                "threshold",
            )),
            vec![
                f("metric", "Daily metric", metrics),
                f("comparison", "Comparison", cmp),
                f("value", "Value", Kind::Float),
                f(
                    "scope",
                    "Scope",
                    choices(&[
                        ("campaign", "Whole campaign"),
                        ("lane", "A lane"),
                        ("partner", "A partner"),
                        ("tier", "A tier"),
                    ]),
                ),
                f("scope_value", "Which (lane: influencer/ugc, partner id, tier name)", Kind::Text),
                f("escalate_to", "Escalate to", people.clone()),
            ],
        ),
        Section::Responsibilities => (
            Some((
                "items",
                json!({ "org_id": first_org, "responsibility": "", "accountable": null }),
                "responsibility",
            )),
            vec![
                f("org_id", "Partner", orgs.clone()),
                f("responsibility", "Non-negotiable responsibility", Kind::Text),
                f("accountable", "Accountable person", people.clone()),
            ],
        ),
        Section::Ownership => (
            None,
            vec![
                f("accountable_owner", "Accountable campaign owner", people.clone()),
                f("creator_contact", "Creators' point of contact", people),
            ],
        ),
        Section::Rotation => (
            Some(("slots", json!({ "quarter": "", "lead_org_id": null }), "quarter")),
            vec![f("quarter", "Quarter (e.g. 2027-Q1)", Kind::Text), f("lead_org_id", "UGC strategy lead", orgs)],
        ),
    }
}

fn get_at(v: &Value, path: &[PathPart]) -> Value {
    let mut cur = v;
    for p in path {
        cur = match p {
            PathPart::Key(k) => cur.get(*k).unwrap_or(&Value::Null),
            PathPart::Index(i) => cur.get(*i).unwrap_or(&Value::Null),
        };
    }
    cur.clone()
}

fn set_at(v: &mut Value, path: &[PathPart], new: Value) {
    let mut cur = v;
    for p in path {
        cur = match p {
            PathPart::Key(k) => {
                if !cur.is_object() {
                    *cur = json!({});
                }
                cur.as_object_mut().unwrap().entry(k.to_string()).or_insert(Value::Null)
            }
            PathPart::Index(i) => match cur.get_mut(*i) {
                Some(x) => x,
                None => return,
            },
        };
    }
    *cur = new;
}

#[derive(Clone, Copy)]
enum PathPart {
    Key(&'static str),
    Index(usize),
}

/// One input, writing into the editor's buffer. Inputs start from the buffer and are rebuilt when the
/// buffer is replaced (never re-bound while typing).
#[component]
fn FieldInput(field: Field, body: RwSignal<Value>, path: Vec<PathPart>, label: String) -> impl IntoView {
    let initial = body.with_untracked(|b| get_at(b, &path));
    let p = path.clone();
    let write = move |v: Value| body.update(|b| set_at(b, &p, v));
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match field.kind {
        Kind::Text => view! { <label>{label.clone()} <input value=s(&initial) on:input=move |ev| write(Value::String(event_target_value(&ev)))/></label> }.into_any(),
        Kind::Area => view! { <label>{label.clone()} <textarea rows="6" on:input=move |ev| write(Value::String(event_target_value(&ev)))>{s(&initial)}</textarea></label> }.into_any(),
        Kind::Int | Kind::OptInt => {
            let optional = matches!(field.kind, Kind::OptInt);
            view! {
                <label>{label.clone()}
                    <input type="number" inputmode="numeric" step="1" value=s(&initial) on:input=move |ev| {
                        let t = event_target_value(&ev);
                        write(match t.trim().parse::<i64>() {
                            Ok(n) => json!(n),
                            Err(_) if optional => Value::Null,
                            Err(_) => json!(0),
                        })
                    }/>
                </label>
            }.into_any()
        }
        Kind::Float => view! {
            <label>{label.clone()}
                <input type="number" inputmode="decimal" step="any" value=s(&initial) on:input=move |ev| {
                    write(json!(event_target_value(&ev).trim().parse::<f64>().unwrap_or(0.0)))
                }/>
            </label>
        }.into_any(),
        Kind::Lines => {
            let text = initial.as_array().map(|a| a.iter().map(s).collect::<Vec<_>>().join("\n")).unwrap_or_default();
            view! {
                <label>{label.clone()}
                    <textarea rows="3" on:input=move |ev| {
                        let lines: Vec<Value> = event_target_value(&ev).lines().map(|l| Value::String(l.to_string())).collect();
                        write(Value::Array(lines))
                    }>{text}</textarea>
                </label>
            }.into_any()
        }
        Kind::Choice(options) => {
            let current = s(&initial);
            view! {
                <label>{label.clone()}
                    <select on:change=move |ev| write(Value::String(event_target_value(&ev)))>
                        {options.into_iter().map(|(k, l)| { let sel = k == current; view! { <option value=k selected=sel>{l}</option> } }).collect_view()}
                    </select>
                </label>
            }.into_any()
        }
        Kind::Id(options) => {
            let current = initial.as_i64();
            view! {
                <label>{label.clone()}
                    <select on:change=move |ev| write(event_target_value(&ev).parse::<i64>().map(|n| json!(n)).unwrap_or(Value::Null))>
                        <option value="" selected=current.is_none()>"—"</option>
                        {options.into_iter().map(|(k, l)| view! { <option value=k.to_string() selected=Some(k) == current>{l}</option> }).collect_view()}
                    </select>
                </label>
            }.into_any()
        }
    }
}

#[component]
fn SectionEditor(section: Section, body: RwSignal<Value>, epoch: RwSignal<u32>) -> impl IntoView {
    let ctx = expect_context::<CharterCtx>();
    move || {
        epoch.track();
        let (list, fields) = ctx.view.with_untracked(|v| schema(section, &v.roster));
        match list {
            None => fields
                .into_iter()
                .map(|field| {
                    let label = field.label.to_string();
                    let path = vec![PathPart::Key(field.key)];
                    view! { <FieldInput field body path label/> }
                })
                .collect_view()
                .into_any(),
            Some((key, template, noun)) => {
                let rows = body.with_untracked(|b| b.get(key).and_then(|l| l.as_array()).map(|a| a.len()).unwrap_or(0));
                view! {
                    <div class="rows">
                        {(0..rows).map(|i| {
                            let fields = fields.clone();
                            view! {
                                <fieldset class="row-edit">
                                    <legend>{format!("{} {}", noun, i + 1)}</legend>
                                    {fields.into_iter().map(|field| {
                                        let label = format!("{} {} {}", noun, i + 1, field.label.to_lowercase());
                                        let path = vec![PathPart::Key(key), PathPart::Index(i), PathPart::Key(field.key)];
                                        view! { <FieldInput field body path label/> }
                                    }).collect_view()}
                                    <button type="button" class="button small danger" on:click=move |_| {
                                        body.update(|b| { if let Some(a) = b.get_mut(key).and_then(|l| l.as_array_mut()) { if i < a.len() { a.remove(i); } } });
                                        epoch.update(|e| *e += 1);
                                    }>"Remove " {noun} " " {i + 1}</button>
                                </fieldset>
                            }
                        }).collect_view()}
                        <button type="button" class="button small" on:click=move |_| {
                            let t = template.clone();
                            body.update(|b| {
                                if !b.is_object() { *b = json!({}); }
                                let list = b.as_object_mut().unwrap().entry(key.to_string()).or_insert(json!([]));
                                if let Some(a) = list.as_array_mut() { a.push(t); }
                            });
                            epoch.update(|e| *e += 1);
                        }>"Add a " {noun}</button>
                    </div>
                }.into_any()
            }
        }
    }
}

#[component]
fn SectionCard(section: Section) -> impl IntoView {
    let ctx = expect_context::<CharterCtx>();
    let editing = RwSignal::new(false);
    let body = RwSignal::new(Value::Null);
    let base = RwSignal::new(0i64);
    let epoch = RwSignal::new(0u32);
    let error = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let key = StoredValue::new(String::new());
    let meta = move || ctx.view.with(|v| v.sections.iter().find(|m| m.section == section).cloned());
    let rendered = move || ctx.view.with(|v| markdown::to_html(&markdown::section(&v.draft, section, &v.roster)));
    let start = move |_| {
        body.set(ctx.view.with_untracked(|v| v.draft.section_json(section)));
        base.set(meta().map(|m| m.version).unwrap_or(0));
        key.set_value(new_key());
        error.set(None);
        epoch.update(|e| *e += 1);
        editing.set(true);
        ctx.editing.set(Some(section));
    };
    let stop = move || {
        editing.set(false);
        if ctx.editing.get_untracked() == Some(section) {
            ctx.editing.set(None);
        }
    };
    let save = move |_| {
        saving.set(true);
        let text = body.with_untracked(|b| b.to_string());
        let version = base.get_untracked();
        let k = key.get_value();
        spawn_local(async move {
            let result = save_charter_section(ctx.id, section, text, version, k).await;
            saving.set(false);
            match result {
                Ok(_) => {
                    error.set(None);
                    stop();
                    ctx.refresh();
                }
                Err(e) => {
                    key.set_value(new_key());
                    error.set(Some(e));
                }
            }
        });
    };
    // Someone saved this section while we were editing it.
    let stale = move || editing.get() && meta().is_some_and(|m| m.version > base.get());
    let load_theirs = move |_| {
        body.set(ctx.view.with_untracked(|v| v.draft.section_json(section)));
        base.set(meta().map(|m| m.version).unwrap_or(0));
        error.set(None);
        epoch.update(|e| *e += 1);
    };
    let keep_mine = move |_| {
        // Knowingly based on their version now: the next save replaces it.
        base.set(meta().map(|m| m.version).unwrap_or(0));
        error.set(None);
    };
    let present = move || {
        ctx.presence
            .with(|p| p.iter().filter(|x| x.section == section.key()).map(|x| x.label.clone()).collect::<Vec<_>>())
    };
    let comments =
        move || ctx.view.with(|v| v.comments.iter().filter(|c| c.section == section).cloned().collect::<Vec<_>>());
    view! {
        <section class="panel charter-section" id=section.key() data-section=section.key() class:creator-facing=section.creator_facing()>
            <header class="section-head">
                <h2>{section.title()}</h2>
                <div class="section-meta">
                    {move || meta().map(|m| match m.updated_by {
                        Some(by) => format!("v{} · {} · {}", m.version, by, m.updated_at.map(|d| crate::dates::month_day_time(&d)).unwrap_or_default()),
                        None => "not edited yet".into(),
                    })}
                    {section.creator_facing().then(|| view! { <span class="chip">"creators see this"</span> })}
                </div>
            </header>
            {move || {
                let p = present();
                (!p.is_empty()).then(|| view! { <p class="presence" data-testid="presence">{format!("{} editing…", p.join(", "))}</p> })
            }}
            {move || if editing.get() {
                view! {
                    <div class="editor">
                        {move || stale().then(|| view! {
                            <div class="notice conflict" role="status">
                                "Someone saved this section while you were editing it."
                                <button type="button" class="button small" on:click=load_theirs>"Load their version"</button>
                            </div>
                        })}
                        <SectionEditor section body epoch/>
                        {move || error.get().map(|e| {
                            let conflict = e.is(ErrorCode::Conflict);
                            view! {
                                <div class="notice conflict" role="alert" data-testid="section-error">
                                    <p>{e.message.clone()} {e.field.clone().map(|f| format!(" ({f})"))}</p>
                                    {conflict.then(|| view! {
                                        <p class="actions">
                                            <button type="button" class="button small" on:click=load_theirs>"Discard mine, load theirs"</button>
                                            <button type="button" class="button small" on:click=keep_mine>"Keep mine (save over theirs)"</button>
                                        </p>
                                    })}
                                </div>
                            }
                        })}
                        <p class="actions">
                            <button type="button" class="button primary" disabled=move || saving.get() on:click=save>"Save " {section.title().to_lowercase()}</button>
                            <button type="button" class="button" on:click=move |_| stop()>"Cancel"</button>
                        </p>
                    </div>
                }.into_any()
            } else {
                view! {
                    <div class="md" inner_html=rendered></div>
                    <p><button type="button" class="button small" on:click=start>"Edit " {section.title().to_lowercase()}</button></p>
                }.into_any()
            }}
            <Comments section comments=Signal::derive(comments)/>
        </section>
    }
    .into_any()
}

#[component]
fn Comments(section: Section, comments: Signal<Vec<CharterComment>>) -> impl IntoView {
    let ctx = expect_context::<CharterCtx>();
    let error = RwSignal::new(None::<AppError>);
    let post = move |body: String, parent: Option<i64>| {
        spawn_local(async move {
            match comment_charter(ctx.id, section, body, parent).await {
                Ok(_) => {
                    error.set(None);
                    ctx.refresh();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let draft = RwSignal::new(String::new());
    view! {
        <div class="comments">
            {move || {
                let all = comments.get();
                let threads: Vec<CharterComment> = all.iter().filter(|c| c.parent_id.is_none()).cloned().collect();
                threads.into_iter().map(|t| {
                    let replies: Vec<CharterComment> = all.iter().filter(|c| c.parent_id == Some(t.id)).cloned().collect();
                    let id = t.id;
                    let reply = RwSignal::new(String::new());
                    view! {
                        <article class="comment" class:resolved=t.resolved_by.is_some() class:from-creator=t.author_is_creator data-testid="comment">
                            <p><strong>{t.author.clone()}</strong>{t.author_is_creator.then_some(" · creator")} " " <span class="muted">{crate::dates::month_day_time(&t.created_at)}</span></p>
                            <p>{t.body.clone()}</p>
                            {replies.into_iter().map(|r| view! { <p class="reply"><strong>{r.author}</strong> ": " {r.body}</p> }).collect_view()}
                            {match t.resolved_by.clone() {
                                Some(by) => view! { <p class="muted">"Resolved by " {by}</p> }.into_any(),
                                None => view! {
                                    <div class="row">
                                        <input class="grow" aria-label="Reply" placeholder="Reply…" on:input=move |ev| reply.set(event_target_value(&ev))/>
                                        <button type="button" class="button small" on:click=move |_| post(reply.get_untracked(), Some(id))>"Reply"</button>
                                        <button type="button" class="button small" on:click=move |_| spawn_local(async move {
                                            if resolve_charter_comment(ctx.id, id).await.is_ok() { ctx.refresh(); }
                                        })>"Mark resolved"</button>
                                    </div>
                                }.into_any(),
                            }}
                        </article>
                    }
                }).collect_view()
            }}
            <details>
                <summary>"Comment on this section"</summary>
                <div class="row">
                    <input class="grow" aria-label=format!("Comment on {}", section.title()) on:input=move |ev| draft.set(event_target_value(&ev))/>
                    <button type="button" class="button small" on:click=move |_| post(draft.get_untracked(), None)>"Comment"</button>
                </div>
            </details>
            {move || error.get().map(|e| view! { <ErrorNotice error=e/> })}
        </div>
    }
}
