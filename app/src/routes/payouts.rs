//! The payout ledger of a campaign (`/campaigns/:id/payouts`, for its partners) and a creator's payouts across
//! campaigns (`/portal/payouts`). Rendered on the server only (no island): every change is a plain form.
use leptos::prelude::*;

use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::money::{CreatorPayouts, Ledger, PayoutLine, PayoutState, CURRENCIES};

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_payout_ledger")]
pub async fn get_payout_ledger(campaign_id: i64) -> Result<Ledger, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::money::ssr::ledger(&state.db, &who, campaign_id).await
}

/// The ledger and the event sequence number it is as of (the page follows the campaign live from there).
async fn ledger_and_head(campaign_id: i64) -> Result<(Ledger, i64), AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let ledger = crate::money::ssr::ledger(&state.db, &who, campaign_id).await?;
    let head = crate::realtime::log::head(&state.db.pool, campaign_id).await?.unwrap_or(0);
    Ok((ledger, head))
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_my_payouts")]
pub async fn get_my_payouts() -> Result<CreatorPayouts, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::money::ssr::creator_payouts(&state.db, &who).await
}

/// `/campaigns/:id/payouts`: who owes which creator what, by when, in which currency.
#[component]
pub fn PayoutsPage(id: i64) -> impl IntoView {
    let data = crate::json_text::resource(move || id, ledger_and_head);
    let error = super::query_error();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok((v, head)) => view! { <LedgerView v head error/> }.into_any(),
                        Err(e) => super::refused_page(e, "Campaign not found"),
                    }
                })
            }}
        </Suspense>
    }
}

fn state_class(l: &PayoutLine) -> &'static str {
    if l.overdue {
        "payout overdue"
    } else {
        match l.state {
            PayoutState::Paid => "payout paid",
            PayoutState::Disputed => "payout disputed",
            _ => "payout",
        }
    }
}

#[component]
fn LedgerView(v: Ledger, head: i64, error: Option<AppError>) -> impl IntoView {
    let id = v.campaign_id;
    let currency = v.currency.clone();
    let owed_originals = v.owed_by_currency.iter().map(|m| m.label()).collect::<Vec<_>>().join(" + ");
    view! {
        <section class="page payouts" data-testid="payouts" data-live-page="" data-campaign=id data-head=head>
            <h1>"Payouts — " {v.campaign_name.clone()}</h1>
            <p class="muted">
                "Reported in " <strong data-testid="campaign-currency">{currency.clone()}</strong>
                ". Net " {v.terms_days} " days from approval; due dates are days in " {v.time_zone.clone()} "."
            </p>
            {error.map(|e| view! { <ErrorNotice error=e/> })}
            <div class="panel totals" data-testid="payout-totals">
                <p>"Owed: " <strong data-testid="owed-total">{v.owed.label.clone()}</strong>
                    {(!owed_originals.is_empty()).then(|| format!(" (originals: {owed_originals})"))}</p>
                <p>"Paid: " <strong data-testid="paid-total">{v.paid.label.clone()}</strong></p>
                {(!v.owed.missing.is_empty()).then(|| view! {
                    <p class="notice" data-testid="missing-rates">
                        "The total in " {currency.clone()} " waits for: " {v.owed.missing.join("; ")} ". Enter the rate below."
                    </p>
                })}
                <p>
                    <a href=format!("/api/v1/campaigns/{id}/payouts.csv") download="">"Download the ledger (CSV)"</a>
                </p>
            </div>
            <h2>"Ledger"</h2>
            {if v.lines.is_empty() {
                view! { <p class="muted" data-testid="no-payouts">"No payouts yet: a line appears when a deliverable is approved."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="ledger">
                            <thead><tr>
                                <th scope="col">"Creator"</th><th scope="col">"Deliverable"</th><th scope="col">"Amount"</th>
                                <th scope="col">{format!("In {currency}")}</th><th scope="col">"Payer"</th><th scope="col">"Due"</th>
                                <th scope="col">"State"</th><th scope="col">"Change"</th>
                            </tr></thead>
                            <tbody>{v.lines.into_iter().map(|l| view! { <Line l id/> }).collect_view()}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <Budget v_budget=v.budget.clone() currency=currency.clone() id/>
            <form method="post" action=format!("/campaigns/{id}/payouts/shares") class="row wrap" data-testid="share-form">
                <input type="hidden" name="currency" value=currency.clone()/>
                <label>"Lane" <select name="lane"><option value="influencer">"Influencer"</option><option value="ugc">"UGC"</option></select></label>
                <label>"Partner" <select name="org_id">{v.partners.iter().map(|p| view! { <option value=p.id.to_string()>{p.name.clone()}</option> }).collect_view()}</select></label>
                <label>{format!("Share of the lane's budget ({currency})")} <input name="share" inputmode="decimal" maxlength="30" required/></label>
                <button type="submit" class="button secondary">"Set share"</button>
            </form>
            <CreatorCurrencies creators=v.creators.clone() currency=currency.clone() id/>
            <h2>"Exchange rates"</h2>
            <p class="muted">"One unit of the first currency buys the rate in the second, from the day given on. Each amount is converted with the rate in force on its day; a missing rate is never taken as 1:1."</p>
            {if v.rates.is_empty() {
                view! { <p class="muted" data-testid="no-rates">"No rates yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll"><table class="rates" data-testid="rates">
                        <thead><tr><th scope="col">"Pair"</th><th scope="col">"From"</th><th scope="col">"Rate"</th><th scope="col">"Entered by"</th></tr></thead>
                        <tbody>{v.rates.into_iter().map(|r| view! {
                            <tr><td>{format!("{} → {}", r.base, r.quote)}</td><td>{r.day.to_string()}</td><td>{r.rate.clone()}</td>
                                <td>{format!("{} on {}", r.entered_by, crate::dates::iso_day(&r.entered_at))}</td></tr>
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any()
            }}
            <form method="post" action=format!("/campaigns/{id}/payouts/rates") class="row wrap" data-testid="rate-form">
                <label>"From" <CurrencySelect name="base" selected="EUR".to_string()/></label>
                <label>"To" <CurrencySelect name="quote" selected=currency.clone()/></label>
                <label>"From day" <input type="date" name="day" required/></label>
                <label>"Rate" <input name="rate" inputmode="decimal" maxlength="20" placeholder="1.08" required/></label>
                <button type="submit" class="button">"Add rate"</button>
            </form>
            <form method="post" action=format!("/campaigns/{id}/payouts/rates/import") class="stack">
                <label>"Or paste a CSV of rates (columns base, quote, day, rate)"
                    <textarea name="csv" rows="3" maxlength="200000" placeholder="base,quote,day,rate\nEUR,USD,2027-03-01,1.08"></textarea>
                </label>
                <button type="submit" class="button secondary">"Import rates"</button>
            </form>
            <h2>"Settings"</h2>
            <form method="post" action=format!("/campaigns/{id}/payouts/terms") class="row wrap">
                <label>"Payout terms: net " <input type="number" name="terms_days" min="0" max="365" value=v.terms_days.to_string() required/> " days"</label>
                <button type="submit" class="button secondary">"Save terms"</button>
            </form>
            {if v.may_set_currency {
                view! {
                    <form method="post" action=format!("/campaigns/{id}/payouts/currency") class="row wrap" data-testid="currency-form">
                        <label>"Reporting currency" <CurrencySelect name="currency" selected=currency.clone()/></label>
                        <button type="submit" class="button secondary">"Set currency"</button>
                    </form>
                }.into_any()
            } else {
                view! { <p class="muted">"The reporting currency is fixed once an amount is entered (set by the campaign's accountable owner before that)."</p> }.into_any()
            }}
        </section>
        <script src="/live-page.js" defer></script>
    }
}

/// The currency agreed with each creator: a fee given when briefing her is in it (fees already entered keep
/// theirs); her portal shows it.
#[component]
fn CreatorCurrencies(creators: Vec<crate::money::AgreedCurrency>, currency: String, id: i64) -> impl IntoView {
    view! {
        <h2 id="creator-currencies">"Creators' currencies"</h2>
        {if creators.is_empty() {
            view! { <p class="muted">"No creators in the pool yet."</p> }.into_any()
        } else {
            view! {
                <p class="muted">"A fee given when briefing a creator is in the currency agreed with her; fees already entered keep theirs."</p>
                <ul class="creator-currencies" data-testid="creator-currencies">
                    {creators.into_iter().map(|c| {
                        let selected = c.agreed.clone().unwrap_or_default();
                        view! {
                            <li id=format!("creator-{}", c.creator_id)>
                                <form method="post" action=format!("/campaigns/{id}/payouts/creators/{}/currency", c.creator_id) class="row wrap" data-testid="creator-currency-form">
                                    <label>{c.creator_name.clone()} " is paid in "
                                        <select name="currency">
                                            <option value="" selected=selected.is_empty()>{format!("the campaign's currency ({currency})")}</option>
                                            {CURRENCIES.iter().map(|k| view! {
                                                <option value=k.code selected=k.code == selected>{format!("{} — {}", k.code, k.name)}</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <button type="submit" class="button small secondary">"Save"</button>
                                </form>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

#[component]
fn CurrencySelect(name: &'static str, selected: String) -> impl IntoView {
    view! {
        <select name=name>
            {CURRENCIES.iter().map(|c| view! {
                <option value=c.code selected=c.code == selected>{format!("{} — {}", c.code, c.name)}</option>
            }).collect_view()}
        </select>
    }
}

#[component]
fn Line(l: PayoutLine, id: i64) -> impl IntoView {
    let pid = l.id;
    let next: Vec<PayoutState> = l.state.next().to_vec();
    let state_text = if l.overdue { format!("{} · overdue", l.state.label()) } else { l.state.label().to_string() };
    let detail = match l.state {
        PayoutState::Paid => format!(
            "on {} · ref {}{}",
            l.paid_on.map(|d| d.to_string()).unwrap_or_default(),
            l.reference,
            l.recorded_by.as_ref().map(|r| format!(" · recorded by {r}")).unwrap_or_default()
        ),
        _ if !l.note.is_empty() => l.note.clone(),
        _ => String::new(),
    };
    view! {
        <tr class=state_class(&l) data-testid="payout-line" data-state=l.state.key() id=format!("payout-{pid}")>
            <td>{l.creator_name.clone()}</td>
            <td>{l.deliverable_title.clone()}</td>
            <td data-testid="payout-amount">{l.amount.label()}</td>
            <td data-testid="payout-converted">{l.converted.label.clone()}</td>
            <td>{l.payer.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "—".into())}</td>
            <td>{l.due_label.clone()}</td>
            <td><strong>{state_text}</strong>{(!detail.is_empty()).then(|| view! { <br/><span class="muted">{detail}</span> })}</td>
            <td>
                {next.into_iter().map(|s| view! {
                    <form method="post" action=format!("/campaigns/{id}/payouts/{pid}/state") class="row wrap compact">
                        <input type="hidden" name="state" value=s.key()/>
                        <input type="hidden" name="version" value=l.version.to_string()/>
                        {match s {
                            PayoutState::Paid => view! {
                                <label>"Paid on" <input type="date" name="paid_on"/></label>
                                <label>"Reference" <input name="reference" maxlength="200" required/></label>
                            }.into_any(),
                            PayoutState::Disputed => view! {
                                <label>"What is wrong" <input name="note" maxlength="5000" required/></label>
                            }.into_any(),
                            _ => ().into_any(),
                        }}
                        <button type="submit" class="button small">{match s {
                            PayoutState::Approved => "Approve for payment",
                            PayoutState::Paid => "Record payment",
                            PayoutState::Disputed => "Dispute",
                            PayoutState::Scheduled => "Back to scheduled",
                        }}</button>
                    </form>
                }).collect_view()}
            </td>
        </tr>
    }
}

#[component]
fn Budget(v_budget: Vec<crate::money::BudgetShareLine>, currency: String, id: i64) -> impl IntoView {
    (!v_budget.is_empty()).then(|| {
        view! {
            <h2>"Budget shares per partner"</h2>
            <div class="table-scroll"><table class="budget-shares" data-testid="budget-shares">
                <thead><tr><th scope="col">"Lane"</th><th scope="col">"Partner"</th><th scope="col">{format!("Share ({currency})")}</th><th scope="col">"Fees committed"</th><th scope="col">"Change"</th></tr></thead>
                <tbody>{v_budget.into_iter().map(|b| view! {
                    <tr class:over=b.over>
                        <td>{b.lane.label()}</td><td>{b.org.name.clone()}</td><td>{b.share.label()}</td>
                        <td>{b.committed.label.clone()}{b.over.then(|| view! { <strong class="danger">" · over its share"</strong> })}</td>
                        <td><form method="post" action=format!("/campaigns/{id}/payouts/shares") class="row compact">
                            <input type="hidden" name="currency" value=b.share.currency.clone()/>
                            <input type="hidden" name="lane" value=b.lane.as_str()/>
                            <input type="hidden" name="org_id" value=b.org.id.to_string()/>
                            <input type="hidden" name="version" value=b.version.to_string()/>
                            <label>"New share" <input name="share" inputmode="decimal" maxlength="30" required/></label>
                            <button type="submit" class="button small">"Save"</button>
                        </form></td>
                    </tr>
                }).collect_view()}</tbody>
            </table></div>
        }
    })
}

/// The payouts in the campaign's currency, with the originals beside, under the dashboard: what is owed to
/// creators and what was paid (a missing rate blocks the total and is named). Renders nothing for anyone who may
/// not see the ledger (the dashboard above says why).
#[component]
pub fn MoneyPanel(id: i64) -> impl IntoView {
    let data = crate::json_text::resource(move || id, get_payout_ledger);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let Ok(v) = data.await else { return ().into_any() };
                let originals = v.owed_by_currency.iter().map(|m| m.label()).collect::<Vec<_>>().join(" + ");
                let overdue = v.lines.iter().filter(|l| l.overdue).count();
                view! {
                    <section class="page money-panel" data-testid="money-panel" aria-labelledby="money-panel-title">
                        <div class="panel">
                            <h2 id="money-panel-title">{format!("Payouts ({})", v.currency)}</h2>
                            <p>"Owed to creators: " <strong>{v.owed.label.clone()}</strong>
                                {(!originals.is_empty()).then(|| format!(" (originals: {originals})"))}</p>
                            <p>"Paid: " <strong>{v.paid.label.clone()}</strong></p>
                            {(overdue > 0).then(|| view! { <p class="danger">{format!("{overdue} overdue")}</p> })}
                            <ul>{v.lines.iter().filter(|l| l.state.owed()).take(10).map(|l| view! {
                                <li>{format!("{} · {} · {} · {}", l.creator_name, l.converted.label, l.state.label(), l.due_label)}</li>
                            }).collect_view()}</ul>
                            <p><a href=format!("/campaigns/{id}/payouts")>"Open the payout ledger"</a></p>
                        </div>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

async fn cpm_assumptions(id: i64) -> Result<(String, Vec<(String, i64)>), AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::metrics::ssr::cpm_assumptions(&state.db, &who, id).await
}

/// Under the dashboard: the CPM per platform that earned media value is estimated with, in the campaign's currency,
/// as plain forms (posted to `/campaigns/{id}/cpm/{platform}`; a refusal comes back in `?cpm_error=`). A change
/// reaches every open dashboard live. Rendered on the server: the dashboard's bundle does not carry it.
#[component]
pub fn CpmPanel(id: i64) -> impl IntoView {
    let data = crate::json_text::resource(move || id, cpm_assumptions);
    let error = leptos_router::hooks::use_query_map().read_untracked().get("cpm_error").unwrap_or_default();
    view! {
        <Suspense fallback=|| ()>
            {move || { let error = error.clone(); Suspend::new(async move {
                let Ok((currency, cpm)) = data.await else { return ().into_any() };
                view! {
                    <section class="page" id="cpm">
                        <details class="panel cpm" open=!error.is_empty()>
                            <summary><h2>"Earned media value: CPM per platform"</h2></summary>
                            <p class="muted">"EMV is an estimate: impressions / 1,000 × the platform's CPM below. Change a CPM and every partner's dashboard updates."</p>
                            {(!error.is_empty()).then(|| view! { <p class="error" role="alert" data-testid="cpm-error">{error.clone()}</p> })}
                            {cpm.into_iter().map(|(platform, minor)| view! {
                                <form class="row" method="post" action=format!("/campaigns/{id}/cpm/{platform}")>
                                    <label>{format!("{platform} CPM ({currency})")}
                                        <input name="cpm" inputmode="decimal" required maxlength="24" value=crate::money::plain_minor(minor, &currency)/>
                                    </label>
                                    <button type="submit" class="button small">"Save"</button>
                                </form>
                            }).collect_view()}
                        </details>
                    </section>
                }.into_any()
            })}}
        </Suspense>
    }
}

/// `/portal/payouts`: a creator's payouts across every partner and campaign, with what is still owed to her.
#[component]
pub fn MyPayoutsPage() -> impl IntoView {
    let data = crate::json_text::resource(|| (), |_| get_my_payouts());
    view! {
        <Suspense fallback=|| view! { <p class="page">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! { <MyPayouts v/> }.into_any(),
                    Err(e) => super::refused_page(e, "Not found"),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MyPayouts(v: CreatorPayouts) -> impl IntoView {
    let owed = if v.owed.is_empty() {
        "nothing".to_string()
    } else {
        v.owed.iter().map(|m| m.label()).collect::<Vec<_>>().join(" + ")
    };
    view! {
        <section class="page narrow portal" data-testid="my-payouts">
            <p><a href="/portal">"← Your campaigns"</a></p>
            <h1>"Your payouts"</h1>
            <p class="panel">"Owed to you: " <strong data-testid="owed-to-me">{owed}</strong></p>
            <ul class="muted" data-testid="my-currencies">
                {v.currencies.iter().map(|c| view! {
                    <li>{match &c.agreed {
                        Some(code) => format!("{}: paid in {code}, as agreed with you", c.campaign_name),
                        None => format!("{}: paid in the campaign's currency, {}", c.campaign_name, c.currency),
                    }}</li>
                }).collect_view()}
            </ul>
            {v.lines.is_empty().then(|| view! { <p class="muted">"No payouts yet: a payout is scheduled when a partner approves your content."</p> })}
            <ul class="my-payouts">
                {v.lines.into_iter().map(|l| {
                    let paid = l.paid_on.map(|d| format!("Paid on {} · ref {}", crate::money::day_label(d), l.reference));
                    view! {
                        <li class=format!("panel {}", state_class(&l)) data-testid="my-payout" data-state=l.state.key()>
                            <p class="amount"><strong data-testid="my-payout-amount">{l.amount.label()}</strong> " " <span class="muted">{l.amount.currency.clone()}</span></p>
                            <p>{l.deliverable_title.clone()} " · " {l.campaign_name.clone()}</p>
                            <p>"Paid by " {l.payer.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "—".into())}</p>
                            <p data-testid="my-payout-due">{l.due_label.clone()}</p>
                            <p>"State: " <strong>{l.state.label()}</strong>{l.overdue.then_some(" · overdue")}</p>
                            {paid.map(|p| view! { <p class="muted">{p}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p><a href="/api/v1/portal/payouts.csv" download="">"Download (CSV)"</a></p>
        </section>
    }
}
