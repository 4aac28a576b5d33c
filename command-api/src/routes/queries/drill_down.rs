//! `GET /api/metrics/calls`: the calls behind one metric cell, each with its share of the
//! cell's numerator and denominator; the shares add up to the cell exactly.
//!
//! The cell is one group (`group_by` and `group`, as `GET /api/metrics` names them) over
//! one interval (`interval_start`, `interval`). The shares are the `metrics` projection's
//! contributions (`projections/src/read_models/metrics_contributions.rs`): the very deltas
//! the cell's buckets summed, each with its call and event. Interpreter time that belongs
//! to no call (occupancy's logged-in seconds) is listed by the event that counted it, with
//! `call_id` null.

use std::collections::BTreeMap;

use axum::extract::State;

use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::metrics::{GROUP_BY, INTERVALS};
use super::{parse_instant, ratio};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metric_calls))
}

/// The most contributions one answer reads: a busy queue's day by the hour.
const MAX_CONTRIBUTIONS: i64 = 200_000;

/// A metric as counters: (counter, sign) summed for the numerator and the denominator.
struct Definition {
    name: &'static str,
    numerator: &'static [(&'static str, i64)],
    denominator: &'static [(&'static str, i64)],
}

/// The metrics a cell can be drilled into (`wire::metrics::DRILLABLE`).
pub const METRICS: [&str; 6] = wire::metrics::DRILLABLE;

const DEFINITIONS: [Definition; 6] = [
    Definition {
        name: "service_level",
        numerator: &[("answered_in_sl", 1)],
        denominator: &[("offered", 1), ("short_abandoned", -1)],
    },
    Definition {
        name: "asa_s",
        numerator: &[("answer_wait_s", 1)],
        denominator: &[("answered", 1)],
    },
    Definition {
        name: "aht_s",
        numerator: &[("talk_s", 1), ("hold_s", 1), ("wrap_up_s", 1)],
        denominator: &[("handled", 1)],
    },
    Definition {
        name: "abandonment_rate",
        numerator: &[("abandoned", 1), ("short_abandoned", -1)],
        denominator: &[("offered", 1)],
    },
    Definition {
        name: "occupancy",
        numerator: &[("busy_s", 1)],
        denominator: &[("logged_in_s", 1)],
    },
    Definition {
        name: "offered",
        numerator: &[("offered", 1)],
        denominator: &[],
    },
];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MetricCallsParams {
    /// `service_level`, `asa_s`, `aht_s`, `abandonment_rate`, `occupancy` or `offered`.
    pub metric: String,
    /// `queue` (default), `language` or `agent`.
    pub group_by: Option<String>,
    /// The row's `key` in `GET /api/metrics`: a queue id, language code or interpreter id.
    pub group: String,
    /// The row's `bucket_start` (RFC 3339).
    pub interval_start: String,
    /// `15m`, `1h` (default) or `1d`.
    pub interval: Option<String>,
}

pub use wire::metrics::{CallShare, MetricCalls};

fn invalid(field: &str, value: &str, allowed: &[&str]) -> ApiError {
    ApiError::unprocessable(
        "invalid_value",
        format!("{field}: {value:?} is not one of {}", allowed.join(", ")),
    )
}

/// The calls behind one cell of `GET /api/metrics`, with their shares (analyst,
/// supervisor, admin).
#[utoipa::path(get, path = "/api/metrics/calls", tag = "metrics", security(("bearer" = [])),
    params(MetricCallsParams),
    responses((status = 200, body = MetricCalls), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn metric_calls(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<MetricCallsParams>,
) -> Result<Json<MetricCalls>, ApiError> {
    user.require(&[Role::Analyst, Role::Supervisor, Role::Admin])?;
    let definition = DEFINITIONS
        .iter()
        .find(|d| d.name == params.metric)
        .ok_or_else(|| invalid("metric", &params.metric, &METRICS))?;
    let group_by = params.group_by.as_deref().unwrap_or("queue");
    if !GROUP_BY.contains(&group_by) {
        return Err(invalid("group_by", group_by, &GROUP_BY));
    }
    let interval = params.interval.as_deref().unwrap_or("1h");
    let Some(&(_, length)) = INTERVALS.iter().find(|(name, _)| *name == interval) else {
        let names: Vec<&str> = INTERVALS.iter().map(|(name, _)| *name).collect();
        return Err(invalid("interval", interval, &names));
    };
    let start = parse_instant("interval_start", &params.interval_start)?;
    let counters: Vec<&str> = definition
        .numerator
        .iter()
        .chain(definition.denominator)
        .map(|(counter, _)| *counter)
        .collect();
    let rows: Vec<(Option<Uuid>, i64, String, i64)> = sqlx::query_as(
        "SELECT call_id, min(seq)::int8, counter, sum(amount)::int8 FROM read_metrics.contributions \
         WHERE dimension = $1 AND key = $2 AND bucket_start >= $3 AND bucket_start < $3 + $4::interval \
           AND counter = ANY($5) \
         GROUP BY call_id, CASE WHEN call_id IS NULL THEN seq END, counter \
         LIMIT $6",
    )
    .bind(group_by)
    .bind(&params.group)
    .bind(start)
    .bind(length)
    .bind(&counters)
    .bind(MAX_CONTRIBUTIONS + 1)
    .fetch_all(state.history.pool())
    .await?;
    if i64::try_from(rows.len()).unwrap_or(i64::MAX) > MAX_CONTRIBUTIONS {
        return Err(ApiError::unprocessable(
            "too_many_rows",
            "this cell has too many contributions to list: choose a shorter interval",
        ));
    }
    let weight = |side: &[(&str, i64)], counter: &str| {
        side.iter()
            .find(|(name, _)| *name == counter)
            .map_or(0, |(_, sign)| *sign)
    };
    // Keyed by call, or by event for call-less time; the first event cited for each.
    let mut shares: BTreeMap<(Option<Uuid>, Option<i64>), CallShare> = BTreeMap::new();
    for (call_id, seq, counter, amount) in rows {
        let key = (call_id, call_id.is_none().then_some(seq));
        let share = shares.entry(key).or_insert(CallShare {
            call_id: call_id.map(|id| id.to_string()),
            seq,
            numerator: 0,
            denominator: 0,
        });
        share.seq = share.seq.min(seq);
        share.numerator += weight(definition.numerator, &counter) * amount;
        share.denominator += weight(definition.denominator, &counter) * amount;
    }
    let calls: Vec<CallShare> = shares
        .into_values()
        .filter(|share| share.numerator != 0 || share.denominator != 0)
        .collect();
    let numerator = calls.iter().map(|share| share.numerator).sum();
    let denominator = calls.iter().map(|share| share.denominator).sum();
    Ok(Json(MetricCalls {
        metric: params.metric.clone(),
        group_by: group_by.to_owned(),
        group: params.group,
        interval_start: start.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        interval: interval.to_owned(),
        numerator,
        denominator,
        value: if definition.denominator.is_empty() {
            #[allow(clippy::cast_precision_loss)] // a count of calls
            Some(numerator as f64)
        } else {
            ratio(numerator, denominator)
        },
        formula_version: super::formulas::FORMULA_VERSION,
        calls,
    }))
}
