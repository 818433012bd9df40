//! One module per page.
pub mod auth;
pub mod board;
pub mod charter;
pub mod charter_print;
pub mod content;
pub mod fit;
pub mod home;
pub mod inbox;
pub mod invitations;
pub mod invite;
pub mod join;
pub mod not_found;
pub mod notifications;
pub mod organization;
#[cfg(feature = "ssr")]
pub mod payouts;
pub mod performance;
pub mod performance_import;
#[cfg(feature = "hydrate")]
pub mod performance_live;
pub mod performance_track;
pub mod portal;
pub mod portal_charter;
pub mod privacy;
#[cfg(feature = "ssr")]
pub mod rights;
pub mod tokens;
pub mod webhooks;
pub mod working_style;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// A page that cannot be shown (no such campaign, or not one of the viewer's): its heading, the refusal, and the
/// refusal's status as the page's (404, 403…).
pub(crate) fn refused_page(e: crate::error::AppError, heading: &'static str) -> leptos::prelude::AnyView {
    use leptos::prelude::*;
    #[cfg(feature = "ssr")]
    crate::state::set_status(e.code.status());
    view! { <section class="page narrow"><h1>{heading}</h1><crate::components::ErrorNotice error=e/></section> }
        .into_any()
}

/// A `?error=…&field=…` left by a form that posted to the server and came back.
pub fn query_error() -> Option<crate::error::AppError> {
    let q = use_query_map();
    let q = q.read_untracked();
    q.get("error").map(|message| crate::error::AppError {
        field: q.get("field"),
        ..crate::error::AppError::new(crate::error::ErrorCode::BadRequest, message)
    })
}
