//! The drill-down of a metric cell: the calls behind it, each with its share, adding up to
//! the cell; from a call, its timeline.

use wasm_bindgen_futures::spawn_local;
use wire::metrics::MetricCalls;
use yew::prelude::*;
use yew_router::prelude::Link;

use super::analytics_trend::TREND_METRICS;
use crate::components::alert::error_alert;
use crate::components::csv::CsvButton;
use crate::format;
use crate::hooks::{use_api, use_session};
use crate::route::Route;
use crate::services::metrics::{self, Cell};

/// What a metric's numerator and denominator count, for the column heads.
fn parts(metric: &str) -> (&'static str, &'static str) {
    match metric {
        "service_level" => ("Answered in time", "Offered less short abandons"),
        "asa_s" => ("Wait (s)", "Answered"),
        "aht_s" => ("Talk, hold and wrap-up (s)", "Handled"),
        "abandonment_rate" => ("Abandoned after 5 s", "Offered"),
        "occupancy" => ("Busy (s)", "Logged in (s)"),
        _ => ("Offered", ""),
    }
}

/// The metric's value from a numerator and denominator, as the table shows it.
fn value(metric: &str, numerator: i64, denominator: i64) -> String {
    let ratio = (denominator > 0).then(|| numerator as f64 / denominator as f64);
    match metric {
        "service_level" | "abandonment_rate" | "occupancy" => format::percent(ratio),
        "asa_s" | "aht_s" => format::duration_f(ratio),
        _ => numerator.to_string(),
    }
}

#[derive(Properties, PartialEq)]
pub struct DrillProps {
    pub cell: Cell,
    pub on_close: Callback<()>,
}

#[function_component]
pub fn DrillDown(props: &DrillProps) -> Html {
    let api = use_api();
    // The timeline is staff-only (analysts see the call ids).
    let sees_timelines = use_session()
        .session
        .as_ref()
        .is_some_and(|s| Route::Replay { id: String::new() }.allowed(s.user.role));
    let answer = use_state(|| None::<MetricCalls>);
    let error = use_state(|| None::<String>);
    {
        let (api, answer, error) = (api.clone(), answer.clone(), error.clone());
        use_effect_with(props.cell.clone(), move |cell| {
            let cell = cell.clone();
            answer.set(None);
            spawn_local(async move {
                match metrics::calls_behind(&api, &cell).await {
                    Ok(found) => answer.set(Some(found)),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        });
    }
    let cell = &props.cell;
    let (numerator_head, denominator_head) = parts(cell.metric);
    let close = props.on_close.reform(|_| ());
    let metric_label = TREND_METRICS
        .iter()
        .find(|(m, _, _)| *m == cell.metric)
        .map_or(cell.metric, |(_, label, _)| *label);
    let title = format!(
        "{metric_label} — {} at {}",
        cell.label,
        format::date_time(
            chrono::DateTime::parse_from_rfc3339(&cell.interval_start)
                .ok()
                .map(|t| t.to_utc())
        )
    );
    let body = match &*answer {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(found) => {
            // The volume has no denominator: its column is left out.
            let ratio = !denominator_head.is_empty();
            let mut header = vec!["Call", numerator_head];
            if ratio {
                header.push(denominator_head);
            }
            let rows: Vec<Vec<String>> = found
                .calls
                .iter()
                .map(|c| {
                    let mut row = vec![
                        c.call_id.clone().unwrap_or_else(|| "(no call)".to_owned()),
                        c.numerator.to_string(),
                    ];
                    if ratio {
                        row.push(c.denominator.to_string());
                    }
                    row
                })
                .collect();
            let count = match found.calls.len() {
                1 => "1 call".to_owned(),
                n => format!("{n} calls"),
            };
            let sum = if ratio {
                format!(
                    "{count}. Sum: {} / {} = {}",
                    found.numerator,
                    found.denominator,
                    value(&found.metric, found.numerator, found.denominator)
                )
            } else {
                format!("{count}. Sum: {}", found.numerator)
            };
            html! {
                <>
                    <p data-testid="drill-sum">{ sum }</p>
                    <CsvButton name={format!("metric-{}-{}.csv", cell.metric, cell.interval_start.get(..16).unwrap_or_default())}
                        header={header.clone()} rows={rows} label="Download CSV (calls behind the figure)" />
                    <div class="table-wrap">
                        <table data-testid="drill-calls">
                            <thead><tr>{ for header.iter().map(|h| html! { <th scope="col">{ *h }</th> }) }</tr></thead>
                            <tbody>
                                { for found.calls.iter().map(|c| html! {
                                    <tr>
                                        <th scope="row">{
                                            match &c.call_id {
                                                Some(id) if sees_timelines => html! { <Link<Route> to={Route::Replay { id: id.clone() }}>{ format::short_id(id) }</Link<Route>> },
                                                Some(id) => html! { format::short_id(id) },
                                                None => html! { "(no call)" },
                                            }
                                        }</th>
                                        <td class="num">{ c.numerator }</td>
                                        if ratio { <td class="num">{ c.denominator }</td> }
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                </>
            }
        }
    };
    html! {
        <section class="card" aria-labelledby="drill-title" data-testid="drill-down">
            <div class="section-head">
                <h2 id="drill-title">{ title }</h2>
                <button type="button" class="secondary small" onclick={close}>{ "Close" }</button>
            </div>
            { error_alert(&error) }
            { body }
        </section>
    }
}
