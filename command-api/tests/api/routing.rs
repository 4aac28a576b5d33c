//! The router against real PostgreSQL and NATS, with tight timers: offers, ring timeout,
//! away after missed offers, overflow, no interpreter, wrap-up, priority, restart.

use std::time::Duration;

use command_api::auth::Role;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Pipeline, Session, TestApp, spawn_app_with};

struct Floor {
    app: TestApp,
    pipeline: Pipeline,
    requester: Session,
    agent1: Session,
    agent2: Session,
}

/// An app with a relay, workers and a router, French queues with tight timers, and both
/// demo interpreters speaking French (agent1 better than agent2).
async fn floor(
    ring_timeout_s: u32,
    max_wait_s: u32,
    away_after_missed: u32,
) -> (Floor, Uuid, Uuid) {
    let app =
        spawn_app_with(|settings| settings.commands.away_after_missed_offers = away_after_missed)
            .await;
    let mut pipeline = app.start_pipeline();
    let router = app.spawn_router(&pipeline);
    pipeline.routers.push(router);
    let admin = app.login(Role::Admin).await;
    let general = app
        .post(
            "/api/queues",
            &admin,
            json!({"name": "French · general", "languages": ["fr"], "ring_timeout_s": ring_timeout_s,
                   "max_wait_s": max_wait_s, "wrap_up_s": 1}),
        )
        .await
        .expect(202)
        .id();
    let medical = app
        .post(
            "/api/queues",
            &admin,
            json!({"name": "French · medical", "languages": ["fr"], "specialty": "medical",
                   "ring_timeout_s": ring_timeout_s, "max_wait_s": max_wait_s, "wrap_up_s": 1,
                   "overflow_queue_id": general, "strategy": "best_proficiency"}),
        )
        .await
        .expect(202)
        .id();
    let agent1 = app.login(Role::Agent).await;
    let agent2 = app.login_as("agent2@example.com").await;
    for (agent, level, specialties) in [
        (&agent1, 5, json!(["medical"])),
        (&agent2, 3, json!(["general"])),
    ] {
        app.put(
            &format!("/api/agents/{}/skills", agent.id),
            &admin,
            json!({"languages": [{"code": "fr", "proficiency": level}], "specialties": specialties, "modalities": ["audio", "video"]}),
        )
        .await
        .expect(202);
    }
    let requester = app.login(Role::Requester).await;
    (
        Floor {
            app,
            pipeline,
            requester,
            agent1,
            agent2,
        },
        general,
        medical,
    )
}

impl Floor {
    async fn request(&self, specialty: Option<&str>, priority: &str) -> Uuid {
        let mut body = json!({"language": "fr", "modality": "audio", "priority": priority});
        if let Some(specialty) = specialty {
            body["specialty"] = json!(specialty);
        }
        self.app
            .post("/api/calls", &self.requester, body)
            .await
            .expect(202)
            .id()
    }

    async fn call_field(&self, call: Uuid, field: &str) -> serde_json::Value {
        self.app.call_state(call).await[field].clone()
    }

    /// Waits until `field` of the call equals `value`.
    async fn until(&self, call: Uuid, field: &str, value: serde_json::Value, within: Duration) {
        self.app.until_call_field(call, field, value, within).await;
    }

    /// Waits until the call rings for someone; whom.
    async fn first_offer(&self, call: Uuid, within: Duration) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let offered = self.call_field(call, "offered_to").await;
            if !offered.is_null() {
                return offered;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "call {call} was never offered"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn event_types(&self, id: Uuid) -> Vec<String> {
        self.app
            .events_of(id)
            .await
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }
}

#[tokio::test]
async fn a_call_is_offered_to_the_best_eligible_interpreter_and_answered() {
    let (floor, _, medical) = floor(10, 60, 3).await;
    floor.app.set_status(&floor.agent1, "available").await;
    floor.app.set_status(&floor.agent2, "available").await;
    let call = floor.request(Some("medical"), "normal").await;
    assert_eq!(floor.call_field(call, "queue_id").await, json!(medical));
    // Only agent1 holds the medical specialty.
    floor
        .until(
            call,
            "offered_to",
            json!(floor.agent1.id),
            Duration::from_secs(5),
        )
        .await;
    floor
        .app
        .send(
            Method::POST,
            &format!("/api/calls/{call}/accept"),
            Some(&floor.agent1.token),
            None,
        )
        .await
        .expect(202);
    floor
        .until(call, "status", json!("connected"), Duration::from_secs(2))
        .await;
}

#[tokio::test]
async fn an_unanswered_offer_expires_goes_to_the_next_interpreter_and_the_silent_one_is_set_away() {
    let (floor, _, _) = floor(1, 60, 1).await;
    floor.app.set_status(&floor.agent1, "available").await;
    floor.app.set_status(&floor.agent2, "available").await;
    let call = floor.request(None, "normal").await;
    let first = floor.first_offer(call, Duration::from_secs(5)).await;
    let other = if first == json!(floor.agent1.id) {
        floor.agent2.id
    } else {
        floor.agent1.id
    };
    floor
        .until(call, "offered_to", json!(other), Duration::from_secs(5))
        .await;
    let silent: Uuid = serde_json::from_value(first).expect("an agent id");
    let types = floor.event_types(silent).await;
    assert!(types.contains(&"AgentOfferCleared".to_owned()), "{types:?}");
    assert_eq!(
        types.last().map(String::as_str),
        Some("AgentStatusChanged"),
        "set away after 1 missed offer: {types:?}"
    );
    let call_types = floor.event_types(call).await;
    assert!(
        call_types.contains(&"OfferExpired".to_owned()),
        "{call_types:?}"
    );
}

#[tokio::test]
async fn a_call_nobody_can_take_overflows_then_ends_as_no_interpreter_available() {
    let (floor, general, _) = floor(5, 5, 3).await;
    let call = floor.request(Some("medical"), "normal").await;
    floor
        .until(call, "queue_id", json!(general), Duration::from_secs(9))
        .await;
    floor
        .until(
            call,
            "status",
            json!("no_interpreter_available"),
            Duration::from_secs(9),
        )
        .await;
    let types = floor.event_types(call).await;
    assert_eq!(
        types,
        [
            "CallRequested",
            "CallQueued",
            "CallOverflowed",
            "CallQueued",
            "NoInterpreterAvailable"
        ],
        "never waits forever"
    );
}

#[tokio::test]
async fn wrap_up_time_ends_wrap_up_and_the_interpreter_takes_the_next_call() {
    let (floor, _, _) = floor(10, 60, 3).await;
    floor.app.set_status(&floor.agent2, "available").await;
    let first = floor.request(None, "normal").await;
    floor
        .until(
            first,
            "offered_to",
            json!(floor.agent2.id),
            Duration::from_secs(5),
        )
        .await;
    for action in ["accept", "end"] {
        floor
            .app
            .send(
                Method::POST,
                &format!("/api/calls/{first}/{action}"),
                Some(&floor.agent2.token),
                None,
            )
            .await
            .expect(202);
    }
    let second = floor.request(None, "normal").await;
    // Wrap-up lasts 1 s in this queue; then the router ends it and offers the next call.
    floor
        .until(
            second,
            "offered_to",
            json!(floor.agent2.id),
            Duration::from_secs(5),
        )
        .await;
    let types = floor.event_types(floor.agent2.id).await;
    assert!(types.contains(&"AgentWrapUpEnded".to_owned()), "{types:?}");
}

#[tokio::test]
async fn urgent_calls_are_offered_before_earlier_normal_ones() {
    let (floor, _, _) = floor(10, 60, 3).await;
    let normal = floor.request(None, "normal").await;
    let urgent = floor.request(None, "urgent").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    floor.app.set_status(&floor.agent2, "available").await;
    floor
        .until(
            urgent,
            "offered_to",
            json!(floor.agent2.id),
            Duration::from_secs(5),
        )
        .await;
    assert!(floor.call_field(normal, "offered_to").await.is_null());
}

#[tokio::test]
async fn a_router_killed_while_an_offer_rings_is_restarted_and_still_expires_it_on_time() {
    let (mut floor, _, _) = floor(2, 60, 5).await;
    floor.app.set_status(&floor.agent2, "available").await;
    let call = floor.request(None, "normal").await;
    floor
        .until(
            call,
            "offered_to",
            json!(floor.agent2.id),
            Duration::from_secs(5),
        )
        .await;
    let expires_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(floor.call_field(call, "offer_expires_at").await)
            .expect("an expiry");
    for router in floor.pipeline.routers.drain(..) {
        router.abort();
        let _ = router.await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let router = floor.app.spawn_router(&floor.pipeline);
    floor.pipeline.routers.push(router);
    floor
        .until(
            call,
            "offered_to",
            serde_json::Value::Null,
            Duration::from_secs(6),
        )
        .await;
    let expired_at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "SELECT (payload::jsonb -> 'OfferExpired' ->> 'at')::timestamptz FROM events \
         WHERE aggregate_id = $1 AND event_type = 'OfferExpired'",
    )
    .bind(call.to_string())
    .fetch_one(&floor.app.pool)
    .await
    .expect("the offer expired");
    assert!(expired_at >= expires_at, "not before its time");
    assert!(
        expired_at - expires_at < chrono::Duration::seconds(2),
        "re-armed: expired at {expired_at}, due {expires_at}"
    );
}

#[tokio::test]
async fn a_call_its_interpreter_transfers_back_to_a_queue_is_routed_again() {
    let (floor, general, _) = floor(10, 60, 3).await;
    floor.app.set_status(&floor.agent1, "available").await;
    floor.app.set_status(&floor.agent2, "available").await;
    let call = floor.request(None, "normal").await;
    let first = floor.first_offer(call, Duration::from_secs(5)).await;
    let (first, second) = if first == json!(floor.agent1.id) {
        (&floor.agent1, &floor.agent2)
    } else {
        (&floor.agent2, &floor.agent1)
    };
    floor
        .app
        .send(
            Method::POST,
            &format!("/api/calls/{call}/accept"),
            Some(&first.token),
            None,
        )
        .await
        .expect(202);
    floor
        .app
        .post(
            &format!("/api/calls/{call}/transfer"),
            first,
            json!({"queue_id": general}),
        )
        .await
        .expect(202);
    floor
        .until(call, "offered_to", json!(second.id), Duration::from_secs(5))
        .await;
}
