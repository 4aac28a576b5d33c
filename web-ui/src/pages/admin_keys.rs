//! Administration, "API keys": keys for integrations. A new key's secret is shown this
//! once (only its SHA-256 is kept); keys are listed without secrets and revoked, never
//! deleted.

use crate::i18n::{arg, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::{bind_input, confirm};
use crate::components::alert::{error_alert, Alert, Tone};
use crate::components::copy_field::CopyField;
use crate::format;
use crate::hooks::use_api;
use crate::services::api_keys;
use crate::types::{scope_label, ApiKey, CreatedApiKey, NewApiKey};

#[function_component]
pub fn ApiKeysTab() -> Html {
    use_locale();
    let api = use_api();
    let list = use_state(|| None::<Vec<ApiKey>>);
    let error = use_state(|| None::<String>);
    let notice = use_state(|| None::<String>);
    // The secret of the key just created: held by this page only, gone when it closes.
    let created = use_state(|| None::<CreatedApiKey>);

    let load = {
        let (api, list, error) = (api.clone(), list.clone(), error.clone());
        use_callback((), move |_: (), _| {
            let (api, list, error) = (api.clone(), list.clone(), error.clone());
            spawn_local(async move {
                match api_keys::list(&api).await {
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

    let on_created = {
        let (created, notice, load) = (created.clone(), notice.clone(), load.clone());
        Callback::from(move |key: CreatedApiKey| {
            notice.set(None);
            created.set(Some(key));
            load.emit(());
        })
    };

    let revoke = {
        let (api, error, notice, load) = (api.clone(), error.clone(), notice.clone(), load.clone());
        Callback::from(move |key: ApiKey| {
            let question = t_args(
                "keys-revoke-confirm",
                &[
                    ("name", arg(key.name.clone())),
                    ("prefix", arg(key.prefix.clone())),
                ],
            );
            if !confirm(&question) {
                return;
            }
            let (api, error, notice, load) =
                (api.clone(), error.clone(), notice.clone(), load.clone());
            spawn_local(async move {
                match api_keys::revoke(&api, &key.id).await {
                    Ok(()) => {
                        error.set(None);
                        notice.set(Some(t_args(
                            "keys-revoked",
                            &[("name", arg(key.name.clone()))],
                        )));
                        load.emit(());
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };

    let dismiss = {
        let created = created.clone();
        Callback::from(move |_| created.set(None))
    };

    html! {
        <div class="stack">
            <div class="grid even">
                <NewKeyForm {on_created} />
                if let Some(key) = (*created).clone() {
                    <section class="card reveal" data-testid="new-key" aria-labelledby="new-key-title">
                        <h2 id="new-key-title">{ t_args("keys-key-for", &[("name", arg(key.name.clone()))]) }</h2>
                        <Alert tone={Tone::Warning} text={t("keys-copy-now")} />
                        <CopyField id="new-key-secret" label={t("keys-api-key")} value={key.key.clone()} />
                        <p class="hint">{ t("keys-sent-as") }{ " " }<code>{ "Authorization: Bearer <key>" }</code></p>
                        <button type="button" class="secondary" onclick={dismiss}>{ t("keys-stored") }</button>
                    </section>
                }
            </div>
            <section class="card" aria-labelledby="keys-title">
                <h2 id="keys-title">{ t("admin-tab-keys") }</h2>
                { error_alert(&error) }
                if let Some(text) = (*notice).clone() { <Alert tone={Tone::Success} {text} /> }
                { match &*list {
                    None => html! { <p class="muted">{ t("loading") }</p> },
                    Some(l) if l.is_empty() => html! { <p class="muted">{ t("keys-none") }</p> },
                    Some(l) => html! {
                        <div class="table-wrap"><table data-testid="api-keys">
                            <thead><tr>
                                <th scope="col">{ t("account-name") }</th><th scope="col">{ t("keys-key") }</th><th scope="col">{ t("keys-scopes") }</th>
                                <th scope="col">{ t("keys-created") }</th><th scope="col">{ t("keys-last-used") }</th><th scope="col">{ t("column-status") }</th>
                                <th scope="col"><span class="sr-only">{ t("floor-actions") }</span></th>
                            </tr></thead>
                            <tbody>{ for l.iter().map(|k| key_row(k, &revoke)) }</tbody>
                        </table></div>
                    },
                } }
            </section>
        </div>
    }
}

fn key_row(key: &ApiKey, revoke: &Callback<ApiKey>) -> Html {
    let onclick = {
        let (revoke, key) = (revoke.clone(), key.clone());
        Callback::from(move |_| revoke.emit(key.clone()))
    };
    html! {
        <tr class={classes!(key.revoked_at.is_some().then_some("inactive"))}>
            <th scope="row">{ key.name.clone() }</th>
            <td><code>{ format!("pk_{}…", key.prefix) }</code></td>
            <td><div class="scopes">{ for key.scopes.iter().map(|s| html! { <span class="badge" title={scope_label(s)}>{ s.clone() }</span> }) }</div></td>
            <td class="nowrap">{ format::date_time(Some(key.created_at)) }</td>
            <td>{ key.last_used_at.map(|at| format::date_time(Some(at))).unwrap_or_else(|| "—".to_owned()) }</td>
            <td>{ match key.revoked_at {
                None => html! { <span class="badge badge-active">{ t("users-active") }</span> },
                Some(at) => html! {
                    <>
                        <span class="badge badge-deactivated">{ t("keys-revoked-badge") }</span>
                        <div class="muted small nowrap">{ format::date_time(Some(at)) }</div>
                    </>
                },
            } }</td>
            <td>
                if key.revoked_at.is_none() {
                    <button type="button" class="danger small" aria-label={t_args("keys-revoke-named", &[("name", arg(key.name.clone()))])} {onclick}>{ t("keys-revoke") }</button>
                }
            </td>
        </tr>
    }
}

#[derive(Properties, PartialEq)]
struct NewKeyFormProps {
    on_created: Callback<CreatedApiKey>,
}

#[function_component]
fn NewKeyForm(props: &NewKeyFormProps) -> Html {
    use_locale();
    let api = use_api();
    let name = use_state(String::new);
    let scopes = use_state(|| {
        wire::accounts::API_KEY_SCOPES
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>()
    });
    let form_error = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (name, scopes, form_error, busy) = (
            name.clone(),
            scopes.clone(),
            form_error.clone(),
            busy.clone(),
        );
        let on_created = props.on_created.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if name.trim().is_empty() {
                form_error.set(Some(t("keys-name-missing")));
                return;
            }
            if scopes.is_empty() {
                form_error.set(Some(t("keys-scope-missing")));
                return;
            }
            let body = NewApiKey {
                name: name.trim().to_owned(),
                scopes: (*scopes).clone(),
            };
            busy.set(true);
            let (api, name, form_error, busy, on_created) = (
                api.clone(),
                name.clone(),
                form_error.clone(),
                busy.clone(),
                on_created.clone(),
            );
            spawn_local(async move {
                match api_keys::create(&api, &body).await {
                    Ok(key) => {
                        form_error.set(None);
                        name.set(String::new());
                        on_created.emit(key);
                    }
                    Err(e) => form_error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    html! {
        <form class="card" {onsubmit} aria-labelledby="new-key-form-title">
            <h2 id="new-key-form-title">{ t("keys-new") }</h2>
            { error_alert(&form_error) }
            <div class="field">
                <label for="k-name">{ t("account-name") }</label>
                <input id="k-name" type="text" maxlength="100" required=true value={(*name).clone()} oninput={bind_input(&name)} />
                <p class="hint">{ t("keys-name-hint") }</p>
            </div>
            <fieldset class="field">
                <legend>{ t("keys-scopes") }</legend>
                { for wire::accounts::API_KEY_SCOPES.iter().map(|scope| {
                    let scopes_h = scopes.clone();
                    let onchange = Callback::from(move |e: Event| {
                        let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                        let mut next: Vec<String> =
                            scopes_h.iter().filter(|s| s.as_str() != *scope).cloned().collect();
                        if on {
                            next.push((*scope).to_owned());
                        }
                        scopes_h.set(next);
                    });
                    html! {
                        <div>
                            <label class="choice">
                                <input type="checkbox" checked={scopes.iter().any(|s| s == scope)} {onchange} />
                                <code>{ *scope }</code>
                            </label>
                            <span class="hint">{ format!(" — {}", scope_label(scope)) }</span>
                        </div>
                    }
                }) }
            </fieldset>
            <button type="submit" class="primary" disabled={*busy}>{ t("keys-create") }</button>
        </form>
    }
}
