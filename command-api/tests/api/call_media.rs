//! A live call's media over HTTP: a requeue when the media fails (with the router
//! running), a supervisor's monitoring and barge-in in the call's history, quality reports
//! stored only on a change, the room's dial-in, and the bad inputs of each.

use std::time::Duration;

use command_api::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, spawn_app, spawn_app_with};
use crate::transfers::{answered_by, french_floor, until_state};

async fn post_empty(app: &TestApp, path: &str, token: &str) -> crate::helpers::Answer {
    app.send(Method::POST, path, Some(token), None).await
}

/// The metadata `actor_id` of each event of `call` whose type is `event_type`.
async fn actors_of(app: &TestApp, call: Uuid, event_type: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT metadata->>'actor_id' FROM events WHERE aggregate_id = $1 AND event_type = $2
         ORDER BY sequence",
    )
    .bind(call.to_string())
    .bind(event_type)
    .fetch_all(&app.pool)
    .await
    .expect("read events")
}

#[tokio::test]
async fn a_media_failure_puts_the_call_back_in_its_queue_for_another_interpreter() {
    let (app, _pipeline, _queue) = french_floor(60).await;
    let first = app.login_as("agent2@example.com").await;
    let second = app.login(Role::Agent).await;
    let call = answered_by(&app, &first).await;
    let path = format!("/api/calls/{call}/requeue");

    let refused = app
        .post(&path, &second, json!({"reason": "media_failure"}))
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.error_code(), "not_your_call");
    for body in [json!({"reason": "bored"}), json!({})] {
        let bad = app.post(&path, &first, body).await;
        assert_eq!(bad.status, 400, "{}", bad.body);
        assert_eq!(bad.error_code(), "invalid_body");
    }

    app.post(&path, &first, json!({"reason": "media_failure"}))
        .await
        .expect(202);
    let types = app.event_types(call).await;
    assert_eq!(
        types[types.len() - 2..],
        ["CallRequeued".to_owned(), "CallQueued".to_owned()],
        "{types:?}"
    );
    let agent_types = app.event_types(first.id).await;
    assert!(
        agent_types.ends_with(&["AgentCallEnded".to_owned(), "AgentWrapUpStarted".to_owned()]),
        "the first interpreter goes into wrap-up: {agent_types:?}"
    );
    // Twice is refused: the call is no longer theirs.
    let again = app
        .post(&path, &first, json!({"reason": "media_failure"}))
        .await;
    assert_eq!(again.status, 409, "{}", again.body);

    // The first interpreter is free again after wrap-up, yet the call goes to the other.
    app.set_status(&second, "available").await;
    let second_id = json!(second.id);
    until_state(
        &app,
        call,
        |s| s["offered_to"] == second_id,
        "offered to the second",
    )
    .await;
    app.accept(call, &second).await.expect(202);
    let state = app.call_state(call).await;
    assert_eq!(state["status"], "connected", "{state}");
    assert_eq!(state["agent_id"], second_id, "{state}");
    let offered_first = sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM events WHERE aggregate_id = $1 AND event_type = 'CallOffered'
           AND payload->'CallOffered'->>'agent_id' = $2",
    )
    .bind(call.to_string())
    .bind(first.id.to_string())
    .fetch_one(&app.pool)
    .await
    .expect("count offers");
    assert_eq!(
        offered_first, 1,
        "never offered back to the interpreter whose media failed"
    );
}

#[tokio::test]
async fn a_supervisors_monitoring_and_barge_in_are_in_the_calls_history_with_who() {
    let app = spawn_app().await;
    let (requester, supervisor, agent) = (
        app.login(Role::Requester).await,
        app.login(Role::Supervisor).await,
        app.login(Role::Agent).await,
    );
    let call = app.connected_call(&requester, &supervisor, &agent).await;
    let monitor = format!("/api/calls/{call}/monitor");

    let forbidden = post_empty(&app, &monitor, &agent.token).await;
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);
    let not_yet = post_empty(&app, &format!("/api/calls/{call}/barge"), &supervisor.token).await;
    assert_eq!(not_yet.status, 409, "{}", not_yet.body);
    assert_eq!(not_yet.error_code(), "not_monitoring");

    let room = post_empty(&app, &monitor, &supervisor.token)
        .await
        .expect(200)
        .body;
    assert_eq!(room["mode"], "listen", "{room}");
    assert!(
        room["room"]
            .as_str()
            .is_some_and(|r| r.starts_with("parley-")),
        "{room}"
    );
    // Opening it again is the same session: one event.
    post_empty(&app, &monitor, &supervisor.token)
        .await
        .expect(200);
    let talk = post_empty(&app, &format!("/api/calls/{call}/barge"), &supervisor.token)
        .await
        .expect(200)
        .body;
    assert_eq!(talk["mode"], "talk", "{talk}");
    let stop = format!("/api/calls/{call}/monitor/stop");
    post_empty(&app, &stop, &supervisor.token).await.expect(202);
    let twice = post_empty(&app, &stop, &supervisor.token).await;
    assert_eq!(twice.status, 409, "{}", twice.body);

    let me = vec![supervisor.id.to_string()];
    for event_type in [
        "MonitoringStarted",
        "SupervisorBargedIn",
        "MonitoringStopped",
    ] {
        assert_eq!(actors_of(&app, call, event_type).await, me, "{event_type}");
    }
    // Monitoring again, then the call ends: the end stops the monitor with it.
    post_empty(&app, &monitor, &supervisor.token)
        .await
        .expect(200);
    post_empty(&app, &format!("/api/calls/{call}/end"), &agent.token)
        .await
        .expect(202);
    let types = app.event_types(call).await;
    assert_eq!(
        types[types.len() - 2..],
        ["MonitoringStopped".to_owned(), "CallEnded".to_owned()],
        "{types:?}"
    );
    let over = post_empty(&app, &monitor, &supervisor.token).await;
    assert_eq!(over.status, 409, "{}", over.body);
}

async fn quality_changes(app: &TestApp, call: Uuid) -> usize {
    let types = app.event_types(call).await;
    types.iter().filter(|t| *t == "MediaQualityChanged").count()
}

/// The call's room for `who`, once the read models know the call is connected.
async fn room_of(app: &TestApp, call: Uuid, who: &Session) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let answer = app.get(&format!("/api/calls/{call}/room"), who).await;
        if answer.status == 200 || tokio::time::Instant::now() > deadline {
            return answer.expect(200).body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn sample(loss: f64, frozen: bool) -> Value {
    json!({"bitrate_kbps": 800, "packet_loss_pct": loss, "video_frozen": frozen})
}

#[tokio::test]
async fn quality_reports_are_stored_only_when_a_participants_level_changes() {
    let app = spawn_app().await;
    let (requester, supervisor, agent) = (
        app.login(Role::Requester).await,
        app.login(Role::Supervisor).await,
        app.login(Role::Agent).await,
    );
    let call = app.connected_call(&requester, &supervisor, &agent).await;
    let path = format!("/api/calls/{call}/quality");
    let report = |who, samples: Vec<Value>| app.post(&path, who, json!({ "samples": samples }));
    report(&requester, vec![sample(0.0, false)])
        .await
        .expect(202);
    assert_eq!(
        quality_changes(&app, call).await,
        0,
        "good from the start: nothing stored"
    );
    report(&requester, vec![sample(0.0, false), sample(1.0, true)])
        .await
        .expect(202);
    report(&requester, vec![sample(15.0, false)])
        .await
        .expect(202);
    assert_eq!(
        quality_changes(&app, call).await,
        1,
        "poor once, however long it stays poor"
    );
    report(&agent, vec![sample(5.0, false)]).await.expect(202);
    report(&requester, vec![sample(0.0, false)])
        .await
        .expect(202);
    assert_eq!(
        quality_changes(&app, call).await,
        3,
        "the agent degraded, the requester recovered"
    );

    for (body, status) in [
        (json!({"samples": []}), 422),
        (json!({"samples": [sample(150.0, false)]}), 422),
        (json!({"samples": [sample(-1.0, false)]}), 422),
        (json!({"samples": vec![sample(0.0, false); 21]}), 422),
        (json!({"samples": [{"bitrate_kbps": "fast"}]}), 400),
        (json!({"samples": [sample(0.0, false)], "extra": 1}), 400),
    ] {
        let answer = app.post(&path, &requester, body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
    }
    let stranger = app
        .post(&path, &supervisor, json!({"samples": [sample(0.0, false)]}))
        .await;
    assert_eq!(stranger.status, 403, "{}", stranger.body);
    let other = app.login_as("agent2@example.com").await;
    let not_theirs = app
        .post(&path, &other, json!({"samples": [sample(0.0, false)]}))
        .await;
    assert_eq!(not_theirs.status, 409, "{}", not_theirs.body);
}

#[tokio::test]
async fn the_room_offers_a_dial_in_number_and_pin_only_when_one_is_configured() {
    let app = spawn_app_with(|s| s.jitsi.dial_in_number = Some("+1 555 0100".into())).await;
    let (requester, supervisor, agent) = (
        app.login(Role::Requester).await,
        app.login(Role::Supervisor).await,
        app.login(Role::Agent).await,
    );
    let _pipeline = app.start_pipeline();
    let call = app.connected_call(&requester, &supervisor, &agent).await;
    let for_requester = room_of(&app, call, &requester).await;
    let for_agent = room_of(&app, call, &agent).await;
    assert_eq!(for_requester["dial_in"]["number"], "+1 555 0100");
    let pin = for_requester["dial_in"]["pin"].as_str().unwrap_or_default();
    assert!(
        pin.len() == 8 && pin.bytes().all(|b| b.is_ascii_digit()),
        "{pin}"
    );
    assert_eq!(
        for_agent["dial_in"], for_requester["dial_in"],
        "one PIN per room"
    );

    let plain = spawn_app().await;
    let _pipeline = plain.start_pipeline();
    let (requester, supervisor, agent) = (
        plain.login(Role::Requester).await,
        plain.login(Role::Supervisor).await,
        plain.login(Role::Agent).await,
    );
    let call = plain.connected_call(&requester, &supervisor, &agent).await;
    let room = room_of(&plain, call, &requester).await;
    assert!(room.get("dial_in").is_none(), "{room}");
}
