//! `/reset-password#token=…`: sets a new password with a one-use link an admin issued, then
//! sends the user to sign in. Open to anyone (the link is the credential); the token is
//! read from the fragment, which never reaches a server log.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use super::bind_input;
use crate::components::alert::error_alert;
use crate::hooks::{use_api, use_session, SessionAction};
use crate::route::Route;
use crate::services::auth;
use crate::types::{password_problem, reset_token, ResetPassword};

/// What the server's refusal means to the person holding the link.
fn explain(error: &crate::services::ApiError) -> String {
    match error.code() {
        wire::accounts::INVALID_RESET_TOKEN => "This reset link does not work: it has been used already, has expired (links last 24 hours) or was copied incompletely. Ask an administrator for a new one.".to_owned(),
        "invalid_value" => password_problem("").unwrap_or_else(|| error.to_string()),
        _ => error.to_string(),
    }
}

#[function_component]
pub fn ResetPasswordPage() -> Html {
    let api = use_api();
    let session = use_session();
    let navigator = use_navigator();
    let token = use_memo((), |_| {
        web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .and_then(|hash| reset_token(&hash))
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
                error.set(Some(
                    "The two passwords differ: type the same one twice.".into(),
                ));
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
                        session.dispatch(SessionAction::SignInAgain(
                            "Your new password is set. Sign in with it.".to_owned(),
                        ));
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

    let min = wire::accounts::PASSWORD_CHARS.start().to_string();
    html! {
        <section class="login-page">
            <div class="card login-card">
                <h1>{ "Set a new password" }</h1>
                if token.is_none() {
                    { error_alert(&Some("This page needs the whole reset link an administrator sent you (it ends with #token=…). Ask them for a new one if it is lost.".to_owned())) }
                    <Link<Route> to={Route::Login} classes="button">{ "Go to sign in" }</Link<Route>>
                } else {
                    <p class="muted">{ "The link works once. Setting a password signs you out everywhere." }</p>
                    { error_alert(&error) }
                    <form {onsubmit} novalidate=true>
                        <div class="field">
                            <label for="reset-password">{ "New password" }</label>
                            <input id="reset-password" type="password" autocomplete="new-password" required=true
                                value={(*password).clone()} oninput={bind_input(&password)} />
                            <p class="hint">{ format!("At least {min} characters.") }</p>
                        </div>
                        <div class="field">
                            <label for="reset-again">{ "New password again" }</label>
                            <input id="reset-again" type="password" autocomplete="new-password" required=true
                                value={(*again).clone()} oninput={bind_input(&again)} />
                        </div>
                        <button type="submit" class="primary wide" disabled={*busy}>
                            { if *busy { "Setting…" } else { "Set password" } }
                        </button>
                    </form>
                }
            </div>
        </section>
    }
}
