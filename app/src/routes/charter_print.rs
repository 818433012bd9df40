//! The signed charter as a one-page printout (the browser's "print to PDF" gives the PDF).
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::charter::get_charter;
use crate::charter::{markdown, Section};

#[component]
pub fn CharterPrintPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let data = crate::json_text::resource(id, get_charter);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => {
                        let (doc, label, signatures) = match &v.current {
                            Some(c) => (c.doc.clone(), format!("Version {} · proposed by {} on {}", c.number, c.proposed_by, crate::dates::in_zone(&c.proposed_at, &v.time_zone)), c.signatures.clone()),
                            None => (v.draft.clone(), "Draft, not yet proposed for sign-off".to_string(), Vec::new()),
                        };
                        let roster = v.roster.clone();
                        view! {
                            <article class="print-page" data-testid="print">
                                <p class="no-print"><a href=format!("/campaigns/{}/charter", v.campaign_id)>"← Back to the charter"</a>
                                    " " <button class="button small" onclick="window.print()">"Print or save as PDF"</button></p>
                                <h1>"Joint strategy charter — " {v.campaign_name.clone()}</h1>
                                <p class="muted">{label}</p>
                                <div class="print-grid">
                                    {Section::ALL.into_iter().map(|s| view! {
                                        <section class="print-section">
                                            <h2>{s.title()}</h2>
                                            <div class="md" inner_html=markdown::to_html(&markdown::section(&doc, s, &roster))></div>
                                        </section>
                                    }).collect_view()}
                                </div>
                                <footer class="signatures-print">
                                    <h2>"Signatures"</h2>
                                    {if signatures.is_empty() {
                                        view! { <p>"Not signed yet."</p> }.into_any()
                                    } else {
                                        view! { <ul>{signatures.into_iter().map(|s| view! {
                                            <li>{format!("{} — signed by {} on {}", s.org.name, s.user_name, crate::dates::in_zone(&s.signed_at, &v.time_zone))}</li>
                                        }).collect_view()}</ul> }.into_any()
                                    }}
                                </footer>
                            </article>
                        }.into_any()
                    }
                    Err(e) => super::refused_page(e, "Campaign not found"),
                }
            })}
        </Suspense>
    }
}
