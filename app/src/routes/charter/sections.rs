//! Section editing: each section's fields, the editor writing into a buffer, and the section card.
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::charter::{markdown, Roster, Section, METRICS};
use crate::components::new_key;
use crate::dates::Time;
use crate::error::{AppError, ErrorCode};

use super::comments::Comments;
use super::{save_charter_section, CharterCtx};

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
                f(
                    "disclosure",
                    "Disclosure wording captions must carry, on top of each market's rule (one per line; \"UK: #ad\" for one market: US, UK, DACH, FR, OTHER)",
                    Kind::Lines,
                ),
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
pub(super) fn SectionCard(section: Section) -> impl IntoView {
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
    // Saving a section of a signed version makes a new version: the signatures are voided. Said before, not after.
    let confirming = RwSignal::new(false);
    let signed_by = move || {
        ctx.view.with(|v| {
            v.current
                .as_ref()
                .filter(|c| !c.signatures.is_empty())
                .map(|c| (c.number, c.signatures.iter().map(|s| s.org.name.clone()).collect::<Vec<_>>().join(", ")))
        })
    };
    let save_now = move || {
        confirming.set(false);
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
    let save = move |_| {
        if signed_by().is_some() {
            confirming.set(true);
        } else {
            save_now();
        }
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
                        Some(by) => view! {
                            <span>{format!("v{} · {} · ", m.version, by)} {m.updated_at.map(|d| view! { <Time at=d zone=ctx.view.with_untracked(|v| v.time_zone.clone())/> })}</span>
                        }.into_any(),
                        None => "not edited yet".into_any(),
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
                        {move || confirming.get().then(signed_by).flatten().map(|(number, orgs)| view! {
                            <div class="notice conflict void-warning" role="alert" data-testid="void-warning">
                                <p>"Version " {number} " is signed by " {orgs} ". Saving this change makes version " {number + 1} " and voids those signatures: every partner signs again."</p>
                                <p class="actions">
                                    <button type="button" class="button primary" on:click=move |_| save_now()>"Save and void the signatures"</button>
                                    <button type="button" class="button" on:click=move |_| confirming.set(false)>"Keep editing"</button>
                                </p>
                            </div>
                        })}
                        <p class="actions">
                            <button type="button" class="button primary" disabled=move || saving.get() || confirming.get() on:click=save>"Save " {section.title().to_lowercase()}</button>
                            <button type="button" class="button" on:click=move |_| { confirming.set(false); stop() }>"Cancel"</button>
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
