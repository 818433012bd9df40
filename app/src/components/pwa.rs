//! The creator portal as an app on a phone: the manifest, the home-screen icon and the service worker.
//!
//! Everything here is static (`public/manifest.webmanifest`, `public/icons/`, `public/pwa.js`,
//! `public/sw.js`); this component only puts the links into the page head, so it costs the WASM bundle
//! next to nothing. Put `<PwaHead/>` on every page of the creator portal.
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Script};

#[component]
pub fn PwaHead() -> impl IntoView {
    view! {
        <Link rel="manifest" href="/manifest.webmanifest"/>
        <Link rel="apple-touch-icon" href="/icons/apple-touch-icon.png"/>
        <Meta name="mobile-web-app-capable" content="yes"/>
        <Meta name="apple-mobile-web-app-capable" content="yes"/>
        <Meta name="apple-mobile-web-app-title" content="Chorus"/>
        // Registers /sw.js (scope "/").
        <Script src="/pwa.js" defer="defer"/>
    }
}
