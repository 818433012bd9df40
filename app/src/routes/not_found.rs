//! The page for anything that is not there (or not yours to see).
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::state::set_status(404);
    view! {
        <section class="page narrow">
            <h1>"Not found"</h1>
            <p>"There is nothing here, or it is not shared with your organization."</p>
            <p><a href="/">"Back to your campaigns"</a></p>
        </section>
    }
}
