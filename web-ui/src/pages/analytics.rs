//! Analytics: the contact-center metrics by queue, language or interpreter over a range and
//! interval, as a table and SVG charts, and the call detail records as CSV.

use crate::i18n::{arg, num, t, t_args, use_locale};
use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use yew_router::prelude::Link;

use super::analytics_drill::DrillDown;
use super::analytics_trend::{metric_name, trend, TREND_METRICS};
use super::{bind_input, bind_select, start_of_today};
use crate::components::alert::{error_alert, Alert, Tone};
use crate::components::charts::{HBarChart, LineChart, Series};
use crate::components::csv::CsvButton;
use crate::format;
use crate::hooks::{use_api, use_session};
use crate::route::Route;
use crate::services::metrics::{self, Cell, MetricsQuery};
use crate::services::{calls, Api};
use crate::types::{MetricsReport, MetricsRow, Role};

fn day_start(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Hands `blob` to the browser to save as `name`, through an object URL: the browser reads
/// the file from the Blob it already holds, nothing is copied. The URL is revoked a minute
/// later, when the download has long started.
pub(crate) fn save_blob(name: &str, blob: &web_sys::Blob) -> Result<(), String> {
    let url =
        web_sys::Url::create_object_url_with_blob(blob).map_err(|_| "could not build the file")?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "no anchor")?
        .dyn_into()
        .map_err(|_| "no anchor")?;
    anchor.set_href(&url);
    anchor.set_download(name);
    if let Some(body) = document.body() {
        let _ = body.append_child(&anchor);
        anchor.click();
        let _ = body.remove_child(&anchor);
    }
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

#[function_component]
pub fn AnalyticsPage() -> Html {
    use_locale();
    let api = use_api();
    let session = use_session();
    let today = start_of_today().format("%Y-%m-%d").to_string();
    let group_by = use_state(|| "queue".to_owned());
    let interval = use_state(|| "1h".to_owned());
    let from = use_state(|| today.clone());
    let to = use_state(|| today.clone());
    let report = use_state(|| None::<MetricsReport>);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let export_note = use_state(|| None::<String>);
    let trend_metric = use_state(|| "service_level".to_owned());
    let drill = use_state(|| None::<Cell>);
    let on_drill = {
        let drill = drill.clone();
        Callback::from(move |cell: Cell| drill.set(Some(cell)))
    };
    let close_drill = {
        let drill = drill.clone();
        Callback::from(move |()| drill.set(None))
    };

    let range = {
        let (from, to) = (from.clone(), to.clone());
        move || -> Option<(String, String)> {
            let start = day_start(&from)?;
            let end = day_start(&to)? + Duration::days(1);
            (start < end).then(|| (format::rfc3339(start), format::rfc3339(end)))
        }
    };

    let load = {
        let (api, group_by, interval, report, error, busy) = (
            api.clone(),
            group_by.clone(),
            interval.clone(),
            report.clone(),
            error.clone(),
            busy.clone(),
        );
        let range = range.clone();
        Callback::from(move |_: ()| {
            let Some((from, to)) = range() else {
                error.set(Some(t("analytics-bad-range")));
                return;
            };
            let query = MetricsQuery {
                group_by: (*group_by).clone(),
                interval: (*interval).clone(),
                from,
                to,
            };
            let (api, report, error, busy) =
                (api.clone(), report.clone(), error.clone(), busy.clone());
            busy.set(true);
            spawn_local(async move {
                match metrics::report(&api, &query).await {
                    Ok(r) => {
                        report.set(Some(r));
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };
    {
        let load = load.clone();
        use_effect_with(((*group_by).clone(), (*interval).clone()), move |_| {
            load.emit(())
        });
    }
    let onsubmit = {
        let load = load.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            load.emit(());
        })
    };

    let can_export = session
        .session
        .as_ref()
        .is_some_and(|s| matches!(s.user.role, Role::Analyst | Role::Admin));
    let export = {
        let (api, export_note, range) = (api.clone(), export_note.clone(), range.clone());
        Callback::from(move |_| {
            let Some((from, to)) = range() else { return };
            let (api, export_note): (Api, _) = (api.clone(), export_note.clone());
            export_note.set(Some(t("analytics-preparing")));
            spawn_local(async move {
                match calls::export_csv(&api, &from, &to).await {
                    Ok(blob) => {
                        let name = format!(
                            "parley-calls-{}-{}.csv",
                            from.get(..10).unwrap_or_default(),
                            to.get(..10).unwrap_or_default()
                        );
                        let size = format::bytes(blob.size());
                        match save_blob(&name, &blob) {
                            Ok(()) => export_note.set(Some(t_args(
                                "analytics-saved",
                                &[("file", arg(name.clone())), ("size", arg(size.clone()))],
                            ))),
                            Err(e) => export_note.set(Some(t_args(
                                "analytics-save-failed",
                                &[("error", arg(e.to_string()))],
                            ))),
                        }
                    }
                    Err(e) => export_note.set(Some(t_args(
                        "analytics-export-failed",
                        &[("error", arg(e.to_string()))],
                    ))),
                }
            });
        })
    };

    let body = match &*report {
        None => html! { <p class="muted">{ if *busy { t("loading") } else { String::new() } }</p> },
        Some(r) => report_view(r, &trend_metric, on_drill),
    };

    html! {
        <section class="page">
            <h1>{ t("title-analytics") }</h1>
            <form class="card toolbar" {onsubmit} aria-label={t("analytics-settings")}>
                <div class="field">
                    <label for="m-group">{ t("analytics-group-by") }</label>
                    <select id="m-group" onchange={bind_select(&group_by)}>
                        { for [("queue", "my-call-queue"), ("language", "column-language"), ("agent", "column-interpreter")].iter().map(|(v, l)| html! {
                            <option value={*v} selected={*group_by == *v}>{ t(l) }</option>
                        }) }
                    </select>
                </div>
                <div class="field">
                    <label for="m-interval">{ t("analytics-interval") }</label>
                    <select id="m-interval" onchange={bind_select(&interval)}>
                        { for [("15m", "analytics-15-minutes"), ("1h", "analytics-hour"), ("1d", "analytics-day")].iter().map(|(v, l)| html! {
                            <option value={*v} selected={*interval == *v}>{ t(l) }</option>
                        }) }
                    </select>
                </div>
                <div class="field">
                    <label for="m-from">{ t("analytics-from") }</label>
                    <input id="m-from" type="date" value={(*from).clone()} oninput={bind_input(&from)} />
                </div>
                <div class="field">
                    <label for="m-to">{ t("analytics-to") }</label>
                    <input id="m-to" type="date" value={(*to).clone()} oninput={bind_input(&to)} />
                </div>
                <button type="submit" class="primary" disabled={*busy}>{ t("analytics-update") }</button>
                if can_export {
                    <button type="button" class="secondary" onclick={export}>{ t("analytics-export") }</button>
                }
                <Link<Route> to={Route::WhatIf} classes="button secondary">{ t("analytics-what-if") }</Link<Route>>
            </form>
            if let Some(text) = (*export_note).clone() { <Alert tone={Tone::Info} {text} /> }
            { error_alert(&error) }
            if let Some(cell) = (*drill).clone() { <DrillDown {cell} on_close={close_drill} /> }
            { body }
        </section>
    }
}

fn report_view(
    r: &MetricsReport,
    trend_metric: &UseStateHandle<String>,
    on_drill: Callback<Cell>,
) -> Html {
    let sum = |f: fn(&MetricsRow) -> i64| r.totals.iter().map(f).sum::<i64>();
    let offered = sum(|m| m.offered);
    let answered = sum(|m| m.answered);
    let abandoned = sum(|m| m.abandoned);
    let sl = ratio(
        sum(|m| m.answered_in_sl),
        offered - sum(|m| m.short_abandoned),
    );
    let handled = sum(|m| m.handled);
    let aht = ratio(sum(|m| m.talk_s + m.hold_s + m.wrap_up_s), handled);
    let asa = {
        // answered-weighted average of each group's ASA
        let weighted: f64 = r
            .totals
            .iter()
            .filter_map(|m| m.asa_s.map(|a| a * m.answered as f64))
            .sum();
        (answered > 0).then(|| weighted / answered as f64)
    };
    let is_agent = r.group_by == "agent";

    // Charts: totals per group; offered and service level per interval.
    let mut totals = r.totals.clone();
    totals.sort_by_key(|m| std::cmp::Reverse(m.offered));
    let labels: Vec<String> = totals.iter().map(MetricsRow::name).collect();
    let bars = vec![
        Series {
            name: t("analytics-offered"),
            values: totals.iter().map(|m| m.offered as f64).collect(),
        },
        Series {
            name: t("analytics-answered"),
            values: totals.iter().map(|m| m.answered as f64).collect(),
        },
        Series {
            name: t("status-abandoned"),
            values: totals.iter().map(|m| m.abandoned as f64).collect(),
        },
    ];
    let mut buckets: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
    for row in &r.rows {
        let key = row.bucket_start.map(|t| t.timestamp()).unwrap_or_default();
        let entry = buckets.entry(key).or_default();
        entry.0 += row.offered;
        entry.1 += row.answered_in_sl;
        entry.2 += row.offered - row.short_abandoned;
    }
    let bucket_labels: Vec<String> = buckets
        .keys()
        .map(|ts| {
            let t = chrono::DateTime::from_timestamp(*ts, 0);
            if r.interval == "1d" {
                t.map(|t| t.format("%m-%d").to_string()).unwrap_or_default()
            } else {
                format::time(t).chars().take(5).collect()
            }
        })
        .collect();
    let offered_line = vec![Series {
        name: t("analytics-offered"),
        values: buckets.values().map(|v| v.0 as f64).collect(),
    }];
    let trend_label = |ts: i64| {
        let t = chrono::DateTime::from_timestamp(ts, 0);
        if r.interval == "1d" {
            t.map(|t| t.format("%m-%d").to_string()).unwrap_or_default()
        } else {
            format::time(t).chars().take(5).collect()
        }
    };
    let (trend_labels, trend_series) = trend(r, trend_metric, trend_label);
    let trend_percent = TREND_METRICS
        .iter()
        .any(|(m, _, share)| *m == trend_metric.as_str() && *share);
    let trend_title = metric_name(trend_metric);
    let sl_line = vec![Series {
        name: t("analytics-service-level"),
        values: buckets
            .values()
            .map(|v| ratio(v.1, v.2).unwrap_or(0.0))
            .collect(),
    }];

    html! {
        <>
            <div class="kpis" data-testid="metrics-kpis">
                <div class="kpi"><div class="label">{ t("analytics-offered") }</div><div class="value" data-testid="kpi-offered">{ offered }</div></div>
                <div class="kpi"><div class="label">{ t("analytics-answered") }</div><div class="value" data-testid="kpi-answered">{ answered }</div></div>
                <div class="kpi"><div class="label">{ t("status-abandoned") }</div><div class="value">{ abandoned }</div></div>
                <div class="kpi"><div class="label">{ t("analytics-service-level") }</div><div class="value">{ format::percent(sl) }</div></div>
                <div class="kpi"><div class="label">{ t("analytics-asa-long") }</div><div class="value">{ format::duration_f(asa) }</div></div>
                <div class="kpi"><div class="label">{ t("analytics-aht-long") }</div><div class="value">{ format::duration_f(aht) }</div></div>
            </div>
            if r.totals.is_empty() {
                <div class="card"><p class="muted">{ t("analytics-no-activity") }</p></div>
            } else {
                <div class="charts">
                    <div class="card"><HBarChart title={t("analytics-chart-by-group")} labels={labels} series={bars} /></div>
                    <div class="card"><LineChart title={t("analytics-chart-offered")} labels={bucket_labels.clone()} series={offered_line} /></div>
                    <div class="card"><LineChart title={t("analytics-chart-service-level")} labels={bucket_labels} series={sl_line} percent={true} /></div>
                </div>
                <section class="card" aria-labelledby="trend-title">
                    <div class="section-head">
                        <h2 id="trend-title">{ t("analytics-trend") }</h2>
                        <div class="field">
                            <label for="m-trend">{ t("analytics-metric") }</label>
                            <select id="m-trend" onchange={bind_select(trend_metric)}>
                                { for TREND_METRICS.iter().map(|(v, l, _)| html! {
                                    <option value={*v} selected={trend_metric.as_str() == *v}>{ t(l) }</option>
                                }) }
                            </select>
                        </div>
                    </div>
                    <LineChart title={trend_title} labels={trend_labels} series={trend_series} percent={trend_percent} />
                </section>
                <section class="card" aria-labelledby="totals-title">
                    <div class="section-head">
                        <h2 id="totals-title">{ t("analytics-totals") }</h2>
                        { csv_button(r, &r.totals, is_agent, false) }
                    </div>
                    { metrics_table(&r.totals, is_agent, false, None) }
                </section>
                <section class="card">
                    <details>
                        <summary>{ t_args("analytics-per-interval", &[("count", num(r.rows.len() as f64))]) }</summary>
                        <p class="muted">{ t("analytics-drill-hint") }</p>
                        { csv_button(r, &r.rows, is_agent, true) }
                        { metrics_table(&r.rows, is_agent, true, Some((r, on_drill))) }
                    </details>
                </section>
            }
        </>
    }
}

/// The tables' columns, for the screen and the CSV file alike.
fn header(is_agent: bool, with_time: bool) -> Vec<String> {
    let mut ids = Vec::new();
    if with_time {
        ids.push("analytics-interval");
    }
    ids.extend([
        "analytics-group",
        "analytics-offered",
        "analytics-answered",
        "status-abandoned",
        "analytics-overflowed",
        "analytics-no-interpreter",
        "analytics-service-level",
        "analytics-asa",
        "analytics-aht",
        "analytics-abandon-rate",
    ]);
    if is_agent {
        ids.push("analytics-occupancy");
    }
    ids.into_iter().map(t).collect()
}

/// A row's cells as text: (the metric a cell drills into, its text).
fn cells(m: &MetricsRow, is_agent: bool) -> Vec<(Option<&'static str>, String)> {
    let mut cells = vec![
        (Some("offered"), m.offered.to_string()),
        (None, m.answered.to_string()),
        (None, m.abandoned.to_string()),
        (None, m.overflowed.to_string()),
        (None, m.no_interpreter.to_string()),
        (Some("service_level"), format::percent(m.service_level)),
        (Some("asa_s"), format::duration_f(m.asa_s)),
        (Some("aht_s"), format::duration_f(m.aht_s)),
        (
            Some("abandonment_rate"),
            format::percent(m.abandonment_rate),
        ),
    ];
    if is_agent {
        cells.push((Some("occupancy"), format::percent(m.occupancy)));
    }
    cells
}

fn csv_button(r: &MetricsReport, rows: &[MetricsRow], is_agent: bool, with_time: bool) -> Html {
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|m| {
            let mut line = Vec::new();
            if with_time {
                line.push(m.bucket_start.map(format::rfc3339).unwrap_or_default());
            }
            line.push(m.name());
            line.extend(cells(m, is_agent).into_iter().map(|(_, text)| text));
            line
        })
        .collect();
    let (what, label) = if with_time {
        ("intervals", t("analytics-csv-intervals"))
    } else {
        ("totals", t("analytics-csv-totals"))
    };
    let from = r
        .from
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    html! {
        <CsvButton name={format!("metrics-{}-{what}-{from}.csv", r.group_by)} header={header(is_agent, with_time)}
            rows={lines} {label} />
    }
}

/// A metrics table; with `drill`, each figure that has a definition opens the calls
/// behind it.
fn metrics_table(
    rows: &[MetricsRow],
    is_agent: bool,
    with_time: bool,
    drill: Option<(&MetricsReport, Callback<Cell>)>,
) -> Html {
    let cell_of = |m: &MetricsRow, metric: &'static str| {
        let (report, on_drill) = drill.as_ref()?;
        let cell = Cell {
            metric,
            group_by: report.group_by.clone(),
            group: m.key.clone(),
            label: m.name(),
            interval_start: m.bucket_start.map(format::rfc3339)?,
            interval: report.interval.clone(),
        };
        Some(on_drill.reform(move |_: MouseEvent| cell.clone()))
    };
    html! {
        <div class="table-wrap">
            <table data-testid={if with_time { "metrics-rows" } else { "metrics-totals" }}>
                <thead><tr>
                    { for header(is_agent, with_time).into_iter().enumerate().map(|(i, h)| html! {
                        <th scope="col" class={(i + usize::from(!with_time) >= 2).then_some("num")}>{ h }</th>
                    }) }
                </tr></thead>
                <tbody>
                    { for rows.iter().map(|m| html! {
                        <tr>
                            if with_time { <td>{ format::date_time(m.bucket_start) }</td> }
                            <th scope="row">{ m.name() }</th>
                            { for cells(m, is_agent).into_iter().map(|(metric, text)| {
                                match metric.and_then(|metric| cell_of(m, metric)) {
                                    Some(onclick) => html! {
                                        <td class="num"><button type="button" class="link" {onclick}
                                            aria-label={format!("{text}: the calls behind it")}>{ text.clone() }</button></td>
                                    },
                                    None => html! { <td class="num">{ text }</td> },
                                }
                            }) }
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
