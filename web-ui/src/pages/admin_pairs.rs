//! An interpreter's language pairs as form rows: from, to, proficiency (either direction
//! serves; pairs with English stay in the languages list above them).

use crate::i18n::{num, t, t_args, use_locale};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::types::LanguagePair;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PairRow {
    pub from: String,
    pub to: String,
    pub proficiency: i64,
}

impl PairRow {
    pub fn from_pair(pair: &LanguagePair) -> Self {
        Self {
            from: pair.from.clone(),
            to: pair.to.clone(),
            proficiency: pair.proficiency,
        }
    }
}

/// The filled rows as pairs (blank rows are left out); a half-filled row is named.
pub fn pairs_of(rows: &[PairRow]) -> Result<Vec<LanguagePair>, String> {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| !(r.from.trim().is_empty() && r.to.trim().is_empty()))
        .map(|(i, r)| {
            let (from, to) = (r.from.trim().to_lowercase(), r.to.trim().to_lowercase());
            if from.is_empty() || to.is_empty() {
                return Err(t_args(
                    "pairs-both-languages",
                    &[("number", num((i + 1) as f64))],
                ));
            }
            Ok(LanguagePair {
                from,
                to,
                proficiency: r.proficiency,
            })
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct PairsEditorProps {
    pub rows: Vec<PairRow>,
    pub on_change: Callback<Vec<PairRow>>,
}

#[function_component]
pub fn PairsEditor(props: &PairsEditorProps) -> Html {
    use_locale();
    let edit = |i: usize, apply: fn(&mut PairRow, String)| {
        let (rows, on_change) = (props.rows.clone(), props.on_change.clone());
        move |value: String| {
            let mut next = rows.clone();
            if let Some(row) = next.get_mut(i) {
                apply(row, value);
            }
            on_change.emit(next);
        }
    };
    let add = {
        let (rows, on_change) = (props.rows.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            let mut next = rows.clone();
            next.push(PairRow {
                proficiency: 4,
                ..PairRow::default()
            });
            on_change.emit(next);
        })
    };
    html! {
        <fieldset class="field" data-testid="pairs">
            <legend>{ t("pairs-legend") }</legend>
            { for props.rows.iter().enumerate().map(|(i, row)| {
                let n = i + 1;
                let on_from = {
                    let f = edit(i, |r, v| r.from = v);
                    Callback::from(move |e: InputEvent| f(e.target_unchecked_into::<HtmlInputElement>().value()))
                };
                let on_to = {
                    let f = edit(i, |r, v| r.to = v);
                    Callback::from(move |e: InputEvent| f(e.target_unchecked_into::<HtmlInputElement>().value()))
                };
                let on_level = {
                    let f = edit(i, |r, v| r.proficiency = v.parse().unwrap_or(3));
                    Callback::from(move |e: Event| f(e.target_unchecked_into::<HtmlSelectElement>().value()))
                };
                let remove = {
                    let (rows, on_change) = (props.rows.clone(), props.on_change.clone());
                    Callback::from(move |_: MouseEvent| {
                        let mut next = rows.clone();
                        next.remove(i);
                        on_change.emit(next);
                    })
                };
                html! {
                    <div class="lang-row" role="group" aria-label={t_args("pairs-pair-n", &[("number", num(n as f64))])}>
                        <label for={format!("s-pair-from-{i}")} class="sr-only">{ t_args("pairs-from", &[("number", num(n as f64))]) }</label>
                        <input id={format!("s-pair-from-{i}")} type="text" placeholder="de" value={row.from.clone()} oninput={on_from} />
                        <span aria-hidden="true">{ "↔" }</span>
                        <label for={format!("s-pair-to-{i}")} class="sr-only">{ t_args("pairs-to", &[("number", num(n as f64))]) }</label>
                        <input id={format!("s-pair-to-{i}")} type="text" placeholder="ar" value={row.to.clone()} oninput={on_to} />
                        <label for={format!("s-pair-level-{i}")} class="sr-only">{ t_args("pairs-proficiency", &[("number", num(n as f64))]) }</label>
                        <select id={format!("s-pair-level-{i}")} onchange={on_level}>
                            { for (1..=5).map(|p| html! { <option value={p.to_string()} selected={row.proficiency == p}>{ p }</option> }) }
                        </select>
                        <button type="button" class="secondary small" onclick={remove} aria-label={t_args("pairs-remove", &[("number", num(n as f64))])}>{ t("skills-remove") }</button>
                    </div>
                }
            }) }
            <button type="button" class="link" onclick={add}>{ t("pairs-add") }</button>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_rows_are_left_out_and_half_rows_refused() {
        let rows = vec![
            PairRow {
                from: " DE ".into(),
                to: "ar".into(),
                proficiency: 5,
            },
            PairRow::default(),
        ];
        let pairs = pairs_of(&rows).expect("readable");
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].from.as_str(), pairs[0].to.as_str()), ("de", "ar"));
        let half = PairRow {
            from: "de".into(),
            ..PairRow::default()
        };
        assert!(pairs_of(&[half]).is_err());
    }
}
