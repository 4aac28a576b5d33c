//! A standby router keeps its state warm from the stream, so taking the lead costs the
//! lock and the last instants' messages, whatever the length of history. Real `parley
//! route` processes; the leader dies by SIGKILL.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use command_api::auth::Role;
use command_api::history::append_interpreter_shifts;
use domain::ids::AgentId;
use serde_json::{Value, json};
use uuid::Uuid;

use projections::relay::RelayOptions;

use crate::helpers::{Session, TestApp, agent2_id, spawn_app_with};
use crate::leases::router_process;

/// Interpreter shifts stored before the routers start (each is several events).
const HISTORY_SHIFTS: u32 = 4_000;
/// The ring timeout of the test's queue.
const RING_S: u32 = 2;

async fn request_portuguese(app: &TestApp, requester: &Session) -> Uuid {
    app.post(
        "/api/calls",
        requester,
        json!({"language": "pt", "modality": "video"}),
    )
    .await
    .expect(202)
    .id()
}

/// Waits for the call's first offer, and says when it was made and when it expires.
async fn first_offer(app: &TestApp, call: Uuid) -> (DateTime<Utc>, DateTime<Utc>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let offered: Option<Value> = sqlx::query_scalar(
            "SELECT payload::jsonb -> 'CallOffered' FROM events WHERE aggregate_type = 'Call' \
             AND aggregate_id = $1 AND event_type = 'CallOffered' ORDER BY sequence LIMIT 1",
        )
        .bind(call.to_string())
        .fetch_optional(&app.pool)
        .await
        .expect("read the call's events");
        if let Some(offer) = offered {
            let at = |field: &str| serde_json::from_value(offer[field].clone()).expect("a time");
            return (at("at"), at("expires_at"));
        }
        assert!(Instant::now() < deadline, "call {call} was never offered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// When the call's first offer ended unanswered (`OfferExpired`).
async fn offer_expired_at(app: &TestApp, call: Uuid) -> DateTime<Utc> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let expired: Option<Value> = sqlx::query_scalar(
            "SELECT payload::jsonb -> 'OfferExpired' -> 'at' FROM events WHERE aggregate_type = 'Call' \
             AND aggregate_id = $1 AND event_type = 'OfferExpired' ORDER BY sequence LIMIT 1",
        )
        .bind(call.to_string())
        .fetch_optional(&app.pool)
        .await
        .expect("read the call's events");
        if let Some(at) = expired {
            return serde_json::from_value(at).expect("a time");
        }
        assert!(
            Instant::now() < deadline,
            "the offer of {call} never expired"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_warm_standby_routes_within_two_seconds_of_the_leaders_death_and_fires_overdue_timers() {
    let app = spawn_app_with(|s| s.presence.timeout_s = 0).await;
    // Only the relay: the routers read the stream, and the read models would take the
    // test's two cores from them.
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let _relay = app.spawn_relay(RelayOptions::new(app.bus()), shutdown);
    let admin = app.login(Role::Admin).await;
    let requester = app.login(Role::Requester).await;
    let agents = [
        app.login(Role::Agent).await,
        app.login_as("agent2@example.com").await,
    ];
    let veteran = AgentId(agent2_id());
    append_interpreter_shifts(
        &app.pool,
        veteran,
        HISTORY_SHIFTS,
        Utc::now() - chrono::Duration::days(60),
    )
    .await
    .expect("a long history");
    app.post(
        "/api/queues",
        &admin,
        json!({"name": "Portuguese", "languages": ["pt"], "ring_timeout_s": RING_S, "max_wait_s": 600}),
    )
    .await
    .expect(202);
    for agent in &agents {
        app.put(
            &format!("/api/agents/{}/skills", agent.id),
            &admin,
            json!({"languages": [{"code": "pt", "proficiency": 4}], "specialties": ["general"], "modalities": ["audio", "video"]}),
        )
        .await
        .expect(202);
        app.set_status(agent, "available").await;
    }
    let stored = app.wait_for_relay().await;
    assert!(stored > 20_000, "a long stream: {stored} messages");

    let mut leader = router_process(&app);
    let warm_up = Instant::now() + Duration::from_secs(60);
    while projections::leader::reported_progress(&app.pool, "router")
        .await
        .expect("progress")
        .is_none_or(|read| read < stored)
    {
        assert!(Instant::now() < warm_up, "the first router never caught up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _standby = router_process(&app);
    // The standby folds the same history meanwhile, from the checkpoint or the stream.
    tokio::time::sleep(Duration::from_secs(6)).await;

    // The leader offers a call, and dies while it rings.
    let ringing = request_portuguese(&app, &requester).await;
    let (_, expires_at) = first_offer(&app, ringing).await;
    leader.start_kill().expect("SIGKILL the leader");
    let killed_at = Utc::now();
    leader.wait().await.expect("the leader is gone");

    // The standby offers the next call to the other interpreter, and lets the ringing
    // offer run out on time.
    let next = request_portuguese(&app, &requester).await;
    let (offered_at, _) = first_offer(&app, next).await;
    let takeover = offered_at - killed_at;
    let expired_at = offer_expired_at(&app, ringing).await;
    let late = expired_at - expires_at;
    eprintln!(
        "takeover: first offer {} ms after SIGKILL; ring timeout fired {} ms late",
        takeover.num_milliseconds(),
        late.num_milliseconds()
    );
    assert!(
        takeover < chrono::Duration::seconds(2),
        "first offer {takeover} after the leader's death"
    );
    assert!(
        late <= chrono::Duration::seconds(1),
        "the ring timeout fired {late} late"
    );
}
