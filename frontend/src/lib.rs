//! The browser entry point: hydrates the server-rendered Chorus app.
#![recursion_limit = "512"]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
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
