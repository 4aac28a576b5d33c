//! A queue's widening steps as form rows: after how long a waiting call's pool is relaxed,
//! and how (a lower proficiency, any specialty, the request's requirements dropped,
//! another queue's interpreters added).

use crate::format;
use crate::i18n::{num, t, t_args, use_locale};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::types::{Queue, WideningStep};

/// One step as form text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WideningRow {
    pub after_s: String,
    /// Empty: the queue's own minimum stays.
    pub min_proficiency: String,
    pub drop_specialty: bool,
    pub drop_requirements: bool,
    /// Empty: no queue added.
    pub add_queue_id: String,
}

impl WideningRow {
    pub fn from_step(step: &WideningStep) -> Self {
        Self {
            after_s: step.after_s.to_string(),
            min_proficiency: step
                .min_proficiency
                .map(|p| p.to_string())
                .unwrap_or_default(),
            drop_specialty: step.drop_specialty,
            drop_requirements: step.drop_requirements,
            add_queue_id: step.add_queue_id.clone().unwrap_or_default(),
        }
    }
}

/// The rows as steps; the first unreadable one is named. The server checks the order.
pub fn steps_of(rows: &[WideningRow]) -> Result<Vec<WideningStep>, String> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let after_s = row.after_s.trim().parse::<i64>().map_err(|_| {
                t_args("widening-after-invalid", &[("number", num((i + 1) as f64))])
            })?;
            let min_proficiency = match row.min_proficiency.trim() {
                "" => None,
                text => Some(text.parse::<i64>().map_err(|_| {
                    t_args(
                        "widening-proficiency-invalid",
                        &[("number", num((i + 1) as f64))],
                    )
                })?),
            };
            Ok(WideningStep {
                after_s,
                min_proficiency,
                drop_specialty: row.drop_specialty,
                drop_requirements: row.drop_requirements,
                add_queue_id: Some(row.add_queue_id.clone()).filter(|q| !q.is_empty()),
            })
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct WideningEditorProps {
    pub rows: Vec<WideningRow>,
    pub on_change: Callback<Vec<WideningRow>>,
    /// Queues a step may add (the edited one left out).
    pub queues: Vec<Queue>,
}

#[function_component]
pub fn WideningEditor(props: &WideningEditorProps) -> Html {
    use_locale();
    let edit = |i: usize, apply: fn(&mut WideningRow, String)| {
        let (rows, on_change) = (props.rows.clone(), props.on_change.clone());
        move |value: String| {
            let mut next = rows.clone();
            if let Some(row) = next.get_mut(i) {
                apply(row, value);
            }
            on_change.emit(next);
        }
    };
    let text = |i: usize, apply: fn(&mut WideningRow, String)| {
        let f = edit(i, apply);
        Callback::from(move |e: InputEvent| {
            f(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let choice = |i: usize, apply: fn(&mut WideningRow, String)| {
        let f = edit(i, apply);
        Callback::from(move |e: Event| f(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let check = |i: usize, apply: fn(&mut WideningRow, String)| {
        let f = edit(i, apply);
        Callback::from(move |e: Event| {
            f(e.target_unchecked_into::<HtmlInputElement>()
                .checked()
                .to_string())
        })
    };
    let add = {
        let (rows, on_change) = (props.rows.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            let mut next = rows.clone();
            let after = next
                .last()
                .and_then(|r| r.after_s.trim().parse::<i64>().ok())
                .map_or(60, |s| s + 60);
            next.push(WideningRow {
                after_s: after.to_string(),
                ..WideningRow::default()
            });
            on_change.emit(next);
        })
    };
    html! {
        <fieldset class="field" data-testid="widening">
            <legend>{ t("widening-legend") }</legend>
            <p class="hint">{ t("widening-hint") }</p>
            if props.rows.is_empty() { <p class="muted">{ t("widening-none") }</p> }
            { for props.rows.iter().enumerate().map(|(i, row)| {
                let n = i + 1;
                let remove = {
                    let (rows, on_change) = (props.rows.clone(), props.on_change.clone());
                    Callback::from(move |_: MouseEvent| {
                        let mut next = rows.clone();
                        next.remove(i);
                        on_change.emit(next);
                    })
                };
                html! {
                    <div class="widening-row" role="group" aria-label={t_args("widening-step-n", &[("number", num(n as f64))])}>
                        <strong>{ t_args("widening-step-short", &[("number", num(n as f64))]) }</strong>
                        <div class="field">
                            <label for={format!("w-after-{i}")}>{ t("widening-after-label") }</label>
                            <input id={format!("w-after-{i}")} type="number" min="1" value={row.after_s.clone()}
                                oninput={text(i, |r, v| r.after_s = v)} />
                        </div>
                        <div class="field">
                            <label for={format!("w-prof-{i}")}>{ t("widening-lower-proficiency") }</label>
                            <select id={format!("w-prof-{i}")} onchange={choice(i, |r, v| r.min_proficiency = v)}>
                                <option value="" selected={row.min_proficiency.is_empty()}>{ format::capitalised(&t("widening-no-change")) }</option>
                                { for (1..=5).map(|p| html! { <option value={p.to_string()} selected={row.min_proficiency == p.to_string()}>{ p }</option> }) }
                            </select>
                        </div>
                        <label class="choice"><input type="checkbox" checked={row.drop_specialty}
                            onchange={check(i, |r, v| r.drop_specialty = v == "true")} />{ t("widening-drop-specialty") }</label>
                        <label class="choice"><input type="checkbox" checked={row.drop_requirements}
                            onchange={check(i, |r, v| r.drop_requirements = v == "true")} />{ t("widening-drop-requirements") }</label>
                        <div class="field">
                            <label for={format!("w-queue-{i}")}>{ t("widening-add-queue") }</label>
                            <select id={format!("w-queue-{i}")} onchange={choice(i, |r, v| r.add_queue_id = v)}>
                                <option value="" selected={row.add_queue_id.is_empty()}>{ t("tags-none") }</option>
                                { for props.queues.iter().map(|q| html! { <option value={q.id.clone()} selected={row.add_queue_id == q.id}>{ q.name.clone() }</option> }) }
                            </select>
                        </div>
                        <button type="button" class="secondary small" onclick={remove} aria-label={t_args("widening-remove-step", &[("number", num(n as f64))])}>{ t("skills-remove") }</button>
                    </div>
                }
            }) }
            <button type="button" class="link" onclick={add}>{ t("widening-add-step") }</button>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_steps_and_back() {
        let row = WideningRow {
            after_s: " 45 ".into(),
            min_proficiency: "2".into(),
            drop_specialty: true,
            drop_requirements: false,
            add_queue_id: String::new(),
        };
        let steps = steps_of(std::slice::from_ref(&row)).expect("a readable row");
        assert_eq!(steps[0].after_s, 45);
        assert_eq!(steps[0].min_proficiency, Some(2));
        assert_eq!(steps[0].add_queue_id, None);
        assert_eq!(WideningRow::from_step(&steps[0]).min_proficiency, "2");
        let bad = WideningRow {
            after_s: "soon".into(),
            ..row
        };
        assert!(steps_of(&[bad]).is_err_and(|e| e.contains("step 1")));
    }
}
