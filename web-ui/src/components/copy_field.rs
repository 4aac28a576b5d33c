//! A secret or a link shown in a read-only field with a "Copy" button (the browser's
//! clipboard; where it is refused, the text is selected for the user to copy).

use crate::i18n::{arg, t, t_args, use_locale};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CopyFieldProps {
    /// The field's id, for its label.
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
}

#[derive(Clone, Copy, PartialEq)]
enum Copied {
    Not,
    Yes,
    Refused,
}

/// Selects the text of the input `id`, for a manual copy.
fn select(id: &str) {
    if let Some(input) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.select();
    }
}

#[function_component]
pub fn CopyField(props: &CopyFieldProps) -> Html {
    use_locale();
    let copied = use_state(|| Copied::Not);
    {
        let copied = copied.clone();
        use_effect_with(props.value.clone(), move |_| copied.set(Copied::Not));
    }
    let onclick = {
        let (copied, value, id) = (copied.clone(), props.value.clone(), props.id.clone());
        Callback::from(move |_| {
            let (copied, value, id) = (copied.clone(), value.clone(), id.clone());
            spawn_local(async move {
                let written = match web_sys::window() {
                    Some(window) => {
                        JsFuture::from(window.navigator().clipboard().write_text(&value))
                            .await
                            .is_ok()
                    }
                    None => false,
                };
                if written {
                    copied.set(Copied::Yes);
                } else {
                    select(&id);
                    copied.set(Copied::Refused);
                }
            });
        })
    };
    let onfocus = {
        let id = props.id.clone();
        Callback::from(move |_| select(&id))
    };
    html! {
        <div class="field copy-field">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <div class="copy-row">
                <input id={props.id.clone()} type="text" readonly=true value={props.value.clone()} {onfocus} spellcheck="false" />
                <button type="button" class="secondary" {onclick} aria-label={t_args("copy-label", &[("label", arg(props.label.to_lowercase()))])}>
                    { if *copied == Copied::Yes { t("copied") } else { t("copy") } }
                </button>
            </div>
            if *copied == Copied::Refused {
                <p class="hint" role="status">{ t("copy-refused") }</p>
            }
        </div>
    }
}
