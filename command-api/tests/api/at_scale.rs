//! Read paths on a large store: their cost follows the page asked for, not the rows held.

use std::time::{Duration, Instant};

use command_api::auth::Role;
use command_api::seed::{demo_queue_id, demo_user_id};
use uuid::Uuid;

use crate::helpers::{median, spawn_app};

/// `GET /api/calls` orders newest first; with 300,000 calls held, a page must come from
/// an index that has that order (`calls_newest_first`; an interpreter's own rows of
/// `call_agents`), not from sorting every row or searching the calls' histories.
#[tokio::test]
async fn a_page_of_the_call_list_costs_the_same_with_300_000_calls_held() {
    // The application creates the read models' schemas, indexes included, as it starts.
    let app = spawn_app().await;
    let supervisor = app.login(Role::Supervisor).await;
    let requester = app.login(Role::Requester).await;
    let interpreter = app.login(Role::Agent).await;
    let time_pages = |session| {
        let app = &app;
        async move {
            let mut samples = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..15 {
                let path = match &cursor {
                    Some(c) => format!("/api/calls?limit=50&cursor={c}"),
                    None => "/api/calls?limit=50".to_owned(),
                };
                let started = Instant::now();
                let page = app.get(&path, session).await.expect(200);
                samples.push(started.elapsed());
                cursor = page.body["next_cursor"].as_str().map(str::to_owned);
            }
            median(samples)
        }
    };
    let (empty_staff, empty_own) = (time_pages(&supervisor).await, time_pages(&requester).await);
    let empty_interpreter = time_pages(&interpreter).await;

    sqlx::query(
        "INSERT INTO read_calls.calls (call_id, requester_id, organisation_id, language, source_language, \
                                       modality, priority, status, requested_at, seq) \
         SELECT gen_random_uuid(), CASE WHEN g % 10 = 0 THEN $1 ELSE gen_random_uuid() END, \
                CASE WHEN g % 10 = 0 THEN (SELECT organisation_id FROM users WHERE id = $1) END, 'es', 'en', \
                'video', 'normal', 'wrapped_up', now() - g * interval '1 second', g \
           FROM generate_series(1, 300000) AS g",
    )
    .bind(demo_user_id("requester@example.com"))
    .execute(&app.pool)
    .await
    .expect("fill the call list");
    // Every call answered: one in a hundred by this interpreter, the rest by 1,000 others.
    sqlx::query(
        "WITH answered AS ( \
           UPDATE read_calls.calls SET agent_id = CASE WHEN seq % 100 = 0 THEN $1 \
             ELSE ('00000000-0000-0000-0000-' || lpad((seq % 1000)::text, 12, '0'))::uuid END \
           RETURNING agent_id, call_id, requested_at) \
         INSERT INTO read_calls.call_agents (agent_id, call_id, requested_at, answered) \
         SELECT agent_id, call_id, requested_at, true FROM answered",
    )
    .bind(interpreter.id)
    .execute(&app.pool)
    .await
    .expect("answer the calls");
    for table in ["read_calls.calls", "read_calls.call_agents"] {
        sqlx::query(&format!("ANALYZE {table}"))
            .execute(&app.pool)
            .await
            .expect("analyze");
    }
    let (full_staff, full_own) = (time_pages(&supervisor).await, time_pages(&requester).await);
    let full_interpreter = time_pages(&interpreter).await;
    eprintln!(
        "a page of 50: supervisor {empty_staff:?} → {full_staff:?}, requester {empty_own:?} → {full_own:?}, \
         interpreter {empty_interpreter:?} → {full_interpreter:?} (300,000 calls)"
    );
    // A sort of 300,000 rows takes hundreds of milliseconds; an index scan of a page, a few.
    let bound = |empty: Duration| empty * 3 + Duration::from_millis(30);
    assert!(
        full_staff < bound(empty_staff),
        "supervisor: {empty_staff:?} → {full_staff:?}"
    );
    assert!(
        full_own < bound(empty_own),
        "requester: {empty_own:?} → {full_own:?}"
    );
    assert!(
        full_interpreter < bound(empty_interpreter),
        "interpreter: {empty_interpreter:?} → {full_interpreter:?}"
    );
}

/// A waiting requester polls `GET /api/calls/{id}` for its place and estimated wait. With
/// 300,000 calls handled by its queue and 20,000 interpreters signed off, the answer must
/// cost what it costs on an empty floor: the place is counted over the waiting calls only
/// (`calls_waiting`), the estimate over the available interpreters of the queue's
/// languages only.
#[tokio::test]
async fn a_waiting_calls_place_and_estimate_cost_the_same_with_a_long_history() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let queue = demo_queue_id("es-general").as_uuid();
    let call = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO read_calls.calls (call_id, requester_id, organisation_id, language, source_language, \
                                       modality, priority, status, queue_id, requested_at, queued_at, seq) \
         VALUES ($1, $2, (SELECT organisation_id FROM users WHERE id = $2), 'es', 'en', 'video', \
                 'normal', 'queued', $3, now(), now(), 1)",
    )
    .bind(call)
    .bind(requester.id)
    .bind(queue)
    .execute(&app.pool)
    .await
    .expect("a waiting call");
    let time_detail = || {
        let (app, requester) = (&app, &requester);
        async move {
            let mut samples = Vec::new();
            for _ in 0..15 {
                let started = Instant::now();
                let detail = app
                    .get(&format!("/api/calls/{call}"), requester)
                    .await
                    .expect(200);
                samples.push(started.elapsed());
                assert_eq!(detail.body["position"], 1, "{}", detail.body);
            }
            median(samples)
        }
    };
    let empty = time_detail().await;
    sqlx::query(
        "INSERT INTO read_calls.calls (call_id, requester_id, language, source_language, modality, \
                                       priority, status, queue_id, requested_at, seq) \
         SELECT gen_random_uuid(), gen_random_uuid(), 'es', 'en', 'video', 'normal', 'wrapped_up', $1, \
                now() - g * interval '1 second', g FROM generate_series(1, 300000) AS g",
    )
    .bind(queue)
    .execute(&app.pool)
    .await
    .expect("300,000 calls handled");
    sqlx::query(
        "INSERT INTO read_agents.agents (agent_id, status, languages, modalities, seq) \
         SELECT gen_random_uuid(), 'offline', '{es}', '{video}', g FROM generate_series(1, 20000) AS g",
    )
    .execute(&app.pool)
    .await
    .expect("20,000 interpreters signed off");
    for table in ["read_calls.calls", "read_agents.agents"] {
        sqlx::query(&format!("ANALYZE {table}"))
            .execute(&app.pool)
            .await
            .expect("analyze");
    }
    let full = time_detail().await;
    eprintln!("a waiting call's detail: {empty:?} → {full:?} (300,000 calls, 20,000 interpreters)");
    assert!(
        full < empty * 3 + Duration::from_millis(30),
        "{empty:?} → {full:?}"
    );
}

/// `GET /api/metrics` by the quarter hour for 1,100 interpreters over a day is 105,600
/// rows: more than one answer holds. It is refused with 422 `too_many_rows` before the
/// rows are built in memory, and the same question by the day is answered, each
/// interpreter named through a uuid join.
#[tokio::test]
async fn a_metrics_question_too_wide_is_refused_and_a_narrower_one_answered() {
    let app = spawn_app().await;
    let analyst = app.login(Role::Analyst).await;
    let interpreter = app.login(Role::Agent).await;
    sqlx::query(
        "INSERT INTO read_metrics.buckets (bucket_start, dimension, key, offered, answered, handled, seq) \
         SELECT TIMESTAMPTZ '2026-03-02 00:00:00+00' + q * interval '15 minutes', 'agent', \
                CASE WHEN a = 0 THEN $1::text \
                     ELSE ('00000000-0000-0000-0000-' || lpad(a::text, 12, '0')) END, 1, 1, 1, 1 \
           FROM generate_series(0, 95) AS q, generate_series(0, 1099) AS a",
    )
    .bind(interpreter.id.to_string())
    .execute(&app.pool)
    .await
    .expect("a day of buckets for 1,100 interpreters");
    let range = "from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z";
    let refused = app
        .get(
            &format!("/api/metrics?group_by=agent&interval=15m&{range}"),
            &analyst,
        )
        .await
        .expect(422);
    assert_eq!(
        refused.body["error"]["code"], "too_many_rows",
        "{}",
        refused.body
    );
    let daily = app
        .get(
            &format!("/api/metrics?group_by=agent&interval=1d&{range}"),
            &analyst,
        )
        .await
        .expect(200);
    let rows = daily.body["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1100);
    let mine = rows
        .iter()
        .find(|row| row["key"] == interpreter.id.to_string())
        .expect("the demo interpreter's row");
    assert_eq!(
        (mine["offered"].as_i64(), mine["label"].is_string()),
        (Some(96), true),
        "{mine}"
    );
}

/// After a logical restore into a fresh cluster, the restored rows keep transaction ids
/// that may lie above every id the new cluster hands out. The relay's idle probe for rows
/// behind an open transaction, and its lag, must not walk through them: 200,000 such rows
/// cost what none cost.
#[tokio::test]
async fn the_relays_probe_ignores_rows_restored_with_future_transaction_ids() {
    let app = spawn_app().await;
    let mut conn = app.pool.acquire().await.expect("a connection");
    // Where `parley relay rebase` leaves the cursor: a new epoch above the restored rows.
    let start_epoch = "UPDATE relay_cursor SET floor_position = (SELECT coalesce(max(global_position), 0) FROM events), \
                       tx_id = '0', global_position = 0";
    let time_probe = async |conn: &mut sqlx::PgConnection| {
        sqlx::query(start_epoch)
            .execute(&mut *conn)
            .await
            .expect("new epoch");
        let cursor = projections::relay::load_cursor(conn).await.expect("cursor");
        let mut samples = Vec::new();
        for _ in 0..30 {
            let started = Instant::now();
            let waiting = projections::relay::rows_behind_fence(conn, &cursor)
                .await
                .expect("probe");
            samples.push(started.elapsed());
            assert!(!waiting, "nothing waits behind an open transaction");
        }
        let (_, behind) = projections::relay::lag(&app.pool).await.expect("lag");
        assert_eq!(behind, 0, "the restored rows are relayed already");
        median(samples)
    };
    let none = time_probe(&mut conn).await;
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, tx_id) \
         SELECT 'Restored', 'restored', g, 'Restored', '1', '{}', '{}', \
                ((pg_current_xact_id()::text::int8) + 1000000000 + g)::text::xid8 \
           FROM generate_series(1, 200000) AS g",
    )
    .execute(&mut *conn)
    .await
    .expect("200,000 rows restored from an older cluster");
    sqlx::query("ANALYZE events")
        .execute(&mut *conn)
        .await
        .expect("analyze");
    let restored = time_probe(&mut conn).await;
    eprintln!("relay probe: {none:?} with no restored rows, {restored:?} with 200,000");
    assert!(
        restored < none * 3 + Duration::from_millis(3),
        "{none:?} → {restored:?}"
    );
}
