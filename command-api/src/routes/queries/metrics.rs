//! `GET /api/metrics`: the contact-center figures of the product brief per queue, language
//! or interpreter and per 15 minutes, hour or day, rolled up from the 15-minute buckets of
//! the `read_metrics` projection.

use std::collections::BTreeMap;

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ratio, time_range};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// What `group_by` may name.
pub const GROUP_BY: [&str; 3] = ["queue", "language", "agent"];
/// What `interval` may name, with the PostgreSQL interval each stands for.
pub const INTERVALS: [(&str, &str); 3] = [("15m", "15 minutes"), ("1h", "1 hour"), ("1d", "1 day")];

/// The buckets' counters summed, as a metrics row names them.
const SUMS: &str = "sum(offered)::int8 AS offered, sum(answered)::int8 AS answered, \
    sum(answered_in_sl)::int8 AS answered_in_sl, sum(abandoned)::int8 AS abandoned, \
    sum(short_abandoned)::int8 AS short_abandoned, sum(overflowed)::int8 AS overflowed, \
    sum(no_interpreter)::int8 AS no_interpreter, sum(handled)::int8 AS handled, \
    sum(answer_wait_s)::int8 AS answer_wait_s, sum(talk_s)::int8 AS talk_s, \
    sum(hold_s)::int8 AS hold_s, sum(wrap_up_s)::int8 AS wrap_up_s, \
    sum(busy_s)::int8 AS busy_s, sum(logged_in_s)::int8 AS logged_in_s, max(seq)::int8 AS seq";

/// Longest range one query may cover.
const MAX_DAYS: i64 = 92;

/// The most `rows` one answer holds: 92 days by the hour for 40 groups, or a day by
/// 15 minutes for 500 interpreters. A wider question is refused (422 `too_many_rows`)
/// rather than built in memory; the caller narrows the range or coarsens the interval.
pub const MAX_ROWS: usize = 100_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MetricsParams {
    /// `queue` (default), `language` or `agent`.
    pub group_by: Option<String>,
    /// `15m`, `1h` (default) or `1d`.
    pub interval: Option<String>,
    /// Start (RFC 3339); today 00:00 UTC by default.
    pub from: Option<String>,
    /// End, exclusive (RFC 3339); the end of today by default. At most 92 days after `from`.
    pub to: Option<String>,
    /// Only this queue (with `group_by=queue`).
    pub queue_id: Option<uuid::Uuid>,
    /// Only this language (with `group_by=language`).
    pub language: Option<String>,
}

/// The figures of one group over one interval (or, in `totals`, over the whole range).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, FromRow)]
pub struct MetricsRow {
    /// Start of the interval; in `totals`, `from`.
    pub bucket_start: DateTime<Utc>,
    /// The queue id, language code or interpreter id.
    pub key: String,
    /// Queue name, language code or interpreter name.
    pub label: Option<String>,
    pub offered: i64,
    pub answered: i64,
    pub answered_in_sl: i64,
    /// Every abandoned call, short abandons included.
    pub abandoned: i64,
    /// Abandoned within the short-abandon threshold (5 s).
    pub short_abandoned: i64,
    /// The brief's "abandoned": after the short-abandon threshold.
    #[sqlx(skip)]
    pub abandoned_after_threshold: i64,
    pub overflowed: i64,
    pub no_interpreter: i64,
    pub handled: i64,
    pub answer_wait_s: i64,
    pub talk_s: i64,
    pub hold_s: i64,
    pub wrap_up_s: i64,
    pub busy_s: i64,
    pub logged_in_s: i64,
    /// answered within the threshold ÷ (offered − short abandons).
    #[sqlx(skip)]
    pub service_level: Option<f64>,
    /// Average speed of answer: total wait of answered calls ÷ answered.
    #[sqlx(skip)]
    pub asa_s: Option<f64>,
    /// Average handle time: (talk + hold + wrap-up) ÷ handled.
    #[sqlx(skip)]
    pub aht_s: Option<f64>,
    /// abandoned after the threshold ÷ offered.
    #[sqlx(skip)]
    pub abandonment_rate: Option<f64>,
    /// Interpreters only: time on calls and wrap-up ÷ time logged in and not on break.
    #[sqlx(skip)]
    pub occupancy: Option<f64>,
    /// The greatest `seq` of the buckets rolled up.
    pub seq: i64,
    /// The set of definitions the derived figures were computed with
    /// (`GET /api/metrics/formulas`).
    #[sqlx(skip)]
    pub formula_version: u32,
}

impl MetricsRow {
    pub(crate) fn derive(&mut self, agent_group: bool) {
        self.formula_version = super::formulas::FORMULA_VERSION;
        self.service_level = ratio(self.answered_in_sl, self.offered - self.short_abandoned);
        self.asa_s = ratio(self.answer_wait_s, self.answered);
        self.aht_s = ratio(self.talk_s + self.hold_s + self.wrap_up_s, self.handled);
        self.abandoned_after_threshold = self.abandoned - self.short_abandoned;
        self.abandonment_rate = ratio(self.abandoned_after_threshold, self.offered);
        self.occupancy = if agent_group {
            ratio(self.busy_s, self.logged_in_s)
        } else {
            None
        };
    }

    pub(crate) fn add(&mut self, other: &Self) {
        self.offered += other.offered;
        self.answered += other.answered;
        self.answered_in_sl += other.answered_in_sl;
        self.abandoned += other.abandoned;
        self.short_abandoned += other.short_abandoned;
        self.overflowed += other.overflowed;
        self.no_interpreter += other.no_interpreter;
        self.handled += other.handled;
        self.answer_wait_s += other.answer_wait_s;
        self.talk_s += other.talk_s;
        self.hold_s += other.hold_s;
        self.wrap_up_s += other.wrap_up_s;
        self.busy_s += other.busy_s;
        self.logged_in_s += other.logged_in_s;
        self.seq = self.seq.max(other.seq);
    }
}

/// Metrics per group and interval, plus each group's totals over the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsReport {
    pub group_by: String,
    pub interval: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// One row per (interval, group) with activity, by interval then key.
    pub rows: Vec<MetricsRow>,
    /// One row per group over the whole range.
    pub totals: Vec<MetricsRow>,
}

/// Service level, speed of answer, handle time, abandonment and occupancy per queue,
/// language or interpreter and per 15 minutes, hour or day (analyst, supervisor, admin).
/// Intervals are aligned on UTC.
#[utoipa::path(get, path = "/api/metrics", tag = "metrics", security(("bearer" = [])), params(MetricsParams),
    responses((status = 200, body = MetricsReport), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn metrics(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<MetricsParams>,
) -> Result<Json<MetricsReport>, ApiError> {
    user.require(&[Role::Analyst, Role::Supervisor, Role::Admin])?;
    let group_by = params.group_by.as_deref().unwrap_or("queue");
    if !GROUP_BY.contains(&group_by) {
        return Err(ApiError::unprocessable(
            "invalid_value",
            format!(
                "group_by: {group_by:?} is not one of {}",
                GROUP_BY.join(", ")
            ),
        ));
    }
    let interval = params.interval.as_deref().unwrap_or("1h");
    let Some(&(_, bin)) = INTERVALS.iter().find(|(name, _)| *name == interval) else {
        let names: Vec<&str> = INTERVALS.iter().map(|(name, _)| *name).collect();
        return Err(ApiError::unprocessable(
            "invalid_value",
            format!("interval: {interval:?} is not one of {}", names.join(", ")),
        ));
    };
    let key = match (group_by, params.queue_id, params.language.as_deref()) {
        (_, Some(_), Some(_)) => {
            return Err(ApiError::unprocessable(
                "invalid_filter",
                "give queue_id or language, not both",
            ));
        }
        ("queue", Some(queue), None) => Some(queue.to_string()),
        // Parsed, not passed on as typed: the key is the normalised code ("spa" is "es"), and
        // text the database cannot hold (a NUL) must be a 422, not a failed query.
        ("language", None, Some(language)) => {
            Some(domain::values::LanguageCode::parse(language)?.to_string())
        }
        (_, None, None) => None,
        (_, Some(_), None) => {
            return Err(ApiError::unprocessable(
                "invalid_filter",
                "queue_id filters group_by=queue",
            ));
        }
        (_, None, Some(_)) => {
            return Err(ApiError::unprocessable(
                "invalid_filter",
                "language filters group_by=language",
            ));
        }
    };
    let (from, to) = time_range(params.from.as_deref(), params.to.as_deref(), MAX_DAYS)?;

    let mut rows: Vec<MetricsRow> = sqlx::query_as(&format!(
        "WITH rolled AS ( \
           SELECT date_bin($1::interval, bucket_start, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket_start, key, \
                  {SUMS} \
           FROM read_metrics.buckets \
           WHERE dimension = $2 AND bucket_start >= $3 AND bucket_start < $4 AND ($5::text IS NULL OR key = $5) \
           GROUP BY 1, 2) \
         SELECT r.*, CASE $2 \
             WHEN 'queue' THEN (SELECT q.name::text FROM read_queues.queues q WHERE q.queue_id = r.key::uuid) \
             WHEN 'agent' THEN (SELECT u.name FROM public.users u WHERE u.id = r.key::uuid) \
             ELSE r.key END AS label \
         FROM rolled r \
         ORDER BY r.bucket_start, r.key \
         LIMIT $6"
    ))
    .bind(bin)
    .bind(group_by)
    .bind(from)
    .bind(to)
    .bind(key)
    .bind(i64::try_from(MAX_ROWS + 1).unwrap_or(i64::MAX))
    .fetch_all(state.history.pool())
    .await?;
    if rows.len() > MAX_ROWS {
        return Err(ApiError::unprocessable(
            "too_many_rows",
            format!(
                "more than {MAX_ROWS} rows: narrow from/to, filter by queue_id or language, or choose a coarser interval"
            ),
        ));
    }

    let agent_group = group_by == "agent";
    let mut totals: BTreeMap<String, MetricsRow> = BTreeMap::new();
    for row in &mut rows {
        row.derive(agent_group);
        totals
            .entry(row.key.clone())
            .or_insert_with(|| MetricsRow {
                bucket_start: from,
                key: row.key.clone(),
                label: row.label.clone(),
                ..MetricsRow::default()
            })
            .add(row);
    }
    let totals = totals
        .into_values()
        .map(|mut total| {
            total.derive(agent_group);
            total
        })
        .collect();
    Ok(Json(MetricsReport {
        group_by: group_by.to_owned(),
        interval: interval.to_owned(),
        from,
        to,
        rows,
        totals,
    }))
}

/// Each group's totals over `[from, to)`, with the derived figures, from a buckets table:
/// the live `read_metrics.buckets`, or a what-if sandbox's copy (`table` is ours, never a
/// caller's text).
pub(crate) async fn totals_from(
    pool: &sqlx::PgPool,
    table: &str,
    dimension: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<MetricsRow>, ApiError> {
    let mut rows: Vec<MetricsRow> = sqlx::query_as(&format!(
        "SELECT $2::timestamptz AS bucket_start, key, NULL::text AS label, \
                {SUMS} \
         FROM {table} WHERE dimension = $1 AND bucket_start >= $2 AND bucket_start < $3 \
         GROUP BY key ORDER BY key"
    ))
    .bind(dimension)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    for row in &mut rows {
        row.derive(dimension == "agent");
    }
    Ok(rows)
}
