//! `read_metrics`: contact-center counters in 15-minute buckets, per queue, language and
//! agent (docs/api.md, "GET /api/metrics"). Hours and days are sums of buckets at query time.
//!
//! Attribution, so that the counts of a bucket add up:
//! - **language** (`key` = target language code): a call counts once, in the bucket of its
//!   request. `offered` at the request; then exactly one of `answered`, `abandoned`,
//!   `no_interpreter` at its first resolution (a call answered, transferred back to a
//!   queue and abandoned there stays `answered`). Per bucket:
//!   `offered = answered + abandoned + no_interpreter + still waiting`.
//!   Its wait is counted from the request.
//! - **queue** (`key` = queue id): every entry into a queue (request, overflow, transfer to
//!   a queue) is `offered` to that queue in the bucket of the entry, and resolved once,
//!   in that same bucket, as `answered`, `abandoned`, `no_interpreter`, `overflowed` (the
//!   queue it overflowed from) or `transferred_out` (a supervisor moved the waiting call
//!   to another queue). Per bucket:
//!   `offered = answered + abandoned + no_interpreter + overflowed + transferred_out +
//!   still waiting`. Its wait is counted from the entry into that queue.
//! - **agent** (`key` = agent id): every offer ringing for the agent is `offered` in the
//!   bucket of the offer, and resolved in that bucket as `answered`, `declined`,
//!   `expired`, `withdrawn` or `abandoned` (the requester hung up while it rang).
//!   `answer_wait_s` is the ring time; `answered_in_sl` counts answers whose queue wait was
//!   within the queue's service level.
//! - `answered_in_sl`: answered with a wait at most the answering queue's
//!   `service_level_s` (30 s unless the queue says otherwise).
//! - `short_abandoned`: abandoned with a wait at most [`SHORT_ABANDON_S`]; also counted in
//!   `abandoned`. Service level = answered_in_sl / (offered - short_abandoned).
//! - `handled`, `talk_s`, `hold_s`: each connection of a call (from an answer to its end,
//!   or to a transfer by its agent) counts once, in the bucket of that answer, for the
//!   answering queue, the call's language and the agent. `wrap_up_s` is the agent's time
//!   in wrap-up after that connection (`AgentWrapUpEnded`), in the same bucket.
//!   AHT = (talk_s + hold_s + wrap_up_s) / handled.
//! - `logged_in_s`, `busy_s` (agent only): time with status available or away, or busy
//!   with a call whatever the status; busy = ringing, on a call or in wrap-up. Each
//!   interval between two consecutive status/activity events of the agent is split over
//!   the buckets it spans **when the later event arrives**: the interval still open now
//!   (an agent available at this moment) is not counted yet. Occupancy = busy_s /
//!   logged_in_s.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use domain::call::TransferTarget;
use domain::queue::QueueConfig;
use domain::values::AgentStatus;
use domain::{AgentEvent, CallEvent, QueueEvent};

use super::agents::{IDLE, ON_CALL, RINGING, WRAP_UP};
use super::support::{self, AGENT, CALL, QUEUE, bucket_start, seconds_between, ts};
use crate::bus::BusEvent;
use crate::projection::{Changes, Projection, ProjectionError};

#[path = "metrics_callback.rs"]
mod callback;
#[path = "metrics_contributions.rs"]
mod contributions;

/// An abandon within this many seconds of waiting is a short abandon.
pub const SHORT_ABANDON_S: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dimension {
    Queue,
    Language,
    Agent,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queue => "queue",
            Self::Language => "language",
            Self::Agent => "agent",
        }
    }
}

/// A column of `buckets` that events add to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Counter {
    Offered,
    Answered,
    AnsweredInSl,
    Abandoned,
    ShortAbandoned,
    Overflowed,
    NoInterpreter,
    TransferredOut,
    Declined,
    Expired,
    Withdrawn,
    AnswerWaitS,
    TalkS,
    HoldS,
    WrapUpS,
    Handled,
    BusyS,
    LoggedInS,
}

impl Counter {
    fn column(self) -> &'static str {
        match self {
            Self::Offered => "offered",
            Self::Answered => "answered",
            Self::AnsweredInSl => "answered_in_sl",
            Self::Abandoned => "abandoned",
            Self::ShortAbandoned => "short_abandoned",
            Self::Overflowed => "overflowed",
            Self::NoInterpreter => "no_interpreter",
            Self::TransferredOut => "transferred_out",
            Self::Declined => "declined",
            Self::Expired => "expired",
            Self::Withdrawn => "withdrawn",
            Self::AnswerWaitS => "answer_wait_s",
            Self::TalkS => "talk_s",
            Self::HoldS => "hold_s",
            Self::WrapUpS => "wrap_up_s",
            Self::Handled => "handled",
            Self::BusyS => "busy_s",
            Self::LoggedInS => "logged_in_s",
        }
    }
}

/// One row of `read_metrics.buckets`: the counters of one 15-minute bucket of one queue,
/// language or agent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BucketRow {
    pub bucket_start: DateTime<Utc>,
    /// queue | language | agent.
    pub dimension: String,
    /// The queue id, language code or agent id.
    pub key: String,
    pub offered: i32,
    pub answered: i32,
    pub answered_in_sl: i32,
    pub abandoned: i32,
    pub short_abandoned: i32,
    pub overflowed: i32,
    pub no_interpreter: i32,
    pub transferred_out: i32,
    pub declined: i32,
    pub expired: i32,
    pub withdrawn: i32,
    pub answer_wait_s: i64,
    pub talk_s: i64,
    pub hold_s: i64,
    pub wrap_up_s: i64,
    pub handled: i32,
    pub busy_s: i64,
    pub logged_in_s: i64,
    pub seq: i64,
}

type BucketKey = (DateTime<Utc>, Dimension, String);

/// What one event adds to the buckets, written in one statement per bucket row.
#[derive(Debug, Default)]
struct Deltas(BTreeMap<BucketKey, BTreeMap<Counter, i64>>);

impl Deltas {
    /// Adds `amount` to `counter` of the bucket holding `at`.
    fn add(
        &mut self,
        at: DateTime<Utc>,
        dimension: Dimension,
        key: &str,
        counter: Counter,
        amount: i64,
    ) {
        *self
            .0
            .entry((bucket_start(at), dimension, key.to_owned()))
            .or_default()
            .entry(counter)
            .or_default() += amount;
    }

    fn count(&mut self, at: DateTime<Utc>, dimension: Dimension, key: &str, counter: Counter) {
        self.add(at, dimension, key, counter, 1);
    }
}

/// The deltas of consecutive events summed per bucket row, each row with the `seq` of the
/// last event that touched it: what writing each event's deltas in turn would leave.
#[derive(Debug, Default)]
struct BatchDeltas(BTreeMap<BucketKey, (BTreeMap<Counter, i64>, i64)>);

impl BatchDeltas {
    fn merge(&mut self, deltas: Deltas, seq: i64) {
        for (bucket, counters) in deltas.0 {
            let (sums, last_seq) = self.0.entry(bucket).or_default();
            *last_seq = seq;
            for (counter, amount) in counters {
                *sums.entry(counter).or_default() += amount;
            }
        }
    }

    /// One statement per bucket row, and one for the all-time totals.
    async fn write(self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        let mut totals: BTreeMap<(&'static str, &'static str), i64> = BTreeMap::new();
        for ((_, dimension, _), (counters, _)) in &self.0 {
            for (counter, amount) in counters {
                *totals
                    .entry((dimension.as_str(), counter.column()))
                    .or_default() += amount;
            }
        }
        if !totals.is_empty() {
            let (keys, amounts): (Vec<_>, Vec<i64>) = totals.into_iter().unzip();
            let (dimensions, counters): (Vec<&str>, Vec<&str>) = keys.into_iter().unzip();
            sqlx::query(
                "INSERT INTO totals (dimension, counter, total) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[]) \
                 ON CONFLICT (dimension, counter) DO UPDATE SET total = totals.total + EXCLUDED.total",
            )
            .bind(&dimensions)
            .bind(&counters)
            .bind(&amounts)
            .execute(&mut *tx)
            .await?;
        }
        for ((bucket, dimension, key), (counters, seq)) in self.0 {
            let columns: Vec<&str> = counters.keys().map(|c| c.column()).collect();
            let placeholders: Vec<String> =
                (5..5 + columns.len()).map(|i| format!("${i}")).collect();
            let updates: Vec<String> = columns
                .iter()
                .map(|c| format!("{c} = buckets.{c} + EXCLUDED.{c}"))
                .collect();
            let sql = format!(
                "INSERT INTO buckets (bucket_start, dimension, key, seq, {}) VALUES ($1, $2, $3, $4, {}) \
                 ON CONFLICT (bucket_start, dimension, key) DO UPDATE SET seq = EXCLUDED.seq, {}",
                columns.join(", "),
                placeholders.join(", "),
                updates.join(", ")
            );
            let mut query = sqlx::query(&sql)
                .bind(bucket)
                .bind(dimension.as_str())
                .bind(key)
                .bind(seq);
            for amount in counters.values() {
                query = query.bind(*amount);
            }
            query.execute(&mut *tx).await?;
        }
        Ok(())
    }
}

/// The call facts and interpreter states a batch of events reads and changes: loaded for
/// the whole batch in one statement each, kept here while its events are applied in order,
/// and each changed row stored once at the end.
#[derive(Debug, Default)]
struct Facts {
    calls: HashMap<Uuid, CallFacts>,
    agents: HashMap<Uuid, AgentState>,
    changed_calls: BTreeSet<Uuid>,
    changed_agents: BTreeSet<Uuid>,
}

impl Facts {
    async fn load(
        tx: &mut PgConnection,
        events: &[(i64, &BusEvent)],
    ) -> Result<Self, ProjectionError> {
        let (mut call_ids, mut agent_ids) = (BTreeSet::new(), BTreeSet::new());
        for (_, event) in events {
            match event.aggregate_type.as_str() {
                CALL => call_ids.insert(support::aggregate_uuid(event)?),
                AGENT => agent_ids.insert(support::aggregate_uuid(event)?),
                _ => false,
            };
        }
        let call_ids: Vec<Uuid> = call_ids.into_iter().collect();
        let agent_ids: Vec<Uuid> = agent_ids.into_iter().collect();
        let calls = support::load_many::<CallFacts>(tx, "call_facts", "call_id", &call_ids)
            .await?
            .into_iter()
            .map(|facts| (facts.call_id, facts))
            .collect();
        let agents = support::load_many::<AgentState>(tx, "agent_state", "agent_id", &agent_ids)
            .await?
            .into_iter()
            .map(|state| (state.agent_id, state))
            .collect();
        Ok(Self {
            calls,
            agents,
            ..Self::default()
        })
    }

    fn call(&self, call_id: Uuid) -> Option<CallFacts> {
        self.calls.get(&call_id).cloned()
    }

    fn set_call(&mut self, facts: CallFacts) {
        self.changed_calls.insert(facts.call_id);
        self.calls.insert(facts.call_id, facts);
    }

    fn agent(&self, agent_id: Uuid) -> Option<AgentState> {
        self.agents.get(&agent_id).cloned()
    }

    fn set_agent(&mut self, state: AgentState) {
        self.changed_agents.insert(state.agent_id);
        self.agents.insert(state.agent_id, state);
    }

    async fn store(self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        let calls = self
            .changed_calls
            .iter()
            .filter_map(|id| self.calls.get(id));
        support::store_many(tx, "call_facts", &["call_id"], calls).await?;
        let agents = self
            .changed_agents
            .iter()
            .filter_map(|id| self.agents.get(id));
        support::store_many(tx, "agent_state", &["agent_id"], agents).await
    }
}

/// What the metrics remember of a call between its events (`call_facts`).
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
struct CallFacts {
    call_id: Uuid,
    requested_at: DateTime<Utc>,
    language: String,
    /// Its language outcome (answered, abandoned, no interpreter) was counted.
    language_resolved: bool,
    /// The queue it is in, since `queued_at`.
    queue_id: Option<Uuid>,
    queued_at: Option<DateTime<Utc>>,
    /// The outcome of its current queue entry was counted.
    queue_resolved: bool,
    offered_to: Option<Uuid>,
    offered_at: Option<DateTime<Utc>>,
    /// Its current connection: agent, answer time, answering queue, holds.
    agent_id: Option<Uuid>,
    connected_at: Option<DateTime<Utc>>,
    connected_queue_id: Option<Uuid>,
    hold_started_at: Option<DateTime<Utc>>,
    connection_hold_s: i64,
    seq: i64,
}

impl CallFacts {
    fn clear_offer(&mut self) {
        self.offered_to = None;
        self.offered_at = None;
    }

    fn clear_connection(&mut self) {
        self.agent_id = None;
        self.connected_at = None;
        self.connected_queue_id = None;
        self.hold_started_at = None;
        self.connection_hold_s = 0;
    }

    /// An offer ended without an answer: `counter` for the agent, in the offer's bucket.
    fn offer_closed(
        &mut self,
        deltas: &mut Deltas,
        agent_id: Uuid,
        at: DateTime<Utc>,
        counter: Counter,
    ) {
        let offered_at = self.offered_at.unwrap_or(at);
        deltas.count(offered_at, Dimension::Agent, &agent_id.to_string(), counter);
        self.clear_offer();
    }

    /// A connection ended (call ended, or transferred by its agent).
    fn connection_closed(
        &mut self,
        deltas: &mut Deltas,
        agent_id: Uuid,
        talk: i64,
        hold: i64,
        at: DateTime<Utc>,
    ) {
        let answered_at = self.connected_at.unwrap_or(at);
        let mut keys = vec![
            (Dimension::Language, self.language.clone()),
            (Dimension::Agent, agent_id.to_string()),
        ];
        if let Some(queue_id) = self.connected_queue_id.or(self.queue_id) {
            keys.push((Dimension::Queue, queue_id.to_string()));
        }
        for (dimension, key) in keys {
            deltas.count(answered_at, dimension, &key, Counter::Handled);
            deltas.add(answered_at, dimension, &key, Counter::TalkS, talk);
            deltas.add(answered_at, dimension, &key, Counter::HoldS, hold);
        }
        self.clear_connection();
    }

    /// The current queue entry ended without an answer: `counter` in the entry's bucket.
    /// Returns the seconds it waited in that queue.
    fn queue_entry_closed(
        &mut self,
        deltas: &mut Deltas,
        queue_id: Option<Uuid>,
        at: DateTime<Utc>,
        counter: Counter,
    ) -> Option<i64> {
        let queue_id = queue_id.or(self.queue_id)?;
        if self.queue_resolved {
            return None;
        }
        self.queue_resolved = true;
        let entered = self.queued_at.unwrap_or(at);
        deltas.count(entered, Dimension::Queue, &queue_id.to_string(), counter);
        Some(seconds_between(entered, at))
    }

    /// The call's language outcome, once.
    fn language_closed(&mut self, deltas: &mut Deltas, counter: Counter) -> bool {
        if self.language_resolved {
            return false;
        }
        self.language_resolved = true;
        deltas.count(
            self.requested_at,
            Dimension::Language,
            &self.language,
            counter,
        );
        true
    }
}

/// One agent's connection to a call, for the wrap-up that follows it (`connections`).
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
struct Connection {
    call_id: Uuid,
    agent_id: Uuid,
    answered_at: DateTime<Utc>,
    queue_id: Uuid,
    language: String,
    seq: i64,
}

/// An agent's status and activity since the last interval was counted (`agent_state`).
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
struct AgentState {
    agent_id: Uuid,
    status: String,
    activity: String,
    /// End of the last interval counted: the time of the agent's last event.
    since: Option<DateTime<Utc>>,
    seq: i64,
}

impl AgentState {
    fn is_logged_in(&self) -> bool {
        self.status == AgentStatus::Available.as_str()
            || self.status == AgentStatus::Away.as_str()
            || self.is_busy()
    }

    fn is_busy(&self) -> bool {
        self.activity != IDLE
    }
}

/// The queue settings the metrics need (`queue_sl`).
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
struct QueueSl {
    queue_id: Uuid,
    service_level_s: i32,
    seq: i64,
}

pub struct Metrics;

const SCHEMA: &str = r"
CREATE TABLE buckets (
    bucket_start    timestamptz NOT NULL,
    dimension       text NOT NULL CHECK (dimension IN ('queue', 'language', 'agent')),
    key             text NOT NULL,
    offered         int NOT NULL DEFAULT 0,
    answered        int NOT NULL DEFAULT 0,
    answered_in_sl  int NOT NULL DEFAULT 0,
    abandoned       int NOT NULL DEFAULT 0,
    short_abandoned int NOT NULL DEFAULT 0,
    overflowed      int NOT NULL DEFAULT 0,
    no_interpreter  int NOT NULL DEFAULT 0,
    transferred_out int NOT NULL DEFAULT 0,
    declined        int NOT NULL DEFAULT 0,
    expired         int NOT NULL DEFAULT 0,
    withdrawn       int NOT NULL DEFAULT 0,
    answer_wait_s   bigint NOT NULL DEFAULT 0,
    talk_s          bigint NOT NULL DEFAULT 0,
    hold_s          bigint NOT NULL DEFAULT 0,
    wrap_up_s       bigint NOT NULL DEFAULT 0,
    handled         int NOT NULL DEFAULT 0,
    busy_s          bigint NOT NULL DEFAULT 0,
    logged_in_s     bigint NOT NULL DEFAULT 0,
    seq             bigint NOT NULL,
    PRIMARY KEY (bucket_start, dimension, key)
);
CREATE INDEX buckets_by_key ON buckets (dimension, key, bucket_start);

-- Every counter summed over all time, per dimension: what `/metrics` reports, kept in step
-- with the buckets in the same transaction so that a scrape reads a few rows, not every
-- bucket ever written.
CREATE TABLE totals (
    dimension text NOT NULL,
    counter   text NOT NULL,
    total     bigint NOT NULL,
    PRIMARY KEY (dimension, counter)
);

-- Each event's share of the buckets (`metrics_contributions.rs`): a cell's drill-down to
-- the calls behind it, summing to the cell exactly.
CREATE TABLE contributions (
    bucket_start timestamptz NOT NULL,
    dimension    text NOT NULL,
    key          text NOT NULL,
    counter      text NOT NULL,
    amount       bigint NOT NULL,
    call_id      uuid,
    seq          bigint NOT NULL
);
CREATE INDEX contributions_by_cell ON contributions (dimension, key, bucket_start);
CREATE INDEX contributions_by_start ON contributions (bucket_start);

-- Private lookups, fed by this projection's own events.
CREATE TABLE call_facts (
    call_id            uuid PRIMARY KEY,
    requested_at       timestamptz NOT NULL,
    language           text NOT NULL,
    language_resolved  boolean NOT NULL,
    queue_id           uuid,
    queued_at          timestamptz,
    queue_resolved     boolean NOT NULL,
    offered_to         uuid,
    offered_at         timestamptz,
    agent_id           uuid,
    connected_at       timestamptz,
    connected_queue_id uuid,
    hold_started_at    timestamptz,
    connection_hold_s  bigint NOT NULL,
    seq                bigint NOT NULL
);
-- For retention (`retention.rs`): the facts of calls older than the read models keep.
CREATE INDEX call_facts_requested_at ON call_facts (requested_at);
CREATE TABLE connections (
    call_id     uuid NOT NULL,
    agent_id    uuid NOT NULL,
    answered_at timestamptz NOT NULL,
    queue_id    uuid NOT NULL,
    language    text NOT NULL,
    seq         bigint NOT NULL,
    PRIMARY KEY (call_id, agent_id)
);
CREATE TABLE agent_state (
    agent_id uuid PRIMARY KEY,
    status   text NOT NULL,
    activity text NOT NULL,
    since    timestamptz,
    seq      bigint NOT NULL
);
CREATE TABLE queue_sl (
    queue_id        uuid PRIMARY KEY,
    service_level_s int NOT NULL,
    seq             bigint NOT NULL
);
";

impl Projection for Metrics {
    fn name(&self) -> &'static str {
        "metrics"
    }

    fn schema_sql(&self) -> &'static str {
        SCHEMA
    }

    /// A schema from before the drill-down gets its table; the past it did not record
    /// needs `parley projections rebuild metrics` (docs/runbook.md).
    fn upgrade_sql(&self) -> &'static str {
        "CREATE TABLE IF NOT EXISTS contributions (bucket_start timestamptz NOT NULL, \
         dimension text NOT NULL, key text NOT NULL, counter text NOT NULL, amount bigint NOT NULL, \
         call_id uuid, seq bigint NOT NULL); \
         CREATE INDEX IF NOT EXISTS contributions_by_cell ON contributions (dimension, key, bucket_start); \
         CREATE INDEX IF NOT EXISTS contributions_by_start ON contributions (bucket_start);"
    }

    fn apply<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        event: &'a BusEvent,
        seq: i64,
    ) -> BoxFuture<'a, Result<Changes, ProjectionError>> {
        Box::pin(async move { apply(tx, &[(seq, event)]).await })
    }

    fn apply_many<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        events: &'a [(i64, BusEvent)],
    ) -> BoxFuture<'a, Result<Changes, ProjectionError>> {
        Box::pin(async move {
            let events: Vec<(i64, &BusEvent)> =
                events.iter().map(|(seq, event)| (*seq, event)).collect();
            apply(tx, &events).await
        })
    }
}

/// Applies consecutive events in order: the call facts and interpreter states they touch
/// are read once and written once, and the bucket rows once each with the summed deltas
/// (one event alone is a batch of one). Notices: none, nobody is pushed metrics.
async fn apply(
    tx: &mut PgConnection,
    events: &[(i64, &BusEvent)],
) -> Result<Changes, ProjectionError> {
    let mut facts = Facts::load(tx, events).await?;
    let mut buckets = BatchDeltas::default();
    let mut shares = contributions::Contributions::default();
    for &(seq, event) in events {
        let mut deltas = Deltas::default();
        match event.aggregate_type.as_str() {
            CALL => call_event(tx, event, seq, &mut deltas, &mut facts).await?,
            AGENT => agent_event(tx, event, seq, &mut deltas, &mut facts).await?,
            QUEUE => queue_event(tx, event, seq).await?,
            _ => {}
        }
        shares.record(&deltas, event, seq);
        buckets.merge(deltas, seq);
    }
    buckets.write(tx).await?;
    shares.write(tx).await?;
    facts.store(tx).await?;
    Ok(vec![])
}

async fn queue_event(
    tx: &mut PgConnection,
    event: &BusEvent,
    seq: i64,
) -> Result<(), ProjectionError> {
    let queue_id = support::aggregate_uuid(event)?;
    if let QueueEvent::QueueCreated { config, .. } | QueueEvent::QueueUpdated { config, .. } =
        support::decode::<QueueEvent>(event)?
    {
        let row = QueueSl {
            queue_id,
            service_level_s: support::int(config.service_level_s.into()),
            seq,
        };
        support::store(tx, "queue_sl", &["queue_id"], &row).await?;
    }
    Ok(())
}

async fn service_level_s(tx: &mut PgConnection, queue_id: Uuid) -> Result<i64, ProjectionError> {
    Ok(
        support::load::<QueueSl>(tx, "queue_sl", "queue_id", queue_id)
            .await?
            .map_or(i64::from(QueueConfig::DEFAULT_SERVICE_LEVEL_S), |q| {
                i64::from(q.service_level_s)
            }),
    )
}

async fn call_event(
    tx: &mut PgConnection,
    event: &BusEvent,
    seq: i64,
    deltas: &mut Deltas,
    facts: &mut Facts,
) -> Result<(), ProjectionError> {
    use CallEvent as E;
    let call_id = support::aggregate_uuid(event)?;
    let call_event = support::decode::<CallEvent>(event)?;
    if let E::CallRequested { request, at, .. } = &call_event {
        let new = CallFacts {
            call_id,
            requested_at: ts(*at),
            language: request.language.as_str().to_owned(),
            language_resolved: false,
            queue_id: None,
            queued_at: None,
            queue_resolved: false,
            offered_to: None,
            offered_at: None,
            agent_id: None,
            connected_at: None,
            connected_queue_id: None,
            hold_started_at: None,
            connection_hold_s: 0,
            seq,
        };
        deltas.count(*at, Dimension::Language, &new.language, Counter::Offered);
        facts.set_call(new);
        return Ok(());
    }
    let Some(mut f) = facts.call(call_id) else {
        tracing::warn!(%call_id, seq, event_type = %event.event_type, "call event for an unknown call; skipped");
        return Ok(());
    };
    match call_event {
        // A transfer request changes nothing measured until its handover (`CallTransferred`
        // then `CallAccepted`).
        E::CallRequested { .. }
        | E::CallWrappedUp { .. }
        | E::CallRated { .. }
        | E::CallPoolWidened { .. }
        | E::CallbackChosen { .. }
        | E::CallbackOffered { .. }
        | E::RequesterJoined { .. }
        | E::TransferRequested { .. }
        | E::ConsultRequested { .. }
        | E::ConsultCancelled { .. }
        | E::TransferFailed { .. }
        | E::MonitoringStarted { .. }
        | E::SupervisorBargedIn { .. }
        | E::MonitoringStopped { .. }
        | E::MediaQualityChanged { .. }
        | E::GuestInvited { .. }
        | E::GuestJoined { .. }
        | E::GuestLeft { .. }
        | E::GuestRemoved { .. } => {}
        E::CallQueued { queue_id, at, .. } => {
            f.queue_id = Some(queue_id.as_uuid());
            f.queued_at = Some(ts(at));
            f.queue_resolved = false;
            f.clear_offer();
            deltas.count(
                at,
                Dimension::Queue,
                &queue_id.to_string(),
                Counter::Offered,
            );
        }
        // Counted when the consult completes (`CallAccepted`), as a handover.
        E::ConsultAnswered { .. } => f.clear_offer(),
        E::CallOffered { agent_id, at, .. } => {
            f.offered_to = Some(agent_id.as_uuid());
            f.offered_at = Some(ts(at));
            deltas.count(
                at,
                Dimension::Agent,
                &agent_id.to_string(),
                Counter::Offered,
            );
        }
        E::OfferDeclined { agent_id, at } => {
            f.offer_closed(deltas, agent_id.as_uuid(), at, Counter::Declined)
        }
        E::OfferExpired { agent_id, at } => {
            f.offer_closed(deltas, agent_id.as_uuid(), at, Counter::Expired)
        }
        E::OfferWithdrawn { agent_id, at, .. } => {
            f.offer_closed(deltas, agent_id.as_uuid(), at, Counter::Withdrawn)
        }
        E::CallAccepted {
            agent_id,
            queue_id,
            wait_seconds,
            at,
        } => {
            let sl = service_level_s(tx, queue_id.as_uuid()).await?;
            let queue_key = queue_id.to_string();
            let agent_key = agent_id.to_string();
            let entered = f.queued_at.unwrap_or(f.requested_at);
            let queue_wait = seconds_between(entered, at);

            let offered_at = f.offered_at.unwrap_or(at);
            deltas.count(offered_at, Dimension::Agent, &agent_key, Counter::Answered);
            deltas.add(
                offered_at,
                Dimension::Agent,
                &agent_key,
                Counter::AnswerWaitS,
                seconds_between(offered_at, at),
            );
            if queue_wait <= sl {
                deltas.count(
                    offered_at,
                    Dimension::Agent,
                    &agent_key,
                    Counter::AnsweredInSl,
                );
            }
            if !f.queue_resolved {
                f.queue_resolved = true;
                deltas.count(entered, Dimension::Queue, &queue_key, Counter::Answered);
                deltas.add(
                    entered,
                    Dimension::Queue,
                    &queue_key,
                    Counter::AnswerWaitS,
                    queue_wait,
                );
                if queue_wait <= sl {
                    deltas.count(entered, Dimension::Queue, &queue_key, Counter::AnsweredInSl);
                }
            }
            if f.language_closed(deltas, Counter::Answered) {
                let language = f.language.clone();
                deltas.add(
                    f.requested_at,
                    Dimension::Language,
                    &language,
                    Counter::AnswerWaitS,
                    wait_seconds,
                );
                if wait_seconds <= sl {
                    deltas.count(
                        f.requested_at,
                        Dimension::Language,
                        &language,
                        Counter::AnsweredInSl,
                    );
                }
            }
            f.clear_offer();
            f.clear_connection();
            f.agent_id = Some(agent_id.as_uuid());
            f.connected_at = Some(ts(at));
            f.connected_queue_id = Some(queue_id.as_uuid());
            let connection = Connection {
                call_id,
                agent_id: agent_id.as_uuid(),
                answered_at: ts(at),
                queue_id: queue_id.as_uuid(),
                language: f.language.clone(),
                seq,
            };
            support::store(tx, "connections", &["call_id", "agent_id"], &connection).await?;
        }
        E::CallbackMissed { .. } => callback::callback_missed(tx, &f, deltas).await?,
        E::CallHeld { at, .. } => f.hold_started_at = Some(ts(at)),
        E::CallResumed { hold_seconds, .. } => {
            f.hold_started_at = None;
            f.connection_hold_s += hold_seconds;
        }
        E::CallTransferred {
            from_agent_id,
            target,
            at,
        } => match (from_agent_id, f.connected_at) {
            (Some(agent_id), Some(connected_at)) => {
                let hold = f.connection_hold_s
                    + f.hold_started_at
                        .map_or(0, |held| seconds_between(held, at));
                let talk = (seconds_between(connected_at, at) - hold).max(0);
                f.connection_closed(deltas, agent_id.as_uuid(), talk, hold, at);
            }
            (None, _) if matches!(target, TransferTarget::Queue(_)) => {
                f.queue_entry_closed(deltas, None, at, Counter::TransferredOut);
            }
            _ => {}
        },
        E::CallEnded {
            agent_id,
            talk_seconds,
            hold_seconds,
            at,
        } => f.connection_closed(deltas, agent_id.as_uuid(), talk_seconds, hold_seconds, at),
        // As a handover: the interpreter's part is handled; the `CallQueued` that follows
        // enters the queue again, counted as a new entry as an overflow's is.
        E::CallRequeued {
            agent_id,
            talk_seconds,
            hold_seconds,
            at,
            ..
        } => f.connection_closed(deltas, agent_id.as_uuid(), talk_seconds, hold_seconds, at),
        E::CallAbandoned {
            offered_agent_id,
            wait_seconds,
            at,
        } => {
            if f.language_closed(deltas, Counter::Abandoned) && wait_seconds <= SHORT_ABANDON_S {
                deltas.count(
                    f.requested_at,
                    Dimension::Language,
                    &f.language,
                    Counter::ShortAbandoned,
                );
            }
            let entered = f.queued_at.unwrap_or(at);
            if let (Some(queue_id), Some(queue_wait)) = (
                f.queue_id,
                f.queue_entry_closed(deltas, None, at, Counter::Abandoned),
            ) && queue_wait <= SHORT_ABANDON_S
            {
                deltas.count(
                    entered,
                    Dimension::Queue,
                    &queue_id.to_string(),
                    Counter::ShortAbandoned,
                );
            }
            if let Some(agent_id) = offered_agent_id.map(|a| a.as_uuid()).or(f.offered_to) {
                f.offer_closed(deltas, agent_id, at, Counter::Abandoned);
            }
            f.clear_offer();
        }
        E::CallOverflowed {
            from_queue_id, at, ..
        } => {
            f.queue_entry_closed(
                deltas,
                Some(from_queue_id.as_uuid()),
                at,
                Counter::Overflowed,
            );
        }
        E::NoInterpreterAvailable { queue_id, at, .. } => {
            f.language_closed(deltas, Counter::NoInterpreter);
            if let Some(queue_id) = queue_id {
                f.queue_entry_closed(deltas, Some(queue_id.as_uuid()), at, Counter::NoInterpreter);
            }
            f.clear_offer();
        }
    }
    f.seq = seq;
    facts.set_call(f);
    Ok(())
}

async fn agent_event(
    tx: &mut PgConnection,
    event: &BusEvent,
    seq: i64,
    deltas: &mut Deltas,
    facts: &mut Facts,
) -> Result<(), ProjectionError> {
    use AgentEvent as E;
    let agent_id = support::aggregate_uuid(event)?;
    let agent_event = support::decode::<AgentEvent>(event)?;
    let (status, activity) = match &agent_event {
        E::AgentSkillsSet { .. } | E::AgentProfileSet { .. } => return Ok(()),
        E::AgentStatusChanged { to, .. } => (Some(to.as_str()), None),
        E::AgentOfferReceived { .. } => (None, Some(RINGING)),
        E::AgentCallStarted { .. } => (None, Some(ON_CALL)),
        E::AgentWrapUpStarted { .. } => (None, Some(WRAP_UP)),
        E::AgentOfferCleared { .. } | E::AgentCallEnded { .. } | E::AgentWrapUpEnded { .. } => {
            (None, Some(IDLE))
        }
        E::AgentPresenceLost { on_call: None, .. } => (Some(AgentStatus::Away.as_str()), None),
        // A flag on a call goes on: nothing the metrics count changes.
        E::AgentPresenceLost { .. } | E::AgentPresenceRestored { .. } => return Ok(()),
    };
    let at = agent_event.at();
    let key = agent_id.to_string();
    let mut state = facts.agent(agent_id).unwrap_or_else(|| AgentState {
        agent_id,
        status: AgentStatus::Offline.as_str().to_owned(),
        activity: IDLE.to_owned(),
        since: None,
        seq,
    });
    // Close the interval since the agent's previous event, in the state it had then.
    if let Some(since) = state.since {
        for (bucket, seconds) in support::split_by_bucket(since, at) {
            if state.is_logged_in() {
                deltas.add(bucket, Dimension::Agent, &key, Counter::LoggedInS, seconds);
            }
            if state.is_busy() {
                deltas.add(bucket, Dimension::Agent, &key, Counter::BusyS, seconds);
            }
        }
    }
    if let Some(status) = status {
        status.clone_into(&mut state.status);
    }
    if let Some(activity) = activity {
        activity.clone_into(&mut state.activity);
    }
    state.since = Some(state.since.map_or(ts(at), |since| since.max(ts(at))));
    state.seq = seq;
    facts.set_agent(state);

    if let E::AgentWrapUpEnded {
        call_id,
        wrap_up_seconds,
        ..
    } = agent_event
    {
        let connection: Option<Connection> =
            sqlx::query_as("SELECT * FROM connections WHERE call_id = $1 AND agent_id = $2")
                .bind(call_id.as_uuid())
                .bind(agent_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(c) = connection {
            for (dimension, key) in [
                (Dimension::Queue, c.queue_id.to_string()),
                (Dimension::Language, c.language.clone()),
                (Dimension::Agent, key.clone()),
            ] {
                deltas.add(
                    c.answered_at,
                    dimension,
                    &key,
                    Counter::WrapUpS,
                    wrap_up_seconds,
                );
            }
        }
    }
    Ok(())
}
