//! One routed page a file, plus small form helpers they share.

pub mod account;
pub mod admin;
mod admin_keys;
mod admin_pairs;
mod admin_profile;
mod admin_queue_members;
mod admin_queues;
mod admin_skills;
mod admin_users;
mod admin_widening;
pub mod analytics;
mod analytics_drill;
mod analytics_trend;
mod callback_prompt;
pub mod calls;
pub mod console;
mod console_call;
mod console_offer;
mod console_parts;
mod console_status;
pub mod dispute;
pub mod floor;
pub mod floor_at;
mod floor_controls;
mod floor_monitor;
pub mod guest;
pub mod invoices;
pub mod login;
pub mod organisation;
mod organisation_history;
pub mod organisations;
pub mod replay;
pub mod requester;
pub mod requester_call;
mod requester_rating;
pub mod reset_password;
mod routing_panel;
pub mod what_if;

use chrono::{DateTime, NaiveTime, Utc};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Keeps a text field's value in a state.
pub fn bind_input(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        state.set(e.target_unchecked_into::<HtmlInputElement>().value())
    })
}

pub fn bind_textarea(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        state.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
    })
}

pub fn bind_select(state: &UseStateHandle<String>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| {
        state.set(e.target_unchecked_into::<HtmlSelectElement>().value())
    })
}

pub fn bind_check(state: &UseStateHandle<bool>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| {
        state.set(e.target_unchecked_into::<HtmlInputElement>().checked())
    })
}

/// Asks the user to confirm (the browser's dialog).
pub fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}

/// Scrolls the element `container` into view and moves the keyboard focus to `field`
/// (a form opened by a button far above it).
pub fn reveal(container: &str, field: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(element) = document.get_element_by_id(container) {
        element.scroll_into_view();
    }
    if let Some(input) = document
        .get_element_by_id(field)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = input.focus();
    }
}

/// 00:00 UTC today.
pub fn start_of_today() -> DateTime<Utc> {
    Utc::now().date_naive().and_time(NaiveTime::MIN).and_utc()
}
