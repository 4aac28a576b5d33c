//! `spawn_app()`: the real application on a free port, over a fresh database that is
//! dropped when the test ends.

use std::sync::Once;

use command_api::auth::Role;
use command_api::config::Settings;
use command_api::seed::{DEMO_PASSWORD, demo_queue_id, demo_user_id, seed};
use command_api::startup::Application;
use command_api::state::AppState;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use uuid::Uuid;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: PgPool,
    pub state: AppState,
    admin_url: String,
    db_name: String,
}

/// What an answer looked like: status and JSON body (`Value::Null` when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    /// The `error.code` of an error answer, checking the error shape on the way.
    pub fn error_code(&self) -> &str {
        let error = &self.body["error"];
        assert!(
            error["code"].is_string() && error["message"].is_string(),
            "not the error shape: {} {}",
            self.status,
            self.body
        );
        error["code"].as_str().unwrap_or_default()
    }

    pub fn id(&self) -> Uuid {
        self.body["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("no id in {}", self.body))
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {}",
            self.body
        );
        self
    }
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            command_api::telemetry::init(false);
        }
    });
}

fn admin_database_url() -> String {
    std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must name a PostgreSQL server where tests may create databases; run scripts/test.sh")
}

/// `url` with its database name replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(q) => format!("{server}/{db}?{q}"),
        None => format!("{server}/{db}"),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A new, empty database on the test server; its name.
pub async fn create_database() -> String {
    init_logs();
    let db_name = format!("parley_test_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_database_url())
        .await
        .expect("connect to the test server");
    admin
        .execute(format!(r#"CREATE DATABASE "{db_name}""#).as_str())
        .await
        .expect("create the test database");
    db_name
}

pub fn database_url(db_name: &str) -> String {
    with_database(&admin_database_url(), db_name)
}

/// Starts the application with settings changed by `customize`, on a new database.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(create_database().await, customize).await
}

/// Starts the application on database `db_name` (dropped when the test ends).
pub async fn spawn_app_on(db_name: String, customize: impl FnOnce(&mut Settings)) -> TestApp {
    let admin_url = admin_database_url();
    let mut settings = Settings::local_defaults().expect("default settings");
    settings.database.url = with_database(&admin_url, &db_name).into();
    settings.database.max_connections = 10;
    settings.nats.url =
        std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    settings.http.port = 0;
    settings.bus = projections::bus::BusNames::unique();
    customize(&mut settings);

    let app = Application::build(settings.clone())
        .await
        .expect("build the application");
    let port = app.port();
    let state = app.state().clone();
    seed(&state.pool, settings).await.expect("seed demo data");
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        pool: state.pool.clone(),
        state,
        admin_url,
        db_name,
    }
}

/// A second API instance on `app`'s database and bus (same settings, another port); its
/// base address. Not seeded: it shares the first instance's data.
pub async fn second_instance(app: &TestApp) -> String {
    let mut settings = app.state.settings.as_ref().clone();
    settings.http.port = 0;
    let instance = Application::build(settings)
        .await
        .expect("build the second instance");
    let port = instance.port();
    tokio::spawn(instance.run_until_stopped());
    format!("http://127.0.0.1:{port}")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if std::env::var_os("PARLEY_TEST_KEEP_DB").is_some() {
            eprintln!("kept test database {}", self.db_name);
            return;
        }
        let admin_url = self.admin_url.clone();
        let db_name = self.db_name.clone();
        let nats_url = self.state.settings.nats.url.clone();
        let stream = self.state.settings.bus.stream.clone();
        // Drop runs inside the test's runtime; a thread with its own runtime may block.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                // The test's stream goes too (best effort: NATS may be down in this test).
                if let Ok(Ok(nats)) = tokio::time::timeout(
                    std::time::Duration::from_secs(2),
                    async_nats::connect(&nats_url),
                )
                .await
                {
                    let _ = async_nats::jetstream::new(nats)
                        .delete_stream(&stream)
                        .await;
                }
                let mut admin = PgConnection::connect(&admin_url).await?;
                admin
                    .execute(
                        format!(r#"DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)"#).as_str(),
                    )
                    .await?;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.db_name);
        }
    }
}

/// A signed-in user of a test.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub id: Uuid,
    pub role: Role,
}

pub fn demo_email(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin@example.com",
        Role::Supervisor => "supervisor@example.com",
        Role::Agent => "agent1@example.com",
        Role::Analyst => "analyst@example.com",
        Role::Requester => "requester@example.com",
    }
}

pub fn agent2_id() -> Uuid {
    demo_user_id("agent2@example.com")
}

pub fn spanish_general_queue() -> Uuid {
    demo_queue_id("es-general").as_uuid()
}

impl TestApp {
    pub fn database_url(&self) -> String {
        database_url(&self.db_name)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("send the request");
        let status = response.status();
        let text = response.text().await.expect("read the body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, body }
    }

    /// Sends raw bytes with the given content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(token)
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.expect("send the request");
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        Answer { status, body }
    }

    pub async fn post(&self, path: &str, session: &Session, body: Value) -> Answer {
        self.send(Method::POST, path, Some(&session.token), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, session: &Session, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(&session.token), Some(body))
            .await
    }

    pub async fn get(&self, path: &str, session: &Session) -> Answer {
        self.send(Method::GET, path, Some(&session.token), None)
            .await
    }

    pub async fn login_as(&self, email: &str) -> Session {
        self.login_as_with(email, DEMO_PASSWORD).await
    }

    pub async fn login_as_with(&self, email: &str, password: &str) -> Session {
        let answer = self
            .send(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await
            .expect(200);
        Session {
            token: answer.body["access_token"]
                .as_str()
                .expect("a token")
                .to_owned(),
            id: answer.body["user"]["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .expect("a user id"),
            role: serde_json::from_value(answer.body["user"]["role"].clone()).expect("a role"),
        }
    }

    /// A token for the demo user of `role`, signed directly (no login, so no rate limit).
    pub fn token_for(&self, role: Role) -> String {
        let email = demo_email(role);
        let now = chrono::Utc::now().timestamp();
        self.state
            .keys
            .sign(&command_api::auth::Claims {
                org: Default::default(),
                sub: demo_user_id(email),
                email: email.to_owned(),
                name: email.to_owned(),
                role,
                iat: now,
                nbf: now,
                exp: now + 3600,
                iss: command_api::auth::ISSUER.to_owned(),
                aud: command_api::auth::AUDIENCE.to_owned(),
                jti: Uuid::new_v4(),
            })
            .expect("sign a token")
    }

    /// The call as the event store has it now (`GET /api/calls/{id}/state`, as a supervisor).
    pub async fn call_state(&self, call: Uuid) -> Value {
        let token = self.token_for(Role::Supervisor);
        self.send(
            Method::GET,
            &format!("/api/calls/{call}/state"),
            Some(&token),
            None,
        )
        .await
        .expect(200)
        .body
    }

    /// Waits until `field` of the call's stored state (`call_state`) equals `value`.
    pub async fn until_call_field(
        &self,
        call: Uuid,
        field: &str,
        value: Value,
        within: std::time::Duration,
    ) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let current = self.call_state(call).await[field].clone();
            if current == value {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "call {call}: {field} is {current}, wanted {value}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn login(&self, role: Role) -> Session {
        self.login_as(demo_email(role)).await
    }

    /// A Spanish medical video call, requested by `requester`; returns its id.
    pub async fn request_call(&self, requester: &Session) -> Uuid {
        self.post(
            "/api/calls",
            requester,
            json!({"language": "es", "modality": "video", "specialty": "medical"}),
        )
        .await
        .expect(202)
        .id()
    }

    pub async fn set_status(&self, agent: &Session, status: &str) {
        self.put("/api/agents/me/status", agent, json!({"status": status}))
            .await
            .expect(202);
    }

    /// A call requested, offered by the supervisor to `agent` and accepted.
    pub async fn connected_call(
        &self,
        requester: &Session,
        supervisor: &Session,
        agent: &Session,
    ) -> Uuid {
        self.set_status(agent, "available").await;
        let call = self.request_call(requester).await;
        self.post(
            &format!("/api/calls/{call}/offer"),
            supervisor,
            json!({"agent_id": agent.id}),
        )
        .await
        .expect(202);
        self.send(
            Method::POST,
            &format!("/api/calls/{call}/accept"),
            Some(&agent.token),
            None,
        )
        .await
        .expect(202);
        call
    }

    /// The event types of one aggregate, in order.
    pub async fn event_types(&self, aggregate_id: Uuid) -> Vec<String> {
        self.events_of(aggregate_id)
            .await
            .into_iter()
            .map(|(event_type, _)| event_type)
            .collect()
    }

    /// `POST /api/calls/{call}/accept` as `agent`.
    pub async fn accept(&self, call: Uuid, agent: &Session) -> Answer {
        self.send(
            Method::POST,
            &format!("/api/calls/{call}/accept"),
            Some(&agent.token),
            None,
        )
        .await
    }

    /// `(event_type, sequence)` of one aggregate, in order.
    pub async fn events_of(&self, aggregate_id: Uuid) -> Vec<(String, i64)> {
        sqlx::query_as(
            "SELECT event_type, sequence FROM events WHERE aggregate_id = $1 ORDER BY sequence",
        )
        .bind(aggregate_id.to_string())
        .fetch_all(&self.pool)
        .await
        .expect("read events")
    }
}

/// The relay and projection workers of a test, run inside the test process.
pub struct Pipeline {
    shutdown: tokio::sync::watch::Sender<bool>,
    pub relays: Vec<tokio::task::JoinHandle<()>>,
    pub workers: Vec<tokio::task::JoinHandle<()>>,
    pub routers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in self.relays.iter().chain(&self.workers).chain(&self.routers) {
            task.abort();
        }
    }
}

impl TestApp {
    pub fn jetstream(&self) -> async_nats::jetstream::Context {
        async_nats::jetstream::new(self.state.nats.clone())
    }

    pub fn bus(&self) -> projections::bus::BusNames {
        self.state.settings.bus.clone()
    }

    /// A relay that restarts after failures, as `parley relay` does.
    pub fn spawn_relay(
        &self,
        options: projections::relay::RelayOptions,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let (pool, js) = (self.pool.clone(), self.jetstream());
        tokio::spawn(async move {
            while !*shutdown.borrow() {
                if let Err(error) = projections::relay::run(
                    pool.clone(),
                    js.clone(),
                    options.clone(),
                    shutdown.clone(),
                )
                .await
                {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "test relay failed; restarting"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        })
    }

    pub fn spawn_workers(
        &self,
        shutdown: &tokio::sync::watch::Receiver<bool>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        projections::read_models::all()
            .into_iter()
            .map(|projection| {
                let run = projections::worker::run(
                    self.pool.clone(),
                    self.jetstream(),
                    self.state.nats.clone(),
                    self.bus(),
                    projection,
                    shutdown.clone(),
                );
                tokio::spawn(async move {
                    if let Err(error) = run.await {
                        tracing::error!(error = format!("{error:#}"), "test worker stopped");
                    }
                })
            })
            .collect()
    }

    /// A router that restarts after failures, as `parley route` does.
    pub fn spawn_router(&self, pipeline: &Pipeline) -> tokio::task::JoinHandle<()> {
        let (pool, js, bus) = (self.pool.clone(), self.jetstream(), self.bus());
        let settings = self.state.settings.as_ref().clone();
        let shutdown = pipeline.shutdown.subscribe();
        tokio::spawn(async move {
            let floor = command_api::state::pg_floor(&pool, &settings);
            while !*shutdown.borrow() {
                if let Err(error) = projections::router::run(
                    pool.clone(),
                    js.clone(),
                    bus.clone(),
                    &floor,
                    settings.presence.timeout(),
                    shutdown.clone(),
                )
                .await
                {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "test router failed; restarting"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        })
    }

    /// Starts one relay and every projection worker.
    pub fn start_pipeline(&self) -> Pipeline {
        self.start_pipeline_with(&projections::relay::RelayOptions::new(self.bus()), 1)
    }

    pub fn start_pipeline_with(
        &self,
        options: &projections::relay::RelayOptions,
        relays: usize,
    ) -> Pipeline {
        let (shutdown, receiver) = tokio::sync::watch::channel(false);
        Pipeline {
            relays: (0..relays)
                .map(|_| self.spawn_relay(options.clone(), receiver.clone()))
                .collect(),
            workers: self.spawn_workers(&receiver),
            routers: Vec::new(),
            shutdown,
        }
    }

    /// `Nats-Msg-Id`s of every stored event in commit order.
    pub async fn event_ids_in_commit_order(&self) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT aggregate_type || ':' || aggregate_id || ':' || sequence FROM events ORDER BY tx_id, global_position",
        )
        .fetch_all(&self.pool)
        .await
        .expect("read events")
    }

    /// `Nats-Msg-Id`s of every message on the test's stream, in stream order.
    pub async fn stream_ids(&self) -> Vec<String> {
        let js = self.jetstream();
        let Ok(mut stream) = js.get_stream(&self.bus().stream).await else {
            return Vec::new();
        };
        let last = stream
            .info()
            .await
            .map(|i| i.state.last_sequence)
            .unwrap_or(0);
        let mut ids = Vec::new();
        for sequence in 1..=last {
            let message = stream
                .get_raw_message(sequence)
                .await
                .expect("every sequence is present");
            let event: projections::bus::BusEvent =
                serde_json::from_slice(&message.payload).expect("an event");
            ids.push(event.message_id());
        }
        ids
    }

    /// Waits until the stream holds exactly the stored events, in commit order, once each.
    pub async fn assert_stream_matches_events(&self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let events = self.event_ids_in_commit_order().await;
            let stream = self.stream_ids().await;
            if stream == events {
                return;
            }
            if tokio::time::Instant::now() > deadline || stream.len() > events.len() {
                let mut seen = std::collections::HashSet::new();
                let doubles: Vec<_> = stream.iter().filter(|id| !seen.insert(*id)).collect();
                let first_difference = events.iter().zip(&stream).position(|(e, s)| e != s);
                panic!(
                    "stream and events differ: {} events, {} messages, doubles {doubles:?}, first difference at {first_difference:?}\nevents: {events:?}\nstream: {stream:?}",
                    events.len(),
                    stream.len()
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Waits until the relay published every committed event; returns the stream sequence
    /// of the last.
    pub async fn wait_for_relay(&self) -> i64 {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let (cursor, unpublished) = projections::relay::lag(&self.pool)
                .await
                .expect("relay lag");
            if unpublished == 0 {
                return cursor.stream_sequence;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the relay is stuck: {unpublished} unpublished"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Waits until every committed event is published and applied by every read model.
    pub async fn wait_for_projections(&self) -> i64 {
        let js = self.jetstream();
        let all = projections::read_models::all();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            // Caught up means the relay published everything committed, and every read
            // model applied everything published. The relay is asked first: asked second,
            // it could publish an event between the two reads, after the stream's last
            // sequence was taken, and that event would count as applied.
            let (_, unpublished) = projections::relay::lag(&self.pool)
                .await
                .expect("relay lag");
            let statuses = projections::worker::status(&self.pool, &js, &self.bus(), &all)
                .await
                .expect("status");
            if unpublished == 0 && statuses.iter().all(|s| s.lag == 0) {
                return statuses.first().map_or(0, |s| s.stream_last);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the pipeline did not catch up: {unpublished} unpublished, {statuses:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// The middle one of timings (the upper middle of an even count).
pub fn median(mut samples: Vec<std::time::Duration>) -> std::time::Duration {
    samples.sort();
    samples[samples.len() / 2]
}
