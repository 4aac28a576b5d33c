//! Requester home: ask for an interpreter, and the list of past calls, kept current by
//! their pushed rows.

use crate::i18n::{arg, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use super::{bind_check, bind_select};
use crate::components::alert::error_alert;
use crate::components::badge::Badge;
use crate::components::tags::TagsInput;
use crate::format;
use crate::hooks::{use_api, use_latest, use_live, LiveEvent};
use crate::live::kinds::newest_first;
use crate::live::{pushed, LiveRows, Names};
use crate::route::Route;
use crate::services::calls::{self, CallFilter};
use crate::services::queues;
use crate::types::{
    language_label, language_name, Call, NewCall, Requirements, ENGLISH, FALLBACK_LANGUAGES,
    GENDERS, SPECIALTIES,
};

#[function_component]
pub fn RequestPage() -> Html {
    use_locale();
    let api = use_api();
    let navigator = use_navigator();
    let language = use_state(|| "es".to_owned());
    let modality = use_state(|| "video".to_owned());
    let specialty = use_state(|| "general".to_owned());
    let urgent = use_state(|| false);
    // Matching: the language the requester speaks (English unless chosen) and what the
    // interpreter must be.
    let source = use_state(|| ENGLISH.to_owned());
    let sources = use_state(|| vec![ENGLISH.to_owned()]);
    let gender = use_state(String::new);
    let certifications = use_state(Vec::<String>::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    // Loaded once; the requester's pushed calls land in place (`crate::live`).
    let held = use_mut_ref(|| (LiveRows::new(newest_first), Names::default()));
    let redraw = use_force_update();
    let list_error = use_state(|| None::<String>);
    // The languages some queue serves, by name; the demo's while the queues load or when
    // they cannot be read.
    let languages = use_state(|| {
        FALLBACK_LANGUAGES
            .iter()
            .map(|c| (*c).to_owned())
            .collect::<Vec<_>>()
    });
    {
        let (api, languages, language) = (api.clone(), languages.clone(), language.clone());
        let sources = sources.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                let Ok(board) = queues::board(&api).await else {
                    return;
                };
                sources.set(source_languages(&board));
                let mut served: Vec<String> = board
                    .into_iter()
                    .flat_map(|q| q.languages)
                    .map(|code| code.trim().to_owned())
                    .filter(|code| !code.is_empty())
                    .collect();
                served.sort_by_key(|code| (language_name(code).to_lowercase(), code.clone()));
                served.dedup();
                if served.is_empty() {
                    return;
                }
                if !served.contains(&*language) {
                    language.set(served[0].clone());
                }
                languages.set(served);
            });
        });
    }

    let reload = {
        let (api, held, list_error, redraw) = (
            api.clone(),
            held.clone(),
            list_error.clone(),
            redraw.clone(),
        );
        let latest = use_latest();
        use_callback((), move |_: (), _| {
            let (api, held, list_error, redraw) = (
                api.clone(),
                held.clone(),
                list_error.clone(),
                redraw.clone(),
            );
            let filter = CallFilter {
                limit: Some(25),
                ..CallFilter::default()
            };
            held.borrow_mut().0.begin_load();
            latest.spawn(
                async move { calls::list(&api, &filter).await },
                move |answer| {
                    let (rows, names) = &mut *held.borrow_mut();
                    match answer {
                        Ok(page) => {
                            names.learn_calls(&page.items);
                            rows.finish_load(page.items, page.next_cursor.is_none());
                            list_error.set(None);
                        }
                        Err(e) => {
                            rows.abandon_load();
                            list_error.set(Some(t_args(
                                "request-load-failed",
                                &[("error", arg(e.to_string()))],
                            )));
                        }
                    }
                    redraw.force_update();
                },
            );
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    // A pushed call of theirs lands in place; one naming an interpreter the page has no
    // name for is fetched alone (pushed rows carry ids, not names).
    {
        let (api, held, redraw, reload) =
            (api.clone(), held.clone(), redraw.clone(), reload.clone());
        use_live(
            &[wire::ViewKind::Call],
            Callback::from(move |event: LiveEvent| {
                let message = match event {
                    LiveEvent::Resync => return reload.emit(()),
                    LiveEvent::Message(m) => m,
                };
                let Some(mut call) = pushed::<Call>(&message) else {
                    return;
                };
                call.name_from(&held.borrow().1);
                let place = {
                    let (held, redraw) = (held.clone(), redraw.clone());
                    move |call: Call| {
                        if held.borrow_mut().0.push(call, true).changed() {
                            redraw.force_update();
                        }
                    }
                };
                if call.agent_id.is_some() && call.agent_name.is_none() {
                    let api = api.clone();
                    spawn_local(async move {
                        if let Ok(full) = calls::get(&api, &call.id).await {
                            place(full);
                        }
                    });
                } else {
                    place(call);
                }
            }),
        );
    }
    let calls: Option<Vec<Call>> = held.borrow().0.loaded_rows().map(<[Call]>::to_vec);

    let onsubmit = {
        let (api, busy, error) = (api.clone(), busy.clone(), error.clone());
        let (language, modality, specialty, urgent) = (
            language.clone(),
            modality.clone(),
            specialty.clone(),
            urgent.clone(),
        );
        let (source, gender, certifications) =
            (source.clone(), gender.clone(), certifications.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            busy.set(true);
            error.set(None);
            let request = NewCall {
                language: (*language).clone(),
                modality: (*modality).clone(),
                specialty: Some((*specialty).clone()).filter(|s| !s.is_empty()),
                priority: if *urgent { "urgent" } else { "normal" }.to_owned(),
                source_language: Some((*source).clone()).filter(|s| s != ENGLISH),
                requirements: Requirements {
                    gender: Some((*gender).clone()).filter(|g| !g.is_empty()),
                    certifications: (*certifications).clone(),
                },
            };
            let (api, busy, error, navigator) =
                (api.clone(), busy.clone(), error.clone(), navigator.clone());
            spawn_local(async move {
                match calls::request(&api, &request).await {
                    Ok(accepted) => {
                        if let Some(navigator) = navigator {
                            navigator.push(&Route::MyCall { id: accepted.id });
                        }
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    let active = calls
        .as_ref()
        .and_then(|list| list.iter().find(|c| c.is_waiting() || c.is_live()).cloned());

    let modality_radio = |value: &'static str, label: String| {
        let modality = modality.clone();
        let checked = *modality == value;
        let onchange = Callback::from(move |_| modality.set(value.to_owned()));
        html! {
            <label class="choice">
                <input type="radio" name="modality" value={value} {checked} {onchange} />
                { label }
            </label>
        }
    };

    html! {
        <section class="page">
            <h1>{ t("title-request") }</h1>
            if let Some(call) = active {
                <div class="alert alert-info" role="status">
                    <span>{ t_args("request-active-call", &[("status", arg(format::status_label(&call.status).to_lowercase()))]) }{ " " }</span>
                    <Link<Route> to={Route::MyCall { id: call.id.clone() }} classes="button small">{ t("request-open-it") }</Link<Route>>
                </div>
            }
            <div class="grid two">
                <form class="card" {onsubmit} aria-labelledby="request-title">
                    <h2 id="request-title">{ t("request-new") }</h2>
                    { error_alert(&error) }
                    <div class="field">
                        <label for="req-language">{ t("column-language") }</label>
                        <select id="req-language" onchange={bind_select(&language)}>
                            { for languages.iter().map(|code| html! {
                                <option value={code.clone()} selected={*language == *code}>{ language_label(code) }</option>
                            }) }
                        </select>
                        <p class="hint">{ t("request-language-hint") }</p>
                    </div>
                    <div class="field">
                        <label for="req-source">{ t("request-your-language") }</label>
                        <select id="req-source" onchange={bind_select(&source)}>
                            { for sources.iter().map(|code| html! {
                                <option value={code.clone()} selected={*source == *code}>{ language_label(code) }</option>
                            }) }
                        </select>
                    </div>
                    <fieldset class="field">
                        <legend>{ t("request-modality") }</legend>
                        <div class="choices">
                            { modality_radio("video", t("modality-video")) }
                            { modality_radio("audio", t("request-audio-only")) }
                        </div>
                    </fieldset>
                    <div class="field">
                        <label for="req-specialty">{ t("request-specialty") }</label>
                        <select id="req-specialty" onchange={bind_select(&specialty)}>
                            { for SPECIALTIES.iter().map(|s| html! {
                                <option value={*s} selected={*specialty == *s}>{ format::status_label(s) }</option>
                            }) }
                        </select>
                    </div>
                    <details class="field" open={!gender.is_empty() || !certifications.is_empty()}>
                        <summary>{ t("request-requirements") }</summary>
                        <div class="field">
                            <label for="req-gender">{ t("request-gender") }</label>
                            <select id="req-gender" onchange={bind_select(&gender)}>
                                <option value="" selected={gender.is_empty()}>{ t("any") }</option>
                                { for GENDERS.iter().map(|(v, l)| html! { <option value={*v} selected={*gender == *v}>{ t(l) }</option> }) }
                            </select>
                        </div>
                        <TagsInput id="req-certs" label={t("request-certifications")} placeholder={t("request-certifications-example")}
                            values={(*certifications).clone()} on_change={{ let c = certifications.clone(); Callback::from(move |v| c.set(v)) }} />
                    </details>
                    <div class="field">
                        <label class="choice">
                            <input id="req-urgent" type="checkbox" checked={*urgent} onchange={bind_check(&urgent)} />
                            { t("request-urgent") }
                        </label>
                    </div>
                    <button type="submit" class="primary wide" disabled={*busy}>
                        { if *busy { t("request-busy") } else { t("request-submit") } }
                    </button>
                </form>
                <section class="card" aria-labelledby="past-title">
                    <h2 id="past-title">{ t("request-your-calls") }</h2>
                    { error_alert(&list_error) }
                    { past_calls(calls.as_ref()) }
                </section>
            </div>
        </section>
    }
}

fn past_calls(calls: Option<&Vec<Call>>) -> Html {
    match calls {
        None => html! { <p class="muted">{ t("loading") }</p> },
        Some(list) if list.is_empty() => html! { <p class="muted">{ t("request-no-calls") }</p> },
        Some(list) => html! {
            <div class="table-wrap">
                <table>
                    <thead><tr>
                        <th scope="col">{ t("column-requested") }</th><th scope="col">{ t("column-language") }</th>
                        <th scope="col">{ t("column-status") }</th><th scope="col">{ t("column-interpreter") }</th>
                        <th scope="col">{ t("column-talk") }</th><th scope="col">{ t("column-rating") }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|c| html! {
                            <tr key={c.id.clone()}>
                                <td>{ format::date_time(c.requested_at) }</td>
                                <td>{ c.language.as_deref().map(language_name).unwrap_or_default() }
                                    <span class="muted">{ format!(" · {}", c.modality.as_deref().map(format::status_label).unwrap_or_default()) }</span></td>
                                <td><Badge status={c.status.clone()} /></td>
                                <td>{ format::opt(&c.agent_name) }</td>
                                <td>{ c.talk_s.map(format::duration).unwrap_or_else(|| "—".into()) }</td>
                                <td>{ c.stars.map(|s| "★".repeat(s.clamp(0, 5) as usize)).unwrap_or_else(|| "—".into()) }</td>
                                <td><Link<Route> to={Route::MyCall { id: c.id.clone() }}>{ t("open") }</Link<Route>></td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    }
}

/// English, then the other languages pair queues serve from.
fn source_languages(board: &[crate::types::Queue]) -> Vec<String> {
    let mut list = vec![ENGLISH.to_owned()];
    for code in board.iter().filter_map(|q| q.source_language.as_deref()) {
        let code = code.trim();
        if !code.is_empty() && !list.iter().any(|c| c == code) {
            list.push(code.to_owned());
        }
    }
    list
}
