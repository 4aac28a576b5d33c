//! A message box: errors, information, success.

use crate::i18n::{t, use_locale};
use yew::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Tone {
    #[default]
    Error,
    Info,
    Success,
    Warning,
}

#[derive(Properties, PartialEq)]
pub struct AlertProps {
    #[prop_or_default]
    pub tone: Tone,
    pub text: AttrValue,
    #[prop_or_default]
    pub on_close: Option<Callback<()>>,
}

#[function_component]
pub fn Alert(props: &AlertProps) -> Html {
    use_locale();
    let (class, role) = match props.tone {
        Tone::Error => ("alert alert-error", "alert"),
        Tone::Warning => ("alert alert-warning", "alert"),
        Tone::Info => ("alert alert-info", "status"),
        Tone::Success => ("alert alert-success", "status"),
    };
    html! {
        <div {class} {role}>
            <span>{ props.text.clone() }</span>
            if let Some(on_close) = props.on_close.clone() {
                <button type="button" class="link" aria-label={t("dismiss")} onclick={move |_| on_close.emit(())}>{ "×" }</button>
            }
        </div>
    }
}

/// An optional error as an alert; nothing when `None`.
pub fn error_alert(error: &Option<String>) -> Html {
    match error {
        Some(text) => html! { <Alert text={text.clone()} /> },
        None => html! {},
    }
}
