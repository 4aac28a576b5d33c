//! The live boards: `GET /api/queues` and `GET /api/agents`.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use domain::values::{AgentStatus, LanguageCode, Skills};
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::estimate::{Basis, EstimateReason, estimate};
use super::{ratio, start_of_day};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json, Query};
use crate::routes::paging::{decode_after, encode_after, invalid_after, page, page_limit};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue_board))
        .routes(routes!(agent_board))
}

#[derive(Debug, FromRow)]
struct QueueRow {
    queue_id: Uuid,
    name: String,
    languages: Vec<String>,
    specialty: Option<String>,
    modality: Option<String>,
    strategy: String,
    min_proficiency: i64,
    ring_timeout_s: i64,
    max_wait_s: i64,
    overflow_queue_id: Option<Uuid>,
    wrap_up_s: i64,
    service_level_s: i64,
    members: Vec<Uuid>,
    source_language: Option<String>,
    seq: i64,
}

#[derive(Debug, FromRow)]
struct LiveCallRow {
    queue_id: Uuid,
    status: String,
    waiting_since: Option<DateTime<Utc>>,
    agent_id: Option<Uuid>,
    seq: i64,
}

#[derive(Debug, FromRow)]
struct AgentSkillRow {
    agent_id: Uuid,
    status: String,
    activity: String,
    languages: Vec<String>,
    modalities: Vec<String>,
    /// `[{from, to, proficiency}]`, as `Skills::pairs`.
    pairs: serde_json::Value,
    seq: i64,
}

impl AgentSkillRow {
    /// The pairs as skills (languages with English are in `languages`).
    fn skills(&self) -> Skills {
        Skills {
            pairs: serde_json::from_value(self.pairs.clone()).unwrap_or_default(),
            ..Skills::default()
        }
    }
}

#[derive(Debug, Default, FromRow)]
struct TodayRow {
    key: String,
    offered: i64,
    answered_in_sl: i64,
    short_abandoned: i64,
    handled: i64,
    handle_s: i64,
    seq: i64,
}

/// One queue on the live board: its configuration and what is happening in it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueBoard {
    pub id: Uuid,
    pub name: String,
    pub languages: Vec<String>,
    pub specialty: Option<String>,
    pub modality: Option<String>,
    pub strategy: String,
    pub min_proficiency: i64,
    pub ring_timeout_s: i64,
    pub max_wait_s: i64,
    pub overflow_queue_id: Option<Uuid>,
    pub wrap_up_s: i64,
    pub service_level_s: i64,
    /// Among queues serving a request equally specifically, the highest routes it.
    pub precedence: i64,
    /// Interpreters allowed to take its calls; empty: everyone with the skills.
    pub members: Vec<Uuid>,
    /// A pair queue's other language: it serves `source_language` ↔ each of `languages`.
    pub source_language: Option<String>,
    /// Steps that relax the pool as a call waits.
    #[schema(value_type = Vec<Object>)]
    pub widening: Vec<domain::matching::WideningStep>,
    /// Calls queued or ringing in it now.
    pub waiting: i64,
    /// Seconds the longest-waiting of those has been queued; 0 with none.
    pub longest_wait_s: i64,
    /// Eligible interpreters (a language of the queue, its modality if it has one, a member
    /// if it has members) who are available and idle.
    pub agents_available: i64,
    /// Interpreters on a call of this queue (connected or on hold).
    pub agents_on_call: i64,
    /// Eligible interpreters in wrap-up.
    pub agents_wrap_up: i64,
    /// Eligible interpreters on break.
    pub agents_on_break: i64,
    /// Today (UTC): answered within the service-level threshold ÷ (offered − short
    /// abandons). `null` before there is anything to measure.
    pub service_level_today: Option<f64>,
    /// Estimated wait in seconds for a call requested now. 0 when an eligible interpreter
    /// is free for every waiting call and the new one; otherwise (waiting + 1 − available)
    /// × today's average handle time ÷ the eligible interpreters signed in as available.
    /// `null` when there is no honest estimate; `estimate_reason` says why.
    pub estimated_wait_s: Option<i64>,
    /// Why `estimated_wait_s` is `null`: `no_interpreters_signed_in` (no eligible
    /// interpreter is available) or `no_recent_service` (no handled call today, so no
    /// handle time). `null` when there is an estimate.
    pub estimate_reason: Option<EstimateReason>,
    /// Today's (UTC) handled calls and their handle time in seconds: the basis of the
    /// estimate, for a client that recounts the queue from pushed rows (`wire::estimate`).
    pub handled_today: i64,
    pub handle_s_today: i64,
    /// The greatest `seq` of the read-model rows this entry was computed from.
    pub seq: i64,
}

impl QueueRow {
    /// Whether `agent` could take this queue's calls: a language of it (for a pair queue,
    /// a pair of `source` with one of its languages), its modality, its membership.
    fn is_eligible(&self, agent: &AgentSkillRow) -> bool {
        let source = self
            .source_language
            .as_deref()
            .and_then(|l| LanguageCode::parse(l).ok());
        let speaks = match &source {
            None => agent
                .languages
                .iter()
                .any(|language| self.languages.contains(language)),
            Some(source) => self.languages.iter().any(|language| {
                LanguageCode::parse(language).is_ok_and(|language| {
                    agent
                        .skills()
                        .proficiency_between(source, &language)
                        .is_some()
                })
            }),
        };
        speaks
            && self
                .modality
                .as_ref()
                .is_none_or(|modality| agent.modalities.contains(modality))
            && (self.members.is_empty() || self.members.contains(&agent.agent_id))
    }
}

const QUEUE_SELECT: &str = "SELECT queue_id, name::text AS name, languages::text[] AS languages, specialty::text AS specialty, \
        modality::text AS modality, strategy::text AS strategy, min_proficiency::int8 AS min_proficiency, \
        ring_timeout_s::int8 AS ring_timeout_s, max_wait_s::int8 AS max_wait_s, overflow_queue_id, \
        wrap_up_s::int8 AS wrap_up_s, service_level_s::int8 AS service_level_s, \
        coalesce(members, '{}')::uuid[] AS members, source_language, seq::int8 AS seq \
     FROM read_queues.queues";

const AGENT_SKILLS_SELECT: &str = "SELECT agent_id, status::text AS status, activity::text AS activity, \
        coalesce(languages, '{}')::text[] AS languages, coalesce(modalities, '{}')::text[] AS modalities, \
        coalesce(pairs, '[]'::jsonb) AS pairs, seq::int8 AS seq \
     FROM read_agents.agents";

const TODAY_SELECT: &str = "SELECT key, coalesce(sum(offered), 0)::int8 AS offered, \
        coalesce(sum(answered_in_sl), 0)::int8 AS answered_in_sl, \
        coalesce(sum(short_abandoned), 0)::int8 AS short_abandoned, \
        coalesce(sum(handled), 0)::int8 AS handled, \
        coalesce(sum(talk_s + hold_s + wrap_up_s), 0)::int8 AS handle_s, \
        coalesce(max(seq), 0)::int8 AS seq \
     FROM read_metrics.buckets";

/// The expected wait of a call already waiting in `queue_id` with `ahead` calls before it
/// (its `position` − 1), by the board's rule for a new call behind `ahead` waiting ones;
/// `None` for an unknown queue or when there is no honest estimate (see `estimate`).
pub(super) async fn estimated_wait_behind(
    pool: &PgPool,
    queue_id: Uuid,
    ahead: i64,
) -> Result<Option<i64>, ApiError> {
    let queue: Option<QueueRow> = sqlx::query_as(&format!("{QUEUE_SELECT} WHERE queue_id = $1"))
        .bind(queue_id)
        .fetch_optional(pool)
        .await?;
    let Some(queue) = queue else {
        return Ok(None);
    };
    // Only whom the estimate counts: available interpreters of the queue's languages, not
    // every interpreter ever created.
    let agents: Vec<AgentSkillRow> = sqlx::query_as(&format!(
        "{AGENT_SKILLS_SELECT} WHERE status = $1 AND (languages && $2 OR pairs <> '[]'::jsonb)"
    ))
    .bind(AgentStatus::Available.as_str())
    .bind(&queue.languages)
    .fetch_all(pool)
    .await?;
    let stats: TodayRow = sqlx::query_as(&format!(
        "{TODAY_SELECT} WHERE dimension = 'queue' AND bucket_start >= $1 AND key = $2 GROUP BY key"
    ))
    .bind(start_of_day(Utc::now()))
    .bind(queue_id.to_string())
    .fetch_optional(pool)
    .await?
    .unwrap_or_default();
    let (mut available, mut staffed) = (0, 0);
    for agent in agents.iter().filter(|a| queue.is_eligible(a)) {
        let is_available = agent.status == "available";
        available += i64::from(is_available && agent.activity == "idle");
        staffed += i64::from(is_available);
    }
    Ok(estimate(Basis {
        ahead: ahead.max(0),
        free: available,
        staffed,
        handled: stats.handled,
        handle_s: stats.handle_s,
    })
    .ok())
}

/// The live board: every queue with its waiting calls, longest wait, interpreters free and
/// busy, today's service level and an estimated wait (any signed-in user).
#[utoipa::path(get, path = "/api/queues", tag = "queues", security(("bearer" = [])),
    responses((status = 200, body = Vec<QueueBoard>), (status = 401, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
async fn queue_board(
    _user: AuthUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<QueueBoard>>, ApiError> {
    let now = Utc::now();
    // Precedence is not in the read model (it would need a rebuild of `read_queues`); the
    // write side's fold of the queue events has it.
    let configs = state.queue_directory.current(&state.pool).await?;
    let queues: Vec<QueueRow> = sqlx::query_as(&format!("{QUEUE_SELECT} ORDER BY name, queue_id"))
        .fetch_all(&state.pool)
        .await?;
    let calls: Vec<LiveCallRow> = sqlx::query_as(
        "SELECT queue_id, status::text AS status, coalesce(queued_at, requested_at) AS waiting_since, \
                agent_id, seq::int8 AS seq \
         FROM read_calls.calls \
         WHERE queue_id IS NOT NULL AND status IN ('queued', 'offered', 'connected', 'on_hold')",
    )
    .fetch_all(&state.pool)
    .await?;
    let agents: Vec<AgentSkillRow> = sqlx::query_as(AGENT_SKILLS_SELECT)
        .fetch_all(&state.pool)
        .await?;
    let today: HashMap<String, TodayRow> = sqlx::query_as::<_, TodayRow>(&format!(
        "{TODAY_SELECT} WHERE dimension = 'queue' AND bucket_start >= $1 GROUP BY key"
    ))
    .bind(start_of_day(now))
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|row| (row.key.clone(), row))
    .collect();

    let no_stats = TodayRow::default();
    let board = queues
        .into_iter()
        .map(|queue| {
            let mut seq = queue.seq;
            let (mut waiting, mut oldest, mut on_call) = (0, None::<DateTime<Utc>>, Vec::new());
            for call in calls.iter().filter(|c| c.queue_id == queue.queue_id) {
                seq = seq.max(call.seq);
                if matches!(call.status.as_str(), "queued" | "offered") {
                    waiting += 1;
                    oldest = match (oldest, call.waiting_since) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                } else if let Some(agent) = call.agent_id
                    && !on_call.contains(&agent)
                {
                    on_call.push(agent);
                }
            }
            let (mut available, mut staffed, mut wrap_up, mut on_break) = (0, 0, 0, 0);
            let config = configs.get(&domain::QueueId(queue.queue_id));
            for agent in agents.iter().filter(|a| queue.is_eligible(a)) {
                seq = seq.max(agent.seq);
                let is_available = agent.status == "available";
                available += i64::from(is_available && agent.activity == "idle");
                staffed += i64::from(is_available);
                wrap_up += i64::from(agent.activity == "wrap_up");
                on_break += i64::from(agent.status == "break");
            }
            let stats = today.get(&queue.queue_id.to_string()).unwrap_or(&no_stats);
            seq = seq.max(stats.seq);
            let estimated = estimate(Basis {
                ahead: waiting,
                free: available,
                staffed,
                handled: stats.handled,
                handle_s: stats.handle_s,
            });
            QueueBoard {
                id: queue.queue_id,
                name: queue.name,
                languages: queue.languages,
                specialty: queue.specialty,
                modality: queue.modality,
                strategy: queue.strategy,
                min_proficiency: queue.min_proficiency,
                ring_timeout_s: queue.ring_timeout_s,
                max_wait_s: queue.max_wait_s,
                overflow_queue_id: queue.overflow_queue_id,
                wrap_up_s: queue.wrap_up_s,
                service_level_s: queue.service_level_s,
                precedence: config.map_or(0, |config| i64::from(config.precedence)),
                source_language: config
                    .and_then(|c| c.source_language.as_ref())
                    .map(|l| l.as_str().to_owned()),
                widening: config.map_or_else(Vec::new, |c| c.widening.clone()),
                members: queue.members,
                waiting,
                longest_wait_s: oldest.map_or(0, |t| (now - t).num_seconds().max(0)),
                agents_available: available,
                agents_on_call: i64::try_from(on_call.len()).unwrap_or(i64::MAX),
                agents_wrap_up: wrap_up,
                agents_on_break: on_break,
                service_level_today: ratio(
                    stats.answered_in_sl,
                    stats.offered - stats.short_abandoned,
                ),
                estimated_wait_s: estimated.ok(),
                estimate_reason: estimated.err(),
                handled_today: stats.handled,
                handle_s_today: stats.handle_s,
                seq,
            }
        })
        .collect();
    Ok(Json(board))
}

/// One interpreter on the status board.
#[derive(Debug, Serialize, ToSchema, FromRow)]
pub struct AgentBoard {
    pub id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
    /// available, break, offline or away.
    pub status: String,
    /// Why the status is what it is when the interpreter did not choose it:
    /// `presence_lost` (no live connection for the presence timeout) or `missed_offers`;
    /// null otherwise.
    pub reason: Option<String>,
    /// When the status last changed.
    pub since: Option<DateTime<Utc>>,
    /// idle, ringing, on_call or wrap_up.
    pub activity: String,
    pub activity_since: Option<DateTime<Utc>>,
    pub current_call_id: Option<Uuid>,
    pub offer_call_id: Option<Uuid>,
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// Calls answered today (UTC).
    pub calls_today: i64,
    pub languages: Vec<String>,
    /// Proficiency per language, e.g. `{"es": 5}`.
    #[schema(value_type = Object)]
    pub proficiency: serde_json::Value,
    pub specialties: Vec<String>,
    pub modalities: Vec<String>,
    /// Pairs beyond English: `[{from, to, proficiency}]`, either direction serving.
    #[schema(value_type = Vec<Object>)]
    pub pairs: serde_json::Value,
    pub certifications: Vec<String>,
    pub gender: Option<String>,
    /// When they last became free to take a call (`domain::idle`, the definition the
    /// router orders longest-idle by); `null` while not available or busy with a call.
    pub idle_since: Option<DateTime<Utc>>,
    pub missed_offers_in_row: i64,
    /// On a call with no live connection since then: flagged to supervisors.
    pub presence_lost_at: Option<DateTime<Utc>>,
    pub seq: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgentBoardParams {
    /// For an interpreter: `colleagues` lists everyone else too (to hand a call to a named
    /// colleague), without their calls and offers. Ignored for the other roles.
    #[param(inline)]
    pub scope: Option<AgentBoardScope>,
    /// 1–1000, default 1000.
    pub limit: Option<i64>,
    /// The position after which the page starts, from the previous page's `Link` header.
    pub after: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentBoardScope {
    /// The interpreter's own row (the default).
    Me,
    Colleagues,
}

/// The interpreters' status board (supervisor, admin, analyst; an interpreter sees their
/// own row, or with `scope=colleagues` also the others' presence and skills).
#[utoipa::path(get, path = "/api/agents", tag = "agents", security(("bearer" = [])),
    params(AgentBoardParams),
    responses((status = 200, body = Vec<AgentBoard>, headers(("Link" = String, description = "the next page, when one follows"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn agent_board(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<AgentBoardParams>,
) -> Result<(HeaderMap, Json<Vec<AgentBoard>>), ApiError> {
    user.require(&[Role::Supervisor, Role::Admin, Role::Analyst, Role::Agent])?;
    let me = user.id.as_uuid();
    let agent_sees_colleagues =
        user.role == Role::Agent && params.scope == Some(AgentBoardScope::Colleagues);
    let only = (user.role == Role::Agent && !agent_sees_colleagues).then_some(me);
    let limit = page_limit(params.limit)?;
    let (after_name, after_id) = match params.after.as_deref() {
        Some(raw) => {
            let [name, id] = decode_after::<2>(raw)?;
            let id = id.parse::<Uuid>().map_err(|_| invalid_after())?;
            (Some(name), Some(id))
        }
        None => (None, None),
    };
    let rows: Vec<AgentBoard> = sqlx::query_as(
        "SELECT a.agent_id AS id, u.name, u.email, a.status::text AS status, a.reason, \
                a.status_since AS since, \
                a.activity::text AS activity, a.activity_since, a.current_call_id, a.offer_call_id, \
                a.offer_expires_at, \
                CASE WHEN a.calls_today_date = $1 THEN coalesce(a.calls_today, 0) ELSE 0 END::int8 AS calls_today, \
                coalesce(a.languages, '{}')::text[] AS languages, coalesce(a.proficiency::jsonb, '{}') AS proficiency, \
                coalesce(a.specialties, '{}')::text[] AS specialties, coalesce(a.modalities, '{}')::text[] AS modalities, \
                coalesce(a.pairs, '[]'::jsonb) AS pairs, coalesce(a.certifications, '{}')::text[] AS certifications, \
                a.gender, \
                a.idle_since, coalesce(a.missed_offers_in_row, 0)::int8 AS missed_offers_in_row, \
                a.presence_lost_at, a.seq::int8 AS seq \
         FROM read_agents.agents a LEFT JOIN public.users u ON u.id = a.agent_id \
         WHERE ($2::uuid IS NULL OR a.agent_id = $2) \
           AND ($3::text IS NULL OR (coalesce(u.name, ''), a.agent_id) > ($3, $4::uuid)) \
         ORDER BY coalesce(u.name, ''), a.agent_id LIMIT $5",
    )
    .bind(Utc::now().date_naive())
    .bind(only)
    .bind(after_name)
    .bind(after_id)
    .bind(limit + 1)
    .fetch_all(&state.pool)
    .await?;
    let path = match params.scope {
        Some(AgentBoardScope::Colleagues) => "/api/agents?scope=colleagues",
        _ => "/api/agents",
    };
    let (headers, rows) = page(rows, limit, path, |last| {
        encode_after(&[
            last.name.as_deref().unwrap_or_default(),
            &last.id.to_string(),
        ])
    });
    if !agent_sees_colleagues {
        return Ok((headers, Json(rows)));
    }
    // A colleague's presence and skills, not what they are working on.
    Ok((
        headers,
        Json(
            rows.into_iter()
                .map(|row| {
                    if row.id == me {
                        row
                    } else {
                        row.presence_only()
                    }
                })
                .collect(),
        ),
    ))
}

impl AgentBoard {
    fn presence_only(self) -> Self {
        Self {
            current_call_id: None,
            offer_call_id: None,
            offer_expires_at: None,
            calls_today: 0,
            missed_offers_in_row: 0,
            ..self
        }
    }
}
