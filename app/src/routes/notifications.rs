//! The notification settings page (`/settings/notifications`) and the password reset pages (`/forgot-password`,
//! `/reset-password/:token`): rendered on the server, plain forms (no island), each posting to a handler that comes
//! back here with `?saved`, `?sent` or `?error=…&field=…`.
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::query_error;
use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::notify::{Delivery, Preferences};

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "notification_preferences")]
pub async fn load_preferences() -> Result<Preferences, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let creator = who.me.role == crate::accounts::Role::Creator;
    crate::notify::ssr::preferences(&state.db, who.me.user_id, creator, state.mail_configured).await
}

#[component]
pub fn NotificationSettingsPage() -> impl IntoView {
    let data = crate::json_text::resource(|| (), |_| load_preferences());
    let error = query_error();
    let saved = use_query_map().read_untracked().get("saved").is_some();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(p) => view! { <PreferencesForm p error saved/> }.into_any(),
                        Err(e) => view! { <section class="page narrow"><ErrorNotice error=e/><p><a href="/signin?next=/settings/notifications">"Sign in"</a></p></section> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn hour_options(selected: Option<i64>, allow_none: bool) -> impl IntoView {
    let none = allow_none.then(|| view! { <option value="" selected={selected.is_none()}>"—"</option> });
    view! {
        {none}
        {(0..24).map(|h| view! { <option value=h.to_string() selected={selected == Some(h)}>{format!("{h:02}:00")}</option> }).collect_view()}
    }
}

#[component]
fn PreferencesForm(p: Preferences, error: Option<AppError>, saved: bool) -> impl IntoView {
    let choice = |d: Delivery, current: Delivery, label: &'static str| {
        view! { <option value=d.as_str() selected={d == current}>{label}</option> }
    };
    view! {
        <section class="page narrow" data-testid="notification-settings">
            <h1>"Notifications"</h1>
            <p class="muted">
                "Everything that concerns you is in your inbox on the home page. Choose what also comes by mail: at once, in one daily digest, or not at all."
                {(!p.mail_configured).then_some(" This server sends no mail yet: your choices apply once it does.")}
            </p>
            {saved.then(|| view! { <p class="notice success" role="status">"Saved."</p> })}
            {error.map(|e| view! { <ErrorNotice error=e/> })}
            <form method="post" action="/settings/notifications/save" class="stack" data-testid="preferences-form">
                <input type="hidden" name="version" value=p.version.to_string()/>
                <fieldset class="stack">
                    <legend>"By mail"</legend>
                    {p.kinds.iter().map(|k| {
                        let name = format!("kind_{}", k.kind.as_str());
                        view! {
                            <label>{k.kind.label()}
                                <select name=name.clone() data-kind=k.kind.as_str()>
                                    {choice(Delivery::Immediately, k.delivery, "At once")}
                                    {choice(Delivery::Digest, k.delivery, "In the daily digest")}
                                    {choice(Delivery::Off, k.delivery, "Off (inbox only)")}
                                </select>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <label>"Your time zone" <input name="time_zone" value=p.time_zone.clone() maxlength="64" required placeholder="Europe/Berlin"/></label>
                <div class="row">
                    <label>"Quiet from" <select name="quiet_start">{hour_options(p.quiet_start, true)}</select></label>
                    <label>"until" <select name="quiet_end">{hour_options(p.quiet_end, true)}</select></label>
                </div>
                <p class="muted">"During quiet hours, mail that would come at once waits until they end."</p>
                <label>"Daily digest at" <select name="digest_hour">{hour_options(Some(p.digest_hour), false)}</select></label>
                <button type="submit" class="button primary">"Save"</button>
            </form>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let sent = use_query_map().read_untracked().get("sent").is_some();
    view! {
        <section class="page narrow">
            <h1>"Forgot your password?"</h1>
            {sent.then(|| view! { <p class="notice success" role="status" data-testid="reset-sent">"If this email has an account, a link to set a new password is on its way. It works once, for an hour."</p> })}
            {query_error().map(|e| view! { <ErrorNotice error=e/> })}
            <form method="post" action="/auth/forgot" class="stack">
                <label>"Email" <input type="email" name="email" autocomplete="username" required maxlength="254"/></label>
                <button type="submit" class="button primary">"Mail me a link"</button>
            </form>
            <p class="muted"><a href="/signin">"Back to sign in"</a></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_params_map().read_untracked().get("token").unwrap_or_default();
    view! {
        <section class="page narrow">
            <h1>"Set a new password"</h1>
            <p class="muted">"Setting it signs you out on every other device."</p>
            {query_error().map(|e| view! { <ErrorNotice error=e/> })}
            <form method="post" action="/auth/reset" class="stack">
                <input type="hidden" name="token" value=token/>
                <label>"New password (8 characters or more)" <input type="password" name="password" autocomplete="new-password" minlength="8" maxlength="1000" required/></label>
                <button type="submit" class="button primary">"Set password and sign in"</button>
            </form>
        </section>
    }
}
