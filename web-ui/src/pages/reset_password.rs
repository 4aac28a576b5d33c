//! `/reset-password#token=…`: sets a new password with a one-use link an admin issued, then
//! sends the user to sign in. Open to anyone (the link is the credential); the token is
//! read from the fragment, which never reaches a server log.

use crate::i18n::{num, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use super::bind_input;
use crate::components::alert::error_alert;
use crate::hooks::{use_api, use_session, SessionAction};
use crate::route::Route;
use crate::services::auth;
use crate::types::{fragment_token, password_problem, ResetPassword};

/// What the server's refusal means to the person holding the link.
fn explain(error: &crate::services::ApiError) -> String {
    match error.code() {
        wire::accounts::INVALID_RESET_TOKEN => t("reset-link-invalid"),
        "invalid_value" => password_problem("").unwrap_or_else(|| error.to_string()),
        _ => error.to_string(),
    }
}

#[function_component]
pub fn ResetPasswordPage() -> Html {
    use_locale();
    let api = use_api();
    let session = use_session();
    let navigator = use_navigator();
    let token = use_memo((), |_| {
        web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .and_then(|hash| fragment_token(&hash))
    });
    let password = use_state(String::new);
    let again = use_state(String::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (token, password, again, error, busy) = (
            token.clone(),
            password.clone(),
            again.clone(),
            error.clone(),
            busy.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(token) = (*token).clone() else {
                return;
            };
            if *busy {
                return;
            }
            if let Some(problem) = password_problem(&password) {
                error.set(Some(problem));
                return;
            }
            if *password != *again {
                error.set(Some(t("reset-passwords-differ")));
                return;
            }
            busy.set(true);
            error.set(None);
            let body = ResetPassword {
                token,
                new_password: (*password).clone(),
            };
            let (api, session, navigator, error, busy) = (
                api.clone(),
                session.clone(),
                navigator.clone(),
                error.clone(),
                busy.clone(),
            );
            spawn_local(async move {
                match auth::reset_password(&api, &body).await {
                    Ok(()) => {
                        session.dispatch(SessionAction::SignInAgain(t("reset-done")));
                        if let Some(navigator) = navigator {
                            navigator.replace(&Route::Login);
                        }
                    }
                    Err(e) => {
                        error.set(Some(explain(&e)));
                        busy.set(false);
                    }
                }
            });
        })
    };

    let min = *wire::accounts::PASSWORD_CHARS.start();
    html! {
        <section class="login-page">
            <div class="card login-card">
                <h1>{ t("title-reset-password") }</h1>
                if token.is_none() {
                    { error_alert(&Some(t("reset-link-missing"))) }
                    <Link<Route> to={Route::Login} classes="button">{ t("reset-go-to-sign-in") }</Link<Route>>
                } else {
                    <p class="muted">{ t("reset-works-once") }</p>
                    { error_alert(&error) }
                    <form {onsubmit} novalidate=true>
                        <div class="field">
                            <label for="reset-password">{ t("account-new-password") }</label>
                            <input id="reset-password" type="password" autocomplete="new-password" required=true
                                value={(*password).clone()} oninput={bind_input(&password)} />
                            <p class="hint">{ t_args("password-at-least", &[("min", num(min as f64))]) }</p>
                        </div>
                        <div class="field">
                            <label for="reset-again">{ t("account-new-password-again") }</label>
                            <input id="reset-again" type="password" autocomplete="new-password" required=true
                                value={(*again).clone()} oninput={bind_input(&again)} />
                        </div>
                        <button type="submit" class="primary wide" disabled={*busy}>
                            { if *busy { t("reset-busy") } else { t("reset-submit") } }
                        </button>
                    </form>
                }
            </div>
        </section>
    }
}
