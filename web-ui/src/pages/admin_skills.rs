//! Administration: interpreters' skills (languages with English, language pairs,
//! specialties, modalities, certifications) and their profile (gender, saved apart).

use crate::i18n::{num, t, t_args, use_locale};
use serde_json::Value;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::admin_pairs::{pairs_of, PairRow, PairsEditor};
use super::admin_profile::ProfileForm;
use super::bind_select;
use crate::components::alert::{error_alert, Alert, Tone};
use crate::components::tags::TagsInput;
use crate::format;
use crate::hooks::use_api;
use crate::services::{agents, users};
use crate::types::{gender_label, Account, Agent, LanguageSkill, Skills, MODALITIES, SPECIALTIES};

#[derive(Clone, PartialEq)]
struct LanguageRow {
    code: String,
    proficiency: i64,
}

#[function_component]
pub fn SkillsTab() -> Html {
    use_locale();
    let api = use_api();
    let interpreters = use_state(|| None::<Vec<(Account, Option<Agent>)>>);
    let error = use_state(|| None::<String>);
    let chosen = use_state(String::new);
    let languages = use_state(Vec::<LanguageRow>::new);
    let specialties = use_state(Vec::<String>::new);
    let modalities = use_state(Vec::<String>::new);
    let pairs = use_state(Vec::<PairRow>::new);
    let certifications = use_state(Vec::<String>::new);
    let form_error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let load = {
        let (api, interpreters, error) = (api.clone(), interpreters.clone(), error.clone());
        use_callback((), move |_: (), _| {
            let (api, interpreters, error) = (api.clone(), interpreters.clone(), error.clone());
            spawn_local(async move {
                let accounts = match users::list(&api).await {
                    Ok(l) => l,
                    Err(e) => {
                        error.set(Some(e.to_string()));
                        return;
                    }
                };
                let board = agents::board(&api).await.unwrap_or_default();
                let list = accounts
                    .into_iter()
                    .filter(|a| a.role == "agent")
                    .map(|a| {
                        let row = board.iter().find(|b| b.id == a.id).cloned();
                        (a, row)
                    })
                    .collect();
                interpreters.set(Some(list));
            });
        })
    };
    {
        let load = load.clone();
        use_effect_with((), move |_| load.emit(()));
    }

    // Choosing an interpreter fills the form with their current skills.
    {
        let (interpreters, languages, specialties, modalities, pairs, certifications) = (
            interpreters.clone(),
            languages.clone(),
            specialties.clone(),
            modalities.clone(),
            pairs.clone(),
            certifications.clone(),
        );
        use_effect_with(
            ((*chosen).clone(), interpreters.is_some()),
            move |(chosen, _)| {
                let row = interpreters
                    .as_ref()
                    .and_then(|l| l.iter().find(|(a, _)| &a.id == chosen))
                    .and_then(|(_, r)| r.clone());
                match row {
                    Some(agent) => {
                        languages.set(
                            agent
                                .languages
                                .iter()
                                .map(|code| LanguageRow {
                                    code: code.clone(),
                                    proficiency: agent
                                        .proficiency
                                        .get(code)
                                        .and_then(Value::as_i64)
                                        .unwrap_or(3),
                                })
                                .collect(),
                        );
                        specialties.set(agent.specialties.clone());
                        modalities.set(agent.modalities.clone());
                        pairs.set(agent.pairs.iter().map(PairRow::from_pair).collect());
                        certifications.set(agent.certifications.clone());
                    }
                    None => {
                        languages.set(vec![LanguageRow {
                            code: String::new(),
                            proficiency: 4,
                        }]);
                        specialties.set(vec!["general".into()]);
                        modalities.set(vec!["video".into(), "audio".into()]);
                        pairs.set(Vec::new());
                        certifications.set(Vec::new());
                    }
                }
            },
        );
    }

    let toggle = |state: &UseStateHandle<Vec<String>>, value: &'static str| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            let mut next: Vec<String> = (*state)
                .iter()
                .filter(|v| v.as_str() != value)
                .cloned()
                .collect();
            if on {
                next.push(value.to_owned());
            }
            state.set(next);
        })
    };

    let onsubmit = {
        let (api, chosen, languages, specialties, modalities, form_error, done, busy, load) = (
            api.clone(),
            chosen.clone(),
            languages.clone(),
            specialties.clone(),
            modalities.clone(),
            form_error.clone(),
            done.clone(),
            busy.clone(),
            load.clone(),
        );
        let (pairs, certifications) = (pairs.clone(), certifications.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if chosen.is_empty() {
                form_error.set(Some(t("routing-choose")));
                return;
            }
            let skills = Skills {
                languages: languages
                    .iter()
                    .filter(|l| !l.code.trim().is_empty())
                    .map(|l| LanguageSkill {
                        code: l.code.trim().to_lowercase(),
                        proficiency: l.proficiency,
                    })
                    .collect(),
                specialties: (*specialties).clone(),
                modalities: (*modalities).clone(),
                pairs: match pairs_of(&pairs) {
                    Ok(p) => p,
                    Err(text) => {
                        form_error.set(Some(text));
                        return;
                    }
                },
                certifications: (*certifications).clone(),
            };
            if skills.languages.is_empty() && skills.pairs.is_empty() {
                form_error.set(Some(t("skills-language-missing")));
                return;
            }
            if skills.modalities.is_empty() {
                form_error.set(Some(t("skills-modality-missing")));
                return;
            }
            busy.set(true);
            let (api, id, form_error, done, busy, load) = (
                api.clone(),
                (*chosen).clone(),
                form_error.clone(),
                done.clone(),
                busy.clone(),
                load.clone(),
            );
            spawn_local(async move {
                match agents::set_skills(&api, &id, &skills).await {
                    Ok(_) => {
                        done.set(Some(t("skills-saved")));
                        form_error.set(None);
                        load.emit(());
                    }
                    Err(e) => form_error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    let list = (*interpreters).clone().unwrap_or_default();
    let add_language = {
        let languages = languages.clone();
        Callback::from(move |_| {
            let mut next = (*languages).clone();
            next.push(LanguageRow {
                code: String::new(),
                proficiency: 4,
            });
            languages.set(next);
        })
    };

    html! {
        <div class="grid even">
            <section class="card" aria-labelledby="interp-title">
                <h2 id="interp-title">{ t("floor-interpreters") }</h2>
                { error_alert(&error) }
                <div class="table-wrap"><table>
                    <thead><tr><th scope="col">{ t("account-name") }</th><th scope="col">{ t("floor-languages") }</th><th scope="col">{ t("skills-modalities") }</th><th></th></tr></thead>
                    <tbody>{ for list.iter().map(|(a, row)| {
                        let chosen_h = chosen.clone();
                        let done = done.clone();
                        let id = a.id.clone();
                        let selected = *chosen == a.id;
                        html! {
                            <tr class={classes!(selected.then_some("selected"))}>
                                <th scope="row">{ a.name.clone() }<div class="muted small">{ a.email.clone() }</div></th>
                                <td>{ row.as_ref().map(|r| r.languages.iter().map(|l| {
                                    let p = r.proficiency.get(l).and_then(Value::as_i64).map(|p| format!(" ({p})")).unwrap_or_default();
                                    format!("{l}{p}")
                                }).collect::<Vec<_>>().join(", ")).filter(|s| !s.is_empty()).unwrap_or_else(|| t("skills-none-yet")) }
                                    if let Some(more) = row.as_ref().and_then(matching_of) { <div class="muted small">{ more }</div> }
                                </td>
                                <td>{ row.as_ref().map(|r| r.modalities.join(", ")).unwrap_or_default() }</td>
                                <td><button type="button" class="secondary small" onclick={move |_| { chosen_h.set(id.clone()); done.set(None); }}>{ t("skills-edit") }</button></td>
                            </tr>
                        }
                    }) }</tbody>
                </table></div>
            </section>
            <form class="card" {onsubmit} aria-labelledby="skills-title">
                <h2 id="skills-title">{ t("skills-heading") }</h2>
                { error_alert(&form_error) }
                if let Some(text) = (*done).clone() { <Alert tone={Tone::Success} {text} /> }
                <div class="field">
                    <label for="s-agent">{ t("column-interpreter") }</label>
                    <select id="s-agent" onchange={bind_select(&chosen)}>
                        <option value="" selected={chosen.is_empty()}>{ t("tags-choose") }</option>
                        { for list.iter().map(|(a, _)| html! { <option value={a.id.clone()} selected={*chosen == a.id}>{ format!("{} ({})", a.name, a.email) }</option> }) }
                    </select>
                </div>
                if !chosen.is_empty() {
                    <fieldset class="field">
                        <legend>{ t("skills-languages-legend") }</legend>
                        { for languages.iter().enumerate().map(|(i, row)| {
                            let (l1, l2, l3) = (languages.clone(), languages.clone(), languages.clone());
                            let on_code = Callback::from(move |e: InputEvent| {
                                let mut next = (*l1).clone();
                                next[i].code = e.target_unchecked_into::<HtmlInputElement>().value();
                                l1.set(next);
                            });
                            let on_level = Callback::from(move |e: Event| {
                                let mut next = (*l2).clone();
                                next[i].proficiency = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value().parse().unwrap_or(3);
                                l2.set(next);
                            });
                            let remove = Callback::from(move |_| {
                                let mut next = (*l3).clone();
                                next.remove(i);
                                l3.set(next);
                            });
                            html! {
                                <div class="lang-row">
                                    <label for={format!("s-lang-{i}")} class="sr-only">{ t_args("skills-language-n", &[("number", num((i + 1) as f64))]) }</label>
                                    <input id={format!("s-lang-{i}")} type="text" placeholder="es" size="6" value={row.code.clone()} oninput={on_code} style="width:6rem" />
                                    <label for={format!("s-level-{i}")} class="sr-only">{ t_args("skills-proficiency-n", &[("number", num((i + 1) as f64))]) }</label>
                                    <select id={format!("s-level-{i}")} onchange={on_level}>
                                        { for (1..=5).map(|n| html! { <option value={n.to_string()} selected={row.proficiency == n}>{ n }</option> }) }
                                    </select>
                                    <button type="button" class="secondary small" onclick={remove} aria-label={t_args("skills-remove-language", &[("number", num((i + 1) as f64))])}>{ t("skills-remove") }</button>
                                </div>
                            }
                        }) }
                        <button type="button" class="link" onclick={add_language}>{ t("skills-add-language") }</button>
                    </fieldset>
                    <fieldset class="field">
                        <legend>{ t("skills-specialties") }</legend>
                        <div class="checks">
                            { for SPECIALTIES.iter().map(|s| html! {
                                <label class="choice"><input type="checkbox" checked={specialties.iter().any(|v| v == s)} onchange={toggle(&specialties, s)} />{ format::status_label(s) }</label>
                            }) }
                        </div>
                    </fieldset>
                    <fieldset class="field">
                        <legend>{ t("skills-modalities") }</legend>
                        <div class="checks">
                            { for MODALITIES.iter().map(|s| html! {
                                <label class="choice"><input type="checkbox" checked={modalities.iter().any(|v| v == s)} onchange={toggle(&modalities, s)} />{ format::status_label(s) }</label>
                            }) }
                        </div>
                    </fieldset>
                    <PairsEditor rows={(*pairs).clone()} on_change={{ let pairs = pairs.clone(); Callback::from(move |rows| pairs.set(rows)) }} />
                    <TagsInput id="s-certs" label={t("skills-certifications")} placeholder={t("skills-certifications-example")}
                        values={(*certifications).clone()} on_change={{ let c = certifications.clone(); Callback::from(move |v| c.set(v)) }} />
                    <button type="submit" class="primary" disabled={*busy}>{ t("skills-save") }</button>
                }
            </form>
            if let Some((account, row)) = list.iter().find(|(a, _)| *a.id == *chosen) {
                <ProfileForm key={account.id.clone()} id={account.id.clone()} name={account.name.clone()}
                    gender={row.as_ref().and_then(|r| r.gender.clone())} on_saved={load.clone()} />
            }
        </div>
    }
}

/// "de↔ar (4) · court · Female": what matching adds to an interpreter's row.
fn matching_of(agent: &Agent) -> Option<String> {
    let mut parts: Vec<String> = agent
        .pairs
        .iter()
        .map(|p| format!("{}↔{} ({})", p.from, p.to, p.proficiency))
        .collect();
    parts.extend(agent.certifications.iter().cloned());
    parts.extend(agent.gender.as_deref().map(gender_label));
    (!parts.is_empty()).then(|| parts.join(" · "))
}
