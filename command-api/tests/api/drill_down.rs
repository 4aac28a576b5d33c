//! The drill-down from a metric cell to the calls behind it: for every cell of real
//! traffic, in every grouping, the shares listed add up to the cell's own counters.

use command_api::auth::Role;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::spawn_app;
use crate::pipeline::traffic;

/// A metric's numerator and denominator from a `GET /api/metrics` row's counters.
fn from_row(metric: &str, row: &Value) -> (i64, i64) {
    let n = |field: &str| row[field].as_i64().expect(field);
    match metric {
        "service_level" => (n("answered_in_sl"), n("offered") - n("short_abandoned")),
        "asa_s" => (n("answer_wait_s"), n("answered")),
        "aht_s" => (n("talk_s") + n("hold_s") + n("wrap_up_s"), n("handled")),
        "abandonment_rate" => (n("abandoned") - n("short_abandoned"), n("offered")),
        "occupancy" => (n("busy_s"), n("logged_in_s")),
        "offered" => (n("offered"), 0),
        other => panic!("no metric {other}"),
    }
}

#[tokio::test]
async fn every_cell_is_the_sum_of_the_calls_listed_behind_it() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    traffic(&app, 3).await;
    let agent = app.login(Role::Agent).await;
    app.set_status(&agent, "break").await;
    app.set_status(&agent, "available").await;
    app.wait_for_projections().await;
    let analyst = app.login(Role::Analyst).await;
    let mut cells = 0;
    for group_by in command_api::routes::queries::metrics::GROUP_BY {
        let report = app
            .get(
                &format!("/api/metrics?group_by={group_by}&interval=1h"),
                &analyst,
            )
            .await
            .expect(200)
            .body;
        for row in report["rows"].as_array().expect("rows") {
            for metric in command_api::routes::queries::drill_down::METRICS {
                let start = row["bucket_start"].as_str().expect("start");
                let key = row["key"].as_str().expect("key");
                let drill = app
                    .get(
                        &format!(
                            "/api/metrics/calls?metric={metric}&group_by={group_by}&group={key}&interval_start={start}&interval=1h"
                        ),
                        &analyst,
                    )
                    .await
                    .expect(200)
                    .body;
                let (numerator, denominator) = from_row(metric, row);
                assert_eq!(
                    (drill["numerator"].as_i64(), drill["denominator"].as_i64()),
                    (Some(numerator), Some(denominator)),
                    "{group_by} {key} {start} {metric}"
                );
                let listed = drill["calls"].as_array().expect("calls");
                let sum = |field: &str| -> i64 {
                    listed.iter().map(|c| c[field].as_i64().expect(field)).sum()
                };
                assert_eq!(
                    (sum("numerator"), sum("denominator")),
                    (numerator, denominator)
                );
                if metric != "occupancy" && numerator + denominator != 0 {
                    assert!(
                        listed.iter().all(|c| c["call_id"].is_string()),
                        "{metric}: calls"
                    );
                }
                cells += 1;
            }
        }
    }
    assert!(cells >= 18, "cells checked: {cells}");

    // A listed call opens with its timeline.
    let drill = app
        .get(
            &format!(
                "/api/metrics/calls?metric=offered&group_by=language&group=es&interval_start={}&interval=1d",
                chrono::Utc::now().format("%Y-%m-%dT00:00:00Z")
            ),
            &analyst,
        )
        .await
        .expect(200)
        .body;
    let call = drill["calls"][0]["call_id"]
        .as_str()
        .expect("a call")
        .to_owned();
    let supervisor = app.login(Role::Supervisor).await;
    app.send(
        Method::GET,
        &format!("/api/calls/{call}/history"),
        Some(&supervisor.token),
        None,
    )
    .await
    .expect(200);

    for (query, status) in [
        (
            "metric=speed&group=es&interval_start=2026-11-01T00:00:00Z",
            422,
        ),
        (
            "metric=asa_s&group_by=room&group=es&interval_start=2026-11-01T00:00:00Z",
            422,
        ),
        (
            "metric=asa_s&group=es&interval_start=2026-11-01T00:00:00Z&interval=2h",
            422,
        ),
        ("metric=asa_s&group=es&interval_start=yesterday", 400),
        ("metric=asa_s&interval_start=2026-11-01T00:00:00Z", 400),
    ] {
        app.get(&format!("/api/metrics/calls?{query}"), &analyst)
            .await
            .expect(status);
    }
}
