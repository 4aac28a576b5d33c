//! The language picker in the top bar: on every view, signed in or not (the login page
//! too). Each language is listed in its own name and script, so a user who cannot read
//! the current language still finds theirs.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::i18n::{locale_ids, native_name, t, use_locale};

#[function_component]
pub fn LanguagePicker() -> Html {
    let locale = use_locale();
    let onchange = {
        let locale = locale.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
                locale.choose(select.value());
            }
        })
    };
    html! {
        <div class="language-picker">
            <label for="language-picker" class="sr-only">{ t("language-picker-label") }</label>
            <select id="language-picker" data-testid="language-picker" {onchange}>
                { for locale_ids().map(|id| html! {
                    <option value={id} lang={id} selected={locale.locale == id}>{ native_name(id) }</option>
                }) }
            </select>
        </div>
    }
}
