//! A desktop notification for an offer that rings while the console's tab is in the
//! background (issue 25 §5): the interpreter may be in another window when a call comes.
//!
//! The permission is asked when the interpreter sets themself available (a click, and the
//! moment the notifications start to matter), never on load: browsers ignore or punish
//! prompts that come from nowhere.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Notification, NotificationOptions, NotificationPermission};
use yew::prelude::*;

use super::use_focus::focus_id;

/// Asks for the permission to notify, if the browser has notifications and the user has
/// not answered yet. Call it from a click.
pub fn ask_notification_permission() {
    if !notifications_exist() || Notification::permission() != NotificationPermission::Default {
        return;
    }
    // The answer is read again when an offer comes; nothing waits for it here.
    let _ = Notification::request_permission();
}

fn notifications_exist() -> bool {
    web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false))
}

fn tab_is_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// What the notification says.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferNotice {
    /// The offer's call id: one notification per offer (the tag replaces, never stacks).
    pub call_id: String,
    pub title: String,
    pub body: String,
    /// The element to focus when the notification is clicked (the Accept button).
    pub focus_id: String,
}

/// While `notice` names an offer that arrived with the tab hidden, shows it as a desktop
/// notification; closes it when the offer goes (answered here, taken, or expired).
/// Clicking it brings the console's window forward with the focus on `focus_id`.
#[hook]
pub fn use_offer_notification(notice: Option<OfferNotice>) {
    let shown = use_mut_ref(|| None::<(Notification, Closure<dyn FnMut()>)>);
    use_effect_with(notice, move |notice| {
        if let Some(notice) = notice.as_ref().filter(|_| tab_is_hidden()) {
            *shown.borrow_mut() = show(notice);
        }
        let shown: Rc<RefCell<Option<_>>> = shown.clone();
        move || {
            if let Some((notification, _onclick)) = shown.borrow_mut().take() {
                notification.close();
            }
        }
    });
}

fn show(notice: &OfferNotice) -> Option<(Notification, Closure<dyn FnMut()>)> {
    if !notifications_exist() || Notification::permission() != NotificationPermission::Granted {
        return None;
    }
    let options = NotificationOptions::new();
    options.set_body(&notice.body);
    options.set_tag(&format!("parley-offer-{}", notice.call_id));
    // It stays until answered: an offer is worth an interpreter's attention.
    options.set_require_interaction(true);
    let notification = Notification::new_with_options(&notice.title, &options).ok()?;
    let focus = notice.focus_id.clone();
    let clicked = notification.clone();
    let onclick = Closure::<dyn FnMut()>::new(move || {
        if let Some(window) = web_sys::window() {
            let _ = window.focus();
        }
        focus_id(&focus);
        clicked.close();
    });
    notification.set_onclick(Some(onclick.as_ref().unchecked_ref()));
    Some((notification, onclick))
}
