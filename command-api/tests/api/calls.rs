//! A call's life through the API, including the refusals a real floor produces.

use command_api::auth::Role;
use command_api::seed::demo_user_id;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Session, TestApp, agent2_id, spanish_general_queue, spawn_app};

async fn post_empty(app: &TestApp, path: &str, session: &Session) -> crate::helpers::Answer {
    app.send(Method::POST, path, Some(&session.token), None)
        .await
}

#[tokio::test]
async fn a_call_goes_from_request_to_rating_and_every_step_is_an_event() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;

    let call = app.connected_call(&requester, &supervisor, &agent).await;
    let state = app.call_state(call).await;
    assert_eq!(state["status"], "connected");
    assert_eq!(state["agent_id"], agent.id.to_string());
    assert_eq!(state["specialty"], "medical");

    for action in ["hold", "resume", "end"] {
        post_empty(&app, &format!("/api/calls/{call}/{action}"), &agent)
            .await
            .expect(202);
    }
    let wrapped = app
        .post(
            &format!("/api/calls/{call}/wrap-up"),
            &agent,
            json!({"disposition": "completed", "notes": "smooth"}),
        )
        .await
        .expect(202);
    assert_eq!(wrapped.body["version"], 8);
    app.post(
        &format!("/api/calls/{call}/rating"),
        &requester,
        json!({"stars": 5}),
    )
    .await
    .expect(202);

    let types: Vec<String> = app
        .events_of(call)
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        types,
        [
            "CallRequested",
            "CallQueued",
            "CallOffered",
            "CallAccepted",
            "CallHeld",
            "CallResumed",
            "CallEnded",
            "CallWrappedUp",
            "CallRated"
        ]
    );
    let agent_events: Vec<String> = app
        .events_of(agent.id)
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        agent_events,
        [
            "AgentSkillsSet",
            "AgentStatusChanged",
            "AgentOfferReceived",
            "AgentCallStarted",
            "AgentCallEnded",
            "AgentWrapUpStarted",
            "AgentWrapUpEnded"
        ]
    );
}

#[tokio::test]
async fn a_request_is_routed_to_the_most_specific_queue() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let general = app
        .post(
            "/api/calls",
            &requester,
            json!({"language": "spa", "modality": "audio"}),
        )
        .await
        .expect(202)
        .id();
    let state = app.call_state(general).await;
    assert_eq!(state["queue_id"], spanish_general_queue().to_string());
    assert_eq!(
        state["language"], "es",
        "the three-letter code is normalised"
    );
    assert_eq!(state["source_language"], "en");
}

#[tokio::test]
async fn a_request_no_queue_serves_ends_at_once_as_no_interpreter_available() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let call = app
        .post(
            "/api/calls",
            &requester,
            json!({"language": "fi", "modality": "video", "priority": "urgent"}),
        )
        .await
        .expect(202)
        .id();
    let state = app.call_state(call).await;
    assert_eq!(state["status"], "no_interpreter_available");
    assert_eq!(state["priority"], "urgent");
}

#[tokio::test]
async fn accept_returns_409_when_the_call_is_offered_to_someone_else() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent1 = app.login(Role::Agent).await;
    let agent2 = app.login_as("agent2@example.com").await;
    app.set_status(&agent2, "available").await;
    let call = app.request_call(&requester).await;
    app.post(
        &format!("/api/calls/{call}/offer"),
        &supervisor,
        json!({"agent_id": agent2.id}),
    )
    .await
    .expect(202);
    let answer = post_empty(&app, &format!("/api/calls/{call}/accept"), &agent1)
        .await
        .expect(409);
    assert_eq!(answer.error_code(), "call_not_offered_to_you");
    post_empty(&app, &format!("/api/calls/{call}/accept"), &agent2)
        .await
        .expect(202);
}

#[tokio::test]
async fn an_agent_who_holds_an_offer_or_a_call_gets_no_second_offer() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;
    let first = app.connected_call(&requester, &supervisor, &agent).await;
    let second = app.request_call(&requester).await;
    let answer = app
        .post(
            &format!("/api/calls/{second}/offer"),
            &supervisor,
            json!({"agent_id": agent.id}),
        )
        .await
        .expect(409);
    assert_eq!(answer.error_code(), "agent_on_call");
    post_empty(&app, &format!("/api/calls/{first}/end"), &agent)
        .await
        .expect(202);
    let answer = app
        .post(
            &format!("/api/calls/{second}/offer"),
            &supervisor,
            json!({"agent_id": agent.id}),
        )
        .await
        .expect(409);
    assert_eq!(answer.error_code(), "agent_in_wrap_up");
    let answer = post_empty(&app, &format!("/api/calls/{first}/end"), &agent)
        .await
        .expect(409);
    assert_eq!(
        answer.error_code(),
        "call_not_in_progress",
        "ending a call twice"
    );
}

#[tokio::test]
async fn going_on_break_with_an_offer_ringing_releases_it_at_once() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;
    app.set_status(&agent, "available").await;
    let call = app.request_call(&requester).await;
    app.post(
        &format!("/api/calls/{call}/offer"),
        &supervisor,
        json!({"agent_id": agent.id}),
    )
    .await
    .expect(202);
    app.set_status(&agent, "break").await;
    let state = app.call_state(call).await;
    assert_eq!(state["status"], "queued");
    assert!(state["offered_to"].is_null());
    let types: Vec<String> = app
        .events_of(agent.id)
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(types.last().map(String::as_str), Some("AgentOfferCleared"));
}

#[tokio::test]
async fn a_requester_who_cancels_while_it_rings_frees_the_agent() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;
    app.set_status(&agent, "available").await;
    let call = app.request_call(&requester).await;
    app.post(
        &format!("/api/calls/{call}/offer"),
        &supervisor,
        json!({"agent_id": agent.id}),
    )
    .await
    .expect(202);
    post_empty(&app, &format!("/api/calls/{call}/cancel"), &requester)
        .await
        .expect(202);
    let answer = post_empty(&app, &format!("/api/calls/{call}/cancel"), &requester)
        .await
        .expect(409);
    assert_eq!(answer.error_code(), "call_not_waiting");
    let next = app.request_call(&requester).await;
    app.post(
        &format!("/api/calls/{next}/offer"),
        &supervisor,
        json!({"agent_id": agent.id}),
    )
    .await
    .expect(202);
}

#[tokio::test]
async fn a_live_call_transferred_to_a_named_interpreter_rings_them_and_frees_the_first() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent1 = app.login(Role::Agent).await;
    let agent2 = app.login_as("agent2@example.com").await;
    app.set_status(&agent2, "available").await;
    let call = app.connected_call(&requester, &supervisor, &agent1).await;
    app.post(
        &format!("/api/calls/{call}/transfer"),
        &agent1,
        json!({"agent_id": agent2_id()}),
    )
    .await
    .expect(202);
    // It rings for them while the first interpreter keeps the caller.
    let state = app.call_state(call).await;
    assert_eq!(state["status"], "connected");
    assert_eq!(state["agent_id"], json!(agent1.id));
    assert_eq!(
        state["offered_to"],
        demo_user_id("agent2@example.com").to_string()
    );
    post_empty(&app, &format!("/api/calls/{call}/accept"), &agent2)
        .await
        .expect(202);
    let agent1_events: Vec<String> = app
        .events_of(agent1.id)
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert!(
        agent1_events.ends_with(&["AgentCallEnded".to_owned(), "AgentWrapUpStarted".to_owned()])
    );
    // The first interpreter files the wrap-up of their part and is free again.
    app.post(
        &format!("/api/calls/{call}/wrap-up"),
        &agent1,
        json!({"disposition": "transferred"}),
    )
    .await
    .expect(202);
    let agent1_events: Vec<String> = app
        .events_of(agent1.id)
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        agent1_events.last().map(String::as_str),
        Some("AgentWrapUpEnded")
    );
    app.post(
        &format!("/api/calls/{call}/wrap-up"),
        &agent1,
        json!({"disposition": "again"}),
    )
    .await
    .expect(409);
}

#[tokio::test]
async fn rating_is_once_and_only_after_the_end() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;
    let call = app.connected_call(&requester, &supervisor, &agent).await;
    let path = format!("/api/calls/{call}/rating");
    let answer = app
        .post(&path, &requester, json!({"stars": 4}))
        .await
        .expect(409);
    assert_eq!(answer.error_code(), "call_not_ended");
    post_empty(&app, &format!("/api/calls/{call}/end"), &agent)
        .await
        .expect(202);
    app.post(
        &path,
        &requester,
        json!({"stars": 4, "comment": "clear and kind"}),
    )
    .await
    .expect(202);
    let answer = app
        .post(&path, &requester, json!({"stars": 5}))
        .await
        .expect(409);
    assert_eq!(answer.error_code(), "call_already_rated");
}

#[tokio::test]
async fn one_call_offered_to_two_agents_at_once_goes_to_exactly_one() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent1 = app.login(Role::Agent).await;
    let agent2 = app.login_as("agent2@example.com").await;
    app.set_status(&agent1, "available").await;
    app.set_status(&agent2, "available").await;
    let call = app.request_call(&requester).await;
    let path = format!("/api/calls/{call}/offer");
    let (a, b) = tokio::join!(
        app.post(&path, &supervisor, json!({"agent_id": agent1.id})),
        app.post(&path, &supervisor, json!({"agent_id": agent2.id})),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [202, 409], "{a:?} {b:?}");
    // The loser's reservation was released: both agents can take a new call.
    for agent in [&agent1, &agent2] {
        let state = app.call_state(call).await;
        if state["offered_to"] == agent.id.to_string() {
            continue;
        }
        let next = app.request_call(&requester).await;
        app.post(
            &format!("/api/calls/{next}/offer"),
            &supervisor,
            json!({"agent_id": agent.id}),
        )
        .await
        .expect(202);
    }
}

#[tokio::test]
async fn concurrent_commands_on_one_aggregate_are_retried_or_refused_never_lost() {
    let app = spawn_app().await;
    let agent = app.login(Role::Agent).await;
    let statuses = ["available", "break"];
    let answers = futures::future::join_all((0..24).map(|i| {
        app.put(
            "/api/agents/me/status",
            &agent,
            json!({"status": statuses[i % 2]}),
        )
    }))
    .await;
    let accepted = answers.iter().filter(|a| a.status.as_u16() == 202).count();
    for answer in &answers {
        assert!(matches!(answer.status.as_u16(), 202 | 409), "{answer:?}");
    }
    assert!(accepted > 0);
    let sequences: Vec<i64> = app
        .events_of(agent.id)
        .await
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    let expected: Vec<i64> = (1..=i64::try_from(sequences.len()).unwrap_or(0)).collect();
    assert_eq!(sequences, expected, "sequences are gap-free and unique");
}

/// `POST /api/calls` decides on an empty call without reading the stream of the id it
/// has just minted; an id taken after all must still be refused by the event store's
/// conflict and the retry's read, not doubled.
#[tokio::test]
async fn requesting_a_call_under_an_id_already_taken_is_refused_and_stores_nothing() {
    use domain::call::{CallCommand, CallError, CallRequest};
    use domain::values::{LanguageCode, Modality, Priority};
    use domain::workflow::{ExecuteError, Metadata};
    use domain::{CallId, UserId};

    let app = spawn_app().await;
    let call_id = CallId(uuid::Uuid::now_v7());
    let command = CallCommand::Request {
        organisation_id: None,
        call_id,
        requester_id: UserId(demo_user_id("requester@example.com")),
        request: CallRequest {
            requirements: Default::default(),
            language: LanguageCode::parse("es").expect("language"),
            source_language: LanguageCode::parse("en").expect("language"),
            modality: Modality::Video,
            specialty: None,
            priority: Priority::Normal,
        },
        queue: None,
        at: chrono::Utc::now(),
    };
    let floor = &app.state.floor;
    let first = floor
        .request_call(call_id, command.clone(), &Metadata::new())
        .await
        .expect("the first request");
    let again = floor.request_call(call_id, command, &Metadata::new()).await;
    assert!(
        matches!(again, Err(ExecuteError::Rejected(CallError::AlreadyExists))),
        "{again:?}"
    );
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'Call' AND aggregate_id = $1",
    )
    .bind(call_id.to_string())
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(usize::try_from(stored).ok(), Some(first.events.len()));
}
