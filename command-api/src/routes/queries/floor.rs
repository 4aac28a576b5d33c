//! `GET /api/floor?at=`: the whole floor as it was at an instant, folded from the event
//! store (see `time_travel`).

use std::collections::HashMap;

use axum::extract::State;
use chrono::{DateTime, Utc};
use domain::call::CallStatus;
use domain::values::Priority;
use domain::{Call, CallId};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::calls::AtParams;
use super::parse_instant;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json, Query};
use crate::state::AppState;
use crate::time_travel::{self, Folded, activity_parts};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(floor))
}

/// A call on the floor at the instant.
#[derive(Debug, Serialize, ToSchema)]
pub struct FloorCall {
    pub id: Uuid,
    pub status: String,
    pub priority: Option<String>,
    pub language: Option<String>,
    pub modality: Option<String>,
    pub specialty: Option<String>,
    pub requester_id: Option<Uuid>,
    pub queue_id: Option<Uuid>,
    pub offered_to: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub requested_at: Option<DateTime<Utc>>,
    pub connected_at: Option<DateTime<Utc>>,
    /// Seconds since the request (waiting calls) or since the answer (calls in progress).
    pub elapsed_s: i64,
    /// The call's sequence at the instant.
    pub version: u64,
}

/// A queue at the instant.
#[derive(Debug, Serialize, ToSchema)]
pub struct FloorQueue {
    pub id: Uuid,
    pub name: String,
    pub languages: Vec<String>,
    pub specialty: Option<String>,
    pub modality: Option<String>,
    pub strategy: String,
    pub members: Vec<Uuid>,
    /// Calls queued or ringing in it, urgent first, then oldest first.
    pub waiting: Vec<FloorCall>,
    pub longest_wait_s: i64,
    /// Interpreters on its calls.
    pub agents_on_call: i64,
}

/// An interpreter at the instant.
#[derive(Debug, Serialize, ToSchema)]
pub struct FloorAgent {
    pub id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
    /// available, break, offline or away.
    pub status: String,
    pub status_since: Option<DateTime<Utc>>,
    /// idle, ringing, on_call or wrap_up.
    pub activity: String,
    pub activity_since: Option<DateTime<Utc>>,
    /// The call ringing for them, taken by them, or being wrapped up.
    pub call_id: Option<Uuid>,
    pub languages: Vec<String>,
    pub modalities: Vec<String>,
    pub specialties: Vec<String>,
}

/// The floor at an instant.
#[derive(Debug, Serialize, ToSchema)]
pub struct FloorView {
    pub as_of: DateTime<Utc>,
    /// Events folded, over every aggregate.
    pub events: u64,
    pub queues: Vec<FloorQueue>,
    pub agents: Vec<FloorAgent>,
    /// Calls connected or on hold.
    pub in_progress: Vec<FloorCall>,
    /// Calls waiting without a queue (just requested).
    pub unrouted: Vec<FloorCall>,
}

fn floor_call(id: CallId, call: &Folded<Call>, as_of: DateTime<Utc>) -> FloorCall {
    let state = &call.state;
    let request = state.request.as_ref();
    let since = if state.status.is_live() {
        state.connected_at
    } else {
        state.requested_at
    };
    FloorCall {
        id: id.as_uuid(),
        status: state.status.as_str().to_owned(),
        priority: request.map(|r| r.priority.to_string()),
        language: request.map(|r| r.language.to_string()),
        modality: request.map(|r| r.modality.to_string()),
        specialty: request.and_then(|r| r.specialty).map(|s| s.to_string()),
        requester_id: state.requester_id.map(|id| id.as_uuid()),
        queue_id: state.queue_id.map(|id| id.as_uuid()),
        offered_to: state.offer.map(|offer| offer.agent_id.as_uuid()),
        agent_id: state.agent_id.map(|id| id.as_uuid()),
        requested_at: state.requested_at,
        connected_at: state.connected_at,
        elapsed_s: since.map_or(0, |t| (as_of - t).num_seconds().max(0)),
        version: u64::try_from(call.version).unwrap_or(u64::MAX),
    }
}

/// Queues, interpreters and calls as they were at `at` (now by default), rebuilt from the
/// stored events (supervisor, admin).
#[utoipa::path(get, path = "/api/floor", tag = "floor", security(("bearer" = [])), params(AtParams),
    responses((status = 200, body = FloorView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
async fn floor(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<AtParams>,
) -> Result<Json<FloorView>, ApiError> {
    user.require(&[Role::Supervisor, Role::Admin])?;
    let as_of = params
        .at
        .as_deref()
        .map(|raw| parse_instant("at", raw))
        .transpose()?
        .unwrap_or_else(Utc::now);
    let floor = time_travel::floor_as_of(state.history.pool(), as_of).await?;

    let names: HashMap<Uuid, (String, String)> = sqlx::query_as::<_, (Uuid, String, String)>(
        "SELECT id, name, email FROM public.users WHERE role = 'agent'",
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|(id, name, email)| (id, (name, email)))
    .collect();

    let mut waiting: HashMap<Uuid, Vec<(bool, FloorCall)>> = HashMap::new();
    let mut in_progress = Vec::new();
    let mut unrouted = Vec::new();
    for (id, call) in &floor.calls {
        let status = call.state.status;
        if status.is_waiting() {
            let urgent = call
                .state
                .request
                .as_ref()
                .is_some_and(|r| r.priority == Priority::Urgent);
            match call.state.queue_id {
                Some(queue) => waiting
                    .entry(queue.as_uuid())
                    .or_default()
                    .push((urgent, floor_call(*id, call, as_of))),
                None => unrouted.push(floor_call(*id, call, as_of)),
            }
        } else if status.is_live() {
            in_progress.push(floor_call(*id, call, as_of));
        } else if status == CallStatus::Requested {
            unrouted.push(floor_call(*id, call, as_of));
        }
    }

    let mut queues: Vec<FloorQueue> = floor
        .queues
        .iter()
        .filter_map(|(id, queue)| {
            let config = queue.state.config.as_ref()?;
            let mut calls = waiting.remove(&id.as_uuid()).unwrap_or_default();
            calls.sort_by(|(urgent_a, a), (urgent_b, b)| {
                urgent_b
                    .cmp(urgent_a)
                    .then(a.requested_at.cmp(&b.requested_at))
            });
            let agents_on_call = in_progress
                .iter()
                .filter(|c| c.queue_id == Some(id.as_uuid()) && c.agent_id.is_some())
                .count();
            Some(FloorQueue {
                id: id.as_uuid(),
                name: config.name.as_str().to_owned(),
                languages: config.languages.iter().map(ToString::to_string).collect(),
                specialty: config.specialty.map(|s| s.to_string()),
                modality: config.modality.map(|m| m.to_string()),
                strategy: config.strategy.to_string(),
                members: queue.state.members.iter().map(|m| m.as_uuid()).collect(),
                longest_wait_s: calls.iter().map(|(_, c)| c.elapsed_s).max().unwrap_or(0),
                waiting: calls.into_iter().map(|(_, c)| c).collect(),
                agents_on_call: i64::try_from(agents_on_call).unwrap_or(i64::MAX),
            })
        })
        .collect();
    queues.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));

    let mut agents: Vec<FloorAgent> = floor
        .agents
        .iter()
        .map(|(id, agent)| {
            let state = &agent.folded.state;
            let (activity, call) = activity_parts(state.activity);
            let skills = state.skills.as_ref();
            let (name, email) = names.get(&id.as_uuid()).cloned().unzip();
            FloorAgent {
                id: id.as_uuid(),
                name,
                email,
                status: state.status.map_or("offline", |s| s.as_str()).to_owned(),
                status_since: agent.status_since,
                activity: activity.to_owned(),
                activity_since: agent.activity_since,
                call_id: call.map(|c| c.as_uuid()),
                languages: skills.map_or_else(Vec::new, |s| {
                    s.languages.iter().map(|l| l.code.to_string()).collect()
                }),
                modalities: skills.map_or_else(Vec::new, |s| {
                    s.modalities.iter().map(ToString::to_string).collect()
                }),
                specialties: skills.map_or_else(Vec::new, |s| {
                    s.specialties.iter().map(ToString::to_string).collect()
                }),
            }
        })
        .collect();
    agents.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));

    Ok(Json(FloorView {
        as_of,
        events: u64::try_from(floor.events).unwrap_or(u64::MAX),
        queues,
        agents,
        in_progress,
        unrouted,
    }))
}
