//! What a what-if replay takes from the event store: the floor at `from` (a floor snapshot
//! and the events after it, `time_travel::floor_as_of`), the organisations' policies, and
//! the events recorded from `from` until the replay's drain past `to`. The cost is that of
//! the interval, never of the whole history (organisations' events aside, which are few).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use cqrs_es::Aggregate;
use domain::agent::{Activity, AgentEvent};
use domain::call::CallEvent;
use domain::ids::{AgentId, CallId, OrganisationId};
use domain::matching::AgentProfile;
use domain::organisation::{Organisation, OrganisationEvent};
use domain::queue::QueueEvent;
use domain::values::AgentStatus;
use futures::TryStreamExt;
use projections::what_if::{DRAIN_S, Interpreter, Replay, ReplayQueue, Request};
use sqlx::PgPool;

use crate::error::ApiError;
use crate::time_travel::{FloorAsOf, floor_as_of};

/// Requests one run replays at most: the sandbox holds every event it makes in memory
/// (about ten a call) until they are projected, so this bounds a run's memory (a few
/// hundred MiB) whatever the interval.
pub const MAX_REQUESTS: usize = 50_000;

/// Without a call's own figure (it was never answered, or never ended in the interval's
/// reach): the median of the others, else these.
const DEFAULT_RING_S: i64 = 5;
const DEFAULT_TALK_S: i64 = 300;

/// A request and what the store says became of it.
#[derive(Default)]
struct Traced {
    request: Option<Request>,
    offered_at: Option<DateTime<Utc>>,
    accepted: Option<(DateTime<Utc>, i64)>,
    talk_s: Option<i64>,
}

fn decode<E: serde::de::DeserializeOwned>(payload: serde_json::Value) -> Result<E, ApiError> {
    serde_json::from_value(payload).map_err(|e| ApiError::internal(&e))
}

fn median(mut values: Vec<i64>, otherwise: i64) -> i64 {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(otherwise)
}

/// The replay of `[from, to)` as the store recorded it.
pub async fn load(
    pool: &PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Replay, ApiError> {
    let floor = floor_as_of(pool, from).await?;
    let mut queues: Vec<ReplayQueue> = floor
        .queues
        .iter()
        .filter_map(|(id, queue)| {
            let config = queue.state.config.clone()?;
            Some(ReplayQueue {
                id: *id,
                config,
                members: queue.state.members.clone(),
            })
        })
        .collect();
    let mut interpreters: BTreeMap<AgentId, Interpreter> = floor
        .agents
        .iter()
        .filter_map(|(id, agent)| {
            let state = &agent.folded.state;
            Some((
                *id,
                Interpreter {
                    id: *id,
                    skills: state.skills.clone()?,
                    profile: state.profile.clone(),
                    status: state.status.unwrap_or(AgentStatus::Offline),
                    // Known once the interval's events show when that call let them go.
                    busy_until: busy_before(&floor, state.activity, from).then_some(to),
                    status_changes: Vec::new(),
                    answered: HashMap::new(),
                },
            ))
        })
        .collect();
    let busy_at_start: Vec<AgentId> = interpreters
        .values()
        .filter(|i| i.busy_until.is_some())
        .map(|i| i.id)
        .collect();

    let mut calls: HashMap<CallId, Traced> = HashMap::new();
    let mut rows = sqlx::query_as::<_, (String, String, serde_json::Value)>(
        "SELECT aggregate_type, aggregate_id, payload::jsonb FROM public.events \
         WHERE aggregate_type IN ('Agent', 'Call', 'Queue') \
           AND recorded_at >= $1 - interval '1 minute' AND recorded_at <= $2 \
         ORDER BY aggregate_type, aggregate_id, sequence",
    )
    .bind(from)
    .bind(to + Duration::seconds(DRAIN_S))
    .fetch(pool);
    while let Some((aggregate_type, aggregate_id, payload)) = rows.try_next().await? {
        let Ok(id) = aggregate_id.parse::<uuid::Uuid>() else {
            continue;
        };
        if calls.len() > MAX_REQUESTS * 2 {
            return Err(too_many());
        }
        if aggregate_type == "Queue" {
            // A queue made during the interval is there from its start in the replay.
            if let QueueEvent::QueueCreated {
                queue_id,
                config,
                at,
            } = decode(payload)?
                && at < to
                && !queues.iter().any(|q: &ReplayQueue| q.id == queue_id)
            {
                queues.push(ReplayQueue {
                    id: queue_id,
                    config,
                    members: Vec::new(),
                });
            }
        } else if aggregate_type == "Agent" {
            let event: AgentEvent = decode(payload)?;
            agent_event(
                &mut interpreters,
                &busy_at_start,
                AgentId(id),
                event,
                from,
                to,
            );
        } else {
            let event: CallEvent = decode(payload)?;
            call_event(
                calls.entry(CallId(id)).or_default(),
                event,
                from,
                to,
                &mut interpreters,
            );
        }
    }
    drop(rows);

    let ring = median(
        calls
            .values()
            .filter_map(|c| c.accepted.map(|a| a.1))
            .collect(),
        DEFAULT_RING_S,
    );
    let talk = median(
        calls.values().filter_map(|c| c.talk_s).collect(),
        DEFAULT_TALK_S,
    );
    let mut requests: Vec<Request> = calls
        .into_values()
        .filter_map(|traced| {
            let mut request = traced.request?;
            request.ring_s = traced.accepted.map_or(ring, |a| a.1);
            request.talk_s = traced.talk_s.unwrap_or(talk);
            Some(request)
        })
        .collect();
    if requests.len() > MAX_REQUESTS {
        return Err(too_many());
    }
    requests.sort_by_key(|r| (r.at, r.call_id));
    Ok(Replay {
        from,
        to,
        queues,
        organisations: policies(pool, from).await?,
        interpreters: interpreters.into_values().collect(),
        requests,
    })
}

/// Whether an interpreter was busy at `from` with a call requested before it: a call of
/// the interval (requested at `from` itself) is replayed, not inherited.
fn busy_before(floor: &FloorAsOf, activity: Activity, from: DateTime<Utc>) -> bool {
    let call = match activity {
        Activity::Idle => return false,
        Activity::Ringing(call) | Activity::OnCall(call) | Activity::WrapUp(call) => call,
    };
    floor
        .calls
        .get(&call)
        .and_then(|c| c.state.requested_at)
        .is_none_or(|requested_at| requested_at < from)
}

/// A status the interpreter chose (away is the platform's doing, and the replay's router
/// decides it anew), a new interpreter's skills, and when a call held at `from` let go.
fn agent_event(
    interpreters: &mut BTreeMap<AgentId, Interpreter>,
    busy_at_start: &[AgentId],
    id: AgentId,
    event: AgentEvent,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) {
    let at = event.at();
    if at < from || at >= to {
        return;
    }
    match event {
        AgentEvent::AgentSkillsSet { skills, .. } => {
            interpreters.entry(id).or_insert_with(|| Interpreter {
                id,
                skills,
                profile: AgentProfile::default(),
                status: AgentStatus::Offline,
                busy_until: None,
                status_changes: Vec::new(),
                answered: HashMap::new(),
            });
        }
        AgentEvent::AgentStatusChanged { to: status, .. } if status != AgentStatus::Away => {
            if let Some(interpreter) = interpreters.get_mut(&id) {
                interpreter.status_changes.push((at, status));
            }
        }
        AgentEvent::AgentWrapUpEnded { .. } | AgentEvent::AgentOfferCleared { .. } => {
            if let Some(interpreter) = interpreters.get_mut(&id)
                && busy_at_start.contains(&id)
                && interpreter.busy_until.is_some_and(|until| at < until)
            {
                interpreter.busy_until = Some(at);
            }
        }
        _ => {}
    }
}

/// Follows one call requested in `[from, to)` through its first answer, end and wrap-up.
fn call_event(
    traced: &mut Traced,
    event: CallEvent,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    interpreters: &mut BTreeMap<AgentId, Interpreter>,
) {
    match event {
        CallEvent::CallRequested {
            call_id,
            requester_id,
            organisation_id,
            request,
            at,
        } if at >= from && at < to => {
            traced.request = Some(Request {
                call_id,
                requester_id,
                organisation_id,
                request,
                queue: None,
                at,
                ring_s: 0,
                talk_s: 0,
                wrap_up_s: None,
                patience_s: None,
            });
        }
        CallEvent::CallQueued { queue_id, .. } => {
            if let Some(request) = traced.request.as_mut()
                && request.queue.is_none()
            {
                request.queue = Some(queue_id);
            }
        }
        CallEvent::CallOffered { at, .. } if traced.accepted.is_none() => {
            traced.offered_at = Some(at);
        }
        CallEvent::CallAccepted {
            agent_id,
            queue_id,
            at,
            ..
        } if traced.request.is_some() && traced.accepted.is_none() => {
            let ring_s = traced
                .offered_at
                .map_or(DEFAULT_RING_S, |offered| (at - offered).num_seconds());
            traced.accepted = Some((at, ring_s.max(0)));
            if let Some(interpreter) = interpreters.get_mut(&agent_id) {
                *interpreter.answered.entry(queue_id).or_default() += 1;
            }
        }
        CallEvent::CallEnded { at, .. } if traced.talk_s.is_none() => {
            traced.talk_s = traced
                .accepted
                .map(|(accepted, _)| (at - accepted).num_seconds().max(1));
        }
        CallEvent::CallWrappedUp {
            wrap_up_seconds, ..
        } => {
            if let Some(request) = traced.request.as_mut()
                && request.wrap_up_s.is_none()
            {
                request.wrap_up_s = Some(wrap_up_seconds.max(0));
            }
        }
        CallEvent::CallAbandoned { wait_seconds, .. } if traced.accepted.is_none() => {
            if let Some(request) = traced.request.as_mut() {
                request.patience_s = Some(wait_seconds.max(0));
            }
        }
        _ => {}
    }
}

/// Every organisation's policy in force at `from`.
async fn policies(
    pool: &PgPool,
    from: DateTime<Utc>,
) -> Result<Vec<(OrganisationId, domain::matching::OrganisationPolicy)>, ApiError> {
    let rows: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT aggregate_id, payload::jsonb FROM public.events WHERE aggregate_type = $1 \
         ORDER BY aggregate_id, sequence",
    )
    .bind(Organisation::TYPE)
    .fetch_all(pool)
    .await?;
    let mut policies = BTreeMap::new();
    for (id, payload) in rows {
        let Ok(id) = id.parse::<uuid::Uuid>() else {
            continue;
        };
        if let OrganisationEvent::OrganisationPolicySet { policy, at } = decode(payload)?
            && at <= from
        {
            policies.insert(OrganisationId(id), policy);
        }
    }
    Ok(policies.into_iter().collect())
}

fn too_many() -> ApiError {
    ApiError::unprocessable(
        "too_many_requests_to_replay",
        format!("the interval holds more than {MAX_REQUESTS} requests: replay a shorter one"),
    )
}
