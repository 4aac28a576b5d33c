//! Organisations: the clinics, courts and schools requesters work for. Admins create them;
//! admins and supervisors open one to edit its requester policy.

use crate::i18n::{arg, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use super::bind_input;
use crate::components::alert::{error_alert, Alert, Tone};
use crate::hooks::{use_api, use_session};
use crate::route::Route;
use crate::services::organisations;
use crate::types::{Organisation, Role};

#[function_component]
pub fn OrganisationsPage() -> Html {
    use_locale();
    let api = use_api();
    let session = use_session();
    let is_admin = session
        .session
        .as_ref()
        .is_some_and(|s| s.user.role == Role::Admin);
    let list = use_state(|| None::<Vec<Organisation>>);
    let error = use_state(|| None::<String>);
    let name = use_state(String::new);
    let form_error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let load = {
        let (api, list, error) = (api.clone(), list.clone(), error.clone());
        use_callback((), move |_: (), _| {
            let (api, list, error) = (api.clone(), list.clone(), error.clone());
            spawn_local(async move {
                match organisations::list(&api).await {
                    Ok(l) => {
                        list.set(Some(l));
                        error.set(None);
                    }
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
        let (api, name, form_error, done, busy, load) = (
            api.clone(),
            name.clone(),
            form_error.clone(),
            done.clone(),
            busy.clone(),
            load.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if name.trim().is_empty() {
                form_error.set(Some(t("orgs-name-missing")));
                return;
            }
            busy.set(true);
            let (api, name, form_error, done, busy, load) = (
                api.clone(),
                name.clone(),
                form_error.clone(),
                done.clone(),
                busy.clone(),
                load.clone(),
            );
            spawn_local(async move {
                match organisations::create(&api, &name).await {
                    Ok(created) => {
                        done.set(Some(t_args(
                            "orgs-created",
                            &[("name", arg(created.name.clone()))],
                        )));
                        form_error.set(None);
                        name.set(String::new());
                        load.emit(());
                    }
                    Err(e) => {
                        done.set(None);
                        form_error.set(Some(e.to_string()));
                    }
                }
                busy.set(false);
            });
        })
    };

    let table = match &*list {
        None => html! { <p class="muted">{ t("loading") }</p> },
        Some(l) if l.is_empty() => html! { <p class="muted">{ t("orgs-none") }</p> },
        Some(l) => html! {
            <div class="table-wrap"><table data-testid="organisations">
                <thead><tr><th scope="col">{ t("account-name") }</th><th></th></tr></thead>
                <tbody>{ for l.iter().map(|o| html! {
                    <tr key={o.id.clone()}>
                        <th scope="row">{ o.name.clone() }</th>
                        <td><Link<Route> to={Route::Organisation { id: o.id.clone() }}>
                            <span aria-hidden="true">{ t("orgs-policy-link") }</span>
                            <span class="sr-only">{ t_args("orgs-open", &[("name", arg(o.name.clone()))]) }</span>
                        </Link<Route>></td>
                    </tr>
                }) }</tbody>
            </table></div>
        },
    };

    html! {
        <section class="page">
            <h1>{ t("title-organisations") }</h1>
            <p class="muted">{ t("orgs-intro") }</p>
            <div class={if is_admin { "grid two" } else { "" }}>
                if is_admin {
                    <form class="card" {onsubmit} aria-labelledby="new-org-title">
                        <h2 id="new-org-title">{ t("orgs-new") }</h2>
                        { error_alert(&form_error) }
                        if let Some(text) = (*done).clone() { <Alert tone={Tone::Success} {text} /> }
                        <div class="field">
                            <label for="org-name">{ t("orgs-name") }</label>
                            <input id="org-name" type="text" maxlength="120" value={(*name).clone()} oninput={bind_input(&name)} />
                        </div>
                        <button type="submit" class="primary" disabled={*busy}>{ t("orgs-create") }</button>
                    </form>
                }
                <section class="card" aria-labelledby="orgs-title">
                    <h2 id="orgs-title">{ t("orgs-all") }</h2>
                    { error_alert(&error) }
                    { table }
                </section>
            </div>
        </section>
    }
}
