//! The sandbox's event store: each aggregate kept folded in memory, every commit appended
//! to the sandbox's own stream. Loading an aggregate costs its state, not its history, so
//! a day of traffic replays in seconds (cqrs-es's `MemStore` folds every event again on
//! each command).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use cqrs_es::mem_store::MemStoreAggregateContext;
use cqrs_es::{Aggregate, AggregateError, DomainEvent, EventEnvelope, EventStore};

use crate::bus::BusEvent;

/// The sandbox's stream: every committed event, in commit order, with the simulated time
/// it was committed at.
#[derive(Debug, Default)]
pub struct Stream {
    pub events: Vec<BusEvent>,
    pub now: Option<DateTime<Utc>>,
}

pub type SharedStream = Arc<Mutex<Stream>>;

/// Locks the stream; a panic elsewhere cannot leave it half-written (every write is one
/// push), so a poisoned lock is taken over.
pub fn lock(stream: &SharedStream) -> std::sync::MutexGuard<'_, Stream> {
    stream.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Aggregates of one type, folded, with their versions.
pub struct FoldedStore<A: Aggregate> {
    aggregates: Mutex<HashMap<String, (A, usize)>>,
    stream: SharedStream,
}

impl<A: Aggregate> FoldedStore<A> {
    pub fn new(stream: SharedStream) -> Self {
        Self {
            aggregates: Mutex::default(),
            stream,
        }
    }
}

impl<A> EventStore<A> for FoldedStore<A>
where
    A: Aggregate + Clone,
{
    type AC = MemStoreAggregateContext<A>;

    /// Only the folded state is kept: the sandbox never asks for an aggregate's events.
    async fn load_events(
        &self,
        _aggregate_id: &str,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        Ok(Vec::new())
    }

    async fn load_aggregate(&self, id: &str) -> Result<Self::AC, AggregateError<A::Error>> {
        let aggregates = self
            .aggregates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (aggregate, current_sequence) = aggregates
            .get(id)
            .map_or_else(|| (A::default(), 0), |(a, v)| (a.clone(), *v));
        Ok(MemStoreAggregateContext {
            aggregate_id: id.to_owned(),
            aggregate,
            current_sequence,
        })
    }

    async fn commit(
        &self,
        events: Vec<A::Event>,
        context: Self::AC,
        metadata: HashMap<String, String>,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        let mut aggregates = self
            .aggregates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let id = context.aggregate_id;
        let (aggregate, version) = aggregates
            .entry(id.clone())
            .or_insert_with(|| (A::default(), 0));
        if *version != context.current_sequence {
            return Err(AggregateError::AggregateConflict);
        }
        let mut stream = lock(&self.stream);
        let recorded_at = stream.now.unwrap_or_default();
        let mut committed = Vec::with_capacity(events.len());
        for event in events {
            *version += 1;
            let payload = serde_json::to_value(&event)
                .map_err(|e| AggregateError::UnexpectedError(Box::new(e)))?;
            stream.events.push(BusEvent {
                aggregate_type: A::TYPE.to_owned(),
                aggregate_id: id.clone(),
                sequence: i64::try_from(*version).unwrap_or(i64::MAX),
                event_type: event.event_type(),
                event_version: event.event_version(),
                recorded_at,
                payload,
                metadata: serde_json::json!({}),
            });
            aggregate.apply(event.clone());
            committed.push(EventEnvelope {
                aggregate_id: id.clone(),
                sequence: *version,
                payload: event,
                metadata: metadata.clone(),
            });
        }
        Ok(committed)
    }
}
