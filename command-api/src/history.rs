//! Long synthetic histories, for the tests and benchmarks that show a path's cost does not
//! grow with history (an interpreter with 100,000 events, a store of millions).
//!
//! Commands would take minutes to store that many events; one `INSERT … SELECT` over
//! `generate_series` stores 100,000 in about a second. The events are real ones, built
//! from the domain's own types and cycled, so every reader decodes them as it would
//! events the commands stored.

use anyhow::Context;
use chrono::{DateTime, Utc};
use cqrs_es::{Aggregate, DomainEvent};
use domain::agent::{Agent, AgentEvent, CallEndReason};
use domain::ids::{AgentId, CallId};
use domain::values::AgentStatus;
use sqlx::PgPool;
use uuid::Uuid;

/// One working spell of an interpreter, from signing in to signing off: an offer taken,
/// a call, its wrap-up. It leaves the agent offline and idle, as it found them.
pub fn interpreter_shift(agent_id: AgentId, at: DateTime<Utc>) -> Vec<AgentEvent> {
    let call_id = CallId(Uuid::new_v4());
    let status = |from, to| AgentEvent::AgentStatusChanged {
        agent_id,
        from,
        to,
        at,
    };
    vec![
        status(AgentStatus::Offline, AgentStatus::Available),
        AgentEvent::AgentOfferReceived {
            call_id,
            expires_at: at,
            at,
        },
        AgentEvent::AgentCallStarted { call_id, at },
        AgentEvent::AgentCallEnded {
            call_id,
            reason: CallEndReason::Completed,
            at,
        },
        AgentEvent::AgentWrapUpStarted { call_id, at },
        AgentEvent::AgentWrapUpEnded {
            call_id,
            disposition: None,
            wrap_up_seconds: 0,
            at,
        },
        status(AgentStatus::Available, AgentStatus::Offline),
    ]
}

/// Appends `shifts` × `interpreter_shift` to the agent's stream, after whatever it holds,
/// in one statement. Returns the agent's last sequence.
pub async fn append_interpreter_shifts(
    pool: &PgPool,
    agent_id: AgentId,
    shifts: u32,
    at: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let cycle = interpreter_shift(agent_id, at);
    let types: Vec<String> = cycle.iter().map(DomainEvent::event_type).collect();
    let versions: Vec<String> = cycle.iter().map(DomainEvent::event_version).collect();
    let payloads = cycle
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = serde_json::json!({"actor_id": "system", "actor_name": "history"});
    let count = i64::from(shifts) * i64::try_from(cycle.len())?;
    let last: Option<i64> = sqlx::query_scalar(
        "WITH start AS (
             SELECT COALESCE(max(sequence), 0) AS after FROM events
              WHERE aggregate_type = $1 AND aggregate_id = $2),
         stored AS (
         INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                             payload, metadata)
         SELECT $1, $2, start.after + g,
                ($3::text[])[1 + (g - 1) % cardinality($3::text[])],
                ($4::text[])[1 + (g - 1) % cardinality($4::text[])],
                (($5::text[])[1 + (g - 1) % cardinality($5::text[])])::json,
                $6
           FROM start, generate_series(1::bigint, $7::bigint) AS g
         RETURNING sequence)
         SELECT max(sequence) FROM stored",
    )
    .bind(Agent::TYPE)
    .bind(agent_id.to_string())
    .bind(&types)
    .bind(&versions)
    .bind(&payloads)
    .bind(&metadata)
    .bind(count)
    .fetch_one(pool)
    .await
    .context("appending a synthetic history")?;
    last.context("no event appended")
}
