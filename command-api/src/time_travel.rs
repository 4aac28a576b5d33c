//! Time travel: a call, or the whole floor, as it was at an instant, rebuilt by folding the
//! stored events (the `events` table, never a read model) through the aggregates' own
//! `apply`. An event counts when its own time (`at` in its payload) is at or before the
//! instant; per aggregate, folding stops at the first event after it, so a state is always
//! one the aggregate really went through.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::agent::{Activity, Agent, AgentEvent};
use domain::call::{Call, CallEvent};
use domain::queue::{Queue, QueueEvent};
use domain::{AgentId, CallId, QueueId};
use futures::TryStreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::ApiError;

/// An event that knows when it happened.
pub trait Timed {
    fn at(&self) -> DateTime<Utc>;
}

impl Timed for CallEvent {
    fn at(&self) -> DateTime<Utc> {
        CallEvent::at(self)
    }
}

impl Timed for AgentEvent {
    fn at(&self) -> DateTime<Utc> {
        AgentEvent::at(self)
    }
}

impl Timed for QueueEvent {
    fn at(&self) -> DateTime<Utc> {
        match self {
            Self::QueueCreated { at, .. }
            | Self::QueueUpdated { at, .. }
            | Self::QueueMembersSet { at, .. } => *at,
        }
    }
}

/// One aggregate folded up to an instant.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Folded<A> {
    pub state: A,
    /// Events folded: the aggregate's sequence as of the instant.
    pub version: usize,
    /// Type and time of the last event folded.
    pub last_event: Option<(String, DateTime<Utc>)>,
    /// An event after the instant was seen: the rest of this aggregate's events are later.
    /// Not kept in a floor snapshot, which never folds past its instant.
    #[serde(skip)]
    done: bool,
}

impl<A> Folded<A>
where
    A: Aggregate,
    A::Event: Timed,
{
    /// Folds `event` if it happened at or before `as_of`. Returns whether it was folded.
    pub fn fold(&mut self, event: A::Event, as_of: DateTime<Utc>) -> bool {
        use cqrs_es::DomainEvent;
        if self.done {
            return false;
        }
        let at = event.at();
        if at > as_of {
            self.done = true;
            return false;
        }
        self.last_event = Some((event.event_type(), at));
        self.state.apply(event);
        self.version += 1;
        true
    }
}

fn decode<E: DeserializeOwned>(payload: serde_json::Value) -> Result<E, ApiError> {
    serde_json::from_value(payload).map_err(|e| ApiError::internal(&e))
}

/// The call as it was at `as_of`; `None` when it did not exist yet (or ever).
pub async fn call_as_of(
    pool: &PgPool,
    id: CallId,
    as_of: DateTime<Utc>,
) -> Result<Option<Folded<Call>>, ApiError> {
    let mut rows = sqlx::query_as::<_, (serde_json::Value,)>(
        "SELECT payload::jsonb FROM public.events WHERE aggregate_type = $1 AND aggregate_id = $2 \
         ORDER BY sequence",
    )
    .bind(Call::TYPE)
    .bind(id.to_string())
    .fetch(pool);
    let mut call = Folded::<Call>::default();
    while let Some((payload,)) = rows.try_next().await? {
        if !call.fold(decode(payload)?, as_of) {
            break;
        }
    }
    Ok((call.version > 0).then_some(call))
}

/// An interpreter as of an instant, with when their status and activity last changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AgentAsOf {
    pub folded: Folded<Agent>,
    pub status_since: Option<DateTime<Utc>>,
    pub activity_since: Option<DateTime<Utc>>,
}

/// Queues, interpreters and calls as they were at an instant.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FloorAsOf {
    pub as_of: DateTime<Utc>,
    pub queues: BTreeMap<QueueId, Folded<Queue>>,
    pub agents: BTreeMap<AgentId, AgentAsOf>,
    pub calls: BTreeMap<CallId, Folded<Call>>,
    /// Events folded over every aggregate.
    pub events: usize,
}

/// The floor at `as_of`: the latest floor snapshot at or before it (`floor_snapshots`)
/// plus the events committed after it, or, before the first snapshot, every event. Rows
/// are narrowed by `recorded_at <= as_of + 1 minute` (an event is stored right after it
/// happens), then by the event's own time. Rows stream in; only the folded states are
/// held: the floor at the snapshot and what changed in at most one snapshot interval.
pub async fn floor_as_of(pool: &PgPool, as_of: DateTime<Utc>) -> Result<FloorAsOf, ApiError> {
    let snapshot = crate::floor_snapshots::latest_at_or_before(pool, as_of).await?;
    let in_commit_order = snapshot.is_some();
    let (mut floor, mut rows) = match snapshot {
        Some(snapshot) => (
            snapshot.floor,
            sqlx::query_as::<_, (String, String, serde_json::Value, DateTime<Utc>)>(
                "SELECT aggregate_type, aggregate_id, payload::jsonb, recorded_at FROM public.events \
                 WHERE (tx_id, global_position) > ($1::text::xid8, $2) \
                 ORDER BY tx_id, global_position",
            )
            .bind(snapshot.tx_id)
            .bind(snapshot.global_position)
            .fetch(pool),
        ),
        None => (
            FloorAsOf::default(),
            sqlx::query_as::<_, (String, String, serde_json::Value, DateTime<Utc>)>(
                "SELECT aggregate_type, aggregate_id, payload::jsonb, recorded_at FROM public.events \
                 WHERE aggregate_type IN ('Queue', 'Agent', 'Call') \
                   AND recorded_at <= $1 + interval '1 minute' \
                 ORDER BY aggregate_type, aggregate_id, sequence",
            )
            .bind(as_of)
            .fetch(pool),
        ),
    };
    floor.as_of = as_of;
    let stored_by = as_of + chrono::Duration::minutes(1);
    // Rows come in commit order after a snapshot: past this, nothing of the instant's
    // follows (a transaction open for minutes would be the exception).
    let past = as_of + chrono::Duration::minutes(5);
    while let Some((aggregate_type, aggregate_id, payload, recorded_at)) = rows.try_next().await? {
        if in_commit_order && recorded_at > past {
            break;
        }
        if recorded_at <= stored_by {
            fold_event(&mut floor, &aggregate_type, &aggregate_id, payload, as_of)?;
        }
    }
    drop(rows);
    floor.queues.retain(|_, queue| queue.version > 0);
    floor.agents.retain(|_, agent| agent.folded.version > 0);
    floor.calls.retain(|_, call| call.version > 0);
    Ok(floor)
}

/// Folds one stored event into `floor` if it happened at or before `as_of`; whether it did.
/// Events of other aggregates (organisations) are not part of the floor.
pub fn fold_event(
    floor: &mut FloorAsOf,
    aggregate_type: &str,
    aggregate_id: &str,
    payload: serde_json::Value,
    as_of: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let Ok(id) = aggregate_id.parse::<Uuid>() else {
        tracing::warn!(%aggregate_type, %aggregate_id, "an aggregate id that is not a UUID");
        return Ok(false);
    };
    let folded = match aggregate_type {
        "Queue" => floor
            .queues
            .entry(QueueId(id))
            .or_default()
            .fold(decode(payload)?, as_of),
        "Call" => floor
            .calls
            .entry(CallId(id))
            .or_default()
            .fold(decode(payload)?, as_of),
        "Agent" => {
            let event: AgentEvent = decode(payload)?;
            let at = event.at();
            let changes_status = matches!(event, AgentEvent::AgentStatusChanged { .. });
            let changes_activity = !matches!(
                event,
                AgentEvent::AgentStatusChanged { .. }
                    | AgentEvent::AgentSkillsSet { .. }
                    | AgentEvent::AgentProfileSet { .. }
            );
            let agent = floor.agents.entry(AgentId(id)).or_default();
            let folded = agent.folded.fold(event, as_of);
            if folded && changes_status {
                agent.status_since = Some(at);
            }
            if folded && changes_activity {
                agent.activity_since = Some(at);
            }
            folded
        }
        _ => false,
    };
    floor.events += usize::from(folded);
    Ok(folded)
}

/// `idle`, `ringing`, `on_call` or `wrap_up`, and the call it concerns.
pub fn activity_parts(activity: Activity) -> (&'static str, Option<CallId>) {
    match activity {
        Activity::Idle => ("idle", None),
        Activity::Ringing(call) => ("ringing", Some(call)),
        Activity::OnCall(call) => ("on_call", Some(call)),
        Activity::WrapUp(call) => ("wrap_up", Some(call)),
    }
}
