//! The guard against paths whose cost grows with history: the main read and command paths
//! timed on a new store (a first day: a thousand calls), then on a store of over a million
//! events, and compared. The answers are as long on both (a page of 50 calls, today's
//! metrics), so only history differs.
//!
//! The store holds 1,000,020 real interpreter events (ten interpreters with 100,002 each,
//! the demo interpreter among them), and read models for 200,000 finished calls: their
//! rows, who may see them, 1,000,000 history rows and 90 days of metric buckets. A path
//! that reads in proportion to any of that costs hundreds of milliseconds there; a
//! bounded one costs what it cost on the empty store, give or take noise.

use std::time::{Duration, Instant};

use chrono::Utc;
use command_api::auth::Role;
use command_api::history::{FloorHistory, append_interpreter_shifts, fill_read_models};
use command_api::seed::demo_queue_id;
use domain::ids::AgentId;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Session, TestApp, median, spawn_app};

/// A path may cost this many times what it cost on the empty store, plus [`SLACK`].
const RATIO: u32 = 3;
/// For the noise of a 2-core machine running other tests beside this one.
const SLACK: Duration = Duration::from_millis(20);
const SAMPLES: usize = 11;

/// One path of the guard: what it asks, as whom, and the status it must answer.
struct Path {
    name: &'static str,
    method: reqwest::Method,
    path: String,
    body: Option<serde_json::Value>,
    session: Session,
    status: u16,
}

impl Path {
    fn get(name: &'static str, path: impl Into<String>, session: &Session) -> Self {
        Self {
            name,
            method: reqwest::Method::GET,
            path: path.into(),
            body: None,
            session: session.clone(),
            status: 200,
        }
    }
}

/// The median of [`SAMPLES`] runs of `path` (after one run to warm it up), and for
/// commands on an interpreter, alternating between two statuses.
async fn median_cost(app: &TestApp, path: &Path) -> Duration {
    let mut samples = Vec::with_capacity(SAMPLES);
    for round in 0..=SAMPLES {
        let body = path.body.clone().map(|body| match body["status"].as_str() {
            Some(_) => json!({"status": if round % 2 == 0 { "break" } else { "offline" }}),
            None => body,
        });
        let started = Instant::now();
        let answer = app
            .send(
                path.method.clone(),
                &path.path,
                Some(&path.session.token),
                body,
            )
            .await;
        let took = started.elapsed();
        assert_eq!(
            answer.status.as_u16(),
            path.status,
            "{}: {}",
            path.name,
            answer.body
        );
        if round > 0 {
            samples.push(took);
        }
    }
    median(samples)
}

#[tokio::test]
async fn the_main_paths_cost_the_same_on_a_store_of_a_million_events() {
    let app = spawn_app().await;
    let (supervisor, analyst, requester, interpreter) = (
        app.login(Role::Supervisor).await,
        app.login(Role::Analyst).await,
        app.login(Role::Requester).await,
        app.login(Role::Agent).await,
    );
    let queue = demo_queue_id("es-general").as_uuid();
    // A call of the requester's, waiting in the queue: its place and estimate are polled.
    // Its rows go in by hand: no pipeline runs here, so that the million events stored
    // below are not relayed and projected while the paths are timed.
    let waiting = Uuid::new_v4();
    sqlx::query(
        "WITH call AS ( \
           INSERT INTO read_calls.calls (call_id, requester_id, organisation_id, language, source_language, \
                                         modality, priority, status, queue_id, requested_at, queued_at, seq) \
           VALUES ($1, $2, (SELECT organisation_id FROM users WHERE id = $2), 'es', 'en', 'video', \
                   'normal', 'queued', $3, now(), now(), 1)) \
         INSERT INTO read_history.events (call_id, seq, call_sequence, event_type, event_version, at, \
                                          recorded_at, actor, data) \
         SELECT $1, s, s, (ARRAY['CallRequested', 'CallQueued'])[s], '1', now(), now(), '{}', '{}' \
           FROM generate_series(1, 2) AS s",
    )
    .bind(waiting)
    .bind(requester.id)
    .bind(queue)
    .execute(&app.pool)
    .await
    .expect("a waiting call");
    let paths = vec![
        Path::get("call list, supervisor", "/api/calls?limit=50", &supervisor),
        Path::get(
            "call list, interpreter",
            "/api/calls?limit=50",
            &interpreter,
        ),
        Path::get("call list, requester", "/api/calls?limit=50", &requester),
        Path::get(
            "call list, one queue's",
            format!("/api/calls?limit=50&queue_id={queue}"),
            &supervisor,
        ),
        Path::get(
            "a waiting call",
            format!("/api/calls/{waiting}"),
            &requester,
        ),
        Path::get(
            "a call's history",
            format!("/api/calls/{waiting}/history"),
            &supervisor,
        ),
        Path::get("interpreters' board", "/api/agents", &supervisor),
        Path::get("queues' board", "/api/queues", &supervisor),
        Path::get("metrics today", "/api/metrics?group_by=agent", &analyst),
        Path::get("Prometheus scrape", "/metrics", &supervisor),
        Path {
            name: "a status change by a veteran",
            method: reqwest::Method::PUT,
            path: "/api/agents/me/status".to_owned(),
            body: Some(json!({"status": "break"})),
            session: interpreter.clone(),
            status: 202,
        },
        Path {
            name: "a call requested",
            method: reqwest::Method::POST,
            path: "/api/calls".to_owned(),
            body: Some(json!({"language": "es", "modality": "video", "specialty": "medical"})),
            session: requester.clone(),
            status: 202,
        },
    ];
    // The store of a floor's first day: a thousand calls and today's metrics, so that
    // every answer compared is as long on both stores (a page of 50, today's buckets).
    let mut interpreters = vec![interpreter.id];
    interpreters.extend((1..10).map(|_| Uuid::new_v4()));
    let first_day = FloorHistory {
        calls: 1_000,
        history_per_call: 5,
        metric_days: 1,
        queue,
        requester: requester.id,
        interpreters: &interpreters,
        now: Utc::now(),
    };
    fill_read_models(&app.pool, &first_day)
        .await
        .expect("a first day");
    let mut empty = Vec::with_capacity(paths.len());
    for path in &paths {
        empty.push(median_cost(&app, path).await);
    }

    let filling = Instant::now();
    let mut events = 0;
    for id in &interpreters {
        events += append_interpreter_shifts(&app.pool, AgentId(*id), 14_286, Utc::now())
            .await
            .expect("an interpreter's 100,002 events");
    }
    let years = FloorHistory {
        calls: 200_000,
        metric_days: 90,
        now: Utc::now(),
        ..first_day
    };
    let filled = fill_read_models(&app.pool, &years)
        .await
        .expect("the read models of 200,000 calls more");
    // As if the relay had published them (no relay runs here): the relay's lag is what
    // waits, not what was stored.
    sqlx::query(
        "UPDATE relay_cursor SET (tx_id, global_position) = \
           (SELECT tx_id, global_position FROM events ORDER BY tx_id DESC, global_position DESC LIMIT 1)",
    )
    .execute(&app.pool)
    .await
    .expect("the events relayed");
    sqlx::query("VACUUM ANALYZE events")
        .execute(&app.pool)
        .await
        .expect("vacuum");
    eprintln!(
        "stored {events} events, {} calls, {} history rows, {} buckets in {:?}",
        filled.calls,
        filled.history_rows,
        filled.buckets,
        filling.elapsed()
    );
    assert!(events >= 1_000_000, "{events} events");

    let mut grown = Vec::new();
    for (path, empty) in paths.iter().zip(empty) {
        let full = median_cost(&app, path).await;
        eprintln!("{:<32} {empty:>12.2?} → {full:>12.2?}", path.name);
        if full > empty * RATIO + SLACK {
            grown.push(format!("{}: {empty:?} → {full:?}", path.name));
        }
    }
    assert!(
        grown.is_empty(),
        "paths whose cost grew with history: {grown:?}"
    );
}
