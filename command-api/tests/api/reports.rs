//! The connect-time report: percentiles and shares of an organisation's month, each
//! recomputable from the calls listed behind it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use command_api::auth::Role;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app};

/// A call row as the `calls` read model holds it, requested at `requested_at` and
/// connected `connect_s` seconds later (never, with `None`).
async fn call_row(
    app: &TestApp,
    organisation: Uuid,
    language: &str,
    status: &str,
    requested_at: DateTime<Utc>,
    connect_s: Option<i64>,
) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO read_calls.calls (call_id, requester_id, organisation_id, language, source_language, \
           modality, priority, status, requested_at, answered_at, seq) \
         VALUES ($1, $2, $3, $4, 'en', 'video', 'normal', $5, $6, $7, 1)",
    )
    .bind(id)
    .bind(Uuid::new_v4())
    .bind(organisation)
    .bind(language)
    .bind(status)
    .bind(requested_at)
    .bind(connect_s.map(|s| requested_at + Duration::seconds(s)))
    .execute(&app.pool)
    .await
    .expect("insert a call row");
    id
}

#[tokio::test]
async fn the_connect_time_report_matches_the_calls_behind_it() {
    let app = spawn_app().await;
    let riverside = command_api::seed::demo_organisation_id("riverside").0;
    let court = command_api::seed::demo_organisation_id("harbor-court").0;
    let november = |day: u32, s: u32| {
        Utc.with_ymd_and_hms(2026, 11, day, 9, 0, s)
            .single()
            .expect("a time")
    };
    for (day, connect) in [(1, 2), (3, 4), (5, 8), (7, 12), (9, 25), (30, 40)] {
        call_row(
            &app,
            riverside,
            "es",
            "wrapped_up",
            november(day, 0),
            Some(connect),
        )
        .await;
    }
    call_row(&app, riverside, "es", "abandoned", november(2, 0), None).await;
    call_row(
        &app,
        riverside,
        "es",
        "no_interpreter_available",
        november(4, 0),
        None,
    )
    .await;
    // Left out: still waiting, another month, another organisation, another language.
    call_row(&app, riverside, "es", "queued", november(6, 0), None).await;
    let december = Utc
        .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
        .single()
        .expect("a time");
    call_row(&app, riverside, "es", "wrapped_up", december, Some(1)).await;
    call_row(&app, court, "es", "wrapped_up", november(8, 0), Some(1)).await;
    call_row(&app, riverside, "ar", "wrapped_up", november(8, 0), Some(1)).await;

    let analyst = app.login(Role::Analyst).await;
    let query = format!("organisation_id={riverside}&month=2026-11&language=es");
    let report = app
        .get(&format!("/api/reports/connect-times?{query}"), &analyst)
        .await
        .expect(200)
        .body;
    assert_eq!(report["calls"], 8);
    assert_eq!(report["connected"], 6);
    assert_eq!(report["not_connected"], 2);
    assert_eq!(report["p50_s"], 8.0);
    assert_eq!(report["p90_s"], 40.0);
    assert_eq!(report["p99_s"], 40.0);
    assert_eq!(report["within_10s"], 3.0 / 8.0);
    assert_eq!(report["within_30s"], 5.0 / 8.0);

    // The same figures from the calls listed.
    let listed = app
        .get(
            &format!("/api/reports/connect-times/calls?{query}"),
            &analyst,
        )
        .await
        .expect(200)
        .body;
    let connect: Vec<Option<f64>> = listed["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .map(|call| call["connect_s"].as_f64())
        .collect();
    assert_eq!(
        connect,
        [2.0, 4.0, 8.0, 12.0, 25.0, 40.0]
            .map(Some)
            .into_iter()
            .chain([None, None])
            .collect::<Vec<_>>()
    );
    let within = |limit: f64| {
        connect
            .iter()
            .filter(|c| c.is_some_and(|c| c <= limit))
            .count() as f64
            / connect.len() as f64
    };
    assert_eq!(report["within_10s"], within(10.0));
    assert_eq!(listed["next_offset"], json!(null));

    // Every language: the Arabic call joins.
    let all = app
        .get(
            &format!("/api/reports/connect-times?organisation_id={riverside}&month=2026-11"),
            &analyst,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(all["calls"], 9);

    // A client checks its own organisation, and only its own.
    let requester = app.login(Role::Requester).await;
    app.get(&format!("/api/reports/connect-times?{query}"), &requester)
        .await
        .expect(200);
    app.get(
        &format!("/api/reports/connect-times?organisation_id={court}&month=2026-11"),
        &requester,
    )
    .await
    .expect(403);

    for bad in ["2026-13", "2026-1", "26-11", "november", "2026-11-01"] {
        let answer = app
            .get(
                &format!("/api/reports/connect-times?organisation_id={riverside}&month={bad}"),
                &analyst,
            )
            .await
            .expect(422);
        assert_eq!(answer.error_code(), "invalid_value", "month {bad}");
    }
    app.get("/api/reports/connect-times?month=2026-11", &analyst)
        .await
        .expect(400);
    app.get(
        &format!("/api/reports/connect-times/calls?{query}&offset=-1"),
        &analyst,
    )
    .await
    .expect(422);
}

#[tokio::test]
async fn a_call_connected_through_the_api_is_in_the_report_of_its_month() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;
    let call = app.connected_call(&requester, &supervisor, &agent).await;
    app.wait_for_projections().await;
    let riverside = command_api::seed::demo_organisation_id("riverside").0;
    let month = Utc::now().format("%Y-%m");
    let listed = app
        .get(
            &format!("/api/reports/connect-times/calls?organisation_id={riverside}&month={month}"),
            &supervisor,
        )
        .await
        .expect(200)
        .body;
    let row = listed["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .find(|row| row["call_id"] == call.to_string())
        .cloned()
        .expect("the call is listed");
    assert!(row["connect_s"].as_f64().expect("connected") >= 0.0);
    let report = app
        .get(
            &format!("/api/reports/connect-times?organisation_id={riverside}&month={month}"),
            &requester,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(report["connected"], 1);
}

#[tokio::test]
async fn every_metrics_row_names_the_formula_version_listed_with_the_definitions() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let requester = app.login(Role::Requester).await;
    let analyst = app.login(Role::Analyst).await;
    app.request_call(&requester).await;
    app.wait_for_projections().await;
    let formulas = app
        .get("/api/metrics/formulas", &analyst)
        .await
        .expect(200)
        .body;
    let listed = formulas.as_array().expect("a list");
    for name in [
        "service_level",
        "asa_s",
        "aht_s",
        "abandonment_rate",
        "occupancy",
    ] {
        assert!(
            listed
                .iter()
                .any(|f| f["name"] == name && f["version"] == 1 && f["definition"].is_string()),
            "{name} is defined"
        );
    }
    let newest = listed
        .iter()
        .filter_map(|f| f["formula_version"].as_u64())
        .max()
        .expect("versions");
    let metrics = app
        .get("/api/metrics?group_by=language", &analyst)
        .await
        .expect(200)
        .body;
    let rows = metrics["rows"].as_array().expect("rows");
    assert!(!rows.is_empty());
    for row in rows
        .iter()
        .chain(metrics["totals"].as_array().expect("totals"))
    {
        assert_eq!(row["formula_version"], newest);
    }
}
