//! The browser entry point. Chorus runs in Leptos' islands mode: the server renders every page, and the page's
//! script calls `hydrate` and then each island's own hydration function (exported by the `app` crate, each
//! loading its group's WASM file first).
#![recursion_limit = "512"]

// The islands' hydration functions live in `app`; this keeps that crate linked in.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A server function that redirects (starting a campaign opens its board) moves the page there: there is no
    // client-side router to do it.
    _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        _ = leptos::prelude::window().location().set_href(location);
    });
    leptos::mount::hydrate_islands();
}
