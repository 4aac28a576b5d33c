//! Self-healing presence: an interpreter with no live WebSocket for the presence timeout
//! goes away (an offer in hand is offered on from the call's place in the queue); one on
//! a call is flagged, never cut off; a reconnection within the timeout changes nothing.
//! Connections are registered in PostgreSQL, so the socket may be held by another API
//! instance than the router's.

use std::time::Duration;

use command_api::auth::Role;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::helpers::{Session, TestApp, agent2_id, second_instance, spawn_app_with};
use crate::sockets::{Socket, connect};

/// The presence timeout of these tests.
const TIMEOUT_S: u64 = 2;

async fn app_with_presence() -> TestApp {
    spawn_app_with(|s| s.presence.timeout_s = TIMEOUT_S).await
}

/// Keeps a socket alive as the web UI does: a heartbeat, and whatever comes in read.
fn keep_alive(mut socket: Socket) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut beat = tokio::time::interval(Duration::from_millis(300));
        loop {
            tokio::select! {
                _ = beat.tick() => {
                    if socket.send(Message::text(r#"{"type":"heartbeat"}"#)).await.is_err() {
                        return;
                    }
                }
                message = socket.next() => if !matches!(message, Some(Ok(_))) { return },
            }
        }
    })
}

/// Waits until `done` holds of the aggregate's event types, or fails after `within`.
async fn wait_for_events(
    app: &TestApp,
    id: Uuid,
    within: Duration,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let types = app.event_types(id).await;
        if done(&types) {
            return types;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {types:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The agent's row on the board, as a supervisor sees it, once the read models caught up.
async fn board_row(app: &TestApp, supervisor: &Session, agent: Uuid) -> Value {
    app.wait_for_projections().await;
    let board = app.get("/api/agents", supervisor).await.expect(200);
    board
        .body
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["id"] == agent.to_string())
        .cloned()
        .expect("the agent's row")
}

async fn offered_to(app: &TestApp, call: Uuid, within: Duration) -> Option<Uuid> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let offered: Option<String> = sqlx::query_scalar(
            "SELECT payload->'CallOffered'->>'agent_id' FROM events \
             WHERE aggregate_type = 'Call' AND aggregate_id = $1 AND event_type = 'CallOffered' \
             ORDER BY sequence DESC LIMIT 1",
        )
        .bind(call.to_string())
        .fetch_optional(&app.pool)
        .await
        .expect("read the offers");
        if let Some(agent) = offered.and_then(|a| a.parse().ok()) {
            return Some(agent);
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_interpreter_whose_socket_closes_mid_offer_goes_away_and_the_call_is_offered_on() {
    let app = app_with_presence().await;
    let pipeline = app.start_pipeline();
    let _router = app.spawn_router(&pipeline);
    let other_instance = second_instance(&app).await;
    let (ana, bilal) = (
        app.login(Role::Agent).await,
        app.login_as("agent2@example.com").await,
    );
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;

    // Ana's socket is on the other instance; Bilal's on this one, kept alive throughout.
    let ana_socket = connect(&other_instance, &ana).await;
    let bilal_alive = keep_alive(connect(&app.address, &bilal).await);
    app.set_status(&ana, "available").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    app.set_status(&bilal, "available").await;

    // Spanish, general: both can take it. Longest idle: Ana is offered it first (the
    // ring timeout is 20 s).
    let call = app
        .post(
            "/api/calls",
            &requester,
            json!({"language": "es", "modality": "video", "specialty": "general"}),
        )
        .await
        .expect(202)
        .id();
    assert_eq!(
        offered_to(&app, call, Duration::from_secs(10)).await,
        Some(ana.id)
    );
    drop(ana_socket);

    // Within the timeout and a check, the offer is taken back and Bilal is offered it.
    let types = wait_for_events(&app, call, Duration::from_secs(TIMEOUT_S + 5), |types| {
        types.iter().filter(|t| *t == "CallOffered").count() == 2
    })
    .await;
    assert_eq!(
        offered_to(&app, call, Duration::ZERO).await,
        Some(agent2_id())
    );
    assert_eq!(
        types.iter().filter(|t| *t == "CallQueued").count(),
        1,
        "it kept its place: {types:?}"
    );
    let withdrawn: Value = sqlx::query_scalar(
        "SELECT payload::jsonb FROM events WHERE aggregate_id = $1 AND event_type = 'OfferWithdrawn'",
    )
    .bind(call.to_string())
    .fetch_one(&app.pool)
    .await
    .expect("the offer was withdrawn");
    assert_eq!(
        withdrawn["OfferWithdrawn"]["reason"], "presence_lost",
        "{withdrawn}"
    );

    let ana_row = board_row(&app, &supervisor, ana.id).await;
    assert_eq!(
        (ana_row["status"].as_str(), ana_row["reason"].as_str()),
        (Some("away"), Some("presence_lost")),
        "{ana_row}"
    );
    let bilal_row = board_row(&app, &supervisor, bilal.id).await;
    assert_eq!(
        bilal_row["reason"],
        Value::Null,
        "a live socket keeps presence: {bilal_row}"
    );
    assert!(
        app.event_types(bilal.id)
            .await
            .iter()
            .all(|t| t != "AgentPresenceLost")
    );
    bilal_alive.abort();
}

#[tokio::test]
async fn a_socket_reopened_within_the_timeout_changes_nothing() {
    let app = app_with_presence().await;
    let pipeline = app.start_pipeline();
    let _router = app.spawn_router(&pipeline);
    let ana = app.login(Role::Agent).await;
    let first = connect(&app.address, &ana).await;
    app.set_status(&ana, "available").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(first);
    tokio::time::sleep(Duration::from_millis(TIMEOUT_S * 1000 / 2)).await;
    let alive = keep_alive(connect(&app.address, &ana).await);
    tokio::time::sleep(Duration::from_secs(TIMEOUT_S * 2 + 1)).await;
    let types = app.event_types(ana.id).await;
    assert!(types.iter().all(|t| t != "AgentPresenceLost"), "{types:?}");
    alive.abort();
}

#[tokio::test]
async fn an_interpreter_made_available_without_a_socket_goes_away() {
    let app = app_with_presence().await;
    let pipeline = app.start_pipeline();
    let _router = app.spawn_router(&pipeline);
    let ana = app.login(Role::Agent).await;
    app.set_status(&ana, "available").await;
    wait_for_events(&app, ana.id, Duration::from_secs(TIMEOUT_S + 5), |types| {
        types.last().is_some_and(|t| t == "AgentPresenceLost")
    })
    .await;
    let supervisor = app.login(Role::Supervisor).await;
    let row = board_row(&app, &supervisor, ana.id).await;
    assert_eq!(row["status"], "away", "{row}");
    // Back at the keyboard: available again, with a socket this time.
    let alive = keep_alive(connect(&app.address, &ana).await);
    app.set_status(&ana, "available").await;
    tokio::time::sleep(Duration::from_secs(TIMEOUT_S + 2)).await;
    assert_eq!(
        board_row(&app, &supervisor, ana.id).await["status"],
        "available"
    );
    alive.abort();
}

#[tokio::test]
async fn an_interpreter_on_a_call_who_loses_presence_is_flagged_and_the_call_goes_on() {
    let app = app_with_presence().await;
    let pipeline = app.start_pipeline();
    let _router = app.spawn_router(&pipeline);
    let ana = app.login(Role::Agent).await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let alive = keep_alive(connect(&app.address, &ana).await);
    app.set_status(&ana, "available").await;
    let call = app.request_call(&requester).await;
    assert_eq!(
        offered_to(&app, call, Duration::from_secs(10)).await,
        Some(ana.id)
    );
    app.accept(call, &ana).await.expect(202);
    alive.abort();

    let mut watching = connect(&app.address, &supervisor).await;
    wait_for_events(&app, ana.id, Duration::from_secs(TIMEOUT_S + 5), |types| {
        types.last().is_some_and(|t| t == "AgentPresenceLost")
    })
    .await;
    // Supervisors are told at once: the agent row with the flag is pushed.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let heard = tokio::time::timeout_at(deadline, watching.next())
            .await
            .expect("the flag pushed in time");
        if let Some(Ok(Message::Text(text))) = heard {
            let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if message["type"] == "agent" && message["data"]["presence_lost_at"].is_string() {
                break;
            }
        }
    }
    let row = board_row(&app, &supervisor, ana.id).await;
    assert_eq!(
        (row["status"].as_str(), row["activity"].as_str()),
        (Some("available"), Some("on_call")),
        "{row}"
    );
    assert_eq!(
        app.call_state(call).await["status"],
        "connected",
        "never silently ended"
    );

    // Back: the flag is lifted, the call still on.
    let alive = keep_alive(connect(&app.address, &ana).await);
    wait_for_events(&app, ana.id, Duration::from_secs(TIMEOUT_S + 5), |types| {
        types.last().is_some_and(|t| t == "AgentPresenceRestored")
    })
    .await;
    assert_eq!(
        board_row(&app, &supervisor, ana.id).await["presence_lost_at"],
        Value::Null
    );
    assert_eq!(app.call_state(call).await["status"], "connected");
    alive.abort();
}
