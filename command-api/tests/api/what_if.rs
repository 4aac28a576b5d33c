//! What-if runs over the API: a past morning of known shape (too few interpreters for
//! its calls) is stored as events and projected; replayed unchanged it gives back the
//! actual metrics exactly; with the queue's staffing doubled the ASA falls. Bad requests
//! are refused with clear 4xx.

use std::time::Duration;

use chrono::{DurationRound, Utc};
use command_api::auth::Role;
use projections::what_if::{Changes, SyntheticDay, simulate};
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, spawn_app};

/// Stores a synthetic morning, produced by the sandbox itself, as the events of the live
/// store with their own times, and returns it. Yesterday 08:00 UTC, 2 interpreters, 40
/// calls of 4 minutes in an hour: callers queue.
async fn store_a_busy_morning(app: &TestApp) -> SyntheticDay {
    let yesterday = Utc::now()
        .duration_trunc(chrono::Duration::days(1))
        .expect("a day")
        - chrono::Duration::days(1);
    let day = SyntheticDay {
        seed: u128::from(uuid::Uuid::new_v4().as_u64_pair().0),
        from: yesterday + chrono::Duration::hours(8),
        hours: 1,
        interpreters: 2,
        calls: 40,
        ring_s: 3,
        talk_s: 240,
    };
    let replay = day.replay().expect("a synthetic day");
    let stream = simulate(&replay, &Changes::default(), &mut |_: usize, _: usize| {})
        .await
        .expect("the synthetic morning");
    for event in &stream {
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
             payload, metadata, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&event.aggregate_type)
        .bind(&event.aggregate_id)
        .bind(event.sequence)
        .bind(&event.event_type)
        .bind(&event.event_version)
        .bind(&event.payload)
        .bind(&event.metadata)
        .bind(event.recorded_at)
        .execute(&app.pool)
        .await
        .expect("store an event of the morning");
    }
    day
}

async fn finished_run(app: &TestApp, analyst: &Session, body: Value) -> Value {
    let id = app
        .post("/api/what-if", analyst, body)
        .await
        .expect(202)
        .id();
    for _ in 0..600 {
        let run = app
            .get(&format!("/api/what-if/{id}"), analyst)
            .await
            .expect(200)
            .body;
        match run["status"].as_str() {
            Some("done") => return run,
            Some("failed") => panic!("the run failed: {run}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("the run did not finish in a minute");
}

fn figure(side: &Value, field: &str) -> f64 {
    side["total"][field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} in {side}"))
}

#[tokio::test]
async fn an_unchanged_replay_gives_back_the_actual_metrics_and_doubled_staff_answers_faster() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let day = store_a_busy_morning(&app).await;
    app.wait_for_projections().await;
    let analyst = app.login(Role::Analyst).await;
    let interval = json!({"from": day.from, "to": day.from + chrono::Duration::hours(1)});

    let unchanged = finished_run(&app, &analyst, interval.clone()).await;
    assert_eq!(unchanged["progress"].as_f64(), Some(1.0));
    let (actual, simulated) = (&unchanged["actual"], &unchanged["simulated"]);
    assert_eq!(figure(actual, "offered"), 40.0, "{actual}");
    for field in [
        "offered",
        "answered",
        "abandoned",
        "answer_wait_s",
        "talk_s",
        "busy_s",
    ] {
        assert_eq!(
            figure(actual, field),
            figure(simulated, field),
            "{field}: {unchanged}"
        );
    }
    assert!(
        figure(actual, "asa_s") > 60.0,
        "the morning was busy: {actual}"
    );

    let mut doubled = interval.clone();
    doubled["staffing_delta"] = json!({ day.queue_id().0.to_string(): 2 });
    let run = finished_run(&app, &analyst, doubled).await;
    let (actual, simulated) = (&run["actual"], &run["simulated"]);
    assert_eq!(figure(simulated, "offered"), 40.0);
    assert!(
        figure(simulated, "asa_s") < figure(actual, "asa_s") / 2.0,
        "doubled staff: ASA {} s against {} s",
        figure(simulated, "asa_s"),
        figure(actual, "asa_s")
    );
    assert!(figure(simulated, "service_level") > figure(actual, "service_level"));
    let queue = &simulated["queues"][0];
    assert_eq!(queue["key"], json!(day.queue_id().0.to_string()));
    assert!(
        queue["label"]
            .as_str()
            .is_some_and(|l| l.starts_with("Spanish"))
    );
    // The sandbox leaves nothing behind.
    let sandboxes: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'what\\_if\\_%'")
            .fetch_one(&app.pool)
            .await
            .expect("count sandboxes");
    assert_eq!(sandboxes, 0);
}

#[tokio::test]
async fn bad_what_if_requests_are_refused_with_clear_errors() {
    let app = spawn_app().await;
    let analyst = app.login(Role::Analyst).await;
    let requester = app.login(Role::Requester).await;
    let queue = crate::helpers::spanish_general_queue();
    let now = Utc::now();
    let hour_ago = now - chrono::Duration::hours(1);
    let ok = json!({"from": hour_ago, "to": now});
    app.post("/api/what-if", &requester, ok.clone())
        .await
        .expect(403);
    let cases = [
        (
            json!({"from": now, "to": hour_ago}),
            422,
            "invalid_interval",
        ),
        (
            json!({"from": now - chrono::Duration::days(8), "to": now}),
            422,
            "interval_too_long",
        ),
        (
            json!({"from": now + chrono::Duration::hours(1), "to": now + chrono::Duration::hours(2)}),
            422,
            "invalid_interval",
        ),
        (
            json!({"from": hour_ago, "to": now, "queues": [{"id": uuid::Uuid::new_v4()}]}),
            422,
            "unknown_queue",
        ),
        (
            json!({"from": hour_ago, "to": now, "staffing_delta": {uuid::Uuid::new_v4().to_string(): 1}}),
            422,
            "unknown_queue",
        ),
        (
            json!({"from": hour_ago, "to": now, "staffing_delta": {queue.to_string(): 5000}}),
            422,
            "invalid_value",
        ),
        (
            json!({"from": hour_ago, "to": now, "queues": [{"id": queue, "ring_timeout_s": 0}]}),
            422,
            "invalid_value",
        ),
        (
            json!({"from": hour_ago, "to": now, "queues": [{"id": queue, "strategy": "by_horoscope"}]}),
            422,
            "",
        ),
        (
            json!({"from": hour_ago, "to": now, "queues": [{"id": queue}, {"id": queue}]}),
            422,
            "invalid_value",
        ),
        (
            json!({"from": hour_ago, "to": now, "queues": [{"id": queue, "widening": [{"after_s": 30}, {"after_s": 10}]}]}),
            422,
            "",
        ),
        (json!({"from": "yesterday", "to": now}), 400, "invalid_time"),
        (
            json!({"from": hour_ago, "to": now, "staffing_delta": {"not-a-queue": 1}}),
            422,
            "invalid_value",
        ),
        (
            json!({"from": hour_ago, "to": now, "colour": "blue"}),
            400,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        let answer = app
            .post("/api/what-if", &analyst, body.clone())
            .await
            .expect(status);
        if !code.is_empty() {
            assert_eq!(answer.error_code(), code, "{body}");
        }
    }
    // A `to` in the future means until now.
    app.post(
        "/api/what-if",
        &analyst,
        json!({"from": hour_ago, "to": now + chrono::Duration::hours(2)}),
    )
    .await
    .expect(202);
    let unknown = uuid::Uuid::new_v4();
    let answer = app
        .get(&format!("/api/what-if/{unknown}"), &analyst)
        .await
        .expect(404);
    assert_eq!(answer.error_code(), "what_if_not_found");
    app.get(&format!("/api/what-if/{unknown}"), &requester)
        .await
        .expect(403);
}
