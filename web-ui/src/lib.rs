//! Parley's web UI: a Yew single-page app for requesters, interpreters, supervisors,
//! analysts and admins. The API serves it at `/`; it talks to the API on the same origin.

pub mod app;
pub mod components;
pub mod format;
pub mod hooks;
pub mod i18n;
pub mod live;
pub mod pages;
pub mod route;
pub mod services;
pub mod types;

use wasm_bindgen::prelude::*;

/// Mounts the app on `#app` (or the body when the page has no such element).
#[wasm_bindgen(start)]
pub fn start() {
    let root = gloo_utils_document().get_element_by_id("app");
    match root {
        Some(root) => yew::Renderer::<app::App>::with_root(root).render(),
        None => yew::Renderer::<app::App>::new().render(),
    };
}

fn gloo_utils_document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect_throw("the app runs in a browser page")
}
