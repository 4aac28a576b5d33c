//! Sign in.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::bind_input;
use crate::components::alert::{Alert, Tone};
use crate::hooks::{use_api, use_session, SessionAction};
use crate::services::auth;

const DEMO: [(&str, &str); 5] = [
    ("requester@example.com", "Requester"),
    ("agent1@example.com", "Interpreter"),
    ("supervisor@example.com", "Supervisor"),
    ("analyst@example.com", "Analyst"),
    ("admin@example.com", "Admin"),
];

#[function_component]
pub fn Login() -> Html {
    let session = use_session();
    let api = use_api();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (email, password, error, busy) =
            (email.clone(), password.clone(), error.clone(), busy.clone());
        let session = session.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            if email.trim().is_empty() || password.is_empty() {
                error.set(Some("Enter your email and password.".to_owned()));
                return;
            }
            busy.set(true);
            error.set(None);
            let (api, session, error, busy) =
                (api.clone(), session.clone(), error.clone(), busy.clone());
            let (email, password) = ((*email).clone(), (*password).clone());
            spawn_local(async move {
                match auth::login(&api, &email, &password).await {
                    Ok(answer) => session.dispatch(SessionAction::LoggedIn(answer)),
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    let notice = session.notice.clone();
    let clear_notice = {
        let session = session.clone();
        Callback::from(move |_| session.dispatch(SessionAction::ClearNotice))
    };

    html! {
        <section class="login-page">
            <div class="card login-card">
                <h1>{ "Sign in to Parley" }</h1>
                <p class="muted">{ "Interpreters on demand, by video or phone." }</p>
                if let Some(text) = notice {
                    <Alert tone={Tone::Info} {text} on_close={clear_notice} />
                }
                if let Some(text) = (*error).clone() {
                    <Alert {text} />
                }
                <form {onsubmit} novalidate=true>
                    <div class="field">
                        <label for="login-email">{ "Email" }</label>
                        <input id="login-email" name="email" type="email" autocomplete="username" required=true
                            value={(*email).clone()} oninput={bind_input(&email)} />
                    </div>
                    <div class="field">
                        <label for="login-password">{ "Password" }</label>
                        <input id="login-password" name="password" type="password" autocomplete="current-password" required=true
                            value={(*password).clone()} oninput={bind_input(&password)} />
                    </div>
                    <button type="submit" class="primary wide" disabled={*busy}>
                        { if *busy { "Signing in…" } else { "Sign in" } }
                    </button>
                </form>
                <details class="demo">
                    <summary>{ "Demo accounts (local stack)" }</summary>
                    <p class="muted">{ "Password " }<code>{ "password123" }</code></p>
                    <ul class="demo-list">
                        { for DEMO.iter().map(|(address, label)| {
                            let (email, password) = (email.clone(), password.clone());
                            let shown = format!("{label}: {address}");
                            let address = address.to_string();
                            let onclick = Callback::from(move |_| {
                                email.set(address.clone());
                                password.set("password123".to_owned());
                            });
                            html! {
                                <li><button type="button" class="link" {onclick}>{ shown }</button></li>
                            }
                        }) }
                    </ul>
                </details>
            </div>
        </section>
    }
}
