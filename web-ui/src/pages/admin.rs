//! Administration: accounts and roles, queues (strategy, timers, overflow, widening;
//! `admin_queues`), interpreters' skills (`admin_skills`).

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::admin_queues::QueuesTab;
use super::admin_skills::SkillsTab;
use super::{bind_input, bind_select};
use crate::components::alert::{error_alert, Alert, Tone};
use crate::format;
use crate::hooks::{use_api, use_organisation_names};
use crate::services::users;
use crate::types::{Account, NewAccount, Role};

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Users,
    Queues,
    Skills,
}

#[function_component]
pub fn AdminPage() -> Html {
    let tab = use_state(|| Tab::Users);
    let tab_button = |value: Tab, label: &'static str| {
        let tab = tab.clone();
        let selected = *tab == value;
        html! {
            <button type="button" role="tab" aria-selected={selected.to_string()} onclick={move |_| tab.set(value)}>{ label }</button>
        }
    };
    html! {
        <section class="page">
            <h1>{ "Administration" }</h1>
            <div class="tabs" role="tablist" aria-label="Administration">
                { tab_button(Tab::Users, "Users and roles") }
                { tab_button(Tab::Queues, "Queues") }
                { tab_button(Tab::Skills, "Interpreter skills") }
            </div>
            <div role="tabpanel">
                { match *tab {
                    Tab::Users => html! { <UsersTab /> },
                    Tab::Queues => html! { <QueuesTab /> },
                    Tab::Skills => html! { <SkillsTab /> },
                } }
            </div>
        </section>
    }
}

#[function_component]
fn UsersTab() -> Html {
    let api = use_api();
    let list = use_state(|| None::<Vec<Account>>);
    let error = use_state(|| None::<String>);
    let name = use_state(String::new);
    let email = use_state(String::new);
    let role = use_state(|| "agent".to_owned());
    let password = use_state(String::new);
    // A requester's organisation (matching): picked from the organisations by name.
    let organisation = use_state(String::new);
    let organisation_names = use_organisation_names();
    let form_error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let load = {
        let (api, list, error) = (api.clone(), list.clone(), error.clone());
        use_callback((), move |_: (), _| {
            let (api, list, error) = (api.clone(), list.clone(), error.clone());
            spawn_local(async move {
                match users::list(&api).await {
                    Ok(l) => list.set(Some(l)),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };
    {
        let load = load.clone();
        use_effect_with((), move |_| load.emit(()));
    }

    let onsubmit = {
        let (api, name, email, role, password, organisation, form_error, done, busy, load) = (
            api.clone(),
            name.clone(),
            email.clone(),
            role.clone(),
            password.clone(),
            organisation.clone(),
            form_error.clone(),
            done.clone(),
            busy.clone(),
            load.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if password.chars().count() < 8 {
                form_error.set(Some("The password needs at least 8 characters.".to_owned()));
                return;
            }
            let account = NewAccount {
                email: email.trim().to_owned(),
                name: name.trim().to_owned(),
                role: (*role).clone(),
                password: (*password).clone(),
                organisation_id: Some((*organisation).clone())
                    .filter(|o| !o.is_empty() && *role == Role::Requester.as_str()),
            };
            busy.set(true);
            let (api, form_error, done, busy, load, name, email, password) = (
                api.clone(),
                form_error.clone(),
                done.clone(),
                busy.clone(),
                load.clone(),
                name.clone(),
                email.clone(),
                password.clone(),
            );
            spawn_local(async move {
                match users::create(&api, &account).await {
                    Ok(created) => {
                        done.set(Some(format!(
                            "Created {} ({}).",
                            created.email, created.role
                        )));
                        form_error.set(None);
                        name.set(String::new());
                        email.set(String::new());
                        password.set(String::new());
                        load.emit(());
                    }
                    Err(e) if e.code() == "email_taken" => {
                        form_error.set(Some("That email already has an account.".to_owned()))
                    }
                    Err(e) => form_error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    html! {
        <div class="grid two">
            <form class="card" {onsubmit} aria-labelledby="new-user-title">
                <h2 id="new-user-title">{ "New account" }</h2>
                { error_alert(&form_error) }
                if let Some(text) = (*done).clone() { <Alert tone={Tone::Success} {text} /> }
                <div class="field">
                    <label for="u-name">{ "Name" }</label>
                    <input id="u-name" type="text" required=true maxlength="120" value={(*name).clone()} oninput={bind_input(&name)} />
                </div>
                <div class="field">
                    <label for="u-email">{ "Email" }</label>
                    <input id="u-email" type="email" required=true value={(*email).clone()} oninput={bind_input(&email)} />
                </div>
                <div class="field">
                    <label for="u-role">{ "Role" }</label>
                    <select id="u-role" onchange={bind_select(&role)}>
                        { for Role::ALL.iter().map(|r| html! { <option value={r.as_str()} selected={*role == r.as_str()}>{ r.label() }</option> }) }
                    </select>
                </div>
                <div class="field">
                    <label for="u-password">{ "Initial password" }</label>
                    <input id="u-password" type="password" autocomplete="new-password" minlength="8" required=true value={(*password).clone()} oninput={bind_input(&password)} />
                    <p class="hint">{ "At least 8 characters. Interpreters also need skills before they can take calls." }</p>
                </div>
                if *role == Role::Requester.as_str() {
                    { organisation_picker(&organisation, &organisation_names) }
                }
                <button type="submit" class="primary" disabled={*busy}>{ "Create account" }</button>
            </form>
            <section class="card" aria-labelledby="users-title">
                <h2 id="users-title">{ "Accounts" }</h2>
                { error_alert(&error) }
                { match &*list {
                    None => html! { <p class="muted">{ "Loading…" }</p> },
                    Some(l) => html! {
                        <div class="table-wrap"><table data-testid="users">
                            <thead><tr><th scope="col">{ "Name" }</th><th scope="col">{ "Email" }</th><th scope="col">{ "Role" }</th></tr></thead>
                            <tbody>{ for l.iter().map(|u| html! {
                                <tr><th scope="row">{ u.name.clone() }</th><td>{ u.email.clone() }</td><td><span class="badge">{ u.role.clone() }</span>{ organisation_of(u, &organisation_names) }</td></tr>
                            }) }</tbody>
                        </table></div>
                    },
                } }
            </section>
        </div>
    }
}

/// The organisation a new requester works for, by name; none is allowed.
fn organisation_picker(
    organisation: &UseStateHandle<String>,
    names: &std::collections::HashMap<String, String>,
) -> Html {
    let mut list: Vec<(&String, &String)> = names.iter().collect();
    list.sort_by_key(|(_, name)| name.to_lowercase());
    html! {
        <div class="field">
            <label for="u-organisation">{ "Organisation" }</label>
            <select id="u-organisation" onchange={bind_select(organisation)}>
                <option value="" selected={organisation.is_empty()}>{ "None" }</option>
                { for list.into_iter().map(|(id, name)| html! { <option value={id.clone()} selected={**organisation == *id}>{ name.clone() }</option> }) }
            </select>
            <p class="hint">{ "A requester sees their organisation's calls; its policy applies to them." }</p>
        </div>
    }
}

fn organisation_of(account: &Account, names: &std::collections::HashMap<String, String>) -> Html {
    match account.organisation_id.as_ref() {
        Some(id) => html! {
            <span class="muted">{ format!(" · {}", names.get(id).cloned().unwrap_or_else(|| format::short_id(id))) }</span>
        },
        None => html! {},
    }
}
