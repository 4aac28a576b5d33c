//! Lists edited in place: free-text tags (certifications) and a pick list of named
//! choices (interpreters by name). Each chosen value is a chip with a remove button.

use crate::i18n::{arg, t, t_args, use_locale};
use web_sys::{HtmlInputElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TagsProps {
    /// The input's id; its label points at it.
    pub id: AttrValue,
    pub label: AttrValue,
    pub values: Vec<String>,
    pub on_change: Callback<Vec<String>>,
    #[prop_or_default]
    pub placeholder: AttrValue,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
}

/// A word is added with Enter, a comma or the "Add" button; trimmed and lowercased.
#[function_component]
pub fn TagsInput(props: &TagsProps) -> Html {
    use_locale();
    let draft = use_state(String::new);
    let add = {
        let (draft, values, on_change) =
            (draft.clone(), props.values.clone(), props.on_change.clone());
        Callback::from(move |_: ()| {
            let mut next = values.clone();
            for word in draft.split(',') {
                let word = word.trim().to_lowercase();
                if !word.is_empty() && !next.contains(&word) {
                    next.push(word);
                }
            }
            draft.set(String::new());
            if next != values {
                on_change.emit(next);
            }
        })
    };
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            draft.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onkeydown = {
        let add = add.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == "," {
                e.prevent_default();
                add.emit(());
            }
        })
    };
    let remove = |value: &str| {
        let (values, on_change, value) = (
            props.values.clone(),
            props.on_change.clone(),
            value.to_owned(),
        );
        Callback::from(move |_: MouseEvent| {
            on_change.emit(values.iter().filter(|v| **v != value).cloned().collect())
        })
    };
    html! {
        <div class="field">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <ul class="chips" aria-label={props.label.clone()}>
                { for props.values.iter().map(|v| html! {
                    <li class="chip">{ v.clone() }
                        <button type="button" class="link" aria-label={t_args("tags-remove", &[("name", arg(v.clone()))])} onclick={remove(v)}>{ "×" }</button>
                    </li>
                }) }
            </ul>
            <div class="lang-row">
                <input id={props.id.clone()} type="text" value={(*draft).clone()} placeholder={props.placeholder.clone()}
                    {oninput} {onkeydown} style="width:14rem" />
                <button type="button" class="secondary small" onclick={move |_| add.emit(())}>{ t("tags-add") }</button>
            </div>
            if let Some(hint) = props.hint.clone() { <p class="hint">{ hint }</p> }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct PickListProps {
    pub id: AttrValue,
    pub label: AttrValue,
    /// (value, name) of everything that may be chosen.
    pub options: Vec<(String, String)>,
    pub values: Vec<String>,
    pub on_change: Callback<Vec<String>>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
}

/// Chosen values as named chips, and a select of the others with an "Add" button.
#[function_component]
pub fn PickList(props: &PickListProps) -> Html {
    use_locale();
    let pick = use_state(String::new);
    let name_of = |value: &str| {
        props
            .options
            .iter()
            .find(|(v, _)| v == value)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| crate::format::short_id(value))
    };
    let onchange = {
        let pick = pick.clone();
        Callback::from(move |e: Event| {
            pick.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let add = {
        let (pick, values, on_change) =
            (pick.clone(), props.values.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            if pick.is_empty() || values.contains(&pick) {
                return;
            }
            let mut next = values.clone();
            next.push((*pick).clone());
            pick.set(String::new());
            on_change.emit(next);
        })
    };
    let remove = |value: &str| {
        let (values, on_change, value) = (
            props.values.clone(),
            props.on_change.clone(),
            value.to_owned(),
        );
        Callback::from(move |_: MouseEvent| {
            on_change.emit(values.iter().filter(|v| **v != value).cloned().collect())
        })
    };
    let left: Vec<&(String, String)> = props
        .options
        .iter()
        .filter(|(v, _)| !props.values.contains(v))
        .collect();
    html! {
        <div class="field">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <ul class="chips" aria-label={props.label.clone()}>
                if props.values.is_empty() { <li class="muted">{ t("tags-none") }</li> }
                { for props.values.iter().map(|v| {
                    let name = name_of(v);
                    html! {
                        <li class="chip">{ name.clone() }
                            <button type="button" class="link" aria-label={t_args("tags-remove", &[("name", arg(name.clone()))])} onclick={remove(v)}>{ "×" }</button>
                        </li>
                    }
                }) }
            </ul>
            <div class="lang-row">
                <select id={props.id.clone()} {onchange} style="width:16rem">
                    <option value="" selected={pick.is_empty()}>{ t("tags-choose") }</option>
                    { for left.iter().map(|(v, n)| html! { <option value={v.clone()} selected={*pick == *v}>{ n.clone() }</option> }) }
                </select>
                <button type="button" class="secondary small" onclick={add} disabled={pick.is_empty()}>{ t("tags-add") }</button>
            </div>
            if let Some(hint) = props.hint.clone() { <p class="hint">{ hint }</p> }
        </div>
    }
}
