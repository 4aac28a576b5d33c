//! `GET /api/reports/connect-times`: how long an organisation's calls waited for an
//! interpreter in a month, as a distribution a client can check call by call.
//!
//! Vendors quote "connected in under 30 seconds"; this gives the percentiles and the
//! share within 10 s and 30 s, and `…/calls` lists every call behind them with its own
//! connect time, so each figure can be recomputed from the list. Read from the `calls`
//! read model (request and first answer, both from the call's events), over one
//! organisation's month: an index range of `calls_organisation_newest_first`.
//!
//! Which calls count: those requested in the month (UTC) that reached an outcome. A call
//! still waiting is left out until it ends; a call never connected (hung up, no
//! interpreter) counts in `calls` and `not_connected`, and is never "within 10 s".
//! Percentiles are over the connected calls and are observed values (`percentile_disc`):
//! each is one call's connect time.

use axum::extract::State;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use domain::call::CallStatus;

use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(connect_times))
        .routes(routes!(connect_time_calls))
}

/// The most calls one page of `…/calls` lists.
pub const CALLS_PAGE: i64 = 1_000;

/// Call statuses that mean "not answered or given up yet".
fn still_waiting() -> [&'static str; 4] {
    [
        CallStatus::New,
        CallStatus::Requested,
        CallStatus::Queued,
        CallStatus::Offered,
    ]
    .map(CallStatus::as_str)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConnectTimeParams {
    pub organisation_id: Uuid,
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// Only calls into this language.
    pub language: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConnectTimeCallsParams {
    pub organisation_id: Uuid,
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub language: Option<String>,
    /// Calls skipped: the `next_offset` of the previous page.
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema, FromRow)]
pub struct ConnectTimeReport {
    pub organisation_id: Uuid,
    pub month: String,
    pub language: Option<String>,
    /// Connect time (request to the first interpreter connected), seconds: the median,
    /// 90th and 99th percentile of the connected calls; `null` without any.
    pub p50_s: Option<f64>,
    pub p90_s: Option<f64>,
    pub p99_s: Option<f64>,
    /// Share of `calls` connected within 10 s and within 30 s; `null` without calls.
    pub within_10s: Option<f64>,
    pub within_30s: Option<f64>,
    /// Calls requested in the month that reached an outcome.
    pub calls: i64,
    pub connected: i64,
    pub not_connected: i64,
}

#[derive(Debug, Serialize, ToSchema, FromRow)]
pub struct ConnectTimeCall {
    pub call_id: Uuid,
    pub language: String,
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub connected_at: Option<DateTime<Utc>>,
    /// `null` for a call never connected.
    pub connect_s: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectTimeCalls {
    /// Fastest first, the calls never connected last.
    pub calls: Vec<ConnectTimeCall>,
    /// The `offset` of the next page; `null` on the last.
    pub next_offset: Option<i64>,
}

/// The month's first instant and the next month's (UTC).
fn month_range(month: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let invalid = || {
        ApiError::unprocessable(
            "invalid_value",
            format!("month: {month:?} is not a month such as 2026-11"),
        )
    };
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| month.len() == 7)
        .ok_or_else(invalid)?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(invalid)?;
    let at = |day: NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .map(|t| Utc.from_utc_datetime(&t))
            .ok_or_else(invalid)
    };
    debug_assert_eq!(first.day(), 1);
    Ok((at(first)?, at(next)?))
}

/// Staff may ask about any organisation; a requester only about their own.
fn authorise(user: &AuthUser, organisation: Uuid) -> Result<(), ApiError> {
    if user.role == Role::Requester {
        return match user.organisation_id {
            Some(own) if own == organisation => Ok(()),
            _ => Err(ApiError::forbidden(
                "a requester sees the report of their own organisation only",
            )),
        };
    }
    user.require(&[Role::Analyst, Role::Supervisor, Role::Admin])
}

fn language_filter(language: Option<&str>) -> Result<Option<String>, ApiError> {
    language
        .map(|code| domain::values::LanguageCode::parse(code).map(|code| code.to_string()))
        .transpose()
        .map_err(ApiError::from)
}

/// The connect-time distribution of an organisation's calls in a month (analyst,
/// supervisor, admin; a requester for their own organisation).
#[utoipa::path(get, path = "/api/reports/connect-times", tag = "metrics", security(("bearer" = [])),
    params(ConnectTimeParams),
    responses((status = 200, body = ConnectTimeReport), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn connect_times(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<ConnectTimeParams>,
) -> Result<Json<ConnectTimeReport>, ApiError> {
    authorise(&user, params.organisation_id)?;
    let (from, to) = month_range(&params.month)?;
    let language = language_filter(params.language.as_deref())?;
    let report: ConnectTimeReport = sqlx::query_as(
        "WITH counted AS ( \
           SELECT extract(epoch FROM answered_at - requested_at)::float8 AS connect_s \
           FROM read_calls.calls \
           WHERE organisation_id = $1 AND requested_at >= $2 AND requested_at < $3 \
             AND ($4::text IS NULL OR language = $4) AND status <> ALL($5)) \
         SELECT $1 AS organisation_id, $6 AS month, $4 AS language, \
           percentile_disc(0.5) WITHIN GROUP (ORDER BY connect_s) AS p50_s, \
           percentile_disc(0.9) WITHIN GROUP (ORDER BY connect_s) AS p90_s, \
           percentile_disc(0.99) WITHIN GROUP (ORDER BY connect_s) AS p99_s, \
           (count(*) FILTER (WHERE connect_s <= 10))::float8 / nullif(count(*), 0) AS within_10s, \
           (count(*) FILTER (WHERE connect_s <= 30))::float8 / nullif(count(*), 0) AS within_30s, \
           count(*) AS calls, count(connect_s) AS connected, count(*) - count(connect_s) AS not_connected \
         FROM counted",
    )
    .bind(params.organisation_id)
    .bind(from)
    .bind(to)
    .bind(language)
    .bind(&still_waiting()[..])
    .bind(&params.month)
    .fetch_one(state.history.pool())
    .await?;
    Ok(Json(report))
}

/// The calls behind the connect-time report, each with its own connect time, fastest
/// first (same access as the report).
#[utoipa::path(get, path = "/api/reports/connect-times/calls", tag = "metrics", security(("bearer" = [])),
    params(ConnectTimeCallsParams),
    responses((status = 200, body = ConnectTimeCalls), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn connect_time_calls(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<ConnectTimeCallsParams>,
) -> Result<Json<ConnectTimeCalls>, ApiError> {
    authorise(&user, params.organisation_id)?;
    let (from, to) = month_range(&params.month)?;
    let language = language_filter(params.language.as_deref())?;
    let offset = params.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::unprocessable(
            "invalid_value",
            "offset: must be 0 or more",
        ));
    }
    let mut calls: Vec<ConnectTimeCall> = sqlx::query_as(
        "SELECT call_id, language, status, requested_at, answered_at AS connected_at, \
                extract(epoch FROM answered_at - requested_at)::float8 AS connect_s \
         FROM read_calls.calls \
         WHERE organisation_id = $1 AND requested_at >= $2 AND requested_at < $3 \
           AND ($4::text IS NULL OR language = $4) AND status <> ALL($5) \
         ORDER BY connect_s NULLS LAST, call_id OFFSET $6 LIMIT $7",
    )
    .bind(params.organisation_id)
    .bind(from)
    .bind(to)
    .bind(language)
    .bind(&still_waiting()[..])
    .bind(offset)
    .bind(CALLS_PAGE + 1)
    .fetch_all(state.history.pool())
    .await?;
    let more = i64::try_from(calls.len()).unwrap_or(i64::MAX) > CALLS_PAGE;
    calls.truncate(usize::try_from(CALLS_PAGE).unwrap_or(usize::MAX));
    Ok(Json(ConnectTimeCalls {
        next_offset: more.then_some(offset + CALLS_PAGE),
        calls,
    }))
}
