//! Warm transfers with the router running: the interpreter consults a named colleague or
//! a queue while the caller stays connected; the colleague's accept joins them; the
//! interpreter completes the handover or cancels it, and the caller is never alone.

use command_api::auth::Role;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Session, TestApp};
use crate::transfers::{answered_by, french_floor, until_state};

async fn verb(app: &TestApp, call: Uuid, verb: &str, who: &Session) -> crate::helpers::Answer {
    app.send(
        Method::POST,
        &format!("/api/calls/{call}/{verb}"),
        Some(&who.token),
        None,
    )
    .await
}

async fn last_agent_event(app: &TestApp, agent: &Session) -> Option<String> {
    app.event_types(agent.id).await.pop()
}

#[tokio::test]
async fn a_consult_with_a_named_colleague_is_completed_and_the_caller_handed_over() {
    let (app, _pipeline, _queue) = french_floor(60).await;
    let first = app.login_as("agent2@example.com").await;
    let second = app.login(Role::Agent).await;
    let call = answered_by(&app, &first).await;
    app.set_status(&second, "available").await;

    let early = verb(&app, call, "complete-transfer", &first).await;
    assert_eq!(early.status, 409, "{}", early.body);
    assert_eq!(early.error_code(), "no_consult");
    app.post(
        &format!("/api/calls/{call}/consult"),
        &first,
        json!({"agent_id": second.id}),
    )
    .await
    .expect(202);
    let second_id = json!(second.id);
    until_state(
        &app,
        call,
        |s| s["offered_to"] == second_id,
        "ringing for the colleague",
    )
    .await;
    let unanswered = verb(&app, call, "complete-transfer", &first).await;
    assert_eq!(unanswered.error_code(), "consult_not_answered");
    app.accept(call, &second).await.expect(202);

    // Both on the call; the caller still with the first.
    let state = app.call_state(call).await;
    assert_eq!(
        (state["status"].clone(), state["agent_id"].clone()),
        (json!("connected"), json!(first.id))
    );
    assert_eq!(
        last_agent_event(&app, &second).await.as_deref(),
        Some("AgentCallStarted")
    );
    let not_theirs = verb(&app, call, "complete-transfer", &second).await;
    assert_eq!(not_theirs.status, 409, "{}", not_theirs.body);

    verb(&app, call, "complete-transfer", &first)
        .await
        .expect(202);
    let state = app.call_state(call).await;
    assert_eq!(state["agent_id"], second_id, "{state}");
    assert_eq!(
        last_agent_event(&app, &first).await.as_deref(),
        Some("AgentWrapUpStarted")
    );
    let types = app.event_types(call).await;
    let tail: Vec<&str> = types
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        ["ConsultAnswered", "CallTransferred", "CallAccepted"],
        "{types:?}"
    );
}

#[tokio::test]
async fn a_consult_with_a_queue_is_cancelled_and_the_call_stays_with_its_interpreter() {
    let (app, _pipeline, queue) = french_floor(60).await;
    let first = app.login_as("agent2@example.com").await;
    let second = app.login(Role::Agent).await;
    let call = answered_by(&app, &first).await;
    app.set_status(&second, "available").await;
    app.post(
        &format!("/api/calls/{call}/consult"),
        &first,
        json!({"queue_id": queue}),
    )
    .await
    .expect(202);
    let second_id = json!(second.id);
    until_state(
        &app,
        call,
        |s| s["offered_to"] == second_id,
        "routed to the colleague",
    )
    .await;
    app.accept(call, &second).await.expect(202);

    verb(&app, call, "cancel-consult", &first).await.expect(202);
    let state = app.call_state(call).await;
    assert_eq!(
        (state["status"].clone(), state["agent_id"].clone()),
        (json!("connected"), json!(first.id))
    );
    assert_eq!(
        last_agent_event(&app, &second).await.as_deref(),
        Some("AgentWrapUpStarted")
    );
    assert_eq!(
        last_agent_event(&app, &first).await.as_deref(),
        Some("AgentCallStarted")
    );
    let again = verb(&app, call, "cancel-consult", &first).await;
    assert_eq!(again.error_code(), "no_consult");
    // The call goes on: its interpreter ends it.
    verb(&app, call, "end", &first).await.expect(202);
}

#[tokio::test]
async fn bad_consults_are_refused() {
    let (app, _pipeline, queue) = french_floor(60).await;
    let first = app.login_as("agent2@example.com").await;
    let supervisor = app.login(Role::Supervisor).await;
    let call = answered_by(&app, &first).await;
    let path = format!("/api/calls/{call}/consult");
    let forbidden = app
        .post(&path, &supervisor, json!({"queue_id": queue}))
        .await;
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);
    for (body, code) in [
        (
            json!({"queue_id": queue, "agent_id": first.id}),
            "invalid_transfer_target",
        ),
        (json!({}), "invalid_transfer_target"),
        (json!({"queue_id": Uuid::now_v7()}), "unknown_queue"),
        (json!({"agent_id": Uuid::now_v7()}), "unknown_agent"),
    ] {
        let answer = app.post(&path, &first, body.clone()).await;
        assert_eq!(
            (answer.status.as_u16(), answer.error_code()),
            (422, code),
            "{body}"
        );
    }
    app.post(&path, &first, json!({"queue_id": queue}))
        .await
        .expect(202);
    let twice = app.post(&path, &first, json!({"queue_id": queue})).await;
    assert_eq!(twice.error_code(), "transfer_pending");
    let transfer = app
        .post(
            &format!("/api/calls/{call}/transfer"),
            &first,
            json!({"queue_id": queue}),
        )
        .await;
    assert_eq!(transfer.error_code(), "transfer_pending");
}
