use yew::prelude::*;
#[function_component]
pub fn AdminPage() -> Html { html! { <section class="page"><h1>{ "TODO" }</h1></section> } }
