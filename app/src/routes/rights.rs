//! The campaign's rights ledger page, rendered on the server only (no island, no WASM): every approved asset
//! with its terms, start and end, state (expiring and expired marked), ad codes and logged uses; the CSV export.
//! The creator's counterpart (her own assets' terms) is [`PortalRights`], beside her portal's island.
use leptos::prelude::*;

use crate::error::AppError;
use crate::rights::{Ledger, LedgerEntry, RightsState, Terms};

fn campaign_id() -> i64 {
    leptos_router::hooks::use_params_map().read_untracked().get("id").and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn day(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%-d %b %Y").to_string()).unwrap_or_else(|| "—".into())
}

fn state_key(s: RightsState) -> &'static str {
    s.key()
}

fn state_label(e: &LedgerEntry) -> String {
    e.state_label()
}

/// "organic, paid amplification · Instagram, Meta Ads · UK, DE".
fn terms_summary(t: &Terms) -> String {
    let usages: Vec<&str> = t.usages.iter().map(|u| u.label()).collect();
    let mut parts = vec![usages.join(", ")];
    if !t.platforms.is_empty() {
        parts.push(t.platforms.join(", "));
    }
    if !t.territories.is_empty() {
        parts.push(t.territories.join(", "));
    }
    parts.join(" · ")
}

fn acceptance(t: &Terms) -> String {
    match &t.accepted {
        Some(a) => format!("v{} accepted by {} on {}", a.version, a.by, crate::dates::in_zone(&a.at, &t.time_zone)),
        None => format!("v{} not accepted yet", t.version),
    }
}

#[component]
fn EntryRow(e: LedgerEntry, partner: bool, campaign_id: i64) -> impl IntoView {
    let key = state_key(e.state);
    let label = state_label(&e);
    let terms = e.terms.clone();
    view! {
        <tr data-testid="rights-entry" data-state=key class=format!("rights-{key}")>
            <td><strong>{e.title.clone()}</strong><br/><span class="muted">{e.lane.label()}</span></td>
            {partner.then(|| view! { <td>{e.creator_name.clone()}</td> })}
            <td>{match &terms {
                Some(t) => view! {
                    <span>{terms_summary(t)}</span>
                    <br/><span class="muted">{t.term_label()}</span>
                    {(!t.exclusivity.is_empty()).then(|| view! { <br/><span class="muted">"Exclusivity: " {t.exclusivity.clone()}</span> })}
                    <br/><span class="muted">"For " {t.partners.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(", ")}</span>
                    <br/><span class="muted" data-testid="acceptance">{acceptance(t)}</span>
                }.into_any(),
                None => view! { <span>"No terms: no use is covered"</span> }.into_any(),
            }}</td>
            <td>{day(e.starts_on)} " – " {day(e.ends_on)}</td>
            <td><span class=format!("badge rights-{key}") data-testid="rights-state">{label}</span></td>
            <td>{if e.codes.is_empty() { view! { <span class="muted">"—"</span> }.into_any() } else {
                view! { <ul class="plain">{e.codes.iter().map(|c| view! {
                    <li class:expired=c.expired>
                        {c.kind.label()} " " <code>{c.code.clone()}</code>
                        {c.expires_on.map(|x| format!(" · {} {}", if c.expired { "expired" } else { "expires" }, x.format("%-d %b %Y")))}
                    </li>
                }).collect_view()}</ul> }.into_any()
            }}</td>
            <td>{if e.uses.is_empty() { view! { <span class="muted">"—"</span> }.into_any() } else {
                view! { <ul class="plain">{e.uses.iter().map(|u| view! {
                    <li data-testid="rights-use" class:past-end=u.past_end>
                        {u.label.clone()}
                        {u.past_end.then_some(" · past the end of the rights")}
                    </li>
                }).collect_view()}</ul> }.into_any()
            }}</td>
        </tr>
        {partner.then(|| {
            let base = format!("/campaigns/{}/rights/{}", campaign_id, e.deliverable_id);
            view! {
                <tr class="rights-forms"><td colspan="7">
                    <details><summary>"Log a use or add an ad code"</summary>
                        <form method="post" action=format!("{base}/uses") class="inline" data-testid="use-form">
                            <select name="usage" aria-label="Usage">
                                {crate::rights::Usage::ALL.into_iter().map(|u| view! { <option value=u.key()>{u.label()}</option> }).collect_view()}
                            </select>
                            <input type="text" name="platform" placeholder="Platform, e.g. Meta" maxlength="200" required aria-label="Platform"/>
                            <input type="date" name="starts_on" required aria-label="From"/>
                            <input type="date" name="ends_on" required aria-label="Until"/>
                            <input type="text" name="note" placeholder="Note" maxlength="5000" aria-label="Note"/>
                            <button type="submit" class="button small">"Log the use"</button>
                        </form>
                        <form method="post" action=format!("{base}/codes") class="inline" data-testid="code-form">
                            <select name="kind" aria-label="Kind of code">
                                <option value="spark">"Spark Ads"</option>
                                <option value="partnership">"Partnership Ads"</option>
                                <option value="other">"Other"</option>
                            </select>
                            <input type="text" name="code" placeholder="Code" maxlength="200" required aria-label="Code"/>
                            <input type="date" name="expires_on" aria-label="Expires on"/>
                            <button type="submit" class="button small">"Add the code"</button>
                        </form>
                    </details>
                </td></tr>
            }
        })}
    }
}

#[component]
fn LedgerTable(ledger: Ledger, partner: bool) -> impl IntoView {
    view! {
        <table class="table" id="rights" data-testid="rights-ledger">
            <thead><tr>
                <th>"Asset"</th>
                {partner.then(|| view! { <th>"Creator"</th> })}
                <th>"Terms"</th><th>"Rights"</th><th>"State"</th><th>"Ad codes"</th><th>"Uses"</th>
            </tr></thead>
            <tbody>{ledger.entries.into_iter().map(|e| view! { <EntryRow e partner campaign_id=ledger.campaign_id/> }).collect_view()}</tbody>
        </table>
    }
}

type PartnerView = (Ledger, Vec<(crate::rights::DeliverableTerms, String)>, Vec<crate::vocab::OrgRef>);

async fn load(id: i64) -> Result<PartnerView, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let ledger = crate::rights::ssr::get_ledger(&state.db, &who, id).await?;
    let terms = crate::rights::ssr::all_terms(&state.db, &who, id).await?;
    let partners = crate::campaigns::ssr::partners(&state.db, id).await?;
    Ok((ledger, terms, partners))
}

/// A plain form proposing or changing one deliverable's terms (posted to the server; no script).
#[component]
fn TermsForm(
    campaign_id: i64,
    item: crate::rights::DeliverableTerms,
    creator: String,
    partners: Vec<crate::vocab::OrgRef>,
) -> impl IntoView {
    use crate::rights::Usage;
    let t = item.terms;
    let d = item.deliverable_id;
    let status = if t.version == 0 {
        "No terms yet".to_string()
    } else {
        format!("{} · {} · {}", terms_summary(&t), t.term_label(), acceptance(&t))
    };
    let days = t.term_days.map(|d| d.to_string()).unwrap_or_default();
    let fixed = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <details class="card" id=format!("terms-{d}") data-testid="terms-form">
            <summary><strong>{item.title.clone()}</strong> " · " {creator} <br/><span class="muted">{status}</span></summary>
            <form method="post" action=format!("/campaigns/{campaign_id}/deliverables/{d}/terms") class="stack">
                <input type="hidden" name="version" value=t.version.to_string()/>
                <fieldset><legend>"Usage"</legend>
                    {Usage::ALL.into_iter().map(|u| view! {
                        <label><input type="checkbox" name=format!("usage_{}", u.key()) checked=t.usages.contains(&u)/> " " {u.label()}</label>
                    }).collect_view()}
                </fieldset>
                <label>"Platforms (comma-separated)" <input type="text" name="platforms" maxlength="2000" value=t.platforms.join(", ")/></label>
                <label>"Territories (comma-separated)" <input type="text" name="territories" maxlength="2000" value=t.territories.join(", ")/></label>
                <label>"Days from first publication" <input type="number" name="term_days" min="1" max="3650" value=days/></label>
                <p class="muted">"Or fixed dates:"</p>
                <label>"Starts on" <input type="date" name="starts_on" value=fixed(t.starts_on)/></label>
                <label>"Ends on" <input type="date" name="ends_on" value=fixed(t.ends_on)/></label>
                <label>"Exclusivity" <input type="text" name="exclusivity" maxlength="5000" value=t.exclusivity.clone()/></label>
                <fieldset><legend>"Partners that may use it"</legend>
                    {partners.into_iter().map(|p| {
                        let on = t.partners.iter().any(|x| x.id == p.id);
                        view! { <label><input type="checkbox" name=format!("partner_{}", p.id) checked=on/> " " {p.name}</label> }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="button">{if t.version == 0 { "Propose terms" } else { "Save a new version" }}</button>
            </form>
        </details>
    }
}

/// `/campaigns/:id/rights`: the partners' ledger.
#[component]
pub fn RightsPage() -> impl IntoView {
    let id = campaign_id();
    let error = leptos_router::hooks::use_query_map().read_untracked().get("error").unwrap_or_default();
    let data = crate::json_text::resource(move || id, load);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || { let error = error.clone(); Suspend::new(async move {
                match data.await {
                    Ok((l, terms, partners)) => view! {
                        <section class="page" data-testid="rights-page" data-live-page="">
                            <h1>"Rights ledger — " {l.campaign_name.clone()}</h1>
                            <p class="muted">
                                {format!("Every approved asset with what its licence allows, until when. Warned {} days before the rights end; dates are days in {}.", l.warning_days, l.time_zone)}
                                " " <a href=format!("/api/v1/campaigns/{}/rights.csv", l.campaign_id) download>"Export CSV"</a>
                            </p>
                            {if l.entries.is_empty() {
                                view! { <p>"No approved assets yet: an asset enters the ledger when it is approved."</p> }.into_any()
                            } else {
                                view! { <LedgerTable ledger=l.clone() partner=true/> }.into_any()
                            }}
                            {(!error.is_empty()).then(|| view! { <p class="error" role="alert" data-testid="terms-error">{error.clone()}</p> })}
                            <h2 id="terms">"Licence terms"</h2>
                            <p class="muted">"Proposed with the brief; the creator reads and accepts them on her portal. A change needs her acceptance again."</p>
                            {terms.into_iter().map(|(item, creator)| view! {
                                <TermsForm campaign_id=l.campaign_id item creator partners=partners.clone()/>
                            }).collect_view()}
                        </section>
                        <script src="/live-page.js" defer></script>
                    }.into_any(),
                    Err(e) => super::refused_page(e, "Campaign not found"),
                }
            })}}
        </Suspense>
    }
}

async fn load_mine(id: i64) -> Result<Vec<crate::rights::DeliverableTerms>, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::rights::ssr::creators_terms(&state.db, &who, id).await
}

/// On the creator's portal page, below its island: the licence terms of her deliverables (to read and accept,
/// version by version, with a plain form), and her approved assets' rights with their end. Server-rendered.
#[component]
pub fn PortalRights(id: i64) -> impl IntoView {
    let data = crate::json_text::resource(move || id, load_mine);
    let error = leptos_router::hooks::use_query_map().read_untracked().get("rights_error").unwrap_or_default();
    view! {
        <Suspense fallback=|| ()>
            {move || { let error = error.clone(); Suspend::new(async move {
                match data.await {
                    Ok(items) if !items.is_empty() => view! {
                        <section class="page narrow portal-rights" id="terms" data-testid="portal-rights">
                            <h2>"Usage rights"</h2>
                            {(!error.is_empty()).then(|| view! { <p class="error" role="alert" data-testid="portal-rights-error">{error.clone()}</p> })}
                            <ul class="plain">{items.into_iter().map(|i| {
                                let t = i.terms;
                                let action = format!("/portal/campaigns/{id}/deliverables/{}/accept-terms", i.deliverable_id);
                                view! {
                                    <li class="card" data-testid="portal-terms">
                                        <h3>{i.title.clone()}</h3>
                                        <p>{terms_summary(&t)}</p>
                                        <p class="muted">{t.term_label()}
                                            {(!t.exclusivity.is_empty()).then(|| format!(" · Exclusivity: {}", t.exclusivity))}
                                            " · For " {t.partners.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(", ")}</p>
                                        {i.rights.map(|e| {
                                            let key = state_key(e.state);
                                            let codes = format!("/portal/campaigns/{id}/deliverables/{}/codes", i.deliverable_id);
                                            view! {
                                                <p>"Rights " {day(e.starts_on)} " – " {day(e.ends_on)} " "
                                                    <span class=format!("badge rights-{key}") data-state=key data-testid="portal-rights-state">{state_label(&e)}</span></p>
                                                {(!e.codes.is_empty()).then(|| view! {
                                                    <ul class="plain" data-testid="portal-codes">{e.codes.iter().map(|c| view! {
                                                        <li class:expired=c.expired>{c.kind.label()} " " <code>{c.code.clone()}</code>
                                                            {c.expires_on.map(|x| format!(" · {} {}", if c.expired { "expired" } else { "expires" }, x.format("%-d %b %Y")))}</li>
                                                    }).collect_view()}</ul>
                                                })}
                                                <details class="portal-code">
                                                    <summary>"Add an ad code"</summary>
                                                    <form method="post" action=codes class="stack" data-testid="portal-code-form">
                                                        <label>"Kind" <select name="kind">
                                                            <option value="spark">"Spark Ads"</option>
                                                            <option value="partnership">"Partnership Ads"</option>
                                                            <option value="other">"Other"</option>
                                                        </select></label>
                                                        <label>"Code" <input type="text" name="code" maxlength="200" required autocomplete="off"/></label>
                                                        <label>"Expires on (if the app says)" <input type="date" name="expires_on"/></label>
                                                        <button type="submit" class="button">"Add the code"</button>
                                                    </form>
                                                </details>
                                            }
                                        })}
                                        {if t.accepted.is_some() {
                                            view! { <p class="muted" data-testid="acceptance">{acceptance(&t)}</p> }.into_any()
                                        } else {
                                            view! {
                                                <form method="post" action=action>
                                                    <input type="hidden" name="version" value=t.version.to_string()/>
                                                    <button type="submit" class="button">{format!("Accept these terms (v{})", t.version)}</button>
                                                </form>
                                            }.into_any()
                                        }}
                                    </li>
                                }
                            }).collect_view()}</ul>
                        </section>
                    }.into_any(),
                    _ => ().into_any(),
                }
            })}}
        </Suspense>
    }
}
