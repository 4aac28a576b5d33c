//! The stream keeps `bus.max_age_days` of messages; the events table keeps everything.
//! Workers that start behind the stream's first message, a rebuild, and a router with no
//! checkpoint read the missing messages back from the table, under the stream's numbers.

use std::time::Duration;

use command_api::auth::Role;
use projections::relay::RelayOptions;

use crate::helpers::{TestApp, spawn_app};
use crate::pipeline::{assert_read_models_match_events, traffic};

/// Lets every message on the test's stream age out, then keeps the next ones again.
async fn age_out_every_message(app: &TestApp) {
    let js = app.jetstream();
    let mut config = projections::stream::stream_config(&app.bus());
    let kept = (config.max_age, config.duplicate_window);
    config.max_age = Duration::from_secs(1);
    config.duplicate_window = config.max_age;
    js.update_stream(config.clone())
        .await
        .expect("shorten max_age");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let first = projections::stream::first_sequence(&js, &app.bus())
            .await
            .expect("first sequence");
        let last = projections::stream::last_sequence(&js, &app.bus())
            .await
            .expect("last sequence");
        if first > i64::try_from(last).expect("a sequence") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "messages did not age out: first {first}, last {last}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (config.max_age, config.duplicate_window) = kept;
    js.update_stream(config).await.expect("restore max_age");
}

#[tokio::test]
async fn readers_behind_the_streams_first_message_read_the_table_and_miss_nothing() {
    let app = spawn_app().await;
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let _relay = app.spawn_relay(RelayOptions::new(app.bus()), shutdown.clone());
    let agent = app.login(Role::Agent).await;
    // One round: its waiting call is cancelled, so the call routed at the end is the only
    // one waiting.
    traffic(&app, 1).await;
    app.set_status(&agent, "available").await;
    app.wait_for_relay().await;
    age_out_every_message(&app).await;

    // Workers that start now have none of the messages on the stream.
    let workers = app.spawn_workers(&shutdown);
    traffic(&app, 1).await;
    app.set_status(&agent, "available").await;
    assert_read_models_match_events(&app).await;

    // A rebuild starts from sequence 1, which aged out too.
    let calls = projections::read_models::all()
        .into_iter()
        .find(|p| p.name() == "calls")
        .expect("the calls projection");
    let checkpoint =
        projections::worker::rebuild(&app.pool, &app.jetstream(), &app.bus(), calls.as_ref())
            .await
            .expect("rebuild from the table");
    assert!(checkpoint > 0);
    assert_read_models_match_events(&app).await;

    // A router with no checkpoint learns the queues and the interpreter's availability
    // (all aged out) from the table, and routes the next call.
    age_out_every_message(&app).await;
    let router = {
        let pipeline = app.start_pipeline_with(&RelayOptions::new(app.bus()), 0);
        let router = app.spawn_router(&pipeline);
        (pipeline, router)
    };
    let requester = app.login(Role::Requester).await;
    let call = app.request_call(&requester).await;
    app.until_call_field(
        call,
        "offered_to",
        serde_json::json!(agent.id),
        Duration::from_secs(10),
    )
    .await;
    drop(router);
    drop(workers);
}
