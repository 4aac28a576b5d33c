//! `POST /api/what-if` and `GET /api/what-if/{id}`: replay a past interval's requests
//! through the router under changed queue settings or staffing, as a background run, and
//! read its progress and the two sets of metrics side by side (`crate::what_if`).

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, DurationRound, Utc};
use domain::ids::QueueId;
use domain::matching::WideningStep;
use domain::queue::QueueConfig;
use domain::values::{Proficiency, RoutingStrategy};
use projections::what_if::{Changes, QueueChange};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use wire::what_if::{
    QueueChange as QueueChangeBody, RunStarted, RunStatus, WhatIfRequest, WideningStepBody,
};

use super::queries::parse_instant;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json, Path};
use crate::state::AppState;
use crate::what_if::{self, Run, RunMetrics, STALE_AFTER_S};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_run))
        .routes(routes!(run))
}

/// The longest interval one run replays.
pub const MAX_DAYS: i64 = 7;
/// Most queue changes, and most staffing changes, one run asks for.
pub const MAX_CHANGES: usize = 100;
/// Interpreters one staffing change may add or take away.
pub const MAX_STAFFING_DELTA: i32 = 1_000;
/// Runs queued or running at once, all processes together: more is a 429.
pub const MAX_PENDING_RUNS: i64 = 4;

/// A run: where it is and, once done, the same metrics for what happened and for the
/// replay.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhatIfRun {
    pub id: Uuid,
    pub status: RunStatus,
    /// 0–1.
    pub progress: f32,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The request's changes, as given.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    pub actual: Option<RunMetrics>,
    pub simulated: Option<RunMetrics>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

fn quarter() -> Duration {
    Duration::minutes(15)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_value", message)
}

/// The interval, rounded out to quarter hours.
fn interval(
    body: &WhatIfRequest,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let asked_from = parse_instant("from", &body.from)?;
    // Only the past can be replayed: a `to` later than now means until now.
    let asked_to = parse_instant("to", &body.to)?.min(now);
    let from = asked_from
        .duration_trunc(quarter())
        .map_err(|e| invalid(format!("from: {e}")))?;
    let mut to = asked_to
        .duration_trunc(quarter())
        .map_err(|e| invalid(format!("to: {e}")))?;
    if to < asked_to {
        to += quarter();
    }
    if asked_from >= asked_to {
        return Err(ApiError::unprocessable(
            "invalid_interval",
            "from must be before to, and before now",
        ));
    }
    if to - from > Duration::days(MAX_DAYS) {
        return Err(ApiError::unprocessable(
            "interval_too_long",
            format!("a run replays at most {MAX_DAYS} days"),
        ));
    }
    Ok((from, to))
}

fn queue_id(raw: &str, field: &str) -> Result<Uuid, ApiError> {
    raw.parse()
        .map_err(|_| invalid(format!("{field}: {raw:?} is not a queue id")))
}

fn widening_step(body: &WideningStepBody) -> Result<WideningStep, ApiError> {
    let after_s = u32::try_from(body.after_s).map_err(|_| {
        invalid(format!(
            "widening: after_s: {} is out of range",
            body.after_s
        ))
    })?;
    Ok(WideningStep {
        after_s,
        min_proficiency: body.min_proficiency.map(Proficiency::parse).transpose()?,
        drop_specialty: body.drop_specialty,
        drop_requirements: body.drop_requirements,
        add_queue_id: body
            .add_queue_id
            .as_deref()
            .map(|raw| queue_id(raw, "widening: add_queue_id").map(QueueId))
            .transpose()?,
    })
}

fn queue_change(body: &QueueChangeBody) -> Result<QueueChange, ApiError> {
    let strategy = body
        .strategy
        .as_deref()
        .map(RoutingStrategy::parse)
        .transpose()?;
    let ring_timeout_s = body
        .ring_timeout_s
        .map(|s| {
            u32::try_from(s)
                .ok()
                .filter(|s| QueueConfig::RING_TIMEOUT_RANGE_S.contains(s))
                .ok_or_else(|| invalid(format!("ring_timeout_s: {s} is not within 1–600")))
        })
        .transpose()?;
    let widening = body
        .widening
        .as_ref()
        .map(|steps| {
            let steps = steps
                .iter()
                .map(widening_step)
                .collect::<Result<Vec<_>, _>>()?;
            WideningStep::check_list(&steps)?;
            Ok::<_, ApiError>(steps)
        })
        .transpose()?;
    Ok(QueueChange {
        strategy,
        ring_timeout_s,
        widening,
    })
}

/// The changes, every queue named checked to exist.
async fn changes(state: &AppState, body: &WhatIfRequest) -> Result<Changes, ApiError> {
    if body.queues.len() > MAX_CHANGES || body.staffing_delta.len() > MAX_CHANGES {
        return Err(invalid(format!(
            "at most {MAX_CHANGES} queue and {MAX_CHANGES} staffing changes"
        )));
    }
    let known = state.queue_directory.current(&state.pool).await?;
    let check = |raw: &str, field: &str| {
        let id = queue_id(raw, field)?;
        if known.contains_key(&QueueId(id)) {
            Ok(QueueId(id))
        } else {
            Err(ApiError::unprocessable(
                "unknown_queue",
                format!("{field}: no queue {id}"),
            ))
        }
    };
    let mut queues = HashMap::new();
    let mut seen = HashSet::new();
    for change in &body.queues {
        let id = check(&change.id, "queues")?;
        if !seen.insert(id) {
            return Err(invalid(format!("queues: {} is listed twice", change.id)));
        }
        let parsed = queue_change(change)?;
        if let Some(add) = parsed
            .widening
            .iter()
            .flatten()
            .find_map(|s| s.add_queue_id)
        {
            check(&add.0.to_string(), "queues: widening: add_queue_id")?;
        }
        queues.insert(id, parsed);
    }
    let mut staffing_delta = HashMap::new();
    for (queue, delta) in &body.staffing_delta {
        let id = check(queue, "staffing_delta")?;
        if delta.unsigned_abs() > MAX_STAFFING_DELTA.unsigned_abs() {
            return Err(invalid(format!(
                "staffing_delta: {delta} is beyond ±{MAX_STAFFING_DELTA}"
            )));
        }
        staffing_delta.insert(id, *delta);
    }
    Ok(Changes {
        queues,
        staffing_delta,
    })
}

/// Replays the requests of `[from, to)` through the router in a sandbox with the changes
/// given, in the background (analyst, supervisor, admin). Poll `GET /api/what-if/{id}`.
#[utoipa::path(post, path = "/api/what-if", tag = "metrics", security(("bearer" = [])), request_body = WhatIfRequest,
    responses((status = 202, body = RunStarted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn start_run(
    user: AuthUser,
    State(state): State<AppState>,
    Json(body): Json<WhatIfRequest>,
) -> Result<(StatusCode, Json<RunStarted>), ApiError> {
    user.require(&[Role::Analyst, Role::Supervisor, Role::Admin])?;
    let (from, to) = interval(&body, Utc::now())?;
    let changes = changes(&state, &body).await?;
    let pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM what_if_runs WHERE status IN ('queued', 'running') \
         AND heartbeat_at > now() - make_interval(secs => $1)",
    )
    .bind(STALE_AFTER_S as f64)
    .fetch_one(&state.pool)
    .await?;
    if pending >= MAX_PENDING_RUNS {
        return Err(ApiError::too_many_requests(30));
    }
    let id = Uuid::now_v7();
    let given = serde_json::json!({"queues": body.queues, "staffing_delta": body.staffing_delta});
    sqlx::query(
        "INSERT INTO what_if_runs (id, requested_by, from_at, to_at, changes, status) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(user.id.as_uuid())
    .bind(from)
    .bind(to)
    .bind(given)
    .bind(RunStatus::Queued.as_str())
    .execute(&state.pool)
    .await?;
    what_if::start(
        state.pool.clone(),
        state.history.pool().clone(),
        Run {
            id,
            from,
            to,
            changes,
        },
    );
    Ok((
        StatusCode::ACCEPTED,
        Json(RunStarted { id: id.to_string() }),
    ))
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: Uuid,
    status: String,
    progress: f32,
    from_at: DateTime<Utc>,
    to_at: DateTime<Utc>,
    changes: serde_json::Value,
    actual: Option<sqlx::types::Json<RunMetrics>>,
    simulated: Option<sqlx::types::Json<RunMetrics>>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    stale: bool,
}

/// A what-if run: status, progress and, once done, the actual and simulated metrics.
#[utoipa::path(get, path = "/api/what-if/{id}", tag = "metrics", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "run id")),
    responses((status = 200, body = WhatIfRun), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn run(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<WhatIfRun>, ApiError> {
    user.require(&[Role::Analyst, Role::Supervisor, Role::Admin])?;
    let row: Option<RunRow> = sqlx::query_as(
        "SELECT id, status, progress, from_at, to_at, changes, actual, simulated, error, created_at, \
                finished_at, heartbeat_at < now() - make_interval(secs => $2) AS stale \
         FROM what_if_runs WHERE id = $1",
    )
    .bind(id)
    .bind(STALE_AFTER_S as f64)
    .fetch_optional(&state.pool)
    .await?;
    let Some(row) = row else {
        return Err(ApiError::not_found(
            "what_if_not_found",
            format!("no what-if run {id}"),
        ));
    };
    let mut status = RunStatus::parse(&row.status).unwrap_or(RunStatus::Failed);
    let mut error = row.error;
    if row.stale && matches!(status, RunStatus::Queued | RunStatus::Running) {
        status = RunStatus::Failed;
        error = Some("the process running it stopped; start the run again".to_owned());
    }
    Ok(Json(WhatIfRun {
        id: row.id,
        status,
        progress: row.progress,
        from: row.from_at,
        to: row.to_at,
        changes: row.changes,
        actual: row.actual.map(|a| a.0),
        simulated: row.simulated.map(|s| s.0),
        error,
        created_at: row.created_at,
        finished_at: row.finished_at,
    }))
}
