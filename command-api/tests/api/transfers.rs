//! Transfers of live calls with the router running: the caller is never left alone. The
//! first interpreter keeps the call until the new one accepts; when nobody does within the
//! target queue's maximum wait, `TransferFailed` is stored and the call stays where it was.

use std::time::Duration;

use command_api::auth::Role;
use command_api::seed::demo_queue_id;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Pipeline, Session, TestApp, demo_email, spawn_app, spawn_app_with};

/// An app with a relay, workers and a router, one French queue with the given maximum wait
/// (ring 10 s, wrap-up 1 s), and both demo interpreters speaking French but not available.
pub(crate) async fn french_floor(max_wait_s: u32) -> (TestApp, Pipeline, Uuid) {
    let app = spawn_app_with(|_| {}).await;
    let mut pipeline = app.start_pipeline();
    let router = app.spawn_router(&pipeline);
    pipeline.routers.push(router);
    let admin = app.login(Role::Admin).await;
    let queue = app
        .post(
            "/api/queues",
            &admin,
            json!({"name": "French · general", "languages": ["fr"], "ring_timeout_s": 10,
                   "max_wait_s": max_wait_s, "wrap_up_s": 1}),
        )
        .await
        .expect(202)
        .id();
    for email in [demo_email(Role::Agent), "agent2@example.com"] {
        let agent = app.login_as(email).await;
        app.put(
            &format!("/api/agents/{}/skills", agent.id),
            &admin,
            json!({"languages": [{"code": "fr", "proficiency": 4}], "specialties": ["general"],
                   "modalities": ["audio", "video"]}),
        )
        .await
        .expect(202);
    }
    (app, pipeline, queue)
}

pub(crate) async fn until_state(
    app: &TestApp,
    call: Uuid,
    done: impl Fn(&Value) -> bool,
    what: &str,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let state = app.call_state(call).await;
        if done(&state) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "call {call}: never {what}; now {state}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A French call routed to `agent` (the only one available) and accepted.
pub(crate) async fn answered_by(app: &TestApp, agent: &Session) -> Uuid {
    let requester = app.login(Role::Requester).await;
    app.set_status(agent, "available").await;
    let call = app
        .post(
            "/api/calls",
            &requester,
            json!({"language": "fr", "modality": "audio"}),
        )
        .await
        .expect(202)
        .id();
    let id = json!(agent.id);
    until_state(app, call, |s| s["offered_to"] == id, "offered").await;
    app.accept(call, agent).await.expect(202);
    call
}

#[tokio::test]
async fn a_supervisor_transfer_nobody_takes_fails_and_the_call_stays_with_its_interpreter() {
    let (app, _pipeline, queue) = french_floor(5).await;
    let agent = app.login_as("agent2@example.com").await;
    let supervisor = app.login(Role::Supervisor).await;
    let call = answered_by(&app, &agent).await;
    app.post(
        &format!("/api/calls/{call}/transfer"),
        &supervisor,
        json!({"queue_id": queue}),
    )
    .await
    .expect(202);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !app
        .event_types(call)
        .await
        .contains(&"TransferFailed".to_owned())
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no TransferFailed: {:?}",
            app.event_types(call).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let state = app.call_state(call).await;
    assert_eq!(state["status"], "connected", "{state}");
    assert_eq!(state["agent_id"], json!(agent.id), "{state}");
    let types = app.event_types(call).await;
    assert!(
        !types.contains(&"NoInterpreterAvailable".to_owned()),
        "{types:?}"
    );
    assert_eq!(
        app.event_types(agent.id).await.last().map(String::as_str),
        Some("AgentCallStarted"),
        "the interpreter is still on the call"
    );
    // The call goes on: its interpreter can still end it.
    app.send(
        Method::POST,
        &format!("/api/calls/{call}/end"),
        Some(&agent.token),
        None,
    )
    .await
    .expect(202);
}

#[tokio::test]
async fn a_transferred_call_rings_the_next_interpreter_while_the_first_keeps_the_caller() {
    let (app, _pipeline, queue) = french_floor(30).await;
    let first = app.login_as("agent2@example.com").await;
    let second = app.login(Role::Agent).await;
    let supervisor = app.login(Role::Supervisor).await;
    let call = answered_by(&app, &first).await;
    app.set_status(&second, "available").await;
    app.post(
        &format!("/api/calls/{call}/transfer"),
        &supervisor,
        json!({"queue_id": queue}),
    )
    .await
    .expect(202);
    let second_id = json!(second.id);
    until_state(&app, call, |s| s["offered_to"] == second_id, "offered on").await;
    let state = app.call_state(call).await;
    assert_eq!(state["status"], "connected", "still live: {state}");
    assert_eq!(state["agent_id"], json!(first.id), "{state}");
    app.send(
        Method::POST,
        &format!("/api/calls/{call}/accept"),
        Some(&second.token),
        None,
    )
    .await
    .expect(202);
    let state = app.call_state(call).await;
    assert_eq!(state["status"], "connected", "{state}");
    assert_eq!(state["agent_id"], second_id, "{state}");
    let first_events = app.event_types(first.id).await;
    assert!(
        first_events.ends_with(&["AgentCallEnded".to_owned(), "AgentWrapUpStarted".to_owned()]),
        "the first interpreter let go at the handover: {first_events:?}"
    );
}

#[tokio::test]
async fn a_transfer_to_a_queue_of_another_language_is_refused() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;
    // A Spanish call; the Mandarin queue cannot serve it.
    let call = app.connected_call(&requester, &supervisor, &agent).await;
    let mandarin = demo_queue_id("zh-general").as_uuid();
    for session in [&supervisor, &agent] {
        let answer = app
            .post(
                &format!("/api/calls/{call}/transfer"),
                session,
                json!({"queue_id": mandarin}),
            )
            .await
            .expect(422);
        assert_eq!(answer.error_code(), "language_mismatch");
    }
    let state = app.call_state(call).await;
    assert_eq!(state["status"], "connected");
    assert_eq!(state["agent_id"], json!(agent.id));
}
