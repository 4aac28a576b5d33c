//! One organisation: its requester policy (preferred and banned interpreters picked by name,
//! the preferred wait, required certifications) and the policy's history below it.

use crate::format;
use crate::i18n::{arg, t, t_args, use_locale};
use std::collections::HashMap;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use super::bind_input;
use super::organisation_history::PolicyHistory;
use crate::components::alert::{error_alert, Alert, Tone};
use crate::components::tags::{PickList, TagsInput};
use crate::hooks::use_api;
use crate::route::Route;
use crate::services::{agents, organisations, ApiError};
use crate::types::{OrganisationDetail, Policy, PolicyChange};

#[derive(Properties, PartialEq)]
pub struct OrganisationProps {
    pub id: String,
}

/// A refused policy in words: the server's message, with what to do for the known codes.
fn policy_error(e: &ApiError) -> String {
    match e.code() {
        "preferred_and_banned" => format!("{e}: {}", t("policy-preferred-and-banned")),
        "unknown_agent" => format!("{e}: {}", t("policy-unknown-agent")),
        _ => e.to_string(),
    }
}

#[function_component]
pub fn OrganisationPage(props: &OrganisationProps) -> Html {
    use_locale();
    let api = use_api();
    let detail = use_state(|| None::<OrganisationDetail>);
    let error = use_state(|| None::<String>);
    let policy = use_state(Policy::default);
    let wait = use_state(|| "0".to_owned());
    // Interpreters by id: the picker's choices and the history's names.
    let interpreters = use_state(Vec::<(String, String)>::new);
    let history = use_state(|| None::<Vec<PolicyChange>>);
    let history_error = use_state(|| None::<String>);
    let form_error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let load_history = {
        let (api, history, history_error) = (api.clone(), history.clone(), history_error.clone());
        use_callback(props.id.clone(), move |_: (), id| {
            let (api, history, history_error, id) = (
                api.clone(),
                history.clone(),
                history_error.clone(),
                id.clone(),
            );
            spawn_local(async move {
                match organisations::policy_history(&api, &id).await {
                    Ok(list) => {
                        history.set(Some(list));
                        history_error.set(None);
                    }
                    Err(e) => history_error.set(Some(e.to_string())),
                }
            });
        })
    };
    {
        let (api, detail, error, policy, wait, interpreters, load_history) = (
            api.clone(),
            detail.clone(),
            error.clone(),
            policy.clone(),
            wait.clone(),
            interpreters.clone(),
            load_history.clone(),
        );
        use_effect_with(props.id.clone(), move |id| {
            let id = id.clone();
            spawn_local(async move {
                match organisations::get(&api, &id).await {
                    Ok(d) => {
                        wait.set(d.policy.preferred_wait_s.to_string());
                        policy.set(d.policy.clone());
                        detail.set(Some(d));
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                match agents::board(&api).await {
                    Ok(list) => {
                        let mut named: Vec<(String, String)> = list
                            .iter()
                            .map(|a| (a.id.clone(), a.display_name()))
                            .collect();
                        named.sort_by_key(|(_, name)| name.to_lowercase());
                        interpreters.set(named);
                    }
                    Err(e) => error.set(Some(t_args(
                        "policy-load-failed",
                        &[("error", arg(e.to_string()))],
                    ))),
                }
            });
            load_history.emit(());
        });
    }

    let set_list = |pick: fn(&mut Policy) -> &mut Vec<String>| {
        let (policy, done) = (policy.clone(), done.clone());
        Callback::from(move |values: Vec<String>| {
            let mut next = (*policy).clone();
            *pick(&mut next) = values;
            policy.set(next);
            done.set(None);
        })
    };

    let onsubmit = {
        let (api, policy, wait, form_error, done, busy, load_history) = (
            api.clone(),
            policy.clone(),
            wait.clone(),
            form_error.clone(),
            done.clone(),
            busy.clone(),
            load_history.clone(),
        );
        let id = props.id.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(seconds) = wait.trim().parse::<i64>() else {
                form_error.set(Some(t("policy-wait-invalid")));
                return;
            };
            let body = Policy {
                preferred_wait_s: seconds,
                ..(*policy).clone()
            };
            busy.set(true);
            let (api, policy, wait, form_error, done, busy, load_history, id) = (
                api.clone(),
                policy.clone(),
                wait.clone(),
                form_error.clone(),
                done.clone(),
                busy.clone(),
                load_history.clone(),
                id.clone(),
            );
            spawn_local(async move {
                match organisations::set_policy(&api, &id, &body).await {
                    Ok(saved) => {
                        wait.set(saved.preferred_wait_s.to_string());
                        policy.set(saved);
                        form_error.set(None);
                        done.set(Some(t("policy-saved")));
                        load_history.emit(());
                    }
                    Err(e) => {
                        done.set(None);
                        form_error.set(Some(policy_error(&e)));
                    }
                }
                busy.set(false);
            });
        })
    };

    let names: HashMap<String, String> = interpreters.iter().cloned().collect();
    let title = detail
        .as_ref()
        .map(|d| d.name.clone())
        .unwrap_or_else(|| t("title-organisation"));

    html! {
        <section class="page">
            <p><Link<Route> to={Route::Organisations}>{ t("policy-back") }</Link<Route>></p>
            <h1>{ title.clone() }</h1>
            { error_alert(&error) }
            <div class="grid even">
                <form class="card" {onsubmit} aria-labelledby="policy-title" data-testid="policy-form">
                    <h2 id="policy-title">{ t("policy-heading") }</h2>
                    <p class="muted">{ t("policy-applies") }</p>
                    { error_alert(&form_error) }
                    if let Some(text) = (*done).clone() { <Alert tone={Tone::Success} {text} /> }
                    <PickList id="pol-preferred" label={format::capitalised(&t("policy-field-preferred"))} options={(*interpreters).clone()}
                        values={policy.preferred_agent_ids.clone()} on_change={set_list(|p| &mut p.preferred_agent_ids)}
                        hint={Some(AttrValue::from(t("policy-preferred-hint")))} />
                    <div class="field">
                        <label for="pol-wait">{ t("policy-wait-label") }</label>
                        <input id="pol-wait" type="number" min="0" max="3600" value={(*wait).clone()} oninput={bind_input(&wait)} style="width:9rem" />
                        <p class="hint">{ t("policy-wait-hint") }</p>
                    </div>
                    <PickList id="pol-banned" label={format::capitalised(&t("policy-field-banned"))} options={(*interpreters).clone()}
                        values={policy.banned_agent_ids.clone()} on_change={set_list(|p| &mut p.banned_agent_ids)}
                        hint={Some(AttrValue::from(t("policy-banned-hint")))} />
                    <TagsInput id="pol-certs" label={format::capitalised(&t("policy-field-certifications"))} placeholder={t("request-certifications-example")}
                        values={policy.required_certifications.clone()} on_change={set_list(|p| &mut p.required_certifications)}
                        hint={Some(AttrValue::from(t("policy-certifications-hint")))} />
                    <button type="submit" class="primary" disabled={*busy || detail.is_none()}>{ t("policy-save") }</button>
                </form>
                <section class="card" aria-labelledby="policy-history-title">
                    <h2 id="policy-history-title">{ t("policy-history") }</h2>
                    { error_alert(&history_error) }
                    { match &*history {
                        None => html! { <p class="muted">{ t("loading") }</p> },
                        Some(list) => html! { <PolicyHistory changes={list.clone()} names={names} /> },
                    } }
                </section>
            </div>
        </section>
    }
}
