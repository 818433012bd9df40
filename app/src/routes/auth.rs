//! Sign in and sign up. Plain forms that post to the server, so they work before the app has loaded.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::query_error;
use crate::components::ErrorNotice;

fn query(name: &'static str) -> String {
    use_query_map().read_untracked().get(name).unwrap_or_default()
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let next = query("next");
    let signup_href = if next.is_empty() { "/signup".to_string() } else { format!("/signup?next={next}") };
    view! {
        <section class="page narrow">
            <h1>"Sign in"</h1>
            {query_error().map(|e| view! { <ErrorNotice error=e/> })}
            <form method="post" action="/auth/signin" class="stack">
                <input type="hidden" name="next" value=next/>
                <label>"Email" <input type="email" name="email" autocomplete="username" required value=query("email")/></label>
                <label>"Password" <input type="password" name="password" autocomplete="current-password" required/></label>
                <button type="submit" class="button primary">"Sign in"</button>
            </form>
            <p class="muted"><a href="/forgot-password">"Forgot your password?"</a></p>
            <p class="muted">"New to Chorus? " <a href=signup_href>"Create your organization"</a></p>
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let next = query("next");
    view! {
        <section class="page narrow">
            <h1>"Create your organization"</h1>
            <p class="muted">"A brand or an agency. You can then start a campaign or join one you were invited to."</p>
            {query_error().map(|e| view! { <ErrorNotice error=e/> })}
            <form method="post" action="/auth/signup" class="stack">
                <input type="hidden" name="next" value=next/>
                <label>"Your name" <input name="name" autocomplete="name" required value=query("name")/></label>
                <label>"Email" <input type="email" name="email" autocomplete="username" required value=query("email")/></label>
                <label>"Password (8 characters or more)" <input type="password" name="password" autocomplete="new-password" minlength="8" required/></label>
                <label>"Organization" <input name="org_name" required value=query("org_name")/></label>
                <fieldset class="row">
                    <legend>"It is a"</legend>
                    <label class="radio"><input type="radio" name="org_kind" value="brand"/>" brand"</label>
                    <label class="radio"><input type="radio" name="org_kind" value="agency" checked/>" agency"</label>
                </fieldset>
                <button type="submit" class="button primary">"Create account"</button>
            </form>
        </section>
    }
}
