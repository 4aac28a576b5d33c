//! What-if routing: replay a past interval through the router with other queue settings or
//! staffing, then compare the metrics side by side (`POST /api/what-if`).

use std::collections::BTreeMap;

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_futures::spawn_local;
use wire::what_if::{QueueChange, RunStatus, WhatIfRequest};
use yew::prelude::*;

use super::{bind_input, start_of_today};
use crate::components::alert::error_alert;
use crate::components::charts::{BarChart, Series};
use crate::components::csv::CsvButton;
use crate::format;
use crate::hooks::use_api;
use crate::i18n::{arg, t, t_args};
use crate::services::http::Api;
use crate::services::queues;
use crate::services::what_if::{self, RunMetrics, WhatIfRun};
use crate::types::{MetricsRow, Queue, STRATEGIES};

/// What the form holds for one queue: text as typed, empty meaning unchanged.
#[derive(Clone, Debug, Default, PartialEq)]
struct QueueEdit {
    staffing: String,
    ring_timeout_s: String,
    strategy: String,
}

/// The request the form describes; a field that does not parse is named in the error.
fn request(
    from: &str,
    to: &str,
    queues: &[Queue],
    edits: &BTreeMap<String, QueueEdit>,
) -> Result<WhatIfRequest, String> {
    let instant = |label: &str, value: &str| {
        format::parse_local_input(value)
            .map(format::rfc3339)
            .ok_or_else(|| t_args("what-if-bad-instant", &[("field", arg(t(label)))]))
    };
    let mut request = WhatIfRequest {
        from: instant("what-if-from", from)?,
        to: instant("what-if-to", to)?,
        ..WhatIfRequest::default()
    };
    for queue in queues {
        let Some(edit) = edits.get(&queue.id) else {
            continue;
        };
        if !edit.staffing.trim().is_empty() {
            let delta = edit.staffing.trim().parse::<i32>().map_err(|_| {
                t_args(
                    "what-if-bad-staffing",
                    &[("queue", arg(queue.name.clone()))],
                )
            })?;
            request.staffing_delta.insert(queue.id.clone(), delta);
        }
        let ring_timeout_s =
            match edit.ring_timeout_s.trim() {
                "" => None,
                raw => Some(raw.parse::<i64>().map_err(|_| {
                    t_args("what-if-bad-ring", &[("queue", arg(queue.name.clone()))])
                })?),
            };
        let strategy = (!edit.strategy.is_empty()).then(|| edit.strategy.clone());
        if ring_timeout_s.is_some() || strategy.is_some() {
            request.queues.push(QueueChange {
                id: queue.id.clone(),
                strategy,
                ring_timeout_s,
                widening: None,
            });
        }
    }
    Ok(request)
}

/// Polls the run until it is over, showing each answer.
async fn follow(
    api: Api,
    id: String,
    run: UseStateHandle<Option<WhatIfRun>>,
    error: UseStateHandle<Option<String>>,
) {
    loop {
        match what_if::run(&api, &id).await {
            Ok(answer) => {
                let over = answer.status.is_over();
                run.set(Some(answer));
                if over {
                    return;
                }
            }
            Err(e) => {
                error.set(Some(e.to_string()));
                return;
            }
        }
        TimeoutFuture::new(500).await;
    }
}

#[function_component]
pub fn WhatIfPage() -> Html {
    let api = use_api();
    let yesterday = start_of_today() - chrono::Duration::days(1);
    let from = use_state(|| format::local_input(yesterday + chrono::Duration::hours(8)));
    let to = use_state(|| format::local_input(yesterday + chrono::Duration::hours(12)));
    let queues = use_state(Vec::<Queue>::new);
    let edits = use_state(BTreeMap::<String, QueueEdit>::new);
    let run = use_state(|| None::<WhatIfRun>);
    let error = use_state(|| None::<String>);
    {
        let (api, queues, error) = (api.clone(), queues.clone(), error.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                match queues::board(&api).await {
                    Ok(list) => queues.set(list),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        });
    }
    let onsubmit = {
        let (api, from, to, queues, edits) = (
            api.clone(),
            from.clone(),
            to.clone(),
            queues.clone(),
            edits.clone(),
        );
        let (run, error) = (run.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = match request(&from, &to, &queues, &edits) {
                Ok(body) => body,
                Err(message) => {
                    error.set(Some(message));
                    return;
                }
            };
            error.set(None);
            run.set(None);
            let (api, run, error) = (api.clone(), run.clone(), error.clone());
            spawn_local(async move {
                match what_if::start(&api, &body).await {
                    Ok(started) => follow(api, started.id, run, error).await,
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };
    let edit = |queue: &str, apply: fn(&mut QueueEdit, String)| {
        let (edits, queue) = (edits.clone(), queue.to_owned());
        Callback::from(move |value: String| {
            let mut next = (*edits).clone();
            apply(next.entry(queue.clone()).or_default(), value);
            edits.set(next);
        })
    };
    let working = run.as_ref().is_some_and(|r| !r.status.is_over());

    html! {
        <section class="page">
            <h1>{ t("title-what-if") }</h1>
            <p class="muted">{ t("what-if-intro") }</p>
            <form class="card" {onsubmit} aria-label={t("what-if-settings")}>
                <div class="toolbar">
                    <div class="field">
                        <label for="w-from">{ t("what-if-from") }</label>
                        <input id="w-from" type="datetime-local" value={(*from).clone()} oninput={bind_input(&from)} />
                    </div>
                    <div class="field">
                        <label for="w-to">{ t("what-if-to") }</label>
                        <input id="w-to" type="datetime-local" value={(*to).clone()} oninput={bind_input(&to)} />
                    </div>
                </div>
                <div class="table-wrap">
                    <table data-testid="what-if-queues">
                        <caption>{ t("what-if-changes") }</caption>
                        <thead><tr>
                            <th scope="col">{ t("what-if-queue") }</th>
                            <th scope="col">{ t("what-if-staffing") }</th>
                            <th scope="col">{ t("what-if-ring-timeout") }</th>
                            <th scope="col">{ t("what-if-strategy") }</th>
                        </tr></thead>
                        <tbody>
                            { for queues.iter().map(|q| {
                                let current = edits.get(&q.id).cloned().unwrap_or_default();
                                let staffing = edit(&q.id, |e, v| e.staffing = v);
                                let ring = edit(&q.id, |e, v| e.ring_timeout_s = v);
                                let strategy = edit(&q.id, |e, v| e.strategy = v);
                                html! {
                                    <tr>
                                        <th scope="row">{ q.name.clone() }</th>
                                        <td><input type="number" step="1" aria-label={t_args("what-if-staffing-of", &[("queue", arg(q.name.clone()))])}
                                            value={current.staffing.clone()} oninput={input_to(staffing)} /></td>
                                        <td><input type="number" min="1" max="600" aria-label={t_args("what-if-ring-timeout-of", &[("queue", arg(q.name.clone()))])}
                                            value={current.ring_timeout_s.clone()} oninput={input_to(ring)} /></td>
                                        <td><select aria-label={t_args("what-if-strategy-of", &[("queue", arg(q.name.clone()))])} onchange={select_to(strategy)}>
                                            <option value="" selected={current.strategy.is_empty()}>{ t("what-if-unchanged") }</option>
                                            { for STRATEGIES.iter().map(|s| html! {
                                                <option value={*s} selected={current.strategy == *s}>{ format::status_label(s) }</option>
                                            }) }
                                        </select></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </div>
                <button type="submit" class="primary" disabled={working}>{ t("what-if-replay") }</button>
            </form>
            { error_alert(&error) }
            { run.as_ref().map(run_view).unwrap_or_default() }
        </section>
    }
}

fn input_to(target: Callback<String>) -> Callback<InputEvent> {
    Callback::from(move |e: InputEvent| {
        if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
            target.emit(input.value());
        }
    })
}

fn select_to(target: Callback<String>) -> Callback<Event> {
    Callback::from(move |e: Event| {
        if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
            target.emit(select.value());
        }
    })
}

fn run_view(run: &WhatIfRun) -> Html {
    match (run.status, &run.actual, &run.simulated) {
        (RunStatus::Done, Some(actual), Some(simulated)) => comparison(actual, simulated),
        (RunStatus::Failed, _, _) => html! {
            <div class="alert error" role="alert">{ t_args("what-if-failed", &[("error", arg(run.error.clone().unwrap_or_default()))]) }</div>
        },
        _ => html! {
            <div class="card" role="status" aria-live="polite">
                <label for="w-progress">{ t_args("what-if-replaying", &[("done", arg(format::percent(Some(run.progress))))]) }</label>
                <progress id="w-progress" max="1" value={run.progress.to_string()} />
            </div>
        },
    }
}

/// (label, figure as text, figure as a number for the chart) of each metric of a row.
fn figures(row: &MetricsRow) -> Vec<(String, String)> {
    [
        ("analytics-offered", row.offered.to_string()),
        ("analytics-answered", row.answered.to_string()),
        ("status-abandoned", row.abandoned.to_string()),
        ("analytics-no-interpreter", row.no_interpreter.to_string()),
        (
            "analytics-service-level",
            format::percent(row.service_level),
        ),
        ("analytics-asa-long", format::duration_f(row.asa_s)),
        ("analytics-aht-long", format::duration_f(row.aht_s)),
        (
            "metric-abandonment-rate",
            format::percent(row.abandonment_rate),
        ),
        ("analytics-occupancy", format::percent(row.occupancy)),
    ]
    .into_iter()
    .map(|(id, figure)| (t(id), figure))
    .collect()
}

fn comparison(actual: &RunMetrics, simulated: &RunMetrics) -> Html {
    let rows: Vec<Vec<String>> = figures(&actual.total)
        .into_iter()
        .zip(figures(&simulated.total))
        .map(|((label, a), (_, s))| vec![label, a, s])
        .collect();
    let by_queue: Vec<(String, &MetricsRow, Option<&MetricsRow>)> = actual
        .queues
        .iter()
        .map(|a| {
            (
                a.name(),
                a,
                simulated.queues.iter().find(|s| s.key == a.key),
            )
        })
        .collect();
    let queue_rows: Vec<Vec<String>> = by_queue
        .iter()
        .map(|(name, a, s)| {
            vec![
                name.clone(),
                format::percent(a.service_level),
                format::percent(s.and_then(|s| s.service_level)),
                format::duration_f(a.asa_s),
                format::duration_f(s.and_then(|s| s.asa_s)),
                a.abandoned.to_string(),
                s.map(|s| s.abandoned.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let labels: Vec<String> = by_queue.iter().map(|(name, _, _)| name.clone()).collect();
    let asa = vec![
        Series {
            name: t("what-if-actual"),
            values: by_queue
                .iter()
                .map(|(_, a, _)| a.asa_s.unwrap_or(0.0))
                .collect(),
        },
        Series {
            name: t("title-what-if"),
            values: by_queue
                .iter()
                .map(|(_, _, s)| s.and_then(|s| s.asa_s).unwrap_or(0.0))
                .collect(),
        },
    ];
    let total_header: Vec<String> = ["what-if-metric", "what-if-actual", "title-what-if"]
        .into_iter()
        .map(t)
        .collect();
    let queue_header: Vec<String> = [
        "what-if-queue",
        "what-if-sl-actual",
        "what-if-sl-simulated",
        "what-if-asa-actual",
        "what-if-asa-simulated",
        "what-if-abandoned-actual",
        "what-if-abandoned-simulated",
    ]
    .into_iter()
    .map(t)
    .collect();
    html! {
        <>
            <section class="card" aria-labelledby="w-total">
                <div class="section-head">
                    <h2 id="w-total">{ t("what-if-all-queues") }</h2>
                    <CsvButton name="what-if-total.csv" header={total_header.clone()} rows={rows.clone()} label={t("what-if-csv-total")} />
                </div>
                <div class="table-wrap">
                    <table data-testid="what-if-total">
                        <thead><tr>{ for total_header.iter().map(|h| html! { <th scope="col">{ h.clone() }</th> }) }</tr></thead>
                        <tbody>
                            { for rows.iter().map(|r| html! {
                                <tr><th scope="row">{ r[0].clone() }</th><td class="num">{ r[1].clone() }</td><td class="num">{ r[2].clone() }</td></tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </section>
            <section class="card" aria-labelledby="w-queues">
                <div class="section-head">
                    <h2 id="w-queues">{ t("what-if-per-queue") }</h2>
                    <CsvButton name="what-if-queues.csv" header={queue_header.clone()} rows={queue_rows.clone()} label={t("what-if-csv-queues")} />
                </div>
                if !labels.is_empty() {
                    <BarChart title={t("what-if-asa-chart")} {labels} series={asa} />
                }
                <div class="table-wrap">
                    <table data-testid="what-if-queues-result">
                        <thead><tr>{ for queue_header.iter().map(|h| html! { <th scope="col">{ h.clone() }</th> }) }</tr></thead>
                        <tbody>
                            { for queue_rows.iter().map(|r| html! {
                                <tr>
                                    <th scope="row">{ r[0].clone() }</th>
                                    { for r[1..].iter().map(|c| html! { <td class="num">{ c.clone() }</td> }) }
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </section>
        </>
    }
}
