//! Your organization's working style (partner fit), on the organization page: rendered on the server, saved by a
//! plain form (`/settings/organization/profile`, which comes back here with `?saved` or `?error=…&field=…`).
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::fit::OrgProfile;

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_own_profile")]
pub async fn get_own_profile() -> Result<OrgProfile, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::fit::ssr::get_own_profile(&state.db, &who).await
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_own_profile_history")]
pub async fn get_own_profile_history() -> Result<Vec<crate::fit::ProfileVersion>, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let org = who.member_org()?.id;
    crate::fit::ssr::profile_history(&state.db, &who, org).await
}

#[component]
pub fn WorkingStyleForm() -> impl IntoView {
    let data = crate::json_text::resource(|| (), |_| get_own_profile());
    let history = crate::json_text::resource(|| (), |_| get_own_profile_history());
    let error = super::query_error();
    let saved = use_query_map().read_untracked().get("saved").is_some();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(p) => {
                            let zone = if p.style.time_zone.is_empty() { "UTC".to_string() } else { p.style.time_zone.clone() };
                            let org = p.org.name.clone();
                            let org_id = p.org.id;
                            let versions = history.await.unwrap_or_default();
                            view! {
                                <StyleForm p error saved/>
                                {(!versions.is_empty()).then(|| view! {
                                    <section class="page narrow"><super::fit::History org org_id history=versions zone/></section>
                                })}
                            }.into_any()
                        }
                        // Creators and signed-out visitors: the organization page above says why.
                        Err(_) => ().into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn StyleForm(p: OrgProfile, error: Option<AppError>, saved: bool) -> impl IntoView {
    let s = p.style;
    let status = match p.saved_at {
        Some(at) => {
            format!("Version {}, saved {}. Partners of your campaigns see it.", p.version, crate::dates::iso_day(&at))
        }
        None => "Not stated yet: the values below are suggestions. Partners of your campaigns will see what you save."
            .into(),
    };
    let number = |name: &'static str, label: &'static str, value: i64, min: i64, max: i64| {
        view! {
            <label>{label}
                <input type="number" name=name value=value.to_string() min=min.to_string() max=max.to_string() required/>
            </label>
        }
    };
    let text = |name: &'static str, label: &'static str, value: String, placeholder: &'static str| {
        view! { <label>{label}<input name=name value=value maxlength="200" placeholder=placeholder/></label> }
    };
    view! {
        <section class="page narrow" id="working-style">
            <h2>"Working style"</h2>
            <p class="muted" data-testid="profile-status">{status}</p>
            {saved.then(|| view! { <p class="notice success" role="status">"Saved."</p> })}
            {error.map(|e| view! { <ErrorNotice error=e/> })}
            <form method="post" action="/settings/organization/profile" class="stack" data-testid="profile-form">
                <input type="hidden" name="version" value=p.version.to_string()/>
                {number("review_hours", "We review drafts within (hours)", s.review_hours, 1, 720)}
                {number("reply_hours", "We answer creators within (hours)", s.reply_hours, 1, 720)}
                {number("approval_steps", "Approval steps before a decision is final", s.approval_steps, 1, 20)}
                {text("signer", "Who signs for us", s.signer, "Managing director")}
                {text("time_zone", "Time zone (empty: the campaign's)", s.time_zone, "Europe/Berlin")}
                <div class="row">
                    <label>"Working day starts"<input type="time" name="work_start" value=s.work_start required/></label>
                    <label>"and ends"<input type="time" name="work_end" value=s.work_end required/></label>
                </div>
                {text("work_days", "Working days", s.work_days, "Mon-Fri")}
                <label class="radio">
                    <input type="checkbox" name="measure_working_hours" value="on" checked=s.measure_working_hours/>
                    " Measure our observed times in working hours"
                </label>
                {number("team_size", "Team size", s.team_size, 0, 1_000_000)}
                {number("campaigns_per_quarter", "Campaigns per quarter", s.campaigns_per_quarter, 0, 10_000)}
                {text("markets", "Markets", s.markets, "US, CA")}
                {text("languages", "Languages", s.languages, "English, Spanish")}
                {text("reporting_cadence", "Reporting cadence", s.reporting_cadence, "Weekly")}
                {text("tools", "Tools", s.tools, "Airtable, Slack")}
                <button type="submit" class="button primary">"Save working style"</button>
            </form>
        </section>
    }
}
