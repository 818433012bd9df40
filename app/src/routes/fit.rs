//! The campaign's partner fit: what the partners' working styles leave to settle in the charter, their profiles
//! side by side, and what each states against what the event log shows. Rendered on the server only (no island):
//! settling an item is a plain form.
use leptos::prelude::*;

use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::fit::{hours_label, FitItem, FitView, OrgProfile, PartnerFit, ProfileVersion};

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_fit")]
pub async fn get_fit(campaign_id: i64) -> Result<FitView, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::fit::ssr::fit_view(&state.db, &who, campaign_id).await
}

#[component]
pub fn FitPage(id: i64) -> impl IntoView {
    let data = crate::json_text::resource(move || id, get_fit);
    let error = super::query_error();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Fit v error/> }.into_any(),
                        Err(e) => super::refused_page(e, "Campaign not found"),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Fit(v: FitView, error: Option<AppError>) -> impl IntoView {
    let slas = v
        .lanes
        .iter()
        .map(|l| format!("{} lane SLA {}", l.lane.label(), hours_label(l.sla_hours)))
        .collect::<Vec<_>>()
        .join(" · ");
    let missing: Vec<String> = v.partners.iter().filter(|p| p.profile.is_none()).map(|p| p.org.name.clone()).collect();
    let id = v.campaign_id;
    let zone = v.time_zone.clone();
    view! {
        <section class="page fit" data-testid="fit" data-live-page="" data-campaign=id data-head=v.head>
            <h1>"Partner fit — " {v.campaign_name.clone()}</h1>
            <p class="muted">
                "How the partners say they work, what that leaves for the charter to settle, and what the campaign's activity shows. "
                {slas} ". Times in " {v.time_zone.clone()} "."
            </p>
            {error.map(|e| view! { <ErrorNotice error=e/> })}
            {(!missing.is_empty()).then(|| view! {
                <p class="notice" data-testid="fit-missing">
                    {format!("No working style stated yet: {}. ", missing.join(", "))}
                    <a href="/settings/organization#working-style">"State your organization's working style"</a>
                </p>
            })}
            <h2>"To settle in the charter"</h2>
            {if v.items.is_empty() {
                view! { <p class="muted" data-testid="fit-none">"No mismatches between the stated working styles."</p> }.into_any()
            } else {
                view! { <ul class="fit-items">{v.items.into_iter().map(|i| view! { <Item item=i id/> }).collect_view()}</ul> }.into_any()
            }}
            <h2>"Side by side"</h2>
            <SideBySide partners=v.partners.clone()/>
            <div class="fit-histories">
                {v.partners.iter().filter(|p| !p.history.is_empty()).map(|p| view! {
                    <History org=p.org.name.clone() org_id=p.org.id history=p.history.clone() zone=zone.clone()/>
                }).collect_view()}
            </div>
            <h2>"Stated against observed"</h2>
            <div class="fit-partners">
                {v.partners.into_iter().map(|p| view! { <Observed p/> }).collect_view()}
            </div>
        </section>
        <script src="/live-page.js" defer></script>
    }
}

/// An organization's profile versions, newest first, each with what it changed (folded).
#[component]
pub fn History(org: String, org_id: i64, history: Vec<ProfileVersion>, zone: String) -> impl IntoView {
    let count = history.len();
    view! {
        <details class="fit-history" id=format!("history-{org_id}") data-testid="profile-history">
            <summary>{format!("{org}'s working style: {count} version{}", if count == 1 { "" } else { "s" })}</summary>
            <ol reversed="">
                {history.into_iter().map(|h| view! {
                    <li data-testid="profile-version" data-version=h.version>
                        <strong>{format!("v{}", h.version)}</strong> " · " {h.saved_by.clone()} " · "
                        <crate::dates::Time at=h.saved_at zone=zone.clone()/>
                        <ul>{h.changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
                    </li>
                }).collect_view()}
            </ol>
        </details>
    }
}

#[component]
fn Item(item: FitItem, id: i64) -> impl IntoView {
    let settled = item.settled.is_some();
    view! {
        <li class="panel fit-item" class:settled=settled data-testid="fit-item" data-kind=item.kind.clone()>
            <strong>{item.title.clone()}</strong>
            <p>{item.explanation.clone()}</p>
            <p><span class="muted">"The charter should settle: "</span>{item.settle.clone()}</p>
            {match item.settled {
                Some(s) => view! {
                    <p class="notice success" data-testid="fit-settled">
                        {format!("Settled by {} ({}) on {}", s.by, s.org_name, crate::dates::iso_day(&s.at))}
                        {(!s.note.is_empty()).then(|| format!(": {}", s.note))}
                    </p>
                }.into_any(),
                None => view! {
                    <form method="post" action=format!("/campaigns/{id}/fit/settle") class="row">
                        <input type="hidden" name="key" value=item.key.clone()/>
                        <label class="grow">"How the charter settles it"
                            <input name="note" maxlength="5000" placeholder="e.g. UGC SLA 48 h; Lena reviews"/>
                        </label>
                        <button type="submit" class="button">"Mark settled"</button>
                    </form>
                }.into_any(),
            }}
        </li>
    }
}

/// One row of the side-by-side table: a label and each partner's value (or "—" without a profile).
fn row(label: &'static str, partners: &[PartnerFit], value: impl Fn(&OrgProfile) -> String) -> AnyView {
    view! {
        <tr>
            <th scope="row">{label}</th>
            {partners.iter().map(|p| view! { <td>{p.profile.as_ref().map(&value).unwrap_or_else(|| "—".into())}</td> }).collect_view()}
        </tr>
    }
    .into_any()
}

#[component]
fn SideBySide(partners: Vec<PartnerFit>) -> impl IntoView {
    let p = &partners;
    let text = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    view! {
        <table class="table fit-table" data-testid="fit-table">
            <thead><tr><th></th>{p.iter().map(|x| view! { <th scope="col">{x.org.name.clone()}</th> }).collect_view()}</tr></thead>
            <tbody>
                {row("Reviews drafts within", p, |x| hours_label(x.style.review_hours))}
                {row("Answers creators within", p, |x| hours_label(x.style.reply_hours))}
                {row("Approval steps", p, |x| x.style.approval_steps.to_string())}
                {row("Who signs", p, move |x| text(&x.style.signer))}
                {row("Working hours", p, |x| format!("{}–{} {}", x.style.work_start, x.style.work_end, x.style.work_days))}
                {row("Time zone", p, move |x| text(&x.style.time_zone))}
                {row("Times measured in", p, |x| if x.style.measure_working_hours { "working hours".into() } else { "elapsed hours".into() })}
                {row("Team size", p, |x| x.style.team_size.to_string())}
                {row("Campaigns a quarter", p, |x| x.style.campaigns_per_quarter.to_string())}
                {row("Markets", p, move |x| text(&x.style.markets))}
                {row("Languages", p, move |x| text(&x.style.languages))}
                {row("Reporting", p, move |x| text(&x.style.reporting_cadence))}
                {row("Tools", p, move |x| text(&x.style.tools))}
                <tr>
                    <th scope="row">"Profile version"</th>
                    {p.iter().map(|x| view! { <td>{match &x.profile {
                        Some(pr) => view! { <a href=format!("#history-{}", x.org.id)>{format!("v{} · history", pr.version)}</a> }.into_any(),
                        None => "—".into_any(),
                    }}</td> }).collect_view()}
                </tr>
            </tbody>
        </table>
    }
}

#[component]
fn Observed(p: PartnerFit) -> impl IntoView {
    view! {
        <div class="panel" data-testid="fit-observed" data-org=p.org.id.to_string()>
            <h3>{p.org.name.clone()}</h3>
            <p class="muted">"In this campaign"</p>
            <ul>{p.lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
            {p.track_record.map(|t| view! {
                <p class="muted" data-testid="fit-track-record">
                    {format!("Track record with {} ({} earlier campaign{})", t.with.name, t.campaigns, if t.campaigns == 1 { "" } else { "s" })}
                </p>
                <ul>{t.lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
            })}
        </div>
    }
}
