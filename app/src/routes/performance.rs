//! The performance command center: one shared, live dashboard per campaign, the same for every partner.
//! KPIs with their formulas, influencer and UGC side by side, a daily time series, the funnel, pacing against
//! the charter's targets, budget plan against actual, sortable cuts, the escalation feed, and quick entry.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos::task::spawn_local;

use crate::components::ErrorNotice;
use crate::error::{AppError, ErrorCode};
use crate::escalations::UpdateEscalation;
use crate::metrics::kpi::{self, Totals};
use crate::metrics::live::{DashboardPatch, PatchAsk};
use crate::metrics::{Cut, Dashboard, DayPoint, Ingest, IngestResult};
use crate::money::{format_minor as money, format_units};
use crate::vocab::Lane;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_dashboard")]
pub async fn get_dashboard(campaign_id: i64) -> Result<Dashboard, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::metrics::ssr::get_dashboard(&state.db, &who, campaign_id).await
}

/// What an open dashboard needs after live events: the small part, and the days and creators they changed.
#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "dashboard_patch", input = Json)]
pub async fn get_dashboard_patch(campaign_id: i64, ask: PatchAsk) -> Result<DashboardPatch, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::metrics::ssr::dashboard_patch(&state.db, &who, campaign_id, &ask).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "ingest_figures", input = Json)]
pub async fn ingest_figures(campaign_id: i64, input: Ingest, key: String) -> Result<IngestResult, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::metrics::ssr::ingest_figures(&state.db, &who, campaign_id, &input, Some(&key)).await
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2} %")).unwrap_or_else(|| "—".into())
}

/// A cost (CPE, CPM, CPC) in units of the campaign's currency, or "—" when it cannot be computed.
fn cost(v: Option<f64>, currency: &str) -> String {
    v.map(|x| format_units(x, currency)).unwrap_or_else(|| "—".into())
}

use crate::content::group_digits as count;

#[component]
pub fn PerformancePage(id: i64) -> impl IntoView {
    let data = crate::json_text::resource(move || id, get_dashboard);
    view! {
        <Suspense fallback=|| view! { <p class="page">"Loading the dashboard…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Board d/> }.into_any(),
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        crate::state::set_status(e.code.status());
                        let signin = e.is(ErrorCode::Unauthorized);
                        view! {
                            <section class="page narrow">
                                <h1>{if signin { "Sign in to see this campaign" } else { "Campaign not found" }}</h1>
                                <ErrorNotice error=e/>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn Board(d: Dashboard) -> impl IntoView {
    let campaign_id = d.campaign_id;
    let name = d.campaign_name.clone();
    let dash = RwSignal::new(d);
    let hydrated = RwSignal::new("no");
    Effect::new(move |_| hydrated.set("yes"));
    let live = RwSignal::new("connecting");
    let toast = RwSignal::new(None::<String>);
    // Progress of a large CSV import (anyone's), from the live connection.
    let import_progress = RwSignal::new(None::<(u64, u64)>);
    #[cfg(feature = "hydrate")]
    super::performance_live::follow_dashboard(super::performance_live::Page {
        campaign_id,
        dash,
        toast,
        import_progress,
        live,
    });

    // Each part of the dashboard redraws only when it changed (a live update patches a few of them).
    let part = |f: fn(&Dashboard) -> Vec<Cut>| Memo::new(move |_| dash.with(f));
    let (by_lane, by_partner, by_tier, by_platform, by_creator) = (
        part(|d| d.by_lane.clone()),
        part(|d| d.by_partner.clone()),
        part(|d| d.by_tier.clone()),
        part(|d| d.by_platform.clone()),
        part(|d| d.by_creator.clone()),
    );
    let totals = Memo::new(move |_| dash.with(|d| d.totals));
    let t = move || totals.get();
    let days = Memo::new(move |_| dash.with(|d| d.days.clone()));
    let pacing = Memo::new(move |_| dash.with(|d| d.pacing.clone()));
    let budget = Memo::new(move |_| dash.with(|d| d.budget.clone()));
    let posts = Memo::new(move |_| dash.with(|d| d.posts.clone()));
    let time_zone = Memo::new(move |_| dash.with(|d| d.time_zone.clone()));
    let currency = Memo::new(move |_| dash.with(|d| d.currency.clone()));
    let cur = move || currency.get();
    // No figures at all: say how to get them in instead of drawing empty charts and tables.
    let empty = Memo::new(move |_| dash.with(|d| d.days.is_empty() && d.by_creator.is_empty()));
    let track_open = RwSignal::new(dash.with_untracked(|d| d.posts.is_empty()));
    let entry_open = RwSignal::new(false);
    let selected_post = RwSignal::new(String::new());
    let emv = Memo::new(move |_| dash.with(|d| d.emv_cents));
    view! {
        <section class="page dashboard" data-hydrated=move || hydrated.get() data-live=move || live.get()>
            <h1>"Performance · " {name}</h1>
            <p class="muted">"One shared view: every partner sees these same numbers, live. Days are in " {move || time_zone.get()} "."</p>
            {move || toast.get().map(|t| view! { <div class="toast" role="status" data-testid="toast">{t}</div> })}
            <EscalationFeed dash campaign_id/>
            <div class="kpis" data-testid="kpis">
                <Kpi label="Engagement rate (followers)" key="engagement_rate" value=Signal::derive(move || pct(kpi::er_followers(&t())))/>
                <Kpi label="Engagement rate (reach)" key="engagement_rate_reach" value=Signal::derive(move || pct(kpi::er_reach(&t())))/>
                <Kpi label="CPE" key="cpe" value=Signal::derive(move || { let c = cur(); cost(kpi::cpe(&t(), &c), &c) })/>
                <Kpi label="CPM" key="cpm" value=Signal::derive(move || { let c = cur(); cost(kpi::cpm(&t(), &c), &c) })/>
                <Kpi label="CPC" key="cpc" value=Signal::derive(move || { let c = cur(); cost(kpi::cpc(&t(), &c), &c) })/>
                <Kpi label="Conversion rate" key="conversion_rate" value=Signal::derive(move || pct(kpi::conversion_rate(&t())))/>
                <Kpi label="ROAS" key="roas" value=Signal::derive(move || kpi::roas(&t()).map(|x| format!("{x:.2}×")).unwrap_or_else(|| "—".into()))/>
                <Kpi label="EMV (estimate)" key="emv" value=Signal::derive(move || money(emv.get(), &cur()))/>
            </div>
            {move || if empty.get() {
                view! { <super::performance_track::GetDataIn campaign_id track_open/> }.into_any()
            } else {
                view! {
                    <div class="grid-2">
                        <section class="panel">
                            <h2>"Engagements per day"</h2>
                            {move || days.with(|d| view! { <DailyChart days=d.clone()/> })}
                        </section>
                        <section class="panel">
                            <h2>"Funnel"</h2>
                            {move || view! { <Funnel t=t()/> }}
                        </section>
                    </div>
                    <section class="panel side-by-side">
                        <h2>"Influencer and UGC, side by side"</h2>
                        {move || view! { <LaneComparison cuts=by_lane.get() currency=cur()/> }}
                    </section>
                }.into_any()
            }}
            <div class="grid-2">
                <section class="panel pacing" data-testid="pacing">
                    <h2>"Pacing against the charter's targets"</h2>
                    {move || pacing.with(|pacing| if pacing.is_empty() {
                        view! { <p class="muted">"The charter sets no targets yet."</p> }.into_any()
                    } else {
                        pacing.iter().map(|p| {
                            let ratio = kpi::progress(p.comparison, p.actual, p.target);
                            let state = match p.met { Some(true) => "met", Some(false) => "behind", None => "unknown" };
                            let what = format!("{}{} {} {}", p.lane.map(|l| format!("{}: ", l.label())).unwrap_or_default(), p.label, p.comparison.symbol(), kpi::show_metric(&p.metric, p.target, &cur()));
                            let actual = p.actual.map(|a| kpi::show_metric(&p.metric, a, &cur())).unwrap_or_else(|| "—".into());
                            let verdict = match p.met { Some(true) => "met", Some(false) => "not met", None => "nothing to measure yet" };
                            let label = format!("{what}: {actual}, {verdict}");
                            view! {
                                <div class=format!("pace {state}") data-metric=p.metric.clone()>
                                    <span>{what}</span>
                                    <span class="bar" role="progressbar" aria-label=label aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{ratio:.0}")><span style=format!("width: {ratio:.0}%")></span></span>
                                    <strong>{actual} <span class="verdict">{match p.met { Some(true) => " ✓", Some(false) => " ✗", None => "" }}</span></strong>
                                </div>
                            }
                        }).collect_view().into_any()
                    })}
                </section>
                <section class="panel budget-lines">
                    <h2>"Budget: plan against actual"</h2>
                    {move || budget.with(|budget| budget.iter().map(|b| {
                        let of = |v: i64| if b.budget_cents > 0 { (v as f64 / b.budget_cents as f64 * 100.0).clamp(0.0, 100.0) } else { 0.0 };
                        let code = cur();
                        let plan = if b.budget_cents > 0 { money(b.budget_cents, &code) } else { "no plan set".into() };
                        let share = |v: i64| if b.budget_cents > 0 { format!(" ({:.0} % of {plan})", v as f64 / b.budget_cents as f64 * 100.0) } else { String::new() };
                        let waits = b.committed_missing.as_ref().map(|m| format!("; waits for {m}")).unwrap_or_default();
                        let committed = format!("Committed {}{}{waits}", money(b.committed_cents, &code), share(b.committed_cents));
                        let spent = format!("Spent {}{}", money(b.spent_cents, &code), share(b.spent_cents));
                        let lane = b.lane.label();
                        view! {
                            <div class="budget-line" data-lane=b.lane.as_str()>
                                <strong>{lane} " · plan " {plan.clone()}</strong>
                                <span class="budget-label">{committed.clone()}</span>
                                <span class="bar" role="progressbar" aria-label=format!("{lane} fees committed: {committed}") aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{:.0}", of(b.committed_cents))><span style=format!("width: {:.0}%", of(b.committed_cents))></span></span>
                                <span class="budget-label">{spent.clone()}</span>
                                <span class="bar spent" role="progressbar" aria-label=format!("{lane} spend reported: {spent}") aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{:.0}", of(b.spent_cents))><span style=format!("width: {:.0}%", of(b.spent_cents))></span></span>
                            </div>
                        }
                    }).collect_view())}
                </section>
            </div>
            <Show when=move || !empty.get()>
                <CutTable currency title="By partner" cuts=by_partner.into()/>
                <CutTable currency title="By tier" cuts=by_tier.into()/>
                <CutTable currency title="By platform" cuts=by_platform.into()/>
                <CutTable currency title="By creator" cuts=by_creator.into()/>
            </Show>
            <super::performance_track::TrackPost campaign_id open=track_open selected=selected_post entry_open/>
            <super::performance_track::QuickEntry posts campaign_id post=selected_post open=entry_open track_open currency/>
            <super::performance_import::MetricImportPanel campaign_id=campaign_id progress=import_progress/>
            <p><a class="button" href=format!("/api/v1/campaigns/{campaign_id}/metrics.csv") download="figures.csv">"Export the daily figures (CSV)"</a></p>
        </section>
    }
}

#[component]
fn Kpi(label: &'static str, key: &'static str, value: Signal<String>) -> impl IntoView {
    view! {
        <div class="kpi" data-kpi=key>
            <span class="kpi-label">{label}</span>
            <strong class="kpi-value">{move || value.get()}</strong>
            <details><summary>"Formula"</summary><code>{kpi::formula(key)}</code></details>
        </div>
    }
}

/// Engagements per day, one line per lane, drawn on the server and redrawn live.
#[component]
fn DailyChart(days: Vec<DayPoint>) -> impl IntoView {
    let series = days;
    let mut days: Vec<chrono::NaiveDate> = series.iter().map(|p| p.day).collect();
    days.sort();
    days.dedup();
    if days.is_empty() {
        return view! { <p class="muted">"No daily figures yet."</p> }.into_any();
    }
    let (w, h, pad) = (600.0, 220.0, 30.0);
    let max = series.iter().map(|p| p.totals.engagements()).max().unwrap_or(1).max(1) as f64;
    let x = |i: usize| pad + (w - 2.0 * pad) * if days.len() > 1 { i as f64 / (days.len() - 1) as f64 } else { 0.5 };
    let y = |v: i64| h - pad - (h - 2.0 * pad) * v as f64 / max;
    // Each day's point of a lane: drawn as a dot (so that a single day shows), joined by a line.
    let points = |lane: Lane| {
        days.iter()
            .enumerate()
            .map(|(i, day)| {
                let v = series
                    .iter()
                    .find(|p| p.day == *day && p.lane == lane)
                    .map(|p| p.totals.engagements())
                    .unwrap_or(0);
                (x(i), y(v), *day, v)
            })
            .collect::<Vec<_>>()
    };
    let line =
        |lane: Lane| points(lane).iter().map(|(x, y, _, _)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
    let dots = |lane: Lane| {
        points(lane)
            .into_iter()
            .map(|(x, y, day, v)| {
                let class = format!("dot {}", lane.as_str());
                let tip = format!("{}: {} engagements ({})", crate::dates::day_month(&day), count(v), lane.label());
                view! { <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="4" class=class><title>{tip}</title></circle> }
            })
            .collect_view()
    };
    let first = days.first().map(crate::dates::day_month).unwrap_or_default();
    let last = days.last().map(crate::dates::day_month).unwrap_or_default();
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label="Engagements per day by lane" data-testid="daily-chart">
            <line x1=pad y1=h - pad x2=w - pad y2=h - pad class="axis"/>
            <text x=pad y=h - 8.0 class="tick">{first}</text>
            <text x=w - pad y=h - 8.0 class="tick" text-anchor="end">{last}</text>
            <text x=pad y=pad - 10.0 class="tick">{count(max as i64)}</text>
            <polyline points=line(Lane::Influencer) class="series influencer" fill="none"/>
            <polyline points=line(Lane::Ugc) class="series ugc" fill="none"/>
            {dots(Lane::Influencer)}
            {dots(Lane::Ugc)}
        </svg>
        <p class="legend"><span class="swatch influencer"></span>" Influencer " <span class="swatch ugc"></span>" UGC"</p>
    }
    .into_any()
}

#[component]
fn Funnel(t: Totals) -> impl IntoView {
    let steps = [
        ("Impressions", t.impressions),
        ("Reach", t.reach),
        ("Engagements", t.engagements()),
        ("Clicks", t.clicks),
        ("Conversions", t.conversions),
    ];
    let top = steps[0].1.max(1) as f64;
    view! {
        <ol class="funnel" data-testid="funnel">
            {steps.into_iter().map(|(label, v)| {
                let width = (v as f64 / top * 100.0).clamp(0.5, 100.0);
                view! { <li><span class="funnel-label">{label}</span><span class="funnel-bar" aria-hidden="true" style=format!("width: {width:.1}%")></span><strong>{count(v)}</strong></li> }
            }).collect_view()}
        </ol>
    }
}

#[component]
fn LaneComparison(cuts: Vec<Cut>, currency: String) -> impl IntoView {
    let get = |lane: Lane| cuts.iter().find(|c| c.key == lane.as_str()).map(|c| c.totals).unwrap_or_default();
    let (inf, ugc) = (get(Lane::Influencer), get(Lane::Ugc));
    // (label, influencer, UGC, the two values for bars: bigger is the full width)
    let ratio_row = |l: &'static str, a: Option<f64>, b: Option<f64>, show: fn(Option<f64>) -> String| {
        (l, show(a), show(b), a.unwrap_or(0.0), b.unwrap_or(0.0))
    };
    let count_row = |l: &'static str, a: i64, b: i64| (l, count(a), count(b), a as f64, b as f64);
    let cost_row = |l: &'static str, a: Option<f64>, b: Option<f64>| {
        (l, cost(a, &currency), cost(b, &currency), a.unwrap_or(0.0), b.unwrap_or(0.0))
    };
    let roas_text = |v: Option<f64>| v.map(|x| format!("{x:.2}×")).unwrap_or_else(|| "—".into());
    let rows: Vec<(&str, String, String, f64, f64)> = vec![
        count_row("Impressions", inf.impressions, ugc.impressions),
        count_row("Engagements", inf.engagements(), ugc.engagements()),
        ratio_row("Engagement rate (reach)", kpi::er_reach(&inf), kpi::er_reach(&ugc), pct),
        cost_row("CPE", kpi::cpe(&inf, &currency), kpi::cpe(&ugc, &currency)),
        cost_row("CPM", kpi::cpm(&inf, &currency), kpi::cpm(&ugc, &currency)),
        count_row("Conversions", inf.conversions, ugc.conversions),
        ratio_row("ROAS", kpi::roas(&inf), kpi::roas(&ugc), roas_text),
        (
            ("Spend"),
            money(inf.spend_cents(), &currency),
            money(ugc.spend_cents(), &currency),
            inf.spend_cents() as f64,
            ugc.spend_cents() as f64,
        ),
    ];
    let cell = |text: String, v: f64, max: f64, class: &'static str| {
        let w = if max > 0.0 { (v / max * 100.0).clamp(0.0, 100.0) } else { 0.0 };
        view! { <td><span class=format!("pair-bar {class}") aria-hidden="true" style=format!("width: {w:.0}%")></span>{text}</td> }
    };
    view! {
        <div class="table-wrap">
            <table class="lane-compare" data-testid="lane-compare">
                <thead><tr><th></th><th>"Influencer"</th><th>"UGC"</th></tr></thead>
                <tbody>{rows.into_iter().map(|(l, a, b, va, vb)| {
                    let max = va.max(vb);
                    view! { <tr><th>{l}</th>{cell(a, va, max, "influencer")}{cell(b, vb, max, "ugc")}</tr> }
                }).collect_view()}</tbody>
            </table>
        </div>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum SortBy {
    Label,
    Posts,
    Impressions,
    Engagements,
    ErReach,
    Cpe,
    Spend,
}

/// A cut as a table whose columns sort on click (or Enter on the header button).
#[component]
fn CutTable(title: &'static str, cuts: Signal<Vec<Cut>>, currency: Memo<String>) -> impl IntoView {
    let sort = RwSignal::new((SortBy::Engagements, true));
    let rows = move || {
        let mut v = cuts.get();
        let (by, desc) = sort.get();
        let f = |c: &Cut| -> f64 {
            match by {
                SortBy::Label | SortBy::Posts => c.posts as f64,
                SortBy::Impressions => c.totals.impressions as f64,
                SortBy::Engagements => c.totals.engagements() as f64,
                SortBy::ErReach => kpi::er_reach(&c.totals).unwrap_or(-1.0),
                SortBy::Cpe => kpi::cpe(&c.totals, &currency.get_untracked()).unwrap_or(f64::MAX),
                SortBy::Spend => c.totals.spend_cents() as f64,
            }
        };
        if by == SortBy::Label {
            v.sort_by(|a, b| a.label.cmp(&b.label));
        } else {
            v.sort_by(|a, b| f(a).total_cmp(&f(b)));
        }
        if desc {
            v.reverse();
        }
        v
    };
    let head = move |label: &'static str, by: SortBy| {
        view! {
            <th aria-sort=move || if sort.get().0 == by { if sort.get().1 { "descending" } else { "ascending" } } else { "none" }>
                <button type="button" class="sort" on:click=move |_| sort.update(|s| *s = if s.0 == by { (by, !s.1) } else { (by, true) })>{label}</button>
            </th>
        }
    };
    view! {
        <section class="panel cut" data-cut=title>
            <h2>{title}</h2>
            <div class="table-wrap">
                <table>
                    <thead><tr>
                        {head("Name", SortBy::Label)}{head("Posts", SortBy::Posts)}{head("Impressions", SortBy::Impressions)}
                        {head("Engagements", SortBy::Engagements)}{head("ER (reach)", SortBy::ErReach)}{head("CPE", SortBy::Cpe)}{head("Spend", SortBy::Spend)}
                    </tr></thead>
                    <tbody>
                        {move || rows().into_iter().map(|c| view! {
                            <tr>
                                <td>{c.color.clone().map(|col| view! { <span class="swatch" style=format!("background: {col}")></span> })}{c.label.clone()}</td>
                                <td>{count(c.posts)}</td><td>{count(c.totals.impressions)}</td><td>{count(c.totals.engagements())}</td>
                                <td>{pct(kpi::er_reach(&c.totals))}</td><td>{let k = currency.get(); cost(kpi::cpe(&c.totals, &k), &k)}</td><td>{money(c.totals.spend_cents(), &currency.get())}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {move || cuts.with(|c| c.is_empty()).then(|| view! { <p class="muted">"Nothing in this cut yet."</p> })}
        </section>
    }
}

#[component]
fn EscalationFeed(dash: RwSignal<Dashboard>, campaign_id: i64) -> impl IntoView {
    let open = Memo::new(move |_| {
        dash.with(|d| d.escalations.iter().filter(|e| e.status != "resolved").cloned().collect::<Vec<_>>())
    });
    let open = move || open.get();
    view! {
        <section class="panel escalations" aria-label="Escalations" data-testid="escalation-feed">
            <h2>"Escalations " <span class="count">{move || open().len()}</span></h2>
            {move || open().is_empty().then(|| view! { <p class="muted">"Nothing escalated."</p> })}
            <ul>
                {move || open().into_iter().map(|e| {
                    let (id, version) = (e.id, e.version);
                    let set = move |status: &'static str| {
                        spawn_local(async move {
                            let input = UpdateEscalation { status: status.into(), note: String::new(), version };
                            let _ = super::content::update_escalation(campaign_id, id, input).await;
                        });
                    };
                    view! {
                        <li class=format!("escalation {}", e.status) data-testid="escalation" data-kind=e.kind.clone()>
                            <p><strong>{e.title.clone()}</strong></p>
                            <p class="muted">{e.detail.clone()}</p>
                            <p>"Assigned to " <strong>{e.assignee.clone()}</strong> " · " {e.status.clone()}</p>
                            <div class="row">
                                {(e.status == "open").then(|| view! { <button type="button" class="button small" on:click=move |_| set("acknowledged")>"Acknowledge"</button> })}
                                <button type="button" class="button small" on:click=move |_| set("resolved")>"Resolve"</button>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
