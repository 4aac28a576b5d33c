//! "Keep my place, call me back" over a real stack (PostgreSQL, NATS, relay, workers,
//! router, webhook delivery): a callback call keeps its place, the interpreter's accept
//! opens the join window and sends a signed webhook, the requester joins; a window nobody
//! joins ends the call as abandoned and frees the interpreter.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use command_api::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Pipeline, Session, TestApp, spawn_app_with};

const SECRET: &str = "test-webhook-secret";

type Received = Arc<Mutex<Vec<(Option<String>, Bytes)>>>;

/// A webhook receiver on a free loopback port that fails its first request (503), so the
/// delivery is retried; returns its URL and every request it received.
async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let store = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let store = store.clone();
            async move {
                let signature = headers
                    .get("parley-signature")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let mut store = store.lock().unwrap();
                store.push((signature, body));
                if store.len() == 1 {
                    axum::http::StatusCode::SERVICE_UNAVAILABLE
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://127.0.0.1:{port}/hook"), received)
}

struct Floor {
    app: TestApp,
    _pipeline: Pipeline,
    _webhooks: tokio::sync::watch::Sender<bool>,
    requester: Session,
    agent: Session,
}

/// The app with its pipeline, router and webhook delivery, a French queue (wrap-up 1 s)
/// and agent1 speaking French, not yet available.
async fn floor(join_window_s: u32) -> Floor {
    let app = spawn_app_with(|settings| {
        settings.callbacks.join_window_s = join_window_s;
        settings.callbacks.webhook_secret = SECRET.to_owned().into();
        settings.callbacks.public_url = "https://parley.example".to_owned();
        settings.callbacks.webhook_hosts = vec!["127.0.0.1".to_owned()];
    })
    .await;
    let mut pipeline = app.start_pipeline();
    let router = app.spawn_router(&pipeline);
    pipeline.routers.push(router);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(command_api::webhooks::run(
        app.pool.clone(),
        app.state.settings.callbacks.clone(),
        shutdown,
    ));
    let admin = app.login(Role::Admin).await;
    app.post(
        "/api/queues",
        &admin,
        json!({"name": "French · general", "languages": ["fr"], "ring_timeout_s": 20,
               "max_wait_s": 120, "wrap_up_s": 1}),
    )
    .await
    .expect(202);
    let agent = app.login(Role::Agent).await;
    app.put(
        &format!("/api/agents/{}/skills", agent.id),
        &admin,
        json!({"languages": [{"code": "fr", "proficiency": 5}], "specialties": ["general"], "modalities": ["audio"]}),
    )
    .await
    .expect(202);
    let requester = app.login(Role::Requester).await;
    Floor {
        app,
        _pipeline: pipeline,
        _webhooks: stop,
        requester,
        agent,
    }
}

impl Floor {
    async fn request(&self) -> Uuid {
        self.app
            .post(
                "/api/calls",
                &self.requester,
                json!({"language": "fr", "modality": "audio"}),
            )
            .await
            .expect(202)
            .id()
    }

    async fn callback(&self, call: Uuid, body: Value) -> crate::helpers::Answer {
        self.app
            .post(
                &format!("/api/calls/{call}/callback"),
                &self.requester,
                body,
            )
            .await
    }

    async fn detail(&self, call: Uuid) -> Value {
        self.app.wait_for_projections().await;
        self.app
            .get(&format!("/api/calls/{call}"), &self.requester)
            .await
            .expect(200)
            .body
    }

    /// Waits until `field` of the call's stored state equals `value`.
    async fn until(&self, call: Uuid, field: &str, value: Value, within: Duration) {
        self.app.until_call_field(call, field, value, within).await;
    }

    /// Waits until the call rings for the interpreter.
    async fn until_offered(&self, call: Uuid, within: Duration) {
        self.until(call, "offered_to", json!(self.agent.id), within)
            .await;
    }

    async fn answer(&self, call: Uuid) {
        self.app.set_status(&self.agent, "available").await;
        self.until_offered(call, Duration::from_secs(5)).await;
        self.app.accept(call, &self.agent).await.expect(202);
    }
}

#[tokio::test]
async fn a_callback_call_keeps_its_place_sends_a_signed_webhook_and_its_requester_joins() {
    let floor = floor(120).await;
    let (url, received) = receiver().await;
    let first = floor.request().await;
    let second = floor.request().await;
    let chosen = floor.callback(first, json!({"webhook_url": url})).await;
    chosen.expect(200);
    let detail = floor.detail(first).await;
    assert_eq!(detail["callback"], json!(true), "{detail}");
    assert_eq!(detail["position"], json!(1), "keeps its place: {detail}");
    assert_eq!(floor.detail(second).await["position"], json!(2));

    floor.answer(first).await;
    let types = floor.app.event_types(first).await;
    assert!(
        types.ends_with(&["CallAccepted".to_owned(), "CallbackOffered".to_owned()]),
        "{types:?}"
    );
    // The first delivery is refused (503); the retry, 2 s later, is taken.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let (signature, body) = loop {
        if let Some(hook) = received.lock().unwrap().get(1).cloned() {
            break hook;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no webhook was retried: {} received",
            received.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let signature = signature.expect("a Parley-Signature header");
    assert!(command_api::webhooks::verify(SECRET, &signature, &body));
    assert!(!command_api::webhooks::verify("wrong", &signature, &body));
    let hook: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(hook["type"], "callback_ready");
    assert_eq!(hook["call_id"], json!(first));
    assert_eq!(
        hook["join_url"],
        json!(format!("https://parley.example/api/calls/{first}/join"))
    );
    let detail = floor.detail(first).await;
    assert_eq!(detail["status"], "connected");
    assert!(detail["join_by"].is_string(), "{detail}");
    assert_eq!(hook["join_by"], detail["join_by"]);

    floor
        .app
        .send(
            Method::POST,
            &format!("/api/calls/{first}/join"),
            Some(&floor.requester.token),
            None,
        )
        .await
        .expect(202);
    let detail = floor.detail(first).await;
    assert!(detail["joined_at"].is_string(), "{detail}");
    assert_eq!(detail["status"], "connected");
    assert_eq!(detail["outcome"], "answered");
    // Joined: a second join is refused and the router ends nothing.
    let again = floor
        .app
        .send(
            Method::POST,
            &format!("/api/calls/{first}/join"),
            Some(&floor.requester.token),
            None,
        )
        .await
        .expect(409);
    assert_eq!(again.error_code(), "callback_already_joined");
    // Delivered: not sent again.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(received.lock().unwrap().len(), 2);
    let (attempts, delivered): (i32, bool) = sqlx::query_as(
        "SELECT attempts, delivered_at IS NOT NULL FROM callback_webhooks WHERE call_id = $1",
    )
    .bind(first)
    .fetch_one(&floor.app.pool)
    .await
    .unwrap();
    assert_eq!((attempts, delivered), (2, true));
}

#[tokio::test]
async fn a_callback_nobody_joins_ends_as_abandoned_after_the_window_and_frees_the_interpreter() {
    let floor = floor(1).await;
    // No URL in the request: the organisation's is told.
    let (url, received) = receiver().await;
    let admin = floor.app.login(Role::Admin).await;
    let clinic = command_api::seed::demo_organisation_id("riverside").as_uuid();
    floor
        .app
        .put(
            &format!("/api/organisations/{clinic}/webhook"),
            &admin,
            json!({"webhook_url": url}),
        )
        .await
        .expect(200);
    let call = floor.request().await;
    floor.callback(call, json!({})).await.expect(200);
    floor.answer(call).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while received.lock().unwrap().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the organisation's webhook was not told"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    floor
        .until(call, "status", json!("ended"), Duration::from_secs(8))
        .await;
    let types = floor.app.event_types(call).await;
    assert!(
        types.ends_with(&["CallbackMissed".to_owned(), "CallEnded".to_owned()]),
        "{types:?}"
    );
    let agent_types = floor.app.event_types(floor.agent.id).await;
    assert!(
        agent_types.contains(&"AgentCallEnded".to_owned()),
        "{agent_types:?}"
    );
    // Wrap-up (1 s) ends and the interpreter takes the next call.
    let next = floor.request().await;
    floor.until_offered(next, Duration::from_secs(8)).await;
    let detail = floor.detail(call).await;
    assert_eq!(detail["outcome"], "abandoned", "{detail}");
    let late = floor
        .app
        .send(
            Method::POST,
            &format!("/api/calls/{call}/join"),
            Some(&floor.requester.token),
            None,
        )
        .await
        .expect(409);
    assert_eq!(late.error_code(), "call_not_in_progress", "{}", late.body);
    let (answered, abandoned): (i64, i64) = sqlx::query_as(
        "SELECT coalesce(sum(answered), 0)::int8, coalesce(sum(abandoned), 0)::int8 \
         FROM read_metrics.buckets WHERE dimension = 'language' AND key = 'fr'",
    )
    .fetch_one(&floor.app.pool)
    .await
    .unwrap();
    // The missed callback counts as abandoned; the next call still rings.
    assert_eq!((answered, abandoned), (0, 1));
}

#[tokio::test]
async fn a_callback_is_refused_when_not_waiting_for_someone_else_and_with_a_bad_url() {
    let floor = floor(120).await;
    let call = floor.request().await;
    let bad = floor
        .callback(call, json!({"webhook_url": "ftp://clinic.example/x"}))
        .await
        .expect(422);
    assert_eq!(bad.error_code(), "invalid_value");
    // Only the hosts of callbacks.webhook_hosts: no URL makes Parley call elsewhere.
    let elsewhere = floor
        .callback(call, json!({"webhook_url": "http://10.0.0.5/internal"}))
        .await
        .expect(422);
    assert_eq!(elsewhere.error_code(), "webhook_host_not_allowed");
    let court = floor.app.login_as("court@example.com").await;
    let other = floor
        .app
        .post(&format!("/api/calls/{call}/callback"), &court, json!({}))
        .await
        .expect(409);
    assert_eq!(other.error_code(), "not_your_request");
    let agent = floor
        .app
        .post(
            &format!("/api/calls/{call}/callback"),
            &floor.agent,
            json!({}),
        )
        .await
        .expect(403);
    assert_eq!(agent.error_code(), "forbidden");
    let early = floor
        .app
        .send(
            Method::POST,
            &format!("/api/calls/{call}/join"),
            Some(&floor.requester.token),
            None,
        )
        .await
        .expect(409);
    assert_eq!(early.error_code(), "callback_not_ready");
    floor.callback(call, json!({})).await.expect(200);
    let twice = floor.callback(call, json!({})).await.expect(409);
    assert_eq!(twice.error_code(), "callback_already_chosen");
    floor.answer(call).await;
    let answered = floor.request().await;
    floor
        .app
        .post(
            &format!("/api/calls/{answered}/cancel"),
            &floor.requester,
            json!({}),
        )
        .await
        .expect(202);
    let over = floor.callback(answered, json!({})).await.expect(409);
    assert_eq!(over.error_code(), "call_not_waiting");
    let missing = floor.callback(Uuid::now_v7(), json!({})).await.expect(404);
    assert_eq!(missing.error_code(), "call_not_found");
}
