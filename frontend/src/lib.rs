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

/// Room for the WASM splitter in the read-only data.
///
/// `cargo leptos build --split` gives each page group the constants its code uses, regrouping them by module with
/// their alignment. When the regrouped data comes out even a few bytes longer than the linker's packed original, the
/// splitter gives up on that segment and puts all of it (about 190 kB: every string of every page) in the core
/// module that every page loads. This block is referenced by no code, so the splitter leaves it out of every
/// module and its bytes become that room. It costs nothing in any output file.
#[used]
static SPLIT_DATA_SLACK: [u8; 4096] = [0xA5; 4096];
