//! Pieces shared by several pages.
pub mod nav;
pub mod pwa;

use leptos::prelude::*;

use crate::accounts::OrgRef;
use crate::error::AppError;

/// A fresh idempotency key for one user action (its retries reuse it). Only the browser makes them.
pub fn new_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        format!("{:x}{:x}", (js_sys::Math::random() * 1e15) as u64, js_sys::Date::now() as u64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

/// A partner's name on its colour, used wherever ownership is shown.
#[component]
pub fn PartnerChip(org: OrgRef) -> impl IntoView {
    let style = format!("--partner: {}", org.color);
    view! { <span class="chip partner" style=style title=org.kind.as_str()>{org.name}</span> }
}

/// An error as a person should see it.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    view! {
        <div class="notice error" role="alert" data-code=format!("{:?}", error.code)>
            <strong>{error.message.clone()}</strong>
            {error.field.map(|f| view! { <span class="field">" (" {f} ")"</span> })}
        </div>
    }
}
