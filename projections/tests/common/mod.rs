//! A real PostgreSQL database per test, the read models' schemas in it, and a feeder that
//! applies domain events to every projection the way the worker does: one transaction per
//! event with `SET LOCAL search_path TO read_<name>, public`, stream sequences 1, 2, 3, …
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cqrs_es::DomainEvent;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

use domain::call::CallRequest;
use domain::ids::{AgentId, CallId, QueueId, UserId};
use domain::queue::{QueueConfig, QueueSettings};
use domain::values::{LanguageCode, LanguageSkill, Modality, Priority, Proficiency, Skills};
use domain::{AgentEvent, CallEvent, QueueEvent};
use projections::bus::{BusEvent, ViewChanged};
use projections::projection::{Projection, RawEvent, schema_name};
use projections::read_models;

/// Monday 2 March 2026, 10:00:00 UTC: the start of a bucket.
pub fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

/// `seconds` after [`base`].
pub fn t(seconds: i64) -> DateTime<Utc> {
    base() + Duration::seconds(seconds)
}

/// `h:m:s` on the day of [`base`].
pub fn hms(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h, m, s).unwrap()
}

pub fn call_n(n: u128) -> CallId {
    CallId(Uuid::from_u128(0xCA11_0000 + n))
}
pub fn agent_n(n: u128) -> AgentId {
    AgentId(Uuid::from_u128(0xA6E7_0000 + n))
}
pub fn queue_n(n: u128) -> QueueId {
    QueueId(Uuid::from_u128(0x0E0E_0000 + n))
}
pub fn requester_n(n: u128) -> UserId {
    UserId(Uuid::from_u128(0x05E2_0000 + n))
}

pub fn lang(code: &str) -> LanguageCode {
    LanguageCode::parse(code).unwrap()
}

/// `language` ⇐ English, video, no specialty, normal priority.
pub fn request(language: &str) -> CallRequest {
    CallRequest {
        requirements: Default::default(),
        language: lang(language),
        source_language: lang("en"),
        modality: Modality::Video,
        specialty: None,
        priority: Priority::Normal,
    }
}

/// Spanish at proficiency 4, video.
pub fn skills() -> Skills {
    Skills::new(
        vec![LanguageSkill {
            code: lang("es"),
            proficiency: Proficiency::parse(4).unwrap(),
        }],
        vec![],
        vec![Modality::Video],
    )
    .unwrap()
}

pub fn queue_config(
    name: &str,
    languages: &[&str],
    service_level_s: i64,
    overflow: Option<QueueId>,
) -> QueueConfig {
    QueueConfig::new(QueueSettings {
        source_language: None,
        widening: vec![],
        name: name.to_owned(),
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        specialty: None,
        modality: None,
        strategy: None,
        min_proficiency: None,
        ring_timeout_s: None,
        max_wait_s: None,
        overflow_queue_id: overflow,
        wrap_up_s: None,
        service_level_s: Some(service_level_s),
        precedence: None,
    })
    .unwrap()
}

fn admin_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must name a PostgreSQL server where tests may create databases; run scripts/test.sh",
    )
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

/// A database of its own, dropped when the test ends (passed or failed).
pub struct TestDb {
    admin_url: String,
    pub name: String,
    pub pool: PgPool,
}

impl TestDb {
    pub async fn new() -> Self {
        let admin_url = admin_url();
        let name = format!("proj_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("connect to the test server");
        admin
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .expect("create the test database");
        admin.close().await.ok();
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect(&with_database(&admin_url, &name))
            .await
            .expect("connect to the test database");
        Self {
            admin_url,
            name,
            pool,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; a thread with its own runtime may block. The
        // pool is not closed first (its connections belong to the blocked runtime): the
        // forced drop ends them server-side.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await?;
                admin
                    .execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str())
                    .await?;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// A notice and the projection that returned it.
#[derive(Debug, Clone)]
pub struct Notice {
    pub projection: &'static str,
    pub change: ViewChanged,
}

/// Every read model in a fresh database, fed event by event.
pub struct Harness {
    pub db: TestDb,
    projections: Vec<Arc<dyn Projection>>,
    seq: i64,
    versions: HashMap<(String, Uuid), i64>,
    /// Notices returned so far, in order.
    pub notices: Vec<Notice>,
    /// Every event fed so far with its stream sequence, in order.
    pub fed: Vec<(i64, BusEvent)>,
    /// Metadata of the next events.
    pub metadata: Value,
}

impl Harness {
    pub async fn new() -> Self {
        let db = TestDb::new().await;
        let projections = read_models::all();
        let mut conn = db.pool.acquire().await.unwrap();
        for projection in &projections {
            let schema = schema_name(projection.as_ref());
            let mut tx = conn.begin().await.unwrap();
            tx.execute(format!("CREATE SCHEMA {schema}").as_str())
                .await
                .unwrap();
            tx.execute(format!("SET LOCAL search_path TO {schema}, public").as_str())
                .await
                .unwrap();
            tx.execute(projection.schema_sql())
                .await
                .unwrap_or_else(|e| panic!("schema of {schema}: {e}"));
            if !projection.index_sql().trim().is_empty() {
                tx.execute(projection.index_sql())
                    .await
                    .unwrap_or_else(|e| panic!("indexes of {schema}: {e}"));
            }
            tx.commit().await.unwrap();
        }
        drop(conn);
        Self {
            db,
            projections,
            seq: 0,
            versions: HashMap::new(),
            notices: Vec::new(),
            fed: Vec::new(),
            metadata: json!({
                "actor_id": "7270fbbb-4d84-5ba3-b21e-ab054a39f884",
                "actor_role": "agent",
                "actor_name": "Ana Agent",
                "request_id": "95160c9a-529c-4754-bb3d-b565319e3c60",
                "correlation_id": "95160c9a-529c-4754-bb3d-b565319e3c60",
            }),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.db.pool
    }

    /// The stream sequence of the last event fed.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    /// Applies one event to every projection; returns its stream sequence.
    pub async fn feed<E: DomainEvent + Serialize>(
        &mut self,
        aggregate_type: &str,
        id: Uuid,
        event: &E,
    ) -> i64 {
        self.seq += 1;
        let sequence = self
            .versions
            .entry((aggregate_type.to_owned(), id))
            .or_default();
        *sequence += 1;
        let bus_event = BusEvent {
            aggregate_type: aggregate_type.to_owned(),
            aggregate_id: id.to_string(),
            sequence: *sequence,
            event_type: event.event_type(),
            event_version: event.event_version(),
            recorded_at: Utc::now(),
            payload: serde_json::to_value(event).unwrap(),
            metadata: self.metadata.clone(),
        };
        self.fed.push((self.seq, bus_event.clone()));
        let mut conn = self.db.pool.acquire().await.unwrap();
        for projection in &self.projections {
            let mut tx = begin_in(&mut conn, &schema_name(projection.as_ref())).await;
            let changes = projection
                .apply(&mut tx, &bus_event, self.seq)
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "{} applying {}: {e}",
                        projection.name(),
                        bus_event.event_type
                    )
                });
            tx.commit().await.unwrap();
            self.notices
                .extend(changes.into_iter().map(|change| Notice {
                    projection: projection.name(),
                    change,
                }));
        }
        self.seq
    }

    pub async fn call(&mut self, call: CallId, event: CallEvent) -> i64 {
        self.feed("Call", call.as_uuid(), &event).await
    }

    pub async fn agent(&mut self, agent: AgentId, event: AgentEvent) -> i64 {
        self.feed("Agent", agent.as_uuid(), &event).await
    }

    pub async fn queue(&mut self, queue: QueueId, event: QueueEvent) -> i64 {
        self.feed("Queue", queue.as_uuid(), &event).await
    }

    /// Applies every event fed so far again, through `apply_many` in batches of `batch`
    /// events (one transaction each, as the worker does), into a fresh copy of each read
    /// model's schema (`batch_<name>`), and checks that every table and every notice equals
    /// what applying the events one by one gave.
    pub async fn assert_apply_many_matches(&self, batch: usize) {
        let mut conn = self.db.pool.acquire().await.unwrap();
        for projection in &self.projections {
            let live = schema_name(projection.as_ref());
            let copy = format!("batch_{}", projection.name());
            fresh_schema(&mut conn, &copy, projection.as_ref()).await;
            let mut notices = Vec::new();
            for events in self.fed.chunks(batch.max(1)) {
                let mut tx = begin_in(&mut conn, &copy).await;
                let changes = projection
                    .apply_many(&mut tx, events)
                    .await
                    .unwrap_or_else(|e| panic!("{} apply_many: {e}", projection.name()));
                tx.commit().await.unwrap();
                notices.extend(changes);
            }
            let expected: Vec<Value> = self
                .notices
                .iter()
                .filter(|n| n.projection == projection.name())
                .map(|n| serde_json::to_value(&n.change).unwrap())
                .collect();
            let got: Vec<Value> = notices
                .iter()
                .map(|n| serde_json::to_value(n).unwrap())
                .collect();
            assert_eq!(
                got,
                expected,
                "{}: notices of apply_many in batches of {batch}",
                projection.name()
            );
            assert_same_tables(
                &mut conn,
                &live,
                &copy,
                &format!("apply_many in batches of {batch}"),
            )
            .await;

            // A rebuild's way: `rebuild_many` on the undecoded messages, into tables
            // without their secondary indexes, created at the end.
            let rebuilt = format!("rebuild_{}", projection.name());
            fresh_schema(&mut conn, &rebuilt, projection.as_ref()).await;
            for events in self.fed.chunks(batch.max(1)) {
                let messages: Vec<RawEvent> = events
                    .iter()
                    .map(|(seq, event)| RawEvent {
                        seq: *seq,
                        body: serde_json::to_vec(event).unwrap().into(),
                    })
                    .collect();
                let mut tx = begin_in(&mut conn, &rebuilt).await;
                projection
                    .rebuild_many(&mut tx, &messages)
                    .await
                    .unwrap_or_else(|e| panic!("{} rebuild_many: {e}", projection.name()));
                tx.commit().await.unwrap();
            }
            if !projection.index_sql().trim().is_empty() {
                let mut tx = begin_in(&mut conn, &rebuilt).await;
                tx.execute(projection.index_sql()).await.unwrap();
                tx.commit().await.unwrap();
            }
            assert_same_tables(
                &mut conn,
                &live,
                &rebuilt,
                &format!("rebuild_many in batches of {batch}"),
            )
            .await;
        }
    }

    /// [`Self::assert_apply_many_matches`] one event at a time, in batches of 3 (a call's
    /// events split across batches) and all in one batch.
    pub async fn assert_every_batching_matches(&self) {
        for batch in [1, 3, self.fed.len()] {
            self.assert_apply_many_matches(batch).await;
        }
    }

    /// Notices returned by the event at stream sequence `seq`.
    pub fn notices_of(&self, seq: i64) -> Vec<Notice> {
        self.notices
            .iter()
            .filter(|n| i64::try_from(n.change.seq).unwrap() == seq)
            .cloned()
            .collect()
    }

    /// The one row `sql` (with `id` as `$1`) selects.
    pub async fn row<T>(&self, sql: &str, id: Uuid) -> T
    where
        T: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        sqlx::query_as::<_, T>(sql)
            .bind(id)
            .fetch_one(self.pool())
            .await
            .unwrap_or_else(|e| panic!("{sql} with {id}: {e}"))
    }

    pub async fn call_row(&self, call: CallId) -> read_models::calls::CallRow {
        self.row(
            "SELECT * FROM read_calls.calls WHERE call_id = $1",
            call.as_uuid(),
        )
        .await
    }

    /// The interpreters who may see the call (`read_calls.call_agents`) and whether each
    /// answered it, by id.
    pub async fn call_watchers(&self, call: CallId) -> Vec<(Uuid, bool)> {
        sqlx::query_as(
            "SELECT agent_id, answered FROM read_calls.call_agents WHERE call_id = $1 ORDER BY agent_id",
        )
        .bind(call.as_uuid())
        .fetch_all(self.pool())
        .await
        .unwrap_or_else(|e| panic!("call_agents of {call:?}: {e}"))
    }

    pub async fn agent_row(&self, agent: AgentId) -> read_models::agents::AgentRow {
        self.row(
            "SELECT * FROM read_agents.agents WHERE agent_id = $1",
            agent.as_uuid(),
        )
        .await
    }

    pub async fn queue_row(&self, queue: QueueId) -> read_models::queues::QueueRow {
        self.row(
            "SELECT * FROM read_queues.queues WHERE queue_id = $1",
            queue.as_uuid(),
        )
        .await
    }

    pub async fn history(&self, call: CallId) -> Vec<read_models::history::HistoryRow> {
        sqlx::query_as("SELECT * FROM read_history.events WHERE call_id = $1 ORDER BY seq")
            .bind(call.as_uuid())
            .fetch_all(self.pool())
            .await
            .unwrap()
    }

    /// The bucket starting at `start`, or zeros when no event touched it.
    pub async fn bucket(
        &self,
        dimension: &str,
        key: &str,
        start: DateTime<Utc>,
    ) -> read_models::metrics::BucketRow {
        sqlx::query_as(
            "SELECT * FROM read_metrics.buckets WHERE dimension = $1 AND key = $2 AND bucket_start = $3",
        )
        .bind(dimension)
        .bind(key)
        .bind(start)
        .fetch_optional(self.pool())
        .await
        .unwrap()
        .unwrap_or_default()
    }

    pub async fn buckets(&self, dimension: &str) -> Vec<read_models::metrics::BucketRow> {
        sqlx::query_as(
            "SELECT * FROM read_metrics.buckets WHERE dimension = $1 ORDER BY bucket_start, key",
        )
        .bind(dimension)
        .fetch_all(self.pool())
        .await
        .unwrap()
    }

    // ---- Scenes, in the order the `Floor` workflows write them. ----

    pub async fn create_queue(
        &mut self,
        queue: QueueId,
        config: QueueConfig,
        at: DateTime<Utc>,
    ) -> i64 {
        self.queue(
            queue,
            QueueEvent::QueueCreated {
                queue_id: queue,
                config,
                at,
            },
        )
        .await
    }

    /// Skills, then available.
    pub async fn agent_ready(&mut self, agent: AgentId, at: DateTime<Utc>) -> i64 {
        self.agent(
            agent,
            AgentEvent::AgentSkillsSet {
                agent_id: agent,
                skills: skills(),
                at,
            },
        )
        .await;
        self.status(
            agent,
            domain::values::AgentStatus::Offline,
            domain::values::AgentStatus::Available,
            at,
        )
        .await
    }

    pub async fn status(
        &mut self,
        agent: AgentId,
        from: domain::values::AgentStatus,
        to: domain::values::AgentStatus,
        at: DateTime<Utc>,
    ) -> i64 {
        self.agent(
            agent,
            AgentEvent::AgentStatusChanged {
                agent_id: agent,
                from,
                to,
                at,
            },
        )
        .await
    }

    /// Requested and queued.
    pub async fn request(
        &mut self,
        call: CallId,
        requester: UserId,
        language: &str,
        queue: QueueId,
        at: DateTime<Utc>,
    ) -> i64 {
        let request = request(language);
        let priority = request.priority;
        self.call(
            call,
            CallEvent::CallRequested {
                organisation_id: None,
                call_id: call,
                requester_id: requester,
                request,
                at,
            },
        )
        .await;
        self.call(
            call,
            CallEvent::CallQueued {
                queue_id: queue,
                priority,
                at,
            },
        )
        .await
    }

    /// The call side of an offer only.
    pub async fn offer_call(
        &mut self,
        call: CallId,
        agent: AgentId,
        queue: QueueId,
        at: DateTime<Utc>,
    ) -> i64 {
        self.call(
            call,
            CallEvent::CallOffered {
                agent_id: agent,
                queue_id: queue,
                expires_at: at + Duration::seconds(20),
                at,
            },
        )
        .await
    }

    /// Reserved on the agent, then offered on the call.
    pub async fn offer(
        &mut self,
        call: CallId,
        agent: AgentId,
        queue: QueueId,
        at: DateTime<Utc>,
    ) -> i64 {
        self.agent(
            agent,
            AgentEvent::AgentOfferReceived {
                call_id: call,
                expires_at: at + Duration::seconds(20),
                at,
            },
        )
        .await;
        self.offer_call(call, agent, queue, at).await
    }

    /// The call side of an answer only.
    pub async fn accept_call(
        &mut self,
        call: CallId,
        agent: AgentId,
        queue: QueueId,
        wait_seconds: i64,
        at: DateTime<Utc>,
    ) -> i64 {
        self.call(
            call,
            CallEvent::CallAccepted {
                agent_id: agent,
                queue_id: queue,
                wait_seconds,
                at,
            },
        )
        .await
    }

    /// Accepted on the call, then started on the agent.
    pub async fn accept(
        &mut self,
        call: CallId,
        agent: AgentId,
        queue: QueueId,
        wait_seconds: i64,
        at: DateTime<Utc>,
    ) -> i64 {
        self.accept_call(call, agent, queue, wait_seconds, at).await;
        self.agent(agent, AgentEvent::AgentCallStarted { call_id: call, at })
            .await
    }

    /// Ended on the call, then ended and wrap-up started on the agent.
    pub async fn end(
        &mut self,
        call: CallId,
        agent: AgentId,
        talk_seconds: i64,
        hold_seconds: i64,
        at: DateTime<Utc>,
    ) -> i64 {
        self.call(
            call,
            CallEvent::CallEnded {
                agent_id: agent,
                talk_seconds,
                hold_seconds,
                at,
            },
        )
        .await;
        self.agent_call_ended(call, agent, domain::agent::CallEndReason::Completed, at)
            .await
    }

    pub async fn agent_call_ended(
        &mut self,
        call: CallId,
        agent: AgentId,
        reason: domain::agent::CallEndReason,
        at: DateTime<Utc>,
    ) -> i64 {
        self.agent(
            agent,
            AgentEvent::AgentCallEnded {
                call_id: call,
                reason,
                at,
            },
        )
        .await;
        self.agent(agent, AgentEvent::AgentWrapUpStarted { call_id: call, at })
            .await
    }

    pub async fn wrap_up_ended(
        &mut self,
        call: CallId,
        agent: AgentId,
        wrap_up_seconds: i64,
        at: DateTime<Utc>,
    ) -> i64 {
        self.agent(
            agent,
            AgentEvent::AgentWrapUpEnded {
                call_id: call,
                disposition: None,
                wrap_up_seconds,
                at,
            },
        )
        .await
    }
}

/// A transaction on `conn` whose unqualified names resolve in `schema` first, as in a
/// worker's.
async fn begin_in<'c>(
    conn: &'c mut PgConnection,
    schema: &str,
) -> sqlx::Transaction<'c, sqlx::Postgres> {
    let mut tx = conn.begin().await.unwrap();
    tx.execute(format!("SET LOCAL search_path TO {schema}, public").as_str())
        .await
        .unwrap();
    tx
}

/// `schema`, dropped if it exists and made again with the projection's tables (without
/// its secondary indexes).
async fn fresh_schema(conn: &mut PgConnection, schema: &str, projection: &dyn Projection) {
    conn.execute(
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}").as_str(),
    )
    .await
    .unwrap();
    let mut tx = begin_in(conn, schema).await;
    tx.execute(projection.schema_sql()).await.unwrap();
    tx.commit().await.unwrap();
}

/// Every table of schema `want` has the same rows in schema `have`, filled by `how`.
async fn assert_same_tables(conn: &mut PgConnection, want: &str, have: &str, how: &str) {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
    )
    .bind(want)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for table in tables {
        let dump = |schema: &str| {
            format!(
                "SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]') FROM {schema}.{table} t"
            )
        };
        let wanted: Value = sqlx::query_scalar(&dump(want))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let got: Value = sqlx::query_scalar(&dump(have))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(
            got, wanted,
            "{have}.{table} after {how} differs from {want}.{table}"
        );
    }
}
