//! Administration: an interpreter's profile (gender), saved apart from the skills.

use crate::i18n::{arg, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::bind_select;
use crate::components::alert::{error_alert, Alert, Tone};
use crate::hooks::use_api;
use crate::services::agents;
use crate::types::{Profile, GENDERS};

#[derive(Properties, PartialEq)]
pub struct ProfileProps {
    pub id: String,
    pub name: String,
    pub gender: Option<String>,
    pub on_saved: Callback<()>,
}

/// The interpreter's profile, saved apart from the skills (`PUT /api/agents/{id}/profile`).
#[function_component]
pub fn ProfileForm(props: &ProfileProps) -> Html {
    use_locale();
    let api = use_api();
    let gender = use_state(|| props.gender.clone().unwrap_or_default());
    let error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (api, gender, error, done, busy, on_saved) = (
            api.clone(),
            gender.clone(),
            error.clone(),
            done.clone(),
            busy.clone(),
            props.on_saved.clone(),
        );
        let id = props.id.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let profile = Profile {
                gender: Some((*gender).clone()).filter(|g| !g.is_empty()),
            };
            let (api, error, done, busy, on_saved, id) = (
                api.clone(),
                error.clone(),
                done.clone(),
                busy.clone(),
                on_saved.clone(),
                id.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match agents::set_profile(&api, &id, &profile).await {
                    Ok(_) => {
                        error.set(None);
                        done.set(Some(t("profile-saved")));
                        on_saved.emit(());
                    }
                    Err(e) => {
                        done.set(None);
                        error.set(Some(e.to_string()));
                    }
                }
                busy.set(false);
            });
        })
    };
    html! {
        <form class="card" {onsubmit} aria-labelledby="profile-title">
            <h2 id="profile-title">{ t_args("profile-heading", &[("name", arg(props.name.to_string()))]) }</h2>
            { error_alert(&error) }
            if let Some(text) = (*done).clone() { <Alert tone={Tone::Success} {text} /> }
            <div class="field">
                <label for="p-gender">{ t("profile-gender") }</label>
                <select id="p-gender" onchange={bind_select(&gender)} style="width:14rem">
                    <option value="" selected={gender.is_empty()}>{ t("profile-not-stated") }</option>
                    { for GENDERS.iter().map(|(v, l)| html! { <option value={*v} selected={*gender == *v}>{ t(l) }</option> }) }
                </select>
                <p class="hint">{ t("profile-gender-hint") }</p>
            </div>
            <button type="submit" class="primary" disabled={*busy}>{ t("profile-save") }</button>
        </form>
    }
}
