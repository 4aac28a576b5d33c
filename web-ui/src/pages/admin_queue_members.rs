//! Administration: which interpreters serve a queue.

use crate::i18n::{arg, num, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::alert::{error_alert, Alert, Tone};
use crate::hooks::use_api;
use crate::services::{queues, users};
use crate::types::{Account, Queue};

#[derive(Properties, PartialEq)]
pub struct QueueMembersProps {
    pub queue: Queue,
    pub on_saved: Callback<()>,
}

/// Which interpreters serve a queue: a checkbox per interpreter account, saved with
/// `PUT /api/queues/{id}/members`. None ticked: everyone with the skills.
#[function_component]
pub fn QueueMembers(props: &QueueMembersProps) -> Html {
    use_locale();
    let api = use_api();
    let agents_list = use_state(|| None::<Vec<Account>>);
    let chosen = use_state(|| props.queue.members.clone());
    let error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);

    {
        let (api, agents_list, error) = (api.clone(), agents_list.clone(), error.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                match users::list(&api).await {
                    Ok(all) => agents_list.set(Some(
                        all.into_iter().filter(|a| a.role == "agent").collect(),
                    )),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        });
    }

    let save = {
        let (api, chosen, error, done, busy, on_saved) = (
            api.clone(),
            chosen.clone(),
            error.clone(),
            done.clone(),
            busy.clone(),
            props.on_saved.clone(),
        );
        let (id, name) = (props.queue.id.clone(), props.queue.name.clone());
        Callback::from(move |_: MouseEvent| {
            let (api, chosen, error, done, busy, on_saved, id, name) = (
                api.clone(),
                chosen.clone(),
                error.clone(),
                done.clone(),
                busy.clone(),
                on_saved.clone(),
                id.clone(),
                name.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match queues::set_members(&api, &id, &chosen).await {
                    Ok(_) => {
                        done.set(Some(t_args(
                            "members-saved",
                            &[
                                ("name", arg(name.clone())),
                                ("count", num(chosen.len() as f64)),
                            ],
                        )));
                        error.set(None);
                        on_saved.emit(());
                    }
                    Err(e) => {
                        done.set(None);
                        error.set(Some(e.to_string()));
                    }
                }
                busy.set(false);
            });
        })
    };

    html! {
        <section class="card" aria-labelledby="queue-members-title" data-testid="queue-members">
            <h2 id="queue-members-title">{ t_args("members-heading", &[("name", arg(props.queue.name.clone()))]) }</h2>
            <p class="muted">{ t("members-intro") }</p>
            { error_alert(&error) }
            if let Some(text) = (*done).clone() { <Alert tone={Tone::Success} {text} /> }
            { match &*agents_list {
                None => html! { <p class="muted">{ t("members-loading") }</p> },
                Some(list) if list.is_empty() => html! { <p class="muted">{ t("members-none") }</p> },
                Some(list) => html! {
                    <fieldset class="checks">
                        <legend>{ t("floor-interpreters") }</legend>
                        { for list.iter().map(|a| {
                            let checked = chosen.contains(&a.id);
                            let (chosen, id) = (chosen.clone(), a.id.clone());
                            let onchange = Callback::from(move |e: Event| {
                                let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                                let mut next: Vec<String> =
                                    chosen.iter().filter(|m| **m != id).cloned().collect();
                                if on {
                                    next.push(id.clone());
                                }
                                chosen.set(next);
                            });
                            let input_id = format!("member-{}", a.id);
                            html! {
                                <label for={input_id.clone()}>
                                    <input id={input_id} type="checkbox" {checked} {onchange} />
                                    { format!(" {} ({})", a.name, a.email) }
                                </label>
                            }
                        }) }
                    </fieldset>
                },
            } }
            <div class="actions">
                <button type="button" class="primary" onclick={save} disabled={*busy || agents_list.is_none()}>{ t("members-save") }</button>
            </div>
        </section>
    }
}
