//! `read_history`: every call event, in order, with who caused it — the timeline a
//! supervisor replays, and what a call's state at an instant is rebuilt from.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use domain::CallEvent;

use super::support::{self, CALL, ts};
use crate::bus::BusEvent;
use crate::projection::{Changes, Projection, ProjectionError};

/// One row of `read_history.events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct HistoryRow {
    pub call_id: Uuid,
    /// Stream sequence of the event.
    pub seq: i64,
    /// The call aggregate's own sequence (1, 2, 3, … within the call).
    pub call_sequence: i64,
    pub event_type: String,
    pub event_version: String,
    /// When it happened (the event's `at`).
    pub at: DateTime<Utc>,
    /// When it was stored.
    pub recorded_at: DateTime<Utc>,
    /// `{"id", "role", "name"}` of whoever caused it.
    pub actor: Value,
    /// The event's fields, without the tag.
    pub data: Value,
}

impl HistoryRow {
    /// The domain event again, e.g. to fold `domain::Call` up to an instant
    /// (`GET /api/calls/{id}/state?at=`).
    pub fn to_event(&self) -> Result<CallEvent, serde_json::Error> {
        let mut tagged = serde_json::Map::new();
        tagged.insert(self.event_type.clone(), self.data.clone());
        serde_json::from_value(Value::Object(tagged))
    }
}

pub struct History;

const SCHEMA: &str = r"
CREATE TABLE events (
    call_id       uuid NOT NULL,
    seq           bigint NOT NULL,
    call_sequence bigint NOT NULL,
    event_type    text NOT NULL,
    event_version text NOT NULL,
    at            timestamptz NOT NULL,
    recorded_at   timestamptz NOT NULL,
    actor         jsonb NOT NULL,
    data          jsonb NOT NULL,
    PRIMARY KEY (call_id, seq)
);
CREATE INDEX events_at ON events (at);
";

impl Projection for History {
    fn name(&self) -> &'static str {
        "history"
    }

    fn schema_sql(&self) -> &'static str {
        SCHEMA
    }

    fn apply<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        event: &'a BusEvent,
        seq: i64,
    ) -> BoxFuture<'a, Result<Changes, ProjectionError>> {
        Box::pin(async move { apply(tx, [(seq, event)]).await })
    }

    fn apply_many<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        events: &'a [(i64, BusEvent)],
    ) -> BoxFuture<'a, Result<Changes, ProjectionError>> {
        Box::pin(async move { apply(tx, events.iter().map(|(seq, event)| (*seq, event))).await })
    }
}

/// Stores one row per call event, all of them in one statement.
async fn apply<'e>(
    tx: &mut PgConnection,
    events: impl IntoIterator<Item = (i64, &'e BusEvent)>,
) -> Result<Changes, ProjectionError> {
    let mut rows = Vec::new();
    for (seq, event) in events {
        if event.aggregate_type != CALL {
            continue;
        }
        let call_event = support::decode::<CallEvent>(event)?;
        let row = HistoryRow {
            call_id: support::aggregate_uuid(event)?,
            seq,
            call_sequence: event.sequence,
            event_type: event.event_type.clone(),
            event_version: event.event_version.clone(),
            at: ts(call_event.at()),
            recorded_at: ts(event.recorded_at),
            actor: support::actor(event),
            data: event.data().clone(),
        };
        rows.push(row);
    }
    support::store_many(tx, "events", &["call_id", "seq"], &rows).await?;
    Ok(vec![])
}
