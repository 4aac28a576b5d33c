//! A participant's guests panel on the call screen: invite a guest by name, hand them the
//! link (copied from the page), and remove them. The link admits nobody once removed.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::alert::error_alert;
use crate::components::copy_field::CopyField;
use crate::hooks::use_api;
use crate::i18n::{arg, t, t_args, use_locale};
use crate::services::calls;

#[derive(Properties, PartialEq)]
pub struct GuestsPanelProps {
    pub call_id: AttrValue,
}

/// An invitation made from this page.
#[derive(Clone, PartialEq)]
struct Invited {
    id: String,
    name: String,
    link: String,
    removed: bool,
}

fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

#[function_component]
pub fn GuestsPanel(props: &GuestsPanelProps) -> Html {
    use_locale();
    let api = use_api();
    let name = use_state(String::new);
    let invited = use_state(Vec::<Invited>::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (api, name, invited, error, busy) = (
            api.clone(),
            name.clone(),
            invited.clone(),
            error.clone(),
            busy.clone(),
        );
        let call_id = props.call_id.to_string();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (api, name, invited, error, busy, call_id) = (
                api.clone(),
                name.clone(),
                invited.clone(),
                error.clone(),
                busy.clone(),
                call_id.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match calls::invite_guest(&api, &call_id, &name).await {
                    Ok(invitation) => {
                        let mut list = (*invited).clone();
                        list.push(Invited {
                            id: invitation.id,
                            name: name.trim().to_owned(),
                            link: format!("{}{}", origin(), invitation.join_url),
                            removed: false,
                        });
                        invited.set(list);
                        name.set(String::new());
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    let remove = |guest_id: String| {
        let (api, invited, error) = (api.clone(), invited.clone(), error.clone());
        let call_id = props.call_id.to_string();
        Callback::from(move |_: MouseEvent| {
            let (api, invited, error, call_id, guest_id) = (
                api.clone(),
                invited.clone(),
                error.clone(),
                call_id.clone(),
                guest_id.clone(),
            );
            spawn_local(async move {
                match calls::remove_guest(&api, &call_id, &guest_id).await {
                    Ok(()) => {
                        let list = (*invited)
                            .iter()
                            .cloned()
                            .map(|g| Invited {
                                removed: g.removed || g.id == guest_id,
                                ..g
                            })
                            .collect();
                        invited.set(list);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };

    let oninput = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            name.set(input.value());
        })
    };
    html! {
        <section class="card guests" aria-labelledby="guests-title" data-testid="guests-panel">
            <h2 id="guests-title">{ t("guests-title") }</h2>
            <form class="inline-form" {onsubmit}>
                <label for="guest-name">{ t("guests-name") }</label>
                <input id="guest-name" type="text" maxlength="100" required=true value={(*name).clone()} {oninput} />
                <button type="submit" disabled={*busy || name.trim().is_empty()}>{ t("guests-invite") }</button>
            </form>
            { error_alert(&error) }
            <ul class="guest-list">
                { for invited.iter().map(|g| html! {
                    <li key={g.id.clone()}>
                        if g.removed {
                            <p>{ t_args("guests-removed", &[("name", arg(g.name.clone()))]) }</p>
                        } else {
                            <CopyField id={format!("guest-link-{}", g.id)}
                                label={t_args("guests-link-for", &[("name", arg(g.name.clone()))])}
                                value={g.link.clone()} />
                            <button type="button" class="secondary small" onclick={remove(g.id.clone())}>
                                { t_args("guests-remove", &[("name", arg(g.name.clone()))]) }
                            </button>
                        }
                    </li>
                }) }
            </ul>
        </section>
    }
}
