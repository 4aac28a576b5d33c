//! An event store that keeps a snapshot of an aggregate beside its events, so that loading
//! one costs a snapshot and at most `every` events, however long its history.
//!
//! An interpreter writes tens of thousands of events a year, and every command on the
//! `Agent` loads it first; without snapshots a command's cost grows with the interpreter's
//! tenure (docs/architecture.md, "What each path costs").
//!
//! Why not cqrs-es's snapshot store over postgres-es 0.5: when a commit crosses the
//! snapshot boundary with more events after it (ending a call stores two), postgres-es
//! records the last event's sequence beside a payload that covers only the boundary, so
//! the events after it are skipped on every later load; and it commits the events before
//! it checks the snapshot's version, answering "conflict" for events it stored. Here:
//! - a load is one statement, so the snapshot and the events after it are read from the
//!   same database snapshot;
//! - a commit is one statement: the events and, when due, the snapshot covering exactly
//!   them, so both are stored or neither is;
//! - a snapshot is only ever replaced by a later one, or by one of the current format.
//!
//! A snapshot is a cache. Deleting rows of `aggregate_snapshots` is always safe: the next
//! load folds the whole stream and the next commit writes a fresh snapshot. A snapshot of
//! another `format_version` (the aggregate's state changed shape or meaning) is ignored the same way.

use std::collections::HashMap;
use std::marker::PhantomData;

use cqrs_es::persist::EventStoreAggregateContext;
use cqrs_es::{Aggregate, AggregateError, DomainEvent, EventEnvelope, EventStore};
use serde_json::Value;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

/// One load: the snapshot row first (`part` 0), when there is one of the current format,
/// then the events after the sequence it covers, in order.
const LOAD: &str = "
WITH snapshot AS (
    SELECT last_sequence, payload FROM aggregate_snapshots
     WHERE aggregate_type = $1 AND aggregate_id = $2 AND format_version = $3)
SELECT 0 AS part, last_sequence AS sequence, payload FROM snapshot
UNION ALL
SELECT 1, sequence, payload FROM events
 WHERE aggregate_type = $1 AND aggregate_id = $2
   AND sequence > COALESCE((SELECT last_sequence FROM snapshot), 0)
ORDER BY part, sequence";

/// Every `Agent` command goes through this store (`state::pg_floor`).
pub struct SnapshotStore<A> {
    pool: PgPool,
    /// The snapshot is renewed once this many events were stored after the one it holds.
    every: usize,
    /// The version of the aggregate's snapshot format; others are ignored.
    format: i32,
    _aggregate: PhantomData<fn() -> A>,
}

impl<A> SnapshotStore<A> {
    pub fn new(pool: PgPool, every: usize, format: i32) -> Self {
        Self {
            pool,
            every: every.max(1),
            format,
            _aggregate: PhantomData,
        }
    }
}

impl<A> EventStore<A> for SnapshotStore<A>
where
    A: Aggregate,
{
    type AC = EventStoreAggregateContext<A>;

    async fn load_events(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        let rows = sqlx::query(
            "SELECT sequence, payload, metadata FROM events \
             WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
        )
        .bind(A::TYPE)
        .bind(aggregate_id)
        .fetch_all(&self.pool)
        .await
        .map_err(database_error)?;
        rows.iter()
            .map(|row| {
                let metadata: Value = row.try_get("metadata").map_err(database_error)?;
                Ok(EventEnvelope {
                    aggregate_id: aggregate_id.to_owned(),
                    sequence: sequence_of(row)?,
                    payload: decode::<A>(row.try_get("payload").map_err(database_error)?)?,
                    metadata: serde_json::from_value(metadata).map_err(json_error)?,
                })
            })
            .collect()
    }

    async fn load_aggregate(
        &self,
        aggregate_id: &str,
    ) -> Result<EventStoreAggregateContext<A>, AggregateError<A::Error>> {
        let rows = sqlx::query(LOAD)
            .bind(A::TYPE)
            .bind(aggregate_id)
            .bind(self.format)
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?;
        let mut context = empty_context::<A>(aggregate_id);
        for row in &rows {
            let part: i32 = row.try_get("part").map_err(database_error)?;
            let sequence = sequence_of(row)?;
            let payload: Value = row.try_get("payload").map_err(database_error)?;
            if part == 0 {
                match serde_json::from_value(payload) {
                    Ok(state) => context.aggregate = state,
                    Err(error) => {
                        // A cache must never make a command fail: fold the whole stream.
                        tracing::warn!(
                            aggregate = A::TYPE,
                            aggregate_id,
                            %error,
                            "unreadable snapshot; folding every event instead"
                        );
                        return self.fold_all(aggregate_id).await;
                    }
                }
                context.current_snapshot = Some(sequence);
            } else {
                context.aggregate.apply(decode::<A>(payload)?);
            }
            context.current_sequence = sequence;
        }
        Ok(context)
    }

    async fn commit(
        &self,
        events: Vec<A::Event>,
        context: EventStoreAggregateContext<A>,
        metadata: HashMap<String, String>,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        let envelopes: Vec<EventEnvelope<A>> = events
            .into_iter()
            .zip(context.current_sequence + 1..)
            .map(|(payload, sequence)| EventEnvelope {
                aggregate_id: context.aggregate_id.clone(),
                sequence,
                payload,
                metadata: metadata.clone(),
            })
            .collect();
        let Some(last) = envelopes.last().map(|e| e.sequence) else {
            return Ok(envelopes);
        };
        let metadata = serde_json::to_value(&metadata).map_err(json_error)?;
        let snapshot_due = last - context.current_snapshot.unwrap_or(0) >= self.every;

        let mut statement = QueryBuilder::<Postgres>::new("");
        if snapshot_due {
            statement.push("WITH stored AS (");
        }
        statement.push(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, \
             event_version, payload, metadata) ",
        );
        let mut rows = Vec::with_capacity(envelopes.len());
        for envelope in &envelopes {
            let payload = serde_json::to_value(&envelope.payload).map_err(json_error)?;
            rows.push((envelope, payload));
        }
        statement.push_values(&rows, |mut row, (envelope, payload)| {
            row.push_bind(A::TYPE)
                .push_bind(&envelope.aggregate_id)
                .push_bind(sequence_value(envelope.sequence))
                .push_bind(envelope.payload.event_type())
                .push_bind(envelope.payload.event_version())
                .push_bind(payload)
                .push_bind(&metadata);
        });
        if snapshot_due {
            // cqrs-es 0.5's `EventSink::write` applies each event to the aggregate as
            // `handle` decides it: the context already holds the state after `events`.
            let state = serde_json::to_value(&context.aggregate).map_err(json_error)?;
            // One statement: the events and their snapshot are stored together or not at
            // all (a data-modifying CTE runs to completion whether read or not).
            statement
                .push(" RETURNING 1) INSERT INTO aggregate_snapshots ")
                .push("(aggregate_type, aggregate_id, last_sequence, format_version, payload) SELECT ")
                .push_bind(A::TYPE)
                .push(", ")
                .push_bind(&context.aggregate_id)
                .push(", ")
                .push_bind(sequence_value(last))
                .push(", ")
                .push_bind(self.format)
                .push(", ")
                .push_bind(state)
                .push(
                    " FROM (SELECT count(*) FROM stored) AS written \
                     ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE \
                     SET last_sequence = EXCLUDED.last_sequence, format_version = EXCLUDED.format_version, \
                         payload = EXCLUDED.payload, taken_at = now() \
                     WHERE aggregate_snapshots.last_sequence < EXCLUDED.last_sequence \
                        OR aggregate_snapshots.format_version <> EXCLUDED.format_version",
                );
        }
        statement
            .build()
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(envelopes)
    }
}

impl<A: Aggregate> SnapshotStore<A> {
    /// The aggregate folded from its first event, ignoring any snapshot.
    async fn fold_all(
        &self,
        aggregate_id: &str,
    ) -> Result<EventStoreAggregateContext<A>, AggregateError<A::Error>> {
        let mut context = empty_context::<A>(aggregate_id);
        for envelope in self.load_events(aggregate_id).await? {
            context.current_sequence = envelope.sequence;
            context.aggregate.apply(envelope.payload);
        }
        Ok(context)
    }
}

/// `current_snapshot` is the sequence the loaded snapshot covers; 0 when none was.
fn empty_context<A: Aggregate>(aggregate_id: &str) -> EventStoreAggregateContext<A> {
    EventStoreAggregateContext {
        aggregate_id: aggregate_id.to_owned(),
        aggregate: A::default(),
        current_sequence: 0,
        current_snapshot: Some(0),
    }
}

fn decode<A: Aggregate>(payload: Value) -> Result<A::Event, AggregateError<A::Error>> {
    serde_json::from_value(payload).map_err(json_error)
}

fn sequence_of<E: std::error::Error>(
    row: &sqlx::postgres::PgRow,
) -> Result<usize, AggregateError<E>> {
    let sequence: i64 = row.try_get("sequence").map_err(database_error)?;
    usize::try_from(sequence).map_err(|e| AggregateError::UnexpectedError(Box::new(e)))
}

/// Sequences are stored as `bigint`; a stream never comes near `i64::MAX` events.
fn sequence_value(sequence: usize) -> i64 {
    i64::try_from(sequence).unwrap_or(i64::MAX)
}

fn json_error<E: std::error::Error>(error: serde_json::Error) -> AggregateError<E> {
    AggregateError::DeserializationError(Box::new(error))
}

/// A taken `(aggregate_type, aggregate_id, sequence)` means another writer stored first:
/// the command is decided again on the new state (`workflow::execute`).
fn database_error<E: std::error::Error>(error: sqlx::Error) -> AggregateError<E> {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => AggregateError::AggregateConflict,
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => {
            AggregateError::DatabaseConnectionError(Box::new(error))
        }
        _ => AggregateError::UnexpectedError(Box::new(error)),
    }
}
