//! `GET /api/calls/{id}/routing?agent_id=`: whether an interpreter was offered a call and,
//! if not, why — the answer an agency owes a client who asks why their preferred
//! interpreter did not get the call (issue 17).
//!
//! Built from stored events only: the call's own (its request, queues, widening steps and
//! offers), the interpreter's skills and profile, the organisation's policy and the queues'
//! settings, judged by the router's own rule (`domain::matching::check`); and the
//! interpreter's status and activity at the instants the call was offered to someone
//! else, read backwards from their latest event (bounded by the time since the call, not by
//! their whole history).

use axum::extract::State;
use chrono::{DateTime, Utc};
use cqrs_es::{Aggregate, AggregateContext, EventStore};
use domain::agent::Agent;
use domain::call::{Call, CallEvent};
use domain::ids::{AgentId, QueueId};
use domain::matching::{self, Need, Offerable, Pool};
use domain::organisation::Organisation;
use domain::values::AgentStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json, Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(call_routing))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RoutingParams {
    /// The interpreter asked about.
    pub agent_id: Uuid,
}

/// One offer of the call to the interpreter asked about.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferRecord {
    pub at: DateTime<Utc>,
    pub queue_id: Uuid,
    /// accepted, declined, expired, withdrawn, or ringing.
    pub outcome: String,
}

/// Why the call and the interpreter were not matched, or what kept them apart.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingAnswer {
    pub call_id: Uuid,
    pub agent_id: Uuid,
    pub offered: bool,
    pub offers: Vec<OfferRecord>,
    /// Each `{code, detail, …}`: `detail` says it in words, and `code` names a matching rule the interpreter fails
    /// (`banned_by_organisation`, `not_in_queue`, `pair_missing`, `proficiency_too_low`,
    /// `modality_missing`, `specialty_missing`, `organisation_certification_missing`,
    /// `certification_missing`, `gender_mismatch`), `widening_step_not_reached`, or what
    /// they were doing when the call went to someone else (`not_available`, `busy`,
    /// `another_interpreter_chosen`).
    #[schema(value_type = Vec<Object>)]
    pub reasons: Vec<serde_json::Value>,
    /// The same in one sentence.
    pub summary: String,
    /// The instant the organisation's policy was judged as of: when the call stopped
    /// waiting (answered, abandoned, given up), or now while it waits.
    pub policy_as_of: DateTime<Utc>,
    /// The interpreter's skills or profile changed since then: the rule judged today's.
    pub skills_changed_since: bool,
}

/// What the call's events say about its routing.
#[derive(Default)]
struct CallRecord {
    call: Call,
    /// (queue, widening steps taken there).
    queues: Vec<(QueueId, u32)>,
    /// Every offer: (agent, queue, at, outcome).
    offers: Vec<(AgentId, QueueId, DateTime<Utc>, &'static str)>,
    /// When it stopped waiting (answered, abandoned, given up); `None` while it waits.
    settled_at: Option<DateTime<Utc>>,
}

fn record(events: Vec<CallEvent>) -> CallRecord {
    let mut record = CallRecord::default();
    for event in events {
        match &event {
            CallEvent::CallQueued { queue_id, .. }
            | CallEvent::TransferRequested { queue_id, .. }
            | CallEvent::ConsultRequested { queue_id, .. } => record.queues.push((*queue_id, 0)),
            CallEvent::CallPoolWidened { step, .. } => {
                if let Some(last) = record.queues.last_mut() {
                    last.1 = *step;
                }
            }
            CallEvent::CallOffered {
                agent_id,
                queue_id,
                at,
                ..
            } => record.offers.push((*agent_id, *queue_id, *at, "ringing")),
            CallEvent::CallAccepted { agent_id, at, .. } => {
                record.settled_at.get_or_insert(*at);
                close(&mut record, *agent_id, "accepted");
            }
            CallEvent::CallAbandoned { at, .. } | CallEvent::NoInterpreterAvailable { at, .. } => {
                record.settled_at.get_or_insert(*at);
            }
            CallEvent::OfferDeclined { agent_id, .. } => close(&mut record, *agent_id, "declined"),
            CallEvent::OfferExpired { agent_id, .. } => close(&mut record, *agent_id, "expired"),
            CallEvent::OfferWithdrawn { agent_id, .. } => {
                close(&mut record, *agent_id, "withdrawn")
            }
            _ => {}
        }
        record.call.apply(event);
    }
    record
}

fn close(record: &mut CallRecord, agent: AgentId, outcome: &'static str) {
    if let Some(offer) = record
        .offers
        .iter_mut()
        .rev()
        .find(|o| o.0 == agent && o.3 == "ringing")
    {
        offer.3 = outcome;
    }
}

/// Whether an interpreter was offered a call, and if not, why (supervisor, admin).
#[utoipa::path(get, path = "/api/calls/{id}/routing", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id"), RoutingParams),
    responses((status = 200, body = RoutingAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn call_routing(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Query(params): Query<RoutingParams>,
) -> Result<Json<RoutingAnswer>, ApiError> {
    user.require(&[Role::Supervisor, Role::Admin])?;
    let events = load_events::<Call>(&state, &id.to_string()).await?;
    if events.is_empty() {
        return Err(ApiError::not_found(
            "call_not_found",
            format!("no call {id}"),
        ));
    }
    let record = record(events.into_iter().map(|(_, e)| e).collect());
    let agent_id = AgentId(params.agent_id);
    let (agent, _) = state.floor.load_agent(agent_id).await?;
    if agent.id.is_none() {
        return Err(ApiError::not_found(
            "agent_not_found",
            format!("no interpreter has id {}", params.agent_id),
        ));
    }
    let offers: Vec<OfferRecord> = record
        .offers
        .iter()
        .filter(|o| o.0 == agent_id)
        .map(|o| OfferRecord {
            at: o.2,
            queue_id: o.1.as_uuid(),
            outcome: o.3.to_owned(),
        })
        .collect();
    let mut reasons = Vec::new();
    if offers.is_empty() {
        reasons = why_not(&state, &record, &agent, agent_id).await?;
    }
    for reason in &mut reasons {
        let detail = detail(reason);
        reason["detail"] = serde_json::Value::String(detail);
    }
    let summary = summary(&offers, &reasons);
    let policy_as_of = record.settled_at.unwrap_or_else(Utc::now);
    let skills_changed_since =
        super::agent_at::skills_changed_since(&state, agent_id, policy_as_of).await?;
    Ok(Json(RoutingAnswer {
        policy_as_of,
        skills_changed_since,
        call_id: id,
        agent_id: params.agent_id,
        offered: !offers.is_empty(),
        offers,
        reasons,
        summary,
    }))
}

/// The reasons a never-offered interpreter was not: the matching rule first (for the
/// call's last queue, as widened), then their state when others were offered the call.
async fn why_not(
    state: &AppState,
    record: &CallRecord,
    agent: &Agent,
    agent_id: AgentId,
) -> Result<Vec<serde_json::Value>, ApiError> {
    if record.call.request.is_none() {
        return Ok(vec![]);
    }
    let Some(&(queue_id, taken)) = record.queues.last() else {
        return Ok(vec![json_reason("no_queue", serde_json::json!({}))]);
    };
    let queues = state.queue_directory.current(&state.pool).await?;
    let Some(config) = queues.get(&queue_id) else {
        return Ok(vec![]);
    };
    // The policy as it stood while the call was routed: its organisation's events up to
    // when the call stopped waiting (a handful a year).
    let judged_at = record.settled_at.unwrap_or_else(Utc::now);
    let policy = match record.call.organisation_id {
        Some(o) => {
            let mut organisation = Organisation::default();
            for (_, event) in load_events::<Organisation>(state, &o.to_string()).await? {
                if event.at() <= judged_at {
                    organisation.apply(event);
                }
            }
            Some(organisation.policy)
        }
        None => None,
    };
    let mut members = std::collections::HashMap::new();
    for (queue, _) in &record.queues {
        members.insert(*queue, queue_members(state, *queue).await?);
    }
    for step in config.widening.iter().filter_map(|s| s.add_queue_id) {
        members.insert(step, queue_members(state, step).await?);
    }
    let judged = Judged {
        record,
        agent,
        agent_id,
        config,
        queue_id,
        taken,
        policy: policy.as_ref(),
        members: &members,
    };
    if let Some(mismatch) = judged.mismatch() {
        return Ok(vec![mismatch]);
    }
    // A match: what were they doing when the call went to someone else?
    let mut reasons = Vec::new();
    for (other, _, at, _) in record.offers.iter().filter(|o| o.0 != agent_id) {
        let (status, activity) = super::agent_at::status_at(state, agent_id, *at).await?;
        reasons.push(match (status, activity.as_deref()) {
            (Some(s), _) if s != AgentStatus::Available => json_reason(
                "not_available",
                serde_json::json!({"at": at, "status": s.as_str()}),
            ),
            (_, Some(busy)) if busy != "idle" => {
                json_reason("busy", serde_json::json!({"at": at, "activity": busy}))
            }
            _ => json_reason(
                "another_interpreter_chosen",
                serde_json::json!({
                    "at": at,
                    "chosen": other,
                    "strategy": config.strategy.as_str(),
                    "preferred_by_organisation": policy
                        .as_ref()
                        .is_some_and(|p| p.preferred_agent_ids.contains(other)),
                }),
            ),
        });
    }
    if reasons.is_empty() && record.call.status.is_waiting() {
        reasons.push(json_reason("still_waiting", serde_json::json!({})));
    }
    Ok(reasons)
}

/// What the rule needs to judge one interpreter for one call.
struct Judged<'a> {
    record: &'a CallRecord,
    agent: &'a Agent,
    agent_id: AgentId,
    config: &'a domain::queue::QueueConfig,
    queue_id: QueueId,
    taken: u32,
    policy: Option<&'a domain::matching::OrganisationPolicy>,
    members: &'a std::collections::HashMap<QueueId, Vec<AgentId>>,
}

impl Judged<'_> {
    /// The rule's verdict as the call was last widened: `None` when they match, else the
    /// reason (or the later step under which they would have).
    fn mismatch(&self) -> Option<serde_json::Value> {
        let Self {
            record,
            agent,
            agent_id,
            config,
            queue_id,
            taken,
            policy,
            members,
        } = *self;
        let request = record.call.request.as_ref()?;
        let skills = agent.skills.clone().unwrap_or_default();
        let in_queue = |q: QueueId| {
            members
                .get(&q)
                .is_some_and(|m: &Vec<AgentId>| m.is_empty() || m.contains(&agent_id))
        };
        let offerable = Offerable {
            id: agent_id,
            skills: &skills,
            profile: &agent.profile,
            in_queue: &in_queue,
        };
        let need = Need {
            source_language: &request.source_language,
            language: &request.language,
            modality: request.modality,
            requirements: &request.requirements,
            policy,
        };
        let pool_at = |steps: usize| {
            Pool::widened(
                queue_id,
                config.min_proficiency,
                config.specialty,
                &config.widening,
                steps,
            )
        };
        let taken = usize::try_from(taken).unwrap_or(usize::MAX);
        let Err(mismatch) = matching::check(&need, &pool_at(taken), &offerable) else {
            return None;
        };
        let later = (taken + 1..=config.widening.len())
            .find(|steps| matching::check(&need, &pool_at(*steps), &offerable).is_ok());
        Some(match later {
            Some(step) => json_reason(
                "widening_step_not_reached",
                serde_json::json!({
                    "step": step,
                    "after_s": config.widening[step - 1].after_s,
                    "until_then": mismatch,
                }),
            ),
            None => serde_json::to_value(mismatch).unwrap_or_default(),
        })
    }
}

fn json_reason(code: &str, details: serde_json::Value) -> serde_json::Value {
    let mut object = serde_json::json!({ "code": code });
    if let (Some(target), serde_json::Value::Object(extra)) = (object.as_object_mut(), details) {
        target.extend(extra);
    }
    object
}

async fn queue_members(state: &AppState, queue: QueueId) -> Result<Vec<AgentId>, ApiError> {
    let mut context = state
        .queues
        .load_aggregate(&queue.to_string())
        .await
        .map_err(|e| ApiError::unavailable("event store", &e))?;
    Ok(context.aggregate().members.clone())
}

/// The events of one aggregate, decoded, with their sequence.
async fn load_events<A: Aggregate>(
    state: &AppState,
    id: &str,
) -> Result<Vec<(i64, A::Event)>, ApiError> {
    let rows: Vec<(i64, serde_json::Value)> = sqlx::query_as(
        "SELECT sequence, payload::jsonb FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 \
         ORDER BY sequence",
    )
    .bind(A::TYPE)
    .bind(id)
    .fetch_all(state.history.pool())
    .await?;
    rows.into_iter()
        .map(|(seq, payload)| {
            serde_json::from_value(payload)
                .map(|e| (seq, e))
                .map_err(|e| ApiError::internal(&e))
        })
        .collect()
}

fn summary(offers: &[OfferRecord], reasons: &[serde_json::Value]) -> String {
    if let Some(offer) = offers.last() {
        return format!(
            "Offered {} time(s); the last offer, at {}, was {}.",
            offers.len(),
            offer.at.format("%H:%M:%S"),
            offer.outcome
        );
    }
    let reason = |r: &serde_json::Value| r["code"].as_str().unwrap_or_default().to_owned();
    match reasons.first().map(reason).as_deref() {
        Some("banned_by_organisation") => "Not offered: the call's organisation bans this interpreter.".into(),
        Some("widening_step_not_reached") => "Not offered: they match only after a widening step the call never reached.".into(),
        Some("another_interpreter_chosen") => "Not offered: they were free, but the queue's strategy or the organisation's preference chose another interpreter.".into(),
        Some("not_available") => "Not offered: they were not available when the call was offered to others.".into(),
        Some("busy") => "Not offered: they were busy with another call when this one was offered to others.".into(),
        Some("still_waiting") => "Not offered yet: they match, and the call is still waiting.".into(),
        Some(other) => format!("Not offered: {}.", other.replace('_', " ")),
        None => "Not offered.".into(),
    }
}

/// One reason in words.
fn detail(reason: &serde_json::Value) -> String {
    let text = |field: &str| reason[field].as_str().unwrap_or("?").to_owned();
    match reason["code"].as_str().unwrap_or_default() {
        "banned_by_organisation" => "The call's organisation bans this interpreter.".into(),
        "not_in_queue" => "The interpreter is not a member of the call's queue.".into(),
        "pair_missing" => format!(
            "The interpreter does not interpret {} ↔ {}.",
            text("from"),
            text("to")
        ),
        "proficiency_too_low" => format!(
            "The interpreter's level ({}) is below the queue's floor ({}).",
            reason["has"], reason["needs"]
        ),
        "modality_missing" => format!("The interpreter does not work by {}.", text("modality")),
        "specialty_missing" => format!("The queue needs the {} specialty.", text("specialty")),
        "organisation_certification_missing" => format!(
            "The call's organisation requires the {} certification.",
            text("certification")
        ),
        "certification_missing" => format!(
            "The request requires the {} certification.",
            text("certification")
        ),
        "gender_mismatch" => format!("The request asks for a {} interpreter.", text("wanted")),
        "widening_step_not_reached" => format!(
            "They would match from widening step {} ({} s into the wait), which the call never reached.",
            reason["step"], reason["after_s"]
        ),
        "not_available" => format!(
            "They were {} when the call was offered to another interpreter.",
            text("status")
        ),
        "busy" => format!(
            "They were busy ({}) when the call was offered to another interpreter.",
            text("activity")
        ),
        "another_interpreter_chosen" if reason["preferred_by_organisation"] == true => {
            "They were free, but the organisation prefers the interpreter chosen.".into()
        }
        "another_interpreter_chosen" => format!(
            "They were free, but the queue's strategy ({}) chose another interpreter.",
            text("strategy")
        ),
        "still_waiting" => "They match; the call is still waiting.".into(),
        "no_queue" => "No queue served the request.".into(),
        other => other.replace('_', " "),
    }
}
