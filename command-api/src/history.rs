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

/// What [`fill_read_models`] stored.
#[derive(Debug, Clone, Copy)]
pub struct FilledReadModels {
    pub calls: i64,
    pub history_rows: i64,
    pub buckets: i64,
}

/// What [`fill_read_models`] stores: the calls, their place and people, and how much of
/// their history.
#[derive(Debug, Clone)]
pub struct FloorHistory<'a> {
    pub calls: i64,
    /// `read_history` rows per call, at most five.
    pub history_per_call: i64,
    /// Days of 15-minute metric buckets, back from `now`.
    pub metric_days: i64,
    pub queue: Uuid,
    pub requester: Uuid,
    pub interpreters: &'a [Uuid],
    pub now: DateTime<Utc>,
}

/// A floor's years of finished calls in the read models, in a few statements: `calls`
/// wrapped-up calls, one a second back from `now`, in `queue`, one in ten by `requester`,
/// each answered by one of `interpreters` in turn (with its `call_agents` row);
/// `history_per_call` `read_history` rows per call; and 15-minute metric buckets for the
/// last `metric_days` days, per queue and per interpreter. The rows are what the projections would write for such
/// calls, as far as the read paths look; the events behind them are not stored (see
/// [`append_interpreter_shifts`] for real events).
pub async fn fill_read_models(
    pool: &PgPool,
    floor: &FloorHistory<'_>,
) -> anyhow::Result<FilledReadModels> {
    let FloorHistory {
        calls,
        history_per_call,
        metric_days: days,
        queue,
        requester,
        interpreters,
        now,
    } = *floor;
    anyhow::ensure!(!interpreters.is_empty(), "at least one interpreter");
    let mut tx = pool.begin().await?;
    // One statement: the new calls, who may see them, and their histories, so that the
    // rows added later refer to these calls only, whatever the tables held before.
    let (stored, history): (i64, i64) = sqlx::query_as(
        "WITH new_calls AS ( \
           INSERT INTO read_calls.calls (call_id, requester_id, organisation_id, language, source_language, \
                                         modality, priority, \
                                         status, queue_id, agent_id, requested_at, queued_at, answered_at, \
                                         ended_at, wrapped_up_at, outcome, wait_s, talk_s, hold_s, wrap_up_s, seq) \
           SELECT gen_random_uuid(), CASE WHEN g % 10 = 0 THEN $3 ELSE gen_random_uuid() END, \
                  CASE WHEN g % 10 = 0 THEN (SELECT organisation_id FROM users WHERE id = $3) END, 'es', 'en', \
                  'video', 'normal', 'wrapped_up', $2, ($4::uuid[])[1 + g % cardinality($4::uuid[])], \
                  at, at, at, at, at, 'answered', 5, 300, 0, 20, g \
             FROM generate_series(1, $1) AS g, LATERAL (SELECT $5 - g * interval '1 second' AS at) AS t \
           RETURNING call_id, agent_id, requested_at, seq), \
         seen AS ( \
           INSERT INTO read_calls.call_agents (agent_id, call_id, requested_at, answered) \
           SELECT agent_id, call_id, requested_at, true FROM new_calls), \
         history AS ( \
           INSERT INTO read_history.events (call_id, seq, call_sequence, event_type, event_version, at, \
                                            recorded_at, actor, data) \
           SELECT c.call_id, c.seq * 5 + s, s, \
                  (ARRAY['CallRequested', 'CallQueued', 'CallOffered', 'CallAccepted', 'CallEnded'])[s], '1', \
                  c.requested_at, c.requested_at, '{\"role\": \"system\"}', '{}' \
             FROM new_calls c, generate_series(1, least($6, 5)) AS s \
           RETURNING 1) \
         SELECT (SELECT count(*) FROM new_calls), (SELECT count(*) FROM history)",
    )
    .bind(calls)
    .bind(queue)
    .bind(requester)
    .bind(interpreters)
    .bind(now)
    .bind(history_per_call)
    .fetch_one(&mut *tx)
    .await
    .context("storing the calls, who may see them, and their histories")?;
    let buckets = sqlx::query(
        "INSERT INTO read_metrics.buckets (bucket_start, dimension, key, offered, answered, handled, talk_s, seq) \
         SELECT date_bin(interval '15 minutes', $1, TIMESTAMPTZ '2000-01-01 00:00:00+00') - q * interval '15 minutes', \
                k.dimension, k.key, 4, 4, 4, 1200, q \
           FROM generate_series(0, $2 * 96 - 1) AS q, \
                (SELECT 'queue' AS dimension, $3::text AS key \
                 UNION ALL SELECT 'agent', a::text FROM unnest($4::uuid[]) AS a) AS k \
         ON CONFLICT DO NOTHING",
    )
    .bind(now)
    .bind(days)
    .bind(queue)
    .bind(interpreters)
    .execute(&mut *tx)
    .await
    .context("storing the metric buckets")?;
    tx.commit().await?;
    for table in [
        "read_calls.calls",
        "read_calls.call_agents",
        "read_history.events",
        "read_metrics.buckets",
    ] {
        // VACUUM too: autovacuum would otherwise get to these tables while they are read.
        sqlx::query(&format!("VACUUM ANALYZE {table}"))
            .execute(pool)
            .await
            .with_context(|| format!("vacuuming {table}"))?;
    }
    Ok(FilledReadModels {
        calls: stored,
        history_rows: history,
        buckets: i64::try_from(buckets.rows_affected())?,
    })
}
