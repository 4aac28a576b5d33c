//! Administration, "Users and roles": new accounts; every account (deactivated ones too)
//! with deactivate / reactivate and a one-use password reset link.

use crate::i18n::{arg, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::{bind_input, bind_select, confirm};
use crate::components::alert::{error_alert, Alert, Tone};
use crate::components::copy_field::CopyField;
use crate::format;
use crate::hooks::{use_api, use_organisation_names, use_session};
use crate::services::users;
use crate::types::{password_problem, Account, NewAccount, ResetLink, Role};

/// What an admin does to an account from its row.
#[derive(Clone, Copy, PartialEq)]
enum RowAction {
    Deactivate,
    Reactivate,
    ResetPassword,
}

/// A reset link just issued, for the account it was issued for.
#[derive(Clone, PartialEq)]
struct IssuedLink {
    account: Account,
    link: ResetLink,
}

/// The link as the user opens it: the path the server gives, on this page's origin.
fn full_url(path: &str) -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}{path}")
}

#[function_component]
pub fn UsersTab() -> Html {
    use_locale();
    let api = use_api();
    let session = use_session();
    let me = session.session.as_ref().map(|s| s.user.id.clone());
    let list = use_state(|| None::<Vec<Account>>);
    let error = use_state(|| None::<String>);
    let notice = use_state(|| None::<String>);
    let issued = use_state(|| None::<IssuedLink>);
    let organisation_names = use_organisation_names();

    let load = {
        let (api, list, error) = (api.clone(), list.clone(), error.clone());
        use_callback((), move |_: (), _| {
            let (api, list, error) = (api.clone(), list.clone(), error.clone());
            spawn_local(async move {
                match users::list_all(&api).await {
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

    // Deactivating and issuing a link are confirmed first; reactivating is not.
    let act = {
        let (api, error, notice, issued, load) = (
            api.clone(),
            error.clone(),
            notice.clone(),
            issued.clone(),
            load.clone(),
        );
        Callback::from(move |(action, account): (RowAction, Account)| {
            if action != RowAction::Reactivate && !confirm(&question(action, &account)) {
                return;
            }
            let (api, error, notice, issued, load) = (
                api.clone(),
                error.clone(),
                notice.clone(),
                issued.clone(),
                load.clone(),
            );
            spawn_local(async move {
                let who = format!("{} ({})", account.name, account.email);
                let result = match action {
                    RowAction::Deactivate => users::deactivate(&api, &account.id)
                        .await
                        .map(|()| t_args("users-deactivated", &[("who", arg(who.clone()))])),
                    RowAction::Reactivate => users::reactivate(&api, &account.id)
                        .await
                        .map(|()| t_args("users-reactivated", &[("who", arg(who.clone()))])),
                    RowAction::ResetPassword => {
                        users::issue_reset(&api, &account.id).await.map(|link| {
                            issued.set(Some(IssuedLink {
                                account: account.clone(),
                                link,
                            }));
                            t_args("users-reset-issued", &[("who", arg(who.clone()))])
                        })
                    }
                };
                match result {
                    Ok(text) => {
                        error.set(None);
                        notice.set(Some(text));
                        load.emit(());
                    }
                    Err(e) if e.code() == wire::accounts::CANNOT_DEACTIVATE_SELF => {
                        error.set(Some(t("users-not-yourself")))
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };

    let close_link = {
        let issued = issued.clone();
        Callback::from(move |_| issued.set(None))
    };

    html! {
        <div class="stack">
            <section class="card" aria-labelledby="users-title">
                <h2 id="users-title">{ t("users-accounts") }</h2>
                { error_alert(&error) }
                if let Some(text) = (*notice).clone() { <Alert tone={Tone::Success} {text} /> }
                if let Some(IssuedLink { account, link }) = (*issued).clone() {
                    <div class="reveal" data-testid="reset-link" aria-labelledby="reset-link-title">
                        <h3 id="reset-link-title">{ t_args("users-reset-link-for", &[("name", arg(account.name.clone()))]) }</h3>
                        <p>{ t_args("users-reset-link-send", &[("email", arg(account.email.clone())), ("until", arg(format::date_time(Some(link.expires_at))))]) }</p>
                        <CopyField id="reset-url" label={t("users-reset-link")} value={full_url(&link.reset_url)} />
                        <button type="button" class="secondary small" onclick={close_link}>{ t("users-done") }</button>
                    </div>
                }
                { match &*list {
                    None => html! { <p class="muted">{ t("loading") }</p> },
                    Some(l) => html! {
                        <div class="table-wrap"><table data-testid="users">
                            <thead><tr>
                                <th scope="col">{ t("account-name") }</th><th scope="col">{ t("login-email") }</th><th scope="col">{ t("account-role") }</th>
                                <th scope="col">{ t("column-status") }</th><th scope="col"><span class="sr-only">{ t("floor-actions") }</span></th>
                            </tr></thead>
                            <tbody>{ for l.iter().map(|u| account_row(u, me.as_deref() == Some(u.id.as_str()), &act, &organisation_names)) }</tbody>
                        </table></div>
                    },
                } }
            </section>
            <NewAccountForm on_created={load.clone()} />
        </div>
    }
}

fn question(action: RowAction, account: &Account) -> String {
    let who = format!("{} ({})", account.name, account.email);
    match action {
        RowAction::Deactivate => t_args("users-deactivate-confirm", &[("who", arg(who))]),
        RowAction::Reactivate => t_args("users-reactivate-confirm", &[("who", arg(who))]),
        RowAction::ResetPassword => t_args("users-reset-confirm", &[("who", arg(who))]),
    }
}

fn account_row(
    account: &Account,
    is_me: bool,
    act: &Callback<(RowAction, Account)>,
    organisation_names: &std::collections::HashMap<String, String>,
) -> Html {
    let button = |action: RowAction, label: String, class: &'static str| {
        let (act, account) = (act.clone(), account.clone());
        let aria = format!("{label} {}", account.name);
        html! {
            <button type="button" class={classes!(class, "small")} aria-label={aria}
                onclick={move |_| act.emit((action, account.clone()))}>{ label }</button>
        }
    };
    let status = match account.deactivated_at {
        None => html! { <span class="badge badge-active">{ t("users-active") }</span> },
        Some(at) => html! {
            <span class="badge badge-deactivated" title={t_args("console-since", &[("time", arg(format::date_time(Some(at))))])}>{ t("users-deactivated-badge") }</span>
        },
    };
    html! {
        <tr class={classes!((!account.is_active()).then_some("inactive"))}>
            <th scope="row">{ account.name.clone() }if is_me { <span class="muted">{ " " }{ t("users-you") }</span> }</th>
            <td class="break">{ account.email.clone() }</td>
            <td><span class="badge">{ role_label(&account.role) }</span>{ organisation_of(account, organisation_names) }</td>
            <td>{ status }</td>
            <td><div class="actions row-actions">
                if account.is_active() {
                    { button(RowAction::ResetPassword, t("users-reset-password"), "secondary") }
                    if !is_me { { button(RowAction::Deactivate, t("users-deactivate"), "danger") } }
                } else {
                    { button(RowAction::Reactivate, t("users-reactivate"), "secondary") }
                }
            </div></td>
        </tr>
    }
}

#[derive(Properties, PartialEq)]
struct NewAccountFormProps {
    on_created: Callback<()>,
}

#[function_component]
fn NewAccountForm(props: &NewAccountFormProps) -> Html {
    use_locale();
    let api = use_api();
    let name = use_state(String::new);
    let email = use_state(String::new);
    let role = use_state(|| Role::Agent.as_str().to_owned());
    let password = use_state(String::new);
    // A requester's organisation (matching): picked from the organisations by name.
    let organisation = use_state(String::new);
    let organisation_names = use_organisation_names();
    let form_error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (name, email, role, password, organisation, form_error, done, busy) = (
            name.clone(),
            email.clone(),
            role.clone(),
            password.clone(),
            organisation.clone(),
            form_error.clone(),
            done.clone(),
            busy.clone(),
        );
        let on_created = props.on_created.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(problem) = password_problem(&password) {
                form_error.set(Some(problem));
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
            let (api, form_error, done, busy, on_created, name, email, password) = (
                api.clone(),
                form_error.clone(),
                done.clone(),
                busy.clone(),
                on_created.clone(),
                name.clone(),
                email.clone(),
                password.clone(),
            );
            spawn_local(async move {
                match users::create(&api, &account).await {
                    Ok(created) => {
                        done.set(Some(t_args(
                            "users-created",
                            &[
                                ("email", arg(created.email.clone())),
                                ("role", arg(role_label(&created.role))),
                            ],
                        )));
                        form_error.set(None);
                        name.set(String::new());
                        email.set(String::new());
                        password.set(String::new());
                        on_created.emit(());
                    }
                    Err(e) if e.code() == "email_taken" => {
                        form_error.set(Some(t("users-email-taken")))
                    }
                    Err(e) => form_error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    let min = wire::accounts::PASSWORD_CHARS.start().to_string();
    html! {
        <form class="card form-narrow" {onsubmit} aria-labelledby="new-user-title">
            <h2 id="new-user-title">{ t("users-new") }</h2>
            { error_alert(&form_error) }
            if let Some(text) = (*done).clone() { <Alert tone={Tone::Success} {text} /> }
            <div class="field">
                <label for="u-name">{ t("account-name") }</label>
                <input id="u-name" type="text" required=true maxlength="120" value={(*name).clone()} oninput={bind_input(&name)} />
            </div>
            <div class="field">
                <label for="u-email">{ t("login-email") }</label>
                <input id="u-email" type="email" required=true value={(*email).clone()} oninput={bind_input(&email)} />
            </div>
            <div class="field">
                <label for="u-role">{ t("account-role") }</label>
                <select id="u-role" onchange={bind_select(&role)}>
                    { for Role::ALL.iter().map(|r| html! { <option value={r.as_str()} selected={*role == r.as_str()}>{ r.label() }</option> }) }
                </select>
            </div>
            <div class="field">
                <label for="u-password">{ t("users-initial-password") }</label>
                <input id="u-password" type="password" autocomplete="new-password" minlength={min.clone()} required=true value={(*password).clone()} oninput={bind_input(&password)} />
                <p class="hint">{ t_args("users-password-hint", &[("min", arg(min.clone()))]) }</p>
            </div>
            if *role == Role::Requester.as_str() {
                { organisation_picker(&organisation, &organisation_names) }
            }
            <button type="submit" class="primary" disabled={*busy}>{ t("users-create") }</button>
        </form>
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
            <label for="u-organisation">{ t("title-organisation") }</label>
            <select id="u-organisation" onchange={bind_select(organisation)}>
                <option value="" selected={organisation.is_empty()}>{ t("tags-none") }</option>
                { for list.into_iter().map(|(id, name)| html! { <option value={id.clone()} selected={**organisation == *id}>{ name.clone() }</option> }) }
            </select>
            <p class="hint">{ t("users-organisation-hint") }</p>
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

/// A role as the server spells it (`agent`) → its name in the interface's language.
fn role_label(role: &str) -> String {
    Role::ALL
        .iter()
        .find(|r| r.as_str() == role)
        .map_or_else(|| role.to_owned(), |r| r.label())
}
