//! Pieces shared by several pages.
pub mod campaign_chrome;
pub mod nav;
pub mod pwa;

use leptos::prelude::*;
use leptos::tachys::html::attribute::custom::{custom_attribute, CustomAttr};

use crate::error::AppError;
use crate::vocab::OrgRef;

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

/// The fields of a submitted form, read by name.
///
/// The forms that call a server function post to it (`method="post"`, `action` = its URL), so they work before the
/// page is hydrated and without JavaScript: the browser sends the fields URL-encoded, as the server function
/// reads them, and is sent back. Once hydrated, `on:submit` stops that post and reads the fields with this, then
/// dispatches the action. That is what Leptos' `ActionForm` does, without the query-string decoder (serde_qs)
/// and form reader it carries into the WASM (about 27 kB brotli for the pages that have such a form).
pub struct Submitted(web_sys::FormData);

impl Submitted {
    /// Stops the browser's own post and reads the form; `None` if the event is not from a form.
    pub fn take(ev: &leptos::ev::SubmitEvent) -> Option<Submitted> {
        use leptos::wasm_bindgen::JsCast;
        ev.prevent_default();
        let form = ev.target()?.dyn_into::<web_sys::HtmlFormElement>().ok()?;
        web_sys::FormData::new_with_form(&form).ok().map(Submitted)
    }

    /// A field's text (empty when absent).
    pub fn get(&self, name: &str) -> String {
        self.0.get(name).as_string().unwrap_or_default()
    }
}

/// The attributes by which a button opens or closes the dialog `id` with no code of ours (HTML invoker commands):
/// `command` is `show-modal` or `close`. The browser moves the focus into the dialog, closes it on Escape and gives
/// the focus back to the button that opened it.
pub fn sheet_command(
    id: &'static str,
    command: &'static str,
) -> (CustomAttr<&'static str, &'static str>, CustomAttr<&'static str, &'static str>) {
    (custom_attribute("commandfor", id), custom_attribute("command", command))
}

/// A side sheet: a modal `<dialog>` at the right edge (the whole screen on a phone), with its title and a close
/// button, opened by a button carrying [`sheet_command`]`(id, "show-modal")`. A click on the backdrop closes it too.
/// Its content stays on the page while it is closed (a form keeps its state, an import its progress).
///
/// `opened` turns true the first time the sheet opens (also when it was opened before the page's code had loaded),
/// so that content only some people need can be rendered, and its code fetched (`#[lazy]`), then.
#[component]
pub fn Sheet(
    id: &'static str,
    title: &'static str,
    testid: &'static str,
    #[prop(optional)] opened: Option<RwSignal<bool>>,
    children: Children,
) -> impl IntoView {
    let head = format!("{id}-title");
    let labelled_by = head.clone();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    // Set once: setting a signal notifies even when its value does not change, and the content rendered "when
    // opened" was rendered anew at every opening (a form lost what was typed before it was closed, and what was
    // typed while the new one replaced it).
    let mark_opened = move || {
        if let Some(opened) = opened {
            if !opened.get_untracked() && dialog.get_untracked().is_some_and(|d| d.open()) {
                opened.set(true);
            }
        }
    };
    if opened.is_some() {
        Effect::new(move |_| {
            if dialog.get().is_some() {
                mark_opened();
            }
        });
    }
    let on_toggle = move |_| mark_opened();
    view! {
        <dialog id=id class="sheet" aria-labelledby=labelled_by data-testid=testid closedby="any" node_ref=dialog on:toggle=on_toggle>
            <header class="sheet-head">
                <h2 id=head>{title}</h2>
                <button type="button" class="button small" aria-label="Close" {..sheet_command(id, "close")}>"✕"</button>
            </header>
            {children()}
        </dialog>
    }
}

/// A partner's name on its colour, used wherever ownership is shown.
#[component]
pub fn PartnerChip(org: OrgRef) -> impl IntoView {
    let style = format!("--partner: {}", org.color);
    view! { <span class="chip partner" style=style title=org.kind.as_str()>{org.name}</span> }
}

/// An error as a person should see it. On the server, a page that shows the database being unreachable answers
/// 503 with `Retry-After` (a proxy or a monitor sees it, and the browser is told when to try again).
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if error.is(crate::error::ErrorCode::Unavailable) {
        crate::state::answer_unavailable();
    }
    view! {
        <div class="notice error" role="alert" data-code=format!("{:?}", error.code)>
            <strong>{error.message.clone()}</strong>
            {error.field.map(|f| view! { <span class="field">" (" {f} ")"</span> })}
        </div>
    }
}
