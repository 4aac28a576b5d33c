//! The chosen language in a context provider. It starts from what this browser last chose
//! (localStorage, also what the login page uses) or else from `navigator.languages`; once
//! signed in, the user's stored preference (`GET /api/me/preferences`) wins, and choosing
//! a language while signed in stores it there (`PUT`). Every change sets `<html lang dir>`.

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::catalogue::{locale_ids, set_current, Locale};
use super::negotiate::{is_right_to_left, negotiate};
use crate::hooks::{use_api, use_session};

const STORAGE_KEY: &str = "parley.locale";
const PREFERENCES_PATH: &str = "/api/me/preferences";

#[derive(Serialize, Deserialize)]
struct Preferences {
    locale: Option<String>,
}

/// The current language, and a way to choose another.
#[derive(Clone, PartialEq)]
pub struct LocaleHandle {
    pub locale: Locale,
    choose: Callback<Locale>,
}

impl LocaleHandle {
    /// Switches the interface to `locale`, remembers it in this browser, and for a
    /// signed-in user stores it with their account.
    pub fn choose(&self, locale: Locale) {
        self.choose.emit(locale);
    }

    pub fn is_right_to_left(&self) -> bool {
        is_right_to_left(&self.locale)
    }
}

fn supported(locale: &str) -> bool {
    locale_ids().any(|id| id == locale)
}

fn browser_languages() -> Vec<String> {
    web_sys::window()
        .map(|window| window.navigator().languages())
        .map(|list| list.iter().filter_map(|tag| tag.as_string()).collect())
        .unwrap_or_default()
}

/// What this browser chose before, or the best fit for its languages, or English.
fn initial_locale() -> Locale {
    LocalStorage::get::<String>(STORAGE_KEY)
        .ok()
        .filter(|locale| supported(locale))
        .or_else(|| negotiate(&browser_languages(), &locale_ids().collect::<Vec<_>>()))
        .unwrap_or_else(|| wire::locales::DEFAULT_LOCALE.to_owned())
}

/// Makes `locale` current for the lookups and the page: `<html lang>` and `dir`.
fn apply(locale: &str) {
    set_current(locale);
    let root = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element());
    if let Some(root) = root.and_then(|root| root.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = root.set_attribute("lang", locale);
        let _ = root.set_attribute(
            "dir",
            if is_right_to_left(locale) {
                "rtl"
            } else {
                "ltr"
            },
        );
    }
    let _ = LocalStorage::set(STORAGE_KEY, locale);
}

#[derive(Properties, PartialEq)]
pub struct LocaleProviderProps {
    pub children: Children,
}

/// Holds the language for everything below it. Needs the session provider above it.
#[function_component]
pub fn LocaleProvider(props: &LocaleProviderProps) -> Html {
    let locale = use_state(|| {
        let locale = initial_locale();
        apply(&locale);
        locale
    });
    let session = use_session();
    let api = use_api();
    let signed_in_as = session.session.as_ref().map(|s| s.user.id.clone());

    // Signed in (a login, or a reload with a kept session): the account's choice wins.
    {
        let locale = locale.clone();
        let api = api.clone();
        use_effect_with(signed_in_as.clone(), move |user| {
            if user.is_some() {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(Preferences {
                        locale: Some(stored),
                    }) = api.get::<Preferences>(PREFERENCES_PATH).await
                    {
                        if supported(&stored) && stored != *locale {
                            apply(&stored);
                            locale.set(stored);
                        }
                    }
                });
            }
        });
    }

    let choose = {
        let locale = locale.clone();
        let signed_in = signed_in_as.is_some();
        Callback::from(move |chosen: Locale| {
            if !supported(&chosen) {
                return;
            }
            apply(&chosen);
            locale.set(chosen.clone());
            if signed_in {
                let api = api.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let body = Preferences {
                        locale: Some(chosen),
                    };
                    if let Err(error) = api.put::<_, Preferences>(PREFERENCES_PATH, &body).await {
                        web_sys::console::warn_1(
                            &format!("the language was not stored with the account: {error:?}")
                                .into(),
                        );
                    }
                });
            }
        })
    };
    let handle = LocaleHandle {
        locale: (*locale).clone(),
        choose,
    };

    html! {
        <ContextProvider<LocaleHandle> context={handle}>
            { props.children.clone() }
        </ContextProvider<LocaleHandle>>
    }
}

/// The current language. Calling it makes the component render again when the language
/// changes: every component that shows catalogue text calls it.
#[hook]
pub fn use_locale() -> LocaleHandle {
    use_context::<LocaleHandle>().unwrap_or_else(|| LocaleHandle {
        locale: super::current_locale(),
        choose: Callback::noop(),
    })
}
