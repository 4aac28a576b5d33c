//! The whole floor as it was at a chosen instant, rebuilt by the server from the event
//! history: queues with their waiting calls, calls in progress, interpreters.

use crate::i18n::{arg, num, t, t_args, use_locale};
use std::collections::HashMap;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use super::bind_input;
use crate::components::alert::error_alert;
use crate::components::badge::Badge;
use crate::format;
use crate::hooks::use_api;
use crate::route::Route;
use crate::services::floor;
use crate::types::{language_name, AgentTotals, FloorCall, FloorView};

#[function_component]
pub fn FloorAtPage() -> Html {
    use_locale();
    let api = use_api();
    let location = use_location();
    let navigator = use_navigator();
    // The instant named in the URL (`?at=`), if any.
    let from_url: Option<DateTime<Utc>> = location
        .as_ref()
        .and_then(|l| l.query::<HashMap<String, String>>().ok())
        .and_then(|q| q.get("at").cloned())
        .and_then(|raw| DateTime::parse_from_rfc3339(&raw).ok())
        .map(|t| t.with_timezone(&Utc));
    // Without one: now, read once when the page opens (not on every render, which made the
    // page fetch in a loop and overwrite what the user typed).
    let opened_at = use_memo((), |_| format::now());
    let initial = from_url.unwrap_or(*opened_at);
    let at = use_state(|| initial);
    let input = use_state(|| format::local_input(initial));
    let view = use_state(|| None::<FloorView>);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    // The number of the latest request: an answer to an older one is dropped.
    let latest = use_mut_ref(|| 0u64);

    // Follow ?at= when another page links here.
    {
        let (at, input) = (at.clone(), input.clone());
        use_effect_with(from_url, move |from_url| {
            if let Some(instant) = *from_url {
                if *at != instant {
                    at.set(instant);
                    input.set(format::local_input(instant));
                }
            }
        });
    }

    {
        let (api, view, error, busy, latest) = (
            api.clone(),
            view.clone(),
            error.clone(),
            busy.clone(),
            latest.clone(),
        );
        use_effect_with(*at, move |at| {
            let at = *at;
            let ticket = {
                let mut latest = latest.borrow_mut();
                *latest += 1;
                *latest
            };
            busy.set(true);
            spawn_local(async move {
                let answer = floor::at(&api, Some(&format::rfc3339(at))).await;
                if *latest.borrow() != ticket {
                    return;
                }
                match answer {
                    Ok(v) => {
                        view.set(Some(v));
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        });
    }

    let go = {
        let (at, input, navigator) = (at.clone(), input.clone(), navigator.clone());
        Callback::from(move |instant: DateTime<Utc>| {
            // Milliseconds, as the URL carries it: the same instant read back from ?at=.
            let instant = instant.trunc_subsecs(3);
            at.set(instant);
            input.set(format::local_input(instant));
            if let Some(navigator) = &navigator {
                let query: HashMap<String, String> =
                    std::iter::once(("at".to_owned(), format::rfc3339(instant))).collect();
                let _ = navigator.replace_with_query(&Route::FloorAt, &query);
            }
        })
    };
    let onsubmit = {
        let (input, go, error) = (input.clone(), go.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match format::parse_local_input(&input) {
                Some(instant) => go.emit(instant),
                None => error.set(Some(t("floor-at-enter-instant"))),
            }
        })
    };
    let step = |seconds: i64, label: String| {
        let (go, at) = (go.clone(), at.clone());
        html! {
            <button type="button" class="secondary small" onclick={move |_| go.emit(*at + Duration::seconds(seconds))}>{ label }</button>
        }
    };
    let now_button = {
        let go = go.clone();
        html! { <button type="button" class="secondary small" onclick={move |_| go.emit(format::now())}>{ t("floor-at-now") }</button> }
    };

    let names: HashMap<String, String> = view
        .as_ref()
        .map(|v| {
            v.agents
                .iter()
                .map(|a| {
                    (
                        a.id.clone(),
                        a.name
                            .clone()
                            .or(a.email.clone())
                            .unwrap_or_else(|| format::short_id(&a.id)),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let agent_name = |id: &Option<String>| {
        id.as_ref()
            .map(|id| {
                names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format::short_id(id))
            })
            .unwrap_or_else(|| "—".into())
    };
    let call_row = |c: &FloorCall| {
        html! {
            <tr>
                <td><Link<Route> to={Route::Replay { id: c.id.clone() }}><code>{ format::short_id(&c.id) }</code></Link<Route>></td>
                <td>{ c.language.as_deref().map(language_name).unwrap_or_default() }<span class="muted">{ format!(" · {}", c.modality.as_deref().map(format::status_label).unwrap_or_default()) }</span>
                    if c.priority.as_deref() == Some("urgent") { { " " }<span class="badge badge-urgent">{ t("offer-urgent") }</span> }</td>
                <td><Badge status={c.status.clone()} /></td>
                <td>{ agent_name(&c.agent_id.clone().or(c.offered_to.clone())) }</td>
                <td class="num">{ format::duration(c.elapsed_s) }</td>
            </tr>
        }
    };
    let call_table = |calls: &[FloorCall], empty: &str| {
        if calls.is_empty() {
            html! { <p class="muted">{ empty.to_owned() }</p> }
        } else {
            html! {
                <div class="table-wrap"><table class="compact">
                    <thead><tr><th scope="col">{ t("floor-call") }</th><th scope="col">{ t("floor-request") }</th><th scope="col">{ t("column-status") }</th><th scope="col">{ t("column-interpreter") }</th><th scope="col" class="num">{ t("floor-for") }</th></tr></thead>
                    <tbody>{ for calls.iter().map(call_row) }</tbody>
                </table></div>
            }
        }
    };

    let body = match &*view {
        None => html! { <p class="muted">{ t("loading") }</p> },
        Some(v) => html! {
            <>
                <p class="muted" data-testid="floor-as-of">{ t_args("floor-at-as-of", &[("time", arg(format::date_time(v.as_of))), ("count", num(v.events as f64))]) }</p>
                <div class="kpis">
                    <div class="kpi"><div class="label">{ t("floor-waiting") }</div><div class="value">{ v.queues.iter().map(|q| q.waiting.len()).sum::<usize>() + v.unrouted.len() }</div></div>
                    <div class="kpi"><div class="label">{ t("floor-at-in-progress") }</div><div class="value">{ v.in_progress.len() }</div></div>
                    <div class="kpi"><div class="label">{ t("status-available") }</div><div class="value">{ AgentTotals::count(v.agents.iter().map(|a| (a.status.as_str(), a.activity.as_str()))).available }</div></div>
                    <div class="kpi"><div class="label">{ t("floor-free-now") }</div><div class="value">{ AgentTotals::count(v.agents.iter().map(|a| (a.status.as_str(), a.activity.as_str()))).free }</div></div>
                    <div class="kpi"><div class="label">{ t("floor-on-a-call") }</div><div class="value">{ AgentTotals::count(v.agents.iter().map(|a| (a.status.as_str(), a.activity.as_str()))).on_call }</div></div>
                </div>
                <div class="floor-grid">
                    <section class="card" aria-labelledby="at-queues">
                        <h2 id="at-queues">{ t("transfer-queues") }</h2>
                        { for v.queues.iter().map(|q| html! {
                            <div class="queue-block">
                                <h3>{ t_args("floor-at-queue", &[("queue", arg(q.name.clone())), ("count", num(q.waiting.len() as f64)), ("longest", arg(format::duration(q.longest_wait_s)))]) }</h3>
                                if !q.waiting.is_empty() { { call_table(&q.waiting, "") } }
                            </div>
                        }) }
                        if !v.unrouted.is_empty() {
                            <h3>{ t("floor-at-unrouted") }</h3>
                            { call_table(&v.unrouted, "") }
                        }
                    </section>
                    <section class="card" aria-labelledby="at-calls">
                        <h2 id="at-calls">{ t("floor-at-calls-heading") }</h2>
                        { call_table(&v.in_progress, &t("floor-at-no-calls")) }
                    </section>
                    <section class="card wide" aria-labelledby="at-agents">
                        <h2 id="at-agents">{ t("floor-interpreters") }</h2>
                        <div class="table-wrap"><table class="compact">
                            <thead><tr><th scope="col">{ t("column-interpreter") }</th><th scope="col">{ t("column-status") }</th><th scope="col">{ t("floor-at-since") }</th><th scope="col">{ t("floor-activity") }</th><th scope="col">{ t("floor-call") }</th><th scope="col">{ t("floor-languages") }</th></tr></thead>
                            <tbody>
                                { for v.agents.iter().map(|a| html! {
                                    <tr>
                                        <th scope="row">{ a.name.clone().or(a.email.clone()).unwrap_or_else(|| format::short_id(&a.id)) }</th>
                                        <td><Badge status={a.status.clone()} /></td>
                                        <td>{ format::time(a.status_since) }</td>
                                        <td><Badge status={a.activity.clone()} /></td>
                                        <td>{ match &a.call_id { Some(id) => html! { <Link<Route> to={Route::Replay { id: id.clone() }}><code>{ format::short_id(id) }</code></Link<Route>> }, None => html! { "—" } } }</td>
                                        <td>{ a.languages.join(", ") }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table></div>
                    </section>
                </div>
            </>
        },
    };

    html! {
        <section class="page">
            <h1>{ t("floor-at-heading") }</h1>
            <form class="card toolbar" {onsubmit}>
                <div class="field">
                    <label for="floor-at">{ t("floor-at-instant") }</label>
                    <input id="floor-at" type="datetime-local" step="1" value={(*input).clone()} oninput={bind_input(&input)} />
                </div>
                <button type="submit" class="primary" disabled={*busy}>{ t("floor-at-show") }</button>
                <div class="actions" role="group" aria-label={t("floor-at-step")}>
                    { step(-600, t_args("floor-at-back-minutes", &[("count", num(10))])) }
                    { step(-60, t_args("floor-at-back-minutes", &[("count", num(1))])) }
                    { step(-10, t_args("floor-at-back-seconds", &[("count", num(10))])) }
                    { step(10, t_args("floor-at-on-seconds", &[("count", num(10))])) }
                    { step(60, t_args("floor-at-on-minutes", &[("count", num(1))])) }
                    { step(600, t_args("floor-at-on-minutes", &[("count", num(10))])) }{ now_button }
                </div>
            </form>
            { error_alert(&error) }
            { body }
        </section>
    }
}
