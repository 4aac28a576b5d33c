//! The console's parts: hand a call on, file the wrap-up, today's calls.

use crate::i18n::{arg, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::{bind_select, bind_textarea, confirm};
use crate::components::alert::error_alert;
use crate::components::badge::Badge;
use crate::format;
use crate::hooks::{use_api, use_latest};
use crate::services::{agents, calls};
use crate::types::{language_name, Agent, Call, MoveTarget, Queue, DISPOSITIONS};

#[derive(Properties, PartialEq)]
pub(super) struct TransferProps {
    pub(super) call: Call,
    pub(super) my_id: String,
    pub(super) queues: Vec<Queue>,
    pub(super) on_done: Callback<()>,
}

/// Colleagues who could take `call` now: available, free, with its language and modality.
fn free_colleagues_for<'a>(
    agents: &'a [Agent],
    call: &'a Call,
    my_id: &'a str,
) -> impl Iterator<Item = &'a Agent> {
    agents.iter().filter(move |a| {
        a.id != my_id
            && a.is_free()
            && call
                .language
                .as_ref()
                .is_none_or(|l| a.languages.contains(l))
            && call
                .modality
                .as_ref()
                .is_none_or(|m| a.modalities.is_empty() || a.modalities.contains(m))
    })
}

/// Hands the call to a queue, or to a named colleague who is free now (listed when the
/// call view opens and again when the list gets the focus).
#[function_component]
pub(super) fn Transfer(props: &TransferProps) -> Html {
    use_locale();
    let api = use_api();
    // "queue:<id>" or "agent:<id>"
    let target = use_state(String::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let colleagues = use_state(Vec::<Agent>::new);
    let load_colleagues = {
        let (api, colleagues) = (api.clone(), colleagues.clone());
        let latest = use_latest();
        use_callback((), move |_: (), _| {
            let (api, colleagues) = (api.clone(), colleagues.clone());
            latest.spawn(
                async move { agents::colleagues(&api).await },
                move |answer| {
                    // Without the list only the queues are offered; the error is not the call's.
                    colleagues.set(answer.unwrap_or_default());
                },
            );
        })
    };
    {
        let load = load_colleagues.clone();
        use_effect_with(props.call.id.clone(), move |_| load.emit(()));
    }
    // A warm transfer under way from this screen: complete or cancel it.
    let consulting = use_state(|| false);
    let free: Vec<Agent> = free_colleagues_for(&colleagues, &props.call, &props.my_id)
        .cloned()
        .collect();
    let consult = {
        let (api, target, error, busy, consulting, on_done, id) = (
            api.clone(),
            target.clone(),
            error.clone(),
            busy.clone(),
            consulting.clone(),
            props.on_done.clone(),
            props.call.id.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(to) = MoveTarget::parse(&target) else {
                error.set(Some(t("transfer-choose")));
                return;
            };
            let (api, error, busy, consulting, on_done, id) = (
                api.clone(),
                error.clone(),
                busy.clone(),
                consulting.clone(),
                on_done.clone(),
                id.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match calls::consult(&api, &id, &to).await {
                    Ok(_) => {
                        error.set(None);
                        consulting.set(true);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
                on_done.emit(());
            });
        })
    };
    // "complete-transfer" or "cancel-consult".
    let finish = |verb: &'static str| {
        let (api, error, busy, consulting, on_done, id) = (
            api.clone(),
            error.clone(),
            busy.clone(),
            consulting.clone(),
            props.on_done.clone(),
            props.call.id.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (api, error, busy, consulting, on_done, id) = (
                api.clone(),
                error.clone(),
                busy.clone(),
                consulting.clone(),
                on_done.clone(),
                id.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match calls::command(&api, &id, verb).await {
                    Ok(_) => {
                        error.set(None);
                        consulting.set(false);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
                on_done.emit(());
            });
        })
    };
    let onclick = {
        let (api, target, error, busy, on_done, id) = (
            api.clone(),
            target.clone(),
            error.clone(),
            busy.clone(),
            props.on_done.clone(),
            props.call.id.clone(),
        );
        let colleagues = free.clone();
        Callback::from(move |_| {
            let Some(to) = MoveTarget::parse(&target) else {
                error.set(Some(t("transfer-choose")));
                return;
            };
            let question = match &to {
                MoveTarget::Queue(_) => t("transfer-queue-confirm"),
                MoveTarget::Agent(_) => t_args(
                    "transfer-colleague-confirm",
                    &[(
                        "name",
                        arg(to
                            .name(&[], &colleagues)
                            .unwrap_or_else(|| t("transfer-this-colleague"))),
                    )],
                ),
            };
            if !confirm(&question) {
                return;
            }
            busy.set(true);
            let (api, error, busy, on_done, id) = (
                api.clone(),
                error.clone(),
                busy.clone(),
                on_done.clone(),
                id.clone(),
            );
            spawn_local(async move {
                match calls::transfer(&api, &id, &to).await {
                    Ok(_) => error.set(None),
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
                on_done.emit(());
            });
        })
    };
    let onfocus = {
        let load = load_colleagues.clone();
        Callback::from(move |_: FocusEvent| load.emit(()))
    };
    // Only queues of the call's language: the server refuses the others (422
    // `language_mismatch`), as nobody there could interpret for this caller.
    let same_language: Vec<&Queue> = props
        .queues
        .iter()
        .filter(|q| {
            props
                .call
                .language
                .as_ref()
                .is_none_or(|l| q.languages.contains(l))
        })
        .collect();
    let select_id = format!("transfer-{}", props.call.id);
    let option = |value: String, label: String| {
        html! { <option value={value.clone()} selected={*target == value}>{ label }</option> }
    };
    html! {
        <div class="inline-form">
            <label for={select_id.clone()} class="sr-only">{ t("transfer-to") }</label>
            <select id={select_id} onchange={bind_select(&target)} {onfocus}>
                <option value="" selected={target.is_empty()}>{ t("transfer-to-choose") }</option>
                <optgroup label={t("transfer-queues")}>
                    { for same_language.iter().map(|q| option(MoveTarget::Queue(q.id.clone()).value(), q.name.clone())) }
                </optgroup>
                <optgroup label={if free.is_empty() { t("transfer-nobody-free") } else { t("transfer-colleagues-free") }}>
                    { for free.iter().map(|a| option(MoveTarget::Agent(a.id.clone()).value(), a.display_name())) }
                </optgroup>
            </select>
            if *consulting {
                <button type="button" onclick={finish("complete-transfer")} disabled={*busy}>{ t("consult-complete") }</button>
                <button type="button" class="secondary" onclick={finish("cancel-consult")} disabled={*busy}>{ t("consult-cancel") }</button>
            } else {
                <button type="button" class="secondary" {onclick} disabled={*busy}>{ t("transfer") }</button>
                <button type="button" class="secondary" onclick={consult} disabled={*busy}>{ t("consult") }</button>
            }
            { error_alert(&error) }
        </div>
    }
}

/// The wrap-up form's heading, focused when the call ends (End call is gone).
pub(super) const WRAP_TITLE_ID: &str = "wrap-title";

#[derive(Properties, PartialEq)]
pub(super) struct WrapUpProps {
    pub(super) call_id: String,
    /// The call, when the interpreter may still see it.
    pub(super) call: Option<Call>,
    /// The interpreter transferred the call on: it is no longer theirs.
    pub(super) handed_on: bool,
    pub(super) on_done: Callback<()>,
}

#[function_component]
pub(super) fn WrapUp(props: &WrapUpProps) -> Html {
    use_locale();
    let api = use_api();
    let disposition = use_state(|| "completed".to_owned());
    let notes = use_state(String::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (api, disposition, notes, error, busy, on_done, id) = (
            api.clone(),
            disposition.clone(),
            notes.clone(),
            error.clone(),
            busy.clone(),
            props.on_done.clone(),
            props.call_id.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            busy.set(true);
            let (api, error, busy, on_done, id) = (
                api.clone(),
                error.clone(),
                busy.clone(),
                on_done.clone(),
                id.clone(),
            );
            let (d, n) = ((*disposition).clone(), (*notes).clone());
            spawn_local(async move {
                match calls::wrap_up(&api, &id, &d, &n).await {
                    Ok(_) => on_done.emit(()),
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };
    let about = match &props.call {
        Some(c) if props.handed_on => t_args(
            "wrap-about-transferred",
            &[
                (
                    "language",
                    arg(c.language.as_deref().map(language_name).unwrap_or_default()),
                ),
                ("name", arg(format::opt(&c.requester_name))),
            ],
        ),
        Some(c) => t_args(
            "wrap-about",
            &[
                (
                    "language",
                    arg(c.language.as_deref().map(language_name).unwrap_or_default()),
                ),
                ("name", arg(format::opt(&c.requester_name))),
                (
                    "duration",
                    arg(c.talk_s.map(format::duration).unwrap_or_else(|| "—".into())),
                ),
            ],
        ),
        None => t_args(
            "wrap-about-call",
            &[("id", arg(format::short_id(&props.call_id)))],
        ),
    };
    html! {
        <form class="card wrap-up" {onsubmit} aria-labelledby="wrap-title" data-testid="wrap-up">
            <h2 id={WRAP_TITLE_ID}>{ t("wrap-heading") }</h2>
            <p class="muted">{ about }</p>
            { error_alert(&error) }
            <div class="field">
                <label for="wrap-disposition">{ t("wrap-disposition") }</label>
                <select id="wrap-disposition" onchange={bind_select(&disposition)}>
                    { for DISPOSITIONS.iter().map(|(value, label)| html! {
                        <option value={*value} selected={*disposition == *value}>{ t(label) }</option>
                    }) }
                </select>
            </div>
            <div class="field">
                <label for="wrap-notes">{ t("wrap-notes") }</label>
                <textarea id="wrap-notes" rows="4" maxlength="2000" value={(*notes).clone()} oninput={bind_textarea(&notes)} />
            </div>
            <button type="submit" class="primary" disabled={*busy}>{ t("wrap-submit") }</button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub(super) struct TodayProps {
    pub(super) calls: Vec<Call>,
}

#[function_component]
pub(super) fn TodayCalls(props: &TodayProps) -> Html {
    use_locale();
    html! {
        <section class="card" aria-labelledby="today-title">
            <h2 id="today-title">{ t("today-heading") }</h2>
            if props.calls.is_empty() {
                <p class="muted">{ t("today-none") }</p>
            } else {
                <div class="table-wrap">
                    <table class="compact">
                        <thead><tr><th scope="col">{ t("column-time") }</th><th scope="col">{ t("column-language") }</th><th scope="col">{ t("column-status") }</th><th scope="col">{ t("column-talk") }</th></tr></thead>
                        <tbody>
                            { for props.calls.iter().map(|c| html! {
                                <tr>
                                    <td>{ format::time(c.answered_at.or(c.requested_at)) }</td>
                                    <td>{ c.language.as_deref().map(language_name).unwrap_or_default() }</td>
                                    <td><Badge status={c.status.clone()} /></td>
                                    <td>{ c.talk_s.map(format::duration).unwrap_or_else(|| "—".into()) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            }
        </section>
    }
}
