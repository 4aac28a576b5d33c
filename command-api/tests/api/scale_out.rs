//! Scale-out on one machine, against real PostgreSQL and NATS: two API instances on one
//! database and one bus each pushing to their own WebSocket clients; two routers with one
//! active, the active one killed and taken over; the request id travelling from the HTTP
//! request into event metadata and NATS headers; the router's figures on `/metrics`.

use std::time::{Duration, Instant};

use command_api::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, second_instance, spawn_app, spawn_app_with};
use crate::sockets::{Socket, connect, next_json};

/// Publishes probe notices until `socket` hears one: its instance's hub is subscribed.
async fn wait_for_hub(app: &TestApp, socket: &mut Socket) {
    let probe = json!({
        "type": "queue", "seq": 0, "id": Uuid::nil(), "data": {"probe": true},
        "audience": {"agent_id": null, "requester_id": null},
    });
    for _ in 0..300 {
        app.state
            .nats
            .publish(
                format!("{}.views.queue", app.bus().prefix),
                probe.to_string().into(),
            )
            .await
            .expect("publish");
        app.state.nats.flush().await.expect("flush");
        if let Some(message) = next_json(socket, Duration::from_millis(100)).await
            && message["data"]["probe"] == true
        {
            return;
        }
    }
    panic!("the hub never heard a probe");
}

/// Waits for the `call` notice about `call`, skipping everything else.
async fn hear_call(socket: &mut Socket, call: Uuid, wait: Duration) -> Value {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some(message) = next_json(socket, left).await else {
            panic!("no call notice for {call} within {wait:?}");
        };
        if message["type"] == "call" && message["data"]["call_id"] == call.to_string() {
            return message;
        }
    }
}

#[tokio::test]
async fn two_api_instances_both_push_a_command_to_their_own_clients() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let _pipeline = app.start_pipeline();
    let supervisor = app.login(Role::Supervisor).await;
    let mut on_a = connect(&app.address, &supervisor).await;
    let mut on_b = connect(&other, &supervisor).await;
    wait_for_hub(&app, &mut on_a).await;
    wait_for_hub(&app, &mut on_b).await;
    // The second instance serves the same data and accepts the same tokens.
    let answer = reqwest::Client::new()
        .get(format!("{other}/api/queues"))
        .bearer_auth(&supervisor.token)
        .send()
        .await
        .expect("ask the second instance");
    assert_eq!(answer.status().as_u16(), 200);

    let requester = app.login(Role::Requester).await;
    let call = app.request_call(&requester).await;
    let heard_a = hear_call(&mut on_a, call, Duration::from_secs(15)).await;
    let heard_b = hear_call(&mut on_b, call, Duration::from_secs(15)).await;
    assert_eq!(
        heard_a["seq"], heard_b["seq"],
        "the same update: {heard_a} {heard_b}"
    );
}

/// An app with the relay and workers, a French queue with `ring_timeout_s`, and both demo
/// interpreters speaking French and available.
async fn french_floor(app: &TestApp, ring_timeout_s: u32) -> (Session, Session, Session) {
    let admin = app.login(Role::Admin).await;
    app.post(
        "/api/queues",
        &admin,
        json!({"name": "French · general", "languages": ["fr"], "ring_timeout_s": ring_timeout_s,
               "max_wait_s": 120, "wrap_up_s": 1}),
    )
    .await
    .expect(202);
    let agent1 = app.login(Role::Agent).await;
    let agent2 = app.login_as("agent2@example.com").await;
    for agent in [&agent1, &agent2] {
        app.put(
            &format!("/api/agents/{}/skills", agent.id),
            &admin,
            json!({"languages": [{"code": "fr", "proficiency": 4}], "specialties": ["general"],
                   "modalities": ["audio", "video"]}),
        )
        .await
        .expect(202);
    }
    let requester = app.login(Role::Requester).await;
    (requester, agent1, agent2)
}

async fn request_french(app: &TestApp, requester: &Session) -> Uuid {
    app.post(
        "/api/calls",
        requester,
        json!({"language": "fr", "modality": "audio"}),
    )
    .await
    .expect(202)
    .id()
}

/// Waits until the call is offered to someone; how long that took.
async fn until_offered(app: &TestApp, call: Uuid, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if !app.call_state(call).await["offered_to"].is_null() {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "call {call} was not offered within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Server pids of the sessions holding the router's advisory lock in the app's database.
async fn router_lock_holders(app: &TestApp) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND ((classid::bigint << 32) | objid::bigint) = $1",
    )
    .bind(projections::leader::ROUTER_LOCK)
    .fetch_all(&app.pool)
    .await
    .expect("read pg_locks")
}

/// No call holds two ringing offers at once: every `CallOffered` after the first is
/// preceded by the end of the previous offer.
async fn assert_no_double_offers(app: &TestApp, calls: &[Uuid]) {
    for call in calls {
        let types = app.events_of(*call).await;
        let mut ringing = false;
        for (event_type, _) in &types {
            match event_type.as_str() {
                "CallOffered" => {
                    assert!(!ringing, "call {call} offered twice at once: {types:?}");
                    ringing = true;
                }
                "OfferDeclined" | "OfferExpired" | "OfferWithdrawn" | "CallAbandoned"
                | "CallAccepted" => ringing = false,
                _ => {}
            }
        }
    }
}

#[tokio::test]
async fn two_routers_one_active_and_a_killed_active_router_is_taken_over() {
    let app = spawn_app().await;
    let mut pipeline = app.start_pipeline();
    let (requester, agent1, agent2) = french_floor(&app, 60).await;
    app.set_status(&agent1, "available").await;
    app.set_status(&agent2, "available").await;
    for _ in 0..2 {
        let router = app.spawn_router(&pipeline);
        pipeline.routers.push(router);
    }

    let mut calls = Vec::new();
    let mut leaders = Vec::new();
    // Round 0 with both routers; then kill the oldest router and start a fresh one, twice,
    // so whichever of the first two was active has been killed.
    for round in 0..3 {
        let started = Instant::now();
        if round > 0 {
            let oldest = pipeline.routers.remove(0);
            oldest.abort();
            let _ = oldest.await;
            let fresh = app.spawn_router(&pipeline);
            pipeline.routers.push(fresh);
        }
        let call = request_french(&app, &requester).await;
        until_offered(&app, call, Duration::from_secs(10)).await;
        let holders = router_lock_holders(&app).await;
        eprintln!(
            "round {round}: offered {:?} after the round began (kill included), leader {holders:?}",
            started.elapsed()
        );
        assert_eq!(holders.len(), 1, "exactly one active router: {holders:?}");
        leaders.extend(holders);
        calls.push(call);
        assert!(
            pipeline.routers.iter().all(|r| !r.is_finished()),
            "the other router stands by"
        );
        // Free the interpreter for the next round.
        app.post(&format!("/api/calls/{call}/cancel"), &requester, json!({}))
            .await
            .expect(202);
    }
    leaders.dedup();
    assert!(
        leaders.len() >= 2,
        "the active router was killed and another took over: {leaders:?}"
    );
    // Nothing doubled: let any router that wrongly believed it led have its chance.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_no_double_offers(&app, &calls).await;
    for agent in [&agent1, &agent2] {
        let types = app.events_of(agent.id).await;
        let mut ringing = false;
        for (event_type, _) in &types {
            match event_type.as_str() {
                "AgentOfferReceived" => {
                    assert!(!ringing, "agent offered twice at once: {types:?}");
                    ringing = true;
                }
                "AgentOfferCleared" | "AgentCallStarted" => ringing = false,
                _ => {}
            }
        }
    }
}

#[tokio::test]
async fn the_request_id_travels_into_event_metadata_and_nats_headers() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let requester = app.login(Role::Requester).await;
    let response = app
        .client
        .request(Method::POST, format!("{}/api/calls", app.address))
        .bearer_auth(&requester.token)
        .header("x-request-id", "trace-123")
        .json(&json!({"language": "es", "modality": "video", "specialty": "medical"}))
        .send()
        .await
        .expect("request a call");
    assert_eq!(response.status().as_u16(), 202);
    assert_eq!(
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("trace-123"),
        "echoed back"
    );
    let body: Value = response.json().await.expect("JSON");
    let call = body["id"].as_str().expect("an id").to_owned();

    let stored: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT metadata ->> 'request_id' FROM events WHERE aggregate_id = $1 ORDER BY sequence",
    )
    .bind(&call)
    .fetch_all(&app.pool)
    .await
    .expect("read events");
    assert!(!stored.is_empty());
    assert!(
        stored.iter().all(|id| id.as_deref() == Some("trace-123")),
        "{stored:?}"
    );

    app.assert_stream_matches_events().await;
    let mut stream = app
        .jetstream()
        .get_stream(&app.bus().stream)
        .await
        .expect("the stream");
    let last = stream.info().await.expect("info").state.last_sequence;
    let mut carried = 0;
    for sequence in 1..=last {
        let message = stream.get_raw_message(sequence).await.expect("a message");
        let event: projections::bus::BusEvent =
            serde_json::from_slice(&message.payload).expect("an event");
        if event.aggregate_id != call {
            continue;
        }
        let header = message
            .headers
            .get(projections::relay::REQUEST_ID_HEADER)
            .map(|v| v.as_str().to_owned());
        assert_eq!(header.as_deref(), Some("trace-123"), "message {sequence}");
        carried += 1;
    }
    assert_eq!(
        carried,
        stored.len(),
        "every event of the call is on the stream"
    );
}

#[tokio::test]
async fn metrics_show_the_routers_offers_and_timeouts() {
    let app = spawn_app_with(|settings| settings.commands.away_after_missed_offers = 1).await;
    let mut pipeline = app.start_pipeline();
    let router = app.spawn_router(&pipeline);
    pipeline.routers.push(router);
    let (requester, _agent1, agent2) = french_floor(&app, 1).await;
    app.set_status(&agent2, "available").await;
    let call = request_french(&app, &requester).await;
    // One offer, to agent2, rings out; agent2 is set away after one missed offer.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app
        .events_of(call)
        .await
        .iter()
        .any(|(t, _)| t == "OfferExpired")
    {
        assert!(Instant::now() < deadline, "the offer never expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.wait_for_projections().await;
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(app.token_for(Role::Admin))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("metrics");
    for needle in [
        "# TYPE parley_router_offers_total counter",
        "\nparley_router_offers_total 1\n",
        "# TYPE parley_router_offer_timeouts_total counter",
        "\nparley_router_offer_timeouts_total 1\n",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from /metrics:\n{text}"
        );
    }
}

/// The queue configurations are kept between requests (see `QueueDirectory`): a queue
/// added through one instance must route the very next request on another instance.
#[tokio::test]
async fn a_queue_added_through_one_instance_routes_the_next_request_on_the_other() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let requester = app.login(Role::Requester).await;
    let admin = app.login(Role::Admin).await;
    let finnish = json!({"language": "fi", "modality": "audio"});
    let before = app
        .post("/api/calls", &requester, finnish.clone())
        .await
        .expect(202)
        .id();
    assert_eq!(
        app.call_state(before).await["status"],
        "no_interpreter_available",
        "no queue serves Finnish yet"
    );

    let created = reqwest::Client::new()
        .post(format!("{other}/api/queues"))
        .bearer_auth(&admin.token)
        .json(&json!({"name": "Finnish · general", "languages": ["fi"]}))
        .send()
        .await
        .expect("create the queue on the second instance");
    assert_eq!(created.status().as_u16(), 202);
    let queue: Value = created.json().await.expect("the created queue");

    let after = app
        .post("/api/calls", &requester, finnish)
        .await
        .expect(202)
        .id();
    let state = app.call_state(after).await;
    assert_eq!(state["queue_id"], queue["id"], "{state}");
    assert_eq!(state["status"], "queued", "{state}");
}

/// What the directory reads on every call request, the stored count of queue events, is
/// kept by a trigger (migration 0006): it must match the events table after queues are
/// added, including two added at once, and stay put when other aggregates write.
#[tokio::test]
async fn the_stored_count_of_queue_events_follows_the_events_table() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let requester = app.login(Role::Requester).await;
    let counts = || async {
        let stored: i64 = sqlx::query_scalar("SELECT events FROM queue_events_stored")
            .fetch_one(&app.pool)
            .await
            .expect("the stored count");
        // The trigger names the type in SQL; the domain's own name must be the same.
        let counted: i64 =
            sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = $1")
                .bind(<domain::queue::Queue as cqrs_es::Aggregate>::TYPE)
                .fetch_one(&app.pool)
                .await
                .expect("the counted queue events");
        (stored, counted)
    };
    let (seeded, counted) = counts().await;
    assert_eq!(seeded, counted, "after the migrations and the seed");

    let create = |name: &'static str, language: &'static str| {
        app.post(
            "/api/queues",
            &admin,
            json!({"name": name, "languages": [language]}),
        )
    };
    let (finnish, estonian) = tokio::join!(
        create("Finnish · general", "fi"),
        create("Estonian · general", "et")
    );
    finnish.expect(202);
    estonian.expect(202);
    app.post(
        "/api/calls",
        &requester,
        json!({"language": "fi", "modality": "audio"}),
    )
    .await
    .expect(202);

    let (stored, counted) = counts().await;
    assert_eq!(stored, counted);
    assert!(stored >= seeded + 2, "{seeded} -> {stored}");
}
