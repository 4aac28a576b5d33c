//! The event pipeline under faults, with real PostgreSQL and NATS: every committed event
//! reaches the stream once, in commit order, and every read model exactly once.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use command_api::auth::Role;
use domain::CallEvent;
use projections::relay::RelayOptions;
use serde_json::json;

use crate::helpers::{
    Session, TestApp, create_database, database_url, spawn_app, spawn_app_on, spawn_app_with,
};

/// Traffic of the kinds a floor produces: calls requested, answered, ended, wrapped up,
/// and some cancelled while waiting.
pub(crate) async fn traffic(app: &TestApp, rounds: usize) {
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;
    for round in 0..rounds {
        full_call(app, &requester, &supervisor, &agent).await;
        let waiting = app.request_call(&requester).await;
        if round % 2 == 0 {
            app.send(
                reqwest::Method::POST,
                &format!("/api/calls/{waiting}/cancel"),
                Some(&requester.token),
                None,
            )
            .await
            .expect(202);
        }
    }
}

async fn full_call(app: &TestApp, requester: &Session, supervisor: &Session, agent: &Session) {
    let call = app.connected_call(requester, supervisor, agent).await;
    app.send(
        reqwest::Method::POST,
        &format!("/api/calls/{call}/end"),
        Some(&agent.token),
        None,
    )
    .await
    .expect(202);
    app.post(
        &format!("/api/calls/{call}/wrap-up"),
        agent,
        json!({"disposition": "completed"}),
    )
    .await
    .expect(202);
}

/// Every read model holds every event exactly once: checkpoints at the stream's end, one
/// history row per call event, and each call's status equal to a fold of its events.
pub(crate) async fn assert_read_models_match_events(app: &TestApp) {
    app.wait_for_projections().await;
    let call_events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'Call'")
            .fetch_one(&app.pool)
            .await
            .expect("count");
    let history_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM read_history.events")
        .fetch_one(&app.pool)
        .await
        .expect("history");
    assert_eq!(history_rows, call_events, "one history row per call event");
    let calls: Vec<(String, String)> =
        sqlx::query_as("SELECT call_id::text, status FROM read_calls.calls")
            .fetch_all(&app.pool)
            .await
            .expect("calls");
    let call_aggregates: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT aggregate_id) FROM events WHERE aggregate_type = 'Call'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(i64::try_from(calls.len()).unwrap_or(0), call_aggregates);
    for (id, status) in calls {
        let (call, _) = app
            .state
            .floor
            .load_call(id.parse().expect("uuid"))
            .await
            .expect("load");
        assert_eq!(status, call.status.as_str(), "call {id}");
    }
}

#[tokio::test]
async fn every_committed_event_reaches_the_stream_and_the_read_models_once_in_commit_order() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    traffic(&app, 3).await;
    app.assert_stream_matches_events().await;
    assert_read_models_match_events(&app).await;
}

#[tokio::test]
async fn a_relay_that_dies_between_publishing_and_saving_its_cursor_doubles_nothing() {
    let app = spawn_app().await;
    let fail = Arc::new(AtomicBool::new(false));
    let mut options = RelayOptions::new(app.bus());
    options.fail_before_saving_cursor = Some(fail.clone());
    let _pipeline = app.start_pipeline_with(&options, 1);
    traffic(&app, 1).await;
    app.assert_stream_matches_events().await;
    // Arm the failure: the next batch is published, then the relay "dies" before saving.
    fail.store(true, std::sync::atomic::Ordering::SeqCst);
    traffic(&app, 2).await;
    app.assert_stream_matches_events().await;
    assert!(
        !fail.load(std::sync::atomic::Ordering::SeqCst),
        "the failure was injected"
    );
    assert_read_models_match_events(&app).await;
}

#[tokio::test]
async fn two_relays_started_at_once_publish_each_event_once_and_the_standby_takes_over() {
    let app = spawn_app().await;
    let mut pipeline = app.start_pipeline_with(&RelayOptions::new(app.bus()), 2);
    traffic(&app, 2).await;
    app.assert_stream_matches_events().await;
    // Kill both one after the other: whichever was active, the other (or its restart) goes on.
    let first = pipeline.relays.remove(0);
    first.abort();
    let _ = first.await;
    traffic(&app, 2).await;
    app.assert_stream_matches_events().await;
    assert_read_models_match_events(&app).await;
}

#[tokio::test]
async fn the_relay_waits_for_a_transaction_held_open_while_later_ones_commit() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    traffic(&app, 1).await;
    app.assert_stream_matches_events().await;
    let published_before = app.stream_ids().await.len();

    // A writer that appended an event and has not committed yet.
    let mut held = app.pool.begin().await.expect("begin");
    let requester = app.login(Role::Requester).await;
    let mut event = call_requested_payload(requester.id);
    let call_id = uuid::Uuid::new_v4();
    event["CallRequested"]["call_id"] = json!(call_id);
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
         VALUES ('Call', $1, 1, 'CallRequested', '1', $2, '{}')",
    )
    .bind(call_id.to_string())
    .bind(&event)
    .execute(&mut *held)
    .await
    .expect("insert");

    // Later commands commit meanwhile; none may be published past the open transaction.
    traffic(&app, 1).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        app.stream_ids().await.len(),
        published_before,
        "nothing passes the open transaction"
    );

    held.commit().await.expect("commit");
    app.assert_stream_matches_events().await;
    let stream = app.stream_ids().await;
    assert_eq!(
        stream[published_before],
        format!("Call:{call_id}:1"),
        "the held event goes first"
    );
    assert_read_models_match_events(&app).await;
}

/// Regression: the relay once sorted a page by the transaction id as text, so rows whose
/// ids crossed a power of ten (99,999 → 100,000) came out of order and, when the page was
/// full, the cursor jumped past rows never published.
#[tokio::test]
async fn events_whose_transaction_ids_cross_a_power_of_ten_are_published_in_commit_order() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let current: i64 = sqlx::query_scalar("SELECT pg_current_xact_id()::text::int8")
        .fetch_one(&app.pool)
        .await
        .expect("xid");
    let power_of_ten = 10_i64.pow((current + 100).ilog10() + 1);
    // One server-side loop, one transaction per turn: burn ids up to just below the power
    // of ten, then commit one event per transaction until the ids are past it. Other tests
    // burn ids too; a margin keeps some of ours on each side.
    sqlx::query(&format!(
        "DO $$
         DECLARE call_id uuid;
         BEGIN
           WHILE pg_current_xact_id()::text::int8 < {below} LOOP COMMIT; END LOOP;
           WHILE pg_current_xact_id()::text::int8 < {above} LOOP
             call_id := gen_random_uuid();
             INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             VALUES ('Call', call_id::text, 1, 'CallRequested', '1',
                     jsonb_set($payload${payload}$payload$::jsonb, '{{CallRequested,call_id}}', to_jsonb(call_id::text)), '{{}}');
             COMMIT;
           END LOOP;
         END $$",
        below = power_of_ten - 30,
        above = power_of_ten + 30,
        payload = call_requested_payload(requester.id),
    ))
    .execute(&app.pool)
    .await
    .expect("burn transaction ids and commit events across the power of ten");

    // Small pages, so a page sorted wrongly would also move the cursor past unread rows.
    let mut options = RelayOptions::new(app.bus());
    options.batch_size = 7;
    let _pipeline = app.start_pipeline_with(&options, 1);
    app.assert_stream_matches_events().await;
    assert_read_models_match_events(&app).await;
}

/// A `CallRequested` event as stored, for rows written straight into the events table.
fn call_requested_payload(requester_id: uuid::Uuid) -> serde_json::Value {
    let event = CallEvent::CallRequested {
        organisation_id: None,
        call_id: domain::CallId(uuid::Uuid::new_v4()),
        requester_id: domain::UserId(requester_id),
        request: domain::call::CallRequest {
            requirements: Default::default(),
            language: domain::values::LanguageCode::parse("es").expect("es"),
            source_language: domain::values::LanguageCode::parse("en").expect("en"),
            modality: domain::values::Modality::Audio,
            specialty: None,
            priority: domain::values::Priority::Normal,
        },
        at: chrono::Utc::now(),
    };
    serde_json::to_value(&event).expect("json")
}

#[tokio::test]
async fn a_projection_worker_killed_mid_batch_resumes_without_losing_or_doubling() {
    let app = spawn_app().await;
    let mut pipeline = app.start_pipeline();
    let load = traffic(&app, 4);
    let (_keep_running, running) = tokio::sync::watch::channel(false);
    let killer = async {
        for _ in 0..6 {
            tokio::time::sleep(Duration::from_millis(150)).await;
            for worker in pipeline.workers.drain(..) {
                worker.abort();
            }
            pipeline.workers = app.spawn_workers(&running);
        }
    };
    tokio::join!(load, killer);
    app.assert_stream_matches_events().await;
    assert_read_models_match_events(&app).await;
}

/// A private nats-server this test can stop and start.
struct PrivateNats {
    port: u16,
    dir: std::path::PathBuf,
    child: Option<tokio::process::Child>,
}

impl PrivateNats {
    async fn start(dir: std::path::PathBuf, port: u16) -> Self {
        let mut nats = Self {
            port,
            dir,
            child: None,
        };
        nats.restart().await;
        nats
    }

    async fn restart(&mut self) {
        let child = tokio::process::Command::new("nats-server")
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(&self.dir)
            .kill_on_drop(true)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nats-server on PATH (scripts/test.sh installs it)");
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("nats-server did not start");
    }

    async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn commands_keep_succeeding_while_nats_is_down_and_everything_arrives_after() {
    let dir = std::env::temp_dir().join(format!("parley-nats-{}", uuid::Uuid::new_v4().simple()));
    let port = free_port();
    let mut nats = PrivateNats::start(dir.clone(), port).await;
    let app =
        spawn_app_with(|settings| settings.nats.url = format!("nats://127.0.0.1:{port}")).await;
    let _pipeline = app.start_pipeline();
    traffic(&app, 1).await;
    app.assert_stream_matches_events().await;

    nats.stop().await;
    traffic(&app, 2).await; // every command answered 202 with the bus down
    nats.restart().await;

    app.assert_stream_matches_events().await;
    assert_read_models_match_events(&app).await;
    nats.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// `pg_dump` of the app's database, `pg_restore`d into a new database: its name.
async fn restore_into_fresh_database(app: &TestApp) -> String {
    let dump = std::env::temp_dir().join(format!("parley-{}.dump", uuid::Uuid::new_v4().simple()));
    let status = std::process::Command::new(pg_tool("pg_dump"))
        .args(["-Fc", "-f"])
        .arg(&dump)
        .arg(app.database_url())
        .status()
        .expect("pg_dump");
    assert!(status.success());

    let fresh = create_database().await;
    let status = std::process::Command::new(pg_tool("pg_restore"))
        .args(["--no-owner", "--exit-on-error", "-d"])
        .arg(database_url(&fresh))
        .arg(&dump)
        .status()
        .expect("pg_restore");
    let _ = std::fs::remove_file(&dump);
    assert!(status.success());

    fresh
}

/// What `scripts/stack.sh restore` does into a fresh data folder: the stream is new and
/// empty, so the restored events are published whole, in commit order, before new ones.
#[tokio::test]
async fn a_backup_restored_with_a_fresh_stream_is_published_whole_and_new_events_follow() {
    let app = spawn_app().await;
    let pipeline = app.start_pipeline();
    traffic(&app, 1).await;
    app.assert_stream_matches_events().await;
    drop(pipeline);

    let fresh = restore_into_fresh_database(&app).await;
    let restored = spawn_app_on(fresh, |_| {}).await;
    let rebuilt = rebuild_stream(&restored).await;
    assert_eq!(
        rebuilt.events,
        u64::try_from(app.event_ids_in_commit_order().await.len()).unwrap_or(0)
    );
    let _pipeline = restored.start_pipeline();
    traffic(&restored, 1).await;
    assert_stream_in_epoch_order(&restored).await;
    assert_read_models_match_events(&restored).await;
}

/// Restoring an older backup into a stack whose stream holds events committed after the
/// backup: the stream is replaced by the restored table's events, the later ones gone.
#[tokio::test]
async fn restoring_an_older_backup_replaces_a_stream_that_holds_later_events() {
    let app = spawn_app().await;
    let pipeline = app.start_pipeline();
    traffic(&app, 1).await;
    app.assert_stream_matches_events().await;
    let fresh = restore_into_fresh_database(&app).await;
    traffic(&app, 1).await;
    app.assert_stream_matches_events().await;
    drop(pipeline);

    let bus = app.bus();
    let restored = spawn_app_on(fresh, move |settings| settings.bus = bus).await;
    rebuild_stream(&restored).await;
    assert_eq!(
        restored.stream_ids().await,
        restored.event_ids_in_commit_order().await,
        "the stream holds the restored events only"
    );
    let _pipeline = restored.start_pipeline();
    traffic(&restored, 1).await;
    assert_stream_in_epoch_order(&restored).await;
    assert_read_models_match_events(&restored).await;
}

/// `parley relay rebuild-stream`, as `scripts/stack.sh restore` runs it.
async fn rebuild_stream(app: &TestApp) -> projections::stream_rebuild::StreamRebuilt {
    projections::stream_rebuild::rebuild_stream(
        &app.pool,
        &app.jetstream(),
        &app.bus(),
        &projections::read_models::all(),
    )
    .await
    .expect("rebuild the stream")
}

/// The stream equals the events table taken epoch after epoch, each in commit order.
async fn assert_stream_in_epoch_order(app: &TestApp) {
    let expected: Vec<String> = sqlx::query_scalar(
        "SELECT aggregate_type || ':' || aggregate_id || ':' || sequence FROM events \
         ORDER BY (SELECT count(*) FROM relay_epochs WHERE relay_epochs.floor_position < events.global_position), \
                  tx_id, global_position",
    )
    .fetch_all(&app.pool)
    .await
    .expect("events");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while app.stream_ids().await != expected {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stream did not receive the events in epoch order"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn pg_tool(name: &str) -> std::path::PathBuf {
    let from_path = std::process::Command::new(name)
        .arg("--version")
        .output()
        .is_ok();
    if from_path {
        return name.into();
    }
    let mut dirs: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path().join("bin").join(name))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs.pop().unwrap_or_else(|| name.into())
}

#[tokio::test]
async fn after_a_backup_is_restored_into_a_fresh_database_new_events_are_still_published_in_order()
{
    let app = spawn_app().await;
    let pipeline = app.start_pipeline();
    traffic(&app, 1).await;
    app.assert_stream_matches_events().await;
    drop(pipeline);

    let fresh = restore_into_fresh_database(&app).await;
    // The restored database, on the same stream, as `scripts/stack.sh restore` leaves it.
    let bus = app.bus();
    let restored = spawn_app_on(fresh, move |settings| settings.bus = bus).await;
    let cursor = projections::relay::rebase(&restored.pool, &restored.jetstream(), &restored.bus())
        .await
        .expect("rebase");
    let _pipeline = restored.start_pipeline();
    traffic(&restored, 2).await;

    let expected: Vec<String> = sqlx::query_scalar(
        "SELECT aggregate_type || ':' || aggregate_id || ':' || sequence FROM events \
         ORDER BY global_position > $1, tx_id, global_position",
    )
    .bind(cursor.floor_position)
    .fetch_all(&restored.pool)
    .await
    .expect("events");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while restored.stream_ids().await != expected {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stream did not receive the new events in order"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_read_models_match_events(&restored).await;
}

#[tokio::test]
async fn a_read_model_rebuilt_while_traffic_flows_is_swapped_in_with_every_event_once() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    traffic(&app, 2).await;
    app.wait_for_projections().await;
    let calls = projections::read_models::all()
        .into_iter()
        .find(|p| p.name() == "calls")
        .expect("the calls projection");
    let history = projections::read_models::all()
        .into_iter()
        .find(|p| p.name() == "history")
        .expect("the history projection");
    let rebuild = async {
        projections::worker::rebuild(&app.pool, &app.jetstream(), &app.bus(), calls.as_ref())
            .await
            .expect("rebuild calls");
        projections::worker::rebuild(&app.pool, &app.jetstream(), &app.bus(), history.as_ref())
            .await
            .expect("rebuild history")
    };
    let (checkpoint, ()) = tokio::join!(rebuild, traffic(&app, 2));
    assert!(checkpoint > 0);
    app.assert_stream_matches_events().await;
    assert_read_models_match_events(&app).await;
    let leftovers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'read\\_%\\_next' OR nspname LIKE 'read\\_%\\_retired'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("schemas");
    assert_eq!(leftovers, 0, "no copy left behind");
}

#[tokio::test]
async fn analysts_read_calls_and_metrics_but_not_the_event_store() {
    let app = spawn_app().await;
    let mut tx = app.pool.begin().await.expect("begin");
    sqlx::query("SET LOCAL ROLE parley_analyst")
        .execute(&mut *tx)
        .await
        .expect("set role");
    for readable in [
        "SELECT count(*) FROM read_calls.calls",
        "SELECT count(*) FROM read_metrics.buckets",
    ] {
        sqlx::query(readable)
            .execute(&mut *tx)
            .await
            .expect(readable);
    }
    let refused = sqlx::query("SELECT count(*) FROM public.events")
        .execute(&mut *tx)
        .await;
    assert!(refused.is_err(), "the event store is not for analysts");
}
