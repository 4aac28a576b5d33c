//! The pipeline's locks out of other roles' reach, and a stalled part named by `/readyz`,
//! `/metrics` and the log.

use command_api::auth::Role;
use std::time::Duration;

use projections::leader::{RELAY_LOCK, ROUTER_LOCK};
use projections::relay::RelayOptions;
use reqwest::Method;
use sqlx::{Connection, Executor, PgConnection};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::pipeline::traffic;

/// As the analysts' role, tries every kind of advisory lock a part of the pipeline takes;
/// the SQLSTATE of each refusal (`None` when the lock was granted).
async fn analyst_tries_the_locks(app: &TestApp) -> Vec<(String, Option<String>)> {
    let mut conn = PgConnection::connect(&app.database_url())
        .await
        .expect("connect");
    conn.execute("SET ROLE parley_analyst")
        .await
        .expect("become the analyst");
    let attempts = [
        format!("SELECT pg_try_advisory_lock({RELAY_LOCK})"),
        format!("SELECT pg_try_advisory_lock({ROUTER_LOCK})"),
        format!("SELECT pg_advisory_lock({RELAY_LOCK})"),
        "SELECT pg_try_advisory_lock_shared(hashtext('read_calls'))".to_owned(),
        "SELECT pg_try_advisory_lock(1, 2)".to_owned(),
        "BEGIN; SELECT pg_advisory_xact_lock(hashtext('read_calls')); COMMIT".to_owned(),
    ];
    let mut outcomes = Vec::new();
    for sql in attempts {
        let outcome = conn.execute(sql.as_str()).await;
        let code = outcome.err().map(|error| {
            error
                .as_database_error()
                .and_then(|e| e.code().map(|c| c.into_owned()))
                .unwrap_or_else(|| error.to_string())
        });
        // A refused statement inside BEGIN leaves the transaction aborted.
        let _ = conn.execute("ROLLBACK").await;
        outcomes.push((sql, code));
    }
    outcomes
}

#[tokio::test]
async fn the_analyst_role_cannot_take_the_pipeline_locks_and_the_pipeline_keeps_going() {
    let app = spawn_app().await;
    let pipeline = app.start_pipeline();
    // Tries before and while traffic flows: every attempt is refused, none waits. (The
    // traffic's supervisor makes the offers, so no router runs yet.)
    let before = analyst_tries_the_locks(&app).await;
    let (during, ()) = tokio::join!(analyst_tries_the_locks(&app), traffic(&app, 2));
    for (sql, refusal) in before.iter().chain(&during) {
        assert_eq!(
            refusal.as_deref(),
            Some("42501"),
            "{sql}: the analyst must get insufficient_privilege"
        );
    }
    app.assert_stream_matches_events().await;
    let stream_last = app.wait_for_projections().await;
    // A router started after the analyst's attempts becomes active and reads the stream.
    assert!(
        !analyst_tries_the_locks(&app)
            .await
            .iter()
            .any(|(_, refusal)| refusal.is_none())
    );
    let router = app.spawn_router(&pipeline);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let read = projections::leader::reported_progress(&app.pool, "router")
            .await
            .expect("the router's progress");
        // It may read further: it offers the calls the traffic left waiting.
        if read.is_some_and(|read| read >= stream_last) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the router read {read:?} of {stream_last}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready = app.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.body["checks"]["pipeline"], "ok", "{}", ready.body);
    router.abort();
}

/// Asks `/readyz` until its pipeline check satisfies `done`; the last answer.
async fn readyz_until(app: &TestApp, done: impl Fn(&str) -> bool) -> crate::helpers::Answer {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let answer = app.send(Method::GET, "/readyz", None, None).await;
        let pipeline = answer.body["checks"]["pipeline"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if done(&pipeline) {
            return answer;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "readyz never got there: {}",
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The value of `parley_pipeline_stalled_seconds{part="<part>"}` on `/metrics`.
async fn stalled_seconds(app: &TestApp, part: &str) -> Option<f64> {
    let page = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(app.token_for(Role::Admin))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let prefix = format!("parley_pipeline_stalled_seconds{{part=\"{part}\"}} ");
    page.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn a_pipeline_part_that_stands_still_while_events_wait_is_named_by_readyz_and_metrics() {
    let app = spawn_app_with(|settings| settings.pipeline.stall_after_s = 2).await;
    // Only a relay: the events reach the stream, and nothing reads them from there.
    let (stop, running) = tokio::sync::watch::channel(false);
    let relay = app.spawn_relay(RelayOptions::new(app.bus()), running);
    traffic(&app, 1).await;
    app.assert_stream_matches_events().await;

    let stalled = readyz_until(&app, |pipeline| pipeline.contains("projection:calls")).await;
    assert_eq!(stalled.status.as_u16(), 503, "{}", stalled.body);
    assert_eq!(stalled.error_code(), "not_ready");
    let pipeline = stalled.body["checks"]["pipeline"]
        .as_str()
        .unwrap_or_default();
    assert!(pipeline.starts_with("stalled: "), "{pipeline}");
    assert!(pipeline.contains("router"), "{pipeline}");
    assert!(!pipeline.contains("relay"), "the relay moved: {pipeline}");
    assert!(
        stalled.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("projection:calls"),
        "{}",
        stalled.body
    );
    assert!(
        stalled_seconds(&app, "projection:calls")
            .await
            .unwrap_or(0.0)
            >= 2.0
    );
    assert_eq!(stalled_seconds(&app, "relay").await, Some(0.0));

    // The workers and a router start: everything moves, and the API is ready again.
    let pipeline = app.start_pipeline();
    let router = app.spawn_router(&pipeline);
    let ready = readyz_until(&app, |pipeline| pipeline == "ok").await;
    assert_eq!(ready.status.as_u16(), 200, "{}", ready.body);
    assert_eq!(stalled_seconds(&app, "projection:calls").await, Some(0.0));
    router.abort();
    relay.abort();
    let _ = stop.send(true);
}
