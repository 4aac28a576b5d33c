//! A coloured status label.

use yew::prelude::*;

use crate::format::status_label;
use crate::i18n::use_locale;

#[derive(Properties, PartialEq)]
pub struct BadgeProps {
    pub status: AttrValue,
}

#[function_component]
pub fn Badge(props: &BadgeProps) -> Html {
    use_locale();
    let class = format!("badge badge-{}", props.status);
    html! { <span {class}>{ status_label(&props.status) }</span> }
}
