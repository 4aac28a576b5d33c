//! Administration: accounts and roles (`admin_users`), API keys (`admin_keys`), queues
//! (strategy, timers, overflow, members; here), interpreters' skills (`admin_skills`).

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::admin_keys::ApiKeysTab;
use super::admin_skills::SkillsTab;
use super::admin_users::UsersTab;
use crate::components::alert::{error_alert, Alert, Tone};
use crate::format;
use crate::hooks::{use_api, use_latest, use_live_reload};
use crate::services::{queues, users};
use crate::types::{Account, Queue, QueueSettings, MODALITIES, SPECIALTIES, STRATEGIES};

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Users,
    ApiKeys,
    Queues,
    Skills,
}

#[function_component]
pub fn AdminPage() -> Html {
    let tab = use_state(|| Tab::Users);
    let tab_button = |value: Tab, label: &'static str| {
        let tab = tab.clone();
        let selected = *tab == value;
        html! {
            <button type="button" role="tab" aria-selected={selected.to_string()} onclick={move |_| tab.set(value)}>{ label }</button>
        }
    };
    html! {
        <section class="page">
            <h1>{ "Administration" }</h1>
            <div class="tabs" role="tablist" aria-label="Administration">
                { tab_button(Tab::Users, "Users and roles") }
                { tab_button(Tab::ApiKeys, "API keys") }
                { tab_button(Tab::Queues, "Queues") }
                { tab_button(Tab::Skills, "Interpreter skills") }
            </div>
            <div role="tabpanel">
                { match *tab {
                    Tab::Users => html! { <UsersTab /> },
                    Tab::ApiKeys => html! { <ApiKeysTab /> },
                    Tab::Queues => html! { <QueuesTab /> },
                    Tab::Skills => html! { <SkillsTab /> },
                } }
            </div>
        </section>
    }
}

/// Queue settings as form text.
#[derive(Clone, PartialEq)]
struct QueueForm {
    id: Option<String>,
    name: String,
    languages: String,
    specialty: String,
    modality: String,
    strategy: String,
    min_proficiency: String,
    ring_timeout_s: String,
    max_wait_s: String,
    overflow_queue_id: String,
    wrap_up_s: String,
    service_level_s: String,
    precedence: String,
}

impl Default for QueueForm {
    fn default() -> Self {
        Self {
            id: None,
            name: String::new(),
            languages: String::new(),
            specialty: String::new(),
            modality: String::new(),
            strategy: "longest_idle".into(),
            min_proficiency: "1".into(),
            ring_timeout_s: "20".into(),
            max_wait_s: "300".into(),
            overflow_queue_id: String::new(),
            wrap_up_s: "60".into(),
            service_level_s: "30".into(),
            precedence: "0".into(),
        }
    }
}

impl QueueForm {
    fn from_queue(q: &Queue) -> Self {
        let num =
            |v: Option<i64>, d: &str| v.map(|n| n.to_string()).unwrap_or_else(|| d.to_owned());
        Self {
            id: Some(q.id.clone()),
            name: q.name.clone(),
            languages: q.languages.join(", "),
            specialty: q.specialty.clone().unwrap_or_default(),
            modality: q.modality.clone().unwrap_or_default(),
            strategy: q.strategy.clone().unwrap_or_else(|| "longest_idle".into()),
            min_proficiency: num(q.min_proficiency, "1"),
            ring_timeout_s: num(q.ring_timeout_s, "20"),
            max_wait_s: num(q.max_wait_s, "300"),
            overflow_queue_id: q.overflow_queue_id.clone().unwrap_or_default(),
            wrap_up_s: num(q.wrap_up_s, "60"),
            service_level_s: num(q.service_level_s, "30"),
            precedence: num(q.precedence, "0"),
        }
    }

    fn settings(&self) -> Result<QueueSettings, String> {
        let num = |label: &str, v: &str| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| format!("{label} must be a whole number."))
        };
        let languages: Vec<String> = self
            .languages
            .split([',', ' '])
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        if self.name.trim().is_empty() {
            return Err("Give the queue a name.".into());
        }
        if languages.is_empty() {
            return Err("List at least one language code (e.g. es, zh).".into());
        }
        Ok(QueueSettings {
            name: self.name.trim().to_owned(),
            languages,
            specialty: Some(self.specialty.clone()).filter(|s| !s.is_empty()),
            modality: Some(self.modality.clone()).filter(|s| !s.is_empty()),
            strategy: self.strategy.clone(),
            min_proficiency: num("Minimum proficiency", &self.min_proficiency)?,
            ring_timeout_s: num("Ring timeout", &self.ring_timeout_s)?,
            max_wait_s: num("Maximum wait", &self.max_wait_s)?,
            overflow_queue_id: Some(self.overflow_queue_id.clone()).filter(|s| !s.is_empty()),
            wrap_up_s: num("Wrap-up time", &self.wrap_up_s)?,
            service_level_s: num("Service-level threshold", &self.service_level_s)?,
            precedence: num("Precedence", &self.precedence)?,
        })
    }
}

#[function_component]
fn QueuesTab() -> Html {
    let api = use_api();
    let list = use_state(|| None::<Vec<Queue>>);
    let error = use_state(|| None::<String>);
    let form = use_state(QueueForm::default);
    let form_error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);
    // Bumped by each "Edit": the form below the table is brought into view and focused.
    let edits = use_state(|| 0u32);
    use_effect_with(*edits, |edits| {
        if *edits > 0 {
            super::reveal("queue-form", "q-name");
        }
    });

    let load = {
        let (api, list, error) = (api.clone(), list.clone(), error.clone());
        let latest = use_latest();
        use_callback((), move |_: (), _| {
            let (api, list, error) = (api.clone(), list.clone(), error.clone());
            latest.spawn(
                async move { queues::board(&api).await },
                move |answer| match answer {
                    Ok(l) => list.set(Some(l)),
                    Err(e) => error.set(Some(e.to_string())),
                },
            );
        })
    };
    {
        let load = load.clone();
        use_effect_with((), move |_| load.emit(()));
    }
    use_live_reload(&[wire::ViewKind::Queue], load.clone());

    let field = |label: &'static str,
                 id: &'static str,
                 get: fn(&QueueForm) -> String,
                 set: fn(&mut QueueForm, String),
                 kind: &'static str| {
        let form_h = form.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let mut next = (*form_h).clone();
            set(
                &mut next,
                e.target_unchecked_into::<HtmlInputElement>().value(),
            );
            form_h.set(next);
        });
        html! {
            <div class="field">
                <label for={id}>{ label }</label>
                <input {id} type={kind} value={get(&form)} {oninput} />
            </div>
        }
    };
    let select = |label: &'static str,
                  id: &'static str,
                  options: Vec<(String, String)>,
                  get: fn(&QueueForm) -> String,
                  set: fn(&mut QueueForm, String)| {
        let form_h = form.clone();
        let current = get(&form);
        let onchange = Callback::from(move |e: Event| {
            let mut next = (*form_h).clone();
            set(
                &mut next,
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            );
            form_h.set(next);
        });
        html! {
            <div class="field">
                <label for={id}>{ label }</label>
                <select {id} {onchange}>
                    { for options.into_iter().map(|(v, l)| html! { <option value={v.clone()} selected={current == v}>{ l }</option> }) }
                </select>
            </div>
        }
    };

    let onsubmit = {
        let (api, form, form_error, done, busy, load) = (
            api.clone(),
            form.clone(),
            form_error.clone(),
            done.clone(),
            busy.clone(),
            load.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let settings = match form.settings() {
                Ok(s) => s,
                Err(text) => {
                    form_error.set(Some(text));
                    return;
                }
            };
            busy.set(true);
            let id = form.id.clone();
            let (api, form, form_error, done, busy, load) = (
                api.clone(),
                form.clone(),
                form_error.clone(),
                done.clone(),
                busy.clone(),
                load.clone(),
            );
            spawn_local(async move {
                let result = match &id {
                    Some(id) => queues::update(&api, id, &settings).await,
                    None => queues::create(&api, &settings).await,
                };
                match result {
                    Ok(_) => {
                        done.set(Some(format!("Saved queue {}.", settings.name)));
                        form_error.set(None);
                        form.set(QueueForm::default());
                        load.emit(());
                    }
                    Err(e) => form_error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    let queues_list = (*list).clone().unwrap_or_default();
    let overflow_options: Vec<(String, String)> =
        std::iter::once((String::new(), "None".to_owned()))
            .chain(
                queues_list
                    .iter()
                    .filter(|q| Some(&q.id) != form.id.as_ref())
                    .map(|q| (q.id.clone(), q.name.clone())),
            )
            .collect();
    let name_of = |id: &Option<String>| {
        id.as_ref()
            .map(|id| {
                queues_list
                    .iter()
                    .find(|q| &q.id == id)
                    .map(|q| q.name.clone())
                    .unwrap_or_else(|| format::short_id(id))
            })
            .unwrap_or_else(|| "—".into())
    };
    let editing = form.id.is_some();
    let cancel = {
        let (form, form_error) = (form.clone(), form_error.clone());
        Callback::from(move |_| {
            form.set(QueueForm::default());
            form_error.set(None);
        })
    };

    html! {
        <>
            <section class="card" aria-labelledby="queues-admin-title">
                <h2 id="queues-admin-title">{ "Queues" }</h2>
                { error_alert(&error) }
                if let Some(text) = (*done).clone() { <Alert tone={Tone::Success} {text} /> }
                <div class="table-wrap"><table data-testid="queues-admin">
                    <thead><tr>
                        <th scope="col">{ "Name" }</th><th scope="col">{ "Languages" }</th><th scope="col">{ "Specialty" }</th>
                        <th scope="col">{ "Modality" }</th><th scope="col">{ "Strategy" }</th><th scope="col" class="num">{ "Ring" }</th>
                        <th scope="col" class="num">{ "Max wait" }</th><th scope="col">{ "Overflow to" }</th><th scope="col" class="num">{ "Wrap-up" }</th>
                        <th scope="col" class="num">{ "SL threshold" }</th><th scope="col">{ "Members" }</th><th></th>
                    </tr></thead>
                    <tbody>{ for queues_list.iter().map(|q| {
                        let (form, done, edits) = (form.clone(), done.clone(), edits.clone());
                        let queue = q.clone();
                        let edit = Callback::from(move |_| {
                            form.set(QueueForm::from_queue(&queue));
                            done.set(None);
                            edits.set(*edits + 1);
                        });
                        html! {
                            <tr>
                                <th scope="row">{ q.name.clone() }</th>
                                <td>{ q.languages.join(", ") }</td>
                                <td>{ q.specialty.clone().unwrap_or_else(|| "any".into()) }</td>
                                <td>{ q.modality.clone().unwrap_or_else(|| "any".into()) }</td>
                                <td>{ q.strategy.as_deref().map(format::status_label).unwrap_or_default() }</td>
                                <td class="num">{ q.ring_timeout_s.map(format::duration).unwrap_or_default() }</td>
                                <td class="num">{ q.max_wait_s.map(format::duration).unwrap_or_default() }</td>
                                <td>{ name_of(&q.overflow_queue_id) }</td>
                                <td class="num">{ q.wrap_up_s.map(format::duration).unwrap_or_default() }</td>
                                <td class="num">{ q.service_level_s.map(format::duration).unwrap_or_default() }</td>
                                <td>{ if q.members.is_empty() { "Anyone skilled".to_owned() } else { q.members.len().to_string() } }</td>
                                <td><button type="button" class="secondary small" onclick={edit} aria-label={format!("Edit {}", q.name)}>{ "Edit" }</button></td>
                            </tr>
                        }
                    }) }</tbody>
                </table></div>
            </section>
            <form class="card" id="queue-form" {onsubmit} aria-labelledby="queue-form-title">
                <h2 id="queue-form-title">{ if editing { format!("Edit queue {}", form.name) } else { "New queue".to_owned() } }</h2>
                { error_alert(&form_error) }
                <div class="grid three">
                    { field("Name", "q-name", |f| f.name.clone(), |f, v| f.name = v, "text") }
                    { field("Languages (ISO codes, comma-separated)", "q-languages", |f| f.languages.clone(), |f, v| f.languages = v, "text") }
                    { select("Specialty", "q-specialty",
                        std::iter::once((String::new(), "Any".to_owned())).chain(SPECIALTIES.iter().map(|s| (s.to_string(), format::status_label(s)))).collect(),
                        |f| f.specialty.clone(), |f, v| f.specialty = v) }
                    { select("Modality", "q-modality",
                        std::iter::once((String::new(), "Any".to_owned())).chain(MODALITIES.iter().map(|s| (s.to_string(), format::status_label(s)))).collect(),
                        |f| f.modality.clone(), |f, v| f.modality = v) }
                    { select("Routing strategy", "q-strategy",
                        STRATEGIES.iter().map(|s| (s.to_string(), format::status_label(s))).collect(),
                        |f| f.strategy.clone(), |f, v| f.strategy = v) }
                    { field("Minimum proficiency (1–5)", "q-minprof", |f| f.min_proficiency.clone(), |f, v| f.min_proficiency = v, "number") }
                    { field("Ring timeout (s)", "q-ring", |f| f.ring_timeout_s.clone(), |f, v| f.ring_timeout_s = v, "number") }
                    { field("Maximum wait (s)", "q-maxwait", |f| f.max_wait_s.clone(), |f, v| f.max_wait_s = v, "number") }
                    { select("Overflow to", "q-overflow", overflow_options, |f| f.overflow_queue_id.clone(), |f, v| f.overflow_queue_id = v) }
                    { field("Wrap-up time (s)", "q-wrapup", |f| f.wrap_up_s.clone(), |f, v| f.wrap_up_s = v, "number") }
                    { field("Service-level threshold (s)", "q-sl", |f| f.service_level_s.clone(), |f, v| f.service_level_s = v, "number") }
                    { field("Precedence (higher wins a tie)", "q-precedence", |f| f.precedence.clone(), |f, v| f.precedence = v, "number") }
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled={*busy}>{ if editing { "Save changes" } else { "Create queue" } }</button>
                    if editing { <button type="button" class="secondary" onclick={cancel}>{ "Cancel" }</button> }
                </div>
            </form>
            if let Some(queue) = form.id.as_ref().and_then(|id| queues_list.iter().find(|q| &q.id == id)) {
                <QueueMembers key={queue.id.clone()} queue={queue.clone()} on_saved={load.clone()} />
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct QueueMembersProps {
    queue: Queue,
    on_saved: Callback<()>,
}

/// Which interpreters serve a queue: a checkbox per interpreter account, saved with
/// `PUT /api/queues/{id}/members`. None ticked: everyone with the skills.
#[function_component]
fn QueueMembers(props: &QueueMembersProps) -> Html {
    let api = use_api();
    let agents_list = use_state(|| None::<Vec<Account>>);
    let chosen = use_state(|| props.queue.members.clone());
    let error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);

    {
        let (api, agents_list, error) = (api.clone(), agents_list.clone(), error.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                match users::list(&api).await {
                    Ok(all) => agents_list.set(Some(
                        all.into_iter().filter(|a| a.role == "agent").collect(),
                    )),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        });
    }

    let save = {
        let (api, chosen, error, done, busy, on_saved) = (
            api.clone(),
            chosen.clone(),
            error.clone(),
            done.clone(),
            busy.clone(),
            props.on_saved.clone(),
        );
        let (id, name) = (props.queue.id.clone(), props.queue.name.clone());
        Callback::from(move |_: MouseEvent| {
            let (api, chosen, error, done, busy, on_saved, id, name) = (
                api.clone(),
                chosen.clone(),
                error.clone(),
                done.clone(),
                busy.clone(),
                on_saved.clone(),
                id.clone(),
                name.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match queues::set_members(&api, &id, &chosen).await {
                    Ok(_) => {
                        done.set(Some(format!(
                            "Saved the members of {name}: {}.",
                            match chosen.len() {
                                0 => "anyone with the skills".to_owned(),
                                1 => "1 interpreter".to_owned(),
                                n => format!("{n} interpreters"),
                            }
                        )));
                        error.set(None);
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
        <section class="card" aria-labelledby="queue-members-title" data-testid="queue-members">
            <h2 id="queue-members-title">{ format!("Members of {}", props.queue.name) }</h2>
            <p class="muted">{ "Interpreters who may take this queue's calls. With none ticked, anyone with the matching skills may." }</p>
            { error_alert(&error) }
            if let Some(text) = (*done).clone() { <Alert tone={Tone::Success} {text} /> }
            { match &*agents_list {
                None => html! { <p class="muted">{ "Loading interpreters…" }</p> },
                Some(list) if list.is_empty() => html! { <p class="muted">{ "No interpreter accounts yet." }</p> },
                Some(list) => html! {
                    <fieldset class="checks">
                        <legend>{ "Interpreters" }</legend>
                        { for list.iter().map(|a| {
                            let checked = chosen.contains(&a.id);
                            let (chosen, id) = (chosen.clone(), a.id.clone());
                            let onchange = Callback::from(move |e: Event| {
                                let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                                let mut next: Vec<String> =
                                    chosen.iter().filter(|m| **m != id).cloned().collect();
                                if on {
                                    next.push(id.clone());
                                }
                                chosen.set(next);
                            });
                            let input_id = format!("member-{}", a.id);
                            html! {
                                <label for={input_id.clone()}>
                                    <input id={input_id} type="checkbox" {checked} {onchange} />
                                    { format!(" {} ({})", a.name, a.email) }
                                </label>
                            }
                        }) }
                    </fieldset>
                },
            } }
            <div class="actions">
                <button type="button" class="primary" onclick={save} disabled={*busy || agents_list.is_none()}>{ "Save members" }</button>
            </div>
        </section>
    }
}
