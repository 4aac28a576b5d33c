//! The floor's controls: change an interpreter's status, move or offer a call.

use crate::i18n::{arg, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::{bind_select, confirm};
use crate::format;
use crate::hooks::use_api;
use crate::services::agents;
use crate::services::calls;
use crate::types::{Agent, Call, MoveTarget, Queue};

#[derive(Properties, PartialEq)]
pub struct AgentStatusProps {
    pub agent: Agent,
    pub on_done: Callback<Result<String, String>>,
}

#[function_component]
pub fn AgentStatusControl(props: &AgentStatusProps) -> Html {
    use_locale();
    let api = use_api();
    let choice = use_state(|| props.agent.status.clone());
    let busy = use_state(|| false);
    // A pushed change of status resets the choice.
    {
        let choice = choice.clone();
        use_effect_with(props.agent.status.clone(), move |status| {
            choice.set(status.clone())
        });
    }
    let onclick = {
        let (api, choice, busy, on_done, agent) = (
            api.clone(),
            choice.clone(),
            busy.clone(),
            props.on_done.clone(),
            props.agent.clone(),
        );
        Callback::from(move |_| {
            let (api, busy, on_done, agent, status) = (
                api.clone(),
                busy.clone(),
                on_done.clone(),
                agent.clone(),
                (*choice).clone(),
            );
            busy.set(true);
            spawn_local(async move {
                let result = agents::set_status(&api, &agent.id, &status)
                    .await
                    .map(|_| {
                        t_args(
                            "floor-status-set",
                            &[
                                ("name", arg(agent.display_name())),
                                ("status", arg(format::status_label(&status).to_lowercase())),
                            ],
                        )
                    })
                    .map_err(|e| format!("{}: {e}", agent.display_name()));
                busy.set(false);
                on_done.emit(result);
            });
        })
    };
    let id = format!("status-{}", props.agent.id);
    html! {
        <div class="inline-form">
            <label for={id.clone()} class="sr-only">{ t_args("floor-new-status-for", &[("name", arg(props.agent.display_name()))]) }</label>
            <select {id} onchange={bind_select(&choice)}>
                { for ["available", "break", "offline"].iter().map(|s| html! {
                    <option value={*s} selected={*choice == *s}>{ format::status_label(s) }</option>
                }) }
            </select>
            <button type="button" class="secondary small" {onclick} disabled={*busy || *choice == props.agent.status}>{ t("floor-set") }</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct CallControlProps {
    pub call: Call,
    pub queues: Vec<Queue>,
    pub agents: Vec<Agent>,
    pub on_done: Callback<Result<String, String>>,
}

/// Transfer or re-queue a call to a queue; offer a waiting call to an available interpreter.
#[function_component]
pub fn CallControl(props: &CallControlProps) -> Html {
    use_locale();
    let api = use_api();
    let target = use_state(String::new);
    let busy = use_state(|| false);
    let c = &props.call;
    let waiting = c.is_waiting();
    let onclick = {
        let (api, target, busy, on_done, id) = (
            api.clone(),
            target.clone(),
            busy.clone(),
            props.on_done.clone(),
            c.id.clone(),
        );
        let queues = props.queues.clone();
        let agents = props.agents.clone();
        Callback::from(move |_| {
            let Some(to) = MoveTarget::parse(&target) else {
                on_done.emit(Err(t("floor-choose-target")));
                return;
            };
            let name = to.name(&queues, &agents).unwrap_or_default();
            let question = match (&to, waiting) {
                (MoveTarget::Queue(_), true) => t_args(
                    "floor-requeue-confirm",
                    &[
                        ("id", arg(format::short_id(&id))),
                        ("name", arg(name.clone())),
                    ],
                ),
                (MoveTarget::Queue(_), false) => t_args(
                    "floor-transfer-queue-confirm",
                    &[
                        ("id", arg(format::short_id(&id))),
                        ("name", arg(name.clone())),
                    ],
                ),
                (_, true) => t_args(
                    "floor-ring-confirm",
                    &[
                        ("id", arg(format::short_id(&id))),
                        ("name", arg(name.clone())),
                    ],
                ),
                _ => t_args(
                    "floor-transfer-confirm",
                    &[
                        ("id", arg(format::short_id(&id))),
                        ("name", arg(name.clone())),
                    ],
                ),
            };
            if !confirm(&question) {
                return;
            }
            busy.set(true);
            let (api, busy, on_done, id) = (api.clone(), busy.clone(), on_done.clone(), id.clone());
            spawn_local(async move {
                let result = match (&to, waiting) {
                    (MoveTarget::Agent(agent_id), true) => calls::offer(&api, &id, agent_id).await,
                    _ => calls::transfer(&api, &id, &to).await,
                };
                busy.set(false);
                on_done.emit(
                    result
                        .map(|_| {
                            t_args(
                                "floor-move-done",
                                &[
                                    ("id", arg(format::short_id(&id))),
                                    ("name", arg(name.clone())),
                                ],
                            )
                        })
                        .map_err(|e| {
                            format!(
                                "{}: {e}",
                                t_args("wrap-about-call", &[("id", arg(format::short_id(&id)))])
                            )
                        }),
                );
            });
        })
    };
    let free: Vec<&Agent> = props.agents.iter().filter(|a| a.is_free()).collect();
    let id = format!("route-{}", c.id);
    html! {
        <div class="inline-form">
            <label for={id.clone()} class="sr-only">{ t_args("floor-move-call", &[("id", arg(format::short_id(&c.id)))]) }</label>
            <select {id} onchange={bind_select(&target)}>
                <option value="" selected={target.is_empty()}>{ if waiting { t("floor-requeue-or-offer") } else { t("floor-transfer-choose") } }</option>
                <optgroup label={t("floor-to-a-queue")}>
                    { for props.queues.iter().filter(|q| Some(&q.id) != c.queue_id.as_ref() || !waiting).map(|q| html! {
                        <option value={MoveTarget::Queue(q.id.clone()).value()}>{ q.name.clone() }</option>
                    }) }
                </optgroup>
                if !free.is_empty() {
                    <optgroup label={if waiting { t("floor-ring-interpreter") } else { t("floor-to-interpreter") }}>
                        { for free.iter().map(|a| html! {
                            <option value={MoveTarget::Agent(a.id.clone()).value()}>{ a.display_name() }</option>
                        }) }
                    </optgroup>
                }
            </select>
            <button type="button" class="secondary small" {onclick} disabled={*busy}>{ t("floor-go") }</button>
        </div>
    }
}
