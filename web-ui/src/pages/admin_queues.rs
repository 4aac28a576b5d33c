//! Administration: queues (strategy, timers, overflow, members, a pair queue's source
//! language and the pool's widening steps).

use crate::i18n::{arg, num, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::admin_queue_members::QueueMembers;
use super::admin_widening::{steps_of, WideningEditor, WideningRow};
use crate::components::alert::{error_alert, Alert, Tone};
use crate::format;
use crate::hooks::{use_api, use_latest, use_live_reload};
use crate::services::queues;
use crate::types::{language_label, Queue, QueueSettings, MODALITIES, SPECIALTIES, STRATEGIES};

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
    /// Empty: English (the queue serves English ↔ each of its languages).
    source_language: String,
    widening: Vec<WideningRow>,
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
            source_language: String::new(),
            widening: Vec::new(),
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
            source_language: q.source_language.clone().unwrap_or_default(),
            widening: q.widening.iter().map(WideningRow::from_step).collect(),
        }
    }

    fn settings(&self) -> Result<QueueSettings, String> {
        let num = |label: &str, v: &str| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| t_args("queues-whole-number", &[("field", arg(label))]))
        };
        let languages: Vec<String> = self
            .languages
            .split([',', ' '])
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        if self.name.trim().is_empty() {
            return Err(t("queues-name-missing"));
        }
        if languages.is_empty() {
            return Err(t("queues-languages-missing"));
        }
        Ok(QueueSettings {
            name: self.name.trim().to_owned(),
            languages,
            specialty: Some(self.specialty.clone()).filter(|s| !s.is_empty()),
            modality: Some(self.modality.clone()).filter(|s| !s.is_empty()),
            strategy: self.strategy.clone(),
            min_proficiency: num(&t("queues-min-proficiency"), &self.min_proficiency)?,
            ring_timeout_s: num(&t("queues-ring-timeout"), &self.ring_timeout_s)?,
            max_wait_s: num(&t("queues-max-wait"), &self.max_wait_s)?,
            overflow_queue_id: Some(self.overflow_queue_id.clone()).filter(|s| !s.is_empty()),
            wrap_up_s: num(&t("queues-wrap-up-time"), &self.wrap_up_s)?,
            service_level_s: num(&t("queues-sl-threshold"), &self.service_level_s)?,
            precedence: num(&t("queues-precedence"), &self.precedence)?,
            source_language: Some(self.source_language.trim().to_lowercase())
                .filter(|s| !s.is_empty()),
            widening: steps_of(&self.widening)?,
        })
    }
}

#[function_component]
pub fn QueuesTab() -> Html {
    use_locale();
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

    let field = |label: String,
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
    let select = |label: String,
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
                        done.set(Some(t_args(
                            "queues-saved",
                            &[("name", arg(settings.name.clone()))],
                        )));
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
    let overflow_options: Vec<(String, String)> = std::iter::once((String::new(), t("tags-none")))
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
    let on_widening = {
        let form = form.clone();
        Callback::from(move |rows: Vec<WideningRow>| {
            let mut next = (*form).clone();
            next.widening = rows;
            form.set(next);
        })
    };
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
                <h2 id="queues-admin-title">{ t("transfer-queues") }</h2>
                { error_alert(&error) }
                if let Some(text) = (*done).clone() { <Alert tone={Tone::Success} {text} /> }
                <div class="table-wrap"><table data-testid="queues-admin">
                    <thead><tr>
                        <th scope="col">{ t("account-name") }</th><th scope="col">{ t("floor-languages") }</th><th scope="col">{ t("request-specialty") }</th>
                        <th scope="col">{ t("request-modality") }</th><th scope="col">{ t("queues-strategy") }</th><th scope="col" class="num">{ t("queues-ring") }</th>
                        <th scope="col" class="num">{ t("queues-max-wait-short") }</th><th scope="col">{ t("queues-overflow-to") }</th><th scope="col" class="num">{ t("status-wrap-up") }</th>
                        <th scope="col" class="num">{ t("queues-sl-short") }</th><th scope="col">{ t("queues-members") }</th><th></th>
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
                                <td>{ languages_of(q) }{ widening_of(q, &queues_list) }</td>
                                <td>{ q.specialty.as_deref().map_or_else(|| t("any").to_lowercase(), format::status_label) }</td>
                                <td>{ q.modality.as_deref().map_or_else(|| t("any").to_lowercase(), format::status_label) }</td>
                                <td>{ q.strategy.as_deref().map(format::status_label).unwrap_or_default() }</td>
                                <td class="num">{ q.ring_timeout_s.map(format::duration).unwrap_or_default() }</td>
                                <td class="num">{ q.max_wait_s.map(format::duration).unwrap_or_default() }</td>
                                <td>{ name_of(&q.overflow_queue_id) }</td>
                                <td class="num">{ q.wrap_up_s.map(format::duration).unwrap_or_default() }</td>
                                <td class="num">{ q.service_level_s.map(format::duration).unwrap_or_default() }</td>
                                <td>{ if q.members.is_empty() { t("queues-anyone-skilled") } else { format::number(q.members.len() as f64) } }</td>
                                <td><button type="button" class="secondary small" onclick={edit} aria-label={t_args("queues-edit-named", &[("name", arg(q.name.clone()))])}>{ t("queues-edit") }</button></td>
                            </tr>
                        }
                    }) }</tbody>
                </table></div>
            </section>
            <form class="card" id="queue-form" {onsubmit} aria-labelledby="queue-form-title">
                <h2 id="queue-form-title">{ if editing { t_args("queues-edit-heading", &[("name", arg(form.name.clone()))]) } else { t("queues-new") } }</h2>
                { error_alert(&form_error) }
                <div class="grid three">
                    { field(t("account-name"), "q-name", |f| f.name.clone(), |f, v| f.name = v, "text") }
                    { field(t("queues-languages-label"), "q-languages", |f| f.languages.clone(), |f, v| f.languages = v, "text") }
                    { select(t("request-specialty"), "q-specialty",
                        std::iter::once((String::new(), t("any"))).chain(SPECIALTIES.iter().map(|s| (s.to_string(), format::status_label(s)))).collect(),
                        |f| f.specialty.clone(), |f, v| f.specialty = v) }
                    { select(t("request-modality"), "q-modality",
                        std::iter::once((String::new(), t("any"))).chain(MODALITIES.iter().map(|s| (s.to_string(), format::status_label(s)))).collect(),
                        |f| f.modality.clone(), |f, v| f.modality = v) }
                    { select(t("queues-routing-strategy"), "q-strategy",
                        STRATEGIES.iter().map(|s| (s.to_string(), format::status_label(s))).collect(),
                        |f| f.strategy.clone(), |f, v| f.strategy = v) }
                    { field(t("queues-min-proficiency-label"), "q-minprof", |f| f.min_proficiency.clone(), |f, v| f.min_proficiency = v, "number") }
                    { field(t("queues-ring-timeout-label"), "q-ring", |f| f.ring_timeout_s.clone(), |f, v| f.ring_timeout_s = v, "number") }
                    { field(t("queues-max-wait-label"), "q-maxwait", |f| f.max_wait_s.clone(), |f, v| f.max_wait_s = v, "number") }
                    { select(t("queues-overflow-to"), "q-overflow", overflow_options, |f| f.overflow_queue_id.clone(), |f, v| f.overflow_queue_id = v) }
                    { field(t("queues-wrap-up-time-label"), "q-wrapup", |f| f.wrap_up_s.clone(), |f, v| f.wrap_up_s = v, "number") }
                    { field(t("queues-sl-threshold-label"), "q-sl", |f| f.service_level_s.clone(), |f, v| f.service_level_s = v, "number") }
                    { field(t("queues-precedence-label"), "q-precedence", |f| f.precedence.clone(), |f, v| f.precedence = v, "number") }
                    { field(t("queues-source-language-label"), "q-source", |f| f.source_language.clone(), |f, v| f.source_language = v, "text") }
                </div>
                <WideningEditor rows={form.widening.clone()} on_change={on_widening}
                    queues={queues_list.iter().filter(|q| Some(&q.id) != form.id.as_ref()).cloned().collect::<Vec<_>>()} />
                <div class="actions">
                    <button type="submit" class="primary" disabled={*busy}>{ if editing { t("queues-save") } else { t("queues-create") } }</button>
                    if editing { <button type="button" class="secondary" onclick={cancel}>{ t("queues-cancel") }</button> }
                </div>
            </form>
            if let Some(queue) = form.id.as_ref().and_then(|id| queues_list.iter().find(|q| &q.id == id)) {
                <QueueMembers key={queue.id.clone()} queue={queue.clone()} on_saved={load.clone()} />
            }
        </>
    }
}

/// "de, ar" or, for a pair queue, "German (de) ↔ ar".
fn languages_of(q: &Queue) -> String {
    match q.source_language.as_deref() {
        Some(source) if !source.is_empty() => {
            format!("{} ↔ {}", language_label(source), q.languages.join(", "))
        }
        _ => q.languages.join(", "),
    }
}

/// The widening steps, one a line, under the languages.
fn widening_of(q: &Queue, queues: &[Queue]) -> Html {
    let name = |id: &str| {
        queues
            .iter()
            .find(|other| other.id == id)
            .map(|other| other.name.clone())
            .unwrap_or_else(|| format::short_id(id))
    };
    html! {
        { for q.widening.iter().enumerate().map(|(i, step)| html! {
            <div class="muted small">{ t_args("queues-widening-step", &[("number", num((i + 1) as f64)), ("step", arg(step.describe(name)))]) }</div>
        }) }
    }
}
