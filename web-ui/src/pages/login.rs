//! Sign in.

use crate::i18n::{arg, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::bind_input;
use crate::components::alert::{Alert, Tone};
use crate::hooks::{focus_id, use_api, use_session, SessionAction};
use crate::services::auth;

const DEMO: [(&str, &str); 5] = [
    ("requester@example.com", "role-requester"),
    ("agent1@example.com", "role-agent"),
    ("supervisor@example.com", "role-supervisor"),
    ("analyst@example.com", "role-analyst"),
    ("admin@example.com", "role-admin"),
];

const EMAIL_ID: &str = "login-email";
const PASSWORD_ID: &str = "login-password";
const EMAIL_ERROR_ID: &str = "login-email-error";
const PASSWORD_ERROR_ID: &str = "login-password-error";
const FORM_ERROR_ID: &str = "login-error";

#[function_component]
pub fn Login() -> Html {
    let session = use_session();
    let api = use_api();
    use_locale();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| None::<String>);
    // A field left empty: said beside the field, tied to it (aria-describedby) and
    // marked invalid, so a screen reader says it when the field has the focus.
    let email_missing = use_state(|| false);
    let password_missing = use_state(|| false);
    // The server refused the email and password (not a single sign-on failure): the
    // message is about both fields.
    let refused = use_state(|| false);
    let busy = use_state(|| false);
    let sso = use_state(|| false);

    // Whether single sign-on is offered; and, back from it (`/#sso=<one-time code>`), the
    // code exchanged for a session. The fragment is cleared first: the code is for one use.
    {
        let (api, session, error, busy, sso) = (
            api.clone(),
            session.clone(),
            error.clone(),
            busy.clone(),
            sso.clone(),
        );
        use_effect_with((), move |_| {
            let code = take_sso_code();
            spawn_local(async move {
                if let Some(code) = code {
                    busy.set(true);
                    match auth::finish_sso(&api, &code).await {
                        Ok(answer) => session.dispatch(SessionAction::LoggedIn(answer)),
                        Err(e) => error.set(Some(t_args(
                            "login-sso-failed",
                            &[("error", arg(e.to_string()))],
                        ))),
                    }
                    busy.set(false);
                }
                if let Ok(config) = auth::config(&api).await {
                    sso.set(config.sso);
                }
            });
        });
    }
    let sso_login = Callback::from(|_: MouseEvent| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().set_href(auth::SSO_LOGIN_PATH);
        }
    });

    let onsubmit = {
        let (email, password, error, busy) =
            (email.clone(), password.clone(), error.clone(), busy.clone());
        let (email_missing, password_missing, refused) = (
            email_missing.clone(),
            password_missing.clone(),
            refused.clone(),
        );
        let session = session.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let (no_email, no_password) = (email.trim().is_empty(), password.is_empty());
            email_missing.set(no_email);
            password_missing.set(no_password);
            refused.set(false);
            if no_email || no_password {
                error.set(None);
                focus_id(if no_email { EMAIL_ID } else { PASSWORD_ID });
                return;
            }
            busy.set(true);
            error.set(None);
            let (api, session, error, busy, refused) = (
                api.clone(),
                session.clone(),
                error.clone(),
                busy.clone(),
                refused.clone(),
            );
            let (email, password) = ((*email).clone(), (*password).clone());
            spawn_local(async move {
                match auth::login(&api, &email, &password).await {
                    Ok(answer) => session.dispatch(SessionAction::LoggedIn(answer)),
                    Err(e) => {
                        error.set(Some(e.to_string()));
                        refused.set(true);
                        // Back to the first field, which now says what was wrong.
                        focus_id(EMAIL_ID);
                    }
                }
                busy.set(false);
            });
        })
    };
    // A refused sign-in is about both fields (which one was wrong is not said, on purpose).
    let refused = *refused && error.is_some();
    let described = |missing_id: &str, missing: bool| {
        let ids: Vec<&str> = [(missing_id, missing), (FORM_ERROR_ID, refused)]
            .into_iter()
            .filter_map(|(id, on)| on.then_some(id))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    let email_described = described(EMAIL_ERROR_ID, *email_missing);
    let password_described = described(PASSWORD_ERROR_ID, *password_missing);
    let invalid = |missing: bool| (missing || refused).then_some("true");

    let notice = session.notice.clone();
    let clear_notice = {
        let session = session.clone();
        Callback::from(move |_| session.dispatch(SessionAction::ClearNotice))
    };

    html! {
        <section class="login-page">
            <div class="card login-card">
                <h1>{ t("login-heading") }</h1>
                <p class="muted">{ t("login-tagline") }</p>
                if let Some(text) = notice {
                    <Alert tone={Tone::Info} {text} on_close={clear_notice} />
                }
                if let Some(text) = (*error).clone() {
                    <div id={FORM_ERROR_ID}><Alert {text} /></div>
                }
                <form {onsubmit} novalidate=true>
                    <div class="field">
                        <label for={EMAIL_ID}>{ t("login-email") }</label>
                        <input id={EMAIL_ID} name="email" type="email" autocomplete="username" required=true
                            aria-invalid={invalid(*email_missing)} aria-describedby={email_described}
                            value={(*email).clone()} oninput={bind_input(&email)} />
                        if *email_missing {
                            <p id={EMAIL_ERROR_ID} class="field-error">{ t("login-email-missing") }</p>
                        }
                    </div>
                    <div class="field">
                        <label for={PASSWORD_ID}>{ t("login-password") }</label>
                        <input id={PASSWORD_ID} name="password" type="password" autocomplete="current-password" required=true
                            aria-invalid={invalid(*password_missing)} aria-describedby={password_described}
                            value={(*password).clone()} oninput={bind_input(&password)} />
                        if *password_missing {
                            <p id={PASSWORD_ERROR_ID} class="field-error">{ t("login-password-missing") }</p>
                        }
                    </div>
                    <button type="submit" class="primary wide" disabled={*busy}>
                        { if *busy { t("login-busy") } else { t("login-submit") } }
                    </button>
                </form>
                if *sso {
                    <p class="muted sso-or">{ t("login-or") }</p>
                    <button type="button" id="sso-login" class="wide" disabled={*busy} onclick={sso_login}>
                        { t("login-sso") }
                    </button>
                }
                <details class="demo">
                    <summary>{ t("login-demo-accounts") }</summary>
                    <p class="muted">{ t("login-demo-password") }{ " " }<code>{ "password123" }</code></p>
                    <ul class="demo-list">
                        { for DEMO.iter().map(|(address, label)| {
                            let (email, password) = (email.clone(), password.clone());
                            let shown = format!("{}: {address}", t(label));
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

/// The one-time code of `#sso=<code>` in the address, removed from the address (and from
/// the history entry) as it is read.
fn take_sso_code() -> Option<String> {
    let window = web_sys::window()?;
    let hash = window.location().hash().ok()?;
    let code = hash.strip_prefix("#sso=")?.to_owned();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/"));
    }
    (!code.is_empty()).then_some(code)
}
