//! `/account`: the signed-in user's own account (any role): who they are, and a password
//! change (with the current password; their sessions stay).

use crate::i18n::{num, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::bind_input;
use crate::components::alert::{error_alert, Alert, Tone};
use crate::hooks::{use_api, use_session};
use crate::services::auth;
use crate::types::{password_problem, ChangePassword};

#[function_component]
pub fn AccountPage() -> Html {
    use_locale();
    let session = use_session();
    let Some(current) = session.session.as_ref() else {
        return html! {};
    };
    let user = &current.user;
    html! {
        <section class="page narrow">
            <h1>{ t("title-account") }</h1>
            <section class="card" aria-labelledby="me-title">
                <h2 id="me-title">{ t("account-signed-in-as") }</h2>
                <dl class="facts wrap">
                    <div><dt>{ t("account-name") }</dt><dd>{ user.name.clone() }</dd></div>
                    <div><dt>{ t("login-email") }</dt><dd>{ user.email.clone() }</dd></div>
                    <div><dt>{ t("account-role") }</dt><dd>{ user.role.label() }</dd></div>
                </dl>
            </section>
            <ChangePasswordForm />
        </section>
    }
}

#[function_component]
fn ChangePasswordForm() -> Html {
    use_locale();
    let api = use_api();
    let current = use_state(String::new);
    let password = use_state(String::new);
    let again = use_state(String::new);
    let error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (current, password, again, error, done, busy) = (
            current.clone(),
            password.clone(),
            again.clone(),
            error.clone(),
            done.clone(),
            busy.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            done.set(None);
            if current.is_empty() {
                error.set(Some(t("account-current-missing")));
                return;
            }
            if let Some(problem) = password_problem(&password) {
                error.set(Some(problem));
                return;
            }
            if *password != *again {
                error.set(Some(t("account-passwords-differ")));
                return;
            }
            if *password == *current {
                error.set(Some(t("account-password-same")));
                return;
            }
            let body = ChangePassword {
                current_password: (*current).clone(),
                new_password: (*password).clone(),
            };
            busy.set(true);
            error.set(None);
            let (api, current, password, again, error, done, busy) = (
                api.clone(),
                current.clone(),
                password.clone(),
                again.clone(),
                error.clone(),
                done.clone(),
                busy.clone(),
            );
            spawn_local(async move {
                match auth::change_password(&api, &body).await {
                    Ok(()) => {
                        current.set(String::new());
                        password.set(String::new());
                        again.set(String::new());
                        done.set(Some(t("account-password-changed")));
                    }
                    Err(e) if e.code() == "invalid_value" => {
                        error.set(password_problem("").or_else(|| Some(e.to_string())))
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    let min = *wire::accounts::PASSWORD_CHARS.start();
    html! {
        <form class="card" {onsubmit} novalidate=true aria-labelledby="password-title">
            <h2 id="password-title">{ t("account-change-password") }</h2>
            { error_alert(&error) }
            if let Some(text) = (*done).clone() { <Alert tone={Tone::Success} {text} /> }
            <div class="field">
                <label for="pw-current">{ t("account-current-password") }</label>
                <input id="pw-current" type="password" autocomplete="current-password" required=true
                    value={(*current).clone()} oninput={bind_input(&current)} />
            </div>
            <div class="field">
                <label for="pw-new">{ t("account-new-password") }</label>
                <input id="pw-new" type="password" autocomplete="new-password" required=true
                    value={(*password).clone()} oninput={bind_input(&password)} />
                <p class="hint">{ t_args("password-at-least", &[("min", num(min as f64))]) }</p>
            </div>
            <div class="field">
                <label for="pw-again">{ t("account-new-password-again") }</label>
                <input id="pw-again" type="password" autocomplete="new-password" required=true
                    value={(*again).clone()} oninput={bind_input(&again)} />
            </div>
            <button type="submit" class="primary" disabled={*busy}>{ t("account-change-password") }</button>
        </form>
    }
}
