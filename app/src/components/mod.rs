//! Pieces shared by several pages.
pub mod nav;

use leptos::prelude::*;

use crate::accounts::OrgRef;
use crate::error::AppError;

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
