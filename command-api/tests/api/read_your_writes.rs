//! Read-your-writes: a command may return the stream sequence of its event, a query may
//! wait for the read models to reach it; a replica that does not answer leaves the
//! expensive questions to the primary; `parley project` leads by lock, another stands by.

use std::time::Duration;

use command_api::auth::Role;
use command_api::read_your_writes::RETURN_SEQ_HEADER;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, spawn_app, spawn_app_with};
use crate::pipeline::{assert_read_models_match_events, traffic};

async fn request_with_seq(app: &TestApp, requester: &Session) -> (reqwest::StatusCode, Value) {
    let response = app
        .client
        .post(format!("{}/api/calls", app.address))
        .bearer_auth(&requester.token)
        .header(RETURN_SEQ_HEADER, "true")
        .json(&json!({"language": "es", "modality": "video"}))
        .send()
        .await
        .expect("send");
    let status = response.status();
    (status, response.json().await.expect("a JSON answer"))
}

#[tokio::test]
async fn a_command_gives_its_stream_sequence_and_a_query_waits_for_the_read_models_to_reach_it() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;

    let plain = app
        .post(
            "/api/calls",
            &requester,
            json!({"language": "es", "modality": "video"}),
        )
        .await
        .expect(202);
    assert!(plain.body.get("seq").is_none(), "no seq unless asked");

    for _ in 0..5 {
        let (status, answer) = request_with_seq(&app, &requester).await;
        assert_eq!(status, 202);
        let seq = answer["seq"].as_i64().expect("a stream sequence");
        let id = answer["id"].as_str().expect("the call's id");
        // Asked at once, with min_seq: the call is there, never a 404 from a lagging read model.
        let call = app
            .get(&format!("/api/calls/{id}?min_seq={seq}"), &supervisor)
            .await
            .expect(200);
        assert_eq!(call.body["id"], id);
        assert!(call.body["seq"].as_i64().expect("seq") <= seq);
        app.get(&format!("/api/calls?min_seq={seq}"), &supervisor)
            .await
            .expect(200);
    }

    for bad in ["-1", "x", "1.5", ""] {
        app.get(&format!("/api/calls?min_seq={bad}"), &supervisor)
            .await
            .expect(400);
    }
    let ahead = app
        .get("/api/queues?min_seq=999999999", &supervisor)
        .await
        .expect(422);
    assert_eq!(ahead.error_code(), "min_seq_ahead");
}

#[tokio::test]
async fn with_the_replica_down_the_past_and_metrics_are_read_from_the_primary() {
    let app = spawn_app_with(|settings| {
        settings.database.replica_url = Some("postgres://parley@127.0.0.1:1/parley".into());
    })
    .await;
    let _pipeline = app.start_pipeline();
    traffic(&app, 1).await;
    app.wait_for_projections().await;
    let supervisor = app.login(Role::Supervisor).await;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let floor = app
        .get(
            &format!("/api/floor?at={}", at.replace('+', "%2B")),
            &supervisor,
        )
        .await
        .expect(200);
    assert!(floor.body.is_object());
    assert!(app.state.history.replica_in_use().is_none());
}

/// How many sessions hold the lock of `parley project` over every read model.
async fn projector_lock_holders(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND ((classid::bigint << 32) | objid::bigint) = $1",
    )
    .bind(0x5041_524C_4559_0100_i64)
    .fetch_one(&app.pool)
    .await
    .expect("read the locks")
}

#[tokio::test]
async fn a_second_projector_stands_by_and_takes_over_when_the_first_is_gone() {
    let app = spawn_app().await;
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let _relay = app.spawn_relay(
        projections::relay::RelayOptions::new(app.bus()),
        shutdown.clone(),
    );
    let projector = || {
        tokio::spawn(command_api::projector::run(
            app.pool.clone(),
            app.state.nats.clone(),
            app.state.settings.clone(),
            projections::read_models::all(),
            shutdown.clone(),
        ))
    };
    let first = projector();
    traffic(&app, 1).await;
    app.wait_for_projections().await;
    let second = projector();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(projector_lock_holders(&app).await, 1, "one leads");
    assert!(!second.is_finished(), "the other stands by");

    first.abort();
    let _ = first.await;
    traffic(&app, 1).await;
    assert_read_models_match_events(&app).await;
    assert_eq!(projector_lock_holders(&app).await, 1, "the standby leads");
    second.abort();
}
