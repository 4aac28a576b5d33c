//! What a read model is to the worker that feeds it.
//!
//! Each projection owns one PostgreSQL schema (`read_<name>`) holding its tables and its
//! checkpoint. The worker applies events inside a transaction whose `search_path` is that
//! schema, so a projection's SQL names its tables unqualified — which is what lets a
//! rebuild fill a fresh copy (`read_<name>_next`) with the same code and swap it in.

use futures::future::BoxFuture;
use sqlx::PgConnection;

use crate::bus::{BusEvent, ViewChanged};

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored event the projection cannot read: a bug or a missing upcaster. The worker
    /// stops rather than skip it, so nothing is silently lost.
    #[error("cannot decode {event_type} v{event_version} of {aggregate_id}: {reason}")]
    Decode {
        event_type: String,
        event_version: String,
        aggregate_id: String,
        reason: String,
    },
}

impl ProjectionError {
    pub fn decode(event: &BusEvent, reason: impl std::fmt::Display) -> Self {
        Self::Decode {
            event_type: event.event_type.clone(),
            event_version: event.event_version.clone(),
            aggregate_id: event.aggregate_id.clone(),
            reason: reason.to_string(),
        }
    }
}

/// A change to a read-model object, returned by `apply`; the worker publishes it after the
/// commit (its `seq` is the event's stream sequence).
pub type Changes = Vec<ViewChanged>;

pub trait Projection: Send + Sync + 'static {
    /// Short name, e.g. `calls`; its schema is `read_<name>`.
    fn name(&self) -> &'static str;

    /// DDL creating the projection's tables in the current `search_path`. Run in a fresh
    /// schema on first start and for every rebuild, so use plain `CREATE TABLE`. Keep the
    /// indexes `apply` needs (primary keys) here, and the others in [`Self::index_sql`].
    fn schema_sql(&self) -> &'static str;

    /// DDL creating the secondary indexes that only readers need, run after
    /// [`Self::schema_sql`]: at once for a new schema, and in a rebuild once the copy has
    /// caught up with the stream (building an index once over the loaded rows costs less
    /// than maintaining it row by row while loading). Empty by default.
    fn index_sql(&self) -> &'static str {
        ""
    }

    /// DDL bringing a schema made by an earlier release up to [`Self::schema_sql`] and
    /// [`Self::index_sql`] (`ADD COLUMN IF NOT EXISTS`, `CREATE INDEX IF NOT EXISTS`), run
    /// at every start on an existing schema: idempotent, and cheap when nothing is missing.
    fn upgrade_sql(&self) -> &'static str {
        ""
    }

    /// Applies one event, already known to be the next in stream order, inside the
    /// worker's transaction. `seq` is the event's stream sequence: store it on every row
    /// the event touches.
    fn apply<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        event: &'a BusEvent,
        seq: i64,
    ) -> BoxFuture<'a, Result<Changes, ProjectionError>>;

    /// Applies consecutive events (stream order, each the next after the one before it)
    /// inside the worker's transaction; returns their changes in event order. The default
    /// applies them one by one; a projection that can read and write the rows a batch
    /// touches in a few statements overrides it (the result must be the same as `apply`
    /// event by event: rows, `seq`s and notices).
    fn apply_many<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        events: &'a [(i64, BusEvent)],
    ) -> BoxFuture<'a, Result<Changes, ProjectionError>> {
        Box::pin(async move {
            let mut changes = Vec::new();
            for (seq, event) in events {
                changes.extend(self.apply(&mut *tx, event, *seq).await?);
            }
            Ok(changes)
        })
    }

    /// Applies consecutive messages of the stream like [`Self::apply_many`], for a rebuild:
    /// into a schema nobody reads yet and whose secondary indexes do not exist yet. The rows
    /// must end up the same, but nobody needs the notices, and the messages come undecoded,
    /// so that a projection can read only what it needs, straight into its types. The
    /// default decodes them into [`BusEvent`]s and runs `apply_many`, its notices dropped.
    fn rebuild_many<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        messages: &'a [RawEvent],
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            let events = messages
                .iter()
                .map(RawEvent::decode)
                .collect::<Result<Vec<_>, _>>()?;
            self.apply_many(tx, &events).await?;
            Ok(())
        })
    }
}

/// One message of the stream as a rebuild hands it over: its stream sequence and its body,
/// a [`BusEvent`] in JSON.
#[derive(Debug, Clone)]
pub struct RawEvent {
    pub seq: i64,
    pub body: bytes::Bytes,
}

impl RawEvent {
    /// The whole event.
    pub fn decode(&self) -> Result<(i64, BusEvent), ProjectionError> {
        serde_json::from_slice(&self.body)
            .map(|event| (self.seq, event))
            .map_err(|error| self.undecodable(error))
    }

    /// The error for a body that is not an event (or not the one expected).
    pub fn undecodable(&self, reason: impl std::fmt::Display) -> ProjectionError {
        ProjectionError::Decode {
            event_type: "?".to_owned(),
            event_version: "?".to_owned(),
            aggregate_id: format!("(stream message {})", self.seq),
            reason: reason.to_string(),
        }
    }
}

/// The schema a projection lives in.
pub fn schema_name(projection: &dyn Projection) -> String {
    format!("read_{}", projection.name())
}
