//! Where the keyboard focus goes when what it was on disappears, and the page's title.
//!
//! A single-page app replaces parts of the page without a load: the button that was
//! pressed (Sign in, Accept, End call) is removed, and the browser then puts the focus on
//! `<body>`, where a keyboard or screen-reader user has lost their place. These helpers
//! move it to the heading (or control) of what replaced it.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

fn document() -> Option<web_sys::Document> {
    web_sys::window().and_then(|w| w.document())
}

/// Focuses the element `id`. A heading is not focusable by itself: it gets
/// `tabindex="-1"`, which lets a script focus it without adding it to the Tab order.
pub fn focus_id(id: &str) -> bool {
    let Some(element) = document().and_then(|d| d.get_element_by_id(id)) else {
        return false;
    };
    focus_element(element)
}

fn focus_element(element: web_sys::Element) -> bool {
    if !element.has_attribute("tabindex") && !is_focusable_by_itself(&element) {
        let _ = element.set_attribute("tabindex", "-1");
    }
    element
        .dyn_into::<HtmlElement>()
        .is_ok_and(|e| e.focus().is_ok())
}

fn is_focusable_by_itself(element: &web_sys::Element) -> bool {
    matches!(
        element.tag_name().to_ascii_lowercase().as_str(),
        "a" | "button" | "input" | "select" | "textarea"
    )
}

/// Focuses the main heading of the page (`main h1`), or `main` when it has none yet.
pub fn focus_main_heading() {
    let Some(document) = document() else { return };
    let target = document
        .query_selector("main h1")
        .ok()
        .flatten()
        .or_else(|| document.get_element_by_id("main"));
    if let Some(element) = target {
        focus_element(element);
    }
}

/// Whether the focus is nowhere a user put it: on `<body>` (or on nothing).
pub fn focus_is_lost() -> bool {
    let Some(document) = document() else {
        return false;
    };
    match (document.active_element(), document.body()) {
        (None, _) => true,
        (Some(active), Some(body)) => {
            let body: &web_sys::Element = &body;
            active == *body
        }
        (Some(_), None) => false,
    }
}

/// After a render in which `stage` changed, focuses the element `target` names (by id).
/// `None` is a view still loading. Its first stage is left alone unless `on_first` says
/// so: a page that has just loaded keeps the browser's focus (or the heading the route
/// change focused), so that Tab still reaches the skip link first. With `only_if_lost`,
/// the focus moves only when it fell to `<body>` (the user may have gone on to something
/// else meanwhile).
#[hook]
pub fn use_focus_on_change<T>(
    stage: Option<T>,
    target: Option<String>,
    on_first: bool,
    only_if_lost: bool,
) where
    T: PartialEq + Clone + 'static,
{
    let shown_before = use_memo((), |_| Rc::new(Cell::new(false)));
    use_effect_with(stage, move |stage| {
        if stage.is_some() {
            let first = !shown_before.replace(true);
            if (!first || on_first) && (!only_if_lost || focus_is_lost()) {
                if let Some(id) = target {
                    focus_id(&id);
                }
            }
        }
    });
}

/// Sets the document's title to "`title` · Parley", so that each view is told apart in
/// tabs, history and by screen readers (which read the title when a page changes).
#[hook]
pub fn use_title(title: String) {
    use_effect_with(title, |title| {
        if let Some(document) = document() {
            document.set_title(&format!("{title} · Parley"));
        }
    });
}
