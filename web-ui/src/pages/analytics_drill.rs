//! The drill-down of a metric cell: the calls behind it, each with its share, adding up to
//! the cell; from a call, its timeline.

use wasm_bindgen_futures::spawn_local;
use wire::metrics::MetricCalls;
use yew::prelude::*;
use yew_router::prelude::Link;

use super::analytics_trend::metric_name;
use crate::components::alert::error_alert;
use crate::components::csv::CsvButton;
use crate::format;
use crate::hooks::{use_api, use_session};
use crate::i18n::{arg, num, t, t_args};
use crate::route::Route;
use crate::services::metrics::{self, Cell};

/// What a metric's numerator and denominator count, for the column heads (the volume has
/// no denominator).
fn parts(metric: &str) -> (String, Option<String>) {
    let (numerator, denominator) = match metric {
        "service_level" => ("drill-answered-in-time", Some("drill-offered-less-short")),
        "asa_s" => ("drill-wait-s", Some("analytics-answered")),
        "aht_s" => ("drill-handle-s", Some("drill-handled")),
        "abandonment_rate" => ("drill-abandoned-late", Some("analytics-offered")),
        "occupancy" => ("drill-busy-s", Some("drill-logged-in-s")),
        _ => ("analytics-offered", None),
    };
    (t(numerator), denominator.map(t))
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
    let at = chrono::DateTime::parse_from_rfc3339(&cell.interval_start)
        .ok()
        .map(|t| t.to_utc());
    let title = t_args(
        "drill-title",
        &[
            ("metric", arg(metric_name(cell.metric))),
            ("group", arg(cell.label.clone())),
            ("at", arg(format::date_time(at))),
        ],
    );
    let body = match &*answer {
        None => html! { <p class="muted">{ t("loading") }</p> },
        Some(found) => {
            let ratio = denominator_head.is_some();
            let mut header = vec![t("drill-call"), numerator_head.clone()];
            header.extend(denominator_head.clone());
            let no_call = t("drill-no-call");
            let rows: Vec<Vec<String>> = found
                .calls
                .iter()
                .map(|c| {
                    let mut row = vec![
                        c.call_id.clone().unwrap_or_else(|| no_call.clone()),
                        c.numerator.to_string(),
                    ];
                    if ratio {
                        row.push(c.denominator.to_string());
                    }
                    row
                })
                .collect();
            let calls = arg(t_args(
                "drill-count",
                &[("count", num(found.calls.len() as f64))],
            ));
            let sum = if ratio {
                t_args(
                    "drill-sum-ratio",
                    &[
                        ("calls", calls),
                        ("numerator", num(found.numerator as f64)),
                        ("denominator", num(found.denominator as f64)),
                        (
                            "value",
                            arg(value(&found.metric, found.numerator, found.denominator)),
                        ),
                    ],
                )
            } else {
                t_args(
                    "drill-sum",
                    &[("calls", calls), ("numerator", num(found.numerator as f64))],
                )
            };
            html! {
                <>
                    <p data-testid="drill-sum">{ sum }</p>
                    <CsvButton name={format!("metric-{}-{}.csv", cell.metric, cell.interval_start.get(..16).unwrap_or_default())}
                        header={header.clone()} rows={rows} label={t("drill-csv")} />
                    <div class="table-wrap">
                        <table data-testid="drill-calls">
                            <thead><tr>{ for header.iter().map(|h| html! { <th scope="col">{ h.clone() }</th> }) }</tr></thead>
                            <tbody>
                                { for found.calls.iter().map(|c| html! {
                                    <tr>
                                        <th scope="row">{
                                            match &c.call_id {
                                                Some(id) if sees_timelines => html! { <Link<Route> to={Route::Replay { id: id.clone() }}>{ format::short_id(id) }</Link<Route>> },
                                                Some(id) => html! { format::short_id(id) },
                                                None => html! { no_call.clone() },
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
                <button type="button" class="secondary small" onclick={close}>{ t("drill-close") }</button>
            </div>
            { error_alert(&error) }
            { body }
        </section>
    }
}
