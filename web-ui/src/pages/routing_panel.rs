//! "Why did this interpreter not get the call?": the supervisor picks an interpreter and
//! the server answers from the call's events and the router's decisions
//! (`GET /api/calls/{id}/routing?agent_id=`). Unknown reasons and fields are shown as the
//! server sends them; an error answer is shown in the server's words.

use crate::i18n::{arg, t, t_args, use_locale};
use serde_json::Value;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::bind_select;
use crate::components::alert::error_alert;
use crate::format;
use crate::hooks::use_api;
use crate::services::calls;
use crate::types::{routing_reason_text, Agent, Queue, RoutingAnswer};

#[derive(Properties, PartialEq)]
pub struct RoutingPanelProps {
    pub call_id: String,
    pub agents: Vec<Agent>,
    pub queues: Vec<Queue>,
}

/// A reason's details besides its code: "wanted: court · held: medical".
fn details(reason: &Value, agents: &[Agent], queues: &[Queue]) -> String {
    let Some(map) = reason.as_object() else {
        return String::new();
    };
    map.iter()
        .filter(|(key, _)| !matches!(key.as_str(), "code" | "detail"))
        .map(|(key, value)| {
            let text = match value {
                Value::String(s) => name_of(s, agents, queues),
                Value::Array(list) => list
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map_or_else(|| v.to_string(), |s| name_of(s, agents, queues))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            format!("{}: {text}", format::status_label(key).to_lowercase())
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// An interpreter's or queue's name for an id the page knows; anything else as it is.
fn name_of(value: &str, agents: &[Agent], queues: &[Queue]) -> String {
    agents
        .iter()
        .find(|a| a.id == value)
        .map(Agent::display_name)
        .or_else(|| {
            queues
                .iter()
                .find(|q| q.id == value)
                .map(|q| q.name.clone())
        })
        .unwrap_or_else(|| value.to_owned())
}

#[function_component]
pub fn RoutingPanel(props: &RoutingPanelProps) -> Html {
    use_locale();
    let api = use_api();
    let chosen = use_state(String::new);
    let answer = use_state(|| None::<RoutingAnswer>);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (api, chosen, answer, error, busy) = (
            api.clone(),
            chosen.clone(),
            answer.clone(),
            error.clone(),
            busy.clone(),
        );
        let call_id = props.call_id.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if chosen.is_empty() {
                error.set(Some(t("routing-choose")));
                return;
            }
            let (api, agent_id, answer, error, busy, call_id) = (
                api.clone(),
                (*chosen).clone(),
                answer.clone(),
                error.clone(),
                busy.clone(),
                call_id.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match calls::routing(&api, &call_id, &agent_id).await {
                    Ok(a) => {
                        answer.set(Some(a));
                        error.set(None);
                    }
                    Err(e) => {
                        answer.set(None);
                        error.set(Some(t_args(
                            "routing-failed",
                            &[("error", arg(e.to_string()))],
                        )));
                    }
                }
                busy.set(false);
            });
        })
    };

    let result = match &*answer {
        None => html! {},
        Some(a) => {
            let who = name_of(&a.agent_id, &props.agents, &props.queues);
            html! {
                <div data-testid="routing-answer" aria-live="polite">
                    <p>
                        { t_args(if a.offered { "routing-offered" } else { "routing-not-offered" }, &[("name", arg(who.clone()))]) }
                    </p>
                    if !a.offers.is_empty() {
                        <ul class="reasons">{ for a.offers.iter().map(|o| html! {
                            <li>{ format!("{}{}{}", t_args("routing-offered-at", &[("time", arg(format::time(o.at)))]),
                                o.queue_id.as_deref().map(|q| format!(" {}", t_args("routing-in-queue", &[("queue", arg(name_of(q, &props.agents, &props.queues)))]))).unwrap_or_default(),
                                o.outcome.as_deref().map(|x| format!(": {}", format::status_label(x).to_lowercase())).unwrap_or_default()) }</li>
                        }) }</ul>
                    }
                    if !a.reasons.is_empty() {
                        <ul class="reasons" data-testid="routing-reasons">{ for a.reasons.iter().map(|r| {
                            let code = r.get("code").and_then(Value::as_str).unwrap_or("unknown");
                            let more = details(r, &props.agents, &props.queues);
                            // The server's sentence when it gives one; the code in words otherwise.
                            let text = r.get("detail").and_then(Value::as_str).map_or_else(|| routing_reason_text(code), str::to_owned);
                            html! {
                                <li>{ text }
                                    if !more.is_empty() { <span class="muted">{ format!(" ({more})") }</span> }
                                </li>
                            }
                        }) }</ul>
                    }
                    if let Some(summary) = a.summary.clone() {
                        <p class="muted" data-testid="routing-summary">{ summary }</p>
                    }
                </div>
            }
        }
    };

    html! {
        <section class="card" aria-labelledby="routing-title" data-testid="routing-panel">
            <h2 id="routing-title">{ t("routing-heading") }</h2>
            <p class="muted">{ t("routing-intro") }</p>
            <form class="inline-form" {onsubmit}>
                <label for="routing-agent">{ t("column-interpreter") }</label>
                <select id="routing-agent" onchange={bind_select(&chosen)}>
                    <option value="" selected={chosen.is_empty()}>{ t("tags-choose") }</option>
                    { for props.agents.iter().map(|a| html! {
                        <option value={a.id.clone()} selected={*chosen == a.id}>{ a.display_name() }</option>
                    }) }
                </select>
                <button type="submit" class="secondary" disabled={*busy}>{ t("routing-explain") }</button>
            </form>
            { error_alert(&error) }
            { result }
        </section>
    }
}
